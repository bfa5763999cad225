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
    /// reported from elsewhere (usage, I/O, drift) carry no labels and need none.
    sources: Option<SourceMap>,
}

static PENDING: Mutex<Pending> = Mutex::new(Pending {
    diags: Vec::new(),
    sources: None,
});

/// Keeps `diags` for the run's one machine-format document.
pub(super) fn collect(diags: &[Diagnostic], sources: &SourceMap) {
    let mut pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    if diags.iter().any(|d| !d.labels.is_empty()) && pending.sources.is_none() {
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
/// a temporary file beside it, synced, then renamed over it.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("the path names no file"))?;
    let temp = path.with_file_name(format!(".{}.pave-tmp", name.to_string_lossy()));
    let written = (|| {
        let mut f = std::fs::File::create(&temp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
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
}
