//! The vendor kit as a vendor meets it: `paybridge connector new` writes a
//! connector, its own build and golden test pass, `paybridge connector
//! check` passes, and an operator installs it and syncs it against the
//! fake target with `paybridge sync`. For Rust always; for Python where
//! componentize-py is installed (`make python-kit`; CI requires it with
//! `PAYBRIDGE_REQUIRE_PYTHON=1`). Also: the check fails a careless
//! component with the reason, and the vendor guide holds the template
//! files as they are.

mod common;

use common::{component, root};
use paybridge::kit::fake_target::{FakeTarget, FakeTargetConfig};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn paybridge(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_paybridge"))
        .current_dir(dir)
        .args(args)
        .env("ACME_TOKEN", "acme-secret-token")
        .output()
        .expect("paybridge runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Run a vendor's build step, with its output on failure.
fn step(what: &str, command: &mut Command) {
    let out = command.output().unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    assert!(out.status.success(), "{what} failed:\n{}", text(&out));
}

/// `connector check FILE --json` passes every check it runs, and runs them all.
fn check_passes(dir: &Path, file: &Path) {
    let out = paybridge(dir, &["connector", "check", file.to_str().expect("utf-8 path"), "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("--json prints JSON");
    let checks = report["checks"].as_array().expect("checks");
    for name in [
        "loads",
        "manifest",
        "prepare",
        "dry run",
        "sync",
        "second sync",
        "read-next",
        "import-employees",
        "determinism",
        "privacy",
    ] {
        let check = checks.iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no check {name}: {report}"));
        assert_eq!(check["status"], "pass", "{name}: {check}");
    }
}

/// An operator's paybridge: the component installed, one integration on
/// `fake` with the secret from ACME_TOKEN; two syncs, the second writes nothing.
async fn operator_syncs(work: &Path, file: &Path, name: &str) {
    let fake = FakeTarget::start(FakeTargetConfig { token: "acme-secret-token".into(), ..FakeTargetConfig::default() })
        .await
        .expect("fake target");
    let snapshot = root().join("examples/hr-snapshot.json");
    let config = format!(
        r#"
database = "paybridge.db"
connectors_dir = "connectors"
hr_snapshot = "{}"

[[integration]]
name = "acme"
connector = "{name}"
base_url = "{}"

[integration.secrets]
token = "ACME_TOKEN"

[integration.scope]
test_employees = ["1001", "1002", "1003"]
"#,
        snapshot.display(),
        fake.url
    );
    let operator = work.join("operator");
    std::fs::create_dir_all(&operator).expect("operator folder");
    std::fs::write(operator.join("paybridge.toml"), config).expect("config");
    let installed = paybridge(&operator, &["connectors", "install", file.to_str().expect("utf-8")]);
    assert!(installed.status.success(), "{}", text(&installed));
    let first = paybridge(&operator, &["sync", "--integration", "acme"]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(text(&first).contains("3 created"), "{}", text(&first));
    let held = fake.employees();
    assert_eq!(held.len(), 3);
    assert!(held.iter().any(|e| e["employeeNumber"] == "1001" && e["firstName"] == "Kari"), "{held:?}");
    let writes = fake.requests().iter().filter(|r| r.method != "GET").count();
    let second = paybridge(&operator, &["sync", "--integration", "acme"]);
    assert!(second.status.success() && text(&second).contains("3 unchanged"), "{}", text(&second));
    assert_eq!(fake.requests().iter().filter(|r| r.method != "GET").count(), writes, "the second sync wrote nothing");
}

/// Where template builds keep their output across test runs.
fn kit_target_dir() -> PathBuf {
    root().join("target/vendor-kit")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rust_template_builds_passes_its_golden_test_and_the_check_and_syncs() {
    let work = tempfile::tempdir().expect("temp");
    let made = paybridge(work.path(), &["connector", "new", "--lang", "rust", "acme-rust"]);
    assert!(made.status.success(), "{}", text(&made));
    let project = work.path().join("acme-rust");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let cargo = |args: &[&str]| {
        let mut c = Command::new(&cargo);
        c.current_dir(&project).args(args).env("CARGO_TARGET_DIR", kit_target_dir());
        c
    };
    step("the golden test (cargo test --release)", &mut cargo(&["test", "--release"]));
    // What a vendor starts from is clean by the usual gates.
    step("cargo fmt --check", &mut cargo(&["fmt", "--check"]));
    step("cargo clippy", &mut cargo(&["clippy", "--release", "--all-targets", "--", "-D", "warnings"]));
    step("the component build", &mut cargo(&["build", "--release", "--target", "wasm32-wasip2"]));
    let file = kit_target_dir().join("wasm32-wasip2/release/acme_rust.wasm");
    check_passes(work.path(), &file);
    operator_syncs(work.path(), &file, "acme-rust").await;
}

/// componentize-py: `PAYBRIDGE_COMPONENTIZE_PY`, else `make python-kit`'s
/// venv, else the PATH.
fn componentize_py() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("PAYBRIDGE_COMPONENTIZE_PY").map(PathBuf::from),
        Some(root().join("target/python-kit/bin/componentize-py")),
    ];
    let found = candidates.into_iter().flatten().find(|p| p.exists());
    found.or_else(|| {
        let ok = Command::new("componentize-py").arg("--version").output().is_ok_and(|o| o.status.success());
        ok.then(|| PathBuf::from("componentize-py"))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_template_builds_passes_its_golden_test_and_the_check_and_syncs() {
    let Some(tool) = componentize_py() else {
        assert!(
            std::env::var("PAYBRIDGE_REQUIRE_PYTHON").is_err(),
            "componentize-py is required here: run `make python-kit`"
        );
        eprintln!("skipped: componentize-py is not installed (`make python-kit`)");
        return;
    };
    let work = tempfile::tempdir().expect("temp");
    let made = paybridge(work.path(), &["connector", "new", "--lang", "python", "acme-py"]);
    assert!(made.status.success(), "{}", text(&made));
    let project = work.path().join("acme-py");
    // The scripts call `componentize-py` from the PATH, as a vendor's venv has it.
    let path = match tool.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(bin) => format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default()),
        None => std::env::var("PATH").unwrap_or_default(),
    };
    step("the golden test (./test.sh)", Command::new(project.join("test.sh")).env("PATH", &path));
    step("the component build (./build.sh)", Command::new(project.join("build.sh")).env("PATH", &path));
    let file = project.join("acme-py.wasm");
    check_passes(work.path(), &file);
    operator_syncs(work.path(), &file, "acme-py").await;

    // A vendor's bug: print() and an exception. The print reaches the log
    // and the exception's message and line reach the error, not a backtrace.
    let mapping = std::fs::read_to_string(project.join("mapping.py")).expect("mapping.py");
    let buggy = mapping.replacen(
        "    fields = fields_of(e)\n",
        "    fields = fields_of(e)\n    print('looking at', e.employee_number)\n    if e.employee_number == '1002':\n        raise ValueError('no pay grade')\n",
        1,
    );
    assert_ne!(buggy, mapping, "the template's prepare_one starts as the test expects");
    std::fs::write(project.join("mapping.py"), buggy).expect("bug written");
    step("the buggy build", Command::new(project.join("build.sh")).env("PATH", &path));
    let out = paybridge(work.path(), &["connector", "check", file.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let prepare =
        String::from_utf8_lossy(&out.stdout).lines().find(|l| l.contains(" prepare ")).unwrap_or_default().to_owned();
    assert!(prepare.contains("it logged: prepare failed: ValueError: no pay grade (mapping.py:"), "{}", text(&out));
}

#[test]
fn a_component_that_copies_national_ids_into_unmarked_fields_fails_the_check_and_says_where() {
    let dir = tempfile::tempdir().expect("temp");
    let file = component(paybridge_components::TEST_GUEST_LEAKY);
    let out = paybridge(dir.path(), &["connector", "check", file.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out);
    let prepare = said.lines().find(|l| l.contains(" prepare ")).unwrap_or_default();
    assert!(
        prepare.contains("FAIL") && prepare.contains("\"ssn_copy\"") && prepare.contains("not in `sensitive`"),
        "{said}"
    );
    assert!(said.contains("failed the conformance check"), "{said}");
    assert!(!said.contains("10915596784"), "the check itself shows no national id: {said}");
}

#[test]
fn a_file_that_is_not_a_component_fails_the_first_check_with_the_reason() {
    let dir = tempfile::tempdir().expect("temp");
    let file = dir.path().join("broken.wasm");
    std::fs::write(&file, b"not wasm").expect("file");
    let out = paybridge(dir.path(), &["connector", "check", "broken.wasm", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON even on failure");
    assert_eq!(report["checks"][0]["name"], "loads");
    assert_eq!(report["checks"][0]["status"], "fail");
    assert!(report["checks"][0]["detail"].as_str().unwrap_or_default().contains("not a valid WebAssembly component"));
}

/// The guide's template listings: each `<!-- file: templates/... -->`
/// marker is followed by a fenced block holding that file exactly.
/// `PAYBRIDGE_UPDATE_DOCS=1` rewrites the blocks from the files.
#[test]
fn the_vendor_guide_shows_the_template_files_as_they_are() {
    let guide_path = root().join("docs/connectors.md");
    let guide = std::fs::read_to_string(&guide_path).expect("docs/connectors.md");
    let mut out = String::new();
    let mut lines = guide.lines().peekable();
    let mut included = 0;
    let mut stale = Vec::new();
    while let Some(line) = lines.next() {
        out.push_str(line);
        out.push('\n');
        let Some(file) = line.strip_prefix("<!-- file: ").and_then(|l| l.strip_suffix(" -->")) else {
            continue;
        };
        let fence = lines.next().expect("a fenced block after the marker");
        assert!(fence.starts_with("```"), "a fenced block follows {file}");
        let mut shown = String::new();
        for l in lines.by_ref() {
            if l == "```" {
                break;
            }
            shown.push_str(l);
            shown.push('\n');
        }
        let actual = std::fs::read_to_string(root().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        if shown != actual {
            stale.push(file.to_owned());
        }
        out.push_str(fence);
        out.push('\n');
        out.push_str(&actual);
        out.push_str("```\n");
        included += 1;
    }
    if std::env::var("PAYBRIDGE_UPDATE_DOCS").is_ok() {
        std::fs::write(&guide_path, out).expect("guide rewritten");
        return;
    }
    assert!(included >= 4, "the guide includes the templates' main files");
    let names = paybridge::sync::required::KNOWN_FIELDS.iter().chain(paybridge::kit::check::KNOWN_CAPABILITIES);
    for name in names {
        assert!(guide.contains(&format!("`{name}`")), "the guide's vocabulary lacks `{name}`");
    }
    assert!(
        stale.is_empty(),
        "docs/connectors.md is stale for {stale:?}: run PAYBRIDGE_UPDATE_DOCS=1 cargo test --test vendor_kit"
    );
}

#[test]
fn the_bundled_connectors_pass_every_check_they_can_run() {
    let dir = tempfile::tempdir().expect("temp");
    for (package, path) in paybridge_components::CONNECTORS {
        let out = paybridge(dir.path(), &["connector", "check", component(path).to_str().expect("utf-8"), "--json"]);
        assert!(out.status.success(), "{package}: {}", text(&out));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let passed = report["checks"].as_array().map_or(0, |c| c.iter().filter(|c| c["status"] == "pass").count());
        assert!(passed >= 5, "{package}: loads, contract, manifest, prepare, read-start at least: {report}");
    }
}
