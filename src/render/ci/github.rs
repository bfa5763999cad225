//! GitHub Actions workflows: `pave-check.yml`, `pave-build-<service>.yml`,
//! `pave-terraform.yml` and `pave-prometheus.yml`, each with least-privilege
//! `permissions` and a `concurrency` group that cancels superseded runs.

use serde_json::{Value, json};

use super::{PAVE_VERSION, built_services, checks, image_repository};
use crate::resolve::Model;

const RUNNER: &str = "ubuntu-24.04";
const CHECKOUT: &str = "actions/checkout@v4.2.2";
const CACHE: &str = "actions/cache@v4.2.3";
const BUILDX: &str = "docker/setup-buildx-action@v3.10.0";
const LOGIN: &str = "docker/login-action@v3.4.0";
const BUILD_PUSH: &str = "docker/build-push-action@v6.15.0";
const PATHS_FILTER: &str = "dorny/paths-filter@v3.0.2";
const SETUP_TERRAFORM: &str = "hashicorp/setup-terraform@v3.1.2";
const TERRAFORM_VERSION: &str = "1.9.8";
const PROMETHEUS_IMAGE: &str = "prom/prometheus:v2.53.4";

pub fn render(model: &Model) -> Vec<(String, Value)> {
    let mut files = vec![(path("check"), check())];
    for s in built_services(model) {
        let Some(build) = &s.build else { continue };
        let repo = image_repository(model, s);
        let paths = json!([
            format!("{}/**", build.context),
            format!(".github/workflows/pave-build-{}.yml", s.name)
        ]);
        let mut steps = vec![json!({ "uses": CHECKOUT })];
        if let Some(test) = &build.test {
            steps.push(json!({ "name": "Test", "working-directory": build.context, "run": test }));
        }
        steps.push(json!({ "uses": BUILDX }));
        let ghcr = repo.starts_with("ghcr.io/");
        let registry = repo.split('/').next().unwrap_or_default();
        let (username, password) = match ghcr {
            true => ("${{ github.actor }}", "${{ secrets.GITHUB_TOKEN }}"),
            false => (
                "${{ secrets.REGISTRY_USERNAME }}",
                "${{ secrets.REGISTRY_PASSWORD }}",
            ),
        };
        steps.push(json!({
            "name": "Log in to the registry",
            "if": "env.PUSH == 'true'",
            "uses": LOGIN,
            "with": { "registry": registry, "username": username, "password": password },
        }));
        steps.push(json!({
            "name": "Build, and push from the default branch",
            "uses": BUILD_PUSH,
            "with": {
                "context": build.context,
                "file": format!("{}/{}", build.context, build.dockerfile),
                "push": "${{ env.PUSH == 'true' }}",
                "tags": format!("{repo}:${{{{ github.sha }}}}"),
            },
        }));
        let mut permissions = json!({ "contents": "read" });
        if ghcr {
            permissions["packages"] = json!("write");
        }
        let workflow = json!({
            "name": format!("build {}", s.name),
            "on": { "push": { "paths": paths }, "pull_request": { "paths": paths } },
            "permissions": permissions,
            "concurrency": concurrency(),
            "jobs": { "build": {
                "runs-on": RUNNER,
                "env": {
                    "PUSH": "${{ github.ref == format('refs/heads/{0}', github.event.repository.default_branch) }}",
                },
                "steps": steps,
            } },
        });
        files.push((path(&format!("build-{}", s.name)), workflow));
    }
    let (terraform, prometheus) = checks(model);
    if terraform {
        files.push((path("terraform"), terraform_workflow(model)));
    }
    if prometheus {
        files.push((path("prometheus"), prometheus_workflow(model)));
    }
    files
}

fn path(name: &str) -> String {
    format!(".github/workflows/pave-{name}.yml")
}

fn concurrency() -> Value {
    json!({ "group": "${{ github.workflow }}-${{ github.ref }}", "cancel-in-progress": true })
}

/// Installs the pave that wrote the tree, cached by version.
fn install_pave() -> Vec<Value> {
    vec![
        json!({
            "name": "Cache pave",
            "id": "pave-cache",
            "uses": CACHE,
            "with": { "path": "~/.cargo/bin/pave", "key": format!("pave-{PAVE_VERSION}-${{{{ runner.os }}}}") },
        }),
        json!({
            "name": format!("Install pave {PAVE_VERSION}"),
            "if": "steps.pave-cache.outputs.cache-hit != 'true'",
            "run": format!("cargo install pave --version {PAVE_VERSION} --locked"),
        }),
    ]
}

fn check() -> Value {
    let mut steps = vec![json!({ "uses": CHECKOUT })];
    steps.extend(install_pave());
    steps.push(json!({ "name": "The generated tree matches the sources", "run": "pave check --format github" }));
    steps.push(json!({ "name": "Policies", "run": "pave lint --format github" }));
    json!({
        "name": "pave check",
        "on": { "pull_request": {} },
        "permissions": { "contents": "read" },
        "concurrency": concurrency(),
        "jobs": { "check": { "runs-on": RUNNER, "steps": steps } },
    })
}

fn terraform_workflow(model: &Model) -> Value {
    let base = format!("{}/terraform", model.platform.output);
    let envs: Vec<&str> = model
        .platform
        .environments
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    let filters: String = envs
        .iter()
        .map(|e| format!("{e}:\n  - '{base}/{e}/**'\n"))
        .collect();
    let outputs: serde_json::Map<String, Value> = envs
        .iter()
        .map(|e| {
            (
                e.to_string(),
                json!(format!("${{{{ steps.filter.outputs.{e} }}}}")),
            )
        })
        .collect();
    let mut jobs = serde_json::Map::new();
    jobs.insert(
        "changes".into(),
        json!({
            "runs-on": RUNNER,
            "permissions": { "contents": "read", "pull-requests": "read" },
            "outputs": outputs,
            "steps": [
                { "uses": CHECKOUT },
                { "id": "filter", "uses": PATHS_FILTER, "with": { "filters": filters } },
            ],
        }),
    );
    for env in &envs {
        jobs.insert(
            format!("terraform-{env}"),
            json!({
                "name": format!("terraform {env}"),
                "needs": "changes",
                "if": format!("needs.changes.outputs.{env} == 'true'"),
                "runs-on": RUNNER,
                "defaults": { "run": { "working-directory": format!("{base}/{env}") } },
                "steps": [
                    { "uses": CHECKOUT },
                    { "uses": SETUP_TERRAFORM, "with": { "terraform_version": TERRAFORM_VERSION } },
                    { "name": "Format", "run": "terraform fmt -check" },
                    { "name": "Init without the backend", "run": "terraform init -backend=false" },
                    { "name": "Validate", "run": "terraform validate" },
                ],
            }),
        );
    }
    json!({
        "name": "pave terraform",
        "on": { "pull_request": { "paths": [format!("{base}/**")] } },
        "permissions": { "contents": "read" },
        "concurrency": concurrency(),
        "jobs": jobs,
    })
}

fn prometheus_workflow(model: &Model) -> Value {
    let base = format!("{}/prometheus", model.platform.output);
    let promtool = format!(
        "docker run --rm -v \"$PWD:/work\" -w /work --entrypoint promtool {PROMETHEUS_IMAGE}"
    );
    let mut steps = vec![
        json!({ "uses": CHECKOUT }),
        json!({ "name": "Check rules", "run": format!("{promtool} check rules {base}/*/*.rules.yaml") }),
    ];
    if model
        .services
        .iter()
        .any(|s| s.slo.is_some() && s.metrics.is_some())
    {
        steps.push(json!({ "name": "Test rules", "run": format!("{promtool} test rules {base}/*/tests/*.test.yaml") }));
    }
    json!({
        "name": "pave prometheus",
        "on": { "pull_request": { "paths": [format!("{base}/**")] } },
        "permissions": { "contents": "read" },
        "concurrency": concurrency(),
        "jobs": { "rules": { "runs-on": RUNNER, "steps": steps } },
    })
}
