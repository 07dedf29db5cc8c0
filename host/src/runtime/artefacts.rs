//! The compiled-artefact cache: a component compiled once is kept as
//! native code, so a known version loads in milliseconds instead of being
//! compiled again at every start.
//!
//! Invariants: an artefact is named `<component sha256>-<engine hash>.cwasm`,
//! the engine hash being a sha256 of wasmtime's compatibility hash (the
//! engine's version and settings), so an artefact is only ever loaded by an
//! engine that can run it; artefacts live in a folder only the host writes
//! (beside the database, never the connectors folder an operator or vendor
//! drops files into), created private to its user, because loading one
//! runs native code that is not checked again; a file that fails to load
//! is removed and the component compiled afresh; artefacts are written to
//! a temporary file and renamed, so a crash never leaves half of one, and
//! read into memory (never mapped), so a file changed later cannot crash a
//! running host.

use anyhow::Context as _;
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use wasmtime::Engine;
use wasmtime::component::Component;

/// A `Hasher` that feeds sha256, for a hash that is stable across builds
/// (unlike `DefaultHasher`).
struct StableHasher(Sha256);

impl Hasher for StableHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    fn finish(&self) -> u64 {
        0
    }
}

/// The engine's compatibility hash as hex: the same for engines that can
/// load each other's artefacts.
pub fn engine_hash(engine: &Engine) -> String {
    let mut hasher = StableHasher(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hex::encode(&hasher.0.finalize()[..16])
}

/// A folder of compiled artefacts.
pub struct ArtefactCache {
    dir: PathBuf,
    engine_hash: String,
    hits: AtomicU64,
}

impl ArtefactCache {
    /// A cache in `dir` (created, private to this user) for `engine`.
    pub fn open(dir: &Path, engine: &Engine) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating the artefact cache {}", dir.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("making {} private", dir.display()))?;
        }
        Ok(Self { dir: dir.to_owned(), engine_hash: engine_hash(engine), hits: AtomicU64::new(0) })
    }

    /// Where the artefact of the component `sha256` lives.
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}-{}.cwasm", self.engine_hash))
    }

    /// Whether the component `sha256` is compiled for this engine already.
    pub fn holds(&self, sha256: &str) -> bool {
        self.path_of(sha256).exists()
    }

    /// Loads served from the cache so far.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// The component `bytes` (whose sha256 is `sha256`) compiled for
    /// `engine`: from the cache when it is there, else compiled and stored.
    pub fn component(&self, engine: &Engine, bytes: &[u8], sha256: &str) -> anyhow::Result<Component> {
        let path = self.path_of(sha256);
        // Read into memory rather than mapped: a file changed under a mapping
        // would crash the process (SIGBUS); a copy cannot change.
        if let Ok(stored) = std::fs::read(&path) {
            // SAFETY: the file is named by the sha256 of the component it was
            // compiled from and by this engine's compatibility hash, and it
            // sits in a folder only this host writes (see the module docs);
            // wasmtime checks its header and engine settings before use.
            match unsafe { Component::deserialize(engine, &stored) } {
                Ok(component) => {
                    self.hits.fetch_add(1, Ordering::Relaxed);
                    return Ok(component);
                }
                Err(e) => {
                    tracing::warn!(file = %path.display(), "a cached artefact did not load ({e}); compiling again");
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        let artefact = engine.precompile_component(bytes).map_err(anyhow::Error::from)?;
        let partial = self.dir.join(format!(".{sha256}-{}.partial", std::process::id()));
        let stored = std::fs::write(&partial, &artefact).and_then(|_| std::fs::rename(&partial, &path));
        if let Err(e) = stored {
            // A cache that cannot be written costs time, not correctness.
            tracing::warn!(file = %path.display(), "could not store a compiled artefact: {e}");
            let _ = std::fs::remove_file(&partial);
        }
        // SAFETY: the bytes were produced just now by this engine's
        // `precompile_component`.
        unsafe { Component::deserialize(engine, &artefact) }.map_err(anyhow::Error::from)
    }
}
