//! Purser's core: keeps OpenAI and AWS credentials in the OS keychain, deploys and scales an app
//! on a chosen Kubernetes context, and shows monthly AWS cost against a budget — everything but
//! the window. No Tauri crate is in this crate's dependency tree, so nothing here can reach for
//! one; the app crate's commands are thin adapters over the facade.

pub mod about;
pub mod amount;
pub mod audit;
#[cfg(any(test, feature = "testing"))]
pub mod catalogue;
pub mod chart;
pub mod clock;
pub mod cluster;
pub mod cost;
pub mod error;
pub mod files;
pub mod guard;
pub mod guide;
pub mod locale;
pub mod month;
pub mod report;
pub mod secrets;
pub mod settings;
pub mod sync;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod tls;
pub mod update;
pub mod words;

mod facade;

pub use error::{AppError, FieldProblem};
#[cfg(any(test, feature = "testing"))]
pub use facade::guard_examples;
pub use facade::{
    AppDirs, AppGlance, AppStatus, AwsEndpoints, Backends, CostPreview, Export, FailingKey,
    GuardInstallPreview, GuardView, InstallForm, MonthGlance, OpenAiLimits, OpenAiProject,
    Overview, ProposalView, Purser, Revertible, RolloutGlance, ShareStep, TagProblem, TestNow,
};
