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

use super::{RenderCx, RenderedObject, TargetOutput, messages};
use crate::diag::Diagnostic;
use crate::output::{Artifact, Scope};
use crate::resolve::{Platform, ResolvedService};
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
    ) -> Result<File, Diagnostic> {
        let yaml = to_yaml(&object).map_err(|e| messages::unwritable(&path, &e))?;
        let kind = object.kind;
        Ok(File {
            path,
            service,
            yaml,
            object: Some((kind, Arc::new(object))),
        })
    }
}

/// Renders every environment of the model.
pub(crate) fn render(cx: &RenderCx) -> Result<TargetOutput, Diagnostic> {
    let model = cx.model;
    let mut artifacts = Vec::new();
    let mut objects = Vec::new();
    for env in &model.platform.environments {
        let services: Vec<&ResolvedService> = model
            .services
            .iter()
            .filter(|s| s.env == env.name)
            .collect();
        let dir = cx.layout.kubernetes_dir(&env.name);
        for file in render_env(&model.platform, &env.name, &services)? {
            let path = format!("{dir}/{}", file.path);
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
    Ok(TargetOutput { artifacts, objects })
}

fn render_env(
    platform: &Platform,
    env: &str,
    services: &[&ResolvedService],
) -> Result<Vec<File>, Diagnostic> {
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
        files.push(File::object(format!("namespace-{ns}.yaml"), None, object)?);
    }
    // Who declares each service in `needs`: the peers its NetworkPolicy admits.
    let mut consumers: HashMap<&str, Vec<&ResolvedService>> = HashMap::new();
    for s in services {
        for need in &s.service_needs {
            consumers.entry(need.service.as_str()).or_default().push(s);
        }
    }
    // Services render independently; rayon keeps the input order in `collect`.
    let rendered: Vec<Result<Vec<File>, Diagnostic>> = services
        .par_iter()
        .map(|service| {
            let of_this = consumers
                .get(service.name.as_str())
                .map_or(&[][..], Vec::as_slice);
            render_service(platform, service, of_this)
        })
        .collect();
    for service_files in rendered {
        files.extend(service_files?);
    }
    let kustomization = Kustomization {
        api_version: "kustomize.config.k8s.io/v1beta1",
        kind: "Kustomization",
        resources: files.iter().map(|f| f.path.clone()).collect(),
    };
    let path = "kustomization.yaml".to_string();
    let yaml = to_yaml(&kustomization).map_err(|e| messages::unwritable(&path, &e))?;
    files.push(File {
        path,
        service: None,
        yaml,
        object: None,
    });
    Ok(files)
}

/// The objects of one service, in the order a reader expects.
fn render_service(
    platform: &Platform,
    s: &ResolvedService,
    consumers: &[&ResolvedService],
) -> Result<Vec<File>, Diagnostic> {
    let mut files = vec![file(
        s,
        "serviceaccount",
        workload::service_account(platform, s),
    )?];
    let mut config_checksum = None;
    if let Some(config) = workload::config_map(platform, s) {
        let rendered = file(s, "configmap", config)?;
        config_checksum = Some(sha256_hex(&rendered.yaml));
        files.push(rendered);
    }
    files.push(file(
        s,
        "deployment",
        workload::deployment(platform, s, config_checksum),
    )?);
    files.push(file(s, "service", traffic::service(platform, s))?);
    if let Some(o) = workload::autoscaler(platform, s) {
        files.push(file(s, "hpa", o)?);
    }
    if let Some(o) = workload::disruption_budget(platform, s) {
        files.push(file(s, "pdb", o)?);
    }
    if let Some(o) = traffic::ingress(platform, s) {
        files.push(file(s, "ingress", o)?);
    }
    files.push(file(
        s,
        "networkpolicy",
        traffic::network_policy(platform, s, consumers),
    )?);
    if let Some(o) = traffic::external_secret(platform, s) {
        files.push(file(s, "externalsecret", o)?);
    }
    for (need, es) in traffic::need_external_secrets(platform, s) {
        files.push(file(
            s,
            &format!("externalsecret-{}", need.replace('_', "-")),
            es,
        )?);
    }
    if let Some(o) = traffic::service_monitor(platform, s) {
        files.push(file(s, "servicemonitor", o)?);
    }
    if let Some(o) = traffic::prometheus_rule(platform, s) {
        files.push(file(s, "prometheusrule", o)?);
    }
    if let Some(o) = traffic::dashboard(platform, s) {
        files.push(file(s, "dashboard", o)?);
    }
    Ok(files)
}

/// A service's object in `<service>/<stem>.yaml`.
fn file<B: Serialize + Send + Sync + 'static>(
    s: &ResolvedService,
    stem: &str,
    object: Object<B>,
) -> Result<File, Diagnostic> {
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

fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
