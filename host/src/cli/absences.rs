//! `paybridge absences sync --integration NAME --from DATE --to DATE
//! [--employees A,B] [--dry-run] [--json]`: export the absences of a
//! period the user chooses.

use crate::runtime::types::Period;
use crate::sync::SyncOptions;
use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use std::path::Path;

/// `absences` subcommands.
#[derive(Debug, Subcommand)]
pub enum AbsencesCommand {
    /// Export the absences that touch a period (a leave overlapping it goes
    /// whole) for the employees in scope that the target already holds.
    Sync(AbsenceSyncArgs),
}

/// Arguments of `absences sync`.
#[derive(Debug, Args)]
pub struct AbsenceSyncArgs {
    /// Integration to export to (from paybridge.toml).
    #[arg(long, short)]
    pub integration: String,
    /// First day of the period, YYYY-MM-DD.
    #[arg(long)]
    pub from: String,
    /// Last day of the period, YYYY-MM-DD (included).
    #[arg(long)]
    pub to: String,
    /// Only these employees (employee numbers or HR ids, comma-separated),
    /// within the integration's scope.
    #[arg(long, value_delimiter = ',')]
    pub employees: Option<Vec<String>>,
    /// Show the plan; send no write.
    #[arg(long)]
    pub dry_run: bool,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// The period `from`..=`to`, both `YYYY-MM-DD`, `from` not after `to`.
pub fn period(from: &str, to: &str) -> anyhow::Result<Period> {
    let day = |name: &str, text: &str| -> anyhow::Result<jiff::civil::Date> {
        if text.len() != 10 {
            bail!("--{name} {text:?} is not a date: write it as YYYY-MM-DD");
        }
        text.parse().with_context(|| format!("--{name} {text:?} is not a date: write it as YYYY-MM-DD"))
    };
    let (start, end) = (day("from", from)?, day("to", to)?);
    if end < start {
        bail!("--to {to} is before --from {from}");
    }
    Ok(Period { start: start.to_string(), end: end.to_string() })
}

/// Run an `absences` subcommand.
pub async fn run(config: &Path, command: AbsencesCommand) -> anyhow::Result<()> {
    let AbsencesCommand::Sync(args) = command;
    let period = period(&args.from, &args.to)?;
    let app = super::open(config)?;
    let imported = app.import_hr().await?;
    if !args.json {
        eprintln!(
            "imported {} employee(s) from {}; exporting absences {}..{}",
            imported.employees, imported.source, period.start, period.end
        );
    }
    let options = SyncOptions {
        dry_run: args.dry_run,
        period: Some(period),
        employees: args.employees.clone(),
        ..SyncOptions::default()
    };
    let (events, printer) = if args.json { (None, None) } else { Some(super::print::event_printer("")).unzip() };
    let report = app.sync(&args.integration, &options, None, events).await;
    if let Some(printer) = printer {
        let _ = printer.await;
    }
    let report = report?;
    if args.json {
        super::print_json(&report)?;
    } else {
        // Each absence's write (add, update or withdraw, with its code and
        // dates) is shown, planned or sent.
        super::print::report(&report, true);
    }
    if report.status == "failed" {
        bail!(
            "the absence export failed: {}",
            report.error.as_deref().unwrap_or("no employee went through; see the outcomes above")
        );
    }
    super::partial_is_an_error("the absence export", &report.status, &report.summary())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_period_needs_two_dates_in_order() {
        let p = super::period("2026-03-01", "2026-03-31").expect("a period");
        assert_eq!((p.start.as_str(), p.end.as_str()), ("2026-03-01", "2026-03-31"));
        assert!(super::period("2026-03-31", "2026-03-01").expect_err("reversed").to_string().contains("before"));
        assert!(super::period("1.3.2026", "2026-03-31").expect_err("not a date").to_string().contains("YYYY-MM-DD"));
        assert!(super::period("2026-02-30", "2026-03-31").is_err(), "no such day");
    }
}
