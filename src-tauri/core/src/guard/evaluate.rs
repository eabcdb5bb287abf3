//! The guard's decision from figures alone (month-to-date cost, forecast, budget, thresholds,
//! policy, copies, cost per copy, last action, now): pure, so every case is a table row.
//! It never scales up by itself, and a cooldown keeps it from acting twice in a row.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

/// What the guard may do for one app. Off unless the user turns it on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "camelCase")]
pub enum Policy {
    #[default]
    Off,
    /// Tell the user when a threshold is crossed; never touch the app.
    Notify,
    /// Past the budget, propose scaling down to `floor` copies; the user approves.
    Propose { floor: i32 },
    /// Past the budget, scale down to `floor` copies at once (the user can revert).
    Automatic { floor: i32 },
}

impl Policy {
    /// The copies a scale-down goes to, for the policies that scale down.
    pub fn floor(&self) -> Option<i32> {
        match self {
            Policy::Propose { floor } | Policy::Automatic { floor } => Some(*floor),
            _ => None,
        }
    }
}

/// An autoscaler's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    pub min: i32,
    pub max: i32,
}

/// How many copies run now, and the autoscaler's range if one manages them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copies {
    pub current: i32,
    pub autoscaler: Option<Range>,
}

/// Where the guard would take the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Target {
    Copies {
        replicas: i32,
    },
    /// The autoscaler's range lowered (the guard does not fight an autoscaler).
    Autoscaler {
        min: i32,
        max: i32,
    },
}

/// What the guard does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Action {
    Nothing,
    /// It cannot judge (no budget, another currency): said once, nothing done.
    Refuse,
    Notify,
    Propose {
        to: Target,
    },
    ScaleDown {
        to: Target,
    },
}

/// Why, as a code the window words (`guard.<code>`) with its values, and one English line
/// for the audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    pub code: &'static str,
    pub params: Map<String, Value>,
    #[serde(skip)]
    pub text: String,
}

/// The decision and what it would save a month (USD), when the cost of a copy is known.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub action: Action,
    pub reason: Reason,
    pub saving: Option<f64>,
    /// The threshold this decision is about, for "told once per threshold and month".
    pub threshold: Option<u16>,
}

/// Everything `evaluate` looks at.
#[derive(Debug, Clone)]
pub struct Inputs<'a> {
    /// Spent this month so far, in `currency`.
    pub spent: f64,
    /// Forecast for the month's end (spent + the rest), when Cost Explorer gave one.
    pub month_end: Option<f64>,
    pub currency: &'a str,
    pub budget: Option<f64>,
    pub budget_currency: &'a str,
    /// Percent of the budget, ascending.
    pub thresholds: &'a [u16],
    pub policy: &'a Policy,
    pub copies: Copies,
    /// One copy's monthly cost (USD), when known.
    pub cost_per_copy: Option<f64>,
    /// When the guard last scaled this app down (or proposed to).
    pub last_action: Option<OffsetDateTime>,
    pub cooldown: Duration,
    /// Thresholds already told this month.
    pub notified: &'a [u16],
    pub now: OffsetDateTime,
}

fn reason<const N: usize>(code: &'static str, text: String, params: [(&str, Value); N]) -> Reason {
    Reason {
        code,
        params: params
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        text,
    }
}

fn decision(action: Action, reason: Reason) -> Decision {
    Decision {
        action,
        reason,
        saving: None,
        threshold: None,
    }
}

/// Money rounded to the cent, as the values the window formats.
fn cents(amount: f64) -> Value {
    Value::from((amount * 100.0).round() / 100.0)
}

/// The guard's decision for one app.
pub fn evaluate(input: &Inputs<'_>) -> Decision {
    if *input.policy == Policy::Off {
        return decision(
            Action::Nothing,
            reason("off", "the guard is off for this app".into(), []),
        );
    }
    let budget = match input.budget {
        Some(budget) if budget.is_finite() && budget > 0.0 => budget,
        _ => {
            let text = "no monthly budget is set, so the guard cannot judge".into();
            return decision(Action::Refuse, reason("no_budget", text, []));
        }
    };
    if !input.budget_currency.eq_ignore_ascii_case(input.currency) {
        let text = format!(
            "the budget is in {} but the costs are in {}",
            input.budget_currency, input.currency
        );
        let params = [
            ("budgetCurrency", Value::from(input.budget_currency)),
            ("currency", Value::from(input.currency)),
        ];
        return decision(Action::Refuse, reason("currency", text, params));
    }
    let over_actual = input.spent > budget;
    let over_forecast = input.month_end.is_some_and(|end| end > budget);
    if let (Some(floor), true) = (input.policy.floor(), over_actual || over_forecast) {
        return scale_down(input, budget, floor, over_actual);
    }
    notify(input, budget)
}

/// Past the budget with a policy that scales down: propose it or do it, unless the app is
/// already at the floor or the guard acted within the cooldown.
fn scale_down(input: &Inputs<'_>, budget: f64, floor: i32, over_actual: bool) -> Decision {
    let currency = input.currency;
    let (basis, figure) = if over_actual {
        ("spent", input.spent)
    } else {
        ("forecast", input.month_end.unwrap_or(input.spent))
    };
    if let Some(last) = input.last_action {
        let until = last + input.cooldown;
        if until > input.now {
            let text = format!(
                "{basis} {figure:.2} {currency} > budget {budget:.2} {currency}, but the guard \
                 acted at {last}; it waits until {until} before acting again"
            );
            let params = [
                ("basis", Value::from(basis)),
                ("figure", cents(figure)),
                ("budget", cents(budget)),
                ("currency", Value::from(currency)),
                ("at", Value::from(crate::clock::rfc3339(last))),
                ("until", Value::from(crate::clock::rfc3339(until))),
            ];
            return decision(Action::Nothing, reason("cooldown", text, params));
        }
    }
    let current = input.copies.current;
    let (to, to_copies) = match input.copies.autoscaler {
        // An autoscaler cannot go below one copy; its range is lowered, never fought.
        Some(range) => {
            let max = floor.max(1);
            if range.max <= max {
                return at_floor(input, floor);
            }
            let min = range.min.min(max);
            (Target::Autoscaler { min, max }, max)
        }
        None => {
            if current <= floor {
                return at_floor(input, floor);
            }
            (Target::Copies { replicas: floor }, floor)
        }
    };
    let saving = input
        .cost_per_copy
        .map(|per_copy| f64::from((current - to_copies).max(0)) * per_copy);
    let saving_text = saving.map_or(String::new(), |s| format!(", saves ≈ ${s:.0}/month"));
    // Automatic acts on money spent, never on a forecast alone (an early-month forecast is a
    // guess): until spending passes the budget it proposes, as "propose" does.
    let acts = matches!(input.policy, Policy::Automatic { .. }) && over_actual;
    let waits_for_spend = matches!(input.policy, Policy::Automatic { .. }) && !over_actual;
    let text = format!(
        "{basis} {figure:.2} {currency} > budget {budget:.2} {currency}: {} {current} → {to_copies}{saving_text}",
        if acts { "scaled" } else { "proposed" }
    );
    let params = [
        ("basis", Value::from(basis)),
        ("figure", cents(figure)),
        ("budget", cents(budget)),
        ("currency", Value::from(currency)),
        ("from", Value::from(current)),
        ("to", Value::from(to_copies)),
        ("saving", saving.map_or(Value::Null, cents)),
        ("waitsForSpend", Value::from(waits_for_spend)),
    ];
    let action = if acts {
        Action::ScaleDown { to }
    } else {
        Action::Propose { to }
    };
    Decision {
        action,
        reason: reason("over_budget", text, params),
        saving,
        threshold: None,
    }
}

fn at_floor(input: &Inputs<'_>, floor: i32) -> Decision {
    let current = input.copies.current;
    let text = format!("over budget, but already at {current} copies (the floor is {floor})");
    let params = [
        ("copies", Value::from(current)),
        ("floor", Value::from(floor)),
    ];
    decision(Action::Nothing, reason("at_floor", text, params))
}

/// Under the budget (or a policy that only tells): tell the highest threshold crossed by
/// what is spent, or else by the forecast, once per threshold and month.
fn notify(input: &Inputs<'_>, budget: f64) -> Decision {
    let percent = |value: f64| value / budget * 100.0;
    let crossed = |value: f64| {
        input
            .thresholds
            .iter()
            .copied()
            .filter(|t| percent(value) >= f64::from(*t))
            .max()
    };
    let by_spent = crossed(input.spent);
    let by_forecast = input.month_end.and_then(crossed);
    let (basis, figure, threshold) = match (by_spent, by_forecast) {
        (Some(s), Some(f)) if f > s => ("forecast", input.month_end.unwrap_or_default(), f),
        (Some(s), _) => ("spent", input.spent, s),
        (None, Some(f)) => ("forecast", input.month_end.unwrap_or_default(), f),
        (None, None) => {
            let text = format!(
                "spent {:.2} {} of a {budget:.2} budget; no threshold crossed",
                input.spent, input.currency
            );
            let params = [
                ("spent", cents(input.spent)),
                ("budget", cents(budget)),
                ("currency", Value::from(input.currency)),
            ];
            return decision(Action::Nothing, reason("within", text, params));
        }
    };
    let params = [
        ("basis", Value::from(basis)),
        ("figure", cents(figure)),
        ("budget", cents(budget)),
        ("currency", Value::from(input.currency)),
        ("percent", Value::from(percent(figure).round())),
        ("threshold", Value::from(threshold)),
    ];
    if input.notified.contains(&threshold) {
        let text = format!("{basis} passed {threshold} % of the budget; already told this month");
        return decision(Action::Nothing, reason("told", text, params));
    }
    let text = format!(
        "{basis} {figure:.2} {} is {:.0} % of the budget {budget:.2} (threshold {threshold} %)",
        input.currency,
        percent(figure)
    );
    Decision {
        action: Action::Notify,
        reason: reason("threshold", text, params),
        saving: None,
        threshold: Some(threshold),
    }
}

/// One of each reason, with example values, for the window's words.
#[cfg(any(test, feature = "testing"))]
pub fn examples() -> Vec<Reason> {
    let now = time::macros::datetime!(2026-11-20 12:00 UTC);
    let policies = [
        Policy::Off,
        Policy::Notify,
        Policy::Propose { floor: 1 },
        Policy::Automatic { floor: 1 },
    ];
    let mut out = Vec::new();
    for policy in &policies {
        for (spent, end, budget, currency, last, current) in [
            (10.0, None, None, "USD", None, 3),
            (10.0, None, Some(100.0), "EUR", None, 3),
            (10.0, Some(20.0), Some(100.0), "USD", None, 3),
            (90.0, Some(95.0), Some(100.0), "USD", None, 3),
            (90.0, Some(150.0), Some(100.0), "USD", None, 3),
            (90.0, Some(150.0), Some(100.0), "USD", Some(now), 3),
            (90.0, Some(150.0), Some(100.0), "USD", None, 1),
        ] {
            let input = Inputs {
                spent,
                month_end: end,
                currency,
                budget,
                budget_currency: "USD",
                thresholds: &[80, 100],
                policy,
                copies: Copies {
                    current,
                    autoscaler: None,
                },
                cost_per_copy: Some(20.0),
                last_action: last,
                cooldown: Duration::hours(6),
                notified: &[],
                now,
            };
            out.push(evaluate(&input).reason);
        }
    }
    out.push(
        evaluate(&Inputs {
            notified: &[80],
            ..sample(&Policy::Notify, now)
        })
        .reason,
    );
    out
}

#[cfg(any(test, feature = "testing"))]
fn sample(policy: &Policy, now: OffsetDateTime) -> Inputs<'_> {
    Inputs {
        spent: 85.0,
        month_end: Some(95.0),
        currency: "USD",
        budget: Some(100.0),
        budget_currency: "USD",
        thresholds: &[80, 100],
        policy,
        copies: Copies {
            current: 3,
            autoscaler: None,
        },
        cost_per_copy: Some(20.0),
        last_action: None,
        cooldown: Duration::hours(6),
        notified: &[],
        now,
    }
}
