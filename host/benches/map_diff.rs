//! Cost of map + diff per employee through the 24SevenOffice component,
//! against the same mapping compiled natively, measured in one run; and the
//! cost of instantiating the component. Figures are ratios to the native
//! baseline of the same run (machines here are noisy), plus absolute
//! medians for orientation. Results: docs/performance.md.
//!
//! Run: `make bench` (builds the connector first), or
//! `cargo bench -p paybridge --bench map_diff` after `make plugins`.

use paybridge::runtime::types::{Context, Employee, Prepared, ReconcileItem};
use paybridge::runtime::{ConnectorEngine, Limits, Registry};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const ROUNDS: usize = 15;
/// Copies of the sample employees, so batches fill up.
const COPIES: usize = 16;
/// Employees per call, as the pipeline batches them.
const BATCH: usize = paybridge::sync::BATCH;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Median time of one pass of each of `passes`, over `ROUNDS` rounds in
/// which every pass runs in turn: the machine's noise falls on all of
/// them alike, so their ratios hold when the absolute times do not. Each
/// timed pass follows an untimed one of the same kind, so none is timed
/// with the caches the previous kind left.
fn interleaved(passes: &mut [&mut dyn FnMut()]) -> Vec<Duration> {
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(ROUNDS); passes.len()];
    for _ in 0..ROUNDS {
        for (pass, times) in passes.iter_mut().zip(&mut times) {
            pass(); // warm up
            let start = Instant::now();
            pass();
            times.push(start.elapsed());
        }
    }
    times
        .into_iter()
        .map(|mut t| {
            t.sort();
            t[ROUNDS / 2]
        })
        .collect()
}

/// Median time of one pass of `f`, over `ROUNDS` passes.
fn median(mut f: impl FnMut()) -> Duration {
    f(); // warm up
    let mut times: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[ROUNDS / 2]
}

fn main() -> anyhow::Result<()> {
    let tz = jiff::tz::TimeZone::get("Europe/Oslo")?;
    let text = std::fs::read_to_string(root().join("examples/hr-snapshot.json"))?;
    let snapshot = paybridge::source::parse_snapshot(&text, &tz)?;
    let ctx = Context { integration: "bench".into(), today: "2026-11-22".into(), settings: vec![], period: None };

    let registry = Registry::new(ConnectorEngine::new(Limits::default())?);
    let compile_start = Instant::now();
    let connector = registry.load_file(&root().join("connectors/twentyfour-seven.wasm"))?;
    let compile = compile_start.elapsed();

    // Employees the connector maps (the sample, repeated to fill batches),
    // and their desired records as the target's current state.
    let mut employees: Vec<Employee> = Vec::new();
    let mut currents = Vec::new();
    for _ in 0..COPIES {
        for e in &snapshot.employees {
            let e: Employee = e.into();
            let mapped = connector.call_sync("prepare", |c, s| c.prepare(s, &ctx, std::slice::from_ref(&e)))?;
            if let Some(Prepared::Ready(m)) = mapped.into_iter().next() {
                let current = paybridge::runtime::types::TargetEmployee {
                    target_id: m.employee_number.clone().unwrap_or_default(),
                    employee_number: m.employee_number.clone(),
                    national_id: m.national_id.clone(),
                    first_name: None,
                    last_name: None,
                    birth_date: None,
                    records: m.records.clone(),
                };
                // As the host holds what it read: its own model.
                currents.push(paybridge::model::TargetEmployee::try_from(current)?);
                employees.push(e);
            }
        }
    }
    let n = employees.len() as u32;

    // The same inputs as the guest crate's own types, for the native run.
    let native_ctx: twentyfour_seven::types::Context = serde_json::from_value(serde_json::to_value(&ctx)?)?;
    let native_employees: Vec<twentyfour_seven::types::Employee> =
        serde_json::from_value(serde_json::to_value(&employees)?)?;
    let wit_currents: Vec<paybridge::runtime::types::TargetEmployee> = currents.iter().map(Into::into).collect();
    let native_currents: Vec<twentyfour_seven::types::TargetEmployee> =
        serde_json::from_value(serde_json::to_value(&wit_currents)?)?;

    let mut native_pass = || {
        for (e, cur) in native_employees.iter().zip(&native_currents) {
            if let Ok(m) = twentyfour_seven::mapping::map_employee(&native_ctx, e) {
                black_box(twentyfour_seven::plan::diff(&m.records, Some(cur)));
            }
        }
    };
    // Component: `prepare` then `reconcile`, `batch` employees per call, as
    // the pipeline does it (a fresh instance per call), the current state
    // converted from the host's model for each call as the pipeline does.
    let through_component = |batch: usize| {
        for (es, curs) in employees.chunks(batch).zip(currents.chunks(batch)) {
            let prepared = connector.call_sync("prepare", |c, s| c.prepare(s, &ctx, es)).expect("prepare runs");
            let items: Vec<ReconcileItem> = prepared
                .into_iter()
                .zip(curs)
                .filter_map(|(p, cur)| match p {
                    Prepared::Ready(m) => {
                        Some(ReconcileItem { desired: m, current: Some(cur.into()), plan: true, links: Vec::new() })
                    }
                    Prepared::Refused(_) => None,
                })
                .collect();
            let _ = black_box(connector.call_sync("reconcile", |c, s| c.reconcile(s, &ctx, &[], &items)));
        }
    };
    let mut batched_pass = || through_component(BATCH);
    let mut one_by_one_pass = || through_component(1);
    // Instantiation alone: a fresh store (with its WASI context, fuel and
    // deadline) and instance, no call; then with the smallest call.
    let mut instantiate_pass = || {
        for _ in 0..n {
            let _ = black_box(connector.call_sync("instantiate", |_, _| Ok(())));
        }
    };
    let mut describe_pass = || {
        for _ in 0..n {
            let _ = black_box(connector.call_sync("describe", |c, s| c.describe(s)));
        }
    };
    let medians = interleaved(&mut [
        &mut native_pass,
        &mut batched_pass,
        &mut one_by_one_pass,
        &mut instantiate_pass,
        &mut describe_pass,
    ]);
    let [native, batched, one_by_one, instantiate, describe] = [0, 1, 2, 3, 4].map(|i| medians[i] / n);

    let times_native = |d: Duration| d.as_secs_f64() / native.as_secs_f64();
    println!(
        "paybridge bench: map + diff per employee, {n} employees (the sample x {COPIES}), median of {ROUNDS} interleaved rounds"
    );
    println!("  native baseline (same mapping, same run)    {:>10.2?}  = 1.0", native);
    println!(
        "  component, {BATCH} employees per call           {batched:>10.2?}  = {:.1} x native",
        times_native(batched)
    );
    println!(
        "  component, 1 employee per call              {one_by_one:>10.2?}  = {:.1} x native",
        times_native(one_by_one)
    );
    println!(
        "  instantiate (fresh store + instance)        {:>10.2?}  = {:.1} x native map+diff",
        instantiate,
        times_native(instantiate)
    );
    println!(
        "  instantiate + describe (per call)           {:>10.2?}  = {:.1} x native map+diff",
        describe,
        times_native(describe)
    );
    println!("  compiling the component at load             {:>10.2?}", compile);

    // The compiled-artefact cache: the first load compiles and stores, a
    // later one (another process in practice) reads the artefact.
    let cache_dir = std::env::temp_dir().join(format!("paybridge-bench-artefacts-{}", std::process::id()));
    let wasm = root().join("connectors/twentyfour-seven.wasm");
    Registry::new(ConnectorEngine::new(Limits::default())?).with_artefact_cache(&cache_dir)?.load_file(&wasm)?;
    let cached = median(|| {
        let registry = Registry::new(ConnectorEngine::new(Limits::default()).expect("engine"))
            .with_artefact_cache(&cache_dir)
            .expect("cache");
        let _ = black_box(registry.load_file(&wasm));
    });
    let engine_only = median(|| {
        let _ = black_box(ConnectorEngine::new(Limits::default()));
    });
    let _ = std::fs::remove_dir_all(&cache_dir);
    println!(
        "  loading it from the artefact cache          {:>10.2?}  (engine set-up alone {:.2?}; {:.0} x faster than compiling)",
        cached.saturating_sub(engine_only),
        engine_only,
        compile.as_secs_f64() / cached.saturating_sub(engine_only).as_secs_f64().max(1e-9)
    );
    Ok(())
}
