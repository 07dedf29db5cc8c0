//! Wall time of a first sync against its floor: a generated company of
//! 300 employees synced to the 24SevenOffice emulator answering every
//! request after 20 ms, at concurrency 4. The floor is what the requests
//! cost on the wire when the concurrency is fully used:
//! requests × latency ÷ concurrency. The figure is the ratio to that floor
//! (the goal of the contract 2.0 issue: at most 1.25).
//!
//! Run: `make bench`, or `cargo bench -p paybridge --bench first_sync`
//! after `make plugins`. The emulator runs in this process: its own work is
//! small next to the 20 ms it waits per request.

#[path = "../../tests/common/company.rs"]
#[allow(dead_code)]
mod company;

use paybridge::app::App;
use paybridge::config::{Config, IntegrationConfig};
use paybridge::http::Secrets;
use paybridge::runtime::Limits;
use paybridge::sync::SyncOptions;
use paybridge_emulators::twentyfour_seven::{Emulator, Settings};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The allocator the `paybridge` binary uses, so the figure is the product's.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

const EMPLOYEES: usize = 300;
const LATENCY: Duration = Duration::from_millis(20);
const CONCURRENCY: usize = 4;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let emulator = Emulator::start(Settings::default()).await?;
    emulator.set_latency(LATENCY);
    let dir = tempfile::tempdir()?;
    let mut integration = IntegrationConfig::new("24so", "twentyfour-seven", &emulator.base_url());
    integration.secrets.insert("token".into(), "UNUSED".into());
    integration.concurrency = CONCURRENCY;
    let mut config =
        Config::new(dir.path().join("paybridge.db"), root.join("connectors"), dir.path().join("none.json"));
    config.integrations = vec![integration];
    let app = App::open(config, Limits::default())?;
    app.import(&company::generate_company(EMPLOYEES))?;
    let secrets = Secrets::from_pairs(&[("token", &emulator.access_token())]);

    let started = Instant::now();
    let report = app.sync("24so", &SyncOptions::default(), Some(secrets.clone()), None).await?;
    let wall = started.elapsed();
    let requests = emulator.requests().len() as u32;
    let floor = LATENCY * requests / CONCURRENCY as u32;
    println!("paybridge bench: first sync, {EMPLOYEES} employees, {LATENCY:?} per request, concurrency {CONCURRENCY}");
    println!("  outcome                    {}", report.summary());
    println!("  requests sent              {requests}");
    println!("  floor (requests × latency ÷ concurrency) {floor:>10.2?}");
    println!("  wall time                  {wall:>10.2?}  = {:.2} × floor", wall.as_secs_f64() / floor.as_secs_f64());

    let before = emulator.requests().len();
    let started = Instant::now();
    let again = app.sync("24so", &SyncOptions::default(), Some(secrets), None).await?;
    let wall = started.elapsed();
    let requests = (emulator.requests().len() - before) as u32;
    let floor = LATENCY * requests / CONCURRENCY as u32;
    println!(
        "  no-change sync: {}; {requests} requests, wall {wall:.2?} = {:.2} × floor",
        again.summary(),
        wall.as_secs_f64() / floor.as_secs_f64()
    );
    Ok(())
}
