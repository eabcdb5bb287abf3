//! Signed updates through the real commands on Tauri's mock runtime, against a local update
//! server on 127.0.0.1 whose `latest.json` is signed with a key this test makes (minisign, as
//! `tauri signer` does). A newer version is offered with its notes; a bad signature, a release
//! without this platform, an older version and a server that is down are refused or ignored
//! plainly and change nothing; the setting is honoured; one look a day.

#[path = "support/ipc.rs"]
mod ipc;

use std::io::Cursor;
use std::sync::Arc;

use base64::Engine;
use ipc::{backends, MockApp};
use purser_core::testing::MemoryStore;
use purser_lib::updates::{UpdateSource, Updater};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PACKAGE: &[u8] = b"!<arch>\nnot really a package, never installed by this test";

/// A signing key, as the release workflow's secret holds one.
struct Signer(minisign::KeyPair);

impl Signer {
    fn new() -> Self {
        Self(minisign::KeyPair::generate_unencrypted_keypair().unwrap())
    }

    /// The public key as Purser is built with it (base64 of minisign's key file).
    fn pubkey(&self) -> String {
        let text = self.0.pk.to_box().unwrap().to_string();
        base64::engine::general_purpose::STANDARD.encode(text)
    }

    /// `bytes` signed for `version`, as `latest.json` carries a signature.
    fn sign(&self, bytes: &[u8], version: &str) -> String {
        let trusted = format!("timestamp:1765000000\tfile:purser.deb\tversion:{version}");
        let signature = minisign::sign(
            Some(&self.0.pk),
            &self.0.sk,
            Cursor::new(bytes),
            Some(&trusted),
            Some("signature from tauri secret key"),
        )
        .unwrap();
        base64::engine::general_purpose::STANDARD.encode(signature.to_string())
    }
}

fn this_platform() -> String {
    format!("linux-{}", std::env::consts::ARCH)
}

fn release(server: &str, version: &str, platform: &str, signature: &str) -> Value {
    json!({
        "version": version,
        "notes": "Spanish report wording; the overview refreshes faster.",
        "pub_date": "2026-12-01T10:00:00Z",
        "platforms": { platform: { "url": format!("{server}/purser.deb"), "signature": signature } }
    })
}

struct World {
    runtime: tokio::runtime::Runtime,
    server: MockServer,
    app: MockApp,
    _root: tempfile::TempDir,
}

impl World {
    /// Purser with updates from a local server that answers `latest.json` with `release`
    /// (made from the server's address).
    fn new(signer: &Signer, release_of: impl FnOnce(&str) -> Value) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let server = runtime.block_on(MockServer::start());
        let body = release_of(&server.uri());
        runtime.block_on(async {
            Mock::given(method("GET"))
                .and(path("/latest.json"))
                .respond_with(ResponseTemplate::new(200).set_body_json(body))
                .mount(&server)
                .await;
            Mock::given(method("GET"))
                .and(path("/purser.deb"))
                .respond_with(ResponseTemplate::new(200).set_body_bytes(PACKAGE))
                .mount(&server)
                .await;
        });
        let endpoint = format!("{}/latest.json", server.uri()).parse().unwrap();
        let root = tempfile::tempdir().unwrap();
        let app = MockApp::launch(root.path(), backends(Arc::new(MemoryStore::default())));
        app.manage(Updater::new(Some(UpdateSource {
            endpoint,
            pubkey: signer.pubkey(),
        })));
        Self {
            runtime,
            server,
            app,
            _root: root,
        }
    }

    fn call(&self, command: &str) -> Value {
        self.app
            .invoke(command, json!({}))
            .unwrap_or_else(|e| panic!("{command}: {e}"))
    }

    fn requests(&self) -> Vec<String> {
        let received = self.runtime.block_on(self.server.received_requests());
        received
            .unwrap_or_default()
            .iter()
            .map(|r| r.url.path().to_string())
            .collect()
    }
}

#[test]
fn a_newer_signed_version_is_offered_with_its_notes_and_looked_for_once_a_day() {
    let signer = Signer::new();
    let signature = signer.sign(PACKAGE, "0.2.0");
    let world = World::new(&signer, |at| {
        release(at, "0.2.0", &this_platform(), &signature)
    });
    let before = world.call("update_status");
    assert_eq!(
        (&before["available"], &before["enabled"]),
        (&json!(true), &json!(true))
    );
    assert_eq!(
        before["last"],
        Value::Null,
        "nothing looked for at start-up"
    );
    assert!(world.requests().is_empty());

    let status = world.call("update_check");
    assert_eq!(status["last"]["kind"], "offered", "{status}");
    assert_eq!(status["last"]["version"], "0.2.0");
    assert_eq!(
        status["last"]["notes"],
        "Spanish report wording; the overview refreshes faster."
    );
    assert!(status["lastChecked"].is_string());
    assert_eq!(
        world.requests(),
        ["/latest.json"],
        "the look downloads nothing"
    );

    // The daily look does not ask again the same day.
    let state = world.app.state::<purser_core::Purser>();
    assert_eq!(
        state.update_due(true),
        purser_core::update::Due::NotYet,
        "one look a day"
    );
}

#[test]
fn a_download_that_does_not_match_its_signature_is_refused_and_nothing_is_installed() {
    let signer = Signer::new();
    // Signed by another key: what a tampered server would serve.
    let stranger = Signer::new().sign(PACKAGE, "0.2.0");
    let world = World::new(&signer, |at| {
        release(at, "0.2.0", &this_platform(), &stranger)
    });
    let offered = world.call("update_check");
    assert_eq!(offered["last"]["kind"], "offered", "{offered}");
    let status = world.call("update_install");
    assert_eq!(status["last"]["kind"], "badSignature", "{status}");
    assert_eq!(status["last"]["version"], "0.2.0");
    assert_eq!(world.requests(), ["/latest.json", "/purser.deb"]);
    // Nothing is on offer any more: a second OK installs nothing and downloads nothing.
    let again = world.call("update_install");
    assert_eq!(again["last"]["kind"], "badSignature");
    assert_eq!(world.requests().len(), 2);
}

#[test]
fn a_signature_made_for_another_version_is_refused() {
    let signer = Signer::new();
    // A genuine signature of an older release, announced as a newer version (a downgrade).
    let old = signer.sign(PACKAGE, "0.1.0");
    let world = World::new(&signer, |at| release(at, "0.2.0", &this_platform(), &old));
    world.call("update_check");
    let status = world.call("update_install");
    assert_eq!(status["last"]["kind"], "badSignature", "{status}");
}

#[test]
fn a_release_without_this_platform_an_older_one_and_a_server_down_are_quiet_lines() {
    let signer = Signer::new();
    let signature = signer.sign(PACKAGE, "0.2.0");
    let other = World::new(&signer, |at| {
        release(at, "0.2.0", "windows-x86_64", &signature)
    });
    let status = other.call("update_check");
    assert_eq!(status["last"]["kind"], "noBuildForThisComputer", "{status}");
    assert_eq!(
        other.call("update_install")["last"]["kind"],
        "noBuildForThisComputer"
    );
    assert_eq!(other.requests(), ["/latest.json"], "nothing downloaded");

    let older = World::new(&signer, |at| {
        release(at, "0.0.9", &this_platform(), &signature)
    });
    assert_eq!(older.call("update_check")["last"]["kind"], "upToDate");

    // A server that is down: an address nothing listens on any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let root = tempfile::tempdir().unwrap();
    let down = MockApp::launch(root.path(), backends(Arc::new(MemoryStore::default())));
    down.manage(Updater::new(Some(UpdateSource {
        endpoint: format!("http://127.0.0.1:{port}/latest.json")
            .parse()
            .unwrap(),
        pubkey: signer.pubkey(),
    })));
    let status = down.invoke("update_check", json!({})).unwrap();
    assert_eq!(status["last"]["kind"], "offline", "{status}");
}

#[test]
fn with_updates_turned_off_the_daily_look_asks_nothing_and_a_source_build_has_none() {
    let signer = Signer::new();
    let signature = signer.sign(PACKAGE, "0.2.0");
    let world = World::new(&signer, |at| {
        release(at, "0.2.0", &this_platform(), &signature)
    });
    world
        .app
        .invoke("update_settings", json!({"patch": {"checkUpdates": false}}))
        .unwrap();
    let state = world.app.state::<purser_core::Purser>();
    assert_eq!(state.update_due(true), purser_core::update::Due::Off);
    let status = world.call("update_status");
    assert_eq!(status["enabled"], false);
    assert!(world.requests().is_empty(), "no request while off");

    // A build without an update key (from source): unavailable, and "Check now" asks nothing.
    let root = tempfile::tempdir().unwrap();
    let source = MockApp::launch(root.path(), backends(Arc::new(MemoryStore::default())));
    let status = source.invoke("update_check", json!({})).unwrap();
    assert_eq!(
        (status["available"].clone(), status["last"].clone()),
        (json!(false), Value::Null)
    );
}
