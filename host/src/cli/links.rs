//! `paybridge links list|connect|disconnect`: the seed's connected / not
//! connected / all views, and manual linking.

use crate::store::Store;
use crate::sync::views::{View, link_rows};
use anyhow::{Context as _, bail};
use clap::Subcommand;
use std::path::Path;

/// `links` subcommands.
#[derive(Debug, Subcommand)]
pub enum LinksCommand {
    /// HR employees with their link state.
    List {
        /// Integration (from paybridge.toml).
        #[arg(long, short)]
        integration: String,
        /// Which tab.
        #[arg(long, value_enum, default_value = "all")]
        state: View,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Propose links for not-connected employees (reads the target).
    Suggest {
        /// Integration (from paybridge.toml).
        #[arg(long, short)]
        integration: String,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Link an HR employee (id or employee number) to a target employee id.
    Connect {
        /// Integration (from paybridge.toml).
        #[arg(long, short)]
        integration: String,
        /// HR employee id or employee number.
        hr: String,
        /// Target employee id.
        target_id: String,
    },
    /// Stop syncing an HR employee; it is never updated until connected again.
    Disconnect {
        /// Integration (from paybridge.toml).
        #[arg(long, short)]
        integration: String,
        /// HR employee id or employee number.
        hr: String,
    },
}

fn resolve_hr_id(store: &Store, hr: &str) -> anyhow::Result<String> {
    if store.employee(hr)?.is_some() {
        return Ok(hr.to_owned());
    }
    let matches: Vec<String> = store
        .current_employees()?
        .into_iter()
        .filter(|e| e.employee_number.as_deref() == Some(hr))
        .map(|e| e.id)
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!("no HR employee with id or employee number {hr:?}; run a sync first so the HR data is imported"),
        _ => {
            bail!("employee number {hr:?} belongs to several HR employees; give the HR id instead")
        }
    }
}

/// Run a `links` subcommand.
pub async fn run(config_path: &Path, cmd: LinksCommand) -> anyhow::Result<()> {
    if let LinksCommand::Suggest { integration, json } = &cmd {
        let mut app = super::open(config_path)?;
        app.import_hr()?;
        let suggestions = app.suggest_links(integration, None).await?;
        if *json {
            return super::print_json(&suggestions);
        }
        if suggestions.is_empty() {
            println!("no likely matches for the not-connected employees");
        }
        for s in suggestions {
            let number = s.employee_number.as_deref().unwrap_or(&s.hr_id);
            // Target ids come from the connector: no control character reaches the terminal.
            let target = crate::privacy::scrubber::without_controls(&s.target_id);
            println!(
                "{number:>6}  {:<24} → target {target:<38} {}   paybridge links connect --integration {integration} {number} {target}",
                s.name, s.reason
            );
        }
        return Ok(());
    }
    let config = crate::config::Config::load(config_path)?;
    let store = Store::open(&config.database)?;
    match cmd {
        LinksCommand::Suggest { .. } => Ok(()),
        LinksCommand::List { integration, state, json } => {
            // The views show the HR side as it is now: import it first.
            drop(store);
            let mut app = crate::app::App::open(config.clone(), config.limits())?;
            app.import_hr()?;
            let required = app.connector_for(config.integration(&integration)?)?.manifest.required_fields.clone();
            let store = &app.store;
            let rows = link_rows(store, &integration, state, &required)?;
            if json {
                return super::print_json(&rows);
            }
            for r in rows {
                let missing =
                    if r.missing.is_empty() { String::new() } else { format!("  missing: {}", r.missing.join(", ")) };
                let line = format!(
                    "{:>6}  {:<24} {:<14} {:<10} {}{missing}",
                    r.employee_number.as_deref().unwrap_or("-"),
                    r.name,
                    r.state,
                    r.target_id.as_deref().unwrap_or("-"),
                    r.how.as_deref().unwrap_or("")
                );
                println!("{}", line.trim_end());
            }
            Ok(())
        }
        LinksCommand::Connect { integration, hr, target_id } => {
            config.integration(&integration)?;
            let hr_id = resolve_hr_id(&store, &hr)?;
            if let Some(other) = store.linked_hr_id(&integration, &target_id)?
                && other != hr_id
            {
                bail!("target employee {target_id} is already connected to HR employee {other}; disconnect that first");
            }
            store.connect(&integration, &hr_id, &target_id, "manual").context("saving the link")?;
            println!("connected HR employee {hr_id} to target employee {target_id}; the next sync updates it");
            Ok(())
        }
        LinksCommand::Disconnect { integration, hr } => {
            config.integration(&integration)?;
            let hr_id = resolve_hr_id(&store, &hr)?;
            if !store.disconnect(&integration, &hr_id)? {
                bail!("HR employee {hr_id} has no link in {integration}");
            }
            println!("disconnected HR employee {hr_id}; it is not updated until connected again");
            Ok(())
        }
    }
}
