//! The seed's three tabs: connected, not connected and all employees of an
//! integration, with their link state.

use crate::store::Store;
use crate::store::links::LinkState;
use serde::Serialize;

/// Which employees a view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Linked and synced.
    Connected,
    /// Never linked, or disconnected.
    NotConnected,
    /// Everyone.
    All,
}

/// One employee in a view.
#[derive(Debug, Clone, Serialize)]
pub struct LinkRow {
    /// HR id.
    pub hr_id: String,
    /// Employee number.
    pub employee_number: Option<String>,
    /// First and last name.
    pub name: String,
    /// connected, disconnected or not-connected.
    pub state: &'static str,
    /// Linked target id.
    pub target_id: Option<String>,
    /// How the link was made.
    pub how: Option<String>,
    /// When.
    pub linked_at: Option<String>,
    /// Required HR fields the employee lacks: it is not exported until
    /// they are filled.
    pub missing: Vec<String>,
}

/// The HR employees of the last import in `view` for `integration`, with
/// the `required` fields (the connector's manifest) each one lacks.
pub fn link_rows(store: &Store, integration: &str, view: View, required: &[String]) -> anyhow::Result<Vec<LinkRow>> {
    let links: std::collections::HashMap<String, crate::store::links::Link> =
        store.links(integration)?.into_iter().map(|l| (l.hr_id.clone(), l)).collect();
    let mut rows = Vec::new();
    for e in store.current_employees()? {
        let link = links.get(&e.id);
        let state = match link.map(|l| l.state) {
            Some(LinkState::Connected) => "connected",
            Some(LinkState::Disconnected) => "disconnected",
            None => "not-connected",
        };
        let keep = match view {
            View::All => true,
            View::Connected => state == "connected",
            View::NotConnected => state != "connected",
        };
        if keep {
            let missing = super::required::missing_fields(&e, required).into_iter().map(|i| i.field).collect();
            rows.push(LinkRow {
                missing,
                name: [e.first_name.as_deref(), e.last_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" "),
                hr_id: e.id,
                employee_number: e.employee_number,
                state,
                target_id: link.map(|l| l.target_id.clone()),
                how: link.map(|l| l.how.clone()),
                linked_at: link.map(|l| l.linked_at.clone()),
            });
        }
    }
    Ok(rows)
}
