//! End-to-end: the budget guard in the real window, on `purser-sandbox` with sample figures
//! over a budget: the cost of a change shown before scaling and deploying, "propose" turned
//! on, the proposal approved, the app scaled down with its Activity row, then reverted; the
//! window closed to the tray while the guard watches, and brought back by opening Purser again.

#[path = "support/desktop.rs"]
mod desktop;
#[path = "support/x11.rs"]
mod x11;

use desktop::Desktop;

// Long: one scenario, told step by step in the order it happens.
#[tokio::test]
async fn propose_approve_and_revert_on_the_sandbox() {
    let app = Desktop::launch().await;

    // Sample figures for this month are over $800.
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
    app.type_in("Copies (0–100)", "3").await;
    app.pick_option("Custom").await;
    app.type_in("CPU reserved (e.g. 250m)", "250m").await;
    app.type_in("Memory reserved (e.g. 256Mi)", "512Mi").await;
    app.click_button("Preview changes").await;
    // What the deploy costs, before deploying: 0.25 vCPU + 1 GB on Fargate ≈ $11 a copy.
    app.wait_text("preview-cost", "0 → 3 copies ≈ +$32 a month.")
        .await;
    app.click_button("Deploy").await;
    app.wait_text("rollout-summary", "Ready: 3 of 3").await;

    // What scaling would cost, before applying it.
    app.type_in("Number of copies", "5").await;
    app.wait_text("scale-cost", "3 → 5 copies ≈ +$21 a month.")
        .await;
    app.type_in("Number of copies", "3").await;
    app.eventually("no cost line for no change", || async {
        app.text_of("scale-cost").await.is_empty()
    })
    .await;

    // The guard, off until turned on; "propose" says what it will do.
    app.wait_text("guard-sentence", "The guard is off for this app.")
        .await;
    app.wait_text("guard-copy-cost", "One copy ≈ $11 a month")
        .await;

    // Measuring a copy by a tag: a bad one is refused; a good one needs a full month of
    // copy-hours in the log (this app is new), and says so.
    app.open_disclosure("Edit how a copy is priced").await;
    app.type_in("Tag on this app’s AWS resources", "assistant")
        .await;
    app.click_button("Measure by this tag").await;
    app.wait_text("guard-message", "The guard’s setting was not saved.")
        .await;
    app.type_in("Tag on this app’s AWS resources", "app=assistant")
        .await;
    app.click_button("Measure by this tag").await;
    app.wait_text("guard-message", "Saved.").await;
    app.wait_text(
        "guard-tag-problem",
        "does not show how many copies ran throughout last month (the app is newer",
    )
    .await;
    app.wait_text("guard-copy-cost", "One copy ≈ $11 a month (Fargate prices")
        .await;
    app.choose("When the budget is at risk", "Propose scaling down")
        .await;
    app.type_in("Down to (copies)", "1").await;
    app.click_button("Save guard").await;
    app.wait_text("guard-message", "Saved.").await;
    app.wait_text("guard-sentence", "proposes scaling this app down to 1 copy")
        .await;

    app.click_button("Check now").await;
    app.wait_text(
        "guard-proposal",
        "proposes scaling assistant down to 1 copy",
    )
    .await;
    app.wait_text(
        "guard-proposal",
        "is over your budget of $800: the copies go from 3 to 1.",
    )
    .await;
    app.wait_text("notices", "Budget guard").await;
    app.wait_text("guard-line", "Last check").await;
    app.screenshot("guard-proposal.png").await;
    app.click_button("Scale down now").await;
    app.wait_text("guard-message", "Scaled down.").await;
    app.wait_text("rollout-summary", "Ready: 1 of 1").await;
    app.wait_text("activity-rows", "Guard: scaled down").await;
    app.wait_text("guard-revert-text", "copies from 3 to 1")
        .await;

    app.click_button("Revert").await;
    app.wait_text("guard-message", "Reverted.").await;
    app.wait_text("rollout-summary", "Ready: 3 of 3").await;
    app.wait_text("activity-rows", "Guard: reverted").await;
    app.wait_text("activity-rows", "assistant: copies 1 → 3")
        .await;
    // The revert sticks: the guard holds off until the month ends, and says so.
    app.wait_text("guard-hold", "holds off on this app until")
        .await;
    app.click_button("Check now").await;
    app.wait_text("guard-hold", "holds off on this app until")
        .await;
    app.wait_text("rollout-summary", "Ready: 3 of 3").await;
    assert!(
        !app.shown("guard-revert-box").await,
        "nothing left to revert"
    );
    app.screenshot("guard-reverted.png").await;

    // Closing the window while the guard watches an app keeps Purser running in the tray;
    // opening Purser again brings the same window back.
    assert!(x11::window_on_screen(app.display()));
    x11::close_until_hidden(app.display()).await;
    assert!(
        app.client.title().await.is_ok(),
        "Purser is still running behind the tray"
    );
    let second = app
        .launch_again()
        .expect("the second Purser hands over and ends");
    assert!(second.success(), "{second:?}");
    app.eventually("the window to come back", || async {
        x11::window_on_screen(app.display())
    })
    .await;
    app.wait_text("guard-sentence", "proposes scaling this app down to 1 copy")
        .await;
    app.quit().await;
}
