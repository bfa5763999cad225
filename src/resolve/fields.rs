//! A service's typed fields: each read from the decoded [`ServiceSpec`] with its
//! built-in or contract default, and checked. A field that is wrong is reported and
//! gets a placeholder value, so that every other field is still checked.

use super::defaults;
use super::messages;
use super::module::{Argument, ModuleNeed};
use super::resolved::{
    Autoscale, Build, Contract, MetricsEndpoint, QueueScaler, Route, Size, Workload,
};
use super::{EnvContext, is_dns_subdomain};
use crate::diag::Diagnostic;
use crate::load::pointer_push;
use crate::model::service::{MetricsSpec, ServiceSpec};
use crate::source::Span;

/// The size class and its resources; an unknown class is reported and gets empty
/// resources (the model is not returned with an error, so they are never rendered).
pub(crate) fn resources(
    ctx: &EnvContext,
    spec: &ServiceSpec,
    span_of: &dyn Fn(&str) -> Span,
    diags: &mut Vec<Diagnostic>,
) -> (String, Size) {
    let size = spec.size.clone().unwrap_or_else(|| defaults::SIZE.into());
    let resources = size_resources(ctx, &size, span_of, diags).unwrap_or(Size {
        cpu: String::new(),
        memory: String::new(),
    });
    (size, resources)
}

/// The resources of size class `size` (written at `/size` as `span_of` sees it);
/// `None`, reported, for a class the platform does not define.
pub(crate) fn size_resources(
    ctx: &EnvContext,
    size: &str,
    span_of: &dyn Fn(&str) -> Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<Size> {
    let sizes = &ctx.platform.sizes;
    if let Some(resources) = sizes.get(size) {
        return Some(resources.clone());
    }
    let names: Vec<&str> = sizes.keys().map(String::as_str).collect();
    let defined = ctx
        .pdoc
        .index
        .get("/sizes")
        .map(|n| n.key.unwrap_or(n.value));
    diags.push(messages::unknown_size(
        span_of("/size"),
        defined,
        size,
        &names,
    ));
    None
}

pub(crate) fn autoscale(
    spec: &ServiceSpec,
    span_of: &dyn Fn(&str) -> Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<Autoscale> {
    let autoscale = spec.autoscale.as_ref().map(|a| Autoscale {
        min: a.min,
        max: a.max,
        cpu: a.cpu.unwrap_or(defaults::AUTOSCALE_CPU),
    });
    if let Some(a) = autoscale.filter(|a| a.min > a.max) {
        diags.push(messages::autoscale_min_above_max(
            span_of("/autoscale/min"),
            span_of("/autoscale/max"),
            a.min,
            a.max,
        ));
    }
    autoscale
}

/// `autoscale.queue`: a worker scaled by KEDA on the depth of one of its queue needs.
/// Every mistake is reported; the scaler exists only when there is none.
pub(crate) fn queue_scaler(
    ctx: &EnvContext,
    spec: &ServiceSpec,
    kind: &Workload,
    needs: &[ModuleNeed],
    span_of: &dyn Fn(&str) -> Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<QueueScaler> {
    let a = spec.autoscale.as_ref()?;
    let (need, target) = (a.queue.as_ref()?, a.target?);
    let at = span_of("/autoscale/queue");
    let before = diags.len();
    match kind {
        Workload::Worker => {}
        // A cron job's autoscale is already reported as a field of the wrong kind.
        Workload::Cron(_) => return None,
        Workload::Web => diags.push(messages::queue_scaler_not_worker(at, "web service")),
    }
    // A CPU target from the platform's defaults yields to the service's own queue scaler;
    // both in the service file is a contradiction.
    let cpu_at = span_of("/autoscale/cpu");
    if a.cpu.is_some() && cpu_at.file == at.file {
        diags.push(messages::queue_scaler_with_cpu(at, cpu_at));
    }
    let found = needs.iter().find(|n| &n.name == need);
    let queue_name = found.filter(|n| n.kind == "queue").and_then(sqs_queue_name);
    if found.is_none_or(|n| n.kind != "queue") {
        let queues: Vec<&str> = needs
            .iter()
            .filter(|n| n.kind == "queue")
            .map(|n| n.name.as_str())
            .collect();
        diags.push(messages::queue_scaler_not_a_queue(
            at,
            need,
            found.map(|n| n.kind.as_str()),
            &queues,
        ));
    }
    let env = ctx.env;
    let missing = [("region", &env.region), ("account", &env.account)]
        .into_iter()
        .find(|(_, v)| v.is_none());
    if let Some((field, _)) = missing {
        diags.push(messages::queue_scaler_no_location(at, &env.name, field));
    }
    if diags.len() > before {
        return None;
    }
    let (region, account) = (env.region.clone()?, env.account.clone()?);
    Some(QueueScaler {
        need: need.clone(),
        url: format!(
            "https://sqs.{region}.amazonaws.com/{account}/{}",
            queue_name?
        ),
        region,
        target,
    })
}

/// The queue's name as terraform-aws-modules/sqs creates it: its `name` argument, with
/// `.fifo` appended (once) for a FIFO queue.
fn sqs_queue_name(need: &ModuleNeed) -> Option<String> {
    let Some(Argument::Value(serde_json::Value::String(name))) = need.arguments.get("name") else {
        return None;
    };
    let fifo = matches!(
        need.arguments.get("fifo_queue"),
        Some(Argument::Value(serde_json::Value::Bool(true)))
    );
    Some(if fifo {
        format!("{}.fifo", name.trim_end_matches(".fifo"))
    } else {
        name.clone()
    })
}

/// Secrets are read through the platform's secret store, and a name is either a plain
/// variable or a secret, never both.
pub(crate) fn check_secrets(
    ctx: &EnvContext,
    spec: &ServiceSpec,
    span_of: &dyn Fn(&str) -> Span,
    diags: &mut Vec<Diagnostic>,
) {
    if !spec.secrets.is_empty() && ctx.platform.secret_store.is_none() {
        diags.push(messages::secrets_without_store(span_of("/secrets")));
    }
    for name in spec.env.keys().filter(|n| spec.secrets.contains_key(*n)) {
        diags.push(messages::env_and_secret(
            span_of(&pointer_push("/env", name)),
            span_of(&pointer_push("/secrets", name)),
            name,
        ));
    }
}

/// The route; its host is checked unless a placeholder in it did not resolve (that
/// error is reported at the placeholder).
pub(crate) fn route(
    spec: &ServiceSpec,
    host_unexpanded: bool,
    span_of: &dyn Fn(&str) -> Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<Route> {
    let route = spec.route.as_ref().map(|r| Route {
        host: r.host.clone(),
        path: r
            .path
            .clone()
            .unwrap_or_else(|| defaults::ROUTE_PATH.into()),
    });
    let checked = route.as_ref().filter(|_| !host_unexpanded);
    if let Some(r) = checked.filter(|r| !is_dns_subdomain(&r.host)) {
        diags.push(messages::invalid_route_host(
            span_of("/route/host"),
            &r.host,
        ));
    }
    if let Some(problem) = route.as_ref().and_then(|r| route_path_problem(&r.path)) {
        let path = route.as_ref().map_or("", |r| r.path.as_str());
        diags.push(messages::invalid_route_path(
            span_of("/route/path"),
            path,
            problem,
        ));
    }
    route
}

/// Why the Kubernetes API server refuses `path` in an Ingress of `pathType: Prefix`
/// (its Ingress validation: `//`, `/./`, `/../`, `%2f` anywhere, a final `/.` or
/// `/..`), or why no request path can match it (white space, controls, `?`, `#`).
fn route_path_problem(path: &str) -> Option<&'static str> {
    const SEQUENCES: [&str; 5] = ["//", "/./", "/../", "%2f", "%2F"];
    if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some("holds white space or a control character")
    } else if path.contains(['?', '#']) {
        Some("holds `?` or `#`, which end a URL's path")
    } else if SEQUENCES.iter().any(|s| path.contains(s))
        || path.ends_with("/.")
        || path.ends_with("/..")
    {
        Some(
            "holds `//`, `/./`, `/../` or `%2F`, or ends in `/.` or `/..`, which Kubernetes refuses in an Ingress path",
        )
    } else {
        None
    }
}

/// The metrics endpoint: the contract's unless the service turns it off or moves it.
pub(crate) fn metrics(spec: &ServiceSpec, contract: &Contract) -> Option<MetricsEndpoint> {
    let endpoint = |port: Option<u16>, path: Option<&String>| MetricsEndpoint {
        port: port.unwrap_or(contract.metrics_port),
        path: path.unwrap_or(&contract.metrics_path).clone(),
    };
    match &spec.metrics {
        None => defaults::METRICS.then(|| endpoint(None, None)),
        Some(MetricsSpec::Enabled(true)) => Some(endpoint(None, None)),
        Some(MetricsSpec::Enabled(false)) => None,
        Some(MetricsSpec::Endpoint { port, path }) => Some(endpoint(*port, path.as_ref())),
    }
}

/// An SLO is measured from the service's own request metrics: with `metrics: false`
/// nothing scrapes them, and the SLO would be dropped without a word.
pub(crate) fn check_slo_measured(
    spec: &ServiceSpec,
    has_metrics: bool,
    span_of: &dyn Fn(&str) -> Span,
    diags: &mut Vec<Diagnostic>,
) {
    if spec.slo.is_some() && !has_metrics {
        diags.push(messages::slo_without_metrics(
            span_of("/slo"),
            span_of("/metrics"),
        ));
    }
}

/// `build`, with each path checked: it reaches CI as a path and as shell words.
pub(crate) fn build(
    spec: &ServiceSpec,
    span_of: &dyn Fn(&str) -> Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<Build> {
    let build = spec.build.as_ref()?;
    let paths = [
        ("context", Some(&build.context)),
        ("dockerfile", build.dockerfile.as_ref()),
    ];
    for (field, path) in paths {
        let Some(problem) = path.and_then(|p| crate::load::repo_path_problem(p)) else {
            continue;
        };
        diags.push(messages::build_path(
            span_of(&format!("/build/{field}")),
            field,
            problem,
        ));
    }
    Some(Build {
        context: build.context.trim_end_matches('/').to_string(),
        dockerfile: build
            .dockerfile
            .clone()
            .unwrap_or_else(|| defaults::DOCKERFILE.into()),
        test: build.test.clone(),
        image: build.image.clone(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::source::FileId;

    fn spec(fields: serde_json::Value) -> ServiceSpec {
        let mut base = json!({ "name": "api", "owner": "team-core", "image": "api:1" });
        if let (Some(base), Some(extra)) = (base.as_object_mut(), fields.as_object()) {
            base.extend(extra.clone());
        }
        serde_json::from_value(base).unwrap()
    }

    fn contract() -> Contract {
        Contract {
            port: 8080,
            metrics_port: 9090,
            metrics_path: "/metrics".into(),
            liveness: "/livez".into(),
            readiness: "/readyz".into(),
        }
    }

    fn at(_: &str) -> Span {
        Span::new(FileId(0), 0, 1)
    }

    #[test]
    fn build_paths_must_stay_inside_the_repository() {
        assert_eq!(crate::load::repo_path_problem("services/api"), None);
        assert_eq!(
            crate::load::repo_path_problem("/abs"),
            Some("is an absolute path")
        );
        assert_eq!(
            crate::load::repo_path_problem("c:/x"),
            Some("is an absolute path")
        );
        assert_eq!(
            crate::load::repo_path_problem("a/../b"),
            Some("leaves its folder through `..`")
        );
        assert_eq!(
            crate::load::repo_path_problem("a b"),
            Some("holds characters a CI shell would interpret")
        );
    }

    #[test]
    fn build_defaults_the_dockerfile_and_trims_the_context() {
        let mut diags = Vec::new();
        let built = build(
            &spec(json!({ "build": { "context": "svc/api/" } })),
            &at,
            &mut diags,
        );
        assert!(diags.is_empty());
        let expected = Build {
            context: "svc/api".into(),
            dockerfile: "Dockerfile".into(),
            test: None,
            image: None,
        };
        assert_eq!(built, Some(expected));
    }

    #[test]
    fn metrics_default_to_the_contract() {
        let contract = contract();
        let default = MetricsEndpoint {
            port: 9090,
            path: "/metrics".into(),
        };
        assert_eq!(metrics(&spec(json!({})), &contract), Some(default));
        assert_eq!(metrics(&spec(json!({ "metrics": false })), &contract), None);
        let moved = metrics(&spec(json!({ "metrics": { "port": 9100 } })), &contract);
        assert_eq!(
            moved.map(|m| (m.port, m.path)),
            Some((9100, "/metrics".into()))
        );
    }

    #[test]
    fn autoscale_and_route_report_and_keep_their_value() {
        let mut diags = Vec::new();
        let s =
            spec(json!({ "autoscale": { "min": 5, "max": 2 }, "route": { "host": "Bad_Host" } }));
        let scaled = autoscale(&s, &at, &mut diags);
        assert_eq!(
            scaled,
            Some(Autoscale {
                min: 5,
                max: 2,
                cpu: 70
            })
        );
        let routed = route(&s, false, &at, &mut diags);
        assert_eq!(routed.map(|r| r.path), Some("/".into()));
        assert_eq!(diags.len(), 2);
    }
}
