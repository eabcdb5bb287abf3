//! Command-layer tests through Tauri's mock runtime: the real context (capabilities and all),
//! the real command registration, every command called as the webview calls it — with a
//! keychain in memory and nothing reached outside this computer (the built-in sandbox for
//! Kubernetes, local servers for AWS).

#[path = "support/ipc.rs"]
mod ipc;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use ipc::{backends, MockApp};
use purser_core::secrets::{Secret, SecretError, SecretKind, SecretStore};
use purser_core::testing::MemoryStore;
use purser_core::Backends;
use serde_json::{json, Value};
use wiremock::matchers::header;
use wiremock::{Mock, MockServer, ResponseTemplate};

struct App {
    app: MockApp,
    root: tempfile::TempDir,
}

fn launch_with(prepare: impl FnOnce(&std::path::Path), backends: Backends) -> App {
    let root = tempfile::tempdir().unwrap();
    prepare(root.path());
    App {
        app: MockApp::launch(root.path(), backends),
        root,
    }
}

fn launch() -> App {
    launch_with(|_| {}, backends(Arc::new(MemoryStore::default())))
}

impl App {
    fn invoke(&self, command: &str, args: Value) -> Result<Value, Value> {
        self.app.invoke(command, args)
    }

    fn ok(&self, command: &str, args: Value) -> Value {
        self.invoke(command, args)
            .unwrap_or_else(|e| panic!("{command} failed: {e}"))
    }

    fn err(&self, command: &str, args: Value) -> Value {
        match self.invoke(command, args) {
            Err(error) => error,
            Ok(value) => panic!("{command} should have been refused, got {value}"),
        }
    }
}

/// An error as the window gets it: a code, its values and a hint code, and the English text.
fn assert_shaped(error: &Value, code: &str) {
    assert_eq!(error["code"], code, "{error}");
    assert!(
        error["hintCode"].as_str().is_some_and(|h| !h.is_empty()),
        "{error}"
    );
    assert!(error["params"].is_object(), "{error}");
    assert!(error["message"].is_string(), "{error}");
}

#[test]
fn the_shell_starts_with_nothing_set_and_saves_settings() {
    let app = launch();
    let status = app.ok("app_status", json!({}));
    assert_eq!(status["kubeContext"], Value::Null);
    assert_eq!(status["awsIdentity"], Value::Null);
    assert_eq!(status["lastCostRefresh"], Value::Null);
    assert_eq!(status["settings"]["language"], "system");
    assert_eq!(status["notices"], json!([]));
    assert_eq!(status["version"], env!("CARGO_PKG_VERSION"));

    let status = app.ok(
        "update_settings",
        json!({"patch": {"language": "es", "costMonths": 6}}),
    );
    assert_eq!(status["language"], "es");
    assert_eq!(status["settings"]["costMonths"], 6);
    let on_disk: Value = serde_json::from_slice(
        &std::fs::read(app.root.path().join("config/settings.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        (&on_disk["language"], &on_disk["costMonths"]),
        (&json!("es"), &json!(6))
    );
}

#[test]
fn the_about_box_and_the_menu_bar_words() {
    let app = launch();
    let about = app.ok("about_purser", json!({}));
    assert_eq!(about["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(about["licence"], "MIT OR Apache-2.0");
    let components = about["components"].as_array().unwrap();
    assert!(components.len() > 300, "{} crates", components.len());
    assert!(components
        .iter()
        .any(|c| c["name"] == "tauri" && c["licence"].as_str().is_some_and(|l| !l.is_empty())));
}

#[test]
fn a_bad_setting_is_refused_with_code_params_and_hint_and_changes_nothing() {
    let app = launch();
    let error = app.err("update_settings", json!({"patch": {"theme": "neon"}}));
    assert_shaped(&error, "settings_invalid_value");
    assert_eq!(error["params"]["setting"], "theme");
    let error = app.err("update_settings", json!({"patch": {"colour": "red"}}));
    assert_shaped(&error, "settings_unknown_field");
    assert_eq!(error["params"]["name"], "colour");
    // In Spanish, "1.500,50" is fifteen hundred and a half; a tenth of a cent is refused.
    app.ok("update_settings", json!({"patch": {"language": "es"}}));
    let status = app.ok(
        "update_settings",
        json!({"patch": {"budgetAmount": "1.500,50"}}),
    );
    assert_eq!(status["settings"]["budgetAmount"], 1500.5);
    let error = app.err(
        "update_settings",
        json!({"patch": {"budgetAmount": "0,004"}}),
    );
    assert_shaped(&error, "amount_decimals");
    assert_eq!(
        app.ok("app_status", json!({}))["settings"]["budgetAmount"],
        1500.5
    );
}

#[test]
fn a_corrupt_settings_file_is_a_notice_until_dismissed() {
    let app = launch_with(
        |root| {
            std::fs::create_dir_all(root.join("config")).unwrap();
            std::fs::write(root.join("config/settings.json"), "not json").unwrap();
        },
        backends(Arc::new(MemoryStore::default())),
    );
    let status = app.ok("app_status", json!({}));
    assert_eq!(status["notices"][0]["code"], "settings_corrupt");
    assert!(app.root.path().join("config/settings.json.bak").exists());
    let status = app.ok("dismiss_notice", json!({"code": "settings_corrupt"}));
    assert_eq!(status["notices"], json!([]));
}

#[test]
fn credentials_are_stored_shown_by_their_ending_checked_and_deleted() {
    let app = launch();
    let overview = app.ok("credentials_overview", json!({}));
    assert_eq!(overview["secrets"][0]["stored"], false);
    let refused = app.err(
        "store_secret",
        json!({"kind": "openai_api_key", "value": "has spaces in it"}),
    );
    assert_shaped(&refused, "secret_whitespace");
    assert_eq!(refused["params"]["secret"], "openai-api-key");
    let overview = app.ok(
        "store_secret",
        json!({"kind": "openai_api_key", "value": "test-key-0000000004f2a"}),
    );
    assert_eq!(overview["secrets"][0]["endsIn"], "4f2a");
    // The API address points where nothing answers: the check says so, and keeps the result.
    app.ok(
        "update_settings",
        json!({"patch": {"openaiBaseUrl": format!("{}/v1", purser_core::testing::NOWHERE)}}),
    );
    let error = app.err("check_openai", json!({}));
    assert_shaped(&error, "no_network");
    let overview = app.ok("credentials_overview", json!({}));
    assert_eq!(overview["openai"]["ok"], false);
    assert_eq!(overview["openai"]["code"], "no_network");
    let error = app.err("check_aws", json!({}));
    assert_shaped(&error, "not_stored");
    assert_eq!(error["params"]["secret"], "aws-access-key-id");
    assert!(app.ok("list_aws_profiles", json!({})).is_array());
    let overview = app.ok("delete_secret", json!({"kind": "openai_api_key"}));
    assert_eq!(overview["secrets"][0]["stored"], false);

    // The admin key: first not stored, then stored with its address where nothing answers.
    for command in ["check_openai_admin", "openai_projects"] {
        let error = app.err(command, json!({}));
        assert_shaped(&error, "not_stored");
        assert_eq!(error["params"]["secret"], "openai-admin-key", "{command}");
    }
    app.ok(
        "store_secret",
        json!({"kind": "openai_admin_key", "value": "test-admin-key-00000000beef"}),
    );
    app.ok(
        "update_settings",
        json!({"patch": {"openaiAdminBaseUrl": format!("{}/v1", purser_core::testing::NOWHERE)}}),
    );
    for command in ["check_openai_admin", "openai_projects"] {
        assert_shaped(&app.err(command, json!({})), "no_network");
    }
    let overview = app.ok("credentials_overview", json!({}));
    assert_eq!(overview["openaiAdmin"]["code"], "no_network", "{overview}");
}

// Long: one scenario, told step by step in the order it happens.
#[test]
fn the_deployment_commands_on_the_sandbox() {
    let app = launch();
    let contexts = app.ok("kube_contexts", json!({}));
    assert_eq!(contexts["contexts"][0]["name"], "purser-sandbox");
    assert_eq!(contexts["contexts"][0]["auth"]["kind"], "builtIn");
    let target = json!({"context": "purser-sandbox", "namespace": "default"});
    let refused = app.err("kube_permissions", json!({"target": target}));
    assert_shaped(&refused, "kube_not_connected");

    let info = app.ok("kube_connect", json!({"context": "purser-sandbox"}));
    assert_eq!(info["sandbox"], true);
    app.ok("kube_choose_namespace", json!({"namespace": "default"}));
    let permissions = app.ok("kube_permissions", json!({"target": target}));
    assert!(permissions
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["allowed"] == true && p["purpose"].is_string()));
    let spec = json!({"name": "assistant", "image": "ghcr.io/acme/assistant:1.0", "replicas": 1,
        "port": 8080});
    let bad = app.err(
        "deploy_preview",
        json!({"target": target, "spec": {"name": "Bad Name", "image": "", "replicas": 1, "port": 8080}}),
    );
    assert_shaped(&bad, "kube_invalid_form");
    assert_eq!(bad["fields"][0]["field"], "name");
    assert_eq!(bad["fields"][0]["code"], "name_invalid");
    let preview = app.ok("deploy_preview", json!({"target": target, "spec": spec}));
    assert_eq!(preview["sandbox"], true);
    let status = app.ok(
        "deploy_app",
        json!({"target": target, "spec": spec, "takeOver": false}),
    );
    assert_eq!(status["app"], "assistant");
    app.ok(
        "watch_rollout",
        json!({"target": target, "app": "assistant", "onStatus": "__CHANNEL__:1"}),
    );
    let apps = app.ok("kube_apps", json!({"target": target}));
    assert_eq!(apps[0]["name"], "assistant");
    assert_eq!(apps[0]["autoscaler"], Value::Null);
    let scaled = app.ok(
        "scale_app",
        json!({"target": target, "app": "assistant", "replicas": 2}),
    );
    assert_eq!(scaled["replicas"], 2);
    // Too many copies: refused at the boundary, naming the field, and nothing is changed.
    let refused = app.err(
        "scale_app",
        json!({"target": target, "app": "assistant", "replicas": 5000}),
    );
    assert_shaped(&refused, "kube_invalid_form");
    assert_eq!(refused["fields"][0]["field"], "replicas", "{refused}");
    assert_eq!(
        app.ok("kube_apps", json!({"target": target}))[0]["replicas"],
        2
    );
    let gone = app.err(
        "set_autoscaler",
        json!({"target": target, "app": "assistant", "min": 1, "max": 2}),
    );
    assert_shaped(&gone, "kube_autoscaler_gone");
    app.ok("restart_app", json!({"target": target, "app": "assistant"}));
    let first = app.err("rollback_app", json!({"target": target, "app": "ghost"}));
    assert_shaped(&first, "kube_app_missing");
    let report = app.ok(
        "uninstall_app",
        json!({"target": target, "app": "assistant", "removeAdopted": false}),
    );
    assert_eq!(report["removed"].as_array().unwrap().len(), 3);
    let activity = app.ok("audit_entries", json!({"limit": 20}));
    let actions: Vec<&str> = activity
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "uninstall",
            "rollback",
            "restart",
            "autoscaler",
            "scale",
            "deploy"
        ]
    );
    assert_eq!(activity[3]["outcome"], "refused");
    assert_eq!(activity[3]["error"]["code"], "kube_autoscaler_gone");
    assert_eq!(activity[4]["params"]["replicas"], 2);

    app.ok("kube_disconnect", json!({}));
    let refused = app.err("kube_apps", json!({"target": target}));
    assert_shaped(&refused, "kube_not_connected");
}

#[test]
fn the_cost_commands_sample_real_and_offline() {
    let app = launch();
    let error = app.err("export_cost", json!({"format": "csv", "theme": "light"}));
    assert_shaped(&error, "cost_nothing_to_export");
    let view = app.ok(
        "cost_view",
        json!({"refresh": false, "theme": "light", "width": 900}),
    );
    assert_eq!(view["report"]["origin"], "sample");
    assert!(view["chartSvg"].as_str().unwrap().starts_with("<svg"));
    // Keys stored, Cost Explorer where nothing answers: offline, said plainly.
    for (kind, value) in [
        ("aws_access_key_id", "TESTACCESSKEY0001"),
        ("aws_secret_access_key", "testsecretkeytestsecretkey0001"),
    ] {
        app.ok("store_secret", json!({"kind": kind, "value": value}));
    }
    let error = app.err(
        "cost_view",
        json!({"refresh": true, "theme": "dark", "width": 900}),
    );
    assert_shaped(&error, "cost_offline");
}

/// A keychain that can be locked while the app runs, as a user's keyring locks after idling.
#[derive(Debug, Default)]
struct LockableStore {
    inner: MemoryStore,
    locked: AtomicBool,
}

impl SecretStore for LockableStore {
    fn get(&self, kind: SecretKind) -> Result<Option<Secret>, SecretError> {
        if self.locked.load(Ordering::SeqCst) {
            return Err(SecretError::KeychainLocked {
                reason: "the collection is locked".into(),
            });
        }
        self.inner.get(kind)
    }
    fn set(&self, kind: SecretKind, secret: &Secret) -> Result<(), SecretError> {
        self.inner.set(kind, secret)
    }
    fn delete(&self, kind: SecretKind) -> Result<bool, SecretError> {
        self.inner.delete(kind)
    }
}

#[test]
fn a_locked_keychain_shows_the_last_figures_marked_stale() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(async {
        let server = MockServer::start().await;
        let month =
            purser_core::month::Month::of(time::OffsetDateTime::now_utc().date()).iso_start();
        Mock::given(header(
            "x-amz-target",
            "AWSInsightsIndexService.GetCostAndUsage",
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(
                json!({"ResultsByTime": [{"TimePeriod": {"Start": month, "End": month},
                    "Estimated": true, "Groups": [{"Keys": ["Amazon EC2"],
                    "Metrics": {"UnblendedCost": {"Amount": "12.34", "Unit": "USD"}}}]}]})
                .to_string(),
                "application/x-amz-json-1.1",
            ),
        )
        .mount(&server)
        .await;
        server
    });
    let store = Arc::new(LockableStore::default());
    let mut local = backends(store.clone());
    local.aws.cost_usage = Some(server.uri());
    local.aws.cost_forecast = Some(server.uri());
    let app = launch_with(|_| {}, local);
    for (kind, value) in [
        ("aws_access_key_id", "TESTACCESSKEY0001"),
        ("aws_secret_access_key", "testsecretkeytestsecretkey0001"),
    ] {
        app.ok("store_secret", json!({"kind": kind, "value": value}));
    }
    let fresh = app.ok(
        "cost_view",
        json!({"refresh": true, "theme": "light", "width": 800}),
    );
    assert_eq!(fresh["report"]["origin"], "aws", "{fresh}");
    assert_eq!(fresh["report"]["stale"], Value::Null);

    store.locked.store(true, Ordering::SeqCst);
    let view = app.ok(
        "cost_view",
        json!({"refresh": false, "theme": "light", "width": 800}),
    );
    assert_eq!(view["report"]["origin"], "aws", "{view}");
    assert_eq!(
        view["report"]["stale"]["error"]["code"], "keychain_locked",
        "{view}"
    );
    assert_eq!(
        view["months"].as_array().unwrap().last().unwrap()["totalCents"],
        1234
    );

    // Nothing cached for another account: the locked keychain is said plainly.
    let locked = Arc::new(LockableStore::default());
    let other = launch_with(|_| {}, backends(locked.clone()));
    other.ok(
        "store_secret",
        json!({"kind": "aws_access_key_id", "value": "TESTACCESSKEY0002"}),
    );
    locked.locked.store(true, Ordering::SeqCst);
    let error = other.err(
        "cost_view",
        json!({"refresh": false, "theme": "light", "width": 800}),
    );
    assert_shaped(&error, "keychain_locked");
    drop(server);
}

#[test]
fn commands_outside_the_capability_are_refused() {
    let app = launch();
    // A core command Purser's capability does not grant.
    let refused = app.invoke("plugin:window|close", json!({"label": "main"}));
    assert!(
        refused.is_err(),
        "window closing must not be allowed from the page"
    );
    assert!(app.invoke("delete_everything", json!({})).is_err());
}

/// Purser's commands are declared once (`commands/declared.rs`, which build.rs and lib.rs
/// include); the capability (what the window may call) and ui/api.js (what it calls) agree.
#[test]
fn the_command_lists_agree() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |path: &str| std::fs::read_to_string(root.join(path)).unwrap();
    let names = |text: &str, open: &str, close: &str, pattern: &'static str| -> Vec<String> {
        let start = text.find(open).unwrap_or_else(|| panic!("no {open:?}")) + open.len();
        let end = start + text[start..].find(close).unwrap();
        let re = regex_lite(pattern);
        let mut found: Vec<String> = re(&text[start..end]);
        found.sort();
        // api.js may call one command from two places (the early status and a refresh).
        found.dedup();
        found
    };
    let declared = names(
        &read("src-tauri/src/commands/declared.rs"),
        "purser_commands! {",
        "}",
        "::",
    );
    // The window's capability grants the core's event defaults and the one set build.rs writes
    // from the declaration; that set allows each declared command (desktop notifications are
    // raised by Rust, so the page has no notification permission).
    let conf: Value = serde_json::from_str(&read("tauri.conf.json")).unwrap();
    assert_eq!(
        conf["app"]["security"]["capabilities"][0]["permissions"],
        json!(["core:event:default", "window-commands"])
    );
    let mut capability: Vec<String> = read("permissions/window-commands.toml")
        .lines()
        .filter_map(|line| line.trim().strip_prefix("\"allow-")?.strip_suffix("\","))
        .map(|p| p.replace('-', "_"))
        .collect();
    capability.sort();
    let api = names(&read("ui/api.js"), "export const api", "\n};", "call('");
    assert!(declared.len() >= 26, "{declared:?}");
    assert_eq!(
        capability, declared,
        "the window's permission set allows what commands/declared.rs declares"
    );
    assert_eq!(
        api, declared,
        "ui/api.js calls what commands/declared.rs declares"
    );
    // What each command changes is declared for real commands only.
    let api_js = read("ui/api.js");
    let table = &api_js[api_js.find("const CHANGES = {").unwrap()..];
    let table = &table[..table.find("\n};").unwrap()];
    for line in table.lines().skip(1) {
        let Some((name, _)) = line.trim().split_once(':') else {
            continue;
        };
        assert!(
            declared.iter().any(|d| d == name),
            "CHANGES names {name}, which is not a command"
        );
    }
}

/// Command names in `text`: after `marker` ("\"" for a quoted list, "::" for paths,
/// "call('" for api.js), a run of lowercase letters and underscores.
fn regex_lite(marker: &'static str) -> impl Fn(&str) -> Vec<String> {
    move |text: &str| {
        text.match_indices(marker)
            .filter_map(|(at, _)| {
                let rest = &text[at + marker.len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                (!name.is_empty() && rest[name.len()..].starts_with(['"', ',', '\'', '\n', ' ']))
                    .then_some(name)
            })
            .filter(|name| {
                marker != "::"
                    || !["commands", "app", "credentials", "cost", "cluster"]
                        .contains(&name.as_str())
            })
            .collect()
    }
}
