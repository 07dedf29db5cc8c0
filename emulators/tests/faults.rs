//! The fault kinds of the emulators, seen from a real HTTP client over
//! loopback: status codes, hangs, malformed JSON, cut connections, before
//! and after the request is applied, with a probability and without end.

use paybridge_emulators::faults::Fault;
use paybridge_emulators::twentyfour_seven::{Emulator, Settings};
use std::time::{Duration, Instant};

/// An emulator and a client holding a session token.
struct Session {
    emulator: Emulator,
    client: reqwest::Client,
    bearer: String,
}

impl Session {
    async fn start() -> Self {
        let emulator = Emulator::start(Settings::default()).await.expect("emulator starts");
        let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().expect("client");
        let answer: serde_json::Value = client
            .get(format!("{}/auth", emulator.base_url()))
            .query(&[("token", emulator.access_token())])
            .send()
            .await
            .expect("auth answers")
            .json()
            .await
            .expect("auth answers JSON");
        let token = answer["accessToken"].as_str().expect("an access token").to_owned();
        Self { emulator, client, bearer: format!("Bearer {token}") }
    }

    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(format!("{}{path}", self.emulator.base_url())).header("authorization", &self.bearer)
    }

    fn post(&self, path: &str, body: serde_json::Value) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}{path}", self.emulator.base_url()))
            .header("authorization", &self.bearer)
            .json(&body)
    }

    fn create(&self, emp_id: u64) -> reqwest::RequestBuilder {
        self.post(
            "/employee/v2",
            serde_json::json!({"empId": emp_id.to_string(), "firstname": "Kari", "lastname": "Test"}),
        )
    }

    fn add_employment(&self, emp_id: u64) -> reqwest::RequestBuilder {
        self.post(&format!("/employment/v2/{emp_id}"), serde_json::json!([{"startdate": "2024-01-01"}]))
    }

    /// The log entry of the last request to `path`.
    fn last_logged(&self, path: &str) -> paybridge_emulators::faults::LoggedRequest {
        self.emulator.requests().into_iter().rev().find(|r| r.path == path).expect("the request was logged")
    }
}

#[tokio::test]
async fn a_status_fault_answers_its_status_and_retry_after_without_applying_the_write() {
    let s = Session::start().await;
    s.emulator.push_fault(Fault::status("POST", "/employee/v2", 503, 1).with_retry_after(7));
    let answer = s.create(1).send().await.expect("an answer");
    assert_eq!(answer.status(), 503);
    assert_eq!(answer.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("7"));
    let body: serde_json::Value = answer.json().await.expect("the 24SevenOffice error shape");
    assert_eq!(body["message"], "fault injected by the emulator");
    assert!(s.emulator.employees().is_empty(), "not applied");
    assert_eq!(s.last_logged("/employee/v2").fault.as_deref(), Some("503"));
    assert_eq!(s.create(1).send().await.expect("an answer").status(), 200, "the fault ran out");
}

#[tokio::test]
async fn a_status_fault_after_processing_applies_the_write_and_loses_the_answer() {
    let s = Session::start().await;
    s.emulator.push_fault(Fault::status("POST", "/employee/v2", 500, 1).after_processing());
    assert_eq!(s.create(1).send().await.expect("an answer").status(), 500);
    assert!(s.emulator.employees().contains_key(&1), "applied although the client saw 500");
    assert_eq!(s.last_logged("/employee/v2").fault.as_deref(), Some("500 after processing"));
}

#[tokio::test]
async fn the_old_field_form_of_after_processing_still_works() {
    let s = Session::start().await;
    let mut lost = Fault::status("POST", "/employee/v2", 500, 1);
    lost.after_processing = true;
    s.emulator.push_fault(lost);
    assert_eq!(s.create(1).send().await.expect("an answer").status(), 500);
    assert!(s.emulator.employees().contains_key(&1));
}

#[tokio::test]
async fn a_hang_before_processing_waits_then_answers_503_without_applying() {
    let s = Session::start().await;
    s.emulator.push_fault(Fault::hang("POST", "/employee/v2", Duration::from_millis(600), 1));
    let started = Instant::now();
    let answer = s.create(1).send().await.expect("an answer after the hang");
    assert!(started.elapsed() >= Duration::from_millis(600), "answered after {:?}", started.elapsed());
    assert_eq!(answer.status(), 503);
    assert!(s.emulator.employees().is_empty(), "not applied");
    assert_eq!(s.last_logged("/employee/v2").fault.as_deref(), Some("hang 600ms"));
}

#[tokio::test]
async fn a_hang_after_processing_applies_the_write_and_outlasts_the_client_timeout() {
    let s = Session::start().await;
    s.emulator.push_fault(Fault::hang("POST", "/employment/v2/", Duration::from_secs(2), 1).after_processing());
    assert_eq!(s.create(1).send().await.expect("an answer").status(), 200);
    let started = Instant::now();
    let outcome = s.add_employment(1).timeout(Duration::from_millis(300)).send().await;
    let error = outcome.expect_err("the client gives up before the answer");
    assert!(error.is_timeout(), "{error}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(s.emulator.employments(1).len(), 1, "applied before the hang");
    // The server logs the request, fault and all, once it lets go of it.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !s.emulator.requests().iter().any(|r| r.path == "/employment/v2/1") && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(s.last_logged("/employment/v2/1").fault.as_deref(), Some("hang 2000ms after processing"));
}

#[tokio::test]
async fn a_malformed_json_fault_answers_200_with_a_body_that_does_not_parse() {
    let s = Session::start().await;
    assert_eq!(s.create(1).send().await.expect("an answer").status(), 200);
    s.emulator.push_fault(Fault::malformed_json("GET", "/employee/v2", 1));
    let answer = s.get("/employee/v2").send().await.expect("an answer");
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/json"));
    let text = answer.text().await.expect("a complete body");
    assert_eq!(text, r#"[{"empId":"#);
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_err());
    let again = s.get("/employee/v2").send().await.expect("an answer").text().await.expect("a body");
    assert!(serde_json::from_str::<serde_json::Value>(&again).is_ok(), "the fault ran out: {again}");
}

#[tokio::test]
async fn a_malformed_json_fault_after_processing_applies_the_write_and_cuts_the_answer_short() {
    let s = Session::start().await;
    assert_eq!(s.create(1).send().await.expect("an answer").status(), 200);
    s.emulator.push_fault(Fault::malformed_json("POST", "/employment/v2/", 1).after_processing());
    let answer = s.add_employment(1).send().await.expect("an answer");
    assert_eq!(answer.status(), 200);
    let text = answer.text().await.expect("a complete body");
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_err(), "{text}");
    assert!(!text.is_empty() && r#""Item created returned""#.starts_with(&text), "the real answer cut short: {text}");
    assert_eq!(s.emulator.employments(1).len(), 1, "applied");
}

#[tokio::test]
async fn a_reset_fault_cuts_the_connection_without_an_answer() {
    let s = Session::start().await;
    s.emulator.push_fault(Fault::reset("POST", "/employee/v2", 1));
    let outcome = match s.create(1).send().await {
        Ok(answer) => answer.bytes().await.map(|_| ()),
        Err(e) => Err(e),
    };
    let error = outcome.expect_err("no complete answer");
    assert!(!error.is_timeout(), "cut, not timed out: {error}");
    assert!(s.emulator.employees().is_empty(), "not applied");
    let logged = s.last_logged("/employee/v2");
    assert_eq!((logged.status, logged.fault.as_deref()), (0, Some("reset")));
    assert_eq!(s.create(1).send().await.expect("a new connection answers").status(), 200);
}

#[tokio::test]
async fn a_reset_fault_after_processing_applies_the_write_and_cuts_the_connection() {
    let s = Session::start().await;
    s.emulator.push_fault(Fault::reset("POST", "/employee/v2", 1).after_processing());
    let outcome = match s.create(1).send().await {
        Ok(answer) => answer.bytes().await.map(|_| ()),
        Err(e) => Err(e),
    };
    assert!(outcome.is_err(), "no complete answer");
    assert!(s.emulator.employees().contains_key(&1), "applied before the cut");
    assert_eq!(s.last_logged("/employee/v2").fault.as_deref(), Some("reset after processing"));
}

#[tokio::test]
async fn faults_fire_on_the_token_exchange_too() {
    let s = Session::start().await;
    s.emulator.push_fault(Fault::status("GET", "/auth", 502, 1));
    let answer = s
        .client
        .get(format!("{}/auth", s.emulator.base_url()))
        .query(&[("token", s.emulator.access_token())])
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.status(), 502);
    assert_eq!(s.emulator.tokens_issued(), 1, "only the session's own exchange issued a token");
}

#[tokio::test]
async fn an_unlimited_fault_keeps_one_employee_unreadable_while_the_others_read() {
    let s = Session::start().await;
    for emp_id in [1004, 1005, 1006] {
        assert_eq!(s.create(emp_id).send().await.expect("an answer").status(), 200);
    }
    s.emulator.push_fault(Fault::status("GET", "/employment/v2/1005", 500, Fault::UNLIMITED));
    for _ in 0..20 {
        assert_eq!(s.get("/employment/v2/1005").send().await.expect("an answer").status(), 500);
        assert_eq!(s.get("/employment/v2/1004").send().await.expect("an answer").status(), 200);
    }
    assert_eq!(s.add_employment(1005).send().await.expect("an answer").status(), 200, "writes are not faulted");
}

/// The statuses of `count` reads of distinct paths with a 20 % fault seeded `seed`.
async fn statuses_with_a_fifth_failing(seed: u64, count: u64) -> Vec<u16> {
    let s = Session::start().await;
    s.emulator.seed_faults(seed);
    s.emulator.push_fault(Fault::status("GET", "/employment/v2/", 500, Fault::UNLIMITED).with_probability(0.2));
    let mut statuses = Vec::new();
    for emp_id in 0..count {
        // Unknown employees answer 404 unless the fault fires.
        statuses.push(s.get(&format!("/employment/v2/{emp_id}")).send().await.expect("an answer").status().as_u16());
    }
    statuses
}

#[tokio::test]
async fn a_fault_with_probability_fires_on_about_that_share_of_requests_deterministically() {
    let first = statuses_with_a_fifth_failing(42, 500).await;
    let failed = first.iter().filter(|s| **s == 500).count();
    assert!((70..=130).contains(&failed), "{failed} of 500 failed with a probability of 0.2");
    assert!(first.iter().all(|s| matches!(s, 404 | 500)), "{first:?}");
    assert_eq!(statuses_with_a_fifth_failing(42, 500).await, first, "the same seed fails the same requests");
    assert_ne!(statuses_with_a_fifth_failing(43, 500).await, first, "another seed fails others");
}

#[tokio::test]
async fn a_retried_request_gets_a_fresh_draw() {
    let s = Session::start().await;
    s.emulator.push_fault(Fault::status("GET", "/employee/v2", 500, Fault::UNLIMITED).with_probability(0.5));
    let mut statuses = Vec::new();
    for _ in 0..40 {
        statuses.push(s.get("/employee/v2").send().await.expect("an answer").status().as_u16());
    }
    assert!(statuses.contains(&500) && statuses.contains(&200), "{statuses:?}");
}

#[tokio::test]
async fn a_fault_with_a_limited_number_of_times_stops_after_firing_that_often() {
    let s = Session::start().await;
    s.emulator.push_fault(Fault::status("GET", "/employment/v2/", 500, 3).with_probability(0.5));
    for emp_id in 0..200 {
        s.get(&format!("/employment/v2/{emp_id}")).send().await.expect("an answer");
    }
    assert_eq!(s.emulator.faulted_requests().len(), 3);
}

#[tokio::test]
async fn the_nmbrs_emulator_answers_faults_in_its_problem_shape_on_every_route() {
    use paybridge_emulators::nmbrs::Emulator as Nmbrs;
    let nmbrs = Nmbrs::start(Default::default()).await.expect("emulator starts");
    let client = reqwest::Client::new();
    nmbrs.push_fault(Fault::status("POST", "/identity/connect/token", 503, 1).with_retry_after(2));
    nmbrs.push_fault(Fault::status("GET", "/api/companies", 429, 1));
    let settings = nmbrs.settings().clone();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", settings.refresh_token.as_str()),
        ("client_id", settings.client_id.as_str()),
        ("client_secret", settings.client_secret.as_str()),
    ];
    let refused = client.post(nmbrs.token_url()).form(&form).send().await.expect("an answer");
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("2"));
    let problem: serde_json::Value = refused.json().await.expect("problem details");
    assert_eq!(problem["code"], "Injected");
    let token: serde_json::Value =
        client.post(nmbrs.token_url()).form(&form).send().await.expect("an answer").json().await.expect("a token");
    let companies = || {
        client
            .get(format!("{}/companies", nmbrs.base_url()))
            .bearer_auth(token["access_token"].as_str().unwrap_or_default())
            .header("x-subscription-key", &settings.subscription_key)
    };
    assert_eq!(companies().send().await.expect("an answer").status(), 429);
    assert_eq!(companies().send().await.expect("an answer").status(), 200, "the fault ran out");
}
