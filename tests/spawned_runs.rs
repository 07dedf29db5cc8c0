//! Runs as values on one runtime: two integrations sync side by side, a
//! second run of the same integration is refused while the first holds its
//! lock, and a run's events arrive in order on its channel.

mod common;

use common::{connectors_in, sample_snapshot};
use paybridge::app::App;
use paybridge::config::{Config, IntegrationConfig};
use paybridge::http::Secrets;
use paybridge::runtime::Limits;
use paybridge::sync::{RunEvent, SyncError, SyncOptions};
use paybridge_emulators::twentyfour_seven::{Emulator, Settings};
use std::time::Duration;

async fn two_integrations() -> (App, Emulator, Emulator, tempfile::TempDir) {
    let a = Emulator::start(Settings::default()).await.expect("emulator a");
    let b = Emulator::start(Settings::default()).await.expect("emulator b");
    let dir = tempfile::tempdir().expect("temp");
    let mut config =
        Config::new(dir.path().join("paybridge.db"), connectors_in(dir.path()), dir.path().join("none.json"));
    for (name, emulator) in [("24so-a", &a), ("24so-b", &b)] {
        let mut integration = IntegrationConfig::new(name, "twentyfour-seven", &emulator.base_url());
        integration.secrets.insert("token".into(), "UNUSED".into());
        integration.scope.test_employees = vec!["1001".into(), "1002".into(), "1003".into()];
        config.integrations.push(integration);
    }
    let app = App::open(config, Limits::default()).expect("app");
    app.import(&sample_snapshot()).expect("import");
    (app, a, b, dir)
}

fn secrets(e: &Emulator) -> Option<Secrets> {
    Some(Secrets::from_pairs(&[("token", &e.access_token())]))
}

async fn collect(
    mut handle: paybridge::app::runs::RunHandle,
) -> (Vec<RunEvent>, Result<paybridge::sync::RunReport, SyncError>) {
    let mut events = Vec::new();
    while let Some(event) = handle.events.recv().await {
        events.push(event);
    }
    (events, handle.task.await.expect("the run's task does not panic"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_integrations_run_side_by_side_on_one_runtime_and_a_second_run_of_one_is_refused() {
    let (app, a, b, _dir) = two_integrations().await;
    a.set_latency(Duration::from_millis(150));
    let mut first = app.spawn_sync("24so-a", SyncOptions::default(), secrets(&a)).expect("spawned");
    let started = first.events.recv().await.expect("an event");
    assert!(matches!(started, RunEvent::Started { .. }), "{started:?}");

    let other = app.spawn_sync("24so-b", SyncOptions::default(), secrets(&b)).expect("spawned");
    let same = app.spawn_sync("24so-a", SyncOptions::default(), secrets(&a)).expect("spawned");
    let (_, refused) = collect(same).await;
    assert!(matches!(refused, Err(SyncError::Busy(_))), "{refused:?}");

    let (other_events, other_report) = collect(other).await;
    let (_, first_report) = collect(first).await;
    assert_eq!(other_report.expect("24so-b runs").status, "succeeded");
    assert_eq!(first_report.expect("24so-a runs").status, "succeeded");
    assert_eq!(a.employees().len(), 3);
    assert_eq!(b.employees().len(), 3);
    assert!(matches!(other_events.last(), Some(RunEvent::Finished { .. })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runs_events_arrive_in_order_and_each_employee_settles_once() {
    let (app, a, _b, _dir) = two_integrations().await;
    let handle = app.spawn_sync("24so-a", SyncOptions::default(), secrets(&a)).expect("spawned");
    let (events, report) = collect(handle).await;
    let report = report.expect("runs");
    let kind = |e: &RunEvent| match e {
        RunEvent::Started { .. } => 0,
        RunEvent::Prepared { .. } => 1,
        RunEvent::Read { .. } => 2,
        RunEvent::Recovering { .. } | RunEvent::Settled { .. } | RunEvent::Verifying { .. } => 3,
        RunEvent::Finished { .. } => 4,
    };
    let order: Vec<u8> = events.iter().map(kind).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "in order: {events:#?}");
    assert!(matches!(events.first(), Some(RunEvent::Started { run_id, .. }) if *run_id == report.run_id));
    assert!(matches!(events.last(), Some(RunEvent::Finished { run_id, .. }) if *run_id == report.run_id));
    let settled: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            RunEvent::Settled { hr_id, .. } => Some(hr_id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(settled.len(), report.employees.len(), "each employee settles once: {settled:?}");
    let stored = app.run_detail(report.run_id).expect("stored").outcomes;
    assert_eq!(stored.len(), report.employees.len(), "outcomes recorded as they settled");
}
