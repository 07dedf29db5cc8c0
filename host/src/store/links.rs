//! Links between HR employees and target employees, and the last-synced
//! snapshot per link.

use super::Store;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

/// Whether a link is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkState {
    /// Synced: updates flow.
    Connected,
    /// Kept for the record; never updated until connected again.
    Disconnected,
}

impl LinkState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Connected => "connected",
            Self::Disconnected => "disconnected",
        }
    }
}

/// One link.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// HR employee id.
    pub hr_id: String,
    /// Target employee id.
    pub target_id: String,
    /// Connected or disconnected.
    pub state: LinkState,
    /// How the link was made: "created", "employee-number", "national-id", "manual".
    pub how: String,
    /// When.
    pub linked_at: String,
}

fn row_to_link(r: &rusqlite::Row<'_>) -> rusqlite::Result<Link> {
    let state: String = r.get(2)?;
    Ok(Link {
        hr_id: r.get(0)?,
        target_id: r.get(1)?,
        state: if state == "connected" { LinkState::Connected } else { LinkState::Disconnected },
        how: r.get(3)?,
        linked_at: r.get(4)?,
    })
}

impl Store {
    /// The link of `hr_id` in `integration`, if any.
    pub fn link(&self, integration: &str, hr_id: &str) -> anyhow::Result<Option<Link>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT hr_id, target_id, state, how, linked_at FROM links WHERE integration = ?1 AND hr_id = ?2",
                params![integration, hr_id],
                row_to_link,
            )
            .optional()?)
    }

    /// The links of `integration` for the HR employees `hr_ids` (those
    /// that have one), by HR id: a run loads its links a chunk at a time.
    pub fn links_of(&self, integration: &str, hr_ids: &[String]) -> anyhow::Result<Vec<Link>> {
        let conn = self.conn();
        let mut links = Vec::new();
        for ids in hr_ids.chunks(super::IN_LIST) {
            let marks = vec!["?"; ids.len()].join(",");
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT hr_id, target_id, state, how, linked_at FROM links WHERE integration = ? AND hr_id IN ({marks})"
            ))?;
            let values = std::iter::once(integration).chain(ids.iter().map(String::as_str));
            let rows = stmt.query_map(rusqlite::params_from_iter(values), row_to_link)?;
            for row in rows {
                links.push(row?);
            }
        }
        Ok(links)
    }

    /// Target id → HR id of every connected link of `integration`.
    pub fn connected_targets(&self, integration: &str) -> anyhow::Result<std::collections::HashMap<String, String>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT target_id, hr_id FROM links WHERE integration = ?1 AND state = 'connected'")?;
        let rows = stmt.query_map([integration], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every link of `integration`.
    pub fn links(&self, integration: &str) -> anyhow::Result<Vec<Link>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT hr_id, target_id, state, how, linked_at FROM links WHERE integration = ?1 ORDER BY hr_id",
        )?;
        let rows = stmt.query_map([integration], row_to_link)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The HR id linked (connected) to `target_id`, if any.
    pub fn linked_hr_id(&self, integration: &str, target_id: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT hr_id FROM links WHERE integration = ?1 AND target_id = ?2 AND state = 'connected'",
                params![integration, target_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Connect `hr_id` to `target_id` (replacing any earlier link).
    pub fn connect(&self, integration: &str, hr_id: &str, target_id: &str, how: &str) -> anyhow::Result<()> {
        self.conn().execute(
            "INSERT INTO links (integration, hr_id, target_id, state, how, linked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(integration, hr_id) DO UPDATE SET target_id = excluded.target_id, state = excluded.state,
               how = excluded.how, linked_at = excluded.linked_at",
            params![integration, hr_id, target_id, LinkState::Connected.as_str(), how, super::now()],
        )?;
        Ok(())
    }

    /// Mark the link of `hr_id` disconnected. Returns false if there was none.
    pub fn disconnect(&self, integration: &str, hr_id: &str) -> anyhow::Result<bool> {
        let n = self.conn().execute(
            "UPDATE links SET state = ?3, linked_at = ?4 WHERE integration = ?1 AND hr_id = ?2",
            params![integration, hr_id, LinkState::Disconnected.as_str(), super::now()],
        )?;
        Ok(n > 0)
    }

    /// Save what was last written for `hr_id`: the sha256 of the mapped
    /// records' JSON, never the values (they hold personal data).
    pub fn save_snapshot(&self, integration: &str, hr_id: &str, records_json: &str) -> anyhow::Result<()> {
        use sha2::Digest as _;
        let digest = format!("sha256:{}", hex::encode(sha2::Sha256::digest(records_json.as_bytes())));
        self.conn().execute(
            "INSERT INTO snapshots (integration, hr_id, records, synced_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(integration, hr_id) DO UPDATE SET records = excluded.records, synced_at = excluded.synced_at",
            params![integration, hr_id, digest, super::now()],
        )?;
        Ok(())
    }

    /// The hash of the last-synced records of `hr_id` (`sha256:<hex>`).
    pub fn snapshot(&self, integration: &str, hr_id: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT records FROM snapshots WHERE integration = ?1 AND hr_id = ?2",
                params![integration, hr_id],
                |r| r.get(0),
            )
            .optional()?)
    }
}
