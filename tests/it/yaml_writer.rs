//! pave's YAML writer against serde-saphyr, the writer it replaced, on real output:
//! every example and a synthetic platform with every target on, each document
//! written by both and compared byte for byte (debug builds carry the comparison).

use std::process::Command;

use crate::{examples, project, stderr};

#[cfg(debug_assertions)]
#[test]
fn every_document_of_the_examples_and_a_synthetic_platform_matches_serde_saphyr() {
    let dir = tempfile::tempdir().unwrap();
    let synth = dir.path().join("synth");
    let out = Command::new(env!("CARGO_BIN_EXE_pave-synth"))
        .arg(&synth)
        .args(["--services", "20", "--envs", "3"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mut roots: Vec<_> = examples()
        .iter()
        .map(|e| project().join("examples").join(e))
        .collect();
    roots.push(synth);

    pave::testing::yaml_differential_start();
    let failed: Vec<_> = roots
        .iter()
        .filter(|r| !pave::testing::compiles(r))
        .collect();
    let (compared, mismatches) = pave::testing::yaml_differential_finish();

    assert!(failed.is_empty(), "do not compile: {failed:?}");
    assert!(
        mismatches.is_empty(),
        "{} of {compared} differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    eprintln!("{compared} YAML documents compared");
    // 20 services x 3 environments alone write well over a thousand documents.
    assert!(compared > 1000, "only {compared} documents compared");
}
