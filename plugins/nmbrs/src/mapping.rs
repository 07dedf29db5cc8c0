//! The seed table (`shared/seeds/003`, the SOAP names) mapped to the
//! Nmbrs REST shapes:
//!
//! | HR | SOAP name | REST record.field |
//! |---|---|---|
//! | firstName*, lastName* | FirstName, LastName | `personalInfo` `basicInfo.firstName`, `basicInfo.lastName` |
//! | birthDate* | Birthday | `personalInfo` `birthInfo.birthDate` |
//! | ssnCountry | CountryOfBirthISOCode | `personalInfo` `birthInfo.birthCountryCodeISO` |
//! | privateEmail, privatePhone | EmailPrivate, TelephonePrivate | `personalInfo` `contactInfo.privateEmail`, `contactInfo.privatePhone` |
//! | workEmail, workPhone | EmailWork, TelephoneWork | `personalInfo` `contactInfo.businessEmail`, `contactInfo.businessPhone` |
//! | employeeNumber | EmployeeNumber | `personalInfo` `basicInfo.employeeNumber` (integer ≥ 1; leading zeros dropped, as Nmbrs keeps an integer) |
//! | street, postalCode, city, country | Street, PostalCode, City, CountryISOCode | `address` `street` + `houseNumber`, `postalCode`, `city`, `countryISOCode` |
//! | hireDate* (first employment) | InitialStartDate | `hire` `inServiceDate` (sent on create) |
//! | bankAccount.number, .iban | Number, IBAN (standard) | `bankAccount` `number`, `IBAN` (from a Norwegian number when absent); the REST `CreateBankAccount` has no BIC |
//! | compensation amount, type, effectiveDate | Value, Type, Start | `salary` `value`, `type`, `startDate` |
//!
//! Shapes from the vendor's OpenAPI file (`shared/data/nmbrs/nmbrs-openapi.yaml`):
//! `CreateEmployee`, `UpdatePersonalInfo`, `CreateAddress` (type, street,
//! city and country required), `CreateBankAccount`, `CreateSalary`. HR
//! keeps no separate surname prefix (tussenvoegsel), so none is sent: a
//! prefix held in Nmbrs is kept and not doubled (`plan`).

use crate::types::*;
use connector_kit::bank::{normalise_iban, norwegian_iban};
use connector_kit::fields::Record;
use connector_kit::national_id::is_iso_date;

/// HR fields without which Nmbrs refuses an employee (seed 003).
pub const REQUIRED_FIELDS: &[&str] = &["firstName", "lastName", "birthDate", "hireDate"];

/// Bank numbers and salaries.
pub const SENSITIVE_FIELDS: &[&str] = &["number", "IBAN", "value"];

fn text(value: &Option<String>) -> &str {
    value.as_deref().map(str::trim).unwrap_or("")
}

fn issue(e: &Employee, field: &str, code: &str, message: impl Into<String>) -> ValidationIssue {
    ValidationIssue { employee_id: e.id.clone(), field: field.into(), code: code.into(), message: message.into() }
}

/// An HR employee number as Nmbrs keeps it: an integer, so "01001" is
/// 1001 there and must be 1001 here, or it shows as changed on every run.
pub fn employee_number(number: &str) -> &str {
    let trimmed = number.trim_start_matches('0');
    if trimmed.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) { number } else { trimmed }
}

/// "Storgata 12B" → ("Storgata", "12B"): Nmbrs keeps the house number apart.
pub fn split_street(line: &str) -> (String, String) {
    let line = line.trim();
    match line.rsplit_once(' ') {
        Some((street, number)) if number.starts_with(|c: char| c.is_ascii_digit()) => {
            (street.trim().to_owned(), number.to_owned())
        }
        _ => (line.to_owned(), String::new()),
    }
}

/// The first employment's start date: Nmbrs' in-service date.
pub fn hire_date(e: &Employee) -> Option<&str> {
    e.employments.iter().filter_map(|m| m.start_date.as_deref()).filter(|d| is_iso_date(d)).min()
}

/// The compensation in force today (most recent effective date not after
/// today), else the most recent one.
pub fn current_compensation<'a>(e: &'a Employee, today: &str) -> Option<&'a Compensation> {
    let dated = || e.compensations.iter().filter(|c| c.effective_date.as_deref().is_some_and(is_iso_date));
    dated()
        .filter(|c| c.effective_date.as_deref().is_some_and(|d| d <= today))
        .max_by(|a, b| a.effective_date.cmp(&b.effective_date))
        .or_else(|| dated().max_by(|a, b| a.effective_date.cmp(&b.effective_date)))
}

/// Nmbrs salary type for an AlexisHR payout period and employment rate.
pub fn salary_type(payout_period: &str, rate: Option<&str>) -> Option<&'static str> {
    let part_time = rate.and_then(|r| r.parse::<f64>().ok()).is_some_and(|r| r < 100.0);
    match payout_period.to_ascii_uppercase().as_str() {
        "HOURLY" => Some("grossHourlyWage"),
        "MONTHLY" if part_time => Some("grossParttimeSalary"),
        "MONTHLY" => Some("grossFulltimeSalary"),
        _ => None,
    }
}

/// Map one employee, or every reason it cannot go to Nmbrs.
pub fn map_employee(ctx: &Context, e: &Employee) -> Result<MappedEmployee, Vec<ValidationIssue>> {
    let mut issues = Vec::new();
    let number = employee_number(text(&e.employee_number));
    if !number.is_empty() && !number.parse::<u32>().is_ok_and(|n| n >= 1) {
        issues.push(issue(
            e,
            "employeeNumber",
            "invalid",
            "employeeNumber must be a whole number of at least 1 for Nmbrs",
        ));
    }
    if text(&e.first_name).chars().count() > 50 {
        issues.push(issue(e, "firstName", "invalid", "firstName is longer than the 50 characters Nmbrs takes"));
    }
    if text(&e.last_name).chars().count() > 100 {
        issues.push(issue(e, "lastName", "invalid", "lastName is longer than the 100 characters Nmbrs takes"));
    }
    let birth = text(&e.birth_date);
    if !birth.is_empty() && !is_iso_date(birth) {
        issues.push(issue(e, "birthDate", "invalid", format!("birthDate {birth:?} is not a date")));
    }

    let mut personal = Record::new("personalInfo", None);
    personal.set("basicInfo.employeeNumber", number);
    personal.set("basicInfo.firstName", text(&e.first_name));
    personal.set("basicInfo.lastName", text(&e.last_name));
    personal.set("birthInfo.birthDate", birth);
    personal.set("birthInfo.birthCountryCodeISO", text(&e.ssn_country));
    personal.set("contactInfo.privateEmail", text(&e.private_email));
    personal.set("contactInfo.privatePhone", text(&e.private_phone));
    personal.set("contactInfo.businessEmail", text(&e.work_email));
    personal.set("contactInfo.businessPhone", text(&e.work_phone));
    let mut records = vec![personal];

    let mut hire = Record::new("hire", None);
    hire.set("inServiceDate", hire_date(e).unwrap_or(""));
    records.push(hire);

    if let Some(a) = e.home_address.as_ref().filter(|a| a.street.is_some() || a.city.is_some()) {
        for (value, field) in [(&a.street, "street"), (&a.city, "city"), (&a.country, "country")] {
            if text(value).is_empty() {
                issues.push(issue(
                    e,
                    &format!("homeAddress.{field}"),
                    "missing",
                    format!("homeAddress.{field} missing: Nmbrs requires street, city and country of an address"),
                ));
            }
        }
        let (street, house_number) = split_street(text(&a.street));
        let mut address = Record::new("address", None);
        address.set("street", street);
        address.set("houseNumber", house_number);
        address.set("postalCode", text(&a.postal_code));
        address.set("city", text(&a.city));
        address.set("countryISOCode", text(&a.country));
        records.push(address);
    }

    if let Some(b) = &e.bank_account {
        let country = text(&b.country);
        let norwegian = country.is_empty() || country.eq_ignore_ascii_case("NO");
        // A Norwegian account without an IBAN gets the one its number implies.
        let derived = match (text(&b.iban), norwegian, text(&b.number)) {
            ("", true, number) if !number.is_empty() => norwegian_iban(number).ok(),
            _ => None,
        };
        let iban = derived.as_deref().unwrap_or(text(&b.iban));
        if iban.is_empty() {
            issues.push(issue(
                e,
                "bankAccount.iban",
                "missing",
                "bankAccount.iban missing: Nmbrs requires the IBAN of a bank account",
            ));
        } else {
            match normalise_iban(iban) {
                Ok(iban) => {
                    let mut bank = Record::new("bankAccount", None);
                    bank.set_sensitive("number", text(&b.number));
                    bank.set_sensitive("IBAN", iban);
                    records.push(bank);
                }
                Err(why) => issues.push(issue(e, "bankAccount.iban", "invalid", format!("bankAccount.iban is {why}"))),
            }
        }
    }

    if let Some(c) = current_compensation(e, &ctx.today) {
        let rate =
            e.employments.iter().rev().find(|m| m.active).or(e.employments.last()).and_then(|m| m.rate.as_deref());
        let amount = text(&c.amount);
        match (salary_type(text(&c.payout_period), rate), amount.parse::<f64>()) {
            (Some(kind), Ok(_)) => {
                let mut salary = Record::new("salary", None);
                salary.set_sensitive("value", amount);
                salary.set("type", kind);
                salary.set("startDate", text(&c.effective_date));
                records.push(salary);
            }
            (None, _) => issues.push(issue(
                e,
                "compensation.payoutPeriod",
                "unsupported",
                format!(
                    "compensation.payoutPeriod {} is not supported: Nmbrs salaries are monthly or hourly here",
                    text(&c.payout_period)
                ),
            )),
            (_, Err(_)) => {
                issues.push(issue(e, "compensation.amount", "invalid", "compensation.amount is not a number"))
            }
        }
    }

    if !issues.is_empty() {
        return Err(issues);
    }
    Ok(MappedEmployee {
        hr_id: e.id.clone(),
        employee_number: Some(number.to_owned()).filter(|n| !n.is_empty()),
        national_id: None,
        records: records.into_iter().map(crate::from_kit).collect(),
    })
}

#[cfg(test)]
mod tests;
