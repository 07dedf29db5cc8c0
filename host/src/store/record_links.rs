//! Record links: which target record (a 24SevenOffice `employment_id`...)
//! an HR record below the employee (an HR employment...) was paired with,
//! per integration, HR employee and target employee. The connector makes
//! them ([`crate::sync::record_links`] checks them); the store only keeps
//! the last whole set of each HR employee.

use super::Store;
use rusqlite::params;
use std::collections::HashMap;

/// One stored pairing of an HR record with a target record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RecordLink {
    /// The kind of record, e.g. "employment".
    pub kind: String,
    /// The HR record's key, e.g. the HR employment id.
    pub hr_key: String,
    /// The target record's key, e.g. the target's `employment_id`.
    pub target_key: String,
}

/// The record links of one HR employee, made against one target employee.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordLinks {
    /// The target employee the links were made against: they hold for it
    /// only.
    pub target_id: String,
    /// The links, sorted.
    pub links: Vec<RecordLink>,
}

impl Store {
    /// The record links of `integration` for the HR employees `hr_ids`
    /// (those that have any), by HR id: a run loads them a chunk at a time.
    pub fn record_links_of(
        &self,
        integration: &str,
        hr_ids: &[String],
    ) -> anyhow::Result<HashMap<String, RecordLinks>> {
        let conn = self.conn();
        let mut found: HashMap<String, RecordLinks> = HashMap::new();
        for ids in hr_ids.chunks(super::IN_LIST) {
            let marks = vec!["?"; ids.len()].join(",");
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT hr_id, target_id, kind, hr_key, target_key FROM record_links
                 WHERE integration = ? AND hr_id IN ({marks}) ORDER BY hr_id, kind, hr_key"
            ))?;
            let values = std::iter::once(integration).chain(ids.iter().map(String::as_str));
            let rows = stmt.query_map(rusqlite::params_from_iter(values), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    RecordLink { kind: r.get(2)?, hr_key: r.get(3)?, target_key: r.get(4)? },
                ))
            })?;
            for row in rows {
                let (hr_id, target_id, link) = row?;
                let set = found.entry(hr_id).or_insert_with(|| RecordLinks { target_id, ..RecordLinks::default() });
                set.links.push(link);
            }
        }
        Ok(found)
    }

    /// Replace the record links of each HR employee in `sets` (HR id, the
    /// new set) in one transaction.
    pub fn save_record_links(&self, integration: &str, sets: &[(&str, &RecordLinks)]) -> anyhow::Result<()> {
        if sets.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut clear = tx.prepare_cached("DELETE FROM record_links WHERE integration = ?1 AND hr_id = ?2")?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO record_links (integration, hr_id, target_id, kind, hr_key, target_key, linked_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            let now = super::now();
            for (hr_id, set) in sets {
                clear.execute(params![integration, hr_id])?;
                for link in &set.links {
                    insert.execute(params![
                        integration,
                        hr_id,
                        set.target_id,
                        link.kind,
                        link.hr_key,
                        link.target_key,
                        now
                    ])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(kind: &str, hr: &str, target: &str) -> RecordLink {
        RecordLink { kind: kind.into(), hr_key: hr.into(), target_key: target.into() }
    }

    #[test]
    fn a_saved_set_replaces_the_earlier_one_and_stays_within_its_integration() {
        let store = Store::in_memory().expect("store");
        let first = RecordLinks { target_id: "101".into(), links: vec![link("employment", "e1", "101-1")] };
        store.save_record_links("a", &[("hr-1", &first)]).expect("save");
        let second = RecordLinks {
            target_id: "102".into(),
            links: vec![link("employment", "e1", "102-1"), link("employment", "e2", "102-2")],
        };
        store.save_record_links("a", &[("hr-1", &second)]).expect("replace");
        let ids = vec!["hr-1".to_owned(), "hr-2".to_owned()];
        let found = store.record_links_of("a", &ids).expect("load");
        assert_eq!(found.get("hr-1"), Some(&second));
        assert!(!found.contains_key("hr-2"));
        assert!(store.record_links_of("b", &ids).expect("load").is_empty(), "another integration sees none");
    }
}
