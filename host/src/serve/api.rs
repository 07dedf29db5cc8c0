//! The JSON API's handlers ([`super::routes::ROUTES`] says which serves
//! which path and the role each needs). Long operations answer at once,
//! 202 `{"run_id"}` (or `{"queued": true}` behind another run), and are
//! followed at `GET /api/runs/{id}` (`running` while they run).

use super::Shared;
use super::auth::json_error as error;
use super::jobs::{Refused, Started};
use crate::sync::SyncOptions;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;

/// The integrations with their connector, schedule, next due time and
/// last run.
pub async fn integrations(State(served): State<Shared>) -> Response {
    match super::console::integrations::overview(&served) {
        Ok(rows) => axum::Json(rows).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")),
    }
}

/// Query of a run.
#[derive(serde::Deserialize)]
pub struct RunQuery {
    #[serde(default)]
    dry_run: bool,
}

/// Start a sync or a dry run.
pub async fn start_run(State(served): State<Shared>, Path(name): Path<String>, Query(q): Query<RunQuery>) -> Response {
    answer(super::jobs::start(&served, &name, SyncOptions { dry_run: q.dry_run, ..SyncOptions::default() }).await)
}

/// Query of an absence export.
#[derive(serde::Deserialize)]
pub struct AbsenceQuery {
    from: String,
    to: String,
    #[serde(default)]
    dry_run: bool,
}

/// Start an absence export of a period.
pub async fn start_absences(
    State(served): State<Shared>,
    Path(name): Path<String>,
    Query(q): Query<AbsenceQuery>,
) -> Response {
    let period = match crate::cli::absences::period(&q.from, &q.to) {
        Ok(period) => period,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("{e:#}")),
    };
    let options = SyncOptions { dry_run: q.dry_run, period: Some(period), ..SyncOptions::default() };
    answer(super::jobs::start(&served, &name, options).await)
}

/// A run request's answer.
fn answer(started: Result<Started, Refused>) -> Response {
    match started {
        Ok(Started::Run(run_id)) => (StatusCode::ACCEPTED, axum::Json(json!({ "run_id": run_id }))).into_response(),
        Ok(Started::Queued { behind }) => {
            (StatusCode::ACCEPTED, axum::Json(json!({ "queued": true, "behind": behind }))).into_response()
        }
        Err(Refused::NoIntegration(e)) => error(StatusCode::NOT_FOUND, e),
        Err(Refused::CannotStart(e)) => error(StatusCode::UNPROCESSABLE_ENTITY, e),
    }
}

/// Query of a link view.
#[derive(serde::Deserialize)]
pub struct LinksQuery {
    #[serde(default)]
    state: Option<String>,
}

/// The view named by `state` (all when none).
pub fn view_named(state: Option<&str>) -> Result<crate::sync::views::View, String> {
    use crate::sync::views::View;
    match state.unwrap_or("all") {
        "connected" => Ok(View::Connected),
        "not-connected" => Ok(View::NotConnected),
        "all" => Ok(View::All),
        other => Err(format!("state {other:?}: use connected, not-connected or all")),
    }
}

/// The employees of a link view.
pub async fn links(State(served): State<Shared>, Path(name): Path<String>, Query(q): Query<LinksQuery>) -> Response {
    let view = match view_named(q.state.as_deref()) {
        Ok(view) => view,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    if served.app.config.integration(&name).is_err() {
        return error(StatusCode::NOT_FOUND, format!("no integration named {name:?}"));
    }
    match served.app.link_rows(&name, view) {
        Ok(rows) => axum::Json(rows).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")),
    }
}

/// Body of a connect.
#[derive(serde::Deserialize)]
pub struct ConnectBody {
    hr: String,
    target: String,
}

/// Connect an HR employee to a target employee.
pub async fn connect(
    State(served): State<Shared>,
    Path(name): Path<String>,
    body: axum::Json<ConnectBody>,
) -> Response {
    match served.app.connect_link(&name, &body.hr, &body.target) {
        Ok(hr_id) => axum::Json(json!({ "connected": hr_id, "target": body.target })).into_response(),
        Err(e) => error(StatusCode::UNPROCESSABLE_ENTITY, format!("{e:#}")),
    }
}

/// Disconnect an HR employee.
pub async fn disconnect(State(served): State<Shared>, Path((name, hr)): Path<(String, String)>) -> Response {
    match served.app.disconnect_link(&name, &hr) {
        Ok(hr_id) => axum::Json(json!({ "disconnected": hr_id })).into_response(),
        Err(e) => error(StatusCode::UNPROCESSABLE_ENTITY, format!("{e:#}")),
    }
}

/// Proposed links (reads the target).
pub async fn suggestions(State(served): State<Shared>, Path(name): Path<String>) -> Response {
    if served.app.config.integration(&name).is_err() {
        return error(StatusCode::NOT_FOUND, format!("no integration named {name:?}"));
    }
    match served.app.suggest_links(&name, served.secrets(&name)).await {
        Ok(found) => axum::Json(found).into_response(),
        Err(e) => error(StatusCode::BAD_GATEWAY, format!("{e:#}")),
    }
}

/// The loaded connector versions.
pub async fn connectors(State(served): State<Shared>) -> Response {
    match served.app.connectors() {
        Ok(list) => axum::Json(list).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")),
    }
}

/// Query of an upload.
#[derive(serde::Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    activate: bool,
}

/// Install an uploaded component, the time from upload to loaded (or
/// active) in `swap_ms`.
pub async fn upload(State(served): State<Shared>, Query(q): Query<UploadQuery>, body: axum::body::Bytes) -> Response {
    let started = std::time::Instant::now();
    let app = Arc::clone(&served.app);
    match tokio::task::spawn_blocking(move || app.install_connector_bytes(&body, q.activate)).await {
        Ok(Ok((loaded, active))) => axum::Json(json!({
            "name": loaded.manifest.name,
            "version": loaded.manifest.version,
            "sha256": loaded.sha256,
            "active": active,
            "swap_ms": started.elapsed().as_millis() as u64,
        }))
        .into_response(),
        Ok(Err(e)) => error(StatusCode::UNPROCESSABLE_ENTITY, format!("{e:#}")),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// Make a loaded version the active one.
pub async fn activate(State(served): State<Shared>, Path((name, version)): Path<(String, String)>) -> Response {
    match served.app.activate_connector(&name, &version) {
        Ok(active) => axum::Json(json!({ "name": name, "active": active.manifest.version })).into_response(),
        Err(e) => error(StatusCode::UNPROCESSABLE_ENTITY, format!("{e:#}")),
    }
}

/// Go back to the version active before.
pub async fn rollback(State(served): State<Shared>, Path(name): Path<String>) -> Response {
    match served.app.rollback_connector(&name) {
        Ok(active) => axum::Json(json!({ "name": name, "active": active.manifest.version })).into_response(),
        Err(e) => error(StatusCode::UNPROCESSABLE_ENTITY, format!("{e:#}")),
    }
}

/// Query of a shadow plan.
#[derive(serde::Deserialize)]
pub struct ShadowQuery {
    integration: String,
}

/// The shadow plan of a version for an integration, or why there is none.
pub async fn shadow_report(
    served: &Shared,
    name: &str,
    version: &str,
    integration: &str,
) -> Result<crate::app::shadow::ShadowReport, (StatusCode, String)> {
    let Ok(config) = served.app.config.integration(integration) else {
        return Err((StatusCode::NOT_FOUND, format!("no integration named {integration:?}")));
    };
    if config.connector != name {
        let runs = &config.connector;
        return Err((StatusCode::BAD_REQUEST, format!("integration {integration} runs connector {runs}, not {name}")));
    }
    served
        .app
        .shadow_plan(integration, version, served.secrets(integration))
        .await
        .map_err(|e| (StatusCode::UNPROCESSABLE_ENTITY, format!("{e:#}")))
}

/// Dry-run a version beside the active one and compare their plans.
pub async fn shadow(
    State(served): State<Shared>,
    Path((name, version)): Path<(String, String)>,
    Query(q): Query<ShadowQuery>,
) -> Response {
    match shadow_report(&served, &name, &version, &q.integration).await {
        Ok(report) => axum::Json(report).into_response(),
        Err((status, e)) => error(status, e),
    }
}

/// The most recent runs.
pub async fn runs(State(served): State<Shared>) -> Response {
    match served.app.runs(50) {
        Ok(rows) => axum::Json(rows).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")),
    }
}

/// One run with its outcomes and journal.
pub async fn run(State(served): State<Shared>, Path(id): Path<i64>) -> Response {
    match served.app.store.run(id) {
        Ok(Some(run)) => match served.app.detail_of(run) {
            Ok(detail) => axum::Json(detail).into_response(),
            Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")),
        },
        Ok(None) => error(StatusCode::NOT_FOUND, format!("no run {id}")),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")),
    }
}
