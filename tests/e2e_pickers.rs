//! End-to-end: the pickers on a big setup, in the real window — a kubeconfig with 200
//! contexts and a cluster with 5,000 namespaces (listed a page at a time). Typing in the
//! search box above each list narrows it to what matches and chooses it, as a user finds
//! their cluster and namespace without scrolling through thousands.

#[path = "support/desktop.rs"]
mod desktop;

use base64::Engine;
use desktop::Desktop;
use fantoccini::Locator;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, PostParams};
use purser_test_support::kube::Cluster;

/// 200 contexts, all on the test cluster: `team-000` … `team-199`.
fn big_kubeconfig(cluster: &Cluster) -> String {
    let ca = base64::engine::general_purpose::STANDARD.encode(cluster.sim.ca_pem());
    let mut config = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: sim\n  cluster: {{server: '{}', \
         certificate-authority-data: '{ca}'}}\nusers:\n- name: sim\n  user: {{token: '{}'}}\n\
         contexts:\n",
        cluster.sim.url(),
        cluster.sim.token()
    );
    for n in 0..200 {
        config.push_str(&format!(
            "- name: team-{n:03}\n  context: {{cluster: sim, user: sim, namespace: default}}\n"
        ));
    }
    config.push_str("current-context: team-000\n");
    config
}

/// `ns-0000` … `ns-4999`, created 50 at a time.
async fn five_thousand_namespaces(cluster: &Cluster) {
    let api: Api<Namespace> = Api::all(cluster.client().await);
    for chunk in (0..5000).collect::<Vec<u32>>().chunks(50) {
        let creates: Vec<_> = chunk
            .iter()
            .map(|n| {
                let api = api.clone();
                let namespace: Namespace = serde_json::from_value(
                    serde_json::json!({"metadata": {"name": format!("ns-{n:04}")}}),
                )
                .unwrap();
                tokio::spawn(async move { api.create(&PostParams::default(), &namespace).await })
            })
            .collect();
        for create in creates {
            create.await.unwrap().unwrap();
        }
    }
}

async fn options(app: &Desktop, select: &str) -> Vec<String> {
    let select = app.client.find(Locator::Id(select)).await.unwrap();
    let mut found = Vec::new();
    for option in select.find_all(Locator::Css("option")).await.unwrap() {
        found.push(option.prop("value").await.unwrap().unwrap_or_default());
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_contexts_and_five_thousand_namespaces_are_searchable() {
    let cluster = Cluster::start().await;
    five_thousand_namespaces(&cluster).await;
    let kubeconfig = big_kubeconfig(&cluster);
    let app = Desktop::launch_with("C.UTF-8", |home| {
        std::fs::write(home.join("kubeconfig"), kubeconfig).unwrap();
    })
    .await;
    app.open_section("Deployment").await;

    assert_eq!(
        options(&app, "kube-context").await.len(),
        201,
        "200 + the sandbox"
    );
    app.type_in("Search clusters", "team-137").await;
    app.eventually("the list to narrow to one cluster", || async {
        options(&app, "kube-context").await == ["team-137"]
    })
    .await;
    app.click_button("Connect").await;
    app.wait_text("kube-server", "Connected").await;

    app.eventually("every namespace to be listed", || async {
        options(&app, "kube-namespace").await.len() >= 5000
    })
    .await;
    app.type_in("Search namespaces", "ns-4321").await;
    app.eventually("the namespace to be chosen", || async {
        options(&app, "kube-namespace").await == ["ns-4321"]
    })
    .await;
    app.eventually("the choice to be kept", || async {
        std::fs::read_to_string(app.config_dir().join("settings.json"))
            .unwrap_or_default()
            .contains("\"kubeNamespace\": \"ns-4321\"")
    })
    .await;
    app.screenshot("pickers.png").await;
    app.quit().await;
}
