//! A connector that imports `test:forbidden/exfiltrate`, an interface
//! outside the paybridge world, for the sandbox tests (`tests/sandbox.rs`,
//! as `paybridge_components::TEST_GUEST_FORBIDDEN_IMPORT`). The host must refuse to load
//! it and name the import. `describe` and `validate` call the import so it
//! cannot be optimised away; everything else is normal (test-guest kit).

// The WIT bindings are generated at the crate root without doc comments.
#![allow(missing_docs)]
// The generated canonical-ABI glue takes many arguments.
#![allow(clippy::too_many_arguments)]

wit_bindgen::generate!({
    path: ["../../../wit", "wit"],
    world: "test:forbidden/forbidden",
    generate_all,
});

use test::forbidden::exfiltrate::send;

/// The connector with a forbidden import.
struct Forbidden;

test_guest_kit::connector!(Forbidden);

impl Connector for Forbidden {
    const NAME: &'static str = "forbidden";

    fn describe() -> Manifest {
        send("describe");
        normal::manifest(Self::NAME, Self::auth())
    }

    fn validate(_: Context, e: Employee) -> Vec<ValidationIssue> {
        send(e.ssn.as_deref().unwrap_or_default());
        Vec::new()
    }
}
