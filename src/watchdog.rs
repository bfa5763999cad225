//! Time and memory bounds around template evaluation, beyond what fuel can meter.
//!
//! Fuel ([`crate::template_budget`]) counts template instructions, but a single
//! built-in operation can do unbounded work: `'x' * 100000000` allocates 100 MB in one
//! instruction, and `ns.x ~ ns.x` in a loop of 40 iterations doubles a string to
//! terabytes. minijinja offers no hook inside those operations and an allocation that
//! fails aborts the process, so the bound is kept from outside: every evaluation runs
//! inside [`guarded`], which records where it is (the template's span) while it runs,
//! and a watchdog thread, started by the command line with [`watch`], checks every
//! few milliseconds that no evaluation has run longer than [`TIME_LIMIT`] and that the
//! process stays under [`MEMORY_LIMIT`] while one runs. When a bound trips, the
//! callback reports a diagnostic at the template and ends the process; nothing has
//! been written then, because templates are evaluated before `emit`.
//!
//! Without [`watch`] (library use, tests, the fuzzers), [`guarded`] only calls its
//! closure.

use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use crate::source::{SourceMap, Span};

/// Longest a single template evaluation may run. Real templates take microseconds.
pub(crate) const TIME_LIMIT: Duration = Duration::from_secs(10);

/// Most resident memory one template evaluation may add. It is growth, not the
/// process's total: a build of 10,000 services in 3 environments holds more than this
/// (about 4.4 GiB) while its policies run, and that is no template's doing.
pub(crate) const MEMORY_LIMIT: u64 = 4 << 30;

/// How often the watchdog looks.
const PERIOD: Duration = Duration::from_millis(10);

/// Whose template an evaluation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    Policy,
    Module,
}

/// A running evaluation: the template's span and whose it is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Site {
    pub(crate) span: Span,
    pub(crate) owner: Owner,
}

/// Which bound tripped.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Trip {
    Time,
    Memory,
}

/// What to do when a bound trips: report and end the process.
pub(crate) type OnTrip = Box<dyn Fn(&SourceMap, Site, Trip) + Send + Sync>;

struct Watch {
    active: Mutex<Vec<(ThreadId, Instant, Site)>>,
    sources: Mutex<Option<Arc<SourceMap>>>,
    /// The oldest running evaluation when the watchdog first saw it (its start) and
    /// the resident memory then: what its growth is measured from.
    baseline: Mutex<Option<(Instant, u64)>>,
}

static WATCH: OnceLock<Watch> = OnceLock::new();

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts the watchdog (once per process; later calls do nothing).
pub(crate) fn watch(on_trip: OnTrip) {
    let fresh = Watch {
        active: Mutex::new(Vec::new()),
        sources: Mutex::new(None),
        baseline: Mutex::new(None),
    };
    if WATCH.set(fresh).is_err() {
        return;
    }
    let spawned = thread::Builder::new()
        .name("pave-watchdog".into())
        .spawn(move || watch_loop(on_trip));
    // Without the thread the bounds of `template_budget` still hold; there is nothing
    // better to do than to go on.
    drop(spawned);
}

fn watch_loop(on_trip: OnTrip) {
    let Some(w) = WATCH.get() else { return };
    loop {
        thread::sleep(PERIOD);
        let Some((site, trip)) = tripped(w) else {
            continue;
        };
        let sources = lock(&w.sources).clone();
        if let Some(sources) = sources {
            on_trip(&sources, site, trip);
        }
    }
}

/// The first running evaluation past a bound, if any.
fn tripped(w: &Watch) -> Option<(Site, Trip)> {
    let active = lock(&w.active);
    let (_, started, site) = active.iter().min_by_key(|(_, started, _)| *started)?;
    let elapsed = started.elapsed();
    if elapsed > TIME_LIMIT {
        return Some((*site, Trip::Time));
    }
    let resident = resident_bytes();
    let grew = grown(&mut lock(&w.baseline), *started, resident);
    (grew > MEMORY_LIMIT).then_some((*site, Trip::Memory))
}

/// How much resident memory grew since the evaluation that started at `started` was
/// first seen; a new oldest evaluation starts from `resident`.
fn grown(baseline: &mut Option<(Instant, u64)>, started: Instant, resident: u64) -> u64 {
    match *baseline {
        Some((start, since)) if start == started => resident.saturating_sub(since),
        _ => {
            *baseline = Some((started, resident));
            0
        }
    }
}

/// Tells the watchdog which sources spans point into (`None` when compilation ends).
/// Does nothing unless [`watch`] was called.
pub(crate) fn publish_sources(sources: Option<Arc<SourceMap>>) {
    if let Some(w) = WATCH.get() {
        *lock(&w.sources) = sources;
    }
}

/// Runs one template evaluation under the watchdog's eye.
pub(crate) fn guarded<T>(site: Site, evaluate: impl FnOnce() -> T) -> T {
    let Some(w) = WATCH.get() else {
        return evaluate();
    };
    let id = thread::current().id();
    lock(&w.active).push((id, Instant::now(), site));
    // Removed on every way out, so a finished evaluation is never blamed.
    struct Finished<'a>(&'a Watch, ThreadId);
    impl Drop for Finished<'_> {
        fn drop(&mut self) {
            let mut active = lock(&self.0.active);
            if let Some(i) = active.iter().rposition(|(id, ..)| *id == self.1) {
                active.swap_remove(i);
            }
        }
    }
    let _finished = Finished(w, id);
    evaluate()
}

/// The process's resident memory in bytes (Linux; 0 where it cannot be read).
fn resident_bytes() -> u64 {
    let Ok(statm) = std::fs::read_to_string("/proc/self/statm") else {
        return 0;
    };
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf has no preconditions; it only reads a system setting.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages * u64::try_from(page).unwrap_or(4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_memory_is_read() {
        assert!(resident_bytes() > 0);
    }

    #[test]
    fn memory_is_measured_from_when_the_oldest_evaluation_was_first_seen() {
        let (first, second) = (Instant::now(), Instant::now() + Duration::from_millis(1));
        let mut baseline = None;
        // A large process is no template's doing: only growth counts.
        assert_eq!(grown(&mut baseline, first, 5 << 30), 0);
        assert_eq!(grown(&mut baseline, first, (5 << 30) + 7), 7);
        // Another oldest evaluation starts from the memory it is first seen at.
        assert_eq!(grown(&mut baseline, second, 6 << 30), 0);
        assert_eq!(grown(&mut baseline, second, 5 << 30), 0);
    }

    #[test]
    fn unwatched_evaluations_just_run() {
        let site = Site {
            span: Span::new(crate::source::FileId(0), 0, 0),
            owner: Owner::Policy,
        };
        assert_eq!(guarded(site, || 41 + 1), 42);
    }
}
