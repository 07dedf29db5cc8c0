//! The console's first page: each integration with its connector version,
//! schedule, next run and last outcome, and the forms that start a sync,
//! a dry run or an absence export. [`overview`] is also the API's
//! `GET /api/integrations`.

use super::layout::{NoteQuery, Section, badge, frame, note, problem, see_other, segment, when, with_note};
use crate::serve::Shared;
use crate::serve::jobs::{Refused, Started};
use crate::store::runs::RunRow;
use crate::sync::SyncOptions;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Serialize;

/// One integration as the overview shows it.
#[derive(Debug, Serialize)]
pub struct IntegrationRow {
    /// Its name.
    pub name: String,
    /// Its connector.
    pub connector: String,
    /// The version its next run takes (pinned, or the active one).
    pub version: Option<String>,
    /// Whether the version is pinned in the configuration.
    pub pinned: bool,
    /// Its schedule, as configured.
    pub schedule: Option<String>,
    /// The time zone the schedule is read in.
    pub timezone: String,
    /// When the scheduler runs it next (RFC 3339), once it has looked.
    pub next_due: Option<String>,
    /// Its newest run.
    pub last_run: Option<RunRow>,
}

/// Every configured integration, in configuration order.
pub fn overview(served: &Shared) -> anyhow::Result<Vec<IntegrationRow>> {
    let app = &served.app;
    let mut rows = Vec::new();
    for i in &app.config.integrations {
        let next_due = app.store.schedule_state(&i.name)?.and_then(|(_, next)| next);
        let timezone =
            app.config.time_zone_of(i).map_or_else(|_| "?".into(), |tz| tz.iana_name().unwrap_or("?").into());
        rows.push(IntegrationRow {
            name: i.name.clone(),
            connector: i.connector.clone(),
            version: app.connector_for(i).ok().map(|c| c.manifest.version.clone()),
            pinned: i.version.is_some(),
            schedule: i.schedule.clone(),
            timezone,
            next_due,
            last_run: app.store.last_run(&i.name)?,
        });
    }
    Ok(rows)
}

/// `time` (RFC 3339) in `zone`, to the minute, or as it came.
fn local_time(time: &str, zone: &str) -> String {
    let zoned = time.parse::<jiff::Timestamp>().ok().zip(jiff::tz::TimeZone::get(zone).ok());
    zoned.map_or_else(|| when(time), |(t, tz)| t.to_zoned(tz).strftime("%a %Y-%m-%d %H:%M %Z").to_string())
}

/// The integrations page.
fn page_of(served: &Shared, shown: Option<&str>) -> Response {
    let rows = match overview(served) {
        Ok(rows) => rows,
        Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")),
    };
    let today = served.app.today().unwrap_or_default();
    let body = html! {
        h1 { "Integrations" }
        (note(shown))
        table {
            thead { tr { th { "Integration" } th { "Connector" } th { "Schedule" } th { "Next run" } th { "Last run" } th { "Start" } } }
            tbody {
                @for row in &rows {
                    @let name = segment(&row.name);
                    tr data-integration=(row.name) {
                        td {
                            strong { (row.name) }
                            br;
                            a href={ "/integrations/" (name) "/links?state=not-connected" } { "Employees and links" }
                        }
                        td {
                            (row.connector) "@" (row.version.as_deref().unwrap_or("(none loaded)"))
                            @if row.pinned { " " span.muted { "(pinned)" } }
                        }
                        td { (row.schedule.as_deref().unwrap_or("manual only")) br; span.muted { (row.timezone) } }
                        td { (row.next_due.as_deref().map(|t| local_time(t, &row.timezone)).unwrap_or_else(|| "—".into())) }
                        td {
                            @if let Some(run) = &row.last_run {
                                a href={ "/runs/" (run.id) } { "#" (run.id) } " " (badge(&run.status))
                                @if run.dry_run { " " span.muted { "dry run" } }
                                br; span.muted { (when(&run.started_at)) }
                            } @else { span.muted { "never run" } }
                        }
                        td {
                            div.actions {
                                form.inline method="post" action={ "/integrations/" (name) "/runs" } {
                                    input type="hidden" name="dry_run" value="true";
                                    button.quiet type="submit" name="start" value="dry-run" { "Dry run" }
                                }
                                form.inline method="post" action={ "/integrations/" (name) "/runs" } {
                                    input type="hidden" name="dry_run" value="false";
                                    button type="submit" name="start" value="sync" { "Sync now" }
                                }
                            }
                            details {
                                summary.muted { "Absence export" }
                                form.inline method="post" action={ "/integrations/" (name) "/absences" } {
                                    input type="date" name="from" value=(today) required;
                                    input type="date" name="to" value=(today) required;
                                    label { input type="checkbox" name="dry_run" value="true" checked; " dry run" }
                                    button.quiet type="submit" { "Export" }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    frame("Integrations", Section::Integrations, None, body).into_response()
}

/// `GET /`.
pub async fn page(State(served): State<Shared>, Query(q): Query<NoteQuery>) -> Response {
    page_of(&served, q.shown())
}

/// The run form.
#[derive(serde::Deserialize)]
pub struct RunForm {
    #[serde(default)]
    dry_run: Option<String>,
}

/// Where a started run leads: its page, or back with a note.
fn after_start(started: Result<Started, Refused>) -> Response {
    match started {
        Ok(Started::Run(id)) => see_other(&format!("/runs/{id}")),
        Ok(Started::Queued { behind }) => {
            see_other(&with_note("/", &format!("Queued: it starts when the run in progress ends ({behind}).")))
        }
        Err(Refused::NoIntegration(e)) => problem(StatusCode::NOT_FOUND, &e),
        Err(Refused::CannotStart(e)) => problem(StatusCode::UNPROCESSABLE_ENTITY, &e),
    }
}

/// `POST /integrations/{name}/runs`.
pub async fn start_run(State(served): State<Shared>, Path(name): Path<String>, Form(form): Form<RunForm>) -> Response {
    let dry_run = form.dry_run.as_deref() == Some("true");
    after_start(crate::serve::jobs::start(&served, &name, SyncOptions { dry_run, ..SyncOptions::default() }).await)
}

/// The absence export form.
#[derive(serde::Deserialize)]
pub struct AbsenceForm {
    from: String,
    to: String,
    #[serde(default)]
    dry_run: Option<String>,
}

/// `POST /integrations/{name}/absences`.
pub async fn start_absences(
    State(served): State<Shared>,
    Path(name): Path<String>,
    Form(form): Form<AbsenceForm>,
) -> Response {
    let period = match crate::cli::absences::period(&form.from, &form.to) {
        Ok(period) => period,
        Err(e) => return problem(StatusCode::BAD_REQUEST, &format!("{e:#}")),
    };
    let dry_run = form.dry_run.as_deref() == Some("true");
    let options = SyncOptions { dry_run, period: Some(period), ..SyncOptions::default() };
    after_start(crate::serve::jobs::start(&served, &name, options).await)
}
