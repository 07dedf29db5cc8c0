//! `paybridge runs show [RUN] [--json]`: recent runs, or one run with its
//! outcomes and journal (sensitive values are already masked in storage).

use clap::Subcommand;
use std::path::Path;

/// `runs` subcommands.
#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// Recent runs, or one run in detail.
    Show {
        /// Run number; the recent runs are listed without it.
        run: Option<i64>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

/// Run a `runs` subcommand.
pub fn run(config: &Path, cmd: RunsCommand) -> anyhow::Result<()> {
    let RunsCommand::Show { run, json } = cmd;
    let app = super::open_store(config)?;
    let Some(id) = run else {
        let runs = app.runs(20)?;
        if json {
            return super::print_json(&runs);
        }
        for r in runs {
            let dry = if r.dry_run { " (dry run)" } else { "" };
            println!(
                "{:>5}  {}  {:<12} {:<12} {}{dry}",
                r.id,
                r.started_at,
                r.integration,
                r.status,
                r.summary.unwrap_or_default()
            );
        }
        return Ok(());
    };
    let detail = app.run_detail(id)?;
    if json {
        return super::print_json(&detail);
    }
    let crate::app::runs::RunDetail { run: row, outcomes, journal } = detail;
    println!("run {} · {} · {} · {}", row.id, row.integration, row.connector, row.status);
    println!("  started {}  finished {}", row.started_at, row.finished_at.as_deref().unwrap_or("-"));
    for o in outcomes {
        println!(
            "  {:>6}  {:<24} {:<9}  {}",
            o.employee_number.as_deref().unwrap_or("-"),
            o.name.unwrap_or_default(),
            o.outcome,
            o.detail
        );
    }
    if !journal.is_empty() {
        println!("  journal:");
        for j in journal {
            let status = j.http_status.map(|s| s.to_string()).unwrap_or_else(|| "-".into());
            println!(
                "    #{:<5} {:<8} {:<6} {:<28} {:<8} {}  {}",
                j.id,
                j.operation,
                j.method,
                j.path,
                j.state,
                status,
                j.detail.unwrap_or_default()
            );
        }
    }
    Ok(())
}
