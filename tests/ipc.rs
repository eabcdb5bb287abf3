//! Command-layer tests through Tauri's mock runtime: the real context (capabilities and all),
//! the real command registration, no window on screen.

mod support;

use std::sync::Arc;

use purser_core::chart::Theme;
use purser_core::cost::{
    CostError, CostQuery, CostSource, ForecastAnswer, Metric, RawGroup, RawMonth, UsagePage,
};
use purser_core::secrets::{
    AwsAccess, KeychainStore, Secret, SecretError, SecretKind, SecretStore,
};
use purser_core::AppState;
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

/// A keychain that can be locked while the app runs, as a user's keyring locks after idling.
#[derive(Debug, Default)]
struct LockableStore {
    values: std::sync::Mutex<std::collections::HashMap<SecretKind, String>>,
    locked: std::sync::atomic::AtomicBool,
}

impl SecretStore for LockableStore {
    fn get(&self, kind: SecretKind) -> Result<Option<Secret>, SecretError> {
        if self.locked.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(SecretError::KeychainLocked {
                reason: "the collection is locked".into(),
            });
        }
        Ok(self.values.lock().unwrap().get(&kind).map(Secret::new))
    }
    fn set(&self, kind: SecretKind, secret: &Secret) -> Result<(), SecretError> {
        self.values
            .lock()
            .unwrap()
            .insert(kind, secret.expose().to_string());
        Ok(())
    }
    fn delete(&self, kind: SecretKind) -> Result<bool, SecretError> {
        Ok(self.values.lock().unwrap().remove(&kind).is_some())
    }
}

/// Cost figures from nowhere: one month, one service.
struct FixedSource;

#[async_trait::async_trait]
impl CostSource for FixedSource {
    async fn usage_page(
        &self,
        _: &CostQuery,
        _: &str,
        _: &str,
        _: Option<String>,
    ) -> Result<UsagePage, CostError> {
        let now = time::OffsetDateTime::now_utc().date();
        Ok(UsagePage {
            months: vec![RawMonth {
                start: purser_core::cost::month_start(now),
                estimated: true,
                groups: vec![RawGroup {
                    service: "Amazon EC2".into(),
                    amount: Some("12.34".into()),
                    unit: Some("USD".into()),
                }],
            }],
            next_page_token: None,
        })
    }
    async fn forecast(&self, _: Metric, _: &str, _: &str) -> Result<ForecastAnswer, CostError> {
        Ok(ForecastAnswer::NotEnoughHistory)
    }
}

#[test]
fn a_locked_keychain_shows_the_last_figures_marked_stale() {
    let root = tempfile::tempdir().unwrap();
    let store = Arc::new(LockableStore::default());
    let app = App::launch(root.path(), store.clone());
    for (kind, value) in [
        ("aws_access_key_id", "TESTACCESSKEY0001"),
        ("aws_secret_access_key", "testsecretkeytestsecretkey0001"),
    ] {
        app.invoke("store_secret", json!({"kind": kind, "value": value}))
            .unwrap();
    }
    // The figures a refresh got earlier for these keys.
    let access = AwsAccess::Keys {
        access_key_id: Secret::new("TESTACCESSKEY0001"),
        secret_access_key: Secret::new("testsecretkeytestsecretkey0001"),
        session_token: None,
    };
    let query = CostQuery {
        account: purser_core::secrets::account_name(&access),
        ..CostQuery::default()
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime
        .block_on(app.state::<AppState>().costs().view(
            Some(&FixedSource),
            &query,
            None,
            purser_core::cost::ViewOptions {
                now: time::OffsetDateTime::now_utc(),
                refresh: false,
                theme: Theme::Light,
                width: 800,
            },
        ))
        .unwrap();

    store
        .locked
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let view = app
        .invoke(
            "cost_view",
            json!({"refresh": false, "theme": "light", "width": 800}),
        )
        .unwrap();
    assert_eq!(view["report"]["origin"], "aws", "{view}");
    assert_eq!(view["report"]["stale"]["code"], "keychain_locked", "{view}");
    assert_eq!(view["months"][0]["total_cents"], 1234);

    // Nothing cached for another account: the locked keychain is said plainly.
    let other = tempfile::tempdir().unwrap();
    let locked = Arc::new(LockableStore::default());
    let fresh = App::launch(other.path(), locked.clone());
    fresh
        .invoke(
            "store_secret",
            json!({"kind": "aws_access_key_id", "value": "TESTACCESSKEY0002"}),
        )
        .unwrap();
    locked
        .locked
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let error = fresh
        .invoke(
            "cost_view",
            json!({"refresh": false, "theme": "light", "width": 800}),
        )
        .unwrap_err();
    assert_eq!(error["code"], "keychain_locked", "{error}");
}
