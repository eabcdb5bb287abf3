//! "Whose AWS access is this?" — STS `GetCallerIdentity`, with keys from the keychain or an
//! existing AWS profile (`~/.aws/config`, SSO included) resolved through `aws-config`'s chain.

use std::borrow::Cow;
use std::time::Duration;

use aws_config::environment::region::EnvironmentVariableRegionProvider;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::{ProfileFileCredentialsProvider, ProfileFileRegionProvider};
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use serde::{Deserialize, Serialize};

use super::{CheckError, Secret};

/// Region used when neither Purser's settings nor the profile name one. STS answers
/// `GetCallerIdentity` in every region, and Cost Explorer lives in us-east-1.
pub const DEFAULT_REGION: &str = "us-east-1";

/// How long one AWS call may take, retries included.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(20);

/// Where the AWS credentials come from.
#[derive(Debug, Clone)]
pub enum AwsAccess {
    /// Keys kept in the OS keychain.
    Keys {
        access_key_id: Secret,
        secret_access_key: Secret,
        session_token: Option<Secret>,
    },
    /// A profile from the user's AWS config (static keys, SSO, assume-role, process…).
    Profile { name: String },
}

/// Which region and endpoint AWS calls go to.
#[derive(Debug, Clone, Default)]
pub struct AwsTarget {
    /// `None` = the profile's (or environment's) region, else [`DEFAULT_REGION`].
    pub region: Option<String>,
    /// `None` = AWS itself (or `AWS_ENDPOINT_URL` if set); tests point this at a local server.
    pub endpoint_url: Option<String>,
}

/// The answer to `GetCallerIdentity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsIdentity {
    pub account: String,
    pub arn: String,
}

/// An SDK configuration for these credentials and this target. Without an explicit endpoint,
/// `AWS_ENDPOINT_URL` (and the per-service variants) are honoured as usual.
pub async fn sdk_config(access: &AwsAccess, target: &AwsTarget) -> SdkConfig {
    let extra_ca = match ca_bundle(access).await {
        Some(path) => match std::fs::read(&path) {
            Ok(pem) => Some(pem),
            Err(error) => {
                // Told by the "certificate not trusted" a request then meets.
                tracing::warn!(%error, path = %path.display(), "the AWS CA bundle cannot be read");
                None
            }
        },
        None => None,
    };
    let http = https_client(extra_ca);
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http.clone())
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        );
    loader = match access {
        AwsAccess::Keys {
            access_key_id,
            secret_access_key,
            session_token,
        } => loader.credentials_provider(KeychainCredentials {
            access_key_id: access_key_id.clone(),
            secret_access_key: secret_access_key.clone(),
            session_token: session_token.clone(),
        }),
        // The profile's own credentials (keys, SSO, assume-role, process) and nothing else:
        // the default chain would end by probing EC2 instance metadata over the network.
        // Its providers (SSO, assume-role) make requests of their own: with Purser's client,
        // since the SDK's default one is not built in (it would bring a second TLS stack).
        AwsAccess::Profile { name } => loader.profile_name(name).credentials_provider(
            ProfileFileCredentialsProvider::builder()
                .configure(
                    &aws_config::provider_config::ProviderConfig::default()
                        .with_http_client(http.clone()),
                )
                .profile_name(name)
                .build(),
        ),
    };
    // The region comes from Purser's settings, the environment or the profile — never from
    // EC2 instance metadata, which a desktop has no business probing on the network.
    let profile = match access {
        AwsAccess::Profile { name } => Some(name.as_str()),
        AwsAccess::Keys { .. } => None,
    };
    loader = loader.region(region_chain(target.region.as_deref(), profile));
    if let Some(url) = &target.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// An SDK configuration for a workload in the cluster (the guard's job): the SDK's default
/// chain — environment keys, the web identity token IRSA mounts, the EKS Pod Identity agent,
/// the node's role — over Purser's HTTPS client; the region from the environment, else
/// [`DEFAULT_REGION`]. Never the desktop's keychain.
pub async fn workload_sdk_config() -> SdkConfig {
    // Not the SDK's default region chain: it ends at instance metadata, which needs a client
    // of its own; the pod's environment (set by IRSA and Pod Identity) says the region.
    let region = region_chain(None, None);
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client(None))
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .region(region)
        .load()
        .await
}

/// The SDK's HTTPS client on the TLS stack the rest of Purser uses (rustls with ring), so one
/// stack is linked, not three.
fn https_client(
    extra_ca: Option<Vec<u8>>,
) -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{
        rustls_provider::CryptoMode, Provider, TlsContext, TrustStore,
    };
    let builder =
        aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring));
    let Some(pem) = extra_ca else {
        return builder.build_https();
    };
    // The system's roots and the bundle's, as the AWS CLI trusts both.
    let trust = TrustStore::default().with_pem_certificate(pem);
    match TlsContext::builder().with_trust_store(trust).build() {
        Ok(context) => builder.tls_context(context).build_https(),
        Err(error) => {
            tracing::warn!(%error, "the AWS CA bundle is not usable; the system's roots only");
            aws_smithy_http_client::Builder::new()
                .tls_provider(Provider::Rustls(CryptoMode::Ring))
                .build_https()
        }
    }
}

/// The certificates to trust beside the system's for AWS, as the AWS CLI finds them: the file
/// `AWS_CA_BUNDLE` names, else the profile's `ca_bundle` (a TLS-inspecting proxy's CA).
pub async fn ca_bundle(access: &AwsAccess) -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("AWS_CA_BUNDLE").filter(|p| !p.is_empty()) {
        return Some(path.into());
    }
    let AwsAccess::Profile { name } = access else {
        return None;
    };
    let profiles = aws_config::profile::load(
        &aws_types::os_shim_internal::Fs::real(),
        &aws_types::os_shim_internal::Env::real(),
        &aws_runtime::env_config::file::EnvConfigFiles::default(),
        Some(name.clone().into()),
    )
    .await
    .ok()?;
    let path = profiles.get_profile(name)?.get("ca_bundle")?;
    Some(path.into())
}

/// Whether an error's text says a server's certificate was refused as untrusted (rustls:
/// "invalid peer certificate: UnknownIssuer"; a self-signed or expired one likewise).
pub fn untrusted_certificate(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.contains("invalid peer certificate")
        || lower.contains("unknownissuer")
        || lower.contains("unknown issuer")
        || lower.contains("certificate verify failed")
}

/// Keys from the keychain as an SDK credentials provider. The SDK's own `Credentials` print
/// the access key ID in `Debug`, and the SDK debug-prints its providers when tracing; this one
/// prints `<redacted>`.
#[derive(Clone)]
struct KeychainCredentials {
    access_key_id: Secret,
    secret_access_key: Secret,
    session_token: Option<Secret>,
}

impl std::fmt::Debug for KeychainCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeychainCredentials(<redacted>)")
    }
}

impl aws_credential_types::provider::ProvideCredentials for KeychainCredentials {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::ready(Ok(Credentials::new(
            self.access_key_id.expose(),
            self.secret_access_key.expose(),
            self.session_token.as_ref().map(|t| t.expose().to_string()),
            None,
            "purser-keychain",
        )))
    }
}

fn region_chain(explicit: Option<&str>, profile: Option<&str>) -> RegionProviderChain {
    let mut from_profile = ProfileFileRegionProvider::builder();
    if let Some(name) = profile {
        from_profile = from_profile.profile_name(name);
    }
    RegionProviderChain::first_try(explicit.map(|r| Region::new(r.to_string())))
        .or_else(EnvironmentVariableRegionProvider::new())
        .or_else(from_profile.build())
        .or_else(Region::new(DEFAULT_REGION))
}

/// A name for whose AWS access this is that is safe to write down: the profile's name, or a
/// hash of the access key ID (never the ID itself, which the screen shows only as its last
/// four characters).
pub fn account_name(access: &AwsAccess) -> String {
    use sha2::{Digest, Sha256};
    match access {
        AwsAccess::Profile { name } => format!("profile:{name}"),
        AwsAccess::Keys { access_key_id, .. } => {
            let digest = Sha256::digest(access_key_id.expose().as_bytes());
            let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
            format!("keys:{hex}")
        }
    }
}

/// A hash of every part of the credentials, to tell in memory whether they changed (a new
/// secret key under the same key ID included). Never stored, and printed as `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Fingerprint([u8; 32]);

impl std::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fingerprint(<redacted>)")
    }
}

pub fn fingerprint(access: &AwsAccess) -> Fingerprint {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    match access {
        AwsAccess::Profile { name } => {
            hash.update(b"profile\0");
            hash.update(name.as_bytes());
        }
        AwsAccess::Keys {
            access_key_id,
            secret_access_key,
            session_token,
        } => {
            for part in [
                Some(access_key_id),
                Some(secret_access_key),
                session_token.as_ref(),
            ] {
                hash.update(b"\0");
                hash.update(part.map(|p| p.expose().as_bytes()).unwrap_or_default());
            }
        }
    }
    Fingerprint(hash.finalize().into())
}

/// Asks STS who these credentials belong to.
pub async fn check_aws_access(
    access: &AwsAccess,
    target: &AwsTarget,
) -> Result<AwsIdentity, CheckError> {
    let config = sdk_config(access, target).await;
    let sts = aws_sdk_sts::Client::new(&config);
    let profile = match access {
        AwsAccess::Profile { name } => Some(name.as_str()),
        AwsAccess::Keys { .. } => None,
    };
    match sts.get_caller_identity().send().await {
        Ok(output) => Ok(AwsIdentity {
            account: output.account.unwrap_or_default(),
            arn: output.arn.unwrap_or_default(),
        }),
        Err(error) => Err(classify(error, profile)),
    }
}

/// Profile names from `~/.aws/config` and `~/.aws/credentials` (or `AWS_CONFIG_FILE` /
/// `AWS_SHARED_CREDENTIALS_FILE`), sorted. No files → an empty list.
pub async fn list_profiles() -> Vec<String> {
    let fs = aws_types::os_shim_internal::Fs::real();
    let env = aws_types::os_shim_internal::Env::real();
    let files = aws_runtime::env_config::file::EnvConfigFiles::default();
    match aws_config::profile::load(&fs, &env, &files, None::<Cow<'static, str>>).await {
        Ok(set) => {
            let mut names: Vec<String> = set.profiles().map(str::to_string).collect();
            names.sort();
            names
        }
        Err(error) => {
            tracing::warn!(error = %DisplayErrorContext(&error), "cannot read AWS profiles");
            Vec::new()
        }
    }
}

/// Classifies by error code first and by HTTP status as well: some servers (moto among them)
/// answer auth failures in a shape the SDK cannot read a code from.
pub(crate) fn classify<E, R>(error: SdkError<E, R>, profile: Option<&str>) -> CheckError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + HasStatus,
{
    let context = DisplayErrorContext(&error).to_string();
    let lower = context.to_lowercase();
    if let Some(profile) = profile {
        if lower.contains("sso") && (lower.contains("expired") || lower.contains("token")) {
            return CheckError::SsoExpired {
                profile: profile.to_string(),
            };
        }
        if lower.contains("profile") && (lower.contains("not") || lower.contains("missing")) {
            return CheckError::ProfileNotUsable {
                profile: profile.to_string(),
                reason: short(&context),
            };
        }
    }
    if untrusted_certificate(&context) {
        return CheckError::CertificateNotTrusted {
            service: "AWS",
            address: "the AWS endpoint".to_string(),
        };
    }
    match &error {
        SdkError::TimeoutError(_) => CheckError::Timeout {
            service: "AWS",
            seconds: OPERATION_TIMEOUT.as_secs(),
        },
        SdkError::DispatchFailure(failure) if failure.is_timeout() => CheckError::Timeout {
            service: "AWS",
            seconds: OPERATION_TIMEOUT.as_secs(),
        },
        SdkError::DispatchFailure(failure) if failure.is_io() => CheckError::Unreachable {
            service: "AWS",
            address: "the AWS endpoint".to_string(),
        },
        SdkError::ServiceError(service_error) => {
            let raw = service_error.raw();
            let code = service_error
                .err()
                .code()
                .map(str::to_string)
                .or_else(|| code_from_body(raw.body_bytes()));
            by_code_and_status(code.as_deref(), raw.status_code())
        }
        SdkError::ResponseError(response) => {
            let raw = response.raw();
            by_code_and_status(
                code_from_body(raw.body_bytes()).as_deref(),
                raw.status_code(),
            )
        }
        _ if lower.contains("credentials") => CheckError::NoCredentials {
            reason: short(&context),
        },
        _ => CheckError::Unexpected {
            service: "AWS",
            detail: short(&context),
        },
    }
}

pub(crate) fn by_code_and_status(code: Option<&str>, status: u16) -> CheckError {
    match code.unwrap_or_default() {
        "InvalidClientTokenId" | "UnrecognizedClientException" | "InvalidAccessKeyId" => {
            CheckError::UnknownAccessKey
        }
        "SignatureDoesNotMatch" | "IncompleteSignature" => CheckError::WrongSecret,
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" | "TokenRefreshRequired" => {
            CheckError::ExpiredToken
        }
        "AccessDenied" | "AccessDeniedException" => CheckError::Forbidden { service: "AWS" },
        "Throttling" | "ThrottlingException" | "TooManyRequestsException" => {
            CheckError::RateLimited { service: "AWS" }
        }
        _ => match status {
            401 | 403 => CheckError::Rejected,
            429 => CheckError::RateLimited { service: "AWS" },
            500..=599 => CheckError::ServerError {
                service: "AWS",
                status,
            },
            _ => CheckError::Unexpected {
                service: "AWS",
                detail: format!("HTTP {status}"),
            },
        },
    }
}

/// The error code from a raw error body the SDK could not parse: `<Code>X</Code>` in any XML
/// nesting (moto nests it in `<Errors>`), or `"__type": "…#X"` in JSON.
pub(crate) fn code_from_body(body: Option<&[u8]>) -> Option<String> {
    let text = std::str::from_utf8(body?).ok()?;
    if let Some(start) = text.find("<Code>") {
        let rest = &text[start + "<Code>".len()..];
        let end = rest.find("</Code>")?;
        return Some(rest[..end].trim().to_string());
    }
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    let kind = json.get("__type").or_else(|| json.get("code"))?.as_str()?;
    Some(kind.rsplit('#').next().unwrap_or(kind).to_string())
}

/// The HTTP status and body of a raw response, whichever response type the SDK hands back.
pub(crate) trait HasStatus {
    fn status_code(&self) -> u16;
    fn body_bytes(&self) -> Option<&[u8]>;
}

impl HasStatus for aws_smithy_runtime_api::http::Response {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
    fn body_bytes(&self) -> Option<&[u8]> {
        self.body().bytes()
    }
}

fn short(text: &str) -> String {
    text.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_win_over_status() {
        assert!(matches!(
            by_code_and_status(Some("InvalidClientTokenId"), 403),
            CheckError::UnknownAccessKey
        ));
        assert!(matches!(
            by_code_and_status(Some("SignatureDoesNotMatch"), 403),
            CheckError::WrongSecret
        ));
    }

    #[test]
    fn codes_are_found_in_bodies_the_sdk_could_not_read() {
        let moto = br#"<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code></Error></Errors></ErrorResponse>"#;
        assert_eq!(
            code_from_body(Some(moto)).as_deref(),
            Some("SignatureDoesNotMatch")
        );
        let json = br#"{"__type":"com.amazonaws.ce#DataUnavailableException","message":"x"}"#;
        assert_eq!(
            code_from_body(Some(json)).as_deref(),
            Some("DataUnavailableException")
        );
        assert_eq!(code_from_body(Some(b"<html>")), None);
        assert_eq!(code_from_body(None), None);
    }

    #[test]
    fn status_decides_when_there_is_no_code() {
        assert!(matches!(
            by_code_and_status(None, 403),
            CheckError::Rejected
        ));
        assert!(matches!(
            by_code_and_status(Some(""), 503),
            CheckError::ServerError { status: 503, .. }
        ));
    }
}
