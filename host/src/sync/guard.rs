//! Writes stay within the employee: every planned operation is checked
//! before anything is sent, whatever the connector claims.
//!
//! Rules: a plan carries writes only, to paths the executor would accept, and a DELETE method only with the
//! delete kind (and back); no operation's path may name a target record
//! known to belong to another employee; an update or delete must address
//! the target record matched to this employee (or a sub-resource under
//! it), or, for an update of a record that APIs address by body (a
//! 24SevenOffice absence: `POST /absence/v2` with `empId`), name it in
//! its body's identifying fields; a create or update may not carry another
//! employee's id in its identifying fields; a delete needs the connector's `delete` capability and the
//! integration's `allow_deletes`. A refused plan fails that employee with
//! the reason and nothing of it is sent.

use super::read::segments;
use crate::runtime::types::{HttpMethod, OperationKind, PlannedOperation};

/// Top-level body keys that carry a record's identity (compared with
/// `_`, `-` removed and lowercased).
const ID_KEYS: &[&str] = &["id", "empid", "employeeid", "targetid", "uuid", "personid"];

/// The identifying fields (`ID_KEYS`) at the top of a JSON object body,
/// with their values as text.
fn body_ids(op: &PlannedOperation) -> Vec<(String, String)> {
    let Some(body) = &op.request.body else {
        return Vec::new();
    };
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(body) else {
        return Vec::new();
    };
    map.into_iter()
        .filter(|(k, _)| {
            let normal: String = k.chars().filter(|c| !matches!(c, '_' | '-')).collect::<String>().to_lowercase();
            ID_KEYS.contains(&normal.as_str())
        })
        .filter_map(|(k, v)| match v {
            serde_json::Value::String(s) => Some((k, s)),
            serde_json::Value::Number(n) => Some((k, n.to_string())),
            _ => None,
        })
        .collect()
}

/// What the guard knows about one employee's writes.
pub struct WriteScope<'a> {
    /// The target id matched to this employee, if any.
    pub own: Option<&'a str>,
    /// Whether a target id belongs to another employee.
    pub belongs_to_other: &'a dyn Fn(&str) -> bool,
    /// Whether deletes are allowed (capability and configuration).
    pub deletes_allowed: bool,
}

fn shown(op: &PlannedOperation) -> String {
    format!("{} {}", op.request.method.as_str(), op.request.path.escape_debug())
}

impl WriteScope<'_> {
    /// Check one operation; the error says why it is refused.
    pub fn check(&self, op: &PlannedOperation) -> Result<(), String> {
        let what = shown(op);
        if op.request.method == HttpMethod::Get {
            return Err(format!("refused {what}: a plan carries writes only"));
        }
        crate::http::origin::check_path(&op.request.path).map_err(|e| e.to_string())?;
        if (op.request.method == HttpMethod::Delete) != (op.kind == OperationKind::Delete) {
            return Err(format!("refused {what}: the DELETE method and the delete kind go together"));
        }
        let segs = segments(&op.request.path);
        if let Some(other) = segs.iter().find(|s| Some(s.as_str()) != self.own && (self.belongs_to_other)(s)) {
            return Err(format!(
                "refused {what}: it addresses target record {other}, which belongs to another employee"
            ));
        }
        match op.kind {
            OperationKind::Update | OperationKind::Delete => {
                let Some(own) = self.own else {
                    return Err(format!(
                        "refused {what}: an update or delete needs a matched target record, and none is"
                    ));
                };
                let ids = body_ids(op);
                self.check_body_ids(&ids, &what)?;
                let by_body = op.kind == OperationKind::Update && ids.iter().any(|(_, id)| id == own);
                if !segs.iter().any(|s| s == own) && !by_body {
                    return Err(format!(
                        "refused {what}: an update or delete must address this employee's target record {own}"
                    ));
                }
            }
            OperationKind::Create => self.check_body_ids(&body_ids(op), &what)?,
        }
        if op.kind == OperationKind::Delete && !self.deletes_allowed {
            return Err(format!(
                "refused {what}: deletes need the connector's `delete` capability and `allow_deletes = true` on the integration"
            ));
        }
        Ok(())
    }

    /// Refuse a body whose identifying fields (`ids`, from [`body_ids`])
    /// name another employee's target record.
    fn check_body_ids(&self, ids: &[(String, String)], what: &str) -> Result<(), String> {
        for (key, value) in ids {
            if Some(value.as_str()) != self.own && (self.belongs_to_other)(value) {
                return Err(format!(
                    "refused {what}: its `{}` is {value}, the id of another employee's target record",
                    key.escape_debug()
                ));
            }
        }
        Ok(())
    }

    /// Check every operation of a plan.
    pub fn check_all(&self, ops: &[PlannedOperation]) -> Result<(), String> {
        ops.iter().try_for_each(|op| self.check(op))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::types::HttpRequest;

    fn op(kind: OperationKind, method: HttpMethod, path: &str, body: Option<&str>) -> PlannedOperation {
        PlannedOperation {
            kind,
            record_kind: "employee".into(),
            description: String::new(),
            request: HttpRequest {
                method,
                path: path.into(),
                query: vec![],
                headers: vec![],
                body: body.map(str::to_owned),
            },
            sensitive_paths: vec![],
            created_id: None,
        }
    }

    fn scope<'a>(own: Option<&'a str>, others: &'a dyn Fn(&str) -> bool) -> WriteScope<'a> {
        WriteScope { own, belongs_to_other: others, deletes_allowed: false }
    }

    #[test]
    fn an_update_of_another_employees_record_is_refused() {
        let others = |id: &str| id == "B";
        let s = scope(Some("A"), &others);
        assert!(s.check(&op(OperationKind::Update, HttpMethod::Put, "/employees/A", None)).is_ok());
        assert!(s.check(&op(OperationKind::Create, HttpMethod::Post, "/employees/A/salary", None)).is_ok());
        let err = s.check(&op(OperationKind::Update, HttpMethod::Put, "/employees/B", None)).expect_err("B");
        assert!(err.contains("belongs to another employee"), "{err}");
        let err = s.check(&op(OperationKind::Update, HttpMethod::Put, "/employees/C", None)).expect_err("not own");
        assert!(err.contains("this employee's target record A"), "{err}");
    }

    #[test]
    fn deletes_need_both_the_capability_and_the_integration() {
        let others = |_: &str| false;
        let err = scope(Some("A"), &others).check(&op(OperationKind::Delete, HttpMethod::Delete, "/employees/A", None));
        assert!(err.expect_err("refused").contains("allow_deletes"));
        let allowed = WriteScope { deletes_allowed: true, ..scope(Some("A"), &others) };
        assert!(allowed.check(&op(OperationKind::Delete, HttpMethod::Delete, "/employees/A", None)).is_ok());
        let err = allowed.check(&op(OperationKind::Update, HttpMethod::Delete, "/employees/A", None));
        assert!(err.expect_err("kind mismatch").contains("go together"));
    }

    #[test]
    fn a_create_carrying_another_employees_id_is_refused() {
        let others = |id: &str| id == "1002";
        let s = scope(None, &others);
        let body = r#"{"empId":"1002","vacation_days":"25"}"#;
        let err = s.check(&op(OperationKind::Create, HttpMethod::Post, "/employee/v2", Some(body)));
        assert!(err.expect_err("refused").contains("empId"));
        let mine = r#"{"empId":"1001","vacation_days":"1002"}"#;
        assert!(s.check(&op(OperationKind::Create, HttpMethod::Post, "/employee/v2", Some(mine))).is_ok());
    }

    #[test]
    fn an_update_addressed_by_body_must_name_this_employee_and_no_other() {
        let others = |id: &str| id == "1002";
        let s = scope(Some("1001"), &others);
        let update = |body: &str| op(OperationKind::Update, HttpMethod::Post, "/absence/v2", Some(body));
        assert!(s.check(&update(r#"{"empId":"1001","serialNo":"4","approved":"2"}"#)).is_ok());
        let err = s.check(&update(r#"{"empId":"1002","serialNo":"4"}"#)).expect_err("another's");
        assert!(err.contains("another employee"), "{err}");
        let err = s.check(&update(r#"{"serialNo":"4"}"#)).expect_err("names no one");
        assert!(err.contains("this employee's target record 1001"), "{err}");
        let none = scope(None, &others);
        assert!(none.check(&update(r#"{"empId":"1001"}"#)).is_err(), "an update needs a matched record");
        let delete = op(OperationKind::Delete, HttpMethod::Delete, "/absence/v2", Some(r#"{"empId":"1001"}"#));
        let allowed = WriteScope { deletes_allowed: true, ..scope(Some("1001"), &others) };
        assert!(allowed.check(&delete).is_err(), "a delete still addresses its record by path");
    }

    #[test]
    fn an_encoded_path_is_checked_decoded() {
        let others = |id: &str| id == "B/x";
        let s = scope(Some("A"), &others);
        assert!(s.check(&op(OperationKind::Update, HttpMethod::Put, "/employees/A/B%2Fx", None)).is_err());
    }
}
