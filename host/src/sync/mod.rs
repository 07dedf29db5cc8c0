//! The sync pipeline: scope → validate → map → read → match → diff →
//! plan → apply → verify, with per-employee outcomes ([`pipeline`] runs
//! it; the other modules are its steps).

pub mod guard;
pub mod matching;
pub mod outcome;
pub mod pipeline;
pub mod read;
pub mod required;
pub mod scope;
pub mod views;

pub use outcome::{EmployeeReport, Outcome, RunReport};
pub use pipeline::{SyncError, SyncJob, SyncOptions};
