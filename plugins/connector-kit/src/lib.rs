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
