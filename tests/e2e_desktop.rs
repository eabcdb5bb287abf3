//! Desktop conventions in the real window: the sections open from the keyboard (Ctrl+0…3,
//! Ctrl+, for Settings, as the menu bar shows them), the About box tells the version, the
//! licence and the crates Purser is built from, and the window keeps its size across a restart.

#[path = "support/desktop.rs"]
mod desktop;
#[path = "support/x11.rs"]
mod x11;

use desktop::Desktop;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::Locator;

const CONTROL: char = '\u{E009}';

async fn press_ctrl(app: &Desktop, key: char) {
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: CONTROL })
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key })
        .then(KeyAction::Up { value: CONTROL });
    app.client
        .perform_actions(keys)
        .await
        .unwrap_or_else(|e| panic!("Ctrl+{key} could not be pressed: {e}"));
}

#[tokio::test]
async fn sections_open_with_ctrl_and_a_number() {
    let app = Desktop::launch().await;
    for (key, heading) in [
        ('2', "Deployment"),
        ('3', "Cost & budget"),
        (',', "Settings"),
        ('1', "Credentials"),
        ('0', "Overview"),
    ] {
        press_ctrl(&app, key).await;
        app.eventually(&format!("Ctrl+{key} to open {heading}"), || async {
            app.visible_heading().await == heading
        })
        .await;
    }
    app.quit().await;
}

#[tokio::test]
async fn the_about_box_tells_the_version_the_licence_and_the_crates_inside() {
    let app = Desktop::launch().await;
    app.open_section("Settings").await;
    app.click_button("About Purser").await;
    app.wait_text(
        "about-version",
        &format!("Version {}", env!("CARGO_PKG_VERSION")),
    )
    .await;
    app.wait_text(
        "about-licence",
        "free software under the MIT OR Apache-2.0 licence",
    )
    .await;
    let summary = app.text_of("about-components-summary").await;
    let count: usize = summary
        .split_whitespace()
        .find_map(|word| word.parse().ok())
        .unwrap_or_else(|| panic!("no number in {summary:?}"));
    assert!(
        count > 300,
        "the crates built into Purser are listed: {summary:?}"
    );
    app.open_disclosure(&summary).await;
    app.type_in("Search the components", "keyring").await;
    app.eventually("the list to narrow to keyring crates", || async {
        let list = app.text_of("about-list").await;
        list.contains("keyring") && !list.contains("tauri")
    })
    .await;
    app.click_button("Close").await;
    app.eventually("the About box to close", || async {
        !app.shown("about-dialog").await
    })
    .await;
    app.quit().await;
}

#[tokio::test]
async fn the_window_keeps_its_size_across_a_restart() {
    let mut app = Desktop::launch().await;
    // Saved once the size has settled (a second), not only on a clean exit: the session's end
    // kills the app.
    x11::resize_and_wait_saved(app.display(), &app.client, &app.config_dir(), (900, 640)).await;
    app.restart().await;
    assert_eq!(x11::window_size(app.display()), (900, 640));
    let heading = app.client.find(Locator::Css("main h1")).await;
    assert!(heading.is_ok(), "the window opened with its content");
    app.quit().await;
}
