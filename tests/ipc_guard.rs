//! Command-layer tests of the budget guard's commands, of OpenAI's spend-limit commands and of
//! the names every command reads, through Tauri's mock runtime with the real context and
//! registration (as `tests/ipc.rs`), on the built-in sandbox.

#[path = "support/ipc.rs"]
mod ipc;

use std::sync::Arc;

use ipc::{backends, MockApp};
use purser_core::testing::MemoryStore;
use purser_test_support::openai_limits::{mount, SpendLimitApi, ADMIN_KEY, PROJECT};
use serde_json::{json, Value};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

struct App {
    app: MockApp,
    _root: tempfile::TempDir,
}

fn launch() -> App {
    let root = tempfile::tempdir().unwrap();
    App {
        app: MockApp::launch(root.path(), backends(Arc::new(MemoryStore::default()))),
        _root: root,
    }
}

impl App {
    fn ok(&self, command: &str, args: Value) -> Value {
        self.app
            .invoke(command, args)
            .unwrap_or_else(|e| panic!("{command} failed: {e}"))
    }

    fn err(&self, command: &str, args: Value) -> Value {
        match self.app.invoke(command, args) {
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
}

// Long: one scenario, told step by step in the order it happens.
/// Every guard command as the window calls it, on the sandbox with sample figures over the
/// budget (sample figures may move the sandbox, never a real cluster).
#[test]
fn the_guard_commands_on_the_sandbox() {
    let app = launch();
    app.ok("update_settings", json!({"patch": {"budgetAmount": "800"}}));
    app.ok("kube_connect", json!({"context": "purser-sandbox"}));
    let target = json!({"context": "purser-sandbox", "namespace": "default"});
    let spec = json!({"name": "assistant", "image": "ghcr.io/acme/assistant:1.0", "replicas": 3,
        "port": 8080, "cpuRequest": "250m", "memoryRequest": "512Mi"});
    let cost = app.ok("form_cost", json!({"target": target, "spec": spec}));
    assert_eq!(
        (cost["from"].clone(), cost["to"].clone()),
        (json!(0), json!(3))
    );
    assert_eq!(
        cost["forecastUnknown"], false,
        "sample figures are fine beside the sandbox"
    );
    app.ok(
        "deploy_app",
        json!({"target": target, "spec": spec, "takeOver": false}),
    );
    let at = |app_name: &str| json!({"target": target, "app": app_name});

    let view = app.ok("guard_view", at("assistant"));
    assert_eq!(view["policy"]["mode"], "off");
    let cost = app.ok(
        "scale_cost",
        json!({"target": target, "app": "assistant", "replicas": 5}),
    );
    assert!(cost["monthlyChange"].as_f64().unwrap() > 0.0, "{cost}");

    let policy = |mode: &str, floor: i64, confirm: bool| {
        json!({"target": target, "app": "assistant", "policy": {"mode": mode, "floor": floor},
               "confirmZero": confirm})
    };
    assert_shaped(
        &app.err("set_guard_policy", policy("automatic", 101, false)),
        "guard_invalid",
    );
    assert_shaped(
        &app.err("set_guard_policy", policy("automatic", 0, false)),
        "guard_zero_unconfirmed",
    );
    assert_eq!(
        app.ok("guard_view", at("assistant"))["policy"]["mode"],
        "off"
    );
    let view = app.ok("set_guard_policy", policy("propose", 1, false));
    assert_eq!(view["policy"], json!({"mode": "propose", "floor": 1}));

    let prices = |vcpu: f64| json!({"target": target, "app": "assistant", "vcpuHour": vcpu, "gbHour": 0.005});
    assert_shaped(&app.err("set_guard_prices", prices(-1.0)), "guard_invalid");
    let view = app.ok("set_guard_prices", prices(0.05));
    assert_eq!(view["prices"]["source"], "edited");
    let tag = |tag: &str| json!({"target": target, "app": "assistant", "tag": tag});
    assert_shaped(
        &app.err("set_guard_cost_tag", tag("no equals")),
        "guard_invalid",
    );
    assert_eq!(
        app.ok("set_guard_cost_tag", tag("app=assistant"))["costTag"],
        "app=assistant"
    );
    app.ok("set_guard_cost_tag", tag(""));

    let refused = app.err("guard_approve", at("assistant"));
    assert_shaped(&refused, "guard_no_proposal");
    let told = app.ok("guard_check", json!({}));
    assert_eq!(told[0]["code"], "guard_propose", "{told}");
    let view = app.ok("guard_view", at("assistant"));
    assert_eq!(view["proposal"]["current"], true);
    assert_eq!(view["lastCheck"]["did"], "propose");
    let view = app.ok("guard_approve", at("assistant"));
    assert_eq!(view["copies"], 1);
    assert_eq!(view["revertible"]["source"], "record");
    assert_eq!(view["proposal"], Value::Null);
    // Nothing waits now: turning it down changes nothing.
    app.ok("guard_dismiss", at("assistant"));

    let revert =
        |hold: &str| json!({"target": target, "app": "assistant", "anyway": false, "hold": hold});
    let refused = app.err(
        "guard_revert",
        json!({"target": target, "app": "assistant", "anyway": false, "hold": "forever"}),
    );
    assert!(refused.to_string().contains("hold"), "{refused}");
    let view = app.ok("guard_revert", revert("day"));
    assert_eq!(view["copies"], 3);
    assert!(view["hold"]["until"].is_string(), "{view}");
    assert_shaped(
        &app.err("guard_revert", revert("none")),
        "guard_nothing_to_revert",
    );

    app.ok("guard_pause", json!({"paused": true}));
    assert_eq!(app.ok("guard_view", at("assistant"))["paused"], true);
    assert_eq!(
        app.ok("guard_check", json!({})),
        json!([]),
        "paused: no round"
    );
    app.ok("guard_pause", json!({"paused": false}));

    let actions: Vec<String> = app
        .ok("audit_entries", json!({"limit": 20}))
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .filter(|a| a.starts_with("guard"))
        .collect();
    assert_eq!(
        actions,
        [
            "guardNoteCleared",
            "guardRevert",
            "guardNote",
            "guardScale",
            "guardPropose",
            "guardPolicy"
        ]
    );
}

/// A namespace, context or app name that is not what Kubernetes allows is refused as the
/// command reads it: it never reaches a kube URL path, and nothing is audited or changed.
#[test]
fn names_that_are_not_kubernetes_names_are_refused_as_they_are_read() {
    let app = launch();
    app.ok("kube_connect", json!({"context": "purser-sandbox"}));
    let sandbox = |namespace: &str| json!({"context": "purser-sandbox", "namespace": namespace});
    for (target, name) in [
        (sandbox("../kube-system"), "assistant"),
        (sandbox("Default"), "assistant"),
        (sandbox("default"), "../secrets"),
        (sandbox("default"), "Assistant"),
        (json!({"context": "", "namespace": "default"}), "assistant"),
        (
            json!({"context": "purser-sandbox\n", "namespace": "default"}),
            "assistant",
        ),
    ] {
        let refused = app.err(
            "scale_app",
            json!({"target": target, "app": name, "replicas": 2}),
        );
        let said = refused.to_string();
        assert!(
            said.contains("not a Kubernetes name") || said.contains("context name"),
            "{target} {name}: {said}"
        );
        app.err("guard_view", json!({"target": target, "app": name}));
    }
    let refused = app.err(
        "scale_cost",
        json!({"target": sandbox("default"), "app": "assistant", "replicas": 2147483647}),
    );
    assert_eq!(refused["fields"][0]["code"], "replicas_range", "{refused}");
    assert_eq!(app.ok("audit_entries", json!({"limit": 10})), json!([]));
}

/// November-to-date OpenAI costs on the project: $20 a day so far (UTC).
fn this_months_costs() -> Value {
    let now = time::OffsetDateTime::now_utc();
    let first = now.date().replace_day(1).unwrap().midnight().assume_utc();
    let buckets: Vec<Value> = (0..i64::from(now.day()))
        .map(|d| {
            let start = (first + time::Duration::days(d)).unix_timestamp();
            json!({"object": "bucket", "start_time": start, "end_time": start + 86_400,
                   "results": [{"object": "organization.costs.result",
                                "amount": {"value": 20.0, "currency": "usd"},
                                "line_item": "gpt-4o, input", "project_id": PROJECT}]})
        })
        .collect();
    json!({"object": "page", "data": buckets, "has_more": false, "next_page": null})
}

// Long: one scenario, told step by step in the order it happens.
/// The OpenAI spend-limit commands as the window calls them, against a local server that
/// keeps limits as OpenAI's administration API does.
#[test]
fn the_openai_limit_commands() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let api = SpendLimitApi::default();
    let server = runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(path("/v1/organization/costs"))
            .respond_with(ResponseTemplate::new(200).set_body_json(this_months_costs()))
            .mount(&server)
            .await;
        mount(&api, &server).await;
        server
    });
    let app = launch();
    app.ok(
        "update_settings",
        json!({"patch": {"openaiAdminBaseUrl": format!("{}/v1", server.uri()),
                         "openaiProject": PROJECT, "budgetAmount": "5000"}}),
    );
    assert_shaped(&app.err("openai_limits", json!({})), "not_stored");
    app.ok(
        "store_secret",
        json!({"kind": "openai_admin_key", "value": ADMIN_KEY}),
    );
    let shown = app.ok("openai_limits", json!({}));
    assert_eq!(shown["project"], PROJECT);
    assert_eq!(shown["projectLimit"], Value::Null);
    assert!(shown["offer"]["floor"].as_f64().unwrap() > 0.0, "{shown}");
    assert!(
        !shown.to_string().contains(ADMIN_KEY),
        "the key never reaches the window"
    );

    assert_shaped(
        &app.err("set_openai_cap", json!({"amount": "1"})),
        "openai_cap_below_spend",
    );
    assert!(app
        .err("set_openai_cap", json!({}))
        .to_string()
        .contains("amount"));
    assert!(api.state().changes.is_empty(), "refused: nothing sent");
    let set = app.ok("set_openai_cap", json!({"amount": "1234.56"}));
    assert_eq!(set["projectLimit"]["cents"], 123_456);
    assert_eq!(set["setByPurser"]["previous"], Value::Null);
    let back = app.ok("revert_openai_cap", json!({"anyway": false}));
    assert_eq!(back["projectLimit"], Value::Null);
    assert_shaped(
        &app.err("revert_openai_cap", json!({"anyway": false})),
        "openai_no_cap",
    );

    app.ok("kube_connect", json!({"context": "purser-sandbox"}));
    let target = json!({"context": "purser-sandbox", "namespace": "default"});
    let spec = json!({"name": "assistant", "image": "ghcr.io/acme/assistant:1.0", "replicas": 3,
        "port": 8080, "cpuRequest": "250m", "memoryRequest": "512Mi"});
    app.ok(
        "deploy_app",
        json!({"target": target, "spec": spec, "takeOver": false}),
    );
    let lever = |lever: &str| json!({"target": target, "app": "assistant", "lever": lever});
    let refused = app.err("set_guard_openai_lever", lever("sometimes"));
    assert!(refused.to_string().contains("lever"), "{refused}");
    let view = app.ok("set_guard_openai_lever", lever("propose"));
    assert_eq!(view["openaiLever"], "propose");
    let at = json!({"target": target, "app": "assistant"});
    assert_shaped(
        &app.err("guard_approve_openai", at.clone()),
        "guard_no_proposal",
    );
    app.ok("guard_dismiss_openai", at);
    let actions: Vec<String> = app
        .ok("audit_entries", json!({"limit": 10}))
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .filter(|a| a.starts_with("openai") || a.starts_with("guardOpenAi"))
        .collect();
    assert_eq!(
        actions,
        ["guardOpenAiLever", "openaiCapRevert", "openaiCap"]
    );
}
