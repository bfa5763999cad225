//! The values file of one service: what the shared chart needs to render the same
//! objects the Kubernetes target writes. Every field is read off those typed objects
//! (or the resolved service), so the two targets cannot drift apart; the alert rules'
//! inputs come from the platform too (`rules.rs`).
//!
//! Field order is the order the keys are written; absent optional parts are `null`,
//! which the chart's templates test for.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::Serialize;

use crate::render::kubernetes::ServiceObjects;
use crate::render::kubernetes::objects::{
    Container, ContainerPort, EnvVar, ExternalSecretSpec, IngressSpec, Labels,
    LocalObjectReference, MonitorEndpoint, NetworkPolicySpec, Object, PodSecurityContext, Probe,
    Resources, ServicePort, Spec, Toleration, Volume, VolumeMount,
};
use crate::resolve::{Platform, ResolvedService};

/// The namespace label every namespace carries, which NetworkPolicy peers select on.
const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Values<'a> {
    name: &'a str,
    namespace: &'a str,
    labels: &'a Labels,
    selector: &'a Labels,
    /// The pod template's labels; absent when they are `labels` (the chart then
    /// uses those), so a values file carries each label set once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pod_labels: Option<&'a Labels>,
    pod_annotations: &'a BTreeMap<String, String>,
    /// `web`, `worker` or `cron`.
    workload: &'a str,
    cron: Option<Cron<'a>>,
    pod_security_context: &'a PodSecurityContext,
    /// The environment's placement and registry credentials; absent when unset, so
    /// environments without them keep their values files.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    node_selector: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    tolerations: &'a [Toleration],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    image_pull_secrets: &'a [LocalObjectReference],
    /// Stakater Reloader's annotation on the Deployment (need Secrets to watch).
    reload_secrets: Option<&'a String>,
    image: &'a str,
    command: &'a [String],
    args: &'a [String],
    port: u16,
    /// The main container's ports.
    ports: &'a [ContainerPort],
    /// The Service's ports; `null` when the service has no Service.
    service: Option<&'a [ServicePort]>,
    metrics: Option<Metrics<'a>>,
    replicas: u32,
    autoscale: Option<Autoscale>,
    resources: &'a Resources,
    probes: Probes<'a>,
    volume_mounts: &'a [VolumeMount],
    volumes: &'a [Volume],
    /// Mounted files by ConfigMap key; `null` without `files`.
    files: Option<&'a IndexMap<String, String>>,
    sidecars: &'a [Container],
    init_containers: &'a [Container],
    env: IndexMap<String, String>,
    secret_env: Vec<SecretEnv<'a>>,
    dependent_env: Vec<DependentEnv<'a>>,
    spread: bool,
    disruption_budget: bool,
    service_account: ServiceAccount<'a>,
    ingress: Option<Ingress<'a>>,
    network_policy: NetworkPolicy<'a>,
    external_secrets: Vec<ExternalSecret<'a>>,
    service_monitor: Option<Monitor<'a>>,
    pod_monitor: Option<Monitor<'a>>,
    prometheus_rule: Option<super::rules::Rules<'a>>,
}

#[derive(Serialize)]
struct Metrics<'a> {
    port: u16,
    path: &'a str,
}

#[derive(Serialize)]
struct Autoscale {
    min: u32,
    max: u32,
    cpu: u8,
    /// Set when KEDA scales on a queue instead (the chart then renders no HPA).
    #[serde(skip_serializing_if = "Option::is_none")]
    queue: Option<QueueScaler>,
}

/// The KEDA SQS scaler's inputs (`templates/keda.yaml`).
#[derive(Serialize)]
struct QueueScaler {
    url: String,
    region: String,
    target: u32,
}

/// Probes as the container has them (`null` when absent).
#[derive(Serialize)]
struct Probes<'a> {
    liveness: Option<&'a Probe>,
    readiness: Option<&'a Probe>,
    startup: Option<&'a Probe>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Cron<'a> {
    schedule: &'a str,
    concurrency_policy: &'a str,
    starting_deadline_seconds: Option<u64>,
    successful_jobs_history_limit: u32,
    failed_jobs_history_limit: u32,
    backoff_limit: u32,
}

#[derive(Serialize)]
struct SecretEnv<'a> {
    name: &'a str,
    secret: &'a str,
    key: &'a str,
}

#[derive(Serialize)]
struct DependentEnv<'a> {
    name: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct ServiceAccount<'a> {
    annotations: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Ingress<'a> {
    class_name: &'a str,
    host: Option<&'a str>,
    path: Option<&'a str>,
    annotations: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
struct NetworkPolicy<'a> {
    allow: Vec<Allow<'a>>,
}

#[derive(Serialize)]
struct Allow<'a> {
    from: Vec<Peer<'a>>,
    port: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Peer<'a> {
    namespace: Option<&'a String>,
    pod_labels: &'a Labels,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalSecret<'a> {
    name: &'a str,
    store: &'a str,
    refresh_interval: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    template: Option<&'a BTreeMap<String, String>>,
    data: Vec<SecretData<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SecretData<'a> {
    secret_key: &'a str,
    key: &'a str,
    property: &'a str,
}

#[derive(Serialize)]
struct Monitor<'a> {
    #[serde(flatten)]
    labels: ObjectLabels<'a>,
    port: Option<&'a str>,
    path: Option<&'a str>,
    /// The `env` label the endpoint's relabeling adds.
    env: Option<&'a str>,
}

/// The labels of a monitoring object (ServiceMonitor, PodMonitor, PrometheusRule):
/// the service's `labels` plus `extraLabels` (the platform's `monitoring.labels`,
/// e.g. `release`), which the chart merges; or, when they do not contain every
/// service label, the whole set as `labels`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ObjectLabels<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    labels: Option<&'a Labels>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extra_labels: Option<BTreeMap<&'a str, &'a str>>,
}

impl<'a> ObjectLabels<'a> {
    pub(super) fn of(common: &'a Labels, own: &'a Labels) -> Self {
        match common.keys().all(|k| own.contains_key(k)) {
            true => ObjectLabels {
                labels: None,
                extra_labels: Some(
                    own.iter()
                        .filter(|(k, v)| common.get(*k) != Some(*v))
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect(),
                ),
            },
            false => ObjectLabels {
                labels: Some(own),
                extra_labels: None,
            },
        }
    }
}

/// The values that reproduce `o`, the objects of `s`; `None` if there is no workload
/// or its pod has no container, which the Kubernetes target never writes.
pub(crate) fn values<'a>(
    p: &'a Platform,
    s: &'a ResolvedService,
    o: &'a ServiceObjects,
) -> Option<Values<'a>> {
    let (labels, pod, cron) = match (&o.deployment, &o.cron_job) {
        (Some(d), _) => (&d.metadata.labels, &d.body.spec.template, None),
        (None, Some(c)) => {
            let spec = &c.body.spec;
            let job = &spec.job_template.spec;
            let cron = Cron {
                schedule: &spec.schedule,
                concurrency_policy: spec.concurrency_policy,
                starting_deadline_seconds: spec.starting_deadline_seconds,
                successful_jobs_history_limit: spec.successful_jobs_history_limit,
                failed_jobs_history_limit: spec.failed_jobs_history_limit,
                backoff_limit: job.backoff_limit,
            };
            (&c.metadata.labels, &job.template, Some(cron))
        }
        (None, None) => return None,
    };
    let (container, sidecars) = pod.spec.containers.split_first()?;
    Some(Values {
        name: &s.name,
        namespace: &s.namespace,
        labels,
        selector: &o.network_policy.body.spec.pod_selector.match_labels,
        pod_labels: Some(&pod.metadata.labels).filter(|l| *l != labels),
        pod_annotations: &pod.metadata.annotations,
        workload: s.workload.as_str(),
        cron,
        pod_security_context: &pod.spec.security_context,
        node_selector: &pod.spec.node_selector,
        tolerations: &pod.spec.tolerations,
        image_pull_secrets: &pod.spec.image_pull_secrets,
        reload_secrets: o.deployment.as_ref().and_then(|d| {
            d.metadata
                .annotations
                .get("secret.reloader.stakater.com/reload")
        }),
        image: &container.image,
        command: &container.command,
        args: &container.args,
        port: s.port,
        ports: &container.ports,
        service: o
            .service
            .as_deref()
            .map(|svc| svc.body.spec.ports.as_slice()),
        metrics: s.metrics.as_ref().map(|m| Metrics {
            port: m.port,
            path: &m.path,
        }),
        replicas: s.replicas,
        autoscale: s.autoscale.map(|a| Autoscale {
            min: a.min,
            max: a.max,
            cpu: a.cpu,
            queue: s.queue_scaler.as_ref().map(|q| QueueScaler {
                url: q.url.clone(),
                region: q.region.clone(),
                target: q.target,
            }),
        }),
        resources: &container.resources,
        probes: Probes {
            liveness: container.liveness_probe.as_ref(),
            readiness: container.readiness_probe.as_ref(),
            startup: container.startup_probe.as_ref(),
        },
        volume_mounts: &container.volume_mounts,
        volumes: &pod.spec.volumes,
        files: o.files.as_deref().map(|f| &f.body.data),
        sidecars,
        init_containers: &pod.spec.init_containers,
        env: o
            .config_map
            .as_ref()
            .map(|c| c.body.data.clone())
            .unwrap_or_default(),
        secret_env: container.env.iter().filter_map(secret_env).collect(),
        dependent_env: container.env.iter().filter_map(dependent_env).collect(),
        spread: !pod.spec.topology_spread_constraints.is_empty(),
        disruption_budget: o.disruption_budget.is_some(),
        service_account: ServiceAccount {
            annotations: &o.service_account.metadata.annotations,
        },
        ingress: o.ingress.as_deref().map(ingress),
        network_policy: network_policy(&o.network_policy.body.spec),
        external_secrets: o
            .external_secrets
            .iter()
            .map(|es| external_secret(es))
            .collect(),
        service_monitor: o
            .service_monitor
            .as_deref()
            .map(|m| monitor(labels, &m.metadata.labels, &m.body.spec.endpoints)),
        pod_monitor: o.pod_monitor.as_deref().map(|m| {
            monitor(
                labels,
                &m.metadata.labels,
                &m.body.spec.pod_metrics_endpoints,
            )
        }),
        prometheus_rule: o.prometheus_rule.as_deref().map(|r| {
            let own = ObjectLabels::of(labels, &r.metadata.labels);
            super::rules::rules(p, s, own, &r.body.spec.groups)
        }),
    })
}

fn monitor<'a>(
    common: &'a Labels,
    labels: &'a Labels,
    endpoints: &'a [MonitorEndpoint],
) -> Monitor<'a> {
    let endpoint = endpoints.first();
    Monitor {
        labels: ObjectLabels::of(common, labels),
        port: endpoint.map(|e| e.port.as_str()),
        path: endpoint.map(|e| e.path.as_str()),
        env: endpoint
            .and_then(|e| e.relabelings.first())
            .map(|r| r.replacement.as_str()),
    }
}

fn secret_env(e: &EnvVar) -> Option<SecretEnv<'_>> {
    let from = e.value_from.as_ref()?;
    Some(SecretEnv {
        name: &e.name,
        secret: &from.secret_key_ref.name,
        key: &from.secret_key_ref.key,
    })
}

fn dependent_env(e: &EnvVar) -> Option<DependentEnv<'_>> {
    Some(DependentEnv {
        name: &e.name,
        value: e.value.as_deref()?,
    })
}

fn ingress(i: &Object<Spec<IngressSpec>>) -> Ingress<'_> {
    let rule = i.body.spec.rules.first();
    Ingress {
        class_name: &i.body.spec.ingress_class_name,
        host: rule.map(|r| r.host.as_str()),
        path: rule
            .and_then(|r| r.http.paths.first())
            .map(|p| p.path.as_str()),
        annotations: &i.metadata.annotations,
    }
}

fn network_policy(spec: &NetworkPolicySpec) -> NetworkPolicy<'_> {
    let allow = spec
        .ingress
        .iter()
        .map(|rule| Allow {
            from: rule
                .from
                .iter()
                .map(|peer| Peer {
                    namespace: peer
                        .namespace_selector
                        .match_labels
                        .get(NAMESPACE_NAME_LABEL),
                    pod_labels: &peer.pod_selector.match_labels,
                })
                .collect(),
            port: rule.ports.first().map(|p| p.port.as_str()),
        })
        .collect();
    NetworkPolicy { allow }
}

fn external_secret(es: &Object<Spec<ExternalSecretSpec>>) -> ExternalSecret<'_> {
    let spec = &es.body.spec;
    ExternalSecret {
        name: &es.metadata.name,
        store: &spec.secret_store_ref.name,
        refresh_interval: spec.refresh_interval,
        template: spec.target.template.as_ref().map(|t| &t.data),
        data: spec
            .data
            .iter()
            .map(|d| SecretData {
                secret_key: &d.secret_key,
                key: &d.remote_ref.key,
                property: &d.remote_ref.property,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::kubernetes::objects::{
        EnvVarSource, KeyRef, LabelSelector, NetworkPolicyIngressRule, NetworkPolicyPeer,
        NetworkPolicyPort,
    };
    use crate::yaml_writer::to_yaml;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// A monitoring object's labels are written as what they add to the service's
    /// (the chart merges them over `labels`, the added value winning), or whole when
    /// they lack one of the service's labels, which a merge could not express.
    #[test]
    fn monitoring_labels_carry_only_what_they_add() {
        let common = labels(&[("app", "cart"), ("team", "checkout")]);
        let added = labels(&[("app", "cart"), ("release", "kps"), ("team", "ops")]);
        let yaml = to_yaml(&ObjectLabels::of(&common, &added)).unwrap();
        assert_eq!(yaml, "extraLabels:\n  release: kps\n  team: ops\n");
        let fewer = labels(&[("app", "cart"), ("release", "kps")]);
        let yaml = to_yaml(&ObjectLabels::of(&common, &fewer)).unwrap();
        assert_eq!(yaml, "labels:\n  app: cart\n  release: kps\n");
        let same = to_yaml(&ObjectLabels::of(&common, &common)).unwrap();
        assert_eq!(same, "extraLabels: {}\n");
    }

    #[test]
    fn network_policy_peers_become_namespace_and_pod_labels() {
        let spec = NetworkPolicySpec {
            pod_selector: LabelSelector {
                match_labels: labels(&[("app", "cart")]),
            },
            policy_types: vec!["Ingress"],
            ingress: vec![NetworkPolicyIngressRule {
                from: vec![NetworkPolicyPeer {
                    namespace_selector: LabelSelector {
                        match_labels: labels(&[(NAMESPACE_NAME_LABEL, "checkout")]),
                    },
                    pod_selector: LabelSelector {
                        match_labels: labels(&[("app", "checkout")]),
                    },
                }],
                ports: vec![NetworkPolicyPort {
                    protocol: "TCP",
                    port: "http".into(),
                }],
            }],
        };
        let expected = "allow:\n- from:\n  - namespace: checkout\n    podLabels:\n      app: checkout\n  port: http\n";
        assert_eq!(to_yaml(&network_policy(&spec)).unwrap(), expected);
    }

    #[test]
    fn env_splits_into_secret_and_dependent_entries() {
        let env = [
            EnvVar {
                name: "KEY".into(),
                value: None,
                value_from: Some(EnvVarSource {
                    secret_key_ref: KeyRef {
                        name: "cart-secrets".into(),
                        key: "KEY".into(),
                    },
                }),
            },
            EnvVar {
                name: "DSN".into(),
                value: Some("host=$(HOST)".into()),
                value_from: None,
            },
        ];
        let secret: Vec<_> = env.iter().filter_map(secret_env).collect();
        let dependent: Vec<_> = env.iter().filter_map(dependent_env).collect();
        assert_eq!(
            to_yaml(&secret).unwrap(),
            "- name: KEY\n  secret: cart-secrets\n  key: KEY\n"
        );
        assert_eq!(
            to_yaml(&dependent).unwrap(),
            "- name: DSN\n  value: host=$(HOST)\n"
        );
    }
}
