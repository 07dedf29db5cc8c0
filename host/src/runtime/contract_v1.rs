//! The adapter that keeps `paybridge:connector@1.0.0` components working
//! under the 2.0 pipeline (see `wit/README.md`, "What changed from 1.0").
//!
//! - `prepare` (a batch) becomes `validate`, then `map-employee` when
//!   validation found nothing, per employee, in one instance.
//! - `reconcile` (a batch) becomes `diff`, then `plan` when there are
//!   changes and a plan is asked for, per item, in one instance.
//! - `read-start` is `read-requests`. `read-next` is `parse-read`, which
//!   wants every exchange of the read so far and answers with every
//!   employee it can assemble: the reader hands a 1.0 component its whole
//!   history (so its reads stay as costly as they were under 1.0), and the
//!   host's merge of a full answer over what it holds changes nothing.
//! - The manifest gains `directions: [hr-to-target]`; 1.0 has no import.
//!
//! Types whose shape is the same in both versions cross through serde
//! (the bindings derive it on both sides, with the same field names); the
//! four that changed (manifest, context, absence, target record) are
//! converted by what differs: 2.0's context `period` and employee
//! `children` are not shown to a 1.0 component, an absence is `approved`
//! when its state is, and a record's `list<field>` is packed into 2.0's
//! JSON object text plus sensitive names (and unpacked on the way back).

use super::bindings::types::*;
use super::bindings::v1;
use super::sandbox::HostState;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use wasmtime::Store;

/// The same value in the other version's type (same shape, same names).
fn same<A: Serialize, B: DeserializeOwned>(a: &A) -> wasmtime::Result<B> {
    Ok(serde_json::from_value(serde_json::to_value(a)?)?)
}

/// Which way target records cross between the contract versions.
#[derive(Clone, Copy)]
enum Records {
    /// 1.0's `list<field>` to 2.0's packed text and sensitive names.
    Pack,
    /// 2.0's packed text and sensitive names to 1.0's `list<field>`.
    Unpack,
}

/// The same value in the other version's type, its target records
/// converted `way`.
fn with_records<A: Serialize, B: DeserializeOwned>(a: &A, way: Records) -> wasmtime::Result<B> {
    let mut value = serde_json::to_value(a)?;
    convert_records(&mut value, way)?;
    Ok(serde_json::from_value(value)?)
}

/// Every target record (an object with `kind` and `fields`) in `value`.
fn convert_records(value: &mut Value, way: Records) -> wasmtime::Result<()> {
    match value {
        Value::Array(items) => items.iter_mut().try_for_each(|v| convert_records(v, way)),
        Value::Object(map) if map.contains_key("kind") && map.contains_key("fields") => convert_record(map, way),
        Value::Object(map) => map.values_mut().try_for_each(|v| convert_records(v, way)),
        _ => Ok(()),
    }
}

/// A 1.0 field (`field` in `wit/v1/connector.wit`).
#[derive(serde::Deserialize)]
struct FieldV1 {
    name: String,
    value: String,
    sensitive: bool,
}

fn convert_record(record: &mut serde_json::Map<String, Value>, way: Records) -> wasmtime::Result<()> {
    let fields = record.remove("fields").unwrap_or_default();
    match way {
        Records::Pack => {
            let fields: Vec<FieldV1> = serde_json::from_value(fields)?;
            let packed = connector_kit::packed::pack(fields.iter().map(|f| (f.name.as_str(), f.value.as_str())));
            let sensitive: Vec<&str> = fields.iter().filter(|f| f.sensitive).map(|f| f.name.as_str()).collect();
            record.insert("fields".into(), Value::String(packed));
            record.insert("sensitive".into(), serde_json::to_value(sensitive)?);
        }
        Records::Unpack => {
            let sensitive: Vec<String> = serde_json::from_value(record.remove("sensitive").unwrap_or_default())?;
            let pairs = connector_kit::packed::unpack(fields.as_str().unwrap_or_default())?;
            let fields: Vec<Value> = pairs
                .into_iter()
                .map(|(name, value)| {
                    let sensitive = sensitive.contains(&name);
                    serde_json::json!({ "name": name, "value": value, "sensitive": sensitive })
                })
                .collect();
            record.insert("fields".into(), Value::Array(fields));
        }
    }
    Ok(())
}

fn context(ctx: &Context) -> wasmtime::Result<v1::paybridge::connector::types::Context> {
    same(ctx)
}

fn employee(e: &Employee) -> wasmtime::Result<v1::paybridge::connector::types::Employee> {
    let mut value = serde_json::to_value(e)?;
    for absence in value.get_mut("absences").and_then(Value::as_array_mut).into_iter().flatten() {
        let approved = absence.get("state").and_then(Value::as_str) == Some("Approved");
        absence["approved"] = Value::Bool(approved);
    }
    Ok(serde_json::from_value(value)?)
}

/// `describe`, with `directions: [hr-to-target]`.
pub fn describe(c: &v1::Connector, store: &mut Store<HostState>) -> wasmtime::Result<Manifest> {
    let manifest = c.call_describe(store)?;
    let mut value = serde_json::to_value(&manifest)?;
    value["directions"] = serde_json::to_value([Direction::HrToTarget])?;
    Ok(serde_json::from_value(value)?)
}

/// `validate`, then `map-employee`, per employee.
pub fn prepare(
    c: &v1::Connector,
    store: &mut Store<HostState>,
    ctx: &Context,
    employees: &[Employee],
) -> wasmtime::Result<Vec<Prepared>> {
    let ctx = context(ctx)?;
    let mut out = Vec::with_capacity(employees.len());
    for e in employees {
        let e = employee(e)?;
        let issues = c.call_validate(&mut *store, &ctx, &e)?;
        if !issues.is_empty() {
            out.push(Prepared::Refused(same(&issues)?));
            continue;
        }
        out.push(match c.call_map_employee(&mut *store, &ctx, &e)? {
            Ok(mapped) => Prepared::Ready(with_records(&mapped, Records::Pack)?),
            Err(issues) => Prepared::Refused(same(&issues)?),
        });
    }
    Ok(out)
}

/// `read-requests`.
pub fn read_start(
    c: &v1::Connector,
    store: &mut Store<HostState>,
    ctx: &Context,
) -> wasmtime::Result<Vec<HttpRequest>> {
    same(&c.call_read_requests(store, &context(ctx)?)?)
}

/// `parse-read` over `exchanges` (the whole read so far).
pub fn read_next(
    c: &v1::Connector,
    store: &mut Store<HostState>,
    ctx: &Context,
    exchanges: &[Exchange],
) -> wasmtime::Result<Result<ReadStep, ConnectorError>> {
    let exchanges: Vec<v1::paybridge::connector::types::Exchange> = same(&exchanges)?;
    Ok(match c.call_parse_read(store, &context(ctx)?, &exchanges)? {
        Ok(outcome) => Ok(ReadStep {
            learnt: with_records(&outcome.employees, Records::Pack)?,
            company: Vec::new(),
            more: same(&outcome.more)?,
        }),
        Err(e) => Err(same(&e)?),
    })
}

/// `diff`, then `plan` where asked and needed, per item.
pub fn reconcile(
    c: &v1::Connector,
    store: &mut Store<HostState>,
    ctx: &Context,
    items: &[ReconcileItem],
) -> wasmtime::Result<Vec<Reconciled>> {
    let ctx = context(ctx)?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let desired: v1::paybridge::connector::types::MappedEmployee = with_records(&item.desired, Records::Unpack)?;
        let current: Option<v1::paybridge::connector::types::TargetEmployee> =
            with_records(&item.current, Records::Unpack)?;
        let changes = c.call_diff(&mut *store, &ctx, &desired.records, current.as_ref())?;
        let operations = if item.plan && !changes.is_empty() {
            match c.call_plan(&mut *store, &ctx, &desired, current.as_ref(), &changes)? {
                Ok(ops) => Ok(same(&ops)?),
                Err(e) => Err(same(&e)?),
            }
        } else {
            Ok(Vec::new())
        };
        // 1.0 has no record links: a 1.0 connector keeps none.
        out.push(Reconciled { changes: same(&changes)?, operations, links: Vec::new() });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{HrEmployee, hr};

    #[test]
    fn a_1_0_component_sees_an_absence_approved_only_when_its_state_is_approved_and_never_sees_children() {
        let leave = hr::Absence { id: "leave-1".into(), start_date: "2026-03-02".into(), ..Default::default() };
        let hr_employee = HrEmployee { id: "hr-1".into(), absences: vec![leave.clone(), leave], ..Default::default() };
        let mut e: Employee = (&hr_employee).into();
        e.absences[0].state = AbsenceState::Approved;
        e.absences[1].state = AbsenceState::Cancelled;
        e.children.push(Child {
            id: "child-1".into(),
            first_name: None,
            last_name: None,
            birth_date: None,
            ssn: Some("01012012345".into()),
        });
        let old = employee(&e).expect("converts");
        assert!(old.absences[0].approved);
        assert!(!old.absences[1].approved, "a cancelled leave is not approved");
        let shown = serde_json::to_string(&old).expect("json");
        assert!(!shown.contains("child-1") && !shown.contains("01012012345"), "{shown}");
    }

    #[test]
    fn a_1_0_context_drops_the_period_and_keeps_the_rest() {
        let ctx = Context {
            integration: "i".into(),
            today: "2026-11-23".into(),
            settings: vec![("company_id".into(), "c".into())],
            period: Some(Period { start: "2026-01-01".into(), end: "2026-01-31".into() }),
        };
        let old = context(&ctx).expect("converts");
        assert_eq!((old.integration.as_str(), old.today.as_str()), ("i", "2026-11-23"));
        assert_eq!(old.settings, ctx.settings);
    }
}
