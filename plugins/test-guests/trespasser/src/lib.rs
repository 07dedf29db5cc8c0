//! A connector that tries to read and write outside its own employee, for
//! the host's write-guard tests (as `paybridge_components::TEST_GUEST_TRESPASSER`).
//!
//! Mapping is normal (test-guest kit); `diff` is normal but never empty (an
//! unchanged `name` is reported as a change), so `plan` is always called.
//! The integration setting `attack` picks the trespass:
//!
//! - "cross-write": `PUT /employees/<setting victim>` (update) then
//!   `DELETE /employees/<setting victim2>` (delete);
//! - "delete-own": `DELETE /employees/<current target-id>` (delete); with
//!   no current employee it plans normally;
//! - "escape": `PUT /%2e%2e/%2e%2e/admin` (update);
//! - "create-other": `POST /employees` (create) with the body
//!   `{"id": <setting victim>, "name": <first name>}`;
//! - "read-flood": `read-start` asks for 100 000 `GET /r/<i>` (i from 0)
//!   and `read-next` answers no employees and nothing more;
//! - "read-crawl": `read-start` asks for `GET /r/0`, and `read-next`
//!   answers each `/r/<i>` with nothing learnt and `GET /r/<i+1>` to read
//!   next, for ever;
//! - "escape-read": `read-start` asks for one `GET /%2e%2e/%2e%2e/admin`;
//! - "hoard-links": `reconcile` answers a record link whose target key
//!   holds the employee's national id (`kept-<national id>`);
//! - "link-flood": `reconcile` answers 10 000 record links.
//! - "company-flood": `read-next` reads normally and answers 5 000 company
//!   records besides;
//! - "company-note" (not a trespass: it shows what reaches `reconcile`):
//!   `read-next` reads normally and answers one company record, kind
//!   "note", key "company", field `note` = "learnt in the read"; `plan`
//!   plans normally with that note added to each write's body as `note`
//!   (none when `reconcile` got no such record).
//! - "import-foreign": `import-employees` answers the normal update of
//!   each target employee (`privatePhone` = "+47 999 00 <its number>"),
//!   claiming each is for employee number `victim` and HR id `victim2`;
//!   the target employee numbered `victim` gets an HR field that does not
//!   exist (`custom.salary`) instead, and the one numbered 9999 is
//!   answered under target id "ghost" (never read);
//! - "import-flood": `import-employees` answers two updates per target
//!   employee.
//!
//! It declares both directions (it imports), so the import direction's
//! host checks meet it.
//! Anything else reads and plans normally: `GET /employees`, then
//! `POST /employees` or `PUT /employees/<target-id>` with the body
//! `{"id": <hr id>, "name": <first name>}`. Writes carry that body except
//! the deletes, which have none. Its manifest declares no capabilities (in
//! particular not "delete"). A missing `victim`/`victim2` is empty.

// The WIT bindings are generated at the crate root without doc comments.
#![allow(missing_docs)]
// The generated canonical-ABI glue takes many arguments.
#![allow(clippy::too_many_arguments)]

wit_bindgen::generate!({ path: "../../../wit", world: "connector" });

use test_guest_kit::setting;

/// The trespassing connector.
struct Trespasser;

test_guest_kit::connector!(Trespasser);

/// The trespass the integration asks for (setting `attack`), or "".
fn attack(ctx: &Context) -> &str {
    setting(&ctx.settings, "attack").unwrap_or_default()
}

/// A company record of kind "note" keyed `key` whose field `note` is `text`.
fn note(key: &str, text: &str) -> TargetRecord {
    TargetRecord {
        kind: "note".into(),
        key: Some(key.into()),
        fields: test_guest_kit::json_object(&[("note", text)]),
        sensitive: Vec::new(),
    }
}

/// An integration setting, or "" when it is missing.
fn victim<'a>(ctx: &'a Context, key: &str) -> &'a str {
    setting(&ctx.settings, key).unwrap_or_default()
}

/// One HR field of an import.
fn field(name: &str, value: &str) -> Field {
    Field { name: name.into(), value: value.into(), sensitive: false }
}

impl Connector for Trespasser {
    const NAME: &'static str = "trespasser";

    fn describe() -> Manifest {
        Manifest {
            directions: vec![Direction::HrToTarget, Direction::TargetToHr],
            ..normal::manifest(Self::NAME, Self::auth())
        }
    }

    fn import(ctx: Context, current: Vec<TargetEmployee>) -> Vec<HrUpdate> {
        if attack(&ctx) == "import-flood" {
            let one = |t: &TargetEmployee| HrUpdate {
                target_id: t.target_id.clone(),
                hr_id: None,
                employee_number: None,
                fields: vec![field("privatePhone", "+47 999 99 999")],
            };
            return current.iter().flat_map(|t| [one(t), one(t)]).collect();
        }
        if attack(&ctx) != "import-foreign" {
            return Vec::new();
        }
        let (victim, victim2) = (victim(&ctx, "victim"), victim(&ctx, "victim2"));
        current
            .iter()
            .map(|t| {
                let number = t.employee_number.clone().unwrap_or_default();
                let fields = if number == victim {
                    vec![field("custom.salary", "1000000")]
                } else {
                    vec![field("privatePhone", &format!("+47 999 00 {number}"))]
                };
                let target_id = if number == "9999" { "ghost".to_owned() } else { t.target_id.clone() };
                HrUpdate {
                    target_id,
                    hr_id: Some(victim2.to_owned()),
                    employee_number: Some(victim.to_owned()),
                    fields,
                }
            })
            .collect()
    }

    fn read_start(ctx: Context) -> Vec<HttpRequest> {
        match attack(&ctx) {
            "read-flood" => (0..100_000).map(|i| normal::request(HttpMethod::Get, &format!("/r/{i}"), None)).collect(),
            "read-crawl" => vec![normal::request(HttpMethod::Get, "/r/0", None)],
            "escape-read" => vec![normal::request(HttpMethod::Get, "/%2e%2e/%2e%2e/admin", None)],
            _ => normal::read_start(),
        }
    }

    fn read_next(ctx: Context, exchanges: Vec<Exchange>) -> Result<ReadStep, ConnectorError> {
        match attack(&ctx) {
            "read-flood" => Ok(ReadStep { learnt: Vec::new(), company: Vec::new(), more: Vec::new() }),
            "read-crawl" => {
                let next = |x: &Exchange| {
                    let i: u64 = x.request.path.strip_prefix("/r/")?.parse().ok()?;
                    Some(normal::request(HttpMethod::Get, &format!("/r/{}", i + 1), None))
                };
                Ok(ReadStep {
                    learnt: Vec::new(),
                    company: Vec::new(),
                    more: exchanges.iter().filter_map(next).collect(),
                })
            }
            "company-flood" => {
                let mut step = normal::read_next(&exchanges)?;
                step.company = (0..5_000).map(|i| note(&format!("n{i}"), "flood")).collect();
                Ok(step)
            }
            "company-note" => {
                let mut step = normal::read_next(&exchanges)?;
                step.company = vec![note("company", "learnt in the read")];
                Ok(step)
            }
            _ => normal::read_next(&exchanges),
        }
    }

    fn plan_with_company(
        ctx: Context,
        company: &[TargetRecord],
        desired: MappedEmployee,
        current: Option<TargetEmployee>,
        changes: Vec<FieldChange>,
    ) -> Result<Vec<PlannedOperation>, ConnectorError> {
        let mut ops = Self::plan(ctx.clone(), desired, current, changes)?;
        let learnt = company
            .iter()
            .filter(|r| r.kind == "note" && r.key.as_deref() == Some("company"))
            .find_map(|r| test_guest_kit::unpack(&r.fields).into_iter().find(|(n, _)| n == "note").map(|(_, v)| v));
        if let (true, Some(learnt)) = (attack(&ctx) == "company-note", learnt) {
            for op in &mut ops {
                if let Some(body) = op.request.body.take() {
                    let mut pairs = test_guest_kit::unpack(&body);
                    pairs.push(("note".into(), learnt.clone()));
                    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
                    op.request.body = Some(test_guest_kit::json_object(&pairs));
                }
            }
        }
        Ok(ops)
    }

    fn diff(_: Context, desired: Vec<TargetRecord>, current: Option<TargetEmployee>) -> Vec<FieldChange> {
        let mut changes = normal::diff(&desired, current.as_ref());
        if changes.is_empty() {
            let name =
                |fields: &str| test_guest_kit::unpack(fields).into_iter().find(|(n, _)| n == "name").map(|(_, v)| v);
            changes.push(FieldChange {
                record_kind: "employee".into(),
                record_key: None,
                field: "name".into(),
                before: current.as_ref().and_then(|c| c.records.iter().find_map(|r| name(&r.fields))),
                after: desired.iter().find_map(|r| name(&r.fields)),
                sensitive: false,
            });
        }
        changes
    }

    fn plan(
        ctx: Context,
        desired: MappedEmployee,
        current: Option<TargetEmployee>,
        changes: Vec<FieldChange>,
    ) -> Result<Vec<PlannedOperation>, ConnectorError> {
        use HttpMethod::{Delete, Post, Put};
        use OperationKind::{Create, Update};
        let body = || Some(normal::body(&desired));
        let op = |kind, method, path: String, body| {
            normal::operation(kind, format!("{} {path}", attack(&ctx)), normal::request(method, &path, body))
        };
        let ops = match (attack(&ctx), &current) {
            ("cross-write", _) => vec![
                op(Update, Put, format!("/employees/{}", victim(&ctx, "victim")), body()),
                op(OperationKind::Delete, Delete, format!("/employees/{}", victim(&ctx, "victim2")), None),
            ],
            ("delete-own", Some(c)) => {
                vec![op(OperationKind::Delete, Delete, format!("/employees/{}", c.target_id), None)]
            }
            ("escape", _) => vec![op(Update, Put, "/%2e%2e/%2e%2e/admin".into(), body())],
            ("create-other", _) => {
                let other = test_guest_kit::json_object(&[
                    ("id", victim(&ctx, "victim")),
                    ("name", &normal::field(&desired, "name")),
                ]);
                vec![op(Create, Post, "/employees".into(), Some(other))]
            }
            _ => normal::plan(&desired, current.as_ref(), &changes),
        };
        Ok(ops)
    }

    fn links(ctx: Context, item: &ReconcileItem) -> Vec<RecordLink> {
        let link = |hr_key: &str, target_key: &str| RecordLink {
            kind: "employment".into(),
            hr_key: hr_key.into(),
            target_key: target_key.into(),
        };
        match attack(&ctx) {
            "hoard-links" => {
                let ssn = item.desired.national_id.clone().unwrap_or_default();
                vec![link(&item.desired.hr_id, &format!("kept-{ssn}"))]
            }
            "link-flood" => (0..10_000).map(|i| link(&format!("e{i}"), &format!("t{i}"))).collect(),
            _ => item.links.clone(),
        }
    }
}
