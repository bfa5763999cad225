//! The Kubernetes target: `<output>/kubernetes/<env>/<service>/*.yaml`, a Namespace
//! file per namespace and a `kustomization.yaml` per environment, so that
//! `kubectl apply -k <output>/kubernetes/<env>` deploys the environment.

mod objects;
mod traffic;
mod workload;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;

use serde::Serialize;

use crate::output::{Artifact, Scope};
use crate::resolve::{Model, Platform, ResolvedService};
use crate::yaml_writer::to_yaml;
use objects::{Empty, Kustomization, Labels, Metadata, Object};

/// Renders every environment of the model.
pub fn render(model: &Model) -> Vec<Artifact> {
    let mut out = Vec::new();
    for env in &model.platform.environments {
        let services: Vec<&ResolvedService> = model
            .services
            .iter()
            .filter(|s| s.env == env.name)
            .collect();
        out.extend(render_env(&model.platform, &env.name, &services));
    }
    out
}

fn render_env(platform: &Platform, env: &str, services: &[&ResolvedService]) -> Vec<Artifact> {
    let base = format!("{}/kubernetes/{env}", platform.output);
    let mut files: Vec<(String, Option<String>, String)> = Vec::new();
    let namespaces: BTreeSet<&str> = services.iter().map(|s| s.namespace.as_str()).collect();
    for ns in &namespaces {
        let labels = Labels::from([
            (
                "app.kubernetes.io/managed-by".to_string(),
                "pave".to_string(),
            ),
            (
                "app.kubernetes.io/part-of".to_string(),
                platform.name.clone(),
            ),
            ("pave/environment".to_string(), env.to_string()),
        ]);
        let object = Object {
            api_version: "v1",
            kind: "Namespace",
            metadata: Metadata {
                name: ns.to_string(),
                labels,
                ..Metadata::default()
            },
            body: Empty {},
        };
        files.push((format!("namespace-{ns}.yaml"), None, to_yaml(&object)));
    }
    // Who declares each service in `needs`: the peers its NetworkPolicy admits.
    let mut consumers: HashMap<&str, Vec<&ResolvedService>> = HashMap::new();
    for s in services {
        for need in &s.service_needs {
            consumers.entry(need.service.as_str()).or_default().push(s);
        }
    }
    // Services render independently; rayon keeps the input order in `collect`.
    let rendered: Vec<Vec<(String, Option<String>, String)>> = services
        .par_iter()
        .map(|service| {
            let of_this = consumers
                .get(service.name.as_str())
                .map_or(&[][..], Vec::as_slice);
            render_service(platform, service, of_this)
                .into_iter()
                .map(|(kind, text)| {
                    (
                        format!("{}/{kind}.yaml", service.name),
                        Some(service.name.clone()),
                        text,
                    )
                })
                .collect()
        })
        .collect();
    files.extend(rendered.into_iter().flatten());
    let kustomization = Kustomization {
        api_version: "kustomize.config.k8s.io/v1beta1",
        kind: "Kustomization",
        resources: files.iter().map(|(path, _, _)| path.clone()).collect(),
    };
    let mut artifacts: Vec<Artifact> = files
        .into_iter()
        .map(|(path, service, text)| Artifact {
            path: format!("{base}/{path}"),
            bytes: text.into_bytes(),
            scope: Scope {
                env: Some(env.to_string()),
                service,
            },
        })
        .collect();
    artifacts.push(Artifact {
        path: format!("{base}/kustomization.yaml"),
        bytes: to_yaml(&kustomization).into_bytes(),
        scope: Scope {
            env: Some(env.to_string()),
            service: None,
        },
    });
    artifacts
}

/// The objects of one service as (file stem, YAML), in the order a reader expects.
fn render_service(
    platform: &Platform,
    s: &ResolvedService,
    consumers: &[&ResolvedService],
) -> Vec<(&'static str, String)> {
    let mut files = vec![(
        "serviceaccount",
        to_yaml(&workload::service_account(platform, s)),
    )];
    let config = workload::config_map(platform, s).map(|c| to_yaml(&c));
    let config_checksum = config.as_deref().map(sha256_hex);
    if let Some(config) = config {
        files.push(("configmap", config));
    }
    files.push((
        "deployment",
        to_yaml(&workload::deployment(platform, s, config_checksum)),
    ));
    files.push(("service", to_yaml(&traffic::service(platform, s))));
    if let Some(hpa) = workload::autoscaler(platform, s) {
        files.push(("hpa", to_yaml(&hpa)));
    }
    if let Some(pdb) = workload::disruption_budget(platform, s) {
        files.push(("pdb", to_yaml(&pdb)));
    }
    if let Some(ingress) = traffic::ingress(platform, s) {
        files.push(("ingress", to_yaml(&ingress)));
    }
    files.push((
        "networkpolicy",
        to_yaml(&traffic::network_policy(platform, s, consumers)),
    ));
    if let Some(es) = traffic::external_secret(platform, s) {
        files.push(("externalsecret", to_yaml(&es)));
    }
    if let Some(sm) = traffic::service_monitor(platform, s) {
        files.push(("servicemonitor", to_yaml(&sm)));
    }
    files
}

/// Labels every object of a service carries: the recommended `app.kubernetes.io/*`
/// labels plus owner and environment.
fn labels(platform: &Platform, s: &ResolvedService) -> Labels {
    let mut labels = selector(s);
    labels.insert("app.kubernetes.io/part-of".into(), platform.name.clone());
    labels.insert("app.kubernetes.io/managed-by".into(), "pave".into());
    labels.insert("pave/owner".into(), s.owner.clone());
    labels.insert("pave/environment".into(), s.env.clone());
    labels
}

/// The stable labels that select a service's pods; never anything that changes on deploy.
fn selector(s: &ResolvedService) -> Labels {
    BTreeMap::from([
        ("app.kubernetes.io/name".to_string(), s.name.clone()),
        ("app.kubernetes.io/instance".to_string(), s.name.clone()),
    ])
}

fn metadata(platform: &Platform, s: &ResolvedService, name: String) -> Metadata {
    Metadata {
        name,
        namespace: Some(s.namespace.clone()),
        labels: labels(platform, s),
        annotations: BTreeMap::new(),
    }
}

fn object<B: Serialize>(
    api_version: &'static str,
    kind: &'static str,
    metadata: Metadata,
    body: B,
) -> Object<B> {
    Object {
        api_version,
        kind,
        metadata,
        body,
    }
}

fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
