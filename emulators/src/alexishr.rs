//! Emulator of the AlexisHR public REST API v1
//! (`https://api.alexishr.com/v1`), the HR source paybridge reads: lists
//! paged with `limit`/`offset` and read incrementally by `updated`, two
//! writable resources, and strict about everything it is sent.
//!
//! Sources, all public: the OpenAPI 3.0.0 file the konfig SDKs were
//! generated from (`shared/data/alexishr/openapi.yaml`, "v1-preview") and
//! the research notes built on it (`shared/research/alexishr-api.md`,
//! §1–§7, §9, §10). Shapes, by source:
//! - routes `GET /v1/{resource}`, `GET /v1/{resource}/{id}`,
//!   `PATCH /v1/{resource}/{id}` (spec `info.description` "Structure",
//!   notes §1); resource path names singular and kebab-case;
//! - auth: security scheme `bearer` on every operation (notes §1); a
//!   missing or wrong token answers `UnauthorizedResponse`
//!   `{statusCode: 401, message: "Unauthorized", error: "Unauthorized"}`;
//! - list parameters `select`, `relations` (comma lists), `filters`
//!   (deepObject, operators of `Company_listManyCompanies_filters_parameter_id`:
//!   `$eq $neq $gt $gte $lt $lte $in $nin $between $all`), `limit`,
//!   `offset`, `sort` (deepObject, `asc|desc`) (notes §2; the operations
//!   `Employee_listManyEmployees`, `Employment_listManyEmployments`,
//!   `Employmenttype_getManyEmploymentTypes`, `Compensation_getManyCompensations`,
//!   `Leave_getManyLeaves`, `Leavetype_getManyLeaveTypes`,
//!   `Leavetransaction_listManyTransactions`, `Child_getMany`,
//!   `Office_listManyOffices`, `Department_listManyDepartments`, whose
//!   `select`, `filters` and `sort` enums are one field set per resource,
//!   typed by `EmployeeResponse`, `EmploymentResponse`,
//!   `EmploymentTypeResponse`, `CompensationResponse`, `LeaveResponse`,
//!   `LeaveTypeResponse`, `LeaveTransactionResponse`, `ChildResponse`,
//!   `OfficeResponse`, `DepartmentResponse`; see `alexishr/schema.rs`);
//! - the list envelope `<Plural>GetManyResponseMapped`
//!   `{status: "ok", data, total, count, offset, relations}` and the
//!   get-one envelope `<Resource>GetOneResponseMapped` `{status, data, relations?}`
//!   (notes §2); relations per `<Resource>RelationsResponse` /
//!   `EmployeeGetManyRelationsResponse`, each an array, except
//!   `relations.leaveTypeCode` of `GET /leave-type/{id}`
//!   (`LeaveTypeGetOneRelationResponse`), a single `LeaveTypeCodeResponse`
//!   (notes §6, §9.9);
//! - `PATCH /employee/{id}` takes `UpdateEmployeeRequest` (with
//!   `EmployeeTaxRequest`, `BankAccountRequest`, `HomeAddressRequest`),
//!   `PATCH /employment/{id}` takes `UpdateEmploymentRequest`; both answer
//!   200 `<Resource>ResponseMapped` `{status: "ok", data}` (notes §2–§4);
//! - errors as NestJS answers them: `BadRequestResponse` (`message` untyped
//!   in the spec, here an array of messages), `NotFoundResponse`
//!   `{statusCode: 404, message: "Not Found", error: "Not Found"}`
//!   (notes §2);
//! - dates written `YYYY-MM-DDTHH:mm:ss.sssZ` (notes §2, §10.8).
//!
//! Assumptions, where the spec is silent:
//! - only the ten resources above are served, read-only but for the two
//!   PATCHes; POST, PUT and DELETE, other resources, and every other path
//!   answer the 404 shape; `leave-type-code` records are served only as
//!   the `leaveTypeCode` relation of `leave-type`;
//! - strictness (notes §9.4 calls a NestJS validation 400 "likely"): a
//!   query parameter other than the six (on get-one: other than `select`
//!   and `relations`; `relations` only where the operation has it), a field
//!   outside the resource's enum, an unknown operator, a relation outside
//!   the enum, a `limit` that is not a positive integer, an `offset` that
//!   is not a non-negative integer, a sort direction other than `asc`/`desc`,
//!   a value that does not parse for its field's type, `$in`/`$nin`/`$between`
//!   not given as `[]` arrays, `$between` without exactly 2 values, a
//!   scalar operator given twice: 400 `{statusCode: 400, message: [one
//!   message per problem], error: "Bad Request"}`; the query string is
//!   form-urlencoded (`+` is a space); malformed percent-encoding is a 400;
//! - filter values are coerced by the field's type in the response
//!   schema: `true`/`false` for booleans, numbers for numbers, instants for
//!   date-times (a bare `YYYY-MM-DD` is midnight UTC; a date-time needs an
//!   offset or `Z`); strings compare as strings; `$between` is inclusive;
//!   `$all` on these scalar fields matches as `$eq` (Mongo's behaviour);
//!   a missing or null value matches only `$neq` and `$nin`; several
//!   conditions all apply;
//! - order of operations (notes §10.5): filter, `total`, sort (several
//!   keys in query order; missing values first when ascending; ties, and
//!   no `sort` at all, by `id` ascending), `offset`/`limit` (no limit =
//!   everything), `count`, projection by `select` to exactly the selected
//!   keys the record has; `offset` is always in the envelope (0 when not
//!   given), `relations` is `{}` when none is asked;
//! - relations hold the de-duplicated related records of the returned page
//!   (before projection), by id, whole: employee `office` (by `officeId`),
//!   `department` (`departmentId`), `employment` (every employment whose
//!   `employeeId` is on the page), `child` (by `employeeId`),
//!   `employmentType` (`employmentTypeId`), `compensation`
//!   (`compensationId`), `managerEmployee` (`managerEmployeeId`);
//!   employment and leave `type` and `employee`; leave-transaction
//!   `child`, `leaveType`, `employee`; leave-type `leaveTypeCode` (codes
//!   whose `leaveTypeId` is on the page; on get-one the first by id, or
//!   `null`). The relations of resources not kept (`costCenter`,
//!   `effectiveCostCenter`, `emergencyContact`, `teamReference`) are
//!   always empty arrays;
//! - PATCH bodies must be `application/json` objects; an unknown member at
//!   any depth (`homeAddress.co`, which paybridge's model carries and
//!   AlexisHR lacks, included), a server-derived field (`id`,
//!   `companyId`, `userId`, `employmentId`, `employmentTypeId`,
//!   `employmentCountry`, `compensationId`, `hireDate`, `endDate`, `age`,
//!   `*Sanitized`, `created`, `updated`; on employment `id`, `companyId`,
//!   `created`, `updated`) or a wrong JSON type is a 400 listing every
//!   problem, and nothing changes; the body is checked before the id, so
//!   a bad body on an unknown id is a 400; `null` is accepted for any
//!   member and stored; date members (`birthDate`, employment dates) must
//!   parse as dates and are stored as `YYYY-MM-DDTHH:mm:ss.sssZ`;
//!   employment `country` must be two capital letters (the spec's 243-code
//!   enum, where `NO` appears as `"false"`, notes §9.1); employment `userId`
//!   is accepted and not stored (`EmploymentResponse` has none); a changed
//!   `employeeId` or `typeId` is not checked against the other tables;
//!   nested objects (`homeAddress`, `bankAccount`, `tax`, `custom`) merge
//!   key by key;
//! - the `updated` clock: every `employee` and `employment` record has
//!   `created` and `updated`; records loaded without them get
//!   `2026-01-01T00:00:00.000Z`; each change (a PATCH, or [`Emulator::insert`]
//!   / [`Emulator::edit`]) sets `updated` to max(now, last issued + 1 ms),
//!   where "last issued" starts at the latest `created`/`updated` loaded,
//!   so no two changes share an instant and every change is later than
//!   every loaded record;
//! - records are served as loaded: a snapshot's extra fields (paybridge's
//!   `homeAddress.co`, `ssnCountry`) are served back; a snapshot key that
//!   is neither a served resource nor another AlexisHR list name
//!   (`company`, `team`, `employee-team-reference`, `cost-center`,
//!   `timesheet`, `timesheet-entry`, `timesheet-entry-type`, `work-week`,
//!   which are ignored) is refused, as paybridge's snapshot reader does;
//! - fault error answers use the same shape, `error` being the status's
//!   reason (`"Internal server error"` for 500, as `InternalServerErrorResponse`).
//!
//! Scripted faults ([`crate::faults`]) fire on every route before the
//! bearer check, from one middleware; fault paths are matched under `/v1`
//! (e.g. `/employee`), and the request log holds paths under `/v1`.

mod query;
mod schema;
#[cfg(test)]
mod tests;

use crate::faults::{Fault, FaultGate, LoggedRequest, SharedScript, inject, lock, record};
use crate::server::{Check, bearer, guard};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use query::{Operation, Record};
use schema::{LEAVE_TYPE_CODE, Relation, Resource};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// How the emulator is set up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The access token every request must carry as `Authorization: Bearer`.
    pub token: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self { token: "alexishr-emulator-token".into() }
    }
}

/// `created`/`updated` of a record loaded without them.
const BASE_INSTANT: &str = "2026-01-01T00:00:00.000Z";

/// The records, by table and id, and the `updated` clock.
struct Data {
    tables: BTreeMap<&'static str, BTreeMap<String, Record>>,
    /// The last instant issued to a change (or the latest loaded).
    last_stamp: jiff::Timestamp,
    /// For ids of records inserted without one.
    next_id: u128,
}

type Shared = crate::server::Shared<Settings, Data>;

/// `at` as AlexisHR writes dates: `YYYY-MM-DDTHH:mm:ss.sssZ`.
fn format_instant(at: jiff::Timestamp) -> String {
    format!("{at:.3}")
}

/// The static name of the table `name`, if the emulator keeps it.
fn table_name(name: &str) -> Option<&'static str> {
    if name == LEAVE_TYPE_CODE { Some(LEAVE_TYPE_CODE) } else { schema::resource(name).map(|r| r.name) }
}

/// Merge `from` into `into`, objects key by key.
fn merge(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (key, value) in from {
        match (into.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(new)) => merge(existing, new),
            (_, value) => {
                into.insert(key, value);
            }
        }
    }
}

impl Data {
    fn new() -> Self {
        let mut tables = BTreeMap::new();
        for resource in schema::RESOURCES {
            tables.insert(resource.name, BTreeMap::new());
        }
        tables.insert(LEAVE_TYPE_CODE, BTreeMap::new());
        let base = query::parse_instant(BASE_INSTANT).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        Self { tables, last_stamp: base, next_id: 0x6600_0000_0000_0000_0000_0000 }
    }

    /// The records of a snapshot (see [`Emulator::with_snapshot`]).
    fn from_snapshot(snapshot: &str) -> Result<Self, String> {
        let value: Value =
            serde_json::from_str(snapshot).map_err(|e| format!("the snapshot is not valid JSON: {e}"))?;
        let Value::Object(lists) = value else {
            return Err("the snapshot must be a JSON object keyed by AlexisHR list names".into());
        };
        let mut data = Self::new();
        for (key, list) in lists {
            if schema::IGNORED_LISTS.contains(&key.as_str()) {
                continue;
            }
            let Some(table) = schema::resource(&key).map(|r| r.name) else {
                let served: Vec<&str> = schema::RESOURCES.iter().map(|r| r.name).collect();
                return Err(format!(
                    "the snapshot has an unknown list {key:?} (known: {}; ignored: {})",
                    served.join(", "),
                    schema::IGNORED_LISTS.join(", ")
                ));
            };
            let (items, codes) = match list {
                Value::Array(items) => (items, Vec::new()),
                Value::Object(mut envelope) => {
                    let Some(Value::Array(items)) = envelope.remove("data") else {
                        return Err(format!("{key}: an envelope needs a \"data\" array"));
                    };
                    let codes = match envelope.get("relations").and_then(|r| r.get("leaveTypeCode")) {
                        Some(Value::Array(codes)) if table == "leave-type" => codes.clone(),
                        Some(_) if table == "leave-type" => {
                            return Err("leave-type: relations.leaveTypeCode must be an array".into());
                        }
                        _ => Vec::new(),
                    };
                    (items, codes)
                }
                _ => return Err(format!("{key}: must be an array or a {{\"data\": [...]}} envelope")),
            };
            for item in items {
                data.load(table, item)?;
            }
            for code in codes {
                data.load(LEAVE_TYPE_CODE, code)?;
            }
        }
        let latest = data
            .tables
            .iter()
            .filter(|(name, _)| schema::is_stamped(name))
            .flat_map(|(_, records)| records.values())
            .flat_map(|r| [r.get("created"), r.get("updated")])
            .filter_map(|v| v.and_then(Value::as_str).and_then(query::parse_instant))
            .max();
        data.last_stamp = data.last_stamp.max(latest.unwrap_or(data.last_stamp));
        Ok(data)
    }

    /// Keep a record of a snapshot as it is, stamped with the base instant
    /// where it lacks `created`/`updated`.
    fn load(&mut self, table: &'static str, item: Value) -> Result<(), String> {
        let Value::Object(mut record) = item else {
            return Err(format!("{table}: every record must be an object"));
        };
        let Some(id) = record.get("id").and_then(Value::as_str).map(str::to_owned) else {
            return Err(format!("{table}: every record needs a string \"id\""));
        };
        if schema::is_stamped(table) {
            for key in ["created", "updated"] {
                record.entry(key).or_insert_with(|| Value::String(BASE_INSTANT.into()));
            }
        }
        let records = self.tables.entry(table).or_default();
        if records.insert(id.clone(), record).is_some() {
            return Err(format!("{table}: the id {id} is there twice"));
        }
        Ok(())
    }

    /// The next `updated`: max(now, last issued + 1 ms).
    fn stamp(&mut self) -> String {
        let now = jiff::Timestamp::now();
        let now = jiff::Timestamp::from_millisecond(now.as_millisecond()).unwrap_or(now);
        let next = self.last_stamp.checked_add(jiff::SignedDuration::from_millis(1)).unwrap_or(self.last_stamp);
        self.last_stamp = now.max(next);
        format_instant(self.last_stamp)
    }

    fn table(&self, name: &str) -> Option<&BTreeMap<String, Record>> {
        self.tables.get(name)
    }

    /// Merge `patch` into record `id` of `table` and bump its `updated`
    /// where the table has it; the record after, or `None` if unknown.
    fn change(&mut self, table: &str, id: &str, patch: Map<String, Value>) -> Option<Record> {
        if !self.tables.get(table)?.contains_key(id) {
            return None;
        }
        let stamp = schema::is_stamped(table).then(|| self.stamp());
        let record = self.tables.get_mut(table)?.get_mut(id)?;
        merge(record, patch);
        if let Some(stamp) = stamp {
            record.insert("updated".into(), Value::String(stamp));
        }
        Some(record.clone())
    }

    /// The related records of `page` for each relation in `names`
    /// (`one`: a get-one answer, where `leaveTypeCode` is one object).
    fn relations(&self, resource: &Resource, names: &[String], page: &[&Record], one: bool) -> Map<String, Value> {
        let mut out = Map::new();
        for name in names {
            let related: Vec<Value> = match resource.relation(name) {
                Some(Relation::To { target, key }) => {
                    let ids: BTreeSet<&str> = page.iter().filter_map(|r| r.get(key).and_then(Value::as_str)).collect();
                    let table = self.table(target);
                    ids.into_iter().filter_map(|id| table?.get(id)).cloned().map(Value::Object).collect()
                }
                Some(Relation::From { target, key }) => {
                    let ids: BTreeSet<&str> = page.iter().filter_map(|r| r.get("id").and_then(Value::as_str)).collect();
                    self.table(target)
                        .into_iter()
                        .flat_map(|t| t.values())
                        .filter(|r| r.get(key).and_then(Value::as_str).is_some_and(|v| ids.contains(v)))
                        .cloned()
                        .map(Value::Object)
                        .collect()
                }
                Some(Relation::Empty) | None => Vec::new(),
            };
            let value = if one && resource.name == "leave-type" && name == "leaveTypeCode" {
                related.into_iter().next().unwrap_or(Value::Null)
            } else {
                Value::Array(related)
            };
            out.insert(name.clone(), value);
        }
        out
    }
}

/// A running emulator; stops when dropped.
pub struct Emulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    _server: crate::server::ServerTask,
}

impl Emulator {
    /// Start on a free loopback port with no records.
    pub async fn start(settings: Settings) -> std::io::Result<Self> {
        Self::serve(settings, Data::new()).await
    }

    /// Start serving the records of a snapshot: a JSON object whose keys
    /// are resource names (`employee`, `employment`, `employment-type`,
    /// `compensation`, `leave`, `leave-type`, `leave-transaction`, `child`,
    /// `office`, `department`; the other AlexisHR list names such as
    /// `team` are ignored, any other key is refused), each holding an array
    /// or a `{"data": [...]}` envelope; `leave-type` may be
    /// `{data, relations: {leaveTypeCode: [...]}}`. Every record needs a
    /// string `id`, unique in its list.
    pub async fn with_snapshot(settings: Settings, snapshot: &str) -> Result<Self, String> {
        let data = Data::from_snapshot(snapshot)?;
        Self::serve(settings, data).await.map_err(|e| format!("starting the AlexisHR emulator: {e}"))
    }

    async fn serve(settings: Settings, data: Data) -> std::io::Result<Self> {
        let script = SharedScript::default();
        let shared = Arc::new(Shared::new(settings, data, Arc::clone(&script)));
        let api = Router::new()
            .route("/v1/{resource}", get(list))
            .route("/v1/{resource}/{id}", get(get_one).patch(patch_one))
            .method_not_allowed_fallback(not_found)
            .route_layer(from_fn_with_state((Arc::clone(&shared), bearer_check as Check<_, _>), guard));
        let faults = FaultGate { script: Arc::clone(&script), root: "/v1", error_answer: fault_answer };
        let app = Router::new()
            .merge(api)
            .route_layer(from_fn_with_state(faults, inject))
            .fallback(not_found)
            .layer(from_fn_with_state((script, "/v1"), record))
            .with_state(Arc::clone(&shared));
        let (addr, task) = crate::server::serve(app, "AlexisHR").await?;
        Ok(Self { addr, shared, _server: task })
    }

    /// Base URL to configure a source with (`http://127.0.0.1:PORT/v1`).
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The access token the emulator accepts.
    pub fn token(&self) -> String {
        self.shared.settings.token.clone()
    }

    /// The records of `resource` (or `leave-type-code`), by id; empty for
    /// a name the emulator does not keep.
    pub fn records(&self, resource: &str) -> Vec<Value> {
        let data = self.shared.lock();
        data.table(resource).map(|t| t.values().cloned().map(Value::Object).collect()).unwrap_or_default()
    }

    /// Record `id` of `resource`, if kept.
    pub fn record(&self, resource: &str, id: &str) -> Option<Value> {
        self.shared.lock().table(resource)?.get(id).cloned().map(Value::Object)
    }

    /// Put a record in place (replacing one with the same `id`), as if
    /// entered in AlexisHR: on `employee` and `employment`, `created` is set
    /// when absent and `updated` to a new instant. A record without an `id`
    /// gets a new 24-hex one.
    ///
    /// # Panics
    /// When `resource` is not a kept table or `record` is not an object.
    pub fn insert(&self, resource: &str, record: Value) {
        let Some(table) = table_name(resource) else {
            panic!("the AlexisHR emulator keeps no {resource:?} records");
        };
        let Value::Object(mut record) = record else {
            panic!("an AlexisHR record must be a JSON object");
        };
        let mut data = self.shared.lock();
        let id = match record.get("id").and_then(Value::as_str) {
            Some(id) => id.to_owned(),
            None => loop {
                data.next_id += 1;
                let id = format!("{:024x}", data.next_id);
                if !data.table(table).is_some_and(|t| t.contains_key(&id)) {
                    record.insert("id".into(), Value::String(id.clone()));
                    break id;
                }
            },
        };
        if schema::is_stamped(table) {
            let stamp = data.stamp();
            record.entry("created").or_insert_with(|| Value::String(stamp.clone()));
            record.insert("updated".into(), Value::String(stamp));
        }
        data.tables.entry(table).or_default().insert(id, record);
    }

    /// Merge `patch` into record `id` of `resource` (nested objects key by
    /// key), as if edited in AlexisHR, and bump its `updated` where it has
    /// one; `false` if the resource or id is unknown or `patch` is not an
    /// object.
    pub fn edit(&self, resource: &str, id: &str, patch: Value) -> bool {
        let Value::Object(patch) = patch else {
            return false;
        };
        self.shared.lock().change(resource, id, patch).is_some()
    }

    /// Delete record `id` of `resource`; `false` if it was not there.
    pub fn remove(&self, resource: &str, id: &str) -> bool {
        self.shared.lock().tables.get_mut(resource).is_some_and(|t| t.remove(id).is_some())
    }

    /// Put `record` in place exactly as given, without stamping `created`
    /// or `updated`: a record as the API may hold it (an employment without
    /// the optional `updated`). `false` when the table or the id is unknown.
    pub fn put_unstamped(&self, resource: &str, record: Value) -> bool {
        let Value::Object(record) = record else { return false };
        let Some(id) = record.get("id").and_then(Value::as_str).map(str::to_owned) else { return false };
        let mut data = self.shared.lock();
        let Some(table) = data.tables.get_mut(resource) else { return false };
        table.insert(id, record);
        true
    }

    /// Make matching requests fail (paths under `/v1`, e.g. `/employee`).
    pub fn push_fault(&self, fault: Fault) {
        lock(&self.shared.script).push(fault);
    }

    /// Seed the draws of faults with a probability: the same seed and
    /// faults fail the same requests.
    pub fn seed_faults(&self, seed: u64) {
        lock(&self.shared.script).seed_faults(seed);
    }

    /// Every request so far (paths under `/v1`).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.script).log.clone()
    }

    /// Requests that could change data (not GET), answered or not.
    pub fn write_requests(&self) -> Vec<LoggedRequest> {
        self.requests().into_iter().filter(|r| r.method != "GET").collect()
    }

    /// Delay every answer by `latency`.
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.shared.script).latency = latency;
    }
}

/// An error answer as NestJS words it: `{statusCode, message, error}`.
fn error(status: StatusCode, message: Value) -> Response {
    let reason = match status {
        StatusCode::INTERNAL_SERVER_ERROR => "Internal server error",
        _ => status.canonical_reason().unwrap_or("Error"),
    };
    (status, axum::Json(json!({ "statusCode": status.as_u16(), "message": message, "error": reason }))).into_response()
}

/// A 400 with one message per problem.
fn bad_request(problems: Vec<String>) -> Response {
    error(StatusCode::BAD_REQUEST, json!(problems))
}

fn fault_answer(status: StatusCode, text: &str) -> Response {
    error(status, Value::String(text.to_owned()))
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, json!("Not Found"))
}

/// The check on every route (by [`crate::server::guard`]): the configured
/// token in `Authorization: Bearer`, or 401.
fn bearer_check(shared: &Shared, headers: &HeaderMap) -> Result<(), Response> {
    if bearer(headers) == Some(shared.settings.token.as_str()) {
        Ok(())
    } else {
        Err(error(StatusCode::UNAUTHORIZED, json!("Unauthorized")))
    }
}

/// The checked query of a request on `resource`, or the 400.
fn checked_query(resource: &Resource, operation: Operation, uri: &Uri) -> Result<query::ListQuery, Response> {
    let pairs = query::decode(uri.query().unwrap_or("")).map_err(|problem| bad_request(vec![problem]))?;
    query::parse(resource, operation, &pairs).map_err(bad_request)
}

async fn list(State(shared): State<Arc<Shared>>, Path(name): Path<String>, uri: Uri) -> Response {
    let Some(resource) = schema::resource(&name) else {
        return not_found().await;
    };
    let query = match checked_query(resource, Operation::List, &uri) {
        Ok(q) => q,
        Err(answer) => return answer,
    };
    let data = shared.lock();
    let (page, total) = query::run(data.table(resource.name).into_iter().flat_map(|t| t.values()), &query);
    let relations = data.relations(resource, &query.relations, &page, false);
    let rows: Vec<Value> = page.iter().map(|r| query::project(r, query.select.as_deref())).collect();
    drop(data);
    let body = json!({
        "status": "ok",
        "data": rows,
        "total": total,
        "count": rows.len(),
        "offset": query.offset,
        "relations": relations,
    });
    axum::Json(body).into_response()
}

async fn get_one(State(shared): State<Arc<Shared>>, Path((name, id)): Path<(String, String)>, uri: Uri) -> Response {
    let Some(resource) = schema::resource(&name) else {
        return not_found().await;
    };
    let query = match checked_query(resource, Operation::GetOne, &uri) {
        Ok(q) => q,
        Err(answer) => return answer,
    };
    let data = shared.lock();
    let Some(found) = data.table(resource.name).and_then(|t| t.get(&id)) else {
        return error(StatusCode::NOT_FOUND, json!("Not Found"));
    };
    let mut body = json!({ "status": "ok", "data": query::project(found, query.select.as_deref()) });
    if !query.relations.is_empty() {
        body["relations"] = Value::Object(data.relations(resource, &query.relations, &[found], true));
    }
    drop(data);
    axum::Json(body).into_response()
}

async fn patch_one(
    State(shared): State<Arc<Shared>>,
    Path((name, id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(spec) = schema::update_body(&name) else {
        return not_found().await;
    };
    let pairs = match query::decode(uri.query().unwrap_or("")) {
        Ok(pairs) => pairs,
        Err(problem) => return bad_request(vec![problem]),
    };
    if !pairs.is_empty() {
        return bad_request(pairs.iter().map(|(n, _)| format!("property {n} should not exist")).collect());
    }
    let json_body = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/json"));
    if !json_body {
        return bad_request(vec!["the body must be sent as Content-Type: application/json".into()]);
    }
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad_request(vec![format!("the body is not valid JSON: {e}")]),
    };
    let patch = match schema::check_body(spec, &value) {
        Ok(patch) => patch,
        Err(problems) => return bad_request(problems),
    };
    let changed = shared.lock().change(&name, &id, patch);
    match changed {
        Some(record) => axum::Json(json!({ "status": "ok", "data": record })).into_response(),
        None => error(StatusCode::NOT_FOUND, json!("Not Found")),
    }
}
