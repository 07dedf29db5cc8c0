//! The live AlexisHR source: reads every list the sync needs from the
//! public API (`../shared/data/alexishr/openapi.yaml`, notes in
//! `../shared/research/alexishr-api.md`) into the store, page by page, and
//! builds the same [`HrSnapshot`] a snapshot file gives.
//!
//! How each list is read ([`LISTS`]), `limit`/`offset` paging, sorted:
//! - `employee` and `employment` carry `updated` (API changelog
//!   2023-12-20): they are read *incrementally*, only records
//!   `filters[updated][$gt]` the read's window start,
//!   `sort[updated]=asc&sort[id]=asc`. A window starts at the latest
//!   `updated` the read before the last one saw, so windows overlap by one
//!   read: a record an offset shifted past while others changed during a
//!   read is taken by the next (records seen again compare equal by hash).
//!   After the read a one-record request compares the API's `total` with
//!   what is kept; when they differ (a record was deleted) the list is read
//!   whole once more, and it is read whole at least once a day anyway (a
//!   deletion and an addition between two reads keep the total).
//! - every other list has no `updated`: it is read *whole* every time
//!   (`sort[id]=asc`), each record's hash compared with the one kept;
//!   records the read did not see are removed once it reached its last
//!   page.
//!
//! A page shorter than asked ends a read only when the answer has no
//! `total`; with one, the read goes on to the total (or an empty page).
//!
//! Invariants: a page is saved with the read's new position in one
//! transaction, so the cursor never moves past a page that failed, and a
//! read cut short (a crash, a 500 after the retries) resumes at the page
//! it stopped at without asking twice for a page it saved. The lists of
//! one import form a *pass*: a list finished in the pass in progress is not
//! read again when the pass resumes. Employees are imported only after
//! every list of the pass was read. The access token comes from the
//! environment and is sent only to the configured `base_url`; redirects
//! are not followed.

use super::snapshot::{HrSnapshot, parse_snapshot};
use crate::config::AlexisHrConfig;
use crate::http::BaseUrl;
use crate::http::retry::RetryPolicy;
use crate::store::Store;
use crate::store::hr_source::{ReadState, SourceRecord};
use anyhow::{Context as _, anyhow, bail};
use serde_json::{Map, Value};
use std::time::Duration;

/// How one AlexisHR list is read.
#[derive(Debug, Clone, Copy)]
pub struct ListSpec {
    /// The list's path under the API root, e.g. `employee`.
    pub resource: &'static str,
    /// Read from the `updated` cursor rather than whole.
    pub incremental: bool,
    /// A relation asked for with the list and kept as a list of its own:
    /// (the `relations` name, the list it is kept under).
    pub relation: Option<(&'static str, &'static str)>,
}

/// Every list the sync needs, in the order they are read (employees last,
/// so a pass that reached them has everything they point to).
pub const LISTS: &[ListSpec] = &[
    ListSpec { resource: "office", incremental: false, relation: None },
    ListSpec { resource: "department", incremental: false, relation: None },
    ListSpec { resource: "employment-type", incremental: false, relation: None },
    ListSpec { resource: "leave-type", incremental: false, relation: Some(("leaveTypeCode", "leave-type-code")) },
    ListSpec { resource: "compensation", incremental: false, relation: None },
    ListSpec { resource: "leave", incremental: false, relation: None },
    ListSpec { resource: "leave-transaction", incremental: false, relation: None },
    ListSpec { resource: "child", incremental: false, relation: None },
    ListSpec { resource: "employment", incremental: true, relation: None },
    ListSpec { resource: "employee", incremental: true, relation: None },
];

/// Most pages one list's read may take: a runaway guard (a server that
/// keeps answering full pages), far above any company.
const MAX_PAGES: u64 = 100_000;

/// What reading one list did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ListReport {
    /// The list.
    pub resource: String,
    /// Pages asked for in this import (0: finished earlier in this pass).
    pub pages: u64,
    /// Records received.
    pub records: u64,
    /// Records new or changed.
    pub changed: u64,
    /// Records removed (gone from the source).
    pub removed: u64,
    /// Whether it was read whole (else from its cursor).
    pub full: bool,
    /// Records without `updated` in an incremental list: a window cannot
    /// see them change, so the list is read whole next time.
    pub without_updated: u64,
}

/// What one import from the live source did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ReadReport {
    /// The pass this import finished.
    pub pass: i64,
    /// Each list, in reading order.
    pub lists: Vec<ListReport>,
    /// HR ids of the employees whose own record, or a record of theirs
    /// (employment, compensation, leave, child), is new, changed or gone
    /// in this import, in id order. Changes to company lists (offices,
    /// types) name no employee.
    pub changed_employees: Vec<String>,
}

/// One page of a list, as the API answered it.
struct Page {
    data: Vec<Map<String, Value>>,
    total: Option<u64>,
    relation: Vec<Map<String, Value>>,
}

/// A connection to one AlexisHR account.
pub struct AlexisHr {
    base: BaseUrl,
    token: String,
    page_size: u32,
    policy: RetryPolicy,
    client: reqwest::Client,
}

impl AlexisHr {
    /// The source `config` describes, its token read from the environment
    /// variable it names.
    pub fn from_env(config: &AlexisHrConfig) -> anyhow::Result<Self> {
        let token = std::env::var(&config.token_env).ok().filter(|t| !t.trim().is_empty()).with_context(|| {
            format!(
                "the AlexisHR access token is not set: put it in the environment variable {} (an Owner creates one under Settings → Access tokens)",
                config.token_env
            )
        })?;
        Self::new(config, token)
    }

    /// The source `config` describes, with `token`.
    pub fn new(config: &AlexisHrConfig, token: String) -> anyhow::Result<Self> {
        let base = BaseUrl::parse(&config.base_url).context("[alexishr] base_url")?;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(config.request_timeout_secs.max(1)))
            .build()
            .context("building the HTTP client for AlexisHR")?;
        let policy = RetryPolicy {
            max_retries: config.max_retries,
            base: Duration::from_millis(config.retry_backoff_ms),
            ..RetryPolicy::default()
        };
        Ok(Self { base, token, page_size: config.page_size.max(1), policy, client })
    }

    /// Read every list into `store` (resuming a pass cut short) and build
    /// the HR data from what is kept (the inner result: the records may
    /// not make valid HR data). The caller finishes the pass
    /// ([`Store::finish_source_pass`]) once it imported the result, or
    /// abandons it ([`Store::abandon_source_pass`]).
    pub async fn read(
        &self,
        store: &Store,
        tz: &jiff::tz::TimeZone,
    ) -> anyhow::Result<(anyhow::Result<HrSnapshot>, ReadReport)> {
        let pass = store.begin_source_pass()?;
        let mut report = ReadReport { pass, ..ReadReport::default() };
        let mut changed = std::collections::BTreeSet::new();
        for spec in LISTS {
            let list = match store.source_read(spec.resource)? {
                Some(state) if state.pass == pass && !state.in_progress => {
                    ListReport { resource: spec.resource.to_owned(), ..ListReport::default() }
                }
                _ => self.read_list(store, spec, pass, &mut changed).await?,
            };
            report.lists.push(list);
        }
        report.changed_employees = changed.into_iter().collect();
        Ok((assemble(store, tz), report))
    }

    /// Read one list: resume or begin, page until the last, check an
    /// incremental list's total, finish.
    async fn read_list(
        &self,
        store: &Store,
        spec: &ListSpec,
        pass: i64,
        changed: &mut std::collections::BTreeSet<String>,
    ) -> anyhow::Result<ListReport> {
        let mut report = ListReport { resource: spec.resource.to_owned(), ..ListReport::default() };
        let full = !spec.incremental || full_read_due(store.last_full_read(spec.resource)?.as_deref());
        let mut state = store.begin_source_read(spec.resource, full)?;
        loop {
            self.read_pages(store, spec, &mut state, &mut report, changed).await?;
            report.full |= state.full;
            if spec.incremental && !state.full {
                let total = self.total(spec.resource).await?;
                let kept = store.source_count(spec.resource)?;
                if total != kept {
                    tracing::info!(
                        list = spec.resource,
                        total,
                        kept,
                        "AlexisHR's total differs from what is kept: reading the list whole"
                    );
                    store.finish_source_read(&state, &[], pass, None)?;
                    state = store.begin_source_read(spec.resource, true)?;
                    continue;
                }
            }
            let also: Vec<&str> = spec.relation.iter().map(|(_, kept_as)| *kept_as).collect();
            let removed = store.finish_source_read(&state, &also, pass, employee_key(spec.resource))?;
            if report.without_updated > 0 {
                tracing::info!(
                    list = spec.resource,
                    records = report.without_updated,
                    "records without `updated`: the list is read whole next time"
                );
                store.require_full_read(spec.resource)?;
            }
            report.removed += removed.len() as u64;
            for data in &removed {
                if let Ok(Value::Object(record)) = serde_json::from_str::<Value>(data) {
                    changed.extend(employee_of(spec.resource, &record));
                }
            }
            return Ok(report);
        }
    }

    /// Ask for pages from where `state` stands until one comes back short
    /// (or the offset reaches `total`), saving each with the read's new
    /// position and, for an incremental list, the latest `updated` seen.
    async fn read_pages(
        &self,
        store: &Store,
        spec: &ListSpec,
        state: &mut ReadState,
        report: &mut ListReport,
        changed: &mut std::collections::BTreeSet<String>,
    ) -> anyhow::Result<()> {
        for _ in 0..MAX_PAGES {
            let query = self.page_query(spec, state);
            let offset = state.next_offset;
            let page =
                self.get(spec.resource, &query, spec.relation.map(|(name, _)| name)).await.with_context(|| {
                    format!("reading AlexisHR {} from offset {offset}; the next import resumes there", spec.resource)
                })?;
            let count = page.data.len() as u64;
            let mut records = Vec::with_capacity(page.data.len() + page.relation.len());
            for record in &page.data {
                records.push(to_record(spec.resource, record)?);
            }
            if let Some((_, kept_as)) = spec.relation {
                for record in &page.relation {
                    records.push(to_record(kept_as, record)?);
                }
            }
            if spec.incremental {
                for record in &page.data {
                    match updated(record) {
                        Some(instant) if state.high.as_deref().is_none_or(|high| later(instant, high)) => {
                            state.high = Some(instant.to_owned());
                        }
                        Some(_) => {}
                        None => report.without_updated += 1,
                    }
                }
            }
            state.next_offset += count;
            report.pages += 1;
            report.records += count;
            let saved = store.save_source_page(state, &records)?;
            report.changed += saved.len() as u64;
            for at in saved {
                if let Some(record) = page.data.get(at) {
                    changed.extend(employee_of(spec.resource, record));
                }
            }
            // The end: an empty page, the offset at the total, or (without a
            // total) a short page. A short page below the total is a server
            // answering less than asked: go on.
            let done = match page.total {
                Some(total) => state.next_offset >= total,
                None => count < u64::from(self.page_size),
            };
            if count == 0 || done {
                return Ok(());
            }
        }
        bail!("AlexisHR kept answering full pages of {} after {MAX_PAGES} pages; stopped", spec.resource)
    }

    /// The query of the next page of `spec` from `state`: `limit` and
    /// `offset`, sorted by id (incremental lists by `updated`, then id,
    /// and only those `updated` after the read's window start).
    fn page_query(&self, spec: &ListSpec, state: &ReadState) -> Vec<(String, String)> {
        let mut query = vec![
            ("limit".to_owned(), self.page_size.to_string()),
            ("offset".to_owned(), state.next_offset.to_string()),
        ];
        if spec.incremental {
            if let Some(from) = &state.window_from {
                query.push(("filters[updated][$gt]".into(), from.clone()));
            }
            query.push(("sort[updated]".into(), "asc".into()));
        }
        query.push(("sort[id]".into(), "asc".into()));
        if let Some((name, _)) = spec.relation {
            query.push(("relations".into(), name.into()));
        }
        query
    }

    /// How many records of `resource` the API holds (`total` of a
    /// one-record page).
    async fn total(&self, resource: &str) -> anyhow::Result<u64> {
        let query = [("limit".to_owned(), "1".to_owned())];
        let page = self.get(resource, &query, None).await.with_context(|| format!("counting AlexisHR {resource}"))?;
        page.total.with_context(|| format!("AlexisHR answered a {resource} list without its total"))
    }

    /// GET one list page, retrying timeouts, 429 and 5xx with backoff
    /// (honouring `Retry-After`).
    async fn get(&self, resource: &str, query: &[(String, String)], relation: Option<&str>) -> anyhow::Result<Page> {
        let mut url = self.base.join(&format!("/{resource}")).map_err(|e| anyhow!("{e}"))?;
        url.query_pairs_mut().extend_pairs(query);
        let body = self.send(resource, || self.client.get(url.clone())).await?;
        parse_page(&body, relation)
    }

    /// PATCH `path` (under the API root) with `body`, retried like a read
    /// (a PATCH sent twice changes nothing more); the record AlexisHR
    /// answers (`data` of `{status, data}`).
    pub async fn patch(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let url = self.base.join(path).map_err(|e| anyhow!("{e}"))?;
        let answer = self.send(path, || self.client.patch(url.clone()).json(body)).await?;
        let answer: Value = serde_json::from_slice(&answer).context("AlexisHR answered a write with no JSON")?;
        Ok(answer.get("data").cloned().unwrap_or(Value::Null))
    }

    /// Send the request `make` builds (with the token), retrying timeouts,
    /// 429 and 5xx with backoff (honouring `Retry-After`); the body of the
    /// first 2xx answer. `what` names the list or path in the log.
    async fn send(&self, what: &str, make: impl Fn() -> reqwest::RequestBuilder) -> anyhow::Result<Vec<u8>> {
        let mut retry = 0;
        loop {
            let sent = make().bearer_auth(&self.token).send().await;
            let failure = match sent {
                Ok(response) => {
                    let status = response.status().as_u16();
                    if (200..300).contains(&status) {
                        return Ok(response.bytes().await.context("reading the answer")?.to_vec());
                    }
                    let retry_after =
                        response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
                    let body = response.text().await.unwrap_or_default();
                    if !RetryPolicy::retryable_status(status) {
                        return Err(refusal(status, &body));
                    }
                    (format!("AlexisHR answered {status}: {}", short(&body)), retry_after)
                }
                Err(e) => (format!("no answer from AlexisHR: {e}"), None),
            };
            if retry >= self.policy.max_retries {
                bail!("{} (after {} retries)", failure.0, retry);
            }
            let wait = self.policy.wait(retry, failure.1.as_deref());
            tracing::warn!(
                target = what,
                retry = retry + 1,
                wait_ms = wait.as_millis() as u64,
                "{}; retrying",
                failure.0
            );
            tokio::time::sleep(wait).await;
            retry += 1;
        }
    }
}

/// The error for a status that is not retried, saying what to do.
fn refusal(status: u16, body: &str) -> anyhow::Error {
    match status {
        401 => anyhow!(
            "AlexisHR refused the access token (401): check it, or create a new one under Settings → Access tokens"
        ),
        403 => anyhow!("AlexisHR forbids this token to read the list (403): the token must belong to an Owner"),
        _ => anyhow!("AlexisHR answered {status}: {}", short(body)),
    }
}

/// At most 300 characters of an answer, for an error message.
fn short(body: &str) -> String {
    let body = body.trim();
    match body.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &body[..at]),
        None => body.to_owned(),
    }
}

/// A list page from its JSON: the `{status, data, total, count, offset,
/// relations}` envelope every AlexisHR list answers.
fn parse_page(body: &[u8], relation: Option<&str>) -> anyhow::Result<Page> {
    let value: Value = serde_json::from_slice(body).context("AlexisHR answered a list page that is not JSON")?;
    let Value::Object(mut envelope) = value else { bail!("AlexisHR answered a list page that is not a JSON object") };
    let objects = |value: Option<Value>, what: &str| -> anyhow::Result<Vec<Map<String, Value>>> {
        let Some(Value::Array(items)) = value else { bail!("AlexisHR answered a list page without its {what} array") };
        items
            .into_iter()
            .map(|item| match item {
                Value::Object(map) => Ok(map),
                _ => Err(anyhow!("AlexisHR answered a {what} entry that is not an object")),
            })
            .collect()
    };
    let data = objects(envelope.remove("data"), "data")?;
    let total = envelope.get("total").and_then(Value::as_u64);
    let relation = match relation {
        Some(name) => {
            let found = envelope.get_mut("relations").and_then(|r| r.get_mut(name)).map(Value::take);
            objects(Some(found.unwrap_or(Value::Array(Vec::new()))), name)?
        }
        None => Vec::new(),
    };
    Ok(Page { data, total, relation })
}

/// A record to keep, with its id checked.
fn to_record(resource: &str, record: &Map<String, Value>) -> anyhow::Result<SourceRecord> {
    let id = match record.get("id") {
        Some(Value::String(id)) if !id.is_empty() && id.len() <= 128 => id.clone(),
        _ => bail!("AlexisHR answered a {resource} record without a usable id"),
    };
    let data = serde_json::to_string(record).context("encoding a record")?;
    Ok(SourceRecord { resource: resource.to_owned(), id, data, employee: employee_of(resource, record) })
}

/// The HR employee a record of `resource` is about: its own id for an
/// employee, its `employeeId` for a per-employee list, none for a
/// company list.
fn employee_of(resource: &str, record: &Map<String, Value>) -> Option<String> {
    record.get(employee_key(resource)?).and_then(Value::as_str).map(str::to_owned)
}

/// The member naming the HR employee a record of `resource` is about.
fn employee_key(resource: &str) -> Option<&'static str> {
    match resource {
        "employee" => Some("id"),
        r if PER_EMPLOYEE.contains(&r) => Some("employeeId"),
        _ => None,
    }
}

/// The `updated` instant of an incremental list's record (optional on an
/// employment in the API's schema).
fn updated(record: &Map<String, Value>) -> Option<&str> {
    record.get("updated").and_then(Value::as_str).filter(|u| !u.is_empty())
}

/// How long an incremental list goes without a whole read: deletions the
/// total check cannot see (one record gone, another added) last no longer.
const FULL_READ_EVERY: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// Whether an incremental list last read whole at `last` (never: `None`)
/// is due for a whole read.
fn full_read_due(last: Option<&str>) -> bool {
    let Some(last) = last.and_then(|l| l.parse::<jiff::Timestamp>().ok()) else { return true };
    jiff::Timestamp::now().duration_since(last) >= FULL_READ_EVERY
}

/// Whether the instant `a` is later than `b` (RFC 3339; compared as text
/// when either does not parse).
fn later(a: &str, b: &str) -> bool {
    match (a.parse::<jiff::Timestamp>(), b.parse::<jiff::Timestamp>()) {
        (Ok(a), Ok(b)) => a > b,
        _ => a > b,
    }
}

/// Lists whose records belong to one employee (`employeeId`).
const PER_EMPLOYEE: &[&str] = &["employment", "compensation", "leave", "leave-transaction", "child"];

/// The ids a kept record names: its own and its employee's.
#[derive(serde::Deserialize)]
struct Ids {
    id: Option<String>,
    #[serde(rename = "employeeId")]
    employee_id: Option<String>,
}

/// Append the kept records of `resource` to `text` as a JSON array; with
/// `known`, only those whose employee is known (the others are counted).
fn append_list(
    store: &Store,
    resource: &str,
    text: &mut String,
    known: Option<&std::collections::HashSet<String>>,
) -> anyhow::Result<usize> {
    let mut left_out = 0;
    let mut first = true;
    text.push('[');
    store.for_each_source_record(resource, |data| {
        if let Some(known) = known {
            let ids: Ids =
                serde_json::from_str(data).with_context(|| format!("a kept {resource} record is not JSON"))?;
            if !ids.employee_id.is_some_and(|id| known.contains(&id)) {
                left_out += 1;
                return Ok(());
            }
        }
        if !first {
            text.push(',');
        }
        first = false;
        text.push_str(data);
        Ok(())
    })?;
    text.push(']');
    Ok(left_out)
}

/// The HR data from the kept records: the object a snapshot file holds,
/// written as text straight from the store and parsed into the typed
/// records once (never a tree of JSON values of the whole company). A
/// record of an employee the source no longer lists (deleted in HR while
/// its employments stay, or read in between) is left out, with a warning,
/// rather than failing every import.
fn assemble(store: &Store, tz: &jiff::tz::TimeZone) -> anyhow::Result<HrSnapshot> {
    let mut known = std::collections::HashSet::new();
    let mut text = String::from("{\"employee\":");
    append_list(store, "employee", &mut text, None)?;
    store.for_each_source_record("employee", |data| {
        let ids: Ids = serde_json::from_str(data).context("a kept employee record is not JSON")?;
        known.extend(ids.id);
        Ok(())
    })?;
    for spec in LISTS.iter().filter(|spec| spec.resource != "employee") {
        text.push_str(&format!(",\"{}\":", spec.resource));
        let filter = PER_EMPLOYEE.contains(&spec.resource).then_some(&known);
        if let Some((name, kept_as)) = spec.relation {
            text.push_str("{\"data\":");
            append_list(store, spec.resource, &mut text, None)?;
            text.push_str(&format!(",\"relations\":{{\"{name}\":"));
            append_list(store, kept_as, &mut text, None)?;
            text.push_str("}}");
        } else {
            let left_out = append_list(store, spec.resource, &mut text, filter)?;
            if left_out > 0 {
                tracing::warn!(
                    list = spec.resource,
                    left_out,
                    "records of employees AlexisHR no longer lists are left out"
                );
            }
        }
    }
    text.push('}');
    parse_snapshot(&text, tz).context("in the records read from AlexisHR")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(window_from: Option<&str>, next_offset: u64) -> ReadState {
        ReadState {
            resource: "employee".into(),
            read_no: 1,
            in_progress: true,
            next_offset,
            window_from: window_from.map(str::to_owned),
            high: window_from.map(str::to_owned),
            full: window_from.is_none(),
            pass: 1,
        }
    }

    fn source() -> AlexisHr {
        AlexisHr::new(
            &AlexisHrConfig { page_size: 10, ..AlexisHrConfig::new("https://api.alexishr.com/v1") },
            "t".into(),
        )
        .expect("source")
    }

    fn text(query: &[(String, String)]) -> String {
        query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
    }

    #[test]
    fn incremental_pages_ask_for_what_changed_after_the_window_start_sorted_by_updated() {
        let employee = LISTS.iter().find(|l| l.resource == "employee").expect("employee");
        let api = source();
        assert_eq!(
            text(&api.page_query(employee, &state(None, 0))),
            "limit=10&offset=0&sort[updated]=asc&sort[id]=asc"
        );
        assert_eq!(
            text(&api.page_query(employee, &state(Some("T"), 20))),
            "limit=10&offset=20&filters[updated][$gt]=T&sort[updated]=asc&sort[id]=asc"
        );
    }

    #[test]
    fn whole_lists_page_by_offset_sorted_by_id_and_ask_for_their_relation() {
        let leave_types = LISTS.iter().find(|l| l.resource == "leave-type").expect("leave-type");
        let api = source();
        assert_eq!(
            text(&api.page_query(leave_types, &state(None, 10))),
            "limit=10&offset=10&sort[id]=asc&relations=leaveTypeCode"
        );
    }

    #[test]
    fn instants_compare_as_instants() {
        assert!(later("2026-11-01T00:00:00.001Z", "2026-11-01T00:00:00Z"));
        assert!(!later("2026-11-01T01:00:00+02:00", "2026-11-01T00:00:00Z"));
    }

    #[test]
    fn a_record_without_updated_has_no_instant() {
        let Value::Object(record) = serde_json::json!({"id": "e1", "updated": ""}) else { unreachable!() };
        assert_eq!(updated(&record), None);
    }

    #[test]
    fn a_page_must_be_the_list_envelope() {
        assert!(parse_page(b"[]", None).is_err());
        assert!(parse_page(br#"{"status":"ok"}"#, None).is_err());
        assert!(parse_page(br#"{"data":[1]}"#, None).is_err());
        let page = parse_page(
            br#"{"status":"ok","data":[{"id":"a"}],"total":7,"count":1,"offset":0,"relations":{"leaveTypeCode":[{"id":"c"}]}}"#,
            Some("leaveTypeCode"),
        )
        .expect("parsed");
        assert_eq!((page.data.len(), page.total, page.relation.len()), (1, Some(7), 1));
    }
}
