//! Local HTTP emulators of the payroll APIs paybridge targets. Each runs
//! on a loopback port inside tests and the demo, keeps its data in memory,
//! records every request, and can be told to fail (status codes, hangs,
//! malformed answers, cut connections, latency).
//!
//! - [`twentyfour_seven`]: 24SevenOffice Lønn, faithful to the vendor's
//!   OpenAPI file (`payroll.json`, version 2.0.0).
//! - [`nmbrs`]: Visma Nmbrs REST, from the public material; assumptions
//!   written down in its module docs.
//! - [`kontek`]: Kontek Lön, from one integration article; mostly assumed (table in its docs).
//! - [`alexishr`]: the AlexisHR public REST API v1, an HR source: strict
//!   list queries (`select`, `relations`, `filters`, `limit`, `offset`,
//!   `sort`), an `updated` clock for incremental reads, employee and
//!   employment PATCH; sources and assumptions in its module docs.
//! - [`faults`]: scripted failures (status codes, hangs, malformed JSON,
//!   cut connections; before or after the request is applied) and the
//!   request log both share; [`server`]: their state, the one gate that
//!   checks credentials (each emulator gives its check) and serving.
//! - [`sink`]: a catch-all server that records every request raw and
//!   answers from a table, for sandbox tests of hostile connectors.

// Handlers answer errors as ready responses; boxing them would only add noise.
#![allow(clippy::result_large_err)]

pub mod alexishr;
pub mod faults;
pub mod kontek;
pub mod nmbrs;
pub mod server;
pub mod sink;
pub mod twentyfour_seven;
