//! The window opens where and as large as the user left it (tauri-plugin-window-state): size,
//! position and maximised — never "hidden", because the budget guard hides the window to the
//! tray and Purser must not start invisible. The plugin writes its file only on a clean exit,
//! so a move or resize is also saved once it has settled for a second: a logout or a killed
//! process loses nothing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tauri::plugin::TauriPlugin;
use tauri::{Manager, Runtime, WindowEvent};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

const KEPT: StateFlags = StateFlags::SIZE
    .union(StateFlags::POSITION)
    .union(StateFlags::MAXIMIZED);

const SETTLE: Duration = Duration::from_secs(1);

/// Present when the plugin is registered (not on the mock runtime of the command tests).
#[derive(Default)]
pub struct Saving {
    /// Bumped on every move or resize; a save runs only if no newer one came meanwhile.
    generation: Arc<AtomicU64>,
}

pub fn plugin<R: Runtime>() -> TauriPlugin<R> {
    tauri_plugin_window_state::Builder::default()
        .with_state_flags(KEPT)
        .build()
}

pub fn on_window_event<R: Runtime>(window: &tauri::Window<R>, event: &WindowEvent) {
    if !matches!(event, WindowEvent::Moved(_) | WindowEvent::Resized(_)) {
        return;
    }
    let app = window.app_handle().clone();
    let Some(saving) = app.try_state::<Saving>() else {
        return;
    };
    let generation = Arc::clone(&saving.generation);
    let mine = generation.fetch_add(1, Ordering::SeqCst) + 1;
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(SETTLE).await;
        if generation.load(Ordering::SeqCst) == mine {
            if let Err(error) = app.save_window_state(KEPT) {
                tracing::warn!(%error, "window size and position not saved");
            }
        }
    });
}
