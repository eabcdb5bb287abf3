//! What changed this month, in words: month-to-date against the same days of last month, the
//! forecast against last month's total, and the services (or OpenAI line items) that moved
//! most. Computed from the figures already loaded — no extra request, no model call. Pure.
//!
//! Cost Explorer's figures are loaded by month, so "the same days of last month" is last
//! month's total carried at its daily average to as many days as have passed this month.

use std::collections::BTreeMap;

use time::Date;

use super::openai::{OpenAiSpend, SERIES};
use super::{CostSeries, Forecast};
use crate::month::Month;
use crate::words::Phrase;

/// Moves smaller than this (in cents) are not named, and a total that moved less reads as the
/// same: they are noise, not news.
const SMALLEST_MOVE_CENTS: i64 = 100;
/// Full days of the month before month-to-date is compared: Cost Explorer's figures lag up
/// to a day, so the first day's would read as a fall of almost everything.
const FIRST_DAYS: u8 = 2;
/// How many movers a sentence names.
const MOVERS: usize = 3;

/// One amount then and now, in cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comparison {
    pub now_cents: i64,
    pub then_cents: i64,
}

/// A service or OpenAI line item that moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mover {
    pub name: String,
    /// An OpenAI line item (named "OpenAI …" in the words), not an AWS service.
    pub openai: bool,
    pub now_cents: i64,
    pub then_cents: i64,
}

impl Mover {
    fn delta(&self) -> i64 {
        self.now_cents - self.then_cents
    }
}

/// What changed this month.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthChange {
    pub month: Month,
    pub currency: String,
    /// Full days of this month that have passed (0 on its first day).
    pub days: u8,
    /// Month-to-date against the same days of last month; `None` in the month's first
    /// [`FIRST_DAYS`] days or with no figures for last month.
    pub so_far: Option<Comparison>,
    /// The month-end forecast against last month's total; `None` without both.
    pub forecast: Option<Comparison>,
    /// Largest move first, at most [`MOVERS`], each at least [`SMALLEST_MOVE_CENTS`].
    pub movers: Vec<Mover>,
    /// Whether the series has last month at all.
    pub has_previous: bool,
}

fn cents(amount: f64) -> i64 {
    (amount * 100.0).round() as i64
}

fn days_in(month: Month) -> i64 {
    let first = month.first_day();
    i64::from(first.month().length(first.year()))
}

/// A month's amounts by name: AWS services, with OpenAI's single series replaced by its line
/// items when those are known for that month.
fn lines(
    series: &CostSeries,
    openai: Option<&OpenAiSpend>,
    month: Month,
) -> BTreeMap<(bool, String), f64> {
    let iso = month.iso_start();
    let items = openai.and_then(|spend| spend.months.iter().find(|m| m.month == iso));
    let mut out = BTreeMap::new();
    let Some(costs) = series.months.iter().find(|m| m.month == iso) else {
        return out;
    };
    for (service, amount) in &costs.services {
        match items {
            Some(openai) if service == SERIES && !openai.line_items.is_empty() => {
                for (item, amount) in &openai.line_items {
                    *out.entry((true, item.clone())).or_insert(0.0) += amount;
                }
            }
            _ => *out.entry((false, service.clone())).or_insert(0.0) += amount,
        }
    }
    out
}

/// What changed in `today`'s month, from the merged `series` (OpenAI as one service), its
/// `forecast` and OpenAI's spend with line items.
pub fn month_change(
    series: &CostSeries,
    forecast: Option<&Forecast>,
    openai: Option<&OpenAiSpend>,
    today: Date,
) -> MonthChange {
    let month = Month::of(today);
    let previous = month.plus(-1);
    let has_previous = series
        .months
        .iter()
        .any(|m| m.month == previous.iso_start());
    let days = today.day() - 1;
    // Last month at its daily average over as many days as have passed this month.
    let share = f64::from(days).min(days_in(previous) as f64) / days_in(previous) as f64;
    let now = lines(series, openai, month);
    let then = lines(series, openai, previous);
    let now_total = cents(now.values().sum());
    let then_total = cents(then.values().sum());
    let so_far = (has_previous && days >= FIRST_DAYS).then(|| Comparison {
        now_cents: now_total,
        then_cents: cents(then.values().sum::<f64>() * share),
    });
    let forecast = forecast.filter(|_| has_previous).map(|f| Comparison {
        now_cents: now_total + cents(f.remaining_mean),
        then_cents: then_total,
    });
    let movers = if so_far.is_some() {
        movers(&now, &then, share)
    } else {
        Vec::new()
    };
    MonthChange {
        month,
        currency: series.currency.clone(),
        days,
        so_far,
        forecast,
        movers,
        has_previous,
    }
}

fn movers(
    now: &BTreeMap<(bool, String), f64>,
    then: &BTreeMap<(bool, String), f64>,
    share: f64,
) -> Vec<Mover> {
    let mut names: Vec<&(bool, String)> = now.keys().chain(then.keys()).collect();
    names.sort();
    names.dedup();
    let mut movers: Vec<Mover> = names
        .into_iter()
        .map(|key| Mover {
            name: key.1.clone(),
            openai: key.0,
            now_cents: cents(now.get(key).copied().unwrap_or(0.0)),
            then_cents: cents(then.get(key).copied().unwrap_or(0.0) * share),
        })
        .filter(|m| m.delta().abs() >= SMALLEST_MOVE_CENTS)
        .collect();
    movers.sort_by(|a, b| {
        b.delta()
            .abs()
            .cmp(&a.delta().abs())
            .then_with(|| a.name.cmp(&b.name))
    });
    movers.truncate(MOVERS);
    movers
}

/// Cents as the amount the words write (money values are in whole units).
fn amount(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// `+9 %`-style percent of `then`, `None` when there was nothing then.
fn percent(comparison: Comparison) -> Option<i64> {
    (comparison.then_cents != 0).then(|| {
        let delta = (comparison.now_cents - comparison.then_cents) as f64;
        (delta / comparison.then_cents as f64 * 100.0).round() as i64
    })
}

/// The direction of a move, as the last part of its key (less than a dollar is the same).
fn direction(delta: i64) -> &'static str {
    match delta {
        d if d >= SMALLEST_MOVE_CENTS => "up",
        d if d <= -SMALLEST_MOVE_CENTS => "down",
        _ => "same",
    }
}

impl MonthChange {
    /// The sentences the window and the report show, in order.
    pub fn phrases(&self) -> Vec<Phrase> {
        let previous = self.month.plus(-1);
        let named = |key: &'static str| {
            Phrase::new(key)
                .with("currency", self.currency.clone())
                .with("previousMonth", previous.month)
                .with("thisMonth", self.month.month)
        };
        let mut out = Vec::new();
        if !self.has_previous {
            out.push(named("costChange.noPrevious"));
            return out;
        }
        match self.so_far {
            None => out.push(named("costChange.firstDay")),
            Some(so_far) => out.push(self.compared(named, so_far, "soFar")),
        }
        if let Some(forecast) = self.forecast {
            out.push(self.compared(named, forecast, "forecast"));
        }
        out
    }

    fn compared(
        &self,
        named: impl Fn(&'static str) -> Phrase,
        comparison: Comparison,
        what: &str,
    ) -> Phrase {
        let delta = comparison.now_cents - comparison.then_cents;
        // As many days have passed as last month had: it is compared with all of it.
        let all = i64::from(self.days) >= days_in(self.month.plus(-1));
        let key = match (what, direction(delta), percent(comparison), all) {
            ("soFar", _, None, _) => "costChange.soFarNothingBefore",
            ("soFar", "up", _, false) => "costChange.soFarUp",
            ("soFar", "down", _, false) => "costChange.soFarDown",
            ("soFar", _, _, false) => "costChange.soFarSame",
            ("soFar", "up", _, true) => "costChange.soFarUpAll",
            ("soFar", "down", _, true) => "costChange.soFarDownAll",
            ("soFar", _, _, true) => "costChange.soFarSameAll",
            (_, _, None, _) => "costChange.forecastNothingBefore",
            (_, "up", _, _) => "costChange.forecastUp",
            (_, "down", _, _) => "costChange.forecastDown",
            _ => "costChange.forecastSame",
        };
        let mut phrase = named(key)
            .with("soFar", amount(comparison.now_cents))
            .with("expected", amount(comparison.now_cents))
            .with("lastMonth", amount(comparison.then_cents))
            .with("moved", amount(delta.abs()))
            .with("percent", percent(comparison).map_or(0, i64::abs))
            .with("days", i64::from(self.days));
        if what == "soFar" {
            phrase.items = self.movers.iter().map(|m| self.mover(m)).collect();
        }
        phrase
    }

    fn mover(&self, mover: &Mover) -> Phrase {
        let key = match (mover.then_cents, mover.now_cents, mover.delta() > 0) {
            (0, _, _) => "costChange.moverNew",
            (_, 0, _) => "costChange.moverGone",
            (_, _, true) => "costChange.moverUp",
            _ => "costChange.moverDown",
        };
        let key = match (key, mover.openai) {
            ("costChange.moverNew", true) => "costChange.openaiNew",
            ("costChange.moverGone", true) => "costChange.openaiGone",
            ("costChange.moverUp", true) => "costChange.openaiUp",
            ("costChange.moverDown", true) => "costChange.openaiDown",
            (key, _) => key,
        };
        Phrase::new(key)
            .with("currency", self.currency.clone())
            .with("name", mover.name.clone())
            .with("moved", amount(mover.delta().abs()))
    }
}

#[cfg(test)]
#[path = "change_tests.rs"]
mod tests;
