//! GitHub Actions workflows: `pave-check.yml`, `pave-build-<service>.yml` and
//! `pave-prometheus.yml` (`pave-terraform.yml` is `github_terraform`), each with least-privilege
//! `permissions` and a `concurrency` group that cancels superseded runs.

use indexmap::IndexMap;

use super::workflow::{
    Access, Concurrency, Job, PathFilter, Permissions, Step, Triggers, Workflow,
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
    if prometheus {
        workflows.push(("prometheus".into(), prometheus_workflow(cx)));
    }
    let mut files: Vec<Artifact> = workflows
        .into_iter()
        .map(|(name, workflow)| ci_file(cx.layout.github_workflow(&name), &workflow))
        .collect::<Result<_, _>>()?;
    if terraform {
        let workflow = super::github_terraform::workflow(cx);
        files.push(ci_file(cx.layout.github_workflow("terraform"), &workflow)?);
    }
    Ok(files)
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
