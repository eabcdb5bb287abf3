//! `managedFields`: who owns which fields of an object.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::{ApiError, Writer};
use crate::discovery::ResDef;
use crate::fields::{self, FieldPath, ManagerEntry};
use crate::now_rfc3339;

pub(super) fn entry(
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

pub(super) fn add_fields(
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

pub(super) fn render_managed(obj: &mut Value, managers: &[ManagerEntry]) {
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

pub(super) fn conflict_error(def: &ResDef, name: &str, conflicts: &[(String, String)]) -> ApiError {
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
