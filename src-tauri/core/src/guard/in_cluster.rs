//! The guard in the cluster as a desktop sees it: whether `purser-guard` is installed for an
//! app (its CronJob), what its last run found (the shared record), when it runs next, and
//! whether it is working. While it is installed the desktop's own schedule stands aside for
//! that app, so two guards never act on one app; only when it is not working, and only if
//! the person chooses, does this computer guard the app in its place.

use std::str::FromStr;

use croner::Cron;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::jiff::{tz::TimeZone, Timestamp, Zoned};
use kube::api::PostParams;
use kube::Api;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::cluster_ops::GuardOps;
use super::install::guard_name;
use super::record::LastCheck;
use super::shared::{record_name, Changed, ClusterRecords, SharedBudget};
use super::{AppKey, GuardError};
use crate::cluster::ClusterService;
use crate::error::AppError;

/// A scheduled run has this long to leave its check in the record: the CronJob's starting
/// deadline (600 s) and its run's deadline (300 s), and a little for the clocks.
pub const RUN_GRACE: Duration = Duration::minutes(16);

/// How the guard in the cluster is doing, for the window's line and the desktop's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// It checks on schedule.
    Working,
    /// Installed, its first check not made yet and not late.
    FirstRunDue,
    /// Its last run could not judge, or was refused what it needed (the last check says
    /// why: a missing AWS permission, a cluster that cannot be reached…).
    CouldNotJudge,
    /// Its last run did not finish (the job failed, its image was not pulled, it ran out of
    /// time) and left no check.
    RunFailed,
    /// A run that was due left no check: the job did not start, or is stuck.
    Late,
    /// Suspended in the cluster.
    Suspended,
    /// Its record is damaged.
    RecordUnreadable,
    /// Its record cannot be read from this computer (no right to, or no answer).
    RecordHidden,
}

impl Health {
    /// Whether the guard in the cluster looks after the app now.
    pub fn working(self) -> bool {
        matches!(self, Health::Working | Health::FirstRunDue)
    }
}

/// The guard in the cluster for one app, as its CronJob and record say.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InCluster {
    /// Cron format, as installed.
    pub schedule: String,
    pub health: Health,
    /// What its last run found and did.
    pub last_check: Option<LastCheck>,
    /// When its job last started (RFC 3339).
    pub last_run: Option<String>,
    /// When it runs next (RFC 3339), unless suspended or the schedule is not read here.
    pub next: Option<String>,
    /// The record's problem, when it cannot be read (a code for the window's words).
    pub problem: Option<String>,
    /// Who changed the shared budget or policy last, and when.
    pub changed: Option<Changed>,
    /// The budget every stakeholder's Purser shows for the app.
    pub budget: Option<SharedBudget>,
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn parse(at: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(at, &Rfc3339).ok()
}

fn from_k8s(at: &Timestamp) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(at.as_second()).ok()
}

/// The schedule's first run after `after`, on the clock of `zone` (a CronJob without a time
/// zone runs on the controller's clock, UTC on EKS and most clusters).
fn next_run(cron: &Cron, zone: &TimeZone, after: OffsetDateTime) -> Option<OffsetDateTime> {
    let start: Zoned = Timestamp::from_second(after.unix_timestamp())
        .ok()?
        .to_zoned(zone.clone());
    let next = cron.find_next_occurrence(&start, false).ok()?;
    OffsetDateTime::from_unix_timestamp(next.timestamp().as_second()).ok()
}

/// The clock a CronJob's schedule is read on; `None` for a zone not known here.
fn zone_of(job: &CronJob) -> Option<TimeZone> {
    match job.spec.as_ref().and_then(|s| s.time_zone.as_deref()) {
        None | Some("UTC" | "Etc/UTC") => Some(TimeZone::UTC),
        Some(name) => TimeZone::get(name).ok(),
    }
}

/// A CronJob schedule as Kubernetes takes it (five fields or a macro), read by `croner`.
pub fn schedule(text: &str) -> Option<Cron> {
    let text = text.trim();
    let fields = text.split_whitespace().count();
    if !(fields == 5 || (fields == 1 && text.starts_with('@'))) {
        return None;
    }
    Cron::from_str(text).ok()
}

/// Whether `job`'s controller would start a run at `now`: not suspended, none running, and its
/// schedule's first time after the last run (or, without one, after it was made) has come.
/// One whose schedule or zone is not read here is never due; one that never ran and whose
/// making time is not usable (a clock that disagrees with the cluster's) is due at once.
pub fn run_due(job: &CronJob, now: OffsetDateTime) -> bool {
    let spec = job.spec.as_ref();
    if spec.and_then(|s| s.suspend).unwrap_or(false) {
        return false;
    }
    let (Some(cron), Some(zone)) = (spec.and_then(|s| schedule(&s.schedule)), zone_of(job)) else {
        return false;
    };
    let runs = Runs::of(job, now);
    if runs.running {
        return false;
    }
    match runs.last_run.or(runs.created) {
        Some(after) => next_run(&cron, &zone, after).is_some_and(|due| due <= now),
        None => true,
    }
}

/// What the CronJob's controller says of its runs.
struct Runs {
    last_run: Option<OffsetDateTime>,
    last_success: Option<OffsetDateTime>,
    running: bool,
    created: Option<OffsetDateTime>,
}

impl Runs {
    fn of(job: &CronJob, now: OffsetDateTime) -> Self {
        let status = job.status.as_ref();
        Self {
            last_run: status
                .and_then(|s| s.last_schedule_time.as_ref())
                .and_then(|t| from_k8s(&t.0)),
            last_success: status
                .and_then(|s| s.last_successful_time.as_ref())
                .and_then(|t| from_k8s(&t.0)),
            running: status
                .and_then(|s| s.active.as_ref())
                .is_some_and(|active| !active.is_empty()),
            // Made "later than now" is a clock that disagrees with the cluster's: not used.
            created: job
                .metadata
                .creation_timestamp
                .as_ref()
                .and_then(|t| from_k8s(&t.0))
                .filter(|made| *made <= now + super::service::SKEW_ALLOWED),
        }
    }
}

/// How the guard in the cluster is doing, from its CronJob and its record (or why the record
/// cannot be read), at `now`.
pub fn judge(
    job: &CronJob,
    record: Result<Option<LastCheck>, &GuardError>,
    now: OffsetDateTime,
) -> InCluster {
    let spec = job.spec.as_ref();
    let text = spec.map(|s| s.schedule.clone()).unwrap_or_default();
    // A zone not known here: its runs are reckoned on UTC, late only past the widest offset
    // (and when it runs next is not told); a schedule not read here: neither.
    let cron = schedule(&text);
    let zone = zone_of(job);
    let grace = if zone.is_some() {
        RUN_GRACE
    } else {
        RUN_GRACE + Duration::hours(14)
    };
    let reckoned = zone.clone().unwrap_or(TimeZone::UTC);
    let after = |at: OffsetDateTime| cron.as_ref().and_then(|c| next_run(c, &reckoned, at));
    let suspended = spec.and_then(|s| s.suspend).unwrap_or(false);
    let Runs {
        last_run,
        last_success,
        running,
        created,
    } = Runs::of(job, now);
    let (last_check, problem) = match &record {
        Ok(check) => (check.clone(), None),
        Err(error) => (None, Some(AppError::from((*error).clone()).code)),
    };
    // A check from before this CronJob was made (an earlier install) says nothing of it.
    let current = last_check
        .as_ref()
        .filter(|c| parse(&c.at).is_some_and(|at| created.is_none_or(|made| at >= made)));
    let checked_at = current.and_then(|c| parse(&c.at));
    // The first run due after the last check (or, without one, after installing).
    let due = checked_at.or(created).and_then(after);
    // A run that ended without success and left no check after it started.
    let run_failed = last_run.is_some_and(|run| {
        !running
            && last_success.is_none_or(|ok| ok < run)
            && now > run + RUN_GRACE
            && checked_at.is_none_or(|at| at < run)
    });
    let health = if let Err(error) = record {
        match error {
            GuardError::RecordUnreadable(_) => Health::RecordUnreadable,
            _ => Health::RecordHidden,
        }
    } else if suspended {
        Health::Suspended
    } else if current.is_some_and(|c| matches!(c.did.as_str(), "failed" | "refused")) {
        Health::CouldNotJudge
    } else if run_failed {
        Health::RunFailed
    } else if due.is_some_and(|due| now > due + grace) {
        // (A job still running this long after its run was due is stuck, not checking.)
        Health::Late
    } else if current.is_none() {
        Health::FirstRunDue
    } else {
        Health::Working
    };
    let next = if suspended || zone.is_none() {
        None
    } else {
        after(now)
    };
    InCluster {
        schedule: text,
        health,
        last_check,
        last_run: last_run.map(rfc3339),
        next: next.map(rfc3339),
        problem,
        changed: None,
        budget: None,
    }
}

/// The guard in the cluster for `app`, or `None` where it is not installed. A desktop that
/// may not read CronJobs there is told so as an error (it cannot know, so it must not
/// assume either way).
pub async fn sight(
    ops: &GuardOps<'_>,
    records: &ClusterRecords<'_>,
    app: &AppKey,
    now: OffsetDateTime,
) -> Result<Option<InCluster>, GuardError> {
    let connection = ops.connection(app).await?;
    let api: Api<CronJob> = Api::namespaced(connection.client(), &app.namespace);
    let name = guard_name(&app.app);
    let classify = ClusterService::classify(&connection, &app.namespace);
    let read = async { api.get_opt(&name).await.map_err(&classify) };
    let job: Option<CronJob> = ops.service.within(read).await?;
    let Some(job) = job else {
        return Ok(None);
    };
    // Installed either way: a record that is damaged, or cannot be read from here, is shown
    // as the guard's problem (and this computer stands aside, never acting beside it).
    let (record, changed, budget) = match records.read(app).await {
        Ok(shared) => (Ok(shared.record.last_check), shared.changed, shared.budget),
        Err(error) => (Err(error), None, None),
    };
    let seen = judge(&job, record.as_ref().cloned(), now);
    Ok(Some(InCluster {
        changed,
        budget,
        ..seen
    }))
}

/// The shared record's figures are missing or older than the guard in the cluster keeps them
/// fresh: a desktop does not decide by them (its own may count other spend than the shared
/// budget does).
pub fn shared_figures_stale() -> GuardError {
    GuardError::Figures(AppError::new(
        "guard_shared_figures_stale",
        "the month's figures in the shared record are missing or more than 6 hours old",
    ))
}

/// Whether the person here may change `app`'s shared record (a SelfSubjectAccessReview for
/// `update` on the ConfigMap). A server that does not answer reviews is taken at its word
/// later: the write itself then says.
pub async fn may_change_record(ops: &GuardOps<'_>, app: &AppKey) -> bool {
    let Ok(connection) = ops.connection(app).await else {
        return true;
    };
    let reviews: Api<SelfSubjectAccessReview> = Api::all(connection.client());
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                namespace: Some(app.namespace.clone()),
                verb: Some("update".into()),
                group: Some(String::new()),
                resource: Some("configmaps".into()),
                name: Some(record_name(&app.app)),
                ..ResourceAttributes::default()
            }),
            ..SelfSubjectAccessReviewSpec::default()
        },
        ..SelfSubjectAccessReview::default()
    };
    let asked = ops
        .service
        .within(async {
            Ok::<_, crate::cluster::ClusterError>(
                reviews.create(&PostParams::default(), &review).await,
            )
        })
        .await;
    match asked {
        Ok(Ok(answer)) => answer.status.is_none_or(|s| s.allowed),
        _ => true,
    }
}

/// What the guard in the cluster did that a person should hear of from any desktop.
pub const TOLD_DOINGS: [&str; 3] = ["scaled", "propose", "notify"];

/// The notice for the cluster guard's check `check` on `key` (an action it took).
pub fn acted(key: &AppKey, check: &LastCheck) -> AppError {
    let mut notice = AppError::hinted(
        &format!("guard_cluster_{}", check.did),
        &format!("guard_{}", check.code),
        format!(
            "guard in the cluster, {}: {} ({})",
            key.app, check.did, check.code
        ),
    );
    notice.params = check.params.clone();
    with_app(notice, key).with("at", check.at.clone())
}

/// The notice for a guard in the cluster that is not working.
pub fn problem(key: &AppKey, seen: &InCluster) -> AppError {
    let health = seen.health;
    let name = serde_json::to_value(health)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let code = format!("guard_cluster_{name}");
    let mut notice = AppError::new(&code, format!("guard in the cluster, {}: {name}", key.app));
    if let (Some(check), Health::CouldNotJudge) = (&seen.last_check, health) {
        // What it met, for the words: the reason's code and values (`error`: the fault's).
        notice.params = check.params.clone();
        notice = notice.with("reason", check.code.clone());
    }
    if let Some(check) = &seen.last_check {
        notice = notice.with("since", check.at.clone());
    }
    if let Some(problem) = &seen.problem {
        notice = notice.with("problem", problem.clone());
    }
    with_app(notice, key)
}

/// The notice for a guard in the cluster that was seen and cannot be looked at now (this
/// computer stands aside meanwhile): the fault's own words as the hint.
pub fn unseen(key: &AppKey, error: &AppError) -> AppError {
    let mut notice = AppError::hinted(
        "guard_cluster_unseen",
        &error.hint_code,
        format!(
            "guard in the cluster, {}: cannot be looked at ({})",
            key.app, error.code
        ),
    );
    notice.params = error.params.clone();
    with_app(notice, key).with("error", error.code.clone())
}

fn with_app(notice: AppError, key: &AppKey) -> AppError {
    notice
        .with("app", key.app.clone())
        .with("context", key.context.clone())
        .with("namespace", key.namespace.clone())
}

/// One of each notice about the guard in the cluster, for the window's words (each has a
/// title, `notice.<code>`, as well).
#[cfg(any(test, feature = "testing"))]
pub fn examples() -> Vec<AppError> {
    let key = AppKey {
        context: "prod".into(),
        namespace: "default".into(),
        app: "assistant".into(),
    };
    let mut out = Vec::new();
    for reason in super::evaluate::examples() {
        let doings: &[&str] = match reason.code {
            "threshold" => &["notify"],
            "over_budget" => &["propose", "scaled"],
            _ => continue,
        };
        for did in doings {
            let check = LastCheck {
                at: "2026-11-20T14:07:02Z".into(),
                did: (*did).into(),
                code: reason.code.into(),
                params: reason.params.clone(),
            };
            out.push(acted(&key, &check));
        }
    }
    let check = LastCheck {
        at: "2026-11-20T14:07:02Z".into(),
        did: "refused".into(),
        code: "cost_failed".into(),
        params: serde_json::Map::new(),
    };
    for health in [
        Health::CouldNotJudge,
        Health::RunFailed,
        Health::Late,
        Health::Suspended,
        Health::RecordUnreadable,
        Health::RecordHidden,
    ] {
        let seen = InCluster {
            schedule: super::install::DEFAULT_SCHEDULE.into(),
            health,
            last_check: Some(check.clone()),
            last_run: Some("2026-11-20T15:07:00Z".into()),
            next: None,
            problem: Some("guard_record_unreadable".into()),
            changed: None,
            budget: None,
        };
        out.push(problem(&key, &seen));
    }
    let fault = AppError::hinted("kube_throttled", "kube_throttled", "x").with("seconds", 5);
    out.push(unseen(&key, &fault));
    out
}

#[cfg(test)]
#[path = "in_cluster_tests.rs"]
mod tests;
