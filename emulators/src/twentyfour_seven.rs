//! Emulator of the 24SevenOffice Lønn payroll API
//! (`https://payroll.24sevenoffice.com/api`, OpenAPI 2.0.0 in
//! `shared/data/24sevenoffice/payroll.json`).
//!
//! What it does as the spec says: `GET /auth?token=` exchanges the
//! persistent token for `{accessToken, expiresOn}`; every other call needs
//! `Authorization: Bearer` (401 otherwise); `GET /employee/v2` lists all
//! employees (no paging); `GET /employee/v2/{empId}` answers a one-element
//! array; `POST /employee/v2` creates (409 on a duplicate `empId`);
//! `POST /employee/v2/{empId}` updates; `GET/POST /employment/v2/{empId}`
//! reads and upserts employments by `employment_id` (body is an array;
//! `startdate` required for new ones, `enddate` requires
//! `enddate_reason`). All scalar values are JSON strings; a number or
//! boolean is refused with 400.
//!
//! Assumptions where the spec is silent, written down here: an unknown
//! `empId` answers 404; an update merges the given keys into the stored
//! employee; unknown keys (such as `endDate` for `enddate`) are ignored,
//! as a lenient server would; error bodies are `{"message": ...}`; a new
//! employee gets the spec example's defaults for keys it did not send.
//!
//! Absences, absence types and children (`/absence/v2`,
//! `/absencetypes/v2`, `/child/v2`) are in [`absences`], with their own
//! rules and assumptions.
//!
//! Scripted faults ([`crate::faults`]) fire on every route, `/auth`
//! included, before the bearer check and before or after the handler,
//! from one middleware.

pub mod absences;

use crate::faults::{Fault, FaultGate, LoggedRequest, SharedScript, inject, lock, record};
use crate::server::{Check, Tokens, bearer, guard};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// How the emulator is set up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The persistent access token `GET /auth` accepts.
    pub access_token: String,
    /// Lifetime of a session token.
    pub session_lifetime: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self { access_token: "emulator-token".into(), session_lifetime: Duration::from_secs(3600) }
    }
}

#[derive(Default)]
struct Data {
    employees: BTreeMap<u64, Map<String, Value>>,
    employments: BTreeMap<u64, Vec<Map<String, Value>>>,
    sessions: Tokens,
    issued: u64,
    next_employment: u64,
    absences: absences::Book,
}

type Shared = crate::server::Shared<Settings, Data>;

/// A running emulator; stops when dropped.
pub struct Emulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    _server: crate::server::ServerTask,
}

/// Keys and defaults of a new employee, from the spec's example.
const EMPLOYEE_DEFAULTS: &[(&str, &str)] = &[
    ("email", ""),
    ("email_copy", ""),
    ("firstname", ""),
    ("lastname", ""),
    ("postaddress", ""),
    ("zipcode", ""),
    ("city", ""),
    ("countryCode", "NO"),
    ("clearingno", ""),
    ("account", ""),
    ("bic", ""),
    ("employee_date", ""),
    ("telefon", ""),
    ("personnr", ""),
    ("salary_type", "monthly"),
    ("salary", ""),
    ("salary_valid_from", ""),
    ("taxtable", ""),
    ("employment_rate", "100.00"),
    ("hours_per_week", "37.50"),
    ("vacation_percent", "12.00"),
    ("vacation_days", "25"),
    ("hidden", "0"),
    ("percentage_tax_main_employer", "50.00"),
    ("continental_shelf", "-1"),
];

impl Emulator {
    /// Start on a free loopback port.
    pub async fn start(settings: Settings) -> std::io::Result<Self> {
        let script = SharedScript::default();
        let shared =
            Arc::new(Shared::new(settings, Data { next_employment: 1, ..Data::default() }, Arc::clone(&script)));
        let api = Router::new()
            .route("/api/employee/v2", get(list_employees).post(create_employee))
            .route("/api/employee/v2/{emp_id}", get(get_employee).post(update_employee))
            .route("/api/employment/v2/{emp_id}", get(get_employments).post(upsert_employments))
            .route("/api/absence/v2", get(absences::list_absences).post(absences::upsert_absence))
            .route("/api/absence/v2/{emp_id}", get(absences::employee_absences))
            .route("/api/absencetypes/v2", get(absences::list_types))
            .route("/api/absencetypes/v2/{code}", get(absences::get_type))
            .route("/api/child/v2", axum::routing::post(absences::upsert_child))
            .route("/api/child/v2/{emp_id}", get(absences::get_children))
            .route_layer(from_fn_with_state((Arc::clone(&shared), bearer_check as Check<_, _>), guard));
        let faults =
            FaultGate { script: Arc::clone(&script), root: "/api", error_answer: |status, text| message(status, text) };
        let app = Router::new()
            .route("/api/auth", get(auth))
            .merge(api)
            .route_layer(from_fn_with_state(faults, inject))
            .fallback(not_found)
            .layer(from_fn_with_state((script, "/api"), record))
            .with_state(Arc::clone(&shared));
        let (addr, task) = crate::server::serve(app, "24SevenOffice").await?;
        Ok(Self { addr, shared, _server: task })
    }

    /// Base URL to configure an integration with (`http://127.0.0.1:PORT/api`).
    pub fn base_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    /// The persistent token the emulator accepts.
    pub fn access_token(&self) -> String {
        self.shared.settings.access_token.clone()
    }

    /// Make matching requests fail (paths under `/api`, e.g.
    /// `/employment/v2/1005`).
    pub fn push_fault(&self, fault: Fault) {
        lock(&self.shared.script).push(fault);
    }

    /// Seed the draws of faults with a probability: the same seed and
    /// faults fail the same requests.
    pub fn seed_faults(&self, seed: u64) {
        lock(&self.shared.script).seed_faults(seed);
    }

    /// Requests a fault fired on so far.
    pub fn faulted_requests(&self) -> Vec<LoggedRequest> {
        self.requests().into_iter().filter(|r| r.fault.is_some()).collect()
    }

    /// Delay every answer by `latency`.
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.shared.script).latency = latency;
    }

    /// The most requests it ever answered at once.
    pub fn max_in_flight(&self) -> usize {
        lock(&self.shared.script).max_in_flight
    }

    /// Invalidate every session token, as if they expired.
    pub fn expire_sessions(&self) {
        self.shared.lock().sessions.clear();
    }

    /// Session tokens issued so far.
    pub fn tokens_issued(&self) -> u64 {
        self.shared.lock().issued
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.script).log.clone()
    }

    /// Requests that could change data (not GET), answered or not.
    pub fn write_requests(&self) -> Vec<LoggedRequest> {
        self.requests().into_iter().filter(|r| r.method != "GET").collect()
    }

    /// Stored employees, by `empId`.
    pub fn employees(&self) -> BTreeMap<u64, Map<String, Value>> {
        self.shared.lock().employees.clone()
    }

    /// Stored employments of `emp_id`.
    pub fn employments(&self, emp_id: u64) -> Vec<Map<String, Value>> {
        self.shared.lock().employments.get(&emp_id).cloned().unwrap_or_default()
    }

    /// Every stored employment, by the `empId` it belongs to.
    pub fn all_employments(&self) -> BTreeMap<u64, Vec<Map<String, Value>>> {
        self.shared.lock().employments.clone()
    }

    /// Every stored absence, as `GET /absence/v2` answers it.
    pub fn absences(&self) -> Vec<Value> {
        self.shared.lock().absences.absences()
    }

    /// The children registered on `emp_id`, as `GET /child/v2/{empId}`
    /// answers them.
    pub fn children(&self, emp_id: u64) -> Vec<Value> {
        self.shared.lock().absences.children_of(emp_id)
    }

    /// The company's absence types (`GET /absencetypes/v2`).
    pub fn absence_types(&self) -> Vec<absences::AbsenceType> {
        self.shared.lock().absences.types().to_vec()
    }

    /// Replace the company's absence types (a company that lacks a code).
    pub fn set_absence_types(&self, types: Vec<absences::AbsenceType>) {
        self.shared.lock().absences.set_types(types);
    }

    /// Register an absence directly, as if entered by hand in
    /// 24SevenOffice, checked as `POST /absence/v2` checks it; its
    /// `serialNo`.
    pub fn enter_absence(&self, absence: Value) -> Result<u64, String> {
        let map = absence.as_object().cloned().ok_or("an absence must be an object")?;
        let mut data = self.shared.lock();
        let exists = emp_id_of(&map).is_some_and(|id| data.employees.contains_key(&id));
        data.absences.upsert_absence(&map, exists)
    }

    /// Put an employee in place directly, as if created in the UI.
    pub fn insert_employee(&self, employee: Value) -> Result<u64, String> {
        let map = employee.as_object().cloned().ok_or("employee must be an object")?;
        let id = emp_id_of(&map).ok_or("employee needs a numeric empId string")?;
        let mut data = self.shared.lock();
        data.employees.insert(id, with_defaults(map));
        Ok(id)
    }

    /// Change one field of a stored employee directly (someone edited it
    /// in 24SevenOffice).
    pub fn edit_employee(&self, emp_id: u64, field: &str, value: &str) -> bool {
        let mut data = self.shared.lock();
        match data.employees.get_mut(&emp_id) {
            Some(e) => {
                e.insert(field.to_owned(), Value::String(value.to_owned()));
                true
            }
            None => false,
        }
    }
}

fn with_defaults(mut map: Map<String, Value>) -> Map<String, Value> {
    for (k, v) in EMPLOYEE_DEFAULTS {
        map.entry(k.to_string()).or_insert_with(|| Value::String((*v).to_owned()));
    }
    map.entry("internationalID").or_insert_with(|| json!({"countryCode": "", "ID": "", "type": "passnummer"}));
    map
}

fn emp_id_of(map: &Map<String, Value>) -> Option<u64> {
    map.get("empId")?.as_str()?.parse().ok()
}

/// An error answer as 24SevenOffice words it: `{"message": ...}`.
fn message(status: StatusCode, text: impl Into<String>) -> Response {
    (status, axum::Json(json!({ "message": text.into() }))).into_response()
}

/// Every scalar must be a JSON string (the spec's typing).
fn first_non_string(value: &Value, path: &str) -> Option<String> {
    match value {
        Value::String(_) => None,
        Value::Object(map) => map
            .iter()
            .find_map(|(k, v)| first_non_string(v, &if path.is_empty() { k.clone() } else { format!("{path}.{k}") })),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| first_non_string(v, &format!("{path}[{i}]"))),
        _ => Some(path.to_owned()),
    }
}

/// The check on every route but `/auth` (by [`crate::server::guard`]): a
/// live session token in `Authorization: Bearer`, or 401.
fn bearer_check(shared: &Shared, headers: &HeaderMap) -> Result<(), Response> {
    if bearer(headers).is_some_and(|token| shared.lock().sessions.is_live(token)) {
        Ok(())
    } else {
        Err(message(StatusCode::UNAUTHORIZED, "bad input parameter"))
    }
}

async fn auth(State(shared): State<Arc<Shared>>, Query(q): Query<HashMap<String, String>>) -> Response {
    if q.get("token") != Some(&shared.settings.access_token) {
        return message(StatusCode::UNAUTHORIZED, "bad input parameter");
    }
    let mut data = shared.lock();
    data.issued += 1;
    let token = format!("session-{}-{}", data.issued, data.sessions.len());
    let lifetime = shared.settings.session_lifetime;
    data.sessions.issue(token.clone(), lifetime);
    axum::Json(json!({ "accessToken": token, "expiresOn": expires_on(lifetime) })).into_response()
}

/// `expiresOn` as 24SevenOffice writes it: `YYYY-MM-DDThh:mm:ss+hh:mm`.
fn expires_on(lifetime: Duration) -> String {
    let lifetime = jiff::SignedDuration::try_from(lifetime).unwrap_or(jiff::SignedDuration::ZERO);
    let at = jiff::Timestamp::now().checked_add(lifetime).unwrap_or_else(|_| jiff::Timestamp::now());
    at.to_zoned(jiff::tz::TimeZone::UTC).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

async fn list_employees(State(shared): State<Arc<Shared>>) -> Response {
    let list: Vec<Value> = shared.lock().employees.values().cloned().map(Value::Object).collect();
    axum::Json(list).into_response()
}

fn parse_emp_id(raw: &str) -> Result<u64, Response> {
    raw.parse().map_err(|_| message(StatusCode::BAD_REQUEST, "empId must be an integer"))
}

/// The `empId` of a path that must name a stored employee: 400 when it is
/// not an integer, 404 when no such employee is stored.
fn known_employee(data: &Data, raw: &str) -> Result<u64, Response> {
    let id = parse_emp_id(raw)?;
    if data.employees.contains_key(&id) {
        Ok(id)
    } else {
        Err(message(StatusCode::NOT_FOUND, format!("no employee {id}")))
    }
}

async fn get_employee(State(shared): State<Arc<Shared>>, Path(raw): Path<String>) -> Response {
    let id = match parse_emp_id(&raw) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let found = shared.lock().employees.get(&id).cloned();
    match found {
        Some(e) => axum::Json(vec![Value::Object(e)]).into_response(),
        None => message(StatusCode::NOT_FOUND, format!("no employee {id}")),
    }
}

fn parse_object(body: &str) -> Result<Map<String, Value>, Response> {
    let value: Value =
        serde_json::from_str(body).map_err(|e| message(StatusCode::BAD_REQUEST, format!("body is not JSON: {e}")))?;
    if let Some(path) = first_non_string(&value, "") {
        return Err(message(StatusCode::BAD_REQUEST, format!("{path} must be a string")));
    }
    value.as_object().cloned().ok_or_else(|| message(StatusCode::BAD_REQUEST, "body must be an object"))
}

async fn create_employee(State(shared): State<Arc<Shared>>, body: String) -> Response {
    let map = match parse_object(&body) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let Some(id) = emp_id_of(&map) else {
        return message(StatusCode::BAD_REQUEST, "empId is required and must be an integer in a string");
    };
    let mut data = shared.lock();
    if data.employees.contains_key(&id) {
        return message(
            StatusCode::CONFLICT,
            format!("not allowed to create a new employee with an already existing empId {id}"),
        );
    }
    data.employees.insert(id, with_defaults(map));
    drop(data);
    axum::Json(json!("Item created returned")).into_response()
}

fn merge(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (k, v) in from {
        match (into.get_mut(&k), v) {
            (Some(Value::Object(existing)), Value::Object(new)) => merge(existing, new),
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}

async fn update_employee(State(shared): State<Arc<Shared>>, Path(raw): Path<String>, body: String) -> Response {
    let id = match parse_emp_id(&raw) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let map = match parse_object(&body) {
        Ok(m) => m,
        Err(r) => return r,
    };
    if emp_id_of(&map).is_some_and(|body_id| body_id != id) {
        return message(StatusCode::BAD_REQUEST, "empId in the body differs from the path");
    }
    let mut data = shared.lock();
    let Some(existing) = data.employees.get_mut(&id) else {
        return message(StatusCode::NOT_FOUND, format!("no employee {id}"));
    };
    merge(existing, map);
    drop(data);
    axum::Json(json!("Item updated")).into_response()
}

async fn get_employments(State(shared): State<Arc<Shared>>, Path(raw): Path<String>) -> Response {
    let data = shared.lock();
    let id = match known_employee(&data, &raw) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let list: Vec<Value> =
        data.employments.get(&id).cloned().unwrap_or_default().into_iter().map(Value::Object).collect();
    drop(data);
    axum::Json(list).into_response()
}

async fn upsert_employments(State(shared): State<Arc<Shared>>, Path(raw): Path<String>, body: String) -> Response {
    let id = match parse_emp_id(&raw) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let value: Value = match serde_json::from_str(&body) {
        Ok(v) => v,
        Err(e) => return message(StatusCode::BAD_REQUEST, format!("body is not JSON: {e}")),
    };
    if let Some(path) = first_non_string(&value, "") {
        return message(StatusCode::BAD_REQUEST, format!("{path} must be a string"));
    }
    let Some(items) = value.as_array() else {
        return message(StatusCode::BAD_REQUEST, "body must be an array of employments");
    };
    let mut data = shared.lock();
    if !data.employees.contains_key(&id) {
        return message(StatusCode::NOT_FOUND, format!("no employee {id}"));
    }
    // Validate everything before changing anything.
    let existing = data.employments.get(&id).cloned().unwrap_or_default();
    for item in items {
        let Some(map) = item.as_object() else {
            return message(StatusCode::BAD_REQUEST, "each employment must be an object");
        };
        let known = map
            .get("employment_id")
            .and_then(Value::as_str)
            .is_some_and(|eid| existing.iter().any(|e| e.get("employment_id").and_then(Value::as_str) == Some(eid)));
        let start = map.get("startdate").and_then(Value::as_str).unwrap_or("");
        if !known && start.is_empty() {
            return message(StatusCode::BAD_REQUEST, "startdate is required for a new employment");
        }
        let end = map.get("enddate").and_then(Value::as_str).unwrap_or("");
        let reason = map.get("enddate_reason").and_then(Value::as_str).unwrap_or("");
        if !end.is_empty() && reason.is_empty() {
            return message(StatusCode::BAD_REQUEST, "enddate requires enddate_reason");
        }
    }
    for item in items {
        let Some(map) = item.as_object().cloned() else {
            continue;
        };
        let eid = map.get("employment_id").and_then(Value::as_str).map(str::to_owned);
        let next = data.next_employment;
        let list = data.employments.entry(id).or_default();
        match eid
            .as_deref()
            .and_then(|eid| list.iter_mut().find(|e| e.get("employment_id").and_then(Value::as_str) == Some(eid)))
        {
            Some(found) => merge(found, map),
            None => {
                let mut map = map;
                let new_id = eid.unwrap_or_else(|| format!("{id}-{next}"));
                map.insert("employment_id".into(), Value::String(new_id));
                for (k, v) in
                    [("primary_employment", "1"), ("enddate", ""), ("enddate_reason", ""), ("enterprise_number", "")]
                {
                    map.entry(k).or_insert_with(|| Value::String(v.into()));
                }
                list.push(map);
                data.next_employment += 1;
            }
        }
    }
    drop(data);
    axum::Json(json!("Item created returned")).into_response()
}

async fn not_found(uri: Uri) -> Response {
    message(StatusCode::NOT_FOUND, format!("no such endpoint {}", uri.path()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn expiry_is_written_with_an_offset_that_parses_back() {
        let text = super::expires_on(std::time::Duration::from_secs(3600));
        assert!(text.ends_with("+00:00"), "{text}");
        let parsed: jiff::Timestamp = text.parse().expect("parses as RFC 3339");
        assert!(parsed > jiff::Timestamp::now());
    }
}
