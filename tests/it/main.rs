//! pave's integration tests: one binary (see ARCHITECTURE.md) driving the real `pave`
//! executable on example repositories, golden trees and bad-input cases.

mod alerting;
mod check;
mod ci_github;
mod ci_pipelines;
mod cli;
mod delivery;
mod diagnostics;
mod fuzz_corpus;
mod golden;
mod helm;
#[cfg(unix)]
mod inputs;
mod policies;
mod renames;
mod resolve;
mod rollouts;
mod safe_change;
mod score;
mod template_bounds;
mod terraform;
mod terraform_interface;
mod validators;
mod volumes;
mod write_safety;
mod yaml_writer;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "../support/mod.rs"]
mod support;
pub use support::*;

/// The example repositories under `examples/`.
pub fn examples() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(project().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A temporary platform: the valid base of the bad-input cases with one case's files on top.
pub fn base_with_case(case: &str) -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&project().join("tests/diagnostics/_base"), repo.path());
    copy_dir(&project().join("tests/diagnostics").join(case), repo.path());
    repo
}

/// The output of the platform written only from SPEC (`tests/data/spec-platform`).
pub fn build_spec_platform() -> tempfile::TempDir {
    let tree = tempfile::tempdir().unwrap();
    let out = pave(
        &[
            "build",
            "--root",
            "tests/data/spec-platform",
            "--tree",
            tree.path().to_str().unwrap(),
        ],
        &project(),
    );
    assert!(
        out.status.success(),
        "the SPEC platform must build: {}",
        stderr(&out)
    );
    tree
}
