//! File operations inside the output roots that never follow a symlink.
//!
//! A repository is untrusted input: a pull request can commit a symlink anywhere in the
//! output tree. Every path pave reads, writes or deletes is therefore walked one
//! component at a time with `lstat` from the tree folder down, and files are opened with
//! `O_NOFOLLOW`, so a symlink is reported instead of followed. Staged files are created
//! with create-new, so a planted temporary file is never written through.

use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::fault;

/// Why pave will not touch a path. Paths are relative to the tree folder.
#[derive(Debug)]
pub(super) enum Refusal {
    /// This path (the file or one of its folders) is a symlink.
    Symlink(String),
    /// A folder is where a file should be (`true`), or a file where a folder should be.
    InTheWay(String, bool),
    /// A FIFO, socket or device is where a generated file is: reading it could block
    /// for ever or never end.
    NotRegular(String),
    /// The operating system refused.
    Io(String, io::Error),
}

/// What is at a relative path, found without following symlinks.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Probe {
    Missing,
    File,
    Folder,
    /// The named path (the target or an ancestor) is a symlink.
    Symlink(String),
    /// The named ancestor is not a folder.
    NotFolder(String),
}

/// `dir/rel`, allocated once at its length (`Path::join` copies `dir` and then grows
/// the copy: a reallocation for every file of a large tree).
fn joined(dir: &Path, rel: &str) -> std::path::PathBuf {
    let mut path = std::path::PathBuf::with_capacity(dir.as_os_str().len() + 1 + rel.len());
    path.push(dir);
    path.push(rel);
    path
}

/// Walks `rel` below `dir` with `lstat`, stopping at the first symlink or non-folder.
pub(super) fn probe(dir: &Path, rel: &str) -> io::Result<Probe> {
    let segments: Vec<&str> = rel.split('/').collect();
    let mut prefix = String::new();
    for (i, segment) in segments.iter().enumerate() {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(segment);
        let meta = match fs::symlink_metadata(joined(dir, &prefix)) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Probe::Missing),
            Err(e) => return Err(e),
        };
        let last = i + 1 == segments.len();
        if meta.file_type().is_symlink() {
            return Ok(Probe::Symlink(prefix));
        }
        if last {
            return Ok(if meta.is_dir() {
                Probe::Folder
            } else {
                Probe::File
            });
        }
        if !meta.is_dir() {
            return Ok(Probe::NotFolder(prefix));
        }
    }
    Ok(Probe::Missing)
}

/// Reads a regular file at `rel`, or `None` when nothing is there.
pub(super) fn read(dir: &Path, rel: &str) -> Result<Option<Vec<u8>>, Refusal> {
    let io_err = |e| Refusal::Io(rel.to_string(), e);
    match probe(dir, rel).map_err(io_err)? {
        Probe::Missing => Ok(None),
        Probe::Symlink(link) => Err(Refusal::Symlink(link)),
        Probe::Folder => Err(Refusal::InTheWay(rel.to_string(), true)),
        Probe::NotFolder(file) => Err(Refusal::InTheWay(file, false)),
        Probe::File => {
            // O_NOFOLLOW closes the window between the probe and the open; O_NONBLOCK
            // keeps the open of a FIFO from waiting for a writer (it changes nothing
            // for a regular file), and the type is checked on the open file.
            let mut file = OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
                .open(joined(dir, rel))
                .map_err(|e| match e.raw_os_error() {
                    Some(libc::ELOOP) => Refusal::Symlink(rel.to_string()),
                    _ => io_err(e),
                })?;
            if !file.metadata().map_err(io_err)?.is_file() {
                return Err(Refusal::NotRegular(rel.to_string()));
            }
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).map_err(io_err)?;
            Ok(Some(bytes))
        }
    }
}

/// Reads many files below one tree folder (`check`, `diff` and planning a build read
/// every generated file). On Linux a file is opened with one `openat2` call relative to
/// the tree folder's handle, with `RESOLVE_NO_SYMLINKS`: the kernel refuses a symlink
/// in any component, which is the symlink rule for every component at once instead of
/// one `lstat` per component. Anything but a regular file opened that way (missing,
/// a symlink, a folder, `openat2` unavailable) goes through [`read`], which walks the
/// path and says what is in the way.
///
/// An output root that is missing when the reader opens (a fresh tree's output folder)
/// has nothing below it until the build's switch renames files in, after every read
/// (the tree is locked meanwhile), so its files are known missing without a syscall
/// each.
pub(super) struct Reader {
    dir: PathBuf,
    #[cfg(target_os = "linux")]
    handle: Option<File>,
    /// The roots (`Layout::roots`) that were missing, each with a final `/`.
    missing_roots: Vec<String>,
}

impl Reader {
    pub(super) fn new(dir: &Path, roots: &[String]) -> Reader {
        let missing = |root: &&String| matches!(probe(dir, root), Ok(Probe::Missing));
        Reader {
            dir: dir.to_path_buf(),
            #[cfg(target_os = "linux")]
            handle: File::open(dir).ok(),
            missing_roots: roots
                .iter()
                .filter(missing)
                .map(|r| format!("{r}/"))
                .collect(),
        }
    }

    /// The roots that were missing when the reader opened.
    pub(super) fn missing_roots(&self) -> impl Iterator<Item = &str> {
        self.missing_roots
            .iter()
            .map(|root| root.strip_suffix('/').unwrap_or(root))
    }

    /// What [`read`] returns for `rel`.
    pub(super) fn read(&self, rel: &str) -> Result<Option<Vec<u8>>, Refusal> {
        if self.missing_roots.iter().any(|root| rel.starts_with(root)) {
            return Ok(None);
        }
        #[cfg(target_os = "linux")]
        match self.handle.as_ref().map(|h| read_beneath(h, rel)) {
            Some(Beneath::File(bytes)) => return Ok(Some(bytes)),
            Some(Beneath::Missing) => return Ok(None),
            Some(Beneath::Other) | None => {}
        }
        read(&self.dir, rel)
    }
}

/// What one `openat2` found below the tree folder.
#[cfg(target_os = "linux")]
enum Beneath {
    File(Vec<u8>),
    /// `ENOENT`: a component is missing. The kernel resolves the path one component
    /// at a time and, with `RESOLVE_NO_SYMLINKS`, stops at a symlink with `ELOOP`, so no
    /// symlink comes before the missing component: the path is missing, as [`probe`]
    /// would say, without walking it again (a fresh tree is all missing files).
    Missing,
    /// Anything else (a symlink, a folder, `openat2` unavailable): [`read`] says what.
    Other,
}

/// The bytes of the regular file `rel` below the folder `handle`, opened without
/// following any symlink.
#[cfg(target_os = "linux")]
fn read_beneath(handle: &File, rel: &str) -> Beneath {
    match open_beneath(handle, rel) {
        Ok(file) => read_opened(&file).map_or(Beneath::Other, Beneath::File),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Beneath::Missing,
        Err(_) => Beneath::Other,
    }
}

#[cfg(target_os = "linux")]
fn read_opened(file: &File) -> Option<Vec<u8>> {
    let meta = file.metadata().ok().filter(fs::Metadata::is_file)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).ok()?);
    // The bytes up to the size `fstat` gave, with one `read` (`take` stops there, so no
    // second `read` to see the end: one system call fewer per file of a tree of tens of
    // thousands). A file growing while it is read is read as it was at `fstat`, which
    // is as current as any read of a file being written can be.
    Read::take(file, meta.len()).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// Opens `rel` below the folder `handle` read-only, refusing a symlink in any component.
#[cfg(target_os = "linux")]
fn open_beneath(handle: &File, rel: &str) -> io::Result<File> {
    use std::os::fd::{AsRawFd, FromRawFd};
    let path = std::ffi::CString::new(rel).map_err(io::Error::other)?;
    // SAFETY: `open_how` is plain data; zeroed is a valid value for every field.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    // O_NONBLOCK: a FIFO's open does not wait for a writer (see [`read`]).
    how.flags = (libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC) as u64;
    how.resolve = libc::RESOLVE_NO_SYMLINKS | libc::RESOLVE_BENEATH;
    // SAFETY: the folder handle is open, `path` is NUL-terminated and `how` lives
    // across the call with its size passed beside it.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            handle.as_raw_fd(),
            path.as_ptr(),
            &how as *const libc::open_how,
            std::mem::size_of::<libc::open_how>(),
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let fd = i32::try_from(fd).map_err(io::Error::other)?;
    // SAFETY: the kernel returned a new descriptor that nothing else owns.
    Ok(unsafe { File::from_raw_fd(fd) })
}

/// Creates the folders of `rel` (below `dir`) that are missing, recording each one it
/// created in `created`, so a failed build can remove the ones it leaves empty.
pub(super) fn create_folders(
    dir: &Path,
    rel: &str,
    created: &mut Vec<String>,
) -> Result<(), Refusal> {
    create_folders_below(dir, rel, "", false, created)
}

/// [`create_folders`] for `rel` inside `known`, a folder of `rel`'s (or `""`) that
/// this build already made sure of: only the components below it are walked.
/// `fresh` says the folders are expected to be missing (inside a shadow this build
/// made): each is then made first and looked at only when something is in its place,
/// one system call per folder instead of two.
pub(super) fn create_folders_below(
    dir: &Path,
    rel: &str,
    known: &str,
    fresh: bool,
    created: &mut Vec<String>,
) -> Result<(), Refusal> {
    // A `known` that is not one of `rel`'s folders is ignored: the whole path is walked.
    let (known, below) = match rel.strip_prefix(known).and_then(|r| r.strip_prefix('/')) {
        Some(below) if !known.is_empty() => (known, below),
        _ => ("", rel),
    };
    let mut prefix = known.to_string();
    for segment in below.split('/') {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(segment);
        let path = joined(dir, &prefix);
        if fresh {
            // `mkdir` never follows a symlink in its last component: one there, or
            // anything else, fails with "exists" and is looked at below.
            match fs::create_dir(&path) {
                Ok(()) => {
                    created.push(prefix.clone());
                    continue;
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(Refusal::Io(prefix, e)),
            }
        }
        match fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => return Err(Refusal::Symlink(prefix)),
            Ok(m) if m.is_dir() => continue,
            Ok(_) => return Err(Refusal::InTheWay(prefix, false)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir(&path).map_err(|e| Refusal::Io(prefix.clone(), e))?;
                created.push(prefix.clone());
            }
            Err(e) => return Err(Refusal::Io(prefix, e)),
        }
    }
    Ok(())
}

/// Removes the folders `created` lists that are empty, deepest first.
pub(super) fn remove_created(dir: &Path, created: &[String]) {
    let mut folders: Vec<&String> = created.iter().collect();
    folders.sort_by_key(|f| std::cmp::Reverse(f.len()));
    for folder in folders {
        let _ = fs::remove_dir(dir.join(folder));
    }
}

/// `.<name>.pave-tmp` next to `rel`.
pub(super) fn temp_of(rel: &str) -> String {
    match rel.rsplit_once('/') {
        Some((folder, name)) => format!("{folder}/.{name}.pave-tmp"),
        None => format!(".{rel}.pave-tmp"),
    }
}

pub(super) fn is_temp(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".pave-tmp")
}

/// Writes `bytes` to the temporary file of `rel` with create-new and no-follow. A
/// leftover from a crashed build is removed first (a symlink is unlinked, never followed).
pub(super) fn stage(dir: &Path, rel: &str, bytes: &[u8]) -> Result<(), Refusal> {
    write_new(dir, &temp_of(rel), rel, bytes)
}

/// Writes `bytes` to `at` (a temporary file, or a file in a fresh root's shadow; see
/// [`commit_root`]) with create-new and no-follow; `rel` is the file it will become.
pub(super) fn write_new(dir: &Path, at: &str, rel: &str, bytes: &[u8]) -> Result<(), Refusal> {
    let path = joined(dir, at);
    let io_err = |e| Refusal::Io(at.to_string(), e);
    let mut file = match create_new(&path) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let meta = fs::symlink_metadata(&path).map_err(io_err)?;
            if meta.is_dir() {
                return Err(Refusal::InTheWay(at.to_string(), true));
            }
            fs::remove_file(&path).map_err(io_err)?;
            create_new(&path).map_err(io_err)?
        }
        other => other.map_err(io_err)?,
    };
    let written = fault::check("write", rel).and_then(|()| file.write_all(bytes));
    if let Err(e) = written {
        drop(file);
        let _ = fs::remove_file(&path);
        return Err(io_err(e));
    }
    Ok(())
}

fn create_new(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(0o644)
        .open(path)
}

/// Removes the temporary file of `rel` if it is there (a symlink is only unlinked).
pub(super) fn unstage(dir: &Path, rel: &str) {
    let _ = fs::remove_file(dir.join(temp_of(rel)));
}

/// Renames the staged file of `rel` over `rel`, after checking that no symlink or
/// folder is on the way. Returns `false` when there is no staged file (already renamed).
pub(super) fn commit(dir: &Path, rel: &str) -> Result<bool, Refusal> {
    rename_staged(dir, rel, probe)
}

/// Renames the staged file of `rel` over `rel`, looking at both paths with `look`
/// (the whole walk, or only the last component when the folder was just walked).
fn rename_staged(
    dir: &Path,
    rel: &str,
    look: fn(&Path, &str) -> io::Result<Probe>,
) -> Result<bool, Refusal> {
    let temp = temp_of(rel);
    let io_err = |e| Refusal::Io(rel.to_string(), e);
    match look(dir, &temp).map_err(io_err)? {
        Probe::Missing => return Ok(false),
        Probe::File => {}
        other => return Err(in_the_way(other, &temp)),
    }
    match look(dir, rel).map_err(io_err)? {
        Probe::Missing | Probe::File => {}
        other => return Err(in_the_way(other, rel)),
    }
    fault::check("rename", rel).map_err(io_err)?;
    fs::rename(joined(dir, &temp), joined(dir, rel)).map_err(io_err)?;
    Ok(true)
}

/// Renames the shadow of the output root `root` (`.<name>.pave-tmp` beside it, where
/// a build stages every file of a root that was missing when it opened the tree) to
/// `root`: one rename instead of one per file. `root` must still be missing (the tree
/// is locked, so nothing else puts it there). Returns `false` when there is no shadow
/// (already renamed).
pub(super) fn commit_root(dir: &Path, root: &str) -> Result<bool, Refusal> {
    let shadow = temp_of(root);
    let io_err = |e| Refusal::Io(root.to_string(), e);
    match probe(dir, &shadow).map_err(io_err)? {
        Probe::Missing => return Ok(false),
        Probe::Folder => {}
        other => return Err(in_the_way(other, &shadow)),
    }
    match probe(dir, root).map_err(io_err)? {
        Probe::Missing => {}
        Probe::Folder => {
            let both =
                format!("`{root}` and its staged copy `{shadow}` both exist; remove `{shadow}`");
            return Err(io_err(io::Error::other(both)));
        }
        other => return Err(in_the_way(other, root)),
    }
    fault::check("rename", root).map_err(io_err)?;
    fs::rename(dir.join(&shadow), dir.join(root)).map_err(io_err)?;
    Ok(true)
}

/// Removes the shadow of `root` and everything in it, if there is one. `remove_dir_all`
/// never follows a symlink: a symlink in its place is only unlinked. Nothing is removed
/// through a symlinked folder on the way (the probe names that folder, not the shadow).
pub(super) fn remove_shadow(dir: &Path, root: &str) -> Option<PathBuf> {
    let shadow = temp_of(root);
    let removed = match probe(dir, &shadow) {
        Ok(Probe::Folder) => fs::remove_dir_all(dir.join(&shadow)).is_ok(),
        Ok(Probe::File) => fs::remove_file(dir.join(&shadow)).is_ok(),
        Ok(Probe::Symlink(link)) if link == shadow => fs::remove_file(dir.join(&shadow)).is_ok(),
        _ => false,
    };
    removed.then(|| dir.join(shadow))
}

/// Creates the shadow of `root` (its folders first), which must not exist: the sweep
/// before planning removed any leftover, so one still there is refused rather than
/// written into.
pub(super) fn make_shadow(
    dir: &Path,
    root: &str,
    created: &mut Vec<String>,
) -> Result<(), Refusal> {
    let shadow = temp_of(root);
    if let Some((folder, _)) = shadow.rsplit_once('/') {
        create_folders(dir, folder, created)?;
    }
    fs::create_dir(dir.join(&shadow)).map_err(|e| Refusal::Io(shadow.clone(), e))?;
    created.push(shadow);
    Ok(())
}

/// The refusal for finding `found` at `path` where something else must be: a symlink
/// is named, a folder or file in the way too (`Missing` is never in the way, and is
/// not passed here).
fn in_the_way(found: Probe, path: &str) -> Refusal {
    match found {
        Probe::Symlink(link) => Refusal::Symlink(link),
        Probe::Folder => Refusal::InTheWay(path.to_string(), true),
        Probe::Missing | Probe::File => Refusal::InTheWay(path.to_string(), false),
        Probe::NotFolder(file) => Refusal::InTheWay(file, false),
    }
}

/// [`commit`] for many files, as a build's switch does: each folder is walked once,
/// then each file needs one `lstat` of its staged file and one of its destination
/// (instead of a walk of both paths per file). Errors come in the order of `paths`.
pub(super) fn commit_all(dir: &Path, paths: &[String]) -> Result<(), Refusal> {
    let folders: BTreeSet<&str> = paths.iter().filter_map(|p| folder_of(p)).collect();
    let present: HashMap<&str, bool> = folders
        .into_par_iter()
        .map(|folder| {
            let io_err = |e| Refusal::Io(folder.to_string(), e);
            match probe(dir, folder).map_err(io_err)? {
                Probe::Folder => Ok((folder, true)),
                // No folder, so no staged file in it: already renamed, as `commit` says.
                Probe::Missing => Ok((folder, false)),
                Probe::Symlink(link) => Err(Refusal::Symlink(link)),
                Probe::File => Err(Refusal::InTheWay(folder.to_string(), false)),
                Probe::NotFolder(file) => Err(Refusal::InTheWay(file, false)),
            }
        })
        .collect::<Result<_, Refusal>>()?;
    paths
        .par_iter()
        .map(|path| match folder_of(path) {
            Some(folder) if !present.get(folder).copied().unwrap_or(false) => Ok(()),
            _ => commit_in_checked_folder(dir, path),
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}

/// The folder part of `rel`, `None` for a file at the top of the tree folder.
fn folder_of(rel: &str) -> Option<&str> {
    rel.rsplit_once('/').map(|(folder, _)| folder)
}

/// [`commit`] of a file whose folder was just walked.
fn commit_in_checked_folder(dir: &Path, rel: &str) -> Result<(), Refusal> {
    rename_staged(dir, rel, leaf).map(drop)
}

/// What is at `rel` itself (its folders already walked), without following it.
fn leaf(dir: &Path, rel: &str) -> io::Result<Probe> {
    match fs::symlink_metadata(dir.join(rel)) {
        Ok(m) if m.file_type().is_symlink() => Ok(Probe::Symlink(rel.to_string())),
        Ok(m) if m.is_dir() => Ok(Probe::Folder),
        Ok(_) => Ok(Probe::File),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Probe::Missing),
        Err(e) => Err(e),
    }
}

/// Deletes the regular file at `rel` (never through a symlink), then the folders it
/// leaves empty up to the output root `root`. A missing file is not an error.
pub(super) fn delete(dir: &Path, rel: &str, root: &str) -> Result<(), Refusal> {
    let io_err = |e| Refusal::Io(rel.to_string(), e);
    match probe(dir, rel).map_err(io_err)? {
        Probe::Missing => return Ok(()),
        Probe::File => {}
        Probe::Symlink(link) => return Err(Refusal::Symlink(link)),
        Probe::Folder => return Err(Refusal::InTheWay(rel.to_string(), true)),
        Probe::NotFolder(_) => return Ok(()),
    }
    fault::check("delete", rel).map_err(io_err)?;
    match fs::remove_file(dir.join(rel)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(io_err(e)),
        _ => {}
    }
    let mut folder = Path::new(rel).parent();
    while let Some(f) = folder.filter(|f| f.starts_with(root) && *f != Path::new(root)) {
        if fs::remove_dir(dir.join(f)).is_err() {
            break;
        }
        folder = f.parent();
    }
    Ok(())
}

/// Removes every leftover `.<name>.pave-tmp` under the output roots, and a root's
/// leftover shadow beside it, without following symlinks (a root behind a symlink is
/// left to the plan, which refuses it).
/// Every build walks the whole tree here (thousands of folders at 1,000 services), so
/// the folders are read in parallel.
pub(super) fn sweep_temps(dir: &Path, roots: &[String]) -> Vec<PathBuf> {
    let removed = std::sync::Mutex::new(Vec::new());
    rayon::scope(|scope| {
        for root in roots {
            // A root's own temporary file, or its shadow (a fresh root staged whole).
            if let Some(shadow) = remove_shadow(dir, root) {
                lock(&removed).push(shadow);
            }
            if probe(dir, root).ok() == Some(Probe::Folder) {
                let (folder, removed) = (dir.join(root), &removed);
                scope.spawn(move |scope| sweep_folder(scope, folder, removed));
            }
        }
    });
    let mut removed = removed.into_inner().unwrap_or_else(|e| e.into_inner());
    removed.sort();
    removed
}

/// Removes the temporary files in `folder` and, on tasks of their own, in the folders
/// below it. A symlink is an entry like a file (its type comes from the folder
/// listing, never from what it points to), so it is never followed.
fn sweep_folder<'s>(
    scope: &rayon::Scope<'s>,
    folder: PathBuf,
    removed: &'s std::sync::Mutex<Vec<PathBuf>>,
) {
    let Ok(entries) = fs::read_dir(&folder) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            scope.spawn(move |scope| sweep_folder(scope, entry.path(), removed));
        } else if is_temp(&entry.file_name().to_string_lossy())
            && fs::remove_file(entry.path()).is_ok()
        {
            lock(removed).push(entry.path());
        }
    }
}

/// A poisoned lock still holds a consistent list (every update is one `push`).
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_sit_next_to_their_file() {
        assert_eq!(
            temp_of("generated/a/b.yaml"),
            "generated/a/.b.yaml.pave-tmp"
        );
        assert_eq!(temp_of("atlantis.yaml"), ".atlantis.yaml.pave-tmp");
        assert!(is_temp(".b.yaml.pave-tmp"));
        assert!(!is_temp("b.yaml"));
    }

    #[test]
    fn the_sweep_removes_every_leftover_temp_and_follows_no_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let d = dir.path();
        for folder in ["out/a/b/c", "out/d", "ci", "elsewhere"] {
            fs::create_dir_all(d.join(folder)).unwrap();
        }
        let temps = [
            "out/.x.yaml.pave-tmp",
            "out/a/b/c/.y.yaml.pave-tmp",
            "out/d/.z.yaml.pave-tmp",
            "ci/.w.yml.pave-tmp",
        ];
        for temp in temps {
            fs::write(d.join(temp), "t").unwrap();
        }
        fs::write(d.join("out/a/b/kept.yaml"), "k").unwrap();
        fs::write(d.join("elsewhere/.v.yaml.pave-tmp"), "not a root").unwrap();
        // A leftover shadow beside a root, and links the sweep must not follow.
        fs::create_dir_all(d.join(".gen.pave-tmp/deep")).unwrap();
        fs::write(outside.path().join(".s.yaml.pave-tmp"), "outside").unwrap();
        fs::write(outside.path().join("target"), "keep").unwrap();
        std::os::unix::fs::symlink(outside.path(), d.join("out/d/linked")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("target"), d.join("out/.l.pave-tmp"))
            .unwrap();
        let roots = ["out".to_string(), "ci".to_string(), "gen".to_string()];
        let removed = sweep_temps(d, &roots);
        assert_eq!(removed.len(), temps.len() + 2, "{removed:?}");
        for temp in temps {
            assert!(!d.join(temp).exists(), "{temp}");
        }
        assert!(!d.join(".gen.pave-tmp").exists());
        assert!(fs::symlink_metadata(d.join("out/.l.pave-tmp")).is_err());
        assert!(d.join("out/a/b/kept.yaml").exists());
        assert!(d.join("elsewhere/.v.yaml.pave-tmp").exists());
        assert!(outside.path().join(".s.yaml.pave-tmp").exists());
        assert_eq!(fs::read(outside.path().join("target")).unwrap(), b"keep");
    }

    #[test]
    fn probe_stops_at_the_first_symlink() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("out/real")).unwrap();
        std::os::unix::fs::symlink("real", dir.path().join("out/link")).unwrap();
        fs::write(dir.path().join("out/real/f"), "x").unwrap();
        assert_eq!(probe(dir.path(), "out/real/f").unwrap(), Probe::File);
        assert_eq!(
            probe(dir.path(), "out/link/f").unwrap(),
            Probe::Symlink("out/link".into())
        );
        assert_eq!(
            probe(dir.path(), "out/real/f/g").unwrap(),
            Probe::NotFolder("out/real/f".into())
        );
        assert_eq!(probe(dir.path(), "out/none/f").unwrap(), Probe::Missing);
    }

    #[test]
    fn staging_unlinks_a_planted_symlink_instead_of_writing_through_it() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("victim"), "keep").unwrap();
        std::os::unix::fs::symlink(dir.path().join("victim"), dir.path().join(".f.pave-tmp"))
            .unwrap();
        stage(dir.path(), "f", b"new").unwrap();
        assert_eq!(fs::read(dir.path().join("victim")).unwrap(), b"keep");
        assert_eq!(fs::read(dir.path().join(".f.pave-tmp")).unwrap(), b"new");
    }

    #[test]
    fn a_root_missing_when_the_reader_opens_holds_no_file_and_others_are_read() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("out")).unwrap();
        fs::write(dir.path().join("out/f"), "old").unwrap();
        std::os::unix::fs::symlink("out", dir.path().join("linked")).unwrap();
        let roots = ["out", "fresh", "linked"].map(String::from);
        let reader = Reader::new(dir.path(), &roots);
        assert_eq!(reader.missing_roots, ["fresh/"]);
        assert_eq!(reader.read("out/f").unwrap().as_deref(), Some(&b"old"[..]));
        assert!(matches!(reader.read("fresh/a/b"), Ok(None)));
        assert!(matches!(reader.read("linked/f"), Err(Refusal::Symlink(_))));
    }

    #[test]
    fn a_missing_file_is_missing_but_a_symlink_before_it_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("out/real")).unwrap();
        std::os::unix::fs::symlink("real", dir.path().join("out/link")).unwrap();
        std::os::unix::fs::symlink("nowhere", dir.path().join("out/dangling")).unwrap();
        let reader = Reader::new(dir.path(), &["out".to_string()]);
        assert!(matches!(reader.read("out/real/none"), Ok(None)));
        assert!(matches!(reader.read("out/none/deeper/f"), Ok(None)));
        for path in ["out/link/none", "out/dangling/none"] {
            match reader.read(path) {
                Err(Refusal::Symlink(link)) => assert_eq!(link, path.rsplit_once('/').unwrap().0),
                other => panic!("{path}: {other:?}"),
            }
        }
    }

    #[test]
    fn committing_many_files_walks_each_folder_and_still_refuses_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("out/a")).unwrap();
        fs::create_dir_all(dir.path().join("out/b")).unwrap();
        for rel in ["out/a/1", "out/a/2", "out/b/1", "top"] {
            stage(dir.path(), rel, rel.as_bytes()).unwrap();
        }
        let paths: Vec<String> = ["out/a/1", "out/a/2", "out/b/1", "top", "out/gone/1"]
            .map(String::from)
            .to_vec();
        commit_all(dir.path(), &paths).unwrap();
        for rel in ["out/a/1", "out/a/2", "out/b/1", "top"] {
            assert_eq!(fs::read(dir.path().join(rel)).unwrap(), rel.as_bytes());
            assert!(!dir.path().join(temp_of(rel)).exists());
        }
        // A folder swapped for a symlink after staging is refused, not written through.
        stage(dir.path(), "out/b/2", b"new").unwrap();
        fs::rename(dir.path().join("out/b"), dir.path().join("out/moved")).unwrap();
        std::os::unix::fs::symlink("moved", dir.path().join("out/b")).unwrap();
        match commit_all(dir.path(), &["out/b/2".to_string()]) {
            Err(Refusal::Symlink(link)) => assert_eq!(link, "out/b"),
            other => panic!("{other:?}"),
        }
        assert!(!dir.path().join("out/moved/2").exists());
        // A folder where the file goes is in the way.
        fs::write(dir.path().join(temp_of("out/a/4")), "x").unwrap();
        fs::create_dir_all(dir.path().join("out/a/4")).unwrap();
        match commit_all(dir.path(), &["out/a/4".to_string()]) {
            Err(Refusal::InTheWay(path, true)) => assert_eq!(path, "out/a/4"),
            other => panic!("{other:?}"),
        }
    }
}
