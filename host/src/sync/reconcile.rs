//! `reconcile`: for one employee against what the target holds, match →
//! diff → likely-guard → plan → write guard, returning a typed
//! [`Decision`]. The first pass and verification both use it; so will
//! absences and the import direction.

use super::context::RunContext;
use super::matching::{self, MatchedBy};
use super::outcome::{show_changes, show_writes};
use super::read::TargetState;
use super::work::Work;
use crate::model::TargetEmployee;
use crate::runtime::types::{FieldChange, PlannedOperation};

/// Which pass asks: the first (a missing target employee means "create")
/// or verification (it means the write did not land).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Before writing.
    First,
    /// After writing.
    Verify,
}

/// What to do about one employee.
#[derive(Debug)]
pub enum Decision {
    /// The target holds what HR says: nothing to write.
    InSync {
        /// The matched target employee (none only when nothing is mapped).
        target: Option<TargetEmployee>,
        /// How it was found.
        matched_by: Option<MatchedBy>,
    },
    /// Writes to send, already checked by the write guard.
    Write {
        /// The operations, in order.
        ops: Vec<PlannedOperation>,
        /// The matched target employee; `None` for a create.
        current: Option<TargetEmployee>,
        /// The field changes the writes make.
        changes: Vec<FieldChange>,
    },
    /// Not to be sent, and why (a likely duplicate).
    Skip(String),
    /// Cannot be done, and why (scrubbed).
    Fail(String),
}

/// Why `target` cannot be used for `w`, if it cannot: its record could not
/// be read, or the connector made its id empty, of control characters
/// (it is stored and shown) or of personal data.
fn unusable(w: &Work, target: &TargetEmployee, state: &TargetState) -> Option<String> {
    if let Some(why) = state.unreadable(&target.target_id) {
        return Some(format!(
            "the target's record {} could not be read ({why}); nothing was written",
            target.target_id
        ));
    }
    if target.target_id.is_empty() || target.target_id.chars().any(char::is_control) {
        return Some("the connector gives this employee an empty target id or one with control characters; refused, nothing was written".into());
    }
    w.scrubber.touches(&target.target_id).then(|| {
        "the connector gives this employee a target id made of their personal data; refused, nothing was written".into()
    })
}

/// Decide what `w` needs, given what the target holds in `state`. Fills
/// in the report's target id, changes and planned writes as it goes.
pub async fn reconcile(rc: &RunContext, w: &mut Work, state: &TargetState, pass: Pass) -> Decision {
    let Some(mapped) = w.mapped.clone() else {
        return Decision::InSync { target: None, matched_by: None };
    };
    let found = {
        let taken = rc.taken_by_other(&w.employee.id);
        matching::find(&mapped, w.link.as_ref(), &state.employees, state.index(), &taken).map(|(t, by)| (t.clone(), by))
    };
    let (current, matched_by) = match found {
        Some((t, by)) => (Some(t), Some(by)),
        None if pass == Pass::Verify => {
            return Decision::Fail("written, but the target does not show the employee afterwards".into());
        }
        None => (None, None),
    };
    if pass == Pass::First {
        w.matched_by = matched_by;
    }
    if let Some(target) = &current {
        if let Some(reason) = unusable(w, target, state) {
            return Decision::Fail(reason);
        }
        w.report.target_id = Some(target.target_id.clone());
    }
    // A new employee who looks like someone the target holds is not
    // planned for; everyone else is diffed and planned in one instance.
    let likely = match &current {
        None => {
            let taken = rc.taken_by_other(&w.employee.id);
            matching::likely(&w.employee, &state.employees, state.index(), &taken).cloned()
        }
        Some(_) => None,
    };
    let site = rc.site(w, "diff/plan");
    let current_v1 = current.as_ref().map(Into::into);
    let outcome = match rc.connector.diff_and_plan(site, rc.ctx.clone(), mapped, current_v1, likely.is_none()).await {
        Ok(o) => o,
        Err(e) => return Decision::Fail(e.to_string()),
    };
    let changes = outcome.changes;
    if pass == Pass::First {
        w.report.changes = show_changes(&changes, &w.scrubber);
    }
    if changes.is_empty() {
        return Decision::InSync { target: current, matched_by };
    }
    if let Some(likely) = likely {
        return Decision::Skip(w.scrubber.scrub(&format!(
            "not created: target employee {} ({} {}, born {}) looks like the same person; connect them with `paybridge links connect --integration {} {} {}` or correct the data",
            likely.target_id,
            likely.first_name.as_deref().unwrap_or(""),
            likely.last_name.as_deref().unwrap_or(""),
            likely.birth_date.as_deref().unwrap_or(""),
            rc.integration.name,
            w.employee.employee_number.as_deref().unwrap_or(&w.employee.id),
            likely.target_id
        )));
    }
    let ops = match outcome.plan {
        Some(Ok(ops)) => ops,
        Some(Err(e)) => return Decision::Fail(format!("connector could not plan ({}): {}", e.code, e.message)),
        None => Vec::new(),
    };
    if ops.is_empty() {
        return Decision::Fail(format!(
            "{} field(s) differ but the connector planned no write for them",
            changes.len()
        ));
    }
    if let Err(reason) = rc.guard(w, current.as_ref().map(|t| t.target_id.as_str()), state, &ops) {
        return Decision::Fail(reason);
    }
    if pass == Pass::First {
        w.report.writes.extend(show_writes(&ops, &w.scrubber));
    }
    Decision::Write { ops, current, changes }
}
