//! The guard service's ports inside the cluster: the app through the pod's service account
//! (only what its Role allows: no write to the Deployment itself) and no OpenAI lever yet
//! (the figures: `figures.rs`; what the guard tells: core's `Told`).

use async_trait::async_trait;
use purser_core::cost::spend_limit::SpendLimit;
use purser_core::guard::cluster_ops::GuardOps;
use purser_core::guard::ports::{GuardCluster, GuardOpenAi, Look};
use purser_core::guard::{
    AppKey, CapRecord, ClusterIdentity, GuardError, Hold, Range, Target as Level,
};

/// The app, as the job's service account reaches it.
pub struct JobCluster<'a> {
    pub ops: &'a GuardOps<'a>,
    /// The cluster the shared record names. The record is kept in this very cluster, so it
    /// cannot be another one's; the job's Role may not read `kube-system` to tell.
    pub recorded: Option<ClusterIdentity>,
}

#[async_trait]
impl GuardCluster for JobCluster<'_> {
    async fn identity(&self, app: &AppKey) -> Result<ClusterIdentity, GuardError> {
        match &self.recorded {
            Some(identity) => Ok(identity.clone()),
            None => self.ops.identity(app).await,
        }
    }

    async fn look(&self, app: &AppKey) -> Result<Look, GuardError> {
        self.ops.look(app).await
    }

    async fn set_copies(
        &self,
        app: &AppKey,
        replicas: i32,
        version: &str,
    ) -> Result<(), GuardError> {
        self.ops.set_copies(app, replicas, version).await
    }

    async fn set_range(
        &self,
        app: &AppKey,
        autoscaler: &str,
        range: Range,
        version: &str,
    ) -> Result<(), GuardError> {
        self.ops.set_range(app, autoscaler, range, version).await
    }

    /// None: the shared record is every machine's note, and the job may not patch the
    /// Deployment (that right would let it rewrite the app's pods).
    fn writes_notes(&self) -> bool {
        false
    }

    async fn write_hint(
        &self,
        _app: &AppKey,
        _hint: Option<(Level, Level)>,
    ) -> Result<(), GuardError> {
        Ok(())
    }
}

/// OpenAI's lever is not run in the cluster yet: no project, so the round leaves it alone.
pub struct NoOpenAi;

#[async_trait]
impl GuardOpenAi for NoOpenAi {
    fn project(&self) -> Option<String> {
        None
    }
    async fn limit(&self, _: &str) -> Result<Option<SpendLimit>, GuardError> {
        Err(GuardError::NoProject)
    }
    async fn set_limit(&self, _: &str, _: i64) -> Result<SpendLimit, GuardError> {
        Err(GuardError::NoProject)
    }
    async fn delete_limit(&self, _: &str) -> Result<(), GuardError> {
        Err(GuardError::NoProject)
    }
    async fn cap_record(&self, _: &str) -> Result<Option<CapRecord>, GuardError> {
        Ok(None)
    }
    async fn keep_cap_record(&self, _: &str, _: Option<&CapRecord>) -> Result<(), GuardError> {
        Err(GuardError::NoProject)
    }
    async fn cap_hold(&self, _: &str) -> Result<Option<Hold>, GuardError> {
        Ok(None)
    }
    async fn keep_cap_hold(&self, _: &str, _: Option<&Hold>) -> Result<(), GuardError> {
        Err(GuardError::NoProject)
    }
}
