//! Reading the target's current state through the connector's read pair:
//! send the requests it asks for (GET only, concurrently under the
//! executor's limit), hand back the exchanges, repeat until it asks for
//! nothing new.
//!
//! Invariants: a request is never sent twice in one read; a read sends at
//! most its budget of requests and stops with a clear error before the
//! round that would exceed it; a request that fails (5xx or 429 after the
//! executor's retries, a transport error, a JSON body that does not parse)
//! is withheld from the connector and, when its path names one target
//! employee, marks only that employee unreadable, so the others sync; a
//! failure of a shared request (a list) fails the whole read. A refresh
//! re-sends only the shared requests and those of the named employees.

use super::matching::TargetIndex;
use crate::http::{Executor, Resend};
use crate::model::TargetEmployee;
use crate::model::http::Response;
use crate::runtime::LoadedConnector;
use crate::runtime::connector::CallSite;
use crate::runtime::types::{Context, Exchange, HttpMethod, HttpRequest};
use anyhow::bail;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// Times a GET whose JSON body did not parse is sent again.
const MALFORMED_RETRIES: usize = 2;

/// What the target holds, as far as it could be read.
#[derive(Debug, Default)]
pub struct TargetState {
    /// Every target employee the connector assembled.
    pub employees: Vec<TargetEmployee>,
    /// Target ids whose records could not be read completely, with why.
    pub unreadable: BTreeMap<String, String>,
    index: TargetIndex,
    exchanges: Vec<Exchange>,
}

impl TargetState {
    /// Whether the target holds a record with this id.
    pub fn holds(&self, target_id: &str) -> bool {
        self.index.holds(target_id)
    }

    /// The target employees, indexed for matching.
    pub fn index(&self) -> &TargetIndex {
        &self.index
    }

    /// Why the record of `target_id` could not be read, if it could not.
    pub fn unreadable(&self, target_id: &str) -> Option<&str> {
        self.unreadable.get(target_id).map(String::as_str)
    }
}

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

impl Reader<'_> {
    /// Everything the target holds now.
    pub async fn read(&self) -> anyhow::Result<TargetState> {
        let first = self.connector.read_requests(self.site.clone(), self.ctx.clone()).await?;
        let mut state = TargetState::default();
        self.rounds(&mut state, first).await?;
        Ok(state)
    }

    /// Read again what concerns `target_ids`: the shared requests (those
    /// naming no known target employee) and the named employees' own.
    pub async fn refresh(&self, state: &mut TargetState, target_ids: &[&str]) -> anyhow::Result<()> {
        let known: HashSet<&str> = state.employees.iter().map(|t| t.target_id.as_str()).collect();
        let mut resend = Vec::new();
        let mut keep = Vec::new();
        for exchange in std::mem::take(&mut state.exchanges) {
            let segs = segments(&exchange.request.path);
            let names_known = segs.iter().any(|s| known.contains(s.as_str()));
            let names_wanted = segs.iter().any(|s| target_ids.contains(&s.as_str()));
            if !names_known || names_wanted { resend.push(exchange.request) } else { keep.push(exchange) }
        }
        state.exchanges = keep;
        state.unreadable.retain(|id, _| !target_ids.contains(&id.as_str()));
        self.rounds(state, resend).await
    }

    async fn rounds(&self, state: &mut TargetState, mut pending: Vec<HttpRequest>) -> anyhow::Result<()> {
        let mut asked: HashSet<Key> = state.exchanges.iter().map(|x| key(&x.request)).collect();
        let mut failed: Vec<(HttpRequest, String)> = Vec::new();
        let mut sent: u64 = 0;
        loop {
            if let Some(write) = pending.iter().find(|r| r.method != HttpMethod::Get) {
                bail!(
                    "connector {} asked to send {} {} while reading; reads must be GET so a dry run never writes",
                    self.connector.label(),
                    write.method.as_str(),
                    write.path.escape_debug()
                );
            }
            if sent + pending.len() as u64 > self.max_requests {
                bail!(
                    "reading the target would take more than {} requests (already {sent}, {} more asked for); \
                     stopped before sending them. If the target really is that large, raise max_read_requests for this integration",
                    self.max_requests,
                    pending.len()
                );
            }
            sent += pending.len() as u64;
            asked.extend(pending.iter().map(key));
            let answers = futures::future::join_all(pending.iter().map(|r| self.send_checked(r))).await;
            for (request, answer) in pending.drain(..).zip(answers) {
                match answer {
                    Ok(response) => state.exchanges.push(Exchange { request, response: response.into() }),
                    Err(reason) => failed.push((request, reason)),
                }
            }
            let parsed = self
                .connector
                .parse_read(self.site.clone(), self.ctx.clone(), Arc::new(state.exchanges.clone()))
                .await?;
            let outcome = match parsed {
                Ok(outcome) => outcome,
                Err(e) => {
                    if let Some((request, reason)) = failed.first() {
                        bail!("reading the target: GET {} {reason}", request.path);
                    }
                    let message = (self.site.filter)(&e.message);
                    bail!("connector could not read the target ({}): {message}", (self.site.filter)(&e.code));
                }
            };
            let ids: HashSet<&str> = outcome.employees.iter().map(|t| t.target_id.as_str()).collect();
            for (request, reason) in failed.drain(..) {
                let named = segments(&request.path).into_iter().find(|s| ids.contains(s.as_str()));
                match named {
                    Some(id) => {
                        state.unreadable.insert(id, format!("GET {} {reason}", request.path));
                    }
                    None => bail!("reading the target: GET {} {reason}", request.path),
                }
            }
            pending = outcome.more.into_iter().filter(|r| !asked.contains(&key(r))).collect();
            if pending.is_empty() {
                state.employees = outcome.employees.into_iter().map(Into::into).collect();
                state.index = TargetIndex::new(&state.employees);
                return Ok(());
            }
        }
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
}
