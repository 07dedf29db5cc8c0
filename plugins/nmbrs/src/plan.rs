//! Diff and plan for Nmbrs.
//!
//! A new employee is one `POST /companies/{companyId}/employees` with its
//! personal info and in-service date; Nmbrs answers the new `employeeId`,
//! which the host links at once (`created-id`). The host then re-reads,
//! finds the new employee by that link, diffs again
//! and asks for a second plan: that one writes the address, bank account
//! and salary under the id. A known employee gets only the writes for the
//! records that differ: an IBAN change sends the bank account and nothing
//! else. The in-service date is sent on create only (the REST API offers
//! no update of it), so it is not compared for existing employees.
//!
//! Bodies follow the vendor's OpenAPI file
//! (`shared/data/nmbrs/nmbrs-openapi.yaml`): `CreateEmployee` (keys
//! `PersonalInfo` and `AdditionalEmployeeInfo`, `basicInfo.employeeType`
//! required: the `employee_type` setting, `payroll` by default),
//! `UpdatePersonalInfo` (no `employeeType`; dates as date-times),
//! `CreateAddress`, `CreateBankAccount` / `UpdateBankAccount` (no BIC; no
//! `bankAccountType` on the update), `CreateSalary` (`startDate` a
//! date-time). A value HR does not hold is left out, never sent as an
//! empty string; one HR cleared is sent as `null` so Nmbrs clears it too.
//! Personal info and addresses carry the period (year, month) of today.

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
    let current: Vec<_> = current
        .map(|c| {
            c.records
                .iter()
                .map(crate::to_kit)
                .map(|r| if r.kind == "personalInfo" { joined_last_name(&r) } else { r })
                .collect()
        })
        .unwrap_or_default();
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

/// The employee types `basicInfo.employeeType` takes (`EmployeeType`).
pub const EMPLOYEE_TYPES: &[&str] =
    &["applicant", "newHire", "payroll", "formerPayroll", "external", "formerExternal", "rejectedApplicant"];

/// The period a write takes effect in: today's year and month.
fn period(ctx: &Context) -> Value {
    let part = |range: std::ops::Range<usize>| ctx.today.get(range).and_then(|p| p.parse::<i64>().ok()).unwrap_or(0);
    json!({ "year": part(0..4), "period": part(5..7) })
}

/// A date as the date-time the update and salary schemas take.
fn date_time(date: &str) -> String {
    format!("{date}T00:00:00Z")
}

/// The members of `section` (e.g. `contactInfo`) of `desired` as a JSON
/// object: values HR holds as they are (through `convert`); a value HR
/// does not hold is left out, or `null` when `current` holds one (so
/// Nmbrs clears it).
fn section(
    desired: &Record,
    current: Option<&Record>,
    section: &str,
    convert: impl Fn(&str, &str) -> Value,
) -> Map<String, Value> {
    let prefix = format!("{section}.");
    let mut out = Map::new();
    for field in &desired.fields {
        let Some(member) = field.name.strip_prefix(&prefix) else { continue };
        let held = current.and_then(|c| c.get(&field.name)).is_some_and(|v| !v.is_empty());
        if !field.value.is_empty() {
            out.insert(member.to_owned(), convert(member, &field.value));
        } else if held {
            out.insert(member.to_owned(), Value::Null);
        }
    }
    out
}

/// The employee number as the integer Nmbrs keeps.
fn number_value(_: &str, value: &str) -> Value {
    value.parse::<u64>().map(Value::from).unwrap_or_else(|_| Value::String(value.to_owned()))
}

/// `basicInfo` of a write: the number as an integer; the last name
/// without the surname prefix Nmbrs already holds (`de` of `de Vries`),
/// so the prefix is kept and not doubled.
fn basic_info(desired: &Record, current: Option<&Record>) -> Map<String, Value> {
    let mut basic = section(desired, current, "basicInfo", |member, value| match member {
        "employeeNumber" => number_value(member, value),
        _ => Value::String(value.to_owned()),
    });
    let prefix = current.and_then(|c| c.get("basicInfo.prefix")).map(str::trim).filter(|p| !p.is_empty());
    if let (Some(prefix), Some(Value::String(last))) = (prefix, basic.get("lastName")) {
        match strip_prefix(last, prefix) {
            Some(rest) => basic.insert("lastName".into(), Value::String(rest.to_owned())),
            // HR's last name no longer starts with it: the prefix goes.
            None => basic.insert("prefix".into(), Value::Null),
        };
    }
    basic
}

/// `last` without the surname prefix `prefix` and its space, ignoring case.
fn strip_prefix<'a>(last: &'a str, prefix: &str) -> Option<&'a str> {
    let head = last.get(..prefix.len())?;
    let rest = last.get(prefix.len()..)?.strip_prefix(' ')?;
    (head.eq_ignore_ascii_case(prefix) && !rest.trim().is_empty()).then_some(rest.trim_start())
}

/// The current personal info as compared: a last name held as prefix plus
/// last name reads as HR writes it ("de" + "Vries" is "de Vries").
fn joined_last_name(current: &Record) -> Record {
    let mut joined = current.clone();
    let prefix = current.get("basicInfo.prefix").map(str::trim).unwrap_or("");
    if !prefix.is_empty()
        && let Some(last) = joined.fields.iter_mut().find(|f| f.name == "basicInfo.lastName")
    {
        last.value = format!("{prefix} {}", last.value);
    }
    joined
}

/// Members of `record` HR holds (non-empty), as JSON strings.
fn held(record: &Record, names: &[&str]) -> Map<String, Value> {
    names
        .iter()
        .filter_map(|n| record.get(n).filter(|v| !v.is_empty()).map(|v| ((*n).to_owned(), Value::String(v.to_owned()))))
        .collect()
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
        let employee_type = setting(ctx, "employee_type").unwrap_or("payroll");
        if !EMPLOYEE_TYPES.contains(&employee_type) {
            return Err(error(format!(
                "setting employee_type is {employee_type:?}; Nmbrs takes one of {}",
                EMPLOYEE_TYPES.join(", ")
            )));
        }
        let personal = find("personalInfo").ok_or_else(|| error("no personal info mapped".into()))?;
        let mut basic = basic_info(personal, None);
        basic.insert("employeeType".into(), Value::String(employee_type.to_owned()));
        let mut info = Map::new();
        info.insert("basicInfo".into(), Value::Object(basic));
        for name in ["birthInfo", "contactInfo"] {
            let members = section(personal, None, name, |_, v| Value::String(v.to_owned()));
            if !members.is_empty() {
                info.insert(name.into(), Value::Object(members));
            }
        }
        info.insert("period".into(), period(ctx));
        let mut body = Map::new();
        body.insert("PersonalInfo".into(), Value::Object(info));
        if let Some(date) = find("hire").and_then(|h| h.get("inServiceDate")).filter(|d| !d.is_empty()) {
            body.insert("AdditionalEmployeeInfo".into(), json!({ "inServiceDate": date }));
        }
        return Ok(vec![PlannedOperation {
            kind: OperationKind::Create,
            record_kind: "personalInfo".into(),
            description: format!(
                "create employee {number} (address, bank account and salary follow once Nmbrs gives its id)"
            ),
            request: write(HttpMethod::Post, format!("/companies/{company}/employees"), &Value::Object(body)),
            sensitive_paths: Vec::new(),
            // `CreateEmployeeResponse`: the new employee's id.
            created_id: Some("employeeId".into()),
        }]);
    };
    let id = &current.target_id;
    let changed = |kind: &str| changes.iter().any(|c| c.record_kind == kind);
    let current_of = |kind: &str| current.records.iter().find(|r| r.kind == kind).map(crate::to_kit);
    let mut ops = Vec::new();
    if let Some(personal) = find("personalInfo").filter(|_| changed("personalInfo")) {
        let now = current_of("personalInfo");
        let mut body = Map::new();
        body.insert("basicInfo".into(), Value::Object(basic_info(personal, now.as_ref())));
        let birth = section(personal, now.as_ref(), "birthInfo", |member, v| match member {
            "birthDate" => Value::String(date_time(v)),
            _ => Value::String(v.to_owned()),
        });
        body.insert("birthInfo".into(), Value::Object(birth));
        let contact = section(personal, now.as_ref(), "contactInfo", |_, v| Value::String(v.to_owned()));
        body.insert("contactInfo".into(), Value::Object(contact));
        body.insert("period".into(), period(ctx));
        ops.push(PlannedOperation {
            kind: OperationKind::Update,
            record_kind: "personalInfo".into(),
            description: format!("update personal info of employee {number}"),
            request: write(HttpMethod::Put, format!("/employees/{id}/personalInfo"), &Value::Object(body)),
            sensitive_paths: Vec::new(),
            created_id: None,
        });
    }
    if let Some(address) = find("address").filter(|_| changed("address")) {
        let mut body = held(address, &["street", "houseNumber", "postalCode", "city", "countryISOCode"]);
        body.insert("isDefault".into(), Value::Bool(true));
        body.insert("type".into(), Value::String("homeAddress".into()));
        body.insert("period".into(), period(ctx));
        ops.push(PlannedOperation {
            kind: OperationKind::Update,
            record_kind: "address".into(),
            description: format!("set the home address of employee {number} from this period"),
            request: write(HttpMethod::Post, format!("/employees/{id}/address"), &Value::Object(body)),
            sensitive_paths: Vec::new(),
            created_id: None,
        });
    }
    if let Some(bank) = find("bankAccount").filter(|_| changed("bankAccount")) {
        let mut body = held(bank, &["number", "IBAN"]);
        let existing = current_of("bankAccount").and_then(|r| r.get("bankAccountId").map(str::to_owned));
        let (method, kind, what) = match existing.filter(|b| !b.is_empty()) {
            Some(bank_id) => {
                body.insert("bankAccountId".into(), Value::String(bank_id));
                (HttpMethod::Put, OperationKind::Update, "update")
            }
            None => {
                body.insert("bankAccountType".into(), Value::String("standard".into()));
                (HttpMethod::Post, OperationKind::Create, "create")
            }
        };
        ops.push(PlannedOperation {
            kind,
            record_kind: "bankAccount".into(),
            description: format!("{what} the standard bank account of employee {number}"),
            request: write(method, format!("/employees/{id}/bankaccount"), &Value::Object(body)),
            sensitive_paths: bank.sensitive_paths(),
            created_id: None,
        });
    }
    if let Some(salary) = find("salary").filter(|_| changed("salary")) {
        let value = salary.get("value").and_then(|v| v.parse::<f64>().ok()).unwrap_or_default();
        let body = json!({
            "startDate": date_time(salary.get("startDate").unwrap_or("")),
            "type": salary.get("type").unwrap_or(""),
            "value": value,
        });
        ops.push(PlannedOperation {
            kind: OperationKind::Create,
            record_kind: "salary".into(),
            description: format!("add the salary of employee {number}"),
            request: write(HttpMethod::Post, format!("/employees/{id}/salary"), &body),
            sensitive_paths: vec!["value".into()],
            created_id: None,
        });
    }
    Ok(ops)
}

#[cfg(test)]
mod tests;
