//! Server-side apply (`application/apply-patch+yaml`): field ownership, conflicts, force.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::managers::{conflict_error, entry, render_managed};
use super::{keep_server_fields, key, prepare_identity, ApiError, ObjKey, Store, Stored, Writer};
use crate::discovery::ResDef;
use crate::fields::{self, FieldPath, ManagerEntry};

/// The leaves an apply sets, path → value.
type Leaves = BTreeMap<FieldPath, Value>;

/// Whether `m` is `writer`'s own apply entry.
fn own_apply(m: &ManagerEntry, writer: &Writer) -> bool {
    m.manager == writer.manager && m.operation == "Apply"
}

impl Store {
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
        let leaves = fields::leaves(&applied);
        let k = key(def, ns, name);
        match self.objects.get(&k).cloned() {
            None => self.apply_new(def, k, applied, leaves, writer),
            Some(live) => {
                let managers = take_over(def, name, &live, &leaves, writer, force)?;
                self.apply_over(def, k, live, &applied, leaves, managers, writer)
            }
        }
    }

    /// The first apply of an object: it is created, and the writer owns what it set.
    fn apply_new(
        &mut self,
        def: &'static ResDef,
        k: ObjKey,
        applied: Value,
        leaves: Leaves,
        writer: &Writer,
    ) -> Result<Value, ApiError> {
        if def.namespaced && !self.namespace_exists(&k.ns) {
            return Err(ApiError::new(
                404,
                "NotFound",
                format!("namespaces \"{}\" not found", k.ns),
            ));
        }
        let dry = Writer {
            dry_run: true,
            ..writer.clone()
        };
        let mut obj = self.create(def, &k.ns, applied, &dry)?;
        obj["metadata"].as_object_mut().map(|m| {
            m.remove("resourceVersion");
            m.remove("managedFields")
        });
        let managers = vec![entry(def, writer, "Apply", leaves.into_keys().collect())];
        Ok(self.commit(k, obj, managers, "ADDED", writer.dry_run))
    }

    /// An apply over a live object: merged in, fields the writer dropped removed.
    #[allow(clippy::too_many_arguments)] // the parts of one apply, split out of `apply`
    fn apply_over(
        &mut self,
        def: &'static ResDef,
        k: ObjKey,
        live: Stored,
        applied: &Value,
        leaves: Leaves,
        mut managers: Vec<ManagerEntry>,
        writer: &Writer,
    ) -> Result<Value, ApiError> {
        let mut obj = live.obj.clone();
        prune_dropped(&mut obj, &managers, &leaves, writer);
        fields::merge(&mut obj, applied);
        keep_server_fields(&live.obj, &mut obj, false);
        self.defaults(def, &mut obj, Some(&live.obj));
        managers.retain(|m| !own_apply(m, writer));
        // Fields now applied leave the writer's own Update entry (they moved to Apply).
        for m in &mut managers {
            if m.manager == writer.manager {
                m.fields.retain(|f| !leaves.contains_key(f));
            }
        }
        managers.retain(|m| !m.fields.is_empty());
        managers.push(entry(def, writer, "Apply", leaves.into_keys().collect()));
        if obj == live.obj && !writer.dry_run {
            // Nothing changed: no new resourceVersion, no watch event (apply is idempotent).
            let mut stored = live;
            stored.managers = managers;
            render_managed(&mut stored.obj, &stored.managers);
            self.objects.insert(k, stored.clone());
            return Ok(stored.obj);
        }
        Ok(self.commit(k, obj, managers, "MODIFIED", writer.dry_run))
    }
}

/// The live object's managers once this apply has its fields: refused (409) when another
/// manager owns a value it would change, unless forced, which takes those fields from them.
fn take_over(
    def: &ResDef,
    name: &str,
    live: &Stored,
    leaves: &Leaves,
    writer: &Writer,
    force: bool,
) -> Result<Vec<ManagerEntry>, ApiError> {
    let mut conflicts: Vec<(String, String)> = Vec::new();
    for (path, value) in leaves {
        if fields::get(&live.obj, path) == Some(value) {
            continue;
        }
        for m in &live.managers {
            if !own_apply(m, writer) && m.fields.contains(path) {
                conflicts.push((m.manager.clone(), fields::display(path)));
            }
        }
    }
    let mut managers = live.managers.clone();
    if !conflicts.is_empty() {
        if !force {
            return Err(conflict_error(def, name, &conflicts));
        }
        let taken: BTreeSet<&FieldPath> = leaves.keys().collect();
        for m in &mut managers {
            m.fields.retain(|f| !taken.contains(f));
        }
    }
    Ok(managers)
}

/// Removes the fields this writer applied before but not now, that nobody else owns.
fn prune_dropped(obj: &mut Value, managers: &[ManagerEntry], leaves: &Leaves, writer: &Writer) {
    let previous: BTreeSet<FieldPath> = managers
        .iter()
        .find(|m| own_apply(m, writer))
        .map(|m| m.fields.clone())
        .unwrap_or_default();
    for path in &previous {
        let others = managers
            .iter()
            .any(|m| !own_apply(m, writer) && m.fields.contains(path));
        if !leaves.contains_key(path) && !others {
            fields::remove(obj, path);
        }
    }
}
