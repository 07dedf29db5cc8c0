//! Personal data in what people read: masking whole values
//! ([`mask`]), long numbers in free text ([`mask_digit_runs`]), and the
//! [`Scrubber`] that removes the values the host knows to be personal
//! (national ids, bank numbers, salaries) from anything a connector
//! returned, in any spacing or punctuation, whatever the connector marked.
//!
//! Invariant: a text a connector produced (a log line, a description, a
//! request path, a body, a message, a field value) passes through a
//! scrubber before it reaches a log, a report, the journal, the links table
//! or the terminal.

pub mod mask;
pub mod scrubber;

pub use mask::{mask, mask_digit_runs, redact_json};
pub use scrubber::Scrubber;
