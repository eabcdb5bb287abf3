//! A real moto server (AWS protocol) on 127.0.0.1 for one test, stopped when dropped.
//! Installed by `scripts/test.sh` into `~/.cache/purser-venv`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Moto {
    pub url: String,
    child: Child,
}

impl Moto {
    pub fn start() -> Moto {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new(moto_server())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("could not start moto_server ({e}); ./scripts/test.sh installs it")
            });
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Moto {
            url: format!("http://127.0.0.1:{port}"),
            child,
        }
    }

    /// POSTs to one of moto's control endpoints (`/moto-api/...`).
    pub async fn control(&self, path: &str, body: &str) {
        let response = http_client()
            .post(format!("{}{path}", self.url))
            .body(body.to_string())
            .send()
            .await
            .expect("moto control request");
        assert!(
            response.status().is_success(),
            "moto {path}: {}",
            response.status()
        );
    }

    /// POSTs JSON to one of moto's control endpoints.
    pub async fn control_json(&self, path: &str, body: &serde_json::Value) {
        self.control(path, &body.to_string()).await;
    }

    /// Calls an AWS Query-protocol API (IAM, STS) unsigned, as moto allows while its IAM checks
    /// are off; returns the XML body.
    pub async fn query(&self, params: &[(&str, &str)]) -> String {
        self.query_service("iam", params).await
    }

    /// The same for `service` (`iam`, `sts`): moto routes a request by its signature's scope.
    pub async fn query_service(&self, service: &str, params: &[(&str, &str)]) -> String {
        let response = http_client()
            .post(&self.url)
            .header(
                "Authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential=test-admin/20260101/us-east-1/{service}/aws4_request, \
                     SignedHeaders=host, Signature=0"
                ),
            )
            .form(params)
            .send()
            .await
            .expect("moto query");
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "moto {params:?}: {status} {body}");
        body
    }

    /// Creates an IAM user with an access key; returns (access key ID, secret access key).
    pub async fn create_user_with_key(&self, user: &str) -> (String, String) {
        self.query(&[
            ("Action", "CreateUser"),
            ("UserName", user),
            ("Version", "2010-05-08"),
        ])
        .await;
        let xml = self
            .query(&[
                ("Action", "CreateAccessKey"),
                ("UserName", user),
                ("Version", "2010-05-08"),
            ])
            .await;
        (
            xml_value(&xml, "AccessKeyId"),
            xml_value(&xml, "SecretAccessKey"),
        )
    }
}

/// The text of the first `<tag>…</tag>` in `xml`.
pub fn xml_value(xml: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no <{tag}> in {xml}"))
        + open.len();
    let end = xml[start..].find(&close).expect("closing tag") + start;
    xml[start..end].to_string()
}

fn moto_server() -> PathBuf {
    if let Some(path) = std::env::var_os("PURSER_MOTO_SERVER") {
        return path.into();
    }
    let venv = std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".cache/purser-venv/bin/moto_server"))
        .filter(|path| path.exists());
    venv.unwrap_or_else(|| "moto_server".into())
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP client for moto's control endpoints. reqwest is built without a default TLS
/// provider (Purser installs ring for the process), and a client needs one even for http://.
fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
