//! `targets.gitops` and `targets.catalog` through the binary: the settings the golden
//! trees leave at their defaults (a path prefix, Argo CD destinations, automatic sync
//! of protected environments), both engines against the vendored CRD schemas, and
//! moving between engines and turning the catalog off pruning what they wrote.

use super::validators::tool;
use super::*;

/// A copy of the shop example whose platform file is edited by `edit`, then built.
fn shop_with(edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&project().join("examples/shop"), dir.path());
    let _ = fs::remove_dir_all(dir.path().join("generated"));
    let platform = dir.path().join("platform.yaml");
    fs::write(&platform, edit(fs::read_to_string(&platform).unwrap())).unwrap();
    let out = pave(&["build"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    dir
}

fn read(repo: &tempfile::TempDir, path: &str) -> String {
    fs::read_to_string(repo.path().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every destination form and the path prefix, checked by value and by the schema.
#[test]
fn argocd_destinations_prefix_and_automatic_protected_sync() {
    let repo = shop_with(|p| {
        p.replace(
            "    revision: main\n",
            "    revision: release\n    path_prefix: deploy/shop\n    protected: auto\n",
        )
        .replace(
            "    cluster: staging-eu1\n",
            "    cluster: staging-eu1\n    argocd_cluster: https://staging.k8s.example.com:6443\n",
        )
        .replace(
            "    cluster: prod-eu1\n",
            "    cluster: prod-eu1\n    argocd_cluster: prod-eu1\n",
        )
    });
    let dev = read(&repo, "generated/gitops/dev/application.yaml");
    assert!(
        dev.contains("    path: deploy/shop/generated/kubernetes/dev\n"),
        "{dev}"
    );
    assert!(dev.contains("    targetRevision: release\n"), "{dev}");
    assert!(
        dev.contains("    server: https://kubernetes.default.svc\n"),
        "{dev}"
    );
    let staging = read(&repo, "generated/gitops/staging/application.yaml");
    assert!(
        staging.contains("  destination:\n    server: https://staging.k8s.example.com:6443\n"),
        "{staging}"
    );
    let prod = read(&repo, "generated/gitops/prod/application.yaml");
    assert!(
        prod.contains("  destination:\n    name: prod-eu1\n"),
        "{prod}"
    );
    // `protected: auto`: prod syncs like the others.
    assert!(
        prod.contains("    automated:\n      prune: true\n      selfHeal: true\n"),
        "{prod}"
    );
    if let Some(check) = tool("check-jsonschema") {
        let apps: Vec<PathBuf> = ["dev", "staging", "prod"]
            .iter()
            .map(|e| {
                repo.path()
                    .join(format!("generated/gitops/{e}/application.yaml"))
            })
            .collect();
        let out = Command::new(check)
            .arg("--schemafile")
            .arg(project().join("tests/data/crds/application_v1alpha1.json"))
            .args(&apps)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stdout(&out));
    }
}

/// The golden shop's protected prod waits for a person: no automated sync.
#[test]
fn argocd_protected_environments_sync_by_hand_by_default() {
    let repo = shop_with(|p| p);
    let prod = read(&repo, "generated/gitops/prod/application.yaml");
    assert!(!prod.contains("automated"), "{prod}");
    assert!(prod.contains("    - ServerSideApply=true\n"), "{prod}");
    let dev = read(&repo, "generated/gitops/dev/application.yaml");
    assert!(dev.contains("automated"), "{dev}");
}

/// Switching to Flux replaces the Application by Flux objects; dropping the catalog
/// removes its folder; `check` reports both first, and is clean after the build.
#[test]
fn switching_engine_and_dropping_the_catalog_prune_what_they_wrote() {
    let repo = shop_with(|p| p);
    assert!(
        repo.path()
            .join("generated/catalog/_location.yaml")
            .is_file()
    );
    let platform = repo.path().join("platform.yaml");
    let text = fs::read_to_string(&platform).unwrap();
    let edited = text.replace("engine: argocd", "engine: flux").replace(
        "  catalog:\n    portal: backstage\n    owner: group:team-platform\n",
        "",
    );
    assert_ne!(edited, text);
    fs::write(&platform, edited).unwrap();
    let out = pave(&["check"], repo.path());
    assert_eq!(out.status.code(), Some(1));
    let report = stdout(&out);
    for line in [
        "stale: generated/gitops/prod/application.yaml\n",
        "stale: generated/catalog/_location.yaml\n",
        "stale: generated/catalog/cart.yaml\n",
        "missing: generated/gitops/prod/gitrepository.yaml\n",
        "missing: generated/gitops/prod/flux-kustomization.yaml\n",
    ] {
        assert!(report.contains(line), "{line} not in {report}");
    }
    assert!(pave(&["build"], repo.path()).status.success());
    assert!(!repo.path().join("generated/catalog").exists());
    assert!(
        !repo
            .path()
            .join("generated/gitops/prod/application.yaml")
            .exists()
    );
    let sync = read(&repo, "generated/gitops/prod/flux-kustomization.yaml");
    assert!(sync.contains("  suspend: true\n"), "{sync}");
    assert!(
        !read(&repo, "generated/gitops/dev/flux-kustomization.yaml").contains("suspend"),
        "only the protected environment is suspended"
    );
    assert_eq!(pave(&["check"], repo.path()).status.code(), Some(0));
}

/// The catalog as the shop writes it: a Component per service with its owner, system
/// and needs, a Resource per module need, and a Location naming every service file.
#[test]
fn the_catalog_links_services_needs_and_files() {
    let repo = shop_with(|p| p);
    let checkout = read(&repo, "generated/catalog/checkout.yaml");
    for part in [
        "kind: Component\n",
        "  owner: team-checkout\n",
        "  system: shop\n",
        "  - component:cart\n",
        "  - resource:checkout-db\n",
        "    pave.dev/service-file: services/checkout.yaml\n",
        "---\napiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: checkout-db\n",
    ] {
        assert!(checkout.contains(part), "{part} not in {checkout}");
    }
    let index = read(&repo, "generated/catalog/_location.yaml");
    let services = fs::read_dir(repo.path().join("services")).unwrap().count();
    assert_eq!(index.matches("\n  - ./").count(), services, "{index}");
    assert!(index.contains("kind: System\n"), "{index}");
}

/// `explain` names what delivers the service in each environment, and how.
#[test]
fn explain_shows_the_delivery_of_each_environment() {
    let repo = shop_with(|p| p);
    let out = pave(&["explain", "checkout"], repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let prod = text.split("checkout in prod").nth(1).unwrap_or_default();
    assert!(
        prod.contains("\"argocd Application shop-prod\"")
            && prod.contains("targets.gitops (protected: deployed by hand)"),
        "{text}"
    );
    let dev = text.split("checkout in dev").nth(1).unwrap_or_default();
    let dev = dev.split("checkout in staging").next().unwrap_or_default();
    assert!(dev.contains("\"argocd Application shop-dev\""), "{text}");
    assert!(!dev.contains("deployed by hand"), "{text}");
    assert!(text.contains("\"Component checkout\""), "{text}");
}

/// A KDL platform writes both targets through the same schema, and a bad engine is
/// reported at its line in the KDL file.
#[test]
fn a_kdl_platform_turns_on_gitops_and_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&project().join("tests/diagnostics/_base"), dir.path());
    fs::remove_file(dir.path().join("platform.yaml")).unwrap();
    let kdl = fs::read_to_string(project().join("fuzz/corpus/kdl_load/platform.kdl"))
        .unwrap()
        .replace(
            "targets {\n",
            "targets {\n    gitops engine=\"flux\" repo=\"https://git.example.com/acme/platform.git\"\n    catalog portal=\"backstage\" owner=\"team-platform\"\n",
        );
    fs::write(dir.path().join("platform.kdl"), &kdl).unwrap();
    let out = pave(&["build"], dir.path());
    assert!(out.status.success(), "{kdl}\n{}", stderr(&out));
    let repo =
        fs::read_to_string(dir.path().join("generated/gitops/prod/gitrepository.yaml")).unwrap();
    assert!(
        repo.contains("  url: https://git.example.com/acme/platform.git\n"),
        "{repo}"
    );
    assert!(dir.path().join("generated/catalog/api.yaml").is_file());
    fs::write(
        dir.path().join("platform.kdl"),
        kdl.replace("engine=\"flux\"", "engine=\"spinnaker\""),
    )
    .unwrap();
    let out = pave(&["build"], dir.path());
    assert!(
        stderr(&out).contains("error[E0201]")
            && stderr(&out).contains("platform.kdl:")
            && stderr(&out).contains("targets.gitops.engine"),
        "{}",
        stderr(&out)
    );
}
