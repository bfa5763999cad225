//! Where diagnostics go. Human text is printed on stderr as it comes. The machine
//! formats (`json`, `sarif`, `github`) are one document per run: every diagnostic a
//! command reports is collected here and written once, at the end, on stdout or to
//! `--output FILE` (written whole, through a temporary file and a rename), so
//! `pave check --format sarif > pave.sarif` is a valid SARIF log even when a command
//! reports in several steps (compile, plan, drift).

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use crate::diag::{self, Diagnostic, Format};
use crate::source::SourceMap;

/// What a run has reported so far in a machine format.
struct Pending {
    diags: Vec<Diagnostic>,
    /// The sources the labelled diagnostics point into: the compilation's. Diagnostics
    /// reported from elsewhere (usage, I/O, drift) carry no labels; SARIF still reads
    /// the platform file's name from them.
    sources: Option<SourceMap>,
}

static PENDING: Mutex<Pending> = Mutex::new(Pending {
    diags: Vec::new(),
    sources: None,
});

/// Keeps `diags` for the run's one machine-format document.
pub(super) fn collect(diags: &[Diagnostic], sources: &SourceMap) {
    let mut pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    // Also kept for a diagnostic about no file when the sources were read: SARIF puts
    // such a result at the platform file, whichever it is (`platform.kdl`).
    let read = sources.files().next().is_some();
    let labelled = diags.iter().any(|d| !d.labels.is_empty());
    if (labelled || read && !diags.is_empty()) && pending.sources.is_none() {
        pending.sources = Some(sources.clone());
    }
    pending.diags.extend_from_slice(diags);
}

/// The run's document in `format`: every collected diagnostic, sorted.
fn document(format: Format) -> String {
    let mut pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    let sources = pending.sources.take().unwrap_or_default();
    let mut diags = std::mem::take(&mut pending.diags);
    diag::sort(&mut diags, &sources);
    diag::render(&diags, &sources, format, false)
}

/// Writes the run's document on stdout, or to `file`. The JSON and SARIF documents
/// are written even when there is nothing to report, so a script always reads one.
pub(super) fn flush(format: Format, file: Option<&Path>) -> std::io::Result<()> {
    let text = document(format);
    match file {
        Some(path) => write_whole(path, text.as_bytes()),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()
        }
    }
}

/// Writes `bytes` to `path` so a reader sees the old file or the new one, never half:
/// a temporary file beside it, synced, then renamed over it. A FIFO, socket or device
/// (`/dev/stdout`, a pipe) is written into instead: renaming over it would replace the
/// node, not feed its reader.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
        return f.write_all(bytes).and_then(|()| f.flush());
    }
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("the path names no file"))?;
    let temp = path.with_file_name(format!(".{}.pave-tmp", name.to_string_lossy()));
    let written = (|| {
        let mut f = create_new(&temp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// Creates the temporary file new and without following a symlink; a leftover (or a
/// planted symlink) is unlinked first, never written through.
fn create_new(temp: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let open = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(temp)
    };
    match open() {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(temp)?;
            open()
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_file_is_replaced_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pave.sarif");
        std::fs::write(&path, "old").unwrap();
        write_whole(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
        assert!(write_whole(&dir.path().join("no/such/folder/x"), b"x").is_err());
    }

    /// A symlink planted at the temporary file's name pointed the report at a file
    /// outside the folder, which it overwrote (found by an independent attack).
    #[test]
    fn a_planted_temporary_symlink_is_unlinked_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "keep").unwrap();
        std::fs::create_dir(dir.path().join("out")).unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join("out/.report.json.pave-tmp")).unwrap();
        write_whole(&dir.path().join("out/report.json"), b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        let report = dir.path().join("out/report.json");
        assert!(std::fs::symlink_metadata(&report).unwrap().is_file());
        assert_eq!(std::fs::read_to_string(&report).unwrap(), "new");
        assert_eq!(
            std::fs::read_dir(dir.path().join("out")).unwrap().count(),
            1
        );
    }

    /// A FIFO named by `--output` is fed the report, not replaced by a file.
    #[test]
    fn a_fifo_is_written_into_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a NUL-terminated path and a plain mode.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write_whole(&fifo, b"report").unwrap();
        assert_eq!(reader.join().unwrap(), b"report");
        let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(std::os::unix::fs::FileTypeExt::is_fifo(&kind));
    }
}
