//! OpenAI key checks through the real async-openai client against a local server answering as
//! the OpenAI API documents (wiremock on 127.0.0.1).

use std::time::{Duration, Instant};

use purser_core::secrets::{check_openai_key, CheckError, OpenAiEndpoint, Secret};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "test-openai-key-for-checks-0001";

fn endpoint(server: &MockServer) -> OpenAiEndpoint {
    OpenAiEndpoint {
        base_url: format!("{}/v1", server.uri()),
        timeout: Duration::from_secs(5),
    }
}

fn models(n: usize) -> serde_json::Value {
    let data: Vec<_> = (0..n)
        .map(|i| json!({"id": format!("model-{i}"), "object": "model", "created": 1_700_000_000, "owned_by": "openai"}))
        .collect();
    json!({"object": "list", "data": data})
}

fn api_error(message: &str, kind: &str, code: Option<&str>) -> serde_json::Value {
    json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
}

#[tokio::test]
async fn a_good_key_lists_models() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(models(3)))
        .expect(1)
        .mount(&server)
        .await;
    let count = check_openai_key(&endpoint(&server), &Secret::new(KEY))
        .await
        .unwrap();
    assert_eq!(count, 3);
}

#[tokio::test]
async fn a_bad_key_is_invalid_and_the_servers_text_is_not_passed_on() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/models"))
        .respond_with(ResponseTemplate::new(401).set_body_json(api_error(
            "Incorrect API key provided: test-ope************0001.",
            "invalid_request_error",
            Some("invalid_api_key"),
        )))
        .mount(&server)
        .await;
    let error = check_openai_key(&endpoint(&server), &Secret::new(KEY))
        .await
        .unwrap_err();
    assert!(matches!(error, CheckError::InvalidKey { .. }), "{error:?}");
    assert!(!error.to_string().contains("test-ope"), "{error}");
}

#[tokio::test]
async fn rate_limiting_is_retried_then_reported() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/models"))
        .respond_with(ResponseTemplate::new(429).set_body_json(api_error(
            "Rate limit reached",
            "requests",
            Some("rate_limit_exceeded"),
        )))
        .mount(&server)
        .await;
    let started = Instant::now();
    let error = check_openai_key(&endpoint(&server), &Secret::new(KEY))
        .await
        .unwrap_err();
    assert!(matches!(error, CheckError::RateLimited { .. }), "{error:?}");
    let requests = server.received_requests().await.unwrap().len();
    assert!(
        requests > 1,
        "async-openai should retry a 429 (saw {requests} requests)"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_long_retry_after_is_cut_short_by_the_deadline() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/models"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "3600")
                .set_body_json(api_error("Slow down", "requests", None)),
        )
        .mount(&server)
        .await;
    let mut endpoint = endpoint(&server);
    endpoint.timeout = Duration::from_secs(2);
    let started = Instant::now();
    let error = check_openai_key(&endpoint, &Secret::new(KEY))
        .await
        .unwrap_err();
    assert!(
        matches!(error, CheckError::Timeout { seconds: 2, .. }),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the user must not wait an hour"
    );
}

#[tokio::test]
async fn no_credit_is_told_apart_from_rate_limiting() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/models"))
        .respond_with(ResponseTemplate::new(429).set_body_json(api_error(
            "You exceeded your current quota",
            "insufficient_quota",
            Some("insufficient_quota"),
        )))
        .mount(&server)
        .await;
    let error = check_openai_key(&endpoint(&server), &Secret::new(KEY))
        .await
        .unwrap_err();
    assert!(matches!(error, CheckError::NoQuota), "{error:?}");
}

#[tokio::test]
async fn a_server_error_is_reported_after_retries() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/models"))
        .respond_with(ResponseTemplate::new(500).set_body_json(api_error(
            "The server had an error while processing your request.",
            "server_error",
            None,
        )))
        .mount(&server)
        .await;
    let error = check_openai_key(&endpoint(&server), &Secret::new(KEY))
        .await
        .unwrap_err();
    assert!(
        matches!(error, CheckError::ServerError { status: 500, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_server_that_hangs_times_out() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/models"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(models(1))
                .set_delay(Duration::from_secs(30)),
        )
        .mount(&server)
        .await;
    let mut endpoint = endpoint(&server);
    endpoint.timeout = Duration::from_secs(1);
    let started = Instant::now();
    let error = check_openai_key(&endpoint, &Secret::new(KEY))
        .await
        .unwrap_err();
    assert!(
        matches!(error, CheckError::Timeout { seconds: 1, .. }),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn nothing_listening_is_no_network() {
    let endpoint = OpenAiEndpoint {
        base_url: format!("{}/v1", purser_test_support::net::dead_address()),
        timeout: Duration::from_secs(10),
    };
    let error = check_openai_key(&endpoint, &Secret::new(KEY))
        .await
        .unwrap_err();
    assert!(matches!(error, CheckError::Unreachable { .. }), "{error:?}");
    assert_eq!(error.code(), "no_network");
}

#[tokio::test]
async fn a_web_page_instead_of_the_api_is_named_as_such() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/models"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>Welcome</html>"))
        .mount(&server)
        .await;
    let error = check_openai_key(&endpoint(&server), &Secret::new(KEY))
        .await
        .unwrap_err();
    assert!(
        matches!(error, CheckError::NotThatService { .. }),
        "{error:?}"
    );
}
