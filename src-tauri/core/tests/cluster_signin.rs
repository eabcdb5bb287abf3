//! Sign-in helpers (exec plugins) during a session: one that starts failing is explained
//! without its environment, one that hangs is stopped.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine;
use purser_core::cluster::{
    AppSpec, ClusterError, ClusterService, KubeconfigSource, SignIn, Target, Timeouts,
};
use purser_core::secrets::Secret;
use purser_test_support::kube::Cluster;
use serde_json::json;

const KEY: &str = "fake-key-SIGNINCANARY";

fn form(name: &str, replicas: i64) -> AppSpec {
    serde_json::from_value(json!({
        "name": name, "image": "ghcr.io/acme/assistant:1.0", "replicas": replicas, "port": 8080,
        "cpuRequest": "100m", "memoryRequest": "128Mi"
    }))
    .unwrap()
}

fn target(context: &str) -> Target {
    Target {
        context: context.into(),
        namespace: "default".into(),
    }
}

fn key() -> Secret {
    Secret::new(KEY)
}

fn script(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_helper_failing_mid_session_is_explained_without_its_environment() {
    for interactive in ["Never", "IfAvailable"] {
        let cluster = Cluster::start().await;
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("expired-now");
        let token = cluster.sim.token().to_string();
        // Every token it hands out has already expired, so each request runs it again; once
        // the marker exists it fails as an expired AWS SSO session does.
        let aws = dir.path().join("bin").join("aws");
        script(
            &aws,
            &format!(
                r#"if [ -e '{marker}' ]; then
  echo 'Error when retrieving token from sso: Token has expired and refresh failed' >&2
  exit 255
fi
printf '{{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{{"token":"{token}","expirationTimestamp":"2020-01-01T00:00:00Z"}}}}'"#,
                marker = marker.display()
            ),
        );
        let ca = base64::engine::general_purpose::STANDARD.encode(cluster.sim.ca_pem());
        let config = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: eks\n  cluster:\n    server: {}\n    certificate-authority-data: {ca}\nusers:\n- name: eks\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: {}\n      args: [eks, get-token, --cluster-name, prod, --profile, team]\n      env: [{{name: AWS_SECRET_ACCESS_KEY, value: ENVCANARY0123456789}}]\n      interactiveMode: {interactive}\ncontexts:\n- name: eks\n  context: {{cluster: eks, user: eks}}\n",
            cluster.sim.url(),
            aws.display()
        );
        std::fs::write(dir.path().join("config"), config).unwrap();
        let data = tempfile::tempdir().unwrap();
        let service = ClusterService::new(
            KubeconfigSource::Files(vec![dir.path().join("config")]),
            data.path(),
        );
        service.connect("eks").await.unwrap();
        std::fs::write(&marker, "").unwrap();
        let error = service
            .deploy(&target("eks"), &form("assistant", 1), Some(&key()), false)
            .await
            .unwrap_err();
        match &error {
            ClusterError::ExecPluginFailed {
                command,
                expired,
                fix,
                detail,
            } => {
                assert_eq!(command, "aws", "{interactive}");
                assert!(expired, "{interactive}: {detail}");
                assert_eq!(
                    fix,
                    &SignIn::Aws {
                        profile: Some("team".into())
                    }
                );
            }
            other => panic!("{interactive}: expected an expired session, got {other:?}"),
        }
        let text = format!("{error} {error:?}");
        assert!(
            !text.contains("ENVCANARY") && !text.contains("AWS_SECRET"),
            "{text}"
        );
        let audit = std::fs::read_to_string(data.path().join("audit.jsonl")).unwrap();
        assert!(audit.contains("The sign-in helper"), "{audit}");
        assert!(
            audit.contains("\"code\":\"kube_session_expired\""),
            "{audit}"
        );
        assert!(!audit.contains("ENVCANARY"), "{audit}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_sign_in_helper_is_stopped() {
    let cluster = Cluster::start().await;
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let helper = dir.path().join("bin").join("aws");
    // A shell that waits on a child forever, as a plugin waiting for a browser sign-in does.
    script(
        &helper,
        &format!(
            "echo $$ >> '{p}'\nsleep 600 &\necho $! >> '{p}'\nwait",
            p = pids.display()
        ),
    );
    let ca = base64::engine::general_purpose::STANDARD.encode(cluster.sim.ca_pem());
    std::fs::write(
        dir.path().join("config"),
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: eks\n  cluster:\n    server: {}\n    certificate-authority-data: {ca}\nusers:\n- name: eks\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: {}\ncontexts:\n- name: eks\n  context: {{cluster: eks, user: eks}}\n",
            cluster.sim.url(),
            helper.display()
        ),
    )
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let timeouts = Timeouts {
        exec: Duration::from_secs(1),
        ..Timeouts::default()
    };
    let service = ClusterService::with_timeouts(
        KubeconfigSource::Files(vec![dir.path().join("config")]),
        data.path(),
        timeouts,
    );
    let started = Instant::now();
    let error = service.connect("eks").await.unwrap_err();
    assert!(
        matches!(error, ClusterError::ExecPluginTimedOut { seconds: 1, .. }),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pids = std::fs::read_to_string(&pids).unwrap();
    assert_eq!(pids.lines().count(), 2, "{pids}");
    for pid in pids.lines() {
        let alive = Path::new(&format!("/proc/{}", pid.trim())).exists()
            && !std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
                .unwrap_or_default()
                .contains(") Z ");
        assert!(!alive, "process {pid} of the helper is still running");
    }
}
