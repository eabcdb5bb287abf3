//! Credentials: what is stored (as "ends in …4f2a"), store, replace, delete, and the checks
//! against OpenAI and AWS.

use super::Purser;
use crate::error::AppError;
use crate::secrets::credentials::{AwsChoice, CheckRecord, CredentialsOverview};
use crate::secrets::{self, AwsTarget, CheckError, OpenAiEndpoint, Secret, SecretKind};
use crate::settings::AwsSource;

impl Purser {
    /// Which secrets are stored, and the last check results.
    pub async fn credentials_overview(&self) -> Result<CredentialsOverview, AppError> {
        Ok(self.credentials.overview().await?)
    }

    /// Validates a pasted value and stores it, replacing any earlier one. A refused value
    /// leaves the keychain untouched.
    pub async fn store_secret(
        &self,
        kind: SecretKind,
        value: Secret,
    ) -> Result<CredentialsOverview, AppError> {
        Ok(self.credentials.store(kind, value).await?)
    }

    /// Removes a secret from the keychain.
    pub async fn delete_secret(&self, kind: SecretKind) -> Result<CredentialsOverview, AppError> {
        Ok(self.credentials.delete(kind).await?)
    }

    /// Checks the stored OpenAI key against the configured API address.
    pub async fn check_openai(&self) -> Result<CheckRecord, AppError> {
        let endpoint = OpenAiEndpoint {
            base_url: self.settings().openai_base_url.0,
            ..OpenAiEndpoint::default()
        };
        Ok(self.credentials.check_openai(&endpoint).await?)
    }

    /// Checks that the stored admin key reads the organisation's costs (at the admin
    /// address, never the app's gateway).
    pub async fn check_openai_admin(&self) -> Result<CheckRecord, AppError> {
        let endpoint = self.admin_endpoint();
        let now = self.clock.now();
        Ok(self.credentials.check_openai_admin(&endpoint, now).await?)
    }

    /// Checks AWS access the way settings say to find it (keychain keys or a profile).
    pub async fn check_aws(&self) -> Result<CheckRecord, AppError> {
        let (choice, mut target) = self.aws_choice_and_target();
        target.endpoint_url = self.aws.sts.clone();
        Ok(self.credentials.check_aws(&choice?, &target).await?)
    }

    /// Profile names from the user's AWS config files.
    pub async fn aws_profiles(&self) -> Vec<String> {
        secrets::list_profiles().await
    }

    /// How AWS credentials are found, and which region calls go to, as settings say.
    pub(super) fn aws_choice_and_target(&self) -> (Result<AwsChoice, CheckError>, AwsTarget) {
        let settings = self.settings();
        let choice = match settings.aws_source {
            AwsSource::Keys => Ok(AwsChoice::Keys),
            AwsSource::Profile => settings
                .aws_profile
                .clone()
                .map(AwsChoice::Profile)
                .ok_or(CheckError::NoProfileChosen),
        };
        let target = AwsTarget {
            region: settings.aws_region,
            endpoint_url: None,
        };
        (choice, target)
    }
}
