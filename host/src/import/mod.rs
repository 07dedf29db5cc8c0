//! The import direction (two-way targets such as Kontek): what the target
//! holds, turned by the connector into HR fields (`import-employees`),
//! checked by the host, matched to HR employees, filtered by per-field
//! ownership ([`ownership`]) and written into AlexisHR
//! ([`crate::source::writeback`]), with the same dry run, journal and
//! check after writing as the export direction.
//!
//! Steps of one import run, under the integration's run lock:
//! 1. read the HR source (so "what HR holds" is current);
//! 2. read the target (the connector's read steps) and ask the connector
//!    what HR should hold, in batches;
//! 3. refuse what a connector may not say: a target id the read did not
//!    return, an HR field the host does not know, an over-long value or
//!    one with control characters (that employee fails, with the reason);
//! 4. find the HR employee, among those in the integration's scope: by the
//!    stored link (a linked target whose HR employee is gone or out of
//!    scope is left alone), else by the employee number, else the national
//!    id the *read* gave that target employee (the claim export matching
//!    uses too), each only when exactly one HR employee not linked to
//!    another target has it; the update's own `hr-id` and
//!    `employee-number` are not trusted. A match is linked after the run;
//! 5. per field: compare, apply ownership (an empty target value never
//!    clears HR; HR's empty fields are filled only before the first link),
//!    leave out what AlexisHR cannot hold (reported);
//! 6. dry run: report the plan. Else journal each update (sensitive values
//!    masked), send it, settle it, and check the answer holds each value;
//! 7. read the HR source again, so the next export sees what was written.
//!
//! Echoes settle by value: a value the import wrote into HR is what the
//! target holds, so the next export finds nothing to send, and a value an
//! export sent is what HR holds, so the next import finds nothing to write.

pub mod ownership;

use crate::app::App;
use crate::config::HrSource;
use crate::http::Secrets;
use crate::model::hr::Employee;
use crate::privacy::mask::mask;
use crate::runtime::connector::CallSite;
use crate::runtime::types::{Direction, HrUpdate, TargetEmployee};
use crate::source::alexishr::AlexisHr;
use crate::source::writeback::{self, HrWrite};
use crate::store::journal::PendingWrite;
use crate::sync::context::{company_filter, connector_context};
use crate::sync::outcome::ShownChange;
use crate::sync::read::Reader;
use anyhow::{Context as _, bail};
use ownership::{Owner, decide, owner};
use serde::Serialize;
use std::collections::HashMap;

/// Target employees handed to one `import-employees` call.
const IMPORT_BATCH: usize = 200;

/// Longest value an import may carry.
const MAX_VALUE_CHARS: usize = 512;

/// HR fields always masked in reports and the journal, whatever the
/// connector says.
const SENSITIVE: &[&str] = &["ssn", "bankAccount.clearing", "bankAccount.number", "bankAccount.iban"];

/// How an import behaves.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Show the plan; write nothing into HR.
    pub dry_run: bool,
}

/// One employee's line in an import report.
#[derive(Debug, Clone, Serialize)]
pub struct ImportedEmployee {
    /// HR id.
    pub hr_id: String,
    /// Employee number in HR.
    pub employee_number: Option<String>,
    /// First and last name in HR.
    pub name: String,
    /// The target's id.
    pub target_id: String,
    /// updated, unchanged, planned, failed.
    pub outcome: String,
    /// Fields written (or planned), masked where sensitive.
    pub changes: Vec<ShownChange>,
    /// Fields where the target differs and HR's value stands (HR owns them).
    pub kept: Vec<String>,
    /// Fields the target gives that AlexisHR cannot hold.
    pub not_writable: Vec<String>,
    /// Why it failed.
    pub reason: Option<String>,
}

/// What an import run did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// Run number.
    pub run_id: i64,
    /// Integration.
    pub integration: String,
    /// Whether nothing was written.
    pub dry_run: bool,
    /// succeeded, partial, failed.
    pub status: String,
    /// Why the run failed as a whole.
    pub error: Option<String>,
    /// Each matched employee.
    pub employees: Vec<ImportedEmployee>,
    /// Target employees with no HR employee (target id and number).
    pub not_in_hr: Vec<String>,
}

/// One checked field of an update: HR name, value, sensitive.
struct Incoming {
    field: String,
    value: String,
    sensitive: bool,
}

/// Check what a connector says HR should hold for one target employee.
fn checked(update: &HrUpdate) -> Result<Vec<Incoming>, String> {
    let mut fields = Vec::new();
    for f in &update.fields {
        if !writeback::is_known_field(&f.name) {
            return Err(format!(
                "the connector named {:?}, which is no HR field the import writes",
                f.name.escape_debug().to_string()
            ));
        }
        if f.value.chars().count() > MAX_VALUE_CHARS || f.value.chars().any(char::is_control) {
            return Err(format!(
                "the connector gave {} a value over {MAX_VALUE_CHARS} characters or with control characters",
                f.name
            ));
        }
        if fields.iter().any(|i: &Incoming| i.field == f.name) {
            return Err(format!("the connector named {} twice", f.name));
        }
        let sensitive = f.sensitive || SENSITIVE.contains(&f.name.as_str());
        fields.push(Incoming { field: f.name.clone(), value: f.value.trim().to_owned(), sensitive });
    }
    Ok(fields)
}

/// What a national id is compared by: a Swedish personnummer's long form
/// (`811218-9876` and `19811218-9876` are one; `121212+1212` is born in
/// 1912, not 2012), else its digits (at least ten); none for anything
/// shorter.
fn national_key(value: &str, today: &str) -> Option<String> {
    if let Ok(number) = connector_kit::personnummer::parse_swedish(value, today) {
        return Some(number.long());
    }
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 10).then_some(digits)
}

/// The one HR employee of `candidates`, none, or a refusal for several.
fn only(candidates: Vec<&Employee>) -> Result<Option<&Employee>, &'static str> {
    match candidates.as_slice() {
        [one] => Ok(Some(*one)),
        [] => Ok(None),
        _ => Err("several HR employees match it"),
    }
}

fn shown(field: &str, before: &str, after: &str, sensitive: bool) -> ShownChange {
    let show = |v: &str| {
        if v.is_empty() {
            "(none)".to_owned()
        } else if sensitive {
            mask(v)
        } else {
            v.to_owned()
        }
    };
    ShownChange { record: "HR".into(), field: field.to_owned(), before: show(before), after: show(after) }
}

/// A write's body with sensitive values masked, for the journal.
fn redacted(write: &HrWrite, incoming: &[Incoming]) -> String {
    let paths: Vec<String> = incoming
        .iter()
        .filter(|i| i.sensitive && write.fields.contains(&i.field))
        .map(|i| i.field.trim_start_matches("employment.").to_owned())
        .collect();
    crate::privacy::mask::redact_json(&write.body.to_string(), &paths)
}

impl App {
    /// Import from `name`'s target into HR (see the module docs).
    /// `secrets` are the target's (from the environment when `None`),
    /// `hr_token` AlexisHR's (likewise).
    pub async fn import_from_target(
        &self,
        name: &str,
        options: &ImportOptions,
        secrets: Option<Secrets>,
        hr_token: Option<String>,
    ) -> anyhow::Result<ImportReport> {
        let HrSource::AlexisHr(hr_config) = self.config.hr_source()? else {
            bail!("the import writes into HR through the AlexisHR API: configure [alexishr] instead of hr_snapshot");
        };
        let hr = match hr_token.clone() {
            Some(token) => AlexisHr::new(hr_config, token)?,
            None => AlexisHr::from_env(hr_config)?,
        };
        let (integration, connector, executor) = self.open_integration(name, secrets)?;
        ownership::check(integration)?;
        if !connector.manifest.directions.contains(&Direction::TargetToHr) {
            bail!(
                "connector {} {} only exports: it declares no target-to-hr direction",
                connector.manifest.name,
                connector.manifest.version
            );
        }
        let _lock = self.store.lock_run(name).map_err(|e| anyhow::anyhow!("{e}"))?;
        self.import_hr_with(hr_token.clone()).await.context("reading HR before the import")?;
        let employees: Vec<Employee> =
            self.store.current_employees()?.into_iter().filter(|e| integration.scope.decide(e).is_ok()).collect();
        let today = self.today()?;
        let ctx = connector_context(integration, &today);
        let reader = Reader {
            connector: &connector,
            executor: &executor,
            ctx: &ctx,
            site: CallSite::new(company_filter(employees.iter()), &["import-read", name, &today])
                .with_budget(integration.call_budget()),
            max_requests: integration.read_cap(employees.len()),
        };
        let run_id = self.store.start_run(name, &connector.manifest.name, options.dry_run)?;
        let result = async {
            let state = reader.read().await.context("reading the target")?;
            let current: Vec<TargetEmployee> = state.employees().map(|t| TargetEmployee::from(&t)).collect();
            let mut updates = Vec::new();
            for chunk in current.chunks(IMPORT_BATCH) {
                let site = CallSite::new(company_filter(employees.iter()), &["import-employees", name, &today])
                    .with_budget(integration.call_budget());
                let answer = connector.import_employees(site, ctx.clone(), chunk.to_vec()).await;
                let answer = answer.map_err(|e| anyhow::anyhow!("the connector's import step failed: {e}"))?;
                if answer.len() > chunk.len() {
                    bail!(
                        "the connector's import step answered {} updates for {} target employees; refused",
                        answer.len(),
                        chunk.len()
                    );
                }
                updates.extend(answer);
            }
            let targets: HashMap<String, (Option<String>, Option<String>)> =
                current.into_iter().map(|t| (t.target_id, (t.employee_number, t.national_id))).collect();
            Ok::<_, anyhow::Error>((updates, targets))
        }
        .await;
        let (updates, targets) = match result {
            Ok(found) => found,
            Err(e) => {
                self.store.finish_run(run_id, "failed", &format!("{e:#}"))?;
                return Err(e);
            }
        };
        let mut report = ImportReport {
            run_id,
            integration: name.to_owned(),
            dry_run: options.dry_run,
            status: "succeeded".into(),
            error: None,
            employees: Vec::new(),
            not_in_hr: Vec::new(),
        };
        let by_id: HashMap<&str, &Employee> = employees.iter().map(|e| (e.id.as_str(), e)).collect();
        let links = self.store.connected_targets(name)?;
        let linked_hr: std::collections::HashSet<&str> = links.values().map(String::as_str).collect();
        // The HR employees not linked to a target, by employee number and by
        // national id: one lookup per update, not a scan of the company.
        let mut by_number: HashMap<&str, Vec<&Employee>> = HashMap::new();
        let mut by_national_id: HashMap<String, Vec<&Employee>> = HashMap::new();
        for e in employees.iter().filter(|e| !linked_hr.contains(e.id.as_str())) {
            if let Some(number) = e.employee_number.as_deref() {
                by_number.entry(number).or_default().push(e);
            }
            if let Some(key) = e.ssn.as_deref().and_then(|ssn| national_key(ssn, &today)) {
                by_national_id.entry(key).or_default().push(e);
            }
        }
        let mut wrote = false;
        let mut taken = std::collections::HashSet::new();
        // Target ids come from the connector: shown without control
        // characters and without any national id or bank number HR holds.
        let scrub = company_filter(employees.iter());
        for update in &updates {
            let shown_id = scrub(&crate::privacy::scrubber::without_controls(&update.target_id));
            let Some((number, national_id)) = targets.get(&update.target_id) else {
                report.not_in_hr.push(format!("{shown_id} (refused: not a target employee the read returned)"));
                continue;
            };
            let linked = links.get(&update.target_id);
            let found = match linked {
                Some(hr_id) => {
                    by_id.get(hr_id.as_str()).copied().ok_or("its linked HR employee is gone or out of scope")
                }
                None => {
                    let numbered = number.as_deref().and_then(|n| by_number.get(n));
                    match only(numbered.cloned().unwrap_or_default()) {
                        Ok(None) => {
                            let key = national_id.as_deref().and_then(|n| national_key(n, &today));
                            let identified = key.and_then(|k| by_national_id.get(&k));
                            only(identified.cloned().unwrap_or_default())
                                .and_then(|e| e.ok_or("no HR employee matches it"))
                        }
                        other => other.and_then(|e| e.ok_or("no HR employee matches it")),
                    }
                }
            };
            let employee = match found {
                Ok(employee) => employee,
                Err(why) => {
                    let number = number.as_deref().unwrap_or("-");
                    report.not_in_hr.push(format!("{shown_id} (employee number {number}): {why}"));
                    continue;
                }
            };
            if !taken.insert(employee.id.clone()) {
                report.not_in_hr.push(format!("{shown_id} (refused: a second update of one HR employee in one run)"));
                continue;
            }
            let is_linked = linked.is_some();
            let mut line =
                self.import_one(integration, &hr, run_id, employee, update, is_linked, options.dry_run).await;
            line.reason = line.reason.map(|r| scrub(&r));
            if !options.dry_run && !is_linked && line.outcome != "failed" {
                self.store.connect(name, &employee.id, &update.target_id, "import")?;
            }
            wrote |= line.outcome == "updated";
            report.employees.push(line);
        }
        if wrote {
            self.import_hr_with(hr_token).await.context("reading HR after the import")?;
        }
        let failed = report.employees.iter().filter(|e| e.outcome == "failed").count();
        report.status = match failed {
            0 => "succeeded",
            n if n == report.employees.len() => "failed",
            _ => "partial",
        }
        .into();
        let count = |o: &str| report.employees.iter().filter(|e| e.outcome == o).count();
        let summary = format!(
            "import: {} updated, {} planned, {} unchanged, {failed} failed, {} not in HR",
            count("updated"),
            count("planned"),
            count("unchanged"),
            report.not_in_hr.len()
        );
        self.store.finish_run(run_id, &report.status, &summary)?;
        Ok(report)
    }

    /// Compare, decide, and (unless a dry run) write one employee.
    #[allow(clippy::too_many_arguments)]
    async fn import_one(
        &self,
        integration: &crate::config::IntegrationConfig,
        hr: &AlexisHr,
        run_id: i64,
        employee: &Employee,
        update: &HrUpdate,
        linked: bool,
        dry_run: bool,
    ) -> ImportedEmployee {
        let name = [employee.first_name.as_deref(), employee.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let mut line = ImportedEmployee {
            hr_id: employee.id.clone(),
            employee_number: employee.employee_number.clone(),
            name,
            target_id: update.target_id.clone(),
            outcome: "unchanged".into(),
            changes: Vec::new(),
            kept: Vec::new(),
            not_writable: Vec::new(),
            reason: None,
        };
        let incoming = match checked(update) {
            Ok(fields) => fields,
            Err(why) => {
                line.outcome = "failed".into();
                line.reason = Some(why);
                return line;
            }
        };
        let mut changes = Vec::new();
        for i in &incoming {
            let current = writeback::current_value(employee, &i.field);
            let field_owner = owner(integration, &i.field);
            match decide(field_owner, &i.field, &current, &i.value, linked) {
                Some(_) if !writeback::is_writable(&i.field) => line.not_writable.push(i.field.clone()),
                Some(_) => {
                    line.changes.push(shown(&i.field, &current, &i.value, i.sensitive));
                    changes.push((i.field.clone(), i.value.clone()));
                }
                None if field_owner == Owner::Hr && !i.value.is_empty() && current.trim() != i.value.trim() => {
                    line.kept.push(i.field.clone())
                }
                None => {}
            }
        }
        if changes.is_empty() {
            return line;
        }
        let tz = match self.config.time_zone() {
            Ok(tz) => tz,
            Err(e) => return failed(line, format!("{e:#}")),
        };
        let writes = match writeback::writes_for(employee, &changes, &tz) {
            Ok(writes) => writes,
            Err(e) => return failed(line, format!("{e:#}")),
        };
        if dry_run {
            line.outcome = "planned".into();
            return line;
        }
        for write in &writes {
            let body = redacted(write, &incoming);
            let pending = PendingWrite {
                run_id,
                integration: &integration.name,
                hr_id: &employee.id,
                operation: "update HR",
                method: "PATCH",
                path: &write.path,
                body_redacted: Some(&body),
            };
            let entry = match self.store.journal_pending(&pending) {
                Ok(id) => id,
                Err(e) => return failed(line, format!("journal: {e:#}")),
            };
            match hr.patch(&write.path, &write.body).await {
                Ok(answer) => {
                    let missing: Vec<&str> = changes
                        .iter()
                        .filter(|(f, _)| write.fields.contains(f))
                        .filter(|(f, v)| !writeback::holds(&answer, f, v, &tz))
                        .map(|(f, _)| f.as_str())
                        .collect();
                    let ok = missing.is_empty();
                    let detail =
                        if ok { String::new() } else { format!("AlexisHR answered without {}", missing.join(", ")) };
                    let _ = self.store.journal_settle(entry, ok, Some(200), &detail);
                    if !ok {
                        return failed(line, detail);
                    }
                }
                Err(e) => {
                    let _ = self.store.journal_settle(entry, false, None, &format!("{e:#}"));
                    return failed(line, format!("writing {} into AlexisHR: {e:#}", write.fields.join(", ")));
                }
            }
        }
        line.outcome = "updated".into();
        line
    }
}

fn failed(mut line: ImportedEmployee, reason: String) -> ImportedEmployee {
    line.outcome = "failed".into();
    line.reason = Some(reason);
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::types::Field;

    /// Whether two national ids are one, as the matching compares them.
    fn same_national_id(a: &str, b: &str, today: &str) -> bool {
        national_key(a, today).is_some_and(|a| national_key(b, today) == Some(a))
    }

    fn update(fields: &[(&str, &str)]) -> HrUpdate {
        HrUpdate {
            target_id: "K1".into(),
            hr_id: None,
            employee_number: None,
            fields: fields
                .iter()
                .map(|(n, v)| Field { name: (*n).into(), value: (*v).into(), sensitive: false })
                .collect(),
        }
    }

    #[test]
    fn a_national_id_matches_with_or_without_its_century_and_separator() {
        let today = "2026-12-06";
        assert!(same_national_id("811218-9876", "19811218-9876", today));
        assert!(same_national_id("198112189876", "19811218-9876", today));
        assert!(!same_national_id("811218-9876", "19811218-9877", today));
        assert!(!same_national_id("121212+1212", "20121212-1212", today), "the + says a century earlier");
        assert!(same_national_id("14838512470", "148385 12470", today), "other ids by their digits");
        assert!(!same_national_id("", "", today));
    }

    #[test]
    fn what_a_connector_may_not_say_is_refused_and_sensitivity_is_the_hosts() {
        assert!(checked(&update(&[("custom.bonus", "1")])).is_err());
        assert!(checked(&update(&[("firstName", "A\u{1b}[2J")])).is_err());
        assert!(checked(&update(&[("firstName", "A"), ("firstName", "B")])).is_err());
        let fields = checked(&update(&[("ssn", "19811218-9876")])).expect("accepted");
        assert!(fields[0].sensitive, "a national id is masked even when the connector says it is not");
    }
}
