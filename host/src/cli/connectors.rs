//! `paybridge connectors list`.

use clap::Subcommand;
use serde::Serialize;
use std::path::Path;

/// `connectors` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConnectorsCommand {
    /// Every loaded connector version.
    List {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Check a component and add it to the connectors folder under its
    /// sha256; the newest version of a name becomes active at the next start.
    Install {
        /// The component file (`.wasm`).
        file: std::path::PathBuf,
    },
}

#[derive(Serialize)]
struct Row {
    name: String,
    version: String,
    active: bool,
    target_system: String,
    sha256: String,
    file: String,
    required_fields: Vec<String>,
    capabilities: Vec<String>,
}

/// Run a `connectors` subcommand.
pub fn run(config: &Path, cmd: ConnectorsCommand) -> anyhow::Result<()> {
    let json = match cmd {
        ConnectorsCommand::List { json } => json,
        ConnectorsCommand::Install { file } => {
            let app = super::open(config)?;
            let loaded = app.registry.install(&file, &app.config.connectors_dir)?;
            println!("installed {} ({}) as {}", loaded.label(), loaded.manifest.target_system, loaded.source.display());
            return Ok(());
        }
    };
    let app = super::open(config)?;
    let rows: Vec<Row> = app
        .registry
        .list()
        .into_iter()
        .map(|(c, active)| Row {
            name: c.manifest.name.clone(),
            version: c.manifest.version.clone(),
            active,
            target_system: c.manifest.target_system.clone(),
            sha256: c.sha256.clone(),
            file: c.source.display().to_string(),
            required_fields: c.manifest.required_fields.clone(),
            capabilities: c.manifest.capabilities.clone(),
        })
        .collect();
    if json {
        return super::print_json(&rows);
    }
    if rows.is_empty() {
        println!("no connectors in {}", app.config.connectors_dir.display());
    }
    for r in rows {
        let active = if r.active { "active" } else { "" };
        println!(
            "{:<20} {:<8} {:<7} {:<22} sha256:{}  {}",
            r.name,
            r.version,
            active,
            r.target_system,
            &r.sha256[..16],
            r.file
        );
    }
    Ok(())
}
