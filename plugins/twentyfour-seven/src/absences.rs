//! Absences: which 24SevenOffice absence code an HR leave type gets (the
//! seed article's table, overridable per integration), the `absence`
//! record an HR leave becomes, and how that record is fitted to the
//! company's own absence types (`GET /absencetypes/v2`, which the read
//! learns as company records).
//!
//! The code of a leave type, first match wins:
//! 1. the integration setting `absence_codes` (`Name or id=code`, entries
//!    separated by `;` or new lines), e.g. `Egenmelding=03; Kurs=21`;
//! 2. the code the company gave the type in HR (AlexisHR
//!    `leave-type-code`): the seed's rows 07–21 name their type by it;
//! 3. HR's global leave type (AlexisHR `kind`): the seed's rows 01–06.
//!
//! The seed's table maps "self-certified sick leave" to both 01
//! (Sykmelding) and 03 (Egenmelding) and has no 08 or 09. 01 is, in
//! Norwegian payroll, the doctor-certified sick leave and 03 the
//! self-certified one; AlexisHR has one global kind for both
//! (`SICK_LEAVE`). So `SICK_LEAVE` goes to 01, and a company that keeps
//! egenmelding as a type of its own gives it the code 03 in HR or maps it
//! in `absence_codes`. 08 and 09 are left out as the seed leaves them.
//!
//! Field rules from `payroll.json` (POST `/absence/v2`), applied against
//! the company's type of the code: `percent` only where the type's
//! `percentage` is 1 (a graded leave of a type without one is refused
//! rather than sent as 100 %); `childId` only, and always, for category
//! `sick_child`; `numberOfDays` only for category `vacation` (the
//! weekdays, Monday to Friday, from start to end); `startdateParental`
//! only, and always, for `leave_of_absence_type` `permisjonMedForeldrepenger`
//! (the leave's first day); `endDate` may be empty only for category
//! `leave_of_absence`. `approved` is 1 for an approved leave and 2
//! (rejected) for one HR cancelled or rejected after it was exported: the
//! API has no DELETE, and a rejected absence is what payroll ignores.
//! `externalId` is the HR leave id, so a rerun finds its own absence.

use crate::types::*;
use connector_kit::fields::Record;

/// The record kind of an absence.
pub const KIND: &str = "absence";
/// The company-record kind of an absence type.
pub const TYPE_KIND: &str = "absence-type";
/// The setting that overrides the code map.
pub const CODES_SETTING: &str = "absence_codes";

/// The seed's rows 01–06: HR's global leave type (AlexisHR `kind`,
/// compared without case, `-` read as `_`) → code.
pub const GLOBAL_KIND_CODES: &[(&str, &str)] = &[
    ("SICK_LEAVE", "01"),
    ("CHILDCARE", "02"),
    ("SICK_CHILD", "02"),
    ("SELF_CERTIFIED_SICK_LEAVE", "03"),
    ("VACATION", "04"),
    ("OFF_DUTY", "05"),
    ("PARENTAL_LEAVE", "06"),
];

/// The codes of the seed's table, 01–21 without 08 and 09, with their
/// 24SevenOffice names.
pub const SEED_CODES: &[(&str, &str)] = &[
    ("01", "Sykmelding"),
    ("02", "Sykt barn"),
    ("03", "Egenmelding"),
    ("04", "Ferie"),
    ("05", "Permittering"),
    ("06", "Foreldrepenger"),
    ("07", "Militærtjeneste"),
    ("10", "Utdanningspermisjon - lovfestet"),
    ("11", "Utdanningspermisjon - ikke lovfestet"),
    ("12", "Andre permisjoner - lovfestet"),
    ("13", "Andre permisjoner - ikke lovfestet"),
    ("14", "Pleiepenger livets siste faser"),
    ("15", "Pleiepenger sykt barn"),
    ("16", "Omsorgspenger (sykt barn dager)"),
    ("17", "Opplæringspenger"),
    ("18", "Svangerskapspenger"),
    ("19", "Svangerskapspermisjon (foreldrepenger)"),
    ("20", "Omsorgspermisjon"),
    ("21", "Annet fravær"),
];

/// The `absence_codes` setting: (HR type name or id, code) pairs; an
/// error names the entry that is not `name=code` with a two-digit code.
pub fn code_overrides(ctx: &Context) -> Result<Vec<(String, String)>, String> {
    let Some((_, text)) = ctx.settings.iter().find(|(k, _)| k == CODES_SETTING) else {
        return Ok(Vec::new());
    };
    text.split([';', '\n'])
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let (name, code) = entry.rsplit_once('=').ok_or_else(|| {
                format!("{CODES_SETTING}: \"{entry}\" is not `HR leave type=code` (e.g. `Egenmelding=03`)")
            })?;
            let (name, code) = (name.trim(), code.trim());
            if name.is_empty() || code.len() != 2 || !code.chars().all(|c| c.is_ascii_digit()) {
                return Err(format!(
                    "{CODES_SETTING}: \"{entry}\" needs an HR leave type and a two-digit 24SevenOffice code"
                ));
            }
            Ok((name.to_owned(), code.to_owned()))
        })
        .collect()
}

/// The 24SevenOffice code of the HR leave type `kind` (see the module
/// docs for the order), or why there is none.
pub fn code_for(kind: &AbsenceType, overrides: &[(String, String)]) -> Result<String, String> {
    if let Some((_, code)) =
        overrides.iter().find(|(name, _)| name == &kind.id || name.eq_ignore_ascii_case(&kind.name))
    {
        return Ok(code.clone());
    }
    if let Some(code) =
        kind.code.as_deref().map(str::trim).filter(|c| c.len() == 2 && c.chars().all(|c| c.is_ascii_digit()))
    {
        return Ok(code.to_owned());
    }
    let global = kind.category.as_deref().map(|c| c.trim().replace('-', "_").to_ascii_uppercase());
    if let Some((_, code)) = global.as_deref().and_then(|g| GLOBAL_KIND_CODES.iter().find(|(k, _)| *k == g)) {
        return Ok((*code).to_owned());
    }
    Err(format!(
        "HR leave type \"{}\" has no 24SevenOffice absence code: give it one in HR (leave type code, e.g. 07) or map it with the integration setting {CODES_SETTING} (e.g. \"{}=21\")",
        kind.name, kind.name
    ))
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date; `None` if it is not one.
fn days(date: &str) -> Option<i64> {
    let mut parts = date.splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if date.len() != 10 || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Monday-to-Friday days from `start` to `end`, both included; `None`
/// when either is not a date or `end` is before `start`.
pub fn weekdays(start: &str, end: &str) -> Option<u32> {
    let (from, to) = (days(start)?, days(end)?);
    if to < from {
        return None;
    }
    // 1970-01-01 was a Thursday: weekday index 0 = Monday.
    let count = (from..=to).filter(|day| (day + 3).rem_euclid(7) < 5).count();
    u32::try_from(count).ok()
}

/// An extent in percent as 24SevenOffice takes it ("50", "12.5"); `None`
/// for a whole absence (no extent, or 100).
fn graded(percent: Option<&str>) -> Option<String> {
    let text = percent?.trim();
    let value: f64 = text.parse().ok()?;
    if value >= 100.0 || value <= 0.0 { None } else { Some(text.trim_end_matches(".0").to_owned()) }
}

/// The `absence` record an HR leave becomes, before it is fitted to the
/// company's type: every field the leave could need (`numberOfDays`,
/// `startdateParental`, `percent`), and the HR child it is for as
/// `hrChildId`, which [`fit`] replaces by the target's `childId`. `None`
/// for a leave that is only requested (not exported until approved).
pub fn absence_record(emp_id: &str, leave: &Absence, code: &str) -> Option<Record> {
    let approved = match leave.state {
        AbsenceState::Approved => "1",
        AbsenceState::Rejected | AbsenceState::Cancelled => "2",
        AbsenceState::Requested => return None,
    };
    let mut record = Record::new(KIND, Some(leave.id.clone()));
    record.set("empId", emp_id);
    record.set("absenceType", code);
    record.set("startDate", leave.start_date.as_str());
    record.set("endDate", leave.end_date.as_deref().unwrap_or(""));
    record.set("approved", approved);
    record.set("externalId", leave.id.as_str());
    if let Some(percent) = graded(leave.percent.as_deref()) {
        record.set("percent", percent);
    }
    if let Some(end) = leave.end_date.as_deref()
        && let Some(n) = weekdays(&leave.start_date, end)
    {
        record.set("numberOfDays", n.to_string());
    }
    record.set("startdateParental", leave.start_date.as_str());
    if let Some(child) = leave.child_id.as_deref() {
        record.set("hrChildId", child);
    }
    Some(record)
}

/// One of the company's absence types, as `GET /absencetypes/v2` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyType {
    /// Its code.
    pub code: String,
    /// `sickness`, `sick_child`, `self_report`, `vacation`, `leave_of_absence`.
    pub category: String,
    /// Whether it takes a `percent`.
    pub percentage: bool,
    /// E.g. `permisjonMedForeldrepenger`.
    pub leave_of_absence_type: String,
}

impl CompanyType {
    /// The type a company record of kind [`TYPE_KIND`] holds (the fields
    /// of one `GET /absencetypes/v2` item); `None` for another record or
    /// one without a code.
    pub fn from_record(record: &Record) -> Option<Self> {
        if record.kind != TYPE_KIND {
            return None;
        }
        let text = |name: &str| record.get(name).unwrap_or_default().trim().to_owned();
        let code = text("code");
        if code.is_empty() {
            return None;
        }
        Some(Self {
            code,
            category: text("category"),
            percentage: text("percentage") == "1",
            leave_of_absence_type: text("leave_of_absence_type"),
        })
    }
}

/// What [`fit`] made of an absence record.
#[derive(Debug, Clone, PartialEq)]
pub enum Fitted {
    /// Ready to compare and send.
    Ready(Record),
    /// A sick-child absence whose child is not registered in
    /// 24SevenOffice yet: register the HR child `hr_child_id` first.
    NeedsChild {
        /// The HR child id.
        hr_child_id: String,
    },
}

/// Fit `record` (from [`absence_record`]) to the company's type of its
/// code: keep only the fields the type takes, put the target's `childId`
/// for the HR child (`child_id`: the 24SevenOffice id of the HR child the
/// record names, when it is registered), or say why the absence cannot go.
pub fn fit(record: &Record, company: Option<&CompanyType>, child_id: Option<&str>) -> Result<Fitted, String> {
    let code = record.get("absenceType").unwrap_or_default();
    let start = record.get("startDate").unwrap_or_default();
    let Some(kind) = company else {
        return Err(format!(
            "the leave from {start} maps to absence code {code}, which this company does not have in 24SevenOffice (GET /absencetypes/v2); map its HR leave type to another code with {CODES_SETTING}"
        ));
    };
    let mut out = Record::new(KIND, record.key.clone());
    for name in ["empId", "absenceType", "startDate", "endDate", "approved", "externalId"] {
        out.set(name, record.get(name).unwrap_or_default());
    }
    if record.get("endDate").unwrap_or_default().is_empty() && kind.category != "leave_of_absence" {
        return Err(format!(
            "the leave from {start} has no end date, which 24SevenOffice allows only for a leave of absence, not for code {code}"
        ));
    }
    match (record.get("percent"), kind.percentage) {
        (Some(percent), true) => {
            out.set("percent", percent);
        }
        (Some(percent), false) => {
            return Err(format!(
                "the leave from {start} is {percent} %, but absence code {code} takes no percentage in this company; it would be sent as a whole absence"
            ));
        }
        // A whole absence of a type that takes a grade says so (empty),
        // so a grade edited in 24SevenOffice is put back.
        (None, true) => {
            out.set("percent", "");
        }
        (None, false) => {}
    }
    if kind.category == "sick_child" {
        let Some(hr_child_id) = record.get("hrChildId") else {
            return Err(format!("the sick-child leave from {start} names no child in HR; 24SevenOffice needs one"));
        };
        match child_id {
            Some(id) => {
                out.set("childId", id);
            }
            None => return Ok(Fitted::NeedsChild { hr_child_id: hr_child_id.to_owned() }),
        }
    }
    if kind.category == "vacation"
        && let Some(n) = record.get("numberOfDays")
    {
        out.set("numberOfDays", n);
    }
    if kind.leave_of_absence_type == "permisjonMedForeldrepenger" {
        out.set("startdateParental", record.get("startdateParental").unwrap_or(start));
    }
    Ok(Fitted::Ready(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(name: &str, category: Option<&str>, code: Option<&str>) -> AbsenceType {
        AbsenceType {
            id: format!("t-{name}"),
            name: name.into(),
            category: category.map(Into::into),
            code: code.map(Into::into),
        }
    }

    fn leave(start: &str, end: Option<&str>) -> Absence {
        Absence {
            id: "leave-1".into(),
            absence_type: None,
            start_date: start.into(),
            end_date: end.map(Into::into),
            percent: None,
            hours: None,
            state: AbsenceState::Approved,
            child_id: None,
        }
    }

    fn company(code: &str, category: &str, percentage: bool, leave_type: &str) -> CompanyType {
        CompanyType {
            code: code.into(),
            category: category.into(),
            percentage,
            leave_of_absence_type: leave_type.into(),
        }
    }

    fn ready(fitted: Result<Fitted, String>) -> Record {
        match fitted {
            Ok(Fitted::Ready(record)) => record,
            other => panic!("not ready: {other:?}"),
        }
    }

    #[test]
    fn every_row_of_the_seed_table_gets_its_code() {
        // Rows 01-06 by HR's global leave type (the seed's "Global leave type").
        for (global, code) in [
            ("SICK_LEAVE", "01"),
            ("CHILDCARE", "02"),
            ("VACATION", "04"),
            ("OFF_DUTY", "05"),
            ("PARENTAL_LEAVE", "06"),
            ("sick-child", "02"),
        ] {
            assert_eq!(code_for(&kind(global, Some(global), None), &[]), Ok(code.to_owned()), "{global}");
        }
        // Row 03: the self-certified type carries its code in HR.
        assert_eq!(code_for(&kind("Egenmelding", Some("SICK_LEAVE"), Some("03")), &[]), Ok("03".to_owned()));
        // Rows 07-21 by the code the company gave the type in HR.
        for (code, name) in SEED_CODES.iter().filter(|(c, _)| c.as_bytes()[0] != b'0' || *c == "07") {
            assert_eq!(code_for(&kind(name, Some("OFF_DUTY"), Some(code)), &[]), Ok((*code).to_owned()), "{name}");
        }
        let codes: Vec<&str> = SEED_CODES.iter().map(|(c, _)| *c).collect();
        assert!(!codes.contains(&"08") && !codes.contains(&"09") && codes.len() == 19);
    }

    #[test]
    fn the_integration_setting_overrides_the_code_by_name_or_id_and_a_bad_entry_is_refused() {
        let ctx = |text: &str| Context {
            integration: "24so".into(),
            today: "2026-12-06".into(),
            settings: vec![(CODES_SETTING.into(), text.into())],
            period: None,
        };
        let overrides = code_overrides(&ctx("Egenmelding=03;\n t-Kurs = 21")).expect("parses");
        assert_eq!(code_for(&kind("egenmelding", Some("SICK_LEAVE"), None), &overrides), Ok("03".to_owned()));
        assert_eq!(
            code_for(&kind("Kurs", None, Some("12")), &overrides),
            Ok("21".to_owned()),
            "by id, before HR's code"
        );
        assert!(code_overrides(&ctx("Egenmelding")).expect_err("refused").contains("Egenmelding"));
        assert!(code_overrides(&ctx("Egenmelding=3")).expect_err("refused").contains("two-digit"));
        let unknown = code_for(&kind("Kurs", None, None), &[]).expect_err("no code");
        assert!(unknown.contains("Kurs") && unknown.contains(CODES_SETTING), "{unknown}");
    }

    #[test]
    fn weekdays_count_monday_to_friday_both_ends_included() {
        assert_eq!(weekdays("2026-03-02", "2026-03-06"), Some(5), "Monday to Friday");
        assert_eq!(weekdays("2026-03-02", "2026-03-15"), Some(10), "two weeks");
        assert_eq!(weekdays("2026-03-07", "2026-03-08"), Some(0), "a weekend");
        assert_eq!(weekdays("2024-02-28", "2024-03-01"), Some(3), "over a leap day");
        assert_eq!(weekdays("2026-03-06", "2026-03-02"), None);
        assert_eq!(weekdays("2026-3-2", "2026-03-06"), None);
    }

    #[test]
    fn a_leave_becomes_a_record_keyed_and_tagged_by_its_hr_id_and_only_once_approved() {
        let record = absence_record("101", &leave("2026-03-02", Some("2026-03-06")), "01").expect("approved");
        assert_eq!(record.key.as_deref(), Some("leave-1"));
        for (field, value) in [
            ("empId", "101"),
            ("absenceType", "01"),
            ("externalId", "leave-1"),
            ("approved", "1"),
            ("endDate", "2026-03-06"),
        ] {
            assert_eq!(record.get(field), Some(value), "{field}");
        }
        let mut requested = leave("2026-03-02", None);
        requested.state = AbsenceState::Requested;
        assert!(absence_record("101", &requested, "01").is_none(), "a request is not exported");
        let mut cancelled = leave("2026-03-02", Some("2026-03-06"));
        cancelled.state = AbsenceState::Cancelled;
        let withdrawn = absence_record("101", &cancelled, "01").expect("withdrawn");
        assert_eq!(withdrawn.get("approved"), Some("2"), "a cancelled leave is withdrawn as rejected");
    }

    #[test]
    fn graded_sick_leave_keeps_its_percentage_where_the_type_takes_one_and_is_refused_where_not() {
        let mut graded_leave = leave("2026-03-02", Some("2026-03-20"));
        graded_leave.percent = Some("50".into());
        let record = absence_record("101", &graded_leave, "01").expect("record");
        let sick = company("01", "sickness", true, "");
        assert_eq!(ready(fit(&record, Some(&sick), None)).get("percent"), Some("50"));
        let whole = absence_record("101", &leave("2026-03-02", Some("2026-03-20")), "01").expect("record");
        assert_eq!(ready(fit(&whole, Some(&sick), None)).get("percent"), Some(""), "a whole absence sends no grade");
        let flat = company("01", "sickness", false, "");
        assert!(fit(&record, Some(&flat), None).expect_err("refused").contains("50 %"));
    }

    #[test]
    fn sick_child_needs_its_child_registered_and_carries_the_targets_child_id() {
        let mut for_child = leave("2026-03-02", Some("2026-03-03"));
        for_child.child_id = Some("kid-1".into());
        let record = absence_record("101", &for_child, "02").expect("record");
        let sick_child = company("02", "sick_child", true, "");
        assert_eq!(fit(&record, Some(&sick_child), None), Ok(Fitted::NeedsChild { hr_child_id: "kid-1".into() }));
        let fitted = ready(fit(&record, Some(&sick_child), Some("102701")));
        assert_eq!((fitted.get("childId"), fitted.get("hrChildId")), (Some("102701"), None));
        let without = absence_record("101", &leave("2026-03-02", Some("2026-03-03")), "02").expect("record");
        assert!(fit(&without, Some(&sick_child), None).expect_err("refused").contains("names no child"));
        let sick = company("01", "sickness", true, "");
        assert_eq!(ready(fit(&record, Some(&sick), Some("102701"))).get("childId"), None, "only sick_child takes one");
    }

    #[test]
    fn vacation_carries_its_weekdays_and_nothing_else_does() {
        let record = absence_record("101", &leave("2026-07-06", Some("2026-07-17")), "04").expect("record");
        let vacation = company("04", "vacation", false, "");
        assert_eq!(ready(fit(&record, Some(&vacation), None)).get("numberOfDays"), Some("10"));
        let sick = company("01", "sickness", true, "");
        assert_eq!(ready(fit(&record, Some(&sick), None)).get("numberOfDays"), None);
    }

    #[test]
    fn an_open_leave_of_absence_goes_without_an_end_date_and_parental_leave_names_its_start() {
        let open = absence_record("101", &leave("2026-04-01", None), "06").expect("record");
        let parental = company("06", "leave_of_absence", true, "permisjonMedForeldrepenger");
        let fitted = ready(fit(&open, Some(&parental), None));
        assert_eq!((fitted.get("endDate"), fitted.get("startdateParental")), (Some(""), Some("2026-04-01")));
        let military = company("07", "leave_of_absence", false, "permisjonVedMilitaertjeneste");
        assert_eq!(ready(fit(&open, Some(&military), None)).get("startdateParental"), None);
        let sick = company("01", "sickness", true, "");
        assert!(fit(&open, Some(&sick), None).expect_err("refused").contains("no end date"));
    }

    #[test]
    fn a_company_record_of_an_absence_type_reads_as_its_flags() {
        let mut record = Record::new(TYPE_KIND, Some("02".into()));
        for (name, value) in
            [("code", "02"), ("category", "sick_child"), ("percentage", "1"), ("leave_of_absence_type", "")]
        {
            record.set(name, value);
        }
        assert_eq!(CompanyType::from_record(&record), Some(company("02", "sick_child", true, "")));
        record.kind = "employee".into();
        assert_eq!(CompanyType::from_record(&record), None);
    }

    #[test]
    fn a_code_the_company_lacks_is_a_clear_error_for_that_absence() {
        let record = absence_record("101", &leave("2026-03-02", Some("2026-03-03")), "21").expect("record");
        let why = fit(&record, None, None).expect_err("refused");
        assert!(why.contains("21") && why.contains("2026-03-02") && why.contains(CODES_SETTING), "{why}");
    }
}
