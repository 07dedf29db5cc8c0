//! Matching an HR employee to a target employee: the stored link first,
//! then the employee number, then the national id.

use crate::runtime::types::{MappedEmployee, TargetEmployee};
use crate::store::links::{Link, LinkState};

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
    let free = |t: &&TargetEmployee| !taken(&t.target_id);
    if let Some(t) = targets.iter().filter(free).find(|t| {
        same(
            t.employee_number.as_deref(),
            mapped.employee_number.as_deref(),
        )
    }) {
        return Some((t, MatchedBy::EmployeeNumber));
    }
    targets
        .iter()
        .filter(free)
        .find(|t| same(t.national_id.as_deref(), mapped.national_id.as_deref()))
        .map(|t| (t, MatchedBy::NationalId))
}
