//! The fuzz corpus, replayed without cargo-fuzz: every seed under `fuzz/corpus/<target>/`
//! and every triaged crash under `fuzz/artifacts-triaged/<class>/<target>-*` goes through
//! the same entry function the fuzz target calls (`pave::fuzzing::run`).
//!
//! A stack overflow aborts the whole process and a hang never returns, so the inputs run
//! in a child process (this test binary, running the ignored `replay_batch` test): the
//! parent sees which input it was on when the child died or went silent, names it, and
//! carries on with the next one, so one run reports every bad input at once.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use super::*;

/// The fuzzers allow 5 s per input on an optimized build; this test binary is a debug
/// build, several times slower, so it gets a wider bound that still catches a hang.
const PER_INPUT: Duration = Duration::from_secs(20);

const TARGET_VAR: &str = "PAVE_FUZZ_REPLAY_TARGET";
const FILES_VAR: &str = "PAVE_FUZZ_REPLAY_FILES";

#[test]
fn fuzz_seed_corpus_runs_without_crash_or_hang() {
    let corpus = project().join("fuzz/corpus");
    let mut failures = Vec::new();
    let mut total = 0;
    for target in pave::fuzzing::TARGETS {
        let files = files_in(&corpus.join(target), |_| true);
        assert!(!files.is_empty(), "no seeds for the `{target}` fuzz target");
        total += files.len();
        failures.extend(replay(target, &files));
    }
    assert!(
        failures.is_empty(),
        "{} of {total} seeds failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Each crash the fuzzers found, minimized and triaged, stays fixed.
#[test]
fn fuzz_triaged_crashes_stay_fixed() {
    let triaged = project().join("fuzz/artifacts-triaged");
    let mut failures = Vec::new();
    let mut total = 0;
    for class in files_in(&triaged, |p| p.is_dir()) {
        for target in pave::fuzzing::TARGETS {
            let prefix = format!("{target}-");
            let files = files_in(&class, |p| file_name(p).starts_with(&prefix));
            total += files.len();
            failures.extend(replay(target, &files));
        }
    }
    assert!(total > 0, "no triaged inputs under {}", triaged.display());
    assert!(
        failures.is_empty(),
        "{} of {total} triaged crash inputs still fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The child side: runs the inputs listed in the environment, announcing each one.
#[test]
#[ignore = "run by the replay tests in a child process"]
fn replay_batch() {
    let target = std::env::var(TARGET_VAR).expect("started by a replay test");
    let files = std::env::var(FILES_VAR).expect("started by a replay test");
    let scratch = tempfile::tempdir().unwrap();
    for (i, file) in files.lines().enumerate() {
        println!("start {i}");
        let data = fs::read(file).unwrap();
        assert!(pave::fuzzing::run(&target, &data, scratch.path()));
        println!("done {i}");
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The entries of `dir` that pass `keep`, sorted; none when `dir` does not exist.
fn files_in(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .map(|e| e.unwrap().path())
        .filter(|p| !file_name(p).starts_with('.') && keep(p))
        .collect();
    files.sort();
    files
}

/// Runs `files` through `target`, restarting the child after each crash or hang;
/// returns one line per input that did not finish.
fn replay(target: &str, files: &[PathBuf]) -> Vec<String> {
    let mut failures = Vec::new();
    let mut next = 0;
    while next < files.len() {
        let batch = &files[next..];
        let (finished, failure) = run_batch(target, batch);
        next += finished;
        if let Some(why) = failure {
            let input = batch[finished]
                .strip_prefix(project())
                .unwrap_or(&batch[finished]);
            failures.push(format!("{target} {}: {why}", input.display()));
            next += 1;
        }
    }
    failures
}

/// Runs one child over `batch`: how many inputs finished, and why the next one did not.
fn run_batch(target: &str, batch: &[PathBuf]) -> (usize, Option<String>) {
    let list: Vec<String> = batch.iter().map(|p| p.display().to_string()).collect();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "fuzz_corpus::replay_batch", "--ignored"])
        .args(["--nocapture", "--test-threads=1", "-q"])
        .env(TARGET_VAR, target)
        .env(FILES_VAR, list.join("\n"))
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = progress(&mut child);
    let mut finished = 0;
    loop {
        match lines.recv_timeout(PER_INPUT) {
            Ok(line) if line.starts_with("done ") => finished += 1,
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) => {
                // Only this test's own child is killed.
                let _ = child.kill();
                let _ = child.wait();
                return (finished, Some(format!("no result within {PER_INPUT:?}")));
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    let status = child.wait().unwrap();
    match finished == batch.len() {
        true => (finished, None),
        false => (
            finished,
            Some(format!("{status}: {}", stderr_tail(&mut child))),
        ),
    }
}

/// The child's stdout, line by line, on a channel that closes when the child exits.
fn progress(child: &mut Child) -> Receiver<String> {
    let stdout = child.stdout.take().unwrap();
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    receive
}

/// The end of the child's stderr: the panic message or the overflow notice.
fn stderr_tail(child: &mut Child) -> String {
    let mut text = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        let _ = stderr.read_to_string(&mut text);
    }
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("note:"))
        .collect();
    lines[lines.len().saturating_sub(3)..].join(" | ")
}
