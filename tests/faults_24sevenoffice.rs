//! The fault suite for 24SevenOffice: a generated company of 300 synced
//! while the emulator fails calls before and after it applies writes — 500
//! on a fifth of calls, 429 with Retry-After, hangs past the client
//! timeout, malformed JSON, cut connections, one persistently unreadable
//! employee. In every scenario the syncs converge within a few runs, the
//! target holds exactly one employee and one employment per HR record (no
//! duplicates), a persistent fault is reported on its employee alone while
//! the others sync, and nothing hangs (each scenario has a time limit).
//!
//! Faults with a probability are drawn from a fixed seed, keyed by each
//! request's method, path and occurrence, so a scenario fails the same
//! requests on every run of the suite. Faults that are not persistent fire
//! a bounded number of times, so a converging host settles.

mod common;

use common::Harness;
use common::company::generate_company;
use paybridge::source::HrSnapshot;
use paybridge::sync::{Outcome, RunReport};
use paybridge_emulators::faults::Fault;
use std::collections::BTreeSet;
use std::time::Duration;

/// Employees in the generated company.
const COMPANY_SIZE: usize = 300;

/// Most syncs a scenario may take to settle.
const MOST_RUNS: usize = 6;

/// A scenario that takes longer than this hangs.
const TIME_LIMIT: Duration = Duration::from_secs(100);

/// Seed of the fault draws.
const SEED: u64 = 0x2024_0ff1_ce00_0300;

/// How long a hanging answer is held back: past the client timeout.
const HANG: Duration = Duration::from_secs(2);

/// The employee whose employments can never be read.
const UNREADABLE: &str = "1005";

/// The generated company, to be synced to a fresh emulator that fails as
/// `faults` say, with a short retry backoff.
async fn harness_with_faults(company: &HrSnapshot, faults: Vec<Fault>) -> Harness {
    let mut h = Harness::new(company).await;
    h.integration_mut().retry_backoff_ms = 5;
    h.emulator.seed_faults(SEED);
    for fault in faults {
        h.emulator.push_fault(fault);
    }
    h
}

/// Employee numbers that failed in `report`.
fn failed(report: &RunReport) -> BTreeSet<String> {
    report
        .employees
        .iter()
        .filter(|e| e.outcome.name() == "failed")
        .map(|e| e.employee_number.clone().unwrap_or_else(|| e.hr_id.clone()))
        .collect()
}

/// One line per run, for assertion messages.
fn history(reports: &[RunReport]) -> String {
    reports
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let failed = failed(r);
            let shown: Vec<&String> = failed.iter().take(10).collect();
            let first_reason = r.employees.iter().find_map(|e| match &e.outcome {
                Outcome::Failed { reason } => Some(reason.as_str()),
                _ => None,
            });
            format!(
                "run {}: {} ({}), {} write(s); error: {:?}; failed: {shown:?}{}; first reason: {first_reason:?}",
                i + 1,
                r.status,
                r.summary(),
                r.writes_sent,
                r.error,
                if failed.len() > shown.len() { " …" } else { "" },
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Sync until a run writes nothing and fails nobody but `expected_failures`
/// (and no whole-run error), at most [`MOST_RUNS`] times. Every report.
async fn sync_until_settled(h: &Harness, expected_failures: &[&str]) -> Vec<RunReport> {
    let expected: BTreeSet<String> = expected_failures.iter().map(|n| (*n).to_owned()).collect();
    let mut reports = Vec::new();
    for _ in 0..MOST_RUNS {
        let report = h.sync().await;
        let settled = report.writes_sent == 0 && report.error.is_none() && failed(&report) == expected;
        reports.push(report);
        if settled {
            break;
        }
    }
    reports
}

/// The target holds exactly one employee per HR employee and, for each,
/// exactly one employment per HR employment (by start date): no duplicate.
fn assert_one_target_record_per_hr_record(h: &Harness, company: &HrSnapshot, reports: &[RunReport]) {
    let employees = h.emulator.employees();
    let expected: BTreeSet<u64> = company
        .employees
        .iter()
        .map(|e| e.employee_number.as_deref().and_then(|n| n.parse().ok()).expect("numeric employee number"))
        .collect();
    let held: BTreeSet<u64> = employees.keys().copied().collect();
    assert_eq!(held, expected, "the target holds exactly the HR employees\n{}", history(reports));
    let employments = h.emulator.all_employments();
    let mut wrong = Vec::new();
    let mut duplicated = 0;
    for e in &company.employees {
        let emp_id: u64 = e.employee_number.as_deref().and_then(|n| n.parse().ok()).expect("numeric employee number");
        let held: Vec<&str> = employments
            .get(&emp_id)
            .map(|list| list.iter().filter_map(|m| m.get("startdate").and_then(|v| v.as_str())).collect())
            .unwrap_or_default();
        let mut wanted: Vec<&str> = e.employments.iter().filter_map(|m| m.start_date.as_deref()).collect();
        let mut sorted = held.clone();
        sorted.sort_unstable();
        wanted.sort_unstable();
        if held.len() > wanted.len() {
            duplicated += 1;
        }
        if sorted != wanted {
            wrong.push(format!("{emp_id}: holds {held:?}, HR has {wanted:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} employee(s) do not hold exactly one employment per HR employment ({duplicated} with duplicates):\n{}\n{}",
        wrong.len(),
        wrong.iter().take(20).cloned().collect::<Vec<_>>().join("\n"),
        history(reports)
    );
}

/// The last run settled: nothing written, nobody failed (or only the
/// employees named), no whole-run error.
fn assert_settled(reports: &[RunReport], expected_failures: &[&str]) {
    let last = reports.last().expect("at least one run");
    let expected: BTreeSet<String> = expected_failures.iter().map(|n| (*n).to_owned()).collect();
    assert!(
        last.writes_sent == 0 && last.error.is_none() && failed(last) == expected,
        "the syncs did not settle within {MOST_RUNS} runs (expected failures: {expected:?}):\n{}",
        history(reports)
    );
    if expected.is_empty() {
        assert_eq!(last.status, "succeeded", "{}", history(reports));
    }
}

/// Faults fired at all: the scenario tested something.
fn assert_faults_fired(h: &Harness, at_least: usize) {
    let fired = h.emulator.faulted_requests();
    assert!(fired.len() >= at_least, "only {} fault(s) fired, expected at least {at_least}", fired.len());
}

/// Run `scenario` within [`TIME_LIMIT`], or fail: nothing may hang.
async fn within_time_limit(scenario: impl Future<Output = ()>) {
    if tokio::time::timeout(TIME_LIMIT, scenario).await.is_err() {
        panic!("the scenario did not finish within {TIME_LIMIT:?}: something hangs");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_company_of_300_syncs_cleanly_and_a_second_sync_writes_nothing() {
    within_time_limit(async {
        let company = generate_company(COMPANY_SIZE);
        let h = Harness::new(&company).await;
        let first = h.sync().await;
        assert_eq!(first.status, "succeeded", "{}", history(std::slice::from_ref(&first)));
        assert_eq!(first.count("created"), COMPANY_SIZE, "{}", first.summary());
        let second = h.sync().await;
        assert_eq!(second.count("unchanged"), COMPANY_SIZE, "{}", second.summary());
        assert_eq!(second.writes_sent, 0);
        assert_one_target_record_per_hr_record(&h, &company, &[first, second]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundreds_on_a_fifth_of_calls_before_processing_converge_without_duplicates() {
    within_time_limit(async {
        let company = generate_company(COMPANY_SIZE);
        let fault = Fault::status("GET", "/", 500, 250).on_any_method().with_probability(0.2);
        let h = harness_with_faults(&company, vec![fault]).await;
        let reports = sync_until_settled(&h, &[]).await;
        assert_faults_fired(&h, 100);
        assert_one_target_record_per_hr_record(&h, &company, &reports);
        assert_settled(&reports, &[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundreds_on_a_fifth_of_writes_after_processing_leave_no_duplicate() {
    within_time_limit(async {
        let company = generate_company(COMPANY_SIZE);
        // The write is applied, then its answer is lost.
        let fault = Fault::status("POST", "/", 500, 150).with_probability(0.2).after_processing();
        let h = harness_with_faults(&company, vec![fault]).await;
        let reports = sync_until_settled(&h, &[]).await;
        assert_faults_fired(&h, 50);
        assert_one_target_record_per_hr_record(&h, &company, &reports);
        assert_settled(&reports, &[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_retry_after_on_a_few_calls_is_waited_out_and_converges() {
    within_time_limit(async {
        let company = generate_company(COMPANY_SIZE);
        let fault = Fault::status("GET", "/", 429, 4).on_any_method().with_probability(0.05).with_retry_after(1);
        let h = harness_with_faults(&company, vec![fault]).await;
        let started = std::time::Instant::now();
        let reports = sync_until_settled(&h, &[]).await;
        assert_faults_fired(&h, 4);
        assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After was honoured");
        assert_one_target_record_per_hr_record(&h, &company, &reports);
        assert_settled(&reports, &[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_hanging_past_the_client_timeout_after_processing_leave_no_duplicate() {
    within_time_limit(async {
        let company = generate_company(COMPANY_SIZE);
        let faults = vec![
            // A create and two employment upserts are applied, then their
            // answers outlast the 1 s client timeout.
            Fault::hang("POST", "/employee/v2", HANG, 1).with_probability(0.05).after_processing(),
            Fault::hang("POST", "/employment/v2/", HANG, 2).with_probability(0.05).after_processing(),
            // Two employment reads hang, then answer 503 without reading.
            Fault::hang("GET", "/employment/v2/", HANG, 2).with_probability(0.05),
        ];
        let mut h = harness_with_faults(&company, faults).await;
        h.integration_mut().request_timeout_secs = 1;
        let reports = sync_until_settled(&h, &[]).await;
        assert_faults_fired(&h, 5);
        assert_one_target_record_per_hr_record(&h, &company, &reports);
        assert_settled(&reports, &[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_on_a_share_of_reads_fails_at_most_those_employees_and_converges() {
    within_time_limit(async {
        let company = generate_company(COMPANY_SIZE);
        let fault = Fault::malformed_json("GET", "/employment/v2/", 20).with_probability(0.05);
        let h = harness_with_faults(&company, vec![fault]).await;
        let reports = sync_until_settled(&h, &[]).await;
        assert_faults_fired(&h, 10);
        // A malformed answer about one employee says nothing about the others.
        let garbled: BTreeSet<String> = h
            .emulator
            .faulted_requests()
            .iter()
            .filter_map(|r| r.path.strip_prefix("/employment/v2/").map(str::to_owned))
            .collect();
        for (run, report) in reports.iter().enumerate() {
            let beyond: Vec<String> = failed(report).difference(&garbled).cloned().collect();
            assert!(
                report.error.is_none() && beyond.is_empty(),
                "run {}: a malformed read failed more than its own employee ({} others failed, e.g. {:?})\n{}",
                run + 1,
                beyond.len(),
                beyond.iter().take(5).collect::<Vec<_>>(),
                history(&reports)
            );
        }
        assert_one_target_record_per_hr_record(&h, &company, &reports);
        assert_settled(&reports, &[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_reset_before_and_after_processing_on_a_share_of_writes_leave_no_duplicate() {
    within_time_limit(async {
        let company = generate_company(COMPANY_SIZE);
        // Cut before the write is applied, and after it was applied.
        let faults = vec![
            Fault::reset("POST", "/", 15).with_probability(0.05),
            Fault::reset("POST", "/", 15).with_probability(0.05).after_processing(),
        ];
        let h = harness_with_faults(&company, faults).await;
        let reports = sync_until_settled(&h, &[]).await;
        assert_faults_fired(&h, 20);
        assert_one_target_record_per_hr_record(&h, &company, &reports);
        assert_settled(&reports, &[]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_persistently_unreadable_employee_is_reported_alone_while_the_others_sync() {
    within_time_limit(async {
        let company = generate_company(COMPANY_SIZE);
        let path = format!("/employment/v2/{UNREADABLE}");
        let fault = Fault::status("GET", &path, 500, Fault::UNLIMITED);
        let h = harness_with_faults(&company, vec![fault]).await;
        let reports = sync_until_settled(&h, &[UNREADABLE]).await;
        assert_faults_fired(&h, 1);
        for (run, report) in reports.iter().enumerate() {
            let others: Vec<String> = failed(report).into_iter().filter(|n| n != UNREADABLE).collect();
            assert!(
                report.error.is_none() && others.is_empty(),
                "run {}: one unreadable employee failed the others too ({} failed, e.g. {:?})\n{}",
                run + 1,
                others.len(),
                others.iter().take(5).collect::<Vec<_>>(),
                history(&reports)
            );
        }
        assert_one_target_record_per_hr_record(&h, &company, &reports);
        assert_settled(&reports, &[UNREADABLE]);
        let last = reports.last().expect("at least one run");
        match &common::outcome_of(last, UNREADABLE).outcome {
            Outcome::Failed { reason } => {
                assert!(reason.contains(&path), "the reason names the failing request {path}: {reason}")
            }
            other => panic!("{UNREADABLE}: {other:?}\n{}", history(&reports)),
        }
        let others_unchanged = last.employees.iter().filter(|e| e.outcome == Outcome::Unchanged).count();
        assert_eq!(others_unchanged, COMPANY_SIZE - 1, "{}", history(&reports));
    })
    .await;
}
