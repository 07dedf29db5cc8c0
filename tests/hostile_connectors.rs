//! Hostile connectors against the real host: each case of the hardening
//! issue with its own small guest from `plugins/test-guests/`. Whatever a
//! component returns, it cannot hang the host, reach credentials, leak the
//! personal data the host knows, write to someone else's record, flood the
//! target, or take over another connector's name.

mod common;

use common::{component, sample_snapshot};
use paybridge::app::App;
use paybridge::config::{Config, IntegrationConfig};
use paybridge::http::Secrets;
use paybridge::model::HrEmployee as Employee;
use paybridge::runtime::connector::{CallSite, digit_run_filter};
use paybridge::runtime::types::Context;
use paybridge::runtime::{CallError, ConnectorEngine, Limits, Registry};
use paybridge::sync::{RunReport, SyncError, SyncOptions};
use paybridge_components::{
    TEST_GUEST_CONTRACT_THREE, TEST_GUEST_FORBIDDEN_IMPORT, TEST_GUEST_HOSTILE, TEST_GUEST_IMPOSTOR, TEST_GUEST_LEAKY,
    TEST_GUEST_THIEF_EXCHANGE, TEST_GUEST_THIEF_OAUTH2, TEST_GUEST_TRESPASSER, TWENTYFOUR_SEVEN,
};
use paybridge_emulators::sink::Sink;
use std::path::Path;
use std::time::Duration;

/// Nothing in these tests may take long: a hang is a failure.
const HANG: Duration = Duration::from_secs(60);

fn site() -> CallSite {
    CallSite::new(digit_run_filter(), &["test"])
}

fn ctx() -> Context {
    Context { integration: "hostile".into(), today: "2026-11-23".into(), settings: vec![], period: None }
}

fn registry(limits: Limits) -> Registry {
    Registry::auto_activating(ConnectorEngine::new(limits).expect("engine"))
}

/// An HR employee from the sample data, renamed to carry a cue.
fn sample(number: &str, first_name: Option<&str>) -> Employee {
    let mut e = sample_snapshot()
        .employees
        .into_iter()
        .find(|e| e.employee_number.as_deref() == Some(number))
        .unwrap_or_else(|| panic!("sample employee {number}"));
    if let Some(name) = first_name {
        e.first_name = Some(name.into());
    }
    e
}

/// The same employee in the contract's types, for calling a component directly.
fn cue(number: &str, first_name: &str) -> paybridge::runtime::types::Employee {
    (&sample(number, Some(first_name))).into()
}

/// A host with one guest component as its only connector, syncing to a
/// catch-all sink.
struct Setup {
    app: App,
    sink: Sink,
    _dir: tempfile::TempDir,
}

async fn setup(
    guest: &str,
    connector: &str,
    people: Vec<Employee>,
    edit: impl FnOnce(&mut IntegrationConfig, &Sink),
) -> Setup {
    let sink = Sink::start().await.expect("sink");
    sink.respond("GET", "/employees", 200, "[]");
    let dir = tempfile::tempdir().expect("temp");
    let connectors = dir.path().join("connectors");
    std::fs::create_dir(&connectors).expect("dir");
    std::fs::copy(component(guest), connectors.join(format!("{connector}.wasm"))).expect("copy");
    let mut integration = IntegrationConfig::new("hostile", connector, &sink.base_url());
    integration.retry_backoff_ms = 10;
    integration.scope.active = paybridge::scope::ActiveFilter::All;
    edit(&mut integration, &sink);
    let mut config = Config::new(dir.path().join("paybridge.db"), connectors, dir.path().join("unused.json"));
    config.integrations = vec![integration];
    let app = App::open(config, Limits::default()).expect("app");
    app.import(&paybridge::source::HrSnapshot { employees: people, ..Default::default() }).expect("import");
    Setup { app, sink, _dir: dir }
}

impl Setup {
    async fn sync(&self, secrets: Secrets) -> Result<RunReport, SyncError> {
        tokio::time::timeout(HANG, self.app.sync("hostile", &SyncOptions::default(), Some(secrets), None))
            .await
            .expect("the sync never hangs")
    }
}

// --- The runtime: time, logs, randomness, crashes -------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sleeping_connector_cannot_hang_the_host_because_sleeps_return_at_once() {
    let hostile = registry(Limits::default()).load_file(&component(TEST_GUEST_HOSTILE)).expect("loads");
    let slept = tokio::time::timeout(HANG, hostile.map_employee(site(), ctx(), cue("1001", "sleep")))
        .await
        .expect("an hour-long sleep does not hold the host");
    assert!(slept.is_ok(), "{slept:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_past_its_wall_clock_deadline_is_stopped_naming_the_connector_and_the_step() {
    let limits = Limits { fuel: u64::MAX / 4, deadline: Duration::from_millis(500), ..Limits::default() };
    let hostile = registry(limits).load_file(&component(TEST_GUEST_HOSTILE)).expect("loads");
    let looped = tokio::time::timeout(HANG, hostile.map_employee(site(), ctx(), cue("1001", "loop")))
        .await
        .expect("stopped by the deadline");
    assert!(matches!(looped, Err(CallError::Deadline { .. })), "{looped:?}");
    let message = looped.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("hostile@0.1.0") && message.contains("prepare") && message.contains("0.5 s"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_whose_packed_fields_are_not_an_object_of_strings_is_refused_naming_connector_and_kind() {
    let hostile = registry(Limits::default()).load_file(&component(TEST_GUEST_HOSTILE)).expect("loads");
    let answered = hostile.map_employee(site(), ctx(), cue("1001", "unpacked")).await;
    assert!(matches!(answered, Err(CallError::MalformedRecord { .. })), "{answered:?}");
    let message = answered.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("hostile@0.1.0") && message.contains("`employee` record"), "{message}");
    assert!(!message.contains("10915596784"), "no national id in the error: {message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connector_flooding_the_log_is_stopped_by_its_budget_before_copying_more() {
    let hostile = registry(Limits::default()).load_file(&component(TEST_GUEST_HOSTILE)).expect("loads");
    for name in ["logflood", "logspam"] {
        let flooded = tokio::time::timeout(HANG, hostile.map_employee(site(), ctx(), cue("1001", name)))
            .await
            .expect("a log flood ends quickly");
        assert!(matches!(flooded, Err(CallError::LogFlood { .. })), "{name}: {flooded:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_input_gives_the_same_random_numbers() {
    let hostile = registry(Limits::default()).load_file(&component(TEST_GUEST_HOSTILE)).expect("loads");
    let draw = |site: CallSite| {
        let hostile = hostile.clone();
        async move {
            let mapped = hostile.map_employee(site, ctx(), cue("1001", "random")).await.expect("runs").expect("maps");
            let fields = connector_kit::packed::unpack(&mapped.records[0].fields).expect("packed fields");
            fields.into_iter().find(|(name, _)| name == "random").map(|(_, value)| value).expect("a random field")
        }
    };
    let seeded = |id: &str| CallSite::new(digit_run_filter(), &["map-employee", id]);
    assert_eq!(draw(seeded("hr-1")).await, draw(seeded("hr-1")).await, "same input, same output");
    assert_ne!(draw(seeded("hr-1")).await, draw(seeded("hr-2")).await, "seeded from the input");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_message_leads_with_the_reason_and_keeps_the_backtrace_out() {
    let hostile = registry(Limits::default()).load_file(&component(TEST_GUEST_HOSTILE)).expect("loads");
    let panicked = hostile.map_employee(site(), ctx(), cue("1001", "panic")).await;
    let message = panicked.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("panics on purpose"), "what the connector said is kept: {message}");
    assert!(!message.contains("backtrace") && message.lines().count() == 1, "{message}");
}

// --- Credentials -------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_exchange_path_cannot_send_the_token_to_another_host() {
    let s = setup(TEST_GUEST_THIEF_EXCHANGE, "thief-exchange", vec![sample("1001", None)], |i, _| {
        i.secrets.insert("token".into(), "UNUSED".into());
    })
    .await;
    let err = s.sync(Secrets::from_pairs(&[("token", "persistent-token")])).await.expect_err("refused");
    let message = format!("{err:#}");
    assert!(message.contains("token-exchange path") && message.contains("refused request path"), "{message}");
    assert!(s.sink.requests().is_empty(), "nothing was sent anywhere");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth2_credentials_go_only_to_an_origin_the_operator_named_and_never_ride_in_api_headers() {
    let secrets = || Secrets::from_pairs(&[("client_id", "the-id"), ("client_secret", "the-secret")]);
    let people = vec![sample("1001", None)];
    let foreign = setup(TEST_GUEST_THIEF_OAUTH2, "thief-oauth2", people.clone(), |_, _| {}).await;
    let err = format!("{:#}", foreign.sync(secrets()).await.expect_err("refused"));
    assert!(err.contains("not the integration's origin") && err.contains("token_url"), "{err}");

    let header = setup(TEST_GUEST_THIEF_OAUTH2, "thief-oauth2", people, |i, sink| {
        i.token_url = Some(format!("{}/token", sink.base_url()));
    })
    .await;
    let err = format!("{:#}", header.sync(secrets()).await.expect_err("refused"));
    assert!(err.contains("`client_secret` in header X-Leak") && err.contains("secret_headers"), "{err}");
    for s in [&foreign, &header] {
        assert!(s.sink.requests().iter().all(|r| !format!("{r:?}").contains("the-secret")), "the secret went nowhere");
    }
}

// --- Personal data -----------------------------------------------------------

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_data_a_careless_connector_leaks_never_reaches_logs_reports_journal_links_or_snapshots() {
    let logs = common::capture_logs();
    let people = vec![sample("1001", None), sample("1002", Some("invalid")), sample("1003", Some("planfail"))];
    let s = setup(TEST_GUEST_LEAKY, "leaky", people.clone(), |_, _| {}).await;
    let report = s.sync(Secrets::default()).await.expect("run completes");
    assert_eq!(s.sink.requests().iter().filter(|r| r.method == "POST").count(), 1, "the careless write was sent");

    let store = &s.app.store;
    let mut seen = vec![logs.text(), serde_json::to_string(&report).expect("json")];
    for run in store.runs(10).expect("runs") {
        seen.push(serde_json::to_string(&store.journal_for_run(run.id).expect("journal")).expect("json"));
        seen.push(format!("{:?}", store.outcomes(run.id).expect("outcomes")));
    }
    seen.push(format!("{:?}", store.links("hostile").expect("links")));
    for p in &people {
        seen.extend(store.snapshot("hostile", &p.id).expect("snapshot"));
    }
    let text = seen.join("\n");
    assert!(text.contains("leaky"), "the capture works");
    for p in &people {
        let ssn = p.ssn.clone().expect("ssn");
        let mut secrets = vec![ssn.clone(), ssn[6..].to_owned()];
        secrets.extend(p.bank_account.as_ref().and_then(|b| b.number.clone()));
        secrets.extend(p.compensations.iter().filter_map(|c| c.amount.clone()));
        for secret in secrets.iter().filter(|s| s.len() >= 5) {
            let at = text.lines().find(|l| l.contains(secret.as_str())).unwrap_or_default();
            assert!(!text.contains(secret.as_str()), "{secret} of {} leaked: {at}", p.id);
        }
        for line in text.lines() {
            assert!(!digits(line).contains(&ssn), "a spaced national id of {} leaked: {line}", p.id);
        }
    }
    let outcome =
        |n: &str| report.employees.iter().find(|e| e.employee_number.as_deref() == Some(n)).map(|e| e.outcome.detail());
    assert!(
        outcome("1002").is_some_and(|d| d.contains("national id") && d.contains("is wrong")),
        "{:?}",
        outcome("1002")
    );
    assert!(outcome("1003").is_some_and(|d| d.contains("cannot plan for")), "{:?}", outcome("1003"));
}

// --- Paths, budgets, other employees' records --------------------------------

fn trespass(attack: &str) -> impl FnOnce(&mut IntegrationConfig, &Sink) + '_ {
    move |i, sink| {
        i.settings.insert("attack".into(), attack.into());
        i.settings.insert("victim".into(), "t-b".into());
        i.settings.insert("victim2".into(), "t-c".into());
        let targets = r#"[{"id":"t-a","number":"1001","name":"x"},{"id":"t-b","number":"1002","name":"y"},{"id":"t-c","number":"9999","name":"z"}]"#;
        sink.respond("GET", "/employees", 200, targets);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_encoded_dot_dot_path_never_leaves_the_base_url() {
    for attack in ["escape", "escape-read"] {
        let s = setup(TEST_GUEST_TRESPASSER, "trespasser", vec![sample("1001", None)], trespass(attack)).await;
        let report = s.sync(Secrets::default()).await.expect("run completes");
        let shown = serde_json::to_string(&report).expect("json");
        assert!(shown.contains("refused request path"), "{attack}: {shown}");
        assert!(s.sink.requests().iter().all(|r| !r.path.contains("admin") && !r.path.contains("%2e")), "{attack}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_that_keeps_asking_while_learning_nothing_is_stopped() {
    let s = setup(TEST_GUEST_TRESPASSER, "trespasser", vec![sample("1001", None)], trespass("read-crawl")).await;
    let report = s.sync(Secrets::default()).await.expect("run completes");
    assert_eq!(report.status, "failed");
    assert!(report.error.as_deref().is_some_and(|e| e.contains("learning nothing")), "{:?}", report.error);
    let crawled = s.sink.requests().iter().filter(|r| r.path.contains("/r/")).count();
    let limit = paybridge::sync::read::IDLE_WINDOWS + 2;
    assert!(crawled <= limit, "stopped after {crawled} requests, not within {limit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_that_asks_for_more_than_its_budget_is_stopped_before_a_request_is_sent() {
    let flood_past_the_cap = |i: &mut IntegrationConfig, sink: &Sink| {
        trespass("read-flood")(i, sink);
        i.max_read_requests = Some(10_000);
    };
    let s = setup(TEST_GUEST_TRESPASSER, "trespasser", vec![sample("1001", None)], flood_past_the_cap).await;
    let report = s.sync(Secrets::default()).await.expect("run completes");
    assert_eq!(report.status, "failed");
    assert!(report.error.as_deref().is_some_and(|e| e.contains("max_read_requests")), "{:?}", report.error);
    assert!(s.sink.requests().is_empty(), "not one of the 100 000 requests was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_cannot_write_to_another_employees_record_or_delete_without_permission() {
    let people = vec![sample("1001", None), sample("1003", None)];
    for (attack, expected) in [
        ("cross-write", "belongs to another employee"),
        ("delete-own", "allow_deletes"),
        ("create-other", "another employee's target record"),
    ] {
        let s = setup(TEST_GUEST_TRESPASSER, "trespasser", people.clone(), trespass(attack)).await;
        let report = s.sync(Secrets::default()).await.expect("run completes");
        let reasons: Vec<String> = report.employees.iter().map(|e| e.outcome.detail()).collect();
        assert!(reasons.iter().any(|r| r.contains(expected)), "{attack}: {reasons:?}");
        // Only employee 1003's own create (no target record yet) may go out.
        let writes: Vec<_> = s.sink.requests().into_iter().filter(|r| r.method != "GET").collect();
        let trespassing = |r: &&paybridge_emulators::sink::SinkRequest| {
            r.method != "POST" || r.path != "/employees" || r.body.contains("t-b") || r.body.contains("t-c")
        };
        assert!(!writes.iter().any(|r| trespassing(&r)), "{attack}: a refused plan sends nothing: {writes:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_links_holding_personal_data_or_past_their_limits_fail_that_employee_and_nothing_is_written_or_kept() {
    let kari = sample("1001", None);
    let ssn = kari.ssn.clone().expect("the sample has a national id");
    for (attack, expected) in [("hoard-links", "personal data"), ("link-flood", "at most 256")] {
        let s = setup(TEST_GUEST_TRESPASSER, "trespasser", vec![kari.clone()], trespass(attack)).await;
        let report = s.sync(Secrets::default()).await.expect("run completes");
        let line = report.employees.iter().find(|e| e.hr_id == kari.id).expect("kari's line");
        assert_eq!(line.outcome.name(), "failed", "{attack}");
        let detail = line.outcome.detail();
        assert!(detail.contains("record links") && detail.contains(expected), "{attack}: {detail}");
        assert!(!digits(&detail).contains(&digits(&ssn)), "{attack}: {detail}");
        assert!(s.sink.requests().iter().all(|r| r.method == "GET"), "{attack}: nothing was written");
        let kept = s.app.store.record_links_of("hostile", std::slice::from_ref(&kari.id)).expect("links");
        assert!(kept.is_empty(), "{attack}: nothing was kept: {kept:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn company_records_learnt_in_the_read_reach_every_reconcile_of_the_run() {
    let people = vec![sample("1001", None), sample("1003", None)];
    let s = setup(TEST_GUEST_TRESPASSER, "trespasser", people, trespass("company-note")).await;
    // The sink keeps nothing, so the trespasser (whose diff is never
    // empty) writes again at each verifying pass: what matters is that
    // every write, of every pass, was planned with the company record.
    s.sync(Secrets::default()).await.expect("run completes");
    let writes: Vec<_> = s.sink.requests().into_iter().filter(|r| r.method != "GET").collect();
    assert!(writes.len() >= 2, "both employees were written: {writes:?}");
    for write in writes {
        let body: serde_json::Value = serde_json::from_str(&write.body).expect("a JSON body");
        assert_eq!(body["note"], "learnt in the read", "the plan saw the company record: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_that_learns_more_company_records_than_the_limit_is_stopped_and_nothing_is_written() {
    let s = setup(TEST_GUEST_TRESPASSER, "trespasser", vec![sample("1001", None)], trespass("company-flood")).await;
    let report = s.sync(Secrets::default()).await.expect("run completes");
    assert_eq!(report.status, "failed");
    let error = report.error.clone().unwrap_or_default();
    assert!(error.contains("company records") && error.contains("4096"), "{error}");
    assert!(s.sink.requests().iter().all(|r| r.method == "GET"), "nothing was written");
}

// --- Identity of a component -------------------------------------------------

/// The impostor component with its name and version slots replaced.
fn impostor(name: &[u8], version: &[u8]) -> Vec<u8> {
    let mut bytes = std::fs::read(component(TEST_GUEST_IMPOSTOR)).expect("impostor");
    let patch = |bytes: &mut Vec<u8>, marker: &[u8], with: &[u8], len: usize| {
        let mut slot = marker.to_vec();
        slot.resize(len, 0);
        let at = bytes.windows(len).position(|w| w == slot.as_slice()).expect("slot in the component");
        let mut new = with.to_vec();
        new.resize(len, 0);
        bytes[at..at + len].copy_from_slice(&new);
    };
    patch(&mut bytes, b"impostor-name-slot", name, 32);
    patch(&mut bytes, b"0.1.0", version, 16);
    bytes
}

#[test]
fn a_name_with_control_characters_or_no_name_is_refused() {
    let r = registry(Limits::default());
    for (name, shown) in [(&b"evil\x1b[2Jname"[..], "evil\\u{1b}[2Jname"), (&b""[..], "\"\"")] {
        let err = r.load_bytes(&impostor(name, b"0.1.0"), Path::new("impostor.wasm"), Path::new("x.wasm"));
        let message = format!("{:#}", err.expect_err("refused"));
        assert!(message.contains("name") && message.contains(shown), "{message}");
        assert!(!message.contains('\u{1b}'), "no raw escape reaches the terminal");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_claiming_another_connectors_name_with_a_higher_version_does_not_become_active() {
    let dir = tempfile::tempdir().expect("temp");
    let connectors = dir.path().join("connectors");
    std::fs::create_dir(&connectors).expect("dir");
    std::fs::copy(component(TWENTYFOUR_SEVEN), connectors.join("twentyfour-seven.wasm")).expect("copy");
    let mut config = Config::new(dir.path().join("paybridge.db"), connectors, dir.path().join("unused.json"));
    config.integrations = vec![IntegrationConfig::new("24so", "twentyfour-seven", "http://127.0.0.1:9")];
    let app = App::open(config.clone(), Limits::default()).expect("app");
    let fake = dir.path().join("vendor-upgrade.wasm");
    std::fs::write(&fake, impostor(b"twentyfour-seven", b"9.0.0")).expect("write");

    let (installed, active) = app.install_connector(&fake).expect("installs");
    assert!(!active, "a new version waits for the operator");
    assert_eq!(app.connector_for(&config.integrations[0]).expect("resolves").manifest.version, "2.0.0");
    let from = app.store.installed_from(&installed.sha256).expect("store").expect("recorded");
    assert!(from.ends_with("vendor-upgrade.wasm"), "{from}");
    drop(app);

    let reopened = App::open(config.clone(), Limits::default()).expect("reopens");
    assert_eq!(
        reopened.connector_for(&config.integrations[0]).expect("resolves").manifest.version,
        "2.0.0",
        "still after a restart"
    );
    reopened.activate_connector("twentyfour-seven", "9.0.0").expect("the operator activates it");
    assert_eq!(reopened.connector_for(&config.integrations[0]).expect("resolves").manifest.version, "9.0.0");
}

#[test]
fn a_component_of_a_foreign_contract_major_is_refused_naming_both_versions() {
    let err = registry(Limits::default()).load_file(&component(TEST_GUEST_CONTRACT_THREE)).expect_err("refused");
    let message = format!("{err:#}");
    assert!(
        message.contains("paybridge:connector@3.0.0") && message.contains("speaks paybridge:connector 1.x, 2.x"),
        "{message}"
    );
}

#[test]
fn an_install_error_names_the_file_given_not_its_stored_copy() {
    let dir = tempfile::tempdir().expect("temp");
    let given = component(TEST_GUEST_FORBIDDEN_IMPORT);
    let err = registry(Limits::default()).install(&given, dir.path()).expect_err("refused");
    let message = format!("{err:#}");
    assert!(message.contains(&given.display().to_string()), "{message}");
}

// --- One run at a time ---------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_of_the_same_integration_is_refused_clearly_while_one_runs() {
    let h = common::Harness::new(&sample_snapshot()).await;
    let held = h.app.store.lock_run(common::INTEGRATION).expect("a run holds the lock");
    let err = h.try_sync(SyncOptions::default()).await.expect_err("refused");
    assert!(matches!(err, SyncError::Busy(_)), "{err:?}");
    assert!(err.to_string().contains("being synced by another run"), "{err}");
    assert!(h.emulator.requests().is_empty(), "the refused run sent nothing");
    drop(held);
    assert_eq!(h.sync().await.status, "succeeded");
}

// --- The import direction ----------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_writes_only_known_fields_into_the_employee_the_read_matched_whatever_the_connector_claims() {
    use paybridge::config::AlexisHrConfig;
    use paybridge::import::ImportOptions;
    use paybridge_emulators::alexishr;

    let text = std::fs::read_to_string(common::root().join("examples/hr-snapshot.json")).expect("example");
    let hr = alexishr::Emulator::with_snapshot(alexishr::Settings::default(), &text).await.expect("AlexisHR");
    let id_of = |number: &str| {
        let records = hr.records("employee");
        let e = records.iter().find(|e| e["employeeNumber"] == number).expect("in HR");
        e["id"].as_str().expect("id").to_owned()
    };
    let sink = Sink::start().await.expect("sink");
    let targets = r#"[{"id":"t-a","number":"1001","name":"x"},{"id":"t-b","number":"1002","name":"y"},{"id":"t-c","number":"9999","name":"z"}]"#;
    sink.respond("GET", "/employees", 200, targets);
    let dir = tempfile::tempdir().expect("temp");
    let connectors = dir.path().join("connectors");
    std::fs::create_dir(&connectors).expect("dir");
    std::fs::copy(component(TEST_GUEST_TRESPASSER), connectors.join("trespasser.wasm")).expect("copy");
    let mut integration = IntegrationConfig::new("hostile", "trespasser", &sink.base_url());
    for (k, v) in [
        ("attack", "import-foreign".to_owned()),
        ("victim", "1002".to_owned()),
        ("victim2", id_of("1003")),
        ("owner.privatePhone", "payroll".to_owned()),
    ] {
        integration.settings.insert(k.into(), v);
    }
    let mut config = Config::new(dir.path().join("paybridge.db"), connectors, "unused".into());
    config.hr_snapshot = None;
    config.alexishr = Some(AlexisHrConfig::new(&hr.base_url()));
    config.integrations = vec![integration];
    let app = App::open(config, Limits::default()).expect("app");

    let report = app
        .import_from_target("hostile", &ImportOptions::default(), Some(Secrets::from_pairs(&[])), Some(hr.token()))
        .await
        .expect("the import runs");
    let line = |number: &str| report.employees.iter().find(|e| e.employee_number.as_deref() == Some(number));
    assert_eq!(
        line("1001").map(|l| l.outcome.as_str()),
        Some("updated"),
        "matched by the read, not the claim: {report:#?}"
    );
    let victim = line("1002").expect("1002's line");
    assert_eq!(victim.outcome, "failed");
    assert!(victim.reason.as_deref().is_some_and(|r| r.contains("custom.salary")), "{victim:?}");
    assert!(line("1003").is_none(), "the claimed HR id is not trusted");
    assert!(report.not_in_hr.iter().any(|t| t.starts_with("ghost (refused")), "{:?}", report.not_in_hr);

    let writes = hr.write_requests();
    assert_eq!(writes.len(), 1, "{writes:#?}");
    assert_eq!(writes[0].path, format!("/employee/{}", id_of("1001")));
    assert_eq!(writes[0].body, r#"{"privatePhone":"+47 999 00 1001"}"#);

    let mut flood = app.config.clone();
    flood.integrations[0].settings.insert("attack".into(), "import-flood".into());
    let flooded = App::open(flood, Limits::default()).expect("app");
    let err = flooded
        .import_from_target("hostile", &ImportOptions::default(), Some(Secrets::from_pairs(&[])), Some(hr.token()))
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("answered 6 updates for 3 target employees"), "{err}");
    assert_eq!(hr.write_requests().len(), 1, "nothing more written");
}
