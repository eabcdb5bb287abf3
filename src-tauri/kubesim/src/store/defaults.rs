//! What the real API server checks and fills in on every write.

use serde_json::{json, Map, Value};

use super::{ApiError, Store};
use crate::discovery::ResDef;

impl Store {
    /// What the real API server fills in: defaults, cluster IPs, generation.
    pub(super) fn defaults(&mut self, def: &ResDef, obj: &mut Value, old: Option<&Value>) {
        match def.kind {
            "Deployment" => {
                let spec = &mut obj["spec"];
                if spec.get("replicas").is_none_or(Value::is_null) {
                    spec["replicas"] = json!(1);
                }
                for (field, value) in [
                    ("revisionHistoryLimit", json!(10)),
                    ("progressDeadlineSeconds", json!(600)),
                    (
                        "strategy",
                        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}),
                    ),
                ] {
                    if spec.get(field).is_none() {
                        spec[field] = value;
                    }
                }
            }
            "Service" => {
                let cluster_ip = old
                    .and_then(|o| o.pointer("/spec/clusterIP").cloned())
                    .unwrap_or_else(|| {
                        self.next_ip += 1;
                        json!(format!(
                            "10.96.{}.{}",
                            self.next_ip / 250,
                            self.next_ip % 250 + 1
                        ))
                    });
                let spec = &mut obj["spec"];
                if spec.get("type").is_none() {
                    spec["type"] = json!("ClusterIP");
                }
                spec["clusterIP"] = cluster_ip.clone();
                spec["clusterIPs"] = json!([cluster_ip]);
                if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
                    for port in ports {
                        if port.get("protocol").is_none() {
                            port["protocol"] = json!("TCP");
                        }
                        if port.get("targetPort").is_none() {
                            port["targetPort"] = port["port"].clone();
                        }
                    }
                }
            }
            "Secret" if obj.get("type").is_none() => {
                obj["type"] = json!("Opaque");
            }
            _ => {}
        }
        if let Some(old) = old {
            if let Some(generation) = old.pointer("/metadata/generation").and_then(Value::as_i64) {
                let bumped = if old.get("spec") != obj.get("spec") {
                    generation + 1
                } else {
                    generation
                };
                obj["metadata"]["generation"] = json!(bumped);
            }
        }
    }
}

/// Checks kind/apiVersion/name/namespace of a body and fills them in; returns the name.
pub(super) fn prepare_identity(
    def: &ResDef,
    ns: &str,
    obj: &mut Value,
) -> Result<String, ApiError> {
    let Some(map) = obj.as_object_mut() else {
        return Err(ApiError::new(
            400,
            "BadRequest",
            "the body is not an object",
        ));
    };
    let api_version = map
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or(&def.api_version())
        .to_string();
    let kind = map
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or(def.kind)
        .to_string();
    if api_version != def.api_version() || kind != def.kind {
        return Err(ApiError::new(
            400,
            "BadRequest",
            format!(
                "the body is a {kind} ({api_version}), not a {} ({})",
                def.kind,
                def.api_version()
            ),
        ));
    }
    map.insert("apiVersion".into(), json!(api_version));
    map.insert("kind".into(), json!(kind));
    let meta = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let name = meta
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if name.is_empty() {
        return Err(ApiError::invalid(
            def,
            "",
            "metadata.name: Required value: name is required",
        ));
    }
    if def.namespaced {
        if let Some(body_ns) = meta.get("namespace").and_then(Value::as_str) {
            if body_ns != ns {
                return Err(ApiError::new(
                    400,
                    "BadRequest",
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
        }
        meta["namespace"] = json!(ns);
    }
    Ok(name)
}

/// Keeps what clients cannot change through the main resource.
pub(super) fn keep_server_fields(live: &Value, obj: &mut Value, status_write: bool) {
    for field in [
        "uid",
        "creationTimestamp",
        "generation",
        "resourceVersion",
        "ownerReferences",
    ] {
        if let Some(value) = live["metadata"].get(field) {
            if field != "ownerReferences" || obj["metadata"].get(field).is_none() {
                obj["metadata"][field] = value.clone();
            }
        }
    }
    let map = obj.as_object_mut().expect("checked by prepare_identity");
    if status_write {
        let status = map.get("status").cloned();
        let mut kept = live.clone();
        if let Some(status) = status {
            kept["status"] = status;
        }
        *map = kept.as_object().cloned().unwrap_or_default();
    } else {
        match live.get("status") {
            Some(status) => {
                map.insert("status".into(), status.clone());
            }
            None => {
                map.remove("status");
            }
        }
    }
}
