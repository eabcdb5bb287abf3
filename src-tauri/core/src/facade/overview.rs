//! The overview the window opens on: this month against the budget (the figures the cost
//! view uses, from its cache), one card per app Purser knows — on whichever cluster it runs —
//! with its copies, the guard's state and last check, and what needs the user; the keys whose
//! last check failed; and the first-run guide.

use std::collections::BTreeSet;

use serde::Serialize;

use super::Purser;
use crate::cluster::{Phase, Target, SANDBOX_CONTEXT};
use crate::cost::{Budget, DataOrigin};
use crate::error::AppError;
use crate::guard::record::LastCheck;
use crate::guard::{AppKey, Policy};
use crate::guide::{GuideAction, GuideView, Setup};
use crate::secrets::SecretKind;
use crate::settings::AwsSource;
use crate::sync::lock;

/// How far back the audit log is read for the apps deployed from here.
const AUDIT_LINES: usize = 1000;

/// This month against the budget, for the overview's first card.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthGlance {
    pub origin: DataOrigin,
    pub currency: String,
    pub spent: f64,
    pub budget: Option<f64>,
    /// Spent as a share of the budget, rounded to a whole percent.
    pub spent_percent: Option<i64>,
    /// The month-end forecast and its 80 % range, when there is one.
    pub month_end: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Spent, or forecast to end, over the budget.
    pub over: bool,
    /// The last figures, shown because a refresh failed.
    pub stale: bool,
}

/// An app's copies as the overview shows them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RolloutGlance {
    pub phase: Phase,
    pub desired: i32,
    pub ready: i32,
    /// Copies on the current version.
    pub updated: i32,
}

/// One app's card.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppGlance {
    pub context: String,
    pub namespace: String,
    pub app: String,
    pub sandbox: bool,
    pub rollout: Option<RolloutGlance>,
    /// Why its cluster could not be read.
    pub unreachable: Option<AppError>,
    pub policy: Policy,
    pub paused: bool,
    pub last_check: Option<LastCheck>,
    /// A proposal (fewer copies, or an OpenAI cap) waits for the user.
    pub waiting: bool,
    /// The guard's last check found the month over the budget.
    pub over_budget: bool,
    /// The rollout is in trouble or failed.
    pub stuck: bool,
}

/// A key whose last check failed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailingKey {
    /// `openai`, `openaiAdmin`, `aws`.
    pub service: &'static str,
    pub code: String,
    pub params: serde_json::Map<String, serde_json::Value>,
    pub hint_code: Option<String>,
}

/// Everything the overview shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    pub guide: GuideView,
    pub month: Option<MonthGlance>,
    /// Why the month's figures could not be read.
    pub month_error: Option<AppError>,
    pub apps: Vec<AppGlance>,
    pub failing_keys: Vec<FailingKey>,
}

fn glance(status: &crate::cluster::RolloutStatus) -> RolloutGlance {
    RolloutGlance {
        phase: status.phase,
        desired: status.desired,
        ready: status.ready,
        updated: status.updated,
    }
}

impl Purser {
    /// The overview: cached figures, and every known app's state read at once.
    pub async fn overview(&self) -> Overview {
        let (month, month_error) = match self.month_glance().await {
            Ok(month) => (Some(month), None),
            Err(error) => (None, Some(error)),
        };
        let keys = self.known_apps();
        let apps = futures::future::join_all(keys.iter().map(|key| self.app_glance(key))).await;
        // The keychain is read only while the guide is shown: the overview reads itself
        // every 15 s, and a closed guide needs no more than the quick look.
        let setup = if self.guide.closed() {
            self.quick_setup()
        } else {
            self.setup().await
        };
        Overview {
            guide: self.guide.view(setup),
            month,
            month_error,
            apps,
            failing_keys: self.failing_keys(),
        }
    }

    /// Does what the user asked of the first-run guide; the guide as it is then.
    pub async fn guide_act(&self, action: GuideAction) -> GuideView {
        self.guide.act(action);
        self.guide.view(self.setup().await)
    }

    /// The section the window opens on. Decided without the keychain (the window must not
    /// wait for it): a key counts as set up once it was checked.
    pub(super) fn opens_on(&self) -> &'static str {
        let setup = self.quick_setup();
        if setup.any() || self.guide.view(setup).open {
            "overview"
        } else {
            "credentials"
        }
    }

    /// What is set up, without the keychain: a key counts once it was checked.
    fn quick_setup(&self) -> Setup {
        let settings = self.settings();
        let checks = self.credentials.check_records();
        Setup {
            keys: checks.openai.is_some()
                || checks.aws.is_some()
                || (settings.aws_source == AwsSource::Profile && settings.aws_profile.is_some()),
            cluster: settings.kube_context.is_some(),
            budget: settings.budget_amount.is_some(),
        }
    }

    /// What is set up: keys in the keychain (or an AWS profile), a cluster, a budget. A
    /// keychain that cannot be read counts as no keys (the guide then offers that step).
    async fn setup(&self) -> Setup {
        let settings = self.settings();
        let profile = settings.aws_source == AwsSource::Profile && settings.aws_profile.is_some();
        let stored = match self.credentials.overview().await {
            Ok(overview) => overview.secrets.iter().any(|s| {
                s.stored
                    && matches!(
                        s.kind,
                        SecretKind::OpenaiApiKey | SecretKind::AwsAccessKeyId
                    )
            }),
            Err(error) => {
                tracing::warn!(%error, "the keychain could not be read for the guide");
                false
            }
        };
        Setup {
            keys: profile || stored,
            cluster: settings.kube_context.is_some(),
            budget: settings.budget_amount.is_some(),
        }
    }

    async fn month_glance(&self) -> Result<MonthGlance, AppError> {
        let settings = self.settings();
        let merged = self.month_report(self.clock.now(), false).await?;
        let report = &merged.report;
        let budget = settings.budget_amount.map(|amount| Budget {
            amount,
            thresholds: settings.budget_thresholds.0.clone(),
        });
        let status = budget.as_ref().map(|b| {
            b.status(
                &report.series,
                report.forecast.forecast(),
                &report.current_month,
            )
        });
        let spent = report
            .series
            .months
            .iter()
            .find(|m| m.month == report.current_month)
            .map_or(0.0, |m| m.total());
        let forecast = report.forecast.forecast();
        let month_end = forecast.map(|f| spent + f.remaining_mean);
        let over = status
            .as_ref()
            .is_some_and(|s| s.spent > s.budget || s.month_end.is_some_and(|end| end > s.budget));
        Ok(MonthGlance {
            origin: report.origin,
            currency: report.series.currency.clone(),
            spent,
            budget: budget.map(|b| b.amount),
            spent_percent: status.as_ref().map(|s| s.spent_percent.round() as i64),
            month_end,
            low: forecast.map(|f| spent + f.remaining_low),
            high: forecast.map(|f| spent + f.remaining_high),
            over,
            stale: report.stale.is_some(),
        })
    }

    /// Every app Purser knows: those the guard has a record of, and those deployed from here
    /// and not removed since (by the audit log).
    fn known_apps(&self) -> Vec<AppKey> {
        let mut keys: BTreeSet<AppKey> = lock(&self.guard).apps().into_iter().collect();
        let entries = self
            .cluster
            .audit()
            .recent(AUDIT_LINES)
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "the audit log could not be read for the overview");
                Vec::new()
            });
        // Oldest first, so a later removal wins over an earlier deploy.
        for entry in entries.iter().rev() {
            if entry.outcome != crate::audit::Outcome::Ok || entry.app.is_empty() {
                continue;
            }
            let key = AppKey {
                context: entry.context.clone(),
                namespace: entry.namespace.clone(),
                app: entry.app.clone(),
            };
            match entry.action.as_str() {
                "deploy" => {
                    keys.insert(key);
                }
                "uninstall" => {
                    keys.remove(&key);
                }
                _ => {}
            }
        }
        keys.into_iter().collect()
    }

    async fn app_glance(&self, key: &AppKey) -> AppGlance {
        let target = Target {
            context: key.context.clone(),
            namespace: key.namespace.clone(),
        };
        let (rollout, unreachable) = match self.cluster.status_on(&target, &key.app).await {
            Ok(status) => (Some(glance(&status)), None),
            Err(error) => (None, Some(AppError::from(error))),
        };
        let (record, paused) = {
            let state = lock(&self.guard);
            (state.app(key), state.paused())
        };
        let stuck = rollout
            .as_ref()
            .is_some_and(|r| matches!(r.phase, Phase::Trouble | Phase::Failed));
        AppGlance {
            context: key.context.clone(),
            namespace: key.namespace.clone(),
            app: key.app.clone(),
            sandbox: key.context == SANDBOX_CONTEXT,
            rollout,
            unreachable,
            policy: record.policy,
            paused,
            over_budget: record
                .last_check
                .as_ref()
                .is_some_and(|c| c.code == "over_budget"),
            last_check: record.last_check,
            waiting: record.proposal.is_some() || record.openai_proposal.is_some(),
            stuck,
        }
    }

    fn failing_keys(&self) -> Vec<FailingKey> {
        let records = self.credentials.check_records();
        [
            ("openai", records.openai),
            ("openaiAdmin", records.openai_admin),
            ("aws", records.aws),
        ]
        .into_iter()
        .filter_map(|(service, record)| {
            let record = record.filter(|r| !r.ok)?;
            Some(FailingKey {
                service,
                code: record.code,
                params: record.params,
                hint_code: record.hint_code,
            })
        })
        .collect()
    }
}
