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
