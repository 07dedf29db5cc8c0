//! Human-readable rendering of run reports: one line per employee, and
//! for dry runs the planned writes with `before → after` per field
//! (sensitive values already masked by the pipeline).

use crate::sync::RunReport;

/// One line per employee, then the summary.
pub fn report(report: &RunReport, show_changes: bool) {
    let mode = if report.dry_run { " (dry run: nothing written)" } else { "" };
    println!("run {} · {} · {}{mode}", report.run_id, report.integration, report.connector);
    for e in &report.employees {
        let number = e.employee_number.as_deref().unwrap_or("-");
        let detail = e.outcome.detail();
        let detail = if detail.is_empty() { String::new() } else { format!("  {detail}") };
        let line = format!("  {number:>6}  {:<24} {:<9}{detail}", truncate(&e.name, 24), e.outcome.name());
        println!("{}", line.trim_end());
        if show_changes {
            for w in &e.writes {
                println!("          → {}  ({})", w.request, w.description);
            }
            for c in &e.changes {
                println!("            {:<20} {:<28} {} → {}", c.record, c.field, c.before, c.after);
            }
        }
    }
    if report.out_of_scope > 0 {
        println!("  ({} employee(s) outside the scope)", report.out_of_scope);
    }
    if report.recovered_writes > 0 {
        println!(
            "  ({} write(s) of an interrupted run had no recorded outcome; this run read the target and matched first)",
            report.recovered_writes
        );
    }
    if let Some(error) = &report.error {
        println!("  error: {error}");
    }
    println!("  {} · {}", report.status, report.summary());
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_owned() } else { s.chars().take(n - 1).chain(['…']).collect() }
}
