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
    let mut compared = 0;
    // Per-service dashboards seen in service folders and left out of the comparison.
    let mut dashboards = 0;
    let mut outside = 0;
    // What the compared objects covered: kinds, and pod features the chart renders.
    let mut covered = std::collections::BTreeSet::new();
    for tree in &trees {
        let helm_dir = tree.join("generated/helm");
        if !helm_dir.is_dir() {
            continue;
        }
        let chart = helm_dir.join("chart");
        outside += outside_the_chart(tree);
        for env in fs::read_dir(&helm_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| !p.ends_with("chart"))
        {
            let mut values: Vec<PathBuf> = fs::read_dir(&env)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            values.sort();
            for file in values {
                let service = file
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .trim_end_matches(".values.yaml")
                    .to_string();
                let out = Command::new(&helm)
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
                let folder = tree
                    .join("generated/kubernetes")
                    .join(env.file_name().unwrap())
                    .join(&service);
                let mut expected: Vec<(String, Value)> = Vec::new();
                for file in fs::read_dir(&folder).unwrap().map(|e| e.unwrap().path()) {
                    let doc = parse_documents(&fs::read_to_string(&file).unwrap()).remove(0);
                    if dashboard_outside_the_chart(&file, &doc) {
                        dashboards += 1;
                        continue;
                    }
                    expected.push((key(&doc), doc));
                }
                rendered.sort_by(|a, b| a.0.cmp(&b.0));
                expected.sort_by(|a, b| a.0.cmp(&b.0));
                let names =
                    |v: &[(String, Value)]| v.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
                assert_eq!(
                    names(&rendered),
                    names(&expected),
                    "{}: objects differ",
                    file.display()
                );
                for (_, e) in &expected {
                    covered.extend(coverage(e));
                }
                for ((k, r), (_, e)) in rendered.iter().zip(&expected) {
                    assert_eq!(
                        r,
                        e,
                        "{}: {k} differs from the Kubernetes target",
                        file.display()
                    );
                }
                compared += 1;
                let lint = Command::new(&helm)
                    .arg("lint")
                    .arg(&chart)
                    .arg("-f")
                    .arg(&file)
                    .output()
                    .unwrap();
                let text = String::from_utf8_lossy(&lint.stdout).to_string();
                assert!(
                    lint.status.success()
                        && !text.contains("[WARNING]")
                        && !text.contains("[ERROR]"),
                    "helm lint {}:\n{text}",
                    file.display()
                );
            }
        }
    }
    assert!(compared >= 30, "only {compared} values files compared");
    assert!(
        dashboards >= 3,
        "no per-service dashboard was seen ({dashboards})"
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
        .filter(|w| !covered.contains(*w))
        .collect();
    assert!(missing.is_empty(), "no compared object has {missing:?}");
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
/// environment's Grafana dashboard (a ConfigMap), and the one PrometheusRule of the environment's SLI recordings (`pave-slo-<env>`,
/// recording rules only, which every service's alerts read). Anything else outside
/// a service folder fails. Returns how many recording PrometheusRules it saw.
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
                    assert_eq!(object["metadata"]["name"], format!("pave-slo-{name}"));
                    let rules = object["spec"]["groups"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .flat_map(|g| g["rules"].as_array().unwrap());
                    for rule in rules {
                        assert!(rule["record"].is_string(), "{}: {rule}", file.display());
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
