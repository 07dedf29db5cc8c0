//! The sandbox and the registry: hostile components are contained with a
//! clear error while the host goes on; components importing anything
//! outside the world are refused; several versions live side by side.

mod common;

use common::component;
use common::twentyfour_seven_patched as patched;
use paybridge::model::HrEmployee as Employee;
use paybridge::runtime::connector::{CallSite, digit_run_filter};
use paybridge::runtime::types::Context;
use paybridge::runtime::{CallError, ConnectorEngine, Limits, Registry};
use paybridge_components::{TEST_GUEST_FORBIDDEN_IMPORT, TEST_GUEST_HOSTILE, TWENTYFOUR_SEVEN};
use std::path::Path;

fn limits() -> Limits {
    Limits { fuel: 200_000_000, memory_bytes: 32 << 20, ..Limits::default() }
}

fn site() -> CallSite {
    CallSite::new(digit_run_filter(), &["test"])
}

fn ctx() -> Context {
    Context { integration: "sandbox".into(), today: "2026-11-22".into(), settings: vec![], period: None }
}

fn employee(first_name: &str) -> Employee {
    Employee {
        id: format!("hr-{first_name}"),
        employee_number: Some("1".into()),
        first_name: Some(first_name.into()),
        active: true,
        ..Employee::default()
    }
}

/// The employee in the contract's types, for calling a component directly.
fn wit(first_name: &str) -> paybridge::runtime::types::Employee {
    (&employee(first_name)).into()
}

fn registry() -> Registry {
    Registry::new(ConnectorEngine::new(limits()).expect("engine"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runaway_loop_a_memory_bomb_a_panic_and_a_trap_each_fail_alone_and_the_host_goes_on() {
    let registry = registry();
    let hostile = registry.load_file(&component(TEST_GUEST_HOSTILE)).expect("hostile loads");

    let looped = hostile.map_employee(site(), ctx(), wit("loop")).await;
    assert!(matches!(looped, Err(CallError::OutOfFuel { .. })), "{looped:?}");
    let message = looped.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("CPU budget") && message.contains("prepare"), "{message}");

    let bomb = hostile.map_employee(site(), ctx(), wit("bomb")).await;
    assert!(matches!(bomb, Err(CallError::MemoryCap { cap_mib: 32, .. })), "{bomb:?}");

    let panicked = hostile.map_employee(site(), ctx(), wit("panic")).await;
    assert!(matches!(panicked, Err(CallError::Trap { .. })), "{panicked:?}");

    let trapped = hostile.map_employee(site(), ctx(), wit("trap")).await;
    assert!(matches!(trapped, Err(CallError::Trap { .. })), "{trapped:?}");

    // Each call had a fresh store: the same instance-pre still works.
    let fine = hostile.map_employee(site(), ctx(), wit("Kari")).await.expect("call runs").expect("maps");
    assert_eq!(fine.hr_id, "hr-Kari");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_integrations_budget_overrides_the_engines_fuel_and_memory_for_its_calls_only() {
    use paybridge::runtime::connector::CallBudget;
    let registry = registry();
    let hostile = registry.load_file(&component(TEST_GUEST_HOSTILE)).expect("hostile loads");
    let starved = site().with_budget(CallBudget { fuel: Some(1_000), memory_bytes: None });
    let refused = hostile.map_employee(starved, ctx(), wit("Kari")).await;
    assert!(matches!(refused, Err(CallError::OutOfFuel { fuel: 1_000, .. })), "{refused:?}");
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("Raise `fuel`"), "says what to change: {message}");

    // The engine's cap is 32 MiB, its ceiling 64: a budget may raise a call's cap up to the ceiling.
    let roomier = site().with_budget(CallBudget { fuel: None, memory_bytes: Some(48 << 20) });
    let bomb = hostile.map_employee(roomier, ctx(), wit("bomb")).await;
    assert!(matches!(bomb, Err(CallError::MemoryCap { cap_mib: 48, .. })), "{bomb:?}");
    let bomb = hostile.map_employee(site(), ctx(), wit("bomb")).await;
    assert!(matches!(bomb, Err(CallError::MemoryCap { cap_mib: 32, .. })), "other calls keep the engine's: {bomb:?}");
    let fine = hostile.map_employee(site(), ctx(), wit("Kari")).await.expect("call runs").expect("maps");
    assert_eq!(fine.hr_id, "hr-Kari");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_with_a_hostile_connector_fails_the_hostile_employees_and_finishes_the_rest() {
    use paybridge::app::App;
    use paybridge::config::{Config, IntegrationConfig};
    use paybridge::http::Secrets;
    use paybridge::source::HrSnapshot;
    use paybridge::sync::{Outcome, SyncOptions};

    let dir = tempfile::tempdir().expect("temp");
    let connectors = dir.path().join("connectors");
    std::fs::create_dir(&connectors).expect("dir");
    std::fs::copy(component(TEST_GUEST_HOSTILE), connectors.join("hostile.wasm")).expect("copy");
    let mut config = Config::new(dir.path().join("db.sqlite"), connectors, dir.path().join("none.json"));
    config.integrations = vec![IntegrationConfig::new("hostile", "hostile", "http://127.0.0.1:9")];
    config.integrations[0].scope.active = paybridge::scope::ActiveFilter::All;
    let app = App::open(config, limits()).expect("app");
    let mut people = vec![employee("loop"), employee("bomb"), employee("Kari")];
    for (i, p) in people.iter_mut().enumerate() {
        p.employee_number = Some(format!("{}", i + 1));
    }
    app.import(&HrSnapshot { employees: people, ..HrSnapshot::default() }).expect("import");
    let report =
        app.sync("hostile", &SyncOptions::default(), Some(Secrets::default()), None).await.expect("run completes");
    let by_name = |n: &str| report.employees.iter().find(|e| e.name == n).map(|e| e.outcome.clone());
    assert!(matches!(by_name("loop"), Some(Outcome::Failed { reason }) if reason.contains("CPU budget")));
    assert!(matches!(by_name("bomb"), Some(Outcome::Failed { reason }) if reason.contains("memory cap")));
    assert_eq!(by_name("Kari"), Some(Outcome::Unchanged), "the well-behaved employee is unaffected");
    assert_eq!(report.status, "partial");
}

#[test]
fn a_component_importing_outside_the_world_is_refused_naming_the_import() {
    let err = registry().load_file(&component(TEST_GUEST_FORBIDDEN_IMPORT)).expect_err("refused");
    let message = format!("{err:#}");
    assert!(message.contains("test:forbidden/exfiltrate"), "{message}");
    assert!(message.contains("outside the paybridge:connector world"), "{message}");
}

#[test]
fn a_file_that_is_not_a_component_is_refused_clearly() {
    let err = registry()
        .load_bytes(b"\0asm not really", Path::new("junk.wasm"), Path::new("junk.wasm"))
        .expect_err("refused");
    assert!(format!("{err:#}").contains("junk.wasm is not a valid WebAssembly component"));
}

#[test]
fn several_versions_load_side_by_side_and_the_active_one_swaps_without_touching_holders() {
    let registry = Registry::auto_activating(ConnectorEngine::new(limits()).expect("engine"));
    let v200 = registry.load_file(&component(TWENTYFOUR_SEVEN)).expect("2.0.0");
    // A second version: the same component with its manifest version patched.
    let v201 = registry
        .load_bytes(
            &patched(b"twentyfour-seven2.0.0", b"twentyfour-seven2.0.1"),
            Path::new("v201.wasm"),
            Path::new("v201.wasm"),
        )
        .expect("2.0.1");
    assert_ne!(v200.sha256, v201.sha256, "content-addressed");
    assert_eq!(
        registry.resolve("twentyfour-seven", None).expect("active").manifest.version,
        "2.0.1",
        "newest is active"
    );
    assert_eq!(registry.resolve("twentyfour-seven", Some("2.0.0")).expect("pinned").manifest.version, "2.0.0");

    let held = registry.resolve("twentyfour-seven", None).expect("held by a run");
    registry.activate("twentyfour-seven", "2.0.0").expect("swap");
    assert_eq!(registry.resolve("twentyfour-seven", None).expect("active").manifest.version, "2.0.0");
    assert_eq!(held.manifest.version, "2.0.1", "a run in flight keeps its version");

    let missing = registry.resolve("twentyfour-seven", Some("3.0.0")).expect_err("not loaded");
    assert!(missing.to_string().contains("loaded versions: 2.0.0, 2.0.1"), "{missing}");
}

#[test]
fn two_different_components_claiming_the_same_version_are_refused() {
    let registry = registry();
    registry.load_file(&component(TWENTYFOUR_SEVEN)).expect("original");
    let impostor = patched(b"24SevenOffice", b"25SevenOffice");
    let err =
        registry.load_bytes(&impostor, Path::new("impostor.wasm"), Path::new("impostor.wasm")).expect_err("refused");
    assert!(err.to_string().contains("two different components claim twentyfour-seven@2.0.0"), "{err}");
}

#[test]
fn install_stores_a_checked_component_under_its_sha256_and_an_altered_file_is_refused() {
    let dir = tempfile::tempdir().expect("temp");
    let installed = registry().install(&component(TEST_GUEST_HOSTILE), dir.path()).expect("installs");
    let file = dir.path().join(format!("{}.wasm", installed.sha256));
    assert!(file.exists());
    assert!(registry().load_dir(dir.path()).is_ok(), "an installed folder loads");

    let refused = registry().install(&component(TEST_GUEST_FORBIDDEN_IMPORT), dir.path());
    assert!(refused.is_err());
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1, "a refused component is never written");

    let mut bytes = std::fs::read(&file).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&file, bytes).expect("tamper");
    let err = registry().load_dir(dir.path()).expect_err("altered");
    assert!(err.to_string().contains("was altered"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_national_id_in_a_connector_log_line_is_masked() {
    let buffer = common::capture_logs();

    let hostile = registry().load_file(&component(TEST_GUEST_HOSTILE)).expect("loads");
    hostile.map_employee(site(), ctx(), wit("Kari")).await.expect("runs").expect("maps");
    let logs = buffer.text();
    assert!(logs.contains("mapping employee with ssn ###########"), "{logs}");
    assert!(!logs.contains("10915596784"));
}

#[test]
fn a_compiled_connector_is_kept_a_second_load_comes_from_the_cache_and_a_damaged_artefact_is_rebuilt() {
    let dir = tempfile::tempdir().expect("temp");
    let cached = || Registry::new(ConnectorEngine::new(limits()).expect("engine")).with_artefact_cache(dir.path());
    let first = cached().expect("cache");
    let loaded = first.load_file(&component(TWENTYFOUR_SEVEN)).expect("compiles");
    let artefact = first.artefact_cache().expect("a cache").path_of(&loaded.sha256);
    assert!(artefact.exists(), "the compiled artefact is kept");
    assert_eq!(first.artefact_cache().map(|c| c.hits()), Some(0));

    let second = cached().expect("cache");
    let again = second.load_file(&component(TWENTYFOUR_SEVEN)).expect("loads from the cache");
    assert_eq!(second.artefact_cache().map(|c| c.hits()), Some(1), "served from the cache");
    assert_eq!(again.manifest.name, "twentyfour-seven", "and it runs");

    std::fs::write(&artefact, b"not native code").expect("damage");
    let third = cached().expect("cache");
    third.load_file(&component(TWENTYFOUR_SEVEN)).expect("compiled afresh");
    assert_eq!(third.artefact_cache().map(|c| c.hits()), Some(0));
    assert_ne!(std::fs::read(&artefact).expect("rewritten"), b"not native code");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_calls_at_once_than_instance_slots_wait_for_a_slot_instead_of_failing() {
    let registry = Registry::new(ConnectorEngine::new(Limits { instance_slots: 2, ..limits() }).expect("engine"));
    let hostile = registry.load_file(&component(TEST_GUEST_HOSTILE)).expect("loads");
    let calls = (0..12).map(|i| {
        let hostile = hostile.clone();
        tokio::spawn(async move { hostile.map_employee(site(), ctx(), wit(&format!("Kari{i}"))).await })
    });
    for call in futures::future::join_all(calls).await {
        let mapped = call.expect("the task runs").expect("a slot is found").expect("maps");
        assert!(mapped.hr_id.starts_with("hr-Kari"));
    }
}
