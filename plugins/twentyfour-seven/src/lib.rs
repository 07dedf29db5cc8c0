//! paybridge connector for 24SevenOffice Lønn (`payroll.24sevenoffice.com/api`).
//!
//! A pure WebAssembly component: [`mapping`] turns an HR employee into the
//! vendor's `employee` and `employment` records (the seed mapping table),
//! [`read`] describes and parses the reads of the target's current state,
//! and [`plan`] turns field changes into the vendor's write requests;
//! [`absences`] holds the absence export's code map and record rules. This
//! file only wires those to the WIT exports.

pub mod absence_plan;
pub mod absences;
pub mod mapping;
pub mod plan;
pub mod read;

// The bindings, the export and the record conversions. Deserialize lets
// native callers (the benchmark's baseline) build inputs from JSON.
connector_kit::export_connector!(Connector, additional_derives: [serde::Deserialize]);

// Each call gets a fresh instance that is thrown away after it: the kit's
// size-class allocator, which never coalesces, is what such an instance
// needs (a third of a batch's time went to dlmalloc).
#[cfg(target_family = "wasm")]
#[global_allocator]
static ALLOCATOR: connector_kit::call_arena::CallArena = connector_kit::call_arena::CallArena::new();

/// Connector name as registered with the host.
pub const NAME: &str = "twentyfour-seven";

/// The component's exports.
pub struct Connector;

impl ConnectorSteps for Connector {
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
                "absences".into(),
                "client-assigned-ids".into(),
                "idempotent-updates".into(),
            ],
            directions: vec![Direction::HrToTarget],
        }
    }

    fn map_employee(ctx: &Context, employee: &Employee) -> Result<MappedEmployee, Vec<ValidationIssue>> {
        if ctx.period.is_some() {
            let number = employee.employee_number.as_deref().unwrap_or_default().trim();
            return absence_plan::map_employee(ctx, employee, mapping::emp_id_of(number));
        }
        mapping::map_employee(ctx, employee)
    }

    fn read_start(ctx: &Context) -> Vec<HttpRequest> {
        read::start(ctx)
    }

    fn read_next(ctx: &Context, exchanges: &[Exchange]) -> Result<ReadStep, ConnectorError> {
        read::parse(ctx, exchanges)
    }

    fn diff(_ctx: &Context, desired: &[TargetRecord], current: Option<&TargetEmployee>) -> Vec<FieldChange> {
        plan::diff(desired, current)
    }

    fn align(
        ctx: &Context,
        company: &[TargetRecord],
        desired: &MappedEmployee,
        current: Option<&TargetEmployee>,
        links: &[RecordLink],
    ) -> Aligned {
        if ctx.period.is_some() {
            return absence_plan::align(company, desired, current, links);
        }
        plan::align(desired, current, links)
    }

    fn plan(
        ctx: &Context,
        desired: &MappedEmployee,
        current: Option<&TargetEmployee>,
        changes: &[FieldChange],
    ) -> Result<Vec<PlannedOperation>, ConnectorError> {
        if ctx.period.is_some() {
            return absence_plan::plan(desired, current, changes);
        }
        plan::plan(desired, current, changes)
    }
}
