//! The simulated API server checked with the real `kubectl`: what kubectl writes, the kube
//! client reads back, and the other way round.

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, Patch, PatchParams};
use purser_test_support::kube::Cluster;

const MANIFESTS: &str = r#"
apiVersion: v1
kind: Secret
metadata:
  name: demo-openai
  labels: {app.kubernetes.io/name: demo, app.kubernetes.io/managed-by: kubectl-test}
stringData:
  OPENAI_API_KEY: not-a-real-key
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo
  labels: {app.kubernetes.io/name: demo}
spec:
  replicas: 2
  selector:
    matchLabels: {app.kubernetes.io/name: demo}
  template:
    metadata:
      labels: {app.kubernetes.io/name: demo}
    spec:
      containers:
      - name: app
        image: ghcr.io/example/demo:1.0
        ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata:
  name: demo
spec:
  selector: {app.kubernetes.io/name: demo}
  ports: [{name: http, port: 80, targetPort: 8080}]
"#;

// Long: one scenario, told step by step in the order it happens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_apply_scale_rollout_get_delete_round_trip() {
    let cluster = Cluster::start().await;
    let file = cluster.dir.path().join("demo.yaml");
    std::fs::write(&file, MANIFESTS).unwrap();
    let file = file.to_str().unwrap();

    let out = cluster
        .kubectl_ok(&["apply", "--server-side", "--validate=false", "-f", file])
        .await;
    assert!(
        out.contains("deployment.apps/demo serverside-applied"),
        "{out}"
    );
    let out = cluster
        .kubectl_ok(&["rollout", "status", "deployment/demo", "--timeout=30s"])
        .await;
    assert!(out.contains("successfully rolled out"), "{out}");

    // kube reads what kubectl wrote.
    let deployments: Api<Deployment> = Api::default_namespaced(cluster.client().await);
    let live = deployments.get("demo").await.unwrap();
    assert_eq!(live.spec.as_ref().unwrap().replicas, Some(2));
    let managers: Vec<_> = live
        .metadata
        .managed_fields
        .unwrap()
        .into_iter()
        .map(|m| m.manager.unwrap())
        .collect();
    assert!(managers.contains(&"kubectl".to_string()), "{managers:?}");

    let out = cluster
        .kubectl_ok(&["scale", "deployment/demo", "--replicas=4"])
        .await;
    assert!(out.contains("scaled"), "{out}");
    cluster
        .kubectl_ok(&["rollout", "status", "deployment/demo", "--timeout=30s"])
        .await;
    let yaml = cluster
        .kubectl_ok(&["get", "deployment", "demo", "-o", "yaml"])
        .await;
    assert!(
        yaml.contains("replicas: 4") && yaml.contains("readyReplicas: 4"),
        "{yaml}"
    );

    // kubectl reads what kube wrote.
    let patch = serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "demo"},
        "spec": {"template": {"metadata": {"annotations": {"purser.dev/note": "from-kube"}}}}});
    deployments
        .patch("demo", &PatchParams::apply("purser"), &Patch::Apply(&patch))
        .await
        .unwrap();
    let jsonpath = cluster
        .kubectl_ok(&[
            "get",
            "deployment",
            "demo",
            "-o",
            "jsonpath={.spec.template.metadata.annotations.purser\\.dev/note}",
        ])
        .await;
    assert_eq!(jsonpath, "from-kube");
    cluster
        .kubectl_ok(&["rollout", "status", "deployment/demo", "--timeout=30s"])
        .await;
    let rs = cluster
        .kubectl_ok(&["get", "replicasets", "-o", "name"])
        .await;
    assert_eq!(
        rs.lines().count(),
        2,
        "a new template makes a second ReplicaSet: {rs}"
    );

    let out = cluster.kubectl_ok(&["delete", "-f", file]).await;
    assert!(out.contains("deployment.apps \"demo\" deleted"), "{out}");
    assert!(deployments.get_opt("demo").await.unwrap().is_none());
    let pods = cluster.kubectl_ok(&["get", "pods", "-o", "name"]).await;
    assert_eq!(pods.trim(), "", "pods go with their deployment");
}

/// kubectl pages a long list with `limit` and `continue` (`--chunk-size`): every namespace
/// comes back once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_pages_a_long_list() {
    let cluster = Cluster::start().await;
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(cluster.client().await);
    for n in 0..7 {
        let namespace =
            serde_json::from_value(serde_json::json!({"metadata": {"name": format!("team-{n}")}}))
                .unwrap();
        namespaces
            .create(&kube::api::PostParams::default(), &namespace)
            .await
            .unwrap();
    }
    let paged = cluster
        .kubectl_ok(&["get", "namespaces", "--chunk-size=3", "-o", "name"])
        .await;
    let whole = cluster
        .kubectl_ok(&["get", "namespaces", "--chunk-size=0", "-o", "name"])
        .await;
    assert_eq!(paged, whole);
    let names: Vec<&str> = paged.lines().collect();
    assert_eq!(
        names
            .iter()
            .filter(|n| n.starts_with("namespace/team-"))
            .count(),
        7
    );
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(names, sorted, "once each, in order");

    // The pages themselves, as the kube client reads them.
    let mut token: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let mut params = kube::api::ListParams::default().limit(3);
        if let Some(token) = &token {
            params = params.continue_token(token);
        }
        let page = namespaces.list(&params).await.unwrap();
        pages.push(page.items.len());
        match page.metadata.continue_ {
            Some(next) if !next.is_empty() => token = Some(next),
            _ => break,
        }
    }
    assert!(pages.iter().all(|n| *n <= 3), "{pages:?}");
    assert_eq!(pages.iter().sum::<usize>(), names.len(), "{pages:?}");
}

// Long: one scenario, told step by step in the order it happens.
/// A write carrying a `resourceVersion` is a precondition, as kubectl and the real server
/// treat it: on the object (merge patch) and on its `scale` subresource. A stale one is
/// refused with 409 and changes nothing; the current one goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_resource_version_is_refused_on_the_object_and_its_scale() {
    let cluster = Cluster::start().await;
    let file = cluster.dir.path().join("demo.yaml");
    std::fs::write(&file, MANIFESTS).unwrap();
    cluster
        .kubectl_ok(&[
            "apply",
            "--server-side",
            "--validate=false",
            "-f",
            file.to_str().unwrap(),
        ])
        .await;
    let version = || async {
        cluster
            .kubectl_ok(&[
                "get",
                "deployment",
                "demo",
                "-o",
                "jsonpath={.metadata.resourceVersion}",
            ])
            .await
    };
    let stale = version().await;
    cluster
        .kubectl_ok(&["annotate", "deployment", "demo", "note=moved-on"])
        .await;
    let patch =
        format!(r#"{{"metadata":{{"resourceVersion":"{stale}"}},"spec":{{"replicas":5}}}}"#);
    let refused = cluster
        .kubectl(&[
            "patch",
            "deployment",
            "demo",
            "--type",
            "merge",
            "-p",
            &patch,
        ])
        .await;
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("the object has been modified"), "{said}");

    let deployments: Api<Deployment> = Api::default_namespaced(cluster.client().await);
    let scale =
        serde_json::json!({"metadata": {"resourceVersion": stale}, "spec": {"replicas": 5}});
    let error = deployments
        .patch_scale("demo", &PatchParams::default(), &Patch::Merge(&scale))
        .await
        .unwrap_err();
    assert!(
        matches!(error, kube::Error::Api(ref s) if s.code == 409),
        "{error:?}"
    );
    let replicas = || async {
        cluster
            .kubectl_ok(&[
                "get",
                "deployment",
                "demo",
                "-o",
                "jsonpath={.spec.replicas}",
            ])
            .await
    };
    assert_eq!(replicas().await, "2", "refused writes changed nothing");

    let current = version().await;
    let scale =
        serde_json::json!({"metadata": {"resourceVersion": current}, "spec": {"replicas": 5}});
    deployments
        .patch_scale("demo", &PatchParams::default(), &Patch::Merge(&scale))
        .await
        .unwrap();
    assert_eq!(replicas().await, "5");
    // A patch without one has no precondition.
    cluster
        .kubectl_ok(&[
            "patch",
            "deployment",
            "demo",
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"replicas":3}}"#,
        ])
        .await;
    assert_eq!(replicas().await, "3");
}
