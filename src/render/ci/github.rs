//! GitHub Actions workflows: `pave-check.yml`, `pave-build-<service>.yml`,
//! `pave-terraform.yml` and `pave-prometheus.yml`, each with least-privilege
//! `permissions` and a `concurrency` group that cancels superseded runs.

use indexmap::IndexMap;

use super::workflow::{
    Access, Concurrency, Defaults, Job, PathFilter, PathsFilters, Permissions, RunDefaults, Step,
    Triggers, Workflow,
};
use super::{PAVE_VERSION, built_services, checks, ci_file, image_repository};
use crate::diag::Diagnostic;
use crate::output::Artifact;
use crate::render::RenderCx;
use crate::resolve::{Build, ResolvedService};

const RUNNER: &str = "ubuntu-24.04";
const CHECKOUT: &str = "actions/checkout@v4.2.2";
const CACHE: &str = "actions/cache@v4.2.3";
const BUILDX: &str = "docker/setup-buildx-action@v3.10.0";
const LOGIN: &str = "docker/login-action@v3.4.0";
const BUILD_PUSH: &str = "docker/build-push-action@v6.15.0";
const PATHS_FILTER: &str = "dorny/paths-filter@v3.0.2";
const SETUP_TERRAFORM: &str = "hashicorp/setup-terraform@v3.1.2";
/// At least the `required_version` of the Terraform target's `versions.tf`.
pub(crate) const TERRAFORM_VERSION: &str = "1.11.4";
const PROMETHEUS_IMAGE: &str = "prom/prometheus:v2.53.4";
/// Pushes happen only on the repository's default branch.
const PUSH_ON_DEFAULT_BRANCH: &str =
    "${{ github.ref == format('refs/heads/{0}', github.event.repository.default_branch) }}";

pub(crate) fn render(cx: &RenderCx) -> Result<Vec<Artifact>, Diagnostic> {
    let mut workflows = vec![("check".to_string(), check())];
    for s in built_services(cx.model) {
        let Some(build) = &s.build else { continue };
        workflows.push((format!("build-{}", s.name), build_workflow(cx, s, build)));
    }
    let (terraform, prometheus) = checks(cx);
    if terraform {
        workflows.push(("terraform".into(), terraform_workflow(cx)));
    }
    if prometheus {
        workflows.push(("prometheus".into(), prometheus_workflow(cx)));
    }
    workflows
        .into_iter()
        .map(|(name, workflow)| ci_file(cx.layout.github_workflow(&name), &workflow))
        .collect()
}

/// A workflow with pave's defaults: read-only contents unless said otherwise, and
/// superseded runs cancelled.
fn workflow(name: String, on: Triggers, jobs: IndexMap<String, Job>) -> Workflow {
    Workflow {
        name,
        on,
        permissions: Permissions::read_contents(),
        concurrency: Concurrency {
            group: "${{ github.workflow }}-${{ github.ref }}",
            cancel_in_progress: true,
        },
        jobs,
    }
}

/// Runs on pull requests that change `paths`.
fn pull_requests_on(paths: Vec<String>) -> Triggers {
    Triggers {
        push: None,
        pull_request: PathFilter { paths },
    }
}

fn one_job(name: &str, job: Job) -> IndexMap<String, Job> {
    IndexMap::from([(name.to_string(), job)])
}

/// A workflow of one job that runs `steps` on pull requests changing `paths` (any
/// change when empty).
fn pull_request_check(name: &str, paths: Vec<String>, job: &str, steps: Vec<Step>) -> Workflow {
    let job_value = Job {
        runs_on: RUNNER,
        steps,
        ..Job::default()
    };
    workflow(
        name.into(),
        pull_requests_on(paths),
        one_job(job, job_value),
    )
}

fn build_workflow(cx: &RenderCx, s: &ResolvedService, build: &Build) -> Workflow {
    let repo = image_repository(cx.model, s);
    let paths = PathFilter {
        paths: vec![
            format!("{}/**", build.context),
            cx.layout.github_workflow(&format!("build-{}", s.name)),
        ],
    };
    let mut steps = vec![Step::uses(CHECKOUT, &[])];
    if let Some(test) = &build.test {
        steps.push(Step {
            working_directory: Some(build.context.clone()),
            ..Step::run("Test", test.as_str())
        });
    }
    steps.push(Step::uses(BUILDX, &[]));
    let ghcr = repo.starts_with("ghcr.io/");
    let registry = repo.split('/').next().unwrap_or_default();
    let (username, password) = match ghcr {
        true => ("${{ github.actor }}", "${{ secrets.GITHUB_TOKEN }}"),
        false => (
            "${{ secrets.REGISTRY_USERNAME }}",
            "${{ secrets.REGISTRY_PASSWORD }}",
        ),
    };
    let login = [
        ("registry", registry.to_string()),
        ("username", username.to_string()),
        ("password", password.to_string()),
    ];
    steps.push(
        Step::uses(LOGIN, &login)
            .named("Log in to the registry")
            .when("env.PUSH == 'true'"),
    );
    let push = [
        ("context", build.context.clone()),
        ("file", format!("{}/{}", build.context, build.dockerfile)),
        ("push", "${{ env.PUSH == 'true' }}".to_string()),
        ("tags", format!("{repo}:${{{{ github.sha }}}}")),
    ];
    steps.push(Step::uses(BUILD_PUSH, &push).named("Build, and push from the default branch"));
    let job = Job {
        runs_on: RUNNER,
        env: IndexMap::from([("PUSH", PUSH_ON_DEFAULT_BRANCH)]),
        steps,
        ..Job::default()
    };
    let on = Triggers {
        push: Some(paths.clone()),
        pull_request: paths,
    };
    let mut workflow = workflow(format!("build {}", s.name), on, one_job("build", job));
    if ghcr {
        workflow.permissions.packages = Some(Access::Write);
    }
    workflow
}

/// Installs the pave that wrote the tree, cached by version.
fn install_pave() -> [Step; 2] {
    let cache = [
        ("path", "~/.cargo/bin/pave".to_string()),
        ("key", format!("pave-{PAVE_VERSION}-${{{{ runner.os }}}}")),
    ];
    [
        Step {
            id: Some("pave-cache"),
            ..Step::uses(CACHE, &cache).named("Cache pave")
        },
        Step::run(
            format!("Install pave {PAVE_VERSION}"),
            format!("cargo install pave --version {PAVE_VERSION} --locked"),
        )
        .when("steps.pave-cache.outputs.cache-hit != 'true'"),
    ]
}

fn check() -> Workflow {
    let mut steps = vec![Step::uses(CHECKOUT, &[])];
    steps.extend(install_pave());
    steps.push(Step::run(
        "The generated tree matches the sources",
        "pave check --format github",
    ));
    steps.push(Step::run("Policies", "pave lint --format github"));
    pull_request_check("pave check", Vec::new(), "check", steps)
}

fn terraform_workflow(cx: &RenderCx) -> Workflow {
    let envs: Vec<&str> = cx
        .model
        .platform
        .environments
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    let filters = PathsFilters(
        envs.iter()
            .map(|e| {
                (
                    e.to_string(),
                    vec![format!("{}/**", cx.layout.terraform_dir(e))],
                )
            })
            .collect(),
    );
    let changes = Job {
        runs_on: RUNNER,
        permissions: Some(Permissions {
            pull_requests: Some(Access::Read),
            ..Permissions::read_contents()
        }),
        outputs: envs
            .iter()
            .map(|e| {
                (
                    e.to_string(),
                    format!("${{{{ steps.filter.outputs.{e} }}}}"),
                )
            })
            .collect(),
        steps: vec![
            Step::uses(CHECKOUT, &[]),
            Step {
                id: Some("filter"),
                ..Step::uses(PATHS_FILTER, &[("filters", filters.to_text())])
            },
        ],
        ..Job::default()
    };
    let mut jobs = one_job("changes", changes);
    for env in &envs {
        let job = Job {
            name: Some(format!("terraform {env}")),
            needs: Some("changes".into()),
            condition: Some(format!("needs.changes.outputs.{env} == 'true'")),
            runs_on: RUNNER,
            defaults: Some(Defaults {
                run: RunDefaults {
                    working_directory: cx.layout.terraform_dir(env),
                },
            }),
            steps: vec![
                Step::uses(CHECKOUT, &[]),
                Step::uses(
                    SETUP_TERRAFORM,
                    &[("terraform_version", TERRAFORM_VERSION.to_string())],
                ),
                Step::run("Format", "terraform fmt -check"),
                Step::run("Init without the backend", "terraform init -backend=false"),
                Step::run("Validate", "terraform validate"),
            ],
            ..Job::default()
        };
        jobs.insert(format!("terraform-{env}"), job);
    }
    let base = cx.layout.terraform_base();
    workflow(
        "pave terraform".into(),
        pull_requests_on(vec![format!("{base}/**")]),
        jobs,
    )
}

fn prometheus_workflow(cx: &RenderCx) -> Workflow {
    let base = cx.layout.prometheus_base();
    let promtool = format!(
        "docker run --rm -v \"$PWD:/work\" -w /work --entrypoint promtool {PROMETHEUS_IMAGE}"
    );
    let mut steps = vec![
        Step::uses(CHECKOUT, &[]),
        Step::run(
            "Check rules",
            format!("{promtool} check rules {base}/*/*.rules.yaml"),
        ),
    ];
    if super::has_slo_tests(cx.model) {
        steps.push(Step::run(
            "Test rules",
            format!("{promtool} test rules {base}/*/tests/*.test.yaml"),
        ));
    }
    pull_request_check(
        "pave prometheus",
        vec![format!("{base}/**")],
        "rules",
        steps,
    )
}
