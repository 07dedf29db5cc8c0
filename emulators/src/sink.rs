//! A catch-all HTTP server for sandbox tests of hostile connectors: it
//! accepts any method on any path, records every request exactly as it
//! arrived (method, raw path with its percent-encoding, query, every
//! header, body) and answers from a table of canned responses, so a test
//! can see what a connector made the host send (smuggled headers, path
//! traversal, odd methods) and feed it whatever answers it needs.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

/// Largest request body the sink reads; a bigger one is answered 413.
const MAX_BODY_BYTES: usize = 64 << 20;

/// One request as the sink received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkRequest {
    /// HTTP method, as sent (any token, not only the standard ones).
    pub method: String,
    /// Path as received, percent-encoding kept (`/a%2Fb` stays so).
    pub path: String,
    /// Query string without the `?`, if the request had one.
    pub query: Option<String>,
    /// Every header as a (lower-case name, value) pair, in arrival order;
    /// a value that is not UTF-8 is converted lossily.
    pub headers: Vec<(String, String)>,
    /// Body as text (converted lossily if it is not UTF-8).
    pub body: String,
}

impl SinkRequest {
    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A canned answer: status and JSON body.
#[derive(Debug, Clone)]
struct Canned {
    status: u16,
    body: String,
}

#[derive(Default)]
struct SinkState {
    requests: Mutex<Vec<SinkRequest>>,
    /// (method, raw path) → answer.
    responses: Mutex<HashMap<(String, String), Canned>>,
}

/// Lock one of the sink's tables; a panic elsewhere must not wedge it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A running sink on a free loopback port; stops when dropped.
pub struct Sink {
    addr: SocketAddr,
    state: Arc<SinkState>,
    _server: crate::server::ServerTask,
}

impl Sink {
    /// Start on a free loopback port.
    pub async fn start() -> std::io::Result<Self> {
        let state = Arc::new(SinkState::default());
        let app = Router::new().fallback(capture).with_state(Arc::clone(&state));
        let (addr, task) = crate::server::serve(app, "sink").await?;
        Ok(Self { addr, state, _server: task })
    }

    /// Base URL, without a path: `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far, in the order they arrived.
    pub fn requests(&self) -> Vec<SinkRequest> {
        lock(&self.state.requests).clone()
    }

    /// Answer `method` on `path` (the raw path, percent-encoding as the
    /// client sends it, without query) with `status` and the JSON `body`
    /// from now on. Anything without an answer gets 200 and `{}`.
    pub fn respond(&self, method: &str, path: &str, status: u16, body: &str) {
        lock(&self.state.responses)
            .insert((method.to_owned(), path.to_owned()), Canned { status, body: body.to_owned() });
    }
}

/// The one handler: record the request, answer from the table.
async fn capture(State(state): State<Arc<SinkState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large for the sink").into_response();
    };
    let received = SinkRequest {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
            .collect(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
    };
    let canned = lock(&state.responses)
        .get(&(received.method.clone(), received.path.clone()))
        .cloned()
        .unwrap_or(Canned { status: 200, body: "{}".to_owned() });
    lock(&state.requests).push(received);
    let status = StatusCode::from_u16(canned.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, Bytes::from(canned.body)).into_response();
    response.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_sink_records_any_request_raw_and_answers_from_its_table() {
        let sink = Sink::start().await.expect("sink starts");
        sink.respond("GET", "/employees", 201, r#"[{"id": 1}]"#);
        let client = reqwest::Client::new();

        let canned = client.get(format!("{}/employees?page=2&x=%20", sink.base_url())).send().await.expect("an answer");
        assert_eq!(canned.status(), 201);
        assert_eq!(canned.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/json"));
        assert_eq!(canned.text().await.expect("body"), r#"[{"id": 1}]"#);

        let method = reqwest::Method::from_bytes(b"PURGE").expect("a custom method");
        let fallback = client
            .request(method, format!("{}/a%2Fb/..%2Fsecret", sink.base_url()))
            .header("x-smuggled", "yes")
            .body("not json \u{e6}")
            .send()
            .await
            .expect("an answer");
        assert_eq!(fallback.status(), 200);
        assert_eq!(fallback.text().await.expect("body"), "{}");

        let seen = sink.requests();
        assert_eq!(seen.len(), 2);
        assert_eq!((seen[0].method.as_str(), seen[0].path.as_str()), ("GET", "/employees"));
        assert_eq!(seen[0].query.as_deref(), Some("page=2&x=%20"));
        assert_eq!(seen[1].method, "PURGE");
        assert_eq!(seen[1].path, "/a%2Fb/..%2Fsecret", "percent-encoding kept");
        assert_eq!(seen[1].query, None);
        assert_eq!(seen[1].header("X-Smuggled"), Some("yes"));
        assert!(seen[1].headers.iter().any(|(n, _)| n == "host"), "{:?}", seen[1].headers);
        assert_eq!(seen[1].body, "not json \u{e6}");
    }
}
