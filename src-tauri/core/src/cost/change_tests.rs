use time::macros::date;

use super::*;
use crate::cost::openai::OpenAiMonth;
use crate::cost::MonthCost;
use crate::locale::Language;

fn month(iso: &str, services: &[(&str, f64)]) -> MonthCost {
    MonthCost {
        month: iso.to_string(),
        services: services.iter().map(|(s, a)| (s.to_string(), *a)).collect(),
        estimated: false,
    }
}

fn series(months: Vec<MonthCost>) -> CostSeries {
    CostSeries {
        currency: "USD".into(),
        months,
    }
}

fn forecast(remaining: f64) -> Forecast {
    Forecast {
        remaining_mean: remaining,
        remaining_low: remaining * 0.8,
        remaining_high: remaining * 1.2,
    }
}

/// Every phrase as the desktop and the report write it, in `language`, without its full stop.
fn said(change: &MonthChange, language: Language) -> Vec<String> {
    let now = time::OffsetDateTime::UNIX_EPOCH;
    change
        .phrases()
        .iter()
        .map(|phrase| {
            let text = crate::words::sentence(language, phrase, now);
            assert!(
                crate::words::has(language, phrase.key),
                "no words for {}",
                phrase.key
            );
            text.strip_suffix('.').unwrap_or(&text).to_string()
        })
        .collect()
}

const EC2: &str = "Amazon Elastic Compute Cloud - Compute";
const RDS: &str = "Amazon Relational Database Service";

#[test]
fn month_to_date_is_compared_with_last_months_same_days_at_its_daily_average() {
    // November has 30 days: its first 10 days at its daily average are a third of it.
    let costs = series(vec![
        month("2026-11-01", &[(EC2, 3000.0), (RDS, 900.0)]),
        month("2026-12-01", &[(EC2, 1300.0), (RDS, 300.0)]),
    ]);
    let change = month_change(&costs, Some(&forecast(3300.0)), None, date!(2026 - 12 - 11));
    assert_eq!(change.days, 10);
    assert_eq!(
        change.so_far,
        Some(Comparison {
            now_cents: 160_000,
            then_cents: 130_000
        })
    );
    assert_eq!(
        change.forecast,
        Some(Comparison {
            now_cents: 490_000,
            then_cents: 390_000
        })
    );
    // EC2 +$300; RDS exactly as before is not named.
    assert_eq!(change.movers.len(), 1);
    assert_eq!(change.movers[0].name, EC2);
    assert_eq!(change.movers[0].delta(), 30_000);
    let en = said(&change, Language::En);
    assert_eq!(
        en[0],
        format!(
            "Up $300 (+23 %) on the first 10 days of November (at its daily average): {EC2} +$300"
        )
    );
    assert_eq!(
        en[1],
        "The month is forecast to end at $4,900, $1,000 (+26 %) more than November’s $3,900"
    );
    let es = said(&change, Language::Es);
    assert!(
        es[0].starts_with("Sube 300\u{a0}US$ (+23 %) respecto a los primeros 10 días de noviembre"),
        "{}",
        es[0]
    );
    assert!(
        es[1].contains("4900\u{a0}US$") && es[1].contains("noviembre"),
        "{}",
        es[1]
    );
}

#[test]
fn a_month_with_no_previous_month_says_so_and_compares_nothing() {
    let costs = series(vec![month("2026-12-01", &[(EC2, 100.0)])]);
    let change = month_change(&costs, Some(&forecast(200.0)), None, date!(2026 - 12 - 11));
    assert!(!change.has_previous);
    assert_eq!(change.so_far, None);
    assert_eq!(change.forecast, None);
    assert!(change.movers.is_empty());
    assert_eq!(
        said(&change, Language::En),
        ["No figures for November to compare this month with"]
    );
    assert_eq!(
        said(&change, Language::Es),
        ["No hay cifras de noviembre con las que comparar este mes"]
    );
}

#[test]
fn a_new_service_and_a_service_gone_are_named_as_such() {
    let costs = series(vec![
        month("2026-10-01", &[(EC2, 1000.0)]),
        month("2026-11-01", &[(EC2, 600.0), ("AWS Glue", 300.0)]),
        month("2026-12-01", &[(EC2, 300.0), ("Amazon SageMaker", 250.0)]),
    ]);
    // December 16th: 15 days of November's 30 are half of it.
    let change = month_change(&costs, None, None, date!(2026 - 12 - 16));
    let names: Vec<(&str, i64)> = change
        .movers
        .iter()
        .map(|m| (m.name.as_str(), m.delta()))
        .collect();
    assert_eq!(names, [("Amazon SageMaker", 25_000), ("AWS Glue", -15_000)]);
    assert_eq!(change.forecast, None, "no forecast, no forecast sentence");
    let en = said(&change, Language::En);
    assert_eq!(en.len(), 1);
    assert!(
        en[0].ends_with(": Amazon SageMaker +$250 (new), AWS Glue −$150 (none this month)"),
        "{}",
        en[0]
    );
    let es = said(&change, Language::Es);
    assert!(
        es[0].ends_with(
            ": Amazon SageMaker +250\u{a0}US$ (nuevo), AWS Glue −150\u{a0}US$ (nada este mes)"
        ),
        "{}",
        es[0]
    );
}

fn openai_month(iso: &str, items: &[(&str, f64)]) -> OpenAiMonth {
    OpenAiMonth {
        month: iso.to_string(),
        total: items.iter().map(|(_, a)| a).sum(),
        line_items: items.iter().map(|(i, a)| (i.to_string(), *a)).collect(),
        projects: Vec::new(),
    }
}

#[test]
fn openai_alone_is_told_by_its_line_items() {
    let costs = series(vec![
        month("2026-11-01", &[(SERIES, 600.0)]),
        month("2026-12-01", &[(SERIES, 350.0)]),
    ]);
    let spend = OpenAiSpend {
        currency: "usd".into(),
        months: vec![
            openai_month(
                "2026-11-01",
                &[("gpt-4o, output", 450.0), ("gpt-4o, input", 150.0)],
            ),
            openai_month(
                "2026-12-01",
                &[("gpt-4o, output", 300.0), ("gpt-4o, input", 50.0)],
            ),
        ],
        remaining: Some(700.0),
    };
    let change = month_change(
        &costs,
        Some(&forecast(700.0)),
        Some(&spend),
        date!(2026 - 12 - 16),
    );
    let movers: Vec<(&str, bool, i64)> = change
        .movers
        .iter()
        .map(|m| (m.name.as_str(), m.openai, m.delta()))
        .collect();
    assert_eq!(
        movers,
        [
            ("gpt-4o, output", true, 7_500),
            ("gpt-4o, input", true, -2_500)
        ]
    );
    let en = said(&change, Language::En);
    assert!(
        en[0].starts_with("Up $50 (+17 %) on the first 15 days of November"),
        "{}",
        en[0]
    );
    assert!(
        en[0].ends_with(": OpenAI gpt-4o, output +$75, OpenAI gpt-4o, input −$25"),
        "{}",
        en[0]
    );
    assert_eq!(
        en[1],
        "The month is forecast to end at $1,050, $450 (+75 %) more than November’s $600"
    );
}

#[test]
fn less_than_a_dollar_either_way_is_the_same_and_the_second_day_is_not_yet_compared() {
    let costs = series(vec![
        month("2026-11-01", &[(EC2, 300.0)]),
        month("2026-12-01", &[(EC2, 100.4)]),
    ]);
    // December 11th: 10 days of November's 30 are $100; 40 cents more is no news.
    let change = month_change(&costs, None, None, date!(2026 - 12 - 11));
    assert!(change.movers.is_empty());
    assert_eq!(
        said(&change, Language::En),
        ["The same as the first 10 days of November (at its daily average)"]
    );
    // December 2nd: one full day, whose figures Cost Explorer may not have yet.
    let change = month_change(&costs, None, None, date!(2026 - 12 - 02));
    assert_eq!(change.so_far, None);
    assert_eq!(
        said(&change, Language::En),
        ["The month has just begun: there is nothing of December to compare yet"]
    );
}

#[test]
fn the_first_day_of_a_month_compares_only_the_forecast() {
    let costs = series(vec![
        month("2026-11-01", &[(EC2, 3000.0)]),
        month("2026-12-01", &[(EC2, 40.0)]),
    ]);
    let change = month_change(&costs, Some(&forecast(2400.0)), None, date!(2026 - 12 - 01));
    assert_eq!(change.days, 0);
    assert_eq!(change.so_far, None);
    assert!(change.movers.is_empty());
    let en = said(&change, Language::En);
    assert_eq!(
        en,
        [
            "The month has just begun: there is nothing of December to compare yet",
            "The month is forecast to end at $2,440, $560 (−19 %) less than November’s $3,000",
        ]
    );
    let es = said(&change, Language::Es);
    assert_eq!(
        es[0],
        "El mes acaba de empezar: aún no hay nada de diciembre que comparar"
    );
}

#[test]
fn a_longer_month_than_the_last_is_compared_with_all_of_it_at_most() {
    // March 31st: 30 full days, more than February's 28: all of February, not more.
    let costs = series(vec![
        month("2026-02-01", &[(EC2, 280.0)]),
        month("2026-03-01", &[(EC2, 280.0)]),
    ]);
    let change = month_change(&costs, None, None, date!(2026 - 03 - 31));
    assert_eq!(
        change.so_far,
        Some(Comparison {
            now_cents: 28_000,
            then_cents: 28_000
        })
    );
    assert_eq!(said(&change, Language::En), ["The same as all of February"]);
}

#[test]
fn nothing_spent_last_month_is_said_without_a_percent() {
    let costs = series(vec![
        month("2026-11-01", &[]),
        month("2026-12-01", &[(EC2, 120.0)]),
    ]);
    let change = month_change(&costs, Some(&forecast(80.0)), None, date!(2026 - 12 - 03));
    assert_eq!(
        said(&change, Language::En),
        [
            format!("$120 so far; nothing was spent in November: {EC2} +$120 (new)"),
            "The month is forecast to end at $200; nothing was spent in November".to_string(),
        ]
    );
}
