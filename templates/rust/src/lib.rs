//! {{name}}: a paybridge connector for a JSON REST payroll API.
//!
//! A component that maps, diffs and plans; the host does everything else
//! (HTTP, auth, retries, the journal). The contract is `wit/connector.wit`;
//! the vendor guide is paybridge's `docs/connectors.md`.
//!
//! - `describe`: who it is, the auth the host applies (a bearer token from
//!   the integration's secret `token`), the HR fields it needs.
//! - `prepare`: one HR employee → one target record (`fields_of`).
//! - `read-start` / `read-next`: page through `GET /employees`.
//! - `reconcile`: field by field against what the target holds; a create
//!   (`POST /employees`) or an update (`PUT /employees/{id}`) when they
//!   differ.

// The generated canonical-ABI glue takes many arguments.
#![allow(clippy::too_many_arguments)]

wit_bindgen::generate!({
    world: "connector",
    path: "wit",
    // The golden test reads HR employees from JSON.
    additional_derives: [serde::Deserialize],
});

use paybridge::connector::host::log;
use paybridge::connector::types::*;
use serde_json::{Map, Value};

/// The connector's name: the host registers and pins it by this.
pub const NAME: &str = "{{name}}";
/// The one record kind this connector writes.
const EMPLOYEE: &str = "employee";
/// Employees per list page.
const PAGE_SIZE: usize = 100;
/// HR fields an employee must have; the host checks them before `prepare`
/// (names: `docs/connectors.md`, "Required fields").
const REQUIRED_FIELDS: &[&str] = &["employeeNumber", "firstName", "lastName"];
/// Target fields whose values are personal data: the host masks them in
/// every display and redacts them in the journal.
const SENSITIVE: &[&str] = &["nationalId", "bankAccount"];

struct Connector;
export!(Connector);

impl Guest for Connector {
    fn describe() -> Manifest {
        Manifest {
            name: NAME.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            target_system: "JSON REST payroll".into(),
            // The name of a secret in [integration.secrets], not a value.
            auth: AuthScheme::Bearer("token".into()),
            required_fields: REQUIRED_FIELDS.iter().map(|f| f.to_string()).collect(),
            capabilities: vec!["employees".into()],
            directions: vec![Direction::HrToTarget],
        }
    }

    fn prepare(_ctx: Context, employees: Vec<Employee>) -> Vec<Prepared> {
        report_panics();
        employees
            .iter()
            .map(|e| match map_employee(e) {
                Ok(mapped) => Prepared::Ready(mapped),
                Err(issues) => Prepared::Refused(issues),
            })
            .collect()
    }

    fn read_start(_ctx: Context) -> Vec<HttpRequest> {
        vec![list_page(1)]
    }

    fn read_next(_ctx: Context, exchanges: Vec<Exchange>) -> Result<ReadStep, ConnectorError> {
        report_panics();
        let mut step = ReadStep {
            learnt: Vec::new(),
            company: Vec::new(),
            more: Vec::new(),
        };
        for exchange in &exchanges {
            let (learnt, next) = parse_page(exchange)?;
            step.learnt.extend(learnt);
            step.more.extend(next.map(list_page));
        }
        Ok(step)
    }

    fn reconcile(
        _ctx: Context,
        _company: Vec<TargetRecord>,
        items: Vec<ReconcileItem>,
    ) -> Vec<Reconciled> {
        report_panics();
        items.iter().map(reconcile_one).collect()
    }

    fn import_employees(_ctx: Context, _current: Vec<TargetEmployee>) -> Vec<HrUpdate> {
        // One-way: this connector only exports.
        Vec::new()
    }
}

/// The error-to-log wrapper: a panic's message goes to the host's log
/// before the call fails, so the operator sees why (a component has no
/// console of its own). Each call runs in a fresh instance, so each export
/// sets it.
fn report_panics() {
    std::panic::set_hook(Box::new(|info| {
        log(LogLevel::Error, &format!("{NAME} panicked: {info}"))
    }));
}

/// The target's fields for one HR employee, in the API's names. A field HR
/// does not have is left out (the update then clears it in the target).
pub fn fields_of(e: &Employee) -> Vec<(&'static str, String)> {
    let start = e
        .employments
        .iter()
        .filter_map(|m| m.start_date.clone())
        .min();
    let bank = e
        .bank_account
        .as_ref()
        .and_then(|b| b.iban.clone().or_else(|| b.number.clone()));
    [
        ("employeeNumber", e.employee_number.clone()),
        ("firstName", e.first_name.clone()),
        ("lastName", e.last_name.clone()),
        ("email", e.work_email.clone()),
        ("nationalId", e.ssn.clone()),
        ("birthDate", e.birth_date.clone()),
        ("startDate", start),
        ("bankAccount", bank),
    ]
    .into_iter()
    .filter_map(|(name, value)| {
        Some((name, value?.trim().to_owned())).filter(|(_, v)| !v.is_empty())
    })
    .collect()
}

/// One HR employee as the target should hold it, or why it cannot be.
pub fn map_employee(e: &Employee) -> Result<MappedEmployee, Vec<ValidationIssue>> {
    let fields = fields_of(e);
    let issue = |field: &str, message: &str| ValidationIssue {
        employee_id: e.id.clone(),
        field: field.into(),
        code: "invalid".into(),
        message: message.into(),
    };
    let mut issues = Vec::new();
    let email = fields.iter().find(|(n, _)| *n == "email");
    if let Some((_, email)) = email
        && !email.contains('@')
    {
        // Say what is wrong, never the value: messages are shown to people.
        issues.push(issue("workEmail", "workEmail is not an e-mail address"));
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    Ok(MappedEmployee {
        hr_id: e.id.clone(),
        employee_number: e.employee_number.clone(),
        national_id: e.ssn.clone(),
        records: vec![record(fields)],
    })
}

/// A target record of `fields`, packed as the contract wants: one JSON
/// object of strings, with the sensitive names beside it.
fn record(fields: Vec<(&str, String)>) -> TargetRecord {
    let sensitive = fields
        .iter()
        .filter(|(n, _)| SENSITIVE.contains(n))
        .map(|(n, _)| n.to_string())
        .collect();
    let object: Map<String, Value> = fields
        .into_iter()
        .map(|(n, v)| (n.to_owned(), Value::String(v)))
        .collect();
    TargetRecord {
        kind: EMPLOYEE.into(),
        key: None,
        fields: Value::Object(object).to_string(),
        sensitive,
    }
}

/// `GET /employees` page `page`.
fn list_page(page: usize) -> HttpRequest {
    HttpRequest {
        method: HttpMethod::Get,
        path: "/employees".into(),
        query: vec![
            ("page".into(), page.to_string()),
            ("per_page".into(), PAGE_SIZE.to_string()),
        ],
        headers: Vec::new(),
        body: None,
    }
}

/// The employees of one list page and the next page, if there is one.
fn parse_page(exchange: &Exchange) -> Result<(Vec<TargetEmployee>, Option<usize>), ConnectorError> {
    let failed = |message: String| ConnectorError {
        code: "read-failed".into(),
        message,
    };
    let status = exchange.response.status;
    if status != 200 {
        return Err(failed(format!(
            "GET {} answered {status}",
            exchange.request.path
        )));
    }
    let body: Value = serde_json::from_str(&exchange.response.body).map_err(|e| {
        failed(format!(
            "GET {} answered with a body that is not JSON: {e}",
            exchange.request.path
        ))
    })?;
    let page = body["page"].as_u64().unwrap_or(1) as usize;
    let pages = body["pages"].as_u64().unwrap_or(1) as usize;
    let Some(employees) = body["employees"].as_array() else {
        return Err(failed("the list answer has no `employees` array".into()));
    };
    let learnt = employees.iter().filter_map(target_employee).collect();
    Ok((learnt, (page < pages).then_some(page + 1)))
}

/// One employee of a list answer (skipped when it has no `id`).
fn target_employee(json: &Value) -> Option<TargetEmployee> {
    let text = |name: &str| json[name].as_str().map(str::to_owned);
    let fields = [
        "employeeNumber",
        "firstName",
        "lastName",
        "email",
        "nationalId",
        "birthDate",
        "startDate",
        "bankAccount",
    ]
    .into_iter()
    .filter_map(|name| Some((name, text(name)?)))
    .collect();
    Some(TargetEmployee {
        target_id: text("id")?,
        employee_number: text("employeeNumber"),
        national_id: text("nationalId"),
        first_name: text("firstName"),
        last_name: text("lastName"),
        birth_date: text("birthDate"),
        records: vec![record(fields)],
    })
}

/// The fields of a packed record (none when it is not an object).
fn unpack(record: &TargetRecord) -> Map<String, Value> {
    match serde_json::from_str(&record.fields) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// Diff one employee and, when asked, plan its write.
fn reconcile_one(item: &ReconcileItem) -> Reconciled {
    let desired = item
        .desired
        .records
        .iter()
        .find(|r| r.kind == EMPLOYEE)
        .map(unpack)
        .unwrap_or_default();
    let current = item
        .current
        .as_ref()
        .and_then(|c| c.records.iter().find(|r| r.kind == EMPLOYEE))
        .map(unpack)
        .unwrap_or_default();
    let as_text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let mut changes = Vec::new();
    let names = desired
        .keys()
        .chain(current.keys().filter(|k| !desired.contains_key(*k)));
    for name in names {
        let (before, after) = (as_text(current.get(name)), as_text(desired.get(name)));
        if before != after {
            changes.push(FieldChange {
                record_kind: EMPLOYEE.into(),
                record_key: None,
                field: name.clone(),
                before,
                after,
                sensitive: SENSITIVE.contains(&name.as_str()),
            });
        }
    }
    let operations = if item.plan && !changes.is_empty() {
        vec![write(
            &item.desired,
            item.current.as_ref(),
            &desired,
            &changes,
        )]
    } else {
        Vec::new()
    };
    Reconciled {
        changes,
        operations: Ok(operations),
        links: Vec::new(),
    }
}

/// The create or the whole-record update that makes the target hold `desired`.
fn write(
    employee: &MappedEmployee,
    current: Option<&TargetEmployee>,
    desired: &Map<String, Value>,
    changes: &[FieldChange],
) -> PlannedOperation {
    let number = employee.employee_number.as_deref().unwrap_or("?");
    let (kind, method, path, description, created_id) = match current {
        None => (
            OperationKind::Create,
            HttpMethod::Post,
            "/employees".to_owned(),
            format!("create employee {number}"),
            Some("id".into()),
        ),
        Some(c) => {
            let names: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
            let description = format!("update employee {number}: {}", names.join(", "));
            (
                OperationKind::Update,
                HttpMethod::Put,
                format!("/employees/{}", c.target_id),
                description,
                None,
            )
        }
    };
    PlannedOperation {
        kind,
        record_kind: EMPLOYEE.into(),
        // Field names only: descriptions are shown to people and logged.
        description,
        request: HttpRequest {
            method,
            path,
            query: Vec::new(),
            headers: vec![Header {
                name: "Content-Type".into(),
                value: "application/json".into(),
            }],
            body: Some(Value::Object(desired.clone()).to_string()),
        },
        sensitive_paths: SENSITIVE
            .iter()
            .filter(|n| desired.contains_key(**n))
            .map(|n| n.to_string())
            .collect(),
        created_id,
    }
}
