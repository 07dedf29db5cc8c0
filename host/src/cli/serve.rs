//! `paybridge serve [--listen ADDR]` and `paybridge tokens create --name
//! NAME --role read|operate|admin`: the host as a service (see
//! [`crate::serve`]) and the tokens its API takes.

use crate::serve::{ServeOptions, serve};
use crate::store::api_tokens::Role;
use clap::{Args, Subcommand};
use std::path::Path;
use std::sync::Arc;

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; loopback unless you say otherwise.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Seconds between two looks of the scheduler for due integrations.
    #[arg(long, default_value_t = 60)]
    pub tick_secs: u64,
}

/// `tokens` subcommands.
#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create an API token; it is shown once and kept only as its hash.
    Create {
        /// A name to tell it by.
        #[arg(long)]
        name: String,
        /// read, operate (also start runs) or admin.
        #[arg(long, default_value = "read")]
        role: String,
    },
    /// The tokens' names and roles (never the tokens).
    List,
    /// Revoke a token: refused from the next request on.
    Revoke {
        /// Its name.
        #[arg(long)]
        name: String,
    },
}

/// Run `serve` until Ctrl-C or SIGTERM.
pub async fn run(config: &Path, args: ServeArgs) -> anyhow::Result<()> {
    let app = Arc::new(super::open(config)?);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| anyhow::anyhow!("listening on {}: {e}", args.listen))?;
    eprintln!("paybridge serves on http://{}; Ctrl-C or SIGTERM stops it", listener.local_addr()?);
    let options =
        ServeOptions { tick: std::time::Duration::from_secs(args.tick_secs.max(1)), ..ServeOptions::default() };
    serve(app, listener, options, stop_signal()).await
}

/// Ctrl-C, or SIGTERM on Unix.
async fn stop_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Run a `tokens` subcommand.
pub fn tokens(config: &Path, command: TokensCommand) -> anyhow::Result<()> {
    let app = super::open_store(config)?;
    match command {
        TokensCommand::Create { name, role } => {
            let role: Role = role.parse()?;
            let token = app.store.create_api_token(&name, role)?;
            println!("{token}");
            eprintln!("token {name:?} ({role:?}) created; it is shown this once and kept only as its hash");
        }
        TokensCommand::List => {
            for (name, role, created) in app.store.api_tokens()? {
                println!("{name:<24} {:<8} created {created}", role.as_str());
            }
        }
        TokensCommand::Revoke { name } => {
            if !app.store.revoke_api_token(&name)? {
                anyhow::bail!("no token is named {name:?}; `paybridge tokens list` shows them");
            }
            println!("token {name:?} revoked");
        }
    }
    Ok(())
}
