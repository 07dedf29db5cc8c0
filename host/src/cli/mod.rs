//! The command line: one file per subcommand; `main.rs` only parses and
//! dispatches.

pub mod absences;
pub mod auth;
pub mod connector;
pub mod connectors;
#[cfg(feature = "demo")]
pub mod demo;
pub mod hr;
pub mod import;
pub mod links;
pub mod print;
pub mod runs;
pub mod schedule;
pub mod serve;
pub mod sync;
pub mod watch;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// paybridge keeps payroll systems in step with an HR system.
#[derive(Debug, Parser)]
#[command(name = "paybridge", version, about)]
pub struct Cli {
    /// Configuration file.
    #[arg(long, short, global = true, default_value = "paybridge.toml", env = "PAYBRIDGE_CONFIG")]
    pub config: PathBuf,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the main job on embedded defaults: sample HR data, a fresh
    /// SQLite file, the built-in 24SevenOffice emulator; sync twice.
    // Only in a binary built with `--features demo` (`make demo`).
    #[cfg(feature = "demo")]
    Demo(demo::DemoArgs),
    /// Sync one integration now.
    Sync(sync::SyncArgs),
    /// Import from a two-way target (Kontek) into HR what the ownership
    /// settings allow.
    Import(import::ImportArgs),
    /// Push HR changes to a target as they happen (live AlexisHR source).
    Watch(watch::WatchArgs),
    /// Export absences for a period you choose.
    #[command(subcommand)]
    Absences(absences::AbsencesCommand),
    /// The HR source: `hr import` reads it into the store.
    #[command(subcommand)]
    Hr(hr::HrCommand),
    /// Authorize an integration once (OAuth2 authorization code, e.g.
    /// Nmbrs); the refresh token is kept and renewed by every sync.
    Auth(auth::AuthArgs),
    /// Loaded connectors.
    #[command(subcommand)]
    Connectors(connectors::ConnectorsCommand),
    /// The vendor kit: write a new connector, check a component.
    #[command(subcommand)]
    Connector(connector::ConnectorCommand),
    /// Run as a service: a JSON API and the scheduler.
    Serve(serve::ServeArgs),
    /// API tokens for `serve`.
    #[command(subcommand)]
    Tokens(serve::TokensCommand),
    /// Schedules: show them, run the integrations that are due.
    #[command(subcommand)]
    Schedule(schedule::ScheduleCommand),
    /// Past runs and their outcomes.
    #[command(subcommand)]
    Runs(runs::RunsCommand),
    /// Links between HR and target employees.
    #[command(subcommand)]
    Links(links::LinksCommand),
}

/// Run the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        #[cfg(feature = "demo")]
        Command::Demo(args) => demo::run(args).await,
        Command::Sync(args) => sync::run(&cli.config, args).await,
        Command::Absences(cmd) => absences::run(&cli.config, cmd).await,
        Command::Hr(cmd) => hr::run(&cli.config, cmd).await,
        Command::Import(args) => import::run(&cli.config, args).await,
        Command::Watch(args) => watch::run(&cli.config, args).await,
        Command::Auth(args) => auth::run(&cli.config, args).await,
        Command::Connectors(cmd) => connectors::run(&cli.config, cmd),
        Command::Connector(cmd) => connector::run(cmd).await,
        Command::Runs(cmd) => runs::run(&cli.config, cmd),
        Command::Schedule(cmd) => schedule::run(&cli.config, cmd).await,
        Command::Serve(args) => serve::run(&cli.config, args).await,
        Command::Tokens(cmd) => serve::tokens(&cli.config, cmd),
        Command::Links(cmd) => links::run(&cli.config, cmd).await,
    }
}

/// Exit code of a partial run: some employees failed, the others went
/// through (0 is success; 1 an error or a run where nothing went through;
/// 2 a command line clap refused).
pub const EXIT_PARTIAL: u8 = 3;

/// A run that ended partial, as an error the binary turns into
/// [`EXIT_PARTIAL`] rather than a plain failure.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PartialRun(pub String);

/// `Err(PartialRun)` when a run of `what` ended `partial`.
pub fn partial_is_an_error(what: &str, status: &str, summary: &str) -> anyhow::Result<()> {
    if status == "partial" {
        return Err(PartialRun(format!("{what} was partial ({summary}): the failed employees are listed above")).into());
    }
    Ok(())
}

/// Load the configuration and open the app without loading connectors,
/// for commands that need none.
pub fn open_store(config: &std::path::Path) -> anyhow::Result<crate::app::App> {
    let config = crate::config::Config::load(config)?;
    let limits = config.limits();
    crate::app::App::open_without_connectors(config, limits)
}

/// Load the configuration and open the app.
pub fn open(config: &std::path::Path) -> anyhow::Result<crate::app::App> {
    let config = crate::config::Config::load(config)?;
    let limits = config.limits();
    crate::app::App::open(config, limits)
}

/// Print `value` as pretty JSON.
pub fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
