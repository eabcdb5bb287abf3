//! `GetCostForecast`, which moto does not implement: a local server answering as Cost Explorer
//! documents it.

use serde_json::json;
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A server whose forecast for the rest of the month is `mean` (80 % range `low`–`high`),
/// amounts as Cost Explorer writes them (`"600"`).
pub async fn server(mean: &str, low: &str, high: &str) -> MockServer {
    let server = MockServer::start().await;
    let body = json!({
        "Total": {"Amount": mean, "Unit": "USD"},
        "ForecastResultsByTime": [{
            "TimePeriod": {"Start": "2026-11-20", "End": "2026-12-01"},
            "MeanValue": mean,
            "PredictionIntervalLowerBound": low,
            "PredictionIntervalUpperBound": high
        }]
    });
    Mock::given(method("POST"))
        .and(header(
            "x-amz-target",
            "AWSInsightsIndexService.GetCostForecast",
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(body.to_string(), "application/x-amz-json-1.1"),
        )
        .mount(&server)
        .await;
    server
}
