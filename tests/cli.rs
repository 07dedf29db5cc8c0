//! The `paybridge` binary as a user runs it: a paybridge.toml, a secret in
//! the environment, the 24SevenOffice emulator on loopback.

mod common;

use common::{connectors_in, root};
use paybridge_emulators::twentyfour_seven::{Emulator, Settings};
use std::process::{Command, Output};

fn paybridge(config: &std::path::Path, args: &[&str], token: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_paybridge"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("TEST_24SO_TOKEN", token)
        .output()
        .expect("paybridge runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

async fn setup() -> (Emulator, tempfile::TempDir, std::path::PathBuf) {
    let emulator = Emulator::start(Settings::default()).await.expect("emulator");
    let dir = tempfile::tempdir().expect("temp");
    let config = dir.path().join("paybridge.toml");
    let toml = format!(
        r#"
database = "paybridge.db"
connectors_dir = "{connectors}"
hr_snapshot = "{snapshot}"

[[integration]]
name = "24so"
connector = "twentyfour-seven"
base_url = "{base}"
retry_backoff_ms = 10
schedule = "mon,thu 06:00"

[integration.secrets]
token = "TEST_24SO_TOKEN"

[integration.scope]
test_employees = ["1001", "1002", "1009"]
"#,
        connectors = connectors_in(dir.path()).display(),
        snapshot = root().join("examples/hr-snapshot.json").display(),
        base = emulator.base_url(),
    );
    std::fs::write(&config, toml).expect("config written");
    (emulator, dir, config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connectors_are_installed_listed_with_the_integrations_running_them_and_removed_unless_active() {
    let (_emulator, _dir, config) = setup().await;
    let fixture = common::twentyfour_seven_contract_1();
    let fixture = fixture.to_str().expect("utf-8 path");
    let installed = paybridge(&config, &["connectors", "install", fixture], "x");
    assert!(installed.status.success() && text(&installed).contains("not active"), "{}", text(&installed));
    let list = paybridge(&config, &["connectors", "list"], "x");
    let line = |version: &str| {
        let listed = text(&list);
        listed.lines().find(|l| l.starts_with("twentyfour-seven") && l.contains(version)).unwrap_or("").to_owned()
    };
    assert!(line(" 2.0.0 ").contains("runs 24so"), "{}", text(&list));
    assert!(line(" 1.0.0 ").contains("runs -"), "{}", text(&list));

    let active = paybridge(&config, &["connectors", "remove", "twentyfour-seven", "2.0.0"], "x");
    assert!(!active.status.success() && text(&active).contains("is the active version"), "{}", text(&active));
    let removed = paybridge(&config, &["connectors", "remove", "twentyfour-seven", "1.0.0"], "x");
    assert!(
        removed.status.success() && text(&removed).contains("removed twentyfour-seven@1.0.0"),
        "{}",
        text(&removed)
    );
    let list = paybridge(&config, &["connectors", "list"], "x");
    assert!(!text(&list).contains(" 1.0.0 "), "gone at the next start too: {}", text(&list));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_where_every_employee_failed_exits_1_and_a_partial_one_exits_3() {
    use paybridge_emulators::faults::Fault;
    let (emulator, _dir, config) = setup().await;
    let token = emulator.access_token();
    emulator.push_fault(Fault::status("POST", "/employee/v2", 500, 100));
    let all_failed = paybridge(&config, &["sync", "--integration", "24so"], &token);
    assert_eq!(all_failed.status.code(), Some(1), "{}", text(&all_failed));
    assert!(text(&all_failed).contains("no employee went through"), "{}", text(&all_failed));

    // A fresh target that refuses only the second new employee's create
    // (a 400 is a definite refusal; a 500 may have been applied and is
    // verified by reading back).
    let (emulator, _dir, config) = setup().await;
    let token = emulator.access_token();
    emulator.push_fault(Fault::status("POST", "/employee/v2", 400, 1).after_matching(1));
    let partial = paybridge(&config, &["sync", "--integration", "24so"], &token);
    assert_eq!(partial.status.code(), Some(3), "{}", text(&partial));
    assert!(text(&partial).contains("the run was partial"), "{}", text(&partial));

    let whole = paybridge(&config, &["sync", "--integration", "24so"], &token);
    assert_eq!(whole.status.code(), Some(0), "the next run completes what failed: {}", text(&whole));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_runs_links_and_connectors_work_from_the_command_line() {
    let (emulator, _dir, config) = setup().await;
    let token = emulator.access_token();

    let dry = paybridge(&config, &["sync", "--integration", "24so", "--dry-run"], &token);
    assert!(dry.status.success(), "{}", text(&dry));
    assert!(text(&dry).contains("planned"), "{}", text(&dry));
    assert!(emulator.employees().is_empty(), "a dry run writes nothing");

    let sync = paybridge(&config, &["sync", "--integration", "24so", "--json"], &token);
    assert!(sync.status.success(), "{}", text(&sync));
    let report: serde_json::Value = serde_json::from_slice(&sync.stdout).expect("--json prints JSON");
    assert_eq!(report["status"], "succeeded");
    assert_eq!(emulator.employees().len(), 2);
    let eva = report["employees"].as_array().and_then(|a| a.iter().find(|e| e["employee_number"] == "1009")).cloned();
    assert_eq!(eva.as_ref().map(|e| e["outcome"].clone()), Some("skipped".into()));

    let runs = paybridge(&config, &["runs", "show", "2"], &token);
    assert!(runs.status.success() && text(&runs).contains("journal:"), "{}", text(&runs));
    assert!(!text(&runs).contains(&token));

    let connected = paybridge(&config, &["links", "list", "--integration", "24so", "--state", "connected"], &token);
    assert_eq!(text(&connected).lines().filter(|l| l.contains("connected")).count(), 2, "{}", text(&connected));

    let off = paybridge(&config, &["links", "disconnect", "--integration", "24so", "1001"], &token);
    assert!(off.status.success(), "{}", text(&off));
    let not_connected =
        paybridge(&config, &["links", "list", "-i", "24so", "--state", "not-connected", "--json"], &token);
    let rows: serde_json::Value = serde_json::from_slice(&not_connected.stdout).expect("json");
    assert!(
        rows.as_array()
            .is_some_and(|r| r.iter().any(|x| x["employee_number"] == "1001" && x["state"] == "disconnected"))
    );

    let list = paybridge(&config, &["connectors", "list"], &token);
    assert!(text(&list).contains("twentyfour-seven") && text(&list).contains("active"), "{}", text(&list));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absences_of_a_chosen_period_are_exported_from_the_command_line_after_the_employees() {
    let (emulator, _dir, config) = setup().await;
    let token = emulator.access_token();
    let march = ["absences", "sync", "--integration", "24so", "--from", "2026-03-01", "--to", "2026-03-31"];

    let reversed =
        paybridge(&config, &["absences", "sync", "-i", "24so", "--from", "2026-03-31", "--to", "2026-03-01"], &token);
    assert!(!reversed.status.success() && text(&reversed).contains("before"), "{}", text(&reversed));
    let early = paybridge(&config, &march, &token);
    assert!(early.status.success(), "{}", text(&early));
    assert!(text(&early).contains("sync the employee first"), "{}", text(&early));
    assert!(emulator.absences().is_empty() && emulator.employees().is_empty(), "nothing is created");

    let sync = paybridge(&config, &["sync", "--integration", "24so"], &token);
    assert!(sync.status.success(), "{}", text(&sync));
    let mut dry = march.to_vec();
    dry.push("--dry-run");
    let planned = paybridge(&config, &dry, &token);
    assert!(text(&planned).contains("add absence 04 2026-03-16"), "{}", text(&planned));
    assert!(emulator.absences().is_empty(), "a dry run writes nothing");

    let mut only_kari = march.to_vec();
    only_kari.extend(["--employees", "1001", "--json"]);
    let kari = paybridge(&config, &only_kari, &token);
    assert!(kari.status.success(), "{}", text(&kari));
    let report: serde_json::Value = serde_json::from_slice(&kari.stdout).expect("--json prints JSON");
    assert_eq!(report["employees"].as_array().map(Vec::len), Some(1), "only the employee named");
    assert_eq!(emulator.absences().len(), 2, "Kari's sick leave and vacation");

    let all = paybridge(&config, &march, &token);
    assert!(all.status.success(), "{}", text(&all));
    assert!(text(&all).contains("absence 2026-03-16 .. 2026-03-20  Ferie"), "each absence listed: {}", text(&all));
    assert!(text(&all).contains("unchanged"), "Kari's went out before: {}", text(&all));
    let held = emulator.absences();
    assert_eq!(held.len(), 3, "and Ola's day with his sick child: {held:?}");
    let child = emulator.children(1002);
    assert_eq!(child.len(), 1);
    assert!(held.iter().any(|a| a["absenceType"] == "02" && a["childId"] == child[0]["childId"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_secret_and_an_unknown_integration_fail_with_a_clear_message() {
    let (_emulator, _dir, config) = setup().await;
    let missing = Command::new(env!("CARGO_BIN_EXE_paybridge"))
        .arg("--config")
        .arg(&config)
        .args(["sync", "--integration", "24so"])
        .env_remove("TEST_24SO_TOKEN")
        .output()
        .expect("runs");
    assert!(!missing.status.success());
    assert!(text(&missing).contains("set the environment variable TEST_24SO_TOKEN"), "{}", text(&missing));

    let unknown = paybridge(&config, &["sync", "--integration", "nope"], "x");
    assert!(!unknown.status.success());
    assert!(text(&unknown).contains("no integration named \"nope\"; configured: 24so"), "{}", text(&unknown));
}

#[test]
fn a_malformed_config_names_the_problem() {
    let dir = tempfile::tempdir().expect("temp");
    let config = dir.path().join("paybridge.toml");
    std::fs::write(&config, "hr_snapshot = 3\n").expect("written");
    let out = paybridge(&config, &["connectors", "list"], "x");
    assert!(!out.status.success());
    assert!(text(&out).contains("hr_snapshot"), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sync_processes_for_one_integration_never_write_at_once_the_second_is_refused_clearly() {
    let (emulator, _dir, config) = setup().await;
    // Slow enough that the first process is still syncing when the second starts.
    emulator.set_latency(std::time::Duration::from_millis(400));
    let token = emulator.access_token();
    let first = Command::new(env!("CARGO_BIN_EXE_paybridge"))
        .arg("--config")
        .arg(&config)
        .args(["sync", "--integration", "24so"])
        .env("TEST_24SO_TOKEN", &token)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("first process starts");
    // Wait until the first process has sent its first request: it holds the lock.
    for _ in 0..200 {
        if !emulator.requests().is_empty() || emulator.max_in_flight() > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let second = paybridge(&config, &["sync", "--integration", "24so"], &token);
    assert!(!second.status.success(), "{}", text(&second));
    assert!(
        text(&second).contains("being synced by another run") && text(&second).contains("pid"),
        "{}",
        text(&second)
    );
    let first = first.wait_with_output().expect("first process ends");
    assert!(first.status.success(), "{}", text(&first));
    let creates = emulator.write_requests().iter().filter(|r| r.path == "/employee/v2").count();
    assert_eq!(creates, emulator.employees().len(), "one create per employee: only one process wrote");
}

/// The Nmbrs part of `examples/paybridge.toml`, pointed at the emulator.
async fn nmbrs_setup() -> (paybridge_emulators::nmbrs::Emulator, tempfile::TempDir, std::path::PathBuf) {
    let emulator = paybridge_emulators::nmbrs::Emulator::start(Default::default()).await.expect("emulator");
    let dir = tempfile::tempdir().expect("temp");
    let config = dir.path().join("paybridge.toml");
    let s = emulator.settings();
    let toml = format!(
        r#"
database = "paybridge.db"
connectors_dir = "{connectors}"
hr_snapshot = "{snapshot}"

[[integration]]
name = "nmbrs"
connector = "nmbrs"
base_url = "{base}"
token_url = "{token}"
redirect_uri = "{redirect}"
secret_headers = ["X-Subscription-Key"]
retry_backoff_ms = 10

[integration.secrets]
client_id = "TEST_NMBRS_CLIENT_ID"
client_secret = "TEST_NMBRS_CLIENT_SECRET"
subscription_key = "TEST_NMBRS_SUBSCRIPTION_KEY"
refresh_token = "TEST_NMBRS_REFRESH_TOKEN"

[integration.settings]
company_id = "{company}"
page_size = "100"

[integration.scope]
test_employees = ["1001", "1002"]
"#,
        connectors = connectors_in(dir.path()).display(),
        snapshot = root().join("examples/hr-snapshot.json").display(),
        base = emulator.base_url(),
        token = emulator.token_url(),
        redirect = s.redirect_uri,
        company = s.companies[0].0,
    );
    std::fs::write(&config, toml).expect("config written");
    (emulator, dir, config)
}

fn nmbrs_cli(emulator: &paybridge_emulators::nmbrs::Emulator, config: &std::path::Path, args: &[&str]) -> Output {
    let s = emulator.settings();
    Command::new(env!("CARGO_BIN_EXE_paybridge"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("TEST_NMBRS_CLIENT_ID", &s.client_id)
        .env("TEST_NMBRS_CLIENT_SECRET", &s.client_secret)
        .env("TEST_NMBRS_SUBSCRIPTION_KEY", &s.subscription_key)
        .env_remove("TEST_NMBRS_REFRESH_TOKEN")
        .output()
        .expect("paybridge runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nmbrs_is_authorized_once_from_the_command_line_and_every_sync_renews_the_kept_token() {
    let (emulator, _dir, config) = nmbrs_setup().await;
    let before = nmbrs_cli(&emulator, &config, &["sync", "--integration", "nmbrs"]);
    assert!(!before.status.success());
    assert!(text(&before).contains("paybridge auth"), "says how to authorize: {}", text(&before));

    let code = emulator.settings().authorization_code.clone();
    let auth = nmbrs_cli(&emulator, &config, &["auth", "nmbrs", "--code", &code]);
    assert!(auth.status.success(), "{}", text(&auth));
    assert!(text(&auth).contains("authorized nmbrs"), "{}", text(&auth));

    for run in 1..=2 {
        let sync = nmbrs_cli(&emulator, &config, &["sync", "--integration", "nmbrs", "--json"]);
        assert!(sync.status.success(), "run {run}: {}", text(&sync));
        let report: serde_json::Value = serde_json::from_slice(&sync.stdout).expect("--json prints JSON");
        assert_eq!(report["status"], "succeeded", "run {run}");
        let shown = text(&sync);
        assert!(!shown.contains(&emulator.current_refresh_token()), "the refresh token never shows");
        if run == 2 {
            assert_eq!(report["writes_sent"], 0, "a second sync writes nothing");
        }
    }
    assert!(emulator.employee_by_number(1001).is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedule_show_and_run_due_work_from_the_command_line() {
    let (emulator, _dir, config) = setup().await;
    let token = emulator.access_token();
    let show = paybridge(&config, &["schedule", "show"], &token);
    assert!(show.status.success() && text(&show).contains("mon,thu 06:00"), "{}", text(&show));
    let due = paybridge(&config, &["schedule", "run-due", "--json"], &token);
    assert!(due.status.success(), "{}", text(&due));
    let lines: serde_json::Value = serde_json::from_slice(&due.stdout).expect("--json prints JSON");
    assert_eq!(lines[0]["outcome"], "first seen", "a schedule counts from when it is first seen");
    assert!(emulator.write_requests().is_empty());
    let bad = dir_with(&config, "schedule = \"mon,thu 06:00\"", "schedule = \"someday 6\"");
    let refused = paybridge(&bad, &["schedule", "show"], &token);
    assert!(!refused.status.success() && text(&refused).contains("is no day"), "{}", text(&refused));
}

/// A copy of `config` beside it with `from` replaced by `to`.
fn dir_with(config: &std::path::Path, from: &str, to: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(config).expect("config").replace(from, to);
    let copy = config.with_file_name("edited.toml");
    std::fs::write(&copy, text).expect("written");
    copy
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_component_shows_its_signer_and_an_integration_requiring_a_signature_runs_only_a_trusted_one() {
    let (emulator, dir, config) = setup().await;
    let token = emulator.access_token();
    let key = dir.path().join("vendor.key");
    let made = paybridge(&config, &["connector", "keygen", "--out", key.to_str().expect("utf-8")], "x");
    assert!(made.status.success(), "{}", text(&made));
    let public = std::fs::read_to_string(dir.path().join("vendor.key.pub")).expect("public key file");
    assert!(public.starts_with("ed25519:"), "{public}");
    let trusting = |require: bool, trusted: bool| {
        let base = std::fs::read_to_string(&config).expect("config");
        let base = base.split("\n[trusted_keys]").next().unwrap_or_default().replace("require_signature = true\n", "");
        let base = if require {
            base.replace("retry_backoff_ms = 10\n", "retry_backoff_ms = 10\nrequire_signature = true\n")
        } else {
            base
        };
        let keys =
            if trusted { format!("\n[trusted_keys]\n\"Acme AS\" = \"{}\"\n", public.trim()) } else { String::new() };
        std::fs::write(&config, format!("{base}{keys}")).expect("config");
    };
    trusting(true, true);

    let unsigned = paybridge(&config, &["sync", "--integration", "24so", "--dry-run"], &token);
    assert_eq!(unsigned.status.code(), Some(1), "{}", text(&unsigned));
    assert!(
        text(&unsigned).contains("requires a trusted signature") && text(&unsigned).contains("unsigned"),
        "{}",
        text(&unsigned)
    );

    let release = dir.path().join("release.wasm");
    std::fs::copy(common::component(paybridge_components::TWENTYFOUR_SEVEN), &release).expect("release copy");
    let signed = paybridge(
        &config,
        &["connector", "sign", release.to_str().expect("utf-8"), "--key", key.to_str().expect("utf-8")],
        "x",
    );
    assert!(signed.status.success() && dir.path().join("release.wasm.sig").exists(), "{}", text(&signed));
    let installed = paybridge(&config, &["connectors", "install", release.to_str().expect("utf-8")], "x");
    assert!(installed.status.success() && text(&installed).contains("signed by Acme AS"), "{}", text(&installed));
    let sync = paybridge(&config, &["sync", "--integration", "24so", "--dry-run"], &token);
    assert!(sync.status.success(), "{}", text(&sync));

    // Another file with this signature: refused at install, nothing stored.
    let other = dir.path().join("other.wasm");
    std::fs::copy(common::twentyfour_seven_contract_1(), &other).expect("other copy");
    std::fs::copy(dir.path().join("release.wasm.sig"), dir.path().join("other.wasm.sig")).expect("sig copy");
    let forged = paybridge(&config, &["connectors", "install", other.to_str().expect("utf-8")], "x");
    assert_eq!(forged.status.code(), Some(1), "{}", text(&forged));
    assert!(text(&forged).contains("signature") && text(&forged).contains("does not verify"), "{}", text(&forged));
    let list = paybridge(&config, &["connectors", "list"], "x");
    assert!(!text(&list).contains(" 1.0.0 "), "{}", text(&list));
    assert!(text(&list).contains("signed by Acme AS"), "{}", text(&list));

    // The key no longer trusted: shown as such, and the integration refuses it.
    trusting(true, false);
    let list = paybridge(&config, &["connectors", "list"], "x");
    assert!(text(&list).contains("signed by an untrusted key ed25519:"), "{}", text(&list));
    let refused = paybridge(&config, &["sync", "--integration", "24so", "--dry-run"], &token);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    let check = paybridge(&config, &["connector", "check", release.to_str().expect("utf-8"), "--json"], "x");
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).expect("JSON");
    let signature = report["checks"].as_array().and_then(|c| c.iter().find(|c| c["name"] == "signature")).cloned();
    assert_eq!(signature.map(|s| s["status"].clone()), Some("pass".into()), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_compiles_only_the_versions_in_use_and_a_deferred_one_compiles_when_pinned() {
    let (emulator, dir, config) = setup().await;
    let token = emulator.access_token();
    let fixture = common::twentyfour_seven_contract_1();
    let installed = paybridge(&config, &["connectors", "install", fixture.to_str().expect("utf-8")], "x");
    assert!(installed.status.success(), "{}", text(&installed));
    let sha = text(&installed).split(".wasm").next().and_then(|s| s.rsplit('/').next()).unwrap_or_default().to_owned();
    assert_eq!(sha.len(), 64, "{}", text(&installed));
    // A new engine (a paybridge upgrade) finds no compiled artefacts.
    let artefacts = dir.path().join("paybridge.db.artefacts");
    std::fs::remove_dir_all(&artefacts).expect("artefacts cleared");
    let compiled_1 = || {
        std::fs::read_dir(&artefacts)
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with(&sha))
    };

    let list = paybridge(&config, &["connectors", "list", "--json"], "x");
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).expect("JSON");
    let row = |version: &str| {
        rows.as_array().and_then(|r| r.iter().find(|c| c["version"] == version)).cloned().unwrap_or_default()
    };
    assert_eq!(row("1.0.0")["compiled"], false, "{rows}");
    assert_eq!(row("2.0.0")["compiled"], true, "{rows}");
    assert!(!compiled_1(), "the unused version was not compiled");

    let pinned = std::fs::read_to_string(&config)
        .expect("config")
        .replace("connector = \"twentyfour-seven\"\n", "connector = \"twentyfour-seven\"\nversion = \"1.0.0\"\n");
    std::fs::write(&config, pinned).expect("config");
    let dry = paybridge(&config, &["sync", "--integration", "24so", "--dry-run"], &token);
    assert!(dry.status.success() && text(&dry).contains("twentyfour-seven@1.0.0"), "{}", text(&dry));
    assert!(compiled_1(), "pinned, it was compiled into the cache");

    // Unpinned and uncompiled again: removed without being compiled.
    let unpinned = std::fs::read_to_string(&config).expect("config").replace("version = \"1.0.0\"\n", "");
    std::fs::write(&config, unpinned).expect("config");
    std::fs::remove_dir_all(&artefacts).expect("artefacts cleared");
    let removed = paybridge(&config, &["connectors", "remove", "twentyfour-seven", "1.0.0"], "x");
    assert!(removed.status.success(), "{}", text(&removed));
    assert!(!compiled_1(), "removed without a compile");
    let list = paybridge(&config, &["connectors", "list"], "x");
    assert!(!text(&list).contains(" 1.0.0 "), "{}", text(&list));
}
