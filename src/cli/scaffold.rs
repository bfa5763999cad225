//! `pave init` and `pave new`: write a starting platform, or one more service file.

use std::path::Path;

use super::{Exit, Output, messages, usage};
use crate::policy::Date;
use crate::source::SourceMap;

/// The service `init` writes beside the platform.
const STARTER_SERVICE: &str = "hello";

/// `pave init [DIR]`: a platform file named after the folder and one service, ready to
/// build without warnings. Refuses (writing nothing) when the folder already has a
/// platform file of any kind (`.yaml`, `.yml`, `.kdl`) or the starter service's file.
pub fn init(dir: &Path, output: Output) -> Exit {
    if crate::load::has_platform_file(dir) {
        return usage(messages::platform_file_exists(dir), output);
    }
    if let Some(existing) = service_file(dir, STARTER_SERVICE) {
        return usage(messages::file_exists(&existing), output);
    }
    if let Err(e) = services_folder(dir) {
        return usage(messages::cannot_write("the platform files", &e), output);
    }
    // Canonical only once the folder exists: `pave init shop` names the platform `shop`.
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().to_string()))
        .map(|n| crate::resolve::label_from(&n))
        .unwrap_or_else(|| "platform".into());
    let service = new_service_value(
        STARTER_SERVICE,
        "team-platform",
        &format!("ghcr.io/{name}/{STARTER_SERVICE}:0.1.0"),
    );
    let write = || -> std::io::Result<()> {
        write_new(
            &dir.join("platform.yaml"),
            crate::yaml_writer::to_yaml(&starter_platform(&name, output.today))
                .map_err(std::io::Error::other)?,
        )?;
        write_new(
            &dir.join(format!("services/{STARTER_SERVICE}.yaml")),
            crate::yaml_writer::to_yaml(&service).map_err(std::io::Error::other)?,
        )
    };
    if let Err(e) = write() {
        return usage(messages::cannot_write("the platform files", &e), output);
    }
    eprintln!(
        "pave init: wrote platform.yaml (platform `{name}`) and services/{STARTER_SERVICE}.yaml; next: `pave build --root {}`",
        dir.display()
    );
    Exit::Ok
}

/// The owner rule of the service schema: a Kubernetes label value (1–63 letters,
/// digits, `-`, `_`, `.`, starting and ending with a letter or digit).
fn is_label_value(s: &str) -> bool {
    let inner = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    let bytes = s.as_bytes();
    (1..=63).contains(&bytes.len())
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.iter().all(|&b| inner(b))
}

/// Makes `root/services` when it is missing. A symlink there is refused, as every
/// input link is (E0111): writing through it would put the file outside the
/// repository.
fn services_folder(root: &Path) -> std::io::Result<()> {
    let folder = root.join("services");
    match std::fs::symlink_metadata(&folder) {
        Ok(m) if m.file_type().is_symlink() => Err(std::io::Error::other(
            "`services` is a symbolic link, which pave never follows in a repository",
        )),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::create_dir_all(&folder),
        Err(e) => Err(e),
    }
}

/// Writes a file that must not exist yet: never overwrites one created meanwhile.
fn write_new(path: &Path, text: String) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(text.as_bytes())
}

/// The file a service already has under `root/services`, in any input format.
fn service_file(root: &Path, name: &str) -> Option<std::path::PathBuf> {
    ["yaml", "yml", "kdl", "score.yaml", "score.yml"]
        .iter()
        .map(|ext| root.join("services").join(format!("{name}.{ext}")))
        .find(|p| p.symlink_metadata().is_ok())
}

/// The platform repository `start` is in: the nearest folder, `start` or one of its
/// parents, that holds a platform file.
fn platform_root(start: &Path) -> Option<std::path::PathBuf> {
    let start = start.canonicalize().ok()?;
    start
        .ancestors()
        .find(|d| crate::load::has_platform_file(d))
        .map(Path::to_path_buf)
}

/// How long the starter's exception for tagged images lasts.
const STARTER_EXCEPTION_DAYS: i64 = 90;

/// The platform `init` writes: two environments, the contract, sizes, its own
/// registry, CI off (turning it on needs `targets.ci.install`, the team's own pinned
/// pave) and the baseline policies. It builds without warnings: the one baseline rule
/// a new platform cannot meet yet (images pinned by digest in `prod`, which CI does)
/// is waived by an exception with a reason and an expiry, the template for others.
fn starter_platform(name: &str, today: Date) -> serde_json::Value {
    serde_json::json!({
        "platform": name,
        "registries": [format!("ghcr.io/{name}")],
        "environments": {
            "dev": { "domain": format!("dev.{name}.example.com"), "replicas": 1 },
            "prod": { "domain": format!("{name}.example.com"), "protected": true },
        },
        "contract": {
            "port": 8080,
            "metrics": { "port": 9090, "path": "/metrics" },
            "health": { "liveness": "/healthz", "readiness": "/readyz" },
        },
        "sizes": {
            "small": { "cpu": "100m", "memory": "128Mi" },
            "medium": { "cpu": "250m", "memory": "512Mi" },
            "large": { "cpu": "1", "memory": "2Gi" },
        },
        "defaults": { "size": "small", "replicas": 2 },
        "targets": { "ci": { "provider": "none" } },
        "policies": {
            "packs": ["baseline"],
            "rules": { "image.digest-in-prod": "warning" },
            "exceptions": [{
                "policy": "image.digest-in-prod",
                "environments": ["prod"],
                "reason": "new platform: images are tags until CI pushes them and pins each by @sha256 digest",
                "expires": today.plus_days(STARTER_EXCEPTION_DAYS).to_string(),
            }],
        },
    })
}

fn new_service_value(name: &str, owner: &str, image: &str) -> serde_json::Value {
    serde_json::json!({
        "name": name,
        "owner": owner,
        "image": image,
        "env": { "LOG_LEVEL": "info" },
    })
}

/// The new service as a Score workload: one container, the platform's contract port
/// published (so it is a web service, like the pave file `new` writes), the owner as
/// the `pave.dev/owner` annotation.
fn new_score_value(name: &str, owner: &str, image: &str, port: u64) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "score.dev/v1b1",
        "metadata": {
            "name": name,
            "annotations": { "pave.dev/owner": owner },
        },
        "service": { "ports": { "http": { "port": port } } },
        "containers": {
            name: {
                "image": image,
                "variables": { "LOG_LEVEL": "info" },
            },
        },
    })
}

/// `pave new SERVICE --owner TEAM [--image IMAGE] [--score]`: `services/SERVICE.yaml`
/// in the platform repository `root` is in (`root` or a parent); `services/SERVICE.kdl`
/// when the platform file is KDL; `services/SERVICE.score.yaml` with `--score`.
/// Refuses outside a platform repository and when the service already has a file in
/// any format.
pub fn new_service(
    root: &Path,
    name: &str,
    owner: &str,
    image: Option<&str>,
    score: bool,
    output: Output,
) -> Exit {
    if !crate::resolve::is_dns_label(name) {
        let suggestion = crate::resolve::label_from(name);
        return usage(messages::not_a_dns_label(name, &suggestion), output);
    }
    // The service file's schema would refuse these at the next build.
    if !is_label_value(owner) {
        return usage(messages::not_an_owner(owner), output);
    }
    if let Some(image) = image.filter(|i| i.is_empty() || i.contains(char::is_whitespace)) {
        return usage(messages::not_an_image(image), output);
    }
    let Some(repo) = platform_root(root) else {
        return usage(messages::not_in_a_platform(root), output);
    };
    let root = repo.as_path();
    if let Some(existing) = service_file(root, name) {
        return usage(messages::service_file_exists(&existing), output);
    }
    let kdl = crate::load::platform_file_path(root)
        .is_some_and(|p| p.extension().is_some_and(|e| e == "kdl"));
    let extension = match (score, kdl) {
        (true, _) => "score.yaml",
        (false, true) => "kdl",
        (false, false) => "yaml",
    };
    let path = root.join("services").join(format!("{name}.{extension}"));
    let image = image.map_or_else(
        || {
            let registry = first_registry(root);
            format!("{}/{name}:0.1.0", registry.trim_end_matches('/'))
        },
        str::to_string,
    );
    let write = || -> std::io::Result<()> {
        services_folder(root)?;
        let value = match score {
            true => new_score_value(name, owner, &image, contract_port(root)),
            false => new_service_value(name, owner, &image),
        };
        let text = match kdl && !score {
            true => kdl_service(name, owner, &image),
            false => crate::yaml_writer::to_yaml(&value).map_err(std::io::Error::other)?,
        };
        write_new(&path, text)
    };
    if let Err(e) = write() {
        let what = format!("`{}`", path.display());
        return usage(messages::cannot_write(&what, &e), output);
    }
    eprintln!("pave new: wrote {}", path.display());
    Exit::Ok
}

/// The new service in KDL, the same fields as the YAML one.
fn kdl_service(name: &str, owner: &str, image: &str) -> String {
    format!(
        "name {}\nowner {}\nimage {}\nenv {{\n    LOG_LEVEL \"info\"\n}}\n",
        kdl_string(name),
        kdl_string(owner),
        kdl_string(image)
    )
}

/// A KDL quoted string: backslashes and quotes escaped.
fn kdl_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The platform's `contract.port` (8080 when it sets none or cannot be read).
fn contract_port(root: &Path) -> u64 {
    let mut sources = SourceMap::default();
    let (platform, _) = crate::load::load_platform(root, &mut sources);
    platform
        .and_then(|doc| doc.value.pointer("/contract/port").and_then(|p| p.as_u64()))
        .unwrap_or(8080)
}

/// The platform's first allowed registry, so the new service's image passes the
/// allow-list; a placeholder registry when the platform file names none or cannot be
/// read (its problems are `lint`'s to report).
fn first_registry(root: &Path) -> String {
    let mut sources = SourceMap::default();
    let (platform, _) = crate::load::load_platform(root, &mut sources);
    platform
        .and_then(|doc| {
            doc.value
                .pointer("/registries/0")
                .and_then(|r| r.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "ghcr.io/example".into())
}
