//! Shared helpers for the integration suites.
#![allow(dead_code)]

pub mod desktop;
pub mod keyring;
pub mod moto;
