//! Kubeconfig as kubectl reads it (a `KUBECONFIG` list, missing files skipped) and exec-auth
//! plugins found through the login shell's PATH, as when Purser starts from a desktop
//! launcher. One test, because it sets process-wide environment variables.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use purser_core::cluster::contexts::SignsInWith;
use purser_core::cluster::{ClusterError, ClusterService, Install, KubeconfigSource, SignIn};
use purser_test_support::kube::Cluster;

fn script(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn kubeconfig(server: &str, ca: &str, expired_aws: &Path) -> String {
    let user = |name: &str, command: &str, args: &str| {
        format!(
            "- name: {name}\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: {command}\n      args: {args}\n      interactiveMode: Never\n"
        )
    };
    let context =
        |name: &str| format!("- name: {name}\n  context:\n    cluster: sim\n    user: {name}\n");
    format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: eks-like\nclusters:\n- name: sim\n  cluster:\n    server: {server}\n    certificate-authority-data: {ca}\nusers:\n{}{}{}contexts:\n{}{}{}",
        user("eks-like", "purser-test-auth", "[]"),
        user("missing", "aws-iam-authenticator", "[]"),
        user("expired", &expired_aws.display().to_string(), "[eks, get-token, --cluster-name, prod, --profile, team]"),
        context("eks-like"),
        context("missing"),
        context("expired"),
    )
}

// Long: one scenario, told step by step in the order it happens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubeconfig_list_and_exec_plugins_from_the_login_shell_path() {
    let cluster = Cluster::start().await;
    let dir = tempfile::tempdir().unwrap();
    let login_bin = dir.path().join("login-bin");
    let token = cluster.sim.token().to_string();
    script(
        &login_bin.join("purser-test-auth"),
        &format!(
            r#"printf '{{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{{"token":"{token}"}}}}'"#
        ),
    );
    let expired = dir.path().join("aws-cli").join("aws");
    script(&expired, "echo 'Error when retrieving token from sso: Token has expired and refresh failed' >&2\nexit 255");
    // The desktop launcher's PATH lacks login-bin; only the login shell knows it.
    script(
        &dir.path().join("fake-login-shell"),
        &format!(
            "printf '__PURSER_PATH__{}:/usr/bin:/bin__END__'",
            login_bin.display()
        ),
    );
    use base64::Engine;
    let ca = base64::engine::general_purpose::STANDARD.encode(cluster.sim.ca_pem());
    std::fs::write(
        dir.path().join("config"),
        kubeconfig(&cluster.sim.url(), &ca, &expired),
    )
    .unwrap();
    let list = format!(
        "{}:{}",
        dir.path().join("not-there").display(),
        dir.path().join("config").display()
    );
    std::env::set_var("KUBECONFIG", &list);
    std::env::set_var("SHELL", dir.path().join("fake-login-shell"));

    let data = tempfile::tempdir().unwrap();
    let service = ClusterService::new(KubeconfigSource::Environment, data.path());
    let contexts = service.contexts();
    assert_eq!(
        contexts.problem, None,
        "a missing file in KUBECONFIG is skipped, as kubectl does"
    );
    let names: Vec<(&str, bool, SignsInWith)> = contexts
        .contexts
        .iter()
        .map(|c| (c.name.as_str(), c.current, c.auth.clone()))
        .collect();
    let helper = |plugin: &str| SignsInWith::Helper {
        plugin: plugin.into(),
    };
    assert_eq!(
        names,
        vec![
            ("eks-like", true, helper("purser-test-auth")),
            ("missing", false, helper("aws-iam-authenticator")),
            ("expired", false, helper("aws")),
            ("purser-sandbox", false, SignsInWith::BuiltIn)
        ]
    );
    assert!(contexts.contexts.last().unwrap().sandbox);

    let info = service
        .connect("eks-like")
        .await
        .expect("the plugin is found with the login shell's PATH");
    assert_eq!(info.version, "v1.33.0-purser-sim");

    match service.connect("missing").await {
        Err(ClusterError::ExecPluginMissing { command, install }) => {
            assert_eq!(command, "aws-iam-authenticator");
            assert_eq!(install, Install::AwsIamAuthenticator);
        }
        other => panic!("expected a missing plugin, got {other:?}"),
    }
    match service.connect("expired").await {
        Err(ClusterError::ExecPluginFailed {
            command,
            expired,
            fix,
            detail,
        }) => {
            assert_eq!(command, "aws");
            assert!(expired, "{detail}");
            assert_eq!(
                fix,
                SignIn::Aws {
                    profile: Some("team".into())
                }
            );
        }
        other => panic!("expected an expired session, got {other:?}"),
    }

    // An unreadable kubeconfig is named; the sandbox is still offered.
    std::fs::write(dir.path().join("config"), "clusters: [[[").unwrap();
    let contexts = service.contexts();
    let problem = contexts.problem.clone().expect("the problem is named");
    assert_eq!(problem.code, "kube_kubeconfig_unreadable");
    assert!(
        problem.params["path"].as_str().unwrap().ends_with("config"),
        "{problem:?}"
    );
    assert_eq!(contexts.contexts.len(), 1);
}
