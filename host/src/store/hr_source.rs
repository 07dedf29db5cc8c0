//! The live HR source's records as last read (`hr_source_records`, one
//! row per list and id, with a hash of its JSON) and where each list's
//! read stands (`hr_source_reads`).
//!
//! Invariants:
//! - a page's records and the read's new position are saved in one
//!   transaction, so a read cut short (a crash, a failed page) resumes
//!   after the last saved page: nothing is asked twice, nothing skipped;
//! - a *full* read marks every record it saw with its read number; only a
//!   full read that reached its last page removes what it did not see;
//! - a *pass* is one import of every list: a list finished in the pass
//!   in progress is not read again when the pass resumes. The pass row is
//!   kept under the list name [`PASS`];
//! - a record about an employee that is new, changed or removed adds that
//!   employee to `hr_changes` in the same transaction, so no change is
//!   lost to a crash; a finished pass moves the [`SOURCE_CURSOR`] over
//!   them, and readers (the watch) take only changes up to it, whose
//!   employees are stored.

use super::Store;
use anyhow::Context as _;
use rusqlite::{OptionalExtension as _, params};
use sha2::{Digest as _, Sha256};

/// The row of `hr_source_reads` that holds the pass, not a list.
pub const PASS: &str = "";

/// The `hr_change_cursors` owner that marks the changes of finished passes.
pub const SOURCE_CURSOR: &str = "source";

/// Where one list's read stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadState {
    /// The list (`employee`, `leave-type`...).
    pub resource: String,
    /// The read in progress, or the last one finished.
    pub read_no: i64,
    /// Whether the read has pages left.
    pub in_progress: bool,
    /// The offset of the next page.
    pub next_offset: u64,
    /// Incremental lists: this read asks for records `updated` after this
    /// instant (none: the whole list).
    pub window_from: Option<String>,
    /// Incremental lists: the latest `updated` this read has seen (at
    /// least `window_from`).
    pub high: Option<String>,
    /// Whether this read lists everything (and removes what it missed).
    pub full: bool,
    /// The pass this list was last finished in.
    pub pass: i64,
}

/// One record of a page, as the source sent it.
#[derive(Debug, Clone)]
pub struct SourceRecord {
    /// The list it is kept under (a relation may be kept under its own).
    pub resource: String,
    /// Its id.
    pub id: String,
    /// Its JSON.
    pub data: String,
    /// The HR employee it is about (its own id, or its `employeeId`);
    /// none for a company record.
    pub employee: Option<String>,
}

/// The hash kept beside a record: sha256 of its JSON text.
fn hash(data: &str) -> String {
    hex::encode(Sha256::digest(data.as_bytes()))
}

fn state_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ReadState> {
    Ok(ReadState {
        resource: row.get(0)?,
        read_no: row.get(1)?,
        in_progress: row.get(2)?,
        next_offset: row.get::<_, i64>(3)?.max(0) as u64,
        window_from: row.get(4)?,
        high: row.get(5)?,
        full: row.get(6)?,
        pass: row.get(7)?,
    })
}

/// The columns [`state_from_row`] reads, in its order.
const STATE_COLUMNS: &str = "resource, read_no, in_progress, next_offset, window_from, high, full, pass";

impl Store {
    /// Where the read of `resource` stands, if it was ever read.
    pub fn source_read(&self, resource: &str) -> anyhow::Result<Option<ReadState>> {
        self.conn()
            .query_row(
                &format!("SELECT {STATE_COLUMNS} FROM hr_source_reads WHERE resource = ?1"),
                [resource],
                state_from_row,
            )
            .optional()
            .with_context(|| format!("reading where the HR source's {resource:?} list stands"))
    }

    /// The pass in progress (resumed) or a new one; its number.
    pub fn begin_source_pass(&self) -> anyhow::Result<i64> {
        match self.source_read(PASS)? {
            Some(pass) if pass.in_progress => Ok(pass.read_no),
            previous => {
                let number = previous.map_or(1, |p| p.read_no + 1);
                self.conn().execute(
                    "INSERT INTO hr_source_reads (resource, read_no, in_progress, next_offset, full, pass)
                     VALUES (?1, ?2, 1, 0, 0, ?2)
                     ON CONFLICT(resource) DO UPDATE SET read_no = excluded.read_no, in_progress = 1, pass = excluded.pass",
                    params![PASS, number],
                )?;
                Ok(number)
            }
        }
    }

    /// Give up the pass in progress without moving the [`SOURCE_CURSOR`]
    /// (its data could not be imported): the next import begins a new pass
    /// and reads every list again, rather than rebuilding the same failing
    /// data from lists this pass finished.
    pub fn abandon_source_pass(&self) -> anyhow::Result<()> {
        self.conn().execute("UPDATE hr_source_reads SET in_progress = 0 WHERE resource = ?1", [PASS])?;
        Ok(())
    }

    /// When `resource` was last read whole to its end (RFC 3339), if ever.
    pub fn last_full_read(&self, resource: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT full_at FROM hr_source_reads WHERE resource = ?1", [resource], |r| r.get(0))
            .optional()?
            .flatten())
    }

    /// Have the next read of `resource` read it whole (its records cannot
    /// all be read from a window).
    pub fn require_full_read(&self, resource: &str) -> anyhow::Result<()> {
        self.conn().execute("UPDATE hr_source_reads SET full_at = NULL WHERE resource = ?1", [resource])?;
        Ok(())
    }

    /// Note that these HR employees changed (a watch re-notes those its
    /// run could not sync, so the next round takes them again).
    pub fn note_hr_changes(&self, hr_ids: &[String]) -> anyhow::Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut note = tx.prepare_cached("INSERT INTO hr_changes (hr_id, changed_at) VALUES (?1, ?2)")?;
            for id in hr_ids {
                note.execute(params![id, super::now()])?;
            }
        }
        tx.commit().context("noting HR changes")?;
        Ok(())
    }

    /// Mark the pass finished (every list was read and imported) and move
    /// the [`SOURCE_CURSOR`] over the changes it recorded.
    pub fn finish_source_pass(&self) -> anyhow::Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE hr_source_reads SET in_progress = 0, completed_at = ?2 WHERE resource = ?1",
            params![PASS, super::now()],
        )?;
        tx.execute(
            "INSERT INTO hr_change_cursors (owner, seq) SELECT ?1, COALESCE(MAX(seq), 0) FROM hr_changes WHERE 1
             ON CONFLICT(owner) DO UPDATE SET seq = excluded.seq",
            [SOURCE_CURSOR],
        )?;
        tx.commit().context("finishing the HR source's pass")?;
        Ok(())
    }

    /// How far `owner` got in `hr_changes` (0: nothing taken).
    pub fn change_cursor(&self, owner: &str) -> anyhow::Result<i64> {
        Ok(self
            .conn()
            .query_row("SELECT seq FROM hr_change_cursors WHERE owner = ?1", [owner], |r| r.get(0))
            .optional()?
            .unwrap_or(0))
    }

    /// Move `owner`'s cursor to `seq`, and forget the changes every
    /// reader other than the source has taken.
    pub fn set_change_cursor(&self, owner: &str, seq: i64) -> anyhow::Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO hr_change_cursors (owner, seq) VALUES (?1, ?2) ON CONFLICT(owner) DO UPDATE SET seq = excluded.seq",
            params![owner, seq],
        )?;
        tx.execute(
            "DELETE FROM hr_changes WHERE seq <= (SELECT MIN(seq) FROM hr_change_cursors WHERE owner <> ?1)",
            [SOURCE_CURSOR],
        )?;
        tx.commit().context("moving a reader's place in the HR changes")?;
        Ok(())
    }

    /// The HR ids that changed after `after` up to `upto` (both `seq`s),
    /// each once, in id order.
    pub fn hr_changes_between(&self, after: i64, upto: i64) -> anyhow::Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT DISTINCT hr_id FROM hr_changes WHERE seq > ?1 AND seq <= ?2 ORDER BY hr_id")?;
        let ids = stmt.query_map(params![after, upto], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
        Ok(ids)
    }

    /// Resume the read of `resource` in progress, or begin a new one:
    /// whole when asked or when the list was never read to its end, else
    /// incremental from the window the last finished read left
    /// (`next_from`, see [`Store::finish_source_read`]).
    pub fn begin_source_read(&self, resource: &str, full: bool) -> anyhow::Result<ReadState> {
        let previous = self.source_read(resource)?;
        if let Some(state) = &previous
            && state.in_progress
        {
            return Ok(state.clone());
        }
        let next_from: Option<String> = if full {
            None
        } else {
            self.conn()
                .query_row("SELECT next_from FROM hr_source_reads WHERE resource = ?1", [resource], |r| r.get(0))
                .optional()?
                .flatten()
        };
        let state = ReadState {
            resource: resource.to_owned(),
            read_no: previous.as_ref().map_or(1, |p| p.read_no + 1),
            in_progress: true,
            next_offset: 0,
            full: next_from.is_none(),
            high: next_from.clone(),
            window_from: next_from,
            pass: previous.as_ref().map_or(0, |p| p.pass),
        };
        self.conn().execute(
            "INSERT INTO hr_source_reads (resource, read_no, in_progress, next_offset, window_from, high, full, pass)
             VALUES (?1, ?2, 1, 0, ?3, ?3, ?4, ?5)
             ON CONFLICT(resource) DO UPDATE SET read_no = excluded.read_no, in_progress = 1, next_offset = 0,
               window_from = excluded.window_from, high = excluded.high, full = excluded.full",
            params![resource, state.read_no, state.window_from, state.full, state.pass],
        )?;
        Ok(state)
    }

    /// Save one page: its records (each marked seen by this read; the data
    /// rewritten only where its hash changed) and the read's new position,
    /// in one transaction. Returns the positions in `records` of those new
    /// or changed.
    pub fn save_source_page(&self, state: &ReadState, records: &[SourceRecord]) -> anyhow::Result<Vec<usize>> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut changed = Vec::new();
        {
            let mut known = tx.prepare_cached("SELECT hash FROM hr_source_records WHERE resource = ?1 AND id = ?2")?;
            let mut seen =
                tx.prepare_cached("UPDATE hr_source_records SET seen_in = ?3 WHERE resource = ?1 AND id = ?2")?;
            let mut note = tx.prepare_cached("INSERT INTO hr_changes (hr_id, changed_at) VALUES (?1, ?2)")?;
            let mut upsert = tx.prepare_cached(
                "INSERT INTO hr_source_records (resource, id, data, hash, seen_in) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(resource, id) DO UPDATE SET data = excluded.data, hash = excluded.hash, seen_in = excluded.seen_in",
            )?;
            for (at, record) in records.iter().enumerate() {
                let hash = hash(&record.data);
                let stored: Option<String> =
                    known.query_row(params![record.resource, record.id], |r| r.get(0)).optional()?;
                if stored.as_deref() == Some(hash.as_str()) {
                    seen.execute(params![record.resource, record.id, state.read_no])?;
                } else {
                    upsert.execute(params![record.resource, record.id, record.data, hash, state.read_no])?;
                    if let Some(employee) = &record.employee {
                        note.execute(params![employee, super::now()])?;
                    }
                    changed.push(at);
                }
            }
        }
        tx.execute(
            "UPDATE hr_source_reads SET next_offset = ?2, high = ?3 WHERE resource = ?1",
            params![state.resource, state.next_offset as i64, state.high],
        )?;
        tx.commit().with_context(|| format!("saving a page of the HR source's {:?} list", state.resource))?;
        Ok(changed)
    }

    /// Finish the read of `state.resource` in `pass`. A full read removes
    /// the records of `resource` and of `also` (lists read with it, such
    /// as a relation) that it did not see, noting the employee each removed
    /// record of `resource` was about (its member `employee_key`, when
    /// given) in `hr_changes`; returns the JSON of the removed records of
    /// `resource`.
    ///
    /// The next incremental read's window starts at the latest `updated`
    /// the read *before* this one saw (this one's when there was none), so
    /// consecutive windows overlap by one read: a record an offset shifted
    /// past while records changed during a read is read by the next.
    pub fn finish_source_read(
        &self,
        state: &ReadState,
        also: &[&str],
        pass: i64,
        employee_key: Option<&str>,
    ) -> anyhow::Result<Vec<String>> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut removed = Vec::new();
        if state.full {
            if let Some(key) = employee_key {
                tx.execute(
                    "INSERT INTO hr_changes (hr_id, changed_at)
                     SELECT json_extract(data, '$.' || ?3), ?4 FROM hr_source_records
                     WHERE resource = ?1 AND seen_in < ?2 AND json_extract(data, '$.' || ?3) IS NOT NULL",
                    params![state.resource, state.read_no, key, super::now()],
                )?;
            }
            {
                let mut gone =
                    tx.prepare_cached("SELECT data FROM hr_source_records WHERE resource = ?1 AND seen_in < ?2")?;
                let mut rows = gone.query(params![state.resource, state.read_no])?;
                while let Some(row) = rows.next()? {
                    removed.push(row.get(0)?);
                }
            }
            for resource in std::iter::once(state.resource.as_str()).chain(also.iter().copied()) {
                tx.execute(
                    "DELETE FROM hr_source_records WHERE resource = ?1 AND seen_in < ?2",
                    params![resource, state.read_no],
                )?;
            }
        }
        tx.execute(
            "UPDATE hr_source_reads SET in_progress = 0, pass = ?2, completed_at = ?3,
               next_from = COALESCE(last_high, ?4), last_high = ?4,
               full_at = CASE WHEN ?5 THEN ?3 ELSE full_at END WHERE resource = ?1",
            params![state.resource, pass, super::now(), state.high, state.full],
        )?;
        tx.commit().with_context(|| format!("finishing the read of the HR source's {:?} list", state.resource))?;
        Ok(removed)
    }

    /// Every record kept of `resource` as its JSON text, handed to `each`
    /// in id order, none kept: the whole company is never held as values.
    pub fn for_each_source_record(
        &self,
        resource: &str,
        mut each: impl FnMut(&str) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT data FROM hr_source_records WHERE resource = ?1 ORDER BY id")?;
        let mut rows = stmt.query([resource])?;
        while let Some(row) = rows.next()? {
            each(row.get_ref(0)?.as_str()?)?;
        }
        Ok(())
    }

    /// How many records of `resource` are kept.
    pub fn source_count(&self, resource: &str) -> anyhow::Result<u64> {
        let n: i64 =
            self.conn()
                .query_row("SELECT COUNT(*) FROM hr_source_records WHERE resource = ?1", [resource], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(resource: &str, id: &str, data: &str) -> SourceRecord {
        SourceRecord { resource: resource.into(), id: id.into(), data: data.into(), employee: Some(id.into()) }
    }

    #[test]
    fn a_full_read_counts_changes_by_hash_and_removes_only_what_it_did_not_see_once_finished() {
        let store = Store::in_memory().expect("store");
        let mut first = store.begin_source_read("office", true).expect("begin");
        first.next_offset = 2;
        let page = [record("office", "a", "{\"id\":\"a\"}"), record("office", "b", "{\"id\":\"b\"}")];
        assert_eq!(store.save_source_page(&first, &page).expect("saved"), [0, 1]);
        store.finish_source_read(&first, &[], 1, None).expect("finished");

        let mut second = store.begin_source_read("office", true).expect("begin");
        assert_eq!((second.read_no, second.next_offset), (2, 0), "a full read starts from the first record");
        second.next_offset = 1;
        let changed = store.save_source_page(&second, &[record("office", "a", "{\"id\":\"a\",\"name\":\"x\"}")]);
        assert_eq!(changed.expect("saved"), [0]);
        assert_eq!(store.source_count("office").expect("count"), 2, "nothing removed before the read ends");
        let resumed = store.begin_source_read("office", true).expect("resume");
        assert_eq!((resumed.read_no, resumed.next_offset), (2, 1), "a read in progress resumes where it stood");
        assert_eq!(store.finish_source_read(&resumed, &[], 2, Some("id")).expect("finished"), ["{\"id\":\"b\"}"]);
        let mut kept = Vec::new();
        store
            .for_each_source_record("office", |data| {
                kept.push(data.to_owned());
                Ok(())
            })
            .expect("records");
        assert_eq!(kept, ["{\"id\":\"a\",\"name\":\"x\"}"]);
    }

    #[test]
    fn incremental_windows_overlap_by_one_read_and_remove_nothing() {
        let store = Store::in_memory().expect("store");
        let mut first = store.begin_source_read("employee", false).expect("begin");
        assert!(first.full && first.window_from.is_none(), "a list never read is read whole");
        first.high = Some("t1".into());
        store.save_source_page(&first, &[record("employee", "a", "{}")]).expect("saved");
        store.finish_source_read(&first, &[], 1, None).expect("finished");
        let mut second = store.begin_source_read("employee", false).expect("begin");
        assert_eq!((second.full, second.window_from.as_deref()), (false, Some("t1")), "after the first: from its high");
        second.high = Some("t2".into());
        assert!(store.finish_source_read(&second, &[], 2, None).expect("finished").is_empty());
        let third = store.begin_source_read("employee", false).expect("begin");
        assert_eq!(third.window_from.as_deref(), Some("t1"), "from the high of the read before the last");
        store.finish_source_read(&third, &[], 3, None).expect("finished");
        let whole = store.begin_source_read("employee", true).expect("begin");
        assert!(whole.full && whole.window_from.is_none());
    }

    #[test]
    fn changes_are_noted_with_their_page_and_offered_once_their_pass_finished() {
        let store = Store::in_memory().expect("store");
        store.begin_source_pass().expect("pass");
        let mut read = store.begin_source_read("employee", true).expect("begin");
        read.next_offset = 2;
        let page = [record("employee", "a", "{\"id\":\"a\"}"), record("employee", "b", "{\"id\":\"b\"}")];
        store.save_source_page(&read, &page).expect("saved");
        assert_eq!(store.change_cursor(SOURCE_CURSOR).expect("cursor"), 0, "not before the pass finished");
        store.finish_source_read(&read, &[], 1, Some("id")).expect("finished");
        store.finish_source_pass().expect("pass finished");
        let upto = store.change_cursor(SOURCE_CURSOR).expect("cursor");
        assert_eq!(store.hr_changes_between(0, upto).expect("changes"), ["a", "b"]);

        store.begin_source_pass().expect("pass");
        let again = store.begin_source_read("employee", true).expect("begin");
        store.save_source_page(&again, &[record("employee", "a", "{\"id\":\"a\"}")]).expect("unchanged");
        store.finish_source_read(&again, &[], 2, Some("id")).expect("b is gone");
        store.finish_source_pass().expect("pass finished");
        let later = store.change_cursor(SOURCE_CURSOR).expect("cursor");
        assert_eq!(
            store.hr_changes_between(upto, later).expect("changes"),
            ["b"],
            "a removed record is a change, an unchanged one is not"
        );
    }

    #[test]
    fn a_pass_in_progress_is_resumed_and_a_finished_one_is_followed_by_the_next() {
        let store = Store::in_memory().expect("store");
        assert_eq!(store.begin_source_pass().expect("pass"), 1);
        assert_eq!(store.begin_source_pass().expect("pass"), 1);
        store.finish_source_pass().expect("finished");
        assert_eq!(store.begin_source_pass().expect("pass"), 2);
    }
}
