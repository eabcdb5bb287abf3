//! Build script: generates Tauri's context from the top-level `tauri.conf.json` and declares
//! Purser's own commands, so the capability file can allow exactly these and nothing else.

/// Every `#[tauri::command]` Purser registers. A command missing here cannot be called.
const COMMANDS: &[&str] = &[
    "app_status",
    "update_settings",
    "dismiss_notice",
    "credentials_overview",
    "store_secret",
    "delete_secret",
    "check_openai",
    "check_openai_admin",
    "check_aws",
    "list_aws_profiles",
    "cost_view",
    "openai_projects",
    "export_cost",
    "kube_contexts",
    "kube_connect",
    "kube_disconnect",
    "kube_choose_namespace",
    "kube_permissions",
    "kube_apps",
    "deploy_preview",
    "deploy_app",
    "watch_rollout",
    "scale_app",
    "set_autoscaler",
    "restart_app",
    "rollback_app",
    "uninstall_app",
    "audit_entries",
    "guard_view",
    "set_guard_policy",
    "guard_approve",
    "guard_dismiss",
    "guard_revert",
    "guard_pause",
    "guard_check",
    "scale_cost",
    "form_cost",
    "tray_words",
    "menu_words",
    "about_purser",
    "set_guard_prices",
    "set_guard_cost_tag",
    "openai_limits",
    "set_openai_cap",
    "revert_openai_cap",
    "set_guard_openai_lever",
    "guard_approve_openai",
    "guard_dismiss_openai",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        // Build scripts report failure by panicking; print the cause first.
        eprintln!("tauri-build failed: {error:#}");
        std::process::exit(1);
    }
}
