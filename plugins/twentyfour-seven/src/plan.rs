//! Diff and plan for 24SevenOffice.
//!
//! A new employee is `POST /employee/v2` followed by one
//! `POST /employment/v2/{empId}` carrying all its employments. A known
//! employee whose own fields changed gets `POST /employee/v2/{empId}` with
//! every integration field (the integration owns them); changed
//! employments are upserted, reusing the target's `employment_id`. Which
//! target employment an HR employment is comes from [`align`]: the record
//! links of earlier runs first, so a start date corrected in HR moves the
//! same employment.
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

/// The kind of record a link pairs: an HR employment with the target's
/// `employment_id`.
const EMPLOYMENT: &str = "employment";

/// Pair the target's employments with the desired ones before the diff,
/// and re-key each held employment to the key (HR employment id) of the
/// one it pairs with, so the diff and the upsert act on the same
/// arbeidsforhold even after HR corrected its start date. In order:
///
/// 1. the record links of earlier runs (HR employment id → the target's
///    `employment_id`);
/// 2. the same start date;
/// 3. one correction: exactly one desired employment left and exactly one
///    target employment left that no link claims (an employee synced
///    before links were kept).
///
/// Anything less clear-cut is not guessed at: an unpaired desired
/// employment is new. The links answered are every pair whose target
/// employment has an `employment_id`.
pub fn align(desired: &MappedEmployee, current: Option<&TargetEmployee>, links: &[RecordLink]) -> crate::Aligned {
    let Some(current) = current else {
        return crate::Aligned { desired: None, current: None, links: Vec::new() };
    };
    let wanted: Vec<connector_kit::fields::Record> =
        desired.records.iter().filter(|r| r.kind == EMPLOYMENT).map(crate::to_kit).collect();
    let held: Vec<(usize, connector_kit::fields::Record)> = current
        .records
        .iter()
        .enumerate()
        .filter(|(_, r)| r.kind == EMPLOYMENT)
        .map(|(at, r)| (at, crate::to_kit(r)))
        .collect();
    fn id_of(h: &connector_kit::fields::Record) -> Option<&str> {
        h.get("employment_id").filter(|id| !id.is_empty())
    }
    // pairs[d] = index into `held` of the employment desired `d` pairs with.
    let mut pairs: Vec<Option<usize>> = vec![None; wanted.len()];
    let mut taken = vec![false; held.len()];
    for (d, want) in wanted.iter().enumerate() {
        let linked = links.iter().find(|l| l.kind == EMPLOYMENT && Some(l.hr_key.as_str()) == want.key.as_deref());
        let found = linked
            .and_then(|l| held.iter().position(|(_, h)| id_of(h) == Some(l.target_key.as_str())))
            .filter(|&h| !taken[h]);
        if let Some(h) = found {
            pairs[d] = Some(h);
            taken[h] = true;
        }
    }
    for (d, want) in wanted.iter().enumerate() {
        if pairs[d].is_some() {
            continue;
        }
        let start = want.get("startdate");
        if let Some(h) = (0..held.len()).find(|&h| !taken[h] && held[h].1.get("startdate") == start) {
            pairs[d] = Some(h);
            taken[h] = true;
        }
    }
    let claimed = |h: &connector_kit::fields::Record| {
        id_of(h).is_some_and(|id| links.iter().any(|l| l.kind == EMPLOYMENT && l.target_key == id))
    };
    let left: Vec<usize> = (0..wanted.len()).filter(|&d| pairs[d].is_none()).collect();
    let free: Vec<usize> = (0..held.len()).filter(|&h| !taken[h] && !claimed(&held[h].1)).collect();
    if let ([d], [h]) = (left.as_slice(), free.as_slice())
        && id_of(&held[*h].1).is_some()
    {
        pairs[*d] = Some(*h);
        taken[*h] = true;
    }
    let mut rekeyed = current.clone();
    let mut out = Vec::new();
    for (d, want) in wanted.iter().enumerate() {
        let Some(h) = pairs[d] else { continue };
        let (at, record) = &held[h];
        rekeyed.records[*at].key = want.key.clone();
        if let (Some(hr_key), Some(id)) = (&want.key, id_of(record)) {
            out.push(RecordLink { kind: EMPLOYMENT.into(), hr_key: hr_key.clone(), target_key: id.to_owned() });
        }
    }
    // A held employment paired with nothing keeps a key no desired one
    // has, so the diff cannot take it for one.
    for (h, (at, record)) in held.iter().enumerate().filter(|(h, _)| !taken[*h]) {
        rekeyed.records[*at].key = Some(format!("24so:{}", id_of(record).map_or_else(|| h.to_string(), str::to_owned)));
    }
    crate::Aligned { desired: None, current: Some(rekeyed), links: out }
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
        changes.iter().filter(|c| c.record_kind == EMPLOYMENT).map(|c| c.record_key.as_deref()).collect();
    // `current` comes re-keyed by `align`: a held employment has the key of
    // the desired one it is.
    let held: Vec<connector_kit::fields::Record> = current
        .map(|c| c.records.iter().filter(|r| r.kind == EMPLOYMENT).map(crate::to_kit).collect())
        .unwrap_or_default();
    let mut employments = Vec::new();
    let mut starts = Vec::new();
    let mut any_new = false;
    let mut notes = Vec::new();
    for record in records.iter().filter(|r| r.kind == EMPLOYMENT && changed_keys.contains(&r.key.as_deref())) {
        let mut body = record.to_json();
        let start = record.get("startdate").unwrap_or_default();
        starts.push(start);
        let same = held.iter().find(|h| h.key == record.key);
        let existing = same.and_then(|h| h.get("employment_id")).filter(|id| !id.is_empty());
        if let Some(old_start) = same.and_then(|h| h.get("startdate")).filter(|s| *s != start) {
            notes.push(format!(" (the one starting {old_start} moved: start date corrected in HR)"));
        }
        any_new |= existing.is_none();
        if let (Some(id), Value::Object(map)) = (existing, &mut body) {
            map.insert("employment_id".into(), Value::String(id.to_owned()));
        }
        employments.push(body);
    }
    if !employments.is_empty() {
        ops.push(PlannedOperation {
            kind: if any_new { OperationKind::Create } else { OperationKind::Update },
            record_kind: EMPLOYMENT.into(),
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

    /// An employment keyed `key` (the HR employment id when desired, the
    /// start date when read from the target) starting `start`.
    fn employment(key: &str, start: &str, fields: &[(&str, &str)]) -> TargetRecord {
        let mut r = Record::new("employment", Some(key.into()));
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

    fn desired_with(employments: Vec<TargetRecord>) -> MappedEmployee {
        let mut records = vec![employee_record(&[("empId", "101")])];
        records.extend(employments);
        MappedEmployee { hr_id: "hr-1".into(), employee_number: Some("101".into()), national_id: None, records }
    }

    fn link(hr_key: &str, target_key: &str) -> RecordLink {
        RecordLink { kind: "employment".into(), hr_key: hr_key.into(), target_key: target_key.into() }
    }

    /// Links as (kind, HR key, target key), comparable.
    fn seen(links: &[RecordLink]) -> Vec<(String, String, String)> {
        links.iter().map(|l| (l.kind.clone(), l.hr_key.clone(), l.target_key.clone())).collect()
    }

    /// Align, diff and plan as the kit's `reconcile` does: the upsert's
    /// body and description (none when nothing differs) and the links.
    fn reconcile(
        desired: &MappedEmployee,
        current: &TargetEmployee,
        links: &[RecordLink],
    ) -> (Option<(Value, String)>, Vec<RecordLink>) {
        let aligned = align(desired, Some(current), links);
        let current = aligned.current.as_ref().unwrap_or(current);
        let changes = diff(&desired.records, Some(current));
        let ops = plan(desired, Some(current), &changes).unwrap_or_else(|e| panic!("{}", e.message));
        let upsert = ops.iter().find(|o| o.record_kind == "employment").map(|op| {
            (
                serde_json::from_str(op.request.body.as_deref().unwrap_or("[]")).unwrap_or_default(),
                op.description.clone(),
            )
        });
        (upsert, aligned.links)
    }

    #[test]
    fn a_corrected_start_date_moves_the_same_employment_instead_of_opening_a_second() {
        let desired = desired_with(vec![employment("e1", "2020-02-01", &[("employment_rate", "100")])]);
        let current = employee_with(vec![
            employee_record(&[("empId", "101")]),
            employment("2020-01-01", "2020-01-01", &[("employment_rate", "100"), ("employment_id", "101-1")]),
        ]);
        let (upsert, links) = reconcile(&desired, &current, &[]);
        let (body, description) = upsert.expect("an upsert");
        assert_eq!(body[0]["employment_id"], "101-1", "the target's employment is updated in place");
        assert_eq!(body[0]["startdate"], "2020-02-01");
        assert!(description.contains("start date corrected"), "{description}");
        assert_eq!(seen(&links), seen(&[link("e1", "101-1")]), "the pairing is kept for the next run");
    }

    #[test]
    fn a_linked_employment_keeps_its_identity_through_two_corrections_at_once() {
        let desired = desired_with(vec![employment("e1", "2021-01-01", &[]), employment("e2", "2022-01-01", &[])]);
        let current = employee_with(vec![
            employee_record(&[("empId", "101")]),
            employment("2020-06-01", "2020-06-01", &[("employment_id", "101-2")]),
            employment("2020-01-01", "2020-01-01", &[("employment_id", "101-1")]),
        ]);
        let known = [link("e1", "101-1"), link("e2", "101-2")];
        let (upsert, links) = reconcile(&desired, &current, &known);
        let (body, _) = upsert.expect("an upsert");
        let ids: Vec<(&str, &str)> = body
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| (e["startdate"].as_str().unwrap_or(""), e["employment_id"].as_str().unwrap_or("")))
            .collect();
        assert_eq!(ids, [("2021-01-01", "101-1"), ("2022-01-01", "101-2")]);
        assert_eq!(seen(&links), seen(&known));
    }

    #[test]
    fn an_employment_in_sync_gives_its_link_and_plans_nothing() {
        let desired = desired_with(vec![employment("e1", "2020-01-01", &[("employment_rate", "100.00")])]);
        let current = employee_with(vec![
            employee_record(&[("empId", "101")]),
            employment("2020-01-01", "2020-01-01", &[("employment_rate", "100.00"), ("employment_id", "101-1")]),
        ]);
        let (upsert, links) = reconcile(&desired, &current, &[]);
        assert!(upsert.is_none());
        assert_eq!(seen(&links), seen(&[link("e1", "101-1")]));
    }

    #[test]
    fn a_new_employment_beside_a_kept_one_is_created_and_two_unlinked_corrections_are_not_guessed() {
        let kept = || employment("2015-01-01", "2015-01-01", &[("employment_id", "101-1")]);
        let desired = desired_with(vec![employment("e1", "2015-01-01", &[]), employment("e2", "2020-02-01", &[])]);
        let current = employee_with(vec![employee_record(&[("empId", "101")]), kept()]);
        let (upsert, _) = reconcile(&desired, &current, &[]);
        let (body, _) = upsert.expect("an upsert");
        assert!(body[0].get("employment_id").is_none(), "a new employment gets a new id: {body}");

        let desired = desired_with(vec![employment("e1", "2021-01-01", &[]), employment("e2", "2022-01-01", &[])]);
        let current = employee_with(vec![
            employee_record(&[("empId", "101")]),
            employment("2020-01-01", "2020-01-01", &[("employment_id", "101-1")]),
            employment("2020-06-01", "2020-06-01", &[("employment_id", "101-2")]),
        ]);
        let (upsert, links) = reconcile(&desired, &current, &[]);
        let (body, _) = upsert.expect("an upsert");
        assert!(body.as_array().is_some_and(|a| a.iter().all(|e| e.get("employment_id").is_none())), "{body}");
        assert!(links.is_empty());
    }

    #[test]
    fn a_target_employment_linked_to_another_hr_employment_is_not_taken_for_a_new_one() {
        // HR dropped e1 and has a new e2: 101-1 is e1's, so e2 is created.
        let desired = desired_with(vec![employment("e2", "2024-01-01", &[])]);
        let current = employee_with(vec![
            employee_record(&[("empId", "101")]),
            employment("2020-01-01", "2020-01-01", &[("employment_id", "101-1")]),
        ]);
        let (upsert, links) = reconcile(&desired, &current, &[link("e1", "101-1")]);
        let (body, _) = upsert.expect("an upsert");
        assert!(body[0].get("employment_id").is_none(), "{body}");
        assert!(links.is_empty());
    }
}
