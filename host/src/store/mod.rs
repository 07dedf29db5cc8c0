//! The SQLite store: one file (default `./paybridge.db`) holding HR
//! employees, integrations, links (and the record links below them),
//! snapshots, runs, outcomes and the journal. One repository module per
//! table group; [`schema`] owns the migrations.
//!
//! Invariant: the schema version is `PRAGMA user_version`; opening a file
//! applies every newer migration in one transaction, and a file from a
//! newer paybridge is refused rather than misread.

pub mod api_tokens;
pub mod connectors;
pub mod employees;
pub mod hr_source;
pub mod journal;
pub mod links;
pub mod record_links;
pub mod run_lock;
pub mod runs;
pub mod schema;

use anyhow::Context as _;
use std::path::Path;

/// An open store. `Send + Sync`: one WAL connection behind a mutex, so runs
/// on different tasks share it; each method holds the lock for its own
/// statements only.
pub struct Store {
    conn: std::sync::Mutex<rusqlite::Connection>,
    path: Option<std::path::PathBuf>,
}

impl Store {
    /// Open (or create) the store at `path` and migrate it.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let conn = rusqlite::Connection::open(path)
            .with_context(|| format!("opening the paybridge database {}", path.display()))?;
        conn.pragma_update(None, "journal_mode", "WAL").context("enabling WAL")?;
        // In WAL mode NORMAL survives a process crash (kill -9) intact; a power
        // loss may drop the last commits, which the next run's read-and-match
        // covers. FULL would fsync every journal entry and serialise the writes.
        conn.pragma_update(None, "synchronous", "NORMAL").context("setting synchronous")?;
        conn.pragma_update(None, "foreign_keys", "ON").context("enabling foreign keys")?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).context("setting busy timeout")?;
        let mut conn = conn;
        schema::migrate(&mut conn).with_context(|| format!("migrating {}", path.display()))?;
        Ok(Self { conn: std::sync::Mutex::new(conn), path: Some(path.to_owned()) })
    }

    /// An in-memory store, for tests and benchmarks.
    pub fn in_memory() -> anyhow::Result<Self> {
        let mut conn = rusqlite::Connection::open_in_memory().context("opening in-memory database")?;
        schema::migrate(&mut conn)?;
        Ok(Self { conn: std::sync::Mutex::new(conn), path: None })
    }

    /// The connection, for one method's statements. A panic while it was
    /// held leaves SQLite consistent (each statement or transaction is
    /// atomic), so a poisoned lock is taken over.
    pub(crate) fn conn(&self) -> std::sync::MutexGuard<'_, rusqlite::Connection> {
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Take the run lock of `integration` (see [`run_lock`]).
    pub fn lock_run(&self, integration: &str) -> Result<run_lock::RunLock, run_lock::LockError> {
        run_lock::RunLock::acquire(self.path.as_deref(), integration)
    }
}

/// Most values in one SQL `IN (...)` list (SQLite allows 32 766 bound
/// values; a run's chunk stays well below).
pub const IN_LIST: usize = 1000;

/// Current time as RFC 3339 in UTC, for `*_at` columns.
pub fn now() -> String {
    jiff::Timestamp::now().to_string()
}
