//! One test per row of the seed's field lists (`shared/seeds/002`) and per
//! rule: personnummer forms, postal codes, bank numbers, employment types,
//! salary periods, the two flows' field sets.

use super::*;

fn ctx(settings: &[(&str, &str)]) -> Context {
    Context {
        integration: "kontek".into(),
        today: "2026-12-06".into(),
        settings: settings.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect(),
        period: None,
    }
}

pub(crate) fn employee() -> Employee {
    Employee {
        id: "hr-1".into(),
        employee_number: Some("2001".into()),
        first_name: Some("Astrid".into()),
        last_name: Some("Lindqvist".into()),
        work_email: Some("astrid.lindqvist@example.se".into()),
        private_email: None,
        work_phone: Some("+46 8 000 00 01".into()),
        private_phone: Some("+46 70 000 00 01".into()),
        ssn: Some("811218-9876".into()),
        ssn_country: Some("SE".into()),
        birth_date: Some("1981-12-18".into()),
        nationality: Some("SE".into()),
        home_address: Some(Address {
            street: Some("Drottninggatan 12".into()),
            co: Some("c/o Berg".into()),
            postal_code: Some("111 51".into()),
            city: Some("Stockholm".into()),
            country: Some("SE".into()),
        }),
        bank_account: Some(BankAccount {
            bank: Some("Swedbank".into()),
            clearing: Some("8424-4".into()),
            number: Some("983 189 224-6".into()),
            iban: None,
            bic: None,
            country: Some("SE".into()),
        }),
        office_id: None,
        department_id: None,
        active: true,
        employments: vec![Employment {
            id: "m1".into(),
            employment_type: Some(EmploymentType { id: "t1".into(), name: "Tillsvidare".into() }),
            start_date: Some("2020-02-01".into()),
            end_date: None,
            rate: Some("100".into()),
            note: None,
            weekly_hours: Some("40".into()),
            active: true,
        }],
        compensations: vec![Compensation {
            id: "c1".into(),
            employment_id: None,
            effective_date: Some("2025-01-01".into()),
            payout_period: Some("MONTHLY".into()),
            amount: Some("42000".into()),
            currency: Some("SEK".into()),
        }],
        absences: Vec::new(),
        children: Vec::new(),
    }
}

fn record(mapped: &MappedEmployee) -> Record {
    crate::to_kit(&mapped.records[0])
}

#[test]
fn the_export_sends_the_seeds_export_fields_normalised() {
    let mapped = map_employee(&ctx(&[]), &employee()).expect("maps");
    assert_eq!(mapped.employee_number.as_deref(), Some("2001"));
    assert_eq!(mapped.national_id.as_deref(), Some("19811218-9876"));
    let r = record(&mapped);
    let names: Vec<&str> = r.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, FieldSet::Export.fields());
    assert_eq!(r.get(field::SSN), Some("19811218-9876"), "10 digits with a dash become the long form");
    assert_eq!(r.get(field::POSTAL_CODE), Some("11151"), "a Swedish postal code loses its space");
    assert_eq!(r.get(field::CO), Some("c/o Berg"));
    assert_eq!(r.get(field::CLEARING), Some("84244"), "a five-digit Swedbank clearing number");
    assert_eq!(r.get(field::ACCOUNT), Some("9831892246"), "account digits only");
    assert_eq!(r.get(field::EMPLOYMENT_TYPE), Some("permanent"));
    assert_eq!(r.get(field::START_DATE), Some("2020-02-01"));
    assert_eq!(r.get(field::END_DATE), Some(""));
    assert_eq!((r.get(field::SALARY_AMOUNT), r.get(field::SALARY_PERIOD)), (Some("42000"), Some("monthly")));
    assert_eq!(r.get(field::PHONE), None, "the phone is not in the seed's export list");
    let sensitive: Vec<&str> = r.fields.iter().filter(|f| f.sensitive).map(|f| f.name.as_str()).collect();
    assert_eq!(sensitive, [field::SSN, field::CLEARING, field::ACCOUNT, field::SALARY_AMOUNT]);
}

#[test]
fn the_on_change_flow_sends_only_the_seeds_update_fields() {
    let mapped = map_employee(&ctx(&[("field_set", "on-change")]), &employee()).expect("maps");
    let r = record(&mapped);
    let names: Vec<&str> = r.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, FieldSet::OnChange.fields());
    assert_eq!(r.get(field::PHONE), Some("+46 70 000 00 01"));
    for absent in [field::CLEARING, field::EMPLOYMENT_TYPE, field::END_DATE, field::SALARY_AMOUNT] {
        assert_eq!(r.get(absent), None, "{absent} is not in the on-change list");
    }
}

#[test]
fn an_unknown_flow_is_refused_with_the_two_that_exist() {
    let issues = map_employee(&ctx(&[("field_set", "nightly")]), &employee()).expect_err("refused");
    assert!(issues[0].message.contains("\"export\" or \"on-change\""), "{}", issues[0].message);
}

#[test]
fn an_invalid_personnummer_is_refused_with_the_reason() {
    for (ssn, why) in [("811218-9875", "check digit"), ("811318-9875", "date"), ("81121898", "must be")] {
        let e = Employee { ssn: Some(ssn.into()), ..employee() };
        let issues = map_employee(&ctx(&[]), &e).expect_err("refused");
        assert_eq!(issues[0].field, "ssn");
        assert!(issues[0].message.contains(why), "{ssn}: {}", issues[0].message);
    }
}

#[test]
fn twelve_digit_and_plus_forms_normalise_to_one_long_form() {
    for (ssn, long) in
        [("198112189876", "19811218-9876"), ("19811218-9876", "19811218-9876"), ("121212+1212", "19121212-1212")]
    {
        let e = Employee { ssn: Some(ssn.into()), ..employee() };
        let mapped = map_employee(&ctx(&[]), &e).expect("maps");
        assert_eq!(mapped.national_id.as_deref(), Some(long), "{ssn}");
    }
}

#[test]
fn employment_types_map_by_name_and_a_setting_adds_one() {
    let with_type = |name: &str| Employee {
        employments: vec![Employment {
            employment_type: Some(EmploymentType { id: "t".into(), name: name.into() }),
            ..employee().employments[0].clone()
        }],
        ..employee()
    };
    for (name, kontek) in [("Visstid", "temporary"), ("Provanställning", "probation"), ("Timanställd", "hourly")] {
        let r = record(&map_employee(&ctx(&[]), &with_type(name)).expect("maps"));
        assert_eq!(r.get(field::EMPLOYMENT_TYPE), Some(kontek), "{name}");
    }
    let issues = map_employee(&ctx(&[]), &with_type("Säsong")).expect_err("unknown type");
    assert!(issues[0].message.contains("employment_type.Säsong"), "{}", issues[0].message);
    let settings = [("employment_type.Säsong", "temporary")];
    let r = record(&map_employee(&ctx(&settings), &with_type("Säsong")).expect("maps"));
    assert_eq!(r.get(field::EMPLOYMENT_TYPE), Some("temporary"));
}

#[test]
fn an_annual_salary_is_refused_and_no_compensation_leaves_kontek_s_salary_alone() {
    let mut annual = employee();
    annual.compensations[0].payout_period = Some("ANNUAL".into());
    let issues = map_employee(&ctx(&[]), &annual).expect_err("refused");
    assert_eq!(issues[0].field, "compensation.payoutPeriod");
    let none = Employee { compensations: Vec::new(), ..employee() };
    let r = record(&map_employee(&ctx(&[]), &none).expect("maps"));
    assert_eq!((r.get(field::SALARY_AMOUNT), r.get(field::SALARY_PERIOD)), (None, None));
}

#[test]
fn an_employee_number_kontek_cannot_take_is_refused() {
    let e = Employee { employee_number: Some("20 01".into()), ..employee() };
    let issues = map_employee(&ctx(&[]), &e).expect_err("refused");
    assert_eq!(issues[0].field, "employeeNumber");
}

#[test]
fn a_field_payroll_owns_is_never_exported() {
    let settings =
        [("field_set", "on-change"), ("owner.privatePhone", "payroll"), ("owner.homeAddress.city", "payroll")];
    let r = record(&map_employee(&ctx(&settings), &employee()).expect("maps"));
    assert_eq!((r.get(field::PHONE), r.get(field::CITY)), (None, None));
    assert_eq!(r.get(field::STREET), Some("Drottninggatan 12"), "HR's fields still go");
}

#[test]
fn a_swedish_postal_code_must_be_five_digits() {
    let mut e = employee();
    if let Some(a) = e.home_address.as_mut() {
        a.postal_code = Some("1234".into());
    }
    let issues = map_employee(&ctx(&[]), &e).expect_err("refused");
    assert_eq!(issues[0].field, "homeAddress.postalCode");
}
