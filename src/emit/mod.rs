//! Emit: the only stage that reads or writes the committed output tree.
//!
//! `build` writes the tree atomically (every file is staged next to its target,
//! then renamed), records the manifest, and deletes only stale files the previous
//! manifest owns. `check` and `diff` compare the tree with disk without writing.
//! Nothing here knows what the files contain.

mod manifest;
mod plan;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub use manifest::{Manifest, sha256_hex};
pub use plan::{Change, ChangeKind, Filter, Plan, plan};

use crate::diag::{Code, Diagnostic};

/// Writes the planned changes under `dir`. On a failure while staging, nothing is changed.
pub fn write(dir: &Path, plan: &Plan) -> Result<(), Box<Diagnostic>> {
    let io_error = |path: &str, e: io::Error| {
        Box::new(
            Diagnostic::error(Code::E0401, format!("cannot write `{path}`: {e}"))
                .in_file(path.to_string()),
        )
    };
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let writes = plan
        .changes
        .iter()
        .filter_map(|c| c.new.as_ref().map(|n| (c.path.as_str(), n)));
    let writes = writes.chain(std::iter::once((
        plan.manifest_path.as_str(),
        &plan.manifest_bytes,
    )));
    for (path, bytes) in writes {
        let target = dir.join(path);
        let temp = temp_path(&target);
        let result = target
            .parent()
            .map_or(Ok(()), fs::create_dir_all)
            .and_then(|_| fs::write(&temp, bytes));
        if let Err(e) = result {
            for (t, _) in &staged {
                let _ = fs::remove_file(t);
            }
            let _ = fs::remove_file(&temp);
            return Err(io_error(path, e));
        }
        staged.push((temp, target));
    }
    for (temp, target) in &staged {
        fs::rename(temp, target).map_err(|e| io_error(&target.to_string_lossy(), e))?;
    }
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
