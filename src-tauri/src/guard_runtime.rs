//! The budget guard without a person watching: the schedule that runs its check, the notices
//! it raises as desktop notifications (worded from `ui/locales` by `purser_core::words`) and
//! sends to the window (which shows them in its notice area), and the tray (open, pause guard, quit), so closing the window keeps the guard running.
//! Only Tauri-specific wiring lives here; the guard itself is in the core.

use std::sync::Mutex;
use std::time::Duration;

use tauri::menu::{Menu, MenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Emitter, Manager, Runtime, WindowEvent};

use purser_core::locale::Language;
use purser_core::{AppError, Purser};
use tauri_plugin_notification::{NotificationExt, PermissionState};

use purser_core::words;

/// How often the guard looks when nothing says otherwise.
const EVERY: Duration = Duration::from_secs(60 * 60);

/// How often the sandbox's stand-in for the CronJob controller looks for a guard run due
/// there (as a controller does; the schedule itself says when one runs).
const SANDBOX_EVERY: Duration = Duration::from_secs(60);

/// The first check after start-up: soon, but not in the way of the first screen.
const FIRST_AFTER: Duration = Duration::from_secs(30);

/// The window's event carrying what the guard has to say.
pub const NOTICES_EVENT: &str = "guard-notices";

/// The window's event when the guard was paused or resumed from the tray (the payload: paused).
pub const PAUSED_EVENT: &str = "guard-paused";

/// The tray menu's words in `ui/locales`.
pub const TRAY_KEYS: [&str; 4] = ["tray.open", "tray.pause", "tray.resume", "tray.quit"];

/// The tray and its menu items, once created.
pub struct Tray<R: Runtime> {
    _icon: TrayIcon<R>,
    open: MenuItem<R>,
    pause: MenuItem<R>,
    quit: MenuItem<R>,
    language: Mutex<Language>,
}

/// Starts the schedule and the tray. A desktop without a tray keeps the window's usual
/// close (and the schedule, while Purser is open).
pub fn start<R: Runtime>(app: &AppHandle<R>, schedule_of: Schedule) {
    match tray(app) {
        Ok(tray) => {
            app.manage(tray);
        }
        Err(error) => tracing::warn!(%error, "no tray icon; closing the window quits Purser"),
    }
    let at_start = app.state::<Purser>().guard_notices_at_start();
    if !at_start.is_empty() {
        notify(app, &at_start);
    }
    schedule(app.clone(), schedule_of);
    sandbox_controller(app.clone());
}

/// When the guard's rounds run: the first soon after start-up, then one every `every`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub first: Duration,
    pub every: Duration,
}

impl Default for Schedule {
    /// 30 seconds after start-up, then hourly.
    fn default() -> Self {
        Self {
            first: FIRST_AFTER,
            every: EVERY,
        }
    }
}

/// What a repeated round of the guard looks at.
#[derive(Debug, Clone, Copy)]
enum Round {
    /// Every guarded app, by this computer's policy (or beside its guard in the cluster).
    Guard,
    /// The guard checks installed on the sandbox, run when their schedule comes round
    /// (nothing else runs jobs there), so a user without a cluster sees the guard in the
    /// cluster work.
    SandboxJobs,
}

impl Round {
    async fn run(self, purser: &Purser) -> Vec<AppError> {
        match self {
            Round::Guard => purser.guard_check().await,
            Round::SandboxJobs => purser.sandbox_guard_runs().await,
        }
    }
}

fn schedule<R: Runtime>(app: AppHandle<R>, schedule_of: Schedule) {
    repeat(app, schedule_of, Round::Guard);
}

fn sandbox_controller<R: Runtime>(app: AppHandle<R>) {
    let every_minute = Schedule {
        first: Duration::ZERO,
        every: SANDBOX_EVERY,
    };
    repeat(app, every_minute, Round::SandboxJobs);
}

/// Runs `round` `first` after start-up, then every `every`, telling what it has to say.
fn repeat<R: Runtime>(app: AppHandle<R>, Schedule { first, every }: Schedule, round: Round) {
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(first).await;
        let mut ticks = tokio::time::interval(every);
        // After sleep or a suspended laptop, one round — not every missed one back to back.
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            ticks.tick().await;
            let told = round.run(&app.state::<Purser>()).await;
            tell(&app, &told);
        }
    });
}

/// What the guard has to say, as desktop notifications and to the window.
fn tell<R: Runtime>(app: &AppHandle<R>, told: &[AppError]) {
    if told.is_empty() {
        return;
    }
    notify(app, told);
    if let Err(error) = app.emit(NOTICES_EVENT, told) {
        tracing::warn!(%error, "guard notices not sent to the window");
    }
}

/// The guard's notices as desktop notifications, in the user's language. Some Linux desktops
/// drop them silently, and a user may refuse them: the window's notice area keeps them either
/// way.
fn notify<R: Runtime>(app: &AppHandle<R>, told: &[AppError]) {
    let notifications = app.notification();
    let granted = match notifications.permission_state() {
        Ok(PermissionState::Granted) => true,
        Ok(PermissionState::Denied) => false,
        _ => matches!(
            notifications.request_permission(),
            Ok(PermissionState::Granted)
        ),
    };
    if !granted {
        tracing::info!("desktop notifications not allowed; the notice area shows the guard's");
        return;
    }
    let language = app.state::<Purser>().language();
    let now = time::OffsetDateTime::now_utc();
    for notice in told {
        let (title, body) = words::notice(language, notice, now);
        if let Err(error) = notifications.builder().title(title).body(body).show() {
            tracing::warn!(%error, code = %notice.code, "desktop notification not shown");
        }
    }
}

fn tray<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<Tray<R>> {
    let purser = app.state::<Purser>();
    let language = purser.language();
    let text = |key: &str| words::word(language, key);
    let open = MenuItem::with_id(app, "open", text("tray.open"), true, None::<&str>)?;
    let pause = MenuItem::with_id(app, "pause", text("tray.pause"), true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", text("tray.quit"), true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&open, &pause, &quit])?;
    let mut builder = TrayIconBuilder::with_id("purser")
        .tooltip("Purser")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => show_window(app),
            "pause" => toggle_pause(app),
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    let icon = builder.build(app)?;
    let tray = Tray {
        _icon: icon,
        open,
        pause,
        quit,
        language: Mutex::new(language),
    };
    tray.relabel(purser.guard_paused());
    Ok(tray)
}

impl<R: Runtime> Tray<R> {
    fn relabel(&self, paused: bool) {
        let language = match self.language.lock() {
            Ok(language) => *language,
            Err(poisoned) => *poisoned.into_inner(),
        };
        let text = |key: &str| words::word(language, key);
        let pause = if paused { "tray.resume" } else { "tray.pause" };
        for (item, key) in [
            (&self.open, "tray.open"),
            (&self.pause, pause),
            (&self.quit, "tray.quit"),
        ] {
            if let Err(error) = item.set_text(text(key)) {
                tracing::warn!(%error, "tray label not set");
            }
        }
    }

    /// The tray menu in `language` (the user chose another).
    pub fn speak(&self, language: Language, paused: bool) {
        match self.language.lock() {
            Ok(mut current) => *current = language,
            Err(poisoned) => *poisoned.into_inner() = language,
        }
        self.relabel(paused);
    }
}

fn show_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

fn toggle_pause<R: Runtime>(app: &AppHandle<R>) {
    let purser = app.state::<Purser>();
    let paused = !purser.guard_paused();
    if let Err(error) = purser.pause_guard(paused) {
        tracing::warn!(code = %error.code, "guard pause not saved");
        return;
    }
    if let Some(tray) = app.try_state::<Tray<R>>() {
        tray.relabel(paused);
    }
    if let Err(error) = app.emit(PAUSED_EVENT, paused) {
        tracing::warn!(%error, "guard pause not sent to the window");
    }
}

/// Closing the window while the guard watches an app hides it to the tray instead, so the
/// guard keeps running; without a tray, or with no app guarded, closing quits as usual.
pub fn on_window_event<R: Runtime>(window: &tauri::Window<R>, event: &WindowEvent) {
    if let WindowEvent::CloseRequested { api, .. } = event {
        let app = window.app_handle();
        let watching = app.state::<Purser>().guard_watching();
        let tray = app.try_state::<Tray<R>>().is_some();
        tracing::info!(watching, tray, "window close asked");
        if watching && tray {
            api.prevent_close();
            if let Err(error) = window.hide() {
                tracing::warn!(%error, "the window could not be hidden to the tray");
            }
        }
    }
}
