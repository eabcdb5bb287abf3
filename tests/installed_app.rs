//! The installed Purser, as a user gets it from the .deb: `scripts/installed-app.sh` builds
//! the package, installs it with apt, runs this suite against the binary the package put on
//! the system (`PURSER_APP`), then removes the package. It is not part of a plain
//! `cargo test` (the package must be installed first), and fails if run without it.

#[path = "support/desktop.rs"]
mod desktop;
#[path = "support/x11.rs"]
mod x11;

use desktop::Desktop;

#[tokio::test]
async fn the_installed_app_opens_shows_its_sections_and_remembers() {
    let installed = std::env::var("PURSER_APP")
        .expect("run by scripts/installed-app.sh, which installs the .deb and sets PURSER_APP");
    assert_eq!(desktop::application(), std::path::PathBuf::from(&installed));
    assert!(
        installed.starts_with("/usr/"),
        "the binary under test is the installed one: {installed}"
    );

    let mut app = Desktop::launch().await;
    for section in ["Credentials", "Deployment", "Cost & budget", "Settings"] {
        app.open_section(section).await;
        app.eventually(&format!("{section} to show"), || async {
            app.visible_heading().await == section
        })
        .await;
    }
    // The built-in sandbox comes with the installed app.
    app.open_section("Deployment").await;
    app.wait_text("kube-context", "purser-sandbox").await;

    // A setting and the window's size survive a restart.
    app.open_section("Settings").await;
    app.choose("Language", "Español").await;
    app.nav_button("Credenciales").await;
    x11::resize_and_wait_saved(app.display(), &app.client, &app.config_dir(), (960, 660)).await;
    app.restart().await;
    app.open_section("Despliegue").await;
    assert_eq!(app.visible_heading().await, "Despliegue");
    assert_eq!(x11::window_size(app.display()), (960, 660));

    // The About box of the installed build.
    app.open_section("Ajustes").await;
    app.click_button("Acerca de Purser").await;
    app.wait_text(
        "about-version",
        &format!("Versión {}", env!("CARGO_PKG_VERSION")),
    )
    .await;
    app.quit().await;
}
