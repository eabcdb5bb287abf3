//! The app form (no YAML needed) and its validation, following the rules Kubernetes and the
//! OCI distribution spec apply, with one message per field that names the field.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use purser_kubesim::quantity;

/// Extra environment variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvVar {
    pub name: String,
    pub value: String,
}

/// Service exposure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ServiceType {
    #[default]
    ClusterIP,
    LoadBalancer,
}

/// What the user fills in. Numbers are optional so an empty or non-numeric box is reported
/// against its field rather than failing to decode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppSpec {
    pub name: String,
    pub image: String,
    pub replicas: Option<i64>,
    pub port: Option<i64>,
    #[serde(default)]
    pub service_type: ServiceType,
    #[serde(default)]
    pub cpu_request: String,
    #[serde(default)]
    pub cpu_limit: String,
    #[serde(default)]
    pub memory_request: String,
    #[serde(default)]
    pub memory_limit: String,
    #[serde(default)]
    pub env: Vec<EnvVar>,
    /// HTTP path the cluster polls to know the app is ready; empty = no readiness probe.
    #[serde(default)]
    pub readiness_path: String,
}

/// One thing wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    /// The form field: `name`, `image`, `replicas`, `port`, `cpuRequest`, `env[2].name`, …
    pub field: String,
    pub problem: String,
}

/// A spec that passed validation (trimmed), ready to become manifests.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidSpec {
    pub name: String,
    pub image: String,
    pub replicas: i32,
    pub port: i32,
    pub service_type: ServiceType,
    pub cpu_request: Option<String>,
    pub cpu_limit: Option<String>,
    pub memory_request: Option<String>,
    pub memory_limit: Option<String>,
    pub env: Vec<EnvVar>,
    pub readiness_path: Option<String>,
}

/// The name of the environment variable that carries the OpenAI key (from a Secret).
pub const OPENAI_ENV: &str = "OPENAI_API_KEY";
pub const MAX_REPLICAS: i64 = 100;

static DNS_1035: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z]([-a-z0-9]*[a-z0-9])?$").expect("valid regex"));
static ENV_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$").expect("valid regex"));
static PATH_COMPONENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$").expect("valid regex"));
static DOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$")
        .expect("valid regex")
});
static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\w][\w.-]{0,127}$").expect("valid regex"));
static DIGEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$")
        .expect("valid regex")
});

/// Checks an image reference against the OCI distribution grammar; `None` when valid.
pub fn image_problem(image: &str) -> Option<String> {
    if image.is_empty() {
        return Some("enter the image to run, e.g. ghcr.io/acme/assistant:1.4.2".into());
    }
    if image.chars().any(char::is_whitespace) {
        return Some("an image reference cannot contain spaces".into());
    }
    let (rest, digest) = match image.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (image, None),
    };
    if let Some(digest) = digest {
        if !DIGEST.is_match(digest) {
            return Some(format!(
                "the digest \"{digest}\" is not valid (expected e.g. sha256: and 64 hex digits)"
            ));
        }
    }
    // A tag follows the last ':' only if no '/' comes after it (else it is a registry port).
    let (name, tag) = match rest.rfind(':') {
        Some(i) if !rest[i..].contains('/') => (&rest[..i], Some(&rest[i + 1..])),
        _ => (rest, None),
    };
    if let Some(tag) = tag {
        if !TAG.is_match(tag) {
            return Some(format!(
                "the tag \"{tag}\" is not valid (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')"
            ));
        }
    }
    if name.len() > 255 {
        return Some("the image name is longer than 255 characters".into());
    }
    let mut parts: Vec<&str> = name.split('/').collect();
    let first = parts[0];
    let has_domain = parts.len() > 1
        && (first.contains('.')
            || first.contains(':')
            || first == "localhost"
            || first.chars().any(|c| c.is_ascii_uppercase()));
    if has_domain {
        if !DOMAIN.is_match(first) {
            return Some(format!("the registry \"{first}\" is not a valid host name"));
        }
        parts.remove(0);
    }
    if parts.is_empty() {
        return Some("the image reference has a registry but no repository".into());
    }
    for part in parts {
        if !PATH_COMPONENT.is_match(part) {
            return Some(if part.chars().any(|c| c.is_ascii_uppercase()) {
                format!("\"{part}\": repository names must be lowercase")
            } else {
                format!("\"{part}\" is not a valid repository path component (lowercase letters, digits, and single '.', '_' or '-' between them)")
            });
        }
    }
    None
}

fn quantity_problem(text: &str, memory: bool) -> Option<String> {
    match quantity::parse(text) {
        None => Some(if memory {
            format!("\"{text}\" is not a quantity; use e.g. 256Mi or 1Gi")
        } else {
            format!("\"{text}\" is not a quantity; use e.g. 250m (a quarter of a CPU) or 1")
        }),
        Some(v) if v <= 0.0 => Some("must be more than zero".into()),
        Some(_) => None,
    }
}

impl AppSpec {
    /// Every problem with the form; a spec with none becomes a [`ValidSpec`].
    pub fn validate(&self) -> Result<ValidSpec, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let mut refuse = |field: &str, problem: String| {
            problems.push(FieldProblem {
                field: field.into(),
                problem,
            })
        };
        let name = self.name.trim();
        if name.is_empty() {
            refuse("name", "enter a name for the app, e.g. assistant".into());
        } else if name.len() > 63 {
            refuse(
                "name",
                format!("must be at most 63 characters (it has {})", name.len()),
            );
        } else if !DNS_1035.is_match(name) {
            refuse("name", "use lowercase letters, digits and '-', starting with a letter and ending with a letter or digit (Kubernetes names)".into());
        }
        let image = self.image.trim();
        if let Some(problem) = image_problem(image) {
            refuse("image", problem);
        }
        let replicas = match self.replicas {
            Some(r) if (0..=MAX_REPLICAS).contains(&r) => r as i32,
            _ => {
                refuse(
                    "replicas",
                    format!("enter a whole number from 0 to {MAX_REPLICAS}"),
                );
                0
            }
        };
        let port = match self.port {
            Some(p) if (1..=65535).contains(&p) => p as i32,
            _ => {
                refuse(
                    "port",
                    "enter the port the app listens on, from 1 to 65535".into(),
                );
                0
            }
        };
        let optional = |text: &str| Some(text.trim().to_string()).filter(|t| !t.is_empty());
        let cpu_request = optional(&self.cpu_request);
        let cpu_limit = optional(&self.cpu_limit);
        let memory_request = optional(&self.memory_request);
        let memory_limit = optional(&self.memory_limit);
        for (field, value, memory) in [
            ("cpuRequest", &cpu_request, false),
            ("cpuLimit", &cpu_limit, false),
            ("memoryRequest", &memory_request, true),
            ("memoryLimit", &memory_limit, true),
        ] {
            if let Some(problem) = value.as_deref().and_then(|v| quantity_problem(v, memory)) {
                refuse(field, problem);
            }
        }
        for (field, request, limit) in [
            ("cpuLimit", &cpu_request, &cpu_limit),
            ("memoryLimit", &memory_request, &memory_limit),
        ] {
            if let (Some(r), Some(l)) = (
                request.as_deref().and_then(quantity::parse),
                limit.as_deref().and_then(quantity::parse),
            ) {
                if l < r {
                    refuse(field, "the limit must be at least the request".into());
                }
            }
        }
        let mut seen = Vec::new();
        for (i, var) in self.env.iter().enumerate() {
            let field = format!("env[{i}].name");
            let var_name = var.name.trim();
            if var_name.is_empty() {
                refuse(
                    &field,
                    "enter a name for this variable, or remove the row".into(),
                );
            } else if var_name == OPENAI_ENV {
                refuse(
                    &field,
                    format!("{OPENAI_ENV} is set by Purser from the keychain; remove this row"),
                );
            } else if !ENV_NAME.is_match(var_name) {
                refuse(&field, format!("\"{var_name}\" is not a valid variable name (letters, digits, '_', '-', '.'; not starting with a digit)"));
            } else if seen.contains(&var_name) {
                refuse(&field, format!("\"{var_name}\" is set twice"));
            }
            seen.push(var_name);
            if var.value.trim_start().starts_with("sk-") {
                refuse(&format!("env[{i}].value"), "this looks like an OpenAI key; keys belong in the keychain (Credentials), not in plain variables".into());
            }
        }
        let readiness_path = optional(&self.readiness_path);
        if let Some(path) = &readiness_path {
            if !path.starts_with('/') || path.chars().any(char::is_whitespace) || path.len() > 1024
            {
                refuse("readinessPath", "enter a path starting with '/', without spaces, e.g. /healthz (or leave it empty)".into());
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(ValidSpec {
            name: name.to_string(),
            image: image.to_string(),
            replicas,
            port,
            service_type: self.service_type,
            cpu_request,
            cpu_limit,
            memory_request,
            memory_limit,
            env: self
                .env
                .iter()
                .map(|v| EnvVar {
                    name: v.name.trim().to_string(),
                    value: v.value.clone(),
                })
                .collect(),
            readiness_path,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_grammar() {
        for good in [
            "nginx",
            "nginx:1.27",
            "library/nginx:1.27-alpine",
            "ghcr.io/acme/assistant:1.4.2",
            "localhost:5000/app",
            "registry.example.com:443/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/assistant:v3",
        ] {
            assert_eq!(image_problem(good), None, "{good}");
        }
        for bad in [
            "",
            "Nginx",
            "nginx:",
            "nginx:-x",
            "ghcr.io/",
            "a b",
            "nginx@sha256:xyz",
            "app//x",
            "ghcr.io/Acme/app",
            "-app",
        ] {
            assert!(image_problem(bad).is_some(), "{bad}");
        }
    }
}
