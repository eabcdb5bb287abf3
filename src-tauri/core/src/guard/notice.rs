//! What the guard tells the user, as the window's codes: `guard_<kind>` naming the app, its
//! hint the reason (`hint.guard_<reason>`) with the reason's values.

use serde_json::Value;

use super::{AppKey, Reason};
use crate::error::AppError;

impl Reason {
    /// A reason with its English line for the log; values are added with [`Reason::with`].
    pub fn new(code: &'static str, text: impl Into<String>) -> Self {
        Self {
            code,
            params: serde_json::Map::new(),
            text: text.into(),
        }
    }

    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.params.insert(name.into(), value.into());
        self
    }
}

/// A notice for the window (and a desktop notification).
pub fn notice(kind: &str, key: &AppKey, reason: &Reason) -> AppError {
    let mut error = AppError::hinted(
        &format!("guard_{kind}"),
        &format!("guard_{}", reason.code),
        format!("budget guard, {}: {}", key.app, reason.text),
    )
    .with("app", key.app.clone())
    .with("context", key.context.clone())
    .with("namespace", key.namespace.clone());
    for (name, value) in &reason.params {
        error = error.with(name, value.clone());
    }
    error
}

/// The guard tried and something refused or failed: that error's own words as the hint.
pub fn failure(kind: &str, key: &AppKey, error: AppError) -> AppError {
    let mut failed = AppError::hinted(&format!("guard_{kind}"), &error.hint_code, &error.message);
    failed.params = error.params.clone();
    failed
        .with("app", key.app.clone())
        .with("context", key.context.clone())
        .with("namespace", key.namespace.clone())
        .with("error", error.code)
}

/// One of each notice, and a reason of each code the guard's line can show, with example
/// values, for the window's words.
#[cfg(any(test, feature = "testing"))]
// Long: one example of every notice and reason, listed so none is missed.
pub fn examples() -> Vec<AppError> {
    let key = AppKey {
        context: "prod".into(),
        namespace: "default".into(),
        app: "assistant".into(),
    };
    let mut out = Vec::new();
    for reason in super::evaluate::examples() {
        let kinds: &[&str] = match reason.code {
            "threshold" => &["notify"],
            "over_budget" => &["propose", "scaled"],
            "no_budget" | "currency" => &["refused"],
            _ => &["checked"],
        };
        out.extend(kinds.iter().map(|kind| notice(kind, &key, &reason)));
    }
    let error = |code: &str| Value::from(code);
    let refusals = [
        Reason::new("sample_figures", ""),
        Reason::new("unreachable", "").with("error", error("kube_unreachable")),
        Reason::new("cluster_changed", "")
            .with("recorded", "https://a.example")
            .with("now", "https://b.example"),
        Reason::new("autoscalers_hidden", "").with("namespace", "shop"),
        Reason::new("zero_unconfirmed", ""),
    ];
    out.extend(refusals.iter().map(|r| notice("refused", &key, r)));
    let lines = [
        Reason::new("held", "").with("until", "2026-12-01T00:00:00Z"),
        Reason::new("openai_held", "").with("until", "2026-12-01T00:00:00Z"),
        Reason::new("record_unreadable", "").with("error", error("guard_record_unreadable")),
        Reason::new("busy", ""),
        Reason::new("in_cluster", ""),
        Reason::new("cost_failed", "").with("error", error("cost_throttled")),
        Reason::new("stale", "").with("error", error("cost_request_cap")),
    ];
    out.extend(lines.iter().map(|r| notice("checked", &key, r)));
    let undone = Reason::new("undone", "")
        .with("who", "Argo CD")
        .with("now", "6")
        .with("set", "2")
        .with("at", "2026-11-20T12:03:00Z");
    out.push(notice("undone", &key, &undone));
    out.push(notice("checked", &key, &undone));
    let skew = Reason::new("clock_skew", "").with("at", "2027-01-01T00:00:00Z");
    out.push(notice("clock", &key, &skew));
    out.push(notice("checked", &key, &skew));
    let over = Reason::new("openai_over", "")
        .with("figure", 1700.0)
        .with("budget", 1000.0)
        .with("aws", 600.0)
        .with("openai", 1100.0)
        .with("capAmount", 400.0)
        .with("floorAmount", 330.0)
        .with("saving", 700.0)
        .with("currency", "USD");
    for kind in [
        "openai_notify",
        "openai_propose",
        "openai_capped",
        "checked",
    ] {
        out.push(notice(kind, &key, &over));
    }
    for (code, extra) in [
        ("openai_off", None),
        ("openai_cap_useless", None),
        ("openai_capped", Some(("limit", Value::from(350.0)))),
        (
            "openai_cooldown",
            Some(("until", Value::from("2026-11-20T18:00:00Z"))),
        ),
    ] {
        let mut reason = Reason::new(code, "")
            .with("figure", 1700.0)
            .with("budget", 1000.0)
            .with("capAmount", 400.0)
            .with("currency", "USD")
            .with("at", "2026-11-20T12:00:00Z");
        if let Some((name, value)) = extra {
            reason = reason.with(name, value);
        }
        out.push(notice("checked", &key, &reason));
    }
    let failed = Reason::new("openai_failed", "").with("error", "openai_limit_forbidden");
    out.push(notice("checked", &key, &failed));
    for kind in ["failed", "stale", "cost_failed", "openai_failed"] {
        let cause = AppError::hinted("kube_throttled", "kube_throttled", "x").with("seconds", 5);
        out.push(failure(kind, &key, cause));
    }
    out
}
