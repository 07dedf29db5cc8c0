//! The read rules: following `nextPage` links, the history entry in force,
//! dates as dates.

use super::*;
use serde_json::json;

fn ctx() -> Context {
    Context {
        integration: "test".into(),
        today: "2026-11-22".into(),
        settings: vec![("company_id".into(), "c1".into())],
        period: None,
    }
}

fn exchange(path: &str, page: u64, body: Value) -> Exchange {
    Exchange {
        request: get(path.into(), page, "100"),
        response: HttpResponse { status: 200, headers: Vec::new(), body: body.to_string() },
    }
}

fn field(t: &TargetEmployee, kind: &str, name: &str) -> Option<String> {
    t.records.iter().map(crate::to_kit).find(|r| r.kind == kind).and_then(|r| r.get(name).map(str::to_owned))
}

#[test]
fn the_page_number_of_a_next_page_link_is_followed() {
    let link = json!("https://api.nmbrsapp.com/api/companies/c1/employees/addresses?pageNumber=4&pageSize=100");
    assert_eq!(next_page_number(&link), Some(4));
    assert_eq!(next_page_number(&json!("https://x/api/a?pageSize=100&pageNumber=12")), Some(12));
    assert_eq!(next_page_number(&Value::Null), None);
    assert_eq!(next_page_number(&json!("https://x/api/a")), None);
}

#[test]
fn a_page_with_a_next_page_link_asks_for_that_page_on_the_same_path() {
    let body = json!({
        "pagination": {"pageNumber": 1, "pageSize": 100, "totalPages": 3, "totalRecords": 250,
                       "nextPage": "https://api.nmbrsapp.com/api/companies/c1/employees/salaries?pageNumber=2",
                       "previousPage": null},
        "data": []
    });
    let step = parse(&ctx(), &[exchange("/companies/c1/employees/salaries", 1, body)]).expect("parsed");
    assert_eq!(step.more.len(), 1);
    assert_eq!(step.more[0].path, "/companies/c1/employees/salaries");
    assert!(step.more[0].query.contains(&("pageNumber".into(), "2".into())));
    assert!(step.more[0].query.contains(&("pageSize".into(), "100".into())));
}

#[test]
fn the_last_page_asks_for_nothing_more() {
    let body = json!({"pagination": {"pageNumber": 3, "totalPages": 3, "nextPage": null}, "data": []});
    let step = parse(&ctx(), &[exchange("/companies/c1/employees/salaries", 3, body)]).expect("parsed");
    assert!(step.more.is_empty());
}

#[test]
fn the_history_entry_of_the_current_period_wins_over_earlier_and_later_ones() {
    let entries = [
        json!({"city": "Utrecht", "period": {"year": 2024, "period": 1}}),
        json!({"city": "Amsterdam", "period": {"year": 2026, "period": 10}}),
        json!({"city": "Leiden", "period": {"year": 2027, "period": 2}}),
    ];
    let chosen = in_force(entries.iter(), "2026-11-22").expect("one in force");
    assert_eq!(chosen["city"], "Amsterdam");
    let future_only = [json!({"city": "Leiden", "period": {"year": 2027, "period": 2}})];
    assert_eq!(in_force(future_only.iter(), "2026-11-22").expect("earliest")["city"], "Leiden");
}

#[test]
fn personal_info_reads_dates_as_dates_and_the_birth_country_as_the_write_names_it() {
    let body = json!({
        "pagination": {"pageNumber": 1, "nextPage": null},
        "data": [{"employeeId": "e1", "info": [
            {"basicInfo": {"employeeNumber": 1001, "firstName": "Old", "lastName": "Name", "employeeType": "payroll"},
             "birthInfo": {"birthDate": "1985-03-01T00:00:00", "birthCountry": {"codeISO": "NL"}},
             "contactInfo": {"privateEmail": null}, "period": {"year": 2020, "period": 1}},
            {"basicInfo": {"employeeNumber": 1001, "firstName": "Sanne", "prefix": "de", "lastName": "Vries", "employeeType": "payroll"},
             "birthInfo": {"birthDate": "1985-03-01T00:00:00Z", "birthCountry": {"codeISO": "NL"}},
             "contactInfo": {"privateEmail": "s@example.nl"}, "period": {"year": 2026, "period": 3}}
        ]}]
    });
    let step = parse(&ctx(), &[exchange("/companies/c1/employees/personalinfo", 1, body)]).expect("parsed");
    let t = &step.learnt[0];
    assert_eq!(t.employee_number.as_deref(), Some("1001"));
    assert_eq!(t.first_name.as_deref(), Some("Sanne"));
    assert_eq!(t.birth_date.as_deref(), Some("1985-03-01"));
    assert_eq!(field(t, "personalInfo", "birthInfo.birthCountryCodeISO").as_deref(), Some("NL"));
    assert_eq!(field(t, "personalInfo", "basicInfo.prefix").as_deref(), Some("de"));
    assert_eq!(field(t, "personalInfo", "contactInfo.privateEmail").as_deref(), Some("s@example.nl"));
}

#[test]
fn the_salary_in_force_wins_over_a_future_one() {
    let body = json!({
        "pagination": {"pageNumber": 1, "nextPage": null},
        "data": [{"employeeId": "e1", "salaries": [
            {"startDate": "2025-01-01T00:00:00", "type": "grossFulltimeSalary", "value": 4200.0},
            {"startDate": "2027-01-01T00:00:00", "type": "grossFulltimeSalary", "value": 5000.0}
        ]}]
    });
    let step = parse(&ctx(), &[exchange("/companies/c1/employees/salaries", 1, body)]).expect("parsed");
    assert_eq!(field(&step.learnt[0], "salary", "startDate").as_deref(), Some("2025-01-01"));
    assert_eq!(field(&step.learnt[0], "salary", "value").as_deref(), Some("4200.0"));
}

#[test]
fn a_page_size_above_the_api_maximum_is_lowered_to_100() {
    let mut c = ctx();
    c.settings.push(("page_size".into(), "500".into()));
    let first = first_requests(&c);
    assert_eq!(first.len(), 4);
    assert!(first.iter().all(|r| r.query.contains(&("pageSize".into(), "100".into()))));
}
