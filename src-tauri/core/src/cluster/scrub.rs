//! Wiping a Secret's value from memory once Purser is done with it: the app's Secret as
//! built, and the Secret objects the cluster echoes in a dry run. What the crates keep on
//! their own (kube's request body, hyper's buffers, the JSON values a diff is made from) is
//! out of reach; the README's Security section says so.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::api::core::v1::{ConfigMap, Secret, Service, ServiceAccount};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use zeroize::Zeroize;

/// Objects that may hold a secret value.
pub trait Scrub {
    /// Overwrites any secret value the object holds.
    fn scrub(&mut self) {}
}

impl Scrub for Secret {
    fn scrub(&mut self) {
        for value in self.data.iter_mut().flat_map(|d| d.values_mut()) {
            value.0.zeroize();
        }
        for value in self.string_data.iter_mut().flat_map(|d| d.values_mut()) {
            value.zeroize();
        }
    }
}

impl Scrub for Deployment {}
impl Scrub for Service {}
// The guard's objects in the cluster, and its shared record: none holds a secret.
impl Scrub for ServiceAccount {}
impl Scrub for Role {}
impl Scrub for RoleBinding {}
impl Scrub for CronJob {}
impl Scrub for ConfigMap {}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::ByteString;

    #[test]
    fn a_scrubbed_secret_holds_zeros_where_its_value_was() {
        let mut secret = Secret {
            data: Some([("K".to_string(), ByteString(b"fake-key-SCRUB".to_vec()))].into()),
            string_data: Some([("S".to_string(), "fake-key-SCRUB".to_string())].into()),
            ..Secret::default()
        };
        secret.scrub();
        let data = secret.data.unwrap();
        assert!(data["K"].0.iter().all(|b| *b == 0) || data["K"].0.is_empty());
        assert!(secret.string_data.unwrap()["S"].is_empty());
    }
}
