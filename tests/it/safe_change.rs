//! Safe change through the real binary, on a built copy of the shop example: what a
//! change destroys is reported (`diff`, `check`), pruned with a warning where the
//! environment is unprotected, and refused in a protected one unless allowed by
//! `--allow-destroy` or an `allow_destroy` entry; a refused build writes nothing.

use sha2::Digest;

use super::*;

/// The shop example, with a bucket added to `notifications` (which nothing else
/// references), built.
fn built_shop() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&project().join("examples/shop"), dir.path());
    let _ = fs::remove_dir_all(dir.path().join("generated"));
    edit(dir.path(), "services/notifications.yaml", |s| {
        s.replace(
            "  outbox: { type: queue",
            "  archive: { type: bucket }\n  outbox: { type: queue",
        )
    });
    let out = pave(&["build"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    dir
}

fn edit(root: &Path, file: &str, change: impl FnOnce(String) -> String) {
    let path = root.join(file);
    let text = fs::read_to_string(&path).unwrap();
    let changed = change(text.clone());
    assert_ne!(text, changed, "the edit of {file} changed nothing");
    fs::write(path, changed).unwrap();
}

/// Every file under `generated/`, hashed together.
fn tree_hash(root: &Path) -> String {
    let mut all = Vec::new();
    for (path, bytes) in snapshot(&root.join("generated")) {
        all.extend(path.into_bytes());
        all.push(0);
        all.extend(bytes);
    }
    format!("{:x}", sha2::Sha256::digest(&all))
}

/// Deletes `notifications` and the policy exception naming it.
/// Human output with its line wrapping and gutters undone.
fn flat(text: &str) -> String {
    text.replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn delete_notifications(root: &Path) {
    fs::remove_file(root.join("services/notifications.yaml")).unwrap();
    edit(root, "platform.yaml", |s| {
        let start = s
            .find("  exceptions:\n")
            .expect("the shop has an exception");
        let end = s[start..].find("expires: 2028-03-31\n").unwrap() + start + 20;
        format!("{}{}", &s[..start], &s[end..])
    });
}

const PROD_TF: &str = "generated/terraform/prod/notifications.tf";
const DEV_TF: &str = "generated/terraform/dev/notifications.tf";

#[test]
fn deleting_a_service_in_an_unprotected_environment_warns_and_prunes() {
    let repo = built_shop();
    delete_notifications(repo.path());
    let out = pave(&["build", "--env", "dev"], repo.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("warning[E0421]"), "{err}");
    assert!(err.contains("`shop-dev-notifications-archive`"), "{err}");
    assert!(!err.contains("E0420"), "{err}");
    assert!(!repo.path().join(DEV_TF).exists());
    // Outside `--env dev` nothing was touched.
    assert!(repo.path().join(PROD_TF).exists());
}

#[test]
fn deleting_a_service_in_a_protected_environment_is_refused_and_writes_nothing() {
    let repo = built_shop();
    delete_notifications(repo.path());
    let before = tree_hash(repo.path());
    let out = pave(&["build"], repo.path());
    let err = flat(&stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("error[E0420]"), "{err}");
    for word in [
        "`shop-prod-notifications-archive`",
        "service `notifications`",
        "need `archive`",
        "protected environment `prod`",
        "--allow-destroy prod/notifications/archive",
        "renamed_from",
    ] {
        assert!(err.contains(word), "{word} missing from:\n{err}");
    }
    assert_eq!(tree_hash(repo.path()), before, "a refused build wrote");
    // `check` in CI reports the same finding.
    let out = pave(&["check"], repo.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("error[E0420]"), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("blast radius:\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn allow_destroy_on_the_command_line_lets_the_build_proceed() {
    let repo = built_shop();
    delete_notifications(repo.path());
    let out = pave(
        &[
            "build",
            "--allow-destroy",
            "prod/notifications/archive",
            "--allow-destroy",
            "prod/notifications/outbox",
        ],
        repo.path(),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("allowed by `--allow-destroy prod/notifications/archive`"),
        "{err}"
    );
    assert!(!repo.path().join(PROD_TF).exists());
    let check = pave(&["check"], repo.path());
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
}

#[test]
fn allowing_one_need_still_refuses_the_other() {
    let repo = built_shop();
    delete_notifications(repo.path());
    let before = tree_hash(repo.path());
    let out = pave(
        &["build", "--allow-destroy", "prod/notifications/archive"],
        repo.path(),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("`shop-prod-notifications-outbox`"), "{err}");
    assert_eq!(tree_hash(repo.path()), before);
}

#[test]
fn an_allow_destroy_entry_with_a_reason_lets_the_build_proceed() {
    let repo = built_shop();
    delete_notifications(repo.path());
    edit(repo.path(), "platform.yaml", |s| {
        s + "allow_destroy:\n"
            + "  - target: prod/notifications/archive\n    reason: moved to the vendor (SHOP-200)\n    expires: 2027-01-31\n"
            + "  - target: prod/notifications/outbox\n    reason: moved to the vendor (SHOP-200)\n    expires: 2027-01-31\n"
    });
    let out = pave(&["build"], repo.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("allowed by `allow_destroy` until 2027-01-31: moved to the vendor (SHOP-200)"),
        "{err}"
    );
    assert!(!repo.path().join(PROD_TF).exists());
}

#[test]
fn an_expired_allow_destroy_entry_allows_nothing() {
    let repo = built_shop();
    delete_notifications(repo.path());
    edit(repo.path(), "platform.yaml", |s| {
        s + "allow_destroy:\n  - target: prod/notifications/archive\n    reason: r\n    expires: 2026-01-31\n"
    });
    let before = tree_hash(repo.path());
    let out = pave(&["build"], repo.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error[E0424]") && err.contains("error[E0420]"),
        "{err}"
    );
    assert_eq!(tree_hash(repo.path()), before);
}

#[test]
fn a_rename_without_renamed_from_is_refused_in_prod_naming_the_database() {
    let repo = built_shop();
    let root = repo.path();
    let text = fs::read_to_string(root.join("services/checkout.yaml")).unwrap();
    fs::remove_file(root.join("services/checkout.yaml")).unwrap();
    fs::write(
        root.join("services/orders.yaml"),
        text.replace("name: checkout", "name: orders"),
    )
    .unwrap();
    edit(root, "services/frontend.yaml", |s| {
        s.replace(
            "checkout: { service: checkout }",
            "checkout: { service: orders }",
        )
    });
    let before = tree_hash(root);
    let out = pave(&["build"], root);
    let err = flat(&stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("destroys the postgres `shop-prod-checkout-db` of service `checkout`, need `db`, in protected environment `prod`"),
        "{err}"
    );
    // The route's host moves from the old service to the new one.
    assert!(err.contains("warning[E0425]"), "{err}");
    assert_eq!(tree_hash(root), before);
}

#[test]
fn an_unknown_allow_destroy_target_is_a_usage_error() {
    let repo = built_shop();
    delete_notifications(repo.path());
    for (given, says) in [
        (
            "prod/notifications/archiv",
            "did you mean `prod/notifications/archive`?",
        ),
        ("prod/notifications", "is not `env/service/need`"),
    ] {
        let out = pave(&["build", "--allow-destroy", given], repo.path());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("error[E0422]") && err.contains(says), "{err}");
    }
}

#[test]
fn diff_prints_the_blast_radius_as_json() {
    let repo = built_shop();
    delete_notifications(repo.path());
    let out = pave(&["diff", "--format", "json"], repo.path());
    // The report is printed whole, and the refused destruction (E0420) fails the
    // command as it fails `check` and `build` (it exited 0: found by a review).
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["known"], true);
    let prod = &report["environments"]["prod"];
    assert_eq!(prod["protected"], true);
    let stateful: Vec<&str> = prod["removed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["stateful"] == true)
        .map(|r| r["physical"].as_str().unwrap())
        .collect();
    assert_eq!(
        stateful,
        [
            "shop-prod-notifications-archive",
            "shop-prod-notifications-outbox"
        ]
    );
    let codes: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"E0420") && codes.contains(&"E0421"),
        "{codes:?}"
    );
}

/// The Markdown report of a scripted change, against a reviewed golden file.
#[test]
fn diff_prints_the_blast_radius_as_markdown() {
    let repo = built_shop();
    delete_notifications(repo.path());
    let out = pave(&["diff", "--format", "markdown"], repo.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let golden = project().join("tests/data/blast/notifications-deleted.md");
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        fs::create_dir_all(golden.parent().unwrap()).unwrap();
        fs::write(&golden, stdout(&out)).unwrap();
    }
    assert_eq!(stdout(&out), fs::read_to_string(&golden).unwrap());
}

#[test]
fn markdown_is_only_for_diff() {
    let repo = built_shop();
    let out = pave(&["check", "--format", "markdown"], repo.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("E0117"), "{}", stderr(&out));
}

#[test]
fn a_manifest_without_an_inventory_is_read_and_the_blast_radius_is_unknown() {
    let repo = built_shop();
    let manifest = repo.path().join("generated/.pave-manifest.json");
    let mut value: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&manifest).unwrap()).unwrap();
    value.as_object_mut().unwrap().remove("inventory");
    fs::write(
        &manifest,
        serde_json::to_string_pretty(&value).unwrap() + "\n",
    )
    .unwrap();
    delete_notifications(repo.path());
    let out = pave(&["diff"], repo.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("blast radius: the previous manifest records no inventory"),
        "{}",
        stdout(&out)
    );
    // Nothing is known to be destroyed, so nothing is refused; the build records it.
    let out = pave(&["build"], repo.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        fs::read_to_string(&manifest)
            .unwrap()
            .contains("\n\"inventory\": {")
    );
}
