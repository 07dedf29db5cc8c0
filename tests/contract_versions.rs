//! Contract versions side by side: a connector built against
//! `paybridge:connector@1.0.0` (the 24SevenOffice connector as it shipped,
//! kept as a fixture) loads and syncs under this host next to the 2.0
//! build, through the 1.0 adapter. (A foreign major is refused: see
//! `hostile_connectors.rs`.)

mod common;

use common::{Harness, component, sample_snapshot, twentyfour_seven_contract_1};
use paybridge::runtime::{ConnectorEngine, Limits, Registry};
use paybridge_components::TWENTYFOUR_SEVEN;

#[test]
fn a_1_0_and_a_2_0_build_load_side_by_side_each_with_its_contract() {
    let registry = Registry::auto_activating(ConnectorEngine::new(Limits::default()).expect("engine"));
    let old = registry.load_file(&twentyfour_seven_contract_1()).expect("the 1.0 build loads");
    let new = registry.load_file(&component(TWENTYFOUR_SEVEN)).expect("the 2.0 build loads");
    assert_eq!((old.contract.as_str(), old.manifest.version.as_str()), ("1.0.0", "1.0.0"));
    assert_eq!((new.contract.as_str(), new.manifest.version.as_str()), ("2.0.0", "2.0.0"));
    assert_eq!(old.manifest.directions, vec![paybridge::runtime::types::Direction::HrToTarget], "1.0 only exports");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_1_0_component_syncs_under_this_host_a_second_run_writes_nothing_and_an_absence_run_is_refused() {
    let only_the_old_build = |dir: &std::path::Path| {
        let folder = dir.join("connectors");
        std::fs::create_dir_all(&folder).expect("folder");
        std::fs::copy(twentyfour_seven_contract_1(), folder.join("twentyfour-seven-1.wasm")).expect("copy");
        folder
    };
    let h = Harness::with_connectors(&sample_snapshot(), Limits::default(), only_the_old_build).await;
    let connector = h.app.connector_for(&h.app.config.integrations[0]).expect("resolves");
    assert_eq!(connector.contract, "1.0.0");

    let first = h.sync().await;
    assert_eq!(first.status, "succeeded", "{}", first.summary());
    let created = first.count("created");
    assert!(created >= 20, "{}", first.summary());
    assert_eq!(h.emulator.employees().len(), created);
    assert_eq!(h.emulator.employments(1004)[0]["employment_form"], "midlertidig");

    let second = h.sync().await;
    assert_eq!(second.count("unchanged"), created, "{}", second.summary());
    assert_eq!(second.writes_sent, 0);

    // 1.0 has no absence export: an absence run is refused before it starts.
    let march = paybridge::sync::SyncOptions {
        period: Some(paybridge::runtime::types::Period { start: "2026-03-01".into(), end: "2026-03-31".into() }),
        ..paybridge::sync::SyncOptions::default()
    };
    let refused = h.try_sync(march).await.expect_err("refused");
    assert!(refused.to_string().contains("does not export absences"), "{refused}");
    assert!(h.emulator.absences().is_empty());
}
