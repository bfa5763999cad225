//! Bytes -> a small repository (see `pave::fuzzing::split_repo`) -> `pave::compile`,
//! diagnostics rendered in every format.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

/// One scratch folder per fuzzing process, reused by every run: `PAVE_FUZZ_SCRATCH`, else
/// the temporary folder (point `TMPDIR` at a tmpfs to spare the disk).
fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = std::env::var_os("PAVE_FUZZ_SCRATCH")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        base.join(format!("pave-fuzz-{}", std::process::id()))
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    pave::fuzzing::compile_repo(scratch(), data);
    // Empty by now; removing it keeps the many short-lived fork-mode processes tidy.
    let _ = std::fs::remove_dir(scratch());
});
