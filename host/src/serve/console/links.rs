//! The console's link views of one integration: Not connected, Connected
//! and All, each employee with what it lacks; a form to connect an HR
//! employee to a target employee, a button to disconnect, and the
//! suggestions (read from the target) with a connect button each.

use super::layout::{Section, badge, frame, note, problem, see_other, segment, verified, when, with_note};
use crate::serve::Shared;
use crate::serve::api::view_named;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

/// Query of a view.
#[derive(serde::Deserialize)]
pub struct ViewQuery {
    state: Option<String>,
    note: Option<String>,
    /// The note's tag ([`super::layout::verified`]).
    tag: Option<String>,
    /// Only employees whose name, number or id contains this.
    find: Option<String>,
    #[serde(default)]
    skip: usize,
}

/// Employees a view shows at a time.
pub const SHOWN: usize = 200;

/// The three views, as (query value, label).
const VIEWS: [(&str, &str); 3] = [("not-connected", "Not connected"), ("connected", "Connected"), ("all", "All")];

fn tabs(integration: &str, here: &str) -> Markup {
    let name = segment(integration);
    html! {
        p.tabs {
            @for (state, label) in VIEWS {
                a href={ "/integrations/" (name) "/links?state=" (state) } class=[(state == here).then_some("here")] { (label) }
            }
            a href={ "/integrations/" (name) "/suggestions" } { "Suggest links" }
        }
    }
}

/// `GET /integrations/{name}/links`.
pub async fn page(
    State(served): State<Shared>,
    Path(integration): Path<String>,
    Query(q): Query<ViewQuery>,
) -> Response {
    if served.app.config.integration(&integration).is_err() {
        return problem(StatusCode::NOT_FOUND, &format!("no integration named {integration:?}"));
    }
    let state = q.state.as_deref().unwrap_or("not-connected");
    let view = match view_named(Some(state)) {
        Ok(view) => view,
        Err(e) => return problem(StatusCode::BAD_REQUEST, &e),
    };
    let rows = match served.app.link_rows(&integration, view) {
        Ok(rows) => rows,
        Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")),
    };
    let find = q.find.as_deref().map(str::trim).filter(|f| !f.is_empty());
    let needle = find.map(str::to_lowercase);
    let rows: Vec<_> = rows
        .into_iter()
        .filter(|r| {
            needle.as_deref().is_none_or(|n| {
                r.name.to_lowercase().contains(n)
                    || r.hr_id.to_lowercase().contains(n)
                    || r.employee_number.as_deref().is_some_and(|e| e.contains(n))
            })
        })
        .collect();
    let matching = rows.len();
    let rows: Vec<_> = rows.into_iter().skip(q.skip).take(SHOWN).collect();
    let name = segment(&integration);
    let found = find.map(|f| format!("&find={}", segment(f))).unwrap_or_default();
    let back = format!("/integrations/{name}/links?state={state}{found}");
    let more = |skip: usize| format!("{back}&skip={skip}");
    let body = html! {
        h1 { (integration) ": employees and links" }
        (note(verified(q.note.as_deref(), q.tag.as_deref())))
        (tabs(&integration, state))
        form.inline method="get" action={ "/integrations/" (name) "/links" } {
            input type="hidden" name="state" value=(state);
            input type="text" name="find" value=(find.unwrap_or("")) placeholder="name or number";
            button.quiet type="submit" { "Find" }
        }
        table #links {
            thead { tr { th { "No." } th { "Employee" } th { "State" } th { "Target employee" } th { "Lacks" } th { "" } } }
            tbody {
                @for row in &rows {
                    tr data-hr=(row.hr_id) {
                        td.num { (row.employee_number.as_deref().unwrap_or("")) }
                        td { (row.name) }
                        td { (badge(row.state)) }
                        td {
                            (row.target_id.as_deref().unwrap_or(""))
                            @if let Some(how) = &row.how { br; span.muted { (how) @if let Some(at) = &row.linked_at { ", " (when(at)) } } }
                        }
                        td { @if !row.missing.is_empty() { span.badge.failed { (row.missing.join(", ")) } } }
                        td {
                            @if row.state == "connected" {
                                form.inline method="post" action={ "/integrations/" (name) "/links/" (segment(&row.hr_id)) "/disconnect" } {
                                    input type="hidden" name="back" value=(back);
                                    button.danger type="submit" { "Disconnect" }
                                }
                            } @else {
                                form.inline method="post" action={ "/integrations/" (name) "/links" } {
                                    input type="hidden" name="hr" value=(row.hr_id);
                                    input type="hidden" name="back" value=(back);
                                    input type="text" name="target" placeholder="target employee id" size="14" required;
                                    button.quiet type="submit" { "Connect" }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if rows.is_empty() { p.muted { "No employee in this view." } }
        @if matching > SHOWN {
            p.muted {
                "Employees " (q.skip + 1) "–" (q.skip + rows.len()) " of " (matching) ". "
                @if q.skip > 0 { a href=(more(q.skip.saturating_sub(SHOWN))) { "Previous" } " " }
                @if q.skip + SHOWN < matching { a href=(more(q.skip + SHOWN)) { "Next" } }
            }
        }
    };
    frame(&format!("{integration}: links"), Section::Integrations, None, body).into_response()
}

/// Where a link form returns: the view it came from, on this console.
fn back_to(back: Option<&str>, integration: &str) -> String {
    back.filter(|b| b.starts_with("/integrations/"))
        .map_or_else(|| format!("/integrations/{}/links", segment(integration)), str::to_owned)
}

/// The connect form.
#[derive(serde::Deserialize)]
pub struct ConnectForm {
    hr: String,
    target: String,
    back: Option<String>,
}

/// `POST /integrations/{name}/links`.
pub async fn connect(
    State(served): State<Shared>,
    Path(integration): Path<String>,
    Form(form): Form<ConnectForm>,
) -> Response {
    let back = back_to(form.back.as_deref(), &integration);
    match served.app.connect_link(&integration, form.hr.trim(), form.target.trim()) {
        Ok(hr_id) => see_other(&with_note(&back, &format!("Connected {hr_id} to {}.", form.target.trim()))),
        Err(e) => problem(StatusCode::UNPROCESSABLE_ENTITY, &format!("{e:#}")),
    }
}

/// The disconnect form.
#[derive(serde::Deserialize)]
pub struct DisconnectForm {
    back: Option<String>,
}

/// `POST /integrations/{name}/links/{hr}/disconnect`.
pub async fn disconnect(
    State(served): State<Shared>,
    Path((integration, hr)): Path<(String, String)>,
    Form(form): Form<DisconnectForm>,
) -> Response {
    let back = back_to(form.back.as_deref(), &integration);
    match served.app.disconnect_link(&integration, &hr) {
        Ok(hr_id) => see_other(&with_note(&back, &format!("Disconnected {hr_id}."))),
        Err(e) => problem(StatusCode::UNPROCESSABLE_ENTITY, &format!("{e:#}")),
    }
}

/// `GET /integrations/{name}/suggestions`: reads the target.
pub async fn suggestions(State(served): State<Shared>, Path(integration): Path<String>) -> Response {
    if served.app.config.integration(&integration).is_err() {
        return problem(StatusCode::NOT_FOUND, &format!("no integration named {integration:?}"));
    }
    let found = match served.app.suggest_links(&integration, served.secrets(&integration)).await {
        Ok(found) => found,
        Err(e) => return problem(StatusCode::BAD_GATEWAY, &format!("reading the target: {e:#}")),
    };
    let name = segment(&integration);
    let back = format!("/integrations/{name}/links?state=not-connected");
    let body = html! {
        h1 { (integration) ": suggested links" }
        (tabs(&integration, "suggestions"))
        table #suggestions {
            thead { tr { th { "No." } th { "Employee" } th { "Target employee" } th { "Why" } th { "" } } }
            tbody {
                @for s in &found {
                    tr data-hr=(s.hr_id) {
                        td.num { (s.employee_number.as_deref().unwrap_or("")) }
                        td { (s.name) }
                        td { (s.target_id) }
                        td { (s.reason) }
                        td {
                            form.inline method="post" action={ "/integrations/" (name) "/links" } {
                                input type="hidden" name="hr" value=(s.hr_id);
                                input type="hidden" name="target" value=(s.target_id);
                                input type="hidden" name="back" value=(back);
                                button.quiet type="submit" { "Connect" }
                            }
                        }
                    }
                }
            }
        }
        @if found.is_empty() { p.muted { "Nothing to suggest: every employee is connected, or none matches by number, national id or name and birth date." } }
    };
    frame(&format!("{integration}: suggestions"), Section::Integrations, None, body).into_response()
}
