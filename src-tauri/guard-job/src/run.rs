//! One run = one check: read the shared record; use its figures while fresh, else ask Cost
//! Explorer once and keep the answer in the record; run the guard service's round (the same
//! `evaluate`, levers, reasons and audit lines as the desktop); write what it told as Events
//! on the Deployment.

use std::sync::Arc;
use std::time::Duration;

use purser_core::audit::AuditLog;
use purser_core::clock::{parse_rfc3339, rfc3339, Clock, SystemClock};
use purser_core::cluster::{ClusterService, KubeconfigSource};
use purser_core::cost::{
    load_report, CostCache, CostEndpoints, CostExplorer, CostQuery, ReportRequest, RequestMeter,
};
use purser_core::error::AppError;
use purser_core::guard::cluster_ops::{AutoscalerSight, EventKind, GuardOps, Reach};
use purser_core::guard::ports::{BudgetRule, MonthFigures};
use purser_core::guard::{
    AppKey, ClusterRecords, GuardError, GuardService, KeptFigures, LastCheck, Policy, Ports,
    RoundLocks, Shared,
};
use purser_core::month::Month;

use crate::ports::{JobCluster, JobFigures, NoOpenAi, Told};
use crate::setup::{Setup, CONTEXT};

/// Cost Explorer is asked at most this often: AWS refreshes billing data about three times a
/// day, and each request costs $0.01.
pub const FIGURES_FRESH_FOR: time::Duration = time::Duration::hours(6);

/// Who the job is, in records and Events.
pub const COMPONENT: &str = "purser-guard";

/// What a run found, and whether it could judge.
pub struct RunOutcome {
    pub check: LastCheck,
    /// Whether Cost Explorer was asked in this run.
    pub asked_cost_explorer: bool,
}

impl RunOutcome {
    /// Whether the guard could judge the app (the job's exit code is non-zero otherwise).
    pub fn judged(&self) -> bool {
        !matches!(self.check.did.as_str(), "failed" | "refused")
    }
}

fn fresh(kept: &KeptFigures, now: time::OffsetDateTime) -> bool {
    kept.month == Month::of(now.date()).to_string()
        && parse_rfc3339(&kept.read_at).is_some_and(|at| {
            at <= now + time::Duration::minutes(5) && now - at < FIGURES_FRESH_FOR
        })
}

/// The month's figures from Cost Explorer, through the pod's AWS role.
async fn ask_cost_explorer(
    setup: &Setup,
    shared: &Shared,
    now: time::OffsetDateTime,
) -> Result<KeptFigures, AppError> {
    let config = purser_core::secrets::workload_sdk_config().await;
    let endpoints = CostEndpoints {
        usage: setup.cost_usage.clone(),
        forecast: setup.cost_forecast.clone(),
    };
    let explorer = CostExplorer::new(&config, &endpoints, None);
    let query = CostQuery {
        account: "cluster".into(),
        months: 1,
        metric: Default::default(),
        tag: shared
            .budget
            .as_ref()
            .and_then(|b| b.cost_tag.as_deref())
            .and_then(purser_core::cost::tag_pair),
        linked_account: None,
    };
    let cache = CostCache::new(setup.dir.join("cost-cache"));
    let meter = RequestMeter::new(&setup.dir);
    let report = load_report(ReportRequest {
        source: &explorer,
        cache: &cache,
        meter: &meter,
        query: &query,
        now,
        ttl: Duration::ZERO,
        force: true,
    })
    .await
    .map_err(AppError::from)?;
    let figures = MonthFigures::of_report(&report);
    Ok(KeptFigures {
        month: Month::of(now.date()).to_string(),
        spent: figures.spent,
        month_end: figures.month_end,
        currency: figures.currency,
        read_at: figures.read_at.unwrap_or_else(|| rfc3339(now)),
    })
}

/// The month's figures for the round: the record's while fresh, else Cost Explorer's. `None`
/// when the guard is off (nothing is asked, nothing paid). The round starts from this read.
async fn figures(
    setup: &Setup,
    records: &ClusterRecords<'_>,
    key: &AppKey,
    shared: &Shared,
    now: time::OffsetDateTime,
) -> (Option<Result<MonthFigures, GuardError>>, bool) {
    if shared.record.policy == Policy::Off {
        return (None, false);
    }
    if let Some(kept) = shared.figures.as_ref().filter(|k| fresh(k, now)) {
        return (Some(Ok(kept.figures())), false);
    }
    match ask_cost_explorer(setup, shared, now).await {
        Ok(kept) => {
            let figures = kept.figures();
            // Written with the round's own record, so the next run (and every desktop)
            // reads them instead of asking again.
            records.stage(key, |shared| shared.figures = Some(kept));
            (Some(Ok(figures)), true)
        }
        Err(error) => (Some(Err(GuardError::Figures(error))), true),
    }
}

/// One check of the app `setup` names.
pub async fn run(setup: &Setup) -> Result<RunOutcome, GuardError> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let service = ClusterService::new(
        KubeconfigSource::Files(vec![setup.kubeconfig.clone()]),
        &setup.dir,
    )
    .with_audit(AuditLog::new(&setup.dir).mirrored());
    let mut ops = GuardOps::new(&service, Reach::Named);
    ops.autoscaler = AutoscalerSight::Named(setup.autoscaler.clone());
    let key = AppKey {
        context: CONTEXT.into(),
        namespace: setup.namespace.clone(),
        app: setup.app.clone(),
    };
    let records = ClusterRecords::new(&ops);
    let now = clock.now();
    let shared = records.read(&key).await?;
    if shared.version.is_empty() {
        // The job may update the record, never make one: its budget is a person's to set.
        return Err(GuardError::NoSharedRecord {
            app: key.app,
            namespace: key.namespace,
        });
    }
    let (month, asked_cost_explorer) = figures(setup, &records, &key, &shared, now).await;
    // The round starts from this read: the record is read once per run.
    records.stage(&key, |_| ());
    let cluster = JobCluster {
        ops: &ops,
        recorded: shared.record.cluster.clone(),
    };
    let figures = JobFigures {
        budget: shared.budget.as_ref().map_or(
            BudgetRule {
                amount: None,
                currency: "USD".into(),
                thresholds: Vec::new(),
            },
            |b| b.rule(),
        ),
        month,
        prices: Default::default(),
    };
    let told = Told::default();
    let ports = Ports {
        cluster: &cluster,
        figures: &figures,
        openai: &NoOpenAi,
        records: &records,
        clock: &*clock,
        notifier: &told,
        audit: service.audit(),
    };
    let locks = RoundLocks::default();
    let check = GuardService::new(ports, &locks).run_round(&key).await;
    let outcome = RunOutcome {
        check,
        asked_cost_explorer,
    };
    let kind = if outcome.judged() {
        EventKind::Normal
    } else {
        EventKind::Warning
    };
    for notice in told.take() {
        let event = ("PurserGuard", notice.message.as_str());
        if let Err(error) = ops.event(&key, event, kind, COMPONENT, clock.now()).await {
            tracing::warn!(%error, "the Event was not written");
        }
    }
    Ok(outcome)
}
