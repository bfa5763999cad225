//! Emit: the only stage that reads or writes the committed output tree.
//!
//! `build` switches the tree from old to new with a recoverable protocol: stage every
//! file (create-new, no-follow), write the journal, rename, delete stale files, write
//! the manifest last, remove the journal. An interrupted build is finished by the next
//! one ([`recover`]); `check` and `diff` refuse a tree with a journal. No symlink inside
//! the output roots is ever followed (`safe_fs`). Nothing here knows what files contain.

mod blast;
mod compare;
mod fault;
mod journal;
mod lock;
mod manifest;
mod messages;
mod plan;
mod safe_fs;

use std::collections::BTreeSet;
use std::path::Path;

pub(crate) use blast::{assess, unknown_flags};
pub(crate) use compare::{Comparer, ReadAhead, Use};
pub(crate) use lock::{Lock, lock};
pub(crate) use manifest::owned_hashes;
pub(crate) use messages::tree_folder_not_made;
pub(crate) use plan::{ChangeKind, Filter, Plan, plan};

use rayon::prelude::*;

use crate::diag::{Code, Diagnostic};
use crate::output::Layout;
use journal::Journal;
use messages::{bad_journal, interrupted_by, refusal};
use safe_fs::Refusal;

/// Writes the planned changes under `dir`. A failure before the journal is written
/// changes nothing (temporary files, shadows and the folders created for them are
/// removed); a failure after it leaves the journal, and the next `build` finishes the
/// switch.
pub(crate) fn write(dir: &Path, plan: &Plan) -> Result<(), Diagnostic> {
    if plan.is_clean() {
        return Ok(());
    }
    let staging = plan.comparer.staging.as_ref();
    let shadowed = |path: &str| staging.is_some_and(|s| s.is_shadowed(path));
    let journal = Journal {
        pave: env!("CARGO_PKG_VERSION").to_string(),
        roots: staging.map(|s| s.shadowed_roots()).unwrap_or_default(),
        writes: plan
            .changes
            .iter()
            .filter(|c| c.writes() && !shadowed(&c.path))
            .map(|c| c.path.clone())
            .collect(),
        stale: plan
            .changes
            .iter()
            .filter(|c| c.kind == ChangeKind::Stale)
            .map(|c| c.path.clone())
            .collect(),
        manifest: plan.manifest_path.clone(),
        manifest_bytes: None,
    };
    let mut created = staging.map(|s| s.created()).unwrap_or_default();
    if let Err(r) = prepare(dir, plan, &journal, &mut created) {
        for path in &journal.writes {
            safe_fs::unstage(dir, path);
        }
        safe_fs::unstage(dir, &journal::path(&plan.layout));
        safe_fs::unstage(dir, &plan.manifest_path);
        // The shadows (with a journal written into one) go with the staging.
        safe_fs::remove_created(dir, &created);
        return Err(refusal(r));
    }
    // The journal is written: the next build finishes the switch from here.
    if let Some(staging) = staging {
        staging.keep();
    }
    switch(dir, &journal, &plan.layout).map_err(interrupted_by)
}

/// Creates folders, stages every file not staged while rendering and commits the
/// journal: renamed into place, or, when the output folder is staged whole, written
/// into its shadow, which is then renamed into place.
fn prepare(
    dir: &Path,
    plan: &Plan,
    journal: &Journal,
    created: &mut Vec<String>,
) -> Result<(), Refusal> {
    let journal_path = journal::path(&plan.layout);
    let output = &plan.layout.output;
    let journal_in_shadow = journal.roots.contains(output);
    let unstaged = plan.changes.iter().filter(|c| c.new.is_some());
    let folders: BTreeSet<&str> = unstaged
        .map(|c| &c.path)
        .chain((!journal_in_shadow).then_some(&journal_path))
        .filter_map(|p| p.rsplit_once('/').map(|(folder, _)| folder))
        .collect();
    for folder in folders {
        safe_fs::create_folders(dir, folder, created)?;
    }
    let bytes: Vec<(&str, &[u8])> = plan
        .changes
        .iter()
        .filter_map(|c| c.new.as_deref().map(|n| (c.path.as_str(), n)))
        .collect();
    bytes
        .par_iter()
        .map(|&(path, new)| safe_fs::stage(dir, path, new))
        .collect::<Vec<_>>()
        .into_iter()
        .collect::<Result<Vec<()>, Refusal>>()?;
    // The new manifest, staged beside where it goes (in the output folder's shadow
    // when that is staged whole); the switch renames it into place last.
    let manifest_temp = safe_fs::temp_of(&plan.manifest_path);
    let manifest_at = match journal_in_shadow {
        true => in_shadow_of(output, &manifest_temp),
        false => manifest_temp,
    };
    safe_fs::write_new(dir, &manifest_at, &plan.manifest_path, &plan.manifest_bytes)?;
    if journal_in_shadow {
        let in_shadow = format!("{}/{}", safe_fs::temp_of(output), journal::FILE_NAME);
        safe_fs::write_new(dir, &in_shadow, &journal_path, &journal.to_bytes())?;
        return safe_fs::commit_root(dir, output).map(drop);
    }
    safe_fs::stage(dir, &journal_path, &journal.to_bytes())?;
    safe_fs::commit(dir, &journal_path).map(drop)
}

/// Renames the roots staged whole and the staged files, deletes stale files, writes
/// the manifest, removes the journal. Idempotent, so it also finishes an interrupted
/// build.
fn switch(dir: &Path, journal: &Journal, layout: &Layout) -> Result<(), Refusal> {
    for root in &journal.roots {
        safe_fs::commit_root(dir, root)?;
    }
    safe_fs::commit_all(dir, &journal.writes)?;
    for path in &journal.stale {
        let root = layout
            .roots()
            .iter()
            .find(|r| path.starts_with(&format!("{r}/")))
            .map_or("", String::as_str);
        safe_fs::delete(dir, path, root)?;
    }
    if let Some(bytes) = &journal.manifest_bytes {
        safe_fs::stage(dir, &journal.manifest, bytes.as_bytes())?;
    }
    safe_fs::commit(dir, &journal.manifest)?;
    let journal_path = journal::path(layout);
    std::fs::remove_file(dir.join(&journal_path)).map_err(|e| Refusal::Io(journal_path, e))
}

/// Where `path`, a path inside the output folder `output`, is staged while the
/// folder is staged whole in its shadow.
fn in_shadow_of(output: &str, path: &str) -> String {
    let inside = path
        .strip_prefix(output)
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(path);
    format!("{}/{inside}", safe_fs::temp_of(output))
}

/// What `build` found and did before planning.
#[derive(Debug, Default)]
pub(crate) struct Recovery {
    /// An interrupted build was finished from its journal.
    pub(crate) finished: bool,
    /// Leftover temporary files removed.
    pub(crate) temps_removed: usize,
}

/// Finishes an interrupted build from its journal, then removes leftover temporary
/// files. `build` calls this, under the lock, before it plans anything.
pub(crate) fn recover(dir: &Path, layout: &Layout) -> Result<Recovery, Diagnostic> {
    let journal_path = journal::path(layout);
    let mut recovery = Recovery::default();
    if let Some(bytes) = safe_fs::read(dir, &journal_path).map_err(refusal)? {
        let journal = Journal::parse(&bytes)
            .ok_or_else(|| bad_journal(&journal_path, "it cannot be read"))?;
        if let Some(path) = journal.invalid_path(dir, layout) {
            let why = format!("it names `{path}`, which pave may not touch");
            return Err(bad_journal(&journal_path, &why));
        }
        switch(dir, &journal, layout).map_err(interrupted_by)?;
        recovery.finished = true;
    }
    recovery.temps_removed = safe_fs::sweep_temps(dir, layout.roots()).len();
    Ok(recovery)
}

/// `check` and `diff`: the diagnostic for a tree an interrupted build left behind.
pub(crate) fn interrupted(dir: &Path, layout: &Layout) -> Option<Diagnostic> {
    let path = journal::path(layout);
    journal::exists(dir, layout).then(|| {
        Diagnostic::error(
            Code::E0407,
            format!("a build was interrupted: `{path}` is still there, so the tree is part old, part new"),
        )
        .in_file(path)
        .help("run `pave build`: it finishes the interrupted build first")
    })
}
