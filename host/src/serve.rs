//! `paybridge serve`: the host as a long-running service. One process, the
//! same [`App`] the CLI uses, a JSON API behind role-checked bearer tokens
//! and the scheduler (every [`ServeOptions::tick`] it runs the due
//! integrations, [`App::run_due`]).
//!
//! API: the routes of [`ROUTES`], each with the role it needs; every one
//! needs `Authorization: Bearer <token>` from `paybridge tokens create`
//! (401 without a known token, 403 without the role). Without a token:
//! `GET /healthz` (`ok`) and `GET /openapi.json`, the OpenAPI document
//! made from [`ROUTES`], so it always matches them. Long operations (runs,
//! absence exports) answer at once, 202 `{"run_id"}`, and are followed at
//! `GET /api/runs/{id}` (`running` while they run).
//!
//! Life cycle: the server listens where it is told (loopback by default);
//! on Ctrl-C or SIGTERM it stops taking requests, lets the scheduler and
//! the watches finish their round (never cutting a run), gives up queued
//! runs not yet started, and waits for the runs it started to end, so no
//! run is left `running`.
//! Connector swaps: an upload is checked, compiled into the artefact cache
//! and loaded into the running registry; activating a version (or rolling
//! back to the one before) changes what the *next* run resolves, while a
//! run in flight keeps the version it started with (it holds it).
//! The shadow plan runs a candidate version and the active one side by
//! side as dry runs and answers where their plans differ, field by field.
//! A manual run of an integration another run holds is queued: it answers
//! 202 `{"queued": true}` and starts when the integration is free.
//! Integrations with an `[integration.watch]` are watched by the server
//! too ([`crate::watch`]). Not yet (issue 12): the web console.

use crate::app::App;
use crate::http::Secrets;
use crate::store::api_tokens::Role;
use crate::sync::{RunEvent, SyncError, SyncOptions};
use axum::Router;
use axum::extract::{MatchedPath, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
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
    /// The live HR source's token, instead of the environment (tests).
    pub hr_token: Option<String>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self { tick: Duration::from_secs(60), secrets: HashMap::new(), hr_token: None }
    }
}

/// One API route: what it is, and the role it needs.
pub struct Route {
    /// HTTP method.
    pub method: &'static str,
    /// Path, `{name}` for a path parameter.
    pub path: &'static str,
    /// The least role that may call it.
    pub role: Role,
    /// What it does.
    pub summary: &'static str,
}

/// Every route behind a token. The router serves exactly these (a test
/// checks), and the OpenAPI document is made from them.
pub const ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/api/integrations",
        role: Role::Read,
        summary: "Each integration with its connector, schedule and next due time",
    },
    Route {
        method: "POST",
        path: "/api/integrations/{name}/runs",
        role: Role::Operate,
        summary: "Start a sync (query dry_run=true for the plan only); 202 with the run number, 409 when another run holds the integration",
    },
    Route {
        method: "POST",
        path: "/api/integrations/{name}/absences",
        role: Role::Operate,
        summary: "Start an absence export of a period (query from, to as YYYY-MM-DD, dry_run); 202 with the run number",
    },
    Route {
        method: "GET",
        path: "/api/integrations/{name}/links",
        role: Role::Read,
        summary: "The employees of a view (query state: connected, not-connected, all) with what each lacks",
    },
    Route {
        method: "POST",
        path: "/api/integrations/{name}/links",
        role: Role::Operate,
        summary: "Connect an HR employee (id or number) to a target employee: body {\"hr\", \"target\"}",
    },
    Route {
        method: "DELETE",
        path: "/api/integrations/{name}/links/{hr}",
        role: Role::Operate,
        summary: "Disconnect an HR employee (id or number)",
    },
    Route {
        method: "GET",
        path: "/api/integrations/{name}/suggestions",
        role: Role::Read,
        summary: "Proposed links for the not-connected employees (reads the target)",
    },
    Route { method: "GET", path: "/api/runs", role: Role::Read, summary: "The 50 most recent runs" },
    Route {
        method: "GET",
        path: "/api/runs/{id}",
        role: Role::Read,
        summary: "One run with its per-employee outcomes and journal",
    },
    Route {
        method: "GET",
        path: "/api/connectors",
        role: Role::Read,
        summary: "The loaded connector versions and which is active",
    },
    Route {
        method: "GET",
        path: "/metrics",
        role: Role::Read,
        summary: "Prometheus metrics: runs by integration and status, writes by integration and state, runs in flight",
    },
];

/// The role `method` on the matched `path` needs; a route not in
/// [`ROUTES`] needs admin (none does today).
fn role_for(method: &str, path: &str) -> Role {
    ROUTES.iter().find(|r| r.method == method && r.path == path).map_or(Role::Admin, |r| r.role)
}

/// The OpenAPI 3.0 document of the API, made from [`ROUTES`].
pub fn openapi() -> serde_json::Value {
    let mut paths = serde_json::Map::new();
    for route in ROUTES {
        let parameters: Vec<serde_json::Value> = route
            .path
            .split('/')
            .filter_map(|part| part.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        let operation = json!({
            "summary": route.summary,
            "description": format!("Needs a token with the {:?} role or above.", route.role),
            "parameters": parameters,
            "security": [{ "bearer": [] }],
            "responses": {
                "200": { "description": "done" },
                "202": { "description": "started; follow GET /api/runs/{id}" },
                "401": { "description": "no known token" },
                "403": { "description": "the token lacks the role" },
                "404": { "description": "no such integration or run" },
            },
        });
        let entry = paths.entry(route.path.to_owned()).or_insert_with(|| json!({}));
        entry[route.method.to_ascii_lowercase()] = operation;
    }
    paths.insert(
        "/healthz".into(),
        json!({ "get": { "summary": "Liveness: ok", "responses": { "200": { "description": "ok" } } } }),
    );
    json!({
        "openapi": "3.0.3",
        "info": { "title": "paybridge", "version": env!("CARGO_PKG_VERSION") },
        "paths": paths,
        "components": { "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } } },
    })
}

/// What the handlers share.
struct Served {
    app: Arc<App>,
    options: ServeOptions,
    /// Runs started (or queued) and not yet awaited.
    runs: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// Turns true when the server stops: loops and queued runs end at
    /// their next safe point (never in the middle of a run).
    stopping: tokio::sync::watch::Sender<bool>,
}

impl Served {
    /// Remember a task shutdown must wait for.
    fn keep(&self, task: tokio::task::JoinHandle<()>) {
        self.runs.lock().unwrap_or_else(|p| p.into_inner()).push(task);
    }
}

/// Wait `period`, or until the server stops; whether it stops.
async fn pause(stopping: &mut tokio::sync::watch::Receiver<bool>, period: Duration) -> bool {
    if *stopping.borrow() {
        return true;
    }
    tokio::select! {
        () = tokio::time::sleep(period) => *stopping.borrow(),
        _ = stopping.changed() => true,
    }
}

/// Follow a started run to its end (its events drained), kept for shutdown.
fn follow(served: &Served, handle: crate::app::runs::RunHandle) {
    let mut events = handle.events;
    let task = handle.task;
    served.keep(tokio::spawn(async move {
        while events.recv().await.is_some() {}
        let _ = task.await;
    }));
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

async fn authorize(State(served): State<Shared>, request: Request, next: Next) -> Response {
    let path = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_default();
    let needed = role_for(request.method().as_str(), &path);
    match role_of(&served, &request) {
        Ok(role) if role >= needed => next.run(request).await,
        Ok(role) => error(StatusCode::FORBIDDEN, format!("this needs the {needed:?} role; the token has {role:?}")),
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
    spawn_run(&served, &name, SyncOptions { dry_run: q.dry_run, ..SyncOptions::default() }).await
}

#[derive(serde::Deserialize)]
struct AbsenceQuery {
    from: String,
    to: String,
    #[serde(default)]
    dry_run: bool,
}

async fn start_absences(
    State(served): State<Shared>,
    Path(name): Path<String>,
    Query(q): Query<AbsenceQuery>,
) -> Response {
    let period = match crate::cli::absences::period(&q.from, &q.to) {
        Ok(period) => period,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("{e:#}")),
    };
    spawn_run(&served, &name, SyncOptions { dry_run: q.dry_run, period: Some(period), ..SyncOptions::default() }).await
}

/// Start a run of `name` and answer with its number once it started.
async fn spawn_run(served: &Shared, name: &str, options: SyncOptions) -> Response {
    if served.app.config.integration(name).is_err() {
        return error(StatusCode::NOT_FOUND, format!("no integration named {name:?}"));
    }
    let name = name.to_owned();
    let secrets = served.options.secrets.get(&name).cloned();
    let mut handle = match served.app.spawn_sync(&name, options.clone(), secrets.clone()) {
        Ok(handle) => handle,
        Err(SyncError::Busy(e)) => return queue(served, name, options, secrets, e.to_string()),
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, format!("{e:#}")),
    };
    match handle.events.recv().await {
        Some(RunEvent::Started { run_id, .. }) => {
            // Keep the run's events flowing (nobody reads them here) and
            // remember the run, so shutdown waits for it.
            follow(served, handle);
            (StatusCode::ACCEPTED, axum::Json(json!({ "run_id": run_id }))).into_response()
        }
        _ => match handle.task.await {
            Ok(Err(SyncError::Busy(e))) => queue(served, name, options, secrets, e.to_string()),
            Ok(Err(e)) => error(StatusCode::UNPROCESSABLE_ENTITY, format!("{e:#}")),
            _ => error(StatusCode::CONFLICT, "the run ended before it started; see GET /api/runs"),
        },
    }
}

/// Queue a run of `name` that another run holds: it starts as soon as the
/// integration is free (or is given up when the server stops first).
fn queue(served: &Shared, name: String, options: SyncOptions, secrets: Option<Secrets>, behind: String) -> Response {
    let waiting = Arc::clone(served);
    let mut stopping = served.stopping.subscribe();
    served.keep(tokio::spawn(async move {
        while !pause(&mut stopping, Duration::from_millis(500)).await {
            let Ok(mut handle) = waiting.app.spawn_sync(&name, options.clone(), secrets.clone()) else { continue };
            match handle.events.recv().await {
                Some(RunEvent::Started { .. }) => return follow(&waiting, handle),
                _ => match handle.task.await {
                    Ok(Err(SyncError::Busy(_))) => continue,
                    Ok(Err(e)) => return tracing::warn!(integration = name, "a queued run could not start: {e:#}"),
                    _ => return,
                },
            }
        }
    }));
    (StatusCode::ACCEPTED, axum::Json(json!({ "queued": true, "behind": behind }))).into_response()
}

#[derive(serde::Deserialize)]
struct LinksQuery {
    #[serde(default)]
    state: Option<String>,
}

async fn links(State(served): State<Shared>, Path(name): Path<String>, Query(q): Query<LinksQuery>) -> Response {
    use crate::sync::views::View;
    let view = match q.state.as_deref().unwrap_or("all") {
        "connected" => View::Connected,
        "not-connected" => View::NotConnected,
        "all" => View::All,
        other => {
            return error(StatusCode::BAD_REQUEST, format!("state {other:?}: use connected, not-connected or all"));
        }
    };
    if served.app.config.integration(&name).is_err() {
        return error(StatusCode::NOT_FOUND, format!("no integration named {name:?}"));
    }
    match served.app.link_rows(&name, view) {
        Ok(rows) => axum::Json(rows).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")),
    }
}

#[derive(serde::Deserialize)]
struct ConnectBody {
    hr: String,
    target: String,
}

async fn connect(State(served): State<Shared>, Path(name): Path<String>, body: axum::Json<ConnectBody>) -> Response {
    match served.app.connect_link(&name, &body.hr, &body.target) {
        Ok(hr_id) => axum::Json(json!({ "connected": hr_id, "target": body.target })).into_response(),
        Err(e) => error(StatusCode::UNPROCESSABLE_ENTITY, format!("{e:#}")),
    }
}

async fn disconnect(State(served): State<Shared>, Path((name, hr)): Path<(String, String)>) -> Response {
    match served.app.disconnect_link(&name, &hr) {
        Ok(hr_id) => axum::Json(json!({ "disconnected": hr_id })).into_response(),
        Err(e) => error(StatusCode::UNPROCESSABLE_ENTITY, format!("{e:#}")),
    }
}

async fn suggestions(State(served): State<Shared>, Path(name): Path<String>) -> Response {
    if served.app.config.integration(&name).is_err() {
        return error(StatusCode::NOT_FOUND, format!("no integration named {name:?}"));
    }
    match served.app.suggest_links(&name, served.options.secrets.get(&name).cloned()).await {
        Ok(found) => axum::Json(found).into_response(),
        Err(e) => error(StatusCode::BAD_GATEWAY, format!("{e:#}")),
    }
}

async fn connectors(State(served): State<Shared>) -> Response {
    match served.app.connectors() {
        Ok(list) => axum::Json(list).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")),
    }
}

/// Largest component an upload may carry.
pub const MAX_UPLOAD: usize = 64 << 20;

#[derive(serde::Deserialize)]
struct UploadQuery {
    #[serde(default)]
    activate: bool,
}

async fn upload(State(served): State<Shared>, Query(q): Query<UploadQuery>, body: axum::body::Bytes) -> Response {
    let started = std::time::Instant::now();
    let app = Arc::clone(&served.app);
    let installed = tokio::task::spawn_blocking(move || -> anyhow::Result<serde_json::Value> {
        let dir = &app.config.connectors_dir;
        std::fs::create_dir_all(dir)?;
        let file = dir.join(format!(".upload-{}-{}.part", std::process::id(), jiff::Timestamp::now().as_nanosecond()));
        std::fs::write(&file, &body)?;
        let installed = app.install_connector(&file);
        let _ = std::fs::remove_file(&file);
        let (loaded, mut active) = installed?;
        if q.activate && !active {
            app.activate_connector(&loaded.manifest.name, &loaded.manifest.version)?;
            active = true;
        }
        Ok(json!({
            "name": loaded.manifest.name,
            "version": loaded.manifest.version,
            "sha256": loaded.sha256,
            "active": active,
        }))
    })
    .await;
    match installed {
        Ok(Ok(mut answer)) => {
            answer["swap_ms"] = json!(started.elapsed().as_millis() as u64);
            axum::Json(answer).into_response()
        }
        Ok(Err(e)) => error(StatusCode::UNPROCESSABLE_ENTITY, format!("{e:#}")),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn activate(State(served): State<Shared>, Path((name, version)): Path<(String, String)>) -> Response {
    match served.app.activate_connector(&name, &version) {
        Ok(active) => axum::Json(json!({ "name": name, "active": active.manifest.version })).into_response(),
        Err(e) => error(StatusCode::UNPROCESSABLE_ENTITY, format!("{e:#}")),
    }
}

async fn rollback(State(served): State<Shared>, Path(name): Path<String>) -> Response {
    match served.app.rollback_connector(&name) {
        Ok(active) => axum::Json(json!({ "name": name, "active": active.manifest.version })).into_response(),
        Err(e) => error(StatusCode::UNPROCESSABLE_ENTITY, format!("{e:#}")),
    }
}

#[derive(serde::Deserialize)]
struct ShadowQuery {
    integration: String,
}

async fn shadow(
    State(served): State<Shared>,
    Path((name, version)): Path<(String, String)>,
    Query(q): Query<ShadowQuery>,
) -> Response {
    let Ok(integration) = served.app.config.integration(&q.integration) else {
        return error(StatusCode::NOT_FOUND, format!("no integration named {:?}", q.integration));
    };
    if integration.connector != name {
        return error(
            StatusCode::BAD_REQUEST,
            format!("integration {} runs connector {}, not {name}", integration.name, integration.connector),
        );
    }
    let secrets = served.options.secrets.get(&q.integration).cloned();
    match served.app.shadow_plan(&q.integration, &version, secrets).await {
        Ok(report) => axum::Json(report).into_response(),
        Err(e) => error(StatusCode::UNPROCESSABLE_ENTITY, format!("{e:#}")),
    }
}

async fn metrics(State(served): State<Shared>) -> Response {
    let store = &served.app.store;
    let mut text = String::new();
    text.push_str("# HELP paybridge_runs_total Runs by integration and status.\n# TYPE paybridge_runs_total counter\n");
    match store.run_counts() {
        Ok(rows) => {
            for (integration, status, n) in rows {
                text.push_str(&format!(
                    "paybridge_runs_total{{integration=\"{}\",status=\"{status}\"}} {n}\n",
                    label(&integration)
                ));
            }
        }
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")),
    }
    text.push_str("# HELP paybridge_writes_total Writes by integration and journal state.\n# TYPE paybridge_writes_total counter\n");
    match store.write_counts() {
        Ok(rows) => {
            for (integration, state, n) in rows {
                text.push_str(&format!(
                    "paybridge_writes_total{{integration=\"{}\",state=\"{state}\"}} {n}\n",
                    label(&integration)
                ));
            }
        }
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")),
    }
    let in_flight = served.runs.lock().unwrap_or_else(|p| p.into_inner()).iter().filter(|r| !r.is_finished()).count();
    text.push_str(&format!(
        "# HELP paybridge_runs_in_flight Runs started over the API and not finished.\n# TYPE paybridge_runs_in_flight gauge\npaybridge_runs_in_flight {in_flight}\n"
    ));
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

/// A Prometheus label value: backslashes, quotes and newlines escaped.
fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

async fn openapi_document() -> Response {
    axum::Json(openapi()).into_response()
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
    let (stopping, _) = tokio::sync::watch::channel(false);
    let served: Shared = Arc::new(Served { app, options, runs: Mutex::new(Vec::new()), stopping });
    let api = Router::new()
        .route("/api/integrations", get(integrations))
        .route("/api/integrations/{name}/runs", post(start_run))
        .route("/api/integrations/{name}/absences", post(start_absences))
        .route("/api/integrations/{name}/links", get(links).post(connect))
        .route("/api/integrations/{name}/links/{hr}", delete(disconnect))
        .route("/api/integrations/{name}/suggestions", get(suggestions))
        .route("/api/runs", get(runs))
        .route("/api/runs/{id}", get(run))
        .route("/api/connectors", get(connectors).post(upload).layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD)))
        .route("/api/connectors/{name}/{version}/activate", post(activate))
        .route("/api/connectors/{name}/rollback", post(rollback))
        .route("/api/connectors/{name}/{version}/shadow", post(shadow))
        .route("/metrics", get(metrics))
        .route_layer(axum::middleware::from_fn_with_state(Arc::clone(&served), authorize));
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi_document))
        .merge(api)
        .with_state(Arc::clone(&served));
    let mut loops = vec![tokio::spawn(schedule_loop(Arc::clone(&served)))];
    for integration in served.app.config.integrations.iter().filter(|i| i.watch.is_some()) {
        loops.push(tokio::spawn(watch_loop(Arc::clone(&served), integration.name.clone())));
    }
    let served_result = axum::serve(listener, router).with_graceful_shutdown(shutdown).await;
    let _ = served.stopping.send(true);
    for task in loops {
        let _ = task.await;
    }
    loop {
        let started: Vec<_> = std::mem::take(&mut *served.runs.lock().unwrap_or_else(|p| p.into_inner()));
        if started.is_empty() {
            break;
        }
        for run in started {
            let _ = run.await;
        }
    }
    Ok(served_result?)
}

/// Push HR changes of `integration` as they happen ([`crate::watch`]),
/// every interval of its `[integration.watch]`, until the server stops.
async fn watch_loop(served: Shared, integration: String) {
    let secrets = served.options.secrets.get(&integration).cloned();
    let watcher = match crate::watch::Watcher::new(&served.app, &integration, secrets, served.options.hr_token.clone())
    {
        Ok(watcher) => watcher,
        Err(e) => return tracing::warn!(integration, "the watch does not run: {e:#}"),
    };
    let mut stopping = served.stopping.subscribe();
    loop {
        match watcher.tick().await {
            Ok(crate::watch::Tick::Synced { employees, report }) => {
                tracing::info!(
                    integration,
                    employees = employees.len(),
                    status = report.status,
                    "watch pushed HR changes"
                );
            }
            Ok(crate::watch::Tick::Quiet) => {}
            Err(e) => tracing::warn!(integration, "a watch round failed; the next tries again: {e:#}"),
        }
        if pause(&mut stopping, watcher.interval()).await {
            return;
        }
    }
}

/// Every tick, run the due integrations; a failure is logged and the next
/// tick tries again. Ends when the server stops (after a round, never in
/// the middle of one).
async fn schedule_loop(served: Shared) {
    let mut stopping = served.stopping.subscribe();
    loop {
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
        if pause(&mut stopping, served.options.tick).await {
            return;
        }
    }
}
