//! The platform file -> [`Platform`], with pave's defaults filled in.

use std::collections::BTreeMap;

use super::resolved::{
    Contract, Environment, Ingress, Monitoring, Platform, Size, Targets, TerraformTarget,
};
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
            terraform: terraform_target(file.targets.terraform.as_ref()),
        },
        ingress,
        monitoring,
    };
    (platform, NamespacePatterns(patterns))
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
