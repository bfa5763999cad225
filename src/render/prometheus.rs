//! The Prometheus target, for Prometheus without the operator:
//! `<output>/prometheus/<env>/<service>.rules.yaml` (the same groups as the service's
//! PrometheusRule) and `<output>/prometheus/<env>/tests/<service>.test.yaml`, unit
//! tests `promtool test rules` runs to prove the SLO alerts fire.

use rayon::prelude::*;
use serde::Serialize;

use crate::observe::{RuleGroup, rule_groups, unit_tests};
use crate::output::{Artifact, Scope};
use crate::resolve::{Model, ResolvedService};
use crate::yaml_writer::to_yaml;

#[derive(Serialize)]
struct RuleFile {
    groups: Vec<RuleGroup>,
}

pub fn render(model: &Model) -> Vec<Artifact> {
    // Services are independent; rayon keeps their order in `collect`.
    let per_service: Vec<Vec<Artifact>> = model
        .services
        .par_iter()
        .map(|s| service(model, s))
        .collect();
    per_service.into_iter().flatten().collect()
}

fn service(model: &Model, s: &ResolvedService) -> Vec<Artifact> {
    let p = &model.platform;
    let groups = rule_groups(p, &s.env, s);
    if groups.is_empty() {
        return Vec::new();
    }
    let dir = format!("{}/prometheus/{}", p.output, s.env);
    let scope = Scope {
        env: Some(s.env.clone()),
        service: Some(s.name.clone()),
    };
    let rules_name = format!("{}.rules.yaml", s.name);
    let mut out = vec![Artifact {
        path: format!("{dir}/{rules_name}"),
        bytes: to_yaml(&RuleFile { groups }).into_bytes(),
        scope: scope.clone(),
    }];
    if let Some(tests) = unit_tests(p, &s.env, s, &format!("../{rules_name}")) {
        out.push(Artifact {
            path: format!("{dir}/tests/{}.test.yaml", s.name),
            bytes: to_yaml(&tests).into_bytes(),
            scope,
        });
    }
    out
}
