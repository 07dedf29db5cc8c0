//! The import direction (seed 002, "imported into HR from Kontek every
//! morning"): what HR should hold according to Kontek, as canonical HR
//! field names. The host applies the integration's per-field ownership
//! before anything is written to HR.
//!
//! | Kontek | HR field |
//! |---|---|
//! | `employeeId` | `employeeNumber` |
//! | `firstName`, `lastName` | `firstName`, `lastName` |
//! | `telephoneNo` | `privatePhone` |
//! | `emailAddressWork` | `workEmail` |
//! | `ssn` | `ssn` (long form `YYYYMMDD-NNNN`) |
//! | `address.street`, `.coAddress`, `.postalCode`, `.city`, `.country` | `homeAddress.street`, `.co`, `.postalCode`, `.city`, `.country` |
//! | `bank.clearingNo`, `bank.accountNo` | `bankAccount.clearing`, `bankAccount.number` |
//! | `status` | `active` (`true` / `false`) |
//! | `employment.startDate`, `.endDate`, `.averageWeeklyHours` | `employment.startDate`, `employment.endDate`, `employment.weeklyHours` |

use crate::shape::{self, field};
use crate::types::*;
use connector_kit::personnummer::parse_swedish;

/// Kontek field → HR field, in the order they are reported.
pub const IMPORTED: &[(&str, &str)] = &[
    (field::FIRST_NAME, "firstName"),
    (field::LAST_NAME, "lastName"),
    (field::PHONE, "privatePhone"),
    (field::WORK_EMAIL, "workEmail"),
    (field::SSN, "ssn"),
    (field::STREET, "homeAddress.street"),
    (field::CO, "homeAddress.co"),
    (field::POSTAL_CODE, "homeAddress.postalCode"),
    (field::CITY, "homeAddress.city"),
    (field::COUNTRY, "homeAddress.country"),
    (field::CLEARING, "bankAccount.clearing"),
    (field::ACCOUNT, "bankAccount.number"),
    (field::STATUS, "active"),
    (field::START_DATE, "employment.startDate"),
    (field::END_DATE, "employment.endDate"),
    (field::WEEKLY_HOURS, "employment.weeklyHours"),
];

/// What HR should hold for one Kontek employee.
pub fn import_employee(ctx: &Context, current: &TargetEmployee) -> Option<HrUpdate> {
    let record = current.records.iter().find(|r| r.kind == "employee").map(crate::to_kit)?;
    let mut fields = Vec::new();
    for (kontek, hr) in IMPORTED {
        let Some(value) = record.get(kontek) else { continue };
        let value = match *kontek {
            field::STATUS => match value {
                shape::ACTIVE => "true".to_owned(),
                shape::INACTIVE => "false".to_owned(),
                _ => continue,
            },
            field::SSN => match parse_swedish(value, &ctx.today) {
                Ok(number) => number.long(),
                Err(_) => continue,
            },
            _ => value.to_owned(),
        };
        fields.push(Field { name: (*hr).to_owned(), sensitive: shape::SENSITIVE_FIELDS.contains(kontek), value });
    }
    Some(HrUpdate {
        target_id: current.target_id.clone(),
        hr_id: None,
        employee_number: current.employee_number.clone(),
        fields,
    })
}
