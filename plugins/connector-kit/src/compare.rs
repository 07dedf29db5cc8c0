//! Field-by-field comparison of desired and current target records.
//!
//! Only the fields of the desired records are compared: those are the
//! fields the integration owns. Anything else the target holds is left
//! alone. A record the target lacks shows every desired field as added.

use crate::fields::Record;

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Kind of the record the field belongs to.
    pub record_kind: String,
    /// Key of that record, if its kind has several.
    pub record_key: Option<String>,
    /// Dotted field name.
    pub field: String,
    /// Current value; `None` when the record does not exist yet.
    pub before: Option<String>,
    /// Desired value.
    pub after: Option<String>,
    /// Whether the value must be masked in displays.
    pub sensitive: bool,
}

/// How two values of one field are compared.
pub trait Equivalence {
    /// Whether `current` already says what `desired` says for `field`.
    fn same(&self, record_kind: &str, field: &str, desired: &str, current: &str) -> bool;
}

/// Exact text equality.
pub struct Exact;

impl Equivalence for Exact {
    fn same(&self, _: &str, _: &str, desired: &str, current: &str) -> bool {
        desired == current
    }
}

/// Compare two decimal numbers written as text ("100" equals "100.00").
/// Returns `None` if either is not a plain decimal.
pub fn same_decimal(a: &str, b: &str) -> Option<bool> {
    fn parts(s: &str) -> Option<(bool, String, String)> {
        let s = s.trim();
        let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
            return None;
        }
        let int = int.trim_start_matches('0').to_owned();
        let frac = frac.trim_end_matches('0').to_owned();
        let neg = neg && !(int.is_empty() && frac.is_empty());
        Some((neg, int, frac))
    }
    Some(parts(a)? == parts(b)?)
}

/// The changes that turn `current` into `desired`.
pub fn diff(desired: &[Record], current: &[Record], eq: &dyn Equivalence) -> Vec<Change> {
    let mut changes = Vec::new();
    for want in desired {
        let have = current.iter().find(|r| r.kind == want.kind && r.key == want.key);
        for field in &want.fields {
            let before = have.and_then(|r| r.get(&field.name));
            let unchanged = before.is_some_and(|b| eq.same(&want.kind, &field.name, &field.value, b));
            // A field the target does not return at all counts as empty.
            let unchanged = unchanged || (have.is_some() && before.is_none() && field.value.is_empty());
            if !unchanged {
                changes.push(Change {
                    record_kind: want.kind.clone(),
                    record_key: want.key.clone(),
                    field: field.name.clone(),
                    before: before.map(str::to_owned),
                    after: Some(field.value.clone()),
                    sensitive: field.sensitive,
                });
            }
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(kind: &str, key: Option<&str>, fields: &[(&str, &str)]) -> Record {
        let mut r = Record::new(kind, key.map(str::to_owned));
        for (n, v) in fields {
            r.set(n, *v);
        }
        r
    }

    #[test]
    fn equal_records_give_no_change() {
        let a = rec("employee", None, &[("firstname", "Kari")]);
        assert!(diff(std::slice::from_ref(&a), std::slice::from_ref(&a), &Exact).is_empty());
    }

    #[test]
    fn fields_outside_the_desired_record_are_ignored() {
        let want = rec("employee", None, &[("firstname", "Kari")]);
        let have = rec("employee", None, &[("firstname", "Kari"), ("taxtable", "7100")]);
        assert!(diff(&[want], &[have], &Exact).is_empty());
    }

    #[test]
    fn a_missing_record_shows_every_field_as_added() {
        let want = rec("employment", Some("2020-01-01"), &[("startdate", "2020-01-01"), ("enddate", "")]);
        let changes = diff(&[want], &[], &Exact);
        assert_eq!(changes.len(), 2);
        assert!(changes.iter().all(|c| c.before.is_none()));
    }

    #[test]
    fn a_changed_field_carries_before_and_after() {
        let want = rec("employee", None, &[("city", "Bergen")]);
        let have = rec("employee", None, &[("city", "Oslo")]);
        let changes = diff(&[want], &[have], &Exact);
        assert_eq!(changes[0].before.as_deref(), Some("Oslo"));
        assert_eq!(changes[0].after.as_deref(), Some("Bergen"));
    }

    #[test]
    fn decimals_compare_by_value() {
        assert_eq!(same_decimal("100", "100.00"), Some(true));
        assert_eq!(same_decimal("0.5", ".50"), Some(true));
        assert_eq!(same_decimal("100", "100.01"), Some(false));
        assert_eq!(same_decimal("-0", "0.00"), Some(true));
        assert_eq!(same_decimal("abc", "1"), None);
    }

    proptest::proptest! {
        #[test]
        fn a_decimal_equals_itself_with_trailing_zeros(int in 0u64..10_000_000, cents in 0u32..100, zeros in 0usize..4) {
            let a = format!("{int}.{cents:02}");
            let b = format!("{a}{}", "0".repeat(zeros));
            proptest::prop_assert_eq!(same_decimal(&a, &b), Some(true));
            let c = format!("{}.{cents:02}", int + 1);
            proptest::prop_assert_eq!(same_decimal(&a, &c), Some(false));
        }
    }
}
