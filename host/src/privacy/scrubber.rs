//! The [`Scrubber`]: removes known personal values from connector texts.
//!
//! A value is matched on its digits, so `14838512470`, `148 385 124 70`,
//! `148.385.124-70` and `NO93 8601 1117 947` all match. A run of digits in
//! the text is hidden when five or more of its digits are a piece of a
//! known national id or bank number (so `###### 12470`, a half-masked id,
//! loses its other half too), when it contains one, or when it equals a
//! known salary. Control characters are replaced so no text can drive the
//! terminal.

use super::mask::mask;
use std::collections::HashSet;

/// Fewest digits of a national id or bank number that count as a piece of it.
const MIN_PIECE: usize = 5;
/// Fewest digits of a salary that are hidden.
const MIN_AMOUNT: usize = 3;

/// Separators people write inside numbers.
fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '.' | '-' | '/' | ',' | '_' | '\u{a0}' | '\'')
}

/// One run of digits in a text: byte span and its digits alone.
struct DigitRun {
    start: usize,
    end: usize,
    digits: String,
}

/// Runs of digits, a single separator allowed between two digits.
fn digit_runs(text: &str) -> Vec<DigitRun> {
    let mut runs = Vec::new();
    let mut current: Option<DigitRun> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c.is_ascii_digit() {
            let run = current.get_or_insert_with(|| DigitRun { start: at, end: at, digits: String::new() });
            run.digits.push(c);
            run.end = at + 1;
        } else if is_separator(c) && current.is_some() && chars.peek().is_some_and(|(_, next)| next.is_ascii_digit()) {
            // A separator between digits stays inside the run.
        } else if let Some(run) = current.take() {
            runs.push(run);
        }
    }
    runs.extend(current);
    runs
}

/// The hash a company scrubber files a value's digits under.
fn whole_hash(digits: &str) -> u64 {
    use std::hash::{BuildHasher as _, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(digits)
}

fn digits_of(value: &str) -> String {
    value.chars().filter(char::is_ascii_digit).collect()
}

/// Replace control characters (escape sequences, newlines) with a space or
/// a visible stand-in.
pub fn without_controls(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// Known personal values and how to hide them.
#[derive(Debug, Clone, Default)]
pub struct Scrubber {
    /// Digits of national ids and bank numbers; a piece of one is hidden.
    pieces: Vec<String>,
    /// Digits of salaries: the whole number and with its decimals.
    amounts: Vec<String>,
    /// Digits of values of a whole company, matched whole: their hashes
    /// (a company of 100 000 holds a few MiB, not a string per value; a
    /// collision hides a number that is not personal, nothing worse).
    whole: HashSet<u64>,
}

impl Scrubber {
    /// A scrubber for one person's `ids` (national ids, bank numbers,
    /// IBANs) and `amounts` (salaries as decimal text).
    pub fn new<'a>(ids: impl IntoIterator<Item = &'a str>, amounts: impl IntoIterator<Item = &'a str>) -> Self {
        let pieces = ids.into_iter().map(digits_of).filter(|d| d.len() >= MIN_PIECE).collect();
        let mut digits = Vec::new();
        for amount in amounts {
            let whole_part: String = amount.split(['.', ',']).next().map(digits_of).unwrap_or_default();
            let all = digits_of(amount);
            for d in [whole_part, all] {
                if d.len() >= MIN_AMOUNT && !digits.contains(&d) {
                    digits.push(d);
                }
            }
        }
        Self { pieces, amounts: digits, whole: HashSet::new() }
    }

    /// A scrubber for texts that concern a whole company (a read of the
    /// target): every value in `ids` hidden where it appears whole.
    pub fn whole_values<'a>(ids: impl IntoIterator<Item = &'a str>) -> Self {
        let mut company = Self::default();
        company.add_whole(ids);
        company
    }

    /// Hide `ids` too, where they appear whole (a company scrubber built
    /// one employee at a time).
    pub fn add_whole<'a>(&mut self, ids: impl IntoIterator<Item = &'a str>) {
        let digits = ids.into_iter().map(digits_of).filter(|d| d.len() >= MIN_PIECE);
        self.whole.extend(digits.map(|d| whole_hash(&d)));
    }

    fn hides(&self, digits: &str) -> bool {
        let piece = |v: &String| {
            (digits.len() >= MIN_PIECE && v.contains(digits))
                || (digits.len() >= v.len() && digits.contains(v.as_str()))
        };
        self.pieces.iter().any(piece)
            || self.amounts.iter().any(|a| a == digits)
            || (!self.whole.is_empty() && self.whole.contains(&whole_hash(digits)))
    }

    fn scrub_with(&self, text: &str, generic: bool) -> String {
        let text = without_controls(text);
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for run in digit_runs(&text) {
            if self.hides(&run.digits) || (generic && run.digits.len() >= 6) {
                out.push_str(&text[last..run.start]);
                out.extend(text[run.start..run.end].chars().map(|c| if c.is_ascii_digit() { '#' } else { c }));
                last = run.end;
            }
        }
        out.push_str(&text[last..]);
        out
    }

    /// `text` without the known values and control characters; other
    /// numbers stay (paths, descriptions, field names).
    pub fn scrub(&self, text: &str) -> String {
        self.scrub_with(text, false)
    }

    /// `text` without the known values, control characters, or any run
    /// of six or more digits (free text of unknown shape: messages, logs).
    pub fn scrub_all(&self, text: &str) -> String {
        self.scrub_with(text, true)
    }

    /// Whether `text` holds one of the person's national ids or bank
    /// numbers whole. For identifiers a target makes (a uuid's digit runs
    /// can share five digits with anyone's bank number by chance), where
    /// [`Scrubber::touches`] would refuse harmless ids.
    pub fn holds_whole(&self, text: &str) -> bool {
        digit_runs(text).iter().any(|r| self.pieces.iter().any(|v| r.digits.contains(v.as_str())))
    }

    /// Whether `text` holds a known value.
    pub fn touches(&self, text: &str) -> bool {
        digit_runs(text).iter().any(|r| self.hides(&r.digits))
    }

    /// A JSON body for the journal: the values at `sensitive_paths` masked,
    /// and every other value that holds a known value masked too; a body
    /// that is not JSON is scrubbed as free text.
    pub fn scrub_json(&self, body: &str, sensitive_paths: &[String]) -> String {
        let Ok(mut value) = serde_json::from_str::<serde_json::Value>(body) else {
            return self.scrub_all(body);
        };
        super::mask::redact_paths(&mut value, sensitive_paths);
        self.scrub_value(&mut value);
        value.to_string()
    }

    fn scrub_value(&self, value: &mut serde_json::Value) {
        use serde_json::Value;
        match value {
            Value::String(s) if self.touches(s) => *value = Value::String(mask(s)),
            Value::String(s) => *s = without_controls(s),
            Value::Number(n) if self.touches(&n.to_string()) => *value = Value::String(mask(&n.to_string())),
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_value(v)),
            Value::Object(map) => map.values_mut().for_each(|v| self.scrub_value(v)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_target_id_is_personal_only_when_it_holds_a_whole_value() {
        let s = Scrubber::new(["14838512470", "1506.00.00000"], ["42000"]);
        assert!(s.holds_whole("emp-14838512470"));
        assert!(s.holds_whole("1506.00.00000"));
        assert!(!s.holds_whole("6e6d6272-4e6d-4b72-8000-000000000d98"), "a uuid sharing zeros");
        assert!(s.touches("0000000"), "touches is the stricter check for free text");
    }

    use super::*;
    use proptest::prelude::*;

    fn kari() -> Scrubber {
        Scrubber::new(["14838512470", "86011117947", "NO9386011117947"], ["52000.00"])
    }

    #[test]
    fn a_national_id_is_hidden_in_any_spacing_or_punctuation() {
        let s = kari();
        for text in ["14838512470", "148 385 124 70", "148.385.124-70", "ssn:14838512470!"] {
            let out = s.scrub(text);
            assert!(!digits_of(&out).contains("12470"), "{text} -> {out}");
        }
    }

    #[test]
    fn a_half_masked_id_loses_its_other_half() {
        assert_eq!(kari().scrub("ssn=###### 12470"), "ssn=###### #####");
    }

    #[test]
    fn bank_numbers_ibans_and_salaries_are_hidden_but_other_numbers_stay() {
        let s = kari();
        assert_eq!(s.scrub("acct NO93 8601 1117 947"), "acct NO## #### #### ###");
        assert_eq!(s.scrub("earns 52000.00 a month"), "earns #####.## a month");
        assert_eq!(s.scrub("earns 52 000,00"), "earns ## ###,##");
        assert_eq!(s.scrub("POST /employee/v2/1001 answered 500"), "POST /employee/v2/1001 answered 500");
    }

    #[test]
    fn control_characters_cannot_reach_the_terminal() {
        assert_eq!(kari().scrub("a\u{1b}[2Jb\nc"), "a\u{fffd}[2Jb c");
    }

    #[test]
    fn json_values_holding_a_known_value_are_masked_whatever_the_paths_say() {
        let out = kari().scrub_json(r#"{"nationalId":"14838512470","n":{"acct":86011117947},"name":"Kari"}"#, &[]);
        assert!(!out.contains("14838512470") && !out.contains("86011117947"), "{out}");
        assert!(out.contains("\"name\":\"Kari\""), "{out}");
    }

    #[test]
    fn a_company_scrubber_hides_whole_values() {
        let s = Scrubber::whole_values(["14838512470"]);
        assert_eq!(s.scrub("id 148 385 124 70"), "id ### ### ### ##");
        assert_eq!(s.scrub("employee 1001"), "employee 1001");
    }

    proptest! {
        #[test]
        fn an_eleven_digit_id_never_survives_any_separators(
            id in "[0-9]{11}",
            seps in proptest::collection::vec(prop_oneof![Just(""), Just(" "), Just("."), Just("-")], 10),
        ) {
            let s = Scrubber::new([id.as_str()], []);
            let mut text = String::from("x=");
            for (i, c) in id.chars().enumerate() {
                text.push(c);
                if i < 10 { text.push_str(seps[i]); }
            }
            let out = s.scrub(&text);
            prop_assert!(!digits_of(&out).contains(&id[6..]), "{} -> {}", text, out);
        }
    }
}
