//! Renames that keep state, through the binary: a copy of the shop example is built,
//! then `checkout` becomes `orders` (its need `db` becoming `primary`) and `catalog`
//! becomes `products` (its need `images` becoming `photos`), each with `renamed_from`,
//! and built again. Terraform moves
//! every address, the physical names and the secret paths stay, `pave check` is
//! clean, and the Terraform passes the repository's Terraform checks.

use super::terraform_interface::{check_dir, interfaces};
use super::validators::{terraform_check, tool};
use super::*;

const ENVS: [&str; 3] = ["dev", "staging", "prod"];

/// Rewrites `services/<from>.yaml` as `services/<to>.yaml` with `edit` applied.
fn rename(repo: &Path, from: &str, to: &str, edit: impl Fn(String) -> String) {
    let old = repo.join(format!("services/{from}.yaml"));
    let text = edit(fs::read_to_string(&old).unwrap());
    fs::remove_file(old).unwrap();
    fs::write(repo.join(format!("services/{to}.yaml")), text).unwrap();
}

/// Replaces `from` in a service file, which must contain it.
fn edit(repo: &Path, service: &str, from: &str, to: &str) {
    let path = repo.join(format!("services/{service}.yaml"));
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{service}.yaml has no `{from}`");
    fs::write(path, text.replace(from, to)).unwrap();
}

/// The shop built once, then renamed and built again.
fn renamed_shop() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&project().join("examples/shop"), repo.path());
    let out = pave(&["build"], repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
    rename(repo.path(), "checkout", "orders", |text| {
        text.replace("name: checkout\n", "name: orders\nrenamed_from: checkout\n")
            .replace(
                "  db: { type: postgres, size: small }",
                "  primary: { type: postgres, size: small, renamed_from: db }",
            )
            .replace("      db: { size: large", "      primary: { size: large")
            .replace("needs.db.", "needs.primary.")
    });
    rename(repo.path(), "catalog", "products", |text| {
        text.replace(
            "name: catalog\n",
            "name: products\nrenamed_from: [catalog]\n",
        )
        .replace(
            "  images: { type: bucket }",
            "  photos: { type: bucket, renamed_from: images }",
        )
        .replace("needs.images.", "needs.photos.")
    });
    edit(
        repo.path(),
        "frontend",
        "{ service: checkout }",
        "{ service: orders }",
    );
    edit(
        repo.path(),
        "frontend",
        "{ service: catalog }",
        "{ service: products }",
    );
    edit(
        repo.path(),
        "cart",
        "{ service: catalog }",
        "{ service: products }",
    );
    repo
}

fn terraform(repo: &Path, env: &str, file: &str) -> String {
    fs::read_to_string(repo.join(format!("generated/terraform/{env}/{file}"))).unwrap()
}

/// Whether some line of `text` sets `key` to the string `value`, however aligned.
fn sets(text: &str, key: &str, value: &str) -> bool {
    text.lines().any(|l| {
        l.trim_start()
            .strip_prefix(key)
            .and_then(|rest| rest.trim_start().strip_prefix('='))
            .is_some_and(|rest| rest.trim() == format!("\"{value}\""))
    })
}

/// `moved { from = <from> to = <to> }` as `terraform fmt` writes it.
fn moved(from: &str, to: &str) -> String {
    format!("moved {{\n  from = {from}\n  to   = {to}\n}}\n")
}

#[test]
fn a_renamed_service_and_need_keep_their_state() {
    let repo = renamed_shop();
    let first = pave(&["build"], repo.path());
    assert!(first.status.success(), "{}", stderr(&first));
    for env in ENVS {
        let orders = terraform(repo.path(), env, "orders.tf");
        // The physical names are those the resources were created under.
        for (key, name) in [
            ("identifier", format!("shop-{env}-checkout-db")),
            ("name", format!("shop/{env}/checkout/db")),
            ("name_prefix", format!("shop-{env}-checkout-db-")),
        ] {
            assert!(sets(&orders, key, &name), "{env}: no `{name}` in\n{orders}");
        }
        // One chain per address: the service rename, then the need rename.
        for kind in [
            "module",
            "aws_security_group",
            "aws_vpc_security_group_ingress_rule",
            "aws_secretsmanager_secret",
            "aws_secretsmanager_secret_version",
        ] {
            let step = |s: &str, n: &str| format!("{kind}.{s}_{n}");
            for (from, to) in [
                (step("checkout", "db"), step("orders", "db")),
                (step("orders", "db"), step("orders", "primary")),
            ] {
                assert!(orders.contains(&moved(&from, &to)), "{env}: {orders}");
            }
        }
        let products = terraform(repo.path(), env, "products.tf");
        for (key, name) in [
            ("bucket", format!("shop-{env}-catalog-images")),
            ("name", format!("shop-{env}-catalog")),
            ("name", format!("shop/{env}/catalog/images")),
        ] {
            assert!(
                sets(&products, key, &name),
                "{env}: no `{name}` in\n{products}"
            );
        }
        assert!(
            products.contains(&moved("aws_iam_role.catalog", "aws_iam_role.products")),
            "{products}"
        );
        assert!(
            products.contains(&moved("module.catalog_images", "module.products_images")),
            "{products}"
        );
        // The ExternalSecret reads the path Terraform writes.
        let external = fs::read_to_string(repo.path().join(format!(
            "generated/kubernetes/{env}/orders/externalsecret-primary.yaml"
        )))
        .unwrap();
        assert!(
            external.contains(&format!("key: shop/{env}/checkout/db\n")),
            "{external}"
        );
    }
    let check = pave(&["check"], repo.path());
    assert!(check.status.success(), "{}", stderr(&check));
    let explain = stdout(&pave(&["explain", "orders"], repo.path()));
    for line in [
        "renamed_from                     \"checkout\"",
        "needs.primary.renamed_from       \"db\"",
        "needs.primary.state_name         \"checkout/db\"",
    ] {
        assert!(explain.contains(line), "{explain}");
    }
}

#[test]
fn renamed_terraform_passes_the_terraform_checks_and_module_interfaces() {
    let repo = renamed_shop();
    let out = pave(&["build"], repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let dirs: Vec<PathBuf> = ENVS
        .iter()
        .map(|e| repo.path().join(format!("generated/terraform/{e}")))
        .collect();
    let interfaces = interfaces();
    for dir in &dirs {
        let files: Vec<PathBuf> = fs::read_dir(dir)
            .unwrap()
            .map(|f| f.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "tf"))
            .collect();
        let problems = check_dir(&files.iter().collect::<Vec<_>>(), &interfaces);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
    if let Some(python) = tool("python3")
        && let Err(text) = terraform_check(&python, &dirs)
    {
        panic!("Terraform checks failed on the renamed shop:\n{text}");
    }
}

/// Every address a `moved` block leads to is declared by the new configuration (a
/// chain `a -> b -> c` may pass through an address no longer declared, as Terraform
/// allows, but ends at a declared one), and no address it moves from is declared.
#[test]
fn moved_blocks_lead_only_to_addresses_the_new_configuration_declares() {
    let repo = renamed_shop();
    let out = pave(&["build"], repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
    for env in ENVS {
        let mut declared = Vec::new();
        let mut moves: BTreeMap<String, String> = BTreeMap::new();
        for file in fs::read_dir(repo.path().join(format!("generated/terraform/{env}"))).unwrap() {
            let text = fs::read_to_string(file.unwrap().path()).unwrap();
            let body: hcl::Body = hcl::from_str(&text).unwrap();
            for block in body.blocks() {
                let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
                match (block.identifier(), labels.as_slice()) {
                    ("module", [label]) => declared.push(format!("module.{label}")),
                    ("resource", [kind, label]) => declared.push(format!("{kind}.{label}")),
                    ("moved", []) => {
                        let attr = |k: &str| {
                            block
                                .body()
                                .attributes()
                                .find(|a| a.key() == k)
                                .map(|a| a.expr().to_string())
                                .unwrap()
                        };
                        assert!(moves.insert(attr("from"), attr("to")).is_none());
                    }
                    _ => {}
                }
            }
        }
        // 18 moves, plus the two generated passwords of the renamed database need.
        assert_eq!(moves.len(), 20, "{env}: {moves:?}");
        for (from, to) in &moves {
            assert!(!declared.contains(from), "{env}: {from} is still declared");
            let mut end = to;
            while let Some(next) = moves.get(end) {
                end = next;
            }
            assert!(declared.contains(end), "{env}: {from} moves to {end}");
        }
    }
}

/// `products` written in KDL: `renamed_from` as one argument and as a need property.
const PRODUCTS_KDL: &str = r#"name "products"
renamed_from "catalog"
owner "team-catalog"
description "Product catalog API"
image "ghcr.io/shop/catalog:1.8.4"
build context="apps/catalog" dockerfile="build/Dockerfile" test="go test ./..."
command "/app/catalog"
args "--listen" ":8080"
env {
    CACHE_TTL "5m"
    SEARCH_ENABLED "on"
    FILE_MODE "0755"
    IMAGES_BUCKET "${needs.photos.name}"
}
needs {
    photos type="bucket" renamed_from="images"
}
environments {
    prod {
        replicas 3
        size "medium"
    }
}
"#;

#[test]
fn renames_written_in_kdl_compile_exactly_like_their_yaml() {
    let yaml = renamed_shop();
    let kdl = renamed_shop();
    fs::remove_file(kdl.path().join("services/products.yaml")).unwrap();
    fs::write(kdl.path().join("services/products.kdl"), PRODUCTS_KDL).unwrap();
    for repo in [&yaml, &kdl] {
        let out = pave(&["build"], repo.path());
        assert!(out.status.success(), "{}", stderr(&out));
    }
    // The catalog names each service's source file (`products.kdl` here), and the
    // manifest holds the catalog files' hashes: everything else is byte-identical.
    let generated = |d: &Path| {
        let mut files = snapshot(&d.join("generated"));
        files.retain(|path, _| !path.starts_with("catalog/") && path != ".pave-manifest.json");
        files
    };
    assert_eq!(generated(yaml.path()), generated(kdl.path()));
}
