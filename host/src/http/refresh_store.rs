//! Where an OAuth2 refresh token is kept between runs. APIs such as Nmbrs
//! rotate refresh tokens: each token grant answers a new one and the old
//! one stops working, so the host must keep the newest or the next run
//! cannot authenticate.
//!
//! One file per integration in `<database>.tokens/`, readable only by the
//! user the host runs as (the folder 0700, the file 0600 on Unix),
//! replaced atomically (a temporary file, synced, renamed), so a crash
//! leaves either the old token or the new one. The token never appears in
//! logs or errors.
//!
//! Which token a run starts from: the stored one, unless the operator has
//! set a different refresh token in the environment since it was stored
//! (the file remembers a digest of the environment value it came from),
//! in which case the operator's new token wins.

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The folder of stored refresh tokens beside `database`.
pub fn token_dir(database: &Path) -> PathBuf {
    let mut dir = database.as_os_str().to_owned();
    dir.push(".tokens");
    dir.into()
}

/// What the file holds.
/// Not `Debug`: it holds the token.
#[derive(Serialize, Deserialize)]
struct Stored {
    refresh_token: String,
    /// sha256 (hex) of the environment value the chain of tokens started
    /// from; `None` when it started from `paybridge auth`.
    seeded_from: Option<String>,
}

/// The refresh-token file of one integration.
#[derive(Debug, Clone)]
pub struct RefreshTokenFile {
    path: PathBuf,
}

/// The token a run starts from, and where it came from.
#[derive(Clone)]
pub struct StartingToken {
    /// The refresh token.
    pub token: String,
    /// Digest of the environment value the chain started from.
    pub seeded_from: Option<String>,
}

impl std::fmt::Debug for StartingToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartingToken").field("token", &"<redacted>").field("seeded_from", &self.seeded_from).finish()
    }
}

/// sha256 of `value`, hex.
pub fn digest(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

impl RefreshTokenFile {
    /// The file for `integration` (a valid integration name) beside `database`.
    pub fn new(database: &Path, integration: &str) -> Self {
        let safe: String = integration
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
            .collect();
        Self { path: token_dir(database).join(format!("{safe}.json")) }
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn load(&self) -> anyhow::Result<Option<Stored>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(e).with_context(|| format!("reading the stored refresh token {}", self.path.display()));
            }
        };
        let stored = serde_json::from_str(&text).with_context(|| {
            format!(
                "the stored refresh token {} is damaged; delete it and authorize again with `paybridge auth`",
                self.path.display()
            )
        })?;
        Ok(Some(stored))
    }

    /// The token to start from: the environment's `from_env` when it is new
    /// (never stored, or different from the one the stored chain started
    /// from), else the stored one; `None` when there is neither.
    pub fn starting_token(&self, from_env: Option<&str>) -> anyhow::Result<Option<StartingToken>> {
        let env = from_env.filter(|v| !v.is_empty());
        let stored = self.load()?;
        Ok(match (env, stored) {
            (Some(env), Some(s))
                if s.seeded_from.as_deref() == Some(digest(env).as_str()) || s.seeded_from.is_none() =>
            {
                Some(StartingToken { token: s.refresh_token, seeded_from: s.seeded_from })
            }
            (Some(env), _) => Some(StartingToken { token: env.to_owned(), seeded_from: Some(digest(env)) }),
            (None, Some(s)) => Some(StartingToken { token: s.refresh_token, seeded_from: s.seeded_from }),
            (None, None) => None,
        })
    }

    /// Keep `token` as the integration's refresh token, replacing the file
    /// atomically; `seeded_from` carries on the chain's origin.
    pub fn save(&self, token: &str, seeded_from: Option<&str>) -> anyhow::Result<()> {
        let dir = self.path.parent().context("a token file has a folder")?;
        create_private_dir(dir)?;
        let stored = Stored { refresh_token: token.to_owned(), seeded_from: seeded_from.map(str::to_owned) };
        let text = serde_json::to_string(&stored)?;
        let temporary = self.path.with_extension("json.new");
        let mut file = private_file(&temporary)
            .with_context(|| format!("writing the refresh token to {}", temporary.display()))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .with_context(|| format!("writing the refresh token to {}", temporary.display()))?;
        std::fs::rename(&temporary, &self.path)
            .with_context(|| format!("replacing the stored refresh token {}", self.path.display()))?;
        Ok(())
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("making {} private", dir.display()))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new().write(true).create(true).truncate(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> (tempfile::TempDir, RefreshTokenFile) {
        let dir = tempfile::tempdir().expect("temp dir");
        let f = RefreshTokenFile::new(&dir.path().join("paybridge.db"), "nmbrs");
        (dir, f)
    }

    #[test]
    fn with_nothing_stored_the_environment_token_is_used() {
        let (_d, f) = file();
        assert!(f.starting_token(None).expect("read").is_none());
        assert_eq!(f.starting_token(Some("env-1")).expect("read").expect("token").token, "env-1");
    }

    #[test]
    fn a_rotated_token_wins_over_the_environment_value_it_came_from() {
        let (_d, f) = file();
        f.save("rotated-2", Some(&digest("env-1"))).expect("saved");
        assert_eq!(f.starting_token(Some("env-1")).expect("read").expect("token").token, "rotated-2");
        assert_eq!(f.starting_token(None).expect("read").expect("token").token, "rotated-2");
    }

    #[test]
    fn a_new_environment_token_wins_over_an_older_chain() {
        let (_d, f) = file();
        f.save("rotated-2", Some(&digest("env-1"))).expect("saved");
        assert_eq!(f.starting_token(Some("env-9")).expect("read").expect("token").token, "env-9");
    }

    #[test]
    fn a_token_from_paybridge_auth_wins_over_a_stale_environment_value() {
        let (_d, f) = file();
        f.save("authorized", None).expect("saved");
        assert_eq!(f.starting_token(Some("stale")).expect("read").expect("token").token, "authorized");
    }

    #[cfg(unix)]
    #[test]
    fn the_token_file_is_readable_only_by_its_owner() {
        use std::os::unix::fs::PermissionsExt as _;
        let (_d, f) = file();
        f.save("secret", None).expect("saved");
        let mode = std::fs::metadata(f.path()).expect("exists").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(f.path().parent().expect("dir")).expect("exists").permissions().mode();
        assert_eq!(dir_mode & 0o777, 0o700);
    }

    #[test]
    fn a_damaged_file_is_an_error_that_says_what_to_do() {
        let (_d, f) = file();
        f.save("x", None).expect("saved");
        std::fs::write(f.path(), "not json").expect("damaged");
        let err = f.starting_token(None).expect_err("damaged").to_string();
        assert!(err.contains("paybridge auth"), "{err}");
    }
}
