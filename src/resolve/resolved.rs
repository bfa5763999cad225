//! The resolved model: what renderers see. Plain data, no spans except in provenance.

use crate::labels::Labels;
use std::collections::BTreeMap;

use crate::decimal::Decimal;
pub(crate) use crate::model::platform::{Receiver, Routing, SecretKeyRef, TeamReceivers};
use crate::source::Span;

/// The platform after defaults are applied.
#[derive(Debug, Clone)]
pub(crate) struct Platform {
    pub(crate) name: String,
    /// The output tree's root, relative to the repository root.
    pub(crate) output: String,
    /// In promotion order.
    pub(crate) environments: Vec<Environment>,
    pub(crate) contract: Contract,
    pub(crate) sizes: BTreeMap<String, Size>,
    pub(crate) secret_store: Option<String>,
    /// Where Terraform writes need outputs: the backend `secret_store` reads.
    pub(crate) secret_backend: SecretBackend,
    /// `secrets.recovery_window_days`, when set (else 0 unprotected, 30 protected).
    pub(crate) secret_recovery_days: Option<u8>,
    pub(crate) targets: Targets,
    pub(crate) ingress: Ingress,
    pub(crate) monitoring: Monitoring,
    pub(crate) observability: Observability,
    /// `allow_destroy`: permissions to destroy a stateful resource where protected.
    pub(crate) allow_destroy: Vec<AllowDestroy>,
    /// Team name -> its receivers (`teams`), for routing alerts by `team`.
    pub(crate) teams: BTreeMap<String, TeamReceivers>,
}

/// One `allow_destroy` entry, with where it was written.
#[derive(Debug, Clone)]
pub(crate) struct AllowDestroy {
    /// `env/service/need`.
    pub(crate) target: String,
    pub(crate) reason: String,
    /// As written (`YYYY-MM-DD`); checked against the date where it is used.
    pub(crate) expires: String,
    pub(crate) target_span: Span,
    pub(crate) expires_span: Span,
}

impl Platform {
    /// The environments' names, in promotion order.
    pub(crate) fn environment_names(&self) -> Vec<&str> {
        self.environments.iter().map(|e| e.name.as_str()).collect()
    }

    /// The pod settings of environment `env` (none for a name the platform lacks).
    pub(crate) fn pods(&self, env: &str) -> &PodSettings {
        static NONE: std::sync::LazyLock<PodSettings> =
            std::sync::LazyLock::new(PodSettings::default);
        self.environments
            .iter()
            .find(|e| e.name == env)
            .map_or(&*NONE, |e| &e.pods)
    }

    /// The role CI assumes by OIDC for `env`: `environments.<env>.ci_role`, else
    /// `targets.ci.aws_role`.
    pub(crate) fn ci_role<'a>(&'a self, env: &'a Environment) -> Option<&'a str> {
        env.ci_role
            .as_deref()
            .or(self.targets.ci.aws_role.as_deref())
    }
}

/// The backend behind `secrets.store`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SecretBackend {
    AwsSecretsManager,
    /// Vault KV v2 at this mount.
    Vault {
        mount: String,
    },
}

/// Alerts, SLO rules and dashboards from the contract (the Prometheus target).
#[derive(Debug, Clone)]
pub(crate) struct Observability {
    /// `targets.prometheus`.
    pub(crate) enabled: bool,
    /// The request counter (label `code`).
    pub(crate) requests_metric: String,
    /// The latency histogram's `_bucket` series.
    pub(crate) duration_metric: String,
    /// Latency SLO thresholds must be one of these, in seconds.
    pub(crate) buckets: Vec<Decimal>,
    pub(crate) runbooks: Option<String>,
    pub(crate) dashboard_url: Option<String>,
    pub(crate) dashboard_labels: BTreeMap<String, String>,
    /// `monitoring.dashboards.per_service`: a dashboard per service instead of one
    /// templated dashboard per environment.
    pub(crate) dashboards_per_service: bool,
    /// Contract alert name -> settings.
    pub(crate) alerts: BTreeMap<&'static str, AlertSetting>,
    pub(crate) slo_period_ms: u64,
    pub(crate) windows: Vec<BurnWindow>,
    /// Burn alerts need at least this many requests in the long window.
    pub(crate) min_events: u64,
    /// Environment name -> what its alerts' urgencies become (every environment).
    pub(crate) severity: BTreeMap<String, EnvSeverity>,
}

impl Observability {
    /// The urgency an alert of `urgency` has in `env`; `None` drops the alert.
    pub(crate) fn urgency_in(&self, env: &str, urgency: Urgency) -> Option<Urgency> {
        match self.severity.get(env) {
            Some(e) => match urgency {
                Urgency::Page => e.page,
                Urgency::Ticket => e.ticket,
            },
            None => Some(urgency),
        }
    }
}

/// What an alert asks of its owner. One vocabulary for contract and SLO alerts; the
/// `severity` label spells it the way Alertmanager's usual inhibitions expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Urgency {
    Page,
    Ticket,
}

impl Urgency {
    /// The `severity` label value.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Urgency::Page => "critical",
            Urgency::Ticket => "warning",
        }
    }
}

/// What `page` and `ticket` alerts become in one environment (`None`: no alert).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EnvSeverity {
    pub(crate) page: Option<Urgency>,
    pub(crate) ticket: Option<Urgency>,
}

#[derive(Debug, Clone)]
pub(crate) struct AlertSetting {
    pub(crate) for_ms: u64,
    pub(crate) severity: Urgency,
    /// Alert-specific threshold: restarts in 15 minutes for crash looping, the
    /// margin in milliseconds past the schedule's period for `cron_late`.
    pub(crate) threshold: u64,
}

/// One row of the burn-rate window table.
#[derive(Debug, Clone)]
pub(crate) struct BurnWindow {
    pub(crate) severity: Urgency,
    pub(crate) tier: String,
    pub(crate) long_ms: u64,
    pub(crate) short_ms: u64,
    pub(crate) budget_percent: Decimal,
    pub(crate) for_ms: u64,
}

/// `build`: the source folder, the Dockerfile in it, and a test command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Build {
    pub(crate) context: String,
    pub(crate) dockerfile: String,
    pub(crate) test: Option<String>,
    /// The image CI runs `test` in, where the CI system needs one.
    pub(crate) image: Option<String>,
}

/// A service's SLOs, in percent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Slo {
    pub(crate) availability: Option<Decimal>,
    pub(crate) latency: Option<LatencySlo>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LatencySlo {
    /// Seconds; one of the contract's buckets.
    pub(crate) threshold: Decimal,
    /// Percent of requests under the threshold.
    pub(crate) target: Decimal,
}

#[derive(Debug, Clone)]
pub(crate) struct Environment {
    pub(crate) name: String,
    pub(crate) cluster: Option<String>,
    pub(crate) domain: Option<String>,
    pub(crate) cloud: Option<String>,
    pub(crate) region: Option<String>,
    pub(crate) account: Option<String>,
    /// The IAM role the AWS provider assumes in this environment.
    pub(crate) assume_role: Option<String>,
    /// The EKS cluster's name (IRSA's OIDC issuer); `cluster` when unset.
    pub(crate) eks_cluster: Option<String>,
    pub(crate) protected: bool,
    /// The IAM role CI assumes by OIDC for this environment; see [`Platform::ci_role`].
    pub(crate) ci_role: Option<String>,
    pub(crate) network: Option<Network>,
    /// `environments.<env>.argocd_cluster`: a server URL or a cluster name in Argo CD.
    pub(crate) argocd_cluster: Option<String>,
    /// KEDA's operator service account as `<namespace>/<name>` (default `keda/keda-operator`):
    /// a queue-scaled worker's IAM role trusts it, since KEDA reads the queue as the workload.
    pub(crate) keda_operator: String,
    /// What the platform puts on every pod (and labels on every object) here.
    pub(crate) pods: PodSettings,
}

/// `environments.<env>`'s pod settings: placement, registry credentials, and the
/// labels and annotations the platform (never a service) chooses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PodSettings {
    pub(crate) node_selector: BTreeMap<String, String>,
    pub(crate) tolerations: Vec<Toleration>,
    pub(crate) image_pull_secrets: Vec<String>,
    /// On every object and pod template.
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) pod_annotations: BTreeMap<String, String>,
}

/// A toleration as Kubernetes spells its values (`Equal`, `NoExecute`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Toleration {
    pub(crate) key: Option<String>,
    pub(crate) operator: &'static str,
    pub(crate) value: Option<String>,
    pub(crate) effect: Option<&'static str>,
    pub(crate) toleration_seconds: Option<i64>,
}

/// `environments.<env>.network`: the VPC, the private subnets data stores are
/// created in, and the one security group admitted to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Network {
    pub(crate) vpc_id: String,
    pub(crate) subnet_ids: Vec<String>,
    pub(crate) client_security_group_id: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Contract {
    pub(crate) port: u16,
    pub(crate) metrics_port: u16,
    pub(crate) metrics_path: String,
    pub(crate) liveness: String,
    pub(crate) readiness: String,
}

/// A resource class: requests, and the memory limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Size {
    pub(crate) cpu: String,
    pub(crate) memory: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Targets {
    pub(crate) kubernetes: bool,
    /// The shared chart and its values per service and environment.
    pub(crate) helm: bool,
    /// Terraform for module needs; `None` when the platform turns it off.
    pub(crate) terraform: Option<TerraformTarget>,
    /// The CI configuration pave owns.
    pub(crate) ci: CiTarget,
    /// GitOps delivery of the Kubernetes output; `None` unless written.
    pub(crate) gitops: Option<Gitops>,
    /// The developer-portal catalog; `None` unless written.
    pub(crate) catalog: Option<Catalog>,
}

/// `targets.gitops`: the controller that applies `kubernetes/<env>/` from git.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Gitops {
    pub(crate) engine: GitopsEngine,
    /// The repository URL the controller clones.
    pub(crate) repo: String,
    /// The branch it follows.
    pub(crate) revision: String,
    /// This pave repository's folder inside `repo` (`None`: its root).
    pub(crate) path_prefix: Option<String>,
    /// Flux: the Secret in `flux-system` with the git credentials.
    pub(crate) secret: Option<String>,
    /// Whether protected environments wait for a person to deploy.
    pub(crate) manual_protected: bool,
}

impl Gitops {
    /// The name of the Application or Flux Kustomization delivering `env`.
    pub(crate) fn object_name(platform: &str, env: &str) -> String {
        format!("{platform}-{env}")
    }

    /// Whether `env` waits for a person before its objects change: protected
    /// environments do, unless `targets.gitops.protected` is `auto`.
    pub(crate) fn waits_for_person(&self, env: &Environment) -> bool {
        env.protected && self.manual_protected
    }

    /// The path inside `repo` of `relative`, a path relative to this pave repository.
    pub(crate) fn repo_path(&self, relative: &str) -> String {
        match &self.path_prefix {
            Some(prefix) => format!("{prefix}/{relative}"),
            None => relative.to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GitopsEngine {
    ArgoCd,
    Flux,
}

/// `targets.catalog` (Backstage, the one portal pave writes for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Catalog {
    /// The owner of the platform's System entity.
    pub(crate) owner: String,
    /// Every component's `spec.lifecycle`.
    pub(crate) lifecycle: String,
}

/// `targets.ci`: which CI system's files pave writes, and where images go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CiTarget {
    pub(crate) provider: CiProvider,
    /// `targets.ci.registry` (its `url` when written as a mapping).
    pub(crate) registry: Option<String>,
    /// `targets.ci.registry.kind` when written; otherwise the host decides
    /// (`resolve::ci::registry_kind`).
    pub(crate) registry_kind: Option<RegistryKind>,
    /// How CI obtains pave; `Some` whenever `provider` is not `None` and the model
    /// has no error.
    pub(crate) install: Option<Install>,
    /// `targets.ci.aws_role`: the OIDC role for ECR pushes, and Terraform's fallback.
    pub(crate) aws_role: Option<String>,
}

/// How CI gets the pave that checks the tree: always pinned, never a bare name on a
/// package registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Install {
    /// `cargo install --locked --git <url> --rev <rev>`.
    Git { url: String, rev: String },
    /// A release archive, verified against its SHA-256 before it is unpacked.
    Archive { url: String, sha256: String },
    /// Jobs run inside this image, `REF@sha256:<digest>`.
    Image(String),
}

/// How CI logs in to the registry it pushes images to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RegistryKind {
    /// GitHub Container Registry: the workflow's `GITHUB_TOKEN`.
    Ghcr,
    /// Amazon ECR: an OIDC role, then `amazon-ecr-login`.
    Ecr,
    /// The GitLab project's registry: `$CI_REGISTRY_USER` / `$CI_REGISTRY_PASSWORD`.
    Gitlab,
    /// Any other registry: username and password from named CI secrets.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CiProvider {
    Github,
    Gitlab,
    None,
}

/// Where Terraform state lives, and whether pave owns `atlantis.yaml`.
#[derive(Debug, Clone, Default)]
pub(crate) struct TerraformTarget {
    pub(crate) bucket: Option<String>,
    /// The state bucket's region (never an environment's).
    pub(crate) region: Option<String>,
    /// The role the backend assumes to reach the state bucket; none: the caller's
    /// credentials.
    pub(crate) assume_role: Option<String>,
    pub(crate) atlantis: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Ingress {
    pub(crate) class: String,
    pub(crate) cluster_issuer: Option<String>,
    pub(crate) external_dns: bool,
    pub(crate) controller_namespace: String,
    pub(crate) controller_labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Monitoring {
    pub(crate) namespace: String,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) prometheus_labels: BTreeMap<String, String>,
    /// Where alerts are routed to their teams (`none` unless written).
    pub(crate) routing: Routing,
}

/// Which layer of the SPEC's layering a resolved value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Layer {
    /// pave's own defaults.
    Builtin,
    /// The platform's `contract` (port, health, metrics).
    Contract,
    /// The platform's `defaults` block.
    PlatformDefaults,
    /// The environment in the platform file (`replicas`).
    Environment,
    /// The service file.
    Service,
    /// The service file's `environments.<env>` block.
    ServiceEnvironment,
}

impl Layer {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Layer::Builtin => "built-in default",
            Layer::Contract => "platform contract",
            Layer::PlatformDefaults => "platform defaults",
            Layer::Environment => "environment",
            Layer::Service => "service",
            Layer::ServiceEnvironment => "service environment override",
        }
    }
}

/// Where a resolved value came from: the layer and, unless built in, the span that set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Origin {
    pub(crate) layer: Layer,
    pub(crate) span: Option<Span>,
}

/// JSON pointer of a service field (`/replicas`, `/env/LOG_LEVEL`) -> its origin.
pub(crate) type Provenance = BTreeMap<String, Origin>;

/// One service in one environment, every value final.
#[derive(Debug, Clone)]
pub(crate) struct ResolvedService {
    pub(crate) name: String,
    /// The service's previous names, newest first (`renamed_from`); the last one is
    /// the name its state lives under.
    pub(crate) renamed_from: Vec<String>,
    pub(crate) owner: String,
    pub(crate) description: Option<String>,
    pub(crate) tier: u8,
    /// The environment's name.
    pub(crate) env: String,
    pub(crate) namespace: String,
    pub(crate) image: String,
    pub(crate) port: u16,
    pub(crate) command: Vec<String>,
    pub(crate) args: Vec<String>,
    pub(crate) size: String,
    pub(crate) resources: Size,
    /// Replicas when not autoscaled.
    pub(crate) replicas: u32,
    pub(crate) autoscale: Option<Autoscale>,
    /// The queue whose depth drives the replicas instead of CPU (`autoscale.queue`).
    pub(crate) queue_scaler: Option<QueueScaler>,
    /// Plain environment variables, in the order written.
    pub(crate) env_vars: Vec<(String, String)>,
    /// Environment variables read from the secret store.
    pub(crate) secrets: Vec<SecretRef>,
    /// Other services of the platform this one calls.
    pub(crate) service_needs: Vec<ServiceNeed>,
    pub(crate) route: Option<Route>,
    pub(crate) metrics: Option<MetricsEndpoint>,
    /// What kind of workload the service is (web by default).
    pub(crate) workload: Workload,
    /// Extra named container ports (Service ports too for web), in the order written.
    pub(crate) ports: Vec<NamedPort>,
    pub(crate) probes: Probes,
    pub(crate) sidecars: Vec<ExtraContainer>,
    /// Init containers, in the order they run.
    pub(crate) init: Vec<ExtraContainer>,
    /// Files mounted read-only, sorted by path.
    pub(crate) files: Vec<MountedFile>,
    /// Scratch volumes of the pod, sorted by name.
    pub(crate) volumes: Vec<ScratchVolume>,
    /// The main container's volume mounts, sorted by path.
    pub(crate) mounts: Vec<Mount>,
    pub(crate) security: Security,
    pub(crate) provenance: Provenance,
    /// The layered, expanded field values, keyed like `provenance` (for `pave explain`).
    pub(crate) fields: serde_json::Value,
    /// Environment variables read from a module need's Kubernetes Secret.
    pub(crate) secret_env: Vec<SecretEnv>,
    /// Environment variables whose values use `$(VAR)` to embed secret outputs.
    pub(crate) dependent_env: Vec<(String, String)>,
    /// Needs served by modules (databases, caches, buckets, queues), by need name.
    pub(crate) module_needs: Vec<super::module::ModuleNeed>,
    /// The IAM role the service account assumes, when a module asks for permissions.
    pub(crate) role: Option<String>,
    pub(crate) slo: Option<Slo>,
    /// How CI builds the image, when the service says.
    pub(crate) build: Option<Build>,
    /// The labels every Kubernetes object of the service carries: the environment's
    /// pod labels, the recommended `app.kubernetes.io/*` labels, owner and environment.
    pub(crate) labels: Labels,
    /// The stable labels that select the service's pods (name and instance), a subset
    /// of `labels`; never anything that changes on deploy.
    pub(crate) selector: Labels,
}

/// An environment variable set from a key of a Kubernetes Secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SecretEnv {
    pub(crate) name: String,
    pub(crate) secret: String,
    pub(crate) key: String,
}

impl ResolvedService {
    /// The pod selector of the service `name`.
    pub(crate) fn selector_of(name: &str) -> Labels {
        Labels::from([
            ("app.kubernetes.io/name".to_string(), name.to_string()),
            ("app.kubernetes.io/instance".to_string(), name.to_string()),
        ])
    }

    /// The labels of every object of service `name` of `owner` in environment `env`.
    pub(crate) fn labels_of(platform: &Platform, env: &str, name: &str, owner: &str) -> Labels {
        // The platform's labels first: pave's own keys are refused there (E0567).
        let mut labels = platform.pods(env).labels.clone();
        labels.extend(
            Self::selector_of(name)
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        labels.insert("app.kubernetes.io/part-of".into(), platform.name.clone());
        labels.insert("app.kubernetes.io/managed-by".into(), "pave".into());
        labels.insert("pave/owner".into(), owner.to_string());
        labels.insert("pave/environment".into(), env.to_string());
        Labels::from(labels)
    }

    /// The replica count the service runs with at least: HPA minimum or fixed replicas.
    pub(crate) fn min_replicas(&self) -> u32 {
        self.autoscale.map_or(self.replicas, |a| a.min)
    }

    /// Whether the service serves HTTP on its main port behind a Service (web only).
    pub(crate) fn is_web(&self) -> bool {
        matches!(self.workload, Workload::Web)
    }
}

/// The kind of workload and what only that kind has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Workload {
    /// A Deployment behind a Service, HTTP on the main port.
    Web,
    /// A Deployment with no Service (queue consumers, background processing).
    Worker,
    /// A CronJob.
    Cron(Cron),
}

impl Workload {
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            Workload::Web => "web",
            Workload::Worker => "worker",
            Workload::Cron(_) => "cron",
        }
    }
}

/// A cron job's schedule and run policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cron {
    pub(crate) schedule: String,
    /// The longest gap between two runs of `schedule`, in minutes (`cron::period_minutes`).
    pub(crate) period_minutes: u64,
    /// `Forbid`, `Replace` or `Allow` (the CronJob's spelling).
    pub(crate) concurrency: &'static str,
    pub(crate) deadline_seconds: Option<u64>,
    pub(crate) successful_history: u32,
    pub(crate) failed_history: u32,
    pub(crate) backoff_limit: u32,
}

/// A named container port (`admin: 9901`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NamedPort {
    pub(crate) name: String,
    pub(crate) port: u16,
}

/// The main container's probes; `None` is no probe.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Probes {
    pub(crate) liveness: Option<Probe>,
    pub(crate) readiness: Option<Probe>,
    pub(crate) startup: Option<Probe>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Probe {
    pub(crate) check: ProbeCheck,
    pub(crate) initial_delay_seconds: u32,
    pub(crate) period_seconds: u32,
    pub(crate) timeout_seconds: u32,
    pub(crate) failure_threshold: u32,
}

/// How a probe checks the container. Ports are container port names, except gRPC,
/// whose probe Kubernetes only accepts by number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProbeCheck {
    Http { path: String, port: String },
    Grpc(u16),
    Tcp(String),
    Exec(Vec<String>),
}

/// A sidecar or init container, with the main container's hardening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExtraContainer {
    pub(crate) name: String,
    pub(crate) image: String,
    pub(crate) command: Vec<String>,
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) size: String,
    pub(crate) resources: Size,
    pub(crate) ports: Vec<NamedPort>,
    /// Its volume mounts, sorted by path.
    pub(crate) mounts: Vec<Mount>,
}

/// A scratch volume of the pod: an `emptyDir`, on the node's disk or in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScratchVolume {
    pub(crate) name: String,
    /// The most it may hold (`sizeLimit`), a Kubernetes quantity.
    pub(crate) size: Option<String>,
    /// Backed by memory (`medium: Memory`).
    pub(crate) memory: bool,
}

/// One container's mount of a scratch volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mount {
    /// Where the container sees it (absolute).
    pub(crate) path: String,
    pub(crate) volume: String,
    /// A folder or file inside the volume (`subPath`), relative to it.
    pub(crate) sub_path: Option<String>,
    pub(crate) read_only: bool,
}

/// A file mounted from the service's files ConfigMap under `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MountedFile {
    pub(crate) path: String,
    pub(crate) key: String,
    pub(crate) content: String,
}

/// Numeric identities for the pod's security context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Security {
    pub(crate) run_as_user: Option<u32>,
    pub(crate) run_as_group: Option<u32>,
    pub(crate) fs_group: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Autoscale {
    pub(crate) min: u32,
    pub(crate) max: u32,
    pub(crate) cpu: u8,
}

/// A worker scaled on the depth of one of its queue needs (a KEDA ScaledObject).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueueScaler {
    /// The need's name in the service file.
    pub(crate) need: String,
    /// `https://sqs.<region>.amazonaws.com/<account>/<queue name>`.
    pub(crate) url: String,
    pub(crate) region: String,
    /// Messages waiting per replica.
    pub(crate) target: u32,
}

/// `NAME: {ref: path#key}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SecretRef {
    pub(crate) env_name: String,
    pub(crate) path: String,
    pub(crate) key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServiceNeed {
    /// The need's name in the service file.
    pub(crate) name: String,
    pub(crate) service: String,
    pub(crate) namespace: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    pub(crate) host: String,
    pub(crate) path: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MetricsEndpoint {
    pub(crate) port: u16,
    pub(crate) path: String,
}

/// Everything the renderers need: the platform and each (environment, service).
#[derive(Debug, Clone)]
pub(crate) struct Model {
    pub(crate) platform: Platform,
    /// Ordered by environment (promotion order), then service name.
    pub(crate) services: Vec<ResolvedService>,
    /// Service name -> its file, relative to the repository root (the catalog links it).
    pub(crate) service_files: BTreeMap<String, String>,
}
