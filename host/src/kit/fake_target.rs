//! The fake target of the vendor kit: a generic JSON REST payroll API on
//! loopback, strict about what it accepts, that `paybridge connector
//! check` syncs a connector against (and the templates are written for).
//!
//! The API (paths under the base URL, every answer JSON):
//!
//! | request | answer |
//! |---|---|
//! | `GET {collection}?page=N&per_page=M` | `200 {"employees": [...], "page": N, "pages": P}` |
//! | `POST {collection}` with an employee | `201` and the employee with its new `id` |
//! | `PUT {collection}/{id}` with an employee | `200` and the employee (the whole record is replaced) |
//!
//! Strict, so a connector that passes here does not lean on leniency: with
//! a `token` every request needs `Authorization: Bearer <token>` (401);
//! the list takes only `page` (from 1) and `per_page` (1 to
//! `max_page_size`) (400); a write needs `Content-Type: application/json`
//! (415) and a JSON object of strings or nulls naming only `fields`, with
//! every `required` field, and no `id` (400); `unique` fields are unique
//! (409); an unknown id is 404 and any other method or path 404/405.
//! Every request is recorded, so a check can say what was sent.
//!
//! Its shape is paybridge's own, not a vendor's (no vendor API to source
//! it from): the generic API the templates are written for, documented in
//! `docs/connectors.md`. Vendor emulators live in `emulators/`, each with
//! its public sources.
//!
//! Invariant: the fake holds its employees in memory only; one fake per
//! check, dropped with it.

use anyhow::Context as _;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// How the fake target behaves (`paybridge connector check --target FILE`,
/// TOML). Every key is optional.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct FakeTargetConfig {
    /// The bearer token it accepts; empty: no auth. The check makes one
    /// up when the file does not set it.
    pub token: String,
    /// The collection's path.
    pub collection: String,
    /// The employee fields it accepts.
    pub fields: Vec<String>,
    /// The fields a write must carry.
    pub required: Vec<String>,
    /// Fields no two employees may share.
    pub unique: Vec<String>,
    /// The largest `per_page` it serves.
    pub max_page_size: usize,
    /// Employees it holds before the check starts (each an object of
    /// strings; ids are assigned).
    pub employees: Vec<BTreeMap<String, String>>,
}

impl Default for FakeTargetConfig {
    fn default() -> Self {
        let names = ["employeeNumber", "firstName", "lastName", "email", "nationalId", "birthDate", "startDate"];
        Self {
            token: String::new(),
            collection: "/employees".into(),
            fields: names.iter().chain(&["bankAccount"]).map(|s| s.to_string()).collect(),
            required: ["employeeNumber", "firstName", "lastName"].iter().map(|s| s.to_string()).collect(),
            unique: vec!["employeeNumber".into()],
            max_page_size: 100,
            employees: Vec::new(),
        }
    }
}

impl FakeTargetConfig {
    /// Read a configuration file (TOML).
    pub fn load(path: &std::path::Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let config: Self =
            toml::from_str(&text).with_context(|| format!("in the fake target's file {}", path.display()))?;
        if !config.collection.starts_with('/') || config.collection.len() < 2 || config.collection.ends_with('/') {
            anyhow::bail!("{}: `collection` must be a path such as \"/employees\"", path.display());
        }
        if config.max_page_size == 0 {
            anyhow::bail!("{}: `max_page_size` must be at least 1", path.display());
        }
        Ok(config)
    }
}

/// One request the fake received.
#[derive(Debug, Clone, Serialize)]
pub struct SeenRequest {
    /// `GET`, `POST`...
    pub method: String,
    /// The path below the base URL.
    pub path: String,
    /// The status it answered.
    pub status: u16,
}

struct Held {
    employees: Vec<Map<String, Value>>,
    next_id: u64,
    seen: Vec<SeenRequest>,
}

#[derive(Clone)]
struct Shared {
    config: Arc<FakeTargetConfig>,
    held: Arc<Mutex<Held>>,
}

impl Shared {
    fn held(&self) -> MutexGuard<'_, Held> {
        // A panicking handler cannot leave `Held` half-changed: recover it.
        self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A running fake target.
pub struct FakeTarget {
    /// Its base URL, `http://127.0.0.1:PORT`.
    pub url: String,
    shared: Shared,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeTarget {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeTarget {
    /// Start one on a free loopback port.
    pub async fn start(config: FakeTargetConfig) -> anyhow::Result<Self> {
        let mut held = Held { employees: Vec::new(), next_id: 1, seen: Vec::new() };
        for employee in &config.employees {
            let mut object: Map<String, Value> =
                employee.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
            object.insert("id".into(), Value::String(format!("e-{}", held.next_id)));
            held.next_id += 1;
            held.employees.push(object);
        }
        let collection = config.collection.clone();
        let shared = Shared { config: Arc::new(config), held: Arc::new(Mutex::new(held)) };
        let app = Router::new()
            .route(&collection, get(list).post(create))
            .route(&format!("{collection}/{{id}}"), put(update))
            .fallback(|| async { (StatusCode::NOT_FOUND, axum::Json(json!({"error": "no such path"}))) })
            .layer(axum::middleware::from_fn_with_state(shared.clone(), guard))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("binding the fake target")?;
        let url = format!("http://{}", listener.local_addr()?);
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("the fake target stopped: {e}");
            }
        });
        Ok(Self { url, shared, server })
    }

    /// The employees it holds, in the order they were created.
    pub fn employees(&self) -> Vec<Map<String, Value>> {
        self.shared.held().employees.clone()
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.shared.held().seen.clone()
    }
}

/// A refused write: its status and why.
struct Refusal(StatusCode, String);

impl Refusal {
    fn into_response(self) -> Response {
        refuse(self.0, self.1)
    }
}

fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({"error": message.into()}))).into_response()
}

/// Auth first, then the handler; every request and its status recorded.
async fn guard(State(shared): State<Shared>, request: Request, next: axum::middleware::Next) -> Response {
    let (method, path) = (request.method().to_string(), request.uri().path().to_owned());
    let token = &shared.config.token;
    let authorized = token.is_empty()
        || request.headers().get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {token}"));
    let response = if authorized {
        next.run(request).await
    } else {
        refuse(StatusCode::UNAUTHORIZED, "missing or wrong bearer token")
    };
    shared.held().seen.push(SeenRequest { method, path, status: response.status().as_u16() });
    response
}

async fn list(State(shared): State<Shared>, Query(query): Query<BTreeMap<String, String>>) -> Response {
    if let Some(other) = query.keys().find(|k| !matches!(k.as_str(), "page" | "per_page")) {
        return refuse(StatusCode::BAD_REQUEST, format!("unknown query parameter {other:?}: page and per_page only"));
    }
    let number = |name: &str, default: usize| query.get(name).map_or(Ok(default), |v| v.parse::<usize>());
    let (Ok(page), Ok(per_page)) = (number("page", 1), number("per_page", 20)) else {
        return refuse(StatusCode::BAD_REQUEST, "page and per_page are whole numbers");
    };
    let max = shared.config.max_page_size;
    if page == 0 || per_page == 0 || per_page > max {
        return refuse(StatusCode::BAD_REQUEST, format!("page starts at 1; per_page is 1 to {max}"));
    }
    let held = shared.held();
    let pages = held.employees.len().div_ceil(per_page).max(1);
    let items: Vec<&Map<String, Value>> = held.employees.iter().skip((page - 1) * per_page).take(per_page).collect();
    axum::Json(json!({"employees": items, "page": page, "pages": pages})).into_response()
}

/// The employee a write carries, or why it is refused.
fn written(config: &FakeTargetConfig, headers: &HeaderMap, body: &str) -> Result<Map<String, Value>, Refusal> {
    let json_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json")));
    if !json_type {
        return Err(Refusal(StatusCode::UNSUPPORTED_MEDIA_TYPE, "a write needs Content-Type: application/json".into()));
    }
    let Ok(Value::Object(object)) = serde_json::from_str::<Value>(body) else {
        return Err(Refusal(StatusCode::BAD_REQUEST, "the body must be a JSON object".into()));
    };
    if object.contains_key("id") {
        return Err(Refusal(
            StatusCode::BAD_REQUEST,
            "`id` is assigned by the target; leave it out of the body".into(),
        ));
    }
    for (name, value) in &object {
        if !config.fields.contains(name) {
            return Err(Refusal(StatusCode::BAD_REQUEST, format!("unknown field {name:?}")));
        }
        if !(value.is_string() || value.is_null()) {
            return Err(Refusal(StatusCode::BAD_REQUEST, format!("field {name:?} must be a string or null")));
        }
    }
    if let Some(missing) = config.required.iter().find(|f| !object.get(*f).is_some_and(Value::is_string)) {
        return Err(Refusal(StatusCode::BAD_REQUEST, format!("required field {missing:?} is missing")));
    }
    Ok(object.into_iter().filter(|(_, v)| !v.is_null()).collect())
}

/// A unique field `object` shares with another employee than `except`.
fn clash(config: &FakeTargetConfig, held: &Held, object: &Map<String, Value>, except: Option<&str>) -> Option<String> {
    config.unique.iter().find_map(|field| {
        let value = object.get(field)?;
        held.employees
            .iter()
            .filter(|e| e.get("id").and_then(Value::as_str) != except)
            .any(|e| e.get(field) == Some(value))
            .then(|| field.clone())
    })
}

async fn create(State(shared): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let mut object = match written(&shared.config, &headers, &body) {
        Ok(object) => object,
        Err(refused) => return refused.into_response(),
    };
    let mut held = shared.held();
    if let Some(field) = clash(&shared.config, &held, &object, None) {
        return refuse(StatusCode::CONFLICT, format!("another employee has this {field}"));
    }
    object.insert("id".into(), Value::String(format!("e-{}", held.next_id)));
    held.next_id += 1;
    held.employees.push(object.clone());
    (StatusCode::CREATED, axum::Json(Value::Object(object))).into_response()
}

async fn update(State(shared): State<Shared>, Path(id): Path<String>, headers: HeaderMap, body: String) -> Response {
    let mut object = match written(&shared.config, &headers, &body) {
        Ok(object) => object,
        Err(refused) => return refused.into_response(),
    };
    let mut held = shared.held();
    let Some(at) = held.employees.iter().position(|e| e.get("id").and_then(Value::as_str) == Some(id.as_str())) else {
        return refuse(StatusCode::NOT_FOUND, format!("no employee {id:?}"));
    };
    if let Some(field) = clash(&shared.config, &held, &object, Some(&id)) {
        return refuse(StatusCode::CONFLICT, format!("another employee has this {field}"));
    }
    object.insert("id".into(), Value::String(id));
    held.employees[at] = object.clone();
    axum::Json(Value::Object(object)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn send(method: reqwest::Method, url: &str, token: Option<&str>, body: Option<&str>) -> (u16, Value) {
        let mut request = reqwest::Client::new().request(method, url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_owned());
        }
        let response = request.send().await.expect("the fake answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    #[tokio::test]
    async fn the_fake_target_pages_creates_and_replaces_and_refuses_what_its_api_does_not_take() {
        let config = FakeTargetConfig {
            token: "t".into(),
            employees: vec![BTreeMap::from([
                ("employeeNumber".to_owned(), "1".to_owned()),
                ("firstName".to_owned(), "A".to_owned()),
                ("lastName".to_owned(), "B".to_owned()),
            ])],
            ..FakeTargetConfig::default()
        };
        let fake = FakeTarget::start(config).await.expect("started");
        let list = format!("{}/employees", fake.url);
        use reqwest::Method;
        assert_eq!(send(Method::GET, &list, None, None).await.0, 401);
        assert_eq!(send(Method::GET, &list, Some("wrong"), None).await.0, 401);
        let new = r#"{"employeeNumber":"2","firstName":"C","lastName":"D","email":null}"#;
        let (status, created) = send(Method::POST, &list, Some("t"), Some(new)).await;
        assert_eq!((status, created["id"].as_str()), (201, Some("e-2")));
        assert!(created.get("email").is_none(), "null values are not kept");
        assert_eq!(send(Method::POST, &list, Some("t"), Some(new)).await.0, 409, "employeeNumber is unique");
        let unknown = r#"{"employeeNumber":"3","firstName":"C","lastName":"D","salary":"1"}"#;
        assert_eq!(send(Method::POST, &list, Some("t"), Some(unknown)).await.0, 400);
        assert_eq!(send(Method::POST, &list, Some("t"), Some(r#"{"employeeNumber":"3"}"#)).await.0, 400);
        assert_eq!(
            send(
                Method::POST,
                &list,
                Some("t"),
                Some(r#"{"id":"x","employeeNumber":"3","firstName":"C","lastName":"D"}"#)
            )
            .await
            .0,
            400
        );
        let no_type =
            reqwest::Client::new().post(&list).bearer_auth("t").body(new.to_owned()).send().await.expect("answer");
        assert_eq!(no_type.status().as_u16(), 415);
        let replace = r#"{"employeeNumber":"2","firstName":"Cecilie","lastName":"D"}"#;
        let (status, replaced) = send(Method::PUT, &format!("{list}/e-2"), Some("t"), Some(replace)).await;
        assert_eq!((status, replaced["firstName"].as_str()), (200, Some("Cecilie")));
        assert_eq!(send(Method::PUT, &format!("{list}/e-9"), Some("t"), Some(replace)).await.0, 404);
        assert_eq!(send(Method::DELETE, &format!("{list}/e-2"), Some("t"), None).await.0, 405);
        let (status, page) = send(Method::GET, &format!("{list}?page=2&per_page=1"), Some("t"), None).await;
        assert_eq!((status, page["pages"].as_u64(), page["employees"][0]["id"].as_str()), (200, Some(2), Some("e-2")));
        assert_eq!(send(Method::GET, &format!("{list}?per_page=101"), Some("t"), None).await.0, 400);
        assert_eq!(send(Method::GET, &format!("{list}?offset=1"), Some("t"), None).await.0, 400);
        assert_eq!(fake.employees().len(), 2);
        assert!(fake.requests().iter().any(|r| r.method == "PUT" && r.path == "/employees/e-2" && r.status == 200));
    }
}
