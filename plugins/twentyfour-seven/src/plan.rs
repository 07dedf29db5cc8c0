//! Diff and plan for 24SevenOffice.
//!
//! A new employee is `POST /employee/v2` followed by one
//! `POST /employment/v2/{empId}` carrying all its employments. A known
//! employee whose own fields changed gets `POST /employee/v2/{empId}` with
//! every integration field (the integration owns them); changed
//! employments are upserted, reusing the target's `employment_id`; a
//! start date corrected in HR moves the same employment
//! ([`moved_employment`]).
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

/// A start-date correction: exactly one mapped employment whose start
/// date the target does not hold, and exactly one target employment whose
/// start date HR no longer has. They are the same arbeidsforhold, so the
/// upsert reuses the target's `employment_id` and the start date moves,
/// instead of a second employment being opened beside the old one.
/// Anything less clear-cut (two corrections at once) is not guessed at.
fn moved_employment<'a>(
    desired: &'a [connector_kit::fields::Record],
    held: &'a [connector_kit::fields::Record],
) -> Option<(Option<&'a str>, &'a connector_kit::fields::Record)> {
    let wanted: Vec<&connector_kit::fields::Record> = desired.iter().filter(|r| r.kind == "employment").collect();
    let new: Vec<_> = wanted.iter().filter(|d| !held.iter().any(|h| h.key == d.key)).collect();
    let gone: Vec<_> = held.iter().filter(|h| !wanted.iter().any(|d| d.key == h.key)).collect();
    match (new.as_slice(), gone.as_slice()) {
        ([new], [old]) if old.get("employment_id").is_some_and(|id| !id.is_empty()) => Some((new.key.as_deref(), *old)),
        _ => None,
    }
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
    let held: Vec<connector_kit::fields::Record> = current
        .map(|c| c.records.iter().filter(|r| r.kind == "employment").map(crate::to_kit).collect())
        .unwrap_or_default();
    let moved = moved_employment(&records, &held);
    let mut employments = Vec::new();
    let mut any_new = false;
    let mut notes = Vec::new();
    for record in records.iter().filter(|r| r.kind == "employment" && changed_keys.contains(&r.key.as_deref())) {
        let mut body = record.to_json();
        let same_start = held.iter().find(|r| r.key == record.key);
        let corrected = moved.as_ref().filter(|(new, _)| *new == record.key.as_deref()).map(|(_, old)| *old);
        if let Some(old) = corrected {
            notes.push(format!(
                " (the one starting {} moved: start date corrected in HR)",
                old.key.as_deref().unwrap_or("?")
            ));
        }
        let existing = same_start.or(corrected).and_then(|r| r.get("employment_id").map(str::to_owned));
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
            description: format!(
                "upsert employment(s) starting {} for employee {emp_id}{}",
                starts.join(", "),
                notes.concat()
            ),
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

    fn employment(start: &str, fields: &[(&str, &str)]) -> TargetRecord {
        let mut r = Record::new("employment", Some(start.into()));
        r.set("startdate", start);
        for (name, value) in fields {
            r.set(name, *value);
        }
        crate::from_kit(r)
    }

    fn employee_with(records: Vec<TargetRecord>) -> TargetEmployee {
        TargetEmployee {
            target_id: "101".into(),
            employee_number: Some("101".into()),
            national_id: None,
            first_name: None,
            last_name: None,
            birth_date: None,
            records,
        }
    }

    fn upsert_body(desired: &MappedEmployee, current: &TargetEmployee) -> (Value, String) {
        let changes = diff(&desired.records, Some(current));
        let ops = plan(desired, Some(current), &changes).unwrap_or_else(|e| panic!("{}", e.message));
        let op = ops.iter().find(|o| o.record_kind == "employment").expect("an employment upsert");
        (serde_json::from_str(op.request.body.as_deref().unwrap_or("[]")).unwrap_or_default(), op.description.clone())
    }

    #[test]
    fn a_corrected_start_date_moves_the_same_employment_instead_of_opening_a_second() {
        let desired = MappedEmployee {
            hr_id: "hr-1".into(),
            employee_number: Some("101".into()),
            national_id: None,
            records: vec![
                employee_record(&[("empId", "101")]),
                employment("2020-02-01", &[("employment_rate", "100")]),
            ],
        };
        let current = employee_with(vec![
            employee_record(&[("empId", "101")]),
            employment("2020-01-01", &[("employment_rate", "100"), ("employment_id", "101-1")]),
        ]);
        let (body, description) = upsert_body(&desired, &current);
        assert_eq!(body[0]["employment_id"], "101-1", "the target's employment is updated in place");
        assert_eq!(body[0]["startdate"], "2020-02-01");
        assert!(description.contains("start date corrected"), "{description}");
    }

    #[test]
    fn a_new_employment_beside_a_kept_one_is_created_and_two_corrections_at_once_are_not_guessed() {
        let kept = employment("2015-01-01", &[("employment_id", "101-1")]);
        let desired = MappedEmployee {
            hr_id: "hr-1".into(),
            employee_number: Some("101".into()),
            national_id: None,
            records: vec![employee_record(&[("empId", "101")]), kept.clone(), employment("2020-02-01", &[])],
        };
        let current = employee_with(vec![employee_record(&[("empId", "101")]), kept]);
        let (body, _) = upsert_body(&desired, &current);
        assert!(body[0].get("employment_id").is_none(), "a new employment gets a new id: {body}");

        let desired = MappedEmployee {
            records: vec![
                employee_record(&[("empId", "101")]),
                employment("2021-01-01", &[]),
                employment("2022-01-01", &[]),
            ],
            ..desired
        };
        let current = employee_with(vec![
            employee_record(&[("empId", "101")]),
            employment("2020-01-01", &[("employment_id", "101-1")]),
            employment("2020-06-01", &[("employment_id", "101-2")]),
        ]);
        let (body, _) = upsert_body(&desired, &current);
        assert!(body.as_array().is_some_and(|a| a.iter().all(|e| e.get("employment_id").is_none())), "{body}");
    }
}
