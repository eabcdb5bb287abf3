//! Scenes more than one end-to-end test starts from, played in the window as a user would.

use crate::desktop::Desktop;

/// A $800 budget saved, `purser-sandbox` connected, `assistant` deployed there with 2 copies,
/// and its guard set to propose scaling down to 1 (the sample month is over $800).
pub async fn guarded_on_the_sandbox(app: &Desktop) {
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
    // The policy this computer shares when it installs the guard.
    app.choose("When the budget is at risk", "Propose scaling down")
        .await;
    app.type_in("Down to (copies)", "1").await;
    app.click_button("Save guard").await;
    app.wait_text("guard-message", "Saved.").await;
}
