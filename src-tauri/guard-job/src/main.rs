//! `purser-guard`: Purser's budget guard, one check per run, for a CronJob in the app's
//! namespace. It reads the app's shared record (`ConfigMap purser-<app>`), the month's cost
//! (kept in the record, or Cost Explorer through the pod's AWS role at most every 6 hours),
//! decides as the desktop does, scales through the `scale` subresource, and writes the record
//! and an Event on the Deployment. Audit lines go to standard output (the pod's log), a
//! summary line last; the exit code is 0 when it could judge the app, 1 when not, 2 when it
//! was not set up to run. `purser-guard manifests …` prints the objects that run it, and
//! `purser-guard iam-policy` the AWS permissions it needs.

mod cli;
mod figures;
mod ports;
mod run;
mod setup;

use std::io::Write;
use std::process::ExitCode;

use serde_json::json;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PURSER_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    purser_core::tls::use_ring();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match cli::parse(&args) {
        Ok(cli::Command::Check) => {}
        Ok(cli::Command::Print(text)) => {
            say(&text);
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("purser-guard: {error}");
            return ExitCode::from(2);
        }
    }
    let setup = match setup::Setup::from_env() {
        Ok(setup) => setup,
        Err(error) => {
            eprintln!("purser-guard: {error}");
            return ExitCode::from(2);
        }
    };
    match run::run(&setup).await {
        Ok(outcome) => {
            let summary = json!({
                "check": outcome.check,
                "askedCostExplorer": outcome.asked_cost_explorer,
            });
            say(&summary.to_string());
            if outcome.judged() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(error) => {
            let said = purser_core::error::AppError::from(error);
            say(&json!({"error": said}).to_string());
            eprintln!("purser-guard: {}", said.message);
            ExitCode::from(1)
        }
    }
}

/// One line on standard output. A reader that went away (`purser-guard iam-policy | head`)
/// ends the printing, not the program with a panic as `println!` would; the exit code still
/// says how the run went.
fn say(line: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}
