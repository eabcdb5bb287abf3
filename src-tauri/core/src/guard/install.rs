//! The objects that run the guard in the cluster for one app, each shown before it is
//! applied: a ServiceAccount, a Role with only what one check needs, its RoleBinding and an
//! hourly CronJob whose pod meets the "restricted" Pod Security level.
//!
//! The Role names every object it allows by name, except Events (Kubernetes cannot limit a
//! create by name): `get` the Deployment, `get`/`patch` its `scale` subresource (never a
//! patch of the Deployment itself, which would allow rewriting its pods), `get`/`patch` the
//! app's autoscaler when it has one, `get`/`update` the shared record. Nothing cluster-wide,
//! no list, no watch, no Secret.

use serde_json::{json, Value};

use super::shared::record_name;
use crate::cluster::manifests::{MANAGED_BY_LABEL, MANAGER, NAME_LABEL};
use crate::cluster::names::is_label;

/// The `purser-guard` image published with this version of Purser, by digest, when the
/// release workflow built this desktop (`PURSER_GUARD_IMAGE`); `None` in builds from source,
/// whose users build and push their own (`scripts/guard-image.sh`).
pub const PUBLISHED_IMAGE: Option<&str> = option_env!("PURSER_GUARD_IMAGE");

/// Once an hour, at minute 7 (not on the hour, when every other job in a cluster starts).
pub const DEFAULT_SCHEDULE: &str = "7 * * * *";

/// What to install for one app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallSpec {
    pub app: String,
    pub namespace: String,
    /// The `purser-guard` image, by digest where possible (`…/purser-guard@sha256:…`).
    pub image: String,
    /// Cron format, five fields.
    pub schedule: String,
    /// The autoscaler that manages the app, if any (its Role may read and change that one).
    pub autoscaler: Option<String>,
    /// The IAM role the pod takes on through IRSA (none: EKS Pod Identity, set up outside).
    pub aws_role_arn: Option<String>,
}

/// A value of the spec that cannot be installed, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} cannot be installed as {value:?}: {problem}")]
pub struct InstallInputError {
    pub field: &'static str,
    pub value: String,
    pub problem: &'static str,
}

/// The service account (and Role, RoleBinding, CronJob) of `app`'s guard.
pub fn guard_name(app: &str) -> String {
    format!("purser-guard-{app}")
}

fn check(spec: &InstallSpec) -> Result<(), InstallInputError> {
    let bad = |field, value: &str, problem| InstallInputError {
        field,
        value: value.chars().take(80).collect(),
        problem,
    };
    for (field, value) in [("app", &spec.app), ("namespace", &spec.namespace)] {
        if !is_label(value) {
            return Err(bad(field, value, "not a Kubernetes name"));
        }
    }
    if let Some(hpa) = spec.autoscaler.as_deref().filter(|a| !is_label(a)) {
        return Err(bad("autoscaler", hpa, "not a Kubernetes name"));
    }
    let image = spec.image.trim();
    if image.is_empty() || image.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad(
            "image",
            &spec.image,
            "an image reference has no spaces",
        ));
    }
    // The CronJob is named purser-guard-<app>, and CronJob names stay within 52 characters
    // (the Jobs it makes add 11).
    if guard_name(&spec.app).len() > 52 {
        return Err(bad(
            "app",
            &spec.app,
            "at most 39 characters for the guard's CronJob name",
        ));
    }
    if !cron(&spec.schedule) {
        return Err(bad(
            "schedule",
            &spec.schedule,
            "cron takes five fields of digits, names, * / , - (or @hourly, @daily…)",
        ));
    }
    if let Some(arn) = spec.aws_role_arn.as_deref() {
        if !arn.starts_with("arn:aws") || !arn.contains(":role/") {
            return Err(bad(
                "aws_role_arn",
                arn,
                "an IAM role ARN is arn:aws:iam::<account>:role/<name>",
            ));
        }
    }
    Ok(())
}

/// Whether `text` reads as a schedule the CronJob controller takes.
fn cron(text: &str) -> bool {
    super::in_cluster::schedule(text).is_some()
}

fn rule(group: &str, resource: &str, verbs: &[&str], names: &[&str]) -> Value {
    let mut rule = json!({"apiGroups": [group], "resources": [resource], "verbs": verbs});
    if !names.is_empty() {
        rule["resourceNames"] = json!(names);
    }
    rule
}

/// The Role's rules: what one check reads and writes, each by name.
fn rules(spec: &InstallSpec) -> Vec<Value> {
    let app = spec.app.as_str();
    let record = record_name(app);
    let mut rules = vec![
        rule("apps", "deployments", &["get"], &[app]),
        rule("apps", "deployments/scale", &["get", "patch"], &[app]),
        rule("", "configmaps", &["get", "update"], &[&record]),
        rule("", "events", &["create"], &[]),
    ];
    if let Some(hpa) = &spec.autoscaler {
        rules.push(rule(
            "autoscaling",
            "horizontalpodautoscalers",
            &["get", "patch"],
            &[hpa],
        ));
    }
    rules
}

// Long: the CronJob as one literal reads as the YAML a reviewer checks.
fn cron_job(spec: &InstallSpec, name: &str, labels: &Value) -> Value {
    let mut env = vec![json!({"name": "PURSER_APP", "value": spec.app})];
    if let Some(hpa) = &spec.autoscaler {
        env.push(json!({"name": "PURSER_AUTOSCALER", "value": hpa}));
    }
    json!({
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": name, "namespace": spec.namespace, "labels": labels},
        "spec": {
            "schedule": spec.schedule,
            // A check still running (a slow Cost Explorer) is never joined by a second one.
            "concurrencyPolicy": "Forbid",
            "startingDeadlineSeconds": 600,
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {"spec": {
                // A check that could not judge is not run again at once: the next hour is.
                "backoffLimit": 0,
                "activeDeadlineSeconds": 300,
                "ttlSecondsAfterFinished": 86400,
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "serviceAccountName": name,
                        "restartPolicy": "Never",
                        "securityContext": {
                            "runAsNonRoot": true, "runAsUser": 65532, "runAsGroup": 65532,
                            "seccompProfile": {"type": "RuntimeDefault"}
                        },
                        "containers": [{
                            "name": "guard",
                            "image": spec.image.trim(),
                            "env": env,
                            "resources": {
                                "requests": {"cpu": "10m", "memory": "32Mi"},
                                "limits": {"cpu": "250m", "memory": "96Mi"}
                            },
                            "securityContext": {
                                "allowPrivilegeEscalation": false,
                                "readOnlyRootFilesystem": true,
                                "capabilities": {"drop": ["ALL"]}
                            },
                            // The one writable place: the run's kubeconfig and audit file.
                            "volumeMounts": [{"name": "work", "mountPath": "/tmp"}]
                        }],
                        "volumes": [{"name": "work", "emptyDir": {"sizeLimit": "16Mi"}}]
                    }
                }
            }}
        }
    })
}

/// Every object, in the order they are applied (and removed in reverse).
pub fn guard_objects(spec: &InstallSpec) -> Result<Vec<Value>, InstallInputError> {
    check(spec)?;
    let name = guard_name(&spec.app);
    // Never the app's own name label: its Service and Deployment select pods by it, and the
    // guard's pod must not receive the app's traffic or count as one of its copies.
    let labels = json!({NAME_LABEL: "purser-guard", "app.kubernetes.io/instance": name,
        "app.kubernetes.io/part-of": spec.app, MANAGED_BY_LABEL: MANAGER});
    let meta = |kind: &str| {
        json!({"name": name, "namespace": spec.namespace, "labels": labels,
        "annotations": {"purser.dev/what": kind}})
    };
    let mut account = json!({"apiVersion": "v1", "kind": "ServiceAccount",
        "metadata": meta("the identity the guard's checks run as")});
    if let Some(arn) = &spec.aws_role_arn {
        account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"] = json!(arn);
    }
    Ok(vec![
        account,
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": meta("what one check may read and change, each by name"),
            "rules": rules(spec)}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": meta("gives the Role to the guard's service account"),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": spec.namespace}]}),
        cron_job(spec, &name, &labels),
    ])
}

/// The IAM policy the pod's AWS role needs: read the month's cost and forecast, nothing
/// else.
pub fn iam_policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "PurserGuardReadsCost", "Effect": "Allow",
        "Action": ["ce:GetCostAndUsage", "ce:GetCostForecast"], "Resource": "*"
    }]})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> InstallSpec {
        InstallSpec {
            app: "assistant".into(),
            namespace: "shop".into(),
            image: "registry.example/purser-guard@sha256:00".into(),
            schedule: DEFAULT_SCHEDULE.into(),
            autoscaler: None,
            aws_role_arn: None,
        }
    }

    #[test]
    fn the_role_names_every_object_and_never_the_deployment_for_a_write() {
        let objects = guard_objects(&spec()).unwrap();
        let rules = objects[1]["rules"].as_array().unwrap().clone();
        for rule in &rules {
            let verbs: Vec<&str> = rule["verbs"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            assert!(
                !verbs
                    .iter()
                    .any(|v| ["list", "watch", "delete", "*"].contains(v)),
                "{rule}"
            );
            if rule["resources"][0] != "events" {
                assert!(
                    rule["resourceNames"]
                        .as_array()
                        .is_some_and(|n| !n.is_empty()),
                    "{rule}"
                );
            }
            if rule["resources"][0] == "deployments" {
                assert_eq!(rule["verbs"], json!(["get"]));
            }
        }
        assert!(!rules.iter().any(|r| r["resources"][0] == "secrets"));
        assert!(!rules
            .iter()
            .any(|r| r["resources"][0] == "horizontalpodautoscalers"));
        let with_hpa = guard_objects(&InstallSpec {
            autoscaler: Some("assistant".into()),
            ..spec()
        })
        .unwrap();
        assert_eq!(
            with_hpa[1]["rules"].as_array().unwrap().len(),
            rules.len() + 1
        );
    }

    #[test]
    fn the_pod_meets_the_restricted_level() {
        let objects = guard_objects(&spec()).unwrap();
        let pod = &objects[3]["spec"]["jobTemplate"]["spec"]["template"]["spec"];
        assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
        assert_eq!(
            pod["securityContext"]["seccompProfile"]["type"],
            "RuntimeDefault"
        );
        let container = &pod["containers"][0]["securityContext"];
        assert_eq!(container["allowPrivilegeEscalation"], false);
        assert_eq!(container["readOnlyRootFilesystem"], true);
        assert_eq!(container["capabilities"]["drop"], json!(["ALL"]));
        assert_eq!(objects[3]["spec"]["concurrencyPolicy"], "Forbid");
    }

    #[test]
    fn the_guards_pod_is_never_selected_as_one_of_the_apps() {
        let objects = guard_objects(&spec()).unwrap();
        for object in &objects {
            assert_ne!(
                object["metadata"]["labels"][NAME_LABEL], "assistant",
                "{object}"
            );
        }
        let pod = &objects[3]["spec"]["jobTemplate"]["spec"]["template"]["metadata"];
        assert_eq!(pod["labels"][NAME_LABEL], "purser-guard");
        assert_eq!(pod["labels"]["app.kubernetes.io/part-of"], "assistant");
    }

    #[test]
    fn bad_input_is_refused_with_the_field() {
        let refused = |spec: InstallSpec| guard_objects(&spec).unwrap_err().field;
        assert_eq!(
            refused(InstallSpec {
                image: "my image".into(),
                ..spec()
            }),
            "image"
        );
        assert_eq!(
            refused(InstallSpec {
                schedule: "hourly".into(),
                ..spec()
            }),
            "schedule"
        );
        assert_eq!(
            refused(InstallSpec {
                namespace: "Shop!".into(),
                ..spec()
            }),
            "namespace"
        );
        assert_eq!(
            refused(InstallSpec {
                aws_role_arn: Some("guard".into()),
                ..spec()
            }),
            "aws_role_arn"
        );
        let irsa = guard_objects(&InstallSpec {
            aws_role_arn: Some("arn:aws:iam::123456789012:role/purser-guard".into()),
            ..spec()
        })
        .unwrap();
        assert_eq!(
            irsa[0]["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
            "arn:aws:iam::123456789012:role/purser-guard"
        );
    }
}
