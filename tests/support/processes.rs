//! The processes behind a window test: Xvfb, `tauri-driver` (which starts `WebKitWebDriver`,
//! which starts Purser) in Purser's environment, each in its own process group so nothing
//! outlives the test.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `tauri-driver` and its URL.
pub struct Driver {
    pub url: String,
    _processes: ProcessGroup,
}

/// Purser's environment for a test home: its own folders, locale and kubeconfig.
pub fn app_env(command: &mut Command, home: &Path, display: &str, os_locale: &str) {
    command
        .env("DISPLAY", display)
        .env_remove("WAYLAND_DISPLAY")
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("LANG", os_locale)
        // Only what the test writes to `kubeconfig` in its home (usually nothing: then only the
        // built-in sandbox is offered), whatever this machine has.
        .env("KUBECONFIG", home.join("kubeconfig"))
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANGUAGE");
}

/// Starts `tauri-driver` with Purser's folders and locale in its environment (the driver starts
/// `WebKitWebDriver`, which starts Purser, so the app inherits them).
pub fn start_driver(home: &Path, display: &str, os_locale: &str) -> Driver {
    let port = free_port();
    let native_port = free_port();
    let mut command = Command::new(tauri_driver());
    command.args([
        "--port",
        &port.to_string(),
        "--native-port",
        &native_port.to_string(),
    ]);
    app_env(&mut command, home, display, os_locale);
    command
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .process_group(0);
    let processes = ProcessGroup::spawn(command, "tauri-driver");
    wait_for_port(port, "tauri-driver");
    wait_for_port(native_port, "WebKitWebDriver (package webkit2gtk-driver)");
    Driver {
        url: format!("http://127.0.0.1:{port}"),
        _processes: processes,
    }
}

fn tauri_driver() -> PathBuf {
    if let Some(path) = std::env::var_os("TAURI_DRIVER") {
        return path.into();
    }
    let in_cargo_bin = std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".cargo/bin/tauri-driver"))
        .filter(|path| path.exists());
    in_cargo_bin.unwrap_or_else(|| "tauri-driver".into())
}

pub fn start_xvfb() -> (String, ProcessGroup) {
    for number in 90..190 {
        if Path::new(&format!("/tmp/.X{number}-lock")).exists() {
            continue;
        }
        let display = format!(":{number}");
        let mut command = Command::new("Xvfb");
        command
            .args([
                display.as_str(),
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        let mut xvfb = ProcessGroup::spawn(command, "Xvfb (package xvfb)");
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if socket.exists() {
                return (display, xvfb);
            }
            if let Ok(Some(_)) = xvfb.child.try_wait() {
                break; // lost a race for this display number; try the next one
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    panic!("could not start Xvfb on any display :90..:189");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free local port")
}

fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("{what} did not start listening on port {port}");
}

/// A child started in its own process group; dropping it ends the whole group, so the app and
/// its WebKit processes never outlive the test.
pub struct ProcessGroup {
    pub child: Child,
}

impl ProcessGroup {
    pub fn spawn(mut command: Command, what: &str) -> ProcessGroup {
        let child = command.spawn().unwrap_or_else(|e| {
            panic!("could not start {what}: {e}. Run ./scripts/test.sh, which installs it.")
        });
        ProcessGroup { child }
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        let group = -(self.child.id() as i32);
        // SAFETY: kill(2) with a negative pid signals the process group we created; no memory
        // is shared with the callee.
        unsafe {
            libc::kill(group, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // SAFETY: as above; SIGKILL whatever ignored SIGTERM.
        unsafe {
            libc::kill(group, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}
