//! `paybridge connector new | check`: the vendor kit on the command line
//! (see [`crate::kit`]). Neither reads `paybridge.toml`.

use crate::kit::check::{self, CheckOptions, Status};
use crate::kit::fake_target::FakeTargetConfig;
use crate::kit::template::{self, Lang};
use clap::Subcommand;
use std::path::PathBuf;

/// `connector` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConnectorCommand {
    /// Write a small working connector for a JSON REST payroll API (the
    /// fake target's), with its build command and a golden test.
    New {
        /// Rust (wit-bindgen) or Python (componentize-py).
        #[arg(long, value_enum)]
        lang: Lang,
        /// The connector's name, e.g. acme-payroll.
        name: String,
        /// The folder to write (default: ./NAME).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Run the conformance suite on a component: contract, imports,
    /// manifest, every export on fixtures, then a dry run and two syncs
    /// against a local fake target. Exits 1 when a check fails.
    Check {
        /// The component file (`.wasm`).
        file: PathBuf,
        /// The fake target's behaviour (TOML; see docs/connectors.md).
        #[arg(long)]
        target: Option<PathBuf>,
        /// An integration setting handed to the connector, `KEY=VALUE`
        /// (repeat for more).
        #[arg(long = "setting", value_parser = parse_setting)]
        settings: Vec<(String, String)>,
        /// HR fixtures (an AlexisHR snapshot file); the sample company by default.
        #[arg(long)]
        hr: Option<PathBuf>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

fn parse_setting(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("{text:?} is not KEY=VALUE"))
}

/// Run a `connector` subcommand.
pub async fn run(cmd: ConnectorCommand) -> anyhow::Result<()> {
    match cmd {
        ConnectorCommand::New { lang, name, dir } => {
            let dir = dir.unwrap_or_else(|| PathBuf::from(&name));
            template::write(lang, &name, &dir)?;
            let built = dir.join(template::component_path(lang, &name));
            println!("wrote connector {name} ({lang:?}) in {}", dir.display());
            match lang {
                Lang::Rust => println!(
                    "next: cd {} && cargo test --release && cargo build --release --target wasm32-wasip2\n      paybridge connector check {}",
                    dir.display(),
                    built.display()
                ),
                Lang::Python => println!(
                    "next: pip install componentize-py==0.25.1, then cd {} && ./test.sh && ./build.sh\n      paybridge connector check {}",
                    dir.display(),
                    built.display()
                ),
            }
            Ok(())
        }
        ConnectorCommand::Check { file, target, settings, hr, json } => {
            let target = match target {
                Some(path) => FakeTargetConfig::load(&path)?,
                None => FakeTargetConfig::default(),
            };
            let options = CheckOptions { file, target, settings: settings.into_iter().collect(), hr };
            let report = check::run(options).await?;
            if json {
                super::print_json(&report)?;
            } else {
                let sha = report.sha256.as_deref().map(|s| format!(", sha256 {s}")).unwrap_or_default();
                println!("connector check {} ({}{sha})", report.connector.as_deref().unwrap_or("?"), report.file);
                for c in &report.checks {
                    let status = match c.status {
                        Status::Pass => "pass",
                        Status::Fail => "FAIL",
                        Status::Skip => "skip",
                    };
                    println!("  {status}  {:<28} {}", c.name, c.detail);
                }
                let passed = report.checks.iter().filter(|c| c.status == Status::Pass).count();
                println!("{passed} of {} checks passed", report.checks.len());
            }
            if !report.passed() {
                anyhow::bail!("the component failed the conformance check (see the FAIL lines)");
            }
            Ok(())
        }
    }
}
