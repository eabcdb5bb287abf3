//! Preview and deploy: the form becomes three objects, a server-side dry run says what would
//! change (and what belongs to someone else), and server-side apply makes it so.
//!
//! Purser never takes an object it did not create without the user's say-so: an object of the
//! same name that exists without Purser's label stops the deploy until the user ticks "take
//! over", and an object taken over is marked so uninstall keeps it unless asked.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Secret, Service};
use kube::api::{Api, Patch, PatchParams};
use kube::Resource;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::activity;
use super::diff::{self, DiffLine};
use super::error::{ClusterError, FieldConflict};
use super::manifests::{self, Manifests, Ownership, MANAGER};
use super::rollout::{self, RolloutStatus};
use super::spec::{AppSpec, OPENAI_ENV};
use super::{ClusterService, Connection, Target};
use crate::secrets::Secret as KeychainSecret;

/// What a sandbox's Secret holds instead of the user's key: a simulation never receives it.
pub const SANDBOX_PLACEHOLDER_KEY: &str = "purser-sandbox-placeholder-not-an-openai-key";

/// The notes a diff line may carry, and the actions a change may have (the window words each).
pub const DIFF_NOTES: [&str; 1] = ["key_changes"];
pub const CHANGE_ACTIONS: [&str; 3] = ["create", "update", "unchanged"];

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub kind: String,
    pub name: String,
    /// `create`, `update` or `unchanged`.
    pub action: String,
    pub diff: Vec<DiffLine>,
    /// It exists and was not created by Purser: deploying takes it over (only if asked).
    pub not_managed: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    /// The manifests as YAML, the key shown as "•••• from keychain".
    pub yaml: String,
    pub changes: Vec<Change>,
    /// Fields other tools manage that this deploy would change (needs "take over").
    pub conflicts: Vec<FieldConflict>,
    /// Objects that exist and are not Purser's, e.g. `Service/assistant` (needs "take over").
    pub not_managed: Vec<String>,
    /// The sandbox gets a placeholder, never the keychain's key.
    pub sandbox: bool,
}

/// One object's dry run.
pub(crate) struct Planned {
    pub(crate) change: Change,
    pub(crate) conflicts: Vec<FieldConflict>,
    pub(crate) ownership: Option<Ownership>,
}

fn apply_params(force: bool) -> PatchParams {
    let params = PatchParams::apply(MANAGER);
    if force {
        params.force()
    } else {
        params
    }
}

impl ClusterService {
    /// The key the app's Secret gets: the keychain's on a real cluster, a placeholder in the
    /// sandbox (which is only a simulation on this computer).
    fn key_for(
        connection: &Connection,
        key: Option<&KeychainSecret>,
    ) -> Result<KeychainSecret, ClusterError> {
        if connection.sandbox {
            return Ok(KeychainSecret::new(SANDBOX_PLACEHOLDER_KEY));
        }
        key.cloned().ok_or(ClusterError::NoOpenAiKey)
    }

    /// What deploying the form would change, from a server-side dry run. Changes nothing.
    pub async fn preview(
        &self,
        target: &Target,
        form: &AppSpec,
        key: Option<&KeychainSecret>,
    ) -> Result<Preview, ClusterError> {
        let spec = form.validate().map_err(ClusterError::InvalidSpec)?;
        self.within(async {
            let connection = self.connected(target).await?;
            let key = Self::key_for(&connection, key)?;
            let manifests = manifests::build(&spec, &target.namespace, &key);
            drop(key);
            let planned = plan(&connection, &target.namespace, &manifests).await?;
            let not_managed = not_managed(&planned);
            let mut changes = Vec::new();
            let mut conflicts = Vec::new();
            for p in planned {
                changes.push(p.change);
                conflicts.extend(p.conflicts);
            }
            Ok(Preview {
                yaml: manifests::preview_yaml(&manifests),
                changes,
                conflicts,
                not_managed,
                sandbox: connection.sandbox,
            })
        })
        .await
    }

    /// Applies the form (server-side apply, field manager `purser`). Objects Purser did not
    /// create, and fields other managers own, stop it before anything is written, unless
    /// `take_over`.
    pub async fn deploy(
        &self,
        target: &Target,
        form: &AppSpec,
        key: Option<&KeychainSecret>,
        take_over: bool,
    ) -> Result<RolloutStatus, ClusterError> {
        let spec = form.validate().map_err(ClusterError::InvalidSpec)?;
        let connection = self.connected(target).await?;
        let key = Self::key_for(&connection, key)?;
        let mut manifests = manifests::build(&spec, &target.namespace, &key);
        drop(key);
        let subject = activity::deploy(&spec.name, &spec.image, spec.replicas.get(), take_over);
        let ns = &target.namespace;
        self.audited(target, subject, async {
            // Dry-run everything first, so a refusal changes nothing at all.
            let planned = plan(&connection, ns, &manifests).await?;
            let foreign = not_managed(&planned);
            let conflicts: Vec<FieldConflict> =
                planned.iter().flat_map(|p| p.conflicts.clone()).collect();
            if !take_over && !foreign.is_empty() {
                return Err(ClusterError::NotManaged(foreign));
            }
            if !take_over && !conflicts.is_empty() {
                return Err(ClusterError::Conflict(conflicts));
            }
            // Taken over now or earlier: the mark stays on (SSA would drop a field Purser owns
            // and no longer sends).
            let [secret, deployment, service] = [0, 1, 2].map(|i| {
                matches!(
                    planned[i].ownership,
                    Some(Ownership::Foreign | Ownership::Adopted)
                )
            });
            if secret {
                manifests::mark_adopted(&mut manifests.secret.metadata);
            }
            if deployment {
                manifests::mark_adopted(&mut manifests.deployment.metadata);
            }
            if service {
                manifests::mark_adopted(&mut manifests.service.metadata);
            }
            apply(&connection, ns, &manifests.secret, take_over).await?;
            apply(&connection, ns, &manifests.deployment, take_over).await?;
            apply(&connection, ns, &manifests.service, take_over).await?;
            Ok(())
        })
        .await?;
        self.within(async {
            rollout::snapshot(connection.client(), ns, &spec.name)
                .await
                .map_err(Self::classify(&connection, ns))
        })
        .await
    }
}

/// Dry-runs the three objects (Secret, Deployment, Service, in that order).
async fn plan(
    connection: &Connection,
    ns: &str,
    manifests: &Manifests,
) -> Result<Vec<Planned>, ClusterError> {
    Ok(vec![
        dry_run::<Secret>(connection, ns, &manifests.secret).await?,
        dry_run::<Deployment>(connection, ns, &manifests.deployment).await?,
        dry_run::<Service>(connection, ns, &manifests.service).await?,
    ])
}

pub(crate) fn not_managed(planned: &[Planned]) -> Vec<String> {
    planned
        .iter()
        .filter(|p| p.change.not_managed)
        .map(|p| format!("{}/{}", p.change.kind, p.change.name))
        .collect()
}

pub(crate) async fn apply<K>(
    connection: &Connection,
    ns: &str,
    object: &K,
    force: bool,
) -> Result<(), ClusterError>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + Serialize
        + std::fmt::Debug
        + super::scrub::Scrub,
    K::DynamicType: Default,
{
    let api: Api<K> = Api::namespaced(connection.client(), ns);
    let classify = ClusterService::classify(connection, ns);
    let name = object.meta().name.clone().unwrap_or_default();
    match api
        .patch(&name, &apply_params(force), &Patch::Apply(object))
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 409 && !force && only_purser(&status) => {
            // Only Purser's own earlier edits (e.g. a scale) disagree: Purser may take them back.
            api.patch(&name, &apply_params(true), &Patch::Apply(object))
                .await
                .map(|_| ())
                .map_err(classify)
        }
        Err(other) => Err(classify(other)),
    }
}

fn only_purser(status: &kube::core::Status) -> bool {
    status.details.as_ref().is_some_and(|d| {
        !d.causes.is_empty()
            && d.causes
                .iter()
                .all(|c| c.message.split('"').nth(1) == Some(MANAGER))
    })
}

/// A server-side dry run of an apply: the change it would make, any conflicts, and who owns
/// the object now (`None`: it does not exist).
pub(crate) async fn dry_run<K>(
    connection: &Connection,
    ns: &str,
    object: &K,
) -> Result<Planned, ClusterError>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + Serialize
        + std::fmt::Debug
        + super::scrub::Scrub,
    K::DynamicType: Default,
{
    let api: Api<K> = Api::namespaced(connection.client(), ns);
    let classify = ClusterService::classify(connection, ns);
    let name = object.meta().name.clone().unwrap_or_default();
    let kind = K::kind(&K::DynamicType::default()).to_string();
    let live = api.get_opt(&name).await.map_err(&classify)?;
    let ownership = live.as_ref().map(|l| Ownership::of(l.meta()));
    let mut conflicts = Vec::new();
    let would = match api
        .patch(&name, &apply_params(false).dry_run(), &Patch::Apply(object))
        .await
    {
        Ok(would) => would,
        Err(kube::Error::Api(status)) if status.code == 409 => {
            if !only_purser(&status) {
                if let ClusterError::Conflict(found) = classify(kube::Error::Api(status.clone())) {
                    conflicts = found;
                }
            }
            api.patch(&name, &apply_params(true).dry_run(), &Patch::Apply(object))
                .await
                .map_err(&classify)?
        }
        Err(other) => return Err(classify(other)),
    };
    let live_value = live.as_ref().and_then(|l| serde_json::to_value(l).ok());
    let would_value = serde_json::to_value(&would).unwrap_or_default();
    let key_changes = kind == "Secret"
        && live_value
            .as_ref()
            .is_some_and(|l| l.get("data") != would_value.get("data"));
    let mut lines = diff::lines(
        live_value.map(diff::comparable).as_ref(),
        &diff::comparable(would_value),
    );
    if key_changes {
        lines.push(DiffLine {
            sign: "~".into(),
            text: format!("{OPENAI_ENV}: {}", manifests::MASK),
            note: Some(DIFF_NOTES[0].into()),
        });
    }
    let action = match (&live, lines.is_empty()) {
        (None, _) => CHANGE_ACTIONS[0],
        (Some(_), true) => CHANGE_ACTIONS[2],
        (Some(_), false) => CHANGE_ACTIONS[1],
    };
    // The cluster echoes the Secret's value in both: wiped once the diff is made.
    let mut would = would;
    would.scrub();
    if let Some(mut live) = live {
        live.scrub();
    }
    Ok(Planned {
        change: Change {
            kind,
            name,
            action: action.into(),
            diff: lines,
            not_managed: ownership == Some(Ownership::Foreign),
        },
        conflicts,
        ownership,
    })
}
