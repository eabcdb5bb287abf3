//! The menu bar, as each OS has it: on macOS the app menu (About, Settings…, Services, Hide,
//! Hide Others, Show All, Quit), Edit (so ⌘C and ⌘V work in fields), View and Window; on
//! Windows and Linux File (Settings, Quit), View and Help (About). View opens the sections with
//! Ctrl+1…3 (⌘ on macOS). The words come from the window, like the tray's; a choice goes back
//! to the window as the [`MENU_EVENT`] event, whose payload names the section or `about`.

use std::collections::HashMap;
use std::sync::Mutex;

use tauri::menu::{IsMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem, Submenu};
use tauri::{AppHandle, Emitter, Manager, Runtime};

/// The window's event for a menu choice.
pub const MENU_EVENT: &str = "menu";

/// Our items' ids start with this (the tray's menu events reach the same handlers).
const PREFIX: &str = "menu:";

/// The words until the window sends its own (English, as the window starts in it); also
/// the keys the window's words may have.
const ENGLISH: &[(&str, &str)] = &[
    ("file", "File"),
    ("edit", "Edit"),
    ("view", "View"),
    ("window", "Window"),
    ("help", "Help"),
    ("about", "About Purser"),
    ("settings", "Settings…"),
    ("quit", "Quit Purser"),
    ("hide", "Hide Purser"),
    ("hideOthers", "Hide Others"),
    ("showAll", "Show All"),
    ("services", "Services"),
    ("undo", "Undo"),
    ("redo", "Redo"),
    ("cut", "Cut"),
    ("copy", "Copy"),
    ("paste", "Paste"),
    ("selectAll", "Select All"),
    ("minimize", "Minimize"),
    ("zoom", "Zoom"),
    ("credentials", "Credentials"),
    ("deployment", "Deployment"),
    ("cost", "Cost & budget"),
];

/// The sections the View menu opens, with their shortcuts.
const SECTIONS: [(&str, &str); 3] = [
    ("credentials", "CmdOrCtrl+1"),
    ("deployment", "CmdOrCtrl+2"),
    ("cost", "CmdOrCtrl+3"),
];

/// The words the menu bar shows now. New words rebuild it: GTK's menu bar keeps its
/// top-level titles ("File") whatever a submenu's `set_text` says, so relabelling in place
/// would leave them in English.
pub struct MenuBar {
    words: Mutex<Words>,
}

type Words = HashMap<String, String>;

/// The menu bar in English, as the window starts; the window sends its words at once.
pub fn build_english<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<(Menu<R>, MenuBar)> {
    let words: Words = ENGLISH
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let menu = build(app, &words)?;
    Ok((
        menu,
        MenuBar {
            words: Mutex::new(words),
        },
    ))
}

fn build<R: Runtime>(app: &AppHandle<R>, words: &Words) -> tauri::Result<Menu<R>> {
    let word = |key: &str| {
        words
            .get(key)
            .map(String::as_str)
            .unwrap_or(key)
            .to_string()
    };
    let item = |key: &str, accelerator: Option<&str>| {
        MenuItem::with_id(app, format!("{PREFIX}{key}"), word(key), true, accelerator)
    };
    let sections = SECTIONS
        .iter()
        .map(|&(key, accelerator)| item(key, Some(accelerator)))
        .collect::<tauri::Result<Vec<_>>>()?;
    let view_items: Vec<&dyn IsMenuItem<R>> =
        sections.iter().map(|i| i as &dyn IsMenuItem<R>).collect();
    let view = Submenu::with_items(app, word("view"), true, &view_items)?;
    let about = item("about", None)?;
    let settings = item("settings", Some("CmdOrCtrl+,"))?;
    let quit = item("quit", Some("CmdOrCtrl+Q"))?;
    os_menu(app, &word, view, about, settings, quit)
}

/// macOS: the app menu, Edit, View, Window.
#[cfg(target_os = "macos")]
fn os_menu<R: Runtime>(
    app: &AppHandle<R>,
    word: &dyn Fn(&str) -> String,
    view: Submenu<R>,
    about: MenuItem<R>,
    settings: MenuItem<R>,
    quit: MenuItem<R>,
) -> tauri::Result<Menu<R>> {
    let text = |key: &str| Some(word(key));
    let separator = || PredefinedMenuItem::separator(app);
    let app_menu = Submenu::with_items(
        app,
        "Purser",
        true,
        &[
            &about,
            &separator()?,
            &settings,
            &separator()?,
            &PredefinedMenuItem::services(app, text("services").as_deref())?,
            &separator()?,
            &PredefinedMenuItem::hide(app, text("hide").as_deref())?,
            &PredefinedMenuItem::hide_others(app, text("hideOthers").as_deref())?,
            &PredefinedMenuItem::show_all(app, text("showAll").as_deref())?,
            &separator()?,
            &quit,
        ],
    )?;
    let edit = Submenu::with_items(
        app,
        word("edit"),
        true,
        &[
            &PredefinedMenuItem::undo(app, text("undo").as_deref())?,
            &PredefinedMenuItem::redo(app, text("redo").as_deref())?,
            &separator()?,
            &PredefinedMenuItem::cut(app, text("cut").as_deref())?,
            &PredefinedMenuItem::copy(app, text("copy").as_deref())?,
            &PredefinedMenuItem::paste(app, text("paste").as_deref())?,
            &PredefinedMenuItem::select_all(app, text("selectAll").as_deref())?,
        ],
    )?;
    let window = Submenu::with_items(
        app,
        word("window"),
        true,
        &[
            &PredefinedMenuItem::minimize(app, text("minimize").as_deref())?,
            &PredefinedMenuItem::maximize(app, text("zoom").as_deref())?,
        ],
    )?;
    Menu::with_items(app, &[&app_menu, &edit, &view, &window])
}

/// Windows and Linux: File, View, Help.
#[cfg(not(target_os = "macos"))]
fn os_menu<R: Runtime>(
    app: &AppHandle<R>,
    word: &dyn Fn(&str) -> String,
    view: Submenu<R>,
    about: MenuItem<R>,
    settings: MenuItem<R>,
    quit: MenuItem<R>,
) -> tauri::Result<Menu<R>> {
    let separator = PredefinedMenuItem::separator(app)?;
    let file = Submenu::with_items(app, word("file"), true, &[&settings, &separator, &quit])?;
    let help = Submenu::with_items(app, word("help"), true, &[&about])?;
    Menu::with_items(app, &[&file, &view, &help])
}

impl MenuBar {
    /// New words from the window (it started, or the language changed): the menu bar is
    /// rebuilt with them when they change what it shows. Keys it does not know are ignored.
    pub fn relabel<R: Runtime>(&self, app: &AppHandle<R>, new: &Words) {
        let mut words = match self.words.lock() {
            Ok(words) => words,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut changed = false;
        for (key, text) in new {
            if let Some(current) = words.get_mut(key) {
                if current != text {
                    current.clone_from(text);
                    changed = true;
                }
            }
        }
        if !changed {
            return;
        }
        match build(app, &words).and_then(|menu| app.set_menu(menu)) {
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "menu bar not relabelled"),
        }
    }
}

/// A choice in the menu bar: Quit quits (even with the guard watching: the user asked);
/// everything else is the window's to show.
pub fn on_event<R: Runtime>(app: &AppHandle<R>, event: MenuEvent) {
    let Some(key) = event.id().as_ref().strip_prefix(PREFIX) else {
        return; // the tray's
    };
    if key == "quit" {
        app.exit(0);
        return;
    }
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.set_focus();
    }
    if let Err(error) = app.emit(MENU_EVENT, key) {
        tracing::warn!(%error, "menu choice not sent to the window");
    }
}
