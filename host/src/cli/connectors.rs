//! `paybridge connectors list | install | activate | remove`.

use anyhow::Context as _;
use clap::Subcommand;
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
    /// sha256, recording where it came from. It becomes active only if it
    /// is the first version of its name; otherwise activate it.
    Install {
        /// The component file (`.wasm`).
        file: std::path::PathBuf,
    },
    /// Make a loaded version the active one of its name (kept across starts).
    Activate {
        /// Connector name.
        name: String,
        /// Version to make active.
        version: String,
    },
    /// Delete a version that is neither active nor pinned by an integration
    /// from the connectors folder.
    Remove {
        /// Connector name.
        name: String,
        /// Version to remove.
        version: String,
    },
}

/// Run a `connectors` subcommand.
pub fn run(config: &Path, cmd: ConnectorsCommand) -> anyhow::Result<()> {
    let json = match cmd {
        ConnectorsCommand::List { json } => json,
        ConnectorsCommand::Install { file } => {
            // The first install makes the connectors folder.
            let dir = crate::config::Config::load(config)?.connectors_dir;
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("creating the connectors folder {}", dir.display()))?;
            let app = super::open(config)?;
            let (loaded, active) = app.install_connector(&file)?;
            println!(
                "installed {} ({}) as {}, {}",
                loaded.label(),
                loaded.manifest.target_system,
                loaded.source.display(),
                app.signature_of(&loaded)
            );
            if !active {
                println!(
                    "not active: integrations without a version pin keep their current version; run `paybridge connectors activate {} {}` to switch",
                    loaded.manifest.name, loaded.manifest.version
                );
            }
            return Ok(());
        }
        ConnectorsCommand::Activate { name, version } => {
            let app = super::open(config)?;
            let active = app.activate_connector(&name, &version)?;
            println!("{} is now the active version of {name}", active.label());
            return Ok(());
        }
        ConnectorsCommand::Remove { name, version } => {
            let app = super::open(config)?;
            let file = app.remove_connector(&name, &version)?;
            println!("removed {name}@{version} ({})", file.display());
            return Ok(());
        }
    };
    let app = super::open(config)?;
    let rows = app.connectors()?;
    if json {
        return super::print_json(&rows);
    }
    if rows.is_empty() {
        println!("no connectors in {}", app.config.connectors_dir.display());
    }
    for r in rows {
        let active = if r.active { "active" } else { "" };
        let from = r.installed_from.map(|f| format!(" (installed from {f})")).unwrap_or_default();
        let runs = if r.used_by.is_empty() { "-".to_owned() } else { r.used_by.join(",") };
        println!(
            "{:<20} {:<8} {:<7} runs {:<16} contract {:<6} {:<22} sha256:{}  {}  {}{from}",
            r.name,
            r.version,
            active,
            runs,
            r.contract,
            r.target_system,
            &r.sha256[..16],
            r.signature,
            r.file
        );
    }
    Ok(())
}
