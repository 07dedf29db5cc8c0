//! Guest-side helpers shared by paybridge connectors.
//!
//! Pure Rust with no WIT types, so the same code runs inside a component and
//! natively (unit tests, the native baseline of the benchmark). It owns:
//! national-id checks ([`national_id`]), bank-number helpers ([`bank`]),
//! flat "dotted" field maps and their JSON form ([`fields`]), and the
//! field-by-field comparison every connector's `diff` uses ([`compare`]).
//! The WIT side is left to macros that expand in the connector:
//! [`export_connector!`] (bindings, export and [`record_conversions!`]), so
//! a connector's `lib.rs` holds only its `Guest` impl.

pub mod bank;
pub mod compare;
pub mod fields;
pub mod national_id;

/// Everything a connector's `lib.rs` needs besides its `Guest` impl: the
/// guest bindings of `wit/connector.wit`, the export of the component and
/// the record conversions ([`record_conversions!`]).
///
/// Invoke it once at the connector's crate root with the type that
/// implements `Guest`:
///
/// ```ignore
/// connector_kit::export_connector!(Connector);
///
/// pub struct Connector;
///
/// impl Guest for Connector {
///     fn describe() -> Manifest { /* ... */ }
///     // ... one function per export of the `connector` world
/// }
/// ```
///
/// It defines, in the calling crate:
///
/// - a private module `bindings` with `wit_bindgen::generate!` of the
///   world `connector` (the connector depends on `wit-bindgen`);
/// - `pub use` of the contract's `types` module and of `host` (the
///   host's imports, such as `host::log`), and `use types::*` and
///   `use bindings::Guest` at the crate root, so the connector and its
///   modules (`use crate::types::*`) name the WIT types directly;
/// - the component's export of the given type;
/// - `to_kit`, `from_kit` and `to_wit_changes` ([`record_conversions!`]).
///
/// The WIT folder is `../../wit` from the connector's `Cargo.toml`
/// (`wit_bindgen::generate!` resolves paths from the crate it expands in),
/// so a connector lives in `plugins/<name>/`. To derive more traits on the
/// generated types (the benchmark builds 24SevenOffice inputs from JSON),
/// name them: `export_connector!(Connector, additional_derives: [serde::Deserialize]);`.
#[macro_export]
macro_rules! export_connector {
    ($guest:ident $(, additional_derives: [$($derive:path),* $(,)?])? $(,)?) => {
        /// Guest bindings of `wit/connector.wit`.
        // Generated canonical-ABI glue: many arguments, no doc comments.
        #[allow(clippy::too_many_arguments, missing_docs)]
        mod bindings {
            wit_bindgen::generate!({
                path: "../../wit",
                world: "connector",
                pub_export_macro: true,
                $(additional_derives: [$($derive),*],)?
            });
        }

        /// The contract's types (`paybridge:connector/types`).
        pub use bindings::paybridge::connector::types;
        /// What the host offers the connector (`paybridge:connector/host`).
        pub use bindings::paybridge::connector::host;
        use bindings::Guest;
        #[allow(unused_imports)]
        use types::*;

        bindings::export!($guest with_types_in bindings);

        $crate::record_conversions!(TargetRecord, Field, FieldChange);
    };
}

/// Defines `to_kit`, `from_kit` and `to_wit_changes` in the calling
/// connector: conversions between its WIT `target-record`, `field` and
/// `field-change` types (named by the identifiers, in scope at the call
/// site) and [`fields::Record`] / [`compare::Change`].
#[macro_export]
macro_rules! record_conversions {
    ($record:ident, $field:ident, $change:ident) => {
        /// Convert the kit's changes to WIT field changes.
        pub(crate) fn to_wit_changes(changes: Vec<$crate::compare::Change>) -> Vec<$change> {
            changes
                .into_iter()
                .map(|c| $change {
                    record_kind: c.record_kind,
                    record_key: c.record_key,
                    field: c.field,
                    before: c.before,
                    after: c.after,
                    sensitive: c.sensitive,
                })
                .collect()
        }

        /// Convert a WIT record to the kit's record.
        pub(crate) fn to_kit(record: &$record) -> $crate::fields::Record {
            $crate::fields::Record {
                kind: record.kind.clone(),
                key: record.key.clone(),
                fields: record
                    .fields
                    .iter()
                    .map(|f| $crate::fields::Field {
                        name: f.name.clone(),
                        value: f.value.clone(),
                        sensitive: f.sensitive,
                    })
                    .collect(),
            }
        }

        /// Convert the kit's record to a WIT record.
        pub(crate) fn from_kit(record: $crate::fields::Record) -> $record {
            $record {
                kind: record.kind,
                key: record.key,
                fields: record
                    .fields
                    .into_iter()
                    .map(|f| $field { name: f.name, value: f.value, sensitive: f.sensitive })
                    .collect(),
            }
        }
    };
}
