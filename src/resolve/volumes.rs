//! `volumes` and `mounts`: the pod's scratch volumes (each an `emptyDir`) and where
//! each container mounts them. The root filesystem is read-only and `/tmp` is the one
//! writable folder pave gives every container; a volume is how a workload gets another,
//! or shares one between its main container, sidecars and init containers.

use std::collections::BTreeSet;

use indexmap::IndexMap;

use super::messages;
use super::resolved::{ExtraContainer, Layer, Mount, MountedFile, ScratchVolume};
use super::workload::{At, path_problem};
use crate::diag::Diagnostic;
use crate::load::pointer_push;
use crate::model::service::{MountSpec, ServiceSpec};

/// The names of the volumes pave gives every pod itself (`render/kubernetes/workload.rs`).
const RESERVED: &[&str] = &["tmp", "files"];

/// `volumes`, sorted by name; a name pave uses itself is reported.
pub(crate) fn declared(
    spec: &ServiceSpec,
    at: &At,
    diags: &mut Vec<Diagnostic>,
) -> Vec<ScratchVolume> {
    let mut out: Vec<ScratchVolume> = spec
        .volumes
        .iter()
        .map(|(name, v)| {
            if RESERVED.contains(&name.as_str()) {
                let span = (at.key_of)(&pointer_push("/volumes", name));
                diags.push(messages::reserved_volume(span, name));
            }
            ScratchVolume {
                name: name.clone(),
                size: v.size.as_ref().map(ToString::to_string),
                memory: v.memory.unwrap_or(false),
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The main container's mounts; the sidecars' and init containers' are set on them.
/// Every mount is checked; a volume the service file declares that no container
/// mounts is a warning (one from the platform's defaults may serve other services).
pub(crate) fn mounts(
    spec: &ServiceSpec,
    volumes: &[ScratchVolume],
    files: &[MountedFile],
    (sidecars, init): (&mut [ExtraContainer], &mut [ExtraContainer]),
    at: &At,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Mount> {
    let cx = Cx { volumes, files, at };
    let mut used = BTreeSet::new();
    let main = cx.container("", &spec.mounts, &mut used, diags);
    for (field, extra, specs) in [
        ("/sidecars", sidecars, &spec.sidecars),
        ("/init", init, &spec.init),
    ] {
        for c in extra.iter_mut() {
            let Some(s) = specs.get(&c.name) else {
                continue;
            };
            let base = pointer_push(field, &c.name);
            c.mounts = cx.container(&base, &s.mounts, &mut used, diags);
        }
    }
    for v in volumes.iter().filter(|v| !used.contains(&v.name)) {
        let pointer = pointer_push("/volumes", &v.name);
        let by_service = matches!(
            (at.layer_of)(&pointer),
            Some(Layer::Service | Layer::ServiceEnvironment)
        );
        if by_service && !RESERVED.contains(&v.name.as_str()) {
            diags.push(messages::unused_volume((at.key_of)(&pointer), &v.name));
        }
    }
    main
}

/// What every container's mounts are checked against.
struct Cx<'a> {
    volumes: &'a [ScratchVolume],
    /// Mounted in every container of the pod.
    files: &'a [MountedFile],
    at: &'a At<'a>,
}

impl Cx<'_> {
    /// One container's mounts (under `base`: `""` for the main container), sorted by path.
    fn container(
        &self,
        base: &str,
        specs: &IndexMap<String, MountSpec>,
        used: &mut BTreeSet<String>,
        diags: &mut Vec<Diagnostic>,
    ) -> Vec<Mount> {
        let mut out: Vec<Mount> = Vec::new();
        for (path, m) in specs {
            let pointer = pointer_push(&format!("{base}/mounts"), path);
            let mount = self.mount(path, m, &pointer, diags);
            used.insert(mount.volume.clone());
            if let Some(problem) = self.path_clash(path, &out) {
                diags.push(messages::bad_mount_path(
                    (self.at.key_of)(&pointer),
                    path,
                    &problem,
                ));
            }
            out.push(mount);
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out
    }

    fn mount(
        &self,
        path: &str,
        m: &MountSpec,
        pointer: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Mount {
        let (volume, sub_path, read_only, volume_at) = match m {
            MountSpec::Volume(v) => (v, None, false, pointer.to_string()),
            MountSpec::Full {
                volume,
                sub_path,
                read_only,
            } => (
                volume,
                sub_path.clone(),
                read_only.unwrap_or(false),
                format!("{pointer}/volume"),
            ),
        };
        if !self.volumes.iter().any(|v| v.name == *volume) {
            let declared: Vec<&str> = self.volumes.iter().map(|v| v.name.as_str()).collect();
            let span = (self.at.span_of)(&volume_at);
            diags.push(messages::unknown_volume(span, volume, &declared));
        }
        if let Some(problem) = sub_path.as_deref().and_then(sub_path_problem) {
            let span = (self.at.span_of)(&format!("{pointer}/sub_path"));
            diags.push(messages::bad_sub_path(
                span,
                sub_path.as_deref().unwrap_or_default(),
                &problem,
            ));
        }
        Mount {
            path: path.to_string(),
            volume: volume.clone(),
            sub_path,
            read_only,
        }
    }

    /// Why `path` cannot be mounted beside the files and the container's earlier
    /// mounts, or `None`. One mount inside another would hide what the outer one
    /// holds there, whichever the runtime mounts first.
    fn path_clash(&self, path: &str, earlier: &[Mount]) -> Option<String> {
        if let Some(problem) = path_problem(path) {
            return Some(problem);
        }
        let overlap = |a: &str, b: &str| a == b || inside(a, b) || inside(b, a);
        if let Some(f) = self.files.iter().find(|f| overlap(&f.path, path)) {
            return Some(format!(
                "it and the file `{}` lie inside one another",
                f.path
            ));
        }
        earlier
            .iter()
            .find(|m| overlap(&m.path, path))
            .map(|m| format!("it and the mount at `{}` lie inside one another", m.path))
    }
}

/// Whether `b` lies below the folder `a`.
fn inside(a: &str, b: &str) -> bool {
    b.starts_with(a) && b[a.len()..].starts_with('/')
}

/// Why a `sub_path` cannot be used, or `None`: Kubernetes refuses an absolute one and
/// one with `..`; an empty or `.` part names nothing.
fn sub_path_problem(sub_path: &str) -> Option<String> {
    if sub_path.starts_with('/') {
        Some("is absolute; it is a path inside the volume".into())
    } else if sub_path
        .split('/')
        .any(|p| p.is_empty() || p == "." || p == "..")
    {
        Some("has an empty, `.` or `..` part".into())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_paths_are_plain_relative_paths() {
        assert_eq!(sub_path_problem("rates"), None);
        assert_eq!(sub_path_problem("cache/v2"), None);
        assert!(sub_path_problem("/rates").is_some());
        assert!(sub_path_problem("../etc").is_some());
        assert!(sub_path_problem("a//b").is_some());
        assert!(sub_path_problem("./a").is_some());
    }

    #[test]
    fn a_path_is_inside_a_folder_only_below_a_slash() {
        assert!(inside("/var/cache", "/var/cache/app"));
        assert!(!inside("/var/cache", "/var/cache2"));
        assert!(!inside("/var/cache", "/var/cache"));
    }
}
