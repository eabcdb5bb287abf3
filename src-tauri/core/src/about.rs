//! What the About box shows: Purser's version and licence, and every crate built into the
//! executable on this OS with its licence. The list is `licences.json`, written from Cargo.lock
//! by `scripts/licences.py` (the test script fails when it is out of date).

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

const LIST: &str = include_str!("../licences.json");

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct About {
    pub version: &'static str,
    pub licence: &'static str,
    pub components: Vec<Component>,
}

/// One crate Purser is built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    pub name: String,
    pub version: String,
    pub licence: String,
}

/// The list's key for the OS this build is for.
fn this_os() -> &'static str {
    if cfg!(target_os = "macos") {
        "macos"
    } else if cfg!(target_os = "windows") {
        "windows"
    } else {
        "linux"
    }
}

fn components(list: &str, os: &str) -> Result<Vec<Component>, serde_json::Error> {
    let mut by_os: HashMap<String, Vec<(String, String, String)>> = serde_json::from_str(list)?;
    Ok(by_os
        .remove(os)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, version, licence)| Component {
            name,
            version,
            licence,
        })
        .collect())
}

pub fn about() -> About {
    let components = components(LIST, this_os()).unwrap_or_else(|error| {
        // Only a hand-edited list can fail here; the unit test below reads the committed one.
        tracing::warn!(%error, "the list of bundled crates could not be read");
        Vec::new()
    });
    About {
        version: env!("CARGO_PKG_VERSION"),
        licence: env!("CARGO_PKG_LICENSE"),
        components,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_desktop_os_has_its_list_with_the_crates_purser_ships() {
        for os in ["linux", "macos", "windows"] {
            let list = components(LIST, os).expect("the committed list parses");
            let names: Vec<&str> = list.iter().map(|c| c.name.as_str()).collect();
            for shipped in [
                "tauri",
                "kube",
                "aws-sdk-costexplorer",
                "keyring",
                "plotters",
            ] {
                assert!(names.contains(&shipped), "{os} lacks {shipped}");
            }
            assert!(
                !names.contains(&"fantoccini"),
                "{os}: test-only crates are not shipped"
            );
            assert!(list.iter().all(|c| !c.licence.is_empty()));
        }
        assert_eq!(about().licence, "MIT OR Apache-2.0");
    }
}
