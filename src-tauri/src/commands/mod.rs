//! `#[tauri::command]` adapters: take typed arguments and `State`, call one core function, map
//! the error into [`purser_core::error::AppError`]. Logic belongs in the core modules, not here.

pub mod app;
pub mod cluster;
pub mod cost;
pub mod credentials;
pub mod guard;
