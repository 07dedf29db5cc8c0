//! Matching an HR employee to a target employee: the stored link first,
//! then the employee number, then the national id; proposals for the
//! not-connected; and the rules of connecting and disconnecting by hand.

use crate::model::TargetEmployee;
use crate::runtime::types::MappedEmployee;
use crate::store::Store;
use crate::store::links::{Link, LinkState};
use anyhow::{Context as _, bail};
use std::collections::HashMap;

/// How a target employee was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    /// The stored link.
    Link,
    /// Same employee number.
    EmployeeNumber,
    /// Same national id.
    NationalId,
}

impl MatchedBy {
    /// Stored in the link's `how`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Link => "link",
            Self::EmployeeNumber => "employee-number",
            Self::NationalId => "national-id",
        }
    }
}

fn key(value: Option<&str>) -> Option<String> {
    value.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

fn name_key(first: Option<&str>, last: Option<&str>, birth: Option<&str>) -> Option<(String, String, String)> {
    let lower = |v: Option<&str>| key(v).map(|v| v.to_lowercase());
    Some((lower(first)?, lower(last)?, key(birth)?))
}

/// The target employees by id, employee number, national id and (name,
/// birth date), so matching an employee is a lookup, not a scan: a run
/// over 100 000 employees stays linear.
#[derive(Debug, Default)]
pub struct TargetIndex {
    by_id: HashMap<String, usize>,
    by_number: HashMap<String, Vec<usize>>,
    by_national_id: HashMap<String, Vec<usize>>,
    by_name_and_birth: HashMap<(String, String, String), Vec<usize>>,
}

impl TargetIndex {
    /// An index of `targets` (positions into that slice).
    pub fn new(targets: &[TargetEmployee]) -> Self {
        let mut index = Self::default();
        for (at, t) in targets.iter().enumerate() {
            index.by_id.entry(t.target_id.clone()).or_insert(at);
            if let Some(n) = key(t.employee_number.as_deref()) {
                index.by_number.entry(n).or_default().push(at);
            }
            if let Some(n) = key(t.national_id.as_deref()) {
                index.by_national_id.entry(n).or_default().push(at);
            }
            if let Some(k) = name_key(t.first_name.as_deref(), t.last_name.as_deref(), t.birth_date.as_deref()) {
                index.by_name_and_birth.entry(k).or_default().push(at);
            }
        }
        index
    }

    /// Whether a target employee has this id.
    pub fn holds(&self, target_id: &str) -> bool {
        self.by_id.contains_key(target_id)
    }
}

/// The first of `positions` in `targets` not `taken`.
fn first_free<'a>(
    targets: &'a [TargetEmployee],
    positions: Option<&Vec<usize>>,
    taken: &dyn Fn(&str) -> bool,
) -> Option<&'a TargetEmployee> {
    positions?.iter().filter_map(|&at| targets.get(at)).find(|t| !taken(&t.target_id))
}

/// The target employee `mapped` corresponds to, among `targets` indexed by
/// `index`. `taken` says whether a target id is already linked to another
/// HR employee; such a target is never matched by number or national id.
pub fn find<'a>(
    mapped: &MappedEmployee,
    link: Option<&Link>,
    targets: &'a [TargetEmployee],
    index: &TargetIndex,
    taken: &dyn Fn(&str) -> bool,
) -> Option<(&'a TargetEmployee, MatchedBy)> {
    if let Some(link) = link.filter(|l| l.state == LinkState::Connected)
        && let Some(t) = index.by_id.get(&link.target_id).and_then(|&at| targets.get(at))
    {
        return Some((t, MatchedBy::Link));
    }
    let number = key(mapped.employee_number.as_deref()).and_then(|n| index.by_number.get(&n));
    if let Some(t) = first_free(targets, number, taken) {
        return Some((t, MatchedBy::EmployeeNumber));
    }
    let national_id = key(mapped.national_id.as_deref()).and_then(|n| index.by_national_id.get(&n));
    first_free(targets, national_id, taken).map(|t| (t, MatchedBy::NationalId))
}

/// A target employee that is probably the same person as `e` although
/// neither number nor national id matched: same first and last name and
/// same birth date (all three present on both sides).
pub fn likely<'a>(
    e: &crate::model::HrEmployee,
    targets: &'a [TargetEmployee],
    index: &TargetIndex,
    taken: &dyn Fn(&str) -> bool,
) -> Option<&'a TargetEmployee> {
    let k = name_key(e.first_name.as_deref(), e.last_name.as_deref(), e.birth_date.as_deref())?;
    first_free(targets, index.by_name_and_birth.get(&k), taken)
}

/// A proposed link for a not-connected employee.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Suggestion {
    /// HR employee id.
    pub hr_id: String,
    /// HR employee number.
    pub employee_number: Option<String>,
    /// HR name.
    pub name: String,
    /// Proposed target employee.
    pub target_id: String,
    /// Why: "same employee number", "same national id", "same name and birth date".
    pub reason: &'static str,
}

/// Proposals for every employee in `employees` (the not-connected ones),
/// strongest reason first; targets already linked are never proposed.
pub fn suggest(
    employees: &[crate::model::HrEmployee],
    targets: &[TargetEmployee],
    taken: &dyn Fn(&str) -> bool,
) -> Vec<Suggestion> {
    let index = TargetIndex::new(targets);
    let mut out = Vec::new();
    for e in employees {
        let number = key(e.employee_number.as_deref()).and_then(|n| index.by_number.get(&n));
        let national_id = key(e.ssn.as_deref()).and_then(|n| index.by_national_id.get(&n));
        let found = first_free(targets, number, taken)
            .map(|t| (t, "same employee number"))
            .or_else(|| first_free(targets, national_id, taken).map(|t| (t, "same national id")))
            .or_else(|| likely(e, targets, &index, taken).map(|t| (t, "same name and birth date")));
        if let Some((t, reason)) = found {
            out.push(Suggestion {
                hr_id: e.id.clone(),
                employee_number: e.employee_number.clone(),
                name: [e.first_name.as_deref(), e.last_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" "),
                target_id: t.target_id.clone(),
                reason,
            });
        }
    }
    out
}

/// The HR id of `hr`, given as an HR id or an employee number.
pub fn resolve_hr_id(store: &Store, hr: &str) -> anyhow::Result<String> {
    if store.employee(hr)?.is_some() {
        return Ok(hr.to_owned());
    }
    let matches: Vec<String> = store
        .current_employees()?
        .into_iter()
        .filter(|e| e.employee_number.as_deref() == Some(hr))
        .map(|e| e.id)
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!("no HR employee with id or employee number {hr:?}; run a sync first so the HR data is imported"),
        _ => bail!("employee number {hr:?} belongs to several HR employees; give the HR id instead"),
    }
}

/// Connect `hr` to `target_id` by hand; a target connected to someone
/// else is refused. Returns the HR id.
pub fn connect_by_hand(store: &Store, integration: &str, hr: &str, target_id: &str) -> anyhow::Result<String> {
    let hr_id = resolve_hr_id(store, hr)?;
    if let Some(other) = store.linked_hr_id(integration, target_id)?
        && other != hr_id
    {
        bail!("target employee {target_id} is already connected to HR employee {other}; disconnect that first");
    }
    store.connect(integration, &hr_id, target_id, "manual").context("saving the link")?;
    Ok(hr_id)
}

/// Disconnect `hr` by hand: it is not synced until connected again.
/// Returns the HR id.
pub fn disconnect_by_hand(store: &Store, integration: &str, hr: &str) -> anyhow::Result<String> {
    let hr_id = resolve_hr_id(store, hr)?;
    if !store.disconnect(integration, &hr_id)? {
        bail!("HR employee {hr_id} has no link in {integration}");
    }
    Ok(hr_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(id: &str, number: Option<&str>, national_id: Option<&str>) -> TargetEmployee {
        TargetEmployee {
            target_id: id.into(),
            employee_number: number.map(str::to_owned),
            national_id: national_id.map(str::to_owned),
            first_name: Some("Kari".into()),
            last_name: Some("Nordmann".into()),
            birth_date: Some("1990-01-01".into()),
            records: vec![],
        }
    }

    fn mapped(number: Option<&str>, national_id: Option<&str>) -> MappedEmployee {
        MappedEmployee {
            hr_id: "hr-1".into(),
            employee_number: number.map(str::to_owned),
            national_id: national_id.map(str::to_owned),
            records: vec![],
        }
    }

    #[test]
    fn the_number_wins_over_the_national_id_and_a_taken_target_is_passed_over() {
        let targets = vec![
            target("a", Some(" 1001 "), None),
            target("b", Some("1001"), None),
            target("c", None, Some("14838512470")),
        ];
        let index = TargetIndex::new(&targets);
        let none = |_: &str| false;
        let found = find(&mapped(Some("1001"), Some("14838512470")), None, &targets, &index, &none);
        assert_eq!(found.map(|(t, by)| (t.target_id.as_str(), by)), Some(("a", MatchedBy::EmployeeNumber)));
        let a_taken = |id: &str| id == "a";
        let found = find(&mapped(Some("1001"), None), None, &targets, &index, &a_taken);
        assert_eq!(found.map(|(t, _)| t.target_id.as_str()), Some("b"));
        let found = find(&mapped(Some("9"), Some("14838512470")), None, &targets, &index, &none);
        assert_eq!(found.map(|(t, by)| (t.target_id.as_str(), by)), Some(("c", MatchedBy::NationalId)));
        assert!(find(&mapped(Some(""), None), None, &targets, &index, &none).is_none(), "empty never matches");
    }

    #[test]
    fn a_likely_duplicate_needs_both_names_and_the_birth_date_in_any_case() {
        let targets = vec![target("a", None, None)];
        let index = TargetIndex::new(&targets);
        let none = |_: &str| false;
        let mut e = crate::model::HrEmployee {
            first_name: Some("KARI".into()),
            last_name: Some("nordmann".into()),
            birth_date: Some("1990-01-01".into()),
            ..Default::default()
        };
        assert_eq!(likely(&e, &targets, &index, &none).map(|t| t.target_id.as_str()), Some("a"));
        e.birth_date = None;
        assert!(likely(&e, &targets, &index, &none).is_none());
    }
}
