//! Field ownership for server-side apply, in the spirit of the real API server's
//! structured-merge-diff: every leaf field of an object is a path (`f:spec`, `f:replicas`, or
//! `k:{"name":"app"}` for an element of a list keyed by name), each field manager owns a set
//! of paths, and an apply that changes a value owned by another manager is a conflict.
//!
//! Simplifications (stated so nobody mistakes this for the real thing): lists are keyed by
//! `name`, else `containerPort`, else `port`, else treated as atomic values; there is no
//! OpenAPI schema, so maps are always merged granularly.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

/// A path to one field: segments like `f:spec` or `k:{"name":"app"}`.
pub type FieldPath = Vec<String>;

/// Top-level and metadata fields the server owns; never part of a manager's set.
fn is_server_field(path: &[String]) -> bool {
    match path {
        [first, ..] if first == "f:apiVersion" || first == "f:kind" || first == "f:status" => true,
        [first, second, ..] if first == "f:metadata" => matches!(
            second.as_str(),
            "f:name"
                | "f:namespace"
                | "f:uid"
                | "f:resourceVersion"
                | "f:generation"
                | "f:creationTimestamp"
                | "f:managedFields"
                | "f:deletionTimestamp"
                | "f:selfLink"
        ),
        _ => false,
    }
}

/// The field a list is keyed by, if all its elements are objects carrying it.
fn list_key(items: &[Value]) -> Option<&'static str> {
    if items.is_empty() {
        return None;
    }
    ["name", "containerPort", "port"]
        .into_iter()
        .find(|key| items.iter().all(|item| item.get(key).is_some()))
}

fn key_segment(key: &str, item: &Value) -> String {
    let mut map = Map::new();
    map.insert(
        key.to_string(),
        item.get(key).cloned().unwrap_or(Value::Null),
    );
    format!("k:{}", Value::Object(map))
}

/// Every leaf of `value` with its path, server-owned fields left out.
pub fn leaves(value: &Value) -> BTreeMap<FieldPath, Value> {
    let mut out = BTreeMap::new();
    collect(value, &mut Vec::new(), &mut out);
    out.retain(|path, _| !is_server_field(path));
    out
}

fn collect(value: &Value, path: &mut FieldPath, out: &mut BTreeMap<FieldPath, Value>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, child) in map {
                path.push(format!("f:{key}"));
                collect(child, path, out);
                path.pop();
            }
        }
        Value::Array(items) => match list_key(items) {
            Some(key) => {
                for item in items {
                    path.push(key_segment(key, item));
                    collect(item, path, out);
                    path.pop();
                }
            }
            None => {
                out.insert(path.clone(), value.clone());
            }
        },
        _ => {
            out.insert(path.clone(), value.clone());
        }
    }
}

fn parse_key(segment: &str) -> Option<Map<String, Value>> {
    let raw = segment.strip_prefix("k:")?;
    match serde_json::from_str(raw) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

fn matches_key(item: &Value, key: &Map<String, Value>) -> bool {
    key.iter().all(|(k, v)| item.get(k) == Some(v))
}

/// The value at `path`, if present.
pub fn get<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut current = value;
    for segment in path {
        current = if let Some(field) = segment.strip_prefix("f:") {
            current.get(field)?
        } else {
            let key = parse_key(segment)?;
            current
                .as_array()?
                .iter()
                .find(|item| matches_key(item, &key))?
        };
    }
    Some(current)
}

/// Removes the leaf at `path`, or the highest object or list element that only holds it (an
/// element must go before its key field does, or it could no longer be found by key).
pub fn remove(value: &mut Value, path: &[String]) {
    let mut cut = path.len();
    while cut > 1 {
        match get(value, &path[..cut - 1]) {
            Some(Value::Object(map)) if map.len() == 1 => cut -= 1,
            _ => break,
        }
    }
    let Some((last, parents)) = path[..cut].split_last() else {
        return;
    };
    if let Some(parent) = get_mut(value, parents) {
        remove_child(parent, last);
    }
}

fn remove_child(parent: &mut Value, segment: &str) {
    if let Some(field) = segment.strip_prefix("f:") {
        if let Some(map) = parent.as_object_mut() {
            map.remove(field);
        }
    } else if let (Some(key), Some(items)) = (parse_key(segment), parent.as_array_mut()) {
        items.retain(|item| !matches_key(item, &key));
    }
}

fn get_mut<'a>(value: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    let mut current = value;
    for segment in path {
        current = if let Some(field) = segment.strip_prefix("f:") {
            current.get_mut(field)?
        } else {
            let key = parse_key(segment)?;
            current
                .as_array_mut()?
                .iter_mut()
                .find(|item| matches_key(item, &key))?
        };
    }
    Some(current)
}

/// Merges an applied configuration into the live object: maps field by field, keyed lists
/// element by element, everything else replaced.
pub fn merge(live: &mut Value, applied: &Value) {
    match (live, applied) {
        (Value::Object(live), Value::Object(applied)) => {
            for (key, value) in applied {
                match live.get_mut(key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        live.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (Value::Array(live), Value::Array(applied)) => {
            let key = list_key(applied).filter(|key| live.iter().all(|i| i.get(key).is_some()));
            match key {
                Some(key) => {
                    let mut merged = Vec::with_capacity(applied.len());
                    for item in applied {
                        let position = live.iter().position(|l| l.get(key) == item.get(key));
                        match position {
                            Some(index) => {
                                let mut existing = live.remove(index);
                                merge(&mut existing, item);
                                merged.push(existing);
                            }
                            None => merged.push(item.clone()),
                        }
                    }
                    merged.append(live);
                    *live = merged;
                }
                None => *live = applied.clone(),
            }
        }
        (live, applied) => *live = applied.clone(),
    }
}

/// One manager's fields, as in `metadata.managedFields`.
#[derive(Debug, Clone)]
pub struct ManagerEntry {
    pub manager: String,
    /// `Apply` or `Update`.
    pub operation: &'static str,
    pub api_version: String,
    pub subresource: Option<String>,
    pub time: String,
    pub fields: BTreeSet<FieldPath>,
}

/// `fieldsV1` for a set of paths: nested objects keyed by the path segments.
pub fn fields_v1(fields: &BTreeSet<FieldPath>) -> Value {
    let mut root = Map::new();
    for path in fields {
        let mut node = &mut root;
        for segment in path {
            let entry = node
                .entry(segment.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            node = match entry {
                Value::Object(map) => map,
                _ => unreachable!("fields_v1 only inserts objects"),
            };
        }
    }
    Value::Object(root)
}

/// Dotted form of a path for messages: `.spec.template.spec.containers[name="app"].image`.
pub fn display(path: &[String]) -> String {
    let mut out = String::new();
    for segment in path {
        if let Some(field) = segment.strip_prefix("f:") {
            out.push('.');
            out.push_str(field);
        } else if let Some(key) = parse_key(segment) {
            let inner: Vec<String> = key.iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.push_str(&format!("[{}]", inner.join(",")));
        }
    }
    out
}

/// Fields whose value differs between two versions of an object (added, changed or removed).
pub fn changed(before: &Value, after: &Value) -> BTreeSet<FieldPath> {
    let old = leaves(before);
    let new = leaves(after);
    let mut out: BTreeSet<FieldPath> = new
        .iter()
        .filter(|(path, value)| old.get(*path) != Some(value))
        .map(|(path, _)| path.clone())
        .collect();
    out.extend(old.keys().filter(|path| !new.contains_key(*path)).cloned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keyed_lists_merge_by_name_and_paths_name_the_element() {
        let mut live = json!({"spec": {"containers": [{"name": "app", "image": "a:1", "ports": [{"containerPort": 80}]}]}});
        let applied = json!({"spec": {"containers": [{"name": "app", "image": "a:2"}, {"name": "side", "image": "s"}]}});
        merge(&mut live, &applied);
        assert_eq!(live["spec"]["containers"][0]["image"], "a:2");
        assert_eq!(
            live["spec"]["containers"][0]["ports"][0]["containerPort"],
            80
        );
        assert_eq!(live["spec"]["containers"][1]["name"], "side");
        let paths = leaves(&applied);
        let image: FieldPath = vec![
            "f:spec".into(),
            "f:containers".into(),
            r#"k:{"name":"app"}"#.into(),
            "f:image".into(),
        ];
        assert_eq!(paths.get(&image), Some(&json!("a:2")));
        assert_eq!(display(&image), r#".spec.containers[name="app"].image"#);
    }

    #[test]
    fn removing_the_last_field_of_an_element_removes_the_element() {
        let mut value = json!({"spec": {"env": [{"name": "A"}, {"name": "B"}]}});
        let path: FieldPath = vec![
            "f:spec".into(),
            "f:env".into(),
            r#"k:{"name":"A"}"#.into(),
            "f:name".into(),
        ];
        remove(&mut value, &path);
        assert_eq!(value, json!({"spec": {"env": [{"name": "B"}]}}));
    }

    #[test]
    fn server_fields_are_never_owned() {
        let paths = leaves(
            &json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x", "labels": {"a": "b"}}, "status": {"x": 1}}),
        );
        let shown: Vec<String> = paths.keys().map(|p| display(p)).collect();
        assert_eq!(shown, vec![".metadata.labels.a"]);
    }
}
