//! The three objects Purser manages for an app — a `Secret` with the OpenAI key, a
//! `Deployment` that reads it through `secretKeyRef`, and a `Service` — and their YAML preview,
//! in which the key never appears.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EnvVar, EnvVarSource, HTTPGetAction, PodSpec, PodTemplateSpec, Probe,
    ResourceRequirements, Secret, SecretKeySelector, Service, ServicePort, ServiceSpec,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::ByteString;
use serde_json::Value;

use super::spec::{AppSpec, EnvVar as FormEnvVar, ServiceType, ValidSpec, OPENAI_ENV};
use crate::secrets::Secret as KeychainSecret;

pub const NAME_LABEL: &str = "app.kubernetes.io/name";
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const MANAGER: &str = "purser";
/// Marks an object Purser took over from another tool (with the user's consent).
pub const ADOPTED_ANNOTATION: &str = "purser.dev/adopted";
/// What the preview shows instead of the key (the window explains it in the user's words:
/// the key from the keychain, or, in the sandbox, a placeholder).
pub const MASK: &str = "••••••••";

/// Who an existing object belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// Created by Purser.
    Purser,
    /// Created by another tool, taken over by Purser when the user asked.
    Adopted,
    /// Not Purser's.
    Foreign,
}

impl Ownership {
    pub fn of(meta: &ObjectMeta) -> Self {
        let labelled = meta
            .labels
            .as_ref()
            .and_then(|l| l.get(MANAGED_BY_LABEL))
            .map(String::as_str)
            == Some(MANAGER);
        let adopted = meta
            .annotations
            .as_ref()
            .is_some_and(|a| a.contains_key(ADOPTED_ANNOTATION));
        match (labelled, adopted) {
            (true, true) => Ownership::Adopted,
            (true, false) => Ownership::Purser,
            (false, _) => Ownership::Foreign,
        }
    }
}

/// Marks an object as taken over, so uninstall keeps it unless asked.
pub fn mark_adopted(meta: &mut ObjectMeta) {
    meta.annotations
        .get_or_insert_with(BTreeMap::new)
        .insert(ADOPTED_ANNOTATION.into(), "true".into());
}

/// The objects for one app.
#[derive(Clone)]
pub struct Manifests {
    pub secret: Secret,
    pub deployment: Deployment,
    pub service: Service,
}

impl Drop for Manifests {
    /// The key leaves memory with the objects built to carry it.
    fn drop(&mut self) {
        use super::scrub::Scrub;
        self.secret.scrub();
    }
}

impl std::fmt::Debug for Manifests {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The Secret holds the key: never printed.
        f.debug_struct("Manifests")
            .field("deployment", &self.deployment.metadata.name)
            .finish_non_exhaustive()
    }
}

pub fn secret_name(app: &str) -> String {
    format!("{app}-openai")
}

pub fn labels(app: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (NAME_LABEL.to_string(), app.to_string()),
        (MANAGED_BY_LABEL.to_string(), MANAGER.to_string()),
    ])
}

fn meta(name: &str, app: &str, namespace: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: Some(namespace.to_string()),
        labels: Some(labels(app)),
        ..ObjectMeta::default()
    }
}

pub fn build(spec: &ValidSpec, namespace: &str, key: &KeychainSecret) -> Manifests {
    let app = spec.name.as_str();
    let secret = Secret {
        metadata: meta(&secret_name(app), app, namespace),
        type_: Some("Opaque".into()),
        data: Some(BTreeMap::from([(
            OPENAI_ENV.to_string(),
            ByteString(key.expose().as_bytes().to_vec()),
        )])),
        ..Secret::default()
    };
    let selector = BTreeMap::from([(NAME_LABEL.to_string(), app.to_string())]);
    let deployment = Deployment {
        metadata: meta(app, app, namespace),
        spec: Some(DeploymentSpec {
            replicas: Some(spec.replicas.get()),
            selector: LabelSelector {
                match_labels: Some(selector.clone()),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels(app)),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![container(spec)],
                    ..PodSpec::default()
                }),
            },
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    };
    let service = Service {
        metadata: meta(app, app, namespace),
        spec: Some(ServiceSpec {
            type_: Some(match spec.service_type {
                ServiceType::ClusterIP => "ClusterIP".into(),
                ServiceType::LoadBalancer => "LoadBalancer".into(),
            }),
            selector: Some(selector),
            ports: Some(vec![ServicePort {
                name: Some("http".into()),
                port: 80,
                target_port: Some(IntOrString::Int(spec.port)),
                ..ServicePort::default()
            }]),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    };
    Manifests {
        secret,
        deployment,
        service,
    }
}

/// The app's container: its image, port, variables (the key by `secretKeyRef`, never as a
/// value), resources and health check.
fn container(spec: &ValidSpec) -> Container {
    let app = spec.name.as_str();
    let mut env = vec![EnvVar {
        name: OPENAI_ENV.into(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: secret_name(app),
                key: OPENAI_ENV.into(),
                optional: Some(false),
            }),
            ..EnvVarSource::default()
        }),
        ..EnvVar::default()
    }];
    env.extend(spec.env.iter().map(|v| EnvVar {
        name: v.name.clone(),
        value: Some(v.value.clone()),
        ..EnvVar::default()
    }));
    let quantities = |cpu: &Option<String>, memory: &Option<String>| {
        let mut map = BTreeMap::new();
        if let Some(cpu) = cpu {
            map.insert("cpu".to_string(), Quantity(cpu.clone()));
        }
        if let Some(memory) = memory {
            map.insert("memory".to_string(), Quantity(memory.clone()));
        }
        Some(map).filter(|m| !m.is_empty())
    };
    Container {
        name: "app".into(),
        image: Some(spec.image.clone()),
        ports: Some(vec![ContainerPort {
            name: Some("http".into()),
            container_port: spec.port,
            ..ContainerPort::default()
        }]),
        env: Some(env),
        resources: Some(ResourceRequirements {
            requests: quantities(&spec.cpu_request, &spec.memory_request),
            limits: quantities(&spec.cpu_limit, &spec.memory_limit),
            ..ResourceRequirements::default()
        }),
        readiness_probe: spec.readiness_path.as_ref().map(|path| Probe {
            http_get: Some(HTTPGetAction {
                path: Some(path.clone()),
                port: IntOrString::Int(spec.port),
                ..HTTPGetAction::default()
            }),
            period_seconds: Some(5),
            ..Probe::default()
        }),
        ..Container::default()
    }
}

/// Replaces every value of a Secret's `data`/`stringData` with `mask`.
pub fn mask_secret(value: &mut Value, mask: &str) {
    for field in ["data", "stringData"] {
        if let Some(map) = value.get_mut(field).and_then(Value::as_object_mut) {
            for v in map.values_mut() {
                *v = Value::String(mask.into());
            }
        }
    }
}

/// As YAML documents for the preview, the key masked.
pub fn preview_yaml(manifests: &Manifests) -> String {
    let mut secret = serde_json::to_value(&manifests.secret).unwrap_or_default();
    mask_secret(&mut secret, MASK);
    let docs = [
        secret,
        serde_json::to_value(&manifests.deployment).unwrap_or_default(),
        serde_json::to_value(&manifests.service).unwrap_or_default(),
    ];
    docs.iter()
        .map(|doc| serde_saphyr::to_string(doc).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("---\n")
}

/// Reconstructs the form from a live Deployment and Service (for editing what is deployed):
/// the inverse of [`build`].
pub fn spec_of(d: &Deployment, service: Option<&Service>) -> AppSpec {
    let pod = d.spec.as_ref().and_then(|s| s.template.spec.as_ref());
    let container = pod.and_then(|p| p.containers.first());
    let resources = container.and_then(|c| c.resources.as_ref());
    let q = |map: Option<&BTreeMap<String, Quantity>>, key: &str| {
        map.and_then(|m| m.get(key))
            .map(|q| q.0.clone())
            .unwrap_or_default()
    };
    let requests = resources.and_then(|r| r.requests.as_ref());
    let limits = resources.and_then(|r| r.limits.as_ref());
    AppSpec {
        name: d.metadata.name.clone().unwrap_or_default(),
        image: container.and_then(|c| c.image.clone()).unwrap_or_default(),
        replicas: Some(d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1) as i64),
        port: container
            .and_then(|c| c.ports.as_ref())
            .and_then(|p| p.first())
            .map(|p| p.container_port as i64),
        service_type: match service
            .and_then(|s| s.spec.as_ref())
            .and_then(|s| s.type_.as_deref())
        {
            Some("LoadBalancer") => ServiceType::LoadBalancer,
            _ => ServiceType::ClusterIP,
        },
        cpu_request: q(requests, "cpu"),
        cpu_limit: q(limits, "cpu"),
        memory_request: q(requests, "memory"),
        memory_limit: q(limits, "memory"),
        env: container
            .and_then(|c| c.env.as_ref())
            .into_iter()
            .flatten()
            .filter(|e| e.name != OPENAI_ENV)
            .filter_map(|e| {
                Some(FormEnvVar {
                    name: e.name.clone(),
                    value: e.value.clone()?,
                })
            })
            .collect(),
        readiness_path: container
            .and_then(|c| c.readiness_probe.as_ref())
            .and_then(|p| p.http_get.as_ref())
            .and_then(|h| h.path.clone())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::spec::AppSpec;

    fn spec() -> ValidSpec {
        AppSpec {
            name: "assistant".into(),
            image: "ghcr.io/acme/assistant:1.0".into(),
            replicas: Some(2),
            port: Some(8080),
            service_type: ServiceType::ClusterIP,
            cpu_request: "250m".into(),
            cpu_limit: String::new(),
            memory_request: "256Mi".into(),
            memory_limit: "512Mi".into(),
            env: vec![],
            readiness_path: "/healthz".into(),
        }
        .validate()
        .unwrap()
    }

    #[test]
    fn the_key_reaches_the_deployment_only_through_secret_key_ref_and_never_the_preview() {
        let key = KeychainSecret::new("fake-key-CANARY");
        let manifests = build(&spec(), "default", &key);
        let deployment = serde_json::to_string(&manifests.deployment).unwrap();
        assert!(!deployment.contains("CANARY"));
        assert!(deployment.contains("secretKeyRef"));
        let yaml = preview_yaml(&manifests);
        // The Secret's data is base64 in YAML: that is what must be absent.
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode(key.expose());
        assert!(!yaml.contains(&encoded), "{yaml}");
        assert!(yaml.contains(MASK));
        assert!(!format!("{manifests:?}").contains("CANARY"));
    }
}
