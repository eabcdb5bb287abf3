//! The budget guard as the window and the schedule use it: each app's policy, a check that
//! reads the month's figures (from the cost cache: a check costs no Cost Explorer request
//! unless the figures are older than the cache's life), decides, tells, proposes or acts;
//! approval, dismissal and revert; and what a number of copies would cost.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::Purser;
use crate::audit::{Outcome, Subject};
use crate::chart::Theme;
use crate::cluster::activity;
use crate::cluster::guard_ops::{GuardedApp, Revertible};
use crate::cluster::{ClusterService, Target as ClusterTarget};
use crate::cost::{CostView, DataOrigin};
use crate::error::{AppError, FieldProblem};
use crate::guard::{
    evaluate, Action, AppKey, Copies, CopyCost, Decision, Inputs, Policy, Prices, Proposal, Range,
    Reason,
};
use crate::sync::lock;

/// How long the guard waits after acting (or proposing) before it may act again.
pub const COOLDOWN: Duration = Duration::hours(6);

/// The most copies a floor may keep (as the form's copies).
const MAX_FLOOR: i32 = 100;

/// What the window shows of the guard for one app.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GuardView {
    pub policy: Policy,
    pub paused: bool,
    pub copies: i32,
    pub autoscaler: Option<Range>,
    /// One copy's monthly cost, when it can be estimated.
    pub copy_cost: Option<CopyCost>,
    /// The tag on the app's AWS resources its cost is measured by, if any.
    pub cost_tag: Option<String>,
    /// Why that tag's cost was not used, when it was not.
    pub tag_problem: Option<super::copy_cost::TagProblem>,
    pub proposal: Option<Proposal>,
    /// What the guard changed on the app and a revert would put back.
    pub revertible: Option<Revertible>,
    pub prices: Prices,
}

/// The month's figures the guard judges by.
pub(super) struct Figures {
    pub spent: f64,
    pub month_end: Option<f64>,
    pub currency: String,
    pub sample: bool,
    /// The part of the month still to come, 0..=1.
    pub rest_of_month: f64,
}

pub(super) fn figures(view: &CostView, now: OffsetDateTime) -> Figures {
    let report = &view.report;
    let spent = report
        .series
        .months
        .iter()
        .find(|m| m.month == report.current_month)
        .map(|m| m.total())
        .unwrap_or(0.0);
    let month_end = report.forecast.forecast().map(|f| spent + f.remaining_mean);
    let days = now.month().length(now.year());
    let elapsed = f64::from(now.day() - 1) + f64::from(now.hour()) / 24.0;
    Figures {
        spent,
        month_end,
        currency: report.series.currency.clone(),
        sample: report.origin == DataOrigin::Sample,
        rest_of_month: (1.0 - elapsed / f64::from(days)).clamp(0.0, 1.0),
    }
}

/// A notice for the window (and a desktop notification): `guard_<kind>` naming the app, its
/// hint the reason (`hint.guard_<reason>`) with the reason's values.
fn notice(kind: &str, key: &AppKey, reason: &Reason) -> AppError {
    let mut error = AppError::hinted(
        &format!("guard_{kind}"),
        &format!("guard_{}", reason.code),
        &reason.text,
    )
    .with("app", key.app.clone())
    .with("context", key.context.clone())
    .with("namespace", key.namespace.clone());
    for (name, value) in &reason.params {
        error = error.with(name, value.clone());
    }
    error
}

fn target_of(key: &AppKey) -> ClusterTarget {
    ClusterTarget {
        context: key.context.clone(),
        namespace: key.namespace.clone(),
    }
}

pub(super) fn key_of(target: &ClusterTarget, app: &str) -> AppKey {
    AppKey {
        context: target.context.clone(),
        namespace: target.namespace.clone(),
        app: app.to_string(),
    }
}

impl Purser {
    /// The guard's state for one app, with what a copy costs and what can be reverted.
    pub async fn guard_view(
        &self,
        target: &ClusterTarget,
        app: &str,
    ) -> Result<GuardView, AppError> {
        let look = self.cluster.guard_look(target, app).await?;
        Ok(self.view_of(&key_of(target, app), look).await)
    }

    async fn view_of(&self, key: &AppKey, look: GuardedApp) -> GuardView {
        let found = self.copy_cost(key, &look).await;
        let state = lock(&self.guard);
        let app = state.app(key);
        GuardView {
            policy: app.policy,
            paused: state.paused(),
            copies: look.copies,
            autoscaler: look.autoscaler,
            copy_cost: found.cost,
            cost_tag: app.cost_tag,
            tag_problem: found.tag_problem,
            proposal: app.proposal,
            revertible: look.revertible,
            prices: state.prices().clone(),
        }
    }

    /// Sets an app's policy (off, notify, propose, automatic with a floor). Audited.
    pub async fn set_guard_policy(
        &self,
        target: &ClusterTarget,
        app: &str,
        policy: Policy,
    ) -> Result<GuardView, AppError> {
        if let Policy::Propose { floor } | Policy::Automatic { floor } = policy {
            if !(0..=MAX_FLOOR).contains(&floor) {
                let problem = FieldProblem::new("guardFloor", "guard_floor").with("max", MAX_FLOOR);
                return Err(
                    AppError::new("guard_invalid", "the floor is not 0 to 100 copies")
                        .with_fields(vec![problem]),
                );
            }
        }
        let look = self.cluster.guard_look(target, app).await?;
        let key = key_of(target, app);
        {
            let mut state = lock(&self.guard);
            let entry = state.app_mut(&key);
            entry.policy = policy.clone();
            entry.proposal = None;
            entry.refused = None;
            state
                .save()
                .map_err(|e| AppError::new("guard_unsaved", e))?;
        }
        let subject = activity::guard_policy(app, &policy);
        self.record(&key, subject)?;
        Ok(self.view_of(&key, look).await)
    }

    /// Pauses or resumes the guard for every app.
    pub fn pause_guard(&self, paused: bool) -> Result<(), AppError> {
        let mut state = lock(&self.guard);
        state.set_paused(paused);
        state.save().map_err(|e| AppError::new("guard_unsaved", e))
    }

    pub fn guard_paused(&self) -> bool {
        lock(&self.guard).paused()
    }

    /// Whether the guard watches any app now (a policy on, not paused).
    pub fn guard_watching(&self) -> bool {
        let state = lock(&self.guard);
        !state.paused() && !state.guarded().is_empty()
    }

    /// Writes one audit line for a guard event that is not itself a cluster change.
    fn record(&self, key: &AppKey, subject: Subject) -> Result<(), AppError> {
        let audit = self.cluster.audit();
        let intent = audit.begin(&key.context, &key.namespace, subject)?;
        audit.finish(intent, Outcome::Ok, None);
        Ok(())
    }

    /// One round of the guard over every app with a policy: returns what the user must be
    /// told (also kept in the notice area).
    pub async fn guard_check(&self) -> Vec<AppError> {
        let guarded = {
            let state = lock(&self.guard);
            if state.paused() {
                return Vec::new();
            }
            state.guarded()
        };
        if guarded.is_empty() {
            return Vec::new();
        }
        let now = self.clock.now();
        let view = match self.cost_view(false, Theme::Light, 640).await {
            Ok(view) => view,
            Err(error) => {
                tracing::warn!(code = %error.code, "the guard could not read the month's cost");
                return Vec::new();
            }
        };
        let figures = figures(&view, now);
        let mut told = Vec::new();
        for (key, _) in guarded {
            if let Some(notice) = self.guard_app(&key, &figures, now).await {
                told.push(notice);
            }
        }
        lock(&self.notices).extend(told.iter().cloned());
        told
    }

    /// The guard's round for one app.
    async fn guard_app(
        &self,
        key: &AppKey,
        figures: &Figures,
        now: OffsetDateTime,
    ) -> Option<AppError> {
        let target = target_of(key);
        let look = match self.cluster.guard_look(&target, &key.app).await {
            Ok(look) => look,
            Err(error) => {
                let error = AppError::from(error);
                let reason = Reason {
                    code: "unreachable",
                    params: serde_json::Map::from_iter([("error".into(), error.code.into())]),
                    text: error.message,
                };
                return self.tell_refusal(key, reason);
            }
        };
        if figures.sample && !ClusterService::is_sandbox(&key.context) {
            // Made-up figures never move a real cluster.
            let reason = Reason {
                code: "sample_figures",
                params: serde_json::Map::new(),
                text: "the figures are sample data".into(),
            };
            return self.tell_refusal(key, reason);
        }
        let settings = self.settings();
        let month = format!("{:04}-{:02}", now.year(), u8::from(now.month()));
        let app = {
            let mut state = lock(&self.guard);
            let app = state.app_mut(key);
            if app.notified_month != month {
                app.notified_month = month;
                app.notified.clear();
            }
            app.clone()
        };
        let copy_cost = self.copy_cost(key, &look).await.cost;
        let decision = evaluate(&Inputs {
            spent: figures.spent,
            month_end: figures.month_end,
            currency: &figures.currency,
            budget: settings.budget_amount,
            // The budget is set in the currency Cost Explorer reports.
            budget_currency: &figures.currency,
            thresholds: &settings.budget_thresholds.0,
            policy: &app.policy,
            copies: Copies {
                current: look.copies,
                autoscaler: look.autoscaler,
            },
            cost_per_copy: copy_cost.map(|c| c.monthly),
            last_action: app
                .last_action
                .as_deref()
                .and_then(crate::clock::parse_rfc3339),
            cooldown: COOLDOWN,
            notified: &app.notified,
            now,
        });
        self.act(key, &target, decision, now).await
    }

    /// Carries out a decision: tells, proposes or scales, each with its audit line.
    async fn act(
        &self,
        key: &AppKey,
        target: &ClusterTarget,
        decision: Decision,
        now: OffsetDateTime,
    ) -> Option<AppError> {
        let at = crate::clock::rfc3339(now);
        let reason = decision.reason;
        let (kind, action) = match decision.action {
            Action::Nothing => {
                lock(&self.guard).app_mut(key).refused = None;
                return None;
            }
            Action::Refuse => return self.tell_refusal(key, reason),
            Action::Notify => {
                let mut state = lock(&self.guard);
                state.app_mut(key).notified.extend(decision.threshold);
                let _ = state.save();
                ("notify", "guardNotify")
            }
            Action::Propose { to } => {
                let mut state = lock(&self.guard);
                let entry = state.app_mut(key);
                entry.last_action = Some(at.clone());
                entry.proposal = Some(Proposal {
                    to,
                    code: reason.code.into(),
                    params: reason.params.clone(),
                    text: reason.text.clone(),
                    saving: decision.saving,
                    at,
                });
                let _ = state.save();
                ("propose", "guardPropose")
            }
            Action::ScaleDown { to } => {
                let done = self
                    .cluster
                    .guard_scale(target, &key.app, to, &reason)
                    .await;
                let mut state = lock(&self.guard);
                // Tried, whatever came of it: a refusal (a 403) is told, not retried hourly.
                state.app_mut(key).last_action = Some(at);
                let _ = state.save();
                drop(state);
                return Some(match done {
                    Ok(_) => notice("scaled", key, &reason),
                    Err(error) => self.failure(key, error.into()),
                });
            }
        };
        if let Err(error) = self.record(key, activity::guard(action, &key.app, &reason)) {
            tracing::warn!(code = %error.code, "guard event not audited");
        }
        Some(notice(kind, key, &reason))
    }

    /// Tells "the guard cannot judge this app" once, until the reason changes.
    fn tell_refusal(&self, key: &AppKey, reason: Reason) -> Option<AppError> {
        let mut state = lock(&self.guard);
        let entry = state.app_mut(key);
        if entry.refused.as_deref() == Some(reason.code) {
            return None;
        }
        entry.refused = Some(reason.code.to_string());
        let _ = state.save();
        drop(state);
        if let Err(error) = self.record(key, activity::guard("guardRefuse", &key.app, &reason)) {
            tracing::warn!(code = %error.code, "guard refusal not audited");
        }
        Some(notice("refused", key, &reason))
    }

    /// The guard tried and the cluster refused or failed: the cluster's own words as the hint.
    fn failure(&self, key: &AppKey, error: AppError) -> AppError {
        let mut failed = AppError::hinted("guard_failed", &error.hint_code, &error.message);
        failed.params = error.params.clone();
        failed
            .with("app", key.app.clone())
            .with("context", key.context.clone())
            .with("namespace", key.namespace.clone())
            .with("error", error.code.clone())
    }

    /// The user approves the waiting proposal: the guard scales the app down.
    pub async fn guard_approve(
        &self,
        target: &ClusterTarget,
        app: &str,
    ) -> Result<GuardView, AppError> {
        let key = key_of(target, app);
        let Some(proposal) = lock(&self.guard).app(&key).proposal else {
            return Err(
                AppError::new("guard_no_proposal", "nothing is waiting for approval")
                    .with("app", app),
            );
        };
        let mut reason = Reason {
            code: "over_budget",
            params: proposal.params.clone(),
            text: format!("{} (approved)", proposal.text),
        };
        reason.params.insert("approved".into(), true.into());
        self.cluster
            .guard_scale(target, app, proposal.to, &reason)
            .await?;
        let look = self.cluster.guard_look(target, app).await?;
        {
            let mut state = lock(&self.guard);
            let entry = state.app_mut(&key);
            entry.proposal = None;
            entry.last_action = Some(crate::clock::rfc3339(self.clock.now()));
            let _ = state.save();
        }
        Ok(self.view_of(&key, look).await)
    }

    /// The user turns the waiting proposal down. Audited.
    pub async fn guard_dismiss(
        &self,
        target: &ClusterTarget,
        app: &str,
    ) -> Result<GuardView, AppError> {
        let key = key_of(target, app);
        let proposal = {
            let mut state = lock(&self.guard);
            let taken = state.app_mut(&key).proposal.take();
            let _ = state.save();
            taken
        };
        if let Some(proposal) = proposal {
            let reason = Reason {
                code: "over_budget",
                params: proposal.params,
                text: format!("{} (dismissed)", proposal.text),
            };
            self.record(&key, activity::guard("guardDismiss", app, &reason))?;
        }
        self.guard_view(target, app).await
    }

    /// Puts back what the guard changed. Refused, asking first, when someone changed the app
    /// since (`anyway` = the user said yes).
    pub async fn guard_revert(
        &self,
        target: &ClusterTarget,
        app: &str,
        anyway: bool,
    ) -> Result<GuardView, AppError> {
        let look = self.cluster.guard_revert(target, app, anyway).await?;
        Ok(self.view_of(&key_of(target, app), look).await)
    }
}

/// One of each notice the guard gives and each error of its own, for the window's words.
#[cfg(any(test, feature = "testing"))]
pub fn examples() -> Vec<AppError> {
    let key = AppKey {
        context: "prod".into(),
        namespace: "default".into(),
        app: "assistant".into(),
    };
    let mut out = Vec::new();
    for reason in crate::guard::evaluate::examples() {
        let kinds: &[&str] = match reason.code {
            "threshold" => &["notify"],
            "over_budget" => &["propose", "scaled"],
            "no_budget" | "currency" => &["refused"],
            _ => &[],
        };
        out.extend(kinds.iter().map(|kind| notice(kind, &key, &reason)));
    }
    for (code, params) in [
        ("sample_figures", serde_json::Map::new()),
        (
            "unreachable",
            serde_json::Map::from_iter([("error".into(), "kube_unreachable".into())]),
        ),
    ] {
        let reason = Reason {
            code,
            params,
            text: String::new(),
        };
        out.push(notice("refused", &key, &reason));
    }
    out.push(
        AppError::hinted("guard_failed", "kube_throttled", "x")
            .with("app", "assistant")
            .with("seconds", 5),
    );
    let floor = FieldProblem::new("guardFloor", "guard_floor").with("max", MAX_FLOOR);
    let price = FieldProblem::new("guardVcpuHour", "guard_price");
    let tag = FieldProblem::new("guardCostTag", "guard_tag");
    out.push(AppError::new("guard_invalid", "x").with_fields(vec![floor, price, tag]));
    out.push(AppError::new("guard_unsaved", "x"));
    out.push(AppError::new("guard_no_proposal", "x").with("app", "assistant"));
    out
}
