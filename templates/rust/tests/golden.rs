//! The golden test: a fixture HR employee maps to the fields in
//! `golden/employee.expected.json`. Runs natively: `cargo test --release`.
//! When you change the mapping on purpose, update the expected file.

use std::collections::BTreeMap;

fn golden(name: &str) -> String {
    let path = format!("{}/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

#[test]
fn the_fixture_employee_maps_to_the_golden_fields() {
    let employee = serde_json::from_str(&golden("employee.json"))
        .expect("golden/employee.json is an HR employee");
    let mapped: BTreeMap<String, String> = {{crate}}::fields_of(&employee)
        .into_iter()
        .map(|(n, v)| (n.to_owned(), v))
        .collect();
    let expected: BTreeMap<String, String> =
        serde_json::from_str(&golden("employee.expected.json"))
            .expect("golden/employee.expected.json is an object of strings");
    assert_eq!(mapped, expected);
}

#[test]
fn an_employee_with_a_malformed_email_is_refused_without_its_value_in_the_message() {
    let mut employee: {{crate}}::paybridge::connector::types::Employee =
        serde_json::from_str(&golden("employee.json"))
            .expect("golden/employee.json is an HR employee");
    employee.work_email = Some("kari.example.com".into());
    let issues = {{crate}}::map_employee(&employee).expect_err("refused");
    assert_eq!(issues[0].field, "workEmail");
    assert!(!issues[0].message.contains("kari.example.com"));
}
