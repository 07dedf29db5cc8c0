//! `paybridge.toml`: where the database, connectors and HR data are (a
//! snapshot file or the live AlexisHR API, [`HrSource`]), and each
//! integration (connector and version pin, base URL, secrets by
//! environment-variable name, scope, settings, schedule).

use crate::scope::Scope;
use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// SQLite file. Default `paybridge.db`.
    #[serde(default = "default_database")]
    pub database: PathBuf,
    /// Folder of connector components (`*.wasm`). Default `connectors`.
    #[serde(default = "default_connectors")]
    pub connectors_dir: PathBuf,
    /// The HR snapshot file (AlexisHR list-endpoint shape). Give this or
    /// `[alexishr]`, not both.
    #[serde(default)]
    pub hr_snapshot: Option<PathBuf>,
    /// The live AlexisHR API as the HR source, instead of `hr_snapshot`.
    #[serde(default)]
    pub alexishr: Option<AlexisHrConfig>,
    /// IANA time zone for "today" and HR date-times. Default Europe/Oslo.
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// Wall-clock seconds one connector call may take. Default 30.
    #[serde(default = "default_call_deadline")]
    pub connector_deadline_secs: u64,
    /// Make the newest loaded version of a connector active by itself.
    /// Default false: a new version runs only once activated
    /// (`paybridge connectors activate NAME VERSION`), so a component
    /// dropped into the folder under another vendor's name cannot take over.
    #[serde(default)]
    pub auto_activate_connectors: bool,
    /// Vendor keys the operator trusts: a name per public key
    /// (`"Acme AS" = "ed25519:<64 hex>"`). `connectors install` shows who
    /// signed; an integration with `require_signature` runs only a version
    /// signed by one of these.
    #[serde(default)]
    pub trusted_keys: BTreeMap<String, String>,
    /// The integrations.
    #[serde(default, rename = "integration")]
    pub integrations: Vec<IntegrationConfig>,
}

/// The live AlexisHR public API as the HR source (`[alexishr]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AlexisHrConfig {
    /// API root, e.g. `https://api.alexishr.com/v1` (sandbox:
    /// `https://api.sandbox.alexishr.com/v1`). The token goes only here.
    pub base_url: String,
    /// Environment variable holding the access token (Settings → Access
    /// tokens in AlexisHR). Default `ALEXISHR_TOKEN`.
    #[serde(default = "default_alexishr_token_env")]
    pub token_env: String,
    /// Records asked for per page (`limit`). Default 100.
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Retries after the first attempt on timeouts, 5xx and 429. Default 3.
    #[serde(default = "default_retries")]
    pub max_retries: u32,
    /// First backoff in milliseconds, doubled each retry. Default 500.
    #[serde(default = "default_backoff")]
    pub retry_backoff_ms: u64,
    /// Per-request timeout in seconds. Default 30.
    #[serde(default = "default_timeout")]
    pub request_timeout_secs: u64,
}

impl AlexisHrConfig {
    /// The source at `base_url` with defaults (tests and examples).
    pub fn new(base_url: &str) -> Self {
        Self {
            base_url: base_url.to_owned(),
            token_env: default_alexishr_token_env(),
            page_size: default_page_size(),
            max_retries: default_retries(),
            retry_backoff_ms: default_backoff(),
            request_timeout_secs: default_timeout(),
        }
    }
}

/// Where HR data comes from, as configured.
#[derive(Debug, Clone, Copy)]
pub enum HrSource<'a> {
    /// A snapshot file.
    Snapshot(&'a Path),
    /// The live AlexisHR API.
    AlexisHr(&'a AlexisHrConfig),
}

impl std::fmt::Display for HrSource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Snapshot(path) => write!(f, "{}", path.display()),
            Self::AlexisHr(api) => write!(f, "AlexisHR at {}", api.base_url),
        }
    }
}

/// One integration: an HR-to-payroll pairing.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IntegrationConfig {
    /// Unique name, used on the command line.
    pub name: String,
    /// Connector name, e.g. `twentyfour-seven`.
    pub connector: String,
    /// Exact connector version to use; the newest loaded if absent.
    pub version: Option<String>,
    /// Target API base URL; every connector path is sent under it.
    pub base_url: String,
    /// Secret name (as the connector's manifest uses it) → environment
    /// variable that holds the value.
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
    /// Which employees take part.
    #[serde(default)]
    pub scope: Scope,
    /// Connector settings (e.g. `enterprise_number`).
    #[serde(default)]
    pub settings: BTreeMap<String, String>,
    /// OAuth2 token endpoint to use instead of the one the connector
    /// declares (a sandbox or an emulator). Required when the connector's
    /// endpoint is not on `base_url`'s origin: credentials go only where
    /// the operator says.
    pub token_url: Option<String>,
    /// OAuth2 authorization endpoint `paybridge auth` sends the operator
    /// to. Default: the token URL with its last segment `authorize`
    /// (`…/connect/token` → `…/connect/authorize`).
    pub authorize_url: Option<String>,
    /// Redirect URI registered for the OAuth2 app, for `paybridge auth`
    /// (`--redirect-uri` overrides it).
    pub redirect_uri: Option<String>,
    /// Header names that may carry secrets on API requests (e.g.
    /// `["X-Subscription-Key"]`). Absent: the connector's secret headers,
    /// except any carrying an OAuth2 credential.
    pub secret_headers: Option<Vec<String>>,
    /// Let the connector delete records in the target. Default false; the
    /// connector must also declare the `delete` capability.
    #[serde(default)]
    pub allow_deletes: bool,
    /// Most requests one read of the target may send. Default: a million,
    /// or 1000 plus 20 per HR employee where that is more.
    pub max_read_requests: Option<u64>,
    /// Most requests one run may send, reads and writes. Default: 5 reads'
    /// worth plus 20 per employee in scope.
    pub max_run_requests: Option<u64>,
    /// When `paybridge schedule run-due` syncs it: days and times, e.g.
    /// "mon,thu 06:00" (see [`crate::schedule`]).
    pub schedule: Option<String>,
    /// IANA time zone of `schedule`; the configuration's `timezone` when absent.
    pub timezone: Option<String>,
    /// How `paybridge watch` pushes HR changes to this target.
    #[serde(default)]
    pub watch: Option<WatchConfig>,
    /// Requests in flight at once. Default 4.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Retries after the first attempt on timeouts, 5xx and 429. Default 3.
    #[serde(default = "default_retries")]
    pub max_retries: u32,
    /// First backoff in milliseconds, doubled each retry. Default 500.
    #[serde(default = "default_backoff")]
    pub retry_backoff_ms: u64,
    /// Per-request timeout in seconds. Default 30.
    #[serde(default = "default_timeout")]
    pub request_timeout_secs: u64,
    /// Fuel (roughly, wasm instructions) one connector call of this
    /// integration may use; default 2 000 000 000. Raise it for a large
    /// company whose target list is parsed in one call.
    #[serde(default)]
    pub fuel: Option<u64>,
    /// MiB one connector call of this integration may use; default 64, at
    /// most 4096.
    #[serde(default)]
    pub memory_mib: Option<u64>,
    /// Run only a connector version signed by a key of `[trusted_keys]`.
    #[serde(default)]
    pub require_signature: bool,
}

/// Most memory an integration may give its connector calls.
const MAX_MEMORY_MIB: u64 = 4096;

fn default_database() -> PathBuf {
    "paybridge.db".into()
}
fn default_connectors() -> PathBuf {
    "connectors".into()
}
/// `[integration.watch]`: how `paybridge watch` pushes HR changes.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WatchConfig {
    /// Seconds between two reads of HR's changes. Default 60.
    pub interval_secs: Option<u64>,
    /// Seconds to wait after a change for more before syncing. Default 5.
    pub debounce_secs: Option<u64>,
    /// Connector settings for watch runs, over the integration's (Kontek:
    /// `field_set = "on-change"`, the seed's update-on-change fields).
    #[serde(default)]
    pub settings: BTreeMap<String, String>,
}

impl WatchConfig {
    /// The interval between reads.
    pub fn interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.interval_secs.unwrap_or(60).max(1))
    }

    /// The wait for more changes.
    pub fn debounce(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.debounce_secs.unwrap_or(5))
    }
}

fn default_alexishr_token_env() -> String {
    "ALEXISHR_TOKEN".into()
}
fn default_page_size() -> u32 {
    100
}
fn default_timezone() -> String {
    "Europe/Oslo".into()
}
/// The default cap on requests per read: a runaway guard, not a size limit.
pub const DEFAULT_READ_CAP: u64 = 1_000_000;

fn default_concurrency() -> usize {
    4
}
fn default_retries() -> u32 {
    3
}
fn default_backoff() -> u64 {
    500
}
fn default_timeout() -> u64 {
    30
}
fn default_call_deadline() -> u64 {
    30
}

impl Config {
    /// A configuration with defaults and the given paths, no integrations
    /// (the demo and tests).
    pub fn new(database: PathBuf, connectors_dir: PathBuf, hr_snapshot: PathBuf) -> Self {
        Self {
            database,
            connectors_dir,
            hr_snapshot: Some(hr_snapshot),
            alexishr: None,
            timezone: default_timezone(),
            connector_deadline_secs: default_call_deadline(),
            auto_activate_connectors: false,
            trusted_keys: BTreeMap::new(),
            integrations: Vec::new(),
        }
    }

    /// Read and check `path`. Relative paths inside are taken relative to
    /// the file's folder.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading {}; copy examples/paybridge.toml to start", path.display()))?;
        let mut config: Config = toml::from_str(&text).with_context(|| format!("in {}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        for p in [&mut config.database, &mut config.connectors_dir].into_iter().chain(config.hr_snapshot.as_mut()) {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        config.check()?;
        Ok(config)
    }

    /// Refuse configurations that cannot work, saying why.
    pub fn check(&self) -> anyhow::Result<()> {
        self.time_zone()?;
        self.hr_source()?;
        crate::runtime::signing::check_trusted(&self.trusted_keys)?;
        if let Some(api) = &self.alexishr {
            if !(api.base_url.starts_with("https://") || api.base_url.starts_with("http://")) {
                bail!(
                    "[alexishr] base_url {:?} must start with https:// (or http:// for a local emulator)",
                    api.base_url
                );
            }
            crate::http::BaseUrl::parse(&api.base_url).context("[alexishr] base_url")?;
            if api.page_size == 0 {
                bail!("[alexishr] page_size must be at least 1");
            }
            if api.token_env.trim().is_empty() {
                bail!("[alexishr] token_env must name the environment variable holding the access token");
            }
        }
        let mut seen = std::collections::HashSet::new();
        for i in &self.integrations {
            if !seen.insert(i.name.as_str()) {
                bail!("integration {:?} is configured twice", i.name);
            }
            if !(i.base_url.starts_with("https://") || i.base_url.starts_with("http://")) {
                bail!(
                    "integration {}: base_url {:?} must start with https:// (or http:// for local emulators)",
                    i.name,
                    i.base_url
                );
            }
            crate::http::BaseUrl::parse(&i.base_url).with_context(|| format!("integration {}", i.name))?;
            if i.concurrency == 0 {
                bail!("integration {}: concurrency must be at least 1", i.name);
            }
            if i.fuel.is_some_and(|f| f < 1_000_000) {
                bail!("integration {}: fuel must be at least 1000000 (the default is 2000000000)", i.name);
            }
            if i.memory_mib.is_some_and(|m| m == 0 || m > MAX_MEMORY_MIB) {
                bail!("integration {}: memory_mib must be between 1 and {MAX_MEMORY_MIB} (the default is 64)", i.name);
            }
            if let Some(schedule) = &i.schedule {
                schedule
                    .parse::<crate::schedule::Schedule>()
                    .with_context(|| format!("integration {}: schedule", i.name))?;
            }
            self.time_zone_of(i)?;
        }
        Ok(())
    }

    /// Per-call limits of connectors under this configuration: the pool's
    /// memory slots are as large as the largest `memory_mib` asks.
    pub fn limits(&self) -> crate::runtime::Limits {
        let defaults = crate::runtime::Limits::default();
        let largest = self.integrations.iter().filter_map(|i| i.call_budget().memory_bytes).max().unwrap_or(0);
        crate::runtime::Limits {
            deadline: std::time::Duration::from_secs(self.connector_deadline_secs.max(1)),
            memory_ceiling: defaults.memory_ceiling.max(largest),
            ..defaults
        }
    }

    /// Where HR data comes from: `hr_snapshot` or `[alexishr]`, exactly one.
    pub fn hr_source(&self) -> anyhow::Result<HrSource<'_>> {
        match (&self.hr_snapshot, &self.alexishr) {
            (Some(path), None) => Ok(HrSource::Snapshot(path)),
            (None, Some(api)) => Ok(HrSource::AlexisHr(api)),
            (Some(_), Some(_)) => {
                bail!("both hr_snapshot and [alexishr] are set; keep the one HR source you use")
            }
            (None, None) => bail!(
                "no HR source: set hr_snapshot = \"FILE\" (an AlexisHR export) or an [alexishr] section with base_url (the live API)"
            ),
        }
    }

    /// The configured time zone.
    pub fn time_zone(&self) -> anyhow::Result<jiff::tz::TimeZone> {
        jiff::tz::TimeZone::get(&self.timezone)
            .with_context(|| format!("unknown time zone {:?}; use an IANA name such as Europe/Oslo", self.timezone))
    }

    /// The time zone of `integration`'s schedule: its own, else the
    /// configuration's.
    pub fn time_zone_of(&self, integration: &IntegrationConfig) -> anyhow::Result<jiff::tz::TimeZone> {
        match &integration.timezone {
            Some(name) => jiff::tz::TimeZone::get(name).with_context(|| {
                format!(
                    "integration {}: unknown time zone {name:?}; use an IANA name such as Europe/Oslo",
                    integration.name
                )
            }),
            None => self.time_zone(),
        }
    }

    /// The integration called `name`.
    pub fn integration(&self, name: &str) -> anyhow::Result<&IntegrationConfig> {
        self.integrations.iter().find(|i| i.name == name).with_context(|| {
            let names: Vec<&str> = self.integrations.iter().map(|i| i.name.as_str()).collect();
            format!("no integration named {name:?}; configured: {}", names.join(", "))
        })
    }
}

impl IntegrationConfig {
    /// Most requests one read of the target may send, for an HR side of
    /// `hr_employees`: `max_read_requests`, or by default a generous
    /// runaway guard that no real company reaches: a million requests, or
    /// 1000 plus 20 per employee where that is more.
    pub fn read_cap(&self, hr_employees: usize) -> u64 {
        self.max_read_requests.unwrap_or(DEFAULT_READ_CAP.max(1000 + 20 * hr_employees as u64))
    }

    /// A configuration with defaults, for the demo and tests.
    pub fn new(name: &str, connector: &str, base_url: &str) -> Self {
        Self {
            name: name.into(),
            connector: connector.into(),
            version: None,
            base_url: base_url.into(),
            secrets: BTreeMap::new(),
            scope: Scope::default(),
            settings: BTreeMap::new(),
            token_url: None,
            authorize_url: None,
            redirect_uri: None,
            secret_headers: None,
            allow_deletes: false,
            max_read_requests: None,
            max_run_requests: None,
            schedule: None,
            timezone: None,
            watch: None,
            concurrency: default_concurrency(),
            max_retries: default_retries(),
            retry_backoff_ms: default_backoff(),
            request_timeout_secs: default_timeout(),
            fuel: None,
            memory_mib: None,
            require_signature: false,
        }
    }

    /// What each connector call of this integration may use.
    pub fn call_budget(&self) -> crate::runtime::connector::CallBudget {
        crate::runtime::connector::CallBudget {
            fuel: self.fuel,
            memory_bytes: self.memory_mib.map(|mib| (mib.min(MAX_MEMORY_MIB) as usize) << 20),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_integrations_memory_raises_the_pools_ceiling_and_bad_budgets_are_refused() {
        let mut config = Config::new("db".into(), "connectors".into(), "hr.json".into());
        let mut big = IntegrationConfig::new("big", "twentyfour-seven", "https://api.example");
        big.memory_mib = Some(256);
        big.fuel = Some(50_000_000_000);
        config.integrations = vec![big, IntegrationConfig::new("small", "twentyfour-seven", "https://b.example")];
        let limits = config.limits();
        assert_eq!((limits.memory_bytes, limits.memory_ceiling), (64 << 20, 256 << 20));
        assert_eq!(config.integrations[0].call_budget().memory_bytes, Some(256 << 20));
        assert_eq!(config.integrations[1].call_budget(), crate::runtime::connector::CallBudget::default());
        config.check().expect("valid");
        config.integrations[0].memory_mib = Some(0);
        assert!(config.check().expect_err("0 MiB").to_string().contains("memory_mib"));
        config.integrations[0].memory_mib = None;
        config.integrations[0].fuel = Some(10);
        assert!(config.check().expect_err("too little fuel").to_string().contains("fuel must be"));
    }

    #[test]
    fn the_example_configuration_parses() {
        let text = include_str!("../../examples/paybridge.toml");
        let config: Config = toml::from_str(text).expect("example parses");
        config.check().expect("example is valid");
        assert!(!config.integrations.is_empty());
    }

    #[test]
    fn exactly_one_hr_source_is_required() {
        let none: Config = toml::from_str("database = \"x.db\"\n").expect("parses");
        assert!(none.check().expect_err("refused").to_string().contains("no HR source"));
        let both: Config =
            toml::from_str("hr_snapshot = \"s.json\"\n[alexishr]\nbase_url = \"https://api.alexishr.com/v1\"\n")
                .expect("parses");
        assert!(both.check().expect_err("refused").to_string().contains("both"));
        let live: Config = toml::from_str("[alexishr]\nbase_url = \"https://api.alexishr.com/v1\"\n").expect("parses");
        live.check().expect("valid");
        let Ok(HrSource::AlexisHr(api)) = live.hr_source() else { panic!("the live source") };
        assert_eq!((api.token_env.as_str(), api.page_size), ("ALEXISHR_TOKEN", 100));
    }

    #[test]
    fn an_unknown_key_is_refused_with_its_name() {
        let err = toml::from_str::<Config>("hr_snapshot = \"x\"\ndatabse = \"y\"\n").expect_err("refused");
        assert!(err.to_string().contains("databse"));
    }
}
