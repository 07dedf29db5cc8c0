//! An absence run (the context names a period): what an employee's
//! absences should be in 24SevenOffice, how they pair with what it holds,
//! and the writes that make it so. The rules of one absence are in
//! [`crate::absences`]; this module applies them to a whole employee.
//!
//! - **Map**: every leave of the employee that overlaps the period, whole
//!   (clipping would split one leave of absence into several), becomes an
//!   `absence` record keyed by its HR id; the children those leaves name
//!   become `child` records keyed by their HR id. A leave type without a
//!   code refuses the employee with the type named. The employee's own
//!   fields are not touched: an absence run writes absences only.
//! - **Align** (with the company's absence types, learnt by the read):
//!   each HR child pairs with a child 24SevenOffice holds, by the stored
//!   link or else by first name and birth date; each absence is fitted to
//!   its type ([`crate::absences::fit`]). A sick-child absence whose child
//!   is not registered yet waits: the child is registered in this pass
//!   and the absence planned in the next (after the verifying read). An
//!   absence that cannot go (a code the company lacks, a grade its type
//!   does not take) is kept with its reason, and the plan refuses the
//!   employee naming it. Links are kept for children (HR id → `childId`)
//!   and for absences (HR leave id → `serialNo`).
//! - **Withdraw**: an absence this integration exported (it has a link)
//!   whose leave is gone from HR gets `approved` 2 (rejected): the API
//!   has no DELETE. Absences entered by hand (no `externalId` of ours)
//!   are never touched.
//! - **Plan**: `POST /child/v2` for a new child, then `POST /absence/v2`
//!   per changed absence: without `serialNo` to add, with the target's
//!   `serialNo` to update.

use crate::absences::{self, CompanyType, Fitted};
use crate::types::*;
use connector_kit::fields::Record;
use serde_json::{Map, Value};

/// Record kind of a child.
pub const CHILD: &str = "child";
/// The field an absence that cannot go carries its reason in (never sent).
const REFUSED: &str = "refused";

/// Whether a leave overlaps the period (an open leave runs for ever).
fn overlaps(leave: &Absence, period: &Period) -> bool {
    leave.start_date.as_str() <= period.end.as_str()
        && leave.end_date.as_deref().is_none_or(|end| end >= period.start.as_str())
}

/// The absences and the children they name, as records of one employee.
pub fn map_employee(ctx: &Context, e: &Employee, emp_id: &str) -> Result<MappedEmployee, Vec<ValidationIssue>> {
    let issue = |field: &str, code: &str, message: String| ValidationIssue {
        employee_id: e.id.clone(),
        field: field.into(),
        code: code.into(),
        message,
    };
    let overrides = absences::code_overrides(ctx).map_err(|why| vec![issue("absences", "invalid", why)])?;
    let mut records = Vec::new();
    let mut issues = Vec::new();
    let mut children: Vec<&str> = Vec::new();
    for leave in e.absences.iter().filter(|l| ctx.period.as_ref().is_none_or(|p| overlaps(l, p))) {
        let Some(kind) = &leave.absence_type else {
            issues.push(issue("absences", "missing", format!("the leave from {} has no leave type", leave.start_date)));
            continue;
        };
        let code = match absences::code_for(kind, &overrides) {
            Ok(code) => code,
            Err(why) => {
                issues.push(issue("absences", "unsupported", why));
                continue;
            }
        };
        if let Some(record) = absences::absence_record(emp_id, leave, &code) {
            if let Some(child) = leave.child_id.as_deref()
                && !children.contains(&child)
            {
                children.push(child);
            }
            records.push(crate::from_kit(record));
        }
    }
    for child in e.children.iter().filter(|c| children.contains(&c.id.as_str())) {
        let mut record = Record::new(CHILD, Some(child.id.clone()));
        record.set("firstname", child.first_name.as_deref().unwrap_or_default());
        record.set("lastname", child.last_name.as_deref().unwrap_or_default());
        record.set("birthdate", child.birth_date.as_deref().unwrap_or_default());
        records.push(crate::from_kit(record));
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    Ok(MappedEmployee {
        hr_id: e.id.clone(),
        employee_number: Some(emp_id.to_owned()),
        national_id: e.ssn.clone(),
        records,
    })
}

fn link(kind: &str, hr_key: &str, target_key: &str) -> RecordLink {
    RecordLink { kind: kind.into(), hr_key: hr_key.into(), target_key: target_key.into() }
}

/// The HR child `want` is among `held` (the target's children): by the
/// stored link, else by first name (any case) and birth date.
fn paired_child<'a>(want: &Record, held: &'a [Record], links: &[RecordLink]) -> Option<&'a Record> {
    let hr_key = want.key.as_deref()?;
    let linked = links.iter().find(|l| l.kind == CHILD && l.hr_key == hr_key);
    if let Some(l) = linked
        && let Some(found) = held.iter().find(|h| h.key.as_deref() == Some(l.target_key.as_str()))
    {
        return Some(found);
    }
    let first = want.get("firstname").unwrap_or_default();
    let birth = want.get("birthdate").unwrap_or_default();
    held.iter().find(|h| {
        !birth.is_empty()
            && h.get("birthdate") == Some(birth)
            && h.get("firstname").unwrap_or_default().eq_ignore_ascii_case(first)
    })
}

/// Fit the desired absences to the company's types and pair the children
/// (see the module docs); the current employee re-keyed so its children
/// carry the HR keys they pair with, and the links that hold now.
pub fn align(
    company: &[TargetRecord],
    desired: &MappedEmployee,
    current: Option<&TargetEmployee>,
    links: &[RecordLink],
) -> crate::Aligned {
    let types: Vec<CompanyType> =
        company.iter().map(crate::to_kit).filter_map(|r| CompanyType::from_record(&r)).collect();
    let wanted: Vec<Record> = desired.records.iter().map(crate::to_kit).collect();
    let mut held: Vec<Record> = current.map(|c| c.records.iter().map(crate::to_kit).collect()).unwrap_or_default();
    let held_children: Vec<Record> = held.iter().filter(|r| r.kind == CHILD).cloned().collect();
    let mut out_links = Vec::new();
    // HR child id -> the target's childId, for the children already there.
    let mut child_ids: Vec<(String, String)> = Vec::new();
    for want in wanted.iter().filter(|r| r.kind == CHILD) {
        if let (Some(hr_key), Some(found)) = (want.key.as_deref(), paired_child(want, &held_children, links))
            && let Some(target_key) = found.key.clone()
        {
            child_ids.push((hr_key.to_owned(), target_key.clone()));
            out_links.push(link(CHILD, hr_key, &target_key));
            if let Some(h) = held.iter_mut().find(|h| h.kind == CHILD && h.key.as_deref() == Some(target_key.as_str()))
            {
                h.key = Some(hr_key.to_owned());
            }
        }
    }
    let mut fitted: Vec<Record> = Vec::new();
    let mut children_needed: Vec<String> = Vec::new();
    for want in wanted.iter().filter(|r| r.kind == absences::KIND) {
        let held_one = held.iter().find(|h| h.kind == absences::KIND && h.key == want.key);
        if want.get("approved") == Some("2") && held_one.is_none() {
            // Cancelled or rejected before it was ever exported: nothing to withdraw.
            continue;
        }
        let code = want.get("absenceType").unwrap_or_default();
        let kind = types.iter().find(|t| t.code == code);
        let child =
            want.get("hrChildId").and_then(|hr| child_ids.iter().find(|(h, _)| h == hr)).map(|(_, t)| t.as_str());
        match absences::fit(want, kind, child) {
            Ok(Fitted::Ready(record)) => fitted.push(record),
            Ok(Fitted::NeedsChild { hr_child_id }) => children_needed.push(hr_child_id),
            Err(why) => {
                let mut refused = Record::new(absences::KIND, want.key.clone());
                refused.set(REFUSED, why);
                fitted.push(refused);
            }
        }
        if let (Some(hr_key), Some(held)) =
            (want.key.as_deref(), held.iter().find(|h| h.kind == absences::KIND && h.key == want.key))
            && let Some(serial) = held.get("serialNo")
        {
            out_links.push(link(absences::KIND, hr_key, serial));
        }
    }
    // Withdraw what this integration exported and HR no longer has.
    for stale in held.iter().filter(|h| h.kind == absences::KIND) {
        let Some(key) = stale.key.as_deref() else { continue };
        let ours = links.iter().any(|l| l.kind == absences::KIND && l.hr_key == key);
        let wanted_still = wanted.iter().any(|w| w.kind == absences::KIND && w.key.as_deref() == Some(key));
        if ours && !wanted_still {
            let mut withdrawn = Record::new(absences::KIND, Some(key.to_owned()));
            withdrawn.set("approved", "2");
            fitted.push(withdrawn);
            if let Some(serial) = stale.get("serialNo") {
                out_links.push(link(absences::KIND, key, serial));
            }
        }
    }
    // The children to register now: those a waiting absence needs.
    for want in wanted.iter().filter(|r| r.kind == CHILD) {
        if want.key.as_ref().is_some_and(|k| children_needed.contains(k)) {
            fitted.push(want.clone());
        }
    }
    let fitted_desired =
        MappedEmployee { records: fitted.into_iter().map(crate::from_kit).collect(), ..desired.clone() };
    let rekeyed =
        current.map(|c| TargetEmployee { records: held.into_iter().map(crate::from_kit).collect(), ..c.clone() });
    crate::Aligned { desired: Some(fitted_desired), current: rekeyed, links: out_links }
}

fn post(path: &str, body: Map<String, Value>) -> HttpRequest {
    HttpRequest {
        method: HttpMethod::Post,
        path: path.into(),
        query: Vec::new(),
        headers: vec![Header { name: "content-type".into(), value: "application/json".into() }],
        body: Some(Value::Object(body).to_string()),
    }
}

fn error(message: String) -> ConnectorError {
    ConnectorError { code: "plan".into(), message }
}

/// The writes for an absence run: children first, then each changed
/// absence (see the module docs). An absence that cannot go refuses the
/// employee, naming every such absence.
pub fn plan(
    desired: &MappedEmployee,
    current: Option<&TargetEmployee>,
    changes: &[FieldChange],
) -> Result<Vec<PlannedOperation>, ConnectorError> {
    let wanted: Vec<Record> = desired.records.iter().map(crate::to_kit).collect();
    let refused: Vec<&str> = wanted.iter().filter_map(|r| r.get(REFUSED)).collect();
    if !refused.is_empty() {
        return Err(error(format!("absences not exported: {}", refused.join("; "))));
    }
    let Some(current) = current else {
        return Err(error("the employee is not in 24SevenOffice yet; sync employees before their absences".into()));
    };
    let emp_id = current.target_id.as_str();
    let held: Vec<Record> = current.records.iter().map(crate::to_kit).collect();
    let changed =
        |kind: &str, key: Option<&str>| changes.iter().any(|c| c.record_kind == kind && c.record_key.as_deref() == key);
    let mut ops = Vec::new();
    for child in wanted.iter().filter(|r| r.kind == CHILD && changed(CHILD, r.key.as_deref())) {
        let mut body = Map::new();
        body.insert("empId".into(), emp_id.into());
        for name in ["firstname", "lastname", "birthdate"] {
            body.insert(name.into(), child.get(name).unwrap_or_default().into());
        }
        ops.push(PlannedOperation {
            kind: OperationKind::Create,
            record_kind: CHILD.into(),
            description: format!(
                "register child born {} (needed by a sick-child absence)",
                child.get("birthdate").unwrap_or_default()
            ),
            request: post("/child/v2", body),
            sensitive_paths: Vec::new(),
            created_id: None,
        });
    }
    for want in wanted.iter().filter(|r| r.kind == absences::KIND && changed(absences::KIND, r.key.as_deref())) {
        let have = held.iter().find(|h| h.kind == absences::KIND && h.key == want.key);
        let mut body = Map::new();
        body.insert("empId".into(), emp_id.into());
        for field in &want.fields {
            body.insert(field.name.clone(), field.value.clone().into());
        }
        let serial = have.and_then(|h| h.get("serialNo"));
        let (kind, what) = match serial {
            Some(serial) => {
                body.insert("serialNo".into(), serial.into());
                // What the target holds and the desired absence leaves out
                // is cleared (a percent HR no longer gives).
                for field in have.map(|h| h.fields.as_slice()).unwrap_or_default() {
                    if ["percent", "childId", "numberOfDays", "startdateParental"].contains(&field.name.as_str())
                        && want.get(&field.name).is_none()
                        && want.get("startDate").is_some()
                    {
                        body.insert(field.name.clone(), "".into());
                    }
                }
                let withdraw = want.get("approved") == Some("2");
                (OperationKind::Update, if withdraw { "withdraw" } else { "update" })
            }
            None if want.get("startDate").is_none() => continue,
            None => (OperationKind::Create, "add"),
        };
        let code = want.get("absenceType").or_else(|| have.and_then(|h| h.get("absenceType"))).unwrap_or_default();
        let start = want.get("startDate").or_else(|| have.and_then(|h| h.get("startDate"))).unwrap_or_default();
        let end = want.get("endDate").or_else(|| have.and_then(|h| h.get("endDate"))).unwrap_or_default();
        ops.push(PlannedOperation {
            kind,
            record_kind: absences::KIND.into(),
            description: format!("{what} absence {code} {start}–{end}"),
            request: post("/absence/v2", body),
            sensitive_paths: Vec::new(),
            created_id: None,
        });
    }
    Ok(ops)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context {
            integration: "24so".into(),
            today: "2026-04-01".into(),
            settings: Vec::new(),
            period: Some(Period { start: "2026-03-01".into(), end: "2026-03-31".into() }),
        }
    }

    fn kind(kind: &str) -> Option<AbsenceType> {
        Some(AbsenceType { id: kind.to_lowercase(), name: kind.into(), category: Some(kind.into()), code: None })
    }

    fn leave(id: &str, kind_: &str, start: &str, end: Option<&str>) -> Absence {
        Absence {
            id: id.into(),
            absence_type: kind(kind_),
            start_date: start.into(),
            end_date: end.map(Into::into),
            percent: None,
            hours: None,
            state: AbsenceState::Approved,
            child_id: None,
        }
    }

    /// Kari (employee 101) with a month of mixed absences and a child.
    fn kari(absences: Vec<Absence>) -> Employee {
        Employee {
            id: "hr-1".into(),
            employee_number: Some("101".into()),
            first_name: Some("Kari".into()),
            last_name: Some("Nordmann".into()),
            work_email: None,
            private_email: None,
            work_phone: None,
            private_phone: None,
            ssn: None,
            ssn_country: None,
            birth_date: None,
            nationality: None,
            home_address: None,
            bank_account: None,
            office_id: None,
            department_id: None,
            active: true,
            employments: Vec::new(),
            compensations: Vec::new(),
            absences,
            children: vec![Child {
                id: "k1".into(),
                first_name: Some("Ola".into()),
                last_name: Some("Nordmann".into()),
                birth_date: Some("2019-12-31".into()),
                ssn: None,
            }],
        }
    }

    fn month() -> Vec<Absence> {
        let mut graded = leave("l2", "SICK_LEAVE", "2026-03-09", Some("2026-03-20"));
        graded.percent = Some("50".into());
        let mut sick_child = leave("l3", "CHILDCARE", "2026-03-23", Some("2026-03-24"));
        sick_child.child_id = Some("k1".into());
        vec![
            leave("l1", "SICK_LEAVE", "2026-03-02", Some("2026-03-06")),
            graded,
            sick_child,
            leave("l4", "VACATION", "2026-07-06", Some("2026-07-17")),
            leave("l5", "PARENTAL_LEAVE", "2026-03-25", None),
        ]
    }

    fn exchange(path: &str, body: &str) -> Exchange {
        Exchange {
            request: HttpRequest {
                method: HttpMethod::Get,
                path: path.into(),
                query: Vec::new(),
                headers: Vec::new(),
                body: None,
            },
            response: HttpResponse { status: 200, headers: Vec::new(), body: body.into() },
        }
    }

    /// The company's types as the read learns them (02 and 03 as in the spec's example).
    fn company(codes: &[&str]) -> Vec<TargetRecord> {
        let all = [
            r#"{"description":"Sykmelding","code":"01","inntektsmelding_type":"","permisjonId":"0","leave_of_absence_type":"","percentage":"1","comment_mandatory":"0","category":"sickness"}"#,
            r#"{"description":"Sykt barn","code":"02","inntektsmelding_type":"","permisjonId":"0","leave_of_absence_type":"","percentage":"1","comment_mandatory":"0","category":"sick_child"}"#,
            r#"{"description":"Ferie","code":"04","inntektsmelding_type":"","permisjonId":"0","leave_of_absence_type":"","percentage":"0","comment_mandatory":"0","category":"vacation"}"#,
            r#"{"description":"Foreldrepenger","code":"06","inntektsmelding_type":"","permisjonId":"1","leave_of_absence_type":"permisjonMedForeldrepenger","percentage":"1","comment_mandatory":"0","category":"leave_of_absence"}"#,
        ];
        let kept: Vec<&str> =
            all.iter().copied().filter(|t| codes.iter().any(|c| t.contains(&format!("\"code\":\"{c}\"")))).collect();
        let body = format!("[{}]", kept.join(","));
        crate::read::parse(&ctx(), &[exchange("/absencetypes/v2", &body)]).expect("types").company
    }

    /// Kari as 24SevenOffice holds her: the absences and children of the
    /// given answers (read as the connector reads them).
    fn held(absences: &str, children: &str) -> TargetEmployee {
        let step =
            crate::read::parse(&ctx(), &[exchange("/absence/v2", absences), exchange("/child/v2/101", children)])
                .expect("read");
        let mut current = TargetEmployee {
            target_id: "101".into(),
            employee_number: Some("101".into()),
            national_id: None,
            first_name: None,
            last_name: None,
            birth_date: None,
            records: Vec::new(),
        };
        for learnt in step.learnt {
            current.records.extend(learnt.records);
        }
        current
    }

    /// Align, diff and plan as the kit's `reconcile` does.
    fn reconcile(
        company: &[TargetRecord],
        employee: &Employee,
        current: &TargetEmployee,
        links: &[RecordLink],
    ) -> (Result<Vec<PlannedOperation>, ConnectorError>, Vec<RecordLink>) {
        let desired = map_employee(&ctx(), employee, "101").expect("maps");
        let aligned = align(company, &desired, Some(current), links);
        let desired = aligned.desired.as_ref().unwrap_or(&desired);
        let current = aligned.current.as_ref().unwrap_or(current);
        let changes = crate::plan::diff(&desired.records, Some(current));
        let ops = if changes.is_empty() { Ok(Vec::new()) } else { plan(desired, Some(current), &changes) };
        (ops, aligned.links)
    }

    fn bodies(ops: &[PlannedOperation]) -> Vec<(String, Value)> {
        ops.iter()
            .map(|op| {
                let body = serde_json::from_str(op.request.body.as_deref().unwrap_or("{}")).expect("JSON body");
                (op.request.path.clone(), body)
            })
            .collect()
    }

    const NONE_HELD: &str = "[]";

    /// What the emulator answers once l1, l2 and l5 were added (serials 1, 2, 3).
    const THREE_HELD: &str = r#"[
        {"empId":"101","serialNo":"1","startDate":"2026-03-02 00:00:00","endDate":"2026-03-06 00:00:00","comment":"","requestDate":"2026-04-01 08:00:00","requestMotivation":"","approved":"1","percent":"","absenceType":"01","description":"Sykmelding","childId":"","numberOfDays":"","permisjonId":"","startdateParental":"","lastChanged":"","externalId":"l1"},
        {"empId":"101","serialNo":"2","startDate":"2026-03-09 00:00:00","endDate":"2026-03-20 00:00:00","comment":"","requestDate":"2026-04-01 08:00:00","requestMotivation":"","approved":"1","percent":"50","absenceType":"01","description":"Sykmelding","childId":"","numberOfDays":"","permisjonId":"","startdateParental":"","lastChanged":"","externalId":"l2"},
        {"empId":"101","serialNo":"3","startDate":"2026-03-25 00:00:00","endDate":"","comment":"","requestDate":"2026-04-01 08:00:00","requestMotivation":"","approved":"1","percent":"","absenceType":"06","description":"Foreldrepenger","childId":"","numberOfDays":"","permisjonId":"1","startdateParental":"2026-03-25 00:00:00","lastChanged":"","externalId":"l5"},
        {"empId":"101","serialNo":"9","startDate":"2026-03-16 00:00:00","endDate":"2026-03-16 00:00:00","comment":"entered by hand","requestDate":"2026-03-16 08:00:00","requestMotivation":"","approved":"1","percent":"","absenceType":"04","description":"Ferie","childId":"","numberOfDays":"1","permisjonId":"","startdateParental":"","lastChanged":"","externalId":""}
    ]"#;

    const OLA: &str = r#"[{"firstnamn":"Ola","surname":"Nordmann","childId":"102701","birthdate":"2019-12-31"}]"#;

    #[test]
    fn a_first_export_registers_the_child_and_adds_every_absence_of_the_period_but_the_one_waiting_for_it() {
        let company = company(&["01", "02", "04", "06"]);
        let (ops, links) = reconcile(&company, &kari(month()), &held(NONE_HELD, "[]"), &[]);
        let ops = ops.expect("a plan");
        let sent = bodies(&ops);
        assert_eq!(sent[0].0, "/child/v2", "the child first");
        assert_eq!(
            (sent[0].1["firstname"].as_str(), sent[0].1["birthdate"].as_str()),
            (Some("Ola"), Some("2019-12-31"))
        );
        let added: Vec<&str> = sent[1..].iter().filter_map(|(_, b)| b["externalId"].as_str()).collect();
        assert_eq!(added, vec!["l1", "l2", "l5"], "l3 waits for its child, l4 is outside the period");
        assert!(
            sent[1..]
                .iter()
                .all(|(path, b)| path == "/absence/v2" && b.get("serialNo").is_none() && b["empId"] == "101")
        );
        assert_eq!(sent[2].1["percent"], "50", "graded sick leave");
        assert_eq!(
            (sent[3].1["endDate"].as_str(), sent[3].1["startdateParental"].as_str()),
            (Some(""), Some("2026-03-25"))
        );
        assert!(links.is_empty(), "nothing is held to link to yet");
    }

    #[test]
    fn the_next_pass_adds_the_sick_child_absence_with_the_childs_id_and_links_what_is_held() {
        let company = company(&["01", "02", "04", "06"]);
        let (ops, links) = reconcile(&company, &kari(month()), &held(THREE_HELD, OLA), &[]);
        let sent = bodies(&ops.expect("a plan"));
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!((sent[0].1["externalId"].as_str(), sent[0].1["childId"].as_str()), (Some("l3"), Some("102701")));
        let kept: Vec<(String, String, String)> = links.into_iter().map(|l| (l.kind, l.hr_key, l.target_key)).collect();
        for want in [("child", "k1", "102701"), ("absence", "l1", "1"), ("absence", "l2", "2"), ("absence", "l5", "3")]
        {
            assert!(kept.contains(&(want.0.into(), want.1.into(), want.2.into())), "{want:?} in {kept:?}");
        }
    }

    #[test]
    fn an_edited_leave_updates_the_same_absence_and_a_leave_gone_from_hr_is_withdrawn_but_hand_entries_stay() {
        let company = company(&["01", "02", "04", "06"]);
        let links = vec![link("absence", "l1", "1"), link("absence", "l2", "2"), link("absence", "l5", "3")];
        let mut absences = month();
        absences.retain(|l| l.id != "l1" && l.id != "l3");
        absences[0].end_date = Some("2026-03-27".into());
        absences[0].percent = None;
        let (ops, _) = reconcile(&company, &kari(absences), &held(THREE_HELD, OLA), &links);
        let ops = ops.expect("a plan");
        let sent = bodies(&ops);
        let by_serial = |serial: &str| sent.iter().find(|(_, b)| b["serialNo"] == serial).map(|(_, b)| b.clone());
        let edited = by_serial("2").expect("l2 updated in place");
        assert_eq!((edited["endDate"].as_str(), edited["percent"].as_str()), (Some("2026-03-27"), Some("")));
        let withdrawn = by_serial("1").expect("l1 withdrawn");
        assert_eq!(withdrawn["approved"], "2");
        assert!(by_serial("9").is_none(), "the absence entered by hand is left alone");
        assert_eq!(sent.len(), 2, "{sent:?}");
        assert!(ops.iter().all(|op| op.kind == OperationKind::Update));
        assert!(ops.iter().any(|op| op.description.starts_with("withdraw absence 01 2026-03-02")), "{:?}", ops);
    }

    #[test]
    fn a_second_export_of_the_same_month_writes_nothing() {
        let company = company(&["01", "02", "04", "06"]);
        let all_held = THREE_HELD.replacen(
            "[",
            r#"[{"empId":"101","serialNo":"4","startDate":"2026-03-23 00:00:00","endDate":"2026-03-24 00:00:00","approved":"1","percent":"100","absenceType":"02","childId":"102701","externalId":"l3"},"#,
            1,
        );
        let (ops, _) = reconcile(&company, &kari(month()), &held(&all_held, OLA), &[]);
        assert!(ops.expect("a plan").is_empty());
    }

    #[test]
    fn a_code_the_company_lacks_refuses_the_employee_naming_that_absence_and_nothing_is_planned() {
        let company = company(&["01", "02", "04"]);
        let (ops, _) = reconcile(&company, &kari(month()), &held(NONE_HELD, "[]"), &[]);
        let why = ops.expect_err("refused").message;
        assert!(why.contains("code 06") && why.contains("2026-03-25"), "{why}");
    }

    #[test]
    fn a_cancelled_leave_never_exported_is_not_sent_and_a_requested_one_waits() {
        let company = company(&["01", "02", "04", "06"]);
        let mut cancelled = leave("l7", "SICK_LEAVE", "2026-03-10", Some("2026-03-11"));
        cancelled.state = AbsenceState::Cancelled;
        let mut requested = leave("l8", "SICK_LEAVE", "2026-03-12", Some("2026-03-13"));
        requested.state = AbsenceState::Requested;
        let (ops, _) = reconcile(&company, &kari(vec![cancelled, requested]), &held(NONE_HELD, "[]"), &[]);
        assert!(ops.expect("a plan").is_empty());
    }
}
