//! A hostile connector for the sandbox tests.
//!
//! `map-employee` misbehaves according to the employee's first name:
//! "loop" spins forever, "bomb" allocates without end, "panic" panics and
//! "trap" executes `unreachable`. Anyone else maps to a one-field record
//! (and logs a national id, which the host must mask), so tests can show
//! the host carries on after each misdeed.

// The generated canonical-ABI glue takes many arguments.
#![allow(clippy::too_many_arguments)]

wit_bindgen::generate!({ path: "../../../wit", world: "connector" });

use paybridge::connector::types::*;

struct Hostile;

impl Guest for Hostile {
    fn describe() -> Manifest {
        Manifest {
            name: "hostile".into(),
            version: "0.1.0".into(),
            target_system: "none".into(),
            auth: AuthScheme::None,
            required_fields: Vec::new(),
            capabilities: Vec::new(),
        }
    }

    fn validate(_: Context, _: Employee) -> Vec<ValidationIssue> {
        Vec::new()
    }

    fn map_employee(_: Context, e: Employee) -> Result<MappedEmployee, Vec<ValidationIssue>> {
        match e.first_name.as_deref() {
            Some("loop") => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            Some("bomb") => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            Some("panic") => panic!("the hostile connector panics on purpose"),
            Some("trap") => core::arch::wasm32::unreachable(),
            _ => {
                // A careless connector logging a national id: the host must mask it.
                paybridge::connector::host::log(LogLevel::Info, "mapping employee with ssn 10915596784");
                Ok(MappedEmployee {
                    hr_id: e.id.clone(),
                    employee_number: e.employee_number.clone(),
                    national_id: None,
                    records: vec![TargetRecord {
                        kind: "employee".into(),
                        key: None,
                        fields: vec![Field { name: "id".into(), value: e.id, sensitive: false }],
                    }],
                })
            }
        }
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

export!(Hostile);
