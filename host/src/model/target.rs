//! The payroll side as the host sees it after a read: target employees
//! with the records the connector assembled, in the connector's own field
//! names and always as text.

use serde::{Deserialize, Serialize};

/// One field of a target record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// The target's field name.
    pub name: String,
    /// Its value as text.
    pub value: String,
    /// Marked sensitive by the connector (the host masks more than this).
    pub sensitive: bool,
}

/// One record in the target's shape, e.g. an `employee` or one
/// `employment`; `key` tells records of one kind apart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetRecord {
    /// Record kind.
    pub kind: String,
    /// Key among records of its kind.
    pub key: Option<String>,
    /// Its fields.
    pub fields: Vec<Field>,
}

/// One employee as the target holds it now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetEmployee {
    /// The target's own id (24SevenOffice `empId`, an Nmbrs uuid...).
    pub target_id: String,
    /// Employee number, if the target keeps one.
    pub employee_number: Option<String>,
    /// National id, if the target keeps one. Personal data.
    pub national_id: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Birth date, `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// The records the connector assembled.
    pub records: Vec<TargetRecord>,
}

impl TargetEmployee {
    /// Take in what a read learnt about this employee: each value it
    /// names replaces the one held, a value it leaves out is kept, and a
    /// record replaces the held record of the same kind and key (or is
    /// added). Merging the same answer twice changes nothing.
    pub fn absorb(&mut self, learnt: TargetEmployee) {
        let keep = |held: &mut Option<String>, new: Option<String>| {
            if new.is_some() {
                *held = new;
            }
        };
        keep(&mut self.employee_number, learnt.employee_number);
        keep(&mut self.national_id, learnt.national_id);
        keep(&mut self.first_name, learnt.first_name);
        keep(&mut self.last_name, learnt.last_name);
        keep(&mut self.birth_date, learnt.birth_date);
        for record in learnt.records {
            match self.records.iter_mut().find(|r| r.kind == record.kind && r.key == record.key) {
                Some(held) => *held = record,
                None => self.records.push(record),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: &str, key: Option<&str>, value: &str) -> TargetRecord {
        TargetRecord {
            kind: kind.into(),
            key: key.map(Into::into),
            fields: vec![Field { name: "v".into(), value: value.into(), sensitive: false }],
        }
    }

    #[test]
    fn absorbing_keeps_what_the_answer_leaves_out_and_replaces_records_by_kind_and_key() {
        let mut held = TargetEmployee {
            target_id: "7".into(),
            first_name: Some("Kari".into()),
            records: vec![record("employee", None, "old"), record("employment", Some("2020-01-01"), "a")],
            ..Default::default()
        };
        held.absorb(TargetEmployee {
            target_id: "7".into(),
            last_name: Some("Nordmann".into()),
            records: vec![record("employee", None, "new"), record("employment", Some("2024-01-01"), "b")],
            ..Default::default()
        });
        assert_eq!(held.first_name.as_deref(), Some("Kari"));
        assert_eq!(held.last_name.as_deref(), Some("Nordmann"));
        assert_eq!(held.records.len(), 3);
        assert_eq!(held.records[0], record("employee", None, "new"));
        let again = held.clone();
        held.absorb(again.clone());
        assert_eq!(held, again);
    }
}
