//! The write bodies against the OpenAPI schemas: required members present,
//! members the schema lacks absent, no empty strings, prefixes kept.

use super::*;

fn ctx() -> Context {
    Context {
        integration: "test".into(),
        today: "2026-11-22".into(),
        settings: vec![("company_id".into(), "c1".into())],
        period: None,
    }
}

fn record(kind: &str, fields: &[(&str, &str)]) -> TargetRecord {
    let mut r = Record::new(kind, None);
    for (k, v) in fields {
        r.set(k, *v);
    }
    crate::from_kit(r)
}

fn desired(records: Vec<TargetRecord>) -> MappedEmployee {
    MappedEmployee { hr_id: "hr-1".into(), employee_number: Some("42".into()), national_id: None, records }
}

fn personal(last: &str, private_phone: &str) -> TargetRecord {
    record(
        "personalInfo",
        &[
            ("basicInfo.employeeNumber", "42"),
            ("basicInfo.firstName", "Sanne"),
            ("basicInfo.lastName", last),
            ("birthInfo.birthDate", "1990-04-12"),
            ("birthInfo.birthCountryCodeISO", ""),
            ("contactInfo.privatePhone", private_phone),
        ],
    )
}

fn current(records: Vec<TargetRecord>) -> TargetEmployee {
    TargetEmployee {
        target_id: "e1".into(),
        employee_number: Some("42".into()),
        national_id: None,
        first_name: None,
        last_name: None,
        birth_date: None,
        records,
    }
}

fn body(op: &PlannedOperation) -> Value {
    serde_json::from_str(op.request.body.as_deref().unwrap_or("null")).expect("JSON body")
}

fn change(kind: &str) -> FieldChange {
    FieldChange {
        record_kind: kind.into(),
        record_key: None,
        field: "x".into(),
        before: None,
        after: None,
        sensitive: false,
    }
}

#[test]
fn a_create_carries_personal_info_with_employee_type_and_the_in_service_date() {
    let want = desired(vec![personal("de Vries", ""), record("hire", &[("inServiceDate", "2021-03-01")])]);
    let ops = plan(&ctx(), &want, None, &[change("personalInfo")]).expect("planned");
    let b = body(&ops[0]);
    assert_eq!(ops[0].request.path, "/companies/c1/employees");
    assert_eq!(b["PersonalInfo"]["basicInfo"]["employeeType"], "payroll");
    assert_eq!(b["PersonalInfo"]["basicInfo"]["employeeNumber"], 42);
    assert_eq!(b["PersonalInfo"]["birthInfo"]["birthDate"], "1990-04-12");
    assert_eq!(b["PersonalInfo"]["period"], json!({"year": 2026, "period": 11}));
    assert_eq!(b["AdditionalEmployeeInfo"]["inServiceDate"], "2021-03-01");
    // Values HR does not hold are left out, not sent empty.
    assert!(b["PersonalInfo"]["birthInfo"].get("birthCountryCodeISO").is_none());
    assert!(b["PersonalInfo"].get("contactInfo").is_none());
}

#[test]
fn an_unknown_employee_type_setting_is_refused_with_the_types_nmbrs_takes() {
    let mut c = ctx();
    c.settings.push(("employee_type".into(), "permanent".into()));
    let err = plan(&c, &desired(vec![personal("Jansen", "")]), None, &[change("personalInfo")]).expect_err("refused");
    assert!(err.message.contains("newHire"), "{}", err.message);
}

#[test]
fn an_update_keeps_the_prefix_nmbrs_holds_and_clears_what_hr_cleared() {
    let now = current(vec![record(
        "personalInfo",
        &[("basicInfo.prefix", "de"), ("basicInfo.lastName", "Vries"), ("contactInfo.privatePhone", "+31 6 1")],
    )]);
    let ops =
        plan(&ctx(), &desired(vec![personal("de Vries", "")]), Some(&now), &[change("personalInfo")]).expect("planned");
    let b = body(&ops[0]);
    assert_eq!(ops[0].request.path, "/employees/e1/personalInfo");
    assert_eq!(b["basicInfo"]["lastName"], "Vries");
    assert!(b["basicInfo"].get("employeeType").is_none(), "UpdateEmployeeBasic has no employeeType");
    assert_eq!(b["birthInfo"]["birthDate"], "1990-04-12T00:00:00Z");
    assert_eq!(b["contactInfo"]["privatePhone"], Value::Null);
}

#[test]
fn a_last_name_held_as_prefix_and_name_is_not_a_change() {
    let now = current(vec![record(
        "personalInfo",
        &[
            ("basicInfo.employeeNumber", "42"),
            ("basicInfo.firstName", "Sanne"),
            ("basicInfo.prefix", "de"),
            ("basicInfo.lastName", "Vries"),
            ("birthInfo.birthDate", "1990-04-12"),
            ("contactInfo.privatePhone", ""),
        ],
    )]);
    let changes = diff(&[personal("de Vries", "")], Some(&now));
    assert!(changes.is_empty(), "{changes:?}");
}

#[test]
fn bank_account_bodies_have_no_bic_and_the_update_no_account_type() {
    let bank = record("bankAccount", &[("number", "0417164300"), ("IBAN", "NL91ABNA0417164300")]);
    let none = current(vec![]);
    let ops = plan(&ctx(), &desired(vec![bank.clone()]), Some(&none), &[change("bankAccount")]).expect("planned");
    assert_eq!(
        body(&ops[0]),
        json!({"number": "0417164300", "IBAN": "NL91ABNA0417164300", "bankAccountType": "standard"})
    );
    let held = current(vec![record("bankAccount", &[("bankAccountId", "b1"), ("IBAN", "NL02ABNA0123456789")])]);
    let ops = plan(&ctx(), &desired(vec![bank]), Some(&held), &[change("bankAccount")]).expect("planned");
    assert_eq!(ops[0].request.method, HttpMethod::Put);
    assert_eq!(body(&ops[0]), json!({"number": "0417164300", "IBAN": "NL91ABNA0417164300", "bankAccountId": "b1"}));
}

#[test]
fn an_address_and_a_salary_go_out_in_their_schemas() {
    let address = record(
        "address",
        &[
            ("street", "Keizersgracht"),
            ("houseNumber", ""),
            ("postalCode", "1015 CJ"),
            ("city", "Amsterdam"),
            ("countryISOCode", "NL"),
        ],
    );
    let salary = record("salary", &[("value", "4200"), ("type", "grossFulltimeSalary"), ("startDate", "2025-01-01")]);
    let ops =
        plan(&ctx(), &desired(vec![address, salary]), Some(&current(vec![])), &[change("address"), change("salary")])
            .expect("planned");
    let a = body(&ops[0]);
    assert_eq!(a["type"], "homeAddress");
    assert!(a.get("houseNumber").is_none());
    assert_eq!(a["period"], json!({"year": 2026, "period": 11}));
    assert_eq!(
        body(&ops[1]),
        json!({"startDate": "2025-01-01T00:00:00Z", "type": "grossFulltimeSalary", "value": 4200.0})
    );
}
