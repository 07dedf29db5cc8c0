//! The per-integration run lock: one run of an integration at a time,
//! across tasks and processes sharing a database.
//!
//! Invariant: the lock is an exclusive advisory lock on a file beside the
//! database (`<database>.locks/<integration>.lock`), held for the whole
//! run and released when the run ends or its process dies (kill -9
//! included), so recovery of an interrupted run never touches a live one.

use anyhow::Context as _;
use std::fs::{File, TryLockError};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};

/// A held run lock; released on drop.
#[derive(Debug)]
pub struct RunLock {
    _file: Option<File>,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another run holds it.
    #[error(
        "integration {integration} is being synced by another run ({holder}); wait for it to finish, or stop it. Two runs never write at once"
    )]
    Busy {
        /// The integration.
        integration: String,
        /// Who holds the lock (process id and since when).
        holder: String,
    },
    /// The lock file could not be used.
    #[error(transparent)]
    Io(#[from] anyhow::Error),
}

fn lock_path(database: &Path, integration: &str) -> PathBuf {
    let mut dir = database.as_os_str().to_owned();
    dir.push(".locks");
    let safe: String = integration
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') { c } else { '_' })
        .collect();
    PathBuf::from(dir).join(format!("{safe}.lock"))
}

impl RunLock {
    /// Take the lock of `integration` for the database at `database`
    /// (`None`: an in-memory store, which no other process can share).
    pub fn acquire(database: Option<&Path>, integration: &str) -> Result<Self, LockError> {
        let Some(database) = database else {
            return Ok(Self { _file: None });
        };
        let path = lock_path(database, integration);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("opening the run lock {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = if holder.trim().is_empty() { "another process".into() } else { holder.trim().to_owned() };
                return Err(LockError::Busy { integration: integration.to_owned(), holder });
            }
            Err(TryLockError::Error(e)) => {
                return Err(LockError::Io(anyhow::Error::new(e).context(format!("locking {}", path.display()))));
            }
        }
        let note = format!("pid {} since {}", std::process::id(), super::now());
        let written = file.set_len(0).and_then(|_| file.rewind()).and_then(|_| file.write_all(note.as_bytes()));
        written.with_context(|| format!("writing {}", path.display()))?;
        Ok(Self { _file: Some(file) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_of_one_integration_is_refused_until_the_first_is_released() {
        let dir = tempfile::tempdir().expect("temp");
        let db = dir.path().join("paybridge.db");
        let first = RunLock::acquire(Some(&db), "24so").expect("first");
        let second = RunLock::acquire(Some(&db), "24so").expect_err("busy");
        assert!(second.to_string().contains("being synced by another run") && second.to_string().contains("pid"));
        RunLock::acquire(Some(&db), "nmbrs").expect("another integration is independent");
        drop(first);
        RunLock::acquire(Some(&db), "24so").expect("free again");
    }
}
