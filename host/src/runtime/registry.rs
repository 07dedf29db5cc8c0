//! The registry of loaded connectors, keyed by (name, version).
//!
//! A connectors folder holds `*.wasm` files; `install` stores a checked
//! component as `<sha256>.wasm`, and a file so named is refused if its
//! content no longer hashes to its name.
//!
//! Several versions of one connector may be loaded at once. Each name has
//! at most one active version, chosen by the operator (`activate`), never
//! by a component: loading a newer version does not make it active unless
//! the registry was built with `auto_activate`. An integration either pins
//! a version or uses the active one. Activating a version swaps one `Arc`
//! under a lock: runs already holding the previous version keep it until
//! they finish.
//!
//! A version an integration does not use may be *deferred* at start
//! ([`Registry::defer`]): known by its install record, compiled only when
//! it is first resolved (a pin) or activated, so a start compiles only
//! the versions in use.
//!
//! A component is checked before it is registered: only allowed imports,
//! a `paybridge:connector` contract version this host speaks (read from
//! its imports), a name of safe characters, a semver version, and no
//! control characters anywhere in its manifest.

use super::bindings::{v1, v2};
use super::connector::{ContractPre, LoadedConnector};
use super::engine::ConnectorEngine;
use super::sandbox::import_allowed;
use anyhow::{Context as _, anyhow, bail};
use semver::Version;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, RwLock};
use wasmtime::component::Component;

/// Contract majors this host speaks.
pub const SUPPORTED_CONTRACTS: &[u64] = &[1, 2];

/// Whether `name` is a connector name: 1 to 64 of `a-z 0-9 . _ -`,
/// starting with a letter or digit.
pub fn valid_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name.len() <= 64
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
}

/// The contract version a component was built for, from the versions its
/// paybridge imports name; they must agree and be one this host speaks.
pub fn contract_of(imports: &[&str], shown: &str) -> anyhow::Result<String> {
    let versions: std::collections::BTreeSet<&str> =
        imports.iter().filter_map(|i| super::sandbox::contract_version(i)).collect();
    let speaks = SUPPORTED_CONTRACTS.iter().map(|m| format!("{m}.x")).collect::<Vec<_>>().join(", ");
    let mut versions = versions.into_iter();
    let (Some(version), None) = (versions.next(), versions.next()) else {
        bail!(
            "refused connector {shown}: its imports name no single paybridge:connector contract version, so its contract cannot be told; this host speaks paybridge:connector {speaks}"
        );
    };
    let parsed = Version::parse(version)
        .map_err(|_| anyhow!("refused connector {shown}: contract version {version:?} is not semver"))?;
    if !SUPPORTED_CONTRACTS.contains(&parsed.major) {
        bail!(
            "refused connector {shown}: it is built for paybridge:connector@{version}, and this host speaks paybridge:connector {speaks}; use a connector built for a version this host speaks, or upgrade paybridge"
        );
    }
    Ok(version.to_owned())
}

fn check_manifest(m: &super::bindings::types::Manifest, shown: &str) -> anyhow::Result<()> {
    if !valid_name(&m.name) {
        bail!(
            "refused connector {shown}: its name \"{}\" is not 1 to 64 of a-z, 0-9, '.', '_', '-'",
            m.name.escape_debug()
        );
    }
    let texts = [&m.version, &m.target_system].into_iter().chain(&m.required_fields).chain(&m.capabilities);
    for text in texts {
        if text.chars().any(char::is_control) || text.len() > 200 {
            bail!(
                "refused connector {shown}: its manifest holds \"{}\", with control characters or over 200 bytes",
                text.chars().take(60).collect::<String>().escape_debug()
            );
        }
    }
    Ok(())
}

/// The `*.wasm` files of a connectors folder, sorted.
pub fn component_files(dir: &Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let listing = std::fs::read_dir(dir).with_context(|| {
        format!(
            "reading the connectors folder {}; install a connector with `paybridge connectors install FILE` (or build the bundled ones with `make plugins`)",
            dir.display()
        )
    })?;
    let mut files: Vec<_> = listing
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .collect();
    files.sort();
    Ok(files)
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

#[derive(Default)]
struct Entries {
    versions: BTreeMap<String, BTreeMap<Version, Arc<LoadedConnector>>>,
    active: BTreeMap<String, Version>,
    /// Versions known by their install record, not compiled yet.
    deferred: BTreeMap<String, BTreeMap<Version, Deferred>>,
}

/// A version left uncompiled at start because no integration uses it: its
/// file and sha256, as `connectors install` recorded them.
#[derive(Debug, Clone)]
pub struct Deferred {
    /// Connector name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// The component file.
    pub file: std::path::PathBuf,
    /// Its sha256.
    pub sha256: String,
}

/// Loaded connectors by name and version.
pub struct Registry {
    engine: ConnectorEngine,
    entries: RwLock<Entries>,
    auto_activate: bool,
    cache: Option<super::artefacts::ArtefactCache>,
}

impl Registry {
    /// An empty registry on `engine`; no version becomes active by itself.
    pub fn new(engine: ConnectorEngine) -> Self {
        Self { engine, entries: RwLock::new(Entries::default()), auto_activate: false, cache: None }
    }

    /// Keep compiled components in `dir` (see [`super::artefacts`]), so a
    /// known version loads without compiling.
    pub fn with_artefact_cache(mut self, dir: &Path) -> anyhow::Result<Self> {
        self.cache = Some(super::artefacts::ArtefactCache::open(dir, &self.engine.engine)?);
        Ok(self)
    }

    /// The artefact cache, if one is used.
    pub fn artefact_cache(&self) -> Option<&super::artefacts::ArtefactCache> {
        self.cache.as_ref()
    }

    /// An empty registry where the newest loaded version of each name is
    /// active (the operator trusts everything in the folder).
    pub fn auto_activating(engine: ConnectorEngine) -> Self {
        Self { auto_activate: true, ..Self::new(engine) }
    }

    /// Load every `*.wasm` file of `dir`. A file that fails to load is an
    /// error naming the file: a connectors folder is the operator's to keep
    /// clean.
    pub fn load_dir(&self, dir: &Path) -> anyhow::Result<Vec<Arc<LoadedConnector>>> {
        let files = component_files(dir)?;
        files.iter().map(|f| self.load_file(f)).collect()
    }

    /// Load, check and register one component file. A file named by a
    /// sha256 (as `install` names them) must hash to its name.
    pub fn load_file(&self, path: &Path) -> anyhow::Result<Arc<LoadedConnector>> {
        let bytes = std::fs::read(path).with_context(|| format!("reading connector {}", path.display()))?;
        self.load_read(&bytes, path)
    }

    /// [`Registry::load_file`] of a file already read into `bytes`.
    pub fn load_read(&self, bytes: &[u8], path: &Path) -> anyhow::Result<Arc<LoadedConnector>> {
        if let Some(named) = path.file_stem().and_then(|s| s.to_str()).filter(|s| is_sha256(s)) {
            let actual = hex::encode(Sha256::digest(bytes));
            if actual != named {
                bail!(
                    "connector file {} was altered: its name says sha256 {named} but its content hashes to {actual}; reinstall it",
                    path.display()
                );
            }
        }
        self.load_bytes(bytes, path, path)
    }

    /// Check a component, then store it in `dir` under its sha256
    /// (`<sha256>.wasm`) and register it. A component that fails the checks
    /// is never written.
    pub fn install(&self, source: &Path, dir: &Path) -> anyhow::Result<Arc<LoadedConnector>> {
        let bytes = std::fs::read(source).with_context(|| format!("reading {}", source.display()))?;
        self.install_bytes(&bytes, source, dir)
    }

    /// [`Registry::install`] of a component already read from `source`.
    pub fn install_bytes(&self, bytes: &[u8], source: &Path, dir: &Path) -> anyhow::Result<Arc<LoadedConnector>> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let target = dir.join(format!("{sha256}.wasm"));
        let loaded = self.load_bytes(bytes, source, &target)?;
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let partial = dir.join(format!(".{sha256}.partial"));
        std::fs::write(&partial, bytes).with_context(|| format!("writing {}", partial.display()))?;
        std::fs::rename(&partial, &target).with_context(|| format!("moving the component to {}", target.display()))?;
        Ok(loaded)
    }

    /// Load, check and register a component from memory. Errors name
    /// `shown` (the file the operator gave); the loaded version records
    /// `source` (where it is stored) as its source.
    pub fn load_bytes(&self, bytes: &[u8], shown: &Path, source: &Path) -> anyhow::Result<Arc<LoadedConnector>> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let shown = shown.display();
        let compiled = match &self.cache {
            Some(cache) => cache.component(&self.engine.engine, bytes, &sha256),
            None => Component::from_binary(&self.engine.engine, bytes).map_err(anyhow::Error::from),
        };
        let component = compiled.map_err(|e| anyhow!("{shown} is not a valid WebAssembly component: {e:#}"))?;
        let ty = component.component_type();
        let imports: Vec<&str> = ty.imports(&self.engine.engine).map(|(name, _)| name).collect();
        for name in &imports {
            if !import_allowed(name) {
                bail!(
                    "refused connector {shown}: it imports `{name}`, which is outside the paybridge:connector world. \
                     Connectors may import only paybridge:connector/host and a deny-all WASI (no files, environment, clock or sockets)"
                );
            }
        }
        let contract = contract_of(&imports, &shown.to_string())?;
        let instance_pre = self
            .engine
            .linker
            .instantiate_pre(&component)
            .map_err(|e| anyhow!("refused connector {shown}: its imports do not match the host: {e:#}"))?;
        let world = |e: wasmtime::Error| {
            anyhow!("refused connector {shown}: it does not export the paybridge:connector@{contract} world: {e:#}")
        };
        let pre = match Version::parse(&contract).map(|v| v.major) {
            Ok(1) => ContractPre::v1(v1::ConnectorPre::new(instance_pre).map_err(world)?),
            _ => ContractPre::v2(v2::ConnectorPre::new(instance_pre).map_err(world)?),
        };
        let site = super::connector::CallSite::new(super::connector::digit_run_filter(), &["describe"]);
        let manifest =
            LoadedConnector::call_blocking(&pre, &self.engine, &shown.to_string(), "describe", &site, |c, s| {
                c.describe(s)
            })?;
        check_manifest(&manifest, &shown.to_string())?;
        let version = Version::parse(&manifest.version).with_context(|| {
            format!("connector {shown} declares version {:?}, which is not semver", manifest.version)
        })?;
        let loaded = Arc::new(LoadedConnector {
            manifest,
            sha256,
            source: source.to_owned(),
            contract,
            pre,
            engine: self.engine.clone(),
        });
        let mut entries = self.entries.write().map_err(|_| anyhow!("connector registry lock poisoned"))?;
        let name = loaded.manifest.name.clone();
        let versions = entries.versions.entry(name.clone()).or_default();
        if let Some(existing) = versions.get(&version) {
            if existing.sha256 != loaded.sha256 {
                bail!(
                    "two different components claim {name}@{version}: {} (sha256 {}) and {shown} (sha256 {}); a changed connector needs a new version in its manifest, or remove the loaded one first (`paybridge connectors remove {name} {version}`)",
                    existing.source.display(),
                    &existing.sha256[..12],
                    &loaded.sha256[..12]
                );
            }
            return Ok(Arc::clone(existing));
        }
        versions.insert(version.clone(), Arc::clone(&loaded));
        if self.auto_activate {
            let newest = versions.keys().next_back().cloned().unwrap_or(version.clone());
            entries.active.insert(name.clone(), newest);
        }
        // Loaded now: no longer deferred.
        if let Some(deferred) = entries.deferred.get_mut(&name) {
            deferred.remove(&version);
            if deferred.is_empty() {
                entries.deferred.remove(&name);
            }
        }
        Ok(loaded)
    }

    /// Register `file` as version `version` of `name` without compiling
    /// it (see [`Deferred`]); it is compiled when first resolved,
    /// activated or listed as loaded.
    pub fn defer(&self, name: &str, version: &str, file: &Path, sha256: &str) -> anyhow::Result<()> {
        let parsed = Version::parse(version).with_context(|| format!("{name}: version {version:?} is not semver"))?;
        let mut entries = self.entries.write().map_err(|_| anyhow!("connector registry lock poisoned"))?;
        let deferred = Deferred {
            name: name.to_owned(),
            version: version.to_owned(),
            file: file.to_owned(),
            sha256: sha256.to_owned(),
        };
        entries.deferred.entry(name.to_owned()).or_default().insert(parsed, deferred);
        Ok(())
    }

    /// Every version left uncompiled.
    pub fn deferred(&self) -> Vec<Deferred> {
        let Ok(entries) = self.entries.read() else {
            return Vec::new();
        };
        entries.deferred.values().flat_map(|v| v.values().cloned()).collect()
    }

    /// Forget a deferred version (it is being removed); what it was.
    pub fn forget_deferred(&self, name: &str, version: &str) -> Option<Deferred> {
        let version = Version::parse(version).ok()?;
        let mut entries = self.entries.write().ok()?;
        let versions = entries.deferred.get_mut(name)?;
        let gone = versions.remove(&version);
        if versions.is_empty() {
            entries.deferred.remove(name);
        }
        gone
    }

    /// Compile and register `version` of `name` if it was deferred.
    fn load_if_deferred(&self, name: &str, version: &str) -> anyhow::Result<()> {
        let Ok(parsed) = Version::parse(version) else {
            return Ok(());
        };
        let deferred = {
            let entries = self.entries.read().map_err(|_| anyhow!("connector registry lock poisoned"))?;
            entries.deferred.get(name).and_then(|v| v.get(&parsed)).cloned()
        };
        let Some(deferred) = deferred else {
            return Ok(());
        };
        let loaded = self.load_file(&deferred.file)?;
        if loaded.manifest.name != name || loaded.manifest.version != version {
            bail!(
                "{} was installed as {name}@{version} and now declares {}; reinstall it",
                deferred.file.display(),
                loaded.label()
            );
        }
        self.forget_deferred(name, version);
        Ok(())
    }

    /// The pinned version, or the active one.
    pub fn resolve(&self, name: &str, pin: Option<&str>) -> anyhow::Result<Arc<LoadedConnector>> {
        if let Some(pin) = pin {
            self.load_if_deferred(name, pin)?;
        }
        let entries = self.entries.read().map_err(|_| anyhow!("connector registry lock poisoned"))?;
        let versions = entries.versions.get(name).ok_or_else(|| {
            anyhow!("no connector named {name:?} is loaded; check the connectors folder (`paybridge connectors list`)")
        })?;
        let version = match pin {
            Some(pin) => {
                Version::parse(pin).with_context(|| format!("version pin {pin:?} for {name} is not semver"))?
            }
            None => entries.active.get(name).cloned().ok_or_else(|| {
                let have: Vec<String> = versions.keys().map(Version::to_string).collect();
                anyhow!(
                    "{name} has {} loaded version(s) ({}) and none is active: run `paybridge connectors activate {name} VERSION`, or pin `version` in the integration",
                    have.len(),
                    have.join(", ")
                )
            })?,
        };
        versions.get(&version).cloned().ok_or_else(|| {
            let have: Vec<String> = versions.keys().map(Version::to_string).collect();
            anyhow!("{name}@{version} is not loaded; loaded versions: {}", have.join(", "))
        })
    }

    /// Make `version` the active version of `name`.
    pub fn activate(&self, name: &str, version: &str) -> anyhow::Result<()> {
        self.load_if_deferred(name, version)?;
        let version = Version::parse(version).with_context(|| format!("{version:?} is not semver"))?;
        let mut entries = self.entries.write().map_err(|_| anyhow!("connector registry lock poisoned"))?;
        let loaded = entries.versions.get(name).is_some_and(|v| v.contains_key(&version));
        if !loaded {
            bail!("cannot activate {name}@{version}: it is not loaded");
        }
        entries.active.insert(name.to_owned(), version);
        Ok(())
    }

    /// Unload `version` of `name` (not the active one); what it was. Runs
    /// holding it keep it until they end.
    pub fn remove(&self, name: &str, version: &str) -> anyhow::Result<Arc<LoadedConnector>> {
        let version = Version::parse(version).with_context(|| format!("{version:?} is not semver"))?;
        let mut entries = self.entries.write().map_err(|_| anyhow!("connector registry lock poisoned"))?;
        if entries.active.get(name) == Some(&version) {
            bail!(
                "{name}@{version} is the active version: activate another first (`paybridge connectors activate {name} VERSION`)"
            );
        }
        let versions = entries.versions.get_mut(name).ok_or_else(|| anyhow!("no connector named {name} is loaded"))?;
        let removed = versions.remove(&version).ok_or_else(|| anyhow!("{name}@{version} is not loaded"))?;
        if versions.is_empty() {
            entries.versions.remove(name);
        }
        Ok(removed)
    }

    /// The active version of `name`, if one is.
    pub fn active(&self, name: &str) -> Option<Arc<LoadedConnector>> {
        let entries = self.entries.read().ok()?;
        let version = entries.active.get(name)?;
        entries.versions.get(name)?.get(version).cloned()
    }

    /// Every loaded version of `name`, oldest first.
    pub fn versions(&self, name: &str) -> Vec<Arc<LoadedConnector>> {
        let Ok(entries) = self.entries.read() else {
            return Vec::new();
        };
        entries.versions.get(name).map(|v| v.values().cloned().collect()).unwrap_or_default()
    }

    /// Names of every loaded connector.
    pub fn names(&self) -> Vec<String> {
        self.entries.read().map(|e| e.versions.keys().cloned().collect()).unwrap_or_default()
    }

    /// Every loaded connector with whether it is the active version.
    pub fn list(&self) -> Vec<(Arc<LoadedConnector>, bool)> {
        let Ok(entries) = self.entries.read() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, versions) in &entries.versions {
            for (version, loaded) in versions {
                out.push((Arc::clone(loaded), entries.active.get(name) == Some(version)));
            }
        }
        out
    }
}
