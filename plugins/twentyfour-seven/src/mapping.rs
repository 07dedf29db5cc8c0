//! The seed mapping table: HR employee → 24SevenOffice `employee` and
//! `employment` records, every row with its condition.
//!
//! All values are strings, as the vendor spec requires. Decimals are
//! written with two decimals ("100.00"), as the spec's examples are.

use crate::types::*;
use connector_kit::bank::{normalise_iban, normalise_norwegian_account};
use connector_kit::fields::Record;
use connector_kit::national_id::{is_iso_date, validate_norwegian};

/// HR fields (AlexisHR names) without which an employee is not exported.
pub const REQUIRED_FIELDS: &[&str] = &["employeeNumber", "firstName", "lastName", "ssn"];

/// Fields holding national ids, bank numbers or salaries.
pub const SENSITIVE_FIELDS: &[&str] = &["personnr", "internationalID.ID", "account", "salary"];

/// Fields compared as decimal numbers ("100" equals "100.00").
pub const DECIMAL_FIELDS: &[&str] = &["salary", "employment_rate", "vacation_days"];

/// `enddate_reason` values for the number after the colon of the note, 1–6
/// (spelled as in the vendor's OpenAPI enum).
pub const END_REASONS: [&str; 6] = [
    "arbeidsforholdetSkulleAldriVaertRapportert",
    "arbeidsgiverHarSagtOppArbeidstaker",
    "arbeidstakerHarSagtOppSelv",
    "byttetLoenssystemEllerRegnskapsfoerer",
    "endringIOrganisasjonsstrukturEllerByttetJobbInternt",
    "kontraktEngasjementEllerVikariatErUtloept",
];

struct Issues<'a> {
    employee_id: &'a str,
    list: Vec<ValidationIssue>,
}

impl Issues<'_> {
    fn push(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.list.push(ValidationIssue {
            employee_id: self.employee_id.to_owned(),
            field: field.to_owned(),
            code: code.to_owned(),
            message: message.into(),
        });
    }
}

fn text(value: &Option<String>) -> &str {
    value.as_deref().map(str::trim).unwrap_or("")
}

/// Format a decimal string with two decimals; `None` if it is not a number.
pub fn two_decimals(value: &str) -> Option<String> {
    let v = value.trim();
    let (neg, v) = v.strip_prefix('-').map_or((false, v), |r| (true, r));
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if int.is_empty() || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut cents: Vec<u8> = frac.bytes().map(|b| b - b'0').collect();
    cents.resize(3, 0);
    let mut units: u128 = int.parse().ok()?;
    let mut hundredths = u128::from(cents[0]) * 10 + u128::from(cents[1]);
    if cents[2] >= 5 {
        hundredths += 1;
    }
    if hundredths == 100 {
        hundredths = 0;
        units += 1;
    }
    let sign = if neg && (units, hundredths) != (0, 0) { "-" } else { "" };
    Some(format!("{sign}{units}.{hundredths:02}"))
}

/// The `employment_form` values 24SevenOffice takes for Norwegian clients
/// (the vendor OpenAPI's description of `employment_form`).
pub const EMPLOYMENT_FORMS: [&str; 5] =
    ["fast", "fastAnsattUtleid", "midlertidig", "midlertidigAnsattUtleid", "midlertidigAnsattSomTilkallingsvikar"];

/// Employment type names (compared without case) and their form, used
/// when the integration's settings do not name the type.
pub const DEFAULT_EMPLOYMENT_FORMS: [(&str, &str); 16] = [
    ("permanent", "fast"),
    ("fast", "fast"),
    ("fast ansatt", "fast"),
    ("probationary", "fast"),
    ("probation", "fast"),
    ("prøvetid", "fast"),
    ("temporary", "midlertidig"),
    ("midlertidig", "midlertidig"),
    ("vikariat", "midlertidig"),
    ("vikar", "midlertidig"),
    ("sesong", "midlertidig"),
    ("seasonal", "midlertidig"),
    ("engasjement", "midlertidig"),
    ("on call", "midlertidigAnsattSomTilkallingsvikar"),
    ("tilkallingsvikar", "midlertidigAnsattSomTilkallingsvikar"),
    ("ekstrahjelp", "midlertidigAnsattSomTilkallingsvikar"),
];

/// The setting that maps an HR employment type to a form:
/// `employment_form.<type name>` = one of [`EMPLOYMENT_FORMS`].
pub const EMPLOYMENT_FORM_SETTING: &str = "employment_form.";

/// `employment_form` for an HR employment type: the integration's setting
/// `employment_form.<name>` first, then [`DEFAULT_EMPLOYMENT_FORMS`];
/// names are compared trimmed and without case. An employment with no type
/// is `fast`. `Err` says why the type cannot be sent.
pub fn employment_form<'a>(ctx: &'a Context, employment_type: Option<&EmploymentType>) -> Result<&'a str, String> {
    let Some(t) = employment_type else {
        return Ok("fast");
    };
    let name = t.name.trim().to_lowercase();
    let configured = ctx.settings.iter().find_map(|(key, form)| {
        let named = key.strip_prefix(EMPLOYMENT_FORM_SETTING)?;
        (named.trim().to_lowercase() == name).then_some(form.trim())
    });
    match configured {
        Some(form) if EMPLOYMENT_FORMS.contains(&form) => Ok(form),
        Some(form) => Err(format!(
            "the setting {EMPLOYMENT_FORM_SETTING}{} is \"{form}\", which 24SevenOffice does not take: use one of {}",
            t.name.trim(),
            EMPLOYMENT_FORMS.join(", ")
        )),
        None => DEFAULT_EMPLOYMENT_FORMS.iter().find(|(n, _)| *n == name).map(|(_, form)| *form).ok_or_else(
            || {
                format!(
                    "employment type \"{}\" has no 24SevenOffice employment form: add the setting {EMPLOYMENT_FORM_SETTING}{} = one of {} to the integration",
                    t.name.trim(),
                    t.name.trim(),
                    EMPLOYMENT_FORMS.join(", ")
                )
            },
        ),
    }
}

/// The note "0111101:7" split into profession code and end-reason number.
pub fn split_note(note: &str) -> (&str, Option<&str>) {
    match note.split_once(':') {
        Some((code, reason)) => (code.trim(), Some(reason.trim())),
        None => (note.trim(), None),
    }
}

/// `enddate_reason` for the number after the colon, 1–6.
pub fn end_reason(number: &str) -> Option<&'static str> {
    let n: usize = number.parse().ok()?;
    END_REASONS.get(n.checked_sub(1)?).copied()
}

/// `salary_type` for an AlexisHR payout period.
pub fn salary_type(payout_period: &str) -> Option<&'static str> {
    match payout_period.to_ascii_uppercase().as_str() {
        "MONTHLY" => Some("monthly"),
        "HOURLY" => Some("hourly"),
        _ => None,
    }
}

/// The compensation in force on `today` (`YYYY-MM-DD`): the one with the
/// latest effective date that is not after today. A future-dated
/// compensation goes out on a sync on or after its date, not before.
pub fn compensation_in_force<'a>(compensations: &'a [Compensation], today: &str) -> Option<&'a Compensation> {
    compensations
        .iter()
        .filter(|c| c.effective_date.as_deref().is_some_and(|d| is_iso_date(d) && d <= today))
        .max_by(|a, b| a.effective_date.cmp(&b.effective_date))
}

/// Whether `code` is a 7-digit yrkeskode in SSB's occupation list.
pub fn is_yrkeskode(code: &str) -> bool {
    code.len() == 7
        && code.chars().all(|c| c.is_ascii_digit())
        && code.parse::<u32>().is_ok_and(|n| yrkeskoder::YRKESKODER.binary_search(&n).is_ok())
}

/// 24SevenOffice's `empId` is an integer: an all-digit employee number
/// without its leading zeros ("01001" is 1001; "0" stays "0"), so it
/// reads back as it was written.
pub fn emp_id_of(employee_number: &str) -> &str {
    let trimmed = employee_number.trim_start_matches('0');
    if trimmed.is_empty() && !employee_number.is_empty() { "0" } else { trimmed }
}

/// Map one HR employee, or say every reason it cannot be exported.
pub fn map_employee(ctx: &Context, e: &Employee) -> Result<MappedEmployee, Vec<ValidationIssue>> {
    let mut issues = Issues { employee_id: &e.id, list: Vec::new() };
    let number = text(&e.employee_number);
    for (field, value) in [
        ("employeeNumber", number),
        ("firstName", text(&e.first_name)),
        ("lastName", text(&e.last_name)),
        ("ssn", text(&e.ssn)),
    ] {
        if value.is_empty() {
            issues.push(field, "missing", format!("{field} missing"));
        }
    }
    if !number.is_empty() && !number.chars().all(|c| c.is_ascii_digit()) {
        issues.push("employeeNumber", "invalid", "employeeNumber must be numeric: 24SevenOffice empId is an integer");
    }
    let emp_id = emp_id_of(number);
    let ssn = text(&e.ssn);
    let ssn_country = text(&e.ssn_country);
    if !ssn.is_empty()
        && (ssn_country.is_empty() || ssn_country.eq_ignore_ascii_case("NO"))
        && let Err(why) = validate_norwegian(ssn)
    {
        issues.push("ssn", "invalid", format!("ssn is not a valid Norwegian national id: {why}"));
    }

    let mut employee = Record::new("employee", None);
    employee.set("empId", emp_id);
    // Work email; if empty, the private email.
    let email = if text(&e.work_email).is_empty() { text(&e.private_email) } else { text(&e.work_email) };
    employee.set("email", email);
    employee.set("firstname", text(&e.first_name));
    employee.set("lastname", text(&e.last_name));
    employee.set_sensitive("personnr", ssn);
    employee.set("vacation_days", "25");
    employee.set("internationalID.type", "socialSecurityNumber");
    employee.set_sensitive("internationalID.ID", ssn);
    employee.set("internationalID.countryCode", text(&e.nationality));
    let address = e.home_address.clone().unwrap_or(Address {
        street: None,
        co: None,
        postal_code: None,
        city: None,
        country: None,
    });
    employee.set("postaddress", text(&address.street));
    employee.set("city", text(&address.city));
    employee.set("zipcode", text(&address.postal_code));
    employee.set("countryCode", text(&address.country));
    map_bank_account(e.bank_account.as_ref(), &mut employee, &mut issues);
    map_compensation(&e.compensations, &ctx.today, &mut employee, &mut issues);

    let mut records = vec![employee];
    for (at, employment) in e.employments.iter().enumerate() {
        let id = employment.id.trim();
        if !id.is_empty() && e.employments[..at].iter().any(|earlier| earlier.id.trim() == id) {
            issues.push(
                "employment.id",
                "invalid",
                format!("two employments have the id \"{id}\": each needs its own to be kept apart in 24SevenOffice"),
            );
        }
        if let Some(record) = map_employment(ctx, employment, &mut issues) {
            records.push(record);
        }
    }
    if !issues.list.is_empty() {
        return Err(issues.list);
    }
    Ok(MappedEmployee {
        hr_id: e.id.clone(),
        employee_number: Some(emp_id.to_owned()),
        national_id: (!ssn.is_empty()).then(|| ssn.to_owned()),
        records: records.into_iter().map(crate::from_kit).collect(),
    })
}

/// The fields of the payout account. When HR holds no account number
/// they are left out of the mapped employee, so the target keeps what it
/// holds (see `plan`): an empty value would erase the payout account.
pub const ACCOUNT_FIELDS: [&str; 3] = ["account", "bic", "clearingno"];

/// Bank account: the Norwegian account number (from the number, or the
/// BBAN inside a Norwegian IBAN), or the IBAN when the account is not
/// Norwegian. BIC and clearing number as given, with the number. No
/// number and no IBAN: nothing is set, and the target's account stays.
fn map_bank_account(account: Option<&BankAccount>, employee: &mut Record, issues: &mut Issues<'_>) {
    let Some(account) = account else {
        return;
    };
    let iban = text(&account.iban);
    if text(&account.number).is_empty() && iban.is_empty() {
        return;
    }
    let country = match text(&account.country) {
        // No country given: an IBAN says where the account is.
        "" if text(&account.number).is_empty() => iban.get(..2).unwrap_or(""),
        country => country,
    };
    let foreign = !country.is_empty() && !country.eq_ignore_ascii_case("NO");
    let number = if foreign {
        let iban = text(&account.iban);
        if iban.is_empty() {
            issues.push(
                "bankAccount.iban",
                "missing",
                format!("bankAccount.iban missing: the account is in {country}, so 24SevenOffice needs the IBAN"),
            );
            String::new()
        } else {
            normalise_iban(iban).unwrap_or_else(|why| {
                issues.push("bankAccount.iban", "invalid", format!("bankAccount.iban is {why}"));
                String::new()
            })
        }
    } else {
        let number = text(&account.number);
        if number.is_empty() {
            norwegian_account_in_iban(iban, issues)
        } else {
            normalise_norwegian_account(number).unwrap_or_else(|why| {
                issues.push(
                    "bankAccount.number",
                    "invalid",
                    format!("bankAccount.number is not a valid Norwegian account number: {why}"),
                );
                String::new()
            })
        }
    };
    employee.set_sensitive("account", number);
    employee.set("bic", text(&account.bic));
    employee.set("clearingno", text(&account.clearing));
}

/// The 11-digit account number inside a Norwegian IBAN (`NOkk` + BBAN),
/// checked as an account number; an issue when it is not one.
fn norwegian_account_in_iban(iban: &str, issues: &mut Issues<'_>) -> String {
    let bban = match normalise_iban(iban) {
        Ok(iban) if iban.starts_with("NO") => iban[4..].to_owned(),
        Ok(iban) => {
            issues.push(
                "bankAccount.iban",
                "invalid",
                format!(
                    "bankAccount.iban is a {} IBAN, but the account's country is Norway: 24SevenOffice needs a Norwegian account number",
                    &iban[..2]
                ),
            );
            return String::new();
        }
        Err(why) => {
            issues.push("bankAccount.iban", "invalid", format!("bankAccount.iban is {why}"));
            return String::new();
        }
    };
    normalise_norwegian_account(&bban).unwrap_or_else(|why| {
        issues.push(
            "bankAccount.iban",
            "invalid",
            format!("the account number in bankAccount.iban is not a valid Norwegian account number: {why}"),
        );
        String::new()
    })
}

/// Salary, salary type and valid-from from the compensation in force
/// today; none in force yet: no salary is sent.
fn map_compensation(compensations: &[Compensation], today: &str, employee: &mut Record, issues: &mut Issues<'_>) {
    let Some(latest) = compensation_in_force(compensations, today) else {
        return;
    };
    let amount = two_decimals(text(&latest.amount));
    let kind = salary_type(text(&latest.payout_period));
    match (amount, kind) {
        (Some(amount), Some(kind)) => {
            employee.set_sensitive("salary", amount);
            employee.set("salary_type", kind);
            employee.set("salary_valid_from", text(&latest.effective_date));
        }
        (None, _) => issues.push("compensation.amount", "invalid", "compensation.amount is not a number"),
        (_, None) => issues.push(
            "compensation.payoutPeriod",
            "unsupported",
            format!(
                "compensation.payoutPeriod {} is not supported: 24SevenOffice takes MONTHLY or HOURLY salaries",
                text(&latest.payout_period)
            ),
        ),
    }
}

/// One employment (arbeidsforhold), keyed by its HR employment id (by its
/// start date when HR gives none): the key pairs it with the target's
/// employment across runs (`plan::align`), even after the start date moves.
fn map_employment(ctx: &Context, employment: &Employment, issues: &mut Issues<'_>) -> Option<Record> {
    let start = text(&employment.start_date);
    if !is_iso_date(start) {
        issues.push(
            "employment.startDate",
            "missing",
            "employment.startDate missing: 24SevenOffice needs a start date for every employment",
        );
        return None;
    }
    let end = text(&employment.end_date);
    let (profession, reason_number) = split_note(text(&employment.note));
    if !profession.is_empty() && !is_yrkeskode(profession) {
        issues.push(
            "employment.note",
            "invalid",
            format!(
                "the profession code before the colon in the employment note must be a 7-digit yrkeskode from SSB's occupation list, found \"{profession}\""
            ),
        );
    }
    let reason = reason_number.and_then(end_reason);
    if !end.is_empty() && reason.is_none() {
        let found = reason_number.map_or("none".to_owned(), |n| format!("\"{n}\""));
        issues.push(
            "employment.note",
            if reason_number.is_some() { "invalid" } else { "missing" },
            format!("the employment ends {end}, so 24SevenOffice needs an end reason 1–6 after the colon in the note (e.g. 0111101:3); found {found}"),
        );
    }
    let rate = match text(&employment.rate) {
        "" => String::new(),
        r => two_decimals(r).unwrap_or_else(|| {
            issues.push("employment.rate", "invalid", "employment.rate is not a number");
            String::new()
        }),
    };
    let key = match employment.id.trim() {
        "" => start,
        id => id,
    };
    let mut record = Record::new("employment", Some(key.to_owned()));
    record.set("startdate", start);
    record.set("enddate", end);
    // The reason belongs to an end date: without one it is not sent.
    if !end.is_empty()
        && let Some(reason) = reason
    {
        record.set("enddate_reason", reason);
    }
    match employment_form(ctx, employment.employment_type.as_ref()) {
        Ok(form) => {
            record.set("employment_form", form);
        }
        Err(why) => issues.push("employment.employmentType", "unsupported", why),
    }
    record.set("employment_rate", rate);
    record.set("profession_code", profession);
    record.set("working_times", "ikkeSkift");
    record.set("employment_type", "ordinaertArbeidsforhold");
    if let Some((_, number)) = ctx.settings.iter().find(|(k, _)| k == "enterprise_number") {
        record.set("enterprise_number", number.as_str());
    }
    Some(record)
}

mod yrkeskoder;

#[cfg(test)]
mod tests;
