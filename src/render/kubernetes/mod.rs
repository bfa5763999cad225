//! The Kubernetes target: `<output>/kubernetes/<env>/<service>/*.yaml`, a Namespace
//! file per namespace and a `kustomization.yaml` per environment, so that
//! `kubectl apply -k <output>/kubernetes/<env>` deploys the environment.

pub(crate) mod objects;
mod routing;
mod traffic;
mod workload;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use rayon::prelude::*;

use serde::Serialize;

use super::{RenderCx, RenderedObject, TargetOutput, messages};
use crate::diag::Diagnostic;
use crate::output::{Artifact, Scope};
use crate::resolve::{Platform, ResolvedService, Workload};
use crate::yaml_writer::to_yaml;
use objects::{
    ConfigMapBody, CronJobSpec, DeploymentSpec, Empty, ExternalSecretSpec, IngressSpec,
    Kustomization, Labels, Metadata, NetworkPolicySpec, Object, PdbSpec, PodMonitorSpec,
    PrometheusRuleSpec, ServiceAccountBody, ServiceMonitorSpec, ServiceSpec, Spec,
};

/// The typed objects of one service in one environment, as written: the Helm target
/// reads its values off these, and they are the same values policies see.
pub(crate) struct ServiceObjects {
    pub(crate) env: String,
    pub(crate) name: String,
    pub(crate) service_account: Arc<Object<ServiceAccountBody>>,
    /// The environment ConfigMap, when the service has plain environment variables.
    pub(crate) config_map: Option<Arc<Object<ConfigMapBody>>>,
    /// The ConfigMap of the mounted files, when the service has `files`.
    pub(crate) files: Option<Arc<Object<ConfigMapBody>>>,
    /// Exactly one of `deployment` (web, worker) and `cron_job` (cron) is set.
    pub(crate) deployment: Option<Arc<Object<Spec<DeploymentSpec>>>>,
    pub(crate) cron_job: Option<Arc<Object<Spec<CronJobSpec>>>>,
    pub(crate) service: Option<Arc<Object<Spec<ServiceSpec>>>>,
    pub(crate) disruption_budget: Option<Arc<Object<Spec<PdbSpec>>>>,
    pub(crate) ingress: Option<Arc<Object<Spec<IngressSpec>>>>,
    pub(crate) network_policy: Arc<Object<Spec<NetworkPolicySpec>>>,
    /// The service's own secrets first, then one per module need, in file order.
    pub(crate) external_secrets: Vec<Arc<Object<Spec<ExternalSecretSpec>>>>,
    pub(crate) service_monitor: Option<Arc<Object<Spec<ServiceMonitorSpec>>>>,
    pub(crate) pod_monitor: Option<Arc<Object<Spec<PodMonitorSpec>>>>,
    pub(crate) prometheus_rule: Option<Arc<Object<Spec<PrometheusRuleSpec>>>>,
}

/// One generated manifest: its path below the environment folder, its YAML text and
/// the typed object (for kubernetes-scope policies).
struct File {
    path: String,
    service: Option<String>,
    yaml: String,
    object: Option<TypedObject>,
}

/// A manifest's object as policies and the inventory see it: its kind, name and
/// namespace read off the typed value, and the value itself, erased.
struct TypedObject {
    kind: &'static str,
    name: String,
    namespace: Option<String>,
    value: Arc<dyn erased_serde::Serialize + Send + Sync>,
    typed: Arc<dyn objects::Typed>,
}

impl File {
    fn object<B: Serialize + Send + Sync + 'static>(
        path: String,
        service: Option<String>,
        object: &Arc<Object<B>>,
    ) -> Result<File, Diagnostic> {
        let yaml = to_yaml(&**object).map_err(|e| messages::unwritable(&path, &e))?;
        Ok(File {
            path,
            service,
            yaml,
            object: Some(TypedObject {
                kind: object.kind,
                name: object.metadata.name.clone(),
                namespace: object.metadata.namespace.clone(),
                value: object.clone(),
                typed: object.clone(),
            }),
        })
    }
}

/// Renders every environment of the model.
pub(crate) fn render(cx: &RenderCx) -> Result<TargetOutput, Diagnostic> {
    let model = cx.model;
    let mut artifacts = Vec::new();
    let mut objects = Vec::new();
    let mut services_objects = Vec::new();
    for env in model
        .platform
        .environments
        .iter()
        .filter(|e| cx.includes(&e.name))
    {
        let services: Vec<&ResolvedService> = model
            .services
            .iter()
            .filter(|s| s.env == env.name)
            .collect();
        let dir = cx.layout.kubernetes_dir(&env.name);
        // Each service's files go to the comparer as soon as they are rendered, so an
        // environment's bytes are never all held at once.
        let settle = |files: Vec<File>| settle(cx, &dir, &env.name, files);
        let (part, of_services) = render_env(&model.platform, &env.name, &services, &settle)?;
        services_objects.extend(of_services);
        objects.extend(part.objects);
        artifacts.extend(part.artifacts);
    }
    Ok(TargetOutput {
        artifacts,
        objects,
        kubernetes: services_objects,
        inventory: Default::default(),
    })
}

/// Some of an environment's files, settled: their names in the environment's folder
/// (for the kustomization), their typed objects, and the artifacts the comparer did
/// not take (all of them when nothing compares).
#[derive(Default)]
struct Part {
    names: Vec<String>,
    objects: Vec<RenderedObject>,
    artifacts: Vec<Artifact>,
}

impl Part {
    /// Makes room for `parts` at once: an environment's parts are thousands, and
    /// growing the lists part by part copied them over and over, on the one thread
    /// that collects them.
    fn reserve_for<'p>(&mut self, parts: impl Iterator<Item = &'p Part> + Clone) {
        let count = |of: fn(&Part) -> usize| parts.clone().map(of).sum::<usize>();
        self.names.reserve(count(|p| p.names.len()));
        self.objects.reserve(count(|p| p.objects.len()));
        self.artifacts.reserve(count(|p| p.artifacts.len()));
    }

    fn extend(&mut self, other: Part) {
        self.names.extend(other.names);
        self.objects.extend(other.objects);
        self.artifacts.extend(other.artifacts);
    }
}

/// Turns files of environment `env` (folder `dir`) into artifacts and typed objects,
/// and hands the artifacts to the comparer.
fn settle(cx: &RenderCx, dir: &str, env: &str, files: Vec<File>) -> Part {
    let mut part = Part::default();
    let mut artifacts = Vec::with_capacity(files.len());
    for file in files {
        // Joined in one allocation: one path per file of the tree.
        let path = [dir, "/", &file.path].concat();
        let scope = Scope {
            env: Some(env.to_string()),
            service: file.service,
        };
        if let Some(typed) = file.object {
            part.objects.push(RenderedObject {
                path: path.clone(),
                scope: scope.clone(),
                kind: typed.kind.to_string(),
                name: typed.name,
                namespace: typed.namespace,
                object: typed.value,
                typed: Some(typed.typed),
            });
        }
        part.names.push(file.path);
        artifacts.push(Artifact {
            path,
            bytes: file.yaml.into_bytes(),
            scope,
        });
    }
    part.artifacts = cx.keep(artifacts);
    part
}

/// What `render_env` does with the files it renders (see [`settle`]).
type Settle<'a> = dyn Fn(Vec<File>) -> Part + Sync + 'a;

/// The Namespace `ns` of environment `env`, labelled as the environment's objects are.
fn namespace_file(platform: &Platform, env: &str, ns: &str) -> Result<File, Diagnostic> {
    let metadata = Metadata {
        name: ns.to_string(),
        labels: environment_labels(platform, env),
        ..Metadata::default()
    };
    let object = Object {
        api_version: "v1",
        kind: "Namespace",
        metadata,
        body: Empty {},
    };
    File::object(format!("namespace-{ns}.yaml"), None, &Arc::new(object))
}

fn render_env(
    platform: &Platform,
    env: &str,
    services: &[&ResolvedService],
    settle: &Settle<'_>,
) -> Result<(Part, Vec<ServiceObjects>), Diagnostic> {
    let namespaces: BTreeSet<&str> = services.iter().map(|s| s.namespace.as_str()).collect();
    // One per service at most: written on every core, in order.
    let namespaces: Vec<&str> = namespaces.into_iter().collect();
    let files: Vec<File> = namespaces
        .par_iter()
        .map(|ns| namespace_file(platform, env, ns))
        .collect::<Result<_, _>>()?;
    let mut part = settle(files);
    // Who declares each service in `needs`: the peers its NetworkPolicy admits.
    let mut consumers: HashMap<&str, Vec<&ResolvedService>> = HashMap::new();
    for s in services {
        for need in &s.service_needs {
            consumers.entry(need.service.as_str()).or_default().push(s);
        }
    }
    // Services render independently; rayon keeps the input order in `collect`. The
    // environment's own files (alert routes, dashboard, SLO and contract rules: each
    // one file over every service) render beside them rather than after.
    let (rendered, shared): (Vec<Result<(Part, ServiceObjects), Diagnostic>>, _) = rayon::join(
        || {
            services
                .par_iter()
                .map(|service| {
                    let of_this = consumers
                        .get(service.name.as_str())
                        .map_or(&[][..], Vec::as_slice);
                    let (files, objects) = render_service(platform, service, of_this)?;
                    Ok((settle(files), objects))
                })
                .collect()
        },
        || environment_files(platform, env, services).map(settle),
    );
    let mut of_services = Vec::with_capacity(rendered.len());
    part.reserve_for(
        rendered
            .iter()
            .filter_map(|r| r.as_ref().ok().map(|(p, _)| p)),
    );
    for service in rendered {
        let (service_part, objects) = service?;
        part.extend(service_part);
        of_services.push(objects);
    }
    part.extend(shared?);
    let kustomization = Kustomization {
        api_version: "kustomize.config.k8s.io/v1beta1",
        kind: "Kustomization",
        resources: part.names.iter().map(String::as_str).collect(),
    };
    let path = "kustomization.yaml".to_string();
    let yaml = to_yaml(&kustomization).map_err(|e| messages::unwritable(&path, &e))?;
    part.extend(settle(vec![File {
        path,
        service: None,
        yaml,
        object: None,
    }]));
    Ok((part, of_services))
}

/// The files of an environment that each cover all of its services.
fn environment_files(
    platform: &Platform,
    env: &str,
    services: &[&ResolvedService],
) -> Result<Vec<File>, Diagnostic> {
    let mut files = alerting_routes(platform, env, services)?;
    files.extend(environment_dashboard(platform, env, services)?);
    for (name, rule) in traffic::platform_rules(platform, env, services) {
        files.push(File::object(name, None, &Arc::new(rule))?);
    }
    Ok(files)
}

/// The environment's AlertmanagerConfig objects, when the platform routes alerts with
/// them; only with the Prometheus target on, like the PrometheusRules they route.
fn alerting_routes(
    platform: &Platform,
    env: &str,
    services: &[&ResolvedService],
) -> Result<Vec<File>, Diagnostic> {
    let on = platform.observability.enabled
        && platform.monitoring.routing == crate::resolve::Routing::AlertmanagerConfig;
    if !on {
        return Ok(Vec::new());
    }
    routing::alertmanager_configs(platform, env, services)
        .into_iter()
        .map(|(stem, object)| File::object(format!("{stem}.yaml"), None, &Arc::new(object)))
        .collect()
}

/// The environment's templated Grafana dashboard, unless the platform asks for one
/// per service: a ConfigMap in the monitoring namespace, where Grafana's sidecar
/// looks by default, named after the platform and environment so that several
/// environments (and platforms) can share one Grafana.
fn environment_dashboard(
    platform: &Platform,
    env: &str,
    services: &[&ResolvedService],
) -> Result<Option<File>, Diagnostic> {
    let o = &platform.observability;
    if !o.enabled || o.dashboards_per_service || services.is_empty() {
        return Ok(None);
    }
    let path = "dashboard.yaml".to_string();
    let board = crate::observe::dashboard::environment(platform, env, services);
    let json =
        crate::observe::dashboard::to_json(&board).map_err(|e| messages::unwritable(&path, &e))?;
    let name = format!("{}-{env}", platform.name);
    let mut labels = environment_labels(platform, env);
    // Shared by every service, the dashboard belongs to the platform itself.
    labels.extend([
        (
            "app.kubernetes.io/name".to_string(),
            "pave-dashboard".to_string(),
        ),
        ("pave/owner".to_string(), platform.name.clone()),
    ]);
    labels.extend(o.dashboard_labels.clone());
    let metadata = Metadata {
        name: format!("{name}-dashboard"),
        namespace: Some(platform.monitoring.namespace.clone()),
        labels,
        annotations: BTreeMap::new(),
    };
    let data = [(format!("{name}.json"), json)].into_iter().collect();
    let object = object("v1", "ConfigMap", metadata, ConfigMapBody { data });
    File::object(path, None, &Arc::new(object)).map(Some)
}

/// The objects of one service, in the order a reader expects, and the same objects
/// typed for the Helm target.
fn render_service(
    platform: &Platform,
    s: &ResolvedService,
    consumers: &[&ResolvedService],
) -> Result<(Vec<File>, ServiceObjects), Diagnostic> {
    let service_account = Arc::new(workload::service_account(platform, s));
    let mut files = vec![file(s, "serviceaccount", &service_account)?];
    let config_map = workload::config_map(s).map(Arc::new);
    let mut checksums = workload::Checksums::default();
    if let Some(config) = &config_map {
        let rendered = file(s, "configmap", config)?;
        checksums.config = Some(crate::digest::sha256_hex(rendered.yaml.as_bytes()));
        files.push(rendered);
    }
    let files_map = workload::files_config_map(s).map(Arc::new);
    if let Some(mounted) = &files_map {
        let rendered = file(s, "files", mounted)?;
        checksums.files = Some(crate::digest::sha256_hex(rendered.yaml.as_bytes()));
        files.push(rendered);
    }
    let (deployment, cron_job) = match &s.workload {
        Workload::Cron(_) => (
            None,
            workload::cron_job(platform, s, checksums).map(Arc::new),
        ),
        _ => (
            Some(Arc::new(workload::deployment(platform, s, checksums))),
            None,
        ),
    };
    push_optional(&mut files, s, "deployment", &deployment)?;
    push_optional(&mut files, s, "cronjob", &cron_job)?;
    let service = traffic::service(s).map(Arc::new);
    push_optional(&mut files, s, "service", &service)?;
    let autoscaler = workload::autoscaler(s).map(Arc::new);
    push_optional(&mut files, s, "hpa", &autoscaler)?;
    let scaled_object = workload::scaled_object(s).map(Arc::new);
    push_optional(&mut files, s, "scaledobject", &scaled_object)?;
    let trigger_auth = workload::trigger_authentication(s).map(Arc::new);
    push_optional(&mut files, s, "triggerauthentication", &trigger_auth)?;
    let disruption_budget = workload::disruption_budget(s).map(Arc::new);
    push_optional(&mut files, s, "pdb", &disruption_budget)?;
    let ingress = traffic::ingress(platform, s).map(Arc::new);
    push_optional(&mut files, s, "ingress", &ingress)?;
    let network_policy = Arc::new(traffic::network_policy(platform, s, consumers));
    files.push(file(s, "networkpolicy", &network_policy)?);
    let own_secrets = traffic::external_secret(platform, s).map(Arc::new);
    push_optional(&mut files, s, "externalsecret", &own_secrets)?;
    let mut external_secrets: Vec<_> = own_secrets.into_iter().collect();
    for (need, es) in traffic::need_external_secrets(platform, s) {
        let es = Arc::new(es);
        let stem = format!("externalsecret-{}", need.replace('_', "-"));
        files.push(file(s, &stem, &es)?);
        external_secrets.push(es);
    }
    let service_monitor = traffic::service_monitor(platform, s).map(Arc::new);
    push_optional(&mut files, s, "servicemonitor", &service_monitor)?;
    let pod_monitor = traffic::pod_monitor(platform, s).map(Arc::new);
    push_optional(&mut files, s, "podmonitor", &pod_monitor)?;
    let prometheus_rule = traffic::prometheus_rule(platform, s).map(Arc::new);
    push_optional(&mut files, s, "prometheusrule", &prometheus_rule)?;
    // Outside the Helm chart, so not among the typed objects the chart reads.
    let dashboard = traffic::dashboard(platform, s)?.map(Arc::new);
    push_optional(&mut files, s, "dashboard", &dashboard)?;
    let objects = ServiceObjects {
        env: s.env.clone(),
        name: s.name.clone(),
        service_account,
        config_map,
        files: files_map,
        deployment,
        cron_job,
        service,
        disruption_budget,
        ingress,
        network_policy,
        external_secrets,
        service_monitor,
        pod_monitor,
        prometheus_rule,
    };
    Ok((files, objects))
}

/// A service's object in `<service>/<stem>.yaml`.
fn file<B: Serialize + Send + Sync + 'static>(
    s: &ResolvedService,
    stem: &str,
    object: &Arc<Object<B>>,
) -> Result<File, Diagnostic> {
    File::object(
        format!("{}/{stem}.yaml", s.name),
        Some(s.name.clone()),
        object,
    )
}

/// The file of an object the service may not have.
fn push_optional<B: Serialize + Send + Sync + 'static>(
    files: &mut Vec<File>,
    s: &ResolvedService,
    stem: &str,
    object: &Option<Arc<Object<B>>>,
) -> Result<(), Diagnostic> {
    if let Some(object) = object {
        files.push(file(s, stem, object)?);
    }
    Ok(())
}

/// Labels of the objects an environment has beside its services (Namespaces, the
/// environment's dashboard): the environment's labels, then pave's.
fn environment_labels(platform: &Platform, env: &str) -> Labels {
    let mut labels = Labels::from(platform.pods(env).labels.clone());
    labels.extend([
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
    labels
}

/// Labels every object of a service carries: the recommended `app.kubernetes.io/*`
/// labels plus owner and environment (built once, in resolve; shared, not copied).
fn labels(s: &ResolvedService) -> Labels {
    s.labels.clone()
}

/// The stable labels that select a service's pods; never anything that changes on deploy.
fn selector(s: &ResolvedService) -> Labels {
    s.selector.clone()
}

fn metadata(s: &ResolvedService, name: String) -> Metadata {
    Metadata {
        name,
        namespace: Some(s.namespace.clone()),
        labels: labels(s),
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
