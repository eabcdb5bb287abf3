//! The objects Purser installs, checked for real: `kubectl apply --dry-run=server` accepts
//! them and stores nothing; applied, the guard's check runs with its service account's own
//! token, every request allowed by the Role Purser generated (the test server enforces
//! Roles for service-account tokens); requests outside the Role are refused; `kubectl
//! delete` of the same objects leaves nothing behind.

mod common;

use common::{file, world, APP, KEYS};
use purser_core::guard::install::{guard_name, guard_objects};
use purser_core::guard::Policy;
use serde_json::json;

const KINDS: [&str; 4] = ["serviceaccount", "role", "rolebinding", "cronjob"];

// Long: install, run, probe, uninstall — one scenario in the order a user lives it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_generated_role_allows_every_request_of_a_check_and_nothing_else() {
    let world = world(4).await;
    world.share(Policy::Automatic { floor: 1 }, 1000.0).await;
    let spec = common::install_spec("registry.example/purser-guard:test");
    // As an administrator gets them: printed by the binary itself.
    let printed = std::process::Command::new(env!("CARGO_BIN_EXE_purser-guard"))
        .args(["manifests", "--app", APP, "--namespace", "default"])
        .args(["--image", &spec.image, "--no-autoscaler"])
        .output()
        .unwrap();
    assert!(
        printed.status.success(),
        "{}",
        String::from_utf8_lossy(&printed.stderr)
    );
    let list: serde_json::Value = serde_json::from_slice(&printed.stdout).unwrap();
    assert_eq!(list["items"], json!(guard_objects(&spec).unwrap()));
    let objects = file(world.work.path(), "guard.json", &list.to_string());
    let name = guard_name(APP);

    let out = world
        .cluster
        .kubectl_ok(&[
            "apply",
            "--dry-run=server",
            "--validate=false",
            "-f",
            &objects,
        ])
        .await;
    assert!(out.contains("(server dry run)"), "{out}");
    for kind in KINDS {
        let found = world.cluster.kubectl(&["get", kind, &name]).await;
        assert!(!found.status.success(), "a dry run stored the {kind}");
    }
    world
        .cluster
        .kubectl_ok(&["apply", "--server-side", "--validate=false", "-f", &objects])
        .await;
    let role = world
        .cluster
        .kubectl_ok(&["get", "role", &name, "-o", "jsonpath={.rules[*].resources}"])
        .await;
    assert!(role.contains("deployments/scale"), "{role}");

    // The pod's token is its service account's, as Kubernetes mounts it.
    let token = world
        .cluster
        .sim
        .service_account_token("default", &name)
        .unwrap();
    std::fs::write(world.account.path().join("token"), &token).unwrap();
    let run = world.run(KEYS, &[]).await;
    assert_eq!(run.code, Some(0), "{}\n{:?}", run.stderr, run.summary);
    assert_eq!(run.summary["check"]["did"], "scaled", "{:?}", run.summary);
    assert_eq!(world.copies().await, "1");
    assert_eq!(
        world.events("PurserGuard").await.len(),
        1,
        "its Event was allowed"
    );
    let requests = world.cluster.sim.requests_by("default", &name);
    println!("API requests in one run with the guard's token: {requests}");

    // Outside the Role, the same token is refused.
    let as_guard = |args: &[&str]| {
        let mut all = vec!["--token", token.as_str()];
        all.extend_from_slice(args);
        all.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    for args in [
        as_guard(&[
            "patch",
            "deployment",
            APP,
            "-p",
            r#"{"spec":{"replicas":9}}"#,
        ]),
        as_guard(&["get", "secrets"]),
        as_guard(&["get", "deployments"]),
        as_guard(&["delete", "deployment", APP]),
        as_guard(&["get", "configmap", "some-other-record"]),
        as_guard(&["get", "namespace", "kube-system"]),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = world.cluster.kubectl(&args).await;
        let said = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(!out.status.success(), "allowed: kubectl {args:?}");
        assert!(
            said.contains(&format!("system:serviceaccount:default:{name}"))
                && said.contains("forbidden"),
            "kubectl {args:?}: {said}"
        );
    }
    assert_eq!(
        world.copies().await,
        "1",
        "nothing outside the Role changed the app"
    );

    // Uninstall removes exactly those objects.
    world.cluster.kubectl_ok(&["delete", "-f", &objects]).await;
    for kind in KINDS {
        let found = world.cluster.kubectl(&["get", kind, &name]).await;
        assert!(
            !found.status.success(),
            "the {kind} is left after uninstall"
        );
    }
    world.cluster.kubectl_ok(&["get", "deployment", APP]).await;
}
