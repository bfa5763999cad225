//! The Terraform target through the binary: labels that cannot collide, AWS names
//! checked before a plan, and the multi-account backend and provider settings.

use super::*;

/// The bad-input base with extra service files, built into `generated/`.
fn build_base_with(services: &[(&str, &str)]) -> (tempfile::TempDir, Output) {
    build_base_with_module("", services)
}

/// The same, with the platform's own module `cache` when `module` is not empty.
fn build_base_with_module(module: &str, services: &[(&str, &str)]) -> (tempfile::TempDir, Output) {
    let repo = tempfile::tempdir().unwrap();
    if !module.is_empty() {
        fs::create_dir_all(repo.path().join("modules/cache")).unwrap();
        fs::write(repo.path().join("modules/cache/module.yaml"), module).unwrap();
    }
    copy_dir(&project().join("tests/diagnostics/_base"), repo.path());
    // IAM roles for service accounts need the account and the cluster.
    let platform = repo.path().join("platform.yaml");
    let text = fs::read_to_string(&platform).unwrap().replace(
        "    region: eu-west-1\n",
        "    region: eu-west-1\n    account: \"111111111111\"\n    cluster: main\n",
    );
    fs::write(&platform, text).unwrap();
    for (name, text) in services {
        fs::write(repo.path().join(format!("services/{name}.yaml")), text).unwrap();
    }
    let out = pave(&["build"], repo.path());
    (repo, out)
}

fn read(repo: &tempfile::TempDir, path: &str) -> String {
    fs::read_to_string(repo.path().join(path)).unwrap()
}

/// Service `api`'s need `jobs-queue` and service `api-jobs`'s need `queue` got distinct
/// Terraform labels, but every module names the resources `<platform>-<env>-<service>-
/// <need>`: both queues were `acme-dev-api-jobs-queue`, and the second apply would fail
/// on the first's queue (found by an independent attack). The pair is refused.
#[test]
fn a_service_and_need_pair_that_joined_the_same_way_is_refused() {
    let (repo, out) = build_base_with(&[
        (
            "api",
            "name: api\nowner: team-core\nimage: ghcr.io/acme/api:1.0.0\nneeds:\n  jobs-queue: { type: queue }\n",
        ),
        (
            "api-jobs",
            "name: api-jobs\nowner: team-core\nimage: ghcr.io/acme/api-jobs:1.0.0\nneeds:\n  queue: { type: queue }\n",
        ),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("error[E0510]") && err.contains("services/api-jobs.yaml:5:10"),
        "{err}"
    );
    assert!(err.contains("`<platform>-<env>-api-jobs-queue`"), "{err}");
    assert_eq!(
        err.matches("error[E0510]").count(),
        1,
        "once, not per environment: {err}"
    );
    assert!(!repo.path().join("generated/terraform").exists());
}

#[test]
fn a_tf_argument_is_written_as_an_expression_and_a_dollar_brace_string_stays_text() {
    let module = "type: cache\nterraform:\n  source: acme/cache/aws\n  version: \"1.0\"\n  inputs:\n    vpc_id: { tf: \"data.aws_vpc.main.id\" }\n    note: \"${data.aws_vpc.main.id}\"\noutputs:\n  host: { value: \"h\" }\n";
    let (repo, out) = build_base_with_module(
        module,
        &[(
            "api",
            "name: api\nowner: team-core\nimage: ghcr.io/acme/api:1.0.0\nneeds:\n  cache: { type: cache }\n",
        )],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let api = read(&repo, "generated/terraform/dev/api.tf");
    assert!(api.contains("vpc_id  = data.aws_vpc.main.id\n"), "{api}");
    assert!(
        api.contains("note    = \"$${data.aws_vpc.main.id}\"\n"),
        "{api}"
    );
}

/// The base platform with `prod` in another region than the state bucket.
fn multi_region(extra_secrets: &str) -> (tempfile::TempDir, Output) {
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&project().join("tests/diagnostics/_base"), repo.path());
    let platform = repo.path().join("platform.yaml");
    let text = fs::read_to_string(&platform)
        .unwrap()
        .replace(
            "    domain: acme.io\n    region: eu-west-1\n",
            "    domain: acme.io\n    region: us-east-1\n    assume_role: arn:aws:iam::222222222222:role/terraform\n",
        )
        .replace("  store: vault\n", &format!("  store: vault\n{extra_secrets}"));
    fs::write(&platform, text).unwrap();
    fs::write(
        repo.path().join("services/api.yaml"),
        "name: api\nowner: team-core\nimage: ghcr.io/acme/api:1.0.0\nneeds:\n  db: { type: postgres }\n",
    )
    .unwrap();
    let out = pave(&["build"], repo.path());
    (repo, out)
}

#[test]
fn the_backend_uses_its_own_region_and_the_provider_the_environments_role() {
    let (repo, out) = multi_region("");
    assert!(out.status.success(), "{}", stderr(&out));
    let versions = read(&repo, "generated/terraform/prod/versions.tf");
    assert!(
        versions.contains("region       = \"eu-west-1\"\n"),
        "{versions}"
    );
    assert!(versions.contains("use_lockfile = true\n"), "{versions}");
    assert!(!versions.contains("dynamodb_table"), "{versions}");
    assert!(
        !versions.contains("assume_role"),
        "no backend role unless asked: {versions}"
    );
    let providers = read(&repo, "generated/terraform/prod/providers.tf");
    assert!(providers.contains("region = \"us-east-1\""), "{providers}");
    assert!(
        providers.contains(
            "  assume_role {\n    role_arn = \"arn:aws:iam::222222222222:role/terraform\"\n  }\n"
        ),
        "{providers}"
    );
    let dev = read(&repo, "generated/terraform/dev/providers.tf");
    assert!(!dev.contains("assume_role"), "{dev}");
}

#[test]
fn deleted_secrets_are_kept_only_in_protected_environments_unless_the_platform_says() {
    let window = |repo: &tempfile::TempDir, env: &str| {
        let api = read(repo, &format!("generated/terraform/{env}/api.tf"));
        let line = api
            .lines()
            .find(|l| l.contains("recovery_window_in_days"))
            .unwrap_or_else(|| panic!("{api}"))
            .to_string();
        line.rsplit(' ').next().unwrap().to_string()
    };
    let (repo, out) = multi_region("");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        (window(&repo, "dev"), window(&repo, "prod")),
        ("0".into(), "30".into())
    );
    let (repo, out) = multi_region("  recovery_window_days: 7\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        (window(&repo, "dev"), window(&repo, "prod")),
        ("7".into(), "7".into())
    );
}

#[test]
fn database_and_cache_credentials_are_generated_by_terraform_and_never_copied() {
    let (repo, out) = build_base_with(&[(
        "api",
        "name: api\nowner: team-core\nimage: ghcr.io/acme/api:1.0.0\nneeds:\n  db: { type: postgres }\n  sessions: { type: redis }\n",
    )]);
    assert!(out.status.success(), "{}", stderr(&out));
    let api = read(&repo, "generated/terraform/prod/api.tf");
    // Postgres: Terraform owns the password; RDS manages (and rotates) none of its own.
    assert!(
        api.contains("resource \"random_password\" \"api_db_password\" {"),
        "{api}"
    );
    assert!(
        api.contains("manage_master_user_password = false\n"),
        "{api}"
    );
    assert!(
        api.contains("password                    = random_password.api_db_password.result\n"),
        "{api}"
    );
    assert!(
        !api.contains("master_user_secret"),
        "nothing is copied from a rotating secret: {api}"
    );
    // Redis: an AUTH token from a generated password, rotated without a gap.
    assert!(
        api.contains("resource \"random_password\" \"api_sessions_token\" {"),
        "{api}"
    );
    assert!(api.contains("override_special = \"!&#$^<>-\"\n"), "{api}");
    assert!(
        api.contains("auth_token                 = random_password.api_sessions_token.result\n"),
        "{api}"
    );
    assert!(
        api.contains("auth_token_update_strategy = \"ROTATE\"\n"),
        "{api}"
    );
    // Both land in the need's secret where the store reads them (Vault here).
    assert!(
        api.contains("password = random_password.api_db_password.result"),
        "{api}"
    );
    assert!(
        api.contains("password = random_password.api_sessions_token.result"),
        "{api}"
    );
    let versions = read(&repo, "generated/terraform/prod/versions.tf");
    assert!(
        versions.contains("source  = \"hashicorp/random\""),
        "{versions}"
    );
    // The redis URL carries the token, assembled by the ExternalSecret in the cluster.
    let es = read(
        &repo,
        "generated/kubernetes/prod/api/externalsecret-sessions.yaml",
    );
    assert!(
        es.contains("url: rediss://:{{ index . \"password\" | urlquery }}@{{ index . \"host\" | urlquery }}:6379"),
        "{es}"
    );
    // pave's security group carries the platform prefix.
    assert!(api.contains("name_prefix = \"acme-prod-api-db-\""), "{api}");
}

/// A worker scaled on its queue: KEDA reads the queue with the worker's role, so that
/// role trusts KEDA's service account (default or the environment's `keda_operator`),
/// may read the queue's attributes, and the ScaledObject names the queue Terraform creates.
#[test]
fn a_queue_scaled_worker_role_trusts_keda_and_reads_the_queue_keda_watches() {
    let worker = "name: api\nowner: team-core\nimage: ghcr.io/acme/api:1.0.0\nworkload: worker\n\
                  autoscale: { min: 3, max: 4, queue: jobs, target: 20 }\n\
                  health: { liveness: { exec: [api, healthcheck] } }\nneeds:\n  jobs: { type: queue }\n";
    let plain = "name: web\nowner: team-core\nimage: ghcr.io/acme/web:1.0.0\nneeds:\n  jobs: { type: queue }\n";
    let (repo, out) = build_base_with(&[("api", worker), ("web", plain)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tf = read(&repo, "generated/terraform/dev/api.tf");
    assert!(
        tf.contains("\"system:serviceaccount:keda:keda-operator\""),
        "{tf}"
    );
    assert!(tf.contains("\"system:serviceaccount:api:api\""), "{tf}");
    assert!(tf.contains("sqs:GetQueueAttributes"), "{tf}");
    let queue = tf
        .lines()
        .find_map(|l| l.trim().strip_prefix("name       = \""))
        .and_then(|l| l.strip_suffix('"'))
        .expect("the queue module's name");
    let scaled = read(&repo, "generated/kubernetes/dev/api/scaledobject.yaml");
    assert!(
        scaled.contains(&format!(
            "queueURL: https://sqs.eu-west-1.amazonaws.com/111111111111/{queue}\n"
        )),
        "{scaled}"
    );
    let web = read(&repo, "generated/terraform/dev/web.tf");
    assert!(
        !web.contains("keda"),
        "only scaled workers trust KEDA: {web}"
    );

    // An environment whose KEDA runs elsewhere names its service account.
    let platform = repo.path().join("platform.yaml");
    let text = fs::read_to_string(&platform).unwrap().replace(
        "    account: \"111111111111\"\n",
        "    account: \"111111111111\"\n    keda_operator: autoscaling/keda\n",
    );
    fs::write(&platform, text).unwrap();
    let out = pave(&["build"], repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let tf = read(&repo, "generated/terraform/dev/api.tf");
    assert!(
        tf.contains("\"system:serviceaccount:autoscaling:keda\""),
        "{tf}"
    );
    assert!(!tf.contains("keda-operator"), "{tf}");
}

/// A CPU target in the platform's defaults yields to a worker's own queue scaler: no
/// E0608, a ScaledObject and no HPA. Both in the service file stay an error (E0608 case).
#[test]
fn a_default_cpu_target_yields_to_a_workers_queue_scaler() {
    let worker = "name: api\nowner: team-core\nimage: ghcr.io/acme/api:1.0.0\nworkload: worker\n\
                  autoscale: { min: 3, max: 4, queue: jobs, target: 20 }\n\
                  health: { liveness: { exec: [api, healthcheck] } }\nneeds:\n  jobs: { type: queue }\n";
    let (repo, out) = build_base_with(&[("api", worker)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let platform = repo.path().join("platform.yaml");
    let text = fs::read_to_string(&platform).unwrap().replace(
        "defaults:\n",
        "defaults:\n  autoscale: { min: 3, max: 5, cpu: 60 }\n",
    );
    fs::write(&platform, text).unwrap();
    let out = pave(&["build"], repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("E0608"), "{}", stderr(&out));
    let dir = repo.path().join("generated/kubernetes/prod/api");
    assert!(dir.join("scaledobject.yaml").is_file());
    assert!(!dir.join("hpa.yaml").exists());
}
