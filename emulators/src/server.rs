//! What every emulator's server shares: its state (settings, data behind a
//! lock, the fault script), the gate that checks credentials on its API
//! routes ([`guard`], with the [`Tokens`] it issued), and serving on a free
//! loopback port until the emulator is dropped.

use crate::faults::SharedScript;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// An emulator's state, shared with its handlers.
pub struct Shared<S, D> {
    /// How it was set up.
    pub settings: S,
    data: Mutex<D>,
    /// Faults to fire and the request log.
    pub script: SharedScript,
}

impl<S, D> Shared<S, D> {
    /// State with `settings`, initial `data` and `script`.
    pub fn new(settings: S, data: D, script: SharedScript) -> Self {
        Self { settings, data: Mutex::new(data), script }
    }

    /// The data; a panic while holding the lock must not wedge the emulator.
    pub fn lock(&self) -> MutexGuard<'_, D> {
        self.data.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Access tokens an emulator issued, each good until its expiry.
#[derive(Debug, Default)]
pub struct Tokens(HashMap<String, Instant>);

impl Tokens {
    /// Issue `token`, good for `lifetime` from now.
    pub fn issue(&mut self, token: String, lifetime: Duration) {
        self.0.insert(token, Instant::now() + lifetime);
    }

    /// Whether `token` was issued and has not expired.
    pub fn is_live(&self, token: &str) -> bool {
        self.0.get(token).is_some_and(|until| Instant::now() < *until)
    }

    /// Forget every token: each one in use expires at once.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// How many tokens are held.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no token is held.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The token of an `Authorization: Bearer <token>` header, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))
}

/// An emulator's check of a request's credentials; `Err` is the refusal,
/// in the vendor's error shape.
pub type Check<S, D> = fn(&Shared<S, D>, &HeaderMap) -> Result<(), Response>;

/// The state of [`guard`]: the emulator's state and its check.
pub type Gate<S, D> = (Arc<Shared<S, D>>, Check<S, D>);

/// Middleware on an emulator's API routes: its credentials [`Check`], then
/// the handler, or the refusal without it. Faults and latency come first,
/// from [`crate::faults::inject`] around every route.
pub async fn guard<S, D>(State((shared, check)): State<Gate<S, D>>, request: Request, next: Next) -> Response
where
    S: Send + Sync + 'static,
    D: Send + 'static,
{
    match check(&shared, request.headers()) {
        Ok(()) => next.run(request).await,
        Err(refused) => refused,
    }
}

/// The serving task; stops the server when dropped.
pub struct ServerTask(tokio::task::JoinHandle<()>);

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Serve `app` on a free loopback port until the returned task is aborted.
pub async fn serve(app: axum::Router, name: &'static str) -> std::io::Result<(std::net::SocketAddr, ServerTask)> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("{name} emulator stopped: {e}");
        }
    });
    Ok((addr, ServerTask(task)))
}
