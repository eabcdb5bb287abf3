//! Connecting to a context, the permission pre-check, the list of Purser's apps and the
//! status of one of them: everything the Deployment screen reads before it changes anything.

use std::collections::BTreeMap;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{Namespace, Secret, Service};
use kube::api::{Api, ListParams, PostParams};
use serde::Serialize;

use super::error::ClusterError;
use super::manifests::{self, Ownership, MANAGED_BY_LABEL, MANAGER};
use super::rollout::{self, RolloutStatus};
use super::spec::AppSpec;
use super::{ClusterService, Connection, Target};
use crate::sync::lock;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionInfo {
    pub context: String,
    pub server: String,
    pub version: String,
    /// `None` when listing namespaces is not allowed (the user types one).
    pub namespaces: Option<Vec<String>>,
    pub sandbox: bool,
    /// Reached over plain http or without checking its certificate: the window warns, and
    /// the key is deployed there only when the user says so.
    pub insecure: Option<super::Insecure>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Permission {
    pub verb: String,
    pub resource: String,
    pub allowed: bool,
    /// What Purser needs it for, as a code the window words (e.g. `scale`).
    pub purpose: String,
}

/// The autoscaler that manages an app's number of copies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Autoscaler {
    pub name: String,
    pub min: i32,
    pub max: i32,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppSummary {
    pub name: String,
    pub image: String,
    pub replicas: i32,
    pub ready: i32,
    /// The form as it would reproduce what is deployed.
    pub spec: AppSpec,
    /// Set when an autoscaler manages the number of copies.
    pub autoscaler: Option<Autoscaler>,
    /// The app's objects Purser took over from another tool ("Service/assistant"); uninstall
    /// keeps them unless the user says otherwise.
    pub adopted: Vec<String>,
}

/// One permission Purser uses, and why.
struct Needed {
    verb: &'static str,
    group: &'static str,
    resource: &'static str,
    subresource: &'static str,
    purpose: &'static str,
}

const fn needed(
    verb: &'static str,
    group: &'static str,
    resource: &'static str,
    subresource: &'static str,
    purpose: &'static str,
) -> Needed {
    Needed {
        verb,
        group,
        resource,
        subresource,
        purpose,
    }
}

/// Every permission Purser uses.
const NEEDED: &[Needed] = &[
    needed("get", "apps", "deployments", "", "see_app"),
    needed("list", "apps", "deployments", "", "list_apps"),
    needed("watch", "apps", "deployments", "", "follow_rollout"),
    needed("create", "apps", "deployments", "", "first_deploy"),
    needed("patch", "apps", "deployments", "", "change_app"),
    needed("delete", "apps", "deployments", "", "uninstall"),
    needed("get", "apps", "deployments", "scale", "read_copies"),
    needed("patch", "apps", "deployments", "scale", "scale"),
    needed("list", "apps", "replicasets", "", "roll_back"),
    needed("get", "", "secrets", "", "compare_key"),
    needed("create", "", "secrets", "", "give_key"),
    needed("patch", "", "secrets", "", "update_key"),
    needed("delete", "", "secrets", "", "uninstall"),
    needed("get", "", "services", "", "see_address"),
    needed("create", "", "services", "", "expose_app"),
    needed("patch", "", "services", "", "change_exposure"),
    needed("delete", "", "services", "", "uninstall"),
    needed("list", "", "pods", "", "show_copies"),
    needed("watch", "", "pods", "", "follow_rollout"),
    needed("get", "", "pods", "log", "show_crash"),
    needed("list", "", "events", "", "explain_failures"),
    needed("watch", "", "events", "", "explain_live"),
    needed(
        "list",
        "autoscaling",
        "horizontalpodautoscalers",
        "",
        "notice_autoscaler",
    ),
    needed(
        "patch",
        "autoscaling",
        "horizontalpodautoscalers",
        "",
        "change_autoscaler",
    ),
];

/// Access reviews in flight at once: enough to be quick, few enough not to look like a flood
/// to the API server's priority and fairness.
const REVIEWS_AT_ONCE: usize = 6;

impl ClusterService {
    /// Connects to a context: server version and the namespaces (if listing is allowed).
    /// Whatever the outcome, the previous connection is gone first: after a failed connect no
    /// action reaches any cluster.
    pub async fn connect(&self, context: &str) -> Result<ConnectionInfo, ClusterError> {
        self.disconnect();
        let info = self
            .within(async {
                let connection = self.connection(context).await?;
                let classify = Self::classify(&connection, "");
                let version = connection
                    .client()
                    .apiserver_version()
                    .await
                    .map_err(&classify)?;
                let namespaces = match namespace_names(&connection.client()).await {
                    Ok(names) => Some(names),
                    Err(kube::Error::Api(status)) if status.code == 403 => None,
                    Err(other) => return Err(classify(other)),
                };
                Ok(ConnectionInfo {
                    context: context.to_string(),
                    server: connection.server.clone(),
                    version: version.git_version,
                    namespaces,
                    sandbox: connection.sandbox,
                    insecure: connection.insecure,
                })
            })
            .await;
        if info.is_ok() {
            *lock(&self.active) = Some(context.to_string());
        } else {
            // A client that failed to connect may hold a broken sign-in: start afresh next time.
            lock(&self.connections).remove(context);
        }
        info
    }

    /// Asks the cluster (SelfSubjectAccessReview) about every permission Purser uses.
    pub async fn permissions(&self, target: &Target) -> Result<Vec<Permission>, ClusterError> {
        self.within(async {
            let connection = self.connected(target).await?;
            let reviews: Api<SelfSubjectAccessReview> = Api::all(connection.client());
            let classify = Self::classify(&connection, &target.namespace);
            let asks: Vec<_> = NEEDED
                .iter()
                .map(|need| {
                    let permission = Permission {
                        verb: need.verb.to_string(),
                        resource: if need.subresource.is_empty() {
                            need.resource.to_string()
                        } else {
                            format!("{}/{}", need.resource, need.subresource)
                        },
                        allowed: false,
                        purpose: need.purpose.to_string(),
                    };
                    let reviews = reviews.clone();
                    let review = review_of(need, &target.namespace);
                    async move {
                        let answer = reviews.create(&PostParams::default(), &review).await?;
                        Ok::<_, kube::Error>(Permission {
                            allowed: answer.status.is_some_and(|s| s.allowed),
                            ..permission
                        })
                    }
                })
                .collect();
            futures::stream::iter(asks)
                .buffered(REVIEWS_AT_ONCE)
                .map_err(classify)
                .try_collect()
                .await
        })
        .await
    }

    /// Purser's apps in a namespace, with the form that reproduces each.
    pub async fn apps(&self, target: &Target) -> Result<Vec<AppSummary>, ClusterError> {
        self.within(async {
            let connection = self.connected(target).await?;
            let ns = &target.namespace;
            let classify = Self::classify(&connection, ns);
            let deployments: Api<Deployment> = Api::namespaced(connection.client(), ns);
            let list = deployments
                .list(&ListParams::default().labels(&format!("{MANAGED_BY_LABEL}={MANAGER}")))
                .await
                .map_err(&classify)?;
            let services: Api<Service> = Api::namespaced(connection.client(), ns);
            let secrets: Api<Secret> = Api::namespaced(connection.client(), ns);
            let hpas = self.autoscalers(&connection, ns).await?;
            let mut out = Vec::new();
            for d in list.items {
                let name = d.metadata.name.clone().unwrap_or_default();
                let service = services.get_opt(&name).await.map_err(&classify)?;
                let secret_name = manifests::secret_name(&name);
                let secret = secrets.get_opt(&secret_name).await.map_err(&classify)?;
                let mut adopted = Vec::new();
                if Ownership::of(&d.metadata) == Ownership::Adopted {
                    adopted.push(format!("Deployment/{name}"));
                }
                if service
                    .as_ref()
                    .is_some_and(|s| Ownership::of(&s.metadata) == Ownership::Adopted)
                {
                    adopted.push(format!("Service/{name}"));
                }
                if secret
                    .as_ref()
                    .is_some_and(|s| Ownership::of(&s.metadata) == Ownership::Adopted)
                {
                    adopted.push(format!("Secret/{secret_name}"));
                }
                let spec = manifests::spec_of(&d, service.as_ref());
                out.push(AppSummary {
                    image: spec.image.clone(),
                    replicas: d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
                    ready: d
                        .status
                        .as_ref()
                        .and_then(|s| s.ready_replicas)
                        .unwrap_or(0),
                    autoscaler: hpas.get(&name).cloned(),
                    name,
                    spec,
                    adopted,
                });
            }
            Ok(out)
        })
        .await
    }

    /// Autoscalers of the namespace, by the Deployment they scale.
    pub(super) async fn autoscalers(
        &self,
        connection: &Connection,
        namespace: &str,
    ) -> Result<BTreeMap<String, Autoscaler>, ClusterError> {
        let api: Api<HorizontalPodAutoscaler> = Api::namespaced(connection.client(), namespace);
        let list = match api.list(&ListParams::default()).await {
            Ok(list) => list.items,
            // Not allowed to see autoscalers: then Purser cannot honour them either way.
            Err(kube::Error::Api(status)) if status.code == 403 || status.code == 404 => Vec::new(),
            Err(other) => return Err(Self::classify(connection, namespace)(other)),
        };
        Ok(list
            .into_iter()
            .filter_map(|h| {
                let spec = h.spec?;
                (spec.scale_target_ref.kind == "Deployment").then(|| {
                    (
                        spec.scale_target_ref.name.clone(),
                        Autoscaler {
                            name: h.metadata.name.unwrap_or_default(),
                            min: spec.min_replicas.unwrap_or(1),
                            max: spec.max_replicas,
                        },
                    )
                })
            })
            .collect())
    }

    /// The app's rollout status now, on the connected cluster.
    pub async fn status(&self, target: &Target, app: &str) -> Result<RolloutStatus, ClusterError> {
        self.within(async {
            let connection = self.connected(target).await?;
            Self::snapshot(&connection, target, app).await
        })
        .await
    }

    /// The app's rollout status now on the cluster `target` names, connected or not (the
    /// overview shows apps on several clusters).
    pub async fn status_on(
        &self,
        target: &Target,
        app: &str,
    ) -> Result<RolloutStatus, ClusterError> {
        self.within(async {
            let connection = self.connection(&target.context).await?;
            Self::snapshot(&connection, target, app).await
        })
        .await
    }

    async fn snapshot(
        connection: &Connection,
        target: &Target,
        app: &str,
    ) -> Result<RolloutStatus, ClusterError> {
        rollout::snapshot(connection.client(), &target.namespace, app)
            .await
            .map_err(Self::classify(connection, &target.namespace))
    }
}

fn review_of(need: &Needed, namespace: &str) -> SelfSubjectAccessReview {
    SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                namespace: Some(namespace.to_string()),
                verb: Some(need.verb.to_string()),
                group: Some(need.group.to_string()),
                resource: Some(need.resource.to_string()),
                subresource: Some(need.subresource.to_string()).filter(|s| !s.is_empty()),
                ..ResourceAttributes::default()
            }),
            ..SelfSubjectAccessReviewSpec::default()
        },
        ..SelfSubjectAccessReview::default()
    }
}

/// Every purpose code, for the test that each has words in both languages.
#[cfg(any(test, feature = "testing"))]
pub fn purposes() -> Vec<&'static str> {
    NEEDED.iter().map(|n| n.purpose).collect()
}

/// Namespaces listed a page at a time (a shared cluster may have thousands), names only.
async fn namespace_names(client: &kube::Client) -> Result<Vec<String>, kube::Error> {
    const PAGE: u32 = 500;
    let api: Api<Namespace> = Api::all(client.clone());
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut params = ListParams::default().limit(PAGE);
        if let Some(token) = &token {
            params = params.continue_token(token);
        }
        let page = api.list_metadata(&params).await?;
        names.extend(page.items.into_iter().filter_map(|n| n.metadata.name));
        match page.metadata.continue_ {
            Some(next) if !next.is_empty() => token = Some(next),
            _ => return Ok(names),
        }
    }
}
