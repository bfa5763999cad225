//! File operations inside the output roots that never follow a symlink.
//!
//! A repository is untrusted input: a pull request can commit a symlink anywhere in the
//! output tree. Every path pave reads, writes or deletes is therefore walked one
//! component at a time with `lstat` from the tree folder down, and files are opened with
//! `O_NOFOLLOW`, so a symlink is reported instead of followed. Staged files are created
//! with create-new, so a planted temporary file is never written through.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::fault;

/// Why pave will not touch a path. Paths are relative to the tree folder.
#[derive(Debug)]
pub(super) enum Refusal {
    /// This path (the file or one of its folders) is a symlink.
    Symlink(String),
    /// A folder is where a file should be (`true`), or a file where a folder should be.
    InTheWay(String, bool),
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

/// Walks `rel` below `dir` with `lstat`, stopping at the first symlink or non-folder.
pub(super) fn probe(dir: &Path, rel: &str) -> io::Result<Probe> {
    let segments: Vec<&str> = rel.split('/').collect();
    let mut prefix = String::new();
    for (i, segment) in segments.iter().enumerate() {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(segment);
        let meta = match fs::symlink_metadata(dir.join(&prefix)) {
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
            // O_NOFOLLOW closes the window between the probe and the open.
            let mut file = OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW)
                .open(dir.join(rel))
                .map_err(|e| match e.raw_os_error() {
                    Some(libc::ELOOP) => Refusal::Symlink(rel.to_string()),
                    _ => io_err(e),
                })?;
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
pub(super) struct Reader {
    dir: PathBuf,
    #[cfg(target_os = "linux")]
    handle: Option<File>,
}

impl Reader {
    pub(super) fn new(dir: &Path) -> Reader {
        Reader {
            dir: dir.to_path_buf(),
            #[cfg(target_os = "linux")]
            handle: File::open(dir).ok(),
        }
    }

    /// What [`read`] returns for `rel`.
    pub(super) fn read(&self, rel: &str) -> Result<Option<Vec<u8>>, Refusal> {
        #[cfg(target_os = "linux")]
        if let Some(bytes) = self.handle.as_ref().and_then(|h| read_beneath(h, rel)) {
            return Ok(Some(bytes));
        }
        read(&self.dir, rel)
    }
}

/// The bytes of the regular file `rel` below the folder `handle`, opened without
/// following any symlink; `None` for anything else or any error.
#[cfg(target_os = "linux")]
fn read_beneath(handle: &File, rel: &str) -> Option<Vec<u8>> {
    use std::os::fd::{AsRawFd, FromRawFd};
    let path = std::ffi::CString::new(rel).ok()?;
    // SAFETY: `open_how` is plain data; zeroed is a valid value for every field.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = (libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_CLOEXEC) as u64;
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
    let fd = i32::try_from(fd).ok().filter(|fd| *fd >= 0)?;
    // SAFETY: the kernel returned a new descriptor that nothing else owns.
    let file = unsafe { File::from_raw_fd(fd) };
    let meta = file.metadata().ok().filter(fs::Metadata::is_file)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).ok()? + 1);
    // Through `take`, so `read_to_end` does not ask for the size a second time.
    Read::take(&file, u64::MAX).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// Creates the folders of `rel` (below `dir`) that are missing, recording each one it
/// created in `created`, so a failed build can remove the ones it leaves empty.
pub(super) fn create_folders(
    dir: &Path,
    rel: &str,
    created: &mut Vec<String>,
) -> Result<(), Refusal> {
    let mut prefix = String::new();
    for segment in rel.split('/') {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(segment);
        let path = dir.join(&prefix);
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
    let temp = temp_of(rel);
    let path = dir.join(&temp);
    let io_err = |e| Refusal::Io(temp.clone(), e);
    let mut file = match create_new(&path) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let meta = fs::symlink_metadata(&path).map_err(io_err)?;
            if meta.is_dir() {
                return Err(Refusal::InTheWay(temp, true));
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
    let temp = temp_of(rel);
    let io_err = |e| Refusal::Io(rel.to_string(), e);
    match probe(dir, &temp).map_err(io_err)? {
        Probe::Missing => return Ok(false),
        Probe::File => {}
        Probe::Symlink(link) => return Err(Refusal::Symlink(link)),
        Probe::Folder => return Err(Refusal::InTheWay(temp, true)),
        Probe::NotFolder(file) => return Err(Refusal::InTheWay(file, false)),
    }
    match probe(dir, rel).map_err(io_err)? {
        Probe::Missing | Probe::File => {}
        Probe::Symlink(link) => return Err(Refusal::Symlink(link)),
        Probe::Folder => return Err(Refusal::InTheWay(rel.to_string(), true)),
        Probe::NotFolder(file) => return Err(Refusal::InTheWay(file, false)),
    }
    fault::check("rename", rel).map_err(io_err)?;
    fs::rename(dir.join(&temp), dir.join(rel)).map_err(io_err)?;
    Ok(true)
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

/// Removes every leftover `.<name>.pave-tmp` under the output roots, without following
/// symlinks (a root behind a symlink is left to the plan, which refuses it).
pub(super) fn sweep_temps(dir: &Path, roots: &[String]) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    for root in roots {
        match probe(dir, root) {
            Ok(Probe::Folder) => {}
            Ok(Probe::File | Probe::Missing) => {
                let temp = temp_of(root);
                if matches!(probe(dir, &temp), Ok(Probe::File | Probe::Symlink(_)))
                    && fs::remove_file(dir.join(&temp)).is_ok()
                {
                    removed.push(dir.join(temp));
                }
                continue;
            }
            _ => continue,
        }
        let walk = walkdir::WalkDir::new(dir.join(root)).follow_links(false);
        for entry in walk.into_iter().filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy();
            if !entry.file_type().is_dir()
                && is_temp(&name)
                && fs::remove_file(entry.path()).is_ok()
            {
                removed.push(entry.path().to_path_buf());
            }
        }
    }
    removed
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
}
