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
    create_private_dir(log_dir)?;
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
        .with(never_secrets())
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
        .with(never_secrets())
        .with(fmt::layer().with_writer(std::io::stderr))
        .try_init();
}

/// Crates whose debug and trace events carry credentials whatever the filter says: the AWS
/// SDK prints the identity it signs with (access key ID included) inside its configuration
/// when it resolves an endpoint (debug) and an identity (trace). Only their info, warnings and
/// errors are kept, even with `PURSER_LOG=trace`.
const SECRET_BEARING_TARGETS: [&str; 4] = ["aws_smithy", "aws_sigv4", "aws_runtime", "aws_config"];

fn never_secrets<S: tracing::Subscriber>() -> impl tracing_subscriber::Layer<S> {
    tracing_subscriber::filter::filter_fn(|meta| {
        *meta.level() <= tracing::Level::INFO
            || !SECRET_BEARING_TARGETS
                .iter()
                .any(|target| meta.target().starts_with(target))
    })
}

/// Makes Purser's files private to the user: everything it creates from now on is 0600 (0700
/// for folders) unless it says otherwise (exports are ordinary documents and say so). Logs,
/// the audit log, settings and caches name clusters, accounts and apps.
pub fn private_files() {
    #[cfg(unix)]
    // SAFETY: umask(2) only sets the process's file-creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// Creates the log folder (0700) and narrows files an older Purser left readable by others.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        for entry in std::fs::read_dir(dir)?.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_file()) {
                std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    Ok(())
}
