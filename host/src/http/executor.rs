//! Sends connector-described requests to one integration's target.
//!
//! Invariants: a request goes only to the integration's base URL plus a
//! path the connector gave (absolute, no `..`, no scheme, no query or
//! fragment smuggled in); the connector cannot set `Authorization`,
//! `Host` or `Cookie`; at most `concurrency` requests are in flight;
//! timeouts, 5xx and 429 are retried a bounded number of times; one 401
//! with a session token renews the token and tries again.

use super::auth::Authenticator;
use super::retry::RetryPolicy;
use crate::runtime::types::{Header, HttpMethod, HttpRequest, HttpResponse};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Why a request could not be completed at all.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The connector asked for something outside the base URL.
    #[error("refused request path {path:?}: {why}")]
    PathRefused { path: String, why: &'static str },
    /// Authentication could not be set up.
    #[error("authentication failed: {0:#}")]
    Auth(anyhow::Error),
    /// The answer was larger than the host accepts.
    #[error("{method} {path} answered with a body over {limit_mib} MiB; refused")]
    TooLarge { method: &'static str, path: String, limit_mib: usize },
    /// No answer after every retry.
    #[error("{method} {path} failed after {attempts} attempt(s): {message}")]
    Transport { method: &'static str, path: String, attempts: u32, message: String },
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

/// The HTTP side of one integration.
pub struct Executor {
    client: reqwest::Client,
    base_url: String,
    auth: Authenticator,
    retry: RetryPolicy,
    permits: Arc<Semaphore>,
    /// What was sent so far.
    pub counters: Counters,
}

/// Method name as sent on the wire.
pub fn method_name(method: HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Patch => "PATCH",
        HttpMethod::Delete => "DELETE",
    }
}

const FORBIDDEN_HEADERS: &[&str] = &["authorization", "host", "cookie", "proxy-authorization"];

/// Check a connector-given path; the host owns everything before it.
pub fn check_path(path: &str) -> Result<(), HttpError> {
    let refuse = |why| Err(HttpError::PathRefused { path: path.to_owned(), why });
    if !path.starts_with('/') || path.starts_with("//") {
        return refuse("it must start with a single '/' and is joined to the base URL");
    }
    if path.contains("://") {
        return refuse("it must not contain a scheme");
    }
    if path.split('/').any(|seg| seg == ".." || seg == ".") {
        return refuse("it must not contain '.' or '..' segments");
    }
    if path.contains(['?', '#', '\\']) || path.chars().any(char::is_control) {
        return refuse("query and fragment go in the request's query list, not the path");
    }
    Ok(())
}

impl Executor {
    /// An executor for `base_url` with `concurrency` requests in flight.
    pub fn new(
        base_url: &str,
        auth: Authenticator,
        retry: RetryPolicy,
        concurrency: usize,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("paybridge/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
            auth,
            retry,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            counters: Counters::default(),
        })
    }

    /// Send one request, retrying as the policy allows. Any HTTP answer,
    /// error statuses included, is returned as a response.
    pub async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, HttpError> {
        check_path(&request.path)?;
        let method = method_name(request.method);
        let url = format!("{}{}", self.base_url, request.path);
        let mut renewed = false;
        let mut retry = 0;
        loop {
            let _permit = self.permits.acquire().await.map_err(|_| HttpError::Transport {
                method,
                path: request.path.clone(),
                attempts: retry,
                message: "executor closed".into(),
            })?;
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            if request.method != HttpMethod::Get {
                self.counters.writes.fetch_add(1, Ordering::Relaxed);
            }
            let outcome = self.attempt(request, &url).await;
            drop(_permit);
            match outcome {
                Ok(response) if response.status == 401 && self.auth.has_session() && !renewed => {
                    renewed = true;
                    self.auth.invalidate().await;
                }
                Ok(response) if RetryPolicy::retryable_status(response.status) && retry < self.retry.max_retries => {
                    let after = response.headers.iter().find(|h| h.name.eq_ignore_ascii_case("retry-after"));
                    let wait = self.retry.wait(retry, after.map(|h| h.value.as_str()));
                    tracing::warn!(status = response.status, path = %request.path, ?wait, "retrying");
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                    retry += 1;
                    tokio::time::sleep(wait).await;
                }
                Ok(response) => return Ok(response),
                Err(AttemptError::Auth(e)) => return Err(HttpError::Auth(e)),
                Err(AttemptError::TooLarge) => {
                    return Err(HttpError::TooLarge {
                        method,
                        path: request.path.clone(),
                        limit_mib: MAX_BODY_BYTES >> 20,
                    });
                }
                Err(AttemptError::Transport(message)) if retry < self.retry.max_retries => {
                    let wait = self.retry.wait(retry, None);
                    tracing::warn!(path = %request.path, %message, ?wait, "retrying after transport error");
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                    retry += 1;
                    tokio::time::sleep(wait).await;
                }
                Err(AttemptError::Transport(message)) => {
                    return Err(HttpError::Transport {
                        method,
                        path: request.path.clone(),
                        attempts: retry + 1,
                        message,
                    });
                }
            }
        }
    }

    async fn attempt(&self, request: &HttpRequest, url: &str) -> Result<HttpResponse, AttemptError> {
        let method = reqwest::Method::from_bytes(method_name(request.method).as_bytes())
            .map_err(|e| AttemptError::Transport(e.to_string()))?;
        let mut builder = self.client.request(method, url).query(&request.query);
        for header in &request.headers {
            if FORBIDDEN_HEADERS.contains(&header.name.to_ascii_lowercase().as_str()) {
                continue;
            }
            builder = builder.header(header.name.as_str(), header.value.as_str());
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let builder = self.auth.apply(builder, &self.client, &self.base_url).await.map_err(AttemptError::Auth)?;
        let response = builder.send().await.map_err(|e| AttemptError::Transport(describe(e)))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(k, v)| Some(Header { name: k.as_str().to_owned(), value: v.to_str().ok()?.to_owned() }))
            .collect();
        let mut response = response;
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| AttemptError::Transport(describe(e)))? {
            if bytes.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(AttemptError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        let body = String::from_utf8_lossy(&bytes).into_owned();
        Ok(HttpResponse { status, headers, body })
    }
}

enum AttemptError {
    Auth(anyhow::Error),
    Transport(String),
    TooLarge,
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
    use super::check_path;

    #[test]
    fn paths_outside_the_base_url_are_refused() {
        assert!(check_path("/employee/v2").is_ok());
        for bad in ["employee", "//evil.example/x", "/a/../auth", "/x?token=1", "http://evil/", "/a#b"] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
    }
}
