//! Reading 24SevenOffice's current state: `GET /employee/v2` (the whole
//! list; the API has no paging or filter), then `GET /employment/v2/{empId}`
//! for each employee. Each answer is parsed on its own (the streaming read
//! of contract 2.0): the list gives each employee's own record and asks
//! for its employments; an employments answer gives that employee's
//! employment records, keyed by start date. The host merges the two.
//!
//! An absence run (the context names a period) reads instead: the list
//! (to match employees), `GET /absencetypes/v2` (the company's types, as
//! company records of kind `absence-type` keyed by code),
//! `GET /absence/v2?datefrom=&dateto=` (every absence overlapping the
//! period, as `absence` records keyed by `externalId`, or `manual:<serialNo>`
//! for one entered by hand) and `GET /child/v2/{empId}` per employee (its
//! children, as `child` records keyed by `childId`). Dates come back as
//! `YYYY-MM-DD 00:00:00` and are read as `YYYY-MM-DD`; a whole absence's
//! `percent` of 100 and empty values are read as absent.

use crate::mapping::SENSITIVE_FIELDS;
use crate::types::*;
use connector_kit::fields::{Record, flatten};
use serde_json::Value;

/// The first read: the employee list.
pub fn list_employees_request() -> HttpRequest {
    get("/employee/v2".into())
}

/// The first reads of a run: the employee list, and for an absence run
/// (`ctx.period`) the company's absence types and the absences that
/// overlap the period.
pub fn start(ctx: &Context) -> Vec<HttpRequest> {
    let mut first = vec![list_employees_request()];
    if let Some(period) = &ctx.period {
        first.push(get(ABSENCE_TYPES.into()));
        let mut absences = get(ABSENCES.into());
        absences.query = vec![("datefrom".into(), period.start.clone()), ("dateto".into(), period.end.clone())];
        first.push(absences);
    }
    first
}

const ABSENCE_TYPES: &str = "/absencetypes/v2";
const ABSENCES: &str = "/absence/v2";

fn get(path: String) -> HttpRequest {
    HttpRequest { method: HttpMethod::Get, path, query: Vec::new(), headers: Vec::new(), body: None }
}

fn employment_path(emp_id: &str) -> String {
    format!("/employment/v2/{emp_id}")
}

fn error(code: &str, message: String) -> ConnectorError {
    ConnectorError { code: code.into(), message }
}

fn parse_json(exchange: &Exchange) -> Result<Value, ConnectorError> {
    let status = exchange.response.status;
    if !(200..300).contains(&status) {
        return Err(error("http-status", format!("GET {} answered {status}; expected 200", exchange.request.path)));
    }
    serde_json::from_str(&exchange.response.body)
        .map_err(|e| error("bad-json", format!("GET {} returned a body that is not JSON: {e}", exchange.request.path)))
}

/// A flat target record from one JSON object of the vendor.
fn record_from_json(kind: &str, key: Option<String>, object: &Value) -> Record {
    let mut record = Record::new(kind, key);
    for (name, value) in flatten(object) {
        if SENSITIVE_FIELDS.contains(&name.as_str()) {
            record.set_sensitive(&name, value);
        } else {
            record.set(&name, value);
        }
    }
    record
}

/// What one round's exchanges say: employees from the list (and a read of
/// each one's employments), employment records from each employments
/// answer (a 404 means none).
pub fn parse(ctx: &Context, exchanges: &[Exchange]) -> Result<ReadStep, ConnectorError> {
    let mut step = ReadStep { learnt: Vec::new(), company: Vec::new(), more: Vec::new() };
    let absence_run = ctx.period.is_some();
    for exchange in exchanges {
        let path = exchange.request.path.as_str();
        if path == "/employee/v2" {
            parse_list(exchange, &mut step, absence_run)?;
        } else if path == ABSENCE_TYPES {
            for item in parse_json(exchange)?.as_array().into_iter().flatten() {
                let code = item.get("code").and_then(Value::as_str).unwrap_or_default().to_owned();
                step.company.push(crate::from_kit(record_from_json(crate::absences::TYPE_KIND, Some(code), item)));
            }
        } else if path == ABSENCES {
            for item in parse_json(exchange)?.as_array().into_iter().flatten() {
                absence(item, &mut step)?;
            }
        } else if let Some(emp_id) = path.strip_prefix("/child/v2/") {
            if exchange.response.status == 404 {
                continue;
            }
            let mut records = Vec::new();
            for item in parse_json(exchange)?.as_array().into_iter().flatten() {
                let text = |key: &str| item.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
                let mut child = Record::new("child", Some(text("childId")));
                child.set("firstname", text("firstnamn"));
                child.set("lastname", text("surname"));
                child.set("birthdate", date_only(&text("birthdate")));
                records.push(crate::from_kit(child));
            }
            step.learnt.push(partial(emp_id, records));
        } else if let Some(emp_id) = path.strip_prefix("/employment/v2/") {
            if exchange.response.status == 404 {
                continue;
            }
            let body = parse_json(exchange)?;
            let mut records = Vec::new();
            for employment in body.as_array().into_iter().flatten() {
                let start = employment.get("startdate").and_then(Value::as_str).unwrap_or("").to_owned();
                records.push(crate::from_kit(record_from_json("employment", Some(start), employment)));
            }
            step.learnt.push(partial(emp_id, records));
        } else {
            return Err(error("protocol", format!("an answer to GET {path}, which this connector never asks for")));
        }
    }
    Ok(step)
}

/// A target employee that only adds `records` to `emp_id`.
fn partial(emp_id: &str, records: Vec<TargetRecord>) -> TargetEmployee {
    TargetEmployee {
        target_id: emp_id.to_owned(),
        employee_number: None,
        national_id: None,
        first_name: None,
        last_name: None,
        birth_date: None,
        records,
    }
}

/// `YYYY-MM-DD` of a date the API may write as `YYYY-MM-DD 00:00:00`.
fn date_only(text: &str) -> String {
    text.split([' ', 'T']).next().unwrap_or_default().to_owned()
}

/// The fields of an absence that are compared and written (the others,
/// such as `requestDate`, are the server's).
const ABSENCE_FIELDS: &[&str] = &[
    "empId",
    "serialNo",
    "absenceType",
    "startDate",
    "endDate",
    "approved",
    "percent",
    "childId",
    "numberOfDays",
    "startdateParental",
    "externalId",
];

/// One item of `GET /absence/v2`: an `absence` record of its employee.
fn absence(item: &Value, step: &mut ReadStep) -> Result<(), ConnectorError> {
    let text = |key: &str| item.get(key).and_then(Value::as_str).unwrap_or_default().trim().to_owned();
    let emp_id = text("empId");
    if emp_id.is_empty() {
        return Err(error("bad-shape", "an absence in GET /absence/v2 has no empId".into()));
    }
    let key = match text("externalId") {
        external if external.is_empty() => format!("manual:{}", text("serialNo")),
        external => external,
    };
    let mut record = Record::new(crate::absences::KIND, Some(key));
    for name in ABSENCE_FIELDS {
        let mut value = text(name);
        if ["startDate", "endDate", "startdateParental"].contains(name) {
            value = date_only(&value);
        }
        let whole = *name == "percent" && value.parse::<f64>().is_ok_and(|p| p >= 100.0);
        if !value.is_empty() && !whole {
            record.set(name, value);
        }
    }
    step.learnt.push(partial(&emp_id, vec![crate::from_kit(record)]));
    Ok(())
}

/// The employee list: one partial employee per item, and its employments
/// to read (an absence run: its children). The list is parsed item by
/// item (never as one JSON tree), so a large company fits the connector's
/// memory.
fn parse_list(exchange: &Exchange, step: &mut ReadStep, absence_run: bool) -> Result<(), ConnectorError> {
    let status = exchange.response.status;
    if !(200..300).contains(&status) {
        return Err(error("http-status", format!("GET /employee/v2 answered {status}; expected 200")));
    }
    let mut deserializer = serde_json::Deserializer::from_str(&exchange.response.body);
    let mut failure = None;
    let parsed =
        serde::Deserializer::deserialize_seq(&mut deserializer, Items { step, failure: &mut failure, absence_run });
    if let Some(e) = failure {
        return Err(e);
    }
    parsed.map_err(|e| error("bad-shape", format!("GET /employee/v2 did not return a JSON array of employees: {e}")))
}

/// Visits the list's items one at a time.
struct Items<'a> {
    step: &'a mut ReadStep,
    failure: &'a mut Option<ConnectorError>,
    absence_run: bool,
}

impl<'de> serde::de::Visitor<'de> for Items<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON array of employees")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<Value>()? {
            if let Err(e) = employee(&item, self.step, self.absence_run) {
                let message = e.message.clone();
                *self.failure = Some(e);
                return Err(serde::de::Error::custom(message));
            }
        }
        Ok(())
    }
}

/// One item of the list: a partial employee, and its employments (an
/// absence run: its children) to read.
fn employee(item: &Value, step: &mut ReadStep, absence_run: bool) -> Result<(), ConnectorError> {
    let emp_id = match item.get("empId") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return Err(error("bad-shape", "an employee in GET /employee/v2 has no empId".into()));
        }
    };
    let employee = record_from_json("employee", None, item);
    let field = |name: &str| employee.get(name).filter(|v| !v.is_empty()).map(str::to_owned);
    let national_id = field("personnr");
    let (first_name, last_name) = (field("firstname"), field("lastname"));
    step.more.push(get(if absence_run { format!("/child/v2/{emp_id}") } else { employment_path(&emp_id) }));
    step.learnt.push(TargetEmployee {
        target_id: emp_id.clone(),
        employee_number: Some(emp_id),
        national_id,
        first_name,
        last_name,
        birth_date: None,
        records: vec![crate::from_kit(employee)],
    });
    Ok(())
}
