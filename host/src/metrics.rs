//! Process-wide measurements for `paybridge serve`'s `/metrics`: the time
//! spent in connector calls (by connector and export) and the HTTP
//! requests sent to targets (by integration, read or write, and outcome).
//!
//! Life cycle: one [`Metrics`] per process ([`global`]), counted from the
//! process start and never reset, as Prometheus expects of counters. Every
//! connector call and every request attempt adds to it, whoever made it
//! (CLI or server). Figures that live in the store (runs and writes by
//! state) are not kept here: the server reads them at scrape time.
//! Written in the Prometheus text format 0.0.4, which is small enough not
//! to need a client crate.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Upper bounds (seconds) of the call-time histogram's buckets.
const BUCKETS: [f64; 10] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0];

/// A histogram of durations.
#[derive(Default)]
struct Timing {
    /// Calls at or under each bound of [`BUCKETS`] (not cumulative here).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The process's measurements.
#[derive(Default)]
pub struct Metrics {
    /// (connector label, export) → call times.
    calls: Mutex<BTreeMap<(String, &'static str), Timing>>,
    /// (integration, "read"/"write", outcome class) → requests.
    requests: Mutex<BTreeMap<(String, &'static str, &'static str), u64>>,
}

/// The process's one [`Metrics`].
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::default)
}

impl Metrics {
    /// One call of `function` on `connector` ("name@version") took `elapsed`.
    pub fn connector_call(&self, connector: &str, function: &'static str, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        let timing = calls.entry((connector.to_owned(), function)).or_default();
        if let Some(slot) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            timing.buckets[slot] += 1;
        }
        timing.count += 1;
        timing.sum += seconds;
    }

    /// One request attempt of `integration` ended: `write` when it was not
    /// a GET; `status` the answer's, or `None` when none came.
    pub fn target_request(&self, integration: &str, write: bool, status: Option<u16>) {
        let kind = if write { "write" } else { "read" };
        let outcome = match status {
            Some(200..=299) => "2xx",
            Some(429) => "429",
            Some(400..=499) => "4xx",
            Some(_) => "5xx",
            None => "no-answer",
        };
        let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        *requests.entry((integration.to_owned(), kind, outcome)).or_default() += 1;
    }

    /// Append the measurements to `out` in Prometheus text format.
    pub fn write_prometheus(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP paybridge_connector_call_seconds Time spent in connector calls, by connector and export."
        );
        let _ = writeln!(out, "# TYPE paybridge_connector_call_seconds histogram");
        for ((connector, function), timing) in self.calls.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let labels = format!("connector=\"{}\",function=\"{function}\"", label(connector));
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(timing.buckets) {
                cumulative += n;
                let _ =
                    writeln!(out, "paybridge_connector_call_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
            }
            let _ = writeln!(out, "paybridge_connector_call_seconds_bucket{{{labels},le=\"+Inf\"}} {}", timing.count);
            let _ = writeln!(out, "paybridge_connector_call_seconds_sum{{{labels}}} {}", timing.sum);
            let _ = writeln!(out, "paybridge_connector_call_seconds_count{{{labels}}} {}", timing.count);
        }
        let _ = writeln!(
            out,
            "# HELP paybridge_target_requests_total HTTP request attempts to targets, by integration, kind and outcome."
        );
        let _ = writeln!(out, "# TYPE paybridge_target_requests_total counter");
        for ((integration, kind, outcome), n) in self.requests.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let _ = writeln!(
                out,
                "paybridge_target_requests_total{{integration=\"{}\",kind=\"{kind}\",outcome=\"{outcome}\"}} {n}",
                label(integration)
            );
        }
    }
}

/// A Prometheus label value: backslashes, quotes and newlines escaped.
pub fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_times_are_written_as_a_cumulative_histogram_with_escaped_labels() {
        let metrics = Metrics::default();
        metrics.connector_call("odd\"name@1.0.0", "plan", Duration::from_millis(3));
        metrics.connector_call("odd\"name@1.0.0", "plan", Duration::from_secs(60));
        metrics.target_request("acme", true, Some(503));
        metrics.target_request("acme", false, None);
        let mut text = String::new();
        metrics.write_prometheus(&mut text);
        let labels = "connector=\"odd\\\"name@1.0.0\",function=\"plan\"";
        assert!(
            text.contains(&format!("paybridge_connector_call_seconds_bucket{{{labels},le=\"0.001\"}} 0")),
            "{text}"
        );
        assert!(
            text.contains(&format!("paybridge_connector_call_seconds_bucket{{{labels},le=\"0.005\"}} 1")),
            "{text}"
        );
        assert!(text.contains(&format!("paybridge_connector_call_seconds_bucket{{{labels},le=\"30\"}} 1")), "{text}");
        assert!(text.contains(&format!("paybridge_connector_call_seconds_bucket{{{labels},le=\"+Inf\"}} 2")), "{text}");
        assert!(text.contains(&format!("paybridge_connector_call_seconds_count{{{labels}}} 2")), "{text}");
        assert!(text.contains("integration=\"acme\",kind=\"write\",outcome=\"5xx\"} 1"), "{text}");
        assert!(text.contains("integration=\"acme\",kind=\"read\",outcome=\"no-answer\"} 1"), "{text}");
    }
}
