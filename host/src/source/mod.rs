//! HR sources: a snapshot file in the AlexisHR / Simployer One API shape
//! ([`snapshot`]), or the live AlexisHR API read page by page into the
//! store ([`alexishr`]). Both give an [`HrSnapshot`]. [`writeback`] turns
//! what the import direction writes into AlexisHR's update requests.

pub mod alexishr;
pub mod snapshot;
pub mod writeback;

pub use snapshot::{HrSnapshot, load_snapshot, parse_snapshot};
