//! OpenAI API spend beside AWS cost: the organisation's daily cost lines (UTC days) summed
//! into months with their line items, the month-end estimate (the month-to-date daily average
//! carried to the month's end), and the merge into the AWS series as one more service, so the
//! chart, the budget, the guard and the exports all see the sum. Pure.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::openai_api::CostLine;
use super::{CostSeries, ForecastState, MonthCost};
use crate::month::Month;

/// The name OpenAI's spend goes by in the series, the chart and the exports.
pub const SERIES: &str = "OpenAI API";

/// One month of OpenAI spend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenAiMonth {
    /// `YYYY-MM-01`.
    pub month: String,
    pub total: f64,
    /// (line item, amount), largest first.
    pub line_items: Vec<(String, f64)>,
    /// (project ID, amount), largest first; costs outside any project under "".
    #[serde(default)]
    pub projects: Vec<(String, f64)>,
}

/// OpenAI spend by month, and what is left of this month by the daily average.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenAiSpend {
    /// Upper-case ISO 4217, as the AWS series writes it.
    pub currency: String,
    /// Oldest first; only months with spend.
    pub months: Vec<OpenAiMonth>,
    /// Expected spend from now to the month's end; `None` on the month's first day (no full
    /// day to average yet).
    pub remaining: Option<f64>,
}

/// The month of a bucket that starts at `day_start` (Unix seconds; buckets are UTC days).
fn month_of(day_start: i64) -> Option<Month> {
    OffsetDateTime::from_unix_timestamp(day_start)
        .ok()
        .map(|t| Month::of(t.date()))
}

/// Sums the cost lines into months (by the UTC day each bucket starts) with their line items,
/// and estimates the rest of `today`'s month (UTC) from its full days so far. Lines in another
/// currency than the first are left out (the API reports one currency per organisation).
pub fn aggregate(lines: &[CostLine], today: Date) -> OpenAiSpend {
    let currency = lines
        .first()
        .map_or_else(|| "usd".to_string(), |l| l.currency.clone());
    let mut months: BTreeMap<Month, BTreeMap<String, f64>> = BTreeMap::new();
    let mut projects: BTreeMap<Month, BTreeMap<String, f64>> = BTreeMap::new();
    let this_month = Month::of(today);
    let today_start = today.midnight().assume_utc().unix_timestamp();
    let mut full_days_cost = 0.0;
    for line in lines.iter().filter(|l| l.currency == currency) {
        let Some(month) = month_of(line.day_start) else {
            continue;
        };
        let item = line.line_item.clone().unwrap_or_else(|| "other".into());
        *months.entry(month).or_default().entry(item).or_default() += line.amount;
        let project = line.project_id.clone().unwrap_or_default();
        *projects
            .entry(month)
            .or_default()
            .entry(project)
            .or_default() += line.amount;
        if month == this_month && line.day_start < today_start {
            full_days_cost += line.amount;
        }
    }
    let full_days = f64::from(today.day() - 1);
    let days_in_month = f64::from(today.month().length(today.year()));
    let spent_this_month: f64 = months
        .get(&this_month)
        .map_or(0.0, |items| items.values().sum());
    let remaining = (full_days > 0.0)
        .then(|| (full_days_cost / full_days * days_in_month - spent_this_month).max(0.0));
    OpenAiSpend {
        currency: currency.to_ascii_uppercase(),
        months: months
            .into_iter()
            .map(|(month, items)| {
                let line_items = largest_first(items);
                OpenAiMonth {
                    month: month.iso_start(),
                    total: line_items.iter().map(|(_, amount)| amount).sum(),
                    line_items,
                    projects: largest_first(projects.remove(&month).unwrap_or_default()),
                }
            })
            .collect(),
        remaining,
    }
}

fn largest_first(amounts: BTreeMap<String, f64>) -> Vec<(String, f64)> {
    let mut amounts: Vec<(String, f64)> = amounts.into_iter().collect();
    amounts.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    amounts
}

/// Why OpenAI spend was not added to the figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OtherCurrency;

/// Adds OpenAI spend to `series` as the service [`SERIES`] in the months the series shows,
/// and its month-end estimate to the forecast (the interval moves with it). Refused, changing
/// nothing, when the currencies differ.
pub fn merge(
    series: &mut CostSeries,
    forecast: &mut ForecastState,
    spend: &OpenAiSpend,
) -> Result<(), OtherCurrency> {
    if !spend.currency.eq_ignore_ascii_case(&series.currency) {
        return Err(OtherCurrency);
    }
    for month in &mut series.months {
        let Some(openai) = spend.months.iter().find(|m| m.month == month.month) else {
            continue;
        };
        add_service(month, openai.total);
    }
    if let (ForecastState::Available(forecast), Some(remaining)) = (forecast, spend.remaining) {
        forecast.remaining_mean += remaining;
        forecast.remaining_low += remaining;
        forecast.remaining_high += remaining;
    }
    Ok(())
}

fn add_service(month: &mut MonthCost, amount: f64) {
    month.services.retain(|(service, _)| service != SERIES);
    month.services.push((SERIES.to_string(), amount));
    month
        .services
        .sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
}
