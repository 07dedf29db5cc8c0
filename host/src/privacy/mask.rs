//! Masking of values in everything a person reads: logs, the journal,
//! dry-run plans, error texts from targets. [`mask`] hides a whole value;
//! [`mask_digit_runs`] hides long numbers in free text of unknown shape.
//!
//! A masked value shows a short hash so "changed" stays visible without
//! the value: `•••• (sha256 3f2a…)`.

use sha2::{Digest, Sha256};

/// A masked stand-in for `value`: a hash prefix, never the value.
pub fn mask(value: &str) -> String {
    if value.is_empty() {
        return "(empty)".into();
    }
    let hash = hex::encode(Sha256::digest(value.as_bytes()));
    format!("•••• (sha256 {})", &hash[..8])
}

/// Replace every run of 6 or more digits (national ids, account numbers,
/// salaries; a single space, dot, dash, slash or comma may sit between
/// digits) in free text with `#`s, and control characters with a stand-in,
/// for texts whose structure is unknown such as connector log lines and
/// error bodies from targets. The same tokenizer as the [`Scrubber`](super::Scrubber)'s.
pub fn mask_digit_runs(text: &str) -> String {
    super::Scrubber::default().scrub_all(text)
}

/// Redact the values at `paths` (dotted) in a JSON body, keeping its shape.
/// Arrays are walked element by element.
pub fn redact_json(body: &str, paths: &[String]) -> String {
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(body) else {
        return mask_digit_runs(body);
    };
    redact_paths(&mut value, paths);
    value.to_string()
}

/// Redact the values at `paths` (dotted) in a parsed JSON value.
pub fn redact_paths(value: &mut serde_json::Value, paths: &[String]) {
    for path in paths {
        let parts: Vec<&str> = path.split('.').collect();
        redact_path(value, &parts);
    }
}

fn redact_path(value: &mut serde_json::Value, parts: &[&str]) {
    use serde_json::Value;
    match value {
        Value::Array(items) => items.iter_mut().for_each(|v| redact_path(v, parts)),
        Value::Object(map) => {
            let Some((first, rest)) = parts.split_first() else {
                return;
            };
            if let Some(child) = map.get_mut(*first) {
                if rest.is_empty() {
                    let text = match &*child {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    *child = Value::String(mask(&text));
                } else {
                    redact_path(child, rest);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_runs_of_six_or_more_are_masked() {
        assert_eq!(mask_digit_runs("id 10915596784 failed"), "id ########### failed");
        assert_eq!(mask_digit_runs("acct 8601.11.17947"), "acct ####.##.#####");
        assert_eq!(mask_digit_runs("HTTP 409 on employee 12"), "HTTP 409 on employee 12");
        assert_eq!(mask_digit_runs("ssn 148 385 124 70."), "ssn ### ### ### ##.");
    }

    #[test]
    fn json_paths_are_masked_and_shape_kept() {
        let body = r#"{"empId":"7","personnr":"10915596784","internationalID":{"ID":"10915596784"}}"#;
        let out = redact_json(body, &["personnr".into(), "internationalID.ID".into()]);
        assert!(!out.contains("10915596784"), "{out}");
        assert!(out.contains("\"empId\":\"7\""));
    }

    #[test]
    fn mask_shows_a_hash_not_the_value() {
        let m = mask("52000.00");
        assert!(m.starts_with("••••") && !m.contains("52000"));
        assert_ne!(mask("52000.00"), mask("53000.00"));
    }
}
