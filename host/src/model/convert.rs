//! The component boundary: the host's model in the current contract's
//! types (`paybridge:connector@2`). Older contracts are adapted from
//! these by the runtime (`runtime::contract_v1`).

use super::{hr, http, target};
use crate::runtime::types as wit;

impl From<wit::HttpMethod> for http::Method {
    fn from(m: wit::HttpMethod) -> Self {
        match m {
            wit::HttpMethod::Get => Self::Get,
            wit::HttpMethod::Post => Self::Post,
            wit::HttpMethod::Put => Self::Put,
            wit::HttpMethod::Patch => Self::Patch,
            wit::HttpMethod::Delete => Self::Delete,
        }
    }
}

fn headers_from(headers: &[wit::Header]) -> Vec<http::Header> {
    headers.iter().map(|h| http::Header { name: h.name.clone(), value: h.value.clone() }).collect()
}

impl From<&wit::HttpRequest> for http::Request {
    fn from(r: &wit::HttpRequest) -> Self {
        Self {
            method: r.method.into(),
            path: r.path.clone(),
            query: r.query.clone(),
            headers: headers_from(&r.headers),
            body: r.body.clone(),
        }
    }
}

impl From<http::Response> for wit::HttpResponse {
    fn from(r: http::Response) -> Self {
        Self {
            status: r.status,
            headers: r.headers.into_iter().map(|h| wit::Header { name: h.name, value: h.value }).collect(),
            body: r.body,
        }
    }
}

impl From<&wit::AuthScheme> for http::AuthScheme {
    fn from(a: &wit::AuthScheme) -> Self {
        match a {
            wit::AuthScheme::None => Self::None,
            wit::AuthScheme::Bearer(secret) => Self::Bearer(secret.clone()),
            wit::AuthScheme::Basic(b) => Self::Basic(http::BasicAuth {
                username_secret: b.username_secret.clone(),
                password_secret: b.password_secret.clone(),
            }),
            wit::AuthScheme::TokenExchange(t) => Self::TokenExchange(http::TokenExchange {
                path: t.path.clone(),
                query_param: t.query_param.clone(),
                secret: t.secret.clone(),
                token_field: t.token_field.clone(),
                expiry_field: t.expiry_field.clone(),
            }),
            wit::AuthScheme::Oauth2(o) => Self::Oauth2(http::Oauth2 {
                token_url: o.token_url.clone(),
                client_id_secret: o.client_id_secret.clone(),
                client_secret_secret: o.client_secret_secret.clone(),
                refresh_token_secret: o.refresh_token_secret.clone(),
                scope: o.scope.clone(),
                secret_headers: o.secret_headers.clone(),
            }),
        }
    }
}

impl From<&target::TargetEmployee> for wit::TargetEmployee {
    fn from(t: &target::TargetEmployee) -> Self {
        Self {
            target_id: t.target_id.clone(),
            employee_number: t.employee_number.clone(),
            national_id: t.national_id.clone(),
            first_name: t.first_name.clone(),
            last_name: t.last_name.clone(),
            birth_date: t.birth_date.clone(),
            records: t
                .records
                .iter()
                .map(|r| wit::TargetRecord {
                    kind: r.kind.clone(),
                    key: r.key.clone(),
                    fields: connector_kit::packed::pack(r.fields.iter().map(|f| (f.name.as_str(), f.value.as_str()))),
                    sensitive: r.fields.iter().filter(|f| f.sensitive).map(|f| f.name.clone()).collect(),
                })
                .collect(),
        }
    }
}

/// A record a connector answered whose packed fields are not a JSON
/// object of strings.
#[derive(Debug, thiserror::Error)]
#[error("a `{kind}` record's fields are not a JSON object of string values ({reason})")]
pub struct MalformedRecord {
    /// The record's kind, as the connector named it.
    pub kind: String,
    /// What the parser found.
    pub reason: String,
}

impl TryFrom<wit::TargetEmployee> for target::TargetEmployee {
    type Error = MalformedRecord;

    fn try_from(t: wit::TargetEmployee) -> Result<Self, MalformedRecord> {
        let records = t
            .records
            .into_iter()
            .map(|r| {
                let pairs = connector_kit::packed::unpack(&r.fields)
                    .map_err(|why| MalformedRecord { kind: r.kind.clone(), reason: why.0 })?;
                let fields = pairs
                    .into_iter()
                    .map(|(name, value)| {
                        let sensitive = r.sensitive.contains(&name);
                        target::Field { name, value, sensitive }
                    })
                    .collect();
                Ok(target::TargetRecord { kind: r.kind, key: r.key, fields })
            })
            .collect::<Result<_, MalformedRecord>>()?;
        Ok(Self {
            target_id: t.target_id,
            employee_number: t.employee_number,
            national_id: t.national_id,
            first_name: t.first_name,
            last_name: t.last_name,
            birth_date: t.birth_date,
            records,
        })
    }
}

impl From<&hr::Address> for wit::Address {
    fn from(a: &hr::Address) -> Self {
        Self {
            street: a.street.clone(),
            co: a.co.clone(),
            postal_code: a.postal_code.clone(),
            city: a.city.clone(),
            country: a.country.clone(),
        }
    }
}

impl From<&hr::BankAccount> for wit::BankAccount {
    fn from(b: &hr::BankAccount) -> Self {
        Self {
            bank: b.bank.clone(),
            clearing: b.clearing.clone(),
            number: b.number.clone(),
            iban: b.iban.clone(),
            bic: b.bic.clone(),
            country: b.country.clone(),
        }
    }
}

impl From<&hr::Employment> for wit::Employment {
    fn from(e: &hr::Employment) -> Self {
        Self {
            id: e.id.clone(),
            employment_type: e
                .employment_type
                .as_ref()
                .map(|t| wit::EmploymentType { id: t.id.clone(), name: t.name.clone() }),
            start_date: e.start_date.clone(),
            end_date: e.end_date.clone(),
            rate: e.rate.clone(),
            note: e.note.clone(),
            weekly_hours: e.weekly_hours.clone(),
            active: e.active,
        }
    }
}

impl From<&hr::Compensation> for wit::Compensation {
    fn from(c: &hr::Compensation) -> Self {
        Self {
            id: c.id.clone(),
            employment_id: c.employment_id.clone(),
            effective_date: c.effective_date.clone(),
            payout_period: c.payout_period.clone(),
            amount: c.amount.clone(),
            currency: c.currency.clone(),
        }
    }
}

/// Where an absence stands: HR's status when the source gives one
/// (AlexisHR: `PENDING`, `DENIED`, `CANCELLED`, `APPROVED`, `CONFIRMED`),
/// else approved or requested.
/// Where an HR absence stands, from HR's status (its `approved` flag when
/// the source gives no status).
pub fn absence_state(a: &hr::Absence) -> wit::AbsenceState {
    match a.status.as_deref() {
        Some("APPROVED" | "CONFIRMED") => wit::AbsenceState::Approved,
        Some("DENIED") => wit::AbsenceState::Rejected,
        Some("CANCELLED") => wit::AbsenceState::Cancelled,
        Some("PENDING") => wit::AbsenceState::Requested,
        _ if a.approved => wit::AbsenceState::Approved,
        _ => wit::AbsenceState::Requested,
    }
}

impl From<&hr::Child> for wit::Child {
    fn from(c: &hr::Child) -> Self {
        Self {
            id: c.id.clone(),
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            birth_date: c.birth_date.clone(),
            // AlexisHR keeps no national id for a child.
            ssn: None,
        }
    }
}

impl From<&hr::Absence> for wit::Absence {
    fn from(a: &hr::Absence) -> Self {
        Self {
            id: a.id.clone(),
            absence_type: a.absence_type.as_ref().map(|t| wit::AbsenceType {
                id: t.id.clone(),
                name: t.name.clone(),
                category: t.category.clone(),
                code: t.code.clone(),
            }),
            start_date: a.start_date.clone(),
            end_date: a.end_date.clone(),
            percent: a.percent.clone(),
            hours: a.hours.clone(),
            state: absence_state(a),
            child_id: a.child_id.clone(),
        }
    }
}

impl From<&hr::Employee> for wit::Employee {
    fn from(e: &hr::Employee) -> Self {
        Self {
            id: e.id.clone(),
            employee_number: e.employee_number.clone(),
            first_name: e.first_name.clone(),
            last_name: e.last_name.clone(),
            work_email: e.work_email.clone(),
            private_email: e.private_email.clone(),
            work_phone: e.work_phone.clone(),
            private_phone: e.private_phone.clone(),
            ssn: e.ssn.clone(),
            ssn_country: e.ssn_country.clone(),
            birth_date: e.birth_date.clone(),
            nationality: e.nationality.clone(),
            home_address: e.home_address.as_ref().map(Into::into),
            bank_account: e.bank_account.as_ref().map(Into::into),
            office_id: e.office_id.clone(),
            department_id: e.department_id.clone(),
            active: e.active,
            employments: e.employments.iter().map(Into::into).collect(),
            compensations: e.compensations.iter().map(Into::into).collect(),
            absences: e.absences.iter().map(Into::into).collect(),
            children: e.children.iter().map(Into::into).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_of_an_hr_employee_crosses_the_boundary() {
        let e = hr::Employee {
            id: "hr-1".into(),
            employee_number: Some("1001".into()),
            ssn: Some("14838512470".into()),
            home_address: Some(hr::Address { city: Some("Oslo".into()), ..Default::default() }),
            bank_account: Some(hr::BankAccount { number: Some("86011117947".into()), ..Default::default() }),
            employments: vec![hr::Employment { id: "em-1".into(), active: true, ..Default::default() }],
            compensations: vec![hr::Compensation { amount: Some("52000.00".into()), ..Default::default() }],
            absences: vec![hr::Absence {
                start_date: "2026-01-01".into(),
                percent: Some("50".into()),
                hours: Some("3.75".into()),
                child_id: Some("child-1".into()),
                ..Default::default()
            }],
            children: vec![hr::Child {
                id: "child-1".into(),
                first_name: Some("Ola".into()),
                last_name: Some("Nordmann".into()),
                birth_date: Some("2020-05-01".into()),
            }],
            active: true,
            ..Default::default()
        };
        let crossed = wit::Employee::from(&e);
        // Serialised field by field, both sides name every field alike;
        // the contract's absence says its state where HR says approved and
        // its status, and a child crosses with no national id.
        let mut host = serde_json::to_value(&e).expect("json");
        let mut contract = serde_json::to_value(&crossed).expect("json");
        assert_eq!(contract["absences"][0]["state"], "Requested");
        for absence in host["absences"].as_array_mut().into_iter().flatten() {
            for gone in ["approved", "status"] {
                absence.as_object_mut().expect("object").remove(gone);
            }
        }
        for absence in contract["absences"].as_array_mut().into_iter().flatten() {
            absence.as_object_mut().expect("object").remove("state");
        }
        for child in contract["children"].as_array_mut().into_iter().flatten() {
            assert_eq!(child["ssn"], serde_json::Value::Null, "HR keeps no national id for a child");
            child.as_object_mut().expect("object").remove("ssn");
        }
        assert_eq!(host, contract);
    }

    #[test]
    fn an_absence_state_follows_hr_status_and_falls_back_to_approved() {
        let state = |status: Option<&str>, approved: bool| {
            absence_state(&hr::Absence { status: status.map(str::to_owned), approved, ..Default::default() })
        };
        assert!(matches!(state(Some("PENDING"), false), wit::AbsenceState::Requested));
        assert!(matches!(state(Some("DENIED"), false), wit::AbsenceState::Rejected));
        assert!(matches!(state(Some("CANCELLED"), true), wit::AbsenceState::Cancelled));
        assert!(matches!(state(Some("APPROVED"), false), wit::AbsenceState::Approved));
        assert!(matches!(state(Some("CONFIRMED"), false), wit::AbsenceState::Approved));
        assert!(matches!(state(None, true), wit::AbsenceState::Approved));
        assert!(matches!(state(None, false), wit::AbsenceState::Requested));
    }

    fn read(fields: &str) -> wit::TargetEmployee {
        wit::TargetEmployee {
            target_id: "7".into(),
            employee_number: None,
            national_id: None,
            first_name: None,
            last_name: None,
            birth_date: None,
            records: vec![wit::TargetRecord {
                kind: "employee".into(),
                key: None,
                fields: fields.into(),
                sensitive: vec!["personnr".into()],
            }],
        }
    }

    #[test]
    fn a_read_record_unpacks_in_order_with_its_sensitive_fields_and_packs_back_the_same() {
        let packed = r#"{"firstname":"Kari","personnr":"10915596784"}"#;
        let held = target::TargetEmployee::try_from(read(packed)).expect("well-formed");
        let fields: Vec<_> = held.records[0].fields.iter().map(|f| (f.name.as_str(), f.sensitive)).collect();
        assert_eq!(fields, [("firstname", false), ("personnr", true)]);
        let back = wit::TargetEmployee::from(&held);
        assert_eq!(back.records[0].fields, packed);
        assert_eq!(back.records[0].sensitive, ["personnr"]);
    }

    #[test]
    fn a_read_record_whose_fields_are_not_an_object_of_strings_is_refused_with_its_kind() {
        for bad in [r#"{"salary":52000}"#, "[]", "not json"] {
            let why = target::TargetEmployee::try_from(read(bad)).expect_err(bad);
            assert_eq!(why.kind, "employee");
            assert!(why.to_string().contains("not a JSON object of string values"), "{why}");
        }
    }
}
