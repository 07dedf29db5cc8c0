//! Reading Nmbrs: the company's employees and the bulk lists of addresses,
//! bank accounts and salaries, each followed page by page (`nextPage`).
//! Four lists instead of one request per employee keeps a read of a large
//! company to a handful of requests. Each page is parsed on its own (the
//! streaming read of contract 2.0): an employees page gives each
//! employee's personal info and hire date, a sub-resource page each
//! employee's chosen address, bank account or salary; the host merges them
//! by `employeeId`. Without a `company_id` setting the read lists the
//! companies the login sees, so the error can name them.

use crate::mapping::SENSITIVE_FIELDS;
use crate::setting;
use crate::types::*;
use connector_kit::fields::{Record, flatten};
use serde_json::Value;

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

/// The items of one page, and the request for the next page if there is
/// one.
fn page(x: &Exchange, size: &str) -> Result<(Vec<Value>, Option<HttpRequest>), ConnectorError> {
    let envelope = envelope(x)?;
    let next = envelope.get("pagination").and_then(|p| p.get("nextPage")).and_then(Value::as_u64);
    let next = next.filter(|n| *n > page_of(&x.request)).map(|n| get(x.request.path.clone(), n, size));
    let items = match envelope.get("data") {
        Some(Value::Array(items)) => items.clone(),
        _ => return Err(error("bad-shape", format!("GET {} answered no `data` list", x.request.path))),
    };
    Ok((items, next))
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

/// A partial target employee holding only `records`.
fn partial(id: &str, records: Vec<Record>) -> TargetEmployee {
    TargetEmployee {
        target_id: id.to_owned(),
        employee_number: None,
        national_id: None,
        first_name: None,
        last_name: None,
        birth_date: None,
        records: records.into_iter().map(crate::from_kit).collect(),
    }
}

/// One employee of the employees list: personal info and hire date.
fn employee(item: &Value) -> Result<TargetEmployee, ConnectorError> {
    let Some(id) = item.get("employeeId").and_then(Value::as_str) else {
        return Err(error("bad-shape", "an employee in the list has no employeeId".into()));
    };
    let info = item.get("personalInfo").cloned().unwrap_or(Value::Null);
    let personal = record("personalInfo", &info, &[]);
    let hire = record("hire", item.get("additionalEmployeeInfo").unwrap_or(&Value::Null), &["inServiceDate"]);
    let field = |name: &str| personal.get(name).filter(|v| !v.is_empty()).map(str::to_owned);
    Ok(TargetEmployee {
        employee_number: field("basicInfo.employeeNumber"),
        first_name: field("basicInfo.firstName"),
        last_name: field("basicInfo.lastName"),
        birth_date: field("birthInfo.birthDate"),
        ..partial(id, vec![personal, hire])
    })
}

/// The record one sub-resource list item gives its employee: the home
/// address (else the first), the standard bank account (else the first),
/// the salary that starts last.
fn sub_resource(list: &str, item: &Value) -> Option<TargetEmployee> {
    let id = item.get("employeeId")?.as_str()?;
    let of = |key: &str| item.get(key).and_then(Value::as_array);
    let is = |v: &Value, key: &str, want: &str| v.get(key).and_then(Value::as_str) == Some(want);
    let chosen = match list {
        "/addresses" => {
            let all = of("addresses")?;
            let home = all.iter().find(|a| is(a, "type", "homeAddress")).or(all.first())?;
            record("address", home, &["street", "houseNumber", "postalCode", "city", "countryISOCode"])
        }
        "/bankaccounts" => {
            let all = of("bankAccounts")?;
            let standard = all.iter().find(|b| is(b, "bankAccountType", "standard")).or(all.first())?;
            record("bankAccount", standard, &["number", "IBAN", "BIC", "bankAccountId"])
        }
        "/salaries" => {
            let all = of("salaries")?;
            let latest =
                all.iter().max_by_key(|s| s.get("startDate").and_then(Value::as_str).unwrap_or("").to_owned())?;
            record("salary", latest, &["value", "type", "startDate"])
        }
        _ => return None,
    };
    Some(partial(id, vec![chosen]))
}

/// What one round's pages say, and the next pages to read.
pub fn parse(ctx: &Context, exchanges: &[Exchange]) -> Result<ReadStep, ConnectorError> {
    let size = page_size(ctx);
    let mut step = ReadStep { learnt: Vec::new(), more: Vec::new() };
    let Some(company) = setting(ctx, "company_id") else {
        if let Some(x) = exchanges.iter().find(|x| x.request.path == "/companies") {
            let (companies, next) = page(x, &size)?;
            let names: Vec<String> = companies
                .iter()
                .map(|c| {
                    let f = |k| c.get(k).and_then(Value::as_str).unwrap_or("?");
                    format!("{} ({})", f("companyId"), f("name"))
                })
                .collect();
            let later = if next.is_some() { " (more on later pages)" } else { "" };
            return Err(error(
                "setting-missing",
                format!(
                    "set company_id in [integration.settings]; companies this login sees: {}{later}",
                    names.join(", ")
                ),
            ));
        }
        return Err(error("protocol", "no answer to GET /companies".into()));
    };
    let base = format!("/companies/{company}/employees");
    for x in exchanges {
        let Some(list) = x.request.path.strip_prefix(&base) else {
            return Err(error(
                "protocol",
                format!("an answer to GET {}, which this connector never asks for", x.request.path),
            ));
        };
        if !LISTS.contains(&list) {
            return Err(error(
                "protocol",
                format!("an answer to GET {}, which this connector never asks for", x.request.path),
            ));
        }
        let (items, next) = page(x, &size)?;
        step.more.extend(next);
        for item in &items {
            if list.is_empty() {
                step.learnt.push(employee(item)?);
            } else {
                step.learnt.extend(sub_resource(list, item));
            }
        }
    }
    Ok(step)
}
