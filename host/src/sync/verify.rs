//! Verification: after writing, read the target again; every written
//! employee must reconcile to "in sync". Where it does not and passes
//! remain, apply what `reconcile` plans against what the target now holds:
//! a target that makes its own ids (the create returns one) gets its
//! sub-resources in the second pass. A verified employee gets its link and
//! the hash of what was written.

use super::apply::{Applied, apply};
use super::context::RunContext;
use super::matching::MatchedBy;
use super::outcome::{Outcome, changed_fields, show_changes, show_writes};
use super::reconcile::{Decision, Pass};
use super::run::SyncError;
use super::run::decide;
use super::work::Work;
use futures::StreamExt as _;

/// Apply-and-verify passes per run: one is enough when the client chooses
/// ids; a target that makes its own ids needs a second for sub-resources.
pub const MAX_PASSES: usize = 3;

/// Whether `w` is verified: it was written and has not failed (a write
/// that ended failed keeps its reason; the next run re-reads it).
pub fn needs_verifying(w: &Work) -> bool {
    w.wrote && !matches!(w.report.outcome, Outcome::Failed { .. })
}

/// Verify every employee of `work` that [`needs_verifying`]: decisions a
/// batch per connector call, then each employee's follow-up writes side by
/// side up to the integration's concurrency.
pub async fn verify(rc: &RunContext, work: &mut [Work]) -> Result<(), SyncError> {
    let mut pending: Vec<bool> = work.iter().map(needs_verifying).collect();
    for pass in 1..=MAX_PASSES {
        let count = pending.iter().filter(|p| **p).count();
        if count == 0 {
            break;
        }
        rc.emit(super::RunEvent::Verifying { pass, employees: count });
        let fresh = match rc.reader().read().await {
            Ok(state) => state,
            Err(e) => {
                for (w, _) in work.iter_mut().zip(&pending).filter(|(_, p)| **p) {
                    w.fail(&format!("written, but the verifying read failed: {e:#}"));
                }
                return Ok(());
            }
        };
        let mut ws: Vec<&mut Work> = work.iter_mut().zip(&pending).filter(|(_, p)| **p).map(|(w, _)| w).collect();
        let decisions = decide(rc, &mut ws, &fresh, Pass::Verify).await;
        let parallel = rc.integration.concurrency.max(1);
        let mut follow_ups = Vec::new();
        for (w, decision) in ws.into_iter().zip(decisions) {
            follow_ups.push(follow_up(rc, w, decision, pass));
        }
        let again: Vec<bool> = futures::stream::iter(follow_ups)
            .buffered(parallel)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        let mut again = again.into_iter();
        for p in pending.iter_mut().filter(|p| **p) {
            *p = again.next().unwrap_or(false);
        }
    }
    Ok(())
}

/// Act on what verification decided for `w` in pass `pass`; whether it
/// wrote again and needs another pass.
async fn follow_up(rc: &RunContext, w: &mut Work, decision: Decision, pass: usize) -> Result<bool, SyncError> {
    match decision {
        Decision::InSync { target_id: Some(target_id), matched_by: Some(by) } => settle_link(rc, w, &target_id, by)?,
        Decision::InSync { .. } => {}
        Decision::Skip(reason) | Decision::Fail(reason) => w.fail(&reason),
        Decision::Write { changes, .. } if pass == MAX_PASSES => {
            let fields = changed_fields(&changes, &w.scrubber).join(", ");
            w.fail(&format!("written, but after {MAX_PASSES} passes the target still differs in: {fields}"));
        }
        Decision::Write { ops, changes, .. } => {
            w.report.changes.extend(show_changes(&changes, &w.scrubber));
            w.report.writes.extend(show_writes(&ops, &w.scrubber));
            match apply(rc, w, &ops).await? {
                Applied::Done => return Ok(true),
                Applied::Failed(reason) | Applied::Conflict(reason) | Applied::Unknown(reason) => w.fail(&reason),
            }
        }
    }
    Ok(false)
}

/// A written employee verified: store its link and the hash of what was
/// written.
fn settle_link(rc: &RunContext, w: &mut Work, target_id: &str, by: MatchedBy) -> Result<(), SyncError> {
    let how = match (&w.report.outcome, w.matched_by) {
        (Outcome::Created, _) => "created",
        (_, Some(by)) => by.as_str(),
        _ => "link",
    };
    w.report.target_id = Some(target_id.to_owned());
    if by != MatchedBy::Link || w.link.is_none() {
        rc.connect(w, target_id, how)?;
    }
    // The hash is of the employee's own records: an absence run keeps it.
    if let Some(mapped) = w.mapped.as_ref().filter(|_| rc.ctx.period.is_none()) {
        let records = serde_json::to_string(&mapped.records).map_err(anyhow::Error::from)?;
        rc.store.save_snapshot(&rc.integration.name, &w.employee.id, &records)?;
    }
    Ok(())
}
