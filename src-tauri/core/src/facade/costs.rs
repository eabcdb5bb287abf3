//! Cost against the budget: the view (real, sample, or the last figures while the keychain is
//! locked) and its exports.

use std::path::Path;

use super::Purser;
use crate::chart::Theme;
use crate::cost::{
    Budget, CostEndpoints, CostExplorer, CostQuery, CostSource, CostView, ExportFormat, Stale,
    ViewOptions,
};
use crate::error::AppError;
use crate::secrets::CheckError;

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
        let (choice, mut target) = self.aws_choice_and_target();
        target.endpoint_url = self.aws.sts.clone();
        let settings = self.settings();
        let query = CostQuery {
            account: String::new(),
            months: settings.cost_months.0,
            metric: settings.cost_metric,
            tag: settings
                .cost_tag
                .as_deref()
                .and_then(|t| t.split_once('='))
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string())),
            linked_account: settings.cost_linked_account.clone(),
        };
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
        let access = match choice {
            Ok(choice) => match self.credentials.aws_access(&choice).await {
                Ok(access) => Some(access),
                Err(CheckError::NotStored(_)) => None,
                Err(CheckError::Keychain(error)) => {
                    // Cost Explorer cannot be asked; the last figures still can be shown.
                    let why = Stale {
                        error: AppError::from(error.clone()),
                    };
                    return match self.costs.view_cached(&query, budget, options, why)? {
                        Some(view) => Ok(view),
                        None => Err(error.into()),
                    };
                }
                Err(other) => return Err(other.into()),
            },
            Err(CheckError::NoProfileChosen) => None,
            Err(other) => return Err(other.into()),
        };
        let Some(access) = access else {
            return Ok(self.costs.view(None, &query, budget, options).await?);
        };
        let query = CostQuery {
            account: crate::secrets::account_name(&access),
            ..query
        };
        let config = crate::secrets::sdk_config(&access, &target).await;
        drop(access);
        let endpoints = CostEndpoints {
            usage: self.aws.cost_usage.clone(),
            forecast: self.aws.cost_forecast.clone(),
        };
        let explorer = CostExplorer::new(&config, &endpoints);
        let source: &dyn CostSource = &explorer;
        Ok(self
            .costs
            .view(Some(source), &query, budget, options)
            .await?)
    }

    /// The chart (PNG or SVG) or its figures (CSV) exactly as on screen, and a file name.
    pub fn export_cost(&self, format: ExportFormat, theme: Theme) -> Result<Export, AppError> {
        Ok(Export {
            bytes: self.costs.export(format, theme, self.language())?,
            file_name: self.costs.export_file_name(format),
        })
    }

    /// Writes an export where the user chose.
    pub fn write_export(&self, path: &Path, export: &Export) -> Result<(), AppError> {
        Ok(self.costs.write_export(path, &export.bytes)?)
    }
}
