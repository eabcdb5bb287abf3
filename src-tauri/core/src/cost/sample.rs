//! Sample figures, so a new user sees what the view will look like before AWS is connected.
//! Always labelled as sample data in the UI; never mixed with real figures.

use super::{CostSeries, Forecast, MonthCost};
use crate::month::Month;

/// Twelve closed months plus the current one, for an app on EKS that calls OpenAI.
pub fn sample_series(today: time::Date, months: u8) -> (CostSeries, Forecast) {
    let services: [(&str, f64); 9] = [
        ("Amazon Elastic Kubernetes Service", 146.0),
        ("Amazon Elastic Compute Cloud - Compute", 412.0),
        ("Amazon Relational Database Service", 188.0),
        ("Elastic Load Balancing", 41.0),
        ("Amazon Simple Storage Service", 23.0),
        ("Amazon CloudWatch", 31.0),
        ("Amazon Virtual Private Cloud", 27.0),
        ("AWS Key Management Service", 6.0),
        ("Amazon Route 53", 3.0),
    ];
    let current = Month::of(today);
    let day_fraction = f64::from(today.day()) / 30.0;
    let series_months = (0..=i32::from(months))
        .rev()
        .map(|back| {
            let month = current.plus(-back);
            // A gentle upward trend with a seasonal wobble, deterministic.
            let factor =
                0.82 + 0.02 * f64::from(12 - back.min(12)) + 0.05 * f64::from((back * 7) % 5) / 4.0;
            let scale = if back == 0 {
                factor * day_fraction.min(1.0)
            } else {
                factor
            };
            MonthCost {
                month: month.iso_start(),
                services: services
                    .iter()
                    .map(|(name, base)| (name.to_string(), (base * scale * 100.0).round() / 100.0))
                    .collect(),
                estimated: back == 0,
            }
        })
        .collect();
    let series = CostSeries {
        currency: "USD".into(),
        months: series_months,
    };
    let spent = series.months.last().map(|m| m.total()).unwrap_or(0.0);
    let remaining = spent / day_fraction.max(0.05) * (1.0 - day_fraction).max(0.0);
    (
        series,
        Forecast {
            remaining_mean: remaining,
            remaining_low: remaining * 0.85,
            remaining_high: remaining * 1.2,
        },
    )
}
