//! Files that inputs refer to: `files.<path>: { from: <path> }` in service files (and
//! their `environments.<env>` blocks) and in the platform's `defaults`.
//!
//! `from` is relative to the repository root, like `build.context`, and follows the
//! same path rules (no leading `/` or `~`, no `..`, plain characters). The file is
//! read here because only `load` reads inputs; resolve looks its text up by path.
//! Like the other inputs it is never reached through a symbolic link: every folder on
//! the path and the file itself are checked with `symlink_metadata`. It must be a
//! regular UTF-8 file of at most [`MAX_FILE_BYTES`] (a ConfigMap holds 1 MiB in all).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde_json::Value;

use super::{Document, messages, pointer_push};
use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, SourceMap, Span};

/// The largest file `from` may name: a ConfigMap's whole data is limited to 1 MiB.
pub(crate) const MAX_FILE_BYTES: u64 = 1 << 20;

/// Why a repository path is refused (for `build` paths and `from`), or `None` when
/// it is a plain relative path that stays inside the repository.
pub(crate) fn repo_path_problem(path: &str) -> Option<&'static str> {
    let plain = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | '+' | '@');
    if path.starts_with('/') || path.starts_with('~') || path.contains(':') {
        Some("is an absolute path")
    } else if path.split('/').any(|part| part == "..") {
        Some("leaves its folder through `..`")
    } else if !path.chars().all(plain) {
        Some("holds characters a CI shell would interpret")
    } else {
        None
    }
}

/// The `from` values of one document: (repository path, span of the value).
fn references(doc: &Document, prefixes: &[String]) -> Vec<(String, Span)> {
    let mut found = Vec::new();
    for prefix in prefixes {
        let files_at = format!("{prefix}/files");
        let Some(Value::Object(files)) = doc.value.pointer(&files_at) else {
            continue;
        };
        for (path, content) in files {
            if let Some(Value::String(from)) = content.get("from") {
                let pointer = pointer_push(&pointer_push(&files_at, path), "from");
                found.push((from.clone(), doc.span(&pointer)));
            }
        }
    }
    found
}

/// Where a document may write `files`: a service file's top level and each of its
/// environments, or the platform's `defaults`.
fn prefixes(doc: &Document, platform: bool) -> Vec<String> {
    if platform {
        return vec!["/defaults".into()];
    }
    let mut out = vec![String::new()];
    if let Some(Value::Object(envs)) = doc.value.get("environments") {
        out.extend(envs.keys().map(|e| pointer_push("/environments", e)));
    }
    out
}

/// Reads every file the documents refer to, once each, keyed by its path as written;
/// a refused reference is reported at its `from` value, each time it is written.
pub(crate) fn read_referenced(
    root: &Path,
    platform: Option<&Document>,
    services: &[Document],
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<String, FileId> {
    let docs = platform
        .map(|d| (d, true))
        .into_iter()
        .chain(services.iter().map(|d| (d, false)));
    let refs: Vec<(String, Span)> = docs
        .flat_map(|(d, p)| references(d, &prefixes(d, p)))
        .collect();
    let output = platform
        .and_then(|d| d.value.get("output"))
        .and_then(Value::as_str)
        .unwrap_or("generated");
    let mut read: BTreeMap<String, Result<FileId, Refusal>> = BTreeMap::new();
    for (path, span) in refs {
        let outcome = read
            .entry(path.clone())
            .or_insert_with(|| match in_output(&path, output) {
                true => Err(Refusal::InOutput),
                false => read_one(root, &path, sources),
            });
        if let Err(refusal) = outcome {
            let refused = refusal.at(span, &path);
            let score = super::score::is_score_file(&sources.file(span.file).name);
            diags.push(match score {
                true => in_score_terms(refused),
                false => refused,
            });
        }
    }
    read.into_iter()
        .filter_map(|(p, r)| r.ok().map(|f| (p, f)))
        .collect()
}

/// A Score file names the file as `source`, relative to the Score file: the help says
/// so (the path in the message is where that leads, from the repository root).
fn in_score_terms(mut d: Diagnostic) -> Diagnostic {
    let help = match d.code {
        Code::E0601 => {
            "a Score `source` is relative to the Score file and stays inside the repository, e.g. `../config/app.yaml` from `services/`, without `~` or a path past the repository root"
        }
        Code::E0602 => {
            "a Score `source` is relative to the Score file (its folder, `services/`); add the file or fix the path"
        }
        Code::E0603 => {
            "a Score `source` names one regular file, whose content becomes the mounted file"
        }
        _ => return d,
    };
    d.help = Some(help.to_string());
    d.notes
        .push("the path above is the `source` read from the repository root".to_string());
    d
}

/// Whether `path` is in what pave writes: the output folder, `.github`,
/// `atlantis.yaml` or `.gitlab-ci.yml`. A file read from there would change with
/// every build that embeds it, so the tree would never match its sources. Compared
/// without case, as a case-insensitive file system would.
fn in_output(path: &str, output: &str) -> bool {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let written = [output, ".github", "atlantis.yaml", ".gitlab-ci.yml"];
    written.iter().any(|root| {
        let root: Vec<&str> = root.split('/').collect();
        parts.len() >= root.len()
            && parts
                .iter()
                .zip(&root)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
    })
}

/// Why a referenced file was not read.
#[derive(Debug, Clone)]
enum Refusal {
    Path(&'static str),
    InOutput,
    Missing,
    Link(String),
    NotRegular(String),
    Unreadable(String),
    NotUtf8(usize),
    TooLarge(u64),
}

impl Refusal {
    fn at(&self, span: Span, path: &str) -> Diagnostic {
        match self {
            Refusal::Path(problem) => messages::from_path(span, path, problem),
            Refusal::InOutput => messages::from_output(span, path),
            Refusal::Missing => messages::from_missing(span, path),
            Refusal::Link(link) => messages::from_link(span, path, link),
            Refusal::NotRegular(what) => messages::from_not_regular(span, path, what),
            Refusal::Unreadable(error) => messages::from_unreadable(span, path, error),
            Refusal::NotUtf8(offset) => messages::from_not_utf8(span, path, *offset),
            Refusal::TooLarge(size) => messages::from_too_large(span, path, *size),
        }
    }
}

fn read_one(root: &Path, path: &str, sources: &mut SourceMap) -> Result<FileId, Refusal> {
    if let Some(problem) = repo_path_problem(path).or_else(|| empty_part(path)) {
        return Err(Refusal::Path(problem));
    }
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let mut at = root.to_path_buf();
    for (i, part) in parts.iter().enumerate() {
        at.push(part);
        let shown = parts[..=i].join("/");
        let meta = match fs::symlink_metadata(&at) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Refusal::Missing),
            Err(e) => return Err(Refusal::Unreadable(e.to_string())),
        };
        let last = i + 1 == parts.len();
        match meta.file_type() {
            t if t.is_symlink() => return Err(Refusal::Link(shown)),
            t if t.is_dir() && !last => {}
            t if t.is_file() && last && meta.len() > MAX_FILE_BYTES => {
                return Err(Refusal::TooLarge(meta.len()));
            }
            t if t.is_file() && last => {}
            t if t.is_dir() => return Err(Refusal::NotRegular("a folder".into())),
            _ if !last => return Err(Refusal::Missing),
            _ => return Err(Refusal::NotRegular("not a regular file".into())),
        }
    }
    let bytes = fs::read(&at).map_err(|e| Refusal::Unreadable(e.to_string()))?;
    // The size is checked again on what was read: the file may have grown meanwhile.
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Refusal::TooLarge(bytes.len() as u64));
    }
    let text =
        String::from_utf8(bytes).map_err(|e| Refusal::NotUtf8(e.utf8_error().valid_up_to()))?;
    Ok(sources.add(parts.join("/"), text))
}

/// A path with no file name in it (`""`, `.`, `a//b`, a trailing `/`).
fn empty_part(path: &str) -> Option<&'static str> {
    let parts: Vec<&str> = path.split('/').collect();
    let empty = parts.iter().any(|p| p.is_empty()) || parts.iter().all(|p| *p == ".");
    empty.then_some("is not a plain path to a file")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(sources: &mut SourceMap, name: &str, text: &str) -> Document {
        let file = sources.add(name.into(), text.into());
        super::super::parse_yaml(file, text).0.unwrap()
    }

    #[test]
    fn reads_from_services_their_environments_and_platform_defaults_once_each() {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir_all(root.path().join("config")).unwrap();
        for name in ["a", "b", "c"] {
            fs::write(root.path().join(format!("config/{name}.txt")), name).unwrap();
        }
        let mut sources = SourceMap::default();
        let platform = doc(
            &mut sources,
            "platform.yaml",
            "defaults:\n  files:\n    /etc/a: { from: config/a.txt }\n",
        );
        let service = doc(
            &mut sources,
            "services/api.yaml",
            "files:\n  /etc/b: { from: config/b.txt }\n  /etc/x: inline\nenvironments:\n  prod:\n    files:\n      /etc/c: { from: config/c.txt }\n      /etc/a: { from: config/a.txt }\n",
        );
        let mut diags = Vec::new();
        let read = read_referenced(
            root.path(),
            Some(&platform),
            &[service],
            &mut sources,
            &mut diags,
        );
        assert!(diags.is_empty(), "{diags:?}");
        let texts: Vec<(&str, &str)> = read
            .iter()
            .map(|(p, f)| (p.as_str(), sources.file(*f).text.as_str()))
            .collect();
        assert_eq!(
            texts,
            [
                ("config/a.txt", "a"),
                ("config/b.txt", "b"),
                ("config/c.txt", "c")
            ]
        );
    }

    #[test]
    fn refuses_a_file_over_the_cap_and_reports_each_reference() {
        let root = tempfile::tempdir().unwrap();
        let big = vec![b'x'; MAX_FILE_BYTES as usize + 1];
        fs::write(root.path().join("big.txt"), big).unwrap();
        fs::write(
            root.path().join("exact.txt"),
            vec![b'x'; MAX_FILE_BYTES as usize],
        )
        .unwrap();
        let mut sources = SourceMap::default();
        let service = doc(
            &mut sources,
            "services/api.yaml",
            "files:\n  /etc/a: { from: big.txt }\n  /etc/b: { from: big.txt }\n  /etc/c: { from: exact.txt }\n  /etc/d: { from: ./ }\n",
        );
        let mut diags = Vec::new();
        let read = read_referenced(root.path(), None, &[service], &mut sources, &mut diags);
        let codes: Vec<Code> = diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, [Code::E0605, Code::E0605, Code::E0601]);
        assert_eq!(read.keys().collect::<Vec<_>>(), ["exact.txt"]);
    }
}
