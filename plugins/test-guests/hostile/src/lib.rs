//! A hostile connector for the sandbox tests (`tests/sandbox.rs`, as
//! `paybridge_components::TEST_GUEST_HOSTILE`).
//!
//! `map-employee` misbehaves according to the employee's first name:
//!
//! - "loop" spins forever and "bomb" allocates without end;
//! - "panic" panics and "trap" executes `unreachable`;
//! - "sleep" sleeps for an hour (`std::thread::sleep`, a WASI monotonic
//!   clock wait);
//! - "logflood" builds one 1 MiB line and logs it at info level without end;
//!   "logspam" logs a 1 KiB line without end;
//! - "random" maps normally (a `name` record, see the test-guest kit) plus a
//!   field `random` holding a `u64` drawn from WASI randomness, as text;
//! - "unpacked" answers a record whose packed fields are not a JSON object
//!   of strings (a number where a string belongs, next to a national id).
//!
//! Anyone else maps to a one-field record (and logs a national id, which the
//! host must mask), so tests can show the host carries on after each
//! misdeed. It asks to read nothing, parses that into no employees and never
//! sees a difference, so a sync with it sends no request.

// The WIT bindings are generated at the crate root without doc comments.
#![allow(missing_docs)]
// The generated canonical-ABI glue takes many arguments.
#![allow(clippy::too_many_arguments)]

wit_bindgen::generate!({ path: "../../../wit", world: "connector" });

use paybridge::connector::host::log;
use std::hash::BuildHasher;
use std::time::Duration;

/// `e` mapped to one `employee` record whose packed fields are `fields`.
fn one_record(e: &Employee, fields: String) -> MappedEmployee {
    MappedEmployee {
        hr_id: e.id.clone(),
        employee_number: e.employee_number.clone(),
        national_id: None,
        records: vec![TargetRecord { kind: "employee".into(), key: None, fields, sensitive: Vec::new() }],
    }
}

/// The hostile connector.
struct Hostile;

test_guest_kit::connector!(Hostile);

impl Connector for Hostile {
    const NAME: &'static str = "hostile";

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
            Some("trap") => trap(),
            Some("sleep") => {
                std::thread::sleep(Duration::from_secs(3600));
                Ok(normal::map_employee(&e))
            }
            Some("logflood") => log_forever(1 << 20),
            Some("logspam") => log_forever(1 << 10),
            Some("unpacked") => Ok(one_record(&e, r#"{"personnr":"10915596784","salary":52000}"#.into())),
            Some("random") => {
                let drawn = std::collections::hash_map::RandomState::new().hash_one(&e.id);
                let mut mapped = normal::map_employee(&e);
                let record = &mut mapped.records[0];
                let mut fields = test_guest_kit::unpack(&record.fields);
                fields.push(("random".into(), drawn.to_string()));
                record.fields = test_guest_kit::pack(fields.iter().map(|(n, v)| (n.as_str(), v.as_str())));
                Ok(mapped)
            }
            _ => {
                // A careless connector logging a national id: the host must mask it.
                log(LogLevel::Info, "mapping employee with ssn 10915596784");
                Ok(one_record(&e, test_guest_kit::pack([("id", e.id.as_str())])))
            }
        }
    }

    fn read_start(_: Context) -> Vec<HttpRequest> {
        Vec::new()
    }

    fn read_next(_: Context, _: Vec<Exchange>) -> Result<ReadStep, ConnectorError> {
        Ok(ReadStep { learnt: Vec::new(), company: Vec::new(), more: Vec::new() })
    }

    fn diff(_: Context, _: Vec<TargetRecord>, _: Option<TargetEmployee>) -> Vec<FieldChange> {
        Vec::new()
    }
}

/// Log one line of `bytes` bytes, built once, at info level without end.
fn log_forever(bytes: usize) -> ! {
    let line = "x".repeat(bytes);
    loop {
        log(LogLevel::Info, &line);
    }
}

/// Executes wasm's `unreachable`. Natively, where this guest only gets
/// compiled (`cargo test` and clippy build every workspace member), an abort.
fn trap() -> ! {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    std::process::abort()
}
