//! The app form (no YAML needed) and its validation, following the rules Kubernetes and the
//! OCI distribution spec apply, with one message per field that names the field.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use purser_kubesim::quantity;

use super::copies::CopyCount;
pub use crate::error::FieldProblem;

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

/// A spec that passed validation (trimmed), ready to become manifests.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidSpec {
    pub name: String,
    pub image: String,
    pub replicas: CopyCount,
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

/// Checks an image reference against the OCI distribution grammar; `None` when valid, else
/// what is wrong as a problem of the `image` field.
pub fn image_problem(image: &str) -> Option<FieldProblem> {
    let problem = |code: &str| FieldProblem::new("image", code);
    if image.is_empty() {
        return Some(problem("image_empty"));
    }
    if image.chars().any(char::is_whitespace) {
        return Some(problem("image_spaces"));
    }
    let (rest, digest) = match image.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (image, None),
    };
    if let Some(digest) = digest {
        if !DIGEST.is_match(digest) {
            return Some(problem("image_digest").with("digest", shorten(digest)));
        }
    }
    // A tag follows the last ':' only if no '/' comes after it (else it is a registry port).
    let (name, tag) = match rest.rfind(':') {
        Some(i) if !rest[i..].contains('/') => (&rest[..i], Some(&rest[i + 1..])),
        _ => (rest, None),
    };
    if let Some(tag) = tag {
        if !TAG.is_match(tag) {
            return Some(problem("image_tag").with("tag", shorten(tag)));
        }
    }
    if name.len() > 255 {
        return Some(problem("image_too_long"));
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
            return Some(problem("image_registry").with("registry", shorten(first)));
        }
        parts.remove(0);
    }
    if parts.is_empty() {
        return Some(problem("image_no_repository"));
    }
    for part in parts {
        if !PATH_COMPONENT.is_match(part) {
            let code = if part.chars().any(|c| c.is_ascii_uppercase()) {
                "image_uppercase"
            } else {
                "image_component"
            };
            return Some(problem(code).with("part", shorten(part)));
        }
    }
    None
}

/// A piece of what the user typed, short enough to quote in a message.
fn shorten(text: &str) -> String {
    text.chars().take(60).collect()
}

fn quantity_problem(field: &str, text: &str, memory: bool) -> Option<FieldProblem> {
    match quantity::parse(text) {
        None => Some(
            FieldProblem::new(
                field,
                if memory {
                    "quantity_memory"
                } else {
                    "quantity_cpu"
                },
            )
            .with("text", shorten(text)),
        ),
        Some(v) if v <= 0.0 => Some(FieldProblem::new(field, "quantity_not_positive")),
        Some(_) => None,
    }
}

impl AppSpec {
    /// Every problem with the form; a spec with none becomes a [`ValidSpec`].
    pub fn validate(&self) -> Result<ValidSpec, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let name = self.name.trim();
        problems.extend(name_problem(name));
        let image = self.image.trim();
        problems.extend(image_problem(image));
        let replicas = match CopyCount::parse("replicas", self.replicas.unwrap_or(-1)) {
            Ok(replicas) => replicas,
            Err(problem) => {
                problems.push(problem);
                CopyCount::ZERO
            }
        };
        let port = match self.port {
            Some(p) if (1..=65535).contains(&p) => p as i32,
            _ => {
                problems.push(FieldProblem::new("port", "port_range"));
                0
            }
        };
        let optional = |text: &str| Some(text.trim().to_string()).filter(|t| !t.is_empty());
        let cpu_request = optional(&self.cpu_request);
        let cpu_limit = optional(&self.cpu_limit);
        let memory_request = optional(&self.memory_request);
        let memory_limit = optional(&self.memory_limit);
        problems.extend(resource_problems(
            &cpu_request,
            &cpu_limit,
            &memory_request,
            &memory_limit,
        ));
        problems.extend(env_problems(&self.env));
        let readiness_path = optional(&self.readiness_path);
        if let Some(path) = &readiness_path {
            if !path.starts_with('/') || path.chars().any(char::is_whitespace) || path.len() > 1024
            {
                problems.push(FieldProblem::new("readinessPath", "readiness_path"));
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

/// A Kubernetes name (DNS-1035 label).
fn name_problem(name: &str) -> Option<FieldProblem> {
    if name.is_empty() {
        Some(FieldProblem::new("name", "name_empty"))
    } else if name.len() > 63 {
        Some(FieldProblem::new("name", "name_too_long").with("length", name.len()))
    } else if !DNS_1035.is_match(name) {
        Some(FieldProblem::new("name", "name_invalid"))
    } else {
        None
    }
}

/// Quantities that parse and are positive, and limits at least their requests.
fn resource_problems(
    cpu_request: &Option<String>,
    cpu_limit: &Option<String>,
    memory_request: &Option<String>,
    memory_limit: &Option<String>,
) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    for (field, value, memory) in [
        ("cpuRequest", cpu_request, false),
        ("cpuLimit", cpu_limit, false),
        ("memoryRequest", memory_request, true),
        ("memoryLimit", memory_limit, true),
    ] {
        problems.extend(
            value
                .as_deref()
                .and_then(|v| quantity_problem(field, v, memory)),
        );
    }
    for (field, request, limit) in [
        ("cpuLimit", cpu_request, cpu_limit),
        ("memoryLimit", memory_request, memory_limit),
    ] {
        if let (Some(r), Some(l)) = (
            request.as_deref().and_then(quantity::parse),
            limit.as_deref().and_then(quantity::parse),
        ) {
            if l < r {
                problems.push(FieldProblem::new(field, "limit_below_request"));
            }
        }
    }
    problems
}

/// Variable names that are valid, not repeated and not the key's; no key pasted as a value.
fn env_problems(env: &[EnvVar]) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    for (i, var) in env.iter().enumerate() {
        let field = format!("env[{i}].name");
        let var_name = var.name.trim();
        if var_name.is_empty() {
            problems.push(FieldProblem::new(&field, "env_name_empty"));
        } else if var_name == OPENAI_ENV {
            problems.push(FieldProblem::new(&field, "env_name_reserved").with("name", OPENAI_ENV));
        } else if !ENV_NAME.is_match(var_name) {
            problems.push(
                FieldProblem::new(&field, "env_name_invalid").with("name", shorten(var_name)),
            );
        } else if seen.contains(&var_name) {
            problems
                .push(FieldProblem::new(&field, "env_name_twice").with("name", shorten(var_name)));
        }
        seen.push(var_name);
        if var.value.trim_start().starts_with("sk-") {
            problems.push(FieldProblem::new(
                format!("env[{i}].value"),
                "env_value_key",
            ));
        }
    }
    problems
}

/// One of each problem, for the test that every code has words in both languages.
#[cfg(any(test, feature = "testing"))]
pub fn examples() -> Vec<FieldProblem> {
    use super::copies::MAX_COPIES;
    let mut out = Vec::new();
    for image in [
        "",
        "a b",
        "app@sha256:xyz",
        "nginx:-x",
        "ghcr.io/",
        "ghcr.io/Acme/app",
        "app//x",
        "bad_host.example.com:x/app",
    ] {
        out.extend(image_problem(image));
    }
    out.push(FieldProblem::new("image", "image_too_long"));
    out.extend(
        ["", &"a".repeat(64), "My App"]
            .iter()
            .filter_map(|n| name_problem(n)),
    );
    let some = |t: &str| Some(t.to_string());
    out.extend(resource_problems(
        &some("lots"),
        &some("0"),
        &some("1Gi"),
        &some("12MB"),
    ));
    out.extend(resource_problems(&some("2"), &some("1"), &None, &None));
    let var = |name: &str, value: &str| EnvVar {
        name: name.into(),
        value: value.into(),
    };
    out.extend(env_problems(&[
        var("", "x"),
        var(OPENAI_ENV, "x"),
        var("1BAD", "x"),
        var("A", "sk-pasted"),
        var("A", "x"),
    ]));
    out.push(FieldProblem::new("replicas", "replicas_range").with("max", MAX_COPIES));
    out.push(FieldProblem::new("port", "port_range"));
    out.push(FieldProblem::new("readinessPath", "readiness_path"));
    out.push(FieldProblem::new("autoscalerMin", "autoscaler_min").with("max", MAX_COPIES));
    out.push(FieldProblem::new("autoscalerMax", "autoscaler_max").with("max", MAX_COPIES));
    out
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
