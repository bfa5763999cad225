//! `<output>/.pave-manifest.json`: the files pave owns, their hashes and the pave version.
//!
//! Only files listed here are ever deleted, and a file whose hash on disk differs
//! from the one recorded here was edited by hand.
//!
//! On disk (format 4) the files are grouped by folder and scope, one line per file
//! (`"name": "hash"`, the hash being the XXH3-128 of its bytes in hex, see
//! [`crate::digest::FileHash`]), so a large tree's manifest stays small and a change
//! shows as one changed line; the inventory follows, one line per Terraform resource
//! and per Kubernetes object (`"Kind/name"`, grouped by namespace). The formats before
//! it recorded SHA-256s (3: the same layout with the first 128 bits; 2: whole hashes
//! and the inventory as objects; 1: one object per path) and are still read, so a
//! tree written by an earlier pave is checked and pruned as it was; the next `build`
//! rewrites its manifest in format 4. A file such a build leaves alone (outside a
//! narrowed build's filter) keeps its old record, written `"sha256:<hex>"`.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::compare::Settled;
use crate::digest::{FileHash, sha256_hex};
use crate::inventory::{
    EnvInventory, Inventory, KubernetesObject, ServiceInventory, TerraformResource,
};

pub(super) const FILE_NAME: &str = ".pave-manifest.json";

/// The on-disk format written; a manifest naming a later one is not read.
const FORMAT: u32 = 4;

/// Hex digits of a file's hash recorded (128 bits): enough to tell pave's last bytes
/// from any edit. Formats 3 and 4 record this many; 2 and 1 the whole SHA-256, of
/// which as many are kept.
const HASH_HEX: usize = 32;

/// How a record from a format before 4 (a SHA-256 in hex) is marked, in memory and in
/// format 4, to tell it from the XXH3-128 format 4 records.
const SHA256_TAG: &str = "sha256:";

/// What pave owns, in memory: one entry per path, whatever the format on disk.
/// Its serde form is format 1, kept for reading older trees.
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
    /// The file's hash as format 4 writes it: its [`FileHash`] in hex, or, recorded by
    /// an earlier format, [`SHA256_TAG`] and the first [`HASH_HEX`] hex digits of its
    /// SHA-256. (Format 1 names it `sha256`, a whole SHA-256; see [`Manifest::parse`].)
    #[serde(rename = "sha256")]
    pub(crate) hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) env: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) service: Option<String>,
}

/// Formats 2 to 4 as read: folders, each with its scope and its files' hashes, and
/// the inventory in the format's own shape.
#[derive(Debug, Deserialize)]
struct OnDisk {
    pave: String,
    manifest: u32,
    folders: Vec<Folder>,
    /// Format 2's inventory (objects as written by serde).
    #[serde(default)]
    infrastructure: Option<Inventory>,
    /// The inventory of formats 3 and 4 (see [`EnvOnDisk`]).
    #[serde(default)]
    inventory: Option<BTreeMap<String, EnvOnDisk>>,
}

/// The files of one folder with one scope; a folder holding files of several
/// services (Helm values) appears once per service. `path` is empty for files at the
/// repository root.
#[derive(Debug, Deserialize)]
struct Folder {
    path: String,
    #[serde(default)]
    env: Option<String>,
    #[serde(default)]
    service: Option<String>,
    /// File name -> hash of its bytes.
    files: BTreeMap<String, String>,
}

/// One environment's inventory in formats 3 and 4.
#[derive(Debug, Deserialize)]
struct EnvOnDisk {
    #[serde(default)]
    protected: bool,
    #[serde(default)]
    services: BTreeMap<String, ServiceOnDisk>,
}

/// One service's inventory in formats 3 and 4: Kubernetes objects as `Kind/name` per
/// namespace (`""`: cluster-scoped).
#[derive(Debug, Deserialize)]
struct ServiceOnDisk {
    #[serde(default)]
    terraform: Vec<TerraformResource>,
    #[serde(default)]
    kubernetes: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    calls: Vec<String>,
}

impl Entry {
    /// The part of the tree the file belongs to.
    pub(super) fn scope(&self) -> crate::output::Scope {
        crate::output::Scope {
            env: self.env.clone(),
            service: self.service.clone(),
        }
    }

    /// Whether the entry's scope is within `filter`.
    pub(super) fn within(&self, filter: &super::plan::Filter) -> bool {
        filter.admits(self.env.as_deref(), self.service.as_deref())
    }

    /// Whether `bytes` are the bytes recorded, by the hash the record was made with.
    pub(super) fn records(&self, bytes: &[u8]) -> bool {
        match self.hash.strip_prefix(SHA256_TAG) {
            Some(sha256) => sha256.len() >= HASH_HEX && sha256_hex(bytes).starts_with(sha256),
            None => self.hash.len() == HASH_HEX && FileHash::of(bytes).to_hex() == self.hash,
        }
    }
}

/// A record of a format before 4 (a SHA-256 in hex, whole or its first [`HASH_HEX`]
/// digits) as format 4 keeps it.
fn earlier_record(sha256: &str) -> String {
    format!("{SHA256_TAG}{}", sha256.get(..HASH_HEX).unwrap_or(sha256))
}

impl Manifest {
    /// The manifest of the files settled against the tree, with their hashes; the
    /// inventory is the caller's to add (it merges the old one in).
    pub(super) fn of(settled: &BTreeMap<String, Settled>) -> Manifest {
        // Tens of thousands of entries, each a few strings to copy: copied in
        // parallel, then put in a map in one pass (they come sorted).
        let entries: Vec<(String, Entry)> = settled
            .par_iter()
            .map(|(path, s)| {
                let entry = Entry {
                    hash: s.hash.to_hex(),
                    env: s.scope.env.clone(),
                    service: s.scope.service.clone(),
                };
                (path.clone(), entry)
            })
            .collect();
        let files = entries.into_iter().collect();
        Manifest {
            pave: env!("CARGO_PKG_VERSION").to_string(),
            files,
            infrastructure: None,
        }
    }

    /// Reads format 4, 3, 2 or 1; `None` for anything else.
    pub(super) fn parse(bytes: &[u8]) -> Option<Manifest> {
        match serde_json::from_slice::<OnDisk>(bytes) {
            Ok(disk) if (2..=FORMAT).contains(&disk.manifest) => Some(disk.into_manifest()),
            // A later format: its meaning is unknown, so nothing in it is trusted.
            Ok(_) => None,
            Err(_) => {
                let mut manifest: Manifest = serde_json::from_slice(bytes).ok()?;
                for entry in manifest.files.values_mut() {
                    entry.hash = earlier_record(&entry.hash);
                }
                Some(manifest)
            }
        }
    }

    /// Format 4 as JSON with a final newline; deterministic (sorted folders, names,
    /// environments and services). Every file, Terraform resource and Kubernetes
    /// object takes one line of its own, unindented; written directly (tens of
    /// thousands of lines: building a JSON value of them first cost more than
    /// hashing the tree).
    pub(super) fn to_bytes(&self) -> Vec<u8> {
        let mut out = String::with_capacity(self.files.len() * 64);
        out.push_str("{\n\"pave\": ");
        push_str(&mut out, &self.pave);
        out.push_str(&format!(",\n\"manifest\": {FORMAT},\n\"folders\": ["));
        write_folders(&mut out, &self.files);
        out.push(']');
        if let Some(inventory) = &self.infrastructure {
            out.push_str(",\n\"inventory\": {");
            write_inventory(&mut out, inventory);
            out.push('}');
        }
        out.push_str("\n}\n");
        out.into_bytes()
    }
}

impl OnDisk {
    fn into_manifest(self) -> Manifest {
        let sha256_only = self.manifest < 4;
        let mut entries = Vec::new();
        for folder in self.folders {
            for (name, hash) in folder.files {
                let path = match folder.path.is_empty() {
                    true => name,
                    false => format!("{}/{name}", folder.path),
                };
                let entry = Entry {
                    hash: match sha256_only {
                        true => earlier_record(&hash),
                        false => hash,
                    },
                    env: folder.env.clone(),
                    service: folder.service.clone(),
                };
                entries.push((path, entry));
            }
        }
        // Built at once from the nearly sorted entries, not by tens of thousands of
        // inserts (a later duplicate wins, as an insert would have it).
        let files = BTreeMap::from_iter(entries);
        let infrastructure = match self.inventory {
            Some(envs) => inventory_of(envs),
            None => self.infrastructure,
        };
        Manifest {
            pave: self.pave,
            files,
            infrastructure,
        }
    }
}

/// The inventory of formats 3 and 4 in memory; `None` (unknown) if an object is not `Kind/name`.
fn inventory_of(envs: BTreeMap<String, EnvOnDisk>) -> Option<Inventory> {
    let mut inventory = Inventory::new();
    for (env, e) in envs {
        let mut services = BTreeMap::new();
        for (name, s) in e.services {
            let mut kubernetes = Vec::new();
            for (namespace, objects) in s.kubernetes {
                for object in objects {
                    let (kind, name) = object.split_once('/')?;
                    kubernetes.push(KubernetesObject {
                        kind: kind.to_string(),
                        namespace: (!namespace.is_empty()).then(|| namespace.clone()),
                        name: name.to_string(),
                    });
                }
            }
            kubernetes.sort();
            let service = ServiceInventory {
                terraform: s.terraform,
                kubernetes,
                hosts: s.hosts,
                calls: s.calls,
            };
            services.insert(name, service);
        }
        let protected = e.protected;
        inventory.insert(
            env,
            EnvInventory {
                protected,
                services,
            },
        );
    }
    Some(inventory)
}

/// Every file, grouped by folder and scope: a folder line, then one line per file.
fn write_folders(out: &mut String, files: &BTreeMap<String, Entry>) {
    type Key<'a> = (&'a str, &'a Option<String>, &'a Option<String>);
    // In path order a folder's files come in runs (broken by its subfolders' files and
    // by files of another scope): collect the runs, then sort them by folder and scope
    // and merge equal neighbours. Linear in the files, where a map keyed by folder and
    // scope took a lookup per file.
    let mut groups: Vec<(Key, Vec<(&str, &str)>)> = Vec::new();
    for (path, entry) in files {
        let (folder, name) = path.rsplit_once('/').unwrap_or(("", path));
        let key = (folder, &entry.env, &entry.service);
        match groups.last_mut() {
            Some((last, names)) if *last == key => names.push((name, &entry.hash)),
            _ => groups.push((key, vec![(name, &entry.hash)])),
        }
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    groups.dedup_by(|later, earlier| {
        let same = later.0 == earlier.0;
        if same {
            earlier.1.append(&mut later.1);
        }
        same
    });
    // Thousands of folders, each written on its own (in parallel), joined in order.
    let written: Vec<String> = groups
        .into_par_iter()
        .map(|((path, env, service), names)| write_folder(path, env, service, names))
        .collect();
    for (i, folder) in written.iter().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        out.push_str(folder);
    }
}

/// One folder's object: its path, scope and `"name": "hash"` lines, names sorted.
fn write_folder(
    path: &str,
    env: &Option<String>,
    service: &Option<String>,
    mut names: Vec<(&str, &str)>,
) -> String {
    names.sort_unstable();
    let mut out = String::with_capacity(64 + names.len() * (HASH_HEX + 40));
    out.push_str("{\"path\": ");
    push_str(&mut out, path);
    for (key, value) in [("env", env), ("service", service)] {
        if let Some(value) = value {
            out.push_str(&format!(", \"{key}\": "));
            push_str(&mut out, value);
        }
    }
    out.push_str(", \"files\": {");
    for (j, (name, hash)) in names.into_iter().enumerate() {
        out.push_str(if j == 0 { "\n" } else { ",\n" });
        push_str(&mut out, name);
        out.push_str(": ");
        push_str(&mut out, hash);
    }
    out.push_str("}}");
    out
}

/// Every environment's inventory: a line per environment and per service, then one
/// line per Terraform resource, namespace (of Kubernetes objects), object and host.
fn write_inventory(out: &mut String, inventory: &Inventory) {
    for (i, (env, e)) in inventory.iter().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        push_str(out, env);
        out.push_str(&format!(
            ": {{\"protected\": {}, \"services\": {{",
            e.protected
        ));
        // A thousand services per environment: each written in parallel, in order.
        let services: Vec<(&String, &ServiceInventory)> = e.services.iter().collect();
        let written: Vec<String> = services
            .into_par_iter()
            .map(|(name, s)| {
                let mut out = String::new();
                push_str(&mut out, name);
                out.push_str(": {");
                write_service(&mut out, s);
                out.push('}');
                out
            })
            .collect();
        for (j, service) in written.iter().enumerate() {
            out.push_str(if j == 0 { "\n" } else { ",\n" });
            out.push_str(service);
        }
        out.push_str("}}");
    }
}

fn write_service(out: &mut String, s: &ServiceInventory) {
    // Sections are separated by ",\n" and each starts on a line of its own.
    let section = |out: &mut String, name: &str| {
        out.push_str(if out.ends_with('{') { "\n\"" } else { ",\n\"" });
        out.push_str(name);
        out.push_str("\": ");
    };
    if !s.terraform.is_empty() {
        section(out, "terraform");
        out.push('[');
        for (i, t) in s.terraform.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            // A resource is a flat object of strings and a bool: serde_json cannot fail.
            out.push_str(&serde_json::to_string(t).unwrap_or_default());
        }
        out.push(']');
    }
    if !s.kubernetes.is_empty() {
        let mut by_namespace: BTreeMap<&str, Vec<&KubernetesObject>> = BTreeMap::new();
        for o in &s.kubernetes {
            let namespace = o.namespace.as_deref().unwrap_or_default();
            by_namespace.entry(namespace).or_default().push(o);
        }
        section(out, "kubernetes");
        out.push('{');
        for (i, (namespace, objects)) in by_namespace.into_iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            push_str(out, namespace);
            out.push_str(": [");
            for (j, o) in objects.into_iter().enumerate() {
                out.push_str(if j == 0 { "\n" } else { ",\n" });
                push_str(out, &format!("{}/{}", o.kind, o.name));
            }
            out.push(']');
        }
        out.push('}');
    }
    for (name, list) in [("hosts", &s.hosts), ("calls", &s.calls)] {
        if list.is_empty() {
            continue;
        }
        section(out, name);
        out.push('[');
        for (i, item) in list.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            push_str(out, item);
        }
        out.push(']');
    }
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

/// Path -> hash of every file a manifest (any format) owns, for the tests.
pub(crate) fn owned_hashes(bytes: &[u8]) -> Option<BTreeMap<String, String>> {
    let manifest = Manifest::parse(bytes)?;
    Some(
        manifest
            .files
            .into_iter()
            .map(|(path, entry)| (path, entry.hash))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";

    fn entry(sha: &str, env: Option<&str>, service: Option<&str>) -> Entry {
        Entry {
            hash: sha.into(),
            env: env.map(str::to_string),
            service: service.map(str::to_string),
        }
    }

    fn sample() -> Manifest {
        let files = [
            ("atlantis.yaml", entry(A, None, None)),
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

    fn inventory() -> Inventory {
        let object = |kind: &str, namespace: Option<&str>, name: &str| KubernetesObject {
            kind: kind.into(),
            namespace: namespace.map(str::to_string),
            name: name.into(),
        };
        let api = ServiceInventory {
            terraform: vec![TerraformResource {
                address: "module.api_db".into(),
                module: Some("postgres".into()),
                need: Some("db".into()),
                stateful: true,
                physical: Some("shop-dev-api-db".into()),
            }],
            kubernetes: vec![
                object("ClusterRole", None, "api"),
                object("Deployment", Some("shop-api"), "api"),
                object("PrometheusRule", Some("monitoring"), "api"),
                object("Service", Some("shop-api"), "api"),
            ],
            hosts: vec!["api.dev.example.com".into()],
            calls: vec!["web".into()],
        };
        let dev = EnvInventory {
            protected: false,
            services: [
                ("api".to_string(), api),
                ("web".into(), ServiceInventory::default()),
            ]
            .into_iter()
            .collect(),
        };
        [
            ("dev".to_string(), dev),
            ("prod".into(), EnvInventory::default()),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn format_4_round_trips_every_path_scope_hash_and_inventory_entry() {
        let mut m = sample();
        m.infrastructure = Some(inventory());
        let bytes = m.to_bytes();
        assert_eq!(Manifest::parse(&bytes), Some(m.clone()));
        let text = String::from_utf8(bytes.clone()).unwrap();
        // One line per file and per inventory entry, and no folder written twice.
        for line in [
            "\"deployment.yaml\": \"d4\"}}],",
            "\"Deployment/api\",",
            "\"ClusterRole/api\"],",
            "\"Service/api\"]},",
            "{\"address\":\"module.api_db\",\"module\":\"postgres\",\"need\":\"db\",\"stateful\":true,\"physical\":\"shop-dev-api-db\"}],",
            "\"api.dev.example.com\"],",
            "\"calls\": [",
            "\"web\"]},",
        ] {
            assert!(text.lines().any(|l| l.ends_with(line)), "{line} in {text}");
        }
        assert_eq!(text.matches("out/helm/dev\"").count(), 2, "{text}");
        assert_eq!(m.to_bytes(), bytes, "deterministic");
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(value["manifest"], 4);
    }

    #[test]
    fn a_folders_files_split_by_subfolders_and_scopes_are_written_once_per_scope() {
        // In path order, `h`'s files of `a` are interrupted by `b`'s and by a subfolder.
        let files = [
            ("h/a1.yaml", "a"),
            ("h/b1.yaml", "b"),
            ("h/c1.yaml", "a"),
            ("h/d/x.yaml", "a"),
            ("h/e1.yaml", "a"),
            ("h/f1.yaml", "b"),
        ]
        .into_iter()
        .map(|(p, s)| (p.to_string(), entry(A, Some("dev"), Some(s))))
        .collect();
        let m = Manifest {
            pave: "0.0.0".into(),
            files,
            infrastructure: None,
        };
        let bytes = m.to_bytes();
        assert_eq!(Manifest::parse(&bytes), Some(m.clone()));
        let text = String::from_utf8(bytes).unwrap();
        let folders: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("\"path\""))
            .map(|l| l.trim_start_matches(','))
            .collect();
        assert_eq!(
            folders,
            [
                "{\"path\": \"h\", \"env\": \"dev\", \"service\": \"a\", \"files\": {",
                "{\"path\": \"h\", \"env\": \"dev\", \"service\": \"b\", \"files\": {",
                "{\"path\": \"h/d\", \"env\": \"dev\", \"service\": \"a\", \"files\": {",
            ],
            "{text}"
        );
        // Within a folder, names in order.
        let a1 = text.find("\"a1.yaml\"").unwrap();
        assert!(a1 < text.find("\"c1.yaml\"").unwrap() && a1 < text.find("\"e1.yaml\"").unwrap());
    }

    #[test]
    fn odd_names_are_escaped_and_an_empty_manifest_is_json() {
        let mut m = sample();
        let odd = entry("f6", Some("d\"ev"), Some("a\\pi\u{1}"));
        m.files.insert("out/x\"y/z.yaml".into(), odd);
        m.infrastructure = Some(Inventory::default());
        for m in [sample(), m, Manifest::default()] {
            let bytes = m.to_bytes();
            serde_json::from_slice::<Value>(&bytes).unwrap();
            assert_eq!(Manifest::parse(&bytes), Some(m));
        }
    }

    #[test]
    fn a_record_matches_the_bytes_by_the_hash_it_was_made_with() {
        let (bytes, edited) = (b"x: 1\n", b"x: 2\n");
        let now = entry(&FileHash::of(bytes).to_hex(), None, None);
        assert_eq!(now.hash.len(), 32);
        assert!(now.records(bytes));
        assert!(!now.records(edited));
        // Formats 3, 2 and 1: the first 128 bits of the SHA-256, or all of it.
        let whole = sha256_hex(bytes);
        let earlier = entry(&earlier_record(&whole), None, None);
        assert_eq!(earlier.hash, format!("sha256:{}", &whole[..32]));
        assert!(earlier.records(bytes));
        assert!(!earlier.records(edited));
        assert_eq!(earlier_record(&whole[..32]), earlier.hash);
        // Neither kind is taken for the other, and a short or empty record is none.
        assert!(!entry(&whole[..32], None, None).records(bytes));
        let tagged_xxh3 = format!("sha256:{}", FileHash::of(bytes).to_hex());
        assert!(!entry(&tagged_xxh3, None, None).records(bytes));
        for short in ["", "sha256:", &earlier.hash[..15], &now.hash[..8]] {
            assert!(!entry(short, None, None).records(bytes), "{short:?}");
        }
    }

    #[test]
    fn format_3_is_read_as_sha256_records_and_written_back_as_such() {
        let sha = sha256_hex(b"x: 1\n");
        let format_3 = format!(
            r#"{{"pave": "0.1.0", "manifest": 3, "folders": [
{{"path": "out", "env": "dev", "files": {{"a.yaml": "{}"}}}}]}}"#,
            &sha[..32]
        );
        let m = Manifest::parse(format_3.as_bytes()).unwrap();
        let a = &m.files["out/a.yaml"];
        assert_eq!(a.hash, format!("sha256:{}", &sha[..32]));
        assert!(a.records(b"x: 1\n") && !a.records(b"x: 2\n"));
        // A narrowed build keeps the record as it was, in format 4.
        let written = String::from_utf8(m.to_bytes()).unwrap();
        assert!(written.contains(&format!("\"a.yaml\": \"sha256:{}\"", &sha[..32])));
        assert_eq!(Manifest::parse(written.as_bytes()), Some(m));
    }

    #[test]
    fn format_2_is_still_read() {
        let format_2 = r#"{
  "pave": "0.1.0",
  "manifest": 2,
  "folders": [
    {
      "path": "out/kubernetes/dev/api",
      "env": "dev",
      "service": "api",
      "files": {
        "deployment.yaml": "d4"
      }
    }
  ],
  "infrastructure": {
    "dev": {
      "protected": true,
      "services": {
        "api": {
          "kubernetes": [
            {"kind":"Deployment","namespace":"shop-api","name":"api"}
          ]
        }
      }
    }
  }
}
"#;
        let m = Manifest::parse(format_2.as_bytes()).unwrap();
        assert_eq!(
            m.files["out/kubernetes/dev/api/deployment.yaml"].hash,
            "sha256:d4"
        );
        let dev = &m.infrastructure.unwrap()["dev"];
        assert!(dev.protected);
        assert_eq!(dev.services["api"].kubernetes[0].name, "api");
    }

    #[test]
    fn the_format_before_2_is_still_read() {
        let m = sample();
        let legacy = serde_json::to_vec_pretty(&m).unwrap();
        assert!(String::from_utf8_lossy(&legacy).contains("\"sha256\": \"d4\""));
        let mut read_as = m;
        for entry in read_as.files.values_mut() {
            entry.hash = earlier_record(&entry.hash);
        }
        assert_eq!(Manifest::parse(&legacy), Some(read_as));
    }

    #[test]
    fn a_later_format_or_garbage_is_not_read() {
        let later = br#"{"pave":"9.0.0","manifest":5,"folders":[]}"#;
        assert_eq!(Manifest::parse(later), None);
        assert_eq!(Manifest::parse(b"{ not json"), None);
        assert_eq!(Manifest::parse(br#"{"pave":"x"}"#), None);
    }

    #[test]
    fn an_object_that_is_not_kind_slash_name_makes_the_inventory_unknown() {
        let text = r#"{"pave": "0.1.0", "manifest": 3, "folders": [],
"inventory": {"dev": {"protected": false, "services": {"api": {"kubernetes": {"ns": ["Deployment"]}}}}}}"#;
        let m = Manifest::parse(text.as_bytes()).unwrap();
        assert_eq!(m.infrastructure, None);
    }
}
