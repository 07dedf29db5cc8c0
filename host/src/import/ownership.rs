//! Which side owns each HR field the import direction may write: the
//! integration's settings first (`"owner.<HR field>" = "payroll"` or
//! `"hr"`, e.g. `"owner.privatePhone" = "payroll"`), then the connector's
//! defaults (capabilities `payroll-owns:<HR field>`: Kontek names the
//! fields only the seed's import list has, status and weekly hours); every
//! other field is HR's.
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

/// The capability prefix by which a connector says payroll owns a field
/// by default (`payroll-owns:active`).
pub const PAYROLL_OWNS_CAPABILITY: &str = "payroll-owns:";

/// The owner of `field` under `integration`'s settings, else the
/// connector's `capabilities` defaults, else HR.
pub fn owner(integration: &IntegrationConfig, capabilities: &[String], field: &str) -> Owner {
    match integration.settings.get(&format!("{OWNER_SETTING}{field}")).map(String::as_str) {
        Some("payroll") => Owner::Payroll,
        Some(_) => Owner::Hr,
        None if capabilities.iter().any(|c| c.strip_prefix(PAYROLL_OWNS_CAPABILITY) == Some(field)) => Owner::Payroll,
        None => Owner::Hr,
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
    fn owners_come_from_the_settings_then_the_connector_s_defaults_and_a_bad_one_is_refused() {
        let mut i = IntegrationConfig::new("k", "kontek", "https://k.example/api");
        let defaults = vec!["employees".to_owned(), "payroll-owns:active".to_owned()];
        assert_eq!(owner(&i, &defaults, "active"), Owner::Payroll, "the connector's default");
        assert_eq!(owner(&i, &defaults, "firstName"), Owner::Hr);
        i.settings.insert("owner.active".into(), "hr".into());
        i.settings.insert("owner.privatePhone".into(), "payroll".into());
        assert_eq!(owner(&i, &defaults, "active"), Owner::Hr, "the settings win");
        assert_eq!(owner(&i, &defaults, "privatePhone"), Owner::Payroll);
        check(&i).expect("valid");
        i.settings.insert("owner.ssn".into(), "kontek".into());
        assert!(check(&i).expect_err("refused").to_string().contains("\"hr\" or \"payroll\""));
    }
}
