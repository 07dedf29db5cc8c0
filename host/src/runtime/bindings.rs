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

/// `paybridge:connector@2.0.0`: batches, a streaming read, the import
/// direction.
pub mod v2 {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "connector",
        additional_derives: [serde::Serialize, serde::Deserialize],
        imports: { "paybridge:connector/host.log": trappable },
    });
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
}

pub use v2::paybridge::connector::types;

impl types::HttpMethod {
    /// The method's name as sent on the wire.
    pub fn as_str(self) -> &'static str {
        crate::model::http::Method::from(self).as_str()
    }
}
