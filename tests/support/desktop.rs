//! Drives the real Purser window: Xvfb (unless a display is already there), `tauri-driver`
//! (which runs `WebKitWebDriver`, which runs Purser) and a WebDriver session through fantoccini.
//!
//! Each [`Desktop`] gets its own config/data/cache folders through the XDG variables, so tests
//! never touch the user's real settings and can look at exactly what Purser wrote.
// Each suite includes this file on its own and uses some of it.
#![allow(dead_code)]

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

#[path = "processes.rs"]
mod processes;

use processes::{app_env, start_driver, start_xvfb, Driver, ProcessGroup};

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

impl Desktop {
    /// Starts Purser with fresh, empty folders and a keychain with nothing of Purser's in it,
    /// on an English-speaking OS.
    pub async fn launch() -> Desktop {
        Self::launch_with("C.UTF-8", |_| {}).await
    }

    /// Starts Purser with the OS locale `os_locale` (e.g. `es_ES.UTF-8`), after `prepare` has
    /// had a chance to put files in its (empty) folders. As someone who has used it before:
    /// the first-run guide is closed (see [`Desktop::first_run`]).
    pub async fn launch_with(os_locale: &str, prepare: impl FnOnce(&Path)) -> Desktop {
        Self::start(os_locale, |home| {
            let data = data_dir(home);
            std::fs::create_dir_all(&data).expect("the data folder");
            std::fs::write(data.join("guide.json"), r#"{"closed": true}"#).expect("guide.json");
            prepare(home);
        })
        .await
    }

    /// Starts Purser for the very first time: empty folders, nothing set up.
    pub async fn first_run(os_locale: &str) -> Desktop {
        Self::start(os_locale, |_| {}).await
    }

    async fn start(os_locale: &str, prepare: impl FnOnce(&Path)) -> Desktop {
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

    /// Opens the section whose navigation button reads `label`, as a user does, and waits
    /// until it is the current page. Under Xvfb (no window manager) an input event is now and
    /// then not acted on at all (seen for clicks and for the close request: the page or Purser
    /// never hears of it); a navigation click is harmless to repeat, so it is sent again, at
    /// most twice, and each repeat is said on stderr.
    pub async fn open_section(&self, label: &str) {
        for attempt in 0..3 {
            if attempt > 0 {
                eprintln!("e2e: the click on {label:?} was not acted on; clicking again");
            }
            let button = self.nav_button(label).await;
            button
                .click()
                .await
                .unwrap_or_else(|e| panic!("cannot click {label:?}: {e:?}"));
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                if button.attr("aria-current").await.ok().flatten().as_deref() == Some("page") {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        panic!(
            "the section {label:?} never opened; {}",
            self.diagnosis("failed-to-open.png").await
        );
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
        self.until_still(&button).await;
        button
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {label:?}: {e:?}"));
    }

    /// Clicks the choice (a radio button's label) whose text starts with `label`, as a user
    /// clicks one of several cards, and returns its label element.
    pub async fn pick_option(&self, label: &str) -> fantoccini::elements::Element {
        let xpath = format!(
            "//label[.//input[@type='radio'] and starts-with(normalize-space(.), {})]",
            xpath_literal(label)
        );
        let option = self
            .visible(&xpath, &format!("a choice labelled {label:?}"))
            .await;
        self.scroll_into_view(&option).await;
        self.until_still(&option).await;
        option
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot pick {label:?}: {e:?}"));
        option
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

    /// Waits (up to 2 s) until `element` stops moving: a click lands where the element is when
    /// it is sent, and a screen still drawing what it loaded (a chart, a card) moves what is
    /// under it. A person, too, clicks what has stopped moving.
    async fn until_still(&self, element: &fantoccini::elements::Element) {
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut before = element.rectangle().await.ok();
        while Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(150)).await;
            let now = element.rectangle().await.ok();
            if now == before {
                return;
            }
            before = now;
        }
    }

    /// A screenshot named `name`, what the window reads and whether a dialog is open: for a
    /// failure's message, so it can be understood after the run.
    async fn diagnosis(&self, name: &str) -> String {
        let shot = self.screenshot(name).await;
        let page = self
            .client
            .execute(
                "const d = document.querySelector('dialog[open]');
                 return (d ? 'OPEN DIALOG: ' + d.innerText + ' | ' : '')
                   + document.querySelector('main').innerText",
                vec![],
            )
            .await
            .ok();
        format!("the window is in {shot:?}; it reads: {page:?}")
    }

    /// Waits for a displayed element matching `xpath`.
    async fn visible(&self, xpath: &str, what: &str) -> fantoccini::elements::Element {
        let deadline = Instant::now() + UI_TIMEOUT;
        loop {
            if let Some(found) = self.first_visible(xpath).await {
                return found;
            }
            if Instant::now() >= deadline {
                panic!(
                    "no visible {what}; {}",
                    self.diagnosis("failed-to-find.png").await
                );
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
        panic!(
            "#{id} never said {wanted:?}; it says {last:?}; {}",
            self.diagnosis("failed-to-read.png").await
        );
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

/// Purser's data folder under a test's home.
pub fn data_dir(home: &Path) -> PathBuf {
    home.join("data").join(APP_ID)
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
