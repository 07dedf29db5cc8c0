//! Guest-side helpers shared by paybridge connectors.
//!
//! Pure Rust with no WIT types, so the same code runs inside a component and
//! natively (unit tests, the native baseline of the benchmark). It owns:
//! national-id checks ([`national_id`]), bank-number helpers ([`bank`]),
//! flat "dotted" field maps and their JSON form ([`fields`]), and the
//! field-by-field comparison every connector's `diff` uses ([`compare`]).

pub mod bank;
pub mod compare;
pub mod fields;
pub mod national_id;
