//! One test per row of the seed mapping table, plus the edge cases.

use super::*;

fn ctx() -> Context {
    Context { integration: "test".into(), today: "2026-11-22".into(), settings: Vec::new(), period: None }
}

fn employee() -> Employee {
    Employee {
        id: "hr-1".into(),
        employee_number: Some("101".into()),
        first_name: Some("Kari".into()),
        last_name: Some("Nordmann".into()),
        work_email: Some("kari@example.no".into()),
        private_email: Some("kari.privat@example.no".into()),
        work_phone: None,
        private_phone: None,
        ssn: Some("10915596784".into()),
        ssn_country: Some("NO".into()),
        birth_date: Some("1955-11-10".into()),
        nationality: Some("NO".into()),
        home_address: Some(Address {
            street: Some("Storgata 1".into()),
            co: None,
            postal_code: Some("0155".into()),
            city: Some("Oslo".into()),
            country: Some("NO".into()),
        }),
        bank_account: Some(BankAccount {
            bank: None,
            clearing: None,
            number: Some("86011117947".into()),
            iban: None,
            bic: Some("DNBANOKK".into()),
            country: Some("NO".into()),
        }),
        office_id: None,
        department_id: None,
        active: true,
        employments: vec![Employment {
            id: "emp-1".into(),
            employment_type: Some(EmploymentType { id: "t1".into(), name: "Permanent".into() }),
            start_date: Some("2020-01-01".into()),
            end_date: None,
            rate: Some("80".into()),
            note: Some("2130102".into()),
            weekly_hours: None,
            active: true,
        }],
        compensations: vec![compensation("c1", "2024-01-01", "MONTHLY", "52000")],
        absences: Vec::new(),
        children: Vec::new(),
    }
}

/// A compensation in NOK.
fn compensation(id: &str, effective: &str, period: &str, amount: &str) -> Compensation {
    Compensation {
        id: id.into(),
        employment_id: None,
        effective_date: Some(effective.into()),
        payout_period: Some(period.into()),
        amount: Some(amount.into()),
        currency: Some("NOK".into()),
    }
}

/// A bank account held only as an IBAN.
fn iban_only(iban: &str, bic: Option<&str>, country: Option<&str>) -> BankAccount {
    BankAccount {
        bank: None,
        clearing: None,
        number: None,
        iban: Some(iban.into()),
        bic: bic.map(Into::into),
        country: country.map(Into::into),
    }
}

fn field(mapped: &MappedEmployee, kind: &str, name: &str) -> Option<String> {
    crate::to_kit(mapped.records.iter().find(|r| r.kind == kind)?).get(name).map(str::to_owned)
}

fn mapped(e: &Employee) -> MappedEmployee {
    match map_employee(&ctx(), e) {
        Ok(m) => m,
        Err(issues) => panic!("unexpected issues: {issues:?}"),
    }
}

fn issues(e: &Employee) -> Vec<ValidationIssue> {
    map_employee(&ctx(), e).err().unwrap_or_default()
}

#[test]
fn employee_number_becomes_emp_id() {
    assert_eq!(field(&mapped(&employee()), "employee", "empId").as_deref(), Some("101"));
}

#[test]
fn leading_zeros_of_the_employee_number_are_dropped_as_the_integer_emp_id_reads_back() {
    let mut e = employee();
    e.employee_number = Some("01001".into());
    let m = mapped(&e);
    assert_eq!(field(&m, "employee", "empId").as_deref(), Some("1001"));
    assert_eq!(m.employee_number.as_deref(), Some("1001"));
    assert_eq!(emp_id_of("000"), "0");
    assert_eq!(emp_id_of("1001"), "1001");
}

#[test]
fn work_email_is_used_when_present() {
    assert_eq!(field(&mapped(&employee()), "employee", "email").as_deref(), Some("kari@example.no"));
}

#[test]
fn empty_work_email_falls_back_to_private_email() {
    let mut e = employee();
    e.work_email = Some(String::new());
    assert_eq!(field(&mapped(&e), "employee", "email").as_deref(), Some("kari.privat@example.no"));
}

#[test]
fn first_and_last_name_are_copied() {
    let m = mapped(&employee());
    assert_eq!(field(&m, "employee", "firstname").as_deref(), Some("Kari"));
    assert_eq!(field(&m, "employee", "lastname").as_deref(), Some("Nordmann"));
}

#[test]
fn norwegian_letters_pass_through_unchanged() {
    let mut e = employee();
    e.first_name = Some("Bjørn Åge".into());
    e.last_name = Some("Ærøy".into());
    let m = mapped(&e);
    assert_eq!(field(&m, "employee", "firstname").as_deref(), Some("Bjørn Åge"));
    assert_eq!(field(&m, "employee", "lastname").as_deref(), Some("Ærøy"));
}

#[test]
fn ssn_becomes_personnr_and_international_id_and_is_sensitive() {
    let m = mapped(&employee());
    assert_eq!(field(&m, "employee", "personnr").as_deref(), Some("10915596784"));
    assert_eq!(field(&m, "employee", "internationalID.ID").as_deref(), Some("10915596784"));
    let sensitive: Vec<_> = m.records[0].sensitive.iter().map(String::as_str).collect();
    assert!(sensitive.contains(&"personnr") && sensitive.contains(&"internationalID.ID"));
}

#[test]
fn vacation_days_are_hardcoded_25() {
    assert_eq!(field(&mapped(&employee()), "employee", "vacation_days").as_deref(), Some("25"));
}

#[test]
fn international_id_type_is_social_security_number_with_nationality_as_country() {
    let mut e = employee();
    e.nationality = Some("SE".into());
    let m = mapped(&e);
    assert_eq!(field(&m, "employee", "internationalID.type").as_deref(), Some("socialSecurityNumber"));
    assert_eq!(field(&m, "employee", "internationalID.countryCode").as_deref(), Some("SE"));
}

#[test]
fn home_address_maps_to_postaddress_city_zipcode_country() {
    let m = mapped(&employee());
    assert_eq!(field(&m, "employee", "postaddress").as_deref(), Some("Storgata 1"));
    assert_eq!(field(&m, "employee", "city").as_deref(), Some("Oslo"));
    assert_eq!(field(&m, "employee", "zipcode").as_deref(), Some("0155"));
    assert_eq!(field(&m, "employee", "countryCode").as_deref(), Some("NO"));
}

#[test]
fn norwegian_bank_account_uses_the_number() {
    let m = mapped(&employee());
    assert_eq!(field(&m, "employee", "account").as_deref(), Some("86011117947"));
    assert_eq!(field(&m, "employee", "bic").as_deref(), Some("DNBANOKK"));
}

#[test]
fn foreign_bank_account_uses_the_iban() {
    let mut e = employee();
    e.bank_account = Some(BankAccount {
        bank: None,
        clearing: Some("3300".into()),
        number: Some("1234567".into()),
        iban: Some("DE89 3704 0044 0532 0130 00".into()),
        bic: Some("COBADEFFXXX".into()),
        country: Some("DE".into()),
    });
    let m = mapped(&e);
    assert_eq!(field(&m, "employee", "account").as_deref(), Some("DE89370400440532013000"));
    assert_eq!(field(&m, "employee", "clearingno").as_deref(), Some("3300"));
}

#[test]
fn foreign_bank_account_without_iban_is_refused() {
    let mut e = employee();
    if let Some(b) = e.bank_account.as_mut() {
        b.country = Some("SE".into());
    }
    let found = issues(&e);
    assert!(found.iter().any(|i| i.field == "bankAccount.iban" && i.code == "missing"), "{found:?}");
}

#[test]
fn a_norwegian_account_held_only_as_an_iban_sends_its_bban() {
    let mut e = employee();
    e.bank_account = Some(iban_only("NO93 8601 1117 947", Some("DNBANOKK"), None));
    assert_eq!(field(&mapped(&e), "employee", "account").as_deref(), Some("86011117947"));
    if let Some(b) = e.bank_account.as_mut() {
        b.country = Some("NO".into());
    }
    assert_eq!(field(&mapped(&e), "employee", "account").as_deref(), Some("86011117947"));
}

#[test]
fn a_foreign_iban_on_an_account_said_to_be_norwegian_is_refused() {
    let mut e = employee();
    e.bank_account = Some(iban_only("DE89 3704 0044 0532 0130 00", None, Some("NO")));
    let found = issues(&e);
    assert!(found.iter().any(|i| i.field == "bankAccount.iban" && i.message.contains("DE IBAN")), "{found:?}");
}

#[test]
fn no_account_in_hr_leaves_the_account_fields_out_so_the_target_keeps_its_own() {
    for account in [
        None,
        Some(BankAccount {
            bank: None,
            clearing: None,
            number: None,
            iban: None,
            bic: None,
            country: Some("NO".into()),
        }),
    ] {
        let mut e = employee();
        e.bank_account = account;
        let m = mapped(&e);
        for name in ACCOUNT_FIELDS {
            assert_eq!(field(&m, "employee", name), None, "{name} must not be sent empty");
        }
    }
}

#[test]
fn invalid_norwegian_account_number_is_refused() {
    let mut e = employee();
    if let Some(b) = e.bank_account.as_mut() {
        b.number = Some("86011117949".into());
    }
    assert!(issues(&e).iter().any(|i| i.field == "bankAccount.number"));
}

#[test]
fn employment_start_end_and_rate_are_copied_with_two_decimals() {
    let m = mapped(&employee());
    assert_eq!(field(&m, "employment", "startdate").as_deref(), Some("2020-01-01"));
    assert_eq!(field(&m, "employment", "enddate").as_deref(), Some(""));
    assert_eq!(field(&m, "employment", "employment_rate").as_deref(), Some("80.00"));
}

fn employment_type(name: &str) -> EmploymentType {
    EmploymentType { id: "x".into(), name: name.into() }
}

#[test]
fn norwegian_and_english_employment_type_names_map_to_their_form_by_default() {
    for (name, form) in [
        ("Permanent", "fast"),
        ("Fast ansatt", "fast"),
        ("Probationary", "fast"),
        ("Temporary", "midlertidig"),
        ("Midlertidig", "midlertidig"),
        ("Vikariat", "midlertidig"),
        (" sesong ", "midlertidig"),
        ("Tilkallingsvikar", "midlertidigAnsattSomTilkallingsvikar"),
    ] {
        assert_eq!(employment_form(&ctx(), Some(&employment_type(name))).as_deref(), Ok(form), "{name}");
    }
    assert_eq!(employment_form(&ctx(), None).as_deref(), Ok("fast"));
}

#[test]
fn the_integration_setting_maps_an_employment_type_and_overrides_the_default() {
    let mut ctx = ctx();
    ctx.settings.push(("employment_form.Innleid".into(), "fastAnsattUtleid".into()));
    ctx.settings.push(("employment_form.permanent".into(), "midlertidig".into()));
    assert_eq!(employment_form(&ctx, Some(&employment_type("innleid"))).as_deref(), Ok("fastAnsattUtleid"));
    assert_eq!(employment_form(&ctx, Some(&employment_type("Permanent"))).as_deref(), Ok("midlertidig"));
}

#[test]
fn an_unmapped_employment_type_or_an_unknown_form_is_refused_with_the_setting_to_add() {
    let mut e = employee();
    e.employments[0].employment_type = Some(employment_type("Konsulent"));
    let found = issues(&e);
    let issue = found.iter().find(|i| i.field == "employment.employmentType").expect("refused");
    assert_eq!(issue.code, "unsupported");
    assert!(issue.message.contains("employment_form.Konsulent"), "{}", issue.message);
    let mut ctx = ctx();
    ctx.settings.push(("employment_form.Konsulent".into(), "frilans".into()));
    let why = employment_form(&ctx, Some(&employment_type("Konsulent"))).expect_err("not a form");
    assert!(why.contains("frilans") && why.contains("midlertidig"), "{why}");
}

#[test]
fn profession_code_is_the_note_before_the_colon() {
    let mut e = employee();
    e.employments[0].note = Some("0111101:7".into());
    let m = mapped(&e);
    assert_eq!(field(&m, "employment", "profession_code").as_deref(), Some("0111101"));
}

#[test]
fn end_reason_is_the_number_after_the_colon_codes_1_to_6() {
    let expected = [
        (1, "arbeidsforholdetSkulleAldriVaertRapportert"),
        (2, "arbeidsgiverHarSagtOppArbeidstaker"),
        (3, "arbeidstakerHarSagtOppSelv"),
        (4, "byttetLoenssystemEllerRegnskapsfoerer"),
        (5, "endringIOrganisasjonsstrukturEllerByttetJobbInternt"),
        (6, "kontraktEngasjementEllerVikariatErUtloept"),
    ];
    for (n, reason) in expected {
        let mut e = employee();
        e.employments[0].note = Some(format!("0111101:{n}"));
        e.employments[0].end_date = Some("2025-06-30".into());
        let m = mapped(&e);
        assert_eq!(field(&m, "employment", "enddate").as_deref(), Some("2025-06-30"));
        assert_eq!(field(&m, "employment", "enddate_reason").as_deref(), Some(reason));
    }
}

#[test]
fn end_reason_7_is_outside_the_table_and_ignored_while_employment_is_open() {
    let mut e = employee();
    e.employments[0].note = Some("0111101:7".into());
    assert_eq!(field(&mapped(&e), "employment", "enddate_reason"), None);
}

#[test]
fn end_reason_is_sent_only_with_an_end_date() {
    let mut e = employee();
    e.employments[0].note = Some("0111101:3".into());
    let m = mapped(&e);
    assert_eq!(field(&m, "employment", "enddate_reason"), None, "an open employment has no end reason");
    e.employments[0].end_date = Some("2025-06-30".into());
    let m = mapped(&e);
    assert_eq!(field(&m, "employment", "enddate_reason").as_deref(), Some("arbeidstakerHarSagtOppSelv"));
}

#[test]
fn profession_code_outside_ssbs_occupation_list_is_refused() {
    assert!(is_yrkeskode("2130102"));
    assert!(is_yrkeskode("0111101"));
    assert!(!is_yrkeskode("1234567"), "seven digits, but no such occupation");
    assert!(!is_yrkeskode("213010"));
    assert!(!is_yrkeskode("+130102"));
    let mut e = employee();
    e.employments[0].note = Some("1234567".into());
    let found = issues(&e);
    assert!(found.iter().any(|i| i.field == "employment.note" && i.message.contains("SSB")), "{found:?}");
}

#[test]
fn ended_employment_without_a_valid_end_reason_is_refused() {
    let mut e = employee();
    e.employments[0].note = Some("0111101:7".into());
    e.employments[0].end_date = Some("2025-06-30".into());
    assert!(issues(&e).iter().any(|i| i.field == "employment.note" && i.code == "invalid"));
    e.employments[0].note = Some("0111101".into());
    assert!(issues(&e).iter().any(|i| i.field == "employment.note" && i.code == "missing"));
}

#[test]
fn working_times_and_employment_type_are_hardcoded() {
    let m = mapped(&employee());
    assert_eq!(field(&m, "employment", "working_times").as_deref(), Some("ikkeSkift"));
    assert_eq!(field(&m, "employment", "employment_type").as_deref(), Some("ordinaertArbeidsforhold"));
}

#[test]
fn salary_comes_from_the_most_recent_compensation() {
    let mut e = employee();
    e.compensations.push(compensation("c0", "2022-01-01", "HOURLY", "250"));
    e.compensations.push(compensation("c2", "2025-03-01", "MONTHLY", "55000.5"));
    let m = mapped(&e);
    assert_eq!(field(&m, "employee", "salary").as_deref(), Some("55000.50"));
    assert_eq!(field(&m, "employee", "salary_type").as_deref(), Some("monthly"));
    assert_eq!(field(&m, "employee", "salary_valid_from").as_deref(), Some("2025-03-01"));
}

#[test]
fn a_future_compensation_is_not_sent_before_its_date() {
    let mut e = employee();
    e.compensations.push(compensation("c-future", "2027-01-01", "MONTHLY", "60000"));
    let m = mapped(&e);
    assert_eq!(field(&m, "employee", "salary").as_deref(), Some("52000.00"), "today is 2026-11-22 in ctx()");
    assert_eq!(field(&m, "employee", "salary_valid_from").as_deref(), Some("2024-01-01"));
    let on_the_day = Context { today: "2027-01-01".into(), ..ctx() };
    let m = map_employee(&on_the_day, &e).unwrap_or_else(|i| panic!("{i:?}"));
    assert_eq!(field(&m, "employee", "salary").as_deref(), Some("60000.00"), "it goes out on its date");
}

#[test]
fn only_future_compensations_send_no_salary() {
    let mut e = employee();
    e.compensations[0].effective_date = Some("2030-01-01".into());
    let m = mapped(&e);
    assert_eq!(field(&m, "employee", "salary"), None);
    assert_eq!(field(&m, "employee", "salary_type"), None);
}

#[test]
fn hourly_payout_period_maps_to_hourly_and_annual_is_refused() {
    assert_eq!(salary_type("HOURLY"), Some("hourly"));
    let mut e = employee();
    e.compensations[0].payout_period = Some("ANNUAL".into());
    assert!(issues(&e).iter().any(|i| i.field == "compensation.payoutPeriod" && i.code == "unsupported"));
}

#[test]
fn missing_required_fields_are_each_reported() {
    let mut e = employee();
    e.first_name = None;
    e.ssn = Some(" ".into());
    let found = issues(&e);
    assert!(found.iter().any(|i| i.field == "firstName" && i.message == "firstName missing"));
    assert!(found.iter().any(|i| i.field == "ssn" && i.code == "missing"));
}

#[test]
fn invalid_national_id_is_refused() {
    let mut e = employee();
    e.ssn = Some("20036914712".into());
    assert!(issues(&e).iter().any(|i| i.field == "ssn" && i.code == "invalid"));
}

#[test]
fn non_numeric_employee_number_is_refused() {
    let mut e = employee();
    e.employee_number = Some("A-17".into());
    assert!(issues(&e).iter().any(|i| i.field == "employeeNumber" && i.code == "invalid"));
}

proptest::proptest! {
    #[test]
    fn two_decimals_keeps_the_value(units in 0u64..100_000_000, hundredths in 0u32..100) {
        let s = format!("{units}.{hundredths:02}");
        proptest::prop_assert_eq!(two_decimals(&s), Some(s.clone()));
        proptest::prop_assert_eq!(two_decimals(&units.to_string()), Some(format!("{units}.00")));
    }
}
