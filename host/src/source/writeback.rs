//! Writing back to AlexisHR: HR fields (the canonical names of the
//! contract's `hr-update`) turned into the API's update requests, built
//! here by the host, never by a connector:
//!
//! | HR field | AlexisHR |
//! |---|---|
//! | `firstName`, `lastName`, `workEmail`, `privateEmail`, `workPhone`, `privatePhone`, `ssn`, `nationality` | `PATCH /employee/{id}` (`UpdateEmployeeRequest`) |
//! | `homeAddress.street`, `.postalCode`, `.city`, `.country` | the same, `homeAddress` (merged key by key) |
//! | `bankAccount.clearing`, `.number`, `.iban`, `.bic` | the same, `bankAccount` |
//! | `active` (`true`/`false`) | the same, `active` |
//! | `employment.startDate`, `employment.endDate` | `PATCH /employment/{id}` of the employment in force (`UpdateEmploymentRequest`), dates as the instant of local midnight |
//!
//! AlexisHR has no field for a c/o line (`homeAddress.co`) or weekly hours
//! (`employment.weeklyHours`): those are reported as not writable, never
//! sent. A value the update clears is sent as `null`.

use crate::model::hr::Employee;
use anyhow::{Context as _, bail};
use serde_json::{Map, Value};

/// Employee fields written with `PATCH /employee/{id}`, by HR name.
const EMPLOYEE_FIELDS: &[&str] = &[
    "firstName",
    "lastName",
    "workEmail",
    "privateEmail",
    "workPhone",
    "privatePhone",
    "ssn",
    "nationality",
    "homeAddress.street",
    "homeAddress.postalCode",
    "homeAddress.city",
    "homeAddress.country",
    "bankAccount.clearing",
    "bankAccount.number",
    "bankAccount.iban",
    "bankAccount.bic",
    "active",
];

/// Employment fields written with `PATCH /employment/{id}`.
const EMPLOYMENT_FIELDS: &[&str] = &["employment.startDate", "employment.endDate"];

/// HR fields an import may name that AlexisHR cannot hold.
pub const NOT_WRITABLE: &[&str] = &["homeAddress.co", "employment.weeklyHours"];

/// Whether `field` is an HR field the import direction knows (writable or
/// not): anything else a connector names is refused.
pub fn is_known_field(field: &str) -> bool {
    EMPLOYEE_FIELDS.contains(&field) || EMPLOYMENT_FIELDS.contains(&field) || NOT_WRITABLE.contains(&field)
}

/// Whether AlexisHR can hold `field`.
pub fn is_writable(field: &str) -> bool {
    EMPLOYEE_FIELDS.contains(&field) || EMPLOYMENT_FIELDS.contains(&field)
}

/// The value HR holds for `field` now ("" when none).
pub fn current_value(e: &Employee, field: &str) -> String {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let address = |pick: fn(&crate::model::hr::Address) -> &Option<String>| {
        e.home_address.as_ref().map(|a| text(pick(a))).unwrap_or_default()
    };
    let bank = |pick: fn(&crate::model::hr::BankAccount) -> &Option<String>| {
        e.bank_account.as_ref().map(|b| text(pick(b))).unwrap_or_default()
    };
    let employment = crate::model::hr::current_employment(e);
    match field {
        "firstName" => text(&e.first_name),
        "lastName" => text(&e.last_name),
        "workEmail" => text(&e.work_email),
        "privateEmail" => text(&e.private_email),
        "workPhone" => text(&e.work_phone),
        "privatePhone" => text(&e.private_phone),
        "ssn" => text(&e.ssn),
        "nationality" => text(&e.nationality),
        "homeAddress.street" => address(|a| &a.street),
        "homeAddress.co" => address(|a| &a.co),
        "homeAddress.postalCode" => address(|a| &a.postal_code),
        "homeAddress.city" => address(|a| &a.city),
        "homeAddress.country" => address(|a| &a.country),
        "bankAccount.clearing" => bank(|b| &b.clearing),
        "bankAccount.number" => bank(|b| &b.number),
        "bankAccount.iban" => bank(|b| &b.iban),
        "bankAccount.bic" => bank(|b| &b.bic),
        "active" => e.active.to_string(),
        "employment.startDate" => employment.and_then(|m| m.start_date.clone()).unwrap_or_default(),
        "employment.endDate" => employment.and_then(|m| m.end_date.clone()).unwrap_or_default(),
        "employment.weeklyHours" => employment.and_then(|m| m.weekly_hours.clone()).unwrap_or_default(),
        _ => String::new(),
    }
}

/// One update request to AlexisHR.
#[derive(Debug, Clone, PartialEq)]
pub struct HrWrite {
    /// Path under the API root: `/employee/{id}` or `/employment/{id}`.
    pub path: String,
    /// The JSON body.
    pub body: Value,
    /// The HR fields it writes.
    pub fields: Vec<String>,
}

/// Put `value` at the dotted path `name` of `body`.
fn insert(body: &mut Map<String, Value>, name: &str, value: Value) {
    match name.split_once('.') {
        None => {
            body.insert(name.to_owned(), value);
        }
        Some((head, rest)) => {
            let child = body.entry(head.to_owned()).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(map) = child {
                insert(map, rest, value);
            }
        }
    }
}

/// A date as the instant of its local midnight, as AlexisHR keeps dates.
fn instant_of(date: &str, tz: &jiff::tz::TimeZone) -> anyhow::Result<String> {
    let day: jiff::civil::Date = date.parse().with_context(|| format!("{date:?} is not a date (YYYY-MM-DD)"))?;
    let zoned = day.to_zoned(tz.clone()).with_context(|| format!("{date} has no midnight in the time zone"))?;
    Ok(zoned.timestamp().strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

/// The requests that give `employee` the `changes` (HR field, new value)
/// in AlexisHR. Fields AlexisHR cannot hold must be filtered out first.
pub fn writes_for(
    employee: &Employee,
    changes: &[(String, String)],
    tz: &jiff::tz::TimeZone,
) -> anyhow::Result<Vec<HrWrite>> {
    let mut person = Map::new();
    let mut person_fields = Vec::new();
    let mut job = Map::new();
    let mut job_fields = Vec::new();
    for (field, value) in changes {
        if EMPLOYEE_FIELDS.contains(&field.as_str()) {
            let json = match (field.as_str(), value.as_str()) {
                ("active", "true") => Value::Bool(true),
                ("active", "false") => Value::Bool(false),
                ("active", other) => bail!("active must be true or false, not {other:?}"),
                (_, "") => Value::Null,
                (_, v) => Value::String(v.to_owned()),
            };
            insert(&mut person, field, json);
            person_fields.push(field.clone());
        } else if EMPLOYMENT_FIELDS.contains(&field.as_str()) {
            let member = field.trim_start_matches("employment.");
            let json = if value.is_empty() { Value::Null } else { Value::String(instant_of(value, tz)?) };
            job.insert(member.to_owned(), json);
            job_fields.push(field.clone());
        } else {
            bail!("AlexisHR has no field for {field}");
        }
    }
    let mut writes = Vec::new();
    if !person.is_empty() {
        writes.push(HrWrite {
            path: format!("/employee/{}", employee.id),
            body: Value::Object(person),
            fields: person_fields,
        });
    }
    if !job.is_empty() {
        let Some(employment) = crate::model::hr::current_employment(employee) else {
            bail!("the employee has no employment in HR to hold {}", job_fields.join(", "));
        };
        writes.push(HrWrite {
            path: format!("/employment/{}", employment.id),
            body: Value::Object(job),
            fields: job_fields,
        });
    }
    Ok(writes)
}

/// Whether the record AlexisHR answered holds `value` for `field` (the
/// check after a write): dates compared as local dates, `active` as a
/// boolean, the rest as text (null as "").
pub fn holds(record: &Value, field: &str, value: &str, tz: &jiff::tz::TimeZone) -> bool {
    let path = field.strip_prefix("employment.").unwrap_or(field);
    let found = path.split('.').try_fold(record, |v, key| v.get(key));
    let text = match found {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    if field.starts_with("employment.") && !text.is_empty() {
        return crate::source::snapshot::to_date(&text, tz).is_ok_and(|d| d == value);
    }
    text == value
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::hr::{Address, Employment};

    fn oslo() -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get("Europe/Oslo").expect("tz")
    }

    fn employee() -> Employee {
        Employee {
            id: "e1".into(),
            home_address: Some(Address { street: Some("Gata 1".into()), ..Address::default() }),
            employments: vec![Employment { id: "m1".into(), active: true, ..Employment::default() }],
            ..Employee::default()
        }
    }

    #[test]
    fn employee_fields_go_in_one_patch_nested_and_employment_dates_in_another() {
        let changes = [
            ("privatePhone".to_owned(), "+46 70 1".to_owned()),
            ("homeAddress.city".to_owned(), "Umeå".to_owned()),
            ("bankAccount.number".to_owned(), "".to_owned()),
            ("active".to_owned(), "false".to_owned()),
            ("employment.endDate".to_owned(), "2027-01-31".to_owned()),
        ];
        let writes = writes_for(&employee(), &changes, &oslo()).expect("planned");
        assert_eq!(writes[0].path, "/employee/e1");
        assert_eq!(
            writes[0].body,
            serde_json::json!({"privatePhone": "+46 70 1", "homeAddress": {"city": "Umeå"}, "bankAccount": {"number": null}, "active": false})
        );
        assert_eq!(writes[1].path, "/employment/m1");
        assert_eq!(writes[1].body, serde_json::json!({"endDate": "2027-01-30T23:00:00.000Z"}), "local midnight");
        assert!(holds(
            &serde_json::json!({"endDate": "2027-01-30T23:00:00.000Z"}),
            "employment.endDate",
            "2027-01-31",
            &oslo()
        ));
        assert!(holds(&serde_json::json!({"active": false}), "active", "false", &oslo()));
    }

    #[test]
    fn a_field_alexishr_cannot_hold_is_refused_and_known_as_not_writable() {
        assert!(writes_for(&employee(), &[("homeAddress.co".into(), "c/o X".into())], &oslo()).is_err());
        assert!(is_known_field("homeAddress.co") && !is_writable("homeAddress.co"));
        assert!(!is_known_field("custom.salaryBonus"));
    }
}
