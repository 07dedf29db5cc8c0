//! Scope: which employees an integration exports.
//!
//! Rules, in order: a "test scope" (a few named employee numbers, as the
//! seeds recommend for a first sync) admits only those; any exclusion wins
//! over any inclusion; each include list that is non-empty must match;
//! active status is filtered last (default: active only). Departments and
//! offices are given by their HR ids; country is the home-address country.

use crate::model::HrEmployee as Employee;
use serde::{Deserialize, Serialize};

/// Which employees by active status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActiveFilter {
    /// Active employees only (the default).
    #[default]
    Active,
    /// Inactive employees only.
    Inactive,
    /// Everyone.
    All,
}

/// An integration's scope.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scope {
    /// Active, inactive or all.
    pub active: ActiveFilter,
    /// If set, only these employee numbers (a first, careful sync).
    pub test_employees: Vec<String>,
    /// Only these employee numbers (if non-empty).
    pub include_employee_numbers: Vec<String>,
    /// Never these employee numbers.
    pub exclude_employee_numbers: Vec<String>,
    /// Only these department ids (if non-empty).
    pub departments: Vec<String>,
    /// Never these department ids.
    pub exclude_departments: Vec<String>,
    /// Only these office ids (if non-empty).
    pub offices: Vec<String>,
    /// Never these office ids.
    pub exclude_offices: Vec<String>,
    /// Only these home-address countries, ISO alpha-2 (if non-empty).
    pub countries: Vec<String>,
    /// Never these countries.
    pub exclude_countries: Vec<String>,
}

fn listed(list: &[String], value: Option<&str>) -> bool {
    value.is_some_and(|v| list.iter().any(|x| x.eq_ignore_ascii_case(v.trim())))
}

impl Scope {
    /// `Ok` if `e` is in scope, else why not.
    pub fn decide(&self, e: &Employee) -> Result<(), String> {
        let number = e.employee_number.as_deref();
        let country = e.home_address.as_ref().and_then(|a| a.country.as_deref());
        if !self.test_employees.is_empty() && !listed(&self.test_employees, number) {
            return Err("not in the test scope".into());
        }
        let excluded = [
            (listed(&self.exclude_employee_numbers, number), "employee number excluded"),
            (listed(&self.exclude_departments, e.department_id.as_deref()), "department excluded"),
            (listed(&self.exclude_offices, e.office_id.as_deref()), "office excluded"),
            (listed(&self.exclude_countries, country), "country excluded"),
        ];
        if let Some((_, why)) = excluded.iter().find(|(hit, _)| *hit) {
            return Err((*why).into());
        }
        let included = [
            (&self.include_employee_numbers, number, "employee number not included"),
            (&self.departments, e.department_id.as_deref(), "department not included"),
            (&self.offices, e.office_id.as_deref(), "office not included"),
            (&self.countries, country, "country not included"),
        ];
        for (list, value, why) in included {
            if !list.is_empty() && !listed(list, value) {
                return Err(why.into());
            }
        }
        match (self.active, e.active) {
            (ActiveFilter::Active, false) => Err("inactive".into()),
            (ActiveFilter::Inactive, true) => Err("active".into()),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn employee(number: &str, dept: &str, active: bool) -> Employee {
        Employee {
            id: format!("hr-{number}"),
            employee_number: Some(number.into()),
            first_name: None,
            last_name: None,
            work_email: None,
            private_email: None,
            work_phone: None,
            private_phone: None,
            ssn: None,
            ssn_country: None,
            birth_date: None,
            nationality: None,
            home_address: None,
            bank_account: None,
            office_id: None,
            department_id: Some(dept.into()),
            active,
            employments: vec![],
            compensations: vec![],
            absences: vec![],
            children: vec![],
        }
    }

    #[test]
    fn default_scope_takes_active_employees_only() {
        let scope = Scope::default();
        assert!(scope.decide(&employee("1", "d", true)).is_ok());
        assert_eq!(scope.decide(&employee("1", "d", false)), Err("inactive".into()));
    }

    #[test]
    fn test_scope_admits_only_the_named_employees() {
        let scope = Scope { test_employees: vec!["7".into()], ..Scope::default() };
        assert!(scope.decide(&employee("7", "d", true)).is_ok());
        assert!(scope.decide(&employee("8", "d", true)).is_err());
    }

    proptest! {
        #[test]
        fn an_exclusion_always_wins_over_inclusions(number in "[0-9]{1,4}", dept in "[a-c]", active: bool) {
            let scope = Scope {
                active: ActiveFilter::All,
                test_employees: vec![number.clone()],
                include_employee_numbers: vec![number.clone()],
                departments: vec![dept.clone()],
                exclude_departments: vec![dept.clone()],
                ..Scope::default()
            };
            prop_assert!(scope.decide(&employee(&number, &dept, active)).is_err());
        }

        #[test]
        fn include_lists_admit_exactly_their_members(number in "[0-9]{1,3}", other in "[0-9]{4}") {
            let scope = Scope { include_employee_numbers: vec![number.clone()], ..Scope::default() };
            prop_assert!(scope.decide(&employee(&number, "d", true)).is_ok());
            prop_assert!(scope.decide(&employee(&other, "d", true)).is_err());
        }
    }
}
