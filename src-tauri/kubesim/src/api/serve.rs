//! What each verb does to the store: list, get, create, update, patch (every type kubectl
//! and kube-rs send), server-side apply, delete, and the scale, status and log subresources.

use bytes::Bytes;
use serde_json::{json, Value};

use super::{Query, Target};
use crate::selector::{field_of, label_of, Selector};
use crate::store::{ApiError, Store, Writer};
use crate::Shared;

pub(super) struct Call {
    pub(super) target: Target,
    pub(super) query: Query,
    pub(super) content_type: String,
    pub(super) agent: String,
    pub(super) body: Bytes,
}

pub(super) enum Reply {
    Json(Value),
    Created(Value),
    Text(String),
}

fn parse_body(call: &Call) -> Result<Value, ApiError> {
    let parsed = if call.content_type == "application/apply-patch+yaml" {
        serde_saphyr::from_slice::<Value>(&call.body).map_err(|e| e.to_string())
    } else {
        serde_json::from_slice::<Value>(&call.body).map_err(|e| e.to_string())
    };
    parsed.map_err(|e| {
        ApiError::new(
            400,
            "BadRequest",
            format!("the request body is not valid: {e}"),
        )
    })
}

/// RFC 7386 JSON merge patch (also used for strategic merge patches: Purser's and kubectl's
/// patches here touch maps and whole lists only).
fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(entries) => {
            if !target.is_object() {
                *target = json!({});
            }
            let map = target.as_object_mut().expect("made an object above");
            for (key, value) in entries {
                if value.is_null() {
                    map.remove(key);
                } else {
                    merge_patch(map.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        other => *target = other.clone(),
    }
}

fn patched(live: &Value, call: &Call) -> Result<Value, ApiError> {
    let mut value = live.clone();
    match call.content_type.as_str() {
        "application/merge-patch+json" | "application/strategic-merge-patch+json" => {
            merge_patch(&mut value, &parse_body(call)?);
        }
        "application/json-patch+json" => {
            let patch: json_patch::Patch = serde_json::from_slice(&call.body).map_err(|e| {
                ApiError::new(
                    400,
                    "BadRequest",
                    format!("the JSON patch is not valid: {e}"),
                )
            })?;
            json_patch::patch(&mut value, &patch).map_err(|e| {
                ApiError::new(
                    422,
                    "Invalid",
                    format!("the JSON patch cannot be applied: {e}"),
                )
            })?;
        }
        other => {
            return Err(ApiError::new(
                415,
                "UnsupportedMediaType",
                format!("the body of the request was in an unknown format ({other})"),
            ));
        }
    }
    Ok(value)
}

pub(super) fn serve(shared: &Shared, verb: &str, call: Call) -> Result<Reply, ApiError> {
    let def = call.target.def;
    let ns = call.target.ns.clone().unwrap_or_default();
    let dry_run = call.query.get("dryRun") == Some("All");
    let manager = call
        .query
        .get("fieldManager")
        .map(str::to_string)
        .unwrap_or_else(|| call.agent.clone());
    let writer = Writer {
        manager: &manager,
        subresource: call.target.sub.as_deref().filter(|s| *s != "log"),
        dry_run,
    };
    if def.kind == "SelfSubjectAccessReview" {
        return access_review(shared, parse_body(&call)?);
    }
    let mut cluster = shared.lock();
    let store = &mut cluster.store;
    let name = call.target.name.clone().unwrap_or_default();
    let live = |store: &Store| {
        store
            .get(def, &ns, &name)
            .map(|s| s.obj.clone())
            .ok_or_else(|| ApiError::not_found(def, &name))
    };
    match (verb, call.target.sub.as_deref()) {
        ("list", _) => list(store, &call),
        ("get", None | Some("status")) => live(store).map(Reply::Json),
        ("get", Some("scale")) => Ok(Reply::Json(scale_of(&live(store)?))),
        ("get", Some("log")) => Ok(Reply::Text(pod_log(&live(store)?, &call.query))),
        ("create", None) => {
            let body = parse_body(&call)?;
            store.create(def, &ns, body, &writer).map(Reply::Created)
        }
        ("update" | "patch", Some("scale")) => {
            let live = live(store)?;
            scale(store, &call, verb, live, &writer)
        }
        ("update", None | Some("status")) => {
            let body = parse_body(&call)?;
            store
                .update(def, &ns, &name, body, &writer)
                .map(Reply::Json)
        }
        ("patch", None | Some("status")) if call.content_type == "application/apply-patch+yaml" => {
            if call.query.get("fieldManager").is_none() {
                return Err(ApiError::new(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"));
            }
            let body = parse_body(&call)?;
            store
                .apply(def, &ns, &name, body, &writer, call.query.flag("force"))
                .map(Reply::Json)
        }
        ("patch", None | Some("status")) => {
            let live = live(store)?;
            let mut value = patched(&live, &call)?;
            // A patch that sets metadata.resourceVersion makes it a precondition (the update
            // below refuses a stale one with 409); one that leaves it alone has none.
            let unchanged = value.pointer("/metadata/resourceVersion")
                == live.pointer("/metadata/resourceVersion");
            if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
                if unchanged {
                    meta.remove("resourceVersion");
                }
                meta.remove("managedFields");
            }
            store
                .update(def, &ns, &name, value, &writer)
                .map(Reply::Json)
        }
        ("delete", None) => store.delete(def, &ns, &name, dry_run).map(Reply::Json),
        _ => Err(ApiError::new(
            405,
            "MethodNotAllowed",
            format!("{verb} is not supported on {}", def.qualified()),
        )),
    }
}

/// A write of the `scale` subresource: the Scale (sent whole, or a patch of the live one)
/// sets the object's replicas; a resourceVersion on it is a precondition.
fn scale(
    store: &mut Store,
    call: &Call,
    verb: &str,
    live: Value,
    writer: &Writer,
) -> Result<Reply, ApiError> {
    let (def, name) = (
        call.target.def,
        call.target.name.clone().unwrap_or_default(),
    );
    let ns = call.target.ns.clone().unwrap_or_default();
    let scale = if verb == "update" {
        parse_body(call)?
    } else {
        patched(&scale_of(&live), call)?
    };
    // A Scale carrying a resourceVersion is a precondition, as on the object itself.
    if let Some(rv) = scale
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
    {
        if live["metadata"]["resourceVersion"].as_str() != Some(rv) {
            return Err(ApiError::conflict(def, &name));
        }
    }
    let updated = with_replicas(call, live, &scale)?;
    let result = store.update(def, &ns, &name, updated, writer)?;
    Ok(Reply::Json(scale_of(&result)))
}

/// The objects of a type that match the request's label and field selectors.
fn list(store: &Store, call: &Call) -> Result<Reply, ApiError> {
    let def = call.target.def;
    let labels = Selector::parse(call.query.get("labelSelector").unwrap_or_default())
        .map_err(|e| ApiError::new(400, "BadRequest", e))?;
    let fields = Selector::parse(call.query.get("fieldSelector").unwrap_or_default())
        .map_err(|e| ApiError::new(400, "BadRequest", e))?;
    // `limit` and `continue` page the list; the token is the last name sent (the store keeps
    // objects in name order within a namespace).
    let limit = call
        .query
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0);
    let after = call.query.get("continue").filter(|c| !c.is_empty());
    let mut items: Vec<Value> = store
        .list(def, call.target.ns.as_deref())
        .into_iter()
        .filter(|o| labels.matches(|l| label_of(o, l)) && fields.matches(|f| field_of(o, f)))
        .filter(|o| after.is_none_or(|a| page_key(o) > resume_at(a)))
        .take(limit.map_or(usize::MAX, |l| l + 1))
        .cloned()
        .collect();
    let mut metadata = json!({"resourceVersion": store.resource_version().to_string()});
    if limit.is_some_and(|l| items.len() > l) {
        items.pop();
        let (ns, name) = items.last().map(page_key).unwrap_or_default();
        metadata["continue"] = json!(format!("{ns}/{name}"));
    }
    Ok(Reply::Json(json!({
        "kind": format!("{}List", def.kind), "apiVersion": def.api_version(),
        "metadata": metadata, "items": items
    })))
}

/// An object's place in the store's order: (namespace, name).
fn page_key(obj: &Value) -> (String, String) {
    let meta = |field: &str| {
        obj["metadata"][field]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    (meta("namespace"), meta("name"))
}

/// The place a `continue` token (`namespace/name`; names never hold a `/`) names.
fn resume_at(token: &str) -> (String, String) {
    let (ns, name) = token.split_once('/').unwrap_or(("", token));
    (ns.to_string(), name.to_string())
}

/// `live` with the replicas a Scale asks for (refused when not a count).
fn with_replicas(call: &Call, mut live: Value, scale: &Value) -> Result<Value, ApiError> {
    let replicas = scale
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .filter(|r| *r >= 0)
        .ok_or_else(|| {
            ApiError::invalid(
                call.target.def,
                call.target.name.as_deref().unwrap_or_default(),
                "spec.replicas: Invalid value: must be greater than or equal to 0",
            )
        })?;
    live["spec"]["replicas"] = json!(replicas);
    Ok(live)
}

fn scale_of(obj: &Value) -> Value {
    let labels = obj
        .pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object);
    let selector: Vec<String> = labels
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    json!({
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": obj["metadata"]["name"], "namespace": obj["metadata"]["namespace"],
            "uid": obj["metadata"]["uid"], "resourceVersion": obj["metadata"]["resourceVersion"],
            "creationTimestamp": obj["metadata"]["creationTimestamp"]
        },
        "spec": {"replicas": obj["spec"]["replicas"]},
        "status": {"replicas": obj["status"]["replicas"].as_i64().unwrap_or(0), "selector": selector.join(",")}
    })
}

fn pod_log(pod: &Value, query: &Query) -> String {
    let image = pod["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap_or_default();
    let crashed = pod
        .pointer("/status/containerStatuses/0/state/waiting/reason")
        .and_then(Value::as_str)
        == Some("CrashLoopBackOff");
    let lines: Vec<String> = if crashed {
        vec![
            format!("starting {image} (simulated by Purser's sandbox)"),
            "reading configuration".into(),
            "fatal: the simulated app exited with status 1 (this image name asks the sandbox to crash)".into(),
        ]
    } else if pod.pointer("/status/phase").and_then(Value::as_str) == Some("Running") {
        vec![
            format!("starting {image} (simulated by Purser's sandbox)"),
            "ready".into(),
        ]
    } else {
        Vec::new()
    };
    let tail = query
        .get("tailLines")
        .and_then(|t| t.parse::<usize>().ok())
        .unwrap_or(lines.len());
    let skip = lines.len().saturating_sub(tail);
    lines.into_iter().skip(skip).map(|l| l + "\n").collect()
}

fn access_review(shared: &Shared, mut review: Value) -> Result<Reply, ApiError> {
    let attrs = review
        .pointer("/spec/resourceAttributes")
        .cloned()
        .unwrap_or(Value::Null);
    let verb = attrs["verb"].as_str().unwrap_or_default();
    let mut resource = attrs["resource"].as_str().unwrap_or_default().to_string();
    if let Some(sub) = attrs["subresource"].as_str().filter(|s| !s.is_empty()) {
        resource = format!("{resource}/{sub}");
    }
    let allowed = !shared.faults.is_denied(verb, &resource);
    review["status"] = json!({"allowed": allowed, "reason": if allowed { "allowed by the sandbox" } else { "denied by a fault switch" }});
    review["metadata"] = json!({"creationTimestamp": null});
    Ok(Reply::Created(review))
}
