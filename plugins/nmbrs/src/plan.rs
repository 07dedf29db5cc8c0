//! Diff and plan for Nmbrs.
//!
//! A new employee is one `POST /companies/{companyId}/employees` with its
//! personal info and in-service date; Nmbrs answers the new `employeeId`.
//! The host then re-reads, matches the new employee by number, diffs again
//! and asks for a second plan: that one writes the address, bank account
//! and salary under the id. A known employee gets only the writes for the
//! records that differ: an IBAN change sends the bank account and nothing
//! else. The in-service date is sent on create only (the REST API offers
//! no update of it), so it is not compared for existing employees.

use crate::setting;
use crate::types::*;
use connector_kit::compare::{self, Equivalence, same_decimal};
use connector_kit::fields::Record;
use serde_json::{Map, Value, json};

struct NmbrsEquivalence;

impl Equivalence for NmbrsEquivalence {
    fn same(&self, kind: &str, field: &str, desired: &str, current: &str) -> bool {
        desired == current || (kind == "salary" && field == "value" && same_decimal(desired, current) == Some(true))
    }
}

/// Changes from `current` to `desired`.
pub fn diff(desired: &[TargetRecord], current: Option<&TargetEmployee>) -> Vec<FieldChange> {
    let desired: Vec<_> = desired.iter().filter(|r| current.is_none() || r.kind != "hire").map(crate::to_kit).collect();
    let current: Vec<_> = current.map(|c| c.records.iter().map(crate::to_kit).collect()).unwrap_or_default();
    crate::to_wit_changes(compare::diff(&desired, &current, &NmbrsEquivalence))
}

fn error(message: String) -> ConnectorError {
    ConnectorError { code: "plan".into(), message }
}

fn write(method: HttpMethod, path: String, body: &Value) -> HttpRequest {
    HttpRequest {
        method,
        path,
        query: Vec::new(),
        headers: vec![Header { name: "content-type".into(), value: "application/json".into() }],
        body: Some(body.to_string()),
    }
}

/// Personal info as Nmbrs wants it: the employee number as an integer.
fn personal_info(record: &Record) -> Value {
    let mut v = record.to_json();
    if let Some(basic) = v.get_mut("basicInfo").and_then(Value::as_object_mut) {
        let number = basic.get("employeeNumber").and_then(Value::as_str).and_then(|n| n.parse::<u64>().ok());
        basic.insert("employeeNumber".into(), number.map(Value::from).unwrap_or(Value::Null));
    }
    v
}

fn object(record: &Record) -> Map<String, Value> {
    match record.to_json() {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The writes that make Nmbrs hold `desired`.
pub fn plan(
    ctx: &Context,
    desired: &MappedEmployee,
    current: Option<&TargetEmployee>,
    changes: &[FieldChange],
) -> Result<Vec<PlannedOperation>, ConnectorError> {
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let records: Vec<Record> = desired.records.iter().map(crate::to_kit).collect();
    let find = |kind: &str| records.iter().find(|r| r.kind == kind);
    let number = desired.employee_number.clone().unwrap_or_default();
    let Some(current) = current else {
        let company =
            setting(ctx, "company_id").ok_or_else(|| error("set company_id in [integration.settings]".into()))?;
        let personal = find("personalInfo").ok_or_else(|| error("no personal info mapped".into()))?;
        let in_service = find("hire").and_then(|h| h.get("inServiceDate")).unwrap_or("");
        let body = json!({ "personalInfo": personal_info(personal), "additionalEmployeeInfo": { "inServiceDate": in_service } });
        return Ok(vec![PlannedOperation {
            kind: OperationKind::Create,
            record_kind: "personalInfo".into(),
            description: format!(
                "create employee {number} (address, bank account and salary follow once Nmbrs gives its id)"
            ),
            request: write(HttpMethod::Post, format!("/companies/{company}/employees"), &body),
            sensitive_paths: Vec::new(),
        }]);
    };
    let id = &current.target_id;
    let changed = |kind: &str| changes.iter().any(|c| c.record_kind == kind);
    let mut ops = Vec::new();
    if let Some(personal) = find("personalInfo").filter(|_| changed("personalInfo")) {
        ops.push(PlannedOperation {
            kind: OperationKind::Update,
            record_kind: "personalInfo".into(),
            description: format!("update personal info of employee {number}"),
            request: write(HttpMethod::Put, format!("/employees/{id}/personalInfo"), &personal_info(personal)),
            sensitive_paths: Vec::new(),
        });
    }
    if let Some(address) = find("address").filter(|_| changed("address")) {
        let mut body = object(address);
        body.insert("isDefault".into(), Value::Bool(true));
        body.insert("type".into(), Value::String("homeAddress".into()));
        ops.push(PlannedOperation {
            kind: OperationKind::Update,
            record_kind: "address".into(),
            description: format!("set the home address of employee {number}"),
            request: write(HttpMethod::Post, format!("/employees/{id}/address"), &Value::Object(body)),
            sensitive_paths: Vec::new(),
        });
    }
    if let Some(bank) = find("bankAccount").filter(|_| changed("bankAccount")) {
        let mut body = object(bank);
        body.insert("bankAccountType".into(), Value::String("standard".into()));
        let existing = current
            .records
            .iter()
            .find(|r| r.kind == "bankAccount")
            .map(crate::to_kit)
            .and_then(|r| r.get("bankAccountId").map(str::to_owned));
        let (method, kind, what) = match existing {
            Some(bank_id) => {
                body.insert("bankAccountId".into(), Value::String(bank_id));
                (HttpMethod::Put, OperationKind::Update, "update")
            }
            None => (HttpMethod::Post, OperationKind::Create, "create"),
        };
        ops.push(PlannedOperation {
            kind,
            record_kind: "bankAccount".into(),
            description: format!("{what} the standard bank account of employee {number}"),
            request: write(method, format!("/employees/{id}/bankaccount"), &Value::Object(body)),
            sensitive_paths: bank.sensitive_paths(),
        });
    }
    if let Some(salary) = find("salary").filter(|_| changed("salary")) {
        let value = salary.get("value").and_then(|v| v.parse::<f64>().ok()).unwrap_or_default();
        let body = json!({
            "startDate": salary.get("startDate").unwrap_or(""),
            "type": salary.get("type").unwrap_or(""),
            "value": value,
        });
        ops.push(PlannedOperation {
            kind: OperationKind::Create,
            record_kind: "salary".into(),
            description: format!("add the salary of employee {number}"),
            request: write(HttpMethod::Post, format!("/employees/{id}/salary"), &body),
            sensitive_paths: vec!["value".into()],
        });
    }
    Ok(ops)
}
