//! Monthly AWS cost against a budget: Cost Explorer queries (monthly, by service, paginated),
//! the month-end forecast, an on-disk cache with a TTL and a request meter, and the pure
//! arithmetic that turns answers into a [`CostSeries`] and a [`BudgetStatus`].
//!
//! Cost Explorer charges $0.01 per request page, so every request is counted and answers are
//! cached (default 6 h); a failed refresh keeps the cached figures, marked stale.

mod aggregate;
mod budget;
mod cache;
mod change;
mod explorer;
pub mod messages;
pub mod openai;
pub mod openai_api;
pub mod openai_report;
pub mod openai_store;
mod report;
mod sample;
pub mod spend_limit;
mod stored;
mod view;

pub use aggregate::top_services;
pub use aggregate::{build_series, to_csv, RawGroup, RawMonth};
pub use budget::{Budget, BudgetStatus};
pub use cache::{CostCache, RequestMeter, DEFAULT_REQUEST_CAP, DEFAULT_TTL, PRICE_PER_REQUEST_USD};
pub use change::{month_change, Comparison, MonthChange, Mover};
pub use explorer::{
    CostEndpoints, CostExplorer, CostSource, ForecastAnswer, RetryMeter, UsagePage,
};

pub use report::Stale;
pub use report::{cached_report, load_report, month_total, CostReport, DataOrigin, ReportRequest};
pub use sample::sample_series;
pub use stored::{CachedReport, ForecastState};
pub use view::{merged, month_lines, CostService, Merged, MonthLines};

use serde::{Deserialize, Serialize};

use crate::month::Month;

/// Which cost Cost Explorer reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Metric {
    #[default]
    UnblendedCost,
    AmortizedCost,
    NetUnblendedCost,
}

impl Metric {
    /// The name `GetCostAndUsage` expects.
    pub fn usage_name(self) -> &'static str {
        match self {
            Metric::UnblendedCost => "UnblendedCost",
            Metric::AmortizedCost => "AmortizedCost",
            Metric::NetUnblendedCost => "NetUnblendedCost",
        }
    }

    /// The name `GetCostForecast` expects.
    pub fn forecast_name(self) -> &'static str {
        match self {
            Metric::UnblendedCost => "UNBLENDED_COST",
            Metric::AmortizedCost => "AMORTIZED_COST",
            Metric::NetUnblendedCost => "NET_UNBLENDED_COST",
        }
    }
}

/// Cost Explorer keeps 13 months of history (plus the current month).
pub const MAX_MONTHS: u8 = 13;

/// What to ask Cost Explorer, and on whose behalf.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CostQuery {
    /// Whose costs: a stable name for the AWS credentials that is not itself a secret (the
    /// profile's name, or a hash of the access key ID). Part of the cache key, so switching
    /// credentials never shows another account's figures as fresh.
    pub account: String,
    /// Full months before the current one (1..=13).
    pub months: u8,
    pub metric: Metric,
    /// Only costs carrying this cost-allocation tag, e.g. (`app`, `openai-app`).
    pub tag: Option<(String, String)>,
    /// Only this linked account (12 digits).
    pub linked_account: Option<String>,
}

impl Default for CostQuery {
    fn default() -> Self {
        Self {
            account: String::new(),
            months: 12,
            metric: Metric::default(),
            tag: None,
            linked_account: None,
        }
    }
}

/// One month's cost by service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthCost {
    /// First day of the month, `YYYY-MM-01`.
    pub month: String,
    /// Cost per service, largest first.
    pub services: Vec<(String, f64)>,
    /// Cost Explorer marks months that have not closed as estimated.
    pub estimated: bool,
}

impl MonthCost {
    pub fn total(&self) -> f64 {
        self.services.iter().map(|(_, amount)| amount).sum()
    }
}

/// Monthly costs, oldest first, in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CostSeries {
    /// ISO currency code from Cost Explorer's unit, e.g. `USD`.
    pub currency: String,
    pub months: Vec<MonthCost>,
}

impl CostSeries {
    /// The rules every series must keep, whoever made it: months `YYYY-MM-01` in order, no
    /// repeats, finite amounts, a three-letter currency.
    pub fn validate(&self) -> Result<(), String> {
        let currency_ok =
            self.currency.len() == 3 && self.currency.bytes().all(|b| b.is_ascii_uppercase());
        if !currency_ok {
            return Err("the currency is not a three-letter code".into());
        }
        let mut previous: Option<Month> = None;
        for month in &self.months {
            let parsed = Month::parse(&month.month)
                .filter(|m| m.iso_start() == month.month)
                .ok_or_else(|| "a month is not written YYYY-MM-01".to_string())?;
            if previous.is_some_and(|p| p >= parsed) {
                return Err("the months are not in order".into());
            }
            previous = Some(parsed);
            if month.services.iter().any(|(_, amount)| !amount.is_finite()) {
                return Err("an amount is not a number".into());
            }
        }
        Ok(())
    }
}

/// The month-end forecast for the current month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Forecast {
    /// Expected cost from today to the end of the month (not including what is already spent).
    pub remaining_mean: f64,
    /// 80 % prediction interval for the remaining cost.
    pub remaining_low: f64,
    pub remaining_high: f64,
}

/// What went wrong getting costs, in words a user can act on.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CostError {
    #[error("These AWS credentials are not allowed to read costs (they lack the permission {permission})")]
    MissingPermission { permission: &'static str },
    #[error("Cost Explorer is not enabled for this AWS account")]
    NotEnabled,
    #[error("Cost Explorer is throttling requests (it still did after several retries)")]
    Throttled,
    #[error("Could not reach Cost Explorer ({reason})")]
    Offline { reason: String },
    #[error("Cost Explorer returned data Purser cannot read: {detail}")]
    BadData { detail: String },
    #[error("{0}")]
    Access(#[from] crate::secrets::CheckError),
    #[error("Cost Explorer failed: {detail}")]
    Service { detail: String },
    /// The user's monthly cap on paid requests is reached: no request is made.
    #[error("Purser has made {cap} Cost Explorer requests this month, the monthly cap")]
    RequestCap { cap: u32 },
}

impl CostError {
    /// A stable identifier the UI branches on.
    pub fn code(&self) -> &'static str {
        match self {
            CostError::MissingPermission { .. } => "cost_missing_permission",
            CostError::NotEnabled => "cost_not_enabled",
            CostError::Throttled => "cost_throttled",
            CostError::Offline { .. } => "cost_offline",
            CostError::BadData { .. } => "cost_bad_data",
            CostError::Access(inner) => inner.code(),
            CostError::Service { .. } => "cost_service_error",
            CostError::RequestCap { .. } => "cost_request_cap",
        }
    }
}

/// `key=value` as a cost-allocation tag filter.
pub fn tag_pair(text: &str) -> Option<(String, String)> {
    let (key, value) = text.split_once('=')?;
    Some((key.trim().to_string(), value.trim().to_string()))
}
