// Keep a Windows release build from opening a console window next to the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // Before any thread starts: the only time the UTC offset can be read soundly on Linux.
    purser_core::words::read_local_offset();
    purser_lib::run();
}
