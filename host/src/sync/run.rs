//! One run of one integration, as a value that can be spawned: lock →
//! recover → scope → a chunk of employees at a time: validate and map →
//! (the first time one needs it) read → first pass (reconcile, apply,
//! recover from 409s and unknown outcomes) → then verify → record.
//!
//! Invariants: one run of an integration at a time (the run lock, taken
//! before recovery, so recovery never touches a live run of another
//! process); an employee that fails fails alone and the others carry on; a
//! dry run sends no write; a write whose outcome is unknown or a 409 leads
//! to re-reading that employee and planning again, never to a blind
//! resend; employees go through the first pass side by side up to the
//! integration's concurrency, one employee's writes in order; each
//! employee's outcome is recorded (a transaction per chunk) and sent as
//! an event as soon as its chunk is final; the report is output only. Memory: a run holds at most
//! [`CHUNK`] HR records (plus those written, until verified), the target
//! packed ([`super::targets`]), and a report line per employee.

use super::apply::{Applied, apply};
use super::context::{RunContext, filter_of};
use super::events::{EventSender, RunEvent};
use super::matching::MatchedBy;
use super::outcome::{EmployeeReport, Outcome, RunReport, changed_fields};
use super::read::TargetState;
use super::reconcile::{BATCH, Decision, Pass, reconcile, reconcile_batch};
use super::required::missing_fields;
use super::scope_pass::InScope;
use super::work::Work;
use crate::config::IntegrationConfig;
use crate::http::Executor;
use crate::runtime::LoadedConnector;
use crate::runtime::types::{FieldChange, Period, Prepared, ValidationIssue};
use crate::store::Store;
use crate::store::links::LinkState;
use crate::store::runs::OutcomeRow;
use futures::StreamExt as _;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::sync::RwLock;

/// How a run behaves.
#[derive(Debug, Clone, Default)]
pub struct SyncOptions {
    /// Plan and show, send no write.
    pub dry_run: bool,
    /// Fault injection for crash tests: stop the process-equivalent right
    /// after this many writes were sent, before their outcome is recorded.
    pub halt_after_writes: Option<u64>,
    /// HR employees per chunk ([`CHUNK`] when `None`); tests use small
    /// chunks to cross chunk boundaries with small companies.
    pub chunk_size: Option<usize>,
    /// An absence run: the period whose absences are exported (both ends
    /// included). The connector then writes absences only, and an
    /// employee not yet in the target is skipped.
    pub period: Option<Period>,
    /// Only these HR employees (HR ids or employee numbers), within the
    /// integration's scope; everyone in scope when `None`.
    pub employees: Option<Vec<String>>,
}

/// A run that could not complete.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// `halt_after_writes` was reached (tests only).
    #[error("run halted after {0} write(s), before recording their outcome (fault injection)")]
    Halted(u64),
    /// Another run of the integration holds the run lock.
    #[error(transparent)]
    Busy(#[from] crate::store::run_lock::LockError),
    /// Storage or another host-side failure.
    #[error(transparent)]
    Host(#[from] anyhow::Error),
}

/// Everything a run needs; owned, so the run can be spawned.
pub struct SyncJob {
    /// The store.
    pub store: Arc<Store>,
    /// The connector version this run uses from start to end.
    pub connector: Arc<LoadedConnector>,
    /// HTTP to the target.
    pub executor: Arc<Executor>,
    /// The integration.
    pub integration: IntegrationConfig,
    /// Today in the integration's time zone, `YYYY-MM-DD`.
    pub today: String,
    /// Where the run's events go.
    pub events: Option<EventSender>,
}

/// HR employees per chunk: loaded from the store, prepared, reconciled and
/// written together, then let go but for their report lines (and those
/// verification needs), so a run holds a chunk of HR records at a time.
pub const CHUNK: usize = 2048;

/// A work item and its place in the run's report.
type Placed = (usize, Work);

/// Most times one employee's writes are re-planned after a 409 or an
/// unknown outcome in one run.
const MAX_RECOVERIES: usize = 2;

fn issues_text(issues: &[ValidationIssue]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for i in issues {
        if !seen.contains(&i.message.as_str()) {
            seen.push(&i.message);
        }
    }
    seen.join("; ")
}

impl SyncJob {
    /// Run once. The future is `Send + 'static`: it can be spawned.
    pub async fn run(self, options: SyncOptions) -> Result<RunReport, SyncError> {
        let name = self.integration.name.clone();
        if options.period.is_some() && !self.connector.manifest.capabilities.iter().any(|c| c == "absences") {
            return Err(SyncError::Host(anyhow::anyhow!(
                "connector {} does not export absences (its manifest lacks the `absences` capability); nothing was run",
                self.connector.label()
            )));
        }
        let store = Arc::clone(&self.store);
        let _lock = store.lock_run(&name)?;
        store.mark_interrupted_runs(&name)?;
        let recovered = store.journal_recover(&name)?;
        if !recovered.is_empty() {
            tracing::warn!(
                entries = recovered.len(),
                "writes of an interrupted run have no recorded outcome; the target is read and matched before any new write"
            );
        }
        let run_id = store.start_run(&name, &self.connector.label(), options.dry_run)?;
        // Scope: each HR employee of the last import is looked at once and
        // let go (see `scope_pass`).
        let in_scope = InScope::read(&store, &self.integration.scope, options.employees.as_deref())?;
        let chunks = in_scope.chunks(options.chunk_size.unwrap_or(CHUNK));
        let InScope { total, ids: in_scope, company, .. } = in_scope;
        let out_of_scope = total - in_scope.len();
        let read_filter = filter_of(&Arc::new(company));
        let read_cap = self.integration.read_cap(total);
        let run_cap = self.integration.max_run_requests.unwrap_or(5 * read_cap + 20 * in_scope.len() as u64);
        self.executor.set_budget(run_cap);
        let rc = RunContext {
            ctx: super::context::Context {
                period: options.period.clone(),
                ..super::context::connector_context(&self.integration, &self.today)
            },
            writes_before: self.executor.counters.writes.load(Ordering::Relaxed),
            linked: std::sync::Mutex::new(store.connected_targets(&name)?),
            store: self.store,
            connector: self.connector,
            executor: self.executor,
            integration: self.integration,
            run_id,
            options,
            read_cap,
            read_filter: Arc::clone(&read_filter),
            events: self.events,
        };
        rc.emit(RunEvent::Started {
            run_id,
            integration: name.clone(),
            connector: rc.connector.label(),
            in_scope: in_scope.len(),
            out_of_scope,
        });
        let mut report = RunReport {
            run_id,
            integration: name.clone(),
            connector: rc.connector.label(),
            dry_run: rc.options.dry_run,
            status: "succeeded".into(),
            out_of_scope,
            employees: Vec::new(),
            requests_sent: 0,
            writes_sent: 0,
            recovered_writes: recovered.len(),
            error: None,
        };
        // A chunk at a time: loaded, prepared, decided, written, and let go
        // but for its report lines and the employees verification needs.
        // The target is read once, when the first employee needs it.
        let mut target: Option<RwLock<TargetState>> = None;
        let mut reports: Vec<Option<EmployeeReport>> = Vec::new();
        reports.resize_with(in_scope.len(), || None);
        let mut to_verify: Vec<Placed> = Vec::new();
        let mut claims: HashMap<String, String> = HashMap::new();
        for chunk in chunks {
            let ids: Vec<String> = chunk.iter().map(|&at| in_scope[at].clone()).collect();
            let places: HashMap<&str, usize> = chunk.iter().map(|&at| (in_scope[at].as_str(), at)).collect();
            let mut work = rc.load(&ids)?;
            prepare_all(&rc, &mut work).await;
            let to_sync = work.iter().filter(|w| w.mapped.is_some()).count();
            rc.emit(RunEvent::Prepared { to_sync });
            if to_sync > 0 && target.is_none() && report.error.is_none() {
                match rc.reader().read().await {
                    Ok(s) => {
                        rc.emit(RunEvent::Read { target_employees: s.len(), unreadable: s.unreadable.len() });
                        target = Some(RwLock::new(s));
                    }
                    Err(e) => report.error = Some(read_filter(&format!("could not read the target: {e:#}"))),
                }
            }
            match &target {
                Some(state) => first_passes(&rc, &mut work, state, &mut claims).await?,
                None => {
                    for w in work.iter_mut().filter(|w| w.mapped.is_some()) {
                        w.fail("not synced: the target could not be read");
                        w.mapped = None;
                    }
                }
            }
            // Settled now: everyone verification will not touch; the rest after it.
            let placed = work.into_iter().filter_map(|w| Some((*places.get(w.employee.id.as_str())?, w)));
            let (verifying, done): (Vec<Placed>, Vec<Placed>) =
                placed.partition(|(_, w)| super::verify::needs_verifying(w));
            let (at, done): (Vec<usize>, Vec<Work>) = done.into_iter().unzip();
            settle(&rc, &done)?;
            for (at, w) in at.into_iter().zip(done) {
                reports[at] = Some(final_report(&rc, w));
            }
            to_verify.extend(verifying.into_iter().map(|(at, mut w)| {
                w.keep_what_verification_needs();
                (at, w)
            }));
        }
        drop(in_scope);
        // Verification reads afresh: the first pass's picture goes now.
        drop(target);
        if !to_verify.is_empty() {
            let mut verifying: Vec<Work> = Vec::with_capacity(to_verify.len());
            let mut places = Vec::with_capacity(to_verify.len());
            for (at, w) in to_verify {
                places.push(at);
                verifying.push(w);
            }
            super::verify::verify(&rc, &mut verifying).await?;
            settle(&rc, &verifying)?;
            for (at, w) in places.into_iter().zip(verifying) {
                reports[at] = Some(final_report(&rc, w));
            }
        }
        report.requests_sent = rc.executor.counters.requests.load(Ordering::Relaxed);
        report.writes_sent = rc.executor.counters.writes.load(Ordering::Relaxed) - rc.writes_before;
        report.employees = reports.into_iter().flatten().collect();
        // Failed: the run stopped, or employees failed and none went through
        // (skipped ones do not count either way). Partial: some of each.
        let failed = report.count("failed");
        let through: usize = ["created", "updated", "unchanged", "planned"].iter().map(|o| report.count(o)).sum();
        if report.error.is_some() || (failed > 0 && through == 0) {
            report.status = "failed".into();
        } else if failed > 0 {
            report.status = "partial".into();
        }
        rc.store.finish_run(run_id, &report.status, &report.summary())?;
        rc.emit(RunEvent::Finished { run_id, status: report.status.clone(), summary: report.summary() });
        Ok(report)
    }
}

/// Decide for every mapped employee of one chunk (a batch per connector
/// call), then run their first passes side by side, as many as the
/// integration's concurrency; one employee's writes stay in order.
async fn first_passes(
    rc: &RunContext,
    work: &mut [Work],
    state: &RwLock<TargetState>,
    claims: &mut HashMap<String, String>,
) -> Result<(), SyncError> {
    let parallel = rc.integration.concurrency.max(1);
    let mut mapped: Vec<&mut Work> = work.iter_mut().filter(|w| w.mapped.is_some()).collect();
    let mut decisions = {
        let state = state.read().await;
        decide(rc, &mut mapped, &state, Pass::First).await
    };
    one_employee_per_target(rc, &mut mapped, &mut decisions, claims);
    // Futures built in a loop, not a closure: the run future must stay
    // `Send` for any lifetime (a closure here defeats the inference).
    let mut passes = Vec::new();
    for (w, decision) in mapped.into_iter().zip(decisions) {
        passes.push(first_pass(rc, w, state, decision));
    }
    let mut running = futures::stream::iter(passes).buffer_unordered(parallel);
    while let Some(done) = running.next().await {
        done?;
    }
    Ok(())
}

/// [`reconcile_batch`] for every employee of `ws`, a batch per call,
/// batches side by side up to the integration's concurrency. One decision
/// per employee, in order.
pub(crate) async fn decide(rc: &RunContext, ws: &mut [&mut Work], state: &TargetState, pass: Pass) -> Vec<Decision> {
    let parallel = rc.integration.concurrency.max(1);
    let mut batches = Vec::new();
    for batch in ws.chunks_mut(BATCH) {
        batches.push(reconcile_batch(rc, batch, state, pass));
    }
    futures::stream::iter(batches).buffered(parallel).collect::<Vec<_>>().await.into_iter().flatten().collect()
}

/// The target employee a decision acts on, if any.
fn target_of(decision: &Decision) -> Option<&str> {
    match decision {
        Decision::InSync { target_id: Some(t), .. } | Decision::Write { target_id: Some(t), .. } => Some(t),
        _ => None,
    }
}

/// Decisions are taken side by side, so two HR employees can match one
/// target employee (the same employee number or national id in HR twice).
/// Only one may act on it: within a chunk, the one linked to it, if one
/// is, otherwise none, and each says why, so nothing is written to a
/// record two people claim. Across chunks (`earlier`: target id → HR id of
/// the chunks already done; HR employees come in employee-number order, so
/// a shared number rarely straddles two chunks), a later claimer is
/// refused.
fn one_employee_per_target(
    rc: &RunContext,
    ws: &mut [&mut Work],
    decisions: &mut [Decision],
    earlier: &mut HashMap<String, String>,
) {
    let mut claims: HashMap<&str, Vec<usize>> = HashMap::new();
    for (at, decision) in decisions.iter().enumerate() {
        if let Some(target) = target_of(decision) {
            claims.entry(target).or_default().push(at);
        }
    }
    let mut refused: Vec<(usize, String)> = Vec::new();
    for (&target, claimers) in &claims {
        let Some(other) = earlier.get(target) else { continue };
        for &at in claimers.iter().filter(|&&at| ws[at].employee.id != *other) {
            refused.push((
                at,
                format!(
                    "target employee {target} was already matched to HR employee {other} in this run; nothing was written to it. Connect the right one with `paybridge links connect --integration {}` and correct the other in HR",
                    rc.integration.name
                ),
            ));
        }
    }
    for (target, claimers) in claims.iter().filter(|(_, c)| c.len() > 1) {
        let linked: Vec<usize> =
            claimers.iter().copied().filter(|&at| ws[at].matched_by == Some(MatchedBy::Link)).collect();
        let numbers: Vec<&str> = claimers
            .iter()
            .map(|&at| ws[at].employee.employee_number.as_deref().unwrap_or(&ws[at].employee.id))
            .collect();
        for &at in claimers.iter().filter(|at| linked.len() != 1 || !linked.contains(at)) {
            refused.push((
                at,
                format!(
                    "target employee {target} matches HR employees {} at once; nothing was written to it. Connect the right one with `paybridge links connect --integration {}` and correct the others in HR",
                    numbers.join(", "),
                    rc.integration.name
                ),
            ));
        }
    }
    for (&target, claimers) in &claims {
        // A claim through a link needs no record: the link itself keeps
        // the target from anyone else.
        if let [only] = claimers.as_slice()
            && ws[*only].matched_by != Some(MatchedBy::Link)
        {
            earlier.entry(target.to_owned()).or_insert_with(|| ws[*only].employee.id.clone());
        }
    }
    for (at, reason) in refused {
        ws[at].report.writes.clear();
        decisions[at] = Decision::Fail(reason);
    }
}

/// `w`'s report line, final: in an absence run it lists what became of
/// each absence of the period (not for an employee skipped or failed).
fn final_report(rc: &RunContext, w: Work) -> EmployeeReport {
    let listed =
        rc.ctx.period.is_some() && !matches!(w.report.outcome, Outcome::Skipped { .. } | Outcome::Failed { .. });
    let absences = if listed { super::outcome::shown_absences(&w, rc.options.dry_run) } else { Vec::new() };
    EmployeeReport { absences, ..w.report }
}

/// Record the outcomes of `ws` (one transaction) and the record links
/// learnt for them, and tell the listeners: they are final for this run.
fn settle(rc: &RunContext, ws: &[Work]) -> Result<(), SyncError> {
    let rows: Vec<OutcomeRow> = ws
        .iter()
        .map(|w| OutcomeRow {
            hr_id: w.report.hr_id.clone(),
            employee_number: w.report.employee_number.clone(),
            name: Some(w.report.name.clone()),
            outcome: w.report.outcome.name().into(),
            detail: w.report.outcome.detail(),
            changes: w.report.changes.clone(),
            writes: w.report.writes.clone(),
        })
        .collect();
    rc.store.record_outcomes(rc.run_id, &rows)?;
    let learnt: Vec<(&str, &crate::store::record_links::RecordLinks)> = ws
        .iter()
        .filter(|w| w.record_links_changed)
        .filter_map(|w| Some((w.employee.id.as_str(), w.record_links.as_ref()?)))
        .collect();
    rc.store.save_record_links(&rc.integration.name, &learnt)?;
    for row in rows {
        rc.emit(RunEvent::Settled {
            hr_id: row.hr_id,
            employee_number: row.employee_number,
            name: row.name.unwrap_or_default(),
            outcome: row.outcome,
            detail: row.detail,
        });
    }
    Ok(())
}

/// Validate and map every employee of `work`, a batch per connector call,
/// batches side by side up to the integration's concurrency; on any
/// problem set the employee's outcome.
async fn prepare_all(rc: &RunContext, work: &mut [Work]) {
    let mut asking: Vec<&mut Work> = Vec::new();
    for w in work.iter_mut() {
        if let Some(link) = w.link.as_ref().filter(|l| l.state == LinkState::Disconnected) {
            w.report.outcome = Outcome::Skipped {
                reason: format!("disconnected from target employee {}; connect it again to sync", link.target_id),
            };
        } else {
            asking.push(w);
        }
    }
    let parallel = rc.integration.concurrency.max(1);
    let mut batches = Vec::new();
    for batch in asking.chunks_mut(BATCH) {
        batches.push(prepare_batch(rc, batch));
    }
    futures::stream::iter(batches).buffer_unordered(parallel).collect::<Vec<()>>().await;
}

/// Validate and map one batch in one call; when the call fails, each
/// employee alone, so a connector that fails on one fails that one only.
async fn prepare_batch(rc: &RunContext, batch: &mut [&mut Work]) {
    let employees: Vec<_> = batch.iter().map(|w| (&w.employee).into()).collect();
    let answers = {
        let asked: Vec<&Work> = batch.iter().map(|w| &**w).collect();
        rc.connector.prepare(rc.batch_site(&asked, "prepare"), rc.ctx.clone(), employees).await
    };
    match answers {
        Ok(answers) => {
            for (w, answer) in batch.iter_mut().zip(answers) {
                settle_prepared(rc, w, Ok(answer));
            }
        }
        Err(e) if batch.len() == 1 => settle_prepared(rc, batch[0], Err(e.to_string())),
        Err(_) => {
            // The rare path: each employee is converted again rather than
            // every batch keeping a copy for it.
            for w in batch.iter_mut() {
                let site = rc.site(w, "prepare");
                let answer = match rc.connector.prepare(site, rc.ctx.clone(), vec![(&w.employee).into()]).await {
                    Ok(mut one) => one.pop().ok_or_else(|| "the connector answered nothing".to_owned()),
                    Err(e) => Err(e.to_string()),
                };
                settle_prepared(rc, w, answer);
            }
        }
    }
}

/// Take in what `prepare` made of `w`: mapped when nothing is missing and
/// the connector found no issue, else skipped with every reason.
fn settle_prepared(rc: &RunContext, w: &mut Work, answer: Result<Prepared, String>) {
    let mut issues = missing_fields(&w.employee, &rc.connector.manifest.required_fields);
    match answer {
        Ok(Prepared::Ready(mapped)) if issues.is_empty() => w.mapped = Some(mapped),
        Ok(Prepared::Ready(_)) => {}
        Ok(Prepared::Refused(found)) => issues.extend(found),
        Err(reason) => return w.fail(&reason),
    }
    if !issues.is_empty() {
        w.report.outcome = Outcome::Skipped { reason: w.scrubber.scrub_all(&issues_text(&issues)) };
    }
}

/// Reconcile and (unless dry) apply one mapped employee; after a 409 or an
/// unknown outcome, re-read that employee and reconcile again.
async fn first_pass(
    rc: &RunContext,
    w: &mut Work,
    state: &RwLock<TargetState>,
    decision: Decision,
) -> Result<(), SyncError> {
    let mut recoveries = 0;
    let mut first_changes: Option<Vec<FieldChange>> = None;
    let mut was_new: Option<bool> = None;
    let mut decided = Some(decision);
    loop {
        let decision = match decided.take() {
            Some(decision) => decision,
            None => {
                let state = state.read().await;
                reconcile(rc, w, &state, Pass::First).await
            }
        };
        let (ops, current) = match decision {
            Decision::InSync { target_id, matched_by } => {
                w.report.outcome = match (w.wrote, &first_changes, was_new) {
                    (true, _, Some(true)) => Outcome::Created,
                    (true, Some(first), _) => Outcome::Updated { fields: changed_fields(first, &w.scrubber) },
                    _ => Outcome::Unchanged,
                };
                if let (false, Some(target_id), Some(by)) = (rc.options.dry_run, &target_id, matched_by)
                    && by != MatchedBy::Link
                {
                    rc.connect(w, target_id, by.as_str())?;
                }
                // In sync and settled: what it maps to is no longer needed.
                if !w.wrote {
                    w.mapped = None;
                }
                return Ok(());
            }
            Decision::Skip(reason) => {
                w.report.outcome = Outcome::Skipped { reason };
                return Ok(());
            }
            Decision::Fail(reason) => {
                w.fail(&reason);
                return Ok(());
            }
            Decision::Write { ops, target_id, changes } => {
                was_new.get_or_insert(target_id.is_none());
                first_changes.get_or_insert(changes);
                (ops, target_id)
            }
        };
        if rc.options.dry_run {
            w.report.outcome = Outcome::Planned { writes: ops.len() };
            return Ok(());
        }
        match apply(rc, w, &ops).await? {
            Applied::Done => {
                w.wrote = true;
                w.report.outcome = if was_new == Some(true) {
                    Outcome::Created
                } else {
                    Outcome::Updated {
                        fields: changed_fields(first_changes.as_deref().unwrap_or_default(), &w.scrubber),
                    }
                };
                return Ok(());
            }
            Applied::Failed(reason) => {
                w.fail(&reason);
                return Ok(());
            }
            Applied::Conflict(reason) | Applied::Unknown(reason) if recoveries < MAX_RECOVERIES => {
                recoveries += 1;
                w.wrote = true;
                rc.emit(RunEvent::Recovering { hr_id: w.employee.id.clone(), reason: reason.clone() });
                let mut ids: Vec<&str> = current.as_deref().into_iter().collect();
                let number = w.mapped.as_ref().and_then(|m| m.employee_number.clone());
                ids.extend(number.as_deref());
                let refreshed = {
                    let mut state = state.write().await;
                    rc.reader().refresh(&mut state, &ids).await
                };
                if let Err(e) = refreshed {
                    w.fail(&format!("{reason}, and re-reading failed: {e:#}"));
                    return Ok(());
                }
                w.report.writes.clear();
            }
            Applied::Conflict(reason) | Applied::Unknown(reason) => {
                w.fail(&format!("{reason}; still unsettled after {MAX_RECOVERIES} re-reads"));
                return Ok(());
            }
        }
    }
}
