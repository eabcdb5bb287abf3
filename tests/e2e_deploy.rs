//! End-to-end in the real window on `purser-sandbox`: store the OpenAI key, connect, preview,
//! deploy, watch the rollout reach ready, scale 3 → 5 → 0, deploy a new version and roll back,
//! uninstall, and see a bad image explained in plain words. Runs inside the private
//! gnome-keyring of scripts/test.sh, like the other end-to-end suites.

#[path = "support/desktop.rs"]
mod desktop;

use desktop::Desktop;
use fantoccini::elements::Element;
use fantoccini::Locator;

const KEY: &str = "fake-key-E2EDEPLOYCANARY-abcd";

/// An element to read (a result, not a control: controls are found by their labels).
async fn element(app: &Desktop, id: &str) -> Element {
    app.client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no #{id}: {e}"))
}

async fn preview_and_deploy(app: &Desktop) {
    app.click_button("Preview changes").await;
    app.eventually("the preview to show", || async {
        app.shown("preview-card").await
    })
    .await;
    app.click_button("Deploy").await;
    app.eventually("the preview to close", || async {
        !app.shown("preview-card").await
    })
    .await;
}

async fn scale_to(app: &Desktop, copies: u32) {
    app.type_in("Number of copies", &copies.to_string()).await;
    app.click_button("Apply").await;
}

// Long: one scenario, told step by step in the order it happens.
#[tokio::test]
async fn deploy_scale_rollback_uninstall_on_the_sandbox() {
    let app = Desktop::launch().await;

    // The key goes into the keychain the way a user puts it there.
    app.type_in("API key", KEY).await;
    app.click_button("Store: API key").await;
    app.wait_text("state-openai_api_key", "stored").await;

    app.open_section("Deployment").await;
    app.wait_text(
        "kube-context",
        "purser-sandbox — simulation on this computer",
    )
    .await;
    app.choose("Cluster", "purser-sandbox").await;
    app.click_button("Connect").await;
    app.wait_text(
        "kube-server",
        "Connected to simulation on this computer · Kubernetes v1.33.0-purser-sim",
    )
    .await;
    assert!(
        app.shown("sandbox-banner").await,
        "the sandbox is labelled as a simulation"
    );
    app.wait_text(
        "kube-permissions",
        "You have every permission Purser needs here.",
    )
    .await;
    app.wait_text("status-context", "purser-sandbox (simulation)")
        .await;

    // Bad input is refused next to its field and nothing happens.
    app.type_in("Name", "My App").await;
    app.type_in("Image", "ghcr.io/acme/assistant:1.0").await;
    app.type_in("Copies (0–100)", "3").await;
    app.click_button("Preview changes").await;
    let name_message = app
        .client
        .find(Locator::Css("[data-field='name']"))
        .await
        .unwrap();
    app.eventually("the name to be refused", || async {
        name_message
            .text()
            .await
            .unwrap_or_default()
            .contains("lowercase letters")
    })
    .await;
    app.wait_text("deploy-error", "nothing was changed").await;

    // Preview shows what will be created; the key is never in the page.
    app.type_in("Name", "assistant").await;
    app.click_button("Preview changes").await;
    app.wait_text(
        "preview-changes",
        "Secret assistant-openai: will be created",
    )
    .await;
    app.wait_text("preview-changes", "Deployment assistant: will be created")
        .await;
    let yaml = element(&app, "preview-yaml")
        .await
        .prop("textContent")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        yaml.contains("OPENAI_API_KEY: ••••••••") && yaml.contains("secretKeyRef"),
        "{yaml}"
    );
    // What the mask stands for is said beside it: in the sandbox, a placeholder.
    let note = element(&app, "preview-mask-note")
        .await
        .prop("textContent")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(note.contains("the sandbox never gets your key"), "{note}");
    assert!(
        !app.client
            .source()
            .await
            .unwrap()
            .contains("E2EDEPLOYCANARY"),
        "the key never reaches the page"
    );

    app.click_button("Deploy").await;
    app.wait_text(
        "rollout-summary",
        "Ready: 3 of 3 copies running the current version.",
    )
    .await;
    assert_eq!(app.text_of("count-ready").await, "3");
    app.wait_text("rollout-app", "assistant · simulation").await;
    app.click(&element(&app, "rollout-card").await).await;
    let png = app.client.screenshot().await.unwrap();
    std::fs::write(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("deployment.png"),
        &png,
    )
    .unwrap();

    scale_to(&app, 5).await;
    app.wait_text("rollout-summary", "Ready: 5 of 5 copies")
        .await;
    scale_to(&app, 0).await;
    app.wait_text("rollout-summary", "Stopped: no copy running.")
        .await;

    // A new version (back to 3 copies), then roll back to the first one.
    app.type_in("Image", "ghcr.io/acme/assistant:2.0").await;
    preview_and_deploy(&app).await;
    app.wait_text("rollout-summary", "Ready: 3 of 3 copies")
        .await;
    app.click_button("Roll back to the previous version").await;
    app.wait_text(
        "activity-rows",
        "Rollback · assistant → revision 1 (ghcr.io/acme/assistant:1.0)",
    )
    .await;
    app.wait_text("rollout-summary", "Ready: 3 of 3 copies")
        .await;

    app.click_button("Uninstall…").await;
    app.wait_text(
        "uninstall-question",
        "Remove assistant from namespace default on purser-sandbox?",
    )
    .await;
    app.click_button("Remove it").await;
    app.wait_text(
        "app-message",
        "Removed: Deployment/assistant, Service/assistant, Secret/assistant-openai.",
    )
    .await;

    // A deliberately bad image: the pull failure in plain words.
    app.type_in("Name", "broken").await;
    app.type_in("Image", "ghcr.io/acme/does-not-exist:1.0")
        .await;
    app.type_in("Copies (0–100)", "1").await;
    preview_and_deploy(&app).await;
    app.wait_text(
        "rollout-problems",
        "The cluster cannot pull image ghcr.io/acme/does-not-exist:1.0",
    )
    .await;
    app.wait_text("rollout-problems", "Check the image name, the tag")
        .await;
    app.wait_text("rollout-summary", "Something is wrong").await;

    let activity = app.text_of("activity-rows").await;
    for action in [
        "Deploy · assistant",
        "Scale · assistant → 5 copies",
        "Scale · assistant → 0 copies",
        "Uninstall · assistant",
        "Deploy · broken",
    ] {
        assert!(
            activity.contains(action),
            "Activity lists {action:?}: {activity}"
        );
    }
    app.quit().await;
}

/// A kubeconfig with one context whose cluster nothing answers for.
const UNREACHABLE: &str = "apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster: {server: 'https://127.0.0.1:9'}\nusers:\n- name: gone\n  user: {token: x}\ncontexts:\n- name: gone\n  context: {cluster: gone, user: gone}\n";

// Long: one scenario, told step by step in the order it happens.
#[tokio::test]
async fn after_a_failed_connect_nothing_can_act_on_the_previous_cluster() {
    let app = Desktop::launch_with("C.UTF-8", |home| {
        std::fs::write(home.join("kubeconfig"), UNREACHABLE).unwrap();
    })
    .await;
    app.open_section("Deployment").await;
    app.choose("Cluster", "purser-sandbox").await;
    app.click_button("Connect").await;
    app.wait_text("kube-server", "Connected to simulation")
        .await;
    // No key is stored: the sandbox gets a placeholder, never the keychain's key.
    app.type_in("Name", "assistant").await;
    app.type_in("Image", "ghcr.io/acme/assistant:1.0").await;
    app.type_in("Copies (0–100)", "1").await;
    app.click_button("Preview changes").await;
    app.wait_text(
        "preview-changes",
        "Secret assistant-openai: will be created",
    )
    .await;
    assert!(app.shown("preview-sandbox-key").await);
    app.click_button("Deploy").await;
    app.wait_text("rollout-summary", "Ready: 1 of 1 copy running")
        .await;

    // Choosing another cluster already takes the first one off the screen.
    app.choose("Cluster", "gone").await;
    app.wait_text("kube-server", "Not connected").await;
    assert!(!app.shown("rollout-card").await, "A's status card is gone");
    app.wait_text("status-context", "not set").await;

    app.click_button("Connect").await;
    app.wait_text("deploy-error", "cannot be reached").await;
    app.wait_text("kube-server", "Not connected").await;
    assert!(!app.shown("namespace-field").await, "no namespace of A");
    assert!(!app.shown("rollout-card").await, "no status card of A");
    assert_eq!(
        app.text_of("kube-permissions").await,
        "",
        "no permissions of A"
    );
    for id in [
        "deploy-preview",
        "scale-apply",
        "app-uninstall",
        "app-existing",
    ] {
        let disabled = element(&app, id).await.prop("disabled").await.unwrap();
        assert_eq!(disabled.as_deref(), Some("true"), "#{id} is disabled");
    }
    app.wait_text("status-context", "not set").await;
    let message = app.text_of("deploy-error").await;
    assert!(
        message.starts_with("The cluster at") && !message.contains("deploying"),
        "a connect error reads as a sentence about connecting: {message}"
    );
    // Even a page that still knew A could not act on it: the backend refuses.
    let answer = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke('scale_app', {target: {context: 'purser-sandbox', namespace: 'default'}, app: 'assistant', replicas: 3})
               .then(() => done('scaled'), (e) => done(e.code));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(answer, serde_json::json!("kube_not_connected"));
    // The page's modules import Tauri's API; no global hands it to any script on the page.
    let global = app
        .client
        .execute("return typeof window.__TAURI__", vec![])
        .await
        .unwrap();
    assert_eq!(global, serde_json::json!("undefined"));

    // Back on the sandbox, the app is as it was.
    app.choose("Cluster", "purser-sandbox").await;
    app.click_button("Connect").await;
    app.wait_text("kube-server", "Connected to simulation")
        .await;
    app.choose("App", "assistant").await;
    app.wait_text("rollout-summary", "Ready: 1 of 1 copy running")
        .await;
    app.quit().await;
}
