//! Command-layer tests through Tauri's mock runtime: the real context (capabilities and all),
//! the real command registration, no window on screen.

mod support;

use std::sync::Arc;

use purser_lib::secrets::KeychainStore;
use serde_json::{json, Value};
use support::ipc::MockApp as App;

struct MockApp {
    app: App,
    root: tempfile::TempDir,
}

fn launch(prepare: impl FnOnce(&std::path::Path)) -> MockApp {
    let root = tempfile::tempdir().unwrap();
    prepare(root.path());
    MockApp {
        app: App::launch(
            root.path(),
            Arc::new(KeychainStore::with_service("purser-ipc-test")),
        ),
        root,
    }
}

fn invoke(app: &MockApp, command: &str, args: Value) -> Result<Value, Value> {
    app.app.invoke(command, args)
}

#[test]
fn app_status_starts_with_nothing_set() {
    let app = launch(|_| {});
    let status = invoke(&app, "app_status", json!({})).unwrap();
    assert_eq!(status["kube_context"], Value::Null);
    assert_eq!(status["aws_identity"], Value::Null);
    assert_eq!(status["last_cost_refresh"], Value::Null);
    assert_eq!(status["settings"]["language"], "system");
    assert_eq!(status["notices"], json!([]));
    assert_eq!(status["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn update_settings_saves_and_returns_the_new_status() {
    let app = launch(|_| {});
    let status = invoke(
        &app,
        "update_settings",
        json!({"patch": {"language": "es"}}),
    )
    .unwrap();
    assert_eq!(status["language"], "es");
    assert_eq!(status["settings"]["language"], "es");
    let on_disk: Value = serde_json::from_slice(
        &std::fs::read(app.root.path().join("config/settings.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(on_disk["language"], "es");
}

#[test]
fn a_bad_setting_is_refused_with_code_message_and_hint() {
    let app = launch(|_| {});
    let error = invoke(&app, "update_settings", json!({"patch": {"theme": "neon"}})).unwrap_err();
    assert_eq!(error["code"], "settings_invalid_value");
    assert!(error["message"].as_str().unwrap().contains("theme"));
    assert!(error["hint"].as_str().unwrap().contains("light"));
    assert!(!app.root.path().join("config/settings.json").exists());
}

#[test]
fn a_corrupt_settings_file_is_a_notice_until_dismissed() {
    let app = launch(|root| {
        std::fs::create_dir_all(root.join("config")).unwrap();
        std::fs::write(root.join("config/settings.json"), "not json").unwrap();
    });
    let status = invoke(&app, "app_status", json!({})).unwrap();
    assert_eq!(status["notices"][0]["code"], "settings_corrupt");
    assert!(app.root.path().join("config/settings.json.bak").exists());
    let status = invoke(&app, "dismiss_notice", json!({"code": "settings_corrupt"})).unwrap();
    assert_eq!(status["notices"], json!([]));
}

#[test]
fn commands_outside_the_capability_are_refused() {
    let app = launch(|_| {});
    // A core command Purser's capability does not grant.
    let refused = invoke(&app, "plugin:window|close", json!({"label": "main"}));
    assert!(
        refused.is_err(),
        "window closing must not be allowed from the page"
    );
    let unknown = invoke(&app, "delete_everything", json!({}));
    assert!(unknown.is_err());
}
