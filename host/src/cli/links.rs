//! `paybridge links list|connect|disconnect`: the seed's connected / not
//! connected / all views, and manual linking.

use crate::store::Store;
use crate::store::links::LinkState;
use anyhow::{Context as _, bail};
use clap::{Subcommand, ValueEnum};
use serde::Serialize;
use std::path::Path;

/// Which employees `links list` shows.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StateFilter {
    /// Linked and synced.
    Connected,
    /// Never linked, or disconnected.
    NotConnected,
    /// Everyone.
    All,
}

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
        state: StateFilter,
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

#[derive(Serialize)]
struct Row {
    hr_id: String,
    employee_number: Option<String>,
    name: String,
    state: &'static str,
    target_id: Option<String>,
    how: Option<String>,
    linked_at: Option<String>,
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
        [] => bail!(
            "no HR employee with id or employee number {hr:?}; run a sync first so the HR data is imported"
        ),
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
            println!(
                "{number:>6}  {:<24} → target {:<38} {}   paybridge links connect --integration {integration} {number} {}",
                s.name, s.target_id, s.reason, s.target_id
            );
        }
        return Ok(());
    }
    let config = crate::config::Config::load(config_path)?;
    let store = Store::open(&config.database)?;
    match cmd {
        LinksCommand::Suggest { .. } => Ok(()),
        LinksCommand::List {
            integration,
            state,
            json,
        } => {
            config.integration(&integration)?;
            let links = store.links(&integration)?;
            let mut rows = Vec::new();
            for e in store.current_employees()? {
                let link = links.iter().find(|l| l.hr_id == e.id);
                let shown = match link.map(|l| l.state) {
                    Some(LinkState::Connected) => "connected",
                    Some(LinkState::Disconnected) => "disconnected",
                    None => "not-connected",
                };
                let keep = match state {
                    StateFilter::All => true,
                    StateFilter::Connected => shown == "connected",
                    StateFilter::NotConnected => shown != "connected",
                };
                if keep {
                    rows.push(Row {
                        name: [e.first_name.as_deref(), e.last_name.as_deref()]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(" "),
                        hr_id: e.id,
                        employee_number: e.employee_number,
                        state: shown,
                        target_id: link.map(|l| l.target_id.clone()),
                        how: link.map(|l| l.how.clone()),
                        linked_at: link.map(|l| l.linked_at.clone()),
                    });
                }
            }
            if json {
                return super::print_json(&rows);
            }
            for r in rows {
                println!(
                    "{:>6}  {:<24} {:<14} {:<10} {}",
                    r.employee_number.as_deref().unwrap_or("-"),
                    r.name,
                    r.state,
                    r.target_id.as_deref().unwrap_or("-"),
                    r.how.as_deref().unwrap_or("")
                );
            }
            Ok(())
        }
        LinksCommand::Connect {
            integration,
            hr,
            target_id,
        } => {
            config.integration(&integration)?;
            let hr_id = resolve_hr_id(&store, &hr)?;
            if let Some(other) = store.linked_hr_id(&integration, &target_id)?
                && other != hr_id
            {
                bail!(
                    "target employee {target_id} is already connected to HR employee {other}; disconnect that first"
                );
            }
            store
                .connect(&integration, &hr_id, &target_id, "manual")
                .context("saving the link")?;
            println!(
                "connected HR employee {hr_id} to target employee {target_id}; the next sync updates it"
            );
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
