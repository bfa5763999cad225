//! GitLab CI: one owned `.gitlab-ci.yml` with the same jobs as the GitHub workflows,
//! gated by `rules: changes:` per service and per environment, interruptible so that
//! a new commit cancels superseded pipelines.

use serde_json::{Map, Value, json};

use super::{PAVE_VERSION, built_services, checks, image_repository};
use crate::resolve::Model;

const RUST_IMAGE: &str = "rust:1.95";
const DOCKER_IMAGE: &str = "docker:27.5";
const TERRAFORM_IMAGE: &str = "hashicorp/terraform:1.9.8";
const PROMETHEUS_IMAGE: &str = "prom/prometheus:v2.53.4";

pub fn render(model: &Model) -> Vec<(String, Value)> {
    let mut file = Map::new();
    file.insert(
        "stages".into(),
        json!(["check", "test", "build", "infrastructure", "observability"]),
    );
    file.insert(
        "workflow".into(),
        json!({ "auto_cancel": { "on_new_commit": "interruptible" } }),
    );
    file.insert(
        "pave-check".into(),
        json!({
            "stage": "check",
            "image": RUST_IMAGE,
            "interruptible": true,
            "variables": { "CARGO_HOME": "$CI_PROJECT_DIR/.cargo" },
            "cache": { "key": format!("pave-{PAVE_VERSION}"), "paths": [".cargo/bin"] },
            "script": [
                format!("test -x .cargo/bin/pave || cargo install pave --version {PAVE_VERSION} --locked"),
                ".cargo/bin/pave check",
                ".cargo/bin/pave lint",
            ],
            "rules": [{ "if": "$CI_PIPELINE_SOURCE == \"merge_request_event\"" }],
        }),
    );
    for s in built_services(model) {
        let Some(build) = &s.build else { continue };
        let changes = json!([format!("{}/**/*", build.context)]);
        let on_change = json!([
            { "if": "$CI_PIPELINE_SOURCE == \"merge_request_event\"", "changes": changes },
            { "if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", "changes": changes },
        ]);
        if let Some(test) = &build.test {
            file.insert(
                format!("test-{}", s.name),
                json!({
                    "stage": "test",
                    "interruptible": true,
                    "script": [format!("cd {}", build.context), test],
                    "rules": on_change,
                }),
            );
        }
        let repo = image_repository(model, s);
        let image = format!("{repo}:$CI_COMMIT_SHA");
        file.insert(
            format!("build-{}", s.name),
            json!({
                "stage": "build",
                "image": DOCKER_IMAGE,
                "services": [format!("{DOCKER_IMAGE}-dind")],
                "interruptible": true,
                "variables": { "DOCKER_TLS_CERTDIR": "/certs" },
                "script": [
                    format!("docker build -t \"{image}\" -f {}/{} {}", build.context, build.dockerfile, build.context),
                    format!(
                        "if [ \"$CI_COMMIT_BRANCH\" = \"$CI_DEFAULT_BRANCH\" ]; then echo \"$REGISTRY_PASSWORD\" | docker login -u \"$REGISTRY_USERNAME\" --password-stdin {} && docker push \"{image}\"; fi",
                        repo.split('/').next().unwrap_or_default()
                    ),
                ],
                "rules": on_change,
            }),
        );
    }
    let (terraform, prometheus) = checks(model);
    if terraform {
        for env in &model.platform.environments {
            let dir = format!("{}/terraform/{}", model.platform.output, env.name);
            file.insert(
                format!("terraform-{}", env.name),
                json!({
                    "stage": "infrastructure",
                    "image": { "name": TERRAFORM_IMAGE, "entrypoint": [""] },
                    "interruptible": true,
                    "script": [
                        format!("cd {dir}"),
                        "terraform fmt -check",
                        "terraform init -backend=false",
                        "terraform validate",
                    ],
                    "rules": [{ "if": "$CI_PIPELINE_SOURCE == \"merge_request_event\"", "changes": [format!("{dir}/**/*")] }],
                }),
            );
        }
    }
    if prometheus {
        let base = format!("{}/prometheus", model.platform.output);
        let mut script = vec![json!(format!("promtool check rules {base}/*/*.rules.yaml"))];
        if model
            .services
            .iter()
            .any(|s| s.slo.is_some() && s.metrics.is_some())
        {
            script.push(json!(format!(
                "promtool test rules {base}/*/tests/*.test.yaml"
            )));
        }
        file.insert(
            "prometheus-rules".into(),
            json!({
                "stage": "observability",
                "image": { "name": PROMETHEUS_IMAGE, "entrypoint": [""] },
                "interruptible": true,
                "script": script,
                "rules": [{ "if": "$CI_PIPELINE_SOURCE == \"merge_request_event\"", "changes": [format!("{base}/**/*")] }],
            }),
        );
    }
    vec![(".gitlab-ci.yml".into(), Value::Object(file))]
}
