//! The write path under attack and under failure, through the real binary: symlinks
//! inside the output roots are never followed (read, write or delete), and a build
//! that is killed or fails leaves the old tree or a journal the next build finishes,
//! never a silent mix. Every test checks that nothing outside the scratch repository
//! changed and that no temporary file or journal survives the next build.

use std::collections::BTreeSet;
use std::os::unix::fs::symlink;
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::*;

const SECRET: &str = "secret-value-7f3a";

/// A scratch folder holding the repository and a sibling "outside" folder that a
/// hostile repository would like to read, write or delete.
struct Scratch {
    _dir: tempfile::TempDir,
    repo: PathBuf,
    outside: PathBuf,
}

impl Scratch {
    /// The bad-input cases' valid base platform, not built yet.
    fn new() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        let outside = dir.path().join("outside");
        copy_dir(&project().join("tests/diagnostics/_base"), &repo);
        fs::create_dir_all(outside.join("far")).unwrap();
        fs::write(outside.join("secret.env"), format!("TOKEN={SECRET}\n")).unwrap();
        fs::write(outside.join("far/victim.yaml"), "keep: me\n").unwrap();
        Scratch {
            _dir: dir,
            repo,
            outside,
        }
    }

    fn built() -> Scratch {
        let s = Scratch::new();
        s.build_ok();
        s
    }

    fn run(&self, args: &[&str]) -> Output {
        pave(args, &self.repo)
    }

    fn build_ok(&self) {
        let out = self.run(&["build"]);
        assert!(out.status.success(), "{}", stderr(&out));
    }

    fn check_clean(&self) {
        let out = self.run(&["check"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}{}",
            stdout(&out),
            stderr(&out)
        );
        assert!(
            leftovers(&self.repo).is_empty(),
            "{:?}",
            leftovers(&self.repo)
        );
    }

    /// Edits the sources so that a few files change.
    fn change_sources(&self) {
        edit(
            &self.repo.join("services/api.yaml"),
            "LOG_LEVEL: info",
            "LOG_LEVEL: debug",
        );
        edit(
            &self.repo.join("platform.yaml"),
            "replicas: 2",
            "replicas: 3",
        );
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from}", path.display());
    fs::write(path, text.replace(from, to)).unwrap();
}

/// Temporary files and journals anywhere in `dir` (symlinks included, never followed).
fn leftovers(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".pave-tmp") || n == ".pave-journal")
        .collect()
}

/// The generated files only, without temporary files and the journal.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = snapshot(dir);
    files.retain(|p, _| {
        !p.starts_with("services/")
            && p != "platform.yaml"
            && !p.ends_with(".pave-tmp")
            && !p.ends_with(".pave-journal")
    });
    files
}

fn assert_no_secret(out: &Output) {
    assert!(
        !stdout(out).contains(SECRET) && !stderr(out).contains(SECRET),
        "the secret leaked"
    );
}

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

#[test]
fn a_symlinked_folder_with_a_manifest_entry_is_refused_not_pruned() {
    let s = Scratch::built();
    symlink(s.outside.join("far"), s.repo.join("generated/evil")).unwrap();
    let manifest_path = s.repo.join("generated/.pave-manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(&manifest_path).unwrap()).unwrap();
    manifest["folders"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({ "path": "generated/evil", "files": { "victim.yaml": "00" } }));
    fs::write(
        &manifest_path,
        serde_json::to_vec_pretty(&manifest).unwrap(),
    )
    .unwrap();
    let (outside, repo) = (snapshot(&s.outside), snapshot(&s.repo));
    for command in ["build", "check", "diff"] {
        let out = s.run(&[command]);
        assert_eq!(out.status.code(), Some(1), "{command}: {}", stderr(&out));
        assert_eq!(count(&stderr(&out), "error[E0405]"), 1, "{}", stderr(&out));
        assert!(stderr(&out).contains("`generated/evil` is a symlink"));
    }
    assert_eq!(outside, snapshot(&s.outside));
    assert_eq!(repo, snapshot(&s.repo));
}

#[test]
fn a_symlinked_output_folder_receives_nothing() {
    for link in ["generated/kubernetes/dev", "generated"] {
        let s = Scratch::built();
        let target = s.outside.join("far");
        fs::remove_dir_all(s.repo.join(link)).unwrap();
        symlink(&target, s.repo.join(link)).unwrap();
        let (outside, repo) = (snapshot(&s.outside), snapshot(&s.repo));
        let out = s.run(&["build"]);
        assert_eq!(out.status.code(), Some(1), "{link}: {}", stderr(&out));
        // One diagnostic for the link, not one per file under it.
        assert_eq!(count(&stderr(&out), "error[E0405]"), 1, "{}", stderr(&out));
        assert!(stderr(&out).contains(&format!("`{link}` is a symlink")));
        // `check` and `diff` say the same, not that a build was interrupted.
        for command in ["check", "diff"] {
            let out = s.run(&[command]);
            assert_eq!(out.status.code(), Some(1), "{command}: {}", stderr(&out));
            assert!(stderr(&out).contains("error[E0405]"), "{}", stderr(&out));
            assert!(!stderr(&out).contains("E0407"), "{}", stderr(&out));
        }
        assert_eq!(outside, snapshot(&s.outside), "{link}");
        assert_eq!(repo, snapshot(&s.repo), "{link}");
    }
}

#[test]
fn a_planted_temporary_symlink_is_unlinked_never_written_through() {
    let s = Scratch::built();
    let file = "generated/kubernetes/dev/api/deployment.yaml";
    fs::remove_file(s.repo.join(file)).unwrap();
    let temp = s
        .repo
        .join("generated/kubernetes/dev/api/.deployment.yaml.pave-tmp");
    symlink(s.outside.join("far/victim.yaml"), &temp).unwrap();
    let outside = snapshot(&s.outside);
    s.build_ok();
    assert_eq!(outside, snapshot(&s.outside));
    assert!(
        fs::symlink_metadata(&temp).is_err(),
        "the planted link is gone"
    );
    assert!(fs::symlink_metadata(s.repo.join(file)).unwrap().is_file());
    s.check_clean();
}

#[test]
fn an_owned_file_replaced_by_a_symlink_to_a_secret_is_never_read() {
    let s = Scratch::built();
    let file = "generated/kubernetes/dev/api/configmap.yaml";
    fs::remove_file(s.repo.join(file)).unwrap();
    symlink(s.outside.join("secret.env"), s.repo.join(file)).unwrap();
    let (outside, repo) = (snapshot(&s.outside), snapshot(&s.repo));
    for command in ["check", "diff", "build"] {
        let out = s.run(&[command]);
        assert_eq!(out.status.code(), Some(1), "{command}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("`{file}` is a symlink")),
            "{command}: {}",
            stderr(&out)
        );
        assert!(!stdout(&out).contains("edited by hand"), "{}", stdout(&out));
        assert_no_secret(&out);
    }
    assert_eq!(outside, snapshot(&s.outside));
    assert_eq!(repo, snapshot(&s.repo));
}

#[test]
fn a_folder_where_a_file_goes_is_refused_before_anything_is_written() {
    let s = Scratch::built();
    s.change_sources();
    let file = "generated/kubernetes/dev/api/configmap.yaml";
    fs::remove_file(s.repo.join(file)).unwrap();
    fs::create_dir_all(s.repo.join(file).join("inside")).unwrap();
    let before = snapshot(&s.repo);
    let out = s.run(&["build", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("\"code\": \"E0406\""),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains(&format!("`{file}` is a folder where pave writes a file")),
        "{}",
        stdout(&out)
    );
    assert_eq!(before, snapshot(&s.repo));
    assert!(leftovers(&s.repo).is_empty(), "{:?}", leftovers(&s.repo));
}

#[test]
fn a_journal_naming_files_pave_may_not_touch_is_refused() {
    let s = Scratch::built();
    fs::write(s.repo.join("services/.keep"), "mine\n").unwrap();
    let journal = |writes: &str, stale: &str| {
        serde_json::json!({
            "pave": "0.1.0",
            "writes": [writes],
            "stale": [stale],
            "manifest": "generated/.pave-manifest.json",
            "manifest_bytes": "{}",
        })
    };
    let cases = [
        journal(
            "generated/../../outside/far/victim.yaml",
            "generated/helm/dev/api.values.yaml",
        ),
        journal("generated/helm/dev/api.values.yaml", "services/.keep"),
        journal(
            "generated/helm/dev/api.values.yaml",
            "generated/unowned.yaml",
        ),
    ];
    // Roots to rename whole: only folder roots of the layout, never a file root, a
    // folder inside a root, or a path outside them.
    let roots = [
        "atlantis.yaml",
        "generated/helm",
        "..",
        "services",
        ".github",
    ];
    let cases = cases.into_iter().chain(roots.map(|root| {
        let mut case = journal("generated/helm/dev/api.values.yaml", "generated/x.yaml");
        case["stale"] = serde_json::json!([]);
        case["roots"] = serde_json::json!([root]);
        case
    }));
    fs::write(s.repo.join("generated/unowned.yaml"), "theirs\n").unwrap();
    for case in cases {
        let path = s.repo.join("generated/.pave-journal");
        fs::write(&path, serde_json::to_vec(&case).unwrap()).unwrap();
        let (outside, repo) = (snapshot(&s.outside), snapshot(&s.repo));
        let out = s.run(&["build"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(stderr(&out).contains("error[E0408]"), "{}", stderr(&out));
        assert_eq!(outside, snapshot(&s.outside));
        assert_eq!(repo, snapshot(&s.repo));
    }
}

/// Runs `pave build` with a fault injected (debug builds only).
fn build_with_fault(s: &Scratch, fault: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pave"))
        .args(["build", "--today", TODAY])
        .current_dir(&s.repo)
        .env("PAVE_FAULT", fault)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// The tree the current sources of `s` produce, built in a separate copy.
fn expected_tree(s: &Scratch) -> BTreeMap<String, Vec<u8>> {
    let copy = tempfile::tempdir().unwrap();
    copy_dir(&s.repo.join("services"), &copy.path().join("services"));
    fs::copy(
        s.repo.join("platform.yaml"),
        copy.path().join("platform.yaml"),
    )
    .unwrap();
    let out = pave(&["build"], copy.path());
    assert!(out.status.success(), "{}", stderr(&out));
    tree(copy.path())
}

/// After a failed switch: `check` names the interrupted build (no false drift), the
/// next build finishes it, and the tree is exactly the new one.
fn assert_recovers(s: &Scratch, expected: &BTreeMap<String, Vec<u8>>) {
    assert!(s.repo.join("generated/.pave-journal").is_file());
    for command in ["check", "diff"] {
        let out = s.run(&[command]);
        assert_eq!(out.status.code(), Some(1), "{command}");
        assert!(stderr(&out).contains("error[E0407]"), "{}", stderr(&out));
        assert!(!stdout(&out).contains("edited by hand"), "{}", stdout(&out));
    }
    let out = s.run(&["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("finished an interrupted build"));
    s.check_clean();
    assert_eq!(&tree(&s.repo), expected);
}

#[test]
fn a_failing_rename_is_finished_by_the_next_build() {
    if !cfg!(debug_assertions) {
        return; // the fault hook exists only in debug builds
    }
    let s = Scratch::built();
    s.change_sources();
    let expected = expected_tree(&s);
    let out = build_with_fault(&s, "rename:2");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("injected fault"), "{}", stderr(&out));
    assert!(stderr(&out).contains("next `pave build` finishes"));
    assert_recovers(&s, &expected);
}

/// The build that finishes an interrupted one reads the manifest the journal wrote,
/// not the one it read ahead while the sources resolved: with the sources changed again
/// in between, the files of a service the interrupted build added are pave's, not
/// files pave does not own (E0403).
#[test]
fn the_build_that_finishes_an_interrupted_one_reads_the_manifest_it_wrote() {
    if !cfg!(debug_assertions) {
        return; // the fault hook exists only in debug builds
    }
    let s = Scratch::built();
    let extra = s.repo.join("services/extra.yaml");
    let text =
        "name: extra\nowner: team-core\nimage: ghcr.io/acme/extra:1.0.0\nenv:\n  LOG_LEVEL: info\n";
    fs::write(&extra, text).unwrap();
    let out = build_with_fault(&s, "rename:2");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    edit(&extra, "LOG_LEVEL: info", "LOG_LEVEL: warn");
    let expected = expected_tree(&s);
    let out = s.run(&["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("finished an interrupted build"));
    s.check_clean();
    assert_eq!(tree(&s.repo), expected);
}

#[test]
fn a_failing_stale_deletion_is_retried_by_the_next_build() {
    if !cfg!(debug_assertions) {
        return; // root deletes from read-only folders; only the hook can refuse it
    }
    let s = Scratch::built();
    fs::remove_file(s.repo.join("services/api.yaml")).unwrap();
    let expected = expected_tree(&s);
    let out = build_with_fault(&s, "delete");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // The new manifest is committed only after the deletions: the old one still owns
    // the stale files, so they cannot be forgotten.
    let manifest = fs::read(s.repo.join("generated/.pave-manifest.json")).unwrap();
    let owned = pave::testing::manifest_hashes(&manifest).unwrap();
    assert!(owned.contains_key("generated/kubernetes/dev/api/deployment.yaml"));
    assert_recovers(&s, &expected);
    assert!(!s.repo.join("generated/kubernetes/dev/api").exists());
}

#[test]
fn a_write_past_the_file_size_limit_changes_nothing() {
    for fresh in [true, false] {
        let s = if fresh {
            Scratch::new()
        } else {
            Scratch::built()
        };
        s.change_sources();
        let before = snapshot(&s.repo);
        let script = format!(
            "ulimit -f 1; exec '{}' build --today {TODAY}",
            env!("CARGO_BIN_EXE_pave")
        );
        let out = Command::new("sh")
            .args(["-c", &script])
            .current_dir(&s.repo)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("error[E0401]"), "{}", stderr(&out));
        assert_eq!(before, snapshot(&s.repo), "fresh: {fresh}");
        assert!(leftovers(&s.repo).is_empty(), "{:?}", leftovers(&s.repo));
        // Folders created for the failed build are gone too.
        assert_eq!(s.repo.join("generated").exists(), !fresh);
        s.build_ok();
        s.check_clean();
    }
}

#[test]
fn a_second_build_waits_for_the_lock_then_fails_clearly() {
    let s = Scratch::built();
    s.change_sources();
    let before = snapshot(&s.repo);
    // Hold the lock a running build would hold: an exclusive flock on the tree folder.
    let held = fs::File::open(&s.repo).unwrap();
    held.lock().unwrap();
    let start = Instant::now();
    let outs: Vec<Output> = std::thread::scope(|scope| {
        let runs: Vec<_> = ["build", "check"]
            .map(|c| scope.spawn(|| s.run(&[c])))
            .into_iter()
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert!(start.elapsed() >= Duration::from_secs(59), "it waited");
    for out in &outs {
        assert_eq!(out.status.code(), Some(2), "{}", stderr(out));
        assert!(stderr(out).contains("error[E0409]"), "{}", stderr(out));
    }
    assert_eq!(before, snapshot(&s.repo));
    drop(held);
    // Two real builds at once: the second waits for the first, the tree ends whole.
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_pave"))
                .args(["build", "--today", TODAY])
                .current_dir(&s.repo)
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    s.check_clean();
    let listed = snapshot(&s.repo);
    assert!(listed.keys().all(|p| !p.contains("lock")), "no lock file");
}

#[test]
fn an_identical_unowned_file_is_adopted_with_a_warning_and_a_different_one_refused() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&project().join("examples/shop"), dir.path());
    let _ = fs::remove_dir_all(dir.path().join("generated"));
    let out = pave(&["build"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    // The output folder (and the manifest in it) deleted: `atlantis.yaml` and the
    // workflows stay behind, byte for byte what pave writes, but unlisted.
    fs::remove_dir_all(dir.path().join("generated")).unwrap();
    let out = pave(&["build", "--deny-warnings"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!dir.path().join("generated").exists());
    let out = pave(&["build"], dir.path());
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("warning[E0410]"), "{err}");
    assert!(
        err.contains("warning[E0410]: `atlantis.yaml` was not written by pave"),
        "{err}"
    );
    let manifest = fs::read_to_string(dir.path().join("generated/.pave-manifest.json")).unwrap();
    assert!(manifest.contains("\"atlantis.yaml\""));
    // Someone else's file with other bytes is never overwritten.
    fs::remove_dir_all(dir.path().join("generated")).unwrap();
    fs::write(dir.path().join("atlantis.yaml"), "version: 3\n# ours\n").unwrap();
    let before = snapshot(dir.path());
    let out = pave(&["build"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("error[E0403]"), "{}", stderr(&out));
    assert!(stderr(&out).contains("`atlantis.yaml` exists and pave does not own it"));
    assert_eq!(before, snapshot(dir.path()));
}

/// After `output:` changes, the files pave wrote outside the old output folder are
/// recorded only in the old folder's manifest. Where they now differ from what pave
/// writes (the workflows name the output folder), the build refuses them, nothing is
/// written, and the help says why and what to do.
#[test]
fn a_changed_output_folder_says_why_its_files_outside_it_are_not_owned() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&project().join("examples/shop"), dir.path());
    let _ = fs::remove_dir_all(dir.path().join("generated"));
    let out = pave(&["build"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    edit(
        &dir.path().join("platform.yaml"),
        "output: generated",
        "output: deploy",
    );
    let before = snapshot(dir.path());
    let out = pave(&["build", "--format", "json"], dir.path());
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(report.contains("\"code\": \"E0403\""), "{report}");
    assert!(
        report.contains("there is none at `deploy/.pave-manifest.json`; if an earlier build wrote this file before `output:` changed"),
        "{report}"
    );
    assert_eq!(before, snapshot(dir.path()));
}

/// A tiny deterministic generator for kill points; the seed is printed on failure.
fn next(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *seed >> 33
}

/// The journal's inode, so a newly written journal can be told from an old one.
fn journal_id(repo: &Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    fs::symlink_metadata(repo.join("generated/.pave-journal"))
        .ok()
        .map(|m| m.ino())
}

/// Starts `pave build` and SIGKILLs it: in round 0 at a random time in the second half
/// of a build (staging, usually), otherwise a random few milliseconds after it wrote a
/// new journal (in the middle of the renames).
fn build_and_kill(repo: &Path, round: usize, full: Duration, seed: &mut u64) -> String {
    let before = journal_id(repo);
    let mut child = Command::new(env!("CARGO_BIN_EXE_pave"))
        .args(["build", "--today", TODAY])
        .current_dir(repo)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let point = if round == 0 {
        let delay = full * (50 + next(seed) % 50) as u32 / 100;
        std::thread::sleep(delay);
        format!("{delay:?} after the start")
    } else {
        while child.try_wait().unwrap().is_none() && journal_id(repo) == before
            || journal_id(repo).is_none() && child.try_wait().unwrap().is_none()
        {
            std::thread::sleep(Duration::from_micros(200));
        }
        let delay = Duration::from_micros(next(seed) % 40_000);
        std::thread::sleep(delay);
        format!("{delay:?} after the journal")
    };
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    point
}

/// Whether the generated tree is exactly what its manifest says: every owned file has
/// its recorded hash and every file (but temporary ones) is owned. A mixed tree (some
/// files renamed, the old manifest still in place) fails this.
fn matches_its_manifest(repo: &Path) -> bool {
    let manifest = fs::read(repo.join("generated/.pave-manifest.json")).unwrap();
    let owned = pave::testing::manifest_hashes(&manifest).unwrap();
    let files = tree(repo);
    let on_disk = files
        .keys()
        .filter(|p| p.as_str() != "generated/.pave-manifest.json")
        .all(|p| owned.contains_key(p));
    on_disk
        && owned.iter().all(|(path, sha256)| {
            files
                .get(path)
                .map(|b| pave::testing::manifest_hash(b))
                .as_ref()
                == Some(sha256)
        })
}

/// A synthetic repository of 200 services in one environment under `dir`, built once,
/// and how long that build took (the kill tests pick their kill points from it).
fn built_synthetic_repo(dir: &Path) -> (PathBuf, Duration) {
    let repo = dir.join("repo");
    let synth = Command::new(env!("CARGO_BIN_EXE_pave-synth"))
        .arg(&repo)
        .args(["--services", "200", "--envs", "1"])
        .output()
        .unwrap();
    assert!(synth.status.success(), "{}", stderr(&synth));
    let start = Instant::now();
    let out = pave(&["build"], &repo);
    assert!(out.status.success(), "{}", stderr(&out));
    (repo, start.elapsed())
}

/// A seed for the kill points that differs between runs; tests print it on failure.
fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.as_nanos() as u64)
}

#[test]
fn kill_nine_at_random_points_then_the_next_build_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let (repo, full) = built_synthetic_repo(dir.path());
    let outside_dir = dir.path().join("outside");
    fs::create_dir_all(&outside_dir).unwrap();
    fs::write(outside_dir.join("secret.env"), format!("TOKEN={SECRET}\n")).unwrap();
    let outside = snapshot(&outside_dir);
    let platform = repo.join("platform.yaml");
    let mut seed = clock_seed();
    let first_seed = seed;
    let mut states = Vec::new();
    let mut format = "json".to_string();
    // Every round changes the sources, so every build has files to switch.
    for round in 0..3 {
        let next_format = format!("v{round}");
        edit(
            &platform,
            &format!("LOG_FORMAT: {format}"),
            &format!("LOG_FORMAT: {next_format}"),
        );
        format = next_format;
        let point = build_and_kill(&repo, round, full, &mut seed);
        let journal = journal_id(&repo).is_some();
        states.push((point, journal, matches_its_manifest(&repo)));
    }
    let out = pave(&["build"], &repo);
    assert!(out.status.success(), "seed {first_seed}: {}", stderr(&out));
    let out = pave(&["check"], &repo);
    assert_eq!(
        out.status.code(),
        Some(0),
        "seed {first_seed}: {}",
        stdout(&out)
    );
    assert!(leftovers(&repo).is_empty(), "{:?}", leftovers(&repo));
    assert!(matches_its_manifest(&repo));
    assert_eq!(outside, snapshot(&outside_dir));
    for (point, journal, whole) in &states {
        eprintln!("killed {point}: journal {journal}, tree matches its manifest {whole}");
        // Without a journal the tree is whole. With one it may be part way, and
        // `check` says so (see assert_recovers) until the next build finishes it.
        assert!(
            *journal || *whole,
            "seed {first_seed}: killed {point}, a mixed tree without a journal"
        );
    }
    assert!(
        states.iter().any(|(_, journal, _)| *journal),
        "seed {first_seed}: no kill landed in the switch"
    );
}

/// Every path under `dir`, folders and hidden files included.
fn entries(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

/// `build` is refused for a file pave does not own (E0403), and every path in the
/// repository, folders and hidden files included, is as it was.
fn assert_refused_unowned_leaving_all_as_it_was(s: &Scratch) {
    let before = entries(&s.repo);
    let out = s.run(&["build", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("\"code\": \"E0403\""),
        "{}",
        stdout(&out)
    );
    assert_eq!(before, entries(&s.repo));
}

/// A build stages each changed file as soon as its target renders, before it knows
/// the whole plan. When the plan is then refused (here a file pave does not own, found
/// after other targets' files were staged in folders the build created), the staged
/// files and the new folders go: the repository is exactly as it was.
#[test]
fn a_build_refused_after_staging_leaves_no_staged_file_or_new_folder() {
    let s = Scratch::new();
    let theirs = s.repo.join("generated/prometheus/dev");
    fs::create_dir_all(&theirs).unwrap();
    fs::write(theirs.join("_contract.rules.yaml"), "hand-written\n").unwrap();
    assert_refused_unowned_leaving_all_as_it_was(&s);
    assert_eq!(
        fs::read_to_string(theirs.join("_contract.rules.yaml")).unwrap(),
        "hand-written\n"
    );
    // Without the stranger's file the same build goes through.
    fs::remove_file(theirs.join("_contract.rules.yaml")).unwrap();
    s.build_ok();
    s.check_clean();
}

/// A fresh copy of the shop example (three output roots: `generated`,
/// `.github/workflows` and `atlantis.yaml`), never built.
fn fresh_shop() -> Scratch {
    let s = Scratch::new();
    fs::remove_dir_all(&s.repo).unwrap();
    copy_dir(&project().join("examples/shop"), &s.repo);
    for root in ["generated", ".github", "atlantis.yaml"] {
        assert!(!s.repo.join(root).exists(), "{root}");
    }
    s
}

/// The tree a plain build of a copy of `s` (not built yet) writes.
fn built_copy(s: &Scratch) -> BTreeMap<String, Vec<u8>> {
    let copy = tempfile::tempdir().unwrap();
    copy_dir(&s.repo, copy.path());
    let out = pave(&["build"], copy.path());
    assert!(out.status.success(), "{}", stderr(&out));
    tree(copy.path())
}

/// Paths whose bytes differ between two trees (or that one lacks): short messages.
fn differences(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    a.keys()
        .chain(b.keys())
        .filter(|p| a.get(*p) != b.get(*p))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// A fresh tree's folder roots are staged whole, each in a shadow beside it, and
/// renamed into place once: the shop's fresh build renames the output folder's shadow
/// (which commits the journal), the workflows folder's shadow, `atlantis.yaml` and the
/// manifest, four renames for a tree of many files.
#[test]
fn a_fresh_tree_is_staged_whole_and_renamed_root_by_root() {
    if !cfg!(debug_assertions) {
        return; // the fault hook exists only in debug builds
    }
    let s = fresh_shop();
    let expected = built_copy(&s);
    let before = entries(&s.repo);
    // The first rename (the output folder's) fails: nothing was committed, and the
    // repository is as it was, without a shadow or a folder made for one.
    let out = build_with_fault(&s, "rename");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("injected fault"), "{}", stderr(&out));
    assert_eq!(before, entries(&s.repo));
    // Four renames are all a fresh build makes.
    let out = build_with_fault(&s, "rename:4");
    assert!(out.status.success(), "{}", stderr(&out));
    s.check_clean();
    assert_eq!(differences(&tree(&s.repo), &expected), Vec::<String>::new());
}

/// The output folder's shadow is renamed (the journal with it), then the workflows
/// folder's rename fails: the tree is part new, `check` says so, and the next build
/// finishes it from the journal.
#[test]
fn a_fresh_tree_interrupted_after_its_output_folder_is_finished_by_the_next_build() {
    if !cfg!(debug_assertions) {
        return; // the fault hook exists only in debug builds
    }
    let s = fresh_shop();
    let expected = built_copy(&s);
    let out = build_with_fault(&s, "rename:1");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("next `pave build` finishes"));
    assert!(s.repo.join(".github/.workflows.pave-tmp").is_dir());
    assert!(!s.repo.join(".github/workflows").exists());
    assert_recovers(&s, &expected);
}

/// SIGKILL at random points of fresh builds: before the output folder's shadow is
/// renamed the repository holds no output at all (a shadow at most, which the next
/// build sweeps); after it, a journal or the whole tree. Never a tree without a journal
/// that does not match its manifest.
#[test]
fn kill_nine_during_a_fresh_build_leaves_no_tree_or_a_journal() {
    let dir = tempfile::tempdir().unwrap();
    let (repo, full) = built_synthetic_repo(dir.path());
    let expected = tree(&repo);
    let mut seed = clock_seed();
    let first_seed = seed;
    let mut killed_before_the_commit = 0;
    for _ in 0..4 {
        fs::remove_dir_all(repo.join("generated")).unwrap();
        // Round 0 of build_and_kill: a random point in the second half of the build.
        let point = build_and_kill(&repo, 0, full, &mut seed);
        if !repo.join("generated").exists() {
            killed_before_the_commit += 1;
        } else if journal_id(&repo).is_none() {
            assert!(
                matches_its_manifest(&repo),
                "seed {first_seed}: killed {point}, a mixed tree without a journal"
            );
        }
        let out = pave(&["build"], &repo);
        assert!(out.status.success(), "seed {first_seed}: {}", stderr(&out));
        assert!(leftovers(&repo).is_empty(), "{:?}", leftovers(&repo));
        let wrong = differences(&tree(&repo), &expected);
        assert!(
            wrong.is_empty(),
            "seed {first_seed}: killed {point}: {wrong:?}"
        );
    }
    eprintln!("{killed_before_the_commit} of 4 kills came before the output folder's rename");
}

/// A fresh build refused after staging (here `atlantis.yaml` is someone else's file)
/// removes the shadows it staged into and the folders it made for them.
#[test]
fn a_fresh_build_refused_after_staging_leaves_no_shadow() {
    let s = fresh_shop();
    fs::write(s.repo.join("atlantis.yaml"), "version: 3\n").unwrap();
    assert_refused_unowned_leaving_all_as_it_was(&s);
}

/// `build --tree DIR` makes `DIR` when it does not exist yet, and removes it again when
/// a build writes nothing there (here a platform with an error).
#[test]
fn build_makes_a_missing_tree_folder_and_a_failed_build_leaves_none() {
    let s = Scratch::new();
    let tree = s.repo.parent().unwrap().join("tree");
    let tree_arg = tree.to_str().unwrap();
    let platform = s.repo.join("platform.yaml");
    let good = fs::read_to_string(&platform).unwrap();
    fs::write(&platform, format!("{good}\nunknown_key: 1\n")).unwrap();
    let out = s.run(&["build", "--tree", tree_arg]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!tree.exists());
    fs::write(&platform, good).unwrap();
    let out = s.run(&["build", "--tree", tree_arg]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(tree.join("generated/.pave-manifest.json").is_file());
    let out = s.run(&["check", "--tree", tree_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(leftovers(&tree).is_empty(), "{:?}", leftovers(&tree));
    // Only the folder itself is made: a missing parent is named.
    let deeper = tree.join("missing/out");
    let out = s.run(&["build", "--tree", deeper.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot make the tree folder"),
        "{}",
        stderr(&out)
    );
    assert!(!tree.join("missing").exists());
}

/// A symlinked folder above a root's shadow is never gone through: the sweep before a
/// build leaves a file of that name outside the repository alone (minimal: CI off, so
/// `.github/workflows` is a root nothing is written to; shop: a refused build).
#[test]
fn a_symlinked_folder_above_a_shadow_is_not_swept_through() {
    for example in ["minimal", "shop"] {
        let s = Scratch::new();
        fs::remove_dir_all(&s.repo).unwrap();
        copy_dir(&project().join("examples").join(example), &s.repo);
        fs::write(s.outside.join(".workflows.pave-tmp"), "precious\n").unwrap();
        symlink(&s.outside, s.repo.join(".github")).unwrap();
        let before = snapshot(&s.outside);
        let out = s.run(&["build"]);
        assert_eq!(before, snapshot(&s.outside), "{example}: {}", stderr(&out));
        if example == "shop" {
            assert!(stderr(&out).contains("E0405"), "{}", stderr(&out));
        }
    }
}

/// A journal whose output folder's shadow is still there beside the folder says both
/// exist and which to remove, and changes nothing.
#[test]
fn a_shadow_beside_its_existing_root_is_named() {
    let s = Scratch::built();
    fs::create_dir(s.repo.join(".generated.pave-tmp")).unwrap();
    let journal = serde_json::json!({
        "pave": "0.1.0",
        "roots": ["generated"],
        "writes": [],
        "stale": [],
        "manifest": "generated/.pave-manifest.json",
        "manifest_bytes": "{}",
    });
    let path = s.repo.join("generated/.pave-journal");
    fs::write(&path, serde_json::to_vec(&journal).unwrap()).unwrap();
    let repo = snapshot(&s.repo);
    let out = s.run(&["build", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("both exist; remove `.generated.pave-tmp`"),
        "{}",
        stdout(&out)
    );
    assert_eq!(repo, snapshot(&s.repo));
}

/// A journal an earlier pave wrote carries the new manifest's text instead of a staged
/// manifest; the next build still finishes it by writing that text. Here the manifest
/// is gone and only the journal has it: finished, pave owns its files again (no
/// adoption warnings) and writes nothing else.
#[test]
fn a_journal_carrying_the_manifest_text_is_still_finished() {
    let s = Scratch::built();
    let manifest = s.repo.join("generated/.pave-manifest.json");
    let text = fs::read_to_string(&manifest).unwrap();
    fs::remove_file(&manifest).unwrap();
    let journal = serde_json::json!({
        "pave": "0.1.0",
        "writes": [],
        "stale": [],
        "manifest": "generated/.pave-manifest.json",
        "manifest_bytes": text,
    });
    fs::write(
        s.repo.join("generated/.pave-journal"),
        serde_json::to_vec(&journal).unwrap(),
    )
    .unwrap();
    let out = s.run(&["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("finished an interrupted build"));
    assert!(!stderr(&out).contains("E0410"), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&manifest).unwrap(), text);
    assert!(!s.repo.join("generated/.pave-journal").exists());
    s.check_clean();
}

/// Runs pave in the scratch repository, killing it (and failing) after 20 s.
fn run_or_hang(repo: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pave"))
        .args(args)
        .args(["--today", TODAY])
        .current_dir(repo)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("`pave {}` hung", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// A FIFO where pave reads a generated file, the manifest or the journal: opening it
/// waited for a writer for ever, in build, check, diff and a dry run (found by an
/// independent attack). It is refused, named, and left where it is.
#[test]
fn a_fifo_in_the_output_tree_is_refused_never_waited_on() {
    for planted in [
        "generated/.pave-manifest.json",
        "generated/kubernetes/dev/api/deployment.yaml",
        "generated/.pave-journal",
    ] {
        let s = Scratch::built();
        let at = s.repo.join(planted);
        let _ = fs::remove_file(&at);
        let c_path = std::ffi::CString::new(at.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a NUL-terminated path and a plain mode.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
        for args in [
            &["build"][..],
            &["check"],
            &["diff"],
            &["build", "--dry-run"],
        ] {
            let out = run_or_hang(&s.repo, args);
            assert_eq!(
                out.status.code(),
                Some(1),
                "{planted} {args:?}: {}",
                stderr(&out)
            );
            // A journal's place taken is an interrupted build to `check` (E0407).
            let refused = stderr(&out).contains("error[E0406]")
                || (planted.ends_with("journal") && stderr(&out).contains("error[E0407]"));
            assert!(
                refused && stderr(&out).contains(planted),
                "{planted} {args:?}: {}",
                stderr(&out)
            );
        }
        let kind = fs::symlink_metadata(&at).unwrap().file_type();
        assert!(
            std::os::unix::fs::FileTypeExt::is_fifo(&kind),
            "{planted} left as it was"
        );
        assert!(leftovers(&s.repo).iter().all(|n| n == ".pave-journal"));
    }
}
