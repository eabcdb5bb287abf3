//! The guard service when someone else changes the record meanwhile (another desktop, the
//! job in the cluster): read again, decided again, nothing told twice.

use super::*;
use crate::guard::fakes::world;
use crate::guard::Policy;
use crate::sync::lock;

#[tokio::test]
async fn a_record_changed_meanwhile_is_read_again_and_the_round_decided_again() {
    let w = world();
    w.guard(Policy::Automatic { floor: 2 });
    *lock(&w.records.meddles) = 1;
    let check = w.service().run_round(&w.key).await;
    assert_eq!(check.did, "scaled");
    assert_eq!(w.copies(), 2);
    assert_eq!(w.writes().len(), 1, "scaled once, after the fresh read");
    let record = w.record();
    assert_eq!(
        record.told.get("meddled").map(String::as_str),
        Some("1"),
        "theirs kept"
    );
    assert!(record.revert.is_some(), "ours kept");
    assert_eq!(
        w.told.codes(),
        ["guard_scaled"],
        "the conflict itself is not told"
    );
}

#[tokio::test]
async fn a_change_that_meets_only_the_last_check_keeps_the_action_and_its_notice() {
    let w = world();
    w.guard(Policy::Automatic { floor: 2 });
    // The record before the scale saves; the last check after it meets a change.
    *lock(&w.records.meddle_after) = 1;
    *lock(&w.records.meddles) = 1;
    let check = w.service().run_round(&w.key).await;
    assert_eq!(check.did, "scaled", "not run again into its own cooldown");
    assert_eq!(w.writes().len(), 1);
    let record = w.record();
    assert_eq!(
        record.told.get("meddled").map(String::as_str),
        Some("1"),
        "theirs kept"
    );
    assert_eq!(
        record.last_check.map(|c| c.did),
        Some("scaled".into()),
        "kept on a fresh read"
    );
    assert!(record.revert.is_some());
    assert_eq!(w.told.codes(), ["guard_scaled"]);
}

#[tokio::test]
async fn a_record_that_keeps_changing_stops_the_round_without_acting() {
    let w = world();
    w.guard(Policy::Automatic { floor: 2 });
    *lock(&w.records.meddles) = 100;
    let check = w.service().run_round(&w.key).await;
    assert_eq!(check.did, "failed");
    assert_eq!(w.copies(), 6);
    assert!(w.writes().is_empty());
    assert_eq!(
        w.record().told.get("meddled").map(String::as_str),
        Some(CONFLICT_TRIES.to_string().as_str()),
        "one fresh read per try"
    );
    assert!(
        w.told.codes().contains(&"guard_failed".to_string()),
        "{:?}",
        w.told.codes()
    );
}
