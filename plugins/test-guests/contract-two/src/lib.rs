//! A connector built against a foreign contract major, for the registry
//! tests (as `paybridge_components::TEST_GUEST_CONTRACT_TWO`): its WIT
//! (`plugins/test-guests/contract-two/wit/connector.wit`) is the contract
//! with the package at `paybridge:connector@2.0.0` and a world without the
//! `host` import, so the component imports only
//! `paybridge:connector/types@2.0.0` (and WASI). The host must refuse it as
//! a contract it does not speak. Named "contract-two", otherwise normal
//! (test-guest kit).

// The WIT bindings are generated at the crate root without doc comments.
#![allow(missing_docs)]
// The generated canonical-ABI glue takes many arguments.
#![allow(clippy::too_many_arguments)]

wit_bindgen::generate!({ path: "wit", world: "connector" });

/// The connector of the foreign contract.
struct ContractTwo;

test_guest_kit::connector!(ContractTwo);

impl Connector for ContractTwo {
    const NAME: &'static str = "contract-two";
}
