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

#[test]
fn a_service_and_need_pair_that_joined_the_same_way_get_distinct_labels() {
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
    assert!(out.status.success(), "{}", stderr(&out));
    let api = read(&repo, "generated/terraform/dev/api.tf");
    let jobs = read(&repo, "generated/terraform/dev/api-jobs.tf");
    assert!(api.contains("module \"api_jobs-queue\" {"), "{api}");
    assert!(jobs.contains("module \"api-jobs_queue\" {"), "{jobs}");
    assert!(
        api.contains("module.api_jobs-queue.queue_arn"),
        "references use the same label: {api}"
    );
    let outputs = read(&repo, "generated/terraform/dev/outputs.tf");
    assert!(
        outputs.contains("output \"api_jobs-queue_secret_arn\""),
        "{outputs}"
    );
    assert!(
        outputs.contains("output \"api-jobs_queue_secret_arn\""),
        "{outputs}"
    );
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
