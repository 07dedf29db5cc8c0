//! Sends connector-described requests to one integration's target.
//!
//! Invariants: a request goes only to the integration's base URL plus a
//! path the connector gave, checked as written and percent-decoded
//! ([`super::origin`]); the connector cannot set `Authorization`, `Host`
//! or `Cookie`; redirects are not followed, so credentials never leave
//! the origin; at most `concurrency` requests are in flight; at most the
//! run's request budget is sent. Reads are retried on timeouts, 5xx and
//! 429; a write is retried only when the target cannot have applied it
//! (a refused connection, a 429) or when it is idempotent: any other
//! failure leaves its outcome unknown and is returned as such, never sent
//! twice blindly. A 429 holds back every request of the integration until
//! its `Retry-After` has passed. One 401 with a session token renews the
//! token and tries again.

use super::auth::{Authenticator, HOST_ONLY_HEADERS};
use super::origin::{BaseUrl, PathRefused};
use super::retry::RetryPolicy;
use crate::model::http::{Header, Method as HttpMethod, Request as HttpRequest, Response as HttpResponse};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Why a request could not be completed at all.
// Variant fields are named for what they hold; the messages say how they read.
#[allow(missing_docs)]
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The connector asked for something outside the base URL.
    #[error(transparent)]
    PathRefused(#[from] PathRefused),
    /// A header the connector gave cannot be sent.
    #[error("refused header {name:?}: {why}")]
    BadHeader { name: String, why: &'static str },
    /// Authentication could not be set up.
    #[error("authentication failed: {0:#}")]
    Auth(anyhow::Error),
    /// The answer was larger than the host accepts.
    #[error("{method} {path} answered with a body over {limit_mib} MiB; refused")]
    TooLarge { method: &'static str, path: String, limit_mib: usize },
    /// The run's request budget is spent.
    #[error(
        "refused {method} {path}: this run already sent its budget of {budget} requests (max_run_requests); the connector may be flooding the target"
    )]
    Budget { method: &'static str, path: String, budget: u64 },
    /// No answer after every retry. `maybe_applied`: the request may have
    /// reached the target (a timeout or a cut connection after sending).
    #[error("{method} {path} failed after {attempts} attempt(s): {message}")]
    Transport { method: &'static str, path: String, attempts: u32, message: String, maybe_applied: bool },
}

impl HttpError {
    /// Whether the target may have applied the request although no answer
    /// came back.
    pub fn maybe_applied(&self) -> bool {
        matches!(self, Self::Transport { maybe_applied: true, .. })
    }
}

/// Counts of what was sent, for run summaries and tests.
#[derive(Debug, Default)]
pub struct Counters {
    /// Every request attempt, reads included.
    pub requests: AtomicU64,
    /// Attempts of non-GET requests.
    pub writes: AtomicU64,
    /// Retries after a failure.
    pub retries: AtomicU64,
}

/// How a request may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resend {
    /// A read, or a write the target applies once however often it is
    /// sent (a PUT of the whole record): retried on any retryable failure.
    Safe,
    /// A write that could be applied twice: retried only when the target
    /// cannot have applied it.
    OnlyIfUnapplied,
}

/// The HTTP side of one integration.
pub struct Executor {
    client: reqwest::Client,
    base: BaseUrl,
    auth: Authenticator,
    retry: RetryPolicy,
    permits: Arc<Semaphore>,
    budget: AtomicU64,
    /// After a 429, no request of this integration goes out before this.
    paused_until: std::sync::Mutex<Option<tokio::time::Instant>>,
    /// What was sent so far.
    pub counters: Counters,
    /// The integration its requests are counted under in [`crate::metrics`].
    measured_as: Option<String>,
}

/// What one attempt produced.
enum AttemptError {
    Auth(anyhow::Error),
    BadHeader(String, &'static str),
    /// `sent`: the request may have reached the target.
    Transport {
        message: String,
        sent: bool,
    },
    TooLarge,
}

impl Executor {
    /// An executor for `base` with `concurrency` requests in flight.
    pub fn new(
        base: BaseUrl,
        auth: Authenticator,
        retry: RetryPolicy,
        concurrency: usize,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("paybridge/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            base,
            auth,
            retry,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            budget: AtomicU64::new(u64::MAX),
            paused_until: std::sync::Mutex::new(None),
            counters: Counters::default(),
            measured_as: None,
        })
    }

    /// Count this executor's requests under `integration` in the process
    /// metrics ([`crate::metrics`]).
    pub fn measured_as(mut self, integration: &str) -> Self {
        self.measured_as = Some(integration.to_owned());
        self
    }

    /// Allow at most `requests` requests (attempts) from now on, in total.
    pub fn set_budget(&self, requests: u64) {
        let sent = self.counters.requests.load(Ordering::Relaxed);
        self.budget.store(sent.saturating_add(requests), Ordering::Relaxed);
    }

    /// Send one request, retrying as `resend` and the policy allow. Any
    /// HTTP answer, error statuses included, is returned as a response.
    pub async fn send(&self, request: &HttpRequest, resend: Resend) -> Result<HttpResponse, HttpError> {
        let url = self.base.join(&request.path)?;
        let method = request.method.as_str();
        let path = || request.path.clone();
        let mut renewed = false;
        let mut retry = 0;
        loop {
            self.wait_out_pause().await;
            let _permit = self.permits.acquire().await.map_err(|_| HttpError::Transport {
                method,
                path: path(),
                attempts: retry,
                message: "executor closed".into(),
                maybe_applied: false,
            })?;
            let budget = self.budget.load(Ordering::Relaxed);
            if self.counters.requests.fetch_add(1, Ordering::Relaxed) >= budget {
                self.counters.requests.fetch_sub(1, Ordering::Relaxed);
                return Err(HttpError::Budget { method, path: path(), budget });
            }
            if request.method != HttpMethod::Get {
                self.counters.writes.fetch_add(1, Ordering::Relaxed);
            }
            let outcome = self.attempt(request, &url).await;
            drop(_permit);
            if let Some(integration) = &self.measured_as {
                let status = outcome.as_ref().ok().map(|r| r.status);
                crate::metrics::global().target_request(integration, request.method != HttpMethod::Get, status);
            }
            let may_retry = retry < self.retry.max_retries;
            match outcome {
                Ok(response) if response.status == 401 && self.auth.has_session() && !renewed => {
                    renewed = true;
                    self.auth.invalidate().await;
                }
                Ok(response)
                    if may_retry
                        && (response.status == 429
                            || (resend == Resend::Safe && RetryPolicy::retryable_status(response.status))) =>
                {
                    let after = response.headers.iter().find(|h| h.name.eq_ignore_ascii_case("retry-after"));
                    let wait = self.retry.wait(retry, after.map(|h| h.value.as_str()));
                    if response.status == 429 {
                        self.pause(wait);
                    }
                    tracing::warn!(status = response.status, path = %logged(&request.path), ?wait, "retrying");
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                    retry += 1;
                    tokio::time::sleep(wait).await;
                }
                Ok(response) => return Ok(response),
                Err(AttemptError::Auth(e)) => return Err(HttpError::Auth(e)),
                Err(AttemptError::BadHeader(name, why)) => return Err(HttpError::BadHeader { name, why }),
                Err(AttemptError::TooLarge) => {
                    return Err(HttpError::TooLarge { method, path: path(), limit_mib: MAX_BODY_BYTES >> 20 });
                }
                Err(AttemptError::Transport { message, sent }) if may_retry && (!sent || resend == Resend::Safe) => {
                    let wait = self.retry.wait(retry, None);
                    tracing::warn!(path = %logged(&request.path), %message, ?wait, "retrying after transport error");
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                    retry += 1;
                    tokio::time::sleep(wait).await;
                }
                Err(AttemptError::Transport { message, sent }) => {
                    return Err(HttpError::Transport {
                        method,
                        path: path(),
                        attempts: retry + 1,
                        message,
                        maybe_applied: sent && request.method != HttpMethod::Get,
                    });
                }
            }
        }
    }

    /// Hold every request of this integration back for `wait` (the target
    /// said 429): the whole integration slows down, not one request.
    fn pause(&self, wait: Duration) {
        let until = tokio::time::Instant::now() + wait;
        let mut paused = self.paused_until.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if paused.is_none_or(|current| current < until) {
            *paused = Some(until);
        }
    }

    async fn wait_out_pause(&self) {
        let until = *self.paused_until.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(until) = until {
            tokio::time::sleep_until(until).await;
        }
    }

    async fn attempt(&self, request: &HttpRequest, url: &reqwest::Url) -> Result<HttpResponse, AttemptError> {
        let method = reqwest::Method::from_bytes(request.method.as_str().as_bytes())
            .map_err(|e| AttemptError::Transport { message: e.to_string(), sent: false })?;
        let mut builder = self.client.request(method, url.clone()).query(&request.query);
        for header in &request.headers {
            if HOST_ONLY_HEADERS.contains(&header.name.to_ascii_lowercase().as_str()) {
                continue;
            }
            let shown = || header.name.escape_debug().to_string();
            let name = reqwest::header::HeaderName::from_bytes(header.name.as_bytes())
                .map_err(|_| AttemptError::BadHeader(shown(), "not a valid header name"))?;
            let value = reqwest::header::HeaderValue::from_str(&header.value)
                .map_err(|_| AttemptError::BadHeader(shown(), "its value holds characters a header cannot carry"))?;
            builder = builder.header(name, value);
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let builder = self.auth.apply(builder, &self.client).await.map_err(AttemptError::Auth)?;
        let response = builder
            .send()
            .await
            .map_err(|e| AttemptError::Transport { sent: !e.is_connect(), message: describe(e) })?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(k, v)| Some(Header { name: k.as_str().to_owned(), value: v.to_str().ok()?.to_owned() }))
            .collect();
        let mut response = response;
        let mut bytes = Vec::new();
        while let Some(chunk) =
            response.chunk().await.map_err(|e| AttemptError::Transport { sent: true, message: describe(e) })?
        {
            if bytes.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(AttemptError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        let body = String::from_utf8_lossy(&bytes).into_owned();
        Ok(HttpResponse { status, headers, body })
    }
}

/// A connector-given path as it may appear in a log: the executor does not
/// know whose it is, so long digit runs (a national id in a path) are masked.
fn logged(path: &str) -> String {
    crate::privacy::mask_digit_runs(path)
}

/// The largest response body the host accepts (and hands to a connector).
pub const MAX_BODY_BYTES: usize = 32 << 20;

fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".into();
    }
    // The error and its causes, without the URL (the host knows the path).
    let e = e.without_url();
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::auth::AuthPolicy;
    use crate::model::http::AuthScheme;

    fn executor() -> Executor {
        let base = BaseUrl::parse("http://127.0.0.1:9/api").expect("base");
        let auth =
            Authenticator::new(AuthScheme::None, super::super::Secrets::default(), &base, &AuthPolicy::default())
                .expect("auth");
        Executor::new(base, auth, RetryPolicy::default(), 1, Duration::from_secs(1)).expect("executor")
    }

    fn request(path: &str, headers: Vec<Header>) -> HttpRequest {
        HttpRequest { method: HttpMethod::Post, path: path.into(), query: vec![], headers, body: None }
    }

    #[tokio::test]
    async fn a_bad_header_is_named_and_nothing_is_sent() {
        let bad = Header { name: "x-bad\nname".into(), value: "1".into() };
        let err = executor().send(&request("/x", vec![bad]), Resend::OnlyIfUnapplied).await.expect_err("refused");
        assert!(matches!(&err, HttpError::BadHeader { name, .. } if name == "x-bad\\nname"), "{err}");
    }

    #[tokio::test]
    async fn a_request_over_the_budget_is_refused_before_it_is_sent() {
        let e = executor();
        e.set_budget(0);
        let err = e.send(&request("/x", vec![]), Resend::Safe).await.expect_err("refused");
        assert!(err.to_string().contains("max_run_requests"), "{err}");
        assert_eq!(e.counters.requests.load(Ordering::Relaxed), 0);
    }

    #[tokio::test]
    async fn after_a_429_every_request_of_the_integration_waits() {
        let e = executor();
        e.pause(Duration::from_millis(300));
        let started = tokio::time::Instant::now();
        let _ = e.send(&request("/x", vec![]), Resend::OnlyIfUnapplied).await;
        assert!(started.elapsed() >= Duration::from_millis(300), "the request waited out the pause");
    }

    #[tokio::test]
    async fn a_write_that_never_connected_is_known_unapplied() {
        let err = executor().send(&request("/x", vec![]), Resend::OnlyIfUnapplied).await.expect_err("refused");
        assert!(!err.maybe_applied(), "a refused connection cannot have applied anything: {err}");
    }
}
