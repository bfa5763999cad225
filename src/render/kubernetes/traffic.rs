//! How traffic and data reach a service: Service, Ingress, NetworkPolicy,
//! ExternalSecret and ServiceMonitor or PodMonitor.

use super::objects::*;
use super::workload::{main_ports, metrics_port_name, secret_name};
use super::{metadata, object, selector};
use crate::diag::Diagnostic;
use crate::render::messages;
use crate::resolve::module::ModuleNeed;
use crate::resolve::{NamedPort, Platform, ProbeCheck, ResolvedService, Workload};

/// A web service's Service: every declared port of the main container, with its
/// application protocol; `None` for workers and cron jobs, which serve no traffic.
pub(super) fn service(s: &ResolvedService) -> Option<Object<Spec<ServiceSpec>>> {
    if !s.is_web() {
        return None;
    }
    let ports = main_ports(s)
        .iter()
        .map(|p| ServicePort {
            name: p.name.clone(),
            port: p.port,
            target_port: p.name.clone(),
            protocol: "TCP",
            app_protocol: app_protocol(s, p),
        })
        .collect();
    let spec = ServiceSpec {
        kind: "ClusterIP",
        selector: selector(s),
        ports,
    };
    Some(object(
        "v1",
        "Service",
        metadata(s, s.name.clone()),
        Spec { spec },
    ))
}

/// The protocol a port speaks: gRPC when a gRPC probe checks it or its name says so,
/// HTTP for the main and metrics ports or a name that says so, else unknown.
pub(super) fn app_protocol(s: &ResolvedService, p: &NamedPort) -> Option<&'static str> {
    let probes = [&s.probes.liveness, &s.probes.readiness, &s.probes.startup];
    let grpc_probe = probes
        .iter()
        .filter_map(|p| p.as_ref())
        .any(|probe| probe.check == ProbeCheck::Grpc(p.port));
    if grpc_probe || p.name.starts_with("grpc") {
        Some("grpc")
    } else if p.name.starts_with("http") || p.name == "metrics" {
        Some("http")
    } else {
        None
    }
}

pub(super) fn ingress(
    platform: &Platform,
    s: &ResolvedService,
) -> Option<Object<Spec<IngressSpec>>> {
    let route = s.route.as_ref().filter(|_| s.is_web())?;
    let mut meta = metadata(s, s.name.clone());
    let main = NamedPort {
        name: "http".into(),
        port: s.port,
    };
    // ingress-nginx speaks HTTP/1 to backends unless told the backend is gRPC.
    if app_protocol(s, &main) == Some("grpc") && platform.ingress.class.contains("nginx") {
        meta.annotations.insert(
            "nginx.ingress.kubernetes.io/backend-protocol".into(),
            "GRPC".into(),
        );
    }
    if let Some(issuer) = &platform.ingress.cluster_issuer {
        meta.annotations
            .insert("cert-manager.io/cluster-issuer".into(), issuer.clone());
    }
    if platform.ingress.external_dns {
        meta.annotations.insert(
            "external-dns.alpha.kubernetes.io/hostname".into(),
            route.host.clone(),
        );
    }
    let spec = IngressSpec {
        ingress_class_name: platform.ingress.class.clone(),
        tls: vec![IngressTls {
            hosts: vec![route.host.clone()],
            secret_name: format!("{}-tls", s.name),
        }],
        rules: vec![IngressRule {
            host: route.host.clone(),
            http: IngressHttp {
                paths: vec![IngressPath {
                    path: route.path.clone(),
                    path_type: "Prefix",
                    backend: IngressBackend {
                        service: IngressServiceBackend {
                            name: s.name.clone(),
                            port: PortName { name: "http" },
                        },
                    },
                }],
            },
        }],
    };
    Some(object(
        "networking.k8s.io/v1",
        "Ingress",
        meta,
        Spec { spec },
    ))
}

/// Ingress only from the services that declare this one in `needs`, from the ingress
/// controller when routed, and from Prometheus on the metrics port. With no rule at
/// all, the policy denies every inbound connection.
pub(super) fn network_policy(
    platform: &Platform,
    s: &ResolvedService,
    consumers: &[&ResolvedService],
) -> Object<Spec<NetworkPolicySpec>> {
    let peer = |namespace: &str, pods: Labels| NetworkPolicyPeer {
        namespace_selector: LabelSelector {
            match_labels: Labels::from([(
                "kubernetes.io/metadata.name".to_string(),
                namespace.to_string(),
            )]),
        },
        pod_selector: LabelSelector { match_labels: pods },
    };
    let port = |name: &str| {
        vec![NetworkPolicyPort {
            protocol: "TCP",
            port: name.to_string(),
        }]
    };
    let mut rules = Vec::new();
    if !consumers.is_empty() && s.is_web() {
        rules.push(NetworkPolicyIngressRule {
            from: consumers
                .iter()
                .map(|c| peer(&c.namespace, selector(c)))
                .collect(),
            ports: port("http"),
        });
    }
    if s.route.is_some() {
        let i = &platform.ingress;
        rules.push(NetworkPolicyIngressRule {
            from: vec![peer(
                &i.controller_namespace,
                i.controller_labels.clone().into(),
            )],
            ports: port("http"),
        });
    }
    if let Some(name) = metrics_port_name(s) {
        let mon = &platform.monitoring;
        rules.push(NetworkPolicyIngressRule {
            from: vec![peer(&mon.namespace, mon.prometheus_labels.clone().into())],
            ports: port(&name),
        });
    }
    let spec = NetworkPolicySpec {
        pod_selector: LabelSelector {
            match_labels: selector(s),
        },
        policy_types: vec!["Ingress"],
        ingress: rules,
    };
    object(
        "networking.k8s.io/v1",
        "NetworkPolicy",
        metadata(s, s.name.clone()),
        Spec { spec },
    )
}

/// How often a need's ExternalSecret re-reads the store: a value Terraform rewrote
/// (a rotated password) reaches the Secret within this, and Reloader then restarts
/// the pods (see `workload`).
const NEED_REFRESH: &str = "15m";

/// The keys the ExternalSecret assembles from the synced ones (a database URL with
/// credentials), so no secret value passes through pave's manifests.
fn composed(need: &ModuleNeed) -> Option<SecretTemplate> {
    (!need.composed.is_empty()).then(|| SecretTemplate {
        engine_version: "v2",
        merge_policy: "Merge",
        data: need.composed.iter().cloned().collect(),
    })
}

/// One ExternalSecret per module need with secret outputs: it syncs the need's path in
/// the secret store (written by Terraform) into the Secret the pod reads.
pub(super) fn need_external_secrets(
    platform: &Platform,
    s: &ResolvedService,
) -> Vec<(String, Object<Spec<ExternalSecretSpec>>)> {
    let Some(store) = &platform.secret_store else {
        return Vec::new();
    };
    s.module_needs
        .iter()
        .filter(|n| !n.secrets.is_empty())
        .map(|n| {
            let name = crate::resolve::need_secret_name(&s.name, &n.name);
            let spec = ExternalSecretSpec {
                refresh_interval: NEED_REFRESH,
                secret_store_ref: StoreRef {
                    kind: "ClusterSecretStore",
                    name: store.clone(),
                },
                target: ExternalSecretTarget {
                    name: name.clone(),
                    creation_policy: "Owner",
                    template: composed(n),
                },
                data: n
                    .secrets
                    .iter()
                    .map(|(key, _)| ExternalSecretData {
                        secret_key: key.clone(),
                        remote_ref: RemoteRef {
                            key: n.secret_path.clone(),
                            property: key.clone(),
                        },
                    })
                    .collect(),
            };
            let meta = metadata(s, name);
            (
                n.name.clone(),
                object(
                    "external-secrets.io/v1",
                    "ExternalSecret",
                    meta,
                    Spec { spec },
                ),
            )
        })
        .collect()
}

pub(super) fn external_secret(
    platform: &Platform,
    s: &ResolvedService,
) -> Option<Object<Spec<ExternalSecretSpec>>> {
    if s.secrets.is_empty() {
        return None;
    }
    let store = platform.secret_store.clone()?;
    let spec = ExternalSecretSpec {
        refresh_interval: "1h",
        secret_store_ref: StoreRef {
            kind: "ClusterSecretStore",
            name: store,
        },
        target: ExternalSecretTarget {
            name: secret_name(s),
            creation_policy: "Owner",
            template: None,
        },
        data: s
            .secrets
            .iter()
            .map(|r| ExternalSecretData {
                secret_key: r.env_name.clone(),
                remote_ref: RemoteRef {
                    key: r.path.clone(),
                    property: r.key.clone(),
                },
            })
            .collect(),
    };
    Some(object(
        "external-secrets.io/v1",
        "ExternalSecret",
        metadata(s, secret_name(s)),
        Spec { spec },
    ))
}

pub(super) fn service_monitor(
    platform: &Platform,
    s: &ResolvedService,
) -> Option<Object<Spec<ServiceMonitorSpec>>> {
    let m = s.metrics.as_ref().filter(|_| s.is_web())?;
    // Without the Prometheus target there are no operator objects: a cluster without
    // the operator's CRDs must still apply the tree.
    if !platform.observability.enabled {
        return None;
    }
    let mut meta = metadata(s, s.name.clone());
    meta.labels.extend(platform.monitoring.labels.clone());
    let spec = ServiceMonitorSpec {
        selector: LabelSelector {
            match_labels: selector(s),
        },
        endpoints: vec![MonitorEndpoint {
            port: metrics_port_name(s)?,
            path: m.path.clone(),
            // Every series carries its environment, so rules of several environments
            // on one Prometheus never mix them (see `observe::selector`).
            relabelings: env_relabeling(s),
        }],
    };
    Some(object(
        "monitoring.coreos.com/v1",
        "ServiceMonitor",
        meta,
        Spec { spec },
    ))
}

/// Every series carries its environment, so rules of several environments on one
/// Prometheus never mix them (see `observe::selector`).
fn env_relabeling(s: &ResolvedService) -> Vec<Relabeling> {
    vec![Relabeling {
        action: "replace",
        target_label: crate::observe::ENV_LABEL,
        replacement: s.env.clone(),
    }]
}

/// A worker has no Service to select, so Prometheus scrapes its pods directly.
pub(super) fn pod_monitor(
    platform: &Platform,
    s: &ResolvedService,
) -> Option<Object<Spec<PodMonitorSpec>>> {
    let m = s
        .metrics
        .as_ref()
        .filter(|_| matches!(s.workload, Workload::Worker))?;
    if !platform.observability.enabled {
        return None;
    }
    let mut meta = metadata(s, s.name.clone());
    meta.labels.extend(platform.monitoring.labels.clone());
    let spec = PodMonitorSpec {
        job_label: "app.kubernetes.io/name",
        selector: LabelSelector {
            match_labels: selector(s),
        },
        pod_metrics_endpoints: vec![MonitorEndpoint {
            port: metrics_port_name(s)?,
            path: m.path.clone(),
            relabelings: env_relabeling(s),
        }],
    };
    Some(object(
        "monitoring.coreos.com/v1",
        "PodMonitor",
        meta,
        Spec { spec },
    ))
}

/// The service's Prometheus rules for the Prometheus operator, labelled so that
/// Prometheus selects them.
pub(super) fn prometheus_rule(
    platform: &Platform,
    s: &ResolvedService,
) -> Option<Object<Spec<PrometheusRuleSpec>>> {
    if !platform.observability.enabled {
        return None;
    }
    let groups = crate::observe::rule_groups(platform, &s.env, s);
    if groups.is_empty() {
        return None;
    }
    let mut meta = metadata(s, s.name.clone());
    meta.labels.extend(platform.monitoring.labels.clone());
    Some(object(
        "monitoring.coreos.com/v1",
        "PrometheusRule",
        meta,
        Spec {
            spec: PrometheusRuleSpec { groups },
        },
    ))
}

/// The environment's platform PrometheusRules, in Prometheus' own namespace, which the
/// operator's rule selection covers by default, each with its file name: its contract
/// alerts with the info of the services they watch (`pave-contract-<platform>-<env>`,
/// when a service has metrics), and its SLI recordings, SLO burn rates and SLO alerts
/// (`pave-slo-<platform>-<env>`, when a service has an SLO). None without Prometheus.
pub(super) fn platform_rules(
    platform: &Platform,
    env: &str,
    services: &[&ResolvedService],
) -> Vec<(String, Object<Spec<PrometheusRuleSpec>>)> {
    if !platform.observability.enabled {
        return Vec::new();
    }
    [
        (
            "pave-contract",
            crate::observe::contract_groups(platform, env, services),
        ),
        (
            "pave-slo",
            crate::observe::platform_groups(platform, env, services),
        ),
    ]
    .into_iter()
    .filter_map(|(name, groups)| {
        let rule = platform_rule(platform, env, name, groups)?;
        Some((format!("prometheusrule-{name}.yaml"), rule))
    })
    .collect()
}

/// A PrometheusRule of the environment's platform rules (`<name>-<platform>-<env>`),
/// owned by the platform; `None` when it has no group.
fn platform_rule(
    platform: &Platform,
    env: &str,
    name: &str,
    groups: Vec<crate::observe::RuleGroup>,
) -> Option<Object<Spec<PrometheusRuleSpec>>> {
    if groups.is_empty() {
        return None;
    }
    let mut labels = super::environment_labels(platform, env);
    labels.extend([
        ("app.kubernetes.io/name".to_string(), name.to_string()),
        // Every service's alerts read it: the platform (team) owns it.
        ("pave/owner".to_string(), platform.name.clone()),
    ]);
    labels.extend(platform.monitoring.labels.clone());
    let metadata = Metadata {
        // Environments, and pave platforms, may share Prometheus' namespace (one
        // cluster, several environments or platforms): the name keeps them apart, as
        // the rules' `env` and `pave_platform` selectors keep their series apart.
        name: format!("{name}-{}-{env}", platform.name),
        namespace: Some(platform.monitoring.namespace.clone()),
        labels,
        ..Metadata::default()
    };
    Some(object(
        "monitoring.coreos.com/v1",
        "PrometheusRule",
        metadata,
        Spec {
            spec: PrometheusRuleSpec { groups },
        },
    ))
}

/// The service's own Grafana dashboard (with `monitoring.dashboards.per_service`), in
/// a ConfigMap Grafana's sidecar picks up.
pub(super) fn dashboard(
    platform: &Platform,
    s: &ResolvedService,
) -> Result<Option<Object<ConfigMapBody>>, Diagnostic> {
    let o = &platform.observability;
    if !o.enabled || !o.dashboards_per_service {
        return Ok(None);
    }
    let board = crate::observe::dashboard::dashboard(platform, &s.env, s);
    let mut meta = metadata(s, format!("{}-dashboard", s.name));
    meta.labels
        .extend(platform.observability.dashboard_labels.clone());
    let file = format!("{}.json", s.name);
    let json = crate::observe::dashboard::to_json(&board)
        .map_err(|e| messages::unwritable(&format!("{}/dashboard.yaml", s.name), &e))?;
    let data = [(file, json)].into_iter().collect();
    Ok(Some(object(
        "v1",
        "ConfigMap",
        meta,
        ConfigMapBody { data },
    )))
}
