//! Emulator of a Kontek Lön (Swedish payroll) employee API.
//!
//! Kontek publishes no API documentation. The only public evidence is the
//! Evity HR integration article (support.evity.hr/sv/articles/8894422-integration-kontek,
//! text in `shared/seeds/002_b23ce426af52be33.txt`; summarised in
//! `shared/research/targets.md` §3). What it says, quoted:
//!
//! - "synkronisering med Kontek genom att använda användarnamn och
//!   lösenord" (username and password);
//! - "Kontek använder olika API-URL:er beroende på kunden, vilket behöver
//!   specificeras vid autentisering" (a different API URL per customer);
//! - "ID matchas med employeeId", "Telefonnummer matchas med telephoneNo",
//!   "Arbetsrelaterad e-post överförs från emailAddressWork",
//!   "Personnummer matchas med ssn", "Förnamn och efternamn överförs";
//! - "Adressinformation såsom gatuadress, c/o-adress, postnummer, stad och
//!   land"; "Bankinformation inklusive clearingnummer och kontonummer";
//!   "Status, startdatum, slutdatum, och genomsnittligt antal arbetstimmar
//!   per vecka";
//! - export from the HR side: "anställningsinformation såsom
//!   anställningstyp, startdatum, slutdatum och lön"; "Profiler kommer att
//!   skapas eller uppdateras i Kontek" (create or update).
//!
//! Everything else is ASSUMED: the emulator implements a minimal REST
//! shape so a connector can be built and tested, and every name and rule
//! below marked "assumed" must be checked against the real API (or the
//! existing integration's request logs) before anyone trusts it. The wire
//! shape lives in one section of this file ("Wire shape", below) so it is
//! easy to correct.
//!
//! | Name or rule | Source |
//! |---|---|
//! | username + password authentication | from the article |
//! | … sent as HTTP Basic (`Authorization: Basic base64(user:password)`); 401 with `WWW-Authenticate: Basic realm="Kontek"` | assumed |
//! | a different API URL per customer | from the article |
//! | … as `/{customer}/api/v1` on one host; another customer's path is 404 | assumed |
//! | `GET /employees?offset=N&limit=M` → `{items, total, offset, limit}`, ordered by `employeeId` (string order), offset default 0, limit default 100, max 500, other parameters 400 | assumed |
//! | `GET /employees/{employeeId}`, 404 when unknown | assumed |
//! | `POST /employees` (create, 201 with the stored employee; 409 on a duplicate `employeeId` or `ssn`) | create: from the article; path, status codes and 409s assumed |
//! | `PATCH /employees/{employeeId}` (only keys sent change, `address`/`bank`/`employment` merge key by key, `employeeId` unchangeable) | update: from the article; method and merge rules assumed |
//! | no DELETE: 405 `method_not_allowed` for any method a routed path lacks, answered before the credentials check | assumed |
//! | `employeeId` | from the article |
//! | … string of 1–20 chars `[A-Za-z0-9-]` | assumed |
//! | `firstName`, `lastName` (first/last name) | keys assumed; non-empty, required on create assumed |
//! | `telephoneNo` (string or null) | from the article; type assumed |
//! | `emailAddressWork` (string or null; a non-empty one has exactly one `@`) | from the article; type and rule assumed |
//! | `ssn` | from the article |
//! | … exactly `YYYYMMDD-NNNN`, a real date (day + 60 for a samordningsnummer), Luhn check digit over `YYMMDDNNN`; else 400 `invalid_ssn` | assumed |
//! | `address` {`street`, `coAddress`, `postalCode`, `city`, `country`} | the parts: from the article; keys, nesting assumed |
//! | … `postalCode` exactly 5 digits when `country` is `SE`, any non-empty string otherwise; `country` ISO 3166-1 alpha-2 | assumed |
//! | `bank` {`clearingNo` (4–5 digits), `accountNo` (1–16 digits)} | clearing and account number: from the article; keys and formats assumed |
//! | `status`: `"active"` / `"inactive"`, `"active"` when not sent on create | status: from the article; values and default assumed |
//! | `employment` {`employmentType`, `startDate`, `endDate`, `averageWeeklyHours`, `salary`} | the parts: from the article; keys, nesting assumed |
//! | … `employmentType` one of `permanent`, `temporary`, `probation`, `hourly` | assumed |
//! | … dates `YYYY-MM-DD` or null, `endDate` not before `startDate` | assumed |
//! | … `averageWeeklyHours` a JSON number 0–168 or null | assumed |
//! | … `salary` `{amount: number ≥ 0, period: "monthly" \| "hourly"}` or null, replaced whole by a PATCH | assumed |
//! | `updatedAt`: server-set RFC 3339 instant (UTC, milliseconds), read-only (sending it is 400), strictly increasing per change; a PATCH that changes nothing keeps it | assumed |
//! | all keys camelCase; unknown keys anywhere 400 `unknown_field` naming them (dotted paths); wrong JSON types 400 `invalid_type`; a key absent on create reads back as null | assumed |
//! | error body `{"error": {"code", "message", "fields"}}` and its codes | assumed |
//! | `Content-Type` of a request body is not checked | assumed (lenient) |
//!
//! Scripted faults ([`crate::faults`]) fire on every route under the
//! customer's API root, before the credentials check and before or after
//! the handler, from one middleware; fault prefixes and logged paths are
//! written under that root (`/employees`, `/employees/E1`).

use crate::faults::{Fault, FaultGate, LoggedRequest, SharedScript, inject, lock, record};
use crate::server::{Check, guard};
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

// ===========================================================================
// Wire shape (ASSUMED except where the module doc's table says otherwise).
// Every path, header, query parameter, JSON key, value set, format and
// error code the emulator speaks is defined in this section; correct the
// shape here.
// ===========================================================================

/// The API root under the customer segment: `/{customer}` + this.
const API_PATH: &str = "/api/v1";
/// The employee collection, under the API root.
const EMPLOYEES_PATH: &str = "/employees";
/// The challenge sent with every 401.
const BASIC_CHALLENGE: &str = r#"Basic realm="Kontek""#;

/// Query parameters of the employee list and their bounds.
mod paging {
    /// Index of the first employee answered.
    pub const OFFSET: &str = "offset";
    /// Most employees answered.
    pub const LIMIT: &str = "limit";
    /// `limit` when not given.
    pub const DEFAULT_LIMIT: usize = 100;
    /// The largest `limit` accepted.
    pub const MAX_LIMIT: usize = 500;
    /// The list envelope's keys.
    pub const ITEMS: &str = "items";
    /// Employees in the whole list.
    pub const TOTAL: &str = "total";
}

/// The employee keys the emulator's rules refer to by name.
mod key {
    pub const EMPLOYEE_ID: &str = "employeeId";
    pub const SSN: &str = "ssn";
    pub const UPDATED_AT: &str = "updatedAt";
    pub const ADDRESS: &str = "address";
    pub const POSTAL_CODE: &str = "postalCode";
    pub const COUNTRY: &str = "country";
    pub const EMPLOYMENT: &str = "employment";
    pub const START_DATE: &str = "startDate";
    pub const END_DATE: &str = "endDate";
}

/// Error codes (the `error.code` of an error body).
mod code {
    pub const UNAUTHORIZED: &str = "unauthorized";
    pub const NOT_FOUND: &str = "not_found";
    pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";
    pub const INVALID_JSON: &str = "invalid_json";
    pub const INVALID_QUERY: &str = "invalid_query";
    pub const UNKNOWN_FIELD: &str = "unknown_field";
    pub const READ_ONLY_FIELD: &str = "read_only_field";
    pub const MISSING_FIELD: &str = "missing_field";
    pub const INVALID_TYPE: &str = "invalid_type";
    pub const INVALID_VALUE: &str = "invalid_value";
    pub const INVALID_SSN: &str = "invalid_ssn";
    pub const EMPLOYEE_ID_IMMUTABLE: &str = "employee_id_immutable";
    pub const DUPLICATE_EMPLOYEE_ID: &str = "duplicate_employee_id";
    pub const DUPLICATE_SSN: &str = "duplicate_ssn";
}

/// An error answer's body: `{"error": {"code", "message", "fields"}}`.
fn error_body(code: &str, message: &str, fields: &[String]) -> Value {
    json!({ "error": { "code": code, "message": message, "fields": fields } })
}

/// The code of an error answer a fault makes: the status's reason in
/// snake case (`internal_server_error`, `too_many_requests`).
fn fault_code(status: StatusCode) -> String {
    status.canonical_reason().unwrap_or("error").to_ascii_lowercase().replace([' ', '-'], "_")
}

/// What a key holds.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// 1–20 characters `[A-Za-z0-9-]`.
    EmployeeId,
    /// A string with something in it besides spaces.
    Name,
    /// Any string.
    Text,
    /// A string; a non-empty one has exactly one `@`.
    Email,
    /// A personnummer `YYYYMMDD-NNNN` ([`is_personnummer`]).
    Ssn,
    /// A non-empty string; 5 digits when the country is `SE` (checked with
    /// the address).
    PostalCode,
    /// ISO 3166-1 alpha-2: two uppercase letters.
    Country,
    /// A string of `min..=max` ASCII digits.
    Digits(usize, usize),
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// `YYYY-MM-DD`, a real date.
    Date,
    /// A JSON number from `min` to `max`.
    Number(f64, f64),
    /// An object merged key by key by a PATCH.
    Nested(&'static [Field]),
    /// An object a PATCH replaces whole.
    Record(&'static [Field]),
    /// Set by the server; a request may not send it.
    ServerSet,
}

/// What an employee gets for a key a create did not send.
#[derive(Debug, Clone, Copy)]
enum Absent {
    /// Nothing: the create is refused (`missing_field`).
    Required,
    /// `null`.
    Null,
    /// This string.
    Text(&'static str),
}

/// One key of an object.
#[derive(Debug, Clone, Copy)]
struct Field {
    key: &'static str,
    kind: Kind,
    nullable: bool,
    absent: Absent,
}

const fn field(key: &'static str, kind: Kind, nullable: bool, absent: Absent) -> Field {
    Field { key, kind, nullable, absent }
}

/// A key that may be null and is null when not sent.
const fn optional(key: &'static str, kind: Kind) -> Field {
    field(key, kind, true, Absent::Null)
}

/// A key a create must send, never null.
const fn required(key: &'static str, kind: Kind) -> Field {
    field(key, kind, false, Absent::Required)
}

/// `address`.
const ADDRESS: &[Field] = &[
    optional("street", Kind::Text),
    optional("coAddress", Kind::Text),
    optional(key::POSTAL_CODE, Kind::PostalCode),
    optional("city", Kind::Text),
    optional(key::COUNTRY, Kind::Country),
];

/// `bank`.
const BANK: &[Field] = &[optional("clearingNo", Kind::Digits(4, 5)), optional("accountNo", Kind::Digits(1, 16))];

/// `employment.salary`.
const SALARY: &[Field] =
    &[required("amount", Kind::Number(0.0, f64::MAX)), required("period", Kind::OneOf(&["monthly", "hourly"]))];

/// `employment`.
const EMPLOYMENT: &[Field] = &[
    optional("employmentType", Kind::OneOf(&["permanent", "temporary", "probation", "hourly"])),
    optional(key::START_DATE, Kind::Date),
    optional(key::END_DATE, Kind::Date),
    optional("averageWeeklyHours", Kind::Number(0.0, 168.0)),
    optional("salary", Kind::Record(SALARY)),
];

/// An employee.
const EMPLOYEE: &[Field] = &[
    required(key::EMPLOYEE_ID, Kind::EmployeeId),
    required("firstName", Kind::Name),
    required("lastName", Kind::Name),
    optional("telephoneNo", Kind::Text),
    optional("emailAddressWork", Kind::Email),
    required(key::SSN, Kind::Ssn),
    optional(key::ADDRESS, Kind::Nested(ADDRESS)),
    optional("bank", Kind::Nested(BANK)),
    field("status", Kind::OneOf(&["active", "inactive"]), false, Absent::Text("active")),
    optional(key::EMPLOYMENT, Kind::Nested(EMPLOYMENT)),
    field(key::UPDATED_AT, Kind::ServerSet, false, Absent::Null),
];

/// `updatedAt` as written: RFC 3339 in UTC with milliseconds
/// (`2024-05-01T08:30:00.123Z`), so the text sorts as the instant does.
fn format_updated_at(millisecond: i64) -> String {
    jiff::Timestamp::from_millisecond(millisecond)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Whether `s` is all ASCII digits (and not empty).
fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The number written by the ASCII digits `s` (callers check the digits).
fn number_of(s: &str) -> i16 {
    s.bytes().fold(0i16, |n, b| n.saturating_mul(10).saturating_add(i16::from(b - b'0')))
}

/// Whether `s` is a date `YYYY-MM-DD` that exists.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && [&s[..4], &s[5..7], &s[8..]].iter().all(|part| all_digits(part))
        && jiff::civil::Date::new(number_of(&s[..4]), number_of(&s[5..7]) as i8, number_of(&s[8..]) as i8).is_ok()
}

/// The Luhn check digit of `digits` (the personnummer rule: weights 2, 1,
/// 2, … from the left, digits of each product summed).
fn luhn_check_digit(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let product = u32::from(*d) * if i % 2 == 0 { 2 } else { 1 };
            product / 10 + product % 10
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Whether `s` is a Swedish personnummer written `YYYYMMDD-NNNN`: a real
/// date (day + 60 for a samordningsnummer) and the right check digit over
/// `YYMMDDNNN`.
fn is_personnummer(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 13 || b[8] != b'-' || !all_digits(&s[..8]) || !all_digits(&s[9..]) {
        return false;
    }
    let day = number_of(&s[6..8]);
    let day = if day > 60 { day - 60 } else { day };
    if jiff::civil::Date::new(number_of(&s[..4]), number_of(&s[4..6]) as i8, day as i8).is_err() {
        return false;
    }
    let ten: Vec<u8> = s[2..8].bytes().chain(s[9..].bytes()).map(|c| c - b'0').collect();
    luhn_check_digit(&ten[..9]) == ten[9]
}

// ===========================================================================
// End of the wire shape.
// ===========================================================================

/// How the emulator is set up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The one customer served: the first path segment of its API URL
    /// (`[A-Za-z0-9._-]`, not empty).
    pub customer: String,
    /// The username Basic auth accepts.
    pub username: String,
    /// The password Basic auth accepts.
    pub password: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self { customer: "acme".into(), username: "paybridge".into(), password: "kontek-emulator-password".into() }
    }
}

#[derive(Default)]
struct Data {
    /// Stored employees by `employeeId`, each with every key.
    employees: BTreeMap<String, Map<String, Value>>,
    /// The instant of the last change, in ms since the epoch.
    last_change: i64,
}

type Shared = crate::server::Shared<Settings, Data>;

/// A running emulator; stops when dropped.
pub struct Emulator {
    addr: SocketAddr,
    root: &'static str,
    shared: Arc<Shared>,
    _server: crate::server::ServerTask,
}

/// The customer's API root as the `&'static str` [`FaultGate::root`] and
/// [`record`] take. Those types belong to the shared fault module, which
/// every emulator uses with a fixed root; rather than change it for the one
/// emulator whose root is known only at start, each distinct root is
/// leaked once and reused (a few bytes per customer name, however many
/// emulators tests start).
fn static_root(root: String) -> &'static str {
    static ROOTS: OnceLock<Mutex<Vec<&'static str>>> = OnceLock::new();
    let mut roots = ROOTS.get_or_init(Mutex::default).lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(known) = roots.iter().find(|known| **known == root) {
        return known;
    }
    let leaked: &'static str = Box::leak(root.into_boxed_str());
    roots.push(leaked);
    leaked
}

impl Emulator {
    /// Start on a free loopback port, serving `settings.customer`; an
    /// invalid customer name is `InvalidInput`.
    pub async fn start(settings: Settings) -> std::io::Result<Self> {
        let customer = &settings.customer;
        if customer.is_empty() || !customer.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("customer {customer:?} must be [A-Za-z0-9._-]+"),
            ));
        }
        let root = static_root(format!("/{customer}{API_PATH}"));
        let script = SharedScript::default();
        let shared = Arc::new(Shared::new(settings, Data::default(), Arc::clone(&script)));
        let api = Router::new()
            .route(
                &format!("{root}{EMPLOYEES_PATH}"),
                get(list_employees).post(create_employee).fallback(method_not_allowed),
            )
            .route(
                &format!("{root}{EMPLOYEES_PATH}/{{employee_id}}"),
                get(get_employee).patch(patch_employee).fallback(method_not_allowed),
            )
            .route_layer(from_fn_with_state((Arc::clone(&shared), basic_check as Check<_, _>), guard));
        let faults = FaultGate {
            script: Arc::clone(&script),
            root,
            error_answer: |status, text| error(status, &fault_code(status), text, Vec::new()),
        };
        let app = api
            .route_layer(from_fn_with_state(faults, inject))
            .fallback(not_found)
            .layer(from_fn_with_state((script, root), record))
            .with_state(Arc::clone(&shared));
        let (addr, task) = crate::server::serve(app, "Kontek").await?;
        Ok(Self { addr, root, shared, _server: task })
    }

    /// The customer's API URL to configure an integration with
    /// (`http://127.0.0.1:PORT/{customer}/api/v1`).
    pub fn base_url(&self) -> String {
        format!("http://{}{}", self.addr, self.root)
    }

    /// The username the emulator accepts.
    pub fn username(&self) -> String {
        self.shared.settings.username.clone()
    }

    /// The password the emulator accepts.
    pub fn password(&self) -> String {
        self.shared.settings.password.clone()
    }

    /// Make matching requests fail (paths under the customer's API root,
    /// e.g. `/employees`).
    pub fn push_fault(&self, fault: Fault) {
        lock(&self.shared.script).push(fault);
    }

    /// Seed the draws of faults with a probability: the same seed and
    /// faults fail the same requests.
    pub fn seed_faults(&self, seed: u64) {
        lock(&self.shared.script).seed_faults(seed);
    }

    /// Delay every answer by `latency`.
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.shared.script).latency = latency;
    }

    /// Every request so far (paths under the customer's API root).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.script).log.clone()
    }

    /// Requests that could change data (not GET), answered or not.
    pub fn write_requests(&self) -> Vec<LoggedRequest> {
        self.requests().into_iter().filter(|r| r.method != "GET").collect()
    }

    /// Every stored employee as `GET /employees/{employeeId}` answers it,
    /// ordered by `employeeId`.
    pub fn employees(&self) -> Vec<Value> {
        self.shared.lock().employees.values().cloned().map(Value::Object).collect()
    }

    /// The stored employee `employee_id`, if any.
    pub fn employee(&self, employee_id: &str) -> Option<Value> {
        self.shared.lock().employees.get(employee_id).cloned().map(Value::Object)
    }

    /// Store an employee directly (payroll-side data), checked as
    /// `POST /employees` checks it; `Err` is `"<code>: <message>"`.
    pub fn insert(&self, employee: Value) -> Result<(), String> {
        create(&mut self.shared.lock(), employee).map(drop).map_err(|p| p.to_string())
    }

    /// Change a stored employee directly (a payroll clerk's edit), checked
    /// and merged as `PATCH /employees/{employeeId}` does it, bumping
    /// `updatedAt` when something changed; `Err` is `"<code>: <message>"`.
    pub fn edit(&self, employee_id: &str, patch: Value) -> Result<(), String> {
        update(&mut self.shared.lock(), employee_id, patch).map(drop).map_err(|p| p.to_string())
    }
}

/// A refusal in the emulator's error shape.
#[derive(Debug)]
struct Problem {
    status: StatusCode,
    code: &'static str,
    message: String,
    fields: Vec<String>,
}

impl Problem {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), fields: Vec::new() }
    }

    /// A 400 about the keys `fields`.
    fn bad(code: &'static str, message: impl Into<String>, fields: Vec<String>) -> Self {
        Self { fields, ..Self::new(StatusCode::BAD_REQUEST, code, message) }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        error(self.status, self.code, &self.message, self.fields)
    }
}

/// An error answer in the emulator's shape.
fn error(status: StatusCode, code: &str, message: &str, fields: Vec<String>) -> Response {
    (status, axum::Json(error_body(code, message, &fields))).into_response()
}

/// `at.key`, or `key` at the top.
fn path_of(at: &str, key: &str) -> String {
    if at.is_empty() { key.to_owned() } else { format!("{at}.{key}") }
}

/// Bytes of standard base64 (padding optional), or `None` when `text` is
/// not base64.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.strip_suffix("==").or_else(|| text.strip_suffix('=')).unwrap_or(text);
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in text.bytes() {
        let six = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(six);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The user and password of an `Authorization: Basic` header, if any.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64_decode(encoded.trim())?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// The check on every API route (by [`crate::server::guard`]): the
/// settings' username and password as HTTP Basic, or 401 with a challenge.
fn basic_check(shared: &Shared, headers: &HeaderMap) -> Result<(), Response> {
    let settings = &shared.settings;
    match basic_credentials(headers) {
        Some((user, password)) if user == settings.username && password == settings.password => Ok(()),
        given => {
            let message = if given.is_some() { "wrong username or password" } else { "Basic credentials required" };
            let mut refused = error(StatusCode::UNAUTHORIZED, code::UNAUTHORIZED, message, Vec::new());
            refused.headers_mut().insert("www-authenticate", HeaderValue::from_static(BASIC_CHALLENGE));
            Err(refused)
        }
    }
}

/// Every key in `object` (and in the known objects inside it) that
/// `schema` lacks, as dotted paths.
fn unknown_keys(object: &Map<String, Value>, schema: &[Field], at: &str, found: &mut Vec<String>) {
    for (k, v) in object {
        match schema.iter().find(|f| f.key == k) {
            None => found.push(path_of(at, k)),
            Some(Field { kind: Kind::Nested(inner) | Kind::Record(inner), .. }) => {
                if let Value::Object(inner_object) = v {
                    unknown_keys(inner_object, inner, &path_of(at, k), found);
                }
            }
            Some(_) => {}
        }
    }
}

/// The body as an employee object (or patch) with only keys the schema
/// knows and no server-set key.
fn employee_object(body: Value) -> Result<Map<String, Value>, Problem> {
    let Value::Object(object) = body else {
        return Err(Problem::bad(code::INVALID_JSON, "the body must be a JSON object", Vec::new()));
    };
    let mut unknown = Vec::new();
    unknown_keys(&object, EMPLOYEE, "", &mut unknown);
    if !unknown.is_empty() {
        return Err(Problem::bad(code::UNKNOWN_FIELD, format!("unknown keys: {}", unknown.join(", ")), unknown));
    }
    if let Some(f) = EMPLOYEE.iter().find(|f| matches!(f.kind, Kind::ServerSet) && object.contains_key(f.key)) {
        let message = format!("{} is set by the server", f.key);
        return Err(Problem::bad(code::READ_ONLY_FIELD, message, vec![f.key.to_owned()]));
    }
    Ok(object)
}

/// Give every absent key its value for an absent key (in nested objects
/// too); a required one absent is `missing_field`, all of them named.
fn complete(object: &mut Map<String, Value>, schema: &[Field], at: &str, missing: &mut Vec<String>) {
    for f in schema {
        match (object.get_mut(f.key), f.absent, f.kind) {
            (_, _, Kind::ServerSet) => {}
            (Some(Value::Object(inner)), _, Kind::Nested(fields) | Kind::Record(fields)) => {
                complete(inner, fields, &path_of(at, f.key), missing);
            }
            (Some(_), _, _) => {}
            (None, Absent::Required, _) => missing.push(path_of(at, f.key)),
            (None, Absent::Null, _) => {
                object.insert(f.key.to_owned(), Value::Null);
            }
            (None, Absent::Text(text), _) => {
                object.insert(f.key.to_owned(), Value::String(text.to_owned()));
            }
        }
    }
}

/// `value` as a string, or `invalid_type`.
fn text<'a>(value: &'a Value, path: &str) -> Result<&'a str, Problem> {
    value
        .as_str()
        .ok_or_else(|| Problem::bad(code::INVALID_TYPE, format!("{path} must be a string"), vec![path.into()]))
}

/// Check every value of a completed object against `schema`.
fn check_values(object: &Map<String, Value>, schema: &[Field], at: &str) -> Result<(), Problem> {
    for f in schema {
        let path = path_of(at, f.key);
        let value = object.get(f.key).unwrap_or(&Value::Null);
        let invalid = |why: &str| Problem::bad(code::INVALID_VALUE, format!("{path} {why}"), vec![path.clone()]);
        if matches!(f.kind, Kind::ServerSet) {
            continue;
        }
        if value.is_null() {
            if f.nullable {
                continue;
            }
            return Err(Problem::bad(code::INVALID_TYPE, format!("{path} must not be null"), vec![path.clone()]));
        }
        match f.kind {
            Kind::EmployeeId => {
                let s = text(value, &path)?;
                if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                    return Err(invalid("must be 1-20 characters of A-Z, a-z, 0-9 and -"));
                }
            }
            Kind::Name => {
                if text(value, &path)?.trim().is_empty() {
                    return Err(invalid("must not be empty"));
                }
            }
            Kind::Text => {
                text(value, &path)?;
            }
            Kind::Email => {
                let s = text(value, &path)?;
                if !s.is_empty() && s.matches('@').count() != 1 {
                    return Err(invalid("must contain exactly one @"));
                }
            }
            Kind::Ssn => {
                if !is_personnummer(text(value, &path)?) {
                    let message = format!("{path} must be a personnummer YYYYMMDD-NNNN with a valid check digit");
                    return Err(Problem::bad(code::INVALID_SSN, message, vec![path]));
                }
            }
            Kind::PostalCode => {
                if text(value, &path)?.is_empty() {
                    return Err(invalid("must not be empty"));
                }
            }
            Kind::Country => {
                let s = text(value, &path)?;
                if s.len() != 2 || !s.bytes().all(|b| b.is_ascii_uppercase()) {
                    return Err(invalid("must be an ISO 3166-1 alpha-2 code (two uppercase letters)"));
                }
            }
            Kind::Digits(min, max) => {
                let s = text(value, &path)?;
                if !all_digits(s) || !(min..=max).contains(&s.len()) {
                    return Err(invalid(&format!("must be {min} to {max} digits")));
                }
            }
            Kind::OneOf(values) => {
                if !values.contains(&text(value, &path)?) {
                    return Err(invalid(&format!("must be one of {}", values.join(", "))));
                }
            }
            Kind::Date => {
                if !is_date(text(value, &path)?) {
                    return Err(invalid("must be a date YYYY-MM-DD"));
                }
            }
            Kind::Number(min, max) => {
                let Some(n) = value.as_f64() else {
                    return Err(Problem::bad(code::INVALID_TYPE, format!("{path} must be a number"), vec![path]));
                };
                if !(min..=max).contains(&n) {
                    let bound = if max == f64::MAX { format!("at least {min}") } else { format!("{min} to {max}") };
                    return Err(invalid(&format!("must be {bound}")));
                }
            }
            Kind::Nested(fields) | Kind::Record(fields) => {
                let Value::Object(inner) = value else {
                    return Err(Problem::bad(code::INVALID_TYPE, format!("{path} must be an object"), vec![path]));
                };
                check_values(inner, fields, &path)?;
            }
            Kind::ServerSet => {}
        }
    }
    Ok(())
}

/// The rules between keys: a Swedish postal code is 5 digits; an
/// employment does not end before it starts.
fn check_across(employee: &Map<String, Value>) -> Result<(), Problem> {
    if let Some(Value::Object(address)) = employee.get(key::ADDRESS) {
        let sweden = address.get(key::COUNTRY).and_then(Value::as_str) == Some("SE");
        let code = address.get(key::POSTAL_CODE).and_then(Value::as_str);
        if sweden && code.is_some_and(|c| c.len() != 5 || !all_digits(c)) {
            let path = path_of(key::ADDRESS, key::POSTAL_CODE);
            return Err(Problem::bad(code::INVALID_VALUE, format!("{path} must be 5 digits in SE"), vec![path]));
        }
    }
    if let Some(Value::Object(employment)) = employee.get(key::EMPLOYMENT) {
        let date = |k| employment.get(k).and_then(Value::as_str);
        // Both are checked dates `YYYY-MM-DD`: text order is date order.
        if let (Some(start), Some(end)) = (date(key::START_DATE), date(key::END_DATE))
            && end < start
        {
            let path = path_of(key::EMPLOYMENT, key::END_DATE);
            return Err(Problem::bad(code::INVALID_VALUE, format!("{path} is before the startDate"), vec![path]));
        }
    }
    Ok(())
}

/// A completed employee checked whole.
fn check_employee(mut employee: Map<String, Value>) -> Result<Map<String, Value>, Problem> {
    let mut missing = Vec::new();
    complete(&mut employee, EMPLOYEE, "", &mut missing);
    if !missing.is_empty() {
        return Err(Problem::bad(code::MISSING_FIELD, format!("missing keys: {}", missing.join(", ")), missing));
    }
    check_values(&employee, EMPLOYEE, "")?;
    check_across(&employee)?;
    Ok(employee)
}

/// Another employee than `except` holding `employee`'s `ssn`, as a 409.
fn ssn_taken(data: &Data, employee: &Map<String, Value>, except: Option<&str>) -> Result<(), Problem> {
    let ssn = employee.get(key::SSN);
    match data.employees.iter().find(|(id, other)| Some(id.as_str()) != except && other.get(key::SSN) == ssn) {
        Some((holder, _)) => Err(Problem {
            fields: vec![key::SSN.into()],
            ..Problem::new(StatusCode::CONFLICT, code::DUPLICATE_SSN, format!("employee {holder} has this ssn"))
        }),
        None => Ok(()),
    }
}

/// Stamp `employee` with the next change instant: now, or 1 ms after the
/// last change if that is later, so every change has its own instant.
fn stamp(data: &mut Data, employee: &mut Map<String, Value>) {
    let now = jiff::Timestamp::now().as_millisecond();
    data.last_change = now.max(data.last_change.saturating_add(1));
    employee.insert(key::UPDATED_AT.into(), Value::String(format_updated_at(data.last_change)));
}

/// Create an employee from a request body; the stored employee.
fn create(data: &mut Data, body: Value) -> Result<Map<String, Value>, Problem> {
    let mut employee = check_employee(employee_object(body)?)?;
    let id = employee.get(key::EMPLOYEE_ID).and_then(Value::as_str).unwrap_or_default().to_owned();
    if data.employees.contains_key(&id) {
        return Err(Problem {
            fields: vec![key::EMPLOYEE_ID.into()],
            ..Problem::new(StatusCode::CONFLICT, code::DUPLICATE_EMPLOYEE_ID, format!("employee {id} exists"))
        });
    }
    ssn_taken(data, &employee, None)?;
    stamp(data, &mut employee);
    data.employees.insert(id, employee.clone());
    Ok(employee)
}

/// Merge `patch` into `into`: keys sent replace; a [`Kind::Nested`] object
/// sent onto a stored object merges key by key.
fn merge(into: &mut Map<String, Value>, patch: Map<String, Value>, schema: &[Field]) {
    for (k, v) in patch {
        let nested = schema.iter().find(|f| f.key == k).and_then(|f| match f.kind {
            Kind::Nested(fields) => Some(fields),
            _ => None,
        });
        match (nested, into.get_mut(&k), v) {
            (Some(fields), Some(Value::Object(stored)), Value::Object(sent)) => merge(stored, sent, fields),
            (_, _, v) => {
                into.insert(k, v);
            }
        }
    }
}

/// Apply a patch to the stored employee `id`; the stored employee.
fn update(data: &mut Data, id: &str, patch: Value) -> Result<Map<String, Value>, Problem> {
    let Some(stored) = data.employees.get(id) else {
        return Err(Problem::new(StatusCode::NOT_FOUND, code::NOT_FOUND, format!("no employee {id}")));
    };
    let patch = employee_object(patch)?;
    if patch.get(key::EMPLOYEE_ID).is_some_and(|sent| sent.as_str() != Some(id)) {
        let message = format!("{} cannot be changed", key::EMPLOYEE_ID);
        return Err(Problem::bad(code::EMPLOYEE_ID_IMMUTABLE, message, vec![key::EMPLOYEE_ID.into()]));
    }
    let mut before = stored.clone();
    before.remove(key::UPDATED_AT);
    let mut after = before.clone();
    merge(&mut after, patch, EMPLOYEE);
    let mut after = check_employee(after)?;
    if after == before {
        return Ok(stored.clone());
    }
    ssn_taken(data, &after, Some(id))?;
    stamp(data, &mut after);
    data.employees.insert(id.to_owned(), after.clone());
    Ok(after)
}

/// A request body as JSON, or `invalid_json`.
fn parse_body(body: &str) -> Result<Value, Problem> {
    serde_json::from_str(body)
        .map_err(|e| Problem::bad(code::INVALID_JSON, format!("the body is not JSON: {e}"), Vec::new()))
}

/// `offset` and `limit` of a list query; any other parameter, a repeated
/// one, or a value that is not a decimal integer in range is refused.
fn paging_of(query: Option<&str>) -> Result<(usize, usize), Problem> {
    let (mut offset, mut limit) = (None, None);
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (name, raw) = pair.split_once('=').unwrap_or((pair, ""));
        let bad = |why: String| Problem::bad(code::INVALID_QUERY, why, vec![name.to_owned()]);
        let slot = match name {
            paging::OFFSET => &mut offset,
            paging::LIMIT => &mut limit,
            _ => return Err(bad(format!("unknown query parameter {name}"))),
        };
        if slot.is_some() {
            return Err(bad(format!("{name} is given twice")));
        }
        let value = raw
            .parse::<usize>()
            .ok()
            .filter(|_| all_digits(raw))
            .ok_or_else(|| bad(format!("{name} must be a non-negative integer")))?;
        *slot = Some(value);
    }
    let limit = limit.unwrap_or(paging::DEFAULT_LIMIT);
    if !(1..=paging::MAX_LIMIT).contains(&limit) {
        let why = format!("{} must be 1 to {}", paging::LIMIT, paging::MAX_LIMIT);
        return Err(Problem::bad(code::INVALID_QUERY, why, vec![paging::LIMIT.into()]));
    }
    Ok((offset.unwrap_or(0), limit))
}

async fn list_employees(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    let (offset, limit) = match paging_of(query.as_deref()) {
        Ok(window) => window,
        Err(problem) => return problem.into_response(),
    };
    let data = shared.lock();
    let items: Vec<Value> = data.employees.values().skip(offset).take(limit).cloned().map(Value::Object).collect();
    let total = data.employees.len();
    drop(data);
    axum::Json(json!({
        paging::ITEMS: items,
        paging::TOTAL: total,
        paging::OFFSET: offset,
        paging::LIMIT: limit,
    }))
    .into_response()
}

async fn get_employee(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let found = shared.lock().employees.get(&id).cloned();
    match found {
        Some(employee) => axum::Json(employee).into_response(),
        None => Problem::new(StatusCode::NOT_FOUND, code::NOT_FOUND, format!("no employee {id}")).into_response(),
    }
}

async fn create_employee(State(shared): State<Arc<Shared>>, body: String) -> Response {
    let created = parse_body(&body).and_then(|value| create(&mut shared.lock(), value));
    match created {
        Ok(employee) => (StatusCode::CREATED, axum::Json(employee)).into_response(),
        Err(problem) => problem.into_response(),
    }
}

async fn patch_employee(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: String) -> Response {
    let updated = parse_body(&body).and_then(|value| update(&mut shared.lock(), &id, value));
    match updated {
        Ok(employee) => axum::Json(employee).into_response(),
        Err(problem) => problem.into_response(),
    }
}

async fn method_not_allowed() -> Response {
    Problem::new(StatusCode::METHOD_NOT_ALLOWED, code::METHOD_NOT_ALLOWED, "method not allowed here").into_response()
}

async fn not_found(uri: Uri) -> Response {
    Problem::new(StatusCode::NOT_FOUND, code::NOT_FOUND, format!("no such endpoint {}", uri.path())).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid personnummer born 1981-12-18 with serial `serial` (3 digits).
    fn pnr(serial: u16) -> String {
        let serial = format!("{serial:03}");
        let digits: Vec<u8> = format!("811218{serial}").bytes().map(|c| c - b'0').collect();
        format!("19811218-{serial}{}", luhn_check_digit(&digits))
    }

    fn person(id: &str, ssn: &str) -> Value {
        json!({"employeeId": id, "firstName": "Anna", "lastName": "Svensson", "ssn": ssn})
    }

    struct Client {
        http: reqwest::Client,
        base: String,
        user: String,
        password: String,
    }

    impl Client {
        fn of(e: &Emulator) -> Self {
            Self { http: reqwest::Client::new(), base: e.base_url(), user: e.username(), password: e.password() }
        }

        async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
            let mut request =
                self.http.request(method, format!("{}{path}", self.base)).basic_auth(&self.user, Some(&self.password));
            if let Some(body) = body {
                request = request.json(&body);
            }
            let answer = request.send().await.expect("answer");
            let status = answer.status().as_u16();
            (status, answer.json().await.unwrap_or(Value::Null))
        }

        async fn get(&self, path: &str) -> (u16, Value) {
            self.send(reqwest::Method::GET, path, None).await
        }

        async fn post(&self, path: &str, body: Value) -> (u16, Value) {
            self.send(reqwest::Method::POST, path, Some(body)).await
        }

        async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
            self.send(reqwest::Method::PATCH, path, Some(body)).await
        }
    }

    #[test]
    fn known_personnummer_have_the_check_digit_the_luhn_rule_gives() {
        // Worked by hand: 8·2→7, 1, 1·2, 2, 1·2, 8, 9·2→9, 8, 7·2→5 = 44 → 6.
        assert!(is_personnummer("19811218-9876"));
        // Skatteverket's well-known example number.
        assert!(is_personnummer("19121212-1212"));
        assert_eq!(pnr(987), "19811218-9876");
        assert!(is_personnummer("19811278-9873"), "samordningsnummer: day 18 + 60");
        assert!(!is_personnummer("19811218-9875"), "wrong check digit");
        assert!(!is_personnummer("8112189876"), "10-digit form");
        assert!(!is_personnummer("811218-9876"), "short year");
        assert!(!is_personnummer("198112189876"), "no dash");
        assert!(!is_personnummer("19810230-1234"), "30 February");
        assert!(!is_personnummer("19811218+9876"));
    }

    #[test]
    fn basic_credentials_are_decoded_from_base64() {
        assert_eq!(base64_decode("QWxhZGRpbjpvcGVuIHNlc2FtZQ==").as_deref(), Some(&b"Aladdin:open sesame"[..]));
        assert_eq!(base64_decode("YQ").as_deref(), Some(&b"a"[..]));
        assert_eq!(base64_decode("YWI=").as_deref(), Some(&b"ab"[..]));
        assert!(base64_decode("Y").is_none() && base64_decode("a*b=").is_none());
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_static("basic dTpwOnc="));
        assert_eq!(basic_credentials(&headers), Some(("u".into(), "p:w".into())), "the password may hold a colon");
    }

    #[test]
    fn values_are_checked_by_type_format_and_across_keys() {
        let mut data = Data::default();
        let with = |extra: Value| {
            let mut e = person("E1", "19811218-9876");
            if let (Some(e), Value::Object(extra)) = (e.as_object_mut(), extra) {
                e.extend(extra);
            }
            e
        };
        let refused = |data: &mut Data, body: Value| create(data, body).expect_err("refused");
        let p = refused(&mut data, with(json!({"address": {"postalCode": "123 45", "country": "SE"}})));
        assert_eq!((p.code, p.fields.as_slice()), (code::INVALID_VALUE, &["address.postalCode".to_owned()][..]));
        let p = refused(&mut data, with(json!({"employment": {"startDate": "2024-02-01", "endDate": "2024-01-31"}})));
        assert_eq!(p.fields, ["employment.endDate"]);
        let p = refused(&mut data, with(json!({"employment": {"averageWeeklyHours": 169}})));
        assert_eq!(p.code, code::INVALID_VALUE);
        let p = refused(&mut data, with(json!({"employment": {"averageWeeklyHours": "40"}})));
        assert_eq!(p.code, code::INVALID_TYPE);
        let p = refused(&mut data, with(json!({"employment": {"salary": {"amount": 30000}}})));
        assert_eq!((p.code, p.fields.as_slice()), (code::MISSING_FIELD, &["employment.salary.period".to_owned()][..]));
        let p = refused(&mut data, with(json!({"bank": {"clearingNo": "123"}})));
        assert_eq!(p.fields, ["bank.clearingNo"]);
        let p = refused(&mut data, with(json!({"emailAddressWork": "a@b@c"})));
        assert_eq!(p.fields, ["emailAddressWork"]);
        let p = refused(&mut data, with(json!({"status": null})));
        assert_eq!(p.code, code::INVALID_TYPE);
        let p = refused(&mut data, json!({"employeeId": "E1"}));
        assert_eq!(p.fields, ["firstName", "lastName", "ssn"]);
        let accepted = with(json!({
            "address": {"postalCode": "SW1A 1AA", "country": "GB"},
            "employment": {"employmentType": "permanent", "startDate": "2024-01-01", "endDate": null,
                           "averageWeeklyHours": 37.5, "salary": {"amount": 32000.0, "period": "monthly"}},
        }));
        let stored = create(&mut data, accepted).expect("accepted");
        assert_eq!(stored["status"], "active", "status defaults to active");
        assert_eq!(stored["address"]["city"], Value::Null, "an absent address part is null");
    }

    #[tokio::test]
    async fn a_created_employee_reads_back_as_stored() {
        let e = Emulator::start(Settings::default()).await.expect("starts");
        assert!(e.base_url().ends_with("/acme/api/v1"), "{}", e.base_url());
        let c = Client::of(&e);
        let body = json!({
            "employeeId": "E-1", "firstName": "Anna", "lastName": "Svensson", "ssn": "19811218-9876",
            "telephoneNo": "+46701234567", "emailAddressWork": "anna@example.se",
            "address": {"street": "Storgatan 1", "coAddress": null, "postalCode": "11122", "city": "Stockholm",
                        "country": "SE"},
            "bank": {"clearingNo": "8327", "accountNo": "9412345678"},
            "status": "active",
            "employment": {"employmentType": "permanent", "startDate": "2024-01-01", "averageWeeklyHours": 40,
                           "salary": {"amount": 35000, "period": "monthly"}},
        });
        let (status, created) = c.post("/employees", body).await;
        assert_eq!(status, 201, "{created}");
        assert!(created["updatedAt"].as_str().is_some_and(|t| t.parse::<jiff::Timestamp>().is_ok()), "{created}");
        assert_eq!(created["employment"]["endDate"], Value::Null);
        let (status, read) = c.get("/employees/E-1").await;
        assert_eq!((status, &read), (200, &created));
        assert_eq!(e.employee("E-1"), Some(created));
        assert_eq!(c.get("/employees/E-2").await.0, 404);
    }

    #[tokio::test]
    async fn a_wrong_or_missing_password_is_refused_with_a_basic_challenge() {
        let e = Emulator::start(Settings::default()).await.expect("starts");
        let http = reqwest::Client::new();
        let url = format!("{}/employees", e.base_url());
        for request in [http.get(&url).basic_auth(e.username(), Some("wrong")), http.get(&url)] {
            let answer = request.send().await.expect("answer");
            assert_eq!(answer.status(), 401);
            let challenge = answer.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).map(str::to_owned);
            assert_eq!(challenge.as_deref(), Some(r#"Basic realm="Kontek""#));
            let body: Value = answer.json().await.expect("json");
            assert_eq!(body["error"]["code"], "unauthorized");
        }
        assert_eq!(Client::of(&e).get("/employees").await.0, 200);
    }

    #[tokio::test]
    async fn another_customers_path_is_not_found() {
        let settings = Settings { customer: "globex".into(), ..Settings::default() };
        let e = Emulator::start(settings).await.expect("starts");
        let c = Client::of(&e);
        assert_eq!(c.get("/employees").await.0, 200);
        let other = Client { base: e.base_url().replace("/globex/", "/acme/"), ..c };
        let (status, body) = other.get("/employees").await;
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
        let bad = Settings { customer: "a/b".into(), ..Settings::default() };
        assert!(Emulator::start(bad).await.is_err(), "a customer name that is not one path segment");
    }

    #[tokio::test]
    async fn an_unknown_key_is_refused_naming_it() {
        let e = Emulator::start(Settings::default()).await.expect("starts");
        let c = Client::of(&e);
        let mut body = person("E1", "19811218-9876");
        body["phone"] = json!("070");
        body["address"] = json!({"zip": "11122"});
        let (status, answer) = c.post("/employees", body).await;
        assert_eq!(status, 400);
        assert_eq!(answer["error"]["code"], "unknown_field");
        assert_eq!(answer["error"]["fields"], json!(["address.zip", "phone"]));
        let mut body = person("E1", "19811218-9876");
        body["updatedAt"] = json!("2024-01-01T00:00:00.000Z");
        let (status, answer) = c.post("/employees", body).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("read_only_field")));
        assert!(e.employees().is_empty());
    }

    #[tokio::test]
    async fn an_ssn_must_be_a_dashed_twelve_digit_personnummer_with_a_valid_check_digit() {
        let e = Emulator::start(Settings::default()).await.expect("starts");
        let c = Client::of(&e);
        for ssn in ["8112189876", "19811218-9875", "198112189876", "811218-9876"] {
            let (status, answer) = c.post("/employees", person("E1", ssn)).await;
            assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("invalid_ssn")), "{ssn}");
            assert_eq!(answer["error"]["fields"], json!(["ssn"]));
        }
        assert_eq!(c.post("/employees", person("E1", "19811218-9876")).await.0, 201);
        assert_eq!(c.post("/employees", person("E2", "19811278-9873")).await.0, 201, "samordningsnummer");
        let (status, answer) = c.patch("/employees/E1", json!({"ssn": "19811218-9875"})).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("invalid_ssn")));
    }

    #[tokio::test]
    async fn a_patch_changes_only_the_keys_sent_and_bumps_updated_at() {
        let e = Emulator::start(Settings::default()).await.expect("starts");
        let c = Client::of(&e);
        let mut body = person("E1", "19811218-9876");
        body["telephoneNo"] = json!("070-1");
        body["address"] = json!({"street": "Storgatan 1", "postalCode": "11122", "city": "Stockholm", "country": "SE"});
        body["employment"] = json!({"startDate": "2024-01-01", "salary": {"amount": 30000, "period": "monthly"}});
        let (_, created) = c.post("/employees", body).await;
        let (status, patched) =
            c.patch("/employees/E1", json!({"address": {"city": "Göteborg", "postalCode": "41101"}})).await;
        assert_eq!(status, 200, "{patched}");
        let mut expected = created.clone();
        expected["address"]["city"] = json!("Göteborg");
        expected["address"]["postalCode"] = json!("41101");
        expected["updatedAt"] = patched["updatedAt"].clone();
        assert_eq!(patched, expected, "street, country and every other key kept");
        let (before, after) = (created["updatedAt"].as_str(), patched["updatedAt"].as_str());
        assert!(after > before, "{before:?} then {after:?}");
        let (_, same) = c.patch("/employees/E1", json!({"telephoneNo": "070-1"})).await;
        assert_eq!(same["updatedAt"], patched["updatedAt"], "a patch that changes nothing keeps updatedAt");
        let (_, cleared) =
            c.patch("/employees/E1", json!({"telephoneNo": null, "employment": {"endDate": null}})).await;
        assert_eq!(cleared["telephoneNo"], Value::Null);
        assert_eq!(cleared["employment"]["salary"], created["employment"]["salary"], "employment merged");
        let (status, answer) = c.patch("/employees/E1", json!({"employeeId": "E2"})).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("employee_id_immutable")));
        let (status, answer) = c.patch("/employees/E1", json!({"updatedAt": "2030-01-01T00:00:00.000Z"})).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("read_only_field")));
        assert_eq!(c.patch("/employees/E9", json!({})).await.0, 404);
        assert_eq!(c.patch("/employees/E1", json!({"employeeId": "E1"})).await.0, 200);
    }

    #[tokio::test]
    async fn a_duplicate_employee_id_or_ssn_conflicts() {
        let e = Emulator::start(Settings::default()).await.expect("starts");
        let c = Client::of(&e);
        assert_eq!(c.post("/employees", person("E1", &pnr(1))).await.0, 201);
        let (status, answer) = c.post("/employees", person("E1", &pnr(2))).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (409, Some("duplicate_employee_id")));
        let (status, answer) = c.post("/employees", person("E2", &pnr(1))).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (409, Some("duplicate_ssn")));
        assert_eq!(c.post("/employees", person("E2", &pnr(2))).await.0, 201);
        let (status, _) = c.patch("/employees/E2", json!({"ssn": pnr(1)})).await;
        assert_eq!(status, 409, "a patch may not take another employee's ssn");
        assert_eq!(e.employees().len(), 2);
    }

    #[tokio::test]
    async fn paging_over_three_pages_gives_each_employee_once_in_id_order() {
        let e = Emulator::start(Settings::default()).await.expect("starts");
        for n in [3u16, 10, 7, 1, 5, 2, 9] {
            e.insert(person(&format!("E{n:02}"), &pnr(n))).expect("seeded");
        }
        let c = Client::of(&e);
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let (status, page) = c.get(&format!("/employees?offset={}&limit=3", seen.len())).await;
            assert_eq!(status, 200, "{page}");
            assert_eq!((page["total"].as_u64(), page["limit"].as_u64()), (Some(7), Some(3)));
            let items = page["items"].as_array().cloned().unwrap_or_default();
            if items.is_empty() {
                break;
            }
            pages += 1;
            seen.extend(items.iter().filter_map(|i| i["employeeId"].as_str().map(str::to_owned)));
        }
        assert_eq!(pages, 3);
        assert_eq!(seen, ["E01", "E02", "E03", "E05", "E07", "E09", "E10"]);
        let (_, all) = c.get("/employees").await;
        assert_eq!((all["offset"].as_u64(), all["limit"].as_u64()), (Some(0), Some(100)), "defaults");
        for query in ["limit=501", "limit=0", "limit=abc", "offset=-1", "offset=+1", "page=2", "limit=3&limit=4"] {
            let (status, answer) = c.get(&format!("/employees?{query}")).await;
            assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("invalid_query")), "{query}");
        }
        assert_eq!(c.get("/employees?limit=500").await.0, 200);
    }

    #[tokio::test]
    async fn a_clerks_edit_is_checked_and_bumps_updated_at() {
        let e = Emulator::start(Settings::default()).await.expect("starts");
        e.insert(person("E1", "19811218-9876")).expect("seeded");
        let before = e.employee("E1").expect("stored");
        e.edit("E1", json!({"bank": {"accountNo": "12345"}})).expect("edited");
        let after = e.employee("E1").expect("stored");
        assert_eq!(after["bank"], json!({"clearingNo": null, "accountNo": "12345"}));
        assert!(after["updatedAt"].as_str() > before["updatedAt"].as_str());
        let refused = e.edit("E1", json!({"bank": {"accountNo": "12-3"}})).expect_err("refused");
        assert!(refused.starts_with("invalid_value"), "{refused}");
        assert!(e.edit("E9", json!({})).is_err());
        assert!(e.insert(person("E2", "8112189876")).is_err_and(|m| m.starts_with("invalid_ssn")));
    }

    #[tokio::test]
    async fn delete_is_not_allowed() {
        let e = Emulator::start(Settings::default()).await.expect("starts");
        e.insert(person("E1", "19811218-9876")).expect("seeded");
        let (status, answer) = Client::of(&e).send(reqwest::Method::DELETE, "/employees/E1", None).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (405, Some("method_not_allowed")));
        assert!(e.employee("E1").is_some());
    }

    #[tokio::test]
    async fn a_scripted_fault_answers_500_once() {
        let e = Emulator::start(Settings::default()).await.expect("starts");
        e.push_fault(Fault::status("GET", "/employees", 500, 1));
        let c = Client::of(&e);
        let (status, answer) = c.get("/employees").await;
        assert_eq!(status, 500);
        assert_eq!(answer["error"]["code"], "internal_server_error");
        assert_eq!(c.get("/employees").await.0, 200);
        let logged: Vec<(String, u16)> = e.requests().into_iter().map(|r| (r.path, r.status)).collect();
        assert_eq!(logged, [("/employees".to_owned(), 500), ("/employees".to_owned(), 200)]);
    }
}
