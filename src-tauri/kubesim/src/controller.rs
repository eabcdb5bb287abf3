//! A small stand-in for kube-controller-manager, the scheduler and the kubelet: Deployments get
//! ReplicaSets (one per pod template, with revisions), ReplicaSets get Pods, Pods are scheduled
//! against one simulated node and become ready after a delay — or fail the way a cluster does
//! (image pull back-off, crash loop, insufficient cpu/memory, progress deadline exceeded).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::discovery::{find, ResDef};
use super::faults::PodRefusal;
use super::store::Store;
use super::{now_rfc3339, ImageOutcome, SimConfig};
use crate::quantity;

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
    let mut next = None;
    for _ in 0..8 {
        let before = store.resource_version();
        next = None;
        deployments(store, state, &mut next);
        replicasets(store, state, refusal);
        pods(store, state, config, &mut next);
        if store.resource_version() == before {
            break;
        }
    }
    next
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

fn deployments(store: &mut Store, state: &mut ControllerState, next: &mut Option<Instant>) {
    let deploy_def = def("apps", "v1", "deployments");
    let rs_def = def("apps", "v1", "replicasets");
    let all: Vec<Value> = store.list(deploy_def, None).into_iter().cloned().collect();
    for d in all {
        let ns = d["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let name = d["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let desired = d["spec"]["replicas"].as_i64().unwrap_or(1);
        let template = d["spec"]["template"].clone();
        let hash = short_hash(&canonical(&template), 10);
        let uid = d["metadata"]["uid"].clone();
        let owned: Vec<Value> = owned_by(store.list(rs_def, Some(&ns)), &uid)
            .into_iter()
            .cloned()
            .collect();
        let max_rev = owned.iter().map(revision).max().unwrap_or(0);
        let current = owned.iter().find(|rs| {
            rs.pointer("/metadata/labels/pod-template-hash")
                .and_then(Value::as_str)
                == Some(&hash)
        });
        let new_rs = match current {
            None => {
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
                        "annotations": {"deployment.kubernetes.io/revision": (max_rev + 1).to_string(),
                                        "deployment.kubernetes.io/desired-replicas": desired.to_string()},
                        "ownerReferences": owner_ref(&d, "Deployment", "apps/v1")
                    },
                    "spec": {"replicas": desired, "selector": selector, "template": rs_template}
                });
                store.controller_write(rs_def, &ns, rs.clone());
                event(
                    store,
                    &d,
                    "Normal",
                    "ScalingReplicaSet",
                    &format!("Scaled up replica set {name}-{hash} from 0 to {desired}"),
                );
                rs
            }
            Some(rs) => {
                let mut rs = rs.clone();
                let mut changed = false;
                if revision(&rs) != max_rev {
                    // Rolling back to an older template gives its ReplicaSet the newest revision.
                    rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] =
                        json!((max_rev + 1).to_string());
                    changed = true;
                }
                if rs["spec"]["replicas"].as_i64() != Some(desired) {
                    let from = rs["spec"]["replicas"].as_i64().unwrap_or(0);
                    event(
                        store,
                        &d,
                        "Normal",
                        "ScalingReplicaSet",
                        &format!(
                            "Scaled {} replica set {} from {from} to {desired}",
                            if desired > from { "up" } else { "down" },
                            rs["metadata"]["name"].as_str().unwrap_or_default()
                        ),
                    );
                    rs["spec"]["replicas"] = json!(desired);
                    changed = true;
                }
                if changed {
                    store.controller_write(rs_def, &ns, rs.clone());
                }
                rs
            }
        };
        let new_name = new_rs["metadata"]["name"].clone();
        let new_available = new_rs["status"]["availableReplicas"].as_i64().unwrap_or(0);
        // Like the real controller, keep only `revisionHistoryLimit` old, scaled-down sets.
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
            let name = rs["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let _ = store.delete(rs_def, &ns, &name, false);
        }
        // Old ReplicaSets keep serving until the new one is fully available; those serving
        // nothing (e.g. an earlier rollout that never became ready) go at once, as the real
        // controller cleans up unhealthy replicas first.
        for rs in owned.iter().filter(|rs| rs["metadata"]["name"] != new_name) {
            let serving = rs["status"]["availableReplicas"].as_i64().unwrap_or(0);
            if (new_available >= desired || serving == 0)
                && rs["spec"]["replicas"].as_i64().unwrap_or(0) != 0
            {
                let mut rs = rs.clone();
                rs["spec"]["replicas"] = json!(0);
                store.controller_write(rs_def, &ns, rs);
            }
        }
        deployment_status(store, state, &d, &new_name, desired, next);
    }
}

fn deployment_status(
    store: &mut Store,
    state: &mut ControllerState,
    d: &Value,
    new_name: &Value,
    desired: i64,
    next: &mut Option<Instant>,
) {
    let deploy_def = def("apps", "v1", "deployments");
    let rs_def = def("apps", "v1", "replicasets");
    let ns = d["metadata"]["namespace"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let name = d["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let owned: Vec<Value> = owned_by(store.list(rs_def, Some(&ns)), &d["metadata"]["uid"])
        .into_iter()
        .cloned()
        .collect();
    let sum = |field: &str| -> i64 {
        owned
            .iter()
            .map(|rs| rs["status"][field].as_i64().unwrap_or(0))
            .sum()
    };
    let replicas = sum("replicas");
    let ready = sum("readyReplicas");
    let available = sum("availableReplicas");
    let updated = owned
        .iter()
        .find(|rs| &rs["metadata"]["name"] == new_name)
        .map(|rs| rs["status"]["replicas"].as_i64().unwrap_or(0))
        .unwrap_or(0);
    let complete = updated == desired && replicas == desired && available == desired;
    let snapshot = format!("{new_name}/{updated}/{ready}/{available}/{replicas}");
    let key = (ns.clone(), name.clone());
    let now = Instant::now();
    let since = match state.progress.get(&key) {
        Some((seen, at)) if *seen == snapshot => *at,
        _ => {
            state.progress.insert(key, (snapshot, now));
            now
        }
    };
    let deadline =
        Duration::from_secs(d["spec"]["progressDeadlineSeconds"].as_u64().unwrap_or(600));
    let old = &d["status"]["conditions"];
    let stamp = |kind: &str, status: &str| -> Value {
        // Keep lastTransitionTime while a condition's status stays the same.
        old.as_array()
            .and_then(|c| {
                c.iter()
                    .find(|c| c["type"] == kind && c["status"] == status)
            })
            .map(|c| c["lastTransitionTime"].clone())
            .unwrap_or_else(|| json!(now_rfc3339()))
    };
    let rs_name = new_name.as_str().unwrap_or_default();
    let (p_status, p_reason, p_message) = if complete {
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
    };
    let (a_status, a_reason, a_message) = if available >= desired {
        (
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
        )
    } else {
        (
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
        )
    };
    let failure = owned
        .iter()
        .find(|rs| &rs["metadata"]["name"] == new_name)
        .and_then(|rs| rs["status"]["conditions"].as_array())
        .and_then(|c| c.iter().find(|c| c["type"] == "ReplicaFailure").cloned());
    let mut status = json!({
        "observedGeneration": d["metadata"]["generation"],
        "replicas": replicas, "updatedReplicas": updated, "readyReplicas": ready,
        "availableReplicas": available, "unavailableReplicas": (desired - available).max(0),
        "conditions": [
            {"type": "Available", "status": a_status, "reason": a_reason, "message": a_message,
             "lastUpdateTime": stamp("Available", a_status), "lastTransitionTime": stamp("Available", a_status)},
            {"type": "Progressing", "status": p_status, "reason": p_reason, "message": p_message,
             "lastUpdateTime": stamp("Progressing", p_status), "lastTransitionTime": stamp("Progressing", p_status)}
        ]
    });
    if let (Some(failure), Some(conditions)) = (failure, status["conditions"].as_array_mut()) {
        // As the deployment controller copies its new ReplicaSet's failure.
        conditions.push(failure);
    }
    store.set_status(deploy_def, &ns, &name, status);
}

fn pod_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|c| {
            c.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

fn replicasets(store: &mut Store, state: &mut ControllerState, refusal: Option<&PodRefusal>) {
    let rs_def = def("apps", "v1", "replicasets");
    let pod_def = def("", "v1", "pods");
    let all: Vec<Value> = store.list(rs_def, None).into_iter().cloned().collect();
    for rs in all {
        let ns = rs["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let want = rs["spec"]["replicas"].as_i64().unwrap_or(0);
        let mut pods: Vec<Value> = owned_by(store.list(pod_def, Some(&ns)), &rs["metadata"]["uid"])
            .into_iter()
            .cloned()
            .collect();
        let have = pods.len() as i64;
        let mut failure = Value::Null;
        if have < want && refusal.is_some() {
            if let Some(PodRefusal::Message(template)) = refusal {
                let pod = format!("{}-", rs["metadata"]["name"].as_str().unwrap_or_default());
                let message = template.replace("{pod}", &pod);
                failure = replica_failure(&rs, &message);
                if rs["status"]["conditions"][0]["message"] != json!(message) {
                    event(
                        store,
                        &rs,
                        "Warning",
                        "FailedCreate",
                        &format!("Error creating: {message}"),
                    );
                }
            }
        } else if have < want {
            for _ in have..want {
                state.next_pod += 1;
                let suffix =
                    short_hash(&format!("{}-{}", rs["metadata"]["uid"], state.next_pod), 5);
                let pod = json!({
                    "apiVersion": "v1", "kind": "Pod",
                    "metadata": {
                        "name": format!("{}-{suffix}", rs["metadata"]["name"].as_str().unwrap_or_default()),
                        "namespace": ns, "labels": rs["spec"]["template"]["metadata"]["labels"],
                        "ownerReferences": owner_ref(&rs, "ReplicaSet", "apps/v1")
                    },
                    "spec": rs["spec"]["template"]["spec"],
                    "status": {"phase": "Pending", "qosClass": "Burstable"}
                });
                store.controller_write(pod_def, &ns, pod);
            }
        } else if have > want {
            // Remove pods that are not ready first, then the newest.
            pods.sort_by_key(|p| {
                (
                    pod_ready(p),
                    std::cmp::Reverse(p["metadata"]["creationTimestamp"].to_string()),
                )
            });
            for pod in pods.iter().take((have - want) as usize) {
                let name = pod["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                state.starting.remove(&(ns.clone(), name.clone()));
                let _ = store.delete(pod_def, &ns, &name, false);
            }
        }
        let pods: Vec<Value> = owned_by(store.list(pod_def, Some(&ns)), &rs["metadata"]["uid"])
            .into_iter()
            .cloned()
            .collect();
        let ready = pods.iter().filter(|p| pod_ready(p)).count();
        let mut status = json!({
            "replicas": pods.len(), "fullyLabeledReplicas": pods.len(),
            "readyReplicas": ready, "availableReplicas": ready,
            "observedGeneration": rs["metadata"]["generation"]
        });
        if !failure.is_null() {
            status["conditions"] = json!([failure]);
        }
        let name = rs["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        store.set_status(rs_def, &ns, &name, status);
    }
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

/// Summed requests of a pod's containers: (cores, bytes).
fn requests(pod: &Value) -> (f64, f64) {
    let mut cpu = 0.0;
    let mut memory = 0.0;
    for c in pod["spec"]["containers"].as_array().into_iter().flatten() {
        let r = &c["resources"]["requests"];
        cpu += r["cpu"].as_str().and_then(quantity::parse).unwrap_or(0.0);
        memory += r["memory"]
            .as_str()
            .and_then(quantity::parse)
            .unwrap_or(0.0);
    }
    (cpu, memory)
}

fn pods(
    store: &mut Store,
    state: &mut ControllerState,
    config: &SimConfig,
    next: &mut Option<Instant>,
) {
    let pod_def = def("", "v1", "pods");
    let all: Vec<Value> = store.list(pod_def, None).into_iter().cloned().collect();
    let (mut used_cpu, mut used_memory) = all
        .iter()
        .filter(|p| p["spec"]["nodeName"].is_string())
        .map(requests)
        .fold((0.0, 0.0), |(a, b), (c, d)| (a + c, b + d));
    let now = Instant::now();
    for pod in all {
        let ns = pod["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let name = pod["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let image = pod["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let container = pod["spec"]["containers"][0]["name"]
            .as_str()
            .unwrap_or("app")
            .to_string();
        if !pod["spec"]["nodeName"].is_string() {
            let (cpu, memory) = requests(&pod);
            let short_cpu = used_cpu + cpu > config.node_cpu;
            let short_memory = used_memory + memory > config.node_memory;
            if !config.has_node {
                let message = "0/0 nodes are available: no nodes available to schedule pods.";
                if pod["status"]["conditions"][0]["message"] != json!(message) {
                    let status = json!({"phase": "Pending", "conditions": [
                        {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                         "message": message, "lastTransitionTime": now_rfc3339()}]});
                    store.set_status(pod_def, &ns, &name, status);
                    event(store, &pod, "Warning", "FailedScheduling", message);
                }
                continue;
            }
            if short_cpu || short_memory {
                let what = match (short_cpu, short_memory) {
                    (true, true) => "1 Insufficient cpu, 1 Insufficient memory",
                    (true, false) => "1 Insufficient cpu",
                    _ => "1 Insufficient memory",
                };
                let message = format!("0/1 nodes are available: {what}. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.");
                let status = json!({"phase": "Pending", "qosClass": "Burstable", "conditions": [
                    {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message,
                     "lastTransitionTime": now_rfc3339()}]});
                if pod["status"]["conditions"][0]["message"] != json!(message) {
                    store.set_status(pod_def, &ns, &name, status);
                    event(store, &pod, "Warning", "FailedScheduling", &message);
                }
                continue;
            }
            used_cpu += cpu;
            used_memory += memory;
            let mut scheduled = pod.clone();
            scheduled["spec"]["nodeName"] = json!(NODE);
            scheduled["status"] = json!({"phase": "Pending", "qosClass": "Burstable", "conditions": [
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": now_rfc3339()}],
                "containerStatuses": [{"name": container, "image": image, "ready": false, "restartCount": 0,
                    "started": false, "state": {"waiting": {"reason": "ContainerCreating"}}}]});
            store.controller_write(pod_def, &ns, scheduled);
            event(
                store,
                &pod,
                "Normal",
                "Scheduled",
                &format!("Successfully assigned {ns}/{name} to {NODE}"),
            );
            event(
                store,
                &pod,
                "Normal",
                "Pulling",
                &format!("Pulling image \"{image}\""),
            );
            let at = now + config.ready_after;
            state.starting.insert((ns, name), at);
            earliest(next, at);
            continue;
        }
        let key = (ns.clone(), name.clone());
        let Some(at) = state.starting.get(&key).copied() else {
            continue;
        };
        if at > now {
            earliest(next, at);
            continue;
        }
        state.starting.remove(&key);
        let started = now_rfc3339();
        let base = |container_status: Value, phase: &str, ready: bool| {
            let flag = if ready { "True" } else { "False" };
            json!({"phase": phase, "qosClass": "Burstable", "hostIP": "10.0.0.10", "podIP": format!("10.244.0.{}", 10 + name.len() % 200),
                "startTime": started,
                "conditions": [
                    {"type": "PodScheduled", "status": "True", "lastTransitionTime": started},
                    {"type": "Initialized", "status": "True", "lastTransitionTime": started},
                    {"type": "ContainersReady", "status": flag, "lastTransitionTime": started},
                    {"type": "Ready", "status": flag, "lastTransitionTime": started}],
                "containerStatuses": [container_status]})
        };
        match (config.image_outcome)(&image) {
            ImageOutcome::Runs => {
                let status = base(
                    json!({"name": container, "image": image, "imageID": format!("sim://{image}"),
                    "ready": true, "started": true, "restartCount": 0, "state": {"running": {"startedAt": started}}}),
                    "Running",
                    true,
                );
                store.set_status(pod_def, &ns, &name, status);
                event(
                    store,
                    &pod,
                    "Normal",
                    "Pulled",
                    &format!("Successfully pulled image \"{image}\""),
                );
                event(
                    store,
                    &pod,
                    "Normal",
                    "Started",
                    &format!("Started container {container}"),
                );
            }
            ImageOutcome::PullFails => {
                let status = base(
                    json!({"name": container, "image": image, "imageID": "", "ready": false, "started": false,
                    "restartCount": 0, "state": {"waiting": {"reason": "ImagePullBackOff",
                    "message": format!("Back-off pulling image \"{image}\": ErrImagePull: failed to pull and unpack image \"{image}\": not found")}}}),
                    "Pending",
                    false,
                );
                store.set_status(pod_def, &ns, &name, status);
                event(store, &pod, "Warning", "Failed", &format!("Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": not found"));
                event(
                    store,
                    &pod,
                    "Normal",
                    "BackOff",
                    &format!("Back-off pulling image \"{image}\""),
                );
            }
            ImageOutcome::Crashes => {
                let status = base(
                    json!({"name": container, "image": image, "imageID": format!("sim://{image}"),
                    "ready": false, "started": false, "restartCount": 3,
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": format!("back-off 40s restarting failed container={container} pod={name}")}},
                    "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": started, "finishedAt": started}}}),
                    "Running",
                    false,
                );
                store.set_status(pod_def, &ns, &name, status);
                event(
                    store,
                    &pod,
                    "Warning",
                    "BackOff",
                    &format!("Back-off restarting failed container {container} in pod {name}"),
                );
            }
        }
    }
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
