//! The budget guard end to end through the facade, with real peers: Cost Explorer answered by
//! moto (this month over the budget) and a local forecast server, apps on the Kubernetes API
//! test server (kubectl reads back what the guard wrote). The guard proposes, the approval
//! scales down, the Deployment holds the previous copies, a restart of Purser keeps the policy
//! and the revert, revert restores; automatic mode acts once per cooldown; a 403 is told and
//! audited, not retried.

use std::path::Path;
use std::sync::Arc;

use purser_core::audit::Outcome;
use purser_core::cost::RequestMeter;
use purser_core::guard::{HoldChoice, Policy, Target as Level};
use purser_core::secrets::{Secret, SecretKind};
use purser_core::settings::SettingsPatch;
use purser_core::testing::ManualClock;
use purser_core::Purser;
use purser_core::TagProblem;
use purser_test_support::kube::CONTEXT;
use serde_json::{json, Value};
use time::macros::datetime;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[path = "common/guard_world.rs"]
mod guard_world;

use guard_world::{set_up, target, world};

fn guard_lines(purser: &Purser) -> Vec<(String, String, Outcome)> {
    purser
        .audit_entries(100)
        .unwrap()
        .into_iter()
        .filter(|e| e.action.starts_with("guard"))
        .map(|e| (e.action, e.app, e.outcome))
        .collect()
}

fn params(notice: &purser_core::AppError) -> &serde_json::Map<String, Value> {
    &notice.params
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn propose_approve_restart_and_revert() {
    let world = world().await;
    let purser = world.purser();
    set_up(&purser, &[("assistant", 6)]).await;

    let view = purser
        .set_guard_policy(&target(), "assistant", Policy::Propose { floor: 2 }, false)
        .await
        .unwrap();
    let per_copy = view.copy_cost.expect("250m / 512Mi is priced").monthly;
    // (0.25 × $0.04048 + 1 GB × $0.004445) × 730 h
    assert!(
        (per_copy - 10.63).abs() < 0.01,
        "0.25 vCPU + 1 GB on Fargate: {per_copy}"
    );

    // Spent $1,100 of $1,000, forecast $1,700: a proposal, nothing changed yet.
    let told = purser.guard_check().await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].code, "guard_propose");
    assert_eq!(told[0].hint_code, "guard_over_budget");
    assert_eq!(params(&told[0])["from"], 6);
    assert_eq!(params(&told[0])["to"], 2);
    assert_eq!(world.copies("assistant").await, "6");
    assert!(purser
        .status()
        .notices
        .iter()
        .any(|n| n.code == "guard_propose"));
    // Asked again within the hour: the same proposal is not made twice.
    assert!(purser.guard_check().await.is_empty());

    let view = purser.guard_approve(&target(), "assistant").await.unwrap();
    assert!(view.proposal.is_none());
    assert_eq!(view.copies, 2);
    assert_eq!(world.copies("assistant").await, "2");
    let previous: Value = serde_json::from_str(&world.annotation("assistant").await).unwrap();
    assert_eq!(previous, json!({"kind": "copies", "replicas": 6}));

    // Purser restarts: the policy and what can be reverted are still there.
    drop(purser);
    let purser = world.purser();
    purser.kube_connect(CONTEXT).await.unwrap();
    let view = purser.guard_view(&target(), "assistant").await.unwrap();
    assert_eq!(view.policy, Policy::Propose { floor: 2 });
    let revertible = view.revertible.expect("the Deployment remembers");
    assert_eq!(revertible.previous, Level::Copies { replicas: 6 });

    let view = purser
        .guard_revert(&target(), "assistant", false, HoldChoice::MonthEnd)
        .await
        .unwrap();
    assert_eq!(view.copies, 6);
    assert!(view.revertible.is_none());
    assert_eq!(world.copies("assistant").await, "6");
    assert_eq!(world.annotation("assistant").await, "");
    let actions: Vec<String> = guard_lines(&purser).into_iter().map(|l| l.0).collect();
    assert_eq!(
        actions,
        [
            "guardNoteCleared",
            "guardRevert",
            "guardNote",
            "guardScale",
            "guardPropose",
            "guardPolicy"
        ],
        "newest first; the note on the Deployment is a change of its own"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automatic_acts_once_per_cooldown_and_a_changed_app_is_asked_about() {
    let world = world().await;
    let purser = world.purser();
    set_up(&purser, &[("assistant", 4)]).await;
    purser
        .set_guard_policy(
            &target(),
            "assistant",
            Policy::Automatic { floor: 1 },
            false,
        )
        .await
        .unwrap();

    let told = purser.guard_check().await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].code, "guard_scaled");
    assert_eq!(world.copies("assistant").await, "1");
    // Within the cooldown nothing more happens.
    assert!(purser.guard_check().await.is_empty());
    let lines = guard_lines(&purser);
    let scaled = lines.iter().filter(|l| l.0 == "guardScale").count();
    assert_eq!(scaled, 1, "{lines:?}");

    // Someone scales the app by hand; a revert asks first, then restores when told to.
    world
        .cluster
        .kubectl_ok(&["scale", "deployment", "assistant", "--replicas=3"])
        .await;
    let asked = purser
        .guard_revert(&target(), "assistant", false, HoldChoice::MonthEnd)
        .await
        .unwrap_err();
    assert_eq!(asked.code, "guard_changed_since");
    assert_eq!(asked.params["now"], "3");
    assert_eq!(
        world.copies("assistant").await,
        "3",
        "asking changes nothing"
    );
    purser
        .guard_revert(&target(), "assistant", true, HoldChoice::MonthEnd)
        .await
        .unwrap();
    assert_eq!(world.copies("assistant").await, "4");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_scale_is_told_and_audited_not_retried() {
    let world = world().await;
    let purser = world.purser();
    set_up(&purser, &[("assistant", 3)]).await;
    purser
        .set_guard_policy(
            &target(),
            "assistant",
            Policy::Automatic { floor: 1 },
            false,
        )
        .await
        .unwrap();
    // The guard scales through the scale subresource, as a person's scale does.
    world
        .cluster
        .sim
        .faults()
        .deny("patch", "deployments/scale");

    let told = purser.guard_check().await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].code, "guard_failed");
    assert_eq!(told[0].params["error"], "kube_forbidden");
    assert_eq!(world.copies("assistant").await, "3");
    let lines = guard_lines(&purser);
    assert_eq!(lines[0].0, "guardScale");
    assert_eq!(lines[0].2, Outcome::Failed);
    // Not retried at the next check (the cooldown covers attempts, not only successes).
    assert!(purser.guard_check().await.is_empty());
    assert_eq!(guard_lines(&purser).len(), lines.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_policies_and_sample_figures_change_nothing() {
    let world = world().await;
    let purser = world.purser();
    set_up(&purser, &[("assistant", 3)]).await;
    let refused = purser
        .set_guard_policy(
            &target(),
            "assistant",
            Policy::Automatic { floor: 101 },
            false,
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code, "guard_invalid");
    assert_eq!(refused.fields[0].code, "guard_floor");
    let view = purser.guard_view(&target(), "assistant").await.unwrap();
    assert_eq!(view.policy, Policy::Off);

    // Without AWS keys the figures are sample data: never acted on for a real cluster.
    for kind in [SecretKind::AwsAccessKeyId, SecretKind::AwsSecretAccessKey] {
        purser.delete_secret(kind).await.unwrap();
    }
    purser
        .set_guard_policy(
            &target(),
            "assistant",
            Policy::Automatic { floor: 1 },
            false,
        )
        .await
        .unwrap();
    let told = purser.guard_check().await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].code, "guard_refused");
    assert_eq!(told[0].hint_code, "guard_sample_figures");
    assert_eq!(world.copies("assistant").await, "3");
    // Told once, not every hour.
    assert!(purser.guard_check().await.is_empty());
    assert!(Path::new(&world.dir.path().join("data/guard.json")).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prices_are_edited_checked_and_kept() {
    let world = world().await;
    let purser = world.purser();
    set_up(&purser, &[("assistant", 2)]).await;
    for (vcpu, gb) in [
        (0.0, 0.004),
        (0.04, -1.0),
        (f64::INFINITY, 0.004),
        (12.0, 0.004),
    ] {
        let refused = purser
            .set_guard_prices(&target(), "assistant", vcpu, gb)
            .await
            .unwrap_err();
        assert_eq!(refused.code, "guard_invalid", "{vcpu} {gb}");
        assert!(refused.fields.iter().all(|f| f.code == "guard_price"));
    }
    let view = purser.guard_view(&target(), "assistant").await.unwrap();
    assert_eq!(
        view.prices.source, "fargate-us-east-1",
        "refusals changed nothing"
    );

    let view = purser
        .set_guard_prices(&target(), "assistant", 0.05, 0.005)
        .await
        .unwrap();
    let cost = view.copy_cost.unwrap();
    assert_eq!(cost.source.as_deref(), Some("edited"));
    // (0.25 × 0.05 + 1 × 0.005) × 730
    assert!((cost.monthly - 12.775).abs() < 0.001, "{}", cost.monthly);
    drop(purser);
    let again = world.purser();
    again.kube_connect(CONTEXT).await.unwrap();
    let view = again.guard_view(&target(), "assistant").await.unwrap();
    assert_eq!((view.prices.vcpu_hour, view.prices.gb_hour), (0.05, 0.005));
}

// Long: one scenario, told step by step in the order it happens.
/// The copy's cost measured by the app's tag: October's tagged cost ($900, from moto) over the
/// copy-hours the audit log shows (2 copies from September, 4 from 16 October: 2,256), asked
/// of Cost Explorer once and kept across a restart; a bad tag changes nothing; an app the log
/// did not see all month, or a tag with no cost, falls back to the prices and says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_is_measured_by_its_tag_and_the_copy_hours_in_the_log() {
    let world = world().await;
    let clock = Arc::new(ManualClock::new(datetime!(2026-09-30 12:00 UTC)));
    let purser = world.purser_at(clock.clone());
    set_up(&purser, &[("assistant", 2)]).await;
    clock.set(datetime!(2026-10-16 00:00 UTC));
    purser.scale(&target(), "assistant", 4).await.unwrap();
    clock.set(datetime!(2026-11-10 00:00 UTC));
    set_up(&purser, &[("newcomer", 1)]).await;
    clock.set(datetime!(2026-11-20 12:00 UTC));
    let requests = || RequestMeter::new(&world.dir.path().join("data")).requests_in("2026-11");

    let view = purser.guard_view(&target(), "assistant").await.unwrap();
    let estimate = view.copy_cost.unwrap();
    assert_eq!(estimate.basis, "prices");
    assert_eq!(requests(), 0, "no tag, no request");

    let refused = purser
        .set_guard_cost_tag(&target(), "assistant", "no equals sign")
        .await
        .unwrap_err();
    assert_eq!(refused.fields[0].field, "guardCostTag");
    assert_eq!(refused.fields[0].code, "guard_tag");

    let view = purser
        .set_guard_cost_tag(&target(), "assistant", " app=assistant ")
        .await
        .unwrap();
    assert_eq!(view.cost_tag.as_deref(), Some("app=assistant"));
    assert_eq!(view.tag_problem, None);
    let cost = view.copy_cost.unwrap();
    let measured = cost.measured.clone().unwrap();
    assert_eq!(cost.basis, "tagged");
    assert_eq!(measured.month, "2026-10");
    assert_eq!(measured.copy_hours, 2256.0);
    assert!((measured.cost - 900.0).abs() < 1e-9, "{}", measured.cost);
    assert!((cost.monthly - 900.0 / 2256.0 * 730.0).abs() < 1e-6);
    assert_eq!(requests(), 1, "one Cost Explorer request for the tag");

    let restarted = world.purser_at(clock.clone());
    restarted.kube_connect(CONTEXT).await.unwrap();
    let again = restarted.guard_view(&target(), "assistant").await.unwrap();
    assert_eq!(again.copy_cost.unwrap().basis, "tagged");
    assert_eq!(again.cost_tag.as_deref(), Some("app=assistant"));
    assert_eq!(requests(), 1, "the month's figure is kept, not asked again");

    let preview = restarted
        .scale_preview(&target(), "assistant", 3)
        .await
        .unwrap();
    assert_eq!(preview.copy_cost.unwrap().basis, "tagged");
    assert!((preview.monthly_change.unwrap() + cost.monthly).abs() < 1e-6);

    let newcomer = restarted
        .set_guard_cost_tag(&target(), "newcomer", "app=newcomer")
        .await
        .unwrap();
    assert_eq!(newcomer.tag_problem, Some(TagProblem::NoCopyHours));
    assert_eq!(newcomer.copy_cost.unwrap().basis, "prices");

    let untagged = restarted
        .set_guard_cost_tag(&target(), "assistant", "team=nobody")
        .await
        .unwrap();
    assert_eq!(untagged.tag_problem, Some(TagProblem::NoTaggedCost));
    assert_eq!(untagged.copy_cost.unwrap().basis, "prices");
    // What Cost Explorer said is kept a day: slider moves and checks do not ask (and pay) again.
    let asked = requests();
    for copies in [2, 3, 4] {
        let preview = restarted
            .scale_preview(&target(), "assistant", copies)
            .await
            .unwrap();
        assert_eq!(preview.copy_cost.unwrap().basis, "prices");
    }
    restarted.guard_view(&target(), "assistant").await.unwrap();
    assert_eq!(requests(), asked, "a failed lookup is not repeated");

    let cleared = restarted
        .set_guard_cost_tag(&target(), "assistant", "")
        .await
        .unwrap();
    assert_eq!((cleared.cost_tag, cleared.tag_problem), (None, None));
    assert_eq!(cleared.copy_cost.unwrap().basis, "prices");
}

/// OpenAI's spend of the month, $30 a day for the 19 full days before the 20th.
async fn openai_costs_server() -> MockServer {
    let server = MockServer::start().await;
    let buckets: Vec<Value> = (0..19)
        .map(|d| {
            let start =
                (datetime!(2026-11-01 00:00 UTC) + time::Duration::days(d)).unix_timestamp();
            json!({"object": "bucket", "start_time": start, "end_time": start + 86_400,
                   "results": [{"object": "organization.costs.result",
                                "amount": {"value": 30.0, "currency": "usd"},
                                "line_item": "gpt-4o, input", "project_id": "proj_a"}]})
        })
        .collect();
    Mock::given(wiremock::matchers::path("/v1/organization/costs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"object": "page", "data": buckets, "has_more": false, "next_page": null}),
        ))
        .mount(&server)
        .await;
    server
}

/// A $2,000 budget: AWS alone (spent $1,100, $1,700 by the month's end) stays inside it; with
/// OpenAI's $570 so far (and $900 by the month's end) the forecast passes it, and the guard
/// proposes, naming the sum.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guard_judges_aws_and_openai_together() {
    let world = world().await;
    let purser = world.purser();
    set_up(&purser, &[("assistant", 4)]).await;
    let openai = openai_costs_server().await;
    let patch = SettingsPatch::from_json(&json!({
        "budgetAmount": "2000", "budgetThresholds": "100",
        "openaiAdminBaseUrl": format!("{}/v1", openai.uri())
    }))
    .unwrap();
    purser.update_settings(&patch).unwrap();
    purser
        .set_guard_policy(&target(), "assistant", Policy::Propose { floor: 1 }, false)
        .await
        .unwrap();
    let told = purser.guard_check().await;
    assert!(told.is_empty(), "AWS alone is inside: {told:?}");

    purser
        .store_secret(
            SecretKind::OpenaiAdminKey,
            Secret::new("test-admin-key-guard"),
        )
        .await
        .unwrap();
    let told = purser.guard_check().await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].code, "guard_propose");
    let figure = params(&told[0])["figure"].as_f64().unwrap();
    assert!(
        (figure - 2600.0).abs() < 0.01,
        "AWS $1,700 + OpenAI $900: {figure}"
    );
    assert_eq!(world.copies("assistant").await, "4", "only proposed");
}
