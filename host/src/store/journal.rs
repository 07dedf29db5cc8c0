//! The write journal: every write is recorded (redacted) before it is sent
//! and settled with its outcome after. An entry left `pending` means the
//! process stopped in between; the next run marks it `unknown` and relies
//! on match-before-create so nothing is written twice.

use super::Store;
use rusqlite::params;
use serde::Serialize;

/// One journal entry, as displayed. `body_redacted` never holds a
/// sensitive value.
#[derive(Debug, Clone, Serialize)]
pub struct JournalEntry {
    /// Entry number.
    pub id: i64,
    /// Run it belongs to.
    pub run_id: i64,
    /// HR employee id.
    pub hr_id: String,
    /// create, update.
    pub operation: String,
    /// HTTP method.
    pub method: String,
    /// Path under the base URL.
    pub path: String,
    /// Body with sensitive values masked.
    pub body_redacted: Option<String>,
    /// pending, done, failed, unknown.
    pub state: String,
    /// Status the target answered.
    pub http_status: Option<i64>,
    /// Error or note.
    pub detail: Option<String>,
}

/// What a journal entry is about, before it is sent.
pub struct PendingWrite<'a> {
    /// Run number.
    pub run_id: i64,
    /// Integration name.
    pub integration: &'a str,
    /// HR employee id.
    pub hr_id: &'a str,
    /// create, update.
    pub operation: &'a str,
    /// HTTP method.
    pub method: &'a str,
    /// Path under the base URL.
    pub path: &'a str,
    /// Body with sensitive values already masked.
    pub body_redacted: Option<&'a str>,
}

impl Store {
    /// Record a write about to be sent; returns the entry id.
    pub fn journal_pending(&self, w: &PendingWrite<'_>) -> anyhow::Result<i64> {
        self.conn().execute(
            "INSERT INTO journal (run_id, integration, hr_id, operation, method, path, body_redacted, state, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8)",
            params![w.run_id, w.integration, w.hr_id, w.operation, w.method, w.path, w.body_redacted, super::now()],
        )?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Settle an entry as `done` or `failed`.
    pub fn journal_settle(&self, id: i64, ok: bool, status: Option<u16>, detail: &str) -> anyhow::Result<()> {
        self.conn().execute(
            "UPDATE journal SET state = ?2, http_status = ?3, detail = ?4, settled_at = ?5 WHERE id = ?1",
            params![id, if ok { "done" } else { "failed" }, status, detail, super::now()],
        )?;
        Ok(())
    }

    /// Settle an entry whose outcome is unknown: it was sent, and no answer
    /// says whether the target applied it (a 5xx, a timeout, a cut
    /// connection). The run re-reads the target before writing again.
    pub fn journal_settle_unknown(&self, id: i64, status: Option<u16>, detail: &str) -> anyhow::Result<()> {
        self.conn().execute(
            "UPDATE journal SET state = 'unknown', http_status = ?2, detail = ?3, settled_at = ?4 WHERE id = ?1",
            params![id, status, detail, super::now()],
        )?;
        Ok(())
    }

    /// Mark entries of `integration` left pending by an earlier process as
    /// `unknown`; returns them.
    pub fn journal_recover(&self, integration: &str) -> anyhow::Result<Vec<JournalEntry>> {
        let pending = self.journal_query("WHERE integration = ?1 AND state = 'pending' ORDER BY id", integration)?;
        self.conn().execute(
            "UPDATE journal SET state = 'unknown', settled_at = ?2,
               detail = 'the process stopped after sending and before recording the outcome; the next run re-read the target and matched before writing'
             WHERE integration = ?1 AND state = 'pending'",
            params![integration, super::now()],
        )?;
        Ok(pending)
    }

    /// Entries of a run.
    pub fn journal_for_run(&self, run_id: i64) -> anyhow::Result<Vec<JournalEntry>> {
        self.journal_query("WHERE run_id = ?1 ORDER BY id", run_id)
    }

    /// The first `limit` journal entries of run `run_id`, and how many it has.
    pub fn journal_page(&self, run_id: i64, limit: usize) -> anyhow::Result<(Vec<JournalEntry>, usize)> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let entries = self.journal_query(&format!("WHERE run_id = ?1 ORDER BY id LIMIT {limit}"), run_id)?;
        let count: i64 =
            self.conn().query_row("SELECT COUNT(*) FROM journal WHERE run_id = ?1", [run_id], |r| r.get(0))?;
        Ok((entries, count as usize))
    }

    /// Journal entries selected by `filter` (the query after `FROM
    /// journal`: its WHERE, ORDER BY and LIMIT).
    fn journal_query(&self, filter: &str, arg: impl rusqlite::ToSql) -> anyhow::Result<Vec<JournalEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT id, run_id, hr_id, operation, method, path, body_redacted, state, http_status, detail FROM journal {filter}"
        ))?;
        let rows = stmt.query_map([arg], |r| {
            Ok(JournalEntry {
                id: r.get(0)?,
                run_id: r.get(1)?,
                hr_id: r.get(2)?,
                operation: r.get(3)?,
                method: r.get(4)?,
                path: r.get(5)?,
                body_redacted: r.get(6)?,
                state: r.get(7)?,
                http_status: r.get(8)?,
                detail: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
