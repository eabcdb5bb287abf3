//! End-to-end: the real Purser window under Xvfb, driven through WebDriver as a user would.

#[path = "support/desktop.rs"]
mod desktop;

use desktop::{config_dir, Desktop};
use fantoccini::Locator;

#[tokio::test]
async fn the_window_opens_with_three_sections_and_an_empty_status_bar() {
    let app = Desktop::launch().await;
    assert_eq!(app.client.title().await.unwrap(), "Purser");
    // Nothing set up and the guide closed: it opens on Credentials.
    for label in [
        "Overview",
        "Credentials",
        "Deployment",
        "Cost & budget",
        "Settings",
    ] {
        assert!(app.nav_button(label).await.is_displayed().await.unwrap());
    }
    assert_eq!(app.visible_heading().await, "Credentials");
    let lead = app
        .client
        .find(Locator::Css("[data-panel='credentials'] .lead"))
        .await
        .unwrap();
    assert!(lead.text().await.unwrap().starts_with("Start here."));
    for id in ["status-context", "status-aws", "status-cost"] {
        let value = app.client.find(Locator::Id(id)).await.unwrap();
        assert_eq!(
            value.text().await.unwrap(),
            "not set",
            "status bar item {id}"
        );
    }
    // What the user sees is a real, non-empty picture of the window.
    let png = app.client.screenshot().await.unwrap();
    let (width, height) = png_size(&png);
    assert!(width >= 760 && height >= 520, "window is {width}x{height}");
    std::fs::write(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("main-window.png"),
        &png,
    )
    .unwrap();
    app.quit().await;
}

#[tokio::test]
async fn clicking_section_labels_navigates() {
    let app = Desktop::launch().await;
    for (label, heading) in [
        ("Deployment", "Deployment"),
        ("Cost & budget", "Cost & budget"),
        ("Settings", "Settings"),
        ("Credentials", "Credentials"),
    ] {
        let button = app.nav_button(label).await;
        button.click().await.unwrap();
        assert_eq!(app.visible_heading().await, heading);
        assert_eq!(
            button.attr("aria-current").await.unwrap().as_deref(),
            Some("page"),
            "{label} should be marked as the current section"
        );
    }
    app.quit().await;
}

#[tokio::test]
async fn arrow_keys_and_enter_navigate_from_the_keyboard() {
    let app = Desktop::launch().await;
    let credentials = app.nav_button("Credentials").await;
    // Focus the first section the way Tab would, then use the keyboard only.
    app.client
        .execute(
            "arguments[0].focus()",
            vec![serde_json::to_value(&credentials).unwrap()],
        )
        .await
        .unwrap();
    credentials.send_keys("\u{E015}").await.unwrap(); // ArrowDown
    let focused = app.client.active_element().await.unwrap();
    assert_eq!(focused.text().await.unwrap(), "Deployment");
    focused.send_keys("\u{E007}").await.unwrap(); // Enter
    app.eventually("Deployment to show after Enter", || async {
        app.visible_heading().await == "Deployment"
    })
    .await;
    app.quit().await;
}

#[tokio::test]
async fn switching_language_changes_visible_text_and_survives_a_restart() {
    let mut app = Desktop::launch().await;
    app.nav_button("Settings").await.click().await.unwrap();
    app.choose("Language", "Español").await;
    app.nav_button("Credenciales").await;
    assert_eq!(app.visible_heading().await, "Ajustes");
    let lang = app
        .client
        .find(Locator::Css("html"))
        .await
        .unwrap()
        .attr("lang")
        .await
        .unwrap();
    assert_eq!(lang.as_deref(), Some("es"));

    // The choice is on disk, in the settings file, not only in the page.
    let saved = std::fs::read_to_string(app.config_dir().join("settings.json")).unwrap();
    let saved: serde_json::Value = serde_json::from_str(&saved).unwrap();
    assert_eq!(saved["language"], "es");

    app.restart().await;
    app.nav_button("Coste y presupuesto")
        .await
        .click()
        .await
        .unwrap();
    assert_eq!(app.visible_heading().await, "Coste y presupuesto");
    let status = app
        .client
        .find(Locator::Id("status-context"))
        .await
        .unwrap();
    assert_eq!(status.text().await.unwrap(), "sin configurar");

    // And back to English.
    app.nav_button("Ajustes").await.click().await.unwrap();
    let language = app.field("Idioma").await;
    assert_eq!(language.prop("value").await.unwrap().as_deref(), Some("es"));
    app.choose("Idioma", "English").await;
    app.nav_button("Credentials").await;
    app.quit().await;
}

#[tokio::test]
async fn a_corrupt_settings_file_is_reported_and_set_aside() {
    let garbage = "{\"language\": \"es\", oops";
    let app = Desktop::launch_with("C.UTF-8", |home| {
        let dir = config_dir(home);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("settings.json"), garbage).unwrap();
    })
    .await;
    let notice = app
        .client
        .find(Locator::Css(".notice[data-code='settings_corrupt']"))
        .await
        .expect("a notice about the corrupt settings file");
    let text = notice.text().await.unwrap();
    assert!(text.contains("Your settings could not be read"), "{text}");
    assert!(text.contains("settings.json.bak"), "{text}");

    let backup = app.config_dir().join("settings.json.bak");
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), garbage);
    assert!(!app.config_dir().join("settings.json").exists());
    // Defaults are in use: English.
    assert_eq!(app.visible_heading().await, "Credentials");

    let dismiss = notice
        .find(Locator::XPath(".//button[normalize-space(.)='Dismiss']"))
        .await
        .unwrap();
    dismiss.click().await.unwrap();
    app.eventually("the notice to go away", || async {
        app.client
            .find_all(Locator::Css("#notices .notice"))
            .await
            .unwrap()
            .is_empty()
    })
    .await;
    // The backup is still there after the notice is dismissed.
    assert!(backup.exists());
    app.quit().await;
}

#[tokio::test]
async fn the_language_follows_the_os_until_chosen() {
    let app = Desktop::launch_with("es_ES.UTF-8", |_| {}).await;
    assert_eq!(app.visible_heading().await, "Credenciales");
    app.nav_button("Despliegue").await.click().await.unwrap();
    assert_eq!(app.visible_heading().await, "Despliegue");
    app.quit().await;
}

/// Width and height from a PNG's IHDR chunk (panics if the bytes are not a PNG).
fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&png[12..16], b"IHDR");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    (width, height)
}

#[tokio::test]
async fn a_second_launch_hands_over_to_the_running_window() {
    let app = Desktop::launch().await;
    app.nav_button("Settings").await.click().await.unwrap();
    app.choose("Language", "Español").await;
    let settings = config_dir(app.home.path()).join("settings.json");
    app.eventually("the choice to be saved", || async {
        std::fs::read_to_string(&settings)
            .unwrap_or_default()
            .contains("\"es\"")
    })
    .await;
    let before = std::fs::read(&settings).unwrap();

    let status = app
        .launch_again()
        .expect("the second launch ends by itself");
    assert!(status.success(), "{status:?}");
    app.eventually("the first Purser to be told", || async {
        app.log_text().contains("launched again")
    })
    .await;
    assert_eq!(
        std::fs::read(&settings).unwrap(),
        before,
        "the second process wrote nothing"
    );
    // The first window still answers.
    assert_eq!(app.visible_heading().await, "Ajustes");
    app.quit().await;
}
