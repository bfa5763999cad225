//! The Prometheus target, for Prometheus without the operator:
//! `<output>/prometheus/<env>/<service>.rules.yaml` (the same groups as the service's
//! PrometheusRule) and `<output>/prometheus/<env>/tests/<service>.test.yaml`, unit
//! tests `promtool test rules` runs to prove the SLO alerts fire.

use rayon::prelude::*;
use serde::Serialize;

use super::{RenderCx, service_scope, yaml_file};
use crate::diag::Diagnostic;
use crate::observe::{RuleGroup, rule_groups, unit_tests};
use crate::output::Artifact;
use crate::resolve::ResolvedService;

#[derive(Serialize)]
struct RuleFile {
    groups: Vec<RuleGroup>,
}

pub(crate) fn render(cx: &RenderCx) -> Result<Vec<Artifact>, Diagnostic> {
    // Services are independent; rayon keeps their order in `collect`.
    let per_service: Vec<Result<Vec<Artifact>, Diagnostic>> = cx
        .model
        .services
        .par_iter()
        .map(|s| service(cx, s))
        .collect();
    let mut out = Vec::new();
    for files in per_service {
        out.extend(files?);
    }
    Ok(out)
}

fn service(cx: &RenderCx, s: &ResolvedService) -> Result<Vec<Artifact>, Diagnostic> {
    let p = &cx.model.platform;
    let groups = rule_groups(p, &s.env, s);
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let dir = cx.layout.prometheus_dir(&s.env);
    let scope = service_scope(&s.env, &s.name);
    let rules_name = format!("{}.rules.yaml", s.name);
    let mut out = vec![yaml_file(
        format!("{dir}/{rules_name}"),
        scope.clone(),
        &RuleFile { groups },
    )?];
    if let Some(tests) = unit_tests(p, &s.env, s, &format!("../{rules_name}")) {
        out.push(yaml_file(
            format!("{dir}/tests/{}.test.yaml", s.name),
            scope,
            &tests,
        )?);
    }
    Ok(out)
}
