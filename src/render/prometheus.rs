//! The Prometheus target, for Prometheus without the operator:
//! `<output>/prometheus/<env>/_slo.rules.yaml` (the environment's SLI recordings, once
//! for every service), `<output>/prometheus/<env>/<service>.rules.yaml` (the same
//! groups as the service's PrometheusRule: its alerts and budget) and
//! `<output>/prometheus/<env>/tests/<service>.test.yaml` (plus `.long.test.yaml` for
//! the days-long ones), unit tests `promtool test rules` runs to prove the SLO alerts
//! fire, loading the platform file with the service's.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use super::{RenderCx, service_scope, yaml_file};
use crate::diag::Diagnostic;
use crate::observe::{
    RuleGroup, contract_groups, has_slo_rules, platform_groups, rule_groups, shared_thresholds,
    unit_tests,
};
use crate::output::{Artifact, Scope};
use crate::resolve::ResolvedService;

/// The file of an environment's SLI recordings. Its name starts with `_`, which a
/// service name (a DNS label) never does, so it cannot be a service's rule file.
pub(crate) const PLATFORM_RULES: &str = "_slo.rules.yaml";

/// The file of an environment's contract alerts and the info of the services they
/// watch (see `observe::contract_groups`); `_` for the same reason.
pub(crate) const CONTRACT_RULES: &str = "_contract.rules.yaml";

#[derive(Serialize)]
struct RuleFile<'a> {
    groups: &'a [RuleGroup],
}

pub(crate) fn render(cx: &RenderCx) -> Result<Vec<Artifact>, Diagnostic> {
    let p = &cx.model.platform;
    let mut out = Vec::new();
    let mut recordings = BTreeMap::new();
    let mut shared = BTreeMap::new();
    for env in &p.environments {
        let services: Vec<&ResolvedService> = cx
            .model
            .services
            .iter()
            .filter(|s| s.env == env.name)
            .collect();
        let scope = Scope {
            env: Some(env.name.clone()),
            service: None,
        };
        let dir = cx.layout.prometheus_dir(&env.name);
        let contract = contract_groups(p, &env.name, &services);
        if !contract.is_empty() {
            let path = format!("{dir}/{CONTRACT_RULES}");
            let file = RuleFile { groups: &contract };
            out.push(yaml_file(path, scope.clone(), &file)?);
        }
        let groups = platform_groups(p, &env.name, &services);
        if !groups.is_empty() {
            let path = format!("{dir}/{PLATFORM_RULES}");
            out.push(yaml_file(path, scope, &RuleFile { groups: &groups })?);
        }
        recordings.insert(env.name.as_str(), groups);
        shared.insert(env.name.as_str(), shared_thresholds(p, &services));
    }
    let none = BTreeMap::new();
    // Services are independent; rayon keeps their order in `collect`. Each service's
    // rules and tests go to the comparer as soon as they are written.
    let per_service: Vec<Result<Vec<Artifact>, Diagnostic>> = cx
        .model
        .services
        .par_iter()
        .map(|s| {
            let platform = recordings
                .get(s.env.as_str())
                .map_or(&[][..], Vec::as_slice);
            let shared = shared.get(s.env.as_str()).unwrap_or(&none);
            service(cx, s, platform, shared).map(|files| cx.keep(files))
        })
        .collect();
    for files in per_service {
        out.extend(files?);
    }
    Ok(out)
}

fn service(
    cx: &RenderCx,
    s: &ResolvedService,
    platform: &[RuleGroup],
    shared: &BTreeMap<String, String>,
) -> Result<Vec<Artifact>, Diagnostic> {
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
        &RuleFile { groups: &groups },
    )?];
    // The platform file only when its rules alert on the service's SLOs: a cron job's
    // rules stand alone.
    let reads_platform = has_slo_rules(s);
    let (files, platform) = match reads_platform && !platform.is_empty() {
        true => (
            vec![format!("../{PLATFORM_RULES}"), format!("../{rules_name}")],
            platform,
        ),
        false => (vec![format!("../{rules_name}")], &[][..]),
    };
    for (kind, tests) in unit_tests(p, &s.env, s, &files, (platform, &groups), shared) {
        out.push(yaml_file(
            format!("{dir}/tests/{}{}", s.name, kind.suffix()),
            scope.clone(),
            &tests,
        )?);
    }
    Ok(out)
}
