//! The `paybridge` binary: parses the command line and dispatches.

use clap::Parser;
use tracing_subscriber::EnvFilter;

/// The host's allocator: jemalloc, whose cost per allocation stays flat as
/// a run's heap grows with the company (glibc's did not; see
/// `docs/performance.md`, 2026-12-06).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let filter = EnvFilter::try_from_env("PAYBRIDGE_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // PAYBRIDGE_LOG_FORMAT=json: one JSON object a line (for a service's log shipper).
    if std::env::var("PAYBRIDGE_LOG_FORMAT").is_ok_and(|f| f == "json") {
        logs.json().init();
    } else {
        logs.init();
    }
    let cli = paybridge::cli::Cli::parse();
    match paybridge::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<paybridge::cli::PartialRun>().is_some() => {
            eprintln!("warning: {e:#}");
            std::process::ExitCode::from(paybridge::cli::EXIT_PARTIAL)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
