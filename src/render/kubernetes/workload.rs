//! The workload objects of a service: ServiceAccount, ConfigMap, Deployment, HPA, PDB.

use std::collections::BTreeMap;

use indexmap::IndexMap;

use super::objects::*;
use super::{labels, metadata, object, selector};
use crate::resolve::{Platform, ResolvedService};

pub(super) fn service_account(
    platform: &Platform,
    s: &ResolvedService,
) -> Object<ServiceAccountBody> {
    let mut meta = metadata(platform, s, s.name.clone());
    // IAM roles for service accounts: the role Terraform creates for the needs' permissions.
    let account = platform
        .environments
        .iter()
        .find(|e| e.name == s.env)
        .and_then(|e| e.account.as_ref());
    if let (Some(role), Some(account)) = (&s.role, account) {
        meta.annotations.insert(
            "eks.amazonaws.com/role-arn".into(),
            format!("arn:aws:iam::{account}:role/{role}"),
        );
    }
    object(
        "v1",
        "ServiceAccount",
        meta,
        ServiceAccountBody {
            automount_service_account_token: false,
        },
    )
}

/// The name of the ConfigMap holding a service's plain environment variables.
pub(super) fn config_map_name(s: &ResolvedService) -> String {
    format!("{}-env", s.name)
}

/// The name of the Secret External Secrets writes a service's secrets into.
pub(super) fn secret_name(s: &ResolvedService) -> String {
    format!("{}-secrets", s.name)
}

pub(super) fn config_map(
    platform: &Platform,
    s: &ResolvedService,
) -> Option<Object<ConfigMapBody>> {
    if s.env_vars.is_empty() {
        return None;
    }
    let data: IndexMap<String, String> = s.env_vars.iter().cloned().collect();
    Some(object(
        "v1",
        "ConfigMap",
        metadata(platform, s, config_map_name(s)),
        ConfigMapBody { data },
    ))
}

pub(super) fn deployment(
    platform: &Platform,
    s: &ResolvedService,
    config_checksum: Option<String>,
) -> Object<Spec<DeploymentSpec>> {
    let mut pod_labels = labels(platform, s);
    if let Some(version) = image_version(&s.image) {
        pod_labels.insert("app.kubernetes.io/version".into(), version);
    }
    // A changed ConfigMap changes this annotation, which rolls the pods.
    let annotations: BTreeMap<String, String> = config_checksum
        .into_iter()
        .map(|c| ("checksum/config".to_string(), c))
        .collect();
    let spec = DeploymentSpec {
        replicas: s.autoscale.is_none().then_some(s.replicas),
        revision_history_limit: 5,
        selector: LabelSelector {
            match_labels: selector(s),
        },
        strategy: DeploymentStrategy {
            kind: "RollingUpdate",
            rolling_update: RollingUpdate {
                max_surge: IntOrString::String("25%".into()),
                max_unavailable: IntOrString::Int(0),
            },
        },
        template: PodTemplate {
            metadata: PodMetadata {
                labels: pod_labels,
                annotations,
            },
            spec: pod_spec(s),
        },
    };
    let mut meta = metadata(platform, s, s.name.clone());
    if let Some(secrets) = reloaded_secrets(platform, s) {
        meta.annotations
            .insert("secret.reloader.stakater.com/reload".into(), secrets);
    }
    object("apps/v1", "Deployment", meta, Spec { spec })
}

/// The Secrets whose change should restart the pods (Stakater Reloader's
/// convention, read from the workload's annotations): the need Secrets that
/// Terraform can rewrite after the first apply (a rotated password). Their values
/// are unknown when pave runs, so a checksum annotation could not follow them.
fn reloaded_secrets(platform: &Platform, s: &ResolvedService) -> Option<String> {
    platform.secret_store.as_ref()?;
    let names: Vec<String> = s
        .module_needs
        .iter()
        .filter(|n| !n.secrets.is_empty())
        .map(|n| crate::resolve::need_secret_name(&s.name, &n.name))
        .collect();
    (!names.is_empty()).then(|| names.join(","))
}

fn pod_spec(s: &ResolvedService) -> PodSpec {
    let spread = match s.min_replicas() >= 2 {
        true => ["topology.kubernetes.io/zone", "kubernetes.io/hostname"]
            .into_iter()
            .map(|key| TopologySpreadConstraint {
                max_skew: 1,
                topology_key: key,
                when_unsatisfiable: "ScheduleAnyway",
                label_selector: LabelSelector {
                    match_labels: selector(s),
                },
                match_label_keys: vec!["pod-template-hash"],
            })
            .collect(),
        false => Vec::new(),
    };
    PodSpec {
        service_account_name: s.name.clone(),
        automount_service_account_token: false,
        security_context: PodSecurityContext {
            run_as_non_root: true,
            seccomp_profile: SeccompProfile {
                kind: "RuntimeDefault",
            },
        },
        topology_spread_constraints: spread,
        containers: vec![container(s)],
        volumes: vec![Volume {
            name: "tmp",
            empty_dir: EmptyDir {
                size_limit: "256Mi",
            },
        }],
    }
}

fn container(s: &ResolvedService) -> Container {
    let mut ports = vec![ContainerPort {
        name: "http",
        container_port: s.port,
        protocol: "TCP",
    }];
    if let Some(m) = s.metrics.as_ref().filter(|m| m.port != s.port) {
        ports.push(ContainerPort {
            name: "metrics",
            container_port: m.port,
            protocol: "TCP",
        });
    }
    let env_from = match s.env_vars.is_empty() {
        true => Vec::new(),
        false => vec![EnvFromSource {
            config_map_ref: NameRef {
                name: config_map_name(s),
            },
        }],
    };
    let from_secret = |name: &str, secret: String, key: &str| EnvVar {
        name: name.to_string(),
        value: None,
        value_from: Some(EnvVarSource {
            secret_key_ref: KeyRef {
                name: secret,
                key: key.to_string(),
            },
        }),
    };
    // Order matters: a dependent variable (`$(PAVE_DB_HOST)`) must come after the
    // variables it reads.
    let env = s
        .secrets
        .iter()
        .map(|r| from_secret(&r.env_name, secret_name(s), &r.env_name))
        .chain(
            s.secret_env
                .iter()
                .map(|e| from_secret(&e.name, e.secret.clone(), &e.key)),
        )
        .chain(s.dependent_env.iter().map(|(name, value)| EnvVar {
            name: name.clone(),
            value: Some(value.clone()),
            value_from: None,
        }))
        .collect();
    let probe = |path: &str| Probe {
        http_get: HttpGet {
            path: path.to_string(),
            port: "http",
        },
        period_seconds: 10,
        timeout_seconds: 2,
        failure_threshold: 3,
    };
    Container {
        name: s.name.clone(),
        image: s.image.clone(),
        command: s.command.clone(),
        args: s.args.clone(),
        ports,
        env_from,
        env,
        resources: Resources {
            requests: BTreeMap::from([
                ("cpu", s.resources.cpu.clone()),
                ("memory", s.resources.memory.clone()),
            ]),
            // Memory is not compressible: a limit equal to the request keeps the pod's
            // eviction class predictable. CPU is left unlimited to avoid throttling.
            limits: BTreeMap::from([("memory", s.resources.memory.clone())]),
        },
        readiness_probe: probe(&s.readiness),
        liveness_probe: probe(&s.liveness),
        security_context: ContainerSecurityContext {
            allow_privilege_escalation: false,
            read_only_root_filesystem: true,
            run_as_non_root: true,
            capabilities: Capabilities { drop: vec!["ALL"] },
            seccomp_profile: SeccompProfile {
                kind: "RuntimeDefault",
            },
        },
        volume_mounts: vec![VolumeMount {
            name: "tmp",
            mount_path: "/tmp",
        }],
    }
}

pub(super) fn autoscaler(
    platform: &Platform,
    s: &ResolvedService,
) -> Option<Object<Spec<HpaSpec>>> {
    let a = s.autoscale?;
    let spec = HpaSpec {
        scale_target_ref: CrossVersionRef {
            api_version: "apps/v1",
            kind: "Deployment",
            name: s.name.clone(),
        },
        min_replicas: a.min,
        max_replicas: a.max,
        metrics: vec![HpaMetric {
            kind: "Resource",
            resource: HpaResource {
                name: "cpu",
                target: HpaTarget {
                    kind: "Utilization",
                    average_utilization: a.cpu,
                },
            },
        }],
    };
    Some(object(
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
        metadata(platform, s, s.name.clone()),
        Spec { spec },
    ))
}

pub(super) fn disruption_budget(
    platform: &Platform,
    s: &ResolvedService,
) -> Option<Object<Spec<PdbSpec>>> {
    if s.min_replicas() < 2 {
        return None;
    }
    let spec = PdbSpec {
        max_unavailable: 1,
        selector: LabelSelector {
            match_labels: selector(s),
        },
        // Lets a node drain evict pods that are not ready anyway.
        unhealthy_pod_eviction_policy: "AlwaysAllow",
    };
    Some(object(
        "policy/v1",
        "PodDisruptionBudget",
        metadata(platform, s, s.name.clone()),
        Spec { spec },
    ))
}

/// The image tag as a label value, when the image has a tag that is a valid label value.
fn image_version(image: &str) -> Option<String> {
    if image.contains('@') {
        return None;
    }
    let last = image.rsplit('/').next()?;
    let (_, tag) = last.split_once(':')?;
    let valid = !tag.is_empty()
        && tag.len() <= 63
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && tag.starts_with(|c: char| c.is_ascii_alphanumeric())
        && tag.ends_with(|c: char| c.is_ascii_alphanumeric());
    valid.then(|| tag.to_string())
}

#[cfg(test)]
mod tests {
    use super::image_version;

    #[test]
    fn version_label_comes_from_the_tag_only() {
        assert_eq!(
            image_version("ghcr.io/acme/api:1.4.2").as_deref(),
            Some("1.4.2")
        );
        assert_eq!(image_version("localhost:5000/api"), None);
        assert_eq!(image_version("ghcr.io/acme/api@sha256:abc"), None);
    }
}
