//! What an administrator asks of the binary besides a check: the objects that run it in the
//! cluster (`purser-guard manifests --app … --namespace … --image …`, a JSON `List` that
//! `kubectl apply -f` and GitOps tools take as is) and the IAM policy its AWS role needs
//! (`purser-guard iam-policy`). A handful of flags, parsed by hand rather than with a parser
//! crate the job would otherwise not need.

use purser_core::guard::install::{guard_objects, iam_policy, InstallSpec, DEFAULT_SCHEDULE};
use serde_json::json;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CliError {
    #[error("unknown command {0:?}; commands: manifests, iam-policy (none: run one check)")]
    UnknownCommand(String),
    #[error("unknown flag {0:?}")]
    UnknownFlag(String),
    #[error("{0} needs a value")]
    NoValue(String),
    #[error("{0} is required")]
    Missing(&'static str),
    #[error("say whether an autoscaler manages the app: --autoscaler NAME or --no-autoscaler (the guard's Role may not list them, so it cannot look for one)")]
    AutoscalerUnsaid,
    #[error(transparent)]
    Input(#[from] purser_core::guard::install::InstallInputError),
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// One check (no arguments: what the CronJob runs).
    Check,
    /// Print this text and stop.
    Print(String),
}

fn spec(flags: &[String]) -> Result<InstallSpec, CliError> {
    let (mut app, mut namespace, mut image) = (None, None, None);
    let mut autoscaler_said = false;
    let mut spec = InstallSpec {
        app: String::new(),
        namespace: String::new(),
        image: String::new(),
        schedule: DEFAULT_SCHEDULE.into(),
        autoscaler: None,
        aws_role_arn: None,
    };
    let mut flags = flags.iter();
    while let Some(flag) = flags.next() {
        if flag == "--no-autoscaler" {
            autoscaler_said = true;
            continue;
        }
        let given = flags
            .next()
            .cloned()
            .ok_or_else(|| CliError::NoValue(flag.clone()))?;
        match flag.as_str() {
            "--app" => app = Some(given),
            "--namespace" => namespace = Some(given),
            "--image" => image = Some(given),
            "--schedule" => spec.schedule = given,
            "--autoscaler" => {
                autoscaler_said = true;
                spec.autoscaler = Some(given);
            }
            "--aws-role-arn" => spec.aws_role_arn = Some(given),
            other => return Err(CliError::UnknownFlag(other.into())),
        }
    }
    spec.app = app.ok_or(CliError::Missing("--app"))?;
    spec.namespace = namespace.ok_or(CliError::Missing("--namespace"))?;
    spec.image = image.ok_or(CliError::Missing("--image"))?;
    if !autoscaler_said {
        return Err(CliError::AutoscalerUnsaid);
    }
    Ok(spec)
}

/// The command `args` (without the program's name) ask for.
pub fn parse(args: &[String]) -> Result<Command, CliError> {
    let Some((command, flags)) = args.split_first() else {
        return Ok(Command::Check);
    };
    match command.as_str() {
        "manifests" => {
            let objects = guard_objects(&spec(flags)?)?;
            let list = json!({"apiVersion": "v1", "kind": "List", "items": objects});
            Ok(Command::Print(
                serde_json::to_string_pretty(&list).unwrap_or_default(),
            ))
        }
        "iam-policy" if flags.is_empty() => Ok(Command::Print(
            serde_json::to_string_pretty(&iam_policy()).unwrap_or_default(),
        )),
        "iam-policy" => Err(CliError::UnknownFlag(flags[0].clone())),
        other => Err(CliError::UnknownCommand(other.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn no_arguments_is_one_check() {
        assert_eq!(parse(&[]), Ok(Command::Check));
    }

    #[test]
    fn manifests_need_app_namespace_and_image() {
        assert_eq!(
            parse(&args(
                "manifests --app assistant --namespace shop --image r/g:1"
            )),
            Err(CliError::AutoscalerUnsaid)
        );
        let printed = parse(&args(
            "manifests --app assistant --namespace shop --image r/g:1 --no-autoscaler",
        ));
        let Ok(Command::Print(text)) = printed else {
            panic!("{printed:?}");
        };
        let list: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(list["items"].as_array().unwrap().len(), 4);
        assert_eq!(list["items"][3]["spec"]["schedule"], DEFAULT_SCHEDULE);
        assert_eq!(
            parse(&args("manifests --app assistant --image r/g:1")),
            Err(CliError::Missing("--namespace"))
        );
        assert_eq!(
            parse(&args("manifests --app")),
            Err(CliError::NoValue("--app".into()))
        );
        assert_eq!(
            parse(&args("manifests --colour red")),
            Err(CliError::UnknownFlag("--colour".into()))
        );
        assert!(matches!(
            parse(&args(
                "manifests --app a --namespace b --image r/g:1 --no-autoscaler --schedule hourly"
            )),
            Err(CliError::Input(e)) if e.field == "schedule"
        ));
    }

    #[test]
    fn the_iam_policy_reads_cost_only() {
        let Ok(Command::Print(text)) = parse(&args("iam-policy")) else {
            panic!("no policy");
        };
        assert!(text.contains("ce:GetCostAndUsage") && text.contains("ce:GetCostForecast"));
        assert!(!text.contains("ce:*"));
        assert_eq!(
            parse(&args("uninstall")),
            Err(CliError::UnknownCommand("uninstall".into()))
        );
    }
}
