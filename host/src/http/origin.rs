//! Where an integration's requests and credentials may go: its configured
//! base URL, and exactly that.
//!
//! Invariant: every URL the host sends to (API requests, the token
//! exchange) is built by [`BaseUrl::join`] from a connector-given path that
//! is checked both as written and after percent-decoding, and the built URL
//! must keep the base's scheme, host, port and path prefix.

use reqwest::Url;

/// A connector-given path the host refuses, and why.
#[derive(Debug, thiserror::Error)]
#[error("refused request path {path:?}: {why}")]
pub struct PathRefused {
    /// The path as the connector gave it (control characters escaped).
    pub path: String,
    /// Why.
    pub why: &'static str,
}

/// The integration's base URL, parsed once.
#[derive(Debug, Clone)]
pub struct BaseUrl {
    url: Url,
    /// Text to which paths are appended: the base without a trailing '/'.
    prefix: String,
}

fn refuse(path: &str, why: &'static str) -> PathRefused {
    PathRefused { path: path.escape_debug().to_string(), why }
}

/// Check a connector-given path, as written and percent-decoded.
pub fn check_path(path: &str) -> Result<(), PathRefused> {
    if !path.starts_with('/') || path.starts_with("//") {
        return Err(refuse(path, "it must start with a single '/' and is joined to the base URL"));
    }
    if path.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(refuse(path, "it must not contain control characters or spaces"));
    }
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    for text in [path, decoded.as_ref()] {
        if text.contains("://") || text.contains('@') {
            return Err(refuse(path, "it must not contain a scheme or credentials"));
        }
        if text.split(['/', '\\']).any(|seg| seg == ".." || seg == ".") {
            return Err(refuse(path, "it must not contain '.' or '..' segments, encoded or not"));
        }
        if text.contains(['?', '#', '\\']) || text.chars().any(char::is_control) {
            return Err(refuse(path, "query and fragment go in the request's query list, not the path"));
        }
    }
    if decoded.contains("//") {
        return Err(refuse(path, "it must not contain empty segments"));
    }
    Ok(())
}

impl BaseUrl {
    /// Parse `base` (http or https, no query or fragment).
    pub fn parse(base: &str) -> anyhow::Result<Self> {
        let url = Url::parse(base).map_err(|e| anyhow::anyhow!("base_url {base:?} is not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            anyhow::bail!("base_url {base:?} must be an http(s) URL with a host");
        }
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
            anyhow::bail!("base_url {base:?} must not carry a query, fragment or credentials");
        }
        let prefix = url.as_str().trim_end_matches('/').to_owned();
        Ok(Self { url, prefix })
    }

    /// `scheme://host:port` of the base.
    pub fn origin(&self) -> String {
        self.url.origin().ascii_serialization()
    }

    /// Whether `url` is on the base's origin.
    pub fn same_origin(&self, url: &Url) -> bool {
        url.origin() == self.url.origin()
    }

    /// The URL for a connector-given `path`: checked, joined under the base,
    /// and checked again after the URL parser normalised it.
    pub fn join(&self, path: &str) -> Result<Url, PathRefused> {
        check_path(path)?;
        let url = Url::parse(&format!("{}{path}", self.prefix))
            .map_err(|_| refuse(path, "it does not form a valid URL under the base URL"))?;
        let base_path = self.url.path().trim_end_matches('/');
        let stays_under = url.path() == base_path || url.path().starts_with(&format!("{base_path}/"));
        if !self.same_origin(&url) || !stays_under {
            return Err(refuse(path, "it leaves the integration's base URL"));
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_base_url_are_refused_encoded_or_not() {
        let base = BaseUrl::parse("https://payroll.example/api").expect("base");
        assert_eq!(base.join("/employee/v2").expect("ok").as_str(), "https://payroll.example/api/employee/v2");
        for bad in [
            "employee",
            "//evil.example/x",
            "/a/../auth",
            "/x?token=1",
            "http://evil/",
            "/a#b",
            "@127.0.0.1:1/steal",
            "/%2e%2e/%2e%2e/admin",
            "/%2E%2E/admin",
            "/a/%2e/b",
            "/a%2f..%2fadmin",
            "/a\\..\\b",
            "/a b",
            "/a%00b",
        ] {
            assert!(base.join(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_bare_origin_base_still_pins_the_host() {
        let base = BaseUrl::parse("http://127.0.0.1:8080").expect("base");
        assert!(base.join("@127.0.0.1:9/steal").is_err());
        assert_eq!(base.join("/auth").expect("ok").as_str(), "http://127.0.0.1:8080/auth");
    }
}
