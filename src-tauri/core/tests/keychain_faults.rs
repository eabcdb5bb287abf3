//! Keychain faults, each in its own process (the keyring crate picks its store once per
//! process): no Secret Service at all, and a Secret Service whose keyring stays locked.
//! Each must give its own clear error, and no file may be written anywhere.
//!
//! A custom harness (`harness = false`): the parent runs each scenario as a child process of
//! this same binary with the environment that scenario needs, then checks what the child saw.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use purser_core::secrets::credentials::Credentials;
use purser_core::secrets::{KeychainStore, Secret, SecretKind};
use purser_core::AppError;

const SCENARIO: &str = "PURSER_KEYCHAIN_SCENARIO";
const WATCHED_DIR: &str = "PURSER_KEYCHAIN_WATCHED_DIR";
/// A keychain call that hangs is a failure too (the user would be left waiting).
const CHILD_DEADLINE: Duration = Duration::from_secs(60);

/// Name, how to start the child, the error code and hint code it must report, phrases its
/// (English) message must contain.
type Scenario = (
    &'static str,
    fn(&Path) -> Command,
    (&'static str, &'static str),
    &'static [&'static str],
);

fn main() {
    if let Ok(scenario) = std::env::var(SCENARIO) {
        child(&scenario);
        return;
    }
    let scenarios: [Scenario; 2] = [
        (
            "no_secret_service_says_so_and_how_to_fix_it",
            without_session_bus,
            ("keychain_unavailable", "keychain_unavailable_linux"),
            &["No keychain is available"],
        ),
        (
            "a_keyring_that_stays_locked_says_so_and_how_to_unlock",
            with_locked_keyring,
            ("keychain_locked", "keychain_locked_linux"),
            &["locked"],
        ),
    ];
    let (mut passed, mut failed) = (0, 0);
    for (name, command, code, phrases) in scenarios {
        match run(command, code, phrases) {
            Ok(()) => {
                println!("test {name} ... ok");
                passed += 1;
            }
            Err(why) => {
                println!("test {name} ... FAILED\n    {why}");
                failed += 1;
            }
        }
    }
    println!();
    println!(
        "test result: {}. {passed} passed; {failed} failed; 0 ignored; 0 measured; 0 filtered out",
        if failed == 0 { "ok" } else { "FAILED" }
    );
    std::process::exit(i32::from(failed > 0));
}

/// Runs one scenario in a child and checks its report.
fn run(
    make: fn(&Path) -> Command,
    (code, hint): (&str, &str),
    phrases: &[&str],
) -> Result<(), String> {
    let sandbox = tempfile::tempdir().map_err(|e| e.to_string())?;
    let watched = sandbox.path().join("purser-dirs");
    std::fs::create_dir_all(&watched).map_err(|e| e.to_string())?;
    let mut command = make(sandbox.path());
    command.env(WATCHED_DIR, &watched);
    let output = output_within(command, CHILD_DEADLINE)?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = stdout
        .lines()
        .find_map(|line| line.strip_prefix("REPORT "))
        .ok_or_else(|| {
            format!(
                "the child gave no report; stdout: {stdout}; stderr: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    let errors: Vec<serde_json::Value> = serde_json::from_str(report).map_err(|e| e.to_string())?;
    // store, overview and delete must each fail with the same clear error.
    for error in &errors {
        if error["code"] != code || error["hintCode"] != hint {
            return Err(format!("expected code {code} and hint {hint}, got {error}"));
        }
        let text = error["message"].to_string();
        for phrase in phrases {
            if !text.contains(phrase) {
                return Err(format!("{text:?} should mention {phrase:?}"));
            }
        }
    }
    if errors.len() != 3 {
        return Err(format!("expected 3 errors, got {errors:?}"));
    }
    let written = files_under(&watched);
    if !written.is_empty() {
        return Err(format!("files were written: {written:?}"));
    }
    Ok(())
}

/// Runs `command` to completion, killing it (and failing) if it takes longer than `deadline`.
fn output_within(mut command: Command, deadline: Duration) -> Result<Output, String> {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start the child: {e}"))?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out_reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stdout.read_to_end(&mut text);
        text
    });
    let err_reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr.read_to_end(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "the keychain calls hung for more than {deadline:?}"
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Ok(Output {
        status,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    })
}

/// A child with no D-Bus session bus at all.
fn without_session_bus(sandbox: &Path) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("own path"));
    command
        .env(SCENARIO, "store")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}/no-bus", sandbox.display()),
        )
        .env("XDG_RUNTIME_DIR", sandbox);
    command
}

/// A child in its own D-Bus session whose keyring holds Purser's key but has been locked again
/// (as after a screen lock or a timeout) and stays locked: no one answers the unlock prompt.
fn with_locked_keyring(sandbox: &Path) -> Command {
    let run_dir = sandbox.join("run");
    let data_dir = sandbox.join("data");
    std::fs::create_dir_all(&data_dir).expect("data dir");
    std::fs::create_dir_all(&run_dir).expect("run dir");
    set_private(&run_dir);
    let mut command = Command::new("dbus-run-session");
    command
        .args([
            "--",
            "sh",
            "-c",
            "printf fault-pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null \
             && printf test-fault-stored-value-0001 | secret-tool store --label=purser \
                service purser-fault-test username openai-api-key \
             && dbus-send --session --print-reply --dest=org.freedesktop.secrets \
                /org/freedesktop/secrets org.freedesktop.Secret.Service.Lock \
                array:objpath:/org/freedesktop/secrets/collection/login >/dev/null \
             && exec \"$0\"",
        ])
        .arg(std::env::current_exe().expect("own path"))
        .env(SCENARIO, "store")
        .env("XDG_RUNTIME_DIR", &run_dir)
        .env("XDG_DATA_HOME", &data_dir)
        .env_remove("DBUS_SESSION_BUS_ADDRESS");
    command
}

#[cfg(unix)]
fn set_private(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
}

/// The child: try to store, list and delete, and report the errors as the UI would get them.
fn child(_scenario: &str) {
    let watched = PathBuf::from(std::env::var(WATCHED_DIR).expect("watched dir"));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let errors: Vec<AppError> = runtime.block_on(async {
        let store = Arc::new(KeychainStore::with_service("purser-fault-test"));
        let credentials = Credentials::new(store, watched.join("data"));
        let mut errors = Vec::new();
        if let Err(e) = credentials
            .store(SecretKind::OpenaiApiKey, Secret::new("test-fault-key-0001"))
            .await
        {
            errors.push(AppError::from(e));
        }
        if let Err(e) = credentials.overview().await {
            errors.push(AppError::from(e));
        }
        if let Err(e) = credentials.delete(SecretKind::OpenaiApiKey).await {
            errors.push(AppError::from(e));
        }
        errors
    });
    println!("REPORT {}", serde_json::to_string(&errors).expect("json"));
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}
