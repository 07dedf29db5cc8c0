//! A connector built against a foreign contract major, for the registry
//! tests (as `paybridge_components::TEST_GUEST_CONTRACT_THREE`): its WIT
//! (`plugins/test-guests/contract-three/wit/connector.wit`) is the contract
//! with the package at `paybridge:connector@3.0.0` and a world without the
//! `host` import, so the component imports only
//! `paybridge:connector/types@3.0.0` (and WASI). The host must refuse it as
//! a contract it does not speak. Named "contract-three", otherwise normal
//! (test-guest kit).

// The WIT bindings are generated at the crate root without doc comments.
#![allow(missing_docs)]
// The generated canonical-ABI glue takes many arguments.
#![allow(clippy::too_many_arguments)]

wit_bindgen::generate!({ path: "wit", world: "connector" });

/// The connector of the foreign contract.
struct ContractThree;

test_guest_kit::connector!(ContractThree);

impl Connector for ContractThree {
    const NAME: &'static str = "contract-three";
}
