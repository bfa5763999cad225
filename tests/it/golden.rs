//! Every example compiles to `golden/<name>/` byte for byte, checked by the real
//! `pave check` (exact file set and bytes). `UPDATE_GOLDEN=1 cargo test` rewrites
//! the golden trees with the real `pave build`.

use super::*;

#[test]
fn every_example_matches_its_golden_tree() {
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    for name in examples() {
        let root = format!("examples/{name}");
        let tree = format!("golden/{name}");
        if update {
            fs::create_dir_all(project().join(&tree)).unwrap();
            let out = pave(&["build", "--root", &root, "--tree", &tree], &project());
            assert!(out.status.success(), "build {name}: {}", stderr(&out));
        }
        let out = pave(&["check", "--root", &root, "--tree", &tree], &project());
        assert_eq!(
            out.status.code(),
            Some(0),
            "golden/{name} is out of date; run `UPDATE_GOLDEN=1 cargo test golden` and review the diff:\n{}{}",
            stdout(&out),
            stderr(&out)
        );
    }
}

#[test]
fn two_builds_are_byte_identical() {
    for name in examples() {
        let source = project().join("examples").join(&name);
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        for dir in [&a, &b] {
            let out = pave(
                &[
                    "build",
                    "--root",
                    source.to_str().unwrap(),
                    "--tree",
                    dir.path().to_str().unwrap(),
                ],
                &project(),
            );
            assert!(out.status.success(), "{}", stderr(&out));
        }
        let (sa, sb) = (snapshot(a.path()), snapshot(b.path()));
        assert!(sa.len() > 5, "{name} produced only {} files", sa.len());
        assert_eq!(sa, sb, "two builds of {name} differ");
    }
}
