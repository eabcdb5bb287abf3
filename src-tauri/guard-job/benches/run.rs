//! One `purser-guard` run against local peers (the Kubernetes API test server with the
//! installed Role enforced, moto, a forecast server), printed as figures: wall time, peak
//! resident memory, API requests and Cost Explorer requests per run — the first run of a
//! month acting on an app over its budget, then quiet runs with fresh figures in the record.
//! The binary's size is printed too (the image's floor). Run with
//! `scripts/with-keyring.sh cargo bench -p purser-guard`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::process::Stdio;
use std::time::Instant;

use common::{file, world, APP, KEYS};
use purser_core::guard::install::{guard_name, guard_objects};
use purser_core::guard::Policy;
use serde_json::json;

/// Wall time (ms), peak RSS (MiB) and exit code of one run, measured by `wait4` on it alone.
async fn measure(command: std::process::Command) -> (f64, f64, i32) {
    tokio::task::spawn_blocking(move || {
        let mut command = command;
        let start = Instant::now();
        // Reaped by wait4 below, which gives this child's own peak memory (std's wait does
        // not).
        #[allow(clippy::zombie_processes)]
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("purser-guard starts");
        let pid = child.id() as libc::pid_t;
        let mut status = 0;
        // SAFETY: an all-zero rusage is valid; wait4 fills it for this child only.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: pid is our own child, not yet reaped; both pointers are valid.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        assert_eq!(reaped, pid, "wait4");
        let elapsed = start.elapsed().as_secs_f64() * 1000.0;
        let code = libc::WEXITSTATUS(status);
        (elapsed, usage.ru_maxrss as f64 / 1024.0, code)
    })
    .await
    .expect("the run is measured")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let world = world(4).await;
    world.share(Policy::Automatic { floor: 1 }, 1000.0).await;
    let spec = common::install_spec("registry.example/purser-guard:bench");
    let list = json!({"apiVersion": "v1", "kind": "List", "items": guard_objects(&spec).unwrap()});
    let objects = file(world.work.path(), "guard.json", &list.to_string());
    world
        .cluster
        .kubectl_ok(&["apply", "--server-side", "--validate=false", "-f", &objects])
        .await;
    let name = guard_name(APP);
    let token = world
        .cluster
        .sim
        .service_account_token("default", &name)
        .unwrap();
    std::fs::write(world.account.path().join("token"), &token).unwrap();

    let binary = std::fs::metadata(env!("CARGO_BIN_EXE_purser-guard")).map_or(0, |m| m.len());
    println!(
        "purser-guard binary: {binary} bytes ({:.1} MiB)",
        binary as f64 / 1048576.0
    );
    let mut quiet = Vec::new();
    for run in 0..6 {
        let (requests, asked) = (
            world.cluster.sim.requests_by("default", &name),
            world.forecasts_asked().await,
        );
        let (ms, rss, code) = measure(world.command(KEYS, &[])).await;
        let requests = world.cluster.sim.requests_by("default", &name) - requests;
        let asked = world.forecasts_asked().await - asked;
        let what = if run == 0 {
            "first run (acts, asks Cost Explorer)"
        } else {
            "quiet run (figures fresh)"
        };
        println!(
            "{what}: {ms:.0} ms, peak RSS {rss:.1} MiB, {requests} API requests, {asked} Cost Explorer forecast requests, exit {code}"
        );
        if run > 0 {
            quiet.push(ms);
        }
    }
    quiet.sort_by(f64::total_cmp);
    println!(
        "quiet runs: median {:.0} ms of {}",
        quiet[quiet.len() / 2],
        quiet.len()
    );
    println!(
        "Cost Explorer requests per day with hourly runs: at most {} (figures kept {} h; a failed read is asked again next run)",
        24 / 6,
        6
    );
    assert_eq!(world.copies().await, "1");
}
