//! The web console: server-rendered pages and plain HTML forms (no
//! JavaScript), served by the same process as the API and doing what the
//! API does through the same [`crate::app::App`].
//!
//! - [`integrations`]: the integrations with their next run and last
//!   outcome, and the forms that start a sync, a dry run or an absence
//!   export;
//! - [`runs`]: recent runs, and a run's per-employee outcomes with the
//!   masked before → after plan and its writes (the page reloads itself
//!   while the run runs);
//! - [`links`]: the Not connected / Connected / All views with connect,
//!   disconnect and suggestions;
//! - [`connectors`]: versions with upload, activate, rollback and the
//!   shadow plan.
//!
//! Signing in: `/login` takes a token from `paybridge tokens create` and
//! sets the session cookie ([`super::auth`]); every page then needs the
//! role its row of [`super::routes::PAGES`] names. Every form post ends in
//! a redirect (303), so reloading a page never repeats an action.

pub mod connectors;
pub mod integrations;
pub mod layout;
pub mod links;
pub mod runs;

use super::Shared;
use super::auth::{COOKIE, Credential, check};
use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use layout::{Section, frame};
use maud::html;

/// The console's routes that need no session: signing in and out, and
/// the stylesheet.
pub fn open_routes() -> axum::Router<Shared> {
    axum::Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/console.css", get(stylesheet))
}

/// Any path nobody serves.
pub async fn not_found() -> Response {
    layout::problem(StatusCode::NOT_FOUND, "there is no such page")
}

async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], layout::CSS).into_response()
}

/// Query of the sign-in page.
#[derive(serde::Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// Where to go after signing in: a path of this console, nothing else.
fn local(next: Option<&str>) -> &str {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\')).unwrap_or("/")
}

fn login_form(next: &str, refused: Option<&str>) -> maud::Markup {
    let body = html! {
        h1 { "Sign in" }
        @if let Some(why) = refused { p.note.bad role="alert" { (why) } }
        div.card {
            form method="post" action="/login" {
                p { label for="token" { "API token" } }
                p { input #token type="password" name="token" size="48" autocomplete="off" required; }
                input type="hidden" name="next" value=(next);
                p { button type="submit" { "Sign in" } }
            }
            p.muted { "Create one with " code { "paybridge tokens create --name NAME --role read|operate|admin" } "." }
        }
    };
    frame("Sign in", Section::SignIn, None, body)
}

async fn login_page(Query(q): Query<LoginQuery>) -> Response {
    login_form(local(q.next.as_deref()), None).into_response()
}

/// The sign-in form.
#[derive(serde::Deserialize)]
pub struct LoginForm {
    token: String,
    next: Option<String>,
}

/// How long a browser keeps the console's cookie.
const SESSION_SECONDS: u64 = 10 * 60 * 60;

async fn login(State(served): State<Shared>, Form(form): Form<LoginForm>) -> Response {
    let next = local(form.next.as_deref()).to_owned();
    let token = form.token.trim();
    let usable = token.bytes().all(|b| b.is_ascii_graphic() && b != b';' && b != b',');
    match check(&served, Some(token).filter(|_| usable)) {
        Ok(Credential::Role(_)) => {
            // A work day: the browser forgets the token by the next morning.
            let cookie = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECONDS}");
            ([(header::SET_COOKIE, cookie)], layout::see_other(&next)).into_response()
        }
        Ok(_) => (StatusCode::UNAUTHORIZED, login_form(&next, Some("That token is not known here."))).into_response(),
        Err(e) => layout::problem(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")),
    }
}

async fn logout() -> Response {
    let cookie = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    ([(header::SET_COOKIE, cookie)], layout::see_other("/login")).into_response()
}
