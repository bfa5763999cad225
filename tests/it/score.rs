//! Score workload files compile to the same objects as the pave service files they
//! stand for: the example's storefront (needs, route, probes, SLO) and docs (files,
//! a sidecar, a volume both mount) written both ways, every output compared.

use super::*;

/// The services written both ways (`tests/data/score/<name>.yaml`).
const BOTH_WAYS: &[&str] = &["storefront", "docs"];

/// The files that name a service's source file, and so differ by it: the catalog
/// entities' `pave.dev/service-file` annotation and the manifest's hash of them.
const NAMING_THE_SOURCE: &[&str] = &[
    "generated/catalog/storefront.yaml",
    "generated/catalog/docs.yaml",
    "generated/.pave-manifest.json",
];

fn build(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let tree = tempfile::tempdir().unwrap();
    let out = pave(
        &[
            "build",
            "--root",
            root.to_str().unwrap(),
            "--tree",
            tree.path().to_str().unwrap(),
        ],
        &project(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    snapshot(tree.path())
}

#[test]
fn a_score_file_and_its_pave_file_compile_to_identical_objects() {
    let score = tempfile::tempdir().unwrap();
    copy_dir(&project().join("examples/score"), score.path());
    let pave_form = tempfile::tempdir().unwrap();
    copy_dir(&project().join("examples/score"), pave_form.path());
    for name in BOTH_WAYS {
        fs::remove_file(pave_form.path().join(format!("services/{name}.score.yaml"))).unwrap();
        fs::copy(
            project().join(format!("tests/data/score/{name}.yaml")),
            pave_form.path().join(format!("services/{name}.yaml")),
        )
        .unwrap();
    }
    let (a, b) = (build(score.path()), build(pave_form.path()));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    assert!(a.keys().any(|k| k.contains("storefront/deployment.yaml")));
    // The Score volume reached both containers of the docs pod.
    let docs =
        String::from_utf8(a["generated/kubernetes/prod/docs/deployment.yaml"].clone()).unwrap();
    assert_eq!(docs.matches("- name: cache\n").count(), 3, "{docs}");
    for (path, bytes) in &a {
        if NAMING_THE_SOURCE.contains(&path.as_str()) {
            continue;
        }
        assert!(
            bytes == &b[path],
            "{path} differs between the Score and the pave file"
        );
    }
    for (name, path) in BOTH_WAYS.iter().zip(NAMING_THE_SOURCE) {
        let entity = |tree: &BTreeMap<String, Vec<u8>>| {
            String::from_utf8(tree[*path].clone()).unwrap().replace(
                &format!("services/{name}.score.yaml"),
                &format!("services/{name}.yaml"),
            )
        };
        assert_eq!(
            entity(&a),
            entity(&b),
            "the catalog entity of {name} differs beyond its source file"
        );
    }
}

#[test]
fn explain_names_the_score_file_as_the_layer_of_its_values() {
    let args = [
        "explain",
        "storefront",
        "--env",
        "prod",
        "--root",
        "examples/score",
    ];
    let out = pave(&args, &project());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let line = |field: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(field))
            .unwrap_or_else(|| panic!("no `{field}` in:\n{text}"))
            .to_string()
    };
    // The owner annotation, the resource's params and the per-environment annotation.
    assert!(line("owner ").ends_with("service services/storefront.score.yaml:6:21"));
    assert!(line("needs.db.size ").ends_with("services/storefront.score.yaml:38:21"));
    assert!(
        line("replicas ")
            .contains("service environment override services/storefront.score.yaml:10:")
    );
}
