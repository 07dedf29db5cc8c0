//! The sync engine: one run of one integration, in parts with one job each.
//!
//! [`run`] orchestrates a run (lock, recover, scope, then a chunk at a
//! time prepare, read, first pass; then verify, record) and is spawnable;
//! [`scope_pass`] picks the employees and the chunks' order; [`context`] holds what its steps
//! share; [`work`] is one employee's state; [`read`] reads the target into
//! [`targets`], packed and indexed;
//! [`reconcile`] decides what an employee needs (match, diff, plan, guard);
//! [`record_links`] checks and gives back what a connector paired below
//! the employee;
//! [`guard`] keeps writes within the employee; [`apply`] is the journalled
//! writer; [`verify`] checks what was written; [`events`] reports as it
//! goes; [`outcome`] is the report; [`matching`], [`required`] and
//! [`views`] are the rules they use.

pub mod apply;
pub mod context;
pub mod events;
pub mod guard;
pub mod matching;
pub mod outcome;
pub mod read;
pub mod reconcile;
pub mod record_links;
pub mod required;
pub mod run;
pub mod scope_pass;
pub mod targets;
pub mod verify;
pub mod views;
pub mod work;

pub use events::RunEvent;
pub use outcome::{EmployeeReport, Outcome, RunReport, ShownAbsence};
pub use reconcile::BATCH;
pub use run::{SyncError, SyncJob, SyncOptions};
