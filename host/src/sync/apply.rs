//! The journalled writer: sends one employee's planned writes in order,
//! each recorded (scrubbed) in the journal before it is sent and settled
//! after.
//!
//! Invariants: a write is resent as it is only when the target applies it
//! once however often it arrives (PUT, DELETE, or an update of a connector
//! declaring `idempotent-updates`); any other write whose answer is lost
//! (5xx, timeout, cut connection) is settled `unknown` and reported as
//! [`Applied::Unknown`], so the caller re-reads before planning again.

use super::context::RunContext;
use super::run::SyncError;
use super::work::Work;
use crate::http::Resend;
use crate::privacy::Scrubber;
use crate::runtime::types::{HttpMethod, OperationKind, PlannedOperation};
use crate::store::journal::PendingWrite;
use std::sync::atomic::Ordering;

/// How a plan's writes ended.
#[derive(Debug)]
pub enum Applied {
    /// Every write answered 2xx.
    Done,
    /// A write was refused; the reason (scrubbed).
    Failed(String),
    /// A create answered 409: it exists already.
    Conflict(String),
    /// A write was sent and whether the target applied it is unknown.
    Unknown(String),
}

/// What a target said in an error body, for a person: RFC 7807 problem
/// details as "title: detail", a `{message}` body as its message, anything
/// else as a short excerpt. Personal values and long digit runs are masked.
pub fn excerpt(body: &str, scrubber: &Scrubber) -> String {
    let text = match serde_json::from_str::<serde_json::Value>(body) {
        Ok(v) => {
            let field = |k: &str| v.get(k).and_then(|x| x.as_str()).filter(|x| !x.is_empty());
            let parts: Vec<&str> = [field("title"), field("detail"), field("message")].into_iter().flatten().collect();
            if parts.is_empty() { body.to_owned() } else { parts.join(": ") }
        }
        Err(_) => body.to_owned(),
    };
    let text: String = text.chars().take(200).collect();
    scrubber.scrub_all(text.trim())
}

fn operation_name(kind: OperationKind) -> &'static str {
    match kind {
        OperationKind::Create => "create",
        OperationKind::Update => "update",
        OperationKind::Delete => "delete",
    }
}

/// How `op` may be resent.
fn resend_of(rc: &RunContext, op: &PlannedOperation) -> Resend {
    let idempotent_update = op.kind == OperationKind::Update
        && rc.connector.manifest.capabilities.iter().any(|c| c == "idempotent-updates");
    if matches!(op.request.method, HttpMethod::Put | HttpMethod::Delete) || idempotent_update {
        Resend::Safe
    } else {
        Resend::OnlyIfUnapplied
    }
}

/// The new target id in a create's answer, at the member `path` names
/// (dotted), if it is a plausible id: a non-empty string or integer of at
/// most 200 characters without control characters.
pub fn created_id(body: &str, path: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let found = path.split('.').try_fold(&value, |v, member| v.get(member))?;
    let id = match found {
        serde_json::Value::String(s) => s.trim().to_owned(),
        serde_json::Value::Number(n) if n.is_u64() || n.is_i64() => n.to_string(),
        _ => return None,
    };
    (!id.is_empty() && id.len() <= 200 && !id.chars().any(char::is_control)).then_some(id)
}

/// Link `w` to the employee a create made, when the connector says where
/// the answer names it and no other HR employee holds that id.
fn link_created(rc: &RunContext, w: &mut Work, op: &PlannedOperation, body: &str) -> Result<(), SyncError> {
    let Some(id) =
        op.created_id.as_deref().filter(|_| op.kind == OperationKind::Create).and_then(|p| created_id(body, p))
    else {
        return Ok(());
    };
    if (rc.taken_by_other(&w.employee.id))(&id) {
        tracing::warn!(integration = %rc.integration.name, "a create answered a target id already linked to another HR employee; not linked");
        return Ok(());
    }
    rc.connect(w, &id, "created")?;
    w.link = rc.store.link(&rc.integration.name, &w.employee.id)?;
    Ok(())
}

/// Send `ops` for `w` in order, journalling each; stop at the first that
/// does not succeed. A create whose answer names the new id links `w` to
/// it at once.
pub async fn apply(rc: &RunContext, w: &mut Work, ops: &[PlannedOperation]) -> Result<Applied, SyncError> {
    for op in ops {
        let method = op.request.method.as_str();
        let path = w.scrubber.scrub(&op.request.path);
        let body = op.request.body.as_deref().map(|b| w.scrubber.scrub_json(b, &op.sensitive_paths));
        let entry = rc.store.journal_pending(&PendingWrite {
            run_id: rc.run_id,
            integration: &rc.integration.name,
            hr_id: &w.employee.id,
            operation: operation_name(op.kind),
            method,
            path: &path,
            body_redacted: body.as_deref(),
        })?;
        let sent = rc.executor.send(&(&op.request).into(), resend_of(rc, op)).await;
        let writes = rc.executor.counters.writes.load(Ordering::Relaxed) - rc.writes_before;
        if rc.options.halt_after_writes.is_some_and(|limit| writes >= limit) {
            return Err(SyncError::Halted(writes));
        }
        match sent {
            Ok(r) if (200..300).contains(&r.status) => {
                rc.store.journal_settle(entry, true, Some(r.status), "")?;
                link_created(rc, w, op, &r.body)?;
            }
            Ok(r) if r.status == 409 && op.kind == OperationKind::Create => {
                let detail = format!("{method} {path} answered 409: it exists already");
                rc.store.journal_settle(entry, false, Some(409), &detail)?;
                return Ok(Applied::Conflict(detail));
            }
            Ok(r) if r.status >= 500 => {
                let detail = format!(
                    "{method} {path} answered {}: the target may or may not have applied it ({})",
                    r.status,
                    excerpt(&r.body, &w.scrubber)
                );
                rc.store.journal_settle_unknown(entry, Some(r.status), &detail)?;
                return Ok(Applied::Unknown(detail));
            }
            Ok(r) => {
                let detail = format!("{method} {path} answered {}: {}", r.status, excerpt(&r.body, &w.scrubber));
                rc.store.journal_settle(entry, false, Some(r.status), &detail)?;
                return Ok(Applied::Failed(detail));
            }
            Err(e) if e.maybe_applied() => {
                let detail = w.scrubber.scrub_all(&format!("{e}; the target may or may not have applied it"));
                rc.store.journal_settle_unknown(entry, None, &detail)?;
                return Ok(Applied::Unknown(detail));
            }
            Err(e) => {
                let detail = w.scrubber.scrub_all(&e.to_string());
                rc.store.journal_settle(entry, false, None, &detail)?;
                return Ok(Applied::Failed(detail));
            }
        }
    }
    Ok(Applied::Done)
}

#[cfg(test)]
mod tests {
    use super::created_id;

    #[test]
    fn the_created_id_is_read_from_the_named_member_only_when_plausible() {
        assert_eq!(created_id(r#"{"employeeId":"e-1"}"#, "employeeId").as_deref(), Some("e-1"));
        assert_eq!(created_id(r#"{"data":{"id":42}}"#, "data.id").as_deref(), Some("42"));
        assert_eq!(created_id(r#"{"employeeId":""}"#, "employeeId"), None);
        assert_eq!(created_id(r#"{"employeeId":{"x":1}}"#, "employeeId"), None);
        assert_eq!(created_id(r#"{"employeeId":"a\nb"}"#, "employeeId"), None);
        assert_eq!(created_id("not json", "employeeId"), None);
        assert_eq!(created_id(r#"{"other":"e-1"}"#, "employeeId"), None);
    }
}
