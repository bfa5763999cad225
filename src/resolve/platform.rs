//! The platform file -> [`Platform`], with pave's defaults filled in.

use std::collections::BTreeMap;

use super::resolved::{
    AlertSetting, BurnWindow, CiProvider, CiTarget, Contract, Environment, Ingress, Monitoring,
    Observability, Platform, Size, Targets, TerraformTarget,
};
use crate::decimal::Decimal;
use crate::duration;
use crate::model::platform::PlatformFile;
use crate::model::scalar_text;

/// The namespace pattern of each environment, in environment order.
pub struct NamespacePatterns(pub Vec<(String, Option<String>)>);

pub fn platform(file: &PlatformFile) -> (Platform, NamespacePatterns) {
    let environments = file
        .environments
        .iter()
        .map(|(name, e)| Environment {
            name: name.clone(),
            cluster: e.cluster.clone(),
            domain: e.domain.clone(),
            cloud: e.cloud.clone(),
            region: e.region.clone(),
            account: e.account.clone(),
            protected: e.protected,
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
                        cpu: scalar_text(&s.cpu),
                        memory: scalar_text(&s.memory),
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
    };
    let platform = Platform {
        name: file.platform.clone(),
        output: file.output.clone().unwrap_or_else(|| "generated".into()),
        environments,
        contract,
        sizes,
        secret_store: file.secrets.store.clone(),
        targets: Targets {
            kubernetes: file.targets.kubernetes.unwrap_or(true),
            helm: !matches!(file.targets.helm, Some(serde_json::Value::Bool(false))),
            terraform: terraform_target(file.targets.terraform.as_ref()),
            ci: ci_target(file.targets.ci.as_ref()),
        },
        ingress,
        monitoring,
        observability: observability(file),
    };
    (platform, NamespacePatterns(patterns))
}

/// `targets.ci`: GitHub Actions by default; `false` or `provider: none` turns it off.
fn ci_target(value: Option<&serde_json::Value>) -> CiTarget {
    let provider = match value {
        Some(serde_json::Value::Bool(false)) => CiProvider::None,
        Some(v) => match v.get("provider").and_then(|p| p.as_str()) {
            Some("gitlab") => CiProvider::Gitlab,
            Some("none") => CiProvider::None,
            _ => CiProvider::Github,
        },
        None => CiProvider::Github,
    };
    let registry = value
        .and_then(|v| v.get("registry"))
        .and_then(|r| r.as_str())
        .map(str::to_string);
    CiTarget { provider, registry }
}

/// `targets.terraform`: on by default; `false` turns it off; a mapping configures it.
fn terraform_target(value: Option<&serde_json::Value>) -> Option<TerraformTarget> {
    let text =
        |v: &serde_json::Value, p: &str| v.pointer(p).and_then(|x| x.as_str()).map(str::to_string);
    match value {
        Some(serde_json::Value::Bool(false)) => None,
        Some(v @ serde_json::Value::Object(_)) => Some(TerraformTarget {
            bucket: text(v, "/backend/bucket"),
            lock_table: text(v, "/backend/lock_table"),
            region: text(v, "/backend/region"),
            atlantis: v.get("atlantis").and_then(|a| a.as_bool()).unwrap_or(false),
        }),
        _ => Some(TerraformTarget::default()),
    }
}

/// The contract's observability settings, with pave's defaults: the window table of
/// the Google SRE workbook (page 1h/5m and 6h/30m, ticket 1d/2h and 3d/6h over 30 days).
fn observability(file: &PlatformFile) -> Observability {
    use serde_json::Value;
    let m = &file.monitoring;
    let http = file.contract.http_metrics.clone().unwrap_or(Value::Null);
    let text = |v: &Value, key: &str, default: &str| {
        v.get(key)
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_string()
    };
    let buckets = match http.get("buckets").and_then(Value::as_array) {
        Some(list) => list.iter().filter_map(Decimal::from_json).collect(),
        None => ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "5"]
            .iter()
            .filter_map(|b| Decimal::parse(b))
            .collect(),
    };
    let ms = |v: Option<&Value>, default: &str| {
        v.and_then(Value::as_str)
            .and_then(duration::parse_ms)
            .or_else(|| duration::parse_ms(default))
            .unwrap_or(0)
    };
    let mut alerts = BTreeMap::new();
    let defaults = [
        ("target_down", "5m", "critical", 0),
        ("metrics_absent", "10m", "warning", 0),
        ("crash_looping", "5m", "warning", 3),
        ("replicas_unavailable", "15m", "warning", 0),
        ("hpa_maxed_out", "30m", "warning", 0),
    ];
    for (name, for_default, severity, threshold) in defaults {
        let given = m.alerts.as_ref().and_then(|a| a.get(name));
        alerts.insert(
            name,
            AlertSetting {
                for_ms: ms(given.and_then(|g| g.get("for")), for_default),
                severity: given
                    .and_then(|g| g.get("severity"))
                    .and_then(Value::as_str)
                    .unwrap_or(severity)
                    .to_string(),
                threshold: given
                    .and_then(|g| g.get("restarts"))
                    .and_then(Value::as_u64)
                    .unwrap_or(threshold),
            },
        );
    }
    let slo = m.slo.clone().unwrap_or(Value::Null);
    let windows = match slo.get("windows").and_then(Value::as_array) {
        Some(rows) => rows
            .iter()
            .map(|r| BurnWindow {
                severity: text(r, "severity", "page"),
                tier: text(r, "tier", "fast"),
                long_ms: ms(r.get("long"), "1h"),
                short_ms: ms(r.get("short"), "5m"),
                budget_percent: r
                    .get("budget_percent")
                    .and_then(Decimal::from_json)
                    .unwrap_or(Decimal::ZERO),
                // Pending for about half the short window unless the platform says otherwise.
                for_ms: ms(
                    r.get("for"),
                    &duration::format_ms(ms(r.get("short"), "5m") / 2),
                ),
            })
            .collect(),
        None => [
            ("page", "fast", "1h", "5m", "2", "2m"),
            ("page", "medium", "6h", "30m", "5", "15m"),
            ("ticket", "slow", "1d", "2h", "10", "1h"),
            ("ticket", "long", "3d", "6h", "10", "3h"),
        ]
        .iter()
        .map(|(severity, tier, long, short, budget, for_)| BurnWindow {
            severity: severity.to_string(),
            tier: tier.to_string(),
            long_ms: ms(None, long),
            short_ms: ms(None, short),
            budget_percent: Decimal::parse(budget).unwrap_or(Decimal::ZERO),
            for_ms: ms(None, for_),
        })
        .collect(),
    };
    let dashboards = m.dashboards.clone().unwrap_or(Value::Null);
    let dashboard_labels = dashboards
        .get("labels")
        .and_then(Value::as_object)
        .map(|l| {
            l.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_else(|| label("grafana_dashboard", "1"));
    Observability {
        enabled: !matches!(file.targets.prometheus, Some(Value::Bool(false))),
        requests_metric: text(&http, "requests", "http_requests_total"),
        duration_metric: text(&http, "duration", "http_request_duration_seconds_bucket"),
        buckets,
        runbooks: m.runbooks.clone(),
        dashboard_url: dashboards
            .get("url")
            .and_then(Value::as_str)
            .map(str::to_string),
        dashboard_labels,
        alerts,
        slo_period_ms: ms(slo.get("period"), "30d"),
        windows,
        min_events: slo.get("min_events").and_then(Value::as_u64),
    }
}

/// The size classes of SPEC, used when the platform defines none.
fn builtin_sizes() -> BTreeMap<String, Size> {
    [
        ("small", "100m", "128Mi"),
        ("medium", "250m", "512Mi"),
        ("large", "1", "2Gi"),
    ]
    .into_iter()
    .map(|(n, cpu, memory)| {
        (
            n.to_string(),
            Size {
                cpu: cpu.into(),
                memory: memory.into(),
            },
        )
    })
    .collect()
}

fn label(key: &str, value: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(key.to_string(), value.to_string())])
}
