//! `paybridge connector new | keygen | sign | check`: the vendor kit on the command line
//! (see [`crate::kit`]). Neither reads `paybridge.toml`.

use crate::kit::check::{self, CheckOptions, Status};
use crate::kit::fake_target::FakeTargetConfig;
use crate::kit::template::{self, Lang};
use crate::runtime::signing;
use anyhow::Context as _;
use clap::Subcommand;
use std::path::{Path, PathBuf};

/// Write a private key readable by its owner only.
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("creating {}", path.display()))?;
    std::io::Write::write_all(&mut file, text.as_bytes()).with_context(|| format!("writing {}", path.display()))
}

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
    /// Make a signing key: the private seed in FILE (keep it secret) and
    /// the public key in FILE.pub, for operators' `[trusted_keys]`.
    Keygen {
        /// Where to write the private key.
        #[arg(long)]
        out: PathBuf,
    },
    /// Sign a component: writes FILE.sig (Ed25519 over its sha256), which
    /// `connectors install` reads beside it.
    Sign {
        /// The component file (`.wasm`).
        file: PathBuf,
        /// The private key from `connector keygen`.
        #[arg(long)]
        key: PathBuf,
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
        /// A key to name a signer by, `NAME=ed25519:<hex>` (repeat for more).
        #[arg(long = "trusted-key", value_parser = parse_setting)]
        trusted_keys: Vec<(String, String)>,
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
        ConnectorCommand::Keygen { out } => {
            if out.exists() {
                anyhow::bail!("{} exists: a key is never overwritten; choose another --out", out.display());
            }
            let (seed, public) = signing::keygen()?;
            write_private(&out, &seed)?;
            let public_file = signing::public_key_path(&out);
            std::fs::write(&public_file, format!("{public}\n"))
                .with_context(|| format!("writing {}", public_file.display()))?;
            println!(
                "private key: {} (keep it secret)\npublic key:  {public} (in {})",
                out.display(),
                public_file.display()
            );
            println!(
                "operators trust it with, in paybridge.toml:\n  [trusted_keys]\n  \"Your Company\" = \"{public}\""
            );
            Ok(())
        }
        ConnectorCommand::Sign { file, key } => {
            use sha2::Digest as _;
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let sha256 = hex::encode(sha2::Sha256::digest(&bytes));
            let signature = signing::sign(&sha256, &key)?;
            let out = signing::signature_path(&file);
            std::fs::write(&out, &signature).with_context(|| format!("writing {}", out.display()))?;
            println!("signed {} (sha256 {sha256}) as {}", file.display(), out.display());
            Ok(())
        }
        ConnectorCommand::Check { file, target, settings, hr, trusted_keys, json } => {
            let target = match target {
                Some(path) => FakeTargetConfig::load(&path)?,
                None => FakeTargetConfig::default(),
            };
            let trusted_keys = trusted_keys.into_iter().collect();
            signing::check_trusted(&trusted_keys)?;
            let options = CheckOptions { file, target, settings: settings.into_iter().collect(), hr, trusted_keys };
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
