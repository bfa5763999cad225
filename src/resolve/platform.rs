//! The platform file -> [`Platform`], with pave's defaults filled in.

use std::collections::BTreeMap;

use super::messages;
use super::resolved::{
    AlertSetting, BurnWindow, Contract, EnvSeverity, Environment, Ingress, Monitoring, Network,
    Observability, Platform, PodSettings, SecretBackend, Size, Targets, TerraformTarget,
    Toleration, Urgency,
};
use crate::decimal::Decimal;
use crate::diag::Diagnostic;
use crate::document::{Document, pointer_push};
use crate::duration;
use crate::model::Toggle;
use crate::model::platform::{
    AlertsFile, BurnWindowFile, EnvSeverityFile, EnvironmentFile, PlatformFile, SecretProvider,
    SecretsFile, TaintEffect, TerraformFile, TolerationOperator, UrgencyName, UrgencyTarget,
};
use crate::output::Layout;

/// The KV v2 mount Vault enables by default (`vault server -dev`, `secrets enable kv-v2`).
const DEFAULT_VAULT_MOUNT: &str = "secret";

/// The namespace pattern of each environment, in environment order.
pub(super) struct NamespacePatterns(pub Vec<(String, Option<String>)>);

/// Where KEDA's Helm chart runs its operator when installed as its documentation shows.
const DEFAULT_KEDA_OPERATOR: &str = "keda/keda-operator";

pub(super) fn platform(file: &PlatformFile) -> (Platform, NamespacePatterns) {
    let environments = file
        .environments
        .iter()
        .map(|(name, e)| Environment {
            name: name.clone(),
            cluster: e.cluster.clone(),
            domain: e.domain.clone(),
            cloud: e.cloud.map(|c| c.as_str().to_string()),
            region: e.region.clone(),
            account: e.account.clone(),
            assume_role: e.assume_role.clone(),
            eks_cluster: e.eks_cluster.clone().or_else(|| e.cluster.clone()),
            protected: e.protected,
            ci_role: e.ci_role.clone(),
            network: e.network.as_ref().map(|n| Network {
                vpc_id: n.vpc_id.clone(),
                subnet_ids: n.subnet_ids.clone(),
                client_security_group_id: n.client_security_group_id.clone(),
            }),
            argocd_cluster: e.argocd_cluster.clone(),
            keda_operator: e
                .keda_operator
                .clone()
                .unwrap_or_else(|| DEFAULT_KEDA_OPERATOR.into()),
            pods: pod_settings(e),
        })
        .collect();
    let patterns = file
        .environments
        .iter()
        .map(|(name, e)| (name.clone(), e.namespace.clone()))
        .collect();
    let c = &file.contract;
    let contract = Contract {
        port: c.port.unwrap_or(8080),
        metrics_port: c.metrics.port.unwrap_or(9090),
        metrics_path: c.metrics.path.clone().unwrap_or_else(|| "/metrics".into()),
        liveness: c
            .health
            .liveness
            .clone()
            .unwrap_or_else(|| "/healthz".into()),
        readiness: c
            .health
            .readiness
            .clone()
            .unwrap_or_else(|| "/readyz".into()),
    };
    let sizes = match &file.sizes {
        Some(sizes) => sizes
            .iter()
            .map(|(name, s)| {
                (
                    name.clone(),
                    Size {
                        cpu: s.cpu.to_string(),
                        memory: s.memory.to_string(),
                    },
                )
            })
            .collect(),
        None => builtin_sizes(),
    };
    let i = &file.ingress;
    let ingress = Ingress {
        class: i.class.clone().unwrap_or_else(|| "nginx".into()),
        cluster_issuer: i.cluster_issuer.clone(),
        external_dns: i.external_dns.unwrap_or(true),
        controller_namespace: i
            .controller_namespace
            .clone()
            .unwrap_or_else(|| "ingress-nginx".into()),
        controller_labels: i
            .controller_labels
            .clone()
            .unwrap_or_else(|| label("app.kubernetes.io/name", "ingress-nginx")),
    };
    let m = &file.monitoring;
    let monitoring = Monitoring {
        namespace: m.namespace.clone().unwrap_or_else(|| "monitoring".into()),
        labels: m.labels.clone().unwrap_or_default(),
        prometheus_labels: m
            .prometheus_labels
            .clone()
            .unwrap_or_else(|| label("app.kubernetes.io/name", "prometheus")),
        routing: m.routing.unwrap_or_default(),
    };
    let platform = Platform {
        name: file.platform.clone(),
        output: file
            .output
            .clone()
            .unwrap_or_else(|| super::DEFAULT_OUTPUT.into()),
        environments,
        contract,
        sizes,
        secret_store: file.secrets.store.clone(),
        secret_backend: secret_backend(&file.secrets),
        secret_recovery_days: file.secrets.recovery_window_days,
        targets: Targets {
            kubernetes: file.targets.kubernetes.unwrap_or(true),
            helm: file.targets.helm.unwrap_or(true),
            terraform: terraform_target(file.targets.terraform.as_ref()),
            ci: super::ci::ci_target(file.targets.ci.as_ref()),
            gitops: file.targets.gitops.as_ref().map(super::delivery::gitops),
            catalog: file.targets.catalog.as_ref().map(super::delivery::catalog),
        },
        ingress,
        monitoring,
        observability: observability(file),
        allow_destroy: Vec::new(),
        teams: file
            .teams
            .iter()
            .map(|(name, team)| (name.clone(), team.receivers.clone()))
            .collect(),
    };
    (platform, NamespacePatterns(patterns))
}

/// `environments.<env>`'s pod settings, with Kubernetes' spelling of the enums.
fn pod_settings(e: &EnvironmentFile) -> PodSettings {
    let tolerations = e
        .tolerations
        .iter()
        .map(|t| Toleration {
            key: t.key.clone(),
            operator: match t.operator {
                Some(TolerationOperator::Exists) => "Exists",
                Some(TolerationOperator::Equal) | None => "Equal",
            },
            value: t.value.clone(),
            effect: t.effect.map(|effect| match effect {
                TaintEffect::NoSchedule => "NoSchedule",
                TaintEffect::PreferNoSchedule => "PreferNoSchedule",
                TaintEffect::NoExecute => "NoExecute",
            }),
            toleration_seconds: t.toleration_seconds,
        })
        .collect();
    PodSettings {
        node_selector: e.node_selector.clone(),
        tolerations,
        image_pull_secrets: e.image_pull_secrets.clone(),
        labels: e.labels.clone(),
        pod_annotations: e.pod_annotations.clone(),
    }
}

/// Label and annotation keys pave writes itself: a platform key there would
/// overwrite pave's value (or a selector) without a word.
const RESERVED_LABEL_PREFIXES: [&str; 2] = ["app.kubernetes.io/", "pave/"];
const RESERVED_ANNOTATION_PREFIXES: [&str; 1] = ["checksum/"];

/// Every `environments.<env>.labels` / `pod_annotations` key is one pave leaves free.
pub(super) fn check_pod_keys(pdoc: &Document, diags: &mut Vec<Diagnostic>) {
    let Some(envs) = pdoc
        .value
        .pointer("/environments")
        .and_then(|v| v.as_object())
    else {
        return;
    };
    for env in envs.keys() {
        let at = pointer_push("/environments", env);
        for (field, reserved) in [
            ("labels", &RESERVED_LABEL_PREFIXES[..]),
            ("pod_annotations", &RESERVED_ANNOTATION_PREFIXES[..]),
        ] {
            let pointer = pointer_push(&at, field);
            let Some(keys) = pdoc.value.pointer(&pointer).and_then(|v| v.as_object()) else {
                continue;
            };
            for key in keys.keys() {
                if let Some(prefix) = reserved.iter().find(|p| key.starts_with(**p)) {
                    let span = pdoc.key_span(&pointer_push(&pointer, key));
                    diags.push(messages::reserved_pod_key(span, field, key, prefix));
                }
            }
        }
    }
}

/// What the output folder may not be, nor be inside: the inputs pave reads and the
/// file another target writes at the repository root.
const NOT_OUTPUT: [(&str, &str); 7] = [
    ("services", "the input folder `services/`"),
    ("policies", "the input folder `policies/`"),
    ("modules", "the input folder `modules/`"),
    ("platform.yaml", "the platform file `platform.yaml`"),
    ("platform.yml", "the platform file `platform.yml`"),
    ("platform.kdl", "the platform file `platform.kdl`"),
    (
        Layout::ATLANTIS,
        "the Atlantis target's file `atlantis.yaml`",
    ),
];

/// E0227 when `output` is an input or another target's file, or inside one. Compared
/// without case: on a case-insensitive file system `Services` is `services`.
pub(super) fn check_output(platform: &Platform, pdoc: &Document, diags: &mut Vec<Diagnostic>) {
    let output = platform.output.as_str();
    let first = output.split('/').next().unwrap_or(output);
    let Some((_, what)) = NOT_OUTPUT
        .iter()
        .find(|(name, _)| first.eq_ignore_ascii_case(name))
    else {
        return;
    };
    let what = match output.len() == first.len() {
        true => what.to_string(),
        false => format!("inside {what}"),
    };
    diags.push(messages::output_overlaps(
        pdoc.span("/output"),
        output,
        &what,
    ));
}

/// Where Terraform writes need outputs: the backend the store reads.
fn secret_backend(secrets: &SecretsFile) -> SecretBackend {
    match secrets.provider {
        SecretProvider::AwsSecretsManager => SecretBackend::AwsSecretsManager,
        SecretProvider::Vault => SecretBackend::Vault {
            mount: text_or(&secrets.mount, DEFAULT_VAULT_MOUNT),
        },
    }
}

/// `targets.terraform`: on by default; `false` turns it off; a mapping configures it.
fn terraform_target(field: Option<&Toggle<TerraformFile>>) -> Option<TerraformTarget> {
    let settings = Toggle::settings(field)?;
    Some(match settings {
        Some(tf) => TerraformTarget {
            bucket: tf.backend.bucket.clone(),
            region: tf.backend.region.clone(),
            assume_role: tf.backend.assume_role.clone(),
            atlantis: tf.atlantis.unwrap_or(false),
        },
        None => TerraformTarget::default(),
    })
}

/// The contract's observability settings, with pave's defaults: the window table of
/// the Google SRE workbook (page 1h/5m and 6h/30m, ticket 1d/2h and 3d/6h over 30 days).
fn observability(file: &PlatformFile) -> Observability {
    let m = &file.monitoring;
    let http = &file.contract.http_metrics;
    let buckets = match &http.buckets {
        Some(list) => list.iter().filter_map(decimal).collect(),
        None => ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "5"]
            .iter()
            .filter_map(|b| Decimal::parse(b))
            .collect(),
    };
    let windows = match &m.slo.windows {
        Some(rows) => rows.iter().map(burn_window).collect(),
        None => default_windows(),
    };
    Observability {
        enabled: file.targets.prometheus.unwrap_or(true),
        requests_metric: text_or(&http.requests, "http_requests_total"),
        duration_metric: text_or(&http.duration, "http_request_duration_seconds_bucket"),
        buckets,
        runbooks: m.runbooks.clone(),
        dashboard_url: m.dashboards.url.clone(),
        dashboard_labels: m
            .dashboards
            .labels
            .clone()
            .unwrap_or_else(|| label("grafana_dashboard", "1")),
        dashboards_per_service: m.dashboards.per_service.unwrap_or(false),
        alerts: alerts(&m.alerts),
        slo_period_ms: ms(m.slo.period.as_deref(), "30d"),
        windows,
        min_events: m.slo.min_events.unwrap_or(DEFAULT_MIN_EVENTS),
        severity: severities(file),
    }
}

/// Requests a long window needs before its burn alert may fire: one request a minute
/// over the default fast window (1h) stays below it, so a single error in a quiet
/// environment does not page.
const DEFAULT_MIN_EVENTS: u64 = 100;

/// What `page` and `ticket` become in each environment: as written, else unchanged in
/// protected environments and `ticket` for pages elsewhere. Keys naming no environment
/// are reported by `windows::check_severity`.
fn severities(file: &PlatformFile) -> BTreeMap<String, EnvSeverity> {
    let written = file.monitoring.severity.as_ref();
    file.environments
        .iter()
        .map(|(name, e)| {
            let default = EnvSeverity {
                page: Some(if e.protected {
                    Urgency::Page
                } else {
                    Urgency::Ticket
                }),
                ticket: Some(Urgency::Ticket),
            };
            let resolved = match written.and_then(|w| w.get(name)) {
                None => default,
                Some(EnvSeverityFile::Off(_)) => EnvSeverity {
                    page: None,
                    ticket: None,
                },
                Some(EnvSeverityFile::Map(m)) => EnvSeverity {
                    page: m.page.map_or(default.page, target),
                    ticket: m.ticket.map_or(default.ticket, target),
                },
            };
            (name.clone(), resolved)
        })
        .collect()
}

fn target(t: UrgencyTarget) -> Option<Urgency> {
    match t {
        UrgencyTarget::Page => Some(Urgency::Page),
        UrgencyTarget::Ticket => Some(Urgency::Ticket),
        UrgencyTarget::None => None,
    }
}

fn urgency(u: UrgencyName) -> Urgency {
    match u {
        UrgencyName::Page => Urgency::Page,
        UrgencyName::Ticket => Urgency::Ticket,
    }
}

/// How long past its schedule's period a cron job may go without a success: room
/// for the run itself, which ends after the time it was due.
const CRON_LATE_MARGIN_MS: u64 = 3_600_000;

/// The contract alerts, each with its defaults filled in.
fn alerts(given: &AlertsFile) -> BTreeMap<&'static str, AlertSetting> {
    // Name, what the platform wrote, and the defaults: `for`, severity, threshold.
    let table = [
        ("target_down", &given.target_down, "5m", Urgency::Page, 0),
        (
            "metrics_absent",
            &given.metrics_absent,
            "10m",
            Urgency::Ticket,
            0,
        ),
        (
            "crash_looping",
            &given.crash_looping,
            "15m",
            Urgency::Ticket,
            3,
        ),
        (
            "replicas_unavailable",
            &given.replicas_unavailable,
            "15m",
            Urgency::Ticket,
            0,
        ),
        (
            "hpa_maxed_out",
            &given.hpa_maxed_out,
            "30m",
            Urgency::Ticket,
            0,
        ),
        ("cron_failed", &given.cron_failed, "5m", Urgency::Ticket, 0),
        (
            "cron_late",
            &given.cron_late,
            "10m",
            Urgency::Ticket,
            CRON_LATE_MARGIN_MS,
        ),
    ];
    table
        .into_iter()
        .map(|(name, written, for_default, severity, threshold)| {
            let written = written.clone().unwrap_or_default();
            let setting = AlertSetting {
                for_ms: ms(written.for_.as_deref(), for_default),
                severity: written.severity.map_or(severity, urgency),
                threshold: match &written.margin {
                    Some(margin) => ms(Some(margin.as_str()), "0s"),
                    None => written.restarts.unwrap_or(threshold),
                },
            };
            (name, setting)
        })
        .collect()
}

/// One row of the platform's window table.
fn burn_window(row: &BurnWindowFile) -> BurnWindow {
    let short_ms = ms(Some(&row.short), "5m");
    BurnWindow {
        severity: urgency(row.severity),
        tier: row.tier.clone(),
        long_ms: ms(Some(&row.long), "1h"),
        short_ms,
        budget_percent: decimal(&row.budget_percent).unwrap_or(Decimal::ZERO),
        // Pending for about half the short window unless the platform says otherwise.
        for_ms: ms(row.for_.as_deref(), &duration::format_ms(short_ms / 2)),
    }
}

/// The Google SRE workbook's window table.
fn default_windows() -> Vec<BurnWindow> {
    [
        (Urgency::Page, "fast", "1h", "5m", "2", "2m"),
        (Urgency::Page, "medium", "6h", "30m", "5", "15m"),
        (Urgency::Ticket, "slow", "1d", "2h", "10", "1h"),
        (Urgency::Ticket, "long", "3d", "6h", "10", "3h"),
    ]
    .iter()
    .map(|(severity, tier, long, short, budget, for_)| BurnWindow {
        severity: *severity,
        tier: tier.to_string(),
        long_ms: ms(None, long),
        short_ms: ms(None, short),
        budget_percent: Decimal::parse(budget).unwrap_or(Decimal::ZERO),
        for_ms: ms(None, for_),
    })
    .collect()
}

/// A duration in milliseconds, or the default's. The schema admits only durations
/// `duration::parse_ms` reads; 0 is unreachable from input.
fn ms(written: Option<&str>, default: &str) -> u64 {
    written
        .and_then(duration::parse_ms)
        .or_else(|| duration::parse_ms(default))
        .unwrap_or(0)
}

/// A JSON number as an exact decimal (as written: see `decimal`).
fn decimal(n: &serde_json::Number) -> Option<Decimal> {
    Decimal::parse(&n.to_string())
}

fn text_or(written: &Option<String>, default: &str) -> String {
    written.clone().unwrap_or_else(|| default.to_string())
}

/// The size classes of SPEC, used when the platform defines none.
fn builtin_sizes() -> BTreeMap<String, Size> {
    crate::load::score::BUILTIN_SIZES
        .iter()
        .map(|(n, cpu, memory)| {
            (
                n.to_string(),
                Size {
                    cpu: (*cpu).into(),
                    memory: (*memory).into(),
                },
            )
        })
        .collect()
}

fn label(key: &str, value: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(key.to_string(), value.to_string())])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::resolved::CiProvider;
    use serde_json::{Value, json};

    fn resolve(extra: Value) -> Platform {
        let mut file = json!({ "platform": "acme", "environments": { "dev": {} } });
        if let (Some(file), Some(extra)) = (file.as_object_mut(), extra.as_object()) {
            file.extend(extra.clone());
        }
        platform(&serde_json::from_value(file).unwrap()).0
    }

    #[test]
    fn every_target_but_ci_is_on_by_default() {
        let p = resolve(json!({}));
        assert!(p.targets.kubernetes && p.targets.helm && p.observability.enabled);
        assert!(p.targets.terraform.is_some());
        // CI needs an install source, which has no safe default.
        assert_eq!(p.targets.ci.provider, CiProvider::None);
        let on = resolve(json!({ "targets": { "ci": true } }));
        assert_eq!(on.targets.ci.provider, CiProvider::Github);
    }

    #[test]
    fn false_turns_a_target_off_and_a_mapping_configures_it() {
        let off = resolve(
            json!({ "targets": { "terraform": false, "ci": false, "prometheus": false, "helm": false } }),
        );
        assert!(off.targets.terraform.is_none() && !off.targets.helm);
        assert!(!off.observability.enabled);
        assert_eq!(off.targets.ci.provider, CiProvider::None);
        let on = resolve(json!({ "targets": {
            "terraform": { "backend": { "bucket": "state" }, "atlantis": true },
            "ci": { "provider": "gitlab", "registry": "registry.example" },
        } }));
        let tf = on.targets.terraform.unwrap();
        assert_eq!((tf.bucket.as_deref(), tf.atlantis), (Some("state"), true));
        assert_eq!(on.targets.ci.provider, CiProvider::Gitlab);
        assert_eq!(on.targets.ci.registry.as_deref(), Some("registry.example"));
        let none = resolve(json!({ "targets": { "ci": { "provider": "none" } } }));
        assert_eq!(none.targets.ci.provider, CiProvider::None);
    }

    #[test]
    fn sizes_keep_quantities_as_written() {
        let p = resolve(json!({ "sizes": { "one": { "cpu": 1, "memory": "1Gi" } } }));
        assert_eq!(
            p.sizes["one"],
            Size {
                cpu: "1".into(),
                memory: "1Gi".into()
            }
        );
        assert_eq!(resolve(json!({})).sizes["large"].cpu, "1");
    }

    #[test]
    fn monitoring_defaults_and_overrides() {
        let p = resolve(json!({ "monitoring": {
            "alerts": { "crash_looping": { "restarts": 5 }, "target_down": { "severity": "page" } },
            "slo": { "period": "28d", "windows": [
                { "severity": "page", "tier": "fast", "long": "1h", "short": "10m", "budget_percent": 2.5 }
            ] },
        } }));
        let o = &p.observability;
        assert_eq!(o.alerts["crash_looping"].threshold, 5);
        assert_eq!(o.alerts["crash_looping"].for_ms, 15 * 60_000);
        assert_eq!(o.alerts["target_down"].severity, Urgency::Page);
        assert_eq!(o.alerts["hpa_maxed_out"].severity, Urgency::Ticket);
        assert_eq!(o.min_events, 100);
        assert_eq!(o.slo_period_ms, 28 * 86_400_000);
        assert_eq!(o.windows.len(), 1);
        // Pending for half the short window unless the platform says otherwise.
        assert_eq!(o.windows[0].for_ms, 5 * 60_000);
        assert_eq!(o.windows[0].budget_percent, Decimal::parse("2.5").unwrap());
        let d = resolve(json!({})).observability;
        assert_eq!((d.windows.len(), d.buckets.len()), (4, 7));
        assert_eq!(d.requests_metric, "http_requests_total");
    }

    #[test]
    fn severity_per_environment_pages_only_where_protected_by_default() {
        let mut file = json!({ "platform": "acme", "environments": {
            "dev": {}, "staging": {}, "qa": {}, "prod": { "protected": true },
        } });
        file["monitoring"] = json!({ "severity": {
            "dev": "none",
            "staging": { "page": "ticket", "ticket": "none" },
        } });
        let p = platform(&serde_json::from_value(file).unwrap()).0;
        let o = &p.observability;
        let of = |env: &str, u| o.urgency_in(env, u);
        assert_eq!(of("prod", Urgency::Page), Some(Urgency::Page));
        assert_eq!(of("qa", Urgency::Page), Some(Urgency::Ticket));
        assert_eq!(of("qa", Urgency::Ticket), Some(Urgency::Ticket));
        assert_eq!(of("staging", Urgency::Page), Some(Urgency::Ticket));
        assert_eq!(of("staging", Urgency::Ticket), None);
        assert_eq!(
            (of("dev", Urgency::Page), of("dev", Urgency::Ticket)),
            (None, None)
        );
    }
}
