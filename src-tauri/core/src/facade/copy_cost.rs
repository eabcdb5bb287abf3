//! What one copy of an app costs, and what a change in copies would: estimated from the
//! copy's requests at the guard's prices or, when the user names the tag on the app's AWS
//! resources, measured as the last full month's tagged cost ÷ the copy-hours the app ran in
//! it (replayed from the audit log, with the Deployment's creation time from the cluster).

use serde::Serialize;
use time::OffsetDateTime;

use super::costs::Aws;
use super::figures::{figures_of, rest_of_month};
use super::{key_of, Purser};
use crate::cluster::{CopyCount, Target as ClusterTarget};
use crate::cost::tag_pair;
use crate::cost::{CostQuery, CostSource};
use crate::error::{AppError, FieldProblem};
use crate::guard::cluster_ops::{GuardOps, Reach};
use crate::guard::copy_hours::{changes, copy_hours};
use crate::guard::ports::{GuardCluster, Look};
use crate::guard::{
    from_requests, from_tagged, AppKey, CopyCost, Measured, Prices, TaggedFailure, TaggedMonth,
};
use crate::month::Month;
use crate::sync::lock;

/// A tagged-cost lookup that failed is not asked again (and paid for) for this long.
const FAILURE_KEPT: time::Duration = time::Duration::days(1);

/// What a change in copies would cost, for the scale control and the deploy form.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CostPreview {
    pub from: i32,
    pub to: i32,
    pub copy_cost: Option<CopyCost>,
    /// Change per month (USD): positive costs more.
    pub monthly_change: Option<f64>,
    /// This month's forecast now, and with the change for the rest of the month.
    pub month_end: Option<f64>,
    pub new_month_end: Option<f64>,
    pub budget: Option<f64>,
    pub currency: String,
    /// The forecast is not shown: AWS is not connected and only sample figures exist, which
    /// a decision on a real cluster must never be weighed against.
    pub forecast_unknown: bool,
}

/// Why the tagged cost was not used for a copy's cost (the window words it as
/// `guard.tag_<code>`); the estimate from the prices is used instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagProblem {
    /// An autoscaler decides the copies; the log does not know them.
    Autoscaler,
    /// The log does not show the copies for all of last month.
    NoCopyHours,
    /// Cost Explorer shows nothing with the tag (not activated for cost allocation?).
    NoTaggedCost,
    NoAws,
    CostUnavailable,
    Currency,
    NoLog,
}

impl TagProblem {
    /// As records keep it.
    fn code(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    fn from_code(code: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::from(code)).ok()
    }

    pub const ALL: [TagProblem; 7] = [
        TagProblem::Autoscaler,
        TagProblem::NoCopyHours,
        TagProblem::NoTaggedCost,
        TagProblem::NoAws,
        TagProblem::CostUnavailable,
        TagProblem::Currency,
        TagProblem::NoLog,
    ];
}

/// One copy's cost, and why the tagged cost was not used when a tag is set.
pub(super) struct CopyCostFound {
    pub cost: Option<CopyCost>,
    pub tag_problem: Option<TagProblem>,
}

fn start_of(month: Month) -> OffsetDateTime {
    month.first_day().midnight().assume_utc()
}

impl Purser {
    /// One copy's monthly cost: measured from the tagged cost when the app has a tag and it
    /// can be, else estimated from its requests at the guard's prices.
    pub(super) async fn copy_cost(&self, key: &AppKey, look: &Look) -> CopyCostFound {
        let (prices, tag) = {
            let state = lock(&self.guard);
            (state.prices().clone(), state.tagging(key).cost_tag)
        };
        let estimate = from_requests(look.cpu, look.memory, &prices);
        let Some(tag) = tag else {
            return CopyCostFound {
                cost: estimate,
                tag_problem: None,
            };
        };
        match self.measure(key, look, &tag).await.map(from_tagged) {
            Ok(Some(measured)) => CopyCostFound {
                cost: Some(measured),
                tag_problem: None,
            },
            Ok(None) => CopyCostFound {
                cost: estimate,
                tag_problem: Some(TagProblem::NoCopyHours),
            },
            Err(problem) => CopyCostFound {
                cost: estimate,
                tag_problem: Some(problem),
            },
        }
    }

    /// The last full month's tagged cost and the copy-hours the app ran in it.
    async fn measure(&self, key: &AppKey, look: &Look, tag: &str) -> Result<Measured, TagProblem> {
        if look.autoscaler.is_some() {
            // Its copies come and go with load; the log does not know them.
            return Err(TagProblem::Autoscaler);
        }
        let month = Month::of(self.clock.now().date()).plus(-1);
        let entries = self
            .cluster
            .audit()
            .recent(usize::MAX)
            .map_err(|_| TagProblem::NoLog)?;
        let changes = changes(&entries, &key.context, &key.namespace, &key.app);
        let hours = copy_hours(
            &changes,
            look.created,
            start_of(month),
            start_of(month.plus(1)),
        )
        .filter(|hours| *hours > 0.0)
        .ok_or(TagProblem::NoCopyHours)?;
        let cost = self.tagged_cost(key, tag, month).await?;
        if cost <= 0.0 {
            return Err(TagProblem::NoTaggedCost);
        }
        Ok(Measured {
            month: month.to_string(),
            tag: tag.to_string(),
            cost,
            copy_hours: hours,
        })
    }

    /// The tag's cost for `month`: asked of Cost Explorer once (one request), then kept; a
    /// failure is kept for a day, so a slider or the hourly check does not ask (and pay)
    /// again and again.
    async fn tagged_cost(&self, key: &AppKey, tag: &str, month: Month) -> Result<f64, TagProblem> {
        let wanted = month.to_string();
        let now = self.clock.now();
        let kept = lock(&self.guard).tagging(key);
        if let Some(kept) = kept.tagged.filter(|t| t.month == wanted && t.tag == tag) {
            return Ok(kept.cost);
        }
        let failed = kept.tagged_failed.filter(|f| {
            f.month == wanted
                && f.tag == tag
                && crate::clock::parse_rfc3339(&f.at).is_some_and(|at| now - at < FAILURE_KEPT)
        });
        if let Some(problem) = failed.and_then(|f| TagProblem::from_code(&f.problem)) {
            return Err(problem);
        }
        let asked = self.ask_tagged_cost(tag, month).await;
        let mut tagging = lock(&self.guard).tagging(key);
        match &asked {
            Ok((cost, currency)) => {
                tagging.tagged = Some(TaggedMonth {
                    month: wanted,
                    tag: tag.to_string(),
                    cost: *cost,
                    currency: currency.clone(),
                });
                tagging.tagged_failed = None;
            }
            // Not asked at all: nothing was paid, nothing to keep.
            Err(TagProblem::NoAws) => {}
            Err(problem) => {
                tagging.tagged_failed = Some(TaggedFailure {
                    month: wanted,
                    tag: tag.to_string(),
                    at: crate::clock::rfc3339(now),
                    problem: problem.code(),
                });
            }
        }
        if let Err(error) = lock(&self.guard).set_tagging(key, tagging) {
            tracing::warn!(%error, "the tagged cost could not be kept");
        }
        asked.map(|(cost, _)| cost)
    }

    /// One Cost Explorer request for the tag's cost in `month`, in US dollars.
    async fn ask_tagged_cost(&self, tag: &str, month: Month) -> Result<(f64, String), TagProblem> {
        let Ok(Aws::Ready(explorer, account)) = self.explorer().await else {
            return Err(TagProblem::NoAws);
        };
        let settings = self.settings();
        let query = CostQuery {
            account,
            months: 1,
            metric: settings.cost_metric,
            tag: tag_pair(tag),
            linked_account: settings.cost_linked_account.clone(),
        };
        let source: &dyn CostSource = &explorer;
        let (cost, currency) = self
            .costs
            .month_total(source, &query, month, self.clock.now())
            .await
            .map_err(|error| {
                tracing::warn!(code = error.code(), "the tagged cost could not be read");
                TagProblem::CostUnavailable
            })?;
        if currency != "USD" {
            // The prices and the per-copy figure are in dollars.
            return Err(TagProblem::Currency);
        }
        Ok((cost, currency))
    }

    /// Sets the prices a copy is estimated at (USD per vCPU-hour and per GB-hour). Refused,
    /// changing nothing, unless both are positive amounts under $10 an hour.
    pub async fn set_guard_prices(
        &self,
        target: &ClusterTarget,
        app: &str,
        vcpu_hour: f64,
        gb_hour: f64,
    ) -> Result<super::GuardView, AppError> {
        let valid = |price: f64| price.is_finite() && price > 0.0 && price < 10.0;
        let problems: Vec<FieldProblem> = [("guardVcpuHour", vcpu_hour), ("guardGbHour", gb_hour)]
            .into_iter()
            .filter(|(_, price)| !valid(*price))
            .map(|(field, _)| FieldProblem::new(field, "guard_price"))
            .collect();
        if !problems.is_empty() {
            return Err(
                AppError::new("guard_invalid", "a price is not a positive amount")
                    .with_fields(problems),
            );
        }
        let defaults = Prices::default();
        let source = if vcpu_hour == defaults.vcpu_hour && gb_hour == defaults.gb_hour {
            defaults.source
        } else {
            "edited".into()
        };
        lock(&self.guard).set_prices(Prices {
            vcpu_hour,
            gb_hour,
            source,
        })?;
        self.guard_view(target, app).await
    }

    /// Sets the cost-allocation tag on the app's AWS resources (`key=value`; empty: none), by
    /// which a copy's cost is measured. Refused, changing nothing, when it is not `key=value`.
    pub async fn set_guard_cost_tag(
        &self,
        target: &ClusterTarget,
        app: &str,
        tag: &str,
    ) -> Result<super::GuardView, AppError> {
        let tag = tag.trim();
        if !tag.is_empty() && !crate::settings::is_tag_filter(tag) {
            let problem = FieldProblem::new("guardCostTag", "guard_tag");
            return Err(AppError::new("guard_invalid", "the tag is not key=value")
                .with_fields(vec![problem]));
        }
        {
            let key = key_of(target, app);
            let mut state = lock(&self.guard);
            let mut tagging = state.tagging(&key);
            tagging.cost_tag = (!tag.is_empty()).then(|| tag.to_string());
            state.set_tagging(&key, tagging)?;
        }
        self.guard_view(target, app).await
    }

    /// What running `to` copies of the app would cost, against this month's forecast.
    pub async fn scale_preview(
        &self,
        target: &ClusterTarget,
        app: &str,
        to: i64,
    ) -> Result<CostPreview, AppError> {
        let to = match CopyCount::parse("replicas", to) {
            Ok(to) => to.get(),
            Err(problem) => {
                return Err(
                    AppError::new("kube_invalid_form", "the copies are not 0 to 100")
                        .with_fields(vec![problem]),
                )
            }
        };
        let key = key_of(target, app);
        let (from, copy_cost) = match self.look_for_preview(&key).await {
            Ok(look) => {
                let found = self.copy_cost(&key, &look).await;
                (look.copies, found.cost)
            }
            Err(_) => (0, None),
        };
        self.cost_of_copies(target, from, to, copy_cost).await
    }

    /// The sizes the deploy form offers, each priced per copy per month at the guard's prices.
    pub fn size_presets(&self) -> Vec<crate::guard::PricedSize> {
        crate::guard::priced_sizes(lock(&self.guard).prices())
    }

    /// The same for the deploy form: its copies and requests (at the guard's prices) against
    /// what runs now. A form whose copies or requests cannot be read yet is priced as far as
    /// it can be.
    pub async fn form_cost(
        &self,
        target: &ClusterTarget,
        form: &crate::cluster::AppSpec,
    ) -> Result<CostPreview, AppError> {
        use purser_kubesim::quantity;
        let from = match self
            .look_for_preview(&key_of(target, form.name.trim()))
            .await
        {
            Ok(look) => look.copies,
            Err(_) => 0,
        };
        // Copies the form would refuse cost nothing here; the form says what is wrong.
        let to = form
            .replicas
            .and_then(CopyCount::new)
            .map_or(0, CopyCount::get);
        let cpu = quantity::parse(form.cpu_request.trim()).unwrap_or(0.0);
        let memory = quantity::parse(form.memory_request.trim()).unwrap_or(0.0);
        let prices = lock(&self.guard).prices().clone();
        self.cost_of_copies(target, from, to, from_requests(cpu, memory, &prices))
            .await
    }

    /// The app as the connected cluster has it, for a preview.
    async fn look_for_preview(&self, key: &AppKey) -> Result<Look, crate::guard::GuardError> {
        let ops = GuardOps::new(&self.cluster, Reach::Connected);
        ops.look(key).await
    }

    async fn cost_of_copies(
        &self,
        target: &ClusterTarget,
        from: i32,
        to: i32,
        copy_cost: Option<CopyCost>,
    ) -> Result<CostPreview, AppError> {
        let monthly_change = copy_cost.as_ref().map(|c| f64::from(to - from) * c.monthly);
        let now = self.clock.now();
        let figures = self
            .month_report(now, false)
            .await
            .ok()
            .map(|m| figures_of(&m));
        // Made-up figures are fine beside the sandbox, never beside a real cluster.
        let forecast_unknown = figures.as_ref().is_some_and(|f| f.sample)
            && !crate::cluster::ClusterService::is_sandbox(&target.context);
        let month_end = figures
            .as_ref()
            .filter(|_| !forecast_unknown)
            .and_then(|f| f.month_end);
        let rest = rest_of_month(now);
        Ok(CostPreview {
            from,
            to,
            copy_cost,
            monthly_change,
            month_end,
            new_month_end: month_end
                .zip(monthly_change)
                .map(|(end, change)| end + change * rest),
            budget: self.settings().budget_amount,
            currency: figures.map_or_else(|| "USD".into(), |f| f.currency),
            forecast_unknown,
        })
    }
}
