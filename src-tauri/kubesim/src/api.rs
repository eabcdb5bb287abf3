//! The HTTP side of the simulated API server: authentication, routing of Kubernetes REST paths
//! to the store, patches of every type kubectl and kube-rs send, watches, subresources.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::discovery::{self, ResDef};
use super::faults::Verdict;
use super::store::{field_of, label_of, ApiError, Selector, Writer};
use super::{Shared, SIM_USER};

pub type Body = BoxBody<Bytes, Infallible>;

fn full(bytes: impl Into<Bytes>) -> Body {
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

fn error_response(error: &ApiError) -> Response<Body> {
    json_response(error.code, &error.status())
}

/// Where a request goes.
struct Target {
    def: &'static ResDef,
    ns: Option<String>,
    name: Option<String>,
    sub: Option<String>,
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

struct Query(Vec<(String, String)>);

impl Query {
    fn parse(raw: Option<&str>) -> Self {
        Self(
            form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .into_owned()
                .collect(),
        )
    }
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("true" | "1"))
    }
}

/// Compares in constant time, so the answer's timing says nothing about how much of a guessed
/// token was right.
fn token_matches(given: &str, expected: &str) -> bool {
    use subtle::ConstantTimeEq;
    given.as_bytes().ct_eq(expected.as_bytes()).into()
}

pub async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let authorized = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|token| token_matches(token, &shared.token));
    if !authorized {
        return Ok(error_response(&ApiError::new(
            401,
            "Unauthorized",
            "Unauthorized",
        )));
    }
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return Ok(error_response(&ApiError::new(
                400,
                "BadRequest",
                "could not read the request body",
            )))
        }
    };
    let query = Query::parse(parts.uri.query());
    let content_type = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    let agent = parts
        .headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .and_then(|ua| ua.split('/').next())
        .unwrap_or("unknown")
        .to_string();
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
    let rbac_resource = match &target.sub {
        Some(sub) => format!("{}/{sub}", target.def.plural),
        None => target.def.plural.to_string(),
    };
    match shared.faults.verdict(verb, &rbac_resource) {
        Verdict::Serve => {}
        Verdict::Kill => {
            shared.kill();
            // The connection is dropped by the kill; never answer.
            std::future::pending::<()>().await;
        }
        Verdict::Hang => std::future::pending::<()>().await,
        Verdict::Forbidden => return Ok(error_response(&forbidden(&target, verb))),
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
            return Ok(response);
        }
    }
    if verb == "watch" {
        return Ok(watch(shared, target, query));
    }
    let request = Call {
        target,
        query,
        content_type,
        agent,
        body,
    };
    let result = serve(&shared, verb, request);
    if matches!(
        verb,
        "create" | "update" | "patch" | "delete" | "deletecollection"
    ) {
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

fn forbidden(target: &Target, verb: &str) -> ApiError {
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
            "{what} is forbidden: User \"{SIM_USER}\" cannot {verb} resource \"{resource}\" in API group \"{}\"{scope}",
            target.def.group
        ),
    )
}

struct Call {
    target: Target,
    query: Query,
    content_type: String,
    agent: String,
    body: Bytes,
}

enum Reply {
    Json(Value),
    Created(Value),
    Text(String),
}

fn parse_body(call: &Call) -> Result<Value, ApiError> {
    let parsed = if call.content_type == "application/apply-patch+yaml" {
        serde_yaml::from_slice::<Value>(&call.body).map_err(|e| e.to_string())
    } else {
        serde_json::from_slice::<Value>(&call.body).map_err(|e| e.to_string())
    };
    parsed.map_err(|e| {
        ApiError::new(
            400,
            "BadRequest",
            format!("the request body is not valid: {e}"),
        )
    })
}

/// RFC 7386 JSON merge patch (also used for strategic merge patches: Purser's and kubectl's
/// patches here touch maps and whole lists only).
fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(entries) => {
            if !target.is_object() {
                *target = json!({});
            }
            let map = target.as_object_mut().expect("made an object above");
            for (key, value) in entries {
                if value.is_null() {
                    map.remove(key);
                } else {
                    merge_patch(map.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        other => *target = other.clone(),
    }
}

fn patched(live: &Value, call: &Call) -> Result<Value, ApiError> {
    let mut value = live.clone();
    match call.content_type.as_str() {
        "application/merge-patch+json" | "application/strategic-merge-patch+json" => {
            merge_patch(&mut value, &parse_body(call)?);
        }
        "application/json-patch+json" => {
            let patch: json_patch::Patch = serde_json::from_slice(&call.body).map_err(|e| {
                ApiError::new(
                    400,
                    "BadRequest",
                    format!("the JSON patch is not valid: {e}"),
                )
            })?;
            json_patch::patch(&mut value, &patch).map_err(|e| {
                ApiError::new(
                    422,
                    "Invalid",
                    format!("the JSON patch cannot be applied: {e}"),
                )
            })?;
        }
        other => {
            return Err(ApiError::new(
                415,
                "UnsupportedMediaType",
                format!("the body of the request was in an unknown format ({other})"),
            ));
        }
    }
    Ok(value)
}

fn serve(shared: &Shared, verb: &str, call: Call) -> Result<Reply, ApiError> {
    let def = call.target.def;
    let ns = call.target.ns.clone().unwrap_or_default();
    let dry_run = call.query.get("dryRun") == Some("All");
    let manager = call
        .query
        .get("fieldManager")
        .map(str::to_string)
        .unwrap_or_else(|| call.agent.clone());
    let writer = Writer {
        manager: &manager,
        subresource: call.target.sub.as_deref().filter(|s| *s != "log"),
        dry_run,
    };
    if def.kind == "SelfSubjectAccessReview" {
        return access_review(shared, parse_body(&call)?);
    }
    let mut cluster = shared.lock();
    let store = &mut cluster.store;
    let name = call.target.name.clone().unwrap_or_default();
    match (verb, call.target.sub.as_deref()) {
        ("list", _) => {
            let labels = Selector::parse(call.query.get("labelSelector").unwrap_or_default())
                .map_err(|e| ApiError::new(400, "BadRequest", e))?;
            let fields = Selector::parse(call.query.get("fieldSelector").unwrap_or_default())
                .map_err(|e| ApiError::new(400, "BadRequest", e))?;
            let items: Vec<Value> = store
                .list(def, call.target.ns.as_deref())
                .into_iter()
                .filter(|o| {
                    labels.matches(|l| label_of(o, l)) && fields.matches(|f| field_of(o, f))
                })
                .cloned()
                .collect();
            Ok(Reply::Json(json!({
                "kind": format!("{}List", def.kind), "apiVersion": def.api_version(),
                "metadata": {"resourceVersion": store.resource_version().to_string()}, "items": items
            })))
        }
        ("get", None) => store
            .get(def, &ns, &name)
            .map(|s| Reply::Json(s.obj.clone()))
            .ok_or_else(|| ApiError::not_found(def, &name)),
        ("get", Some("scale")) => {
            let live = store
                .get(def, &ns, &name)
                .ok_or_else(|| ApiError::not_found(def, &name))?;
            Ok(Reply::Json(scale_of(&live.obj)))
        }
        ("get", Some("status")) => store
            .get(def, &ns, &name)
            .map(|s| Reply::Json(s.obj.clone()))
            .ok_or_else(|| ApiError::not_found(def, &name)),
        ("get", Some("log")) => {
            let pod = store
                .get(def, &ns, &name)
                .ok_or_else(|| ApiError::not_found(def, &name))?;
            Ok(Reply::Text(pod_log(&pod.obj, &call.query)))
        }
        ("create", None) => {
            let body = parse_body(&call)?;
            store.create(def, &ns, body, &writer).map(Reply::Created)
        }
        ("update", Some("scale")) | ("patch", Some("scale")) => {
            let live = store
                .get(def, &ns, &name)
                .ok_or_else(|| ApiError::not_found(def, &name))?
                .obj
                .clone();
            let scale = if verb == "update" {
                parse_body(&call)?
            } else {
                patched(&scale_of(&live), &call)?
            };
            let replicas = scale
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .filter(|r| *r >= 0)
                .ok_or_else(|| {
                    ApiError::invalid(
                        def,
                        &name,
                        "spec.replicas: Invalid value: must be greater than or equal to 0",
                    )
                })?;
            let mut updated = live.clone();
            updated["spec"]["replicas"] = json!(replicas);
            let result = store.update(def, &ns, &name, updated, &writer)?;
            Ok(Reply::Json(scale_of(&result)))
        }
        ("update", sub) if sub.is_none() || sub == Some("status") => {
            let body = parse_body(&call)?;
            store
                .update(def, &ns, &name, body, &writer)
                .map(Reply::Json)
        }
        ("patch", sub) if sub.is_none() || sub == Some("status") => {
            if call.content_type == "application/apply-patch+yaml" {
                if call.query.get("fieldManager").is_none() {
                    return Err(ApiError::new(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"));
                }
                let body = parse_body(&call)?;
                return store
                    .apply(def, &ns, &name, body, &writer, call.query.flag("force"))
                    .map(Reply::Json);
            }
            let live = store
                .get(def, &ns, &name)
                .ok_or_else(|| ApiError::not_found(def, &name))?
                .obj
                .clone();
            let mut value = patched(&live, &call)?;
            if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove("resourceVersion");
                meta.remove("managedFields");
            }
            store
                .update(def, &ns, &name, value, &writer)
                .map(Reply::Json)
        }
        ("delete", None) => store.delete(def, &ns, &name, dry_run).map(Reply::Json),
        _ => Err(ApiError::new(
            405,
            "MethodNotAllowed",
            format!("{verb} is not supported on {}", def.qualified()),
        )),
    }
}

fn scale_of(obj: &Value) -> Value {
    let labels = obj
        .pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object);
    let selector: Vec<String> = labels
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    json!({
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": obj["metadata"]["name"], "namespace": obj["metadata"]["namespace"],
            "uid": obj["metadata"]["uid"], "resourceVersion": obj["metadata"]["resourceVersion"],
            "creationTimestamp": obj["metadata"]["creationTimestamp"]
        },
        "spec": {"replicas": obj["spec"]["replicas"]},
        "status": {"replicas": obj["status"]["replicas"].as_i64().unwrap_or(0), "selector": selector.join(",")}
    })
}

fn pod_log(pod: &Value, query: &Query) -> String {
    let image = pod["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap_or_default();
    let crashed = pod
        .pointer("/status/containerStatuses/0/state/waiting/reason")
        .and_then(Value::as_str)
        == Some("CrashLoopBackOff");
    let lines: Vec<String> = if crashed {
        vec![
            format!("starting {image} (simulated by Purser's sandbox)"),
            "reading configuration".into(),
            "fatal: the simulated app exited with status 1 (this image name asks the sandbox to crash)".into(),
        ]
    } else if pod.pointer("/status/phase").and_then(Value::as_str) == Some("Running") {
        vec![
            format!("starting {image} (simulated by Purser's sandbox)"),
            "ready".into(),
        ]
    } else {
        Vec::new()
    };
    let tail = query
        .get("tailLines")
        .and_then(|t| t.parse::<usize>().ok())
        .unwrap_or(lines.len());
    let skip = lines.len().saturating_sub(tail);
    lines.into_iter().skip(skip).map(|l| l + "\n").collect()
}

fn access_review(shared: &Shared, mut review: Value) -> Result<Reply, ApiError> {
    let attrs = review
        .pointer("/spec/resourceAttributes")
        .cloned()
        .unwrap_or(Value::Null);
    let verb = attrs["verb"].as_str().unwrap_or_default();
    let mut resource = attrs["resource"].as_str().unwrap_or_default().to_string();
    if let Some(sub) = attrs["subresource"].as_str().filter(|s| !s.is_empty()) {
        resource = format!("{resource}/{sub}");
    }
    let allowed = !shared.faults.is_denied(verb, &resource);
    review["status"] = json!({"allowed": allowed, "reason": if allowed { "allowed by the sandbox" } else { "denied by a fault switch" }});
    review["metadata"] = json!({"creationTimestamp": null});
    Ok(Reply::Created(review))
}

/// A watch: the backlog since `resourceVersion` (or the current objects as ADDED), then live
/// changes, as newline-delimited JSON. Ends on timeout, on a dropped-watch fault or a kill.
fn watch(shared: Arc<Shared>, target: Target, query: Query) -> Response<Body> {
    let labels = Selector::parse(query.get("labelSelector").unwrap_or_default());
    let fields = Selector::parse(query.get("fieldSelector").unwrap_or_default());
    let (labels, fields) = match (labels, fields) {
        (Ok(l), Ok(f)) => (l, f),
        (Err(e), _) | (_, Err(e)) => return error_response(&ApiError::new(400, "BadRequest", e)),
    };
    let since: Option<u64> = query
        .get("resourceVersion")
        .filter(|rv| !rv.is_empty() && *rv != "0")
        .and_then(|rv| rv.parse().ok());
    let timeout = query
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .unwrap_or(1800);
    let def = target.def;
    let ns = target.ns.clone();
    let matches = move |obj: &Value| {
        labels.matches(|l| label_of(obj, l)) && fields.matches(|f| field_of(obj, f))
    };

    let (tx, rx) = mpsc::channel::<Result<Frame<Bytes>, Infallible>>(64);
    let (initial, mut live) = {
        let cluster = shared.lock();
        let store = &cluster.store;
        match since {
            None => {
                let current: Vec<Value> = store
                    .list(def, ns.as_deref())
                    .into_iter()
                    .filter(|o| matches(o))
                    .cloned()
                    .collect();
                let (_, rx) = store.watch_from(store.resource_version());
                (
                    Some(
                        current
                            .into_iter()
                            .map(|o| ("ADDED", o))
                            .collect::<Vec<_>>(),
                    ),
                    rx,
                )
            }
            Some(rv) => {
                let (backlog, rx) = store.watch_from(rv);
                let backlog = backlog.map(|events| {
                    events
                        .into_iter()
                        .filter(|e| {
                            e.res == def.plural
                                && ns.as_ref().is_none_or(|n| *n == e.ns)
                                && matches(&e.obj)
                        })
                        .map(|e| (e.kind, e.obj.clone()))
                        .collect()
                });
                (backlog, rx)
            }
        }
    };
    let mut dropped = shared.faults.watch_epoch();
    let mut killed = shared.kill_signal();
    tokio::spawn(async move {
        let line = |kind: &str, obj: &Value| {
            Ok(Frame::data(Bytes::from(format!(
                "{}\n",
                json!({"type": kind, "object": obj})
            ))))
        };
        let Some(initial) = initial else {
            let gone = ApiError::new(410, "Expired", "too old resource version");
            let _ = tx.send(line("ERROR", &gone.status())).await;
            return;
        };
        for (kind, obj) in initial {
            if tx.send(line(kind, &obj)).await.is_err() {
                return;
            }
        }
        let deadline = tokio::time::sleep(Duration::from_secs(timeout));
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                event = live.recv() => match event {
                    Ok(e) if e.res == def.plural && ns.as_ref().is_none_or(|n| *n == e.ns) && matches(&e.obj) => {
                        if tx.send(line(e.kind, &e.obj)).await.is_err() { return; }
                    }
                    Ok(_) => {}
                    // Lagged or closed: end the stream; clients re-watch from their last version.
                    Err(_) => return,
                },
                _ = dropped.changed() => {
                    shared.faults.count_dropped();
                    return;
                }
                _ = killed.changed() => return,
                _ = &mut deadline => return,
                _ = tx.closed() => return,
            }
        }
    });
    let mut response = Response::new(BodyExt::boxed(StreamBody::new(ReceiverStream::new(rx))));
    response.headers_mut().insert(
        "content-type",
        "application/json".parse().expect("static header"),
    );
    response
}
