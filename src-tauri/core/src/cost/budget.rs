//! The monthly budget and where this month stands against it. Pure.

use serde::{Deserialize, Serialize};

use super::{CostSeries, Forecast};

/// A monthly budget, in the currency Cost Explorer reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    /// Amount per month; always > 0 and finite.
    pub amount: f64,
    /// Alert thresholds in percent of the amount, ascending, each 1..=200.
    pub thresholds: Vec<u16>,
}

/// Where the current month stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetStatus {
    pub budget: f64,
    /// Spent so far this month.
    pub spent: f64,
    /// Spent plus the forecast for the rest of the month, if there is a forecast.
    pub month_end: Option<f64>,
    pub month_end_low: Option<f64>,
    pub month_end_high: Option<f64>,
    /// Percent of the budget spent so far.
    pub spent_percent: f64,
    /// Percent of the budget the month is forecast to end at.
    pub month_end_percent: Option<f64>,
    /// Thresholds already crossed by what is spent.
    pub crossed: Vec<u16>,
    /// Thresholds the forecast says will be crossed by the month's end (not yet crossed).
    pub forecast_to_cross: Vec<u16>,
    /// Closed months (in the series) that went over the budget, as `YYYY-MM-01`.
    pub months_over: Vec<String>,
}

impl Budget {
    /// Where the latest month of `series` stands, with `forecast` for the rest of it.
    /// `current_month` is `YYYY-MM-01` of today.
    pub fn status(
        &self,
        series: &CostSeries,
        forecast: Option<&Forecast>,
        current_month: &str,
    ) -> BudgetStatus {
        let spent = series
            .months
            .iter()
            .find(|m| m.month == current_month)
            .map(|m| m.total())
            .unwrap_or(0.0);
        let month_end = forecast.map(|f| spent + f.remaining_mean);
        let percent = |value: f64| value / self.amount * 100.0;
        let crossed: Vec<u16> = self
            .thresholds
            .iter()
            .copied()
            .filter(|t| percent(spent) >= f64::from(*t))
            .collect();
        let forecast_to_cross = match month_end {
            Some(end) => self
                .thresholds
                .iter()
                .copied()
                .filter(|t| !crossed.contains(t) && percent(end) >= f64::from(*t))
                .collect(),
            None => Vec::new(),
        };
        BudgetStatus {
            budget: self.amount,
            spent,
            month_end,
            month_end_low: forecast.map(|f| spent + f.remaining_low),
            month_end_high: forecast.map(|f| spent + f.remaining_high),
            spent_percent: percent(spent),
            month_end_percent: month_end.map(percent),
            crossed,
            forecast_to_cross,
            months_over: series
                .months
                .iter()
                .filter(|m| m.month != current_month && m.total() > self.amount)
                .map(|m| m.month.clone())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::MonthCost;
    #[test]
    fn status_against_spend_and_forecast() {
        let series = CostSeries {
            currency: "USD".into(),
            months: vec![
                MonthCost {
                    month: "2026-10-01".into(),
                    services: vec![("EC2".into(), 1200.0)],
                    estimated: false,
                },
                MonthCost {
                    month: "2026-11-01".into(),
                    services: vec![("EC2".into(), 850.0)],
                    estimated: true,
                },
            ],
        };
        let budget = Budget {
            amount: 1000.0,
            thresholds: vec![80, 100],
        };
        let forecast = Forecast {
            remaining_mean: 300.0,
            remaining_low: 100.0,
            remaining_high: 500.0,
        };
        let status = budget.status(&series, Some(&forecast), "2026-11-01");
        assert_eq!(status.spent, 850.0);
        assert_eq!(status.month_end, Some(1150.0));
        assert_eq!(status.crossed, vec![80]);
        assert_eq!(status.forecast_to_cross, vec![100]);
        assert_eq!(status.months_over, vec!["2026-10-01".to_string()]);
        let without = budget.status(&series, None, "2026-11-01");
        assert!(without.forecast_to_cross.is_empty());
    }
}
