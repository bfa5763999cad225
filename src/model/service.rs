//! A service's fields after layering (defaults, environment, service file, override),
//! after placeholders are expanded: what resolve builds a `ResolvedService` from.
//! Env values stay JSON scalars of any type (they are written as text later).

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
    pub slo: Option<SloSpec>,
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

/// `slo`: objectives in percent. They stay JSON numbers so that resolve reads them
/// exactly as written (`99.95`, `1e-16`) and reports a value it cannot use.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SloSpec {
    pub availability: Option<serde_json::Number>,
    pub latency: Option<LatencySloSpec>,
}

/// `slo.latency`: the share of requests (`target`) faster than `threshold`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencySloSpec {
    /// A duration (`250ms`).
    pub threshold: String,
    pub target: serde_json::Number,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthSpec {
    pub liveness: Option<String>,
    pub readiness: Option<String>,
}
