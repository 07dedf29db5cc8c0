//! `paybridge serve`: the host as a long-running service. One process, the
//! same [`App`] the CLI uses, a JSON API behind role-checked bearer tokens
//! and the scheduler (every [`ServeOptions::tick`] it runs the due
//! integrations, [`App::run_due`]).
//!
//! API (every `/api` route needs `Authorization: Bearer <token>` from
//! `paybridge tokens create`; 401 without a known token, 403 without the
//! role):
//! - `GET /healthz` (no token): `ok`;
//! - `GET /api/integrations` (read): each integration, its connector,
//!   schedule and next due time;
//! - `POST /api/integrations/{name}/runs[?dry_run=true]` (operate): starts
//!   a sync and answers at once, 202 `{"run_id"}` (409 when another run
//!   holds the integration, 404 for an unknown one);
//! - `GET /api/runs` (read): the recent runs; `GET /api/runs/{id}` (read):
//!   one run with its outcomes and journal, `running` while it runs.
//!
//! Life cycle: the server listens where it is told (loopback by default);
//! on Ctrl-C or SIGTERM it stops taking requests, stops the scheduler and
//! waits for the runs it started to end, so no run is left `running`.
//! Not yet (issue 12): the OpenAPI document, links and absences over the
//! API, connector uploads and swaps, metrics, the web console.

use crate::app::App;
use crate::http::Secrets;
use crate::store::api_tokens::Role;
use crate::sync::{RunEvent, SyncError, SyncOptions};
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the server runs.
#[derive(Clone)]
pub struct ServeOptions {
    /// How often the scheduler looks for due integrations.
    pub tick: Duration,
    /// Secrets by integration name, instead of the environment (tests).
    pub secrets: HashMap<String, Secrets>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self { tick: Duration::from_secs(60), secrets: HashMap::new() }
    }
}

/// What the handlers share.
struct Served {
    app: Arc<App>,
    options: ServeOptions,
    /// Runs started and not yet awaited.
    runs: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

type Shared = Arc<Served>;

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({ "error": message.into() }))).into_response()
}

/// The role a request's token grants, or the refusal (a ready answer).
#[allow(clippy::result_large_err)]
fn role_of(served: &Served, request: &Request) -> Result<Role, Response> {
    let token = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| error(StatusCode::UNAUTHORIZED, "a bearer token is required: paybridge tokens create"))?;
    match served.app.store.api_token_role(token) {
        Ok(Some((_, role))) => Ok(role),
        Ok(None) => Err(error(StatusCode::UNAUTHORIZED, "unknown token")),
        Err(e) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}"))),
    }
}

/// The role each route needs: starting runs needs operate, the rest read.
fn needed(request: &Request) -> Role {
    if request.method() == axum::http::Method::POST { Role::Operate } else { Role::Read }
}

async fn authorize(State(served): State<Shared>, request: Request, next: Next) -> Response {
    match role_of(&served, &request) {
        Ok(role) if role >= needed(&request) => next.run(request).await,
        Ok(role) => {
            error(StatusCode::FORBIDDEN, format!("this needs the {:?} role; the token has {role:?}", needed(&request)))
        }
        Err(refused) => refused,
    }
}

async fn healthz() -> &'static str {
    "ok"
}

async fn integrations(State(served): State<Shared>) -> Response {
    let app = &served.app;
    let rows: Vec<serde_json::Value> = app
        .config
        .integrations
        .iter()
        .map(|i| {
            let next = app.store.schedule_state(&i.name).ok().flatten().and_then(|(_, next)| next);
            json!({ "name": i.name, "connector": i.connector, "schedule": i.schedule, "next_due": next })
        })
        .collect();
    axum::Json(rows).into_response()
}

#[derive(serde::Deserialize)]
struct RunQuery {
    #[serde(default)]
    dry_run: bool,
}

async fn start_run(State(served): State<Shared>, Path(name): Path<String>, Query(q): Query<RunQuery>) -> Response {
    if served.app.config.integration(&name).is_err() {
        return error(StatusCode::NOT_FOUND, format!("no integration named {name:?}"));
    }
    let options = SyncOptions { dry_run: q.dry_run, ..SyncOptions::default() };
    let handle = match served.app.spawn_sync(&name, options, served.options.secrets.get(&name).cloned()) {
        Ok(handle) => handle,
        Err(SyncError::Busy(e)) => return error(StatusCode::CONFLICT, e.to_string()),
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, format!("{e:#}")),
    };
    let mut events = handle.events;
    let first = events.recv().await;
    // Keep the run's events flowing (nobody reads them here) and remember
    // the run, so shutdown waits for it.
    let task = handle.task;
    let follow = tokio::spawn(async move {
        while events.recv().await.is_some() {}
        let _ = task.await;
    });
    served.runs.lock().unwrap_or_else(|p| p.into_inner()).push(follow);
    match first {
        Some(RunEvent::Started { run_id, .. }) => {
            (StatusCode::ACCEPTED, axum::Json(json!({ "run_id": run_id }))).into_response()
        }
        _ => error(StatusCode::CONFLICT, "the run ended before it started; see GET /api/runs"),
    }
}

async fn runs(State(served): State<Shared>) -> Response {
    match served.app.runs(50) {
        Ok(rows) => axum::Json(rows).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")),
    }
}

async fn run(State(served): State<Shared>, Path(id): Path<i64>) -> Response {
    match served.app.store.run(id) {
        Ok(Some(_)) => match served.app.run_detail(id) {
            Ok(detail) => axum::Json(detail).into_response(),
            Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")),
        },
        Ok(None) => error(StatusCode::NOT_FOUND, format!("no run {id}")),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")),
    }
}

/// Serve `app` on `listener` until `shutdown` completes, then wait for the
/// runs started over the API.
pub async fn serve(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    options: ServeOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let served: Shared = Arc::new(Served { app, options, runs: Mutex::new(Vec::new()) });
    let api = Router::new()
        .route("/api/integrations", get(integrations))
        .route("/api/integrations/{name}/runs", post(start_run))
        .route("/api/runs", get(runs))
        .route("/api/runs/{id}", get(run))
        .route_layer(axum::middleware::from_fn_with_state(Arc::clone(&served), authorize));
    let router = Router::new().route("/healthz", get(healthz)).merge(api).with_state(Arc::clone(&served));
    let scheduler = tokio::spawn(schedule_loop(Arc::clone(&served)));
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await?;
    scheduler.abort();
    let started: Vec<_> = std::mem::take(&mut *served.runs.lock().unwrap_or_else(|p| p.into_inner()));
    for run in started {
        let _ = run.await;
    }
    Ok(())
}

/// Every tick, run the due integrations; a failure is logged and the next
/// tick tries again.
async fn schedule_loop(served: Shared) {
    let mut interval = tokio::time::interval(served.options.tick);
    loop {
        interval.tick().await;
        match served.app.run_due(jiff::Timestamp::now(), &served.options.secrets).await {
            Ok(done) => {
                for d in done.iter().filter(|d| d.outcome != "not due") {
                    tracing::info!(
                        integration = d.integration,
                        outcome = d.outcome,
                        detail = d.detail,
                        "scheduled run"
                    );
                }
            }
            Err(e) => tracing::warn!("the scheduler's round failed; the next tries again: {e:#}"),
        }
    }
}
