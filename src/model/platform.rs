//! `platform.yaml` as written: environments, contract, sizes, defaults and targets.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;

/// The platform file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformFile {
    pub platform: String,
    pub output: Option<String>,
    /// In promotion order.
    pub environments: IndexMap<String, EnvironmentFile>,
    #[serde(default)]
    pub contract: ContractFile,
    pub sizes: Option<BTreeMap<String, SizeFile>>,
    pub defaults: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    pub secrets: SecretsFile,
    #[serde(default)]
    pub targets: TargetsFile,
    #[serde(default)]
    pub ingress: IngressFile,
    #[serde(default)]
    pub monitoring: MonitoringFile,
    #[serde(default)]
    pub registries: Vec<String>,
    /// Checked by the schema; enforced by the policy stage (not in this version).
    pub policies: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentFile {
    pub cluster: Option<String>,
    pub domain: Option<String>,
    pub cloud: Option<String>,
    pub region: Option<String>,
    pub account: Option<String>,
    pub namespace: Option<String>,
    pub replicas: Option<u32>,
    #[serde(default)]
    pub protected: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractFile {
    pub port: Option<u16>,
    #[serde(default)]
    pub metrics: MetricsEndpointFile,
    #[serde(default)]
    pub health: HealthFile,
    pub http_metrics: Option<Value>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsEndpointFile {
    pub port: Option<u16>,
    pub path: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthFile {
    pub liveness: Option<String>,
    pub readiness: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizeFile {
    pub cpu: Value,
    pub memory: Value,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsFile {
    pub store: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetsFile {
    pub kubernetes: Option<bool>,
    pub helm: Option<Value>,
    pub terraform: Option<Value>,
    pub prometheus: Option<Value>,
    pub ci: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngressFile {
    pub class: Option<String>,
    pub cluster_issuer: Option<String>,
    pub external_dns: Option<bool>,
    pub controller_namespace: Option<String>,
    pub controller_labels: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitoringFile {
    pub namespace: Option<String>,
    pub labels: Option<BTreeMap<String, String>>,
    pub prometheus_labels: Option<BTreeMap<String, String>>,
    pub runbooks: Option<String>,
    pub alerts: Option<Value>,
    pub slo: Option<Value>,
    pub dashboards: Option<Value>,
}
