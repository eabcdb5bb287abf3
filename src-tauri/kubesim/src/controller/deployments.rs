//! The deployment controller: one ReplicaSet per pod template (revisions, rollbacks reuse the
//! old set), old sets scaled down once the new one serves, history trimmed, and the
//! Deployment's status and conditions (progress deadline included).

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::{
    canonical, def, earliest, event, owned_by, owner_ref, revision, short_hash, ControllerState,
};
use crate::now_rfc3339;
use crate::store::Store;

/// `namespace` and `name` of an object.
pub(super) fn ns_name(obj: &Value) -> (String, String) {
    let text = |field: &str| {
        obj["metadata"][field]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    (text("namespace"), text("name"))
}

/// One pass over every Deployment.
pub(super) fn reconcile(
    store: &mut Store,
    state: &mut ControllerState,
    next: &mut Option<Instant>,
) {
    let deploy_def = def("apps", "v1", "deployments");
    let all: Vec<Value> = store.list(deploy_def, None).into_iter().cloned().collect();
    for d in all {
        let desired = d["spec"]["replicas"].as_i64().unwrap_or(1);
        let owned = owned_sets(store, &d);
        let new_rs = current_set(store, &d, &owned, desired);
        trim_history(store, &d, &owned, &new_rs);
        scale_down_old(store, &d, &owned, &new_rs, desired);
        status(store, state, &d, &new_rs["metadata"]["name"], desired, next);
    }
}

/// The ReplicaSets the Deployment owns.
fn owned_sets(store: &Store, d: &Value) -> Vec<Value> {
    let rs_def = def("apps", "v1", "replicasets");
    let (ns, _) = ns_name(d);
    owned_by(store.list(rs_def, Some(&ns)), &d["metadata"]["uid"])
        .into_iter()
        .cloned()
        .collect()
}

/// The ReplicaSet for the Deployment's pod template: created, or given the newest revision
/// (a rollback) and the wanted number of copies.
fn current_set(store: &mut Store, d: &Value, owned: &[Value], desired: i64) -> Value {
    let template = &d["spec"]["template"];
    let hash = short_hash(&canonical(template), 10);
    let max_rev = owned.iter().map(revision).max().unwrap_or(0);
    let current = owned.iter().find(|rs| {
        rs.pointer("/metadata/labels/pod-template-hash")
            .and_then(Value::as_str)
            == Some(&hash)
    });
    match current {
        None => create_set(store, d, &hash, max_rev + 1, desired),
        Some(rs) => update_set(store, d, rs.clone(), max_rev, desired),
    }
}

fn create_set(store: &mut Store, d: &Value, hash: &str, rev: i64, desired: i64) -> Value {
    let (ns, name) = ns_name(d);
    let template = &d["spec"]["template"];
    let mut labels = template["metadata"]["labels"].clone();
    labels["pod-template-hash"] = json!(hash);
    let mut selector = d["spec"]["selector"].clone();
    selector["matchLabels"]["pod-template-hash"] = json!(hash);
    let mut rs_template = template.clone();
    rs_template["metadata"]["labels"] = labels.clone();
    let rs = json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {
            "name": format!("{name}-{hash}"), "namespace": ns, "labels": labels,
            "annotations": {"deployment.kubernetes.io/revision": rev.to_string(),
                            "deployment.kubernetes.io/desired-replicas": desired.to_string()},
            "ownerReferences": owner_ref(d, "Deployment", "apps/v1")
        },
        "spec": {"replicas": desired, "selector": selector, "template": rs_template}
    });
    store.controller_write(def("apps", "v1", "replicasets"), &ns, rs.clone());
    let message = format!("Scaled up replica set {name}-{hash} from 0 to {desired}");
    event(store, d, "Normal", "ScalingReplicaSet", &message);
    rs
}

fn update_set(store: &mut Store, d: &Value, mut rs: Value, max_rev: i64, desired: i64) -> Value {
    let mut changed = false;
    if revision(&rs) != max_rev {
        // Rolling back to an older template gives its ReplicaSet the newest revision.
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] =
            json!((max_rev + 1).to_string());
        changed = true;
    }
    if rs["spec"]["replicas"].as_i64() != Some(desired) {
        let from = rs["spec"]["replicas"].as_i64().unwrap_or(0);
        let message = format!(
            "Scaled {} replica set {} from {from} to {desired}",
            if desired > from { "up" } else { "down" },
            rs["metadata"]["name"].as_str().unwrap_or_default()
        );
        event(store, d, "Normal", "ScalingReplicaSet", &message);
        rs["spec"]["replicas"] = json!(desired);
        changed = true;
    }
    if changed {
        let (ns, _) = ns_name(d);
        store.controller_write(def("apps", "v1", "replicasets"), &ns, rs.clone());
    }
    rs
}

/// Like the real controller, keeps only `revisionHistoryLimit` old, scaled-down sets.
fn trim_history(store: &mut Store, d: &Value, owned: &[Value], new_rs: &Value) {
    let (ns, _) = ns_name(d);
    let limit = d["spec"]["revisionHistoryLimit"].as_u64().unwrap_or(10) as usize;
    let mut idle: Vec<&Value> = owned
        .iter()
        .filter(|rs| rs["metadata"]["name"] != new_rs["metadata"]["name"])
        .filter(|rs| {
            rs["spec"]["replicas"].as_i64() == Some(0)
                && rs["status"]["replicas"].as_i64().unwrap_or(0) == 0
        })
        .collect();
    idle.sort_by_key(|rs| std::cmp::Reverse(revision(rs)));
    for rs in idle.into_iter().skip(limit) {
        let (_, name) = ns_name(rs);
        let _ = store.delete(def("apps", "v1", "replicasets"), &ns, &name, false);
    }
}

/// Old ReplicaSets keep serving until the new one is fully available; those serving nothing
/// (e.g. an earlier rollout that never became ready) go at once, as the real controller
/// cleans up unhealthy replicas first.
fn scale_down_old(store: &mut Store, d: &Value, owned: &[Value], new_rs: &Value, desired: i64) {
    let (ns, _) = ns_name(d);
    let new_available = new_rs["status"]["availableReplicas"].as_i64().unwrap_or(0);
    for rs in owned
        .iter()
        .filter(|rs| rs["metadata"]["name"] != new_rs["metadata"]["name"])
    {
        let serving = rs["status"]["availableReplicas"].as_i64().unwrap_or(0);
        if (new_available >= desired || serving == 0)
            && rs["spec"]["replicas"].as_i64().unwrap_or(0) != 0
        {
            let mut rs = rs.clone();
            rs["spec"]["replicas"] = json!(0);
            store.controller_write(def("apps", "v1", "replicasets"), &ns, rs);
        }
    }
}

/// The Deployment's counts, summed over its ReplicaSets.
struct Counts {
    replicas: i64,
    updated: i64,
    ready: i64,
    available: i64,
}

fn counts(owned: &[Value], new_name: &Value) -> Counts {
    let sum = |field: &str| -> i64 {
        owned
            .iter()
            .map(|rs| rs["status"][field].as_i64().unwrap_or(0))
            .sum()
    };
    Counts {
        replicas: sum("replicas"),
        ready: sum("readyReplicas"),
        available: sum("availableReplicas"),
        updated: owned
            .iter()
            .find(|rs| &rs["metadata"]["name"] == new_name)
            .map(|rs| rs["status"]["replicas"].as_i64().unwrap_or(0))
            .unwrap_or(0),
    }
}

/// Writes the Deployment's status: counts, `Available`, `Progressing` (false once nothing
/// has moved for `progressDeadlineSeconds`) and the new set's `ReplicaFailure`, if any.
fn status(
    store: &mut Store,
    state: &mut ControllerState,
    d: &Value,
    new_name: &Value,
    desired: i64,
    next: &mut Option<Instant>,
) {
    let (ns, name) = ns_name(d);
    let owned = owned_sets(store, d);
    let c = counts(&owned, new_name);
    let complete = c.updated == desired && c.replicas == desired && c.available == desired;
    let snapshot = format!(
        "{new_name}/{}/{}/{}/{}",
        c.updated, c.ready, c.available, c.replicas
    );
    let now = Instant::now();
    let since = match state.progress.get(&(ns.clone(), name.clone())) {
        Some((seen, at)) if *seen == snapshot => *at,
        _ => {
            state
                .progress
                .insert((ns.clone(), name.clone()), (snapshot, now));
            now
        }
    };
    let progressing = progressing(d, new_name, complete, since, now, next);
    let available = if c.available >= desired {
        (
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.".to_string(),
        )
    } else {
        (
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.".to_string(),
        )
    };
    let old = &d["status"]["conditions"];
    let mut conditions = vec![
        condition(old, "Available", available),
        condition(old, "Progressing", progressing),
    ];
    // As the deployment controller copies its new ReplicaSet's failure.
    conditions.extend(
        owned
            .iter()
            .find(|rs| &rs["metadata"]["name"] == new_name)
            .and_then(|rs| rs["status"]["conditions"].as_array())
            .and_then(|c| c.iter().find(|c| c["type"] == "ReplicaFailure").cloned()),
    );
    let status = json!({
        "observedGeneration": d["metadata"]["generation"],
        "replicas": c.replicas, "updatedReplicas": c.updated, "readyReplicas": c.ready,
        "availableReplicas": c.available, "unavailableReplicas": (desired - c.available).max(0),
        "conditions": conditions
    });
    store.set_status(def("apps", "v1", "deployments"), &ns, &name, status);
}

/// The `Progressing` condition: done, still going, or stuck past `progressDeadlineSeconds`
/// (when the controller must look again is put in `next`).
fn progressing(
    d: &Value,
    new_name: &Value,
    complete: bool,
    since: Instant,
    now: Instant,
    next: &mut Option<Instant>,
) -> (&'static str, &'static str, String) {
    let deadline =
        Duration::from_secs(d["spec"]["progressDeadlineSeconds"].as_u64().unwrap_or(600));
    let rs_name = new_name.as_str().unwrap_or_default();
    if complete {
        (
            "True",
            "NewReplicaSetAvailable",
            format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
        )
    } else if now.duration_since(since) >= deadline {
        (
            "False",
            "ProgressDeadlineExceeded",
            format!("ReplicaSet \"{rs_name}\" has timed out progressing."),
        )
    } else {
        earliest(next, since + deadline);
        (
            "True",
            "ReplicaSetUpdated",
            format!("ReplicaSet \"{rs_name}\" is progressing."),
        )
    }
}

/// A Deployment condition, keeping its transition time while its status stays the same.
fn condition(old: &Value, kind: &str, (status, reason, message): (&str, &str, String)) -> Value {
    let stamp = old
        .as_array()
        .and_then(|c| {
            c.iter()
                .find(|c| c["type"] == kind && c["status"] == status)
        })
        .map(|c| c["lastTransitionTime"].clone())
        .unwrap_or_else(|| json!(now_rfc3339()));
    json!({"type": kind, "status": status, "reason": reason, "message": message,
           "lastUpdateTime": stamp, "lastTransitionTime": stamp})
}
