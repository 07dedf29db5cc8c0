//! One test per row of the seed table (`shared/seeds/003`).

use super::*;

fn ctx() -> Context {
    Context {
        integration: "test".into(),
        today: "2026-11-22".into(),
        settings: vec![("company_id".into(), "c1".into())],
        period: None,
    }
}

fn employee() -> Employee {
    Employee {
        id: "hr-1".into(),
        employee_number: Some("42".into()),
        first_name: Some("Sanne".into()),
        last_name: Some("de Vries".into()),
        work_email: Some("sanne@example.nl".into()),
        private_email: Some("sanne@privé.example".into()),
        work_phone: Some("+31 20 000 0000".into()),
        private_phone: Some("+31 6 0000 0000".into()),
        ssn: None,
        ssn_country: Some("NL".into()),
        birth_date: Some("1990-04-12".into()),
        nationality: Some("NL".into()),
        home_address: Some(Address {
            street: Some("Keizersgracht 123A".into()),
            co: None,
            postal_code: Some("1015 CJ".into()),
            city: Some("Amsterdam".into()),
            country: Some("NL".into()),
        }),
        bank_account: Some(BankAccount {
            bank: None,
            clearing: None,
            number: Some("0417164300".into()),
            iban: Some("NL91 ABNA 0417 1643 00".into()),
            bic: Some("ABNANL2A".into()),
            country: Some("NL".into()),
        }),
        office_id: None,
        department_id: None,
        active: true,
        employments: vec![Employment {
            id: "m1".into(),
            employment_type: None,
            start_date: Some("2021-03-01".into()),
            end_date: None,
            rate: Some("100".into()),
            note: None,
            weekly_hours: None,
            active: true,
        }],
        compensations: vec![Compensation {
            id: "c1".into(),
            employment_id: None,
            effective_date: Some("2025-01-01".into()),
            payout_period: Some("MONTHLY".into()),
            amount: Some("4200".into()),
            currency: Some("EUR".into()),
        }],
        absences: vec![],
        children: vec![],
    }
}

fn field(m: &MappedEmployee, kind: &str, name: &str) -> Option<String> {
    crate::to_kit(m.records.iter().find(|r| r.kind == kind)?).get(name).map(str::to_owned)
}

fn mapped(e: &Employee) -> MappedEmployee {
    map_employee(&ctx(), e).unwrap_or_else(|issues| panic!("{issues:?}"))
}

#[test]
fn names_birth_date_and_country_of_birth_go_to_personal_info() {
    let m = mapped(&employee());
    assert_eq!(field(&m, "personalInfo", "basicInfo.firstName").as_deref(), Some("Sanne"));
    assert_eq!(field(&m, "personalInfo", "basicInfo.lastName").as_deref(), Some("de Vries"));
    assert_eq!(field(&m, "personalInfo", "birthInfo.birthDate").as_deref(), Some("1990-04-12"));
    assert_eq!(field(&m, "personalInfo", "birthInfo.birthCountryCodeISO").as_deref(), Some("NL"));
}

#[test]
fn private_and_work_contact_details_are_mapped() {
    let m = mapped(&employee());
    assert_eq!(field(&m, "personalInfo", "contactInfo.privateEmail").as_deref(), Some("sanne@privé.example"));
    assert_eq!(field(&m, "personalInfo", "contactInfo.privatePhone").as_deref(), Some("+31 6 0000 0000"));
    assert_eq!(field(&m, "personalInfo", "contactInfo.businessEmail").as_deref(), Some("sanne@example.nl"));
    assert_eq!(field(&m, "personalInfo", "contactInfo.businessPhone").as_deref(), Some("+31 20 000 0000"));
}

#[test]
fn employee_number_must_be_a_positive_integer() {
    assert_eq!(field(&mapped(&employee()), "personalInfo", "basicInfo.employeeNumber").as_deref(), Some("42"));
    let mut e = employee();
    e.employee_number = Some("A7".into());
    assert!(map_employee(&ctx(), &e).is_err_and(|i| i[0].field == "employeeNumber"));
}

#[test]
fn street_line_is_split_into_street_and_house_number() {
    assert_eq!(split_street("Keizersgracht 123A"), ("Keizersgracht".into(), "123A".into()));
    assert_eq!(split_street("Bygdøy allé 5"), ("Bygdøy allé".into(), "5".into()));
    assert_eq!(split_street("Postboks"), ("Postboks".into(), String::new()));
    let m = mapped(&employee());
    assert_eq!(field(&m, "address", "postalCode").as_deref(), Some("1015 CJ"));
    assert_eq!(field(&m, "address", "city").as_deref(), Some("Amsterdam"));
    assert_eq!(field(&m, "address", "countryISOCode").as_deref(), Some("NL"));
}

#[test]
fn hire_date_is_the_first_employment_start() {
    let mut e = employee();
    e.employments.push(Employment {
        id: "m0".into(),
        start_date: Some("2019-06-01".into()),
        ..e.employments[0].clone()
    });
    assert_eq!(field(&mapped(&e), "hire", "inServiceDate").as_deref(), Some("2019-06-01"));
}

#[test]
fn bank_account_number_and_iban_are_sensitive_and_no_bic_is_sent() {
    let m = mapped(&employee());
    assert_eq!(field(&m, "bankAccount", "IBAN").as_deref(), Some("NL91ABNA0417164300"));
    // The REST CreateBankAccount schema has no BIC member.
    assert_eq!(field(&m, "bankAccount", "BIC"), None);
    let bank = m.records.iter().find(|r| r.kind == "bankAccount").expect("bank");
    assert!(crate::to_kit(bank).fields.iter().all(|f| f.sensitive));
}

#[test]
fn an_employee_number_with_leading_zeros_is_the_integer_nmbrs_keeps() {
    let mut e = employee();
    e.employee_number = Some("01001".into());
    let m = mapped(&e);
    assert_eq!(field(&m, "personalInfo", "basicInfo.employeeNumber").as_deref(), Some("1001"));
    assert_eq!(m.employee_number.as_deref(), Some("1001"));
    assert_eq!(employee_number("0"), "0");
    assert_eq!(employee_number("0A7"), "0A7");
}

#[test]
fn an_address_without_a_country_is_refused_with_the_field_named() {
    let mut e = employee();
    if let Some(a) = e.home_address.as_mut() {
        a.country = None;
    }
    assert!(map_employee(&ctx(), &e).is_err_and(|i| i[0].field == "homeAddress.country"));
}

#[test]
fn a_bank_account_without_iban_is_refused() {
    let mut e = employee();
    if let Some(b) = e.bank_account.as_mut() {
        b.iban = None;
    }
    assert!(map_employee(&ctx(), &e).is_err_and(|i| i[0].field == "bankAccount.iban"));
}

#[test]
fn salary_value_type_and_start_come_from_the_current_compensation() {
    let mut e = employee();
    e.compensations.push(Compensation {
        id: "future".into(),
        effective_date: Some("2027-01-01".into()),
        amount: Some("9999".into()),
        ..e.compensations[0].clone()
    });
    let m = mapped(&e);
    assert_eq!(field(&m, "salary", "value").as_deref(), Some("4200"));
    assert_eq!(field(&m, "salary", "type").as_deref(), Some("grossFulltimeSalary"));
    assert_eq!(field(&m, "salary", "startDate").as_deref(), Some("2025-01-01"));
    assert_eq!(salary_type("MONTHLY", Some("80")), Some("grossParttimeSalary"));
    assert_eq!(salary_type("HOURLY", None), Some("grossHourlyWage"));
    assert_eq!(salary_type("ANNUAL", None), None);
}

#[test]
fn a_norwegian_account_without_iban_gets_its_iban_computed() {
    let mut e = employee();
    e.bank_account = Some(BankAccount {
        bank: None,
        clearing: None,
        number: Some("8601 11 17947".into()),
        iban: None,
        bic: None,
        country: Some("NO".into()),
    });
    assert_eq!(field(&mapped(&e), "bankAccount", "IBAN").as_deref(), Some("NO9386011117947"));
}
