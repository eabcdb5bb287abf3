//! Deployment: contexts, connection, permissions, preview, deploy, the live rollout, and the
//! day-2 actions. The key goes from the keychain to the cluster's Secret here (never to the
//! sandbox, never back to the window).

use super::Purser;
use crate::audit::AuditEntry;
use crate::cluster::{
    AppSpec, AppSummary, ClusterError, ClusterService, ConnectionInfo, ContextList, CopyCount,
    Permission, Preview, RolloutStatus, ScaleOutcome, Target, UninstallReport,
};
use crate::error::AppError;
use crate::secrets::Secret;
use crate::settings::SettingsPatch;

/// A crashed app may print its environment to its log: the key it was given is masked in
/// the log lines a status carries before any reaches the window.
fn masked(mut status: RolloutStatus, key: Option<&Secret>) -> RolloutStatus {
    let Some(key) = key.map(Secret::expose).filter(|k| k.len() >= 8) else {
        return status;
    };
    for problem in &mut status.problems {
        if let Some(serde_json::Value::String(logs)) = problem.params.get_mut("logs") {
            if logs.contains(key) {
                *logs = logs.replace(key, "••••••••");
            }
        }
    }
    status
}

impl Purser {
    /// Contexts from the kubeconfig, and the sandbox.
    pub fn kube_contexts(&self) -> ContextList {
        self.cluster.contexts()
    }

    /// Connects to a context and remembers the choice. A failed connect leaves Purser
    /// connected to nothing (the choice is still remembered, to retry).
    pub async fn kube_connect(&self, context: &str) -> Result<ConnectionInfo, AppError> {
        self.change_settings(&SettingsPatch {
            kube_context: Some(context.into()),
            ..SettingsPatch::default()
        })?;
        Ok(self.cluster.connect(context).await?)
    }

    /// Forgets the connection (another context was chosen): nothing acts on a cluster until
    /// the next connect.
    pub fn kube_disconnect(&self) {
        self.cluster.disconnect();
    }

    /// Remembers the namespace chosen (or typed) for the current context.
    pub fn choose_namespace(&self, namespace: &str) -> Result<(), AppError> {
        self.change_settings(&SettingsPatch {
            kube_namespace: Some(namespace.into()),
            ..SettingsPatch::default()
        })?;
        Ok(())
    }

    /// Which of the permissions Purser uses the user has in the namespace.
    pub async fn permissions(&self, target: &Target) -> Result<Vec<Permission>, AppError> {
        Ok(self.cluster.permissions(target).await?)
    }

    /// Purser's apps in the namespace.
    pub async fn apps(&self, target: &Target) -> Result<Vec<AppSummary>, AppError> {
        Ok(self.cluster.apps(target).await?)
    }

    /// The OpenAI key an app on `target` gets: none is read for the sandbox, which gets a
    /// placeholder.
    async fn key_for(&self, target: &Target) -> Result<Option<Secret>, AppError> {
        if ClusterService::is_sandbox(&target.context) {
            return Ok(None);
        }
        Ok(self.credentials.openai_key().await?)
    }

    /// Refuses to send the key to a cluster reached over plain http or without a checked
    /// certificate, unless the user said yes knowing the risk.
    async fn refuse_insecure(&self, target: &Target, insecure_ok: bool) -> Result<(), AppError> {
        let Some(risk) = self.cluster.insecure(target).await? else {
            return Ok(());
        };
        if insecure_ok {
            tracing::warn!(context = %target.context, ?risk, "sending the key over an insecure connection, as the user said");
            return Ok(());
        }
        let how = match risk {
            crate::cluster::Insecure::PlainHttp => "plain_http",
            crate::cluster::Insecure::SkipVerify => "skip_verify",
        };
        Err(AppError::hinted(
            "kube_insecure_key",
            &format!("kube_insecure_{how}"),
            "the cluster is reached insecurely; the OpenAI key is not sent without a yes",
        )
        .with("context", target.context.clone()))
    }

    /// What deploying the form would change (server-side dry run). Changes nothing.
    pub async fn preview(&self, target: &Target, spec: &AppSpec) -> Result<Preview, AppError> {
        self.preview_over(target, spec, false).await
    }

    /// [`Self::preview`]; the dry run carries the key, so an insecurely reached cluster gets
    /// it only with `insecure_ok`.
    pub async fn preview_over(
        &self,
        target: &Target,
        spec: &AppSpec,
        insecure_ok: bool,
    ) -> Result<Preview, AppError> {
        self.refuse_insecure(target, insecure_ok).await?;
        let key = self.key_for(target).await?;
        Ok(self.cluster.preview(target, spec, key.as_ref()).await?)
    }

    /// Deploys the form with the keychain's key (a placeholder in the sandbox); `take_over`
    /// lets Purser manage what another tool created.
    pub async fn deploy(
        &self,
        target: &Target,
        spec: &AppSpec,
        take_over: bool,
    ) -> Result<RolloutStatus, AppError> {
        self.deploy_over(target, spec, take_over, false).await
    }

    /// [`Self::deploy`]; a cluster reached over plain http or without a checked certificate
    /// gets the key only with `insecure_ok` (the window asks first, naming the risk).
    pub async fn deploy_over(
        &self,
        target: &Target,
        spec: &AppSpec,
        take_over: bool,
        insecure_ok: bool,
    ) -> Result<RolloutStatus, AppError> {
        self.refuse_insecure(target, insecure_ok).await?;
        let key = self.key_for(target).await?;
        Ok(self
            .cluster
            .deploy(target, spec, key.as_ref(), take_over)
            .await?)
    }

    /// Streams the app's rollout to `emit` until it returns `false` or another watch starts;
    /// the key the app was given never shows in the crash log lines it carries.
    pub async fn watch_rollout(
        &self,
        target: &Target,
        app: &str,
        mut emit: impl FnMut(RolloutStatus) -> bool + Send + 'static,
    ) -> Result<(), AppError> {
        let key = self.key_for(target).await.ok().flatten();
        let masked_emit = move |status| emit(masked(status, key.as_ref()));
        Ok(self.cluster.watch_rollout(target, app, masked_emit).await?)
    }

    /// Sets the number of copies.
    pub async fn scale(
        &self,
        target: &Target,
        app: &str,
        replicas: i64,
    ) -> Result<ScaleOutcome, AppError> {
        let replicas = CopyCount::parse("replicas", replicas)
            .map_err(|problem| ClusterError::InvalidSpec(vec![problem]))?;
        Ok(self.cluster.scale(target, app, replicas).await?)
    }

    /// Sets the range of the autoscaler that manages the app.
    pub async fn set_autoscaler(
        &self,
        target: &Target,
        app: &str,
        min: i64,
        max: i64,
    ) -> Result<(), AppError> {
        Ok(self.cluster.set_autoscaler(target, app, min, max).await?)
    }

    /// Restarts every copy, one after the other.
    pub async fn restart(&self, target: &Target, app: &str) -> Result<RolloutStatus, AppError> {
        let status = self.cluster.restart(target, app).await?;
        Ok(masked(
            status,
            self.key_for(target).await.ok().flatten().as_ref(),
        ))
    }

    /// Goes back to the previous version.
    pub async fn rollback(&self, target: &Target, app: &str) -> Result<RolloutStatus, AppError> {
        let status = self.cluster.rollback(target, app).await?;
        Ok(masked(
            status,
            self.key_for(target).await.ok().flatten().as_ref(),
        ))
    }

    /// Removes what Purser created for the app; what it took over only with `remove_adopted`.
    pub async fn uninstall(
        &self,
        target: &Target,
        app: &str,
        remove_adopted: bool,
    ) -> Result<UninstallReport, AppError> {
        Ok(self.cluster.uninstall(target, app, remove_adopted).await?)
    }

    /// The newest audit entries, newest first (at most 1000).
    pub fn audit_entries(&self, limit: usize) -> Result<Vec<AuditEntry>, AppError> {
        Ok(self.cluster.audit().recent(limit.min(1000))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Problem;

    #[test]
    fn the_apps_key_is_masked_in_the_crash_log_lines_a_status_carries() {
        let key = Secret::new("fake-key-LOGCANARY-0123");
        let mut params = serde_json::Map::new();
        params.insert(
            "logs".into(),
            "starting\nOPENAI_API_KEY=fake-key-LOGCANARY-0123\nfatal".into(),
        );
        let status = RolloutStatus {
            app: "assistant".into(),
            phase: crate::cluster::Phase::Trouble,
            desired: 1,
            updated: 1,
            ready: 0,
            available: 0,
            summary: String::new(),
            problems: vec![Problem {
                code: "crash_loop".into(),
                params,
            }],
            image: None,
            revision: None,
            reconnecting: false,
        };
        let shown = masked(status, Some(&key));
        let logs = shown.problems[0].params["logs"].as_str().unwrap();
        assert!(!logs.contains("LOGCANARY"), "{logs}");
        assert!(logs.contains("OPENAI_API_KEY=••••••••"), "{logs}");
    }
}
