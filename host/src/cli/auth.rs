//! `paybridge auth NAME [--redirect-uri URI] [--code CODE]`: authorize an
//! integration once (OAuth2 authorization code). Without `--code` it
//! prints the address to open and reads the code, or the whole address
//! the browser was sent back to, from standard input.

use crate::app::authorize::code_from;
use anyhow::{Context as _, bail};
use clap::Args;
use std::io::BufRead as _;
use std::path::Path;

/// Arguments of `auth`.
#[derive(Debug, Args)]
pub struct AuthArgs {
    /// Integration to authorize (from paybridge.toml).
    pub integration: String,
    /// Redirect URI registered for the OAuth2 app (default: the
    /// integration's `redirect_uri`).
    #[arg(long)]
    pub redirect_uri: Option<String>,
    /// The code the authorization gave; asked for when absent.
    #[arg(long)]
    pub code: Option<String>,
}

/// Print the address to open, take the code, keep the refresh token.
pub async fn run(config: &Path, args: AuthArgs) -> anyhow::Result<()> {
    let app = super::open(config)?;
    let integration = app.config.integration(&args.integration)?;
    let Some(redirect_uri) = args.redirect_uri.clone().or_else(|| integration.redirect_uri.clone()) else {
        bail!(
            "integration {}: pass --redirect-uri (or set redirect_uri) with the redirect URI registered for the OAuth2 app",
            args.integration
        );
    };
    let authorization = app.authorization(&args.integration, None)?;
    let code = match &args.code {
        Some(code) => code_from(code)?,
        None => {
            let state = format!("{:016x}", rand::random::<u64>());
            println!(
                "Open this address, sign in and allow access:\n\n  {}\n",
                authorization.authorize_url(&redirect_uri, &state)?
            );
            println!("Then paste the code, or the whole address the browser was sent to:");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).context("reading the code from standard input")?;
            if let Ok(url) = reqwest::Url::parse(line.trim())
                && let Some((_, given)) = url.query_pairs().find(|(k, _)| k == "state")
                && given != state
            {
                bail!("the address's state does not match this authorization; start `paybridge auth` again");
            }
            code_from(&line)?
        }
    };
    let kept = authorization.redeem(&code, &redirect_uri).await?;
    println!(
        "authorized {}: the refresh token is kept in {} (readable only by you); syncs renew it",
        args.integration,
        kept.display()
    );
    Ok(())
}
