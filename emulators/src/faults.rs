//! Scripted failures and the request log shared by the emulators.
//!
//! A [`Fault`] names the requests it applies to (method and path prefix),
//! what goes wrong ([`FaultKind`]: a status code, a hang, a malformed JSON
//! answer or a cut connection), whether the emulator applies the request
//! first (a write that happened although the client saw an error), how
//! many matching requests it lets through first, how many times it fires
//! and on what share of matching requests.
//!
//! Faults fire from one place in each emulator: the [`inject`] middleware
//! around every route. Whether a fault with a probability fires is drawn
//! from the [`Script`]'s seed and the identity of the request (method,
//! path and how many times that method and path were asked before), so
//! the same script fails the same requests however concurrent requests
//! interleave.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::time::Duration;

/// The body a malformed-JSON fault answers when there is no real answer to
/// cut short: the start of a 24SevenOffice employee list.
pub const TRUNCATED_JSON: &str = r#"[{"empId":"#;

/// The message of every error answer a fault makes.
pub const FAULT_MESSAGE: &str = "fault injected by the emulator";

/// What goes wrong when a fault fires.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Answer this status code (an error body in the emulator's shape).
    Status(u16),
    /// Hold the answer back this long. Before processing: wait, then answer
    /// 503 without applying the request. After processing: apply the
    /// request, wait, then send the real answer.
    Hang(Duration),
    /// Answer 200 with `content-type: application/json` and a body that is
    /// not valid JSON: [`TRUNCATED_JSON`] before processing, the real answer
    /// cut in half after processing.
    MalformedJson,
    /// Cut the connection without a complete answer: the answer's body
    /// fails, so the server aborts the connection.
    Reset,
}

/// A failure to answer instead of (or on top of) the real response.
#[derive(Debug, Clone)]
pub struct Fault {
    /// Only requests with this method ("GET", "POST"...), or any.
    pub method: Option<String>,
    /// Only requests whose path starts with this (under the API root).
    pub path_prefix: String,
    /// What goes wrong.
    pub kind: FaultKind,
    /// `Retry-After` seconds to send with an error answer (a status fault,
    /// or the 503 after a hang before processing).
    pub retry_after: Option<u64>,
    /// How many times the fault fires; [`Fault::UNLIMITED`] never runs out.
    pub times: u32,
    /// Apply the real request first, then answer the fault: a write that
    /// happened although the client saw an error.
    pub after_processing: bool,
    /// Share of matching requests the fault fires on, from 0.0 to 1.0.
    pub probability: f64,
    /// Matching requests to let through before the fault can fire (see
    /// [`Fault::after_matching`]); 0 fires from the first.
    pub skip: u32,
}

impl Fault {
    /// `times` meaning the fault fires on every matching request, forever.
    pub const UNLIMITED: u32 = u32::MAX;

    /// `times` requests matching `method` and `path_prefix` fail with `kind`.
    pub fn new(method: &str, path_prefix: &str, kind: FaultKind, times: u32) -> Self {
        Self {
            method: Some(method.to_owned()),
            path_prefix: path_prefix.to_owned(),
            kind,
            retry_after: None,
            times,
            after_processing: false,
            probability: 1.0,
            skip: 0,
        }
    }

    /// `times` requests matching `method` and `path_prefix` answer `status`.
    pub fn status(method: &str, path_prefix: &str, status: u16, times: u32) -> Self {
        Self::new(method, path_prefix, FaultKind::Status(status), times)
    }

    /// `times` requests matching `method` and `path_prefix` get no answer
    /// for `duration` (see [`FaultKind::Hang`]).
    pub fn hang(method: &str, path_prefix: &str, duration: Duration, times: u32) -> Self {
        Self::new(method, path_prefix, FaultKind::Hang(duration), times)
    }

    /// `times` requests matching `method` and `path_prefix` are answered 200
    /// with a body that is not valid JSON.
    pub fn malformed_json(method: &str, path_prefix: &str, times: u32) -> Self {
        Self::new(method, path_prefix, FaultKind::MalformedJson, times)
    }

    /// `times` requests matching `method` and `path_prefix` have their
    /// connection cut without a complete answer.
    pub fn reset(method: &str, path_prefix: &str, times: u32) -> Self {
        Self::new(method, path_prefix, FaultKind::Reset, times)
    }

    /// With a `Retry-After` header on its error answer.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// Apply the request first, then fail the answer.
    pub fn after_processing(mut self) -> Self {
        self.after_processing = true;
        self
    }

    /// Fire on about this share of matching requests (clamped to 0.0–1.0).
    pub fn with_probability(mut self, probability: f64) -> Self {
        self.probability = if probability.is_nan() { 0.0 } else { probability.clamp(0.0, 1.0) };
        self
    }

    /// Match requests of every method.
    pub fn on_any_method(mut self) -> Self {
        self.method = None;
        self
    }

    /// Let `n` matching requests through first: the fault can fire from the
    /// `n + 1`th (e.g. on the third page of a list with `n = 2`). Every
    /// matching request counts, whether or not another fault fires on it;
    /// a request let through does not use up [`Fault::times`].
    pub fn after_matching(mut self, n: u32) -> Self {
        self.skip = n;
        self
    }

    /// Fire on every matching request, forever.
    pub fn persistent(mut self) -> Self {
        self.times = Self::UNLIMITED;
        self
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.times > 0 && self.method.as_deref().is_none_or(|m| m == method) && path.starts_with(&self.path_prefix)
    }

    /// A short description for the request log, e.g. "500 after processing".
    pub fn describe(&self) -> String {
        let what = match &self.kind {
            FaultKind::Status(status) => status.to_string(),
            FaultKind::Hang(duration) => format!("hang {}ms", duration.as_millis()),
            FaultKind::MalformedJson => "malformed JSON".to_owned(),
            FaultKind::Reset => "reset".to_owned(),
        };
        if self.after_processing { format!("{what} after processing") } else { what }
    }
}

/// One request as the emulator saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    /// HTTP method.
    pub method: String,
    /// Path under the API root, without query.
    pub path: String,
    /// The query, without `?` (empty when there is none).
    pub query: String,
    /// Status answered; 0 when the connection was cut without an answer
    /// (a reset fault, or the client went away before the answer).
    pub status: u16,
    /// Body as received.
    pub body: String,
    /// The fault that fired on this request ([`Fault::describe`]), if any.
    pub fault: Option<String>,
}

/// A fault in the script, with the number its probability draws are keyed by.
#[derive(Debug)]
struct ArmedFault {
    id: u64,
    fault: Fault,
}

/// Faults waiting to fire, latency and the request log.
#[derive(Debug, Default)]
pub struct Script {
    faults: Vec<ArmedFault>,
    next_fault_id: u64,
    seed: u64,
    /// Requests seen so far per (method, path): the occurrence a draw is keyed by.
    occurrences: HashMap<(String, String), u64>,
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
    /// Queue a fault; earlier faults are tried first.
    pub fn push(&mut self, fault: Fault) {
        self.faults.push(ArmedFault { id: self.next_fault_id, fault });
        self.next_fault_id += 1;
    }

    /// Seed the draws of faults with a probability (default 0). The same
    /// seed and script fail the same requests.
    pub fn seed_faults(&mut self, seed: u64) {
        self.seed = seed;
    }

    /// The fault that fires for this request, if any (consumes one use).
    /// Every matching fault is tried in order; one still letting requests
    /// through ([`Fault::skip`]) counts this one off and does not fire; one
    /// with a probability below 1 fires only when its draw for this request
    /// says so.
    pub fn take(&mut self, method: &str, path: &str) -> Option<Fault> {
        let occurrence = {
            let count = self.occurrences.entry((method.to_owned(), path.to_owned())).or_default();
            *count += 1;
            *count
        };
        let seed = self.seed;
        let mut firing = None;
        for (at, armed) in self.faults.iter_mut().enumerate() {
            if !armed.fault.matches(method, path) {
                continue;
            }
            if armed.fault.skip > 0 {
                armed.fault.skip -= 1;
                continue;
            }
            if firing.is_none()
                && (armed.fault.probability >= 1.0
                    || draw(seed, armed.id, method, path, occurrence) < armed.fault.probability)
            {
                firing = Some(at);
            }
        }
        let at = firing?;
        let fault = &mut self.faults[at].fault;
        if fault.times != Fault::UNLIMITED {
            fault.times -= 1;
        }
        let fired = fault.clone();
        if fault.times == 0 {
            self.faults.remove(at);
        }
        Some(fired)
    }
}

/// SplitMix64's finaliser: a well-mixed 64-bit value from any input.
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// FNV-1a of `bytes`: a hash that is the same on every run and platform.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// A number in [0, 1) for this fault and this occurrence of this request.
fn draw(seed: u64, fault_id: u64, method: &str, path: &str, occurrence: u64) -> f64 {
    let mut x = splitmix64(seed ^ splitmix64(fault_id));
    x = splitmix64(x ^ fnv1a(method.as_bytes()));
    x = splitmix64(x ^ fnv1a(path.as_bytes()));
    x = splitmix64(x ^ occurrence);
    // The top 53 bits as a fraction: every value exactly representable.
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// A script shared between an emulator's handlers and its owner.
pub type SharedScript = std::sync::Arc<std::sync::Mutex<Script>>;

/// Lock a shared script; a panic elsewhere must not wedge the emulator.
pub fn lock(script: &SharedScript) -> std::sync::MutexGuard<'_, Script> {
    script.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The fault that fired on a request, for the request log.
#[derive(Debug, Clone)]
struct FiredFault {
    description: String,
    cuts_connection: bool,
}

/// Where [`inject`] leaves the fault it fired for [`record`] to log: a
/// request extension, so the fault is logged even when the client goes
/// away during a hang and the server drops the request half-way.
#[derive(Debug, Clone, Default)]
struct FaultSlot(std::sync::Arc<std::sync::Mutex<Option<FiredFault>>>);

impl FaultSlot {
    fn put(&self, fired: FiredFault) {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(fired);
    }

    fn take(&self) -> Option<FiredFault> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take()
    }
}

/// Counts a request in flight and logs it when it ends, also when the
/// client goes away first and the server drops the request half-way
/// (logged with status 0).
struct InFlight<'a> {
    script: &'a SharedScript,
    entry: LoggedRequest,
    slot: FaultSlot,
}

impl<'a> InFlight<'a> {
    fn start(script: &'a SharedScript, entry: LoggedRequest, slot: FaultSlot) -> Self {
        let mut s = lock(script);
        s.in_flight += 1;
        s.max_in_flight = s.max_in_flight.max(s.in_flight);
        drop(s);
        Self { script, entry, slot }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Some(fired) = self.slot.take() {
            if fired.cuts_connection {
                self.entry.status = 0;
            }
            self.entry.fault = Some(fired.description);
        }
        let mut s = lock(self.script);
        s.in_flight = s.in_flight.saturating_sub(1);
        s.log.push(self.entry.clone());
    }
}

/// Middleware: log every request with the status it was finally answered
/// and the fault that fired on it. `prefix` is the API root stripped from
/// logged paths.
pub async fn record(
    State((script, prefix)): State<(SharedScript, &'static str)>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 16 << 20).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response();
    };
    let entry = LoggedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().trim_start_matches(prefix).to_owned(),
        query: parts.uri.query().unwrap_or("").to_owned(),
        status: 0,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        fault: None,
    };
    let slot = FaultSlot::default();
    parts.extensions.insert(slot.clone());
    let mut in_flight = InFlight::start(&script, entry, slot);
    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    in_flight.entry.status = response.status().as_u16();
    drop(in_flight);
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

/// How an emulator words an error answer: status and message to a
/// response in the vendor's error shape.
pub type ErrorAnswer = fn(StatusCode, &str) -> Response;

/// What the [`inject`] middleware needs to know about its emulator.
#[derive(Clone)]
pub struct FaultGate {
    /// The emulator's script.
    pub script: SharedScript,
    /// API root stripped from request paths before matching fault prefixes.
    pub root: &'static str,
    /// The emulator's error shape.
    pub error_answer: ErrorAnswer,
}

/// Middleware around every route of an emulator (inside [`record`]):
/// wait out the latency, then answer the fault that fires for this
/// request, running the real handler first when the fault is
/// `after_processing` and not at all otherwise.
pub async fn inject(State(gate): State<FaultGate>, request: Request, next: Next) -> Response {
    let path = request.uri().path().trim_start_matches(gate.root).to_owned();
    let Some(fault) = before(&gate.script, request.method().as_str(), &path).await else {
        return next.run(request).await;
    };
    if let Some(slot) = request.extensions().get::<FaultSlot>() {
        slot.put(FiredFault { description: fault.describe(), cuts_connection: fault.kind == FaultKind::Reset });
    }
    if fault.after_processing {
        let real = next.run(request).await;
        answer_after(&fault, real, gate.error_answer).await
    } else {
        answer_instead(&fault, gate.error_answer).await
    }
}

/// The fault's answer when the request was not applied.
async fn answer_instead(fault: &Fault, error_answer: ErrorAnswer) -> Response {
    match &fault.kind {
        FaultKind::Status(status) => error_response(fault, *status, error_answer),
        FaultKind::Hang(duration) => {
            tokio::time::sleep(*duration).await;
            error_response(fault, StatusCode::SERVICE_UNAVAILABLE.as_u16(), error_answer)
        }
        FaultKind::MalformedJson => malformed_json(Bytes::from_static(TRUNCATED_JSON.as_bytes())),
        FaultKind::Reset => cut_connection(),
    }
}

/// The fault's answer after the request was applied and answered `real`.
async fn answer_after(fault: &Fault, real: Response, error_answer: ErrorAnswer) -> Response {
    match &fault.kind {
        FaultKind::Status(status) => error_response(fault, *status, error_answer),
        FaultKind::Hang(duration) => {
            tokio::time::sleep(*duration).await;
            real
        }
        FaultKind::MalformedJson => {
            let body = axum::body::to_bytes(real.into_body(), 16 << 20).await.unwrap_or_default();
            let half = body.slice(..body.len() / 2);
            // A half that still parses (a short number) is not malformed.
            let cut = if serde_json::from_slice::<serde_json::Value>(&half).is_ok() {
                Bytes::from_static(TRUNCATED_JSON.as_bytes())
            } else {
                half
            };
            malformed_json(cut)
        }
        FaultKind::Reset => cut_connection(),
    }
}

fn error_response(fault: &Fault, status: u16, error_answer: ErrorAnswer) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = error_answer(status, FAULT_MESSAGE);
    if let Some(seconds) = fault.retry_after {
        response.headers_mut().insert("retry-after", HeaderValue::from(seconds));
    }
    response
}

fn malformed_json(body: Bytes) -> Response {
    let mut response = Response::new(Body::from(body));
    response.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
    response
}

/// An answer whose body fails at once: the server gives up on the
/// connection without completing the answer.
fn cut_connection() -> Response {
    let failing = futures::stream::iter([Err::<Bytes, _>(std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "connection cut by a reset fault",
    ))]);
    Response::new(Body::from_stream(failing))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_taken_in_order_and_run_out() {
        let mut script = Script::default();
        script.push(Fault::status("GET", "/a", 500, 2));
        script.push(Fault::reset("GET", "/", 1));
        assert_eq!(script.take("GET", "/a/1").map(|f| f.kind), Some(FaultKind::Status(500)));
        assert_eq!(script.take("POST", "/a/1").map(|f| f.kind), None, "another method");
        assert_eq!(script.take("GET", "/a/2").map(|f| f.kind), Some(FaultKind::Status(500)));
        assert_eq!(script.take("GET", "/a/3").map(|f| f.kind), Some(FaultKind::Reset));
        assert!(script.take("GET", "/a/4").is_none(), "every fault ran out");
    }

    #[test]
    fn a_fault_after_matching_lets_that_many_matching_requests_through_first() {
        let mut script = Script::default();
        script.push(Fault::status("GET", "/employee", 503, 1).after_matching(2));
        assert!(script.take("GET", "/employee").is_none(), "first page let through");
        assert!(script.take("POST", "/employee").is_none(), "another method neither fires nor counts");
        assert!(script.take("GET", "/office").is_none(), "another path neither fires nor counts");
        assert!(script.take("GET", "/employee").is_none(), "second page let through");
        assert_eq!(script.take("GET", "/employee").map(|f| f.kind), Some(FaultKind::Status(503)), "third page");
        assert!(script.take("GET", "/employee").is_none(), "the one use was taken by the third page only");
    }

    #[test]
    fn a_fault_still_letting_requests_through_does_not_hide_a_later_one() {
        let mut script = Script::default();
        script.push(Fault::status("GET", "/", 500, 1).after_matching(1));
        script.push(Fault::status("GET", "/", 429, 1));
        assert_eq!(script.take("GET", "/a").map(|f| f.kind), Some(FaultKind::Status(429)));
        assert_eq!(script.take("GET", "/a").map(|f| f.kind), Some(FaultKind::Status(500)));
        assert!(script.take("GET", "/a").is_none());
    }

    #[test]
    fn an_unlimited_fault_never_runs_out() {
        let mut script = Script::default();
        script.push(Fault::status("GET", "/employment/v2/1005", 500, Fault::UNLIMITED));
        for _ in 0..10_000 {
            assert!(script.take("GET", "/employment/v2/1005").is_some());
        }
        assert!(script.take("GET", "/employment/v2/1004").is_none());
    }

    #[test]
    fn draws_are_spread_evenly_and_depend_on_the_seed() {
        let below = (0..10_000).filter(|n| draw(7, 0, "GET", "/x", *n) < 0.25).count();
        assert!((2_300..2_700).contains(&below), "{below} of 10000 below 0.25");
        let differing = (0..100).filter(|n| draw(7, 0, "GET", "/x", *n) != draw(8, 0, "GET", "/x", *n)).count();
        assert_eq!(differing, 100);
    }

    #[test]
    fn a_description_names_the_kind_and_when_it_fires() {
        assert_eq!(Fault::status("GET", "/", 429, 1).describe(), "429");
        assert_eq!(
            Fault::hang("POST", "/", Duration::from_secs(2), 1).after_processing().describe(),
            "hang 2000ms after processing"
        );
        assert_eq!(Fault::malformed_json("GET", "/", 1).describe(), "malformed JSON");
        assert_eq!(Fault::reset("POST", "/", 1).after_processing().describe(), "reset after processing");
    }
}
