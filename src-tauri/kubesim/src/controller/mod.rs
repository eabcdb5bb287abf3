//! A small stand-in for kube-controller-manager, the scheduler and the kubelet: Deployments get
//! ReplicaSets (one per pod template, with revisions), ReplicaSets get Pods, Pods are scheduled
//! against one simulated node and become ready after a delay — or fail the way a cluster does
//! (image pull back-off, crash loop, insufficient cpu/memory, progress deadline exceeded).

use std::collections::HashMap;
use std::time::Instant;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

mod deployments;
mod pods;
mod replicasets;

use crate::discovery::{find, ResDef};
use crate::faults::PodRefusal;
use crate::now_rfc3339;
use crate::store::Store;
use crate::SimConfig;

const NODE: &str = "sandbox-node";

/// What the controller remembers between passes (never visible through the API).
#[derive(Debug, Default)]
pub struct ControllerState {
    /// Pods being "pulled": when their container starts.
    starting: HashMap<(String, String), Instant>,
    /// Per deployment: last observed progress and when it happened.
    progress: HashMap<(String, String), (String, Instant)>,
    next_pod: u64,
}

fn def(group: &str, version: &str, plural: &str) -> &'static ResDef {
    find(group, version, plural).expect("the controller's resources are served")
}

/// Runs passes until nothing changes; returns when the controller next needs to look.
pub fn reconcile(
    store: &mut Store,
    state: &mut ControllerState,
    config: &SimConfig,
    refusal: Option<&PodRefusal>,
) -> Option<Instant> {
    for _ in 0..8 {
        let before = store.resource_version();
        let mut next = None;
        deployments::reconcile(store, state, &mut next);
        replicasets::reconcile(store, state, refusal);
        pods::reconcile(store, state, config, &mut next);
        if store.resource_version() == before {
            return next;
        }
    }
    // Still changing after eight passes (a busy namespace): run again at once, after the
    // requests waiting on the lock, rather than sleep until something wakes the controller.
    Some(Instant::now())
}

fn earliest(next: &mut Option<Instant>, at: Instant) {
    *next = Some(next.map_or(at, |n| n.min(at)));
}

fn owned_by<'a>(items: Vec<&'a Value>, uid: &Value) -> Vec<&'a Value> {
    items
        .into_iter()
        .filter(|o| {
            o.pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .is_some_and(|refs| refs.iter().any(|r| &r["uid"] == uid))
        })
        .collect()
}

fn owner_ref(owner: &Value, kind: &str, api_version: &str) -> Value {
    json!([{
        "apiVersion": api_version, "kind": kind,
        "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"],
        "controller": true, "blockOwnerDeletion": true
    }])
}

fn revision(rs: &Value) -> i64 {
    rs.pointer("/metadata/annotations/deployment.kubernetes.io~1revision")
        .and_then(Value::as_str)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

/// Canonical JSON (keys sorted at every level) so equal templates hash equally.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), canonical(&map[k])))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

fn short_hash(text: &str, len: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    Sha256::digest(text.as_bytes())
        .iter()
        .take(len)
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// Records an Event about `obj`, counting repeats as the real event recorder does.
fn event(store: &mut Store, obj: &Value, kind: &str, reason: &str, message: &str) {
    let event_def = def("", "v1", "events");
    let ns = obj["metadata"]["namespace"]
        .as_str()
        .unwrap_or("default")
        .to_string();
    let obj_name = obj["metadata"]["name"].as_str().unwrap_or_default();
    let name = format!(
        "{obj_name}.{}",
        short_hash(&format!("{}{reason}{message}", obj["metadata"]["uid"]), 12)
    );
    let now = now_rfc3339();
    let mut event = match store.get(event_def, &ns, &name) {
        Some(existing) => {
            let mut e = existing.obj.clone();
            e["count"] = json!(e["count"].as_i64().unwrap_or(1) + 1);
            e["lastTimestamp"] = json!(now);
            e
        }
        None => json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": name, "namespace": ns},
            "involvedObject": {"kind": obj["kind"], "apiVersion": obj["apiVersion"], "name": obj_name,
                               "namespace": ns, "uid": obj["metadata"]["uid"]},
            "reason": reason, "message": message, "type": kind, "count": 1,
            "firstTimestamp": now, "lastTimestamp": now,
            "source": {"component": "purser-sim"}, "reportingComponent": "purser-sim"
        }),
    };
    if let Some(meta) = event["metadata"].as_object_mut() {
        meta.remove("managedFields");
    }
    store.controller_write(event_def, &ns, event);
}
