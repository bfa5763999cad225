//! Finding the input files of a repository.
//!
//! Every entry under `services/`, `policies/` and `modules/` is either read or named
//! in a diagnostic: a skipped service would have its generated files pruned and a
//! skipped policy pack would simply not be enforced. The rules:
//! - symbolic links are refused (E0111): a link can point outside the repository,
//!   and pave's inputs are the files a review sees;
//! - input files end in `.yaml`, `.yml` or `.kdl`, lowercase; any other file is an
//!   error (E0112), except documentation (`*.md`) and hidden entries (`.gitkeep`);
//! - one input has one file: `platform.yaml` beside `platform.kdl` is an error (E0113).

use std::fs;
use std::path::{Path, PathBuf};

use super::{messages, relative_name};
use crate::diag::Diagnostic;

const EXTENSIONS: [&str; 3] = ["yaml", "yml", "kdl"];

/// The platform file, when there is exactly one and it is a regular file.
pub(super) fn platform_file(root: &Path, diags: &mut Vec<Diagnostic>) -> Option<PathBuf> {
    one_of(root, root, "platform", diags)
}

/// The platform file names present in `root` (`platform.yaml`, `.yml`, `.kdl`),
/// whatever is at them.
pub(super) fn platform_file_names(root: &Path) -> impl Iterator<Item = PathBuf> {
    EXTENSIONS
        .iter()
        .map(move |e| root.join(format!("platform.{e}")))
        .filter(|p| kind_of(p).is_some())
}

/// The input files directly in `root/<folder>` (`services`, `policies`), by name.
pub(super) fn folder_files(root: &Path, folder: &str, diags: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for (path, kind) in entries(root, &root.join(folder), diags) {
        match kind {
            Kind::File if is_input(&path) => files.push(path),
            Kind::File => not_input(root, &path, folder, diags),
            Kind::Dir => diags.push(messages::folder_not_read(
                relative_name(root, &path),
                folder,
            )),
            Kind::Other => other(root, &path, diags),
        }
    }
    files
}

/// The module file of each folder in `root/modules`, in folder order.
pub(super) fn module_files(root: &Path, diags: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for (path, kind) in entries(root, &root.join("modules"), diags) {
        match kind {
            Kind::Dir => files.extend(one_of(root, &path, "module", diags)),
            Kind::File if is_doc(&path) => {}
            Kind::File => diags.push(messages::file_in_modules(relative_name(root, &path))),
            Kind::Other => other(root, &path, diags),
        }
    }
    files
}

/// The one `<stem>.yaml|yml|kdl` in `dir`; for a module folder, also the check that
/// nothing else is in it.
fn one_of(root: &Path, dir: &Path, stem: &str, diags: &mut Vec<Diagnostic>) -> Option<PathBuf> {
    let is_module = stem == "module";
    let mut found: Vec<PathBuf> = Vec::new();
    let listed: Vec<(PathBuf, Kind)> = match is_module {
        true => entries(root, dir, diags),
        false => EXTENSIONS
            .iter()
            .map(|e| dir.join(format!("{stem}.{e}")))
            .filter_map(|p| kind_of(&p).map(|k| (p, k)))
            .collect(),
    };
    // Stray files are reported only beside a module file: without one, the folder
    // itself is the mistake.
    let mut stray = Vec::new();
    for (path, kind) in listed {
        let named = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| EXTENSIONS.iter().any(|e| n == format!("{stem}.{e}")));
        match kind {
            Kind::File if named => found.push(path),
            Kind::Other => other(root, &path, diags),
            Kind::File if is_doc(&path) => {}
            _ => not_input(root, &path, &relative_name(root, dir), &mut stray),
        }
    }
    if !found.is_empty() {
        diags.append(&mut stray);
    }
    match found.as_slice() {
        [] if is_module => {
            diags.push(messages::module_folder_without_module(relative_name(
                root, dir,
            )));
            None
        }
        [one] => Some(one.clone()),
        [first, rest @ ..] if !rest.is_empty() => {
            let names: Vec<String> = found
                .iter()
                .map(|p| format!("`{}`", relative_name(root, p)))
                .collect();
            diags.push(messages::several_files(&names, relative_name(root, first)));
            None
        }
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    /// A symbolic link (never followed) or a special file.
    Other,
}

/// What is at `path`, without following a symbolic link; `None` when nothing is.
fn kind_of(path: &Path) -> Option<Kind> {
    let meta = fs::symlink_metadata(path).ok()?;
    Some(match meta.file_type() {
        t if t.is_file() => Kind::File,
        t if t.is_dir() => Kind::Dir,
        _ => Kind::Other,
    })
}

/// The entries of `dir` by name, hidden ones left out. A missing folder is empty; a
/// folder that is a symlink, or cannot be listed, is reported.
fn entries(root: &Path, dir: &Path, diags: &mut Vec<Diagnostic>) -> Vec<(PathBuf, Kind)> {
    match kind_of(dir) {
        None => return Vec::new(),
        Some(Kind::Dir) => {}
        Some(_) => {
            other(root, dir, diags);
            return Vec::new();
        }
    }
    let listing = match fs::read_dir(dir) {
        Ok(l) => l,
        Err(e) => {
            let name = relative_name(root, dir);
            diags.push(messages::cannot_read_folder(name, &e));
            return Vec::new();
        }
    };
    let mut found: Vec<(PathBuf, Kind)> = listing
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .filter_map(|p| kind_of(&p).map(|k| (p, k)))
        .collect();
    found.sort_by(|a, b| a.0.file_name().cmp(&b.0.file_name()));
    found
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn is_input(path: &Path) -> bool {
    EXTENSIONS.contains(&extension(path).as_str())
}

/// Documentation beside inputs (`README.md`) is neither read nor an error.
fn is_doc(path: &Path) -> bool {
    extension(path).eq_ignore_ascii_case("md")
}

/// A file in an input folder that is not an input file (documentation aside).
fn not_input(root: &Path, path: &Path, folder: &str, diags: &mut Vec<Diagnostic>) {
    if is_doc(path) {
        return;
    }
    let name = relative_name(root, path);
    let ext = extension(path);
    let lower = ext.to_ascii_lowercase();
    let diag = match EXTENSIONS.contains(&lower.as_str()) && ext != lower {
        true => {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            messages::extension_not_lowercase(name, &stem, &lower)
        }
        false => messages::not_input_file(name, &place(folder)),
    };
    diags.push(diag);
}

fn place(folder: &str) -> String {
    match folder {
        "" => "the repository root".to_string(),
        f => format!("`{f}/`"),
    }
}

/// A symbolic link (or a special file) where an input is expected.
fn other(root: &Path, path: &Path, diags: &mut Vec<Diagnostic>) {
    let name = relative_name(root, path);
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let diag = match is_link {
        true => messages::symbolic_link(name),
        false => messages::not_regular(name),
    };
    diags.push(diag);
}
