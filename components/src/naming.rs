//! How a component's package name becomes the name of its constant; shared
//! by the build script (which writes the constants) and the library (whose
//! test looks for them in the tests).

/// The constant naming package `package`: upper snake case
/// (`test-guest-hostile` → `TEST_GUEST_HOSTILE`).
pub fn constant_name(package: &str) -> String {
    package.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect()
}
