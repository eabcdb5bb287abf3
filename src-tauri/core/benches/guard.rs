//! Budget guard benchmarks (`cargo bench -p purser-core --bench guard`): prints figures,
//! asserts nothing.
//!
//! - one evaluation of 10 apps over 13 months of cached figures: the cached report read from
//!   disk and 10 decisions (goal ≤ 1 ms);
//! - one guard round over 10 apps through the guard service with fake ports (records, look,
//!   figures, decision, audit line when one is due; goal ≤ 1 ms);
//! - Cost Explorer requests made by 24 hourly guard checks over a day, and by 100 moves of
//!   the scale slider (goal: none beyond the cache's own refreshes, every 6 hours), counted
//!   by Purser's request meter against moto and a local forecast server, with an app on the
//!   Kubernetes API test server.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::Criterion;
use purser_core::cluster::{AppSpec, KubeconfigSource, Target};
use purser_core::cost::{
    CachedReport, CostCache, CostSeries, Forecast, ForecastState, MonthCost, RequestMeter,
};
use purser_core::guard::{evaluate, Copies, Inputs, Policy};
use purser_core::month::Month;
use purser_core::secrets::{Secret, SecretKind};
use purser_core::settings::SettingsPatch;
use purser_core::testing::{ManualClock, MemoryStore};
use purser_core::{AppDirs, AwsEndpoints, Backends, Purser};
use purser_test_support::kube::{Cluster, CONTEXT};
use purser_test_support::moto::Moto;
use serde_json::json;
use time::macros::datetime;

fn thirteen_months() -> CachedReport {
    let start = Month {
        year: 2025,
        month: 11,
    };
    CachedReport {
        fetched_at: 0,
        series: CostSeries {
            currency: "USD".into(),
            months: (0..13)
                .map(|i| MonthCost {
                    month: start.plus(i).iso_start(),
                    services: (0..10)
                        .map(|s| (format!("Service {s}"), 40.0 + f64::from(s * 3 + i)))
                        .collect(),
                    estimated: i == 12,
                })
                .collect(),
        },
        forecast: ForecastState::Available(Forecast {
            remaining_mean: 300.0,
            remaining_low: 250.0,
            remaining_high: 380.0,
        }),
    }
}

fn evaluation(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let cache = CostCache::new(dir.path().to_path_buf());
    cache.put("bench", &thirteen_months());
    let policies: Vec<Policy> = (0..10)
        .map(|i| match i % 4 {
            0 => Policy::Notify,
            1 => Policy::Propose { floor: 1 },
            2 => Policy::Automatic { floor: 2 },
            _ => Policy::Off,
        })
        .collect();
    let now = datetime!(2026-11-20 12:00 UTC);
    c.bench_function("guard_evaluate_10_apps_13_months_cached", |b| {
        b.iter(|| {
            let report = cache.get("bench").unwrap();
            let current = report.series.months.last().unwrap();
            let spent = current.total();
            let month_end = report.forecast.forecast().map(|f| spent + f.remaining_mean);
            for (i, policy) in policies.iter().enumerate() {
                black_box(evaluate(&Inputs {
                    spent,
                    month_end,
                    currency: &report.series.currency,
                    budget: Some(700.0),
                    budget_currency: "USD",
                    thresholds: &[80, 100],
                    policy,
                    copies: Copies {
                        current: 3 + i as i32,
                        autoscaler: None,
                    },
                    cost_per_copy: Some(10.63),
                    last_action: None,
                    cooldown: time::Duration::hours(6),
                    notified: &[],
                    now,
                }));
            }
        })
    });
}

// Long: the peers, the app and the day of checks, in the order they happen.
/// 24 guard checks an hour apart, as the schedule runs them: how many Cost Explorer requests.
async fn a_day_of_checks() {
    let moto = Moto::start();
    let page = json!({"ResultsByTime": [{
        "TimePeriod": {"Start": "2026-11-01", "End": "2026-12-01"}, "Total": {}, "Estimated": true,
        "Groups": [{"Keys": ["Amazon Elastic Kubernetes Service"],
                    "Metrics": {"UnblendedCost": {"Amount": "700", "Unit": "USD"}}}]
    }]});
    moto.control_json(
        "/moto-api/static/ce/cost-and-usage-results",
        &json!({"results": [page]}),
    )
    .await;
    let forecast = purser_test_support::forecast::server("600", "500", "700").await;
    let cluster = Cluster::start().await;
    let dir = tempfile::tempdir().unwrap();
    let start = datetime!(2026-11-20 00:05 UTC);
    let clock = Arc::new(ManualClock::new(start));
    let purser = Purser::new(
        AppDirs::under(dir.path()),
        None,
        Backends {
            secrets: Arc::new(MemoryStore::default()),
            kubeconfig: KubeconfigSource::Files(vec![cluster.kubeconfig_path()]),
            aws: AwsEndpoints {
                sts: Some(moto.url.clone()),
                cost_usage: Some(moto.url.clone()),
                cost_forecast: Some(forecast.uri()),
            },
            clock: clock.clone(),
            ..purser_core::testing::backends()
        },
    );
    for (kind, value) in [
        (SecretKind::OpenaiApiKey, "test-openai-key-bench"),
        (SecretKind::AwsAccessKeyId, "TESTACCESSKEY0001"),
        (
            SecretKind::AwsSecretAccessKey,
            "benchGuardSecret0000000000000000000000",
        ),
    ] {
        purser.store_secret(kind, Secret::new(value)).await.unwrap();
    }
    let patch = SettingsPatch::from_json(&json!({"budgetAmount": "1000"})).unwrap();
    purser.update_settings(&patch).unwrap();
    purser.kube_connect(CONTEXT).await.unwrap();
    let target = Target {
        context: CONTEXT.into(),
        namespace: "default".into(),
    };
    let spec: AppSpec = serde_json::from_value(json!({
        "name": "assistant", "image": "ghcr.io/acme/assistant:1.0", "replicas": 3, "port": 8080,
        "cpuRequest": "250m", "memoryRequest": "512Mi"
    }))
    .unwrap();
    purser.deploy(&target, &spec, false).await.unwrap();
    purser
        .set_guard_policy(&target, "assistant", Policy::Notify, false)
        .await
        .unwrap();
    let mut told = 0;
    let mut slowest = Duration::ZERO;
    for hour in 0..24 {
        clock.set(start + time::Duration::hours(hour));
        let started = Instant::now();
        told += purser.guard_check().await.len();
        slowest = slowest.max(started.elapsed());
    }
    // Read after the checks: the meter loads its count from disk when made.
    let counted = || RequestMeter::new(&dir.path().join("data")).requests_in("2026-11");
    let requests = counted();
    println!(
        "24 hourly guard checks over one day: {requests} Cost Explorer requests \
         (the cache refreshes every 6 h: 4 refreshes × usage + forecast = 8 expected; 0 beyond), \
         {told} notices, slowest check {:.1} ms (cluster read included)",
        slowest.as_secs_f64() * 1000.0
    );
    let started = Instant::now();
    for copies in 0..100 {
        purser
            .scale_preview(&target, "assistant", copies % 20)
            .await
            .unwrap();
    }
    println!(
        "100 scale slider moves: {} Cost Explorer requests beyond the checks' (0 expected: \
         the cached figures serve them), {:.2} ms a move",
        counted() - requests,
        started.elapsed().as_secs_f64() * 10.0
    );
}

/// One round over 10 apps as the schedule runs it, through the guard service with fake ports:
/// after the first iteration every app is in its steady state (told, proposed or in the
/// cooldown), as an hourly round mostly finds them.
fn round_of_ten(c: &mut Criterion) {
    use purser_core::audit::AuditLog;
    use purser_core::guard::fakes::{FakeCluster, FakeFigures, FakeOpenAi, FakeRecords, Kept};
    use purser_core::guard::{AppKey, AppRecord, GuardService, Ports, RoundLocks};
    let dir = tempfile::tempdir().unwrap();
    let (cluster, figures, openai, records, told) = (
        FakeCluster::default(),
        FakeFigures::default(),
        FakeOpenAi::default(),
        FakeRecords::default(),
        Kept::default(),
    );
    let audit = AuditLog::new(dir.path());
    let clock = ManualClock::new(datetime!(2026-11-20 12:00 UTC));
    let locks = RoundLocks::default();
    let keys: Vec<AppKey> = (0..10)
        .map(|i| AppKey {
            context: "prod".into(),
            namespace: "shop".into(),
            app: format!("app-{i}"),
        })
        .collect();
    for (i, key) in keys.iter().enumerate() {
        let policy = match i % 3 {
            0 => Policy::Notify,
            1 => Policy::Propose { floor: 1 },
            _ => Policy::Automatic { floor: 2 },
        };
        records.put(
            key,
            AppRecord {
                policy,
                ..AppRecord::default()
            },
        );
    }
    let service = GuardService::new(
        Ports {
            cluster: &cluster,
            figures: &figures,
            openai: &openai,
            records: &records,
            clock: &clock,
            notifier: &told,
            audit: &audit,
        },
        &locks,
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    c.bench_function("guard_round_10_apps_fake_ports", |b| {
        b.iter(|| {
            runtime.block_on(async {
                for key in &keys {
                    black_box(service.run_round(key).await);
                }
            });
            told.clear();
        })
    });
}

/// Requests to OpenAI of a day of hourly rounds with the OpenAI lever on, inside the budget and
/// then over it (proposing once): one read of the limit a round, a write only when acting.
fn openai_requests_a_round() {
    use purser_core::guard::fakes::world;
    use purser_core::guard::{AppRecord, Lever};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let w = world();
    *purser_core::sync::lock(&w.openai.project) = Some("proj_app".into());
    w.records.put(
        &w.key,
        AppRecord {
            policy: Policy::Notify,
            openai_lever: Lever::Automatic,
            ..AppRecord::default()
        },
    );
    w.figures.set(|f| {
        f.spent = 500.0;
        f.month_end = Some(900.0);
        f.openai_spent = 200.0;
        f.openai_month_end = 350.0;
    });
    let start = datetime!(2026-11-20 00:05 UTC);
    for hour in 0..24 {
        if hour == 12 {
            // OpenAI's part grows past what the budget leaves it.
            w.figures.set(|f| {
                f.month_end = Some(1300.0);
                f.openai_month_end = 750.0;
            });
        }
        w.clock.set(start + time::Duration::hours(hour));
        runtime.block_on(w.service().run_round(&w.key));
    }
    let reads = *purser_core::sync::lock(&w.openai.reads);
    let writes = *purser_core::sync::lock(&w.openai.writes);
    println!(
        "24 hourly rounds with the OpenAI lever on (automatic, over the budget from hour 12): \
         {reads} reads of the limit ({:.1} a round; goal 1), {writes} writes (goal: 1, when it caps)",
        f64::from(reads) / 24.0
    );
}

fn main() {
    openai_requests_a_round();
    let mut criterion = Criterion::default().configure_from_args().sample_size(50);
    evaluation(&mut criterion);
    round_of_ten(&mut criterion);
    criterion.final_summary();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(a_day_of_checks());
}
