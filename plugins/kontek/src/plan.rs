//! Diff and plan for Kontek. A new employee is one `POST /employees` with
//! the flow's fields HR holds; Kontek keeps the `employeeId` paybridge
//! sends (the HR employee number), so no id comes back to link. A known
//! employee gets one `PATCH /employees/{employeeId}` carrying only the
//! fields that differ (a value HR no longer holds is sent as `null`, so
//! Kontek clears it); the salary goes whole, as Kontek replaces it whole.
//! Amounts and hours are JSON numbers, everything else strings (shapes:
//! [`crate::shape`], assumed).

use crate::shape::{self, field};
use crate::types::*;
use connector_kit::compare::{self, Equivalence, same_decimal};
use connector_kit::fields::{Record, insert_dotted};
use connector_kit::personnummer::parse_swedish;
use serde_json::{Map, Value};

/// Kontek's comparison: numbers as decimals ("35000" is "35000.00"),
/// personnummer by their long form, the rest as text.
struct KontekEquivalence<'a> {
    today: &'a str,
}

impl Equivalence for KontekEquivalence<'_> {
    fn same(&self, _kind: &str, name: &str, desired: &str, current: &str) -> bool {
        if desired == current {
            return true;
        }
        if shape::NUMBER_FIELDS.contains(&name) {
            return same_decimal(desired, current) == Some(true);
        }
        if name == field::SSN {
            let long = |v: &str| parse_swedish(v, self.today).ok().map(|n| n.long());
            return long(desired).is_some() && long(desired) == long(current);
        }
        false
    }
}

/// Changes from `current` to `desired`: only the flow's fields.
pub fn diff(ctx: &Context, desired: &[TargetRecord], current: Option<&TargetEmployee>) -> Vec<FieldChange> {
    let desired: Vec<Record> = desired.iter().map(crate::to_kit).collect();
    let current: Vec<Record> = current.map(|c| c.records.iter().map(crate::to_kit).collect()).unwrap_or_default();
    crate::to_wit_changes(compare::diff(&desired, &current, &KontekEquivalence { today: &ctx.today }))
}

fn error(message: String) -> ConnectorError {
    ConnectorError { code: "plan".into(), message }
}

/// A field's JSON value: a number for [`shape::NUMBER_FIELDS`], `null`
/// for an empty value, a string otherwise.
fn json_value(name: &str, value: &str) -> Result<Value, ConnectorError> {
    if value.is_empty() {
        return Ok(Value::Null);
    }
    if shape::NUMBER_FIELDS.contains(&name) {
        let number: serde_json::Number =
            value.parse().map_err(|_| error(format!("{name} {value:?} is not a number")))?;
        return Ok(Value::Number(number));
    }
    Ok(Value::String(value.to_owned()))
}

fn write(method: HttpMethod, path: String, body: &Map<String, Value>) -> HttpRequest {
    HttpRequest {
        method,
        path,
        query: Vec::new(),
        headers: vec![Header { name: "content-type".into(), value: "application/json".into() }],
        body: Some(Value::Object(body.clone()).to_string()),
    }
}

/// The writes that make Kontek hold `desired`.
pub fn plan(
    desired: &MappedEmployee,
    current: Option<&TargetEmployee>,
    changes: &[FieldChange],
) -> Result<Vec<PlannedOperation>, ConnectorError> {
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let record = desired
        .records
        .iter()
        .find(|r| r.kind == "employee")
        .map(crate::to_kit)
        .ok_or_else(|| error("no employee record mapped".into()))?;
    let id = desired
        .employee_number
        .clone()
        .ok_or_else(|| error("the employee has no employee number for Kontek's employeeId".into()))?;
    let mut body = Map::new();
    let mut sensitive = Vec::new();
    let (kind, method, path, what) = match current {
        None => {
            body.insert(field::EMPLOYEE_ID.into(), Value::String(id.clone()));
            for f in record.fields.iter().filter(|f| !f.value.is_empty()) {
                insert_dotted(&mut body, &f.name, json_value(&f.name, &f.value)?);
                if f.sensitive {
                    sensitive.push(f.name.clone());
                }
            }
            (OperationKind::Create, HttpMethod::Post, shape::EMPLOYEES.to_owned(), "create")
        }
        Some(current) => {
            let salary_changed = changes.iter().any(|c| c.field.starts_with("employment.salary."));
            for f in &record.fields {
                let changed = changes.iter().any(|c| c.field == f.name);
                let salary = salary_changed && f.name.starts_with("employment.salary.");
                if changed || salary {
                    insert_dotted(&mut body, &f.name, json_value(&f.name, &f.value)?);
                    if f.sensitive {
                        sensitive.push(f.name.clone());
                    }
                }
            }
            (OperationKind::Update, HttpMethod::Patch, shape::employee_path(&current.target_id), "update")
        }
    };
    Ok(vec![PlannedOperation {
        kind,
        record_kind: "employee".into(),
        description: format!("{what} employee {id}"),
        request: write(method, path, &body),
        sensitive_paths: sensitive,
        created_id: None,
    }])
}
