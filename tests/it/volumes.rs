//! Service volumes through the binary: each `volumes` entry is an emptyDir of the pod
//! (`sizeLimit`, `medium: Memory`), mounted only in the containers whose `mounts` name
//! it (`subPath`, `readOnly`), in Deployments and CronJobs alike, with an
//! environment's own size.

use serde_json::{Value, json};

use super::*;

const API: &str = "name: api
owner: team-core
image: ghcr.io/acme/api:1.0.0
volumes:
  cache: { size: 1Gi }
  ram: { memory: true }
mounts:
  /var/cache/api: { volume: cache, sub_path: pages, read_only: true }
sidecars:
  warmer:
    image: ghcr.io/acme/warmer:1.0.0
    mounts:
      /var/cache/warmer: cache
      /run/warmer: ram
init:
  seed:
    image: ghcr.io/acme/seed:1.0.0
    mounts: { /seed: { volume: cache, sub_path: pages } }
environments:
  prod:
    volumes: { cache: { size: 4Gi } }
";

const NIGHTLY: &str = "name: nightly
owner: team-core
image: ghcr.io/acme/nightly:1.0.0
workload: cron
schedule: \"0 3 * * *\"
metrics: false
volumes: { scratch: {} }
mounts: { /var/nightly: scratch }
";

fn object(repo: &Path, path: &str) -> Value {
    let text = fs::read_to_string(repo.join("generated").join(path)).unwrap();
    super::helm::parse_documents(&text).remove(0)
}

/// The pod's volumes other than pave's own `tmp` and `files`.
fn service_volumes(pod: &Value) -> Vec<Value> {
    let own = ["tmp", "files"];
    pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| !own.contains(&v["name"].as_str().unwrap()))
        .cloned()
        .collect()
}

/// A container's mounts of service volumes.
fn mounts(container: &Value) -> Vec<Value> {
    container["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| !["tmp", "files"].contains(&m["name"].as_str().unwrap()))
        .cloned()
        .collect()
}

#[test]
fn volumes_reach_exactly_the_containers_that_mount_them() {
    let repo = base_with_case("_base");
    fs::write(repo.path().join("services/api.yaml"), API).unwrap();
    fs::write(repo.path().join("services/nightly.yaml"), NIGHTLY).unwrap();
    let out = pave(&["build", "--deny-warnings"], repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
    for (env, size) in [("dev", "1Gi"), ("prod", "4Gi")] {
        let d = object(
            repo.path(),
            &format!("kubernetes/{env}/api/deployment.yaml"),
        );
        let pod = &d["spec"]["template"]["spec"];
        assert_eq!(
            service_volumes(pod),
            vec![
                json!({ "name": "cache", "emptyDir": { "sizeLimit": size } }),
                json!({ "name": "ram", "emptyDir": { "medium": "Memory" } }),
            ]
        );
        let containers = pod["containers"].as_array().unwrap();
        assert_eq!(
            mounts(&containers[0]),
            vec![
                json!({ "name": "cache", "mountPath": "/var/cache/api", "subPath": "pages", "readOnly": true })
            ]
        );
        assert_eq!(containers[1]["name"], "warmer");
        assert_eq!(
            mounts(&containers[1]),
            vec![
                json!({ "name": "ram", "mountPath": "/run/warmer" }),
                json!({ "name": "cache", "mountPath": "/var/cache/warmer" }),
            ]
        );
        assert_eq!(
            mounts(&pod["initContainers"][0]),
            vec![json!({ "name": "cache", "mountPath": "/seed", "subPath": "pages" })]
        );
        // Every container still has pave's scratch folder.
        for c in containers {
            assert!(c["volumeMounts"][0]["mountPath"] == "/tmp", "{c}");
        }
    }
    let cron = object(repo.path(), "kubernetes/dev/nightly/cronjob.yaml");
    let pod = &cron["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    assert_eq!(
        service_volumes(pod),
        vec![json!({ "name": "scratch", "emptyDir": {} })]
    );
    assert_eq!(
        mounts(&pod["containers"][0]),
        vec![json!({ "name": "scratch", "mountPath": "/var/nightly" })]
    );
}

#[test]
fn explain_shows_each_volume_and_mount_with_its_layer() {
    let repo = base_with_case("_base");
    fs::write(repo.path().join("services/api.yaml"), API).unwrap();
    let out = pave(&["explain", "api", "--env", "prod"], repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let line = |start: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(start))
            .unwrap_or_else(|| panic!("no `{start}` in:\n{text}"))
            .to_string()
    };
    assert!(line("volumes.cache.size ").contains("\"4Gi\""));
    assert!(
        line("volumes.cache.size ")
            .contains("service environment override services/api.yaml:21:31")
    );
    assert!(line("volumes.ram.memory ").ends_with("service services/api.yaml:6:18"));
    assert!(line("sidecars.warmer.mounts./run/warmer ").contains("\"ram\""));
    assert!(line("volumes.ram ").contains("emptyDir {\"medium\":\"Memory\"}"));
    assert!(
        line("containers.api.volumeMounts./var/cache/api ")
            .ends_with("cache (subPath pages, read-only)")
    );
    assert!(line("containers.seed.volumeMounts./seed ").ends_with("cache (subPath pages)"));
    // A volume with no settings is a value of its own too.
    fs::write(repo.path().join("services/nightly.yaml"), NIGHTLY).unwrap();
    let out = pave(&["explain", "nightly", "--env", "dev"], repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let scratch = text
        .lines()
        .find(|l| l.trim_start().starts_with("volumes.scratch "));
    assert!(
        scratch.is_some_and(|l| l.contains("{}") && l.ends_with("services/nightly.yaml:7:21")),
        "{text}"
    );
}

/// `explain --deny-warnings` shows the service's warning and fails, as every other
/// command does (it exited 0: found by an independent review).
#[test]
fn explain_denies_the_services_own_warnings() {
    let repo = base_with_case("_base");
    let spare = API.replace(
        "  ram: { memory: true }\n",
        "  ram: { memory: true }\n  spare: {}\n",
    );
    fs::write(repo.path().join("services/api.yaml"), spare).unwrap();
    let out = pave(&["explain", "api"], repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning[E0629]"), "{}", stderr(&out));
    let out = pave(&["explain", "api", "--deny-warnings"], repo.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("error[E0115]"), "{}", stderr(&out));
    // Another service's warnings are not the explained one's.
    let out = pave(&["explain", "web", "--deny-warnings"], repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
}
