//! Every baseline policy, both ways: a service that passes, and a change that makes
//! exactly that policy fail. Kubernetes-scope policies are checked on objects pave
//! would never write, made by editing its output by hand.

use serde_json::{Value as Json, json};

use super::{Date, Options, check};
use crate::diag::Code;
use crate::load::{Inputs, parse_yaml};
use crate::source::SourceMap;

const PLATFORM: &str = "platform: t
environments:
  dev: {}
  prod: { protected: true }
registries: [ghcr.io/t]
secrets: { store: vault }
";

const SERVICE: &str = "name: api
owner: team-a
tier: 2
image: ghcr.io/t/api:1.0.0
replicas: 2
route: { host: api.example.com }
environments:
  prod:
    image: ghcr.io/t/api@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
";

/// A web service with an autoscaler, a route, an env value and a secret, pinned by
/// digest in prod.
const AUTOSCALED_WEB: &str = "name: api
owner: team-a
tier: 2
image: ghcr.io/t/api:1.0.0
autoscale: { min: 2, max: 5, cpu: 70 }
route: { host: api.example.com }
env:
  MODE: fast
secrets:
  TOKEN: { ref: api/app#token }
environments:
  prod:
    image: ghcr.io/t/api@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
";

/// The ids of the policies that fail (E0301) for a platform, one service and an edit
/// of the rendered `prod` objects.
fn failing(platform_extra: &str, service: &str, edit: impl Fn(&mut [Json])) -> Vec<String> {
    let mut ids: Vec<String> = findings(platform_extra, service, edit)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Every finding in prod as (policy id, message).
fn findings(
    platform_extra: &str,
    service: &str,
    edit: impl Fn(&mut [Json]),
) -> Vec<(String, String)> {
    findings_with(platform_extra, service, edit, |_| {})
}

/// A platform (PLATFORM and `platform_extra`) and one service: their inputs and
/// sources, the resolved model, and the objects rendered for `prod`.
fn rendered_prod(
    platform_extra: &str,
    service: &str,
) -> (
    Inputs,
    SourceMap,
    crate::resolve::Model,
    Vec<crate::render::RenderedObject>,
) {
    let platform = format!("{PLATFORM}{platform_extra}");
    rendered_with(&platform, service, include_str!("baseline.yaml"))
}

/// [`rendered_prod`] for any platform file and policy pack.
fn rendered_with(
    platform: &str,
    service: &str,
    pack: &str,
) -> (
    Inputs,
    SourceMap,
    crate::resolve::Model,
    Vec<crate::render::RenderedObject>,
) {
    let mut sources = SourceMap::default();
    let mut parse = |name: &str, text: &str| {
        let id = sources.add(name.to_string(), text.to_string());
        let (doc, diags) = parse_yaml(id, text);
        assert!(diags.is_empty(), "{name}: {diags:?}");
        doc.unwrap()
    };
    let inputs = Inputs {
        platform: Some(parse("platform.yaml", platform)),
        services: vec![parse("services/api.yaml", service)],
        builtin_packs: vec![("baseline".into(), parse("baseline.yaml", pack))],
        ..Inputs::default()
    };
    let (model, diags) = crate::resolve::resolve(&inputs, &sources);
    let model = model.unwrap_or_else(|| panic!("{diags:?}"));
    let mut objects = crate::render::render(&model, None, None).0.objects;
    objects.retain(|o| o.scope.env.as_deref() == Some("prod"));
    (inputs, sources, model, objects)
}

/// [`findings`], with `add` run on the rendered objects before the policies.
fn findings_with(
    platform_extra: &str,
    service: &str,
    edit: impl Fn(&mut [Json]),
    add: impl Fn(&mut Vec<crate::render::RenderedObject>),
) -> Vec<(String, String)> {
    let (inputs, sources, model, mut objects) = rendered_prod(platform_extra, service);
    let mut values: Vec<Json> = objects
        .iter()
        .map(|o| serde_json::to_value(&*o.object).unwrap())
        .collect();
    let rendered = values.clone();
    edit(&mut values);
    for ((o, v), before) in objects.iter_mut().zip(values).zip(rendered) {
        // An object the edit left alone stays typed, so its native checks run.
        if v == before {
            continue;
        }
        o.kind = v["kind"].as_str().unwrap_or_default().to_string();
        // `ref.integrity` finds objects by the kind and name rendered beside them.
        o.name = v["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        o.object = std::sync::Arc::new(v);
        // The typed value no longer says what the edited one does.
        o.typed = None;
    }
    add(&mut objects);
    let options = Options {
        today: Date::parse("2026-11-22").unwrap(),
        expiring_within: None,
    };
    let diags = check(&inputs, &model, &objects, &sources, options);
    assert!(
        !diags.iter().any(|d| d.code == Code::E0302),
        "policy error: {diags:?}"
    );
    diags
        .iter()
        .filter_map(|d| Some((d.rule.as_ref()?.id.clone(), d.message.clone())))
        .collect()
}

fn kind<'a>(objects: &'a mut [Json], kind: &str) -> &'a mut Json {
    objects
        .iter_mut()
        .find(|o| o["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind}"))
}

fn container(objects: &mut [Json]) -> &mut Json {
    &mut kind(objects, "Deployment")["spec"]["template"]["spec"]["containers"][0]
}

fn pod(objects: &mut [Json]) -> &mut Json {
    &mut kind(objects, "Deployment")["spec"]["template"]["spec"]
}

fn remove(objects: &mut [Json], k: &str) {
    let at = objects.iter().position(|o| o["kind"] == k).unwrap();
    objects[at] = json!({ "apiVersion": "v1", "kind": "ConfigMap", "metadata": { "name": "unrelated", "namespace": "api", "labels": { "pave/owner": "team-a", "app.kubernetes.io/name": "api" } }, "data": {} });
}

fn unchanged(_: &mut [Json]) {}

#[test]
fn pave_output_passes_every_baseline_policy() {
    assert_eq!(failing("", SERVICE, unchanged), Vec::<String>::new());
}

#[test]
fn service_scope_policies_fail_on_the_service_that_breaks_them() {
    let cases = [
        ("image.tag-pinned", SERVICE.replace("api:1.0.0", "api:latest")),
        ("image.digest-in-prod", SERVICE.replace("    image: ghcr.io/t/api@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", "    replicas: 2\n")),
        ("image.registry-allowlist", SERVICE.replace("image: ghcr.io/t/api:1.0.0", "image: ghcr.io/t-evil/api:1.0.0").replace("ghcr.io/t/api@", "ghcr.io/t-evil/api@")),
        ("sec.no-plaintext-secrets", SERVICE.replace("replicas: 2\n", "replicas: 2\nenv:\n  DB_PASSWORD: hunter2\n")),
        ("avail.min-replicas", SERVICE.replace("replicas: 2\n", "replicas: 1\n")),
        ("slo.required-for-tier", SERVICE.replace("tier: 2", "tier: 1")),
        ("image.containers-pinned", format!("{SERVICE}sidecars:\n  proxy: {{ image: ghcr.io/t/proxy:latest }}\n")),
        ("image.containers-registry-allowlist", format!("{SERVICE}init:\n  migrate: {{ image: docker.io/t/migrate:1.0.0 }}\n")),
    ];
    for (policy, service) in cases {
        let got = failing("", &service, unchanged);
        // One replica also means no PodDisruptionBudget and no spread: those policies
        // stay quiet because they only apply from two replicas on.
        assert_eq!(got, vec![policy.to_string()], "{policy}");
    }
    let passing = SERVICE.replace("tier: 2", "tier: 1").replace(
        "replicas: 2\n",
        "replicas: 2\nslo: { availability: 99.9 }\n",
    );
    assert_eq!(failing("", &passing, unchanged), Vec::<String>::new());
}

#[test]
fn kubernetes_scope_policies_fail_on_hand_edited_objects() {
    type Edit = fn(&mut [Json]);
    let cases: Vec<(&str, Edit)> = vec![
        ("resources.requests", |o| {
            container(o)["resources"]["requests"]
                .as_object_mut()
                .unwrap()
                .remove("cpu");
        }),
        ("resources.memory-limit", |o| {
            container(o)["resources"]["limits"]["memory"] = json!("64Mi")
        }),
        ("probe.readiness", |o| {
            container(o)
                .as_object_mut()
                .unwrap()
                .remove("readinessProbe");
        }),
        ("probe.liveness", |o| {
            container(o)
                .as_object_mut()
                .unwrap()
                .remove("livenessProbe");
        }),
        ("probe.sane", |o| {
            let r = container(o)["readinessProbe"].clone();
            container(o)["livenessProbe"] = r;
        }),
        ("sec.run-as-non-root", |o| {
            container(o)["securityContext"]["runAsNonRoot"] = json!(false);
            pod(o)["securityContext"]["runAsNonRoot"] = json!(false);
        }),
        ("sec.read-only-root-fs", |o| {
            container(o)["securityContext"]["readOnlyRootFilesystem"] = json!(false)
        }),
        ("sec.no-privilege-escalation", |o| {
            container(o)["securityContext"]["allowPrivilegeEscalation"] = json!(true)
        }),
        ("sec.not-privileged", |o| {
            container(o)["securityContext"]["privileged"] = json!(true)
        }),
        ("sec.capabilities", |o| {
            container(o)["securityContext"]["capabilities"]["add"] = json!(["SYS_ADMIN"])
        }),
        ("sec.no-host-namespaces", |o| {
            pod(o)["hostNetwork"] = json!(true)
        }),
        (
            "sec.no-hostpath",
            |o| pod(o)["volumes"][0] = json!({ "name": "tmp", "hostPath": { "path": "/var/run" } }),
        ),
        ("sec.seccomp", |o| {
            pod(o)["securityContext"]
                .as_object_mut()
                .unwrap()
                .remove("seccompProfile");
            container(o)["securityContext"]
                .as_object_mut()
                .unwrap()
                .remove("seccompProfile");
        }),
        ("sec.sa-token", |o| {
            pod(o)["automountServiceAccountToken"] = json!(true)
        }),
        ("avail.pdb-required", |o| remove(o, "PodDisruptionBudget")),
        ("avail.pdb-allows-disruption", |o| {
            kind(o, "PodDisruptionBudget")["spec"]["maxUnavailable"] = json!(0)
        }),
        ("avail.spread", |o| {
            pod(o)
                .as_object_mut()
                .unwrap()
                .remove("topologySpreadConstraints");
        }),
        ("net.networkpolicy", |o| remove(o, "NetworkPolicy")),
        ("net.exposure", |o| {
            kind(o, "Service")["spec"]["type"] = json!("NodePort")
        }),
        ("meta.ownership", |o| {
            kind(o, "Service")["metadata"]["labels"]
                .as_object_mut()
                .unwrap()
                .remove("pave/owner");
        }),
        ("meta.namespace", |o| {
            kind(o, "ServiceAccount")["metadata"]["namespace"] = json!("default")
        }),
        ("ref.integrity", |o| {
            kind(o, "Ingress")["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] =
                json!("nope")
        }),
    ];
    for (policy, edit) in cases {
        assert_eq!(
            failing("", SERVICE, edit),
            vec![policy.to_string()],
            "{policy}"
        );
    }
}

#[test]
fn ref_integrity_follows_every_kind_of_reference() {
    type Edit = fn(&mut [Json]);
    let cases: Vec<Edit> = vec![
        |o| kind(o, "Service")["spec"]["selector"]["app.kubernetes.io/name"] = json!("other"),
        |o| kind(o, "Service")["spec"]["ports"][0]["targetPort"] = json!("web"),
        |o| kind(o, "ServiceMonitor")["spec"]["endpoints"][0]["port"] = json!("nope"),
        |o| container(o)["readinessProbe"]["httpGet"]["port"] = json!("admin"),
        |o| pod(o)["serviceAccountName"] = json!("ghost"),
        |o| kind(o, "Deployment")["spec"]["selector"]["matchLabels"]["extra"] = json!("x"),
    ];
    for (i, edit) in cases.into_iter().enumerate() {
        let got = failing("", SERVICE, edit);
        assert!(
            got.contains(&"ref.integrity".to_string()),
            "case {i}: {got:?}"
        );
    }
}

#[test]
fn cpu_limit_is_off_by_default_and_enforced_when_turned_on() {
    assert_eq!(failing("", SERVICE, unchanged), Vec::<String>::new());
    let on = "policies:\n  rules:\n    resources.cpu-limit: error\n";
    assert_eq!(
        failing(on, SERVICE, unchanged),
        vec!["resources.cpu-limit".to_string()]
    );
    let passes = |o: &mut [Json]| container(o)["resources"]["limits"]["cpu"] = json!("500m");
    assert_eq!(failing(on, SERVICE, passes), Vec::<String>::new());
}

#[test]
fn severity_overrides_are_per_environment() {
    let one = SERVICE.replace("replicas: 2\n", "replicas: 1\n");
    let off_in_prod = "policies:\n  rules:\n    avail.min-replicas: { prod: off }\n";
    assert_eq!(failing(off_in_prod, &one, unchanged), Vec::<String>::new());
    let off_in_dev = "policies:\n  rules:\n    avail.min-replicas: { dev: off }\n";
    assert_eq!(
        failing(off_in_dev, &one, unchanged),
        vec!["avail.min-replicas".to_string()]
    );
}

#[test]
fn the_baseline_pack_has_exactly_the_agreed_policies() {
    let pack: serde_json::Value = {
        let (doc, diags) = parse_yaml(crate::source::FileId(0), include_str!("baseline.yaml"));
        assert!(diags.is_empty());
        doc.unwrap().value
    };
    let ids: Vec<&str> = pack["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    let agreed = [
        "image.tag-pinned",
        "image.digest-in-prod",
        "image.containers-pinned",
        "image.registry-allowlist",
        "image.containers-registry-allowlist",
        "resources.requests",
        "resources.memory-limit",
        "resources.cpu-limit",
        "probe.readiness",
        "probe.liveness",
        "probe.sane",
        "sec.run-as-non-root",
        "sec.read-only-root-fs",
        "sec.no-privilege-escalation",
        "sec.not-privileged",
        "sec.capabilities",
        "sec.no-host-namespaces",
        "sec.no-hostpath",
        "sec.seccomp",
        "sec.sa-token",
        "sec.no-plaintext-secrets",
        "avail.min-replicas",
        "avail.pdb-required",
        "avail.pdb-allows-disruption",
        "avail.spread",
        "net.networkpolicy",
        "net.exposure",
        "meta.ownership",
        "meta.namespace",
        "ref.integrity",
        "slo.required-for-tier",
    ];
    assert_eq!(ids, agreed);
}

/// A worker with an exec liveness probe and a cron job, each with a sidecar, an init
/// container and a file.
const EXTRAS: &str = "sidecars:
  proxy: { image: ghcr.io/t/proxy:1.2.0, ports: { admin: 9901 } }
init:
  migrate: { image: ghcr.io/t/api:1.0.0, command: [api, migrate] }
files:
  /etc/api/config.yaml: 'level: info'
security: { run_as_user: 10001 }
";

const WORKER: &str = "name: api
owner: team-a
image: ghcr.io/t/api:1.0.0
workload: worker
replicas: 2
health:
  liveness: { exec: [api, healthcheck] }
environments:
  prod:
    image: ghcr.io/t/api@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
";

const CRON: &str = "name: api
owner: team-a
image: ghcr.io/t/api:1.0.0
workload: cron
schedule: '0 3 * * *'
environments:
  prod:
    image: ghcr.io/t/api@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
";

fn cron_pod(objects: &mut [Json]) -> &mut Json {
    &mut kind(objects, "CronJob")["spec"]["jobTemplate"]["spec"]["template"]["spec"]
}

#[test]
fn workers_and_cron_jobs_with_sidecars_pass_every_baseline_policy() {
    for service in [WORKER, CRON] {
        let service = format!("{service}{EXTRAS}");
        assert_eq!(
            failing("", &service, unchanged),
            Vec::<String>::new(),
            "{service}"
        );
    }
}

#[test]
fn pod_policies_cover_cron_jobs_sidecars_and_init_containers() {
    let cron = format!("{CRON}{EXTRAS}");
    type Edit = fn(&mut [Json]);
    let cases: [(&str, Edit); 4] = [
        ("sec.read-only-root-fs", |o| {
            cron_pod(o)["initContainers"][0]["securityContext"]["readOnlyRootFilesystem"] =
                json!(false)
        }),
        ("resources.requests", |o| {
            cron_pod(o)["containers"][1]["resources"]["requests"] = json!({})
        }),
        ("sec.run-as-non-root", |o| {
            cron_pod(o)["containers"][1]["securityContext"]["runAsNonRoot"] = json!(false);
            cron_pod(o)["securityContext"]["runAsNonRoot"] = json!(false)
        }),
        ("ref.integrity", |o| {
            cron_pod(o)["containers"][0]["envFrom"] =
                json!([{ "configMapRef": { "name": "missing" } }])
        }),
    ];
    for (policy, edit) in cases {
        assert_eq!(
            failing("", &cron, edit),
            vec![policy.to_string()],
            "{policy}"
        );
    }
    let worker = format!("{WORKER}{EXTRAS}");
    let no_liveness = |o: &mut [Json]| {
        container(o)
            .as_object_mut()
            .unwrap()
            .remove("livenessProbe");
    };
    assert_eq!(
        failing("", &worker, no_liveness),
        vec!["probe.liveness".to_string()]
    );
    let bad_monitor = |o: &mut [Json]| {
        kind(o, "PodMonitor")["spec"]["podMetricsEndpoints"][0]["port"] = json!("nope");
    };
    assert_eq!(
        failing("", &worker, bad_monitor),
        vec!["ref.integrity".to_string()]
    );
}

#[test]
fn a_when_that_reads_only_the_kind_is_decided_per_kind() {
    // `meta.*` select every object but a Namespace (`when: object.kind != "Namespace"`),
    // decided once per kind: of two unlabelled objects of one service, the one turned
    // into a Namespace is exempt and the Service is reported, whichever comes first.
    let edit = |o: &mut [Json]| {
        let cm = kind(o, "ConfigMap");
        cm["kind"] = json!("Namespace");
        cm["metadata"].as_object_mut().unwrap().remove("labels");
        let service = kind(o, "Service");
        service["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("labels");
    };
    let ownership: Vec<String> = findings("", SERVICE, edit)
        .into_iter()
        .filter(|(id, _)| id == "meta.ownership")
        .map(|(_, message)| message)
        .collect();
    assert_eq!(ownership.len(), 1, "{ownership:?}");
    assert!(
        ownership[0].contains("`Service` `api` lacks"),
        "{ownership:?}"
    );
}

#[test]
fn whens_are_classified_by_what_they_read_of_the_object() {
    use super::WhenReads;
    let env = minijinja::Environment::new();
    let reads = |when: &str| {
        let expr = env.compile_expression(when).unwrap();
        WhenReads::of(&expr.undeclared_variables(true))
    };
    let kind_only = Some(WhenReads {
        kind: true,
        service: false,
    });
    assert_eq!(reads(r#"object.kind != "Namespace""#), kind_only);
    assert_eq!(
        reads(r#"env.protected and object.kind in ["Deployment"] and service.tier < 2"#),
        Some(WhenReads {
            kind: true,
            service: true
        })
    );
    assert_eq!(
        reads("env.protected"),
        Some(WhenReads {
            kind: false,
            service: false
        })
    );
    for per_object in [
        "object.metadata.name == 'x'",
        "object.kind == 'Service' and object.spec.type == 'NodePort'",
        "label(object, 'a') != ''",
        "object['kind'] == 'Service'",
        "objects | length > 1",
        "debug() != ''",
    ] {
        assert_eq!(reads(per_object), None, "{per_object}");
    }
}

/// The policies decided without a template (`native`) find exactly what their
/// templates find, on typed objects that pass and objects that fail them: each
/// object is checked once as pave renders it (typed, so the native check runs) and
/// once without its typed value (the template alone).
#[test]
fn native_checks_find_what_their_templates_find() {
    use crate::render::RenderedObject;
    use crate::render::kubernetes::objects::{Empty, Metadata, Object};
    use std::sync::Arc;
    let labels = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let owned = [("pave/owner", "team-a"), ("app.kubernetes.io/name", "api")];
    // Kind, namespace and labels.
    type Variant<'a> = (&'static str, Option<&'a str>, Vec<(&'a str, &'a str)>);
    let variants: Vec<Variant> = vec![
        ("ConfigMap", Some("api"), owned.to_vec()),
        ("ConfigMap", Some("api"), vec![owned[0]]),
        ("ConfigMap", Some("api"), vec![owned[1]]),
        ("ConfigMap", Some("api"), vec![("pave/owner", ""), owned[1]]),
        ("ConfigMap", Some("api"), vec![]),
        ("ConfigMap", None, owned.to_vec()),
        ("ConfigMap", Some("default"), owned.to_vec()),
        ("ConfigMap", Some(""), owned.to_vec()),
        ("Namespace", None, vec![]),
        ("Namespace", Some("default"), vec![]),
    ];
    let mut natively_clean = 0;
    for (kind, ns, pairs) in variants {
        let object = Arc::new(Object {
            api_version: "v1",
            kind,
            metadata: Metadata {
                name: "extra".into(),
                namespace: ns.map(str::to_string),
                labels: labels(&pairs),
                annotations: Default::default(),
            },
            body: Empty {},
        });
        let rendered = |typed: bool| {
            let object = object.clone();
            move |objects: &mut Vec<RenderedObject>| {
                let scope = objects[0].scope.clone();
                objects.push(RenderedObject {
                    path: "extra.yaml".into(),
                    scope,
                    kind: kind.to_string(),
                    name: "extra".into(),
                    namespace: object.metadata.namespace.clone(),
                    object: object.clone(),
                    typed: typed.then(|| object.clone() as _),
                });
            }
        };
        let mut native = findings_with("", SERVICE, unchanged, rendered(true));
        let mut template = findings_with("", SERVICE, unchanged, rendered(false));
        native.sort();
        template.sort();
        assert_eq!(native, template, "{kind} {ns:?} {pairs:?}");
        let meta =
            |f: &[(String, String)]| f.iter().filter(|(id, _)| id.starts_with("meta.")).count();
        if meta(&template) == 0 {
            natively_clean += 1;
        }
    }
    // Both outcomes were compared: objects that pass (one labelled in `api`, one in
    // the namespace `""`, two Namespaces) and six that fail.
    assert_eq!(natively_clean, 4);
}

/// Each native check stands for its built-in policy as the baseline pack writes it:
/// a change to the pack's text would otherwise quietly send the policy back to its
/// template.
#[test]
fn native_checks_stand_for_the_baseline_policies() {
    let mut sources = SourceMap::default();
    let mut parse = |name: &str, text: String| {
        let id = sources.add(name.to_string(), text.clone());
        parse_yaml(id, &text).0.unwrap()
    };
    let inputs = Inputs {
        platform: Some(parse("platform.yaml", PLATFORM.to_string())),
        builtin_packs: vec![(
            "baseline".into(),
            parse("baseline.yaml", include_str!("baseline.yaml").into()),
        )],
        ..Inputs::default()
    };
    let (set, diags) = super::pack::collect(&inputs, &["prod".to_string()], &[]);
    assert!(diags.is_empty(), "{diags:?}");
    let native: Vec<&str> = set
        .policies
        .iter()
        .filter(|p| super::native::check_for(p).is_some())
        .map(|p| p.id.as_str())
        .collect();
    let service_native: Vec<&str> = (set.policies.iter())
        .filter(|p| super::native_service::check_for(p).is_some())
        .map(|p| p.id.as_str())
        .collect();
    // Every baseline policy has a native check of its scope.
    let mut all = [native.clone(), service_native.clone()].concat();
    all.sort();
    let mut ids: Vec<&str> = set.policies.iter().map(|p| p.id.as_str()).collect();
    ids.sort();
    assert_eq!(all, ids);
    assert_eq!(
        service_native,
        [
            "image.tag-pinned",
            "image.digest-in-prod",
            "image.containers-pinned",
            "image.registry-allowlist",
            "image.containers-registry-allowlist",
            "sec.no-plaintext-secrets",
            "avail.min-replicas",
            "slo.required-for-tier"
        ]
    );
    assert_eq!(
        native,
        [
            "resources.requests",
            "resources.memory-limit",
            "resources.cpu-limit",
            "probe.readiness",
            "probe.liveness",
            "probe.sane",
            "sec.run-as-non-root",
            "sec.read-only-root-fs",
            "sec.no-privilege-escalation",
            "sec.not-privileged",
            "sec.capabilities",
            "sec.no-host-namespaces",
            "sec.no-hostpath",
            "sec.seccomp",
            "sec.sa-token",
            "avail.pdb-required",
            "avail.pdb-allows-disruption",
            "avail.spread",
            "net.networkpolicy",
            "net.exposure",
            "meta.ownership",
            "meta.namespace",
            "ref.integrity"
        ]
    );
}

/// The workload policies decided natively find exactly what their templates find on
/// typed Deployments that pass and fail them (each variant checked typed, so the
/// native checks run, and without its typed value, the template alone).
#[test]
fn native_workload_checks_find_what_their_templates_find() {
    use crate::render::RenderedObject;
    use crate::render::kubernetes::objects::{DeploymentSpec, Object, PodSpec, Spec};
    use std::sync::Arc;
    type Deployment = Object<Spec<DeploymentSpec>>;
    type Mutation = fn(&mut PodSpec);
    let variants: Vec<(&str, Mutation)> = vec![
        ("as rendered", |_| {}),
        ("root", |p| {
            p.containers[0].security_context.run_as_non_root = false
        }),
        ("pod may run as root, containers not", |p| {
            p.security_context.run_as_non_root = false
        }),
        ("writable root", |p| {
            p.containers[0].security_context.read_only_root_filesystem = false
        }),
        ("escalation", |p| {
            p.containers[0].security_context.allow_privilege_escalation = true
        }),
        ("init escalation", |p| {
            let mut init = p.containers[0].clone();
            init.name = "init".into();
            init.security_context.allow_privilege_escalation = true;
            p.init_containers.push(init);
        }),
        ("keeps capabilities", |p| {
            p.containers[0].security_context.capabilities.drop.clear()
        }),
        ("no cpu request", |p| {
            p.containers[0].resources.requests.remove("cpu");
        }),
        ("no memory limit", |p| {
            p.containers[0].resources.limits.remove("memory");
        }),
        ("memory limit below the request", |p| {
            p.containers[0]
                .resources
                .limits
                .insert("memory", "1Mi".into());
        }),
        ("memory limit above the request", |p| {
            p.containers[0]
                .resources
                .limits
                .insert("memory", "64Gi".into());
        }),
        ("no readiness", |p| p.containers[0].readiness_probe = None),
        ("no liveness", |p| {
            p.containers[0].liveness_probe = None;
            p.containers[0].startup_probe = None;
        }),
        ("unconfined", |p| {
            p.security_context.seccomp_profile.kind = "Unconfined"
        }),
        ("default account", |p| {
            p.service_account_name = "default".into()
        }),
        ("token mounted", |p| {
            p.automount_service_account_token = true
        }),
    ];
    let mut failing = 0;
    for (name, mutate) in variants {
        let with = |typed: bool| {
            move |objects: &mut Vec<RenderedObject>| {
                let o = objects.iter_mut().find(|o| o.kind == "Deployment").unwrap();
                let rendered = o.typed.as_ref().expect("a typed Deployment");
                let any = rendered.as_any();
                let mut d: Deployment = any.downcast_ref::<Deployment>().unwrap().clone();
                mutate(&mut d.body.spec.template.spec);
                let d = Arc::new(d);
                o.object = d.clone();
                o.typed = typed.then_some(d as _);
            }
        };
        let mut native = findings_with("", SERVICE, unchanged, with(true));
        let mut template = findings_with("", SERVICE, unchanged, with(false));
        native.sort();
        template.sort();
        assert_eq!(native, template, "{name}");
        if !template.is_empty() {
            failing += 1;
        }
    }
    // Every variant fails a policy but the rendered one, the pod-level runAsNonRoot
    // and the unconfined pod (each container says it), and the higher limit.
    assert_eq!(failing, 12);
}

/// `ref.integrity` decided natively finds exactly what its template finds on typed
/// objects whose references resolve and on objects each broken in one reference
/// (each variant checked typed, so the native check runs, and untyped, the template
/// alone); and the rendered objects are decided natively.
#[test]
fn native_reference_checks_find_what_their_templates_find() {
    use crate::render::RenderedObject;
    use crate::render::kubernetes::objects::{
        DeploymentSpec, EnvVar, EnvVarSource, GrpcAction, HpaSpec, HttpGet, IngressSpec, KeyRef,
        NameRef, PodMonitorSpec, ProbeHandler, ServiceMonitorSpec, ServiceSpec,
    };
    type Variant = fn(&mut [RenderedObject], bool);
    let variants: Vec<(&str, Variant)> = vec![
        ("as rendered", |_, _| {}),
        ("a Service port targets an undeclared port", |o, t| {
            edit_typed::<ServiceSpec>(o, "Service", t, |s| s.ports[0].target_port = "nope".into())
        }),
        ("a Service selects no pods", |o, t| {
            edit_typed::<ServiceSpec>(o, "Service", t, |s| {
                s.selector.insert("extra".into(), "x".into());
            })
        }),
        ("a PDB selects no pods", pdb_selects_nothing),
        ("the autoscaler targets a missing Deployment", |o, t| {
            edit_typed::<HpaSpec>(o, "HorizontalPodAutoscaler", t, |s| {
                s.scale_target_ref.name = "gone".into()
            })
        }),
        ("the selector misses the pod labels", |o, t| {
            edit_typed::<DeploymentSpec>(o, "Deployment", t, |s| {
                s.selector.match_labels.insert("extra".into(), "x".into());
            })
        }),
        ("a missing ServiceAccount", |o, t| {
            edit_typed::<DeploymentSpec>(o, "Deployment", t, |s| {
                s.template.spec.service_account_name = "ghost".into()
            })
        }),
        ("an HTTP probe on an undeclared port", |o, t| {
            edit_typed::<DeploymentSpec>(o, "Deployment", t, |s| {
                let probe = s.template.spec.containers[0]
                    .readiness_probe
                    .as_mut()
                    .unwrap();
                probe.handler = ProbeHandler::HttpGet(HttpGet {
                    path: "/".into(),
                    port: "nope".into(),
                });
            })
        }),
        ("a gRPC probe on an undeclared port", |o, t| {
            edit_typed::<DeploymentSpec>(o, "Deployment", t, |s| {
                let probe = s.template.spec.containers[0]
                    .liveness_probe
                    .as_mut()
                    .unwrap();
                probe.handler = ProbeHandler::Grpc(GrpcAction { port: 1 });
            })
        }),
        ("an Ingress routes to a missing Service", |o, t| {
            edit_typed::<IngressSpec>(o, "Ingress", t, |s| {
                s.rules[0].http.paths[0].backend.service.name = "gone".into()
            })
        }),
        ("an Ingress uses a port the Service lacks", |o, t| {
            edit_typed::<IngressSpec>(o, "Ingress", t, |s| {
                s.rules[0].http.paths[0].backend.service.port.name = "nope"
            })
        }),
        (
            "a NetworkPolicy selects no pods",
            network_policy_selects_nothing,
        ),
        ("a ServiceMonitor selects no Service", |o, t| {
            edit_typed::<ServiceMonitorSpec>(o, "ServiceMonitor", t, |s| {
                s.selector.match_labels.insert("extra".into(), "x".into());
            })
        }),
        (
            "a ServiceMonitor scrapes a port the Service lacks",
            |o, t| {
                edit_typed::<ServiceMonitorSpec>(o, "ServiceMonitor", t, |s| {
                    s.endpoints[0].port = "nope".into()
                })
            },
        ),
        ("a missing ConfigMap", |o, t| {
            edit_typed::<DeploymentSpec>(o, "Deployment", t, |s| {
                let c = &mut s.template.spec.containers[0];
                c.env_from
                    .push(crate::render::kubernetes::objects::EnvFromSource {
                        config_map_ref: NameRef {
                            name: "ghost".into(),
                        },
                    });
            })
        }),
        ("a Secret nothing makes", |o, t| {
            edit_typed::<DeploymentSpec>(o, "Deployment", t, |s| {
                s.template.spec.containers[0].env.push(EnvVar {
                    name: "LEAK".into(),
                    value: None,
                    value_from: Some(EnvVarSource {
                        secret_key_ref: KeyRef {
                            name: "ghost".into(),
                            key: "k".into(),
                        },
                    }),
                });
            })
        }),
    ];
    const WORKER: &str = "name: api
owner: team-a
tier: 2
workload: worker
image: ghcr.io/t/api:1.0.0
metrics: { port: 9090 }
environments:
  prod:
    image: ghcr.io/t/api@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
";
    let worker_variants: Vec<(&str, Variant)> = vec![
        ("a worker as rendered", |_, _| {}),
        ("a PodMonitor selects no pods", |o, t| {
            edit_typed::<PodMonitorSpec>(o, "PodMonitor", t, |s| {
                s.selector.match_labels.insert("extra".into(), "x".into());
            })
        }),
        ("a PodMonitor scrapes an undeclared port", |o, t| {
            edit_typed::<PodMonitorSpec>(o, "PodMonitor", t, |s| {
                s.pod_metrics_endpoints[0].port = "nope".into()
            })
        }),
    ];
    let cases = variants
        .into_iter()
        .map(|v| (AUTOSCALED_WEB, v))
        .chain(worker_variants.into_iter().map(|v| (WORKER, v)));
    let mut failing = 0;
    for (service, (name, variant)) in cases {
        let ids = |typed: bool| {
            let mut found = findings_with("", service, unchanged, move |o| variant(o, typed));
            found.retain(|(id, _)| id == "ref.integrity");
            found.sort();
            found
        };
        let (native, template) = (ids(true), ids(false));
        assert_eq!(native, template, "{name}");
        if !template.is_empty() {
            failing += 1;
        }
    }
    assert_eq!(failing, 17);
    // The rendered objects (a web service with a ConfigMap and an ExternalSecret
    // beside its workload, a worker with a PodMonitor) are decided without the template.
    let decided = |service: &str| {
        let decided = std::cell::RefCell::new(Vec::new());
        findings_with("", service, unchanged, |objects| {
            let of_api: Vec<&RenderedObject> = objects
                .iter()
                .filter(|o| o.scope.service.as_deref() == Some("api"))
                .collect();
            for o in &of_api {
                let kinds = [
                    "Deployment",
                    "Service",
                    "PodDisruptionBudget",
                    "HorizontalPodAutoscaler",
                    "Ingress",
                    "NetworkPolicy",
                    "ServiceMonitor",
                    "PodMonitor",
                ];
                if kinds.contains(&o.kind.as_str()) {
                    let native = super::references::resolve(o, &of_api);
                    decided.borrow_mut().push(format!("{} {native}", o.kind));
                }
            }
        });
        let mut decided = decided.into_inner();
        decided.sort();
        decided
    };
    assert_eq!(
        decided(AUTOSCALED_WEB),
        [
            "Deployment true",
            "HorizontalPodAutoscaler true",
            "Ingress true",
            "NetworkPolicy true",
            "PodDisruptionBudget true",
            "Service true",
            "ServiceMonitor true"
        ]
    );
    assert_eq!(
        decided(WORKER),
        ["Deployment true", "NetworkPolicy true", "PodMonitor true"]
    );
}

/// Replaces the typed object of `kind` among `objects` by a copy `edit` changed,
/// typed (so native checks read it) or not (the template alone).
fn edit_typed<B>(
    objects: &mut [crate::render::RenderedObject],
    kind: &str,
    typed: bool,
    edit: impl Fn(&mut B),
) where
    B: serde::Serialize + Clone + Send + Sync + 'static,
{
    use crate::render::kubernetes::objects::{Object, Spec};
    let o = objects.iter_mut().find(|o| o.kind == kind).unwrap();
    let any = o.typed.as_ref().expect("typed").as_any();
    let mut copy: Object<Spec<B>> = any.downcast_ref::<Object<Spec<B>>>().unwrap().clone();
    edit(&mut copy.body.spec);
    let copy = std::sync::Arc::new(copy);
    o.object = copy.clone();
    o.typed = typed.then_some(copy as _);
}

/// Gives the typed PodDisruptionBudget among `objects` a selector no pod matches.
fn pdb_selects_nothing(objects: &mut [crate::render::RenderedObject], typed: bool) {
    use crate::render::kubernetes::objects::PdbSpec;
    edit_typed::<PdbSpec>(objects, "PodDisruptionBudget", typed, |s| {
        s.selector.match_labels.insert("extra".into(), "x".into());
    })
}

/// Gives the typed NetworkPolicy among `objects` a pod selector no pod matches.
fn network_policy_selects_nothing(objects: &mut [crate::render::RenderedObject], typed: bool) {
    use crate::render::kubernetes::objects::NetworkPolicySpec;
    edit_typed::<NetworkPolicySpec>(objects, "NetworkPolicy", typed, |s| {
        s.pod_selector
            .match_labels
            .insert("extra".into(), "x".into());
    })
}

/// The availability, probe and network policies decided natively find exactly what
/// their templates find (every policy's findings compared) on objects that pass and
/// objects that fail them, each variant checked typed and untyped.
#[test]
fn native_availability_checks_find_what_their_templates_find() {
    use crate::render::RenderedObject;
    use crate::render::kubernetes::objects::{
        DeploymentSpec, HpaSpec, IngressSpec, PdbSpec, ServiceSpec,
    };
    type Variant = fn(&mut [RenderedObject], bool);
    let autoscaled: Vec<(&str, Variant)> = vec![
        ("as rendered", |_, _| {}),
        ("liveness identical to readiness", |o, t| {
            edit_typed::<DeploymentSpec>(o, "Deployment", t, |s| {
                let c = &mut s.template.spec.containers[0];
                c.liveness_probe = c.readiness_probe.clone();
            })
        }),
        ("no budget selects the pods", pdb_selects_nothing),
        ("no budget, an autoscaler minimum of 1", |o, t| {
            edit_typed::<HpaSpec>(o, "HorizontalPodAutoscaler", t, |s| s.min_replicas = 1);
            pdb_selects_nothing(o, t)
        }),
        ("no budget, the autoscaler scales another", |o, t| {
            edit_typed::<HpaSpec>(o, "HorizontalPodAutoscaler", t, |s| {
                s.scale_target_ref.name = "other".into()
            });
            pdb_selects_nothing(o, t)
        }),
        ("a budget that allows no disruption", |o, t| {
            edit_typed::<PdbSpec>(o, "PodDisruptionBudget", t, |s| s.max_unavailable = 0)
        }),
        ("no topology spread", |o, t| {
            edit_typed::<DeploymentSpec>(o, "Deployment", t, |s| {
                s.template.spec.topology_spread_constraints.clear()
            })
        }),
        ("spread over zones only", |o, t| {
            edit_typed::<DeploymentSpec>(o, "Deployment", t, |s| {
                let spread = &mut s.template.spec.topology_spread_constraints;
                spread.retain(|c| c.topology_key == "topology.kubernetes.io/zone")
            })
        }),
        (
            "no NetworkPolicy selects the pods",
            network_policy_selects_nothing,
        ),
        ("a NodePort Service", |o, t| {
            edit_typed::<ServiceSpec>(o, "Service", t, |s| s.kind = "NodePort")
        }),
        ("a LoadBalancer Service", |o, t| {
            edit_typed::<ServiceSpec>(o, "Service", t, |s| s.kind = "LoadBalancer")
        }),
        ("an Ingress rule with an empty host", |o, t| {
            edit_typed::<IngressSpec>(o, "Ingress", t, |s| s.rules[0].host = String::new())
        }),
    ];
    // Two replicas without an autoscaler; and one.
    let replicas: Vec<(&str, Variant)> = vec![
        (
            "two replicas, no budget selects the pods",
            pdb_selects_nothing,
        ),
        ("one replica, neither spread nor a budget", |o, t| {
            edit_typed::<DeploymentSpec>(o, "Deployment", t, |s| {
                s.replicas = Some(1);
                s.template.spec.topology_spread_constraints.clear();
            });
            pdb_selects_nothing(o, t)
        }),
        ("replicas unset, neither spread nor a budget", |o, t| {
            edit_typed::<DeploymentSpec>(o, "Deployment", t, |s| {
                s.replicas = None;
                s.template.spec.topology_spread_constraints.clear();
            });
            pdb_selects_nothing(o, t)
        }),
    ];
    // A worker without probes: readiness is not asked of it, liveness is.
    const WORKER: &str = "name: api
owner: team-a
tier: 2
workload: worker
image: ghcr.io/t/api:1.0.0
replicas: 2
environments:
  prod:
    image: ghcr.io/t/api@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
";
    let worker: Vec<(&str, Variant)> = vec![("a worker without probes", |_, _| {})];
    let cases = (autoscaled.into_iter().map(|v| (AUTOSCALED_WEB, v)))
        .chain(replicas.into_iter().map(|v| (SERVICE, v)))
        .chain(worker.into_iter().map(|v| (WORKER, v)));
    let mut failing = Vec::new();
    for (service, (name, variant)) in cases {
        let found = |typed: bool| {
            let mut found = findings_with("", service, unchanged, move |o| variant(o, typed));
            found.sort();
            found
        };
        let (native, template) = (found(true), found(false));
        assert_eq!(native, template, "{name}");
        let mut ids: Vec<String> = template.into_iter().map(|(id, _)| id).collect();
        ids.retain(|id| id != "ref.integrity");
        ids.dedup();
        failing.push(format!("{name}: {}", ids.join(" ")));
    }
    assert_eq!(
        failing,
        [
            "as rendered: ",
            "liveness identical to readiness: probe.sane",
            "no budget selects the pods: avail.pdb-required",
            "no budget, an autoscaler minimum of 1: ",
            "no budget, the autoscaler scales another: ",
            "a budget that allows no disruption: avail.pdb-allows-disruption",
            "no topology spread: avail.spread",
            "spread over zones only: avail.spread",
            "no NetworkPolicy selects the pods: net.networkpolicy",
            "a NodePort Service: net.exposure",
            "a LoadBalancer Service: net.exposure",
            "an Ingress rule with an empty host: ",
            "two replicas, no budget selects the pods: avail.pdb-required",
            "one replica, neither spread nor a budget: ",
            "replicas unset, neither spread nor a budget: ",
            "a worker without probes: probe.liveness",
        ]
    );
}

/// pave's own objects need no template: for a web service, a worker and a cron job
/// in a protected environment, every kubernetes-scope policy of the baseline that is
/// on and selects an object has a native check, and it answers "no finding" (so no
/// object is converted to a template value).
#[test]
fn every_baseline_policy_decides_pave_objects_natively() {
    // The module's worker and cron job; the worker with a PodMonitor too.
    let worker = format!("{WORKER}metrics: {{ port: 9090 }}\n");
    for service in [SERVICE, &worker, CRON] {
        let (inputs, sources, model, objects) = rendered_prod("", service);
        let (set, diags) = super::pack::collect(&inputs, &["prod".to_string()], &[]);
        assert!(diags.is_empty(), "{diags:?}");
        let api = model.services.iter().find(|s| s.env == "prod").unwrap();
        let all: Vec<&crate::render::RenderedObject> = objects.iter().collect();
        let mut decided = Vec::new();
        for o in &all {
            let objects: Vec<_> = (all.iter().copied())
                .filter(|s| s.scope.service == o.scope.service)
                .collect();
            let seen = super::native::Seen {
                object: o,
                objects: &objects,
                service: o.scope.service.as_ref().map(|_| api),
            };
            for p in &set.policies {
                if !super::selects(p, &o.kind) || set.level(p, "prod") == super::Level::Off {
                    continue;
                }
                let native = super::native::check_for(p).map(|check| check(&seen));
                decided.push((o.kind.clone(), p.id.clone(), native));
            }
        }
        let kinds: std::collections::BTreeSet<&str> =
            decided.iter().map(|(k, _, _)| k.as_str()).collect();
        let undecided: Vec<_> = decided.iter().filter(|d| d.2 != Some(true)).collect();
        assert!(undecided.is_empty(), "{kinds:?}: {undecided:?}");
        assert!(kinds.contains("Deployment") || kinds.contains("CronJob"));
        drop(sources);
    }
}

/// Every diagnostic of the policies in `prod` for a platform and a service (its
/// rendered objects changed by `edit`), with the baseline as written (native checks
/// apply) or with each assertion rewritten to an equivalent text that no native check
/// stands for (`(A) and true`: the template alone).
fn baseline_diagnostics(
    platform: &str,
    service: &str,
    templates_only: bool,
    edit: impl Fn(&mut [crate::render::RenderedObject]),
) -> Vec<crate::diag::Diagnostic> {
    let mut pack = include_str!("baseline.yaml").to_string();
    if templates_only {
        let lines = pack
            .lines()
            .map(|line| match line.strip_prefix("    assert: ") {
                Some(assert) => format!("    assert: ({assert}) and true"),
                None => line.to_string(),
            });
        pack = lines.collect::<Vec<_>>().join("\n");
    }
    let (inputs, sources, model, mut objects) = rendered_with(platform, service, &pack);
    edit(&mut objects);
    if templates_only {
        let (set, _) = super::pack::collect(&inputs, &["prod".to_string()], &[]);
        let native = |p: &&super::pack::PolicyDef| {
            super::native::check_for(p).is_some() || super::native_service::check_for(p).is_some()
        };
        assert_eq!(set.policies.iter().filter(native).count(), 0);
    }
    let options = Options {
        today: Date::parse("2026-11-22").unwrap(),
        expiring_within: None,
    };
    check(&inputs, &model, &objects, &sources, options)
}

/// [`baseline_diagnostics`] of pave's own objects, as (policy id, message) of each
/// finding; no policy may fail to evaluate.
fn baseline_findings(platform: &str, service: &str, templates_only: bool) -> Vec<(String, String)> {
    let diags = baseline_diagnostics(platform, service, templates_only, |_| {});
    assert!(!diags.iter().any(|d| d.code == Code::E0302), "{diags:?}");
    let mut found: Vec<(String, String)> = (diags.iter())
        .filter_map(|d| Some((d.rule.as_ref()?.id.clone(), d.message.clone())))
        .collect();
    found.sort();
    found
}

/// The service-scope policies decided natively find exactly what their templates
/// find, on services that pass and services that fail each of them.
#[test]
fn native_service_checks_find_what_their_templates_find() {
    let without_registries = PLATFORM.replace("registries: [ghcr.io/t]\n", "");
    let unprotected = PLATFORM.replace("prod: { protected: true }", "prod: {}");
    let no_digest = SERVICE.replace(
        "    image: ghcr.io/t/api@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
        "    replicas: 2\n",
    );
    let cases: Vec<(&str, &str, String)> = vec![
        ("as written", PLATFORM, SERVICE.to_string()),
        (
            "latest",
            PLATFORM,
            SERVICE.replace("api:1.0.0", "api:latest"),
        ),
        ("no tag", PLATFORM, SERVICE.replace("api:1.0.0", "api")),
        ("no digest in prod", PLATFORM, no_digest.clone()),
        ("no digest, unprotected", &unprotected, no_digest.clone()),
        (
            "another registry",
            PLATFORM,
            SERVICE.replace("ghcr.io/t/", "ghcr.io/t-evil/"),
        ),
        (
            "any registry allowed",
            &without_registries,
            SERVICE.replace("ghcr.io/t/", "ghcr.io/t-evil/"),
        ),
        (
            "a secret in env",
            PLATFORM,
            format!("{SERVICE}env:\n  DB_PASSWORD: hunter2\n"),
        ),
        (
            "a secret in args",
            PLATFORM,
            format!("{SERVICE}args: [--token=hunter2hunter2]\n"),
        ),
        (
            "a secret after a flag",
            PLATFORM,
            format!("{SERVICE}command: [api, --password, hunter2]\n"),
        ),
        (
            "harmless env",
            PLATFORM,
            format!("{SERVICE}env:\n  MODE: fast\n"),
        ),
        (
            "one replica",
            PLATFORM,
            SERVICE.replace("replicas: 2\n", "replicas: 1\n"),
        ),
        (
            "tier 1 without an SLO",
            PLATFORM,
            SERVICE.replace("tier: 2", "tier: 1"),
        ),
        (
            "tier 1 with an SLO",
            PLATFORM,
            SERVICE.replace("tier: 2", "tier: 1").replace(
                "replicas: 2\n",
                "replicas: 2\nslo: { availability: 99.9 }\n",
            ),
        ),
        (
            "an unpinned sidecar",
            PLATFORM,
            format!("{SERVICE}sidecars:\n  proxy: {{ image: ghcr.io/t/proxy:latest }}\n"),
        ),
        (
            "a pinned sidecar",
            PLATFORM,
            format!("{SERVICE}sidecars:\n  proxy: {{ image: ghcr.io/t/proxy:1.2 }}\n"),
        ),
        (
            "an init image from elsewhere",
            PLATFORM,
            format!("{SERVICE}init:\n  migrate: {{ image: docker.io/t/migrate:1.0.0 }}\n"),
        ),
        (
            "a cron job of one pod",
            PLATFORM,
            SERVICE
                .replace("replicas: 2\n", "workload: cron\nschedule: \"0 1 * * *\"\n")
                .replace("route: { host: api.example.com }\n", ""),
        ),
    ];
    let mut failing = Vec::new();
    for (name, platform, service) in &cases {
        let native = baseline_findings(platform, service, false);
        let template = baseline_findings(platform, service, true);
        assert_eq!(native, template, "{name}");
        let mut ids: Vec<&str> = template.iter().map(|(id, _)| id.as_str()).collect();
        ids.dedup();
        failing.push(format!("{name}: {}", ids.join(" ")));
    }
    assert_eq!(
        failing,
        [
            "as written: ",
            "latest: image.tag-pinned",
            "no tag: image.tag-pinned",
            "no digest in prod: image.digest-in-prod",
            "no digest, unprotected: ",
            "another registry: image.registry-allowlist",
            "any registry allowed: ",
            "a secret in env: sec.no-plaintext-secrets",
            "a secret in args: sec.no-plaintext-secrets",
            "a secret after a flag: sec.no-plaintext-secrets",
            "harmless env: ",
            "one replica: avail.min-replicas",
            "tier 1 without an SLO: slo.required-for-tier",
            "tier 1 with an SLO: ",
            "an unpinned sidecar: image.containers-pinned",
            "a pinned sidecar: ",
            "an init image from elsewhere: image.containers-registry-allowlist",
            "a cron job of one pod: ",
        ]
    );
}

/// `resources.cpu-limit` (off in the baseline) turned on: natively and by template,
/// pave's Deployment fails it and one given a CPU limit passes.
#[test]
fn native_cpu_limit_check_finds_what_its_template_finds() {
    use crate::render::RenderedObject;
    use crate::render::kubernetes::objects::DeploymentSpec;
    const ON: &str = "policies:\n  rules:\n    resources.cpu-limit: error\n";
    type Variant = fn(&mut [RenderedObject], bool);
    let variants: Vec<(&str, Variant)> = vec![
        ("as rendered", |_, _| {}),
        ("a CPU limit", |o, t| {
            edit_typed::<DeploymentSpec>(o, "Deployment", t, |s| {
                let limits = &mut s.template.spec.containers[0].resources.limits;
                limits.insert("cpu", "1".into());
            })
        }),
    ];
    let mut failing = Vec::new();
    for (name, variant) in variants {
        let found = |typed: bool| {
            let mut found = findings_with(ON, SERVICE, unchanged, move |o| variant(o, typed));
            found.sort();
            found
        };
        let (native, template) = (found(true), found(false));
        assert_eq!(native, template, "{name}");
        failing.push(template.len());
    }
    assert_eq!(failing, [1, 0]);
}

/// An object outside every service (its scope names none) is the templates' to
/// judge where a policy reads `service`: natively and by template alike, the same
/// diagnostics, here the error of `probe.readiness`'s `when` on an undefined service.
#[test]
fn native_checks_leave_objects_of_no_service_to_the_templates() {
    let run = |templates_only: bool| {
        let diags = baseline_diagnostics(PLATFORM, SERVICE, templates_only, |objects| {
            for o in objects.iter_mut().filter(|o| o.kind == "Deployment") {
                o.scope.service = None;
            }
        });
        let mut found: Vec<String> = (diags.iter())
            .map(|d| {
                let id = d.rule.as_ref().map(|r| &r.id);
                format!("{:?} {id:?} {}", d.code, d.message)
            })
            .collect();
        found.sort();
        found
    };
    let native = run(false);
    assert_eq!(native, run(true));
    assert!(native.iter().any(|d| d.starts_with("E0302")), "{native:?}");
}

/// Objects are grouped by (environment, service) as a map keyed by both would group
/// them: every group once, in key order, each in the objects' order, whether a
/// service's objects come in one run or in several (an environment's shared objects
/// before and after the services').
#[test]
fn objects_are_grouped_by_environment_and_service() {
    use crate::output::Scope;
    use crate::render::RenderedObject;
    use std::collections::BTreeMap;
    use std::sync::Arc;
    let object = |env: Option<&str>, service: Option<&str>, name: String| RenderedObject {
        path: String::new(),
        scope: Scope {
            env: env.map(str::to_string),
            service: service.map(str::to_string),
        },
        kind: "ConfigMap".into(),
        name,
        namespace: None,
        object: Arc::new(json!({})),
        typed: None,
    };
    let keys = [
        (Some("prod"), None),
        (Some("prod"), Some("b")),
        (Some("prod"), Some("b")),
        (Some("prod"), Some("a")),
        (Some("dev"), Some("b")),
        (Some("prod"), Some("b")),
        (None, None),
        (Some("prod"), None),
        (Some(""), Some("a")),
        (None, Some("a")),
        (Some("prod"), Some("a")),
    ];
    let objects: Vec<RenderedObject> = (keys.iter().enumerate())
        .map(|(i, (env, service))| object(*env, *service, format!("o{i}")))
        .collect();
    type Key = (String, Option<String>);
    let mut expected: BTreeMap<Key, Vec<String>> = BTreeMap::new();
    for o in &objects {
        let key = (
            o.scope.env.clone().unwrap_or_default(),
            o.scope.service.clone(),
        );
        expected.entry(key).or_default().push(o.name.clone());
    }
    let grouped: Vec<(Key, Vec<String>)> = super::group_by_service(&objects)
        .into_iter()
        .map(|((env, service), objs)| {
            let names = objs.iter().map(|o| o.name.clone()).collect();
            ((env.to_string(), service.map(str::to_string)), names)
        })
        .collect();
    assert_eq!(grouped, expected.into_iter().collect::<Vec<_>>());
}
