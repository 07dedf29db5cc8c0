//! Matching an HR employee to a target employee: the stored link first,
//! then the employee number, then the national id; proposals for the
//! not-connected; and the rules of connecting and disconnecting by hand.

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

fn same(a: Option<&str>, b: Option<&str>) -> bool {
    matches!((a.map(str::trim), b.map(str::trim)), (Some(x), Some(y)) if !x.is_empty() && x == y)
}

/// The target employee `mapped` corresponds to. `taken` says whether a
/// target id is already linked to another HR employee; such a target is
/// never matched by number or national id.
pub fn find<'a>(
    mapped: &MappedEmployee,
    link: Option<&Link>,
    targets: &'a [TargetEmployee],
    taken: &dyn Fn(&str) -> bool,
) -> Option<(&'a TargetEmployee, MatchedBy)> {
    if let Some(link) = link.filter(|l| l.state == LinkState::Connected)
        && let Some(t) = targets.iter().find(|t| t.target_id == link.target_id)
    {
        return Some((t, MatchedBy::Link));
    }
    // `taken` may cost a lookup: ask it only about candidates.
    let number = |t: &&TargetEmployee| same(t.employee_number.as_deref(), mapped.employee_number.as_deref());
    let national_id = |t: &&TargetEmployee| same(t.national_id.as_deref(), mapped.national_id.as_deref());
    if let Some(t) = targets.iter().filter(number).find(|t| !taken(&t.target_id)) {
        return Some((t, MatchedBy::EmployeeNumber));
    }
    targets.iter().filter(national_id).find(|t| !taken(&t.target_id)).map(|t| (t, MatchedBy::NationalId))
}

fn same_text(a: Option<&str>, b: Option<&str>) -> bool {
    matches!((a.map(str::trim), b.map(str::trim)), (Some(x), Some(y)) if !x.is_empty() && x.to_lowercase() == y.to_lowercase())
}

/// A target employee that is probably the same person as `e` although
/// neither number nor national id matched: same first and last name and
/// same birth date (all three present on both sides).
pub fn likely<'a>(
    e: &crate::model::HrEmployee,
    targets: &'a [TargetEmployee],
    taken: &dyn Fn(&str) -> bool,
) -> Option<&'a TargetEmployee> {
    targets.iter().find(|t| {
        same_text(t.first_name.as_deref(), e.first_name.as_deref())
            && same_text(t.last_name.as_deref(), e.last_name.as_deref())
            && same(t.birth_date.as_deref(), e.birth_date.as_deref())
            && !taken(&t.target_id)
    })
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
    let mut out = Vec::new();
    for e in employees {
        let found = targets
            .iter()
            .find(|t| same(t.employee_number.as_deref(), e.employee_number.as_deref()) && !taken(&t.target_id))
            .map(|t| (t, "same employee number"))
            .or_else(|| {
                targets
                    .iter()
                    .find(|t| same(t.national_id.as_deref(), e.ssn.as_deref()) && !taken(&t.target_id))
                    .map(|t| (t, "same national id"))
            })
            .or_else(|| likely(e, targets, taken).map(|t| (t, "same name and birth date")));
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
