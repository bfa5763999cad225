//! GitLab CI: one owned `.gitlab-ci.yml` with the same jobs as the GitHub workflows,
//! gated by `rules: changes:` per service and per environment. Every job runs in a
//! named image (pave's own images pinned by digest, test jobs in the service's
//! `build.image`). Merge-request jobs are interruptible and only merge-request
//! pipelines auto-cancel, so every default-branch commit is built and applied.

use indexmap::IndexMap;

use super::gitlab_file::{
    Artifacts, AutoCancel, Cache, Environment, GitlabCi, GitlabJob, GitlabWorkflow, IdToken, Image,
    Need, Reports, Rule, Service, WorkflowRule,
};
use super::pins::{DOCKER_IMAGE, DOCKER_SERVICE, PROMETHEUS_IMAGE, RUST_IMAGE, TERRAFORM_IMAGE};
use super::terraform::{self, LOCK_FILE, PLAN_FILE, TerraformEnv};
use super::{built_services, checks, ci_file};
use crate::diag::Diagnostic;
use crate::digest::sha256_hex;
use crate::output::{Artifact, Layout};
use crate::render::RenderCx;
use crate::resolve::{
    Build, CiTarget, Install, RegistryKind, ResolvedService, ecr_region, push_repository,
    registry_host, registry_kind,
};

const ON_MERGE_REQUEST: &str = "$CI_PIPELINE_SOURCE == \"merge_request_event\"";
const ON_DEFAULT_BRANCH: &str = "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH";
/// The variable GitLab puts the job's OIDC ID token in.
const ID_TOKEN: &str = "AWS_ID_TOKEN";
/// Where a job writes the ID token for the AWS SDKs and CLI to read
/// (`AWS_WEB_IDENTITY_TOKEN_FILE` with `AWS_ROLE_ARN`).
const TOKEN_FILE: &str = "/tmp/aws-web-identity-token";
/// The token's audience: the GitLab instance, which the IAM OIDC provider names too.
const AUDIENCE: &str = "$CI_SERVER_URL";

pub(crate) fn render(cx: &RenderCx) -> Result<Vec<Artifact>, Diagnostic> {
    // resolve reports a missing install (E0220); reaching here without one is a bug.
    let Some(install) = &cx.model.platform.targets.ci.install else {
        return Err(crate::render::messages::ci_without_install(
            Layout::GITLAB_CI,
        ));
    };
    let mut jobs = IndexMap::from([("pave-check".to_string(), check(install))]);
    for s in built_services(cx.model) {
        let Some(build) = &s.build else { continue };
        let rules = on_change(vec![format!("{}/**/*", build.context)]);
        // resolve refuses a test command without `build.image` under GitLab.
        if let (Some(test), Some(image)) = (&build.test, &build.image) {
            jobs.insert(
                format!("test-{}", s.name),
                test_job(build, test, image, &rules),
            );
        }
        jobs.insert(format!("build-{}", s.name), build_job(cx, s, build, rules));
    }
    let (terraform, prometheus) = checks(cx);
    if terraform {
        for env in terraform::environments(cx) {
            jobs.insert(format!("terraform-plan-{}", env.name), plan_job(&env));
            jobs.insert(format!("terraform-apply-{}", env.name), apply_job(&env));
        }
    }
    if prometheus {
        jobs.insert("prometheus-rules".into(), prometheus_job(cx));
    }
    let file = GitlabCi {
        stages: vec![
            "check",
            "test",
            "build",
            "infrastructure",
            "observability",
            "deploy",
        ],
        workflow: workflow(),
        jobs,
    };
    Ok(vec![ci_file(Layout::GITLAB_CI.to_string(), &file)?])
}

/// Only merge-request pipelines cancel each other; a default-branch pipeline always
/// runs to the end, so every commit's image is pushed and its plan applied.
fn workflow() -> GitlabWorkflow {
    GitlabWorkflow {
        auto_cancel: AutoCancel {
            on_new_commit: "none",
        },
        rules: vec![
            WorkflowRule {
                condition: Some(ON_MERGE_REQUEST),
                when: None,
                auto_cancel: Some(AutoCancel {
                    on_new_commit: "interruptible",
                }),
            },
            WorkflowRule {
                condition: None,
                when: Some("always"),
                auto_cancel: None,
            },
        ],
    }
}

/// Runs in merge-request pipelines (cancelled by a newer commit) on `changes`.
fn on_merge_request(changes: Vec<String>) -> Rule {
    Rule {
        condition: ON_MERGE_REQUEST,
        changes,
        interruptible: Some(true),
        ..Rule::default()
    }
}

/// Runs on the default branch on `changes`; never interrupted.
fn on_default_branch(changes: Vec<String>) -> Rule {
    Rule {
        condition: ON_DEFAULT_BRANCH,
        changes,
        ..Rule::default()
    }
}

fn on_change(changes: Vec<String>) -> Vec<Rule> {
    vec![
        on_merge_request(changes.clone()),
        on_default_branch(changes),
    ]
}

/// An image whose entrypoint is cleared, so GitLab's shell runs the script.
fn with_shell(name: &str) -> Image {
    Image::WithEntrypoint {
        name: name.to_string(),
        entrypoint: vec![""],
    }
}

/// `word` as one POSIX shell word, whatever it holds.
fn shell_word(word: &str) -> String {
    format!("'{}'", word.replace('\'', "'\\''"))
}

/// `pave check` and `pave lint` with the pave `targets.ci.install` names, pinned.
fn check(install: &Install) -> GitlabJob {
    let mut job = GitlabJob {
        stage: "check",
        rules: vec![on_merge_request(Vec::new())],
        ..GitlabJob::default()
    };
    let pave = match install {
        Install::Git { url, rev } => {
            job.image = Some(Image::Name(RUST_IMAGE.into()));
            job.variables = IndexMap::from([("CARGO_HOME", "$CI_PROJECT_DIR/.cargo".to_string())]);
            // Keyed by source and rev (a key may not hold `/`): a new rev builds anew.
            let source = sha256_hex(format!("{url}\n{rev}").as_bytes());
            job.cache = Some(Cache {
                key: format!("pave-{}", &source[..16]),
                paths: vec![".cargo/bin"],
            });
            job.script.push(format!(
                "test -x .cargo/bin/pave || cargo install --locked --git {} --rev {} {} --bin pave",
                shell_word(url),
                shell_word(rev),
                env!("CARGO_PKG_NAME")
            ));
            ".cargo/bin/pave"
        }
        Install::Archive { url, sha256 } => {
            job.image = Some(Image::Name(RUST_IMAGE.into()));
            // The same archive layout the GitHub check job expects: `pave` at its root.
            job.script.extend([
                format!(
                    "curl -fsSL --retry 3 -o /tmp/pave.tar.gz {}",
                    shell_word(url)
                ),
                format!("echo '{sha256}  /tmp/pave.tar.gz' | sha256sum -c -"),
                "mkdir -p /tmp/pave && tar -xzf /tmp/pave.tar.gz -C /tmp/pave".into(),
                "test -x /tmp/pave/pave".into(),
            ]);
            "/tmp/pave/pave"
        }
        Install::Image(image) => {
            job.image = Some(with_shell(image));
            "pave"
        }
    };
    job.script
        .extend([format!("{pave} check"), format!("{pave} lint")]);
    job
}

fn test_job(build: &Build, test: &str, image: &str, rules: &[Rule]) -> GitlabJob {
    GitlabJob {
        stage: "test",
        image: Some(Image::Name(image.to_string())),
        script: vec![format!("cd {}", build.context), test.to_string()],
        rules: rules.to_vec(),
        ..GitlabJob::default()
    }
}

/// Builds the image in every pipeline; on the default branch also logs in and pushes
/// `<repository>:$CI_COMMIT_SHA`.
fn build_job(cx: &RenderCx, s: &ResolvedService, build: &Build, rules: Vec<Rule>) -> GitlabJob {
    let ci = &cx.model.platform.targets.ci;
    let repository = push_repository(ci, &s.name, &s.image);
    let image = format!("{repository}:$CI_COMMIT_SHA");
    let mut job = GitlabJob {
        stage: "build",
        image: Some(Image::Name(DOCKER_IMAGE.into())),
        services: vec![Service {
            name: DOCKER_SERVICE,
            alias: "docker",
        }],
        variables: IndexMap::from([("DOCKER_TLS_CERTDIR", "/certs".to_string())]),
        script: vec![
            format!(
                "docker build -t \"{image}\" -f {}/{} {}",
                build.context, build.dockerfile, build.context
            ),
            "if [ \"$CI_COMMIT_BRANCH\" != \"$CI_DEFAULT_BRANCH\" ]; then echo 'Not the default branch: built, not pushed.'; exit 0; fi".into(),
        ],
        rules,
        ..GitlabJob::default()
    };
    login(&mut job, ci, &repository);
    job.script.push(format!("docker push \"{image}\""));
    job
}

/// Adds the registry login for `repository` to a build job: the project's registry
/// with the job's own credentials, ECR by OIDC, any other with named variables.
fn login(job: &mut GitlabJob, ci: &CiTarget, repository: &str) {
    let host = registry_host(repository);
    let line = match registry_kind(ci, repository) {
        RegistryKind::Gitlab => {
            "echo \"$CI_REGISTRY_PASSWORD\" | docker login -u \"$CI_REGISTRY_USER\" --password-stdin \"$CI_REGISTRY\"".to_string()
        }
        RegistryKind::Ecr => {
            let region = ecr_region(host).unwrap_or_default();
            // resolve refuses ECR without `targets.ci.aws_role`.
            with_oidc(job, ci.aws_role.as_deref().unwrap_or_default());
            job.script.push("apk add --no-cache aws-cli".into());
            job.script.push(write_token());
            format!(
                "aws ecr get-login-password --region {region} | docker login --username AWS --password-stdin {host}"
            )
        }
        RegistryKind::Ghcr | RegistryKind::Other => format!(
            "echo \"$REGISTRY_PASSWORD\" | docker login -u \"$REGISTRY_USERNAME\" --password-stdin {host}"
        ),
    };
    job.script.push(line);
}

/// Gives a job an OIDC ID token and the variables the AWS SDKs and CLI read to
/// assume `role` with it: no stored AWS keys.
fn with_oidc(job: &mut GitlabJob, role: &str) {
    job.id_tokens = IndexMap::from([(ID_TOKEN, IdToken { aud: AUDIENCE })]);
    job.variables.insert("AWS_ROLE_ARN", role.to_string());
    job.variables
        .insert("AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE.to_string());
    job.variables.insert(
        "AWS_ROLE_SESSION_NAME",
        "gitlab-$CI_PROJECT_ID-$CI_JOB_ID".to_string(),
    );
}

/// Writes the ID token where `AWS_WEB_IDENTITY_TOKEN_FILE` points.
fn write_token() -> String {
    format!("printf '%s' \"${ID_TOKEN}\" > \"$AWS_WEB_IDENTITY_TOKEN_FILE\"")
}

/// A Terraform job for `env`: the pinned image, the environment's role, in its folder.
fn terraform_job(env: &TerraformEnv, stage: &'static str) -> GitlabJob {
    let mut job = GitlabJob {
        stage,
        image: Some(with_shell(TERRAFORM_IMAGE)),
        ..GitlabJob::default()
    };
    with_oidc(&mut job, &env.role);
    job.variables.insert("AWS_REGION", env.region.clone());
    job.variables.insert("TF_IN_AUTOMATION", "1".into());
    job.script = vec![format!("cd {}", env.dir), write_token()];
    job
}

/// Plans `env` on merge requests (shown in the merge request's Terraform widget) and
/// on the default branch (the plan the apply job applies).
fn plan_job(env: &TerraformEnv) -> GitlabJob {
    let mut job = terraform_job(env, "infrastructure");
    job.script.extend(terraform::plan_commands());
    job.script.extend([
        format!("terraform show -no-color {PLAN_FILE}"),
        "apk add --no-cache jq".into(),
        format!("terraform show -json {PLAN_FILE} | jq '{REPORT}' > plan.json"),
    ]);
    let dir = &env.dir;
    job.artifacts = Some(Artifacts {
        paths: vec![format!("{dir}/{PLAN_FILE}"), format!("{dir}/{LOCK_FILE}")],
        public: false,
        expire_in: "1 week",
        reports: Some(Reports {
            terraform: format!("{dir}/plan.json"),
        }),
    });
    job.rules = on_change(vec![format!("{dir}/**/*")]);
    job
}

/// The counts GitLab's merge-request widget shows, from `terraform show -json`.
const REPORT: &str = "[.resource_changes[]?.change.actions] | flatten | {create: map(select(. == \"create\")) | length, update: map(select(. == \"update\")) | length, delete: map(select(. == \"delete\")) | length}";

/// Applies the default branch's saved plan of `env`, after the environment before it
/// (when that one is in the pipeline); protected environments wait for a click by
/// someone allowed to deploy there.
fn apply_job(env: &TerraformEnv) -> GitlabJob {
    let mut job = terraform_job(env, "deploy");
    job.script.extend(terraform::apply_commands());
    job.needs.push(Need {
        job: format!("terraform-plan-{}", env.name),
        artifacts: true,
        optional: false,
    });
    if let Some(previous) = &env.previous {
        job.needs.push(Need {
            job: format!("terraform-apply-{previous}"),
            artifacts: false,
            optional: true,
        });
    }
    job.environment = Some(Environment {
        name: env.name.clone(),
        action: "start",
    });
    job.resource_group = Some(format!("terraform-{}", env.name));
    let mut rule = on_default_branch(vec![format!("{}/**/*", env.dir)]);
    rule.when = env.protected.then_some("manual");
    job.rules = vec![rule];
    job
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
        script,
        rules: vec![on_merge_request(vec![format!("{base}/**/*")])],
        ..GitlabJob::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shell_word_stays_one_word() {
        assert_eq!(shell_word("https://g/p"), "'https://g/p'");
        assert_eq!(shell_word("a'b; rm -rf /"), "'a'\\''b; rm -rf /'");
    }

    #[test]
    fn an_archive_is_checked_before_it_is_unpacked() {
        let job = check(&Install::Archive {
            url: "https://example.invalid/pave.tar.gz".into(),
            sha256: "ab".repeat(32),
        });
        let script = job.script.join("\n");
        let verify = script.find("sha256sum -c -").unwrap();
        assert!(verify < script.find("tar -xzf").unwrap(), "{script}");
        assert!(
            script.ends_with("/tmp/pave/pave check\n/tmp/pave/pave lint"),
            "{script}"
        );
        assert!(!script.contains("cargo install"));
    }

    #[test]
    fn an_install_image_is_the_jobs_image() {
        let image = format!("registry.example/pave@sha256:{}", "0".repeat(64));
        let job = check(&Install::Image(image.clone()));
        assert!(matches!(&job.image, Some(Image::WithEntrypoint { name, .. }) if *name == image));
        assert_eq!(job.script, ["pave check", "pave lint"]);
    }
}
