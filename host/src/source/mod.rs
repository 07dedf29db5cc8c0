//! HR sources. Today: a snapshot file in the AlexisHR / Simployer One API
//! shape ([`snapshot`]). A live API source will sit beside it.

pub mod snapshot;

pub use snapshot::{HrSnapshot, load_snapshot, parse_snapshot};
