//! Reading 24SevenOffice's current state: `GET /employee/v2` (the whole
//! list; the API has no paging or filter), then `GET /employment/v2/{empId}`
//! for each employee. Each answer is parsed on its own (the streaming read
//! of contract 2.0): the list gives each employee's own record and asks
//! for its employments; an employments answer gives that employee's
//! employment records, keyed by start date. The host merges the two.

use crate::mapping::SENSITIVE_FIELDS;
use crate::types::*;
use connector_kit::fields::{Record, flatten};
use serde_json::Value;

/// The first read: the employee list.
pub fn list_employees_request() -> HttpRequest {
    get("/employee/v2".into())
}

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
pub fn parse(exchanges: &[Exchange]) -> Result<ReadStep, ConnectorError> {
    let mut step = ReadStep { learnt: Vec::new(), company: Vec::new(), more: Vec::new() };
    for exchange in exchanges {
        let path = exchange.request.path.as_str();
        if path == "/employee/v2" {
            parse_list(exchange, &mut step)?;
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
            step.learnt.push(TargetEmployee {
                target_id: emp_id.to_owned(),
                employee_number: None,
                national_id: None,
                first_name: None,
                last_name: None,
                birth_date: None,
                records,
            });
        } else {
            return Err(error("protocol", format!("an answer to GET {path}, which this connector never asks for")));
        }
    }
    Ok(step)
}

/// The employee list: one partial employee per item, and its employments
/// to read. The list is parsed item by item (never as one JSON tree), so
/// a large company fits the connector's memory.
fn parse_list(exchange: &Exchange, step: &mut ReadStep) -> Result<(), ConnectorError> {
    let status = exchange.response.status;
    if !(200..300).contains(&status) {
        return Err(error("http-status", format!("GET /employee/v2 answered {status}; expected 200")));
    }
    let mut deserializer = serde_json::Deserializer::from_str(&exchange.response.body);
    let mut failure = None;
    let parsed = serde::Deserializer::deserialize_seq(&mut deserializer, Items { step, failure: &mut failure });
    if let Some(e) = failure {
        return Err(e);
    }
    parsed.map_err(|e| error("bad-shape", format!("GET /employee/v2 did not return a JSON array of employees: {e}")))
}

/// Visits the list's items one at a time.
struct Items<'a> {
    step: &'a mut ReadStep,
    failure: &'a mut Option<ConnectorError>,
}

impl<'de> serde::de::Visitor<'de> for Items<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON array of employees")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<Value>()? {
            if let Err(e) = employee(&item, self.step) {
                let message = e.message.clone();
                *self.failure = Some(e);
                return Err(serde::de::Error::custom(message));
            }
        }
        Ok(())
    }
}

/// One item of the list: a partial employee, and its employments to read.
fn employee(item: &Value, step: &mut ReadStep) -> Result<(), ConnectorError> {
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
    step.more.push(get(employment_path(&emp_id)));
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
