//! The job's AWS credentials as a pod gets them, not static keys: through the EKS Pod
//! Identity agent (a local credentials server answering as the agent does) and through IRSA
//! (moto's STS answering `AssumeRoleWithWebIdentity` for the token file). moto checks every
//! signed request's signature and the policy of whoever signed it, so a run that scales
//! proves the credentials came from where the pod's environment said.

mod common;

use common::{file, world, JobWorld};
use purser_core::guard::Policy;
use purser_test_support::moto::xml_value;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const COST_READ: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Action": ["ce:GetCostAndUsage", "ce:GetCostForecast"], "Resource": "*"}]}"#;

/// A role `name` that `principal` may take on with `action`, allowed to read cost only.
async fn role(world: &JobWorld, name: &str, principal: (&str, &str), action: &str) {
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {principal.0: principal.1}, "Action": action}]});
    let trust = trust.to_string();
    world
        .moto
        .query(&[
            ("Action", "CreateRole"),
            ("RoleName", name),
            ("AssumeRolePolicyDocument", &trust),
            ("Version", "2010-05-08"),
        ])
        .await;
    world
        .moto
        .query(&[
            ("Action", "PutRolePolicy"),
            ("RoleName", name),
            ("PolicyName", "cost-read"),
            ("PolicyDocument", COST_READ),
            ("Version", "2010-05-08"),
        ])
        .await;
}

async fn over_budget() -> JobWorld {
    let world = world(4).await;
    world.share(Policy::Automatic { floor: 1 }, 1000.0).await;
    world
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_the_pod_identity_agent() {
    let world = over_budget().await;
    // The agent hands out the pod's role's temporary credentials, as EKS does.
    role(
        &world,
        "purser-guard-pi",
        ("Service", "pods.eks.amazonaws.com"),
        "sts:AssumeRole",
    )
    .await;
    let xml = world
        .moto
        .query_service(
            "sts",
            &[
                ("Action", "AssumeRole"),
                ("RoleArn", "arn:aws:iam::123456789012:role/purser-guard-pi"),
                ("RoleSessionName", "eks-pod-identity"),
                ("Version", "2011-06-15"),
            ],
        )
        .await;
    let agent = MockServer::start().await;
    let token = "pod-identity-token-for-the-test";
    Mock::given(method("GET"))
        .and(path("/v1/credentials"))
        .and(header("authorization", token))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "AccessKeyId": xml_value(&xml, "AccessKeyId"),
            "SecretAccessKey": xml_value(&xml, "SecretAccessKey"),
            "Token": xml_value(&xml, "SessionToken"),
            "Expiration": xml_value(&xml, "Expiration"),
        })))
        .expect(1..)
        .mount(&agent)
        .await;
    let token_file = file(world.account.path(), "eks-pod-identity-token", token);
    world.moto.control("/moto-api/reset-auth", "0").await;

    let uri = format!("{}/v1/credentials", agent.uri());
    let run = world
        .run(
            &[
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", &token_file),
            ],
            &[],
        )
        .await;
    world.moto.control("/moto-api/reset-auth", "inf").await;
    assert_eq!(run.code, Some(0), "{}\n{:?}", run.stderr, run.summary);
    assert_eq!(run.summary["check"]["did"], "scaled", "{:?}", run.summary);
    assert_eq!(world.copies().await, "1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_irsa_a_web_identity_token() {
    let world = over_budget().await;
    let provider = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.example";
    role(
        &world,
        "purser-guard",
        ("Federated", provider),
        "sts:AssumeRoleWithWebIdentity",
    )
    .await;
    let token_file = file(world.account.path(), "aws-token", "a-projected-token");
    // `AssumeRoleWithWebIdentity` is unsigned (the token is the proof): moto lets that one
    // request through, then checks every signed one.
    world.moto.control("/moto-api/reset-auth", "1").await;

    let run = world
        .run(
            &[
                (
                    "AWS_ROLE_ARN",
                    "arn:aws:iam::123456789012:role/purser-guard",
                ),
                ("AWS_WEB_IDENTITY_TOKEN_FILE", &token_file),
                ("AWS_ROLE_SESSION_NAME", "purser-guard"),
                ("AWS_ENDPOINT_URL_STS", &world.moto.url),
            ],
            &[],
        )
        .await;
    world.moto.control("/moto-api/reset-auth", "inf").await;
    assert_eq!(run.code, Some(0), "{}\n{:?}", run.stderr, run.summary);
    assert_eq!(run.summary["check"]["did"], "scaled", "{:?}", run.summary);
    assert_eq!(world.copies().await, "1");
}
