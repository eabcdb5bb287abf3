//! Purser, the desktop app: keeps OpenAI and AWS credentials in the OS keychain, deploys and
//! scales an app on a chosen Kubernetes context, and shows monthly AWS cost against a budget.
//!
//! This crate is the window's side only: wiring (plugins, logging, state), `#[tauri::command]`
//! adapters over [`purser_core`], and what needs Tauri itself (dialogs). Everything else is in
//! `purser-core`, which cannot use Tauri.

pub mod app_menu;
pub mod commands;
pub mod guard_runtime;
pub mod logging;
pub mod updates;
pub mod window_state;

use tauri::{Builder, Manager, Runtime};

use purser_core::Backends;

pub use purser_core::{AppDirs, AppError, AppStatus, Purser};

/// Starts the desktop app. Called by `main`.
pub fn run() {
    // First among plugins: a second launch hands over to the running Purser and exits before
    // it reads or writes anything, so two processes never overwrite each other's settings.
    let single = tauri_plugin_single_instance::init(|app, _args, _cwd| {
        tracing::info!("Purser was launched again; showing the running window instead");
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.unminimize();
            let _ = window.show();
            let _ = window.set_focus();
        }
    });
    // The menu bar and the window's remembered size are the real window's (the mock runtime
    // of the command tests has neither).
    let builder = Builder::default()
        .plugin(single)
        .plugin(window_state::plugin())
        .manage(window_state::Saving::default())
        .manage(updates::Updater::new(updates::UpdateSource::of_build()))
        .menu(|app| {
            let (menu, bar) = app_menu::build_english(app)?;
            app.manage(bar);
            Ok(menu)
        })
        .on_menu_event(app_menu::on_event);
    let result = build_app(builder).run(tauri::generate_context!());
    if let Err(error) = result {
        // Nothing else can show this: the window failed to open.
        eprintln!("Purser could not start: {error}");
        std::process::exit(1);
    }
}

/// Registers Purser's commands and start-up on a builder. The real app and the mock-runtime
/// tests share this, so both see the same commands.
pub fn build_app<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .on_window_event(|window, event| {
            guard_runtime::on_window_event(window, event);
            window_state::on_window_event(window, event);
        })
        .setup(|app| {
            init(app.handle(), None)?;
            guard_runtime::start(app.handle(), guard_runtime::Schedule::default());
            updates::start(app.handle());
            speak(app.handle());
            Ok(())
        })
        .invoke_handler(handler())
}

// `handler()`: every command `commands/declared.rs` names, registered.
macro_rules! purser_commands {
    ($($module:ident :: $command:ident),* $(,)?) => {
        fn handler<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$(commands::$module::$command),*]
        }
    };
}
include!("commands/declared.rs");

/// The menu bar and the tray in the language the core says the window speaks (at start-up,
/// and after the user chose another). Neither exists on the mock runtime: nothing then.
pub fn speak<R: Runtime>(app: &tauri::AppHandle<R>) {
    let Some(purser) = app.try_state::<Purser>() else {
        return;
    };
    let language = purser.language();
    if let Some(bar) = app.try_state::<app_menu::MenuBar>() {
        bar.speak(app, language);
    }
    if let Some(tray) = app.try_state::<guard_runtime::Tray<R>>() {
        tray.speak(language, purser.guard_paused());
    }
}

/// Start-up: logging, then the core. Runs once, from the app's setup hook (tests on the mock
/// runtime, where that hook does not run, call [`init_with`] themselves with their own folders
/// and backends). `dirs` = `None` uses the OS's standard folders.
pub fn init<R: Runtime>(app: &tauri::AppHandle<R>, dirs: Option<AppDirs>) -> tauri::Result<()> {
    init_with(app, dirs, Backends::system())
}

/// [`init`] with other backends (tests keep their keychain entries and AWS apart this way).
pub fn init_with<R: Runtime>(
    app: &tauri::AppHandle<R>,
    dirs: Option<AppDirs>,
    backends: Backends,
) -> tauri::Result<()> {
    let dirs = match dirs {
        Some(dirs) => dirs,
        None => os_dirs(app)?,
    };
    logging::private_files();
    match logging::init(&dirs.log) {
        Ok(guard) => {
            app.manage(guard);
        }
        Err(error) => {
            logging::init_stderr_only();
            tracing::warn!(%error, dir = %dirs.log.display(), "cannot log to a file");
        }
    }
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "Purser starting");
    app.manage(Purser::new(dirs, sys_locale::get_locale(), backends));
    Ok(())
}

/// The OS's standard folders for this app (e.g. `~/.config/dev.purser.desktop` on Linux).
fn os_dirs<R: Runtime>(app: &tauri::AppHandle<R>) -> tauri::Result<AppDirs> {
    let path = app.path();
    Ok(AppDirs {
        config: path.app_config_dir()?,
        data: path.app_data_dir()?,
        cache: path.app_cache_dir()?,
        log: path.app_log_dir()?,
    })
}
