//! The run context: what every step of one run reads (the store, the
//! connector version, the executor, the integration, the run's number and
//! options, who is linked to which target record, the read budget) and the
//! small services the steps share (events, call sites, the write guard).
//!
//! Invariant: a context belongs to one run of one integration, which holds
//! that integration's run lock for as long as the context lives.

use super::events::{EventSender, RunEvent};
use super::guard::WriteScope;
use super::read::{Reader, TargetState};
use super::run::SyncOptions;
use super::work::Work;
use crate::config::IntegrationConfig;
use crate::http::Executor;
use crate::privacy::Scrubber;
use crate::runtime::LoadedConnector;
use crate::runtime::connector::{CallSite, TextFilter};
pub use crate::runtime::types::Context;
use crate::runtime::types::PlannedOperation;
use crate::store::Store;
use std::collections::HashMap;
use std::sync::Arc;

/// Everything one run's steps share.
pub struct RunContext {
    /// The store.
    pub store: Arc<Store>,
    /// The connector version this run uses from start to end.
    pub connector: Arc<LoadedConnector>,
    /// HTTP to the target.
    pub executor: Arc<Executor>,
    /// The integration.
    pub integration: IntegrationConfig,
    /// What connector calls get besides their data.
    pub ctx: Context,
    /// Run number in the store.
    pub run_id: i64,
    /// How the run behaves.
    pub options: SyncOptions,
    /// Write attempts the executor had counted before this run.
    pub writes_before: u64,
    /// Connected links: target id → HR id, kept current as the run
    /// connects employees.
    pub linked: std::sync::Mutex<HashMap<String, String>>,
    /// Most requests one read may send.
    pub read_cap: u64,
    /// Cleans what the connector logs while reading (company-wide values).
    pub read_filter: TextFilter,
    /// Where events go.
    pub events: Option<EventSender>,
}

/// What connector calls of `integration` get besides their data, on
/// `today` (`YYYY-MM-DD` in the integration's time zone).
pub fn connector_context(integration: &IntegrationConfig, today: &str) -> Context {
    Context {
        integration: integration.name.clone(),
        today: today.to_owned(),
        settings: integration.settings.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        period: None,
    }
}

/// The filter for texts about the whole company (a read of the target):
/// every national id and bank number of `employees` hidden where it
/// appears whole, and long digit runs.
pub fn company_filter<'a>(employees: impl Iterator<Item = &'a crate::model::HrEmployee>) -> TextFilter {
    filter_of(&Arc::new(Scrubber::whole_values(employees.flat_map(super::work::personal_ids))))
}

/// A filter that scrubs with `scrubber` (free text: known values and long
/// digit runs).
pub fn filter_of(scrubber: &Arc<Scrubber>) -> TextFilter {
    let scrubber = Arc::clone(scrubber);
    Arc::new(move |text: &str| scrubber.scrub_all(text))
}

impl RunContext {
    /// The HR employees `hr_ids` (of this run's scope) as work items, with
    /// their links.
    pub fn load(&self, hr_ids: &[String]) -> anyhow::Result<Vec<Work>> {
        let mut links: HashMap<String, crate::store::links::Link> =
            self.store.links_of(&self.integration.name, hr_ids)?.into_iter().map(|l| (l.hr_id.clone(), l)).collect();
        let mut record_links = self.store.record_links_of(&self.integration.name, hr_ids)?;
        let mut employees = self.store.employees_by_ids(hr_ids)?;
        // An absence run hands over the absences that touch its period
        // only; an employee run has no use for them at all.
        for employee in &mut employees {
            match &self.ctx.period {
                Some(period) => employee.absences.retain(|a| {
                    a.start_date.as_str() <= period.end.as_str()
                        && a.end_date.as_deref().is_none_or(|end| end >= period.start.as_str())
                }),
                None => employee.absences.clear(),
            }
        }
        Ok(employees
            .into_iter()
            .map(|employee| {
                let link = links.remove(&employee.id);
                let record_links = record_links.remove(&employee.id);
                Work::new(employee, link, record_links)
            })
            .collect())
    }

    /// Send `event` to whoever listens; nobody listening is fine.
    pub fn emit(&self, event: RunEvent) {
        if let Some(events) = &self.events {
            let _ = events.send(event);
        }
    }

    /// A call site for `function` on `w`: its texts scrubbed of `w`'s
    /// personal data, its randomness seeded from the function and employee.
    pub fn site(&self, w: &Work, function: &str) -> CallSite {
        CallSite::new(filter_of(&w.scrubber), &[function, &w.employee.id]).with_budget(self.integration.call_budget())
    }

    /// A call site for `function` on a batch of employees: its texts
    /// scrubbed of every one's personal data, its randomness seeded from
    /// the function and their ids.
    pub fn batch_site(&self, ws: &[&Work], function: &str) -> CallSite {
        let scrubbers: Vec<Arc<Scrubber>> = ws.iter().map(|w| Arc::clone(&w.scrubber)).collect();
        let filter: TextFilter =
            Arc::new(move |text: &str| scrubbers.iter().fold(text.to_owned(), |text, s| s.scrub_all(&text)));
        let parts: Vec<&str> = std::iter::once(function).chain(ws.iter().map(|w| w.employee.id.as_str())).collect();
        CallSite::new(filter, &parts).with_budget(self.integration.call_budget())
    }

    /// A reader of the target under this run's read budget.
    pub fn reader(&self) -> Reader<'_> {
        Reader {
            connector: &self.connector,
            executor: &self.executor,
            ctx: &self.ctx,
            site: CallSite::new(Arc::clone(&self.read_filter), &["read", &self.ctx.integration, &self.ctx.today])
                .with_budget(self.integration.call_budget()),
            max_requests: self.read_cap,
        }
    }

    /// Whether a target id is linked to an HR employee other than `hr_id`.
    pub fn taken_by_other<'s>(&'s self, hr_id: &'s str) -> impl Fn(&str) -> bool + Send + Sync + 's {
        move |target_id: &str| {
            let linked = self.linked.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            linked.get(target_id).is_some_and(|other| other != hr_id)
        }
    }

    /// Link `w` to `target_id` (stored, and known to the rest of the run).
    pub fn connect(&self, w: &Work, target_id: &str, how: &str) -> anyhow::Result<()> {
        self.store.connect(&self.integration.name, &w.employee.id, target_id, how)?;
        let mut linked = self.linked.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        linked.insert(target_id.to_owned(), w.employee.id.clone());
        Ok(())
    }

    /// Whether this run may delete: the connector declares `delete` and the
    /// integration sets `allow_deletes`.
    pub fn deletes_allowed(&self) -> bool {
        self.integration.allow_deletes && self.connector.manifest.capabilities.iter().any(|c| c == "delete")
    }

    /// Check `ops` for `w`, whose matched target record is `own`, against
    /// the records of `state` (see [`super::guard`]).
    pub fn guard(
        &self,
        w: &Work,
        own: Option<&str>,
        state: &TargetState,
        ops: &[PlannedOperation],
    ) -> Result<(), String> {
        let taken = self.taken_by_other(&w.employee.id);
        let is_other = |id: &str| Some(id) != own && (taken(id) || state.holds(id));
        WriteScope { own, belongs_to_other: &is_other, deletes_allowed: self.deletes_allowed() }
            .check_all(ops)
            .map_err(|reason| w.scrubber.scrub(&reason))
    }
}
