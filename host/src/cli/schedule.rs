//! `paybridge schedule show|run-due [--json]`: the integrations'
//! schedules, and running those that are due now (call `run-due` from
//! cron or a systemd timer every few minutes; `paybridge serve`'s
//! scheduler, when it exists, does the same by itself).

use clap::{Args, Subcommand};
use std::path::Path;

/// `schedule` subcommands.
#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Each scheduled integration with its next due time.
    Show(ScheduleArgs),
    /// Sync every integration that is due now (missed due times collapse
    /// into one run; one run per integration at a time).
    RunDue(ScheduleArgs),
}

/// Arguments of the `schedule` subcommands.
#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// Run a `schedule` subcommand.
pub async fn run(config: &Path, command: ScheduleCommand) -> anyhow::Result<()> {
    match command {
        ScheduleCommand::Show(args) => {
            let app = super::open_store(config)?;
            let mut rows = Vec::new();
            for i in app.config.integrations.iter().filter(|i| i.schedule.is_some()) {
                let state = app.store.schedule_state(&i.name)?;
                let tz = app.config.time_zone_of(i)?;
                let schedule: crate::schedule::Schedule = i.schedule.as_deref().unwrap_or_default().parse()?;
                let next = match &state {
                    Some((_, next)) => next.clone(),
                    None => schedule.next_after(jiff::Timestamp::now(), &tz).map(|t| t.to_string()),
                };
                let next_local = next
                    .as_deref()
                    .and_then(|n| n.parse::<jiff::Timestamp>().ok())
                    .map(|t| t.to_zoned(tz.clone()).strftime("%Y-%m-%d %a %H:%M %Z").to_string());
                rows.push(serde_json::json!({
                    "integration": i.name,
                    "schedule": schedule.to_string(),
                    "time_zone": tz.iana_name().unwrap_or("UTC"),
                    "last_due": state.as_ref().map(|(last, _)| last.clone()),
                    "next_due": next,
                    "next_due_local": next_local,
                }));
            }
            if args.json {
                return super::print_json(&rows);
            }
            if rows.is_empty() {
                println!("no integration has a schedule");
            }
            for r in &rows {
                println!(
                    "{:<16} {:<28} next {}",
                    r["integration"].as_str().unwrap_or(""),
                    r["schedule"].as_str().unwrap_or(""),
                    r["next_due_local"].as_str().unwrap_or("-")
                );
            }
            Ok(())
        }
        ScheduleCommand::RunDue(args) => {
            let app = super::open(config)?;
            let done = app.run_due(jiff::Timestamp::now(), &Default::default()).await?;
            if args.json {
                return super::print_json(&done);
            }
            for d in &done {
                let detail = if d.detail.is_empty() { String::new() } else { format!(": {}", d.detail) };
                println!("{:<16} {}{detail} (next {})", d.integration, d.outcome, d.next_due.as_deref().unwrap_or("-"));
            }
            if done.iter().any(|d| d.outcome == "failed") {
                anyhow::bail!("a scheduled run failed; see above");
            }
            Ok(())
        }
    }
}
