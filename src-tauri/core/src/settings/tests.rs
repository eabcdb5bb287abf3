use super::patch::apply_patch as apply;
use super::*;
use serde_json::json;

use crate::amount::NumberStyle;

const EN: NumberStyle = NumberStyle::ENGLISH;

/// Applies a patch the way the window's changes are applied.
fn apply_patch(
    current: &Settings,
    value: &serde_json::Value,
    style: NumberStyle,
) -> Result<Settings, SettingsError> {
    SettingsPatch::from_json(value).and_then(|patch| apply(current, &patch, style))
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[test]
fn missing_file_gives_defaults_without_notice() {
    let dir = temp_dir();
    let loaded = load(dir.path());
    assert_eq!(loaded.settings, Settings::default());
    assert_eq!(loaded.notice, None);
}

#[test]
fn save_then_load_round_trips() {
    let dir = temp_dir();
    let settings = Settings {
        language: LanguagePreference::Es,
        theme: ThemePreference::Dark,
        ..Settings::default()
    };
    save(dir.path(), &settings).expect("save");
    let loaded = load(dir.path());
    assert_eq!(loaded.settings, settings);
    assert_eq!(loaded.notice, None);
    // Only the settings file is left: the temp file was renamed over it.
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from(SETTINGS_FILE)]);
}

#[test]
fn corrupt_file_is_set_aside_and_reported() {
    let dir = temp_dir();
    let path = dir.path().join(SETTINGS_FILE);
    fs::write(&path, b"{ this is not json").unwrap();
    let loaded = load(dir.path());
    assert_eq!(loaded.settings, Settings::default());
    let Some(LoadNotice::CorruptSetAside { backup, reason }) = loaded.notice else {
        panic!("expected a corrupt-file notice, got {:?}", loaded.notice);
    };
    assert!(
        !path.exists(),
        "the corrupt file must be moved, not left in place"
    );
    assert_eq!(fs::read(&backup).unwrap(), b"{ this is not json");
    assert!(backup.to_string_lossy().ends_with(".bak"));
    assert!(!reason.is_empty());
}

#[test]
fn a_second_corrupt_file_does_not_overwrite_the_first_backup() {
    let dir = temp_dir();
    let path = dir.path().join(SETTINGS_FILE);
    fs::write(&path, b"first").unwrap();
    let first = load(dir.path());
    fs::write(&path, b"second").unwrap();
    let second = load(dir.path());
    let backup_of = |loaded: Loaded| match loaded.notice {
        Some(LoadNotice::CorruptSetAside { backup, .. }) => backup,
        other => panic!("unexpected notice {other:?}"),
    };
    let (a, b) = (backup_of(first), backup_of(second));
    assert_ne!(a, b);
    assert_eq!(fs::read(a).unwrap(), b"first");
    assert_eq!(fs::read(b).unwrap(), b"second");
}

#[test]
fn non_object_json_is_corrupt() {
    let dir = temp_dir();
    fs::write(dir.path().join(SETTINGS_FILE), b"[1, 2]").unwrap();
    assert!(matches!(
        load(dir.path()).notice,
        Some(LoadNotice::CorruptSetAside { .. })
    ));
}

#[test]
fn unknown_fields_and_values_are_tolerated_and_kept() {
    let dir = temp_dir();
    let newer = json!({
        "version": 7,
        "language": "fr",
        "theme": "dark",
        "budget": {"amount": 100}
    });
    fs::write(dir.path().join(SETTINGS_FILE), newer.to_string()).unwrap();
    let loaded = load(dir.path());
    assert_eq!(loaded.notice, None);
    assert_eq!(loaded.settings.language, LanguagePreference::System);
    assert_eq!(loaded.settings.theme, ThemePreference::Dark);
    save(dir.path(), &loaded.settings).unwrap();
    let written: Value =
        serde_json::from_slice(&fs::read(dir.path().join(SETTINGS_FILE)).unwrap()).unwrap();
    assert_eq!(written["budget"], json!({"amount": 100}));
    assert_eq!(written["version"], json!(7));
}

#[test]
fn an_older_file_is_upgraded_on_save() {
    let dir = temp_dir();
    fs::write(dir.path().join(SETTINGS_FILE), br#"{"language":"es"}"#).unwrap();
    let loaded = load(dir.path());
    assert_eq!(loaded.settings.language, LanguagePreference::Es);
    save(dir.path(), &loaded.settings).unwrap();
    let written: Value =
        serde_json::from_slice(&fs::read(dir.path().join(SETTINGS_FILE)).unwrap()).unwrap();
    assert_eq!(written["version"], json!(SETTINGS_VERSION));
}

#[test]
fn save_creates_the_folder() {
    let dir = temp_dir();
    let nested = dir.path().join("a/b");
    save(&nested, &Settings::default()).unwrap();
    assert!(nested.join(SETTINGS_FILE).exists());
}

#[test]
fn patch_changes_only_named_fields() {
    let next = apply_patch(&Settings::default(), &json!({"language": "es"}), EN).unwrap();
    assert_eq!(next.language, LanguagePreference::Es);
    assert_eq!(next.theme, ThemePreference::System);
}

#[test]
fn bad_patches_are_refused_naming_the_problem() {
    let current = Settings::default();
    let cases = [
        (json!({"language": "fr"}), "language"),
        (json!({"language": 3}), "language"),
        (json!({"theme": null}), "theme"),
        (json!({"theme": "x".repeat(10_000)}), "theme"),
        (json!({"colour": "red"}), "colour"),
        (json!("es"), "name/value"),
        (json!({"language": "es", "theme": "neon"}), "theme"),
        (json!({"openaiBaseUrl": "api.openai.com"}), "openaiBaseUrl"),
        (json!({"openaiBaseUrl": 42}), "openaiBaseUrl"),
        (
            json!({"openaiBaseUrl": "http://gateway.example.com/v1"}),
            "openaiBaseUrl",
        ),
        (json!({"awsSource": "env"}), "awsSource"),
        (json!({"awsProfile": "my profile"}), "awsProfile"),
        (json!({"awsRegion": "Mars-1"}), "awsRegion"),
        (json!({"awsRegion": "us-east"}), "awsRegion"),
        (json!({"budgetAmount": "-100"}), "more than zero"),
        (json!({"budgetAmount": 0}), "more than zero"),
        (json!({"budgetAmount": "NaN"}), "can read"),
        (json!({"budgetAmount": "lots"}), "can read"),
        (json!({"budgetAmount": "0.004"}), "two decimals"),
        (json!({"budgetAmount": "9999999999"}), "larger than"),
        (json!({"budgetAmount": "1e12"}), "can read"),
        (json!({"budgetAmount": true}), "budgetAmount"),
        (json!({"budgetThresholds": "80, 250"}), "1–200"),
        (json!({"budgetThresholds": [80, "x"]}), "whole percentages"),
        (json!({"costMonths": 14}), "costMonths"),
        (json!({"costMonths": 0}), "costMonths"),
        (json!({"costTag": "no-equals-sign"}), "costTag"),
        (json!({"costLinkedAccount": "12345"}), "costLinkedAccount"),
        (json!({"openaiProject": "my project"}), "openaiProject"),
        (json!({"costMetric": "BlendedCostX"}), "costMetric"),
    ];
    for (patch, named) in cases {
        let error = apply_patch(&current, &patch, EN).expect_err("must be refused");
        let message = error.to_string();
        assert!(message.contains(named), "{message:?} should name {named:?}");
        assert!(message.chars().count() < 200, "message too long: {message}");
    }
}

#[test]
fn a_key_pasted_into_the_wrong_box_is_not_echoed() {
    let canary = "canary key pasted in the wrong box";
    for field in [
        "openaiBaseUrl",
        "awsProfile",
        "awsRegion",
        "costLinkedAccount",
        "budgetAmount",
        "budgetThresholds",
        "theme",
    ] {
        let error = apply_patch(&Settings::default(), &json!({ field: canary }), EN).unwrap_err();
        assert!(!error.to_string().contains("canary"), "{field}: {error}");
    }
}

#[test]
fn aws_and_openai_fields_are_validated_and_normalised() {
    let next = apply_patch(
        &Settings::default(),
        &json!({
            "openaiBaseUrl": "http://127.0.0.1:9/v1/",
            "awsSource": "profile",
            "awsProfile": " work-sso ",
            "awsRegion": "eu-west-2"
        }),
        EN,
    )
    .unwrap();
    assert_eq!(next.openai_base_url.0, "http://127.0.0.1:9/v1");
    assert_eq!(next.aws_source, AwsSource::Profile);
    assert_eq!(next.aws_profile.as_deref(), Some("work-sso"));
    assert_eq!(next.aws_region.as_deref(), Some("eu-west-2"));
    let cleared = apply_patch(&next, &json!({"awsRegion": "", "awsProfile": null}), EN).unwrap();
    assert_eq!(cleared.aws_region, None);
    assert_eq!(cleared.aws_profile, None);
    assert!(super::patch::is_region("us-gov-west-1"));
}

#[test]
fn values_read_from_disk_are_held_to_the_rules_of_the_window() {
    let dir = temp_dir();
    let stored = json!({
        "version": 1, "language": "es", "theme": "dark",
        "costMonths": 255, "budgetAmount": 0, "budgetThresholds": [80, 900],
        "awsRegion": "Mars", "kubeNamespace": "Not A Namespace", "costTag": "app=chat"
    });
    fs::write(dir.path().join(SETTINGS_FILE), stored.to_string()).unwrap();
    let loaded = load(dir.path());
    assert_eq!(loaded.notice, None);
    let s = loaded.settings;
    assert_eq!(
        (s.language, s.theme),
        (LanguagePreference::Es, ThemePreference::Dark)
    );
    assert_eq!(s.cost_months, CostMonths::default());
    assert_eq!(
        s.budget_amount, None,
        "a zero budget would make NaN percentages"
    );
    assert_eq!(s.budget_thresholds, Thresholds::default());
    assert_eq!((s.aws_region, s.kube_namespace), (None, None));
    assert_eq!(s.cost_tag.as_deref(), Some("app=chat"));
    for months in [0, 14] {
        fs::write(
            dir.path().join(SETTINGS_FILE),
            json!({ "costMonths": months }).to_string(),
        )
        .unwrap();
        assert_eq!(load(dir.path()).settings.cost_months, CostMonths(12));
    }
}

#[test]
fn a_spanish_budget_is_read_the_spanish_way() {
    let es = NumberStyle::SPANISH;
    for (typed, amount) in [("1.500,50", 1500.5), ("1500,50", 1500.5)] {
        let next =
            apply_patch(&Settings::default(), &json!({ "budgetAmount": typed }), es).unwrap();
        assert_eq!(next.budget_amount, Some(amount), "{typed}");
    }
    let english = apply_patch(
        &Settings::default(),
        &json!({"budgetAmount": "1.500,50"}),
        EN,
    );
    assert!(english.is_err(), "1.500,50 is not an English amount");
}

#[test]
fn looking_for_updates_is_on_until_turned_off_and_takes_only_yes_or_no() {
    assert!(Settings::default().check_updates);
    let off = apply_patch(&Settings::default(), &json!({"checkUpdates": false}), EN).unwrap();
    assert!(!off.check_updates);
    let on = apply_patch(&off, &json!({"checkUpdates": "true"}), EN).unwrap();
    assert!(on.check_updates);
    let refused = apply_patch(&off, &json!({"checkUpdates": "maybe"}), EN);
    assert!(refused.is_err(), "not a yes or no");
    let dir = temp_dir();
    save(dir.path(), &off).unwrap();
    assert!(
        !load(dir.path()).settings.check_updates,
        "kept across a restart"
    );
}
