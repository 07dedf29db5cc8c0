//! Guest-side helpers shared by paybridge connectors.
//!
//! Pure Rust with no WIT types, so the same code runs inside a component and
//! natively (unit tests, the native baseline of the benchmark). It owns:
//! national-id checks ([`national_id`]; Swedish personnummer in
//! [`personnummer`]), bank-number helpers ([`bank`]),
//! flat "dotted" field maps and their JSON form ([`fields`]), and the
//! field-by-field comparison every connector's `diff` uses ([`compare`]),
//! and the allocator connectors install for their one-call instances
//! ([`call_arena`]).
//! The WIT side is left to macros that expand in the connector:
//! [`export_connector!`] (bindings, the per-employee `ConnectorSteps`
//! trait, the batch exports and [`record_conversions!`]), so a connector's
//! `lib.rs` holds only its steps.

pub mod bank;
pub mod call_arena;
pub mod compare;
pub mod fields;
pub mod national_id;
pub mod packed;
pub mod personnummer;

/// Everything a connector's `lib.rs` needs besides its steps: the guest
/// bindings of `wit/connector.wit` (`paybridge:connector@2.0.0`), a trait
/// of per-employee steps, the component's batch exports built from them,
/// and the record conversions ([`record_conversions!`]).
///
/// Invoke it once at the connector's crate root with the type that
/// implements the steps:
///
/// ```ignore
/// connector_kit::export_connector!(Connector);
///
/// pub struct Connector;
///
/// impl ConnectorSteps for Connector {
///     fn describe() -> Manifest { /* ... */ }
///     // ... map_employee, read_start, read_next, diff, plan (align and
///     // import_employee have defaults)
/// }
/// ```
///
/// It defines, in the calling crate:
///
/// - a private module `bindings` with `wit_bindgen::generate!` of the
///   world `connector` (the connector depends on `wit-bindgen`);
/// - `pub use` of the contract's `types` module and of `host` (the
///   host's imports, such as `host::log`), and `use types::*` at the crate
///   root, so the connector and its modules (`use crate::types::*`) name
///   the WIT types directly;
/// - the trait `ConnectorSteps`: one employee per call for mapping, align
///   (pairing records by the links of earlier runs; default: by key, no
///   links), diff and plan, one round's exchanges per `read_next`, and an
///   import step that defaults to "nothing to import";
/// - the component's exports: `prepare` and `reconcile` loop over their
///   batch in one instance (`reconcile` plans only items that ask for a
///   plan and have changes), `import-employees` keeps the employees the
///   import step answers for;
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
        #[allow(unused_imports)]
        use types::*;

        /// A connector's steps, one employee at a time; the kit makes the
        /// contract's batch exports of them.
        pub trait ConnectorSteps {
            /// Name, version, target system, auth, required fields,
            /// capabilities, directions.
            fn describe() -> Manifest;
            /// The employee in the target's shape, or why it cannot be
            /// exported.
            fn map_employee(ctx: &Context, employee: &Employee) -> Result<MappedEmployee, Vec<ValidationIssue>>;
            /// The first reads of the target.
            fn read_start(ctx: &Context) -> Vec<HttpRequest>;
            /// What one round's exchanges say, and what to read next.
            fn read_next(ctx: &Context, exchanges: &[Exchange]) -> Result<ReadStep, ConnectorError>;
            /// Field changes from `current` to `desired`.
            fn diff(ctx: &Context, desired: &[TargetRecord], current: Option<&TargetEmployee>) -> Vec<FieldChange>;
            /// The writes that make the target hold `desired`.
            fn plan(
                ctx: &Context,
                desired: &MappedEmployee,
                current: Option<&TargetEmployee>,
                changes: &[FieldChange],
            ) -> Result<Vec<PlannedOperation>, ConnectorError>;
            /// Before the diff: fit the `desired` records to what the
            /// company's target allows, given the `company` records the
            /// read learnt (`None`: as mapped), and pair the records
            /// `current` holds with the desired ones, given the record
            /// links of earlier runs: the current employee with its
            /// records re-keyed to the desired keys they pair with
            /// (`None`: use `current` as it is), and the whole set of
            /// links that hold now, which the host stores for the next
            /// run. The default changes nothing, pairs by key alone and
            /// keeps no links.
            fn align(
                _ctx: &Context,
                _company: &[TargetRecord],
                _desired: &MappedEmployee,
                _current: Option<&TargetEmployee>,
                _links: &[RecordLink],
            ) -> Aligned {
                Aligned { desired: None, current: None, links: Vec::new() }
            }
            /// What HR should hold according to the target; none for a
            /// connector that only exports.
            fn import_employee(_ctx: &Context, _current: &TargetEmployee) -> Option<HrUpdate> {
                None
            }
        }

        /// What [`ConnectorSteps::align`] made of one item.
        pub struct Aligned {
            /// The desired employee fitted to the company's target;
            /// `None` when it stands as mapped.
            pub desired: Option<MappedEmployee>,
            /// The current employee re-keyed; `None` when its keys stand.
            pub current: Option<TargetEmployee>,
            /// The record links that hold now.
            pub links: Vec<RecordLink>,
        }

        /// The component's exports, made of [`ConnectorSteps`].
        struct Exports;

        impl bindings::Guest for Exports {
            fn describe() -> Manifest {
                <$guest as ConnectorSteps>::describe()
            }

            fn prepare(ctx: Context, employees: Vec<Employee>) -> Vec<Prepared> {
                employees
                    .iter()
                    .map(|employee| match <$guest as ConnectorSteps>::map_employee(&ctx, employee) {
                        Ok(mapped) => Prepared::Ready(mapped),
                        Err(issues) => Prepared::Refused(issues),
                    })
                    .collect()
            }

            fn read_start(ctx: Context) -> Vec<HttpRequest> {
                <$guest as ConnectorSteps>::read_start(&ctx)
            }

            fn read_next(ctx: Context, exchanges: Vec<Exchange>) -> Result<ReadStep, ConnectorError> {
                <$guest as ConnectorSteps>::read_next(&ctx, &exchanges)
            }

            fn reconcile(ctx: Context, company: Vec<TargetRecord>, items: Vec<ReconcileItem>) -> Vec<Reconciled> {
                items
                    .iter()
                    .map(|item| {
                        let aligned = <$guest as ConnectorSteps>::align(
                            &ctx,
                            &company,
                            &item.desired,
                            item.current.as_ref(),
                            &item.links,
                        );
                        let desired = aligned.desired.as_ref().unwrap_or(&item.desired);
                        let current = aligned.current.as_ref().or(item.current.as_ref());
                        let changes = <$guest as ConnectorSteps>::diff(&ctx, &desired.records, current);
                        let operations = if item.plan && !changes.is_empty() {
                            <$guest as ConnectorSteps>::plan(&ctx, desired, current, &changes)
                        } else {
                            Ok(Vec::new())
                        };
                        Reconciled { changes, operations, links: aligned.links }
                    })
                    .collect()
            }

            fn import_employees(ctx: Context, current: Vec<TargetEmployee>) -> Vec<HrUpdate> {
                current.iter().filter_map(|t| <$guest as ConnectorSteps>::import_employee(&ctx, t)).collect()
            }
        }

        bindings::export!(Exports with_types_in bindings);

        $crate::record_conversions!(TargetRecord, FieldChange);
    };
}

/// Defines `to_kit`, `from_kit` and `to_wit_changes` in the calling
/// connector: conversions between its WIT `target-record` (fields packed,
/// [`packed`]) and `field-change` types (named by the identifiers, in scope
/// at the call site) and [`fields::Record`] / [`compare::Change`].
#[macro_export]
macro_rules! record_conversions {
    ($record:ident, $change:ident) => {
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

        /// Convert a WIT record to the kit's record. The host hands a
        /// connector only records whose fields it has checked, so a
        /// malformed packed text (never seen) gives a record without fields.
        pub(crate) fn to_kit(record: &$record) -> $crate::fields::Record {
            $crate::fields::Record::from_packed(&record.kind, record.key.clone(), &record.fields, &record.sensitive)
                .unwrap_or_else(|_| $crate::fields::Record::new(&record.kind, record.key.clone()))
        }

        /// Convert the kit's record to a WIT record.
        pub(crate) fn from_kit(record: $crate::fields::Record) -> $record {
            let (fields, sensitive) = record.packed();
            $record { kind: record.kind, key: record.key, fields, sensitive }
        }
    };
}
