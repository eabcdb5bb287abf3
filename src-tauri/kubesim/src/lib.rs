//! A Kubernetes API server that runs on 127.0.0.1 inside Purser: the `purser-sandbox` context
//! for people without a cluster, and the peer that the integration tests and benchmarks talk
//! to through the real `kube` client (and, to check its fidelity, through the real `kubectl`).
//!
//! It speaks HTTPS with its own certificate authority and checks a bearer token. It serves
//! discovery, namespaces, secrets, services, pods (and their logs), events, deployments (with
//! `scale` and `status`), replicasets, HPAs and self-subject access reviews: get, list, watch
//! (resumable by resourceVersion), create, update, merge/strategic/JSON patches, server-side
//! apply with field managers and conflicts, dry-run and delete. A small controller plays
//! the cluster (see `controller`). Fault switches live in [`Faults`].
//!
//! It is a simulation: one node, no admission webhooks, no OpenAPI schemas, no RBAC beyond
//! the fault switches, nothing persisted.

mod api;
mod controller;
pub mod discovery;
mod faults;
pub mod fields;
pub mod quantity;
mod rbac;
mod selector;
mod store;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use base64::Engine;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpSocket;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

pub use faults::{Faults, PodRefusal};

/// The user name the simulated server reports in "forbidden" messages.
pub const SIM_USER: &str = "purser-sandbox-user";

/// What happens when the simulated kubelet starts a container with a given image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageOutcome {
    Runs,
    PullFails,
    Crashes,
}

/// The sandbox's rule, shown to users next to the sandbox: an image whose reference contains
/// `does-not-exist` cannot be pulled; one containing `crashloop` starts and crashes.
pub fn default_image_outcome(image: &str) -> ImageOutcome {
    if image.contains("does-not-exist") {
        ImageOutcome::PullFails
    } else if image.contains("crashloop") {
        ImageOutcome::Crashes
    } else {
        ImageOutcome::Runs
    }
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    /// How long a scheduled pod takes to "pull" its image and start.
    pub ready_after: Duration,
    pub image_outcome: fn(&str) -> ImageOutcome,
    /// Whether the cluster has its one node (`false`: no pod can be scheduled anywhere).
    pub has_node: bool,
    /// The one node's allocatable CPU (cores) and memory (bytes).
    pub node_cpu: f64,
    pub node_memory: f64,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            ready_after: Duration::from_millis(800),
            image_outcome: default_image_outcome,
            has_node: true,
            node_cpu: 4.0,
            node_memory: 8.0 * 1024f64.powi(3),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("could not create the sandbox's certificate: {0}")]
    Certificate(String),
    #[error("could not listen on 127.0.0.1: {0}")]
    Listen(#[source] std::io::Error),
    #[error("the operating system gave no random bytes for the sandbox's token: {0}")]
    Random(String),
}

pub(crate) struct Cluster {
    pub store: store::Store,
    pub controller: controller::ControllerState,
}

pub(crate) struct Shared {
    cluster: Mutex<Cluster>,
    pub faults: Faults,
    pub config: SimConfig,
    pub wake: Notify,
    pub token: String,
    /// Tokens issued for service accounts, whose requests RBAC decides.
    pub(crate) accounts: Mutex<Vec<rbac::Issued>>,
    kill: watch::Sender<u64>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Cluster> {
        self.cluster
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn kill(&self) {
        self.kill.send_modify(|generation| *generation += 1);
    }

    pub(crate) fn kill_signal(&self) -> watch::Receiver<u64> {
        self.kill.subscribe()
    }
}

/// A running simulated API server. Dropping it stops it.
pub struct KubeSim {
    shared: Arc<Shared>,
    addr: SocketAddr,
    ca_pem: String,
    acceptor: TlsAcceptor,
    controller: JoinHandle<()>,
}

impl std::fmt::Debug for KubeSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeSim")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl KubeSim {
    /// Starts a server on a free port of 127.0.0.1. Must be called inside a tokio runtime.
    pub async fn start(config: SimConfig) -> Result<Self, SimError> {
        let (ca_pem, server_config) = certificates()?;
        let token = random_token()?;
        let shared = Arc::new(Shared {
            cluster: Mutex::new(Cluster {
                store: store::Store::new(),
                controller: controller::ControllerState::default(),
            }),
            faults: Faults::default(),
            config,
            wake: Notify::new(),
            token,
            accounts: Mutex::new(Vec::new()),
            kill: watch::Sender::new(0),
        });
        let acceptor = TlsAcceptor::from(Arc::new(server_config));
        let listener = listen("127.0.0.1:0".parse().expect("static address"))?;
        let addr = listener.local_addr().map_err(SimError::Listen)?;
        tokio::spawn(accept_loop(listener, acceptor.clone(), shared.clone()));
        let controller = tokio::spawn(run_controller(shared.clone()));
        Ok(Self {
            shared,
            addr,
            ca_pem,
            acceptor,
            controller,
        })
    }

    /// `https://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// PEM of the certificate authority that signed the server's certificate.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The bearer token the server accepts. Not a user secret: it only opens this process's
    /// simulation, and changes every start.
    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// A token for the service account `name` in `namespace`, as the TokenRequest API issues
    /// one to a pod: its requests are allowed only as the Roles bound to the account allow.
    pub fn service_account_token(&self, namespace: &str, name: &str) -> Result<String, SimError> {
        let token = random_token()?;
        lock_accounts(&self.shared.accounts).push(rbac::Issued {
            token: token.clone(),
            namespace: namespace.into(),
            name: name.into(),
            requests: 0,
        });
        Ok(token)
    }

    /// The requests made with the tokens of service account `name` in `namespace`.
    pub fn requests_by(&self, namespace: &str, name: &str) -> u64 {
        lock_accounts(&self.shared.accounts)
            .iter()
            .filter(|a| a.namespace == namespace && a.name == name)
            .map(|a| a.requests)
            .sum()
    }

    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// A kubeconfig (YAML) with one context for this server.
    pub fn kubeconfig(&self, context: &str, namespace: &str) -> String {
        let ca = base64::engine::general_purpose::STANDARD.encode(self.ca_pem.as_bytes());
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: {context}\nclusters:\n- name: {context}\n  \
             cluster:\n    server: {url}\n    certificate-authority-data: {ca}\nusers:\n- name: {context}\n  \
             user:\n    token: {token}\ncontexts:\n- name: {context}\n  context:\n    cluster: {context}\n    \
             user: {context}\n    namespace: {namespace}\n",
            url = self.url(),
            token = self.shared.token,
        )
    }

    /// Stops serving at once: open connections are cut and the port is closed. Objects are
    /// kept, so [`Self::revive`] continues where the cluster was.
    pub fn kill(&self) {
        self.shared.kill();
    }

    /// Serves again on the same port after [`Self::kill`].
    pub async fn revive(&self) -> Result<(), SimError> {
        let listener = listen(self.addr)?;
        tokio::spawn(accept_loop(
            listener,
            self.acceptor.clone(),
            self.shared.clone(),
        ));
        Ok(())
    }
}

impl Drop for KubeSim {
    fn drop(&mut self) {
        self.shared.kill();
        self.controller.abort();
    }
}

fn listen(addr: SocketAddr) -> Result<tokio::net::TcpListener, SimError> {
    let socket = TcpSocket::new_v4().map_err(SimError::Listen)?;
    socket.set_reuseaddr(true).map_err(SimError::Listen)?;
    socket.bind(addr).map_err(SimError::Listen)?;
    socket.listen(128).map_err(SimError::Listen)
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    acceptor: TlsAcceptor,
    shared: Arc<Shared>,
) {
    let mut killed = shared.kill_signal();
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(_) => continue,
            },
            _ = killed.changed() => return,
        };
        let acceptor = acceptor.clone();
        let shared = shared.clone();
        let mut killed = shared.kill_signal();
        tokio::spawn(async move {
            let serve = async {
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let service =
                    hyper::service::service_fn(move |request| api::handle(shared.clone(), request));
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            };
            tokio::select! {
                _ = serve => {}
                _ = killed.changed() => {}
            }
        });
    }
}

async fn run_controller(shared: Arc<Shared>) {
    loop {
        let next = {
            let mut cluster = shared.lock();
            let Cluster { store, controller } = &mut *cluster;
            let refusal = shared.faults.pod_refusal();
            controller::reconcile(store, controller, &shared.config, refusal.as_ref())
        };
        let sleep = match next {
            Some(at) => tokio::time::sleep_until(at.into()),
            None => tokio::time::sleep(Duration::from_secs(3600)),
        };
        tokio::select! {
            _ = shared.wake.notified() => {}
            _ = sleep => {}
        }
    }
}

/// A fresh CA (as PEM) and a server configuration whose certificate, for 127.0.0.1 and
/// localhost, it signed. The tests' TLS fronts for other local servers use it too.
pub fn certificates() -> Result<(String, rustls::ServerConfig), SimError> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };
    let fail = |e: rcgen::Error| SimError::Certificate(e.to_string());
    let ca_key = KeyPair::generate().map_err(fail)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Purser sandbox CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(fail)?;
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().map_err(fail)?;
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .map_err(fail)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "purser-sandbox");
    let server_cert = params.signed_by(&server_key, &issuer).map_err(fail)?;
    let key_der = rustls::pki_types::PrivateKeyDer::try_from(server_key.serialize_der())
        .map_err(|e| SimError::Certificate(e.to_string()))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| SimError::Certificate(e.to_string()))?
    .with_no_client_auth()
    .with_single_cert(vec![server_cert.der().clone()], key_der)
    .map_err(|e| SimError::Certificate(e.to_string()))?;
    Ok((ca_cert.pem(), config))
}

/// The issued service-account tokens (a poisoned lock still holds them).
pub(crate) fn lock_accounts(
    accounts: &Mutex<Vec<rbac::Issued>>,
) -> MutexGuard<'_, Vec<rbac::Issued>> {
    accounts
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// 32 bytes from the operating system's random source, as hex: another local user cannot
/// guess it (it is only ever in this process and in kubeconfigs Purser hands to its clients).
fn random_token() -> Result<String, SimError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| SimError::Random(e.to_string()))?;
    Ok(format!(
        "sim-{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ))
}

/// Now, as Kubernetes writes times (RFC 3339, seconds, UTC).
pub(crate) fn now_rfc3339() -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}
