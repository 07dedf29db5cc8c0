//! One run of one integration: scope → validate → map → read the target →
//! match → diff → plan → apply → verify → per-employee outcomes.
//!
//! Invariants: an employee that fails (bad data, a crashing connector
//! call, an HTTP error) fails alone and the others carry on; a dry run
//! sends no write; every write is journalled before it is sent and settled
//! after; a create is only planned after reading the target and matching,
//! so a run that follows a crash does not create twice; a 409 on create
//! leads to matching and updating, never to a second employee; after
//! writing, the target is read again and the diff must be empty.

use super::matching::{self, MatchedBy};
use super::outcome::{EmployeeReport, Outcome, RunReport, changed_fields, show_changes, show_writes};
use super::read::read_target;
use super::redact::{mask_digit_runs, redact_json};
use super::required::missing_fields;
use crate::config::IntegrationConfig;
use crate::http::Executor;
use crate::http::executor::method_name;
use crate::runtime::LoadedConnector;
use crate::runtime::types::{
    Context, Employee, FieldChange, MappedEmployee, OperationKind, PlannedOperation, TargetEmployee, ValidationIssue,
};
use crate::store::Store;
use crate::store::journal::PendingWrite;
use crate::store::links::{Link, LinkState};
use crate::store::runs::OutcomeRow;
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
    mapped: Option<MappedEmployee>,
    link: Option<Link>,
    matched_by: Option<MatchedBy>,
    wrote: bool,
    report: EmployeeReport,
}

fn full_name(e: &Employee) -> String {
    [e.first_name.as_deref(), e.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ")
}

fn issues_text(issues: &[ValidationIssue]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for i in issues {
        if !seen.contains(&i.message.as_str()) {
            seen.push(&i.message);
        }
    }
    seen.join("; ")
}

/// What a target said in an error body, for a person: RFC 7807 problem
/// details as "title: detail", a `{message}` body as its message, anything
/// else as a short excerpt. Long digit runs are masked.
fn excerpt(body: &str) -> String {
    let text = match serde_json::from_str::<serde_json::Value>(body) {
        Ok(v) => {
            let field = |k: &str| v.get(k).and_then(|x| x.as_str()).filter(|x| !x.is_empty());
            let parts: Vec<&str> = [field("title"), field("detail"), field("message")].into_iter().flatten().collect();
            if parts.is_empty() { body.to_owned() } else { parts.join(": ") }
        }
        Err(_) => body.to_owned(),
    };
    let text: String = text.chars().take(200).collect();
    mask_digit_runs(text.trim())
}

impl SyncJob<'_> {
    fn ctx(&self) -> Context {
        self.integration.context(&self.today)
    }

    fn say(&self, line: &str) {
        if let Some(progress) = self.progress {
            progress(line);
        }
    }

    /// Run the pipeline once.
    pub async fn run(&self, options: &SyncOptions) -> Result<RunReport, SyncError> {
        let name = self.integration.name.as_str();
        let store = self.store;
        store.mark_interrupted_runs(name)?;
        let recovered = store.journal_recover(name)?;
        if !recovered.is_empty() {
            tracing::warn!(
                entries = recovered.len(),
                "writes of an interrupted run have no recorded outcome; the target is read and matched before any new write"
            );
        }
        let run_id = store.start_run(name, &self.connector.label(), options.dry_run)?;
        let ctx = self.ctx();
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
                employee,
                mapped: None,
                link,
                matched_by: None,
                wrote: false,
            });
        }
        self.say(&format!("{} of {total} employees in scope; validating and mapping", work.len()));
        for w in &mut work {
            self.prepare(&ctx, w).await;
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
        let mut targets = Vec::new();
        if to_sync > 0 {
            self.say(&format!("reading the target for {to_sync} employee(s)"));
            match read_target(&self.connector, self.executor, &ctx).await {
                Ok(t) => targets = t,
                Err(e) => {
                    for w in work.iter_mut().filter(|w| w.mapped.is_some()) {
                        w.report.outcome =
                            Outcome::Failed { reason: "not synced: the target could not be read".into() };
                        w.mapped = None;
                    }
                    report.error = Some(format!("could not read the target: {e:#}"));
                }
            }
        }
        let writes_before = self.executor.counters.writes.load(Ordering::Relaxed);
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
            self.sync_one(&ctx, w, &mut targets, options, run_id, writes_before).await?;
        }
        if work.iter().any(|w| w.wrote) {
            self.verify(&ctx, &mut work, options, run_id, writes_before).await?;
        }
        report.requests_sent = self.executor.counters.requests.load(Ordering::Relaxed);
        report.writes_sent = self.executor.counters.writes.load(Ordering::Relaxed) - writes_before;
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
        match self.connector.validate(ctx.clone(), w.employee.clone()).await {
            Ok(found) => issues.extend(found),
            Err(e) => {
                w.report.outcome = Outcome::Failed { reason: e.to_string() };
                return;
            }
        }
        if issues.is_empty() {
            match self.connector.map_employee(ctx.clone(), w.employee.clone()).await {
                Ok(Ok(mapped)) => w.mapped = Some(mapped),
                Ok(Err(found)) => issues.extend(found),
                Err(e) => {
                    w.report.outcome = Outcome::Failed { reason: e.to_string() };
                    return;
                }
            }
        }
        if !issues.is_empty() {
            w.report.outcome = Outcome::Skipped { reason: issues_text(&issues) };
        }
    }

    fn taken_by_other(&self, hr_id: &str) -> impl Fn(&str) -> bool + '_ {
        let hr_id = hr_id.to_owned();
        move |target_id: &str| matches!(self.store.linked_hr_id(&self.integration.name, target_id), Ok(Some(other)) if other != hr_id)
    }

    /// Diff, plan and (unless dry) apply one mapped employee.
    async fn sync_one(
        &self,
        ctx: &Context,
        w: &mut Work,
        targets: &mut Vec<TargetEmployee>,
        options: &SyncOptions,
        run_id: i64,
        writes_before: u64,
    ) -> Result<(), SyncError> {
        let Some(mapped) = w.mapped.clone() else {
            return Ok(());
        };
        let mut conflict_seen = false;
        let mut first_changes: Option<Vec<FieldChange>> = None;
        loop {
            let taken = self.taken_by_other(&w.employee.id);
            let found = matching::find(&mapped, w.link.as_ref(), targets, &taken);
            let current = found.map(|(t, _)| t.clone());
            w.matched_by = found.map(|(_, by)| by);
            w.report.target_id = current.as_ref().map(|t| t.target_id.clone());
            let changes = match self.connector.diff(ctx.clone(), mapped.records.clone(), current.clone()).await {
                Ok(c) => c,
                Err(e) => {
                    w.report.outcome = Outcome::Failed { reason: e.to_string() };
                    return Ok(());
                }
            };
            w.report.changes = show_changes(&changes);
            if changes.is_empty() {
                w.report.outcome = match (w.wrote, &first_changes) {
                    (true, Some(first)) => Outcome::Updated { fields: changed_fields(first) },
                    _ => Outcome::Unchanged,
                };
                if let (false, Some(target), Some(by)) = (options.dry_run, &current, w.matched_by)
                    && by != MatchedBy::Link
                {
                    self.store.connect(&self.integration.name, &w.employee.id, &target.target_id, by.as_str())?;
                }
                return Ok(());
            }
            if current.is_none()
                && let Some(likely) = matching::likely(&w.employee, targets, &taken)
            {
                w.report.outcome = Outcome::Skipped {
                    reason: format!(
                        "not created: target employee {} ({} {}, born {}) looks like the same person; connect them with `paybridge links connect --integration {} {} {}` or correct the data",
                        likely.target_id,
                        likely.first_name.as_deref().unwrap_or(""),
                        likely.last_name.as_deref().unwrap_or(""),
                        likely.birth_date.as_deref().unwrap_or(""),
                        self.integration.name,
                        w.employee.employee_number.as_deref().unwrap_or(&w.employee.id),
                        likely.target_id
                    ),
                };
                return Ok(());
            }
            first_changes.get_or_insert_with(|| changes.clone());
            let ops = match self.connector.plan(ctx.clone(), mapped.clone(), current.clone(), changes.clone()).await {
                Ok(Ok(ops)) => ops,
                Ok(Err(e)) => {
                    w.report.outcome =
                        Outcome::Failed { reason: format!("connector could not plan ({}): {}", e.code, e.message) };
                    return Ok(());
                }
                Err(e) => {
                    w.report.outcome = Outcome::Failed { reason: e.to_string() };
                    return Ok(());
                }
            };
            w.report.writes.extend(show_writes(&ops));
            if ops.is_empty() {
                w.report.outcome = Outcome::Failed {
                    reason: format!("{} field(s) differ but the connector planned no write for them", changes.len()),
                };
                return Ok(());
            }
            if options.dry_run {
                w.report.outcome = Outcome::Planned { writes: ops.len() };
                return Ok(());
            }
            match self.apply(w, &ops, options, run_id, writes_before).await? {
                Applied::Done => {
                    w.wrote = true;
                    w.report.outcome = if current.is_none() {
                        Outcome::Created
                    } else {
                        Outcome::Updated { fields: changed_fields(first_changes.as_deref().unwrap_or(&changes)) }
                    };
                    return Ok(());
                }
                Applied::Failed(reason) => {
                    w.report.outcome = Outcome::Failed { reason };
                    return Ok(());
                }
                Applied::Conflict(reason) if !conflict_seen => {
                    conflict_seen = true;
                    self.say(&format!("  {reason}; re-reading the target to match instead of creating"));
                    match read_target(&self.connector, self.executor, ctx).await {
                        Ok(fresh) => *targets = fresh,
                        Err(e) => {
                            w.report.outcome =
                                Outcome::Failed { reason: format!("{reason}, and re-reading failed: {e:#}") };
                            return Ok(());
                        }
                    }
                    let taken = self.taken_by_other(&w.employee.id);
                    if matching::find(&mapped, None, targets, &taken).is_none() {
                        w.report.outcome = Outcome::Failed {
                            reason: format!(
                                "{reason}, but no target employee matches by employee number or national id"
                            ),
                        };
                        return Ok(());
                    }
                    w.report.writes.clear();
                    first_changes = None;
                }
                Applied::Conflict(reason) => {
                    w.report.outcome = Outcome::Failed { reason: format!("{reason} again after matching") };
                    return Ok(());
                }
            }
        }
    }

    /// Send the planned writes in order, journalling each.
    async fn apply(
        &self,
        w: &Work,
        ops: &[PlannedOperation],
        options: &SyncOptions,
        run_id: i64,
        writes_before: u64,
    ) -> Result<Applied, SyncError> {
        for op in ops {
            let method = method_name(op.request.method);
            let body = op.request.body.as_deref().map(|b| redact_json(b, &op.sensitive_paths));
            let operation = match op.kind {
                OperationKind::Create => "create",
                OperationKind::Update => "update",
                OperationKind::Delete => "delete",
            };
            let entry = self.store.journal_pending(&PendingWrite {
                run_id,
                integration: &self.integration.name,
                hr_id: &w.employee.id,
                operation,
                method,
                path: &op.request.path,
                body_redacted: body.as_deref(),
            })?;
            let sent = self.executor.send(&op.request).await;
            let writes = self.executor.counters.writes.load(Ordering::Relaxed) - writes_before;
            if options.halt_after_writes.is_some_and(|limit| writes >= limit) {
                return Err(SyncError::Halted(writes));
            }
            match sent {
                Ok(r) if (200..300).contains(&r.status) => {
                    self.store.journal_settle(entry, true, Some(r.status), "")?;
                }
                Ok(r) if r.status == 409 && op.kind == OperationKind::Create => {
                    let detail = format!("{method} {} answered 409: it exists already", op.request.path);
                    self.store.journal_settle(entry, false, Some(409), &detail)?;
                    return Ok(Applied::Conflict(detail));
                }
                Ok(r) => {
                    let detail = format!("{method} {} answered {}: {}", op.request.path, r.status, excerpt(&r.body));
                    self.store.journal_settle(entry, false, Some(r.status), &detail)?;
                    return Ok(Applied::Failed(detail));
                }
                Err(e) => {
                    let detail = e.to_string();
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
    async fn verify(
        &self,
        ctx: &Context,
        work: &mut [Work],
        options: &SyncOptions,
        run_id: i64,
        writes_before: u64,
    ) -> Result<(), SyncError> {
        let mut pending: Vec<usize> = (0..work.len()).filter(|&i| work[i].wrote).collect();
        for pass in 1..=MAX_PASSES {
            if pending.is_empty() {
                break;
            }
            self.say(&format!("verifying {} written employee(s): reading the target again", pending.len()));
            let fresh = match read_target(&self.connector, self.executor, ctx).await {
                Ok(t) => t,
                Err(e) => {
                    for &i in &pending {
                        work[i].report.outcome =
                            Outcome::Failed { reason: format!("written, but the verifying read failed: {e:#}") };
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
                let taken = self.taken_by_other(&w.employee.id);
                let Some((target, by)) = matching::find(&mapped, w.link.as_ref(), &fresh, &taken) else {
                    w.report.outcome = Outcome::Failed {
                        reason: "written, but the target does not show the employee afterwards".into(),
                    };
                    continue;
                };
                let target = target.clone();
                let remaining =
                    match self.connector.diff(ctx.clone(), mapped.records.clone(), Some(target.clone())).await {
                        Ok(c) => c,
                        Err(e) => {
                            w.report.outcome =
                                Outcome::Failed { reason: format!("written, but verifying failed: {e}") };
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
                            changed_fields(&remaining).join(", ")
                        ),
                    };
                    continue;
                }
                let ops = match self
                    .connector
                    .plan(ctx.clone(), mapped.clone(), Some(target.clone()), remaining.clone())
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
                        w.report.outcome =
                            Outcome::Failed { reason: format!("connector could not plan ({}): {}", e.code, e.message) };
                        continue;
                    }
                    Err(e) => {
                        w.report.outcome = Outcome::Failed { reason: e.to_string() };
                        continue;
                    }
                };
                w.report.writes.extend(show_writes(&ops));
                match self.apply(w, &ops, options, run_id, writes_before).await? {
                    Applied::Done => again.push(i),
                    Applied::Failed(reason) | Applied::Conflict(reason) => {
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

/// Apply-and-verify passes per run: one is enough when the client chooses
/// ids; a target that makes its own ids needs a second for sub-resources.
const MAX_PASSES: usize = 3;

enum Applied {
    Done,
    Failed(String),
    Conflict(String),
}
