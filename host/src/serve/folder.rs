//! The connectors folder, watched while serving: a component file dropped
//! there is loaded without a restart, as an upload is (checked, compiled
//! into the artefact cache, smoke-tested with `describe`), and becomes
//! active by the rules of a start ([`crate::app::App::restore_activations`]:
//! the first version of its name, or with `auto_activate_connectors`;
//! otherwise the operator activates it).
//!
//! Invariants: only `*.wasm` files not starting with `.` are looked at
//! (uploads and installs write hidden partial files first); a file is read
//! again only when its size or modification time changed, so a file being
//! copied, which fails to load, is tried again once the copy has changed
//! it, and a bad file is reported once, not at every look; a file whose
//! content is already loaded (every file present at start) is left alone.

use super::{Shared, pause};
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// What a file looked like when last read.
type Stamp = (u64, Option<SystemTime>);

/// Look at the folder every `period` until the server stops.
pub(super) async fn folder_loop(served: Shared, period: Duration) {
    let mut seen: HashMap<PathBuf, Stamp> = HashMap::new();
    let mut stopping = served.stopping.subscribe();
    loop {
        let app = std::sync::Arc::clone(&served.app);
        let mut looked = std::mem::take(&mut seen);
        seen = match tokio::task::spawn_blocking(move || {
            look(&app, &mut looked);
            looked
        })
        .await
        {
            Ok(looked) => looked,
            Err(e) => {
                tracing::warn!("looking at the connectors folder failed: {e}");
                HashMap::new()
            }
        };
        if pause(&mut stopping, period).await {
            return;
        }
    }
}

/// One look: load what is new or changed since `seen`.
fn look(app: &crate::app::App, seen: &mut HashMap<PathBuf, Stamp>) {
    let Ok(files) = crate::runtime::registry::component_files(&app.config.connectors_dir) else { return };
    for path in files {
        let visible = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| !n.starts_with('.'));
        if !visible {
            continue;
        }
        let Ok(meta) = std::fs::metadata(&path) else { continue };
        let stamp = (meta.len(), meta.modified().ok());
        if seen.get(&path) == Some(&stamp) {
            continue;
        }
        seen.insert(path.clone(), stamp);
        let Ok(bytes) = std::fs::read(&path) else { continue };
        if app.connector_loaded(&hex::encode(Sha256::digest(&bytes))) {
            continue;
        }
        match app.load_dropped_connector(&path, &bytes) {
            Ok((loaded, active)) => tracing::info!(
                connector = loaded.label(),
                file = %path.display(),
                active,
                "loaded a component dropped into the connectors folder"
            ),
            Err(e) => tracing::warn!(
                file = %path.display(),
                "a component dropped into the connectors folder was refused (tried again when the file changes): {e:#}"
            ),
        }
    }
}
