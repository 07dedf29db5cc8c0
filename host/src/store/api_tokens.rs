//! API tokens of `paybridge serve`: a name, a role, and the sha256 of the
//! token, never the token itself (it is shown once, when created).

use super::Store;
use anyhow::{Context as _, bail};
use rusqlite::{OptionalExtension as _, params};
use sha2::{Digest as _, Sha256};

/// What a token may do; each role may do what the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Read integrations, runs, links.
    Read,
    /// Also start runs.
    Operate,
    /// Also manage connectors and tokens.
    Admin,
}

impl std::str::FromStr for Role {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> anyhow::Result<Self> {
        match text {
            "read" => Ok(Self::Read),
            "operate" => Ok(Self::Operate),
            "admin" => Ok(Self::Admin),
            other => bail!("{other:?} is no role; use read, operate or admin"),
        }
    }
}

impl Role {
    /// "read", "operate" or "admin".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Operate => "operate",
            Self::Admin => "admin",
        }
    }
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// 32 random bytes from the operating system, as the token `pb_<hex>`.
fn new_token() -> anyhow::Result<String> {
    use std::io::Read as _;
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("reading /dev/urandom for a new token")?;
    Ok(format!("pb_{}", hex::encode(bytes)))
}

impl Store {
    /// Create the token `name` with `role`; returns the token (shown once).
    pub fn create_api_token(&self, name: &str, role: Role) -> anyhow::Result<String> {
        if name.trim().is_empty() || name.chars().any(char::is_control) {
            bail!("a token needs a name without control characters");
        }
        let token = new_token()?;
        let inserted = self.conn().execute(
            "INSERT INTO api_tokens (name, role, hash, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(name) DO NOTHING",
            params![name, role.as_str(), hash(&token), super::now()],
        )?;
        if inserted == 0 {
            bail!("a token named {name:?} exists; choose another name");
        }
        Ok(token)
    }

    /// Every token's name, role and creation time (never the token).
    pub fn api_tokens(&self) -> anyhow::Result<Vec<(String, Role, String)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT name, role, created_at FROM api_tokens ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (name, role, created) = row?;
            out.push((name, role.parse()?, created));
        }
        Ok(out)
    }

    /// Revoke the token `name`: it is refused from the next request on
    /// (console sessions signed in with it included). Whether it existed.
    pub fn revoke_api_token(&self, name: &str) -> anyhow::Result<bool> {
        Ok(self.conn().execute("DELETE FROM api_tokens WHERE name = ?1", [name])? > 0)
    }

    /// The name and role of `token`, if it is one.
    pub fn api_token_role(&self, token: &str) -> anyhow::Result<Option<(String, Role)>> {
        let found: Option<(String, String)> = self
            .conn()
            .query_row("SELECT name, role FROM api_tokens WHERE hash = ?1", [hash(token)], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        found.map(|(name, role)| Ok((name, role.parse()?))).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_kept_as_its_hash_and_found_with_its_role() {
        let store = Store::in_memory().expect("store");
        let token = store.create_api_token("ci", Role::Operate).expect("created");
        assert!(token.starts_with("pb_") && token.len() == 67);
        assert_eq!(store.api_token_role(&token).expect("lookup"), Some(("ci".into(), Role::Operate)));
        assert_eq!(store.api_token_role("pb_nope").expect("lookup"), None);
        let kept: String = store.conn().query_row("SELECT hash FROM api_tokens", [], |r| r.get(0)).expect("row");
        assert_ne!(kept, token, "only the hash is kept");
        assert!(store.create_api_token("ci", Role::Read).is_err(), "names are unique");
        assert!(Role::Admin > Role::Operate && Role::Operate > Role::Read);
        assert_eq!(store.api_tokens().expect("list")[0].0, "ci");
        assert!(store.revoke_api_token("ci").expect("revoke"));
        assert_eq!(store.api_token_role(&token).expect("lookup"), None, "a revoked token is refused");
        assert!(!store.revoke_api_token("ci").expect("again"), "nothing left to revoke");
    }
}
