//! The absence side of the 24SevenOffice emulator: `GET/POST /absence/v2`,
//! `GET /absence/v2/{empId}`, `GET /absencetypes/v2[/{code}]`,
//! `GET /child/v2/{empId}` and `POST /child/v2`, strict to
//! `shared/data/24sevenoffice/payroll.json` (the field lists in each
//! operation's description) and the typed schemas of `overlay.yaml`
//! (`AbsenceDTO`, `AbsenceTypeDTO`, `ChildDTO`).
//!
//! What the spec says, enforced with a 400 and `{"message": ...}`:
//! - an absence needs `empId` and an `absenceType` from the company's own
//!   list (`GET /absencetypes/v2`); `serialNo` updates an existing one and
//!   is "required if you wish to post an update", so it must name one of
//!   that employee's absences;
//! - `startDate`, `endDate`, `startdateParental` and a child's `birthdate`
//!   are `YYYY-MM-DD`; `endDate` "can be empty" only for category
//!   `leave_of_absence`;
//! - `approved` is `1` (approved) or `2` (rejected), or empty;
//! - `childId` is "mandatory with absencetype category 'sick_child'" and
//!   names a child registered on the employee (`/child/v2`), and is
//!   "only used together with" that category: elsewhere it is refused;
//! - `numberOfDays` is "only used together with absencetype category
//!   vacation"; `startdateParental` is "mandatory with absencetype with
//!   leave_of_absence_type 'permisjonMedForeldrepenger'" and only used
//!   there; `percent` only where the type's `percentage` is `1`;
//! - `comment` where the type's `comment_mandatory` is `1`;
//! - `permisjonId` "will be automatically generated if not provided for
//!   absenceTypes with property permisjonId";
//! - answers give dates as `YYYY-MM-DD 00:00:00` (the spec's examples) and
//!   every value as a string; children come back as `firstnamn`,
//!   `surname`, `childId`, `birthdate` although they are posted as
//!   `firstname` and `lastname` (both as the spec writes them).
//!
//! Assumptions where the spec is silent, written down here:
//! - bodies are JSON objects of strings, as for employees (the spec's
//!   example is a Java map's `toString`); a key the operation does not list
//!   is refused rather than ignored;
//! - the POST answers carry no id (the spec documents an empty 200), so a
//!   client finds its new absence by `externalId` and its new child by
//!   name and birth date in the lists;
//! - `datefrom`/`dateto` keep the absences that overlap the interval; an
//!   open absence (no `endDate`) runs for ever; other query parameters are
//!   refused;
//! - an update merges the given keys into the stored absence and checks the
//!   result as a whole; an empty string clears an optional key;
//! - a child needs `firstname` and `birthdate`;
//! - the default catalogue ([`DEFAULT_TYPES`]) has the codes of the seed
//!   article's table (01–21 but 08 and 09); categories and flags of 02 and
//!   03 are the spec's examples, the others are chosen from what each type
//!   is in Norwegian payroll (a-ordningen's `permisjonsbeskrivelse` for the
//!   leave types). A test can replace it ([`super::Emulator::set_absence_types`]).

use super::{Shared, emp_id_of, known_employee, message, parse_object};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One absence type of the company (`AbsenceTypeDTO`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbsenceType {
    /// Two-digit code, e.g. "02".
    pub code: String,
    /// Norwegian name, e.g. "Sykt barn".
    pub description: String,
    /// `sickness`, `sick_child`, `self_report`, `vacation` or `leave_of_absence`.
    pub category: String,
    /// Whether an absence of this type may carry a `percent`.
    pub percentage: bool,
    /// Whether its absences get a `permisjonId`.
    pub permisjon_id: bool,
    /// The a-ordningen leave description, e.g. `permisjonMedForeldrepenger`.
    pub leave_of_absence_type: String,
    /// Whether `comment` is mandatory.
    pub comment_mandatory: bool,
}

impl AbsenceType {
    fn to_json(&self) -> Value {
        let flag = |b: bool| if b { "1" } else { "0" };
        json!({
            "description": self.description,
            "code": self.code,
            "inntektsmelding_type": "",
            "permisjonId": flag(self.permisjon_id),
            "leave_of_absence_type": self.leave_of_absence_type,
            "percentage": flag(self.percentage),
            "comment_mandatory": flag(self.comment_mandatory),
            "category": self.category,
        })
    }
}

/// The default catalogue: (code, description, category, percentage,
/// leave_of_absence_type). See the module docs for where each comes from.
pub const DEFAULT_TYPES: &[(&str, &str, &str, bool, &str)] = &[
    ("01", "Sykmelding", "sickness", true, ""),
    ("02", "Sykt barn", "sick_child", true, ""),
    ("03", "Egenmelding", "self_report", true, ""),
    ("04", "Ferie", "vacation", false, ""),
    ("05", "Permittering", "leave_of_absence", true, "permittering"),
    ("06", "Foreldrepenger", "leave_of_absence", true, "permisjonMedForeldrepenger"),
    ("07", "Militærtjeneste", "leave_of_absence", false, "permisjonVedMilitaertjeneste"),
    ("10", "Utdanningspermisjon - lovfestet", "leave_of_absence", true, "utdanningspermisjonLovfestet"),
    ("11", "Utdanningspermisjon - ikke lovfestet", "leave_of_absence", true, "utdanningspermisjonIkkeLovfestet"),
    ("12", "Andre permisjoner - lovfestet", "leave_of_absence", true, "andreLovfestedePermisjoner"),
    ("13", "Andre permisjoner - ikke lovfestet", "leave_of_absence", true, "andreIkkeLovfestedePermisjoner"),
    ("14", "Pleiepenger livets siste faser", "leave_of_absence", true, "andreLovfestedePermisjoner"),
    ("15", "Pleiepenger sykt barn", "leave_of_absence", true, "andreLovfestedePermisjoner"),
    ("16", "Omsorgspenger (sykt barn dager)", "leave_of_absence", true, "andreLovfestedePermisjoner"),
    ("17", "Opplæringspenger", "leave_of_absence", true, "andreLovfestedePermisjoner"),
    ("18", "Svangerskapspenger", "leave_of_absence", true, "andreLovfestedePermisjoner"),
    ("19", "Svangerskapspermisjon (foreldrepenger)", "leave_of_absence", true, "permisjonMedForeldrepenger"),
    ("20", "Omsorgspermisjon", "leave_of_absence", false, "andreLovfestedePermisjoner"),
    ("21", "Annet fravær", "leave_of_absence", true, "andreIkkeLovfestedePermisjoner"),
];

/// The default catalogue as types.
pub fn default_types() -> Vec<AbsenceType> {
    DEFAULT_TYPES
        .iter()
        .map(|(code, description, category, percentage, leave)| AbsenceType {
            code: (*code).into(),
            description: (*description).into(),
            category: (*category).into(),
            percentage: *percentage,
            permisjon_id: !leave.is_empty(),
            leave_of_absence_type: (*leave).into(),
            comment_mandatory: false,
        })
        .collect()
}

/// The keys `POST /absence/v2` takes (the spec's "Post fields").
const ABSENCE_KEYS: &[&str] = &[
    "empId",
    "serialNo",
    "startDate",
    "endDate",
    "comment",
    "approved",
    "percent",
    "absenceType",
    "childId",
    "numberOfDays",
    "permisjonId",
    "startdateParental",
    "externalId",
];

/// The keys `POST /child/v2` takes.
const CHILD_KEYS: &[&str] = &["empId", "childId", "firstname", "lastname", "birthdate"];

/// One stored absence: the posted keys (dates as `YYYY-MM-DD`) plus what
/// the server adds.
#[derive(Debug, Clone)]
struct Stored {
    emp_id: u64,
    fields: BTreeMap<String, String>,
    requested: String,
}

/// One registered child.
#[derive(Debug, Clone)]
struct Child {
    id: u64,
    first_name: String,
    last_name: String,
    birth_date: String,
}

/// The absence data of the emulated company.
#[derive(Debug)]
pub struct Book {
    types: Vec<AbsenceType>,
    absences: BTreeMap<u64, Stored>,
    children: BTreeMap<u64, Vec<Child>>,
    next_serial: u64,
    next_child: u64,
    next_permisjon: u64,
}

impl Default for Book {
    fn default() -> Self {
        Self {
            types: default_types(),
            absences: BTreeMap::new(),
            children: BTreeMap::new(),
            next_serial: 1,
            next_child: 102_701,
            next_permisjon: 1,
        }
    }
}

fn is_date(text: &str) -> bool {
    text.len() == 10 && text.parse::<jiff::civil::Date>().is_ok()
}

fn now_text() -> String {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).strftime("%Y-%m-%d %H:%M:%S").to_string()
}

/// `YYYY-MM-DD` as the answers write dates; empty stays empty.
fn answer_date(date: &str) -> String {
    if date.is_empty() { String::new() } else { format!("{date} 00:00:00") }
}

impl Book {
    /// The company's absence types.
    pub fn types(&self) -> &[AbsenceType] {
        &self.types
    }

    /// Replace the company's absence types.
    pub fn set_types(&mut self, types: Vec<AbsenceType>) {
        self.types = types;
    }

    fn answer(&self, serial: u64, stored: &Stored) -> Value {
        let field = |key: &str| stored.fields.get(key).cloned().unwrap_or_default();
        let description = self.types.iter().find(|t| t.code == field("absenceType")).map(|t| t.description.clone());
        json!({
            "empId": stored.emp_id.to_string(),
            "serialNo": serial.to_string(),
            "startDate": answer_date(&field("startDate")),
            "endDate": answer_date(&field("endDate")),
            "comment": field("comment"),
            "requestDate": stored.requested,
            "requestMotivation": "",
            "approved": field("approved"),
            "percent": field("percent"),
            "absenceType": field("absenceType"),
            "description": description.unwrap_or_default(),
            "childId": field("childId"),
            "numberOfDays": field("numberOfDays"),
            "permisjonId": field("permisjonId"),
            "startdateParental": answer_date(&field("startdateParental")),
            "lastChanged": "",
            "externalId": field("externalId"),
        })
    }

    /// Every stored absence as `GET /absence/v2` answers it.
    pub fn absences(&self) -> Vec<Value> {
        self.absences.iter().map(|(serial, stored)| self.answer(*serial, stored)).collect()
    }

    /// The children of `emp_id` as `GET /child/v2/{empId}` answers them.
    pub fn children_of(&self, emp_id: u64) -> Vec<Value> {
        self.children
            .get(&emp_id)
            .map(|list| {
                list.iter()
                    .map(|c| {
                        json!({"firstnamn": c.first_name, "surname": c.last_name, "childId": c.id.to_string(),
                               "birthdate": c.birth_date})
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Add or update an absence from a posted body; the serial number.
    pub fn upsert_absence(&mut self, body: &Map<String, Value>, employee_exists: bool) -> Result<u64, String> {
        if let Some(key) = body.keys().find(|k| !ABSENCE_KEYS.contains(&k.as_str())) {
            return Err(format!("unknown field {key}; an absence takes {}", ABSENCE_KEYS.join(", ")));
        }
        let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
        let emp_id = emp_id_of(body).ok_or("empId is mandatory and must be an integer")?;
        if !employee_exists {
            return Err(format!("empId {emp_id} is not an employee of the company"));
        }
        let serial = match text("serialNo") {
            s if s.is_empty() => None,
            s => {
                let serial: u64 = s.parse().map_err(|_| format!("serialNo {s} must be an integer"))?;
                match self.absences.get(&serial) {
                    Some(held) if held.emp_id == emp_id => Some(serial),
                    _ => return Err(format!("serialNo {serial} is not an absence of employee {emp_id}")),
                }
            }
        };
        let mut fields = serial.and_then(|s| self.absences.get(&s)).map(|s| s.fields.clone()).unwrap_or_default();
        for (key, value) in body {
            if key == "empId" || key == "serialNo" {
                continue;
            }
            let value = value.as_str().unwrap_or_default();
            if value.is_empty() {
                fields.remove(key);
            } else {
                fields.insert(key.clone(), value.to_owned());
            }
        }
        let kind = self.check(emp_id, &fields)?;
        if kind.permisjon_id && !fields.contains_key("permisjonId") {
            fields.insert("permisjonId".into(), self.next_permisjon.to_string());
            self.next_permisjon += 1;
        }
        let serial = serial.unwrap_or_else(|| {
            self.next_serial += 1;
            self.next_serial - 1
        });
        let requested = self.absences.get(&serial).map(|s| s.requested.clone()).unwrap_or_else(now_text);
        self.absences.insert(serial, Stored { emp_id, fields, requested });
        Ok(serial)
    }

    /// The absence `fields` would be, checked against the spec's rules;
    /// its type when it passes.
    fn check(&self, emp_id: u64, fields: &BTreeMap<String, String>) -> Result<AbsenceType, String> {
        let get = |key: &str| fields.get(key).map(String::as_str);
        let code = get("absenceType").ok_or("an absence period must have an absenceType")?;
        let kind = self.types.iter().find(|t| t.code == code).ok_or_else(|| {
            format!("absenceType {code} is not one of the company's absence types (GET /absencetypes/v2)")
        })?;
        let start = get("startDate").ok_or("startDate is mandatory")?;
        for key in ["startDate", "endDate", "startdateParental"] {
            if let Some(date) = get(key).filter(|d| !is_date(d)) {
                return Err(format!("{key} {date} must be YYYY-MM-DD"));
            }
        }
        match get("endDate") {
            None if kind.category != "leave_of_absence" => {
                return Err(format!("endDate can be empty only for a leave of absence, not for {code}"));
            }
            Some(end) if end < start => return Err(format!("endDate {end} is before startDate {start}")),
            _ => {}
        }
        if let Some(approved) = get("approved").filter(|a| !["1", "2"].contains(a)) {
            return Err(format!("approved must be 1 (approved) or 2 (rejected), not {approved}"));
        }
        if let Some(percent) = get("percent") {
            if !kind.percentage {
                return Err(format!("absence type {code} does not take a percent"));
            }
            let value: f64 = percent.parse().map_err(|_| format!("percent {percent} is not a number"))?;
            if !(value > 0.0 && value <= 100.0) {
                return Err(format!("percent {percent} must be above 0 and at most 100"));
            }
        }
        match (kind.category == "sick_child", get("childId")) {
            (true, None) => return Err(format!("childId is mandatory with absence type {code} (sick_child)")),
            (true, Some(child)) => {
                let known =
                    self.children.get(&emp_id).is_some_and(|list| list.iter().any(|c| c.id.to_string() == child));
                if !known {
                    return Err(format!("childId {child} is not a child of employee {emp_id} (POST /child/v2 first)"));
                }
            }
            (false, Some(_)) => return Err(format!("childId is only used with sick_child, not with {code}")),
            (false, None) => {}
        }
        if let Some(days) = get("numberOfDays") {
            if kind.category != "vacation" {
                return Err(format!("numberOfDays is only used with vacation, not with {code}"));
            }
            if !days.parse::<u32>().is_ok_and(|d| d > 0) {
                return Err(format!("numberOfDays {days} must be a whole number above 0"));
            }
        }
        let parental = kind.leave_of_absence_type == "permisjonMedForeldrepenger";
        match (parental, get("startdateParental")) {
            (true, None) => return Err(format!("startdateParental is mandatory with absence type {code}")),
            (false, Some(_)) => {
                return Err(format!("startdateParental is only used with parental leave, not with {code}"));
            }
            _ => {}
        }
        if kind.comment_mandatory && get("comment").is_none() {
            return Err(format!("comment is mandatory with absence type {code}"));
        }
        Ok(kind.clone())
    }

    /// Add or update a child from a posted body; its id.
    pub fn upsert_child(&mut self, body: &Map<String, Value>, employee_exists: bool) -> Result<u64, String> {
        if let Some(key) = body.keys().find(|k| !CHILD_KEYS.contains(&k.as_str())) {
            return Err(format!("unknown field {key}; a child takes {}", CHILD_KEYS.join(", ")));
        }
        let text = |key: &str| body.get(key).and_then(Value::as_str).filter(|v| !v.is_empty()).map(str::to_owned);
        let emp_id = emp_id_of(body).ok_or("empId is mandatory and must be an integer")?;
        if !employee_exists {
            return Err(format!("empId {emp_id} is not an employee of the company"));
        }
        if let Some(date) = text("birthdate").filter(|d| !is_date(d)) {
            return Err(format!("birthdate {date} must be YYYY-MM-DD"));
        }
        let list = self.children.entry(emp_id).or_default();
        if let Some(raw) = text("childId") {
            let child = list
                .iter_mut()
                .find(|c| c.id.to_string() == raw)
                .ok_or_else(|| format!("childId {raw} is not a child of employee {emp_id}"))?;
            if let Some(v) = text("firstname") {
                child.first_name = v;
            }
            if let Some(v) = text("lastname") {
                child.last_name = v;
            }
            if let Some(v) = text("birthdate") {
                child.birth_date = v;
            }
            return Ok(child.id);
        }
        let first_name = text("firstname").ok_or("firstname is mandatory for a new child")?;
        let birth_date = text("birthdate").ok_or("birthdate is mandatory for a new child")?;
        let id = self.next_child;
        self.next_child += 1;
        list.push(Child { id, first_name, last_name: text("lastname").unwrap_or_default(), birth_date });
        Ok(id)
    }
}

/// The filters of `GET /absence/v2[/{empId}]`.
struct Filter {
    serial: Option<u64>,
    from: Option<String>,
    to: Option<String>,
}

fn filter(query: &[(String, String)]) -> Result<Filter, Response> {
    let mut f = Filter { serial: None, from: None, to: None };
    for (key, value) in query {
        match key.as_str() {
            "serialNo" => {
                f.serial =
                    Some(value.parse().map_err(|_| {
                        message(StatusCode::BAD_REQUEST, format!("serialNo {value} must be an integer"))
                    })?)
            }
            "datefrom" | "dateto" if !is_date(value) => {
                return Err(message(StatusCode::BAD_REQUEST, format!("{key} {value} must be YYYY-MM-DD")));
            }
            "datefrom" => f.from = Some(value.clone()),
            "dateto" => f.to = Some(value.clone()),
            other => {
                return Err(message(
                    StatusCode::BAD_REQUEST,
                    format!("unknown query parameter {other}; the filters are serialNo, datefrom, dateto"),
                ));
            }
        }
    }
    Ok(f)
}

fn listed(shared: &Shared, emp_id: Option<u64>, query: &[(String, String)]) -> Response {
    let f = match filter(query) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let data = shared.lock();
    let book = &data.absences;
    let list: Vec<Value> = book
        .absences
        .iter()
        .filter(|(serial, s)| {
            let start = s.fields.get("startDate").map(String::as_str).unwrap_or_default();
            let end = s.fields.get("endDate").map(String::as_str);
            emp_id.is_none_or(|id| s.emp_id == id)
                && f.serial.is_none_or(|want| **serial == want)
                && f.to.as_deref().is_none_or(|to| start <= to)
                && f.from.as_deref().is_none_or(|from| end.is_none_or(|end| end >= from))
        })
        .map(|(serial, s)| book.answer(*serial, s))
        .collect();
    drop(data);
    axum::Json(list).into_response()
}

/// `GET /absence/v2`.
pub(super) async fn list_absences(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    listed(&shared, None, &q)
}

/// `GET /absence/v2/{empId}`.
pub(super) async fn employee_absences(
    State(shared): State<Arc<Shared>>,
    Path(raw): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let known = known_employee(&shared.lock(), &raw);
    match known {
        Ok(id) => listed(&shared, Some(id), &q),
        Err(r) => r,
    }
}

/// `POST /absence/v2`: add, or update by `serialNo`.
pub(super) async fn upsert_absence(State(shared): State<Arc<Shared>>, body: String) -> Response {
    posted(&shared, &body, Book::upsert_absence)
}

/// A POST body applied to the book by `apply` (given whether its `empId`
/// names a stored employee): 200 as the spec documents, 400 with why.
fn posted(
    shared: &Shared,
    body: &str,
    apply: impl FnOnce(&mut Book, &Map<String, Value>, bool) -> Result<u64, String>,
) -> Response {
    let map = match parse_object(body) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let mut data = shared.lock();
    let exists = emp_id_of(&map).is_some_and(|id| data.employees.contains_key(&id));
    match apply(&mut data.absences, &map, exists) {
        Ok(_) => axum::Json(json!("Item created returned")).into_response(),
        Err(why) => message(StatusCode::BAD_REQUEST, why),
    }
}

/// `GET /absencetypes/v2`.
pub(super) async fn list_types(State(shared): State<Arc<Shared>>) -> Response {
    let list: Vec<Value> = shared.lock().absences.types.iter().map(AbsenceType::to_json).collect();
    axum::Json(list).into_response()
}

/// `GET /absencetypes/v2/{code}`: a one-element array, as the spec's example.
pub(super) async fn get_type(State(shared): State<Arc<Shared>>, Path(code): Path<String>) -> Response {
    let found = shared.lock().absences.types.iter().find(|t| t.code == code).map(AbsenceType::to_json);
    match found {
        Some(t) => axum::Json(vec![t]).into_response(),
        None => message(StatusCode::NOT_FOUND, format!("no absence type {code}")),
    }
}

/// `GET /child/v2/{empId}`.
pub(super) async fn get_children(State(shared): State<Arc<Shared>>, Path(raw): Path<String>) -> Response {
    let data = shared.lock();
    let id = match known_employee(&data, &raw) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let list = data.absences.children_of(id);
    drop(data);
    axum::Json(list).into_response()
}

/// `POST /child/v2`: add, or update by `childId`.
pub(super) async fn upsert_child(State(shared): State<Arc<Shared>>, body: String) -> Response {
    posted(&shared, &body, Book::upsert_child)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(value: Value) -> Map<String, Value> {
        value.as_object().cloned().expect("an object")
    }

    fn book_with_child() -> (Book, u64) {
        let mut book = Book::default();
        let child = book
            .upsert_child(&body(json!({"empId": "7", "firstname": "Ola", "birthdate": "2019-12-31"})), true)
            .expect("child");
        (book, child)
    }

    #[test]
    fn the_default_catalogue_has_the_seed_tables_codes() {
        let codes: Vec<String> = default_types().into_iter().map(|t| t.code).collect();
        let mut want: Vec<String> = (1..=21).filter(|c| *c != 8 && *c != 9).map(|c| format!("{c:02}")).collect();
        want.sort();
        assert_eq!(codes, want);
    }

    #[test]
    fn an_absence_is_checked_against_its_type_as_the_spec_says() {
        let (mut book, child) = book_with_child();
        let ok = |b: &mut Book, v: Value| b.upsert_absence(&body(v), true);
        let refused = |b: &mut Book, v: Value| b.upsert_absence(&body(v), true).expect_err("refused");
        let base = json!({"empId": "7", "absenceType": "01", "startDate": "2026-03-02", "endDate": "2026-03-06"});
        assert!(ok(&mut book, base.clone()).is_ok());
        let with = |patch: Value| {
            let mut v = base.clone();
            for (k, x) in body(patch) {
                v[k] = x;
            }
            v
        };
        assert!(refused(&mut book, with(json!({"absenceType": "99"}))).contains("not one of the company's"));
        assert!(refused(&mut book, with(json!({"absenceType": "02"}))).contains("childId is mandatory"));
        assert!(ok(&mut book, with(json!({"absenceType": "02", "childId": child.to_string()}))).is_ok());
        assert!(refused(&mut book, with(json!({"absenceType": "02", "childId": "1"}))).contains("not a child"));
        assert!(refused(&mut book, with(json!({"childId": child.to_string()}))).contains("only used with sick_child"));
        assert!(refused(&mut book, with(json!({"numberOfDays": "3"}))).contains("only used with vacation"));
        assert!(ok(&mut book, with(json!({"absenceType": "04", "numberOfDays": "5"}))).is_ok());
        assert!(refused(&mut book, with(json!({"absenceType": "04", "percent": "50"}))).contains("percent"));
        assert!(ok(&mut book, with(json!({"percent": "50"}))).is_ok(), "graded sick leave");
        assert!(refused(&mut book, with(json!({"percent": "150"}))).contains("at most 100"));
        assert!(refused(&mut book, with(json!({"endDate": ""}))).contains("endDate can be empty only"));
        assert!(refused(&mut book, with(json!({"startDate": "02.03.2026"}))).contains("YYYY-MM-DD"));
        assert!(refused(&mut book, with(json!({"approved": "0"}))).contains("approved"));
        assert!(refused(&mut book, with(json!({"bogus": "1"}))).contains("unknown field bogus"));
        let parental = with(json!({"absenceType": "06", "endDate": ""}));
        assert!(refused(&mut book, parental.clone()).contains("startdateParental is mandatory"));
        let mut open_parental = parental;
        open_parental["startdateParental"] = json!("2026-03-02");
        assert!(ok(&mut book, open_parental).is_ok(), "an open leave of absence needs no end date");
        assert!(book.upsert_absence(&body(base), false).expect_err("refused").contains("not an employee"));
    }

    #[test]
    fn an_update_names_its_serial_number_and_merges_into_what_is_stored() {
        let mut book = Book::default();
        let post = json!({"empId": "7", "absenceType": "01", "startDate": "2026-03-02", "endDate": "2026-03-06",
                          "externalId": "leave-1", "approved": "1"});
        let serial = book.upsert_absence(&body(post), true).expect("created");
        let update = json!({"empId": "7", "serialNo": serial.to_string(), "endDate": "2026-03-09"});
        assert_eq!(book.upsert_absence(&body(update), true).expect("updated"), serial);
        let held = &book.absences()[0];
        assert_eq!(held["endDate"], "2026-03-09 00:00:00");
        assert_eq!(held["startDate"], "2026-03-02 00:00:00");
        assert_eq!((held["externalId"].as_str(), held["approved"].as_str()), (Some("leave-1"), Some("1")));
        let other = json!({"empId": "8", "serialNo": serial.to_string(), "approved": "2"});
        assert!(book.upsert_absence(&body(other), true).expect_err("refused").contains("not an absence of employee 8"));
        let withdrawn = json!({"empId": "7", "serialNo": serial.to_string(), "approved": "2"});
        book.upsert_absence(&body(withdrawn), true).expect("rejected");
        assert_eq!(book.absences()[0]["approved"], "2");
        assert_eq!(book.absences().len(), 1);
    }

    #[tokio::test]
    async fn over_http_the_lists_filter_by_overlap_and_bad_input_is_a_400() {
        let e = super::super::Emulator::start(super::super::Settings::default()).await.expect("starts");
        e.insert_employee(json!({"empId": "7", "firstname": "Kari"})).expect("employee");
        let client = reqwest::Client::new();
        let auth: Value = client
            .get(format!("{}/auth?token={}", e.base_url(), e.access_token()))
            .send()
            .await
            .expect("answer")
            .json()
            .await
            .expect("json");
        let bearer = format!("Bearer {}", auth["accessToken"].as_str().unwrap_or_default());
        let get = |path: &str| client.get(format!("{}{path}", e.base_url())).header("Authorization", &bearer).send();
        let post = |path: &str, body: Value| {
            client
                .post(format!("{}{path}", e.base_url()))
                .header("Authorization", &bearer)
                .body(body.to_string())
                .send()
        };
        let types: Value = get("/absencetypes/v2").await.expect("answer").json().await.expect("json");
        assert_eq!(types[1]["code"], "02");
        assert_eq!((types[1]["category"].as_str(), types[1]["percentage"].as_str()), (Some("sick_child"), Some("1")));
        let one: Value = get("/absencetypes/v2/04").await.expect("answer").json().await.expect("json");
        assert_eq!(one[0]["category"], "vacation", "one type answers a one-element array");

        let leave = |start: &str, end: &str| json!({"empId": "7", "absenceType": "01", "startDate": start, "endDate": end, "approved": "1"});
        assert_eq!(post("/absence/v2", leave("2026-02-26", "2026-03-03")).await.expect("answer").status(), 200);
        assert_eq!(post("/absence/v2", leave("2026-04-01", "2026-04-02")).await.expect("answer").status(), 200);
        let bad = post("/absence/v2", json!({"empId": "7", "absenceType": "99", "startDate": "2026-03-01"}));
        let bad = bad.await.expect("answer");
        assert_eq!(bad.status(), 400);
        let why: Value = bad.json().await.expect("json");
        assert!(why["message"].as_str().is_some_and(|m| m.contains("absenceType 99")), "{why}");
        let numbers = post("/absence/v2", json!({"empId": 7, "absenceType": "01", "startDate": "2026-03-01"}));
        assert_eq!(numbers.await.expect("answer").status(), 400, "values are strings");

        let march: Value =
            get("/absence/v2?datefrom=2026-03-01&dateto=2026-03-31").await.expect("answer").json().await.expect("json");
        let starts: Vec<&str> =
            march.as_array().expect("array").iter().filter_map(|a| a["startDate"].as_str()).collect();
        assert_eq!(starts, vec!["2026-02-26 00:00:00"], "an absence overlapping the period is listed whole");
        let mine: Value = get("/absence/v2/7").await.expect("answer").json().await.expect("json");
        assert_eq!(mine.as_array().map(Vec::len), Some(2));
        assert_eq!(get("/absence/v2?from=2026-03-01").await.expect("answer").status(), 400, "unknown filter");
        assert_eq!(get("/absence/v2/8").await.expect("answer").status(), 404);

        let child = post("/child/v2", json!({"empId": "7", "firstname": "Ola", "birthdate": "2019-12-31"}));
        assert_eq!(child.await.expect("answer").status(), 200);
        let kids: Value = get("/child/v2/7").await.expect("answer").json().await.expect("json");
        assert_eq!(kids[0]["firstnamn"], "Ola");
        assert_eq!(e.children(7).len(), 1);
        assert_eq!(e.absences().len(), 2);
    }

    #[test]
    fn children_are_posted_as_firstname_and_answered_as_firstnamn() {
        let (mut book, child) = book_with_child();
        let update = json!({"empId": "7", "childId": child.to_string(), "lastname": "Nordmann"});
        assert_eq!(book.upsert_child(&body(update), true).expect("updated"), child);
        let listed = book.children_of(7);
        assert_eq!(listed[0]["firstnamn"], "Ola");
        assert_eq!(listed[0]["surname"], "Nordmann");
        assert_eq!(listed[0]["birthdate"], "2019-12-31");
        let no_birth = json!({"empId": "7", "firstname": "Kari"});
        assert!(book.upsert_child(&body(no_birth), true).expect_err("refused").contains("birthdate"));
    }
}
