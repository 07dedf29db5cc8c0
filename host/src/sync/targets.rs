//! What the target holds during a run, packed: each target employee is one
//! byte string (postcard, with record kinds and field names interned once
//! per run), indexed by hash of its id, employee number, national id and
//! name with birth date. A run over 100 000 employees holds its target in
//! tens of MiB rather than a `String` per field name and value; an
//! employee is unpacked when it is matched.
//!
//! Invariants: an employee keeps its position until [`TargetState::retain`]
//! (merging replaces it in place); the id index is kept up to date as
//! employees are learnt, the other indexes are rebuilt by
//! [`TargetState::reindex`] once a read ends; every lookup compares the
//! real key of the unpacked employee, so a hash collision never matches
//! the wrong one; the hashes are keyed per state (`RandomState`), so a
//! target cannot choose values that collide.

use crate::model::TargetEmployee;
use crate::model::target::{Field, TargetRecord};
use crate::runtime::types::TargetRecord as CompanyRecord;
use serde::{Deserialize, Serialize};
use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher as _;
use std::sync::Arc;

/// Positions by key hash: one position inline, more in an overflow map
/// (two HR-visible keys are rarely shared).
#[derive(Debug, Default)]
struct Positions {
    first: HashMap<u64, u32>,
    more: HashMap<u64, Vec<u32>>,
}

impl Positions {
    fn insert(&mut self, hash: u64, at: u32) {
        if let Some(&held) = self.first.get(&hash) {
            if held != at {
                self.more.entry(hash).or_default().push(at);
            }
        } else {
            self.first.insert(hash, at);
        }
    }

    /// Positions filed under `hash`, in the order they were filed.
    fn get(&self, hash: u64) -> impl Iterator<Item = usize> + '_ {
        let more = self.more.get(&hash).map(Vec::as_slice).unwrap_or_default();
        self.first.get(&hash).into_iter().chain(more).map(|&at| at as usize)
    }
}

/// Record kinds and field names, each stored once per run.
#[derive(Debug, Default)]
struct Names {
    list: Vec<Box<str>>,
    ids: HashMap<Box<str>, u32>,
}

impl Names {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.list.len() as u32;
        self.list.push(name.into());
        self.ids.insert(name.into(), id);
        id
    }

    fn name(&self, id: u32) -> String {
        self.list.get(id as usize).map(|n| n.to_string()).unwrap_or_default()
    }
}

/// A packed field: name (interned), value, sensitive.
type PackedField<S> = (u32, S, bool);
/// A packed record: kind (interned), key, fields.
type PackedRecord<S, K> = (u32, Option<K>, Vec<PackedField<S>>);

/// The packed layout of one employee: the id first, so it can be read
/// without unpacking the rest.
#[derive(Serialize)]
struct PackOut<'a> {
    target_id: &'a str,
    keys: [Option<&'a str>; 5],
    records: Vec<PackedRecord<&'a str, &'a str>>,
}

#[derive(Deserialize)]
struct PackIn {
    target_id: String,
    keys: [Option<String>; 5],
    records: Vec<PackedRecord<String, String>>,
}

/// A key as matched: trimmed, never empty.
pub fn key(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// First name, last name (both lowercased) and birth date, all present.
pub fn name_key(first: Option<&str>, last: Option<&str>, birth: Option<&str>) -> Option<(String, String, String)> {
    let lower = |v: Option<&str>| key(v).map(str::to_lowercase);
    Some((lower(first)?, lower(last)?, key(birth)?.to_owned()))
}

/// What the target holds, as far as it could be read.
#[derive(Debug, Default)]
pub struct TargetState {
    packed: Vec<Box<[u8]>>,
    names: Names,
    hasher: RandomState,
    by_id: Positions,
    by_number: Positions,
    by_national_id: Positions,
    by_name_and_birth: Positions,
    /// Target ids whose records could not be read completely, with why.
    pub unreadable: BTreeMap<String, String>,
    /// Records about the company rather than one employee
    /// (`read-step.company`), merged by kind and key, packed as the
    /// connector gave them; shared by every `reconcile` call of the run.
    company: Arc<[CompanyRecord]>,
}

/// Most company records one read may learn.
pub const MAX_COMPANY_RECORDS: usize = 4096;
/// Most bytes of fields the company records of one read may hold.
pub const MAX_COMPANY_BYTES: usize = 4 << 20;

/// Why company records a connector learnt were refused.
#[derive(Debug, thiserror::Error)]
pub enum CompanyRefused {
    /// More records or bytes than one read may hold.
    #[error(
        "more than {MAX_COMPANY_RECORDS} company records or {} MiB of their fields",
        MAX_COMPANY_BYTES >> 20
    )]
    TooMany,
    /// A record whose fields are not packed as the contract says.
    #[error(transparent)]
    Malformed(#[from] crate::model::convert::MalformedRecord),
}

impl TargetState {
    /// How many target employees are held.
    pub fn len(&self) -> usize {
        self.packed.len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.packed.is_empty()
    }

    fn hash<T: std::hash::Hash>(&self, value: T) -> u64 {
        self.hasher.hash_one(value)
    }

    fn pack(&mut self, t: &TargetEmployee) -> Box<[u8]> {
        let records = t
            .records
            .iter()
            .map(|r| {
                let fields = r.fields.iter().map(|f| (self.names.id(&f.name), f.value.as_str(), f.sensitive)).collect();
                (self.names.id(&r.kind), r.key.as_deref(), fields)
            })
            .collect();
        let out = PackOut {
            target_id: &t.target_id,
            keys: [
                t.employee_number.as_deref(),
                t.national_id.as_deref(),
                t.first_name.as_deref(),
                t.last_name.as_deref(),
                t.birth_date.as_deref(),
            ],
            records,
        };
        // Strings, options, integers and sequences of known length: postcard
        // cannot fail to write them to a vector.
        postcard::to_allocvec(&out).expect("postcard writes strings and integers to a vector").into_boxed_slice()
    }

    fn unpack(&self, bytes: &[u8]) -> TargetEmployee {
        // Only bytes `pack` wrote are unpacked, in the same layout.
        let p: PackIn =
            postcard::from_bytes(bytes).expect("a packed target employee unpacks in the layout it was packed in");
        let [employee_number, national_id, first_name, last_name, birth_date] = p.keys;
        let records = p
            .records
            .into_iter()
            .map(|(kind, key, fields)| TargetRecord {
                kind: self.names.name(kind),
                key,
                fields: fields
                    .into_iter()
                    .map(|(name, value, sensitive)| Field { name: self.names.name(name), value, sensitive })
                    .collect(),
            })
            .collect();
        TargetEmployee {
            target_id: p.target_id,
            employee_number,
            national_id,
            first_name,
            last_name,
            birth_date,
            records,
        }
    }

    /// The target id at `at`, read without unpacking the employee.
    fn id_at(&self, at: usize) -> Option<&str> {
        let bytes = self.packed.get(at)?;
        postcard::take_from_bytes::<&str>(bytes).ok().map(|(id, _)| id)
    }

    /// Where the employee with `target_id` is held.
    fn position(&self, target_id: &str) -> Option<usize> {
        self.by_id.get(self.hash(target_id)).find(|&at| self.id_at(at) == Some(target_id))
    }

    /// The employee at `at`, unpacked.
    pub fn at(&self, at: usize) -> Option<TargetEmployee> {
        self.packed.get(at).map(|bytes| self.unpack(bytes))
    }

    /// The employee with `target_id`, unpacked.
    pub fn employee(&self, target_id: &str) -> Option<TargetEmployee> {
        self.position(target_id).and_then(|at| self.at(at))
    }

    /// Whether the target holds a record with this id.
    pub fn holds(&self, target_id: &str) -> bool {
        self.position(target_id).is_some()
    }

    /// Every target id held, in the order first learnt.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        (0..self.packed.len()).filter_map(|at| self.id_at(at))
    }

    /// Every employee held, unpacked one at a time, in the order first learnt.
    pub fn employees(&self) -> impl Iterator<Item = TargetEmployee> + '_ {
        self.packed.iter().map(|bytes| self.unpack(bytes))
    }

    /// Why the record of `target_id` could not be read, if it could not.
    pub fn unreadable(&self, target_id: &str) -> Option<&str> {
        self.unreadable.get(target_id).map(String::as_str)
    }

    /// The company records learnt (see `read-step.company`).
    pub fn company(&self) -> Arc<[CompanyRecord]> {
        Arc::clone(&self.company)
    }

    /// Merge company records a read learnt: each replaces the held record
    /// of the same kind and key, or is added. Refused, and nothing
    /// merged, when one is malformed or the whole would pass
    /// [`MAX_COMPANY_RECORDS`] or [`MAX_COMPANY_BYTES`]. Whether anything
    /// held changed (the same records again are no progress).
    pub fn absorb_company(&mut self, learnt: Vec<CompanyRecord>) -> Result<bool, CompanyRefused> {
        if learnt.is_empty() {
            return Ok(false);
        }
        for record in &learnt {
            connector_kit::packed::unpack(&record.fields)
                .map_err(|why| crate::model::convert::MalformedRecord { kind: record.kind.clone(), reason: why.0 })?;
        }
        let mut merged: Vec<CompanyRecord> = self.company.to_vec();
        let mut at: HashMap<(String, Option<String>), usize> =
            merged.iter().enumerate().map(|(i, r)| ((r.kind.clone(), r.key.clone()), i)).collect();
        let mut changed = false;
        for record in learnt {
            match at.get(&(record.kind.clone(), record.key.clone())) {
                Some(&i) if merged[i].fields == record.fields && merged[i].sensitive == record.sensitive => {}
                Some(&i) => {
                    merged[i] = record;
                    changed = true;
                }
                None => {
                    at.insert((record.kind.clone(), record.key.clone()), merged.len());
                    merged.push(record);
                    changed = true;
                }
            }
            if merged.len() > MAX_COMPANY_RECORDS {
                return Err(CompanyRefused::TooMany);
            }
        }
        let bytes: usize =
            merged.iter().map(|r| r.kind.len() + r.key.as_ref().map_or(0, String::len) + r.fields.len()).sum();
        if bytes > MAX_COMPANY_BYTES {
            return Err(CompanyRefused::TooMany);
        }
        if changed {
            self.company = merged.into();
        }
        Ok(changed)
    }

    /// Merge what a read learnt about one employee
    /// ([`TargetEmployee::absorb`]).
    pub fn absorb(&mut self, learnt: TargetEmployee) {
        match self.position(&learnt.target_id) {
            Some(at) => {
                let mut held = self.unpack(&self.packed[at]);
                held.absorb(learnt);
                self.packed[at] = self.pack(&held);
            }
            None => {
                let at = self.packed.len() as u32;
                let hash = self.hash(learnt.target_id.as_str());
                let packed = self.pack(&learnt);
                self.packed.push(packed);
                self.by_id.insert(hash, at);
            }
        }
    }

    /// Keep only the employees whose id `keep` accepts (indexes rebuilt).
    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        let packed = std::mem::take(&mut self.packed);
        self.packed = packed
            .into_iter()
            .filter(|bytes| postcard::take_from_bytes::<&str>(bytes).is_ok_and(|(id, _)| keep(id)))
            .collect();
        self.unreadable.retain(|id, _| keep(id));
        self.reindex();
    }

    /// Rebuild every index from the employees held (after a read).
    pub fn reindex(&mut self) {
        let mut by_id = Positions::default();
        let (mut by_number, mut by_national_id, mut by_name) =
            (Positions::default(), Positions::default(), Positions::default());
        for (at, bytes) in self.packed.iter().enumerate() {
            let at = at as u32;
            let t = self.unpack(bytes);
            by_id.insert(self.hash(t.target_id.as_str()), at);
            if let Some(n) = key(t.employee_number.as_deref()) {
                by_number.insert(self.hash(n), at);
            }
            if let Some(n) = key(t.national_id.as_deref()) {
                by_national_id.insert(self.hash(n), at);
            }
            if let Some(k) = name_key(t.first_name.as_deref(), t.last_name.as_deref(), t.birth_date.as_deref()) {
                by_name.insert(self.hash(&k), at);
            }
        }
        (self.by_id, self.by_number, self.by_national_id, self.by_name_and_birth) =
            (by_id, by_number, by_national_id, by_name);
    }

    /// The employees whose employee number is `number` (normalised by
    /// [`key`]), unpacked, in the order first learnt.
    pub fn with_number<'s>(&'s self, number: &'s str) -> impl Iterator<Item = TargetEmployee> + 's {
        let found = self.by_number.get(self.hash(number)).filter_map(|at| self.at(at));
        found.filter(move |t| key(t.employee_number.as_deref()) == Some(number))
    }

    /// The employees whose national id is `national_id` (normalised by
    /// [`key`]), unpacked, in the order first learnt.
    pub fn with_national_id<'s>(&'s self, national_id: &'s str) -> impl Iterator<Item = TargetEmployee> + 's {
        let found = self.by_national_id.get(self.hash(national_id)).filter_map(|at| self.at(at));
        found.filter(move |t| key(t.national_id.as_deref()) == Some(national_id))
    }

    /// The employees with these names and birth date (from [`name_key`]),
    /// unpacked, in the order first learnt.
    pub fn with_name<'s>(&'s self, name: &'s (String, String, String)) -> impl Iterator<Item = TargetEmployee> + 's {
        let found = self.by_name_and_birth.get(self.hash(name)).filter_map(|at| self.at(at));
        found.filter(move |t| {
            name_key(t.first_name.as_deref(), t.last_name.as_deref(), t.birth_date.as_deref()).as_ref() == Some(name)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(id: &str, number: Option<&str>, value: &str) -> TargetEmployee {
        TargetEmployee {
            target_id: id.into(),
            employee_number: number.map(Into::into),
            first_name: Some("Kari".into()),
            last_name: Some("Nordmann".into()),
            birth_date: Some("1990-01-02".into()),
            records: vec![TargetRecord {
                kind: "employee".into(),
                key: None,
                fields: vec![Field { name: "phone".into(), value: value.into(), sensitive: false }],
            }],
            ..TargetEmployee::default()
        }
    }

    fn company_record(key: &str, fields: &str) -> CompanyRecord {
        CompanyRecord {
            kind: "absence-type".into(),
            key: Some(key.into()),
            fields: fields.into(),
            sensitive: Vec::new(),
        }
    }

    #[test]
    fn company_records_merge_by_kind_and_key_and_a_malformed_or_excess_batch_is_refused_whole() {
        let mut state = TargetState::default();
        state.absorb_company(vec![company_record("01", r#"{"percentage":"1"}"#)]).expect("taken");
        state
            .absorb_company(vec![company_record("01", r#"{"percentage":"0"}"#), company_record("04", "{}")])
            .expect("taken");
        let held: Vec<(Option<String>, String)> =
            state.company().iter().map(|r| (r.key.clone(), r.fields.clone())).collect();
        assert_eq!(held, vec![(Some("01".into()), r#"{"percentage":"0"}"#.into()), (Some("04".into()), "{}".into())]);

        let malformed = state.absorb_company(vec![company_record("05", "{}"), company_record("06", r#"{"n":1}"#)]);
        assert!(matches!(malformed, Err(CompanyRefused::Malformed(_))), "{malformed:?}");
        let flood: Vec<CompanyRecord> =
            (0..=MAX_COMPANY_RECORDS).map(|i| company_record(&i.to_string(), "{}")).collect();
        assert!(matches!(state.absorb_company(flood), Err(CompanyRefused::TooMany)));
        let heavy = format!(r#"{{"x":"{}"}}"#, "a".repeat(MAX_COMPANY_BYTES));
        assert!(matches!(state.absorb_company(vec![company_record("07", &heavy)]), Err(CompanyRefused::TooMany)));
        assert_eq!(state.company().len(), 2, "a refused batch leaves what was held");
    }

    #[test]
    fn a_packed_employee_unpacks_to_what_was_learnt_and_merges_in_place() {
        let mut state = TargetState::default();
        let first = target("a", Some("7"), "1");
        state.absorb(first.clone());
        state.absorb(target("b", Some("8"), "2"));
        assert_eq!(state.employee("a"), Some(first));
        let mut partial = target("a", None, "9");
        partial.first_name = None;
        state.absorb(partial);
        let merged = state.employee("a").expect("held");
        assert_eq!(merged.employee_number.as_deref(), Some("7"), "a value the answer leaves out is kept");
        assert_eq!(merged.records[0].fields[0].value, "9", "a record of the same kind and key is replaced");
        assert_eq!(state.len(), 2);
        assert_eq!(state.ids().collect::<Vec<_>>(), vec!["a", "b"]);
    }

    #[test]
    fn lookups_compare_the_real_key_and_keep_the_order_first_learnt() {
        let mut state = TargetState::default();
        state.absorb(target("a", Some(" 7 "), "1"));
        state.absorb(target("b", Some("7"), "2"));
        state.absorb(target("c", Some("70"), "3"));
        state.reindex();
        let found: Vec<String> = state.with_number("7").map(|t| t.target_id).collect();
        assert_eq!(found, vec!["a", "b"]);
        let name = name_key(Some("KARI"), Some("nordmann"), Some("1990-01-02")).expect("all three");
        assert_eq!(state.with_name(&name).count(), 3);
        state.retain(|id| id != "a");
        assert!(!state.holds("a"));
        assert_eq!(state.with_number("7").map(|t| t.target_id).collect::<Vec<_>>(), ["b"]);
    }
}
