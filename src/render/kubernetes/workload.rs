//! The workload objects of a service: ServiceAccount, ConfigMaps (environment,
//! files), Deployment or CronJob with the pod's containers, HPA, PDB.

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;

use super::objects::*;
use super::{labels, metadata, object, selector};
use crate::resolve::{
    ExtraContainer, Mount, NamedPort, Platform, ProbeCheck, ResolvedService, Size, Workload,
};

pub(super) fn service_account(
    platform: &Platform,
    s: &ResolvedService,
) -> Object<ServiceAccountBody> {
    let mut meta = metadata(s, s.name.clone());
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

pub(super) fn config_map(s: &ResolvedService) -> Option<Object<ConfigMapBody>> {
    if s.env_vars.is_empty() {
        return None;
    }
    let data: IndexMap<String, String> = s.env_vars.iter().cloned().collect();
    Some(object(
        "v1",
        "ConfigMap",
        metadata(s, config_map_name(s)),
        ConfigMapBody { data },
    ))
}

/// The name of the ConfigMap holding a service's mounted files.
pub(super) fn files_config_map_name(s: &ResolvedService) -> String {
    format!("{}-files", s.name)
}

/// The ConfigMap of the service's `files`, keyed as resolve named them.
pub(super) fn files_config_map(s: &ResolvedService) -> Option<Object<ConfigMapBody>> {
    if s.files.is_empty() {
        return None;
    }
    let data = s
        .files
        .iter()
        .map(|f| (f.key.clone(), f.content.clone()))
        .collect();
    Some(object(
        "v1",
        "ConfigMap",
        metadata(s, files_config_map_name(s)),
        ConfigMapBody { data },
    ))
}

/// Checksums of the ConfigMaps the pods read; a change rolls the pods.
#[derive(Default)]
pub(super) struct Checksums {
    pub(super) config: Option<String>,
    pub(super) files: Option<String>,
}

/// The pod template every kind shares: labels, checksum annotations and the pod spec.
fn pod_template(platform: &Platform, s: &ResolvedService, checksums: Checksums) -> PodTemplate {
    let mut pod_labels = labels(s);
    if let Some(version) = image_version(&s.image) {
        pod_labels.insert("app.kubernetes.io/version".into(), version);
    }
    let pods = platform.pods(&s.env);
    // The platform's annotations never use `checksum/` (E0567), so neither hides the other.
    let mut annotations = pods.pod_annotations.clone();
    annotations.extend(
        [
            ("checksum/config", checksums.config),
            ("checksum/files", checksums.files),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_string(), v?))),
    );
    let mut spec = pod_spec(s);
    spec.node_selector = pods.node_selector.clone();
    spec.tolerations = pods
        .tolerations
        .iter()
        .map(|t| Toleration {
            key: t.key.clone(),
            operator: t.operator,
            value: t.value.clone(),
            effect: t.effect,
            toleration_seconds: t.toleration_seconds,
        })
        .collect();
    spec.image_pull_secrets = pods
        .image_pull_secrets
        .iter()
        .map(|name| LocalObjectReference { name: name.clone() })
        .collect();
    PodTemplate {
        metadata: PodMetadata {
            labels: pod_labels,
            annotations,
        },
        spec,
    }
}

pub(super) fn deployment(
    platform: &Platform,
    s: &ResolvedService,
    checksums: Checksums,
) -> Object<Spec<DeploymentSpec>> {
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
        template: pod_template(platform, s, checksums),
    };
    let mut meta = metadata(s, s.name.clone());
    if let Some(secrets) = reloaded_secrets(platform, s) {
        meta.annotations
            .insert("secret.reloader.stakater.com/reload".into(), secrets);
    }
    object("apps/v1", "Deployment", meta, Spec { spec })
}

/// The Secrets whose change should restart the pods (Stakater Reloader's
/// convention, read from the workload's annotations): every synced Secret the
/// container reads, the service's own `secrets` and its needs' (a password Terraform
/// replaced, a key rotated in the store). Their values are unknown when pave runs, so
/// a checksum annotation could not follow them. Only Deployments carry it: each run of
/// a CronJob starts new pods that read the current Secret, and Reloader would start
/// an extra, unscheduled Job instead.
fn reloaded_secrets(platform: &Platform, s: &ResolvedService) -> Option<String> {
    platform.secret_store.as_ref()?;
    let own = (!s.secrets.is_empty()).then(|| secret_name(s));
    // Sorted, so reordering `env` does not change the workload.
    let names: BTreeSet<String> = own
        .into_iter()
        .chain(s.secret_env.iter().map(|e| e.secret.clone()))
        .collect();
    (!names.is_empty()).then(|| names.into_iter().collect::<Vec<_>>().join(","))
}

/// A cron service's CronJob; `None` for the other kinds.
pub(super) fn cron_job(
    platform: &Platform,
    s: &ResolvedService,
    checksums: Checksums,
) -> Option<Object<Spec<CronJobSpec>>> {
    let Workload::Cron(cron) = &s.workload else {
        return None;
    };
    let mut template = pod_template(platform, s, checksums);
    // A failed run is retried in a new container of the same pod.
    template.spec.restart_policy = Some("OnFailure");
    let spec = CronJobSpec {
        schedule: cron.schedule.clone(),
        concurrency_policy: cron.concurrency,
        starting_deadline_seconds: cron.deadline_seconds,
        successful_jobs_history_limit: cron.successful_history,
        failed_jobs_history_limit: cron.failed_history,
        job_template: JobTemplate {
            spec: JobSpec {
                backoff_limit: cron.backoff_limit,
                template,
            },
        },
    };
    Some(object(
        "batch/v1",
        "CronJob",
        metadata(s, s.name.clone()),
        Spec { spec },
    ))
}

fn pod_spec(s: &ResolvedService) -> PodSpec {
    let spread = match !matches!(s.workload, Workload::Cron(_)) && s.min_replicas() >= 2 {
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
    let mut volumes = vec![Volume {
        name: "tmp".into(),
        empty_dir: Some(EmptyDir {
            medium: None,
            size_limit: Some("256Mi".into()),
        }),
        config_map: None,
    }];
    if !s.files.is_empty() {
        volumes.push(Volume {
            name: "files".into(),
            empty_dir: None,
            config_map: Some(ConfigMapVolume {
                name: files_config_map_name(s),
                items: s
                    .files
                    .iter()
                    .map(|f| KeyToPath {
                        key: f.key.clone(),
                        path: f.key.clone(),
                    })
                    .collect(),
            }),
        });
    }
    volumes.extend(s.volumes.iter().map(|v| Volume {
        name: v.name.clone(),
        empty_dir: Some(EmptyDir {
            medium: v.memory.then_some("Memory"),
            size_limit: v.size.clone(),
        }),
        config_map: None,
    }));
    let mut containers = vec![container(s)];
    containers.extend(s.sidecars.iter().map(|c| extra_container(s, c)));
    PodSpec {
        service_account_name: s.name.clone(),
        automount_service_account_token: false,
        restart_policy: None,
        security_context: PodSecurityContext {
            run_as_non_root: true,
            run_as_user: s.security.run_as_user,
            run_as_group: s.security.run_as_group,
            fs_group: s.security.fs_group,
            seccomp_profile: SeccompProfile {
                kind: "RuntimeDefault",
            },
        },
        topology_spread_constraints: spread,
        node_selector: BTreeMap::new(),
        tolerations: Vec::new(),
        image_pull_secrets: Vec::new(),
        init_containers: s.init.iter().map(|c| extra_container(s, c)).collect(),
        containers,
        volumes,
    }
}

/// The main container's ports: `http` for a web service, the extra ports, `metrics`.
pub(super) fn main_ports(s: &ResolvedService) -> Vec<NamedPort> {
    crate::resolve::declared_ports(
        &s.workload,
        s.port,
        &s.ports,
        s.metrics.as_ref().map(|m| m.port),
    )
}

/// The name of the port metrics are scraped on, when the service has metrics.
pub(super) fn metrics_port_name(s: &ResolvedService) -> Option<String> {
    let m = s.metrics.as_ref()?;
    main_ports(s)
        .into_iter()
        .find(|p| p.port == m.port)
        .map(|p| p.name)
}

fn container(s: &ResolvedService) -> Container {
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
    let mut c = hardened(
        s,
        s.name.clone(),
        s.image.clone(),
        (s.command.clone(), s.args.clone()),
        (&s.resources, &main_ports(s)),
        &s.mounts,
    );
    c.env_from = env_from;
    c.env = env;
    c.readiness_probe = s.probes.readiness.as_ref().map(probe);
    c.liveness_probe = s.probes.liveness.as_ref().map(probe);
    c.startup_probe = s.probes.startup.as_ref().map(probe);
    c
}

/// A sidecar or init container: plain `env` values, no probes.
fn extra_container(s: &ResolvedService, x: &ExtraContainer) -> Container {
    let mut c = hardened(
        s,
        x.name.clone(),
        x.image.clone(),
        (x.command.clone(), x.args.clone()),
        (&x.resources, &x.ports),
        &x.mounts,
    );
    c.env = x
        .env
        .iter()
        .map(|(name, value)| EnvVar {
            name: name.clone(),
            value: Some(value.clone()),
            value_from: None,
        })
        .collect();
    c
}

/// A container with pave's hardening, resources by size, `/tmp`, the files and its
/// own volume mounts.
fn hardened(
    s: &ResolvedService,
    name: String,
    image: String,
    (command, args): (Vec<String>, Vec<String>),
    (size, ports): (&Size, &[NamedPort]),
    mounts: &[Mount],
) -> Container {
    let mut volume_mounts = vec![VolumeMount {
        name: "tmp".into(),
        mount_path: "/tmp".into(),
        sub_path: None,
        read_only: false,
    }];
    volume_mounts.extend(s.files.iter().map(|f| VolumeMount {
        name: "files".into(),
        mount_path: f.path.clone(),
        sub_path: Some(f.key.clone()),
        read_only: true,
    }));
    volume_mounts.extend(mounts.iter().map(|m| VolumeMount {
        name: m.volume.clone(),
        mount_path: m.path.clone(),
        sub_path: m.sub_path.clone(),
        read_only: m.read_only,
    }));
    Container {
        name,
        image,
        command,
        args,
        ports: ports
            .iter()
            .map(|p| ContainerPort {
                name: p.name.clone(),
                container_port: p.port,
                protocol: "TCP",
            })
            .collect(),
        env_from: Vec::new(),
        env: Vec::new(),
        resources: Resources {
            requests: BTreeMap::from([("cpu", size.cpu.clone()), ("memory", size.memory.clone())]),
            // Memory is not compressible: a limit equal to the request keeps the pod's
            // eviction class predictable. CPU is left unlimited to avoid throttling.
            limits: BTreeMap::from([("memory", size.memory.clone())]),
        },
        readiness_probe: None,
        liveness_probe: None,
        startup_probe: None,
        security_context: ContainerSecurityContext {
            allow_privilege_escalation: false,
            read_only_root_filesystem: true,
            run_as_non_root: true,
            capabilities: Capabilities { drop: vec!["ALL"] },
            seccomp_profile: SeccompProfile {
                kind: "RuntimeDefault",
            },
        },
        volume_mounts,
    }
}

fn probe(p: &crate::resolve::Probe) -> Probe {
    let handler = match &p.check {
        ProbeCheck::Http { path, port } => ProbeHandler::HttpGet(HttpGet {
            path: path.clone(),
            port: port.clone(),
        }),
        ProbeCheck::Grpc(port) => ProbeHandler::Grpc(GrpcAction { port: *port }),
        ProbeCheck::Tcp(port) => ProbeHandler::TcpSocket(TcpSocket { port: port.clone() }),
        ProbeCheck::Exec(command) => ProbeHandler::Exec(ExecAction {
            command: command.clone(),
        }),
    };
    Probe {
        handler,
        initial_delay_seconds: p.initial_delay_seconds,
        period_seconds: p.period_seconds,
        timeout_seconds: p.timeout_seconds,
        failure_threshold: p.failure_threshold,
    }
}

pub(super) fn autoscaler(s: &ResolvedService) -> Option<Object<Spec<HpaSpec>>> {
    let a = s
        .autoscale
        .filter(|_| !matches!(s.workload, Workload::Cron(_)))?;
    // KEDA owns the replicas of a queue-scaled worker (it makes its own HPA).
    if s.queue_scaler.is_some() {
        return None;
    }
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
        metadata(s, s.name.clone()),
        Spec { spec },
    ))
}

/// KEDA's ScaledObject for a worker scaled on its queue's depth: the SQS scaler keeps
/// about `target` visible and in-flight messages per replica, between min and max.
pub(super) fn scaled_object(s: &ResolvedService) -> Option<Object<Spec<serde_json::Value>>> {
    let (q, a) = (s.queue_scaler.as_ref()?, s.autoscale?);
    let spec = serde_json::json!({
        "scaleTargetRef": { "apiVersion": "apps/v1", "kind": "Deployment", "name": s.name },
        "minReplicaCount": a.min,
        "maxReplicaCount": a.max,
        "triggers": [{
            "type": "aws-sqs-queue",
            "authenticationRef": { "kind": "TriggerAuthentication", "name": s.name },
            "metadata": {
                "queueURL": q.url,
                "queueLength": q.target.to_string(),
                "awsRegion": q.region,
            },
        }],
    });
    Some(object(
        "keda.sh/v1alpha1",
        "ScaledObject",
        metadata(s, s.name.clone()),
        Spec { spec },
    ))
}

/// How KEDA reads the queue: with the workload's own IRSA role (the one its service
/// account assumes, which may read the queue's attributes), not KEDA's.
pub(super) fn trigger_authentication(
    s: &ResolvedService,
) -> Option<Object<Spec<serde_json::Value>>> {
    s.queue_scaler.as_ref()?;
    let spec = serde_json::json!({
        "podIdentity": { "provider": "aws", "identityOwner": "workload" },
    });
    Some(object(
        "keda.sh/v1alpha1",
        "TriggerAuthentication",
        metadata(s, s.name.clone()),
        Spec { spec },
    ))
}

pub(super) fn disruption_budget(s: &ResolvedService) -> Option<Object<Spec<PdbSpec>>> {
    if s.min_replicas() < 2 || matches!(s.workload, Workload::Cron(_)) {
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
        metadata(s, s.name.clone()),
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
