//! A busy shared namespace for `bench/busy_cluster.py`: the simulated API server with other
//! teams' apps (Deployments whose pods the controller runs), a steady stream of Events about
//! their pods, and Purser's own app (labelled as Purser labels what it deploys).
//!
//! ```text
//! cargo run --release -p purser-kubesim --example busy_cluster -- \
//!     KUBECONFIG_OUT OTHER_APPS COPIES_EACH EVENTS_PER_SECOND APP_COPIES
//! ```
//!
//! Writes a kubeconfig (context `busy`, namespace `default`), creates everything, waits until
//! every pod is ready, prints `ready`, then sends the events until its standard input closes
//! and prints how many it sent. Not a test: the load for a benchmark.

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Event, Pod, Secret};
use kube::api::{Api, ListParams, PostParams};
use purser_kubesim::{ImageOutcome, SimConfig};
use purser_test_support::kube::Cluster;
use serde_json::json;

const APP: &str = "assistant";
const NAMESPACE: &str = "default";

struct Load {
    kubeconfig_out: String,
    other_apps: usize,
    copies_each: usize,
    events_per_second: u32,
    app_copies: usize,
}

fn arguments() -> Load {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: usize| {
        args.get(i)
            .map(|a| a.parse().expect("a whole number"))
            .unwrap_or(default)
    };
    Load {
        kubeconfig_out: args.first().cloned().expect("usage: KUBECONFIG_OUT …"),
        other_apps: number(1, 200),
        copies_each: number(2, 10),
        events_per_second: number(3, 50) as u32,
        app_copies: number(4, 10),
    }
}

fn deployment(name: &str, copies: usize, purser: bool) -> Deployment {
    let mut labels = json!({ "app.kubernetes.io/name": name });
    if purser {
        labels["app.kubernetes.io/managed-by"] = json!("purser");
    }
    let mut container = json!({
        "name": name,
        "image": format!("registry.example.com/team/{name}:1.0"),
        "ports": [{ "containerPort": 8080 }],
    });
    if purser {
        container["env"] = json!([{
            "name": "OPENAI_API_KEY",
            "valueFrom": { "secretKeyRef": { "name": format!("{name}-openai"), "key": "OPENAI_API_KEY" } }
        }]);
    }
    serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": { "name": name, "namespace": NAMESPACE, "labels": labels },
        "spec": {
            "replicas": copies,
            "selector": { "matchLabels": { "app.kubernetes.io/name": name } },
            "template": {
                "metadata": { "labels": labels },
                "spec": { "containers": [container] }
            }
        }
    }))
    .expect("a Deployment")
}

async fn populate(client: &kube::Client, load: &Load) {
    let deployments = Api::<Deployment>::namespaced(client.clone(), NAMESPACE);
    let create = PostParams::default();
    for i in 0..load.other_apps {
        let name = format!("team-app-{i:03}");
        deployments
            .create(&create, &deployment(&name, load.copies_each, false))
            .await
            .expect("another team's app is created");
    }
    let secret: Secret = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": { "name": format!("{APP}-openai"), "namespace": NAMESPACE,
                      "labels": { "app.kubernetes.io/name": APP, "app.kubernetes.io/managed-by": "purser" } },
        "stringData": { "OPENAI_API_KEY": "placeholder-not-a-key" }
    }))
    .expect("a Secret");
    Api::<Secret>::namespaced(client.clone(), NAMESPACE)
        .create(&create, &secret)
        .await
        .expect("the app's Secret is created");
    deployments
        .create(&create, &deployment(APP, load.app_copies, true))
        .await
        .expect("Purser's app is created");
}

/// Waits until every pod the Deployments want exists and is ready.
async fn settle(client: &kube::Client, wanted: usize) {
    let pods = Api::<Pod>::namespaced(client.clone(), NAMESPACE);
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let list = pods.list(&ListParams::default()).await.expect("pods list");
        let ready = list
            .items
            .iter()
            .filter(|p| {
                p.status
                    .as_ref()
                    .and_then(|s| s.conditions.as_ref())
                    .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
            })
            .count();
        if ready >= wanted {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "only {ready} of {wanted} pods ready"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// One Event about another team's pod, as a kubelet writes them.
fn event(n: u64, pod: &str) -> Event {
    const KINDS: [(&str, &str, &str); 4] = [
        (
            "Normal",
            "Pulled",
            "Container image already present on machine",
        ),
        ("Normal", "Started", "Started container"),
        (
            "Warning",
            "Unhealthy",
            "Readiness probe failed: HTTP probe failed with statuscode: 503",
        ),
        ("Warning", "BackOff", "Back-off restarting failed container"),
    ];
    let (type_, reason, message) = KINDS[(n % 4) as usize];
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a time");
    serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": { "name": format!("{pod}.{n:016x}"), "namespace": NAMESPACE },
        "involvedObject": { "apiVersion": "v1", "kind": "Pod", "name": pod, "namespace": NAMESPACE },
        "type": type_, "reason": reason, "message": message, "count": 1,
        "firstTimestamp": now, "lastTimestamp": now,
        "source": { "component": "kubelet", "host": "sandbox-node" }
    }))
    .expect("an Event")
}

/// Sends events at the given rate until `stop` fires; returns how many were sent.
async fn stream_events(
    client: kube::Client,
    others: Vec<String>,
    per_second: u32,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) -> u64 {
    if others.is_empty() || per_second == 0 {
        let _ = stop.await;
        return 0;
    }
    let events = Api::<Event>::namespaced(client, NAMESPACE);
    let mut tick = tokio::time::interval(Duration::from_secs(1) / per_second);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sent = 0u64;
    loop {
        tokio::select! {
            _ = &mut stop => return sent,
            _ = tick.tick() => {
                let pod = &others[(sent as usize * 7919) % others.len()];
                if events.create(&PostParams::default(), &event(sent, pod)).await.is_ok() {
                    sent += 1;
                }
            }
        }
    }
}

#[tokio::main]
async fn main() {
    let load = arguments();
    let cluster = Cluster::with_config(SimConfig {
        ready_after: Duration::from_millis(300),
        image_outcome: |_| ImageOutcome::Runs,
        node_cpu: 100_000.0,
        node_memory: 1e15,
        ..SimConfig::default()
    })
    .await;
    std::fs::write(
        &load.kubeconfig_out,
        cluster.sim.kubeconfig("busy", NAMESPACE),
    )
    .expect("kubeconfig written");
    let client = cluster.client().await;
    populate(&client, &load).await;
    settle(
        &client,
        load.other_apps * load.copies_each + load.app_copies,
    )
    .await;
    let others: Vec<String> = Api::<Pod>::namespaced(client.clone(), NAMESPACE)
        .list(&ListParams::default().labels(&format!("app.kubernetes.io/name!={APP}")))
        .await
        .expect("pods list")
        .items
        .into_iter()
        .filter_map(|p| p.metadata.name)
        .collect();
    println!("ready {} other pods", others.len());
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let sender = tokio::spawn(stream_events(
        client,
        others,
        load.events_per_second,
        stopped,
    ));
    // Until the benchmark closes our standard input.
    let _ = tokio::task::spawn_blocking(|| {
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new())
    })
    .await;
    let _ = stop.send(());
    let sent = sender.await.unwrap_or(0);
    println!("events sent {sent}");
}
