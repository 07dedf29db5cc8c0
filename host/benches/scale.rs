//! Company scale: generated companies of 10 000 and 100 000 employees
//! synced to the Nmbrs and 24SevenOffice emulators, each emulator in a
//! process of its own (this bench starts itself again as the emulator), so
//! the time and memory measured are the host's. Per company: the first
//! sync, a no-change sync and a one-field change; for each, the wall time,
//! the requests sent against the fewest the API allows, and the peak RSS
//! of this (the host's) process during that sync, measured by resetting
//! the kernel's high-water mark (`/proc/self/clear_refs`) before it.
//!
//! Run: `make bench`, or `cargo bench -p paybridge --bench scale` after
//! `make plugins`. `PAYBRIDGE_SCALE_SIZES=10000` (comma-separated) and
//! `PAYBRIDGE_SCALE_TARGETS=nmbrs` (or `24so`) narrow the run. The smaller
//! run the tests make: `sync_nmbrs::a_read_of_more_than_fifty_pages_per_list_completes...`.
//!
//! 24SevenOffice lists every employee in one answer (the API has no
//! paging), and that answer must fit the connector's 64 MiB memory: the
//! bench runs it at 10 000 only unless `PAYBRIDGE_SCALE_24SO_MAX` says more.

#[path = "../../tests/common/company.rs"]
#[allow(dead_code)]
mod company;

use paybridge::app::App;
use paybridge::config::{Config, IntegrationConfig};
use paybridge::http::Secrets;
use paybridge::runtime::Limits;
use paybridge::sync::{RunReport, SyncOptions};
use serde_json::{Value, json};
use std::io::{BufRead as _, Read as _};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Set in the child: which emulator to serve.
const ROLE: &str = "PAYBRIDGE_SCALE_EMULATOR";
/// Items per page the Nmbrs connector asks for (the API's maximum).
const PAGE: usize = 100;
/// Requests in flight per integration.
const CONCURRENCY: usize = 4;

fn main() -> anyhow::Result<()> {
    if let Ok(target) = std::env::var(ROLE) {
        return serve_emulator(&target);
    }
    let sizes: Vec<usize> = std::env::var("PAYBRIDGE_SCALE_SIZES")
        .unwrap_or_else(|_| "10000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let targets = std::env::var("PAYBRIDGE_SCALE_TARGETS").unwrap_or_else(|_| "nmbrs,24so".into());
    let max_24so: usize = std::env::var("PAYBRIDGE_SCALE_24SO_MAX").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    println!("paybridge bench: company scale, emulator in its own process, concurrency {CONCURRENCY}");
    println!(
        "  {:<6} {:>7}  {:<16} {:>9} {:>9} {:>9} {:>7} {:>9}  outcome",
        "target", "size", "sync", "wall", "requests", "minimum", "writes", "peak RSS"
    );
    for target in targets.split(',').map(str::trim) {
        let mut no_change = Vec::new();
        for &size in &sizes {
            if target == "24so" && size > max_24so {
                println!(
                    "  {target:<6} {size:>7}  skipped: one list answer of this size exceeds the connector's 64 MiB"
                );
                continue;
            }
            let wall = runtime.block_on(run_company(target, size))?;
            no_change.push((size, wall));
        }
        if let [(small, small_wall), .., (large, large_wall)] = no_change.as_slice() {
            println!(
                "  {target}: no-change sync {small} -> {large} employees costs {:.1} x the time ({:.0} x the employees)",
                large_wall.as_secs_f64() / small_wall.as_secs_f64(),
                *large as f64 / *small as f64
            );
        }
    }
    Ok(())
}

/// What one sync cost.
struct Phase {
    wall: Duration,
    report: RunReport,
    peak_rss_mib: f64,
}

/// Sync `target` with a generated company of `size`: first, no change,
/// one field changed. Prints a line per sync; returns the no-change wall
/// time.
async fn run_company(target: &str, size: usize) -> anyhow::Result<Duration> {
    let mut emulator = Emulator::start(target)?;
    let dir = tempfile::tempdir()?;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let (integration, secrets) = emulator.integration(target)?;
    let name = integration.name.clone();
    let mut config =
        Config::new(dir.path().join("paybridge.db"), root.join("connectors"), dir.path().join("none.json"));
    config.integrations = vec![integration];
    let app = App::open(config, Limits::default())?;
    app.import(&company::generate_company(size))?;

    let sync = || async {
        reset_peak_rss();
        let started = Instant::now();
        let report = app.sync(&name, &SyncOptions::default(), Some(secrets.clone()), None).await?;
        anyhow::Ok(Phase { wall: started.elapsed(), report, peak_rss_mib: peak_rss_mib() })
    };
    let first = sync().await?;
    let reads = |n: usize| match target {
        "nmbrs" => 4 * n.div_ceil(PAGE).max(1),
        _ => 1 + n,
    };
    let created = first.report.count("created");
    // First sync: the empty read, one create per employee (Nmbrs: plus
    // address, bank account and salary under the id it answered), and a
    // verifying read (Nmbrs: two, around the sub-resource pass).
    let first_minimum = match target {
        "nmbrs" => 4 + 4 * created + 2 * reads(created),
        _ => 1 + 2 * created + reads(created),
    };
    show(target, size, "first", &first, first_minimum);
    let unchanged = sync().await?;
    show(target, size, "no change", &unchanged, reads(created));

    let mut edited = company::generate_company(size);
    if let Some(e) = edited.employees.first_mut() {
        e.last_name = Some(format!("{}-Edited", e.last_name.clone().unwrap_or_default()));
    }
    app.import(&edited)?;
    drop(edited);
    let one = sync().await?;
    // The read, one update, the verifying read.
    show(target, size, "one field changed", &one, 2 * reads(created) + 1);
    emulator.stop();
    Ok(unchanged.wall)
}

fn show(target: &str, size: usize, sync: &str, phase: &Phase, minimum: usize) {
    let r = &phase.report;
    println!(
        "  {target:<6} {size:>7}  {sync:<16} {:>8.2}s {:>9} {:>9} {:>7} {:>6.0} MiB  {}",
        phase.wall.as_secs_f64(),
        r.requests_sent,
        minimum,
        r.writes_sent,
        phase.peak_rss_mib,
        r.summary()
    );
}

/// Reset this process's peak RSS (VmHWM) to its current RSS.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// This process's peak RSS since the last reset, in MiB (0 where /proc
/// does not say).
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

/// An emulator in a child process (this executable, started as the
/// emulator). It stops when its stdin closes.
struct Emulator {
    child: Child,
    said: Value,
}

impl Emulator {
    fn start(target: &str) -> anyhow::Result<Self> {
        let mut child = Command::new(std::env::current_exe()?)
            .env(ROLE, target)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow::anyhow!("emulator has no stdout"))?;
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line)?;
        let said: Value = serde_json::from_str(&line)
            .map_err(|e| anyhow::anyhow!("the emulator process said {line:?}, not its addresses: {e}"))?;
        Ok(Self { child, said })
    }

    fn text(&self, key: &str) -> String {
        self.said[key].as_str().unwrap_or_default().to_owned()
    }

    /// The integration and secrets for this emulator.
    fn integration(&self, target: &str) -> anyhow::Result<(IntegrationConfig, Secrets)> {
        Ok(match target {
            "nmbrs" => {
                let mut i = IntegrationConfig::new("nmbrs", "nmbrs", &self.text("base_url"));
                i.token_url = Some(self.text("token_url"));
                i.secret_headers = Some(vec!["X-Subscription-Key".into()]);
                i.settings.insert("company_id".into(), self.text("company_id"));
                i.settings.insert("page_size".into(), PAGE.to_string());
                i.concurrency = CONCURRENCY;
                let secrets = Secrets::from_pairs(&[
                    ("client_id", &self.text("client_id")),
                    ("client_secret", &self.text("client_secret")),
                    ("subscription_key", &self.text("subscription_key")),
                ]);
                (i, secrets)
            }
            "24so" => {
                let mut i = IntegrationConfig::new("24so", "twentyfour-seven", &self.text("base_url"));
                i.secrets.insert("token".into(), "UNUSED".into());
                i.concurrency = CONCURRENCY;
                (i, Secrets::from_pairs(&[("token", &self.text("token"))]))
            }
            other => anyhow::bail!("unknown target {other}: nmbrs or 24so"),
        })
    }

    fn stop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child: serve `target`'s emulator, say where on stdout, stop when
/// stdin closes.
fn serve_emulator(target: &str) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async {
        let said = match target {
            "nmbrs" => {
                let e = paybridge_emulators::nmbrs::Emulator::start(Default::default()).await?;
                let s = e.settings().clone();
                let said = json!({
                    "base_url": e.base_url(), "token_url": e.token_url(), "company_id": s.companies[0].0,
                    "client_id": s.client_id, "client_secret": s.client_secret, "subscription_key": s.subscription_key,
                });
                (said, Box::new(e) as Box<dyn std::any::Any + Send>)
            }
            "24so" => {
                let e = paybridge_emulators::twentyfour_seven::Emulator::start(Default::default()).await?;
                let said = json!({"base_url": e.base_url(), "token": e.access_token()});
                (said, Box::new(e) as Box<dyn std::any::Any + Send>)
            }
            other => anyhow::bail!("unknown emulator {other}"),
        };
        println!("{}", said.0);
        tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        })
        .await?;
        drop(said.1);
        anyhow::Ok(())
    })
}
