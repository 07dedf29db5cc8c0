//! A Python connector at process start: the first start compiles the
//! component (about 19 MB of CPython and the connector) into the artefact
//! cache; every later start loads it from there. Goal of the vendor-kit
//! issue: a Python connector loads from the cache in under a second on the
//! second start. The baseline, measured in the same run, is plain
//! wasmtime compiling the same bytes with a default engine.
//!
//! The component is the Python template (`paybridge connector new --lang
//! python`), built with componentize-py from `make python-kit`; without
//! it the bench says so and measures nothing.
//!
//! Run: `cargo bench -p paybridge --bench python_start` after `make python-kit`.

use paybridge::app::App;
use paybridge::config::Config;
use paybridge::kit::template::{self, Lang};
use paybridge::runtime::Limits;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Starts measured per figure; the median is reported.
const ROUNDS: usize = 3;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// A process start: open the store and load the connectors folder.
fn start(database: &Path, connectors: &Path) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let app = App::open(Config::new(database.to_owned(), connectors.to_owned(), "unused".into()), Limits::default())?;
    let elapsed = started.elapsed();
    anyhow::ensure!(app.registry.active("bench-py").is_some(), "the Python connector did not load");
    Ok(elapsed)
}

fn main() -> anyhow::Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let tool = root.join("target/python-kit/bin");
    if !tool.join("componentize-py").exists() {
        println!("paybridge bench: python start skipped: componentize-py is missing (run `make python-kit`)");
        return Ok(());
    }
    let work = tempfile::tempdir()?;
    let project = work.path().join("bench-py");
    template::write(Lang::Python, "bench-py", &project)?;
    let path = format!("{}:{}", tool.display(), std::env::var("PATH").unwrap_or_default());
    let built = std::process::Command::new(project.join("build.sh")).env("PATH", path).output()?;
    anyhow::ensure!(built.status.success(), "build.sh failed: {}", String::from_utf8_lossy(&built.stderr));
    let component = project.join("bench-py.wasm");
    let bytes = std::fs::read(&component)?;

    let (mut first, mut second, mut plain) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let dir = work.path().join(format!("round{round}"));
        let connectors = dir.join("connectors");
        std::fs::create_dir_all(&connectors)?;
        std::fs::copy(&component, connectors.join("bench-py.wasm"))?;
        let database = dir.join("paybridge.db");
        first.push(start(&database, &connectors)?);
        second.push(start(&database, &connectors)?);
        let engine = wasmtime::Engine::default();
        let started = Instant::now();
        wasmtime::component::Component::from_binary(&engine, &bytes)?;
        plain.push(started.elapsed());
    }
    let (first, second, plain) = (median(first), median(second), median(plain));
    println!("paybridge bench: a Python connector at process start, median of {ROUNDS}");
    println!("  component                  the Python template ({} KiB)", bytes.len() / 1024);
    println!("  plain wasmtime compile     {plain:>10.2?}  (baseline)");
    println!(
        "  first start (compiles)     {first:>10.2?}  = {:.2} × baseline",
        first.as_secs_f64() / plain.as_secs_f64()
    );
    println!(
        "  second start (the cache)   {second:>10.2?}  = {:.3} × baseline  (goal < 1 s)",
        second.as_secs_f64() / plain.as_secs_f64()
    );
    Ok(())
}
