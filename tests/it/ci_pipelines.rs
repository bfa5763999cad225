//! The generated CI pipelines, parsed and checked for what makes them work on the
//! first real run: GitLab jobs each in a named image, the project registry's own
//! credentials, cancelling limited to merge requests, and Terraform planned and
//! applied (without Atlantis) per environment in promotion order, by OIDC roles.

use serde_json::Value;

use super::*;

/// Builds `examples/<name>` (after `edit` on its platform file) into a fresh tree.
fn build_example(name: &str, edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&project().join("examples").join(name), repo.path());
    let platform = repo.path().join("platform.yaml");
    fs::write(&platform, edit(fs::read_to_string(&platform).unwrap())).unwrap();
    let out = pave(&["build"], repo.path());
    assert!(out.status.success(), "build {name}: {}", stderr(&out));
    repo
}

fn read_yaml(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    pave::testing::parse_yaml(&text).unwrap()
}

fn gitlab_ci() -> (Value, String) {
    let repo = build_example("gitlab", |p| p);
    let path = repo.path().join(".gitlab-ci.yml");
    (read_yaml(&path), fs::read_to_string(&path).unwrap())
}

/// The jobs of a `.gitlab-ci.yml`: every top-level key that is not a keyword.
fn gitlab_jobs(ci: &Value) -> Vec<(&String, &Value)> {
    ci.as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "stages" | "workflow" | "default" | "variables"))
        .collect()
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

const MR: &str = "$CI_PIPELINE_SOURCE == \"merge_request_event\"";
const DEFAULT_BRANCH: &str = "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH";

#[test]
fn every_gitlab_job_with_a_script_runs_in_a_named_image() {
    let (ci, _) = gitlab_ci();
    let jobs = gitlab_jobs(&ci);
    assert!(jobs.len() > 5, "{jobs:?}");
    for (name, job) in jobs {
        assert!(job.get("script").is_some(), "{name} has no script");
        let image = match &job["image"] {
            Value::String(s) => s.as_str(),
            other => other["name"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: no image")),
        };
        if name.starts_with("test-") {
            // The service's `build.image`, as written.
            assert_eq!(image, "eclipse-temurin:21-jdk", "{name}");
        } else {
            let (_, digest) = image
                .split_once("@sha256:")
                .unwrap_or_else(|| panic!("{name}: {image} is not pinned by digest"));
            assert_eq!(digest.len(), 64, "{name}: {image}");
        }
    }
    let build = &ci["build-ledger"];
    assert!(
        build["image"]
            .as_str()
            .unwrap()
            .starts_with("docker:29.7.2-cli@sha256:")
    );
    assert!(
        build["services"][0]["name"]
            .as_str()
            .unwrap()
            .starts_with("docker:29.7.2-dind@sha256:")
    );
    assert_eq!(build["services"][0]["alias"], "docker");
    let promtool = ci["prometheus-rules"]["image"]["name"].as_str().unwrap();
    assert!(promtool.starts_with("prom/prometheus:v3."), "{promtool}");
}

#[test]
fn the_gitlab_registry_is_logged_into_with_the_jobs_own_credentials() {
    let (ci, text) = gitlab_ci();
    let script = strings(&ci["build-ledger"]["script"]).join("\n");
    assert!(
        script.contains(
            "echo \"$CI_REGISTRY_PASSWORD\" | docker login -u \"$CI_REGISTRY_USER\" --password-stdin \"$CI_REGISTRY\""
        ),
        "{script}"
    );
    assert!(
        script.contains("docker push \"registry.gitlab.com/bank/platform/ledger:$CI_COMMIT_SHA\"")
    );
    assert!(!text.contains("$REGISTRY_PASSWORD"), "{text}");
    // Pushing happens only on the default branch: the guard comes before the login.
    let guard = script.find("!= \"$CI_DEFAULT_BRANCH\" ]; then").unwrap();
    assert!(guard < script.find("docker login").unwrap());
}

#[test]
fn only_merge_request_pipelines_are_cancelled_by_newer_commits() {
    let (ci, _) = gitlab_ci();
    let workflow = &ci["workflow"];
    assert_eq!(workflow["auto_cancel"]["on_new_commit"], "none");
    let rules = workflow["rules"].as_array().unwrap();
    assert_eq!(rules[0]["if"], MR);
    assert_eq!(rules[0]["auto_cancel"]["on_new_commit"], "interruptible");
    assert_eq!(rules.last().unwrap()["when"], "always");
    for (name, job) in gitlab_jobs(&ci) {
        assert!(
            job.get("interruptible").is_none(),
            "{name}: job-level interruptible"
        );
        for rule in job["rules"].as_array().unwrap() {
            let on_mr = rule["if"] == MR;
            assert_eq!(
                rule.get("interruptible") == Some(&Value::Bool(true)),
                on_mr,
                "{name}: {rule}"
            );
        }
    }
}

#[test]
fn the_gitlab_check_job_installs_the_pinned_pave() {
    let (ci, text) = gitlab_ci();
    let script = strings(&ci["pave-check"]["script"]).join("\n");
    assert!(
        script.contains(
            "cargo install --locked --git 'https://gitlab.com/bank/pave' --rev 'v0.1.0' "
        ),
        "{script}"
    );
    assert!(!text.contains("cargo install pave"), "{text}");
}

/// Terraform jobs of `ci` for `env`: (plan, apply).
fn terraform_jobs<'a>(ci: &'a Value, env: &str) -> (&'a Value, &'a Value) {
    let plan = &ci[format!("terraform-plan-{env}")];
    let apply = &ci[format!("terraform-apply-{env}")];
    assert!(
        plan.is_object() && apply.is_object(),
        "no Terraform jobs for {env}"
    );
    (plan, apply)
}

#[test]
fn gitlab_plans_every_environment_and_applies_in_promotion_order() {
    let (ci, text) = gitlab_ci();
    let envs = ["test", "live"];
    let roles = [
        "arn:aws:iam::444444444444:role/bank-ci-test",
        "arn:aws:iam::555555555555:role/bank-ci-live",
    ];
    for (i, env) in envs.iter().enumerate() {
        let (plan, apply) = terraform_jobs(&ci, env);
        let dir = format!("generated/terraform/{env}");
        let plan_script = strings(&plan["script"]).join("\n");
        assert!(plan_script.contains("terraform plan -input=false -lock-timeout=5m -out=tfplan"));
        assert_eq!(
            plan["artifacts"]["reports"]["terraform"],
            format!("{dir}/plan.json")
        );
        assert_eq!(plan["artifacts"]["public"], false);
        let kept = strings(&plan["artifacts"]["paths"]);
        assert!(kept.contains(&format!("{dir}/tfplan").as_str()), "{kept:?}");
        assert!(
            kept.contains(&format!("{dir}/.terraform.lock.hcl").as_str()),
            "{kept:?}"
        );
        let plan_ifs: Vec<&Value> = plan["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &r["if"])
            .collect();
        assert_eq!(plan_ifs, [MR, DEFAULT_BRANCH]);
        // Apply: the saved plan, on the default branch only, in its environment.
        let apply_script = strings(&apply["script"]);
        assert_eq!(
            *apply_script.last().unwrap(),
            "terraform apply -input=false -lock-timeout=5m tfplan"
        );
        let rules = apply["rules"].as_array().unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0]["if"], DEFAULT_BRANCH);
        assert_eq!(apply["environment"]["name"], *env);
        assert_eq!(apply["resource_group"], format!("terraform-{env}"));
        let needs = apply["needs"].as_array().unwrap();
        assert_eq!(needs[0]["job"], format!("terraform-plan-{env}"));
        assert_eq!(needs[0]["artifacts"], true);
        match i {
            0 => assert_eq!(needs.len(), 1),
            _ => {
                assert_eq!(needs[1]["job"], format!("terraform-apply-{}", envs[i - 1]));
                assert_eq!(needs[1]["optional"], true);
            }
        }
        // Credentials: the environment's role by OIDC.
        for job in [plan, apply] {
            assert_eq!(job["variables"]["AWS_ROLE_ARN"], roles[i]);
            assert!(job["id_tokens"]["AWS_ID_TOKEN"]["aud"].is_string());
            let image = job["image"]["name"].as_str().unwrap();
            assert!(
                image.starts_with("hashicorp/terraform:1.15.8@sha256:"),
                "{image}"
            );
        }
    }
    // `live` is protected: its apply waits for a person; `test` is not.
    assert_eq!(ci["terraform-apply-live"]["rules"][0]["when"], "manual");
    assert!(ci["terraform-apply-test"]["rules"][0].get("when").is_none());
    for key in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        assert!(!text.contains(key), "{key} in .gitlab-ci.yml");
    }
}

#[test]
fn with_atlantis_gitlab_leaves_plan_and_apply_to_it() {
    let repo = build_example("gitlab", |p| {
        assert!(
            p.contains("\n  terraform:\n"),
            "the gitlab example has a terraform target"
        );
        p.replace("\n  terraform:\n", "\n  terraform:\n    atlantis: true\n")
    });
    let text = fs::read_to_string(repo.path().join(".gitlab-ci.yml")).unwrap();
    assert!(!text.contains("terraform-"), "{text}");
    assert!(repo.path().join("atlantis.yaml").is_file());
}

/// The shop example with Atlantis off: CI plans and applies, with one role for every
/// environment but `prod`, which has its own.
fn shop_without_atlantis() -> tempfile::TempDir {
    build_example("shop", |p| {
        p.replace("atlantis: true", "atlantis: false")
            .replace(
                "    provider: github\n",
                "    provider: github\n    aws_role: arn:aws:iam::111111111111:role/shop-ci\n",
            )
            .replace(
                "    protected: true\n",
                "    protected: true\n    ci_role: arn:aws:iam::333333333333:role/shop-ci-prod\n",
            )
    })
}

/// `uses:` of a step without the version comment the pin carries.
fn action(step: &Value) -> &str {
    step["uses"].as_str().unwrap_or_default()
}

#[test]
fn github_plans_on_pull_requests_and_applies_the_saved_plan_in_promotion_order() {
    let repo = shop_without_atlantis();
    let path = repo.path().join(".github/workflows/pave-terraform.yml");
    let wf = read_yaml(&path);
    let text = fs::read_to_string(&path).unwrap();
    assert_eq!(
        wf["concurrency"]["cancel-in-progress"],
        "${{ github.event_name == 'pull_request' }}"
    );
    let jobs = &wf["jobs"];
    let envs = ["dev", "staging", "prod"];
    for (i, env) in envs.iter().enumerate() {
        let plan = &jobs[format!("plan-{env}")];
        let apply = &jobs[format!("apply-{env}")];
        assert!(
            plan.is_object() && apply.is_object(),
            "no jobs for {env}:\n{text}"
        );
        // Plan: only on this repository's pull requests and the default branch.
        let plan_if = plan["if"].as_str().unwrap();
        assert!(plan_if.contains(&format!("needs.changes.outputs.{env} == 'true'")));
        assert!(
            plan_if.contains("github.event.pull_request.head.repo.full_name == github.repository")
        );
        let plan_steps = plan["steps"].as_array().unwrap();
        let runs: Vec<&str> = plan_steps
            .iter()
            .filter_map(|s| s["run"].as_str())
            .collect();
        assert!(runs.contains(&"terraform plan -input=false -lock-timeout=5m -out=tfplan"));
        assert!(
            runs.iter()
                .any(|r| r.contains("$GITHUB_STEP_SUMMARY") && r.contains("head -c"))
        );
        let comment = plan_steps
            .iter()
            .find(|s| action(s).starts_with("actions/github-script@"))
            .expect("a PR comment step");
        assert_eq!(comment["if"], "github.event_name == 'pull_request'");
        assert!(
            comment["with"]["script"]
                .as_str()
                .unwrap()
                .contains("createComment")
        );
        let upload = plan_steps
            .iter()
            .find(|s| action(s).starts_with("actions/upload-artifact@"))
            .expect("the plan is uploaded");
        let uploaded = upload["with"]["path"].as_str().unwrap();
        assert!(uploaded.contains("tfplan") && uploaded.contains(".terraform.lock.hcl"));
        assert_eq!(upload["with"]["include-hidden-files"], "true");
        // Apply: the saved plan, in the environment, after every earlier environment.
        assert_eq!(apply["environment"], *env);
        assert_eq!(apply["concurrency"]["cancel-in-progress"], false);
        let needs = strings(&apply["needs"]);
        let mut expected = vec![format!("plan-{env}")];
        expected.extend(envs[..i].iter().map(|e| format!("apply-{e}")));
        assert_eq!(needs, expected);
        let apply_if = apply["if"].as_str().unwrap();
        assert!(
            apply_if.contains("github.event_name == 'push'"),
            "{apply_if}"
        );
        assert!(
            apply_if.contains("!contains(needs.*.result, 'failure')"),
            "{apply_if}"
        );
        let apply_steps = apply["steps"].as_array().unwrap();
        assert!(
            apply_steps
                .iter()
                .any(|s| action(s).starts_with("actions/download-artifact@"))
        );
        let last = apply_steps.last().unwrap()["run"].as_str().unwrap();
        assert_eq!(last, "terraform apply -input=false -lock-timeout=5m tfplan");
        // Credentials: the environment's role by OIDC, Terraform pinned.
        let role = match *env {
            "prod" => "arn:aws:iam::333333333333:role/shop-ci-prod",
            _ => "arn:aws:iam::111111111111:role/shop-ci",
        };
        for job in [plan, apply] {
            assert_eq!(job["permissions"]["id-token"], "write");
            let steps = job["steps"].as_array().unwrap();
            let aws = steps
                .iter()
                .find(|s| action(s).starts_with("aws-actions/configure-aws-credentials@"))
                .unwrap();
            assert_eq!(aws["with"]["role-to-assume"], role);
            let tf = steps
                .iter()
                .find(|s| action(s).starts_with("hashicorp/setup-terraform@"))
                .unwrap();
            assert_eq!(tf["with"]["terraform_version"], "1.15.8");
        }
        assert!(apply["permissions"].get("pull-requests").is_none());
    }
    for key in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "aws-secret-access-key",
    ] {
        assert!(!text.contains(key), "{key} in pave-terraform.yml");
    }
    for step in jobs
        .as_object()
        .unwrap()
        .values()
        .flat_map(|j| j["steps"].as_array().unwrap())
    {
        let uses = action(step);
        if let Some((_, rev)) = uses.split_once('@') {
            assert!(
                rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()),
                "{uses}"
            );
        }
    }
}

#[test]
fn gitlab_pushes_to_ecr_by_oidc_without_stored_keys() {
    let repo = build_example("gitlab", |p| {
        p.replace(
            "    registry: registry.gitlab.com/bank/platform\n",
            "    registry: 444444444444.dkr.ecr.eu-central-1.amazonaws.com/bank\n    aws_role: arn:aws:iam::444444444444:role/bank-ci-push\n",
        )
    });
    let path = repo.path().join(".gitlab-ci.yml");
    let ci = read_yaml(&path);
    let build = &ci["build-ledger"];
    assert_eq!(build["id_tokens"]["AWS_ID_TOKEN"]["aud"], "$CI_SERVER_URL");
    assert_eq!(
        build["variables"]["AWS_ROLE_ARN"],
        "arn:aws:iam::444444444444:role/bank-ci-push"
    );
    let script = strings(&build["script"]).join("\n");
    assert!(
        script.contains("aws ecr get-login-password --region eu-central-1 | docker login --username AWS --password-stdin 444444444444.dkr.ecr.eu-central-1.amazonaws.com"),
        "{script}"
    );
    let text = fs::read_to_string(&path).unwrap();
    for secret in [
        "REGISTRY_PASSWORD",
        "AWS_SECRET_ACCESS_KEY",
        "CI_REGISTRY_PASSWORD",
    ] {
        assert!(!text.contains(secret), "{secret}:\n{text}");
    }
}
