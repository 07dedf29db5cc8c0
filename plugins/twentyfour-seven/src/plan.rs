//! Diff and plan for 24SevenOffice.
//!
//! A new employee is `POST /employee/v2` followed by one
//! `POST /employment/v2/{empId}` carrying all its employments. A known
//! employee whose own fields changed gets `POST /employee/v2/{empId}` with
//! every integration field (the integration owns them); changed
//! employments are upserted, reusing the target's `employment_id`.
//!
//! The payout account is the one field HR may leave empty without meaning
//! "erase": when the mapped employee has no account, an update carries the
//! account the target holds (the API does not say whether an update
//! leaves out what a body omits), and its description says so.

use crate::mapping::{ACCOUNT_FIELDS, DECIMAL_FIELDS};
use crate::types::*;
use connector_kit::compare::{self, Equivalence, same_decimal};
use serde_json::Value;

struct VendorEquivalence;

impl Equivalence for VendorEquivalence {
    fn same(&self, _kind: &str, field: &str, desired: &str, current: &str) -> bool {
        if desired == current {
            return true;
        }
        DECIMAL_FIELDS.contains(&field) && same_decimal(desired, current) == Some(true)
    }
}

/// Changes from `current` to `desired`, integration fields only.
pub fn diff(desired: &[TargetRecord], current: Option<&TargetEmployee>) -> Vec<FieldChange> {
    let desired: Vec<_> = desired.iter().map(crate::to_kit).collect();
    let current: Vec<_> = current.map(|c| c.records.iter().map(crate::to_kit).collect()).unwrap_or_default();
    crate::to_wit_changes(compare::diff(&desired, &current, &VendorEquivalence))
}

fn post(path: String, body: &Value) -> HttpRequest {
    HttpRequest {
        method: HttpMethod::Post,
        path,
        query: Vec::new(),
        headers: vec![Header { name: "content-type".into(), value: "application/json".into() }],
        body: Some(body.to_string()),
    }
}

fn error(message: String) -> ConnectorError {
    ConnectorError { code: "plan".into(), message }
}

/// The writes that make the target hold `desired`.
pub fn plan(
    desired: &MappedEmployee,
    current: Option<&TargetEmployee>,
    changes: &[FieldChange],
) -> Result<Vec<PlannedOperation>, ConnectorError> {
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let records: Vec<_> = desired.records.iter().map(crate::to_kit).collect();
    let employee = records
        .iter()
        .find(|r| r.kind == "employee")
        .ok_or_else(|| error("the mapped employee has no employee record".into()))?;
    let emp_id = employee.get("empId").unwrap_or_default().to_owned();
    let mut ops = Vec::new();
    let employee_changed = changes.iter().any(|c| c.record_kind == "employee");
    if current.is_none() {
        ops.push(PlannedOperation {
            kind: OperationKind::Create,
            record_kind: "employee".into(),
            description: format!("create employee {emp_id}"),
            request: post("/employee/v2".into(), &employee.to_json()),
            sensitive_paths: employee.sensitive_paths(),
            created_id: None,
        });
    } else if employee_changed {
        let mut body = employee.clone();
        let mut description = format!("update employee {emp_id}");
        if employee.get("account").is_none() {
            let held = current
                .and_then(|c| c.records.iter().find(|r| r.kind == "employee"))
                .map(crate::to_kit)
                .unwrap_or_else(|| connector_kit::fields::Record::new("employee", None));
            for name in ACCOUNT_FIELDS {
                if let Some(value) = held.get(name) {
                    if name == "account" {
                        body.set_sensitive(name, value);
                    } else {
                        body.set(name, value);
                    }
                }
            }
            if held.get("account").is_some_and(|a| !a.is_empty()) {
                description.push_str(" (bank account kept as 24SevenOffice holds it: HR has none)");
            }
        }
        ops.push(PlannedOperation {
            kind: OperationKind::Update,
            record_kind: "employee".into(),
            description,
            request: post(format!("/employee/v2/{emp_id}"), &body.to_json()),
            sensitive_paths: body.sensitive_paths(),
            created_id: None,
        });
    }
    let changed_keys: Vec<Option<&str>> =
        changes.iter().filter(|c| c.record_kind == "employment").map(|c| c.record_key.as_deref()).collect();
    let mut employments = Vec::new();
    let mut any_new = false;
    for record in records.iter().filter(|r| r.kind == "employment" && changed_keys.contains(&r.key.as_deref())) {
        let mut body = record.to_json();
        let existing = current
            .and_then(|c| c.records.iter().find(|r| r.kind == "employment" && r.key == record.key))
            .map(crate::to_kit)
            .and_then(|r| r.get("employment_id").map(str::to_owned));
        any_new |= existing.is_none();
        if let (Some(id), Value::Object(map)) = (existing, &mut body) {
            map.insert("employment_id".into(), Value::String(id));
        }
        employments.push(body);
    }
    if !employments.is_empty() {
        let starts: Vec<&str> = records
            .iter()
            .filter(|r| r.kind == "employment" && changed_keys.contains(&r.key.as_deref()))
            .filter_map(|r| r.key.as_deref())
            .collect();
        ops.push(PlannedOperation {
            kind: if any_new { OperationKind::Create } else { OperationKind::Update },
            record_kind: "employment".into(),
            description: format!("upsert employment(s) starting {} for employee {emp_id}", starts.join(", ")),
            request: post(format!("/employment/v2/{emp_id}"), &Value::Array(employments)),
            sensitive_paths: Vec::new(),
            created_id: None,
        });
    }
    Ok(ops)
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_kit::fields::Record;

    fn employee_record(fields: &[(&str, &str)]) -> TargetRecord {
        let mut r = Record::new("employee", None);
        for (name, value) in fields {
            r.set(name, *value);
        }
        crate::from_kit(r)
    }

    #[test]
    fn an_update_without_an_account_in_hr_carries_the_account_the_target_holds() {
        let desired = MappedEmployee {
            hr_id: "hr-1".into(),
            employee_number: Some("101".into()),
            national_id: None,
            records: vec![employee_record(&[("empId", "101"), ("firstname", "Kari")])],
        };
        let current = TargetEmployee {
            target_id: "101".into(),
            employee_number: Some("101".into()),
            national_id: None,
            first_name: None,
            last_name: None,
            birth_date: None,
            records: vec![employee_record(&[
                ("empId", "101"),
                ("firstname", "Kari Anne"),
                ("account", "86011117947"),
                ("bic", "DNBANOKK"),
                ("clearingno", ""),
            ])],
        };
        let changes = diff(&desired.records, Some(&current));
        assert_eq!(changes.len(), 1, "only the first name differs: {changes:?}");
        let ops = plan(&desired, Some(&current), &changes).unwrap_or_else(|e| panic!("{}", e.message));
        let body: Value = serde_json::from_str(ops[0].request.body.as_deref().unwrap_or("{}")).unwrap_or_default();
        assert_eq!(body["account"], "86011117947");
        assert_eq!(body["bic"], "DNBANOKK");
        assert_eq!(body["firstname"], "Kari");
        assert!(ops[0].sensitive_paths.contains(&"account".to_owned()), "the journal masks the copied account");
        assert!(ops[0].description.contains("bank account kept"), "{}", ops[0].description);
    }
}
