//! The vendor kit: what a vendor needs to go from nothing to a checked
//! connector: [`template`] writes a working connector in Rust or Python
//! (`paybridge connector new`), [`fake_target`] is the generic JSON REST
//! payroll API it is written for, and [`check`] is the conformance suite
//! (`paybridge connector check`) that syncs a component against that fake
//! with the real engine. The guide is `docs/connectors.md`.

pub mod check;
pub mod fake_target;
pub mod template;
