//! What each cluster change writes to the audit log: one constructor per action, so its name,
//! the values the window words (`activityDetail.<action>`) and the English line for the file
//! are made in one place, and [`examples`] lets a test hold the window's words to them.

use crate::audit::Subject;

/// "1 copy", "3 copies".
fn copies(n: i64) -> String {
    if n == 1 {
        "1 copy".into()
    } else {
        format!("{n} copies")
    }
}

pub fn deploy(app: &str, image: &str, replicas: impl Into<i64>, took_over: bool) -> Subject {
    let replicas = replicas.into();
    let took = if took_over { " · took over" } else { "" };
    Subject::new(
        "deploy",
        app,
        format!("{app} · {image} · {}{took}", copies(replicas)),
    )
    .with("image", image)
    .with("replicas", replicas)
    .with("tookOver", took_over)
}

pub fn scale(app: &str, replicas: i64) -> Subject {
    Subject::new("scale", app, format!("{app} → {}", copies(replicas))).with("replicas", replicas)
}

pub fn autoscaler(app: &str, min: i64, max: i64) -> Subject {
    Subject::new("autoscaler", app, format!("{app} → {min}–{max} copies"))
        .with("min", min)
        .with("max", max)
}

pub fn restart(app: &str) -> Subject {
    Subject::new("restart", app, app)
}

/// A rollback to `(revision, image)`, or (without values: the window names just the app) one
/// refused before the previous revision was known.
pub fn rollback(app: &str, to: Option<(i64, &str)>) -> Subject {
    match to {
        Some((revision, image)) => Subject::new(
            "rollback",
            app,
            format!("{app} → revision {revision} ({image})"),
        )
        .with("revision", revision)
        .with("image", image),
        None => Subject::new("rollback", app, app),
    }
}

pub fn uninstall(app: &str, with_adopted: bool) -> Subject {
    let text = if with_adopted {
        format!("{app} · with what Purser took over")
    } else {
        app.to_string()
    };
    Subject::new("uninstall", app, text).with("withAdopted", with_adopted)
}

/// A level as both languages write it: `6` copies, or an autoscaler's `2–10`.
pub fn level_text(level: &crate::guard::Target) -> String {
    level.text()
}

/// The budget guard's own lines: a decision (`guardNotify`, `guardPropose`, `guardDismiss`,
/// `guardScale`) with its reason, whose values the window words (`guard.<code>`).
pub fn guard(action: &str, app: &str, reason: &crate::guard::Reason) -> Subject {
    let mut subject = Subject::new(action, app, format!("{app}: {}", reason.text));
    subject.params = reason.params.clone();
    subject.with("reason", reason.code)
}

/// The guard scaling an app down (or lowering its autoscaler's range).
pub fn guard_scale(
    app: &str,
    from: &crate::guard::Target,
    to: &crate::guard::Target,
    reason: &crate::guard::Reason,
) -> Subject {
    guard("guardScale", app, reason)
        .with("fromLevel", level_text(from))
        .with("toLevel", level_text(to))
}

/// The guard's actions as the audit log names them (the window words each).
pub const GUARD_ACTIONS: [&str; 10] = [
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
pub fn guard_policy(app: &str, policy: &crate::guard::Policy) -> Subject {
    let (mode, floor) = match policy {
        crate::guard::Policy::Off => ("off", None),
        crate::guard::Policy::Notify => ("notify", None),
        crate::guard::Policy::Propose { floor } => ("propose", Some(*floor)),
        crate::guard::Policy::Automatic { floor } => ("automatic", Some(*floor)),
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
pub fn guard_openai_lever(app: &str, lever: crate::guard::Lever) -> Subject {
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

/// Putting back what the guard changed.
pub fn guard_revert(app: &str, from: &crate::guard::Target, to: &crate::guard::Target) -> Subject {
    let (from, to) = (level_text(from), level_text(to));
    Subject::new(
        "guardRevert",
        app,
        format!("{app}: {from} → {to} (reverted)"),
    )
    .with("fromLevel", from)
    .with("toLevel", to)
}

/// One of each that has values (the window words those; one without values is its app's
/// name alone), with example values.
pub fn examples() -> Vec<Subject> {
    let image = "ghcr.io/acme/assistant:1.4.2";
    vec![
        deploy("assistant", image, 2, true),
        scale("assistant", 5),
        autoscaler("assistant", 2, 8),
        rollback("assistant", Some((3, image))),
        uninstall("assistant", true),
        guard_policy("assistant", &crate::guard::Policy::Automatic { floor: 1 }),
        guard_revert(
            "assistant",
            &crate::guard::Target::Copies { replicas: 1 },
            &crate::guard::Target::Copies { replicas: 6 },
        ),
        openai_cap("proj_abc", Some(50_000), 40_000),
        guard_openai_lever("assistant", crate::guard::Lever::Propose),
        openai_cap_revert("proj_abc", Some(40_000), None),
    ]
}
