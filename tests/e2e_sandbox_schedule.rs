//! End-to-end: on `purser-sandbox`, the guard in the cluster checks on its schedule with no
//! one pressing "Test now" — Purser stands in for the CronJob controller there — and the
//! window's guard line shows that check and the proposal it made as soon as it is told.
//! Slow by nature: a schedule of every minute comes round within two of the installing.

#[path = "support/desktop.rs"]
mod desktop;
#[path = "support/scenes.rs"]
mod scenes;

use std::time::{Duration, Instant};

use desktop::Desktop;
use scenes::guarded_on_the_sandbox;

// Long: one scenario, told step by step in the order it happens.
#[tokio::test]
async fn on_the_sandbox_the_guard_checks_on_its_schedule_and_the_window_shows_it() {
    let app = Desktop::launch().await;
    guarded_on_the_sandbox(&app).await;

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
