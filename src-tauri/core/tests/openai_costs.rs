//! The OpenAI admin key against a local server answering as the costs API documents
//! (`GET /v1/organization/costs`, wiremock on 127.0.0.1), through the real async-openai client:
//! repeated `group_by` parameters, pages followed, a project filter, the admin key check, a
//! project key refused without a request, 401, 403 and 429 with Retry-After.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use purser_core::cost::openai_api::{read_costs, CostsQuery};
use purser_core::secrets::{check_openai_admin_key, CheckError, OpenAiEndpoint, Secret};
use serde_json::{json, Value};
use time::macros::datetime;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const ADMIN_KEY: &str = "test-admin-key-costs";

fn endpoint(server: &MockServer) -> OpenAiEndpoint {
    OpenAiEndpoint {
        base_url: format!("{}/v1", server.uri()),
        timeout: Duration::from_secs(5),
    }
}

/// A bucket for the UTC day starting at `start`, with `(project, line item, amount)` lines.
fn bucket(start: i64, lines: &[(&str, &str, f64)]) -> Value {
    let results: Vec<Value> = lines
        .iter()
        .map(|(project, item, amount)| {
            json!({"object": "organization.costs.result",
                   "amount": {"value": amount, "currency": "usd"},
                   "line_item": item, "project_id": project})
        })
        .collect();
    json!({"object": "bucket", "start_time": start, "end_time": start + 86_400, "results": results})
}

fn page(buckets: Vec<Value>, next: Option<&str>) -> Value {
    json!({"object": "page", "data": buckets, "has_more": next.is_some(), "next_page": next})
}

/// The request's query holds `group_by` twice, as the API expects.
fn groups_by_project_and_line_item(request: &Request) -> bool {
    let groups: Vec<String> = request
        .url
        .query_pairs()
        .filter(|(k, _)| k == "group_by")
        .map(|(_, v)| v.into_owned())
        .collect();
    groups == ["project_id", "line_item"]
}

fn query(project: Option<&str>) -> CostsQuery {
    CostsQuery {
        start: datetime!(2026-11-01 00:00 UTC),
        end: None,
        project: project.map(str::to_string),
        limit: 180,
    }
}

#[tokio::test]
async fn costs_are_read_page_after_page_with_group_by_repeated() {
    let server = MockServer::start().await;
    let nov1 = datetime!(2026-11-01 00:00 UTC).unix_timestamp();
    Mock::given(method("GET"))
        .and(path("/v1/organization/costs"))
        .and(header(
            "authorization",
            format!("Bearer {ADMIN_KEY}").as_str(),
        ))
        .and(query_param("bucket_width", "1d"))
        .and(query_param("start_time", nov1.to_string().as_str()))
        .and(query_param("page", "page_2"))
        .and(groups_by_project_and_line_item)
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            vec![
                bucket(nov1 + 86_400, &[("proj_a", "gpt-4o, input", 1.5)]),
                bucket(nov1 + 2 * 86_400, &[]),
            ],
            None,
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/organization/costs"))
        .and(groups_by_project_and_line_item)
        .and(query_param("limit", "180"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            vec![bucket(
                nov1,
                &[
                    ("proj_a", "gpt-4o, input", 2.25),
                    ("proj_b", "gpt-4o, output", 4.0),
                ],
            )],
            Some("page_2"),
        )))
        .expect(1)
        .mount(&server)
        .await;

    let requests = AtomicUsize::new(0);
    let count = || {
        requests.fetch_add(1, Ordering::SeqCst);
    };
    let lines = read_costs(
        &endpoint(&server),
        &Secret::new(ADMIN_KEY),
        &query(None),
        &count,
    )
    .await
    .unwrap();
    assert_eq!(requests.load(Ordering::SeqCst), 2);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0].day_start, nov1);
    assert_eq!(lines[1].project_id.as_deref(), Some("proj_b"));
    assert_eq!(lines[1].line_item.as_deref(), Some("gpt-4o, output"));
    assert_eq!(lines[2].amount, 1.5);
    assert!(lines.iter().all(|l| l.currency == "usd"));
}

#[tokio::test]
async fn one_project_is_asked_for_by_its_id() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/organization/costs"))
        .and(query_param("project_ids", "proj_a"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(vec![], None)))
        .expect(1)
        .mount(&server)
        .await;
    let lines = read_costs(
        &endpoint(&server),
        &Secret::new(ADMIN_KEY),
        &query(Some("proj_a")),
        &|| {},
    )
    .await
    .unwrap();
    assert!(lines.is_empty());
}

#[tokio::test]
async fn the_admin_check_reads_one_day() {
    let server = MockServer::start().await;
    let now = datetime!(2026-11-28 10:00 UTC);
    let yesterday = (now - time::Duration::days(1)).unix_timestamp();
    Mock::given(path("/v1/organization/costs"))
        .and(query_param("start_time", yesterday.to_string().as_str()))
        .and(query_param("limit", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(vec![], None)))
        .expect(1)
        .mount(&server)
        .await;
    check_openai_admin_key(&endpoint(&server), &Secret::new(ADMIN_KEY), now)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_project_key_is_refused_without_asking() {
    let server = MockServer::start().await;
    let project_key = Secret::new("sk-proj-FAKE-01");
    let error = check_openai_admin_key(
        &endpoint(&server),
        &project_key,
        datetime!(2026-11-28 10:00 UTC),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, CheckError::ProjectKeyNotAdmin), "{error:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 0);
}

#[tokio::test]
async fn refusals_say_which_key_is_wrong() {
    for (status, code) in [(401, "invalid_key"), (403, "openai_not_admin")] {
        let server = MockServer::start().await;
        Mock::given(path("/v1/organization/costs"))
            .respond_with(
                ResponseTemplate::new(status).set_body_json(json!({"error": {
                "message": "You have insufficient permissions for this operation. sk-admin-te***",
                "type": "invalid_request_error", "param": null, "code": null}})),
            )
            .mount(&server)
            .await;
        let error = read_costs(
            &endpoint(&server),
            &Secret::new(ADMIN_KEY),
            &query(None),
            &|| {},
        )
        .await
        .unwrap_err();
        assert_eq!(error.code(), code, "HTTP {status}: {error:?}");
        assert!(!error.to_string().contains("sk-admin"), "{error}");
    }
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/organization/costs"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"error": {"message": "Slow down", "type": "requests",
                                                "param": null, "code": null}})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let nov1 = datetime!(2026-11-01 00:00 UTC).unix_timestamp();
    Mock::given(path("/v1/organization/costs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            vec![bucket(nov1, &[("proj_a", "gpt-4o, input", 3.0)])],
            None,
        )))
        .mount(&server)
        .await;
    let lines = read_costs(
        &endpoint(&server),
        &Secret::new(ADMIN_KEY),
        &query(None),
        &|| {},
    )
    .await
    .unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}
