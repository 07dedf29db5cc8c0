//! Scheduled runs through the facade: which integrations are due, and
//! running them once (`paybridge schedule run-due`, from cron or a timer;
//! the service's scheduler will call the same).
//!
//! Rules: an integration's schedule starts counting when it is first seen
//! (nothing is due for the time before); every due time missed since the
//! last one it ran for collapses into one run; a due integration whose run
//! lock another run holds waits (its due time is kept, so the next call
//! runs it); the due time a run was for and the next one are stored.

use super::App;
use crate::http::Secrets;
use crate::schedule::Schedule;
use crate::sync::{SyncError, SyncOptions};
use anyhow::Context as _;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::HashMap;

/// What a call of [`App::run_due`] did for one integration.
#[derive(Debug, Clone, Serialize)]
pub struct DueRun {
    /// The integration.
    pub integration: String,
    /// The schedule, as understood.
    pub schedule: String,
    /// The due time a run was started for (RFC 3339), if any.
    pub due: Option<String>,
    /// ran, not due, waits, first seen.
    pub outcome: String,
    /// The run's summary, or why it waits.
    pub detail: String,
    /// The next due time after this call (RFC 3339).
    pub next_due: Option<String>,
    /// The run's number, if one ran.
    pub run_id: Option<i64>,
}

impl App {
    /// Run every scheduled integration that is due at `now` (see the
    /// module docs). `secrets` by integration name (from the environment
    /// for a name not given).
    pub async fn run_due(&self, now: Timestamp, secrets: &HashMap<String, Secrets>) -> anyhow::Result<Vec<DueRun>> {
        let mut done = Vec::new();
        for integration in self.config.integrations.iter().filter(|i| i.schedule.is_some()) {
            let name = integration.name.clone();
            let text = integration.schedule.clone().unwrap_or_default();
            let schedule: Schedule = text.parse().with_context(|| format!("integration {name}: schedule"))?;
            let tz = self.config.time_zone_of(integration)?;
            let next = |after: Timestamp| schedule.next_after(after, &tz).map(|t| t.to_string());
            let mut line = DueRun {
                integration: name.clone(),
                schedule: schedule.to_string(),
                due: None,
                outcome: String::new(),
                detail: String::new(),
                next_due: None,
                run_id: None,
            };
            let Some((last, _)) = self.store.schedule_state(&name)? else {
                line.next_due = next(now);
                self.store.set_schedule_state(&name, &now.to_string(), line.next_due.as_deref())?;
                line.outcome = "first seen".into();
                line.detail = "the schedule counts from now".into();
                done.push(line);
                continue;
            };
            let last: Timestamp = last.parse().with_context(|| format!("the stored schedule state of {name}"))?;
            let Some(due) = schedule.due_between(last, now, &tz) else {
                line.next_due = next(now);
                self.store.set_schedule_state(&name, &last.to_string(), line.next_due.as_deref())?;
                line.outcome = "not due".into();
                done.push(line);
                continue;
            };
            line.due = Some(due.to_string());
            let report = match self.prepare_sync(&name, secrets.get(&name).cloned(), None) {
                Ok(job) => job.run(SyncOptions::default()).await,
                Err(e) => Err(e),
            };
            match report {
                Err(SyncError::Busy(e)) => {
                    line.outcome = "waits".into();
                    line.detail = e.to_string();
                    line.next_due = Some(due.to_string());
                }
                Err(e) => {
                    // Counted as run: a broken configuration is not retried every minute.
                    line.outcome = "failed".into();
                    line.detail = format!("{e:#}");
                    line.next_due = next(now);
                    self.store.set_schedule_state(&name, &due.to_string(), line.next_due.as_deref())?;
                }
                Ok(report) => {
                    line.outcome = if report.status == "failed" { "failed" } else { "ran" }.into();
                    line.detail = format!("{}: {}", report.status, report.summary());
                    line.run_id = Some(report.run_id);
                    line.next_due = next(now);
                    self.store.set_schedule_state(&name, &due.to_string(), line.next_due.as_deref())?;
                }
            }
            done.push(line);
        }
        Ok(done)
    }
}
