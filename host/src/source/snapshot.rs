//! The snapshot file: one JSON object whose keys are AlexisHR list
//! endpoints (`employee`, `employment`, `employment-type`, `compensation`,
//! `leave`, `leave-type`, `leave-transaction`, `child`, `office`,
//! `department`), each holding that endpoint's `data` array (or the whole
//! `{ "data": [...] }` envelope). The other endpoints of a full export
//! (`team`, `timesheet`...) are accepted and not used; any other key is
//! refused. A leave's extent, hours and child come from its
//! `leave-transaction` records.
//!
//! Dates arrive as date-times; they are turned into calendar dates in the
//! configured time zone, so `2019-12-31T23:00:00Z` is 1 January in Oslo.
//! Extra fields not in AlexisHR's API (`homeAddress.co`, `ssnCountry`)
//! are read when present.

use crate::model::hr::{
    Absence, AbsenceType, Address, BankAccount, Child, Compensation, Employee, Employment, EmploymentType,
};
use anyhow::{Context as _, bail};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// A parsed snapshot: employees with their related records attached, and
/// the office and department catalogues for scope.
#[derive(Debug, Clone, Default)]
pub struct HrSnapshot {
    /// Every employee, related records attached.
    pub employees: Vec<Employee>,
    /// Office id → name.
    pub offices: HashMap<String, String>,
    /// Department id → name.
    pub departments: HashMap<String, String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum List<T> {
    Envelope { data: Vec<T> },
    Plain(Vec<T>),
}

impl<T> Default for List<T> {
    fn default() -> Self {
        Self::Plain(Vec::new())
    }
}

impl<T> List<T> {
    fn into_vec(self) -> Vec<T> {
        match self {
            Self::Envelope { data } | Self::Plain(data) => data,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    employee: List<RawEmployee>,
    #[serde(default)]
    employment: List<RawEmployment>,
    #[serde(default, rename = "employment-type")]
    employment_type: List<RawNamed>,
    #[serde(default)]
    compensation: List<RawCompensation>,
    #[serde(default)]
    leave: List<RawLeave>,
    #[serde(default, rename = "leave-type")]
    leave_type: LeaveTypes,
    #[serde(default)]
    office: List<RawNamed>,
    #[serde(default)]
    department: List<RawNamed>,
    #[serde(default, rename = "leave-transaction")]
    leave_transaction: List<RawLeaveTransaction>,
    #[serde(default)]
    child: List<RawChild>,
    // The other AlexisHR list endpoints a full export holds: accepted, not
    // used (a key that is none of these is still refused: a typo). Never
    // read, hence the allows.
    #[serde(default)]
    #[allow(dead_code)]
    company: IgnoredAny,
    #[serde(default)]
    #[allow(dead_code)]
    team: IgnoredAny,
    #[serde(default, rename = "employee-team-reference")]
    #[allow(dead_code)]
    employee_team_reference: IgnoredAny,
    #[serde(default, rename = "cost-center")]
    #[allow(dead_code)]
    cost_center: IgnoredAny,
    #[serde(default)]
    #[allow(dead_code)]
    timesheet: IgnoredAny,
    #[serde(default, rename = "timesheet-entry")]
    #[allow(dead_code)]
    timesheet_entry: IgnoredAny,
    #[serde(default, rename = "timesheet-entry-type")]
    #[allow(dead_code)]
    timesheet_entry_type: IgnoredAny,
    #[serde(default, rename = "work-week")]
    #[allow(dead_code)]
    work_week: IgnoredAny,
}

/// The AlexisHR list endpoints a snapshot may hold, for error messages.
const KNOWN_KEYS: &str = "employee, employment, employment-type, compensation, leave, leave-type, leave-transaction, child, office, department; accepted and not used: company, team, employee-team-reference, cost-center, timesheet, timesheet-entry, timesheet-entry-type, work-week";

/// One day (or part) of a leave (AlexisHR `leave-transaction`): where the
/// extent, the hours and the child are.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLeaveTransaction {
    parent: Option<RawParent>,
    child_id: Option<String>,
    hours: Option<Value>,
    extent: Option<Value>,
}

#[derive(Deserialize)]
struct RawParent {
    id: String,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// AlexisHR `child`: one `name`, a `birthdate`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawChild {
    id: String,
    employee_id: String,
    name: Option<String>,
    birthdate: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEmployee {
    id: String,
    #[serde(default = "yes")]
    active: bool,
    employee_number: Option<String>,
    work_email: Option<String>,
    work_phone: Option<String>,
    private_email: Option<String>,
    private_phone: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    ssn: Option<String>,
    ssn_country: Option<String>,
    birth_date: Option<String>,
    nationality: Option<String>,
    office_id: Option<String>,
    department_id: Option<String>,
    bank_account: Option<RawBank>,
    home_address: Option<RawAddress>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBank {
    bank: Option<String>,
    clearing: Option<String>,
    number: Option<String>,
    iban: Option<String>,
    bic: Option<String>,
    country: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAddress {
    street: Option<String>,
    co: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
    country: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEmployment {
    id: String,
    employee_id: String,
    type_id: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    rate: Option<Value>,
    note: Option<String>,
    #[serde(default)]
    terminated: bool,
}

#[derive(Deserialize)]
struct RawNamed {
    id: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCompensation {
    id: String,
    employee_id: String,
    effective_date: Option<String>,
    payout_period: Option<String>,
    amount: Option<Value>,
    currency: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLeave {
    id: String,
    employee_id: String,
    type_id: Option<String>,
    status: Option<String>,
    start_date: String,
    end_date: Option<String>,
}

#[derive(Deserialize)]
struct RawLeaveType {
    id: String,
    name: String,
    kind: Option<String>,
}

/// The `leave-type` list. AlexisHR's envelope carries, when asked for
/// (`relations=leaveTypeCode`), the code the company gave each type.
#[derive(Deserialize)]
#[serde(untagged)]
enum LeaveTypes {
    Envelope {
        data: Vec<RawLeaveType>,
        #[serde(default)]
        relations: LeaveTypeRelations,
    },
    Plain(Vec<RawLeaveType>),
}

impl Default for LeaveTypes {
    fn default() -> Self {
        Self::Plain(Vec::new())
    }
}

#[derive(Deserialize, Default)]
struct LeaveTypeRelations {
    #[serde(default, rename = "leaveTypeCode")]
    leave_type_code: Vec<RawLeaveTypeCode>,
}

/// AlexisHR `LeaveTypeCodeResponse`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLeaveTypeCode {
    leave_type_id: String,
    code: String,
}

impl LeaveTypes {
    /// Every type with its code (the first the company gave it).
    fn into_types(self) -> Vec<AbsenceType> {
        let (data, codes) = match self {
            Self::Envelope { data, relations } => (data, relations.leave_type_code),
            Self::Plain(data) => (data, Vec::new()),
        };
        data.into_iter()
            .map(|t| {
                let code = codes.iter().find(|c| c.leave_type_id == t.id).map(|c| c.code.clone());
                AbsenceType { id: t.id, name: t.name, category: t.kind, code }
            })
            .collect()
    }
}

/// Read and parse a snapshot file.
pub fn load_snapshot(path: &Path, tz: &jiff::tz::TimeZone) -> anyhow::Result<HrSnapshot> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading the HR snapshot {}", path.display()))?;
    parse_snapshot(&text, tz).with_context(|| format!("in the HR snapshot {}", path.display()))
}

/// A calendar date from an AlexisHR date or date-time, in `tz`.
pub fn to_date(value: &str, tz: &jiff::tz::TimeZone) -> anyhow::Result<String> {
    let value = value.trim();
    if value.len() == 10 {
        let date: jiff::civil::Date = value.parse().with_context(|| format!("{value:?} is not a date (YYYY-MM-DD)"))?;
        return Ok(date.to_string());
    }
    let ts: jiff::Timestamp =
        value.parse().with_context(|| format!("{value:?} is neither a date nor an RFC 3339 date-time"))?;
    Ok(ts.to_zoned(tz.clone()).date().to_string())
}

fn opt_date(value: Option<String>, tz: &jiff::tz::TimeZone, what: &str) -> anyhow::Result<Option<String>> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => to_date(v, tz).map(Some).with_context(|| what.to_owned()),
    }
}

fn number_text(value: Option<Value>) -> Option<String> {
    match value? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    }
}

/// Give each leave the extent, hours and child its transactions agree on.
/// A leave whose days differ (graded sick leave that changes grade) gets
/// none of the differing value: one number would misstate some of its
/// days. Transactions of timesheet entries, and of leaves not in the
/// snapshot, are not used.
fn extents_from_transactions(employees: &mut [Employee], transactions: Vec<RawLeaveTransaction>) {
    /// What the transactions of one leave say: `None` before any, then
    /// `Some(value)` while they agree, `Some(None)` once they differ.
    #[derive(Default)]
    struct Agreed {
        extent: Option<Option<String>>,
        hours: Option<Option<String>>,
        child: Option<Option<String>>,
    }
    fn agree(seen: &mut Option<Option<String>>, value: Option<String>) {
        let Some(value) = value else { return };
        match seen {
            None => *seen = Some(Some(value)),
            Some(Some(held)) if *held != value => *seen = Some(None),
            _ => {}
        }
    }
    let mut by_leave: HashMap<String, Agreed> = HashMap::new();
    for t in transactions {
        let Some(parent) = t.parent.filter(|p| p.kind.as_deref().is_none_or(|k| k == "Leave")) else { continue };
        let agreed = by_leave.entry(parent.id).or_default();
        agree(&mut agreed.extent, number_text(t.extent));
        agree(&mut agreed.hours, number_text(t.hours).filter(|h| h.parse::<f64>().is_ok_and(|h| h > 0.0)));
        agree(&mut agreed.child, t.child_id.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()));
    }
    for absence in employees.iter_mut().flat_map(|e| e.absences.iter_mut()) {
        if let Some(agreed) = by_leave.remove(&absence.id) {
            absence.percent = agreed.extent.flatten();
            absence.hours = agreed.hours.flatten();
            absence.child_id = agreed.child.flatten();
        }
    }
}

/// Parse snapshot text.
pub fn parse_snapshot(text: &str, tz: &jiff::tz::TimeZone) -> anyhow::Result<HrSnapshot> {
    let file: File = serde_json::from_str(text).with_context(|| {
        format!("the snapshot must be a JSON object keyed by AlexisHR list endpoints ({KNOWN_KEYS})")
    })?;
    from_file(file, tz)
}

fn from_file(file: File, tz: &jiff::tz::TimeZone) -> anyhow::Result<HrSnapshot> {
    let types: HashMap<String, EmploymentType> = file
        .employment_type
        .into_vec()
        .into_iter()
        .map(|t| (t.id.clone(), EmploymentType { id: t.id, name: t.name }))
        .collect();
    let leave_types: HashMap<String, AbsenceType> =
        file.leave_type.into_types().into_iter().map(|t| (t.id.clone(), t)).collect();
    let mut employees = Vec::new();
    let mut index = HashMap::new();
    for raw in file.employee.into_vec() {
        let id = raw.id.clone();
        if index.insert(id.clone(), employees.len()).is_some() {
            bail!("employee id {id} appears twice");
        }
        let what = |field: &str| format!("employee {id}: {field}");
        employees.push(Employee {
            birth_date: opt_date(raw.birth_date, tz, &what("birthDate"))?,
            id: raw.id,
            employee_number: raw.employee_number.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
            first_name: raw.first_name,
            last_name: raw.last_name,
            work_email: raw.work_email,
            private_email: raw.private_email,
            work_phone: raw.work_phone,
            private_phone: raw.private_phone,
            ssn: raw.ssn.map(|s| s.chars().filter(|c| !c.is_whitespace()).collect()),
            ssn_country: raw.ssn_country,
            nationality: raw.nationality,
            home_address: raw.home_address.map(|a| Address {
                street: a.street,
                co: a.co,
                postal_code: a.postal_code,
                city: a.city,
                country: a.country,
            }),
            bank_account: raw.bank_account.map(|b| BankAccount {
                bank: b.bank,
                clearing: b.clearing,
                number: b.number,
                iban: b.iban,
                bic: b.bic,
                country: b.country,
            }),
            office_id: raw.office_id,
            department_id: raw.department_id,
            active: raw.active,
            employments: Vec::new(),
            compensations: Vec::new(),
            absences: Vec::new(),
            children: Vec::new(),
        });
    }
    let owner = |employee_id: &str, what: &str, id: &str| {
        index
            .get(employee_id)
            .copied()
            .with_context(|| format!("{what} {id} belongs to employee {employee_id}, who is not in the snapshot"))
    };
    for raw in file.employment.into_vec() {
        let at = owner(&raw.employee_id, "employment", &raw.id)?;
        let what = format!("employment {}", raw.id);
        let end_date = opt_date(raw.end_date, tz, &what)?;
        employees[at].employments.push(Employment {
            employment_type: raw.type_id.as_ref().and_then(|t| types.get(t).cloned()),
            start_date: opt_date(raw.start_date, tz, &what)?,
            active: !raw.terminated,
            end_date,
            rate: number_text(raw.rate),
            note: raw.note,
            weekly_hours: None,
            id: raw.id,
        });
    }
    for raw in file.compensation.into_vec() {
        let at = owner(&raw.employee_id, "compensation", &raw.id)?;
        let what = format!("compensation {}", raw.id);
        employees[at].compensations.push(Compensation {
            effective_date: opt_date(raw.effective_date, tz, &what)?,
            employment_id: None,
            payout_period: raw.payout_period,
            amount: number_text(raw.amount),
            currency: raw.currency,
            id: raw.id,
        });
    }
    for raw in file.leave.into_vec() {
        let at = owner(&raw.employee_id, "leave", &raw.id)?;
        let what = format!("leave {}", raw.id);
        employees[at].absences.push(Absence {
            absence_type: raw.type_id.as_ref().and_then(|t| leave_types.get(t).cloned()),
            start_date: to_date(&raw.start_date, tz).with_context(|| what.clone())?,
            end_date: opt_date(raw.end_date, tz, &what)?,
            percent: None,
            approved: matches!(raw.status.as_deref(), Some("APPROVED" | "CONFIRMED")),
            status: raw.status,
            hours: None,
            child_id: None,
            id: raw.id,
        });
    }
    extents_from_transactions(&mut employees, file.leave_transaction.into_vec());
    for raw in file.child.into_vec() {
        let at = owner(&raw.employee_id, "child", &raw.id)?;
        let what = format!("child {}", raw.id);
        let name = raw.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
        let (first, last) = match name.and_then(|n| n.rsplit_once(char::is_whitespace)) {
            Some((first, last)) => (Some(first.trim().to_owned()), Some(last.to_owned())),
            None => (name.map(str::to_owned), None),
        };
        employees[at].children.push(Child {
            birth_date: opt_date(raw.birthdate, tz, &what)?,
            first_name: first,
            last_name: last,
            id: raw.id,
        });
    }
    for e in &mut employees {
        e.employments.sort_by(|a, b| a.start_date.cmp(&b.start_date));
    }
    let catalogue = |list: List<RawNamed>| list.into_vec().into_iter().map(|n| (n.id, n.name)).collect();
    Ok(HrSnapshot { employees, offices: catalogue(file.office), departments: catalogue(file.department) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oslo() -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get("Europe/Oslo").expect("tz database")
    }

    #[test]
    fn date_times_become_dates_in_the_configured_zone() {
        assert_eq!(to_date("2019-12-31T23:00:00.000Z", &oslo()).ok().as_deref(), Some("2020-01-01"));
        assert_eq!(to_date("2020-03-01", &oslo()).ok().as_deref(), Some("2020-03-01"));
        assert!(to_date("01.03.2020", &oslo()).is_err());
    }

    #[test]
    fn related_records_are_attached_and_envelopes_accepted() {
        let text = r#"{
            "employee": {"data": [{"id": "e1", "employeeNumber": "1", "active": true}]},
            "employment": [{"id": "m1", "employeeId": "e1", "typeId": "t1", "startDate": "2020-01-01T00:00:00Z", "rate": 100, "terminated": false}],
            "employment-type": [{"id": "t1", "name": "Temporary"}],
            "compensation": [{"id": "c1", "employeeId": "e1", "effectiveDate": "2021-01-01", "payoutPeriod": "MONTHLY", "amount": 41000.5, "currency": "NOK"}]
        }"#;
        let snap = parse_snapshot(text, &oslo()).expect("parses");
        let e = &snap.employees[0];
        assert_eq!(e.employments[0].employment_type.as_ref().map(|t| t.name.as_str()), Some("Temporary"));
        assert_eq!(e.employments[0].rate.as_deref(), Some("100"));
        assert_eq!(e.compensations[0].amount.as_deref(), Some("41000.5"));
    }

    #[test]
    fn a_record_of_an_unknown_employee_is_a_clear_error() {
        let text =
            r#"{"employee": [], "employment": [{"id": "m1", "employeeId": "ghost", "startDate": "2020-01-01"}]}"#;
        let err = parse_snapshot(text, &oslo()).expect_err("refused");
        assert!(format!("{err:#}").contains("employee ghost"), "{err:#}");
    }

    #[test]
    fn a_malformed_file_says_what_shape_is_expected() {
        let err = parse_snapshot("[1,2,3]", &oslo()).expect_err("refused");
        assert!(format!("{err:#}").contains("keyed by AlexisHR list endpoints"));
    }

    /// A leave with its transactions: `extents` is each day's extent.
    fn with_leave(extents: &[&str], more: &str) -> String {
        let days: Vec<String> = extents
            .iter()
            .enumerate()
            .map(|(day, extent)| {
                format!(
                    r#"{{"id": "lt{day}", "parent": {{"id": "l1", "type": "Leave"}}, "status": "APPROVED", "leaveTypeId": "s1",
                        "employeeId": "e1", "childId": "k1", "date": "2026-03-0{}T00:00:00Z", "hours": 0, "extent": {extent}, "description": ""}}"#,
                    day + 1
                )
            })
            .collect();
        format!(
            r#"{{
                "employee": [{{"id": "e1", "employeeNumber": "1"}}],
                "leave": [{{"id": "l1", "employeeId": "e1", "typeId": "s1", "status": "APPROVED", "duration": "longer",
                           "startDate": "2026-03-01T00:00:00Z", "endDate": "2026-03-03T00:00:00Z"}}],
                "leave-type": [{{"id": "s1", "name": "Sick child", "kind": "sick-child"}}],
                "leave-transaction": [{}],
                "child": [{{"id": "k1", "employeeId": "e1", "name": "Ola Jakob Nordmann", "birthdate": "2019-12-31T23:00:00Z"}}]
                {more}
            }}"#,
            days.join(",")
        )
    }

    #[test]
    fn a_leave_type_takes_the_code_the_company_gave_it_from_the_envelopes_relations() {
        let text = r#"{
            "employee": [{"id": "e1", "employeeNumber": "1"}],
            "leave": [{"id": "l1", "employeeId": "e1", "typeId": "m1", "status": "APPROVED", "duration": "longer",
                       "startDate": "2026-03-01T00:00:00Z", "endDate": "2026-03-03T00:00:00Z"}],
            "leave-type": {"status": "ok", "total": 2, "count": 2, "offset": 0,
                "data": [{"id": "m1", "name": "Military service", "kind": "OFF_DUTY"},
                         {"id": "v1", "name": "Vacation", "kind": "VACATION"}],
                "relations": {"leaveTypeCode": [
                    {"id": "c1", "companyId": "co", "leaveTypeId": "m1", "code": "07"}]}}
        }"#;
        let snap = parse_snapshot(text, &oslo()).expect("parses");
        let kind = snap.employees[0].absences[0].absence_type.clone().expect("a type");
        assert_eq!((kind.name.as_str(), kind.code.as_deref()), ("Military service", Some("07")));
        let plain = parse_snapshot(&with_leave(&["100"], ""), &oslo()).expect("parses");
        let kind = plain.employees[0].absences[0].absence_type.clone().expect("a type");
        assert_eq!(kind.code, None, "a plain list carries no codes");
    }

    #[test]
    fn a_leave_takes_the_extent_and_child_its_transactions_agree_on_and_children_are_attached() {
        let snap = parse_snapshot(&with_leave(&["50", "50", "50"], ""), &oslo()).expect("parses");
        let e = &snap.employees[0];
        let leave = &e.absences[0];
        assert_eq!(leave.percent.as_deref(), Some("50"), "graded sick leave keeps its grade");
        assert_eq!(leave.child_id.as_deref(), Some("k1"));
        assert_eq!(leave.hours, None, "zero hours is a whole day, not a part day");
        assert_eq!(leave.status.as_deref(), Some("APPROVED"));
        let child = &e.children[0];
        assert_eq!(child.first_name.as_deref(), Some("Ola Jakob"));
        assert_eq!(child.last_name.as_deref(), Some("Nordmann"));
        assert_eq!(child.birth_date.as_deref(), Some("2020-01-01"), "a date-time is a date in Oslo");
    }

    #[test]
    fn a_leave_whose_days_differ_in_extent_gets_no_single_percent() {
        let snap = parse_snapshot(&with_leave(&["100", "50"], ""), &oslo()).expect("parses");
        assert_eq!(snap.employees[0].absences[0].percent, None);
        assert_eq!(snap.employees[0].absences[0].child_id.as_deref(), Some("k1"), "the child still agrees");
    }

    #[test]
    fn every_alexishr_list_of_a_full_export_is_accepted_and_a_misspelt_key_is_refused() {
        let full = r#", "team": {"data": [{"id": "x"}]}, "timesheet": [], "timesheet-entry": [], "work-week": [],
            "cost-center": [], "employee-team-reference": [], "timesheet-entry-type": [], "company": [{"id": "c"}]"#;
        parse_snapshot(&with_leave(&["100"], full), &oslo()).expect("a full export parses");
        let err = parse_snapshot(&with_leave(&["100"], r#", "leave-transactions": []"#), &oslo()).expect_err("refused");
        let message = format!("{err:#}");
        assert!(message.contains("leave-transactions") && message.contains("leave-transaction, child"), "{message}");
    }
}
