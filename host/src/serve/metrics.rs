//! `GET /metrics` in Prometheus text format: runs by integration and
//! status and writes by journal state (read from the store at scrape
//! time), the process's target requests and connector call times
//! ([`crate::metrics`]), and the server's runs in flight and queued.

use super::Shared;
use super::auth::json_error;
use crate::metrics::label;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::fmt::Write as _;
use std::sync::atomic::Ordering;

/// The metrics page.
pub async fn metrics(State(served): State<Shared>) -> Response {
    let store = &served.app.store;
    let (runs, writes) = match (store.run_counts(), store.write_counts()) {
        (Ok(runs), Ok(writes)) => (runs, writes),
        (Err(e), _) | (_, Err(e)) => return json_error(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")),
    };
    let mut text = String::new();
    let _ = writeln!(text, "# HELP paybridge_runs_total Runs by integration and status.");
    let _ = writeln!(text, "# TYPE paybridge_runs_total counter");
    for (integration, status, n) in runs {
        let _ =
            writeln!(text, "paybridge_runs_total{{integration=\"{}\",status=\"{status}\"}} {n}", label(&integration));
    }
    let _ = writeln!(text, "# HELP paybridge_writes_total Writes by integration and journal state.");
    let _ = writeln!(text, "# TYPE paybridge_writes_total counter");
    for (integration, state, n) in writes {
        let _ =
            writeln!(text, "paybridge_writes_total{{integration=\"{}\",state=\"{state}\"}} {n}", label(&integration));
    }
    crate::metrics::global().write_prometheus(&mut text);
    let in_flight = served.runs.lock().unwrap_or_else(|p| p.into_inner()).iter().filter(|r| !r.is_finished()).count();
    let queued = served.queued.load(Ordering::Relaxed);
    let _ = writeln!(text, "# HELP paybridge_runs_in_flight Runs started over the API or console and not finished.");
    let _ = writeln!(text, "# TYPE paybridge_runs_in_flight gauge\npaybridge_runs_in_flight {in_flight}");
    let _ = writeln!(text, "# HELP paybridge_runs_queued Manual runs waiting for their integration to be free.");
    let _ = writeln!(text, "# TYPE paybridge_runs_queued gauge\npaybridge_runs_queued {queued}");
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}
