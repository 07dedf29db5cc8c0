//! Wiring: from a configuration to an open store, a registry of loaded
//! connectors, and per-integration executors; and the one-call "import the
//! HR source, then sync" used by the CLI and the tests.

use crate::config::{Config, IntegrationConfig};
use crate::http::auth::{AuthPolicy, Authenticator};
use crate::http::retry::RetryPolicy;
use crate::http::{BaseUrl, Executor, Secrets};
use crate::runtime::{ConnectorEngine, Limits, LoadedConnector, Registry};
use crate::source::HrSnapshot;
use crate::store::Store;
use crate::sync::{RunReport, SyncError, SyncJob, SyncOptions};
use anyhow::Context as _;
use std::sync::Arc;
use std::time::Duration;

/// An open paybridge: configuration, store and connectors.
pub struct App {
    /// The configuration in force.
    pub config: Config,
    /// The database.
    pub store: Store,
    /// Loaded connectors.
    pub registry: Registry,
}

impl App {
    /// Open the store, load every connector of the connectors folder and
    /// make active the versions the operator chose (see
    /// [`App::restore_activations`]).
    pub fn open(config: Config, limits: Limits) -> anyhow::Result<Self> {
        let store = Store::open(&config.database)?;
        let engine = ConnectorEngine::new(limits)?;
        let registry =
            if config.auto_activate_connectors { Registry::auto_activating(engine) } else { Registry::new(engine) };
        registry.load_dir(&config.connectors_dir)?;
        let app = Self { config, store, registry };
        app.restore_activations()?;
        Ok(app)
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
            let versions = self.registry.versions(&name);
            let recorded = self.store.activation(&name)?;
            let chosen = match &recorded {
                Some(a) => versions.iter().find(|v| v.manifest.version == a.version).map(|v| (v, "operator")),
                None => None,
            };
            let chosen = chosen.or_else(|| match versions.as_slice() {
                [only] => Some((only, if recorded.is_some() { "only version present" } else { "first seen" })),
                _ => None,
            });
            if self.config.auto_activate_connectors {
                if let Some(active) = self.registry.active(&name) {
                    self.store.record_activation(&name, &active.manifest.version, &active.sha256, "auto")?;
                }
                continue;
            }
            match chosen {
                Some((version, how)) => {
                    self.registry.activate(&name, &version.manifest.version)?;
                    let how = recorded
                        .as_ref()
                        .map_or(how, |a| if a.version == version.manifest.version { &a.how } else { how });
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

    /// Make `version` the active version of `name`, now and for later starts.
    pub fn activate_connector(&self, name: &str, version: &str) -> anyhow::Result<Arc<LoadedConnector>> {
        self.registry.activate(name, version)?;
        let active = self.registry.resolve(name, Some(version))?;
        self.store.record_activation(name, &active.manifest.version, &active.sha256, "operator")?;
        Ok(active)
    }

    /// Check a component, store it in the connectors folder under its
    /// sha256 and record where it came from. It becomes active only if it is
    /// the first version of its name (or with `auto_activate_connectors`).
    pub fn install_connector(&self, file: &std::path::Path) -> anyhow::Result<(Arc<LoadedConnector>, bool)> {
        let loaded = self.registry.install(file, &self.config.connectors_dir)?;
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

    /// Read the configured HR snapshot and store it.
    pub fn import_hr(&mut self) -> anyhow::Result<usize> {
        let snapshot = crate::source::load_snapshot(&self.config.hr_snapshot, &self.config.time_zone()?)?;
        self.import(&snapshot)
    }

    /// Store an already-parsed snapshot.
    pub fn import(&mut self, snapshot: &HrSnapshot) -> anyhow::Result<usize> {
        self.store.import_employees(&snapshot.employees)?;
        Ok(snapshot.employees.len())
    }

    /// The connector version `integration` uses.
    pub fn connector_for(&self, integration: &IntegrationConfig) -> anyhow::Result<Arc<LoadedConnector>> {
        self.registry.resolve(&integration.connector, integration.version.as_deref())
    }

    /// Today's date in the configured time zone.
    pub fn today(&self) -> anyhow::Result<String> {
        Ok(jiff::Timestamp::now().to_zoned(self.config.time_zone()?).date().to_string())
    }

    /// The integration `name`, its connector version and an executor with
    /// `secrets` (resolved from the environment when `None`).
    fn open_integration(
        &self,
        name: &str,
        secrets: Option<Secrets>,
    ) -> anyhow::Result<(&IntegrationConfig, Arc<LoadedConnector>, Executor)> {
        let integration = self.config.integration(name)?;
        let connector = self.connector_for(integration)?;
        let secrets = match secrets {
            Some(s) => s,
            None => Secrets::from_env(&integration.name, &integration.secrets)?,
        };
        let executor = executor_for(integration, &connector, secrets)?;
        Ok((integration, connector, executor))
    }

    /// Sync `name` once with `secrets` (resolved from the environment when
    /// `None`).
    pub async fn sync(
        &self,
        name: &str,
        options: &SyncOptions,
        secrets: Option<Secrets>,
        progress: Option<&dyn Fn(&str)>,
    ) -> Result<RunReport, SyncError> {
        let (integration, connector, executor) = self.open_integration(name, secrets)?;
        let scope = serde_json::to_string(&integration.scope).context("serialising scope")?;
        self.store.upsert_integration(
            &integration.name,
            &integration.connector,
            integration.version.as_deref(),
            &integration.base_url,
            &scope,
            integration.schedule.as_deref(),
        )?;
        let job =
            SyncJob { store: &self.store, connector, executor: &executor, integration, today: self.today()?, progress };
        job.run(options).await
    }
}

impl App {
    /// Read what the target of `name` holds now (no write), for views such
    /// as `links suggest`.
    pub async fn read_target(
        &self,
        name: &str,
        secrets: Option<Secrets>,
    ) -> anyhow::Result<Vec<crate::runtime::types::TargetEmployee>> {
        let (integration, connector, executor) = self.open_integration(name, secrets)?;
        let ctx = integration.context(&self.today()?);
        let employees = self.store.current_employees()?;
        let company = crate::privacy::Scrubber::whole_values(employees.iter().filter_map(|e| e.ssn.as_deref()));
        let company = std::sync::Arc::new(company);
        let filter: crate::runtime::connector::TextFilter = Arc::new(move |t: &str| company.scrub_all(t));
        let reader = crate::sync::read::Reader {
            connector: &connector,
            executor: &executor,
            ctx: &ctx,
            site: crate::runtime::connector::CallSite::new(filter, &["read", &ctx.integration, &ctx.today]),
            max_requests: integration.max_read_requests.unwrap_or(1000 + 10 * employees.len() as u64),
        };
        Ok(reader.read().await?.employees)
    }

    /// Proposed links for the not-connected employees of `name`.
    pub async fn suggest_links(
        &self,
        name: &str,
        secrets: Option<Secrets>,
    ) -> anyhow::Result<Vec<crate::sync::matching::Suggestion>> {
        let targets = self.read_target(name, secrets).await?;
        let links = self.store.links(name)?;
        let connected = |hr_id: &str| {
            links.iter().any(|l| l.hr_id == hr_id && l.state == crate::store::links::LinkState::Connected)
        };
        let not_connected: Vec<_> = self.store.current_employees()?.into_iter().filter(|e| !connected(&e.id)).collect();
        let taken = |target_id: &str| {
            links.iter().any(|l| l.target_id == target_id && l.state == crate::store::links::LinkState::Connected)
        };
        Ok(crate::sync::matching::suggest(&not_connected, &targets, &taken))
    }
}

/// An HTTP executor for `integration` with the auth its connector declares.
pub fn executor_for(
    integration: &IntegrationConfig,
    connector: &LoadedConnector,
    secrets: Secrets,
) -> anyhow::Result<Executor> {
    let base = BaseUrl::parse(&integration.base_url).with_context(|| format!("integration {}", integration.name))?;
    let policy =
        AuthPolicy { token_url: integration.token_url.clone(), secret_headers: integration.secret_headers.clone() };
    let auth = Authenticator::new(connector.manifest.auth.clone(), secrets, &base, &policy)
        .with_context(|| format!("integration {} (connector {})", integration.name, connector.label()))?;
    let retry = RetryPolicy {
        max_retries: integration.max_retries,
        base: Duration::from_millis(integration.retry_backoff_ms),
        ..RetryPolicy::default()
    };
    Executor::new(base, auth, retry, integration.concurrency, Duration::from_secs(integration.request_timeout_secs))
}
