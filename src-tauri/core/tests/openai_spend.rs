//! OpenAI spend summed into months and merged into the AWS figures: table tests across month
//! boundaries (buckets are UTC days, whatever the user's time zone), line items, the month-end
//! estimate from full days, empty buckets, another currency refused.

use purser_core::cost::openai::{aggregate, merge, OpenAiSpend, SERIES};
use purser_core::cost::openai_api::CostLine;
use purser_core::cost::{CostSeries, Forecast, ForecastState, MonthCost};
use time::macros::{date, datetime, offset};
use time::OffsetDateTime;

fn line(day: OffsetDateTime, item: &str, amount: f64) -> CostLine {
    CostLine {
        day_start: day.unix_timestamp(),
        project_id: Some("proj_a".into()),
        line_item: Some(item.into()),
        amount,
        currency: "usd".into(),
    }
}

#[test]
fn buckets_fall_in_the_utc_month_they_start_in() {
    // (bucket start, the month it belongs to)
    let cases = [
        (datetime!(2026-10-31 00:00 UTC), "2026-10-01"),
        (datetime!(2026-11-01 00:00 UTC), "2026-11-01"),
        // The same instant written in Los Angeles time is still 1 November in UTC.
        (datetime!(2026-10-31 17:00 -7), "2026-11-01"),
        (datetime!(2025-12-31 00:00 UTC), "2025-12-01"),
        (datetime!(2026-01-01 00:00 UTC), "2026-01-01"),
        (datetime!(2026-02-28 00:00 UTC), "2026-02-01"),
        (datetime!(2026-03-01 00:00 UTC), "2026-03-01"),
    ];
    for (start, month) in cases {
        let spend = aggregate(&[line(start, "gpt-4o, input", 1.0)], date!(2026 - 11 - 20));
        assert_eq!(spend.months.len(), 1, "{start}");
        assert_eq!(spend.months[0].month, month, "{start}");
    }
}

#[test]
fn months_hold_their_line_items_largest_first() {
    let spend = aggregate(
        &[
            line(datetime!(2026-10-30 00:00 UTC), "gpt-4o, input", 2.0),
            line(datetime!(2026-10-31 00:00 UTC), "gpt-4o, output", 5.0),
            line(datetime!(2026-10-31 00:00 UTC), "gpt-4o, input", 1.5),
            line(datetime!(2026-11-01 00:00 UTC), "embeddings", 0.25),
        ],
        date!(2026 - 11 - 20),
    );
    assert_eq!(spend.currency, "USD");
    let october = &spend.months[0];
    assert_eq!(october.total, 8.5);
    assert_eq!(
        october.line_items,
        vec![
            ("gpt-4o, output".to_string(), 5.0),
            ("gpt-4o, input".to_string(), 3.5)
        ]
    );
    assert_eq!(
        spend.months[1].line_items,
        vec![("embeddings".into(), 0.25)]
    );
}

#[test]
fn months_hold_their_projects_largest_first_and_costs_outside_any_project_apart() {
    let in_project = |project: Option<&str>, amount: f64| CostLine {
        project_id: project.map(str::to_string),
        ..line(datetime!(2026-11-02 00:00 UTC), "gpt-4o, input", amount)
    };
    let spend = aggregate(
        &[
            in_project(Some("proj_a"), 2.0),
            in_project(Some("proj_b"), 5.0),
            in_project(None, 0.5),
            in_project(Some("proj_a"), 4.0),
        ],
        date!(2026 - 11 - 20),
    );
    assert_eq!(
        spend.months[0].projects,
        vec![
            ("proj_a".to_string(), 6.0),
            ("proj_b".to_string(), 5.0),
            (String::new(), 0.5)
        ]
    );
}

#[test]
fn the_month_end_estimate_carries_the_full_days_average() {
    // 10 full days of November at $3, and today's partial bucket at $1.
    let mut lines: Vec<CostLine> = (1..=10)
        .map(|d| {
            let day = datetime!(2026-11-01 00:00 UTC) + time::Duration::days(d - 1);
            line(day, "gpt-4o, input", 3.0)
        })
        .collect();
    lines.push(line(datetime!(2026-11-11 00:00 UTC), "gpt-4o, input", 1.0));
    let cases = [
        // (today, remaining): 30 days × $3 = $90 by the month's end, $31 spent.
        (date!(2026 - 11 - 11), Some(59.0)),
        // On the first day there is no full day to average.
        (date!(2026 - 11 - 01), None),
    ];
    for (today, remaining) in cases {
        let spend = aggregate(&lines, today);
        match (spend.remaining, remaining) {
            (Some(got), Some(want)) => assert!((got - want).abs() < 1e-9, "{today}: {got}"),
            (got, want) => assert_eq!(got, want, "{today}"),
        }
    }
}

#[test]
fn no_spend_and_empty_buckets_give_nothing_to_add() {
    let spend = aggregate(&[], date!(2026 - 11 - 20));
    assert!(spend.months.is_empty());
    assert_eq!(spend.remaining, Some(0.0));
}

fn series() -> (CostSeries, ForecastState) {
    let month = |m: &str, amount: f64| MonthCost {
        month: m.into(),
        services: vec![("Amazon EKS".into(), amount)],
        estimated: false,
    };
    (
        CostSeries {
            currency: "USD".into(),
            months: vec![month("2026-10-01", 500.0), month("2026-11-01", 300.0)],
        },
        ForecastState::Available(Forecast {
            remaining_mean: 200.0,
            remaining_low: 150.0,
            remaining_high: 260.0,
        }),
    )
}

#[test]
fn merged_spend_is_one_more_service_and_moves_the_forecast() {
    let (mut series, mut forecast) = series();
    let spend = OpenAiSpend {
        currency: "USD".into(),
        months: vec![
            purser_core::cost::openai::OpenAiMonth {
                month: "2026-11-01".into(),
                total: 600.0,
                line_items: vec![("gpt-4o, input".into(), 600.0)],
                projects: vec![("proj_a".into(), 600.0)],
            },
            // A month the AWS figures do not show is left out.
            purser_core::cost::openai::OpenAiMonth {
                month: "2025-01-01".into(),
                total: 9.0,
                line_items: vec![],
                projects: vec![],
            },
        ],
        remaining: Some(40.0),
    };
    merge(&mut series, &mut forecast, &spend).unwrap();
    assert_eq!(series.months[0].services.len(), 1);
    assert_eq!(
        series.months[1].services,
        vec![
            (SERIES.to_string(), 600.0),
            ("Amazon EKS".to_string(), 300.0)
        ]
    );
    assert_eq!(series.months[1].total(), 900.0);
    let forecast = forecast.forecast().unwrap();
    assert_eq!(
        (
            forecast.remaining_mean,
            forecast.remaining_low,
            forecast.remaining_high
        ),
        (240.0, 190.0, 300.0)
    );
    assert!(series.validate().is_ok());
}

#[test]
fn spend_in_another_currency_changes_nothing() {
    let (mut series, mut forecast) = series();
    let before = (series.clone(), forecast.clone());
    let spend = OpenAiSpend {
        currency: "EUR".into(),
        months: vec![],
        remaining: Some(5.0),
    };
    assert!(merge(&mut series, &mut forecast, &spend).is_err());
    assert_eq!((series, forecast), before);
}

#[test]
fn a_users_local_evening_is_the_next_utc_day() {
    // 30 November 20:00 in Los Angeles is 1 December in UTC: the open month is December.
    let now = datetime!(2026-11-30 20:00 -8);
    let today = now.to_offset(offset!(UTC)).date();
    let spend = aggregate(
        &[line(datetime!(2026-11-30 00:00 UTC), "gpt-4o, input", 4.0)],
        today,
    );
    assert_eq!(spend.months[0].month, "2026-11-01");
    assert_eq!(spend.remaining, None, "no full December day yet");
}
