//! What every emulator's server shares: its state (settings, data behind a
//! lock, the fault script) and serving on a free loopback port until the
//! emulator is dropped.

use crate::faults::SharedScript;
use std::sync::{Mutex, MutexGuard};

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
