//! `check`, `diff` and `build` on a real tree: each kind of drift, narrowing,
//! pruning of stale owned files, and never touching files pave does not own.

use super::*;

/// A built copy of the shop example in a temporary folder.
fn built_shop() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&project().join("examples/shop"), dir.path());
    let _ = fs::remove_dir_all(dir.path().join("generated"));
    let out = pave(&["build"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    dir
}

const CART: &str = "generated/kubernetes/dev/cart/deployment.yaml";

#[test]
fn a_fresh_build_checks_clean() {
    let repo = built_shop();
    let out = pave(&["check"], repo.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(repo.path().join("generated/.pave-manifest.json").is_file());
}

#[test]
fn hand_edits_are_reported_with_a_diff() {
    let repo = built_shop();
    let path = repo.path().join(CART);
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("revisionHistoryLimit: 5", "revisionHistoryLimit: 9");
    fs::write(&path, text).unwrap();
    let out = pave(&["check"], repo.path());
    assert_eq!(out.status.code(), Some(1));
    let report = stdout(&out);
    assert!(
        report.contains(&format!("edited by hand: {CART}\n")),
        "{report}"
    );
    assert!(
        report.contains("-  revisionHistoryLimit: 9\n+  revisionHistoryLimit: 5\n"),
        "{report}"
    );
    assert!(report.contains("pave check: 1 file(s) differ (0 changed, 0 missing, 0 stale, 1 edited by hand); run `pave build --root .` to update them"), "{report}");
}

#[test]
fn missing_files_are_reported() {
    let repo = built_shop();
    fs::remove_file(repo.path().join(CART)).unwrap();
    let out = pave(&["check"], repo.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains(&format!("missing: {CART}\n")),
        "{}",
        stdout(&out)
    );
}

#[test]
fn source_changes_are_reported_as_changed() {
    let repo = built_shop();
    let service = repo.path().join("services/cart.yaml");
    let text = fs::read_to_string(&service)
        .unwrap()
        .replace("cart:2.0.1", "cart:2.0.2");
    fs::write(&service, text).unwrap();
    let out = pave(&["check"], repo.path());
    assert_eq!(out.status.code(), Some(1));
    let report = stdout(&out);
    assert!(report.contains(&format!("changed: {CART}\n")), "{report}");
    assert!(
        report.contains("+        image: ghcr.io/shop/cart:2.0.2"),
        "{report}"
    );
    // All three environments' Deployments and Helm values change, nothing else.
    assert!(
        report.contains(
            "pave check: 6 file(s) differ (6 changed, 0 missing, 0 stale, 0 edited by hand)"
        ),
        "{report}"
    );
}

#[test]
fn stale_files_are_reported_then_pruned_and_unowned_files_survive() {
    let repo = built_shop();
    fs::write(repo.path().join("generated/NOTES.md"), "mine\n").unwrap();
    fs::remove_file(repo.path().join("services/notifications.yaml")).unwrap();
    // The platform's exception names the removed service; drop it too.
    let platform = fs::read_to_string(repo.path().join("platform.yaml")).unwrap();
    let cut = platform
        .find("  exceptions:")
        .expect("the shop platform has exceptions");
    fs::write(repo.path().join("platform.yaml"), &platform[..cut]).unwrap();
    let out = pave(&["check"], repo.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("stale: generated/kubernetes/dev/notifications/deployment.yaml\n"),
        "{}",
        stdout(&out)
    );
    // Its queue is stateful and prod is protected: the destroy must be allowed.
    let allow = ["build", "--allow-destroy", "prod/notifications/outbox"];
    let out = pave(&allow, repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !repo
            .path()
            .join("generated/kubernetes/dev/notifications")
            .exists()
    );
    assert_eq!(
        fs::read_to_string(repo.path().join("generated/NOTES.md")).unwrap(),
        "mine\n"
    );
    assert_eq!(pave(&["check"], repo.path()).status.code(), Some(0));
}

#[test]
fn env_and_service_narrow_check() {
    let repo = built_shop();
    let prod = repo
        .path()
        .join("generated/kubernetes/prod/cart/service.yaml");
    fs::write(&prod, "edited\n").unwrap();
    assert_eq!(
        pave(&["check", "--env", "dev"], repo.path()).status.code(),
        Some(0)
    );
    assert_eq!(
        pave(&["check", "--service", "catalog"], repo.path())
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        pave(
            &["check", "--env", "prod", "--service", "cart"],
            repo.path()
        )
        .status
        .code(),
        Some(1)
    );
    let out = pave(&["check", "--env", "prdo"], repo.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `prod`?")
            && stderr(&out).contains("environments: dev, staging, prod"),
        "{}",
        stderr(&out)
    );
}

/// A narrowed check or build covers the files the narrowed part shares with the rest
/// (an environment's kustomization) and the service's own CI workflow: a narrowed
/// check passed while they were stale, and a narrowed build left a new object out of
/// the kustomization (found by an independent review).
#[test]
fn a_narrowed_check_and_build_cover_shared_files_and_the_services_workflow() {
    let repo = built_shop();
    let service = |name: &str| repo.path().join(format!("services/{name}.yaml"));
    let cart = fs::read_to_string(service("cart")).unwrap();
    fs::write(service("cart"), format!("{cart}replicas: 3\n")).unwrap();
    let checkout = fs::read_to_string(service("checkout")).unwrap();
    fs::write(
        service("checkout"),
        checkout.replace("test: make test", "test: make check"),
    )
    .unwrap();

    let out = pave(&["check", "--service", "cart"], repo.path());
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    for stale in [
        "generated/kubernetes/dev/kustomization.yaml",
        "generated/kubernetes/dev/cart/pdb.yaml",
    ] {
        assert!(stdout(&out).contains(stale), "{stale}: {}", stdout(&out));
    }
    // The other service's workflow is not cart's.
    assert!(
        !stdout(&out).contains("pave-build-checkout.yml"),
        "{}",
        stdout(&out)
    );
    let out = pave(&["check", "--service", "checkout"], repo.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("changed: .github/workflows/pave-build-checkout.yml"),
        "{}",
        stdout(&out)
    );

    let out = pave(&["build", "--service", "cart"], repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let kustomization = fs::read_to_string(
        repo.path()
            .join("generated/kubernetes/dev/kustomization.yaml"),
    )
    .unwrap();
    assert!(kustomization.contains("cart/pdb.yaml"), "{kustomization}");
    let out = pave(&["check", "--service", "cart"], repo.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // Only checkout's workflow is left.
    let out = pave(&["check"], repo.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("changed: .github/workflows/pave-build-checkout.yml"),
        "{}",
        stdout(&out)
    );
    assert!(
        pave(&["build", "--service", "checkout"], repo.path())
            .status
            .success()
    );
    assert_eq!(pave(&["check"], repo.path()).status.code(), Some(0));
}

#[test]
fn a_narrowed_build_never_writes_a_shared_file_naming_files_it_does_not_write() {
    let repo = built_shop();
    let service = |name: &str| repo.path().join(format!("services/{name}.yaml"));
    let cart = fs::read_to_string(service("cart")).unwrap();
    fs::write(
        service("basket"),
        cart.replace("name: cart", "name: basket"),
    )
    .unwrap();
    fs::write(service("cart"), format!("{cart}replicas: 3\n")).unwrap();
    let kustomization = repo
        .path()
        .join("generated/kubernetes/dev/kustomization.yaml");
    let before = fs::read(&kustomization).unwrap();
    let manifest = repo.path().join("generated/.pave-manifest.json");
    let manifest_before = fs::read(&manifest).unwrap();
    // The kustomization would list basket's files, which `--service cart` leaves out.
    for args in [
        &["build", "--service", "cart"][..],
        &["build", "--service", "cart", "--dry-run"],
    ] {
        let out = pave(args, repo.path());
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("E0414"), "{}", stderr(&out));
        assert!(stderr(&out).contains("basket"), "{}", stderr(&out));
        // The help names the part to add.
        assert!(
            stderr(&out).contains("add `--service basket --service catalog`"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(
        fs::read(&kustomization).unwrap(),
        before,
        "nothing is written"
    );
    assert_eq!(fs::read(&manifest).unwrap(), manifest_before);
    assert!(!repo.path().join("generated/kubernetes/dev/basket").exists());
    // `check` only reports: a narrowed check still lists what differs.
    let out = pave(&["check", "--service", "cart"], repo.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(!stderr(&out).contains("E0414"), "{}", stderr(&out));
    // With the new service in the part, catalog (which basket needs: its
    // NetworkPolicy lets basket in) is still behind in the same folder: refused too.
    let out = pave(
        &["build", "--service", "cart", "--service", "basket"],
        repo.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("generated/kubernetes/dev/catalog/networkpolicy.yaml"),
        "{}",
        stderr(&out)
    );
    // With catalog as well, the build goes through and the kustomization names only
    // files that exist.
    let out = pave(
        &[
            "build",
            "--service",
            "cart",
            "--service",
            "basket",
            "--service",
            "catalog",
        ],
        repo.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let listed = fs::read_to_string(&kustomization).unwrap();
    assert!(listed.contains("basket/deployment.yaml"), "{listed}");
    assert!(
        repo.path()
            .join("generated/kubernetes/dev/basket/deployment.yaml")
            .is_file()
    );
    assert!(pave(&["build"], repo.path()).status.success());
    assert_eq!(pave(&["check"], repo.path()).status.code(), Some(0));
    // A fresh tree cannot be built one part at a time: `atlantis.yaml` would name
    // the other environments' Terraform folders.
    fs::remove_dir_all(repo.path().join("generated")).unwrap();
    fs::remove_dir_all(repo.path().join(".github")).unwrap();
    let _ = fs::remove_file(repo.path().join("atlantis.yaml"));
    let out = pave(&["build", "--env", "dev"], repo.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("E0414"), "{}", stderr(&out));
    assert!(!repo.path().join("generated").exists());
}

/// A service's files read the services it needs (their address and port in its
/// URLs) and those that need it (its NetworkPolicy lets them in): a narrowed build
/// never writes one while the other is behind the sources, before or after the
/// change. Found by a review: `--service catalog` used to block a frontend still
/// calling it, and `--service checkout` to move its port under frontend's URL.
#[test]
fn a_narrowed_build_never_writes_a_service_out_of_step_with_its_peers() {
    type Edit = fn(String) -> String;
    let cases: [(&str, Edit, &str, &str, &str); 3] = [
        (
            "frontend",
            |text| {
                let text = text.replace("  CATALOG_URL: ${needs.catalog.url}\n", "");
                text.replace("  catalog: { service: catalog }\n", "")
            },
            "catalog",
            "frontend",
            "`frontend` needed `catalog` before this change",
        ),
        (
            "checkout",
            |text| text.replace("port: 8081", "port: 8082"),
            "checkout",
            "frontend",
            "`frontend` needs `checkout`",
        ),
        (
            "payments",
            |text| {
                let text = text.replace("env:\n", "env:\n  CATALOG_URL: ${needs.catalog.url}\n");
                format!("{text}needs:\n  catalog: {{ service: catalog }}\n")
            },
            "payments",
            "catalog",
            "`payments` needs `catalog`",
        ),
    ];
    for (edited, edit, built, peer, relation) in cases {
        let repo = built_shop();
        let file = repo.path().join(format!("services/{edited}.yaml"));
        let text = fs::read_to_string(&file).unwrap();
        let changed = edit(text.clone());
        assert_ne!(changed, text, "the edit of {edited} changed nothing");
        fs::write(&file, changed).unwrap();
        let before = snapshot(&repo.path().join("generated"));
        let out = pave(&["build", "--service", built, "--env", "dev"], repo.path());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{edited}: {err}");
        assert!(err.contains("E0414"), "{err}");
        assert!(
            err.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .contains(relation),
            "{err}"
        );
        assert!(err.contains(&format!("--service {peer}")), "{err}");
        assert!(
            before == snapshot(&repo.path().join("generated")),
            "{edited}: nothing is written"
        );
        // With the peer, the build goes through and the environment is whole.
        let both = [
            "build",
            "--service",
            built,
            "--service",
            peer,
            "--env",
            "dev",
        ];
        let out = pave(&both, repo.path());
        assert!(out.status.success(), "{edited}: {}", stderr(&out));
        let out = pave(&["check", "--env", "dev"], repo.path());
        assert!(out.status.success(), "{edited}: {}", stderr(&out));
    }
}

/// A service's own CI workflow reads only its service file, so a new service with an
/// image build can be built one environment at a time (its workflow used to clash
/// with its other environments' files).
#[test]
fn a_new_service_with_an_image_build_is_built_one_environment_at_a_time() {
    let repo = built_shop();
    fs::write(
        repo.path().join("services/lonely.yaml"),
        "name: lonely\nowner: team-web\nimage: ghcr.io/shop/lonely:1.0.0\nbuild: { context: lonely }\n",
    )
    .unwrap();
    for env in ["dev", "staging", "prod"] {
        let out = pave(&["build", "--service", "lonely", "--env", env], repo.path());
        assert!(out.status.success(), "{env}: {}", stderr(&out));
    }
    assert!(
        repo.path()
            .join(".github/workflows/pave-build-lonely.yml")
            .exists()
    );
    let out = pave(&["check"], repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
}

/// The files of a removed environment can only go with an unfiltered build: the
/// refusal says so instead of asking for an `--env` that no longer exists.
#[test]
fn a_removed_environment_asks_for_an_unfiltered_build() {
    let repo = built_shop();
    let platform = repo.path().join("platform.yaml");
    let text = fs::read_to_string(&platform).unwrap();
    let (start, end) = (
        text.find("  staging:\n").unwrap(),
        text.find("  prod:\n").unwrap(),
    );
    let text = format!("{}{}", &text[..start], &text[end..]).replace(" staging: warning,", "");
    fs::write(&platform, text).unwrap();
    let out = pave(&["build", "--env", "dev"], repo.path());
    let err = stderr(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("E0414"), "{err}");
    assert!(
        err.contains(
            "no longer in the sources are among them, and no `--service`/`--env` can name those"
        ),
        "{err}"
    );
    let out = pave(&["build"], repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!repo.path().join("generated/kubernetes/staging").exists());
}

/// A platform-wide edit built for one service leaves the others behind; the build
/// says how many files, and `check` fails on them until a build covers them.
#[test]
fn a_narrowed_build_says_how_many_files_it_leaves_behind() {
    let repo = built_shop();
    let out = pave(&["build", "--service", "notifications"], repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("behind"), "{}", stderr(&out));
    let platform = repo.path().join("platform.yaml");
    let text = fs::read_to_string(&platform).unwrap();
    fs::write(
        &platform,
        text.replace("LOG_FORMAT: json", "LOG_FORMAT: logfmt"),
    )
    .unwrap();
    let out = pave(
        &["build", "--service", "notifications", "--env", "dev"],
        repo.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let note = stderr(&out);
    let behind: usize = note
        .split("note: ")
        .nth(1)
        .and_then(|n| n.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {note}"));
    assert!(behind > 10, "{note}");
    let out = pave(&["check"], repo.path());
    assert_eq!(out.status.code(), Some(1));
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(
        report.contains(&format!("pave check: {behind} file(s) differ")),
        "{report}"
    );
}

#[test]
fn a_narrowed_build_never_leaves_terraform_using_what_it_stops_declaring() {
    // catalog drops its bucket while `--service checkout` is built: the environment's
    // Terraform root (`outputs.tf`, `eks.tf`) would change with catalog's sources,
    // and catalog's own `.tf`, left behind, would still use what it no longer declares.
    let repo = built_shop();
    let service = |name: &str| repo.path().join(format!("services/{name}.yaml"));
    let catalog = fs::read_to_string(service("catalog")).unwrap();
    let catalog = catalog
        .replace("  IMAGES_BUCKET: ${needs.images.name}\n", "")
        .replace("needs:\n  images: { type: bucket }\n", "");
    fs::write(service("catalog"), catalog).unwrap();
    let checkout = fs::read_to_string(service("checkout")).unwrap();
    fs::write(
        service("checkout"),
        checkout.replace("description: Checkout API", "description: Checkout"),
    )
    .unwrap();
    let before = snapshot(repo.path());
    let out = pave(&["build", "--service", "checkout"], repo.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("E0414"), "{}", stderr(&out));
    assert!(stderr(&out).contains("catalog"), "{}", stderr(&out));
    assert!(snapshot(repo.path()) == before, "nothing is written");
    // Both parts together are whole again.
    let out = pave(
        &[
            "build",
            "--service",
            "checkout",
            "--service",
            "catalog",
            "--allow-destroy",
            "prod/catalog/images",
        ],
        repo.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(pave(&["check"], repo.path()).status.code(), Some(0));
}

#[test]
fn a_renamed_service_is_built_by_its_new_name_alone() {
    // `--service notifier` covers the files of its old name, which it removes.
    let repo = built_shop();
    let services = repo.path().join("services");
    let old = fs::read_to_string(services.join("notifications.yaml")).unwrap();
    fs::remove_file(services.join("notifications.yaml")).unwrap();
    let renamed = old.replace(
        "name: notifications\n",
        "name: notifier\nrenamed_from: notifications\n",
    );
    fs::write(services.join("notifier.yaml"), renamed).unwrap();
    let platform = repo.path().join("platform.yaml");
    let text = fs::read_to_string(&platform).unwrap();
    fs::write(
        &platform,
        text.replace("services: [notifications]", "services: [notifier]"),
    )
    .unwrap();
    let out = pave(&["build", "--service", "notifier"], repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !repo
            .path()
            .join("generated/kubernetes/dev/notifications")
            .exists()
    );
    assert!(
        repo.path()
            .join("generated/kubernetes/dev/notifier")
            .is_dir()
    );
    let out = pave(&["check"], repo.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn narrowed_build_writes_only_its_part_and_keeps_the_manifest_whole() {
    let repo = built_shop();
    fs::write(
        repo.path()
            .join("generated/kubernetes/prod/cart/service.yaml"),
        "x\n",
    )
    .unwrap();
    fs::write(repo.path().join(CART), "y\n").unwrap();
    assert!(
        pave(&["build", "--env", "dev"], repo.path())
            .status
            .success()
    );
    assert_eq!(
        fs::read_to_string(
            repo.path()
                .join("generated/kubernetes/prod/cart/service.yaml")
        )
        .unwrap(),
        "x\n"
    );
    assert_ne!(fs::read_to_string(repo.path().join(CART)).unwrap(), "y\n");
    let out = pave(&["check"], repo.path());
    assert!(
        stdout(&out).contains("edited by hand: generated/kubernetes/prod/cart/service.yaml"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn diff_shows_what_build_would_change_and_writes_nothing() {
    let repo = built_shop();
    fs::remove_file(repo.path().join(CART)).unwrap();
    let before = snapshot(repo.path());
    let out = pave(&["diff"], repo.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains(&format!("--- /dev/null\n+++ b/{CART}\n")),
        "{}",
        stdout(&out)
    );
    assert_eq!(before, snapshot(repo.path()));
}

#[test]
fn build_refuses_to_overwrite_files_it_does_not_own() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&project().join("examples/shop"), dir.path());
    let _ = fs::remove_dir_all(dir.path().join("generated"));
    fs::create_dir_all(dir.path().join("generated/kubernetes/dev/cart")).unwrap();
    fs::write(dir.path().join(CART), "hand-written\n").unwrap();
    let before = snapshot(dir.path());
    let out = pave(&["build", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("\"code\": \"E0403\""),
        "{}",
        stdout(&out)
    );
    assert_eq!(before, snapshot(dir.path()));
}

#[test]
fn a_corrupt_manifest_stops_build_and_check_without_touching_anything() {
    let repo = built_shop();
    fs::write(
        repo.path().join("generated/.pave-manifest.json"),
        "{ not json",
    )
    .unwrap();
    let before = snapshot(repo.path());
    for command in ["build", "check"] {
        let out = pave(&[command], repo.path());
        assert_eq!(out.status.code(), Some(1), "{command}");
        assert!(stderr(&out).contains("error[E0404]"), "{}", stderr(&out));
    }
    assert_eq!(before, snapshot(repo.path()));
}

#[test]
fn turning_atlantis_off_prunes_the_file_pave_owned() {
    let repo = built_shop();
    assert!(repo.path().join("atlantis.yaml").is_file());
    let platform = repo.path().join("platform.yaml");
    fs::write(
        &platform,
        fs::read_to_string(&platform)
            .unwrap()
            .replace("atlantis: true", "atlantis: false")
            // Without Atlantis, CI plans and applies: it needs a role to do it with.
            .replace(
                "    provider: github\n",
                "    provider: github\n    aws_role: arn:aws:iam::111111111111:role/shop-ci\n",
            ),
    )
    .unwrap();
    let out = pave(&["check"], repo.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("stale: atlantis.yaml\n"),
        "{}",
        stdout(&out)
    );
    assert!(pave(&["build"], repo.path()).status.success());
    assert!(!repo.path().join("atlantis.yaml").exists());
    assert!(
        repo.path()
            .join("generated/terraform/prod/versions.tf")
            .is_file()
    );
}

#[test]
fn switching_the_ci_provider_moves_the_owned_files_cleanly() {
    let repo = built_shop();
    fs::create_dir_all(repo.path().join(".github/workflows")).unwrap();
    fs::write(
        repo.path().join(".github/workflows/mine.yml"),
        "name: mine\n",
    )
    .unwrap();
    assert!(
        repo.path()
            .join(".github/workflows/pave-check.yml")
            .is_file()
    );
    let platform = repo.path().join("platform.yaml");
    fs::write(
        &platform,
        fs::read_to_string(&platform)
            .unwrap()
            .replace("provider: github", "provider: gitlab"),
    )
    .unwrap();
    // GitLab runs test jobs in the image the service names.
    for service in ["catalog", "checkout"] {
        let file = repo.path().join(format!("services/{service}.yaml"));
        let text = fs::read_to_string(&file).unwrap();
        fs::write(
            &file,
            text.replace("  test: ", "  image: golang:1.27\n  test: "),
        )
        .unwrap();
    }
    let out = pave(&["check"], repo.path());
    assert_eq!(out.status.code(), Some(1));
    let report = stdout(&out);
    assert!(
        report.contains("stale: .github/workflows/pave-check.yml\n"),
        "{report}"
    );
    assert!(report.contains("missing: .gitlab-ci.yml\n"), "{report}");
    assert!(pave(&["build"], repo.path()).status.success());
    assert!(
        !repo
            .path()
            .join(".github/workflows/pave-check.yml")
            .exists()
    );
    assert!(repo.path().join(".gitlab-ci.yml").is_file());
    assert_eq!(
        fs::read_to_string(repo.path().join(".github/workflows/mine.yml")).unwrap(),
        "name: mine\n"
    );
    assert_eq!(pave(&["check"], repo.path()).status.code(), Some(0));
}

#[test]
fn check_reports_drift_as_diagnostics_in_the_chosen_format() {
    let repo = built_shop();
    fs::remove_file(repo.path().join(CART)).unwrap();
    let service = repo
        .path()
        .join("generated/kubernetes/prod/cart/service.yaml");
    fs::write(&service, "edited\n").unwrap();
    let out = pave(&["check", "--format", "json"], repo.path());
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", stdout(&out)));
    let drift: Vec<(String, String, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
                d["help"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let fix = "run `pave build --root .` to update the output tree".to_string();
    assert_eq!(
        drift,
        [
            ("E0416".to_string(), CART.to_string(), fix.clone()),
            (
                "E0418".to_string(),
                "generated/kubernetes/prod/cart/service.yaml".to_string(),
                fix
            ),
        ],
        "{}",
        stderr(&out)
    );
    // The diff report is for people: on stderr beside a machine format.
    assert!(stderr(&out).contains(&format!("missing: {CART}\n")));

    let out = pave(&["check", "--format", "github"], repo.path());
    assert!(
        stdout(&out).contains(&format!(
            "::error file={CART},title=pave E0416::`{CART}` is missing from the output tree"
        )),
        "{}",
        stdout(&out)
    );
    // SARIF on stdout: one valid log whose results are the drifted files.
    let out = pave(&["check", "--format", "sarif"], repo.path());
    assert_eq!(out.status.code(), Some(1));
    let log: serde_json::Value = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("not SARIF ({e}):\n{}", stdout(&out)));
    let rules: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["E0416", "E0418"]);
    // `--output FILE`: the same document, written whole to the file; stdout is empty.
    let out = pave(
        &["check", "--format", "sarif", "--output", "pave.sarif"],
        repo.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    let written = fs::read_to_string(repo.path().join("pave.sarif")).unwrap();
    let log: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 2);
    assert!(!repo.path().join(".pave.sarif.pave-tmp").exists());
    // Human output keeps the report on stdout.
    assert!(stdout(&pave(&["check"], repo.path())).contains(&format!("missing: {CART}\n")));
    let out = pave(&["check"], repo.path());
    assert!(
        !stderr(&out).contains("E0416"),
        "human output shows the report only: {}",
        stderr(&out)
    );
}

/// The manifest of `repo` rewritten in the format pave wrote before format 2: one
/// object per path with its hash and scope (that format recorded no inventory).
fn to_legacy_manifest(repo: &Path) -> serde_json::Value {
    let path = repo.join("generated/.pave-manifest.json");
    let current: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    assert_eq!(current["manifest"], 4, "pave writes format 4");
    let mut files = serde_json::Map::new();
    for folder in current["folders"].as_array().unwrap() {
        let dir = folder["path"].as_str().unwrap();
        for name in folder["files"].as_object().unwrap().keys() {
            let full = if dir.is_empty() {
                name.clone()
            } else {
                format!("{dir}/{name}")
            };
            // Format 1 recorded the whole SHA-256 of the bytes.
            let sha = pave::testing::sha256_hex(&fs::read(repo.join(&full)).unwrap());
            let mut entry = serde_json::json!({ "sha256": sha });
            for scope in ["env", "service"] {
                if let Some(v) = folder.get(scope) {
                    entry[scope] = v.clone();
                }
            }
            files.insert(full, entry);
        }
    }
    serde_json::json!({
        "pave": current["pave"],
        "files": files,
    })
}

#[test]
fn a_tree_with_the_previous_manifest_format_is_checked_pruned_and_upgraded() {
    let repo = built_shop();
    let manifest = repo.path().join("generated/.pave-manifest.json");
    let mut legacy = to_legacy_manifest(repo.path());
    // A file the old manifest owns that this build no longer writes.
    let retired = "generated/kubernetes/dev/retired/deployment.yaml";
    fs::create_dir_all(repo.path().join("generated/kubernetes/dev/retired")).unwrap();
    fs::write(repo.path().join(retired), "kind: Deployment\n").unwrap();
    legacy["files"][retired] = serde_json::json!({
        "sha256": pave::testing::sha256_hex(b"kind: Deployment\n"),
        "env": "dev",
        "service": "retired",
    });
    fs::write(
        &manifest,
        serde_json::to_string_pretty(&legacy).unwrap() + "\n",
    )
    .unwrap();
    let out = pave(&["check"], repo.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(report.contains(&format!("stale: {retired}\n")), "{report}");
    assert!(
        report.contains("1 file(s) differ (0 changed, 0 missing, 1 stale"),
        "{report}"
    );
    let out = pave(&["build"], repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!repo.path().join(retired).exists());
    let upgraded: serde_json::Value =
        serde_json::from_slice(&fs::read(&manifest).unwrap()).unwrap();
    assert_eq!(upgraded["manifest"], 4);
    let out = pave(&["check"], repo.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

/// Rewrites the tree's manifest in format 3 (the first 128 bits of each file's
/// SHA-256), as the pave before format 4 wrote it.
fn to_format_3(repo: &Path) {
    let path = repo.join("generated/.pave-manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    manifest["manifest"] = 3.into();
    for folder in manifest["folders"].as_array_mut().unwrap() {
        let dir = folder["path"].as_str().unwrap().to_string();
        for (name, hash) in folder["files"].as_object_mut().unwrap() {
            let file = if dir.is_empty() {
                name.clone()
            } else {
                format!("{dir}/{name}")
            };
            let sha = pave::testing::sha256_hex(&fs::read(repo.join(file)).unwrap());
            *hash = sha[..32].into();
        }
    }
    fs::write(&path, serde_json::to_string(&manifest).unwrap()).unwrap();
}

/// A tree whose manifest records SHA-256s (format 3) is checked as before and keeps
/// those records through a narrowed build that leaves its files alone: a file whose
/// sources changed is "changed" and a file edited by hand is "edited by hand", by
/// either kind of record. The next full build records every file by its XXH3.
#[test]
fn a_format_3_tree_tells_changes_from_hand_edits_through_a_narrowed_build_and_its_upgrade() {
    let repo = built_shop();
    let manifest = repo.path().join("generated/.pave-manifest.json");
    to_format_3(repo.path());
    // Every file is as recorded; only the manifest is due to be rewritten (format 4).
    let manifest_only = "1 file(s) differ (1 changed, 0 missing, 0 stale, 0 edited";
    let out = pave(&["check"], repo.path());
    assert!(
        stdout(&out).contains("changed: generated/.pave-manifest.json\n")
            && stdout(&out).contains(manifest_only),
        "{}",
        stdout(&out)
    );

    // A build of another service writes format 4, keeping cart's SHA-256 records.
    let out = pave(&["build", "--service", "catalog"], repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let written = fs::read_to_string(&manifest).unwrap();
    assert!(written.contains("\"manifest\": 4"), "{written}");
    let cart = repo.path().join(CART);
    let original = fs::read_to_string(&cart).unwrap();
    let sha = pave::testing::sha256_hex(original.as_bytes());
    assert!(
        written.contains(&format!("\"deployment.yaml\": \"sha256:{}\"", &sha[..32])),
        "{written}"
    );
    let drift = || {
        let out = pave(&["check", "--service", "cart"], repo.path());
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        stdout(&out)
    };
    let (changed, hand_edit) = (
        format!("changed: {CART}\n"),
        format!("edited by hand: {CART}\n"),
    );
    // By each kind of record in turn: the sources change cart's Deployment, so the
    // file as pave wrote it is "changed"; edited too, it is "edited by hand".
    let source = repo.path().join("services/cart.yaml");
    let sources = fs::read_to_string(&source).unwrap();
    for record in ["SHA-256", "XXH3"] {
        fs::write(&source, sources.replace("cart:2.0.1", "cart:2.0.2")).unwrap();
        let report = drift();
        assert!(
            report.contains(&changed) && !report.contains(&hand_edit),
            "{record}: {report}"
        );
        fs::write(
            &cart,
            original.replace("revisionHistoryLimit: 5", "revisionHistoryLimit: 9"),
        )
        .unwrap();
        let report = drift();
        assert!(
            report.contains(&hand_edit) && !report.contains(&changed),
            "{record}: {report}"
        );
        fs::write(&source, &sources).unwrap();
        fs::write(&cart, &original).unwrap();
        // A full build records every file by its XXH3, and the tree checks clean.
        let out = pave(&["build"], repo.path());
        assert!(out.status.success(), "{}", stderr(&out));
        let written = fs::read_to_string(&manifest).unwrap();
        assert!(!written.contains("sha256:"), "{written}");
        let recorded = pave::testing::manifest_hashes(written.as_bytes()).unwrap();
        assert_eq!(
            recorded[CART],
            pave::testing::manifest_hash(original.as_bytes())
        );
        let out = pave(&["check"], repo.path());
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    }
}

/// A deleted manifest is missing, not changed, and the build that writes it back says
/// it wrote one file (it said "changed" and "0 file(s) written": found by a review).
#[test]
fn a_deleted_manifest_is_reported_missing_and_counted_when_written_back() {
    let repo = built_shop();
    fs::remove_file(repo.path().join("generated/.pave-manifest.json")).unwrap();
    let out = pave(&["check"], repo.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("missing: generated/.pave-manifest.json\n")
            && stdout(&out).contains("(0 changed, 1 missing, 0 stale, 0 edited by hand)"),
        "{}",
        stdout(&out)
    );
    let out = pave(&["diff"], repo.path());
    assert!(stderr(&out).contains("pave diff: missing: generated/.pave-manifest.json"));
    let out = pave(&["build"], repo.path());
    assert!(
        stderr(&out).contains("pave build: 1 file(s) written"),
        "{}",
        stderr(&out)
    );
    assert_eq!(pave(&["check"], repo.path()).status.code(), Some(0));
}
