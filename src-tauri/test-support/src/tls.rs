//! HTTPS in front of a local plain-HTTP server (moto, a wiremock server), with a certificate
//! for localhost and 127.0.0.1 signed by a CA made for the test: so the TLS clients Purser
//! ships (the AWS SDK's rustls client, reqwest's platform verifier) run in tests, and a wrong
//! or missing CA can be shown to be refused.

use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// A TLS front; stops when dropped.
pub struct TlsFront {
    /// `https://localhost:<port>`.
    pub url: String,
    /// The CA that signed the front's certificate, as PEM.
    pub ca_pem: String,
    task: JoinHandle<()>,
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// HTTPS on a free port, forwarding each connection to `upstream` (`http://127.0.0.1:port`).
pub async fn front(upstream: &str) -> TlsFront {
    let (ca_pem, config) = purser_kubesim::certificates().expect("test certificates");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    let upstream = upstream
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let task = tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, upstream) = (acceptor.clone(), upstream.clone());
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake: nothing to forward.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                if let Ok(mut plain) = TcpStream::connect(&upstream).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                }
            });
        }
    });
    TlsFront {
        url: format!("https://localhost:{port}"),
        ca_pem,
        task,
    }
}

/// A CA that signed nothing the fronts serve: trusting it must not be enough.
pub fn unrelated_ca() -> String {
    purser_kubesim::certificates().expect("test certificates").0
}
