//! Runs started over the API or the console: started at once (the answer
//! carries the run number, the run goes on in the background), or queued
//! when another run holds the integration, to start as soon as it is free.
//!
//! Invariants: every task started here is kept in [`Served::runs`], so
//! shutdown waits for it; a queued run that has not started when the
//! server stops is given up (it never started, so nothing is half done);
//! [`Served::queued`] counts the runs waiting, for `/metrics`.

use super::{Served, Shared, pause};
use crate::http::Secrets;
use crate::sync::{RunEvent, SyncError, SyncOptions};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// What asking for a run gave.
pub enum Started {
    /// The run started with this number.
    Run(i64),
    /// Another run holds the integration; this one starts after it.
    Queued {
        /// What holds it.
        behind: String,
    },
}

/// Why a run was not started.
pub enum Refused {
    /// No integration has that name.
    NoIntegration(String),
    /// It could not start (configuration, connector, secrets...).
    CannotStart(String),
}

/// Start a run of `name` with `options`, or queue it when busy.
pub async fn start(served: &Shared, name: &str, options: SyncOptions) -> Result<Started, Refused> {
    if served.app.config.integration(name).is_err() {
        return Err(Refused::NoIntegration(format!("no integration named {name:?}")));
    }
    let name = name.to_owned();
    let secrets = served.secrets(&name);
    let mut handle = match served.app.spawn_sync(&name, options.clone(), secrets.clone()) {
        Ok(handle) => handle,
        Err(SyncError::Busy(e)) => return Ok(queue(served, name, options, secrets, e.to_string())),
        Err(e) => return Err(Refused::CannotStart(format!("{e:#}"))),
    };
    match handle.events.recv().await {
        Some(RunEvent::Started { run_id, .. }) => {
            follow(served, handle);
            Ok(Started::Run(run_id))
        }
        _ => match handle.task.await {
            Ok(Err(SyncError::Busy(e))) => Ok(queue(served, name, options, secrets, e.to_string())),
            Ok(Err(e)) => Err(Refused::CannotStart(format!("{e:#}"))),
            _ => Err(Refused::CannotStart("the run ended before it started; see the recent runs".into())),
        },
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

/// Queue a run of `name` that another run holds: it starts as soon as the
/// integration is free (or is given up when the server stops first).
fn queue(served: &Shared, name: String, options: SyncOptions, secrets: Option<Secrets>, behind: String) -> Started {
    let waiting = Arc::clone(served);
    let mut stopping = served.stopping.subscribe();
    served.queued.fetch_add(1, Ordering::Relaxed);
    served.keep(tokio::spawn(async move {
        let mut last_refusal = None;
        while !pause(&mut stopping, Duration::from_millis(500)).await {
            // A cheap look at the run lock first (taken and let go at once):
            // opening the integration for a run is not repeated every round
            // behind a long run.
            if let Err(crate::store::run_lock::LockError::Busy { .. }) = waiting.app.store.lock_run(&name) {
                continue;
            }
            let mut handle = match waiting.app.spawn_sync(&name, options.clone(), secrets.clone()) {
                Ok(handle) => handle,
                Err(e) => {
                    // Still queued; the reason is logged once per change.
                    let said = format!("{e:#}");
                    if last_refusal.as_ref() != Some(&said) {
                        tracing::warn!(integration = name, "a queued run cannot start yet: {said}");
                        last_refusal = Some(said);
                    }
                    continue;
                }
            };
            match handle.events.recv().await {
                Some(RunEvent::Started { .. }) => {
                    waiting.queued.fetch_sub(1, Ordering::Relaxed);
                    return follow(&waiting, handle);
                }
                _ => match handle.task.await {
                    Ok(Err(SyncError::Busy(_))) => continue,
                    Ok(Err(e)) => {
                        waiting.queued.fetch_sub(1, Ordering::Relaxed);
                        return tracing::warn!(integration = name, "a queued run could not start: {e:#}");
                    }
                    _ => break,
                },
            }
        }
        waiting.queued.fetch_sub(1, Ordering::Relaxed);
    }));
    Started::Queued { behind }
}
