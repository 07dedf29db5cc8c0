//! Whole syncs against the 24SevenOffice emulator: the real host, the real
//! connector component, a real SQLite file, HTTP over loopback.

mod common;

use common::{Harness, outcome_of, sample_snapshot};
use paybridge::source::HrSnapshot;
use paybridge::sync::{Outcome, SyncError, SyncOptions};
use paybridge_emulators::faults::Fault;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_sync_creates_every_valid_employee_and_the_second_writes_nothing() {
    let h = Harness::new(&sample_snapshot()).await;
    let first = h.sync().await;
    assert_eq!(
        first.status,
        "succeeded",
        "{:#?}",
        first.employees.iter().filter(|e| e.outcome.name() == "failed").collect::<Vec<_>>()
    );
    assert_eq!(first.out_of_scope, 1, "the inactive employee is out of scope");
    let created = first.count("created");
    assert!(created >= 20, "created {created}: {}", first.summary());
    assert_eq!(h.emulator.employees().len(), created);
    for skipped in ["1009", "1010", "1011", "1014", "1015"] {
        assert_eq!(outcome_of(&first, skipped).outcome.name(), "skipped", "{skipped}");
    }
    let writes_after_first = h.emulator.write_requests().len();

    let second = h.sync().await;
    assert_eq!(second.count("unchanged"), created, "{}", second.summary());
    assert_eq!(second.count("created") + second.count("updated") + second.count("failed"), 0);
    assert_eq!(second.writes_sent, 0);
    assert_eq!(h.emulator.write_requests().len(), writes_after_first, "no write request on the second run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_in_chunks_of_three_gives_the_same_outcomes_in_the_same_order_as_one_chunk() {
    let chunked = SyncOptions { chunk_size: Some(3), ..SyncOptions::default() };
    let whole = Harness::new(&sample_snapshot()).await;
    let pieces = Harness::new(&sample_snapshot()).await;
    for run in 0..2 {
        let expected = whole.sync().await;
        let got = pieces.try_sync(chunked.clone()).await.expect("chunked sync runs");
        let lines = |r: &paybridge::sync::RunReport| -> Vec<(String, String)> {
            r.employees.iter().map(|e| (e.hr_id.clone(), e.outcome.name().to_owned())).collect()
        };
        assert_eq!(lines(&got), lines(&expected), "run {run}");
        assert_eq!(got.status, expected.status, "run {run}");
        let stored = pieces.app.run_detail(got.run_id).expect("stored").outcomes;
        assert_eq!(stored.len(), got.employees.len(), "each employee recorded once, run {run}");
    }
    assert_eq!(pieces.emulator.employees().len(), whole.emulator.employees().len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn created_employees_hold_the_mapped_values_as_strings() {
    let h = Harness::new(&sample_snapshot()).await;
    h.sync().await;
    let employees = h.emulator.employees();
    let kari = &employees[&1001];
    assert_eq!(kari["firstname"], "Kari");
    assert_eq!(kari["vacation_days"], "25");
    assert_eq!(kari["internationalID"]["type"], "socialSecurityNumber");
    let ola = &employees[&1002];
    assert_eq!(ola["email"], "1002@privat.example.no", "empty work email falls back to the private one");
    let lena = &employees[&1003];
    assert_eq!(lena["account"], "DE89370400440532013000", "foreign account comes from the IBAN");
    let temp = h.emulator.employments(1004);
    assert_eq!(temp[0]["employment_form"], "midlertidig");
    let ended = h.emulator.employments(1007);
    assert_eq!(ended[0]["enddate"], "2026-06-30");
    assert_eq!(ended[0]["enddate_reason"], "arbeidstakerHarSagtOppSelv");
    let several = &employees[&1006];
    assert_eq!(several["salary"], "58250.50");
    assert_eq!(several["salary_valid_from"], "2026-01-01");
    assert_eq!(h.emulator.employments(1018).len(), 2, "both employments of 1018");
    assert_eq!(h.emulator.employments(1019)[0]["startdate"], "2020-01-01", "23:00Z is the next day in Oslo");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_employee_missing_required_fields_is_skipped_with_the_reason_while_others_sync() {
    let h = Harness::new(&sample_snapshot()).await;
    let report = h.sync().await;
    match &outcome_of(&report, "1009").outcome {
        Outcome::Skipped { reason } => assert!(reason.contains("ssn missing"), "{reason}"),
        other => panic!("1009: {other:?}"),
    }
    match &outcome_of(&report, "1010").outcome {
        Outcome::Skipped { reason } => assert!(reason.contains("lastName missing"), "{reason}"),
        other => panic!("1010: {other:?}"),
    }
    match &outcome_of(&report, "1011").outcome {
        Outcome::Skipped { reason } => assert!(reason.contains("not a valid Norwegian national id"), "{reason}"),
        other => panic!("1011: {other:?}"),
    }
    assert_eq!(outcome_of(&report, "1001").outcome, Outcome::Created);
    assert!(!h.emulator.employees().contains_key(&1009));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_sends_no_write_and_shows_masked_before_and_after() {
    let h = Harness::new(&sample_snapshot()).await;
    h.sync().await;
    assert!(h.emulator.edit_employee(1001, "city", "Drammen"));
    assert!(h.emulator.edit_employee(1001, "account", "12345678903"));
    let writes = h.emulator.write_requests().len();
    let report = h.try_sync(SyncOptions { dry_run: true, ..SyncOptions::default() }).await.expect("dry run");
    assert_eq!(h.emulator.write_requests().len(), writes, "a dry run sends no write");
    assert_eq!(report.writes_sent, 0);
    let kari = outcome_of(&report, "1001");
    assert_eq!(kari.outcome, Outcome::Planned { writes: 1 });
    let city = kari.changes.iter().find(|c| c.field == "city").expect("city change shown");
    assert_eq!((city.before.as_str(), city.after.as_str()), ("Drammen", "Oslo"));
    let account = kari.changes.iter().find(|c| c.field == "account").expect("account change shown");
    assert!(account.before.starts_with("••••") && account.after.starts_with("••••"), "{account:?}");
    assert_eq!(h.emulator.employees()[&1001]["city"], "Drammen", "target untouched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_field_changed_in_the_target_is_overwritten_and_reported_alone() {
    let h = Harness::new(&sample_snapshot()).await;
    h.sync().await;
    h.emulator.edit_employee(1020, "lastname", "Changed");
    let report = h.sync().await;
    assert_eq!(outcome_of(&report, "1020").outcome, Outcome::Updated { fields: vec!["lastname".into()] });
    assert_eq!(report.count("updated"), 1);
    assert_eq!(h.emulator.employees()[&1020]["lastname"], "Andersen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_followed_by_success_is_retried() {
    let h = Harness::new(&sample_snapshot()).await;
    h.emulator.push_fault(Fault::status("POST", "/employee/v2", 500, 1));
    h.emulator.push_fault(Fault::status("GET", "/employee/v2", 503, 1));
    let report = h.sync().await;
    assert_eq!(report.status, "succeeded", "{}", report.summary());
    assert_eq!(outcome_of(&report, "1001").outcome, Outcome::Created);
    let failed_then_ok = h.emulator.requests().iter().filter(|r| r.status >= 500).count();
    assert_eq!(failed_then_ok, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_retry_after_is_honoured() {
    let h = Harness::new(&sample_snapshot()).await;
    h.emulator.push_fault(Fault::status("GET", "/employee/v2", 429, 1).with_retry_after(1));
    let started = std::time::Instant::now();
    let report = h.sync().await;
    assert_eq!(report.status, "succeeded");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1), "waited for Retry-After");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_that_persists_fails_that_employee_and_the_others_carry_on() {
    let h = Harness::new(&sample_snapshot()).await;
    h.emulator.push_fault(Fault::status("POST", "/employment/v2/1001", 500, 10));
    let report = h.sync().await;
    assert_eq!(report.status, "partial");
    match &outcome_of(&report, "1001").outcome {
        Outcome::Failed { reason } => assert!(reason.contains("answered 500"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(outcome_of(&report, "1002").outcome, Outcome::Created);
}

fn creates_of(h: &Harness, number: &str) -> usize {
    let marker = format!("\"empId\":\"{number}\"");
    h.emulator.write_requests().iter().filter(|r| r.path == "/employee/v2" && r.body.contains(&marker)).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_whose_answer_is_lost_is_not_resent_but_re_read_and_completed() {
    let h = Harness::new(&sample_snapshot()).await;
    // The first create is stored but its answer is lost (500).
    let mut lost = Fault::status("POST", "/employee/v2", 500, 1);
    lost.after_processing = true;
    h.emulator.push_fault(lost);
    let report = h.sync().await;
    assert_eq!(report.status, "succeeded", "{}", report.summary());
    assert_eq!(outcome_of(&report, "1001").outcome, Outcome::Created);
    assert_eq!(creates_of(&h, "1001"), 1, "never sent a second time");
    assert_eq!(h.emulator.employments(1001).len(), 1, "completed after re-reading");
    let journal = h.app.store.journal_for_run(report.run_id).expect("journal");
    assert!(
        journal.iter().any(|e| e.state == "unknown" && e.path == "/employee/v2"),
        "the lost answer is journalled as unknown"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_409_on_create_leads_to_matching_not_a_duplicate() {
    let mut h = Harness::new(&sample_snapshot()).await;
    // 1002 exists before the run; 1001 then meets a 409.
    h.integration_mut().scope.test_employees = vec!["1002".into()];
    h.sync().await;
    h.integration_mut().scope.test_employees.clear();
    let before = h.emulator.requests().len();
    // Someone created the employee at the same moment: the create meets 409.
    let mut raced = Fault::status("POST", "/employee/v2", 409, 1);
    raced.after_processing = true;
    h.emulator.push_fault(raced);
    let report = h.sync().await;
    assert!(h.emulator.requests().iter().any(|r| r.status == 409), "the target answered 409");
    assert_eq!(report.status, "succeeded", "{}", report.summary());
    assert_eq!(creates_of(&h, "1001"), 1, "one create and no second attempt");
    assert_eq!(h.emulator.employments(1001).len(), 1, "the matched employee got its employment");
    assert_eq!(h.emulator.employees().len(), report.count("created") + 1);
    let reads_of_another = h.emulator.requests()[before..].iter().filter(|r| r.path == "/employment/v2/1002").count();
    assert_eq!(
        reads_of_another, 2,
        "an employee the target held is read by the first read and the verifying read only, not again for the 409"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_a_journalled_send_resumes_without_a_duplicate_create() {
    let h = Harness::new(&sample_snapshot()).await;
    // Employees are written side by side: the halt may catch a few writes in flight.
    let halted = h.try_sync(SyncOptions { halt_after_writes: Some(1), ..SyncOptions::default() }).await;
    assert!(matches!(halted, Err(SyncError::Halted(n)) if n >= 1), "{halted:?}");
    assert!(!h.emulator.employees().is_empty(), "a create reached the target");

    let report = h.sync().await;
    assert!(report.recovered_writes >= 1, "{}", report.recovered_writes);
    assert_eq!(report.status, "succeeded", "{}", report.summary());
    let creates = h.emulator.write_requests().iter().filter(|r| r.path == "/employee/v2").count();
    assert_eq!(creates, h.emulator.employees().len(), "exactly one create per employee");
    let runs = h.app.store.runs(10).expect("runs");
    assert!(runs.iter().any(|r| r.status == "interrupted"));
    let journal = h.app.store.journal_for_run(runs.last().expect("first run").id).expect("journal");
    assert_eq!(journal[0].state, "unknown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_token_is_renewed() {
    let h = Harness::new(&sample_snapshot()).await;
    h.sync().await;
    let issued = h.emulator.tokens_issued();
    h.emulator.expire_sessions();
    let report = h.sync().await;
    assert_eq!(report.status, "succeeded");
    assert!(h.emulator.tokens_issued() > issued);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_access_token_fails_the_run_with_a_clear_error_and_writes_nothing() {
    let mut h = Harness::new(&sample_snapshot()).await;
    h.token = "wrong".into();
    let report = h.sync().await;
    assert_eq!(report.status, "failed");
    let error = report.error.unwrap_or_default();
    assert!(error.contains("token exchange") && error.contains("401"), "{error}");
    assert!(h.emulator.write_requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_test_scope_syncs_only_the_named_employees() {
    let mut h = Harness::new(&sample_snapshot()).await;
    h.integration_mut().scope.test_employees = vec!["1001".into(), "1002".into()];
    let report = h.sync().await;
    assert_eq!(report.employees.len(), 2);
    assert_eq!(h.emulator.employees().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_or_national_id_reaches_logs_or_the_journal_display() {
    let buffer = common::capture_logs();

    let snapshot = sample_snapshot();
    let h = Harness::new(&snapshot).await;
    h.emulator.push_fault(Fault::status("GET", "/employee/v2", 500, 1));
    let first = h.sync().await;
    h.emulator.edit_employee(1001, "personnr", "01010112345");
    let dry = h.try_sync(SyncOptions { dry_run: true, ..SyncOptions::default() }).await.expect("dry run");

    let logs = buffer.text();
    assert!(logs.contains("retrying"), "the capture works: the injected 500 was logged\n{logs}");
    let mut journal = String::new();
    for run in h.app.store.runs(10).expect("runs") {
        for entry in h.app.store.journal_for_run(run.id).expect("journal") {
            journal.push_str(&serde_json::to_string(&entry).expect("json"));
        }
    }
    assert!(journal.contains("/employee/v2"), "journal recorded the writes");
    let shown = serde_json::to_string(&(&first, &dry)).expect("report json");
    let mut secrets: Vec<String> = vec![h.token.clone()];
    for e in &snapshot.employees {
        secrets.extend(e.ssn.clone().filter(|s| s.len() > 5));
        if let Some(b) = &e.bank_account {
            secrets.extend(b.number.clone().filter(|s| s.len() > 5));
        }
    }
    secrets.push("01010112345".into());
    secrets.push("58250.50".into());
    for secret in &secrets {
        assert!(!logs.contains(secret.as_str()), "a secret or national id reached the logs");
        assert!(!journal.contains(secret.as_str()), "a secret or national id reached the journal");
        assert!(!shown.contains(secret.as_str()), "a secret or national id reached the report");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_never_exceed_the_integration_concurrency() {
    let mut h = Harness::new(&sample_snapshot()).await;
    h.integration_mut().concurrency = 2;
    h.emulator.set_latency(std::time::Duration::from_millis(20));
    let report = h.sync().await;
    assert_eq!(report.status, "succeeded");
    // The employment reads (one per employee) are sent concurrently.
    assert_eq!(h.emulator.max_in_flight(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_answer_is_refused_and_the_run_fails_clearly_without_writing() {
    let h = Harness::new(&sample_snapshot()).await;
    let huge = "x".repeat(33 << 20);
    h.emulator.insert_employee(serde_json::json!({"empId": "9999", "firstname": huge})).expect("inserted");
    let report = h.sync().await;
    assert_eq!(report.status, "failed");
    assert!(report.error.as_deref().is_some_and(|e| e.contains("over 32 MiB")), "{:?}", report.error);
    assert!(h.emulator.write_requests().is_empty());
}

/// The sample employee with `number`, to change before an import.
fn employee_mut<'a>(snapshot: &'a mut HrSnapshot, number: &str) -> &'a mut paybridge::model::hr::Employee {
    snapshot.employees.iter_mut().find(|e| e.employee_number.as_deref() == Some(number)).expect("sample employee")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_norwegian_account_held_only_as_an_iban_reaches_payroll_as_its_account_number() {
    let mut snapshot = sample_snapshot();
    let kari = employee_mut(&mut snapshot, "1001");
    kari.bank_account = Some(paybridge::model::hr::BankAccount {
        iban: Some("NO93 8601 1117 947".into()),
        bic: Some("DNBANOKK".into()),
        ..Default::default()
    });
    let h = Harness::new(&snapshot).await;
    h.sync().await;
    assert_eq!(h.emulator.employees()[&1001]["account"], "86011117947");
    let again = h.sync().await;
    assert_eq!(again.count("updated"), 0, "the account reads back as it was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_employee_whose_account_is_gone_from_hr_keeps_the_payroll_account_through_an_update() {
    let mut snapshot = sample_snapshot();
    let h = Harness::new(&snapshot).await;
    h.sync().await;
    let before = h.emulator.employees()[&1001].clone();
    let account = before["account"].as_str().expect("an account in payroll").to_owned();
    assert!(!account.is_empty());
    let kari = employee_mut(&mut snapshot, "1001");
    kari.bank_account = None;
    kari.first_name = Some("Kari Anne".into());
    h.app.import(&snapshot).expect("import");
    let report = h.sync().await;
    assert_eq!(report.count("updated"), 1, "the first name is written");
    let after = &h.emulator.employees()[&1001];
    assert_eq!(after["firstname"], "Kari Anne");
    assert_eq!(after["account"], before["account"], "the payout account is not erased");
    assert_eq!(after["bic"], before["bic"]);
    let journal = h.emulator.write_requests();
    let update = journal.iter().rfind(|r| r.path == "/employee/v2/1001").expect("the update was sent");
    assert!(update.body.contains(&account), "the update carries the held account");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_future_compensation_is_not_sent_before_its_date() {
    let mut snapshot = sample_snapshot();
    let kari = employee_mut(&mut snapshot, "1001");
    let in_force = kari.compensations.iter().max_by_key(|c| c.effective_date.clone()).cloned().expect("a compensation");
    kari.compensations.push(paybridge::model::hr::Compensation {
        id: "future-raise".into(),
        effective_date: Some("2099-01-01".into()),
        amount: Some("99999".into()),
        ..in_force.clone()
    });
    let h = Harness::new(&snapshot).await;
    h.sync().await;
    let kari = &h.emulator.employees()[&1001];
    assert_eq!(kari["salary_valid_from"], in_force.effective_date.as_deref().unwrap_or_default());
    assert_ne!(kari["salary"], "99999.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_norwegian_employment_type_name_becomes_midlertidig_and_a_setting_maps_a_type_of_its_own() {
    let mut snapshot = sample_snapshot();
    let kari = employee_mut(&mut snapshot, "1001");
    kari.employments[0].employment_type =
        Some(paybridge::model::hr::EmploymentType { id: "et-vikariat".into(), name: "Vikariat".into() });
    let ola = employee_mut(&mut snapshot, "1002");
    ola.employments[0].employment_type =
        Some(paybridge::model::hr::EmploymentType { id: "et-innleid".into(), name: "Innleid".into() });
    let mut h = Harness::new(&snapshot).await;
    let first = h.sync().await;
    assert_eq!(h.emulator.employments(1001)[0]["employment_form"], "midlertidig");
    let refused = outcome_of(&first, "1002");
    assert_eq!(refused.outcome.name(), "skipped", "an unmapped type is refused, not guessed");
    assert!(format!("{:?}", refused.outcome).contains("employment_form.Innleid"), "{:?}", refused.outcome);
    h.integration_mut().settings.insert("employment_form.Innleid".into(), "fastAnsattUtleid".into());
    h.sync().await;
    assert_eq!(h.emulator.employments(1002)[0]["employment_form"], "fastAnsattUtleid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrected_start_date_updates_the_same_employment_and_leaves_one() {
    let mut snapshot = sample_snapshot();
    let h = Harness::new(&snapshot).await;
    h.sync().await;
    let before = h.emulator.employments(1001);
    assert_eq!(before.len(), 1);
    let kari = employee_mut(&mut snapshot, "1001");
    kari.employments[0].start_date = Some("2012-02-01".into());
    h.app.import(&snapshot).expect("import");
    let report = h.sync().await;
    assert_eq!(outcome_of(&report, "1001").outcome.name(), "updated", "{}", report.summary());
    let after = h.emulator.employments(1001);
    assert_eq!(after.len(), 1, "one employment afterwards, not a second one beside the old: {after:?}");
    assert_eq!(after[0]["startdate"], "2012-02-01");
    assert_eq!(after[0]["employment_id"], before[0]["employment_id"], "the same arbeidsforhold");
    assert_eq!(h.sync().await.writes_sent, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_start_dates_corrected_at_once_keep_their_employments_through_the_stored_record_links() {
    let mut snapshot = sample_snapshot();
    let h = Harness::new(&snapshot).await;
    h.sync().await;
    let before = h.emulator.employments(1018);
    assert_eq!(before.len(), 2, "{before:?}");
    let id_of =
        |employments: &[serde_json::Map<String, serde_json::Value>], hr: &paybridge::model::hr::Employment| -> String {
            let start = hr.start_date.clone().unwrap_or_default();
            let found = employments.iter().find(|e| e["startdate"] == start.as_str());
            found.map(|e| e["employment_id"].as_str().unwrap_or("").to_owned()).unwrap_or_default()
        };
    let worker = employee_mut(&mut snapshot, "1018");
    let ids: Vec<String> = worker.employments.iter().map(|e| id_of(&before, e)).collect();
    assert!(ids.iter().all(|id| !id.is_empty()), "{ids:?}");
    // Both dates move at once: only the links of the first sync can tell
    // which arbeidsforhold each one is.
    let moved = ["2011-03-01", "2011-09-01"];
    for (employment, start) in worker.employments.iter_mut().zip(moved) {
        employment.start_date = Some(start.into());
    }
    let corrected = worker.employments.clone();
    h.app.import(&snapshot).expect("import");
    let report = h.sync().await;
    assert_eq!(outcome_of(&report, "1018").outcome.name(), "updated", "{}", report.summary());
    let after = h.emulator.employments(1018);
    assert_eq!(after.len(), 2, "no employment opened beside the old ones: {after:?}");
    let kept: Vec<String> = corrected.iter().map(|e| id_of(&after, e)).collect();
    assert_eq!(kept, ids, "each HR employment updated its own arbeidsforhold");
    assert_eq!(h.sync().await.writes_sent, 0);
}
