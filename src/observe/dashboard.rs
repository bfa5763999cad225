//! Grafana dashboards: traffic, errors, latency, SLO budget and burn rate, pods, and
//! CPU and memory against requests.
//!
//! By default one dashboard per environment ([`environment`]) serves every service
//! through a `service` variable, with one SLO row repeated per SLO of the chosen
//! service; with `monitoring.dashboards.per_service` each service gets its own
//! ([`dashboard`]). The JSON is deterministic: typed structs in a fixed order, panel
//! ids and grid positions numbered in that order.

use serde::Serialize;

use super::rules::{BUDGET_REMAINING, BURN_RATE, slos};
use super::{ENV_LABEL, dashboard_uid, environment_dashboard_uid, selector};
use crate::duration::format_ms;
use crate::output::WriteError;
use crate::resolve::{Platform, ResolvedService};

/// The stable uid of a service's dashboard in one environment.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Dashboard {
    pub(crate) uid: String,
    pub(crate) title: String,
    pub(crate) tags: Vec<String>,
    pub(crate) timezone: &'static str,
    pub(crate) schema_version: u32,
    pub(crate) version: u32,
    pub(crate) editable: bool,
    pub(crate) refresh: &'static str,
    pub(crate) time: TimeRange,
    pub(crate) templating: Templating,
    pub(crate) panels: Vec<Panel>,
}

#[derive(Debug, Serialize)]
pub(crate) struct TimeRange {
    pub(crate) from: &'static str,
    pub(crate) to: &'static str,
}

#[derive(Debug, Serialize)]
pub(crate) struct Templating {
    pub(crate) list: Vec<Variable>,
}

/// A template variable. Fields a kind does not use are left out.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Variable {
    pub(crate) name: &'static str,
    pub(crate) label: &'static str,
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) query: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) datasource: Option<Datasource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) current: Option<Current>,
    /// Query variables: 2 = reload the values when the time range changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) refresh: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) multi: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) include_all: Option<bool>,
    /// 2 = hidden from the variable bar.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) hide: Option<u8>,
}

/// The value a variable starts with.
#[derive(Debug, Serialize)]
pub(crate) struct Current {
    pub(crate) text: String,
    pub(crate) value: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Panel {
    pub(crate) id: u32,
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) title: String,
    pub(crate) grid_pos: GridPos,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) datasource: Option<Datasource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) field_config: Option<FieldConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) targets: Vec<Target>,
    /// Rows only: whether the row is folded (its panels then live in `panels`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) collapsed: Option<bool>,
    /// Rows only: always empty, since pave's rows are open and their panels follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) panels: Option<Vec<Panel>>,
    /// Rows only: the variable the row is repeated over, once per selected value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) repeat: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub(crate) struct GridPos {
    pub(crate) h: u32,
    pub(crate) w: u32,
    pub(crate) x: u32,
    pub(crate) y: u32,
}

#[derive(Debug, Serialize)]
pub(crate) struct Datasource {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) uid: &'static str,
}

#[derive(Debug, Serialize)]
pub(crate) struct FieldConfig {
    pub(crate) defaults: FieldDefaults,
}

#[derive(Debug, Serialize)]
pub(crate) struct FieldDefaults {
    pub(crate) unit: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Target {
    pub(crate) ref_id: String,
    pub(crate) expr: String,
    pub(crate) legend_format: String,
}

/// A panel before layout: title, unit, and (query, legend) pairs.
type PanelSpec = (String, &'static str, Vec<(String, String)>);

/// What a dashboard lays out, in order: panels two to a line, and rows, which start
/// a line of their own.
enum Item {
    Panel(PanelSpec),
    Row(String, Option<&'static str>),
}

/// Whose series the panels select: one service, or the `$service` variable.
struct Who {
    /// The matchers of the service's own metrics.
    metrics: String,
    /// The namespace matcher for kube-state-metrics and cAdvisor series.
    namespace: String,
    /// The container (and pod name prefix).
    name: String,
}

/// The dashboard of one service in one environment.
pub(crate) fn dashboard(p: &Platform, env: &str, s: &ResolvedService) -> Dashboard {
    let who = Who {
        metrics: selector(s),
        namespace: format!("namespace=\"{}\"", s.namespace),
        name: s.name.clone(),
    };
    let mut items = Vec::new();
    if s.metrics.is_some() {
        items.extend(traffic(p, &who));
        for slo in slos(s) {
            let id = format!(
                "slo_id=\"{}\",env=\"{env}\",pave_platform=\"{}\"",
                slo.id, p.name
            );
            let title = |what: &str| format!("{} SLO: {what}", slo.name);
            items.extend(slo_panels(&id, burn_rates(p, &id), title));
        }
    }
    items.extend(resources(&who));
    Dashboard {
        uid: dashboard_uid(env, s),
        title: format!("{} ({env})", s.name),
        tags: vec!["pave".into(), s.owner.clone(), env.to_string()],
        templating: Templating {
            list: vec![datasource_variable()],
        },
        panels: layout(items),
        ..frame()
    }
}

/// The dashboard of every service of one environment: the `service` variable picks
/// the service, and the SLO row repeats once per SLO the chosen service records.
///
/// `service` is a custom variable listing the environment's services: pave knows them,
/// so the list needs no query, is right before any series exists and costs Prometheus
/// nothing; a hidden constant holds the environment's namespaces for the
/// kube-state-metrics and cAdvisor series, which carry no `env` label. `slo` is a query variable over the recorded budget series of the chosen
/// service (on the same Prometheus data source as the panels), because which SLOs a
/// service has depends on `$service`.
pub(crate) fn environment(p: &Platform, env: &str, services: &[&ResolvedService]) -> Dashboard {
    let who = Who {
        metrics: format!("job=\"$service\",{ENV_LABEL}=\"{env}\""),
        namespace: "namespace=~\"$namespaces\"".into(),
        name: "$service".into(),
    };
    let mut variables = vec![
        datasource_variable(),
        service_variable(services),
        namespaces_variable(services),
    ];
    let mut items = Vec::new();
    if services.iter().any(|s| s.metrics.is_some()) {
        items.extend(traffic(p, &who));
    }
    if services.iter().any(|s| !slos(s).is_empty()) {
        let id = format!(
            "slo_service=\"$service\",slo_name=\"$slo\",{ENV_LABEL}=\"{env}\",pave_platform=\"{}\"",
            p.name
        );
        let burn = burn_rates(p, &id);
        variables.push(slo_variable(p, env));
        items.push(Item::Row("SLO: $slo".into(), Some("slo")));
        items.extend(slo_panels(&id, burn, |what| format!("$slo SLO: {what}")));
        items.push(Item::Row("Pods and resources".into(), None));
    }
    items.extend(resources(&who));
    Dashboard {
        uid: environment_dashboard_uid(p, env),
        title: format!("{} ({env})", p.name),
        tags: vec!["pave".into(), env.to_string()],
        templating: Templating { list: variables },
        panels: layout(items),
        ..frame()
    }
}

/// What every pave dashboard shares; uid, title, tags, variables and panels are
/// filled in by the caller.
fn frame() -> Dashboard {
    Dashboard {
        uid: String::new(),
        title: String::new(),
        tags: Vec::new(),
        timezone: "utc",
        schema_version: 39,
        version: 1,
        editable: false,
        refresh: "1m",
        time: TimeRange {
            from: "now-6h",
            to: "now",
        },
        templating: Templating { list: Vec::new() },
        panels: Vec::new(),
    }
}

fn datasource_variable() -> Variable {
    Variable {
        name: "datasource",
        label: "Data source",
        kind: "datasource",
        query: "prometheus".into(),
        datasource: None,
        current: None,
        refresh: None,
        multi: None,
        include_all: None,
        hide: None,
    }
}

/// The environment's namespaces as one regular expression, written once and read by
/// the pod and resource panels (a constant is interpolated unescaped).
fn namespaces_variable(services: &[&ResolvedService]) -> Variable {
    let mut namespaces: Vec<&str> = services.iter().map(|s| s.namespace.as_str()).collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    Variable {
        name: "namespaces",
        label: "Namespaces",
        kind: "constant",
        query: namespaces.join("|"),
        hide: Some(2),
        ..datasource_variable()
    }
}

/// The environment's services, the first one chosen.
fn service_variable(services: &[&ResolvedService]) -> Variable {
    let names: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
    let first = names.first().copied().unwrap_or_default().to_string();
    Variable {
        name: "service",
        label: "Service",
        kind: "custom",
        query: names.join(","),
        current: Some(Current {
            text: first.clone(),
            value: first,
        }),
        ..datasource_variable()
    }
}

/// The SLOs the chosen service records in `env`, all selected, so the row repeats for
/// each. The platform's own: another may share the Prometheus and the names.
fn slo_variable(p: &Platform, env: &str) -> Variable {
    Variable {
        name: "slo",
        label: "SLO",
        kind: "query",
        query: format!(
            "label_values({BUDGET_REMAINING}{{slo_service=\"$service\",{ENV_LABEL}=\"{env}\",pave_platform=\"{}\"}}, slo_name)",
            p.name
        ),
        datasource: Some(prometheus()),
        current: Some(Current {
            text: "All".into(),
            value: "$__all".into(),
        }),
        refresh: Some(2),
        multi: Some(true),
        include_all: Some(true),
        ..datasource_variable()
    }
}

fn prometheus() -> Datasource {
    Datasource {
        kind: "prometheus",
        uid: "${datasource}",
    }
}

/// Request rate, error ratio and latency percentiles of the contract's metrics.
fn traffic(p: &Platform, who: &Who) -> Vec<Item> {
    let o = &p.observability;
    let sel = &who.metrics;
    let req = &o.requests_metric;
    let dur = &o.duration_metric;
    let specs: Vec<PanelSpec> = vec![
        (
            "Request rate".into(),
            "reqps",
            vec![(
                format!("sum by (code) (rate({req}{{{sel}}}[5m]))"),
                "{{code}}".into(),
            )],
        ),
        (
            "Error ratio (5xx)".into(),
            "percentunit",
            vec![(
                format!(
                    "(sum(rate({req}{{{sel},code=~\"5..\"}}[5m])) or vector(0)) / sum(rate({req}{{{sel}}}[5m]))"
                ),
                "errors".into(),
            )],
        ),
        (
            "Latency percentiles".into(),
            "s",
            ["0.5", "0.9", "0.99"]
                .iter()
                .map(|q| {
                    (
                        format!("histogram_quantile({q}, sum by (le) (rate({dur}{{{sel}}}[5m])))"),
                        format!("p{}", &q[2..]),
                    )
                })
                .collect(),
        ),
    ];
    specs.into_iter().map(Item::Panel).collect()
}

/// An SLO's remaining budget (`id` selects its recorded series) and its burn rate,
/// one query per window: `burn` pairs a query with its legend.
/// The recorded burn rates of the SLOs `id` selects over the long windows of the
/// platform's table, each once, shortest first: queries and legends.
fn burn_rates(p: &Platform, id: &str) -> Vec<(String, String)> {
    let mut windows: Vec<u64> = p.observability.windows.iter().map(|w| w.long_ms).collect();
    windows.sort_unstable();
    windows.dedup();
    windows
        .into_iter()
        .map(|w| {
            let w = format_ms(w);
            (format!("{BURN_RATE}{w}{{{id}}}"), format!("{w} window"))
        })
        .collect()
}

fn slo_panels(id: &str, burn: Vec<(String, String)>, title: impl Fn(&str) -> String) -> Vec<Item> {
    vec![
        Item::Panel((
            title("error budget remaining"),
            "percentunit",
            vec![(format!("{BUDGET_REMAINING}{{{id}}}"), "remaining".into())],
        )),
        Item::Panel((title("burn rate"), "none", burn)),
    ]
}

/// Pods ready and restarting, and CPU and memory against requests.
fn resources(who: &Who) -> Vec<Item> {
    let (ns, name) = (&who.namespace, &who.name);
    let container = format!("{ns},container=\"{name}\"");
    let specs: Vec<PanelSpec> = vec![
        (
            "Pods ready and restarts".into(),
            "none",
            vec![
                (
                    format!(
                        "sum(kube_pod_status_ready{{{ns},pod=~\"{name}-.*\",condition=\"true\"}})"
                    ),
                    "ready".into(),
                ),
                (
                    format!(
                        "sum(increase(kube_pod_container_status_restarts_total{{{container}}}[1h]))"
                    ),
                    "restarts (1h)".into(),
                ),
            ],
        ),
        (
            "CPU against requests".into(),
            "short",
            vec![
                (
                    format!("sum(rate(container_cpu_usage_seconds_total{{{container}}}[5m]))"),
                    "used".into(),
                ),
                (
                    format!(
                        "sum(kube_pod_container_resource_requests{{{container},resource=\"cpu\"}})"
                    ),
                    "requested".into(),
                ),
            ],
        ),
        (
            "Memory against requests".into(),
            "bytes",
            vec![
                (
                    format!("sum(container_memory_working_set_bytes{{{container}}})"),
                    "used".into(),
                ),
                (
                    format!(
                        "sum(kube_pod_container_resource_requests{{{container},resource=\"memory\"}})"
                    ),
                    "requested".into(),
                ),
            ],
        ),
    ];
    specs.into_iter().map(Item::Panel).collect()
}

/// Panels two to a line (8 high, 12 wide); a row takes a full line of height 1 and
/// starts after the line before it. Ids follow the order.
fn layout(items: Vec<Item>) -> Vec<Panel> {
    let (mut x, mut y) = (0, 0);
    let mut panels = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let id = i as u32 + 1;
        match item {
            Item::Row(title, repeat) => {
                if x > 0 {
                    (x, y) = (0, y + 8);
                }
                panels.push(row(id, title, repeat, y));
                y += 1;
            }
            Item::Panel(spec) => {
                panels.push(panel(id, spec, x, y));
                (x, y) = if x == 0 { (12, y) } else { (0, y + 8) };
            }
        }
    }
    panels
}

fn row(id: u32, title: String, repeat: Option<&'static str>, y: u32) -> Panel {
    Panel {
        id,
        kind: "row",
        title,
        grid_pos: GridPos {
            h: 1,
            w: 24,
            x: 0,
            y,
        },
        datasource: None,
        field_config: None,
        targets: Vec::new(),
        collapsed: Some(false),
        panels: Some(Vec::new()),
        repeat,
    }
}

fn panel(id: u32, (title, unit, queries): PanelSpec, x: u32, y: u32) -> Panel {
    Panel {
        id,
        kind: "timeseries",
        title,
        grid_pos: GridPos { h: 8, w: 12, x, y },
        datasource: Some(prometheus()),
        field_config: Some(FieldConfig {
            defaults: FieldDefaults { unit },
        }),
        targets: queries
            .into_iter()
            .enumerate()
            .map(|(j, (expr, legend))| Target {
                ref_id: ((b'A' + j as u8) as char).to_string(),
                expr,
                legend_format: legend,
            })
            .collect(),
        collapsed: None,
        panels: None,
        repeat: None,
    }
}

/// The dashboard as pretty JSON with a final newline. Fails only if a dashboard type
/// stops serializing (a bug), which the caller reports.
pub(crate) fn to_json(d: &Dashboard) -> Result<String, WriteError> {
    let mut text = serde_json::to_string_pretty(d).map_err(|e| WriteError {
        format: "JSON",
        message: e.to_string(),
    })?;
    text.push('\n');
    Ok(text)
}
