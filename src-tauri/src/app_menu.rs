//! The menu bar, as each OS has it: on macOS the app menu (About, Settings…, Services, Hide,
//! Hide Others, Show All, Quit), Edit (so ⌘C and ⌘V work in fields), View and Window; on
//! Windows and Linux File (Settings, Quit), View and Help (About). View opens the sections with
//! Ctrl+0…3 (⌘ on macOS). The words are `ui/locales`' (see `purser_core::words`); a choice goes back
//! to the window as the [`MENU_EVENT`] event, whose payload names the section or `about`.

use std::sync::Mutex;

use purser_core::locale::Language;
use tauri::menu::{IsMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem, Submenu};
use tauri::{AppHandle, Emitter, Manager, Runtime};

use purser_core::words;

/// The window's event for a menu choice.
pub const MENU_EVENT: &str = "menu";

/// Our items' ids start with this (the tray's menu events reach the same handlers).
const PREFIX: &str = "menu:";

/// Each item's key and where its words are in `ui/locales` (the View menu's items are the
/// window's section names).
pub const KEYS: &[(&str, &str)] = &[
    ("file", "menu.file"),
    ("edit", "menu.edit"),
    ("view", "menu.view"),
    ("window", "menu.window"),
    ("help", "menu.help"),
    ("about", "menu.about"),
    ("settings", "menu.settings"),
    ("quit", "menu.quit"),
    ("hide", "menu.hide"),
    ("hideOthers", "menu.hideOthers"),
    ("showAll", "menu.showAll"),
    ("services", "menu.services"),
    ("undo", "menu.undo"),
    ("redo", "menu.redo"),
    ("cut", "menu.cut"),
    ("copy", "menu.copy"),
    ("paste", "menu.paste"),
    ("selectAll", "menu.selectAll"),
    ("minimize", "menu.minimize"),
    ("zoom", "menu.zoom"),
    ("overview", "nav.overview"),
    ("credentials", "nav.credentials"),
    ("deployment", "nav.deployment"),
    ("cost", "nav.cost"),
];

/// The sections the View menu opens, with their shortcuts.
const SECTIONS: [(&str, &str); 4] = [
    ("overview", "CmdOrCtrl+0"),
    ("credentials", "CmdOrCtrl+1"),
    ("deployment", "CmdOrCtrl+2"),
    ("cost", "CmdOrCtrl+3"),
];

/// The language the menu bar speaks now. A new language rebuilds it: GTK's menu bar keeps
/// its top-level titles ("File") whatever a submenu's `set_text` says, so relabelling in
/// place would leave them in English.
pub struct MenuBar {
    language: Mutex<Language>,
}

/// The menu bar in English, as the core is not loaded yet; [`MenuBar::speak`] follows once it is.
pub fn build_english<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<(Menu<R>, MenuBar)> {
    let menu = build(app, Language::En)?;
    Ok((
        menu,
        MenuBar {
            language: Mutex::new(Language::En),
        },
    ))
}

fn build<R: Runtime>(app: &AppHandle<R>, language: Language) -> tauri::Result<Menu<R>> {
    let word = |key: &str| {
        KEYS.iter()
            .find(|(item, _)| *item == key)
            .map_or_else(|| key.to_string(), |(_, at)| words::word(language, at))
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
    /// The menu bar in `language` (at start-up, or the user chose another): rebuilt when
    /// that changes what it shows.
    pub fn speak<R: Runtime>(&self, app: &AppHandle<R>, language: Language) {
        let mut current = match self.language.lock() {
            Ok(current) => current,
            Err(poisoned) => poisoned.into_inner(),
        };
        if *current == language {
            return;
        }
        *current = language;
        match build(app, language).and_then(|menu| app.set_menu(menu)) {
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

#[cfg(test)]
mod tests {
    use super::KEYS;
    use crate::guard_runtime::TRAY_KEYS;
    use purser_core::locale::Language;
    use purser_core::words::has;

    #[test]
    fn both_languages_have_every_shell_word() {
        for key in KEYS.iter().map(|(_, key)| *key).chain(TRAY_KEYS) {
            for language in [Language::En, Language::Es] {
                assert!(
                    has(language, key),
                    "{key} has no {language:?} text in ui/locales"
                );
            }
        }
    }
}
