//! The HTTP side of the simulated API server: authentication, routing of Kubernetes REST paths
//! to the store, fault switches. What each verb does is in `serve`, watches in `watch`.

mod serve;
mod watch;

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::Incoming;
use hyper::http::request::Parts;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::Value;

use super::discovery::{self, ResDef};
use super::faults::Verdict;
use super::rbac::{self, Caller};
use super::store::ApiError;
use super::Shared;
use serve::{serve, Call, Reply};

pub type Body = BoxBody<Bytes, Infallible>;

pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

fn json_response(code: u16, value: &Value) -> Response<Body> {
    let mut response = Response::new(full(value.to_string()));
    *response.status_mut() =
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        "content-type",
        "application/json".parse().expect("static header"),
    );
    response
}

pub(crate) fn error_response(error: &ApiError) -> Response<Body> {
    json_response(error.code, &error.status())
}

/// Where a request goes.
pub(crate) struct Target {
    pub(crate) def: &'static ResDef,
    pub(crate) ns: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) sub: Option<String>,
}

enum Route {
    Doc(Value),
    Resource(Target),
    NotFound,
}

fn route(path: &str) -> Route {
    let parts: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|p| !p.is_empty())
        .collect();
    match parts.as_slice() {
        ["version"] => Route::Doc(discovery::version_info()),
        ["api"] => Route::Doc(discovery::core_versions()),
        ["apis"] => Route::Doc(discovery::group_list()),
        ["api", version] => {
            discovery::resource_list("", version).map_or(Route::NotFound, Route::Doc)
        }
        ["apis", group, version] => {
            discovery::resource_list(group, version).map_or(Route::NotFound, Route::Doc)
        }
        ["api", version, rest @ ..] => resource_route("", version, rest),
        ["apis", group, version, rest @ ..] => resource_route(group, version, rest),
        _ => Route::NotFound,
    }
}

fn resource_route(group: &str, version: &str, rest: &[&str]) -> Route {
    let owned = |s: &&str| Some(s.to_string());
    let target = match rest {
        ["namespaces", ns, plural, tail @ ..]
            if discovery::find(group, version, plural).is_some_and(|d| d.namespaced) =>
        {
            discovery::find(group, version, plural).map(|def| Target {
                def,
                ns: Some(ns.to_string()),
                name: tail.first().and_then(owned),
                sub: tail.get(1).and_then(owned),
            })
        }
        [plural, tail @ ..] if tail.len() <= 2 => {
            discovery::find(group, version, plural).map(|def| Target {
                def,
                ns: None,
                name: tail.first().and_then(owned),
                sub: tail.get(1).and_then(owned),
            })
        }
        _ => None,
    };
    target.map_or(Route::NotFound, Route::Resource)
}

pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    fn parse(raw: Option<&str>) -> Self {
        Self(
            form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .into_owned()
                .collect(),
        )
    }
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    pub(crate) fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("true" | "1"))
    }
}

/// Compares in constant time, so the answer's timing says nothing about how much of a guessed
/// token was right.
fn token_matches(given: &str, expected: &str) -> bool {
    use subtle::ConstantTimeEq;
    given.as_bytes().ct_eq(expected.as_bytes()).into()
}

/// Answers one request as the real API server would.
pub async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let Some(caller) = authenticate(&shared, &request) else {
        return Ok(error_response(&ApiError::new(
            401,
            "Unauthorized",
            "Unauthorized",
        )));
    };
    let (parts, body) = request.into_parts();
    let Ok(body) = body.collect().await.map(|c| c.to_bytes()) else {
        return Ok(error_response(&ApiError::new(
            400,
            "BadRequest",
            "could not read the request body",
        )));
    };
    let query = Query::parse(parts.uri.query());
    let target = match route(parts.uri.path()) {
        Route::Doc(doc) if parts.method == Method::GET => return Ok(json_response(200, &doc)),
        Route::Resource(target) => target,
        _ => {
            return Ok(error_response(&ApiError::new(
                404,
                "NotFound",
                "the server could not find the requested resource",
            )));
        }
    };
    let verb = verb_of(&parts.method, &target, &query);
    if caller != Caller::Admin && !rbac::allows(&shared.lock().store, &caller, verb, &target) {
        return Ok(error_response(&forbidden(&target, verb, &caller.user())));
    }
    if let Some(refused) = fault(&shared, verb, &target).await {
        return Ok(refused);
    }
    if verb == "watch" {
        return Ok(watch::watch(shared, target, query));
    }
    // Events are the busiest writes on a real cluster and the controller never reads them.
    let concerns_controller = target.def.plural != "events";
    let call = Call {
        target,
        query,
        content_type: content_type(&parts),
        agent: agent(&parts),
        body,
    };
    let result = serve(&shared, verb, call);
    if concerns_controller
        && matches!(
            verb,
            "create" | "update" | "patch" | "delete" | "deletecollection"
        )
    {
        // Only writes give the controller something to do.
        shared.wake.notify_one();
    }
    Ok(match result {
        Ok(Reply::Json(value)) => json_response(200, &value),
        Ok(Reply::Created(value)) => json_response(201, &value),
        Ok(Reply::Text(text)) => {
            let mut response = Response::new(full(text));
            response
                .headers_mut()
                .insert("content-type", "text/plain".parse().expect("static header"));
            response
        }
        Err(error) => error_response(&error),
    })
}

/// Who sent the request, by its bearer token; `None` for no token or an unknown one.
fn authenticate(shared: &Shared, request: &Request<Incoming>) -> Option<Caller> {
    let token = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))?;
    if token_matches(token, &shared.token) {
        return Some(Caller::Admin);
    }
    let mut accounts = super::lock_accounts(&shared.accounts);
    let account = accounts
        .iter_mut()
        .find(|a| token_matches(token, &a.token))?;
    account.requests += 1;
    Some(Caller::ServiceAccount {
        namespace: account.namespace.clone(),
        name: account.name.clone(),
    })
}

/// The body's media type, without parameters.
fn content_type(parts: &Parts) -> String {
    parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// The client's program name (kubectl, kube-rs…), the field manager when none is given.
fn agent(parts: &Parts) -> String {
    parts
        .headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .and_then(|ua| ua.split('/').next())
        .unwrap_or("unknown")
        .to_string()
}

/// What a fault switch makes of this request: `None` to serve it, else the answer given
/// instead (a kill or a hang never answers).
async fn fault(shared: &Shared, verb: &str, target: &Target) -> Option<Response<Body>> {
    let rbac_resource = match &target.sub {
        Some(sub) => format!("{}/{sub}", target.def.plural),
        None => target.def.plural.to_string(),
    };
    match shared.faults.verdict(verb, &rbac_resource) {
        Verdict::Serve => None,
        Verdict::Kill => {
            shared.kill();
            // The connection is dropped by the kill; never answer.
            std::future::pending().await
        }
        Verdict::Hang => std::future::pending().await,
        Verdict::Forbidden => Some(error_response(&forbidden(target, verb, super::SIM_USER))),
        Verdict::Fail(code) => {
            let reason = match code {
                409 => "Conflict",
                429 => "TooManyRequests",
                500 => "InternalError",
                503 => "ServiceUnavailable",
                _ => "Unknown",
            };
            let mut response = error_response(&ApiError::new(
                code,
                reason,
                format!("simulated fault: {code} on {verb} {rbac_resource}"),
            ));
            if matches!(code, 429 | 503) {
                // As the API server's max-in-flight filter answers.
                response
                    .headers_mut()
                    .insert("retry-after", hyper::header::HeaderValue::from_static("1"));
            }
            Some(response)
        }
    }
}

fn verb_of(method: &Method, target: &Target, query: &Query) -> &'static str {
    match *method {
        Method::GET if target.name.is_none() && query.flag("watch") => "watch",
        Method::GET if target.name.is_none() => "list",
        Method::GET => "get",
        Method::POST => "create",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE if target.name.is_none() => "deletecollection",
        Method::DELETE => "delete",
        _ => "unknown",
    }
}

fn forbidden(target: &Target, verb: &str, user: &str) -> ApiError {
    let what = match &target.name {
        Some(name) => format!("{} \"{name}\"", target.def.qualified()),
        None => target.def.qualified(),
    };
    let resource = match &target.sub {
        Some(sub) => format!("{}/{sub}", target.def.plural),
        None => target.def.plural.to_string(),
    };
    let scope = match &target.ns {
        Some(ns) => format!(" in the namespace \"{ns}\""),
        None => " at the cluster scope".to_string(),
    };
    ApiError::new(
        403,
        "Forbidden",
        format!(
            "{what} is forbidden: User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{}\"{scope}",
            target.def.group
        ),
    )
}
