//! The connector runtime: wasmtime engine, sandbox, bindings and the
//! registry of loaded connector versions.
//!
//! Life cycle: a component file is read, hashed (sha256), checked against
//! the import allow-list, compiled and pre-instantiated against the linker
//! (`ConnectorPre::new`), asked to `describe` itself, then registered under
//! (name, version). From then on every call runs in a fresh `Store` with a
//! memory cap and a fuel budget, on a blocking thread; a trap fails that call
//! only. A loaded version is immutable; swapping the active version replaces
//! an `Arc`, so a run holding the old one finishes with it.

pub mod artefacts;
pub mod bindings;
pub mod connector;
pub mod contract_v1;
pub mod engine;
pub mod registry;
pub mod sandbox;
pub mod signing;

pub use bindings::types;
pub use connector::{CallError, Instance, LoadedConnector};
pub use engine::{ConnectorEngine, Limits};
pub use registry::Registry;
