//! A service's fields after layering (defaults, environment, service file, override),
//! after placeholders are expanded: what resolve builds a `ResolvedService` from.
//! Env values stay JSON scalars of any type (they are written as text later).

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;

use super::Quantity;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServiceSpec {
    pub(crate) name: String,
    pub(crate) owner: String,
    /// The service's previous names, newest first.
    pub(crate) renamed_from: Option<Previous>,
    pub(crate) description: Option<String>,
    pub(crate) tier: Option<u8>,
    pub(crate) image: String,
    pub(crate) build: Option<BuildSpec>,
    pub(crate) workload: Option<WorkloadKind>,
    pub(crate) schedule: Option<String>,
    pub(crate) concurrency: Option<Concurrency>,
    /// A duration (`10m`).
    pub(crate) deadline: Option<String>,
    pub(crate) history: Option<u32>,
    pub(crate) port: Option<u16>,
    #[serde(default)]
    pub(crate) ports: IndexMap<String, u16>,
    #[serde(default)]
    pub(crate) command: Vec<String>,
    #[serde(default)]
    pub(crate) args: Vec<String>,
    pub(crate) size: Option<String>,
    pub(crate) replicas: Option<u32>,
    pub(crate) autoscale: Option<AutoscaleSpec>,
    #[serde(default)]
    pub(crate) env: IndexMap<String, Value>,
    #[serde(default)]
    pub(crate) secrets: IndexMap<String, SecretSpec>,
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "decoded so the file's shape is typed and checked; resolve reads the layered value tree"
    )]
    pub(crate) needs: IndexMap<String, NeedSpec>,
    pub(crate) route: Option<RouteSpec>,
    pub(crate) metrics: Option<MetricsSpec>,
    pub(crate) health: Option<HealthSpec>,
    pub(crate) slo: Option<SloSpec>,
    #[serde(default)]
    pub(crate) sidecars: IndexMap<String, ContainerSpec>,
    #[serde(default)]
    pub(crate) init: IndexMap<String, ContainerSpec>,
    /// Absolute path -> content, inline or read from a repository file.
    #[serde(default)]
    pub(crate) files: IndexMap<String, FileSpec>,
    pub(crate) security: Option<SecuritySpec>,
    /// Scratch volumes of the pod, by name.
    #[serde(default)]
    pub(crate) volumes: IndexMap<String, VolumeSpec>,
    /// The main container's mounts: absolute path -> volume.
    #[serde(default)]
    pub(crate) mounts: IndexMap<String, MountSpec>,
}

/// A scratch volume (`emptyDir`): its size limit and whether memory backs it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VolumeSpec {
    pub(crate) size: Option<Quantity>,
    pub(crate) memory: Option<bool>,
}

/// A mount: the volume's name, or `{ volume, sub_path, read_only }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum MountSpec {
    Volume(String),
    Full {
        volume: String,
        sub_path: Option<String>,
        read_only: Option<bool>,
    },
}

/// A mounted file's content: the text itself, or `{ from: <repository path> }`
/// (read by `load`, looked up by `resolve`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum FileSpec {
    Inline(String),
    From { from: String },
}

/// `renamed_from` of a service or a need: one previous name, or several, newest first.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum Previous {
    One(String),
    Many(Vec<String>),
}

impl Previous {
    /// The previous names, newest first.
    pub(crate) fn names(&self) -> Vec<String> {
        match self {
            Previous::One(name) => vec![name.clone()],
            Previous::Many(names) => names.clone(),
        }
    }
}

/// `workload`: what kind of Kubernetes workload the service is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum WorkloadKind {
    Web,
    Worker,
    Cron,
}

/// `concurrency` of a cron job (the CronJob's `concurrencyPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Concurrency {
    Forbid,
    Replace,
    Allow,
}

/// A sidecar or init container.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContainerSpec {
    pub(crate) image: String,
    #[serde(default)]
    pub(crate) command: Vec<String>,
    #[serde(default)]
    pub(crate) args: Vec<String>,
    #[serde(default)]
    pub(crate) env: IndexMap<String, Value>,
    pub(crate) size: Option<String>,
    #[serde(default)]
    pub(crate) ports: IndexMap<String, u16>,
    /// This container's mounts: absolute path -> volume.
    #[serde(default)]
    pub(crate) mounts: IndexMap<String, MountSpec>,
}

/// `security`: numeric identities of the pod's processes.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SecuritySpec {
    pub(crate) run_as_user: Option<u32>,
    pub(crate) run_as_group: Option<u32>,
    pub(crate) fs_group: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BuildSpec {
    pub(crate) context: String,
    pub(crate) dockerfile: Option<String>,
    pub(crate) test: Option<String>,
    /// The image CI runs `test` in (GitLab jobs need one).
    pub(crate) image: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AutoscaleSpec {
    pub(crate) min: u32,
    pub(crate) max: u32,
    pub(crate) cpu: Option<u8>,
    /// A `queue` need whose depth drives the replicas (KEDA), instead of CPU.
    pub(crate) queue: Option<String>,
    /// Messages waiting per replica the queue scaler aims for.
    pub(crate) target: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SecretSpec {
    #[serde(rename = "ref")]
    pub(crate) reference: String,
}

/// `{service: name}` or `{type: module, ...inputs}`.
#[derive(Debug, Clone, Deserialize)]
#[expect(
    dead_code,
    reason = "decoded so the need's shape is typed and checked; resolve wires needs from the layered value tree"
)]
pub(crate) struct NeedSpec {
    pub(crate) service: Option<String>,
    #[serde(rename = "type")]
    pub(crate) module: Option<String>,
    #[serde(flatten)]
    pub(crate) inputs: IndexMap<String, Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RouteSpec {
    pub(crate) host: String,
    pub(crate) path: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum MetricsSpec {
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
pub(crate) struct SloSpec {
    pub(crate) availability: Option<serde_json::Number>,
    pub(crate) latency: Option<LatencySloSpec>,
}

/// `slo.latency`: the share of requests (`target`) faster than `threshold`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LatencySloSpec {
    /// A duration (`250ms`).
    pub(crate) threshold: String,
    pub(crate) target: serde_json::Number,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HealthSpec {
    pub(crate) liveness: Option<ProbeSpec>,
    pub(crate) readiness: Option<ProbeSpec>,
    pub(crate) startup: Option<ProbeSpec>,
}

/// One probe: an HTTP path on the main port, `false`, or a handler with timings.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum ProbeSpec {
    Path(String),
    /// `false`: the schema admits no `true`.
    Off(#[expect(dead_code, reason = "only `false` passes the schema")] bool),
    Handler(ProbeHandlerSpec),
}

/// `{ http: PATH, port: N } | { grpc: PORT } | { tcp: PORT } | { exec: [...] }`, with
/// optional timings (durations) and failure threshold. The schema allows one handler.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProbeHandlerSpec {
    pub(crate) http: Option<String>,
    pub(crate) port: Option<u16>,
    pub(crate) grpc: Option<u16>,
    pub(crate) tcp: Option<u16>,
    pub(crate) exec: Option<Vec<String>>,
    pub(crate) initial_delay: Option<String>,
    pub(crate) period: Option<String>,
    pub(crate) timeout: Option<String>,
    pub(crate) failure_threshold: Option<u32>,
}
