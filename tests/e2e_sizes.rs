//! End-to-end: sizes in plain words on the deploy form, in the real window, against the
//! Kubernetes API test server — each size with its price per copy (from the guard's prices),
//! the cost of the chosen copies, the chosen size being what is applied (the real `kubectl`
//! reads the requests back), and the prices following an edit of the guard's prices.

#[path = "support/desktop.rs"]
mod desktop;

use desktop::Desktop;
use purser_test_support::kube::Cluster;

const KEY: &str = "fake-key-E2ESIZES-1a2b";

/// The text of the choice whose label starts with `name`: its title and its small print, as
/// "title | small print" (read in one go: the choices are redrawn when prices change).
async fn option_text(app: &Desktop, name: &str) -> String {
    let found = app
        .client
        .execute(
            "const label = [...document.querySelectorAll('label.size-option')]
               .find((l) => l.textContent.trim().startsWith(arguments[0]));
             return label
               ? label.querySelector('.size-name').textContent + ' | ' + label.querySelector('small').textContent
               : '';",
            vec![serde_json::json!(name)],
        )
        .await
        .unwrap_or_else(|e| panic!("the {name} choice cannot be read: {e}"));
    found.as_str().unwrap_or_default().to_string()
}

// Long: one scenario, told step by step in the order it happens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_size_is_priced_applied_as_chosen_and_repriced_with_the_guards_prices() {
    let cluster = Cluster::start().await;
    let kubeconfig = std::fs::read_to_string(cluster.kubeconfig_path()).unwrap();
    let app = Desktop::launch_with("C.UTF-8", |home| {
        std::fs::write(home.join("kubeconfig"), kubeconfig).unwrap();
    })
    .await;
    app.type_in("API key", KEY).await;
    app.click_button("Store: API key").await;
    app.wait_text("state-openai_api_key", "stored").await;

    app.open_section("Deployment").await;
    app.choose("Cluster", "sim").await;
    app.click_button("Connect").await;
    app.wait_text("kube-server", "Connected").await;

    // Each size says what a copy costs at Fargate's prices, with its CPU and memory.
    app.eventually("the sizes to be priced", || async {
        option_text(&app, "Medium")
            .await
            .contains("≈ $18/month per copy")
    })
    .await;
    assert_eq!(
        option_text(&app, "Small").await,
        "Small · ≈ $9/month per copy | 0.25 vCPU, 256 MB reserved"
    );
    assert_eq!(
        option_text(&app, "Medium").await,
        "Medium · ≈ $18/month per copy | 0.5 vCPU, 768 MB reserved"
    );
    assert_eq!(
        option_text(&app, "Large").await,
        "Large · ≈ $36/month per copy | 1 vCPU, 1,792 MB reserved"
    );
    // A new app starts Small; the CPU and memory fields are Custom's.
    assert!(!app.shown("size-custom").await);
    app.type_in("Name", "assistant").await;
    app.type_in("Image", "ghcr.io/acme/assistant:1.0").await;
    app.type_in("Copies (0–100)", "3").await;
    app.wait_text("size-total", "3 copies ≈ $27 a month at the guard’s prices")
        .await;
    app.pick_option("Medium").await;
    app.wait_text("size-total", "3 copies ≈ $54 a month at the guard’s prices")
        .await;
    app.client
        .execute(
            "document.getElementById('app-size').scrollIntoView({block: 'center'})",
            vec![],
        )
        .await
        .unwrap();
    app.screenshot("sizes-form.png").await;

    // Medium is what is applied.
    app.click_button("Preview changes").await;
    app.wait_text("preview-cost", "0 → 3 copies ≈ +$54 a month.")
        .await;
    app.click_button("Deploy").await;
    app.wait_text("rollout-summary", "Ready: 3 of 3").await;
    let resources = cluster
        .kubectl_ok(&[
            "get",
            "deployment",
            "assistant",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].resources}",
        ])
        .await;
    let resources: serde_json::Value = serde_json::from_str(&resources).unwrap();
    assert_eq!(
        resources,
        serde_json::json!({
            "requests": {"cpu": "500m", "memory": "768Mi"},
            "limits": {"cpu": "1", "memory": "1536Mi"}
        })
    );
    // The app, opened again, shows the size it runs at.
    app.choose("App", "assistant").await;
    app.eventually("Medium to be chosen", || async {
        app.client
            .execute(
                "return document.querySelector('input[name=\"app-size\"]:checked')?.value",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .as_deref()
            == Some("medium")
    })
    .await;

    // Twice the prices: every size costs twice as much.
    app.open_disclosure("Edit how a copy is priced").await;
    app.type_in("USD per vCPU-hour", "0.08096").await;
    app.type_in("USD per GB-hour", "0.00889").await;
    app.click_button("Save prices").await;
    app.eventually("the sizes to be priced again", || async {
        option_text(&app, "Medium")
            .await
            .contains("≈ $36/month per copy")
    })
    .await;
    assert!(option_text(&app, "Small")
        .await
        .contains("≈ $18/month per copy"));
    app.wait_text("size-total", "3 copies ≈ $108 a month").await;
    app.screenshot("sizes.png").await;
    app.quit().await;
}
