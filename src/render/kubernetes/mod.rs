//! The Kubernetes target: `<output>/kubernetes/<env>/<service>/*.yaml`, a Namespace
//! file per namespace and a `kustomization.yaml` per environment, so that
//! `kubectl apply -k <output>/kubernetes/<env>` deploys the environment.

mod objects;
mod traffic;
mod workload;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use rayon::prelude::*;

use serde::Serialize;

use super::RenderedObject;
use crate::output::{Artifact, Scope};
use crate::resolve::{Model, Platform, ResolvedService};
use crate::yaml_writer::to_yaml;
use objects::{Empty, Kustomization, Labels, Metadata, Object};

/// One generated manifest: its path below the environment folder, its YAML text and
/// the typed object (for kubernetes-scope policies).
struct File {
    path: String,
    service: Option<String>,
    yaml: String,
    object: Option<(&'static str, Arc<dyn erased_serde::Serialize + Send + Sync>)>,
}

impl File {
    fn object<B: Serialize + Send + Sync + 'static>(
        path: String,
        service: Option<String>,
        object: Object<B>,
    ) -> File {
        let yaml = to_yaml(&object);
        let kind = object.kind;
        File {
            path,
            service,
            yaml,
            object: Some((kind, Arc::new(object))),
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
            if let Some((kind, object)) = file.object {
                let kind = kind.to_string();
                objects.push(RenderedObject {
                    path: path.clone(),
                    scope: scope.clone(),
                    kind,
                    object,
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
        files.push(File::object(format!("namespace-{ns}.yaml"), None, object));
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
    let mut files = vec![file(
        s,
        "serviceaccount",
        workload::service_account(platform, s),
    )];
    let mut config_checksum = None;
    if let Some(config) = workload::config_map(platform, s) {
        let rendered = file(s, "configmap", config);
        config_checksum = Some(crate::digest::sha256_hex(rendered.yaml.as_bytes()));
        files.push(rendered);
    }
    files.push(file(
        s,
        "deployment",
        workload::deployment(platform, s, config_checksum),
    ));
    files.push(file(s, "service", traffic::service(platform, s)));
    files.extend(workload::autoscaler(platform, s).map(|o| file(s, "hpa", o)));
    files.extend(workload::disruption_budget(platform, s).map(|o| file(s, "pdb", o)));
    files.extend(traffic::ingress(platform, s).map(|o| file(s, "ingress", o)));
    files.push(file(
        s,
        "networkpolicy",
        traffic::network_policy(platform, s, consumers),
    ));
    files.extend(traffic::external_secret(platform, s).map(|o| file(s, "externalsecret", o)));
    for (need, es) in traffic::need_external_secrets(platform, s) {
        files.push(file(
            s,
            &format!("externalsecret-{}", need.replace('_', "-")),
            es,
        ));
    }
    files.extend(traffic::service_monitor(platform, s).map(|o| file(s, "servicemonitor", o)));
    files.extend(traffic::prometheus_rule(platform, s).map(|o| file(s, "prometheusrule", o)));
    files.extend(traffic::dashboard(platform, s).map(|o| file(s, "dashboard", o)));
    files
}

/// A service's object in `<service>/<stem>.yaml`.
fn file<B: Serialize + Send + Sync + 'static>(
    s: &ResolvedService,
    stem: &str,
    object: Object<B>,
) -> File {
    File::object(
        format!("{}/{stem}.yaml", s.name),
        Some(s.name.clone()),
        object,
    )
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
