//! OpenAI API spend in the cost view through the facade, with the admin key in an in-memory
//! keychain and a local server answering as the costs API documents: the spend is one more
//! service in the months, the forecast and the export; read once and then cached; one project
//! when one is chosen; a refused key told plainly while the AWS figures keep working; the
//! projects listed for the choice.

use std::sync::Arc;

use purser_core::chart::view::ExportFormat;
use purser_core::chart::Theme;
use purser_core::cost::openai::SERIES;
use purser_core::cost::RequestMeter;
use purser_core::secrets::{Secret, SecretKind};
use purser_core::settings::SettingsPatch;
use purser_core::testing::FixedClock;
use purser_core::{AppDirs, Backends, Purser};
use serde_json::{json, Value};
use time::macros::datetime;
use wiremock::matchers::{path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ADMIN_KEY: &str = "test-admin-key-5e1f";

/// October: $100 on one day; November: $10 a day for the 19 full days before the 20th.
fn costs_page() -> Value {
    let day = |start: time::OffsetDateTime, item: &str, amount: f64| {
        json!({"object": "bucket", "start_time": start.unix_timestamp(),
               "end_time": start.unix_timestamp() + 86_400,
               "results": [{"object": "organization.costs.result",
                            "amount": {"value": amount, "currency": "usd"},
                            "line_item": item, "project_id": "proj_a"}]})
    };
    let mut buckets = vec![day(
        datetime!(2026-10-15 00:00 UTC),
        "gpt-4o, output",
        100.0,
    )];
    for d in 0..19 {
        let start = datetime!(2026-11-01 00:00 UTC) + time::Duration::days(d);
        buckets.push(day(start, "gpt-4o, input", 10.0));
    }
    json!({"object": "page", "data": buckets, "has_more": false, "next_page": null})
}

async fn purser_with(server: &MockServer, dir: &std::path::Path) -> Purser {
    let purser = Purser::new(
        AppDirs::under(dir),
        None,
        Backends {
            clock: Arc::new(FixedClock(datetime!(2026-11-20 12:00 UTC))),
            ..purser_core::testing::backends()
        },
    );
    let patch = SettingsPatch::from_json(&json!({
        "openaiAdminBaseUrl": format!("{}/v1", server.uri()), "costMonths": 2, "budgetAmount": "1000"
    }))
    .unwrap();
    purser.update_settings(&patch).unwrap();
    purser
        .store_secret(SecretKind::OpenaiAdminKey, Secret::new(ADMIN_KEY))
        .await
        .unwrap();
    purser
}

#[tokio::test]
async fn openai_spend_joins_the_figures_and_is_cached() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/organization/costs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(costs_page()))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let purser = purser_with(&server, dir.path()).await;
    let requests = || RequestMeter::named(&dir.path().join("data"), "openai-requests.json");

    let view = purser.cost_view(false, Theme::Light, 900).await.unwrap();
    let months = &view.report.series.months;
    let november = months.iter().find(|m| m.month == "2026-11-01").unwrap();
    let openai = november.services.iter().find(|(s, _)| s == SERIES).unwrap();
    assert!((openai.1 - 190.0).abs() < 1e-9);
    let october = months.iter().find(|m| m.month == "2026-10-01").unwrap();
    assert!(october
        .services
        .iter()
        .any(|(s, a)| s == SERIES && *a == 100.0));
    let part = view.openai.as_ref().unwrap();
    assert_eq!(part.error, None);
    let spend = part.spend.as_ref().unwrap();
    // 19 full days at $10 carried to 30 days: $300 by the month's end, $110 still to come.
    assert!((spend.remaining.unwrap() - 110.0).abs() < 1e-9);
    assert!(view.chart_svg.contains(SERIES), "the legend names OpenAI");
    assert_eq!(requests().requests_in("2026-11"), 1);

    let csv = String::from_utf8(
        purser
            .export_cost(ExportFormat::Csv, Theme::Light)
            .unwrap()
            .bytes,
    )
    .unwrap();
    assert!(
        csv.contains("2026-10,OpenAI API,100.00,USD,false,\"gpt-4o, output\""),
        "{csv}"
    );

    purser.cost_view(false, Theme::Light, 900).await.unwrap();
    assert_eq!(requests().requests_in("2026-11"), 1, "cached");
    purser.cost_view(true, Theme::Light, 900).await.unwrap();
    assert_eq!(requests().requests_in("2026-11"), 2, "refreshed when asked");
}

#[tokio::test]
async fn a_chosen_project_is_the_only_one_asked_for() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/organization/costs"))
        .and(query_param("project_ids", "proj_a"))
        .respond_with(ResponseTemplate::new(200).set_body_json(costs_page()))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let purser = purser_with(&server, dir.path()).await;
    let patch = SettingsPatch::from_json(&json!({"openaiProject": "proj_a"})).unwrap();
    purser.update_settings(&patch).unwrap();
    let view = purser.cost_view(false, Theme::Light, 900).await.unwrap();
    let part = view.openai.unwrap();
    assert_eq!(part.project.as_deref(), Some("proj_a"));
    assert!(part.spend.is_some());
}

#[tokio::test]
async fn a_refused_key_is_told_and_the_aws_figures_stay() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/organization/costs"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"error": {
            "message": "insufficient permissions", "type": "invalid_request_error",
            "param": null, "code": null}})))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let purser = purser_with(&server, dir.path()).await;
    let view = purser.cost_view(false, Theme::Light, 900).await.unwrap();
    let part = view.openai.unwrap();
    assert_eq!(part.error.unwrap().code, "openai_not_admin");
    assert!(part.spend.is_none());
    assert!(!view.report.series.months.is_empty(), "AWS figures shown");
    assert!(view
        .report
        .series
        .months
        .iter()
        .all(|m| m.services.iter().all(|(s, _)| s != SERIES)));
}

#[tokio::test]
async fn without_an_admin_key_there_is_no_openai_part() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let purser = purser_with(&server, dir.path()).await;
    purser
        .delete_secret(SecretKind::OpenaiAdminKey)
        .await
        .unwrap();
    let view = purser.cost_view(false, Theme::Light, 900).await.unwrap();
    assert!(view.openai.is_none());
    assert_eq!(server.received_requests().await.unwrap().len(), 0);
}

#[tokio::test]
async fn projects_are_listed_active_first() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/organization/projects"))
        .and(query_param("include_archived", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "list", "first_id": "proj_z", "last_id": "proj_b", "has_more": false,
            "data": [
                {"id": "proj_z", "object": "organization.project", "name": "Old bot",
                 "created_at": 1, "archived_at": 2, "status": "archived"},
                {"id": "proj_b", "object": "organization.project", "name": "Assistant",
                 "created_at": 1, "archived_at": null, "status": "active"}
            ]
        })))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let purser = purser_with(&server, dir.path()).await;
    let projects = purser.openai_projects().await.unwrap();
    let ids: Vec<_> = projects
        .iter()
        .map(|p| (p.id.as_str(), p.archived))
        .collect();
    assert_eq!(ids, [("proj_b", false), ("proj_z", true)]);
}

/// An admin key manages an organisation's keys, users and projects: it goes to OpenAI's own
/// administration API (here a local stand-in), never to the gateway address set for the
/// app's key — unless the user sets an admin address on purpose.
#[tokio::test]
async fn the_admin_key_never_goes_to_the_apps_gateway() {
    let gateway = MockServer::start().await;
    let official = MockServer::start().await;
    for server in [&gateway, &official] {
        Mock::given(path("/v1/organization/costs"))
            .respond_with(ResponseTemplate::new(200).set_body_json(costs_page()))
            .mount(server)
            .await;
    }
    let dir = tempfile::tempdir().unwrap();
    let purser = Purser::new(
        AppDirs::under(dir.path()),
        None,
        Backends {
            clock: Arc::new(FixedClock(datetime!(2026-11-20 12:00 UTC))),
            openai_admin: format!("{}/v1", official.uri()),
            ..purser_core::testing::backends()
        },
    );
    let patch =
        SettingsPatch::from_json(&json!({"openaiBaseUrl": format!("{}/v1", gateway.uri())}))
            .unwrap();
    purser.update_settings(&patch).unwrap();
    purser
        .store_secret(SecretKind::OpenaiAdminKey, Secret::new(ADMIN_KEY))
        .await
        .unwrap();
    let checked = purser.check_openai_admin().await.unwrap();
    assert!(checked.ok, "{checked:?}");
    let view = purser.cost_view(true, Theme::Light, 640).await.unwrap();
    assert!(view.openai.unwrap().spend.is_some());
    assert!(
        gateway.received_requests().await.unwrap().is_empty(),
        "the gateway got nothing"
    );
    let asked = official.received_requests().await.unwrap();
    assert!(asked.len() >= 2, "{} requests", asked.len());

    // Set on purpose, the admin address is used (and the window warns where the key goes).
    let patch =
        SettingsPatch::from_json(&json!({"openaiAdminBaseUrl": format!("{}/v1", gateway.uri())}))
            .unwrap();
    purser.update_settings(&patch).unwrap();
    purser.check_openai_admin().await.unwrap();
    assert_eq!(gateway.received_requests().await.unwrap().len(), 1);
    // An address with a password in it is refused, and the password is never echoed.
    let refused = purser
        .update_settings(
            &SettingsPatch::from_json(
                &json!({"openaiAdminBaseUrl": "https://me:hunter2@gw.example/v1"}),
            )
            .unwrap(),
        )
        .unwrap_err();
    assert!(!serde_json::to_string(&refused).unwrap().contains("hunter2"));
}
