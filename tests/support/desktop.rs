//! Drives the real Purser window: Xvfb (unless a display is already there), `tauri-driver`
//! (which runs `WebKitWebDriver`, which runs Purser) and a WebDriver session through fantoccini.
//!
//! Each [`Desktop`] gets its own config/data/cache folders through the XDG variables, so tests
//! never touch the user's real settings and can look at exactly what Purser wrote.
// Each suite includes this file on its own and uses some of it.
#![allow(dead_code)]

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// Tauri's identifier for Purser; the name of its folders under the XDG dirs.
pub const APP_ID: &str = "dev.purser.desktop";

/// The keychain service Purser files its keys under.
pub const KEYCHAIN_SERVICE: &str = "purser";

/// One app instance costs ~450 MB and a CPU core while starting: run one at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How long to wait for the UI to answer (covers a slow, loaded CI machine).
pub const UI_TIMEOUT: Duration = Duration::from_secs(30);

/// A private X display, a `tauri-driver` and a WebDriver session on a running Purser.
pub struct Desktop {
    pub client: Client,
    pub home: tempfile::TempDir,
    driver: Driver,
    display: String,
    os_locale: String,
    _xvfb: Option<ProcessGroup>,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

/// A running `tauri-driver` and its URL.
struct Driver {
    url: String,
    _processes: ProcessGroup,
}

impl Desktop {
    /// Starts Purser with fresh, empty folders and a keychain with nothing of Purser's in it,
    /// on an English-speaking OS.
    pub async fn launch() -> Desktop {
        Self::launch_with("C.UTF-8", |_| {}).await
    }

    /// Starts Purser with the OS locale `os_locale` (e.g. `es_ES.UTF-8`), after `prepare` has
    /// had a chance to put files in its (empty) folders.
    pub async fn launch_with(os_locale: &str, prepare: impl FnOnce(&Path)) -> Desktop {
        let turn = ONE_AT_A_TIME.lock().await;
        // Wiped while holding the turn: the app before this one (in this binary) has quit and
        // the next cannot start, so no test sees or removes another's keys.
        purser_test_support::keyring::clear_service(KEYCHAIN_SERVICE);
        let home = tempfile::tempdir().expect("temp dir for the app's folders");
        prepare(home.path());
        let (display, xvfb) = match std::env::var("DISPLAY") {
            Ok(display) if !display.is_empty() => (display, None),
            _ => {
                let (display, xvfb) = start_xvfb();
                (display, Some(xvfb))
            }
        };
        let driver = start_driver(home.path(), &display, os_locale);
        let client = new_session(&driver.url).await;
        let desktop = Desktop {
            client,
            home,
            driver,
            display,
            os_locale: os_locale.to_string(),
            _xvfb: xvfb,
            _turn: turn,
        };
        desktop.wait_until_ready().await;
        desktop
    }

    /// Quits Purser and starts it again with the same folders.
    pub async fn restart(&mut self) {
        // Closing the session quits the app; a fresh driver makes sure nothing of it is left.
        self.client
            .clone()
            .close()
            .await
            .expect("closing the WebDriver session should quit Purser");
        self.driver = start_driver(self.home.path(), &self.display, &self.os_locale);
        self.client = new_session(&self.driver.url).await;
        self.wait_until_ready().await;
    }

    /// Starts Purser a second time, as a double-click on its icon would, with the same
    /// folders; returns how it ended (within 20 s, or `None` if it was still running).
    pub fn launch_again(&self) -> Option<std::process::ExitStatus> {
        let mut command = Command::new(application());
        app_env(
            &mut command,
            self.home.path(),
            &self.display,
            &self.os_locale,
        );
        command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        let mut second = ProcessGroup::spawn(command, "a second Purser");
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = second.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// Everything Purser has logged so far.
    pub fn log_text(&self) -> String {
        let mut text = String::new();
        let mut stack = vec![self.home.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("purser") && n.ends_with(".log"))
                {
                    text.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
                }
            }
        }
        text
    }

    /// The X display the window is on (for driving native dialogs with xdotool).
    pub fn display(&self) -> &str {
        &self.display
    }

    /// Purser's config folder (where `settings.json` lives).
    pub fn config_dir(&self) -> PathBuf {
        config_dir(self.home.path())
    }

    async fn wait_until_ready(&self) {
        self.client
            .wait()
            .at_most(UI_TIMEOUT)
            .for_element(Locator::Css("body[data-ready='true']"))
            .await
            .expect("the Purser window should render and answer its first command");
    }

    /// The button in the left navigation whose visible label is `label`.
    pub async fn nav_button(&self, label: &str) -> fantoccini::elements::Element {
        let xpath = format!("//nav//button[normalize-space(.)='{label}']");
        self.client
            .wait()
            .at_most(UI_TIMEOUT)
            .for_element(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no navigation button labelled {label:?}: {e}"))
    }

    /// The heading of the section that is showing now.
    pub async fn visible_heading(&self) -> String {
        for heading in self
            .client
            .find_all(Locator::Css("main h1"))
            .await
            .expect("headings")
        {
            if heading.is_displayed().await.unwrap_or(false) {
                return heading.text().await.expect("heading text");
            }
        }
        panic!("no section heading is visible");
    }

    /// Waits until `check` returns true (the UI updates asynchronously after a click).
    pub async fn eventually<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = Instant::now() + UI_TIMEOUT;
        while Instant::now() < deadline {
            if check().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("timed out waiting for: {what}");
    }

    /// The visible button whose text (or aria-label) is `label`, as a user finds it.
    pub async fn button(&self, label: &str) -> fantoccini::elements::Element {
        let xpath = format!(
            "//button[(normalize-space(.)={q} or @aria-label={q})]",
            q = xpath_literal(label)
        );
        self.visible(&xpath, &format!("a button labelled {label:?}"))
            .await
    }

    /// The visible form control whose `<label>` (or aria-label) reads `label`, or failing
    /// that starts with it ("Cluster" for "Cluster (context from your kubeconfig)").
    pub async fn field(&self, label: &str) -> fantoccini::elements::Element {
        let q = xpath_literal(label);
        let control = "self::input or self::select or self::textarea";
        let exact = format!(
            "//*[({control}) and (@id=//label[normalize-space(.)={q}]/@for or @aria-label={q})]"
        );
        if let Some(found) = self.first_visible(&exact).await {
            return found;
        }
        let prefix =
            format!("//*[({control}) and @id=//label[starts-with(normalize-space(.), {q})]/@for]");
        self.visible(&prefix, &format!("a field labelled {label:?}"))
            .await
    }

    async fn first_visible(&self, xpath: &str) -> Option<fantoccini::elements::Element> {
        for element in self
            .client
            .find_all(Locator::XPath(xpath))
            .await
            .unwrap_or_default()
        {
            if element.is_displayed().await.unwrap_or(false) {
                return Some(element);
            }
        }
        None
    }

    /// Clicks the visible button labelled `label` (scrolled into view first, as a user would).
    pub async fn click_button(&self, label: &str) {
        let button = self.button(label).await;
        self.scroll_into_view(&button).await;
        button
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {label:?}: {e:?}"));
    }

    /// Opens the disclosure (`<details>`) whose summary reads `label`, as a user clicks it.
    pub async fn open_disclosure(&self, label: &str) {
        let xpath = format!("//summary[normalize-space(.)={}]", xpath_literal(label));
        let summary = self
            .visible(&xpath, &format!("a disclosure labelled {label:?}"))
            .await;
        self.scroll_into_view(&summary).await;
        summary
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot open {label:?}: {e:?}"));
    }

    /// Replaces the text of the field labelled `label`.
    pub async fn type_in(&self, label: &str, text: &str) {
        let field = self.field(label).await;
        self.scroll_into_view(&field).await;
        field
            .clear()
            .await
            .unwrap_or_else(|e| panic!("{label:?}: {e:?}"));
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("cannot type into {label:?}: {e:?}"));
    }

    /// Chooses the option whose visible text starts with `option` in the list labelled `label`.
    pub async fn choose(&self, label: &str, option: &str) {
        let select = self.field(label).await;
        self.scroll_into_view(&select).await;
        let xpath = format!(
            ".//option[starts-with(normalize-space(.), {})]",
            xpath_literal(option)
        );
        // A list filled after a connect or a load gets its options a moment later: wait for
        // the option as a user waits for it to appear.
        let deadline = Instant::now() + UI_TIMEOUT;
        let found = loop {
            match select.find(Locator::XPath(&xpath)).await {
                Ok(found) => break found,
                Err(e) if Instant::now() >= deadline => {
                    panic!("{label:?} offers no {option:?}: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        found
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot choose {option:?}: {e:?}"));
    }

    /// Scrolls `element` into view and clicks it, as a user would.
    pub async fn click(&self, element: &fantoccini::elements::Element) {
        self.scroll_into_view(element).await;
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click: {e:?}"));
    }

    async fn scroll_into_view(&self, element: &fantoccini::elements::Element) {
        let arg = serde_json::to_value(element).expect("an element serialises");
        self.client
            .execute("arguments[0].scrollIntoView({block: 'center'})", vec![arg])
            .await
            .expect("scrolling works");
    }

    /// Waits for a displayed element matching `xpath`.
    async fn visible(&self, xpath: &str, what: &str) -> fantoccini::elements::Element {
        let deadline = Instant::now() + UI_TIMEOUT;
        loop {
            if let Some(found) = self.first_visible(xpath).await {
                return found;
            }
            if Instant::now() >= deadline {
                let shot = self.screenshot("failed-to-find.png").await;
                let page = self
                    .client
                    .execute("return document.querySelector('main').innerText", vec![])
                    .await
                    .ok();
                panic!("no visible {what}; the window is in {shot:?}; it reads: {page:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The text of the element with `id` (for reading results, not for finding controls).
    pub async fn text_of(&self, id: &str) -> String {
        match self.client.find(Locator::Id(id)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the element with `id` says `wanted`.
    pub async fn wait_text(&self, id: &str, wanted: &str) {
        let mut last = String::new();
        let deadline = Instant::now() + UI_TIMEOUT;
        while Instant::now() < deadline {
            last = self.text_of(id).await;
            if last.contains(wanted) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("#{id} never said {wanted:?}; it says {last:?}");
    }

    /// Whether the element with `id` is shown.
    pub async fn shown(&self, id: &str) -> bool {
        match self.client.find(Locator::Id(id)).await {
            Ok(element) => element.is_displayed().await.unwrap_or(false),
            Err(_) => false,
        }
    }

    /// Saves a screenshot under the test's target directory and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        std::fs::write(&path, png).expect("screenshot written");
        path
    }

    /// Ends the session and every process behind it.
    pub async fn quit(self) {
        let _ = self.client.clone().close().await;
    }
}

/// `text` as an XPath string literal (XPath 1.0 has no escapes: quotes are concatenated).
pub fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

/// Purser's config folder under a test home.
pub fn config_dir(home: &Path) -> PathBuf {
    home.join("config").join(APP_ID)
}

/// Purser's environment for a test home: its own folders, locale and kubeconfig.
fn app_env(command: &mut Command, home: &Path, display: &str, os_locale: &str) {
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
fn start_driver(home: &Path, display: &str, os_locale: &str) -> Driver {
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

async fn new_session(driver_url: &str) -> Client {
    let capabilities = json!({
        "browserName": "wry",
        "tauri:options": { "application": application() },
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!("a JSON object literal")
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let deadline = Instant::now() + UI_TIMEOUT;
    loop {
        match ClientBuilder::new(connector.clone())
            .capabilities(capabilities.clone())
            .connect(driver_url)
            .await
        {
            Ok(client) => return client,
            // tauri-driver accepts connections before WebKitWebDriver behind it is listening.
            Err(
                fantoccini::error::NewSessionError::Lost(_)
                | fantoccini::error::NewSessionError::FailedC(_),
            ) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("could not open the Purser window through tauri-driver: {e}"),
        }
    }
}

/// The Purser executable under test: this build's, or an installed one named by `PURSER_APP`
/// (scripts/installed-app.sh sets it to the binary the package installed).
pub fn application() -> PathBuf {
    std::env::var_os("PURSER_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_purser").into())
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

fn start_xvfb() -> (String, ProcessGroup) {
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
struct ProcessGroup {
    child: Child,
}

impl ProcessGroup {
    fn spawn(mut command: Command, what: &str) -> ProcessGroup {
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
