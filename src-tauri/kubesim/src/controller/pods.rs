//! The scheduler and the kubelet: Pods are placed on the one simulated node (or stay Pending
//! when it has no room, or when there is no node), then start after a delay — or fail as the
//! image asks (pull back-off, crash loop).

use std::time::Instant;

use serde_json::{json, Value};

use super::deployments::ns_name;
use super::{def, earliest, event, ControllerState, NODE};
use crate::store::Store;
use crate::{now_rfc3339, quantity, ImageOutcome, SimConfig};

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

/// What the node has given out so far: (cores, bytes).
type Used = (f64, f64);

/// One pass over every Pod.
pub(super) fn reconcile(
    store: &mut Store,
    state: &mut ControllerState,
    config: &SimConfig,
    next: &mut Option<Instant>,
) {
    let pod_def = def("", "v1", "pods");
    let all = store.list(pod_def, None);
    let mut used: Used = all
        .iter()
        .filter(|p| p["spec"]["nodeName"].is_string())
        .map(|p| requests(p))
        .fold((0.0, 0.0), |(a, b), (c, d)| (a + c, b + d));
    // Only pods with something to do are copied (most of a busy namespace's are running).
    let todo: Vec<Value> = all
        .into_iter()
        .filter(|p| !p["spec"]["nodeName"].is_string() || state.starting.contains_key(&ns_name(p)))
        .cloned()
        .collect();
    let now = Instant::now();
    for pod in todo {
        if !pod["spec"]["nodeName"].is_string() {
            if let Some(at) = schedule(store, config, &pod, &mut used, now) {
                state.starting.insert(ns_name(&pod), at);
                earliest(next, at);
            }
            continue;
        }
        let key = ns_name(&pod);
        let Some(at) = state.starting.get(&key).copied() else {
            continue;
        };
        if at > now {
            earliest(next, at);
            continue;
        }
        state.starting.remove(&key);
        start(store, config, &pod);
    }
}

/// Places a pod on the node, or records why it cannot be placed. Returns when its container
/// starts, if it was placed.
fn schedule(
    store: &mut Store,
    config: &SimConfig,
    pod: &Value,
    used: &mut Used,
    now: Instant,
) -> Option<Instant> {
    let pod_def = def("", "v1", "pods");
    let (ns, name) = ns_name(pod);
    let (cpu, memory) = requests(pod);
    let short_cpu = used.0 + cpu > config.node_cpu;
    let short_memory = used.1 + memory > config.node_memory;
    if !config.has_node || short_cpu || short_memory {
        let message = if !config.has_node {
            "0/0 nodes are available: no nodes available to schedule pods.".to_string()
        } else {
            let what = match (short_cpu, short_memory) {
                (true, true) => "1 Insufficient cpu, 1 Insufficient memory",
                (true, false) => "1 Insufficient cpu",
                _ => "1 Insufficient memory",
            };
            format!("0/1 nodes are available: {what}. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.")
        };
        if pod["status"]["conditions"][0]["message"] != json!(message) {
            let mut status = json!({"phase": "Pending", "conditions": [
                {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                 "message": message, "lastTransitionTime": now_rfc3339()}]});
            if config.has_node {
                status["qosClass"] = json!("Burstable");
            }
            store.set_status(pod_def, &ns, &name, status);
            event(store, pod, "Warning", "FailedScheduling", &message);
        }
        return None;
    }
    used.0 += cpu;
    used.1 += memory;
    let image = pod["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap_or_default();
    let container = pod["spec"]["containers"][0]["name"]
        .as_str()
        .unwrap_or("app");
    let mut scheduled = pod.clone();
    scheduled["spec"]["nodeName"] = json!(NODE);
    scheduled["status"] = json!({"phase": "Pending", "qosClass": "Burstable", "conditions": [
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": now_rfc3339()}],
        "containerStatuses": [{"name": container, "image": image, "ready": false, "restartCount": 0,
            "started": false, "state": {"waiting": {"reason": "ContainerCreating"}}}]});
    store.controller_write(pod_def, &ns, scheduled);
    let assigned = format!("Successfully assigned {ns}/{name} to {NODE}");
    event(store, pod, "Normal", "Scheduled", &assigned);
    event(
        store,
        pod,
        "Normal",
        "Pulling",
        &format!("Pulling image \"{image}\""),
    );
    Some(now + config.ready_after)
}

/// Starts a placed pod's container: it runs, or fails as its image asks.
fn start(store: &mut Store, config: &SimConfig, pod: &Value) {
    let pod_def = def("", "v1", "pods");
    let (ns, name) = ns_name(pod);
    let image = pod["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap_or_default();
    let container = pod["spec"]["containers"][0]["name"]
        .as_str()
        .unwrap_or("app");
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
    match (config.image_outcome)(image) {
        ImageOutcome::Runs => {
            let status = base(
                json!({"name": container, "image": image, "imageID": format!("sim://{image}"),
                "ready": true, "started": true, "restartCount": 0, "state": {"running": {"startedAt": started}}}),
                "Running",
                true,
            );
            store.set_status(pod_def, &ns, &name, status);
            let pulled = format!("Successfully pulled image \"{image}\"");
            event(store, pod, "Normal", "Pulled", &pulled);
            event(
                store,
                pod,
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
            event(store, pod, "Warning", "Failed", &format!("Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": not found"));
            let backoff = format!("Back-off pulling image \"{image}\"");
            event(store, pod, "Normal", "BackOff", &backoff);
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
            let backoff = format!("Back-off restarting failed container {container} in pod {name}");
            event(store, pod, "Warning", "BackOff", &backoff);
        }
    }
}
