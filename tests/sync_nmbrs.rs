//! Whole syncs against the Visma Nmbrs emulator: OAuth2 plus subscription
//! key, server-made ids, sub-resources, paging, the three link views.

mod common;

use common::{NMBRS, NmbrsHarness, outcome_of, sample_snapshot};
use paybridge::sync::views::{View, link_rows};
use paybridge::sync::{Outcome, SyncOptions};
use paybridge_emulators::faults::Fault;

/// The Nmbrs connector's required fields, as the views use them.
fn required(h: &NmbrsHarness) -> Vec<String> {
    h.app.registry.resolve("nmbrs", None).expect("nmbrs loaded").manifest.required_fields.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_employee_is_created_then_gets_address_bank_account_and_salary() {
    let h = NmbrsHarness::new(&sample_snapshot(), 100).await;
    let report = h.sync().await;
    assert_eq!(report.status, "succeeded", "{}", report.summary());
    assert_eq!(outcome_of(&report, "1001").outcome, Outcome::Created);
    let kari = h.emulator.employee_by_number(1001).expect("1001 in Nmbrs");
    assert_eq!(kari["personalInfo"]["basicInfo"]["lastName"], "Nordmann");
    assert_eq!(kari["inServiceDate"], "2012-01-01");
    assert_eq!(kari["address"]["street"], "Storgata");
    assert_eq!(kari["address"]["houseNumber"], "1");
    assert_eq!(kari["bankAccounts"][0]["bankAccountType"], "standard");
    assert!(kari["bankAccounts"][0]["IBAN"].as_str().is_some_and(|i| i.starts_with("NO")));
    assert_eq!(kari["salaries"][0]["type"], "grossParttimeSalary", "Kari works 80 %");
    let id = kari["employeeId"].as_str().expect("uuid");
    let writes: Vec<String> = h.emulator.write_requests().iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    assert!(writes.contains(&format!("POST /api/employees/{id}/bankaccount")), "{writes:?}");

    let second = h.sync().await;
    assert_eq!(second.writes_sent, 0, "{}", second.summary());
    assert_eq!(second.count("unchanged"), report.count("created"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_that_changes_only_the_bank_account_sends_only_that() {
    let h = NmbrsHarness::new(&sample_snapshot(), 100).await;
    h.sync().await;
    assert!(h.emulator.edit_iban(1002, "NL91ABNA0417164300"));
    let before = h.emulator.write_requests().len();
    let report = h.sync().await;
    let writes = &h.emulator.write_requests()[before..];
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0].method, "PUT");
    assert!(writes[0].path.ends_with("/bankaccount"));
    assert!(
        matches!(&outcome_of(&report, "1002").outcome, Outcome::Updated { fields } if fields == &vec!["IBAN".to_string()])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_employee_missing_a_birth_date_is_skipped_with_birth_date_missing() {
    let mut snapshot = sample_snapshot();
    let e = snapshot.employees.iter_mut().find(|e| e.employee_number.as_deref() == Some("1003")).expect("1003");
    e.birth_date = None;
    let h = NmbrsHarness::new(&snapshot, 100).await;
    let report = h.sync().await;
    assert_eq!(outcome_of(&report, "1003").outcome, Outcome::Skipped { reason: "birthDate missing".into() });
    assert!(h.emulator.employee_by_number(1003).is_none());
    let rows = link_rows(&h.app.store, NMBRS, View::NotConnected, &required(&h)).expect("view");
    let lena = rows.iter().find(|r| r.employee_number.as_deref() == Some("1003")).expect("1003 not connected");
    assert_eq!(lena.missing, vec!["birthDate".to_string()], "the view lists exactly what is missing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_likely_match_blocks_a_duplicate_create_and_is_offered_by_links_suggest() {
    let h = NmbrsHarness::new(&sample_snapshot(), 100).await;
    // Kari Nordmann exists in Nmbrs under another number, same birth date.
    let existing = h.emulator.insert_employee(9001, "Kari", "Nordmann", "1985-03-14");
    let report = h.sync().await;
    match &outcome_of(&report, "1001").outcome {
        Outcome::Skipped { reason } => {
            assert!(reason.contains(&existing) && reason.contains("links connect"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(h.emulator.employee_by_number(1001).is_none(), "no duplicate created");
    let suggestions = h.app.suggest_links(NMBRS, Some(h.secrets())).await.expect("suggest");
    let kari = suggestions.iter().find(|s| s.employee_number.as_deref() == Some("1001")).expect("offered");
    assert_eq!(kari.target_id, existing);
    assert_eq!(kari.reason, "same name and birth date");

    // Connecting them makes the next sync update that employee.
    h.app.store.connect(NMBRS, &kari.hr_id, &existing, "manual").expect("connect");
    let report = h.sync().await;
    assert!(
        matches!(outcome_of(&report, "1001").outcome, Outcome::Updated { .. }),
        "{:?}",
        outcome_of(&report, "1001").outcome
    );
    assert!(h.emulator.employee_by_number(1001).is_some(), "the existing employee now carries number 1001");
    assert!(h.emulator.employee_by_number(9001).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_disconnect_and_the_three_views_behave_as_the_seed_describes() {
    let h = NmbrsHarness::new(&sample_snapshot(), 100).await;
    let all = link_rows(&h.app.store, NMBRS, View::All, &required(&h)).expect("all").len();
    assert_eq!(
        link_rows(&h.app.store, NMBRS, View::NotConnected, &required(&h)).expect("nc").len(),
        all,
        "nothing exported yet"
    );
    let report = h.sync().await;
    let connected = link_rows(&h.app.store, NMBRS, View::Connected, &required(&h)).expect("connected");
    assert_eq!(connected.len(), report.count("created"));
    assert_eq!(
        link_rows(&h.app.store, NMBRS, View::NotConnected, &required(&h)).expect("nc").len(),
        all - connected.len()
    );

    let ola = connected.iter().find(|r| r.employee_number.as_deref() == Some("1002")).expect("1002 connected");
    assert!(h.app.store.disconnect(NMBRS, &ola.hr_id).expect("disconnect"));
    assert!(
        link_rows(&h.app.store, NMBRS, View::NotConnected, &required(&h))
            .expect("nc")
            .iter()
            .any(|r| r.hr_id == ola.hr_id && r.state == "disconnected")
    );
    h.emulator.edit_iban(1002, "NL91ABNA0417164300");
    let report = h.sync().await;
    assert!(
        matches!(&outcome_of(&report, "1002").outcome, Outcome::Skipped { reason } if reason.starts_with("disconnected"))
    );
    assert_eq!(
        h.emulator.employee_by_number(1002).expect("1002")["bankAccounts"][0]["IBAN"],
        "NL91ABNA0417164300",
        "not updated while disconnected"
    );

    let target = ola.target_id.clone().expect("target id");
    h.app.store.connect(NMBRS, &ola.hr_id, &target, "manual").expect("connect again");
    let report = h.sync().await;
    assert!(matches!(outcome_of(&report, "1002").outcome, Outcome::Updated { .. }));
    assert_eq!(link_rows(&h.app.store, NMBRS, View::Connected, &required(&h)).expect("c").len(), connected.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_are_followed_over_more_than_one_page() {
    let h = NmbrsHarness::new(&sample_snapshot(), 4).await;
    let first = h.sync().await;
    assert!(first.count("created") > 8, "{}", first.summary());
    let before = h.emulator.requests().len();
    let second = h.sync().await;
    assert_eq!(second.writes_sent, 0, "every employee found across pages: {}", second.summary());
    let list_reads =
        h.emulator.requests()[before..].iter().filter(|r| r.path.ends_with("/employees/personalinfo")).count();
    assert!(list_reads >= 3, "the personal-info list took {list_reads} page(s)");
}

/// Contract 1.0 re-parsed the whole read every round and gave up after 50
/// rounds: a company of 6 000 at 100 per page could not be read back. The
/// streaming read has no round limit: here 60 pages per list (the same
/// shape at a tenth of the size), created, read back, and a no-change sync
/// that sends exactly the list pages, each once, and nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_of_more_than_fifty_pages_per_list_completes_and_a_no_change_sync_sends_only_the_list_pages() {
    let (size, page) = (600, 10);
    let company = common::company::generate_company(size);
    let h = NmbrsHarness::new(&company, page).await;
    let first = h.sync().await;
    assert_eq!(first.count("failed"), 0, "{}", first.summary());
    let created = first.count("created");
    assert!(created > 500, "{}", first.summary());
    assert_eq!(h.emulator.employee_count(), created);

    let before = h.emulator.requests().len();
    let second = h.sync().await;
    assert_eq!(second.count("unchanged"), created, "{}", second.summary());
    assert_eq!(second.writes_sent, 0);
    let sent: Vec<_> =
        h.emulator.requests()[before..].iter().filter(|r| r.path.starts_with("/api/")).cloned().collect();
    assert!(sent.iter().all(|r| r.method == "GET"), "reads only");
    let lists = ["/employees/personalinfo", "/employees/addresses", "/employees/bankaccounts", "/employees/salaries"];
    assert!(sent.iter().all(|r| lists.iter().any(|l| r.path.ends_with(l))), "only the four lists");
    let employee_pages = sent.iter().filter(|r| r.path.ends_with("/employees/personalinfo")).count();
    assert_eq!(employee_pages, created.div_ceil(page), "every page of the employee list once");
    assert!(sent.len() <= 4 * created.div_ceil(page), "{} requests", sent.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_then_success_is_retried_and_problem_details_become_messages() {
    let h = NmbrsHarness::new(&sample_snapshot(), 100).await;
    h.emulator.push_fault(Fault::status("GET", "/api/companies/", 429, 1).with_retry_after(1));
    let report = h.sync().await;
    assert!(h.emulator.requests().iter().any(|r| r.status == 429));
    assert_eq!(outcome_of(&report, "1001").outcome, Outcome::Created);

    h.emulator.edit_iban(1002, "NL91ABNA0417164300");
    h.emulator.push_fault(Fault::status("PUT", "/api/employees/", 400, 1));
    let report = h.sync().await;
    match &outcome_of(&report, "1002").outcome {
        Outcome::Failed { reason } => {
            assert!(reason.contains("answered 400: Bad Request: fault injected by the emulator"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(report.status, "partial");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_renewed() {
    let h = NmbrsHarness::new(&sample_snapshot(), 100).await;
    h.sync().await;
    let issued = h.emulator.tokens_issued();
    h.emulator.expire_tokens();
    let report = h.sync().await;
    assert_eq!(report.status, "succeeded");
    assert!(h.emulator.tokens_issued() > issued);
}

/// HR holds employee number 1001 twice (a data error) and Nmbrs holds
/// 1001: a sync with `options` must write nothing to it and fail both
/// claimers saying why. Returns the report.
async fn twins_claiming_one_target(options: SyncOptions) -> paybridge::sync::RunReport {
    let mut snapshot = sample_snapshot();
    let twin = snapshot.employees.iter_mut().find(|e| e.employee_number.as_deref() == Some("1002")).expect("1002");
    twin.employee_number = Some("1001".into());
    let h = NmbrsHarness::new(&snapshot, 100).await;
    let existing = h.emulator.insert_employee(1001, "Someone", "Else", "1970-01-01");
    let report = h.try_sync(options).await.expect("sync runs");
    let claimers: Vec<_> = report.employees.iter().filter(|e| e.employee_number.as_deref() == Some("1001")).collect();
    assert_eq!(claimers.len(), 2);
    for claimer in claimers {
        match &claimer.outcome {
            Outcome::Failed { reason } => {
                assert!(reason.contains("matches HR employees 1001, 1001 at once"), "{reason}")
            }
            other => panic!("{}: {other:?}", claimer.name),
        }
    }
    assert!(h.emulator.write_requests().iter().all(|r| !r.path.contains(&existing)), "nothing written to it");
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hr_employees_matching_one_target_employee_write_nothing_to_it_and_say_why() {
    twins_claiming_one_target(SyncOptions::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hr_employees_claiming_one_target_employee_are_refused_together_even_in_chunks_of_one() {
    // Every employee in a chunk of its own: the scope pass puts the two
    // 1001s in one last chunk.
    let report = twins_claiming_one_target(SyncOptions { chunk_size: Some(1), ..SyncOptions::default() }).await;
    assert!(report.count("created") > 10, "the others synced: {}", report.summary());
}

/// The page numbers of one list's requests, in the order sent.
fn pages_of(requests: &[paybridge_emulators::faults::LoggedRequest], list: &str) -> Vec<u64> {
    requests
        .iter()
        .filter(|r| r.path.ends_with(list))
        .filter_map(|r| r.query.split('&').find_map(|p| p.strip_prefix("pageNumber=")).and_then(|n| n.parse().ok()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_pages_of_100_are_followed_by_their_next_page_links_and_a_second_sync_writes_nothing() {
    let company = common::company::generate_company(300);
    let h = NmbrsHarness::new(&company, 100).await;
    let first = h.sync().await;
    assert_eq!(first.count("failed"), 0, "{}", first.summary());
    let created = first.count("created");
    assert!(created > 200, "{}", first.summary());
    let before = h.emulator.requests().len();
    let second = h.sync().await;
    assert_eq!(second.writes_sent, 0, "every employee found on all three pages: {}", second.summary());
    assert_eq!(second.count("unchanged"), created);
    let sent = &h.emulator.requests()[before..];
    let mut pages = pages_of(sent, "/employees/personalinfo");
    pages.sort_unstable();
    assert_eq!(pages, (1..=created.div_ceil(100) as u64).collect::<Vec<_>>(), "each page once, via nextPage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_address_of_the_current_period_wins_over_earlier_and_later_ones() {
    let h = NmbrsHarness::new(&sample_snapshot(), 100).await;
    let first = h.sync().await;
    assert_eq!(outcome_of(&first, "1001").outcome, Outcome::Created);
    let address = |city: &str, year: i64| {
        serde_json::json!({"type": "homeAddress", "isDefault": true, "street": "Elsewhere", "houseNumber": "9",
                           "postalCode": "9999", "city": city, "countryISOCode": "NO",
                           "period": {"year": year, "period": 1}})
    };
    h.emulator.add_address(1001, address("Bergen", 2019));
    h.emulator.add_address(1001, address("Tromsø", 2099));
    let before = h.emulator.write_requests().len();
    let second = h.sync().await;
    assert_eq!(outcome_of(&second, "1001").outcome, Outcome::Unchanged, "{}", second.summary());
    assert_eq!(h.emulator.write_requests().len(), before, "the address in force is the one written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_refresh_token_is_kept_so_the_next_run_still_authenticates() {
    let h = NmbrsHarness::new(&sample_snapshot(), 100).await;
    let initial = h.emulator.settings().refresh_token.clone();
    h.sync().await;
    let rotated = h.emulator.current_refresh_token();
    assert_ne!(rotated, initial, "Nmbrs rotated the token");
    let kept = h.app.config.database.with_extension("db.tokens").join("nmbrs.json");
    let text = std::fs::read_to_string(&kept).expect("the rotated token is kept");
    assert!(text.contains(&rotated));
    // The next run is given the same (now used) token by its environment:
    // the kept one is used instead, and rotates again.
    let report = h.sync().await;
    assert_eq!(report.status, "succeeded", "{}", report.summary());
    assert_eq!(h.emulator.refresh_grants(), 2);
    assert_ne!(h.emulator.current_refresh_token(), rotated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_refresh_token_fails_the_run_saying_to_authorize_again() {
    let h = NmbrsHarness::new(&sample_snapshot(), 100).await;
    let s = h.emulator.settings();
    let secrets = paybridge::http::Secrets::from_pairs(&[
        ("client_id", &s.client_id),
        ("client_secret", &s.client_secret),
        ("subscription_key", &s.subscription_key),
        ("refresh_token", "revoked-long-ago"),
    ]);
    let report = h.app.sync(NMBRS, &SyncOptions::default(), Some(secrets), None).await;
    let text = match report {
        Ok(r) => format!("{} {:?}", r.summary(), r.error),
        Err(e) => e.to_string(),
    };
    assert!(text.contains("paybridge auth"), "{text}");
    assert!(!text.contains("revoked-long-ago"), "the token never shows: {text}");
    assert!(h.emulator.write_requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authorization_code_gives_the_refresh_token_every_later_sync_uses() {
    let h = NmbrsHarness::new(&sample_snapshot(), 100).await;
    let s = h.emulator.settings().clone();
    let client =
        paybridge::http::Secrets::from_pairs(&[("client_id", &s.client_id), ("client_secret", &s.client_secret)]);
    let authorization = h.app.authorization(NMBRS, Some(client)).expect("OAuth2 with a refresh token");
    let url = authorization.authorize_url(&s.redirect_uri, "st4te").expect("url").to_string();
    assert!(url.starts_with(&h.emulator.authorize_url()), "{url}");
    assert!(url.contains("scope=employee.info+employee.bankaccount"), "{url}");
    authorization.redeem(&s.authorization_code, &s.redirect_uri).await.expect("code redeemed");
    // No refresh token in the environment: the kept one is used.
    let secrets = paybridge::http::Secrets::from_pairs(&[
        ("client_id", &s.client_id),
        ("client_secret", &s.client_secret),
        ("subscription_key", &s.subscription_key),
    ]);
    let report = h.app.sync(NMBRS, &SyncOptions::default(), Some(secrets), None).await.expect("sync runs");
    assert_eq!(report.status, "succeeded", "{}", report.summary());
    assert_eq!(outcome_of(&report, "1001").outcome, Outcome::Created);
    assert!(authorization.redeem(&s.authorization_code, &s.redirect_uri).await.is_err(), "a code works once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_employee_number_with_leading_zeros_matches_and_is_not_changed_every_run() {
    let mut snapshot = sample_snapshot();
    let e = snapshot.employees.iter_mut().find(|e| e.employee_number.as_deref() == Some("1002")).expect("1002");
    e.employee_number = Some("01002".into());
    let h = NmbrsHarness::new(&snapshot, 100).await;
    let first = h.sync().await;
    assert_eq!(first.count("failed"), 0, "{}", first.summary());
    assert!(h.emulator.employee_by_number(1002).is_some());
    let second = h.sync().await;
    assert_eq!(second.writes_sent, 0, "{}", second.summary());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_employee_without_an_employee_number_is_found_again_by_the_id_the_create_answered() {
    let mut snapshot = sample_snapshot();
    let e = snapshot.employees.iter_mut().find(|e| e.employee_number.as_deref() == Some("1002")).expect("1002");
    e.employee_number = None;
    let hr_id = e.id.clone();
    let h = NmbrsHarness::new(&snapshot, 100).await;
    let first = h.sync().await;
    let report = first.employees.iter().find(|r| r.hr_id == hr_id).expect("reported");
    assert_eq!(report.outcome, Outcome::Created, "{}", first.summary());
    let link = h.app.store.link(NMBRS, &hr_id).expect("store").expect("linked at once");
    assert_eq!(link.how, "created");
    let writes: Vec<String> = h.emulator.write_requests().iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    assert!(writes.contains(&format!("POST /api/employees/{}/bankaccount", link.target_id)), "{writes:?}");
    let second = h.sync().await;
    assert_eq!(second.writes_sent, 0, "found by its link, nothing created twice: {}", second.summary());
    assert_eq!(h.emulator.employee_count(), first.count("created"));
}
