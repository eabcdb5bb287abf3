//! Credentials as the user sees them: which secrets are stored (and how they end), store,
//! replace, delete, and checks against the real services with their last result remembered.
//!
//! Secrets live only in the [`SecretStore`]; the check results (no secrets in them) are kept in
//! `credentials.json` in the app data dir so the screen and the status bar survive a restart.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::clock::{Clock, SystemClock};
use crate::error::AppError;

use super::{
    AwsAccess, AwsIdentity, AwsTarget, CheckError, OpenAiEndpoint, Secret, SecretError, SecretKind,
    SecretStore,
};
use crate::files::write_atomic;
use crate::sync::lock;

/// File name of the check records in the app data dir.
pub const RECORDS_FILE: &str = "credentials.json";

/// One secret as the UI may see it: whether it is stored and its last four characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredSecret {
    pub kind: SecretKind,
    pub stored: bool,
    /// Last four characters, for "stored · ends in 4f2a"; `None` for short values.
    pub ends_in: Option<String>,
}

/// The result of the last check of one service, as codes the window renders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckRecord {
    /// When the check finished (RFC 3339, UTC).
    pub at: String,
    pub ok: bool,
    /// What the check found: `openai_ok` / `aws_ok`, or the failure's code.
    pub code: String,
    /// The values it names (models counted, account and ARN, or the failure's values).
    #[serde(default)]
    pub params: Map<String, Value>,
    /// What to do, when the check failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint_code: Option<String>,
}

/// Check results that survive a restart. Holds no secrets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CheckRecords {
    pub openai: Option<CheckRecord>,
    /// The admin key's check: can it read the organisation's costs?
    pub openai_admin: Option<CheckRecord>,
    pub aws: Option<CheckRecord>,
    /// Who the AWS credentials belong to, from the last successful check.
    pub aws_identity: Option<AwsIdentity>,
}

/// Everything the Credentials screen shows.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialsOverview {
    pub secrets: Vec<StoredSecret>,
    #[serde(flatten)]
    pub checks: CheckRecords,
}

/// How AWS credentials are found, as chosen in settings.
#[derive(Debug, Clone)]
pub enum AwsChoice {
    Keys,
    Profile(String),
}

/// How long a keychain call may take: the OS may show a prompt, but a keychain that does not
/// answer in this time is told, not waited for.
pub const KEYCHAIN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// The credentials service behind the commands.
#[derive(Debug)]
pub struct Credentials {
    store: Arc<dyn SecretStore>,
    /// How long a keychain call may take before Purser stops waiting for it.
    deadline: std::time::Duration,
    records_path: PathBuf,
    records: Mutex<CheckRecords>,
    /// Times the check records.
    clock: Arc<dyn Clock>,
}

impl Credentials {
    /// `data_dir` holds the check records; a missing or unreadable records file starts empty
    /// (it only caches check results, which the next check recreates).
    pub fn new(store: Arc<dyn SecretStore>, data_dir: PathBuf) -> Self {
        let records_path = data_dir.join(RECORDS_FILE);
        let records = std::fs::read(&records_path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Self {
            store,
            deadline: KEYCHAIN_DEADLINE,
            records_path,
            records: Mutex::new(records),
            clock: Arc::new(SystemClock),
        }
    }

    /// The same, its check records timed by `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Now, as a check record writes it.
    fn now(&self) -> String {
        crate::clock::rfc3339(self.clock.now())
    }

    /// The same, waiting at most `deadline` for each keychain call.
    pub fn with_deadline(mut self, deadline: std::time::Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Runs a keychain call on the blocking pool, so the async runtime keeps serving. Calls a
    /// person makes in the window (store, delete, the overview) may wait for an OS prompt as
    /// long as the person takes.
    async fn blocking<T: Send + 'static>(
        &self,
        call: impl FnOnce() -> Result<T, SecretError> + Send + 'static,
    ) -> Result<T, SecretError> {
        tokio::task::spawn_blocking(call)
            .await
            .unwrap_or_else(|join_error| {
                Err(SecretError::KeychainFailed {
                    reason: format!("the keychain call stopped unexpectedly ({join_error})"),
                })
            })
    }

    /// A read of a secret for a call Purser makes (the guard's rounds, cost reads): given up
    /// after the deadline, so a keychain that never answers cannot stall every later round.
    async fn read(&self, kind: SecretKind) -> Result<Option<Secret>, SecretError> {
        let store = self.store.clone();
        let read = self.blocking(move || store.get(kind));
        tokio::time::timeout(self.deadline, read)
            .await
            .unwrap_or(Err(SecretError::KeychainSlow {
                seconds: self.deadline.as_secs().max(1),
            }))
    }

    /// Which secrets are stored, and the last check results.
    pub async fn overview(&self) -> Result<CredentialsOverview, SecretError> {
        let store = self.store.clone();
        let secrets = self
            .blocking(move || {
                SecretKind::ALL
                    .iter()
                    .map(|&kind| {
                        let value = store.get(kind)?;
                        Ok(StoredSecret {
                            kind,
                            stored: value.is_some(),
                            ends_in: value
                                .filter(|_| kind.shows_ending())
                                .and_then(|v| v.ends_in()),
                        })
                    })
                    .collect::<Result<Vec<_>, SecretError>>()
            })
            .await?;
        Ok(CredentialsOverview {
            secrets,
            checks: self.records(),
        })
    }

    /// Validates a pasted value and stores it (replacing any earlier one). A refused value
    /// leaves the keychain untouched.
    pub async fn store(
        &self,
        kind: SecretKind,
        pasted: Secret,
    ) -> Result<CredentialsOverview, SecretError> {
        let secret = super::validate(kind, &pasted)?;
        drop(pasted);
        let store = self.store.clone();
        self.blocking(move || store.set(kind, &secret)).await?;
        tracing::info!(?kind, "secret stored");
        self.forget_check(kind);
        self.overview().await
    }

    /// The stored OpenAI key, for the cluster's Secret (never for the UI).
    pub async fn openai_key(&self) -> Result<Option<Secret>, SecretError> {
        let store = self.store.clone();
        self.blocking(move || store.get(SecretKind::OpenaiApiKey))
            .await
    }

    /// Removes a secret from the keychain.
    pub async fn delete(&self, kind: SecretKind) -> Result<CredentialsOverview, SecretError> {
        let store = self.store.clone();
        let existed = self.blocking(move || store.delete(kind)).await?;
        tracing::info!(?kind, existed, "secret deleted");
        self.forget_check(kind);
        self.overview().await
    }

    /// Checks the stored OpenAI key by listing models. The result is remembered either way.
    pub async fn check_openai(&self, endpoint: &OpenAiEndpoint) -> Result<CheckRecord, CheckError> {
        let key = self
            .get(SecretKind::OpenaiApiKey)
            .await?
            .ok_or(CheckError::NotStored(SecretKind::OpenaiApiKey))?;
        let result = super::check_openai_key(endpoint, &key).await;
        drop(key);
        let record = match &result {
            Ok(models) => succeeded(self.now(), "openai_ok", [("models", Value::from(*models))]),
            Err(error) => failed(self.now(), error.clone()),
        };
        tracing::info!(ok = record.ok, code = %record.code, "OpenAI key checked");
        self.update_records(|records| records.openai = Some(record.clone()));
        result.map(|_| record)
    }

    /// Checks that the stored admin key reads the organisation's costs (one day of them). The
    /// result is remembered either way.
    pub async fn check_openai_admin(
        &self,
        endpoint: &OpenAiEndpoint,
        now: time::OffsetDateTime,
    ) -> Result<CheckRecord, CheckError> {
        let key = self
            .get(SecretKind::OpenaiAdminKey)
            .await?
            .ok_or(CheckError::NotStored(SecretKind::OpenaiAdminKey))?;
        let result = super::check_openai_admin_key(endpoint, &key, now).await;
        drop(key);
        let record = match &result {
            Ok(()) => succeeded(self.now(), "openai_admin_ok", []),
            Err(error) => failed(self.now(), error.clone()),
        };
        tracing::info!(ok = record.ok, code = %record.code, "OpenAI admin key checked");
        self.update_records(|records| records.openai_admin = Some(record.clone()));
        result.map(|_| record)
    }

    /// Checks the AWS credentials with STS `GetCallerIdentity`. The result is remembered.
    pub async fn check_aws(
        &self,
        choice: &AwsChoice,
        target: &AwsTarget,
    ) -> Result<CheckRecord, CheckError> {
        let access = self.aws_access(choice).await?;
        let result = super::check_aws_access(&access, target).await;
        drop(access);
        let record = match &result {
            Ok(identity) => succeeded(
                self.now(),
                "aws_ok",
                [
                    ("account", Value::from(identity.account.clone())),
                    ("arn", Value::from(identity.arn.clone())),
                ],
            ),
            Err(error) => failed(self.now(), error.clone()),
        };
        tracing::info!(ok = record.ok, code = %record.code, "AWS access checked");
        self.update_records(|records| {
            records.aws = Some(record.clone());
            records.aws_identity = result.as_ref().ok().cloned();
        });
        result.map(|_| record)
    }

    /// The AWS credentials to use for a call (the cost module uses this too).
    pub async fn aws_access(&self, choice: &AwsChoice) -> Result<AwsAccess, CheckError> {
        match choice {
            AwsChoice::Profile(name) => Ok(AwsAccess::Profile { name: name.clone() }),
            AwsChoice::Keys => {
                let access_key_id = self
                    .get(SecretKind::AwsAccessKeyId)
                    .await?
                    .ok_or(CheckError::NotStored(SecretKind::AwsAccessKeyId))?;
                let secret_access_key = self
                    .get(SecretKind::AwsSecretAccessKey)
                    .await?
                    .ok_or(CheckError::NotStored(SecretKind::AwsSecretAccessKey))?;
                let session_token = self.get(SecretKind::AwsSessionToken).await?;
                Ok(AwsAccess::Keys {
                    access_key_id,
                    secret_access_key,
                    session_token,
                })
            }
        }
    }

    /// The OpenAI admin key, when stored (for reading the organisation's costs).
    pub async fn openai_admin_key(&self) -> Result<Option<Secret>, SecretError> {
        self.get(SecretKind::OpenaiAdminKey).await
    }

    /// The identity from the last successful AWS check, for the status bar.
    pub fn aws_identity(&self) -> Option<AwsIdentity> {
        lock(&self.records).aws_identity.clone()
    }

    /// The last checks of each service (no keychain access).
    pub fn check_records(&self) -> CheckRecords {
        self.records()
    }

    fn records(&self) -> CheckRecords {
        lock(&self.records).clone()
    }

    async fn get(&self, kind: SecretKind) -> Result<Option<Secret>, SecretError> {
        self.read(kind).await
    }

    /// A new or removed secret makes the old check result meaningless.
    fn forget_check(&self, kind: SecretKind) {
        self.update_records(|records| match kind {
            SecretKind::OpenaiApiKey => records.openai = None,
            SecretKind::OpenaiAdminKey => records.openai_admin = None,
            SecretKind::AwsAccessKeyId
            | SecretKind::AwsSecretAccessKey
            | SecretKind::AwsSessionToken => {
                records.aws = None;
                records.aws_identity = None;
            }
        });
    }

    fn update_records(&self, change: impl FnOnce(&mut CheckRecords)) {
        let mut records = lock(&self.records);
        change(&mut records);
        let saved = serde_json::to_vec_pretty(&*records)
            .map_err(std::io::Error::other)
            .and_then(|json| write_atomic(&self.records_path, &json));
        if let Err(error) = saved {
            // Only cached check results are lost; the next check recreates them.
            tracing::warn!(%error, path = %self.records_path.display(), "cannot save check results");
        }
    }
}

fn succeeded<const N: usize>(at: String, code: &str, params: [(&str, Value); N]) -> CheckRecord {
    CheckRecord {
        at,
        ok: true,
        code: code.to_string(),
        params: params
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        hint_code: None,
    }
}

fn failed(at: String, error: CheckError) -> CheckRecord {
    let error = AppError::from(error);
    CheckRecord {
        at,
        ok: false,
        code: error.code,
        params: error.params,
        hint_code: Some(error.hint_code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::MemoryStore;

    fn service() -> (Credentials, Arc<MemoryStore>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(MemoryStore::default());
        let credentials = Credentials::new(store.clone(), dir.path().to_path_buf());
        (credentials, store, dir)
    }

    #[tokio::test]
    async fn store_replace_delete() {
        let (credentials, store, _dir) = service();
        let overview = credentials
            .store(
                SecretKind::OpenaiApiKey,
                Secret::new(" test-key-0000000004f2a "),
            )
            .await
            .unwrap();
        let openai = &overview.secrets[0];
        assert!(openai.stored);
        assert_eq!(openai.ends_in.as_deref(), Some("4f2a"));
        assert_eq!(
            store
                .get(SecretKind::OpenaiApiKey)
                .unwrap()
                .unwrap()
                .expose(),
            "test-key-0000000004f2a"
        );
        credentials
            .store(
                SecretKind::OpenaiApiKey,
                Secret::new("test-key-000000000beef"),
            )
            .await
            .unwrap();
        assert_eq!(
            store
                .get(SecretKind::OpenaiApiKey)
                .unwrap()
                .unwrap()
                .expose(),
            "test-key-000000000beef"
        );
        for (kind, value) in [
            (SecretKind::AwsAccessKeyId, "TESTACCESSKEY0001"),
            (
                SecretKind::AwsSecretAccessKey,
                "abcdEFGH1234/+=abcdEFGH1234/+=abcdefgh",
            ),
            (SecretKind::AwsSessionToken, "sessiontokensessiontoken0001"),
        ] {
            credentials.store(kind, Secret::new(value)).await.unwrap();
        }
        let overview = credentials.overview().await.unwrap();
        let ends = |kind| {
            overview
                .secrets
                .iter()
                .find(|s| s.kind == kind)
                .map(|s| (s.stored, s.ends_in.clone()))
        };
        assert_eq!(
            ends(SecretKind::AwsAccessKeyId),
            Some((true, Some("0001".into())))
        );
        assert_eq!(ends(SecretKind::AwsSecretAccessKey), Some((true, None)));
        assert_eq!(ends(SecretKind::AwsSessionToken), Some((true, None)));
        let overview = credentials.delete(SecretKind::OpenaiApiKey).await.unwrap();
        assert!(!overview.secrets[0].stored);
        assert!(store.get(SecretKind::OpenaiApiKey).unwrap().is_none());
    }

    #[tokio::test]
    async fn refused_input_leaves_the_store_alone() {
        let (credentials, store, _dir) = service();
        credentials
            .store(SecretKind::AwsAccessKeyId, Secret::new("TESTACCESSKEY0001"))
            .await
            .unwrap();
        let error = credentials
            .store(SecretKind::AwsAccessKeyId, Secret::new("lowercase-key-id"))
            .await
            .unwrap_err();
        assert_eq!(error.code(), "invalid_input");
        assert_eq!(
            store
                .get(SecretKind::AwsAccessKeyId)
                .unwrap()
                .unwrap()
                .expose(),
            "TESTACCESSKEY0001"
        );
    }

    #[tokio::test]
    async fn checking_without_a_key_says_what_is_missing() {
        let (credentials, _store, _dir) = service();
        let error = credentials
            .check_openai(&OpenAiEndpoint::default())
            .await
            .unwrap_err();
        assert_eq!(error.code(), "not_stored");
        assert!(matches!(
            error,
            CheckError::NotStored(SecretKind::OpenaiApiKey)
        ));
        let error = credentials
            .check_aws(&AwsChoice::Keys, &AwsTarget::default())
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            CheckError::NotStored(SecretKind::AwsAccessKeyId)
        ));
    }

    #[tokio::test]
    async fn check_records_survive_a_restart_and_are_forgotten_on_replace() {
        let (credentials, store, dir) = service();
        credentials.update_records(|records| {
            records.openai = Some(succeeded(
                "2026-12-01T00:00:00Z".into(),
                "openai_ok",
                [("models", Value::from(3))],
            ));
        });
        let reopened = Credentials::new(store.clone(), dir.path().to_path_buf());
        assert_eq!(reopened.records().openai.unwrap().params["models"], 3);
        reopened
            .store(
                SecretKind::OpenaiApiKey,
                Secret::new("test-key-replaced-0001"),
            )
            .await
            .unwrap();
        assert_eq!(reopened.records().openai, None);
    }
}
