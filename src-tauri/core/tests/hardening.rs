//! Hardening, third pass, through the facade with real peers: a kubeconfig that does not
//! parse never shows its lines, the key is not deployed to a cluster reached without a checked
//! certificate unless the user says so, the cost view reads AWS and OpenAI at once and gives
//! OpenAI a deadline, one OpenAI request meter under concurrent reads, no key ending or address
//! in OpenAI's cached files, and a preview on a real cluster never weighed against sample
//! figures.

#[path = "common/guard_world.rs"]
mod guard_world;

use std::sync::Arc;
use std::time::{Duration, Instant};

use guard_world::{set_up, target, world};
use purser_core::chart::Theme;
use purser_core::cluster::{AppSpec, KubeconfigSource};
use purser_core::cost::RequestMeter;
use purser_core::secrets::{Secret, SecretKind};
use purser_core::settings::SettingsPatch;
use purser_core::testing::FixedClock;
use purser_core::{AppDirs, Backends, Purser};
use purser_test_support::kube::{Cluster, CONTEXT};
use serde_json::{json, Value};
use time::macros::datetime;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const CANARY: &str = "kubeconfig-token-CANARY-5b7c9d";

/// A kubeconfig whose `token:` line sits right above the line that breaks it: the parser's
/// own message quotes both.
#[tokio::test]
async fn a_kubeconfig_that_does_not_parse_is_told_by_line_and_column_only() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("config");
    std::fs::write(
        &file,
        format!(
            "apiVersion: v1\nkind: Config\nusers:\n- name: me\n  user:\n    token: {CANARY}\n    client-key-data: [unclosed\n"
        ),
    )
    .unwrap();
    let purser = Purser::new(
        AppDirs::under(dir.path()),
        None,
        Backends {
            kubeconfig: KubeconfigSource::Files(vec![file]),
            ..purser_core::testing::backends()
        },
    );
    let list = purser.kube_contexts();
    let problem = list.problem.expect("the kubeconfig is unreadable");
    let shown = serde_json::to_string(&problem).unwrap();
    assert!(!shown.contains(CANARY), "{shown}");
    assert!(shown.contains("line 7"), "where it broke: {shown}");
    let refused = purser.kube_connect("me").await.unwrap_err();
    let shown = serde_json::to_string(&refused).unwrap();
    assert!(!shown.contains(CANARY), "{shown}");
    let mut written = String::new();
    for folder in ["config", "data", "cache"] {
        for entry in std::fs::read_dir(dir.path().join(folder))
            .into_iter()
            .flatten()
            .flatten()
        {
            written.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
    }
    assert!(
        !written.contains(CANARY),
        "nothing Purser wrote holds the token"
    );
}

fn form() -> AppSpec {
    serde_json::from_value(
        json!({"name": "assistant", "image": "ghcr.io/acme/assistant:1.0",
        "replicas": 1, "port": 8080}),
    )
    .unwrap()
}

/// A context that skips the certificate check: connecting says so, the key is not sent (not
/// even in the preview's dry run) without a yes, and is sent after one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_goes_to_a_cluster_without_a_checked_certificate_only_after_a_yes() {
    let cluster = Cluster::start().await;
    let dir = tempfile::tempdir().unwrap();
    let unchecked: String = std::fs::read_to_string(cluster.kubeconfig_path())
        .unwrap()
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("certificate-authority-data:") {
                "    insecure-skip-tls-verify: true".to_string()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let file = dir.path().join("kubeconfig");
    std::fs::write(&file, unchecked).unwrap();
    let purser = Purser::new(
        AppDirs::under(dir.path()),
        None,
        Backends {
            kubeconfig: KubeconfigSource::Files(vec![file]),
            ..purser_core::testing::backends()
        },
    );
    purser
        .store_secret(
            SecretKind::OpenaiApiKey,
            Secret::new("fake-key-INSECURECANARY"),
        )
        .await
        .unwrap();
    let info = purser.kube_connect(CONTEXT).await.unwrap();
    assert_eq!(
        serde_json::to_value(info.insecure).unwrap(),
        json!("skipVerify")
    );
    let refused = purser.preview(&target(), &form()).await.unwrap_err();
    assert_eq!(
        (refused.code.as_str(), refused.hint_code.as_str()),
        ("kube_insecure_key", "kube_insecure_skip_verify")
    );
    let refused = purser.deploy(&target(), &form(), false).await.unwrap_err();
    assert_eq!(refused.code, "kube_insecure_key");
    let secrets = cluster.kubectl_ok(&["get", "secrets", "-o", "name"]).await;
    assert!(
        !secrets.contains("assistant"),
        "nothing was sent: {secrets}"
    );

    purser.preview_over(&target(), &form(), true).await.unwrap();
    purser
        .deploy_over(&target(), &form(), false, true)
        .await
        .unwrap();
    let secrets = cluster.kubectl_ok(&["get", "secrets", "-o", "name"]).await;
    assert!(secrets.contains("secret/assistant-openai"), "{secrets}");
}

fn costs_page() -> Value {
    let start = datetime!(2026-11-02 00:00 UTC).unix_timestamp();
    json!({"object": "page", "has_more": false, "next_page": null, "data": [
        {"object": "bucket", "start_time": start, "end_time": start + 86_400,
         "results": [{"object": "organization.costs.result",
                      "amount": {"value": 25.0, "currency": "usd"},
                      "line_item": "gpt-4o, input", "project_id": "proj_a"}]}]})
}

async fn openai_server(delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/v1/organization/costs"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(costs_page())
                .set_delay(delay),
        )
        .mount(&server)
        .await;
    server
}

/// AWS and OpenAI are read at once: each answers after a second, and the view takes about one
/// second, not two. An OpenAI that does not answer within its deadline leaves the AWS figures
/// shown alone, saying why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cost_view_reads_aws_and_openai_at_once_and_openai_has_a_deadline() {
    let w = world().await;
    let slow = Duration::from_millis(1200);
    Mock::given(wiremock::matchers::method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(
                    json!({"Total": {"Amount": "600", "Unit": "USD"}, "ForecastResultsByTime": []})
                        .to_string(),
                    "application/x-amz-json-1.1",
                )
                .set_delay(slow),
        )
        .with_priority(1)
        .mount(&w.forecast)
        .await;
    let openai = openai_server(slow).await;
    let purser = w.purser();
    set_up(&purser, &[]).await;
    let patch =
        SettingsPatch::from_json(&json!({"openaiAdminBaseUrl": format!("{}/v1", openai.uri())}))
            .unwrap();
    purser.update_settings(&patch).unwrap();
    purser
        .store_secret(
            SecretKind::OpenaiAdminKey,
            Secret::new("test-admin-key-both"),
        )
        .await
        .unwrap();
    let started = Instant::now();
    let view = purser.cost_view(true, Theme::Light, 640).await.unwrap();
    let took = started.elapsed();
    assert!(view.openai.unwrap().spend.is_some());
    assert!(
        took < slow * 2,
        "one after the other would take {:?}; took {took:?}",
        slow * 2
    );

    let late = openai_server(Duration::from_secs(5)).await;
    let mut backends = w.backends(Arc::new(FixedClock(datetime!(2026-11-20 12:00 UTC))));
    backends.timeouts.openai = Duration::from_millis(300);
    let purser = w.purser_with(backends);
    let patch =
        SettingsPatch::from_json(&json!({"openaiAdminBaseUrl": format!("{}/v1", late.uri())}))
            .unwrap();
    purser.update_settings(&patch).unwrap();
    let started = Instant::now();
    let view = purser.cost_view(true, Theme::Light, 640).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "OpenAI's slowness did not hold AWS back"
    );
    let part = view.openai.unwrap();
    assert_eq!(part.error.unwrap().code, "openai_slow");
    assert!(
        !view.report.series.months.is_empty(),
        "AWS's figures are shown"
    );
}

/// Two reads at once are both counted (a meter per read once lost one), and OpenAI's cached
/// files hold neither the key's ending nor the address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_reads_are_all_counted_and_the_cache_names_neither_key_nor_address() {
    let openai = openai_server(Duration::from_millis(100)).await;
    let dir = tempfile::tempdir().unwrap();
    let purser = Purser::new(
        AppDirs::under(dir.path()),
        None,
        Backends {
            clock: Arc::new(FixedClock(datetime!(2026-11-20 12:00 UTC))),
            ..purser_core::testing::backends()
        },
    );
    let address = format!("{}/v1", openai.uri());
    let patch = SettingsPatch::from_json(&json!({"openaiAdminBaseUrl": address})).unwrap();
    purser.update_settings(&patch).unwrap();
    purser
        .store_secret(
            SecretKind::OpenaiAdminKey,
            Secret::new("test-admin-key-zq9w"),
        )
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        purser.cost_view(true, Theme::Light, 640),
        purser.cost_view(true, Theme::Light, 640)
    );
    a.unwrap();
    b.unwrap();
    let asked = openai.received_requests().await.unwrap().len() as u32;
    let counted = RequestMeter::named(&dir.path().join("data"), "openai-requests.json")
        .requests_in("2026-11");
    assert_eq!(counted, asked, "every request counted");
    for entry in std::fs::read_dir(dir.path().join("cache"))
        .unwrap()
        .flatten()
    {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        assert!(
            !text.contains("zq9w"),
            "the key's ending is not in {:?}",
            entry.path()
        );
        assert!(
            !text.contains(&openai.uri()),
            "the address is not in {:?}",
            entry.path()
        );
    }
}

/// Without AWS the figures are made up: beside a real cluster the preview gives the change's
/// cost but not a forecast.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_clusters_preview_is_never_weighed_against_sample_figures() {
    let w = world().await;
    let purser = w.purser();
    set_up(&purser, &[("assistant", 3)]).await;
    for kind in [SecretKind::AwsAccessKeyId, SecretKind::AwsSecretAccessKey] {
        purser.delete_secret(kind).await.unwrap();
    }
    let preview = purser
        .scale_preview(&target(), "assistant", 5)
        .await
        .unwrap();
    assert!(preview.forecast_unknown);
    assert_eq!(preview.month_end, None);
    assert_eq!(preview.new_month_end, None);
    assert!(preview.monthly_change.unwrap() > 0.0);
    let refused = purser
        .scale_preview(&target(), "assistant", i64::MAX)
        .await
        .unwrap_err();
    assert_eq!(refused.fields[0].code, "replicas_range");
}
