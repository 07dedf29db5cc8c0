//! The web console in a real headless Chromium, driven through
//! chromedriver (WebDriver), against the real host and the 24SevenOffice
//! emulator over loopback: sign in with a token, start a dry run and read
//! its masked plan, sync, disconnect and connect an employee, upload a
//! connector version, read its shadow plan and roll back.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`make browser-deps`,
//! which `.ci/run` calls). Without them the test says so and passes,
//! unless `PAYBRIDGE_REQUIRE_BROWSER=1` (set by `.ci/run`), where it fails.
//! `PAYBRIDGE_SCREENSHOTS=DIR` keeps a screenshot of each main page there
//! (`make screenshots` refreshes the ones in `docs/screenshots/`).

mod common;

use common::{Harness, INTEGRATION, sample_snapshot};
use fantoccini::{Client, ClientBuilder, Locator};
use paybridge::serve::{ServeOptions, serve};
use paybridge::store::api_tokens::Role;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// chromedriver and chromium, from the environment or Debian's places.
fn browser() -> Option<(PathBuf, PathBuf)> {
    let found = |var: &str, default: &str| {
        let path = std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from);
        path.exists().then_some(path)
    };
    Some((found("PAYBRIDGE_CHROMEDRIVER", "/usr/bin/chromedriver")?, found("PAYBRIDGE_CHROMIUM", "/usr/bin/chromium")?))
}

/// A chromedriver process, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_driver(chromedriver: &Path) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("addr").port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver { child, url: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + Duration::from_secs(20);
    while reqwest::get(format!("{}/status", driver.url)).await.is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not answer on port {port}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    driver
}

async fn open_browser(driver: &Driver, chromium: &Path, profile: &Path) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-quic", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector).capabilities(capabilities).connect(&driver.url).await.expect("a browser session")
}

/// Where screenshots go: `PAYBRIDGE_SCREENSHOTS`, or a temporary folder.
struct Shots {
    dir: PathBuf,
}

impl Shots {
    async fn take(&self, browser: &Client, name: &str) {
        let png = browser.screenshot().await.expect("a screenshot");
        assert!(png.starts_with(b"\x89PNG"), "{name} is a PNG");
        std::fs::write(self.dir.join(format!("{name}.png")), png).expect("writing the screenshot");
    }
}

/// The text of the page's `selector`, waited for.
async fn text_of(browser: &Client, selector: &str) -> String {
    let element = browser
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("{selector} never appeared: {e}"));
    element.text().await.expect("text")
}

/// Click `selector` and wait for the page it leads to (every button of
/// the console posts a form and lands on a new page).
async fn click(browser: &Client, selector: &str) {
    let element = browser.find(Locator::Css(selector)).await.unwrap_or_else(|e| panic!("no {selector}: {e}"));
    follow(browser, element).await;
}

/// Click `element` and wait until the page it was on is gone.
async fn follow(browser: &Client, element: fantoccini::elements::Element) {
    let old = browser.find(Locator::Css("html")).await.expect("a page");
    element.click().await.expect("click");
    let deadline = Instant::now() + Duration::from_secs(30);
    while old.tag_name().await.is_ok() {
        assert!(Instant::now() < deadline, "the click led nowhere");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Wait until the run page shown is no longer running (it reloads itself).
async fn run_page_settled(browser: &Client) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let heading = text_of(browser, "h1").await;
        if !heading.contains("running") {
            return heading;
        }
        assert!(Instant::now() < deadline, "the run page still says running: {heading}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_runs_a_dry_run_shows_its_plan_links_an_employee_and_swaps_a_connector_in_chromium() {
    let Some((chromedriver, chromium)) = browser() else {
        assert!(
            std::env::var_os("PAYBRIDGE_REQUIRE_BROWSER").is_none(),
            "PAYBRIDGE_REQUIRE_BROWSER is set but chromium or chromedriver is missing: make browser-deps"
        );
        eprintln!("SKIPPED: no /usr/bin/chromium or /usr/bin/chromedriver; `make browser-deps` installs them");
        return;
    };
    let h = Harness::new(&sample_snapshot()).await;
    let admin = h.app.store.create_api_token("console-admin", Role::Admin).expect("token");
    let secrets = HashMap::from([(INTEGRATION.to_owned(), h.secrets())]);
    let emulator = h.emulator;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = ServeOptions { tick: Duration::from_secs(3600), secrets, ..ServeOptions::default() };
    let server = tokio::spawn(serve(Arc::new(h.app), listener, options, async {
        let _ = stopped.await;
    }));

    let temp = tempfile::tempdir().expect("temp");
    let shots =
        Shots { dir: std::env::var_os("PAYBRIDGE_SCREENSHOTS").map_or_else(|| temp.path().to_owned(), PathBuf::from) };
    std::fs::create_dir_all(&shots.dir).expect("screenshot folder");
    let driver = start_driver(&chromedriver).await;
    let browser = open_browser(&driver, &chromium, &temp.path().join("profile")).await;

    // Signing in: a page asked for without a session leads to the form.
    browser.goto(&format!("{base}/connectors")).await.expect("goto");
    assert_eq!(text_of(&browser, "h1").await, "Sign in");
    browser.find(Locator::Css("#token")).await.expect("token field").send_keys("pb_wrong").await.expect("type");
    click(&browser, "form[action='/login'] button").await;
    assert!(text_of(&browser, "[role=alert]").await.contains("not known"), "a wrong token is refused");
    browser.find(Locator::Css("#token")).await.expect("token field").send_keys(&admin).await.expect("type");
    click(&browser, "form[action='/login'] button").await;
    assert_eq!(text_of(&browser, "h1").await, "Connectors", "back where the person wanted to go");

    // The integrations page: start a dry run, read its plan.
    browser.goto(&base).await.expect("goto");
    let row = format!("tr[data-integration='{INTEGRATION}']");
    assert!(text_of(&browser, &row).await.contains("never run"));
    click(&browser, &format!("{row} button[value='dry-run']")).await;
    let heading = run_page_settled(&browser).await;
    assert!(heading.contains("succeeded") && heading.contains("dry run"), "{heading}");
    let plan = text_of(&browser, "#outcomes").await;
    assert!(plan.contains("planned") && plan.contains("→"), "the plan shows before → after: {plan}");
    assert!(plan.contains("Kari") && plan.contains("••••"), "names shown, national ids and accounts masked: {plan}");
    assert!(!plan.contains("14838512470"), "no national id in clear: {plan}");
    assert!(emulator.write_requests().is_empty(), "a dry run writes nothing");
    shots.take(&browser, "console-run").await;

    // Sync for real, then disconnect one employee and connect it again.
    browser.goto(&base).await.expect("goto");
    click(&browser, &format!("{row} button[value='sync']")).await;
    let heading = run_page_settled(&browser).await;
    assert!(heading.contains("succeeded"), "{heading}");
    assert!(!emulator.employees().is_empty());
    browser.goto(&format!("{base}/integrations/{INTEGRATION}/links?state=connected")).await.expect("goto");
    let first = browser.find(Locator::Css("#links tbody tr")).await.expect("a connected employee");
    let hr = first.attr("data-hr").await.expect("attr").expect("data-hr");
    let target = first.find(Locator::Css("td:nth-child(4)")).await.expect("cell").text().await.expect("text");
    let target = target.lines().next().unwrap_or_default().trim().to_owned();
    assert!(!target.is_empty(), "a connected employee shows its target id");
    follow(&browser, first.find(Locator::Css("button.danger")).await.expect("disconnect")).await;
    assert!(text_of(&browser, "p.note").await.starts_with("Disconnected"));
    browser.goto(&format!("{base}/integrations/{INTEGRATION}/links?state=not-connected")).await.expect("goto");
    let form = format!("tr[data-hr='{hr}'] form");
    browser
        .find(Locator::Css(&format!("{form} input[name=target]")))
        .await
        .expect("field")
        .send_keys(&target)
        .await
        .expect("type");
    click(&browser, &format!("{form} button")).await;
    assert_eq!(text_of(&browser, "p.note").await, format!("Connected {hr} to {target}."));
    browser.goto(&format!("{base}/integrations/{INTEGRATION}/links?state=connected")).await.expect("goto");
    assert!(text_of(&browser, &format!("tr[data-hr='{hr}']")).await.contains("manual"), "linked by hand");
    shots.take(&browser, "console-links").await;
    browser.goto(&base).await.expect("goto");
    assert!(text_of(&browser, &row).await.contains("succeeded"), "the last run's outcome");
    shots.take(&browser, "console-integrations").await;

    // Connectors: upload 1.0.0 beside the active 2.0.0, its shadow plan, activate, roll back.
    browser.goto(&format!("{base}/connectors")).await.expect("goto");
    let older = common::twentyfour_seven_contract_1();
    let older = std::fs::canonicalize(&older).expect("the 1.0.0 fixture");
    browser
        .find(Locator::Css("#upload input[type=file]"))
        .await
        .expect("file field")
        .send_keys(&older.display().to_string())
        .await
        .expect("choose");
    click(&browser, "#upload button").await;
    assert_eq!(text_of(&browser, "p.note").await, "Loaded twentyfour-seven@1.0.0: activate it to use it.");
    let version = "table[data-connector='twentyfour-seven'] tr[data-version='1.0.0']";
    click(&browser, &format!("{version} form[action$='/shadow'] button")).await;
    let verdict = text_of(&browser, "#verdict").await;
    assert!(verdict.contains("planned alike"), "{verdict}");
    shots.take(&browser, "console-shadow").await;
    browser.goto(&format!("{base}/connectors")).await.expect("goto");
    click(&browser, &format!("{version} form[action$='/activate'] button")).await;
    assert_eq!(text_of(&browser, "p.note").await, "twentyfour-seven@1.0.0 is active: the next runs take it.");
    assert!(text_of(&browser, version).await.contains("active"));
    shots.take(&browser, "console-connectors").await;
    click(&browser, "form[action='/connectors/twentyfour-seven/rollback'] button").await;
    assert_eq!(text_of(&browser, "p.note").await, "Rolled back: twentyfour-seven@2.0.0 is active again.");
    let active: serde_json::Value = reqwest::Client::new()
        .get(format!("{base}/api/connectors"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("json");
    let active: Vec<&str> = active
        .as_array()
        .expect("list")
        .iter()
        .filter(|c| c["name"] == "twentyfour-seven" && c["active"] == true)
        .filter_map(|c| c["version"].as_str())
        .collect();
    assert_eq!(active, ["2.0.0"], "the rollback reached the server");

    // Signing out ends the session.
    click(&browser, "form[action='/logout'] button").await;
    assert_eq!(text_of(&browser, "h1").await, "Sign in");
    browser.goto(&base).await.expect("goto");
    assert_eq!(text_of(&browser, "h1").await, "Sign in");

    browser.close().await.expect("close");
    let _ = stop.send(());
    server.await.expect("joined").expect("the server stops cleanly");
}
