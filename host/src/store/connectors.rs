//! Which connector version the operator activated per name, and where each
//! installed component came from.

use super::Store;
use rusqlite::{OptionalExtension as _, params};

/// The recorded active version of a connector name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activation {
    /// Connector name.
    pub name: String,
    /// Active version.
    pub version: String,
    /// sha256 of the component that was active.
    pub sha256: String,
    /// How it became active: "operator", "first seen", "only version present", "auto".
    pub how: String,
}

impl Store {
    /// The recorded activation of `name`.
    pub fn activation(&self, name: &str) -> anyhow::Result<Option<Activation>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT name, version, sha256, how FROM connector_activations WHERE name = ?1",
                params![name],
                |r| Ok(Activation { name: r.get(0)?, version: r.get(1)?, sha256: r.get(2)?, how: r.get(3)? }),
            )
            .optional()?)
    }

    /// Record `version` (component `sha256`) as the active version of
    /// `name`; a version active before it is kept for a rollback.
    pub fn record_activation(&self, name: &str, version: &str, sha256: &str, how: &str) -> anyhow::Result<()> {
        self.conn().execute(
            "INSERT INTO connector_activations (name, version, sha256, how, activated_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(name) DO UPDATE SET
               previous_version = CASE WHEN connector_activations.version <> excluded.version
                 THEN connector_activations.version ELSE connector_activations.previous_version END,
               version = excluded.version, sha256 = excluded.sha256, how = excluded.how,
               activated_at = excluded.activated_at",
            params![name, version, sha256, how, super::now()],
        )?;
        Ok(())
    }

    /// The version of `name` active before the current one, if any.
    pub fn previous_activation(&self, name: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT previous_version FROM connector_activations WHERE name = ?1", params![name], |r| {
                r.get(0)
            })
            .optional()?
            .flatten())
    }

    /// Record that the component `sha256` (`name@version`) was installed from `from`.
    pub fn record_install(&self, sha256: &str, name: &str, version: &str, from: &str) -> anyhow::Result<()> {
        self.conn().execute(
            "INSERT OR REPLACE INTO connector_installs (sha256, name, version, installed_from, installed_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![sha256, name, version, from, super::now()],
        )?;
        Ok(())
    }

    /// Where the component `sha256` was installed from, if it was installed.
    pub fn installed_from(&self, sha256: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT installed_from FROM connector_installs WHERE sha256 = ?1", params![sha256], |r| r.get(0))
            .optional()?)
    }

    /// The name and version the component `sha256` declared when it was
    /// installed, if it was.
    pub fn install_record(&self, sha256: &str) -> anyhow::Result<Option<(String, String)>> {
        Ok(self
            .conn()
            .query_row("SELECT name, version FROM connector_installs WHERE sha256 = ?1", params![sha256], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?)
    }
}
