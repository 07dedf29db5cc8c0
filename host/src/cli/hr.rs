//! `paybridge hr import [--json]`: read the configured HR source into the
//! store without syncing (every sync does this first). With the live
//! AlexisHR source, shows how each list was read.

use clap::{Args, Subcommand};
use std::path::Path;

/// `hr` subcommands.
#[derive(Debug, Subcommand)]
pub enum HrCommand {
    /// Read the HR source (snapshot file or live AlexisHR API) into the
    /// store; a read cut short resumes where it stopped.
    Import(ImportArgs),
}

/// Arguments of `hr import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// Run an `hr` subcommand.
pub async fn run(config: &Path, command: HrCommand) -> anyhow::Result<()> {
    let HrCommand::Import(args) = command;
    let app = super::open_store(config)?;
    let imported = app.import_hr().await?;
    if args.json {
        return super::print_json(&imported);
    }
    println!("imported {} employee(s) from {}", imported.employees, imported.source);
    for list in imported.read.iter().flat_map(|r| &r.lists) {
        if list.pages == 0 {
            println!("  {:<18} read earlier in this pass", list.resource);
            continue;
        }
        let how = if list.full { "whole" } else { "since last import" };
        println!(
            "  {:<18} {:>4} page(s), {:>6} record(s) {how}: {} new or changed, {} removed",
            list.resource, list.pages, list.records, list.changed, list.removed
        );
    }
    Ok(())
}
