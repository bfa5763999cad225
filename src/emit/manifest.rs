//! `<output>/.pave-manifest.json`: the files pave owns, their hashes and the pave version.
//!
//! Only files listed here are ever deleted, and a file whose hash on disk differs
//! from the one recorded here was edited by hand.
//!
//! On disk (format 2) the files are grouped by folder and scope, one line per file
//! (`"name": "sha256"`), so a large tree's manifest stays small and a change shows as
//! one changed line. The format before it (one object per path) is still read, so a
//! tree written by an earlier pave is checked and pruned as it was; the next `build`
//! rewrites its manifest in format 2.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::compare::Settled;
use crate::inventory::Inventory;
use crate::output::Scope;

pub(super) const FILE_NAME: &str = ".pave-manifest.json";

/// The on-disk format written; a manifest naming a later one is not read.
const FORMAT: u32 = 2;

/// What pave owns, in memory: one entry per path, whatever the format on disk.
/// Its serde form is the format before 2, kept for reading older trees.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub(super) struct Manifest {
    pub(crate) pave: String,
    pub(crate) files: BTreeMap<String, Entry>,
    /// What the files make per environment; absent in a manifest written before pave
    /// recorded it, which means "unknown", never an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) infrastructure: Option<Inventory>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(super) struct Entry {
    pub(crate) sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) env: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) service: Option<String>,
}

/// Format 2 as written: folders, each with its scope and its files' hashes.
#[derive(Debug, Serialize, Deserialize)]
struct OnDisk {
    pave: String,
    manifest: u32,
    folders: Vec<Folder>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    infrastructure: Option<Inventory>,
}

/// The files of one folder with one scope; a folder holding files of several
/// services (Helm values) appears once per service. `path` is empty for files at the
/// repository root.
#[derive(Debug, Serialize, Deserialize)]
struct Folder {
    path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    env: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    service: Option<String>,
    /// File name -> SHA-256 of its bytes.
    files: BTreeMap<String, String>,
}

impl Entry {
    pub(super) fn scope(&self) -> Scope {
        Scope {
            env: self.env.clone(),
            service: self.service.clone(),
        }
    }
}

impl Manifest {
    /// The manifest describing `tree`.
    /// The manifest of the files settled against the tree, with their hashes.
    pub(super) fn of(settled: &BTreeMap<String, Settled>, inventory: &Inventory) -> Manifest {
        let files = settled
            .iter()
            .map(|(path, s)| {
                let entry = Entry {
                    sha256: s.sha256.clone(),
                    env: s.scope.env.clone(),
                    service: s.scope.service.clone(),
                };
                (path.clone(), entry)
            })
            .collect();
        Manifest {
            pave: env!("CARGO_PKG_VERSION").to_string(),
            files,
            infrastructure: Some(inventory.clone()),
        }
    }

    /// Reads format 2, or the format before it; `None` for anything else.
    pub(super) fn parse(bytes: &[u8]) -> Option<Manifest> {
        match serde_json::from_slice::<OnDisk>(bytes) {
            Ok(disk) if disk.manifest == FORMAT => Some(disk.into_manifest()),
            // A later format: its meaning is unknown, so nothing in it is trusted.
            Ok(_) => None,
            Err(_) => serde_json::from_slice(bytes).ok(),
        }
    }

    /// Format 2 as indented JSON with a final newline; deterministic (sorted folders
    /// and names). A list item holding only plain values (an inventory entry) takes
    /// one line, as a file does. The folders, one line per file, are written
    /// directly (tens of thousands of lines: building a JSON value of them first cost
    /// more than hashing the tree); the inventory goes through [`write_json`].
    pub(super) fn to_bytes(&self) -> Vec<u8> {
        let disk = self.on_disk();
        let mut out = String::with_capacity(self.files.len() * 100);
        out.push_str("{\n  \"pave\": ");
        push_str(&mut out, &disk.pave);
        out.push_str(&format!(",\n  \"manifest\": {}", disk.manifest));
        out.push_str(",\n  \"folders\": [");
        for (i, folder) in disk.folders.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            write_folder(&mut out, folder);
        }
        out.push_str(if disk.folders.is_empty() {
            "]"
        } else {
            "\n  ]"
        });
        if let Some(inventory) = &disk.infrastructure {
            let value = serde_json::to_value(inventory).unwrap_or_default();
            out.push_str(",\n  \"infrastructure\": ");
            write_json(&mut out, &value, 1, false);
        }
        out.push_str("\n}\n");
        out.into_bytes()
    }

    fn on_disk(&self) -> OnDisk {
        type Key<'a> = (&'a str, &'a Option<String>, &'a Option<String>);
        let mut groups: BTreeMap<Key, BTreeMap<String, String>> = BTreeMap::new();
        for (path, entry) in &self.files {
            let (folder, name) = path.rsplit_once('/').unwrap_or(("", path));
            groups
                .entry((folder, &entry.env, &entry.service))
                .or_default()
                .insert(name.to_string(), entry.sha256.clone());
        }
        let folders = groups
            .into_iter()
            .map(|((path, env, service), files)| Folder {
                path: path.to_string(),
                env: env.clone(),
                service: service.clone(),
                files,
            })
            .collect();
        OnDisk {
            pave: self.pave.clone(),
            manifest: FORMAT,
            folders,
            infrastructure: self.infrastructure.clone(),
        }
    }
}

impl OnDisk {
    fn into_manifest(self) -> Manifest {
        let mut files = BTreeMap::new();
        for folder in self.folders {
            for (name, sha256) in folder.files {
                let path = match folder.path.is_empty() {
                    true => name,
                    false => format!("{}/{name}", folder.path),
                };
                let entry = Entry {
                    sha256,
                    env: folder.env.clone(),
                    service: folder.service.clone(),
                };
                files.insert(path, entry);
            }
        }
        Manifest {
            pave: self.pave,
            files,
            infrastructure: self.infrastructure,
        }
    }
}

/// One folder of format 2, as [`write_json`] writes it at depth 2.
fn write_folder(out: &mut String, folder: &Folder) {
    out.push_str("    {\n      \"path\": ");
    push_str(out, &folder.path);
    for (key, value) in [("env", &folder.env), ("service", &folder.service)] {
        if let Some(value) = value {
            out.push_str(&format!(",\n      \"{key}\": "));
            push_str(out, value);
        }
    }
    out.push_str(",\n      \"files\": {");
    for (i, (name, sha256)) in folder.files.iter().enumerate() {
        out.push_str(if i == 0 { "\n        " } else { ",\n        " });
        push_str(out, name);
        out.push_str(": ");
        push_str(out, sha256);
    }
    out.push_str(if folder.files.is_empty() {
        "}"
    } else {
        "\n      }"
    });
    out.push_str("\n    }");
}

/// `text` as a JSON string: as it is between quotes when nothing in it needs an
/// escape (every generated path and hash), else as serde_json escapes it.
fn push_str(out: &mut String, text: &str) {
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else {
        out.push_str(&Value::from(text).to_string());
    }
}

/// Writes `value` indented by two spaces per level, except a list item whose own
/// items are all plain values, which is written compactly on one line.
fn write_json(out: &mut String, value: &Value, depth: usize, in_list: bool) {
    let plain = |v: &Value| !matches!(v, Value::Array(_) | Value::Object(_));
    let flat = match value {
        Value::Object(m) => m.is_empty() || (in_list && m.values().all(plain)),
        Value::Array(a) => a.is_empty() || (in_list && a.iter().all(plain)),
        _ => true,
    };
    if flat {
        out.push_str(&value.to_string());
        return;
    }
    let pad = "  ".repeat(depth + 1);
    let (open, close) = match value {
        Value::Object(_) => ('{', '}'),
        _ => ('[', ']'),
    };
    out.push(open);
    let mut first = true;
    let mut item = |out: &mut String, key: Option<&str>, v: &Value| {
        out.push_str(if first { "\n" } else { ",\n" });
        first = false;
        out.push_str(&pad);
        if let Some(key) = key {
            out.push_str(&Value::from(key).to_string());
            out.push_str(": ");
        }
        write_json(out, v, depth + 1, key.is_none());
    };
    match value {
        Value::Object(m) => m.iter().for_each(|(k, v)| item(out, Some(k), v)),
        Value::Array(a) => a.iter().for_each(|v| item(out, None, v)),
        _ => {}
    }
    out.push('\n');
    out.push_str(&"  ".repeat(depth));
    out.push(close);
}

/// Path -> SHA-256 of every file a manifest (either format) owns, for the tests.
pub(crate) fn owned_hashes(bytes: &[u8]) -> Option<BTreeMap<String, String>> {
    let manifest = Manifest::parse(bytes)?;
    Some(
        manifest
            .files
            .into_iter()
            .map(|(path, entry)| (path, entry.sha256))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(sha: &str, env: Option<&str>, service: Option<&str>) -> Entry {
        Entry {
            sha256: sha.into(),
            env: env.map(str::to_string),
            service: service.map(str::to_string),
        }
    }

    fn sample() -> Manifest {
        let files = [
            ("atlantis.yaml", entry("a1", None, None)),
            (
                "out/helm/dev/api.values.yaml",
                entry("b2", Some("dev"), Some("api")),
            ),
            (
                "out/helm/dev/web.values.yaml",
                entry("c3", Some("dev"), Some("web")),
            ),
            (
                "out/kubernetes/dev/api/deployment.yaml",
                entry("d4", Some("dev"), Some("api")),
            ),
            (
                "out/kubernetes/dev/dashboard.yaml",
                entry("e5", Some("dev"), None),
            ),
        ]
        .into_iter()
        .map(|(p, e)| (p.to_string(), e))
        .collect();
        Manifest {
            pave: "0.0.0".into(),
            files,
            infrastructure: None,
        }
    }

    #[test]
    fn format_2_round_trips_every_path_scope_and_hash() {
        let m = sample();
        let bytes = m.to_bytes();
        assert_eq!(Manifest::parse(&bytes), Some(m.clone()));
        let text = String::from_utf8(bytes.clone()).unwrap();
        // One line per file, and no path written twice.
        assert!(text.contains("\"deployment.yaml\": \"d4\""), "{text}");
        assert_eq!(text.matches("out/helm/dev\"").count(), 2, "{text}");
        assert_eq!(m.to_bytes(), bytes, "deterministic");
    }

    #[test]
    fn the_direct_writer_writes_what_the_generic_one_does() {
        let mut m = sample();
        let odd = entry("f6", Some("d\"ev"), Some("a\\pi\u{1}"));
        m.files.insert("out/x\"y/z.yaml".into(), odd);
        m.infrastructure = Some(Inventory::default());
        for m in [sample(), m, Manifest::default()] {
            let value = serde_json::to_value(m.on_disk()).unwrap();
            let mut generic = String::new();
            write_json(&mut generic, &value, 0, false);
            generic.push('\n');
            assert_eq!(String::from_utf8(m.to_bytes()).unwrap(), generic);
            assert_eq!(Manifest::parse(&m.to_bytes()), Some(m));
        }
    }

    #[test]
    fn list_items_of_plain_values_take_one_line() {
        let value = serde_json::json!({
            "a": [{ "address": "module.x", "stateful": true }, ["p", 1]],
            "b": { "c": "d" },
            "e": [],
        });
        let mut text = String::new();
        write_json(&mut text, &value, 0, false);
        let expected = "{\n  \"a\": [\n    {\"address\":\"module.x\",\"stateful\":true},\n    [\"p\",1]\n  ],\n  \"b\": {\n    \"c\": \"d\"\n  },\n  \"e\": []\n}";
        assert_eq!(text, expected);
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn the_format_before_2_is_still_read() {
        let m = sample();
        let legacy = serde_json::to_vec_pretty(&m).unwrap();
        assert!(String::from_utf8_lossy(&legacy).contains("\"sha256\": \"d4\""));
        assert_eq!(Manifest::parse(&legacy), Some(m));
    }

    #[test]
    fn a_later_format_or_garbage_is_not_read() {
        let later = br#"{"pave":"9.0.0","manifest":3,"folders":[]}"#;
        assert_eq!(Manifest::parse(later), None);
        assert_eq!(Manifest::parse(b"{ not json"), None);
        assert_eq!(Manifest::parse(br#"{"pave":"x"}"#), None);
    }
}
