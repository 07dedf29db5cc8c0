//! Absence exports against the 24SevenOffice emulator: the real host, the
//! real connector component, a real SQLite file, HTTP over loopback. The
//! employees are synced first; then the absences of March 2026 go out.

mod common;

use common::{Harness, outcome_of, sample_snapshot};
use paybridge::model::hr::{Absence, AbsenceType, Child};
use paybridge::runtime::types::Period;
use paybridge::source::HrSnapshot;
use paybridge::sync::{Outcome, RunReport, SyncError, SyncOptions};
use serde_json::Value;

fn march() -> SyncOptions {
    SyncOptions {
        period: Some(Period { start: "2026-03-01".into(), end: "2026-03-31".into() }),
        ..SyncOptions::default()
    }
}

fn kind(name: &str, kind: &str) -> Option<AbsenceType> {
    Some(AbsenceType { id: format!("t-{name}"), name: name.into(), category: Some(kind.into()), code: None })
}

fn leave(id: &str, type_: Option<AbsenceType>, start: &str, end: Option<&str>) -> Absence {
    Absence {
        id: id.into(),
        absence_type: type_,
        start_date: start.into(),
        end_date: end.map(Into::into),
        approved: true,
        status: Some("APPROVED".into()),
        ..Absence::default()
    }
}

/// The sample company, with Kari (1001) away in several ways around March.
fn with_absences(edit: impl FnOnce(&mut Vec<Absence>)) -> HrSnapshot {
    let mut snapshot = sample_snapshot();
    let kari = snapshot.employees.iter_mut().find(|e| e.employee_number.as_deref() == Some("1001")).expect("Kari");
    let mut graded = leave("l2", kind("Sick leave", "SICK_LEAVE"), "2026-03-09", Some("2026-03-20"));
    graded.percent = Some("50".into());
    let mut sick_child = leave("l3", kind("Sick child", "CHILDCARE"), "2026-03-23", Some("2026-03-24"));
    sick_child.child_id = Some("k1".into());
    let mut absences = vec![
        leave("l0", kind("Sick leave", "SICK_LEAVE"), "2026-02-02", Some("2026-02-04")),
        leave("l1", kind("Sick leave", "SICK_LEAVE"), "2026-02-26", Some("2026-03-03")),
        graded,
        sick_child,
        leave("l4", kind("Vacation", "VACATION"), "2026-07-06", Some("2026-07-17")),
        leave("l5", kind("Parental leave", "PARENTAL_LEAVE"), "2026-03-25", None),
    ];
    edit(&mut absences);
    kari.absences = absences;
    kari.children = vec![Child {
        id: "k1".into(),
        first_name: Some("Ola".into()),
        last_name: Some("Nordmann".into()),
        birth_date: Some("2019-12-31".into()),
    }];
    snapshot
}

/// Kari's absences in the emulator, by `externalId`.
fn karis(h: &Harness) -> Vec<(String, Value)> {
    let mut list: Vec<(String, Value)> = h
        .emulator
        .absences()
        .into_iter()
        .filter(|a| a["empId"] == "1001")
        .map(|a| (a["externalId"].as_str().unwrap_or_default().to_owned(), a))
        .collect();
    list.sort_by(|a, b| a.0.cmp(&b.0));
    list
}

/// Kari's absences as the report lists them: (HR leave id, state).
fn states(report: &RunReport) -> Vec<(&str, &str)> {
    outcome_of(report, "1001").absences.iter().map(|a| (a.leave.as_str(), a.state.as_str())).collect()
}

async fn export(h: &Harness) -> RunReport {
    let report = h.try_sync(march()).await.expect("the export runs");
    assert_ne!(report.status, "failed", "{:?}", report.error);
    report
}

async fn set_up() -> Harness {
    let h = Harness::new(&with_absences(|_| {})).await;
    let employees = h.sync().await;
    assert_eq!(outcome_of(&employees, "1001").outcome, Outcome::Created);
    assert!(h.emulator.absences().is_empty(), "an employee run writes no absence");
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_of_mixed_absences_goes_out_whole_and_a_second_export_writes_nothing() {
    let h = set_up().await;
    let first = export(&h).await;
    assert_eq!(first.status, "succeeded", "{:#?}", outcome_of(&first, "1001"));
    let held = karis(&h);
    let ids: Vec<&str> = held.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, vec!["l1", "l2", "l3", "l5"], "February's leave stays out, July's too; l1 overlaps March");
    let by = |id: &str| held.iter().find(|(i, _)| i == id).map(|(_, a)| a.clone()).expect("held");
    assert_eq!(by("l1")["startDate"], "2026-02-26 00:00:00", "a leave overlapping the period goes whole");
    assert_eq!((by("l2")["percent"].as_str(), by("l2")["absenceType"].as_str()), (Some("50"), Some("01")));
    let ola = h.emulator.children(1001);
    assert_eq!(ola.len(), 1, "the child was registered once");
    assert_eq!(by("l3")["childId"], ola[0]["childId"]);
    assert_eq!((by("l3")["absenceType"].as_str(), by("l5")["absenceType"].as_str()), (Some("02"), Some("06")));
    assert_eq!(
        (by("l5")["endDate"].as_str(), by("l5")["startdateParental"].as_str()),
        (Some(""), Some("2026-03-25 00:00:00"))
    );
    assert!(held.iter().all(|(_, a)| a["approved"] == "1"));
    assert_eq!(
        states(&first),
        vec![("l1", "written"), ("l2", "written"), ("l3", "written"), ("l5", "written")],
        "the report lists each absence of the period, l3 written in the second pass"
    );

    let writes = h.emulator.write_requests().len();
    let second = export(&h).await;
    assert_eq!(second.writes_sent, 0, "{:#?}", outcome_of(&second, "1001"));
    assert_eq!(
        states(&second),
        vec![("l1", "unchanged"), ("l2", "unchanged"), ("l3", "unchanged"), ("l5", "unchanged")]
    );
    assert_eq!(h.emulator.write_requests().len(), writes);
    assert_eq!(karis(&h).len(), 4);
    assert_eq!(h.emulator.employees()[&1001]["firstname"], "Kari", "the employee is not touched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_leave_updates_the_same_absence_and_a_cancelled_one_is_withdrawn() {
    let h = set_up().await;
    export(&h).await;
    let serial =
        |h: &Harness, id: &str| karis(h).into_iter().find(|(i, _)| i == id).map(|(_, a)| a["serialNo"].clone());
    let before = (serial(&h, "l2"), serial(&h, "l1"));
    h.app
        .import(&with_absences(|list| {
            list[2].end_date = Some("2026-03-27".into());
            list[1].status = Some("CANCELLED".into());
            list[1].approved = false;
        }))
        .expect("import");
    let report = export(&h).await;
    assert_eq!(report.status, "succeeded", "{:#?}", outcome_of(&report, "1001"));
    let held = karis(&h);
    assert_eq!(held.len(), 4, "updated in place, nothing added");
    assert_eq!((serial(&h, "l2"), serial(&h, "l1")), before, "the same absences");
    let by = |id: &str| held.iter().find(|(i, _)| i == id).map(|(_, a)| a.clone()).expect("held");
    assert_eq!(by("l2")["endDate"], "2026-03-27 00:00:00");
    assert_eq!(by("l1")["approved"], "2", "withdrawn the way the API allows: rejected");
    let kari = outcome_of(&report, "1001");
    assert!(kari.writes.iter().any(|w| w.description.starts_with("withdraw absence 01")), "{:?}", kari.writes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_send_and_record_then_a_rerun_leaves_exactly_one_absence_per_leave() {
    let h = set_up().await;
    // Writes of different employees go side by side, so the run stops
    // after the second write or a little later (Ola's are in flight too).
    let halted = h.try_sync(SyncOptions { halt_after_writes: Some(2), ..march() }).await;
    assert!(matches!(halted, Err(SyncError::Halted(n)) if n >= 2), "{halted:?}");
    export(&h).await;
    export(&h).await;
    let ids: Vec<String> = karis(&h).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, vec!["l1", "l2", "l3", "l5"], "one absence per HR leave");
    assert_eq!(h.emulator.children(1001).len(), 1, "one child");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_employee_not_yet_in_the_target_is_skipped_and_a_dry_run_sends_nothing() {
    let h = Harness::new(&with_absences(|_| {})).await;
    let report = export(&h).await;
    match &outcome_of(&report, "1001").outcome {
        Outcome::Skipped { reason } => assert!(reason.contains("sync the employee first"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(h.emulator.write_requests().is_empty(), "an absence run creates no employee");
    h.sync().await;
    let writes = h.emulator.write_requests().len();
    let dry = h.try_sync(SyncOptions { dry_run: true, ..march() }).await.expect("dry run");
    assert_eq!(h.emulator.write_requests().len(), writes, "a dry run sends no write");
    let kari = outcome_of(&dry, "1001");
    assert!(matches!(kari.outcome, Outcome::Planned { .. }), "{kari:?}");
    assert!(kari.writes.iter().any(|w| w.description.starts_with("add absence 01 2026-02-26")), "{:?}", kari.writes);
    assert!(states(&dry).iter().any(|(leave, state)| *leave == "l1" && *state == "planned"), "{:?}", states(&dry));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_the_company_lacks_fails_that_employee_with_the_reason_and_nothing_of_it_is_sent() {
    let h = set_up().await;
    let types: Vec<_> = h.emulator.absence_types().into_iter().filter(|t| t.code != "06").collect();
    h.emulator.set_absence_types(types);
    let report = h.try_sync(march()).await.expect("runs");
    match &outcome_of(&report, "1001").outcome {
        Outcome::Failed { reason } => assert!(reason.contains("code 06"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(karis(&h).is_empty());
}
