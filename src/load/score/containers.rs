//! `containers`: the main container and its sidecars.
//!
//! The main container is the first in the file, or the one the
//! `pave.dev/main-container` annotation names; the others become `sidecars`. pave
//! mounts files and runs probes on the main container only, and sizes come from the
//! platform's size classes, so requests and limits must be exactly one size. Every
//! container mounts `volume` resources with `volumes`.

use serde_json::Value;

use super::metadata::MAIN_CONTAINER;
use super::{ANNOTATION_PREFIX, ExpandedSource, Mapped, Mapper};
use crate::document::pointer_push;
use crate::load::messages;

/// The mode pave's ConfigMap volume gives mounted files (Kubernetes' default).
const FILE_MODES: &[&str] = &["0644", "644"];

impl Mapper<'_> {
    pub(super) fn map_containers(&mut self) {
        let names = self.keys("/containers");
        let main = self.main_container(&names);
        for name in &names {
            let at = pointer_push("/containers", name);
            match Some(name) == main.as_ref() {
                true => self.main(&at),
                false => self.sidecar(name, &at),
            }
        }
    }

    fn main_container(&mut self, names: &[String]) -> Option<String> {
        let key = format!("{ANNOTATION_PREFIX}{MAIN_CONTAINER}");
        let at = pointer_push("/metadata/annotations", &key);
        let Some(named) = self.get(&at).and_then(Value::as_str) else {
            return names.first().cloned();
        };
        if names.iter().any(|n| n == named) {
            return Some(named.to_string());
        }
        let d = messages::score_no_such_container(self.span(&at), named, names);
        self.diags.push(d);
        names.first().cloned()
    }

    fn main(&mut self, at: &str) {
        self.image_and_command(at, "");
        if let Some(size) = self.size(at) {
            self.set("/size", Value::String(size), &pointer_push(at, "resources"));
        }
        self.files(at);
        self.mounts(at, "");
        let before = pointer_push(at, "before");
        if self.get(&before).is_some() {
            self.refuse(
                &before,
                "pave has no container start ordering in Score files",
            );
        }
        for (score, pave) in [
            ("livenessProbe", "liveness"),
            ("readinessProbe", "readiness"),
        ] {
            let probe = pointer_push(at, score);
            if self.get(&probe).is_some() {
                self.probe(&probe, &pointer_push("/health", pave));
                self.origin("/health", &probe);
            }
        }
    }

    fn sidecar(&mut self, name: &str, at: &str) {
        let base = pointer_push("/sidecars", name);
        self.origin(&base, at);
        self.image_and_command(at, &base);
        if let Some(size) = self.size(at) {
            self.set(
                &pointer_push(&base, "size"),
                Value::String(size),
                &pointer_push(at, "resources"),
            );
        }
        self.mounts(at, &base);
        let why = "pave mounts files and runs probes on the main container only (the first, or `pave.dev/main-container`)";
        for field in ["files", "livenessProbe", "readinessProbe", "before"] {
            let f = pointer_push(at, field);
            if self.get(&f).is_some() {
                self.refuse(&f, why);
            }
        }
    }

    /// `image`, `command`, `args` and `variables` → `image`, `command`, `args`, `env`
    /// under `base` (`""` for the main container).
    fn image_and_command(&mut self, at: &str, base: &str) {
        let image = pointer_push(at, "image");
        match self.get(&image).and_then(Value::as_str) {
            Some(".") => self.refuse(&image, "pave deploys an image reference; `.` (the image built by Score tooling) has none — write `name:tag` or `name@sha256:…`"),
            _ => self.copy(&format!("{base}/image"), &image),
        }
        for field in ["command", "args"] {
            let from = pointer_push(at, field);
            let Some(items) = self.get(&from).and_then(Value::as_array) else {
                continue;
            };
            let to = format!("{base}/{field}");
            self.set(&to, Value::Array(Vec::new()), &from);
            for i in 0..items.len() {
                let item = pointer_push(&from, &i.to_string());
                let text = self.text(&item, true);
                self.set(
                    &pointer_push(&to, &i.to_string()),
                    Value::String(text),
                    &item,
                );
            }
        }
        let variables = pointer_push(at, "variables");
        for key in self.keys(&variables) {
            let from = pointer_push(&variables, &key);
            let text = self.text(&from, true);
            self.set(
                &pointer_push(&format!("{base}/env"), &key),
                Value::String(text),
                &from,
            );
        }
        if self.get(&variables).is_some() {
            self.origin(&format!("{base}/env"), &variables);
        }
    }

    /// `files` (map or deprecated list form) → `files`: `content` inline, `source` as
    /// `{ from: <repository path> }`.
    fn files(&mut self, at: &str) {
        let files = pointer_push(at, "files");
        let Some(entries) = self.targets(&files) else {
            return;
        };
        self.origin("/files", &files);
        for (target, from) in entries {
            self.file(&target, &from);
        }
    }

    /// The entries of a container's `files` or `volumes`: a map of target paths, or
    /// the deprecated list whose items name theirs in `target`. (target, Score pointer).
    fn targets(&self, pointer: &str) -> Option<Vec<(String, String)>> {
        match self.get(pointer)? {
            Value::Object(o) => Some(
                o.keys()
                    .map(|k| (k.clone(), pointer_push(pointer, k)))
                    .collect(),
            ),
            Value::Array(a) => Some(
                (0..a.len())
                    .map(|i| pointer_push(pointer, &i.to_string()))
                    .map(|p| {
                        let target = self
                            .get(&pointer_push(&p, "target"))
                            .and_then(Value::as_str);
                        (target.unwrap_or_default().to_string(), p)
                    })
                    .collect(),
            ),
            _ => None,
        }
    }

    /// `volumes` → `mounts` under `base` (`""` for the main container): `source:
    /// ${resources.<volume>}` → `volume`, `path` → `sub_path`, `readOnly` → `read_only`.
    fn mounts(&mut self, at: &str, base: &str) {
        let volumes = pointer_push(at, "volumes");
        let Some(entries) = self.targets(&volumes) else {
            return;
        };
        let mounts = format!("{base}/mounts");
        self.origin(&mounts, &volumes);
        for (target, from) in entries {
            let source = pointer_push(&from, "source");
            let Some(volume) = self.volume_source(&source) else {
                continue;
            };
            let to = pointer_push(&mounts, &target);
            self.set(&pointer_push(&to, "volume"), Value::String(volume), &source);
            self.origin(&to, &from);
            for (score, pave) in [("path", "sub_path"), ("readOnly", "read_only")] {
                let field = pointer_push(&from, score);
                if self.get(&field).is_some() {
                    self.copy(&pointer_push(&to, pave), &field);
                }
            }
        }
    }

    /// The volume resource a mount's `source` names (`${resources.<name>}`); anything
    /// else is reported at the `source`.
    fn volume_source(&mut self, source: &str) -> Option<String> {
        let written = self.get(source).and_then(Value::as_str).unwrap_or_default();
        let named = written
            .strip_prefix("${resources.")
            .and_then(|r| r.strip_suffix('}'))
            .filter(|n| !n.contains(['.', '$', '{', '}']));
        let problem = match named.map(|n| (n, self.resources.get(n))) {
            Some((n, Some(Mapped::Volume))) => return Some(n.to_string()),
            Some((n, Some(_))) => format!("names `{n}`, a resource that is not a `volume`"),
            Some((n, None)) => format!("names `{n}`, which is not a resource of the workload"),
            None => format!("`{written}` is not `${{resources.<name>}}`"),
        };
        let volumes: Vec<String> = self
            .resources
            .iter()
            .filter(|(_, m)| **m == Mapped::Volume)
            .map(|(n, _)| format!("`{n}`"))
            .collect();
        let d = messages::score_volume_source(self.span(source), &problem, &volumes);
        self.diags.push(d);
        None
    }

    fn file(&mut self, target: &str, from: &str) {
        let to = pointer_push("/files", target);
        let expand = self
            .get(&pointer_push(from, "noExpand"))
            .and_then(Value::as_bool)
            != Some(true);
        let mode = pointer_push(from, "mode");
        if let Some(m) = self.get(&mode).and_then(Value::as_str)
            && !FILE_MODES.contains(&m)
        {
            self.refuse(&mode, "pave mounts files read-only with mode 0644");
        }
        let binary = pointer_push(from, "binaryContent");
        if self.get(&binary).is_some() {
            self.refuse(
                &binary,
                "pave mounts text files from a ConfigMap; write the text as `content` or `source`",
            );
            return;
        }
        let content = pointer_push(from, "content");
        if self.get(&content).is_some() {
            let text = self.text(&content, expand);
            self.set(&to, Value::String(text), &content);
            return;
        }
        let source = pointer_push(from, "source");
        let Some(path) = self.get(&source).and_then(Value::as_str) else {
            return;
        };
        let repo_path = repository_path(self.folder, path);
        if repo_path.is_empty() {
            let d = messages::score_file_source_is_folder(self.span(&source), path);
            self.diags.push(d);
            return;
        }
        self.set(
            &pointer_push(&to, "from"),
            Value::String(repo_path.clone()),
            &source,
        );
        self.origin(&to, from);
        if expand {
            let at = self.span(&source);
            self.expanded.push(ExpandedSource {
                path: repo_path,
                at,
            });
        }
    }

    /// The platform size the container's `resources` name exactly, if it has any.
    fn size(&mut self, at: &str) -> Option<String> {
        let resources = pointer_push(at, "resources");
        self.get(&resources)?;
        let limit_cpu = format!("{resources}/limits/cpu");
        if self.get(&limit_cpu).is_some() {
            self.refuse(
                &limit_cpu,
                "pave sets no CPU limit (a size is a CPU request and a memory request and limit)",
            );
            return None;
        }
        let read = |p: &str| {
            self.get(&format!("{resources}/{p}"))
                .and_then(Value::as_str)
        };
        let (cpu, memory, limit) = (
            read("requests/cpu"),
            read("requests/memory"),
            read("limits/memory"),
        );
        let matching: Vec<&(String, String, String)> = self
            .cx
            .sizes
            .iter()
            .filter(|(_, c, m)| {
                cpu.is_none_or(|v| same_cpu(v, c))
                    && memory.is_none_or(|v| v == m)
                    && limit.is_none_or(|v| v == m)
            })
            .collect();
        match matching.as_slice() {
            [one] => Some(one.0.clone()),
            _ => {
                let span = self.key_span(&resources);
                let d = messages::score_no_size(span, &self.cx.sizes, matching.len() > 1);
                self.diags.push(d);
                None
            }
        }
    }
}

/// Whether two CPU quantities are equal (`0.25` and `250m`, `1` and `1000m`).
fn same_cpu(a: &str, b: &str) -> bool {
    millicores(a).is_some_and(|x| Some(x) == millicores(b))
}

fn millicores(q: &str) -> Option<u64> {
    if let Some(m) = q.strip_suffix('m') {
        return m.parse().ok();
    }
    let (whole, frac) = q.split_once('.').unwrap_or((q, ""));
    if frac.len() > 3 {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let frac: u64 = format!("{frac:0<3}").parse().ok()?;
    Some(whole * 1000 + frac)
}

/// A `source` path relative to the Score file's folder, as a repository path
/// (`config/app.conf` beside `services/` → `services/config/app.conf`; `../config/x` →
/// `config/x`). An absolute path or one that climbs out of the repository keeps its
/// `/` or `..` so that `files.from`'s own check (E0601) refuses it.
fn repository_path(folder: &str, source: &str) -> String {
    if source.starts_with('/') {
        return source.to_string();
    }
    let mut parts: Vec<&str> = folder.split('/').filter(|p| !p.is_empty()).collect();
    for part in source.split('/') {
        match part {
            "." | "" => {}
            ".." if !parts.is_empty() && parts.last() != Some(&"..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

#[cfg(test)]
pub(super) fn repository_path_for_tests(folder: &str, source: &str) -> String {
    repository_path(folder, source)
}

impl Mapper<'_> {
    /// A Score probe → a pave probe: `exec` (which the Score specification prefers
    /// when both are given) or `httpGet` on a path and port. pave probes plain HTTP
    /// on the pod's address without headers, so `scheme: HTTPS`, `host` and
    /// `httpHeaders` cannot be honoured.
    fn probe(&mut self, at: &str, pave: &str) {
        let exec = format!("{at}/exec/command");
        if self.get(&exec).is_some() {
            self.copy(&format!("{pave}/exec"), &exec);
            self.origin(pave, at);
            return;
        }
        let http = pointer_push(at, "httpGet");
        if self.get(&format!("{http}/scheme")).and_then(Value::as_str) == Some("HTTPS") {
            self.refuse(
                &format!("{http}/scheme"),
                "pave's HTTP probes use plain HTTP",
            );
        }
        if self.get(&format!("{http}/host")).is_some() {
            self.refuse(&format!("{http}/host"), "pave probes the pod's own address");
        }
        if self.get(&format!("{http}/httpHeaders")).is_some() {
            self.refuse(
                &format!("{http}/httpHeaders"),
                "pave's HTTP probes send no extra headers",
            );
        }
        let port = format!("{http}/port");
        match self.get(&port).and_then(Value::as_u64) == self.main_port {
            // On the main port, the short form: the same object a pave file's `/path` makes.
            true => self.copy(pave, &format!("{http}/path")),
            false => {
                self.copy(&format!("{pave}/http"), &format!("{http}/path"));
                self.copy(&format!("{pave}/port"), &port);
                self.origin(pave, at);
            }
        }
    }
}
