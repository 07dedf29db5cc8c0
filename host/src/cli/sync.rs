//! `paybridge sync --integration NAME [--dry-run] [--json]`.

use crate::sync::SyncOptions;
use anyhow::bail;
use clap::Args;
use std::path::Path;

/// Arguments of `sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Integration to sync (from paybridge.toml).
    #[arg(long, short)]
    pub integration: String,
    /// Show the plan with before → after per field; send no write.
    #[arg(long)]
    pub dry_run: bool,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// Import the HR snapshot, then sync.
pub async fn run(config: &Path, args: SyncArgs) -> anyhow::Result<()> {
    let app = super::open(config)?;
    let imported = app.import_hr().await?;
    let json = args.json;
    if !json {
        eprintln!("imported {} employee(s) from {}", imported.employees, imported.source);
    }
    let options = SyncOptions { dry_run: args.dry_run, ..SyncOptions::default() };
    let (events, printer) = if json { (None, None) } else { Some(super::print::event_printer("")).unzip() };
    let report = app.sync(&args.integration, &options, None, events).await;
    if let Some(printer) = printer {
        let _ = printer.await;
    }
    let report = report?;
    if json {
        super::print_json(&report)?;
    } else {
        super::print::report(&report, args.dry_run);
    }
    if report.status == "failed" {
        bail!(
            "the run failed: {}",
            report.error.as_deref().unwrap_or("no employee went through; see the outcomes above")
        );
    }
    super::partial_is_an_error("the run", &report.status, &report.summary())
}
