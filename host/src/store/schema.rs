//! Schema migrations, applied in order; the index + 1 is the version.

use anyhow::{Context as _, bail};

const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
    CREATE TABLE hr_employees (
        id TEXT PRIMARY KEY,
        employee_number TEXT,
        department_id TEXT,
        office_id TEXT,
        country TEXT,
        active INTEGER NOT NULL,
        in_last_import INTEGER NOT NULL DEFAULT 1,
        data TEXT NOT NULL,
        imported_at TEXT NOT NULL
    );
    CREATE INDEX hr_employees_number ON hr_employees(employee_number);

    CREATE TABLE integrations (
        name TEXT PRIMARY KEY,
        connector TEXT NOT NULL,
        version_pin TEXT,
        base_url TEXT NOT NULL,
        scope TEXT NOT NULL,
        schedule TEXT,
        updated_at TEXT NOT NULL
    );

    CREATE TABLE links (
        integration TEXT NOT NULL,
        hr_id TEXT NOT NULL,
        target_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('connected', 'disconnected')),
        how TEXT NOT NULL,
        linked_at TEXT NOT NULL,
        PRIMARY KEY (integration, hr_id)
    );
    CREATE INDEX links_target ON links(integration, target_id);

    CREATE TABLE snapshots (
        integration TEXT NOT NULL,
        hr_id TEXT NOT NULL,
        records TEXT NOT NULL,
        synced_at TEXT NOT NULL,
        PRIMARY KEY (integration, hr_id)
    );

    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        integration TEXT NOT NULL,
        connector TEXT NOT NULL,
        dry_run INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL,
        summary TEXT
    );

    CREATE TABLE outcomes (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        hr_id TEXT NOT NULL,
        employee_number TEXT,
        name TEXT,
        outcome TEXT NOT NULL,
        detail TEXT NOT NULL,
        PRIMARY KEY (run_id, hr_id)
    );

    CREATE TABLE journal (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        integration TEXT NOT NULL,
        hr_id TEXT NOT NULL,
        operation TEXT NOT NULL,
        method TEXT NOT NULL,
        path TEXT NOT NULL,
        body_redacted TEXT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'unknown')),
        http_status INTEGER,
        detail TEXT,
        recorded_at TEXT NOT NULL,
        settled_at TEXT
    );
    CREATE INDEX journal_pending ON journal(integration, state);
    "#,
    // 2: the operator's choice of active connector versions, where
    // installed components came from; snapshots hold hashes, not values.
    r#"
    CREATE TABLE connector_activations (
        name TEXT PRIMARY KEY,
        version TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        how TEXT NOT NULL,
        activated_at TEXT NOT NULL
    );

    CREATE TABLE connector_installs (
        sha256 TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        installed_from TEXT NOT NULL,
        installed_at TEXT NOT NULL
    );

    DELETE FROM snapshots;
    "#,
    // 3: HR rows carry the version of the host model's JSON they hold.
    r#"
    ALTER TABLE hr_employees ADD COLUMN data_version INTEGER NOT NULL DEFAULT 1;
    "#,
    // 4: record links, what a connector paired below the employee (an HR
    // employment with the target's employment id), kept across runs.
    r#"
    CREATE TABLE record_links (
        integration TEXT NOT NULL,
        hr_id TEXT NOT NULL,
        target_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        hr_key TEXT NOT NULL,
        target_key TEXT NOT NULL,
        linked_at TEXT NOT NULL,
        PRIMARY KEY (integration, hr_id, kind, hr_key)
    );
    "#,
    // 5: the live HR source's records as last read, with a hash each, and
    // where each list's read stands (resumable page by page).
    r#"
    CREATE TABLE hr_source_records (
        resource TEXT NOT NULL,
        id TEXT NOT NULL,
        data TEXT NOT NULL,
        hash TEXT NOT NULL,
        seen_in INTEGER NOT NULL,
        PRIMARY KEY (resource, id)
    );
    CREATE TABLE hr_source_reads (
        resource TEXT PRIMARY KEY,
        read_no INTEGER NOT NULL,
        in_progress INTEGER NOT NULL,
        next_offset INTEGER NOT NULL,
        window_from TEXT,
        high TEXT,
        next_from TEXT,
        last_high TEXT,
        full_at TEXT,
        full INTEGER NOT NULL,
        pass INTEGER NOT NULL,
        completed_at TEXT
    );
    "#,
    // 6: which HR employees the live source saw change, in order, and how
    // far each reader of that list got (the source's last finished pass,
    // each watched integration).
    r#"
    CREATE TABLE hr_changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        hr_id TEXT NOT NULL,
        changed_at TEXT NOT NULL
    );
    CREATE TABLE hr_change_cursors (
        owner TEXT PRIMARY KEY,
        seq INTEGER NOT NULL
    );
    "#,
    // 7: where each integration's schedule stands: the due time it last
    // ran for and the next one.
    r#"
    CREATE TABLE schedule_state (
        integration TEXT PRIMARY KEY,
        last_due TEXT NOT NULL,
        next_due TEXT,
        updated_at TEXT NOT NULL
    );
    "#,
    // 8: API tokens of `paybridge serve`, kept as their sha256 only.
    r#"
    CREATE TABLE api_tokens (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
    );
    "#,
    // 9: the version active before the current one, for a rollback.
    r#"
    ALTER TABLE connector_activations ADD COLUMN previous_version TEXT;
    "#,
    // 10: each outcome's plan (masked field changes and writes), as JSON,
    // for the console's run page; NULL when nothing was planned.
    r#"
    ALTER TABLE outcomes ADD COLUMN plan TEXT;
    "#,
    // 11: a run's journal found by its run (the console's run page reads
    // it every two seconds while a run runs), not by a scan of every write.
    r#"
    CREATE INDEX journal_run ON journal(run_id);
    "#,
];

/// Bring the database to the newest schema.
pub fn migrate(conn: &mut rusqlite::Connection) -> anyhow::Result<()> {
    let current: usize =
        conn.pragma_query_value(None, "user_version", |r| r.get(0)).context("reading schema version")?;
    if current > MIGRATIONS.len() {
        bail!(
            "the database has schema version {current}, newer than this paybridge knows ({}); upgrade paybridge",
            MIGRATIONS.len()
        );
    }
    let tx = conn.transaction().context("starting migration")?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        tx.execute_batch(sql).with_context(|| format!("applying migration {}", index + 1))?;
    }
    tx.pragma_update(None, "user_version", MIGRATIONS.len()).context("recording schema version")?;
    tx.commit().context("committing migration")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrating_twice_is_a_no_op_and_a_newer_file_is_refused() {
        let mut conn = rusqlite::Connection::open_in_memory().expect("memory db");
        super::migrate(&mut conn).expect("first");
        super::migrate(&mut conn).expect("second");
        conn.pragma_update(None, "user_version", 99).expect("bump");
        let err = super::migrate(&mut conn).expect_err("newer refused");
        assert!(err.to_string().contains("upgrade paybridge"));
    }
}
