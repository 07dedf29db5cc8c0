//! Reading 24SevenOffice's current state: `GET /employee/v2` (the whole
//! list; the API has no paging or filter), then `GET /employment/v2/{empId}`
//! for each employee. Parsing is repeated over every exchange so far, so
//! the host can call it after each round and it asks only for what is
//! still missing.

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

/// Parse every exchange so far into employees, and list the reads still
/// missing.
pub fn parse(exchanges: &[Exchange]) -> Result<ReadOutcome, ConnectorError> {
    let list = exchanges
        .iter()
        .find(|x| x.request.method == HttpMethod::Get && x.request.path == "/employee/v2")
        .ok_or_else(|| error("protocol", "the employee list (GET /employee/v2) was not read".into()))?;
    let list = parse_json(list)?;
    let items =
        list.as_array().ok_or_else(|| error("bad-shape", "GET /employee/v2 did not return a JSON array".into()))?;
    let mut employees = Vec::with_capacity(items.len());
    let mut more = Vec::new();
    for item in items {
        let emp_id = match item.get("empId") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(error("bad-shape", "an employee in GET /employee/v2 has no empId".into()));
            }
        };
        let employee = record_from_json("employee", None, item);
        let path = employment_path(&emp_id);
        let answered = exchanges.iter().find(|x| x.request.method == HttpMethod::Get && x.request.path == path);
        let mut records = vec![];
        match answered {
            None => more.push(get(path)),
            Some(x) if x.response.status == 404 => {}
            Some(x) => {
                let body = parse_json(x)?;
                for employment in body.as_array().into_iter().flatten() {
                    let start = employment.get("startdate").and_then(Value::as_str).unwrap_or("").to_owned();
                    records.push(record_from_json("employment", Some(start), employment));
                }
            }
        }
        let field = |name: &str| employee.get(name).filter(|v| !v.is_empty()).map(str::to_owned);
        let national_id = field("personnr");
        let (first_name, last_name) = (field("firstname"), field("lastname"));
        records.insert(0, employee);
        employees.push(TargetEmployee {
            target_id: emp_id.clone(),
            employee_number: Some(emp_id),
            national_id,
            first_name,
            last_name,
            birth_date: None,
            records: records.into_iter().map(crate::from_kit).collect(),
        });
    }
    Ok(ReadOutcome { employees, more })
}
