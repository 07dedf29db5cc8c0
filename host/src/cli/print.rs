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
        for a in &e.absences {
            println!("          absence {} .. {}  {:<20} {}", a.start, a.end, truncate(&a.kind, 20), a.state);
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

/// A line for a person about one run event.
pub fn event_line(event: &crate::sync::RunEvent) -> String {
    use crate::sync::RunEvent;
    match event {
        RunEvent::Started { run_id, connector, in_scope, out_of_scope, .. } => {
            format!(
                "run {run_id} with {connector}: {in_scope} employee(s) in scope, {out_of_scope} out of scope; validating and mapping"
            )
        }
        RunEvent::Prepared { to_sync } => format!("{to_sync} employee(s) validated and mapped"),
        RunEvent::Read { target_employees, unreadable: 0 } => {
            format!("the target holds {target_employees} employee(s)")
        }
        RunEvent::Read { target_employees, unreadable } => {
            format!("the target holds {target_employees} employee(s); {unreadable} could not be read completely")
        }
        RunEvent::Recovering { hr_id, reason } => format!("  {hr_id}: {reason}; re-reading it before planning again"),
        RunEvent::Verifying { pass, employees } => {
            format!("verifying {employees} written employee(s), pass {pass}: reading the target again")
        }
        RunEvent::Settled { employee_number, name, outcome, .. } => {
            format!("  {} {name}: {outcome}", employee_number.as_deref().unwrap_or("-"))
        }
        RunEvent::Finished { status, summary, .. } => format!("{status}: {summary}"),
    }
}

/// A channel whose events are printed to stderr (prefixed) by a task that
/// ends when the run drops its sender; await the handle before printing
/// the report so lines do not interleave.
pub fn event_printer(prefix: &'static str) -> (crate::sync::events::EventSender, tokio::task::JoinHandle<()>) {
    let (sender, mut events) = crate::sync::events::channel();
    let task = tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            // The report lists every employee: settled lines would repeat it.
            if !matches!(event, crate::sync::RunEvent::Settled { .. }) {
                eprintln!("{prefix}{}", event_line(&event));
            }
        }
    });
    (sender, task)
}
