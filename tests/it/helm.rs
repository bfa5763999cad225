//! The shared chart renders exactly the Kubernetes target's objects: for every service
//! and environment of every tree, `helm template` with its values file produces the
//! same set of objects (compared parsed, not as text), and `helm lint` is clean.

use std::process::Command;

use serde_json::Value;

use super::*;

pub fn parse_documents(text: &str) -> Vec<Value> {
    let mut docs = Vec::new();
    let mut current = String::new();
    for line in text.lines().chain(std::iter::once("---")) {
        if line == "---" {
            if current
                .lines()
                .any(|l| !l.trim().is_empty() && !l.starts_with('#'))
            {
                let doc = pave::testing::parse_yaml(&current);
                docs.push(doc.unwrap_or_else(|e| panic!("{e}\n{current}")));
            }
            current.clear();
        } else {
            current.push_str(line);
            current.push('\n');
        }
    }
    docs
}

pub fn key(v: &Value) -> String {
    format!(
        "{}/{}",
        v["kind"].as_str().unwrap_or_default(),
        v["metadata"]["name"].as_str().unwrap_or_default()
    )
}

#[test]
fn helm_template_renders_the_kubernetes_targets_objects_and_lint_is_clean() {
    let Some(helm) = validators::tool("helm") else {
        return;
    };
    let mut trees: Vec<PathBuf> = examples()
        .iter()
        .map(|n| project().join("golden").join(n))
        .collect();
    let spec = build_spec_platform();
    trees.push(spec.path().to_path_buf());
    let mut seen = Compared::default();
    // Platform-wide SLO recordings seen outside the chart.
    let mut outside = 0;
    for tree in &trees {
        if tree.join("generated/helm").is_dir() {
            outside += outside_the_chart(tree);
        }
        compare_with_the_chart(&helm, tree, &mut seen);
    }
    assert!(
        seen.files >= 30,
        "only {} values files compared",
        seen.files
    );
    assert!(
        seen.dashboards >= 3,
        "no per-service dashboard was seen ({})",
        seen.dashboards
    );
    assert!(
        outside >= 2,
        "only {outside} platform-wide SLO recordings accounted for"
    );
    let wanted = [
        "Deployment",
        "CronJob",
        "PodMonitor",
        "ServiceMonitor",
        "PrometheusRule",
        "initContainers",
        "sidecars",
        "files",
        "startupProbe",
        "grpc",
        "exec",
        "nodeSelector",
        "tolerations",
        "imagePullSecrets",
    ];
    let missing: Vec<&str> = wanted
        .into_iter()
        .filter(|w| !seen.covered.contains(*w))
        .collect();
    assert!(missing.is_empty(), "no compared object has {missing:?}");
}

/// The chart builds the SLO budgets from plain values in the shapes the examples do
/// not have: environments without alerts or without pages (the budgets stay: the
/// environment's rules drop the alerts), an integer latency threshold (the bucket
/// `le: "1"`), and per-service dashboards (the budgets' `dashboard_url` label).
#[test]
fn the_chart_builds_every_rule_shape_the_kubernetes_target_writes() {
    let Some(helm) = validators::tool("helm") else {
        return;
    };
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&project().join("examples/shop"), repo.path());
    let platform = repo.path().join("platform.yaml");
    let text = fs::read_to_string(&platform).unwrap().replace(
        "  routing: alertmanager-config\n",
        "  routing: alertmanager-config\n  dashboards: { url: https://grafana.shop.example.com/, per_service: true }\n  severity:\n    dev: none\n    staging: { page: none, ticket: ticket }\n",
    );
    fs::write(&platform, text).unwrap();
    let checkout = repo.path().join("services/checkout.yaml");
    let text = fs::read_to_string(&checkout)
        .unwrap()
        .replace("latency: { threshold: 250ms", "latency: { threshold: 1s");
    fs::write(&checkout, text).unwrap();
    let out = pave(
        &["build", "--root", repo.path().to_str().unwrap()],
        &project(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // The shapes are in the Kubernetes target's rules, so the comparison covers them.
    let rules = |env: &str| {
        let path = format!("generated/kubernetes/{env}/checkout/prometheusrule.yaml");
        fs::read_to_string(repo.path().join(path)).unwrap()
    };
    for env in ["dev", "staging", "prod"] {
        assert!(!rules(env).contains("alert:"), "{}", rules(env));
        assert!(rules(env).contains("vector(0.01)"), "{}", rules(env));
    }
    let environment = |env: &str| {
        let path = format!("generated/kubernetes/{env}/prometheusrule-pave-slo.yaml");
        fs::read_to_string(repo.path().join(path)).unwrap()
    };
    assert!(!environment("dev").contains("alert:"));
    assert!(!environment("staging").contains("severity: critical"));
    assert!(environment("staging").contains("SLOSlowBurn"));
    assert!(rules("prod").contains("le: \"1\"\n"), "{}", rules("prod"));
    assert!(rules("prod").contains("dashboard_url: "));
    let mut seen = Compared::default();
    compare_with_the_chart(&helm, repo.path(), &mut seen);
    assert_eq!(seen.files, 18);
}

/// A values file carries the rules' inputs, never a rule: no expression, no PromQL
/// (function, aggregation or recorded series) in any values file of any example or
/// of the SPEC platform.
#[test]
fn no_values_file_carries_a_rule_expression() {
    let spec = build_spec_platform();
    let mut trees: Vec<PathBuf> = examples()
        .iter()
        .map(|n| project().join("golden").join(n))
        .collect();
    trees.push(spec.path().to_path_buf());
    let promql = [
        "expr:",
        "record:",
        "rate(",
        "sum by",
        "without (",
        "absent(",
        "label_replace",
        "increase(",
        "max_over_time",
        "time()",
        " or on",
        "kube_",
        "env_namespace_job",
        "{job=",
    ];
    let mut checked = 0;
    for tree in &trees {
        for file in values_files(tree) {
            let text = fs::read_to_string(&file).unwrap();
            for word in promql {
                assert!(!text.contains(word), "{}: {word}", file.display());
            }
            checked += usize::from(text.contains("prometheusRule:\n"));
        }
    }
    assert!(checked >= 20, "only {checked} values files with rules");
}

/// Every `helm/<env>/<service>.values.yaml` of a tree.
fn values_files(tree: &Path) -> Vec<PathBuf> {
    let helm_dir = tree.join("generated/helm");
    if !helm_dir.is_dir() {
        return Vec::new();
    }
    let mut files = Vec::new();
    for env in fs::read_dir(&helm_dir).unwrap().map(|e| e.unwrap().path()) {
        if env.ends_with("chart") {
            continue;
        }
        files.extend(fs::read_dir(&env).unwrap().map(|e| e.unwrap().path()));
    }
    files.sort();
    files
}

/// What the comparisons saw: values files, per-service dashboards left out, and the
/// kinds and pod features of the compared objects.
#[derive(Default)]
struct Compared {
    files: usize,
    dashboards: usize,
    covered: std::collections::BTreeSet<String>,
}

/// `helm template` of the tree's chart with each values file renders exactly the
/// objects of that service's Kubernetes folder, and `helm lint` is clean.
fn compare_with_the_chart(helm: &Path, tree: &Path, seen: &mut Compared) {
    let chart = tree.join("generated/helm/chart");
    for file in values_files(tree) {
        let env = file.parent().unwrap().file_name().unwrap().to_owned();
        let service = file
            .file_name()
            .unwrap()
            .to_string_lossy()
            .trim_end_matches(".values.yaml")
            .to_string();
        let out = Command::new(helm)
            .arg("template")
            .arg(&service)
            .arg(&chart)
            .arg("-f")
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "helm template {}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let mut rendered: Vec<(String, Value)> =
            parse_documents(&String::from_utf8_lossy(&out.stdout))
                .into_iter()
                .map(|d| (key(&d), d))
                .collect();
        let folder = tree.join("generated/kubernetes").join(&env).join(&service);
        let mut expected: Vec<(String, Value)> = Vec::new();
        for file in fs::read_dir(&folder).unwrap().map(|e| e.unwrap().path()) {
            let doc = parse_documents(&fs::read_to_string(&file).unwrap()).remove(0);
            if dashboard_outside_the_chart(&file, &doc) {
                seen.dashboards += 1;
                continue;
            }
            expected.push((key(&doc), doc));
        }
        rendered.sort_by(|a, b| a.0.cmp(&b.0));
        expected.sort_by(|a, b| a.0.cmp(&b.0));
        let names = |v: &[(String, Value)]| v.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&rendered),
            names(&expected),
            "{}: objects differ",
            file.display()
        );
        for (_, e) in &expected {
            seen.covered.extend(coverage(e));
        }
        for ((k, r), (_, e)) in rendered.iter().zip(&expected) {
            assert_eq!(
                r,
                e,
                "{}: {k} differs from the Kubernetes target",
                file.display()
            );
        }
        seen.files += 1;
        let lint = Command::new(helm)
            .arg("lint")
            .arg(&chart)
            .arg("-f")
            .arg(&file)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&lint.stdout).to_string();
        assert!(
            lint.status.success() && !text.contains("[WARNING]") && !text.contains("[ERROR]"),
            "helm lint {}:\n{text}",
            file.display()
        );
    }
}

/// Objects the Kubernetes target writes that the chart deliberately does not render:
/// Grafana dashboards are Grafana's configuration, applied from the Kubernetes tree
/// (the environment's `dashboard.yaml`, or with `monitoring.dashboards.per_service`
/// each service's), so no values file carries their JSON.
fn dashboard_outside_the_chart(file: &Path, object: &Value) -> bool {
    let dashboard = file.ends_with("dashboard.yaml");
    if dashboard {
        assert_eq!(object["kind"], "ConfigMap", "{}", file.display());
        assert_eq!(
            object["metadata"]["labels"]["grafana_dashboard"],
            "1",
            "{}",
            file.display()
        );
    }
    dashboard
}

/// The objects of each environment's Kubernetes folder that no chart release
/// renders, because they are not a service's: Namespaces, AlertmanagerConfigs, the
/// environment's Grafana dashboard (a ConfigMap), the PrometheusRule of the
/// environment's SLI recordings and SLO alerts (`pave-slo-<platform>-<env>`) and the one
/// of its contract alerts (`pave-contract-<platform>-<env>`:
/// the services' info recordings and alerts that name no service). Anything else
/// outside a service folder fails. Returns how many platform PrometheusRules it saw.
fn outside_the_chart(tree: &Path) -> usize {
    let mut recordings = 0;
    for env in fs::read_dir(tree.join("generated/kubernetes")).unwrap() {
        let env = env.unwrap().path();
        let name = env.file_name().unwrap().to_string_lossy().to_string();
        for file in fs::read_dir(&env).unwrap().map(|e| e.unwrap().path()) {
            if file.is_dir() || file.ends_with("kustomization.yaml") {
                continue;
            }
            let object = parse_documents(&fs::read_to_string(&file).unwrap()).remove(0);
            match object["kind"].as_str().unwrap() {
                "Namespace" | "AlertmanagerConfig" => {}
                "ConfigMap" => {
                    assert!(dashboard_outside_the_chart(&file, &object));
                }
                "PrometheusRule" => {
                    let rule_name = object["metadata"]["name"].as_str().unwrap();
                    // The platform owns them, and names them with the environment.
                    let platform = object["metadata"]["labels"]["pave/owner"].as_str().unwrap();
                    let named = |kind: &str| rule_name == format!("pave-{kind}-{platform}-{name}");
                    assert!(named("contract") || named("slo"), "{rule_name}");
                    let rules = object["spec"]["groups"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .flat_map(|g| g["rules"].as_array().unwrap());
                    for rule in rules {
                        // A contract or SLO alert is the environment's: its labels
                        // name no service (its series do).
                        let platform_alert =
                            rule["alert"].is_string() && rule["labels"].get("service").is_none();
                        assert!(
                            rule["record"].is_string() || platform_alert,
                            "{}: {rule}",
                            file.display()
                        );
                    }
                    recordings += 1;
                }
                other => panic!("{}: a {other} outside the chart", file.display()),
            }
        }
    }
    recordings
}

/// The kind of an object, and the pod features it uses (sidecars, init containers,
/// mounted files, probe kinds), so the test can say every workload shape was compared.
fn coverage(object: &Value) -> Vec<String> {
    let mut out = vec![object["kind"].as_str().unwrap_or_default().to_string()];
    let pod = match object["kind"].as_str() {
        Some("CronJob") => &object["spec"]["jobTemplate"]["spec"]["template"]["spec"],
        _ => &object["spec"]["template"]["spec"],
    };
    let containers = pod["containers"].as_array().cloned().unwrap_or_default();
    if containers.len() > 1 {
        out.push("sidecars".into());
    }
    if pod["initContainers"]
        .as_array()
        .is_some_and(|i| !i.is_empty())
    {
        out.push("initContainers".into());
    }
    for placement in ["nodeSelector", "tolerations", "imagePullSecrets"] {
        if pod.get(placement).is_some() {
            out.push(placement.into());
        }
    }
    let volumes = pod["volumes"].as_array().cloned().unwrap_or_default();
    if volumes.iter().any(|v| v.get("configMap").is_some()) {
        out.push("files".into());
    }
    for c in &containers {
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            if let Some(p) = c.get(probe).and_then(Value::as_object) {
                out.push(probe.into());
                out.extend(
                    p.keys()
                        .filter(|k| !k.ends_with("Seconds") && !k.ends_with("Threshold"))
                        .cloned(),
                );
            }
        }
    }
    out
}
