//! Scheduled runs (`paybridge schedule run-due`) on a simulated clock,
//! against the 24SevenOffice emulator: the schedule counts from when it is
//! first seen, missed due times collapse into one run, a busy integration
//! waits and runs at the next call. The DST rules are unit-tested in
//! `host/src/schedule.rs`.

mod common;

use common::{Harness, INTEGRATION, sample_snapshot};
use jiff::Timestamp;
use std::collections::HashMap;

fn at(text: &str) -> Timestamp {
    text.parse().expect("instant")
}

#[tokio::test]
async fn missed_due_times_collapse_into_one_run_and_a_busy_integration_waits_for_the_next_call() {
    let mut h = Harness::new(&sample_snapshot()).await;
    h.integration_mut().schedule = Some("mon,thu 06:00".into());
    let secrets = HashMap::from([(INTEGRATION.to_owned(), h.secrets())]);
    let run = |now: &str| {
        let now = at(now);
        let app = &h.app;
        let secrets = &secrets;
        async move { app.run_due(now, secrets).await.expect("run-due").remove(0) }
    };

    let first = run("2026-11-30T04:00:00Z").await; // Monday 05:00 in Oslo
    assert_eq!(first.outcome, "first seen");
    assert_eq!(first.next_due.as_deref(), Some("2026-11-30T05:00:00Z"));
    assert_eq!(run("2026-11-30T04:50:00Z").await.outcome, "not due");
    assert!(h.emulator.write_requests().is_empty());

    // Back on the next Tuesday: Monday 30, Thursday 3 and Monday 7 were missed.
    let back = run("2026-12-08T09:00:00Z").await;
    assert_eq!((back.outcome.as_str(), back.due.as_deref()), ("ran", Some("2026-12-07T05:00:00Z")), "{back:?}");
    assert_eq!(back.next_due.as_deref(), Some("2026-12-10T05:00:00Z"));
    assert!(!h.emulator.employees().is_empty(), "the run synced");
    let runs = h.app.store.runs(10).expect("runs");
    assert_eq!(runs.len(), 1, "one catch-up run for three missed due times");
    assert_eq!(run("2026-12-08T09:05:00Z").await.outcome, "not due");

    let held = h.app.store.lock_run(INTEGRATION).expect("another run holds the lock");
    let busy = run("2026-12-10T06:00:00Z").await;
    assert_eq!(busy.outcome, "waits", "{busy:?}");
    drop(held);
    let later = run("2026-12-10T06:01:00Z").await;
    assert_eq!((later.outcome.as_str(), later.due.as_deref()), ("ran", Some("2026-12-10T05:00:00Z")), "{later:?}");
    assert_eq!(h.app.store.runs(10).expect("runs").len(), 2);
}
