//! End-to-end: OpenAI's hard spend limit in the real window, against a local server that keeps
//! limits as OpenAI's administration API does. The project's limit and the organisation's are
//! shown beside the month's spend; a cap is set from the budget after a question that says
//! what happens at the cap; the change is an Activity row; the limit is put back as it was —
//! in English and in Spanish.

#[path = "support/desktop.rs"]
mod desktop;

use desktop::Desktop;
use fantoccini::Locator;
use purser_test_support::openai_limits::{mount, SpendLimitApi, ADMIN_KEY, PROJECT};
use serde_json::{json, Value};
use time::OffsetDateTime;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// $20 a day of this month so far (UTC), on the project.
fn this_months_costs() -> Value {
    let now = OffsetDateTime::now_utc();
    let first = now.date().replace_day(1).unwrap().midnight().assume_utc();
    let buckets: Vec<Value> = (0..i64::from(now.day()))
        .map(|d| {
            let start = (first + time::Duration::days(d)).unix_timestamp();
            json!({"object": "bucket", "start_time": start, "end_time": start + 86_400,
                   "results": [{"object": "organization.costs.result",
                                "amount": {"value": 20.0, "currency": "usd"},
                                "line_item": "gpt-4o, input", "project_id": PROJECT}]})
        })
        .collect();
    json!({"object": "page", "data": buckets, "has_more": false, "next_page": null})
}

async fn openai_server(api: &SpendLimitApi) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/v1/organization/costs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(this_months_costs()))
        .mount(&server)
        .await;
    Mock::given(path("/v1/organization/projects"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "list", "first_id": PROJECT, "last_id": PROJECT, "has_more": false,
            "data": [{"id": PROJECT, "object": "organization.project", "name": "Assistant",
                      "created_at": 1, "archived_at": null, "status": "active"}]
        })))
        .mount(&server)
        .await;
    mount(api, &server).await;
    server
}

/// The words a user reads on the way, in one language.
struct Words {
    lang: &'static str,
    disclosure: &'static str,
    address: &'static str,
    save_address: &'static str,
    key: &'static str,
    store: &'static str,
    cost: &'static str,
    budget: &'static str,
    save_budget: &'static str,
    saved: &'static str,
    project: &'static str,
    apply: &'static str,
    no_limit: &'static str,
    sample: &'static str,
    organisation: &'static str,
    amount: &'static str,
    cap: &'static str,
    typed: &'static str,
    consequence: &'static str,
    capped: &'static str,
    capped_at: &'static str,
    deployment: &'static str,
    activity: &'static str,
    revert: &'static str,
    reverted: &'static str,
}

const ENGLISH: Words = Words {
    lang: "en",
    disclosure: "Where the admin key goes",
    address: "Admin API address (empty: OpenAI’s own)",
    save_address: "Save admin address",
    key: "Admin key",
    store: "Store: Admin key",
    cost: "Cost & budget",
    budget: "Amount per month",
    save_budget: "Save budget",
    saved: "Saved.",
    project: "OpenAI project (read with the admin key)",
    apply: "Apply",
    no_limit: "no limit set",
    sample: "AWS’s forecast is sample data until the AWS keys are stored",
    organisation: "limit $10,000.00 a month (it counts every project’s spend)",
    amount: "Cap per month (USD)",
    cap: "Cap OpenAI spend for this project",
    typed: "1234.56",
    consequence:
        "OpenAI refuses the app’s requests until the next month or until the limit is raised",
    capped: "The project’s OpenAI spend is capped.",
    capped_at: "limit $1,234.56 a month",
    deployment: "Deployment",
    activity: "OpenAI spend limit set · proj_shop: $1,234.56 a month",
    revert: "Put the limit back",
    reverted: "The limit is as it was before Purser changed it.",
};

const SPANISH: Words = Words {
    lang: "es",
    disclosure: "Adónde va la clave de administración",
    address: "Dirección de la API de administración (vacía: la de OpenAI)",
    save_address: "Guardar dirección de administración",
    key: "Clave de administración",
    store: "Guardar: Clave de administración",
    cost: "Coste y presupuesto",
    budget: "Importe al mes",
    save_budget: "Guardar presupuesto",
    saved: "Guardado.",
    project: "Proyecto de OpenAI (leído con la clave de administración)",
    apply: "Aplicar",
    no_limit: "sin límite",
    sample: "La previsión de AWS son datos de muestra",
    organisation: "límite de 10.000,00 US$ al mes (cuenta el gasto de todos los proyectos)",
    amount: "Tope al mes (USD)",
    cap: "Poner tope al gasto de OpenAI de este proyecto",
    typed: "1.234,56",
    consequence: "OpenAI rechaza las solicitudes de la aplicación hasta el mes siguiente",
    capped: "El gasto de OpenAI del proyecto tiene tope.",
    capped_at: "límite de 1234,56 US$ al mes",
    deployment: "Despliegue",
    activity: "Límite de gasto de OpenAI fijado · proj_shop: 1234,56 US$ al mes",
    revert: "Devolver el límite",
    reverted: "El límite está como estaba antes de que Purser lo cambiara.",
};

/// Scrolls the limit's card into view, for a screenshot.
async fn show_card(app: &Desktop) {
    app.client
        .execute(
            "document.getElementById('openai-limit-card').scrollIntoView({block: 'start'})",
            vec![],
        )
        .await
        .expect("scrolled");
}

/// The open confirmation dialog's text, then its button labelled `label` clicked.
async fn confirm(app: &Desktop, label: &str) -> String {
    let dialog = app
        .client
        .wait()
        .at_most(desktop::UI_TIMEOUT)
        .for_element(Locator::Css("dialog[open]"))
        .await
        .expect("the confirmation dialog");
    let text = dialog.text().await.unwrap_or_default();
    let button = dialog
        .find(Locator::XPath(&format!(
            ".//button[normalize-space(.)={}]",
            desktop::xpath_literal(label)
        )))
        .await
        .expect("the dialog's button");
    button.click().await.unwrap();
    text
}

// Long: one scenario, told step by step in the order a user takes it.
async fn see_set_and_put_back(app: &Desktop, api: &SpendLimitApi, server: &MockServer, w: &Words) {
    app.open_disclosure(w.disclosure).await;
    app.type_in(w.address, &format!("{}/v1", server.uri()))
        .await;
    app.click_button(w.save_address).await;
    app.type_in(w.key, ADMIN_KEY).await;
    app.click_button(w.store).await;

    app.open_section(w.cost).await;
    app.type_in(w.budget, "5000").await;
    app.click_button(w.save_budget).await;
    app.wait_text("budget-message", w.saved).await;
    app.choose(w.project, "Assistant").await;
    app.click_button(w.apply).await;
    app.wait_text("limit-project", "Assistant").await;
    app.wait_text("limit-project", w.no_limit).await;
    app.wait_text("limit-organisation", w.organisation).await;
    // No AWS keys: the offer says it rests on sample figures.
    app.wait_text("limit-offer", w.sample).await;
    show_card(app).await;
    app.screenshot(&format!("openai-limit-{}.png", w.lang))
        .await;

    app.type_in(w.amount, w.typed).await;
    app.click_button(w.cap).await;
    let question = confirm(app, w.cap).await;
    assert!(question.contains(w.consequence), "{question}");
    app.wait_text("limit-message", w.capped).await;
    app.wait_text("limit-project", w.capped_at).await;
    assert_eq!(api.project(), Some(123_456), "exactly $1,234.56");
    show_card(app).await;
    app.screenshot(&format!("openai-limit-capped-{}.png", w.lang))
        .await;

    app.open_section(w.deployment).await;
    app.wait_text("activity-rows", w.activity).await;
    app.open_section(w.cost).await;

    app.click_button(w.revert).await;
    app.wait_text("limit-message", w.reverted).await;
    app.wait_text("limit-project", w.no_limit).await;
    show_card(app).await;
    app.screenshot(&format!("openai-limit-reverted-{}.png", w.lang))
        .await;
    assert_eq!(
        api.project(),
        None,
        "there was no limit: Purser's is removed"
    );
}

#[tokio::test]
async fn the_spend_limit_seen_set_and_put_back() {
    let api = SpendLimitApi::default();
    api.state().organisation = Some(1_000_000);
    let server = openai_server(&api).await;
    let app = Desktop::launch().await;
    see_set_and_put_back(&app, &api, &server, &ENGLISH).await;
    app.quit().await;
}

#[tokio::test]
async fn the_spend_limit_in_spanish() {
    let api = SpendLimitApi::default();
    api.state().organisation = Some(1_000_000);
    let server = openai_server(&api).await;
    let app = Desktop::launch_with("es_ES.UTF-8", |_| {}).await;
    see_set_and_put_back(&app, &api, &server, &SPANISH).await;
    app.quit().await;
}
