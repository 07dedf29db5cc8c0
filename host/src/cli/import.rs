//! `paybridge import --integration NAME [--dry-run] [--json]`: the import
//! direction of a two-way target (Kontek): what the target holds, written
//! into HR (the live AlexisHR source) where the integration's ownership
//! allows, with the plan shown first in a dry run.

use crate::import::ImportOptions;
use anyhow::bail;
use clap::Args;
use std::path::Path;

/// Arguments of `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Integration to import from (a two-way connector, e.g. kontek).
    #[arg(long, short)]
    pub integration: String,
    /// Show what would be written into HR; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// Run an import.
pub async fn run(config: &Path, args: ImportArgs) -> anyhow::Result<()> {
    let app = super::open(config)?;
    let options = ImportOptions { dry_run: args.dry_run };
    let report = app.import_from_target(&args.integration, &options, None, None).await?;
    if args.json {
        super::print_json(&report)?;
    } else {
        let verb = if report.dry_run { "would write" } else { "wrote" };
        println!("import {} from {} (run {}): {}", report.status, report.integration, report.run_id, verb);
        for e in &report.employees {
            let number = e.employee_number.as_deref().unwrap_or(&e.hr_id);
            let reason = e.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
            println!("{number:>8}  {:<24} {}{reason}", e.name, e.outcome);
            for c in &e.changes {
                println!("          {}: {} → {}", c.field, c.before, c.after);
            }
            if !e.kept.is_empty() {
                println!("          kept as HR holds them (HR owns them): {}", e.kept.join(", "));
            }
            if !e.not_writable.is_empty() {
                println!("          AlexisHR has no field for: {}", e.not_writable.join(", "));
            }
        }
        for t in &report.not_in_hr {
            println!("  not in HR: {t}");
        }
    }
    if report.status == "failed" {
        bail!("the import failed: {}", report.error.as_deref().unwrap_or("see the employees above"));
    }
    let failed = report.employees.iter().filter(|e| e.outcome == "failed").count();
    super::partial_is_an_error("the import", &report.status, &format!("{failed} employee(s) failed"))
}
