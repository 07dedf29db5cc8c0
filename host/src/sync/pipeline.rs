//! One run of one integration: scope → validate → map → read the target →
//! match → diff → plan → guard → apply → verify → per-employee outcomes.
//!
//! Invariants: one run of an integration at a time (the run lock, taken
//! before recovery); an employee that fails (bad data, a crashing
//! connector call, an HTTP error, an unreadable target record, a refused
//! plan) fails alone and the others carry on; a dry run sends no write;
//! every write is journalled before it is sent and settled after; a plan
//! is checked by the guard before any of it is sent; a create is only
//! planned after reading the target and matching, so a run that follows a
//! crash does not create twice; a write whose outcome is unknown (5xx,
//! timeout, cut connection) or a 409 leads to re-reading that employee and
//! planning again, never to a blind resend; after writing, the target is
//! read again and the diff must be empty. Every text a connector produced
//! is scrubbed of the employee's personal data before it is stored or
//! shown.

use super::guard::WriteScope;
use super::matching::{self, MatchedBy};
use super::outcome::{EmployeeReport, Outcome, RunReport, changed_fields, show_changes, show_writes};
use super::read::{Reader, TargetState};
use super::required::missing_fields;
use crate::config::IntegrationConfig;
use crate::http::executor::method_name;
use crate::http::{Executor, Resend};
use crate::privacy::Scrubber;
use crate::runtime::LoadedConnector;
use crate::runtime::connector::{CallSite, TextFilter};
use crate::runtime::types::{
    Context, Employee, FieldChange, HttpMethod, MappedEmployee, OperationKind, PlannedOperation, TargetEmployee,
    ValidationIssue,
};
use crate::store::Store;
use crate::store::journal::PendingWrite;
use crate::store::links::{Link, LinkState};
use crate::store::runs::OutcomeRow;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// How a run behaves.
#[derive(Debug, Clone, Default)]
pub struct SyncOptions {
    /// Plan and show, send no write.
    pub dry_run: bool,
    /// Fault injection for crash tests: stop the process-equivalent right
    /// after this many writes were sent, before their outcome is recorded.
    pub halt_after_writes: Option<u64>,
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

/// Everything a run needs.
pub struct SyncJob<'a> {
    /// The store.
    pub store: &'a Store,
    /// The connector version this run uses from start to end.
    pub connector: Arc<LoadedConnector>,
    /// HTTP to the target.
    pub executor: &'a Executor,
    /// The integration.
    pub integration: &'a IntegrationConfig,
    /// Today in the integration's time zone, `YYYY-MM-DD`.
    pub today: String,
    /// Called with a line of progress while the run goes on.
    pub progress: Option<&'a dyn Fn(&str)>,
}

struct Work {
    employee: Employee,
    scrubber: Arc<Scrubber>,
    mapped: Option<MappedEmployee>,
    link: Option<Link>,
    matched_by: Option<MatchedBy>,
    wrote: bool,
    report: EmployeeReport,
}

/// What the run knows that every employee's step reads.
struct RunScope<'r> {
    ctx: Context,
    run_id: i64,
    writes_before: u64,
    options: &'r SyncOptions,
    /// Connected links: target id → HR id.
    linked: HashMap<String, String>,
    reader: Reader<'r>,
}

/// Most times one employee's writes are re-planned after a 409 or an
/// unknown outcome in one run.
const MAX_RECOVERIES: usize = 2;

/// Apply-and-verify passes per run: one is enough when the client chooses
/// ids; a target that makes its own ids needs a second for sub-resources.
const MAX_PASSES: usize = 3;

enum Applied {
    Done,
    Failed(String),
    /// 409 on a create: it exists already.
    Conflict(String),
    /// Sent, and whether the target applied it is unknown.
    Unknown(String),
}

fn full_name(e: &Employee) -> String {
    [e.first_name.as_deref(), e.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ")
}

/// The personal values of `e` the host removes from connector texts.
pub fn scrubber_for(e: &Employee) -> Scrubber {
    let bank = e.bank_account.as_ref();
    let clearing_and_number = bank.and_then(|b| Some(format!("{}{}", b.clearing.as_deref()?, b.number.as_deref()?)));
    let ids = [e.ssn.as_deref(), bank.and_then(|b| b.number.as_deref()), bank.and_then(|b| b.iban.as_deref())]
        .into_iter()
        .flatten()
        .chain(clearing_and_number.as_deref());
    Scrubber::new(ids, e.compensations.iter().filter_map(|c| c.amount.as_deref()))
}

fn filter_of(scrubber: &Arc<Scrubber>) -> TextFilter {
    let scrubber = Arc::clone(scrubber);
    Arc::new(move |text: &str| scrubber.scrub_all(text))
}

fn issues_text(issues: &[ValidationIssue], scrubber: &Scrubber) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for i in issues {
        if !seen.contains(&i.message.as_str()) {
            seen.push(&i.message);
        }
    }
    scrubber.scrub_all(&seen.join("; "))
}

/// What a target said in an error body, for a person: RFC 7807 problem
/// details as "title: detail", a `{message}` body as its message, anything
/// else as a short excerpt. Personal values and long digit runs are masked.
fn excerpt(body: &str, scrubber: &Scrubber) -> String {
    let text = match serde_json::from_str::<serde_json::Value>(body) {
        Ok(v) => {
            let field = |k: &str| v.get(k).and_then(|x| x.as_str()).filter(|x| !x.is_empty());
            let parts: Vec<&str> = [field("title"), field("detail"), field("message")].into_iter().flatten().collect();
            if parts.is_empty() { body.to_owned() } else { parts.join(": ") }
        }
        Err(_) => body.to_owned(),
    };
    let text: String = text.chars().take(200).collect();
    scrubber.scrub_all(text.trim())
}

fn operation_name(kind: OperationKind) -> &'static str {
    match kind {
        OperationKind::Create => "create",
        OperationKind::Update => "update",
        OperationKind::Delete => "delete",
    }
}

impl SyncJob<'_> {
    fn say(&self, line: &str) {
        if let Some(progress) = self.progress {
            progress(line);
        }
    }

    fn site(&self, w: &Work, function: &str) -> CallSite {
        CallSite::new(filter_of(&w.scrubber), &[function, &w.employee.id])
    }

    /// Run the pipeline once.
    pub async fn run(&self, options: &SyncOptions) -> Result<RunReport, SyncError> {
        let name = self.integration.name.as_str();
        let store = self.store;
        let _lock = store.lock_run(name)?;
        store.mark_interrupted_runs(name)?;
        let recovered = store.journal_recover(name)?;
        if !recovered.is_empty() {
            tracing::warn!(
                entries = recovered.len(),
                "writes of an interrupted run have no recorded outcome; the target is read and matched before any new write"
            );
        }
        let run_id = store.start_run(name, &self.connector.label(), options.dry_run)?;
        let ctx = self.integration.context(&self.today);
        let employees = store.current_employees()?;
        let total = employees.len();
        let mut out_of_scope = 0;
        let mut work = Vec::new();
        for employee in employees {
            if self.integration.scope.decide(&employee).is_err() {
                out_of_scope += 1;
                continue;
            }
            let link = store.link(name, &employee.id)?;
            work.push(Work {
                report: EmployeeReport {
                    hr_id: employee.id.clone(),
                    employee_number: employee.employee_number.clone(),
                    name: full_name(&employee),
                    target_id: link.as_ref().map(|l| l.target_id.clone()),
                    outcome: Outcome::Unchanged,
                    changes: Vec::new(),
                    writes: Vec::new(),
                },
                scrubber: Arc::new(scrubber_for(&employee)),
                employee,
                mapped: None,
                link,
                matched_by: None,
                wrote: false,
            });
        }
        let company = Arc::new(Scrubber::whole_values(work.iter().flat_map(|w| {
            let bank = w.employee.bank_account.as_ref();
            [w.employee.ssn.as_deref(), bank.and_then(|b| b.number.as_deref()), bank.and_then(|b| b.iban.as_deref())]
                .into_iter()
                .flatten()
        })));
        let read_cap = self.integration.max_read_requests.unwrap_or(1000 + 10 * total as u64);
        let run_cap = self.integration.max_run_requests.unwrap_or(5 * read_cap + 20 * work.len() as u64);
        self.executor.set_budget(run_cap);
        let linked = store
            .links(name)?
            .into_iter()
            .filter(|l| l.state == LinkState::Connected)
            .map(|l| (l.target_id, l.hr_id))
            .collect();
        let scope = RunScope {
            ctx: ctx.clone(),
            run_id,
            writes_before: self.executor.counters.writes.load(Ordering::Relaxed),
            options,
            linked,
            reader: Reader {
                connector: &self.connector,
                executor: self.executor,
                ctx: &ctx,
                site: CallSite::new(filter_of(&company), &["read", &ctx.integration, &ctx.today]),
                max_requests: read_cap,
            },
        };
        self.say(&format!("{} of {total} employees in scope; validating and mapping", work.len()));
        for w in &mut work {
            self.prepare(&scope.ctx, w).await;
        }
        let mut report = RunReport {
            run_id,
            integration: name.to_owned(),
            connector: self.connector.label(),
            dry_run: options.dry_run,
            status: "succeeded".into(),
            out_of_scope,
            employees: Vec::new(),
            requests_sent: 0,
            writes_sent: 0,
            recovered_writes: recovered.len(),
            error: None,
        };
        let to_sync = work.iter().filter(|w| w.mapped.is_some()).count();
        let mut state = TargetState::default();
        if to_sync > 0 {
            self.say(&format!("reading the target for {to_sync} employee(s)"));
            match scope.reader.read().await {
                Ok(s) => state = s,
                Err(e) => {
                    for w in work.iter_mut().filter(|w| w.mapped.is_some()) {
                        w.report.outcome =
                            Outcome::Failed { reason: "not synced: the target could not be read".into() };
                        w.mapped = None;
                    }
                    report.error = Some(company.scrub_all(&format!("could not read the target: {e:#}")));
                }
            }
        }
        let mut done = 0;
        for w in work.iter_mut() {
            if w.mapped.is_none() {
                continue;
            }
            done += 1;
            self.say(&format!(
                "[{done}/{to_sync}] {} {}",
                w.report.employee_number.as_deref().unwrap_or("-"),
                w.report.name
            ));
            self.sync_one(&scope, w, &mut state).await?;
        }
        if work.iter().any(|w| w.wrote) {
            self.verify(&scope, &mut work).await?;
        }
        report.requests_sent = self.executor.counters.requests.load(Ordering::Relaxed);
        report.writes_sent = self.executor.counters.writes.load(Ordering::Relaxed) - scope.writes_before;
        report.employees = work.into_iter().map(|w| w.report).collect();
        if report.error.is_some() {
            report.status = "failed".into();
        } else if report.count("failed") > 0 {
            report.status = "partial".into();
        }
        for e in &report.employees {
            store.record_outcome(
                run_id,
                &OutcomeRow {
                    hr_id: e.hr_id.clone(),
                    employee_number: e.employee_number.clone(),
                    name: Some(e.name.clone()),
                    outcome: e.outcome.name().into(),
                    detail: e.outcome.detail(),
                },
            )?;
        }
        store.finish_run(run_id, &report.status, &report.summary())?;
        Ok(report)
    }

    /// Validate and map one employee; on any problem set its outcome.
    async fn prepare(&self, ctx: &Context, w: &mut Work) {
        if let Some(link) = w.link.as_ref().filter(|l| l.state == LinkState::Disconnected) {
            w.report.outcome = Outcome::Skipped {
                reason: format!("disconnected from target employee {}; connect it again to sync", link.target_id),
            };
            return;
        }
        let mut issues = missing_fields(&w.employee, &self.connector.manifest.required_fields);
        match self.connector.validate(self.site(w, "validate"), ctx.clone(), w.employee.clone()).await {
            Ok(found) => issues.extend(found),
            Err(e) => {
                w.report.outcome = Outcome::Failed { reason: w.scrubber.scrub_all(&e.to_string()) };
                return;
            }
        }
        if issues.is_empty() {
            match self.connector.map_employee(self.site(w, "map-employee"), ctx.clone(), w.employee.clone()).await {
                Ok(Ok(mapped)) => w.mapped = Some(mapped),
                Ok(Err(found)) => issues.extend(found),
                Err(e) => {
                    w.report.outcome = Outcome::Failed { reason: w.scrubber.scrub_all(&e.to_string()) };
                    return;
                }
            }
        }
        if !issues.is_empty() {
            w.report.outcome = Outcome::Skipped { reason: issues_text(&issues, &w.scrubber) };
        }
    }

    fn taken_by_other<'s>(&'s self, scope: &'s RunScope<'_>, hr_id: &str) -> impl Fn(&str) -> bool + 's {
        let hr_id = hr_id.to_owned();
        move |target_id: &str| scope.linked.get(target_id).is_some_and(|other| *other != hr_id)
    }

    /// Why `target` cannot be used for `w`, if it cannot: its record could
    /// not be read, or the connector made its id from personal data.
    fn unusable_target(w: &Work, target: &TargetEmployee, state: &TargetState) -> Option<String> {
        if let Some(why) = state.unreadable(&target.target_id) {
            return Some(format!(
                "the target's record {} could not be read ({}); nothing was written",
                target.target_id,
                w.scrubber.scrub_all(why)
            ));
        }
        w.scrubber.touches(&target.target_id).then(|| {
            "the connector gives this employee a target id made of their personal data; refused, nothing was written"
                .to_owned()
        })
    }

    /// Whether this run may delete: the connector declares `delete` and the
    /// integration sets `allow_deletes`.
    fn deletes_allowed(&self) -> bool {
        self.integration.allow_deletes && self.connector.manifest.capabilities.iter().any(|c| c == "delete")
    }

    /// Diff, plan, guard and (unless dry) apply one mapped employee.
    async fn sync_one(&self, scope: &RunScope<'_>, w: &mut Work, state: &mut TargetState) -> Result<(), SyncError> {
        let Some(mapped) = w.mapped.clone() else {
            return Ok(());
        };
        let mut recoveries = 0;
        let mut first_changes: Option<Vec<FieldChange>> = None;
        let mut was_new: Option<bool> = None;
        loop {
            let taken = self.taken_by_other(scope, &w.employee.id);
            let found = matching::find(&mapped, w.link.as_ref(), &state.employees, &taken);
            let current = found.map(|(t, _)| t.clone());
            w.matched_by = found.map(|(_, by)| by);
            was_new.get_or_insert(current.is_none());
            if let Some(target) = &current
                && let Some(reason) = Self::unusable_target(w, target, state)
            {
                w.report.outcome = Outcome::Failed { reason };
                return Ok(());
            }
            w.report.target_id = current.as_ref().map(|t| t.target_id.clone());
            let changes = match self
                .connector
                .diff(self.site(w, "diff"), scope.ctx.clone(), mapped.records.clone(), current.clone())
                .await
            {
                Ok(c) => c,
                Err(e) => {
                    w.report.outcome = Outcome::Failed { reason: w.scrubber.scrub_all(&e.to_string()) };
                    return Ok(());
                }
            };
            w.report.changes = show_changes(&changes, &w.scrubber);
            if changes.is_empty() {
                w.report.outcome = match (w.wrote, &first_changes, was_new) {
                    (true, _, Some(true)) => Outcome::Created,
                    (true, Some(first), _) => Outcome::Updated { fields: changed_fields(first, &w.scrubber) },
                    _ => Outcome::Unchanged,
                };
                if let (false, Some(target), Some(by)) = (scope.options.dry_run, &current, w.matched_by)
                    && by != MatchedBy::Link
                {
                    self.store.connect(&self.integration.name, &w.employee.id, &target.target_id, by.as_str())?;
                }
                return Ok(());
            }
            if current.is_none()
                && let Some(likely) = matching::likely(&w.employee, &state.employees, &taken)
            {
                w.report.outcome = Outcome::Skipped {
                    reason: w.scrubber.scrub(&format!(
                        "not created: target employee {} ({} {}, born {}) looks like the same person; connect them with `paybridge links connect --integration {} {} {}` or correct the data",
                        likely.target_id,
                        likely.first_name.as_deref().unwrap_or(""),
                        likely.last_name.as_deref().unwrap_or(""),
                        likely.birth_date.as_deref().unwrap_or(""),
                        self.integration.name,
                        w.employee.employee_number.as_deref().unwrap_or(&w.employee.id),
                        likely.target_id
                    )),
                };
                return Ok(());
            }
            first_changes.get_or_insert_with(|| changes.clone());
            let ops = match self
                .connector
                .plan(self.site(w, "plan"), scope.ctx.clone(), mapped.clone(), current.clone(), changes.clone())
                .await
            {
                Ok(Ok(ops)) => ops,
                Ok(Err(e)) => {
                    w.report.outcome = Outcome::Failed {
                        reason: w.scrubber.scrub_all(&format!("connector could not plan ({}): {}", e.code, e.message)),
                    };
                    return Ok(());
                }
                Err(e) => {
                    w.report.outcome = Outcome::Failed { reason: w.scrubber.scrub_all(&e.to_string()) };
                    return Ok(());
                }
            };
            w.report.writes.extend(show_writes(&ops, &w.scrubber));
            if ops.is_empty() {
                w.report.outcome = Outcome::Failed {
                    reason: format!("{} field(s) differ but the connector planned no write for them", changes.len()),
                };
                return Ok(());
            }
            let own = current.as_ref().map(|t| t.target_id.as_str());
            let is_other =
                |id: &str| Some(id) != own && (taken(id) || state.employees.iter().any(|t| t.target_id == id));
            let guard = WriteScope { own, belongs_to_other: &is_other, deletes_allowed: self.deletes_allowed() };
            if let Err(reason) = guard.check_all(&ops) {
                w.report.outcome = Outcome::Failed { reason: w.scrubber.scrub(&reason) };
                return Ok(());
            }
            if scope.options.dry_run {
                w.report.outcome = Outcome::Planned { writes: ops.len() };
                return Ok(());
            }
            match self.apply(scope, w, &ops).await? {
                Applied::Done => {
                    w.wrote = true;
                    w.report.outcome = if was_new == Some(true) {
                        Outcome::Created
                    } else {
                        Outcome::Updated {
                            fields: changed_fields(first_changes.as_deref().unwrap_or(&changes), &w.scrubber),
                        }
                    };
                    return Ok(());
                }
                Applied::Failed(reason) => {
                    w.report.outcome = Outcome::Failed { reason };
                    return Ok(());
                }
                Applied::Conflict(reason) | Applied::Unknown(reason) if recoveries < MAX_RECOVERIES => {
                    recoveries += 1;
                    w.wrote = true;
                    self.say(&format!("  {reason}; re-reading this employee in the target before planning again"));
                    let mut ids: Vec<&str> = own.into_iter().collect();
                    ids.extend(mapped.employee_number.as_deref());
                    let own_ids: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
                    let own_ids: Vec<&str> = own_ids.iter().map(String::as_str).collect();
                    if let Err(e) = scope.reader.refresh(state, &own_ids).await {
                        w.report.outcome = Outcome::Failed {
                            reason: w.scrubber.scrub_all(&format!("{reason}, and re-reading failed: {e:#}")),
                        };
                        return Ok(());
                    }
                    w.report.writes.clear();
                }
                Applied::Conflict(reason) | Applied::Unknown(reason) => {
                    w.report.outcome = Outcome::Failed {
                        reason: format!("{reason}; still unsettled after {MAX_RECOVERIES} re-reads"),
                    };
                    return Ok(());
                }
            }
        }
    }

    /// How `op` may be resent: as it is when the target applies it once
    /// however often it arrives (PUT, DELETE, or an update of a connector
    /// that declares `idempotent-updates`), otherwise only when unapplied.
    fn resend_of(&self, op: &PlannedOperation) -> Resend {
        let idempotent_update = op.kind == OperationKind::Update
            && self.connector.manifest.capabilities.iter().any(|c| c == "idempotent-updates");
        if matches!(op.request.method, HttpMethod::Put | HttpMethod::Delete) || idempotent_update {
            Resend::Safe
        } else {
            Resend::OnlyIfUnapplied
        }
    }

    /// Send the planned writes in order, journalling each.
    async fn apply(&self, scope: &RunScope<'_>, w: &Work, ops: &[PlannedOperation]) -> Result<Applied, SyncError> {
        for op in ops {
            let method = method_name(op.request.method);
            let path = w.scrubber.scrub(&op.request.path);
            let body = op.request.body.as_deref().map(|b| w.scrubber.scrub_json(b, &op.sensitive_paths));
            let entry = self.store.journal_pending(&PendingWrite {
                run_id: scope.run_id,
                integration: &self.integration.name,
                hr_id: &w.employee.id,
                operation: operation_name(op.kind),
                method,
                path: &path,
                body_redacted: body.as_deref(),
            })?;
            let sent = self.executor.send(&op.request, self.resend_of(op)).await;
            let writes = self.executor.counters.writes.load(Ordering::Relaxed) - scope.writes_before;
            if scope.options.halt_after_writes.is_some_and(|limit| writes >= limit) {
                return Err(SyncError::Halted(writes));
            }
            match sent {
                Ok(r) if (200..300).contains(&r.status) => {
                    self.store.journal_settle(entry, true, Some(r.status), "")?;
                }
                Ok(r) if r.status == 409 && op.kind == OperationKind::Create => {
                    let detail = format!("{method} {path} answered 409: it exists already");
                    self.store.journal_settle(entry, false, Some(409), &detail)?;
                    return Ok(Applied::Conflict(detail));
                }
                Ok(r) if r.status >= 500 => {
                    let detail = format!(
                        "{method} {path} answered {}: the target may or may not have applied it ({})",
                        r.status,
                        excerpt(&r.body, &w.scrubber)
                    );
                    self.store.journal_settle_unknown(entry, Some(r.status), &detail)?;
                    return Ok(Applied::Unknown(detail));
                }
                Ok(r) => {
                    let detail = format!("{method} {path} answered {}: {}", r.status, excerpt(&r.body, &w.scrubber));
                    self.store.journal_settle(entry, false, Some(r.status), &detail)?;
                    return Ok(Applied::Failed(detail));
                }
                Err(e) if e.maybe_applied() => {
                    let detail = w.scrubber.scrub_all(&format!("{e}; the target may or may not have applied it"));
                    self.store.journal_settle_unknown(entry, None, &detail)?;
                    return Ok(Applied::Unknown(detail));
                }
                Err(e) => {
                    let detail = w.scrubber.scrub_all(&e.to_string());
                    self.store.journal_settle(entry, false, None, &detail)?;
                    return Ok(Applied::Failed(detail));
                }
            }
        }
        Ok(Applied::Done)
    }

    /// Read the target again; every employee written must now diff empty.
    /// Where it does not and passes remain, plan again against what the
    /// target now holds and apply: a target that makes its own ids (the
    /// create returns one) gets its sub-resources in the second pass.
    async fn verify(&self, scope: &RunScope<'_>, work: &mut [Work]) -> Result<(), SyncError> {
        // A write that ended failed keeps its reason; the next run re-reads it.
        let settled_failed = |w: &Work| matches!(w.report.outcome, Outcome::Failed { .. });
        let mut pending: Vec<usize> = (0..work.len()).filter(|&i| work[i].wrote && !settled_failed(&work[i])).collect();
        for pass in 1..=MAX_PASSES {
            if pending.is_empty() {
                break;
            }
            self.say(&format!("verifying {} written employee(s): reading the target again", pending.len()));
            let fresh = match scope.reader.read().await {
                Ok(t) => t,
                Err(e) => {
                    for &i in &pending {
                        let reason =
                            work[i].scrubber.scrub_all(&format!("written, but the verifying read failed: {e:#}"));
                        work[i].report.outcome = Outcome::Failed { reason };
                    }
                    return Ok(());
                }
            };
            let mut again = Vec::new();
            for i in pending {
                let w = &mut work[i];
                let Some(mapped) = w.mapped.clone() else {
                    continue;
                };
                let taken = self.taken_by_other(scope, &w.employee.id);
                let Some((target, by)) = matching::find(&mapped, w.link.as_ref(), &fresh.employees, &taken) else {
                    w.report.outcome = Outcome::Failed {
                        reason: "written, but the target does not show the employee afterwards".into(),
                    };
                    continue;
                };
                let target = target.clone();
                if let Some(reason) = Self::unusable_target(w, &target, &fresh) {
                    w.report.outcome = Outcome::Failed { reason: format!("written, but {reason}") };
                    continue;
                }
                let remaining = match self
                    .connector
                    .diff(self.site(w, "diff"), scope.ctx.clone(), mapped.records.clone(), Some(target.clone()))
                    .await
                {
                    Ok(c) => c,
                    Err(e) => {
                        w.report.outcome = Outcome::Failed {
                            reason: w.scrubber.scrub_all(&format!("written, but verifying failed: {e}")),
                        };
                        continue;
                    }
                };
                if remaining.is_empty() {
                    self.settle_link(w, &target, by, &mapped)?;
                    continue;
                }
                if pass == MAX_PASSES {
                    w.report.outcome = Outcome::Failed {
                        reason: format!(
                            "written, but after {MAX_PASSES} passes the target still differs in: {}",
                            changed_fields(&remaining, &w.scrubber).join(", ")
                        ),
                    };
                    continue;
                }
                let ops = match self
                    .connector
                    .plan(
                        self.site(w, "plan"),
                        scope.ctx.clone(),
                        mapped.clone(),
                        Some(target.clone()),
                        remaining.clone(),
                    )
                    .await
                {
                    Ok(Ok(ops)) if !ops.is_empty() => ops,
                    Ok(Ok(_)) => {
                        w.report.outcome = Outcome::Failed {
                            reason: format!(
                                "written, but {} field(s) still differ and the connector planned nothing more",
                                remaining.len()
                            ),
                        };
                        continue;
                    }
                    Ok(Err(e)) => {
                        w.report.outcome = Outcome::Failed {
                            reason: w
                                .scrubber
                                .scrub_all(&format!("connector could not plan ({}): {}", e.code, e.message)),
                        };
                        continue;
                    }
                    Err(e) => {
                        w.report.outcome = Outcome::Failed { reason: w.scrubber.scrub_all(&e.to_string()) };
                        continue;
                    }
                };
                let own = Some(target.target_id.as_str());
                let is_other =
                    |id: &str| Some(id) != own && (taken(id) || fresh.employees.iter().any(|t| t.target_id == id));
                let guard = WriteScope { own, belongs_to_other: &is_other, deletes_allowed: self.deletes_allowed() };
                if let Err(reason) = guard.check_all(&ops) {
                    w.report.outcome = Outcome::Failed { reason: w.scrubber.scrub(&reason) };
                    continue;
                }
                w.report.writes.extend(show_writes(&ops, &w.scrubber));
                match self.apply(scope, w, &ops).await? {
                    Applied::Done => again.push(i),
                    Applied::Failed(reason) | Applied::Conflict(reason) | Applied::Unknown(reason) => {
                        w.report.outcome = Outcome::Failed { reason };
                    }
                }
            }
            pending = again;
        }
        Ok(())
    }

    /// A written employee verified: store its link and last-synced records.
    fn settle_link(
        &self,
        w: &mut Work,
        target: &TargetEmployee,
        by: MatchedBy,
        mapped: &MappedEmployee,
    ) -> Result<(), SyncError> {
        let how = match (&w.report.outcome, w.matched_by) {
            (Outcome::Created, _) => "created",
            (_, Some(by)) => by.as_str(),
            _ => "link",
        };
        w.report.target_id = Some(target.target_id.clone());
        if by != MatchedBy::Link || w.link.is_none() {
            self.store.connect(&self.integration.name, &w.employee.id, &target.target_id, how)?;
        }
        let snapshot = serde_json::to_string(&mapped.records).map_err(anyhow::Error::from)?;
        self.store.save_snapshot(&self.integration.name, &w.employee.id, &snapshot)?;
        Ok(())
    }
}
