//! Swap latency of the service's live connector swaps: a new component
//! version installed (checked, compiled into the artefact cache, loaded)
//! and activated in a running host, first compiled and then from the
//! artefact cache (a second host on the same database). Goals of the
//! service-mode issue: at most 200 ms for a Rust connector, at most 5 ms
//! from the cache. The baseline, measured in the same run, is plain
//! wasmtime compiling the same bytes with a default engine.
//!
//! Run: `make bench`, or `cargo bench -p paybridge --bench swap` after
//! `make plugins`.

use paybridge::app::App;
use paybridge::config::Config;
use paybridge::runtime::Limits;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Swaps measured per figure; the median is reported.
const ROUNDS: usize = 5;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// A host on `database` with `connectors` holding the current 2.0.0 connector.
fn host(database: &Path, connectors: &Path, current: &Path) -> anyhow::Result<App> {
    std::fs::create_dir_all(connectors)?;
    std::fs::copy(current, connectors.join("twentyfour-seven.wasm"))?;
    App::open(Config::new(database.to_owned(), connectors.to_owned(), "unused".into()), Limits::default())
}

/// Install `component` into `app` and make it active; the time it took.
fn swap(app: &App, component: &Path) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let (loaded, _) = app.install_connector(component)?;
    app.activate_connector(&loaded.manifest.name, &loaded.manifest.version)?;
    Ok(started.elapsed())
}

fn main() -> anyhow::Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let current = root.join("connectors/twentyfour-seven.wasm");
    anyhow::ensure!(current.exists(), "{} is missing: run `make plugins` first", current.display());
    let candidate = root.join("tests/fixtures/twentyfour-seven-1.0.0-contract-1.wasm");
    let bytes = std::fs::read(&candidate)?;

    let mut compiled = Vec::new();
    let mut cached = Vec::new();
    let mut plain = Vec::new();
    for round in 0..ROUNDS {
        let dir = tempfile::tempdir()?;
        let database = dir.path().join("paybridge.db");
        let first = host(&database, &dir.path().join(format!("a{round}")), &current)?;
        compiled.push(swap(&first, &candidate)?);
        drop(first);
        let second = host(&database, &dir.path().join(format!("b{round}")), &current)?;
        cached.push(swap(&second, &candidate)?);

        let engine = wasmtime::Engine::default();
        let started = Instant::now();
        wasmtime::component::Component::from_binary(&engine, &bytes)?;
        plain.push(started.elapsed());
    }
    let (compiled, cached, plain) = (median(compiled), median(cached), median(plain));
    println!("paybridge bench: connector swap (install + activate in a running host), median of {ROUNDS}");
    println!("  component                  {} ({} KiB)", candidate.display(), bytes.len() / 1024);
    println!("  plain wasmtime compile     {plain:>10.2?}  (baseline)");
    println!(
        "  swap, compiled             {compiled:>10.2?}  = {:.2} × baseline  (goal ≤ 200 ms)",
        compiled.as_secs_f64() / plain.as_secs_f64()
    );
    println!(
        "  swap, from the cache       {cached:>10.2?}  = {:.3} × baseline  (goal ≤ 5 ms)",
        cached.as_secs_f64() / plain.as_secs_f64()
    );
    Ok(())
}
