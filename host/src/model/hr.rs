//! The HR side as the host keeps it. Field names follow the AlexisHR /
//! Simployer One public API; dates are `YYYY-MM-DD`, amounts and rates are
//! decimal strings, countries ISO 3166-1 alpha-2.
//!
//! Stored as JSON in `hr_employees.data`, tagged with
//! [`STORED_VERSION`]; a row of another version is refused with a clear
//! error rather than misread.

use serde::{Deserialize, Serialize};

/// The version of the stored JSON of [`Employee`]. Bump it (and add a
/// migration) when a change would make older rows read differently.
pub const STORED_VERSION: i64 = 1;

/// A home address. `co` is the c/o line some targets (Kontek) carry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Street and number.
    pub street: Option<String>,
    /// c/o line.
    pub co: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// City.
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
}

/// A bank account as HR holds it; `country` says which national format
/// `number` is in, `iban` is set for foreign accounts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankAccount {
    /// Bank name.
    pub bank: Option<String>,
    /// Clearing number (Sweden).
    pub clearing: Option<String>,
    /// Account number in the national format.
    pub number: Option<String>,
    /// IBAN.
    pub iban: Option<String>,
    /// BIC.
    pub bic: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
}

/// An employment type (AlexisHR `employment-type`), e.g. "Temporary".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmploymentType {
    /// HR id.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// One employment (AlexisHR `employment`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employment {
    /// HR id.
    pub id: String,
    /// Its type.
    pub employment_type: Option<EmploymentType>,
    /// First day.
    pub start_date: Option<String>,
    /// Last day.
    pub end_date: Option<String>,
    /// Employment rate in percent.
    pub rate: Option<String>,
    /// Free text; several Norwegian targets encode "profession:endreason".
    pub note: Option<String>,
    /// Weekly working hours.
    pub weekly_hours: Option<String>,
    /// Whether it is in force.
    pub active: bool,
}

/// One compensation (AlexisHR `compensation`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compensation {
    /// HR id.
    pub id: String,
    /// The employment it belongs to.
    pub employment_id: Option<String>,
    /// From when it applies.
    pub effective_date: Option<String>,
    /// "monthly", "hourly", "yearly"...
    pub payout_period: Option<String>,
    /// The amount.
    pub amount: Option<String>,
    /// ISO 4217.
    pub currency: Option<String>,
}

/// An absence type (AlexisHR `leave-type`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbsenceType {
    /// HR id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The HR system's category key, e.g. "sick-leave", "vacation".
    pub category: Option<String>,
    /// The code the company gave the type in HR (AlexisHR
    /// `leave-type-code`), e.g. "07".
    #[serde(default)]
    pub code: Option<String>,
}

/// One absence (AlexisHR `leave`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Absence {
    /// HR id.
    pub id: String,
    /// Its type.
    pub absence_type: Option<AbsenceType>,
    /// First day.
    pub start_date: String,
    /// Last day.
    pub end_date: Option<String>,
    /// Extent in percent, from the leave's transactions when they all
    /// give one (graded sick leave: "50").
    pub percent: Option<String>,
    /// Whether it is approved.
    pub approved: bool,
    /// HR's own status (AlexisHR `PENDING`, `DENIED`, `CANCELLED`,
    /// `APPROVED`, `CONFIRMED`), when the source gives it.
    #[serde(default)]
    pub status: Option<String>,
    /// Hours per day, from the leave's transactions when they all give
    /// the same (part days).
    #[serde(default)]
    pub hours: Option<String>,
    /// The child the leave is for (`child.id`), from its transactions.
    #[serde(default)]
    pub child_id: Option<String>,
}

/// A child of an employee (AlexisHR `child`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Child {
    /// HR id.
    pub id: String,
    /// First name(s): AlexisHR's `name` but its last word.
    pub first_name: Option<String>,
    /// Last name: the last word of AlexisHR's `name`.
    pub last_name: Option<String>,
    /// Birth date.
    pub birth_date: Option<String>,
}

/// An employee with everything related to them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employee {
    /// The HR system's id; stable across runs.
    pub id: String,
    /// Employee number.
    pub employee_number: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Work e-mail.
    pub work_email: Option<String>,
    /// Private e-mail.
    pub private_email: Option<String>,
    /// Work phone.
    pub work_phone: Option<String>,
    /// Private phone.
    pub private_phone: Option<String>,
    /// National id (fødselsnummer, personnummer, BSN...). Personal data.
    pub ssn: Option<String>,
    /// Country that issued `ssn`.
    pub ssn_country: Option<String>,
    /// Birth date.
    pub birth_date: Option<String>,
    /// Nationality.
    pub nationality: Option<String>,
    /// Home address.
    pub home_address: Option<Address>,
    /// Payout bank account. Personal data.
    pub bank_account: Option<BankAccount>,
    /// Office HR id.
    pub office_id: Option<String>,
    /// Department HR id.
    pub department_id: Option<String>,
    /// Whether the employee is active.
    pub active: bool,
    /// Employments.
    pub employments: Vec<Employment>,
    /// Compensations. Personal data (amounts).
    pub compensations: Vec<Compensation>,
    /// Absences.
    pub absences: Vec<Absence>,
    /// Children (for absences that name one).
    #[serde(default)]
    pub children: Vec<Child>,
}

/// The employment in force: the active one that started last, else the
/// one that started last.
pub fn current_employment(e: &Employee) -> Option<&Employment> {
    let latest = |a: &&Employment, b: &&Employment| a.start_date.cmp(&b.start_date);
    e.employments.iter().filter(|m| m.active).max_by(latest).or_else(|| e.employments.iter().max_by(latest))
}
