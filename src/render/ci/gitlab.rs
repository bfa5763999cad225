//! GitLab CI: one owned `.gitlab-ci.yml` with the same jobs as the GitHub workflows,
//! gated by `rules: changes:` per service and per environment, interruptible so that
//! a new commit cancels superseded pipelines.

use indexmap::IndexMap;

use super::workflow::{AutoCancel, Cache, GitlabCi, GitlabJob, GitlabWorkflow, Image, Rule};
use super::{PAVE_VERSION, built_services, checks, ci_file, image_repository};
use crate::diag::Diagnostic;
use crate::output::{Artifact, Layout};
use crate::render::RenderCx;
use crate::resolve::{Build, ResolvedService};

const RUST_IMAGE: &str = "rust:1.95";
const DOCKER_IMAGE: &str = "docker:27.5";
const DOCKER_SERVICE: &str = "docker:27.5-dind";
/// At least the `required_version` of the Terraform target's `versions.tf`.
pub(crate) const TERRAFORM_IMAGE: &str = "hashicorp/terraform:1.11.4";
const PROMETHEUS_IMAGE: &str = "prom/prometheus:v2.53.4";
const ON_MERGE_REQUEST: &str = "$CI_PIPELINE_SOURCE == \"merge_request_event\"";
const ON_DEFAULT_BRANCH: &str = "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH";

pub(crate) fn render(cx: &RenderCx) -> Result<Vec<Artifact>, Diagnostic> {
    let mut jobs = IndexMap::from([("pave-check".to_string(), check())]);
    for s in built_services(cx.model) {
        let Some(build) = &s.build else { continue };
        let changes = vec![format!("{}/**/*", build.context)];
        let on_change = vec![
            on_merge_request(changes.clone()),
            Rule {
                condition: ON_DEFAULT_BRANCH,
                changes,
            },
        ];
        if let Some(test) = &build.test {
            let job = GitlabJob {
                stage: "test",
                interruptible: true,
                script: vec![format!("cd {}", build.context), test.clone()],
                rules: on_change.clone(),
                ..GitlabJob::default()
            };
            jobs.insert(format!("test-{}", s.name), job);
        }
        jobs.insert(
            format!("build-{}", s.name),
            build_job(cx, s, build, on_change),
        );
    }
    let (terraform, prometheus) = checks(cx);
    if terraform {
        for env in &cx.model.platform.environments {
            let dir = cx.layout.terraform_dir(&env.name);
            let job = GitlabJob {
                stage: "infrastructure",
                image: Some(with_shell(TERRAFORM_IMAGE)),
                interruptible: true,
                script: vec![
                    format!("cd {dir}"),
                    "terraform fmt -check".into(),
                    "terraform init -backend=false".into(),
                    "terraform validate".into(),
                ],
                rules: vec![on_merge_request(vec![format!("{dir}/**/*")])],
                ..GitlabJob::default()
            };
            jobs.insert(format!("terraform-{}", env.name), job);
        }
    }
    if prometheus {
        jobs.insert("prometheus-rules".into(), prometheus_job(cx));
    }
    let file = GitlabCi {
        stages: vec!["check", "test", "build", "infrastructure", "observability"],
        workflow: GitlabWorkflow {
            auto_cancel: AutoCancel {
                on_new_commit: "interruptible",
            },
        },
        jobs,
    };
    Ok(vec![ci_file(Layout::GITLAB_CI.to_string(), &file)?])
}

fn on_merge_request(changes: Vec<String>) -> Rule {
    Rule {
        condition: ON_MERGE_REQUEST,
        changes,
    }
}

/// An image whose entrypoint is cleared, so GitLab's shell runs the script.
fn with_shell(name: &'static str) -> Image {
    Image::WithEntrypoint {
        name,
        entrypoint: vec![""],
    }
}

fn check() -> GitlabJob {
    GitlabJob {
        stage: "check",
        image: Some(Image::Name(RUST_IMAGE)),
        interruptible: true,
        variables: IndexMap::from([("CARGO_HOME", "$CI_PROJECT_DIR/.cargo")]),
        cache: Some(Cache {
            key: format!("pave-{PAVE_VERSION}"),
            paths: vec![".cargo/bin"],
        }),
        script: vec![
            format!(
                "test -x .cargo/bin/pave || cargo install pave --version {PAVE_VERSION} --locked"
            ),
            ".cargo/bin/pave check".into(),
            ".cargo/bin/pave lint".into(),
        ],
        rules: vec![on_merge_request(Vec::new())],
        ..GitlabJob::default()
    }
}

fn build_job(cx: &RenderCx, s: &ResolvedService, build: &Build, rules: Vec<Rule>) -> GitlabJob {
    let repo = image_repository(cx.model, s);
    let image = format!("{repo}:$CI_COMMIT_SHA");
    let registry = repo.split('/').next().unwrap_or_default();
    GitlabJob {
        stage: "build",
        image: Some(Image::Name(DOCKER_IMAGE)),
        services: vec![DOCKER_SERVICE.to_string()],
        interruptible: true,
        variables: IndexMap::from([("DOCKER_TLS_CERTDIR", "/certs")]),
        script: vec![
            format!(
                "docker build -t \"{image}\" -f {}/{} {}",
                build.context, build.dockerfile, build.context
            ),
            format!(
                "if [ \"$CI_COMMIT_BRANCH\" = \"$CI_DEFAULT_BRANCH\" ]; then echo \"$REGISTRY_PASSWORD\" | docker login -u \"$REGISTRY_USERNAME\" --password-stdin {registry} && docker push \"{image}\"; fi"
            ),
        ],
        rules,
        ..GitlabJob::default()
    }
}

fn prometheus_job(cx: &RenderCx) -> GitlabJob {
    let base = cx.layout.prometheus_base();
    let mut script = vec![format!("promtool check rules {base}/*/*.rules.yaml")];
    if super::has_slo_tests(cx.model) {
        script.push(format!("promtool test rules {base}/*/tests/*.test.yaml"));
    }
    GitlabJob {
        stage: "observability",
        image: Some(with_shell(PROMETHEUS_IMAGE)),
        interruptible: true,
        script,
        rules: vec![on_merge_request(vec![format!("{base}/**/*")])],
        ..GitlabJob::default()
    }
}
