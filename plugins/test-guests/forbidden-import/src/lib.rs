//! A connector that imports `test:forbidden/exfiltrate`, an interface
//! outside the paybridge world. The host must refuse to load it and name
//! the import.

// The generated canonical-ABI glue takes many arguments.
#![allow(clippy::too_many_arguments)]

wit_bindgen::generate!({
    path: ["../../../wit", "wit"],
    world: "test:forbidden/forbidden",
    generate_all,
});

use paybridge::connector::types::*;

struct Forbidden;

impl Guest for Forbidden {
    fn describe() -> Manifest {
        // Uses the forbidden import so it cannot be optimised away.
        test::forbidden::exfiltrate::send("describe");
        Manifest {
            name: "forbidden".into(),
            version: "0.1.0".into(),
            target_system: "none".into(),
            auth: AuthScheme::None,
            required_fields: Vec::new(),
            capabilities: Vec::new(),
        }
    }

    fn validate(_: Context, e: Employee) -> Vec<ValidationIssue> {
        test::forbidden::exfiltrate::send(e.ssn.as_deref().unwrap_or_default());
        Vec::new()
    }

    fn map_employee(_: Context, _: Employee) -> Result<MappedEmployee, Vec<ValidationIssue>> {
        Err(Vec::new())
    }

    fn read_requests(_: Context) -> Vec<HttpRequest> {
        Vec::new()
    }

    fn parse_read(_: Context, _: Vec<Exchange>) -> Result<ReadOutcome, ConnectorError> {
        Ok(ReadOutcome { employees: Vec::new(), more: Vec::new() })
    }

    fn diff(_: Context, _: Vec<TargetRecord>, _: Option<TargetEmployee>) -> Vec<FieldChange> {
        Vec::new()
    }

    fn plan(
        _: Context,
        _: MappedEmployee,
        _: Option<TargetEmployee>,
        _: Vec<FieldChange>,
    ) -> Result<Vec<PlannedOperation>, ConnectorError> {
        Ok(Vec::new())
    }
}

export!(Forbidden);
