//! End-to-end: keys in the real window — store an OpenAI key, see only its last characters,
//! check it against a local OpenAI-compatible server, delete it; check an admin key against
//! the local server's organisation costs, and see a project key told apart. The keychain is the real
//! Secret Service (scripts/test.sh runs the suite inside a private, unlocked gnome-keyring).

#[path = "support/desktop.rs"]
mod desktop;

use desktop::Desktop;
use fantoccini::Locator;
use purser_test_support::keyring::lookup;
use serde_json::json;
use wiremock::matchers::{header, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "test-e2e-openai-key-00004f2a";

// Long: one scenario, told step by step in the order it happens.
#[tokio::test]
async fn store_check_and_delete_an_openai_key() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/models"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "list",
            "data": [
                {"id": "gpt-a", "object": "model", "created": 1, "owned_by": "openai"},
                {"id": "gpt-b", "object": "model", "created": 1, "owned_by": "openai"},
                {"id": "gpt-c", "object": "model", "created": 1, "owned_by": "openai"}
            ]
        })))
        .mount(&server)
        .await;
    Mock::given(path("/v1/models"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {
            "message": "Incorrect API key provided", "type": "invalid_request_error",
            "param": null, "code": "invalid_api_key"}})))
        .mount(&server)
        .await;

    let app = Desktop::launch().await;
    let state = app
        .client
        .find(Locator::Id("state-openai_api_key"))
        .await
        .unwrap();
    assert_eq!(state.text().await.unwrap(), "not set");

    // Point Purser at the local server, as a user of an OpenAI-compatible gateway would.
    app.type_in("API address", &format!("{}/v1", server.uri()))
        .await;
    app.click_button("Save address").await;
    let saved = app
        .client
        .find(Locator::Id("openai-base-url-message"))
        .await
        .unwrap();
    app.eventually("the address to be saved", || async {
        saved.text().await.unwrap_or_default() == "Saved."
    })
    .await;

    // A malformed paste is refused with the problem named, and nothing is stored.
    app.type_in("API key", "pasted with spaces").await;
    app.click_button("Store: API key").await;
    let message = app
        .client
        .find(Locator::Id("message-openai_api_key"))
        .await
        .unwrap();
    app.eventually("the refusal to show", || async {
        message
            .text()
            .await
            .unwrap_or_default()
            .contains("has a space inside")
    })
    .await;
    assert_eq!(lookup("purser", "openai-api-key"), None);

    // Store the real one.
    app.type_in("API key", KEY).await;
    app.click_button("Store: API key").await;
    app.eventually("the key to show as stored", || async {
        state.text().await.unwrap_or_default() == "stored · ends in …4f2a"
    })
    .await;
    let input = app.field("API key").await;
    assert_eq!(input.prop("value").await.unwrap().as_deref(), Some(""));
    assert_eq!(lookup("purser", "openai-api-key").as_deref(), Some(KEY));
    assert!(
        !app.client.source().await.unwrap().contains(KEY),
        "the page must not hold the key after storing it"
    );

    // Check it against the local server.
    app.click_button("Check the OpenAI key").await;
    let result = app
        .client
        .find(Locator::Id("check-openai-result"))
        .await
        .unwrap();
    app.eventually("the check to succeed", || async {
        let text = result.text().await.unwrap_or_default();
        text.contains("works") && text.contains("3 models available")
    })
    .await;
    // Said once: "✓ The key works: …", not "✓ works: The key works: …".
    let said = result.text().await.unwrap();
    assert!(
        said.starts_with("✓ The key works: 3 models available."),
        "{said}"
    );

    // A refused key: the failure stays on screen until the next check (it used to be
    // replaced by "Not checked yet." as soon as the status bar refreshed).
    app.type_in("API key", "test-e2e-wrong-key-0000beef").await;
    app.click_button("Replace: API key").await;
    app.eventually("the new key to show as stored", || async {
        state.text().await.unwrap_or_default() == "stored · ends in …beef"
    })
    .await;
    app.click_button("Check the OpenAI key").await;
    app.eventually("the refusal to show", || async {
        result
            .text()
            .await
            .unwrap_or_default()
            .contains("did not accept the key")
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let text = result.text().await.unwrap_or_default();
    assert!(
        text.contains("did not accept the key"),
        "the failure is still shown: {text:?}"
    );

    // Delete, confirming in the dialog.
    app.click_button("Delete: API key").await;
    // The dialog's own button, also labelled Delete.
    let confirm = app
        .client
        .wait()
        .at_most(desktop::UI_TIMEOUT)
        .for_element(Locator::XPath(
            "//dialog[@open]//button[normalize-space(.)='Delete']",
        ))
        .await
        .expect("the confirmation dialog");
    confirm.click().await.unwrap();
    app.eventually("the key to be gone", || async {
        state.text().await.unwrap_or_default() == "not set"
    })
    .await;
    assert_eq!(lookup("purser", "openai-api-key"), None);
    app.quit().await;
}

#[tokio::test]
async fn check_the_admin_key_and_tell_a_project_key_apart() {
    const ADMIN: &str = "test-admin-key-9c1d";
    let server = MockServer::start().await;
    Mock::given(path("/v1/organization/costs"))
        .and(header("authorization", format!("Bearer {ADMIN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "page", "data": [], "has_more": false, "next_page": null
        })))
        .expect(1)
        .mount(&server)
        .await;

    let app = Desktop::launch().await;
    // The admin key never goes to the app's API address; its own address is set on purpose,
    // and the window says where the key goes.
    app.open_disclosure("Where the admin key goes").await;
    app.type_in(
        "Admin API address (empty: OpenAI’s own)",
        &format!("{}/v1", server.uri()),
    )
    .await;
    app.click_button("Save admin address").await;
    app.wait_text("openai-admin-warning", "The admin key is sent to")
        .await;
    app.type_in("Admin key", ADMIN).await;
    app.click_button("Store: Admin key").await;
    app.click_button("Check the admin key").await;
    app.wait_text(
        "check-openaiAdmin-result",
        "The admin key works: the organisation’s costs are readable.",
    )
    .await;

    app.type_in("Admin key", "sk-proj-FAKE-7e2a").await;
    app.click_button("Replace: Admin key").await;
    app.wait_text("check-openaiAdmin-result", "Not checked yet")
        .await;
    app.click_button("Check the admin key").await;
    app.wait_text(
        "check-openaiAdmin-result",
        "This is a project key (sk-proj-…)",
    )
    .await;
    app.wait_text(
        "check-openaiAdmin-result",
        "platform.openai.com/settings/organization/admin-keys",
    )
    .await;
    app.quit().await;
}
