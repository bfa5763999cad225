//! Every diagnostic wording of resolve, as small constructors called from the logic.
//!
//! Placeholder problems are worded here too, as [`Unresolved`] (message and help):
//! they become an E0501 at the placeholder once its span is known.

use super::aws_names::NameKind;
use super::scope::Unresolved;
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::source::Span;

/// The hint of the nearest name, or `fallback` when no name is near.
fn hint<'a>(name: &str, known: impl IntoIterator<Item = &'a str>, fallback: String) -> String {
    did_you_mean(name, known).unwrap_or(fallback)
}

// Placeholders (E0501 once placed).

pub(crate) fn env_field_missing(env: &str, field: &str) -> Unresolved {
    Unresolved(
        format!("environment `{env}` has no `{field}`"),
        format!("set `environments.{env}.{field}` in the platform file"),
    )
}

pub(crate) fn need_output_in_need_inputs(need: &str, output: &str) -> Unresolved {
    Unresolved(
        format!("a need's inputs cannot read `needs.{need}.{output}`"),
        "need inputs may use `${service.*}`, `${env.*}` and `${platform.name}`; outputs of needs are for `env`, `command` and `args`".into(),
    )
}

pub(crate) fn service_need_has_no_output(need: &str, output: &str) -> Unresolved {
    Unresolved(
        format!("need `{need}` has no output `{output}`"),
        hint(
            output,
            ["url", "host", "port"],
            "a service need has the outputs `url`, `host` and `port`".into(),
        ),
    )
}

pub(crate) fn module_need_has_no_output(
    need: &str,
    kind: &str,
    output: &str,
    outputs: &[&str],
) -> Unresolved {
    Unresolved(
        format!("need `{need}` (`{kind}`) has no output `{output}`"),
        hint(
            output,
            outputs.iter().copied(),
            format!("its outputs are: {}", outputs.join(", ")),
        ),
    )
}

pub(crate) fn no_such_need(need: &str, needs: &[&str]) -> Unresolved {
    Unresolved(
        format!("this service has no need `{need}`"),
        hint(
            need,
            needs.iter().copied(),
            format!("declare it under `needs:`, e.g. `{need}: {{ service: {need} }}`"),
        ),
    )
}

pub(crate) fn unknown_placeholder(path: &str, known: &[String]) -> Unresolved {
    Unresolved(
        format!("unknown placeholder `${{{path}}}`"),
        did_you_mean(path, known.iter().map(String::as_str))
            .map(|h| h.replace("`?", "}`?").replace("mean `", "mean `${"))
            .unwrap_or_else(|| "placeholders are ${service.*}, ${env.*}, ${platform.name} and ${needs.<name>.<output>}".into()),
    )
}

pub(crate) fn unclosed_placeholder() -> Unresolved {
    Unresolved(
        "unclosed placeholder: `${` without `}`".into(),
        "close it with `}`, or write `$${` for a literal `${`".into(),
    )
}

/// A placeholder that did not resolve, at the placeholder itself.
pub(crate) fn unresolved_placeholder(span: Span, why: Unresolved) -> Diagnostic {
    let Unresolved(message, help) = why;
    Diagnostic::error(Code::E0501, message)
        .primary(span, "here")
        .help(help)
}

// Names and namespaces.

pub(crate) fn namespace_not_label(pattern: Span, namespace: &str, service: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0506,
        format!("namespace `{namespace}` of service `{service}` is not a DNS-1123 label"),
    )
    .primary(pattern, "this pattern")
    .help("namespaces are lowercase letters, digits and `-`")
}

pub(crate) fn service_name_not_label(at: Span, name: &str, suggestion: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0506,
        format!("service name `{name}` is not a DNS-1123 label"),
    )
    .primary(at, "not a valid name")
    .help(format!(
        "use lowercase letters, digits and `-`, at most 63 characters, e.g. `{suggestion}`"
    ))
}

pub(crate) fn reserved_service_name(at: Span, name: &str) -> Diagnostic {
    Diagnostic::error(Code::E0506, format!("service name `{name}` is reserved"))
        .primary(at, "a name pave reserves")
        .note(format!(
            "a service's Terraform file `terraform/<env>/{name}.tf` would be pave's own `{name}.tf`"
        ))
        .help("choose another name; `eks`, `outputs`, `providers` and `versions` are reserved")
}

pub(crate) fn file_stem_mismatch(at: Span, name: &str, file_name: &str, stem: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0504,
        format!("service `{name}` is defined in `{file_name}`"),
    )
    .primary(at, format!("the file stem is `{stem}`"))
    .help(format!(
        "rename the file to `services/{name}.yaml` or set `name: {stem}`"
    ))
}

pub(crate) fn duplicate_service(at: Span, first: Span, name: &str) -> Diagnostic {
    Diagnostic::error(Code::E0505, format!("two services are named `{name}`"))
        .primary(at, "second definition")
        .secondary(first, "first defined here")
        .help("service names are unique across the platform; rename one")
}

pub(crate) fn unknown_environment(at: Span, key: &str, environments: &[&str]) -> Diagnostic {
    Diagnostic::error(
        Code::E0507,
        format!("the platform defines no environment `{key}`"),
    )
    .primary(at, "unknown environment")
    .help(hint(
        key,
        environments.iter().copied(),
        format!("environments are: {}", environments.join(", ")),
    ))
}

// Needs.

pub(crate) fn unknown_need_service(
    at: Span,
    need: &str,
    target: &str,
    services: &[&str],
    renamed_to: Option<&str>,
) -> Diagnostic {
    let help = match renamed_to {
        Some(new) => format!(
            "`{target}` was renamed to `{new}` (its `renamed_from`): write `service: {new}`"
        ),
        None => hint(
            target,
            services.iter().copied(),
            format!("add `services/{target}.yaml` or fix the name"),
        ),
    };
    Diagnostic::error(
        Code::E0503,
        format!("need `{need}` names an unknown service `{target}`"),
    )
    .primary(at, "no service has this name")
    .help(help)
}

pub(crate) fn incomplete_need(at: Span, need: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0512,
        format!("need `{need}` names neither a `service` nor a module `type`"),
    )
    .primary(at, "incomplete need")
    .help("write `{ service: <name> }` or `{ type: <module> }` in the service's `needs`")
}

pub(crate) fn unknown_module_type(at: Span, kind: &str, known: &[&str]) -> Diagnostic {
    Diagnostic::error(Code::E0508, format!("no module of type `{kind}`"))
        .primary(at, "unknown module type")
        .help(hint(
            kind,
            known.iter().copied(),
            format!(
                "module types: {}; add your own in `modules/{kind}/module.yaml`",
                known.join(", ")
            ),
        ))
}

pub(crate) fn secret_output_outside_env(at: Span) -> Diagnostic {
    Diagnostic::error(Code::E0509, "a secret output can only be used in `env`, `command` or `args`")
        .primary(at, "a need's secret output")
        .help("secret outputs reach the pod through the secret store; use them in an environment variable")
}

pub(crate) fn module_needs_without_store(at: Span) -> Diagnostic {
    Diagnostic::error(
        Code::E0510,
        "module needs deliver their outputs through a secret store, and the platform names none",
    )
    .primary(at, "these needs have secret outputs")
    .help("set `secrets: { store: <ClusterSecretStore name> }` in the platform file")
}

pub(crate) fn need_without_network(
    at: Span,
    env_at: Span,
    need: &str,
    kind: &str,
    env: &str,
) -> Diagnostic {
    Diagnostic::error(
        Code::E0540,
        format!("need `{need}` ({kind}) lives in a VPC, and environment `{env}` declares no network"),
    )
    .primary(at, format!("a `{kind}` module needs `environments.{env}.network`"))
    .secondary(env_at, "the environment is defined here")
    .help(format!(
        "add `network: {{ vpc_id, subnet_ids, client_security_group_id }}` to `environments.{env}` in the platform file"
    ))
}

// Service fields.

pub(crate) fn unknown_size(
    at: Span,
    sizes_at: Option<Span>,
    size: &str,
    known: &[&str],
) -> Diagnostic {
    let mut d = Diagnostic::error(Code::E0502, format!("unknown size class `{size}`"))
        .primary(at, "not a key of the platform's `sizes`");
    if let Some(sizes) = sizes_at {
        d = d.secondary(sizes, "sizes are defined here");
    }
    d.help(hint(
        size,
        known.iter().copied(),
        format!("sizes are: {}", known.join(", ")),
    ))
}

pub(crate) fn queue_scaler_not_worker(at: Span, kind: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0606,
        format!("`autoscale.queue` is for workers, and this service is a {kind}"),
    )
    .primary(at, "scales on a queue")
    .help("remove `queue` and `target`, or make the service `workload: worker`")
}

pub(crate) fn queue_scaler_not_a_queue(
    at: Span,
    name: &str,
    found: Option<&str>,
    queues: &[&str],
) -> Diagnostic {
    let message = match found {
        Some(kind) => format!("`autoscale.queue` names need `{name}`, a {kind}, not a queue"),
        None => format!("`autoscale.queue` names `{name}`, which is not a need of this service"),
    };
    let help = if queues.is_empty() {
        "add a need `{ type: queue }` and name it here".to_string()
    } else {
        format!("queue needs of this service: {}", queues.join(", "))
    };
    Diagnostic::error(Code::E0607, message)
        .primary(at, "not a queue need")
        .help(help)
}

pub(crate) fn queue_scaler_with_cpu(queue_at: Span, cpu_at: Span) -> Diagnostic {
    Diagnostic::error(
        Code::E0608,
        "`autoscale` sets both `cpu` and `queue`; one scaler drives the replicas",
    )
    .primary(cpu_at, "CPU target")
    .secondary(queue_at, "queue scaler")
    .help("remove `cpu` to scale on the queue, or `queue` and `target` to scale on CPU")
}

pub(crate) fn queue_scaler_no_location(at: Span, env: &str, missing: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0609,
        format!(
            "`autoscale.queue` needs the queue's URL, and environment `{env}` has no `{missing}`"
        ),
    )
    .primary(at, "scales on a queue")
    .help(format!(
        "set `environments.{env}.{missing}` in the platform file"
    ))
}

pub(crate) fn autoscale_min_above_max(
    min_at: Span,
    max_at: Span,
    min: u32,
    max: u32,
) -> Diagnostic {
    Diagnostic::error(
        Code::E0510,
        format!("autoscale min ({min}) is above max ({max})"),
    )
    .primary(min_at, "the minimum")
    .secondary(max_at, "the maximum")
    .help("make `min` at most `max`")
}

pub(crate) fn secrets_without_store(at: Span) -> Diagnostic {
    Diagnostic::error(
        Code::E0510,
        "secrets need a secret store, and the platform names none",
    )
    .primary(at, "secrets are read through External Secrets")
    .help("set `secrets: { store: <ClusterSecretStore name> }` in the platform file")
}

pub(crate) fn env_and_secret(plain: Span, secret: Span, name: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0510,
        format!("`{name}` is set both in `env` and in `secrets`"),
    )
    .primary(plain, "plain value")
    .secondary(secret, "secret reference")
    .help("keep one of the two")
}

pub(crate) fn invalid_route_host(at: Span, host: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0510,
        format!("route host `{host}` is not a valid host name"),
    )
    .primary(at, "invalid host")
    .help("a host is lowercase DNS labels joined by `.`, e.g. `shop.${env.domain}`")
}

pub(crate) fn team_names_clash(at: Span, team: &str, first: &str, object: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0510,
        format!("teams `{first}` and `{team}` would both name their AlertmanagerConfig `{object}`"),
    )
    .primary(at, "this team")
    .help("a Kubernetes name has no capitals or `_`: give the teams names that differ in more than that")
}

/// Labels the need a diagnostic is about, when its place is known.
fn at_need(d: Diagnostic, at: Option<Span>) -> Diagnostic {
    match at {
        Some(at) => d.primary(at, "this need"),
        None => d,
    }
}

pub(crate) fn need_named_like_own_secrets(
    at: Option<Span>,
    service: &str,
    object: &str,
) -> Diagnostic {
    let d = Diagnostic::error(
        Code::E0510,
        format!(
            "need `secrets` of `{service}` would write the Kubernetes Secret `{object}`, where the service's own `secrets` are synced"
        ),
    );
    let d = at_need(d, at);
    d.help("rename the need, e.g. to `secrets-store`")
}

pub(crate) fn need_objects_clash(
    at: Option<Span>,
    service: &str,
    (need, first_need): (&str, &str),
    object: &str,
) -> Diagnostic {
    let d = Diagnostic::error(
        Code::E0510,
        format!(
            "needs `{first_need}` and `{need}` of `{service}` would both write the Kubernetes Secret `{object}`"
        ),
    );
    let d = at_need(d, at);
    d.help("a Kubernetes name has no `_`, so pave writes it as `-`: rename one of the two needs")
}

pub(crate) fn resource_names_clash(
    at: Option<Span>,
    (service, need): (&str, &str),
    (first_service, first_need): (&str, &str),
    joined: &str,
) -> Diagnostic {
    let d = Diagnostic::error(
        Code::E0510,
        format!(
            "need `{need}` of `{service}` and need `{first_need}` of `{first_service}` would both name their resources `<platform>-<env>-{joined}`"
        ),
    );
    let d = at_need(d, at);
    d.note("a module names a need's cloud resources after its service and need joined by `-`, so the second would fail to create (or take over) the first's")
    .help(format!("give the newer of the two needs (or services) another name, so that `<service>-<need>` differs, e.g. `{need}` to `{need}-store`"))
}

pub(crate) fn invalid_route_path(at: Span, path: &str, problem: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0510,
        format!("route path `{}` {problem}", path.escape_debug()),
    )
    .primary(at, "invalid path")
    .help("a route path is the prefix of the URLs the service answers, e.g. `/` or `/api/v1`")
}

pub(crate) fn build_path(at: Span, field: &str, problem: &str) -> Diagnostic {
    Diagnostic::error(Code::E0517, format!("`build.{field}` {problem}"))
        .primary(at, "not a path inside the repository")
        .help("write a path relative to the repository root (context) or to the context (dockerfile), without `..`, e.g. `services/api`")
}

/// E0225: GitLab runs a job in an image, and the test job has none to run in.
pub(crate) fn test_without_image(at: Span, service: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0225,
        format!("`{service}` has a `build.test` command but no `build.image` to run it in on GitLab"),
    )
    .primary(at, "`build.image` is missing here")
    .note("GitLab runs every job in an image; its default image has no language toolchain, and self-managed runners may have none at all")
    .help("name the image with the toolchain the test needs, e.g. `build: { image: golang:1.27, test: go test ./... }`")
}

/// E0226: CI plans and applies Terraform and has no role to do it with in `env`.
pub(crate) fn terraform_without_role(at: Span, env: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0226,
        format!("CI plans and applies Terraform in `{env}`, and has no IAM role to do it with"),
    )
    .primary(at, "this environment has no `ci_role`")
    .note("without Atlantis, CI runs `terraform plan` and `apply`; it signs in to AWS by OIDC, never with stored keys")
    .help(format!("set `environments.{env}.ci_role` (or `targets.ci.aws_role` for every environment) to the ARN of a role that trusts the CI provider's OIDC tokens"))
}

/// E0227: the output folder would be written among the inputs or over another
/// target's file.
pub(crate) fn output_overlaps(at: Span, output: &str, what: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0227,
        format!("the output folder `{output}` is {what}"),
    )
    .primary(at, "the output folder")
    .note("pave owns the output folder: it writes, replaces and removes files there")
    .help("name a folder of its own, e.g. `output: generated`")
}

// SLOs.

/// `nearest` is the nearest bucket already written as a duration (`250ms`).
pub(crate) fn latency_not_a_bucket(
    at: Span,
    buckets_at: Option<Span>,
    threshold: &str,
    metric: &str,
    buckets: &[String],
    nearest: Option<String>,
) -> Diagnostic {
    let mut d = Diagnostic::error(
        Code::E0514,
        format!("latency threshold {threshold}s is not a bucket of `{metric}`"),
    )
    .primary(at, "not a histogram bucket")
    .note(format!("buckets: {}", buckets.join(", ")));
    if let Some(nearest) = nearest {
        d = d.help(format!("use a bucket boundary, e.g. `{nearest}`"));
    }
    if let Some(span) = buckets_at {
        d = d.secondary(span, "the buckets are defined here");
    }
    d
}

pub(crate) fn unusable_objective(at: Span, field: &str, min: i64, max_decimals: u32) -> Diagnostic {
    Diagnostic::error(Code::E0516, format!("`{field}` is not a usable SLO objective"))
        .primary(at, "not a percentage pave can alert on")
        .help(format!(
            "an objective is a percentage from {min} to below 100 with at most {max_decimals} decimals, e.g. `99.9`"
        ))
}

/// An objective written as a fraction (`0.999`) where a percentage is expected: an
/// error, because 0.999 % would alert on nothing anyone means.
pub(crate) fn objective_is_a_fraction(at: Span, field: &str, percent: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0516,
        format!("`{field}` is a fraction, not a percentage"),
    )
    .primary(at, format!("this is {percent} % written as a fraction"))
    .help(format!(
        "write `{percent}`: objectives are percentages (`99.9` means 99.9 %)"
    ))
}

/// An SLO on a service whose metrics are off: nothing would measure it.
pub(crate) fn slo_without_metrics(slo: Span, metrics: Span) -> Diagnostic {
    Diagnostic::error(Code::E0541, "this SLO cannot be measured: the service's metrics are off")
        .primary(slo, "no alert or dashboard can be built for this SLO")
        .secondary(metrics, "metrics turned off here")
        .help("SLOs are computed from the request metrics pave scrapes: remove `metrics: false`, or remove the SLO")
}

// Routes across services and environments (E0542, E0543).

/// A second service routes a host and path another service already routes.
pub(crate) fn route_taken(
    at: Span,
    first: Span,
    host: &str,
    path: &str,
    other: &str,
) -> Diagnostic {
    Diagnostic::error(
        Code::E0542,
        format!("this route's host and path are also routed to `{other}`"),
    )
    .primary(at, format!("`{host}{path}` is taken"))
    .secondary(first, format!("`{other}` routes it here"))
    .help("an ingress controller sends a host and path to one service only: give one of them another host or `route.path`")
}

/// A host outside its environments' domains, the same in several environments.
pub(crate) fn host_in_several_environments(
    at: Span,
    others: &[Span],
    host: &str,
    envs: &[&str],
) -> Diagnostic {
    let list = envs
        .iter()
        .map(|e| format!("`{e}`"))
        .collect::<Vec<_>>()
        .join(", ");
    // A warning: whether the environments share one DNS zone and ingress is not
    // something pave can see, but dev taking production's name is rarely meant.
    let mut d = Diagnostic::warning(
        Code::E0543,
        format!("route host `{host}` is claimed by environments {list}"),
    )
    .primary(at, "the same host outside the environment's domain in each");
    for &other in others {
        d = d.secondary(other, "also set here");
    }
    d.help("each environment's DNS record and ingress would claim this one name: keep it for one environment under `environments.<env>.route`, and use `${env.domain}` for the others")
}

// The platform.

pub(crate) fn slo_period_too_long(at: Span) -> Diagnostic {
    Diagnostic::error(Code::E0515, "the SLO period is longer than a year")
        .primary(at, "here")
        .help("error budgets are counted over a rolling window such as `28d` or `30d`")
}

pub(crate) fn invalid_window(at: Span, tier: &str, problem: &str) -> Diagnostic {
    Diagnostic::error(Code::E0515, format!("invalid SLO window `{tier}`: {problem}"))
        .primary(at, "here")
        .help("a window pair alerts when both windows burn faster than budget% x period / long; the workbook's table is 1h/5m at 2%, 6h/30m at 5%, 1d/2h and 3d/6h at 10%")
}

pub(crate) fn window_tier_twice(at: Span, tier: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0515,
        format!("SLO window tier `{tier}` appears twice"),
    )
    .primary(at, "tiers name alerts and must be unique")
    .help("give each window pair its own `tier`")
}

pub(crate) fn severity_unknown_environment<'a>(
    at: Span,
    env: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Diagnostic {
    let known: Vec<&str> = known.into_iter().collect();
    let fallback = format!(
        "`monitoring.severity` keys are environment names: {}",
        known.join(", ")
    );
    Diagnostic::error(
        Code::E0570,
        format!(
            "`monitoring.severity` names environment `{env}`, which the platform does not declare"
        ),
    )
    .primary(at, "not an environment")
    .help(hint(env, known, fallback))
}

/// A service's owner names no team while `monitoring.routing` sends alerts to teams.
pub(crate) fn owner_without_team<'a>(
    at: Span,
    owner: &str,
    teams: impl IntoIterator<Item = &'a str> + Clone,
) -> Diagnostic {
    let names: Vec<&str> = teams.clone().into_iter().collect();
    let fallback = match names.is_empty() {
        true => format!(
            "add `teams: {{ {owner}: {{ receivers: {{ page: ..., ticket: ... }} }} }}` to the platform file"
        ),
        false => format!(
            "owners are team names of the platform file: {}; or add `teams.{owner}` there",
            names.join(", ")
        ),
    };
    Diagnostic::error(
        Code::E0571,
        format!("owner `{owner}` is not a team of the platform, so its alerts reach no one"),
    )
    .primary(at, "no `teams` entry")
    .help(hint(owner, teams, fallback))
}

/// `monitoring.routing` is on but a target it needs is off.
pub(crate) fn routing_without_target(at: Span, routing: &str, target: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0572,
        format!(
            "`monitoring.routing: {routing}` routes pave's alerts, but `targets.{target}` is off"
        ),
    )
    .primary(at, format!("needs `targets.{target}`"))
    .help(format!(
        "turn `targets.{target}` on, or set `monitoring.routing: none`"
    ))
}

/// `at` is a need of the first service that needs infrastructure, when known.
pub(crate) fn no_state_bucket(at: Option<(Span, &str)>) -> Diagnostic {
    let mut d = Diagnostic::error(
        Code::E0510,
        "module needs are built with Terraform, and the platform names no state bucket",
    )
    .help("set `targets.terraform.backend: { bucket: ..., region: ... }` in the platform file");
    if let Some((span, service)) = at {
        d = d.primary(span, format!("`{service}` needs infrastructure"));
    }
    d
}

pub(crate) fn environment_lacks_infrastructure(
    at: Span,
    env: &str,
    missing: &[&str],
) -> Diagnostic {
    let list = missing
        .iter()
        .map(|m| format!("`{m}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Diagnostic::error(Code::E0510, format!("environment `{env}` needs {list} for the services' infrastructure"))
        .primary(at, "this environment")
        .help("module needs become Terraform per environment: the provider needs `region`; IAM roles for service accounts need `account` and the EKS cluster's name (`eks_cluster`, or `cluster` when they are the same)")
}

// The state backend (E0552, E0553).

pub(crate) fn state_bucket_without_region(at: Span) -> Diagnostic {
    Diagnostic::error(
        Code::E0552,
        "the Terraform state bucket has no `region`",
    )
    .primary(at, "this backend")
    .help("set `targets.terraform.backend.region` to the bucket's region: every environment's state lives in the one bucket, whatever the environment's own region")
}

pub(crate) fn lock_table_unused(at: Span) -> Diagnostic {
    Diagnostic::warning(
        Code::E0553,
        "`lock_table` is no longer used: Terraform state is locked with an S3 lock file (`use_lockfile`)",
    )
    .primary(at, "ignored")
    .help("remove `lock_table`; DynamoDB state locking is deprecated since Terraform 1.10, and the lock file needs no table (the DynamoDB table can be deleted once no older configuration uses it)")
}

// AWS names (E0550).

/// A physical AWS name built for a need or a service that AWS would reject.
pub(crate) fn aws_name_invalid(
    at: Span,
    kind: NameKind,
    name: &str,
    problems: &[String],
    built_from: &str,
) -> Diagnostic {
    Diagnostic::error(
        Code::E0550,
        format!(
            "the {} `{name}` breaks AWS's naming rules: {}",
            kind.what(),
            problems.join("; ")
        ),
    )
    .primary(at, format!("the {} is built from this name", kind.what()))
    .help(format!(
        "{built_from}; shorten the names or inputs it is built from to at most {} characters (pave does not shorten names: renaming later replaces the resource)",
        kind.max()
    ))
}

// CI (`targets.ci`).

pub(crate) fn ci_install_missing(at: Span) -> Diagnostic {
    Diagnostic::error(Code::E0220, "CI is on but `targets.ci.install` is missing")
        .primary(at, "no `install` here")
        .note("CI runs `pave check` on every pull request, so it must install exactly this pave; a bare package name could resolve to someone else's program")
        .help("add `install: { git: <repository URL>, rev: <tag or commit> }`, `install: { url: <release archive>, sha256: <its SHA-256> }` or `install: { image: <ref>@sha256:<digest> }`")
}

pub(crate) fn ci_install_unpaired(at: Span, written: &str, missing: &str) -> Diagnostic {
    let why = match written {
        "url" => "an archive is used only after its checksum is verified",
        "sha256" => "a checksum verifies an archive that `url` downloads",
        _ => "`git` names the repository and `rev` pins the tag or commit built from it",
    };
    Diagnostic::error(
        Code::E0221,
        format!("`targets.ci.install.{written}` needs `{missing}` beside it"),
    )
    .primary(at, format!("no `{missing}` beside this"))
    .note(why)
    .help(format!("add `{missing}: ...` to `targets.ci.install`"))
}

pub(crate) fn ci_install_mixed(at: Span, first: &str, second: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0222,
        format!("`targets.ci.install` mixes the `{first}` and `{second}` forms"),
    )
    .primary(
        at,
        format!("a second install form (`{first}` is already given)"),
    )
    .help("keep one form: `{ git, rev }`, `{ url, sha256 }` or `{ image }`")
}

pub(crate) fn ecr_without_role(at: Span, host: &str, service: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0223,
        format!("CI pushes `{service}` to ECR (`{host}`) but has no role to push with"),
    )
    .primary(at, "an ECR registry")
    .note("CI (GitHub Actions or GitLab) logs in to ECR by OIDC, without long-lived keys")
    .help("set `targets.ci.aws_role: arn:aws:iam::<account>:role/<name>`, a role whose trust policy admits this repository's default branch")
}

pub(crate) fn ecr_host_without_region(at: Span, host: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0224,
        format!("`{host}` is declared an ECR registry but does not name its region"),
    )
    .primary(at, "not `<account>.dkr.ecr.<region>.amazonaws.com`")
    .help("write the private ECR host, e.g. `111111111111.dkr.ecr.eu-west-1.amazonaws.com/acme`, or choose another `kind`")
}

// Workload kinds, ports, probes, containers, files (E0560–E0566).

pub(crate) fn field_not_for_kind(
    at: Span,
    kind_at: Option<Span>,
    field: &str,
    kind: &str,
    allowed: &[&str],
) -> Diagnostic {
    let kinds = allowed
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(" and ");
    let mut d = Diagnostic::error(Code::E0560, format!("a `{kind}` service has no `{field}`"))
        .primary(at, format!("only {kinds} services have this"));
    if let Some(kind_at) = kind_at {
        d = d.secondary(kind_at, format!("the workload kind is `{kind}`"));
    }
    d.help(format!(
        "remove `{field}`, or set `workload:` to {}",
        allowed.join(" or ")
    ))
}

pub(crate) fn cron_without_schedule(at: Span) -> Diagnostic {
    Diagnostic::error(Code::E0561, "a cron job needs a `schedule`")
        .primary(at, "this service is a cron job")
        .help("add `schedule: \"0 3 * * *\"` (minute hour day-of-month month day-of-week, UTC)")
}

pub(crate) fn invalid_schedule(at: Span, schedule: &str, problem: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0562,
        format!("`{schedule}` is not a valid cron schedule"),
    )
    .primary(at, problem.to_string())
    .help("five fields: minute (0-59) hour (0-23) day-of-month (1-31) month (1-12) day-of-week (0-7); or @hourly, @daily, @weekly, @monthly, @yearly")
}

pub(crate) fn probe_port_not_declared(at: Span, port: u16, declared: &[String]) -> Diagnostic {
    let help = match declared.is_empty() {
        true => {
            "this container declares no port; add it under `ports:` (e.g. `ports: { grpc: 9000 }`)"
                .to_string()
        }
        false => format!(
            "the container declares {}; add this one under `ports:`",
            declared.join(", ")
        ),
    };
    Diagnostic::error(
        Code::E0563,
        format!("the probe uses port {port}, which the container does not declare"),
    )
    .primary(at, "not a declared port")
    .help(help)
}

pub(crate) fn probe_without_main_port(at: Span) -> Diagnostic {
    Diagnostic::error(
        Code::E0563,
        "an HTTP probe without a port uses the main port, which only a web service has",
    )
    .primary(at, "no port to probe")
    .help("write `{ http: /healthz, port: N }` with a port declared under `ports:`, or use `{ exec: [...] }`")
}

pub(crate) fn port_clash(at: Span, name: &str, problem: &str) -> Diagnostic {
    Diagnostic::error(Code::E0563, format!("port `{name}` cannot be declared: {problem}"))
        .primary(at, "this port")
        .help("give each extra port its own name and number; `http` and `metrics` are the names pave gives the main and metrics ports")
}

pub(crate) fn container_name_taken(at: Span, first: Span, name: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0564,
        format!("container name `{name}` is used twice in the pod"),
    )
    .primary(at, "this container")
    .secondary(first, "the name is first used here")
    .help("the main container is named after the service; give every sidecar and init container a name of its own")
}

pub(crate) fn bad_file_path(at: Span, path: &str, problem: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0565,
        format!("file `{path}` cannot be mounted: {problem}"),
    )
    .primary(at, "this path")
    .help("files are absolute paths such as `/etc/app/config.yaml`, each outside `/tmp` and not inside another file's path")
}

pub(crate) fn files_too_large(at: Span, bytes: usize) -> Diagnostic {
    Diagnostic::error(
        Code::E0565,
        format!("the files hold {bytes} bytes together, more than the 1,048,576 of one ConfigMap"),
    )
    .primary(at, "mounted from one ConfigMap")
    .help("mount fewer or smaller files, or ship the data in the image")
}

pub(crate) fn env_too_large(at: Span, (service, env): (&str, &str), bytes: usize) -> Diagnostic {
    Diagnostic::error(
        Code::E0565,
        format!("the plain `env` values of `{service}` in {env} hold {bytes} bytes together, more than the 1,048,576 of one ConfigMap"),
    )
    .primary(at, "written to one ConfigMap")
    .help("move large values into `files` or the image, or read them from the secret store")
}

// Volumes and mounts (E0627–E0629).

pub(crate) fn unknown_volume(at: Span, volume: &str, declared: &[&str]) -> Diagnostic {
    let help = match declared.is_empty() {
        true => format!(
            "declare it: `volumes: {{ {volume}: {{}} }}` (an emptyDir; `size` and `memory: true` are optional)"
        ),
        false => format!(
            "the service declares {}; declare `{volume}` under `volumes:` or mount one of those",
            declared
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Diagnostic::error(
        Code::E0627,
        format!("the mount names volume `{volume}`, which the service does not declare"),
    )
    .primary(at, "no such volume")
    .help(help)
}

pub(crate) fn bad_mount_path(at: Span, path: &str, problem: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0628,
        format!("a volume cannot be mounted at `{path}`: {problem}"),
    )
    .primary(at, "this path")
    .help("mounts are absolute paths such as `/var/cache/app`, outside `/tmp` (already a scratch folder), not inside or around a file of `files` or another mount of the same container")
}

pub(crate) fn bad_sub_path(at: Span, sub_path: &str, problem: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0628,
        format!("`sub_path` `{sub_path}` cannot be mounted: {problem}"),
    )
    .primary(at, "this sub_path")
    .help("`sub_path` is a folder or file inside the volume, relative to it (`rates`, `cache/v2`)")
}

pub(crate) fn reserved_volume(at: Span, name: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0629,
        format!("volume `{name}` is named like one of pave's own volumes"),
    )
    .primary(at, "a reserved name")
    .note("every pod has pave's `tmp` (the scratch folder at /tmp) and, with `files`, its `files` volume")
    .help("give the volume another name, e.g. `cache` or `scratch`")
}

pub(crate) fn unused_volume(at: Span, name: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::E0629,
        format!("volume `{name}` is mounted by no container"),
    )
    .primary(at, "declared here")
    .help(format!(
        "mount it (`mounts: {{ /var/cache/app: {name} }}` on the service, a sidecar or an init container) or remove it"
    ))
}

pub(crate) fn root_user(at: Span) -> Diagnostic {
    Diagnostic::error(Code::E0566, "`security.run_as_user: 0` runs the pod as root")
        .primary(at, "user 0 is root")
        .help("pods run as non-root and Kubernetes refuses to start this one; use the image's numeric non-root user, e.g. `run_as_user: 10001`")
}

// Renames (`renamed_from`, E0580–E0584).

pub(crate) fn renamed_from_existing(at: Span, service: &str, old: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0580,
        format!("service `{service}` is renamed from `{old}`, but a service `{old}` still exists"),
    )
    .primary(at, format!("`{old}` is still a service"))
    .note(format!(
        "both would claim the state of `{old}` (its databases, caches, buckets and queues)"
    ))
    .help(format!(
        "delete `services/{old}.yaml` (the rename moves its resources), or remove `{old}` from `renamed_from` if it is another service"
    ))
}

pub(crate) fn rename_loop(at: Span, service: &str, path: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0581,
        format!("the renames of service `{service}` loop: {path}"),
    )
    .primary(at, "this rename closes the loop")
    .help("`renamed_from` lists names a service had before, newest first; a service is never renamed from itself or from a service renamed from it")
}

pub(crate) fn rename_claimed_twice(
    at: Span,
    first: Span,
    old: &str,
    first_service: &str,
) -> Diagnostic {
    Diagnostic::error(
        Code::E0582,
        format!("two services are renamed from `{old}` (`{first_service}` is too)"),
    )
    .primary(at, "second claim")
    .secondary(first, "first claimed here")
    .help(format!(
        "the state of `{old}` can move to one service only; remove `{old}` from one `renamed_from`"
    ))
}

pub(crate) fn need_renamed_from_existing(at: Span, need: &str, old: &str) -> Diagnostic {
    let (message, label, help) = match need == old {
        true => (
            format!("need `{need}` is renamed from itself"),
            "the need's own key".to_string(),
            format!("`renamed_from` lists the keys the need had before; remove `{old}` from it"),
        ),
        false => (
            format!(
                "need `{need}` is renamed from `{old}`, but the service still has a need `{old}`"
            ),
            format!("`{old}` is still a need of this service"),
            format!(
                "remove `needs.{old}` (the rename moves its resources), or remove `{old}` from `renamed_from` if it is another need"
            ),
        ),
    };
    Diagnostic::error(Code::E0583, message)
        .primary(at, label)
        .help(help)
}

pub(crate) fn need_rename_claimed_twice(
    at: Span,
    first: Span,
    old: &str,
    first_need: &str,
) -> Diagnostic {
    Diagnostic::error(
        Code::E0584,
        format!("two needs are renamed from `{old}` (`{first_need}` is too)"),
    )
    .primary(at, "second claim")
    .secondary(first, "first claimed here")
    .help(format!(
        "the resources of need `{old}` can move to one need only; remove `{old}` from one `renamed_from`"
    ))
}

pub(crate) fn allow_destroy_unknown_env(at: Span, env: &str, known: &[&str]) -> Diagnostic {
    Diagnostic::error(
        Code::E0423,
        format!("`allow_destroy` names environment `{env}`, which the platform does not declare"),
    )
    .primary(at, "no such environment")
    .help(hint(
        env,
        known.iter().copied(),
        "a target is `env/service/need`, with an environment of `environments`".into(),
    ))
}

// GitOps and the catalog (E0610-E0612).

/// The Backstage maximum of an entity name.
pub(crate) const CATALOG_NAME_MAX: usize = 63;

pub(crate) fn catalog_name_too_long(at: Span, service: &str, need: &str, name: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0610,
        format!(
            "the catalog entity of need `{need}` would be named `{name}`, {} characters; Backstage accepts at most {CATALOG_NAME_MAX}",
            name.len()
        ),
    )
    .primary(at, "this need")
    .note(format!("`targets.catalog` names the Resource entity of a module need `<service>-<need>` (`{service}-...`)"))
    .help(format!(
        "shorten the need's name to at most {} characters",
        CATALOG_NAME_MAX.saturating_sub(service.len() + 1)
    ))
}

pub(crate) fn gitops_setting_unused(at: Span, field: &str, engine: Option<&str>) -> Diagnostic {
    let why = match engine {
        Some(engine) => format!("`targets.gitops.engine` is `{engine}`"),
        None => "`targets.gitops` is not written".to_string(),
    };
    let help = match field {
        "secret" => {
            "remove it: Argo CD reads repository credentials from its own settings (`argocd repo add`), matched by URL"
        }
        _ => {
            "remove it, or deliver with Argo CD: `targets.gitops: { engine: argocd, repo: <URL> }`"
        }
    };
    Diagnostic::warning(Code::E0611, format!("`{field}` is ignored: {why}"))
        .primary(at, "ignored")
        .help(help)
}

pub(crate) fn flux_ssh_without_secret(at: Span) -> Diagnostic {
    Diagnostic::error(
        Code::E0612,
        "Flux cannot clone an `ssh://` repository without a key",
    )
    .primary(at, "an SSH URL")
    .note("Flux's GitRepository authenticates over SSH only with the `identity` and `known_hosts` of the Secret it names")
    .help("set `targets.gitops.secret` to that Secret's name in `flux-system` (`flux bootstrap` creates `flux-system`; `flux create secret git` makes one), or use an `https://` URL")
}

pub(crate) fn reserved_pod_key(at: Span, field: &str, key: &str, prefix: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0567,
        format!("`{field}` key `{key}` is one pave writes itself"),
    )
    .primary(at, format!("keys under `{prefix}` belong to pave"))
    .help("pave sets these keys on every object it writes (selectors, versions, checksums); choose a key under your own prefix, e.g. `example.com/team`")
}

pub(crate) fn need_on_serviceless(at: Span, need: &str, target: &str, kind: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0600,
        format!("need `{need}` names `{target}`, a {kind} with no Service"),
    )
    .primary(at, format!("`{target}` is `workload: {kind}`"))
    .help("only web services have a host and port to connect to; reach a worker through the queue or store it reads, and remove this need")
}

pub(crate) fn short_deadline(at: Span, seconds: u64) -> Diagnostic {
    Diagnostic::error(
        Code::E0568,
        format!("cron `deadline` of {seconds}s is under 10 seconds"),
    )
    .primary(at, "shorter than the CronJob controller's 10-second check")
    .help("the controller looks for due runs every 10 seconds, so a shorter `startingDeadlineSeconds` can skip runs; use at least `10s`, or leave `deadline` out")
}

pub(crate) fn sidecar_port_clash(at: Span, name: &str, port: u16, other: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0569,
        format!("sidecar port `{name}: {port}` is already a port of {other}"),
    )
    .primary(at, "containers of one pod share its network")
    .help("two containers of a pod cannot listen on the same port; give the sidecar another port")
}
