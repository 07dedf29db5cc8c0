//! What a run tells while it goes on: typed [`RunEvent`]s, in order, on a
//! channel the caller owns (the CLI prints them; a service can stream them).
//! A closed or absent channel never slows or fails a run.

use serde::Serialize;

/// One step of a run, sent as it happens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum RunEvent {
    /// The run holds the integration's lock and has a number.
    Started {
        /// Run number in the store.
        run_id: i64,
        /// Integration name.
        integration: String,
        /// "name@version" of the connector.
        connector: String,
        /// Employees in scope.
        in_scope: usize,
        /// Employees outside the scope.
        out_of_scope: usize,
    },
    /// A chunk of employees (at most [`super::run::CHUNK`]) is validated
    /// and mapped; one event per chunk, the first before the target is read.
    Prepared {
        /// Employees of the chunk mapped and ready to reconcile.
        to_sync: usize,
    },
    /// The target's current state was read.
    Read {
        /// Target employees seen.
        target_employees: usize,
        /// Of those, how many could not be read completely.
        unreadable: usize,
    },
    /// A write was refused by the target or its outcome is unknown; that
    /// employee is read again and planned again.
    Recovering {
        /// HR id.
        hr_id: String,
        /// Why (scrubbed).
        reason: String,
    },
    /// Written employees are being verified against a fresh read.
    Verifying {
        /// Pass number, from 1.
        pass: usize,
        /// Employees still to verify.
        employees: usize,
    },
    /// One employee's outcome is final for this run.
    Settled {
        /// HR id.
        hr_id: String,
        /// Employee number, if any.
        employee_number: Option<String>,
        /// First and last name.
        name: String,
        /// created, updated, unchanged, skipped, failed or planned.
        outcome: String,
        /// Changed fields or the reason.
        detail: String,
    },
    /// The run ended.
    Finished {
        /// Run number.
        run_id: i64,
        /// succeeded, partial or failed.
        status: String,
        /// One line of counts.
        summary: String,
    },
}

/// Where a run sends its events.
pub type EventSender = tokio::sync::mpsc::UnboundedSender<RunEvent>;

/// Where a caller receives a run's events.
pub type EventReceiver = tokio::sync::mpsc::UnboundedReceiver<RunEvent>;

/// A channel for one run's events.
pub fn channel() -> (EventSender, EventReceiver) {
    tokio::sync::mpsc::unbounded_channel()
}
