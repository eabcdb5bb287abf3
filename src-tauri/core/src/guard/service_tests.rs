//! The guard service with fake ports: each way the guard once went wrong, as a test.

use std::time::Duration as StdDuration;

use time::macros::datetime;
use time::Duration;

use super::*;
use crate::audit::Outcome;
use crate::guard::fakes::{identity, world, World, NOW};
use crate::guard::gitops::GitOps;
use crate::guard::{Policy, Range, Target as Level};
use crate::sync::lock;

fn copies(replicas: i32) -> Level {
    Level::Copies { replicas }
}

#[tokio::test]
async fn automatic_scales_down_once_records_first_and_audits_before_and_after() {
    let w = world();
    w.guard(Policy::Automatic { floor: 2 });
    let check = w.service().run_round(&w.key).await;
    assert_eq!(
        (check.did.as_str(), check.code.as_str()),
        ("scaled", "over_budget")
    );
    assert_eq!(w.copies(), 2);
    let record = w.record();
    let revert = record.revert.expect("the guard's own record");
    assert_eq!((revert.previous, revert.set), (copies(6), copies(2)));
    assert_eq!(revert.by, "schedule");
    assert_eq!(lock(&w.cluster.app).hint, Some((copies(6), copies(2))));
    // The scale, then the note on the Deployment: each a change, each audited.
    assert_eq!(
        w.audited(),
        [
            ("guardScale".to_string(), Outcome::Ok),
            ("guardNote".to_string(), Outcome::Ok)
        ]
    );
    assert_eq!(w.told.codes(), ["guard_scaled"]);
    // The next round is inside the cooldown, and says so with the times.
    w.clock.set(NOW + Duration::hours(1));
    let check = w.service().run_round(&w.key).await;
    assert_eq!(check.code, "cooldown");
    assert_eq!(check.params["at"], "2026-11-20T12:00:00Z");
    assert_eq!(check.params["until"], "2026-11-20T18:00:00Z");
    assert_eq!(w.writes().len(), 1);
}

#[tokio::test]
async fn a_tampered_note_of_5000_copies_is_never_reverted_to() {
    let w = world();
    w.guard(Policy::Automatic { floor: 2 });
    lock(&w.cluster.app).copies = 2;
    lock(&w.cluster.app).hint = Some((copies(5000), copies(2)));
    for anyway in [false, true] {
        let refused = w
            .service()
            .revert(&w.key, anyway, HoldChoice::MonthEnd, &World::person())
            .await
            .unwrap_err();
        assert!(
            matches!(refused, GuardError::RevertOutOfBounds { ref level, .. } if level == "5000")
        );
    }
    assert_eq!(w.copies(), 2);
    assert!(w.writes().is_empty());
    // A range from a note is held to the same bounds.
    lock(&w.cluster.app).hint = Some((Level::Autoscaler { min: 9, max: 3 }, copies(2)));
    let refused = w
        .service()
        .revert(&w.key, true, HoldChoice::MonthEnd, &World::person())
        .await
        .unwrap_err();
    assert!(matches!(refused, GuardError::RevertOutOfBounds { .. }));
}

#[tokio::test]
async fn a_revert_known_only_from_the_note_asks_with_both_figures_and_their_cost() {
    let w = world();
    w.guard(Policy::Propose { floor: 2 });
    lock(&w.cluster.app).copies = 2;
    lock(&w.cluster.app).hint = Some((copies(12), copies(2)));
    let asked = w
        .service()
        .revert(&w.key, false, HoldChoice::MonthEnd, &World::person())
        .await
        .unwrap_err();
    let GuardError::RevertConfirm(question) = asked else {
        panic!("asks first: {asked:?}");
    };
    assert_eq!(
        (question.previous.as_str(), question.now.as_str()),
        ("12", "2")
    );
    assert_eq!(question.previous_monthly, Some(240.0));
    assert_eq!(question.now_monthly, Some(40.0));
    assert!(w.writes().is_empty(), "asking changes nothing");
    w.service()
        .revert(&w.key, true, HoldChoice::MonthEnd, &World::person())
        .await
        .unwrap();
    assert_eq!(w.copies(), 12);
    assert_eq!(lock(&w.cluster.app).hint, None, "the note is cleared");
}

#[tokio::test]
async fn approval_decides_again_and_never_applies_a_stale_proposal() {
    let w = world();
    w.guard(Policy::Propose { floor: 2 });
    let check = w.service().run_round(&w.key).await;
    assert_eq!(check.did, "propose");
    assert!(w.record().proposal.is_some());
    // Someone scales the app to 1 by hand: approving must not scale it *up* to 2.
    lock(&w.cluster.app).copies = 1;
    let refused = w
        .service()
        .approve(&w.key, &World::person())
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            GuardError::NoLongerOver {
                reason: "at_floor",
                ..
            }
        ),
        "{refused:?}"
    );
    assert_eq!(w.copies(), 1);
    assert!(w.writes().is_empty());
    assert!(w.record().proposal.is_none(), "the stale proposal is gone");
}

#[tokio::test]
async fn a_proposal_expires_at_the_months_turn_and_after_the_cooldown() {
    let w = world();
    w.guard(Policy::Propose { floor: 2 });
    w.clock.set(datetime!(2026-11-30 22:00 UTC));
    w.service().run_round(&w.key).await;
    assert!(w.record().proposal.is_some());
    w.clock.set(datetime!(2026-12-01 01:00 UTC));
    let refused = w
        .service()
        .approve(&w.key, &World::person())
        .await
        .unwrap_err();
    assert!(matches!(refused, GuardError::ProposalExpired { .. }));
    assert!(w.record().proposal.is_none());
    assert_eq!(w.copies(), 6);

    w.clock.set(datetime!(2026-12-10 09:00 UTC));
    w.service().run_round(&w.key).await;
    assert!(w.record().proposal.is_some());
    w.clock.set(datetime!(2026-12-10 15:30 UTC));
    let refused = w
        .service()
        .approve(&w.key, &World::person())
        .await
        .unwrap_err();
    assert!(matches!(refused, GuardError::ProposalExpired { .. }));
}

#[tokio::test]
async fn approval_is_refused_when_spend_fell_under_the_budget_and_a_round_clears_it() {
    let w = world();
    w.guard(Policy::Propose { floor: 2 });
    w.service().run_round(&w.key).await;
    w.figures.set(|f| {
        f.spent = 300.0;
        f.month_end = Some(600.0);
    });
    let refused = w
        .service()
        .approve(&w.key, &World::person())
        .await
        .unwrap_err();
    assert!(matches!(
        refused,
        GuardError::NoLongerOver {
            reason: "within",
            ..
        }
    ));
    assert_eq!(w.copies(), 6);
    // A proposal made again, then a round that finds the app within the budget clears it.
    w.figures.set(|f| f.spent = 1100.0);
    w.clock.set(NOW + Duration::hours(7));
    w.service().run_round(&w.key).await;
    assert!(w.record().proposal.is_some());
    w.figures.set(|f| {
        f.spent = 300.0;
        f.month_end = Some(600.0);
    });
    w.service().run_round(&w.key).await;
    assert!(w.record().proposal.is_none());
}

#[tokio::test]
async fn an_approval_scales_down_with_who_approved_in_the_record() {
    let w = world();
    w.guard(Policy::Propose { floor: 2 });
    w.service().run_round(&w.key).await;
    w.service().approve(&w.key, &World::person()).await.unwrap();
    assert_eq!(w.copies(), 2);
    let record = w.record();
    assert!(record.proposal.is_none());
    assert_eq!(record.revert.unwrap().by, "alice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_rounds_at_once_act_once() {
    let w = world();
    w.guard(Policy::Automatic { floor: 2 });
    // Each look takes a while: without the app's lock both rounds would look before either
    // acts, see no cooldown, and both scale (as the hourly tick and "Check now" once did).
    *lock(&w.cluster.look_takes) = StdDuration::from_millis(50);
    let (first, second) = (w.service(), w.service());
    let (a, b) = tokio::join!(first.run_round(&w.key), second.run_round(&w.key));
    let mut codes = [a.code.as_str(), b.code.as_str()];
    codes.sort();
    // One acts; the other waits for it and then finds the cooldown (not a clash).
    assert_eq!(codes, ["cooldown", "over_budget"], "{a:?} {b:?}");
    assert_eq!(w.told.codes(), ["guard_scaled"]);
    assert_eq!(w.writes(), [copies(2)]);
    let actions: Vec<_> = w
        .audited()
        .into_iter()
        .filter(|a| a.0 == "guardScale")
        .collect();
    assert_eq!(actions.len(), 1);
}

#[tokio::test]
async fn a_person_scaling_between_look_and_write_is_not_overwritten() {
    let w = world();
    w.guard(Policy::Automatic { floor: 2 });
    *lock(&w.cluster.person_scales_to) = Some(1);
    let check = w.service().run_round(&w.key).await;
    // The write found the app changed, looked again, and found it below the floor already.
    assert_eq!(check.code, "at_floor", "{check:?}");
    assert_eq!(w.copies(), 1);
    assert!(w.writes().is_empty());
    assert!(
        w.record().revert.is_none(),
        "no record of a change that did not happen"
    );
    let lines = w.audited();
    assert_eq!(lines, [("guardScale".to_string(), Outcome::Refused)]);
}

#[tokio::test]
async fn a_context_repointed_to_another_cluster_gets_nothing() {
    let w = world();
    w.guard(Policy::Automatic { floor: 2 });
    *lock(&w.cluster.identity) = identity("https://staging.example", "uid-staging");
    let check = w.service().run_round(&w.key).await;
    assert_eq!(
        (check.did.as_str(), check.code.as_str()),
        ("refused", "cluster_changed")
    );
    assert!(w.writes().is_empty());
    assert_eq!(w.told.codes(), ["guard_refused"]);
    // Said once, not every hour.
    w.service().run_round(&w.key).await;
    assert_eq!(w.told.codes().len(), 1);
    // The same server name with another kube-system UID is another cluster too.
    *lock(&w.cluster.identity) = identity("https://prod.example", "uid-rebuilt");
    assert_eq!(w.service().run_round(&w.key).await.code, "cluster_changed");
    let refused = w
        .service()
        .approve(&w.key, &World::person())
        .await
        .unwrap_err();
    assert!(matches!(
        refused,
        GuardError::NoProposal { .. } | GuardError::ClusterChanged { .. }
    ));
}

#[tokio::test]
async fn autoscalers_that_cannot_be_listed_stop_the_guard_and_say_why() {
    let w = world();
    w.guard(Policy::Automatic { floor: 2 });
    *lock(&w.cluster.hidden_autoscalers) = true;
    let check = w.service().run_round(&w.key).await;
    assert_eq!(check.code, "autoscalers_hidden");
    assert_eq!(check.params["namespace"], "shop");
    assert!(w.writes().is_empty());
}

#[tokio::test]
async fn the_autoscaler_path_records_first_and_undoes_the_record_when_the_write_fails() {
    let w = world();
    w.guard(Policy::Automatic { floor: 2 });
    lock(&w.cluster.app).autoscaler = Some(("assistant".into(), Range { min: 3, max: 10 }));
    *lock(&w.cluster.fail_next_write) = Some(GuardError::Cluster(
        crate::cluster::ClusterError::Forbidden {
            verb: "patch".into(),
            resource: "horizontalpodautoscalers".into(),
            namespace: "shop".into(),
        },
    ));
    let check = w.service().run_round(&w.key).await;
    assert_eq!(check.did, "failed");
    assert!(
        w.record().revert.is_none(),
        "the record of a change that failed is undone"
    );
    assert_eq!(w.told.codes(), ["guard_failed"]);
    // After the cooldown the range is lowered, recorded with what it was.
    w.clock.set(NOW + Duration::hours(7));
    w.service().run_round(&w.key).await;
    let revert = w.record().revert.unwrap();
    assert_eq!(revert.previous, Level::Autoscaler { min: 3, max: 10 });
    assert_eq!(revert.set, Level::Autoscaler { min: 2, max: 2 });
    w.service()
        .revert(&w.key, false, HoldChoice::MonthEnd, &World::person())
        .await
        .unwrap();
    assert_eq!(
        lock(&w.cluster.app).autoscaler.as_ref().unwrap().1,
        Range { min: 3, max: 10 }
    );
}

#[tokio::test]
async fn a_last_action_in_the_future_is_ignored_and_said_once() {
    let w = world();
    w.guard(Policy::Automatic { floor: 2 });
    let mut record = w.record();
    record.last_action = Some("2026-11-22T12:00:00Z".into());
    w.records.put(&w.key, record);
    let check = w.service().run_round(&w.key).await;
    assert_eq!(
        check.did, "scaled",
        "a wrong clock does not hold the cooldown"
    );
    assert_eq!(w.told.codes(), ["guard_clock", "guard_scaled"]);
}

#[tokio::test]
async fn a_revert_sticks_until_the_hold_ends_or_the_budget_changes() {
    let w = world();
    w.guard(Policy::Automatic { floor: 2 });
    w.service().run_round(&w.key).await;
    w.service()
        .revert(&w.key, false, HoldChoice::MonthEnd, &World::person())
        .await
        .unwrap();
    assert_eq!(w.copies(), 6);
    w.clock.set(NOW + Duration::hours(7));
    let check = w.service().run_round(&w.key).await;
    assert_eq!(
        (check.code.as_str(), check.params["until"].as_str()),
        ("held", Some("2026-12-01T00:00:00Z"))
    );
    assert_eq!(w.copies(), 6);
    // A new budget ends the hold.
    lock(&w.figures.budget).amount = Some(900.0);
    assert_eq!(w.service().run_round(&w.key).await.did, "scaled");
    assert_eq!(w.copies(), 2);
}

#[tokio::test]
async fn on_a_gitops_app_automatic_proposes_and_says_the_tool_would_undo_it() {
    let w = world();
    w.guard(Policy::Automatic { floor: 2 });
    lock(&w.cluster.app).gitops = Some(GitOps::ArgoCd);
    let check = w.service().run_round(&w.key).await;
    assert_eq!(check.did, "propose");
    assert_eq!(check.params["gitops"], "Argo CD");
    assert!(w.writes().is_empty());
}

#[tokio::test]
async fn copies_put_back_within_minutes_are_reported_with_who_and_not_fought() {
    let w = world();
    w.guard(Policy::Automatic { floor: 2 });
    w.service().run_round(&w.key).await;
    {
        let mut app = lock(&w.cluster.app);
        app.copies = 6;
        app.level_set_by = Some(("argocd-controller".into(), "2026-11-20T12:03:00Z".into()));
    }
    w.clock.set(NOW + Duration::hours(7));
    let check = w.service().run_round(&w.key).await;
    assert_eq!(
        (check.code.as_str(), check.params["who"].as_str()),
        ("undone", Some("Argo CD"))
    );
    assert_eq!(w.writes().len(), 1, "not scaled again");
    w.clock.set(NOW + Duration::hours(14));
    w.service().run_round(&w.key).await;
    assert_eq!(
        w.told
            .codes()
            .iter()
            .filter(|c| *c == "guard_undone")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_persons_later_scale_up_becomes_what_a_revert_puts_back() {
    let w = world();
    w.guard(Policy::Automatic { floor: 2 });
    w.service().run_round(&w.key).await;
    {
        let mut app = lock(&w.cluster.app);
        app.copies = 4;
        app.version += 1;
        app.level_set_by = Some(("kubectl".into(), "2026-11-20T15:00:00Z".into()));
    }
    w.clock.set(NOW + Duration::hours(7));
    assert_eq!(w.service().run_round(&w.key).await.did, "scaled");
    assert_eq!(w.record().revert.unwrap().previous, copies(4));
}

#[tokio::test]
async fn automatic_acts_only_on_money_spent_not_on_a_forecast_alone() {
    let w = world();
    w.guard(Policy::Automatic { floor: 0 });
    let mut record = w.record();
    record.zero_confirmed = true;
    w.records.put(&w.key, record);
    w.figures.set(|f| f.spent = 200.0);
    let check = w.service().run_round(&w.key).await;
    assert_eq!(check.did, "propose");
    assert_eq!(check.params["waitsForSpend"], true);
    assert!(w.writes().is_empty());
}

#[tokio::test]
async fn a_floor_of_zero_must_be_confirmed_once() {
    let w = world();
    let refused = w
        .service()
        .set_policy(&w.key, Policy::Automatic { floor: 0 }, false)
        .await
        .unwrap_err();
    assert!(matches!(refused, GuardError::ZeroUnconfirmed { .. }));
    assert_eq!(w.record().policy, Policy::Off);
    w.service()
        .set_policy(&w.key, Policy::Automatic { floor: 0 }, true)
        .await
        .unwrap();
    assert!(w.record().zero_confirmed);
    // Once confirmed, it is not asked again.
    w.service()
        .set_policy(&w.key, Policy::Propose { floor: 0 }, false)
        .await
        .unwrap();
    // A record that says 0 without the confirmation (an older file) is refused.
    let mut record = w.record();
    record.zero_confirmed = false;
    w.records.put(&w.key, record);
    assert_eq!(w.service().run_round(&w.key).await.code, "zero_unconfirmed");
}

#[tokio::test]
async fn figures_in_another_currency_than_the_budgets_are_refused() {
    let w = world();
    w.guard(Policy::Automatic { floor: 2 });
    lock(&w.figures.budget).currency = "EUR".into();
    let check = w.service().run_round(&w.key).await;
    assert_eq!(
        (check.did.as_str(), check.code.as_str()),
        ("refused", "currency")
    );
    assert!(w.writes().is_empty());
}

#[tokio::test]
async fn a_failed_cost_read_is_told_once_and_changes_nothing() {
    let w = world();
    w.guard(Policy::Automatic { floor: 2 });
    *lock(&w.figures.month) = Err(crate::error::AppError::new("cost_throttled", "x"));
    for _ in 0..3 {
        assert_eq!(w.service().run_round(&w.key).await.code, "cost_failed");
    }
    assert_eq!(w.told.codes(), ["guard_cost_failed"]);
    assert!(w.writes().is_empty());
}

#[tokio::test]
async fn sample_figures_never_move_a_real_cluster() {
    let w = world();
    w.guard(Policy::Automatic { floor: 2 });
    w.figures.set(|f| f.sample = true);
    assert_eq!(w.service().run_round(&w.key).await.code, "sample_figures");
    assert!(w.writes().is_empty());
}

#[tokio::test]
async fn a_record_that_cannot_be_saved_stops_the_change_before_it_is_sent() {
    let w = world();
    w.guard(Policy::Automatic { floor: 2 });
    *lock(&w.records.failing) = true;
    let check = w.service().run_round(&w.key).await;
    assert_eq!(check.did, "failed");
    assert!(w.writes().is_empty(), "no change without its record");
    assert!(w.told.codes().contains(&"guard_failed".to_string()));
}

#[tokio::test]
async fn stale_figures_at_the_request_cap_are_said_once_a_month() {
    let w = world();
    w.guard(Policy::Notify);
    w.figures.set(|f| {
        f.stale = Some(crate::error::AppError::new("cost_request_cap", "x").with("cap", 300));
    });
    w.service().run_round(&w.key).await;
    w.service().run_round(&w.key).await;
    let stale = w
        .told
        .codes()
        .iter()
        .filter(|c| *c == "guard_stale")
        .count();
    assert_eq!(stale, 1);
}

#[tokio::test]
async fn an_update_install_waits_for_the_round_under_way_and_holds_new_ones_off() {
    let w = world();
    w.guard(Policy::Automatic { floor: 2 });
    let before = w.copies();
    let held = w.locks.hold(&w.key).await;
    assert!(w.locks.acting(), "a round under way is seen");
    let pause = w.locks.pause();
    tokio::pin!(pause);
    let waited = tokio::time::timeout(StdDuration::from_millis(50), &mut pause).await;
    assert!(waited.is_err(), "the install waits for the round");
    drop(held);
    let paused = pause.await;
    let service = w.service();
    let round = tokio::time::timeout(StdDuration::from_millis(50), service.run_round(&w.key));
    assert!(round.await.is_err(), "no round starts during an install");
    assert_eq!(w.copies(), before, "nothing was scaled");
    drop(paused);
    assert!(!w.locks.acting());
    let check = w.service().run_round(&w.key).await;
    assert_eq!(check.did, "scaled", "rounds resume after the install");
}
