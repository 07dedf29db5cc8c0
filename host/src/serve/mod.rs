//! `paybridge serve`: the host as a long-running service. One process, the
//! same [`App`] the CLI uses, behind role-checked tokens:
//!
//! - [`api`]: the JSON API of [`routes::ROUTES`], with its OpenAPI document
//!   at `GET /openapi.json` made from the same table;
//! - [`console`]: the web console of [`routes::PAGES`], server-rendered
//!   HTML forms that work without JavaScript;
//! - [`metrics`]: `GET /metrics` in Prometheus format;
//! - [`jobs`]: runs started over either (answer at once, queue when busy);
//! - the scheduler (every [`ServeOptions::tick`], [`App::run_due`]), the
//!   watch of each integration with an `[integration.watch]`, and the
//!   connectors folder ([`folder`]: a component dropped there is loaded).
//!
//! Credentials ([`auth`]): the API takes `Authorization: Bearer <token>`,
//! the console a cookie set by signing in with a token; tokens come from
//! `paybridge tokens create` (401 without a known one, 403 without the
//! role). `GET /healthz` and `GET /openapi.json` need none.
//!
//! Life cycle: the server listens where it is told (loopback by default);
//! on Ctrl-C or SIGTERM it stops taking requests, lets the scheduler and
//! the watches finish their round (never cutting a run), gives up queued
//! runs not yet started, and waits for the runs it started to end, so no
//! run is left `running`. Connector swaps take effect for the *next* run;
//! a run in flight keeps the version it started with.

pub mod api;
pub mod auth;
pub mod console;
mod folder;
pub mod jobs;
pub mod metrics;
pub mod routes;

pub use routes::{MAX_UPLOAD, PAGES, ROUTES, Route, openapi};

use crate::app::App;
use crate::http::Secrets;
use axum::Router;
use axum::routing::get;
use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
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
    /// How often the connectors folder is looked at for dropped components.
    pub folder_poll: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            tick: Duration::from_secs(60),
            secrets: HashMap::new(),
            hr_token: None,
            folder_poll: Duration::from_secs(2),
        }
    }
}

/// What the handlers share.
pub struct Served {
    app: Arc<App>,
    options: ServeOptions,
    /// Runs started (or queued) and not yet awaited.
    runs: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// Manual runs waiting for their integration to be free.
    queued: AtomicUsize,
    /// Turns true when the server stops: loops and queued runs end at
    /// their next safe point (never in the middle of a run).
    stopping: tokio::sync::watch::Sender<bool>,
}

impl Served {
    /// Remember a task shutdown must wait for (forgetting those that ended,
    /// so the list holds what may still run, not every run ever started).
    fn keep(&self, task: tokio::task::JoinHandle<()>) {
        let mut runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
        runs.retain(|t| !t.is_finished());
        runs.push(task);
    }

    /// Secrets for `integration` given to the server, if any (else the
    /// environment's are used).
    fn secrets(&self, integration: &str) -> Option<Secrets> {
        self.options.secrets.get(integration).cloned()
    }
}

/// The state every handler gets.
pub type Shared = Arc<Served>;

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

async fn healthz() -> &'static str {
    "ok"
}

async fn openapi_document() -> axum::response::Response {
    use axum::response::IntoResponse as _;
    axum::Json(openapi()).into_response()
}

/// Serve `app` on `listener` until `shutdown` completes, then wait for the
/// runs started over the API or the console.
pub async fn serve(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    options: ServeOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stopping, _) = tokio::sync::watch::channel(false);
    let served: Shared =
        Arc::new(Served { app, options, runs: Mutex::new(Vec::new()), queued: AtomicUsize::new(0), stopping });
    let api = routes::router(ROUTES)
        .route_layer(axum::middleware::from_fn_with_state(Arc::clone(&served), auth::authorize_api));
    let pages = routes::router(PAGES)
        .route_layer(axum::middleware::from_fn_with_state(Arc::clone(&served), auth::authorize_console));
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi_document))
        .merge(console::open_routes())
        .merge(api)
        .merge(pages)
        .fallback(console::not_found)
        .with_state(Arc::clone(&served));
    let folder_poll = served.options.folder_poll;
    let mut loops = vec![
        tokio::spawn(schedule_loop(Arc::clone(&served))),
        tokio::spawn(folder::folder_loop(Arc::clone(&served), folder_poll)),
    ];
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
    let secrets = served.secrets(&integration);
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
