//! Fault injection for the write-path tests, compiled into debug builds only.
//!
//! Some faults cannot be produced by the operating system for a test that runs as
//! root (a read-only folder does not stop root from deleting). `PAVE_FAULT=<op>` makes
//! every `<op>` (`write`, `rename`, `delete`) fail; `PAVE_FAULT=<op>:<n>` lets the first
//! `n` succeed. Release builds ignore the variable.

use std::io;

#[cfg(debug_assertions)]
pub(super) fn check(op: &str, path: &str) -> io::Result<()> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static SEEN: AtomicUsize = AtomicUsize::new(0);
    let Ok(spec) = std::env::var("PAVE_FAULT") else {
        return Ok(());
    };
    let (name, allowed) = match spec.split_once(':') {
        Some((name, n)) => (name.to_string(), n.parse().unwrap_or(0)),
        None => (spec, 0),
    };
    if name != op || SEEN.fetch_add(1, Ordering::SeqCst) < allowed {
        return Ok(());
    }
    Err(io::Error::other(format!("injected fault ({op} `{path}`)")))
}

#[cfg(not(debug_assertions))]
pub(crate) fn check(_op: &str, _path: &str) -> io::Result<()> {
    Ok(())
}
