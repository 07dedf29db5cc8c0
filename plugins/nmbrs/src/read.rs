//! Reading Nmbrs: the company's employees and the bulk lists of addresses,
//! bank accounts and salaries, each followed page by page (`nextPage`).
//! Four lists instead of one request per employee keeps a read of a large
//! company to a handful of requests. Without a `company_id` setting the
//! read lists the companies the login sees, so the error can name them.

use crate::mapping::SENSITIVE_FIELDS;
use crate::setting;
use crate::types::*;
use connector_kit::fields::{Record, flatten};
use serde_json::Value;
use std::collections::BTreeMap;

const LISTS: [&str; 4] = ["", "/addresses", "/bankaccounts", "/salaries"];

fn page_size(ctx: &Context) -> String {
    setting(ctx, "page_size").unwrap_or("100").to_owned()
}

fn get(path: String, page: u64, size: &str) -> HttpRequest {
    HttpRequest {
        method: HttpMethod::Get,
        path,
        query: vec![("pageNumber".into(), page.to_string()), ("pageSize".into(), size.to_owned())],
        headers: vec![Header { name: "accept".into(), value: "application/json".into() }],
        body: None,
    }
}

/// The first page of every list, or the companies when no company is set.
pub fn first_requests(ctx: &Context) -> Vec<HttpRequest> {
    let size = page_size(ctx);
    match setting(ctx, "company_id") {
        Some(company) => LISTS.iter().map(|l| get(format!("/companies/{company}/employees{l}"), 1, &size)).collect(),
        None => vec![get("/companies".into(), 1, &size)],
    }
}

fn error(code: &str, message: String) -> ConnectorError {
    ConnectorError { code: code.into(), message }
}

/// A problem-details body as one line.
pub fn problem_text(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return String::new();
    };
    let field = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("");
    [field("title"), field("detail"), field("code")]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(": ")
}

fn envelope(x: &Exchange) -> Result<Value, ConnectorError> {
    let status = x.response.status;
    if !(200..300).contains(&status) {
        return Err(error(
            "http-status",
            format!("GET {} answered {status}: {}", x.request.path, problem_text(&x.response.body)),
        ));
    }
    serde_json::from_str(&x.response.body)
        .map_err(|e| error("bad-json", format!("GET {} did not return JSON: {e}", x.request.path)))
}

fn page_of(request: &HttpRequest) -> u64 {
    request.query.iter().find(|(k, _)| k == "pageNumber").and_then(|(_, v)| v.parse().ok()).unwrap_or(1)
}

/// Every item of one list if all its pages are in, else the next page to
/// ask for.
fn collect(exchanges: &[Exchange], path: &str, size: &str) -> Result<Result<Vec<Value>, HttpRequest>, ConnectorError> {
    let mut pages: BTreeMap<u64, Value> = BTreeMap::new();
    for x in exchanges.iter().filter(|x| x.request.path == path) {
        pages.insert(page_of(&x.request), envelope(x)?);
    }
    let mut items = Vec::new();
    let mut expected = 1;
    for (number, page) in &pages {
        if *number != expected {
            break;
        }
        items.extend(page.get("data").and_then(Value::as_array).cloned().unwrap_or_default());
        match page.get("pagination").and_then(|p| p.get("nextPage")).and_then(Value::as_u64) {
            Some(next) => expected = next,
            None => return Ok(Ok(items)),
        }
    }
    if pages.is_empty() {
        expected = 1;
    }
    Ok(Err(get(path.to_owned(), expected, size)))
}

fn record(kind: &str, object: &Value, keep: &[&str]) -> Record {
    let mut r = Record::new(kind, None);
    for (name, value) in flatten(object) {
        if !keep.is_empty() && !keep.contains(&name.as_str()) {
            continue;
        }
        if SENSITIVE_FIELDS.contains(&name.as_str()) {
            r.set_sensitive(&name, value);
        } else {
            r.set(&name, value);
        }
    }
    r
}

fn by_employee<'a>(items: &'a [Value], list: &str) -> BTreeMap<&'a str, &'a Vec<Value>> {
    items.iter().filter_map(|i| Some((i.get("employeeId")?.as_str()?, i.get(list)?.as_array()?))).collect()
}

/// Parse every exchange so far.
pub fn parse(ctx: &Context, exchanges: &[Exchange]) -> Result<ReadOutcome, ConnectorError> {
    let size = page_size(ctx);
    let Some(company) = setting(ctx, "company_id") else {
        let companies = match collect(exchanges, "/companies", &size)? {
            Ok(items) => items,
            Err(next) => {
                return Ok(ReadOutcome { employees: vec![], more: vec![next] });
            }
        };
        let names: Vec<String> = companies
            .iter()
            .map(|c| {
                let f = |k| c.get(k).and_then(Value::as_str).unwrap_or("?");
                format!("{} ({})", f("companyId"), f("name"))
            })
            .collect();
        return Err(error(
            "setting-missing",
            format!("set company_id in [integration.settings]; companies this login sees: {}", names.join(", ")),
        ));
    };
    let mut lists = Vec::new();
    let mut more = Vec::new();
    for l in LISTS {
        match collect(exchanges, &format!("/companies/{company}/employees{l}"), &size)? {
            Ok(items) => lists.push(items),
            Err(next) => more.push(next),
        }
    }
    if !more.is_empty() {
        return Ok(ReadOutcome { employees: vec![], more });
    }
    let addresses = by_employee(&lists[1], "addresses");
    let banks = by_employee(&lists[2], "bankAccounts");
    let salaries = by_employee(&lists[3], "salaries");
    let mut employees = Vec::new();
    for item in &lists[0] {
        let Some(id) = item.get("employeeId").and_then(Value::as_str) else {
            return Err(error("bad-shape", "an employee in the list has no employeeId".into()));
        };
        let info = item.get("personalInfo").cloned().unwrap_or(Value::Null);
        let personal = record("personalInfo", &info, &[]);
        let mut records =
            vec![record("hire", item.get("additionalEmployeeInfo").unwrap_or(&Value::Null), &["inServiceDate"])];
        if let Some(home) = addresses.get(id).and_then(|list| {
            list.iter().find(|a| a.get("type").and_then(Value::as_str) == Some("homeAddress")).or(list.first())
        }) {
            records.push(record("address", home, &["street", "houseNumber", "postalCode", "city", "countryISOCode"]));
        }
        if let Some(bank) = banks.get(id).and_then(|list| {
            list.iter().find(|b| b.get("bankAccountType").and_then(Value::as_str) == Some("standard")).or(list.first())
        }) {
            records.push(record("bankAccount", bank, &["number", "IBAN", "BIC", "bankAccountId"]));
        }
        if let Some(salary) = salaries.get(id).and_then(|list| {
            list.iter().max_by_key(|s| s.get("startDate").and_then(Value::as_str).unwrap_or("").to_owned())
        }) {
            records.push(record("salary", salary, &["value", "type", "startDate"]));
        }
        let field = |name: &str| personal.get(name).filter(|v| !v.is_empty()).map(str::to_owned);
        let employee = TargetEmployee {
            target_id: id.to_owned(),
            employee_number: field("basicInfo.employeeNumber"),
            national_id: None,
            first_name: field("basicInfo.firstName"),
            last_name: field("basicInfo.lastName"),
            birth_date: field("birthInfo.birthDate"),
            records: Vec::new(),
        };
        records.insert(0, personal);
        employees.push(TargetEmployee { records: records.into_iter().map(crate::from_kit).collect(), ..employee });
    }
    Ok(ReadOutcome { employees, more: vec![] })
}
