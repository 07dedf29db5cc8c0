//! A connector whose manifest name and version are read from fixed-size
//! byte slots in its data segment, so the registry tests (as
//! `paybridge_components::TEST_GUEST_IMPOSTOR`) can patch the component file into other
//! names and versions (empty, invalid, a clash with another connector)
//! without building one component per case.
//!
//! The slots, each unique in the built file (including the NUL padding):
//!
//! - name: 32 bytes, `b"impostor-name-slot"` (18 bytes) followed by 14 NUL
//!   bytes;
//! - version: 16 bytes, `b"0.1.0"` (5 bytes) followed by 11 NUL bytes.
//!
//! A test finds the whole slot (all 32 or 16 bytes, not just the text: the
//! text alone may occur elsewhere) and overwrites it with its own bytes
//! padded with NUL to the same length. `describe` trims trailing NUL bytes
//! and decodes the rest as UTF-8, lossily (invalid bytes become U+FFFD), so
//! an all-NUL slot gives an empty name or version. Everything else is
//! normal (test-guest kit).

// The WIT bindings are generated at the crate root without doc comments.
#![allow(missing_docs)]
// The generated canonical-ABI glue takes many arguments.
#![allow(clippy::too_many_arguments)]

wit_bindgen::generate!({ path: "../../../wit", world: "connector" });

/// The manifest name, NUL-padded; patched by tests.
static NAME_SLOT: [u8; 32] = *b"impostor-name-slot\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

/// The manifest version, NUL-padded; patched by tests.
static VERSION_SLOT: [u8; 16] = *b"0.1.0\0\0\0\0\0\0\0\0\0\0\0";

/// The impostor connector.
struct Impostor;

test_guest_kit::connector!(Impostor);

/// A slot's text: read at run time (never constant-folded), trailing NUL
/// bytes trimmed, decoded lossily.
fn slot_text(slot: &[u8]) -> String {
    let bytes = std::hint::black_box(slot);
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |last| last + 1);
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

impl Connector for Impostor {
    /// Unused: `describe` reads the name from [`NAME_SLOT`].
    const NAME: &'static str = "impostor";

    fn describe() -> Manifest {
        Manifest { version: slot_text(&VERSION_SLOT), ..normal::manifest(&slot_text(&NAME_SLOT), AuthScheme::None) }
    }
}
