//! The facade: from a configuration to an open store, a registry of
//! loaded connectors and per-integration executors, and every operation the
//! CLI (and later the service API and console) performs, so no front end
//! reaches into the store, the registry or the configuration itself.
//!
//! One file per concern: [`connectors`] (install, activate, list),
//! [`runs`] (sync, spawn a run, past runs), [`links`] (views, suggestions,
//! connect and disconnect).
//!
//! Invariant: `App` is cheap to share: the store and the registry sit
//! behind `Arc`s, so a spawned run holds them for as long as it needs.

pub mod authorize;
pub mod connectors;
pub mod links;
pub mod runs;
pub mod schedules;
pub mod shadow;

use crate::config::{Config, HrSource, IntegrationConfig};
use crate::http::auth::{AuthPolicy, Authenticator};
use crate::http::refresh_store::RefreshTokenFile;
use crate::http::retry::RetryPolicy;
use crate::http::{BaseUrl, Executor, Secrets};
use crate::runtime::{ConnectorEngine, Limits, LoadedConnector, Registry};
use crate::source::HrSnapshot;
use crate::store::Store;
use anyhow::Context as _;
use std::sync::Arc;
use std::time::Duration;

/// An open paybridge: configuration, store and connectors.
pub struct App {
    /// The configuration in force.
    pub config: Config,
    /// The database, shared with running syncs.
    pub store: Arc<Store>,
    /// Loaded connectors, shared with running syncs.
    pub registry: Arc<Registry>,
}

impl App {
    /// Open the store, load every connector of the connectors folder and
    /// make active the versions the operator chose (see
    /// [`App::restore_activations`]).
    pub fn open(config: Config, limits: Limits) -> anyhow::Result<Self> {
        let app = Self::open_without_connectors(config, limits)?;
        app.load_connectors()?;
        app.restore_activations()?;
        Ok(app)
    }

    /// Load the connectors folder, compiling only the versions in use: a
    /// file `connectors install` stored (`<sha256>.wasm`, with its name and
    /// version recorded), not in the artefact cache, that is neither its
    /// name's active version nor pinned by an integration, is deferred
    /// ([`Registry::defer`]) and compiled when first used. Everything else
    /// is loaded (from the cache when it is there).
    fn load_connectors(&self) -> anyhow::Result<()> {
        let files = crate::runtime::registry::component_files(&self.config.connectors_dir)?;
        let mut candidates = Vec::new();
        for file in files {
            match self.deferrable(&file)? {
                Some(candidate) => candidates.push((file, candidate)),
                None => {
                    self.registry.load_file(&file)?;
                }
            }
        }
        // Deferred only while its name's recorded active version is loaded:
        // otherwise the start's activation rules need it.
        for (file, (name, version, sha256)) in candidates {
            let active_loaded = self
                .store
                .activation(&name)?
                .is_some_and(|a| self.registry.versions(&name).iter().any(|v| v.manifest.version == a.version));
            if active_loaded {
                self.registry.defer(&name, &version, &file, &sha256)?;
            } else {
                self.registry.load_file(&file)?;
            }
        }
        Ok(())
    }

    /// The recorded name, version and sha256 of `file` when it may wait
    /// to be compiled until it is used.
    fn deferrable(&self, file: &std::path::Path) -> anyhow::Result<Option<(String, String, String)>> {
        let Some(sha256) = file.file_stem().and_then(|s| s.to_str()).filter(|s| s.len() == 64) else {
            return Ok(None);
        };
        let compiled = self.registry.artefact_cache().is_some_and(|c| c.holds(sha256));
        let Some((name, version)) = self.store.install_record(sha256)? else {
            return Ok(None);
        };
        let active = self.store.activation(&name)?;
        let same = |pin: &str| semver::Version::parse(pin).ok() == semver::Version::parse(&version).ok();
        let in_use = active.is_none_or(|a| same(&a.version))
            || self.config.integrations.iter().any(|i| i.connector == name && i.version.as_deref().is_some_and(same));
        Ok((!compiled && !in_use).then(|| (name, version, sha256.to_owned())))
    }

    /// Open the store with no connector loaded: for operations that need
    /// none (past runs, connecting and disconnecting links).
    pub fn open_without_connectors(config: Config, limits: Limits) -> anyhow::Result<Self> {
        let store = Arc::new(Store::open(&config.database)?);
        let engine = ConnectorEngine::new(limits)?;
        let registry =
            if config.auto_activate_connectors { Registry::auto_activating(engine) } else { Registry::new(engine) };
        let registry = Arc::new(registry.with_artefact_cache(&artefact_dir(&config.database))?);
        Ok(Self { config, store, registry })
    }

    /// Make active, per connector name, the version the store records as
    /// the operator's choice. Where none is recorded and exactly one version
    /// is loaded, that one becomes active and is recorded; where several are
    /// loaded and none was chosen, none is active until the operator
    /// activates one (a component cannot make itself active by claiming a
    /// higher version). A recorded version that is gone, with exactly one
    /// other version present, is replaced by it (the operator replaced the
    /// file).
    pub fn restore_activations(&self) -> anyhow::Result<()> {
        for name in self.registry.names() {
            if self.config.auto_activate_connectors {
                if let Some(active) = self.registry.active(&name) {
                    self.store.record_activation(&name, &active.manifest.version, &active.sha256, "auto")?;
                }
                continue;
            }
            let versions = self.registry.versions(&name);
            let recorded = self.store.activation(&name)?;
            // The recorded choice if that version is loaded (keeping how it was
            // made), else the only version present, else none.
            let kept = recorded
                .as_ref()
                .and_then(|a| versions.iter().find(|v| v.manifest.version == a.version).map(|v| (v, a.how.as_str())));
            let chosen = kept.or_else(|| match versions.as_slice() {
                [only] => Some((only, if recorded.is_some() { "only version present" } else { "first seen" })),
                _ => None,
            });
            match chosen {
                Some((version, how)) => {
                    self.registry.activate(&name, &version.manifest.version)?;
                    self.store.record_activation(&name, &version.manifest.version, &version.sha256, how)?;
                }
                None => tracing::warn!(
                    connector = name,
                    "several versions are loaded and none is activated: run `paybridge connectors activate {name} VERSION`"
                ),
            }
        }
        Ok(())
    }

    /// Read the configured HR source (the snapshot file, or the live
    /// AlexisHR API, resuming a read cut short) and store its employees.
    pub async fn import_hr(&self) -> anyhow::Result<HrImport> {
        self.import_hr_with(None).await
    }

    /// [`App::import_hr`] with the live source's access token given rather
    /// than read from the environment (tests, the service).
    pub async fn import_hr_with(&self, token: Option<String>) -> anyhow::Result<HrImport> {
        let tz = self.config.time_zone()?;
        let source = self.config.hr_source()?;
        match source {
            HrSource::Snapshot(path) => {
                let snapshot = crate::source::load_snapshot(path, &tz)?;
                let employees = self.import(&snapshot)?;
                Ok(HrImport { source: source.to_string(), employees, read: None })
            }
            HrSource::AlexisHr(config) => {
                let _lock = self.lock_hr_source().await?;
                let api = match token {
                    Some(token) => crate::source::alexishr::AlexisHr::new(config, token)?,
                    None => crate::source::alexishr::AlexisHr::from_env(config)?,
                };
                let (snapshot, read) = api.read(&self.store, &tz).await?;
                let employees = match snapshot.and_then(|snapshot| self.import(&snapshot)) {
                    Ok(employees) => employees,
                    Err(e) => {
                        // Read again next time rather than rebuild the same failing data.
                        self.store.abandon_source_pass()?;
                        return Err(
                            e.context("importing the records read from AlexisHR; the next import reads them again")
                        );
                    }
                };
                self.store.finish_source_pass()?;
                Ok(HrImport { source: source.to_string(), employees, read: Some(read) })
            }
        }
    }

    /// Store an already-parsed snapshot.
    pub fn import(&self, snapshot: &HrSnapshot) -> anyhow::Result<usize> {
        self.store.import_employees(&snapshot.employees)?;
        Ok(snapshot.employees.len())
    }

    /// Take the HR source's lock, waiting for another import (another
    /// process's watch, sync or import) to finish: one import of the live
    /// source at a time, so two never resume one pass side by side.
    async fn lock_hr_source(&self) -> anyhow::Result<crate::store::run_lock::RunLock> {
        let started = std::time::Instant::now();
        loop {
            match self.store.lock_run(HR_SOURCE_LOCK) {
                Ok(lock) => return Ok(lock),
                Err(crate::store::run_lock::LockError::Busy { holder, .. }) => {
                    if started.elapsed() > HR_SOURCE_WAIT {
                        anyhow::bail!(
                            "another import of the HR source ({holder}) has run for over {} s; try again when it ends",
                            HR_SOURCE_WAIT.as_secs()
                        );
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The connector version `integration` uses.
    pub fn connector_for(&self, integration: &IntegrationConfig) -> anyhow::Result<Arc<LoadedConnector>> {
        self.registry.resolve(&integration.connector, integration.version.as_deref())
    }

    /// Who signed `connector` ([`crate::runtime::signing`]), against the
    /// keys the configuration trusts now.
    /// The signature is looked for beside the file the version was loaded
    /// from, then as `<sha256>.wasm.sig` in the connectors folder (where
    /// `connectors install` keeps it).
    pub fn signature_of(&self, connector: &LoadedConnector) -> crate::runtime::signing::Verdict {
        self.signature_at(&connector.source, &connector.sha256)
    }

    /// The verdict on the component `sha256` loaded from `file`: its
    /// signature beside `file`, else under its sha256 in the connectors folder.
    pub fn signature_at(&self, file: &std::path::Path, sha256: &str) -> crate::runtime::signing::Verdict {
        use crate::runtime::signing::{Verdict, verify_file};
        let trusted = &self.config.trusted_keys;
        match verify_file(file, sha256, trusted) {
            Verdict::Unsigned => {
                verify_file(&self.config.connectors_dir.join(format!("{sha256}.wasm")), sha256, trusted)
            }
            verdict => verdict,
        }
    }

    /// Refuse `connector` for `integration` when the integration requires
    /// a trusted signature and the version has none.
    pub fn check_signature(&self, integration: &IntegrationConfig, connector: &LoadedConnector) -> anyhow::Result<()> {
        if !integration.require_signature {
            return Ok(());
        }
        match self.signature_of(connector) {
            crate::runtime::signing::Verdict::Trusted { .. } => Ok(()),
            verdict => anyhow::bail!(
                "integration {} requires a trusted signature, and {} is {verdict}: install a version signed by a key of [trusted_keys] (with its FILE.sig beside it), or add the vendor's key",
                integration.name,
                connector.label()
            ),
        }
    }

    /// Today's date in the configured time zone.
    pub fn today(&self) -> anyhow::Result<String> {
        Ok(jiff::Timestamp::now().to_zoned(self.config.time_zone()?).date().to_string())
    }

    /// The integration `name`, its connector version and an executor with
    /// `secrets` (resolved from the environment when `None`).
    pub(crate) fn open_integration(
        &self,
        name: &str,
        secrets: Option<Secrets>,
    ) -> anyhow::Result<(&IntegrationConfig, Arc<LoadedConnector>, Executor)> {
        let integration = self.config.integration(name)?;
        let connector = self.connector_for(integration)?;
        self.check_signature(integration, &connector)?;
        let secrets = match secrets {
            Some(s) => s,
            None => {
                let refresh = refresh_token_secret(&connector);
                Secrets::from_env_optional(&integration.name, &integration.secrets, &Vec::from_iter(refresh))?
            }
        };
        let store = RefreshTokenFile::new(&self.config.database, &integration.name);
        let executor = executor_for(integration, &connector, secrets, Some(store))?;
        Ok((integration, connector, executor))
    }
}

/// The lock name of the live HR source (not a valid integration name in
/// practice: integrations are named by the operator, this by the host).
const HR_SOURCE_LOCK: &str = "~hr-source";

/// Longest wait for another import of the HR source.
const HR_SOURCE_WAIT: Duration = Duration::from_secs(600);

/// What an HR import did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HrImport {
    /// Where from: the file, or the API's base URL.
    pub source: String,
    /// Employees stored.
    pub employees: usize,
    /// How the live source's lists were read (none for a file).
    pub read: Option<crate::source::alexishr::ReadReport>,
}

/// Where compiled connectors are kept: beside the database, a folder only
/// the host writes (`<database>.artefacts/`).
pub fn artefact_dir(database: &std::path::Path) -> std::path::PathBuf {
    let mut dir = database.as_os_str().to_owned();
    dir.push(".artefacts");
    dir.into()
}

/// The name of the secret holding the connector's OAuth2 refresh token, if
/// it uses one.
pub fn refresh_token_secret(connector: &LoadedConnector) -> Option<&str> {
    match &connector.manifest.auth {
        crate::runtime::types::AuthScheme::Oauth2(o) => o.refresh_token_secret.as_deref(),
        _ => None,
    }
}

/// An HTTP executor for `integration` with the auth its connector declares;
/// a rotated OAuth2 refresh token is kept in `refresh_store`.
pub fn executor_for(
    integration: &IntegrationConfig,
    connector: &LoadedConnector,
    secrets: Secrets,
    refresh_store: Option<RefreshTokenFile>,
) -> anyhow::Result<Executor> {
    let base = BaseUrl::parse(&integration.base_url).with_context(|| format!("integration {}", integration.name))?;
    let policy = AuthPolicy {
        token_url: integration.token_url.clone(),
        secret_headers: integration.secret_headers.clone(),
        refresh_store,
    };
    let auth = Authenticator::new((&connector.manifest.auth).into(), secrets, &base, &policy)
        .with_context(|| format!("integration {} (connector {})", integration.name, connector.label()))?;
    let retry = RetryPolicy {
        max_retries: integration.max_retries,
        base: Duration::from_millis(integration.retry_backoff_ms),
        ..RetryPolicy::default()
    };
    let executor = Executor::new(
        base,
        auth,
        retry,
        integration.concurrency,
        Duration::from_secs(integration.request_timeout_secs),
    )?;
    Ok(executor.measured_as(&integration.name))
}
