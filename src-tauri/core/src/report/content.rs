//! What the report says, section by section, in the words the window uses (`ui/locales`).

use serde_json::{json, Map, Value};

use super::page::{Align, Cell, Column, Pen, Style, ALERT, MUTED};
use super::ReportInput;
use crate::audit::{AuditEntry, Outcome};
use crate::cost::{month_change, DataOrigin};
use crate::month::Month;
use crate::words;

/// At most this many OpenAI projects by name; the rest are summed on one row.
const PROJECT_ROWS: usize = 6;
/// At most this many guard actions; the rest are counted.
const ACTION_ROWS: usize = 8;

/// The words of `key` with `params` (a JSON object) in the report's language.
fn say(input: &ReportInput<'_>, key: &str, params: Value) -> String {
    let params: Map<String, Value> = match params {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    words::render(input.language, key, &params, input.now).unwrap_or_else(|| key.to_string())
}

fn currency<'a>(input: &'a ReportInput<'_>) -> &'a str {
    &input.view.report.series.currency
}

fn money(input: &ReportInput<'_>, amount: f64, cents: bool) -> String {
    words::money(input.language, amount, currency(input), cents)
}

/// "November 2026", "noviembre de 2026".
fn month_year(input: &ReportInput<'_>, month: Month) -> String {
    say(
        input,
        "report.monthYear",
        json!({ "thisMonth": month.month, "year": month.year }),
    )
}

fn this_month(input: &ReportInput<'_>) -> Month {
    Month::parse(&input.view.report.current_month).unwrap_or(Month::of(input.now.date()))
}

/// The document's title: "Cost report · December 2026".
pub fn title(input: &ReportInput<'_>) -> String {
    let month = month_year(input, this_month(input));
    say(input, "report.title", json!({ "month": month }))
}

/// Writes the whole page, `width` points wide from `left`.
pub fn write(
    pen: &mut Pen<'_, '_>,
    input: &ReportInput<'_>,
    chart: &resvg::usvg::Tree,
    width: f32,
    left: f32,
) {
    let page = Column { left, width };
    pen.line(page, &title(input), Style::TITLE);
    header(pen, input, page);
    pen.gap(6.0);
    summary(pen, input, page);
    pen.gap(4.0);
    if !pen.chart(page, chart) {
        tracing::warn!("the report's chart could not be drawn");
    }
    pen.gap(4.0);
    change(pen, input, page);
    pen.gap(8.0);
    let top = pen.y;
    let gutter = 18.0;
    // The month table's names and amounts need more room than the lists beside it.
    let wide = (width - gutter) * 0.55;
    months(pen, input, Column { left, width: wide });
    let left_end = pen.y;
    pen.y = top;
    let right = Column {
        left: left + wide + gutter,
        width: width - wide - gutter,
    };
    openai_projects(pen, input, right);
    pen.y = pen.y.max(left_end);
    pen.gap(8.0);
    // Across the page: an action's line names what was done, to which app, and how it ended.
    guard_actions(pen, input, page);
}

/// Who and what the report is about, where its figures came from, and when it was made.
fn header(pen: &mut Pen<'_, '_>, input: &ReportInput<'_>, page: Column) {
    let report = &input.view.report;
    let apps = if input.apps.is_empty() {
        say(input, "report.noApps", json!({}))
    } else {
        say(
            input,
            "report.apps",
            json!({ "apps": input.apps.join(", ") }),
        )
    };
    pen.paragraph(page, &format!("{apps}."), Style::SMALL);
    let source = match (report.origin, &input.account_end) {
        (DataOrigin::Sample, _) => say(input, "report.sourceSample", json!({})),
        (DataOrigin::Aws, Some(end)) => say(
            input,
            "report.sourceAwsAccount",
            json!({ "account": end, "at": report.fetched_at }),
        ),
        (DataOrigin::Aws, None) => say(
            input,
            "report.sourceAws",
            json!({ "at": report.fetched_at }),
        ),
    };
    let sample = report.origin == DataOrigin::Sample;
    let style = if sample {
        Style::SMALL.colored(ALERT).strong()
    } else {
        Style::SMALL
    };
    pen.paragraph(page, &format!("{source}."), style);
    if report.stale.is_some() {
        let stale = say(input, "report.sourceStale", json!({}));
        pen.paragraph(page, &format!("{stale}."), Style::SMALL.colored(ALERT));
    }
    if let Some(at) = input
        .view
        .openai
        .as_ref()
        .and_then(|o| o.fetched_at.as_ref())
    {
        let openai = say(input, "report.sourceOpenAi", json!({ "at": at }));
        pen.paragraph(page, &format!("{openai}."), Style::SMALL);
    }
    let today = input.now.date();
    let made = say(
        input,
        "report.made",
        json!({
            "version": input.version,
            "thisMonth": u8::from(today.month()),
            "day": today.day(),
            "year": today.year(),
        }),
    );
    pen.paragraph(page, &format!("{made}."), Style::SMALL);
}

/// This month against the budget and the forecast, as the window's summary says it.
fn summary(pen: &mut Pen<'_, '_>, input: &ReportInput<'_>, page: Column) {
    let view = input.view;
    let code = currency(input);
    let spent = view
        .months
        .iter()
        .find(|m| m.month == view.report.current_month)
        .map_or(0.0, |m| m.total_cents as f64 / 100.0);
    let first = match &view.status {
        Some(status) => say(
            input,
            "cost.spentOfBudget",
            json!({ "spent": status.spent, "budget": status.budget, "currency": code,
                    "percent": status.spent_percent.round() }),
        ),
        None => say(
            input,
            "cost.spentNoBudget",
            json!({ "spent": spent, "currency": code }),
        ),
    };
    pen.paragraph(page, &first, Style::BODY.strong());
    if let Some(forecast) = view.report.forecast.forecast() {
        let line = say(
            input,
            "cost.forecastLine",
            json!({
                "end": money(input, spent + forecast.remaining_mean, false),
                "low": money(input, spent + forecast.remaining_low, false),
                "high": money(input, spent + forecast.remaining_high, false),
            }),
        );
        pen.paragraph(page, &line, Style::BODY);
    }
    if let Some(status) = &view.status {
        let warning = match (status.crossed.last(), status.forecast_to_cross.first()) {
            (Some(percent), _) => Some(say(input, "cost.crossed", json!({ "percent": percent }))),
            (None, Some(percent)) => {
                Some(say(input, "cost.willCross", json!({ "percent": percent })))
            }
            (None, None) => None,
        };
        if let Some(warning) = warning {
            pen.paragraph(page, &warning, Style::BODY.colored(ALERT).strong());
        }
    }
}

/// What changed this month, as the window says it under the chart.
fn change(pen: &mut Pen<'_, '_>, input: &ReportInput<'_>, page: Column) {
    let view = input.view;
    let spend = view.openai.as_ref().and_then(|o| o.spend.as_ref());
    let change = month_change(
        &view.report.series,
        view.report.forecast.forecast(),
        spend,
        input.now.date(),
    );
    pen.line(
        page,
        &words::word(input.language, "costChange.title"),
        Style::HEADING,
    );
    for phrase in change.phrases() {
        let sentence = words::sentence(input.language, &phrase, input.now);
        pen.paragraph(page, &sentence, Style::BODY);
    }
}

/// Month by month: the total and how it stood against the budget.
fn months(pen: &mut Pen<'_, '_>, input: &ReportInput<'_>, column: Column) {
    let language = input.language;
    pen.line(
        column,
        &words::word(language, "cost.breakdown"),
        Style::HEADING,
    );
    let header = [
        words::word(language, "report.month"),
        words::word(language, "cost.total"),
        words::word(language, "report.overBudget"),
    ];
    pen.row(column, &cells(&header), Style::SMALL.strong());
    pen.rule(column);
    for month in &input.view.months {
        let Some(parsed) = Month::parse(&month.month) else {
            continue;
        };
        let mut name = month_year(input, parsed);
        if month.estimated {
            name = format!("{name} ({})", words::word(language, "cost.estimatedShort"));
        }
        let total = money(input, month.total_cents as f64 / 100.0, true);
        let (budget, style) = match month.over_budget_cents {
            Some(over) => (
                money(input, over as f64 / 100.0, true),
                Style::SMALL.colored(ALERT),
            ),
            None => (String::new(), Style::SMALL),
        };
        pen.row(
            column,
            &cells(&[name, total, budget]),
            style.colored(style.color),
        );
    }
    if let Some(budget) = &input.view.budget {
        pen.rule(column);
        let line = say(
            input,
            "report.budgetLine",
            json!({ "budget": budget.amount, "currency": currency(input) }),
        );
        pen.line(column, &line, Style::SMALL.strong());
    }
}

/// A three-column row: name, amount, remark.
fn cells(texts: &[String; 3]) -> [Cell<'_>; 3] {
    [
        Cell {
            text: &texts[0],
            align: Align::Left,
            share: 0.48,
        },
        Cell {
            text: &texts[1],
            align: Align::Right,
            share: 0.24,
        },
        Cell {
            text: &texts[2],
            align: Align::Right,
            share: 0.28,
        },
    ]
}

/// A two-column row: name and amount.
fn pair<'t>(name: &'t str, amount: &'t str) -> [Cell<'t>; 2] {
    [
        Cell {
            text: name,
            align: Align::Left,
            share: 0.7,
        },
        Cell {
            text: amount,
            align: Align::Right,
            share: 0.3,
        },
    ]
}

/// This month's OpenAI spend by project (names as last listed, else the project's ID).
fn openai_projects(pen: &mut Pen<'_, '_>, input: &ReportInput<'_>, column: Column) {
    let language = input.language;
    pen.paragraph(
        column,
        &words::word(language, "report.openaiTitle"),
        Style::HEADING,
    );
    let Some(spend) = input.view.openai.as_ref().and_then(|o| o.spend.as_ref()) else {
        let none = words::word(language, "report.openaiNotRead");
        pen.paragraph(column, &format!("{none}."), Style::SMALL);
        return;
    };
    let projects = spend
        .months
        .iter()
        .find(|m| m.month == input.view.report.current_month)
        .map(|m| m.projects.as_slice())
        .unwrap_or_default();
    if projects.is_empty() {
        pen.paragraph(
            column,
            &words::word(language, "cost.openaiNone"),
            Style::SMALL,
        );
        return;
    }
    let name = |id: &str| -> String {
        match input.project_names.get(id) {
            Some(name) => name.clone(),
            None if id.is_empty() => words::word(language, "report.noProject"),
            None => id.to_string(),
        }
    };
    for (id, amount) in projects.iter().take(PROJECT_ROWS) {
        let (name, amount) = (name(id), money(input, *amount, true));
        pen.row(column, &pair(&name, &amount), Style::SMALL.colored(MUTED));
    }
    let rest: f64 = projects.iter().skip(PROJECT_ROWS).map(|(_, a)| a).sum();
    if projects.len() > PROJECT_ROWS {
        let (name, amount) = (
            words::word(language, "report.otherProjects"),
            money(input, rest, true),
        );
        pen.row(column, &pair(&name, &amount), Style::SMALL.colored(MUTED));
    }
    pen.rule(column);
    let total: f64 = projects.iter().map(|(_, a)| a).sum();
    let (name, amount) = (
        words::word(language, "cost.total"),
        money(input, total, true),
    );
    pen.row(column, &pair(&name, &amount), Style::SMALL.strong());
}

/// One guard action: the day, what it did to which app, and how it ended.
fn action_line(input: &ReportInput<'_>, entry: &AuditEntry) -> (String, String, bool) {
    let day =
        time::OffsetDateTime::parse(&entry.time, &time::format_description::well_known::Rfc3339)
            .map(|at| {
                say(
                    input,
                    "report.shortDate",
                    json!({ "thisMonth": u8::from(at.month()), "day": at.day() }),
                )
            })
            .unwrap_or_else(|_| entry.time.clone());
    let what = words::word(input.language, &format!("activity.{}", entry.action));
    // The English result line is for the file; a line without an error says none was kept.
    let why = match &entry.error {
        Some(error) => words::notice(input.language, error, input.now).0,
        None => words::word(input.language, "report.noReason"),
    };
    let outcome = serde_json::to_value(entry.outcome)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let ended = say(input, &format!("outcome.{outcome}"), json!({ "why": why }));
    let text = if entry.app.is_empty() {
        format!("{what} · {ended}")
    } else {
        format!("{what} · {} · {ended}", entry.app)
    };
    (day, text, entry.outcome != Outcome::Ok)
}

/// The guard's actions this month, newest first.
fn guard_actions(pen: &mut Pen<'_, '_>, input: &ReportInput<'_>, column: Column) {
    let language = input.language;
    pen.paragraph(
        column,
        &words::word(language, "report.guardTitle"),
        Style::HEADING,
    );
    if input.guard_actions.is_empty() {
        let none = words::word(language, "report.noActions");
        pen.paragraph(column, &format!("{none}."), Style::SMALL);
        return;
    }
    for entry in input.guard_actions.iter().take(ACTION_ROWS) {
        let (day, text, failed) = action_line(input, entry);
        let style = if failed {
            Style::SMALL.colored(ALERT)
        } else {
            Style::SMALL
        };
        let row = [
            Cell {
                text: &day,
                align: Align::Left,
                share: 0.16,
            },
            Cell {
                text: &text,
                align: Align::Left,
                share: 0.84,
            },
        ];
        pen.row(column, &row, style);
    }
    let more = input.guard_actions.len().saturating_sub(ACTION_ROWS);
    if more > 0 {
        let line = say(input, "report.moreActions", json!({ "count": more }));
        pen.line(column, &format!("{line}."), Style::SMALL);
    }
}
