//! paybridge connector for Kontek Lön (Sweden), the two-way target of seed
//! 002: HR exports employees to Kontek (a manual export, and an automatic
//! update when an HR employee card changes), and Kontek's employee data
//! imports into HR.
//!
//! Kontek publishes no API documentation: [`shape`] holds the whole wire
//! shape in one place, every name not in the public article marked as
//! assumed. [`mapping`] turns an HR employee into the Kontek `employee`
//! record with the flow's field set; [`read`] pages through the employee
//! list; [`plan`] creates (`POST`) or patches only what differs;
//! [`import`] says what HR should hold according to Kontek.

pub mod import;
pub mod mapping;
pub mod plan;
pub mod read;
pub mod shape;

// The bindings, the export and the record conversions.
connector_kit::export_connector!(Connector);

// Each call gets a fresh instance that is thrown away after it: the kit's
// size-class allocator, which never coalesces, is what such an instance
// needs.
#[cfg(target_family = "wasm")]
#[global_allocator]
static ALLOCATOR: connector_kit::call_arena::CallArena = connector_kit::call_arena::CallArena::new();

/// Connector name as registered with the host.
pub const NAME: &str = "kontek";

/// The component's exports.
pub struct Connector;

impl ConnectorSteps for Connector {
    fn describe() -> Manifest {
        Manifest {
            name: NAME.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            target_system: "Kontek Lön".into(),
            // Username and password (the article), as HTTP Basic (assumed).
            auth: AuthScheme::Basic(BasicAuth {
                username_secret: "username".into(),
                password_secret: "password".into(),
            }),
            required_fields: mapping::REQUIRED_FIELDS.iter().map(|f| f.to_string()).collect(),
            // paybridge sends the employeeId; a PATCH sent twice changes nothing more.
            capabilities: vec![
                "employees".into(),
                "client-assigned-ids".into(),
                "idempotent-updates".into(),
                "paginated-reads".into(),
            ],
            directions: vec![Direction::HrToTarget, Direction::TargetToHr],
        }
    }

    fn map_employee(ctx: &Context, employee: &Employee) -> Result<MappedEmployee, Vec<ValidationIssue>> {
        mapping::map_employee(ctx, employee)
    }

    fn read_start(ctx: &Context) -> Vec<HttpRequest> {
        read::start(ctx)
    }

    fn read_next(ctx: &Context, exchanges: &[Exchange]) -> Result<ReadStep, ConnectorError> {
        read::parse(ctx, exchanges)
    }

    fn diff(ctx: &Context, desired: &[TargetRecord], current: Option<&TargetEmployee>) -> Vec<FieldChange> {
        plan::diff(ctx, desired, current)
    }

    fn plan(
        _ctx: &Context,
        desired: &MappedEmployee,
        current: Option<&TargetEmployee>,
        changes: &[FieldChange],
    ) -> Result<Vec<PlannedOperation>, ConnectorError> {
        plan::plan(desired, current, changes)
    }

    fn import_employee(ctx: &Context, current: &TargetEmployee) -> Option<HrUpdate> {
        import::import_employee(ctx, current)
    }
}

/// A setting from the context, if set and not empty.
pub(crate) fn setting<'a>(ctx: &'a Context, name: &str) -> Option<&'a str> {
    ctx.settings.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}
