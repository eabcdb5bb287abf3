//! Secrets: the redacting [`Secret`] type, input validation, the [`SecretStore`] trait with its
//! OS-keychain implementation, and the checks that prove a key works (OpenAI, AWS STS).
//!
//! Secrets go from the UI into the keychain and from the keychain into an HTTP request — never
//! back to the UI, into a file, a log line or an error message.

mod aws;
pub mod credentials;
/// AWS error classification shared with the cost module.
pub(crate) mod aws_errors {
    pub(crate) use super::aws::{classify, code_from_body, HasStatus};
}
mod keychain;
mod kind;
pub mod messages;
mod openai;
mod openai_admin;
mod secret;

pub use aws::{
    account_name, check_aws_access, fingerprint, list_profiles, sdk_config, workload_sdk_config,
    AwsAccess, AwsIdentity, AwsTarget, Fingerprint, DEFAULT_REGION,
};
pub use aws::{ca_bundle, untrusted_certificate};
pub use keychain::{KeychainStore, SERVICE};
pub use kind::{validate, InputProblem, SecretKind};
pub(crate) use openai::{admin_error, classify as classify_openai, client as openai_client};
pub use openai::{check_openai_key, normalise_base_url, OpenAiEndpoint, DEFAULT_OPENAI_BASE_URL};
pub use openai_admin::check_openai_admin_key;
pub use secret::Secret;

/// Where secrets are kept. Implementations block; call them off the async runtime.
pub trait SecretStore: Send + Sync + std::fmt::Debug {
    /// The stored value, or `None` when nothing is stored (not an error).
    fn get(&self, kind: SecretKind) -> Result<Option<Secret>, SecretError>;
    /// Stores or replaces the value.
    fn set(&self, kind: SecretKind, secret: &Secret) -> Result<(), SecretError>;
    /// Removes the value; `false` when there was none.
    fn delete(&self, kind: SecretKind) -> Result<bool, SecretError>;
}

/// What can go wrong keeping a secret. No variant ever holds a secret value.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SecretError {
    #[error("The {} {problem}", kind.label())]
    InvalidInput {
        kind: SecretKind,
        problem: InputProblem,
    },
    #[error("No keychain is available to keep secrets in ({reason})")]
    KeychainUnavailable { reason: String },
    #[error("The keychain is locked or Purser was not allowed to use it ({reason})")]
    KeychainLocked { reason: String },
    #[error("The keychain could not complete the request ({reason})")]
    KeychainFailed { reason: String },
    /// The keychain did not answer in time (a prompt nobody sees, a stuck daemon).
    #[error("The keychain did not answer within {seconds} seconds")]
    KeychainSlow { seconds: u64 },
}

/// Why a key check did not succeed, in terms a user can act on. Never holds a secret, and never
/// passes on a server's message text (OpenAI's "incorrect API key" message quotes the key).
#[derive(Debug, Clone, thiserror::Error)]
pub enum CheckError {
    #[error("{service} did not accept the key")]
    InvalidKey { service: &'static str },
    #[error("{service} accepted the key but refused access to this request")]
    Forbidden { service: &'static str },
    #[error("The server at {address} answered, but not like the {service} API")]
    NotThatService {
        service: &'static str,
        address: String,
    },
    #[error("OpenAI accepted the key, but the account has no credit left")]
    NoQuota,
    #[error("This is a project key (sk-proj-…), which cannot read the organisation's costs")]
    ProjectKeyNotAdmin,
    #[error("OpenAI accepted the key, but it cannot read the organisation's costs")]
    NotAdminKey,
    #[error("{service} is rate-limiting requests right now")]
    RateLimited { service: &'static str },
    #[error("{service} had a server error (HTTP {status})")]
    ServerError { service: &'static str, status: u16 },
    #[error("{service} did not answer within {seconds} seconds")]
    Timeout { service: &'static str, seconds: u64 },
    #[error("Could not reach {service} at {address}")]
    Unreachable {
        service: &'static str,
        address: String,
    },
    #[error("\"{address}\" is not a web address (it should look like https://api.openai.com/v1)")]
    BadAddress { address: String },
    #[error("\"{address}\" is not encrypted (http://): the key would cross the network readable by anyone on the way")]
    PlainHttp { address: String },
    /// The server's certificate is not signed by a certificate authority this computer
    /// trusts (a TLS-inspecting proxy whose CA is not given, or a wrong CA bundle).
    #[error("{service}'s certificate at {address} is not signed by a certificate authority this computer trusts")]
    CertificateNotTrusted {
        service: &'static str,
        address: String,
    },
    /// A user name or password in the address (`https://user:pass@host`).
    #[error("the address for {host} holds a user name or password, which would travel with every request")]
    CredentialsInAddress { host: String },
    #[error("AWS does not know this access key ID")]
    UnknownAccessKey,
    #[error("AWS knows the access key ID, but the secret access key does not match it")]
    WrongSecret,
    #[error("AWS refused the credentials (unknown access key or wrong secret)")]
    Rejected,
    #[error("These temporary AWS credentials have expired")]
    ExpiredToken,
    #[error("The AWS SSO session of profile \"{profile}\" has expired")]
    SsoExpired { profile: String },
    #[error("The AWS profile \"{profile}\" cannot be used: {reason}")]
    ProfileNotUsable { profile: String, reason: String },
    #[error("No AWS credentials could be found: {reason}")]
    NoCredentials { reason: String },
    #[error("No AWS profile is chosen")]
    NoProfileChosen,
    #[error("The {} is not stored yet", .0.label())]
    NotStored(SecretKind),
    #[error(transparent)]
    Keychain(#[from] SecretError),
    #[error("{service} check failed unexpectedly: {detail}")]
    Unexpected {
        service: &'static str,
        detail: String,
    },
}

impl CheckError {
    /// A stable identifier the UI branches on.
    pub fn code(&self) -> &'static str {
        match self {
            CheckError::InvalidKey { .. } => "invalid_key",
            CheckError::Forbidden { .. } => "forbidden",
            CheckError::NotThatService { .. } => "not_that_service",
            CheckError::NoQuota => "no_quota",
            CheckError::ProjectKeyNotAdmin => "openai_project_key",
            CheckError::NotAdminKey => "openai_not_admin",
            CheckError::RateLimited { .. } => "rate_limited",
            CheckError::ServerError { .. } => "server_error",
            CheckError::Timeout { .. } => "timeout",
            CheckError::Unreachable { .. } => "no_network",
            CheckError::BadAddress { .. } => "bad_address",
            CheckError::PlainHttp { .. } => "plain_http",
            CheckError::CredentialsInAddress { .. } => "address_credentials",
            CheckError::CertificateNotTrusted { .. } => "certificate_not_trusted",
            CheckError::UnknownAccessKey => "aws_unknown_access_key",
            CheckError::WrongSecret => "aws_wrong_secret",
            CheckError::Rejected => "aws_rejected",
            CheckError::ExpiredToken => "aws_expired_token",
            CheckError::SsoExpired { .. } => "aws_sso_expired",
            CheckError::ProfileNotUsable { .. } => "aws_profile_not_usable",
            CheckError::NoCredentials { .. } => "aws_no_credentials",
            CheckError::NoProfileChosen => "aws_no_profile",
            CheckError::NotStored(_) => "not_stored",
            CheckError::Keychain(error) => error.code(),
            CheckError::Unexpected { .. } => "unexpected",
        }
    }
}

impl SecretError {
    /// A stable identifier the UI branches on.
    pub fn code(&self) -> &'static str {
        match self {
            SecretError::InvalidInput { .. } => "invalid_input",
            SecretError::KeychainUnavailable { .. } => "keychain_unavailable",
            SecretError::KeychainLocked { .. } => "keychain_locked",
            SecretError::KeychainFailed { .. } => "keychain_failed",
            SecretError::KeychainSlow { .. } => "keychain_slow",
        }
    }
}
