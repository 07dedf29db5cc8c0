//! Kontek both ways: the real host and the real Kontek component between
//! the AlexisHR emulator (the live HR source, written back through its
//! API) and the Kontek emulator. The import fills what HR lacks, writes
//! what payroll owns, never what HR owns; the export never sends what
//! payroll owns; alternating edits settle with one write per real change.

mod common;

use common::{connectors_in, root};
use paybridge::app::App;
use paybridge::config::{AlexisHrConfig, Config, IntegrationConfig, WatchConfig};
use paybridge::http::Secrets;
use paybridge::import::{ImportOptions, ImportReport};
use paybridge::runtime::Limits;
use paybridge::sync::{RunReport, SyncOptions};
use paybridge::watch::{Tick, Watcher};
use paybridge_emulators::{alexishr, kontek};
use serde_json::{Value, json};

const KONTEK: &str = "kontek";

struct TwoWay {
    app: App,
    hr: alexishr::Emulator,
    payroll: kontek::Emulator,
    _dir: tempfile::TempDir,
}

impl TwoWay {
    async fn new(settings: &[(&str, &str)]) -> Self {
        let text = std::fs::read_to_string(root().join("examples/hr-sweden.json")).expect("examples/hr-sweden.json");
        let hr = alexishr::Emulator::with_snapshot(alexishr::Settings::default(), &text).await.expect("AlexisHR");
        let payroll = kontek::Emulator::start(kontek::Settings::default()).await.expect("Kontek");
        let dir = tempfile::tempdir().expect("temp");
        let mut config = Config::new(dir.path().join("paybridge.db"), connectors_in(dir.path()), "unused".into());
        config.hr_snapshot = None;
        config.alexishr = Some(AlexisHrConfig { retry_backoff_ms: 1, ..AlexisHrConfig::new(&hr.base_url()) });
        let mut integration = IntegrationConfig::new(KONTEK, "kontek", &payroll.base_url());
        integration.secrets.insert("username".into(), "UNUSED_IN_TESTS".into());
        integration.secrets.insert("password".into(), "UNUSED_IN_TESTS".into());
        integration.retry_backoff_ms = 1;
        integration.watch = Some(WatchConfig {
            interval_secs: Some(1),
            debounce_secs: Some(0),
            settings: [("field_set".to_owned(), "on-change".to_owned())].into(),
        });
        for (k, v) in settings {
            integration.settings.insert((*k).into(), (*v).into());
        }
        config.integrations = vec![integration];
        let app = App::open(config, Limits::default()).expect("app opens");
        Self { app, hr, payroll, _dir: dir }
    }

    fn secrets(&self) -> Secrets {
        Secrets::from_pairs(&[("username", &self.payroll.username()), ("password", &self.payroll.password())])
    }

    /// Read HR, then export to Kontek.
    async fn export(&self) -> RunReport {
        self.app.import_hr_with(Some(self.hr.token())).await.expect("HR read");
        self.app.sync(KONTEK, &SyncOptions::default(), Some(self.secrets()), None).await.expect("export runs")
    }

    async fn import(&self, dry_run: bool) -> ImportReport {
        let options = ImportOptions { dry_run };
        self.app
            .import_from_target(KONTEK, &options, Some(self.secrets()), Some(self.hr.token()))
            .await
            .expect("import runs")
    }

    fn watcher(&self) -> Watcher<'_> {
        Watcher::new(&self.app, KONTEK, Some(self.secrets()), Some(self.hr.token())).expect("watcher")
    }

    /// The AlexisHR record of employee `number`.
    fn hr_employee(&self, number: &str) -> Value {
        self.hr.records("employee").into_iter().find(|e| e["employeeNumber"] == number).expect("in HR")
    }

    fn hr_id(&self, number: &str) -> String {
        self.hr_employee(number)["id"].as_str().expect("id").to_owned()
    }
}

#[tokio::test]
async fn the_first_import_fills_what_hr_lacks_and_writes_what_payroll_owns_but_keeps_what_hr_holds() {
    let two = TwoWay::new(&[("owner.privatePhone", "payroll")]).await;
    two.payroll
        .insert(json!({
            "employeeId": "2001", "firstName": "Astrid", "lastName": "Lindqvist", "ssn": "19930902-2383",
            "telephoneNo": "+46 70 999 99 99", "emailAddressWork": "astrid@kontek.example",
            "address": {"street": "Drottninggatan 12", "coAddress": "c/o Berg", "postalCode": "11151", "city": "Sundbyberg", "country": "SE"},
        }))
        .expect("seeded in Kontek");
    assert!(two.hr.edit("employee", &two.hr_id("2001"), json!({"workEmail": null})));

    let report = two.import(false).await;
    let astrid = report.employees.iter().find(|e| e.employee_number.as_deref() == Some("2001")).expect("2001");
    assert_eq!(astrid.outcome, "updated", "{report:#?}");
    let written: Vec<&str> = astrid.changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(written, ["privatePhone", "workEmail"], "payroll's phone, and the email HR lacked");
    assert!(astrid.kept.contains(&"homeAddress.city".to_owned()), "HR's city stands: {:?}", astrid.kept);

    let writes = two.hr.write_requests();
    assert_eq!(writes.len(), 1, "{writes:#?}");
    assert_eq!(writes[0].path, format!("/employee/{}", two.hr_id("2001")));
    let body: Value = serde_json::from_str(&writes[0].body).expect("JSON");
    assert_eq!(body, json!({"privatePhone": "+46 70 999 99 99", "workEmail": "astrid@kontek.example"}));
    let in_hr = two.hr_employee("2001");
    assert_eq!(
        (in_hr["privatePhone"].as_str(), in_hr["homeAddress"]["city"].as_str()),
        (Some("+46 70 999 99 99"), Some("Stockholm"))
    );
    let stored = two.app.store.current_employees().expect("stored");
    let stored = stored.iter().find(|e| e.employee_number.as_deref() == Some("2001")).expect("2001");
    assert_eq!(stored.work_email.as_deref(), Some("astrid@kontek.example"), "HR is read again after the import");
    assert!(report.not_in_hr.is_empty(), "{:?}", report.not_in_hr);
}

#[tokio::test]
async fn ten_alternating_edits_give_one_write_per_real_change_and_no_side_overwrites_what_the_other_owns() {
    let two = TwoWay::new(&[("field_set", "on-change"), ("owner.privatePhone", "payroll")]).await;
    two.export().await;
    assert_eq!(two.payroll.employees().len(), 5);
    assert!(two.payroll.employees().iter().all(|e| e["telephoneNo"].is_null()), "payroll's phone is never exported");
    let id = two.hr_id("2001");
    let (kontek_before, hr_before) = (two.payroll.write_requests().len(), two.hr.write_requests().len());

    for i in 0..10 {
        let (kontek_at, hr_at) = (two.payroll.write_requests().len(), two.hr.write_requests().len());
        if i % 2 == 0 {
            assert!(two.hr.edit("employee", &id, json!({"lastName": format!("Lindqvist-{i}")})));
            two.export().await;
            assert_eq!(two.payroll.write_requests().len(), kontek_at + 1, "edit {i}: HR's change reaches Kontek once");
            let echo = two.import(false).await;
            assert_eq!(two.hr.write_requests().len(), hr_at, "edit {i}: no echo into HR: {echo:#?}");
        } else {
            two.payroll.edit("2001", json!({"telephoneNo": format!("+46 70 000 10 {i:02}")})).expect("clerk edits");
            two.import(false).await;
            assert_eq!(two.hr.write_requests().len(), hr_at + 1, "edit {i}: Kontek's change reaches HR once");
            two.export().await;
            assert_eq!(two.payroll.write_requests().len(), kontek_at, "edit {i}: no echo into Kontek");
        }
    }
    assert_eq!(two.payroll.write_requests().len() - kontek_before, 5, "five HR edits, five Kontek writes");
    assert_eq!(two.hr.write_requests().len() - hr_before, 5, "five Kontek edits, five HR writes");
    assert_eq!(two.payroll.employee("2001").expect("2001")["lastName"], "Lindqvist-8");
    assert_eq!(two.hr_employee("2001")["privatePhone"], "+46 70 000 10 09");

    // HR owns the city: a clerk's change is not imported, and the next export puts HR's back.
    two.payroll.edit("2001", json!({"address": {"city": "Solna"}})).expect("clerk edits");
    let hr_at = two.hr.write_requests().len();
    let report = two.import(false).await;
    assert_eq!(two.hr.write_requests().len(), hr_at, "HR's city is not overwritten");
    assert!(report.employees.iter().any(|e| e.kept.contains(&"homeAddress.city".to_owned())));
    two.export().await;
    assert_eq!(two.payroll.employee("2001").expect("2001")["address"]["city"], "Stockholm");
    // Payroll owns the phone: an HR edit of it is not exported.
    assert!(two.hr.edit("employee", &id, json!({"privatePhone": "+46 70 555 55 55"})));
    let kontek_at = two.payroll.write_requests().len();
    two.export().await;
    assert_eq!(two.payroll.write_requests().len(), kontek_at, "payroll's phone is never overwritten by HR");
}

#[tokio::test]
async fn a_dry_run_import_shows_the_plan_and_writes_nothing() {
    let two = TwoWay::new(&[("owner.privatePhone", "payroll")]).await;
    two.export().await;
    two.payroll.edit("2002", json!({"telephoneNo": "+46 70 111 11 11"})).expect("clerk edits");
    let report = two.import(true).await;
    let erik = report.employees.iter().find(|e| e.employee_number.as_deref() == Some("2002")).expect("2002");
    assert_eq!(erik.outcome, "planned");
    assert_eq!(erik.changes[0].after, "+46 70 111 11 11");
    assert!(two.hr.write_requests().is_empty());
}

#[tokio::test]
async fn an_import_without_the_live_hr_source_is_refused_with_what_to_configure() {
    let dir = tempfile::tempdir().expect("temp");
    let mut config =
        Config::new(dir.path().join("paybridge.db"), connectors_in(dir.path()), root().join("examples/hr-sweden.json"));
    config.integrations = vec![IntegrationConfig::new(KONTEK, "kontek", "http://127.0.0.1:9/acme/api/v1")];
    let app = App::open(config, Limits::default()).expect("app");
    let err = app.import_from_target(KONTEK, &ImportOptions::default(), None, None).await.expect_err("refused");
    assert!(err.to_string().contains("[alexishr]"), "{err}");
}

#[tokio::test]
async fn an_hr_edit_is_in_kontek_after_one_watch_round_with_only_the_update_on_change_fields() {
    let two = TwoWay::new(&[]).await;
    two.export().await;
    let watcher = two.watcher();
    // A first watch takes every change ever noted (the first import's): the
    // update-on-change fields the export leaves out (the phone) go then.
    assert!(matches!(watcher.tick().await.expect("tick"), Tick::Synced { .. }));
    assert_eq!(two.payroll.employee("2001").expect("2001")["telephoneNo"], "+46 70 000 001");
    assert!(matches!(watcher.tick().await.expect("tick"), Tick::Quiet), "nothing changed since");

    let id = two.hr_id("2001");
    assert!(two.hr.edit("employee", &id, json!({"lastName": "Lindqvist-Ek", "workPhone": "+46 8 123"})));
    assert!(
        two.hr.edit("compensation", "co-2001-1", json!({"amount": 51000})),
        "a salary change, not an on-change field"
    );
    let kontek_at = two.payroll.requests().len();
    let Tick::Synced { employees, report } = watcher.tick().await.expect("tick") else { panic!("the edit is seen") };
    let _ = &report;
    assert_eq!(employees, std::slice::from_ref(&id), "only the changed employee is synced");
    assert_eq!(report.employees.len(), 1);
    let writes: Vec<_> = two.payroll.requests()[kontek_at..].iter().filter(|r| r.method != "GET").cloned().collect();
    assert_eq!(writes.len(), 1, "{writes:#?}");
    let body: Value = serde_json::from_str(&writes[0].body).expect("JSON");
    assert_eq!(
        body,
        json!({"lastName": "Lindqvist-Ek"}),
        "the salary and the work phone are not update-on-change fields"
    );
    assert_eq!(two.payroll.employee("2001").expect("2001")["employment"]["salary"]["amount"], 42000);

    let kontek_at = two.payroll.requests().len();
    assert!(matches!(watcher.tick().await.expect("tick"), Tick::Quiet));
    assert_eq!(two.payroll.requests().len(), kontek_at, "a quiet round does not touch Kontek");
}

#[tokio::test]
async fn a_change_the_import_wrote_into_hr_does_not_bounce_back_to_kontek() {
    let two = TwoWay::new(&[("owner.privatePhone", "payroll")]).await;
    two.export().await;
    let watcher = two.watcher();
    watcher.tick().await.expect("settle");
    two.payroll.edit("2003", json!({"telephoneNo": "+46 70 222 22 22"})).expect("clerk edits");
    two.import(false).await;
    assert_eq!(two.hr.write_requests().len(), 1, "the phone reached HR");
    let writes = two.payroll.write_requests().len();
    let tick = watcher.tick().await.expect("tick");
    let Tick::Synced { employees, .. } = &tick else {
        panic!("HR's change, read by the import, is still seen: {tick:?}")
    };
    assert_eq!(employees, &[two.hr_id("2003")]);
    assert_eq!(two.payroll.write_requests().len(), writes, "and finds Kontek already holding it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_and_watch_work_from_the_command_line_with_the_readme_s_config() {
    let two = TwoWay::new(&[]).await;
    let dir = tempfile::tempdir().expect("temp");
    let config = dir.path().join("paybridge.toml");
    let toml = format!(
        r#"
database = "paybridge.db"
connectors_dir = "{connectors}"

[alexishr]
base_url = "{hr}"
token_env = "TEST_ALEXISHR_TOKEN"

[[integration]]
name = "kontek"
connector = "kontek"
base_url = "{kontek}"

[integration.secrets]
username = "TEST_KONTEK_USERNAME"
password = "TEST_KONTEK_PASSWORD"

[integration.settings]
"owner.privatePhone" = "payroll"

[integration.watch]
interval_secs = 60
debounce_secs = 0
settings = {{ field_set = "on-change" }}
"#,
        connectors = connectors_in(dir.path()).display(),
        hr = two.hr.base_url(),
        kontek = two.payroll.base_url(),
    );
    std::fs::write(&config, toml).expect("config");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_paybridge"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .env("TEST_ALEXISHR_TOKEN", two.hr.token())
            .env("TEST_KONTEK_USERNAME", two.payroll.username())
            .env("TEST_KONTEK_PASSWORD", two.payroll.password())
            .output()
            .expect("paybridge runs");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{args:?}: {text}");
        text
    };
    run(&["sync", "--integration", "kontek"]);
    assert_eq!(two.payroll.employees().len(), 5);
    two.payroll.edit("2002", json!({"telephoneNo": "+46 70 333 33 33"})).expect("clerk edits");
    let plan = run(&["import", "--integration", "kontek", "--dry-run"]);
    assert!(plan.contains("planned") && plan.contains("privatePhone"), "{plan}");
    assert!(two.hr.write_requests().is_empty(), "a dry run writes nothing");
    run(&["import", "--integration", "kontek"]);
    assert_eq!(two.hr_employee("2002")["privatePhone"], "+46 70 333 33 33");
    let watched = run(&["watch", "--integration", "kontek", "--once"]);
    assert!(watched.contains("changed in HR"), "{watched}");
}

#[tokio::test]
async fn a_watch_round_whose_run_failed_takes_the_same_changes_again() {
    let two = TwoWay::new(&[]).await;
    two.export().await;
    two.watcher().tick().await.expect("settle");
    let id = two.hr_id("2004");
    assert!(two.hr.edit("employee", &id, json!({"firstName": "Johan Erik"})));
    let wrong = Secrets::from_pairs(&[("username", &two.payroll.username()), ("password", "pw-not-it")]);
    let failing = Watcher::new(&two.app, KONTEK, Some(wrong), Some(two.hr.token())).expect("watcher");
    let Tick::Synced { report, .. } = failing.tick().await.expect("tick") else { panic!("the edit is seen") };
    assert_eq!(report.status, "failed");
    assert_eq!(two.payroll.employee("2004").expect("2004")["firstName"], "Johan");

    let Tick::Synced { employees, .. } = two.watcher().tick().await.expect("tick") else { panic!("taken again") };
    assert_eq!(employees, std::slice::from_ref(&id));
    assert_eq!(two.payroll.employee("2004").expect("2004")["firstName"], "Johan Erik");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_watches_hr_and_pushes_an_edit_to_kontek_by_itself() {
    let two = TwoWay::new(&[]).await;
    two.export().await;
    let TwoWay { app, hr, payroll, _dir } = two;
    let id = hr.records("employee").into_iter().find(|e| e["employeeNumber"] == "2003").expect("2003")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let secrets = std::collections::HashMap::from([(
        KONTEK.to_owned(),
        Secrets::from_pairs(&[("username", &payroll.username()), ("password", &payroll.password())]),
    )]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = paybridge::serve::ServeOptions {
        tick: std::time::Duration::from_secs(3600),
        secrets,
        hr_token: Some(hr.token()),
        ..paybridge::serve::ServeOptions::default()
    };
    let server = tokio::spawn(paybridge::serve::serve(std::sync::Arc::new(app), listener, options, async {
        let _ = stopped.await;
    }));
    assert!(hr.edit("employee", &id, json!({"lastName": "Nilsson-Ek"})));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while payroll.employee("2003").expect("2003")["lastName"] != "Nilsson-Ek" {
        assert!(std::time::Instant::now() < deadline, "the edit never reached Kontek");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = stop.send(());
    server.await.expect("joined").expect("the server stops cleanly");
}
