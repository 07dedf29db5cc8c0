//! Shared behaviour for the paybridge test guests (`plugins/test-guests/*`).
//!
//! A test guest is a component whose only purpose is to misbehave in one
//! way for a host test. Everything it does not misbehave in is the
//! "normal" behaviour defined once here:
//!
//! - read: one `GET /employees` (`read-start`), whose response body is a JSON array of
//!   `{"id", "number", "name"}` objects ([`parse_employees`]);
//! - map: `hr-id`, `employee-number` and `national-id` from the employee and
//!   one `employee` record with a `name` field holding the first name;
//! - diff: one change per desired field whose value differs from the
//!   current record (every field when there is no current employee);
//! - plan: `POST /employees` (create) or `PUT /employees/<target-id>`
//!   (update) with the body `{"id": <hr id>, "name": <first name>}`.
//!
//! The WIT types are generated per guest by `wit_bindgen::generate!`, so the
//! glue that needs them is the [`connector!`] macro; this crate itself is
//! plain Rust (JSON and settings helpers).

// The WIT bindings are generated at the crate root without doc comments.
#![allow(missing_docs)]

/// Defines the guest's behaviour trait and exports the component.
///
/// Invoke it once at the crate root, after `wit_bindgen::generate!`, with
/// the guest's type: `test_guest_kit::connector!(Leaky);`. It
///
/// - brings the contract types (`paybridge::connector::types::*`) into
///   scope;
/// - defines a trait `Connector` with one method per export of the world,
///   each defaulting to the normal behaviour, plus `NAME` (the manifest
///   name) and `auth()` (the manifest's auth scheme, default none), so a
///   guest implements only what it misbehaves in;
/// - defines a module `normal` with the same normal behaviour as free
///   functions, for a guest that misbehaves in part of one export;
/// - implements the generated `Guest` trait by forwarding to `Connector`
///   and calls `export!`.
///
/// Nothing it generates imports the `host` interface, so it also serves a
/// world without it.
#[macro_export]
macro_rules! connector {
    ($guest:ident) => {
        use paybridge::connector::types::*;

        /// What this test guest does. Every export defaults to the normal
        /// behaviour of the test-guest kit; the guest overrides only its
        /// misdeeds.
        pub(crate) trait Connector {
            /// The manifest name.
            const NAME: &'static str;

            /// The manifest's auth scheme.
            fn auth() -> AuthScheme {
                AuthScheme::None
            }

            /// The manifest: [`Connector::NAME`], version 0.1.0,
            /// [`Connector::auth`], no required fields, no capabilities.
            fn describe() -> Manifest {
                normal::manifest(Self::NAME, Self::auth())
            }

            /// No issues.
            fn validate(_ctx: Context, _employee: Employee) -> Vec<ValidationIssue> {
                Vec::new()
            }

            /// [`normal::map_employee`].
            fn map_employee(_ctx: Context, employee: Employee) -> Result<MappedEmployee, Vec<ValidationIssue>> {
                Ok(normal::map_employee(&employee))
            }

            /// One `GET /employees`.
            fn read_start(_ctx: Context) -> Vec<HttpRequest> {
                normal::read_start()
            }

            /// [`normal::read_next`].
            fn read_next(_ctx: Context, exchanges: Vec<Exchange>) -> Result<ReadStep, ConnectorError> {
                normal::read_next(&exchanges)
            }

            /// [`normal::diff`].
            fn diff(_ctx: Context, desired: Vec<TargetRecord>, current: Option<TargetEmployee>) -> Vec<FieldChange> {
                normal::diff(&desired, current.as_ref())
            }

            /// [`normal::plan`].
            fn plan(
                _ctx: Context,
                desired: MappedEmployee,
                current: Option<TargetEmployee>,
                changes: Vec<FieldChange>,
            ) -> Result<Vec<PlannedOperation>, ConnectorError> {
                Ok(normal::plan(&desired, current.as_ref(), &changes))
            }

            /// [`Connector::plan`]; a guest that uses the company records
            /// the read learnt (`read-step.company`) plans here instead.
            fn plan_with_company(
                ctx: Context,
                _company: &[TargetRecord],
                desired: MappedEmployee,
                current: Option<TargetEmployee>,
                changes: Vec<FieldChange>,
            ) -> Result<Vec<PlannedOperation>, ConnectorError> {
                Self::plan(ctx, desired, current, changes)
            }

            /// The record links to keep: those the host gave back.
            fn links(_ctx: Context, item: &ReconcileItem) -> Vec<RecordLink> {
                item.links.clone()
            }

            /// `import-employees`: nothing to import.
            fn import(_ctx: Context, _current: Vec<TargetEmployee>) -> Vec<HrUpdate> {
                Vec::new()
            }
        }

        /// The normal behaviour of a test guest, as free functions.
        #[allow(dead_code)]
        pub(crate) mod normal {
            use super::*;

            /// A manifest named `name` with version 0.1.0, target system
            /// "none", the given auth, no required fields, no capabilities.
            pub(crate) fn manifest(name: &str, auth: AuthScheme) -> Manifest {
                Manifest {
                    name: name.into(),
                    version: "0.1.0".into(),
                    target_system: "none".into(),
                    auth,
                    required_fields: Vec::new(),
                    capabilities: Vec::new(),
                    directions: vec![Direction::HrToTarget],
                }
            }

            /// A request with no query; a body is sent as JSON.
            pub(crate) fn request(method: HttpMethod, path: &str, body: Option<String>) -> HttpRequest {
                let headers = match body {
                    Some(_) => vec![Header { name: "content-type".into(), value: "application/json".into() }],
                    None => Vec::new(),
                };
                HttpRequest { method, path: path.into(), query: Vec::new(), headers, body }
            }

            /// One `GET /employees`.
            pub(crate) fn read_start() -> Vec<HttpRequest> {
                vec![request(HttpMethod::Get, "/employees", None)]
            }

            /// The employees in the body of the `GET /employees` exchange
            /// (see `test_guest_kit::parse_employees`), with nothing more to
            /// read; a connector-error "read" when that exchange is missing
            /// or its body is not such a list.
            pub(crate) fn read_next(exchanges: &[Exchange]) -> Result<ReadStep, ConnectorError> {
                let exchange = exchanges.iter().find(|x| x.request.path == "/employees").ok_or_else(|| {
                    ConnectorError { code: "read".into(), message: "no response to GET /employees".into() }
                })?;
                let remote = $crate::parse_employees(&exchange.response.body).map_err(|why| ConnectorError {
                    code: "read".into(),
                    message: format!("GET /employees answered {}: {why}", exchange.response.status),
                })?;
                let employees = remote
                    .into_iter()
                    .map(|r| TargetEmployee {
                        records: vec![TargetRecord {
                            kind: "employee".into(),
                            key: None,
                            fields: $crate::pack(r.name.iter().map(|n| ("name", n.as_str()))),
                            sensitive: Vec::new(),
                        }],
                        target_id: r.id,
                        employee_number: r.number,
                        national_id: None,
                        first_name: r.name,
                        last_name: None,
                        birth_date: None,
                    })
                    .collect();
                Ok(ReadStep { learnt: employees, company: Vec::new(), more: Vec::new() })
            }

            /// The employee's keys and one `employee` record whose `name`
            /// field is the first name.
            pub(crate) fn map_employee(e: &Employee) -> MappedEmployee {
                MappedEmployee {
                    hr_id: e.id.clone(),
                    employee_number: e.employee_number.clone(),
                    national_id: e.ssn.clone(),
                    records: vec![TargetRecord {
                        kind: "employee".into(),
                        key: None,
                        fields: $crate::pack([("name", e.first_name.as_deref().unwrap_or_default())]),
                        sensitive: Vec::new(),
                    }],
                }
            }

            /// One change per desired field whose value differs from the
            /// field of the same name in the current record of the same
            /// kind and key; every field when there is no current employee.
            pub(crate) fn diff(desired: &[TargetRecord], current: Option<&TargetEmployee>) -> Vec<FieldChange> {
                let mut changes = Vec::new();
                for record in desired {
                    let before_record =
                        current.and_then(|c| c.records.iter().find(|r| r.kind == record.kind && r.key == record.key));
                    let held = before_record.map(|r| $crate::unpack(&r.fields)).unwrap_or_default();
                    for (name, value) in $crate::unpack(&record.fields) {
                        let before = held.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
                        if before.as_deref() != Some(value.as_str()) {
                            changes.push(FieldChange {
                                record_kind: record.kind.clone(),
                                record_key: record.key.clone(),
                                sensitive: record.sensitive.contains(&name),
                                field: name,
                                before,
                                after: Some(value),
                            });
                        }
                    }
                }
                changes
            }

            /// The value of the first field called `name` in any desired
            /// record, or "" when there is none.
            pub(crate) fn field(desired: &MappedEmployee, name: &str) -> String {
                desired
                    .records
                    .iter()
                    .flat_map(|r| $crate::unpack(&r.fields))
                    .find(|(n, _)| n == name)
                    .map_or_else(String::new, |(_, v)| v)
            }

            /// One `employee` operation with no sensitive paths.
            pub(crate) fn operation(
                kind: OperationKind,
                description: String,
                request: HttpRequest,
            ) -> PlannedOperation {
                PlannedOperation {
                    kind,
                    record_kind: "employee".into(),
                    description,
                    request,
                    sensitive_paths: Vec::new(),
                    created_id: None,
                }
            }

            /// The body `{"id": <hr id>, "name": <name field>}`.
            pub(crate) fn body(desired: &MappedEmployee) -> String {
                $crate::json_object(&[("id", &desired.hr_id), ("name", &field(desired, "name"))])
            }

            /// Nothing without changes; otherwise `POST /employees` when
            /// there is no current employee, else
            /// `PUT /employees/<target-id>`, each with [`body`].
            pub(crate) fn plan(
                desired: &MappedEmployee,
                current: Option<&TargetEmployee>,
                changes: &[FieldChange],
            ) -> Vec<PlannedOperation> {
                if changes.is_empty() {
                    return Vec::new();
                }
                let op = match current {
                    None => operation(
                        OperationKind::Create,
                        format!("create employee {}", desired.hr_id),
                        request(HttpMethod::Post, "/employees", Some(body(desired))),
                    ),
                    Some(c) => operation(
                        OperationKind::Update,
                        format!("update employee {}", c.target_id),
                        request(HttpMethod::Put, &format!("/employees/{}", c.target_id), Some(body(desired))),
                    ),
                };
                vec![op]
            }
        }

        impl Guest for $guest {
            fn describe() -> Manifest {
                <$guest as Connector>::describe()
            }

            fn prepare(ctx: Context, employees: Vec<Employee>) -> Vec<Prepared> {
                employees
                    .into_iter()
                    .map(|employee| {
                        let issues = <$guest as Connector>::validate(ctx.clone(), employee.clone());
                        if !issues.is_empty() {
                            return Prepared::Refused(issues);
                        }
                        match <$guest as Connector>::map_employee(ctx.clone(), employee) {
                            Ok(mapped) => Prepared::Ready(mapped),
                            Err(issues) => Prepared::Refused(issues),
                        }
                    })
                    .collect()
            }

            fn read_start(ctx: Context) -> Vec<HttpRequest> {
                <$guest as Connector>::read_start(ctx)
            }

            fn read_next(ctx: Context, exchanges: Vec<Exchange>) -> Result<ReadStep, ConnectorError> {
                <$guest as Connector>::read_next(ctx, exchanges)
            }

            fn reconcile(ctx: Context, company: Vec<TargetRecord>, items: Vec<ReconcileItem>) -> Vec<Reconciled> {
                items
                    .into_iter()
                    .map(|item| {
                        let links = <$guest as Connector>::links(ctx.clone(), &item);
                        let changes = <$guest as Connector>::diff(
                            ctx.clone(),
                            item.desired.records.clone(),
                            item.current.clone(),
                        );
                        let operations = if item.plan && !changes.is_empty() {
                            <$guest as Connector>::plan_with_company(
                                ctx.clone(),
                                &company,
                                item.desired,
                                item.current,
                                changes.clone(),
                            )
                        } else {
                            Ok(Vec::new())
                        };
                        Reconciled { changes, operations, links }
                    })
                    .collect()
            }

            fn import_employees(ctx: Context, current: Vec<TargetEmployee>) -> Vec<HrUpdate> {
                <$guest as Connector>::import(ctx, current)
            }
        }

        export!($guest);
    };
}

/// One employee in a normal `GET /employees` response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteEmployee {
    /// `id`: the target id.
    pub id: String,
    /// `number`: the employee number, if present.
    pub number: Option<String>,
    /// `name`: the first name, if present.
    pub name: Option<String>,
}

/// A record's fields in the contract's packed form (a JSON object of strings).
pub fn pack<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    connector_kit::packed::pack(fields)
}

/// A packed record's fields, in order; none when the text is malformed.
pub fn unpack(fields: &str) -> Vec<(String, String)> {
    connector_kit::packed::unpack(fields).unwrap_or_default()
}

/// Parse a normal `GET /employees` body: a JSON array of objects with a
/// string `id` and optional string `number` and `name` (other keys are
/// ignored). Anything else is an error saying what is wrong.
pub fn parse_employees(body: &str) -> Result<Vec<RemoteEmployee>, String> {
    let value: serde_json::Value = serde_json::from_str(body).map_err(|e| format!("body is not JSON: {e}"))?;
    let items = value.as_array().ok_or("body is not a JSON array")?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let text = |key: &str| item.get(key).and_then(serde_json::Value::as_str).map(str::to_owned);
            let id = text("id").ok_or_else(|| format!("item {i} has no string \"id\""))?;
            Ok(RemoteEmployee { id, number: text("number"), name: text("name") })
        })
        .collect()
}

/// A JSON object of string values (serialised with sorted keys).
pub fn json_object(pairs: &[(&str, &str)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> =
        pairs.iter().map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v))).collect();
    serde_json::Value::Object(map).to_string()
}

/// The value of the first integration setting called `key`.
pub fn setting<'a>(settings: &'a [(String, String)], key: &str) -> Option<&'a str> {
    settings.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_normal_body_and_refuses_others() {
        let parsed = parse_employees(r#"[{"id":"7","number":"1","name":"Kari","x":1},{"id":"8"}]"#)
            .expect("a normal body parses");
        assert_eq!(parsed[0], RemoteEmployee { id: "7".into(), number: Some("1".into()), name: Some("Kari".into()) });
        assert_eq!(parsed[1], RemoteEmployee { id: "8".into(), number: None, name: None });
        assert!(parse_employees("").is_err());
        assert!(parse_employees("{}").is_err());
        assert!(parse_employees(r#"[{"id":7}]"#).is_err());
    }

    #[test]
    fn json_objects_hold_the_pairs_escaped() {
        let text = json_object(&[("z", "a\"b"), ("a", "1")]);
        let back: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(back, serde_json::json!({"z": "a\"b", "a": "1"}));
    }

    #[test]
    fn settings_are_looked_up_by_key() {
        let s = vec![("attack".to_owned(), "escape".to_owned())];
        assert_eq!(setting(&s, "attack"), Some("escape"));
        assert_eq!(setting(&s, "victim"), None);
    }
}
