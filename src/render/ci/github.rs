//! GitHub Actions workflows: `pave-check.yml`, `pave-build-<service>.yml` and
//! `pave-prometheus.yml`; `pave-terraform.yml` is `github_terraform`.
//!
//! Every workflow reads the repository and nothing else; the one job that pushes an
//! image runs only on the default branch and alone gets the registry's write
//! permission. Pull-request runs cancel the run they supersede; default-branch runs
//! never cancel or replace each other, so every merged commit's image is pushed.
//! Actions come from the pin table (`pins.rs`).

use indexmap::IndexMap;

use super::pins::{
    AWS_CREDENTIALS, BUILD_PUSH, CACHE, CHECKOUT, ECR_LOGIN, LOGIN, PROMETHEUS_IMAGE, SETUP_BUILDX,
};
use super::workflow::{
    Access, Concurrency, Job, PathFilter, Permissions, Step, Triggers, Workflow,
};
use super::{built_services, checks, ci_file, image_repository, service_ci_file};
use crate::diag::Diagnostic;
use crate::digest::sha256_hex;
use crate::output::Artifact;
use crate::render::RenderCx;
use crate::resolve::{
    Build, CiTarget, Install, RegistryKind, ResolvedService, ecr_region, registry_host,
    registry_kind,
};

const RUNNER: &str = "ubuntu-24.04";
/// The package `cargo install` builds from a team's pave repository.
const PAVE_PACKAGE: &str = env!("CARGO_PKG_NAME");
/// Runs of one pull request share a group; other events get one group per commit,
/// so a newer default-branch run never replaces a pending one.
const GROUP: &str = "${{ github.workflow }}-${{ github.event.pull_request.number || github.sha }}";
/// Only a pull request's newer run cancels the older one.
const CANCEL_PULL_REQUESTS: &str = "${{ github.event_name == 'pull_request' }}";
/// A push to the repository's default branch.
const ON_DEFAULT_BRANCH: &str = "github.event_name == 'push' && github.ref == format('refs/heads/{0}', github.event.repository.default_branch)";
/// Secrets CI logs in to a registry of kind `other` with.
const REGISTRY_USERNAME: &str = "${{ secrets.REGISTRY_USERNAME }}";
const REGISTRY_PASSWORD: &str = "${{ secrets.REGISTRY_PASSWORD }}";

pub(crate) fn render(cx: &RenderCx) -> Result<Vec<Artifact>, Diagnostic> {
    let ci = &cx.model.platform.targets.ci;
    let Some(install) = &ci.install else {
        return Err(crate::render::messages::ci_without_install(
            ".github/workflows",
        ));
    };
    // (file name, the service a workflow builds, the workflow)
    let mut workflows = vec![("check".to_string(), None, check(install))];
    for s in built_services(cx.model) {
        let Some(build) = &s.build else { continue };
        let workflow = build_workflow(cx, s, build);
        workflows.push((format!("build-{}", s.name), Some(&s.name), workflow));
    }
    let (terraform, prometheus) = checks(cx);
    if prometheus {
        workflows.push(("prometheus".into(), None, prometheus_workflow(cx)));
    }
    let mut files: Vec<Artifact> = workflows
        .into_iter()
        .map(|(name, service, workflow)| {
            let path = cx.layout.github_workflow(&name);
            match service {
                Some(service) => service_ci_file(path, service, &workflow),
                None => ci_file(path, &workflow),
            }
        })
        .collect::<Result<_, _>>()?;
    if terraform {
        let workflow = super::github_terraform::workflow(cx);
        files.push(ci_file(cx.layout.github_workflow("terraform"), &workflow)?);
    }
    Ok(files)
}

/// A workflow with pave's defaults: read-only contents unless a job says otherwise,
/// and pull-request runs cancelled when superseded.
fn workflow(name: String, on: Triggers, jobs: IndexMap<String, Job>) -> Workflow {
    Workflow {
        name,
        on,
        permissions: Permissions::read_contents(),
        concurrency: Concurrency {
            group: GROUP,
            cancel_in_progress: CANCEL_PULL_REQUESTS,
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

/// `build` (tests and builds on every run, pushes nothing, read-only) and `push`
/// (the default branch only; the one job with write access to the registry).
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
    steps.push(Step::uses(SETUP_BUILDX, &[]));
    steps.push(build_push(build, &repo, &s.name, false).named("Build"));
    let test = Job {
        runs_on: RUNNER,
        steps,
        ..Job::default()
    };
    let mut jobs = one_job("build", test);
    jobs.insert(
        "push".into(),
        push_job(&cx.model.platform.targets.ci, build, &repo, &s.name),
    );
    let on = Triggers {
        push: Some(paths.clone()),
        pull_request: paths,
    };
    workflow(format!("build {}", s.name), on, jobs)
}

/// The default-branch job that logs in and pushes `<repo>:<commit sha>`.
fn push_job(ci: &CiTarget, build: &Build, repo: &str, service: &str) -> Job {
    let kind = registry_kind(ci, repo);
    let mut steps = vec![Step::uses(CHECKOUT, &[]), Step::uses(SETUP_BUILDX, &[])];
    steps.extend(login(ci, kind, repo));
    steps.push(build_push(build, repo, service, true).named("Build and push"));
    let mut permissions = Permissions::read_contents();
    match kind {
        RegistryKind::Ghcr => permissions.packages = Some(Access::Write),
        RegistryKind::Ecr => permissions.id_token = Some(Access::Write),
        RegistryKind::Gitlab | RegistryKind::Other => {}
    }
    Job {
        needs: Some("build".into()),
        condition: Some(ON_DEFAULT_BRANCH.into()),
        runs_on: RUNNER,
        permissions: Some(permissions),
        steps,
        ..Job::default()
    }
}

/// Logging in by registry kind: GHCR with the workflow's token, ECR by OIDC with the
/// platform's role, any other registry with the two named secrets.
fn login(ci: &CiTarget, kind: RegistryKind, repo: &str) -> Vec<Step> {
    let host = registry_host(repo).to_string();
    match kind {
        RegistryKind::Ghcr => vec![
            Step::uses(
                LOGIN,
                &[
                    ("registry", host),
                    ("username", "${{ github.actor }}".into()),
                    ("password", "${{ secrets.GITHUB_TOKEN }}".into()),
                ],
            )
            .named("Log in to GHCR"),
        ],
        RegistryKind::Ecr => {
            let region = ecr_region(&host).unwrap_or_default().to_string();
            let role = ci.aws_role.clone().unwrap_or_default();
            vec![
                Step::uses(
                    AWS_CREDENTIALS,
                    &[("role-to-assume", role), ("aws-region", region)],
                )
                .named("AWS credentials by OIDC"),
                Step::uses(ECR_LOGIN, &[("registries", ecr_account(&host))]).named("Log in to ECR"),
            ]
        }
        RegistryKind::Gitlab | RegistryKind::Other => vec![
            Step::uses(
                LOGIN,
                &[
                    ("registry", host),
                    ("username", REGISTRY_USERNAME.into()),
                    ("password", REGISTRY_PASSWORD.into()),
                ],
            )
            .named("Log in to the registry"),
        ],
    }
}

/// The account id of a private ECR host (`<account>.dkr.ecr...`).
fn ecr_account(host: &str) -> String {
    host.split('.').next().unwrap_or_default().to_string()
}

/// `docker/build-push-action` with the GitHub Actions cache, one scope per image so
/// images do not evict each other's layers.
fn build_push(build: &Build, repo: &str, service: &str, push: bool) -> Step {
    Step::uses(
        BUILD_PUSH,
        &[
            ("context", build.context.clone()),
            ("file", format!("{}/{}", build.context, build.dockerfile)),
            ("push", push.to_string()),
            ("tags", format!("{repo}:${{{{ github.sha }}}}")),
            ("cache-from", format!("type=gha,scope={service}")),
            ("cache-to", format!("type=gha,mode=max,scope={service}")),
        ],
    )
}

/// The steps that put the pinned pave on the PATH (none for an image: the job runs in it).
fn install_pave(install: &Install) -> Vec<Step> {
    match install {
        Install::Git { url, rev } => install_from_git(url, rev),
        Install::Archive { url, sha256 } => vec![
            Step::run("Install pave (checksum verified)", ARCHIVE_SCRIPT)
                .with_env(&[("PAVE_URL", url.clone()), ("PAVE_SHA256", sha256.clone())]),
        ],
        Install::Image(_) => Vec::new(),
    }
}

/// Downloads the archive, refuses it unless its SHA-256 matches, then unpacks it and
/// puts its `pave` on the PATH.
const ARCHIVE_SCRIPT: &str = r#"curl -fsSL --retry 3 -o "$RUNNER_TEMP/pave.tar.gz" "$PAVE_URL"
echo "$PAVE_SHA256  $RUNNER_TEMP/pave.tar.gz" | sha256sum -c -
mkdir -p "$RUNNER_TEMP/pave"
tar -xzf "$RUNNER_TEMP/pave.tar.gz" -C "$RUNNER_TEMP/pave"
test -x "$RUNNER_TEMP/pave/pave"
echo "$RUNNER_TEMP/pave" >> "$GITHUB_PATH"
"#;

/// `cargo install --locked --git URL --rev REV --bin pave`, cached by the repository
/// and rev (only the `pave` binary: the cache holds exactly that file).
fn install_from_git(url: &str, rev: &str) -> Vec<Step> {
    let source = &sha256_hex(url.as_bytes())[..12];
    let cache = [
        ("path", "~/.cargo/bin/pave".to_string()),
        ("key", format!("pave-{rev}-{source}-${{{{ runner.os }}}}")),
    ];
    let command = format!(
        "cargo install --locked --git \"$PAVE_GIT\" --rev \"$PAVE_REV\" --bin pave {PAVE_PACKAGE}"
    );
    vec![
        Step {
            id: Some("pave-cache"),
            ..Step::uses(CACHE, &cache).named("Cache pave")
        },
        Step::run("Install pave", command)
            .with_env(&[("PAVE_GIT", url.to_string()), ("PAVE_REV", rev.to_string())])
            .when("steps.pave-cache.outputs.cache-hit != 'true'"),
    ]
}

fn check(install: &Install) -> Workflow {
    let mut steps = vec![Step::uses(CHECKOUT, &[])];
    steps.extend(install_pave(install));
    steps.push(Step::run(
        "The generated tree matches the sources",
        "pave check --format github",
    ));
    steps.push(Step::run("Policies", "pave lint --format github"));
    let mut workflow = pull_request_check("pave check", Vec::new(), "check", steps);
    if let (Install::Image(image), Some(job)) = (install, workflow.jobs.get_mut("check")) {
        job.container = Some(image.clone());
    }
    workflow
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
