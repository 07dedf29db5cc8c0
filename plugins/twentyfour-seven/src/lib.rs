//! paybridge connector for 24SevenOffice Lønn (`payroll.24sevenoffice.com/api`).
//!
//! A pure WebAssembly component: [`mapping`] turns an HR employee into the
//! vendor's `employee` and `employment` records (the seed mapping table),
//! [`read`] describes and parses the reads of the target's current state,
//! and [`plan`] turns field changes into the vendor's write requests. This
//! file only wires those to the WIT exports.

pub mod mapping;
pub mod plan;
pub mod read;

// The bindings, the export and the record conversions. Deserialize lets
// native callers (the benchmark's baseline) build inputs from JSON.
connector_kit::export_connector!(Connector, additional_derives: [serde::Deserialize]);

/// Connector name as registered with the host.
pub const NAME: &str = "twentyfour-seven";

/// The component's exports.
pub struct Connector;

impl Guest for Connector {
    fn describe() -> Manifest {
        Manifest {
            name: NAME.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            target_system: "24SevenOffice Lønn".into(),
            auth: AuthScheme::TokenExchange(TokenExchange {
                path: "/auth".into(),
                query_param: "token".into(),
                secret: "token".into(),
                token_field: "accessToken".into(),
                expiry_field: "expiresOn".into(),
            }),
            required_fields: mapping::REQUIRED_FIELDS.iter().map(|f| f.to_string()).collect(),
            // Updates send the whole record (employee) or carry the target's
            // `employment_id`: sending one twice changes nothing more.
            capabilities: vec![
                "employees".into(),
                "employments".into(),
                "client-assigned-ids".into(),
                "idempotent-updates".into(),
            ],
        }
    }

    fn validate(ctx: Context, employee: Employee) -> Vec<ValidationIssue> {
        match mapping::map_employee(&ctx, &employee) {
            Ok(_) => Vec::new(),
            Err(issues) => issues,
        }
    }

    fn map_employee(ctx: Context, employee: Employee) -> Result<MappedEmployee, Vec<ValidationIssue>> {
        mapping::map_employee(&ctx, &employee)
    }

    fn read_requests(_ctx: Context) -> Vec<HttpRequest> {
        vec![read::list_employees_request()]
    }

    fn parse_read(_ctx: Context, exchanges: Vec<Exchange>) -> Result<ReadOutcome, ConnectorError> {
        let outcome = read::parse(&exchanges);
        if let Ok(o) = &outcome {
            let line = format!("read {} employee(s); {} request(s) still to send", o.employees.len(), o.more.len());
            host::log(LogLevel::Debug, &line);
        }
        outcome
    }

    fn diff(_ctx: Context, desired: Vec<TargetRecord>, current: Option<TargetEmployee>) -> Vec<FieldChange> {
        plan::diff(&desired, current.as_ref())
    }

    fn plan(
        _ctx: Context,
        desired: MappedEmployee,
        current: Option<TargetEmployee>,
        changes: Vec<FieldChange>,
    ) -> Result<Vec<PlannedOperation>, ConnectorError> {
        plan::plan(&desired, current.as_ref(), &changes)
    }
}
