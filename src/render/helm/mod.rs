//! The Helm target: pave's shared service chart (`modules/chart`, embedded) written to
//! `<output>/helm/chart/`, and one values file per service and environment,
//! `<output>/helm/<env>/<service>.values.yaml`.
//!
//! The values (`values.rs`) are read off the typed objects the Kubernetes target
//! renders for the same service, so `helm template` of the chart with them renders those same objects; the
//! test suite checks that with the real Helm, object by object. Grafana dashboards are
//! not in the chart: they are Grafana's configuration, applied from the Kubernetes
//! tree (one per environment, or per service with `monitoring.dashboards.per_service`),
//! so no values file carries a dashboard's JSON. Nor does one carry alert rules: its
//! `prometheusRule` holds their inputs (`rules.rs`), and the chart's `_rules.tpl`
//! builds the rule groups from them.

mod rules;
mod values;

use std::collections::HashMap;

use rayon::prelude::*;

use super::kubernetes::ServiceObjects;
use super::{RenderCx, messages, service_scope, yaml_file};
use crate::diag::Diagnostic;
use crate::output::{Artifact, Scope};

/// The chart's files, embedded: path below the chart folder and content.
const CHART: &[(&str, &str)] = &[
    (
        "Chart.yaml",
        include_str!("../../../modules/chart/Chart.yaml"),
    ),
    (
        "values.schema.json",
        include_str!("../../../modules/chart/values.schema.json"),
    ),
    (
        "values.yaml",
        include_str!("../../../modules/chart/values.yaml"),
    ),
    (
        "templates/_pod.tpl",
        include_str!("../../../modules/chart/templates/_pod.tpl"),
    ),
    (
        "templates/_rules.tpl",
        include_str!("../../../modules/chart/templates/_rules.tpl"),
    ),
    (
        "templates/configmap.yaml",
        include_str!("../../../modules/chart/templates/configmap.yaml"),
    ),
    (
        "templates/cronjob.yaml",
        include_str!("../../../modules/chart/templates/cronjob.yaml"),
    ),
    (
        "templates/deployment.yaml",
        include_str!("../../../modules/chart/templates/deployment.yaml"),
    ),
    (
        "templates/externalsecrets.yaml",
        include_str!("../../../modules/chart/templates/externalsecrets.yaml"),
    ),
    (
        "templates/files.yaml",
        include_str!("../../../modules/chart/templates/files.yaml"),
    ),
    (
        "templates/hpa.yaml",
        include_str!("../../../modules/chart/templates/hpa.yaml"),
    ),
    (
        "templates/ingress.yaml",
        include_str!("../../../modules/chart/templates/ingress.yaml"),
    ),
    (
        "templates/keda.yaml",
        include_str!("../../../modules/chart/templates/keda.yaml"),
    ),
    (
        "templates/networkpolicy.yaml",
        include_str!("../../../modules/chart/templates/networkpolicy.yaml"),
    ),
    (
        "templates/pdb.yaml",
        include_str!("../../../modules/chart/templates/pdb.yaml"),
    ),
    (
        "templates/podmonitor.yaml",
        include_str!("../../../modules/chart/templates/podmonitor.yaml"),
    ),
    (
        "templates/prometheusrule.yaml",
        include_str!("../../../modules/chart/templates/prometheusrule.yaml"),
    ),
    (
        "templates/service.yaml",
        include_str!("../../../modules/chart/templates/service.yaml"),
    ),
    (
        "templates/serviceaccount.yaml",
        include_str!("../../../modules/chart/templates/serviceaccount.yaml"),
    ),
    (
        "templates/servicemonitor.yaml",
        include_str!("../../../modules/chart/templates/servicemonitor.yaml"),
    ),
];

/// The chart and one values file per service, read off the typed Kubernetes objects.
pub(crate) fn render(cx: &RenderCx) -> Result<Vec<Artifact>, Diagnostic> {
    let base = cx.layout.helm_dir();
    let chart = if cx.includes_shared() { CHART } else { &[] };
    let mut out: Vec<Artifact> = chart
        .iter()
        .map(|(path, text)| Artifact {
            path: format!("{base}/chart/{path}"),
            bytes: text.as_bytes().to_vec(),
            scope: Scope::default(),
        })
        .collect();
    let by_service: HashMap<(&str, &str), &ServiceObjects> = cx
        .kubernetes
        .iter()
        .map(|o| ((o.env.as_str(), o.name.as_str()), o))
        .collect();
    // Services are independent; rayon keeps their order in `collect`. Each values
    // file goes to the comparer as soon as it is written (`RenderCx::keep`).
    let values: Vec<Result<Vec<Artifact>, Diagnostic>> = cx
        .model
        .services
        .par_iter()
        .filter(|s| cx.includes(&s.env))
        .map(|s| {
            let path = format!("{base}/{}/{}.values.yaml", s.env, s.name);
            let objects = by_service.get(&(s.env.as_str(), s.name.as_str()));
            let values = objects
                .and_then(|o| values::values(&cx.model.platform, s, o))
                .ok_or_else(|| messages::missing_objects(&path))?;
            let file = yaml_file(path, service_scope(&s.env, &s.name), &values)?;
            Ok(cx.keep(vec![file]))
        })
        .collect();
    for files in values {
        out.extend(files?);
    }
    Ok(out)
}
