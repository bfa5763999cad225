//! A check of the writer against serde-saphyr on real documents (debug builds only).
//!
//! While the switch is on, every document [`super::to_yaml`] writes is written a
//! second time by serde-saphyr ([`super::to_yaml_reference`]) and the two are
//! compared; a difference is recorded as the first line where they part. The
//! switch is turned on by the tests only (through `crate::testing`), never by the
//! environment, so a normal build pays nothing but one atomic load per document.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

static ON: AtomicBool = AtomicBool::new(false);
static RECORD: Mutex<Recorder> = Mutex::new(Recorder {
    compared: 0,
    mismatches: Vec::new(),
});

/// How many documents were compared and how each difference looked.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    pub(crate) compared: usize,
    pub(crate) mismatches: Vec<String>,
}

impl Recorder {
    /// Compares `ours` with serde-saphyr's spelling of `value`.
    pub(crate) fn compare<T: ?Sized + Serialize>(&mut self, value: &T, ours: &str) {
        self.compared += 1;
        let theirs = match super::to_yaml_reference(value) {
            Ok(theirs) => theirs,
            Err(e) => return self.mismatches.push(format!("serde-saphyr failed: {e}")),
        };
        if let Some(difference) = first_difference(ours, &theirs) {
            self.mismatches.push(difference);
        }
    }
}

/// The first line where two documents differ, both sides shown; `None` if equal.
pub(crate) fn first_difference(ours: &str, theirs: &str) -> Option<String> {
    if ours == theirs {
        return None;
    }
    let (mut a, mut b) = (ours.split('\n'), theirs.split('\n'));
    let mut line = 1;
    loop {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) if x == y => line += 1,
            (x, y) => {
                let show = |l: Option<&str>| l.map_or("<end>".to_string(), |l| format!("{l:?}"));
                return Some(format!(
                    "line {line}: pave writes {}, serde-saphyr writes {}",
                    show(x),
                    show(y)
                ));
            }
        }
    }
}

/// Called by `to_yaml` on every document it wrote.
pub(crate) fn observe<T: ?Sized + Serialize>(value: &T, ours: &str) {
    if ON.load(Ordering::Relaxed) {
        let mut record = RECORD.lock().unwrap_or_else(|e| e.into_inner());
        record.compare(value, ours);
    }
}

/// Turns the comparison on, clearing what an earlier run recorded.
pub(crate) fn start() {
    *RECORD.lock().unwrap_or_else(|e| e.into_inner()) = Recorder::default();
    ON.store(true, Ordering::Relaxed);
}

/// Turns the comparison off and returns what it recorded.
pub(crate) fn finish() -> Recorder {
    ON.store(false, Ordering::Relaxed);
    std::mem::take(&mut *RECORD.lock().unwrap_or_else(|e| e.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn a_different_spelling_is_recorded_with_its_line() {
        let value = BTreeMap::from([("a", "on"), ("b", "x")]);
        let mut record = Recorder::default();
        record.compare(&value, &super::super::to_yaml(&value).unwrap());
        assert!(record.mismatches.is_empty(), "{:?}", record.mismatches);
        // A writer that forgot to quote a YAML 1.1 boolean.
        record.compare(&value, "a: on\nb: x\n");
        assert_eq!(record.compared, 2);
        assert_eq!(
            record.mismatches,
            ["line 1: pave writes \"a: on\", serde-saphyr writes \"a: \\\"on\\\"\""]
        );
    }

    #[test]
    fn a_missing_line_is_a_difference() {
        let found = first_difference("a: 1\n", "a: 1\nb: 2\n");
        assert_eq!(
            found.as_deref(),
            Some("line 2: pave writes \"\", serde-saphyr writes \"b: 2\"")
        );
    }
}
