//! Reading Nmbrs: four bulk lists of the company's employees (personal
//! info, addresses, bank accounts, salaries), each followed page by page.
//! Four lists instead of one request per employee keeps a read of a large
//! company to a handful of requests. Each page is parsed on its own (the
//! streaming read of contract 2.0); the host merges what each page
//! teaches by `employeeId`. Without a `company_id` setting the read lists
//! the companies the login sees, so the error can name them.
//!
//! Shapes from the vendor's OpenAPI file
//! (`shared/data/nmbrs/nmbrs-openapi.yaml`): the envelope `{data,
//! pagination}` whose `nextPage` is a URI string (`Pagination`); rows
//! `{employeeId, info|addresses|bankAccounts|salaries: [...]}`
//! (`PersonalInfos`, `EmployeeAddressess`, `EmployeeBankAccounts`,
//! `EmployeeSalaries`). Personal info and addresses are histories with a
//! `period {year, period}`: the entry in force today wins (periods are
//! taken as months, the common payroll frequency; assumed). Dates come as
//! date-times and are compared as dates.

use crate::mapping::SENSITIVE_FIELDS;
use crate::setting;
use crate::types::*;
use connector_kit::fields::{Record, flatten};
use serde_json::Value;

const LISTS: [&str; 4] = ["/personalinfo", "/addresses", "/bankaccounts", "/salaries"];

/// The largest page the API serves (`pageSize` maximum 100).
pub const MAX_PAGE_SIZE: u32 = 100;

/// The configured page size, kept within 1..=100.
fn page_size(ctx: &Context) -> String {
    let size = setting(ctx, "page_size").and_then(|s| s.parse::<u32>().ok()).unwrap_or(MAX_PAGE_SIZE);
    size.clamp(1, MAX_PAGE_SIZE).to_string()
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

/// The page number a `nextPage` link names: the `pageNumber` of its query
/// (`https://api.nmbrsapp.com/api/companies/…?pageNumber=4`). Only the
/// number is taken from the link; the request is built here, on the path
/// already asked for.
pub fn next_page_number(link: &Value) -> Option<u64> {
    match link {
        Value::String(url) => {
            let query = url.split_once('?')?.1;
            let query = query.split('#').next().unwrap_or(query);
            query.split('&').find_map(|pair| pair.strip_prefix("pageNumber=")).and_then(|n| n.parse().ok())
        }
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// The items of one page, and the request for the next page if there is
/// one.
fn page(x: &Exchange, size: &str) -> Result<(Vec<Value>, Option<HttpRequest>), ConnectorError> {
    let envelope = envelope(x)?;
    let pagination = envelope.get("pagination");
    let next = pagination.and_then(|p| p.get("nextPage")).and_then(next_page_number);
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

/// The date part of a date or date-time (`1985-03-01T00:00:00` → `1985-03-01`).
pub fn date_part(value: &str) -> &str {
    value.get(..10).filter(|_| value.len() == 10 || value.as_bytes().get(10) == Some(&b'T')).unwrap_or(value)
}

/// (year, month) of an ISO date.
fn year_month(date: &str) -> (i64, i64) {
    let part = |range: std::ops::Range<usize>| date.get(range).and_then(|p| p.parse().ok()).unwrap_or(0);
    (part(0..4), part(5..7))
}

/// (year, period) of a history entry; an entry without one counts as
/// always in force.
fn period_of(entry: &Value) -> (i64, i64) {
    let p = entry.get("period");
    let field = |k: &str| p.and_then(|p| p.get(k)).and_then(Value::as_i64).unwrap_or(0);
    (field("year"), field("period"))
}

/// The entry of a history in force `today`: the latest period not after
/// today's (the later entry of one period wins); when every entry lies in
/// the future, the earliest.
pub fn in_force<'a>(entries: impl Iterator<Item = &'a Value> + Clone, today: &str) -> Option<&'a Value> {
    let now = year_month(today);
    let current =
        entries.clone().enumerate().filter(|(_, e)| period_of(e) <= now).max_by_key(|(i, e)| (period_of(e), *i));
    current.map(|(_, e)| e).or_else(|| entries.min_by_key(|e| period_of(e)))
}

/// Personal-info fields compared with what the mapping sends, named as
/// the mapping names them (the read's `birthInfo.birthCountry.codeISO` is
/// the write's `birthInfo.birthCountryCodeISO`).
const PERSONAL_FIELDS: &[(&str, &str)] = &[
    ("basicInfo.employeeNumber", "basicInfo.employeeNumber"),
    ("basicInfo.firstName", "basicInfo.firstName"),
    ("basicInfo.prefix", "basicInfo.prefix"),
    ("basicInfo.lastName", "basicInfo.lastName"),
    ("birthInfo.birthDate", "birthInfo.birthDate"),
    ("birthInfo.birthCountry.codeISO", "birthInfo.birthCountryCodeISO"),
    ("contactInfo.privateEmail", "contactInfo.privateEmail"),
    ("contactInfo.privatePhone", "contactInfo.privatePhone"),
    ("contactInfo.businessEmail", "contactInfo.businessEmail"),
    ("contactInfo.businessPhone", "contactInfo.businessPhone"),
];

/// One row of the personal-info list: the entry in force, as the
/// employee's identity and its `personalInfo` record.
fn personal_info(item: &Value, id: &str, today: &str) -> TargetEmployee {
    let entries = item.get("info").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let fields: Vec<(String, String)> = in_force(entries.iter(), today).map(flatten).unwrap_or_default();
    let mut personal = Record::new("personalInfo", None);
    for (read_as, named) in PERSONAL_FIELDS {
        let value = fields.iter().find(|(k, _)| k == read_as).map(|(_, v)| v.as_str()).unwrap_or("");
        let value = if named.ends_with("Date") { date_part(value) } else { value };
        personal.set(named, value);
    }
    let field = |name: &str| personal.get(name).filter(|v| !v.is_empty()).map(str::to_owned);
    TargetEmployee {
        employee_number: field("basicInfo.employeeNumber"),
        first_name: field("basicInfo.firstName"),
        last_name: field("basicInfo.lastName"),
        birth_date: field("birthInfo.birthDate"),
        ..partial(id, vec![personal])
    }
}

/// The record one sub-resource row gives its employee: the home address
/// in force (else any address in force), the standard bank account (else
/// the first), the salary in force.
fn sub_resource(list: &str, item: &Value, today: &str) -> Option<Record> {
    let of = |key: &str| item.get(key).and_then(Value::as_array);
    let is = |v: &Value, key: &str, want: &str| v.get(key).and_then(Value::as_str) == Some(want);
    let chosen = match list {
        "/addresses" => {
            let all = of("addresses")?;
            let home = || all.iter().filter(|a| is(a, "type", "homeAddress"));
            let address = if home().next().is_some() { in_force(home(), today) } else { in_force(all.iter(), today) };
            record("address", address?, &["street", "houseNumber", "postalCode", "city", "countryISOCode"])
        }
        "/bankaccounts" => {
            let all = of("bankAccounts")?;
            let standard = all.iter().find(|b| is(b, "bankAccountType", "standard")).or(all.first())?;
            record("bankAccount", standard, &["number", "IBAN", "bankAccountId"])
        }
        "/salaries" => {
            let all = of("salaries")?;
            let start = |s: &Value| date_part(s.get("startDate").and_then(Value::as_str).unwrap_or("")).to_owned();
            let current = all.iter().filter(|s| start(s).as_str() <= today).max_by_key(|s| start(s));
            let salary = current.or_else(|| all.iter().min_by_key(|s| start(s)))?;
            let mut r = record("salary", salary, &["value", "type"]);
            r.set("startDate", start(salary));
            r
        }
        _ => return None,
    };
    Some(chosen)
}

/// What one round's pages say, and the next pages to read.
pub fn parse(ctx: &Context, exchanges: &[Exchange]) -> Result<ReadStep, ConnectorError> {
    let size = page_size(ctx);
    let mut step = ReadStep { learnt: Vec::new(), company: Vec::new(), more: Vec::new() };
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
            let Some(id) = item.get("employeeId").and_then(Value::as_str) else {
                return Err(error("bad-shape", format!("a row of GET {} has no employeeId", x.request.path)));
            };
            if list == "/personalinfo" {
                step.learnt.push(personal_info(item, id, &ctx.today));
            } else if let Some(record) = sub_resource(list, item, &ctx.today) {
                step.learnt.push(partial(id, vec![record]));
            }
        }
    }
    Ok(step)
}

#[cfg(test)]
mod tests;
