//! Pure: Cost Explorer answers → [`CostSeries`]; series → CSV.

use std::collections::BTreeMap;

use super::{CostError, CostSeries, MonthCost};
use crate::month::Month;

/// One `ResultByTime` as Cost Explorer sent it, independent of the SDK's types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMonth {
    /// `TimePeriod.Start`, e.g. `2026-03-01`.
    pub start: String,
    pub estimated: bool,
    pub groups: Vec<RawGroup>,
}

/// One group (a service) within a month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawGroup {
    pub service: String,
    /// The metric's `Amount`, a decimal string.
    pub amount: Option<String>,
    /// The metric's `Unit`, e.g. `USD`.
    pub unit: Option<String>,
}

/// Merges pages (a month's groups may be split across pages) into one series, oldest month
/// first, services largest first. Amounts that are missing or not numbers are refused with the
/// month and service named; credits (negative amounts) are kept.
pub fn build_series(pages: &[RawMonth]) -> Result<CostSeries, CostError> {
    let mut months: BTreeMap<Month, (bool, BTreeMap<String, f64>)> = BTreeMap::new();
    let mut currency: Option<String> = None;
    for raw in pages {
        let month = Month::parse(&raw.start).ok_or_else(|| CostError::BadData {
            detail: format!("a period starting {:?}", shorten(&raw.start)),
        })?;
        let entry = months.entry(month).or_insert((false, BTreeMap::new()));
        entry.0 |= raw.estimated;
        for group in &raw.groups {
            let where_ = || format!("{} in {}", shorten(&group.service), month.iso_start());
            let text = group.amount.as_deref().ok_or_else(|| CostError::BadData {
                detail: format!("no amount for {}", where_()),
            })?;
            let amount: f64 = text
                .trim()
                .parse()
                .ok()
                .filter(|a: &f64| a.is_finite())
                .ok_or_else(|| CostError::BadData {
                    detail: format!("amount {:?} for {}", shorten(text), where_()),
                })?;
            let unit = group.unit.clone().unwrap_or_else(|| "USD".to_string());
            match &currency {
                None => currency = Some(unit),
                Some(known) if *known != unit => {
                    return Err(CostError::BadData {
                        detail: format!("two currencies ({known} and {})", shorten(&unit)),
                    })
                }
                Some(_) => {}
            }
            *entry.1.entry(group.service.clone()).or_default() += amount;
        }
    }
    let months = months
        .into_iter()
        .map(|(month, (estimated, services))| {
            let mut services: Vec<(String, f64)> = services.into_iter().collect();
            services.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            MonthCost {
                month: month.iso_start(),
                services,
                estimated,
            }
        })
        .collect();
    Ok(CostSeries {
        currency: currency.unwrap_or_else(|| "USD".to_string()),
        months,
    })
}

/// The `n` services with the largest total over the series, largest first.
pub fn top_services(series: &CostSeries, n: usize) -> Vec<String> {
    let mut totals: BTreeMap<&str, f64> = BTreeMap::new();
    for month in &series.months {
        for (service, amount) in &month.services {
            *totals.entry(service).or_default() += amount;
        }
    }
    let mut ranked: Vec<(&str, f64)> = totals.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    ranked
        .into_iter()
        .take(n)
        .map(|(s, _)| s.to_string())
        .collect()
}

/// The numbers behind the chart, one row per month and service, for a spreadsheet; OpenAI's
/// spend as one row per line item (the amounts still add up to the month).
pub fn to_csv(series: &CostSeries, openai: Option<&super::openai::OpenAiSpend>) -> String {
    let mut csv = String::from("month,service,amount,currency,estimated,line_item\n");
    let mut row = |month: &MonthCost, service: &str, amount: f64, item: &str| {
        csv.push_str(&format!(
            "{},{},{:.2},{},{},{}\n",
            month_label(&month.month),
            csv_field(service),
            amount,
            series.currency,
            month.estimated,
            csv_field(item)
        ));
    };
    for month in &series.months {
        for (service, amount) in &month.services {
            let items = openai
                .filter(|_| service == super::openai::SERIES)
                .and_then(|spend| spend.months.iter().find(|m| m.month == month.month))
                .map(|m| m.line_items.as_slice())
                .filter(|items| !items.is_empty());
            match items {
                Some(items) => {
                    for (item, amount) in items {
                        row(month, service, *amount, item);
                    }
                }
                None => row(month, service, *amount, ""),
            }
        }
    }
    csv
}

/// `YYYY-MM` of a `YYYY-MM-01` period start; anything else as it is (never a panic).
fn month_label(start: &str) -> String {
    match Month::parse(start) {
        Some(m) => m.to_string(),
        None => csv_field(start),
    }
}

/// A text cell: quoted when it holds a separator, and never a formula — a spreadsheet runs a
/// cell that starts with `=`, `+`, `-`, `@` (or a tab or carriage return) as one, so such a
/// name (a service or line item is someone else's text) gets a leading `'`, as OWASP advises.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    let text = text.as_str();
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn shorten(text: &str) -> String {
    text.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(service: &str, amount: Option<&str>) -> RawGroup {
        RawGroup {
            service: service.into(),
            amount: amount.map(str::to_string),
            unit: Some("USD".into()),
        }
    }

    fn month(start: &str, groups: Vec<RawGroup>) -> RawMonth {
        RawMonth {
            start: start.into(),
            estimated: false,
            groups,
        }
    }

    #[test]
    fn a_name_that_a_spreadsheet_would_run_as_a_formula_is_written_as_text() {
        for (name, cell) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"",
            ),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("Amazon EC2", "Amazon EC2"),
            ("a, b", "\"a, b\""),
        ] {
            assert_eq!(csv_field(name), cell, "{name}");
        }
    }

    #[test]
    fn merges_pages_and_sorts() {
        let pages = vec![
            month("2026-10-01", vec![group("Amazon EC2", Some("10.5"))]),
            month("2026-09-01", vec![group("AWS Lambda", Some("1"))]),
            month(
                "2026-10-01",
                vec![group("Amazon S3", Some("20")), group("Tax", Some("-2.5"))],
            ),
        ];
        let series = build_series(&pages).unwrap();
        assert_eq!(series.currency, "USD");
        assert_eq!(series.months.len(), 2);
        assert_eq!(series.months[0].month, "2026-09-01");
        let october = &series.months[1];
        assert_eq!(october.services[0], ("Amazon S3".to_string(), 20.0));
        assert_eq!(october.total(), 28.0);
    }

    #[test]
    fn unreadable_amounts_are_refused_naming_month_and_service() {
        for bad in [
            None,
            Some("abc"),
            Some(""),
            Some("NaN"),
            Some("inf"),
            Some("1e999"),
        ] {
            let error =
                build_series(&[month("2026-03-01", vec![group("Amazon EC2", bad)])]).unwrap_err();
            let text = error.to_string();
            assert!(
                text.contains("Amazon EC2") && text.contains("2026-03"),
                "{text}"
            );
        }
    }

    #[test]
    fn mixed_currencies_and_bad_periods_are_refused() {
        let mut euro = group("Amazon S3", Some("1"));
        euro.unit = Some("EUR".into());
        let mixed = vec![month(
            "2026-03-01",
            vec![group("Amazon EC2", Some("1")), euro],
        )];
        assert!(build_series(&mixed)
            .unwrap_err()
            .to_string()
            .contains("two currencies"));
        assert!(build_series(&[month("March", vec![])]).is_err());
    }

    #[test]
    fn csv_quotes_awkward_names() {
        let series = build_series(&[month(
            "2026-03-01",
            vec![group("Savings, \"Plans\"", Some("3.456"))],
        )])
        .unwrap();
        assert_eq!(
            to_csv(&series, None),
            "month,service,amount,currency,estimated,line_item\n2026-03,\"Savings, \"\"Plans\"\"\",3.46,USD,false,\n"
        );
    }

    #[test]
    fn csv_never_fails_on_an_odd_month() {
        let series = CostSeries {
            currency: "USD".into(),
            months: vec![MonthCost {
                month: "2026-1".into(),
                services: vec![("EC2".into(), 1.0)],
                estimated: false,
            }],
        };
        assert_eq!(
            to_csv(&series, None),
            "month,service,amount,currency,estimated,line_item\n2026-1,EC2,1.00,USD,false,\n"
        );
    }

    #[test]
    fn top_services_rank_by_total() {
        let series = build_series(&[
            month(
                "2026-01-01",
                vec![group("A", Some("5")), group("B", Some("1"))],
            ),
            month(
                "2026-02-01",
                vec![group("B", Some("10")), group("C", Some("2"))],
            ),
        ])
        .unwrap();
        assert_eq!(top_services(&series, 2), vec!["B", "A"]);
    }
}
