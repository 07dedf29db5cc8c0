//! One employee's state through a run: the HR record, what the connector
//! made of it, its link, the scrubber of its personal data, and the report
//! line the run fills in.

use super::matching::MatchedBy;
use super::outcome::{EmployeeReport, Outcome};
use crate::model::HrEmployee as Employee;
use crate::privacy::Scrubber;
use crate::runtime::types::MappedEmployee;
use crate::store::links::Link;
use crate::store::record_links::RecordLinks;
use std::sync::Arc;

/// One employee in a run.
pub struct Work {
    /// The HR record.
    pub employee: Employee,
    /// Removes this employee's personal data from connector texts.
    pub scrubber: Arc<Scrubber>,
    /// What the connector made of it; `None` when it is not to be synced.
    pub mapped: Option<MappedEmployee>,
    /// The stored link, if any.
    pub link: Option<Link>,
    /// The record links of earlier runs, or those learnt in this one.
    pub record_links: Option<RecordLinks>,
    /// Whether `record_links` were learnt in this run and must be stored.
    pub record_links_changed: bool,
    /// How the current target employee was found.
    pub matched_by: Option<MatchedBy>,
    /// Whether a write was sent (or may have been applied) for it.
    pub wrote: bool,
    /// The report line; output only.
    pub report: EmployeeReport,
}

impl Work {
    /// A fresh work item for `employee` with its stored `link` and record
    /// links.
    pub fn new(employee: Employee, link: Option<Link>, record_links: Option<RecordLinks>) -> Self {
        Self {
            report: EmployeeReport {
                hr_id: employee.id.clone(),
                employee_number: employee.employee_number.clone(),
                name: full_name(&employee),
                target_id: link.as_ref().map(|l| l.target_id.clone()),
                outcome: Outcome::Unchanged,
                changes: Vec::new(),
                writes: Vec::new(),
                absences: Vec::new(),
            },
            scrubber: Arc::new(scrubber_for(&employee)),
            employee,
            mapped: None,
            link,
            record_links,
            record_links_changed: false,
            matched_by: None,
            wrote: false,
        }
    }

    /// Let go of the HR record's details once the first pass is done: what
    /// verification reads of it is the id, the number, the names, the
    /// birth date (reports and messages) and the period's absences; the mapping and the scrubber
    /// stay. A company's written employees wait for verification together,
    /// so this is most of what a first sync holds.
    pub fn keep_what_verification_needs(&mut self) {
        let e = std::mem::take(&mut self.employee);
        self.employee = Employee {
            id: e.id,
            employee_number: e.employee_number,
            first_name: e.first_name,
            last_name: e.last_name,
            birth_date: e.birth_date,
            // An absence run's report lists them (only the period's are held).
            absences: e.absences,
            ..Employee::default()
        };
    }

    /// Set the outcome to failed with `reason`, scrubbed of personal data.
    pub fn fail(&mut self, reason: &str) {
        self.report.outcome = Outcome::Failed { reason: self.scrubber.scrub_all(reason) };
    }
}

fn full_name(e: &Employee) -> String {
    [e.first_name.as_deref(), e.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ")
}

/// The national id and bank numbers of `e`: hidden wherever they appear.
pub fn personal_ids(e: &Employee) -> impl Iterator<Item = &str> {
    let bank = e.bank_account.as_ref();
    [e.ssn.as_deref(), bank.and_then(|b| b.number.as_deref()), bank.and_then(|b| b.iban.as_deref())]
        .into_iter()
        .flatten()
}

/// The personal values of `e` the host removes from connector texts.
pub fn scrubber_for(e: &Employee) -> Scrubber {
    let bank = e.bank_account.as_ref();
    let clearing_and_number = bank.and_then(|b| Some(format!("{}{}", b.clearing.as_deref()?, b.number.as_deref()?)));
    let ids = personal_ids(e).chain(clearing_and_number.as_deref());
    Scrubber::new(ids, e.compensations.iter().filter_map(|c| c.amount.as_deref()))
}
