//! The HTTPS clients Purser ships, over TLS with a CA made for the test (moto and a local
//! OpenAI server behind a TLS front on localhost): the AWS SDK's rustls client trusts the CA
//! bundle a user behind a TLS-inspecting proxy has (`AWS_CA_BUNDLE`, or the profile's
//! `ca_bundle`, as the AWS CLI reads them) and reqwest the system's store (`SSL_CERT_FILE`
//! adds to it on Linux); a missing or wrong CA is refused with a plain "certificate not
//! trusted". One test in its own binary: it sets the process's environment.

use std::time::Duration;

use purser_core::cost::{CostEndpoints, CostExplorer, CostQuery, CostSource};
use purser_core::secrets::{
    check_aws_access, check_openai_key, sdk_config, AwsAccess, AwsTarget, CheckError,
    OpenAiEndpoint, Secret,
};
use purser_test_support::moto::Moto;
use purser_test_support::tls::{front, unrelated_ca};
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn keys() -> AwsAccess {
    AwsAccess::Keys {
        access_key_id: Secret::new("TESTACCESSKEY0001"),
        secret_access_key: Secret::new("test-secret-key"),
        session_token: None,
    }
}

fn target(url: &str) -> AwsTarget {
    AwsTarget {
        region: Some("us-east-1".into()),
        endpoint_url: Some(url.into()),
    }
}

fn untrusted(result: Result<impl std::fmt::Debug, CheckError>) {
    match result {
        Err(CheckError::CertificateNotTrusted { .. }) => {}
        other => panic!("expected 'certificate not trusted', got {other:?}"),
    }
}

// Long: one scenario, told step by step in the order it happens (the environment it sets is
// the process's, so it cannot be several tests).
#[tokio::test]
async fn tls_with_a_test_ca_is_trusted_only_through_the_bundle_a_user_gives() {
    let dir = tempfile::tempdir().unwrap();
    let moto = Moto::start();
    let aws = front(&moto.url).await;
    let ca = dir.path().join("proxy-ca.pem");
    std::fs::write(&ca, &aws.ca_pem).unwrap();
    let wrong = dir.path().join("wrong-ca.pem");
    std::fs::write(&wrong, unrelated_ca()).unwrap();
    // Nothing from the machine's own AWS setup takes part.
    std::env::set_var("AWS_CONFIG_FILE", dir.path().join("none"));
    std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"));
    std::env::remove_var("AWS_CA_BUNDLE");

    // No bundle: the system does not know the test's CA.
    untrusted(check_aws_access(&keys(), &target(&aws.url)).await);
    // A bundle with another CA: refused the same way.
    std::env::set_var("AWS_CA_BUNDLE", &wrong);
    untrusted(check_aws_access(&keys(), &target(&aws.url)).await);
    // The right one: STS answers over TLS, and so does Cost Explorer.
    std::env::set_var("AWS_CA_BUNDLE", &ca);
    let identity = check_aws_access(&keys(), &target(&aws.url)).await.unwrap();
    assert_eq!(identity.account, "123456789012");
    moto.control_json(
        "/moto-api/static/ce/cost-and-usage-results",
        &json!({"results": [{"ResultsByTime": []}]}),
    )
    .await;
    let config = sdk_config(&keys(), &target(&aws.url)).await;
    let endpoints = CostEndpoints {
        usage: Some(aws.url.clone()),
        forecast: Some(aws.url.clone()),
    };
    let explorer = CostExplorer::new(&config, &endpoints, None);
    explorer
        .usage_page(&CostQuery::default(), "2026-11-01", "2026-12-01", None)
        .await
        .unwrap();

    // The profile's ca_bundle, as the AWS CLI reads it.
    std::env::remove_var("AWS_CA_BUNDLE");
    let config_file = dir.path().join("config");
    std::fs::write(
        &config_file,
        format!(
            "[profile proxied]\naws_access_key_id = TESTACCESSKEY0001\naws_secret_access_key = test-secret-key\nregion = us-east-1\nca_bundle = {}\n",
            ca.display()
        ),
    )
    .unwrap();
    std::env::set_var("AWS_CONFIG_FILE", &config_file);
    let profile = AwsAccess::Profile {
        name: "proxied".into(),
    };
    check_aws_access(&profile, &target(&aws.url)).await.unwrap();

    // OpenAI: reqwest trusts the system's store, which SSL_CERT_FILE adds to on Linux.
    let server = MockServer::start().await;
    Mock::given(path("/v1/models"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"object": "list",
            "data": [{"id": "m", "object": "model", "created": 1, "owned_by": "o"}]})),
        )
        .mount(&server)
        .await;
    let openai = front(&server.uri()).await;
    let endpoint = OpenAiEndpoint {
        base_url: format!("{}/v1", openai.url),
        timeout: Duration::from_secs(10),
    };
    let key = Secret::new("fake-key-TLSCANARY");
    untrusted(check_openai_key(&endpoint, &key).await);
    let openai_ca = dir.path().join("openai-ca.pem");
    std::fs::write(&openai_ca, &openai.ca_pem).unwrap();
    std::env::set_var("SSL_CERT_FILE", &openai_ca);
    assert_eq!(check_openai_key(&endpoint, &key).await.unwrap(), 1);
}
