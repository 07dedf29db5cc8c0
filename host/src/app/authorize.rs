//! One-time OAuth2 authorization of an integration (authorization-code
//! flow, as Nmbrs uses): the URL the operator opens, and the exchange of
//! the code it gives back for a refresh token, which the host keeps
//! ([`crate::http::refresh_store`]) and rotates on every later run.
//!
//! Invariant: the client credentials go only to the token URL the host
//! trusts (the operator's `token_url`, or the connector's on the
//! integration's own origin), as for every token request.

use super::App;
use crate::http::BaseUrl;
use crate::http::Secrets;
use crate::http::auth::{AuthPolicy, oauth2_token_url};
use crate::http::refresh_store::RefreshTokenFile;
use crate::runtime::types::{AuthScheme, Oauth2};
use anyhow::{Context as _, anyhow, bail};
use reqwest::Url;
use std::path::PathBuf;

/// What `paybridge auth` needs of one integration.
pub struct Authorization {
    integration: String,
    oauth2: Oauth2,
    token_url: Url,
    authorize_url: Url,
    secrets: Secrets,
    store: RefreshTokenFile,
}

/// The authorization endpoint beside `token_url`: its last path segment
/// `token` becomes `authorize` (`/connect/token` → `/connect/authorize`).
pub fn authorize_url_beside(token_url: &Url) -> anyhow::Result<Url> {
    let path = token_url.path();
    let Some(head) = path.strip_suffix("/token") else {
        bail!(
            "cannot tell the authorization URL from the token URL {token_url}; set authorize_url for this integration"
        );
    };
    let mut url = token_url.clone();
    url.set_path(&format!("{head}/authorize"));
    url.set_query(None);
    Ok(url)
}

/// The `code` in what the operator pasted: the code itself, or the whole
/// address the browser was sent back to (`…?code=…&state=…`).
pub fn code_from(pasted: &str) -> anyhow::Result<String> {
    let pasted = pasted.trim();
    if pasted.is_empty() {
        bail!("no code given: paste the `code` the browser was sent back with, or the whole address");
    }
    match Url::parse(pasted) {
        Ok(url) => url.query_pairs().find(|(k, _)| k == "code").map(|(_, v)| v.into_owned()).ok_or_else(|| {
            anyhow!("the address has no `code` in its query; authorize again and paste the new address")
        }),
        Err(_) => Ok(pasted.to_owned()),
    }
}

impl App {
    /// Prepare the authorization of `integration`: its connector must use
    /// OAuth2 with a refresh token. `secrets` holds the client id and
    /// secret (resolved from the environment when `None`).
    pub fn authorization(&self, integration: &str, secrets: Option<Secrets>) -> anyhow::Result<Authorization> {
        let config = self.config.integration(integration)?;
        let connector = self.connector_for(config)?;
        let AuthScheme::Oauth2(oauth2) = &connector.manifest.auth else {
            bail!(
                "integration {integration}: connector {} does not use OAuth2; nothing to authorize",
                connector.label()
            );
        };
        if oauth2.refresh_token_secret.is_none() {
            bail!(
                "integration {integration}: connector {} needs no authorization (client credentials)",
                connector.label()
            );
        }
        let base = BaseUrl::parse(&config.base_url).with_context(|| format!("integration {integration}"))?;
        let policy = AuthPolicy { token_url: config.token_url.clone(), ..AuthPolicy::default() };
        let token_url = oauth2_token_url(&oauth2.token_url, &base, &policy)
            .with_context(|| format!("integration {integration}"))?;
        let authorize_url = match &config.authorize_url {
            Some(u) => {
                Url::parse(u).with_context(|| format!("integration {integration}: authorize_url {u:?} is not a URL"))?
            }
            None => authorize_url_beside(&token_url).with_context(|| format!("integration {integration}"))?,
        };
        let needed: Vec<&str> = vec![oauth2.client_id_secret.as_str(), oauth2.client_secret_secret.as_str()];
        let secrets = match secrets {
            Some(s) => s,
            None => {
                let names = config.secrets.iter().filter(|(k, _)| needed.contains(&k.as_str()));
                Secrets::from_env(integration, &names.map(|(k, v)| (k.clone(), v.clone())).collect())?
            }
        };
        for name in needed {
            secrets.get(name).with_context(|| format!("integration {integration}"))?;
        }
        Ok(Authorization {
            integration: integration.to_owned(),
            oauth2: oauth2.clone(),
            token_url,
            authorize_url,
            secrets,
            store: RefreshTokenFile::new(&self.config.database, integration),
        })
    }
}

impl Authorization {
    /// The address the operator opens to grant access, asking for the
    /// connector's scopes and sending the code back to `redirect_uri`.
    pub fn authorize_url(&self, redirect_uri: &str, state: &str) -> anyhow::Result<Url> {
        let mut url = self.authorize_url.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", self.secrets.get(&self.oauth2.client_id_secret)?)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", self.oauth2.scope.as_deref().unwrap_or(""))
            .append_pair("state", state);
        Ok(url)
    }

    /// Exchange `code` for tokens at the token endpoint and keep the
    /// refresh token; returns where it is kept.
    pub async fn redeem(&self, code: &str, redirect_uri: &str) -> anyhow::Result<PathBuf> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("client_id", self.secrets.get(&self.oauth2.client_id_secret)?),
            ("client_secret", self.secrets.get(&self.oauth2.client_secret_secret)?),
        ];
        let url = &self.token_url;
        let response = reqwest::Client::new()
            .post(url.clone())
            .form(&form)
            .send()
            .await
            .map_err(|e| anyhow::Error::new(e.without_url()))
            .with_context(|| format!("the token request to {url} failed to connect"))?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        if !status.is_success() {
            let error =
                body.get("error").and_then(|e| e.as_str()).unwrap_or("no reason given").escape_debug().to_string();
            bail!(
                "the token endpoint {url} refused the code ({status}, {error}): a code works once and for minutes; \
                 check the client credentials and the redirect URI, then authorize again"
            );
        }
        let Some(refresh) = body.get("refresh_token").and_then(|v| v.as_str()).filter(|t| !t.is_empty()) else {
            bail!("the token endpoint {url} gave no refresh token: the app must be granted the offline_access scope");
        };
        self.store.save(refresh, None).with_context(|| format!("integration {}", self.integration))?;
        Ok(self.store.path().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorize_url_sits_beside_the_token_url() {
        let token = Url::parse("https://identityservice.nmbrs.com/connect/token").expect("url");
        assert_eq!(
            authorize_url_beside(&token).expect("beside").as_str(),
            "https://identityservice.nmbrs.com/connect/authorize"
        );
        assert!(authorize_url_beside(&Url::parse("https://x.example/oauth").expect("url")).is_err());
    }

    #[test]
    fn a_pasted_code_or_redirect_address_gives_the_code() {
        assert_eq!(code_from(" abc123 ").expect("code"), "abc123");
        assert_eq!(code_from("http://127.0.0.1/callback?code=xyz&state=s").expect("code"), "xyz");
        assert!(code_from("http://127.0.0.1/callback?error=access_denied").is_err());
        assert!(code_from("").is_err());
    }
}
