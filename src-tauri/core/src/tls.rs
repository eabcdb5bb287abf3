//! One TLS stack for every connection Purser makes — Kubernetes, OpenAI, AWS: rustls with ring.
//! kube and reqwest (under async-openai) take rustls's process-wide provider, which must be
//! installed before their first client is built; the AWS SDK's client names ring itself.

/// Installs ring as the process's rustls provider (once; later calls change nothing).
pub fn use_ring() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
