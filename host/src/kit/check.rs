//! `paybridge connector check FILE`: the conformance suite a vendor runs
//! before shipping a component, and an operator before installing one.
//!
//! The checks, in order (each passes, fails or is skipped, with a reason):
//!
//! 1. `loads`: the host's own load checks (a component, only allowed
//!    imports, a contract version it speaks, `describe` answers, a safe
//!    name, a semver version).
//!    `signature`: who signed it (`FILE.sig`), if anyone; a signature
//!    that does not verify fails.
//! 2. `contract`: built for `paybridge:connector@2.x` (what the kit targets).
//! 3. `manifest`: required fields the host knows (an unknown capability
//!    is only shown: the host acts on few), secret names of `a-z 0-9 _`, the `hr-to-target` direction.
//! 4. `prepare`: one answer per employee of the HR fixtures (the sample
//!    company, or `--hr FILE`); records packed as the contract says;
//!    fields holding a national id or a bank account marked sensitive.
//! 5. `read-start`: GET requests with paths under the base URL.
//! 6. `dry run`, `sync`, `second sync`: the real engine against the fake
//!    target ([`super::fake_target`]): a dry run writes nothing, a sync
//!    brings every ready employee over, a second sync writes nothing.
//! 7. `writes address the employee`: every update names the target id of
//!    the employee it is for (the host's guard refused none).
//! 8. `read-next` and `reconcile` on the answers the fake gave (recorded
//!    during the check): the target read back matches what was written.
//!    `import-employees` on what was read: none from a one-way connector.
//! 9. `determinism`: the same input twice gives the same output (prepare,
//!    read-next, reconcile, import-employees, the dry run's plan).
//! 10. `privacy`: no national id or bank number of the fixtures in a log
//!     line, a refusal message, a write's description or a change not
//!     marked sensitive.
//!
//! Invariant: the check writes only inside a temporary folder it removes;
//! the component file is copied, never changed.

use super::fake_target::{FakeTarget, FakeTargetConfig};
use crate::app::App;
use crate::config::Config;
use crate::http::Secrets;
use crate::privacy::Scrubber;
use crate::runtime::connector::{CallSite, LoadedConnector, TextFilter};
use crate::runtime::types::{
    AuthScheme, Context, Direction, Employee, Exchange, HttpMethod, Prepared, ReconcileItem, TargetEmployee,
};
use crate::runtime::{ConnectorEngine, Limits, Registry};
use crate::sync::{RunReport, SyncOptions};
use anyhow::Context as _;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The sample company the checks map when no `--hr` file is given.
const SAMPLE_HR: &str = include_str!("../../../examples/hr-snapshot.json");

/// Capabilities the host knows (informational: the host acts on
/// `absences`, `delete` and the id ones; the others document).
pub const KNOWN_CAPABILITIES: &[&str] = &[
    "employees",
    "employments",
    "absences",
    "server-assigned-ids",
    "client-assigned-ids",
    "idempotent-updates",
    "delete",
    "import-employees",
    "paginated-reads",
];

/// What to check and against what.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The component file.
    pub file: PathBuf,
    /// How the fake target behaves.
    pub target: FakeTargetConfig,
    /// Integration settings handed to the connector.
    pub settings: BTreeMap<String, String>,
    /// HR fixtures (AlexisHR snapshot shape); the sample company if `None`.
    pub hr: Option<PathBuf>,
    /// Keys to name a signer by (name → `ed25519:...`).
    pub trusted_keys: BTreeMap<String, String>,
}

/// How one check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// It holds.
    Pass,
    /// It does not; the detail says why.
    Fail,
    /// It could not be run; the detail says why.
    Skip,
}

/// One check and its result.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// The check's name.
    pub name: &'static str,
    /// How it ended.
    pub status: Status,
    /// What was seen.
    pub detail: String,
}

/// Every check of one component.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// The file checked.
    pub file: String,
    /// "name@version", once it loaded.
    pub connector: Option<String>,
    /// The component's sha256.
    pub sha256: Option<String>,
    /// The checks, in order.
    pub checks: Vec<Check>,
}

impl CheckReport {
    /// Whether nothing failed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.status != Status::Fail)
    }

    fn add(&mut self, name: &'static str, problems: Vec<String>, passed: String) {
        let (status, detail) =
            if problems.is_empty() { (Status::Pass, passed) } else { (Status::Fail, problems.join("; ")) };
        self.checks.push(Check { name, status, detail });
    }

    fn fail(&mut self, name: &'static str, detail: String) {
        self.checks.push(Check { name, status: Status::Fail, detail });
    }

    fn skip(&mut self, name: &'static str, detail: &str) {
        self.checks.push(Check { name, status: Status::Skip, detail: detail.to_owned() });
    }
}

/// Log lines a component wrote during the check's own calls.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<String>>>);

impl Logs {
    fn site(&self, parts: &[&str]) -> CallSite {
        let lines = Arc::clone(&self.0);
        let filter: TextFilter = Arc::new(move |line: &str| {
            lines.lock().unwrap_or_else(|p| p.into_inner()).push(line.to_owned());
            crate::privacy::mask_digit_runs(line)
        });
        CallSite::new(filter, parts)
    }

    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// The secret names an auth scheme refers to.
fn secret_names(auth: &AuthScheme) -> Vec<String> {
    let scheme: crate::model::http::AuthScheme = auth.into();
    scheme.secret_names().into_iter().map(str::to_owned).collect()
}

fn manifest_problems(connector: &LoadedConnector) -> Vec<String> {
    let m = &connector.manifest;
    let mut problems = Vec::new();
    let blank = crate::model::HrEmployee::default();
    for field in &m.required_fields {
        if crate::sync::required::has_field(&blank, field).is_none() {
            problems.push(format!(
                "required field {field:?} is not one the host knows (known: {})",
                crate::sync::required::KNOWN_FIELDS.join(", ")
            ));
        }
    }
    // Capabilities are mostly informational: an unknown one is shown in
    // the check's detail, not a failure.
    for secret in secret_names(&m.auth) {
        let safe = !secret.is_empty()
            && secret.len() <= 64
            && secret.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !safe {
            problems.push(format!(
                "secret name {:?} is not 1 to 64 of a-z, 0-9, '_' (it names an entry of [integration.secrets], never a value)",
                secret.escape_debug()
            ));
        }
    }
    if !m.directions.contains(&Direction::HrToTarget) {
        problems.push("directions lack hr-to-target: every connector exports".into());
    }
    problems
}

/// The fixtures' national ids and bank numbers (the host's
/// [`crate::sync::work::personal_ids`]), to find them where they must not be.
fn personal_values(employees: &[crate::model::HrEmployee]) -> Scrubber {
    Scrubber::new(employees.iter().flat_map(crate::sync::work::personal_ids), [])
}

fn same<T: Serialize>(a: &T, b: &T) -> bool {
    serde_json::to_string(a).ok() == serde_json::to_string(b).ok()
}

/// Run every check on `options.file`.
pub async fn run(options: CheckOptions) -> anyhow::Result<CheckReport> {
    let mut report =
        CheckReport { file: options.file.display().to_string(), connector: None, sha256: None, checks: Vec::new() };
    // One artefact cache for the check's calls and its engine runs (the
    // database's `.artefacts` folder): the component is compiled once.
    let dir = tempfile::tempdir().context("making the check's temporary folder")?;
    let database = dir.path().join("check.db");
    let registry = Registry::new(ConnectorEngine::new(Limits::default())?)
        .with_artefact_cache(&crate::app::artefact_dir(&database))?;
    let connector = match registry.load_file(&options.file) {
        Ok(c) => c,
        Err(e) => {
            report.fail("loads", format!("{e:#}"));
            return Ok(report);
        }
    };
    report.connector = Some(connector.label());
    report.sha256 = Some(connector.sha256.clone());
    let m = &connector.manifest;
    report.add("loads", Vec::new(), format!("{} for {:?}, imports allowed", connector.label(), m.target_system));
    match crate::runtime::signing::verify_file(&options.file, &connector.sha256, &options.trusted_keys) {
        crate::runtime::signing::Verdict::Unsigned => report
            .skip("signature", "unsigned: sign it with `paybridge connector sign` (operators may require a signature)"),
        crate::runtime::signing::Verdict::Invalid { reason } => report.fail("signature", reason),
        verdict => report.add("signature", Vec::new(), verdict.to_string()),
    }
    let contract = if connector.contract_major() == 2 {
        Vec::new()
    } else {
        vec![format!(
            "built for paybridge:connector@{}; the kit and this guide target 2.x (the host still runs 1.x, without absences or batches)",
            connector.contract
        )]
    };
    report.add("contract", contract, format!("paybridge:connector@{}", connector.contract));
    let problems = manifest_problems(&connector);
    let unknown: Vec<&String> = m.capabilities.iter().filter(|c| !KNOWN_CAPABILITIES.contains(&c.as_str())).collect();
    let unknown = if unknown.is_empty() {
        String::new()
    } else {
        format!(" ({unknown:?} unknown to the host: shown, never acted on)")
    };
    report.add(
        "manifest",
        problems,
        format!(
            "required {:?}, capabilities {:?}{unknown}, secrets {:?}",
            m.required_fields,
            m.capabilities,
            secret_names(&m.auth)
        ),
    );

    let tz = jiff::tz::TimeZone::get("Europe/Oslo").context("the check's time zone")?;
    let hr_text = match &options.hr {
        Some(path) => {
            std::fs::read_to_string(path).with_context(|| format!("reading the HR fixtures {}", path.display()))?
        }
        None => SAMPLE_HR.to_owned(),
    };
    let snapshot = crate::source::parse_snapshot(&hr_text, &tz).context("the HR fixtures")?;
    let employees: Vec<Employee> = snapshot.employees.iter().map(Employee::from).collect();
    let personal = personal_values(&snapshot.employees);
    let ctx = Context {
        integration: "check".into(),
        today: jiff::Zoned::now().with_time_zone(tz.clone()).date().to_string(),
        settings: options.settings.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        period: None,
    };
    let logs = Logs::default();
    let mut leaks = Vec::new();

    // prepare, twice, in the host's batches.
    let prepared = prepare_all(&connector, &logs, &ctx, &employees).await;
    let again = prepare_all(&connector, &logs, &ctx, &employees).await;
    let mut determinism = Vec::new();
    match (&prepared, &again) {
        (Ok(first), Ok(second)) => {
            if !same(first, second) {
                determinism.push("prepare gave two different answers for the same employees".to_owned());
            }
            let (mut problems, mut ready) = (Vec::new(), 0);
            for (employee, answer) in employees.iter().zip(first) {
                match answer {
                    Prepared::Ready(mapped) => {
                        ready += 1;
                        problems.extend(record_problems(&mapped.records, &personal, &employee.id));
                    }
                    Prepared::Refused(issues) => {
                        if issues.is_empty() {
                            problems.push(format!("employee {} was refused with no reason", employee.id));
                        }
                        for issue in issues.iter().filter(|i| personal.holds_whole(&i.message)) {
                            leaks.push(format!(
                                "the refusal of {} says a national id or bank number: {:?}",
                                employee.id, issue.field
                            ));
                        }
                    }
                }
            }
            report.add(
                "prepare",
                problems,
                format!("{} employee(s): {ready} ready, {} refused", first.len(), first.len() - ready),
            );
        }
        (Err(e), _) | (_, Err(e)) => report.fail("prepare", e.to_string()),
    }

    // read-start.
    match connector.read_start(logs.site(&["check", "read-start"]), ctx.clone()).await {
        Ok(requests) => {
            let problems: Vec<String> = requests
                .iter()
                .filter(|r| r.method != HttpMethod::Get || !r.path.starts_with('/'))
                .map(|r| format!("{} {:?}: reads are GET with a path under the base URL", r.method.as_str(), r.path))
                .collect();
            let shown: Vec<String> = requests.iter().map(|r| format!("GET {}", r.path)).collect();
            let problems = if requests.is_empty() {
                vec!["read-start asks for nothing: the target can never be read".into()]
            } else {
                problems
            };
            report.add("read-start", problems, format!("{} request(s): {}", requests.len(), shown.join(", ")));
        }
        Err(e) => report.fail("read-start", e.to_string()),
    }

    // The engine against the fake target.
    let token = match &m.auth {
        AuthScheme::Bearer(name) => Some(Some(name.clone())),
        AuthScheme::None => Some(None),
        _ => None,
    };
    let Some(token_secret) = token else {
        let needs_target =
            ["dry run", "sync", "second sync", "writes address the employee", "read-next", "import-employees"];
        for name in needs_target.into_iter().chain(["determinism"]) {
            report.skip(name, "the fake target speaks bearer-token auth (or none); this connector uses another scheme");
        }
        finish_privacy(&mut report, &logs, &personal, leaks, &[]);
        return Ok(report);
    };
    let mut target_config = options.target.clone();
    if token_secret.is_none() {
        target_config.token.clear();
    } else if target_config.token.is_empty() {
        target_config.token = format!("check-{}", &connector.sha256[..16]);
    }
    let fake = FakeTarget::start(target_config.clone()).await?;
    let app = open_app(dir.path(), &options, &connector, &fake.url, &hr_text)?;
    let secrets = Secrets::from_pairs(
        &token_secret.iter().map(|name| (name.as_str(), target_config.token.as_str())).collect::<Vec<_>>(),
    );
    app.import_hr().await?;
    let dry = SyncOptions { dry_run: true, ..SyncOptions::default() };

    let first_dry = app.sync("check", &dry, Some(secrets.clone()), None).await;
    let writes = |fake: &FakeTarget| fake.requests().iter().filter(|r| r.method != "GET").count();
    let mut runs: Vec<RunReport> = Vec::new();
    match first_dry {
        Ok(r) => {
            let mut problems = Vec::new();
            if writes(&fake) > 0 {
                problems.push(format!("the dry run sent {} write(s)", writes(&fake)));
            }
            if r.status == "failed" {
                problems.push(format!("the dry run failed: {}", failure(&r)));
            }
            report.add("dry run", problems, format!("{}; nothing written", r.summary()));
            runs.push(r);
        }
        Err(e) => report.fail("dry run", e.to_string()),
    }
    if let (Some(first), Ok(second)) = (runs.first(), app.sync("check", &dry, Some(secrets.clone()), None).await) {
        let plan = |r: &RunReport| {
            serde_json::to_string(
                &r.employees.iter().map(|e| (&e.hr_id, &e.outcome, &e.changes, &e.writes)).collect::<Vec<_>>(),
            )
            .ok()
        };
        if plan(first) != plan(&second) {
            determinism.push("two dry runs on the same data planned differently".into());
        }
    }

    let sync = app.sync("check", &SyncOptions::default(), Some(secrets.clone()), None).await;
    match sync {
        Ok(r) => {
            let mut problems = Vec::new();
            if r.status != "succeeded" {
                problems.push(format!("the sync ended {}: {}", r.status, failure(&r)));
            }
            let held = fake.employees().len();
            let created = r.count("created");
            if held < created {
                problems.push(format!("{created} created but the target holds {held}"));
            }
            report.add("sync", problems, format!("{}; the target holds {held} employee(s)", r.summary()));
            let mut wrong = Vec::new();
            let held = fake.employees();
            let ids: HashSet<&str> = held.iter().filter_map(|t| t.get("id").and_then(|v| v.as_str())).collect();
            for e in &r.employees {
                let guard = matches!(&e.outcome, crate::sync::Outcome::Failed { reason } if reason.contains("refused"));
                if guard {
                    wrong.push(format!("{}: {}", e.hr_id, failure_reason(&e.outcome)));
                }
                for w in &e.writes {
                    let other = w
                        .request
                        .split(['/', ' '])
                        .find(|segment| ids.contains(segment) && Some(*segment) != e.target_id.as_deref());
                    if let Some(other) = other {
                        wrong.push(format!(
                            "{} ({}) wrote to {other}'s record: {}",
                            e.hr_id,
                            e.target_id.as_deref().unwrap_or("new"),
                            w.request
                        ));
                    }
                }
            }
            report.add("writes address the employee", wrong, "every write named its own employee".into());
            runs.push(r);
        }
        Err(e) => {
            report.fail("sync", e.to_string());
            report.skip("writes address the employee", "the sync did not run");
        }
    }

    match app.sync("check", &SyncOptions::default(), Some(secrets.clone()), None).await {
        Ok(r) => {
            let mut problems = Vec::new();
            if r.writes_sent > 0 {
                problems.push(format!(
                    "the second sync sent {} write(s): the connector's diff does not see its own writes as done ({})",
                    r.writes_sent,
                    r.employees
                        .iter()
                        .filter(|e| !e.changes.is_empty())
                        .take(3)
                        .map(|e| format!(
                            "{}: {}",
                            e.hr_id,
                            e.changes.iter().map(|c| c.field.as_str()).collect::<Vec<_>>().join(", ")
                        ))
                        .collect::<Vec<_>>()
                        .join("; ")
                ));
            }
            report.add("second sync", problems, format!("{}; no write", r.summary()));
            runs.push(r);
        }
        Err(e) => report.fail("second sync", e.to_string()),
    }

    // read-next and reconcile on recorded answers: read the fake as the
    // host would, then reconcile what prepare made against it.
    match read_recorded(&connector, &logs, &ctx, &fake, &token_secret.map(|_| target_config.token.clone())).await {
        Ok((exchanges, learnt, again_same)) => {
            if !again_same {
                determinism.push("read-next gave two different answers for the same exchanges".into());
            }
            let mut problems = Vec::new();
            let held = fake.employees().len();
            if learnt.len() != held {
                problems.push(format!("the target holds {held} employee(s) and read-next learnt {}", learnt.len()));
            }
            if let Ok(prepared) = &prepared {
                let items = reconcile_items(prepared, &learnt);
                let first = reconcile_all(&connector, &logs, &ctx, &items).await;
                let second = reconcile_all(&connector, &logs, &ctx, &items).await;
                match (first, second) {
                    (Ok(a), Ok(b)) => {
                        if !same(&a, &b) {
                            determinism.push("reconcile gave two different answers for the same items".into());
                        }
                        for (item, answer) in items.iter().zip(&a) {
                            if item.current.is_some() && !answer.changes.is_empty() {
                                problems.push(format!(
                                    "{} read back differs in {}",
                                    item.desired.hr_id,
                                    answer.changes.iter().map(|c| c.field.as_str()).collect::<Vec<_>>().join(", ")
                                ));
                            }
                            for c in answer.changes.iter().filter(|c| !c.sensitive) {
                                if [&c.before, &c.after].into_iter().flatten().any(|v| personal.holds_whole(v)) {
                                    leaks.push(format!(
                                        "a change of {:?} not marked sensitive holds a national id or bank number",
                                        c.field
                                    ));
                                }
                            }
                        }
                    }
                    (Err(e), _) | (_, Err(e)) => problems.push(e.to_string()),
                }
            }
            report.add(
                "read-next",
                problems,
                format!("{} answer(s) parsed, {} employee(s) learnt, each in step with HR", exchanges, learnt.len()),
            );
            let two_way = m.directions.contains(&Direction::TargetToHr);
            let site = || logs.site(&["check", "import-employees"]);
            let first = connector.import_employees(site(), ctx.clone(), learnt.clone()).await;
            let second = connector.import_employees(site(), ctx.clone(), learnt.clone()).await;
            match (first, second) {
                (Ok(a), Ok(b)) => {
                    if !same(&a, &b) {
                        determinism.push("import-employees gave two different answers for the same employees".into());
                    }
                    let problems = if !two_way && !a.is_empty() {
                        vec![format!(
                            "a connector without the target-to-hr direction answered {} hr-update(s)",
                            a.len()
                        )]
                    } else {
                        Vec::new()
                    };
                    let shown = if two_way { "two-way" } else { "one-way" };
                    report.add("import-employees", problems, format!("{} hr-update(s) ({shown})", a.len()));
                }
                (Err(e), _) | (_, Err(e)) => report.fail("import-employees", e.to_string()),
            }
        }
        Err(e) => {
            report.fail("read-next", format!("{e:#}"));
            report.skip("import-employees", "the target could not be read back");
        }
    }
    let detail =
        "prepare, read-next, reconcile, import-employees and the dry run's plan: the same input gave the same output"
            .to_owned();
    report.add("determinism", determinism, detail);
    finish_privacy(&mut report, &logs, &personal, leaks, &runs);
    Ok(report)
}

fn failure_reason(outcome: &crate::sync::Outcome) -> String {
    match outcome {
        crate::sync::Outcome::Failed { reason } => reason.clone(),
        other => other.name().to_owned(),
    }
}

/// A run's whole-run error, or its first failed employees.
fn failure(r: &RunReport) -> String {
    if let Some(e) = &r.error {
        return e.clone();
    }
    let failed: Vec<String> = r
        .employees
        .iter()
        .filter(|e| e.outcome.name() == "failed")
        .take(3)
        .map(|e| format!("{}: {}", e.employee_number.as_deref().unwrap_or(&e.hr_id), failure_reason(&e.outcome)))
        .collect();
    failed.join("; ")
}

/// Problems of one employee's records: fields not packed as the contract
/// says, personal values in fields not marked sensitive.
fn record_problems(records: &[crate::runtime::types::TargetRecord], personal: &Scrubber, hr_id: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for record in records {
        match connector_kit::packed::unpack(&record.fields) {
            Ok(fields) => {
                for (name, value) in fields {
                    if personal.holds_whole(&value) && !record.sensitive.contains(&name) {
                        problems.push(format!(
                            "{hr_id}: field {name:?} of record {:?} holds a national id or bank number and is not in `sensitive`",
                            record.kind
                        ));
                    }
                }
            }
            Err(e) => problems.push(format!("{hr_id}: record {:?}: {e}", record.kind)),
        }
    }
    problems
}

fn finish_privacy(
    report: &mut CheckReport,
    logs: &Logs,
    personal: &Scrubber,
    mut leaks: Vec<String>,
    runs: &[RunReport],
) {
    let lines = logs.lines();
    leaks.extend(
        lines.iter().filter(|l| personal.holds_whole(l)).take(3).map(|l| {
            format!("a log line holds a national id or bank number: {:?}", crate::privacy::mask_digit_runs(l))
        }),
    );
    for run in runs {
        for e in &run.employees {
            for w in e.writes.iter().filter(|w| personal.holds_whole(&w.description)) {
                leaks.push(format!(
                    "the description of {} for {} holds a national id or bank number",
                    w.request, e.hr_id
                ));
            }
        }
    }
    leaks.sort();
    leaks.dedup();
    report.add(
        "privacy",
        leaks,
        format!("{} log line(s), every description and refusal: no national id or bank number", lines.len()),
    );
}

/// The check's own paybridge: a folder with the component, the HR
/// fixtures and one integration `check` on the fake target.
fn open_app(
    dir: &std::path::Path,
    options: &CheckOptions,
    connector: &LoadedConnector,
    url: &str,
    hr_text: &str,
) -> anyhow::Result<App> {
    let connectors = dir.join("connectors");
    std::fs::create_dir_all(&connectors)?;
    std::fs::copy(&options.file, connectors.join("checked.wasm")).context("copying the component")?;
    std::fs::write(dir.join("hr.json"), hr_text)?;
    let mut integration = toml::Table::new();
    integration.insert("name".into(), "check".into());
    integration.insert("connector".into(), connector.manifest.name.clone().into());
    integration.insert("version".into(), connector.manifest.version.clone().into());
    integration.insert("base_url".into(), url.into());
    let secrets: toml::Table = secret_names(&connector.manifest.auth)
        .into_iter()
        .map(|s| (s, toml::Value::from("PAYBRIDGE_CHECK_UNUSED")))
        .collect();
    integration.insert("secrets".into(), secrets.into());
    let settings: toml::Table =
        options.settings.iter().map(|(k, v)| (k.clone(), toml::Value::from(v.as_str()))).collect();
    integration.insert("settings".into(), settings.into());
    let mut scope = toml::Table::new();
    scope.insert("active".into(), "all".into());
    integration.insert("scope".into(), scope.into());
    let mut top = toml::Table::new();
    top.insert("database".into(), "check.db".into());
    top.insert("connectors_dir".into(), "connectors".into());
    top.insert("hr_snapshot".into(), "hr.json".into());
    top.insert("timezone".into(), "Europe/Oslo".into());
    top.insert("integration".into(), toml::Value::Array(vec![integration.into()]));
    let path = dir.join("paybridge.toml");
    std::fs::write(&path, toml::to_string(&top)?)?;
    App::open(Config::load(&path)?, Limits::default())
}

/// Read the fake target as the host does, round by round, keeping the
/// answers: how many there were, the employees learnt (merged by
/// target id), and whether `read-next` answered the first round the same
/// way twice.
async fn read_recorded(
    connector: &Arc<LoadedConnector>,
    logs: &Logs,
    ctx: &Context,
    fake: &FakeTarget,
    token: &Option<String>,
) -> anyhow::Result<(usize, Vec<TargetEmployee>, bool)> {
    let client = reqwest::Client::new();
    let base = crate::http::BaseUrl::parse(&fake.url)?;
    let cap = 1000 + 20 * fake.employees().len();
    let mut pending = connector.read_start(logs.site(&["check", "read-start"]), ctx.clone()).await?;
    let mut sent = std::collections::HashSet::new();
    let mut learnt: BTreeMap<String, TargetEmployee> = BTreeMap::new();
    let (mut answers, mut same_twice) = (0, true);
    for round in 0.. {
        pending.retain(|r| sent.insert(format!("{} {} {:?}", r.method.as_str(), r.path, r.query)));
        if pending.is_empty() {
            break;
        }
        anyhow::ensure!(round < 1000, "the read did not end after 1000 rounds");
        let mut exchanges = Vec::new();
        for request in std::mem::take(&mut pending) {
            anyhow::ensure!(
                request.method == HttpMethod::Get,
                "read-next asked for {} {}: reads are GET",
                request.method.as_str(),
                request.path
            );
            // The host's own check: a path that leaves the base URL (a
            // `@host` or `//host` trick) is refused, never sent.
            let url = base.join(&request.path).map_err(|e| anyhow::anyhow!("read-start or read-next asked for {e}"))?;
            anyhow::ensure!(
                answers < cap,
                "the read asked for more than {cap} requests (1000 + 20 per employee the target holds)"
            );
            let mut call = client.get(url).query(&request.query);
            if let Some(token) = token.as_ref().filter(|t| !t.is_empty()) {
                call = call.bearer_auth(token);
            }
            let response = call.send().await?;
            let status = response.status().as_u16();
            let body = response.text().await?;
            answers += 1;
            exchanges.push(Exchange {
                request,
                response: crate::runtime::types::HttpResponse { status, headers: Vec::new(), body },
            });
        }
        let site = || logs.site(&["check", "read-next"]);
        let step = connector.read_next(site(), ctx.clone(), exchanges.clone()).await?;
        if round == 0 {
            let again = connector.read_next(site(), ctx.clone(), exchanges).await?;
            same_twice = match (&step, &again) {
                (Ok(a), Ok(b)) => same(a, b),
                (Err(a), Err(b)) => same(a, b),
                _ => false,
            };
        }
        let step = step.map_err(|e| anyhow::anyhow!("read-next refused the answers: {}: {}", e.code, e.message))?;
        for employee in step.learnt {
            match learnt.get_mut(&employee.target_id) {
                Some(held) => held.records.extend(employee.records),
                None => {
                    learnt.insert(employee.target_id.clone(), employee);
                }
            }
        }
        pending = step.more;
    }
    Ok((answers, learnt.into_values().collect(), same_twice))
}

/// `prepare` on `employees` in the host's batches ([`crate::sync::BATCH`]),
/// as a run calls it.
async fn prepare_all(
    connector: &Arc<LoadedConnector>,
    logs: &Logs,
    ctx: &Context,
    employees: &[Employee],
) -> Result<Vec<Prepared>, crate::runtime::connector::CallError> {
    let mut answers = Vec::with_capacity(employees.len());
    for batch in employees.chunks(crate::sync::BATCH) {
        answers.extend(connector.prepare(logs.site(&["check", "prepare"]), ctx.clone(), batch.to_vec()).await?);
    }
    Ok(answers)
}

/// `reconcile` on `items` in the host's batches, with no company records.
async fn reconcile_all(
    connector: &Arc<LoadedConnector>,
    logs: &Logs,
    ctx: &Context,
    items: &[ReconcileItem],
) -> Result<Vec<crate::runtime::types::Reconciled>, crate::runtime::connector::CallError> {
    let mut answers = Vec::with_capacity(items.len());
    for batch in items.chunks(crate::sync::BATCH) {
        let site = logs.site(&["check", "reconcile"]);
        answers.extend(connector.reconcile(site, ctx.clone(), Arc::from(Vec::new()), batch.to_vec()).await?);
    }
    Ok(answers)
}

/// One reconcile item per ready employee, matched to what the read
/// learnt by employee number, then national id (each looked up in an
/// index built once).
fn reconcile_items(prepared: &[Prepared], learnt: &[TargetEmployee]) -> Vec<ReconcileItem> {
    let index = |key: fn(&TargetEmployee) -> Option<&String>| -> HashMap<&String, &TargetEmployee> {
        learnt.iter().filter_map(|t| Some((key(t)?, t))).collect()
    };
    let (by_number, by_id) = (index(|t| t.employee_number.as_ref()), index(|t| t.national_id.as_ref()));
    prepared
        .iter()
        .filter_map(|p| match p {
            Prepared::Ready(mapped) => Some(mapped),
            Prepared::Refused(_) => None,
        })
        .map(|desired| {
            let current = desired
                .employee_number
                .as_ref()
                .and_then(|n| by_number.get(n))
                .or_else(|| desired.national_id.as_ref().and_then(|id| by_id.get(id)))
                .map(|t| (*t).clone());
            ReconcileItem { desired: desired.clone(), current, plan: true, links: Vec::new() }
        })
        .collect()
}
