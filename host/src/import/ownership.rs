//! Which side owns each HR field the import direction may write, from the
//! integration's settings: `"owner.<HR field>" = "payroll"` or `"hr"`
//! (e.g. `"owner.active" = "payroll"`). Every field not set is HR's.
//!
//! Rule: a field payroll owns is written into HR whenever the target holds
//! another value; a field HR owns is only *filled* when HR holds nothing
//! for it and the employee is not yet linked to the target (the first
//! import, which then links them), never overwritten: once linked, HR's
//! fields are HR's, an emptied one included (the export clears it in the
//! target). A target that holds
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

/// HR fields the first import never fills, however empty in HR: an end
/// date or a status from the target would end an employment HR holds open
/// (a rehire's old end date), and a start date belongs to the employment
/// HR chose. They are written only when payroll owns them.
pub const NEVER_FILLED: &[&str] = &["active", "employment.startDate", "employment.endDate"];

/// Why an incoming value for `field` is written into HR, or `None` when it
/// is not: equal values, a field HR owns and holds (or any field HR owns
/// once the employee is `linked`, or one of [`NEVER_FILLED`]), or an empty
/// value (a target that holds nothing never clears what HR holds).
pub fn decide(owner: Owner, field: &str, current: &str, incoming: &str, linked: bool) -> Option<&'static str> {
    if current.trim() == incoming.trim() || incoming.trim().is_empty() {
        return None;
    }
    match owner {
        Owner::Payroll => Some("payroll owns it"),
        Owner::Hr if current.trim().is_empty() && !linked && !NEVER_FILLED.contains(&field) => Some("HR held none"),
        Owner::Hr => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payroll_overwrites_what_it_owns_and_only_fills_what_hr_owns() {
        let phone = "privatePhone";
        assert_eq!(decide(Owner::Payroll, phone, "37.5", "40", true), Some("payroll owns it"));
        assert_eq!(decide(Owner::Payroll, phone, "40", "40", true), None);
        assert_eq!(decide(Owner::Hr, phone, "", "+46 70 1", false), Some("HR held none"));
        assert_eq!(
            decide(Owner::Hr, phone, "", "+46 70 1", true),
            None,
            "once linked, an emptied HR field stays empty"
        );
        assert_eq!(decide(Owner::Hr, phone, "+46 70 2", "+46 70 1", false), None, "HR's value is never overwritten");
        assert_eq!(decide(Owner::Payroll, phone, "+46 70 2", "", true), None, "an empty target value never clears HR");
        assert_eq!(
            decide(Owner::Hr, "employment.endDate", "", "2024-01-31", false),
            None,
            "an open employment stays open"
        );
        assert_eq!(decide(Owner::Payroll, "employment.endDate", "", "2024-01-31", true), Some("payroll owns it"));
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
