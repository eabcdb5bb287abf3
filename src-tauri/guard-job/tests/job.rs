//! `purser-guard` as a process, with the environment a CronJob's pod gives it, against the
//! Kubernetes API test server, moto and a local forecast server.

mod common;

use common::{world, APP, KEYS};
use purser_core::guard::Policy;
use serde_json::json;

// Long: one scenario, told in the order it happens — the first run acts, the second rests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_budget_it_scales_once_records_and_tells_then_rests_in_the_cooldown() {
    let world = world(4).await;
    world.share(Policy::Automatic { floor: 1 }, 1000.0).await;

    let first = world.run(KEYS, &[]).await;
    assert_eq!(first.code, Some(0), "{}\n{:?}", first.stderr, first.summary);
    assert_eq!(
        first.summary["check"]["did"], "scaled",
        "{:?}",
        first.summary
    );
    assert_eq!(first.summary["askedCostExplorer"], true);
    assert_eq!(world.copies().await, "1");

    let record = world.record("guard").await;
    assert_eq!(
        record["revert"]["previous"],
        json!({"kind": "copies", "replicas": 4}),
        "{record}"
    );
    assert_eq!(
        record["revert"]["set"],
        json!({"kind": "copies", "replicas": 1})
    );
    assert_eq!(record["revert"]["by"], "schedule");
    assert_eq!(record["lastCheck"]["did"], "scaled");
    let figures = world.record("figures").await;
    assert_eq!(figures["spent"], 1100.0, "{figures}");
    assert_eq!(figures["monthEnd"], 1700.0);
    assert_eq!(
        world.record("budget").await["amount"],
        1000.0,
        "the budget is kept as it was"
    );

    let events = world.events("PurserGuard").await;
    assert_eq!(events.len(), 1, "{events:?}");
    let message = events[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains(APP), "{message}");
    assert_eq!(events[0]["source"]["component"], "purser-guard");

    // The pod's log carries the audit lines: the intent before the scale, its result after.
    let scale: Vec<_> = first
        .audit
        .iter()
        .filter(|l| l["app"] == APP && l["action"] == "guardScale")
        .collect();
    assert_eq!(
        scale
            .iter()
            .map(|l| l["phase"].as_str())
            .collect::<Vec<_>>(),
        [Some("intent"), Some("result")],
        "{:?}",
        first.audit
    );
    assert_eq!(scale[1]["outcome"], "ok");
    assert_eq!(scale[1]["params"]["to"], 1);
    assert!(
        first.audit.iter().all(|l| l["action"] != "guardNote"),
        "the job writes no note on the Deployment: {:?}",
        first.audit
    );

    // Inside the cooldown, with the figures fresh in the record: nothing acts, nothing is
    // asked of Cost Explorer.
    let asked = world.forecasts_asked().await;
    let second = world.run(KEYS, &[]).await;
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    assert_eq!(
        second.summary["check"]["did"], "nothing",
        "{:?}",
        second.summary
    );
    assert_eq!(second.summary["askedCostExplorer"], false);
    assert_eq!(world.forecasts_asked().await, asked);
    assert_eq!(world.copies().await, "1");
    assert_eq!(world.events("PurserGuard").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_the_budget_nothing_changes() {
    let world = world(3).await;
    world.share(Policy::Automatic { floor: 1 }, 5000.0).await;

    let run = world.run(KEYS, &[]).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.summary["check"]["did"], "nothing", "{:?}", run.summary);
    assert_eq!(world.copies().await, "3");
    assert!(world.record("guard").await["revert"].is_null());
    assert!(world.events("PurserGuard").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guard_off_asks_cost_explorer_nothing() {
    let world = world(2).await;
    world.share(Policy::Off, 1000.0).await;

    let run = world.run(KEYS, &[]).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.summary["askedCostExplorer"], false);
    assert_eq!(world.forecasts_asked().await, 0);
    assert_eq!(world.copies().await, "2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_aws_permission_the_record_says_why_and_the_exit_code_is_not_zero() {
    let world = world(4).await;
    world.share(Policy::Automatic { floor: 1 }, 1000.0).await;
    let (key_id, secret) = world.moto.create_user_with_key("guard-no-ce").await;
    world.moto.control("/moto-api/reset-auth", "0").await;

    let keys = [
        ("AWS_ACCESS_KEY_ID", key_id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", secret.as_str()),
    ];
    let run = world.run(&keys, &[]).await;
    world.moto.control("/moto-api/reset-auth", "inf").await;
    assert_eq!(run.code, Some(1), "{}\n{:?}", run.stderr, run.summary);
    let check = &world.record("guard").await["lastCheck"];
    assert!(
        matches!(check["did"].as_str(), Some("refused" | "failed")),
        "{check}"
    );
    assert_eq!(
        check["params"]["error"], "cost_missing_permission",
        "{check}"
    );
    assert_eq!(world.copies().await, "4");
    let events = world.events("PurserGuard").await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["type"], "Warning");
    let message = events[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("ce:GetCostAndUsage"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_its_setting_the_job_says_what_is_missing_and_changes_nothing() {
    let world = world(2).await;
    world.share(Policy::Automatic { floor: 1 }, 1000.0).await;
    let run = world.run(KEYS, &[("PURSER_APP", "")]).await;
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("PURSER_APP"), "{}", run.stderr);
    let run = world.run(KEYS, &[("PURSER_APP", "Not A Name")]).await;
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("not a Kubernetes name"),
        "{}",
        run.stderr
    );
    assert_eq!(world.copies().await, "2");
    assert_eq!(world.forecasts_asked().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_record_stops_the_run_and_is_left_as_it_was() {
    let world = world(3).await;
    let manifest = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": format!("purser-{APP}"), "namespace": "default"},
        "data": {"guard": "{\"policy\": 12"}});
    let path = common::file(world.work.path(), "damaged.json", &manifest.to_string());
    world
        .cluster
        .kubectl_ok(&["apply", "--validate=false", "-f", &path])
        .await;

    let run = world.run(KEYS, &[]).await;
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        run.summary["error"]["code"], "guard_record_unreadable",
        "{:?}",
        run.summary
    );
    assert!(run.stderr.contains("guard"), "{}", run.stderr);
    assert_eq!(world.copies().await, "3");
    assert_eq!(
        world.forecasts_asked().await,
        0,
        "nothing asked before the record reads"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_shared_record_it_makes_none_and_says_what_it_needs() {
    let world = world(2).await;
    let run = world.run(KEYS, &[]).await;
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        run.summary["error"]["code"], "guard_no_shared_record",
        "{:?}",
        run.summary
    );
    assert!(run.stderr.contains("needs it"), "{}", run.stderr);
    let found = world
        .cluster
        .kubectl(&["get", "configmap", &format!("purser-{APP}")])
        .await;
    assert!(!found.status.success(), "the job made a record");
    assert_eq!(world.forecasts_asked().await, 0);
}

#[test]
fn a_reader_that_stops_early_ends_the_printing_not_with_a_panic() {
    // `purser-guard iam-policy | head -1`, with the reader gone before the first line.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_purser-guard"))
        .arg("iam-policy")
        .stdout(writer)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}
