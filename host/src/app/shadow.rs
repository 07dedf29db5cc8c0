//! The shadow plan: before a connector version is activated, a dry run of
//! it next to a dry run of the active version for one integration, and
//! where their plans differ, field by field. Nothing is written (both are
//! dry runs, each recorded as a run); the integration's run lock is taken
//! by each in turn.

use super::App;
use crate::http::Secrets;
use crate::sync::outcome::ShownChange;
use crate::sync::{RunReport, SyncError, SyncOptions};
use anyhow::bail;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// Where the two plans of one employee differ.
#[derive(Debug, Clone, Serialize)]
pub struct ShadowEmployee {
    /// HR id.
    pub hr_id: String,
    /// Employee number.
    pub employee_number: Option<String>,
    /// Outcome under the active version (planned, unchanged, skipped…).
    pub active: String,
    /// Outcome under the candidate.
    pub candidate: String,
    /// Changes only the active version plans.
    pub only_active: Vec<ShownChange>,
    /// Changes only the candidate plans.
    pub only_candidate: Vec<ShownChange>,
}

/// The two dry runs compared.
#[derive(Debug, Clone, Serialize)]
pub struct ShadowReport {
    /// The integration.
    pub integration: String,
    /// The active version (`name@version`) and its dry run.
    pub active: String,
    /// Its run number.
    pub active_run: i64,
    /// The candidate version and its dry run.
    pub candidate: String,
    /// Its run number.
    pub candidate_run: i64,
    /// Employees whose plans agree.
    pub agree: usize,
    /// Employees whose plans differ, and how.
    pub differ: Vec<ShadowEmployee>,
}

/// One change as compared: what record, field and value it sets.
fn key(c: &ShownChange) -> (String, String, String) {
    (c.record.clone(), c.field.clone(), c.after.clone())
}

impl App {
    /// Dry-run `integration` with its active connector version and with
    /// `version` of the same connector, and compare the plans.
    pub async fn shadow_plan(
        &self,
        integration: &str,
        version: &str,
        secrets: Option<Secrets>,
    ) -> anyhow::Result<ShadowReport> {
        let config = self.config.integration(integration)?;
        let candidate = self.registry.resolve(&config.connector, Some(version))?;
        let dry = || SyncOptions { dry_run: true, ..SyncOptions::default() };
        let active: RunReport = self.prepare_sync(integration, secrets.clone(), None)?.run(dry()).await?;
        let mut job = self.prepare_sync(integration, secrets, None)?;
        job.connector = candidate;
        let shadow: RunReport = job.run(dry()).await.map_err(|e: SyncError| anyhow::anyhow!(e))?;
        if active.status == "failed" || shadow.status == "failed" {
            bail!(
                "a dry run failed (active: {}, candidate: {}); see runs {} and {}",
                active.error.as_deref().unwrap_or(&active.status),
                shadow.error.as_deref().unwrap_or(&shadow.status),
                active.run_id,
                shadow.run_id
            );
        }
        let (agree, differ) = compare(&active, &shadow);
        Ok(ShadowReport {
            integration: integration.to_owned(),
            active: active.connector.clone(),
            active_run: active.run_id,
            candidate: shadow.connector.clone(),
            candidate_run: shadow.run_id,
            agree,
            differ,
        })
    }
}

/// How many employees the two plans agree on, and where they differ.
pub fn compare(active: &RunReport, shadow: &RunReport) -> (usize, Vec<ShadowEmployee>) {
    let candidates: HashMap<&str, _> = shadow.employees.iter().map(|e| (e.hr_id.as_str(), e)).collect();
    let mut agree = 0;
    let mut differ = Vec::new();
    for a in &active.employees {
        let Some(c) = candidates.get(a.hr_id.as_str()) else { continue };
        let theirs: BTreeSet<_> = c.changes.iter().map(key).collect();
        let ours: BTreeSet<_> = a.changes.iter().map(key).collect();
        let only_active: Vec<ShownChange> = a.changes.iter().filter(|x| !theirs.contains(&key(x))).cloned().collect();
        let only_candidate: Vec<ShownChange> = c.changes.iter().filter(|x| !ours.contains(&key(x))).cloned().collect();
        if only_active.is_empty() && only_candidate.is_empty() && a.outcome.name() == c.outcome.name() {
            agree += 1;
            continue;
        }
        differ.push(ShadowEmployee {
            hr_id: a.hr_id.clone(),
            employee_number: a.employee_number.clone(),
            active: format!("{} {}", a.outcome.name(), a.outcome.detail()).trim().to_owned(),
            candidate: format!("{} {}", c.outcome.name(), c.outcome.detail()).trim().to_owned(),
            only_active,
            only_candidate,
        });
    }
    (agree, differ)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::{EmployeeReport, Outcome};

    fn employee(id: &str, changes: &[(&str, &str)]) -> EmployeeReport {
        EmployeeReport {
            hr_id: id.into(),
            employee_number: Some(id.into()),
            name: String::new(),
            target_id: None,
            outcome: Outcome::Planned { writes: 1 },
            changes: changes
                .iter()
                .map(|(field, after)| ShownChange {
                    record: "employee".into(),
                    field: (*field).into(),
                    before: "(none)".into(),
                    after: (*after).into(),
                })
                .collect(),
            writes: Vec::new(),
            absences: Vec::new(),
        }
    }

    fn report(connector: &str, employees: Vec<EmployeeReport>) -> RunReport {
        RunReport {
            run_id: 1,
            integration: "i".into(),
            connector: connector.into(),
            dry_run: true,
            status: "succeeded".into(),
            out_of_scope: 0,
            employees,
            requests_sent: 0,
            writes_sent: 0,
            recovered_writes: 0,
            error: None,
        }
    }

    #[test]
    fn plans_are_compared_field_by_field_per_employee() {
        let active = report("c@1", vec![employee("a", &[("city", "Oslo")]), employee("b", &[("city", "Bergen")])]);
        let candidate = report(
            "c@2",
            vec![employee("a", &[("city", "Oslo")]), employee("b", &[("city", "Bergen"), ("zip", "5003")])],
        );
        let (agree, differ) = compare(&active, &candidate);
        assert_eq!(agree, 1);
        assert_eq!(differ.len(), 1);
        assert_eq!(differ[0].hr_id, "b");
        assert!(differ[0].only_active.is_empty());
        assert_eq!(differ[0].only_candidate.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(), ["zip"]);
    }
}
