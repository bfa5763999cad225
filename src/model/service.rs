//! A service's fields after layering (defaults, environment, service file, override),
//! before placeholders are expanded.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    pub name: String,
    pub owner: String,
    pub description: Option<String>,
    pub tier: Option<u8>,
    pub image: String,
    pub build: Option<BuildSpec>,
    pub port: Option<u16>,
    #[serde(default)]
    pub command: Vec<String>,
    #[serde(default)]
    pub args: Vec<String>,
    pub size: Option<String>,
    pub replicas: Option<u32>,
    pub autoscale: Option<AutoscaleSpec>,
    #[serde(default)]
    pub env: IndexMap<String, Value>,
    #[serde(default)]
    pub secrets: IndexMap<String, SecretSpec>,
    #[serde(default)]
    pub needs: IndexMap<String, NeedSpec>,
    pub route: Option<RouteSpec>,
    pub metrics: Option<MetricsSpec>,
    pub health: Option<HealthSpec>,
    pub slo: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildSpec {
    pub context: String,
    pub dockerfile: Option<String>,
    pub test: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoscaleSpec {
    pub min: u32,
    pub max: u32,
    pub cpu: Option<u8>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSpec {
    #[serde(rename = "ref")]
    pub reference: String,
}

/// `{service: name}` or `{type: module, ...inputs}`.
#[derive(Debug, Clone, Deserialize)]
pub struct NeedSpec {
    pub service: Option<String>,
    #[serde(rename = "type")]
    pub module: Option<String>,
    #[serde(flatten)]
    pub inputs: IndexMap<String, Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    pub host: String,
    pub path: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum MetricsSpec {
    Enabled(bool),
    Endpoint {
        port: Option<u16>,
        path: Option<String>,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthSpec {
    pub liveness: Option<String>,
    pub readiness: Option<String>,
}
