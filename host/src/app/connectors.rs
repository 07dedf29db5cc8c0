//! Connector versions through the facade: install (checked, stored under
//! its sha256, where it came from recorded), activate (the operator's
//! choice, kept in the store), and the list of loaded versions.

use super::App;
use crate::runtime::LoadedConnector;
use anyhow::Context as _;
use serde::Serialize;
use std::sync::Arc;

/// One loaded connector version, as `connectors list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectorInfo {
    /// Connector name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Whether it is the active version of its name.
    pub active: bool,
    /// The `paybridge:connector` contract it was built for.
    pub contract: String,
    /// The payroll system it serves.
    pub target_system: String,
    /// sha256 of the component.
    pub sha256: String,
    /// The file it was loaded from.
    pub file: String,
    /// Where it was installed from, when `connectors install` put it there.
    pub installed_from: Option<String>,
    /// HR fields it requires.
    pub required_fields: Vec<String>,
    /// What it declares it can do.
    pub capabilities: Vec<String>,
    /// The integrations whose next run takes this version (pinned to it,
    /// or following the active version).
    pub used_by: Vec<String>,
    /// Who signed it ([`crate::runtime::signing::Verdict`]).
    pub signature: crate::runtime::signing::Verdict,
    /// Whether it is compiled and loaded; `false`: no integration uses it,
    /// so it is compiled when first pinned or activated.
    pub compiled: bool,
}

/// A version's order key: semver where it parses.
fn semver_key(version: &str) -> Option<semver::Version> {
    semver::Version::parse(version).ok()
}

impl App {
    /// Make `version` the active version of `name`, now and for later starts.
    pub fn activate_connector(&self, name: &str, version: &str) -> anyhow::Result<Arc<LoadedConnector>> {
        self.registry.activate(name, version)?;
        let active = self.registry.resolve(name, Some(version))?;
        self.store.record_activation(name, &active.manifest.version, &active.sha256, "operator")?;
        Ok(active)
    }

    /// Make the version of `name` active before the current one active
    /// again (the one-command rollback); it must still be loaded.
    pub fn rollback_connector(&self, name: &str) -> anyhow::Result<Arc<LoadedConnector>> {
        let previous = self.store.previous_activation(name)?.with_context(|| {
            format!(
                "connector {name} has no earlier active version to go back to; `connectors list` shows the versions"
            )
        })?;
        self.activate_connector(name, &previous)
    }

    /// Check a component, store it in the connectors folder under its
    /// sha256 and record where it came from. It becomes active only if it is
    /// the first version of its name (or with `auto_activate_connectors`).
    /// A signature file beside it (`FILE.sig`) that does not verify
    /// refuses the install; one that does is stored beside the component.
    pub fn install_connector(&self, file: &std::path::Path) -> anyhow::Result<(Arc<LoadedConnector>, bool)> {
        use crate::runtime::signing::{Verdict, signature_path, verify_file};
        use sha2::Digest as _;
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let sha256 = hex::encode(sha2::Sha256::digest(&bytes));
        let verdict = verify_file(file, &sha256, &self.config.trusted_keys);
        if let Verdict::Invalid { reason } = &verdict {
            anyhow::bail!(
                "refused {}: its signature {} is bad: {reason}; sign it again or remove the .sig file",
                file.display(),
                signature_path(file).display()
            );
        }
        let loaded = self.registry.install_bytes(&bytes, file, &self.config.connectors_dir)?;
        if verdict != Verdict::Unsigned {
            let kept = signature_path(&self.config.connectors_dir.join(format!("{sha256}.wasm")));
            std::fs::copy(signature_path(file), &kept)
                .with_context(|| format!("keeping the signature as {}", kept.display()))?;
        }
        let from = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_owned());
        self.store.record_install(
            &loaded.sha256,
            &loaded.manifest.name,
            &loaded.manifest.version,
            &from.display().to_string(),
        )?;
        self.restore_activations()?;
        let active = self.registry.active(&loaded.manifest.name).is_some_and(|a| a.sha256 == loaded.sha256);
        Ok((loaded, active))
    }

    /// Load a component that appeared in the connectors folder while the
    /// host runs (the folder-drop swap): checked, compiled into the cache
    /// and registered as at start, recorded as installed from where it
    /// lies, and active by the same rules as at start
    /// ([`App::restore_activations`]). Whether it is active.
    /// `bytes` is the file as the folder watcher read it.
    pub fn load_dropped_connector(
        &self,
        file: &std::path::Path,
        bytes: &[u8],
    ) -> anyhow::Result<(Arc<LoadedConnector>, bool)> {
        let loaded = self.registry.load_read(bytes, file)?;
        self.store.record_install(
            &loaded.sha256,
            &loaded.manifest.name,
            &loaded.manifest.version,
            &file.display().to_string(),
        )?;
        self.restore_activations()?;
        let active = self.registry.active(&loaded.manifest.name).is_some_and(|a| a.sha256 == loaded.sha256);
        Ok((loaded, active))
    }

    /// Remove `version` of `name`: refused while it is the active version or
    /// an integration pins it; otherwise unloaded and its file deleted from
    /// the connectors folder, so it is gone at the next start too. The
    /// file it was removed from.
    pub fn remove_connector(&self, name: &str, version: &str) -> anyhow::Result<std::path::PathBuf> {
        let pinned: Vec<&str> = self
            .config
            .integrations
            .iter()
            .filter(|i| i.connector == name && i.version.as_deref() == Some(version))
            .map(|i| i.name.as_str())
            .collect();
        if !pinned.is_empty() {
            anyhow::bail!(
                "{name}@{version} is pinned by integration(s) {}: change their `version` in the configuration first",
                pinned.join(", ")
            );
        }
        if let Some(deferred) = self.registry.forget_deferred(name, version) {
            std::fs::remove_file(&deferred.file).with_context(|| {
                format!("{name}@{version} is forgotten, but deleting {} failed", deferred.file.display())
            })?;
            self.remove_signatures(name, version, &deferred.file, &deferred.sha256)?;
            return Ok(deferred.file);
        }
        let removed = self.registry.remove(name, version)?;
        let file = removed.source.clone();
        let inside = std::fs::canonicalize(&file).ok().zip(std::fs::canonicalize(&self.config.connectors_dir).ok());
        match inside {
            Some((file, dir)) if file.starts_with(&dir) => std::fs::remove_file(&file)
                .with_context(|| format!("{name}@{version} is unloaded, but deleting {} failed", file.display()))?,
            _ => {
                tracing::warn!(file = %file.display(), "the removed version's file is outside the connectors folder; left in place")
            }
        }
        self.remove_signatures(name, version, &file, &removed.sha256)?;
        Ok(file)
    }

    /// Delete a removed version's signature, kept beside its file or under
    /// its sha256 in the connectors folder.
    fn remove_signatures(&self, name: &str, version: &str, file: &std::path::Path, sha256: &str) -> anyhow::Result<()> {
        let stored = self.config.connectors_dir.join(format!("{sha256}.wasm"));
        for signature in [file, &stored].map(crate::runtime::signing::signature_path) {
            if signature.exists() {
                std::fs::remove_file(&signature).with_context(|| {
                    format!("{name}@{version} is removed, but deleting {} failed", signature.display())
                })?;
            }
        }
        Ok(())
    }

    /// Whether a component with this sha256 is loaded (or deferred: known,
    /// to be compiled when first used).
    pub fn connector_loaded(&self, sha256: &str) -> bool {
        self.registry.list().iter().any(|(c, _)| c.sha256 == sha256)
            || self.registry.deferred().iter().any(|d| d.sha256 == sha256)
    }

    /// Install a component received as bytes (an upload), as
    /// [`App::install_connector`] does a file; with `activate`, make it the
    /// active version too. Whether it is active.
    pub fn install_connector_bytes(
        &self,
        bytes: &[u8],
        activate: bool,
    ) -> anyhow::Result<(Arc<LoadedConnector>, bool)> {
        let dir = &self.config.connectors_dir;
        std::fs::create_dir_all(dir).with_context(|| format!("creating the connectors folder {}", dir.display()))?;
        let nanos = jiff::Timestamp::now().as_nanosecond();
        let file = dir.join(format!(".upload-{}-{nanos}.part", std::process::id()));
        std::fs::write(&file, bytes).with_context(|| format!("writing the upload to {}", file.display()))?;
        let installed = self.install_connector(&file);
        let _ = std::fs::remove_file(&file);
        let (loaded, mut active) = installed?;
        if activate && !active {
            self.activate_connector(&loaded.manifest.name, &loaded.manifest.version)?;
            active = true;
        }
        Ok((loaded, active))
    }

    /// Every loaded connector version.
    pub fn connectors(&self) -> anyhow::Result<Vec<ConnectorInfo>> {
        let mut rows = Vec::new();
        for (c, active) in self.registry.list() {
            let used_by = self
                .config
                .integrations
                .iter()
                .filter(|i| i.connector == c.manifest.name)
                .filter(|i| self.connector_for(i).is_ok_and(|runs| runs.sha256 == c.sha256))
                .map(|i| i.name.clone())
                .collect();
            rows.push(ConnectorInfo {
                name: c.manifest.name.clone(),
                version: c.manifest.version.clone(),
                active,
                contract: c.contract.clone(),
                target_system: c.manifest.target_system.clone(),
                sha256: c.sha256.clone(),
                file: c.source.display().to_string(),
                installed_from: self.store.installed_from(&c.sha256)?,
                required_fields: c.manifest.required_fields.clone(),
                capabilities: c.manifest.capabilities.clone(),
                used_by,
                signature: self.signature_of(&c),
                compiled: true,
            });
        }
        for d in self.registry.deferred() {
            let stored = self.signature_at(&d.file, &d.sha256);
            rows.push(ConnectorInfo {
                name: d.name,
                version: d.version,
                active: false,
                contract: "-".into(),
                target_system: "(compiled when first used)".into(),
                installed_from: self.store.installed_from(&d.sha256)?,
                sha256: d.sha256,
                file: d.file.display().to_string(),
                required_fields: Vec::new(),
                capabilities: Vec::new(),
                used_by: Vec::new(),
                signature: stored,
                compiled: false,
            });
        }
        rows.sort_by(|a, b| (&a.name, semver_key(&a.version)).cmp(&(&b.name, semver_key(&b.version))));
        Ok(rows)
    }
}
