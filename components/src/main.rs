//! `paybridge-components`: what the Makefile asks of the built components.
//!
//! - `list`: the package of every component, one per line (for
//!   `cargo clippy --target wasm32-wasip2 -p ...` in `make lint`);
//! - `copy-connectors DIR`: copy every connector (not the test guests) to
//!   `DIR/<package>.wasm`, where the product loads them (`make plugins`).
//!
//! Building this binary builds the components (the crate's build script).

use std::path::Path;
use std::process::ExitCode;

const USAGE: &str = "usage: paybridge-components list | copy-connectors DIR";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["list"] => {
            for (package, _) in paybridge_components::ALL {
                println!("{package}");
            }
            Ok(())
        }
        ["copy-connectors", dir] => copy_connectors(Path::new(dir)),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Copy every connector to `dir/<package>.wasm`.
fn copy_connectors(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    for (package, path) in paybridge_components::CONNECTORS {
        let to = dir.join(format!("{package}.wasm"));
        std::fs::copy(path, &to).map_err(|e| format!("copying {path} to {}: {e}", to.display()))?;
        println!("{}", to.display());
    }
    Ok(())
}
