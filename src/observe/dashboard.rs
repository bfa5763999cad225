//! A Grafana dashboard per service and environment: traffic, errors, latency, SLO
//! budget and burn rate, pods, and CPU and memory against requests.
//!
//! The JSON is deterministic: typed structs in a fixed order, panel ids and grid
//! positions numbered in that order, one `datasource` template variable.

use serde::Serialize;

use super::rules::slos;
use super::{dashboard_uid, selector};
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

#[derive(Debug, Serialize)]
pub(crate) struct Variable {
    pub(crate) name: &'static str,
    pub(crate) label: &'static str,
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) query: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Panel {
    pub(crate) id: u32,
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) title: String,
    pub(crate) grid_pos: GridPos,
    pub(crate) datasource: Datasource,
    pub(crate) field_config: FieldConfig,
    pub(crate) targets: Vec<Target>,
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

/// The dashboard of one service in one environment.
pub(crate) fn dashboard(p: &Platform, env: &str, s: &ResolvedService) -> Dashboard {
    let o = &p.observability;
    let sel = selector(s);
    let ns = &s.namespace;
    let container = format!("namespace=\"{ns}\",container=\"{}\"", s.name);
    let mut specs: Vec<PanelSpec> = Vec::new();
    if s.metrics.is_some() {
        let req = &o.requests_metric;
        specs.push((
            "Request rate".into(),
            "reqps",
            vec![(
                format!("sum by (code) (rate({req}{{{sel}}}[5m]))"),
                "{{code}}".into(),
            )],
        ));
        specs.push((
            "Error ratio (5xx)".into(),
            "percentunit",
            vec![(
                format!(
                    "(sum(rate({req}{{{sel},code=~\"5..\"}}[5m])) or vector(0)) / sum(rate({req}{{{sel}}}[5m]))"
                ),
                "errors".into(),
            )],
        ));
        let dur = &o.duration_metric;
        specs.push((
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
        ));
        // The long windows of the platform's table, each once, shortest first.
        let mut burn_windows: Vec<u64> = o.windows.iter().map(|w| w.long_ms).collect();
        burn_windows.sort_unstable();
        burn_windows.dedup();
        for slo in slos(s) {
            let id = format!("slo_id=\"{}\",env=\"{env}\"", slo.id);
            specs.push((
                format!("{} SLO: error budget remaining", slo.name),
                "percentunit",
                vec![(
                    format!("slo:error_budget_remaining:ratio{{{id}}}"),
                    "remaining".into(),
                )],
            ));
            specs.push((
                format!("{} SLO: burn rate", slo.name),
                "none",
                burn_windows
                    .iter()
                    .map(|w| format_ms(*w))
                    .map(|w| {
                        (
                            format!("({}) / {}", slo.error_ratio(s, &w), slo.budget()),
                            format!("{w} window"),
                        )
                    })
                    .collect(),
            ));
        }
    }
    specs.push((
        "Pods ready and restarts".into(),
        "none",
        vec![
            (format!("sum(kube_pod_status_ready{{namespace=\"{ns}\",pod=~\"{}-.*\",condition=\"true\"}})", s.name), "ready".into()),
            (format!("sum(increase(kube_pod_container_status_restarts_total{{{container}}}[1h]))"), "restarts (1h)".into()),
        ],
    ));
    specs.push((
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
    ));
    specs.push((
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
    ));
    let panels = specs
        .into_iter()
        .enumerate()
        .map(|(i, (title, unit, queries))| Panel {
            id: i as u32 + 1,
            kind: "timeseries",
            title,
            grid_pos: GridPos {
                h: 8,
                w: 12,
                x: (i as u32 % 2) * 12,
                y: (i as u32 / 2) * 8,
            },
            datasource: Datasource {
                kind: "prometheus",
                uid: "${datasource}",
            },
            field_config: FieldConfig {
                defaults: FieldDefaults { unit },
            },
            targets: queries
                .into_iter()
                .enumerate()
                .map(|(j, (expr, legend))| Target {
                    ref_id: ((b'A' + j as u8) as char).to_string(),
                    expr,
                    legend_format: legend,
                })
                .collect(),
        })
        .collect();
    Dashboard {
        uid: dashboard_uid(env, s),
        title: format!("{} ({env})", s.name),
        tags: vec!["pave".into(), s.owner.clone(), env.to_string()],
        timezone: "utc",
        schema_version: 39,
        version: 1,
        editable: false,
        refresh: "1m",
        time: TimeRange {
            from: "now-6h",
            to: "now",
        },
        templating: Templating {
            list: vec![Variable {
                name: "datasource",
                label: "Data source",
                kind: "datasource",
                query: "prometheus",
            }],
        },
        panels,
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
