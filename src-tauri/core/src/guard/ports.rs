//! What the guard service talks to, as small traits: the cluster (look, and change through
//! the `scale` subresource or the autoscaler's range, each write conditional on the version
//! it looked at), the month's cost figures (no chart, no view state), the store of records,
//! the notifier and the audit log. The desktop passes its own implementations, a job in the
//! cluster would pass others, and the service's tests pass fakes.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::gitops::GitOps;
use super::record::{AppRecord, CapRecord, ClusterIdentity, Hold};
use super::{AppKey, Range, Target as Level};
use crate::audit::{Intent, Outcome, Subject};
use crate::cost::spend_limit::SpendLimit;
use crate::error::AppError;

use super::error::GuardError;

/// The autoscaler that manages an app, as the guard looked at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoscalerLook {
    pub name: String,
    pub range: Range,
    /// Its `resourceVersion`: a change of the range is conditional on it.
    pub version: String,
}

/// An app as the guard sees it at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Look {
    /// The Deployment's copies.
    pub copies: i32,
    pub autoscaler: Option<AutoscalerLook>,
    /// The Deployment's `resourceVersion`: a scale is conditional on it.
    pub version: String,
    /// What one copy requests: cores and bytes (0 when not set).
    pub cpu: f64,
    pub memory: f64,
    /// When the Deployment was made (before that, no copy ran).
    pub created: Option<OffsetDateTime>,
    /// The guard's note on the Deployment (written by this or another machine), if any:
    /// `(previous, set)`. A hint, never the authority for a revert.
    pub hint: Option<(Level, Level)>,
    /// A GitOps tool that keeps the app as Git says.
    pub gitops: Option<GitOps>,
    /// Who last set the copies (or the autoscaler's range), and when: a field manager's name
    /// and its time (RFC 3339).
    pub level_set_by: Option<(String, String)>,
}

impl Look {
    /// The level now: the autoscaler's range when one manages the app, else the copies.
    pub fn level(&self) -> Level {
        match &self.autoscaler {
            Some(a) => Level::Autoscaler {
                min: a.range.min,
                max: a.range.max,
            },
            None => Level::Copies {
                replicas: self.copies,
            },
        }
    }
}

/// The Kubernetes side.
#[async_trait]
pub trait GuardCluster: Send + Sync {
    /// Which cluster the app's context reaches now.
    async fn identity(&self, app: &AppKey) -> Result<ClusterIdentity, GuardError>;

    /// The app now. A cluster where autoscalers cannot be listed is
    /// [`GuardError::AutoscalersHidden`]: the guard would otherwise set copies under one.
    async fn look(&self, app: &AppKey) -> Result<Look, GuardError>;

    /// Sets the copies through the `scale` subresource, if the Deployment is still at
    /// `version` ([`GuardError::Conflict`] otherwise).
    async fn set_copies(
        &self,
        app: &AppKey,
        replicas: i32,
        version: &str,
    ) -> Result<(), GuardError>;

    /// Sets the autoscaler's range, if it is still at `version`.
    async fn set_range(
        &self,
        app: &AppKey,
        autoscaler: &str,
        range: Range,
        version: &str,
    ) -> Result<(), GuardError>;

    /// Whether this side writes the cross-machine hint at all (the job in the cluster does
    /// not: the shared record is every machine's note, and it may not patch the Deployment).
    fn writes_notes(&self) -> bool {
        true
    }

    /// Writes the cross-machine hint `(previous, set)` on the Deployment, or clears it
    /// (`None`). Where the guard may not write the Deployment itself, nothing.
    async fn write_hint(
        &self,
        app: &AppKey,
        hint: Option<(Level, Level)>,
    ) -> Result<(), GuardError>;
}

/// The budget the guard judges by.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetRule {
    pub amount: Option<f64>,
    /// The budget's own currency (ISO code).
    pub currency: String,
    /// Percent of the budget, ascending.
    pub thresholds: Vec<u16>,
}

/// This month's figures: what is spent, the forecast for the month's end, their currency.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthFigures {
    pub spent: f64,
    pub month_end: Option<f64>,
    pub currency: String,
    /// Made-up figures (AWS not connected): they never move a real cluster.
    pub sample: bool,
    /// When the figures were read (RFC 3339), if known.
    pub read_at: Option<String>,
    /// Why older figures are used (a failed refresh, the monthly request cap).
    pub stale: Option<AppError>,
    /// OpenAI's part of `spent` and of `month_end` (0 when its spend is not read).
    pub openai_spent: f64,
    pub openai_month_end: f64,
}

impl MonthFigures {
    /// The figures of a Cost Explorer report alone (OpenAI's part 0).
    pub fn of_report(report: &crate::cost::CostReport) -> Self {
        let spent = report
            .series
            .months
            .iter()
            .find(|m| m.month == report.current_month)
            .map(|m| m.total())
            .unwrap_or(0.0);
        MonthFigures {
            spent,
            month_end: report.forecast.forecast().map(|f| spent + f.remaining_mean),
            currency: report.series.currency.clone(),
            sample: report.origin == crate::cost::DataOrigin::Sample,
            read_at: report.fetched_at.clone(),
            stale: report.stale.as_ref().map(|s| s.error.clone()),
            openai_spent: 0.0,
            openai_month_end: 0.0,
        }
    }
}

/// The cost side.
#[async_trait]
pub trait GuardFigures: Send + Sync {
    /// This month's figures as of `now`.
    async fn month(&self, now: OffsetDateTime) -> Result<MonthFigures, GuardError>;

    /// The budget for `app`.
    fn budget(&self, app: &AppKey) -> BudgetRule;

    /// One copy's monthly cost (USD), when it can be told.
    async fn copy_cost(&self, app: &AppKey, look: &Look) -> Option<f64>;
}

/// OpenAI's side: the project the app's spend is counted in, its hard spend limit, and
/// Purser's record of what it changed on that limit.
#[async_trait]
pub trait GuardOpenAi: Send + Sync {
    /// The OpenAI project the app's spend is counted in, if one is chosen.
    fn project(&self) -> Option<String>;
    async fn limit(&self, project: &str) -> Result<Option<SpendLimit>, GuardError>;
    async fn set_limit(&self, project: &str, cents: i64) -> Result<SpendLimit, GuardError>;
    async fn delete_limit(&self, project: &str) -> Result<(), GuardError>;
    async fn cap_record(&self, project: &str) -> Result<Option<CapRecord>, GuardError>;
    /// Keeps (or, with `None`, forgets) the record of what Purser set on `project`'s limit.
    async fn keep_cap_record(
        &self,
        project: &str,
        record: Option<&CapRecord>,
    ) -> Result<(), GuardError>;
    /// The hold after a person put `project`'s limit back: the lever leaves it alone meanwhile.
    async fn cap_hold(&self, project: &str) -> Result<Option<Hold>, GuardError>;
    /// Keeps (or, with `None`, ends) that hold.
    async fn keep_cap_hold(&self, project: &str, hold: Option<&Hold>) -> Result<(), GuardError>;
}

/// A record as read, with the version a write must match (empty where the store has none).
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub record: AppRecord,
    pub version: String,
}

/// Where records are kept.
#[async_trait]
pub trait GuardRecords: Send + Sync {
    async fn load(&self, app: &AppKey) -> Result<Stored, GuardError>;

    /// Writes `record` if the stored one is still at `version` ([`GuardError::RecordConflict`]
    /// otherwise); returns the new version.
    async fn save(
        &self,
        app: &AppKey,
        record: &AppRecord,
        version: &str,
    ) -> Result<String, GuardError>;

    /// The records live in the app's own cluster (the shared record): reading one there
    /// already proves the context reaches the cluster it was set on, so the cluster's
    /// identity is not compared (the job in the cluster sees it by another address).
    fn kept_in_the_cluster(&self) -> bool {
        false
    }
}

/// Tells the user (the desktop's notice area and notifications; a Kubernetes Event).
pub trait Notifier: Send + Sync {
    fn tell(&self, notice: AppError);
}

/// What the guard told during one call, kept for whoever shows it: the desktop's notice area
/// and notifications, the job's Kubernetes Events.
#[derive(Debug, Default)]
pub struct Told(std::sync::Mutex<Vec<AppError>>);

impl Told {
    pub fn take(&self) -> Vec<AppError> {
        std::mem::take(&mut *crate::sync::lock(&self.0))
    }
}

impl Notifier for Told {
    fn tell(&self, notice: AppError) {
        crate::sync::lock(&self.0).push(notice);
    }
}

/// The audit log: an intent before each change, its result after.
pub trait GuardAudit: Send + Sync {
    fn begin(&self, app: &AppKey, subject: Subject) -> Result<Intent, GuardError>;
    fn finish(&self, intent: Intent, outcome: Outcome, error: Option<AppError>);
}

impl GuardAudit for crate::audit::AuditLog {
    fn begin(&self, app: &AppKey, subject: Subject) -> Result<Intent, GuardError> {
        crate::audit::AuditLog::begin(self, &app.context, &app.namespace, subject)
            .map_err(|e| GuardError::Audit(e.to_string()))
    }

    fn finish(&self, intent: Intent, outcome: Outcome, error: Option<AppError>) {
        crate::audit::AuditLog::finish(self, intent, outcome, error);
    }
}
