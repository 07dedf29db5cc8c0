//! `paybridge connector new --lang rust|python NAME`: a small working
//! connector for the fake target's JSON REST API (list, create, update;
//! bearer auth), with its build command, a golden test and the
//! error-to-log wrapper.
//!
//! The files are `templates/rust/` and `templates/python/` of the
//! repository, built into the binary, with `{{name}}` (the connector's
//! name) and `{{crate}}` (its Rust crate name) filled in, plus the
//! contract `wit/connector.wit`. The test suite builds and syncs what this
//! writes, and the vendor guide includes the same files, so neither can
//! drift from the other.

use anyhow::{Context as _, bail};
use std::path::{Path, PathBuf};

/// The language of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// Rust with wit-bindgen, built for wasm32-wasip2.
    Rust,
    /// Python with componentize-py.
    Python,
}

/// The contract every template carries.
const CONTRACT: &str = include_str!("../../../wit/connector.wit");

/// A template's files: (path in the new folder, text, executable).
pub fn files(lang: Lang) -> &'static [(&'static str, &'static str, bool)] {
    match lang {
        Lang::Rust => &[
            ("Cargo.toml", include_str!("../../../templates/rust/Cargo.toml"), false),
            ("README.md", include_str!("../../../templates/rust/README.md"), false),
            ("src/lib.rs", include_str!("../../../templates/rust/src/lib.rs"), false),
            ("tests/golden.rs", include_str!("../../../templates/rust/tests/golden.rs"), false),
            ("golden/employee.json", include_str!("../../../templates/rust/golden/employee.json"), false),
            (
                "golden/employee.expected.json",
                include_str!("../../../templates/rust/golden/employee.expected.json"),
                false,
            ),
            (".gitignore", "/target\n", false),
        ],
        Lang::Python => &[
            ("README.md", include_str!("../../../templates/python/README.md"), false),
            ("app.py", include_str!("../../../templates/python/app.py"), false),
            ("mapping.py", include_str!("../../../templates/python/mapping.py"), false),
            ("test_mapping.py", include_str!("../../../templates/python/test_mapping.py"), false),
            ("build.sh", include_str!("../../../templates/python/build.sh"), true),
            ("test.sh", include_str!("../../../templates/python/test.sh"), true),
            ("golden/employee.json", include_str!("../../../templates/python/golden/employee.json"), false),
            (
                "golden/employee.expected.json",
                include_str!("../../../templates/python/golden/employee.expected.json"),
                false,
            ),
            (".gitignore", "/bindings\n/.venv\n__pycache__\n*.wasm\n", false),
        ],
    }
}

/// Where the built component will be, relative to the new folder.
pub fn component_path(lang: Lang, name: &str) -> PathBuf {
    match lang {
        Lang::Rust => PathBuf::from(format!("target/wasm32-wasip2/release/{}.wasm", crate_name(name))),
        Lang::Python => PathBuf::from(format!("{name}.wasm")),
    }
}

fn crate_name(name: &str) -> String {
    name.replace('-', "_")
}

/// Write a new connector `name` in `lang` into `dir` (created; it must not
/// exist or be empty). Returns the files written.
pub fn write(lang: Lang, name: &str, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let rust_name = name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !crate::runtime::registry::valid_name(name) || !rust_name || name.starts_with(|c: char| c.is_ascii_digit()) {
        bail!(
            "{name:?} is not a connector name: use 1 to 64 of a-z, 0-9 and '-', starting with a letter (e.g. acme-payroll)"
        );
    }
    if dir.read_dir().is_ok_and(|mut entries| entries.next().is_some()) {
        bail!("{} already holds files: choose a new folder (--dir)", dir.display());
    }
    let mut written = Vec::new();
    let all = files(lang).iter().copied().chain([("wit/connector.wit", CONTRACT, false)]);
    for (path, text, executable) in all {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        let text = text.replace("{{name}}", name).replace("{{crate}}", &crate_name(name));
        std::fs::write(&target, text).with_context(|| format!("writing {}", target.display()))?;
        #[cfg(unix)]
        if executable {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755))?;
        }
        #[cfg(not(unix))]
        let _ = executable;
        written.push(target);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_is_written_with_its_name_and_the_contract_and_refuses_a_used_folder() {
        let dir = tempfile::tempdir().expect("temp dir");
        let to = dir.path().join("acme-pay");
        let files = write(Lang::Rust, "acme-pay", &to).expect("written");
        assert!(files.iter().any(|f| f.ends_with("wit/connector.wit")));
        let lib = std::fs::read_to_string(to.join("src/lib.rs")).expect("lib.rs");
        assert!(lib.contains("pub const NAME: &str = \"acme-pay\";") && !lib.contains("{{"));
        let test = std::fs::read_to_string(to.join("tests/golden.rs")).expect("golden.rs");
        assert!(test.contains("acme_pay::fields_of"));
        let again = write(Lang::Python, "acme-pay", &to).expect_err("a used folder");
        assert!(again.to_string().contains("already holds files"));
        let bad = write(Lang::Python, "Acme Pay", &dir.path().join("x")).expect_err("a bad name");
        assert!(bad.to_string().contains("not a connector name"));
    }
}
