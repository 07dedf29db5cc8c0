//! Who may do what: the role a request's token grants, checked against the
//! route table before any handler runs.
//!
//! The API takes only `Authorization: Bearer <token>` (never the cookie,
//! so another site's page cannot drive it through a signed-in browser).
//! The console takes only its cookie, set when a person signs in with a
//! token: `HttpOnly`, `SameSite=Strict`, path `/`, kept ten hours; and a form post whose
//! `Origin` names another site is refused. Tokens are looked up by their
//! sha256 ([`crate::store::api_tokens`]).

use super::routes::{PAGES, ROUTES, role_for};
use super::{Served, Shared};
use crate::store::api_tokens::Role;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

/// The console's cookie.
pub const COOKIE: &str = "paybridge_session";

/// A JSON error answer.
pub fn json_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({ "error": message.into() }))).into_response()
}

/// What a credential is worth.
pub enum Credential {
    /// No credential came.
    Missing,
    /// One came that no token matches.
    Unknown,
    /// A known token with this role.
    Role(Role),
}

/// The role `token` grants.
pub fn check(served: &Served, token: Option<&str>) -> anyhow::Result<Credential> {
    let Some(token) = token.filter(|t| !t.is_empty()) else { return Ok(Credential::Missing) };
    Ok(match served.app.store.api_token_role(token)? {
        Some((_, role)) => Credential::Role(role),
        None => Credential::Unknown,
    })
}

/// The bearer token of `headers`, if any.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))
}

/// The console cookie's token, if any.
pub fn session(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

fn matched(request: &Request) -> String {
    request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_default()
}

/// The API's gate: a bearer token with the route's role.
pub async fn authorize_api(State(served): State<Shared>, request: Request, next: Next) -> Response {
    let needed = role_for(ROUTES, request.method().as_str(), &matched(&request));
    match check(&served, bearer(request.headers())) {
        Ok(Credential::Role(role)) if role >= needed => next.run(request).await,
        Ok(Credential::Role(role)) => {
            json_error(StatusCode::FORBIDDEN, format!("this needs the {needed:?} role; the token has {role:?}"))
        }
        Ok(Credential::Missing) => {
            json_error(StatusCode::UNAUTHORIZED, "a bearer token is required: paybridge tokens create")
        }
        Ok(Credential::Unknown) => json_error(StatusCode::UNAUTHORIZED, "unknown token"),
        Err(e) => json_error(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")),
    }
}

/// Whether a form post comes from another site: its `Origin` names a host
/// other than the one it was sent to.
fn cross_site(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get("origin").and_then(|v| v.to_str().ok()) else { return false };
    let host = headers.get("host").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    origin == "null" || !origin_host.eq_ignore_ascii_case(host)
}

/// The console's gate: the session cookie with the page's role. A page
/// asked for without one leads to the sign-in page.
pub async fn authorize_console(State(served): State<Shared>, request: Request, next: Next) -> Response {
    let path = matched(&request);
    let method = request.method().as_str().to_owned();
    let needed = role_for(PAGES, &method, &path);
    if method != "GET" && cross_site(request.headers()) {
        return super::console::layout::problem(StatusCode::FORBIDDEN, "a form of another site cannot act here");
    }
    let sign_in = || {
        let back = request.uri().path_and_query().map_or("/", |p| p.as_str());
        let target =
            format!("/login?next={}", percent_encoding::utf8_percent_encode(back, percent_encoding::NON_ALPHANUMERIC));
        if method == "GET" {
            Redirect::to(&target).into_response()
        } else {
            super::console::layout::problem(StatusCode::UNAUTHORIZED, "sign in first: your session has ended")
        }
    };
    match check(&served, session(request.headers())) {
        Ok(Credential::Role(role)) if role >= needed => next.run(request).await,
        Ok(Credential::Role(role)) => super::console::layout::problem(
            StatusCode::FORBIDDEN,
            &format!("this needs the {needed:?} role; you signed in with a {role:?} token"),
        ),
        Ok(Credential::Missing | Credential::Unknown) => sign_in(),
        Err(e) => super::console::layout::problem(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")),
    }
}
