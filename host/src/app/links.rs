//! Links through the facade: the seed's three views, suggestions from a
//! read of the target, and connecting or disconnecting by hand.

use super::App;
use crate::http::Secrets;
use crate::runtime::connector::CallSite;
use crate::store::links::LinkState;
use crate::sync::context::company_filter;
use crate::sync::matching::{self, Suggestion};
use crate::sync::read::Reader;
use crate::sync::targets::TargetState;
use crate::sync::views::{LinkRow, View, link_rows};
use std::collections::HashSet;

impl App {
    /// Read what the target of `name` holds now (no write).
    pub async fn read_target(&self, name: &str, secrets: Option<Secrets>) -> anyhow::Result<TargetState> {
        let (integration, connector, executor) = self.open_integration(name, secrets)?;
        let ctx = crate::sync::context::connector_context(integration, &self.today()?);
        let employees = self.store.current_employees()?;
        let reader = Reader {
            connector: &connector,
            executor: &executor,
            ctx: &ctx,
            site: CallSite::new(company_filter(employees.iter()), &["read", &ctx.integration, &ctx.today])
                .with_budget(integration.call_budget()),
            max_requests: integration.read_cap(employees.len()),
        };
        reader.read().await
    }

    /// Proposed links for the not-connected employees of `name`.
    pub async fn suggest_links(&self, name: &str, secrets: Option<Secrets>) -> anyhow::Result<Vec<Suggestion>> {
        let targets = self.read_target(name, secrets).await?;
        let connected: Vec<_> =
            self.store.links(name)?.into_iter().filter(|l| l.state == LinkState::Connected).collect();
        let connected_hr: HashSet<&str> = connected.iter().map(|l| l.hr_id.as_str()).collect();
        let taken_targets: HashSet<&str> = connected.iter().map(|l| l.target_id.as_str()).collect();
        let not_connected: Vec<_> =
            self.store.current_employees()?.into_iter().filter(|e| !connected_hr.contains(e.id.as_str())).collect();
        let taken = |target_id: &str| taken_targets.contains(target_id);
        Ok(matching::suggest(&not_connected, &targets, &taken))
    }

    /// The employees of `integration` in `view`, with the required fields
    /// each lacks (from its connector's manifest).
    pub fn link_rows(&self, integration: &str, view: View) -> anyhow::Result<Vec<LinkRow>> {
        let required = self.connector_for(self.config.integration(integration)?)?.manifest.required_fields.clone();
        link_rows(&self.store, integration, view, &required)
    }

    /// Connect HR employee `hr` (id or employee number) to `target_id`;
    /// returns the HR id.
    pub fn connect_link(&self, integration: &str, hr: &str, target_id: &str) -> anyhow::Result<String> {
        self.config.integration(integration)?;
        matching::connect_by_hand(&self.store, integration, hr, target_id)
    }

    /// Disconnect HR employee `hr` (id or employee number); returns the HR id.
    pub fn disconnect_link(&self, integration: &str, hr: &str) -> anyhow::Result<String> {
        self.config.integration(integration)?;
        matching::disconnect_by_hand(&self.store, integration, hr)
    }
}
