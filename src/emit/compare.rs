//! Comparing each generated file with the tree on disk as soon as it is rendered.
//!
//! `build`, `check` and `diff` open a [`Comparer`] on the tree before rendering starts
//! (after the lock is taken and an interrupted build is finished). Each target's files
//! are settled as the target finishes: an unchanged file keeps only its hash, so the
//! bytes of a large tree are never all in memory at once. A `build` that writes also
//! stages each changed file at once, beside its destination (a hidden temporary file,
//! the same one [`super::write`] would create), or in the shadow of a root the tree
//! lacks (see [`Staging`]); nothing in the tree changes until the journal is written,
//! and a build that stops before that removes what it staged ([`Staging`]'s `Drop`).

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock};

use rayon::prelude::*;

use super::manifest::{self, Manifest};
use super::messages::{adopted, outside_roots, unowned};
use super::plan::{ChangeKind, Filter, is_safe};
use super::{refusal, safe_fs};
use crate::diag::{Code, Diagnostic};
use crate::digest::FileHash;
use crate::output::{Artifact, Layout, Scope};

/// How one generated file differs from disk, if it does.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub(crate) path: String,
    pub(crate) kind: ChangeKind,
    /// The bytes on disk, when the file exists and the command shows diffs.
    pub(crate) old: Option<Vec<u8>>,
    /// The bytes the sources produce, unless stale or already staged.
    pub(crate) new: Option<Vec<u8>>,
    /// The new bytes are already in the file's temporary file (a writing `build`).
    pub(crate) staged: bool,
}

impl Change {
    /// The change writes the file (anything but removing a stale one).
    pub(crate) fn writes(&self) -> bool {
        self.kind != ChangeKind::Stale
    }
}

/// What a command does with the files that differ from disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    /// `build`: write them (each is staged as soon as it is compared).
    Stage,
    /// `check` and `diff`: show them (both sides are kept for the diff).
    Diff,
    /// `build --dry-run`: count them.
    Count,
}

/// What is kept of one generated file once it is compared.
#[derive(Debug)]
pub(crate) struct Settled {
    pub(crate) scope: Scope,
    pub(crate) hash: FileHash,
    /// `Ok(None)`: the file on disk is already right. `Err`: a refusal (error) or an
    /// adoption (warning).
    pub(crate) outcome: Result<Option<Change>, Diagnostic>,
}

/// The tree on disk, opened for comparing: where it is, the manifest it holds, which
/// part of it the command looks at, and (for a writing `build`) where staged files are
/// recorded.
pub(crate) struct Comparer {
    dir: PathBuf,
    reader: safe_fs::Reader,
    pub(super) layout: Layout,
    pub(super) filter: Filter,
    pub(super) manifest_path: String,
    /// The hash of the manifest on disk, if there is one (to tell whether the new one
    /// differs without keeping the old bytes).
    pub(super) old_digest: Option<FileHash>,
    pub(super) old: Manifest,
    use_of_changes: Use,
    pub(crate) staging: Option<Staging>,
    /// The files compared so far, by path; rendering threads add to it.
    settled: Mutex<BTreeMap<String, Settled>>,
    /// Generated files outside the command's `--env`/`--service` filter: not compared,
    /// but not stale either.
    filtered_out: Mutex<BTreeSet<String>>,
    /// Of those, a narrowed build's files whose bytes differ from what the old
    /// manifest records (or that it does not record): parts of the tree this build
    /// leaves behind the sources.
    pending_outside: Mutex<BTreeMap<String, Scope>>,
}

impl std::fmt::Debug for Comparer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Comparer")
            .field("dir", &self.dir)
            .field("use_of_changes", &self.use_of_changes)
            .finish_non_exhaustive()
    }
}

impl Comparer {
    /// Opens the tree under `dir` laid out as `layout`, for `use_of_changes`. Fails on
    /// a manifest pave cannot read or may not open.
    /// The manifest is `ahead`'s when it was read for this folder and layout.
    pub(crate) fn open(
        dir: &Path,
        layout: &Layout,
        filter: Filter,
        use_of_changes: Use,
        ahead: Option<ReadAhead>,
    ) -> Result<Comparer, Diagnostic> {
        let manifest_path = layout.in_output(manifest::FILE_NAME);
        let ahead = ahead
            .filter(|a| a.dir == dir && a.manifest_path == manifest_path)
            .unwrap_or_else(|| ReadAhead::read(dir, layout));
        let (old_digest, old) = match ahead.found.map_err(refusal)? {
            None => (None, Manifest::default()),
            // Without a readable manifest pave cannot tell its files from anyone else's.
            Some((_, None)) => return Err(corrupt_manifest(&manifest_path)),
            Some((digest, Some(m))) => (Some(digest), m),
        };
        let reader = safe_fs::Reader::new(dir, layout.roots());
        let fresh = reader
            .missing_roots()
            .filter(|root| layout.stages_whole(root))
            .map(str::to_string)
            .collect();
        Ok(Comparer {
            dir: dir.to_path_buf(),
            reader,
            layout: layout.clone(),
            filter,
            manifest_path,
            old_digest,
            old,
            use_of_changes,
            staging: (use_of_changes == Use::Stage).then(|| Staging::new(dir, fresh)),
            settled: Mutex::default(),
            filtered_out: Mutex::default(),
            pending_outside: Mutex::default(),
        })
    }

    /// Settles a batch of files in parallel (reading the tree is independent per
    /// file); of the files outside the command's filter only the path is kept. Safe
    /// to call from several rendering threads at once.
    pub(crate) fn settle_all(&self, artifacts: Vec<Artifact>) {
        let (inside, outside): (Vec<Artifact>, Vec<Artifact>) = artifacts
            .into_iter()
            .partition(|a| self.filter.matches(&a.scope));
        if !outside.is_empty() {
            // Only a build writes shared files, so only a build asks what else is
            // behind; the hash says it without reading the file.
            if self.is_build() {
                let pending: Vec<(String, Scope)> = outside
                    .par_iter()
                    .filter(|a| !self.recorded_as(&a.path, &a.bytes))
                    .map(|a| (a.path.clone(), a.scope.clone()))
                    .collect();
                lock(&self.pending_outside).extend(pending);
            }
            lock(&self.filtered_out).extend(outside.into_iter().map(|a| a.path));
        }
        let settled: Vec<(String, Settled)> = inside
            .into_par_iter()
            .map(|a| (a.path.clone(), self.settle(a)))
            .collect();
        let mut all = lock(&self.settled);
        for (path, settled) in settled {
            match all.entry(path) {
                Entry::Vacant(slot) => {
                    slot.insert(settled);
                }
                // Both were staged at one place; refusing the build removes them.
                Entry::Occupied(mut slot) => {
                    let refused = super::messages::two_files_at_one_path(slot.key());
                    slot.get_mut().outcome = Err(refused);
                }
            }
        }
    }

    /// Whether the old manifest records exactly these bytes at `path`.
    fn recorded_as(&self, path: &str, bytes: &[u8]) -> bool {
        self.old
            .files
            .get(path)
            .is_some_and(|entry| entry.records(bytes))
    }

    /// A narrowed build's files outside its filter that the tree does not yet hold as
    /// the sources render them ([`Comparer::settle_all`]), with the part each is of.
    pub(crate) fn pending_outside(&self) -> BTreeMap<String, Scope> {
        std::mem::take(&mut *lock(&self.pending_outside))
    }

    /// Everything settled so far, and the paths outside the filter; the comparer is
    /// empty afterwards.
    pub(crate) fn take_settled(&self) -> (BTreeMap<String, Settled>, BTreeSet<String>) {
        (
            std::mem::take(&mut *lock(&self.settled)),
            std::mem::take(&mut *lock(&self.filtered_out)),
        )
    }

    /// `build` (writing or a dry run), as against `check` and `diff`, which only show.
    pub(crate) fn is_build(&self) -> bool {
        self.use_of_changes != Use::Diff
    }

    /// `diff` shows a stale file's removal, so its bytes are read and kept.
    pub(crate) fn keeps_old(&self) -> bool {
        self.use_of_changes == Use::Diff
    }

    fn settle(&self, artifact: Artifact) -> Settled {
        let hash = FileHash::of(&artifact.bytes);
        let scope = artifact.scope.clone();
        let outcome = self.compare(artifact).and_then(|change| match change {
            Some(change) => self.stage(change).map(Some),
            None => Ok(None),
        });
        Settled {
            scope,
            hash,
            outcome,
        }
    }

    fn compare(&self, artifact: Artifact) -> Result<Option<Change>, Diagnostic> {
        if !is_safe(&artifact.path, self.layout.roots()) {
            return Err(outside_roots(&artifact.path));
        }
        let disk = self.reader.read(&artifact.path).map_err(refusal)?;
        let Some(disk) = disk else {
            return Ok(Some(Change {
                kind: ChangeKind::Missing,
                old: None,
                new: Some(artifact.bytes),
                path: artifact.path,
                staged: false,
            }));
        };
        let Some(entry) = self.old.files.get(&artifact.path) else {
            let outside_output = !artifact
                .path
                .starts_with(&format!("{}/", self.layout.output));
            let no_manifest_at = (self.old_digest.is_none() && outside_output)
                .then_some(self.manifest_path.as_str());
            return Err(match disk == artifact.bytes {
                true => adopted(&artifact.path),
                false => unowned(&artifact.path, no_manifest_at),
            });
        };
        if disk == artifact.bytes {
            return Ok(None);
        }
        let kind = if !entry.records(&disk) {
            ChangeKind::HandEdited
        } else {
            ChangeKind::Changed
        };
        Ok(Some(Change {
            kind,
            old: Some(disk),
            new: Some(artifact.bytes),
            path: artifact.path,
            staged: false,
        }))
    }

    /// What the command keeps of a change: a writing `build` stages the new bytes
    /// now, `check` and `diff` keep both sides for the diffs, `--dry-run` only counts.
    fn stage(&self, mut change: Change) -> Result<Change, Diagnostic> {
        match self.use_of_changes {
            Use::Diff => {}
            Use::Count => (change.old, change.new) = (None, None),
            Use::Stage => {
                if let (Some(staging), Some(bytes)) = (&self.staging, change.new.take()) {
                    staging.stage(&change.path, &bytes).map_err(refusal)?;
                    change.staged = true;
                }
                change.old = None;
            }
        }
        Ok(change)
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The tree's manifest, read and parsed before [`Comparer::open`] needs it: a
/// command reads it on another thread while the sources resolve (tens of thousands
/// of lines take tens of milliseconds that would otherwise keep a core idle). It is
/// read under the command's lock, so nothing changes it meanwhile, except finishing an
/// interrupted build, after which it is read again.
pub(crate) struct ReadAhead {
    dir: PathBuf,
    manifest_path: String,
    /// `None`: no manifest. Otherwise its bytes' hash and what they parse to (`None`:
    /// not a manifest pave can read).
    found: Result<Option<(FileHash, Option<Manifest>)>, safe_fs::Refusal>,
}

impl ReadAhead {
    /// Reads and parses the manifest of the tree under `dir` laid out as `layout`.
    pub(crate) fn read(dir: &Path, layout: &Layout) -> ReadAhead {
        let manifest_path = layout.in_output(manifest::FILE_NAME);
        let found = safe_fs::read(dir, &manifest_path)
            .map(|bytes| bytes.map(|bytes| (FileHash::of(&bytes), Manifest::parse(&bytes))));
        ReadAhead {
            dir: dir.to_path_buf(),
            manifest_path,
            found,
        }
    }
}

/// A poisoned lock still holds consistent data here (every update is one `extend`).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn corrupt_manifest(manifest_path: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0404,
        format!("`{manifest_path}` cannot be read as a pave manifest"),
    )
    .in_file(manifest_path.to_string())
    .help("restore it from version control, or delete the output folder and build again")
}

/// The files a writing `build` staged before its journal, and the folders it created
/// for them. Until [`Staging::keep`] (the journal is written) dropping it removes both,
/// so a build refused after rendering (a policy, a destroy check, a file pave does not
/// own) leaves the tree as it found it.
///
/// A file of an output root that was missing when the tree was opened (a fresh tree)
/// is staged under the root's shadow, `.<root>.pave-tmp` beside it, with its own name;
/// the switch renames the shadow to the root once ([`safe_fs::commit_root`]) instead of
/// renaming every file. Any other file is staged as `.<name>.pave-tmp` beside its
/// destination and renamed over it.
pub(crate) struct Staging {
    dir: PathBuf,
    /// The roots staged whole, in layout order.
    fresh: Vec<String>,
    /// Per fresh root: its shadow's path (`.<root>.pave-tmp` beside it), made once
    /// rather than for each of the tens of thousands of files staged in it.
    shadows: Vec<String>,
    /// Per fresh root: whether something was staged in its shadow.
    shadowed: Vec<AtomicBool>,
    staged: Mutex<Vec<String>>,
    folders: Folders,
    kept: AtomicBool,
}

/// The folders staging has made sure of: each file's folder is walked (`lstat` per
/// component) once per build, not once per file. Every staged file asks, so asking
/// takes a read lock only; making a folder is serialized on a lock of its own, which
/// the askers never wait for (two rendering threads staging tens of thousands of
/// files were otherwise put to sleep on each other about a thousand times a build).
#[derive(Default)]
struct Folders {
    /// Folders known to be real folders (created now, or found with no symlink on the
    /// way).
    checked: RwLock<HashSet<String>>,
    /// Held while folders are made: two files of a new folder must not both try to
    /// create it.
    making: Mutex<()>,
    /// The ones this build created, to remove if it is refused.
    created: Mutex<Vec<String>>,
}

impl Folders {
    fn is_checked(&self, folder: &str) -> bool {
        self.checked
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(folder)
    }

    /// Makes sure `folder` is a real folder, making it (and what is missing above it)
    /// with `make` unless an earlier file did. `make` is given the deepest folder above
    /// `folder` an earlier file made sure of (or `""`), so that only the components
    /// below it are walked: a fresh tree's service folders were each walked from the
    /// output folder down, three `lstat`s of folders already made for every new one.
    fn ensure(
        &self,
        folder: &str,
        make: impl FnOnce(&str, &mut Vec<String>) -> Result<(), safe_fs::Refusal>,
    ) -> Result<(), safe_fs::Refusal> {
        if self.is_checked(folder) {
            return Ok(());
        }
        let _making = lock(&self.making);
        let known = {
            let checked = self.checked.read().unwrap_or_else(|e| e.into_inner());
            if checked.contains(folder) {
                return Ok(());
            }
            let mut above = folder.rmatch_indices('/').map(|(at, _)| &folder[..at]);
            above.find(|f| checked.contains(*f)).unwrap_or("")
        };
        // Recorded even when making fails half way: what was made is removed.
        let mut created = Vec::new();
        let made = make(known, &mut created);
        lock(&self.created).extend(created);
        made?;
        // The folder and every folder between it and `known` are now made sure of.
        let mut checked = self.checked.write().unwrap_or_else(|e| e.into_inner());
        let below = folder.match_indices('/').map(|(at, _)| &folder[..at]);
        for made_sure in below.filter(|f| f.len() > known.len()) {
            checked.insert(made_sure.to_string());
        }
        checked.insert(folder.to_string());
        Ok(())
    }
}

impl Staging {
    fn new(dir: &Path, fresh: Vec<String>) -> Staging {
        Staging {
            dir: dir.to_path_buf(),
            shadowed: fresh.iter().map(|_| AtomicBool::new(false)).collect(),
            shadows: fresh.iter().map(|root| safe_fs::temp_of(root)).collect(),
            fresh,
            staged: Mutex::default(),
            folders: Folders::default(),
            kept: AtomicBool::new(false),
        }
    }

    fn stage(&self, path: &str, bytes: &[u8]) -> Result<(), safe_fs::Refusal> {
        // Recorded first: a file half written, or a folder half made, is removed too.
        let (at, root) = match self.in_shadow(path) {
            Some((root, at)) => {
                self.shadowed[root].store(true, Ordering::SeqCst);
                (at, Some(root))
            }
            None => {
                lock(&self.staged).push(path.to_string());
                (safe_fs::temp_of(path), None)
            }
        };
        if let Some((folder, _)) = at.rsplit_once('/') {
            // A shadow is made whole by its first file, and must be new.
            if let Some(root) = root {
                let make = |_: &str, created: &mut Vec<String>| {
                    safe_fs::make_shadow(&self.dir, &self.fresh[root], created)
                };
                self.folders.ensure(&self.shadows[root], make)?;
            }
            let make = |known: &str, created: &mut Vec<String>| {
                safe_fs::create_folders_below(&self.dir, folder, known, root.is_some(), created)
            };
            self.folders.ensure(folder, make)?;
        }
        safe_fs::write_new(&self.dir, &at, path, bytes)
    }

    /// The index of the fresh root `path` is in, and where in its shadow it is staged.
    fn in_shadow(&self, path: &str) -> Option<(usize, String)> {
        let (i, rest) = self.shadow_root(path)?;
        let shadow = &self.shadows[i];
        let mut at = String::with_capacity(shadow.len() + 1 + rest.len());
        at.push_str(shadow);
        at.push('/');
        at.push_str(rest);
        Some((i, at))
    }

    /// The index of the fresh root `path` is in, and the rest of its path.
    fn shadow_root<'p>(&self, path: &'p str) -> Option<(usize, &'p str)> {
        self.fresh.iter().enumerate().find_map(|(i, root)| {
            let rest = path.strip_prefix(root.as_str())?.strip_prefix('/')?;
            Some((i, rest))
        })
    }

    /// Whether `path` is staged in a shadow, not as a temporary file of its own.
    pub(crate) fn is_shadowed(&self, path: &str) -> bool {
        self.shadow_root(path).is_some()
    }

    /// The roots staged whole, which the switch renames into place.
    pub(crate) fn shadowed_roots(&self) -> Vec<String> {
        self.fresh
            .iter()
            .zip(&self.shadowed)
            .filter(|(_, shadowed)| shadowed.load(Ordering::SeqCst))
            .map(|(root, _)| root.clone())
            .collect()
    }

    /// The folders created so far, for the journal's own folder check.
    pub(crate) fn created(&self) -> Vec<String> {
        lock(&self.folders.created).clone()
    }

    /// The journal is written: from here on the next build finishes the switch, so
    /// the staged files must stay.
    pub(crate) fn keep(&self) {
        self.kept.store(true, Ordering::SeqCst);
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.kept.load(Ordering::SeqCst) {
            return;
        }
        let staged = self.staged.get_mut().unwrap_or_else(|e| e.into_inner());
        for path in staged.iter() {
            safe_fs::unstage(&self.dir, path);
        }
        for (root, shadowed) in self.fresh.iter().zip(&self.shadowed) {
            if shadowed.load(Ordering::SeqCst) {
                safe_fs::remove_shadow(&self.dir, root);
            }
        }
        let created = self.folders.created.get_mut();
        safe_fs::remove_created(&self.dir, created.unwrap_or_else(|e| e.into_inner()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::sha256_hex;

    fn artifact(path: &str, text: &str) -> Artifact {
        Artifact {
            path: path.to_string(),
            bytes: text.as_bytes().to_vec(),
            scope: Scope::default(),
        }
    }

    fn settle(comparer: &Comparer, artifacts: Vec<Artifact>) -> BTreeMap<String, Settled> {
        comparer.settle_all(artifacts);
        comparer.take_settled().0
    }

    fn change(settled: &BTreeMap<String, Settled>, path: &str) -> Change {
        match &settled[path].outcome {
            Ok(Some(change)) => change.clone(),
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn a_build_stages_each_file_as_it_comes_and_keeps_only_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("out")).unwrap();
        let layout = Layout::new("out", []);
        let comparer =
            Comparer::open(dir.path(), &layout, Filter::default(), Use::Stage, None).unwrap();
        let settled = settle(&comparer, vec![artifact("out/a/b/x.yaml", "x: 1\n")]);
        let staged = change(&settled, "out/a/b/x.yaml");
        assert_eq!(staged.kind, ChangeKind::Missing);
        assert!(staged.staged && staged.new.is_none() && staged.old.is_none());
        assert_eq!(settled["out/a/b/x.yaml"].hash, FileHash::of(b"x: 1\n"));
        let temp = dir.path().join("out/a/b/.x.yaml.pave-tmp");
        assert_eq!(std::fs::read(&temp).unwrap(), b"x: 1\n");
        assert!(
            !comparer
                .staging
                .as_ref()
                .unwrap()
                .is_shadowed("out/a/b/x.yaml")
        );
        // Never kept: dropping the comparer removes the file and the folders it made.
        drop(comparer);
        assert!(!temp.exists());
        assert!(!dir.path().join("out/a").exists());
        assert!(dir.path().join("out").is_dir());
    }

    #[test]
    fn a_root_missing_at_open_is_staged_whole_in_its_shadow() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("ci")).unwrap();
        let layout = Layout::new("out/gen", ["ci".to_string(), "top.yaml".to_string()]);
        let comparer =
            Comparer::open(dir.path(), &layout, Filter::default(), Use::Stage, None).unwrap();
        settle(
            &comparer,
            vec![
                artifact("out/gen/a/x.yaml", "x: 1\n"),
                artifact("ci/y.yaml", "y: 1\n"),
                artifact("top.yaml", "t: 1\n"),
            ],
        );
        let staging = comparer.staging.as_ref().unwrap();
        // Its own name inside the shadow, beside the root, whose folders are made.
        let shadowed = dir.path().join("out/.gen.pave-tmp/a/x.yaml");
        assert_eq!(std::fs::read(&shadowed).unwrap(), b"x: 1\n");
        assert!(!dir.path().join("out/gen").exists());
        assert_eq!(staging.shadowed_roots(), ["out/gen"]);
        assert!(staging.is_shadowed("out/gen/a/x.yaml"));
        // An existing root, and a file root, stage beside the destination.
        assert!(dir.path().join("ci/.y.yaml.pave-tmp").is_file());
        assert!(dir.path().join(".top.yaml.pave-tmp").is_file());
        assert!(!staging.is_shadowed("ci/y.yaml") && !staging.is_shadowed("top.yaml"));
        drop(comparer);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert_eq!(std::fs::read_dir(dir.path().join("ci")).unwrap().count(), 0);
    }

    #[test]
    fn files_staged_from_many_threads_make_each_folder_once() {
        // Rendering threads stage files of the same new folders at once: each folder
        // (and the shadow) is made by one of them, recorded once, and removed with the
        // staging; no file is refused because another thread made its folder first.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("ci")).unwrap();
        let layout = Layout::new("out", ["ci".to_string()]);
        let comparer =
            Comparer::open(dir.path(), &layout, Filter::default(), Use::Stage, None).unwrap();
        let paths: Vec<String> = (0..400)
            .flat_map(|i| {
                [
                    format!("out/f{}/g{}/x{i}.yaml", i % 7, i % 3),
                    format!("ci/h{}/y{i}.yaml", i % 5),
                ]
            })
            .collect();
        let settled: Vec<BTreeMap<String, Settled>> = paths
            .par_chunks(16)
            .map(|chunk| {
                let batch = chunk.iter().map(|p| artifact(p, "x: 1\n")).collect();
                comparer.settle_all(batch);
                BTreeMap::new()
            })
            .collect();
        drop(settled);
        let (settled, _) = comparer.take_settled();
        assert_eq!(settled.len(), 800);
        assert!(settled.values().all(|s| matches!(s.outcome, Ok(Some(_)))));
        let staging = comparer.staging.as_ref().unwrap();
        let created = staging.created();
        let unique: BTreeSet<&String> = created.iter().collect();
        assert_eq!(unique.len(), created.len(), "{created:?}");
        // The shadow, 7 + 21 folders in it, and 5 folders in `ci`.
        assert_eq!(created.len(), 1 + 7 + 21 + 5, "{created:?}");
        assert!(dir.path().join(".out.pave-tmp/f3/g1/x10.yaml").is_file());
        drop(comparer);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert_eq!(std::fs::read_dir(dir.path().join("ci")).unwrap().count(), 0);
    }

    #[test]
    fn a_folder_is_walked_only_below_the_deepest_folder_already_made_sure_of() {
        // What `make` is asked to walk from, folder by folder; a failed make leaves
        // nothing made sure of, so the next file of that folder walks it again.
        let folders = Folders::default();
        let asked = Mutex::new(Vec::new());
        let ensure = |folder: &str, fails: bool| {
            folders.ensure(folder, |known, _| {
                lock(&asked).push(format!("{folder} from {known:?}"));
                match fails {
                    true => Err(safe_fs::Refusal::InTheWay(folder.to_string(), false)),
                    false => Ok(()),
                }
            })
        };
        ensure("out/k/dev/a", false).unwrap();
        ensure("out/k/dev/a", false).unwrap();
        ensure("out/k/dev/b", false).unwrap();
        ensure("out/k/prod/a", false).unwrap();
        ensure("out/k/dev", false).unwrap();
        ensure("out/k/dev/b/tests", false).unwrap();
        ensure("outer/x", false).unwrap();
        assert!(ensure("out/k/stage/c", true).is_err());
        ensure("out/k/stage/c", false).unwrap();
        assert_eq!(
            *lock(&asked),
            [
                r#"out/k/dev/a from """#,
                r#"out/k/dev/b from "out/k/dev""#,
                r#"out/k/prod/a from "out/k""#,
                r#"out/k/dev/b/tests from "out/k/dev/b""#,
                r#"outer/x from """#,
                r#"out/k/stage/c from "out/k""#,
                r#"out/k/stage/c from "out/k""#,
            ]
        );
    }

    #[test]
    fn folders_below_a_known_one_are_made_and_a_symlink_below_it_is_refused() {
        // `fresh` (made first, looked at when something is there) or not (looked at
        // first): the same folders made, and the same refusals.
        for fresh in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir_all(dir.path().join("out/k")).unwrap();
            let mut created = Vec::new();
            let make = |rel: &str, created: &mut Vec<String>| {
                safe_fs::create_folders_below(dir.path(), rel, "out/k", fresh, created)
            };
            make("out/k/dev/a", &mut created).unwrap();
            assert_eq!(created, ["out/k/dev", "out/k/dev/a"]);
            assert!(dir.path().join("out/k/dev/a").is_dir());
            // Folders already there are walked through, not recorded as made.
            make("out/k/dev/a/b", &mut created).unwrap();
            assert_eq!(created, ["out/k/dev", "out/k/dev/a", "out/k/dev/a/b"]);
            std::fs::write(dir.path().join("out/k/file"), "").unwrap();
            let refused = make("out/k/file/a", &mut created);
            assert!(
                matches!(refused, Err(safe_fs::Refusal::InTheWay(ref p, false)) if p == "out/k/file"),
                "{fresh}: {refused:?}"
            );
            #[cfg(unix)]
            {
                std::os::unix::fs::symlink(dir.path(), dir.path().join("out/k/link")).unwrap();
                let refused = make("out/k/link/a", &mut created);
                assert!(
                    matches!(refused, Err(safe_fs::Refusal::Symlink(ref p)) if p == "out/k/link")
                );
                // A dangling one too: nothing is made where it points.
                std::os::unix::fs::symlink(
                    dir.path().join("gone"),
                    dir.path().join("out/k/dangling"),
                )
                .unwrap();
                let refused = make("out/k/dangling", &mut created);
                assert!(
                    matches!(refused, Err(safe_fs::Refusal::Symlink(ref p)) if p == "out/k/dangling")
                );
                assert!(!dir.path().join("gone").exists());
            }
            // A `known` that is not one of the folder's own is ignored: all is walked.
            let mut created = Vec::new();
            make("out/z", &mut created).unwrap();
            assert_eq!(created, ["out/z"]);
        }
    }

    #[test]
    fn a_shadow_already_there_is_refused_not_written_into() {
        // The sweep before planning removes leftovers; one it could not remove (made
        // here after the tree was opened) must not be reused with what it holds.
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new("out", []);
        let comparer =
            Comparer::open(dir.path(), &layout, Filter::default(), Use::Stage, None).unwrap();
        std::fs::create_dir_all(dir.path().join(".out.pave-tmp/extra")).unwrap();
        let settled = settle(&comparer, vec![artifact("out/x.yaml", "x: 1\n")]);
        assert!(settled["out/x.yaml"].outcome.is_err());
        assert!(!dir.path().join(".out.pave-tmp/x.yaml").exists());
    }

    #[test]
    fn kept_staged_files_survive_the_comparer() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("old")).unwrap();
        let layout = Layout::new("new", ["old".to_string()]);
        let comparer =
            Comparer::open(dir.path(), &layout, Filter::default(), Use::Stage, None).unwrap();
        settle(
            &comparer,
            vec![
                artifact("new/x.yaml", "x: 1\n"),
                artifact("old/x.yaml", "x: 1\n"),
            ],
        );
        comparer.staging.as_ref().unwrap().keep();
        drop(comparer);
        assert!(dir.path().join("old/.x.yaml.pave-tmp").exists());
        assert!(dir.path().join(".new.pave-tmp/x.yaml").exists());
    }

    #[test]
    fn check_keeps_both_sides_of_a_change_and_nothing_of_an_unchanged_file() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new("out", []);
        std::fs::create_dir_all(dir.path().join("out")).unwrap();
        std::fs::write(dir.path().join("out/same.yaml"), "s: 1\n").unwrap();
        std::fs::write(dir.path().join("out/diff.yaml"), "d: 1\n").unwrap();
        let manifest = format!(
            r#"{{"pave":"0","manifest":2,"folders":[{{"path":"out","files":{{"same.yaml":"{}","diff.yaml":"{}"}}}}]}}"#,
            sha256_hex(b"s: 1\n"),
            sha256_hex(b"d: 1\n")
        );
        std::fs::write(dir.path().join("out/.pave-manifest.json"), manifest).unwrap();
        let files = || {
            vec![
                artifact("out/same.yaml", "s: 1\n"),
                artifact("out/diff.yaml", "d: 2\n"),
            ]
        };
        let check =
            Comparer::open(dir.path(), &layout, Filter::default(), Use::Diff, None).unwrap();
        let settled = settle(&check, files());
        assert!(matches!(settled["out/same.yaml"].outcome, Ok(None)));
        let changed = change(&settled, "out/diff.yaml");
        assert_eq!(changed.kind, ChangeKind::Changed);
        assert_eq!(changed.old.as_deref(), Some(&b"d: 1\n"[..]));
        assert_eq!(changed.new.as_deref(), Some(&b"d: 2\n"[..]));
        let dry_run =
            Comparer::open(dir.path(), &layout, Filter::default(), Use::Count, None).unwrap();
        let counted = change(&settle(&dry_run, files()), "out/diff.yaml");
        assert!(counted.old.is_none() && counted.new.is_none() && !counted.staged);
    }

    #[test]
    fn a_manifest_read_ahead_is_used_only_for_the_folder_and_layout_it_was_read_for() {
        let dir = tempfile::tempdir().unwrap();
        let owned = |dir: &Path, output: &str| {
            let manifest = format!(
                r#"{{"pave":"0","manifest":2,"folders":[{{"path":"{output}","files":{{"a.yaml":"{}"}}}}]}}"#,
                sha256_hex(b"a: 1\n")
            );
            std::fs::create_dir_all(dir.join(output)).unwrap();
            std::fs::write(dir.join(output).join(".pave-manifest.json"), manifest).unwrap();
        };
        owned(dir.path(), "out");
        owned(dir.path(), "other");
        let (out, other) = (Layout::new("out", []), Layout::new("other", []));
        let open = |layout: &Layout, ahead| {
            let c = Comparer::open(dir.path(), layout, Filter::default(), Use::Count, ahead);
            c.unwrap().old.files.into_keys().collect::<Vec<_>>()
        };
        // Read for the layout it opens: used as read.
        assert_eq!(
            open(&out, Some(ReadAhead::read(dir.path(), &out))),
            ["out/a.yaml"]
        );
        // Read for another output folder, or another tree: read again.
        assert_eq!(
            open(&out, Some(ReadAhead::read(dir.path(), &other))),
            ["out/a.yaml"]
        );
        let elsewhere = tempfile::tempdir().unwrap();
        owned(elsewhere.path(), "out");
        std::fs::remove_file(elsewhere.path().join("out/.pave-manifest.json")).unwrap();
        let ahead = ReadAhead::read(elsewhere.path(), &out);
        assert_eq!(open(&out, Some(ahead)), ["out/a.yaml"]);
        // A corrupt manifest read ahead is still refused.
        std::fs::write(dir.path().join("out/.pave-manifest.json"), "{").unwrap();
        let ahead = ReadAhead::read(dir.path(), &out);
        let refused = Comparer::open(dir.path(), &out, Filter::default(), Use::Count, Some(ahead));
        assert_eq!(refused.unwrap_err().code, Code::E0404);
    }

    #[test]
    fn two_files_at_one_path_are_refused_never_one_silently_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("out")).unwrap();
        let layout = Layout::new("out", []);
        let comparer =
            Comparer::open(dir.path(), &layout, Filter::default(), Use::Count, None).unwrap();
        // In one batch, and across two batches (two targets, two environments).
        comparer.settle_all(vec![
            artifact("out/a.yaml", "a: 1\n"),
            artifact("out/a.yaml", "a: 2\n"),
        ]);
        comparer.settle_all(vec![artifact("out/b.yaml", "b: 1\n")]);
        comparer.settle_all(vec![artifact("out/b.yaml", "b: 1\n")]);
        let settled = comparer.take_settled().0;
        for path in ["out/a.yaml", "out/b.yaml"] {
            match &settled[path].outcome {
                Err(d) => assert_eq!(d.code, Code::E0413, "{path}"),
                other => panic!("{path}: {other:?}"),
            }
        }
    }
}
