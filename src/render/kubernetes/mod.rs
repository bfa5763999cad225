//! The Kubernetes target: `<output>/kubernetes/<env>/<service>/*.yaml`, a Namespace
//! file per namespace and a `kustomization.yaml` per environment, so that
//! `kubectl apply -k <output>/kubernetes/<env>` deploys the environment.

mod objects;
mod traffic;
mod workload;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;

use serde::Serialize;

use super::RenderedObject;
use crate::output::{Artifact, Scope};
use crate::resolve::{Model, Platform, ResolvedService};
use crate::yaml_writer::to_yaml;
use objects::{Empty, Kustomization, Labels, Metadata, Object};

/// One generated manifest: its path below the environment folder, its YAML text and
/// the object as a value (for kubernetes-scope policies).
struct File {
    path: String,
    service: Option<String>,
    yaml: String,
    object: Option<serde_json::Value>,
}

impl File {
    fn object<T: Serialize>(path: String, service: Option<String>, object: &T) -> File {
        let value = serde_json::to_value(object).expect("output models serialize to JSON");
        File {
            path,
            service,
            yaml: to_yaml(object),
            object: Some(value),
        }
    }
}

/// Renders every environment of the model.
pub fn render(model: &Model) -> (Vec<Artifact>, Vec<RenderedObject>) {
    let mut artifacts = Vec::new();
    let mut objects = Vec::new();
    for env in &model.platform.environments {
        let services: Vec<&ResolvedService> = model
            .services
            .iter()
            .filter(|s| s.env == env.name)
            .collect();
        for file in render_env(&model.platform, &env.name, &services) {
            let path = format!(
                "{}/kubernetes/{}/{}",
                model.platform.output, env.name, file.path
            );
            let scope = Scope {
                env: Some(env.name.clone()),
                service: file.service,
            };
            if let Some(value) = file.object {
                objects.push(RenderedObject {
                    path: path.clone(),
                    scope: scope.clone(),
                    value,
                });
            }
            artifacts.push(Artifact {
                path,
                bytes: file.yaml.into_bytes(),
                scope,
            });
        }
    }
    (artifacts, objects)
}

fn render_env(platform: &Platform, env: &str, services: &[&ResolvedService]) -> Vec<File> {
    let mut files = Vec::new();
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
        let metadata = Metadata {
            name: ns.to_string(),
            labels,
            ..Metadata::default()
        };
        let object = Object {
            api_version: "v1",
            kind: "Namespace",
            metadata,
            body: Empty {},
        };
        files.push(File::object(format!("namespace-{ns}.yaml"), None, &object));
    }
    // Who declares each service in `needs`: the peers its NetworkPolicy admits.
    let mut consumers: HashMap<&str, Vec<&ResolvedService>> = HashMap::new();
    for s in services {
        for need in &s.service_needs {
            consumers.entry(need.service.as_str()).or_default().push(s);
        }
    }
    // Services render independently; rayon keeps the input order in `collect`.
    let rendered: Vec<Vec<File>> = services
        .par_iter()
        .map(|service| {
            let of_this = consumers
                .get(service.name.as_str())
                .map_or(&[][..], Vec::as_slice);
            render_service(platform, service, of_this)
        })
        .collect();
    files.extend(rendered.into_iter().flatten());
    let kustomization = Kustomization {
        api_version: "kustomize.config.k8s.io/v1beta1",
        kind: "Kustomization",
        resources: files.iter().map(|f| f.path.clone()).collect(),
    };
    files.push(File {
        path: "kustomization.yaml".into(),
        service: None,
        yaml: to_yaml(&kustomization),
        object: None,
    });
    files
}

/// The objects of one service, in the order a reader expects.
fn render_service(
    platform: &Platform,
    s: &ResolvedService,
    consumers: &[&ResolvedService],
) -> Vec<File> {
    let file = |stem: &str| (format!("{}/{stem}.yaml", s.name), Some(s.name.clone()));
    let mut files = Vec::new();
    let (path, service) = file("serviceaccount");
    files.push(File::object(
        path,
        service,
        &workload::service_account(platform, s),
    ));
    let config = workload::config_map(platform, s);
    let mut config_checksum = None;
    if let Some(config) = &config {
        let (path, service) = file("configmap");
        let rendered = File::object(path, service, config);
        config_checksum = Some(sha256_hex(&rendered.yaml));
        files.push(rendered);
    }
    let (path, service) = file("deployment");
    files.push(File::object(
        path,
        service,
        &workload::deployment(platform, s, config_checksum),
    ));
    let (path, service) = file("service");
    files.push(File::object(path, service, &traffic::service(platform, s)));
    if let Some(hpa) = workload::autoscaler(platform, s) {
        let (path, service) = file("hpa");
        files.push(File::object(path, service, &hpa));
    }
    if let Some(pdb) = workload::disruption_budget(platform, s) {
        let (path, service) = file("pdb");
        files.push(File::object(path, service, &pdb));
    }
    if let Some(ingress) = traffic::ingress(platform, s) {
        let (path, service) = file("ingress");
        files.push(File::object(path, service, &ingress));
    }
    let (path, service) = file("networkpolicy");
    files.push(File::object(
        path,
        service,
        &traffic::network_policy(platform, s, consumers),
    ));
    if let Some(es) = traffic::external_secret(platform, s) {
        let (path, service) = file("externalsecret");
        files.push(File::object(path, service, &es));
    }
    if let Some(sm) = traffic::service_monitor(platform, s) {
        let (path, service) = file("servicemonitor");
        files.push(File::object(path, service, &sm));
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
