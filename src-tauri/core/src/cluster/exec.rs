//! Exec-auth plugins (`aws eks get-token`, `aws-iam-authenticator`, `gke-gcloud-auth-plugin`).
//! An app started from a desktop launcher does not get the user's shell `PATH`, so the plugin
//! is looked up with the login shell's `PATH` as well, and run with it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kube::config::Kubeconfig;

use super::error::{ClusterError, Install, SignIn};

/// The `PATH` a login shell of the user's sets up (e.g. Homebrew's or the AWS CLI's folders),
/// or `None` if there is no such shell or it did not answer within 3 seconds.
pub async fn login_shell_path() -> Option<String> {
    if cfg!(windows) {
        // Windows apps inherit the user's PATH from the registry; nothing to add.
        return None;
    }
    let shell = std::env::var("SHELL").ok().filter(|s| !s.is_empty())?;
    let run = tokio::process::Command::new(shell)
        .args(["-l", "-c", "printf '__PURSER_PATH__%s__END__' \"$PATH\""])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(3), run)
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let start = text.find("__PURSER_PATH__")? + "__PURSER_PATH__".len();
    let end = text[start..].find("__END__")? + start;
    Some(text[start..end].to_string()).filter(|p| !p.is_empty())
}

/// The directories of `PATH` and then of `extra` (the login shell's), without repeats.
pub fn search_path(current: Option<&str>, extra: Option<&str>) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    for list in [current, extra].into_iter().flatten() {
        for dir in std::env::split_paths(list) {
            if !dir.as_os_str().is_empty() && !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
    }
    dirs
}

fn find_in(dirs: &[PathBuf], command: &str) -> Option<PathBuf> {
    let names: Vec<String> = if cfg!(windows) {
        vec![
            command.to_string(),
            format!("{command}.exe"),
            format!("{command}.cmd"),
        ]
    } else {
        vec![command.to_string()]
    };
    dirs.iter()
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// How to install a missing plugin, by its name.
fn install_hint(command: &str, from_kubeconfig: Option<&str>) -> Install {
    let name = file_name(command);
    match name {
        "aws" => Install::AwsCli,
        "aws-iam-authenticator" => Install::AwsIamAuthenticator,
        "gke-gcloud-auth-plugin" => Install::GkeAuthPlugin,
        "kubelogin" => Install::Kubelogin,
        _ => match from_kubeconfig.map(str::trim).filter(|h| !h.is_empty()) {
            Some(hint) => Install::Kubeconfig(hint.chars().take(500).collect()),
            None => Install::Tool(name.to_string()),
        },
    }
}

/// What re-signing-in looks like for a plugin, from its command and arguments.
fn session_fix(command: &str, args: &[String], env_profile: Option<&str>) -> SignIn {
    let profile = args
        .iter()
        .position(|a| a == "--profile")
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
        .or(env_profile);
    match file_name(command) {
        "aws" | "aws-iam-authenticator" => SignIn::Aws {
            profile: profile.map(str::to_string),
        },
        "gke-gcloud-auth-plugin" | "gcloud" => SignIn::Gcloud,
        name => SignIn::Tool(name.to_string()),
    }
}

fn file_name(command: &str) -> &str {
    Path::new(command)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(command)
}

/// The exec command of a context's user, if it signs in with one.
fn exec_command(kubeconfig: &Kubeconfig, context: &str) -> Option<String> {
    let user = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context)?
        .context
        .as_ref()?
        .user
        .clone()?;
    kubeconfig
        .auth_infos
        .iter()
        .find(|a| a.name == user)?
        .auth_info
        .as_ref()?
        .exec
        .as_ref()?
        .command
        .clone()
}

/// True when the context runs an exec plugin given by name only (found through `PATH`).
pub fn needs_lookup(kubeconfig: &Kubeconfig, context: &str) -> bool {
    exec_command(kubeconfig, context).is_some_and(|c| !c.contains('/') && !c.contains('\\'))
}

/// A context's exec plugin: its name and how to sign in again when its session expires.
#[derive(Debug, Clone)]
pub struct ExecPlugin {
    pub name: String,
    pub fix: SignIn,
}

/// Points a context's exec plugin at an absolute path found with both `PATH`s, and gives the
/// plugin the combined `PATH`.
pub fn resolve(
    kubeconfig: &mut Kubeconfig,
    context: &str,
    shell_path: Option<&str>,
) -> Result<Option<ExecPlugin>, ClusterError> {
    let user = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.as_ref())
        .and_then(|c| c.user.clone());
    let Some(user) = user else { return Ok(None) };
    let Some(auth) = kubeconfig
        .auth_infos
        .iter_mut()
        .find(|a| a.name == user)
        .and_then(|a| a.auth_info.as_mut())
    else {
        return Ok(None);
    };
    let Some(exec) = auth.exec.as_mut() else {
        return Ok(None);
    };
    let Some(command) = exec.command.clone() else {
        return Ok(None);
    };
    let current = std::env::var("PATH").ok();
    let dirs = search_path(current.as_deref(), shell_path);
    let env_profile = exec
        .env
        .iter()
        .flatten()
        .find(|e| e.get("name").map(String::as_str) == Some("AWS_PROFILE"))
        .and_then(|e| e.get("value").cloned());
    let fix = session_fix(
        &command,
        exec.args.as_deref().unwrap_or_default(),
        env_profile.as_deref(),
    );
    let is_path = command.contains('/') || command.contains('\\');
    let found = if is_path {
        Some(PathBuf::from(&command)).filter(|p| is_executable(p))
    } else {
        find_in(&dirs, &command)
    };
    let Some(found) = found else {
        return Err(ClusterError::ExecPluginMissing {
            command: command.clone(),
            install: install_hint(&command, exec.install_hint.as_deref()),
        });
    };
    exec.command = Some(found.to_string_lossy().into_owned());
    if let Ok(joined) = std::env::join_paths(&dirs) {
        let mut env = exec.env.take().unwrap_or_default();
        env.retain(|e| e.get("name").map(String::as_str) != Some("PATH"));
        env.push(std::collections::HashMap::from([
            ("name".to_string(), "PATH".to_string()),
            ("value".to_string(), joined.to_string_lossy().into_owned()),
        ]));
        exec.env = Some(env);
    }
    let name = Path::new(&command)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(&command)
        .to_string();
    Ok(Some(ExecPlugin { name, fix }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_fix_names_the_profile() {
        let args = vec![
            "eks".into(),
            "get-token".into(),
            "--cluster-name".into(),
            "prod".into(),
            "--profile".into(),
            "team".into(),
        ];
        assert_eq!(
            session_fix("aws", &args, None),
            SignIn::Aws {
                profile: Some("team".into())
            }
        );
        assert_eq!(
            session_fix("/usr/local/bin/aws", &[], Some("ops")),
            SignIn::Aws {
                profile: Some("ops".into())
            }
        );
        assert_eq!(
            session_fix("gke-gcloud-auth-plugin", &[], None),
            SignIn::Gcloud
        );
        assert_eq!(install_hint("/opt/aws", None), Install::AwsCli);
        assert_eq!(
            install_hint("my-plugin", Some("  Get it from the wiki  ")),
            Install::Kubeconfig("Get it from the wiki".into())
        );
    }

    #[test]
    fn search_path_keeps_order_and_drops_repeats() {
        let dirs = search_path(Some("/usr/bin:/bin"), Some("/opt/homebrew/bin:/usr/bin"));
        assert_eq!(
            dirs,
            vec![
                PathBuf::from("/usr/bin"),
                PathBuf::from("/bin"),
                PathBuf::from("/opt/homebrew/bin")
            ]
        );
    }
}
