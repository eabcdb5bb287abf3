//! Looks at the real Secret Service from outside Purser's process, with `secret-tool`
//! (package libsecret-tools), so a test sees what really landed in the keychain.

use std::process::Command;

/// The stored value for (service, account), or `None` when there is no such entry.
pub fn lookup(service: &str, account: &str) -> Option<String> {
    let output = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", account])
        .output()
        .expect("secret-tool (package libsecret-tools) must be installed");
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// A service name no other test uses, so parallel tests never see each other's entries.
pub fn unique_service(test: &str) -> String {
    format!("purser-test-{test}-{}", std::process::id())
}

/// Removes the entry for (service, account), as a test's clean-up or precondition.
pub fn clear(service: &str, account: &str) {
    let status = Command::new("secret-tool")
        .args(["clear", "service", service, "username", account])
        .status()
        .expect("secret-tool (package libsecret-tools) must be installed");
    // secret-tool answers 1 when there was nothing to clear.
    assert!(status.code().is_some(), "secret-tool clear was killed");
    assert_eq!(
        lookup(service, account),
        None,
        "{account}@{service} is gone"
    );
}

/// Removes every entry of `service`: a window test starts from a keychain with nothing of
/// Purser's in it, whatever an earlier test (or an earlier run) left there.
pub fn clear_service(service: &str) {
    let status = Command::new("secret-tool")
        .args(["clear", "service", service])
        .status()
        .expect("secret-tool (package libsecret-tools) must be installed");
    assert!(status.code().is_some(), "secret-tool clear was killed");
    let left = Command::new("secret-tool")
        .args(["search", "--all", "service", service])
        .output()
        .expect("secret-tool (package libsecret-tools) must be installed");
    assert!(
        left.stdout.is_empty(),
        "nothing of {service} is left: {}",
        String::from_utf8_lossy(&left.stdout)
    );
}
