//! Cost Explorer through the real AWS SDK: `GetCostAndUsage` against a real moto server
//! (seeded through moto's API, multi-page), `GetCostForecast` — which moto does not implement —
//! against a local server speaking the AWS JSON 1.1 protocol (wiremock), plus the cache, the
//! request meter and the failures a user meets.

use std::time::Duration;

use purser_core::cost::{
    load_report, CostCache, CostEndpoints, CostError, CostExplorer, CostQuery, ForecastState,
    ReportRequest, RequestMeter,
};
use purser_core::secrets::{sdk_config, AwsAccess, AwsTarget, Secret};
use purser_test_support::moto::Moto;
use serde_json::{json, Value};
use time::macros::datetime;
use time::OffsetDateTime;
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const NOW: OffsetDateTime = datetime!(2026-11-25 12:00 UTC);
const TTL: Duration = Duration::from_secs(6 * 3600);

fn keys(id: &str, secret: &str) -> AwsAccess {
    AwsAccess::Keys {
        access_key_id: Secret::new(id),
        secret_access_key: Secret::new(secret),
        session_token: None,
    }
}

async fn explorer(access: &AwsAccess, usage: &str, forecast: &str) -> CostExplorer {
    let config = sdk_config(
        access,
        &AwsTarget {
            region: Some("us-east-1".into()),
            endpoint_url: None,
        },
    )
    .await;
    CostExplorer::new(
        &config,
        &CostEndpoints {
            usage: Some(usage.to_string()),
            forecast: Some(forecast.to_string()),
        },
        None,
    )
}

fn result(start: &str, end: &str, groups: &[(&str, &str)], estimated: bool) -> Value {
    json!({
        "TimePeriod": {"Start": start, "End": end},
        "Total": {},
        "Groups": groups.iter().map(|(service, amount)| json!({
            "Keys": [service],
            "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}}
        })).collect::<Vec<_>>(),
        "Estimated": estimated
    })
}

fn fresh_dirs() -> (tempfile::TempDir, CostCache, RequestMeter) {
    let dir = tempfile::tempdir().unwrap();
    let cache = CostCache::new(dir.path().join("cache"));
    let meter = RequestMeter::new(&dir.path().join("data"));
    (dir, cache, meter)
}

#[tokio::test]
async fn monthly_costs_over_several_pages_with_a_forecast() {
    let moto = Moto::start();
    let page_one = json!({
        "ResultsByTime": [
            result("2026-09-01", "2026-10-01", &[("Amazon EC2", "400.10"), ("Amazon S3", "20")], false),
            result("2026-10-01", "2026-11-01", &[("Amazon EC2", "410")], false),
        ],
        "NextPageToken": "page-2"
    });
    let page_two = json!({
        "ResultsByTime": [
            result("2026-10-01", "2026-11-01", &[("Amazon S3", "25.5")], false),
            result("2026-11-01", "2026-12-01", &[("Amazon EC2", "300"), ("Amazon S3", "15")], true),
        ]
    });
    moto.control_json(
        "/moto-api/static/ce/cost-and-usage-results",
        &json!({"results": [page_one, page_two]}),
    )
    .await;
    let forecast = purser_test_support::forecast::server("120", "90", "160").await;
    let source = explorer(
        &keys("TESTACCESSKEY0001", "test-secret"),
        &moto.url,
        &forecast.uri(),
    )
    .await;
    let (_dir, cache, meter) = fresh_dirs();

    let report = load_report(ReportRequest {
        source: &source,
        cache: &cache,
        meter: &meter,
        query: &CostQuery::default(),
        now: NOW,
        ttl: TTL,
        force: false,
    })
    .await
    .unwrap();
    let months: Vec<_> = report
        .series
        .months
        .iter()
        .map(|m| m.month.as_str())
        .collect();
    assert_eq!(months, ["2026-09-01", "2026-10-01", "2026-11-01"]);
    assert_eq!(
        report.series.months[1].total(),
        435.5,
        "October merged from two pages"
    );
    assert!(report.series.months[2].estimated);
    assert_eq!(report.series.currency, "USD");
    let ForecastState::Available(f) = &report.forecast else {
        panic!("{:?}", report.forecast)
    };
    assert_eq!(
        (f.remaining_mean, f.remaining_low, f.remaining_high),
        (120.0, 90.0, 160.0)
    );
    // Two usage pages and one forecast: three billable requests, $0.03.
    assert_eq!(report.requests_this_month, 3);
    assert!((report.requests_cost_usd - 0.03).abs() < 1e-9);
    assert!(!report.from_cache);
}

// Long: one scenario, told step by step in the order it happens.
#[tokio::test]
async fn a_warm_reopen_asks_nothing_and_an_expired_cache_asks_again() {
    let server = MockServer::start().await;
    Mock::given(header("x-amz-target", "AWSInsightsIndexService.GetCostAndUsage"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            json!({"ResultsByTime": [result("2026-11-01", "2026-12-01", &[("Amazon EC2", "10")], true)]})
                .to_string(),
            "application/x-amz-json-1.1",
        ))
        .mount(&server)
        .await;
    Mock::given(header("x-amz-target", "AWSInsightsIndexService.GetCostForecast"))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            json!({"__type": "DataUnavailableException", "Message": "Insufficient amount of historical data"}).to_string(),
            "application/x-amz-json-1.1",
        ))
        .mount(&server)
        .await;
    let source = explorer(
        &keys("TESTACCESSKEY0001", "test-secret"),
        &server.uri(),
        &server.uri(),
    )
    .await;
    let (_dir, cache, meter) = fresh_dirs();
    let query = CostQuery::default();

    let request = ReportRequest {
        source: &source,
        cache: &cache,
        meter: &meter,
        query: &query,
        now: NOW,
        ttl: TTL,
        force: false,
    };
    let cold = load_report(request).await.unwrap();
    assert_eq!(cold.forecast, ForecastState::NotEnoughHistory);
    let after_cold = server.received_requests().await.unwrap().len();
    assert_eq!(after_cold, 2, "one usage page and one forecast");

    let warm = load_report(ReportRequest {
        now: NOW + Duration::from_secs(3600),
        ..request
    })
    .await
    .unwrap();
    assert!(warm.from_cache);
    assert_eq!(warm.series, cold.series);
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        after_cold,
        "warm re-open: 0 requests"
    );

    let expired = load_report(ReportRequest {
        now: NOW + Duration::from_secs(7 * 3600),
        ..request
    })
    .await
    .unwrap();
    assert!(!expired.from_cache);
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        after_cold + 2
    );

    let forced = load_report(ReportRequest {
        now: NOW + Duration::from_secs(7 * 3600),
        force: true,
        ..request
    })
    .await
    .unwrap();
    assert!(!forced.from_cache);
    assert_eq!(forced.requests_this_month, 6);
}

#[tokio::test]
async fn a_corrupt_cache_file_is_discarded_not_fatal() {
    let server = MockServer::start().await;
    Mock::given(header("x-amz-target", "AWSInsightsIndexService.GetCostAndUsage"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            json!({"ResultsByTime": [result("2026-11-01", "2026-12-01", &[("Amazon EC2", "5")], true)]})
                .to_string(),
            "application/x-amz-json-1.1",
        ))
        .mount(&server)
        .await;
    let forecast = purser_test_support::forecast::server("1", "1", "1").await;
    let source = explorer(
        &keys("TESTACCESSKEY0001", "test-secret"),
        &server.uri(),
        &forecast.uri(),
    )
    .await;
    let (dir, cache, meter) = fresh_dirs();
    let request = ReportRequest {
        source: &source,
        cache: &cache,
        meter: &meter,
        query: &CostQuery::default(),
        now: NOW,
        ttl: TTL,
        force: false,
    };
    load_report(request).await.unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path().join("cache"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(files.len(), 1);
    std::fs::write(files[0].path(), b"{ not json").unwrap();

    let again = load_report(request)
        .await
        .expect("a corrupt cache is not fatal");
    assert!(!again.from_cache, "the corrupt file was not used");
    assert_eq!(again.series.months[0].total(), 5.0);
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "fetched again"
    );
    let rewritten = std::fs::read(files[0].path()).unwrap();
    assert!(
        serde_json::from_slice::<Value>(&rewritten).is_ok(),
        "and the cache was rewritten"
    );
}

// Long: one scenario, told step by step in the order it happens.
#[tokio::test]
async fn throttling_is_retried_then_succeeds_or_is_reported() {
    let server = MockServer::start().await;
    let throttled = ResponseTemplate::new(400).set_body_raw(
        json!({"__type": "ThrottlingException", "message": "Rate exceeded"}).to_string(),
        "application/x-amz-json-1.1",
    );
    Mock::given(header(
        "x-amz-target",
        "AWSInsightsIndexService.GetCostAndUsage",
    ))
    .respond_with(throttled.clone())
    .up_to_n_times(2)
    .mount(&server)
    .await;
    Mock::given(header("x-amz-target", "AWSInsightsIndexService.GetCostAndUsage"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            json!({"ResultsByTime": [result("2026-11-01", "2026-12-01", &[("Amazon EC2", "7")], true)]}).to_string(),
            "application/x-amz-json-1.1",
        ))
        .mount(&server)
        .await;
    Mock::given(header(
        "x-amz-target",
        "AWSInsightsIndexService.GetCostForecast",
    ))
    .respond_with(throttled.clone())
    .mount(&server)
    .await;
    let source = explorer(
        &keys("TESTACCESSKEY0001", "test-secret"),
        &server.uri(),
        &server.uri(),
    )
    .await;
    let (_dir, cache, meter) = fresh_dirs();
    let request = ReportRequest {
        source: &source,
        cache: &cache,
        meter: &meter,
        query: &CostQuery::default(),
        now: NOW,
        ttl: TTL,
        force: false,
    };
    let report = load_report(request)
        .await
        .expect("the SDK retries throttling and then succeeds");
    assert_eq!(report.series.months[0].total(), 7.0);
    // The forecast stayed throttled through every retry: reported, the figures still shown.
    let ForecastState::Unavailable { error } = &report.forecast else {
        panic!("{:?}", report.forecast)
    };
    assert_eq!(error.code, "cost_throttled", "{error:?}");

    // Always throttled → a clear error, not a hang.
    let always = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(throttled)
        .mount(&always)
        .await;
    let source = explorer(
        &keys("TESTACCESSKEY0001", "test-secret"),
        &always.uri(),
        &always.uri(),
    )
    .await;
    let (_dir, cache, meter) = fresh_dirs();
    let error = load_report(ReportRequest {
        source: &source,
        cache: &cache,
        meter: &meter,
        ..request
    })
    .await
    .unwrap_err();
    assert!(matches!(error, CostError::Throttled), "{error:?}");
    assert!(
        always.received_requests().await.unwrap().len() >= 2,
        "retried before giving up"
    );
}

#[tokio::test]
async fn without_the_permission_the_message_names_it() {
    let moto = Moto::start();
    let (key_id, secret) = moto.create_user_with_key("purser-no-ce").await;
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}]
    });
    moto.query(&[
        ("Action", "PutUserPolicy"),
        ("UserName", "purser-no-ce"),
        ("PolicyName", "sts-only"),
        ("PolicyDocument", &policy.to_string()),
        ("Version", "2010-05-08"),
    ])
    .await;
    moto.control("/moto-api/reset-auth", "0").await;
    let forecast = purser_test_support::forecast::server("1", "1", "1").await;
    let source = explorer(&keys(&key_id, &secret), &moto.url, &forecast.uri()).await;
    let (_dir, cache, meter) = fresh_dirs();
    let error = load_report(ReportRequest {
        source: &source,
        cache: &cache,
        meter: &meter,
        query: &CostQuery::default(),
        now: NOW,
        ttl: TTL,
        force: false,
    })
    .await
    .unwrap_err();
    assert!(
        matches!(
            error,
            CostError::MissingPermission {
                permission: "ce:GetCostAndUsage"
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("ce:GetCostAndUsage"));
    moto.control("/moto-api/reset-auth", "inf").await;
}

#[tokio::test]
async fn offline_keeps_the_cached_chart_marked_stale() {
    let moto = Moto::start();
    moto.control_json(
        "/moto-api/static/ce/cost-and-usage-results",
        &json!({"results": [{"ResultsByTime": [result("2026-11-01", "2026-12-01", &[("Amazon EC2", "42")], true)]}]}),
    )
    .await;
    let forecast = purser_test_support::forecast::server("1", "1", "1").await;
    let access = keys("TESTACCESSKEY0001", "test-secret");
    let online = explorer(&access, &moto.url, &forecast.uri()).await;
    let (_dir, cache, meter) = fresh_dirs();
    let request = ReportRequest {
        source: &online,
        cache: &cache,
        meter: &meter,
        query: &CostQuery::default(),
        now: NOW,
        ttl: TTL,
        force: false,
    };
    load_report(request).await.unwrap();

    let dead = purser_test_support::net::dead_address();
    let offline = explorer(&access, &dead, &dead).await;
    let report = load_report(ReportRequest {
        source: &offline,
        force: true,
        ..request
    })
    .await
    .expect("cached figures are still shown");
    assert!(report.from_cache);
    let stale = report.stale.expect("marked stale");
    assert_eq!(stale.error.code, "cost_offline");
    assert_eq!(report.series.months[0].total(), 42.0);

    // With nothing cached, offline is an error that says so.
    let (_dir, empty_cache, meter) = fresh_dirs();
    let error = load_report(ReportRequest {
        source: &offline,
        cache: &empty_cache,
        meter: &meter,
        ..request
    })
    .await
    .unwrap_err();
    assert_eq!(error.code(), "cost_offline");
}

#[tokio::test]
async fn garbage_amounts_from_cost_explorer_are_named() {
    let server = MockServer::start().await;
    Mock::given(header("x-amz-target", "AWSInsightsIndexService.GetCostAndUsage"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            json!({"ResultsByTime": [result("2026-10-01", "2026-11-01", &[("Amazon RDS", "twelve")], false)]}).to_string(),
            "application/x-amz-json-1.1",
        ))
        .mount(&server)
        .await;
    let source = explorer(
        &keys("TESTACCESSKEY0001", "test-secret"),
        &server.uri(),
        &server.uri(),
    )
    .await;
    let (_dir, cache, meter) = fresh_dirs();
    let error = load_report(ReportRequest {
        source: &source,
        cache: &cache,
        meter: &meter,
        query: &CostQuery::default(),
        now: NOW,
        ttl: TTL,
        force: false,
    })
    .await
    .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("Amazon RDS") && text.contains("twelve") && text.contains("2026-10"),
        "{text}"
    );
}

#[tokio::test]
async fn another_account_never_gets_the_first_accounts_figures_from_the_cache() {
    let server = MockServer::start().await;
    Mock::given(header("x-amz-target", "AWSInsightsIndexService.GetCostAndUsage"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            json!({"ResultsByTime": [result("2026-11-01", "2026-12-01", &[("Amazon EC2", "10")], true)]})
                .to_string(),
            "application/x-amz-json-1.1",
        ))
        .mount(&server)
        .await;
    let source = explorer(
        &keys("TESTACCESSKEY0001", "test-secret"),
        &server.uri(),
        &server.uri(),
    )
    .await;
    let (_dir, cache, meter) = fresh_dirs();
    let first = CostQuery {
        account: purser_core::secrets::account_name(&keys("TESTACCESSKEY0001", "s")),
        ..CostQuery::default()
    };
    let second = CostQuery {
        account: purser_core::secrets::account_name(&keys("TESTACCESSKEY0002", "s")),
        ..CostQuery::default()
    };
    assert_ne!(first.account, second.account);
    assert!(
        !first.account.contains("TESTACCESSKEY"),
        "the account's name is not the key ID: {}",
        first.account
    );
    let request = ReportRequest {
        source: &source,
        cache: &cache,
        meter: &meter,
        query: &first,
        now: NOW,
        ttl: TTL,
        force: false,
    };
    load_report(request).await.unwrap();
    let asked = server.received_requests().await.unwrap().len();
    let other = load_report(ReportRequest {
        query: &second,
        ..request
    })
    .await
    .unwrap();
    assert!(
        !other.from_cache,
        "the second account's figures were fetched"
    );
    assert!(server.received_requests().await.unwrap().len() > asked);
    let again = load_report(request).await.unwrap();
    assert!(again.from_cache, "each account keeps its own cache entry");
}
