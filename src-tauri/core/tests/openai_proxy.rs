//! With a proxy set in the environment (`HTTP_PROXY`, `HTTPS_PROXY`, as corporate machines
//! have), an OpenAI-compatible gateway on this computer is still reached directly: the key
//! never travels through the proxy, where plain `http://localhost` would be readable. One test
//! in its own binary, since it sets the process's environment.

use std::time::Duration;

use purser_core::secrets::{check_openai_key, OpenAiEndpoint, Secret};
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_local_gateway_is_reached_directly_even_with_a_proxy_set() {
    let proxy = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(502))
        .mount(&proxy)
        .await;
    let gateway = MockServer::start().await;
    Mock::given(path("/v1/models"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"object": "list",
            "data": [{"id": "m", "object": "model", "created": 1, "owned_by": "o"}]})),
        )
        .mount(&gateway)
        .await;
    for name in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        "ALL_PROXY",
    ] {
        std::env::set_var(name, proxy.uri());
    }
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");
    let endpoint = OpenAiEndpoint {
        // localhost, not 127.0.0.1: reqwest's own exceptions do not cover a name.
        base_url: format!("{}/v1", gateway.uri().replace("127.0.0.1", "localhost")),
        timeout: Duration::from_secs(10),
    };
    let models = check_openai_key(&endpoint, &Secret::new("fake-key-PROXYCANARY"))
        .await
        .unwrap();
    assert_eq!(models, 1);
    assert!(
        proxy.received_requests().await.unwrap().is_empty(),
        "nothing went through the proxy"
    );
}
