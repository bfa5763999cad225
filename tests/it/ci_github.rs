//! The GitHub workflows pave writes, parsed and checked for what makes them safe to
//! run for real: the pinned pave, pull-request-only cancelling, write permissions
//! only on default-branch jobs, SHA-pinned actions and OIDC for ECR.

use std::fs;
use std::path::Path;

use saphyr::{LoadableYamlNode, Scalar, Yaml};
use serde_json::{Map, Value, json};

use crate::{copy_dir, pave, project, stderr};

const SHOP_INSTALL: &str = "install: { git: https://github.com/shop-example/pave, rev: v0.1.0 }";
const SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const ROLE: &str = "arn:aws:iam::111111111111:role/shop-ci";
const ECR: &str = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop";

/// The shop example with `edits` applied to its platform file, built.
fn shop_with(edits: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&project().join("examples/shop"), dir.path());
    let platform = dir.path().join("platform.yaml");
    let mut text = fs::read_to_string(&platform).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{from} not in the shop platform");
        text = text.replace(from, to);
    }
    fs::write(&platform, text).unwrap();
    let out = pave(&["build"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    dir
}

/// Every `pave-*.yml` of a tree: its name, text and parsed value.
fn workflows(tree: &Path) -> Vec<(String, String, Value)> {
    let mut files: Vec<_> = fs::read_dir(tree.join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no workflows in {}", tree.display());
    files
        .into_iter()
        .map(|f| {
            let text = fs::read_to_string(&f).unwrap();
            let docs = Yaml::load_from_str(&text).unwrap();
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            (name, text, to_json(&docs[0]))
        })
        .collect()
}

fn to_json(y: &Yaml) -> Value {
    match y {
        Yaml::Value(Scalar::String(s)) => Value::String(s.to_string()),
        Yaml::Value(Scalar::Boolean(b)) => Value::Bool(*b),
        Yaml::Value(Scalar::Integer(i)) => json!(i),
        Yaml::Value(Scalar::FloatingPoint(f)) => json!(f.into_inner()),
        Yaml::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match to_json(k) {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                out.insert(key, to_json(v));
            }
            Value::Object(out)
        }
        _ => Value::Null,
    }
}

/// Every step of every job of a workflow.
fn steps(workflow: &Value) -> Vec<&Value> {
    workflow["jobs"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|job| job["steps"].as_array().unwrap())
        .collect()
}

fn check_workflow(tree: &Path) -> Value {
    let text = fs::read_to_string(tree.join(".github/workflows/pave-check.yml")).unwrap();
    to_json(&Yaml::load_from_str(&text).unwrap()[0])
}

/// No step installs anything by a bare name from a package registry: the only
/// `cargo install` builds a pinned git revision.
fn assert_no_bare_install(workflow: &Value) {
    for step in steps(workflow) {
        let run = step["run"].as_str().unwrap_or_default();
        let words: Vec<&str> = run.split_whitespace().collect();
        for pair in words.windows(2) {
            let other_installer =
                matches!(pair[0], "pip" | "pip3" | "npm" | "go" | "brew") && pair[1] == "install";
            assert!(!other_installer && pair[1] != "binstall", "{run}");
        }
        if run.contains("cargo install") {
            for flag in ["--locked", "--git ", "--rev "] {
                assert!(run.contains(flag), "`{flag}` missing in: {run}");
            }
        }
    }
}

#[test]
fn the_check_workflow_installs_the_pave_of_targets_ci_install_git() {
    let tree = shop_with(&[]);
    let check = check_workflow(tree.path());
    assert_no_bare_install(&check);
    let all = steps(&check);
    let install = all
        .iter()
        .find(|s| s["name"] == "Install pave")
        .expect("an install step");
    assert_eq!(
        install["env"]["PAVE_GIT"],
        "https://github.com/shop-example/pave"
    );
    assert_eq!(install["env"]["PAVE_REV"], "v0.1.0");
    assert_eq!(
        install["run"],
        "cargo install --locked --git \"$PAVE_GIT\" --rev \"$PAVE_REV\" --bin pave pave-compiler"
    );
    let cache = all.iter().find(|s| s["id"] == "pave-cache").unwrap();
    let key = cache["with"]["key"].as_str().unwrap();
    assert!(
        key.contains("-v0.1.0-"),
        "the cache key holds the rev: {key}"
    );
    assert!(
        cache["uses"]
            .as_str()
            .unwrap()
            .starts_with("actions/cache@")
    );
}

#[test]
fn the_check_workflow_verifies_a_release_archive_before_unpacking_it() {
    let url = "https://downloads.shop.example.com/pave-0.1.0.tar.gz";
    let install = format!("install: {{ url: {url}, sha256: {SHA} }}");
    let tree = shop_with(&[(SHOP_INSTALL, &install)]);
    let check = check_workflow(tree.path());
    assert_no_bare_install(&check);
    let all = steps(&check);
    let step = all
        .iter()
        .find(|s| s["env"]["PAVE_URL"].is_string())
        .expect("a download step");
    assert_eq!(step["env"]["PAVE_URL"], url);
    assert_eq!(step["env"]["PAVE_SHA256"], SHA);
    let run = step["run"].as_str().unwrap();
    let verify = run.find("sha256sum -c").expect("a checksum check");
    let unpack = run.find("tar -x").expect("an unpack");
    assert!(verify < unpack, "verified before unpacking:\n{run}");
    assert!(run.contains("GITHUB_PATH"), "{run}");
}

#[test]
fn the_check_workflow_runs_inside_a_pinned_image() {
    let image = format!("ghcr.io/shop-example/pave:0.1.0@sha256:{SHA}");
    let tree = shop_with(&[(SHOP_INSTALL, &format!("install: {{ image: \"{image}\" }}"))]);
    let check = check_workflow(tree.path());
    assert_no_bare_install(&check);
    assert_eq!(check["jobs"]["check"]["container"], Value::String(image));
    assert!(
        steps(&check)
            .iter()
            .all(|s| !s["run"].as_str().unwrap_or_default().contains("install")),
        "nothing is installed: the image has pave"
    );
}

#[test]
fn only_pull_request_runs_are_cancelled_and_pushes_never_share_a_group() {
    let tree = project().join("golden/shop");
    for (name, _, workflow) in workflows(&tree) {
        let concurrency = &workflow["concurrency"];
        assert_eq!(
            concurrency["cancel-in-progress"], "${{ github.event_name == 'pull_request' }}",
            "{name}"
        );
        let group = concurrency["group"].as_str().unwrap();
        assert!(
            group.contains("github.event.pull_request.number || github.sha"),
            "{name}: a push run's group is its commit: {group}"
        );
    }
}

#[test]
fn write_permissions_are_only_on_jobs_that_run_on_the_default_branch() {
    let tree = project().join("golden/shop");
    let mut writers = 0;
    for (name, _, workflow) in workflows(&tree) {
        let top = workflow["permissions"].as_object().unwrap();
        assert!(top.values().all(|v| v != "write"), "{name}: {top:?}");
        for (job_name, job) in workflow["jobs"].as_object().unwrap() {
            let Some(permissions) = job["permissions"].as_object() else {
                continue;
            };
            if permissions.values().any(|v| v == "write") {
                writers += 1;
                let condition = job["if"].as_str().unwrap_or_default();
                assert!(
                    condition.contains("github.event_name == 'push'")
                        && condition.contains(
                            "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)"
                        ),
                    "{name}/{job_name} writes but runs on: {condition:?}"
                );
            }
        }
    }
    assert_eq!(writers, 3, "one pushing job per built service");
}

#[test]
fn every_action_is_pinned_by_full_commit_sha_with_its_version_in_a_comment() {
    let trees = [project().join("golden/shop")];
    let mut seen = 0;
    for tree in &trees {
        for (name, text, workflow) in workflows(tree) {
            for step in steps(&workflow) {
                let Some(uses) = step["uses"].as_str() else {
                    continue;
                };
                let (_, sha) = uses.split_once('@').unwrap();
                assert!(
                    sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
                    "{name}: {uses}"
                );
                seen += 1;
            }
            for line in text.lines().filter(|l| l.contains("uses:")) {
                let (_, comment) = line.split_once(" # v").expect(line);
                assert!(
                    comment.split('.').all(|p| p.parse::<u32>().is_ok()),
                    "{name}: {line}"
                );
            }
        }
    }
    assert!(seen > 10, "only {seen} actions");
}

#[test]
fn an_ecr_registry_is_pushed_to_by_oidc_without_any_stored_password() {
    let registry = format!("registry: {ECR}\n    aws_role: {ROLE}");
    let tree = shop_with(&[("registry: ghcr.io/shop", &registry)]);
    let text = fs::read_to_string(
        tree.path()
            .join(".github/workflows/pave-build-checkout.yml"),
    )
    .unwrap();
    assert!(!text.contains("secrets."), "no stored secret:\n{text}");
    assert!(!text.contains("password"), "no password:\n{text}");
    let workflow = to_json(&Yaml::load_from_str(&text).unwrap()[0]);
    let push = &workflow["jobs"]["push"];
    assert_eq!(
        push["permissions"],
        json!({ "contents": "read", "id-token": "write" })
    );
    let all: Vec<&Value> = push["steps"].as_array().unwrap().iter().collect();
    let uses = |prefix: &str| {
        all.iter()
            .position(|s| s["uses"].as_str().unwrap_or_default().starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} step:\n{text}"))
    };
    let credentials = uses("aws-actions/configure-aws-credentials@");
    let login = uses("aws-actions/amazon-ecr-login@");
    let build = uses("docker/build-push-action@");
    assert!(credentials < login && login < build);
    assert_eq!(all[credentials]["with"]["role-to-assume"], ROLE);
    assert_eq!(all[credentials]["with"]["aws-region"], "eu-west-1");
    assert_eq!(
        all[build]["with"]["tags"],
        format!("{ECR}/checkout:${{{{ github.sha }}}}")
    );
    assert!(workflow["jobs"]["build"]["permissions"].is_null());
}

#[test]
fn another_registry_logs_in_with_the_two_named_secrets() {
    let tree = shop_with(&[(
        "registry: ghcr.io/shop",
        "registry: registry.shop.example.com/shop",
    )]);
    let text = fs::read_to_string(
        tree.path()
            .join(".github/workflows/pave-build-checkout.yml"),
    )
    .unwrap();
    let workflow = to_json(&Yaml::load_from_str(&text).unwrap()[0]);
    let push = &workflow["jobs"]["push"];
    assert_eq!(push["permissions"], json!({ "contents": "read" }));
    let login = push["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .unwrap_or_default()
                .starts_with("docker/login-action@")
        })
        .unwrap();
    assert_eq!(
        login["with"],
        json!({
            "registry": "registry.shop.example.com",
            "username": "${{ secrets.REGISTRY_USERNAME }}",
            "password": "${{ secrets.REGISTRY_PASSWORD }}",
        })
    );
}

#[test]
fn images_build_with_the_github_cache_one_scope_per_image() {
    for (name, _, workflow) in workflows(&project().join("golden/shop")) {
        let Some(service) = name
            .strip_prefix("pave-build-")
            .and_then(|n| n.strip_suffix(".yml"))
        else {
            continue;
        };
        let builds: Vec<&Value> = steps(&workflow)
            .into_iter()
            .filter(|s| {
                s["uses"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("docker/build-push-action@")
            })
            .collect();
        assert_eq!(builds.len(), 2, "{name}");
        for b in builds {
            assert_eq!(b["with"]["cache-from"], format!("type=gha,scope={service}"));
            assert_eq!(
                b["with"]["cache-to"],
                format!("type=gha,mode=max,scope={service}")
            );
        }
    }
}

#[test]
fn a_kdl_platform_configures_ci_through_the_same_schema() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&project().join("tests/diagnostics/_base"), dir.path());
    fs::remove_file(dir.path().join("platform.yaml")).unwrap();
    let kdl = fs::read_to_string(project().join("fuzz/corpus/kdl_load/platform.kdl"))
        .unwrap()
        .replace(
            "targets {\n",
            &format!(
                "targets {{\n    ci provider=\"github\" {{\n        registry url=\"{ECR}\" kind=\"ecr\"\n        install image=\"ghcr.io/acme/pave@sha256:{SHA}\"\n        aws_role \"{ROLE}\"\n    }}\n"
            ),
        );
    fs::write(dir.path().join("platform.kdl"), &kdl).unwrap();
    fs::create_dir_all(dir.path().join("apps/api")).unwrap();
    let api = dir.path().join("services/api.yaml");
    let service = fs::read_to_string(&api).unwrap() + "build: { context: apps/api }\n";
    fs::write(&api, service).unwrap();
    let out = pave(&["build"], dir.path());
    assert!(out.status.success(), "{kdl}\n{}", stderr(&out));
    let check = check_workflow(dir.path());
    assert_eq!(
        check["jobs"]["check"]["container"],
        format!("ghcr.io/acme/pave@sha256:{SHA}")
    );
    let build =
        fs::read_to_string(dir.path().join(".github/workflows/pave-build-api.yml")).unwrap();
    assert!(build.contains(ROLE), "{build}");
    let broken = kdl.replace("kind=\"ecr\"", "kind=\"quay\"");
    fs::write(dir.path().join("platform.kdl"), broken).unwrap();
    let out = pave(&["build"], dir.path());
    assert!(
        stderr(&out).contains("error[E0201]") && stderr(&out).contains("targets.ci.registry.kind"),
        "{}",
        stderr(&out)
    );
}

/// A platform whose only service is a cron job without metrics still writes rules (the
/// run alerts, from kube-state-metrics) and their unit tests, so CI checks and tests them.
#[test]
fn a_cron_job_without_metrics_gets_its_rules_checked_and_tested_in_ci() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&project().join("examples/shop"), dir.path());
    for entry in fs::read_dir(dir.path().join("services")).unwrap() {
        fs::remove_file(entry.unwrap().path()).unwrap();
    }
    fs::write(
        dir.path().join("services/report.yaml"),
        "name: report\nowner: team-checkout\nimage: ghcr.io/shop/report:1.0.0\nworkload: cron\n\
         schedule: \"0 3 * * *\"\nmetrics: false\n",
    )
    .unwrap();
    let out = pave(&["build"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let tests = dir
        .path()
        .join("generated/prometheus/prod/tests/report.test.yaml");
    assert!(tests.is_file());
    let all: String = workflows(dir.path())
        .into_iter()
        .map(|(_, text, _)| text)
        .collect();
    assert!(all.contains("check rules"), "{all}");
    assert!(all.contains("test rules"), "{all}");
}
