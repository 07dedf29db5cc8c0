//! Kontek Lön end to end, export direction: the real host and the real
//! Kontek component against the Kontek emulator on loopback (per-customer
//! URL, HTTP Basic), with Swedish sample employees
//! (`examples/hr-sweden.json`, Skatteverket test personnummer).

mod common;

use common::{oslo, outcome_of, root};
use paybridge::app::App;
use paybridge::config::IntegrationConfig;
use paybridge::http::Secrets;
use paybridge::runtime::Limits;
use paybridge::source::{HrSnapshot, parse_snapshot};
use paybridge::sync::{RunReport, SyncOptions};
use paybridge_emulators::kontek::{Emulator, Settings};
use serde_json::{Value, json};

const KONTEK: &str = "kontek";

fn sweden() -> HrSnapshot {
    let text = std::fs::read_to_string(root().join("examples/hr-sweden.json")).expect("examples/hr-sweden.json");
    parse_snapshot(&text, &oslo()).expect("the Swedish sample parses")
}

struct Kontek {
    app: App,
    emulator: Emulator,
    _dir: tempfile::TempDir,
}

impl Kontek {
    async fn new(settings: &[(&str, &str)]) -> Self {
        let emulator = Emulator::start(Settings::default()).await.expect("Kontek emulator starts");
        let mut integration = IntegrationConfig::new(KONTEK, "kontek", &emulator.base_url());
        integration.secrets.insert("username".into(), "UNUSED_IN_TESTS".into());
        integration.secrets.insert("password".into(), "UNUSED_IN_TESTS".into());
        for (k, v) in settings {
            integration.settings.insert((*k).into(), (*v).into());
        }
        let (app, dir) = common::open_app(integration, &sweden(), Limits::default());
        Self { app, emulator, _dir: dir }
    }

    async fn sync_with(&self, password: &str, options: SyncOptions) -> RunReport {
        let secrets = Secrets::from_pairs(&[("username", &self.emulator.username()), ("password", password)]);
        self.app.sync(KONTEK, &options, Some(secrets), None).await.expect("the run runs")
    }

    async fn sync(&self) -> RunReport {
        self.sync_with(&self.emulator.password(), SyncOptions::default()).await
    }

    fn employee(&self, id: &str) -> Value {
        self.emulator.employee(id).unwrap_or_else(|| panic!("{id} in Kontek"))
    }

    /// Edit one HR employee of the Swedish sample and import it again.
    fn edit_hr(&self, number: &str, edit: impl FnOnce(&mut paybridge::model::hr::Employee)) {
        let mut snapshot = sweden();
        let employee = snapshot.employees.iter_mut().find(|e| e.employee_number.as_deref() == Some(number));
        edit(employee.expect("in the sample"));
        self.app.import(&snapshot).expect("import");
    }
}

#[tokio::test]
async fn a_manual_export_creates_every_valid_employee_in_kontek_s_shape_and_skips_an_invalid_personnummer() {
    let k = Kontek::new(&[]).await;
    let report = k.sync().await;
    assert_eq!(k.emulator.employees().len(), 5, "{report:#?}");

    let astrid = k.employee("2001");
    assert_eq!(astrid["ssn"], "19930902-2383", "the 12-digit form, with its dash");
    assert_eq!(
        astrid["address"],
        json!({"street": "Drottninggatan 12", "coAddress": "c/o Berg", "postalCode": "11151", "city": "Stockholm", "country": "SE"})
    );
    assert_eq!(astrid["bank"], json!({"clearingNo": "84244", "accountNo": "9831892246"}));
    assert_eq!(astrid["employment"]["employmentType"], "permanent");
    assert_eq!(astrid["employment"]["salary"], json!({"amount": 42000, "period": "monthly"}));
    assert_eq!(astrid["telephoneNo"], Value::Null, "the phone is not in the export's field list");
    let erik = k.employee("2002");
    assert_eq!(erik["ssn"], "19990823-2383", "a 10-digit number gets its century");
    assert_eq!(erik["employment"]["salary"], json!({"amount": 185, "period": "hourly"}));
    assert_eq!(k.employee("2005")["ssn"], "19850963-2389", "a samordningsnummer keeps its day + 60");

    let oskar = outcome_of(&report, "2006");
    assert_eq!(oskar.outcome.name(), "skipped");
    let reason = oskar.outcome.detail();
    assert!(reason.contains("personnummer") && reason.contains("check digit"), "{reason}");
    assert!(!reason.contains("19971210"), "the number itself is not shown: {reason}");

    let writes = k.emulator.write_requests().len();
    let second = k.sync().await;
    assert_eq!(k.emulator.write_requests().len(), writes, "a second export writes nothing");
    assert_eq!(outcome_of(&second, "2001").outcome.name(), "unchanged");
}

#[tokio::test]
async fn an_hr_edit_is_one_patch_with_only_the_changed_fields() {
    let k = Kontek::new(&[]).await;
    k.sync().await;
    k.edit_hr("2004", |e| {
        if let Some(a) = e.home_address.as_mut() {
            a.city = Some("Enköping".into());
            a.co = None;
        }
    });
    let before = k.emulator.write_requests().len();
    let report = k.sync().await;
    let writes = &k.emulator.write_requests()[before..];
    assert_eq!(writes.len(), 1, "{writes:#?}");
    assert_eq!((writes[0].method.as_str(), writes[0].path.as_str()), ("PATCH", "/employees/2004"));
    let body: Value = serde_json::from_str(&writes[0].body).expect("JSON");
    assert_eq!(body, json!({"address": {"city": "Enköping", "coAddress": null}}), "a cleared c/o is sent as null");
    assert_eq!(k.employee("2004")["address"]["street"], "Svartbäcksgatan 20", "the rest is kept");
    assert_eq!(outcome_of(&report, "2004").outcome.name(), "updated");
}

#[tokio::test]
async fn an_employee_already_in_kontek_is_matched_by_personnummer_however_it_is_written() {
    let k = Kontek::new(&[]).await;
    k.emulator
        .insert(json!({"employeeId": "K-77", "firstName": "Erik", "lastName": "Johansson", "ssn": "19990823-2383"}))
        .expect("seeded");
    k.sync().await;
    assert!(k.emulator.employee("2002").is_none(), "no duplicate under the HR number");
    let erik = k.employee("K-77");
    assert_eq!(erik["address"]["city"], "Göteborg", "the existing employee was updated");
    let posts = k.emulator.write_requests().into_iter().filter(|r| r.method == "POST").count();
    assert_eq!(posts, 4, "five employees, one of them already there");
}

#[tokio::test]
async fn the_on_change_flow_writes_only_the_seeds_update_fields() {
    let k = Kontek::new(&[]).await;
    k.sync().await;
    let on_change = Kontek { app: reopen(&k, "on-change"), emulator: k.emulator, _dir: k._dir };
    // The first run of the flow sends the phones the export leaves out.
    on_change.sync().await;
    on_change.edit_hr("2001", |e| {
        e.private_phone = Some("+46 70 123 45 67".into());
        e.compensations[0].amount = Some("99000".into());
        e.employments[0].end_date = Some("2027-01-31".into());
    });
    let before = on_change.emulator.write_requests().len();
    on_change.sync().await;
    let writes = &on_change.emulator.write_requests()[before..];
    assert_eq!(writes.len(), 1, "{writes:#?}");
    let body: Value = serde_json::from_str(&writes[0].body).expect("JSON");
    assert_eq!(body, json!({"telephoneNo": "+46 70 123 45 67"}), "salary and end date are not on-change fields");
    assert_eq!(on_change.employee("2001")["employment"]["salary"]["amount"], 42000);
}

/// The app of `k` again, with the integration's `field_set` setting.
fn reopen(k: &Kontek, field_set: &str) -> App {
    let mut config = k.app.config.clone();
    config.integrations[0].settings.insert("field_set".into(), field_set.into());
    App::open(config, Limits::default()).expect("reopens")
}

#[tokio::test]
async fn a_payroll_clerk_s_edit_of_a_field_hr_does_not_send_is_left_alone() {
    let k = Kontek::new(&[]).await;
    k.sync().await;
    k.emulator.edit("2003", json!({"employment": {"averageWeeklyHours": 32}, "status": "inactive"})).expect("edited");
    let before = k.emulator.write_requests().len();
    k.sync().await;
    assert_eq!(k.emulator.write_requests().len(), before, "nothing HR does not own is written back");
    assert_eq!(k.employee("2003")["employment"]["averageWeeklyHours"], 32);
}

#[tokio::test]
async fn a_wrong_password_fails_the_run_with_a_clear_error_and_sends_no_write() {
    let k = Kontek::new(&[]).await;
    let secrets = Secrets::from_pairs(&[("username", &k.emulator.username()), ("password", "pw-7f3a9c")]);
    let result = k.app.sync(KONTEK, &SyncOptions::default(), Some(secrets), None).await;
    let message = match result {
        Ok(report) => format!("{:?} {:?}", report.status, report.error),
        Err(e) => e.to_string(),
    };
    assert!(message.contains("401"), "{message}");
    assert!(!message.contains("pw-7f3a9c"), "the password is not shown: {message}");
    assert!(k.emulator.write_requests().is_empty());
}
