//! Target records as flat, ordered field lists, and their JSON form.
//!
//! Connectors name nested JSON members with dotted paths
//! (`internationalID.ID`), so a record stays a flat list the host can diff,
//! mask and display, while the body sent to the target is nested JSON.

use serde_json::{Map, Value};

/// One field of a target record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Dotted path, e.g. `internationalID.ID`.
    pub name: String,
    /// The value as text.
    pub value: String,
    /// National ids, bank numbers and salaries are sensitive.
    pub sensitive: bool,
}

/// One record of the target's shape, e.g. an employee or one employment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// e.g. "employee", "employment".
    pub kind: String,
    /// Identifies the record among those of its kind, if there can be several.
    pub key: Option<String>,
    /// The fields, in the order the connector declares them.
    pub fields: Vec<Field>,
}

impl Record {
    /// An empty record of `kind`.
    pub fn new(kind: &str, key: Option<String>) -> Self {
        Self { kind: kind.to_owned(), key, fields: Vec::new() }
    }

    /// Append a non-sensitive field.
    pub fn set(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        self.push(name, value.into(), false)
    }

    /// Append a sensitive field.
    pub fn set_sensitive(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        self.push(name, value.into(), true)
    }

    fn push(&mut self, name: &str, value: String, sensitive: bool) -> &mut Self {
        self.fields.push(Field { name: name.to_owned(), value, sensitive });
        self
    }

    /// The value of field `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|f| f.name == name).map(|f| f.value.as_str())
    }

    /// The record as a nested JSON object, every value a JSON string.
    pub fn to_json(&self) -> Value {
        let mut root = Map::new();
        for field in &self.fields {
            insert_dotted(&mut root, &field.name, Value::String(field.value.clone()));
        }
        Value::Object(root)
    }

    /// The fields in the contract's packed form ([`crate::packed`]): the
    /// JSON object text and the names of the sensitive fields.
    pub fn packed(&self) -> (String, Vec<String>) {
        (crate::packed::pack(self.fields.iter().map(|f| (f.name.as_str(), f.value.as_str()))), self.sensitive_paths())
    }

    /// A record from the contract's packed form: `fields` a JSON object of
    /// strings, `sensitive` the names whose values are sensitive.
    pub fn from_packed(
        kind: &str,
        key: Option<String>,
        fields: &str,
        sensitive: &[String],
    ) -> Result<Self, crate::packed::PackError> {
        let fields = crate::packed::unpack(fields)?
            .into_iter()
            .map(|(name, value)| {
                let sensitive = sensitive.contains(&name);
                Field { name, value, sensitive }
            })
            .collect();
        Ok(Self { kind: kind.to_owned(), key, fields })
    }

    /// Dotted paths of the sensitive fields, for redaction by the host.
    pub fn sensitive_paths(&self) -> Vec<String> {
        self.fields.iter().filter(|f| f.sensitive).map(|f| f.name.clone()).collect()
    }
}

/// Put `value` at the dotted `path` of `root`, making the objects on the
/// way (a non-object in the way is replaced by one).
pub fn insert_dotted(root: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            root.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let child = root.entry(head.to_owned()).or_insert_with(|| Value::Object(Map::new()));
            if !child.is_object() {
                *child = Value::Object(Map::new());
            }
            if let Value::Object(map) = child {
                insert_dotted(map, rest, value);
            }
        }
    }
}

/// Flatten a JSON object into dotted paths with text values. Strings stay
/// as they are, numbers and booleans become their JSON text, null becomes
/// "" and arrays are skipped (they are separate records).
pub fn flatten(value: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    flatten_into("", value, &mut out);
    out
}

fn flatten_into(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten_into(&path, v, out);
            }
        }
        Value::Array(_) => {}
        Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        Value::Null => out.push((prefix.to_owned(), String::new())),
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_fields_become_nested_json_and_flatten_back() {
        let mut r = Record::new("employee", None);
        r.set("empId", "7").set("internationalID.type", "socialSecurityNumber");
        r.set_sensitive("internationalID.ID", "13097248022");
        let json = r.to_json();
        assert_eq!(json["internationalID"]["ID"], "13097248022");
        let flat = flatten(&json);
        assert!(flat.contains(&("internationalID.type".into(), "socialSecurityNumber".into())));
        assert_eq!(r.sensitive_paths(), vec!["internationalID.ID".to_owned()]);
    }
}
