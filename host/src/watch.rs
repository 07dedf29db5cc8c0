//! `paybridge watch`: push HR changes to a target as they happen.
//! AlexisHR has no webhooks, so the watcher polls: every interval it reads
//! the live source incrementally (the `updated` cursor). Every HR import,
//! whoever runs it, notes the employees whose record or records changed
//! (`hr_changes`, [`crate::store::hr_source`]); the watcher keeps its own
//! cursor in that list per integration, so a change read by another
//! import (a sync, `import`'s re-read) is not missed. After a change it
//! waits the debounce and reads again until a read brings nothing new (at
//! most [`MAX_SETTLE`] times), then syncs only those employees, with the
//! integration's settings overlaid by `[integration.watch] settings`
//! (Kontek: `field_set = "on-change"`, the seed's update-on-change fields),
//! and moves its cursor once the run ended: a run that failed as a whole
//! leaves it (the next round takes the same changes), and the employees a
//! partial run could not sync are noted as changed again. A first watch takes every change ever
//! noted, so employees changed since the last export are not missed.
//!
//! Echoes settle by value: a change the import wrote into HR comes back as
//! a changed employee, and its sync finds the target already holding it,
//! so nothing is written.
//!
//! Life cycle: [`Watcher::tick`] is one poll (and, when something changed,
//! one sync); [`Watcher::run`] ticks every interval until stopped (Ctrl-C
//! in the CLI). A failed tick is logged and the next one tries again; the
//! source's cursor never moves past a page that failed.

use crate::app::App;
use crate::config::{HrSource, WatchConfig};
use crate::http::Secrets;
use crate::store::hr_source::SOURCE_CURSOR;
use crate::sync::{RunReport, SyncOptions};
use anyhow::bail;
use std::collections::BTreeSet;

/// Most re-reads while changes keep coming, before syncing anyway.
pub const MAX_SETTLE: u32 = 5;

/// What one tick did.
#[derive(Debug)]
pub enum Tick {
    /// Nothing changed in HR.
    Quiet,
    /// These HR employees changed and were synced.
    Synced {
        /// HR ids synced.
        employees: Vec<String>,
        /// The run.
        report: Box<RunReport>,
    },
}

/// Watches HR for one integration.
pub struct Watcher<'a> {
    app: &'a App,
    integration: String,
    watch: WatchConfig,
    secrets: Option<Secrets>,
    hr_token: Option<String>,
}

impl<'a> Watcher<'a> {
    /// A watcher of `integration`: the live AlexisHR source is required
    /// (a snapshot file does not change by itself). `secrets` and
    /// `hr_token` come from the environment when `None`.
    pub fn new(
        app: &'a App,
        integration: &str,
        secrets: Option<Secrets>,
        hr_token: Option<String>,
    ) -> anyhow::Result<Self> {
        if !matches!(app.config.hr_source()?, HrSource::AlexisHr(_)) {
            bail!("watch reads HR's changes from the AlexisHR API: configure [alexishr] instead of hr_snapshot");
        }
        let watch = app.config.integration(integration)?.watch.clone().unwrap_or_default();
        Ok(Self { app, integration: integration.to_owned(), watch, secrets, hr_token })
    }

    /// How long [`Watcher::run`] waits between ticks.
    pub fn interval(&self) -> std::time::Duration {
        self.watch.interval()
    }

    /// This watcher's cursor in `hr_changes`.
    fn owner(&self) -> String {
        format!("watch:{}", self.integration)
    }

    /// Read HR's changes; how far the noted changes now go.
    async fn poll(&self) -> anyhow::Result<i64> {
        self.app.import_hr_with(self.hr_token.clone()).await?;
        self.app.store.change_cursor(SOURCE_CURSOR)
    }

    /// One poll; when HR changed, wait for the changes to settle and sync
    /// the changed employees.
    pub async fn tick(&self) -> anyhow::Result<Tick> {
        let from = self.app.store.change_cursor(&self.owner())?;
        let mut upto = self.poll().await?;
        if upto <= from {
            return Ok(Tick::Quiet);
        }
        for _ in 0..MAX_SETTLE {
            tokio::time::sleep(self.watch.debounce()).await;
            let now = self.poll().await?;
            if now == upto {
                break;
            }
            upto = now;
        }
        let changed: BTreeSet<String> = self.app.store.hr_changes_between(from, upto)?.into_iter().collect();
        let employees: Vec<String> = changed.into_iter().collect();
        let mut job = self.app.prepare_sync(&self.integration, self.secrets.clone(), None)?;
        job.integration.settings.extend(self.watch.settings.clone());
        let options = SyncOptions { employees: Some(employees.clone()), ..SyncOptions::default() };
        let report = job.run(options).await?;
        if report.status == "failed" {
            // The run could not run (the target unreadable…): the same
            // changes are taken again at the next round.
            return Ok(Tick::Synced { employees, report: Box::new(report) });
        }
        let unsynced: Vec<String> =
            report.employees.iter().filter(|e| e.outcome.name() == "failed").map(|e| e.hr_id.clone()).collect();
        self.app.store.note_hr_changes(&unsynced)?;
        self.app.store.set_change_cursor(&self.owner(), upto)?;
        Ok(Tick::Synced { employees, report: Box::new(report) })
    }

    /// Tick every interval until `stop` completes; each tick's outcome is
    /// handed to `each`. A failed tick is handed over too and the watch goes on.
    pub async fn run(
        &self,
        stop: impl std::future::Future<Output = ()>,
        mut each: impl FnMut(anyhow::Result<Tick>),
    ) -> anyhow::Result<()> {
        tokio::pin!(stop);
        loop {
            each(self.tick().await);
            tokio::select! {
                () = &mut stop => return Ok(()),
                () = tokio::time::sleep(self.interval()) => {}
            }
        }
    }
}
