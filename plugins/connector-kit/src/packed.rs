//! The packed form of a target record's fields, as the contract carries
//! them (`target-record.fields` in `wit/connector.wit`): one JSON object
//! whose every value is a JSON string, in the connector's order, e.g.
//! `{"firstname":"Kari","internationalID.ID":"10915596784"}`, plus the
//! names of the sensitive fields in a list beside it.
//!
//! One text per record instead of a `string` per field name and value:
//! crossing the component boundary costs per string, and a record has tens
//! of fields. Both sides use this module: connectors through the kit's
//! record conversions, the host where it reads what a connector learnt.
//!
//! Names are compared as given (no normalisation); a name that appears
//! twice keeps both entries in order, and [`crate::fields::Record::get`]
//! finds the first.

use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::fmt;

/// Why a packed text is not a record's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackError(pub String);

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the record's fields are not a JSON object of string values: {}", self.0)
    }
}

impl std::error::Error for PackError {}

/// `fields` as one JSON object, in order.
pub fn pack<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = Vec::with_capacity(256);
    out.push(b'{');
    for (i, (name, value)) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        // Writing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut out, name);
        out.push(b':');
        let _ = serde_json::to_writer(&mut out, value);
    }
    out.push(b'}');
    // serde_json writes UTF-8 only; the fallback is never taken.
    String::from_utf8(out).unwrap_or_else(|_| "{}".to_owned())
}

/// The fields of a packed text, in order: `(name, value)` pairs.
pub fn unpack(packed: &str) -> Result<Vec<(String, String)>, PackError> {
    let mut de = serde_json::Deserializer::from_str(packed);
    let pairs = de.deserialize_map(Pairs).map_err(|e| PackError(e.to_string()))?;
    de.end().map_err(|e| PackError(e.to_string()))?;
    Ok(pairs)
}

/// Whether `packed` is a record's fields, checked without building them
/// (no allocation for names and values without escapes).
pub fn check(packed: &str) -> Result<(), PackError> {
    let mut de = serde_json::Deserializer::from_str(packed);
    de.deserialize_map(Checked).map_err(|e| PackError(e.to_string()))?;
    de.end().map_err(|e| PackError(e.to_string()))
}

/// Collects a JSON object of strings into ordered pairs.
struct Pairs;

impl<'de> Visitor<'de> for Pairs {
    type Value = Vec<(String, String)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object whose values are strings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(16));
        while let Some(pair) = map.next_entry::<String, String>()? {
            pairs.push(pair);
        }
        Ok(pairs)
    }
}

/// Walks a JSON object of strings and keeps nothing.
struct Checked;

impl<'de> Visitor<'de> for Checked {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object whose values are strings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<AnyStr, AnyStr>()?.is_some() {}
        Ok(())
    }
}

/// A JSON string, not kept.
struct AnyStr;

impl<'de> de::Deserialize<'de> for AnyStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(AnyStrVisitor)
    }
}

struct AnyStrVisitor;

impl<'de> Visitor<'de> for AnyStrVisitor {
    type Value = AnyStr;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<AnyStr, E> {
        Ok(AnyStr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any names and values, control characters, quotes and
        /// non-ASCII included, come back as they went in, in order.
        #[test]
        fn unpack_gives_back_what_pack_was_given(fields in prop::collection::vec((".*", ".*"), 0..20)) {
            let packed = pack(fields.iter().map(|(n, v)| (n.as_str(), v.as_str())));
            prop_assert!(check(&packed).is_ok());
            prop_assert_eq!(unpack(&packed), Ok(fields));
        }
    }

    #[test]
    fn the_packed_text_is_plain_json_in_the_given_order() {
        let packed = pack([("zipcode", "0155"), ("city", "Oslo \"sentrum\""), ("a.b", "")]);
        assert_eq!(packed, r#"{"zipcode":"0155","city":"Oslo \"sentrum\"","a.b":""}"#);
        assert_eq!(pack([]), "{}");
    }

    #[test]
    fn anything_but_an_object_of_strings_is_refused_with_the_reason() {
        for bad in [r#"["a"]"#, r#"{"a":1}"#, r#"{"a":null}"#, r#"{"a":{"b":"c"}}"#, r#"{"a":"b"} x"#, "", "{"] {
            let why = unpack(bad).expect_err(bad);
            assert!(why.to_string().starts_with("the record's fields are not a JSON object"), "{why}");
            assert!(check(bad).is_err(), "check agrees on {bad}");
        }
    }
}
