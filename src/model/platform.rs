//! `platform.yaml` as written: environments, contract, sizes, defaults, targets,
//! monitoring and policies.
//!
//! A new platform field goes into `schema/platform.schema.json` first (the schema
//! runs before decoding and owns the error messages), then here, typed, then into
//! `resolve/platform.rs`, which fills in pave's default.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::{Number, Value};

use super::{Quantity, Toggle};

/// The platform file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlatformFile {
    pub(crate) platform: String,
    pub(crate) output: Option<String>,
    /// In promotion order.
    pub(crate) environments: IndexMap<String, EnvironmentFile>,
    #[serde(default)]
    pub(crate) contract: ContractFile,
    pub(crate) sizes: Option<BTreeMap<String, SizeFile>>,
    /// Arbitrary JSON by design: any service field (checked against the service
    /// schema, and layered under each service as a value tree).
    #[expect(
        dead_code,
        reason = "decoded so the file's shape is typed and checked; resolve reads the layered value tree"
    )]
    pub(crate) defaults: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    pub(crate) secrets: SecretsFile,
    #[serde(default)]
    pub(crate) targets: TargetsFile,
    #[serde(default)]
    pub(crate) ingress: IngressFile,
    #[serde(default)]
    pub(crate) monitoring: MonitoringFile,
    /// Team name (a service's `owner`) -> where its alerts go.
    #[serde(default)]
    pub(crate) teams: BTreeMap<String, TeamFile>,
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "decoded so the file's shape is typed and checked; resolve reads the layered value tree"
    )]
    pub(crate) registries: Vec<String>,
    /// Typed as [`super::policy::PoliciesFile`]: the policy stage decodes it from the document at
    /// `/policies` (it points at each entry), so the platform stage skips it.
    #[serde(rename = "policies")]
    pub(crate) _policies: Option<serde::de::IgnoredAny>,
    /// Governed permissions to destroy a stateful resource in a protected environment.
    #[serde(default)]
    pub(crate) allow_destroy: Vec<AllowDestroyFile>,
}

/// One `allow_destroy` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AllowDestroyFile {
    /// `env/service/need`.
    pub(crate) target: String,
    pub(crate) reason: String,
    /// `YYYY-MM-DD`; an impossible date is reported where expiry is checked.
    pub(crate) expires: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnvironmentFile {
    pub(crate) cluster: Option<String>,
    pub(crate) domain: Option<String>,
    pub(crate) cloud: Option<Cloud>,
    pub(crate) region: Option<String>,
    pub(crate) account: Option<String>,
    /// The IAM role Terraform assumes in this environment's account.
    pub(crate) assume_role: Option<String>,
    /// The EKS cluster's name, when it differs from `cluster` (a kube context).
    pub(crate) eks_cluster: Option<String>,
    pub(crate) namespace: Option<String>,
    #[expect(
        dead_code,
        reason = "decoded so the file's shape is typed and checked; resolve reads the layered value tree"
    )]
    pub(crate) replicas: Option<u32>,
    #[serde(default)]
    pub(crate) protected: bool,
    /// The IAM role CI assumes by OIDC for this environment (Terraform plan/apply).
    pub(crate) ci_role: Option<String>,
    pub(crate) network: Option<NetworkFile>,
    /// Where Argo CD deploys this environment: a server URL or a registered name.
    pub(crate) argocd_cluster: Option<String>,
    /// KEDA's operator service account (`<namespace>/<name>`), trusted by the roles of
    /// queue-scaled workers.
    pub(crate) keda_operator: Option<String>,
    #[serde(default)]
    pub(crate) node_selector: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) tolerations: Vec<TolerationFile>,
    #[serde(default)]
    pub(crate) image_pull_secrets: Vec<String>,
    /// On every object and pod template of the environment.
    #[serde(default)]
    pub(crate) labels: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) pod_annotations: BTreeMap<String, String>,
}

/// One entry of `environments.<env>.tolerations`; the schema checks the combinations
/// Kubernetes refuses (a value with `Exists`, seconds without `NoExecute`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TolerationFile {
    pub(crate) key: Option<String>,
    pub(crate) operator: Option<TolerationOperator>,
    pub(crate) value: Option<String>,
    pub(crate) effect: Option<TaintEffect>,
    pub(crate) toleration_seconds: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub(crate) enum TolerationOperator {
    Equal,
    Exists,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub(crate) enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

/// `environments.<env>.network`: where data stores live and who may reach them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NetworkFile {
    pub(crate) vpc_id: String,
    pub(crate) subnet_ids: Vec<String>,
    pub(crate) client_security_group_id: String,
}

/// The cloud an environment runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Cloud {
    Aws,
}

impl Cloud {
    /// The name as written, which is also what templates and placeholders see.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContractFile {
    pub(crate) port: Option<u16>,
    #[serde(default)]
    pub(crate) metrics: MetricsEndpointFile,
    #[serde(default)]
    pub(crate) health: HealthFile,
    #[serde(default)]
    pub(crate) http_metrics: HttpMetricsFile,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MetricsEndpointFile {
    pub(crate) port: Option<u16>,
    pub(crate) path: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HealthFile {
    pub(crate) liveness: Option<String>,
    pub(crate) readiness: Option<String>,
}

/// `contract.http_metrics`: the metric names every service exposes.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HttpMetricsFile {
    pub(crate) requests: Option<String>,
    pub(crate) duration: Option<String>,
    /// Seconds, as written (kept exact: see `decimal`).
    pub(crate) buckets: Option<Vec<Number>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SizeFile {
    pub(crate) cpu: Quantity,
    pub(crate) memory: Quantity,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SecretsFile {
    pub(crate) store: Option<String>,
    #[serde(default)]
    pub(crate) provider: SecretProvider,
    pub(crate) mount: Option<String>,
    /// Days Secrets Manager keeps a deleted secret: 0, or 7 to 30.
    pub(crate) recovery_window_days: Option<u8>,
}

/// `secrets.provider`: the backend the store reads, so Terraform writes there.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum SecretProvider {
    #[default]
    AwsSecretsManager,
    Vault,
}

/// `targets`: each target is on unless turned off.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TargetsFile {
    pub(crate) kubernetes: Option<bool>,
    pub(crate) helm: Option<bool>,
    pub(crate) terraform: Option<Toggle<TerraformFile>>,
    pub(crate) prometheus: Option<bool>,
    pub(crate) ci: Option<Toggle<CiFile>>,
    pub(crate) gitops: Option<GitopsFile>,
    pub(crate) catalog: Option<CatalogFile>,
}

/// `targets.gitops`: which controller delivers the tree, from which repository.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GitopsFile {
    pub(crate) engine: GitopsEngineName,
    pub(crate) repo: String,
    pub(crate) revision: Option<String>,
    pub(crate) path_prefix: Option<String>,
    /// Flux: the Secret with the git credentials.
    pub(crate) secret: Option<String>,
    pub(crate) protected: Option<ProtectedSyncName>,
}

/// `targets.gitops.engine`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum GitopsEngineName {
    Argocd,
    Flux,
}

/// `targets.gitops.protected`: how protected environments deploy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ProtectedSyncName {
    Manual,
    Auto,
}

/// `targets.catalog`: the developer portal's catalog.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CatalogFile {
    pub(crate) portal: PortalName,
    pub(crate) owner: String,
    pub(crate) lifecycle: Option<String>,
}

/// `targets.catalog.portal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PortalName {
    Backstage,
}

/// `targets.terraform` as a mapping.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TerraformFile {
    #[serde(default)]
    pub(crate) backend: BackendFile,
    pub(crate) atlantis: Option<bool>,
}

/// `targets.terraform.backend`: where Terraform state lives.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BackendFile {
    pub(crate) bucket: Option<String>,
    /// Accepted and ignored with a warning: state is locked with the S3 lock file.
    pub(crate) lock_table: Option<String>,
    pub(crate) region: Option<String>,
    /// The IAM role Terraform assumes to reach the state bucket.
    pub(crate) assume_role: Option<String>,
}

/// `targets.ci` as a mapping.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CiFile {
    pub(crate) provider: Option<CiProviderName>,
    pub(crate) registry: Option<RegistryFile>,
    pub(crate) install: Option<InstallFile>,
    pub(crate) aws_role: Option<String>,
}

/// `targets.ci.registry`: `<host>/<path>`, or `{ url, kind }` when the host does not
/// show the kind.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub(crate) enum RegistryFile {
    Url(String),
    Spec(RegistrySpec),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegistrySpec {
    pub(crate) url: String,
    pub(crate) kind: Option<RegistryKindName>,
}

/// `targets.ci.registry.kind`: how CI logs in to the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RegistryKindName {
    Ghcr,
    Ecr,
    Gitlab,
    Other,
}

/// `targets.ci.install`: how CI obtains pave. The schema types each field; which
/// fields go together (one of three forms) is checked in resolve, which can point
/// at the field that is missing its partner.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InstallFile {
    pub(crate) git: Option<String>,
    pub(crate) rev: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) sha256: Option<String>,
    pub(crate) image: Option<String>,
}

/// `targets.ci.provider`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum CiProviderName {
    Github,
    Gitlab,
    None,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IngressFile {
    pub(crate) class: Option<String>,
    pub(crate) cluster_issuer: Option<String>,
    pub(crate) external_dns: Option<bool>,
    pub(crate) controller_namespace: Option<String>,
    pub(crate) controller_labels: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MonitoringFile {
    pub(crate) namespace: Option<String>,
    pub(crate) labels: Option<BTreeMap<String, String>>,
    pub(crate) prometheus_labels: Option<BTreeMap<String, String>>,
    pub(crate) runbooks: Option<String>,
    #[serde(default)]
    pub(crate) alerts: AlertsFile,
    /// Environment name -> what its alerts' urgencies become.
    pub(crate) severity: Option<BTreeMap<String, EnvSeverityFile>>,
    #[serde(default)]
    pub(crate) slo: SloFile,
    #[serde(default)]
    pub(crate) dashboards: DashboardsFile,
    pub(crate) routing: Option<Routing>,
}

/// `monitoring.routing`: which Alertmanager configuration routes alerts to teams.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Routing {
    #[default]
    None,
    /// Prometheus Operator `AlertmanagerConfig` objects in the Kubernetes tree.
    AlertmanagerConfig,
    /// A plain `alertmanager.yml` per environment.
    Alertmanager,
}

/// `teams.<team>`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TeamFile {
    pub(crate) receivers: TeamReceivers,
}

/// `teams.<team>.receivers`: critical alerts go to `page`, warnings to `ticket`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TeamReceivers {
    pub(crate) page: Receiver,
    pub(crate) ticket: Receiver,
}

/// One receiver: one or more notification kinds (the schema asks for at least one).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Receiver {
    pub(crate) slack: Option<SlackReceiver>,
    pub(crate) pagerduty: Option<PagerdutyReceiver>,
    pub(crate) email: Option<EmailReceiver>,
    pub(crate) webhook: Option<WebhookReceiver>,
    pub(crate) opsgenie: Option<OpsgenieReceiver>,
}

/// A key of a Kubernetes Secret: what a receiver's credential is read from, never
/// the credential itself.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SecretKeyRef {
    pub(crate) secret: String,
    pub(crate) key: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SlackReceiver {
    pub(crate) api_url: SecretKeyRef,
    pub(crate) channel: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PagerdutyReceiver {
    pub(crate) routing_key: SecretKeyRef,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EmailReceiver {
    pub(crate) to: String,
    pub(crate) from: String,
    pub(crate) smarthost: String,
    pub(crate) auth_username: Option<String>,
    pub(crate) auth_password: Option<SecretKeyRef>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WebhookReceiver {
    pub(crate) url: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OpsgenieReceiver {
    pub(crate) api_key: SecretKeyRef,
}

/// `monitoring.alerts`: the contract alerts pave writes for every service.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AlertsFile {
    pub(crate) target_down: Option<AlertFile>,
    pub(crate) metrics_absent: Option<AlertFile>,
    pub(crate) replicas_unavailable: Option<AlertFile>,
    pub(crate) hpa_maxed_out: Option<AlertFile>,
    pub(crate) crash_looping: Option<AlertFile>,
    /// A cron job's latest run failed.
    pub(crate) cron_failed: Option<AlertFile>,
    /// A cron job has not succeeded within its schedule's period plus `margin`.
    pub(crate) cron_late: Option<AlertFile>,
}

/// What an alert asks of its owner (`monitoring.alerts.*.severity`, window rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum UrgencyName {
    Page,
    Ticket,
}

/// What an urgency becomes in one environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum UrgencyTarget {
    Page,
    Ticket,
    None,
}

/// The word `none`: an environment without alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum NoAlerts {
    None,
}

/// `monitoring.severity.<env>`: `none`, or a mapping per urgency.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum EnvSeverityFile {
    Off(NoAlerts),
    Map(SeverityMapFile),
}

/// `{ page: ..., ticket: ... }`; an urgency left out stays as it is.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SeverityMapFile {
    pub(crate) page: Option<UrgencyTarget>,
    pub(crate) ticket: Option<UrgencyTarget>,
}

/// One contract alert's settings.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AlertFile {
    /// A duration (`5m`).
    #[serde(rename = "for")]
    pub(crate) for_: Option<String>,
    pub(crate) severity: Option<UrgencyName>,
    /// Restarts within 15 minutes; only `crash_looping` takes it (the schema says so).
    pub(crate) restarts: Option<u64>,
    /// A duration; only `cron_late` takes it (the schema says so).
    pub(crate) margin: Option<String>,
}

/// `monitoring.slo`: the SLO period and the burn-rate window table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SloFile {
    pub(crate) period: Option<String>,
    pub(crate) min_events: Option<u64>,
    pub(crate) windows: Option<Vec<BurnWindowFile>>,
}

/// One row of `monitoring.slo.windows`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BurnWindowFile {
    pub(crate) severity: UrgencyName,
    pub(crate) tier: String,
    pub(crate) long: String,
    pub(crate) short: String,
    pub(crate) budget_percent: Number,
    #[serde(rename = "for")]
    pub(crate) for_: Option<String>,
}

/// `monitoring.dashboards`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DashboardsFile {
    pub(crate) labels: Option<BTreeMap<String, String>>,
    pub(crate) url: Option<String>,
    pub(crate) per_service: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn targets(v: Value) -> TargetsFile {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn terraform_and_ci_take_each_toggle_form() {
        let t = targets(json!({ "terraform": false, "ci": true }));
        assert_eq!(t.terraform, Some(Toggle::Enabled(false)));
        assert_eq!(t.ci, Some(Toggle::Enabled(true)));
        let t = targets(json!({
            "terraform": { "backend": { "bucket": "state" }, "atlantis": true },
            "ci": { "provider": "gitlab", "registry": "registry.example" },
        }));
        let Some(Toggle::Settings(tf)) = t.terraform else {
            panic!("terraform settings: {:?}", t.terraform)
        };
        assert_eq!(tf.backend.bucket.as_deref(), Some("state"));
        assert_eq!(tf.atlantis, Some(true));
        let Some(Toggle::Settings(ci)) = t.ci else {
            panic!("ci settings: {:?}", t.ci)
        };
        assert_eq!(ci.provider, Some(CiProviderName::Gitlab));
        assert_eq!(
            ci.registry,
            Some(RegistryFile::Url("registry.example".into()))
        );
    }

    #[test]
    fn ci_install_registry_kind_and_roles_decode() {
        let t = targets(json!({ "ci": {
            "install": { "git": "https://git.example/pave", "rev": "v1.2.0" },
            "registry": { "url": "registry.example/acme", "kind": "ecr" },
            "aws_role": "arn:aws:iam::111111111111:role/ci",
        } }));
        let Some(Toggle::Settings(ci)) = t.ci else {
            panic!("ci settings: {:?}", t.ci)
        };
        let install = ci.install.unwrap();
        assert_eq!(install.git.as_deref(), Some("https://git.example/pave"));
        assert_eq!(install.rev.as_deref(), Some("v1.2.0"));
        let Some(RegistryFile::Spec(spec)) = ci.registry else {
            panic!("registry spec: {:?}", ci.registry)
        };
        assert_eq!(spec.kind, Some(RegistryKindName::Ecr));
        assert_eq!(
            ci.aws_role.as_deref(),
            Some("arn:aws:iam::111111111111:role/ci")
        );
        let bad = json!({ "ci": { "registry": { "url": "r", "kind": "quay" } } });
        assert!(serde_json::from_value::<TargetsFile>(bad).is_err());
        let env: EnvironmentFile =
            serde_json::from_value(json!({ "ci_role": "arn:aws:iam::1:role/x" })).unwrap();
        assert_eq!(env.ci_role.as_deref(), Some("arn:aws:iam::1:role/x"));
    }

    #[test]
    fn an_unknown_provider_does_not_decode() {
        let err =
            serde_json::from_value::<TargetsFile>(json!({ "ci": { "provider": "circleci" } }));
        assert!(err.is_err());
        assert!(serde_json::from_value::<EnvironmentFile>(json!({ "cloud": "gcp" })).is_err());
    }

    #[test]
    fn monitoring_decodes_typed() {
        let m: MonitoringFile = serde_json::from_value(json!({
            "alerts": { "crash_looping": { "for": "10m", "restarts": 5 },
                        "target_down": { "severity": "page" } },
            "slo": { "period": "28d", "windows": [
                { "severity": "page", "tier": "fast", "long": "1h", "short": "5m", "budget_percent": 2.5 }
            ] },
            "dashboards": { "url": "https://grafana.example" },
        }))
        .unwrap();
        assert_eq!(m.alerts.crash_looping.unwrap().restarts, Some(5));
        assert_eq!(
            m.alerts.target_down.unwrap().severity,
            Some(UrgencyName::Page)
        );
        let bad = json!({ "alerts": { "target_down": { "severity": "critical" } } });
        assert!(serde_json::from_value::<MonitoringFile>(bad).is_err());
        let windows = m.slo.windows.unwrap();
        assert_eq!(windows[0].budget_percent.to_string(), "2.5");
        assert_eq!(m.dashboards.url.as_deref(), Some("https://grafana.example"));
    }

    #[test]
    fn teams_and_routing_decode_typed() {
        let m: MonitoringFile =
            serde_json::from_value(json!({ "routing": "alertmanager-config" })).unwrap();
        assert_eq!(m.routing, Some(Routing::AlertmanagerConfig));
        let team: TeamFile = serde_json::from_value(json!({ "receivers": {
            "page": { "pagerduty": { "routing_key": { "secret": "pd", "key": "key" } } },
            "ticket": { "slack": { "api_url": { "secret": "slack", "key": "url" }, "channel": "#t" } },
        } }))
        .unwrap();
        let slack = team.receivers.ticket.slack.unwrap();
        assert_eq!(
            (slack.api_url.secret.as_str(), slack.channel.as_deref()),
            ("slack", Some("#t"))
        );
        assert!(team.receivers.page.pagerduty.is_some());
        let unknown = json!({ "receivers": { "page": { "pager": {} }, "ticket": {} } });
        assert!(serde_json::from_value::<TeamFile>(unknown).is_err());
    }
}
