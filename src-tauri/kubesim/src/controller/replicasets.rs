//! The ReplicaSet controller: creates and removes Pods to match each set's count (or, when a
//! fault refuses pods, records why as the real one does), and writes each set's status.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::deployments::ns_name;
use super::{def, event, owned_by, owner_ref, short_hash, ControllerState};
use crate::faults::PodRefusal;
use crate::now_rfc3339;
use crate::store::Store;

pub(super) fn pod_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|c| {
            c.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

/// One pass over every ReplicaSet. Pods are counted per owner in one scan, so a pass costs
/// the number of pods plus the number of sets, not their product (a namespace with 2,000 pods).
pub(super) fn reconcile(
    store: &mut Store,
    state: &mut ControllerState,
    refusal: Option<&PodRefusal>,
) {
    let rs_def = def("apps", "v1", "replicasets");
    let all: Vec<Value> = store.list(rs_def, None).into_iter().cloned().collect();
    let counts = pod_counts(store);
    for rs in all {
        let want = rs["spec"]["replicas"].as_i64().unwrap_or(0);
        let uid = rs["metadata"]["uid"].as_str().unwrap_or_default();
        let (have, ready) = counts.get(uid).copied().unwrap_or_default();
        let mut failure = None;
        let mut changed = false;
        if have < want {
            match refusal {
                Some(PodRefusal::Message(template)) => failure = Some(refuse(store, &rs, template)),
                // A controller that is not running: nothing is created and nothing says why.
                Some(PodRefusal::Silent) => {}
                None => {
                    create_pods(store, state, &rs, want - have);
                    changed = true;
                }
            }
        } else if have > want {
            remove_pods(store, state, &rs, have - want);
            changed = true;
        }
        let (have, ready) = if changed {
            let pods = pods_of(store, &rs);
            let ready = pods.iter().filter(|p| pod_ready(p)).count() as i64;
            (pods.len() as i64, ready)
        } else {
            (have, ready)
        };
        write_status(store, &rs, have, ready, failure);
    }
}

/// Pods (all, ready) per owning ReplicaSet's uid.
fn pod_counts(store: &Store) -> HashMap<String, (i64, i64)> {
    let mut counts: HashMap<String, (i64, i64)> = HashMap::new();
    for pod in store.list(def("", "v1", "pods"), None) {
        let owners = pod
            .pointer("/metadata/ownerReferences")
            .and_then(Value::as_array);
        for uid in owners
            .into_iter()
            .flatten()
            .filter_map(|r| r["uid"].as_str())
        {
            let entry = counts.entry(uid.to_string()).or_default();
            entry.0 += 1;
            entry.1 += i64::from(pod_ready(pod));
        }
    }
    counts
}

fn pods_of(store: &Store, rs: &Value) -> Vec<Value> {
    let (ns, _) = ns_name(rs);
    owned_by(
        store.list(def("", "v1", "pods"), Some(&ns)),
        &rs["metadata"]["uid"],
    )
    .into_iter()
    .cloned()
    .collect()
}

/// The `ReplicaFailure` condition for pods the cluster refuses (an event the first time).
fn refuse(store: &mut Store, rs: &Value, template: &str) -> Value {
    let pod = format!("{}-", rs["metadata"]["name"].as_str().unwrap_or_default());
    let message = template.replace("{pod}", &pod);
    if rs["status"]["conditions"][0]["message"] != json!(message) {
        let text = format!("Error creating: {message}");
        event(store, rs, "Warning", "FailedCreate", &text);
    }
    replica_failure(rs, &message)
}

fn create_pods(store: &mut Store, state: &mut ControllerState, rs: &Value, count: i64) {
    let (ns, rs_name) = ns_name(rs);
    for _ in 0..count {
        state.next_pod += 1;
        let suffix = short_hash(&format!("{}-{}", rs["metadata"]["uid"], state.next_pod), 5);
        let pod = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {
                "name": format!("{rs_name}-{suffix}"),
                "namespace": ns, "labels": rs["spec"]["template"]["metadata"]["labels"],
                "ownerReferences": owner_ref(rs, "ReplicaSet", "apps/v1")
            },
            "spec": rs["spec"]["template"]["spec"],
            "status": {"phase": "Pending", "qosClass": "Burstable"}
        });
        store.controller_write(def("", "v1", "pods"), &ns, pod);
    }
}

/// Removes pods that are not ready first, then the newest.
fn remove_pods(store: &mut Store, state: &mut ControllerState, rs: &Value, count: i64) {
    let mut pods = pods_of(store, rs);
    pods.sort_by_key(|p| {
        (
            pod_ready(p),
            std::cmp::Reverse(p["metadata"]["creationTimestamp"].to_string()),
        )
    });
    for pod in pods.iter().take(count as usize) {
        let (ns, name) = ns_name(pod);
        state.starting.remove(&(ns.clone(), name.clone()));
        let _ = store.delete(def("", "v1", "pods"), &ns, &name, false);
    }
}

fn write_status(store: &mut Store, rs: &Value, pods: i64, ready: i64, failure: Option<Value>) {
    let mut status = json!({
        "replicas": pods, "fullyLabeledReplicas": pods,
        "readyReplicas": ready, "availableReplicas": ready,
        "observedGeneration": rs["metadata"]["generation"]
    });
    if let Some(failure) = failure {
        status["conditions"] = json!([failure]);
    }
    let (ns, name) = ns_name(rs);
    store.set_status(def("apps", "v1", "replicasets"), &ns, &name, status);
}

/// The `ReplicaFailure` condition the ReplicaSet controller sets when it cannot create pods,
/// keeping its transition time while the message stays the same.
fn replica_failure(rs: &Value, message: &str) -> Value {
    let old = &rs["status"]["conditions"][0];
    let since = if old["message"] == json!(message) {
        old["lastTransitionTime"].clone()
    } else {
        json!(now_rfc3339())
    };
    json!({"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate",
           "message": message, "lastTransitionTime": since})
}
