//! HTTP as the host's executor speaks it, and the authentication schemes
//! it fills in. Connectors describe requests in their contract's types;
//! [`super::convert`] turns them into these at the boundary.

use serde::{Deserialize, Serialize};

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Method {
    /// GET: reads only.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl Method {
    /// The method's name as sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

/// One header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// A request under an integration's base URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Method.
    pub method: Method,
    /// Path under the base URL, starting with `/`.
    pub path: String,
    /// Query pairs.
    pub query: Vec<(String, String)>,
    /// Headers (the host drops the ones only it may set).
    pub headers: Vec<Header>,
    /// Body.
    pub body: Option<String>,
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: Vec<Header>,
    /// Body as text.
    pub body: String,
}

/// HTTP basic auth, both halves from secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasicAuth {
    /// Secret holding the user name.
    pub username_secret: String,
    /// Secret holding the password.
    pub password_secret: String,
}

/// A persistent token exchanged for a session token (24SevenOffice):
/// GET `path`?`query_param`=<secret> → JSON with `token_field` and
/// `expiry_field`; then `Authorization: Bearer <token>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenExchange {
    /// Path under the base URL.
    pub path: String,
    /// Query parameter carrying the secret.
    pub query_param: String,
    /// Secret holding the persistent token.
    pub secret: String,
    /// Field of the answer holding the session token.
    pub token_field: String,
    /// Field of the answer holding its expiry.
    pub expiry_field: String,
}

/// OAuth2 client credentials or refresh token, plus headers whose values
/// come from secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Oauth2 {
    /// Token endpoint the connector declares.
    pub token_url: String,
    /// Secret holding the client id.
    pub client_id_secret: String,
    /// Secret holding the client secret.
    pub client_secret_secret: String,
    /// Secret holding a refresh token, for the refresh-token grant.
    pub refresh_token_secret: Option<String>,
    /// Scope to ask for.
    pub scope: Option<String>,
    /// (header name, secret name) pairs for API requests.
    pub secret_headers: Vec<(String, String)>,
}

/// How the host authenticates an integration's requests; secret names are
/// resolved from the integration's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthScheme {
    /// No authentication.
    None,
    /// `Authorization: Bearer <secret>`, the secret named.
    Bearer(String),
    /// HTTP basic auth.
    Basic(BasicAuth),
    /// 24SevenOffice's token exchange.
    TokenExchange(TokenExchange),
    /// OAuth2.
    Oauth2(Oauth2),
}

impl AuthScheme {
    /// The secrets the scheme names (entries of `[integration.secrets]`),
    /// the OAuth2 refresh token's included.
    pub fn secret_names(&self) -> Vec<&str> {
        match self {
            AuthScheme::None => vec![],
            AuthScheme::Bearer(s) => vec![s.as_str()],
            AuthScheme::Basic(b) => vec![b.username_secret.as_str(), b.password_secret.as_str()],
            AuthScheme::TokenExchange(t) => vec![t.secret.as_str()],
            AuthScheme::Oauth2(o) => [o.client_id_secret.as_str(), o.client_secret_secret.as_str()]
                .into_iter()
                .chain(o.refresh_token_secret.as_deref())
                .chain(o.secret_headers.iter().map(|(_, s)| s.as_str()))
                .collect(),
        }
    }
}
