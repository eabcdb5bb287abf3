//! Canary scan over a whole journey: store known canary secrets (the OpenAI key and admin key,
//! AWS keys, a kubeconfig bearer token, an exec plugin's token and environment), then do
//! everything a user does through the real commands (mock runtime, real keychain, real HTTP
//! peers, a real Kubernetes API test server): check the keys, connect (with a token and through
//! an exec plugin), run the budget guard's commands, preview a deploy over a Secret someone applied
//! with kubectl (its value in kubectl's last-applied annotation), deploy, follow the rollout,
//! scale, uninstall, open the cost view, export it, read the audit log. Then look for every
//! canary — plain and base64 — in every file Purser wrote, every IPC answer, its stderr and its
//! logs at trace level. Zero hits required; and every file Purser wrote is private (0600).

#[path = "support/ipc.rs"]
mod ipc;

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use base64::Engine;
use serde_json::{json, Value};
use wiremock::matchers::{header, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use ipc::MockApp;
use purser_core::cluster::KubeconfigSource;
use purser_core::secrets::KeychainStore;
use purser_core::{AwsEndpoints, Backends, Purser};
use purser_test_support::keyring::{lookup, unique_service};
use purser_test_support::kube::{Cluster, CONTEXT};
use purser_test_support::moto::Moto;

const OPENAI_FIRST: &str = "canary-openai-7f3a9c1e5b2d4f60a8e1";
const OPENAI_SECOND: &str = "canary-openai-second-91b2c3d4e5f6";
const AWS_KEY_ID: &str = "CANARYKEYID7F3A9C1E5B";
const AWS_SECRET: &str = "canarysecret7f3a9c1e5b2d4f60a8e1/+=";
const AWS_TOKEN: &str = "canarytoken7f3a9c1e5b2d4f60a8e1xyz";
const ADMIN: &str = "canary-admin-key-7f3a9c1e5b2d4f60a8e1";
/// A value in an exec plugin's environment, as kubeconfigs carry `AWS_SECRET_ACCESS_KEY`.
const EXEC_ENV: &str = "canary-exec-env-7f3a9c1e5b2d4f60a8e1";
/// The value someone else put in the app's Secret with `kubectl apply`.
const THEIRS: &str = "canary-kubectl-applied-5d6e7f80a1b2";
const CANARIES: [&str; 8] = [
    OPENAI_FIRST,
    ADMIN,
    EXEC_ENV,
    OPENAI_SECOND,
    AWS_KEY_ID,
    AWS_SECRET,
    AWS_TOKEN,
    THEIRS,
];

// Long: one scenario, told step by step in the order it happens.
#[test]
fn no_secret_reaches_a_file_a_log_stderr_or_the_webview() {
    let root = tempfile::tempdir().unwrap();
    // Everything written to stderr from here on lands in a file this test reads at the end.
    let stderr_path = root.path().join("stderr.txt");
    let stderr = Stderr::capture(&stderr_path);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let moto = Moto::start();
    let cluster = runtime.block_on(Cluster::start());
    // Maximum logging from every crate — set before anything reads the environment (this
    // file holds a single test, so no other thread is running).
    std::env::set_var("PURSER_LOG", "trace");
    let openai = runtime.block_on(openai_server());
    runtime.block_on(async {
        let theirs = cluster.dir.path().join("theirs.yaml");
        std::fs::write(
            &theirs,
            format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: assistant-openai}}\nstringData: {{OPENAI_API_KEY: {THEIRS}}}\n"),
        )
        .unwrap();
        cluster
            .kubectl_ok(&["apply", "--validate=false", "-f", theirs.to_str().unwrap()])
            .await;
        let annotations = cluster
            .kubectl_ok(&["get", "secret", "assistant-openai", "-o", "jsonpath={.metadata.annotations}"])
            .await;
        assert!(annotations.contains(THEIRS), "kubectl keeps the value in its annotation: {annotations}");
    });

    // A second kubeconfig whose context signs in through an exec plugin: the plugin prints the
    // cluster's bearer token (itself a canary below) and has a secret in its environment.
    let plugin = root.path().join("canary-auth");
    let token = cluster.sim.token().to_string();
    std::fs::write(
        &plugin,
        format!("#!/bin/sh\nprintf '{{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{token}\"}}}}'\n"),
    )
    .unwrap();
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let ca = base64::engine::general_purpose::STANDARD.encode(cluster.sim.ca_pem());
    let exec_kubeconfig = root.path().join("exec-kubeconfig");
    std::fs::write(
        &exec_kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: sim-exec\n  cluster:\n    server: {}\n    certificate-authority-data: {ca}\nusers:\n- name: exec-user\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: {}\n      env: [{{name: CANARY_SECRET, value: {EXEC_ENV}}}]\n      interactiveMode: Never\ncontexts:\n- name: exec-ctx\n  context:\n    cluster: sim-exec\n    user: exec-user\n",
            cluster.sim.url(),
            plugin.display()
        ),
    )
    .unwrap();

    let data = root.path().join("app");
    let service = unique_service("canary");
    let backends = Backends {
        secrets: Arc::new(KeychainStore::with_service(&service)),
        kubeconfig: KubeconfigSource::Files(vec![cluster.kubeconfig_path(), exec_kubeconfig]),
        aws: AwsEndpoints {
            sts: Some(moto.url.clone()),
            cost_usage: Some(moto.url.clone()),
            cost_forecast: Some(moto.url.clone()),
        },
        ..purser_core::testing::backends()
    };
    let app = MockApp::launch(&data, backends);

    let mut answers: Vec<String> = Vec::new();
    let mut call = |command: &str, args: Value| -> Result<Value, Value> {
        let answer = app.invoke(command, args);
        answers.push(match &answer {
            Ok(value) | Err(value) => value.to_string(),
        });
        answer
    };

    call(
        "update_settings",
        json!({"patch": {"openaiBaseUrl": format!("{}/v1", openai.uri()),
            "openaiAdminBaseUrl": format!("{}/v1", openai.uri()), "awsSource": "keys", "budgetAmount": "100"}}),
    )
    .unwrap();
    for (kind, value) in [
        ("openai_api_key", OPENAI_FIRST),
        ("aws_access_key_id", AWS_KEY_ID),
        ("aws_secret_access_key", AWS_SECRET),
        ("aws_session_token", AWS_TOKEN),
        ("openai_admin_key", ADMIN),
    ] {
        call("store_secret", json!({"kind": kind, "value": value})).unwrap();
    }
    let admin_ok = call("check_openai_admin", json!({})).unwrap();
    assert_eq!(admin_ok["ok"], true, "{admin_ok}");
    assert_eq!(
        lookup(&service, "openai-api-key").as_deref(),
        Some(OPENAI_FIRST)
    );
    let openai_ok = call("check_openai", json!({})).unwrap();
    assert_eq!(openai_ok["ok"], true, "{openai_ok}");
    let aws_ok = call("check_aws", json!({})).unwrap();
    assert_eq!(aws_ok["ok"], true, "{aws_ok}");

    // A refused paste that contains a canary must not echo it.
    let refused = call(
        "store_secret",
        json!({"kind": "openai_api_key", "value": format!("{OPENAI_SECOND}\n{OPENAI_SECOND}")}),
    )
    .unwrap_err();
    assert_eq!(refused["code"], "secret_line_break");
    call(
        "store_secret",
        json!({"kind": "openai_api_key", "value": OPENAI_SECOND}),
    )
    .unwrap();
    let openai_bad = call("check_openai", json!({})).unwrap_err();
    assert_eq!(openai_bad["code"], "invalid_key", "{openai_bad}");
    call("credentials_overview", json!({})).unwrap();

    // The cluster journey, the key travelling from the keychain into the cluster's Secret.
    let target = json!({"context": CONTEXT, "namespace": "default"});
    let spec = json!({"name": "assistant", "image": "ghcr.io/acme/assistant:1.0", "replicas": 1,
        "port": 8080, "cpuRequest": "100m", "memoryRequest": "128Mi"});
    call("kube_contexts", json!({})).unwrap();
    let through_plugin = call("kube_connect", json!({"context": "exec-ctx"})).unwrap();
    assert_eq!(through_plugin["context"], "exec-ctx", "{through_plugin}");
    call(
        "kube_apps",
        json!({"target": {"context": "exec-ctx", "namespace": "default"}}),
    )
    .unwrap();
    call("kube_connect", json!({"context": CONTEXT})).unwrap();
    call("kube_permissions", json!({"target": target})).unwrap();
    let preview = call("deploy_preview", json!({"target": target, "spec": spec})).unwrap();
    assert_eq!(
        preview["notManaged"],
        json!(["Secret/assistant-openai"]),
        "{preview}"
    );
    let secret_change = &preview["changes"][0];
    assert!(
        !secret_change["diff"].as_array().unwrap().is_empty(),
        "the Secret's diff is shown (masked): {secret_change}"
    );
    call(
        "deploy_app",
        json!({"target": target, "spec": spec, "takeOver": true}),
    )
    .unwrap();
    let stored = runtime.block_on(cluster.kubectl_ok(&[
        "get",
        "secret",
        "assistant-openai",
        "-o",
        "jsonpath={.data.OPENAI_API_KEY}",
    ]));
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(stored.trim())
            .unwrap(),
        OPENAI_SECOND.as_bytes(),
        "the journey really carried the key into the cluster"
    );
    call(
        "watch_rollout",
        json!({"target": target, "app": "assistant", "onStatus": "__CHANNEL__:7"}),
    )
    .unwrap();
    call("kube_apps", json!({"target": target})).unwrap();
    call(
        "scale_app",
        json!({"target": target, "app": "assistant", "replicas": 2}),
    )
    .unwrap();
    // The guard over the same app: its policy, a check (which reads the month's cost with the
    // keys and the admin key), its view, what a change would cost, pause and resume.
    let at = json!({"target": target, "app": "assistant"});
    call(
        "set_guard_policy",
        json!({"target": target, "app": "assistant", "policy": {"mode": "propose", "floor": 1},
               "confirmZero": false}),
    )
    .unwrap();
    call("guard_check", json!({})).unwrap();
    call("guard_view", at.clone()).unwrap();
    call("guard_dismiss", at.clone()).unwrap();
    call(
        "scale_cost",
        json!({"target": target, "app": "assistant", "replicas": 3}),
    )
    .unwrap();
    call("form_cost", json!({"target": target, "spec": spec})).unwrap();
    call("guard_pause", json!({"paused": true})).unwrap();
    call("guard_pause", json!({"paused": false})).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    call(
        "uninstall_app",
        json!({"target": target, "app": "assistant", "removeAdopted": true}),
    )
    .unwrap();
    call("audit_entries", json!({"limit": 50})).unwrap();

    // Cost: the view (through moto), then an export written as the save dialog would.
    call(
        "cost_view",
        json!({"refresh": true, "theme": "light", "width": 900}),
    )
    .unwrap();
    let purser = app.state::<Purser>();
    for format in [
        purser_core::chart::view::ExportFormat::Csv,
        purser_core::chart::view::ExportFormat::Svg,
    ] {
        let export = purser
            .export_cost(format, purser_core::chart::Theme::Light)
            .unwrap();
        let file = data.join("exports").join(&export.file_name);
        purser.write_export(&file, &export).unwrap();
    }
    call("app_status", json!({})).unwrap();
    for kind in [
        "openai_api_key",
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "openai_admin_key",
    ] {
        call("delete_secret", json!({"kind": kind})).unwrap();
    }
    assert_eq!(lookup(&service, "openai-api-key"), None);

    // Let the background log writer catch up, then scan everything.
    std::thread::sleep(std::time::Duration::from_millis(500));
    drop(app);
    let stderr_text = stderr.finish();
    let mut files = Vec::new();
    collect_files(&data, &mut files);
    let logs: Vec<_> = files
        .iter()
        .filter(|f| f.starts_with(data.join("log")))
        .collect();
    assert!(
        !logs.is_empty(),
        "the journey must have written a log file to scan"
    );
    let log_text: String = logs
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    for sign in ["secret stored", "TRACE", "deploy_app", "cost_view"] {
        assert!(
            log_text.contains(sign),
            "logging at trace level was active: no {sign:?}"
        );
    }
    assert!(
        stderr_text.contains("TRACE"),
        "stderr was captured: {} bytes",
        stderr_text.len()
    );
    for wanted in ["credentials.json", "audit.jsonl", "settings.json"] {
        assert!(files.iter().any(|f| f.ends_with(wanted)), "no {wanted}");
    }

    // The cluster's bearer token (in the kubeconfig, and printed by the exec plugin) too.
    let needles: Vec<(String, String)> = CANARIES
        .iter()
        .copied()
        .chain([token.as_str()])
        .flat_map(|c| {
            [
                (c.to_string(), format!("{c} (plain)")),
                (
                    base64::engine::general_purpose::STANDARD.encode(c),
                    format!("{c} (base64)"),
                ),
            ]
        })
        .collect();
    let mut hits = Vec::new();
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for (needle, what) in &needles {
            if let Some(at) = find(&bytes, needle.as_bytes()) {
                // The canaries are fake: showing where one sits makes a leak easy to fix.
                let line_start = bytes[..at]
                    .iter()
                    .rposition(|b| *b == b'\n')
                    .map_or(0, |i| i + 1);
                let around = String::from_utf8_lossy(
                    &bytes[line_start..(line_start + 300).min(bytes.len())],
                )
                .into_owned();
                hits.push(format!("{what} in {}: …{around}…", file.display()));
            }
        }
    }
    for answer in &answers {
        for (needle, what) in &needles {
            if answer.contains(needle.as_str()) {
                hits.push(format!("{what} in IPC answer {answer}"));
            }
        }
    }
    for (needle, what) in &needles {
        if stderr_text.contains(needle.as_str()) {
            hits.push(format!("{what} on stderr"));
        }
    }
    assert!(
        answers.len() >= 25,
        "the journey made {} calls",
        answers.len()
    );
    assert_eq!(hits, Vec::<String>::new(), "secrets leaked");

    // Private: nothing Purser wrote is readable by other users, exports aside (documents the
    // user chose to save).
    let wide: Vec<String> = files
        .iter()
        .filter(|f| !f.starts_with(data.join("exports")))
        .filter(|f| std::fs::metadata(f).unwrap().permissions().mode() & 0o077 != 0)
        .map(|f| f.display().to_string())
        .collect();
    assert_eq!(wide, Vec::<String>::new(), "files readable by others");
    drop(moto);
}

async fn openai_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/v1/models"))
        .and(header("authorization", format!("Bearer {OPENAI_FIRST}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"object": "list", "data": [{"id": "m", "object": "model", "created": 1, "owned_by": "o"}]}),
        ))
        .mount(&server)
        .await;
    // The admin key reads the organisation's costs (one day of nothing spent).
    Mock::given(path("/v1/organization/costs"))
        .and(header("authorization", format!("Bearer {ADMIN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"object": "page", "data": [], "has_more": false, "next_page": null}),
        ))
        .mount(&server)
        .await;
    // OpenAI's real 401 quotes (part of) the key; this one quotes all of it.
    Mock::given(path("/v1/models"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {
            "message": format!("Incorrect API key provided: {OPENAI_SECOND}"),
            "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}})))
        .mount(&server)
        .await;
    server
}

/// The process's stderr redirected into a file until [`Stderr::finish`].
struct Stderr {
    saved: i32,
    path: std::path::PathBuf,
}

impl Stderr {
    fn capture(path: &Path) -> Stderr {
        let file = std::fs::File::create(path).unwrap();
        use std::os::fd::AsRawFd;
        // SAFETY: dup/dup2 on the process's own descriptors; the file stays open until the
        // descriptor 2 that now refers to it is restored in `finish`.
        let saved = unsafe { libc::dup(2) };
        assert!(saved >= 0);
        unsafe {
            assert!(libc::dup2(file.as_raw_fd(), 2) >= 0);
        }
        Stderr {
            saved,
            path: path.to_path_buf(),
        }
    }

    fn finish(self) -> String {
        // SAFETY: puts back the descriptor saved in `capture`.
        unsafe {
            libc::dup2(self.saved, 2);
            libc::close(self.saved);
        }
        let mut text = String::new();
        std::fs::File::open(&self.path)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }
}

fn collect_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
