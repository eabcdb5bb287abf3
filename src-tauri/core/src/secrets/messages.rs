//! Keychain and check errors as the window shows them: a code, the values it names, and what
//! to do. The secret itself is never among the values.

use super::{CheckError, InputProblem, SecretError};
use crate::error::AppError;

/// What to do about a missing keychain, where the user is.
fn keychain_unavailable_hint() -> &'static str {
    if cfg!(target_os = "linux") {
        "keychain_unavailable_linux"
    } else if cfg!(target_os = "macos") {
        "keychain_unavailable_macos"
    } else {
        "keychain_unavailable_windows"
    }
}

/// How to unlock the keychain, where the user is.
fn keychain_locked_hint() -> &'static str {
    if cfg!(target_os = "linux") {
        "keychain_locked_linux"
    } else if cfg!(target_os = "macos") {
        "keychain_locked_macos"
    } else {
        "keychain_locked_windows"
    }
}

impl From<SecretError> for AppError {
    fn from(error: SecretError) -> Self {
        let message = error.to_string();
        match error {
            SecretError::InvalidInput { kind, problem } => {
                let error = AppError::hinted(problem.code(), "secret_paste_again", message)
                    .with("secret", kind.account());
                match problem {
                    InputProblem::TooShort(min) => error.with("min", min),
                    InputProblem::TooLong(length, max) => {
                        error.with("length", length).with("max", max)
                    }
                    _ => error,
                }
            }
            SecretError::KeychainUnavailable { reason } => {
                AppError::hinted("keychain_unavailable", keychain_unavailable_hint(), message)
                    .with("reason", reason)
            }
            SecretError::KeychainLocked { reason } => {
                AppError::hinted("keychain_locked", keychain_locked_hint(), message)
                    .with("reason", reason)
            }
            SecretError::KeychainFailed { reason } => {
                AppError::new("keychain_failed", message).with("reason", reason)
            }
            SecretError::KeychainSlow { seconds } => {
                AppError::new("keychain_slow", message).with("seconds", seconds)
            }
        }
    }
}

impl From<CheckError> for AppError {
    fn from(error: CheckError) -> Self {
        let message = error.to_string();
        let code = error.code();
        match error {
            CheckError::Keychain(inner) => AppError::from(inner),
            CheckError::InvalidKey { service }
            | CheckError::Forbidden { service }
            | CheckError::RateLimited { service } => {
                AppError::new(code, message).with("service", service)
            }
            CheckError::NotThatService { service, address }
            | CheckError::Unreachable { service, address } => AppError::new(code, message)
                .with("service", service)
                .with("address", address),
            CheckError::ServerError { service, status } => AppError::new(code, message)
                .with("service", service)
                .with("status", status),
            CheckError::Timeout { service, seconds } => AppError::new(code, message)
                .with("service", service)
                .with("seconds", seconds),
            CheckError::BadAddress { address } | CheckError::PlainHttp { address } => {
                AppError::new(code, message).with("address", address)
            }
            CheckError::CredentialsInAddress { host } => {
                AppError::new(code, message).with("host", host)
            }
            CheckError::CertificateNotTrusted { service, address } => AppError::hinted(
                code,
                if service == "AWS" {
                    "certificate_not_trusted_aws"
                } else {
                    "certificate_not_trusted_openai"
                },
                message,
            )
            .with("service", service)
            .with("address", address),
            CheckError::SsoExpired { profile } => {
                AppError::new(code, message).with("profile", profile)
            }
            CheckError::ProfileNotUsable { profile, reason } => AppError::new(code, message)
                .with("profile", profile)
                .with("reason", reason),
            CheckError::NoCredentials { reason } => {
                AppError::new(code, message).with("reason", reason)
            }
            CheckError::NotStored(kind) => {
                AppError::new(code, message).with("secret", kind.account())
            }
            CheckError::Unexpected { service, detail } => AppError::new(code, message)
                .with("service", service)
                .with("detail", detail),
            CheckError::NoQuota
            | CheckError::ProjectKeyNotAdmin
            | CheckError::NotAdminKey
            | CheckError::UnknownAccessKey
            | CheckError::WrongSecret
            | CheckError::Rejected
            | CheckError::ExpiredToken
            | CheckError::NoProfileChosen => AppError::new(code, message),
        }
    }
}

/// One of each error, for the test that every code has words in both languages. Long: a
/// list, one entry per case.
#[cfg(any(test, feature = "testing"))]
pub fn examples() -> Vec<AppError> {
    use super::SecretKind;
    let problems = [
        InputProblem::Empty,
        InputProblem::TooShort(8),
        InputProblem::TooLong(600, 512),
        InputProblem::LineBreak,
        InputProblem::Whitespace,
        InputProblem::ControlCharacter,
        InputProblem::NonAscii,
        InputProblem::AccessKeyIdShape,
        InputProblem::Base64Shape,
    ];
    let reason = || "reason".to_string();
    let mut out: Vec<AppError> = problems
        .into_iter()
        .map(|problem| {
            SecretError::InvalidInput {
                kind: SecretKind::OpenaiApiKey,
                problem,
            }
            .into()
        })
        .collect();
    for error in [
        SecretError::KeychainUnavailable { reason: reason() },
        SecretError::KeychainLocked { reason: reason() },
        SecretError::KeychainFailed { reason: reason() },
        SecretError::KeychainSlow { seconds: 10 },
    ] {
        out.push(error.into());
    }
    let service = "OpenAI";
    let address = || "https://api.openai.com/v1".to_string();
    for error in [
        CheckError::InvalidKey { service },
        CheckError::Forbidden { service },
        CheckError::NotThatService {
            service,
            address: address(),
        },
        CheckError::NoQuota,
        CheckError::ProjectKeyNotAdmin,
        CheckError::NotAdminKey,
        CheckError::RateLimited { service },
        CheckError::ServerError {
            service,
            status: 503,
        },
        CheckError::Timeout {
            service,
            seconds: 20,
        },
        CheckError::Unreachable {
            service,
            address: address(),
        },
        CheckError::BadAddress { address: address() },
        CheckError::PlainHttp { address: address() },
        CheckError::CredentialsInAddress {
            host: "gateway.example".into(),
        },
        CheckError::CertificateNotTrusted {
            service: "AWS",
            address: address(),
        },
        CheckError::CertificateNotTrusted {
            service: "OpenAI",
            address: address(),
        },
        CheckError::UnknownAccessKey,
        CheckError::WrongSecret,
        CheckError::Rejected,
        CheckError::ExpiredToken,
        CheckError::SsoExpired {
            profile: "team".into(),
        },
        CheckError::ProfileNotUsable {
            profile: "team".into(),
            reason: reason(),
        },
        CheckError::NoCredentials { reason: reason() },
        CheckError::NoProfileChosen,
        CheckError::NotStored(SecretKind::AwsAccessKeyId),
        CheckError::Unexpected {
            service,
            detail: "HTTP 418".into(),
        },
    ] {
        // Every variant is listed: adding one without an example fails to compile here.
        match &error {
            CheckError::InvalidKey { .. }
            | CheckError::Forbidden { .. }
            | CheckError::NotThatService { .. }
            | CheckError::NoQuota
            | CheckError::ProjectKeyNotAdmin
            | CheckError::NotAdminKey
            | CheckError::RateLimited { .. }
            | CheckError::ServerError { .. }
            | CheckError::Timeout { .. }
            | CheckError::Unreachable { .. }
            | CheckError::BadAddress { .. }
            | CheckError::PlainHttp { .. }
            | CheckError::CredentialsInAddress { .. }
            | CheckError::CertificateNotTrusted { .. }
            | CheckError::UnknownAccessKey
            | CheckError::WrongSecret
            | CheckError::Rejected
            | CheckError::ExpiredToken
            | CheckError::SsoExpired { .. }
            | CheckError::ProfileNotUsable { .. }
            | CheckError::NoCredentials { .. }
            | CheckError::NoProfileChosen
            | CheckError::NotStored(_)
            | CheckError::Keychain(_)
            | CheckError::Unexpected { .. } => {}
        }
        out.push(error.into());
    }
    for hint in ["linux", "macos", "windows"] {
        out.push(
            AppError::hinted(
                "keychain_unavailable",
                &format!("keychain_unavailable_{hint}"),
                "",
            )
            .with("reason", "x"),
        );
        out.push(
            AppError::hinted("keychain_locked", &format!("keychain_locked_{hint}"), "")
                .with("reason", "x"),
        );
    }
    out
}
