//! Typed Kubernetes objects, only the fields pave writes, in the conventional order
//! (apiVersion, kind, metadata, spec). Serializing them is the only way a manifest
//! is produced, so every manifest is well-formed by construction.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::Serialize;

pub(crate) use crate::labels::Labels;

/// Any object: the type header, metadata and a kind-specific body.
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Object<B: Serialize> {
    pub(crate) api_version: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) metadata: Metadata,
    #[serde(flatten)]
    pub(crate) body: B,
}

/// What the policies decided without a template read of a rendered object.
pub(crate) trait Typed: Send + Sync {
    fn metadata(&self) -> &Metadata;
    fn as_any(&self) -> &dyn std::any::Any;
}

impl<B: Serialize + Send + Sync + 'static> Typed for Object<B> {
    fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl dyn Typed {
    /// The pod spec of a Deployment or a CronJob.
    pub(crate) fn pod_spec(&self) -> Option<&PodSpec> {
        let any = self.as_any();
        if let Some(d) = any.downcast_ref::<Object<Spec<DeploymentSpec>>>() {
            return Some(&d.body.spec.template.spec);
        }
        any.downcast_ref::<Object<Spec<CronJobSpec>>>()
            .map(|c| &c.body.spec.job_template.spec.template.spec)
    }
}

#[derive(Serialize, Clone, Default)]
pub(crate) struct Metadata {
    pub(crate) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) namespace: Option<String>,
    #[serde(skip_serializing_if = "Labels::is_empty")]
    pub(crate) labels: Labels,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) annotations: BTreeMap<String, String>,
}

/// A body with only a `spec`.
#[derive(Serialize, Clone)]
pub(crate) struct Spec<S: Serialize> {
    pub(crate) spec: S,
}

/// A body with nothing but metadata (Namespace).
#[derive(Serialize, Clone)]
pub(crate) struct Empty {}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceAccountBody {
    pub(crate) automount_service_account_token: bool,
}

#[derive(Serialize, Clone)]
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

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeploymentSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) replicas: Option<u32>,
    pub(crate) revision_history_limit: u32,
    pub(crate) selector: LabelSelector,
    pub(crate) strategy: DeploymentStrategy,
    pub(crate) template: PodTemplate,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeploymentStrategy {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) rolling_update: RollingUpdate,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RollingUpdate {
    pub(crate) max_surge: IntOrString,
    pub(crate) max_unavailable: IntOrString,
}

#[derive(Serialize, Clone)]
pub(crate) struct PodTemplate {
    pub(crate) metadata: PodMetadata,
    pub(crate) spec: PodSpec,
}

#[derive(Serialize, Clone)]
pub(crate) struct PodMetadata {
    pub(crate) labels: Labels,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) annotations: BTreeMap<String, String>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PodSpec {
    pub(crate) service_account_name: String,
    pub(crate) automount_service_account_token: bool,
    /// `OnFailure` for a cron job's pods; Deployments leave Kubernetes' `Always`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) restart_policy: Option<&'static str>,
    pub(crate) security_context: PodSecurityContext,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) topology_spread_constraints: Vec<TopologySpreadConstraint>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) node_selector: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) tolerations: Vec<Toleration>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) image_pull_secrets: Vec<LocalObjectReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) init_containers: Vec<Container>,
    pub(crate) containers: Vec<Container>,
    pub(crate) volumes: Vec<Volume>,
}

/// A pod's toleration of a node taint.
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Toleration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) key: Option<String>,
    pub(crate) operator: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) effect: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) toleration_seconds: Option<i64>,
}

/// `{ name }`: a Secret in the pod's namespace (`imagePullSecrets`).
#[derive(Serialize, Clone)]
pub(crate) struct LocalObjectReference {
    pub(crate) name: String,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PodSecurityContext {
    pub(crate) run_as_non_root: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) run_as_user: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) run_as_group: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) fs_group: Option<u32>,
    pub(crate) seccomp_profile: SeccompProfile,
}

#[derive(Serialize, Clone)]
pub(crate) struct SeccompProfile {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TopologySpreadConstraint {
    pub(crate) max_skew: u32,
    pub(crate) topology_key: &'static str,
    pub(crate) when_unsatisfiable: &'static str,
    pub(crate) label_selector: LabelSelector,
    pub(crate) match_label_keys: Vec<&'static str>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Container {
    pub(crate) name: String,
    pub(crate) image: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) command: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) args: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) ports: Vec<ContainerPort>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) env_from: Vec<EnvFromSource>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) env: Vec<EnvVar>,
    pub(crate) resources: Resources,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) readiness_probe: Option<Probe>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) liveness_probe: Option<Probe>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) startup_probe: Option<Probe>,
    pub(crate) security_context: ContainerSecurityContext,
    pub(crate) volume_mounts: Vec<VolumeMount>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContainerPort {
    pub(crate) name: String,
    pub(crate) container_port: u16,
    pub(crate) protocol: &'static str,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnvFromSource {
    pub(crate) config_map_ref: NameRef,
}

#[derive(Serialize, Clone)]
pub(crate) struct NameRef {
    pub(crate) name: String,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnvVar {
    pub(crate) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) value_from: Option<EnvVarSource>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnvVarSource {
    pub(crate) secret_key_ref: KeyRef,
}

#[derive(Serialize, Clone)]
pub(crate) struct KeyRef {
    pub(crate) name: String,
    pub(crate) key: String,
}

#[derive(Serialize, Clone)]
pub(crate) struct Resources {
    pub(crate) requests: BTreeMap<&'static str, String>,
    pub(crate) limits: BTreeMap<&'static str, String>,
}

#[derive(Serialize, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Probe {
    #[serde(flatten)]
    pub(crate) handler: ProbeHandler,
    #[serde(skip_serializing_if = "is_zero")]
    pub(crate) initial_delay_seconds: u32,
    pub(crate) period_seconds: u32,
    pub(crate) timeout_seconds: u32,
    pub(crate) failure_threshold: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Exactly one handler per probe.
#[derive(Serialize, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) enum ProbeHandler {
    HttpGet(HttpGet),
    Grpc(GrpcAction),
    TcpSocket(TcpSocket),
    Exec(ExecAction),
}

#[derive(Serialize, Clone, PartialEq)]
pub(crate) struct HttpGet {
    pub(crate) path: String,
    pub(crate) port: String,
}

/// Kubernetes accepts a gRPC probe's port only as a number.
#[derive(Serialize, Clone, PartialEq)]
pub(crate) struct GrpcAction {
    pub(crate) port: u16,
}

#[derive(Serialize, Clone, PartialEq)]
pub(crate) struct TcpSocket {
    pub(crate) port: String,
}

#[derive(Serialize, Clone, PartialEq)]
pub(crate) struct ExecAction {
    pub(crate) command: Vec<String>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContainerSecurityContext {
    pub(crate) allow_privilege_escalation: bool,
    pub(crate) read_only_root_filesystem: bool,
    pub(crate) run_as_non_root: bool,
    pub(crate) capabilities: Capabilities,
    pub(crate) seccomp_profile: SeccompProfile,
}

#[derive(Serialize, Clone)]
pub(crate) struct Capabilities {
    pub(crate) drop: Vec<&'static str>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VolumeMount {
    pub(crate) name: String,
    pub(crate) mount_path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sub_path: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) read_only: bool,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Volume {
    pub(crate) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) empty_dir: Option<EmptyDir>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) config_map: Option<ConfigMapVolume>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConfigMapVolume {
    pub(crate) name: String,
    pub(crate) items: Vec<KeyToPath>,
}

#[derive(Serialize, Clone)]
pub(crate) struct KeyToPath {
    pub(crate) key: String,
    pub(crate) path: String,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CronJobSpec {
    pub(crate) schedule: String,
    pub(crate) concurrency_policy: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) starting_deadline_seconds: Option<u64>,
    pub(crate) successful_jobs_history_limit: u32,
    pub(crate) failed_jobs_history_limit: u32,
    pub(crate) job_template: JobTemplate,
}

#[derive(Serialize, Clone)]
pub(crate) struct JobTemplate {
    pub(crate) spec: JobSpec,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JobSpec {
    pub(crate) backoff_limit: u32,
    pub(crate) template: PodTemplate,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EmptyDir {
    /// `Memory` for a tmpfs; absent for the node's disk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) medium: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) size_limit: Option<String>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceSpec {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) selector: Labels,
    pub(crate) ports: Vec<ServicePort>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServicePort {
    pub(crate) name: String,
    pub(crate) port: u16,
    pub(crate) target_port: String,
    pub(crate) protocol: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) app_protocol: Option<&'static str>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HpaSpec {
    pub(crate) scale_target_ref: CrossVersionRef,
    pub(crate) min_replicas: u32,
    pub(crate) max_replicas: u32,
    pub(crate) metrics: Vec<HpaMetric>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CrossVersionRef {
    pub(crate) api_version: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) name: String,
}

#[derive(Serialize, Clone)]
pub(crate) struct HpaMetric {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) resource: HpaResource,
}

#[derive(Serialize, Clone)]
pub(crate) struct HpaResource {
    pub(crate) name: &'static str,
    pub(crate) target: HpaTarget,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HpaTarget {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) average_utilization: u8,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PdbSpec {
    pub(crate) max_unavailable: u32,
    pub(crate) selector: LabelSelector,
    pub(crate) unhealthy_pod_eviction_policy: &'static str,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IngressSpec {
    pub(crate) ingress_class_name: String,
    pub(crate) tls: Vec<IngressTls>,
    pub(crate) rules: Vec<IngressRule>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IngressTls {
    pub(crate) hosts: Vec<String>,
    pub(crate) secret_name: String,
}

#[derive(Serialize, Clone)]
pub(crate) struct IngressRule {
    pub(crate) host: String,
    pub(crate) http: IngressHttp,
}

#[derive(Serialize, Clone)]
pub(crate) struct IngressHttp {
    pub(crate) paths: Vec<IngressPath>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IngressPath {
    pub(crate) path: String,
    pub(crate) path_type: &'static str,
    pub(crate) backend: IngressBackend,
}

#[derive(Serialize, Clone)]
pub(crate) struct IngressBackend {
    pub(crate) service: IngressServiceBackend,
}

#[derive(Serialize, Clone)]
pub(crate) struct IngressServiceBackend {
    pub(crate) name: String,
    pub(crate) port: PortName,
}

#[derive(Serialize, Clone)]
pub(crate) struct PortName {
    pub(crate) name: &'static str,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NetworkPolicySpec {
    pub(crate) pod_selector: LabelSelector,
    pub(crate) policy_types: Vec<&'static str>,
    pub(crate) ingress: Vec<NetworkPolicyIngressRule>,
}

#[derive(Serialize, Clone)]
pub(crate) struct NetworkPolicyIngressRule {
    pub(crate) from: Vec<NetworkPolicyPeer>,
    pub(crate) ports: Vec<NetworkPolicyPort>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NetworkPolicyPeer {
    pub(crate) namespace_selector: LabelSelector,
    pub(crate) pod_selector: LabelSelector,
}

#[derive(Serialize, Clone)]
pub(crate) struct NetworkPolicyPort {
    pub(crate) protocol: &'static str,
    pub(crate) port: String,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExternalSecretSpec {
    pub(crate) refresh_interval: &'static str,
    pub(crate) secret_store_ref: StoreRef,
    pub(crate) target: ExternalSecretTarget,
    pub(crate) data: Vec<ExternalSecretData>,
}

#[derive(Serialize, Clone)]
pub(crate) struct StoreRef {
    pub(crate) kind: &'static str,
    pub(crate) name: String,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExternalSecretTarget {
    pub(crate) name: String,
    pub(crate) creation_policy: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) template: Option<SecretTemplate>,
}

/// `spec.target.template`: keys assembled in the cluster from the synced ones
/// (`Merge` keeps the synced keys beside them).
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SecretTemplate {
    pub(crate) engine_version: &'static str,
    pub(crate) merge_policy: &'static str,
    pub(crate) data: BTreeMap<String, String>,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExternalSecretData {
    pub(crate) secret_key: String,
    pub(crate) remote_ref: RemoteRef,
}

#[derive(Serialize, Clone)]
pub(crate) struct RemoteRef {
    pub(crate) key: String,
    pub(crate) property: String,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceMonitorSpec {
    pub(crate) selector: LabelSelector,
    pub(crate) endpoints: Vec<MonitorEndpoint>,
}

#[derive(Serialize, Clone)]
pub(crate) struct MonitorEndpoint {
    pub(crate) port: String,
    pub(crate) path: String,
    pub(crate) relabelings: Vec<Relabeling>,
}

/// A target relabeling (Prometheus `relabel_config`, operator spelling).
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Relabeling {
    pub(crate) action: &'static str,
    pub(crate) target_label: &'static str,
    pub(crate) replacement: String,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PodMonitorSpec {
    /// The pod label whose value becomes the `job` label, so alerts select
    /// `job="<service>"` as they do for a ServiceMonitor (whose job is the Service's name).
    pub(crate) job_label: &'static str,
    pub(crate) selector: LabelSelector,
    pub(crate) pod_metrics_endpoints: Vec<MonitorEndpoint>,
}

#[derive(Serialize, Clone)]
pub(crate) struct Kustomization<'a> {
    #[serde(rename = "apiVersion")]
    pub(crate) api_version: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) resources: Vec<&'a str>,
}

#[derive(Serialize, Clone)]
pub(crate) struct PrometheusRuleSpec {
    pub(crate) groups: Vec<crate::observe::RuleGroup>,
}
