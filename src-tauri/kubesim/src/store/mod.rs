//! The simulated cluster's objects: an in-memory store with resource versions and an event log
//! for watches (resumable from a resourceVersion). Server-side apply, the server's defaults and
//! field managers live in the submodules; selectors in [`crate::selector`].

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use serde_json::{json, Value};
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

mod apply;
mod defaults;
mod error;
mod managers;

use defaults::{keep_server_fields, prepare_identity};
pub use error::ApiError;
use managers::{add_fields, entry, render_managed};

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
    /// The first part of every UID this server hands out: two servers never share one, as
    /// two clusters never do (Purser tells clusters apart by `kube-system`'s UID).
    uid_prefix: u32,
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

/// Four random bytes from the OS (a fixed prefix if it has none to give).
fn random_prefix() -> u32 {
    let mut bytes = [0u8; 4];
    match getrandom::fill(&mut bytes) {
        Ok(()) => u32::from_be_bytes(bytes),
        Err(_) => 0,
    }
}

impl Store {
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(LOG_CAPACITY);
        let mut store = Self {
            rv: 1000,
            next_uid: 1,
            uid_prefix: random_prefix(),
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
        let uid = format!(
            "{:08x}-0000-4000-8000-{:012x}",
            self.uid_prefix, self.next_uid
        );
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
                return Err(ApiError::conflict(def, name));
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
