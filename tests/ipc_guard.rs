//! Command-layer tests of the budget guard's commands and of the names every command reads,
//! through Tauri's mock runtime with the real context and registration (as `tests/ipc.rs`),
//! on the built-in sandbox.

#[path = "support/ipc.rs"]
mod ipc;

use std::sync::Arc;

use ipc::{backends, MockApp};
use purser_core::testing::MemoryStore;
use serde_json::{json, Value};

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
    app.ok(
        "tray_words",
        json!({"words": {"open": "Abrir", "pause": "Pausar", "resume": "Reanudar", "quit": "Salir"}}),
    );

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
        ["guardRevert", "guardScale", "guardPropose", "guardPolicy"]
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
