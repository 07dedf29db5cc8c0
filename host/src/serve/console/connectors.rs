//! The console's connectors: every loaded version with which is active
//! and which integrations run it; upload a component (checked, compiled
//! into the cache, loaded; optionally activated), activate a version, roll
//! back to the version active before, and the shadow plan of a version
//! for an integration (both versions dry-run, compared field by field).

use super::layout::{NoteQuery, Section, badge, frame, note, problem, see_other, segment, with_note};
use crate::app::connectors::ConnectorInfo;
use crate::serve::Shared;
use crate::serve::routes::MAX_UPLOAD;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;
use std::collections::BTreeMap;
use std::sync::Arc;

/// `GET /connectors`.
pub async fn page(State(served): State<Shared>, Query(q): Query<NoteQuery>) -> Response {
    let list = match served.app.connectors() {
        Ok(list) => list,
        Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")),
    };
    let mut by_name: BTreeMap<&str, Vec<&ConnectorInfo>> = BTreeMap::new();
    for c in &list {
        by_name.entry(c.name.as_str()).or_default().push(c);
    }
    let integrations_of = |connector: &str| -> Vec<String> {
        served.app.config.integrations.iter().filter(|i| i.connector == connector).map(|i| i.name.clone()).collect()
    };
    // Connectors some integration runs first, then the others, by name.
    let mut by_name: Vec<(&str, Vec<&ConnectorInfo>)> = by_name.into_iter().collect();
    by_name.sort_by_key(|(name, _)| integrations_of(name).is_empty());
    let body = html! {
        h1 { "Connectors" }
        (note(q.shown()))
        div.card {
            h2 { "Upload a component" }
            form #upload method="post" action="/connectors" enctype="multipart/form-data" {
                input type="file" name="component" accept=".wasm" required;
                " "
                label { input type="checkbox" name="activate" value="true"; " make it the active version" }
                " "
                button type="submit" { "Upload" }
            }
            p.muted { "It is checked (contract, imports, manifest), compiled into the cache and loaded; runs in flight keep their version. At most " (MAX_UPLOAD >> 20) " MiB." }
        }
        @for (name, versions) in &by_name {
            h2 { (name) }
            div.actions {
                form.inline method="post" action={ "/connectors/" (segment(name)) "/rollback" } {
                    button.quiet type="submit" { "Roll back to the version before" }
                }
            }
            table data-connector=(name) {
                thead { tr { th { "Version" } th { "State" } th { "Runs" } th { "Contract" } th { "sha256" } th { "" } } }
                tbody {
                    @for c in versions {
                        @let path = format!("/connectors/{}/{}", segment(&c.name), segment(&c.version));
                        tr data-version=(c.version) {
                            td { strong { (c.version) } }
                            td { @if c.active { (badge("active")) } }
                            td { (c.used_by.join(", ")) }
                            td { (c.contract) }
                            td { code { (c.sha256.get(..12).unwrap_or(&c.sha256)) } }
                            td {
                                div.actions {
                                    @if !c.active {
                                        form.inline method="post" action={ (path) "/activate" } {
                                            button.quiet type="submit" { "Activate" }
                                        }
                                    }
                                    @let integrations = integrations_of(&c.name);
                                    @if !integrations.is_empty() {
                                        form.inline method="post" action={ (path) "/shadow" } {
                                            select name="integration" {
                                                @for i in &integrations { option value=(i) { (i) } }
                                            }
                                            button.quiet type="submit" { "Shadow plan" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if list.is_empty() { p.muted { "No connector is loaded yet." } }
    };
    frame("Connectors", Section::Connectors, None, body).into_response()
}

/// `POST /connectors`: a multipart form with the file (`component`) and
/// the `activate` box.
pub async fn upload(State(served): State<Shared>, mut form: Multipart) -> Response {
    let (mut bytes, mut activate) = (None, false);
    loop {
        match form.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("component") => match field.bytes().await {
                    Ok(b) => bytes = Some(b),
                    Err(e) => return problem(StatusCode::BAD_REQUEST, &format!("reading the upload: {e}")),
                },
                Some("activate") => activate = field.text().await.is_ok_and(|v| v == "true"),
                _ => {}
            },
            Ok(None) => break,
            Err(e) => return problem(StatusCode::BAD_REQUEST, &format!("reading the upload: {e}")),
        }
    }
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        return problem(StatusCode::BAD_REQUEST, "choose a component file (.wasm) to upload");
    };
    let app = Arc::clone(&served.app);
    match tokio::task::spawn_blocking(move || app.install_connector_bytes(&bytes, activate)).await {
        Ok(Ok((loaded, active))) => {
            let state = if active { "it is the active version" } else { "activate it to use it" };
            see_other(&with_note("/connectors", &format!("Loaded {}: {state}.", loaded.label())))
        }
        Ok(Err(e)) => problem(StatusCode::UNPROCESSABLE_ENTITY, &format!("the component was refused: {e:#}")),
        Err(e) => problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

/// `POST /connectors/{name}/{version}/activate`.
pub async fn activate(State(served): State<Shared>, Path((name, version)): Path<(String, String)>) -> Response {
    match served.app.activate_connector(&name, &version) {
        Ok(active) => {
            see_other(&with_note("/connectors", &format!("{} is active: the next runs take it.", active.label())))
        }
        Err(e) => problem(StatusCode::UNPROCESSABLE_ENTITY, &format!("{e:#}")),
    }
}

/// `POST /connectors/{name}/rollback`.
pub async fn rollback(State(served): State<Shared>, Path(name): Path<String>) -> Response {
    match served.app.rollback_connector(&name) {
        Ok(active) => {
            see_other(&with_note("/connectors", &format!("Rolled back: {} is active again.", active.label())))
        }
        Err(e) => problem(StatusCode::UNPROCESSABLE_ENTITY, &format!("{e:#}")),
    }
}

/// The shadow form.
#[derive(serde::Deserialize)]
pub struct ShadowForm {
    integration: String,
}

/// `POST /connectors/{name}/{version}/shadow`: shows the comparison.
pub async fn shadow(
    State(served): State<Shared>,
    Path((name, version)): Path<(String, String)>,
    Form(form): Form<ShadowForm>,
) -> Response {
    let report = match crate::serve::api::shadow_report(&served, &name, &version, &form.integration).await {
        Ok(report) => report,
        Err((status, e)) => return problem(status, &e),
    };
    let body = html! {
        h1 { "Shadow plan: " (report.candidate) " beside " (report.active) }
        div.card {
            p { "Integration " strong { (report.integration) } ": both versions dry-ran; nothing was written." }
            p #verdict {
                (report.agree) " employee(s) planned alike; "
                strong { (report.differ.len()) } " differ."
            }
            p.muted {
                "Dry runs: " a href={ "/runs/" (report.active_run) } { "#" (report.active_run) " (active)" }
                ", " a href={ "/runs/" (report.candidate_run) } { "#" (report.candidate_run) " (candidate)" }
            }
        }
        @if !report.differ.is_empty() {
            table #differences {
                thead { tr { th { "No." } th { "Active" } th { "Candidate" } th { "Only the active plans" } th { "Only the candidate plans" } } }
                tbody {
                    @for d in &report.differ {
                        tr data-hr=(d.hr_id) {
                            td.num { (d.employee_number.as_deref().unwrap_or(&d.hr_id)) }
                            td { (badge(&d.active)) }
                            td { (badge(&d.candidate)) }
                            td { @for c in &d.only_active { div { span.muted { (c.record) } " " (c.field) ": " (c.before) " → " strong { (c.after) } } } }
                            td { @for c in &d.only_candidate { div { span.muted { (c.record) } " " (c.field) ": " (c.before) " → " strong { (c.after) } } } }
                        }
                    }
                }
            }
        }
        p { a href="/connectors" { "Back to the connectors" } }
    };
    frame("Shadow plan", Section::Connectors, None, body).into_response()
}
