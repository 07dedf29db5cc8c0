//! The console's runs: the recent runs, and one run with its outcomes per
//! employee, the masked before → after plan of each, and the writes it
//! sent. A run still running reloads its page every two seconds. Large
//! runs show at most [`SHOWN`] employees at a time, filtered by outcome.

use super::layout::{Section, badge, frame, problem, segment, when};
use crate::serve::Shared;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;

/// Employees (and journal entries) a run page shows at most.
pub const SHOWN: usize = 500;

/// `GET /runs`.
pub async fn list(State(served): State<Shared>) -> Response {
    let runs = match served.app.runs(100) {
        Ok(runs) => runs,
        Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")),
    };
    let body = html! {
        h1 { "Runs" }
        table {
            thead { tr { th { "Run" } th { "Integration" } th { "Connector" } th { "Started" } th { "Status" } th { "Summary" } } }
            tbody {
                @for run in &runs {
                    tr {
                        td.num { a href={ "/runs/" (run.id) } { "#" (run.id) } }
                        td { (run.integration) }
                        td { (run.connector) }
                        td { (when(&run.started_at)) }
                        td { (badge(&run.status)) @if run.dry_run { " " span.muted { "dry run" } } }
                        td { (run.summary.as_deref().unwrap_or("")) }
                    }
                }
            }
        }
        @if runs.is_empty() { p.muted { "No run yet." } }
    };
    frame("Runs", Section::Runs, None, body).into_response()
}

/// Query of a run page.
#[derive(serde::Deserialize)]
pub struct RunQuery {
    outcome: Option<String>,
    #[serde(default)]
    skip: usize,
}

/// `GET /runs/{id}`: reads only the page of outcomes it shows.
pub async fn page(State(served): State<Shared>, Path(id): Path<i64>, Query(q): Query<RunQuery>) -> Response {
    let store = &served.app.store;
    let run = match store.run(id) {
        Ok(Some(run)) => run,
        Ok(None) => return problem(StatusCode::NOT_FOUND, &format!("there is no run {id}")),
        Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")),
    };
    let filter = q.outcome.as_deref().filter(|f| !f.is_empty());
    let read = store.outcome_counts(id).and_then(|counts| {
        let shown = store.outcomes_page(id, filter, q.skip, SHOWN)?;
        let journal = store.journal_page(id, SHOWN)?;
        Ok((counts, shown, journal))
    });
    let (counts, chosen, (journal, journal_count)) = match read {
        Ok(read) => read,
        Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")),
    };
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let matching = filter.map_or(total, |f| counts.iter().find(|(o, _)| o == f).map_or(0, |(_, n)| *n));
    let more = |skip: usize| {
        let outcome = filter.map(|f| format!("&outcome={}", segment(f))).unwrap_or_default();
        format!("/runs/{id}?skip={skip}{outcome}")
    };
    let running = run.status == "running";
    let body = html! {
        h1 { "Run #" (run.id) " " (badge(&run.status)) @if run.dry_run { " " span.badge { "dry run: nothing written" } } }
        div.card {
            p { strong { (run.integration) } " with " (run.connector) }
            p.muted { "Started " (when(&run.started_at)) @if let Some(end) = &run.finished_at { ", ended " (when(end)) } }
            @if let Some(summary) = &run.summary { p #summary { (summary) } }
            @if running { p.muted { "Running: this page reloads itself." } }
        }
        p.tabs {
            a href={ "/runs/" (run.id) } class=[filter.is_none().then_some("here")] { "All (" (total) ")" }
            @for (outcome, n) in &counts {
                a href={ "/runs/" (run.id) "?outcome=" (segment(outcome)) } class=[(filter == Some(outcome.as_str())).then_some("here")] {
                    (outcome) " (" (n) ")"
                }
            }
        }
        table #outcomes {
            thead { tr { th { "No." } th { "Employee" } th { "Outcome" } th { "Plan: before → after" } } }
            tbody {
                @for o in &chosen {
                    tr data-hr=(o.hr_id) {
                        td.num { (o.employee_number.as_deref().unwrap_or("")) }
                        td { (o.name.as_deref().unwrap_or(&o.hr_id)) }
                        td { (badge(&o.outcome)) @if !o.detail.is_empty() { br; span.muted { (o.detail) } } }
                        td {
                            @if !o.changes.is_empty() {
                                table.plan {
                                    @for c in &o.changes {
                                        tr {
                                            td.muted { (c.record) }
                                            td { (c.field) }
                                            td { (c.before) }
                                            td.arrow { "→" }
                                            td { strong { (c.after) } }
                                        }
                                    }
                                }
                            }
                            @for w in &o.writes { div.muted { code { (w.request) } " " (w.description) } }
                        }
                    }
                }
            }
        }
        @if matching > SHOWN {
            p.muted {
                "Employees " (q.skip + 1) "–" (q.skip + chosen.len()) " of " (matching) ". "
                @if q.skip > 0 { a href=(more(q.skip.saturating_sub(SHOWN))) { "Previous" } " " }
                @if q.skip + SHOWN < matching { a href=(more(q.skip + SHOWN)) { "Next" } }
            }
        }
        @if !journal.is_empty() {
            h2 { "Writes sent (" (journal_count) ")" }
            table #journal {
                thead { tr { th { "Request" } th { "State" } th { "Answer" } th { "Note" } } }
                tbody {
                    @for j in &journal {
                        tr {
                            td { code { (j.method) " " (j.path) } }
                            td { (badge(&j.state)) }
                            td.num { (j.http_status.map(|s| s.to_string()).unwrap_or_default()) }
                            td { (j.detail.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        }
    };
    frame(&format!("Run #{}", run.id), Section::Runs, running.then_some(2), body).into_response()
}
