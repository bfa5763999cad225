//! Typed Kubernetes objects, only the fields pave writes, in the conventional order
//! (apiVersion, kind, metadata, spec). Serializing them is the only way a manifest
//! is produced, so every manifest is well-formed by construction.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::Serialize;

pub(crate) type Labels = BTreeMap<String, String>;

/// Any object: the type header, metadata and a kind-specific body.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Object<B: Serialize> {
    pub(crate) api_version: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) metadata: Metadata,
    #[serde(flatten)]
    pub(crate) body: B,
}

#[derive(Serialize, Clone, Default)]
pub(crate) struct Metadata {
    pub(crate) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) namespace: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) labels: Labels,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) annotations: BTreeMap<String, String>,
}

/// A body with only a `spec`.
#[derive(Serialize)]
pub(crate) struct Spec<S: Serialize> {
    pub(crate) spec: S,
}

/// A body with nothing but metadata (Namespace).
#[derive(Serialize)]
pub(crate) struct Empty {}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceAccountBody {
    pub(crate) automount_service_account_token: bool,
}

#[derive(Serialize)]
pub(crate) struct ConfigMapBody {
    pub(crate) data: IndexMap<String, String>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LabelSelector {
    pub(crate) match_labels: Labels,
}

#[derive(Serialize, Clone)]
#[serde(untagged)]
pub(crate) enum IntOrString {
    Int(u32),
    String(String),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeploymentSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) replicas: Option<u32>,
    pub(crate) revision_history_limit: u32,
    pub(crate) selector: LabelSelector,
    pub(crate) strategy: DeploymentStrategy,
    pub(crate) template: PodTemplate,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeploymentStrategy {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) rolling_update: RollingUpdate,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RollingUpdate {
    pub(crate) max_surge: IntOrString,
    pub(crate) max_unavailable: IntOrString,
}

#[derive(Serialize)]
pub(crate) struct PodTemplate {
    pub(crate) metadata: PodMetadata,
    pub(crate) spec: PodSpec,
}

#[derive(Serialize)]
pub(crate) struct PodMetadata {
    pub(crate) labels: Labels,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) annotations: BTreeMap<String, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PodSpec {
    pub(crate) service_account_name: String,
    pub(crate) automount_service_account_token: bool,
    pub(crate) security_context: PodSecurityContext,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) topology_spread_constraints: Vec<TopologySpreadConstraint>,
    pub(crate) containers: Vec<Container>,
    pub(crate) volumes: Vec<Volume>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PodSecurityContext {
    pub(crate) run_as_non_root: bool,
    pub(crate) seccomp_profile: SeccompProfile,
}

#[derive(Serialize, Clone)]
pub(crate) struct SeccompProfile {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TopologySpreadConstraint {
    pub(crate) max_skew: u32,
    pub(crate) topology_key: &'static str,
    pub(crate) when_unsatisfiable: &'static str,
    pub(crate) label_selector: LabelSelector,
    pub(crate) match_label_keys: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Container {
    pub(crate) name: String,
    pub(crate) image: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) command: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) args: Vec<String>,
    pub(crate) ports: Vec<ContainerPort>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) env_from: Vec<EnvFromSource>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) env: Vec<EnvVar>,
    pub(crate) resources: Resources,
    pub(crate) readiness_probe: Probe,
    pub(crate) liveness_probe: Probe,
    pub(crate) security_context: ContainerSecurityContext,
    pub(crate) volume_mounts: Vec<VolumeMount>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContainerPort {
    pub(crate) name: &'static str,
    pub(crate) container_port: u16,
    pub(crate) protocol: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnvFromSource {
    pub(crate) config_map_ref: NameRef,
}

#[derive(Serialize)]
pub(crate) struct NameRef {
    pub(crate) name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnvVar {
    pub(crate) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) value_from: Option<EnvVarSource>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnvVarSource {
    pub(crate) secret_key_ref: KeyRef,
}

#[derive(Serialize)]
pub(crate) struct KeyRef {
    pub(crate) name: String,
    pub(crate) key: String,
}

#[derive(Serialize)]
pub(crate) struct Resources {
    pub(crate) requests: BTreeMap<&'static str, String>,
    pub(crate) limits: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Probe {
    pub(crate) http_get: HttpGet,
    pub(crate) period_seconds: u32,
    pub(crate) timeout_seconds: u32,
    pub(crate) failure_threshold: u32,
}

#[derive(Serialize)]
pub(crate) struct HttpGet {
    pub(crate) path: String,
    pub(crate) port: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContainerSecurityContext {
    pub(crate) allow_privilege_escalation: bool,
    pub(crate) read_only_root_filesystem: bool,
    pub(crate) run_as_non_root: bool,
    pub(crate) capabilities: Capabilities,
    pub(crate) seccomp_profile: SeccompProfile,
}

#[derive(Serialize)]
pub(crate) struct Capabilities {
    pub(crate) drop: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VolumeMount {
    pub(crate) name: &'static str,
    pub(crate) mount_path: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Volume {
    pub(crate) name: &'static str,
    pub(crate) empty_dir: EmptyDir,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EmptyDir {
    pub(crate) size_limit: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceSpec {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) selector: Labels,
    pub(crate) ports: Vec<ServicePort>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServicePort {
    pub(crate) name: &'static str,
    pub(crate) port: u16,
    pub(crate) target_port: &'static str,
    pub(crate) protocol: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HpaSpec {
    pub(crate) scale_target_ref: CrossVersionRef,
    pub(crate) min_replicas: u32,
    pub(crate) max_replicas: u32,
    pub(crate) metrics: Vec<HpaMetric>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CrossVersionRef {
    pub(crate) api_version: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) name: String,
}

#[derive(Serialize)]
pub(crate) struct HpaMetric {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) resource: HpaResource,
}

#[derive(Serialize)]
pub(crate) struct HpaResource {
    pub(crate) name: &'static str,
    pub(crate) target: HpaTarget,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HpaTarget {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) average_utilization: u8,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PdbSpec {
    pub(crate) max_unavailable: u32,
    pub(crate) selector: LabelSelector,
    pub(crate) unhealthy_pod_eviction_policy: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IngressSpec {
    pub(crate) ingress_class_name: String,
    pub(crate) tls: Vec<IngressTls>,
    pub(crate) rules: Vec<IngressRule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IngressTls {
    pub(crate) hosts: Vec<String>,
    pub(crate) secret_name: String,
}

#[derive(Serialize)]
pub(crate) struct IngressRule {
    pub(crate) host: String,
    pub(crate) http: IngressHttp,
}

#[derive(Serialize)]
pub(crate) struct IngressHttp {
    pub(crate) paths: Vec<IngressPath>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IngressPath {
    pub(crate) path: String,
    pub(crate) path_type: &'static str,
    pub(crate) backend: IngressBackend,
}

#[derive(Serialize)]
pub(crate) struct IngressBackend {
    pub(crate) service: IngressServiceBackend,
}

#[derive(Serialize)]
pub(crate) struct IngressServiceBackend {
    pub(crate) name: String,
    pub(crate) port: PortName,
}

#[derive(Serialize)]
pub(crate) struct PortName {
    pub(crate) name: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NetworkPolicySpec {
    pub(crate) pod_selector: LabelSelector,
    pub(crate) policy_types: Vec<&'static str>,
    pub(crate) ingress: Vec<NetworkPolicyIngressRule>,
}

#[derive(Serialize)]
pub(crate) struct NetworkPolicyIngressRule {
    pub(crate) from: Vec<NetworkPolicyPeer>,
    pub(crate) ports: Vec<NetworkPolicyPort>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NetworkPolicyPeer {
    pub(crate) namespace_selector: LabelSelector,
    pub(crate) pod_selector: LabelSelector,
}

#[derive(Serialize)]
pub(crate) struct NetworkPolicyPort {
    pub(crate) protocol: &'static str,
    pub(crate) port: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExternalSecretSpec {
    pub(crate) refresh_interval: &'static str,
    pub(crate) secret_store_ref: StoreRef,
    pub(crate) target: ExternalSecretTarget,
    pub(crate) data: Vec<ExternalSecretData>,
}

#[derive(Serialize)]
pub(crate) struct StoreRef {
    pub(crate) kind: &'static str,
    pub(crate) name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExternalSecretTarget {
    pub(crate) name: String,
    pub(crate) creation_policy: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExternalSecretData {
    pub(crate) secret_key: String,
    pub(crate) remote_ref: RemoteRef,
}

#[derive(Serialize)]
pub(crate) struct RemoteRef {
    pub(crate) key: String,
    pub(crate) property: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceMonitorSpec {
    pub(crate) selector: LabelSelector,
    pub(crate) endpoints: Vec<MonitorEndpoint>,
}

#[derive(Serialize)]
pub(crate) struct MonitorEndpoint {
    pub(crate) port: &'static str,
    pub(crate) path: String,
    pub(crate) relabelings: Vec<Relabeling>,
}

/// A target relabeling (Prometheus `relabel_config`, operator spelling).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Relabeling {
    pub(crate) action: &'static str,
    pub(crate) target_label: &'static str,
    pub(crate) replacement: String,
}

#[derive(Serialize)]
pub(crate) struct Kustomization {
    #[serde(rename = "apiVersion")]
    pub(crate) api_version: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) resources: Vec<String>,
}

#[derive(Serialize)]
pub(crate) struct PrometheusRuleSpec {
    pub(crate) groups: Vec<crate::observe::RuleGroup>,
}
