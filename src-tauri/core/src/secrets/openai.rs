//! "Does this OpenAI key work?" — lists models through `async-openai`.

use std::time::Duration;

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;

use super::{CheckError, Secret};

/// The public OpenAI API. Gateways that speak the same API (Azure front doors, LiteLLM, …)
/// are configured with their own address.
pub const DEFAULT_OPENAI_BASE_URL: &str = "https://api.openai.com/v1";

/// How long a check may take in all, retries on 429/5xx included, before the user is told.
pub const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(20);

/// Where and how long to check.
#[derive(Debug, Clone)]
pub struct OpenAiEndpoint {
    pub base_url: String,
    pub timeout: Duration,
}

impl Default for OpenAiEndpoint {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_OPENAI_BASE_URL.to_string(),
            timeout: DEFAULT_CHECK_TIMEOUT,
        }
    }
}

/// Lists the models the key can see; returns how many.
pub async fn check_openai_key(
    endpoint: &OpenAiEndpoint,
    key: &Secret,
) -> Result<usize, CheckError> {
    let base_url = normalise_base_url(&endpoint.base_url)?;
    let client = client(&base_url, key);
    // async-openai retries 429 and 5xx itself (honouring Retry-After); the deadline bounds the
    // whole exchange so the user is never left waiting.
    match tokio::time::timeout(endpoint.timeout, client.models().list()).await {
        Err(_) => Err(CheckError::Timeout {
            service: "OpenAI",
            seconds: endpoint.timeout.as_secs(),
        }),
        Ok(Ok(list)) => Ok(list.data.len()),
        Ok(Err(error)) => Err(classify(error, &base_url, endpoint.timeout)),
    }
}

/// An OpenAI client for `base_url` (already normalised) with `key`. A gateway on this
/// computer is reached directly: with `HTTPS_PROXY` set, reqwest would otherwise send even an
/// `http://localhost` request, key and all, through the proxy in clear.
pub(crate) fn client(base_url: &str, key: &Secret) -> async_openai::Client<OpenAIConfig> {
    crate::tls::use_ring();
    let config = OpenAIConfig::new()
        .with_api_base(base_url)
        .with_api_key(key.expose());
    let loopback = base_url
        .split_once("://")
        .map(|(_, rest)| rest.split('/').next().unwrap_or_default())
        .is_some_and(is_loopback);
    let builder = reqwest::Client::builder();
    let builder = if loopback {
        builder.no_proxy()
    } else {
        builder
    };
    match builder.build() {
        Ok(http) => async_openai::Client::with_config(config).with_http_client(http),
        // A client that cannot be built here could not be built by async-openai either.
        Err(error) => {
            tracing::warn!(%error, "OpenAI HTTP client not built; using async-openai's own");
            async_openai::Client::with_config(config)
        }
    }
}

/// Whether reqwest refused the server's certificate (its source chain says so).
fn untrusted(error: &reqwest::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(inner) = current {
        if super::aws::untrusted_certificate(&inner.to_string()) {
            return true;
        }
        current = inner.source();
    }
    false
}

/// Accepts `https://host/v1`, with or without a trailing slash; refuses what is not http(s),
/// plain http beyond this computer, and an address carrying a user name or password (it would
/// travel, and be logged, with every request).
pub fn normalise_base_url(raw: &str) -> Result<String, CheckError> {
    let trimmed = raw.trim().trim_end_matches('/');
    let bad = || CheckError::BadAddress {
        address: trimmed.chars().take(80).collect(),
    };
    let (rest, plain) = match trimmed.strip_prefix("https://") {
        Some(rest) => (rest, false),
        None => (trimmed.strip_prefix("http://").ok_or_else(bad)?, true),
    };
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    if let Some((_, after)) = host.rsplit_once('@') {
        // Never echo what came before the @: it is a password.
        return Err(CheckError::CredentialsInAddress {
            host: after.chars().take(80).collect(),
        });
    }
    // The key travels in a header: without TLS only to a gateway on this very computer.
    if plain && !is_loopback(host) {
        return Err(CheckError::PlainHttp {
            address: trimmed.chars().take(80).collect(),
        });
    }
    Ok(trimmed.to_string())
}

/// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
fn is_loopback(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// An error from the administration API: a 403 there means the key is not an admin key
/// with the read access needed.
pub(crate) fn admin_error(error: OpenAIError, base_url: &str, timeout: Duration) -> CheckError {
    match classify(error, base_url, timeout) {
        CheckError::Forbidden { .. } => CheckError::NotAdminKey,
        other => other,
    }
}

/// OpenAI's own messages for a bad key quote part of the key, so they are never passed on;
/// the outcome is decided from the status and the error code alone.
pub(crate) fn classify(error: OpenAIError, base_url: &str, timeout: Duration) -> CheckError {
    match error {
        OpenAIError::ApiError(response) => {
            let status = response.status_code.as_u16();
            let code = response.api_error.code.as_deref().unwrap_or_default();
            let kind = response.api_error.r#type.as_deref().unwrap_or_default();
            match status {
                401 => CheckError::InvalidKey { service: "OpenAI" },
                403 => CheckError::Forbidden { service: "OpenAI" },
                404 => CheckError::NotThatService {
                    service: "OpenAI",
                    address: base_url.to_string(),
                },
                429 if kind == "insufficient_quota" || code == "insufficient_quota" => {
                    CheckError::NoQuota
                }
                429 => CheckError::RateLimited { service: "OpenAI" },
                500..=599 => CheckError::ServerError {
                    service: "OpenAI",
                    status,
                },
                _ => CheckError::Unexpected {
                    service: "OpenAI",
                    detail: format!("HTTP {status}"),
                },
            }
        }
        OpenAIError::Reqwest(error) if error.is_timeout() => CheckError::Timeout {
            service: "OpenAI",
            seconds: timeout.as_secs(),
        },
        OpenAIError::Reqwest(error) if untrusted(&error) => CheckError::CertificateNotTrusted {
            service: "OpenAI",
            address: base_url.to_string(),
        },
        OpenAIError::Reqwest(error) => {
            // reqwest's own text names the host and the cause, never the Authorization header.
            if let Some(status) = error.status() {
                return match status.as_u16() {
                    401 => CheckError::InvalidKey { service: "OpenAI" },
                    s @ 500..=599 => CheckError::ServerError {
                        service: "OpenAI",
                        status: s,
                    },
                    s => CheckError::Unexpected {
                        service: "OpenAI",
                        detail: format!("HTTP {s}"),
                    },
                };
            }
            CheckError::Unreachable {
                service: "OpenAI",
                address: base_url.to_string(),
            }
        }
        OpenAIError::JSONDeserialize(..) => CheckError::NotThatService {
            service: "OpenAI",
            address: base_url.to_string(),
        },
        other => CheckError::Unexpected {
            service: "OpenAI",
            detail: other.to_string().chars().take(200).collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalised_or_refused() {
        assert_eq!(
            normalise_base_url(" https://api.openai.com/v1/ ").unwrap(),
            "https://api.openai.com/v1"
        );
        assert_eq!(
            normalise_base_url("http://127.0.0.1:8080/v1").unwrap(),
            "http://127.0.0.1:8080/v1"
        );
        for bad in [
            "",
            "api.openai.com",
            "ftp://x/v1",
            "https://",
            "https://a b/v1",
        ] {
            assert!(normalise_base_url(bad).is_err(), "{bad:?}");
        }
        for local in [
            "http://localhost:4000/v1",
            "http://127.0.0.2/v1",
            "http://[::1]:8080/v1",
        ] {
            assert!(normalise_base_url(local).is_ok(), "{local}");
        }
        for remote in [
            "http://api.openai.com/v1",
            "http://10.0.0.5:4000/v1",
            "http://localhost.evil.example/v1",
            "http://127.0.0.1.nip.io/v1",
        ] {
            assert!(
                matches!(
                    normalise_base_url(remote),
                    Err(CheckError::PlainHttp { .. })
                ),
                "{remote}"
            );
        }
        // A user name or password in the address is refused, and never echoed back.
        for with_password in [
            "https://me:hunter2-secret@gateway.example/v1",
            "http://me:hunter2-secret@127.0.0.1:4000/v1",
        ] {
            let refused = normalise_base_url(with_password).unwrap_err();
            let CheckError::CredentialsInAddress { host } = &refused else {
                panic!("{with_password}: {refused:?}");
            };
            assert!(!host.contains("hunter2"), "{host}");
            assert!(!format!("{refused} {refused:?}").contains("hunter2"));
        }
    }
}
