//! Kontek's wire shape, all of it in this one file so it is easy to
//! correct. Kontek publishes no API documentation; the only public
//! evidence is Evity's integration article (support.evity.hr, "Integration
//! Kontek"; `shared/seeds/002`), which gives username-and-password
//! authentication, an API URL per customer and these field names:
//! `employeeId`, `telephoneNo`, `emailAddressWork`, `ssn`. Every other
//! name, path and format here is an ASSUMPTION, marked as such, and listed
//! in the connector's README.
//!
//! | name | source |
//! |---|---|
//! | HTTP Basic auth, one base URL per customer | article |
//! | `employeeId`, `telephoneNo`, `emailAddressWork`, `ssn` | article |
//! | `firstName`, `lastName` | assumed (article: "förnamn och efternamn") |
//! | `address.street`, `.coAddress`, `.postalCode`, `.city`, `.country` | assumed (article lists the parts) |
//! | `bank.clearingNo`, `bank.accountNo` | assumed (article: clearing and account number) |
//! | `status` `active`/`inactive` | assumed (article: "status") |
//! | `employment.employmentType`, `.startDate`, `.endDate`, `.averageWeeklyHours`, `.salary.amount`, `.salary.period` | assumed |
//! | `GET /employees?offset&limit` → `{items, total, offset, limit}` | assumed |
//! | `POST /employees`, `PATCH /employees/{employeeId}` (partial, nested objects merge) | assumed |
//! | `ssn` as `YYYYMMDD-NNNN` | assumed |
//! | `updatedAt` (read-only) | assumed |

/// The employee list (GET, paged) and create (POST).
pub const EMPLOYEES: &str = "/employees";

/// One employee (PATCH), by `employeeId`.
pub fn employee_path(employee_id: &str) -> String {
    format!("/employees/{employee_id}")
}

/// Paging parameters of the list.
pub const OFFSET: &str = "offset";
/// Page size parameter.
pub const LIMIT: &str = "limit";
/// The page size asked for unless the setting `page_size` says otherwise
/// (a common default of REST lists; assumed).
pub const PAGE_SIZE: u64 = 100;
/// The largest page the setting `page_size` may ask for (assumed).
pub const MAX_PAGE_SIZE: u64 = 500;

/// Members of the list answer.
pub const ITEMS: &str = "items";
/// Total matching employees.
pub const TOTAL: &str = "total";

/// Employee members, as dotted paths of the JSON object.
pub mod field {
    /// The employee id (article); paybridge sends the HR employee number.
    pub const EMPLOYEE_ID: &str = "employeeId";
    /// First name (assumed).
    pub const FIRST_NAME: &str = "firstName";
    /// Last name (assumed).
    pub const LAST_NAME: &str = "lastName";
    /// Phone (article).
    pub const PHONE: &str = "telephoneNo";
    /// Work email (article).
    pub const WORK_EMAIL: &str = "emailAddressWork";
    /// Personnummer (article), `YYYYMMDD-NNNN` (format assumed).
    pub const SSN: &str = "ssn";
    /// Street (assumed).
    pub const STREET: &str = "address.street";
    /// c/o line (assumed).
    pub const CO: &str = "address.coAddress";
    /// Postal code, five digits in Sweden (assumed).
    pub const POSTAL_CODE: &str = "address.postalCode";
    /// City (assumed).
    pub const CITY: &str = "address.city";
    /// ISO 3166-1 alpha-2 (assumed).
    pub const COUNTRY: &str = "address.country";
    /// Clearing number, 4 or 5 digits (assumed).
    pub const CLEARING: &str = "bank.clearingNo";
    /// Account number, digits only (assumed).
    pub const ACCOUNT: &str = "bank.accountNo";
    /// `active` or `inactive` (assumed).
    pub const STATUS: &str = "status";
    /// One of [`super::EMPLOYMENT_TYPES`] (assumed).
    pub const EMPLOYMENT_TYPE: &str = "employment.employmentType";
    /// First day, `YYYY-MM-DD` (assumed).
    pub const START_DATE: &str = "employment.startDate";
    /// Last day, `YYYY-MM-DD` (assumed).
    pub const END_DATE: &str = "employment.endDate";
    /// Average weekly hours, a JSON number (assumed).
    pub const WEEKLY_HOURS: &str = "employment.averageWeeklyHours";
    /// Salary amount, a JSON number (assumed).
    pub const SALARY_AMOUNT: &str = "employment.salary.amount";
    /// `monthly` or `hourly` (assumed).
    pub const SALARY_PERIOD: &str = "employment.salary.period";
    /// Server-set instant of the last change (assumed); never sent.
    pub const UPDATED_AT: &str = "updatedAt";
}

/// Fields sent as JSON numbers; every other field is a JSON string.
pub const NUMBER_FIELDS: &[&str] = &[field::WEEKLY_HOURS, field::SALARY_AMOUNT];

/// Bank numbers, the personnummer and the salary: masked in every display.
pub const SENSITIVE_FIELDS: &[&str] = &[field::SSN, field::CLEARING, field::ACCOUNT, field::SALARY_AMOUNT];

/// Kontek's employment types (assumed values).
pub const EMPLOYMENT_TYPES: &[&str] = &["permanent", "temporary", "probation", "hourly"];

/// Status values (assumed).
pub const ACTIVE: &str = "active";
/// Status of an employee who left.
pub const INACTIVE: &str = "inactive";
