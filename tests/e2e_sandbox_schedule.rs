//! End-to-end: on `purser-sandbox`, the guard in the cluster checks on its schedule with no
//! one pressing "Test now" — Purser stands in for the CronJob controller there — and the
//! window's guard line shows that check and the proposal it made as soon as it is told.
//! Slow by nature: a schedule of every minute comes round within two of the installing.

#[path = "support/desktop.rs"]
mod desktop;

use std::time::{Duration, Instant};

use desktop::Desktop;

// Long: one scenario, told step by step in the order it happens.
#[tokio::test]
async fn on_the_sandbox_the_guard_checks_on_its_schedule_and_the_window_shows_it() {
    let app = Desktop::launch().await;
    app.open_section("Cost & budget").await;
    app.type_in("Amount per month", "800").await;
    app.click_button("Save budget").await;
    app.wait_text("budget-message", "Saved.").await;

    app.open_section("Deployment").await;
    app.choose("Cluster", "purser-sandbox").await;
    app.click_button("Connect").await;
    app.wait_text("kube-server", "Connected to simulation")
        .await;
    app.type_in("Name", "assistant").await;
    app.type_in("Image", "ghcr.io/acme/assistant:1.0").await;
    app.type_in("Copies (0–100)", "2").await;
    app.click_button("Preview changes").await;
    app.click_button("Deploy").await;
    app.wait_text("rollout-summary", "Ready: 2 of 2").await;
    app.choose("When the budget is at risk", "Propose scaling down")
        .await;
    app.type_in("Down to (copies)", "1").await;
    app.click_button("Save guard").await;
    app.wait_text("guard-message", "Saved.").await;

    app.open_disclosure("Run the guard in the cluster").await;
    app.type_in(
        "Image of purser-guard",
        "registry.example/purser-guard@sha256:0123",
    )
    .await;
    app.type_in("When it checks (cron)", "* * * * *").await;
    app.click_button("Preview the install").await;
    app.wait_text("guard-install-changes", "CronJob purser-guard-assistant")
        .await;
    app.click_button("Install in the cluster").await;
    app.wait_text("guard-cluster-title", "first check").await;
    // Nothing is pressed from here: the next minute's run is the sandbox's controller's.
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let title = app.text_of("guard-cluster-title").await;
        let proposal = app.text_of("guard-proposal").await;
        if title.contains("last check")
            && proposal.contains("proposes scaling assistant down to 1 copy")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no scheduled check shown within 3 minutes: {title:?} / {proposal:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    app.wait_text("guard-cluster-title", "next").await;
    app.screenshot("sandbox-scheduled-check.png").await;
}
