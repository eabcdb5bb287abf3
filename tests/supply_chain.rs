//! The release workflow's supply chain: every action pinned by a commit (a moved tag cannot
//! change what builds and signs the installers), the Tauri CLI by an exact version, and the
//! Apple signing secrets given to the one step that signs.

fn workflow() -> String {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/release.yml");
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn every_action_is_pinned_by_commit_and_the_cli_by_version() {
    let text = workflow();
    let uses: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().trim_start_matches("- ").strip_prefix("uses:"))
        .map(str::trim)
        .collect();
    assert!(uses.len() >= 6, "{uses:?}");
    for action in uses {
        let reference = action.split_whitespace().next().unwrap_or_default();
        let (_, sha) = reference.split_once('@').expect("action@ref");
        assert!(
            sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
            "not pinned by commit: {action}"
        );
    }
    for line in text.lines().filter(|l| l.contains("@tauri-apps/cli@")) {
        let version = line.split("@tauri-apps/cli@").nth(1).unwrap_or_default();
        let version = version.split_whitespace().next().unwrap_or_default();
        assert_eq!(
            version.split('.').count(),
            3,
            "an exact CLI version: {line}"
        );
    }
}

#[test]
fn the_apple_secrets_reach_only_the_step_that_signs() {
    let text = workflow();
    for step in text.split("\n      - ").skip(1) {
        let name = step.lines().next().unwrap_or_default();
        let secrets: Vec<&str> = step
            .match_indices("secrets.APPLE_")
            .map(|(at, _)| step[at..].split_whitespace().next().unwrap_or_default())
            .collect();
        let signs = step.contains("tauri-apps/tauri-action@");
        // The check step sees the certificate only to say whether there is one.
        let only_asks = secrets.iter().all(|s| *s == "secrets.APPLE_CERTIFICATE")
            && step.contains("GITHUB_OUTPUT");
        assert!(
            secrets.is_empty() || signs || only_asks,
            "Apple secrets outside the signing step: {name} {secrets:?}"
        );
    }
    assert!(
        !text.contains("<<EOF"),
        "no secret is written into the job's environment ($GITHUB_ENV)"
    );
}
