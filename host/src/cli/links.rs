//! `paybridge links list|connect|disconnect`: the seed's connected / not
//! connected / all views, and manual linking.

use crate::sync::views::View;
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
        state: ViewArg,
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

/// Which tab `links list` shows (the command line's names for
/// [`View`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ViewArg {
    /// Linked and synced.
    Connected,
    /// Never linked, or disconnected.
    NotConnected,
    /// Everyone.
    All,
}

impl From<ViewArg> for View {
    fn from(v: ViewArg) -> Self {
        match v {
            ViewArg::Connected => View::Connected,
            ViewArg::NotConnected => View::NotConnected,
            ViewArg::All => View::All,
        }
    }
}

/// Run a `links` subcommand.
pub async fn run(config_path: &Path, cmd: LinksCommand) -> anyhow::Result<()> {
    if let LinksCommand::Suggest { integration, json } = &cmd {
        let app = super::open(config_path)?;
        app.import_hr().await?;
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
    match cmd {
        LinksCommand::Suggest { .. } => Ok(()),
        LinksCommand::List { integration, state, json } => {
            // The views show the HR side as it is now: import it first.
            let app = super::open(config_path)?;
            app.import_hr().await?;
            let rows = app.link_rows(&integration, state.into())?;
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
            let hr_id = super::open_store(config_path)?.connect_link(&integration, &hr, &target_id)?;
            println!("connected HR employee {hr_id} to target employee {target_id}; the next sync updates it");
            Ok(())
        }
        LinksCommand::Disconnect { integration, hr } => {
            let hr_id = super::open_store(config_path)?.disconnect_link(&integration, &hr)?;
            println!("disconnected HR employee {hr_id}; it is not updated until connected again");
            Ok(())
        }
    }
}
