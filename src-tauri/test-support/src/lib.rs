//! What Purser's test suites share: the Kubernetes API test server with a kubeconfig on disk
//! (for kube and the real kubectl), a moto server (AWS) with a forecast server beside it, the private Secret Service, ports.

pub mod forecast;
pub mod keyring;
pub mod kube;
pub mod moto;
pub mod net;
pub mod openai_limits;
pub mod tls;
