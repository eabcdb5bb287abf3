//! What each budget-guard action writes to the audit log (decisions, scale-downs, reverts,
//! policies and OpenAI spend limits): one constructor per action, as `cluster::activity` does
//! for a person's cluster changes, and [`examples`] for the test that the window words them.

use super::{Lever, Policy, Reason, Target};
use crate::audit::Subject;

/// A level as both languages write it: `6` copies, or an autoscaler's `2–10`.
pub fn level_text(level: &Target) -> String {
    level.text()
}

/// The budget guard's own lines: a decision (`guardNotify`, `guardPropose`, `guardDismiss`,
/// `guardScale`) with its reason, whose values the window words (`guard.<code>`).
pub fn guard(action: &str, app: &str, reason: &Reason) -> Subject {
    let mut subject = Subject::new(action, app, format!("{app}: {}", reason.text));
    subject.params = reason.params.clone();
    subject.with("reason", reason.code)
}

/// The guard scaling an app down (or lowering its autoscaler's range).
pub fn guard_scale(app: &str, from: &Target, to: &Target, reason: &Reason) -> Subject {
    guard("guardScale", app, reason)
        .with("fromLevel", level_text(from))
        .with("toLevel", level_text(to))
}

/// The guard's actions as the audit log names them (the window words each).
pub const GUARD_ACTIONS: [&str; 11] = [
    "guardPolicy",
    "guardNotify",
    "guardPropose",
    "guardScale",
    "guardDismiss",
    "guardRefuse",
    "guardRevert",
    "guardUndone",
    "guardOpenAiNotify",
    "guardOpenAiPropose",
    "guardNotice",
];

/// Dollars of a whole number of cents, for the window's words.
fn dollars(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// Setting an OpenAI project's hard spend limit (by the guard or a person): from what it was
/// (`None`: no limit) to `set` cents a month.
pub fn openai_cap(project: &str, previous: Option<i64>, set: i64) -> Subject {
    let from = previous.map_or("no limit".to_string(), |c| format!("${:.2}", dollars(c)));
    Subject::new(
        "openaiCap",
        project,
        format!(
            "{project}: OpenAI spend limit {from} → ${:.2} a month",
            dollars(set)
        ),
    )
    .with("previous", previous.map(dollars))
    .with("limit", dollars(set))
    .with("currency", "USD")
}

/// Putting an OpenAI project's limit back (`to` = `None`: the limit is removed).
pub fn openai_cap_revert(project: &str, from: Option<i64>, to: Option<i64>) -> Subject {
    let text = |c: Option<i64>| c.map_or("no limit".to_string(), |c| format!("${:.2}", dollars(c)));
    Subject::new(
        "openaiCapRevert",
        project,
        format!(
            "{project}: OpenAI spend limit {} → {} (reverted)",
            text(from),
            text(to)
        ),
    )
    .with("previous", from.map(dollars))
    .with("limit", to.map(dollars))
    .with("currency", "USD")
}

/// The user setting an app's guard policy.
pub fn guard_policy(app: &str, policy: &Policy) -> Subject {
    let (mode, floor) = match policy {
        Policy::Off => ("off", None),
        Policy::Notify => ("notify", None),
        Policy::Propose { floor } => ("propose", Some(*floor)),
        Policy::Automatic { floor } => ("automatic", Some(*floor)),
    };
    let text = match floor {
        Some(floor) => format!("{app}: guard {mode}, floor {floor} copies"),
        None => format!("{app}: guard {mode}"),
    };
    let subject = Subject::new("guardPolicy", app, text).with("mode", mode);
    match floor {
        Some(floor) => subject.with("floor", floor),
        None => subject,
    }
}

/// The user setting what the guard may do with OpenAI's part of the bill.
pub fn guard_openai_lever(app: &str, lever: Lever) -> Subject {
    let name = serde_json::to_value(lever)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    Subject::new(
        "guardOpenAiLever",
        app,
        format!("{app}: OpenAI part of the bill: {name}"),
    )
    .with("lever", name)
}

/// The person choosing whether this computer guards the app while its guard in the cluster
/// is not working (`on`), or this computer standing aside for it again.
pub fn guard_stand_in(app: &str, on: bool) -> Subject {
    if on {
        let text = format!(
            "{app}: guarded from this computer while the guard in the cluster is not working"
        );
        Subject::new("guardStandIn", app, text)
    } else {
        let text = format!("{app}: this computer stands aside for the guard in the cluster");
        Subject::new("guardStandAside", app, text)
    }
}

/// Installing the guard in the cluster for an app (its objects; the shared record with them).
pub fn guard_install(app: &str, objects: &str) -> Subject {
    let text = format!("{app}: guard installed in the cluster ({objects})");
    Subject::new("guardInstall", app, text)
}

/// Removing the guard's objects from the cluster.
pub fn guard_uninstall(app: &str, objects: &str) -> Subject {
    let text = format!("{app}: guard removed from the cluster ({objects})");
    Subject::new("guardUninstall", app, text)
}

/// Sharing this computer's budget and guard record in the app's shared record (a ConfigMap).
pub fn guard_share(app: &str) -> Subject {
    let text = format!("{app}: budget and guard shared in the cluster (ConfigMap purser-{app})");
    Subject::new("guardShare", app, text)
}

/// A person changing the budget every stakeholder's Purser shows for the app.
pub fn guard_budget(app: &str, amount: f64, currency: &str) -> Subject {
    let text = format!("{app}: shared budget {amount:.2} {currency} a month");
    Subject::new("guardBudget", app, text)
        .with("amount", amount)
        .with("currency", currency)
}

/// Starting one check of the guard in the cluster now (a Job from its CronJob).
pub fn guard_test_now(app: &str, cron_job: &str) -> Subject {
    let text = format!("{app}: one check started now from {cron_job}");
    Subject::new("guardTestNow", app, text)
}

/// Putting back what the guard changed.
pub fn guard_revert(app: &str, from: &Target, to: &Target) -> Subject {
    let (from, to) = (level_text(from), level_text(to));
    Subject::new(
        "guardRevert",
        app,
        format!("{app}: {from} → {to} (reverted)"),
    )
    .with("fromLevel", from)
    .with("toLevel", to)
}

/// The guard's note on the Deployment (what it set and what a revert puts back, for other
/// machines), written — or, with `None`, cleared after a revert.
pub fn guard_note(app: &str, note: Option<(&Target, &Target)>) -> Subject {
    match note {
        Some((previous, set)) => {
            let (from, to) = (level_text(previous), level_text(set));
            Subject::new(
                "guardNote",
                app,
                format!("{app}: note on the Deployment: {from} → {to}"),
            )
            .with("fromLevel", from)
            .with("toLevel", to)
        }
        None => Subject::new(
            "guardNoteCleared",
            app,
            format!("{app}: note on the Deployment cleared"),
        ),
    }
}

/// One of each that has values, with example values.
pub fn examples() -> Vec<Subject> {
    vec![
        guard_policy("assistant", &Policy::Automatic { floor: 1 }),
        guard_revert(
            "assistant",
            &Target::Copies { replicas: 1 },
            &Target::Copies { replicas: 6 },
        ),
        openai_cap("proj_abc", Some(50_000), 40_000),
        guard_openai_lever("assistant", Lever::Propose),
        guard_stand_in("assistant", true),
        guard_stand_in("assistant", false),
        guard_install("assistant", "purser-guard-assistant"),
        guard_uninstall("assistant", "purser-guard-assistant"),
        guard_test_now("assistant", "purser-guard-assistant"),
        guard_share("assistant"),
        guard_budget("assistant", 5000.0, "USD"),
        openai_cap_revert("proj_abc", Some(40_000), None),
        guard_note(
            "assistant",
            Some((
                &Target::Copies { replicas: 6 },
                &Target::Copies { replicas: 2 },
            )),
        ),
        guard_note("assistant", None),
    ]
}
