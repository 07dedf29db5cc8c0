//! Retry policy: which failures are retried and how long to wait.

use std::time::Duration;

/// Bounded exponential backoff that honours `Retry-After`.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff; doubled each retry.
    pub base: Duration,
    /// Longest single wait, also caps `Retry-After`.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_retries: 3, base: Duration::from_millis(500), max_wait: Duration::from_secs(60) }
    }
}

impl RetryPolicy {
    /// Whether a response status is worth retrying.
    pub fn retryable_status(status: u16) -> bool {
        status == 429 || (500..600).contains(&status)
    }

    /// Wait before retry number `retry` (0-based), given a `Retry-After`
    /// header value if the target sent one (seconds form).
    pub fn wait(&self, retry: u32, retry_after: Option<&str>) -> Duration {
        let backoff = self.base.saturating_mul(2u32.saturating_pow(retry));
        let wait = retry_after.and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_secs).unwrap_or(backoff);
        wait.min(self.max_wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_retry_after_wins_within_the_cap() {
        let p = RetryPolicy { max_retries: 3, base: Duration::from_millis(100), max_wait: Duration::from_secs(5) };
        assert_eq!(p.wait(0, None), Duration::from_millis(100));
        assert_eq!(p.wait(2, None), Duration::from_millis(400));
        assert_eq!(p.wait(0, Some("2")), Duration::from_secs(2));
        assert_eq!(p.wait(0, Some("3600")), Duration::from_secs(5));
        assert_eq!(p.wait(1, Some("Wed, 21 Oct 2015 07:28:00 GMT")), Duration::from_millis(200));
    }

    #[test]
    fn only_429_and_5xx_are_retried() {
        assert!(RetryPolicy::retryable_status(429));
        assert!(RetryPolicy::retryable_status(503));
        assert!(!RetryPolicy::retryable_status(409));
        assert!(!RetryPolicy::retryable_status(400));
    }
}
