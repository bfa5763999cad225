//! Rollouts follow their inputs, through the binary: a changed mounted file (inline
//! or read from the repository with `from`) changes the pod template's checksum, every synced Secret a Deployment reads is named for
//! Reloader (a CronJob's runs read the current Secret on their own), and literal `$`
//! in an env value that embeds a secret output stays literal in the Kubernetes target
//! and in the Helm chart alike.

use serde_json::Value;

use super::*;

/// The bad-input base with these service files, built into `generated/`.
fn build(repo: &Path, services: &[(&str, &str)]) -> Output {
    for (name, text) in services {
        fs::write(repo.join(format!("services/{name}.yaml")), text).unwrap();
    }
    pave(&["build"], repo)
}

/// The bad-input base, with what IAM roles for service accounts need.
fn base() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&project().join("tests/diagnostics/_base"), repo.path());
    let platform = repo.path().join("platform.yaml");
    let text = fs::read_to_string(&platform).unwrap().replace(
        "    region: eu-west-1\n",
        "    region: eu-west-1\n    account: \"111111111111\"\n    cluster: main\n",
    );
    fs::write(&platform, text).unwrap();
    repo
}

/// The one YAML document of a generated file.
fn object(repo: &Path, path: &str) -> Value {
    let text = fs::read_to_string(repo.join("generated").join(path)).unwrap();
    super::helm::parse_documents(&text).remove(0)
}

fn pod_annotation(deployment: &Value, key: &str) -> Option<String> {
    deployment["spec"]["template"]["metadata"]["annotations"][key]
        .as_str()
        .map(str::to_string)
}

const WITH_FILE: &str = "name: api\nowner: team-core\nimage: ghcr.io/acme/api:1.0.0\nenv:\n  LOG_LEVEL: info\nfiles:\n  /etc/api/config.yaml: |\n    rounding: half-even\n";

#[test]
fn changing_a_mounted_file_changes_the_pod_template_checksum() {
    let repo = base();
    let out = build(repo.path(), &[("api", WITH_FILE)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let before = object(repo.path(), "kubernetes/dev/api/deployment.yaml");
    let edited = WITH_FILE.replace("half-even", "half-up");
    let out = build(repo.path(), &[("api", &edited)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let after = object(repo.path(), "kubernetes/dev/api/deployment.yaml");
    let files = |d: &Value| pod_annotation(d, "checksum/files");
    assert!(files(&before).is_some(), "{before}");
    assert_ne!(
        files(&before),
        files(&after),
        "a new file content rolls the pods"
    );
    let config = |d: &Value| pod_annotation(d, "checksum/config");
    assert!(config(&before).is_some());
    assert_eq!(config(&before), config(&after), "the env did not change");
}

const WITH_FILE_FROM: &str = "name: api\nowner: team-core\nimage: ghcr.io/acme/api:1.0.0\nfiles:\n  /etc/api/config.yaml: { from: config/api.yaml }\nenvironments:\n  prod:\n    files:\n      /etc/api/config.yaml: { from: config/api-prod.yaml }\n";

#[test]
fn changing_a_file_read_with_from_changes_the_config_map_and_the_checksum() {
    let repo = base();
    fs::create_dir_all(repo.path().join("config")).unwrap();
    fs::write(repo.path().join("config/api.yaml"), "rounding: half-even\n").unwrap();
    fs::write(repo.path().join("config/api-prod.yaml"), "rounding: down\n").unwrap();
    let out = build(repo.path(), &[("api", WITH_FILE_FROM)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let data = |repo: &Path, env: &str| {
        object(repo, &format!("kubernetes/{env}/api/files.yaml"))["data"].clone()
    };
    let content = |v: &Value| v.as_object().unwrap().values().next().unwrap().clone();
    assert_eq!(content(&data(repo.path(), "dev")), "rounding: half-even\n");
    assert_eq!(
        content(&data(repo.path(), "prod")),
        "rounding: down\n",
        "the environment's own file"
    );
    let before = object(repo.path(), "kubernetes/dev/api/deployment.yaml");
    fs::write(repo.path().join("config/api.yaml"), "rounding: half-up\n").unwrap();
    let out = pave(&["check"], repo.path());
    assert!(
        !out.status.success(),
        "check sees the edited file: {}",
        stdout(&out)
    );
    let out = build(repo.path(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(content(&data(repo.path(), "dev")), "rounding: half-up\n");
    let after = object(repo.path(), "kubernetes/dev/api/deployment.yaml");
    let files = |d: &Value| pod_annotation(d, "checksum/files");
    assert!(files(&before).is_some(), "{before}");
    assert_ne!(
        files(&before),
        files(&after),
        "the new content rolls the pods"
    );
}

#[test]
fn reloader_names_every_synced_secret_a_deployment_reads_and_no_cron_job() {
    let repo = base();
    let out = build(
        repo.path(),
        &[
            (
                "api",
                "name: api\nowner: team-core\nimage: ghcr.io/acme/api:1.0.0\nenv:\n  DATABASE_URL: ${needs.db.url}\nsecrets:\n  API_KEY: { ref: api/keys#main }\nneeds:\n  db: { type: postgres }\n  unread: { type: queue }\n",
            ),
            (
                "report",
                "name: report\nowner: team-core\nimage: ghcr.io/acme/report:1.0.0\nworkload: cron\nschedule: \"30 2 * * *\"\nmetrics: false\nenv:\n  DATABASE_URL: ${needs.db.url}\nneeds:\n  db: { type: postgres }\n",
            ),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let api = object(repo.path(), "kubernetes/prod/api/deployment.yaml");
    // The service's own secrets and the need it reads; the queue's Secret is not read.
    assert_eq!(
        api["metadata"]["annotations"]["secret.reloader.stakater.com/reload"], "api-db,api-secrets",
        "{api}"
    );
    // Each name is a Secret an ExternalSecret of the service writes.
    for name in ["api-secrets", "api-db"] {
        let target = |file: &str| {
            object(repo.path(), &format!("kubernetes/prod/api/{file}"))["spec"]["target"]["name"]
                .clone()
        };
        let file = match name {
            "api-secrets" => "externalsecret.yaml",
            _ => "externalsecret-db.yaml",
        };
        assert_eq!(target(file), name);
    }
    // A CronJob's every run starts pods that read the current Secret; Reloader would
    // start an extra, unscheduled run instead.
    let report = object(repo.path(), "kubernetes/prod/report/cronjob.yaml");
    assert!(
        report["metadata"]["annotations"]
            .get("secret.reloader.stakater.com/reload")
            .is_none(),
        "{report}"
    );
    let env = &report["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["env"];
    assert!(
        env.as_array()
            .unwrap()
            .iter()
            .any(|e| e["valueFrom"]["secretKeyRef"]["name"] == "report-db"),
        "{env}"
    );
}

#[test]
fn a_literal_dollar_paren_stays_literal_beside_a_secret_in_both_targets() {
    let repo = base();
    let out = build(
        repo.path(),
        &[(
            "api",
            "name: api\nowner: team-core\nimage: ghcr.io/acme/api:1.0.0\nenv:\n  OPTS: opts=$(LOG_FORMAT) url=${needs.db.url}\n  PLAIN: opts=$(LOG_FORMAT) cost=$$5\nneeds:\n  db: { type: postgres }\n",
        )],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let deployment = object(repo.path(), "kubernetes/dev/api/deployment.yaml");
    let env = deployment["spec"]["template"]["spec"]["containers"][0]["env"].clone();
    let opts = env
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "OPTS")
        .unwrap_or_else(|| panic!("{env}"));
    // Kubernetes reduces `$$` to `$`: the pod sees `opts=$(LOG_FORMAT) url=...`.
    assert_eq!(opts["value"], "opts=$$(LOG_FORMAT) url=$(PAVE_DB_URL)");
    // No secret: a ConfigMap value, which Kubernetes never expands, byte for byte.
    let config = object(repo.path(), "kubernetes/dev/api/configmap.yaml");
    assert_eq!(config["data"]["PLAIN"], "opts=$(LOG_FORMAT) cost=$$5");
    // The chart renders the same Deployment from the values file.
    let Some(helm) = validators::tool("helm") else {
        return;
    };
    let generated = repo.path().join("generated/helm");
    let out = std::process::Command::new(&helm)
        .arg("template")
        .arg("api")
        .arg(generated.join("chart"))
        .arg("-f")
        .arg(generated.join("dev/api.values.yaml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let rendered = super::helm::parse_documents(&String::from_utf8_lossy(&out.stdout));
    let chart = rendered
        .iter()
        .find(|d| d["kind"] == "Deployment")
        .expect("the chart renders the Deployment");
    assert_eq!(chart, &deployment);
}
