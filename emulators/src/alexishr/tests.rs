//! The emulator over loopback, as a live HR source would use it.

use super::{BASE_INSTANT, Data, Emulator, Settings, format_instant, query};
use crate::faults::Fault;
use serde_json::{Value, json};

/// Seven employees (e04 without stamps), employments, offices, a
/// department, a child and leave types with codes for two of three.
const SNAPSHOT: &str = r#"{
    "employee": {"status": "ok", "data": [
        {"id": "e01", "employeeNumber": "1", "active": true, "firstName": "Ada Lovelace", "officeId": "o1", "departmentId": "d1",
         "homeAddress": {"street": "Storgata 1", "postalCode": "0155", "city": "Oslo", "country": "NO"},
         "created": "2025-06-01T00:00:00.000Z", "updated": "2026-02-01T10:00:00.000Z"},
        {"id": "e02", "employeeNumber": "2", "active": true, "firstName": "Grace", "officeId": "o2",
         "created": "2025-06-01T00:00:00.000Z", "updated": "2026-02-03T10:00:00.000Z"},
        {"id": "e03", "employeeNumber": "3", "active": true, "officeId": "o1",
         "created": "2025-06-01T00:00:00.000Z", "updated": "2026-02-02T10:00:00.000Z"},
        {"id": "e04", "employeeNumber": "4", "active": true},
        {"id": "e05", "employeeNumber": "5", "active": true,
         "created": "2025-06-01T00:00:00.000Z", "updated": "2026-02-02T10:00:00.000Z"},
        {"id": "e06", "employeeNumber": "6", "active": true,
         "created": "2025-06-01T00:00:00.000Z", "updated": "2026-02-04T00:00:00.000Z"},
        {"id": "e07", "employeeNumber": "7", "active": false,
         "created": "2025-06-01T00:00:00.000Z", "updated": "2026-01-15T00:00:00.000Z"}
    ]},
    "employment": [
        {"id": "m1", "employeeId": "e01", "typeId": "t1", "startDate": "2024-01-01T00:00:00.000Z", "rate": 100, "terminated": false, "country": "NO"},
        {"id": "m2", "employeeId": "e02", "typeId": "t1", "startDate": "2024-03-01T00:00:00.000Z", "rate": 50, "terminated": false, "country": "NO"},
        {"id": "m3", "employeeId": "e01", "typeId": "t1", "startDate": "2020-01-01T00:00:00.000Z", "endDate": "2023-12-31T00:00:00.000Z", "rate": 60, "terminated": true, "country": "SE"}
    ],
    "employment-type": [{"id": "t1", "name": "Permanent", "vacation": true, "country": "NO"}],
    "office": [{"id": "o1", "name": "Oslo"}, {"id": "o2", "name": "Bergen"}],
    "department": [{"id": "d1", "name": "Engineering"}],
    "child": [{"id": "k1", "employeeId": "e02", "name": "Ola Nordmann", "birthdate": "2019-12-31T23:00:00.000Z"}],
    "leave-type": {"status": "ok", "data": [
            {"id": "lt1", "name": "Sick leave", "kind": "SICK_LEAVE", "paid": true},
            {"id": "lt2", "name": "Off duty", "kind": "OFF_DUTY", "paid": false},
            {"id": "lt3", "name": "Vacation", "kind": "VACATION", "paid": true}],
        "relations": {"leaveTypeCode": [
            {"id": "c1", "companyId": "co", "leaveTypeId": "lt1", "code": "SICK"},
            {"id": "c3", "companyId": "co", "leaveTypeId": "lt3", "code": "VAC"}]}},
    "team": {"data": [{"id": "x"}]},
    "cost-center": []
}"#;

async fn emulator() -> Emulator {
    Emulator::with_snapshot(Settings::default(), SNAPSHOT).await.expect("the snapshot loads")
}

async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    let body = response.json().await.expect("a JSON body");
    (status, body)
}

async fn get(emulator: &Emulator, path: &str) -> (u16, Value) {
    send(reqwest::Client::new().get(format!("{}{path}", emulator.base_url())).bearer_auth(emulator.token())).await
}

async fn patch(emulator: &Emulator, path: &str, body: Value) -> (u16, Value) {
    let url = format!("{}{path}", emulator.base_url());
    send(reqwest::Client::new().patch(url).bearer_auth(emulator.token()).json(&body)).await
}

fn ids(body: &Value) -> Vec<String> {
    body["data"].as_array().expect("a data array").iter().map(|r| r["id"].as_str().unwrap_or("?").to_owned()).collect()
}

fn messages(body: &Value) -> Vec<String> {
    body["message"]
        .as_array()
        .expect("an array of messages")
        .iter()
        .map(|m| m.as_str().unwrap_or("").to_owned())
        .collect()
}

fn updated(record: &Value) -> jiff::Timestamp {
    record["updated"].as_str().and_then(query::parse_instant).expect("an updated instant")
}

#[tokio::test]
async fn paging_with_limit_and_offset_gives_every_record_once_with_total_and_count() {
    let emulator = emulator().await;
    let mut seen = Vec::new();
    for (offset, count) in [(0, 3), (3, 3), (6, 1)] {
        let (status, body) = get(&emulator, &format!("/employee?limit=3&offset={offset}")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!((body["status"].as_str(), body["total"].as_u64()), (Some("ok"), Some(7)));
        assert_eq!((body["count"].as_u64(), body["offset"].as_u64()), (Some(count), Some(offset)));
        assert_eq!(body["relations"], json!({}));
        seen.extend(ids(&body));
    }
    assert_eq!(seen, ["e01", "e02", "e03", "e04", "e05", "e06", "e07"], "each once, by id");
    let (_, past) = get(&emulator, "/employee?limit=3&offset=9").await;
    assert_eq!((past["count"].as_u64(), past["total"].as_u64()), (Some(0), Some(7)));
    let (_, all) = get(&emulator, "/employee").await;
    assert_eq!((all["count"].as_u64(), all["offset"].as_u64()), (Some(7), Some(0)), "no limit is everything");
}

#[tokio::test]
async fn an_updated_gte_filter_sorted_by_updated_then_id_returns_only_newer_records_in_order() {
    let emulator = emulator().await;
    // Percent-encoded as a client library sends it.
    let (status, body) = get(
        &emulator,
        "/employee?filters%5Bupdated%5D%5B%24gte%5D=2026-02-02T10%3A00%3A00.000Z&sort%5Bupdated%5D=asc&sort%5Bid%5D=asc",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body), ["e03", "e05", "e02", "e06"]);
    assert_eq!(body["total"].as_u64(), Some(4));
    let (_, desc) =
        get(&emulator, "/employee?filters[updated][$gte]=2026-02-02&sort[updated]=desc&sort[id]=desc").await;
    assert_eq!(ids(&desc), ["e06", "e02", "e05", "e03"], "a bare date is midnight UTC; keys apply in order");
    let (_, paged) =
        get(&emulator, "/employee?filters[updated][$gt]=2026-02-01T10:00:00Z&sort[updated]=asc&limit=2").await;
    assert_eq!(ids(&paged), ["e03", "e05"], "ties under the sort keys broken by id");
    assert_eq!(paged["total"].as_u64(), Some(4));
}

#[tokio::test]
async fn every_malformed_list_query_is_a_400_naming_the_offender() {
    let emulator = emulator().await;
    let cases = [
        ("/employee?foo=1", "foo"),
        ("/employee?filters[salary]=1", "salary"),
        ("/employee?filters%5Bsalary%5D%5B%24eq%5D=1", "salary"),
        ("/employee?filters[updated][$after]=2026-01-01", "$after"),
        ("/employee?limit=abc", "limit"),
        ("/employee?limit=0", "limit"),
        ("/employee?limit=-1", "limit"),
        ("/employee?limit=2.5", "limit"),
        ("/employee?offset=-1", "offset"),
        ("/employee?sort[id]=up", "\"up\""),
        ("/employee?sort[salary]=asc", "salary"),
        ("/employee?select=id,salary", "salary"),
        ("/employee?select=id,homeAddress", "homeAddress"),
        ("/employee?relations=office,team", "team"),
        ("/office?relations=x", "relations"),
        ("/employee?filters[updated][$gte]=yesterday", "yesterday"),
        ("/employee?filters[active]=yes", "yes"),
        ("/employment?filters[rate][$gt]=full", "full"),
        ("/employee?filters[id][$between][]=e01", "$between"),
        ("/employee?filters[id][$in]=e01", "$in"),
        ("/employee?filters[id][$eq][]=e01", "$eq"),
        ("/employee/e01?limit=1", "limit"),
        ("/employee?filters[id]=%zz", "%zz"),
    ];
    for (path, offender) in cases {
        let (status, body) = get(&emulator, path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!((body["statusCode"].as_u64(), body["error"].as_str()), (Some(400), Some("Bad Request")), "{path}");
        assert!(messages(&body).iter().any(|m| m.contains(offender)), "{path}: {body}");
    }
    let (_, both) = get(&emulator, "/employee?foo=1&limit=0").await;
    assert_eq!(messages(&both).len(), 2, "one message per problem: {both}");
}

#[tokio::test]
async fn filters_coerce_booleans_numbers_and_lists_and_decode_plus_as_space() {
    let emulator = emulator().await;
    let (_, inactive) = get(&emulator, "/employee?filters[active]=false").await;
    assert_eq!(ids(&inactive), ["e07"]);
    let (_, named) = get(&emulator, "/employee?filters[firstName]=Ada+Lovelace").await;
    assert_eq!(ids(&named), ["e01"]);
    let (_, rate) = get(&emulator, "/employment?filters[rate][$gte]=60&filters[terminated][$eq]=false").await;
    assert_eq!(ids(&rate), ["m1"], "60 < 100 as numbers, and every condition applies");
    let (_, listed) = get(&emulator, "/employee?filters[id][$in][]=e02&filters[id][$in][]=e05&sort[id]=desc").await;
    assert_eq!(ids(&listed), ["e05", "e02"]);
    let (_, without) = get(&emulator, "/employee?filters[officeId][$nin][]=o1&filters[officeId][$nin][]=o2").await;
    assert_eq!(ids(&without), ["e04", "e05", "e06", "e07"], "a missing value is not in the list");
    let (_, between) = get(
        &emulator,
        "/employment?filters[startDate][$between][]=2024-01-01&filters[startDate][$between][]=2024-02-01",
    )
    .await;
    assert_eq!(ids(&between), ["m1"], "inclusive");
}

#[tokio::test]
async fn a_request_without_the_right_token_is_401() {
    let emulator = emulator().await;
    let url = format!("{}/employee", emulator.base_url());
    for request in [reqwest::Client::new().get(&url), reqwest::Client::new().get(&url).bearer_auth("wrong")] {
        let (status, body) = send(request).await;
        assert_eq!(status, 401);
        assert_eq!(body, json!({"statusCode": 401, "message": "Unauthorized", "error": "Unauthorized"}));
    }
}

#[tokio::test]
async fn leave_types_with_relations_leave_type_code_carry_the_codes_of_the_page() {
    let emulator = emulator().await;
    let (_, all) = get(&emulator, "/leave-type?relations=leaveTypeCode").await;
    let codes: Vec<&str> = all["relations"]["leaveTypeCode"]
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|c| c["code"].as_str())
        .collect();
    assert_eq!(codes, ["SICK", "VAC"]);
    let (_, last) = get(&emulator, "/leave-type?relations=leaveTypeCode&limit=1&offset=2").await;
    assert_eq!(ids(&last), ["lt3"]);
    assert_eq!(
        last["relations"]["leaveTypeCode"],
        json!([{"id": "c3", "companyId": "co", "leaveTypeId": "lt3", "code": "VAC"}])
    );
    let (_, uncoded) = get(&emulator, "/leave-type?relations=leaveTypeCode&filters[id]=lt2").await;
    assert_eq!(uncoded["relations"]["leaveTypeCode"], json!([]));
    let (_, one) = get(&emulator, "/leave-type/lt1?relations=leaveTypeCode").await;
    assert_eq!(one["relations"]["leaveTypeCode"]["code"], "SICK", "get-one carries a single object");
    let (status, _) = get(&emulator, "/leave-type-code").await;
    assert_eq!(status, 404, "codes are served only as a relation");
}

#[tokio::test]
async fn select_projects_exactly_the_selected_keys_and_employee_relations_side_load_the_page() {
    let emulator = emulator().await;
    let (status, body) = get(
        &emulator,
        "/employee?select=id,firstName&filters[id][$in][]=e01&filters[id][$in][]=e02\
         &relations=office,department,employment,child,costCenter,employmentType",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"], json!([{"id": "e01", "firstName": "Ada Lovelace"}, {"id": "e02", "firstName": "Grace"}]));
    let rel = &body["relations"];
    let of = |name: &str| -> Vec<String> { ids(&json!({"data": rel[name]})) };
    assert_eq!(of("office"), ["o1", "o2"]);
    assert_eq!(of("department"), ["d1"]);
    assert_eq!(of("employment"), ["m1", "m2", "m3"]);
    assert_eq!(of("child"), ["k1"]);
    assert!(of("costCenter").is_empty() && of("employmentType").is_empty());
    let (_, employment) = get(&emulator, "/employment/m2?relations=type,employee&select=id,rate").await;
    assert_eq!(employment["data"], json!({"id": "m2", "rate": 50}));
    assert_eq!(employment["relations"]["employee"][0]["id"], "e02");
    assert_eq!(employment["relations"]["type"][0]["name"], "Permanent");
}

#[tokio::test]
async fn patch_employee_merges_home_address_and_bumps_updated_strictly() {
    let emulator = emulator().await;
    let before = emulator.record("employee", "e01").expect("e01");
    let (status, body) = patch(&emulator, "/employee/e01", json!({"homeAddress": {"city": "Bergen"}})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ok");
    let first = &body["data"];
    assert_eq!(
        first["homeAddress"],
        json!({"street": "Storgata 1", "postalCode": "0155", "city": "Bergen", "country": "NO"})
    );
    assert_eq!(
        (first["firstName"].clone(), first["created"].clone()),
        (before["firstName"].clone(), before["created"].clone())
    );
    assert!(updated(first) > updated(&before));
    let (_, body) =
        patch(&emulator, "/employee/e01", json!({"title": "Engineer", "active": false, "tax": {"table": 33}})).await;
    let second = &body["data"];
    assert!(updated(second) > updated(first), "two changes never share an instant");
    assert_eq!(second["updated"].as_str().map(str::len), Some(24), "YYYY-MM-DDTHH:mm:ss.sssZ");
    assert_eq!(emulator.record("employee", "e01").as_ref(), Some(second));
    let since = format!("/employee?filters[updated][$gt]={}", first["updated"].as_str().unwrap_or(""));
    assert_eq!(ids(&get(&emulator, &since).await.1), ["e01"], "an incremental read sees the change");
    let (status, body) = patch(&emulator, "/employment/m2", json!({"rate": 80, "endDate": "2026-06-30"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["data"]["rate"].as_u64(), body["data"]["endDate"].as_str()),
        (Some(80), Some("2026-06-30T00:00:00.000Z"))
    );
    assert!(updated(&body["data"]) > updated(second), "one clock for every change");
}

#[tokio::test]
async fn patch_with_home_address_co_or_server_fields_or_wrong_types_is_400_and_changes_nothing() {
    let emulator = emulator().await;
    let before = emulator.records("employee");
    let cases = [
        (json!({"homeAddress": {"street": "Storgata 2", "co": "c/o Hansen"}}), "homeAddress.co"),
        (json!({"updated": "2027-01-01T00:00:00.000Z"}), "updated"),
        (json!({"hireDate": "2020-01-01"}), "hireDate"),
        (json!({"firstName": 5}), "firstName"),
        (json!({"active": "true"}), "active"),
        (json!({"bankAccount": {"clearingNumber": "1234"}}), "bankAccount.clearingNumber"),
        (json!({"tax": {"table": "33"}}), "tax.table"),
        (json!({"birthDate": "31.12.1990"}), "birthDate"),
        (json!({"nickname": "Ada"}), "nickname"),
        (json!(["firstName"]), "object"),
    ];
    for (body, offender) in cases {
        let (status, answer) = patch(&emulator, "/employee/e01", body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(messages(&answer).iter().any(|m| m.contains(offender)), "{body}: {answer}");
    }
    let (status, answer) =
        patch(&emulator, "/employment/m1", json!({"rate": "100", "country": "Norway", "id": "m9"})).await;
    assert_eq!((status, messages(&answer).len()), (400, 3), "every problem listed: {answer}");
    let url = format!("{}/employee/e01", emulator.base_url());
    let plain = reqwest::Client::new().patch(url).bearer_auth(emulator.token()).body(r#"{"title":"x"}"#);
    assert_eq!(send(plain).await.0, 400, "a body not sent as JSON");
    assert_eq!(emulator.records("employee"), before, "nothing changed");
    assert!(emulator.write_requests().iter().all(|r| r.status == 400));
}

#[tokio::test]
async fn an_unknown_id_resource_or_route_is_404() {
    let emulator = emulator().await;
    let not_found = json!({"statusCode": 404, "message": "Not Found", "error": "Not Found"});
    for path in ["/employee/nope", "/team", "/employee-s", "/office/o1/extra"] {
        assert_eq!(get(&emulator, path).await, (404, not_found.clone()), "{path}");
    }
    assert_eq!(patch(&emulator, "/employee/nope", json!({"title": "x"})).await, (404, not_found.clone()));
    assert_eq!(patch(&emulator, "/office/o1", json!({"name": "x"})).await, (404, not_found.clone()));
    let client = reqwest::Client::new();
    let delete = client.delete(format!("{}/employee/e01", emulator.base_url())).bearer_auth(emulator.token());
    assert_eq!(send(delete).await, (404, not_found.clone()));
    let outside = client.get(format!("{}/../api/employee", emulator.base_url())).bearer_auth(emulator.token());
    assert_eq!(send(outside).await, (404, not_found));
    assert!(emulator.record("employee", "e01").is_some());
}

#[tokio::test]
async fn a_fault_after_matching_two_fires_on_the_third_page_only() {
    let emulator = emulator().await;
    emulator.push_fault(Fault::status("GET", "/employee", 503, 1).after_matching(2));
    let mut statuses = Vec::new();
    for offset in [0, 3, 6, 6] {
        let (status, body) = get(&emulator, &format!("/employee?limit=3&offset={offset}")).await;
        if status == 503 {
            assert_eq!(body["statusCode"], 503);
            assert_eq!(body["error"], "Service Unavailable");
        }
        statuses.push(status);
    }
    assert_eq!(statuses, [200, 200, 503, 200], "the third page fails, its retry does not");
    let faulted: Vec<String> =
        emulator.requests().iter().filter(|r| r.fault.is_some()).map(|r| r.query.clone()).collect();
    assert_eq!(faulted, ["limit=3&offset=6"]);
    assert!(emulator.requests().iter().all(|r| r.path == "/employee"), "logged under /v1");
}

#[tokio::test]
async fn test_side_changes_bump_updated_and_loaded_records_without_stamps_get_the_base_instant() {
    let emulator = emulator().await;
    let e04 = emulator.record("employee", "e04").expect("e04");
    assert_eq!((e04["created"].as_str(), e04["updated"].as_str()), (Some(BASE_INSTANT), Some(BASE_INSTANT)));
    assert!(emulator.edit("employee", "e04", json!({"homeAddress": {"city": "Tromsø"}, "lastName": "Hopper"})));
    let edited = emulator.record("employee", "e04").expect("e04");
    assert!(updated(&edited) > updated(&e04));
    assert_eq!(edited["homeAddress"]["city"], "Tromsø");
    assert!(!emulator.edit("employee", "nope", json!({})));
    assert!(!emulator.edit("team", "x", json!({})));
    emulator.insert("employment", json!({"id": "m4", "employeeId": "e04", "rate": 100}));
    let m4 = emulator.record("employment", "m4").expect("m4");
    assert!(updated(&m4) > updated(&edited));
    assert_eq!(m4["created"], m4["updated"]);
    emulator.insert("office", json!({"name": "Trondheim"}));
    assert_eq!(emulator.records("office").len(), 3, "an id is made up");
    assert!(emulator.records("office").iter().all(|o| o.get("updated").is_none()), "offices carry no stamps");
    emulator.insert("leave-type-code", json!({"id": "c2", "companyId": "co", "leaveTypeId": "lt2", "code": "OFF"}));
    let (_, body) = get(&emulator, "/leave-type?relations=leaveTypeCode&filters[id]=lt2").await;
    assert_eq!(body["relations"]["leaveTypeCode"][0]["code"], "OFF");
    assert!(emulator.remove("employee", "e07"));
    assert!(!emulator.remove("employee", "e07"));
    assert_eq!(get(&emulator, "/employee").await.1["total"].as_u64(), Some(6));
}

#[tokio::test]
async fn a_snapshot_with_an_unknown_list_or_a_duplicate_id_is_refused() {
    let unknown = Emulator::with_snapshot(Settings::default(), r#"{"employees": []}"#).await.err().unwrap_or_default();
    assert!(unknown.contains("\"employees\""), "{unknown}");
    let twice = r#"{"office": [{"id": "o1"}, {"id": "o1"}]}"#;
    let duplicate = Emulator::with_snapshot(Settings::default(), twice).await.err().unwrap_or_default();
    assert!(duplicate.contains("o1"), "{duplicate}");
    let started = Emulator::start(Settings::default()).await.expect("starts empty");
    assert_eq!(get(&started, "/employee").await.1["total"].as_u64(), Some(0));
}

#[test]
fn the_clock_never_issues_the_same_instant_twice() {
    let mut data = Data::new();
    let stamps: Vec<String> = (0..2_000).map(|_| data.stamp()).collect();
    let instants: Vec<jiff::Timestamp> = stamps.iter().filter_map(|s| query::parse_instant(s)).collect();
    assert_eq!(instants.len(), stamps.len());
    assert!(instants.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(query::parse_instant(BASE_INSTANT).map(format_instant).as_deref(), Some(BASE_INSTANT));
}

#[test]
fn a_query_string_decodes_percent_escapes_and_plus() {
    let pairs = query::decode("filters%5BfirstName%5D=Ada+Lovelace&select=id%2CfirstName&empty").expect("decodes");
    assert_eq!(
        pairs,
        [
            ("filters[firstName]".to_owned(), "Ada Lovelace".to_owned()),
            ("select".to_owned(), "id,firstName".to_owned()),
            ("empty".to_owned(), String::new())
        ]
    );
    assert!(query::decode("a=%E2%82").is_err(), "not UTF-8");
}
