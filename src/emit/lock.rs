//! The output tree's lock: one `build` at a time, and no `check` or `diff` while a
//! build is switching files.
//!
//! The lock is an advisory `flock` on the tree folder itself (the repository root, or
//! `--tree`), so no lock file ever appears in the output tree or in `git status`.

use std::fs::{File, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

use super::messages::busy;
use crate::diag::Diagnostic;

/// How long a second run waits for the first before it gives up. A build holds the
/// lock while it renders (it stages files as they come), so the wait covers a whole
/// build of a large platform, not only its switch.
const WAIT: Duration = Duration::from_secs(60);

/// Held for as long as the value lives; the kernel drops it when the process ends.
pub(crate) struct Lock {
    _folder: Option<File>,
}

/// Takes the lock on `dir`: exclusive for `build`, shared for `check` and `diff`.
pub(crate) fn lock(dir: &Path, exclusive: bool) -> Result<Lock, Diagnostic> {
    let Ok(folder) = File::open(dir) else {
        // A tree folder that does not exist has nothing to protect (a writing build
        // makes it before it locks; see `cli::tree::build`).
        return Ok(Lock { _folder: None });
    };
    let start = Instant::now();
    loop {
        let attempt = if exclusive {
            folder.try_lock()
        } else {
            folder.try_lock_shared()
        };
        match attempt {
            Ok(()) => {
                return Ok(Lock {
                    _folder: Some(folder),
                });
            }
            Err(TryLockError::WouldBlock) if start.elapsed() < WAIT => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(TryLockError::WouldBlock) => return Err(busy(dir, WAIT)),
            // A file system without locks: run unlocked rather than not at all.
            Err(TryLockError::Error(_)) => return Ok(Lock { _folder: None }),
        }
    }
}
