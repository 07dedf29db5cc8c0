//! `paybridge serve` over loopback: the real host behind the API, the
//! 24SevenOffice emulator as the target. Every API route refuses a missing
//! or unknown token and a token without the role; a run started over the
//! API answers at once with its number and finishes; shutdown waits for it.

mod common;

use common::{Harness, INTEGRATION, sample_snapshot};
use paybridge::serve::{ServeOptions, serve};
use paybridge::store::api_tokens::Role;
use std::collections::HashMap;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_checks_tokens_and_roles_and_a_run_started_over_it_finishes() {
    let h = Harness::new(&sample_snapshot()).await;
    let read = h.app.store.create_api_token("viewer", Role::Read).expect("token");
    let operate = h.app.store.create_api_token("operator", Role::Operate).expect("token");
    let emulator = h.emulator;
    let options = ServeOptions {
        tick: std::time::Duration::from_secs(3600),
        secrets: HashMap::from([(
            INTEGRATION.to_owned(),
            paybridge::http::Secrets::from_pairs(&[("token", &emulator.access_token())]),
        )]),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(Arc::new(h.app), listener, options, async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let get = |path: &str, token: Option<&str>| {
        let mut request = client.get(format!("{base}{path}"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };

    assert_eq!(get("/healthz", None).await.expect("answer").status(), 200);
    for path in ["/api/integrations", "/api/runs", "/api/runs/1"] {
        assert_eq!(get(path, None).await.expect("answer").status(), 401, "{path} without a token");
        assert_eq!(get(path, Some("pb_not-a-token")).await.expect("answer").status(), 401, "{path} with a wrong one");
    }
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

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let detail = loop {
        let detail: serde_json::Value =
            get(&format!("/api/runs/{run_id}"), Some(&read)).await.expect("answer").json().await.expect("json");
        if detail["run"]["status"] != "running" {
            break detail;
        }
        assert!(std::time::Instant::now() < deadline, "the run never finished");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(detail["run"]["status"], "succeeded", "{detail:#}");
    assert!(!emulator.employees().is_empty());
    assert_eq!(get("/api/runs/999", Some(&read)).await.expect("answer").status(), 404);

    let _ = stop.send(());
    server.await.expect("joined").expect("the server stops cleanly");
}
