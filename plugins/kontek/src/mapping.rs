//! An HR employee as the Kontek `employee` record, with the field set of
//! the flow the integration runs (seed 002):
//!
//! | HR | Kontek | export (manual) | on change (automatic) |
//! |---|---|---|---|
//! | employeeNumber* | `employeeId` | yes (identity) | yes (identity) |
//! | firstName*, lastName* | `firstName`, `lastName` | yes | yes |
//! | privatePhone | `telephoneNo` | – | yes |
//! | workEmail | `emailAddressWork` | yes | yes |
//! | ssn* (personnummer) | `ssn`, `YYYYMMDD-NNNN` | yes | yes |
//! | homeAddress street, co, postalCode, city, country | `address.*` | yes | yes |
//! | bankAccount clearing | `bank.clearingNo` | yes | – |
//! | bankAccount number | `bank.accountNo` | yes | yes |
//! | employment type | `employment.employmentType` | yes | – |
//! | employment start date | `employment.startDate` | yes | yes |
//! | employment end date | `employment.endDate` | yes | – |
//! | compensation in force | `employment.salary.amount`, `.period` | yes | – |
//!
//! The flow is the integration setting `field_set`: `export` (default) or
//! `on-change`. Only the fields of the flow are compared and written:
//! what Kontek holds in the others is left alone. A field whose HR side
//! the settings give to payroll (`"owner.privatePhone" = "payroll"`) is
//! never sent: the import writes it into HR instead. The employment is the
//! one in force (active, latest start), else the latest.

use crate::shape::{self, field};
use crate::types::*;
use connector_kit::fields::Record;
use connector_kit::personnummer::parse_swedish;

/// HR fields without which Kontek refuses an employee.
pub const REQUIRED_FIELDS: &[&str] = &["employeeNumber", "firstName", "lastName", "ssn"];

/// The setting that chooses the flow's field set.
pub const FIELD_SET_SETTING: &str = "field_set";

/// Which of the seed's flows a run serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldSet {
    /// The manual export: create or update with the export fields.
    Export,
    /// The automatic update when an HR employee card changes.
    OnChange,
}

impl FieldSet {
    /// The flow the integration's settings choose.
    pub fn of(ctx: &Context) -> Result<Self, String> {
        match crate::setting(ctx, FIELD_SET_SETTING) {
            None | Some("export") => Ok(Self::Export),
            Some("on-change") => Ok(Self::OnChange),
            Some(other) => Err(format!("setting field_set is {other:?}; use \"export\" or \"on-change\"")),
        }
    }

    /// The Kontek fields this flow writes (besides `employeeId`).
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Self::Export => &[
                field::FIRST_NAME,
                field::LAST_NAME,
                field::WORK_EMAIL,
                field::SSN,
                field::STREET,
                field::CO,
                field::POSTAL_CODE,
                field::CITY,
                field::COUNTRY,
                field::CLEARING,
                field::ACCOUNT,
                field::EMPLOYMENT_TYPE,
                field::START_DATE,
                field::END_DATE,
                field::SALARY_AMOUNT,
                field::SALARY_PERIOD,
            ],
            Self::OnChange => &[
                field::FIRST_NAME,
                field::LAST_NAME,
                field::PHONE,
                field::WORK_EMAIL,
                field::SSN,
                field::STREET,
                field::CO,
                field::POSTAL_CODE,
                field::CITY,
                field::COUNTRY,
                field::ACCOUNT,
                field::START_DATE,
            ],
        }
    }
}

/// HR employment type names and the Kontek type each means, compared
/// without case; the setting `employment_type.<name>` adds or overrides.
pub const DEFAULT_EMPLOYMENT_TYPES: &[(&str, &str)] = &[
    ("permanent", "permanent"),
    ("tillsvidare", "permanent"),
    ("tillsvidareanställning", "permanent"),
    ("fast", "permanent"),
    ("temporary", "temporary"),
    ("visstid", "temporary"),
    ("visstidsanställning", "temporary"),
    ("tidsbegränsad", "temporary"),
    ("vikariat", "temporary"),
    ("midlertidig", "temporary"),
    ("probation", "probation"),
    ("probationary", "probation"),
    ("provanställning", "probation"),
    ("prøvetid", "probation"),
    ("hourly", "hourly"),
    ("timanställd", "hourly"),
    ("timanställning", "hourly"),
    ("timeansatt", "hourly"),
];

/// The setting prefix naming an HR employment type's Kontek type.
pub const EMPLOYMENT_TYPE_SETTING: &str = "employment_type.";

fn text(value: &Option<String>) -> &str {
    value.as_deref().map(str::trim).unwrap_or("")
}

fn issue(e: &Employee, field: &str, code: &str, message: impl Into<String>) -> ValidationIssue {
    ValidationIssue { employee_id: e.id.clone(), field: field.into(), code: code.into(), message: message.into() }
}

/// The Kontek type of an HR employment type: the setting first, then
/// [`DEFAULT_EMPLOYMENT_TYPES`].
pub fn employment_type(ctx: &Context, name: &str) -> Result<String, String> {
    let configured = ctx
        .settings
        .iter()
        .find(|(k, _)| k.strip_prefix(EMPLOYMENT_TYPE_SETTING).is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .map(|(_, v)| v.trim().to_owned());
    let known =
        || DEFAULT_EMPLOYMENT_TYPES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, t)| (*t).to_owned());
    let chosen = configured.or_else(known).ok_or_else(|| {
        format!(
            "employment type {name:?} has no Kontek type: add \"{EMPLOYMENT_TYPE_SETTING}{name}\" = one of {} to [integration.settings]",
            shape::EMPLOYMENT_TYPES.join(", ")
        )
    })?;
    if !shape::EMPLOYMENT_TYPES.contains(&chosen.as_str()) {
        return Err(format!(
            "setting {EMPLOYMENT_TYPE_SETTING}{name} is {chosen:?}; Kontek takes one of {}",
            shape::EMPLOYMENT_TYPES.join(", ")
        ));
    }
    Ok(chosen)
}

/// The employment in force: active with the latest start, else the
/// latest start.
pub fn current_employment(e: &Employee) -> Option<&Employment> {
    let latest = |a: &&Employment, b: &&Employment| a.start_date.cmp(&b.start_date);
    e.employments.iter().filter(|m| m.active).max_by(latest).or_else(|| e.employments.iter().max_by(latest))
}

/// The compensation in force `today` (latest effective date not after
/// it), else the earliest.
pub fn current_compensation<'a>(e: &'a Employee, today: &str) -> Option<&'a Compensation> {
    let date = |c: &&Compensation| c.effective_date.clone().unwrap_or_default();
    e.compensations
        .iter()
        .filter(|c| date(c).as_str() <= today)
        .max_by_key(date)
        .or_else(|| e.compensations.iter().min_by_key(date))
}

/// Kontek's salary period for an AlexisHR payout period.
pub fn salary_period(payout_period: &str) -> Option<&'static str> {
    match payout_period.to_ascii_uppercase().as_str() {
        "MONTHLY" => Some("monthly"),
        "HOURLY" => Some("hourly"),
        _ => None,
    }
}

/// Digits only: bank numbers are written with spaces and dashes.
pub fn digits(value: &str) -> String {
    value.chars().filter(char::is_ascii_digit).collect()
}

/// A Swedish postal code as Kontek keeps it, `NNNNN` (people write `NNN NN`).
pub fn postal_code(value: &str, country: &str) -> String {
    if country.is_empty() || country.eq_ignore_ascii_case("SE") {
        let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.len() == 5 && compact.bytes().all(|b| b.is_ascii_digit()) {
            return compact;
        }
    }
    value.trim().to_owned()
}

/// Whether an employee id is one Kontek takes: 1–20 of `[A-Za-z0-9-]`.
pub fn is_employee_id(id: &str) -> bool {
    (1..=20).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Whether the integration's settings give the HR field behind the Kontek
/// field `name` to payroll (`"owner.<HR field>" = "payroll"`): then the
/// import writes it into HR and the export never sends it.
pub fn payroll_owns(ctx: &Context, name: &str) -> bool {
    crate::import::IMPORTED
        .iter()
        .find(|(kontek, _)| kontek == &name)
        .is_some_and(|(_, hr)| crate::setting(ctx, &format!("owner.{hr}")) == Some("payroll"))
}

/// Every field the HR employee gives Kontek, before the flow picks its set.
fn all_fields(ctx: &Context, e: &Employee, issues: &mut Vec<ValidationIssue>) -> Record {
    let mut r = Record::new("employee", None);
    r.set(field::FIRST_NAME, text(&e.first_name));
    r.set(field::LAST_NAME, text(&e.last_name));
    r.set(field::PHONE, text(&e.private_phone));
    let email = text(&e.work_email);
    if !email.is_empty() && email.matches('@').count() != 1 {
        issues.push(issue(e, "workEmail", "invalid", format!("workEmail {email:?} is not an email address")));
    }
    r.set(field::WORK_EMAIL, email);
    match parse_swedish(text(&e.ssn), &ctx.today) {
        Ok(number) => {
            r.set_sensitive(field::SSN, number.long());
        }
        Err(why) if !text(&e.ssn).is_empty() => {
            issues.push(issue(e, "ssn", "invalid", format!("ssn is not a valid Swedish personnummer ({why})")))
        }
        Err(_) => {}
    }
    let none = None;
    let part = |pick: fn(&Address) -> &Option<String>| e.home_address.as_ref().map_or(&none, pick);
    let country = text(part(|a| &a.country)).to_ascii_uppercase();
    r.set(field::STREET, text(part(|a| &a.street)));
    r.set(field::CO, text(part(|a| &a.co)));
    let postal = postal_code(text(part(|a| &a.postal_code)), &country);
    let five_digits = postal.len() == 5 && postal.bytes().all(|b| b.is_ascii_digit());
    if (country.is_empty() || country == "SE") && !postal.is_empty() && !five_digits {
        issues.push(issue(e, "homeAddress.postalCode", "invalid", format!("postal code {postal:?} is not 5 digits")));
    }
    r.set(field::POSTAL_CODE, postal);
    r.set(field::CITY, text(part(|a| &a.city)));
    r.set(field::COUNTRY, country);
    let bank = |pick: fn(&BankAccount) -> &Option<String>| e.bank_account.as_ref().map_or(&none, pick);
    let clearing = digits(text(bank(|b| &b.clearing)));
    if !clearing.is_empty() && !(4..=5).contains(&clearing.len()) {
        issues.push(issue(e, "bankAccount.clearing", "invalid", "bankAccount.clearing must be 4 or 5 digits"));
    }
    let account = digits(text(bank(|b| &b.number)));
    if !account.is_empty() && account.len() > 16 {
        issues.push(issue(e, "bankAccount.number", "invalid", "bankAccount.number has more than 16 digits"));
    }
    r.set_sensitive(field::CLEARING, clearing);
    r.set_sensitive(field::ACCOUNT, account);
    let employment = current_employment(e);
    let kind = match employment.and_then(|m| m.employment_type.as_ref()) {
        Some(t) => employment_type(ctx, &t.name).unwrap_or_else(|why| {
            issues.push(issue(e, "employment.employmentType", "unsupported", why));
            String::new()
        }),
        None => String::new(),
    };
    r.set(field::EMPLOYMENT_TYPE, kind);
    r.set(field::START_DATE, employment.map(|m| text(&m.start_date)).unwrap_or(""));
    r.set(field::END_DATE, employment.map(|m| text(&m.end_date)).unwrap_or(""));
    let (amount, period) = match current_compensation(e, &ctx.today) {
        Some(c) => match (salary_period(text(&c.payout_period)), text(&c.amount).parse::<f64>()) {
            (Some(period), Ok(amount)) if amount >= 0.0 => (text(&c.amount).to_owned(), period),
            (None, _) => {
                issues.push(issue(
                    e,
                    "compensation.payoutPeriod",
                    "unsupported",
                    format!("payout period {:?} is not monthly or hourly, which Kontek takes", text(&c.payout_period)),
                ));
                (String::new(), "")
            }
            _ => {
                issues.push(issue(e, "compensation.amount", "invalid", "compensation.amount is not an amount"));
                (String::new(), "")
            }
        },
        None => (String::new(), ""),
    };
    r.set_sensitive(field::SALARY_AMOUNT, amount);
    r.set(field::SALARY_PERIOD, period);
    r
}

/// Map one employee with the flow's field set, or every reason it cannot
/// go to Kontek.
pub fn map_employee(ctx: &Context, e: &Employee) -> Result<MappedEmployee, Vec<ValidationIssue>> {
    let set = FieldSet::of(ctx).map_err(|why| vec![issue(e, "settings", "invalid", why)])?;
    let mut issues = Vec::new();
    let id = text(&e.employee_number).to_owned();
    if !id.is_empty() && !is_employee_id(&id) {
        issues.push(issue(
            e,
            "employeeNumber",
            "invalid",
            format!("employeeNumber {id:?} is not a Kontek employeeId (1 to 20 letters, digits or dashes)"),
        ));
    }
    let all = all_fields(ctx, e, &mut issues);
    if !issues.is_empty() {
        return Err(issues);
    }
    let mut record = Record::new("employee", None);
    for name in set.fields().iter().filter(|name| !payroll_owns(ctx, name)) {
        if let Some(f) = all.fields.iter().find(|f| f.name == *name) {
            if f.sensitive {
                record.set_sensitive(name, f.value.clone());
            } else {
                record.set(name, f.value.clone());
            }
        }
    }
    // The salary goes whole or not at all: Kontek replaces it whole.
    if set == FieldSet::Export && record.get(field::SALARY_AMOUNT).is_some_and(str::is_empty) {
        record.fields.retain(|f| f.name != field::SALARY_AMOUNT && f.name != field::SALARY_PERIOD);
    }
    let national_id = record.get(field::SSN).filter(|v| !v.is_empty()).map(str::to_owned);
    Ok(MappedEmployee {
        hr_id: e.id.clone(),
        employee_number: Some(id).filter(|n| !n.is_empty()),
        national_id,
        records: vec![crate::from_kit(record)],
    })
}

#[cfg(test)]
mod tests;
