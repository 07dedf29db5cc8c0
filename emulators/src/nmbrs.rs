//! Emulator of the Visma Nmbrs REST API (`https://api.nmbrsapp.com/api`)
//! and its identity service's token endpoint, built from the vendor's own
//! OpenAPI file, "Nmbrs Public REST API" (`shared/data/nmbrs/nmbrs-openapi.yaml`,
//! from the PyPI package `nmbrs-rest-api` 0.0.3, whose `pagination.py` and
//! `auth.py` also show paging and tokens), and strict: a body member the
//! schema lacks, a missing required member, a wrong type, an enum value
//! not in the enum, a malformed date or an empty string is a 400.
//!
//! From the OpenAPI file, by schema or path:
//! - auth: the `Bearer` security scheme, OAuth2 authorization code with
//!   refresh tokens (`tokenUrl` = `refreshUrl` = `/connect/token`); every
//!   operation's `security` names the scopes it needs ([`SCOPES`]); the
//!   `X-Subscription-Key` header parameter on every operation;
//! - paging: `pageNumber` (≥ 1) and `pageSize` (1–100, default 20) on every
//!   list; the envelope `{pagination: Pagination, data}` whose
//!   `firstPage`, `lastPage`, `nextPage` and `previousPage` are URI strings
//!   (the spec's example: `…/api/companies/439323/{endpoint}?pageNumber=4`),
//!   `nextPage` null on the last page;
//! - `GET /api/companies` (`CompanyListResponse`);
//!   `GET /api/companies/{companyId}/employees` (`EmployeeListResponse`:
//!   `{employeeId, employeeBasicInfo: EmployeeBasic}`);
//!   `…/employees/personalinfo` (`EmployeesPersonalInfoResponse`: `{employeeId,
//!   info: [PersonalInfo]}`, a history with `period`, birth date a
//!   date-time, birth country as `birthCountry.codeISO`);
//!   `…/employees/addresses` (`EmployeesAddressessResponse`, a history);
//!   `…/employees/bankaccounts` (`EmployeesBankAccountsResponse`, no BIC);
//!   `…/employees/salaries` (`EmployeesSalariesResponse`);
//!   `…/employees/employments` (`EmployeesEmploymentsResponse`);
//! - writes: `POST /api/companies/{companyId}/employees` (`CreateEmployee`:
//!   `PersonalInfo` and `AdditionalEmployeeInfo`, capitalised as the spec
//!   names them; `basicInfo.employeeType` and `lastName` required; answers
//!   201 `CreateEmployeeResponse {employeeId}`);
//!   `PUT /api/employees/{id}/personalInfo` (`UpdatePersonalInfo`, no
//!   `employeeType`); `POST …/address` (`CreateAddress`: type, street,
//!   city, countryISOCode required); `POST`/`PUT …/bankaccount`
//!   (`CreateBankAccount` / `UpdateBankAccount`); `POST …/salary`
//!   (`CreateSalary`: `startDate` a date-time);
//! - errors as problem details (`{type, title, status, detail, code}`).
//!
//! Still assumed, where the file is silent:
//! - the token endpoint is served at `/identity/connect/token` of this
//!   server (the real one is on `identityservice.nmbrs.com`); it rotates
//!   refresh tokens (each grant answers a new one, the old one is then
//!   refused with `invalid_grant`), as `auth.py` handles; a code works once;
//! - a duplicate `employeeNumber` in a company answers 409 (the spec
//!   declares no 409);
//! - `CreateBankAccount` and `UpdateBankAccount` leave
//!   `additionalProperties` open; they are treated as closed, so a member
//!   the schema lacks (a `BIC`, `bankAccountType` on the update) is caught;
//! - a write's `period` defaults to the year and month of the day it
//!   arrives; a history lists its entries in the order they were made;
//! - an employee with nothing in a sub-list is listed with an empty array;
//!   absent values read back as `null`.
//!
//! Scripted faults ([`crate::faults`]) fire on every route, the token
//! endpoint included, from one middleware; fault paths are matched
//! against the whole path (`/api/employees/...`).

use crate::faults::{Fault, FaultGate, LoggedRequest, SharedScript, inject, lock, record};
use crate::server::{Check, Tokens, bearer, guard};
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// How the emulator is set up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// OAuth2 client id.
    pub client_id: String,
    /// OAuth2 client secret.
    pub client_secret: String,
    /// Subscription key every API call must carry.
    pub subscription_key: String,
    /// Access token lifetime.
    pub token_lifetime: Duration,
    /// Companies: (id, name).
    pub companies: Vec<(String, String)>,
    /// The refresh token valid at start (as if the operator had authorized).
    pub refresh_token: String,
    /// The authorization code the token endpoint takes once.
    pub authorization_code: String,
    /// The redirect URI registered for the client.
    pub redirect_uri: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            client_id: "emulator-client".into(),
            client_secret: "emulator-secret".into(),
            subscription_key: "emulator-subscription".into(),
            token_lifetime: Duration::from_secs(3600),
            companies: vec![("5f2b1c3e-0000-4000-8000-000000000001".into(), "Demo BV".into())],
            refresh_token: "emulator-refresh-1".into(),
            authorization_code: "emulator-code".into(),
            redirect_uri: "http://127.0.0.1/callback".into(),
        }
    }
}

/// Every scope the spec's `Bearer` scheme defines.
const ALL_SCOPES: &[&str] = &[
    "employee.employment",
    "employee.employment.read",
    "employee.info",
    "employee.info.read",
    "employee.payment",
    "employee.payment.read",
    "employee.leave",
    "employee.leave.read",
    "company.info",
    "company.info.read",
    "company.payrollsettings.read",
    "company.leave.read",
    "employee.orgstructure",
    "employee.orgstructure.read",
    "employee.bankaccount.read",
    "employee.bankaccount",
    "user.info.read",
    "debtor.info.read",
    "offline_access",
    "employee.document.read",
    "company.document.read",
    "document.read",
    "employee.document",
    "employee.payrollsettings",
    "employee.payrollsettings.read",
];

/// The scopes each operation accepts, from its `security` in the spec
/// (method, path pattern with `*` for one segment, scopes).
pub const SCOPES: &[(&str, &str, &[&str])] = &[
    ("GET", "/api/companies", &["company.info", "company.info.read"]),
    ("GET", "/api/companies/*/employees", &["employee.info", "employee.info.read"]),
    ("POST", "/api/companies/*/employees", &["employee.info"]),
    ("GET", "/api/companies/*/employees/personalinfo", &["employee.info", "employee.info.read"]),
    ("GET", "/api/companies/*/employees/addresses", &["employee.info", "employee.info.read"]),
    ("GET", "/api/companies/*/employees/bankaccounts", &["employee.bankaccount.read", "employee.bankaccount"]),
    ("GET", "/api/companies/*/employees/salaries", &["employee.employment", "employee.employment.read"]),
    ("GET", "/api/companies/*/employees/employments", &["employee.employment.read", "employee.employment"]),
    ("PUT", "/api/employees/*/personalInfo", &["employee.info"]),
    ("POST", "/api/employees/*/address", &["employee.info"]),
    ("POST", "/api/employees/*/bankaccount", &["employee.bankaccount"]),
    ("PUT", "/api/employees/*/bankaccount", &["employee.bankaccount"]),
    ("POST", "/api/employees/*/salary", &["employee.employment"]),
];

/// The scopes `method path` accepts, if the spec names the operation.
fn scopes_for(method: &Method, path: &str) -> Option<&'static [&'static str]> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    SCOPES.iter().find_map(|(m, pattern, scopes)| {
        let wanted: Vec<&str> = pattern.split('/').collect();
        let fits = *m == method.as_str()
            && wanted.len() == segments.len()
            && wanted.iter().zip(&segments).all(|(w, s)| *w == "*" || w == s);
        fits.then_some(*scopes)
    })
}

#[derive(Default, Clone)]
struct StoredEmployee {
    company_id: String,
    /// `PersonalInfo` entries in the read shape, oldest first.
    personal_info: Vec<Map<String, Value>>,
    in_service_date: String,
    /// `Address` entries, oldest first.
    addresses: Vec<Map<String, Value>>,
    bank_accounts: Vec<Map<String, Value>>,
    salaries: Vec<Map<String, Value>>,
}

impl StoredEmployee {
    /// The personal-info entry made last.
    fn latest_info(&self) -> Option<&Map<String, Value>> {
        self.personal_info.last()
    }
}

#[derive(Default)]
struct Data {
    employees: BTreeMap<String, StoredEmployee>,
    /// Employees per (company, employee number): the uniqueness check on
    /// create without a scan of every employee.
    numbers: HashMap<(String, i64), usize>,
    /// Employee ids per company in the order they were made (the order of
    /// the lists), so a page is found without a scan of every employee.
    by_company: HashMap<String, Vec<String>>,
    tokens: Tokens,
    /// The scopes of each access token issued.
    scopes: HashMap<String, Vec<String>>,
    issued: u64,
    ids: u64,
    /// The one refresh token valid now; `None` once refused for good.
    refresh_token: Option<String>,
    refresh_grants: u64,
    code_used: bool,
}

type Shared = crate::server::Shared<Settings, Data>;

/// A running emulator; stops when dropped.
pub struct Emulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    _server: crate::server::ServerTask,
}

impl Emulator {
    /// Start on a free loopback port.
    pub async fn start(settings: Settings) -> std::io::Result<Self> {
        let script = SharedScript::default();
        let data = Data { refresh_token: Some(settings.refresh_token.clone()), ..Data::default() };
        let shared = Arc::new(Shared::new(settings, data, Arc::clone(&script)));
        let api = Router::new()
            .route("/api/companies", get(companies))
            .route("/api/companies/{company}/employees", get(list_employees).post(create_employee))
            .route("/api/companies/{company}/employees/{resource}", get(list_resource))
            .route("/api/employees/{id}/personalInfo", put(put_personal_info))
            .route("/api/employees/{id}/address", post(post_address))
            .route("/api/employees/{id}/bankaccount", post(post_bank_account).put(put_bank_account))
            .route("/api/employees/{id}/salary", post(post_salary))
            .route_layer(axum::middleware::from_fn_with_state(Arc::clone(&shared), scope_guard))
            .route_layer(axum::middleware::from_fn_with_state((Arc::clone(&shared), check as Check<_, _>), guard));
        let faults = FaultGate {
            script: Arc::clone(&script),
            root: "",
            error_answer: |status, text| problem(status, "Injected", text),
        };
        let app = Router::new()
            .route("/identity/connect/token", post(token))
            .merge(api)
            .route_layer(axum::middleware::from_fn_with_state(faults, inject))
            .fallback(|uri: Uri| async move {
                problem(StatusCode::NOT_FOUND, "NotFound", format!("no such endpoint {}", uri.path()))
            })
            .layer(axum::middleware::from_fn_with_state((script, ""), record))
            .with_state(Arc::clone(&shared));
        let (addr, task) = crate::server::serve(app, "Nmbrs").await?;
        Ok(Self { addr, shared, _server: task })
    }

    /// API base URL (`http://127.0.0.1:PORT/api`).
    pub fn base_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    /// Token endpoint URL.
    pub fn token_url(&self) -> String {
        format!("http://{}/identity/connect/token", self.addr)
    }

    /// Authorization endpoint URL (named, not served: the operator's
    /// browser goes there).
    pub fn authorize_url(&self) -> String {
        format!("http://{}/identity/connect/authorize", self.addr)
    }

    /// The settings it runs with (credentials, companies).
    pub fn settings(&self) -> &Settings {
        &self.shared.settings
    }

    /// Make matching requests fail (paths as logged, e.g. `/api/employees/`).
    pub fn push_fault(&self, fault: Fault) {
        lock(&self.shared.script).push(fault);
    }

    /// Seed the draws of faults with a probability: the same seed and
    /// faults fail the same requests.
    pub fn seed_faults(&self, seed: u64) {
        lock(&self.shared.script).seed_faults(seed);
    }

    /// Every request so far (paths include `/api`).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.script).log.clone()
    }

    /// Requests that could change data (not GET), token requests excluded.
    pub fn write_requests(&self) -> Vec<LoggedRequest> {
        self.requests().into_iter().filter(|r| r.method != "GET" && r.path.starts_with("/api/")).collect()
    }

    /// Invalidate every access token, as if they expired.
    pub fn expire_tokens(&self) {
        self.shared.lock().tokens.clear();
    }

    /// Access tokens issued so far.
    pub fn tokens_issued(&self) -> u64 {
        self.shared.lock().issued
    }

    /// The one refresh token valid now (empty when none is).
    pub fn current_refresh_token(&self) -> String {
        self.shared.lock().refresh_token.clone().unwrap_or_default()
    }

    /// Refresh-token grants answered with a token.
    pub fn refresh_grants(&self) -> u64 {
        self.shared.lock().refresh_grants
    }

    /// Number of employees stored.
    pub fn employee_count(&self) -> usize {
        self.shared.lock().employees.len()
    }

    /// One employee as JSON by employee number: `employeeId`,
    /// `personalInfo` (the entry made last, read shape), `inServiceDate`,
    /// `address` (the home address made last, or null), `addresses`,
    /// `bankAccounts`, `salaries`.
    pub fn employee_by_number(&self, number: i64) -> Option<Value> {
        let data = self.shared.lock();
        data.employees.iter().find(|(_, e)| employee_number(e) == Some(number)).map(|(id, e)| {
            let home = e.addresses.iter().rev().find(|a| a.get("type").and_then(Value::as_str) == Some("homeAddress"));
            json!({
                "employeeId": id,
                "personalInfo": e.latest_info(),
                "inServiceDate": e.in_service_date,
                "address": home,
                "addresses": e.addresses,
                "bankAccounts": e.bank_accounts,
                "salaries": e.salaries,
            })
        })
    }

    /// Put an employee in place directly (created in Nmbrs by hand);
    /// returns its id.
    pub fn insert_employee(&self, number: i64, first_name: &str, last_name: &str, birth_date: &str) -> String {
        let company = self.shared.settings.companies.first().map(|c| c.0.clone()).unwrap_or_default();
        let mut data = self.shared.lock();
        let id = new_id(&mut data);
        let info = json!({
            "personalInfoId": format!("{id}-pi-0"),
            "basicInfo": {"employeeNumber": number, "firstName": first_name, "firstNameInFull": null, "prefix": null,
                          "initials": null, "lastName": last_name, "employeeType": "payroll"},
            "birthInfo": {"birthDate": format!("{birth_date}T00:00:00"), "birthCountry": {"codeISO": null},
                          "nationality": {"codeISO": null}, "deceasedOn": null, "gender": null},
            "contactInfo": {},
            "period": {"year": 2020, "period": 1},
            "createdAt": "2020-01-01T00:00:00Z",
        });
        count_number(&mut data.numbers, &company, Some(number), 1);
        data.by_company.entry(company.clone()).or_default().push(id.clone());
        data.employees.insert(
            id.clone(),
            StoredEmployee {
                company_id: company,
                personal_info: vec![info.as_object().cloned().unwrap_or_default()],
                in_service_date: "2020-01-01".into(),
                ..StoredEmployee::default()
            },
        );
        id
    }

    /// Change the IBAN of an employee's first bank account directly.
    pub fn edit_iban(&self, number: i64, iban: &str) -> bool {
        let mut data = self.shared.lock();
        let Some(e) = data.employees.values_mut().find(|e| employee_number(e) == Some(number)) else {
            return false;
        };
        match e.bank_accounts.first_mut() {
            Some(b) => {
                b.insert("IBAN".into(), Value::String(iban.into()));
                true
            }
            None => false,
        }
    }

    /// Append one entry to an employee's address history directly (a full
    /// `Address` as the list shows it, with its `period`).
    pub fn add_address(&self, number: i64, address: Value) -> bool {
        let mut data = self.shared.lock();
        let Data { employees, ids, .. } = &mut *data;
        let Some(e) = employees.values_mut().find(|e| employee_number(e) == Some(number)) else {
            return false;
        };
        let Value::Object(mut address) = address else { return false };
        *ids += 1;
        address.entry("addressId").or_insert_with(|| Value::String(format!("address-{ids}")));
        e.addresses.push(address);
        true
    }
}

fn new_id(data: &mut Data) -> String {
    data.ids += 1;
    format!("{:08x}-4e6d-4b72-8000-{:012x}", 0x6e6d_6272u32, data.ids)
}

/// The employee number of the personal-info entry made last.
fn employee_number(e: &StoredEmployee) -> Option<i64> {
    e.latest_info()?.get("basicInfo")?.get("employeeNumber")?.as_i64()
}

/// A problem-details error response.
fn problem(status: StatusCode, code: &str, detail: impl Into<String>) -> Response {
    let body = json!({
        "type": format!("https://developer.nmbrs.com/docs/errors#{code}"),
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail.into(),
        "code": code,
    });
    let mut response = (status, axum::Json(body)).into_response();
    if let Ok(v) = "application/problem+json".parse() {
        response.headers_mut().insert("content-type", v);
    }
    response
}

fn invalid(detail: impl Into<String>) -> Response {
    problem(StatusCode::BAD_REQUEST, "ValidationError", detail)
}

/// The check on every `/api` route (by [`crate::server::guard`]): the
/// subscription key, then a live bearer token.
fn check(shared: &Shared, headers: &HeaderMap) -> Result<(), Response> {
    let key = headers.get("x-subscription-key").and_then(|v| v.to_str().ok());
    if key != Some(shared.settings.subscription_key.as_str()) {
        return Err(problem(
            StatusCode::UNAUTHORIZED,
            "SubscriptionKeyInvalid",
            "missing or invalid X-Subscription-Key",
        ));
    }
    let valid = bearer(headers).is_some_and(|t| shared.lock().tokens.is_live(t));
    if !valid {
        return Err(problem(StatusCode::UNAUTHORIZED, "TokenInvalid", "missing, invalid or expired access token"));
    }
    Ok(())
}

/// The token must carry one of the scopes the operation's `security` lists.
async fn scope_guard(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let Some(wanted) = scopes_for(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    let held = bearer(request.headers()).and_then(|t| shared.lock().scopes.get(t).cloned()).unwrap_or_default();
    if wanted.iter().any(|s| held.iter().any(|h| h == s)) {
        next.run(request).await
    } else {
        problem(
            StatusCode::FORBIDDEN,
            "InsufficientScope",
            format!("this operation needs one of the scopes {}", wanted.join(", ")),
        )
    }
}

fn oauth_error(status: StatusCode, error: &str) -> Response {
    (status, axum::Json(json!({"error": error}))).into_response()
}

/// `POST /identity/connect/token`: authorization-code and refresh-token
/// grants; refresh tokens rotate.
async fn token(State(shared): State<Arc<Shared>>, axum::Form(form): axum::Form<HashMap<String, String>>) -> Response {
    let s = &shared.settings;
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if field("client_id") != s.client_id || field("client_secret") != s.client_secret {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    let asked: Vec<String> = field("scope").split_whitespace().map(str::to_owned).collect();
    if asked.iter().any(|a| !ALL_SCOPES.contains(&a.as_str())) {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_scope");
    }
    let mut data = shared.lock();
    match field("grant_type") {
        "authorization_code" => {
            if data.code_used || field("code") != s.authorization_code || field("redirect_uri") != s.redirect_uri {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
            }
            data.code_used = true;
        }
        "refresh_token" => {
            let given = field("refresh_token");
            if given.is_empty() || data.refresh_token.as_deref() != Some(given) {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
            }
            data.refresh_grants += 1;
        }
        _ => return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type"),
    }
    data.issued += 1;
    let access = format!("nmbrs-access-{}", data.issued);
    let refresh = format!("nmbrs-refresh-{}-{:x}", data.issued, data.ids.wrapping_mul(0x9e37_79b9) ^ data.issued);
    data.refresh_token = Some(refresh.clone());
    data.tokens.issue(access.clone(), s.token_lifetime);
    let scopes = if asked.is_empty() { ALL_SCOPES.iter().map(|s| (*s).to_owned()).collect() } else { asked };
    let scope = scopes.join(" ");
    data.scopes.insert(access.clone(), scopes);
    axum::Json(json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": s.token_lifetime.as_secs(),
        "refresh_token": refresh,
        "scope": scope,
    }))
    .into_response()
}

/// Query parameters a list takes (`pageNumber`, `pageSize` and the
/// filters the spec names).
const LIST_PARAMETERS: &[&str] =
    &["pageNumber", "pageSize", "createdFrom", "employeeId", "employeeType", "changedFrom"];

/// The page `query` asks for out of `total` items: which items, and the
/// envelope's `pagination` (links as URI strings on `uri`'s path). Only the
/// page's items are rendered, so reading a large company page by page
/// stays linear.
fn window(
    origin: &str,
    uri: &Uri,
    total: usize,
    query: &HashMap<String, String>,
) -> Result<(std::ops::Range<usize>, Value), Response> {
    if let Some(unknown) = query.keys().find(|k| !LIST_PARAMETERS.contains(&k.as_str())) {
        return Err(invalid(format!("unknown query parameter {unknown}")));
    }
    let integer = |name: &str, default: usize| match query.get(name) {
        None => Ok(default),
        Some(v) => v.parse::<usize>().map_err(|_| invalid(format!("{name} must be an integer"))),
    };
    let size = integer("pageSize", 20)?;
    if !(1..=100).contains(&size) {
        return Err(invalid("pageSize must be between 1 and 100"));
    }
    let number = integer("pageNumber", 1)?;
    if number < 1 {
        return Err(invalid("pageNumber must be at least 1"));
    }
    let pages = total.div_ceil(size).max(1);
    let start = number.saturating_sub(1).saturating_mul(size).min(total);
    let link = |n: usize| Value::String(format!("{origin}{}?pageNumber={n}&pageSize={size}", uri.path()));
    let pagination = json!({
        "pageNumber": number,
        "pageSize": size,
        "firstPage": link(1),
        "lastPage": link(pages),
        "totalPages": pages,
        "totalRecords": total,
        "nextPage": if number < pages { link(number + 1) } else { Value::Null },
        "previousPage": if number > 1 { link(number - 1) } else { Value::Null },
    });
    Ok((start..(start + size).min(total), pagination))
}

/// `http://host:port` of the request, for the envelope's links.
fn origin_of(headers: &HeaderMap) -> String {
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// `GET /api/companies` (`CompanyListResponse`).
async fn companies(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let items: Vec<Value> = shared
        .settings
        .companies
        .iter()
        .enumerate()
        .map(|(i, (id, name))| json!({"companyId": id, "number": (i + 1).to_string(), "name": name}))
        .collect();
    match window(&origin_of(&headers), &uri, items.len(), &q) {
        Ok((range, pagination)) => axum::Json(json!({"pagination": pagination, "data": &items[range]})).into_response(),
        Err(r) => r,
    }
}

fn known_company(shared: &Shared, company: &str) -> Result<(), Response> {
    if shared.settings.companies.iter().any(|(id, _)| id == company) {
        Ok(())
    } else {
        Err(problem(StatusCode::NOT_FOUND, "CompanyNotFound", format!("no company {company}")))
    }
}

/// `GET /api/companies/{companyId}/employees` (`EmployeeListResponse`).
async fn list_employees(
    State(shared): State<Arc<Shared>>,
    Path(company): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    list(&shared, &company, &headers, &uri, &q, |id, e| {
        let basic = e.latest_info().and_then(|i| i.get("basicInfo")).cloned().unwrap_or(Value::Null);
        json!({"employeeId": id, "employeeBasicInfo": basic})
    })
}

/// One page of a company list, each employee rendered by `row`.
fn list(
    shared: &Shared,
    company: &str,
    headers: &HeaderMap,
    uri: &Uri,
    q: &HashMap<String, String>,
    row: impl Fn(&str, &StoredEmployee) -> Value,
) -> Response {
    if let Err(r) = known_company(shared, company) {
        return r;
    }
    let data = shared.lock();
    let ids = data.by_company.get(company).map(Vec::as_slice).unwrap_or_default();
    let (range, pagination) = match window(&origin_of(headers), uri, ids.len(), q) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let items: Vec<Value> = ids[range].iter().filter_map(|id| data.employees.get(id).map(|e| row(id, e))).collect();
    drop(data);
    axum::Json(json!({"pagination": pagination, "data": items})).into_response()
}

/// The bulk lists: `personalinfo` (`EmployeesPersonalInfoResponse`),
/// `addresses` (`EmployeesAddressessResponse`), `bankaccounts`
/// (`EmployeesBankAccountsResponse`), `salaries` (`EmployeesSalariesResponse`),
/// `employments` (`EmployeesEmploymentsResponse`).
async fn list_resource(
    State(shared): State<Arc<Shared>>,
    Path((company, resource)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let row: fn(&str, &StoredEmployee) -> Value = match resource.as_str() {
        "personalinfo" => |id, e| json!({"employeeId": id, "info": e.personal_info}),
        "addresses" => |id, e| json!({"employeeId": id, "addresses": e.addresses}),
        "bankaccounts" => |id, e| json!({"employeeId": id, "bankAccounts": e.bank_accounts}),
        "salaries" => |id, e| json!({"employeeId": id, "salaries": e.salaries}),
        "employments" => |id, e| {
            json!({"employeeId": id, "employments": [{
                "employmentId": format!("{id}-employment-1"),
                "creationDate": format!("{}T00:00:00", e.in_service_date),
                "startDate": format!("{}T00:00:00", e.in_service_date),
                "endDate": null, "seniorityDate": null,
                "endContractReason": {"code": null, "reason": null},
            }]})
        },
        other => return problem(StatusCode::NOT_FOUND, "NotFound", format!("no such resource {other}")),
    };
    list(&shared, &company, &headers, &uri, &q, row)
}

/// What a body member must be.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    /// `format: date`, `YYYY-MM-DD`.
    Date,
    /// `format: date-time`.
    DateTime,
    Integer,
    Number,
    Bool,
    OneOf(&'static [&'static str]),
    Object(&'static [Member]),
}

/// One member of a schema: name, kind, required, nullable.
struct Member(&'static str, Kind, bool, bool);

const EMPLOYEE_TYPES: &[&str] =
    &["applicant", "newHire", "payroll", "formerPayroll", "external", "formerExternal", "rejectedApplicant"];
const GENDERS: &[&str] = &["unspecified", "male", "female", "unknown"];
const MARITAL: &[&str] =
    &["married", "unmarried", "livingTogether", "divorced", "registeredPartner", "widowWidower", "notSpecified"];
const ADDRESS_TYPES: &[&str] =
    &["homeAddress", "postAddress", "absenceAddress", "holidaysAddress", "weekendAddress", "workAddress"];
const BANK_TYPES: &[&str] = &[
    "bankAccount1",
    "bankAccount2",
    "bankAccount3",
    "bankAccount4",
    "bankAccount5",
    "salarySavings",
    "lifecycleSavingSchemes",
    "standard",
];
const SALARY_TYPES: &[&str] = &[
    "grossFulltimeSalary",
    "grossParttimeSalary",
    "grossHourlyWage",
    "netParttimeSalaryInclWageComp",
    "netParttimeSalaryExclWageComp",
    "netHourlyWageExclWageComp",
    "netHourlyWageInclWageComp",
    "employerCosts",
];

/// `Period`.
const PERIOD: &[Member] = &[Member("year", Kind::Integer, false, false), Member("period", Kind::Integer, false, false)];
/// `EmployeeContact`.
const CONTACT: &[Member] = &[
    Member("privateEmail", Kind::Text, false, true),
    Member("businessEmail", Kind::Text, false, true),
    Member("businessPhone", Kind::Text, false, true),
    Member("businessMobilePhone", Kind::Text, false, true),
    Member("privatePhone", Kind::Text, false, true),
    Member("privateMobilePhone", Kind::Text, false, true),
    Member("otherPhone", Kind::Text, false, true),
];
/// `UpdatePartnerInfo`.
const PARTNER: &[Member] = &[
    Member("partnerPrefix", Kind::Text, false, true),
    Member("partnerName", Kind::Text, false, true),
    Member("maritalStatus", Kind::OneOf(MARITAL), false, false),
    Member("ascriptionCode", Kind::Integer, false, true),
];
/// `EmployeeBasic` (create: `employeeType` and `lastName` required).
const BASIC_CREATE: &[Member] = &[
    Member("employeeNumber", Kind::Integer, false, false),
    Member("firstName", Kind::Text, false, true),
    Member("firstNameInFull", Kind::Text, false, true),
    Member("prefix", Kind::Text, false, true),
    Member("initials", Kind::Text, false, true),
    Member("lastName", Kind::Text, true, false),
    Member("employeeType", Kind::OneOf(EMPLOYEE_TYPES), true, false),
];
/// `UpdateEmployeeBasic` (no `employeeType`).
const BASIC_UPDATE: &[Member] = &[
    Member("employeeNumber", Kind::Integer, false, true),
    Member("firstName", Kind::Text, false, true),
    Member("firstNameInFull", Kind::Text, false, true),
    Member("prefix", Kind::Text, false, true),
    Member("initials", Kind::Text, false, true),
    Member("lastName", Kind::Text, true, true),
];
/// `CreateEmployeeBirth` (dates as dates).
const BIRTH_CREATE: &[Member] = &[
    Member("birthDate", Kind::Date, false, true),
    Member("birthCountryCodeISO", Kind::Text, false, true),
    Member("nationalityCodeISO", Kind::Text, false, true),
    Member("deceasedOn", Kind::Date, false, true),
    Member("gender", Kind::OneOf(GENDERS), false, true),
];
/// `UpdateEmployeeBirth` (dates as date-times).
const BIRTH_UPDATE: &[Member] = &[
    Member("birthDate", Kind::DateTime, false, true),
    Member("birthCountryCodeISO", Kind::Text, false, true),
    Member("nationalityCodeISO", Kind::Text, false, true),
    Member("deceasedOn", Kind::DateTime, false, true),
    Member("gender", Kind::OneOf(GENDERS), false, true),
];
/// `CreatePersonalInfo`.
const PERSONAL_CREATE: &[Member] = &[
    Member("basicInfo", Kind::Object(BASIC_CREATE), false, false),
    Member("birthInfo", Kind::Object(BIRTH_CREATE), false, false),
    Member("contactInfo", Kind::Object(CONTACT), false, false),
    Member("partnerInfo", Kind::Object(PARTNER), false, false),
    Member("period", Kind::Object(PERIOD), false, false),
];
/// `AdditionalEmployeeInfo`.
const ADDITIONAL: &[Member] =
    &[Member("inServiceDate", Kind::Date, false, false), Member("defaultEmployeeTemplate", Kind::Text, false, true)];
/// `CreateEmployee`.
const CREATE_EMPLOYEE: &[Member] = &[
    Member("PersonalInfo", Kind::Object(PERSONAL_CREATE), false, false),
    Member("AdditionalEmployeeInfo", Kind::Object(ADDITIONAL), false, false),
];
/// `UpdatePersonalInfo`.
const UPDATE_PERSONAL: &[Member] = &[
    Member("basicInfo", Kind::Object(BASIC_UPDATE), false, false),
    Member("birthInfo", Kind::Object(BIRTH_UPDATE), false, false),
    Member("contactInfo", Kind::Object(CONTACT), false, false),
    Member("partnerInfo", Kind::Object(PARTNER), false, false),
    Member("period", Kind::Object(PERIOD), false, false),
];
/// `CreateAddress`.
const CREATE_ADDRESS: &[Member] = &[
    Member("isDefault", Kind::Bool, false, true),
    Member("type", Kind::OneOf(ADDRESS_TYPES), true, false),
    Member("street", Kind::Text, true, false),
    Member("houseNumber", Kind::Text, false, true),
    Member("houseNumberAddition", Kind::Text, false, true),
    Member("postalCode", Kind::Text, false, true),
    Member("city", Kind::Text, true, false),
    Member("stateProvince", Kind::Text, false, true),
    Member("countryISOCode", Kind::Text, true, false),
    Member("period", Kind::Object(PERIOD), false, false),
];
/// `CreateBankAccount` (open in the spec, closed here).
const CREATE_BANK: &[Member] = &[
    Member("number", Kind::Text, false, false),
    Member("IBAN", Kind::Text, true, false),
    Member("city", Kind::Text, false, false),
    Member("name", Kind::Text, false, false),
    Member("bankAccountType", Kind::OneOf(BANK_TYPES), false, false),
];
/// `UpdateBankAccount` (open in the spec, closed here).
const UPDATE_BANK: &[Member] = &[
    Member("bankAccountId", Kind::Text, true, false),
    Member("number", Kind::Text, false, false),
    Member("IBAN", Kind::Text, false, false),
    Member("city", Kind::Text, false, false),
    Member("name", Kind::Text, false, false),
    Member("countryCode", Kind::Text, false, false),
];
/// `CreateSalary` (`salaryTable` not taken here).
const CREATE_SALARY: &[Member] = &[
    Member("startDate", Kind::DateTime, true, false),
    Member("type", Kind::OneOf(SALARY_TYPES), false, false),
    Member("value", Kind::Number, false, false),
];

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 10 && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
}

/// RFC 3339 date-time, the offset optional (`2024-01-01T00:00:00`,
/// `…Z`, `…+01:00`, fractions allowed).
fn is_date_time(s: &str) -> bool {
    let Some((date, time)) = s.split_once('T') else { return false };
    let time = time.trim_end_matches('Z');
    let time = time.split(['+', '-']).next().unwrap_or("");
    let hms = time.split('.').next().unwrap_or("");
    let b = hms.as_bytes();
    is_date(date)
        && b.len() == 8
        && b.iter().enumerate().all(|(i, c)| if i == 2 || i == 5 { *c == b':' } else { c.is_ascii_digit() })
}

/// Check `object` against `schema`; the first problem, named by its path.
fn validate(object: &Map<String, Value>, schema: &[Member], at: &str) -> Result<(), String> {
    for key in object.keys() {
        if !schema.iter().any(|m| m.0 == key) {
            return Err(format!("{at}{key} is not a member of this schema"));
        }
    }
    for Member(name, kind, required, nullable) in schema {
        let path = format!("{at}{name}");
        let value = match object.get(*name) {
            None if *required => return Err(format!("{path} is required")),
            None => continue,
            Some(Value::Null) if *nullable && !*required => continue,
            Some(Value::Null) => return Err(format!("{path} may not be null")),
            Some(v) => v,
        };
        if value.as_str() == Some("") {
            return Err(format!("{path} is an empty string: leave it out or send null"));
        }
        let fits = match kind {
            Kind::Text => value.is_string(),
            Kind::Date => value.as_str().is_some_and(is_date),
            Kind::DateTime => value.as_str().is_some_and(is_date_time),
            Kind::Integer => value.is_i64() || value.is_u64(),
            Kind::Number => value.is_number(),
            Kind::Bool => value.is_boolean(),
            Kind::OneOf(values) => value.as_str().is_some_and(|v| values.contains(&v)),
            Kind::Object(inner) => match value.as_object() {
                Some(o) => {
                    validate(o, inner, &format!("{path}."))?;
                    true
                }
                None => false,
            },
        };
        if !fits {
            let wanted = match kind {
                Kind::Text => "a string".to_owned(),
                Kind::Date => "a date (YYYY-MM-DD)".to_owned(),
                Kind::DateTime => "a date-time (YYYY-MM-DDThh:mm:ss)".to_owned(),
                Kind::Integer => "an integer".to_owned(),
                Kind::Number => "a number".to_owned(),
                Kind::Bool => "a boolean".to_owned(),
                Kind::OneOf(values) => format!("one of {}", values.join(", ")),
                Kind::Object(_) => "an object".to_owned(),
            };
            return Err(format!("{path} must be {wanted}"));
        }
    }
    Ok(())
}

/// The body as a JSON object that fits `schema`, or the 400.
fn body_of(body: &str, schema: &[Member]) -> Result<Map<String, Value>, Response> {
    let object = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.as_object().cloned())
        .ok_or_else(|| invalid("the body must be a JSON object"))?;
    validate(&object, schema, "").map_err(invalid)?;
    Ok(object)
}

/// Today's period (year, month), for writes that name none.
fn this_period() -> Value {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or_default() as i64;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    json!({"year": year, "period": month})
}

/// A `PersonalInfo` entry in the read shape from a written one (create or
/// update), on top of `previous` (the members a write leaves out keep
/// their value).
fn personal_entry(id: &str, seq: u64, written: &Map<String, Value>, previous: Option<&Map<String, Value>>) -> Value {
    let part = |name: &str| written.get(name).and_then(Value::as_object).cloned().unwrap_or_default();
    let before = |section: &str, member: &str| {
        previous.and_then(|p| p.get(section)).and_then(|s| s.get(member)).cloned().unwrap_or(Value::Null)
    };
    let pick = |written: &Map<String, Value>, section: &str, member: &str| {
        written.get(member).cloned().unwrap_or_else(|| before(section, member))
    };
    let basic = part("basicInfo");
    let birth = part("birthInfo");
    let contact = part("contactInfo");
    let as_date_time = |v: Value| match v.as_str() {
        Some(d) if is_date(d) => Value::String(format!("{d}T00:00:00")),
        _ => v,
    };
    let country = |code: &str, read_as: &str| {
        let written = birth.get(code).cloned();
        written.unwrap_or_else(|| before("birthInfo", read_as).get("codeISO").cloned().unwrap_or(Value::Null))
    };
    let mut basic_out = Map::new();
    for m in ["employeeNumber", "firstName", "firstNameInFull", "prefix", "initials", "lastName", "employeeType"] {
        basic_out.insert(m.into(), pick(&basic, "basicInfo", m));
    }
    let mut contact_out = Map::new();
    for Member(m, ..) in CONTACT {
        contact_out.insert((*m).into(), pick(&contact, "contactInfo", m));
    }
    json!({
        "personalInfoId": format!("{id}-pi-{seq}"),
        "basicInfo": basic_out,
        "birthInfo": {
            "birthDate": as_date_time(pick(&birth, "birthInfo", "birthDate")),
            "birthCountry": {"codeISO": country("birthCountryCodeISO", "birthCountry")},
            "nationality": {"codeISO": country("nationalityCodeISO", "nationality")},
            "deceasedOn": as_date_time(pick(&birth, "birthInfo", "deceasedOn")),
            "gender": pick(&birth, "birthInfo", "gender"),
        },
        "contactInfo": contact_out,
        "period": written.get("period").cloned().unwrap_or_else(this_period),
        "createdAt": format!("2026-01-01T00:00:{:02}Z", seq % 60),
    })
}

/// `POST /api/companies/{companyId}/employees` (`CreateEmployee`).
async fn create_employee(State(shared): State<Arc<Shared>>, Path(company): Path<String>, body: String) -> Response {
    if let Err(r) = known_company(&shared, &company) {
        return r;
    }
    let body = match body_of(&body, CREATE_EMPLOYEE) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(info) = body.get("PersonalInfo").and_then(Value::as_object).cloned() else {
        return invalid("PersonalInfo is required to create an employee");
    };
    if info.get("basicInfo").is_none() {
        return invalid("PersonalInfo.basicInfo is required (lastName, employeeType)");
    }
    let in_service = body
        .get("AdditionalEmployeeInfo")
        .and_then(|a| a.get("inServiceDate"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let number = info.get("basicInfo").and_then(|b| b.get("employeeNumber")).and_then(Value::as_i64);
    let mut data = shared.lock();
    let taken = number.is_some_and(|n| data.numbers.get(&(company.clone(), n)).is_some_and(|c| *c > 0));
    if taken {
        return problem(
            StatusCode::CONFLICT,
            "EmployeeNumberExists",
            "an employee with this employee number exists in the company",
        );
    }
    let id = new_id(&mut data);
    let entry = personal_entry(&id, 0, &info, None);
    count_number(&mut data.numbers, &company, number, 1);
    data.by_company.entry(company.clone()).or_default().push(id.clone());
    data.employees.insert(
        id.clone(),
        StoredEmployee {
            company_id: company,
            personal_info: vec![entry.as_object().cloned().unwrap_or_default()],
            in_service_date: in_service,
            ..StoredEmployee::default()
        },
    );
    (StatusCode::CREATED, axum::Json(json!({"employeeId": id}))).into_response()
}

/// Run `f` on a stored employee, or answer 404.
fn with_employee(shared: &Shared, id: &str, f: impl FnOnce(&mut StoredEmployee, &mut u64) -> Response) -> Response {
    let mut data = shared.lock();
    let Data { employees, ids, .. } = &mut *data;
    match employees.get_mut(id) {
        Some(e) => f(e, ids),
        None => problem(StatusCode::NOT_FOUND, "EmployeeNotFound", format!("no employee {id}")),
    }
}

/// `PUT /api/employees/{employeeId}/personalInfo` (`UpdatePersonalInfo`):
/// a new entry in the history.
async fn put_personal_info(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: String) -> Response {
    let info = match body_of(&body, UPDATE_PERSONAL) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if info.get("basicInfo").is_none() {
        return invalid("basicInfo is required (lastName)");
    }
    let mut data = shared.lock();
    let Data { employees, numbers, ids, .. } = &mut *data;
    let Some(e) = employees.get_mut(&id) else {
        return problem(StatusCode::NOT_FOUND, "EmployeeNotFound", format!("no employee {id}"));
    };
    *ids += 1;
    let before = employee_number(e);
    let entry = personal_entry(&id, *ids, &info, e.latest_info());
    e.personal_info.push(entry.as_object().cloned().unwrap_or_default());
    count_number(numbers, &e.company_id, before, -1);
    count_number(numbers, &e.company_id, employee_number(e), 1);
    axum::Json(json!({"personalInfoId": format!("{id}-pi-{ids}")})).into_response()
}

/// Count one more (`by` 1) or one fewer (-1) employee with `number` in
/// `company`.
fn count_number(numbers: &mut HashMap<(String, i64), usize>, company: &str, number: Option<i64>, by: isize) {
    let Some(number) = number else { return };
    let count = numbers.entry((company.to_owned(), number)).or_default();
    *count = count.saturating_add_signed(by);
}

/// `POST /api/employees/{employeeId}/address` (`CreateAddress`): a new
/// entry in the history.
async fn post_address(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: String) -> Response {
    let mut address = match body_of(&body, CREATE_ADDRESS) {
        Ok(b) => b,
        Err(r) => return r,
    };
    with_employee(&shared, &id, |e, ids| {
        *ids += 1;
        let address_id = format!("{id}-address-{ids}");
        address.insert("addressId".into(), Value::String(address_id.clone()));
        address.entry("period").or_insert_with(this_period);
        for Member(m, ..) in CREATE_ADDRESS {
            address.entry(*m).or_insert(Value::Null);
        }
        e.addresses.push(address);
        (StatusCode::CREATED, axum::Json(json!({"addressId": address_id}))).into_response()
    })
}

/// `POST /api/employees/{employeeId}/bankaccount` (`CreateBankAccount`).
async fn post_bank_account(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: String) -> Response {
    let mut account = match body_of(&body, CREATE_BANK) {
        Ok(a) => a,
        Err(r) => return r,
    };
    with_employee(&shared, &id, |e, ids| {
        *ids += 1;
        let bank_id = format!("{id}-bank-{ids}");
        account.insert("bankAccountId".into(), Value::String(bank_id.clone()));
        e.bank_accounts.push(account);
        (StatusCode::CREATED, axum::Json(json!({"bankAccountId": bank_id}))).into_response()
    })
}

/// `PUT /api/employees/{employeeId}/bankaccount` (`UpdateBankAccount`).
async fn put_bank_account(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: String) -> Response {
    let account = match body_of(&body, UPDATE_BANK) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let bank_id = account.get("bankAccountId").and_then(Value::as_str).unwrap_or_default().to_owned();
    with_employee(&shared, &id, |e, _| {
        match e.bank_accounts.iter_mut().find(|b| b.get("bankAccountId").and_then(Value::as_str) == Some(&bank_id)) {
            Some(existing) => {
                for (k, v) in account {
                    existing.insert(k, v);
                }
                axum::Json(json!({"bankAccountId": bank_id})).into_response()
            }
            None => problem(StatusCode::NOT_FOUND, "BankAccountNotFound", format!("no bank account {bank_id}")),
        }
    })
}

/// `POST /api/employees/{employeeId}/salary` (`CreateSalary`).
async fn post_salary(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: String) -> Response {
    let mut salary = match body_of(&body, CREATE_SALARY) {
        Ok(b) => b,
        Err(r) => return r,
    };
    with_employee(&shared, &id, |e, ids| {
        *ids += 1;
        let salary_id = format!("{id}-salary-{ids}");
        salary.insert("salaryId".into(), Value::String(salary_id.clone()));
        e.salaries.push(salary);
        (StatusCode::CREATED, axum::Json(json!({"salaryId": salary_id}))).into_response()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_create_without_employee_type_or_with_a_bic_or_an_empty_string_is_refused() {
        let no_type = json!({"PersonalInfo": {"basicInfo": {"lastName": "Doe"}}});
        let err = validate(no_type.as_object().expect("object"), CREATE_EMPLOYEE, "").expect_err("refused");
        assert!(err.contains("employeeType"), "{err}");
        let lower = json!({"personalInfo": {}});
        assert!(
            validate(lower.as_object().expect("object"), CREATE_EMPLOYEE, "").is_err(),
            "members are named as the spec does"
        );
        let bic = json!({"IBAN": "NL91ABNA0417164300", "BIC": "ABNANL2A"});
        assert!(validate(bic.as_object().expect("object"), CREATE_BANK, "").expect_err("refused").contains("BIC"));
        let empty = json!({"type": "homeAddress", "street": "Kade", "city": "", "countryISOCode": "NL"});
        assert!(
            validate(empty.as_object().expect("object"), CREATE_ADDRESS, "").expect_err("refused").contains("empty")
        );
        let update_type = json!({"bankAccountId": "b", "bankAccountType": "standard"});
        assert!(validate(update_type.as_object().expect("object"), UPDATE_BANK, "").is_err());
    }

    #[test]
    fn dates_and_date_times_are_told_apart() {
        assert!(is_date("2024-01-31") && !is_date("2024-01-31T00:00:00"));
        assert!(is_date_time("2024-01-31T00:00:00") && is_date_time("2024-01-31T00:00:00Z"));
        assert!(is_date_time("2024-01-31T00:00:00.123+01:00") && !is_date_time("2024-01-31"));
        let salary = json!({"startDate": "2024-01-01", "type": "grossHourlyWage", "value": 20.5});
        assert!(validate(salary.as_object().expect("object"), CREATE_SALARY, "").is_err());
    }

    #[test]
    fn scopes_are_looked_up_by_operation() {
        assert_eq!(
            scopes_for(&Method::GET, "/api/companies/c1/employees/bankaccounts"),
            Some(&["employee.bankaccount.read", "employee.bankaccount"][..])
        );
        assert_eq!(scopes_for(&Method::POST, "/api/employees/e1/salary"), Some(&["employee.employment"][..]));
        assert_eq!(scopes_for(&Method::DELETE, "/api/employees/e1/salary"), None);
    }

    #[tokio::test]
    async fn refresh_tokens_rotate_and_client_credentials_are_refused() {
        let e = Emulator::start(Settings::default()).await.expect("starts");
        let s = e.settings().clone();
        let client = reqwest::Client::new();
        let grant = |form: Vec<(&'static str, String)>| client.post(e.token_url()).form(&form).send();
        let base = || vec![("client_id", s.client_id.clone()), ("client_secret", s.client_secret.clone())];
        let mut cc = base();
        cc.push(("grant_type", "client_credentials".into()));
        let refused = grant(cc).await.expect("answer");
        assert_eq!(refused.status(), 400);
        let mut refresh = base();
        refresh.push(("grant_type", "refresh_token".into()));
        refresh.push(("refresh_token", s.refresh_token.clone()));
        let first: Value = grant(refresh.clone()).await.expect("answer").json().await.expect("json");
        assert_ne!(first["refresh_token"].as_str(), Some(s.refresh_token.as_str()));
        assert_eq!(e.current_refresh_token(), first["refresh_token"].as_str().unwrap_or_default());
        let reused = grant(refresh).await.expect("answer");
        assert_eq!(reused.status(), 400, "the old refresh token is refused");
        assert_eq!(e.refresh_grants(), 1);
    }

    #[tokio::test]
    async fn pages_link_to_the_next_page_until_the_last_and_page_size_is_bounded() {
        let e = Emulator::start(Settings::default()).await.expect("starts");
        for n in 1..=250 {
            e.insert_employee(n, "A", "B", "1990-01-01");
        }
        let s = e.settings().clone();
        let client = reqwest::Client::new();
        let mut refresh = vec![("client_id", s.client_id.clone()), ("client_secret", s.client_secret.clone())];
        refresh.push(("grant_type", "refresh_token".into()));
        refresh.push(("refresh_token", s.refresh_token.clone()));
        let token: Value =
            client.post(e.token_url()).form(&refresh).send().await.expect("answer").json().await.expect("json");
        let access = token["access_token"].as_str().unwrap_or_default().to_owned();
        let get =
            |url: String| client.get(url).bearer_auth(&access).header("x-subscription-key", &s.subscription_key).send();
        let list = format!("{}/companies/{}/employees/personalinfo", e.base_url(), s.companies[0].0);
        assert_eq!(get(format!("{list}?pageSize=101")).await.expect("answer").status(), 400);
        let mut url = format!("{list}?pageNumber=1&pageSize=100");
        let mut rows = 0;
        let mut pages = 0;
        loop {
            let page: Value = get(url.clone()).await.expect("answer").json().await.expect("json");
            pages += 1;
            rows += page["data"].as_array().map_or(0, Vec::len);
            match page["pagination"]["nextPage"].as_str() {
                Some(next) => url = next.to_owned(),
                None => break,
            }
        }
        assert_eq!((pages, rows), (3, 250));
    }
}
