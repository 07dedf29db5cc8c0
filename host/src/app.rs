//! Wiring: from a configuration to an open store, a registry of loaded
//! connectors, and per-integration executors; and the one-call "import the
//! HR source, then sync" used by the CLI and the tests.

use crate::config::{Config, IntegrationConfig};
use crate::http::auth::Authenticator;
use crate::http::retry::RetryPolicy;
use crate::http::{Executor, Secrets};
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
    /// Open the store and load every connector of the connectors folder.
    pub fn open(config: Config, limits: Limits) -> anyhow::Result<Self> {
        let store = Store::open(&config.database)?;
        let registry = Registry::new(ConnectorEngine::new(limits)?);
        registry.load_dir(&config.connectors_dir)?;
        Ok(Self { config, store, registry })
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
        crate::sync::read::read_target(&connector, &executor, &integration.context(&self.today()?)).await
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
    let mut scheme = connector.manifest.auth.clone();
    if let (crate::runtime::types::AuthScheme::Oauth2(o), Some(url)) = (&mut scheme, &integration.token_url) {
        o.token_url = url.clone();
    }
    let auth = Authenticator::new(scheme, secrets).with_context(|| format!("integration {}", integration.name))?;
    let retry = RetryPolicy {
        max_retries: integration.max_retries,
        base: Duration::from_millis(integration.retry_backoff_ms),
        ..RetryPolicy::default()
    };
    Executor::new(
        &integration.base_url,
        auth,
        retry,
        integration.concurrency,
        Duration::from_secs(integration.request_timeout_secs),
    )
}
