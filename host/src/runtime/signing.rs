//! Vendor signatures on connector components: Ed25519 over the
//! component's sha256, in a detached file beside it (`FILE.sig`).
//!
//! - A vendor makes a key once (`paybridge connector keygen`: a private
//!   seed file and its public key `ed25519:<64 hex>`) and signs each
//!   release (`paybridge connector sign FILE --key KEY`), which writes
//!   `FILE.sig`: one line, `ed25519:<public key hex> <signature hex>`.
//! - The signed message is [`DOMAIN`] followed by the component's sha256
//!   in lower-case hex, so a signature made for anything else never
//!   verifies as a component's.
//! - An operator lists the keys it trusts in `paybridge.toml`
//!   (`[trusted_keys]`, a name per key); `connectors install` copies the
//!   signature beside the stored component (`<sha256>.wasm.sig`), shows
//!   who signed and refuses a signature that does not verify; an
//!   integration with `require_signature = true` runs only a version
//!   signed by a trusted key.
//!
//! Invariant: a verdict is computed from the component's sha256 (which the
//! registry computed from the bytes it loaded) and the signature file, at
//! the moment it is asked for; nothing is cached, so removing a key from
//! `trusted_keys` takes effect at the next run.

use anyhow::{Context as _, anyhow, bail};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What is signed, before the sha256: a domain separator.
pub const DOMAIN: &str = "paybridge-connector-signature-v1\n";

/// `path` with `suffix` added to its name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut path = path.as_os_str().to_owned();
    path.push(suffix);
    path.into()
}

/// The signature file of a component file: `FILE.sig`.
pub fn signature_path(component: &Path) -> PathBuf {
    with_suffix(component, ".sig")
}

/// The public key file `connector keygen` writes beside a private key:
/// `KEY.pub`.
pub fn public_key_path(private_key: &Path) -> PathBuf {
    with_suffix(private_key, ".pub")
}

fn message(sha256: &str) -> Vec<u8> {
    [DOMAIN.as_bytes(), sha256.as_bytes()].concat()
}

/// A public key in its written form `ed25519:<64 hex>`.
pub fn parse_public_key(text: &str) -> anyhow::Result<VerifyingKey> {
    let hex_part = text
        .trim()
        .strip_prefix("ed25519:")
        .ok_or_else(|| anyhow!("a public key is written ed25519:<64 hex digits>, not {:?}", text.trim()))?;
    let bytes: [u8; 32] = hex::decode(hex_part)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| anyhow!("the public key {text:?} is not ed25519: and 64 hex digits"))?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| anyhow!("{text:?} is not an Ed25519 public key: {e}"))
}

/// The written form of a public key.
pub fn show_key(key: &VerifyingKey) -> String {
    format!("ed25519:{}", hex::encode(key.as_bytes()))
}

/// A new signing key: the private seed file's text and the public key.
pub fn keygen() -> anyhow::Result<(String, String)> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| anyhow!("no randomness for a new key: {e}"))?;
    let key = SigningKey::from_bytes(&seed);
    Ok((format!("{}\n", hex::encode(seed)), show_key(&key.verifying_key())))
}

fn read_signing_key(path: &Path) -> anyhow::Result<SigningKey> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading the signing key {}", path.display()))?;
    let seed: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| anyhow!("{} is not a signing key made by `paybridge connector keygen`", path.display()))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// The signature file's text for a component with `sha256`, signed with
/// the key in `key_file`.
pub fn sign(sha256: &str, key_file: &Path) -> anyhow::Result<String> {
    let key = read_signing_key(key_file)?;
    let signature = key.sign(&message(sha256));
    Ok(format!("{} {}\n", show_key(&key.verifying_key()), hex::encode(signature.to_bytes())))
}

/// Who signed a component, as far as the host can tell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "signature", rename_all = "kebab-case")]
pub enum Verdict {
    /// No signature file.
    Unsigned,
    /// Signed by a key the operator trusts, under that name.
    Trusted {
        /// The name in `[trusted_keys]`.
        name: String,
        /// The key, `ed25519:...`.
        key: String,
    },
    /// A valid signature by a key the operator does not list.
    Untrusted {
        /// The key, `ed25519:...`.
        key: String,
    },
    /// A signature file that does not verify for this component.
    Invalid {
        /// Why.
        reason: String,
    },
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Unsigned => write!(f, "unsigned"),
            Verdict::Trusted { name, key } => write!(f, "signed by {name} ({}…)", &key[..20.min(key.len())]),
            Verdict::Untrusted { key } => write!(f, "signed by an untrusted key {key}"),
            Verdict::Invalid { reason } => write!(f, "bad signature: {reason}"),
        }
    }
}

/// The verdict on `signature_text` for a component with `sha256`, with
/// `trusted` (name → `ed25519:...`) as the keys the operator trusts.
pub fn verify_text(signature_text: &str, sha256: &str, trusted: &BTreeMap<String, String>) -> Verdict {
    let invalid = |reason: String| Verdict::Invalid { reason };
    let mut parts = signature_text.split_whitespace();
    let (Some(key_text), Some(sig_hex), None) = (parts.next(), parts.next(), parts.next()) else {
        return invalid("the signature file is not one line `ed25519:<key> <signature>`".into());
    };
    let key = match parse_public_key(key_text) {
        Ok(key) => key,
        Err(e) => return invalid(e.to_string()),
    };
    let Some(bytes) = hex::decode(sig_hex).ok().and_then(|b| <[u8; 64]>::try_from(b).ok()) else {
        return invalid("the signature is not 128 hex digits".into());
    };
    if key.verify_strict(&message(sha256), &Signature::from_bytes(&bytes)).is_err() {
        return invalid(format!(
            "it does not verify for this component (sha256 {}…) with {key_text}: the file was changed after signing, or the signature is another file's",
            &sha256[..12.min(sha256.len())]
        ));
    }
    let shown = show_key(&key);
    let name = trusted.iter().find(|(_, k)| parse_public_key(k).is_ok_and(|t| t == key)).map(|(n, _)| n.clone());
    match name {
        Some(name) => Verdict::Trusted { name, key: shown },
        None => Verdict::Untrusted { key: shown },
    }
}

/// The verdict on the signature file beside `component` (none: unsigned).
pub fn verify_file(component: &Path, sha256: &str, trusted: &BTreeMap<String, String>) -> Verdict {
    match std::fs::read_to_string(signature_path(component)) {
        Ok(text) => verify_text(&text, sha256, trusted),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Verdict::Unsigned,
        Err(e) => Verdict::Invalid { reason: format!("the signature file cannot be read: {e}") },
    }
}

/// Check the operator's trusted keys (`[trusted_keys]`).
pub fn check_trusted(trusted: &BTreeMap<String, String>) -> anyhow::Result<()> {
    for (name, key) in trusted {
        parse_public_key(key).with_context(|| format!("[trusted_keys] {name}"))?;
        if name.trim().is_empty() {
            bail!("[trusted_keys] has a key with an empty name");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "1c7c0ccdec2962b3b5e5d762329e3706c1ac4a3a9d88bd8ddc4fc1093606c905";

    #[test]
    fn a_signature_verifies_for_its_component_only_and_names_the_trusted_signer() {
        let dir = tempfile::tempdir().expect("temp");
        let (seed, public) = keygen().expect("key");
        let key_file = dir.path().join("vendor.key");
        std::fs::write(&key_file, seed).expect("key file");
        let signature = sign(SHA, &key_file).expect("signed");
        let none = BTreeMap::new();
        assert_eq!(verify_text(&signature, SHA, &none), Verdict::Untrusted { key: public.clone() });
        let trusted = BTreeMap::from([("Acme AS".to_owned(), public.clone())]);
        assert_eq!(verify_text(&signature, SHA, &trusted), Verdict::Trusted { name: "Acme AS".into(), key: public });
        let other = SHA.replace('1', "2");
        assert!(matches!(verify_text(&signature, &other, &trusted), Verdict::Invalid { .. }));
        let mut tampered = signature.clone();
        let at = tampered.len() - 2;
        let flipped = if &tampered[at..at + 1] == "0" { "1" } else { "0" };
        tampered.replace_range(at..at + 1, flipped);
        assert!(matches!(verify_text(&tampered, SHA, &trusted), Verdict::Invalid { .. }));
        assert!(matches!(verify_text("garbage", SHA, &trusted), Verdict::Invalid { .. }));
        assert!(check_trusted(&BTreeMap::from([("x".to_owned(), "ed25519:zz".to_owned())])).is_err());
    }
}
