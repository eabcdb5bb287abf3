//! Cost against the budget: the view (real, sample, or the last figures while the keychain is
//! locked) and its exports.

use std::path::Path;

use super::Purser;
use crate::chart::view::{CostView, ExportFormat, ViewOptions};
use crate::chart::Theme;
use crate::cost::{Budget, CostEndpoints, CostExplorer, CostQuery, RetryMeter};
use crate::error::AppError;
use crate::secrets::CheckError;
use crate::sync::lock;

/// How Cost Explorer can be reached.
pub(super) enum Aws {
    /// With the user's access, for this account (a name that is not a secret).
    Ready(CostExplorer, String),
    /// No AWS access set up: sample figures.
    NotSetUp,
    /// The keychain is locked: Cost Explorer cannot be asked.
    Locked(AppError),
}

/// What a cached Cost Explorer client was built for: the credentials (a hash, never the
/// secrets) and the region.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct ExplorerKey {
    access: crate::secrets::Fingerprint,
    region: Option<String>,
    ca_bundle: Option<std::path::PathBuf>,
}

/// The Cost Explorer client in use, kept between calls.
pub(super) struct CachedExplorer {
    key: ExplorerKey,
    explorer: CostExplorer,
}

impl std::fmt::Debug for CachedExplorer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CachedExplorer")
    }
}

/// An export ready to be saved: its bytes and the name the save dialog offers.
#[derive(Debug, Clone)]
pub struct Export {
    pub bytes: Vec<u8>,
    pub file_name: String,
}

impl Purser {
    /// The cost view as settings describe it: real figures when AWS access is set up, sample
    /// figures (labelled as such) when it is not, the last figures (marked stale) while the
    /// keychain is locked. The chart is drawn `width` pixels wide, in `theme`.
    pub async fn cost_view(
        &self,
        refresh: bool,
        theme: Theme,
        width: u32,
    ) -> Result<CostView, AppError> {
        let settings = self.settings();
        let budget = settings.budget_amount.map(|amount| Budget {
            amount,
            thresholds: settings.budget_thresholds.0.clone(),
        });
        let options = ViewOptions {
            now: self.clock.now(),
            refresh,
            theme,
            width,
            language: self.language(),
        };
        let merged = self.month_report(options.now, refresh).await?;
        Ok(self.views.draw(merged, budget, options)?)
    }

    /// Cost Explorer as the user's AWS access reaches it.
    pub(super) async fn explorer(&self) -> Result<Aws, AppError> {
        let (choice, mut target) = self.aws_choice_and_target();
        target.endpoint_url = self.aws.sts.clone();
        let access = match choice {
            Ok(choice) => match self.credentials.aws_access(&choice).await {
                Ok(access) => access,
                Err(CheckError::NotStored(_)) => return Ok(Aws::NotSetUp),
                Err(CheckError::Keychain(error)) => return Ok(Aws::Locked(error.into())),
                Err(other) => return Err(other.into()),
            },
            Err(CheckError::NoProfileChosen) => return Ok(Aws::NotSetUp),
            Err(other) => return Err(other.into()),
        };
        let account = crate::secrets::account_name(&access);
        // Built once and reused while the same credentials and region are used: a client per
        // round or per slider move cost a profile read and a new connection pool each time.
        let key = ExplorerKey {
            access: crate::secrets::fingerprint(&access),
            region: target.region.clone(),
            ca_bundle: crate::secrets::ca_bundle(&access).await,
        };
        if let Some(cached) = lock(&self.explorer).as_ref().filter(|c| c.key == key) {
            return Ok(Aws::Ready(cached.explorer.clone(), account));
        }
        let config = crate::secrets::sdk_config(&access, &target).await;
        drop(access);
        let endpoints = CostEndpoints {
            usage: self.aws.cost_usage.clone(),
            forecast: self.aws.cost_forecast.clone(),
        };
        let retries = RetryMeter {
            meter: self.costs.meter(),
            clock: self.clock.clone(),
        };
        let explorer = CostExplorer::new(&config, &endpoints, Some(retries));
        *lock(&self.explorer) = Some(CachedExplorer {
            key,
            explorer: explorer.clone(),
        });
        Ok(Aws::Ready(explorer, account))
    }

    /// The cost query settings describe (for `account`).
    pub(super) fn cost_query(&self, account: String) -> CostQuery {
        let settings = self.settings();
        CostQuery {
            account,
            months: settings.cost_months.0,
            metric: settings.cost_metric,
            tag: settings.cost_tag.as_deref().and_then(crate::cost::tag_pair),
            linked_account: settings.cost_linked_account.clone(),
        }
    }

    /// The chart (PNG or SVG) or its figures (CSV) exactly as on screen, and a file name.
    /// The PDF is the one-page meeting report.
    pub fn export_cost(&self, format: ExportFormat, theme: Theme) -> Result<Export, AppError> {
        let bytes = match format {
            ExportFormat::Pdf => self.meeting_report()?,
            _ => self.views.export(format, theme, self.language())?,
        };
        Ok(Export {
            bytes,
            file_name: self.views.export_file_name(format),
        })
    }

    /// Writes an export where the user chose.
    pub fn write_export(&self, path: &Path, export: &Export) -> Result<(), AppError> {
        Ok(self.views.write_export(path, &export.bytes)?)
    }
}
