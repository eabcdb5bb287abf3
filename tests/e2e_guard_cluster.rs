//! End-to-end: the guard in the cluster from the real window, on `purser-sandbox`: the
//! install previewed (every object, the AWS policy, the budget it shares), installed (the
//! guard's line says the cluster guards the app and this computer stands aside, Activity has
//! its row), its first check run with "Test now" (simulated on the sandbox), the proposal it
//! made approved and reverted from the window, and the guard removed after a confirmation.

#[path = "support/desktop.rs"]
mod desktop;
#[path = "support/layout.rs"]
mod layout;
#[path = "support/scenes.rs"]
mod scenes;
#[path = "support/x11.rs"]
mod x11;

use desktop::Desktop;
use layout::{overflows, resize, show};
use scenes::guarded_on_the_sandbox;

// Long: one scenario, told step by step in the order it happens.
#[tokio::test]
async fn install_and_remove_the_guard_in_the_cluster_on_the_sandbox() {
    let app = Desktop::launch().await;
    guarded_on_the_sandbox(&app).await;

    app.open_disclosure("Run the guard in the cluster").await;
    // A schedule cron cannot read is refused by its field, before anything is shown.
    app.type_in("When it checks (cron)", "every hour").await;
    app.type_in(
        "Image of purser-guard",
        "registry.example/purser-guard@sha256:0123",
    )
    .await;
    app.click_button("Preview the install").await;
    app.wait_text(
        "guard-install-message",
        "cannot be installed with these values",
    )
    .await;
    app.type_in("When it checks (cron)", "7 * * * *").await;
    app.click_button("Preview the install").await;
    app.wait_text("guard-install-changes", "CronJob purser-guard-assistant")
        .await;
    app.wait_text("guard-install-changes", "Role purser-guard-assistant")
        .await;
    app.wait_text("guard-install-share", "shares this budget with everyone")
        .await;
    app.wait_text("guard-install-share", "$800").await;
    app.screenshot("guard-cluster-preview.png").await;
    // At the smallest window Purser allows, nothing pokes out of its card.
    resize(&app, 760, 520).await;
    let spilled = overflows(&app).await;
    assert!(spilled.is_empty(), "at 760×520: {spilled:?}");
    show(&app, "guard-install").await;
    app.screenshot("guard-cluster-preview-min.png").await;
    resize(&app, 1100, 720).await;

    app.click_button("Install in the cluster").await;
    app.wait_text("guard-install-message", "now runs in the cluster")
        .await;
    app.wait_text("guard-cluster-title", "Guarded in the cluster")
        .await;
    app.wait_text("guard-cluster-text", "stands aside").await;
    app.wait_text("activity-rows", "Guard installed in the cluster")
        .await;
    app.screenshot("guard-cluster-installed.png").await;
    resize(&app, 760, 520).await;
    let spilled = overflows(&app).await;
    assert!(spilled.is_empty(), "installed, at 760×520: {spilled:?}");
    show(&app, "guard-cluster").await;
    app.screenshot("guard-cluster-installed-min.png").await;
    resize(&app, 1100, 720).await;

    // The budget shared at install, changed here for everyone.
    app.wait_text("guard-cluster-budget", "Shared budget: $800 a month")
        .await;
    app.type_in("Shared budget per month", "850").await;
    app.click_button("Change for everyone").await;
    app.wait_text("guard-cluster-budget", "Shared budget: $850 a month")
        .await;
    app.wait_text("activity-rows", "Shared budget changed")
        .await;

    // Its first check, now: the sample month's forecast is over the $850, it proposes;
    // approved from here.
    app.click_button("Test now").await;
    app.wait_text("guard-message", "Purser ran its check here")
        .await;
    app.wait_text("guard-cluster-title", "last check").await;
    app.wait_text(
        "guard-proposal",
        "proposes scaling assistant down to 1 copy",
    )
    .await;
    app.click_button("Scale down now").await;
    app.wait_text("guard-message", "Scaled down.").await;
    app.wait_text("rollout-summary", "Ready: 1 of 1").await;
    app.wait_text("activity-rows", "Guard: scaled down").await;
    app.wait_text("guard-revert-text", "copies from 2 to 1")
        .await;
    app.screenshot("guard-cluster-acted.png").await;
    app.click_button("Revert").await;
    app.wait_text("guard-message", "Reverted.").await;
    app.wait_text("rollout-summary", "Ready: 2 of 2").await;
    app.wait_text("activity-rows", "Guard: reverted").await;

    app.click_button("Remove from the cluster").await;
    // The confirmation names the app and what stays.
    app.wait_text("confirm-message", "Remove the guard for “assistant”")
        .await;
    app.wait_text("confirm-message", "the shared budget stays")
        .await;
    app.click_button("Remove").await;
    app.wait_text(
        "guard-install-message",
        "was removed from the cluster (4 objects)",
    )
    .await;
    app.eventually("the cluster's line to go", || async {
        !app.shown("guard-cluster").await
    })
    .await;
    app.wait_text("activity-rows", "Guard removed from the cluster")
        .await;
    app.quit().await;
}
