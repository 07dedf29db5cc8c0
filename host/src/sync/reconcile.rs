//! `reconcile`: for employees against what the target holds, match →
//! diff → likely-guard → plan → write guard, returning a typed
//! [`Decision`] each. Matching and the guards are the host's; diff and plan
//! are one connector call per batch of [`BATCH`] employees. The first pass
//! and verification both use it; so will absences and the import
//! direction.

use super::context::RunContext;
use super::matching::{self, MatchedBy};
use super::outcome::{show_changes, show_writes};
use super::read::TargetState;
use super::work::Work;
use crate::model::TargetEmployee;
use crate::runtime::types::{FieldChange, PlannedOperation, ReconcileItem, Reconciled};

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
        /// The matched target employee's id (none only when nothing is
        /// mapped). An id, not a copy: a run holds one decision per
        /// employee.
        target_id: Option<String>,
        /// How it was found.
        matched_by: Option<MatchedBy>,
    },
    /// Writes to send, already checked by the write guard.
    Write {
        /// The operations, in order.
        ops: Vec<PlannedOperation>,
        /// The matched target employee's id; `None` for a create.
        target_id: Option<String>,
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
    w.scrubber.holds_whole(&target.target_id).then(|| {
        "the connector gives this employee a target id made of their personal data; refused, nothing was written".into()
    })
}

/// Employees per `prepare` or `reconcile` call: one instance serves a
/// batch (measured in `docs/performance.md`).
pub const BATCH: usize = 64;

/// What the connector is asked about one employee, and what the host
/// already knows of it.
struct Asking {
    item: ReconcileItem,
    current: Option<TargetEmployee>,
    matched_by: Option<MatchedBy>,
    likely: Option<TargetEmployee>,
}

/// What is known about one employee before the connector is asked.
// Short-lived, one per employee of a batch of at most BATCH: the size
// difference of the variants costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
enum Before {
    /// Decided without the connector.
    Decided(Decision),
    /// The connector must diff (and maybe plan) this item.
    Ask(Asking),
}

/// Match `w` against `state` and decide what can be decided without the
/// connector; fills in the report's target id.
fn before(rc: &RunContext, w: &mut Work, state: &TargetState, pass: Pass) -> Before {
    let Some(mapped) = w.mapped.clone() else {
        return Before::Decided(Decision::InSync { target_id: None, matched_by: None });
    };
    let found = {
        let taken = rc.taken_by_other(&w.employee.id);
        matching::find(&mapped, w.link.as_ref(), state, &taken)
    };
    let (current, matched_by) = match found {
        Some((t, by)) => (Some(t), Some(by)),
        None if pass == Pass::Verify => {
            return Before::Decided(Decision::Fail(
                "written, but the target does not show the employee afterwards".into(),
            ));
        }
        None if rc.ctx.period.is_some() => {
            // An absence run never creates the employee.
            return Before::Decided(Decision::Skip(format!(
                "not in the target yet, so its absences wait: sync the employee first (`paybridge sync --integration {}`)",
                rc.integration.name
            )));
        }
        None => (None, None),
    };
    if pass == Pass::First {
        w.matched_by = matched_by;
    }
    if let Some(target) = &current {
        if let Some(reason) = unusable(w, target, state) {
            return Before::Decided(Decision::Fail(reason));
        }
        w.report.target_id = Some(target.target_id.clone());
    }
    // A new employee who looks like someone the target holds is not
    // planned for; everyone else is diffed and planned.
    let likely = match &current {
        None => {
            let taken = rc.taken_by_other(&w.employee.id);
            matching::likely(&w.employee, state, &taken)
        }
        Some(_) => None,
    };
    let links = current.as_ref().map(|t| super::record_links::given(w.record_links.as_ref(), &t.target_id));
    let item = ReconcileItem {
        desired: mapped,
        current: current.as_ref().map(Into::into),
        plan: likely.is_none(),
        links: links.unwrap_or_default(),
    };
    Before::Ask(Asking { item, current, matched_by, likely })
}

/// Turn what the connector answered for `w` into a decision.
fn after(
    rc: &RunContext,
    w: &mut Work,
    state: &TargetState,
    pass: Pass,
    asked: Asking,
    answer: Reconciled,
) -> Decision {
    let planned = asked.item.plan;
    let Asking { current, matched_by, likely, .. } = asked;
    // Record links are learnt for the employee this one is matched to,
    // and kept only by a run that may write.
    if let (true, false, Some(target)) = (planned, rc.options.dry_run, &current) {
        match super::record_links::checked(answer.links, &target.target_id, &w.scrubber) {
            Ok(set) => {
                let known = w.record_links.as_ref().is_some_and(|held| *held == set)
                    || (w.record_links.is_none() && set.links.is_empty());
                if !known {
                    w.record_links = Some(set);
                    w.record_links_changed = true;
                }
            }
            Err(reason) => return Decision::Fail(reason),
        }
    }
    let changes = answer.changes;
    if pass == Pass::First {
        w.report.changes = show_changes(&changes, &w.scrubber);
    }
    if changes.is_empty() {
        return Decision::InSync { target_id: current.map(|t| t.target_id), matched_by };
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
    let ops = match answer.operations {
        Ok(ops) => ops,
        Err(e) => return Decision::Fail(format!("connector could not plan ({}): {}", e.code, e.message)),
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
    Decision::Write { ops, target_id: current.map(|t| t.target_id), changes }
}

/// Decide what `w` needs, given what the target holds in `state`. Fills
/// in the report's target id, changes and planned writes as it goes.
pub async fn reconcile(rc: &RunContext, w: &mut Work, state: &TargetState, pass: Pass) -> Decision {
    let mut one = [w];
    reconcile_batch(rc, &mut one, state, pass).await.pop().unwrap_or(Decision::Fail("no decision".into()))
}

/// [`reconcile`] for a batch of employees of this run, with one connector
/// call for all of them. When the call fails, each employee is asked
/// alone, so a connector that fails on one employee fails that employee
/// only. One decision per employee, in order.
pub async fn reconcile_batch(rc: &RunContext, ws: &mut [&mut Work], state: &TargetState, pass: Pass) -> Vec<Decision> {
    let befores: Vec<Before> = ws.iter_mut().map(|w| before(rc, w, state, pass)).collect();
    let asking: Vec<usize> = (0..befores.len()).filter(|&i| matches!(befores[i], Before::Ask(_))).collect();
    let items: Vec<ReconcileItem> = asking
        .iter()
        .filter_map(|&i| match &befores[i] {
            Before::Ask(asking) => Some(asking.item.clone()),
            Before::Decided(_) => None,
        })
        .collect();
    let mut answers: Vec<Option<Result<Reconciled, String>>> = vec![None; befores.len()];
    if !items.is_empty() {
        let asked: Vec<&Work> = asking.iter().map(|&i| &*ws[i]).collect();
        let sent = items.len();
        let company = state.company();
        match rc.connector.reconcile(rc.batch_site(&asked, "reconcile"), rc.ctx.clone(), company.clone(), items).await {
            Ok(found) => {
                for (&i, answer) in asking.iter().zip(found) {
                    answers[i] = Some(Ok(answer));
                }
            }
            Err(e) if sent == 1 => answers[asking[0]] = Some(Err(e.to_string())),
            Err(_) => {
                // The rare path: items are copied again from `befores`
                // rather than every batch keeping a copy for it.
                for &i in &asking {
                    let Before::Ask(asked) = &befores[i] else { continue };
                    let item = asked.item.clone();
                    let site = rc.site(ws[i], "reconcile");
                    answers[i] =
                        Some(match rc.connector.reconcile(site, rc.ctx.clone(), company.clone(), vec![item]).await {
                            Ok(mut one) => one.pop().ok_or_else(|| "the connector answered nothing".to_owned()),
                            Err(e) => Err(e.to_string()),
                        });
                }
            }
        }
    }
    let mut decisions = Vec::with_capacity(befores.len());
    for ((w, before), answer) in ws.iter_mut().zip(befores).zip(answers) {
        decisions.push(match (before, answer) {
            (Before::Decided(decision), _) => decision,
            (Before::Ask(asked), Some(Ok(answer))) => after(rc, w, state, pass, asked, answer),
            (Before::Ask(_), Some(Err(reason))) => Decision::Fail(reason),
            (Before::Ask(_), None) => Decision::Fail("the connector was not asked".into()),
        });
    }
    decisions
}
