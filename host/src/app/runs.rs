//! Runs through the facade: sync an integration now (awaited, or spawned
//! with its events on a channel), and the runs of the past.

use super::App;
use crate::http::Secrets;
use crate::store::journal::JournalEntry;
use crate::store::runs::{OutcomeRow, RunRow};
use crate::sync::events::{EventReceiver, EventSender, channel};
use crate::sync::{RunReport, SyncError, SyncJob, SyncOptions};
use anyhow::Context as _;
use serde::Serialize;
use std::sync::Arc;

/// A run started with [`App::spawn_sync`].
pub struct RunHandle {
    /// The run's events, in order; the channel closes when the run ends.
    pub events: EventReceiver,
    /// The run itself.
    pub task: tokio::task::JoinHandle<Result<RunReport, SyncError>>,
}

/// One past run with its outcomes and journal.
#[derive(Debug, Clone, Serialize)]
pub struct RunDetail {
    /// The run.
    pub run: RunRow,
    /// Each employee's outcome.
    pub outcomes: Vec<OutcomeRow>,
    /// Every write it sent.
    pub journal: Vec<JournalEntry>,
}

impl App {
    /// A run of `name`, ready to go: with `secrets` (resolved from the
    /// environment when `None`) and its events sent to `events`.
    pub fn prepare_sync(
        &self,
        name: &str,
        secrets: Option<Secrets>,
        events: Option<EventSender>,
    ) -> Result<SyncJob, SyncError> {
        let (integration, connector, executor) = self.open_integration(name, secrets)?;
        let scope = serde_json::to_string(&integration.scope).context("serialising scope")?;
        self.store.upsert_integration(
            &integration.name,
            &integration.connector,
            integration.version.as_deref(),
            &integration.base_url,
            &scope,
            integration.schedule.as_deref(),
        )?;
        Ok(SyncJob {
            store: Arc::clone(&self.store),
            connector,
            executor: Arc::new(executor),
            integration: integration.clone(),
            today: self.today()?,
            events,
        })
    }

    /// Sync `name` once and wait for the report.
    pub async fn sync(
        &self,
        name: &str,
        options: &SyncOptions,
        secrets: Option<Secrets>,
        events: Option<EventSender>,
    ) -> Result<RunReport, SyncError> {
        self.prepare_sync(name, secrets, events)?.run(options.clone()).await
    }

    /// Start a sync of `name` on the runtime and return at once: its events
    /// arrive on the handle's channel, its report from the task. A second
    /// run of the same integration is refused while one runs.
    pub fn spawn_sync(
        &self,
        name: &str,
        options: SyncOptions,
        secrets: Option<Secrets>,
    ) -> Result<RunHandle, SyncError> {
        let (sender, events) = channel();
        let job = self.prepare_sync(name, secrets, Some(sender))?;
        Ok(RunHandle { events, task: tokio::spawn(job.run(options)) })
    }

    /// The most recent runs, newest first.
    pub fn runs(&self, limit: usize) -> anyhow::Result<Vec<RunRow>> {
        self.store.runs(limit)
    }

    /// Run `id` with its outcomes and journal.
    pub fn run_detail(&self, id: i64) -> anyhow::Result<RunDetail> {
        let run = self.store.run(id)?.with_context(|| format!("no run {id}; `paybridge runs show` lists them"))?;
        self.detail_of(run)
    }

    /// `run` (already read) with its outcomes and journal.
    pub fn detail_of(&self, run: RunRow) -> anyhow::Result<RunDetail> {
        let id = run.id;
        Ok(RunDetail { run, outcomes: self.store.outcomes(id)?, journal: self.store.journal_for_run(id)? })
    }
}
