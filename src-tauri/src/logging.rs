//! Logging: `tracing` to a daily rolling file in the app log dir (kept for a week) and to stderr.
//! The filter comes from `PURSER_LOG` (e.g. `PURSER_LOG=debug`), default `info`.
//! Nothing secret is ever put in a log field; secrets are typed so that they print `<redacted>`.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter};

/// How many daily log files to keep.
const KEEP_DAYS: usize = 7;

/// Starts logging into `log_dir`. Keep the returned guard alive for as long as the app runs:
/// dropping it flushes and stops the background writer.
///
/// Fails if the folder cannot be created; the caller then runs with stderr logging only.
pub fn init(log_dir: &Path) -> Result<WorkerGuard, std::io::Error> {
    std::fs::create_dir_all(log_dir)?;
    let appender = Builder::new()
        .rotation(Rotation::DAILY)
        .filename_prefix("purser")
        .filename_suffix("log")
        .max_log_files(KEEP_DAYS)
        .build(log_dir)
        .map_err(std::io::Error::other)?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("PURSER_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    // A second init (tests building several apps in one process) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_ansi(false).with_writer(writer))
        .with(fmt::layer().with_writer(std::io::stderr))
        .try_init();
    Ok(guard)
}

/// Stderr-only logging, for when the log folder cannot be created.
pub fn init_stderr_only() {
    let filter = EnvFilter::try_from_env("PURSER_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_writer(std::io::stderr))
        .try_init();
}
