//! Scripted failures and the request log shared by the emulators.

use std::collections::VecDeque;
use std::time::Duration;

/// A failure to answer instead of the real response.
#[derive(Debug, Clone)]
pub struct Fault {
    /// Only requests with this method ("GET", "POST"...), or any.
    pub method: Option<String>,
    /// Only requests whose path starts with this (under the API root).
    pub path_prefix: String,
    /// Status to answer.
    pub status: u16,
    /// `Retry-After` seconds to send with it.
    pub retry_after: Option<u64>,
    /// How many matching requests fail.
    pub times: u32,
    /// Apply the real request first, then answer the fault: a write that
    /// happened although the client saw an error.
    pub after_processing: bool,
}

impl Fault {
    /// `times` requests matching `method` and `path_prefix` answer `status`.
    pub fn status(method: &str, path_prefix: &str, status: u16, times: u32) -> Self {
        Self {
            method: Some(method.to_owned()),
            path_prefix: path_prefix.to_owned(),
            status,
            retry_after: None,
            times,
            after_processing: false,
        }
    }

    /// With a `Retry-After` header.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }
}

/// One request as the emulator saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    /// HTTP method.
    pub method: String,
    /// Path under the API root, without query.
    pub path: String,
    /// Status answered.
    pub status: u16,
    /// Body as received.
    pub body: String,
}

/// Faults waiting to fire, latency and the request log.
#[derive(Debug, Default)]
pub struct Script {
    faults: VecDeque<Fault>,
    /// Delay before every answer.
    pub latency: Duration,
    /// Every request so far.
    pub log: Vec<LoggedRequest>,
    /// Requests being answered right now.
    pub in_flight: usize,
    /// The most requests ever answered at once.
    pub max_in_flight: usize,
}

impl Script {
    /// Queue a fault.
    pub fn push(&mut self, fault: Fault) {
        self.faults.push_back(fault);
    }

    /// The fault that fires for this request, if any (consumes one use).
    pub fn take(&mut self, method: &str, path: &str) -> Option<Fault> {
        let at = self.faults.iter().position(|f| {
            f.times > 0 && f.method.as_deref().is_none_or(|m| m == method) && path.starts_with(&f.path_prefix)
        })?;
        let fault = &mut self.faults[at];
        fault.times -= 1;
        let fired = fault.clone();
        if fault.times == 0 {
            self.faults.remove(at);
        }
        Some(fired)
    }
}

/// A script shared between an emulator's handlers and its owner.
pub type SharedScript = std::sync::Arc<std::sync::Mutex<Script>>;

/// Lock a shared script; a panic elsewhere must not wedge the emulator.
pub fn lock(script: &SharedScript) -> std::sync::MutexGuard<'_, Script> {
    script.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Middleware: log every request with the status it was finally answered.
/// `prefix` is the API root stripped from logged paths.
pub async fn record(
    axum::extract::State((script, prefix)): axum::extract::State<(SharedScript, &'static str)>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 16 << 20).await else {
        return (axum::http::StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response();
    };
    let method = parts.method.to_string();
    let path = parts.uri.path().trim_start_matches(prefix).to_owned();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    {
        let mut s = lock(&script);
        s.in_flight += 1;
        s.max_in_flight = s.max_in_flight.max(s.in_flight);
    }
    let response = next.run(axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes))).await;
    let status = response.status().as_u16();
    let mut s = lock(&script);
    s.in_flight -= 1;
    s.log.push(LoggedRequest { method, path, status, body: text });
    drop(s);
    response
}

/// Before a handler: wait out the latency and take the fault that fires
/// for this request, if any.
pub async fn before(script: &SharedScript, method: &str, path: &str) -> Option<Fault> {
    let (latency, fault) = {
        let mut s = lock(script);
        (s.latency, s.take(method, path))
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    fault
}
