//! Required HR fields, as a connector's manifest declares them (AlexisHR
//! names). Checked by the host before the connector sees the employee, so
//! every connector gets the same "X missing" messages.

use crate::model::HrEmployee as Employee;
use crate::runtime::types::ValidationIssue;

fn present(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !v.trim().is_empty())
}

/// Every required-field name the host knows (the `required-fields` of a
/// manifest), as [`has_field`] reads them.
pub const KNOWN_FIELDS: &[&str] = &[
    "employeeNumber",
    "firstName",
    "lastName",
    "birthDate",
    "ssn",
    "nationality",
    "workEmail",
    "privateEmail",
    "hireDate",
    "homeAddress.street",
    "homeAddress.postalCode",
    "homeAddress.city",
    "homeAddress.country",
    "bankAccount",
    "compensation",
];

/// Whether `e` has `field`; `None` for a name this host does not know.
pub fn has_field(e: &Employee, field: &str) -> Option<bool> {
    let address = e.home_address.as_ref();
    let bank = e.bank_account.as_ref();
    Some(match field {
        "employeeNumber" => present(&e.employee_number),
        "firstName" => present(&e.first_name),
        "lastName" => present(&e.last_name),
        "birthDate" => present(&e.birth_date),
        "ssn" => present(&e.ssn),
        "nationality" => present(&e.nationality),
        "workEmail" => present(&e.work_email),
        "privateEmail" => present(&e.private_email),
        "hireDate" => e.employments.iter().any(|m| present(&m.start_date)),
        "homeAddress.street" => address.is_some_and(|a| present(&a.street)),
        "homeAddress.postalCode" => address.is_some_and(|a| present(&a.postal_code)),
        "homeAddress.city" => address.is_some_and(|a| present(&a.city)),
        "homeAddress.country" => address.is_some_and(|a| present(&a.country)),
        "bankAccount" => bank.is_some_and(|b| present(&b.number) || present(&b.iban)),
        "compensation" => !e.compensations.is_empty(),
        _ => return None,
    })
}

/// One issue per required field `e` lacks.
pub fn missing_fields(e: &Employee, required: &[String]) -> Vec<ValidationIssue> {
    required
        .iter()
        .filter_map(|field| match has_field(e, field) {
            Some(true) => None,
            Some(false) => Some(ValidationIssue {
                employee_id: e.id.clone(),
                field: field.clone(),
                code: "missing".into(),
                message: format!("{field} missing"),
            }),
            None => {
                tracing::warn!(field = %field, "the connector requires a field this host does not know; ignored");
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_field_name_is_read_and_no_other() {
        let blank = Employee::default();
        for field in KNOWN_FIELDS {
            assert_eq!(has_field(&blank, field), Some(false), "{field}");
        }
        assert_eq!(has_field(&blank, "hireDat"), None);
    }
}
