//! The real OS keychain: a Secret Service (gnome-keyring in a private D-Bus session, started by
//! scripts/test.sh). What Purser stores is checked from outside with `secret-tool`.

use std::sync::Arc;

use purser_core::secrets::credentials::Credentials;
use purser_core::secrets::{KeychainStore, Secret, SecretKind, SecretStore};
use purser_test_support::keyring::{lookup, unique_service};

fn credentials(service: &str) -> (Credentials, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let store = Arc::new(KeychainStore::with_service(service));
    (Credentials::new(store, data.path().to_path_buf()), data)
}

#[tokio::test]
async fn store_lands_in_the_keychain_and_delete_removes_it() {
    let service = unique_service("store");
    let (credentials, _data) = credentials(&service);
    assert_eq!(lookup(&service, "openai-api-key"), None);

    let overview = credentials
        .store(
            SecretKind::OpenaiApiKey,
            Secret::new("  test-openai-key-0000004f2a\n"),
        )
        .await
        .unwrap();
    assert_eq!(
        lookup(&service, "openai-api-key").as_deref(),
        Some("test-openai-key-0000004f2a"),
        "stored trimmed, under service {service}"
    );
    let openai = overview
        .secrets
        .iter()
        .find(|s| s.kind == SecretKind::OpenaiApiKey)
        .unwrap();
    assert!(openai.stored);
    assert_eq!(openai.ends_in.as_deref(), Some("4f2a"));

    credentials
        .store(
            SecretKind::OpenaiApiKey,
            Secret::new("test-openai-key-replaced-beef"),
        )
        .await
        .unwrap();
    assert_eq!(
        lookup(&service, "openai-api-key").as_deref(),
        Some("test-openai-key-replaced-beef")
    );

    let overview = credentials.delete(SecretKind::OpenaiApiKey).await.unwrap();
    assert_eq!(lookup(&service, "openai-api-key"), None);
    assert!(overview.secrets.iter().all(|s| !s.stored));
}

#[tokio::test]
async fn a_missing_entry_is_not_set_rather_than_an_error() {
    let store = KeychainStore::with_service(&unique_service("missing"));
    let value = tokio::task::spawn_blocking(move || store.get(SecretKind::AwsSessionToken))
        .await
        .unwrap();
    assert!(value.unwrap().is_none());
}

#[tokio::test]
async fn deleting_what_is_not_there_is_harmless() {
    let store = KeychainStore::with_service(&unique_service("delete-none"));
    let existed = tokio::task::spawn_blocking(move || store.delete(SecretKind::OpenaiAdminKey))
        .await
        .unwrap()
        .unwrap();
    assert!(!existed);
}

// Long: one scenario, told step by step in the order it happens.
#[tokio::test]
async fn bad_input_is_refused_with_a_named_problem_and_the_keychain_is_unchanged() {
    let service = unique_service("bad-input");
    let (credentials, _data) = credentials(&service);
    credentials
        .store(SecretKind::AwsAccessKeyId, Secret::new("TESTACCESSKEY0001"))
        .await
        .unwrap();
    let huge = "k".repeat(10 * 1024);
    let cases: Vec<(SecretKind, String, &str)> = vec![
        (SecretKind::OpenaiApiKey, String::new(), "is empty"),
        (SecretKind::OpenaiApiKey, " \n\t ".into(), "is empty"),
        (SecretKind::OpenaiApiKey, huge.clone(), "far too long"),
        (
            SecretKind::OpenaiApiKey,
            "test-key\nline-two".into(),
            "line break",
        ),
        (SecretKind::OpenaiApiKey, "test key 123".into(), "space"),
        (
            SecretKind::OpenaiApiKey,
            "test-key-\u{1b}[0m".into(),
            "control characters",
        ),
        (
            SecretKind::OpenaiApiKey,
            "test-kéy-0000".into(),
            "other than plain",
        ),
        (
            SecretKind::OpenaiApiKey,
            "\u{201c}test-key-0000\u{201d}".into(),
            "other than plain",
        ),
        (SecretKind::OpenaiApiKey, "abc".into(), "too short"),
        (
            SecretKind::AwsAccessKeyId,
            "testaccesskey0001".into(),
            "capital letters",
        ),
        (SecretKind::AwsAccessKeyId, "TEST".into(), "capital letters"),
        (
            SecretKind::AwsAccessKeyId,
            "TEST_ACCESS_KEY_01".into(),
            "capital letters",
        ),
        (SecretKind::AwsAccessKeyId, huge.clone(), "far too long"),
        (
            SecretKind::AwsSecretAccessKey,
            "secret#with#hashes#1234".into(),
            "may only contain",
        ),
        (
            SecretKind::AwsSessionToken,
            "tok\u{0}en-0000000000000".into(),
            "control characters",
        ),
    ];
    for (kind, value, problem) in cases {
        let error = credentials
            .store(kind, Secret::new(value.clone()))
            .await
            .expect_err("must be refused");
        let message = error.to_string();
        assert!(
            message.contains(kind.label()),
            "{message:?} names the field"
        );
        assert!(
            message.contains(problem),
            "{message:?} should say {problem:?}"
        );
        if value.len() > 3 {
            assert!(!message.contains(&value), "the value must not be echoed");
        }
    }
    assert_eq!(
        lookup(&service, "aws-access-key-id").as_deref(),
        Some("TESTACCESSKEY0001")
    );
    for account in [
        "openai-api-key",
        "aws-secret-access-key",
        "aws-session-token",
    ] {
        assert_eq!(lookup(&service, account), None, "{account} must not exist");
    }
    credentials
        .delete(SecretKind::AwsAccessKeyId)
        .await
        .unwrap();
}
