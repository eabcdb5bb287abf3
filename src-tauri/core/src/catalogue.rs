//! Every code the core can hand the window, with example values: the window must have words
//! for each, in English and in Spanish (`tests/i18n.rs` in the app checks `ui/i18n.js`).

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{AppError, FieldProblem};

/// One thing the window must be able to word: its key and the values it is given.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The window's key, e.g. `error.kube_unreachable` or `hint.signin_aws_profile`.
    pub key: String,
    pub params: Map<String, Value>,
}

fn entry(key: String, params: &Map<String, Value>) -> Entry {
    Entry {
        key,
        params: params.clone(),
    }
}

fn error_entries(error: &AppError) -> [Entry; 2] {
    [
        entry(format!("error.{}", error.code), &error.params),
        entry(format!("hint.{}", error.hint_code), &error.params),
    ]
}

/// Everything the core words through the window.
pub fn entries() -> Vec<Entry> {
    let mut errors: Vec<AppError> = Vec::new();
    errors.extend(crate::settings::examples());
    errors.extend(crate::secrets::messages::examples());
    errors.extend(crate::cost::messages::examples());
    errors.extend(crate::chart::view::examples());
    errors.extend(crate::report::examples());
    errors.extend(crate::cluster::messages::examples());
    errors.extend(crate::guard_examples());
    errors.extend(crate::cost::spend_limit::examples());
    errors.push(AppError::new("openai_cap_amount", "x").with("example", "1500.50"));
    for how in ["plain_http", "skip_verify"] {
        let hint = format!("kube_insecure_{how}");
        errors.push(AppError::hinted("kube_insecure_key", &hint, "x").with("context", "prod"));
    }
    errors.push(AppError::from(crate::audit::AuditError::Read {
        path: "/x/audit.jsonl".into(),
        source: std::io::Error::other("x"),
    }));
    let mut out: Vec<Entry> = errors.iter().flat_map(error_entries).collect();
    // The guard's notices are titled too (the notice area, desktop notifications).
    let mut notices = crate::guard::notice::examples();
    notices.extend(crate::guard::in_cluster::examples());
    out.extend(
        notices
            .iter()
            .map(|n| entry(format!("notice.{}", n.code), &n.params)),
    );
    out.extend(errors.iter().flat_map(|e| {
        e.fields
            .iter()
            .map(|f| entry(format!("field.{}", f.code), &f.params))
    }));
    let fields: Vec<FieldProblem> = crate::cluster::spec::examples();
    out.extend(
        fields
            .iter()
            .map(|f| entry(format!("field.{}", f.code), &f.params)),
    );
    for problem in crate::cluster::rollout::examples() {
        out.push(entry(format!("problem.{}", problem.code), &problem.params));
        out.push(entry(
            format!("problemHint.{}", problem.code),
            &problem.params,
        ));
    }
    for purpose in crate::cluster::connect::purposes() {
        out.push(entry(format!("purpose.{purpose}"), &Map::new()));
    }
    let check = |pairs: &[(&str, Value)]| -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    };
    out.push(entry(
        "checked.openai_ok".into(),
        &check(&[("models", Value::from(3))]),
    ));
    out.push(entry("checked.openai_admin_ok".into(), &Map::new()));
    out.push(entry(
        "checked.aws_ok".into(),
        &check(&[("account", "123".into()), ("arn", "arn".into())]),
    ));
    out.extend(window_words());
    out
}

/// A value's name as the window receives it (`"builtIn"`, `"trouble"`…).
fn wire_name(value: impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(name)) => name,
        Ok(Value::Object(map)) => map
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    }
}

fn params<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Names of things the window words itself: how a context signs in, rollout phases, what
/// the Activity records and how it ended, what a preview says about each change.
fn window_words() -> Vec<Entry> {
    use crate::cluster::{activity, apply, contexts::SignsInWith, rollout::Phase};
    let mut out = Vec::new();
    for auth in SignsInWith::examples() {
        let values = match serde_json::to_value(&auth) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        out.push(entry(format!("auth.{}", wire_name(&auth)), &values));
    }
    let counts = params([
        ("ready", 1.into()),
        ("desired", 2.into()),
        ("updated", 1.into()),
        ("count", 2.into()),
    ]);
    for phase in Phase::ALL {
        out.push(entry(format!("rollout.{}", wire_name(phase)), &counts));
    }
    for subject in activity::examples()
        .into_iter()
        .chain(crate::guard::activity::examples())
    {
        let mut values = subject.params.clone();
        values.insert("app".into(), subject.app.clone().into());
        out.push(entry(format!("activity.{}", subject.action), &Map::new()));
        out.push(entry(format!("activityDetail.{}", subject.action), &values));
    }
    for action in crate::guard::activity::GUARD_ACTIONS {
        out.push(entry(format!("activity.{action}"), &Map::new()));
    }
    for outcome in crate::audit::Outcome::ALL {
        let why = params([("why", "…".into())]);
        out.push(entry(format!("outcome.{}", wire_name(outcome)), &why));
    }
    for problem in crate::TagProblem::ALL {
        let tag = params([("tag", "app=assistant".into())]);
        out.push(entry(format!("guard.tag_{}", wire_name(problem)), &tag));
    }
    for note in apply::DIFF_NOTES {
        out.push(entry(format!("diffNote.{note}"), &Map::new()));
    }
    for action in apply::CHANGE_ACTIONS {
        out.push(entry(format!("deployment.action.{action}"), &Map::new()));
    }
    out
}
