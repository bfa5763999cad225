//! The resolved model: what renderers see. Plain data, no spans except in provenance.

use std::collections::BTreeMap;

use crate::decimal::Decimal;
use crate::source::Span;

/// The platform after defaults are applied.
#[derive(Debug, Clone)]
pub struct Platform {
    pub name: String,
    /// The output tree's root, relative to the repository root.
    pub output: String,
    /// In promotion order.
    pub environments: Vec<Environment>,
    pub contract: Contract,
    pub sizes: BTreeMap<String, Size>,
    pub secret_store: Option<String>,
    pub targets: Targets,
    pub ingress: Ingress,
    pub monitoring: Monitoring,
    pub observability: Observability,
}

impl Platform {
    /// The environments' names, in promotion order.
    pub(crate) fn environment_names(&self) -> Vec<&str> {
        self.environments.iter().map(|e| e.name.as_str()).collect()
    }
}

/// Alerts, SLO rules and dashboards from the contract (the Prometheus target).
#[derive(Debug, Clone)]
pub struct Observability {
    /// `targets.prometheus`.
    pub enabled: bool,
    /// The request counter (label `code`).
    pub requests_metric: String,
    /// The latency histogram's `_bucket` series.
    pub duration_metric: String,
    /// Latency SLO thresholds must be one of these, in seconds.
    pub buckets: Vec<Decimal>,
    pub runbooks: Option<String>,
    pub dashboard_url: Option<String>,
    pub dashboard_labels: BTreeMap<String, String>,
    /// Contract alert name -> settings.
    pub alerts: BTreeMap<&'static str, AlertSetting>,
    pub slo_period_ms: u64,
    pub windows: Vec<BurnWindow>,
    pub min_events: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct AlertSetting {
    pub for_ms: u64,
    pub severity: String,
    /// Alert-specific threshold (restarts in 15 minutes for crash looping).
    pub threshold: u64,
}

/// One row of the burn-rate window table.
#[derive(Debug, Clone)]
pub struct BurnWindow {
    pub severity: String,
    pub tier: String,
    pub long_ms: u64,
    pub short_ms: u64,
    pub budget_percent: Decimal,
    pub for_ms: u64,
}

/// `build`: the source folder, the Dockerfile in it, and a test command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    pub context: String,
    pub dockerfile: String,
    pub test: Option<String>,
}

/// A service's SLOs, in percent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slo {
    pub availability: Option<Decimal>,
    pub latency: Option<LatencySlo>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatencySlo {
    /// Seconds; one of the contract's buckets.
    pub threshold: Decimal,
    /// Percent of requests under the threshold.
    pub target: Decimal,
}

#[derive(Debug, Clone)]
pub struct Environment {
    pub name: String,
    pub cluster: Option<String>,
    pub domain: Option<String>,
    pub cloud: Option<String>,
    pub region: Option<String>,
    pub account: Option<String>,
    pub protected: bool,
}

#[derive(Debug, Clone)]
pub struct Contract {
    pub port: u16,
    pub metrics_port: u16,
    pub metrics_path: String,
    pub liveness: String,
    pub readiness: String,
}

/// A resource class: requests, and the memory limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Size {
    pub cpu: String,
    pub memory: String,
}

#[derive(Debug, Clone)]
pub struct Targets {
    pub kubernetes: bool,
    /// The shared chart and its values per service and environment.
    pub helm: bool,
    /// Terraform for module needs; `None` when the platform turns it off.
    pub terraform: Option<TerraformTarget>,
    /// The CI configuration pave owns.
    pub ci: CiTarget,
}

/// `targets.ci`: which CI system's files pave writes, and where images go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiTarget {
    pub provider: CiProvider,
    pub registry: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CiProvider {
    Github,
    Gitlab,
    None,
}

/// Where Terraform state lives, and whether pave owns `atlantis.yaml`.
#[derive(Debug, Clone, Default)]
pub struct TerraformTarget {
    pub bucket: Option<String>,
    pub lock_table: Option<String>,
    pub region: Option<String>,
    pub atlantis: bool,
}

#[derive(Debug, Clone)]
pub struct Ingress {
    pub class: String,
    pub cluster_issuer: Option<String>,
    pub external_dns: bool,
    pub controller_namespace: String,
    pub controller_labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Monitoring {
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    pub prometheus_labels: BTreeMap<String, String>,
}

/// Which layer of the SPEC's layering a resolved value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    /// pave's own defaults.
    Builtin,
    /// The platform's `contract` (port, health, metrics).
    Contract,
    /// The platform's `defaults` block.
    PlatformDefaults,
    /// The environment in the platform file (`replicas`).
    Environment,
    /// The service file.
    Service,
    /// The service file's `environments.<env>` block.
    ServiceEnvironment,
}

impl Layer {
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Builtin => "built-in default",
            Layer::Contract => "platform contract",
            Layer::PlatformDefaults => "platform defaults",
            Layer::Environment => "environment",
            Layer::Service => "service",
            Layer::ServiceEnvironment => "service environment override",
        }
    }
}

/// Where a resolved value came from: the layer and, unless built in, the span that set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub layer: Layer,
    pub span: Option<Span>,
}

/// JSON pointer of a service field (`/replicas`, `/env/LOG_LEVEL`) -> its origin.
pub type Provenance = BTreeMap<String, Origin>;

/// One service in one environment, every value final.
#[derive(Debug, Clone)]
pub struct ResolvedService {
    pub name: String,
    pub owner: String,
    pub description: Option<String>,
    pub tier: u8,
    /// The environment's name.
    pub env: String,
    pub namespace: String,
    pub image: String,
    pub port: u16,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub size: String,
    pub resources: Size,
    /// Replicas when not autoscaled.
    pub replicas: u32,
    pub autoscale: Option<Autoscale>,
    /// Plain environment variables, in the order written.
    pub env_vars: Vec<(String, String)>,
    /// Environment variables read from the secret store.
    pub secrets: Vec<SecretRef>,
    /// Other services of the platform this one calls.
    pub service_needs: Vec<ServiceNeed>,
    pub route: Option<Route>,
    pub metrics: Option<MetricsEndpoint>,
    pub liveness: String,
    pub readiness: String,
    pub provenance: Provenance,
    /// The layered, expanded field values, keyed like `provenance` (for `pave explain`).
    pub fields: serde_json::Value,
    /// Environment variables read from a module need's Kubernetes Secret.
    pub secret_env: Vec<SecretEnv>,
    /// Environment variables whose values use `$(VAR)` to embed secret outputs.
    pub dependent_env: Vec<(String, String)>,
    /// Needs served by modules (databases, caches, buckets, queues), by need name.
    pub module_needs: Vec<super::module::ModuleNeed>,
    /// The IAM role the service account assumes, when a module asks for permissions.
    pub role: Option<String>,
    pub slo: Option<Slo>,
    /// How CI builds the image, when the service says.
    pub build: Option<Build>,
}

/// An environment variable set from a key of a Kubernetes Secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretEnv {
    pub name: String,
    pub secret: String,
    pub key: String,
}

impl ResolvedService {
    /// The replica count the service runs with at least: HPA minimum or fixed replicas.
    pub fn min_replicas(&self) -> u32 {
        self.autoscale.map_or(self.replicas, |a| a.min)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Autoscale {
    pub min: u32,
    pub max: u32,
    pub cpu: u8,
}

/// `NAME: {ref: path#key}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    pub env_name: String,
    pub path: String,
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceNeed {
    /// The need's name in the service file.
    pub name: String,
    pub service: String,
    pub namespace: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub host: String,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsEndpoint {
    pub port: u16,
    pub path: String,
}

/// Everything the renderers need: the platform and each (environment, service).
#[derive(Debug, Clone)]
pub struct Model {
    pub platform: Platform,
    /// Ordered by environment (promotion order), then service name.
    pub services: Vec<ResolvedService>,
}
