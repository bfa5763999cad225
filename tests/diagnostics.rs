//! Bad inputs, as data, one test per case: `tests/diagnostics/<case>/` holds the files
//! a case changes on top of `tests/diagnostics/_base/` (a valid platform), an optional
//! `delete.txt` listing base files to remove, and `expected.txt`: the exit code and
//! every diagnostic with its code, `file:line:col`, message and help.
//!
//! Each case first builds the base, so an output tree exists, then applies the case
//! and runs `pave build`: the tree must be left byte-for-byte untouched, the process
//! must not panic, and the diagnostics must be exactly the expected ones.
//!
//! A `harness = false` target (libtest-mimic): one trial per case folder, named
//! `diagnostics::<case>`, run in parallel. `cargo test --test diagnostics <case>` runs
//! one case; `UPDATE_EXPECT=1 cargo test diagnostics` rewrites the expectations.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;

use support::{copy_dir, pave, project, snapshot, stderr, stdout};

/// Fewer cases than this means the folder was not found or lost its cases.
const MIN_CASES: usize = 25;

fn main() {
    let args = Arguments::from_args();
    let cases = cases();
    let mut trials = vec![Trial::test("diagnostics::there-are-enough-cases", {
        let count = cases.len();
        move || match count >= MIN_CASES {
            true => Ok(()),
            false => Err(Failed::from(format!("only {count} bad-input cases"))),
        }
    })];
    trials.extend(cases.into_iter().map(|case| {
        let name = case
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Trial::test(format!("diagnostics::{name}"), move || {
            run_case(&case).map_err(Failed::from)
        })
    }));
    libtest_mimic::run(&args, trials).exit();
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = fs::read_dir(project().join("tests/diagnostics"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.file_name().unwrap().to_string_lossy().starts_with('_'))
        .collect();
    cases.sort();
    cases
}

/// One line per diagnostic, from the `--format json` document on stdout.
fn summarize(json: &str) -> Vec<String> {
    let report: Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("not JSON ({e}):\n{json}"));
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let place = match (d["file"].as_str(), d["line"].as_u64()) {
                (Some(f), Some(l)) => format!("{f}:{l}:{}", d["column"]),
                (Some(f), None) => f.to_string(),
                _ => "-".to_string(),
            };
            let mut line = format!(
                "{}[{}] {place}: {}",
                d["severity"].as_str().unwrap(),
                d["code"].as_str().unwrap(),
                d["message"].as_str().unwrap()
            );
            if let Some(label) = d["labels"]
                .as_array()
                .and_then(|l| l.first())
                .and_then(|l| l["message"].as_str())
            {
                line.push_str(&format!(" [{label}]"));
            }
            if let Some(help) = d["help"].as_str() {
                line.push_str(&format!(" (help: {help})"));
            }
            for note in d["notes"].as_array().into_iter().flatten() {
                line.push_str(&format!(" (note: {})", note.as_str().unwrap_or_default()));
            }
            line
        })
        .collect()
}

fn run_case(case: &Path) -> Result<(), String> {
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&project().join("tests/diagnostics/_base"), repo.path());
    let base = pave(&["build"], repo.path());
    assert!(
        base.status.success(),
        "the base platform must build: {}",
        stderr(&base)
    );
    for entry in walkdir::WalkDir::new(case).sort_by_file_name() {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(case).unwrap();
        let name = rel.to_string_lossy();
        if entry.file_type().is_dir() || name == "expected.txt" || name == "delete.txt" {
            continue;
        }
        let target = repo.path().join(rel);
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        if entry.file_type().is_symlink() {
            // Cases about symbolic links keep them links.
            let link = fs::read_link(entry.path()).unwrap();
            std::os::unix::fs::symlink(link, target).unwrap();
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
    if let Ok(list) = fs::read_to_string(case.join("delete.txt")) {
        for line in list.lines().filter(|l| !l.trim().is_empty()) {
            fs::remove_file(repo.path().join(line.trim())).unwrap();
        }
    }
    let before = snapshot(&repo.path().join("generated"));
    let out = pave(&["build", "--format", "json"], repo.path());
    let err = stderr(&out);
    if err.contains("panicked") {
        return Err(format!("pave panicked:\n{err}"));
    }
    let code = out.status.code().unwrap_or(-1);
    // A run with errors must not write; a warnings-only run is a successful build.
    if code != 0 && snapshot(&repo.path().join("generated")) != before {
        return Err("the output tree was changed".into());
    }
    let mut actual = vec![format!("exit: {code}")];
    // Machine output is stdout's alone: progress and summaries stay on stderr.
    actual.extend(summarize(&stdout(&out)));
    let actual = actual.join("\n") + "\n";
    let expected_path = case.join("expected.txt");
    if std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1") {
        fs::write(&expected_path, &actual).unwrap();
    }
    let expected = fs::read_to_string(&expected_path).unwrap_or_default();
    match expected == actual {
        true => Ok(()),
        false => Err(format!("expected:\n{expected}\nactual:\n{actual}")),
    }
}
