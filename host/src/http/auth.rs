//! Authentication schemes declared by connectors and filled by the host:
//! bearer, basic, 24SevenOffice's token exchange and OAuth2 (client
//! credentials or refresh token). Session tokens are cached until shortly
//! before they expire and dropped on a 401; one token request at a time
//! per integration, so parallel requests share one token. A refresh token
//! the token endpoint rotates is kept at once ([`super::refresh_store`]),
//! before the new access token is used.
//!
//! Invariant: credentials never follow the connector. The token-exchange
//! URL is the connector's path joined under the integration's base URL and
//! checked like every request path; an OAuth2 token URL on another origin
//! is used only when the operator names it (`token_url`); secret headers
//! never carry the OAuth2 client credentials or refresh token unless the
//! operator allowed that header (`secret_headers`), and with
//! `secret_headers` set only the listed headers go out.

use super::origin::BaseUrl;
use super::refresh_store::{RefreshTokenFile, StartingToken};
use super::secrets::Secrets;
use crate::model::http::AuthScheme;
use anyhow::{Context as _, anyhow, bail};
use reqwest::Url;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// What the operator decided about credentials, from the integration's
/// configuration.
#[derive(Debug, Clone, Default)]
pub struct AuthPolicy {
    /// The OAuth2 token endpoint to use, whatever the connector declares.
    pub token_url: Option<String>,
    /// Header names that may carry secrets on API requests. `None`: the
    /// connector's secret headers, except those carrying a credential.
    pub secret_headers: Option<Vec<String>>,
    /// Where this integration's rotated OAuth2 refresh token is kept.
    /// `None`: only the environment's, and a rotated one lives for the run.
    pub refresh_store: Option<RefreshTokenFile>,
}

/// Headers the host alone sets.
pub const HOST_ONLY_HEADERS: &[&str] = &["authorization", "host", "cookie", "proxy-authorization"];

/// Where the session token comes from, resolved once.
enum TokenEndpoint {
    None,
    Exchange(Url),
    OAuth2(Url),
}

/// The OAuth2 token URL the host will use: the operator's, or the
/// connector's when it is on the integration's own origin.
pub(crate) fn oauth2_token_url(declared: &str, base: &BaseUrl, policy: &AuthPolicy) -> anyhow::Result<Url> {
    if let Some(url) = &policy.token_url {
        return Url::parse(url).with_context(|| format!("token_url {url:?} is not a URL"));
    }
    let url = Url::parse(declared)
        .map_err(|e| anyhow!("the connector's OAuth2 token URL {declared:?} is not a URL ({e}); set token_url"))?;
    if !base.same_origin(&url) {
        bail!(
            "the connector sends OAuth2 credentials to {}, which is not the integration's origin {}; \
             credentials go only where the operator says: add `token_url = \"{declared}\"` to this integration if you trust it",
            url.origin().ascii_serialization(),
            base.origin()
        );
    }
    Ok(url)
}

/// Check the connector's secret headers against the operator's policy.
fn check_secret_headers(o: &crate::model::http::Oauth2, policy: &AuthPolicy) -> anyhow::Result<()> {
    let credentials = [Some(&o.client_id_secret), Some(&o.client_secret_secret), o.refresh_token_secret.as_ref()];
    for (header, secret) in &o.secret_headers {
        if reqwest::header::HeaderName::from_bytes(header.as_bytes()).is_err() {
            bail!(
                "the connector declares a secret header with an invalid name {:?}",
                header.escape_debug().to_string()
            );
        }
        if HOST_ONLY_HEADERS.contains(&header.to_ascii_lowercase().as_str()) {
            bail!("the connector may not set the {header} header; the host sets it");
        }
        let allowed = policy.secret_headers.as_ref().map(|names| names.iter().any(|n| n.eq_ignore_ascii_case(header)));
        if allowed == Some(false) {
            bail!(
                "the connector wants to send secret `{secret}` in header {header}, which this integration's secret_headers does not list"
            );
        }
        if allowed.is_none() && credentials.contains(&Some(secret)) {
            bail!(
                "the connector wants to send the OAuth2 credential `{secret}` in header {header} on every API request; refused. \
                 If that is really what the API needs, list {header:?} in this integration's secret_headers"
            );
        }
    }
    Ok(())
}

/// Renew a session token this long before it expires.
const RENEW_BEFORE: Duration = Duration::from_secs(60);
/// How long to trust a token whose expiry could not be read.
const UNKNOWN_EXPIRY: Duration = Duration::from_secs(300);

struct Cached {
    token: String,
    valid_until: Instant,
}

/// The session token and the refresh token it is renewed with, under one
/// lock: a renewal uses and replaces the refresh token atomically.
#[derive(Default)]
struct Session {
    cached: Option<Cached>,
    refresh: Option<StartingToken>,
}

/// Attempts of one token request: a 5xx, a 429 or a connection failure
/// is tried again after a short wait (a token request changes nothing the
/// sync cares about).
const TOKEN_ATTEMPTS: u32 = 3;

async fn with_retries(build: impl Fn() -> reqwest::RequestBuilder) -> reqwest::Result<reqwest::Response> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = build().send().await;
        let again = match &result {
            Ok(r) => r.status().is_server_error() || r.status() == reqwest::StatusCode::TOO_MANY_REQUESTS,
            Err(e) => e.is_connect() || e.is_timeout(),
        };
        if !again || attempt >= TOKEN_ATTEMPTS {
            return result;
        }
        let wait = result
            .as_ref()
            .ok()
            .and_then(|r| r.headers().get("retry-after")?.to_str().ok()?.trim().parse::<u64>().ok())
            .map_or(Duration::from_millis(200 << attempt), |s| Duration::from_secs(s.min(10)));
        tokio::time::sleep(wait).await;
    }
}

/// Produces the auth headers for one integration.
pub struct Authenticator {
    scheme: AuthScheme,
    secrets: Secrets,
    endpoint: TokenEndpoint,
    session: Mutex<Session>,
    refresh_store: Option<RefreshTokenFile>,
}

impl Authenticator {
    /// An authenticator for `scheme` using `secrets`, its token endpoint
    /// resolved against `base` under `policy`; fails early when a named
    /// secret is missing or a credential would leave the integration.
    pub fn new(scheme: AuthScheme, secrets: Secrets, base: &BaseUrl, policy: &AuthPolicy) -> anyhow::Result<Self> {
        // The refresh token may come from the store instead (below).
        let refresh = match &scheme {
            AuthScheme::Oauth2(o) => o.refresh_token_secret.as_deref(),
            _ => None,
        };
        for name in scheme.secret_names().into_iter().filter(|n| Some(*n) != refresh) {
            secrets.get(name)?;
        }
        let endpoint = match &scheme {
            AuthScheme::TokenExchange(t) => TokenEndpoint::Exchange(
                base.join(&t.path).map_err(|e| anyhow!("the connector's token-exchange path: {e}"))?,
            ),
            AuthScheme::Oauth2(o) => {
                let url = oauth2_token_url(&o.token_url, base, policy)?;
                check_secret_headers(o, policy)?;
                TokenEndpoint::OAuth2(url)
            }
            _ => TokenEndpoint::None,
        };
        let mut session = Session::default();
        if let AuthScheme::Oauth2(o) = &scheme
            && let Some(name) = &o.refresh_token_secret
        {
            let from_env = secrets.get(name).ok();
            let start = match &policy.refresh_store {
                Some(file) => file.starting_token(from_env)?,
                None => from_env.map(|t| StartingToken { token: t.to_owned(), seeded_from: None }),
            };
            let Some(start) = start else {
                bail!(
                    "no OAuth2 refresh token: authorize once with `paybridge auth <integration>`, \
                     or set the environment variable named by `{name} = \"ENV_VAR\"` under [integration.secrets]"
                );
            };
            session.refresh = Some(start);
        }
        Ok(Self {
            scheme,
            secrets,
            endpoint,
            session: Mutex::new(session),
            refresh_store: policy.refresh_store.clone(),
        })
    }

    /// Forget the session token (after a 401).
    pub async fn invalidate(&self) {
        self.session.lock().await.cached = None;
    }

    /// Whether a session token is in use (so a 401 is worth one retry).
    pub fn has_session(&self) -> bool {
        matches!(self.scheme, AuthScheme::TokenExchange(_) | AuthScheme::Oauth2(_))
    }

    /// Add authentication to `request`, exchanging or renewing tokens as
    /// needed.
    pub async fn apply(
        &self,
        request: reqwest::RequestBuilder,
        client: &reqwest::Client,
    ) -> anyhow::Result<reqwest::RequestBuilder> {
        match &self.scheme {
            AuthScheme::None => Ok(request),
            AuthScheme::Bearer(secret) => Ok(request.bearer_auth(self.secrets.get(secret)?)),
            AuthScheme::Basic(b) => {
                Ok(request
                    .basic_auth(self.secrets.get(&b.username_secret)?, Some(self.secrets.get(&b.password_secret)?)))
            }
            AuthScheme::TokenExchange(_) | AuthScheme::Oauth2(_) => {
                let token = self.session_token(client).await?;
                let mut request = request.bearer_auth(token);
                if let AuthScheme::Oauth2(o) = &self.scheme {
                    for (header, secret) in &o.secret_headers {
                        request = request.header(header.as_str(), self.secrets.get(secret)?);
                    }
                }
                Ok(request)
            }
        }
    }

    async fn session_token(&self, client: &reqwest::Client) -> anyhow::Result<String> {
        let mut session = self.session.lock().await;
        if let Some(c) = session.cached.as_ref()
            && Instant::now() + RENEW_BEFORE < c.valid_until
        {
            return Ok(c.token.clone());
        }
        let fresh = match (&self.scheme, &self.endpoint) {
            (AuthScheme::TokenExchange(t), TokenEndpoint::Exchange(url)) => {
                let secret = self.secrets.get(&t.secret)?;
                let response = with_retries(|| client.get(url.clone()).query(&[(t.query_param.as_str(), secret)]))
                    .await
                    // The URL carries the secret in its query: never show it.
                    .map_err(|e| {
                        anyhow::Error::new(e.without_url()).context(format!("token exchange at {url} failed"))
                    })?;
                let status = response.status();
                if !status.is_success() {
                    bail!("token exchange at {url} answered {status}: check the access token secret `{}`", t.secret);
                }
                let body: serde_json::Value =
                    response.json().await.with_context(|| format!("token exchange at {url} did not return JSON"))?;
                let token = body
                    .get(&t.token_field)
                    .and_then(|v| v.as_str())
                    .ok_or_else(|| anyhow!("token exchange at {url} returned no `{}`", t.token_field))?;
                let lifetime = body
                    .get(&t.expiry_field)
                    .and_then(|v| v.as_str())
                    .and_then(|s| s.parse::<jiff::Timestamp>().ok())
                    .map(|expires| {
                        let secs = expires.as_second() - jiff::Timestamp::now().as_second();
                        Duration::from_secs(secs.max(0) as u64)
                    })
                    .unwrap_or(UNKNOWN_EXPIRY);
                Cached { token: token.to_owned(), valid_until: Instant::now() + lifetime }
            }
            (AuthScheme::Oauth2(o), TokenEndpoint::OAuth2(token_url)) => {
                let mut form = vec![
                    ("client_id", self.secrets.get(&o.client_id_secret)?.to_owned()),
                    ("client_secret", self.secrets.get(&o.client_secret_secret)?.to_owned()),
                ];
                match &session.refresh {
                    Some(r) => {
                        form.push(("grant_type", "refresh_token".into()));
                        form.push(("refresh_token", r.token.clone()));
                    }
                    None => form.push(("grant_type", "client_credentials".into())),
                }
                if let Some(scope) = &o.scope {
                    form.push(("scope", scope.clone()));
                }
                let response = with_retries(|| client.post(token_url.clone()).form(&form))
                    .await
                    .map_err(|e| anyhow::Error::new(e.without_url()))
                    .with_context(|| format!("OAuth2 token request to {token_url} failed to connect"))?;
                let status = response.status();
                if !status.is_success() {
                    let body: serde_json::Value = response.json().await.unwrap_or_default();
                    let error = body.get("error").and_then(|e| e.as_str()).unwrap_or("");
                    if error == "invalid_grant" && session.refresh.is_some() {
                        bail!(
                            "OAuth2 token endpoint {token_url} refused the refresh token (invalid_grant: expired, \
                             revoked or already used): authorize again with `paybridge auth <integration>`"
                        );
                    }
                    let error = if error.is_empty() { String::new() } else { format!(" ({})", error.escape_debug()) };
                    bail!("OAuth2 token endpoint {token_url} answered {status}{error}: check the client credentials");
                }
                let body: serde_json::Value =
                    response.json().await.context("OAuth2 token endpoint did not return JSON")?;
                // A rotated refresh token is kept before anything else: the
                // one just used no longer works.
                if let (Some(rotated), Some(current)) =
                    (body.get("refresh_token").and_then(|v| v.as_str()), session.refresh.as_mut())
                    && rotated != current.token
                {
                    if let Some(file) = &self.refresh_store {
                        file.save(rotated, current.seeded_from.as_deref()).with_context(|| {
                            format!(
                                "the token endpoint rotated the refresh token but it could not be stored in {}; \
                                 fix the folder's permissions, then authorize again with `paybridge auth <integration>`",
                                file.path().display()
                            )
                        })?;
                    }
                    current.token = rotated.to_owned();
                }
                let token = body
                    .get("access_token")
                    .and_then(|v| v.as_str())
                    .ok_or_else(|| anyhow!("OAuth2 token endpoint returned no access_token"))?;
                let lifetime =
                    body.get("expires_in").and_then(|v| v.as_u64()).map(Duration::from_secs).unwrap_or(UNKNOWN_EXPIRY);
                Cached { token: token.to_owned(), valid_until: Instant::now() + lifetime }
            }
            _ => bail!("no session token for this auth scheme"),
        };
        let token = fresh.token.clone();
        session.cached = Some(fresh);
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::http::TokenExchange;

    #[tokio::test]
    async fn a_failed_token_exchange_never_shows_the_token() {
        let scheme = AuthScheme::TokenExchange(TokenExchange {
            path: "/auth".into(),
            query_param: "token".into(),
            secret: "token".into(),
            token_field: "accessToken".into(),
            expiry_field: "expiresOn".into(),
        });
        let base = BaseUrl::parse("http://127.0.0.1:9").expect("base");
        let auth = Authenticator::new(
            scheme,
            Secrets::from_pairs(&[("token", "s3cr3t-t0ken")]),
            &base,
            &AuthPolicy::default(),
        )
        .expect("auth");
        let client = reqwest::Client::new();
        // Nothing listens on port 9 of loopback: the connection is refused.
        let err = auth.apply(client.get("http://127.0.0.1:9/x"), &client).await.expect_err("fails");
        let shown = format!("{err:#} {err:?}");
        assert!(shown.contains("token exchange"), "{shown}");
        assert!(!shown.contains("s3cr3t-t0ken"), "{shown}");
    }

    #[tokio::test]
    async fn oauth2_refresh_token_grant_gets_a_token_and_reuses_it_until_expiry() {
        use crate::model::http::Oauth2;
        use paybridge_emulators::nmbrs::{Emulator, Settings};
        let emulator = Emulator::start(Settings::default()).await.expect("emulator");
        let s = emulator.settings();
        let scheme = AuthScheme::Oauth2(Oauth2 {
            token_url: emulator.token_url(),
            client_id_secret: "id".into(),
            client_secret_secret: "secret".into(),
            refresh_token_secret: Some("refresh".into()),
            scope: None,
            secret_headers: vec![("X-Subscription-Key".into(), "key".into())],
        });
        let secrets = Secrets::from_pairs(&[
            ("id", &s.client_id),
            ("secret", &s.client_secret),
            ("refresh", &s.refresh_token),
            ("key", &s.subscription_key),
        ]);
        let base = BaseUrl::parse(&emulator.base_url()).expect("base");
        let policy = AuthPolicy { token_url: Some(emulator.token_url()), ..AuthPolicy::default() };
        let auth = Authenticator::new(scheme, secrets, &base, &policy).expect("auth");
        let client = reqwest::Client::new();
        for _ in 0..3 {
            let request = auth.apply(client.get(format!("{}/companies", emulator.base_url())), &client).await;
            let response = request.expect("authenticated").send().await.expect("sent");
            assert_eq!(response.status(), 200);
        }
        assert_eq!(emulator.tokens_issued(), 1, "the token is cached while valid");
    }

    #[test]
    fn a_missing_secret_is_named_with_how_to_provide_it() {
        let base = BaseUrl::parse("https://api.example").expect("base");
        let err =
            Authenticator::new(AuthScheme::Bearer("api_key".into()), Secrets::default(), &base, &AuthPolicy::default())
                .err()
                .expect("refused");
        assert!(err.to_string().contains("api_key") && err.to_string().contains("[integration.secrets]"));
    }
}
