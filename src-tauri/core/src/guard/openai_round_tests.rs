//! The OpenAI lever through the guard service, with fake ports: propose → approve → set,
//! automatic once per cooldown, copies left alone when OpenAI's part is what runs over, the
//! requests one round makes, and a revert that puts back exactly what there was.

use time::Duration;

use crate::audit::Outcome;
use crate::cost::spend_limit::SpendLimit;
use crate::guard::caps::revert_cap;
use crate::guard::fakes::{world, World, NOW};
use crate::guard::{GuardError, Lever, Policy};
use crate::sync::lock;

/// $1,700 by the month's end of a $1,000 budget, $900 of it OpenAI's ($500 spent): AWS's
/// $800 fits, OpenAI's part is what runs over. The cap offered: $1,000 − $800 = $200, under
/// the floor of $500 + $50, so $550 — saving $350.
fn openai_over(w: &World) {
    w.figures.set(|f| {
        f.openai_spent = 500.0;
        f.openai_month_end = 900.0;
    });
    *lock(&w.openai.project) = Some("proj_shop".into());
}

async fn lever(w: &World, lever: Lever) {
    w.service().set_lever(&w.key, lever).await.unwrap();
}

fn limit(w: &World) -> Option<i64> {
    lock(&w.openai.limit).map(|l| l.cents)
}

#[tokio::test]
async fn propose_then_approve_sets_the_cap_and_records_what_there_was() {
    let w = world();
    openai_over(&w);
    lever(&w, Lever::Propose).await;
    w.service().run_round(&w.key).await;
    let record = w.record();
    let check = record.last_openai_check.expect("the lever's own check");
    assert_eq!(
        (check.did.as_str(), check.code.as_str()),
        ("propose", "openai_over")
    );
    assert_eq!(check.params["saving"], 350.0);
    assert_eq!(check.params["capAmount"], 550.0);
    assert_eq!(
        record.openai_proposal.as_ref().map(|p| p.cents),
        Some(55_000)
    );
    assert_eq!(w.told.codes(), ["guard_openai_propose"]);
    assert_eq!(limit(&w), None, "a proposal changes nothing");
    w.clock.set(NOW + Duration::minutes(10));
    w.service()
        .approve_openai(&w.key, &World::person())
        .await
        .unwrap();
    assert_eq!(limit(&w), Some(55_000));
    let cap = lock(&w.openai.caps).get("proj_shop").cloned().unwrap();
    assert_eq!(
        (cap.previous, cap.set, cap.by.as_str()),
        (None, 55_000, "alice")
    );
    assert!(w.record().openai_proposal.is_none());
    let actions: Vec<_> = w.audited().into_iter().map(|(a, _)| a).collect();
    assert_eq!(
        actions,
        ["guardOpenAiLever", "guardOpenAiPropose", "openaiCap"]
    );
    // Approved twice: nothing waits any more.
    let again = w.service().approve_openai(&w.key, &World::person()).await;
    assert!(matches!(again, Err(GuardError::NoProposal { .. })));
    assert_eq!(*lock(&w.openai.writes), 1);
}

#[tokio::test]
async fn an_approval_decides_again_and_sets_nothing_once_the_month_fits() {
    let w = world();
    openai_over(&w);
    lever(&w, Lever::Propose).await;
    w.service().run_round(&w.key).await;
    w.figures.set(|f| {
        f.month_end = Some(950.0);
        f.openai_month_end = 400.0;
    });
    let refused = w.service().approve_openai(&w.key, &World::person()).await;
    assert!(matches!(refused, Err(GuardError::NoLongerOver { .. })));
    assert_eq!(*lock(&w.openai.writes), 0);
    assert!(w.record().openai_proposal.is_none());
}

#[tokio::test]
async fn automatic_caps_once_per_cooldown_and_leaves_the_copies_alone() {
    let w = world();
    openai_over(&w);
    w.guard(Policy::Automatic { floor: 2 });
    lever(&w, Lever::Automatic).await;
    let check = w.service().run_round(&w.key).await;
    // Copies answer for AWS's part alone, which fits ($800 of $1,000: told as 80%): the app
    // keeps its six.
    assert_eq!(w.copies(), 6);
    assert!(w.writes().is_empty());
    assert_eq!(check.did, "notify");
    assert_eq!(limit(&w), Some(55_000));
    assert_eq!(w.told.codes(), ["guard_notify", "guard_openai_capped"]);
    let cap = lock(&w.openai.caps).get("proj_shop").cloned().unwrap();
    assert_eq!(cap.by, "schedule");
    // Someone raises the limit an hour later: inside the cooldown, the guard waits.
    *lock(&w.openai.limit) = Some(SpendLimit {
        cents: 100_000,
        enforcing: false,
    });
    w.clock.set(NOW + Duration::hours(1));
    w.service().run_round(&w.key).await;
    let check = w.record().last_openai_check.unwrap();
    assert_eq!(check.code, "openai_cooldown");
    assert_eq!(*lock(&w.openai.writes), 1);
    // After it, once more — and the raised limit is what a revert would put back.
    w.clock.set(NOW + Duration::hours(7));
    w.service().run_round(&w.key).await;
    assert_eq!(limit(&w), Some(55_000));
    assert_eq!(*lock(&w.openai.writes), 2);
    let cap = lock(&w.openai.caps).get("proj_shop").cloned().unwrap();
    assert_eq!(cap.previous, Some(100_000));
}

#[tokio::test]
async fn with_the_lever_off_the_copies_answer_for_the_whole_bill() {
    let w = world();
    openai_over(&w);
    w.guard(Policy::Automatic { floor: 2 });
    let check = w.service().run_round(&w.key).await;
    assert_eq!(check.did, "scaled");
    assert_eq!(w.copies(), 2);
    assert_eq!(*lock(&w.openai.reads), 0, "the lever off reads nothing");
    assert!(w.record().last_openai_check.is_none());
}

#[tokio::test]
async fn when_aws_runs_over_too_both_levers_act() {
    let w = world();
    w.figures.set(|f| {
        f.spent = 1500.0;
        f.month_end = Some(2000.0);
        f.openai_spent = 300.0;
        f.openai_month_end = 600.0;
    });
    *lock(&w.openai.project) = Some("proj_shop".into());
    w.guard(Policy::Automatic { floor: 2 });
    lever(&w, Lever::Automatic).await;
    let check = w.service().run_round(&w.key).await;
    assert_eq!(
        check.did, "scaled",
        "AWS's $1,200 spent alone is over $1,000"
    );
    assert_eq!(w.copies(), 2);
    // OpenAI capped at its floor: $300 spent + $30.
    assert_eq!(limit(&w), Some(33_000));
}

#[tokio::test]
async fn a_round_with_nothing_to_do_reads_the_limit_once_and_writes_nothing() {
    let w = world();
    w.figures.set(|f| {
        f.month_end = Some(900.0);
        f.openai_month_end = 300.0;
    });
    *lock(&w.openai.project) = Some("proj_shop".into());
    lever(&w, Lever::Automatic).await;
    w.service().run_round(&w.key).await;
    assert_eq!((*lock(&w.openai.reads), *lock(&w.openai.writes)), (1, 0));
    assert_eq!(w.record().last_openai_check.unwrap().code, "within");
}

#[tokio::test]
async fn the_lever_notifies_once_a_month_and_refuses_sample_figures_or_another_currency() {
    let w = world();
    openai_over(&w);
    lever(&w, Lever::Notify).await;
    w.service().run_round(&w.key).await;
    w.clock.set(NOW + Duration::hours(8));
    w.service().run_round(&w.key).await;
    assert_eq!(w.told.codes(), ["guard_openai_notify"]);
    assert_eq!(*lock(&w.openai.writes), 0);

    let w = world();
    openai_over(&w);
    w.figures.set(|f| f.sample = true);
    lever(&w, Lever::Automatic).await;
    w.service().run_round(&w.key).await;
    assert_eq!(w.record().last_openai_check.unwrap().code, "sample_figures");
    assert_eq!(*lock(&w.openai.writes), 0);

    let w = world();
    openai_over(&w);
    lock(&w.figures.budget).currency = "EUR".into();
    lever(&w, Lever::Automatic).await;
    w.service().run_round(&w.key).await;
    assert_eq!(w.record().last_openai_check.unwrap().code, "currency");
    assert_eq!(*lock(&w.openai.writes), 0);
}

#[tokio::test]
async fn without_a_project_the_lever_says_so_once() {
    let w = world();
    openai_over(&w);
    *lock(&w.openai.project) = None;
    lever(&w, Lever::Automatic).await;
    w.service().run_round(&w.key).await;
    w.clock.set(NOW + Duration::hours(1));
    w.service().run_round(&w.key).await;
    assert_eq!(w.told.codes(), ["guard_openai_failed"]);
    let check = w.record().last_openai_check.unwrap();
    assert_eq!(
        (check.did.as_str(), check.params["error"].as_str()),
        ("failed", Some("openai_no_project"))
    );
}

#[tokio::test]
async fn a_revert_puts_back_the_amount_there_was_or_deletes_and_asks_when_changed_since() {
    let w = world();
    openai_over(&w);
    *lock(&w.openai.limit) = Some(SpendLimit {
        cents: 123_456,
        enforcing: false,
    });
    lever(&w, Lever::Automatic).await;
    w.service().run_round(&w.key).await;
    assert_eq!(limit(&w), Some(55_000));
    let ports = w.ports();
    let restored = revert_cap(&ports, "proj_shop", false, NOW).await.unwrap();
    assert_eq!(restored.map(|l| l.cents), Some(123_456));
    assert_eq!(limit(&w), Some(123_456));
    assert!(lock(&w.openai.caps).is_empty(), "the record is cleared");
    let again = revert_cap(&ports, "proj_shop", false, NOW).await;
    assert!(matches!(again, Err(GuardError::NoCapToRevert)));

    // No limit before: a revert deletes Purser's. Changed since: asked first.
    let w = world();
    openai_over(&w);
    lever(&w, Lever::Automatic).await;
    w.service().run_round(&w.key).await;
    *lock(&w.openai.limit) = Some(SpendLimit {
        cents: 70_000,
        enforcing: true,
    });
    let ports = w.ports();
    let asked = revert_cap(&ports, "proj_shop", false, NOW).await;
    assert!(matches!(
        asked,
        Err(GuardError::CapChangedSince { set, now: Some(now) }) if set == 550.0 && now == 700.0
    ));
    assert_eq!(limit(&w), Some(70_000), "asking changes nothing");
    revert_cap(&ports, "proj_shop", true, NOW).await.unwrap();
    assert_eq!(limit(&w), None);
    let last = w.audited().pop().unwrap();
    assert_eq!(last, ("openaiCapRevert".to_string(), Outcome::Ok));
}

#[tokio::test]
async fn a_reverted_cap_sticks_until_the_month_ends_the_budget_or_the_lever_changes() {
    let w = world();
    openai_over(&w);
    lever(&w, Lever::Automatic).await;
    w.service().run_round(&w.key).await;
    assert_eq!(limit(&w), Some(55_000));
    let reverted = NOW + Duration::minutes(5);
    revert_cap(&w.ports(), "proj_shop", false, reverted)
        .await
        .unwrap();
    assert_eq!(limit(&w), None);

    // Past the cooldown, still over: the lever leaves the project alone and says why.
    w.clock.set(NOW + Duration::hours(7));
    w.service().run_round(&w.key).await;
    assert_eq!(limit(&w), None, "a revert sticks");
    let check = w.record().last_openai_check.unwrap();
    assert_eq!(
        (check.did.as_str(), check.code.as_str()),
        ("nothing", "openai_held")
    );
    assert_eq!(check.params["until"], "2026-12-01T00:00:00Z");

    // Choosing the lever again is a new decision: the hold ends and the next round caps.
    lever(&w, Lever::Automatic).await;
    w.service().run_round(&w.key).await;
    assert_eq!(limit(&w), Some(55_000));
    assert!(lock(&w.openai.cap_holds).is_empty());

    // A new budget ends a hold too.
    revert_cap(&w.ports(), "proj_shop", false, NOW + Duration::hours(7))
        .await
        .unwrap();
    assert!(lock(&w.openai.cap_holds).contains_key("proj_shop"));
    lock(&w.figures.budget).amount = Some(1_100.0);
    w.clock.set(NOW + Duration::hours(14));
    w.service().run_round(&w.key).await;
    assert!(lock(&w.openai.cap_holds).is_empty(), "the budget changed");
    assert_ne!(w.record().last_openai_check.unwrap().code, "openai_held");
}

#[tokio::test]
async fn an_openai_only_round_leaves_the_copies_to_the_guard_in_the_cluster() {
    let w = world();
    w.figures.set(|f| {
        f.spent = 1500.0;
        f.month_end = Some(2000.0);
        f.openai_spent = 300.0;
        f.openai_month_end = 600.0;
    });
    *lock(&w.openai.project) = Some("proj_shop".into());
    w.guard(Policy::Automatic { floor: 2 });
    lever(&w, Lever::Automatic).await;
    let before = w.copies();
    let check = w.service().run_openai_round(&w.key).await;
    assert_eq!(
        (check.did.as_str(), check.code.as_str()),
        ("nothing", "in_cluster")
    );
    assert_eq!(w.copies(), before, "the copies are the cluster guard's");
    assert_eq!(limit(&w), Some(33_000), "the OpenAI lever still acts");
}
