//! Verification: after writing, read the target again; every written
//! employee must reconcile to "in sync". Where it does not and passes
//! remain, apply what `reconcile` plans against what the target now holds:
//! a target that makes its own ids (the create returns one) gets its
//! sub-resources in the second pass. A verified employee gets its link and
//! the hash of what was written.

use super::apply::{Applied, apply};
use super::context::RunContext;
use super::matching::MatchedBy;
use super::outcome::{Outcome, changed_fields, show_writes};
use super::reconcile::{Decision, Pass, reconcile};
use super::run::SyncError;
use super::work::Work;
use crate::model::TargetEmployee;

/// Apply-and-verify passes per run: one is enough when the client chooses
/// ids; a target that makes its own ids needs a second for sub-resources.
pub const MAX_PASSES: usize = 3;

/// Whether `w` is verified: it was written and has not failed (a write
/// that ended failed keeps its reason; the next run re-reads it).
pub fn needs_verifying(w: &Work) -> bool {
    w.wrote && !matches!(w.report.outcome, Outcome::Failed { .. })
}

/// Verify every employee of `work` that [`needs_verifying`].
pub async fn verify(rc: &RunContext, work: &mut [Work]) -> Result<(), SyncError> {
    let mut pending: Vec<usize> = (0..work.len()).filter(|&i| needs_verifying(&work[i])).collect();
    for pass in 1..=MAX_PASSES {
        if pending.is_empty() {
            break;
        }
        rc.emit(super::RunEvent::Verifying { pass, employees: pending.len() });
        let fresh = match rc.reader().read().await {
            Ok(state) => state,
            Err(e) => {
                for &i in &pending {
                    work[i].fail(&format!("written, but the verifying read failed: {e:#}"));
                }
                return Ok(());
            }
        };
        let mut again = Vec::new();
        for i in pending {
            let w = &mut work[i];
            match reconcile(rc, w, &fresh, Pass::Verify).await {
                Decision::InSync { target: Some(target), matched_by: Some(by) } => settle_link(rc, w, &target, by)?,
                Decision::InSync { .. } => {}
                Decision::Skip(reason) | Decision::Fail(reason) => w.fail(&reason),
                Decision::Write { changes, .. } if pass == MAX_PASSES => {
                    let fields = changed_fields(&changes, &w.scrubber).join(", ");
                    w.fail(&format!("written, but after {MAX_PASSES} passes the target still differs in: {fields}"));
                }
                Decision::Write { ops, .. } => {
                    w.report.writes.extend(show_writes(&ops, &w.scrubber));
                    match apply(rc, w, &ops).await? {
                        Applied::Done => again.push(i),
                        Applied::Failed(reason) | Applied::Conflict(reason) | Applied::Unknown(reason) => {
                            w.fail(&reason);
                        }
                    }
                }
            }
        }
        pending = again;
    }
    Ok(())
}

/// A written employee verified: store its link and the hash of what was
/// written.
fn settle_link(rc: &RunContext, w: &mut Work, target: &TargetEmployee, by: MatchedBy) -> Result<(), SyncError> {
    let how = match (&w.report.outcome, w.matched_by) {
        (Outcome::Created, _) => "created",
        (_, Some(by)) => by.as_str(),
        _ => "link",
    };
    w.report.target_id = Some(target.target_id.clone());
    if by != MatchedBy::Link || w.link.is_none() {
        rc.connect(w, &target.target_id, how)?;
    }
    if let Some(mapped) = &w.mapped {
        let records = serde_json::to_string(&mapped.records).map_err(anyhow::Error::from)?;
        rc.store.save_snapshot(&rc.integration.name, &w.employee.id, &records)?;
    }
    Ok(())
}
