//! Shared helpers for the integration suites.
#![allow(dead_code)]

pub mod desktop;
pub mod ipc;
pub mod keyring;
pub mod kube;
pub mod moto;
pub mod net;
