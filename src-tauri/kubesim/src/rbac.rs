//! Service accounts and the Roles bound to them, enforced as the API server's RBAC
//! authorizer does: a request made with a service account's token is allowed only when a
//! Role bound to that account in the request's namespace has a rule for its API group,
//! resource (`deployments/scale` for a subresource), verb and, where the rule names them,
//! the object's name. The sandbox's own token keeps every right.

use serde_json::Value;

use super::api::Target;
use super::discovery;
use super::store::Store;

/// Who a request is from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Caller {
    /// The sandbox's own user: every right.
    Admin,
    ServiceAccount {
        namespace: String,
        name: String,
    },
}

impl Caller {
    /// As the API server names the user in a refusal.
    pub(crate) fn user(&self) -> String {
        match self {
            Caller::Admin => super::SIM_USER.to_string(),
            Caller::ServiceAccount { namespace, name } => {
                format!("system:serviceaccount:{namespace}:{name}")
            }
        }
    }
}

/// A token issued for a service account (as the TokenRequest API issues one).
#[derive(Debug, Clone)]
pub(crate) struct Issued {
    pub token: String,
    pub namespace: String,
    pub name: String,
    /// Requests made with it, for the benchmarks.
    pub requests: u64,
}

fn lists(rule: &Value, key: &str, wanted: &str) -> bool {
    rule[key]
        .as_array()
        .is_some_and(|a| a.iter().any(|v| v == wanted || v == "*"))
}

/// Whether `rule` allows `verb` on `resource` of `group`, named `name`.
fn rule_allows(rule: &Value, group: &str, resource: &str, verb: &str, name: Option<&str>) -> bool {
    let names = rule["resourceNames"].as_array().filter(|a| !a.is_empty());
    lists(rule, "apiGroups", group)
        && lists(rule, "resources", resource)
        && lists(rule, "verbs", verb)
        // A rule limited by name allows only requests that name an object (never a list or
        // a create, as on a real server).
        && names.is_none_or(|names| name.is_some_and(|n| names.iter().any(|v| v == n)))
}

/// Whether `caller` may make `verb` on `target`.
pub(crate) fn allows(store: &Store, caller: &Caller, verb: &str, target: &Target) -> bool {
    let Caller::ServiceAccount { namespace, name } = caller else {
        return true;
    };
    // Only namespaced Roles are served: a service account has no cluster-wide right.
    let Some(ns) = target.ns.as_deref() else {
        return false;
    };
    let (Some(bindings), Some(roles)) = (
        discovery::find("rbac.authorization.k8s.io", "v1", "rolebindings"),
        discovery::find("rbac.authorization.k8s.io", "v1", "roles"),
    ) else {
        return false;
    };
    let resource = match &target.sub {
        Some(sub) => format!("{}/{sub}", target.def.plural),
        None => target.def.plural.to_string(),
    };
    let bound = |binding: &&Value| {
        binding["roleRef"]["kind"] == "Role"
            && binding["subjects"].as_array().is_some_and(|subjects| {
                subjects.iter().any(|s| {
                    s["kind"] == "ServiceAccount"
                        && s["name"] == name.as_str()
                        && s["namespace"].as_str().unwrap_or(ns) == namespace
                })
            })
    };
    store
        .list(bindings, Some(ns))
        .into_iter()
        .filter(bound)
        .filter_map(|b| b["roleRef"]["name"].as_str())
        .filter_map(|role| store.get(roles, ns, role))
        .flat_map(|role| role.obj["rules"].as_array().cloned().unwrap_or_default())
        .any(|rule| {
            rule_allows(
                &rule,
                target.def.group,
                &resource,
                verb,
                target.name.as_deref(),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_rule_matches_group_resource_verb_and_names() {
        let rule = json!({"apiGroups": ["apps"], "resources": ["deployments/scale"],
            "verbs": ["get", "patch"], "resourceNames": ["assistant"]});
        let allows = |resource, verb, name| rule_allows(&rule, "apps", resource, verb, name);
        assert!(allows("deployments/scale", "patch", Some("assistant")));
        assert!(!allows("deployments/scale", "patch", Some("other")));
        assert!(
            !allows("deployments", "patch", Some("assistant")),
            "not the object itself"
        );
        assert!(!allows("deployments/scale", "update", Some("assistant")));
        assert!(
            !allows("deployments/scale", "get", None),
            "a name-limited rule never lists"
        );
        assert!(!rule_allows(
            &rule,
            "",
            "deployments/scale",
            "get",
            Some("assistant")
        ));
        let events = json!({"apiGroups": [""], "resources": ["events"], "verbs": ["create"]});
        assert!(rule_allows(&events, "", "events", "create", None));
    }
}
