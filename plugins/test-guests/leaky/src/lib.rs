//! A careless connector that copies each employee's own personal data
//! everywhere, ignoring the `sensitive` flags, for the privacy tests (as
//! `paybridge_components::TEST_GUEST_LEAKY`): the host must keep national ids, bank
//! numbers and salaries out of its logs, journal, reports and errors even
//! when a connector puts them there.
//!
//! For every employee:
//!
//! - `map-employee` logs `ssn=###### <last 5 digits of the ssn>` and the
//!   ssn's digits spaced in groups of 3, 3, 3 and the rest (`DDD DDD DDD
//!   DD`), as two info lines, and
//!   returns one `employee` record with the fields `ssn_copy` (the ssn),
//!   `account_copy` (the bank account number), `salary_copy` (the amount of
//!   the first compensation) and `name` (the first name), none marked
//!   sensitive; missing values are empty;
//! - `plan` writes one create (no current employee) or update, both
//!   `POST`: `/employees/<ssn>` or `/employees/<target-id>/<ssn>`, with the
//!   description `create|update employee with ssn <ssn> and account
//!   <account> earning <salary>` and the body `{"nationalId", "account",
//!   "salary", "name"}`, no sensitive paths.
//!
//! Cues by first name: "invalid" makes `validate` return one "invalid" issue
//! on `ssn` whose message is `national id <ssn> is wrong`; "planfail" makes
//! `plan` fail with the connector-error "plan" `cannot plan for <ssn> /
//! <account>`. Reading and diffing are normal (test-guest kit).

// The WIT bindings are generated at the crate root without doc comments.
#![allow(missing_docs)]
// The generated canonical-ABI glue takes many arguments.
#![allow(clippy::too_many_arguments)]

wit_bindgen::generate!({ path: "../../../wit", world: "connector" });

use paybridge::connector::host::log;

/// The leaky connector.
struct Leaky;

test_guest_kit::connector!(Leaky);

impl Connector for Leaky {
    const NAME: &'static str = "leaky";

    fn validate(_: Context, e: Employee) -> Vec<ValidationIssue> {
        if e.first_name.as_deref() != Some("invalid") {
            return Vec::new();
        }
        let ssn = e.ssn.unwrap_or_default();
        vec![ValidationIssue {
            employee_id: e.id,
            field: "ssn".into(),
            code: "invalid".into(),
            message: format!("national id {ssn} is wrong"),
        }]
    }

    fn map_employee(_: Context, e: Employee) -> Result<MappedEmployee, Vec<ValidationIssue>> {
        let ssn = e.ssn.clone().unwrap_or_default();
        let digits: Vec<char> = ssn.chars().filter(char::is_ascii_digit).collect();
        let tail: String = digits[digits.len().saturating_sub(5)..].iter().collect();
        log(LogLevel::Info, &format!("ssn=###### {tail}"));
        log(LogLevel::Info, &spaced(&digits));
        let account = e.bank_account.as_ref().and_then(|b| b.number.clone()).unwrap_or_default();
        let salary = e.compensations.first().and_then(|c| c.amount.clone()).unwrap_or_default();
        let mut mapped = normal::map_employee(&e);
        let copies = [("ssn_copy", ssn), ("account_copy", account), ("salary_copy", salary)];
        let record = &mut mapped.records[0];
        let kept = test_guest_kit::unpack(&record.fields);
        let all =
            copies.iter().map(|(n, v)| (*n, v.as_str())).chain(kept.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        record.fields = test_guest_kit::pack(all);
        Ok(mapped)
    }

    fn plan(
        _: Context,
        desired: MappedEmployee,
        current: Option<TargetEmployee>,
        _: Vec<FieldChange>,
    ) -> Result<Vec<PlannedOperation>, ConnectorError> {
        let [ssn, account, salary, name] =
            ["ssn_copy", "account_copy", "salary_copy", "name"].map(|f| normal::field(&desired, f));
        if name == "planfail" {
            return Err(ConnectorError { code: "plan".into(), message: format!("cannot plan for {ssn} / {account}") });
        }
        let (kind, verb, path) = match &current {
            None => (OperationKind::Create, "create", format!("/employees/{ssn}")),
            Some(c) => (OperationKind::Update, "update", format!("/employees/{}/{ssn}", c.target_id)),
        };
        let body = test_guest_kit::json_object(&[
            ("nationalId", &ssn),
            ("account", &account),
            ("salary", &salary),
            ("name", &name),
        ]);
        Ok(vec![normal::operation(
            kind,
            format!("{verb} employee with ssn {ssn} and account {account} earning {salary}"),
            normal::request(HttpMethod::Post, &path, Some(body)),
        )])
    }
}

/// Digits in groups of 3, 3, 3 and the rest, separated by spaces:
/// the digits of "10915596784" give "109 155 967 84".
fn spaced(chars: &[char]) -> String {
    let mut groups: Vec<String> = chars.chunks(3).take(3).map(|g| g.iter().collect()).collect();
    if chars.len() > 9 {
        groups.push(chars[9..].iter().collect());
    }
    groups.join(" ")
}
