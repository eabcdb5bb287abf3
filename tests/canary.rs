//! Canary scan: store known canary secrets, run a whole store → check → replace → check →
//! delete journey through the real commands (mock runtime, real keychain, real HTTP peers),
//! then look for the canaries everywhere Purser writes or answers. Zero hits required.

mod support;

use std::path::Path;
use std::sync::Arc;

use serde_json::{json, Value};
use wiremock::matchers::{header, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use purser_lib::secrets::KeychainStore;
use support::ipc::MockApp;
use support::keyring::{lookup, unique_service};
use support::moto::Moto;

const OPENAI_FIRST: &str = "canary-openai-7f3a9c1e5b2d4f60a8e1";
const OPENAI_SECOND: &str = "canary-openai-second-91b2c3d4e5f6";
const AWS_KEY_ID: &str = "CANARYKEYID7F3A9C1E5B";
const AWS_SECRET: &str = "canarysecret7f3a9c1e5b2d4f60a8e1/+=";
const AWS_TOKEN: &str = "canarytoken7f3a9c1e5b2d4f60a8e1xyz";
const CANARIES: [&str; 5] = [
    OPENAI_FIRST,
    OPENAI_SECOND,
    AWS_KEY_ID,
    AWS_SECRET,
    AWS_TOKEN,
];

#[test]
fn no_secret_reaches_a_file_a_log_or_the_webview() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let moto = Moto::start();
    // Maximum logging from Purser itself, and the SDK pointed at moto — set before anything
    // reads the environment (this file holds a single test, so no other thread is running).
    std::env::set_var("PURSER_LOG", "purser_lib=trace,info");
    std::env::set_var("AWS_ENDPOINT_URL", &moto.url);
    let openai = runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(path("/v1/models"))
            .and(header("authorization", format!("Bearer {OPENAI_FIRST}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"object": "list", "data": [{"id": "m", "object": "model", "created": 1, "owned_by": "o"}]}),
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
    });

    let root = tempfile::tempdir().unwrap();
    let service = unique_service("canary");
    let app = MockApp::launch(root.path(), Arc::new(KeychainStore::with_service(&service)));

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
        json!({"patch": {"openai_base_url": format!("{}/v1", openai.uri()), "aws_source": "keys"}}),
    )
    .unwrap();
    for (kind, value) in [
        ("openai_api_key", OPENAI_FIRST),
        ("aws_access_key_id", AWS_KEY_ID),
        ("aws_secret_access_key", AWS_SECRET),
        ("aws_session_token", AWS_TOKEN),
    ] {
        call("store_secret", json!({"kind": kind, "value": value})).unwrap();
    }
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
    assert_eq!(refused["code"], "invalid_input");

    call(
        "store_secret",
        json!({"kind": "openai_api_key", "value": OPENAI_SECOND}),
    )
    .unwrap();
    let openai_bad = call("check_openai", json!({})).unwrap_err();
    assert_eq!(openai_bad["code"], "invalid_key", "{openai_bad}");
    let overview = call("credentials_overview", json!({})).unwrap();
    assert_eq!(
        overview["secrets"][0]["ends_in"],
        OPENAI_SECOND[OPENAI_SECOND.len() - 4..]
    );
    call("app_status", json!({})).unwrap();
    for kind in [
        "openai_api_key",
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
    ] {
        call("delete_secret", json!({"kind": kind})).unwrap();
    }
    assert_eq!(lookup(&service, "openai-api-key"), None);

    // Let the background log writer catch up, then scan everything.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let mut files = Vec::new();
    collect_files(root.path(), &mut files);
    let logs: Vec<_> = files
        .iter()
        .filter(|f| f.starts_with(root.path().join("log")))
        .collect();
    assert!(
        !logs.is_empty(),
        "the journey must have written a log file to scan"
    );
    let log_text: String = logs
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    assert!(
        log_text.contains("secret stored"),
        "logging was active during the journey"
    );
    assert!(files.iter().any(|f| f.ends_with("credentials.json")));

    let mut hits = Vec::new();
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for canary in CANARIES {
            if contains(&bytes, canary.as_bytes()) {
                hits.push(format!("{canary} in {}", file.display()));
            }
        }
    }
    for answer in &answers {
        for canary in CANARIES {
            if answer.contains(canary) {
                hits.push(format!("{canary} in IPC answer {answer}"));
            }
        }
    }
    assert!(
        answers.len() >= 14,
        "the journey made {} calls",
        answers.len()
    );
    assert_eq!(hits, Vec::<String>::new(), "secrets leaked");
    drop(moto);
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

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}
