//! What each cluster change writes to the audit log: one constructor per action, so its name,
//! the values the window words (`activityDetail.<action>`) and the English line for the file
//! are made in one place, and [`examples`] lets a test hold the window's words to them.

use crate::audit::Subject;

/// "1 copy", "3 copies".
fn copies(n: i64) -> String {
    if n == 1 {
        "1 copy".into()
    } else {
        format!("{n} copies")
    }
}

pub fn deploy(app: &str, image: &str, replicas: impl Into<i64>, took_over: bool) -> Subject {
    let replicas = replicas.into();
    let took = if took_over { " · took over" } else { "" };
    Subject::new(
        "deploy",
        app,
        format!("{app} · {image} · {}{took}", copies(replicas)),
    )
    .with("image", image)
    .with("replicas", replicas)
    .with("tookOver", took_over)
}

pub fn scale(app: &str, replicas: i64) -> Subject {
    Subject::new("scale", app, format!("{app} → {}", copies(replicas))).with("replicas", replicas)
}

pub fn autoscaler(app: &str, min: i64, max: i64) -> Subject {
    Subject::new("autoscaler", app, format!("{app} → {min}–{max} copies"))
        .with("min", min)
        .with("max", max)
}

pub fn restart(app: &str) -> Subject {
    Subject::new("restart", app, app)
}

/// A rollback to `(revision, image)`, or (without values: the window names just the app) one
/// refused before the previous revision was known.
pub fn rollback(app: &str, to: Option<(i64, &str)>) -> Subject {
    match to {
        Some((revision, image)) => Subject::new(
            "rollback",
            app,
            format!("{app} → revision {revision} ({image})"),
        )
        .with("revision", revision)
        .with("image", image),
        None => Subject::new("rollback", app, app),
    }
}

pub fn uninstall(app: &str, with_adopted: bool) -> Subject {
    let text = if with_adopted {
        format!("{app} · with what Purser took over")
    } else {
        app.to_string()
    };
    Subject::new("uninstall", app, text).with("withAdopted", with_adopted)
}

/// One of each that has values (the window words those; one without values is its app's
/// name alone), with example values.
pub fn examples() -> Vec<Subject> {
    let image = "ghcr.io/acme/assistant:1.4.2";
    vec![
        deploy("assistant", image, 2, true),
        scale("assistant", 5),
        autoscaler("assistant", 2, 8),
        rollback("assistant", Some((3, image))),
        uninstall("assistant", true),
    ]
}
