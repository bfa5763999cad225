//! Score workload files compile to the same objects as the pave service file they
//! stand for: the example's storefront written both ways, every output compared.

use super::*;

/// The files that name the service's source file, and so differ by it: the catalog
/// entity's `pave.dev/service-file` annotation and the manifest's hash of that entity.
const NAMING_THE_SOURCE: &[&str] = &[
    "generated/catalog/storefront.yaml",
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
    fs::remove_file(pave_form.path().join("services/storefront.score.yaml")).unwrap();
    fs::copy(
        project().join("tests/data/score/storefront.yaml"),
        pave_form.path().join("services/storefront.yaml"),
    )
    .unwrap();
    let (a, b) = (build(score.path()), build(pave_form.path()));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    assert!(a.keys().any(|k| k.contains("storefront/deployment.yaml")));
    for (path, bytes) in &a {
        if NAMING_THE_SOURCE.contains(&path.as_str()) {
            continue;
        }
        assert!(
            bytes == &b[path],
            "{path} differs between the Score and the pave file"
        );
    }
    let entity = |tree: &BTreeMap<String, Vec<u8>>| {
        String::from_utf8(tree[NAMING_THE_SOURCE[0]].clone())
            .unwrap()
            .replace("services/storefront.score.yaml", "services/storefront.yaml")
    };
    assert_eq!(
        entity(&a),
        entity(&b),
        "the catalog entity differs beyond its source file"
    );
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
