//! Mapping Score files: the pave value each produces, and the Score span each
//! mapped node and each refusal points at.

use serde_json::json;

use super::containers::repository_path_for_tests;
use super::*;
use crate::diag::Code;
use crate::load::{labelled, parse_yaml};
use crate::source::FileId;

fn cx() -> ScoreCx {
    ScoreCx {
        sizes: BUILTIN_SIZES
            .iter()
            .map(|(n, c, m)| (n.to_string(), c.to_string(), m.to_string()))
            .collect(),
        module_types: ["bucket", "postgres", "queue", "redis"]
            .map(String::from)
            .to_vec(),
    }
}

fn map(text: &str) -> (Option<Document>, Vec<(Code, String)>) {
    let (doc, diags) = parse_yaml(FileId(0), text);
    assert!(diags.is_empty(), "{diags:?}");
    let (mapped, _, diags) = translate(&doc.unwrap(), text, "services", &cx());
    (mapped, labelled(text, &diags))
}

const WEB: &str = r#"apiVersion: score.dev/v1b1
metadata:
  name: web
  annotations: { pave.dev/owner: team-a, other.io/xy: kept-for-others }
service:
  ports: { www: { port: 8080 }, admin: { port: 9901, targetPort: 9901 } }
containers:
  main:
    image: nginx:1.27
    variables:
      URL: "postgres://${resources.db.host}:${resources.db.port}/${resources.db.database}"
      LIT: "$${not} $$5 ${metadata.name}"
    resources: { requests: { cpu: "0.25", memory: 512Mi } }
    readinessProbe: { httpGet: { port: 8080, path: /ready } }
    livenessProbe: { httpGet: { port: 9901, path: /live } }
  side:
    image: envoy:1
resources:
  db: { type: postgres, params: { size: small } }
"#;

#[test]
fn maps_a_web_workload_onto_a_service() {
    let (doc, diags) = map(WEB);
    assert!(diags.is_empty(), "{diags:?}");
    let doc = doc.unwrap();
    assert_eq!(
        doc.value,
        json!({
            "name": "web",
            "owner": "team-a",
            "port": 8080,
            "ports": { "admin": 9901 },
            "needs": { "db": { "type": "postgres", "size": "small" } },
            "image": "nginx:1.27",
            "env": {
                "URL": "postgres://${needs.db.host}:${needs.db.port}/${needs.db.name}",
                "LIT": "$${not} $5 web",
            },
            "size": "medium",
            "health": { "readiness": "/ready", "liveness": { "http": "/live", "port": 9901 } },
            "sidecars": { "side": { "image": "envoy:1" } },
        })
    );
    // Every mapped node points at the Score text it came from.
    let at = |p: &str| {
        let s = doc.span(p);
        WEB[s.start..s.end].to_string()
    };
    assert_eq!(at("/owner"), "team-a");
    assert_eq!(at("/needs/db/size"), "small");
    assert_eq!(at("/health/liveness/port"), "9901");
    assert_eq!(
        doc.key_span("/sidecars/side"),
        doc.key_span("/sidecars/side")
    );
    assert_eq!(
        at("/size").lines().next().unwrap(),
        "{ requests: { cpu: \"0.25\", memory: 512Mi } }"
    );
}

#[test]
fn a_workload_without_ports_is_a_worker() {
    let text = "apiVersion: score.dev/v1b1\nmetadata: { name: wk, annotations: { pave.dev/owner: t } }\ncontainers: { main: { image: a:1 } }\n";
    let (doc, diags) = map(text);
    assert!(diags.is_empty());
    assert_eq!(doc.unwrap().value["workload"], "worker");
}

#[test]
fn refuses_what_pave_cannot_honour_at_its_key() {
    let text = r#"apiVersion: score.dev/v1b1
metadata: { name: wk, annotations: { pave.dev/owner: t, pave.dev/ownr: x } }
containers:
  main:
    image: a:1
    before: { side: { ready: started } }
    files: { /etc/a: { binaryContent: AAAA } }
    readinessProbe: { httpGet: { port: 80, path: /, httpHeaders: [{ name: X, value: y }] } }
    resources: { limits: { memory: 3Gi } }
resources:
  qu: { type: kafka }
  db: { type: postgres, class: large }
"#;
    let (_, diags) = map(text);
    assert_eq!(
        diags,
        vec![
            (Code::E0624, "pave.dev/ownr".into()),
            (Code::E0621, "kafka".into()),
            (Code::E0620, "class".into()),
            (Code::E0625, "resources".into()),
            (Code::E0620, "binaryContent".into()),
            (Code::E0620, "before".into()),
            (Code::E0620, "httpHeaders".into()),
        ]
    );
}

#[test]
fn placeholders_pave_cannot_translate_point_at_themselves() {
    let text = r#"apiVersion: score.dev/v1b1
metadata: { name: wk, annotations: { pave.dev/owner: t } }
containers:
  main:
    image: a:1
    variables: { A: "x ${resources.cache.host} y", B: "${env.HOME}", C: "${resources.dns.port}" }
resources:
  dns: { type: dns }
"#;
    let (_, diags) = map(text);
    assert_eq!(
        diags,
        vec![
            (Code::E0622, "${resources.cache.host}".into()),
            (Code::E0622, "${env.HOME}".into()),
            (Code::E0622, "${resources.dns.port}".into()),
        ]
    );
}

#[test]
fn missing_owner_is_reported_at_metadata() {
    let text = "apiVersion: score.dev/v1b1\nmetadata: { name: wk }\ncontainers: { main: { image: a:1 } }\n";
    let (_, diags) = map(text);
    assert_eq!(diags, vec![(Code::E0623, "metadata".into())]);
}

#[test]
fn the_score_schema_runs_first_and_the_metadata_is_still_read() {
    // The missing owner is a mistake of its own: it is reported in the same run as
    // the schema's error, not once the schema passes.
    let text = "apiVersion: score.dev/v1b1\nmetadata: { name: wk }\ncontainers: { main: { image: a:1, ports: [80] } }\n";
    let (doc, diags) = map(text);
    assert!(doc.is_none());
    assert_eq!(
        diags,
        vec![
            (Code::E0202, "ports".into()),
            (Code::E0623, "metadata".into())
        ]
    );
    // Without a `metadata` object only the schema speaks.
    let text = "apiVersion: score.dev/v1b1\nmetadata: 3\ncontainers: { main: { image: a:1 } }\n";
    let (doc, diags) = map(text);
    assert!(doc.is_none());
    assert!(
        diags.iter().all(|(code, _)| *code != Code::E0623),
        "{diags:?}"
    );
}

#[test]
fn source_paths_are_relative_to_the_score_file() {
    assert_eq!(
        repository_path_for_tests("services", "../config/a.conf"),
        "config/a.conf"
    );
    assert_eq!(
        repository_path_for_tests("services", "./a/b"),
        "services/a/b"
    );
    assert_eq!(repository_path_for_tests("services", "../../x"), "../x");
    assert_eq!(repository_path_for_tests("services", "/etc/x"), "/etc/x");
}

#[test]
fn file_stems_drop_score() {
    assert_eq!(service_stem("services/web.score.yaml"), "web");
    assert_eq!(service_stem("services/web.yaml"), "web");
    assert_eq!(service_stem("services/web.score.kdl"), "web.score");
}

const VOLUMES: &str = r#"apiVersion: score.dev/v1b1
metadata:
  name: site
  annotations: { pave.dev/owner: team-a }
containers:
  main:
    image: nginx:1.27
    volumes:
      /srv/cache: { source: "${resources.cache}", path: pages, readOnly: true }
  side:
    image: envoy:1
    volumes:
      - { source: "${resources.cache}", target: /var/cache/envoy }
      - { source: "${resources.ram}", target: /var/run/envoy, readOnly: false }
resources:
  cache: { type: volume, params: { size: 256Mi } }
  ram: { type: volume, params: { memory: true } }
"#;

#[test]
fn volume_resources_become_volumes_and_container_volumes_mounts() {
    let (doc, diags) = map(VOLUMES);
    assert!(diags.is_empty(), "{diags:?}");
    let doc = doc.unwrap();
    assert_eq!(
        doc.value["volumes"],
        json!({ "cache": { "size": "256Mi" }, "ram": { "memory": true } })
    );
    assert_eq!(
        doc.value["mounts"],
        json!({ "/srv/cache": { "volume": "cache", "sub_path": "pages", "read_only": true } })
    );
    // The deprecated list form names its path in `target`.
    assert_eq!(
        doc.value["sidecars"]["side"]["mounts"],
        json!({
            "/var/cache/envoy": { "volume": "cache" },
            "/var/run/envoy": { "volume": "ram", "read_only": false },
        })
    );
    let at = |p: &str| {
        let s = doc.span(p);
        VOLUMES[s.start..s.end].to_string()
    };
    assert_eq!(at("/mounts/~1srv~1cache/volume"), "\"${resources.cache}\"");
    assert_eq!(at("/mounts/~1srv~1cache/sub_path"), "pages");
    assert_eq!(at("/volumes/cache/size"), "256Mi");
}
