//! One run = one check: read the shared record; run the guard service's round over it (the
//! same `evaluate`, levers, reasons and audit lines as the desktop), with figures from the
//! record while fresh, else from Cost Explorer once; write what it told as Events on the
//! Deployment.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use purser_core::audit::AuditLog;
use purser_core::clock::{Clock, SystemClock};
use purser_core::cluster::{ClusterService, KubeconfigSource};
use purser_core::error::AppError;
use purser_core::guard::cluster_ops::{AutoscalerSight, EventKind, GuardOps, Reach};
use purser_core::guard::{
    AppKey, ClusterRecords, GuardError, GuardService, LastCheck, Ports, RoundLocks,
};

use crate::figures::JobFigures;
use crate::ports::{JobCluster, NoOpenAi};
use crate::setup::{Setup, CONTEXT};
use purser_core::guard::ports::Told;

/// Who the job is, in records and Events.
pub const COMPONENT: &str = "purser-guard";

/// Notices that say what the guard did or proposes; every other one (a refusal, a failure,
/// an undone action, a wrong clock) is a Warning.
const NORMAL: &[&str] = &[
    "guard_notify",
    "guard_propose",
    "guard_scaled",
    "guard_openai_notify",
    "guard_openai_propose",
    "guard_openai_capped",
];

/// What a run found, and whether it could judge.
pub struct RunOutcome {
    pub check: LastCheck,
    /// Whether Cost Explorer was asked in this run.
    pub asked_cost_explorer: bool,
    /// What it told (written as Events).
    pub told: Vec<AppError>,
}

impl RunOutcome {
    /// Whether the guard judged the app and kept what it found (the job's exit code is
    /// non-zero otherwise, so a failed CronJob run shows in every dashboard).
    pub fn judged(&self) -> bool {
        !matches!(self.check.did.as_str(), "failed" | "refused")
            && !self.told.iter().any(|n| n.code == "guard_failed")
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
    let shared = records.read(&key).await?;
    if shared.version.is_empty() {
        // The job may update the record, never make one: its budget is a person's to set.
        return Err(GuardError::NoSharedRecord {
            app: key.app,
            namespace: key.namespace,
        });
    }
    // The round starts from this read: the record is read once per run.
    records.reuse_next();
    let cluster = JobCluster {
        ops: &ops,
        recorded: shared.record.cluster.clone(),
    };
    let figures = JobFigures::new(&records, &key, setup);
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
        asked_cost_explorer: figures.asked_cost_explorer.load(Ordering::Relaxed),
        told: told.take(),
    };
    for notice in &outcome.told {
        let kind = if NORMAL.contains(&notice.code.as_str()) {
            EventKind::Normal
        } else {
            EventKind::Warning
        };
        let event = ("PurserGuard", notice.message.as_str());
        if let Err(error) = ops.event(&key, event, kind, COMPONENT, clock.now()).await {
            tracing::warn!(%error, "the Event was not written");
        }
    }
    Ok(outcome)
}
