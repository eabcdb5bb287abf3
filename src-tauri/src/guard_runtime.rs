//! The budget guard without a person watching: the schedule that runs its check, the notices
//! it sends to the window (which words them, shows them and raises a desktop notification),
//! and the tray (open, pause guard, quit), so closing the window keeps the guard running.
//! Only Tauri-specific wiring lives here; the guard itself is in the core.

use std::sync::Mutex;
use std::time::Duration;

use serde::Deserialize;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Emitter, Manager, Runtime, WindowEvent};

use purser_core::Purser;

/// How often the guard looks when nothing says otherwise.
const EVERY: Duration = Duration::from_secs(60 * 60);

/// The first check after start-up: soon, but not in the way of the first screen.
const FIRST_AFTER: Duration = Duration::from_secs(30);

/// The window's event carrying what the guard has to say.
pub const NOTICES_EVENT: &str = "guard-notices";

/// The tray menu's words, in the user's language (sent by the window, which has the words).
#[derive(Debug, Clone, Deserialize)]
pub struct TrayWords {
    pub open: String,
    pub pause: String,
    pub resume: String,
    pub quit: String,
}

/// The tray and its menu items, once created.
pub struct Tray<R: Runtime> {
    _icon: TrayIcon<R>,
    open: MenuItem<R>,
    pause: MenuItem<R>,
    quit: MenuItem<R>,
    words: Mutex<TrayWords>,
}

impl Default for TrayWords {
    fn default() -> Self {
        Self {
            open: "Open Purser".into(),
            pause: "Pause the budget guard".into(),
            resume: "Resume the budget guard".into(),
            quit: "Quit Purser".into(),
        }
    }
}

/// Starts the schedule and the tray. A desktop without a tray keeps the window's usual
/// close (and the schedule, while Purser is open).
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    match tray(app) {
        Ok(tray) => {
            app.manage(tray);
        }
        Err(error) => tracing::warn!(%error, "no tray icon; closing the window quits Purser"),
    }
    schedule(app.clone(), interval());
}

/// `PURSER_GUARD_EVERY` (seconds) shortens the schedule for tests and demonstrations.
fn interval() -> (Duration, Duration) {
    match std::env::var("PURSER_GUARD_EVERY")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| *s > 0)
    {
        Some(seconds) => (Duration::from_secs(seconds), Duration::from_secs(seconds)),
        None => (FIRST_AFTER, EVERY),
    }
}

fn schedule<R: Runtime>(app: AppHandle<R>, (first, every): (Duration, Duration)) {
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(first).await;
        let mut ticks = tokio::time::interval(every);
        // After sleep or a suspended laptop, one round — not every missed hour back to back.
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            ticks.tick().await;
            let told = app.state::<Purser>().guard_check().await;
            if !told.is_empty() {
                if let Err(error) = app.emit(NOTICES_EVENT, &told) {
                    tracing::warn!(%error, "guard notices not sent to the window");
                }
            }
        }
    });
}

fn tray<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<Tray<R>> {
    let words = TrayWords::default();
    let open = MenuItem::with_id(app, "open", &words.open, true, None::<&str>)?;
    let pause = MenuItem::with_id(app, "pause", &words.pause, true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", &words.quit, true, None::<&str>)?;
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
        words: Mutex::new(words),
    };
    tray.relabel(app.state::<Purser>().guard_paused());
    Ok(tray)
}

impl<R: Runtime> Tray<R> {
    fn relabel(&self, paused: bool) {
        let words = match self.words.lock() {
            Ok(words) => words.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        let pause = if paused { &words.resume } else { &words.pause };
        for (item, text) in [
            (&self.open, &words.open),
            (&self.pause, pause),
            (&self.quit, &words.quit),
        ] {
            if let Err(error) = item.set_text(text) {
                tracing::warn!(%error, "tray label not set");
            }
        }
    }

    /// New words from the window (the language changed, or it just started).
    pub fn set_words(&self, words: TrayWords, paused: bool) {
        match self.words.lock() {
            Ok(mut current) => *current = words,
            Err(poisoned) => *poisoned.into_inner() = words,
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
    let _ = app.emit("guard-paused", paused);
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
