//! The console's frame: the page around every view (title, navigation,
//! sign-out), notes and problem pages, and the small formatting helpers
//! the views share. Every value goes into the page through maud, which
//! escapes it: a name or a connector's message cannot become markup.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use sha2::{Digest as _, Sha256};

/// The console's stylesheet, served at `/console.css`.
pub const CSS: &str = include_str!("console.css");

/// Which part of the console a page belongs to, for the navigation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Integrations and their links.
    Integrations,
    /// Runs.
    Runs,
    /// Connectors.
    Connectors,
    /// Signing in (no navigation).
    SignIn,
}

/// A whole page: `title`, the navigation with `section` marked, `body`.
/// `refresh`: reload every so many seconds (a run still running).
pub fn frame(title: &str, section: Section, refresh: Option<u32>, body: Markup) -> Markup {
    let link = |href: &str, label: &str, here: bool| html! { a href=(href) class=[here.then_some("here")] { (label) } };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(seconds) = refresh { meta http-equiv="refresh" content=(seconds); }
                title { (title) " · paybridge" }
                link rel="stylesheet" href="/console.css";
            }
            body {
                header {
                    span.brand { "paybridge" }
                    @if section != Section::SignIn {
                        nav {
                            (link("/", "Integrations", section == Section::Integrations))
                            (link("/runs", "Runs", section == Section::Runs))
                            (link("/connectors", "Connectors", section == Section::Connectors))
                        }
                        form method="post" action="/logout" { button.quiet type="submit" { "Sign out" } }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// A page that only says what went wrong, with `status`.
pub fn problem(status: StatusCode, message: &str) -> Response {
    let body = html! {
        h1 { (status.canonical_reason().unwrap_or("Problem")) }
        p.note.bad { (message) }
        p { a href="/" { "Back to the integrations" } }
    };
    (status, frame("Problem", Section::SignIn, None, body)).into_response()
}

/// A status word as a coloured badge.
pub fn badge(status: &str) -> Markup {
    html! { span class={ "badge " (status) } { (status) } }
}

/// A note carried in a redirect's query (`?note=`), shown once. Pass it
/// through [`verified`] first.
pub fn note(text: Option<&str>) -> Markup {
    html! { @if let Some(text) = text.filter(|t| !t.is_empty()) { p.note role="status" { (text) } } }
}

/// This process's key for note tags, random per start.
fn note_key() -> &'static [u8; 32] {
    static KEY: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let mut key = [0u8; 32];
        if getrandom::getrandom(&mut key).is_err() {
            // No OS randomness: a key no page shows still keeps links from
            // elsewhere out, as long as the process's start time is unknown.
            let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
            key.copy_from_slice(&Sha256::digest(seed.as_bytes()));
        }
        key
    })
}

/// The tag of `note`: sha256(key ‖ sha256(note)), 128 bits in hex.
fn note_tag(note: &str) -> String {
    let inner = Sha256::digest(note.as_bytes());
    let outer = Sha256::new().chain_update(note_key()).chain_update(inner).finalize();
    hex::encode(&outer[..16])
}

/// `note` if this process wrote it (its `tag` matches): a link from
/// another site cannot put words in the console's mouth.
pub fn verified<'a>(note: Option<&'a str>, tag: Option<&str>) -> Option<&'a str> {
    note.filter(|n| tag.is_some_and(|t| t == note_tag(n)))
}

/// A page's query that carries only a note and its tag.
#[derive(serde::Deserialize)]
pub struct NoteQuery {
    note: Option<String>,
    /// The note's tag ([`verified`]).
    tag: Option<String>,
}

impl NoteQuery {
    /// The note to show, if this process wrote it.
    pub fn shown(&self) -> Option<&str> {
        verified(self.note.as_deref(), self.tag.as_deref())
    }
}

/// `path` with `note` added as its `?note=` query, tagged.
pub fn with_note(path: &str, note: &str) -> String {
    let encoded = percent_encoding::utf8_percent_encode(note, percent_encoding::NON_ALPHANUMERIC);
    let joiner = if path.contains('?') { '&' } else { '?' };
    format!("{path}{joiner}note={encoded}&tag={}", note_tag(note))
}

/// What a path segment escapes: everything but letters, digits and
/// `-._~` (RFC 3986's unreserved characters).
const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// A path segment, escaped for a URL.
pub fn segment(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, SEGMENT).to_string()
}

/// An RFC 3339 time shortened to minutes ("2026-12-06 10:25").
pub fn when(time: &str) -> String {
    time.get(..16).map_or_else(|| time.to_owned(), |t| t.replace('T', " "))
}

/// A 303 to `to`: how every form post ends, so a reload does not post twice.
pub fn see_other(to: &str) -> Response {
    axum::response::Redirect::to(to).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_shows_only_when_this_process_wrote_it() {
        let link = with_note("/connectors", "Loaded acme@1.0.0: active.");
        let query = link.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let pairs: std::collections::BTreeMap<String, String> = query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_owned(), percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned()))
            .collect();
        let (text, tag) = (pairs.get("note").map(String::as_str), pairs.get("tag").map(String::as_str));
        assert_eq!(verified(text, tag), Some("Loaded acme@1.0.0: active."));
        assert_eq!(verified(Some("Your account is locked: call +47 12345678"), tag), None);
        assert_eq!(verified(text, None), None);
        assert_eq!(verified(text, Some("00")), None);
    }
}
