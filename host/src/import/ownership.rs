//! Which side owns each HR field the import direction may write, from the
//! integration's settings: `"owner.<HR field>" = "payroll"` or `"hr"`
//! (e.g. `"owner.active" = "payroll"`). Every field not set is HR's.
//!
//! Rule: a field payroll owns is written into HR whenever the target holds
//! another value; a field HR owns is only *filled* when HR holds nothing
//! for it (the first import), never overwritten. A target that holds
//! nothing for a field never clears it in HR. The export direction
//! honours the same settings in the connector (a field payroll owns is not
//! sent), so neither side overwrites what the other owns.

use crate::config::IntegrationConfig;
use anyhow::bail;

/// The settings prefix naming a field's owner.
pub const OWNER_SETTING: &str = "owner.";

/// Who owns an HR field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// HR wins: the import only fills the field when HR holds nothing.
    Hr,
    /// Payroll wins: the import writes the target's value into HR.
    Payroll,
}

/// The owner of `field` under `integration`'s settings.
pub fn owner(integration: &IntegrationConfig, field: &str) -> Owner {
    match integration.settings.get(&format!("{OWNER_SETTING}{field}")).map(String::as_str) {
        Some("payroll") => Owner::Payroll,
        _ => Owner::Hr,
    }
}

/// Refuse owner settings that are neither `hr` nor `payroll`.
pub fn check(integration: &IntegrationConfig) -> anyhow::Result<()> {
    for (key, value) in &integration.settings {
        if let Some(field) = key.strip_prefix(OWNER_SETTING)
            && !matches!(value.as_str(), "hr" | "payroll")
        {
            bail!(
                "integration {}: setting \"{key}\" is {value:?}; a field's owner is \"hr\" or \"payroll\" ({field})",
                integration.name
            );
        }
    }
    Ok(())
}

/// Why an incoming value is written into HR, or `None` when it is not:
/// equal values, a field HR owns and already holds, or an empty value (a
/// target that holds nothing never clears what HR holds).
pub fn decide(owner: Owner, current: &str, incoming: &str) -> Option<&'static str> {
    if current.trim() == incoming.trim() || incoming.trim().is_empty() {
        return None;
    }
    match owner {
        Owner::Payroll => Some("payroll owns it"),
        Owner::Hr if current.trim().is_empty() => Some("HR held none"),
        Owner::Hr => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payroll_overwrites_what_it_owns_and_only_fills_what_hr_owns() {
        assert_eq!(decide(Owner::Payroll, "37.5", "40"), Some("payroll owns it"));
        assert_eq!(decide(Owner::Payroll, "40", "40"), None);
        assert_eq!(decide(Owner::Hr, "", "+46 70 1"), Some("HR held none"));
        assert_eq!(decide(Owner::Hr, "+46 70 2", "+46 70 1"), None, "HR's value is never overwritten");
        assert_eq!(decide(Owner::Payroll, "+46 70 2", ""), None, "an empty target value never clears HR");
    }

    #[test]
    fn owners_come_from_the_settings_and_a_bad_one_is_refused() {
        let mut i = IntegrationConfig::new("k", "kontek", "https://k.example/api");
        i.settings.insert("owner.active".into(), "payroll".into());
        assert_eq!(owner(&i, "active"), Owner::Payroll);
        assert_eq!(owner(&i, "firstName"), Owner::Hr);
        check(&i).expect("valid");
        i.settings.insert("owner.ssn".into(), "kontek".into());
        assert!(check(&i).expect_err("refused").to_string().contains("\"hr\" or \"payroll\""));
    }
}
