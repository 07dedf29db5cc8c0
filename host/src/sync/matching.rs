//! Matching an HR employee to a target employee: the stored link first,
//! then the employee number, then the national id; proposals for the
//! not-connected; and the rules of connecting and disconnecting by hand.

use super::targets::{TargetState, key, name_key};
use crate::model::TargetEmployee;
use crate::runtime::types::MappedEmployee;
use crate::store::Store;
use crate::store::links::{Link, LinkState};
use anyhow::{Context as _, bail};

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

/// The first of `found` not `taken`.
fn first_free(found: impl Iterator<Item = TargetEmployee>, taken: &dyn Fn(&str) -> bool) -> Option<TargetEmployee> {
    found.into_iter().find(|t| !taken(&t.target_id))
}

/// The target employee `mapped` corresponds to in `state`. `taken` says
/// whether a target id is already linked to another HR employee; such a
/// target is never matched by number or national id.
pub fn find(
    mapped: &MappedEmployee,
    link: Option<&Link>,
    state: &TargetState,
    taken: &dyn Fn(&str) -> bool,
) -> Option<(TargetEmployee, MatchedBy)> {
    if let Some(link) = link.filter(|l| l.state == LinkState::Connected)
        && let Some(t) = state.employee(&link.target_id)
    {
        return Some((t, MatchedBy::Link));
    }
    if let Some(number) = key(mapped.employee_number.as_deref())
        && let Some(t) = first_free(state.with_number(number), taken)
    {
        return Some((t, MatchedBy::EmployeeNumber));
    }
    let national_id = key(mapped.national_id.as_deref())?;
    first_free(state.with_national_id(national_id), taken).map(|t| (t, MatchedBy::NationalId))
}

/// A target employee that is probably the same person as `e` although
/// neither number nor national id matched: same first and last name and
/// same birth date (all three present on both sides).
pub fn likely(
    e: &crate::model::HrEmployee,
    state: &TargetState,
    taken: &dyn Fn(&str) -> bool,
) -> Option<TargetEmployee> {
    let k = name_key(e.first_name.as_deref(), e.last_name.as_deref(), e.birth_date.as_deref())?;
    first_free(state.with_name(&k), taken)
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
    state: &TargetState,
    taken: &dyn Fn(&str) -> bool,
) -> Vec<Suggestion> {
    let mut out = Vec::new();
    for e in employees {
        let by_number = || first_free(state.with_number(key(e.employee_number.as_deref())?), taken);
        let by_national_id = || first_free(state.with_national_id(key(e.ssn.as_deref())?), taken);
        let found = by_number()
            .map(|t| (t, "same employee number"))
            .or_else(|| by_national_id().map(|t| (t, "same national id")))
            .or_else(|| likely(e, state, taken).map(|t| (t, "same name and birth date")));
        if let Some((t, reason)) = found {
            out.push(Suggestion {
                hr_id: e.id.clone(),
                employee_number: e.employee_number.clone(),
                name: [e.first_name.as_deref(), e.last_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" "),
                target_id: t.target_id,
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

    fn state(targets: Vec<TargetEmployee>) -> TargetState {
        let mut state = TargetState::default();
        targets.into_iter().for_each(|t| state.absorb(t));
        state.reindex();
        state
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
        let targets = state(vec![
            target("a", Some(" 1001 "), None),
            target("b", Some("1001"), None),
            target("c", None, Some("14838512470")),
        ]);
        let none = |_: &str| false;
        let found = find(&mapped(Some("1001"), Some("14838512470")), None, &targets, &none);
        assert_eq!(found.map(|(t, by)| (t.target_id, by)), Some(("a".into(), MatchedBy::EmployeeNumber)));
        let a_taken = |id: &str| id == "a";
        let found = find(&mapped(Some("1001"), None), None, &targets, &a_taken);
        assert_eq!(found.map(|(t, _)| t.target_id), Some("b".into()));
        let found = find(&mapped(Some("9"), Some("14838512470")), None, &targets, &none);
        assert_eq!(found.map(|(t, by)| (t.target_id, by)), Some(("c".into(), MatchedBy::NationalId)));
        assert!(find(&mapped(Some(""), None), None, &targets, &none).is_none(), "empty never matches");
    }

    #[test]
    fn a_likely_duplicate_needs_both_names_and_the_birth_date_in_any_case() {
        let targets = state(vec![target("a", None, None)]);
        let none = |_: &str| false;
        let mut e = crate::model::HrEmployee {
            first_name: Some("KARI".into()),
            last_name: Some("nordmann".into()),
            birth_date: Some("1990-01-01".into()),
            ..Default::default()
        };
        assert_eq!(likely(&e, &targets, &none).map(|t| t.target_id), Some("a".into()));
        e.birth_date = None;
        assert!(likely(&e, &targets, &none).is_none());
    }
}
