//! A local server that keeps OpenAI projects' hard spend limits as the administration API
//! documents them (`/v1/organization/projects/{id}/spend_limit` GET/POST/DELETE and the
//! organisation's `/v1/organization/spend_limit`): 404 for no limit, 401 for a wrong key, 403
//! for a restricted key on what it may not do, `enforcement.status` from the month's spend.
//! Mounted on a wiremock server beside whatever else a test answers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{json, Value};
use wiremock::matchers::path_regex;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The admin key the server accepts for everything.
pub const ADMIN_KEY: &str = "test-admin-key-limits";
/// A restricted admin key: it may read a project's limit, nothing else.
pub const READ_ONLY_KEY: &str = "test-admin-key-read-only";
pub const PROJECT: &str = "proj_shop";

/// The limits the server keeps, and the month's spend it enforces them against (cents).
#[derive(Debug, Default)]
pub struct Limits {
    pub projects: HashMap<String, i64>,
    pub organisation: Option<i64>,
    pub spent: i64,
    /// Every change asked of the server: (method, path, body).
    pub changes: Vec<(String, String, Value)>,
}

#[derive(Clone, Default)]
pub struct SpendLimitApi(Arc<Mutex<Limits>>);

impl SpendLimitApi {
    pub fn state(&self) -> MutexGuard<'_, Limits> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// [`PROJECT`]'s limit (cents).
    pub fn project(&self) -> Option<i64> {
        self.state().projects.get(PROJECT).copied()
    }

    /// Sets (or removes) [`PROJECT`]'s limit, as someone at OpenAI's site would.
    pub fn set_project(&self, cents: Option<i64>) {
        match cents {
            Some(cents) => self.state().projects.insert(PROJECT.into(), cents),
            None => self.state().projects.remove(PROJECT),
        };
    }
}

/// An error in OpenAI's shape.
pub fn error(status: u16, message: &str, kind: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "error": {"message": message, "type": kind, "param": null, "code": null}
    }))
}

fn resource(object: &str, cents: i64, spent: i64) -> ResponseTemplate {
    let status = if spent >= cents {
        "enforcing"
    } else {
        "inactive"
    };
    ResponseTemplate::new(200).set_body_json(json!({
        "object": object, "threshold_amount": cents, "currency": "USD", "interval": "month",
        "enforcement": {"status": status}
    }))
}

impl Respond for SpendLimitApi {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let auth = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let path = request.url.path().to_string();
        let verb = request.method.as_str().to_string();
        let project = path
            .strip_prefix("/v1/organization/projects/")
            .and_then(|rest| rest.strip_suffix("/spend_limit"))
            .map(str::to_string);
        let restricted = auth == format!("Bearer {READ_ONLY_KEY}");
        if auth != format!("Bearer {ADMIN_KEY}") && !restricted {
            return error(401, "Incorrect API key provided.", "invalid_request_error");
        }
        if restricted && (verb != "GET" || project.is_none()) {
            return error(
                403,
                "You have insufficient permissions for this operation. Missing scopes: api.spend_limits.write",
                "invalid_request_error",
            );
        }
        let mut state = self.state();
        let spent = state.spent;
        let none = || error(404, "No spend limit is set.", "invalid_request_error");
        match (verb.as_str(), project) {
            ("GET", Some(project)) => match state.projects.get(&project) {
                Some(cents) => resource("project.spend_limit", *cents, spent),
                None => none(),
            },
            ("GET", None) => match state.organisation {
                Some(cents) => resource("organization.spend_limit", cents, spent),
                None => none(),
            },
            ("POST", Some(project)) => {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
                state
                    .changes
                    .push((verb.clone(), path.clone(), body.clone()));
                let (Some(cents), "USD", "month") = (
                    body["threshold_amount"].as_i64(),
                    body["currency"].as_str().unwrap_or_default(),
                    body["interval"].as_str().unwrap_or_default(),
                ) else {
                    return error(400, "Invalid body.", "invalid_request_error");
                };
                state.projects.insert(project, cents);
                resource("project.spend_limit", cents, spent)
            }
            ("DELETE", Some(project)) => {
                state
                    .changes
                    .push((verb.clone(), path.clone(), Value::Null));
                match state.projects.remove(&project) {
                    Some(_) => ResponseTemplate::new(200).set_body_json(
                        json!({"object": "project.spend_limit.deleted", "deleted": true}),
                    ),
                    None => none(),
                }
            }
            _ => error(405, "Method not allowed.", "invalid_request_error"),
        }
    }
}

/// Mounts `api` on `server`.
pub async fn mount(api: &SpendLimitApi, server: &MockServer) {
    Mock::given(path_regex(
        r"^/v1/organization/(projects/[^/]+/)?spend_limit$",
    ))
    .respond_with(api.clone())
    .mount(server)
    .await;
}
