//! The guard's lever for the OpenAI part of the bill: the project's hard spend limit. Fewer
//! copies cut compute, not tokens; when OpenAI's part is what runs over, the guard caps it
//! instead — OpenAI then refuses the app's requests once the month's spend reaches the cap
//! (availability traded for spend, which is why it proposes unless told to act). Pure, as
//! [`super::evaluate`] is.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::Reason;
use crate::cost::spend_limit::SpendLimit;

/// What the guard may do with OpenAI's part of the bill, for one app.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Lever {
    #[default]
    Off,
    /// Tell the user that OpenAI's part will take the month over the budget.
    Notify,
    /// Propose capping the project's spend; the user approves.
    Propose,
    /// Set the cap at once (the user can revert).
    Automatic,
}

impl Lever {
    /// The lever caps (or proposes to): then the copies lever judges AWS's part alone.
    pub fn caps(self) -> bool {
        matches!(self, Lever::Propose | Lever::Automatic)
    }
}

/// What a cap is offered at, and the lowest it may be.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CapOffer {
    /// The budget minus AWS's forecast, never under the floor (USD).
    pub offer: f64,
    /// This month's OpenAI spend plus the margin: a cap under what is spent stops the app at
    /// once.
    pub floor: f64,
    pub margin: f64,
}

/// The margin above this month's OpenAI spend a cap keeps: a tenth of it, at least $10.
pub fn margin(openai_spent: f64) -> f64 {
    (openai_spent * 0.10).max(10.0)
}

/// The cap offered from the budget.
pub fn cap_offer(budget: f64, aws_month_end: f64, openai_spent: f64) -> CapOffer {
    let margin = margin(openai_spent);
    let floor = openai_spent + margin;
    CapOffer {
        offer: (budget - aws_month_end).max(floor),
        floor,
        margin,
    }
}

/// Whole cents, rounded up (a cap never ends below the amount shown; the tiny offset keeps
/// float noise such as 400.00000000001 from adding a cent).
pub fn cents(amount: f64) -> i64 {
    ((amount * 100.0) - 1e-6).ceil() as i64
}

/// Everything the OpenAI lever decides from.
#[derive(Debug, Clone)]
pub struct LeverInputs {
    pub lever: Lever,
    pub budget: Option<f64>,
    /// AWS's part of the month-end forecast (what is spent, without a forecast).
    pub aws_month_end: f64,
    pub openai_spent: f64,
    /// OpenAI's part of the month-end forecast.
    pub openai_month_end: f64,
    /// The project's limit now.
    pub limit: Option<SpendLimit>,
    pub last_action: Option<OffsetDateTime>,
    pub cooldown: Duration,
    /// The month's cap proposal or notice was already made (told once per month).
    pub told_this_month: bool,
    pub now: OffsetDateTime,
}

/// What the lever does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum LeverAction {
    Nothing,
    Notify,
    Propose { cents: i64 },
    SetCap { cents: i64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct LeverDecision {
    pub action: LeverAction,
    pub reason: Reason,
    /// What the cap would keep off this month's bill (USD).
    pub saving: Option<f64>,
}

fn nothing(reason: Reason) -> LeverDecision {
    LeverDecision {
        action: LeverAction::Nothing,
        reason,
        saving: None,
    }
}

fn money(amount: f64) -> serde_json::Value {
    serde_json::Value::from((amount * 100.0).round() / 100.0)
}

/// The lever's decision.
pub fn evaluate_openai(input: &LeverInputs) -> LeverDecision {
    if input.lever == Lever::Off {
        return nothing(Reason::new("openai_off", "the OpenAI lever is off"));
    }
    let Some(budget) = input.budget.filter(|b| b.is_finite() && *b > 0.0) else {
        return nothing(Reason::new("no_budget", "no monthly budget is set"));
    };
    let month_end = input.aws_month_end + input.openai_month_end;
    if month_end <= budget {
        return nothing(Reason::new("within", "the month ends inside the budget"));
    }
    let offer = cap_offer(budget, input.aws_month_end, input.openai_spent);
    let cap = cents(offer.offer);
    let saving = (input.openai_month_end - offer.offer).max(0.0);
    let params = |reason: Reason| {
        reason
            .with("figure", money(month_end))
            .with("budget", money(budget))
            .with("aws", money(input.aws_month_end))
            .with("openai", money(input.openai_month_end))
            .with("capAmount", money(cap as f64 / 100.0))
            .with("floorAmount", money(offer.floor))
            .with("saving", money(saving))
            .with("currency", "USD")
    };
    if saving <= 0.0 {
        // Capping at the floor would still let OpenAI's forecast through: nothing to gain.
        let text = "OpenAI's part cannot be capped below what it is forecast to cost";
        return nothing(params(Reason::new("openai_cap_useless", text)));
    }
    if let Some(limit) = input.limit.filter(|l| l.cents <= cap) {
        let text = format!("the project is already capped at {} cents", limit.cents);
        let limit = money(limit.cents as f64 / 100.0);
        return nothing(params(Reason::new("openai_capped", text)).with("limit", limit));
    }
    if let Some(last) = input.last_action {
        let until = last + input.cooldown;
        if until > input.now {
            let text = format!("the guard capped or proposed at {last}; it waits until {until}");
            let reason = params(Reason::new("openai_cooldown", text))
                .with("at", crate::clock::rfc3339(last))
                .with("until", crate::clock::rfc3339(until));
            return nothing(reason);
        }
    }
    let text = format!(
        "forecast {month_end:.2} USD > budget {budget:.2} USD with OpenAI at {:.2}: cap the project at {:.2} (saves ≈ ${saving:.0})",
        input.openai_month_end,
        cap as f64 / 100.0
    );
    let reason = params(Reason::new("openai_over", text));
    // Unlike copies, "automatic" acts on the forecast: a cap takes nothing away until the
    // month's spend actually reaches it.
    let action = match input.lever {
        Lever::Notify if input.told_this_month => {
            return nothing(reason);
        }
        Lever::Notify => LeverAction::Notify,
        Lever::Propose => LeverAction::Propose { cents: cap },
        Lever::Automatic => LeverAction::SetCap { cents: cap },
        Lever::Off => LeverAction::Nothing,
    };
    LeverDecision {
        action,
        reason,
        saving: Some(saving),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-20 12:00 UTC);

    fn input(lever: Lever, aws: f64, openai: f64) -> LeverInputs {
        LeverInputs {
            lever,
            budget: Some(1000.0),
            aws_month_end: aws,
            openai_spent: openai * 0.5,
            openai_month_end: openai,
            limit: None,
            last_action: None,
            cooldown: Duration::hours(6),
            told_this_month: false,
            now: NOW,
        }
    }

    #[test]
    fn the_lever_caps_what_runs_over_and_never_below_what_is_spent() {
        // OpenAI over: AWS $600 of $1,000 leaves $400 for OpenAI, forecast at $700.
        let d = evaluate_openai(&input(Lever::Propose, 600.0, 700.0));
        assert_eq!(d.action, LeverAction::Propose { cents: 40_000 });
        assert_eq!(d.saving, Some(300.0));
        // Automatic sets it.
        let d = evaluate_openai(&input(Lever::Automatic, 600.0, 700.0));
        assert_eq!(d.action, LeverAction::SetCap { cents: 40_000 });
        // Both over: OpenAI capped at its floor (spent $350 + $35), the copies see to AWS's.
        let d = evaluate_openai(&input(Lever::Propose, 1200.0, 700.0));
        assert_eq!(d.action, LeverAction::Propose { cents: 38_500 });
        // AWS over, OpenAI's forecast already under its floor: the lever leaves it to copies.
        let mut aws_over = input(Lever::Propose, 1200.0, 100.0);
        aws_over.openai_spent = 95.0;
        let d = evaluate_openai(&aws_over);
        assert_eq!(
            (d.action, d.reason.code),
            (LeverAction::Nothing, "openai_cap_useless")
        );
        // Inside the budget: nothing.
        let d = evaluate_openai(&input(Lever::Propose, 500.0, 300.0));
        assert_eq!(d.reason.code, "within");
        // The lever off: nothing, whatever the figures.
        let d = evaluate_openai(&input(Lever::Off, 600.0, 700.0));
        assert_eq!(d.action, LeverAction::Nothing);
        // Already capped at or under the offer; within the cooldown; told once as a notice.
        let mut capped = input(Lever::Propose, 600.0, 700.0);
        capped.limit = Some(SpendLimit {
            cents: 35_000,
            enforcing: false,
        });
        assert_eq!(evaluate_openai(&capped).reason.code, "openai_capped");
        let mut waiting = input(Lever::Automatic, 600.0, 700.0);
        waiting.last_action = Some(NOW - Duration::hours(1));
        assert_eq!(evaluate_openai(&waiting).reason.code, "openai_cooldown");
        let mut told = input(Lever::Notify, 600.0, 700.0);
        assert_eq!(evaluate_openai(&told).action, LeverAction::Notify);
        told.told_this_month = true;
        assert_eq!(evaluate_openai(&told).action, LeverAction::Nothing);
    }

    #[test]
    fn the_offer_keeps_a_margin_above_the_months_spend() {
        let offer = cap_offer(1000.0, 900.0, 300.0);
        assert_eq!(offer.margin, 30.0);
        assert_eq!(offer.floor, 330.0);
        assert_eq!(
            offer.offer, 330.0,
            "the budget's $100 left is under the floor"
        );
        assert_eq!(cap_offer(1000.0, 0.0, 20.0).margin, 10.0, "at least $10");
        assert_eq!(cents(1234.56), 123_456);
        assert_eq!(cents(0.001), 1, "rounded up");
    }
}
