//! Emulator of the Visma Nmbrs REST API (`https://api.nmbrsapp.com/api`)
//! and its identity service's token endpoint, as far as the public
//! material goes (research notes `targets.md` §2.2).
//!
//! Public and followed: OAuth2 bearer tokens from `/connect/token` plus an
//! `X-Subscription-Key` header on every call; `GET /companies`;
//! `GET /companies/{companyId}/employees` in the paginated envelope
//! `{pagination{pageNumber, pageSize, totalPages, totalRecords, nextPage,
//! …}, data[]}`; `POST /companies/{companyId}/employees` with
//! `{personalInfo, additionalEmployeeInfo{inServiceDate}}` answering
//! `{employeeId}` (a uuid); `PUT /employees/{id}/personalInfo`; address,
//! bank account and salary sub-resources; problem-details errors
//! (`{type, title, status, detail, code}`); 429 with `Retry-After`.
//!
//! Assumptions where it is silent, written down here:
//! - the token endpoint is served at `/identity/connect/token` of the same
//!   server and takes `client_credentials` or `refresh_token` form grants;
//!   tokens live `token_lifetime`;
//! - list items carry `personalInfo` and `additionalEmployeeInfo`;
//! - bulk reads `GET /companies/{id}/employees/addresses|bankaccounts|salaries`
//!   (named by the BrynQ SDK) return one item per employee
//!   (`{employeeId, addresses|bankAccounts|salaries: [...]}`), paginated
//!   like the employee list;
//! - `POST /employees/{id}/address` replaces the home address;
//!   `POST /employees/{id}/bankaccount` adds one, `PUT` with its
//!   `bankAccountId` changes it; the bank account carries `BIC` besides
//!   `number` and `IBAN`; `POST /employees/{id}/salary` adds a salary (the
//!   current one is the latest `startDate`);
//! - a duplicate `employeeNumber` in a company answers 409;
//! - pages default to 20 items (`pageSize` up to 100).
//!
//! Scripted faults ([`crate::faults`]) fire on every route, the token
//! endpoint included, from one middleware; fault paths are matched
//! against the whole path (`/api/employees/...`).

use crate::faults::{Fault, FaultGate, LoggedRequest, SharedScript, inject, lock, record};
use crate::server::{Check, Tokens, bearer, guard};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
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
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            client_id: "emulator-client".into(),
            client_secret: "emulator-secret".into(),
            subscription_key: "emulator-subscription".into(),
            token_lifetime: Duration::from_secs(3600),
            companies: vec![("5f2b1c3e-0000-4000-8000-000000000001".into(), "Demo BV".into())],
        }
    }
}

#[derive(Default, Clone)]
struct StoredEmployee {
    company_id: String,
    personal_info: Map<String, Value>,
    in_service_date: String,
    address: Option<Map<String, Value>>,
    bank_accounts: Vec<Map<String, Value>>,
    salaries: Vec<Map<String, Value>>,
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
    issued: u64,
    ids: u64,
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
        let shared = Arc::new(Shared::new(settings, Data::default(), Arc::clone(&script)));
        let api = Router::new()
            .route("/api/companies", get(companies))
            .route("/api/companies/{company}/employees", get(list_employees).post(create_employee))
            .route("/api/companies/{company}/employees/{resource}", get(list_resource))
            .route("/api/employees/{id}/personalInfo", put(put_personal_info))
            .route("/api/employees/{id}/address", post(post_address))
            .route("/api/employees/{id}/bankaccount", post(post_bank_account).put(put_bank_account))
            .route("/api/employees/{id}/salary", post(post_salary))
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

    /// Number of employees stored.
    pub fn employee_count(&self) -> usize {
        self.shared.lock().employees.len()
    }

    /// One employee as JSON (`employeeId`, `personalInfo`, `inServiceDate`,
    /// `address`, `bankAccounts`, `salaries`), by employee number.
    pub fn employee_by_number(&self, number: i64) -> Option<Value> {
        let data = self.shared.lock();
        data.employees.iter().find(|(_, e)| employee_number(&e.personal_info) == Some(number)).map(|(id, e)| {
            json!({
                "employeeId": id,
                "personalInfo": e.personal_info,
                "inServiceDate": e.in_service_date,
                "address": e.address,
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
        let personal_info = json!({
            "basicInfo": {"employeeNumber": number, "firstName": first_name, "lastName": last_name},
            "birthInfo": {"birthDate": birth_date},
            "contactInfo": {},
        });
        let personal_info = personal_info.as_object().cloned().unwrap_or_default();
        count_number(&mut data.numbers, &company, Some(number), 1);
        data.by_company.entry(company.clone()).or_default().push(id.clone());
        data.employees.insert(
            id.clone(),
            StoredEmployee {
                company_id: company,
                personal_info,
                in_service_date: "2020-01-01".into(),
                ..StoredEmployee::default()
            },
        );
        id
    }

    /// Change the IBAN of an employee's first bank account directly.
    pub fn edit_iban(&self, number: i64, iban: &str) -> bool {
        let mut data = self.shared.lock();
        let Some(e) = data.employees.values_mut().find(|e| employee_number(&e.personal_info) == Some(number)) else {
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
}

fn new_id(data: &mut Data) -> String {
    data.ids += 1;
    format!("{:08x}-4e6d-4b72-8000-{:012x}", 0x6e6d_6272u32, data.ids)
}

fn employee_number(personal_info: &Map<String, Value>) -> Option<i64> {
    personal_info.get("basicInfo")?.get("employeeNumber")?.as_i64()
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

async fn token(State(shared): State<Arc<Shared>>, axum::Form(form): axum::Form<HashMap<String, String>>) -> Response {
    let s = &shared.settings;
    let client_ok = form.get("client_id") == Some(&s.client_id) && form.get("client_secret") == Some(&s.client_secret);
    let grant_ok = match form.get("grant_type").map(String::as_str) {
        Some("client_credentials") => true,
        Some("refresh_token") => form.get("refresh_token").is_some_and(|t| !t.is_empty()),
        _ => false,
    };
    if !client_ok || !grant_ok {
        return (StatusCode::BAD_REQUEST, axum::Json(json!({"error": "invalid_client"}))).into_response();
    }
    let mut data = shared.lock();
    data.issued += 1;
    let token = format!("nmbrs-access-{}", data.issued);
    data.tokens.issue(token.clone(), s.token_lifetime);
    axum::Json(json!({"access_token": token, "token_type": "Bearer", "expires_in": s.token_lifetime.as_secs()}))
        .into_response()
}

/// The page `query` asks for out of `total` items: which items, and the
/// envelope's `pagination` object. Only the page's items are rendered, so
/// reading a large company page by page stays linear.
fn window(total: usize, query: &HashMap<String, String>) -> (std::ops::Range<usize>, Value) {
    let size: usize = query.get("pageSize").and_then(|v| v.parse().ok()).unwrap_or(20).clamp(1, 100);
    let number: usize = query.get("pageNumber").or(query.get("page")).and_then(|v| v.parse().ok()).unwrap_or(1).max(1);
    let pages = total.div_ceil(size).max(1);
    let start = number.saturating_sub(1).saturating_mul(size).min(total);
    let pagination = json!({
        "pageNumber": number,
        "pageSize": size,
        "firstPage": 1,
        "lastPage": pages,
        "totalPages": pages,
        "totalRecords": total,
        "nextPage": if number < pages { Value::from(number + 1) } else { Value::Null },
        "previousPage": if number > 1 { Value::from(number - 1) } else { Value::Null },
    });
    (start..(start + size).min(total), pagination)
}

/// The paginated envelope around `items`.
fn page(items: Vec<Value>, query: &HashMap<String, String>) -> Response {
    let (range, pagination) = window(items.len(), query);
    axum::Json(json!({"pagination": pagination, "data": &items[range]})).into_response()
}

async fn companies(State(shared): State<Arc<Shared>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let items = shared
        .settings
        .companies
        .iter()
        .enumerate()
        .map(|(i, (id, name))| json!({"companyId": id, "number": i + 1, "name": name}))
        .collect();
    page(items, &q)
}

fn known_company(shared: &Shared, company: &str) -> Result<(), Response> {
    if shared.settings.companies.iter().any(|(id, _)| id == company) {
        Ok(())
    } else {
        Err(problem(StatusCode::NOT_FOUND, "CompanyNotFound", format!("no company {company}")))
    }
}

async fn list_employees(
    State(shared): State<Arc<Shared>>,
    Path(company): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = known_company(&shared, &company) {
        return r;
    }
    let data = shared.lock();
    let mine = on_page(&data, &company, &q);
    let (items, pagination) = (
        mine.0
            .iter()
            .map(|(id, e)| json!({"employeeId": id, "personalInfo": e.personal_info, "additionalEmployeeInfo": {"inServiceDate": e.in_service_date}}))
            .collect::<Vec<Value>>(),
        mine.1,
    );
    drop(data);
    axum::Json(json!({"pagination": pagination, "data": items})).into_response()
}

async fn list_resource(
    State(shared): State<Arc<Shared>>,
    Path((company, resource)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = known_company(&shared, &company) {
        return r;
    }
    let data = shared.lock();
    let (on_page, pagination) = on_page(&data, &company, &q);
    let items: Vec<Value> = match resource.as_str() {
        "addresses" => on_page
            .iter()
            .map(|(id, e)| json!({"employeeId": id, "addresses": e.address.iter().collect::<Vec<_>>()}))
            .collect(),
        "bankaccounts" => {
            on_page.iter().map(|(id, e)| json!({"employeeId": id, "bankAccounts": e.bank_accounts})).collect()
        }
        "salaries" => on_page.iter().map(|(id, e)| json!({"employeeId": id, "salaries": e.salaries})).collect(),
        other => return problem(StatusCode::NOT_FOUND, "NotFound", format!("no such resource {other}")),
    };
    drop(on_page);
    drop(data);
    axum::Json(json!({"pagination": pagination, "data": items})).into_response()
}

/// The employees of `company` on the page `query` asks for, in list
/// order, and the envelope's pagination.
fn on_page<'a>(
    data: &'a Data,
    company: &str,
    query: &HashMap<String, String>,
) -> (Vec<(&'a String, &'a StoredEmployee)>, Value) {
    let ids = data.by_company.get(company).map(Vec::as_slice).unwrap_or_default();
    let (range, pagination) = window(ids.len(), query);
    let page = ids[range].iter().filter_map(|id| data.employees.get_key_value(id)).collect();
    (page, pagination)
}

fn parse_object(body: &str) -> Result<Map<String, Value>, Response> {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.as_object().cloned())
        .ok_or_else(|| problem(StatusCode::BAD_REQUEST, "InvalidBody", "the body must be a JSON object"))
}

fn check_personal_info(info: &Map<String, Value>) -> Result<(), Response> {
    let basic = info.get("basicInfo").and_then(Value::as_object);
    let last = basic.and_then(|b| b.get("lastName")).and_then(Value::as_str).unwrap_or("");
    if last.is_empty() || last.chars().count() > 100 {
        return Err(problem(
            StatusCode::BAD_REQUEST,
            "ValidationError",
            "basicInfo.lastName is required (at most 100 characters)",
        ));
    }
    let first = basic.and_then(|b| b.get("firstName")).and_then(Value::as_str).unwrap_or("");
    if first.chars().count() > 50 {
        return Err(problem(
            StatusCode::BAD_REQUEST,
            "ValidationError",
            "basicInfo.firstName is at most 50 characters",
        ));
    }
    match basic.and_then(|b| b.get("employeeNumber")) {
        Some(Value::Number(n)) if n.as_i64().is_some_and(|n| n >= 1) => Ok(()),
        _ => Err(problem(
            StatusCode::BAD_REQUEST,
            "ValidationError",
            "basicInfo.employeeNumber must be an integer of at least 1",
        )),
    }
}

async fn create_employee(State(shared): State<Arc<Shared>>, Path(company): Path<String>, body: String) -> Response {
    if let Err(r) = known_company(&shared, &company) {
        return r;
    }
    let body = match parse_object(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(info) = body.get("personalInfo").and_then(Value::as_object).cloned() else {
        return problem(StatusCode::BAD_REQUEST, "ValidationError", "personalInfo is required");
    };
    if let Err(r) = check_personal_info(&info) {
        return r;
    }
    let in_service = body
        .get("additionalEmployeeInfo")
        .and_then(|a| a.get("inServiceDate"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    if in_service.is_empty() {
        return problem(StatusCode::BAD_REQUEST, "ValidationError", "additionalEmployeeInfo.inServiceDate is required");
    }
    let number = employee_number(&info);
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
    count_number(&mut data.numbers, &company, number, 1);
    data.by_company.entry(company.clone()).or_default().push(id.clone());
    data.employees.insert(
        id.clone(),
        StoredEmployee {
            company_id: company,
            personal_info: info,
            in_service_date: in_service,
            ..StoredEmployee::default()
        },
    );
    axum::Json(json!({"employeeId": id})).into_response()
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

async fn put_personal_info(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: String) -> Response {
    let info = match parse_object(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = check_personal_info(&info) {
        return r;
    }
    let mut data = shared.lock();
    let Data { employees, numbers, .. } = &mut *data;
    let Some(e) = employees.get_mut(&id) else {
        return problem(StatusCode::NOT_FOUND, "EmployeeNotFound", format!("no employee {id}"));
    };
    count_number(numbers, &e.company_id, employee_number(&e.personal_info), -1);
    count_number(numbers, &e.company_id, employee_number(&info), 1);
    e.personal_info = info;
    axum::Json(json!({"personalInfoId": format!("{id}-pi")})).into_response()
}

/// Count one more (`by` 1) or one fewer (-1) employee with `number` in
/// `company`.
fn count_number(numbers: &mut HashMap<(String, i64), usize>, company: &str, number: Option<i64>, by: isize) {
    let Some(number) = number else { return };
    let count = numbers.entry((company.to_owned(), number)).or_default();
    *count = count.saturating_add_signed(by);
}

async fn post_address(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: String) -> Response {
    let address = match parse_object(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    with_employee(&shared, &id, |e, _| {
        e.address = Some(address);
        axum::Json(json!({"addressId": format!("{id}-address")})).into_response()
    })
}

fn check_bank(account: &Map<String, Value>) -> Result<(), Response> {
    if account.get("IBAN").and_then(Value::as_str).unwrap_or("").is_empty() {
        return Err(problem(StatusCode::BAD_REQUEST, "ValidationError", "IBAN is required"));
    }
    Ok(())
}

async fn post_bank_account(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: String) -> Response {
    let mut account = match parse_object(&body).and_then(|a| check_bank(&a).map(|()| a)) {
        Ok(a) => a,
        Err(r) => return r,
    };
    with_employee(&shared, &id, |e, ids| {
        *ids += 1;
        let bank_id = format!("{id}-bank-{ids}");
        account.insert("bankAccountId".into(), Value::String(bank_id.clone()));
        e.bank_accounts.push(account);
        axum::Json(json!({"bankAccountId": bank_id})).into_response()
    })
}

async fn put_bank_account(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: String) -> Response {
    let account = match parse_object(&body).and_then(|a| check_bank(&a).map(|()| a)) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Some(bank_id) = account.get("bankAccountId").and_then(Value::as_str).map(str::to_owned) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "ValidationError",
            "bankAccountId is required to update a bank account",
        );
    };
    with_employee(&shared, &id, |e, _| {
        match e.bank_accounts.iter_mut().find(|b| b.get("bankAccountId").and_then(Value::as_str) == Some(&bank_id)) {
            Some(existing) => {
                *existing = account;
                axum::Json(json!({"bankAccountId": bank_id})).into_response()
            }
            None => problem(StatusCode::NOT_FOUND, "BankAccountNotFound", format!("no bank account {bank_id}")),
        }
    })
}

async fn post_salary(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: String) -> Response {
    let mut salary = match parse_object(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if !salary.get("value").is_some_and(Value::is_number) || salary.get("startDate").and_then(Value::as_str).is_none() {
        return problem(StatusCode::BAD_REQUEST, "ValidationError", "salary needs a numeric value and a startDate");
    }
    with_employee(&shared, &id, |e, ids| {
        *ids += 1;
        let salary_id = format!("{id}-salary-{ids}");
        salary.insert("salaryId".into(), Value::String(salary_id.clone()));
        e.salaries.push(salary);
        axum::Json(json!({"salaryId": salary_id})).into_response()
    })
}
