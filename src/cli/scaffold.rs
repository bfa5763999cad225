//! `pave init` and `pave new`: write a starting platform, or one more service file.

use std::path::Path;

use super::{Exit, Output, messages, usage};
use crate::source::SourceMap;

/// `pave init [DIR]`: a platform file and one service, ready to build.
pub fn init(dir: &Path, output: Output) -> Exit {
    if crate::load::has_platform_file(dir) {
        return usage(messages::platform_file_exists(dir), output);
    }
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().to_string()))
        .map(|n| crate::resolve::label_from(&n))
        .unwrap_or_else(|| "platform".into());
    let service = new_service_value("hello", "team-platform", "ghcr.io/example/hello:0.1.0");
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(dir.join("services"))?;
        std::fs::write(
            dir.join("platform.yaml"),
            crate::yaml_writer::to_yaml(&starter_platform(&name)).map_err(std::io::Error::other)?,
        )?;
        std::fs::write(
            dir.join("services/hello.yaml"),
            crate::yaml_writer::to_yaml(&service).map_err(std::io::Error::other)?,
        )
    };
    if let Err(e) = write() {
        return usage(messages::cannot_write("the platform files", &e), output);
    }
    eprintln!(
        "pave init: wrote platform.yaml and services/hello.yaml; next: `pave build --root {}`",
        dir.display()
    );
    Exit::Ok
}

/// The platform `init` writes: two environments, the contract, sizes, CI off (turning
/// it on needs `targets.ci.install`, the team's own pinned pave) and the baseline
/// policies.
fn starter_platform(name: &str) -> serde_json::Value {
    serde_json::json!({
        "platform": name,
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
        "policies": { "packs": ["baseline"], "rules": { "image.digest-in-prod": "warning" } },
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

/// `pave new SERVICE --owner TEAM [--image IMAGE]`: `services/SERVICE.yaml`.
pub fn new_service(
    root: &Path,
    name: &str,
    owner: &str,
    image: Option<&str>,
    output: Output,
) -> Exit {
    if !crate::resolve::is_dns_label(name) {
        let suggestion = crate::resolve::label_from(name);
        return usage(messages::not_a_dns_label(name, &suggestion), output);
    }
    let path = root.join("services").join(format!("{name}.yaml"));
    if path.exists() {
        return usage(messages::file_exists(&path), output);
    }
    let image = image.map_or_else(
        || {
            let registry = first_registry(root);
            format!("{}/{name}:0.1.0", registry.trim_end_matches('/'))
        },
        str::to_string,
    );
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(root.join("services"))?;
        std::fs::write(
            &path,
            crate::yaml_writer::to_yaml(&new_service_value(name, owner, &image))
                .map_err(std::io::Error::other)?,
        )
    };
    if let Err(e) = write() {
        let what = format!("`{}`", path.display());
        return usage(messages::cannot_write(&what, &e), output);
    }
    eprintln!("pave new: wrote {}", path.display());
    Exit::Ok
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
