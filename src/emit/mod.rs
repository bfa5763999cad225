//! Emit: the only stage that reads or writes the committed output tree.
//!
//! `build` writes the tree atomically (every file is staged next to its target,
//! then renamed), records the manifest, and deletes only stale files the previous
//! manifest owns. `check` and `diff` compare the tree with disk without writing.
//! Nothing here knows what the files contain.

mod manifest;
mod plan;

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub use manifest::{Manifest, sha256_hex};
pub use plan::{Change, ChangeKind, Filter, Plan, plan};

use rayon::prelude::*;

use crate::diag::{Code, Diagnostic};

/// Writes the planned changes under `dir`. On a failure while staging, nothing is changed.
pub fn write(dir: &Path, plan: &Plan) -> Result<(), Box<Diagnostic>> {
    let io_error = |path: &str, e: io::Error| {
        Box::new(
            Diagnostic::error(Code::E0401, format!("cannot write `{path}`: {e}"))
                .in_file(path.to_string()),
        )
    };
    let writes: Vec<(&str, &[u8])> = plan
        .changes
        .iter()
        .filter_map(|c| c.new.as_deref().map(|n| (c.path.as_str(), n)))
        .chain(std::iter::once((
            plan.manifest_path.as_str(),
            plan.manifest_bytes.as_slice(),
        )))
        .collect();
    let folders: BTreeSet<PathBuf> = writes
        .iter()
        .filter_map(|(p, _)| dir.join(p).parent().map(Path::to_path_buf))
        .collect();
    for folder in &folders {
        fs::create_dir_all(folder).map_err(|e| io_error(&folder.to_string_lossy(), e))?;
    }
    // Stage every file next to its target first; only when all are staged are they
    // renamed into place, so a failure while staging changes nothing.
    let staged: Vec<Result<Staged, Unstaged>> = writes
        .par_iter()
        .map(|&(path, bytes)| {
            let target = dir.join(path);
            let temp = temp_path(&target);
            match fs::write(&temp, bytes) {
                Ok(()) => Ok((temp, target)),
                Err(e) => Err((temp, path, e)),
            }
        })
        .collect();
    if staged.iter().any(Result::is_err) {
        let mut first = None;
        for result in staged {
            match result {
                Ok((temp, _)) => {
                    let _ = fs::remove_file(temp);
                }
                Err((temp, path, e)) => {
                    let _ = fs::remove_file(temp);
                    first.get_or_insert((path, e));
                }
            }
        }
        let (path, e) = first.expect("an error was seen");
        return Err(io_error(path, e));
    }
    staged.par_iter().flatten().try_for_each(|(temp, target)| {
        fs::rename(temp, target).map_err(|e| io_error(&target.to_string_lossy(), e))
    })?;
    for change in plan.changes.iter().filter(|c| c.kind == ChangeKind::Stale) {
        let target = dir.join(&change.path);
        match fs::remove_file(&target) {
            Ok(()) => remove_empty_parents(dir, &target),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(&change.path, e)),
        }
    }
    Ok(())
}

/// A file written next to its target: (temporary path, target path).
type Staged = (PathBuf, PathBuf);

/// A file that could not be staged: (temporary path, output path, the error).
type Unstaged<'a> = (PathBuf, &'a str, io::Error);

fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.pave-tmp"))
}

/// Removes folders a pruned file leaves empty, up to (not including) `dir`.
fn remove_empty_parents(dir: &Path, file: &Path) {
    let mut current = file.parent();
    while let Some(folder) = current {
        if folder == dir || !folder.starts_with(dir) || fs::remove_dir(folder).is_err() {
            return;
        }
        current = folder.parent();
    }
}
