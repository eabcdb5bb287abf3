//! The guard's decisions, case by case: thresholds at and around the boundary, the first and
//! last day of the month, no forecast yet, no budget, another currency, cost per copy unknown,
//! already at the floor, the cooldown, an autoscaler.

use purser_core::guard::{evaluate, Action, Copies, Inputs, Policy, Range, Target};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2026-11-20 12:00 UTC);

/// One case: a change to the base inputs, and what must come out.
struct Case {
    name: &'static str,
    spent: f64,
    month_end: Option<f64>,
    budget: Option<f64>,
    budget_currency: &'static str,
    policy: Policy,
    copies: Copies,
    cost_per_copy: Option<f64>,
    last_action: Option<OffsetDateTime>,
    notified: &'static [u16],
    now: OffsetDateTime,
    /// The action's kind, the reason's code, and the target, if any.
    want: (&'static str, &'static str, Option<Target>),
}

fn base(name: &'static str) -> Case {
    Case {
        name,
        spent: 500.0,
        month_end: Some(700.0),
        budget: Some(1000.0),
        budget_currency: "USD",
        policy: Policy::Propose { floor: 1 },
        copies: Copies {
            current: 6,
            autoscaler: None,
        },
        cost_per_copy: Some(21.0),
        last_action: None,
        notified: &[],
        now: NOW,
        want: ("nothing", "within", None),
    }
}

fn copies(replicas: i32) -> Option<Target> {
    Some(Target::Copies { replicas })
}

fn kind(action: &Action) -> (&'static str, Option<Target>) {
    match action {
        Action::Nothing => ("nothing", None),
        Action::Refuse => ("refuse", None),
        Action::Notify => ("notify", None),
        Action::Propose { to } => ("propose", Some(*to)),
        Action::ScaleDown { to } => ("scale", Some(*to)),
    }
}

// Long: a table, one case per entry.
fn cases() -> Vec<Case> {
    let auto = |floor| Policy::Automatic { floor };
    vec![
        Case {
            policy: Policy::Off,
            spent: 5000.0,
            want: ("nothing", "off", None),
            ..base("off does nothing, even far over")
        },
        Case {
            want: ("nothing", "within", None),
            ..base("well within the budget")
        },
        Case {
            spent: 799.99,
            month_end: Some(799.99),
            want: ("nothing", "within", None),
            ..base("just under 80 %")
        },
        Case {
            spent: 800.0,
            month_end: Some(800.0),
            want: ("notify", "threshold", None),
            ..base("exactly 80 % spent")
        },
        Case {
            spent: 500.0,
            month_end: Some(800.0),
            want: ("notify", "threshold", None),
            ..base("forecast reaches 80 %")
        },
        Case {
            spent: 1000.0,
            month_end: Some(1000.0),
            want: ("notify", "threshold", None),
            ..base("exactly the budget is not past it")
        },
        Case {
            spent: 500.0,
            month_end: Some(1000.01),
            want: ("propose", "over_budget", copies(1)),
            ..base("forecast a cent over: propose")
        },
        Case {
            spent: 1000.01,
            month_end: None,
            want: ("propose", "over_budget", copies(1)),
            ..base("spent over, no forecast")
        },
        Case {
            policy: auto(2),
            spent: 1050.0,
            month_end: Some(1200.0),
            want: ("scale", "over_budget", copies(2)),
            ..base("automatic scales to its floor")
        },
        Case {
            policy: auto(0),
            spent: 1050.0,
            month_end: Some(1200.0),
            want: ("scale", "over_budget", copies(0)),
            ..base("automatic may stop the app")
        },
        Case {
            policy: auto(2),
            month_end: Some(1200.0),
            want: ("propose", "over_budget", copies(2)),
            ..base("automatic on a forecast alone proposes (an early-month guess moves nothing)")
        },
        Case {
            policy: auto(0),
            month_end: Some(1200.0),
            want: ("propose", "over_budget", copies(0)),
            ..base("automatic never stops the app on a forecast alone")
        },
        Case {
            policy: Policy::Notify,
            month_end: Some(1500.0),
            want: ("notify", "threshold", None),
            ..base("notify only never scales")
        },
        Case {
            budget: None,
            want: ("refuse", "no_budget", None),
            ..base("no budget")
        },
        Case {
            budget: Some(0.0),
            want: ("refuse", "no_budget", None),
            ..base("zero budget")
        },
        Case {
            budget: Some(f64::NAN),
            want: ("refuse", "no_budget", None),
            ..base("a budget that is not a number")
        },
        Case {
            budget_currency: "EUR",
            month_end: Some(5000.0),
            want: ("refuse", "currency", None),
            ..base("budget in another currency")
        },
        Case {
            budget_currency: "usd",
            month_end: Some(1200.0),
            want: ("propose", "over_budget", copies(1)),
            ..base("currency codes compare without case")
        },
        Case {
            spent: 0.0,
            month_end: None,
            now: datetime!(2026-11-01 00:10 UTC),
            want: ("nothing", "within", None),
            ..base("first day: nothing spent, no forecast")
        },
        Case {
            spent: 1100.0,
            month_end: Some(1100.0),
            now: datetime!(2026-11-30 23:00 UTC),
            want: ("propose", "over_budget", copies(1)),
            ..base("last day, over")
        },
        Case {
            spent: 950.0,
            month_end: None,
            now: datetime!(2026-11-30 23:00 UTC),
            want: ("notify", "threshold", None),
            ..base("last day, no forecast, past 80 %")
        },
        Case {
            month_end: Some(1200.0),
            cost_per_copy: None,
            want: ("propose", "over_budget", copies(1)),
            ..base("cost per copy unknown: still proposes")
        },
        Case {
            month_end: Some(1200.0),
            copies: Copies {
                current: 1,
                autoscaler: None,
            },
            want: ("nothing", "at_floor", None),
            ..base("already at the floor")
        },
        Case {
            month_end: Some(1200.0),
            copies: Copies {
                current: 0,
                autoscaler: None,
            },
            want: ("nothing", "at_floor", None),
            ..base("stopped already, below the floor")
        },
        Case {
            policy: auto(1),
            month_end: Some(1200.0),
            last_action: Some(NOW - Duration::hours(2)),
            want: ("nothing", "cooldown", None),
            ..base("within the cooldown")
        },
        Case {
            policy: auto(1),
            spent: 1050.0,
            month_end: Some(1200.0),
            last_action: Some(NOW - Duration::hours(6)),
            want: ("scale", "over_budget", copies(1)),
            ..base("cooldown just over")
        },
        Case {
            month_end: Some(1200.0),
            copies: Copies {
                current: 6,
                autoscaler: Some(Range { min: 2, max: 10 }),
            },
            want: (
                "propose",
                "over_budget",
                Some(Target::Autoscaler { min: 1, max: 1 }),
            ),
            ..base("an autoscaler's range is lowered")
        },
        Case {
            policy: auto(3),
            spent: 1050.0,
            month_end: Some(1200.0),
            copies: Copies {
                current: 6,
                autoscaler: Some(Range { min: 2, max: 10 }),
            },
            want: (
                "scale",
                "over_budget",
                Some(Target::Autoscaler { min: 2, max: 3 }),
            ),
            ..base("autoscaler: min kept when under the new max")
        },
        Case {
            policy: auto(0),
            spent: 1050.0,
            month_end: Some(1200.0),
            copies: Copies {
                current: 2,
                autoscaler: Some(Range { min: 1, max: 4 }),
            },
            want: (
                "scale",
                "over_budget",
                Some(Target::Autoscaler { min: 1, max: 1 }),
            ),
            ..base("autoscaler cannot go to zero")
        },
        Case {
            month_end: Some(1200.0),
            copies: Copies {
                current: 1,
                autoscaler: Some(Range { min: 1, max: 1 }),
            },
            want: ("nothing", "at_floor", None),
            ..base("autoscaler already at its lowest")
        },
        Case {
            spent: 850.0,
            month_end: Some(950.0),
            notified: &[80],
            want: ("nothing", "told", None),
            ..base("80 % already told this month")
        },
        Case {
            spent: 1000.0,
            month_end: Some(1000.0),
            notified: &[80],
            want: ("notify", "threshold", None),
            ..base("100 % is told after 80 %")
        },
    ]
}

#[test]
fn every_case_decides_as_expected() {
    let thresholds = [80, 100];
    let cases = cases();
    assert!(cases.len() >= 25, "{} cases", cases.len());
    let mut wrong = Vec::new();
    for case in &cases {
        let decision = evaluate(&Inputs {
            spent: case.spent,
            month_end: case.month_end,
            currency: "USD",
            budget: case.budget,
            budget_currency: case.budget_currency,
            thresholds: &thresholds,
            policy: &case.policy,
            copies: case.copies,
            cost_per_copy: case.cost_per_copy,
            last_action: case.last_action,
            cooldown: Duration::hours(6),
            notified: case.notified,
            now: case.now,
        });
        let (action, target) = kind(&decision.action);
        let got = (action, decision.reason.code, target);
        if got != case.want {
            wrong.push(format!(
                "{}: got {got:?}, want {:?} ({})",
                case.name, case.want, decision.reason.text
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn the_reason_names_the_figures_and_the_saving() {
    let policy = Policy::Automatic { floor: 3 };
    let decision = evaluate(&Inputs {
        spent: 3000.0,
        month_end: Some(5420.0),
        currency: "USD",
        budget: Some(5000.0),
        budget_currency: "USD",
        thresholds: &[80, 100],
        policy: &policy,
        copies: Copies {
            current: 6,
            autoscaler: None,
        },
        cost_per_copy: Some(21.3),
        last_action: None,
        cooldown: Duration::hours(6),
        notified: &[],
        now: NOW,
    });
    assert_eq!(
        decision.reason.text,
        "forecast 5420.00 USD > budget 5000.00 USD: proposed 6 → 3, saves ≈ $64/month"
    );
    assert_eq!(
        decision.reason.params["waitsForSpend"], true,
        "automatic acts on money spent; on a forecast it proposes"
    );
    assert_eq!(
        decision.saving.map(|s| (s * 10.0).round() / 10.0),
        Some(63.9)
    );
    assert_eq!(decision.reason.params["from"], 6);
    assert_eq!(decision.reason.params["to"], 3);
}
