//! Freeing what a compilation no longer needs, or leaving it to the end of the process.
//!
//! Large values (every parsed source, an environment's typed objects, the settled
//! files and the manifest) are done with while the work goes on. Freeing one walks
//! tens of thousands of allocations. Freed on a rayon thread, beside the rest of the
//! work, its memory is reused by what follows. But the last of them fall due in a
//! command's final stretch, where nothing reuses their memory and the freeing only
//! competes with the plan and the write for the two or so cores. The binary ends every
//! command with `_exit` (`main::end_process`), which hands the whole address space
//! back at once, so there it keeps such values until then instead ([`at_exit`]).
//! Library users and tests keep the default: everything is freed.

use std::any::Any;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once by the binary: the process ends with `_exit`, without freeing.
static ENDS_WITHOUT_FREEING: AtomicBool = AtomicBool::new(false);

/// What [`at_exit`] keeps; never read, only held.
static KEPT: Mutex<Vec<Box<dyn Any + Send>>> = Mutex::new(Vec::new());

/// Declares that this process ends with `_exit`: from now on [`at_exit`] keeps what it
/// is given. Called by the binary before it runs a command; never by the library.
pub fn process_ends_without_freeing() {
    ENDS_WITHOUT_FREEING.store(true, Ordering::Relaxed);
}

/// Frees `value` beside what follows (on a rayon thread): for values whose memory
/// the rest of the command reuses.
pub(crate) fn soon<T: Send + 'static>(value: T) {
    rayon::spawn(move || drop(value));
}

/// Frees `value` like [`soon`], unless the process ends without freeing: then it is
/// kept, and its memory goes back with the rest of the process. For values dropped
/// in a command's last stretch, where freeing them is work nothing gains from.
pub(crate) fn at_exit<T: Send + 'static>(value: T) {
    keep_or(&ENDS_WITHOUT_FREEING, &KEPT, value);
}

fn keep_or<T: Send + 'static>(
    ends_without_freeing: &AtomicBool,
    kept: &Mutex<Vec<Box<dyn Any + Send>>>,
    value: T,
) {
    match ends_without_freeing.load(Ordering::Relaxed) {
        true => kept
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Box::new(value)),
        false => soon(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;
    use std::time::{Duration, Instant};

    /// Counts its drops.
    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn wait_for(drops: &AtomicUsize, n: usize) -> bool {
        let start = Instant::now();
        while drops.load(Ordering::SeqCst) < n {
            if start.elapsed() > Duration::from_secs(10) {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        true
    }

    #[test]
    fn a_value_is_freed_unless_the_process_ends_without_freeing() {
        let drops = Arc::new(AtomicUsize::new(0));
        let ends = AtomicBool::new(false);
        let kept = Mutex::new(Vec::new());
        keep_or(&ends, &kept, Counted(Arc::clone(&drops)));
        assert!(wait_for(&drops, 1), "freed by default");
        assert!(kept.lock().unwrap().is_empty());

        ends.store(true, Ordering::Relaxed);
        keep_or(&ends, &kept, Counted(Arc::clone(&drops)));
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(drops.load(Ordering::SeqCst), 1, "kept, not freed");
        assert_eq!(kept.lock().unwrap().len(), 1);
        drop(kept);
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn the_library_frees_by_default() {
        // Only the binary declares that it ends without freeing.
        assert!(!ENDS_WITHOUT_FREEING.load(Ordering::Relaxed));
        let drops = Arc::new(AtomicUsize::new(0));
        at_exit(Counted(Arc::clone(&drops)));
        assert!(wait_for(&drops, 1));
    }
}
