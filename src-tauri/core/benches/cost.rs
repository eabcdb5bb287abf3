//! Cost benchmarks (`cargo bench --bench cost`): prints figures, asserts nothing.
//!
//! - chart render: 36 months × 25 services to SVG (goal ≤ 20 ms), and the PNG export;
//! - Cost Explorer requests on a cold open of 12 months and on a warm re-open (goal ≤ 2 and 0),
//!   counted at a local server that answers as Cost Explorer does;
//! - OpenAI costs API requests to load 13 months for one project, cold and warm (goal ≤ 3 pages
//!   at limit 180, and 0), counted at a local server that pages as the costs API does;
//! - the meeting report (PDF) of the view on screen: time to make it (goal ≤ 300 ms) and its
//!   size (goal ≤ 300 kB).

use std::time::Duration;

use std::hint::black_box;

use criterion::Criterion;
use purser_core::chart::{render_png, render_svg, ChartInput, Theme};
use purser_core::cost::{
    load_report, CostCache, CostEndpoints, CostExplorer, CostQuery, CostSeries, Forecast,
    MonthCost, ReportRequest, RequestMeter,
};
use purser_core::month::Month;
use purser_core::secrets::{sdk_config, AwsAccess, AwsTarget, Secret};

fn big_series() -> CostSeries {
    let start = Month {
        year: 2023,
        month: 12,
    };
    CostSeries {
        currency: "USD".into(),
        months: (0..36)
            .map(|i| MonthCost {
                month: start.plus(i).iso_start(),
                services: (0..25)
                    .map(|s| {
                        (
                            format!("Service number {s:02}"),
                            10.0 + f64::from(s * 7 + i % 5),
                        )
                    })
                    .collect(),
                estimated: i == 35,
            })
            .collect(),
    }
}

fn chart_benches(c: &mut Criterion) {
    let series = big_series();
    let forecast = Forecast {
        remaining_mean: 300.0,
        remaining_low: 250.0,
        remaining_high: 380.0,
    };
    let input = ChartInput {
        series: &series,
        forecast: Some(&forecast),
        budget: Some(3000.0),
        current_month: &series.months[35].month,
        theme: Theme::Light,
        size: purser_core::chart::EXPORT_SIZE,
        language: purser_core::locale::Language::En,
    };
    c.bench_function("chart_svg_36_months_25_services", |b| {
        b.iter(|| render_svg(black_box(&input)).unwrap())
    });
    let svg = render_svg(&input).unwrap();
    let mut group = c.benchmark_group("export");
    group.sample_size(10);
    group.bench_function("chart_png_1600x800", |b| {
        b.iter(|| render_png(black_box(&svg)).unwrap())
    });
    group.finish();
}

fn request_counts() {
    use wiremock::matchers::header;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let server = MockServer::start().await;
        let body = serde_json::json!({"ResultsByTime": (0..13).map(|i| {
            let month = Month { year: 2025, month: 11 }.plus(i);
            serde_json::json!({
                "TimePeriod": {"Start": month.iso_start(), "End": month.plus(1).iso_start()},
                "Groups": [{"Keys": ["Amazon EC2"], "Metrics": {"UnblendedCost": {"Amount": "10", "Unit": "USD"}}}],
                "Estimated": i == 12
            })
        }).collect::<Vec<_>>()});
        Mock::given(header("x-amz-target", "AWSInsightsIndexService.GetCostAndUsage"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body.to_string(), "application/x-amz-json-1.1"))
            .mount(&server)
            .await;
        Mock::given(header("x-amz-target", "AWSInsightsIndexService.GetCostForecast"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                r#"{"Total":{"Amount":"5","Unit":"USD"},"ForecastResultsByTime":[]}"#,
                "application/x-amz-json-1.1",
            ))
            .mount(&server)
            .await;
        let access = AwsAccess::Keys {
            access_key_id: Secret::new("TESTACCESSKEY0001"),
            secret_access_key: Secret::new("test-secret"),
            session_token: None,
        };
        let config = sdk_config(&access, &AwsTarget { region: Some("us-east-1".into()), endpoint_url: None }).await;
        let source = CostExplorer::new(
            &config,
            &CostEndpoints { usage: Some(server.uri()), forecast: Some(server.uri()) },
            None,
        );
        let dir = tempfile::tempdir().unwrap();
        let cache = CostCache::new(dir.path().join("cache"));
        let meter = RequestMeter::new(dir.path());
        let now = time::OffsetDateTime::now_utc();
        let ttl = Duration::from_secs(6 * 3600);
        let query = CostQuery::default();
        load_report(ReportRequest { source: &source, cache: &cache, meter: &meter, query: &query, now, ttl, force: false }).await.unwrap();
        let cold = server.received_requests().await.unwrap().len();
        load_report(ReportRequest { source: &source, cache: &cache, meter: &meter, query: &query, now, ttl, force: false }).await.unwrap();
        let warm = server.received_requests().await.unwrap().len() - cold;
        println!("Cost Explorer requests, cold open of 12 months (usage + forecast): {cold}");
        println!("Cost Explorer requests, warm re-open: {warm}");
    });
}

/// Answers as the costs API does: daily buckets from `start_time` to now, `limit` per page,
/// `page` the index of the next one.
struct PagedCosts;

impl wiremock::Respond for PagedCosts {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        let query: std::collections::HashMap<String, String> =
            request.url.query_pairs().into_owned().collect();
        let number = |name: &str| query.get(name).and_then(|v| v.parse::<i64>().ok());
        let start = number("start_time").unwrap_or(0);
        let limit = number("limit").unwrap_or(7);
        let page = number("page").unwrap_or(0);
        let days = (time::OffsetDateTime::now_utc().unix_timestamp() - start) / 86_400 + 1;
        let first = page * limit;
        let last = (first + limit).min(days);
        let data: Vec<serde_json::Value> = (first..last)
            .map(|d| {
                let at = start + d * 86_400;
                serde_json::json!({"object": "bucket", "start_time": at, "end_time": at + 86_400,
                    "results": [{"object": "organization.costs.result",
                                 "amount": {"value": 2.5, "currency": "usd"},
                                 "line_item": "gpt-4o, input", "project_id": "proj_a"}]})
            })
            .collect();
        let more = last < days;
        wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "object": "page", "data": data, "has_more": more,
            "next_page": more.then(|| (page + 1).to_string())
        }))
    }
}

fn openai_request_counts() {
    use purser_core::secrets::SecretKind;
    use purser_core::settings::SettingsPatch;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let server = wiremock::MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::path("/v1/organization/costs"))
            .respond_with(PagedCosts)
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let purser = purser_core::Purser::new(
            purser_core::AppDirs::under(dir.path()),
            None,
            purser_core::testing::backends(),
        );
        let patch = SettingsPatch::from_json(&serde_json::json!({
            "openaiAdminBaseUrl": format!("{}/v1", server.uri()), "costMonths": 13,
            "openaiProject": "proj_a"
        }))
        .unwrap();
        purser.update_settings(&patch).unwrap();
        purser
            .store_secret(
                SecretKind::OpenaiAdminKey,
                Secret::new("test-admin-key-bench"),
            )
            .await
            .unwrap();
        purser.cost_view(false, Theme::Light, 900).await.unwrap();
        let cold = server.received_requests().await.unwrap().len();
        purser.cost_view(false, Theme::Light, 900).await.unwrap();
        let warm = server.received_requests().await.unwrap().len() - cold;
        println!(
            "OpenAI costs API requests, cold load of 13 months for one project: {cold} (goal ≤ 3)"
        );
        println!("OpenAI costs API requests, warm re-load: {warm} (goal 0)");

        // The cost view with the spend limit shown: what a click on Cost & budget waits for
        // (the warm view and the limits, read as the window reads them, side by side).
        let api = purser_test_support::openai_limits::SpendLimitApi::default();
        api.set_project(Some(50_000));
        purser_test_support::openai_limits::mount(&api, &server).await;
        let patch = SettingsPatch::from_json(&serde_json::json!({
            "openaiProject": purser_test_support::openai_limits::PROJECT, "budgetAmount": "2000"
        }))
        .unwrap();
        purser.update_settings(&patch).unwrap();
        purser
            .store_secret(
                SecretKind::OpenaiAdminKey,
                Secret::new(purser_test_support::openai_limits::ADMIN_KEY),
            )
            .await
            .unwrap();
        purser.cost_view(false, Theme::Light, 900).await.unwrap();
        let mut times = Vec::new();
        for _ in 0..20 {
            let started = std::time::Instant::now();
            let (view, limits) = tokio::join!(
                purser.cost_view(false, Theme::Light, 900),
                purser.openai_limits()
            );
            view.unwrap();
            assert_eq!(limits.unwrap().project_limit.map(|l| l.cents), Some(50_000));
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "cost view with the spend limit, warm, local server: median {:.1} ms, slowest {:.1} ms \
             of 20 (goal ≤ 100 ms to painted; the webview's paint is not in this figure)",
            times[10], times[19]
        );
    });
}

fn report_export() {
    use purser_core::chart::view::ExportFormat;
    use purser_core::settings::SettingsPatch;
    use purser_core::testing::FixedClock;
    use purser_core::{AppDirs, Backends, Purser};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let purser = Purser::new(
            AppDirs::under(dir.path()),
            Some("en_US.UTF-8".into()),
            Backends {
                clock: std::sync::Arc::new(FixedClock(
                    time::macros::datetime!(2026-12-16 12:00 UTC),
                )),
                ..purser_core::testing::backends()
            },
        );
        // Sample figures for 13 months (AWS not set up): the largest table the report holds.
        let patch = SettingsPatch::from_json(&serde_json::json!({
            "costMonths": 12, "budgetAmount": "1500"
        }))
        .unwrap();
        purser.update_settings(&patch).unwrap();
        purser.cost_view(false, Theme::Light, 900).await.unwrap();
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..20 {
            let started = std::time::Instant::now();
            let export = purser.export_cost(ExportFormat::Pdf, Theme::Light).unwrap();
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            size = export.bytes.len();
        }
        times.sort_by(f64::total_cmp);
        println!(
            "meeting report (PDF, 13 months, sample data): median {:.1} ms, slowest {:.1} ms of 20 \
             (goal ≤ 300 ms); {:.1} kB (goal ≤ 300 kB)",
            times[10],
            times[19],
            size as f64 / 1024.0
        );
    });
}

fn main() {
    report_export();
    request_counts();
    openai_request_counts();
    let mut criterion = Criterion::default().configure_from_args();
    chart_benches(&mut criterion);
    criterion.final_summary();
}
