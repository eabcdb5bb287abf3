//! What a server-side dry-run says would change: live and would-be objects, stripped of what
//! the server manages, as YAML, compared line by line.

use serde::Serialize;
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use super::manifests::{mask_secret, MASK};

/// One line of a change's diff: `+`, `-`, `~` or ` `, and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    pub sign: String,
    pub text: String,
    /// A line Purser adds to explain (the window words it), e.g. `key_changes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Annotations that repeat the whole object: on a Secret they carry its data in plain text.
const COPY_ANNOTATIONS: [&str; 1] = ["kubectl.kubernetes.io/last-applied-configuration"];

/// Removes server-managed noise so only what a person cares about is compared, and whatever
/// could carry a Secret's value: its data is masked and its annotations dropped (kubectl's
/// `last-applied-configuration` holds the data in plain text; other tools store similar copies).
pub fn comparable(mut value: Value) -> Value {
    let secret = value.get("kind").and_then(Value::as_str) == Some("Secret");
    if let Some(map) = value.as_object_mut() {
        map.remove("status");
    }
    if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in [
            "managedFields",
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "generation",
            "selfLink",
        ] {
            meta.remove(field);
        }
        if let Some(annotations) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            annotations.remove("deployment.kubernetes.io/revision");
            for copy in COPY_ANNOTATIONS {
                annotations.remove(copy);
            }
            if secret {
                annotations.clear();
            }
            if annotations.is_empty() {
                meta.remove("annotations");
            }
        }
    }
    mask_secret(&mut value, MASK);
    value
}

/// Changed lines with a little context; empty when nothing differs.
pub fn lines(live: Option<&Value>, would: &Value) -> Vec<DiffLine> {
    let old = live
        .map(|l| serde_saphyr::to_string(l).unwrap_or_default())
        .unwrap_or_default();
    let new = serde_saphyr::to_string(would).unwrap_or_default();
    if old == new {
        return Vec::new();
    }
    let diff = TextDiff::from_lines(&old, &new);
    let mut out = Vec::new();
    for group in diff.grouped_ops(2) {
        for op in group {
            for change in diff.iter_changes(&op) {
                let sign = match change.tag() {
                    ChangeTag::Delete => "-",
                    ChangeTag::Insert => "+",
                    ChangeTag::Equal => " ",
                };
                out.push(DiffLine {
                    sign: sign.into(),
                    text: change.value().trim_end_matches('\n').to_string(),
                    note: None,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_secret_shows_neither_its_data_nor_its_annotations() {
        let live = json!({
            "kind": "Secret",
            "metadata": {"name": "x", "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": "{\"data\":{\"K\":\"c2VjcmV0\"}}",
                "other-tool/backup": "secret"
            }},
            "data": {"K": "c2VjcmV0"}
        });
        let text = serde_json::to_string(&comparable(live)).unwrap();
        assert!(
            !text.contains("c2VjcmV0") && !text.contains("secret\""),
            "{text}"
        );
        assert!(text.contains(MASK));
    }
}
