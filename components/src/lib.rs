//! The workspace's WebAssembly components, built for `wasm32-wasip2` by
//! this crate's build script (see `build.rs`): every workspace member with
//! a `cdylib` library, found with `cargo metadata`, built in release into
//! `<target>/components`.
//!
//! One constant per component holds the absolute path of its `.wasm` file,
//! named after the package in upper snake case (`twentyfour-seven` →
//! [`TWENTYFOUR_SEVEN`], `test-guest-hostile` → [`TEST_GUEST_HOSTILE`]).
//! [`ALL`], [`CONNECTORS`] and [`TEST_GUESTS`] list them as
//! `(package, path)`. Tests take components from here; `make plugins`
//! copies the connectors to `connectors/` for the product (this crate's
//! binary, `paybridge-components copy-connectors DIR`).

mod naming;

pub use naming::constant_name;

include!(concat!(env!("OUT_DIR"), "/components.rs"));

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    /// Whether `text` holds `word` not as part of a longer identifier.
    fn mentions(text: &str, word: &str) -> bool {
        let part_of_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
        text.match_indices(word)
            .any(|(at, _)| !text[..at].ends_with(part_of_name) && !text[at + word.len()..].starts_with(part_of_name))
    }

    /// The text of every file under `dir`, recursively.
    fn texts(dir: &Path, into: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).expect("readable folder").filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                texts(&path, into);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                into.push((path, text));
            }
        }
    }

    #[test]
    fn every_component_was_built() {
        assert!(!CONNECTORS.is_empty() && !TEST_GUESTS.is_empty());
        assert_eq!(ALL.len(), CONNECTORS.len() + TEST_GUESTS.len());
        for (package, path) in ALL {
            assert!(Path::new(path).is_file(), "{package}: {path} is missing");
        }
    }

    /// wasmtime's rule for its test programs: a test guest nobody loads is
    /// dead weight, or a test that was meant to be written.
    #[test]
    fn every_test_guest_is_used_by_a_test() {
        let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests");
        let mut files = Vec::new();
        texts(&tests, &mut files);
        let unused: Vec<String> = TEST_GUESTS
            .iter()
            .map(|(package, _)| constant_name(package))
            .filter(|constant| !files.iter().any(|(_, text)| mentions(text, constant)))
            .collect();
        assert!(
            unused.is_empty(),
            "test guests no file under tests/ uses (by their constant in paybridge_components): {unused:?}"
        );
    }

    #[test]
    fn a_name_inside_a_longer_name_is_not_a_use() {
        assert!(mentions("load(TEST_GUEST_THIEF);", "TEST_GUEST_THIEF"));
        assert!(!mentions("load(TEST_GUEST_THIEF_EXCHANGE);", "TEST_GUEST_THIEF"));
        assert!(!mentions("MY_TEST_GUEST_THIEF", "TEST_GUEST_THIEF"));
        assert_eq!(constant_name("twentyfour-seven"), "TWENTYFOUR_SEVEN");
    }
}
