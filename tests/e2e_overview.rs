//! End-to-end: the Overview in the real window — three apps on two contexts of the Kubernetes
//! API test server (one the guard found over budget, one with a proposal waiting, one whose
//! rollout fails), each card's figures and state, a card opening its app; and the first run
//! from an empty data folder, in Spanish: the guide's three steps, skip and resume, the
//! sample-data path.

#[path = "support/desktop.rs"]
mod desktop;

use std::time::Duration;

use base64::Engine;
use desktop::Desktop;
use fantoccini::Locator;
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, PostParams};
use purser_core::guard::record::{AppRecord, LastCheck, Proposal};
use purser_core::guard::{Policy, Target};
use purser_test_support::kube::Cluster;
use serde_json::json;

/// Two contexts, `prod` and `staging`, on the test cluster.
fn two_contexts(cluster: &Cluster) -> String {
    let ca = base64::engine::general_purpose::STANDARD.encode(cluster.sim.ca_pem());
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: sim\n  cluster: {{server: '{}', \
         certificate-authority-data: '{ca}'}}\nusers:\n- name: sim\n  user: {{token: '{}'}}\n\
         contexts:\n- name: prod\n  context: {{cluster: sim, user: sim, namespace: default}}\n\
         - name: staging\n  context: {{cluster: sim, user: sim, namespace: default}}\n\
         current-context: prod\n",
        cluster.sim.url(),
        cluster.sim.token()
    )
}

/// A Deployment labelled as Purser labels the apps it deploys.
async fn deployment(cluster: &Cluster, name: &str, image: &str, replicas: i32) {
    let api: Api<Deployment> = Api::namespaced(cluster.client().await, "default");
    let deployment: Deployment = serde_json::from_value(json!({
        "metadata": {"name": name, "labels": {
            "app.kubernetes.io/name": name, "app.kubernetes.io/managed-by": "purser"
        }},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": name}},
                "spec": {"containers": [{"name": name, "image": image}]}
            }
        }
    }))
    .unwrap();
    api.create(&PostParams::default(), &deployment)
        .await
        .unwrap();
}

/// The guard's records: `web` (prod) checked over budget, `api` (prod) with a proposal,
/// `worker` (staging) with no policy.
fn guard_file() -> String {
    let over = AppRecord {
        policy: Policy::Notify,
        last_check: Some(LastCheck {
            at: "2026-12-05T09:00:00Z".into(),
            did: "notify".into(),
            code: "over_budget".into(),
            params: serde_json::from_value(json!({
                "basis": "spent", "figure": 1740.0, "budget": 1500.0, "from": 4, "to": 4
            }))
            .unwrap(),
        }),
        ..AppRecord::default()
    };
    let waiting = AppRecord {
        policy: Policy::Propose { floor: 1 },
        proposal: Some(Proposal {
            to: Target::Copies { replicas: 1 },
            from: Some(Target::Copies { replicas: 3 }),
            code: "over_budget".into(),
            params: serde_json::Map::new(),
            text: "api: 3 → 1 copy".into(),
            saving: Some(22.0),
            at: "2026-12-05T09:00:00Z".into(),
        }),
        ..AppRecord::default()
    };
    let key = |context: &str, app: &str| json!([context, "default", app]).to_string();
    json!({
        "version": 2,
        "apps": {
            key("prod", "web"): over,
            key("prod", "api"): waiting,
            key("staging", "worker"): AppRecord::default(),
        }
    })
    .to_string()
}

/// The card of `app`, by its accessible name.
async fn card(app: &Desktop, name: &str) -> String {
    let xpath =
        format!("//article[contains(@class,'app-card') and starts-with(@aria-label, '{name} ')]");
    app.client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("no card for {name}: {e}"))
        .text()
        .await
        .unwrap()
}

// Long: one scenario, told step by step in the order it happens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_apps_on_two_contexts_each_with_its_state() {
    let cluster = Cluster::start().await;
    deployment(&cluster, "web", "ghcr.io/acme/web:1.0", 4).await;
    deployment(&cluster, "api", "ghcr.io/acme/api:1.0", 3).await;
    deployment(&cluster, "worker", "ghcr.io/acme/worker-crashloop:1.0", 2).await;
    let kubeconfig = two_contexts(&cluster);
    let guard = guard_file();
    let app = Desktop::launch_with("C.UTF-8", |home| {
        std::fs::write(home.join("kubeconfig"), kubeconfig).unwrap();
        std::fs::write(desktop::data_dir(home).join("guard.json"), guard).unwrap();
        // Something set up (a budget): Purser opens on the overview.
        let config = desktop::config_dir(home);
        std::fs::create_dir_all(&config).unwrap();
        std::fs::write(
            config.join("settings.json"),
            r#"{"version": 2, "budgetAmount": 1500}"#,
        )
        .unwrap();
    })
    .await;
    assert_eq!(app.visible_heading().await, "Overview");

    // This month against the budget (sample figures, labelled).
    app.wait_text("overview-month-body", "of your $1,500 budget")
        .await;
    assert!(app.shown("overview-sample").await);
    app.wait_text("overview-month-body", "Forecast for the month end:")
        .await;

    let web = card(&app, "web").await;
    assert!(web.contains("prod / default"), "{web}");
    assert!(web.contains("Ready: 4 of 4"), "{web}");
    assert!(web.contains("Budget guard: tell me only"), "{web}");
    assert!(web.contains("is over your budget of $1,500"), "{web}");
    assert!(
        web.contains("The guard found the month over the budget"),
        "{web}"
    );

    let api = card(&app, "api").await;
    assert!(api.contains("Ready: 3 of 3"), "{api}");
    assert!(api.contains("Budget guard: propose scaling down"), "{api}");
    assert!(api.contains("A proposal waits for your approval"), "{api}");
    assert!(!api.contains("over the budget"), "{api}");

    let worker = card(&app, "worker").await;
    assert!(worker.contains("staging / default"), "{worker}");
    // Its crashes take a moment to show; a person clicks Refresh (the overview also reads
    // itself again every 15 s).
    app.eventually("the worker's rollout to be seen failing", || async {
        app.click_button("Refresh").await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        card(&app, "worker").await.contains("The rollout is stuck")
    })
    .await;
    let worker = card(&app, "worker").await;
    assert!(
        worker.contains("Something is wrong: 0 of 2 copies ready."),
        "{worker}"
    );
    assert!(
        !worker.contains("See below"),
        "nothing is below on the overview: {worker}"
    );
    app.screenshot("overview.png").await;

    // A card opens its app: connected to its context, the app chosen.
    app.click_button("Open api (prod / default) in Deployment")
        .await;
    app.eventually("Deployment to open on api", || async {
        app.visible_heading().await == "Deployment"
    })
    .await;
    app.wait_text("kube-server", "Connected").await;
    app.eventually("the app to be chosen", || async {
        let value = app.client.find(Locator::Id("app-name")).await.ok();
        match value {
            Some(field) => field.prop("value").await.ok().flatten().as_deref() == Some("api"),
            None => false,
        }
    })
    .await;
    // It runs without CPU or memory settings: the form keeps that (Custom), it does not
    // quietly give it a size.
    let size = app
        .client
        .execute(
            "return document.querySelector('input[name=\"app-size\"]:checked')?.value ?? ''",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(size.as_str(), Some("custom"));
    assert_eq!(app.text_of("size-total").await, "");
    app.quit().await;
}

// Long: one scenario, told step by step in the order it happens.
#[tokio::test]
async fn the_first_run_guides_in_spanish_with_skip_resume_and_sample_data() {
    let mut app = Desktop::first_run("es_ES.UTF-8").await;
    assert_eq!(app.visible_heading().await, "Resumen");
    app.wait_text("guide", "Empiece en tres pasos").await;
    let steps = app.text_of("guide-steps").await;
    for step in ["1. Sus claves", "2. Un clúster", "3. Un presupuesto"] {
        assert!(steps.contains(step), "{steps}");
    }
    assert!(
        steps.contains("en el llavero del sistema"),
        "what stays here: {steps}"
    );
    // Under Xvfb the first start's paint lags the page: the picture waits a second for it.
    tokio::time::sleep(Duration::from_secs(1)).await;
    app.screenshot("guide-es.png").await;

    // Skipped, a step says so, and stays skipped after a restart.
    app.click_button("Saltar: Sus claves").await;
    app.wait_text("guide-steps", "Saltado: puede hacerlo más tarde.")
        .await;
    app.restart().await;
    assert_eq!(app.visible_heading().await, "Resumen");
    app.wait_text("guide-steps", "Saltado").await;

    // A step's button opens where it is done.
    app.click_button("Fijar un presupuesto").await;
    app.eventually("Cost to open", || async {
        app.visible_heading().await == "Coste y presupuesto"
    })
    .await;

    // Just looking around: the guide closes, the sample figures show, labelled.
    app.open_section("Resumen").await;
    app.click_button("Solo echar un vistazo con datos de ejemplo")
        .await;
    app.eventually("Cost to open", || async {
        app.visible_heading().await == "Coste y presupuesto"
    })
    .await;
    app.wait_text("cost-sample", "Datos de ejemplo").await;
    app.open_section("Resumen").await;
    app.eventually("the guide to be closed", || async {
        !app.shown("guide").await
    })
    .await;
    assert!(app.shown("overview-sample").await);

    // Resumed from the overview, every step is offered again.
    app.click_button("Terminar de configurar (0 de 3 hechos)")
        .await;
    app.eventually("the guide to open again", || async {
        app.shown("guide").await
    })
    .await;
    assert!(!app.text_of("guide-steps").await.contains("Saltado"));
    app.quit().await;
}
