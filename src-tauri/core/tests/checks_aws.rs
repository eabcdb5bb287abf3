//! AWS checks through the real AWS SDK against a real moto server on 127.0.0.1.

use purser_core::secrets::{check_aws_access, AwsAccess, AwsTarget, CheckError, Secret};
use purser_test_support::moto::Moto;

fn keys(id: &str, secret: &str) -> AwsAccess {
    AwsAccess::Keys {
        access_key_id: Secret::new(id),
        secret_access_key: Secret::new(secret),
        session_token: None,
    }
}

fn target(moto: &Moto) -> AwsTarget {
    AwsTarget {
        region: Some("us-east-1".into()),
        endpoint_url: Some(moto.url.clone()),
    }
}

#[tokio::test]
async fn caller_identity_names_the_account_and_arn() {
    let moto = Moto::start();
    let identity = check_aws_access(
        &keys("TESTACCESSKEY0001", "test-secret-key"),
        &target(&moto),
    )
    .await
    .unwrap();
    assert_eq!(identity.account, "123456789012");
    assert!(identity.arn.starts_with("arn:aws:"), "{}", identity.arn);
}

#[tokio::test]
async fn with_iam_checks_on_an_unknown_key_and_a_wrong_secret_are_told_apart() {
    let moto = Moto::start();
    let (key_id, secret) = moto.create_user_with_key("purser-check").await;
    moto.control("/moto-api/reset-auth", "0").await;

    let known = check_aws_access(&keys(&key_id, &secret), &target(&moto)).await;
    assert!(known.is_ok(), "the real key works: {known:?}");

    let unknown = check_aws_access(&keys("TESTUNKNOWNKEY0001", &secret), &target(&moto))
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, CheckError::UnknownAccessKey),
        "{unknown:?}"
    );
    assert!(unknown.to_string().contains("access key"), "{unknown}");

    let wrong = check_aws_access(&keys(&key_id, "wrong-secret-0000000000"), &target(&moto))
        .await
        .unwrap_err();
    assert!(matches!(wrong, CheckError::WrongSecret), "{wrong:?}");
    // The two failures must read differently for the user.
    assert_ne!(unknown.to_string(), wrong.to_string());
    moto.control("/moto-api/reset-auth", "inf").await;
}

#[tokio::test]
async fn nothing_listening_is_no_network() {
    let target = AwsTarget {
        region: Some("us-east-1".into()),
        endpoint_url: Some(purser_test_support::net::dead_address()),
    };
    let error = check_aws_access(&keys("TESTACCESSKEY0001", "test-secret-key"), &target)
        .await
        .unwrap_err();
    assert_eq!(error.code(), "no_network", "{error:?}");
}
