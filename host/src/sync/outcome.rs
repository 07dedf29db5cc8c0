//! Per-employee outcomes and the run report, as shown to people (masked)
//! and as `--json`.

use crate::privacy::{Scrubber, mask};
use crate::runtime::types::{FieldChange, PlannedOperation};
use serde::Serialize;

/// What happened to one employee in a run.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Outcome {
    /// Created in the target.
    Created,
    /// Updated.
    Updated {
        /// What changed.
        fields: Vec<String>,
    },
    /// Nothing to write.
    Unchanged,
    /// Not sent (missing data, disconnected, a likely duplicate).
    Skipped {
        /// Why.
        reason: String,
    },
    /// Tried and failed.
    Failed {
        /// Why.
        reason: String,
    },
    /// Dry run: writes would be sent.
    Planned {
        /// How many.
        writes: usize,
    },
}

impl Outcome {
    /// Short name: created, updated, unchanged, skipped, failed, planned.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated { .. } => "updated",
            Self::Unchanged => "unchanged",
            Self::Skipped { .. } => "skipped",
            Self::Failed { .. } => "failed",
            Self::Planned { .. } => "planned",
        }
    }

    /// The detail line: changed fields or the reason.
    pub fn detail(&self) -> String {
        match self {
            Self::Created => String::new(),
            Self::Updated { fields } => fields.join(", "),
            Self::Unchanged => String::new(),
            Self::Skipped { reason } | Self::Failed { reason } => reason.clone(),
            Self::Planned { writes } => format!("{writes} write(s)"),
        }
    }
}

pub use crate::store::runs::{ShownChange, ShownWrite};

/// One employee's line in the report.
#[derive(Debug, Clone, Serialize)]
pub struct EmployeeReport {
    /// HR id.
    pub hr_id: String,
    /// Employee number, if any.
    pub employee_number: Option<String>,
    /// First and last name.
    pub name: String,
    /// Target id, once known.
    pub target_id: Option<String>,
    /// What happened.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Field changes (masked).
    pub changes: Vec<ShownChange>,
    /// Writes planned or sent.
    pub writes: Vec<ShownWrite>,
    /// An absence run: each HR absence of the period and what became of it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub absences: Vec<ShownAbsence>,
}

/// One HR absence of an absence run's period, for display.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ShownAbsence {
    /// The HR leave id (the target's absence is keyed by it).
    pub leave: String,
    /// The HR leave type's name.
    pub kind: String,
    /// First day.
    pub start: String,
    /// Last day; "open" for a leave without an end.
    pub end: String,
    /// "unchanged"; "written" (a dry run: "planned"), the writes saying
    /// how (add, update, withdraw); "waits for approval"; "cancelled".
    pub state: String,
}

/// What became of each HR absence `w` handed over in an absence run: a
/// change to the record keyed by its leave id means it was written (or,
/// in a dry run, planned).
pub fn shown_absences(w: &super::work::Work, dry_run: bool) -> Vec<ShownAbsence> {
    use crate::runtime::types::AbsenceState;
    w.employee
        .absences
        .iter()
        .map(|a| {
            let record = format!("absence {}", a.id);
            let changed = w.report.changes.iter().any(|c| c.record == record);
            let state = match (changed, crate::model::convert::absence_state(a)) {
                (true, _) if dry_run => "planned",
                (true, _) => "written",
                (false, AbsenceState::Requested) => "waits for approval",
                (false, AbsenceState::Cancelled | AbsenceState::Rejected) => "cancelled",
                (false, AbsenceState::Approved) => "unchanged",
            };
            ShownAbsence {
                leave: w.scrubber.scrub(&a.id),
                kind: a.absence_type.as_ref().map(|t| w.scrubber.scrub(&t.name)).unwrap_or_default(),
                start: a.start_date.clone(),
                end: a.end_date.clone().unwrap_or_else(|| "open".into()),
                state: state.into(),
            }
        })
        .collect()
}

/// The result of a run.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// Run number in the store.
    pub run_id: i64,
    /// Integration name.
    pub integration: String,
    /// "name@version" of the connector.
    pub connector: String,
    /// Whether writes were suppressed.
    pub dry_run: bool,
    /// succeeded, partial or failed.
    pub status: String,
    /// Employees outside the scope.
    pub out_of_scope: usize,
    /// Every in-scope employee.
    pub employees: Vec<EmployeeReport>,
    /// HTTP requests sent, reads included (retries counted).
    pub requests_sent: u64,
    /// Write requests sent (retries counted).
    pub writes_sent: u64,
    /// Journal entries from an interrupted earlier run that this run
    /// reconciled by reading the target before writing.
    pub recovered_writes: usize,
    /// A whole-run problem, such as an unreadable target.
    pub error: Option<String>,
}

impl RunReport {
    /// How many employees ended with `outcome` (by name).
    pub fn count(&self, outcome: &str) -> usize {
        self.employees.iter().filter(|e| e.outcome.name() == outcome).count()
    }

    /// "3 created, 1 updated, 20 unchanged, 2 skipped, 0 failed".
    pub fn summary(&self) -> String {
        let names = ["created", "updated", "unchanged", "skipped", "failed", "planned"];
        let parts: Vec<String> = names
            .iter()
            .map(|n| (n, self.count(n)))
            .filter(|(n, c)| *c > 0 || matches!(**n, "created" | "updated" | "unchanged"))
            .map(|(n, c)| format!("{c} {n}"))
            .collect();
        format!("{}; {} write request(s) sent", parts.join(", "), self.writes_sent)
    }
}

fn show_value(value: Option<&str>, sensitive: bool) -> String {
    match value {
        None => "(none)".into(),
        Some(v) if sensitive => mask(v),
        Some("") => "(empty)".into(),
        Some(v) => v.to_owned(),
    }
}

/// Field changes for display: a value is masked when the connector marked
/// it sensitive or when it holds a personal value the host knows.
pub fn show_changes(changes: &[FieldChange], scrubber: &Scrubber) -> Vec<ShownChange> {
    changes
        .iter()
        .map(|c| {
            let sensitive = c.sensitive || [&c.before, &c.after].into_iter().flatten().any(|v| scrubber.touches(v));
            ShownChange {
                record: scrubber.scrub(&match &c.record_key {
                    Some(k) => format!("{} {k}", c.record_kind),
                    None => c.record_kind.clone(),
                }),
                field: scrubber.scrub(&c.field),
                before: scrubber.scrub(&show_value(c.before.as_deref(), sensitive)),
                after: scrubber.scrub(&show_value(c.after.as_deref(), sensitive)),
            }
        })
        .collect()
}

/// Planned writes for display, personal values scrubbed from paths and
/// descriptions.
pub fn show_writes(ops: &[PlannedOperation], scrubber: &Scrubber) -> Vec<ShownWrite> {
    ops.iter()
        .map(|o| ShownWrite {
            request: scrubber.scrub(&format!("{} {}", o.request.method.as_str(), o.request.path)),
            description: scrubber.scrub(&o.description),
        })
        .collect()
}

/// Changed field names, `kind[key].field` for keyed records.
pub fn changed_fields(changes: &[FieldChange], scrubber: &Scrubber) -> Vec<String> {
    let mut fields: Vec<String> = changes
        .iter()
        .map(|c| match &c.record_key {
            Some(k) => scrubber.scrub(&format!("{}[{k}].{}", c.record_kind, c.field)),
            None => scrubber.scrub(&c.field),
        })
        .collect();
    fields.dedup();
    fields
}
