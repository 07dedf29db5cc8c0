//! `paybridge serve` over loopback: the real host behind the API, the
//! 24SevenOffice emulator as the target. Every API route refuses a missing
//! or unknown token and a token without the role; a run started over the
//! API answers at once with its number and finishes; shutdown waits for it.

mod common;

use common::{Harness, INTEGRATION, sample_snapshot};
use paybridge::serve::{PAGES, ROUTES, ServeOptions, openapi, serve};
use paybridge::store::api_tokens::Role;
use std::collections::HashMap;
use std::sync::Arc;

/// A request sent and its JSON answer read, or a panic saying which failed.
trait AnswerJson {
    async fn answer_json(self) -> serde_json::Value;
}

impl AnswerJson for reqwest::RequestBuilder {
    async fn answer_json(self) -> serde_json::Value {
        self.send().await.expect("answer").json().await.expect("json")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_checks_tokens_and_roles_and_a_run_started_over_it_finishes() {
    let h = Harness::new(&sample_snapshot()).await;
    let read = h.app.store.create_api_token("viewer", Role::Read).expect("token");
    let operate = h.app.store.create_api_token("operator", Role::Operate).expect("token");
    let admin = h.app.store.create_api_token("admin", Role::Admin).expect("token");
    let secrets = HashMap::from([(INTEGRATION.to_owned(), h.secrets())]);
    let emulator = h.emulator;
    let (base, stop, server) = start(h.app, secrets).await;
    let client = reqwest::Client::new();
    let get = |path: &str, token: Option<&str>| {
        let mut request = client.get(format!("{base}{path}"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };

    assert_eq!(get("/healthz", None).await.expect("answer").status(), 200);
    let send = |method: &str, path: &str, token: Option<&str>| {
        let path = path
            .replace("{name}", INTEGRATION)
            .replace("{hr}", "1001")
            .replace("{id}", "1")
            .replace("{version}", "1.0.0");
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = client.request(method, format!("{base}{path}"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    for route in ROUTES {
        let what = format!("{} {}", route.method, route.path);
        assert_eq!(send(route.method, route.path, None).await.expect("answer").status(), 401, "{what} without a token");
        let wrong = send(route.method, route.path, Some("pb_not-a-token")).await.expect("answer");
        assert_eq!(wrong.status(), 401, "{what} with a wrong token");
        if route.role > Role::Read {
            assert_eq!(send(route.method, route.path, Some(&read)).await.expect("answer").status(), 403, "{what} read");
        }
    }
    // The OpenAPI document names exactly the routes, and each is served.
    let document: serde_json::Value = get("/openapi.json", None).await.expect("answer").json().await.expect("json");
    assert_eq!(document, openapi());
    let mut documented: Vec<String> = Vec::new();
    for (path, methods) in document["paths"].as_object().expect("paths") {
        for method in methods.as_object().expect("methods").keys() {
            documented.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    let mut expected: Vec<String> = ROUTES.iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    expected.push("GET /healthz".into());
    documented.sort();
    expected.sort();
    assert_eq!(documented, expected);
    let list: serde_json::Value =
        get("/api/integrations", Some(&read)).await.expect("answer").json().await.expect("json");
    assert_eq!(list[0]["name"], INTEGRATION);

    let start = format!("{base}/api/integrations/{INTEGRATION}/runs");
    let refused = client.post(&start).bearer_auth(&read).send().await.expect("answer");
    assert_eq!(refused.status(), 403, "reading is not operating");
    assert_eq!(client.post(&start).send().await.expect("answer").status(), 401);
    let unknown = client.post(format!("{base}/api/integrations/nope/runs")).bearer_auth(&operate).send().await;
    assert_eq!(unknown.expect("answer").status(), 404);
    let started = client.post(&start).bearer_auth(&operate).send().await.expect("answer");
    assert_eq!(started.status(), 202);
    let run_id = started.json::<serde_json::Value>().await.expect("json")["run_id"].as_i64().expect("run id");

    let detail = finished(&client, &base, &read, run_id).await;
    assert_eq!(detail["run"]["status"], "succeeded", "{detail:#}");
    assert!(!emulator.employees().is_empty());
    assert_eq!(get("/api/runs/999", Some(&read)).await.expect("answer").status(), 404);

    let connected = format!("/api/integrations/{INTEGRATION}/links?state=connected");
    let rows: serde_json::Value = get(&connected, Some(&read)).await.expect("answer").json().await.expect("json");
    let before = rows.as_array().expect("rows").len();
    assert!(before > 0, "the run linked employees");
    let off =
        client.delete(format!("{base}/api/integrations/{INTEGRATION}/links/1001")).bearer_auth(&operate).send().await;
    assert_eq!(off.expect("answer").status(), 200);
    let rows: serde_json::Value = get(&connected, Some(&read)).await.expect("answer").json().await.expect("json");
    assert_eq!(rows.as_array().expect("rows").len(), before - 1);
    let on = client
        .post(format!("{base}/api/integrations/{INTEGRATION}/links"))
        .bearer_auth(&operate)
        .json(&serde_json::json!({"hr": "1001", "target": "1001"}))
        .send()
        .await;
    assert_eq!(on.expect("answer").status(), 200);

    let metrics = get("/metrics", Some(&read)).await.expect("answer").text().await.expect("text");
    assert!(
        metrics.contains(&format!("paybridge_runs_total{{integration=\"{INTEGRATION}\",status=\"succeeded\"}} 1")),
        "{metrics}"
    );
    assert!(metrics.contains("paybridge_writes_total{") && metrics.contains("paybridge_runs_in_flight 0"), "{metrics}");
    assert!(metrics.contains("paybridge_runs_queued 0"), "{metrics}");
    let call_time = "paybridge_connector_call_seconds_count{connector=\"twentyfour-seven@2.0.0\",function=\"prepare\"}";
    assert!(metrics.contains(call_time), "connector call time: {metrics}");
    let requests =
        format!("paybridge_target_requests_total{{integration=\"{INTEGRATION}\",kind=\"write\",outcome=\"2xx\"}}");
    assert!(metrics.contains(&requests), "requests per integration: {metrics}");

    let absences = client
        .post(format!("{base}/api/integrations/{INTEGRATION}/absences?from=2026-03-01&to=2026-03-31"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("answer");
    assert_eq!(absences.status(), 202, "an admin may do what an operator may");
    let bad = client
        .post(format!("{base}/api/integrations/{INTEGRATION}/absences?from=2026-03-31&to=2026-03-01"))
        .bearer_auth(&operate)
        .send()
        .await
        .expect("answer");
    assert_eq!(bad.status(), 400);

    let _ = stop.send(());
    server.await.expect("joined").expect("the server stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_console_page_needs_a_session_with_its_role_and_a_form_from_another_site_is_refused() {
    let h = Harness::new(&sample_snapshot()).await;
    let read = h.app.store.create_api_token("viewer", Role::Read).expect("token");
    let admin = h.app.store.create_api_token("admin", Role::Admin).expect("token");
    let secrets = HashMap::from([(INTEGRATION.to_owned(), h.secrets())]);
    let (base, stop, server) = start(h.app, secrets).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let cookie = |token: &str| format!("paybridge_session={token}");
    let send = |method: &str, path: &str, cookie: Option<String>| {
        let path = path
            .replace("{name}", INTEGRATION)
            .replace("{hr}", "1001")
            .replace("{id}", "1")
            .replace("{version}", "2.0.0");
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = client.request(method, format!("{base}{path}"));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send()
    };
    for page in PAGES {
        let what = format!("{} {}", page.method, page.path);
        for credential in [None, Some(cookie("pb_not-a-token")), Some(format!("other=1; {}", cookie("")))] {
            let answer = send(page.method, page.path, credential).await.expect("answer");
            if page.method == "GET" {
                assert_eq!(answer.status(), 303, "{what} leads to the sign-in page");
                let to = answer.headers()["location"].to_str().expect("location");
                assert!(to.starts_with("/login?next=%2F"), "{what}: {to}");
            } else {
                assert_eq!(answer.status(), 401, "{what} without a session");
            }
        }
        if page.role > Role::Read {
            let answer = send(page.method, page.path, Some(cookie(&read))).await.expect("answer");
            assert_eq!(answer.status(), 403, "{what} with a read session");
        }
        assert_ne!(send(page.method, page.path, Some(cookie(&admin))).await.expect("answer").status(), 401, "{what}");
    }

    // Signing in sets a cookie a script cannot read and another site does not send.
    let login =
        |token: &str, next: &str| client.post(format!("{base}/login")).form(&[("token", token), ("next", next)]).send();
    let signed_in = login(&read, "/runs").await.expect("answer");
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()["location"], "/runs");
    let set = signed_in.headers()["set-cookie"].to_str().expect("cookie").to_owned();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
    assert_eq!(login("pb_nope", "/").await.expect("answer").status(), 401);
    let elsewhere = login(&read, "//evil.example/").await.expect("answer");
    assert_eq!(elsewhere.headers()["location"], "/", "never sent to another site after signing in");

    // A form posted from another site is refused, even with a session; the same site's is not.
    let run = format!("{base}/integrations/{INTEGRATION}/runs");
    let forged = client
        .post(&run)
        .header("cookie", cookie(&admin))
        .header("origin", "http://evil.example")
        .form(&[("dry_run", "true")])
        .send()
        .await
        .expect("answer");
    assert_eq!(forged.status(), 403);
    let own = client
        .post(&run)
        .header("cookie", cookie(&admin))
        .header("origin", &base)
        .form(&[("dry_run", "true")])
        .send()
        .await
        .expect("answer");
    assert_eq!(own.status(), 303);
    assert!(own.headers()["location"].to_str().expect("location").starts_with("/runs/"));

    // The API never takes the console's cookie; nothing is served outside the tables.
    let api = client.get(format!("{base}/api/runs")).header("cookie", cookie(&admin)).send().await;
    assert_eq!(api.expect("answer").status(), 401);
    assert_eq!(client.get(format!("{base}/api/nothing")).send().await.expect("answer").status(), 404);
    assert_eq!(client.post(format!("{base}/healthz")).send().await.expect("answer").status(), 405);

    let _ = stop.send(());
    server.await.expect("joined").expect("the server stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_dropped_into_the_connectors_folder_is_loaded_without_a_restart_and_a_bad_one_waits_for_a_fix() {
    let h = Harness::new(&sample_snapshot()).await;
    let admin = h.app.store.create_api_token("admin", Role::Admin).expect("token");
    let folder = h.app.config.connectors_dir.clone();
    let secrets = HashMap::from([(INTEGRATION.to_owned(), h.secrets())]);
    let (base, stop, server) = start(h.app, secrets).await;
    let client = reqwest::Client::new();
    let versions = || async {
        let list: serde_json::Value =
            client.get(format!("{base}/api/connectors")).bearer_auth(&admin).answer_json().await;
        let mut found: Vec<(String, bool)> = list
            .as_array()
            .expect("list")
            .iter()
            .filter(|c| c["name"] == "twentyfour-seven")
            .map(|c| (c["version"].as_str().unwrap_or("").to_owned(), c["active"] == true))
            .collect();
        found.sort();
        found
    };
    let poll_a_few_times = || tokio::time::sleep(std::time::Duration::from_millis(500));

    // A file that is not a component (a copy cut short, say) is refused and listed nowhere.
    let dropped = folder.join("twentyfour-seven-old.wasm");
    std::fs::write(&dropped, b"\0asm half a file").expect("drop");
    poll_a_few_times().await;
    assert_eq!(versions().await, [("2.0.0".to_owned(), true)]);

    // Once the file is whole, the next look loads it: beside the active version, not instead.
    std::fs::copy(common::twentyfour_seven_contract_1(), &dropped).expect("drop the whole file");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while versions().await.len() < 2 {
        assert!(std::time::Instant::now() < deadline, "the dropped component was never loaded");
        poll_a_few_times().await;
    }
    assert_eq!(versions().await, [("1.0.0".to_owned(), false), ("2.0.0".to_owned(), true)]);
    let activated = client
        .post(format!("{base}/api/connectors/twentyfour-seven/1.0.0/activate"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("answer");
    assert_eq!(activated.status(), 200, "the dropped version can be activated");

    let _ = stop.send(());
    server.await.expect("joined").expect("the server stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_run_and_link_view_are_shown_a_page_at_a_time_and_the_view_finds_by_name_or_number() {
    let h = Harness::new(&common::company::generate_company(620)).await;
    let read = h.app.store.create_api_token("viewer", Role::Read).expect("token");
    let report =
        h.try_sync(paybridge::sync::SyncOptions { dry_run: true, ..Default::default() }).await.expect("dry run");
    assert_eq!(report.employees.len(), 620);
    let secrets = HashMap::from([(INTEGRATION.to_owned(), h.secrets())]);
    let (base, stop, server) = start(h.app, secrets).await;
    let client = reqwest::Client::new();
    let page = |path: String| {
        let request = client.get(format!("{base}{path}")).header("cookie", format!("paybridge_session={read}"));
        async move { request.send().await.expect("answer").text().await.expect("html") }
    };
    let rows = |html: &str| html.matches("<tr data-hr=").count();

    let first = page("/runs/1".into()).await;
    assert_eq!(rows(&first), 500, "one page of a run");
    assert!(first.contains("Employees 1–500 of 620") && first.contains("href=\"/runs/1?skip=500\""), "{first}");
    assert_eq!(rows(&page("/runs/1?skip=500".into()).await), 120);
    assert_eq!(rows(&page("/runs/1?outcome=planned&skip=600".into()).await), 20, "the filter and the page together");

    let view = format!("/integrations/{INTEGRATION}/links?state=not-connected");
    let listed = page(view.clone()).await;
    assert_eq!(rows(&listed), 200, "one page of a view");
    assert!(listed.contains("of 620"), "{listed}");
    let number = report.employees[7].employee_number.clone().expect("a number");
    let found = page(format!("{view}&find={number}")).await;
    assert!(rows(&found) >= 1 && found.contains(&format!(">{number}<")), "found by number: {found}");
    let name = report.employees[7].name.clone();
    let found = page(format!("{view}&find={}", name.to_uppercase().replace(' ', "+"))).await;
    assert!(found.contains(&name), "found by name, whatever the case: {found}");

    let _ = stop.send(());
    server.await.expect("joined").expect("the server stops cleanly");
}

/// Start a server on `app`; its base URL, the stop switch and the task.
async fn start(
    app: paybridge::app::App,
    secrets: HashMap<String, paybridge::http::Secrets>,
) -> (String, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<anyhow::Result<()>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = ServeOptions {
        tick: std::time::Duration::from_secs(3600),
        secrets,
        folder_poll: std::time::Duration::from_millis(100),
        ..ServeOptions::default()
    };
    let task = tokio::spawn(serve(Arc::new(app), listener, options, async {
        let _ = stopped.await;
    }));
    (base, stop, task)
}

/// Wait for run `id` to end; its detail.
async fn finished(client: &reqwest::Client, base: &str, token: &str, id: i64) -> serde_json::Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let detail: serde_json::Value =
            client.get(format!("{base}/api/runs/{id}")).bearer_auth(token).answer_json().await;
        if detail["run"]["status"] != "running" {
            return detail;
        }
        assert!(std::time::Instant::now() < deadline, "run {id} never finished");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connector_uploaded_and_activated_takes_the_next_run_and_a_rollback_returns_to_the_one_before() {
    let h = Harness::new(&sample_snapshot()).await;
    let admin = h.app.store.create_api_token("admin", Role::Admin).expect("token");
    let secrets = HashMap::from([(INTEGRATION.to_owned(), h.secrets())]);
    let emulator = h.emulator;
    let (base, stop, server) = start(h.app, secrets).await;
    let client = reqwest::Client::new();
    let post = |path: &str| client.post(format!("{base}{path}")).bearer_auth(&admin);
    let run_on = |detail: &serde_json::Value| detail["run"]["connector"].as_str().unwrap_or("").to_owned();

    let older = std::fs::read(common::twentyfour_seven_contract_1()).expect("the 1.0.0 fixture");
    let uploaded: serde_json::Value = post("/api/connectors").body(older).answer_json().await;
    assert_eq!(
        (uploaded["version"].as_str(), uploaded["active"].as_bool()),
        (Some("1.0.0"), Some(false)),
        "{uploaded}"
    );
    assert!(uploaded["swap_ms"].is_u64());
    let garbage = post("/api/connectors").body(vec![0u8; 64]).send().await.expect("answer");
    assert_eq!(garbage.status(), 422, "not a component");

    // Before activating: the shadow plan of 1.0.0 next to the active 2.0.0, nothing written.
    let writes = emulator.write_requests().len();
    let shadow = post(&format!("/api/connectors/twentyfour-seven/1.0.0/shadow?integration={INTEGRATION}")).send().await;
    let shadow: serde_json::Value = shadow.expect("answer").json().await.expect("json");
    assert_eq!(
        (shadow["active"].as_str(), shadow["candidate"].as_str()),
        (Some("twentyfour-seven@2.0.0"), Some("twentyfour-seven@1.0.0")),
        "{shadow}"
    );
    let compared = shadow["agree"].as_u64().expect("agree") + shadow["differ"].as_array().expect("differ").len() as u64;
    assert!(compared > 0, "{shadow}");
    assert_eq!(emulator.write_requests().len(), writes, "a shadow plan writes nothing");

    let activated = post("/api/connectors/twentyfour-seven/1.0.0/activate").send().await.expect("answer");
    assert_eq!(activated.status(), 200);
    let started: serde_json::Value = post(&format!("/api/integrations/{INTEGRATION}/runs")).answer_json().await;
    let detail = finished(&client, &base, &admin, started["run_id"].as_i64().expect("id")).await;
    assert_eq!(run_on(&detail), "twentyfour-seven@1.0.0", "the next run takes the activated version, no restart");

    let back: serde_json::Value = post("/api/connectors/twentyfour-seven/rollback").answer_json().await;
    assert_eq!(back["active"], "2.0.0");
    let started: serde_json::Value = post(&format!("/api/integrations/{INTEGRATION}/runs")).answer_json().await;
    let detail = finished(&client, &base, &admin, started["run_id"].as_i64().expect("id")).await;
    assert_eq!(run_on(&detail), "twentyfour-seven@2.0.0");
    assert!(!emulator.employees().is_empty());

    let _ = stop.send(());
    server.await.expect("joined").expect("the server stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_in_flight_finishes_on_its_version_while_a_newer_one_is_uploaded_and_activated_and_a_rollback_returns() {
    let h = Harness::new(&sample_snapshot()).await;
    let admin = h.app.store.create_api_token("admin", Role::Admin).expect("token");
    let secrets = HashMap::from([(INTEGRATION.to_owned(), h.secrets())]);
    let emulator = h.emulator;
    emulator.set_latency(std::time::Duration::from_millis(150));
    let (base, stop, server) = start(h.app, secrets).await;
    let client = reqwest::Client::new();
    let post = |path: &str| client.post(format!("{base}{path}")).bearer_auth(&admin);
    let start_run = || async {
        let started: serde_json::Value = post(&format!("/api/integrations/{INTEGRATION}/runs")).answer_json().await;
        started["run_id"].as_i64().expect("run id")
    };
    let version_of = |detail: serde_json::Value| detail["run"]["connector"].as_str().unwrap_or("").to_owned();

    let long = start_run().await;
    let newer = common::twentyfour_seven_patched(b"twentyfour-seven2.0.0", b"twentyfour-seven2.0.1");
    let uploaded: serde_json::Value = post("/api/connectors?activate=true").body(newer).answer_json().await;
    assert_eq!((uploaded["version"].as_str(), uploaded["active"].as_bool()), (Some("2.0.1"), Some(true)), "{uploaded}");
    let during: serde_json::Value =
        client.get(format!("{base}/api/runs/{long}")).bearer_auth(&admin).answer_json().await;
    assert_eq!(during["run"]["status"], "running", "the swap happened while the run was in flight");
    let detail = finished(&client, &base, &admin, long).await;
    assert_eq!(detail["run"]["status"], "succeeded", "{detail:#}");
    assert_eq!(version_of(detail), "twentyfour-seven@2.0.0", "the run in flight finished on its own version");

    emulator.set_latency(std::time::Duration::ZERO);
    let next = start_run().await;
    assert_eq!(version_of(finished(&client, &base, &admin, next).await), "twentyfour-seven@2.0.1", "the next run");
    let back: serde_json::Value = post("/api/connectors/twentyfour-seven/rollback").answer_json().await;
    assert_eq!(back["active"], "2.0.0");
    let after = start_run().await;
    assert_eq!(version_of(finished(&client, &base, &admin, after).await), "twentyfour-seven@2.0.0", "rolled back");

    let _ = stop.send(());
    server.await.expect("joined").expect("the server stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_server_after_the_run_it_started_ends_so_no_run_is_left_running() {
    use paybridge_emulators::twentyfour_seven::{Emulator, Settings};
    let emulator = Emulator::start(Settings::default()).await.expect("emulator");
    emulator.set_latency(std::time::Duration::from_millis(100));
    let dir = tempfile::tempdir().expect("temp");
    let config = dir.path().join("paybridge.toml");
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        probe.local_addr().expect("addr").port()
    };
    std::fs::write(
        &config,
        format!(
            "database = \"paybridge.db\"\nconnectors_dir = \"{}\"\nhr_snapshot = \"{}\"\n\n[[integration]]\nname = \"24so\"\nconnector = \"twentyfour-seven\"\nbase_url = \"{}\"\n\n[integration.secrets]\ntoken = \"TEST_24SO_TOKEN\"\n",
            common::connectors_in(dir.path()).display(),
            common::root().join("examples/hr-snapshot.json").display(),
            emulator.base_url()
        ),
    )
    .expect("config");
    let paybridge = || {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_paybridge"));
        command.arg("--config").arg(&config).env("TEST_24SO_TOKEN", emulator.access_token());
        command
    };
    let created = paybridge().args(["tokens", "create", "--name", "ops", "--role", "operate"]).output().expect("runs");
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let token = String::from_utf8_lossy(&created.stdout).trim().to_owned();
    // The HR data must be in the store before a run over the API: a sync reads it.
    let synced = paybridge().args(["hr", "import"]).output().expect("runs");
    assert!(synced.status.success(), "{}", String::from_utf8_lossy(&synced.stderr));

    let mut server = paybridge()
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serves");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(std::time::Instant::now() < deadline, "the server never answered");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let started = client.post(format!("{base}/api/integrations/24so/runs")).bearer_auth(&token).send().await;
    let run_id =
        started.expect("answer").json::<serde_json::Value>().await.expect("json")["run_id"].as_i64().expect("id");
    // The shell's own kill: no kill binary needed on the machine.
    let stop =
        std::process::Command::new("sh").args(["-c", &format!("kill -TERM {}", server.id())]).status().expect("kill");
    assert!(stop.success());
    let status = server.wait().expect("exits");
    assert!(status.success(), "a clean exit on SIGTERM: {status:?}");

    let store = paybridge::store::Store::open(&dir.path().join("paybridge.db")).expect("store");
    let run = store.run(run_id).expect("read").expect("the run");
    assert_ne!(run.status, "running", "the run ended before the server did: {run:?}");
    assert!(!emulator.employees().is_empty(), "and it did its work");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_asked_for_while_another_holds_the_integration_is_queued_and_starts_when_it_ends() {
    let h = Harness::new(&sample_snapshot()).await;
    let operate = h.app.store.create_api_token("operator", Role::Operate).expect("token");
    let database = h.app.config.database.clone();
    let secrets = HashMap::from([(INTEGRATION.to_owned(), h.secrets())]);
    let emulator = h.emulator;
    let (base, stop, server) = start(h.app, secrets).await;
    let client = reqwest::Client::new();

    let held = paybridge::store::run_lock::RunLock::acquire(Some(&database), INTEGRATION).expect("another run");
    let queued: serde_json::Value =
        client.post(format!("{base}/api/integrations/{INTEGRATION}/runs")).bearer_auth(&operate).answer_json().await;
    assert_eq!(queued["queued"], true, "{queued}");
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert!(emulator.write_requests().is_empty(), "it waits while the other run holds the integration");
    drop(held);

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let runs: serde_json::Value = client.get(format!("{base}/api/runs")).bearer_auth(&operate).answer_json().await;
        if runs.as_array().is_some_and(|r| r.iter().any(|run| run["status"] == "succeeded")) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the queued run never ran: {runs}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(!emulator.employees().is_empty());
    let _ = stop.send(());
    server.await.expect("joined").expect("the server stops cleanly");
}
