//! `pave-terraform.yml`: Terraform planned and applied by GitHub Actions when Atlantis
//! does not do it (the flow is described in `terraform`).
//!
//! - Pull requests from this repository: per changed environment, plan, with the plan
//!   in the job summary and as a PR comment (fork PRs get no OIDC token and no write
//!   token, so their plan jobs are skipped rather than failing).
//! - The default branch: plan, upload the plan with its lock file, then apply exactly
//!   that plan in the environment's `environment:` (required reviewers are set in the
//!   repository's settings), one environment after the other in promotion order.
//!
//! Its jobs carry `environment`, job `concurrency` and several `needs`, which the other
//! workflows do not, so the workflow has its own typed shape here; steps are shared.

use indexmap::IndexMap;
use serde::Serialize;

use super::pins::{
    AWS_CREDENTIALS, CHECKOUT, DOWNLOAD_ARTIFACT, GITHUB_SCRIPT, PATHS_FILTER, SETUP_TERRAFORM,
    UPLOAD_ARTIFACT,
};
use super::terraform::{self, LOCK_FILE, PLAN_FILE, TERRAFORM_VERSION, TerraformEnv};
use super::workflow::{Access, Defaults, PathFilter, PathsFilters, RunDefaults, Step};
use crate::render::RenderCx;

const RUNNER: &str = "ubuntu-24.04";
const ON_DEFAULT_BRANCH: &str = "github.event_name == 'push' && github.ref == format('refs/heads/{0}', github.event.repository.default_branch)";
/// Pull requests from this repository only: a fork's gets no OIDC token.
const ON_OWN_PULL_REQUEST: &str = "github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository";
/// A job summary holds at most 1024 KiB; a PR comment about 64K characters.
const SUMMARY_LIMIT: usize = 1_000_000;
const COMMENT_LIMIT: usize = 60_000;

/// The workflow file.
#[derive(Debug, Serialize)]
pub(crate) struct TerraformWorkflow {
    name: &'static str,
    on: Triggers,
    permissions: Permissions,
    concurrency: Concurrency,
    jobs: IndexMap<String, TerraformJob>,
}

#[derive(Debug, Serialize)]
struct Triggers {
    pull_request: PathFilter,
    push: PathFilter,
}

/// `permissions:`; every scope left out is `none`.
#[derive(Debug, Clone, Copy, Serialize)]
struct Permissions {
    contents: Access,
    #[serde(rename = "id-token", skip_serializing_if = "Option::is_none")]
    id_token: Option<Access>,
    #[serde(rename = "pull-requests", skip_serializing_if = "Option::is_none")]
    pull_requests: Option<Access>,
}

#[derive(Debug, Serialize)]
struct Concurrency {
    group: String,
    #[serde(rename = "cancel-in-progress")]
    cancel_in_progress: Cancel,
}

/// `cancel-in-progress`: never, or when an expression holds.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Cancel {
    Never(bool),
    When(&'static str),
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
struct TerraformJob {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    needs: Vec<String>,
    #[serde(rename = "if", skip_serializing_if = "Option::is_none")]
    condition: Option<String>,
    runs_on: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    environment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    concurrency: Option<Concurrency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    permissions: Option<Permissions>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    outputs: IndexMap<String, String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    env: IndexMap<&'static str, &'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    defaults: Option<Defaults>,
    steps: Vec<Step>,
}

pub(crate) fn workflow(cx: &RenderCx) -> TerraformWorkflow {
    let envs = terraform::environments(cx);
    let paths = PathFilter {
        paths: vec![
            format!("{}/**", cx.layout.terraform_base()),
            cx.layout.github_workflow("terraform"),
        ],
    };
    let mut jobs = IndexMap::from([("changes".to_string(), changes_job(&envs))]);
    for (i, env) in envs.iter().enumerate() {
        jobs.insert(format!("plan-{}", env.name), plan_job(env));
        jobs.insert(format!("apply-{}", env.name), apply_job(env, &envs[..i]));
    }
    TerraformWorkflow {
        name: "pave terraform",
        on: Triggers {
            pull_request: paths.clone(),
            push: paths,
        },
        permissions: read_only(),
        // A newer commit cancels a pull request's plans; default-branch runs each get
        // their own group, so no commit's apply is skipped.
        concurrency: Concurrency {
            group: "${{ github.workflow }}-${{ github.event.pull_request.number || github.sha }}"
                .into(),
            cancel_in_progress: Cancel::When("${{ github.event_name == 'pull_request' }}"),
        },
        jobs,
    }
}

fn read_only() -> Permissions {
    Permissions {
        contents: Access::Read,
        id_token: None,
        pull_requests: None,
    }
}

/// Which environments' folders the change touches, one output per environment.
fn changes_job(envs: &[TerraformEnv]) -> TerraformJob {
    let filters = PathsFilters(
        envs.iter()
            .map(|e| (e.name.clone(), vec![format!("{}/**", e.dir)]))
            .collect(),
    );
    TerraformJob {
        runs_on: RUNNER,
        permissions: Some(Permissions {
            pull_requests: Some(Access::Read),
            ..read_only()
        }),
        outputs: envs
            .iter()
            .map(|e| {
                let name = &e.name;
                (
                    name.clone(),
                    format!("${{{{ steps.filter.outputs.{name} }}}}"),
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
        ..TerraformJob::default()
    }
}

/// Checkout, the pinned Terraform and the environment's role: the start of every job.
fn setup_steps(env: &TerraformEnv) -> Vec<Step> {
    vec![
        Step::uses(CHECKOUT, &[]),
        Step::uses(
            SETUP_TERRAFORM,
            &[
                ("terraform_version", TERRAFORM_VERSION.to_string()),
                // pave captures `terraform show` itself.
                ("terraform_wrapper", "false".to_string()),
            ],
        ),
        Step::uses(
            AWS_CREDENTIALS,
            &[
                ("role-to-assume", env.role.clone()),
                ("aws-region", env.region.clone()),
            ],
        )
        .named(format!("Assume the {} role by OIDC", env.name)),
    ]
}

fn in_folder(env: &TerraformEnv) -> Option<Defaults> {
    Some(Defaults {
        run: RunDefaults {
            working_directory: env.dir.clone(),
        },
    })
}

/// Plans `env` when its folder changed: on this repository's pull requests (summary
/// and comment) and on the default branch (the plan the apply job applies).
fn plan_job(env: &TerraformEnv) -> TerraformJob {
    let name = &env.name;
    let mut steps = setup_steps(env);
    let commands = terraform::plan_commands();
    let titles = ["Format", "Init", "Validate", "Plan"];
    steps.extend(titles.iter().zip(commands).map(|(t, c)| Step::run(*t, c)));
    steps.push(Step::run(
        "Show the plan",
        format!("terraform show -no-color {PLAN_FILE} | tee plan.txt"),
    ));
    steps.push(Step::run("Job summary", summary_script(name)));
    steps.push(
        Step::uses(GITHUB_SCRIPT, &[("script", comment_script(env))])
            .named("Comment the plan on the pull request")
            .when("github.event_name == 'pull_request'"),
    );
    let upload = [
        ("name", artifact(env)),
        (
            "path",
            format!("{0}/{PLAN_FILE}\n{0}/{LOCK_FILE}\n", env.dir),
        ),
        // The lock file is a dotfile, which the action skips unless told.
        ("include-hidden-files", "true".to_string()),
        ("if-no-files-found", "error".to_string()),
        // The plan holds the state's values in clear text: keep it briefly.
        ("retention-days", "5".to_string()),
    ];
    steps.push(
        Step::uses(UPLOAD_ARTIFACT, &upload)
            .named("Keep the plan for the apply job")
            .when("github.event_name == 'push'"),
    );
    TerraformJob {
        name: Some(format!("terraform plan {name}")),
        needs: vec!["changes".into()],
        condition: Some(format!(
            "needs.changes.outputs.{name} == 'true' && (({ON_OWN_PULL_REQUEST}) || ({ON_DEFAULT_BRANCH}))"
        )),
        runs_on: RUNNER,
        permissions: Some(Permissions {
            contents: Access::Read,
            id_token: Some(Access::Write),
            pull_requests: Some(Access::Write),
        }),
        env: IndexMap::from([("TF_IN_AUTOMATION", "1")]),
        defaults: in_folder(env),
        steps,
        ..TerraformJob::default()
    }
}

fn artifact(env: &TerraformEnv) -> String {
    format!("terraform-plan-{}", env.name)
}

/// Appends the plan to the job summary, cut below GitHub's 1024 KiB limit.
fn summary_script(env: &str) -> String {
    format!(
        "{{\n  echo '### `terraform plan` in {env}'\n  echo '```'\n  head -c {SUMMARY_LIMIT} plan.txt\n  echo '```'\n  if [ \"$(wc -c < plan.txt)\" -gt {SUMMARY_LIMIT} ]; then echo 'Cut short: the whole plan is in the job log.'; fi\n}} >> \"$GITHUB_STEP_SUMMARY\"\n"
    )
}

/// The PR comment: the plan, cut below GitHub's comment size limit.
fn comment_script(env: &TerraformEnv) -> String {
    let file = serde_json::Value::String(format!("{}/plan.txt", env.dir));
    let title = serde_json::Value::String(format!("### `terraform plan` in {}", env.name));
    format!(
        "const fs = require('fs');\nlet plan = fs.readFileSync({file}, 'utf8');\nif (plan.length > {COMMENT_LIMIT}) {{\n  plan = plan.slice(0, {COMMENT_LIMIT}) + '\\n(cut short: the whole plan is in the job log)';\n}}\nconst body = {title} + '\\n```\\n' + plan + '\\n```';\nawait github.rest.issues.createComment({{ ...context.repo, issue_number: context.issue.number, body }});\n"
    )
}

/// Applies the default branch's saved plan of `env` in its GitHub environment, after
/// every earlier environment's apply succeeded or had nothing to do.
fn apply_job(env: &TerraformEnv, earlier: &[TerraformEnv]) -> TerraformJob {
    let name = &env.name;
    let plan = format!("plan-{name}");
    let mut needs = vec![plan.clone()];
    needs.extend(earlier.iter().map(|e| format!("apply-{}", e.name)));
    let mut steps = setup_steps(env);
    steps.push(
        Step::uses(
            DOWNLOAD_ARTIFACT,
            &[("name", artifact(env)), ("path", env.dir.clone())],
        )
        .named("The plan the plan job saved"),
    );
    let commands = terraform::apply_commands();
    let titles = ["Init with the plan's lock file", "Apply the saved plan"];
    steps.extend(titles.iter().zip(commands).map(|(t, c)| Step::run(*t, c)));
    TerraformJob {
        name: Some(format!("terraform apply {name}")),
        needs,
        // `!cancelled()`: run even when an earlier environment had no change (skipped).
        condition: Some(format!(
            "${{{{ !cancelled() && github.event_name == 'push' && needs.{plan}.result == 'success' && !contains(needs.*.result, 'failure') && !contains(needs.*.result, 'cancelled') }}}}"
        )),
        runs_on: RUNNER,
        environment: Some(name.clone()),
        // One apply per environment at a time; a running apply is never cancelled.
        concurrency: Some(Concurrency {
            group: format!("pave-terraform-apply-{name}"),
            cancel_in_progress: Cancel::Never(false),
        }),
        permissions: Some(Permissions {
            contents: Access::Read,
            id_token: Some(Access::Write),
            pull_requests: None,
        }),
        env: IndexMap::from([("TF_IN_AUTOMATION", "1")]),
        defaults: in_folder(env),
        steps,
        ..TerraformJob::default()
    }
}
