//! paybridge: keeps payroll systems in step with an HR system.
//!
//! The host owns everything with side effects; connectors (wasm
//! components) only map, diff and plan. Where things happen:
//! [`source`] reads HR data, [`privacy`] keeps personal data out of what
//! people read, [`store`] keeps it and everything paybridge
//! learns in SQLite, [`runtime`] loads and calls connectors, [`http`] talks
//! to payroll APIs, [`sync`] runs the pipeline, [`cli`] is the command line,
//! [`config`] reads `paybridge.toml` and [`kit`] is the vendor kit
//! (templates, the fake target, the conformance check).

pub mod app;
pub mod cli;
pub mod config;
pub mod http;
pub mod import;
pub mod kit;
pub mod metrics;
pub mod model;
pub mod privacy;
pub mod runtime;
pub mod schedule;
pub mod scope;
pub mod serve;
pub mod source;
pub mod store;
pub mod sync;
pub mod watch;

/// The architecture notes (`docs/architecture.md`); their code compiles as
/// doctests, so the example there cannot drift from the API.
#[doc = include_str!("../../docs/architecture.md")]
pub mod docs {}
