//! Reading the target's current state through the connector's streaming
//! read: send the requests it asks for (GET only, concurrently under the
//! executor's limit), hand each answer to `read-next` exactly once, merge
//! the partial employees it learnt ([`crate::model::TargetEmployee::absorb`])
//! and the company records ([`TargetState::absorb_company`]), and go on
//! until it asks for nothing new.
//!
//! Invariants: the host's work and memory grow with the requests sent, not
//! with their square: requests go out in windows of [`WINDOW`], answers
//! are handed over in calls of at most [`CALL_EXCHANGES`] exchanges or
//! [`CALL_BYTES`] of body, and nothing of an answer is kept once parsed. A
//! request is never sent twice in one read; a read sends at most its budget
//! of requests and stops with a clear error, before sending any more, as
//! soon as it has asked for more than that; a read that asks for new
//! requests window after window while learning nothing is stopped
//! ([`IDLE_WINDOWS`]). A request that fails
//! (5xx or 429 after the executor's retries, a transport error, a JSON body
//! that does not parse) is withheld from the connector and, when its path
//! names one target employee, marks only that employee unreadable, so the
//! others sync; a failure of a shared request (a list) fails the whole
//! read. A refresh re-sends the shared requests and those of the named
//! employees only.
//!
//! A 1.0 component parses the whole read at every call (see
//! `runtime::contract_v1`): it gets its history, in one window per round,
//! as it did under 1.0.

pub use super::targets::TargetState;
use crate::http::{Executor, Resend};
use crate::model::http::Response;
use crate::runtime::LoadedConnector;
use crate::runtime::connector::CallSite;
use crate::runtime::types::{Context, Exchange, HttpMethod, HttpRequest};
use anyhow::bail;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

/// Times a GET whose JSON body did not parse is sent again.
const MALFORMED_RETRIES: usize = 2;
/// Requests sent side by side before their answers are parsed.
pub const WINDOW: usize = 256;
/// Most exchanges handed to one `read-next` call.
pub const CALL_EXCHANGES: usize = 64;
/// Most response body bytes handed to one `read-next` call (a single
/// larger answer goes alone).
pub const CALL_BYTES: usize = 8 << 20;
/// Windows in a row that may ask for new requests while learning nothing.
pub const IDLE_WINDOWS: usize = 32;

/// Reads one integration's target.
pub struct Reader<'a> {
    /// The connector that describes and parses the reads.
    pub connector: &'a Arc<LoadedConnector>,
    /// HTTP to the target.
    pub executor: &'a Executor,
    /// The calls' context.
    pub ctx: &'a Context,
    /// Cleans what the connector logs while parsing.
    pub site: CallSite,
    /// Most requests one read (or refresh) may send.
    pub max_requests: u64,
}

type Key = (&'static str, String, Vec<(String, String)>);

fn key(r: &HttpRequest) -> Key {
    (r.method.as_str(), r.path.clone(), r.query.clone())
}

/// The path's segments, percent-decoded.
pub fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect()
}

/// Why an answer to a GET is not usable, if it is not.
fn unusable(response: &Response) -> Option<String> {
    if response.status >= 500 || response.status == 429 {
        return Some(format!("answered {}", response.status));
    }
    let json = response
        .headers
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case("content-type") && h.value.to_ascii_lowercase().contains("json"));
    if json
        && (200..300).contains(&response.status)
        && serde_json::from_str::<serde::de::IgnoredAny>(&response.body).is_err()
    {
        return Some("answered a JSON body that does not parse".into());
    }
    None
}

/// `exchanges` cut into `read-next` calls of at most [`CALL_EXCHANGES`]
/// exchanges and [`CALL_BYTES`] of body.
fn into_calls(exchanges: Vec<Exchange>) -> Vec<Vec<Exchange>> {
    let mut calls = Vec::new();
    let mut call: Vec<Exchange> = Vec::new();
    let mut bytes = 0;
    for exchange in exchanges {
        let size = exchange.response.body.len();
        if !call.is_empty() && (call.len() >= CALL_EXCHANGES || bytes + size > CALL_BYTES) {
            calls.push(std::mem::take(&mut call));
            bytes = 0;
        }
        bytes += size;
        call.push(exchange);
    }
    if !call.is_empty() {
        calls.push(call);
    }
    calls
}

/// The requests still to send in one read, each at most once.
struct Queue<'s> {
    pending: VecDeque<HttpRequest>,
    asked: HashSet<Key>,
    /// Requests not to send (in a refresh: those of other employees).
    skip: &'s (dyn Fn(&HttpRequest) -> bool + Sync),
}

impl Queue<'_> {
    /// Queue the requests never asked for; whether any was new.
    fn add(&mut self, requests: Vec<HttpRequest>) -> bool {
        let before = self.pending.len();
        for request in requests {
            if !(self.skip)(&request) && self.asked.insert(key(&request)) {
                self.pending.push_back(request);
            }
        }
        self.pending.len() > before
    }
}

impl Reader<'_> {
    /// Everything the target holds now.
    pub async fn read(&self) -> anyhow::Result<TargetState> {
        let first = self.connector.read_start(self.site.clone(), self.ctx.clone()).await?;
        let mut state = TargetState::default();
        self.stream(&mut state, first, &|_| false).await?;
        Ok(state)
    }

    /// Read again what concerns `target_ids` (target ids or employee
    /// numbers): the shared requests (those naming no other known target
    /// employee) and the named employees' own. The named employees are
    /// replaced by what the target holds now; the others take in what the
    /// shared requests say. A 1.0 connector reads everything again.
    pub async fn refresh(&self, state: &mut TargetState, target_ids: &[&str]) -> anyhow::Result<()> {
        if self.connector.contract_major() < 2 {
            *state = self.read().await?;
            return Ok(());
        }
        let others: HashSet<String> = state.ids().filter(|id| !target_ids.contains(id)).map(str::to_owned).collect();
        let of_others = move |r: &HttpRequest| segments(&r.path).iter().any(|s| others.contains(s));
        let first = self.connector.read_start(self.site.clone(), self.ctx.clone()).await?;
        let mut fresh = TargetState::default();
        self.stream(&mut fresh, first, &of_others).await?;
        state.retain(|id| !target_ids.contains(&id));
        for employee in fresh.employees() {
            state.absorb(employee);
        }
        state.absorb_company(fresh.company().to_vec())?;
        state.unreadable.extend(fresh.unreadable);
        state.reindex();
        Ok(())
    }

    /// Send `first` and whatever the connector asks for after it, merging
    /// what it learns into `state`.
    async fn stream(
        &self,
        state: &mut TargetState,
        first: Vec<HttpRequest>,
        skip: &(dyn Fn(&HttpRequest) -> bool + Sync),
    ) -> anyhow::Result<()> {
        let legacy = self.connector.contract_major() < 2;
        let mut history: Vec<Exchange> = Vec::new();
        let mut queue = Queue { pending: VecDeque::new(), asked: HashSet::new(), skip };
        queue.add(first);
        let mut failed: Vec<(HttpRequest, String)> = Vec::new();
        let (mut sent, mut idle) = (0_u64, 0_usize);
        while !queue.pending.is_empty() {
            let take = if legacy { queue.pending.len() } else { WINDOW.min(queue.pending.len()) };
            let window: Vec<HttpRequest> = queue.pending.drain(..take).collect();
            if let Some(write) = window.iter().find(|r| r.method != HttpMethod::Get) {
                bail!(
                    "connector {} asked to send {} {} while reading; reads must be GET so a dry run never writes",
                    self.connector.label(),
                    write.method.as_str(),
                    write.path.escape_debug()
                );
            }
            // Everything asked for so far counts: a connector that asks
            // for more than the budget is stopped before the first of them.
            let waiting = window.len() + queue.pending.len();
            if sent + waiting as u64 > self.max_requests {
                bail!(
                    "reading the target would take more than {} requests (already {sent}, {waiting} more asked for); \
                     stopped before sending them. If the target really is that large, raise max_read_requests for this integration",
                    self.max_requests,
                );
            }
            sent += window.len() as u64;
            let answers = futures::future::join_all(window.iter().map(|r| self.send_checked(r))).await;
            let mut exchanges = Vec::with_capacity(window.len());
            for (request, answer) in window.into_iter().zip(answers) {
                match answer {
                    Ok(response) => exchanges.push(Exchange { request, response: response.into() }),
                    Err(reason) => failed.push((request, reason)),
                }
            }
            let calls = if legacy {
                history.extend(exchanges);
                vec![history.clone()]
            } else {
                into_calls(exchanges)
            };
            let steps = futures::future::join_all(
                calls.into_iter().map(|call| self.connector.read_next(self.site.clone(), self.ctx.clone(), call)),
            )
            .await;
            let mut learnt_any = false;
            let mut more = Vec::new();
            for step in steps {
                let step = match step? {
                    Ok(step) => step,
                    Err(e) => {
                        if let Some((request, reason)) = failed.first() {
                            bail!("reading the target: GET {} {reason}", request.path);
                        }
                        let message = (self.site.filter)(&e.message);
                        bail!("connector could not read the target ({}): {message}", (self.site.filter)(&e.code));
                    }
                };
                learnt_any |= !step.learnt.is_empty();
                learnt_any |= state.absorb_company(step.company).map_err(|why| {
                    anyhow::anyhow!(
                        "connector {} answered company records the host refuses: {}; the read was stopped. Fix or replace the connector",
                        self.connector.label(),
                        (self.site.filter)(&why.to_string())
                    )
                })?;
                for employee in step.learnt {
                    let employee = employee.try_into().map_err(|why: crate::model::convert::MalformedRecord| {
                        anyhow::anyhow!(
                            "connector {} answered a target employee with {}; the read was stopped. Fix or replace the connector",
                            self.connector.label(),
                            (self.site.filter)(&why.to_string())
                        )
                    })?;
                    state.absorb(employee);
                }
                more.extend(step.more);
            }
            let asked_new = queue.add(more);
            idle = if learnt_any || !asked_new { 0 } else { idle + 1 };
            if idle > IDLE_WINDOWS {
                bail!(
                    "connector {} kept asking for new requests ({sent} sent) while learning nothing from {IDLE_WINDOWS} windows of answers; \
                     the read was stopped. Fix or replace the connector",
                    self.connector.label()
                );
            }
        }
        for (request, reason) in failed {
            match segments(&request.path).into_iter().find(|s| state.holds(s)) {
                Some(id) => {
                    state.unreadable.insert(id, format!("GET {} {reason}", request.path));
                }
                None => bail!("reading the target: GET {} {reason}", request.path),
            }
        }
        state.reindex();
        Ok(())
    }

    /// Send a GET; an unusable answer is sent again (a body that does not
    /// parse) or reported as the reason.
    async fn send_checked(&self, request: &HttpRequest) -> Result<Response, String> {
        let request = request.into();
        let mut attempts = 0;
        loop {
            let response = self.executor.send(&request, Resend::Safe).await.map_err(|e| e.to_string())?;
            match unusable(&response) {
                None => return Ok(response),
                Some(reason) if attempts >= MALFORMED_RETRIES || response.status >= 429 => return Err(reason),
                Some(_) => attempts += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::types::HttpResponse;

    #[test]
    fn segments_are_percent_decoded() {
        assert_eq!(segments("/employees/a%2Fb/x"), vec!["employees", "a/b", "x"]);
    }

    #[test]
    fn a_json_body_that_does_not_parse_is_unusable_and_a_404_is_not() {
        let header = crate::model::http::Header { name: "Content-Type".into(), value: "application/json".into() };
        let bad = Response { status: 200, headers: vec![header.clone()], body: "[{\"empId\":".into() };
        assert!(unusable(&bad).is_some());
        let missing = Response { status: 404, headers: vec![header], body: "{}".into() };
        assert!(unusable(&missing).is_none());
    }

    fn exchange(body_bytes: usize) -> Exchange {
        Exchange {
            request: HttpRequest {
                method: HttpMethod::Get,
                path: "/x".into(),
                query: Vec::new(),
                headers: Vec::new(),
                body: None,
            },
            response: HttpResponse { status: 200, headers: Vec::new(), body: "x".repeat(body_bytes) },
        }
    }

    #[test]
    fn answers_are_handed_over_in_calls_bounded_by_count_and_bytes() {
        let calls = into_calls((0..150).map(|_| exchange(10)).collect());
        assert_eq!(calls.iter().map(Vec::len).collect::<Vec<_>>(), vec![64, 64, 22]);
        let big = into_calls(vec![exchange(CALL_BYTES - 5), exchange(10), exchange(CALL_BYTES + 1), exchange(1)]);
        assert_eq!(big.iter().map(Vec::len).collect::<Vec<_>>(), vec![1, 1, 1, 1]);
        assert!(into_calls(Vec::new()).is_empty());
    }

    #[test]
    fn a_queue_sends_each_request_once_and_skips_what_it_is_told() {
        let skip = |r: &HttpRequest| r.path == "/skip";
        let mut queue = Queue { pending: VecDeque::new(), asked: HashSet::new(), skip: &skip };
        let get = |path: &str| HttpRequest { path: path.into(), ..exchange(0).request };
        assert!(queue.add(vec![get("/a"), get("/a"), get("/skip")]));
        assert_eq!(queue.pending.len(), 1);
        assert!(!queue.add(vec![get("/a")]), "asked once already");
    }
}
