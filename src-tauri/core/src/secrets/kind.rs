//! Which secrets Purser keeps, and what a well-formed value of each looks like.

use serde::{Deserialize, Serialize};

use super::{Secret, SecretError};

/// A secret Purser keeps in the OS keychain: one keychain entry each, service `purser`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    OpenaiApiKey,
    /// Optional; used for organisation costs.
    OpenaiAdminKey,
    AwsAccessKeyId,
    AwsSecretAccessKey,
    /// Optional; only for temporary credentials.
    AwsSessionToken,
}

impl SecretKind {
    pub const ALL: [SecretKind; 5] = [
        SecretKind::OpenaiApiKey,
        SecretKind::OpenaiAdminKey,
        SecretKind::AwsAccessKeyId,
        SecretKind::AwsSecretAccessKey,
        SecretKind::AwsSessionToken,
    ];

    /// The keychain entry's user name (the service is `purser`).
    pub fn account(self) -> &'static str {
        match self {
            SecretKind::OpenaiApiKey => "openai-api-key",
            SecretKind::OpenaiAdminKey => "openai-admin-key",
            SecretKind::AwsAccessKeyId => "aws-access-key-id",
            SecretKind::AwsSecretAccessKey => "aws-secret-access-key",
            SecretKind::AwsSessionToken => "aws-session-token",
        }
    }

    /// How the value is named in messages.
    pub fn label(self) -> &'static str {
        match self {
            SecretKind::OpenaiApiKey => "OpenAI API key",
            SecretKind::OpenaiAdminKey => "OpenAI admin key",
            SecretKind::AwsAccessKeyId => "AWS access key ID",
            SecretKind::AwsSecretAccessKey => "AWS secret access key",
            SecretKind::AwsSessionToken => "AWS session token",
        }
    }

    /// Whether the screen may show how the value ends ("…4f2a"). Keys that identify (the
    /// OpenAI keys, the AWS access key ID) may; the AWS secret access key and session token
    /// are secrets through and through, so nothing of them is shown.
    pub fn shows_ending(self) -> bool {
        matches!(
            self,
            SecretKind::OpenaiApiKey | SecretKind::OpenaiAdminKey | SecretKind::AwsAccessKeyId
        )
    }

    fn length_range(self) -> (usize, usize) {
        match self {
            SecretKind::OpenaiApiKey | SecretKind::OpenaiAdminKey => (8, 512),
            SecretKind::AwsAccessKeyId => (16, 128),
            SecretKind::AwsSecretAccessKey => (16, 128),
            SecretKind::AwsSessionToken => (16, 8192),
        }
    }
}

/// What is wrong with a pasted value. Never contains the value itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputProblem {
    #[error("is empty")]
    Empty,
    #[error("is too short to be a real one (at least {0} characters)")]
    TooShort(usize),
    #[error("is far too long ({0} characters; at most {1})")]
    TooLong(usize, usize),
    #[error("has a line break inside; paste it as a single line")]
    LineBreak,
    #[error("has a space inside; copy it again without spaces")]
    Whitespace,
    #[error("has invisible control characters inside; copy it again")]
    ControlCharacter,
    #[error("has characters other than plain letters, digits and punctuation (e.g. curly quotes or accented letters)")]
    NonAscii,
    #[error(
        "must be 16 to 128 capital letters and digits (like the ones that start with AKIA or ASIA)"
    )]
    AccessKeyIdShape,
    #[error("may only contain letters, digits, '/', '+' and '='")]
    Base64Shape,
}

impl InputProblem {
    /// The window's message code.
    pub fn code(&self) -> &'static str {
        match self {
            InputProblem::Empty => "secret_empty",
            InputProblem::TooShort(_) => "secret_too_short",
            InputProblem::TooLong(..) => "secret_too_long",
            InputProblem::LineBreak => "secret_line_break",
            InputProblem::Whitespace => "secret_whitespace",
            InputProblem::ControlCharacter => "secret_control_character",
            InputProblem::NonAscii => "secret_non_ascii",
            InputProblem::AccessKeyIdShape => "secret_access_key_id_shape",
            InputProblem::Base64Shape => "secret_base64_shape",
        }
    }
}

/// Checks a pasted value and returns it trimmed. The value is never part of the error.
pub fn validate(kind: SecretKind, pasted: &Secret) -> Result<Secret, SecretError> {
    let invalid = |problem| SecretError::InvalidInput { kind, problem };
    let value = pasted.expose().trim();
    if value.is_empty() {
        return Err(invalid(InputProblem::Empty));
    }
    let (min, max) = kind.length_range();
    let length = value.chars().count();
    if length > max {
        return Err(invalid(InputProblem::TooLong(length, max)));
    }
    if value.contains(['\n', '\r']) {
        return Err(invalid(InputProblem::LineBreak));
    }
    if value.chars().any(char::is_whitespace) {
        return Err(invalid(InputProblem::Whitespace));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(InputProblem::ControlCharacter));
    }
    if !value.is_ascii() {
        return Err(invalid(InputProblem::NonAscii));
    }
    match kind {
        SecretKind::AwsAccessKeyId => {
            let shaped = (min..=max).contains(&length)
                && value
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            if !shaped {
                return Err(invalid(InputProblem::AccessKeyIdShape));
            }
        }
        SecretKind::AwsSecretAccessKey | SecretKind::AwsSessionToken => {
            if !value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+' | b'='))
            {
                return Err(invalid(InputProblem::Base64Shape));
            }
        }
        SecretKind::OpenaiApiKey | SecretKind::OpenaiAdminKey => {}
    }
    if length < min {
        return Err(invalid(InputProblem::TooShort(min)));
    }
    Ok(Secret::new(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(kind: SecretKind, value: &str) -> Result<String, InputProblem> {
        match validate(kind, &Secret::new(value)) {
            Ok(secret) => Ok(secret.expose().to_string()),
            Err(SecretError::InvalidInput { problem, .. }) => Err(problem),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn trims_surrounding_whitespace() {
        assert_eq!(
            check(SecretKind::OpenaiApiKey, "  test-key-123456  \n").unwrap(),
            "test-key-123456"
        );
    }

    #[test]
    fn accepts_well_formed_values() {
        assert!(check(SecretKind::AwsAccessKeyId, "TESTACCESSKEY0001").is_ok());
        assert!(check(
            SecretKind::AwsSecretAccessKey,
            "abcdEFGH1234/+=abcdEFGH1234/+=abcdefgh"
        )
        .is_ok());
        assert!(check(SecretKind::OpenaiApiKey, "test-openai-key_0001").is_ok());
    }

    #[test]
    fn refuses_malformed_values_naming_the_problem() {
        use InputProblem::*;
        use SecretKind::*;
        let huge = "x".repeat(10 * 1024);
        let cases: Vec<(SecretKind, &str, InputProblem)> = vec![
            (OpenaiApiKey, "", Empty),
            (OpenaiApiKey, "   \t\n", Empty),
            (OpenaiApiKey, &huge, TooLong(10 * 1024, 512)),
            (OpenaiApiKey, "test-key\nsecond-line", LineBreak),
            (OpenaiApiKey, "test-key\r\nsecond", LineBreak),
            (OpenaiApiKey, "test key with spaces", Whitespace),
            (OpenaiApiKey, "test-key\u{7}-bell", ControlCharacter),
            (OpenaiApiKey, "test-key\u{0}-nul", ControlCharacter),
            (OpenaiApiKey, "test-kéy-123456", NonAscii),
            (OpenaiApiKey, "“test-key-123456”", NonAscii),
            (OpenaiApiKey, "short", TooShort(8)),
            (AwsAccessKeyId, "testaccesskey0001", AccessKeyIdShape),
            (AwsAccessKeyId, "TESTKEY", AccessKeyIdShape),
            (AwsAccessKeyId, "TEST-ACCESS-KEY-0001", AccessKeyIdShape),
            (AwsSecretAccessKey, "not*a*valid*secret*key", Base64Shape),
            (AwsSessionToken, &huge[..9000], TooLong(9000, 8192)),
        ];
        for (kind, value, expected) in cases {
            assert_eq!(check(kind, value), Err(expected), "{kind:?}");
        }
    }

    #[test]
    fn messages_name_the_field_and_never_echo_the_value() {
        let error = validate(
            SecretKind::AwsSecretAccessKey,
            &Secret::new("canary*canary*canary"),
        )
        .unwrap_err();
        let message = error.to_string();
        assert!(message.contains("AWS secret access key"), "{message}");
        assert!(!message.contains("canary"), "{message}");
    }
}
