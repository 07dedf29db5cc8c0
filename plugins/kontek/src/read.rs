//! Reading Kontek: the employee list, page by page (`offset`/`limit`,
//! [`shape::PAGE_SIZE`] a page or the setting `page_size` up to
//! [`shape::MAX_PAGE_SIZE`], until `total`), each employee as one
//! `employee` record with every field of [`crate::shape`] (dotted paths),
//! its `employeeId` as both target id and employee number, and its
//! personnummer in the long form for matching.

use crate::shape::{self, field};
use crate::types::*;
use connector_kit::fields::{Record, flatten};
use connector_kit::personnummer::parse_swedish;
use serde_json::Value;

/// The page size: the setting `page_size` within 1..=[`shape::MAX_PAGE_SIZE`].
fn page_size(ctx: &Context) -> u64 {
    let asked = crate::setting(ctx, "page_size").and_then(|s| s.parse::<u64>().ok()).unwrap_or(shape::PAGE_SIZE);
    asked.clamp(1, shape::MAX_PAGE_SIZE)
}

fn get(ctx: &Context, offset: u64) -> HttpRequest {
    HttpRequest {
        method: HttpMethod::Get,
        path: shape::EMPLOYEES.into(),
        query: vec![(shape::OFFSET.into(), offset.to_string()), (shape::LIMIT.into(), page_size(ctx).to_string())],
        headers: vec![Header { name: "accept".into(), value: "application/json".into() }],
        body: None,
    }
}

/// The first page.
pub fn start(ctx: &Context) -> Vec<HttpRequest> {
    vec![get(ctx, 0)]
}

fn error(code: &str, message: String) -> ConnectorError {
    ConnectorError { code: code.into(), message }
}

/// The error body's message (`{"error": {"code", "message"}}`), if any.
pub fn error_text(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(body) else { return String::new() };
    let e = v.get("error");
    let part = |k: &str| e.and_then(|e| e.get(k)).and_then(Value::as_str).unwrap_or("");
    [part("code"), part("message")].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(": ")
}

fn offset_of(request: &HttpRequest) -> u64 {
    request.query.iter().find(|(k, _)| k == shape::OFFSET).and_then(|(_, v)| v.parse().ok()).unwrap_or(0)
}

/// One Kontek employee as the target employee the host matches and diffs.
pub fn employee(item: &Value, today: &str) -> Result<TargetEmployee, ConnectorError> {
    let Some(id) = item.get(field::EMPLOYEE_ID).and_then(Value::as_str).filter(|id| !id.is_empty()) else {
        return Err(error("bad-shape", format!("an employee of GET {} has no employeeId", shape::EMPLOYEES)));
    };
    let mut record = Record::new("employee", None);
    for (name, value) in flatten(item) {
        if name == field::EMPLOYEE_ID || name == field::UPDATED_AT {
            continue;
        }
        if shape::SENSITIVE_FIELDS.contains(&name.as_str()) {
            record.set_sensitive(&name, value);
        } else {
            record.set(&name, value);
        }
    }
    let text = |name: &str| record.get(name).filter(|v| !v.is_empty()).map(str::to_owned);
    let number = record.get(field::SSN).and_then(|ssn| parse_swedish(ssn, today).ok());
    Ok(TargetEmployee {
        target_id: id.to_owned(),
        employee_number: Some(id.to_owned()),
        national_id: number.as_ref().map(|n| n.long()),
        first_name: text(field::FIRST_NAME),
        last_name: text(field::LAST_NAME),
        birth_date: number.map(|n| n.birth_date()),
        records: vec![crate::from_kit(record)],
    })
}

/// What one round's pages say, and the next page to read.
pub fn parse(ctx: &Context, exchanges: &[Exchange]) -> Result<ReadStep, ConnectorError> {
    let mut step = ReadStep { learnt: Vec::new(), company: Vec::new(), more: Vec::new() };
    for x in exchanges {
        if x.request.path != shape::EMPLOYEES {
            return Err(error(
                "protocol",
                format!("an answer to GET {}, which this connector never asks for", x.request.path),
            ));
        }
        let status = x.response.status;
        if !(200..300).contains(&status) {
            return Err(error(
                "http-status",
                format!("GET {} answered {status}: {}", shape::EMPLOYEES, error_text(&x.response.body)),
            ));
        }
        let page: Value = serde_json::from_str(&x.response.body)
            .map_err(|e| error("bad-json", format!("GET {} did not return JSON: {e}", shape::EMPLOYEES)))?;
        let Some(items) = page.get(shape::ITEMS).and_then(Value::as_array) else {
            return Err(error("bad-shape", format!("GET {} answered no `{}` list", shape::EMPLOYEES, shape::ITEMS)));
        };
        for item in items {
            step.learnt.push(employee(item, &ctx.today)?);
        }
        let next = offset_of(&x.request) + items.len() as u64;
        // Without a total, a full page means there may be more.
        let more = match page.get(shape::TOTAL).and_then(Value::as_u64) {
            Some(total) => next < total,
            None => items.len() as u64 >= page_size(ctx),
        };
        if !items.is_empty() && more {
            step.more.push(get(ctx, next));
        }
    }
    Ok(step)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(settings: &[(&str, &str)]) -> Context {
        Context {
            integration: "kontek".into(),
            today: "2026-12-06".into(),
            settings: settings.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect(),
            period: None,
        }
    }

    fn page(ctx: &Context, offset: u64, count: u64, total: u64) -> Exchange {
        let items: Vec<serde_json::Value> = (offset..offset + count)
            .map(|i| serde_json::json!({"employeeId": format!("E{i}"), "ssn": "19811218-9876", "firstName": "A"}))
            .collect();
        let body = serde_json::json!({"items": items, "total": total, "offset": offset, "limit": 100}).to_string();
        Exchange { request: get(ctx, offset), response: HttpResponse { status: 200, headers: Vec::new(), body } }
    }

    #[test]
    fn pages_follow_until_the_total_and_the_page_size_setting_is_kept_within_bounds() {
        let c = ctx(&[]);
        let step = parse(&c, &[page(&c, 0, 100, 250)]).expect("parsed");
        assert_eq!(step.learnt.len(), 100);
        assert_eq!(step.more.len(), 1);
        assert_eq!(
            step.more[0].query,
            vec![("offset".to_owned(), "100".to_owned()), ("limit".to_owned(), "100".to_owned())]
        );
        assert!(parse(&c, &[page(&c, 200, 50, 250)]).expect("parsed").more.is_empty(), "the last page");
        assert_eq!(start(&ctx(&[("page_size", "9999")]))[0].query[1].1, "500");
        let learnt = &step.learnt[0];
        assert_eq!(learnt.national_id.as_deref(), Some("19811218-9876"));
        assert_eq!(learnt.birth_date.as_deref(), Some("1981-12-18"));
    }

    #[test]
    fn an_error_answer_names_kontek_s_code_and_message() {
        let c = ctx(&[]);
        let body = r#"{"error":{"code":"unauthorized","message":"wrong username or password","fields":[]}}"#;
        let x = Exchange {
            request: get(&c, 0),
            response: HttpResponse { status: 401, headers: Vec::new(), body: body.into() },
        };
        let err = parse(&c, &[x]).expect_err("refused");
        assert!(err.message.contains("401: unauthorized: wrong username or password"), "{}", err.message);
    }
}
