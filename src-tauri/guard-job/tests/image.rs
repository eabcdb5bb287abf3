//! purser-guard's image, run as its CronJob's pod runs it: the root folder
//! `image/root.sh` assembles (what the Dockerfile copies onto `scratch`) is made the root of
//! a process with a read-only root filesystem, an `emptyDir` at /tmp, the service account at
//! the path Kubernetes mounts it, user 65532, and only a pod's environment. One check then
//! runs inside it against the Kubernetes API test server and moto on 127.0.0.1 (the process
//! shares this machine's network, as a pod shares its node's in these tests).
//!
//! Mount namespaces and `chroot` need root: the machines that run this suite are root, and a
//! CI runner that is not goes through `sudo -n`; with neither, the test fails saying so
//! rather than passing unseen.

mod common;

use std::path::Path;
use std::process::Command;

use common::{world, APP, KEYS};
use purser_core::guard::Policy;

const ACCOUNT: &str = "var/run/secrets/kubernetes.io/serviceaccount";

/// The pod's mounts, then the entrypoint as user 65532 (`$1` the root, `$2` the service
/// account, `$3` the emptyDir).
const AS_A_POD: &str = r#"set -eu
mkdir -p "$1/$ACCOUNT"
mount --bind "$1" "$1"
mount -o remount,bind,ro "$1"
mount --bind "$3" "$1/tmp"
mount --bind -o ro "$2" "$1/$ACCOUNT"
exec /usr/sbin/chroot --userspec=65532:65532 "$1" /usr/local/bin/purser-guard"#;

/// Every file in `root`, as paths relative to it.
fn files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                out.push(path.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

/// A command that runs as root: itself when the test is root, else through `sudo -n`
/// (keeping the environment given), as on a CI runner.
fn as_root() -> tokio::process::Command {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        tokio::process::Command::new("env")
    } else {
        let mut sudo = tokio::process::Command::new("sudo");
        sudo.args(["-n", "--preserve-env", "env"]);
        sudo
    }
}

fn owner(path: &Path) -> u32 {
    std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(path).unwrap())
}

// Long: one scenario — assemble the image's root, look inside, run a check in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_runs_inside_the_image_as_its_pod_runs_it() {
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path().join("root");
    let assembled = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/image/root.sh"))
        .arg(env!("CARGO_BIN_EXE_purser-guard"))
        .arg(&root)
        .output()
        .unwrap();
    assert!(
        assembled.status.success(),
        "{}",
        String::from_utf8_lossy(&assembled.stderr)
    );

    // Only the binary, its C library, the CA bundle and who 65532 is: no shell.
    let inside = files(&root);
    for needed in [
        "usr/local/bin/purser-guard",
        "etc/ssl/certs/ca-certificates.crt",
        "etc/passwd",
        "etc/group",
        "etc/nsswitch.conf",
    ] {
        assert!(inside.iter().any(|f| f == needed), "{needed}: {inside:?}");
    }
    let others: Vec<_> = inside
        .iter()
        .filter(|f| !f.starts_with("usr/local/bin/") && !f.starts_with("etc/"))
        .collect();
    assert!(
        !others.is_empty()
            && others
                .iter()
                .all(|f| f.contains("/lib") || f.starts_with("lib")),
        "only the C library and its loader besides: {others:?}"
    );
    assert!(!root.join("bin/sh").exists() && !root.join("usr/bin").exists());
    let passwd = std::fs::read_to_string(root.join("etc/passwd")).unwrap();
    assert!(passwd.contains(":65532:65532:"), "{passwd}");

    let world = world(4).await;
    world.share(Policy::Automatic { floor: 1 }, 1000.0).await;
    let empty_dir = scratch.path().join("empty-dir");
    std::fs::create_dir(&empty_dir).unwrap();
    std::fs::set_permissions(
        &empty_dir,
        std::os::unix::fs::PermissionsExt::from_mode(0o1777),
    )
    .unwrap();

    let mut pod = as_root();
    pod.args([
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        AS_A_POD,
        "sh",
    ])
    .arg(&root)
    .arg(world.account.path())
    .arg(&empty_dir)
    .env_clear()
    .env("ACCOUNT", ACCOUNT)
    // What a container runtime gives a process besides the pod's own variables.
    .env("PATH", "/usr/local/bin:/usr/bin:/bin")
    .env("HOME", "/tmp")
    .envs(world.pod_env(KEYS, &[]))
    .kill_on_drop(true);
    let out = pod.output().await.expect("unshare runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stderr}\n{stdout}\n(the pod's mounts need root or passwordless sudo)"
    );
    let summary: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap();
    assert_eq!(summary["check"]["did"], "scaled", "{summary}");
    assert_eq!(summary["askedCostExplorer"], true);
    assert_eq!(world.copies().await, "1");
    assert_eq!(world.record("guard").await["lastCheck"]["did"], "scaled");
    assert_eq!(world.events("PurserGuard").await.len(), 1);
    let events = world.events("PurserGuard").await;
    assert!(events[0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains(APP));

    // It wrote only in the emptyDir, as user 65532; the root stayed as assembled.
    let work = empty_dir.join("purser-guard");
    assert_eq!(owner(&work.join("kubeconfig")), 65532);
    assert_eq!(files(&root), inside);
}
