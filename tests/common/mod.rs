//! Shared set-up for the end-to-end tests: the real host, the real built
//! components (built by `paybridge-components`, named by its constants), a
//! real SQLite file in a temporary folder and the 24SevenOffice emulator on
//! loopback.

#![allow(dead_code)]

pub mod company;

use paybridge::app::App;
use paybridge::config::{Config, IntegrationConfig};
use paybridge::http::Secrets;
use paybridge::runtime::Limits;
use paybridge::source::{HrSnapshot, parse_snapshot};
use paybridge::sync::{RunReport, SyncError, SyncOptions};
use paybridge_emulators::twentyfour_seven::{Emulator, Settings};
use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A built component, given by its constant in `paybridge_components`
/// (`component(TEST_GUEST_HOSTILE)`), or a panic that says how to rebuild it.
pub fn component(path: &str) -> PathBuf {
    let path = PathBuf::from(path);
    assert!(
        path.exists(),
        "{} is missing: the build script of paybridge-components builds it; `touch components/build.rs` and test again",
        path.display()
    );
    path
}

/// A folder `connectors` in `dir` holding the real connectors
/// (`paybridge_components::CONNECTORS`), as `make plugins` fills the
/// product's `connectors/`.
pub fn connectors_in(dir: &Path) -> PathBuf {
    let folder = dir.join("connectors");
    std::fs::create_dir_all(&folder).expect("connectors folder");
    for (package, path) in paybridge_components::CONNECTORS {
        std::fs::copy(component(path), folder.join(format!("{package}.wasm"))).expect("connector copied");
    }
    folder
}

/// The 24SevenOffice connector as built against contract 1.0 (kept as a
/// fixture: `tests/fixtures/README.md`).
pub fn twentyfour_seven_contract_1() -> PathBuf {
    root().join("tests/fixtures/twentyfour-seven-1.0.0-contract-1.wasm")
}

/// The built 24SevenOffice connector with `from` replaced by `to` (as long)
/// in its data: a second version of it, e.g. `b"twentyfour-seven2.0.0"` →
/// `b"twentyfour-seven2.0.1"` patches the manifest's version.
pub fn twentyfour_seven_patched(from: &[u8], to: &[u8]) -> Vec<u8> {
    let bytes = std::fs::read(component(paybridge_components::TWENTYFOUR_SEVEN)).expect("connector");
    let at = bytes.windows(from.len()).position(|w| w == from).expect("marker in data segment");
    let mut out = bytes.clone();
    out[at..at + to.len()].copy_from_slice(to);
    out
}

/// The sample HR snapshot of `examples/`.
pub fn sample_snapshot() -> HrSnapshot {
    let text = std::fs::read_to_string(root().join("examples/hr-snapshot.json")).expect("examples/hr-snapshot.json");
    parse_snapshot(&text, &oslo()).expect("sample snapshot parses")
}

pub fn oslo() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Europe/Oslo").expect("tz")
}

/// Host + emulator + store for one test.
pub struct Harness {
    pub app: App,
    pub emulator: Emulator,
    pub token: String,
    _dir: tempfile::TempDir,
}

pub const INTEGRATION: &str = "24so";

impl Harness {
    /// A harness holding `snapshot` as the HR side.
    pub async fn new(snapshot: &HrSnapshot) -> Self {
        Self::with_limits(snapshot, Limits::default()).await
    }

    pub async fn with_limits(snapshot: &HrSnapshot, limits: Limits) -> Self {
        Self::with_connectors(snapshot, limits, connectors_in).await
    }

    /// A harness whose connectors folder `fill` makes in the test's folder.
    pub async fn with_connectors(snapshot: &HrSnapshot, limits: Limits, fill: impl FnOnce(&Path) -> PathBuf) -> Self {
        let emulator = Emulator::start(Settings::default()).await.expect("emulator starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let mut integration = IntegrationConfig::new(INTEGRATION, "twentyfour-seven", &emulator.base_url());
        integration.secrets.insert("token".into(), "UNUSED_IN_TESTS".into());
        integration.retry_backoff_ms = 10;
        let mut config = Config::new(dir.path().join("paybridge.db"), fill(dir.path()), dir.path().join("unused.json"));
        config.integrations = vec![integration];
        let app = App::open(config, limits).expect("app opens");
        app.import(snapshot).expect("import");
        let token = emulator.access_token();
        Self { app, emulator, token, _dir: dir }
    }

    pub fn secrets(&self) -> Secrets {
        Secrets::from_pairs(&[("token", &self.token)])
    }

    pub async fn try_sync(&self, options: SyncOptions) -> Result<RunReport, SyncError> {
        self.app.sync(INTEGRATION, &options, Some(self.secrets()), None).await
    }

    pub async fn sync(&self) -> RunReport {
        self.try_sync(SyncOptions::default()).await.expect("sync runs")
    }

    pub fn integration_mut(&mut self) -> &mut IntegrationConfig {
        &mut self.app.config.integrations[0]
    }
}

/// An app on a fresh SQLite file in a temporary folder, with the built
/// connectors and `snapshot` imported.
pub fn open_app(mut integration: IntegrationConfig, snapshot: &HrSnapshot, limits: Limits) -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    integration.retry_backoff_ms = 10;
    let mut config =
        Config::new(dir.path().join("paybridge.db"), connectors_in(dir.path()), dir.path().join("unused.json"));
    config.integrations = vec![integration];
    let app = App::open(config, limits).expect("app opens");
    app.import(snapshot).expect("import");
    (app, dir)
}

/// Host + Nmbrs emulator + store for one test.
pub struct NmbrsHarness {
    pub app: App,
    pub emulator: paybridge_emulators::nmbrs::Emulator,
    _dir: tempfile::TempDir,
}

pub const NMBRS: &str = "nmbrs";

impl NmbrsHarness {
    /// A harness with `page_size` items per page.
    pub async fn new(snapshot: &HrSnapshot, page_size: usize) -> Self {
        let emulator = paybridge_emulators::nmbrs::Emulator::start(Default::default()).await.expect("emulator starts");
        let mut integration = IntegrationConfig::new(NMBRS, "nmbrs", &emulator.base_url());
        integration.token_url = Some(emulator.token_url());
        integration.secret_headers = Some(vec!["X-Subscription-Key".into()]);
        let company = emulator.settings().companies[0].0.clone();
        integration.settings.insert("company_id".into(), company);
        integration.settings.insert("page_size".into(), page_size.to_string());
        let (app, dir) = open_app(integration, snapshot, Limits::default());
        Self { app, emulator, _dir: dir }
    }

    pub fn secrets(&self) -> Secrets {
        let s = self.emulator.settings();
        Secrets::from_pairs(&[
            ("client_id", &s.client_id),
            ("client_secret", &s.client_secret),
            ("subscription_key", &s.subscription_key),
            ("refresh_token", &s.refresh_token),
        ])
    }

    pub async fn try_sync(&self, options: SyncOptions) -> Result<RunReport, SyncError> {
        self.app.sync(NMBRS, &options, Some(self.secrets()), None).await
    }

    pub async fn sync(&self) -> RunReport {
        self.try_sync(SyncOptions::default()).await.expect("sync runs")
    }
}

/// The outcome name of employee number `number`.
pub fn outcome_of<'a>(report: &'a RunReport, number: &str) -> &'a paybridge::sync::EmployeeReport {
    report
        .employees
        .iter()
        .find(|e| e.employee_number.as_deref() == Some(number))
        .unwrap_or_else(|| panic!("employee {number} not in the report"))
}

/// Everything paybridge logs from now on (and every warning), for tests
/// that check what reaches the logs. Installs the global subscriber: call it at most once
/// per test binary.
pub fn capture_logs() -> LogBuffer {
    let buffer = LogBuffer::default();
    let writer = buffer.clone();
    // paybridge's own lines, without timestamps: a timestamp or a port in
    // a dependency's line can hold the same five digits as a secret.
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("paybridge=trace,warn"))
        .without_time()
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber in this test binary");
    buffer
}

/// Captured log output.
#[derive(Clone, Default)]
pub struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl LogBuffer {
    /// What was logged so far.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
