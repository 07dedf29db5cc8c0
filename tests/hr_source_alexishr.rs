//! The live AlexisHR source against the AlexisHR emulator on loopback:
//! paging, incremental reads from the `updated` cursor, 429 and 500 in
//! the middle of a read, and a read cut short that resumes at the page it
//! stopped at, also when a real `paybridge hr import` is killed (kill -9)
//! in the middle of a read.

mod common;

use common::{root, sample_snapshot};
use paybridge::app::App;
use paybridge::config::{AlexisHrConfig, Config};
use paybridge::runtime::Limits;
use paybridge_emulators::alexishr::{Emulator, Settings};
use paybridge_emulators::faults::{Fault, LoggedRequest};
use std::process::Command;

/// Records per page in these tests: the example's 28 employees take 3 pages.
const PAGE: u32 = 10;

async fn emulator() -> Emulator {
    let text = std::fs::read_to_string(root().join("examples/hr-snapshot.json")).expect("example snapshot");
    Emulator::with_snapshot(Settings::default(), &text).await.expect("AlexisHR emulator starts")
}

fn source(emulator: &Emulator) -> AlexisHrConfig {
    AlexisHrConfig { page_size: PAGE, retry_backoff_ms: 1, ..AlexisHrConfig::new(&emulator.base_url()) }
}

fn app(emulator: &Emulator, dir: &tempfile::TempDir) -> App {
    let mut config = Config::new(dir.path().join("paybridge.db"), dir.path().join("connectors"), "unused".into());
    config.hr_snapshot = None;
    config.alexishr = Some(source(emulator));
    App::open_without_connectors(config, Limits::default()).expect("app opens")
}

/// The queries of the requests for `list` (`/employee`), in order.
fn queries(requests: &[LoggedRequest], list: &str) -> Vec<String> {
    requests.iter().filter(|r| r.path == list).map(|r| decode(&r.query)).collect()
}

/// A query with its brackets and dollars readable.
fn decode(query: &str) -> String {
    query.replace("%5B", "[").replace("%5D", "]").replace("%24", "$").replace("%3A", ":")
}

/// Panics with the first field that differs, not two whole company dumps.
fn assert_same_employees(actual: &[paybridge::model::hr::Employee], expected: &[paybridge::model::hr::Employee]) {
    assert_eq!(actual.len(), expected.len(), "employee count");
    for (a, e) in actual.iter().zip(expected) {
        if a != e {
            let (a, e) = (format!("{a:#?}"), format!("{e:#?}"));
            let first = a.lines().zip(e.lines()).find(|(x, y)| x != y);
            panic!("employee {} differs; first line: {first:?}", e.lines().nth(1).unwrap_or(""));
        }
    }
}

/// Employees in id order, their related records too: the API lists by
/// id, a file in the order it was written, and the order means nothing.
fn in_id_order(mut employees: Vec<paybridge::model::hr::Employee>) -> Vec<paybridge::model::hr::Employee> {
    employees.sort_by(|a, b| a.id.cmp(&b.id));
    for e in &mut employees {
        e.employments.sort_by(|a, b| a.id.cmp(&b.id));
        e.compensations.sort_by(|a, b| a.id.cmp(&b.id));
        e.absences.sort_by(|a, b| a.id.cmp(&b.id));
        e.children.sort_by(|a, b| a.id.cmp(&b.id));
    }
    employees
}

fn employees_sorted(app: &App) -> Vec<paybridge::model::hr::Employee> {
    in_id_order(app.store.current_employees().expect("employees"))
}

fn expected() -> Vec<paybridge::model::hr::Employee> {
    in_id_order(sample_snapshot().employees)
}

#[tokio::test]
async fn the_live_source_pages_every_list_and_gives_the_employees_the_snapshot_file_gives() {
    let emulator = emulator().await;
    emulator.insert(
        "leave-type-code",
        serde_json::json!({"id": "ltc-1", "companyId": "c-demo", "leaveTypeId": "lt-sick", "code": "01"}),
    );
    let dir = tempfile::tempdir().expect("temp");
    let app = app(&emulator, &dir);
    let imported = app.import_hr_with(Some(emulator.token())).await.expect("import");
    assert_eq!(imported.employees, 28);

    let mut expected = expected();
    for absence in expected.iter_mut().flat_map(|e| &mut e.absences) {
        if let Some(t) = absence.absence_type.as_mut().filter(|t| t.id == "lt-sick") {
            t.code = Some("01".into());
        }
    }
    assert_same_employees(&employees_sorted(&app), &expected);

    let requests = emulator.requests();
    let pages = queries(&requests, "/employee");
    assert_eq!(pages.len(), 3, "28 employees in pages of 10: {pages:#?}");
    for (page, offset) in pages.iter().zip(["offset=0&", "offset=10&", "offset=20&"]) {
        assert!(page.starts_with("limit=10&") && page.contains(offset), "{page}");
    }
    assert!(requests.iter().all(|r| r.method == "GET" && r.status == 200), "{requests:#?}");
    let leave_types = queries(&requests, "/leave-type");
    assert!(leave_types[0].contains("relations=leaveTypeCode"), "{leave_types:?}");
    let stored = employees_sorted(&app);
    let sick = stored.iter().flat_map(|e| &e.absences).find(|a| a.id == "lv-1001-sick").expect("1001's sick leave");
    let code = sick.absence_type.as_ref().and_then(|t| t.code.as_deref());
    assert_eq!(code, Some("01"), "leave-type codes arrive through the relation");
}

#[tokio::test]
async fn a_second_import_asks_only_for_what_changed_since_the_cursor() {
    let emulator = emulator().await;
    let dir = tempfile::tempdir().expect("temp");
    let app = app(&emulator, &dir);
    app.import_hr_with(Some(emulator.token())).await.expect("first import");
    let before = emulator.requests().len();

    let quiet = app.import_hr_with(Some(emulator.token())).await.expect("second import");
    let read = quiet.read.expect("the live source reports its lists");
    let employee = read.lists.iter().find(|l| l.resource == "employee").expect("employee list");
    assert_eq!((employee.full, employee.changed), (false, 0), "{employee:?}");
    let later = &emulator.requests()[before..];
    let pages = queries(later, "/employee");
    assert!(
        pages[0].contains("filters[updated][$gt]=2026-11-01T00:00:00.000Z"),
        "what changed after the window: {pages:?}"
    );
    assert_eq!(pages.len(), 2, "one page and the count: {pages:?}");

    let kari = emulator.records("employee").into_iter().find(|e| e["employeeNumber"] == "1001").expect("1001");
    let id = kari["id"].as_str().expect("id").to_owned();
    assert!(emulator.edit("employee", &id, serde_json::json!({"lastName": "Nordmann-Berg"})));
    let edited = app.import_hr_with(Some(emulator.token())).await.expect("third import");
    let employee = edited.read.expect("lists").lists.into_iter().find(|l| l.resource == "employee").expect("employee");
    assert_eq!((employee.records, employee.changed), (1, 1), "only the edited employee comes back: {employee:?}");
    let stored = app.store.employees_by_ids(std::slice::from_ref(&id)).expect("stored");
    assert_eq!(stored[0].last_name.as_deref(), Some("Nordmann-Berg"));
}

#[tokio::test]
async fn an_employee_deleted_in_hr_is_noticed_by_the_count_and_marked_gone() {
    let emulator = emulator().await;
    let dir = tempfile::tempdir().expect("temp");
    let app = app(&emulator, &dir);
    app.import_hr_with(Some(emulator.token())).await.expect("first import");
    let gone = emulator.records("employee").into_iter().find(|e| e["employeeNumber"] == "1002").expect("1002");
    assert!(emulator.remove("employee", gone["id"].as_str().expect("id")));

    let after = app.import_hr_with(Some(emulator.token())).await.expect("import");
    let employee = after.read.expect("lists").lists.into_iter().find(|l| l.resource == "employee").expect("list");
    assert!(employee.full && employee.removed == 1, "the count differed, so the list was read whole: {employee:?}");
    assert_eq!(after.employees, 27);
    assert!(
        app.store.current_employees().expect("employees").iter().all(|e| e.employee_number.as_deref() != Some("1002"))
    );
}

#[tokio::test]
async fn a_429_and_a_500_in_the_middle_of_a_read_are_retried_and_nothing_is_skipped_or_doubled() {
    let emulator = emulator().await;
    emulator.push_fault(Fault::status("GET", "/employee", 429, 1).with_retry_after(0).after_matching(1));
    emulator.push_fault(Fault::status("GET", "/compensation", 500, 1).after_matching(1));
    let dir = tempfile::tempdir().expect("temp");
    let app = app(&emulator, &dir);
    let imported = app.import_hr_with(Some(emulator.token())).await.expect("import rides out the faults");
    assert_eq!(imported.employees, 28);
    assert_same_employees(&employees_sorted(&app), &expected());

    let pages = queries(&emulator.requests(), "/employee");
    let offsets: Vec<&str> = pages.iter().filter_map(|q| q.split('&').find(|p| p.starts_with("offset="))).collect();
    assert_eq!(offsets, ["offset=0", "offset=10", "offset=10", "offset=20"], "the 429'd page asked again, once");
}

#[tokio::test]
async fn a_500_that_outlasts_the_retries_fails_the_import_keeps_the_store_and_the_next_resumes_at_that_page() {
    let emulator = emulator().await;
    let dir = tempfile::tempdir().expect("temp");
    let app = app(&emulator, &dir);
    // Retries: 3 after the first attempt, so 4 answers of 500 outlast them.
    emulator.push_fault(Fault::status("GET", "/employee", 500, 4).after_matching(2));
    let err = app.import_hr_with(Some(emulator.token())).await.expect_err("the read fails");
    let message = format!("{err:#}");
    assert!(message.contains("reading AlexisHR employee from offset 20"), "{message}");
    assert!(message.contains("resumes there"), "{message}");
    assert!(app.store.current_employees().expect("employees").is_empty(), "nothing imported from half a read");

    let before = emulator.requests().len();
    let imported = app.import_hr_with(Some(emulator.token())).await.expect("the next import finishes");
    assert_eq!(imported.employees, 28);
    let later = &emulator.requests()[before..];
    let lists: std::collections::BTreeSet<&str> = later.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(lists.into_iter().collect::<Vec<_>>(), ["/employee"], "lists finished in this pass are not read again");
    let pages = queries(later, "/employee");
    assert!(pages[0].contains("offset=20&"), "resumes at the third page: {pages:?}");
    assert!(!pages.iter().any(|q| q.contains("offset=0&") || q.contains("offset=10&")), "{pages:?}");
}

#[tokio::test]
async fn a_wrong_token_says_what_to_do_and_the_token_goes_nowhere_else() {
    let emulator = emulator().await;
    let dir = tempfile::tempdir().expect("temp");
    let app = app(&emulator, &dir);
    let err = app.import_hr_with(Some("not-the-token".into())).await.expect_err("refused");
    assert!(format!("{err:#}").contains("Settings → Access tokens"), "{err:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_import_resumes_at_the_page_it_stopped_at_without_asking_twice_or_skipping() {
    let emulator = emulator().await;
    // The second employee page hangs: the import is killed while waiting.
    emulator.push_fault(Fault::hang("GET", "/employee", std::time::Duration::from_secs(60), 1).after_matching(1));
    let dir = tempfile::tempdir().expect("temp");
    let config = dir.path().join("paybridge.toml");
    let toml = format!(
        "database = \"paybridge.db\"\n[alexishr]\nbase_url = \"{}\"\ntoken_env = \"TEST_ALEXISHR_TOKEN\"\npage_size = {PAGE}\n",
        emulator.base_url()
    );
    std::fs::write(&config, toml).expect("config");
    let run = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_paybridge"));
        command.arg("--config").arg(&config).args(["hr", "import"]).env("TEST_ALEXISHR_TOKEN", emulator.token());
        command
    };
    let mut child =
        run().stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().expect("runs");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while queries(&emulator.requests(), "/employee").is_empty() {
        assert!(std::time::Instant::now() < deadline, "the import never reached the employees");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // The first page is answered; give the import time to save it and ask for the second.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    child.kill().expect("killed");
    let _ = child.wait();
    let before = emulator.requests().len();

    let out = run().output().expect("runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("imported 28 employee(s)"), "{text}");
    assert!(text.contains("read earlier in this pass"), "{text}");
    // The hung request is logged (status 0) once the server notices the kill.
    let later: Vec<LoggedRequest> = emulator.requests()[before..].iter().filter(|r| r.status != 0).cloned().collect();
    let pages = queries(&later, "/employee");
    assert!(pages[0].contains("offset=10&"), "resumes at the second page: {pages:?}");
    assert!(!pages.iter().any(|q| q.contains("offset=0&")), "the first page is not asked again: {pages:?}");
    assert!(later.iter().all(|r| r.path == "/employee"), "nothing else read again: {later:#?}");

    let stored = App::open_without_connectors(Config::load(&config).expect("config"), Limits::default()).expect("app");
    assert_same_employees(&employees_sorted(&stored), &expected());
}

#[tokio::test]
async fn a_record_that_is_not_valid_hr_data_fails_the_import_until_hr_corrects_it() {
    let emulator = emulator().await;
    let dir = tempfile::tempdir().expect("temp");
    let app = app(&emulator, &dir);
    app.import_hr_with(Some(emulator.token())).await.expect("first import");
    let kari = emulator.records("employee").into_iter().find(|e| e["employeeNumber"] == "1001").expect("1001");
    let id = kari["id"].as_str().expect("id").to_owned();
    assert!(emulator.edit("employee", &id, serde_json::json!({"birthDate": "the fourteenth"})));
    let err = app.import_hr_with(Some(emulator.token())).await.expect_err("refused");
    assert!(format!("{err:#}").contains("birthDate"), "{err:#}");
    assert!(format!("{err:#}").contains("reads them again"), "{err:#}");

    assert!(emulator.edit("employee", &id, serde_json::json!({"birthDate": "1985-03-14T00:00:00.000Z"})));
    let fixed = app.import_hr_with(Some(emulator.token())).await.expect("HR corrected it");
    assert_eq!(fixed.employees, 28);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_imports_at_once_take_turns_and_both_finish() {
    let emulator = emulator().await;
    emulator.set_latency(std::time::Duration::from_millis(5));
    let dir = tempfile::tempdir().expect("temp");
    let app = app(&emulator, &dir);
    let (a, b) = tokio::join!(app.import_hr_with(Some(emulator.token())), app.import_hr_with(Some(emulator.token())));
    let (a, b) = (a.expect("first"), b.expect("second"));
    assert_eq!((a.employees, b.employees), (28, 28));
    let passes = [a.read.expect("read").pass, b.read.expect("read").pass];
    assert!(passes[0] != passes[1], "one pass each, not one resumed by both: {passes:?}");
}

#[tokio::test]
async fn employments_without_updated_are_read_whole_each_time_so_their_changes_are_seen() {
    let emulator = emulator().await;
    let dir = tempfile::tempdir().expect("temp");
    let app = app(&emulator, &dir);
    // `updated` is optional on an employment (EmploymentResponse); take it away from one.
    let mut employment = emulator.record("employment", "em-1001-1").expect("em-1001-1");
    employment.as_object_mut().expect("object").remove("updated");
    assert!(emulator.put_unstamped("employment", employment.clone()));
    let first = app.import_hr_with(Some(emulator.token())).await.expect("first import");
    let list = first.read.expect("lists").lists.into_iter().find(|l| l.resource == "employment").expect("employment");
    assert_eq!(list.without_updated, 1);

    // The HR clerk sets an end date; with no `updated`, no window would show it.
    employment.as_object_mut().expect("object").insert("endDate".into(), serde_json::json!("2027-01-31T00:00:00.000Z"));
    assert!(emulator.put_unstamped("employment", employment));
    let second = app.import_hr_with(Some(emulator.token())).await.expect("second import");
    let list = second.read.expect("lists").lists.into_iter().find(|l| l.resource == "employment").expect("employment");
    assert!(list.full, "read whole: {list:?}");
    let kari = app
        .store
        .current_employees()
        .expect("stored")
        .into_iter()
        .find(|e| e.employee_number.as_deref() == Some("1001"));
    let end = kari.expect("1001").employments[0].end_date.clone();
    assert_eq!(end.as_deref(), Some("2027-01-31"));
}
