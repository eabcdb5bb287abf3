//! The simulated cluster's objects: an in-memory store with resource versions, an event log
//! for watches (resumable from a resourceVersion), field managers, and label/field selectors.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use serde_json::{json, Map, Value};
use tokio::sync::broadcast;

use super::discovery::ResDef;
use super::fields::{self, FieldPath, ManagerEntry};
use super::now_rfc3339;

/// How many past changes a watch can resume from; older resourceVersions get 410 Gone.
const LOG_CAPACITY: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObjKey {
    pub res: &'static str,
    pub ns: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Stored {
    pub obj: Value,
    pub managers: Vec<ManagerEntry>,
}

#[derive(Debug)]
pub struct WatchEvent {
    pub rv: u64,
    pub res: &'static str,
    pub ns: String,
    pub kind: &'static str,
    pub obj: Value,
}

/// An API error as the real server reports it (a `Status` object).
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub causes: Vec<Value>,
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason,
            message: message.into(),
            causes: Vec::new(),
        }
    }

    pub fn not_found(def: &ResDef, name: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", def.qualified()),
        )
    }

    pub fn invalid(def: &ResDef, name: &str, detail: impl Into<String>) -> Self {
        Self::new(
            422,
            "Invalid",
            format!("{} {:?} is invalid: {}", def.kind, name, detail.into()),
        )
    }

    pub fn status(&self) -> Value {
        let mut details = json!({});
        if !self.causes.is_empty() {
            details["causes"] = Value::Array(self.causes.clone());
        }
        json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": self.message, "reason": self.reason, "details": details, "code": self.code
        })
    }
}

/// Who is writing, for managedFields.
#[derive(Debug, Clone)]
pub struct Writer<'a> {
    pub manager: &'a str,
    pub subresource: Option<&'a str>,
    pub dry_run: bool,
}

pub struct Store {
    rv: u64,
    next_uid: u64,
    next_ip: u32,
    objects: BTreeMap<ObjKey, Stored>,
    log: VecDeque<Arc<WatchEvent>>,
    tx: broadcast::Sender<Arc<WatchEvent>>,
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

impl Store {
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(LOG_CAPACITY);
        let mut store = Self {
            rv: 1000,
            next_uid: 1,
            next_ip: 10,
            objects: BTreeMap::new(),
            log: VecDeque::new(),
            tx,
        };
        for ns in ["default", "kube-system"] {
            let def = super::discovery::find("", "v1", "namespaces").expect("namespaces served");
            let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}, "status": {"phase": "Active"}});
            let writer = Writer {
                manager: "purser-sim",
                subresource: None,
                dry_run: false,
            };
            // Seeding cannot fail: the store is empty.
            let _ = store.create(def, "", obj, &writer);
        }
        store
    }

    pub fn resource_version(&self) -> u64 {
        self.rv
    }

    pub fn get(&self, def: &ResDef, ns: &str, name: &str) -> Option<&Stored> {
        self.objects.get(&key(def, ns, name))
    }

    /// Objects of a type, in one namespace or (ns = None) all of them.
    pub fn list(&self, def: &ResDef, ns: Option<&str>) -> Vec<&Value> {
        // Keys sort by type, then namespace, then name: read just the matching range.
        let res = def.plural_key();
        let start = ObjKey {
            res,
            ns: ns.unwrap_or_default().to_string(),
            name: String::new(),
        };
        self.objects
            .range(start..)
            .take_while(|(k, _)| k.res == res && ns.is_none_or(|ns| k.ns == ns))
            .map(|(_, s)| &s.obj)
            .collect()
    }

    /// Subscribes to changes, and returns those after `since` still in the log (`None` if
    /// `since` is older than the log keeps: the watcher must re-list).
    pub fn watch_from(
        &self,
        since: u64,
    ) -> (
        Option<Vec<Arc<WatchEvent>>>,
        broadcast::Receiver<Arc<WatchEvent>>,
    ) {
        let rx = self.tx.subscribe();
        let oldest = self.log.front().map(|e| e.rv).unwrap_or(self.rv + 1);
        if since + 1 < oldest && since < self.rv {
            return (None, rx);
        }
        let backlog = self.log.iter().filter(|e| e.rv > since).cloned().collect();
        (Some(backlog), rx)
    }

    fn namespace_exists(&self, ns: &str) -> bool {
        self.objects.contains_key(&ObjKey {
            res: "namespaces",
            ns: String::new(),
            name: ns.to_string(),
        })
    }

    pub fn create(
        &mut self,
        def: &'static ResDef,
        ns: &str,
        mut obj: Value,
        writer: &Writer,
    ) -> Result<Value, ApiError> {
        let name = prepare_identity(def, ns, &mut obj)?;
        if def.namespaced && !self.namespace_exists(ns) {
            return Err(ApiError::new(
                404,
                "NotFound",
                format!("namespaces \"{ns}\" not found"),
            ));
        }
        let k = key(def, ns, &name);
        if self.objects.contains_key(&k) {
            return Err(ApiError::new(
                409,
                "AlreadyExists",
                format!("{} \"{name}\" already exists", def.qualified()),
            ));
        }
        obj.as_object_mut().map(|o| o.remove("status"));
        self.defaults(def, &mut obj, None);
        let uid = format!("00000000-0000-4000-8000-{:012x}", self.next_uid);
        self.next_uid += 1;
        let meta = &mut obj["metadata"];
        meta["uid"] = json!(uid);
        meta["creationTimestamp"] = json!(now_rfc3339());
        if matches!(
            def.kind,
            "Deployment" | "ReplicaSet" | "HorizontalPodAutoscaler"
        ) {
            meta["generation"] = json!(1);
        }
        let fields = fields::leaves(&obj).into_keys().collect();
        let managers = vec![entry(def, writer, "Update", fields)];
        Ok(self.commit(k, obj, managers, "ADDED", writer.dry_run))
    }

    /// A full replacement (PUT) or the result of a patch, owned field by field by `writer`.
    pub fn update(
        &mut self,
        def: &'static ResDef,
        ns: &str,
        name: &str,
        mut obj: Value,
        writer: &Writer,
    ) -> Result<Value, ApiError> {
        let k = key(def, ns, name);
        let Some(live) = self.objects.get(&k).cloned() else {
            return Err(ApiError::not_found(def, name));
        };
        if let Some(rv) = obj
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
        {
            if rv != live.obj["metadata"]["resourceVersion"] {
                return Err(ApiError::new(
                    409,
                    "Conflict",
                    format!(
                        "Operation cannot be fulfilled on {} \"{name}\": the object has been \
                         modified; please apply your changes to the latest version and try again",
                        def.qualified()
                    ),
                ));
            }
        }
        let body_name = prepare_identity(def, ns, &mut obj)?;
        if body_name != name {
            return Err(ApiError::new(
                400,
                "BadRequest",
                "the name of the object does not match the name on the URL",
            ));
        }
        keep_server_fields(&live.obj, &mut obj, writer.subresource == Some("status"));
        self.defaults(def, &mut obj, Some(&live.obj));
        let changed = fields::changed(&live.obj, &obj);
        let mut managers = live.managers.clone();
        for m in &mut managers {
            m.fields.retain(|f| !changed.contains(f));
        }
        let new_leaves: BTreeSet<FieldPath> = fields::leaves(&obj).into_keys().collect();
        let owned: BTreeSet<FieldPath> = changed.intersection(&new_leaves).cloned().collect();
        add_fields(&mut managers, def, writer, "Update", owned);
        managers.retain(|m| !m.fields.is_empty());
        Ok(self.commit(k, obj, managers, "MODIFIED", writer.dry_run))
    }

    /// Server-side apply (`application/apply-patch+yaml`).
    pub fn apply(
        &mut self,
        def: &'static ResDef,
        ns: &str,
        name: &str,
        mut applied: Value,
        writer: &Writer,
        force: bool,
    ) -> Result<Value, ApiError> {
        let body_name = prepare_identity(def, ns, &mut applied)?;
        if body_name != name {
            return Err(ApiError::new(
                400,
                "BadRequest",
                "the name of the object does not match the name on the URL",
            ));
        }
        applied.as_object_mut().map(|o| o.remove("status"));
        let applied_leaves = fields::leaves(&applied);
        let k = key(def, ns, name);
        let Some(live) = self.objects.get(&k).cloned() else {
            if def.namespaced && !self.namespace_exists(ns) {
                return Err(ApiError::new(
                    404,
                    "NotFound",
                    format!("namespaces \"{ns}\" not found"),
                ));
            }
            let created = self.create(
                def,
                ns,
                applied,
                &Writer {
                    dry_run: true,
                    ..writer.clone()
                },
            )?;
            let mut obj = created;
            obj["metadata"].as_object_mut().map(|m| {
                m.remove("resourceVersion");
                m.remove("managedFields")
            });
            let fields = applied_leaves.into_keys().collect();
            let managers = vec![entry(def, writer, "Apply", fields)];
            return Ok(self.commit(k, obj, managers, "ADDED", writer.dry_run));
        };

        // Conflicts: a value this apply would change that another manager owns.
        let mut conflicts: Vec<(String, String)> = Vec::new();
        for (path, value) in &applied_leaves {
            if fields::get(&live.obj, path) == Some(value) {
                continue;
            }
            for m in &live.managers {
                let same = m.manager == writer.manager && m.operation == "Apply";
                if !same && m.fields.contains(path) {
                    conflicts.push((m.manager.clone(), fields::display(path)));
                }
            }
        }
        let mut managers = live.managers.clone();
        if !conflicts.is_empty() {
            if !force {
                return Err(conflict_error(def, name, &conflicts));
            }
            let taken: BTreeSet<&FieldPath> = applied_leaves.keys().collect();
            for m in &mut managers {
                m.fields.retain(|f| !taken.contains(f));
            }
        }

        // Fields this manager applied before but not now, that nobody else owns, go away.
        let previous: BTreeSet<FieldPath> = managers
            .iter()
            .find(|m| m.manager == writer.manager && m.operation == "Apply")
            .map(|m| m.fields.clone())
            .unwrap_or_default();
        let mut obj = live.obj.clone();
        for path in &previous {
            let others = managers.iter().any(|m| {
                !(m.manager == writer.manager && m.operation == "Apply") && m.fields.contains(path)
            });
            if !applied_leaves.contains_key(path) && !others {
                fields::remove(&mut obj, path);
            }
        }
        fields::merge(&mut obj, &applied);
        keep_server_fields(&live.obj, &mut obj, false);
        self.defaults(def, &mut obj, Some(&live.obj));
        managers.retain(|m| !(m.manager == writer.manager && m.operation == "Apply"));
        // Fields now applied leave the writer's own Update entry (they moved to Apply).
        for m in &mut managers {
            if m.manager == writer.manager {
                m.fields.retain(|f| !applied_leaves.contains_key(f));
            }
        }
        managers.retain(|m| !m.fields.is_empty());
        managers.push(entry(
            def,
            writer,
            "Apply",
            applied_leaves.into_keys().collect(),
        ));
        if obj == live.obj && !writer.dry_run {
            // Nothing changed: no new resourceVersion, no watch event (apply is idempotent).
            let mut stored = live.clone();
            stored.managers = managers;
            render_managed(&mut stored.obj, &stored.managers);
            self.objects.insert(k, stored.clone());
            return Ok(stored.obj);
        }
        Ok(self.commit(k, obj, managers, "MODIFIED", writer.dry_run))
    }

    /// Deletes an object and, like the garbage collector, everything it owns.
    pub fn delete(
        &mut self,
        def: &'static ResDef,
        ns: &str,
        name: &str,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        let k = key(def, ns, name);
        let Some(stored) = self.objects.get(&k).cloned() else {
            return Err(ApiError::not_found(def, name));
        };
        if dry_run {
            return Ok(stored.obj);
        }
        self.objects.remove(&k);
        self.rv += 1;
        let mut obj = stored.obj;
        obj["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        self.publish(k.res, ns, "DELETED", obj.clone());
        let uid = obj["metadata"]["uid"].clone();
        let children: Vec<ObjKey> = self
            .objects
            .iter()
            .filter(|(ck, s)| {
                ck.ns == ns
                    && s.obj["metadata"]["ownerReferences"]
                        .as_array()
                        .is_some_and(|refs| refs.iter().any(|r| r["uid"] == uid))
            })
            .map(|(ck, _)| ck.clone())
            .collect();
        for child in children {
            if let Some(child_def) = super::discovery::RESOURCES
                .iter()
                .find(|d| d.plural_key() == child.res)
            {
                let _ = self.delete(child_def, &child.ns, &child.name, false);
            }
        }
        Ok(obj)
    }

    fn commit(
        &mut self,
        k: ObjKey,
        mut obj: Value,
        managers: Vec<ManagerEntry>,
        kind: &'static str,
        dry_run: bool,
    ) -> Value {
        render_managed(&mut obj, &managers);
        if dry_run {
            if let Some(live) = self.objects.get(&k) {
                obj["metadata"]["resourceVersion"] =
                    live.obj["metadata"]["resourceVersion"].clone();
            }
            return obj;
        }
        self.rv += 1;
        obj["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        let res = k.res;
        let ns = k.ns.clone();
        self.objects.insert(
            k,
            Stored {
                obj: obj.clone(),
                managers,
            },
        );
        self.publish(res, &ns, kind, obj.clone());
        obj
    }

    fn publish(&mut self, res: &'static str, ns: &str, kind: &'static str, obj: Value) {
        let event = Arc::new(WatchEvent {
            rv: self.rv,
            res,
            ns: ns.to_string(),
            kind,
            obj,
        });
        if self.log.len() == LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(event.clone());
        // No receivers is normal (nobody is watching).
        let _ = self.tx.send(event);
    }

    /// What the real API server fills in: defaults, cluster IPs, generation.
    fn defaults(&mut self, def: &ResDef, obj: &mut Value, old: Option<&Value>) {
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

    /// Writes the status of an object (the controller's privilege); no-op if unchanged.
    pub fn set_status(&mut self, def: &'static ResDef, ns: &str, name: &str, status: Value) {
        let k = key(def, ns, name);
        let Some(stored) = self.objects.get(&k) else {
            return;
        };
        if stored.obj.get("status") == Some(&status) {
            return;
        }
        let mut obj = stored.obj.clone();
        let managers = stored.managers.clone();
        obj["status"] = status;
        self.commit(k, obj, managers, "MODIFIED", false);
    }

    /// Replaces an object as the controller (no field-manager bookkeeping beyond its own).
    pub fn controller_write(&mut self, def: &'static ResDef, ns: &str, obj: Value) {
        let name = obj["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let writer = Writer {
            manager: "purser-sim-controller",
            subresource: None,
            dry_run: false,
        };
        let result = if self.get(def, ns, &name).is_some() {
            let status = obj.get("status").cloned();
            let updated = self.update(def, ns, &name, strip_rv(obj), &writer);
            if let (Ok(_), Some(status)) = (&updated, status) {
                self.set_status(def, ns, &name, status);
            }
            updated
        } else {
            let status = obj.get("status").cloned();
            let created = self.create(def, ns, obj, &writer);
            if let (Ok(_), Some(status)) = (&created, status) {
                self.set_status(def, ns, &name, status);
            }
            created
        };
        if let Err(error) = result {
            tracing::debug!(message = %error.message, "simulated controller write refused");
        }
    }
}

fn strip_rv(mut obj: Value) -> Value {
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("resourceVersion");
    }
    obj
}

impl ResDef {
    /// Key of this type in the store.
    pub fn plural_key(&self) -> &'static str {
        self.plural
    }
}

fn key(def: &ResDef, ns: &str, name: &str) -> ObjKey {
    ObjKey {
        res: def.plural_key(),
        ns: if def.namespaced {
            ns.to_string()
        } else {
            String::new()
        },
        name: name.to_string(),
    }
}

/// Checks kind/apiVersion/name/namespace of a body and fills them in; returns the name.
fn prepare_identity(def: &ResDef, ns: &str, obj: &mut Value) -> Result<String, ApiError> {
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
fn keep_server_fields(live: &Value, obj: &mut Value, status_write: bool) {
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

fn entry(
    def: &ResDef,
    writer: &Writer,
    operation: &'static str,
    fields: BTreeSet<FieldPath>,
) -> ManagerEntry {
    ManagerEntry {
        manager: writer.manager.to_string(),
        operation,
        api_version: def.api_version(),
        subresource: writer.subresource.map(str::to_string),
        time: now_rfc3339(),
        fields,
    }
}

fn add_fields(
    managers: &mut Vec<ManagerEntry>,
    def: &ResDef,
    writer: &Writer,
    operation: &'static str,
    fields: BTreeSet<FieldPath>,
) {
    if fields.is_empty() {
        return;
    }
    let subresource = writer.subresource.map(str::to_string);
    match managers.iter_mut().find(|m| {
        m.manager == writer.manager && m.operation == operation && m.subresource == subresource
    }) {
        Some(existing) => {
            existing.fields.extend(fields);
            existing.time = now_rfc3339();
        }
        None => managers.push(entry(def, writer, operation, fields)),
    }
}

fn render_managed(obj: &mut Value, managers: &[ManagerEntry]) {
    let rendered: Vec<Value> = managers
        .iter()
        .map(|m| {
            let mut v = json!({
                "manager": m.manager, "operation": m.operation, "apiVersion": m.api_version,
                "time": m.time, "fieldsType": "FieldsV1", "fieldsV1": fields::fields_v1(&m.fields)
            });
            if let Some(sub) = &m.subresource {
                v["subresource"] = json!(sub);
            }
            v
        })
        .collect();
    obj["metadata"]["managedFields"] = Value::Array(rendered);
}

fn conflict_error(def: &ResDef, name: &str, conflicts: &[(String, String)]) -> ApiError {
    let lines: Vec<String> = conflicts
        .iter()
        .map(|(manager, field)| format!("- conflict with \"{manager}\": {field}"))
        .collect();
    let causes = conflicts
        .iter()
        .map(|(manager, field)| json!({"reason": "FieldManagerConflict", "message": format!("conflict with \"{manager}\""), "field": field}))
        .collect();
    let mut error = ApiError::new(
        409,
        "Conflict",
        format!(
            "Apply failed with {} conflict{}: {}",
            conflicts.len(),
            if conflicts.len() == 1 { "" } else { "s" },
            lines.join("\n")
        ),
    );
    let _ = (def, name);
    error.causes = causes;
    error
}

/// A parsed label selector: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x)`.
#[derive(Debug, Default)]
pub struct Selector(Vec<Requirement>);

#[derive(Debug)]
enum Requirement {
    Eq(String, String),
    NotEq(String, String),
    Exists(String),
    NotExists(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

impl Selector {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut out = Vec::new();
        for part in split_top_level(text) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let req = if let Some((k, v)) = part.split_once("!=") {
                Requirement::NotEq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                Requirement::Eq(k.trim().into(), v.trim().into())
            } else if let Some((k, rest)) = part.split_once(" notin ") {
                Requirement::NotIn(k.trim().into(), set_values(rest)?)
            } else if let Some((k, rest)) = part.split_once(" in ") {
                Requirement::In(k.trim().into(), set_values(rest)?)
            } else if let Some(k) = part.strip_prefix('!') {
                Requirement::NotExists(k.trim().into())
            } else {
                Requirement::Exists(part.into())
            };
            out.push(req);
        }
        Ok(Self(out))
    }

    /// Label selectors look at `metadata.labels`; field selectors at dotted paths.
    pub fn matches(&self, lookup: impl Fn(&str) -> Option<String>) -> bool {
        self.0.iter().all(|req| match req {
            Requirement::Eq(k, v) => lookup(k).as_deref() == Some(v),
            Requirement::NotEq(k, v) => lookup(k).as_deref() != Some(v),
            Requirement::Exists(k) => lookup(k).is_some(),
            Requirement::NotExists(k) => lookup(k).is_none(),
            Requirement::In(k, vs) => lookup(k).is_some_and(|x| vs.contains(&x)),
            Requirement::NotIn(k, vs) => lookup(k).is_none_or(|x| !vs.contains(&x)),
        })
    }
}

fn set_values(rest: &str) -> Result<Vec<String>, String> {
    let inner = rest
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| format!("unable to parse requirement: {rest}"))?;
    Ok(inner.split(',').map(|s| s.trim().to_string()).collect())
}

fn split_top_level(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts
}

pub fn label_of(obj: &Value, label: &str) -> Option<String> {
    obj.pointer("/metadata/labels")
        .and_then(|l| l.get(label))
        .and_then(Value::as_str)
        .map(str::to_string)
}

pub fn field_of(obj: &Value, path: &str) -> Option<String> {
    let mut current = obj;
    for part in path.split('.') {
        current = current.get(part)?;
    }
    match current {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}
