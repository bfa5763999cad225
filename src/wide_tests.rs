//! Per-service input size costs linear work: one wide service (thousands of
//! environment variables, secrets, module needs, service needs, ports or files, or
//! many services routed on one host) is resolved, rendered and checked by the
//! policies at n and 8n. The repository is loaded beforehand (the loaders have their
//! own linear tests), and `load::assert_grows_linearly` bounds the ratio of the
//! fastest runs, so quadratic work fails the test without a wall-clock budget.

use std::fmt::Write as _;
use std::fs;

use crate::diag::Diagnostic;
use crate::load::{Inputs, assert_grows_linearly};
use crate::source::SourceMap;

/// Every target on (Kubernetes, Helm, Terraform, Prometheus with alert routing, CI,
/// GitOps, catalog), one unprotected environment with a network for the data stores.
const PLATFORM: &str = r#"platform: wide
environments:
  dev:
    cluster: dev-1
    domain: dev.acme.io
    region: eu-west-1
    account: "111111111111"
    network: { vpc_id: vpc-0123456789abcdef0, subnet_ids: [subnet-0123456789abcdef1, subnet-0123456789abcdef2], client_security_group_id: sg-0123456789abcdef3 }
sizes:
  small: { cpu: 100m, memory: 128Mi }
defaults:
  size: small
secrets:
  store: aws-secrets-manager
targets:
  terraform:
    backend: { bucket: acme-tfstate, region: eu-west-1 }
    atlantis: true
  ci:
    provider: github
    registry: ghcr.io/acme
    install: { git: https://github.com/acme/pave, rev: v0.1.0 }
  gitops:
    engine: argocd
    repo: https://github.com/acme/platform.git
  catalog:
    portal: backstage
    owner: group:team-core
monitoring:
  routing: alertmanager-config
contract:
  http_metrics:
    requests: http_requests_total
    duration: http_request_duration_seconds_bucket
    buckets: [0.1, 0.25, 1]
teams:
  team-core:
    receivers:
      page: { webhook: { url: "https://pager.acme.io/hook" } }
      ticket: { webhook: { url: "https://tickets.acme.io/hook" } }
"#;

const WIDE: &str = "name: wide
owner: team-core
image: ghcr.io/acme/wide:1.0.0
route:
  host: wide.${env.domain}
slo: { availability: 99.9 }
";

/// A repository with the wide service (`WIDE` plus `fields`) and `others`, loaded.
fn loaded(fields: &str, others: &[(String, String)]) -> (Inputs, SourceMap) {
    let repo = tempfile::tempdir().unwrap();
    fs::create_dir_all(repo.path().join("services")).unwrap();
    fs::write(repo.path().join("platform.yaml"), PLATFORM).unwrap();
    fs::write(
        repo.path().join("services/wide.yaml"),
        format!("{WIDE}{fields}"),
    )
    .unwrap();
    for (name, text) in others {
        fs::write(repo.path().join(format!("services/{name}.yaml")), text).unwrap();
    }
    let mut sources = SourceMap::default();
    let (inputs, diags) = crate::load::load(repo.path(), &mut sources);
    assert!(diags.is_empty(), "{:?}", diags.first());
    (inputs, sources)
}

/// Resolve, render and the policies: everything `compile` does after loading.
fn stages((inputs, sources): &(Inputs, SourceMap)) {
    let (model, mut diags) = crate::resolve::resolve(inputs, sources);
    let model = model.unwrap_or_else(|| panic!("{:?}", diags.first()));
    let (rendered, render_diags) = crate::render::render(&model, None, None);
    diags.extend(render_diags);
    let options = crate::policy::Options {
        today: crate::policy::Date::from_days(20_000),
        expiring_within: None,
    };
    diags.extend(crate::policy::check(
        inputs,
        &model,
        &rendered.objects,
        sources,
        options,
    ));
    let errors: Vec<&Diagnostic> = diags.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{:?}", errors.first());
}

/// `n` and `8n` of what `fields` writes (a block of the wide service, and the other
/// services it needs) through every stage.
fn grows_linearly(what: &str, n: usize, fields: impl Fn(usize) -> (String, Vec<(String, String)>)) {
    let repo = |n| {
        let (text, others) = fields(n);
        loaded(&text, &others)
    };
    assert_grows_linearly(what, &repo(n), &repo(8 * n), stages);
}

/// A block `key:` with one line per item.
fn block(key: &str, n: usize, line: impl Fn(usize) -> String) -> String {
    let mut out = format!("{key}:\n");
    for i in 0..n {
        let _ = writeln!(out, "  {}", line(i));
    }
    out
}

fn small_service(name: &str, extra: &str) -> (String, String) {
    let text = format!("name: {name}\nowner: team-core\nimage: ghcr.io/acme/{name}:1.0.0\n{extra}");
    (name.to_string(), text)
}

#[test]
fn environment_variables() {
    grows_linearly("environment variables", 1_000, |n| {
        let env = block("env", n, |i| match i % 10 {
            3 => format!("V{i}: ${{env.name}}-{i}"),
            _ => format!("V{i}: value-{i}"),
        });
        (env, Vec::new())
    });
}

#[test]
fn secrets_read_into_variables() {
    grows_linearly("secrets", 500, |n| {
        let secrets = block("secrets", n, |i| {
            format!("S{i}: {{ ref: acme/wide#key-{i} }}")
        });
        (secrets, Vec::new())
    });
}

#[test]
fn module_needs_and_the_variables_reading_them() {
    grows_linearly("module needs", 150, |n| {
        let kind = |i: usize| ["queue", "bucket"][i % 2];
        let needs = block("needs", n, |i| format!("q{i}: {{ type: {} }}", kind(i)));
        let env = block("env", n, |i| format!("Q{i}: ${{needs.q{i}.arn}}"));
        (format!("{needs}{env}"), Vec::new())
    });
}

/// The Terraform of many needs alone: rendering on models resolved beforehand, so
/// resolving (linear) does not hide a quadratic renderer.
#[test]
fn module_needs_render() {
    let model = |n: usize| {
        let needs = block("needs", n, |i| format!("q{i}: {{ type: queue }}"));
        let (inputs, sources) = loaded(&needs, &[]);
        let (model, diags) = crate::resolve::resolve(&inputs, &sources);
        model.unwrap_or_else(|| panic!("{:?}", diags.first()))
    };
    assert_grows_linearly("rendering module needs", &model(150), &model(1_200), |m| {
        let (_, diags) = crate::render::render(m, None, None);
        assert!(diags.is_empty(), "{:?}", diags.first());
    });
}

#[test]
fn service_needs() {
    grows_linearly("service needs", 40, |n| {
        let needs = block("needs", n, |i| format!("p{i}: {{ service: peer-{i} }}"));
        let env = block("env", n, |i| format!("P{i}: ${{needs.p{i}.url}}"));
        let peers = (0..n)
            .map(|i| small_service(&format!("peer-{i}"), ""))
            .collect();
        (format!("{needs}{env}"), peers)
    });
}

#[test]
fn ports() {
    grows_linearly("ports", 250, |n| {
        (
            block("ports", n, |i| format!("p{i}: {}", 20_000 + i)),
            Vec::new(),
        )
    });
}

#[test]
fn mounted_files() {
    grows_linearly("files", 250, |n| {
        let files = block("files", n, |i| {
            format!("/etc/wide/f{i}.conf: \"key = {i}\"")
        });
        (files, Vec::new())
    });
}

/// Mounted files alone: resolving, where each path is checked against the others.
#[test]
fn mounted_files_resolve() {
    let loaded_files = |n: usize| {
        loaded(
            &block("files", n, |i| format!("/etc/wide/f{i}.conf: \"{i}\"")),
            &[],
        )
    };
    assert_grows_linearly(
        "resolving files",
        &loaded_files(500),
        &loaded_files(4_000),
        |r| {
            let (model, diags) = crate::resolve::resolve(&r.0, &r.1);
            assert!(model.is_some() && diags.is_empty(), "{:?}", diags.first());
        },
    );
}

#[test]
fn services_routed_on_one_host() {
    grows_linearly("routes on one host", 40, |n| {
        let routed = (0..n)
            .map(|i| {
                let route = format!("route:\n  host: routes.${{env.domain}}\n  path: /r{i}\n");
                small_service(&format!("route-{i}"), &route)
            })
            .collect();
        (String::new(), routed)
    });
}
