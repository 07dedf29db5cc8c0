//! Host-side bindings of the contract versions this host speaks, generated
//! by wasmtime's `bindgen!`: [`v2`] (`wit/connector.wit`, the current
//! contract, whose types the pipeline uses) and [`v1`]
//! (`wit/v1/connector.wit`, frozen; adapted to the pipeline by
//! [`super::contract_v1`]). The generated types are serialisable so the
//! store and `--json` output can use them.
//!
//! `host.log` is trappable in both: the host charges every line against a
//! per-call budget and stops a connector that floods it.

// The generated items carry the WIT's comments where it has them, not
// everywhere: the contract files are their documentation.
#![allow(missing_docs)]

/// Loading an instance's exports without type-checking them again.
///
/// The generated `ConnectorPre::instantiate` type-checks every export of
/// the world at every instantiation (comparing record field names), about
/// a fifth of an instantiation's cost, though a call uses one export. The
/// types of a component's exports are a property of the component, not of
/// the instance: `runtime::connector::ContractPre` makes its first
/// instance through the checked path (`ConnectorPre::instantiate`) and
/// only later ones through this, so every instance of the same
/// `ConnectorPre` has exports of the checked types.
macro_rules! load_checked_once {
    ($($export:ident),+) => {
        impl ConnectorPre<crate::runtime::sandbox::HostState> {
            /// Instantiate into `store` and take the exports by index,
            /// without the type-check the checked path repeats.
            ///
            /// Sound only for a `ConnectorPre` whose exports were
            /// type-checked once through [`Self::instantiate`]:
            /// `ContractPre` holds to that.
            pub(crate) fn instantiate_checked_once(
                &self,
                mut store: &mut wasmtime::Store<crate::runtime::sandbox::HostState>,
            ) -> wasmtime::Result<Connector> {
                let instance = self.instance_pre.instantiate(&mut store)?;
                let indices = &self.indices;
                Ok(Connector {
                    $($export: instance
                        .get_func(&mut store, &indices.$export)
                        .ok_or_else(|| wasmtime::Error::msg(concat!("the component has no export `", stringify!($export), "`")))?,)+
                })
            }
        }
    };
}

/// `paybridge:connector@2.0.0`: batches, a streaming read, the import
/// direction.
pub mod v2 {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "connector",
        additional_derives: [serde::Serialize, serde::Deserialize],
        imports: { "paybridge:connector/host.log": trappable },
    });
    load_checked_once!(describe, prepare, read_start, read_next, reconcile, import_employees);
}

/// `paybridge:connector@1.0.0`: one employee per call, a read parsed over
/// every exchange so far.
pub mod v1 {
    wasmtime::component::bindgen!({
        path: "../wit/v1",
        world: "connector",
        additional_derives: [serde::Serialize, serde::Deserialize],
        imports: { "paybridge:connector/host.log": trappable },
    });
    load_checked_once!(describe, validate, map_employee, read_requests, parse_read, diff, plan);
}

pub use v2::paybridge::connector::types;

impl types::HttpMethod {
    /// The method's name as sent on the wire.
    pub fn as_str(self) -> &'static str {
        crate::model::http::Method::from(self).as_str()
    }
}
