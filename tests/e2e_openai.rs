//! End-to-end: OpenAI API spend in the real window. With an admin key stored and a local
//! server answering as the costs API documents, the Cost & budget screen draws OpenAI as its
//! own series, says where its figures come from, opens its line items in the month's
//! breakdown, and narrows to one project when one is chosen — in English and in Spanish.

#[path = "support/desktop.rs"]
mod desktop;

use desktop::Desktop;
use fantoccini::Locator;
use serde_json::{json, Value};
use time::OffsetDateTime;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const ADMIN_KEY: &str = "test-admin-key-open";

/// A bucket per day of this month so far (UTC), two line items each.
fn this_months_costs() -> Value {
    let now = OffsetDateTime::now_utc();
    let first = now.date().replace_day(1).unwrap().midnight().assume_utc();
    let buckets: Vec<Value> = (0..i64::from(now.day()))
        .map(|d| {
            let start = (first + time::Duration::days(d)).unix_timestamp();
            json!({"object": "bucket", "start_time": start, "end_time": start + 86_400,
                   "results": [
                       {"object": "organization.costs.result", "amount": {"value": 12.5, "currency": "usd"},
                        "line_item": "gpt-4o, input", "project_id": "proj_b"},
                       {"object": "organization.costs.result", "amount": {"value": 30.0, "currency": "usd"},
                        "line_item": "gpt-4o, output", "project_id": "proj_b"}]})
        })
        .collect();
    json!({"object": "page", "data": buckets, "has_more": false, "next_page": null})
}

async fn openai_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/v1/organization/costs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(this_months_costs()))
        .mount(&server)
        .await;
    Mock::given(path("/v1/organization/projects"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "list", "first_id": "proj_b", "last_id": "proj_b", "has_more": false,
            "data": [{"id": "proj_b", "object": "organization.project", "name": "Assistant",
                      "created_at": 1, "archived_at": null, "status": "active"}]
        })))
        .mount(&server)
        .await;
    server
}

/// The words a user reads to set things up, in one language.
struct Labels {
    disclosure: &'static str,
    address: &'static str,
    save_address: &'static str,
    key: &'static str,
    store: &'static str,
}

const ENGLISH: Labels = Labels {
    disclosure: "Where the admin key goes",
    address: "Admin API address (empty: OpenAI’s own)",
    save_address: "Save admin address",
    key: "Admin key",
    store: "Store: Admin key",
};

const SPANISH: Labels = Labels {
    disclosure: "Adónde va la clave de administración",
    address: "Dirección de la API de administración (vacía: la de OpenAI)",
    save_address: "Guardar dirección de administración",
    key: "Clave de administración",
    store: "Guardar: Clave de administración",
};

/// Points Purser at the local server and stores the admin key, as a user would.
async fn set_up(app: &Desktop, server: &MockServer, labels: &Labels) {
    app.open_disclosure(labels.disclosure).await;
    app.type_in(labels.address, &format!("{}/v1", server.uri()))
        .await;
    app.click_button(labels.save_address).await;
    app.type_in(labels.key, ADMIN_KEY).await;
    app.click_button(labels.store).await;
}

async fn chart_text(app: &Desktop) -> String {
    let chart = app.client.find(Locator::Id("cost-chart")).await.unwrap();
    chart.html(false).await.unwrap_or_default()
}

#[tokio::test]
async fn openai_spend_in_the_chart_the_breakdown_and_one_project() {
    let server = openai_server().await;
    let app = Desktop::launch().await;
    set_up(&app, &server, &ENGLISH).await;

    app.open_section("Cost & budget").await;
    app.wait_text("cost-openai", "OpenAI API (Whole organisation) is included")
        .await;
    app.wait_text("cost-openai", "can lag a day or two").await;
    app.eventually("the chart's legend to name OpenAI", || async {
        chart_text(&app).await.contains("OpenAI API")
    })
    .await;
    app.open_disclosure("OpenAI API").await;
    app.wait_text("cost-breakdown", "gpt-4o, output: $").await;
    app.wait_text("cost-breakdown", "gpt-4o, input: $").await;
    app.screenshot("openai-breakdown.png").await;

    // One project: chosen, applied, asked for by its ID.
    app.choose("OpenAI project (read with the admin key)", "Assistant")
        .await;
    app.click_button("Apply").await;
    app.wait_text("cost-openai", "OpenAI API (Assistant) is included")
        .await;
    let asked = server.received_requests().await.unwrap();
    assert!(
        asked.iter().any(|r| r
            .url
            .query()
            .unwrap_or_default()
            .contains("project_ids=proj_b")),
        "the chosen project is asked for by its ID"
    );
    app.quit().await;
}

#[tokio::test]
async fn openai_spend_in_spanish() {
    let server = openai_server().await;
    let app = Desktop::launch_with("es_ES.UTF-8", |_| {}).await;
    set_up(&app, &server, &SPANISH).await;
    app.open_section("Coste y presupuesto").await;
    app.wait_text("cost-openai", "Incluye OpenAI API (Toda la organización)")
        .await;
    app.wait_text("cost-openai", "uno o dos días de retraso")
        .await;
    app.open_disclosure("OpenAI API").await;
    app.wait_text("cost-breakdown", "gpt-4o, output:").await;
    app.screenshot("openai-breakdown-es.png").await;
    app.quit().await;
}
