//! OpenAI's hard spend limits against a local server that keeps them as the administration
//! API documents (`/v1/organization/projects/{id}/spend_limit` GET/POST/DELETE,
//! `/v1/organization/spend_limit`): 404 for no limit, 401, 403 for a key without the
//! permission, 429 with Retry-After, `enforcement.status` both ways. Through the real
//! async-openai client, then through the facade and the guard: read and shown, set in cents
//! exactly, the floor, propose → approve → set, a revert that puts back exactly what there was.

#[path = "common/guard_world.rs"]
mod guard_world;

use std::time::Duration;

use guard_world::{set_up, target, world};
use purser_core::cost::spend_limit::{self, SpendLimit};
use purser_core::error::AppError;
use purser_core::guard::Lever;
use purser_core::secrets::{CheckError, OpenAiEndpoint, Secret, SecretKind};
use purser_core::settings::SettingsPatch;
use purser_core::Purser;
use serde_json::{json, Value};
use time::macros::datetime;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use purser_test_support::openai_limits::{
    error, mount, SpendLimitApi, ADMIN_KEY, PROJECT, READ_ONLY_KEY,
};

async fn serve(api: &SpendLimitApi) -> MockServer {
    let server = MockServer::start().await;
    mount(api, &server).await;
    server
}

fn endpoint(server: &MockServer) -> OpenAiEndpoint {
    OpenAiEndpoint {
        base_url: format!("{}/v1", server.uri()),
        timeout: Duration::from_secs(5),
    }
}

fn key() -> Secret {
    Secret::new(ADMIN_KEY)
}

#[tokio::test]
async fn a_limit_is_read_set_in_exact_cents_and_deleted() {
    let api = SpendLimitApi::default();
    let server = serve(&api).await;
    let at = endpoint(&server);
    assert_eq!(
        spend_limit::project_limit(&at, &key(), PROJECT)
            .await
            .unwrap(),
        None,
        "404: no limit"
    );
    let cents = purser_core::guard::openai_lever::cents(1234.56);
    let set = spend_limit::set_project_limit(&at, &key(), PROJECT, cents)
        .await
        .unwrap();
    assert_eq!(
        set,
        SpendLimit {
            cents: 123_456,
            enforcing: false
        }
    );
    let changes = api.state().changes.clone();
    assert_eq!(
        changes[0].2,
        json!({"threshold_amount": 123456, "currency": "USD", "interval": "month"})
    );
    // The month's spend reaches it: OpenAI enforces, and Purser says so.
    api.state().spent = 200_000;
    let read = spend_limit::project_limit(&at, &key(), PROJECT)
        .await
        .unwrap();
    assert_eq!(read.map(|l| l.enforcing), Some(true));
    spend_limit::delete_project_limit(&at, &key(), PROJECT)
        .await
        .unwrap();
    assert_eq!(api.project(), None);
    // Deleting what is not there is not an error; an amount of nothing never leaves.
    spend_limit::delete_project_limit(&at, &key(), PROJECT)
        .await
        .unwrap();
    let zero = spend_limit::set_project_limit(&at, &key(), PROJECT, 0).await;
    assert!(matches!(zero, Err(spend_limit::LimitError::BadAmount)));
    assert_eq!(api.state().changes.len(), 3);
    // The organisation's.
    api.state().organisation = Some(500_000);
    let org = spend_limit::organisation_limit(&at, &key()).await.unwrap();
    assert_eq!(org.map(|l| (l.cents, l.enforcing)), Some((500_000, false)));
}

#[tokio::test]
async fn a_wrong_key_a_missing_permission_and_a_429_are_told_plainly() {
    let api = SpendLimitApi::default();
    let server = serve(&api).await;
    let at = endpoint(&server);
    let wrong = spend_limit::project_limit(&at, &Secret::new("test-admin-key-wrong"), PROJECT)
        .await
        .unwrap_err();
    assert!(
        matches!(
            wrong,
            spend_limit::LimitError::Check(CheckError::InvalidKey { .. })
        ),
        "{wrong:?}"
    );
    let restricted = Secret::new(READ_ONLY_KEY);
    let org = spend_limit::organisation_limit(&at, &restricted)
        .await
        .unwrap_err();
    let shown = AppError::from(org);
    assert_eq!(shown.code, "openai_limit_forbidden");
    assert_eq!(shown.params["permission"], "Spend limits: Read");
    let write = spend_limit::set_project_limit(&at, &restricted, PROJECT, 10_000)
        .await
        .unwrap_err();
    assert_eq!(
        AppError::from(write).params["permission"],
        "Spend limits: Write"
    );
    assert!(api.state().changes.is_empty());

    // A 429 with Retry-After is waited out, then answered.
    Mock::given(method("GET"))
        .and(path(format!(
            "/v1/organization/projects/{PROJECT}/spend_limit"
        )))
        .respond_with(error(429, "Slow down", "requests").insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    api.set_project(Some(40_000));
    let read = spend_limit::project_limit(&at, &key(), PROJECT)
        .await
        .unwrap();
    assert_eq!(read.map(|l| l.cents), Some(40_000));
}

/// November's OpenAI costs: `per_day` dollars on each of the 19 full days before the 20th.
fn costs_page(per_day: f64) -> Value {
    let buckets: Vec<Value> = (0..19)
        .map(|d| {
            let start = datetime!(2026-11-01 00:00 UTC) + time::Duration::days(d);
            json!({"object": "bucket", "start_time": start.unix_timestamp(),
                   "end_time": start.unix_timestamp() + 86_400,
                   "results": [{"object": "organization.costs.result",
                                "amount": {"value": per_day, "currency": "usd"},
                                "line_item": "gpt-4o, input", "project_id": PROJECT}]})
        })
        .collect();
    json!({"object": "page", "data": buckets, "has_more": false, "next_page": null})
}

/// The guard's world (AWS at $1,700 by the month's end) with OpenAI at $30 a day: $570
/// spent, $900 by the month's end. A $2,400 budget: AWS's part fits, OpenAI's runs over; the
/// cap offered is $2,400 − $1,700 = $700 (over the floor of $570 + $57), saving $200.
async fn purser_over_by_openai(
    server: &MockServer,
    w: &guard_world::World,
    language: &str,
) -> Purser {
    Mock::given(path("/v1/organization/costs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(costs_page(30.0)))
        .mount(server)
        .await;
    let purser = w.purser();
    set_up(&purser, &[("assistant", 4)]).await;
    let patch = SettingsPatch::from_json(&json!({
        "openaiAdminBaseUrl": format!("{}/v1", server.uri()),
        "openaiProject": PROJECT, "budgetAmount": "2400", "language": language
    }))
    .unwrap();
    purser.update_settings(&patch).unwrap();
    purser
        .store_secret(SecretKind::OpenaiAdminKey, key())
        .await
        .unwrap();
    purser
}

fn actions(purser: &Purser) -> Vec<String> {
    let mut actions: Vec<String> = purser
        .audit_entries(50)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    actions.reverse();
    actions
}

#[tokio::test]
async fn the_window_shows_both_limits_and_sets_a_cap_no_lower_than_the_floor() {
    let w = world().await;
    let api = SpendLimitApi::default();
    api.state().organisation = Some(1_000_000);
    let server = serve(&api).await;
    let purser = purser_over_by_openai(&server, &w, "es").await;
    let shown = purser.openai_limits().await.unwrap();
    assert_eq!(shown.project.as_deref(), Some(PROJECT));
    assert_eq!(shown.project_limit, None, "no limit set");
    assert_eq!(shown.organisation_limit.map(|l| l.cents), Some(1_000_000));
    assert!((shown.spent - 570.0).abs() < 1e-9);
    assert!((shown.month_end - 900.0).abs() < 1e-9);
    let offer = shown.offer.unwrap();
    assert!((offer.offer - 700.0).abs() < 1e-9, "{offer:?}");
    assert!((offer.floor - 627.0).abs() < 1e-9, "{offer:?}");

    // Under the floor: refused, nothing sent.
    let refused = purser.set_openai_cap("600").await.unwrap_err();
    assert_eq!(refused.code, "openai_cap_below_spend");
    assert!(api.state().changes.is_empty());
    let unreadable = purser.set_openai_cap("mil").await.unwrap_err();
    assert_eq!(unreadable.hint_code, "openai_cap_amount");
    // Written the Spanish way: $1,234.56 is 123456 cents.
    let after = purser.set_openai_cap("1.234,56").await.unwrap();
    assert_eq!(api.project(), Some(123_456));
    assert_eq!(after.project_limit.map(|l| l.cents), Some(123_456));
    let record = after.set_by_purser.unwrap();
    assert_eq!((record.previous, record.set), (None, 123_456));
    assert_eq!(actions(&purser).last().unwrap(), "openaiCap");
}

#[tokio::test]
async fn a_key_without_the_permission_is_named_and_the_rest_still_shows() {
    let w = world().await;
    let api = SpendLimitApi::default();
    api.set_project(Some(80_000));
    let server = serve(&api).await;
    let purser = purser_over_by_openai(&server, &w, "en").await;
    purser
        .store_secret(SecretKind::OpenaiAdminKey, Secret::new(READ_ONLY_KEY))
        .await
        .unwrap();
    let shown = purser.openai_limits().await.unwrap();
    assert_eq!(shown.project_limit.map(|l| l.cents), Some(80_000));
    let org = shown.organisation_error.unwrap();
    assert_eq!(
        (org.code.as_str(), &org.params["permission"]),
        ("openai_limit_forbidden", &json!("Spend limits: Read"))
    );
    assert!((shown.spent - 570.0).abs() < 1e-9, "the spend still shows");
    let refused = purser.set_openai_cap("700").await.unwrap_err();
    assert_eq!(refused.params["permission"], "Spend limits: Write");
    assert_eq!(api.project(), Some(80_000));
}

#[tokio::test]
async fn the_guard_proposes_the_cap_the_user_approves_and_a_revert_puts_back_the_old_one() {
    let w = world().await;
    let api = SpendLimitApi::default();
    api.set_project(Some(150_000));
    let server = serve(&api).await;
    let purser = purser_over_by_openai(&server, &w, "en").await;
    purser
        .set_guard_openai_lever(&target(), "assistant", Lever::Propose)
        .await
        .unwrap();
    let told = purser.guard_check().await;
    let codes: Vec<_> = told.iter().map(|n| n.code.as_str()).collect();
    assert_eq!(codes, ["guard_openai_propose"]);
    assert_eq!(told[0].params["saving"], 200.0);
    assert_eq!(api.project(), Some(150_000), "a proposal changes nothing");
    let view = purser.guard_view(&target(), "assistant").await.unwrap();
    assert_eq!(view.openai_proposal.as_ref().map(|p| p.cents), Some(70_000));
    assert_eq!(
        w.copies("assistant").await,
        "4",
        "the copies are left alone"
    );

    purser
        .guard_approve_openai(&target(), "assistant")
        .await
        .unwrap();
    assert_eq!(api.project(), Some(70_000));
    // Someone raises it by hand: the revert asks first, and changes nothing until answered.
    api.set_project(Some(90_000));
    let asked = purser.revert_openai_cap(false).await.unwrap_err();
    assert_eq!(asked.code, "openai_cap_changed");
    assert_eq!(api.project(), Some(90_000));
    let after = purser.revert_openai_cap(true).await.unwrap();
    assert_eq!(api.project(), Some(150_000), "exactly what there was");
    assert!(after.set_by_purser.is_none());
    let tail: Vec<_> = actions(&purser).into_iter().rev().take(4).collect();
    assert_eq!(
        tail,
        [
            "openaiCapRevert",
            "openaiCap",
            "guardOpenAiPropose",
            "guardOpenAiLever"
        ]
    );
    // Set by hand in the window and put back unchanged: no question asked.
    purser.set_openai_cap("700").await.unwrap();
    assert_eq!(api.project(), Some(70_000));
    purser.revert_openai_cap(false).await.unwrap();
    assert_eq!(api.project(), Some(150_000));
}

#[tokio::test]
async fn a_cap_over_no_limit_is_removed_by_the_revert_and_the_automatic_lever_waits() {
    let w = world().await;
    let api = SpendLimitApi::default();
    let server = serve(&api).await;
    let purser = purser_over_by_openai(&server, &w, "en").await;
    purser
        .set_guard_openai_lever(&target(), "assistant", Lever::Automatic)
        .await
        .unwrap();
    let told = purser.guard_check().await;
    assert_eq!(told[0].code, "guard_openai_capped");
    assert_eq!(api.project(), Some(70_000));
    // The next round (same hour) writes nothing.
    let writes = api.state().changes.len();
    purser.guard_check().await;
    assert_eq!(api.state().changes.len(), writes);
    purser.revert_openai_cap(false).await.unwrap();
    assert_eq!(api.project(), None, "no limit before: Purser's is deleted");
    let deletes = api
        .state()
        .changes
        .iter()
        .filter(|(verb, _, _)| verb == "DELETE")
        .count();
    assert_eq!(deletes, 1);
}
