//! `paybridge runs show [RUN] [--json]`: recent runs, or one run with its
//! outcomes and journal (sensitive values are already masked in storage).

use anyhow::Context as _;
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
    let config = crate::config::Config::load(config)?;
    let store = crate::store::Store::open(&config.database)?;
    let Some(id) = run else {
        let runs = store.runs(20)?;
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
    let row = store.run(id)?.with_context(|| format!("no run {id}; `paybridge runs show` lists them"))?;
    let outcomes = store.outcomes(id)?;
    let journal = store.journal_for_run(id)?;
    if json {
        return super::print_json(&serde_json::json!({ "run": row, "outcomes": outcomes, "journal": journal }));
    }
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
