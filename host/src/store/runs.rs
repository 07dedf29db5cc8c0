//! Integrations, runs and per-employee outcomes.

use super::Store;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

/// One field change of a plan, values already masked when sensitive
/// (the sync's report and the stored plan share it).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ShownChange {
    /// "employee" or "employment 2020-01-01".
    pub record: String,
    /// Field name.
    pub field: String,
    /// Before (masked if sensitive); "(none)" when the record is new.
    pub before: String,
    /// After (masked if sensitive).
    pub after: String,
}

/// One planned or sent write, for display.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ShownWrite {
    /// "POST /employee/v2".
    pub request: String,
    /// The connector's description.
    pub description: String,
}

/// One run as stored.
#[derive(Debug, Clone, Serialize)]
pub struct RunRow {
    /// Run number.
    pub id: i64,
    /// Integration name.
    pub integration: String,
    /// "name@version" of the connector used.
    pub connector: String,
    /// Whether writes were suppressed.
    pub dry_run: bool,
    /// Start time, RFC 3339.
    pub started_at: String,
    /// End time, if it ended.
    pub finished_at: Option<String>,
    /// running, succeeded, partial, failed, interrupted.
    pub status: String,
    /// One-line summary.
    pub summary: Option<String>,
}

/// One stored per-employee outcome.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeRow {
    /// HR id.
    pub hr_id: String,
    /// Employee number, if known.
    pub employee_number: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// created, updated, unchanged, skipped, failed, planned.
    pub outcome: String,
    /// What changed or why.
    pub detail: String,
    /// The field changes planned or made, masked where sensitive.
    pub changes: Vec<ShownChange>,
    /// The writes planned or sent.
    pub writes: Vec<ShownWrite>,
}

/// The `plan` column: an outcome's changes and writes.
#[derive(Deserialize)]
struct StoredPlan {
    changes: Vec<ShownChange>,
    writes: Vec<ShownWrite>,
}

/// [`StoredPlan`] as written: borrowed, the same JSON without a copy.
#[derive(Serialize)]
struct StoredPlanRef<'a> {
    changes: &'a [ShownChange],
    writes: &'a [ShownWrite],
}

fn row_to_run(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunRow> {
    Ok(RunRow {
        id: r.get(0)?,
        integration: r.get(1)?,
        connector: r.get(2)?,
        dry_run: r.get(3)?,
        started_at: r.get(4)?,
        finished_at: r.get(5)?,
        status: r.get(6)?,
        summary: r.get(7)?,
    })
}

const RUN_COLUMNS: &str = "id, integration, connector, dry_run, started_at, finished_at, status, summary";

impl Store {
    /// Record the integration's configuration as used by a run.
    pub fn upsert_integration(
        &self,
        name: &str,
        connector: &str,
        version_pin: Option<&str>,
        base_url: &str,
        scope_json: &str,
        schedule: Option<&str>,
    ) -> anyhow::Result<()> {
        self.conn().execute(
            "INSERT INTO integrations (name, connector, version_pin, base_url, scope, schedule, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(name) DO UPDATE SET connector = excluded.connector, version_pin = excluded.version_pin,
               base_url = excluded.base_url, scope = excluded.scope, schedule = excluded.schedule, updated_at = excluded.updated_at",
            params![name, connector, version_pin, base_url, scope_json, schedule, super::now()],
        )?;
        Ok(())
    }

    /// Start a run; returns its number.
    pub fn start_run(&self, integration: &str, connector: &str, dry_run: bool) -> anyhow::Result<i64> {
        self.conn().execute(
            "INSERT INTO runs (integration, connector, dry_run, started_at, status) VALUES (?1, ?2, ?3, ?4, 'running')",
            params![integration, connector, dry_run, super::now()],
        )?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Where `integration`'s schedule stands: the due instant it last ran
    /// for (or was scheduled from) and the next one, RFC 3339.
    pub fn schedule_state(&self, integration: &str) -> anyhow::Result<Option<(String, Option<String>)>> {
        use rusqlite::OptionalExtension as _;
        Ok(self
            .conn()
            .query_row("SELECT last_due, next_due FROM schedule_state WHERE integration = ?1", [integration], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?)
    }

    /// Record where `integration`'s schedule stands.
    pub fn set_schedule_state(&self, integration: &str, last_due: &str, next_due: Option<&str>) -> anyhow::Result<()> {
        self.conn().execute(
            "INSERT INTO schedule_state (integration, last_due, next_due, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(integration) DO UPDATE SET last_due = excluded.last_due, next_due = excluded.next_due,
               updated_at = excluded.updated_at",
            params![integration, last_due, next_due, super::now()],
        )?;
        Ok(())
    }

    /// How many runs each integration had, by status.
    pub fn run_counts(&self) -> anyhow::Result<Vec<(String, String, i64)>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT integration, status, COUNT(*) FROM runs GROUP BY integration, status ORDER BY 1, 2")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many writes each integration journalled, by state.
    pub fn write_counts(&self) -> anyhow::Result<Vec<(String, String, i64)>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT integration, state, COUNT(*) FROM journal GROUP BY integration, state ORDER BY 1, 2")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Close a run with its status and summary.
    pub fn finish_run(&self, run_id: i64, status: &str, summary: &str) -> anyhow::Result<()> {
        self.conn().execute(
            "UPDATE runs SET finished_at = ?2, status = ?3, summary = ?4 WHERE id = ?1",
            params![run_id, super::now(), status, summary],
        )?;
        Ok(())
    }

    /// Runs of `integration` still marked running: they were interrupted.
    pub fn mark_interrupted_runs(&self, integration: &str) -> anyhow::Result<usize> {
        Ok(self.conn().execute(
            "UPDATE runs SET status = 'interrupted', finished_at = ?2, summary = 'the process stopped before the run ended'
             WHERE integration = ?1 AND status = 'running'",
            params![integration, super::now()],
        )?)
    }

    /// Record employees' outcomes in a run, all in one transaction (a
    /// run settles a chunk of employees at a time).
    pub fn record_outcomes(&self, run_id: i64, rows: &[OutcomeRow]) -> anyhow::Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR REPLACE INTO outcomes (run_id, hr_id, employee_number, name, outcome, detail, plan)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for row in rows {
                let plan = if row.changes.is_empty() && row.writes.is_empty() {
                    None
                } else {
                    let plan = StoredPlanRef { changes: &row.changes, writes: &row.writes };
                    Some(serde_json::to_string(&plan)?)
                };
                insert.execute(params![
                    run_id,
                    row.hr_id,
                    row.employee_number,
                    row.name,
                    row.outcome,
                    row.detail,
                    plan
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The newest runs first.
    pub fn runs(&self, limit: usize) -> anyhow::Result<Vec<RunRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC LIMIT ?1"))?;
        let rows = stmt.query_map([limit as i64], row_to_run)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The newest run of `integration`.
    pub fn last_run(&self, integration: &str) -> anyhow::Result<Option<RunRow>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {RUN_COLUMNS} FROM runs WHERE integration = ?1 ORDER BY id DESC LIMIT 1"),
                [integration],
                row_to_run,
            )
            .optional()?)
    }

    /// One run.
    pub fn run(&self, id: i64) -> anyhow::Result<Option<RunRow>> {
        Ok(self
            .conn()
            .query_row(&format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1"), [id], row_to_run)
            .optional()?)
    }

    /// Outcomes of a run in employee-number order.
    pub fn outcomes(&self, run_id: i64) -> anyhow::Result<Vec<OutcomeRow>> {
        self.outcomes_page(run_id, None, 0, usize::MAX)
    }

    /// How many employees of run `run_id` had each outcome, by outcome.
    pub fn outcome_counts(&self, run_id: i64) -> anyhow::Result<Vec<(String, usize)>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT outcome, COUNT(*) FROM outcomes WHERE run_id = ?1 GROUP BY outcome ORDER BY outcome")?;
        let rows = stmt.query_map([run_id], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as usize)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// At most `limit` outcomes of a run from the `skip`th on, in
    /// employee-number order; only those with `outcome` when given.
    pub fn outcomes_page(
        &self,
        run_id: i64,
        outcome: Option<&str>,
        skip: usize,
        limit: usize,
    ) -> anyhow::Result<Vec<OutcomeRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT hr_id, employee_number, name, outcome, detail, plan FROM outcomes
             WHERE run_id = ?1 AND (?2 IS NULL OR outcome = ?2)
             ORDER BY CAST(employee_number AS INTEGER), employee_number, hr_id LIMIT ?3 OFFSET ?4",
        )?;
        let bound = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![run_id, outcome, bound(limit), bound(skip)], |r| {
            let plan: Option<String> = r.get(5)?;
            // A plan this version cannot read shows as none, not an error.
            let plan = plan.and_then(|p| serde_json::from_str::<StoredPlan>(&p).ok());
            let (changes, writes) = plan.map(|p| (p.changes, p.writes)).unwrap_or_default();
            Ok(OutcomeRow {
                hr_id: r.get(0)?,
                employee_number: r.get(1)?,
                name: r.get(2)?,
                outcome: r.get(3)?,
                detail: r.get(4)?,
                changes,
                writes,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
