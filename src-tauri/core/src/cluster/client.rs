//! kube clients for a context, with Purser's limits: a connect and a read timeout, at most
//! three tries on 429/503/504 (honouring `Retry-After` up to a cap), and exec plugins run by
//! [`super::exec_auth`] under a deadline.
//!
//! Two clients share one sign-in: one for actions (a read timeout bounds a cluster that stops
//! answering mid-request) and one for watches, which stay open for minutes without data and
//! are bounded by kube's watcher instead.

use std::sync::Arc;
use std::time::Duration;

use http::{Request, Response};
use kube::client::{Body, ClientBuilder};
use kube::config::{KubeConfigOptions, Kubeconfig};
use tower::buffer::BufferLayer;
use tower::retry::{Policy, RetryLayer};
use tower::BoxError;

use super::error::ClusterError;
use super::exec::ExecPlugin;
use super::exec_auth::{ExecAuth, ExecAuthLayer, ExecPluginCommand};

/// Requests that may wait for the connection pool at once (kube's own buffer holds 1024).
const BUFFER: usize = 1024;

/// Every limit Purser puts on talking to a cluster. Tests shorten them.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    /// How long one answer may take (actions only; watches are long-lived).
    pub read: Duration,
    /// How long one button may take in all, retries included, before the user is told the
    /// cluster is busy or slow.
    pub action: Duration,
    /// How long an exec plugin may run before it is killed.
    pub exec: Duration,
    /// Tries per request on 429, 503 and 504 (the first one included).
    pub tries: u32,
    /// The longest `Retry-After` Purser waits for between tries.
    pub retry_after_cap: Duration,
    /// How long a rollout may show no pod and no reason before Purser says nothing started.
    pub stalled_after: Duration,
    /// How long a keychain read for a call Purser makes by itself may take.
    pub keychain: Duration,
    /// How long OpenAI's part of the cost view may take before AWS's figures are shown
    /// without it (both are read at once).
    pub openai: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            read: Duration::from_secs(20),
            action: Duration::from_secs(30),
            exec: super::exec_auth::DEFAULT_EXEC_TIMEOUT,
            tries: 3,
            retry_after_cap: Duration::from_secs(5),
            stalled_after: Duration::from_secs(60),
            keychain: crate::secrets::credentials::KEYCHAIN_DEADLINE,
            openai: Duration::from_secs(20),
        }
    }
}

/// The clients of one context.
#[derive(Clone)]
pub struct Clients {
    pub actions: kube::Client,
    pub watches: kube::Client,
}

/// Builds both clients for `context`. The exec plugin, if any, must already point at an
/// absolute path ([`super::exec::resolve`]); Purser runs it, not kube.
pub async fn build(
    kubeconfig: Kubeconfig,
    context: &str,
    plugin: Option<&ExecPlugin>,
    timeouts: &Timeouts,
) -> Result<Clients, ClusterError> {
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        ..KubeConfigOptions::default()
    };
    let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| ClusterError::BadContext {
            context: context.into(),
            detail: e.to_string(),
        })?;
    let exec = config.auth_info.exec.take();
    let auth = match (exec, plugin) {
        (Some(exec), Some(plugin)) => {
            let command =
                ExecPluginCommand::from_config(&exec, plugin.name.clone(), plugin.fix.clone())
                    .ok_or_else(|| ClusterError::BadContext {
                        context: context.into(),
                        detail: "its exec section names no command".into(),
                    })?;
            Some(Arc::new(ExecAuth::new(command, timeouts.exec)))
        }
        (Some(_), None) => {
            return Err(ClusterError::BadContext {
                context: context.into(),
                detail: "its exec section names no command".into(),
            })
        }
        (None, _) => None,
    };
    config.connect_timeout = Some(timeouts.connect);
    // Purser's own retry policy below replaces kube's (15 tries, any `Retry-After`).
    config.default_retry = false;
    let server = config.cluster_url.to_string();
    let build = |config: kube::Config| -> Result<kube::Client, ClusterError> {
        // kube's stack is boxed (not `Clone`); the retry layer needs to call it again, so it
        // sits behind a buffer.
        let builder = ClientBuilder::try_from(config)
            .map_err(|e| ClusterError::from_kube(e, &server, ""))?
            .with_layer(&BufferLayer::new(BUFFER))
            .with_layer(&RetryLayer::new(BoundedRetry::new(timeouts)));
        Ok(match &auth {
            Some(auth) => builder.with_layer(&ExecAuthLayer(auth.clone())).build(),
            None => builder.build(),
        })
    };
    let watches = build(config.clone())?;
    config.read_timeout = Some(timeouts.read);
    config.reset_reader_on_write = true;
    let actions = build(config)?;
    Ok(Clients { actions, watches })
}

/// At most `tries` tries on 429, 503 and 504; waits `Retry-After` (capped) or a short back-off.
#[derive(Clone, Debug)]
pub struct BoundedRetry {
    tries_left: u32,
    delay: Duration,
    cap: Duration,
}

impl BoundedRetry {
    pub fn new(timeouts: &Timeouts) -> Self {
        Self {
            tries_left: timeouts.tries.saturating_sub(1),
            delay: Duration::from_millis(250),
            cap: timeouts.retry_after_cap,
        }
    }

    /// How long to wait before the next try, given the server's `Retry-After` (seconds).
    fn wait(&self, retry_after: Option<&str>) -> Duration {
        retry_after
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs)
            .unwrap_or(self.delay)
            .min(self.cap)
    }
}

impl<Res> Policy<Request<Body>, Response<Res>, BoxError> for BoundedRetry {
    type Future = tokio::time::Sleep;

    fn retry(
        &mut self,
        _request: &mut Request<Body>,
        result: &mut Result<Response<Res>, BoxError>,
    ) -> Option<Self::Future> {
        let Ok(response) = result else { return None };
        if !matches!(response.status().as_u16(), 429 | 503 | 504) || self.tries_left == 0 {
            return None;
        }
        self.tries_left -= 1;
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok());
        let wait = self.wait(retry_after);
        self.delay = (self.delay * 2).min(self.cap);
        Some(tokio::time::sleep(wait))
    }

    fn clone_request(&mut self, request: &Request<Body>) -> Option<Request<Body>> {
        let body = request.body().try_clone()?;
        let mut copy = Request::builder()
            .method(request.method().clone())
            .uri(request.uri().clone())
            .version(request.version())
            .body(body)
            .ok()?;
        *copy.headers_mut() = request.headers().clone();
        *copy.extensions_mut() = request.extensions().clone();
        Some(copy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let retry = BoundedRetry::new(&Timeouts::default());
        assert_eq!(retry.wait(Some("2")), Duration::from_secs(2));
        assert_eq!(retry.wait(Some("3600")), Duration::from_secs(5));
        assert_eq!(retry.wait(Some("soon")), Duration::from_millis(250));
        assert_eq!(retry.wait(None), Duration::from_millis(250));
    }
}
