//! What Purser's test suites share: the Kubernetes API test server with a kubeconfig on disk
//! (for kube and the real kubectl), a moto server (AWS), the private Secret Service, ports.

pub mod keyring;
pub mod kube;
pub mod moto;
pub mod net;
