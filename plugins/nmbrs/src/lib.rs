//! paybridge connector for Visma Nmbrs on the REST API
//! (`https://api.nmbrsapp.com/api`; the SOAP API retires 2027-03-01).
//!
//! [`mapping`] turns an HR employee into Nmbrs records (personal info,
//! hire date, home address, standard bank account, salary); [`read`]
//! pages through the company's employees and the bulk sub-resource lists;
//! [`plan`] creates an employee (Nmbrs answers its id) and, once the host
//! has re-read and matched it, writes only the sub-resources that differ.

pub mod mapping;
pub mod plan;
pub mod read;

// The bindings, the export and the record conversions.
connector_kit::export_connector!(Connector);

// Each call gets a fresh instance that is thrown away after it: the kit's
// size-class allocator, which never coalesces, is what such an instance
// needs (a third of a batch's time went to dlmalloc).
#[cfg(target_family = "wasm")]
#[global_allocator]
static ALLOCATOR: connector_kit::call_arena::CallArena = connector_kit::call_arena::CallArena::new();

/// Connector name as registered with the host.
pub const NAME: &str = "nmbrs";

/// Default OAuth2 token endpoint of Nmbrs' identity service.
pub const TOKEN_URL: &str = "https://identityservice.nmbrs.com/connect/token";

/// The scopes the endpoints used need, per the OpenAPI file's `security`:
/// personal info and addresses `employee.info`, bank accounts
/// `employee.bankaccount`, salaries `employee.employment`, the company list
/// `company.info.read`; `offline_access` for the refresh token.
pub const SCOPES: &str = "employee.info employee.bankaccount employee.employment company.info.read offline_access";

/// The component's exports.
pub struct Connector;

impl ConnectorSteps for Connector {
    fn describe() -> Manifest {
        Manifest {
            name: NAME.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            target_system: "Visma Nmbrs".into(),
            auth: AuthScheme::Oauth2(Oauth2 {
                token_url: TOKEN_URL.into(),
                client_id_secret: "client_id".into(),
                client_secret_secret: "client_secret".into(),
                // Nmbrs grants tokens by the authorization-code flow; the
                // host keeps the refresh token it rotates (`paybridge auth`).
                refresh_token_secret: Some("refresh_token".into()),
                scope: Some(SCOPES.into()),
                secret_headers: vec![("X-Subscription-Key".into(), "subscription_key".into())],
            }),
            required_fields: mapping::REQUIRED_FIELDS.iter().map(|f| f.to_string()).collect(),
            capabilities: vec!["employees".into(), "server-assigned-ids".into(), "paginated-reads".into()],
            directions: vec![Direction::HrToTarget],
        }
    }

    fn map_employee(ctx: &Context, employee: &Employee) -> Result<MappedEmployee, Vec<ValidationIssue>> {
        mapping::map_employee(ctx, employee)
    }

    fn read_start(ctx: &Context) -> Vec<HttpRequest> {
        read::first_requests(ctx)
    }

    fn read_next(ctx: &Context, exchanges: &[Exchange]) -> Result<ReadStep, ConnectorError> {
        read::parse(ctx, exchanges)
    }

    fn diff(_ctx: &Context, desired: &[TargetRecord], current: Option<&TargetEmployee>) -> Vec<FieldChange> {
        plan::diff(desired, current)
    }

    fn plan(
        ctx: &Context,
        desired: &MappedEmployee,
        current: Option<&TargetEmployee>,
        changes: &[FieldChange],
    ) -> Result<Vec<PlannedOperation>, ConnectorError> {
        plan::plan(ctx, desired, current, changes)
    }
}

/// A setting from the context.
pub(crate) fn setting<'a>(ctx: &'a Context, name: &str) -> Option<&'a str> {
    ctx.settings.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}
