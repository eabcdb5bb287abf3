//! Helpers for the app's own suites (the mock runtime and the real window). What the core's
//! suites share too lives in the purser-test-support crate.
#![allow(dead_code)]

pub mod desktop;
pub mod ipc;
