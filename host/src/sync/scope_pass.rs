//! The run's first look at the HR side: one pass over the stored HR
//! employees that keeps only what the run needs of all of them (the ids in
//! scope, the company's personal values hashed for the company-wide text
//! filter) and decides the order the chunks take them in.
//!
//! Invariant: HR employees whose employee number or national id is shared
//! with another in scope (compared trimmed, digits without leading zeros)
//! go last and in one chunk, so the rule "a target employee two HR
//! employees claim is written for neither" sees every claimer at once,
//! whatever the chunk size. A clash only the connector's mapping makes is
//! still caught across chunks (the later claimer is refused).

use super::work::personal_ids;
use crate::model::HrEmployee;
use crate::privacy::Scrubber;
use crate::scope::Scope;
use crate::store::Store;
use crate::store::employees::employee_number_order;
use std::collections::HashMap;
use std::hash::{BuildHasher as _, BuildHasherDefault, DefaultHasher};

/// The HR employees a run takes, and in which order.
#[derive(Default)]
pub struct InScope {
    /// Every HR employee of the last import.
    pub total: usize,
    /// The ids in scope, in employee-number order (the report's order).
    pub ids: Vec<String>,
    /// Hides the in-scope employees' national ids and bank numbers in
    /// texts about the whole company.
    pub company: Scrubber,
    /// Match keys per id (hashes; 0 for none), to find the shared ones.
    keys: Vec<[u64; 2]>,
}

/// A match key as compared for sharing: trimmed, and when all digits,
/// without leading zeros (a connector may read "0042" and "42" as one).
fn normalised(value: Option<&str>) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    if v.chars().all(|c| c.is_ascii_digit()) {
        let trimmed = v.trim_start_matches('0');
        return Some(if trimmed.is_empty() { "0".into() } else { trimmed.into() });
    }
    Some(v.to_owned())
}

fn key_hash(kind: u8, value: Option<&str>) -> u64 {
    normalised(value).map_or(0, |v| BuildHasherDefault::<DefaultHasher>::default().hash_one((kind, v)).max(1))
}

impl InScope {
    /// One pass over the stored HR employees, each decided by `scope` (and,
    /// when `only` names some, kept only when named by HR id or employee
    /// number) and let go.
    /// The store is scanned as stored and what is kept is sorted here
    /// into employee-number order: sorting ids is cheap, while SQLite
    /// sorting whole rows grew faster than the company.
    pub fn read(store: &Store, scope: &Scope, only: Option<&[String]>) -> anyhow::Result<Self> {
        // Normalised once, not per employee.
        let wanted: Option<Vec<Option<String>>> = only.map(|names| names.iter().map(|n| normalised(Some(n))).collect());
        let named = |e: &HrEmployee| {
            let Some(wanted) = &wanted else { return true };
            let number = normalised(e.employee_number.as_deref());
            only.is_some_and(|names| names.contains(&e.id)) || (number.is_some() && wanted.contains(&number))
        };
        let mut found = Self::default();
        let mut order = Vec::new();
        store.for_each_current_employee_as_stored(|employee: HrEmployee| {
            found.total += 1;
            if scope.decide(&employee).is_ok() && named(&employee) {
                found.company.add_whole(personal_ids(&employee));
                let keys = [key_hash(0, employee.employee_number.as_deref()), key_hash(1, employee.ssn.as_deref())];
                order.push((employee_number_order(employee.employee_number.as_deref(), &employee.id), keys));
            }
        })?;
        order.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        found.ids.reserve_exact(order.len());
        found.keys.reserve_exact(order.len());
        for ((_, _, id), keys) in order {
            found.ids.push(id);
            found.keys.push(keys);
        }
        Ok(found)
    }

    /// Positions in [`InScope::ids`], a chunk of at most `size` at a time:
    /// first those whose keys no one else in scope has, in store order;
    /// then those that share one, all in one chunk.
    pub fn chunks(&self, size: usize) -> Vec<Vec<usize>> {
        let mut seen: HashMap<u64, u32> = HashMap::new();
        for key in self.keys.iter().flatten().filter(|k| **k != 0) {
            *seen.entry(*key).or_default() += 1;
        }
        let shared = |at: &usize| self.keys[*at].iter().any(|k| *k != 0 && seen.get(k).is_some_and(|n| *n > 1));
        let (contested, alone): (Vec<usize>, Vec<usize>) = (0..self.ids.len()).partition(shared);
        let mut chunks: Vec<Vec<usize>> = alone.chunks(size.max(1)).map(<[usize]>::to_vec).collect();
        if !contested.is_empty() {
            chunks.push(contested);
        }
        chunks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_scope(keys: &[(Option<&str>, Option<&str>)]) -> InScope {
        InScope {
            total: keys.len(),
            ids: (0..keys.len()).map(|i| format!("hr-{i}")).collect(),
            company: Scrubber::default(),
            keys: keys.iter().map(|(number, ssn)| [key_hash(0, *number), key_hash(1, *ssn)]).collect(),
        }
    }

    #[test]
    fn employees_sharing_a_number_or_national_id_come_last_in_one_chunk() {
        let s = in_scope(&[
            (Some("1"), None),
            (Some("0042"), None),
            (Some("2"), Some("14838512470")),
            (Some(" 42 "), None),
            (Some("3"), Some("14838512470")),
            (Some("4"), None),
            (None, None),
        ]);
        assert_eq!(s.chunks(2), vec![vec![0, 5], vec![6], vec![1, 2, 3, 4]]);
    }

    #[test]
    fn without_shared_keys_chunks_keep_store_order() {
        let s = in_scope(&[(Some("1"), None), (Some("2"), None), (Some("3"), None)]);
        assert_eq!(s.chunks(2), vec![vec![0, 1], vec![2]]);
        assert_eq!(s.chunks(0), vec![vec![0], vec![1], vec![2]], "a chunk holds at least one");
        assert!(in_scope(&[]).chunks(2).is_empty());
    }
}
