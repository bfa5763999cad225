//! Fuzzing entry points, shared by the `cargo fuzz` targets in `fuzz/` and the corpus
//! replay test (`tests/it/fuzz_corpus.rs`), so CI replays the corpus through exactly
//! the code the fuzzers ran.
//!
//! Every entry point takes arbitrary bytes and must return without panicking, aborting
//! or hanging; anything else is a bug in pave, not in the harness.

use std::fs;
use std::io;
use std::path::Path;

use crate::diag::{self, Diagnostic, Format};
use crate::policy::{self, Date};
use crate::schema::Kind;
use crate::source::SourceMap;

/// The fuzz targets, by name: the folder names under `fuzz/corpus/` and the binaries in `fuzz/`.
pub const TARGETS: [&str; 3] = ["yaml_load", "kdl_load", "compile"];

/// Runs the target named `target` on `data`; `scratch` is a folder the `compile`
/// target may fill and empty (only its `repo/` sub-folder is touched).
/// Returns `false` for an unknown target name.
pub fn run(target: &str, data: &[u8], scratch: &Path) -> bool {
    match target {
        "yaml_load" => yaml_load(data),
        "kdl_load" => kdl_load(data),
        "compile" => compile_repo(scratch, data),
        _ => return false,
    }
    true
}

/// The stack of a rayon worker (std's default for spawned threads), where `load` parses
/// service files: a loader run on the main thread's larger stack would hide overflows.
const WORKER_STACK: usize = 2 * 1024 * 1024;

/// Runs `f` on a thread with a worker's stack; a panic in it is re-raised here.
fn on_worker_stack(f: impl FnOnce() + Send) {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .stack_size(WORKER_STACK)
            .spawn_scoped(scope, f);
        match worker.map(|w| w.join()) {
            Ok(Ok(())) => {}
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            // No thread means no test: the harness, not pave, is broken.
            Err(e) => panic!("fuzz harness: cannot spawn a worker thread: {e}"),
        }
    });
}

/// Bytes -> the YAML loader, then its diagnostics through every renderer.
pub fn yaml_load(data: &[u8]) {
    on_worker_stack(|| yaml_load_here(data));
}

fn yaml_load_here(data: &[u8]) {
    // The loader only ever sees UTF-8: `load` reports other bytes before parsing.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut sources = SourceMap::default();
    let file = sources.add("fuzz.yaml".into(), text.to_string());
    let (_, diags) = crate::load::parse_yaml(file, text);
    render_all(&diags, &sources);
}

/// The kinds KDL is loaded as: the kind decides where a single argument becomes a list.
const KDL_KINDS: [(Kind, &str); 4] = [
    (Kind::Platform, "platform.kdl"),
    (Kind::Service, "services/fuzz.kdl"),
    (Kind::Policy, "policies/fuzz.kdl"),
    (Kind::Module, "modules/fuzz/module.kdl"),
];

/// Bytes -> the KDL loader as every kind of input file, then the diagnostics rendered.
pub fn kdl_load(data: &[u8]) {
    on_worker_stack(|| kdl_load_here(data));
}

fn kdl_load_here(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for (kind, name) in KDL_KINDS {
        let mut sources = SourceMap::default();
        let file = sources.add(name.into(), text.to_string());
        let (_, diags) = crate::load::parse_kdl(file, text, kind);
        render_all(&diags, &sources);
    }
}

/// Every diagnostic format: the renderers have crashed on odd spans before.
fn render_all(diags: &[Diagnostic], sources: &SourceMap) {
    for format in [Format::Human, Format::Json, Format::Github, Format::Sarif] {
        let _ = diag::render(diags, sources, format, false);
    }
}

/// The valid repository the `compile` target's input is laid over.
const BASE: [(&str, &str); 2] = [
    (
        "platform.yaml",
        include_str!("../tests/diagnostics/_base/platform.yaml"),
    ),
    (
        "services/web.yaml",
        include_str!("../tests/diagnostics/_base/services/web.yaml"),
    ),
];

/// At most this many sections are honoured, so one input stays a small repository.
const MAX_SECTIONS: usize = 12;

/// A file of the fuzzed repository: a relative path and its bytes, or a base file to drop.
#[derive(Debug, PartialEq, Eq)]
pub enum Section<'a> {
    Write(String, &'a [u8]),
    Remove(String),
}

/// Splits a `compile` input into files. Without a header line the whole input is
/// `services/api.yaml`. Otherwise each line `=== <path>` starts a file that runs to the
/// next header; `=== -<path>` drops that base file. Paths outside the input layout
/// (see [`valid_path`]) are skipped, so a run never writes outside its scratch folder.
pub fn split_repo(data: &[u8]) -> Vec<Section<'_>> {
    if !data.starts_with(b"=== ") {
        return vec![Section::Write("services/api.yaml".into(), data)];
    }
    let mut sections = Vec::new();
    let mut rest = data;
    while let Some(after) = rest.strip_prefix(b"=== ") {
        let header_end = after
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(after.len());
        let header = String::from_utf8_lossy(&after[..header_end])
            .trim()
            .to_string();
        // Searching from the header's newline finds a header on the very next line too.
        let tail = &after[header_end..];
        let next = find(tail, b"\n=== ").map_or(tail.len(), |i| i + 1);
        let body = tail.get(1..next).unwrap_or_default();
        sections.extend(section(header, body));
        rest = &tail[next..];
    }
    sections.truncate(MAX_SECTIONS);
    sections
}

fn section(header: String, body: &[u8]) -> Option<Section<'_>> {
    match header.strip_prefix('-') {
        Some(path) => valid_path(path).then(|| Section::Remove(path.to_string())),
        None => valid_path(&header).then_some(Section::Write(header, body)),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The paths pave reads: `platform.<ext>`, `services/<stem>.<ext>`,
/// `policies/<stem>.<ext>` and `modules/<stem>/module.<ext>`, with plain names only.
pub fn valid_path(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [file] => file
            .split_once('.')
            .is_some_and(|(s, e)| s == "platform" && plain(e)),
        [dir, file] if matches!(*dir, "services" | "policies") => file_name(file),
        ["modules", dir, file] => {
            plain(dir)
                && file
                    .split_once('.')
                    .is_some_and(|(s, e)| s == "module" && plain(e))
        }
        _ => false,
    }
}

fn file_name(file: &str) -> bool {
    file.rsplit_once('.')
        .is_some_and(|(stem, ext)| plain(stem) && plain(ext))
}

/// A non-empty name of letters, digits, `-` and `_`: no dot-file, no `..`, no separator.
fn plain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 40
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Writes the base repository with the input's files laid over it into `scratch/repo`,
/// compiles it with `build`'s policy options, and renders the diagnostics.
pub fn compile_repo(scratch: &Path, data: &[u8]) {
    let root = scratch.join("repo");
    // A harness that cannot write its scratch folder cannot test anything: say so loudly.
    if let Err(e) = write_repo(&root, &split_repo(data)) {
        panic!("fuzz harness: cannot prepare {}: {e}", root.display());
    }
    let options = policy::Options {
        // A fixed day keeps a run reproducible: exception expiry depends on it.
        today: Date::parse("2026-11-22").unwrap_or(Date::from_days(0)),
        expiring_within: None,
    };
    let compilation = crate::compile(&root, options);
    render_all(&compilation.diagnostics, &compilation.sources);
    // Leave nothing behind: fuzzing runs many short-lived processes, each with its own folder.
    let _ = fs::remove_dir_all(&root);
}

fn write_repo(root: &Path, sections: &[Section<'_>]) -> io::Result<()> {
    if root.exists() {
        fs::remove_dir_all(root)?;
    }
    fs::create_dir_all(root)?;
    for (path, text) in BASE {
        write(root, path, text.as_bytes())?;
    }
    for section in sections {
        match section {
            Section::Write(path, bytes) => write(root, path, bytes)?,
            Section::Remove(path) => match fs::remove_file(root.join(path)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            },
        }
    }
    Ok(())
}

fn write(root: &Path, path: &str, bytes: &[u8]) -> io::Result<()> {
    let path = root.join(path);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_without_header_is_the_api_service() {
        assert_eq!(
            split_repo(b"name: api\n"),
            vec![Section::Write("services/api.yaml".into(), b"name: api\n")]
        );
    }

    #[test]
    fn headers_split_files_and_drop_base_files() {
        let input =
            b"=== platform.kdl\nplatform \"x\"\n=== -platform.yaml\n=== services/a.kdl\nname \"a\"";
        assert_eq!(
            split_repo(input),
            vec![
                Section::Write("platform.kdl".into(), b"platform \"x\"\n"),
                Section::Remove("platform.yaml".into()),
                Section::Write("services/a.kdl".into(), b"name \"a\""),
            ]
        );
    }

    #[test]
    fn paths_outside_the_layout_are_skipped() {
        for bad in [
            "../x.yaml",
            "services/../../x.yaml",
            "services/.hidden.yaml",
            "/etc/passwd",
            "generated/x.yaml",
            "modules/a/b/module.yaml",
            "services/a",
        ] {
            assert!(!valid_path(bad), "{bad}");
        }
        for good in [
            "platform.yml",
            "services/api.YAML",
            "policies/p.kdl",
            "modules/cache/module.yaml",
        ] {
            assert!(valid_path(good), "{good}");
        }
    }
}
