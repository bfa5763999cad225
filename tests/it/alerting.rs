//! The alerts pave writes, proven with the real `promtool`:
//!
//! - rules of two environments loaded into one Prometheus never mix: a staging burn
//!   raises no prod alert, and both burning raise one alert each (the `env` label
//!   the ServiceMonitor adds is on every series and every selector);
//! - the generated unit tests catch broken rules: each mutation (a tier's threshold
//!   20% up or down, every `for` at 3h, the short-window condition removed) applied
//!   to the environment's SLO alerts makes a golden service's `promtool test rules`
//!   fail, and so do a wrong window, alerts reading another environment, platform
//!   recordings that lose `namespace`, and a service's budget 20% off.
//!
//! A missing `promtool` skips, unless `PAVE_REQUIRE_VALIDATORS=1`.

use std::process::Command;

use super::validators::tool;
use super::*;

/// A platform whose staging and prod share namespace names (one cluster per
/// environment, one central ruler): only `env` tells their series apart.
const PLATFORM: &str = "platform: two
environments:
  staging: { domain: staging.two.io, namespace: \"${service.name}\" }
  prod: { domain: two.io, namespace: \"${service.name}\", protected: true }
sizes:
  small: { cpu: 100m, memory: 128Mi }
defaults: { size: small, replicas: 2 }
targets: { terraform: false, ci: false }
";

const SERVICE: &str = "name: api
owner: team-api
image: registry.two.io/api:1.0.0
metrics: true
slo: { availability: 99.9 }
";

/// Counters of one environment: 1000 requests a minute, `bad` of them failing.
fn traffic(env: &str, bad: u32) -> String {
    let sel = format!("job=\"api\",namespace=\"api\",env=\"{env}\"");
    format!(
        "      - series: 'http_requests_total{{{sel},code=\"500\"}}'\n        values: '0+{bad}x90'\n      - series: 'http_requests_total{{{sel},code=\"200\"}}'\n        values: '0+{}x90'\n",
        1000 - bad
    )
}

/// The fast-burn alert of one environment, as the platform's severities make it.
fn fast_burn(env: &str, severity: &str) -> String {
    format!(
        "          - exp_labels: {{ env: {env}, namespace: api, service: api, team: team-api, severity: {severity}, slo_id: api-availability, slo_name: availability, slo_objective: '99.9', slo_service: api, slo_window: 1h/5m, pave_platform: two }}
            exp_annotations:
              summary: 'api in {env}: availability SLO error budget burning too fast'
              description: 'The availability SLO of api (99.9% over 30d) burns its error budget too fast over the 1h/5m windows. Pairs: 1h/5m above 14.4x (budget gone in 2d2h); 6h/30m above 6x (budget gone in 5d).'
"
    )
}

fn promtool_test(promtool: &Path, file: &Path) -> Output {
    Command::new(promtool)
        .args(["test", "rules"])
        .arg(file)
        .output()
        .unwrap()
}

/// A repository of `platform` and `services` (name, file text), built; its
/// Prometheus folder.
fn built(platform: &str, services: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let repo = tempfile::tempdir().unwrap();
    fs::create_dir_all(repo.path().join("services")).unwrap();
    fs::write(repo.path().join("platform.yaml"), platform).unwrap();
    for (name, text) in services {
        fs::write(repo.path().join(format!("services/{name}.yaml")), text).unwrap();
    }
    let out = pave(&["build"], repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = repo.path().join("generated/prometheus");
    (repo, dir)
}

/// Writes `test` as `dir/name` and asserts that `promtool test rules` passes it.
fn assert_promtool_passes(promtool: &Path, dir: &Path, name: &str, test: &str) {
    let file = dir.join(name);
    fs::write(&file, test).unwrap();
    let out = promtool_test(promtool, &file);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn rules_of_two_environments_on_one_prometheus_never_mix() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let (_repo, dir) = built(PLATFORM, &[("api", SERVICE)]);
    // 15 errors in 1000 burn a 99.9% budget 15 times too fast; 2 in 1000 do not.
    // Staging is unprotected, so its pages are tickets (severity warning).
    let test = format!(
        "rule_files: [staging/_slo.rules.yaml, staging/api.rules.yaml, prod/_slo.rules.yaml, prod/api.rules.yaml]
evaluation_interval: 1m
tests:
  - name: staging burning, prod healthy
    interval: 1m
    input_series:
{}{}    alert_rule_test:
      - eval_time: 30m
        alertname: SLOFastBurn
        exp_alerts:
{}  - name: both burning
    interval: 1m
    input_series:
{}{}    alert_rule_test:
      - eval_time: 30m
        alertname: SLOFastBurn
        exp_alerts:
{}{}",
        traffic("staging", 15),
        traffic("prod", 2),
        fast_burn("staging", "warning"),
        traffic("staging", 15),
        traffic("prod", 15),
        fast_burn("staging", "warning"),
        fast_burn("prod", "critical"),
    );
    assert_promtool_passes(&promtool, &dir, "cross-environment.test.yaml", &test);
}

/// The contract alerts are one rule each per environment, joined to each service's
/// info recording. On one Prometheus with staging and prod (namespaces `stg-<name>`
/// and `<name>`): prod's `api` is down, crash looping (its sidecar restarting too)
/// and at its autoscaler's maximum, prod's `web` has unavailable replicas, and
/// staging's `web` has no scrape target. Each raises exactly its own alert, with the
/// service, team, environment and severity of that service, and nothing else fires.
/// Two kube-state-metrics replicas export the Deployment's and the autoscaler's series:
/// each trouble still raises one alert, not one per replica nor a many-to-many error
/// that would silence it. The services' info carries the platform's name, which the
/// alerts select, so another pave platform's info on the same Prometheus is ignored
/// (here a copy of prod's `web` info under another platform and team).
#[test]
fn contract_alerts_name_the_service_and_team_they_join() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let platform = PLATFORM.replace(
        "staging: { domain: staging.two.io, namespace: \"${service.name}\" }",
        "staging: { domain: staging.two.io, namespace: \"stg-${service.name}\" }",
    );
    let api = "name: api\nowner: team-api\nimage: registry.two.io/api:1.0.0\nmetrics: true\nautoscale: { min: 2, max: 4, cpu: 70 }\n";
    let web = "name: web\nowner: team-web\nimage: registry.two.io/web:1.0.0\nmetrics: true\n";
    let (_repo, dir) = built(&platform, &[("api", api), ("web", web)]);
    let ksm = "job=\"kube-state-metrics\"";
    let test = format!(
        "rule_files: [staging/_contract.rules.yaml, prod/_contract.rules.yaml]
evaluation_interval: 1m
tests:
  - name: each service's trouble raises its own alert
    interval: 1m
    input_series:
      - series: 'up{{job=\"api\",namespace=\"api\",env=\"prod\",instance=\"a\"}}'
        values: '0x45'
      - series: 'up{{job=\"web\",namespace=\"web\",env=\"prod\",instance=\"b\"}}'
        values: '1x45'
      - series: 'up{{job=\"api\",namespace=\"stg-api\",env=\"staging\",instance=\"c\"}}'
        values: '1x45'
      - series: 'pave:service_info{{env=\"prod\",namespace=\"web\",job=\"web\",service=\"web\",team=\"team-other\",pave_platform=\"other\"}}'
        values: '1x45'
      - series: 'pave:service_info{{env=\"prod\",namespace=\"ghost\",job=\"ghost\",service=\"ghost\",team=\"team-other\",pave_platform=\"other\"}}'
        values: '1x45'
      - series: 'kube_pod_container_status_restarts_total{{{ksm},namespace=\"api\",pod=\"api-1\",container=\"api\"}}'
        values: '0+1x45'
      - series: 'kube_pod_container_status_restarts_total{{{ksm},namespace=\"api\",pod=\"api-1\",container=\"proxy\"}}'
        values: '0+1x45'
      - series: 'kube_pod_container_status_restarts_total{{{ksm},namespace=\"web\",pod=\"web-1\",container=\"web\"}}'
        values: '0x45'
      - series: 'kube_deployment_status_replicas_unavailable{{{ksm},instance=\"ksm-1\",namespace=\"web\",deployment=\"web\"}}'
        values: '1x45'
      - series: 'kube_deployment_status_replicas_unavailable{{{ksm},instance=\"ksm-2\",namespace=\"web\",deployment=\"web\"}}'
        values: '1x45'
      - series: 'kube_deployment_status_replicas_unavailable{{{ksm},namespace=\"api\",deployment=\"api\"}}'
        values: '0x45'
      - series: 'kube_horizontalpodautoscaler_status_current_replicas{{{ksm},instance=\"ksm-1\",namespace=\"api\",horizontalpodautoscaler=\"api\"}}'
        values: '4x45'
      - series: 'kube_horizontalpodautoscaler_spec_max_replicas{{{ksm},instance=\"ksm-1\",namespace=\"api\",horizontalpodautoscaler=\"api\"}}'
        values: '4x45'
      - series: 'kube_horizontalpodautoscaler_status_current_replicas{{{ksm},instance=\"ksm-2\",namespace=\"api\",horizontalpodautoscaler=\"api\"}}'
        values: '4x45'
      - series: 'kube_horizontalpodautoscaler_spec_max_replicas{{{ksm},instance=\"ksm-2\",namespace=\"api\",horizontalpodautoscaler=\"api\"}}'
        values: '4x45'
    alert_rule_test:
      - eval_time: 40m
        alertname: ServiceTargetDown
        exp_alerts:
          - exp_labels: {{ env: prod, instance: a, job: api, namespace: api, service: api, team: team-api, severity: critical }}
            exp_annotations:
              summary: 'api in prod: a metrics target is down'
              description: 'Prometheus cannot scrape a pod of api in namespace api; the pod may be down or its metrics endpoint broken.'
      - eval_time: 40m
        alertname: ServiceMetricsAbsent
        exp_alerts:
          - exp_labels: {{ env: staging, job: web, namespace: stg-web, service: web, team: team-web, pave_platform: two, severity: warning }}
            exp_annotations:
              summary: 'web in staging: no metrics targets'
              description: 'Prometheus has no scrape target for web in namespace stg-web: check the ServiceMonitor (and its `env` relabeling) and the pods.'
      - eval_time: 40m
        alertname: ServiceCrashLooping
        exp_alerts:
          - exp_labels: {{ env: prod, namespace: api, pod: api-1, container: api, service: api, team: team-api, severity: warning }}
            exp_annotations:
              summary: 'api in prod: a container is crash looping'
              description: 'A container of api is waiting in CrashLoopBackOff or restarted more than 3 times in 15 minutes.'
      - eval_time: 40m
        alertname: ServiceReplicasUnavailable
        exp_alerts:
          - exp_labels: {{ env: prod, namespace: web, deployment: web, service: web, team: team-web, severity: warning }}
            exp_annotations:
              summary: 'web in prod: replicas are unavailable'
              description: 'The Deployment web has unavailable replicas.'
      - eval_time: 40m
        alertname: ServiceAutoscalerMaxedOut
        exp_alerts:
          - exp_labels: {{ env: prod, namespace: api, horizontalpodautoscaler: api, service: api, team: team-api, severity: warning }}
            exp_annotations:
              summary: 'api in prod: the autoscaler is at its maximum'
              description: 'The autoscaler of api has run at its maximum replicas for a while; raise `autoscale.max` or find the load.'
"
    );
    assert_promtool_passes(&promtool, &dir, "contract.test.yaml", &test);
}

/// With per-service dashboards and a Grafana URL, the environment-wide alerts (contract
/// and SLO, and the absent alert, which is the service's info itself) link to their
/// service's own dashboard through an annotation that reads the URL from the service's
/// recordings when the alert fires, never as a label: a label would make the URL part
/// of every alert's identity. The service's name is long
/// enough that its dashboard's uid is hashed (Grafana allows 40 characters), so the
/// link could not be rebuilt from the alert's labels.
#[test]
fn per_service_dashboards_are_linked_from_annotations_never_alert_labels() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let svc = "inventory-reconciliation-service";
    let platform = format!(
        "{PLATFORM}monitoring:\n  dashboards: {{ url: https://grafana.two.io/, per_service: true }}\n"
    );
    let service = SERVICE.replace("name: api", &format!("name: {svc}"));
    // `web` has no `up` series at all: its alert is its info itself.
    let web = "name: web\nowner: team-web\nimage: registry.two.io/web:1.0.0\nmetrics: true\n";
    let (repo, dir) = built(&platform, &[(svc, &service), ("web", web)]);
    let dashboard = fs::read_to_string(
        repo.path()
            .join(format!("generated/kubernetes/prod/{svc}/dashboard.yaml")),
    )
    .unwrap();
    let uid = dashboard
        .lines()
        .find_map(|l| l.trim().strip_prefix("\"uid\": \"pave-"))
        .map(|rest| format!("pave-{}", rest.trim_end_matches("\",")))
        .unwrap();
    assert_eq!(uid.len(), 40, "the uid is hashed to Grafana's limit: {uid}");
    let url = format!("https://grafana.two.io/d/{uid}");
    let sel = format!("job=\"{svc}\",namespace=\"{svc}\",env=\"prod\"");
    let test = format!(
        "rule_files: [prod/_contract.rules.yaml, prod/_slo.rules.yaml, prod/{svc}.rules.yaml]
evaluation_interval: 1m
tests:
  - name: the alerts link the service's dashboard
    interval: 1m
    input_series:
      - series: 'up{{{sel},instance=\"a\"}}'
        values: '0x45'
      - series: 'http_requests_total{{{sel},code=\"500\"}}'
        values: '0+15x45'
      - series: 'http_requests_total{{{sel},code=\"200\"}}'
        values: '0+985x45'
    alert_rule_test:
      - eval_time: 40m
        alertname: ServiceTargetDown
        exp_alerts:
          - exp_labels: {{ env: prod, instance: a, job: {svc}, namespace: {svc}, service: {svc}, team: team-api, severity: critical }}
            exp_annotations:
              summary: '{svc} in prod: a metrics target is down'
              description: 'Prometheus cannot scrape a pod of {svc} in namespace {svc}; the pod may be down or its metrics endpoint broken.'
              dashboard_url: '{url}'
      - eval_time: 40m
        alertname: ServiceMetricsAbsent
        exp_alerts:
          - exp_labels: {{ env: prod, job: web, namespace: web, service: web, team: team-web, pave_platform: two, severity: warning }}
            exp_annotations:
              summary: 'web in prod: no metrics targets'
              description: 'Prometheus has no scrape target for web in namespace web: check the ServiceMonitor (and its `env` relabeling) and the pods.'
              dashboard_url: 'https://grafana.two.io/d/pave-prod-web'
      - eval_time: 40m
        alertname: SLOFastBurn
        exp_alerts:
          - exp_labels: {{ env: prod, namespace: {svc}, service: {svc}, team: team-api, severity: critical, slo_id: {svc}-availability, slo_name: availability, slo_objective: '99.9', slo_service: {svc}, slo_window: 1h/5m, pave_platform: two }}
            exp_annotations:
              summary: '{svc} in prod: availability SLO error budget burning too fast'
              description: 'The availability SLO of {svc} (99.9% over 30d) burns its error budget too fast over the 1h/5m windows. Pairs: 1h/5m above 14.4x (budget gone in 2d2h); 6h/30m above 6x (budget gone in 5d).'
              dashboard_url: '{url}'
"
    );
    assert_promtool_passes(&promtool, &dir, "dashboards.test.yaml", &test);
}

/// The SLO alerts are one rule each per environment, joined to each SLO's budget
/// recording. On one prod ruler (1,000 requests a minute):
/// - `api` exposes its latency bucket in both spellings at once (`le="1"` and
///   `le="1.0"`, as for a window after a Prometheus 2 to 3 upgrade) with half its
///   requests slower, while `web` burns its availability: both alert, and the two
///   spellings neither silence the environment's recordings (a duplicate series is an
///   error for the whole expression) nor count twice;
/// - `web`'s old budget (a looser objective and another team, from before a change)
///   lingers after a restart: the current one names the team and sets the threshold;
/// - `api`'s availability budget also exists in an old namespace: that namespace's
///   long window burning never pairs with the current namespace's short window.
#[test]
fn slo_alerts_name_each_slo_they_join_and_survive_what_lingers() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let api = "name: api\nowner: team-api\nimage: registry.two.io/api:1.0.0\nmetrics: true\nslo: { availability: 99.9, latency: { threshold: 1s, target: 99 } }\n";
    let web = "name: web\nowner: team-web\nimage: registry.two.io/web:1.0.0\nmetrics: true\nslo: { availability: 99.9 }\n";
    let (_repo, dir) = built(PLATFORM, &[("api", api), ("web", web)]);
    let sel = |job: &str, ns: &str| format!("job=\"{job}\",namespace=\"{ns}\",env=\"prod\"");
    let (api_sel, web_sel, old_sel) = (sel("api", "api"), sel("web", "web"), sel("api", "api-old"));
    let budget = |ns: &str, service: &str, team: &str, objective: &str, value: &str| {
        format!(
            "      - series: 'pave:slo_error_budget:ratio{{env=\"prod\",namespace=\"{ns}\",job=\"{service}\",service=\"{service}\",team=\"{team}\",pave_platform=\"two\",slo_id=\"{service}-availability\",slo_name=\"availability\",slo_objective=\"{objective}\",slo_service=\"{service}\"}}'\n        values: '{value}'\n"
        )
    };
    let alert = |service: &str, slo: &str, objective: &str| {
        format!(
            "          - exp_labels: {{ env: prod, namespace: {service}, service: {service}, team: team-{service}, severity: critical, slo_id: {service}-{slo}, slo_name: {slo}, slo_objective: '{objective}', slo_service: {service}, slo_window: 1h/5m, pave_platform: two }}
            exp_annotations:
              summary: '{service} in prod: {slo} SLO error budget burning too fast'
              description: 'The {slo} SLO of {service} ({objective}% over 30d) burns its error budget too fast over the 1h/5m windows. Pairs: 1h/5m above 14.4x (budget gone in 2d2h); 6h/30m above 6x (budget gone in 5d).'
"
        )
    };
    let test = format!(
        "rule_files: [prod/_slo.rules.yaml, prod/api.rules.yaml, prod/web.rules.yaml]
evaluation_interval: 1m
tests:
  - name: a bucket in both spellings, and another service burning
    interval: 1m
    input_series:
      - series: 'http_requests_total{{{api_sel},code=\"200\"}}'
        values: '0+1000x40'
      - series: 'http_request_duration_seconds_bucket{{{api_sel},le=\"1\"}}'
        values: '0+250x40'
      - series: 'http_request_duration_seconds_bucket{{{api_sel},le=\"1.0\"}}'
        values: '0+250x40'
      - series: 'http_request_duration_seconds_bucket{{{api_sel},le=\"+Inf\"}}'
        values: '0+1000x40'
      - series: 'http_requests_total{{{web_sel},code=\"500\"}}'
        values: '0+15x40'
      - series: 'http_requests_total{{{web_sel},code=\"200\"}}'
        values: '0+985x40'
    alert_rule_test:
      - eval_time: 30m
        alertname: SLOFastBurn
        exp_alerts:
{}{}  - name: an old budget lingering with another team and a looser objective
    interval: 1m
    input_series:
{}      - series: 'http_requests_total{{{web_sel},code=\"500\"}}'
        values: '0+15x20'
      - series: 'http_requests_total{{{web_sel},code=\"200\"}}'
        values: '0+985x20'
    alert_rule_test:
      - eval_time: 7m
        alertname: SLOFastBurn
        exp_alerts:
{}  - name: one SLO in two namespaces, the old one's long window and the current one's short window
    interval: 1m
    input_series:
{}      - series: 'http_requests_total{{{old_sel},code=\"500\"}}'
        values: '0+500x20 10000x40'
      - series: 'http_requests_total{{{old_sel},code=\"200\"}}'
        values: '0+500x20 10000+1000x40'
      - series: 'http_requests_total{{{api_sel},code=\"500\"}}'
        values: '0x50 20+20x9'
      - series: 'http_requests_total{{{api_sel},code=\"200\"}}'
        values: '0+1000x50 50980+980x9'
    alert_rule_test:
      - eval_time: 60m
        alertname: SLOFastBurn
        exp_alerts: []
",
        alert("api", "latency", "99"),
        alert("web", "availability", "99.9"),
        budget("web", "web", "team-old", "99.8", "0.002x3"),
        alert("web", "availability", "99.9"),
        budget("api-old", "api", "team-api", "99.9", "0.001x60"),
    );
    assert_promtool_passes(&promtool, &dir, "slo.test.yaml", &test);
}

/// The SLO period's ratio is averaged from the hourly recordings, and still weighs
/// each request once: 15 days at 1,000 requests a minute without a single 5xx
/// series, then 15 days at 10 a minute, half failing. The traffic-weighted ratio is
/// 0.495%; averaging the ratios gives 25%, and averaging a 5xx rate that is absent
/// (not 0) for the first half gives 0.99%. The period's recordings read no raw series.
#[test]
fn the_period_ratio_is_traffic_weighted_from_the_hourly_recordings() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let (_repo, dir) = built(PLATFORM, &[("api", SERVICE)]);
    let rules = fs::read_to_string(dir.join("prod/_slo.rules.yaml")).unwrap();
    let period: Vec<&str> = rules
        .lines()
        .skip_while(|l| !l.contains("record: env_namespace_job:slo_requests:rate30d"))
        .collect();
    assert!(!period.is_empty() && !period.iter().any(|l| l.contains("http_requests_total")));
    let sel = "job=\"api\",namespace=\"api\",env=\"prod\"";
    let ratio = "env_namespace_job:slo_requests_errors:ratio_rate30d";
    // Samples every 30 minutes: 721 in the first half (from 0), 720 in the second.
    let test = format!(
        "rule_files: [prod/_slo.rules.yaml]
evaluation_interval: 30m
tests:
  - name: a busy healthy half, then a quiet failing half
    interval: 30m
    input_series:
      - series: 'http_requests_total{{{sel},code=\"200\"}}'
        values: '0+30000x720 21600150+150x719'
      - series: 'http_requests_total{{{sel},code=\"500\"}}'
        values: '_x721 150+150x719'
    promql_expr_test:
      - eval_time: 30d
        expr: ({ratio} > bool 0.0045) * ({ratio} < bool 0.0055)
        exp_samples:
          - labels: '{{{sel}}}'
            value: 1
"
    );
    assert_promtool_passes(&promtool, &dir, "period.test.yaml", &test);
}

/// A rule file's groups with `edit` applied to every burn alert.
fn mutate(rules: &serde_json::Value, edit: &dyn Fn(&mut serde_json::Value)) -> serde_json::Value {
    let mut out = rules.clone();
    for group in out["groups"].as_array_mut().unwrap() {
        for rule in group["rules"].as_array_mut().unwrap() {
            let alert = rule["alert"].as_str().unwrap_or("");
            if alert == "SLOFastBurn" || alert == "SLOSlowBurn" {
                edit(rule);
            }
        }
    }
    out
}

/// The separator of a burn alert's window pairs.
const PAIRS: &str = " or on (namespace, slo_id) ";

/// Applies `f` to the window-pair condition of `pair` in a burn alert's expression.
fn edit_pair(rule: &mut serde_json::Value, pair: &str, f: &dyn Fn(&str) -> String) {
    let expr = rule["expr"].as_str().unwrap().to_string();
    assert!(expr.contains(PAIRS), "{expr}");
    let parts: Vec<String> = expr
        .split(PAIRS)
        .map(|part| match part.contains(&format!("\"{pair}\"")) {
            true => f(part),
            false => part.to_string(),
        })
        .collect();
    rule["expr"] = parts.join(PAIRS).into();
}

/// Multiplies every `> factor` of a pair's burn-rate conditions by `factor`.
fn scale_threshold(part: &str, factor: f64) -> String {
    let mut out = String::new();
    let mut rest = part;
    while let Some(at) = rest.find("} > ") {
        let (head, tail) = rest.split_at(at + 4);
        out.push_str(head);
        let end = tail.find(' ').unwrap();
        let value: f64 = tail[..end].parse().unwrap();
        out.push_str(&format!("{}", value * factor));
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Removes the short-window condition: the second of the pair's three conditions
/// (long burn rate, short burn rate, request count), joined by `and`.
fn drop_short_window(part: &str) -> String {
    let marker = " and ";
    let start = part.find(marker).unwrap();
    let after = &part[start + marker.len()..];
    let end = after.find(marker).unwrap();
    format!("{}{}", &part[..start], &after[end..])
}

/// One mutation: its name, the environment's SLO rules and the service's budgets it
/// loads, and the tests aimed at it (a part of their names).
struct Mutation {
    name: String,
    platform: serde_json::Value,
    service: serde_json::Value,
    focus: &'static str,
}

#[test]
fn the_generated_unit_tests_fail_on_every_mutation_of_the_rules() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let dir = project().join("golden/shop/generated/prometheus/prod");
    let read =
        |path: PathBuf| pave::testing::parse_yaml(&fs::read_to_string(path).unwrap()).unwrap();
    let rules = read(dir.join("_slo.rules.yaml"));
    let budgets = read(dir.join("checkout.rules.yaml"));
    // The one-minute tests and the coarse ones of the long windows.
    let test_files: Vec<serde_json::Value> = ["checkout.test.yaml", "checkout.long.test.yaml"]
        .iter()
        .map(|f| read(dir.join("tests").join(f)))
        .collect();
    let alerts = |name: String, platform: serde_json::Value, focus: &'static str| Mutation {
        name,
        platform,
        service: budgets.clone(),
        focus,
    };
    // The original passes (the tests of one pair; the validators run them all).
    let mut mutations = vec![alerts("none".into(), rules.clone(), "1h/5m")];
    for pair in ["1h/5m", "6h/30m", "1d/2h", "3d/6h"] {
        for factor in [1.2, 0.8] {
            mutations.push(alerts(
                format!("{pair} threshold x{factor}"),
                mutate(&rules, &|r| {
                    edit_pair(r, pair, &|p| scale_threshold(p, factor))
                }),
                pair,
            ));
        }
    }
    for pair in ["1h/5m", "6h/30m"] {
        mutations.push(alerts(
            format!("{pair} without its short window"),
            mutate(&rules, &|r| edit_pair(r, pair, &drop_short_window)),
            "stopped",
        ));
    }
    // The first ticket pair's stopped burn (one day, sampled every 10 minutes).
    mutations.push(alerts(
        "1d/2h without its short window".into(),
        mutate(&rules, &|r| edit_pair(r, "1d/2h", &drop_short_window)),
        "only the 1d/2h",
    ));
    mutations.push(alerts(
        "every for at 3h".into(),
        mutate(&rules, &|r| r["for"] = "3h".into()),
        "above",
    ));
    // A wrong window: the fast pair's short window read over 30m instead of 5m.
    mutations.push(alerts(
        "1h/5m short window at 30m".into(),
        mutate(&rules, &|r| {
            edit_pair(r, "1h/5m", &|p| p.replace("_rate5m{", "_rate30m{"))
        }),
        "only the 1h/5m",
    ));
    // A wrong label: the alerts select another environment's recordings.
    mutations.push(alerts(
        "alerts reading env=staging".into(),
        mutate(&rules, &|r| {
            r["expr"] = r["expr"]
                .as_str()
                .unwrap()
                .replace("env=\"prod\"", "env=\"staging\"")
                .into()
        }),
        "above",
    ));
    // A wrong label in the platform's recordings: `namespace` summed away, so no
    // service's budget joins them.
    let text = serde_json::to_string(&rules).unwrap();
    mutations.push(alerts(
        "recordings without namespace".into(),
        serde_json::from_str(&text.replace("sum by (env, namespace, job", "sum by (env, job"))
            .unwrap(),
        "above",
    ));
    // A service's budget 20% off: its availability SLO's thresholds move with it.
    let text = serde_json::to_string(&budgets).unwrap();
    assert!(text.contains("vector(0.0005)"), "{text}");
    mutations.push(Mutation {
        name: "the availability budget x1.2".into(),
        platform: rules.clone(),
        service: serde_json::from_str(&text.replace("vector(0.0005)", "vector(0.0006)")).unwrap(),
        focus: "availability SLO: just",
    });
    let scratch = tempfile::tempdir().unwrap();
    let mut survivors = Vec::new();
    for (i, m) in mutations.iter().enumerate() {
        let platform_file = scratch.path().join(format!("{i}-slo.rules.yaml"));
        fs::write(&platform_file, serde_json::to_string(&m.platform).unwrap()).unwrap();
        let service_file = scratch.path().join(format!("{i}.rules.yaml"));
        fs::write(&service_file, serde_json::to_string(&m.service).unwrap()).unwrap();
        // Only the tests aimed at the mutation, to keep promtool's time down; the
        // files are loaded as the generated tests load them.
        let mut failed = false;
        let mut aimed = 0;
        for (j, tests) in test_files.iter().enumerate() {
            let mut file = tests.clone();
            file["rule_files"] = serde_json::json!([
                platform_file.to_str().unwrap(),
                service_file.to_str().unwrap()
            ]);
            file["tests"]
                .as_array_mut()
                .unwrap()
                .retain(|t| t["name"].as_str().unwrap().contains(m.focus));
            if file["tests"].as_array().unwrap().is_empty() {
                continue;
            }
            aimed += 1;
            let test_file = scratch.path().join(format!("{i}-{j}.test.yaml"));
            fs::write(&test_file, serde_json::to_string(&file).unwrap()).unwrap();
            let out = promtool_test(&promtool, &test_file);
            if i == 0 && !out.status.success() {
                panic!(
                    "the unmutated rules fail their tests:\n{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            failed |= !out.status.success();
        }
        assert!(aimed > 0, "{}: no test aimed at it", m.name);
        if i > 0 && !failed {
            survivors.push(m.name.clone());
        }
    }
    assert!(
        survivors.is_empty(),
        "mutations the generated tests miss: {survivors:?}"
    );
}

/// The Prometheus Operator adds `namespace="<its namespace>"` to the route of a
/// namespaced AlertmanagerConfig, so a team's alerts are routed only if every alert
/// carries the namespace of the rule's service and an AlertmanagerConfig of its owner
/// lives in that namespace. Checked on every PrometheusRule of the shop golden tree:
/// a service's own alerts carry them as labels; the environment's contract and SLO
/// alerts take them from the service's info and SLO budget recordings, which need
/// the same config.
#[test]
fn every_alert_reaches_an_alertmanager_config_of_its_owner_in_its_namespace() {
    let root = project().join("golden/shop/generated/kubernetes");
    let (mut own, mut contract) = (0, 0);
    for env in ["dev", "staging", "prod"] {
        let config_of = |ns: &str, owner: &str| {
            let config = root
                .join(env)
                .join(format!("alertmanagerconfig-{ns}.pave-{owner}.yaml"));
            let text = fs::read_to_string(&config)
                .unwrap_or_else(|_| panic!("no AlertmanagerConfig {}", config.display()));
            assert!(text.contains(&format!("  namespace: {ns}\n")));
            assert!(text.contains(&format!("      value: {owner}\n")));
        };
        for entry in fs::read_dir(root.join(env)).unwrap() {
            let rule = entry.unwrap().path().join("prometheusrule.yaml");
            let Ok(text) = fs::read_to_string(&rule) else {
                continue;
            };
            let field = |prefix: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(prefix))
                    .unwrap_or_else(|| panic!("no {prefix} in {}", rule.display()))
                    .to_string()
            };
            let ns = field("  namespace: ");
            let owner = field("    pave/owner: ");
            config_of(&ns, &owner);
            // Every alert's labels, and every SLO budget's (which the environment's SLO
            // alerts carry): the service's namespace and owner.
            let alerts: Vec<&str> = text
                .split("\n    - ")
                .filter(|r| {
                    r.starts_with("alert: ") || r.starts_with("record: pave:slo_error_budget")
                })
                .collect();
            for alert in alerts {
                for label in [format!("namespace: {ns}"), format!("team: {owner}")] {
                    // (A budget's last label ends the chunk: the split took its newline.)
                    let chunk = format!("{alert}\n");
                    assert!(chunk.contains(&format!("\n        {label}\n")), "{alert}");
                }
                own += 1;
            }
        }
        let text =
            fs::read_to_string(root.join(env).join("prometheusrule-pave-contract.yaml")).unwrap();
        for info in text
            .split("\n    - ")
            .filter(|r| r.starts_with("record: pave:service_info"))
        {
            let label = |name: &str| {
                info.lines()
                    .find_map(|l| l.trim().strip_prefix(&format!("{name}: ")))
                    .unwrap()
                    .to_string()
            };
            config_of(&label("namespace"), &label("team"));
            contract += 1;
        }
    }
    assert!(
        own >= 12 && contract >= 12,
        "only {own} alerts and {contract} infos"
    );
}

/// The cron job's rules with one text edit of the alert named `alert`.
fn mutate_cron(
    rules: &serde_json::Value,
    alert: &str,
    edit: &dyn Fn(&mut serde_json::Value),
) -> serde_json::Value {
    let mut out = rules.clone();
    for group in out["groups"].as_array_mut().unwrap() {
        for rule in group["rules"].as_array_mut().unwrap() {
            if rule["alert"] == alert {
                edit(rule);
            }
        }
    }
    out
}

/// Replaces `from` in a rule's expression; the test fails if it is not there.
fn replace_in_expr(rule: &mut serde_json::Value, from: &str, to: &str) {
    let expr = rule["expr"].as_str().unwrap();
    assert!(expr.contains(from), "`{from}` not in {expr}");
    rule["expr"] = expr.replace(from, to).into();
}

#[test]
fn the_cron_alerts_tests_fail_when_the_margin_for_or_last_run_logic_is_wrong() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let dir = project().join("golden/workloads/generated/prometheus/staging");
    let rules =
        pave::testing::parse_yaml(&fs::read_to_string(dir.join("report.rules.yaml")).unwrap())
            .unwrap();
    let tests =
        pave::testing::parse_yaml(&fs::read_to_string(dir.join("tests/report.test.yaml")).unwrap())
            .unwrap();
    // staging runs `0 */6 * * *`: a 6h period plus the default 1h margin.
    let late = "> 25200 ";
    let success = " > on (namespace) max by (namespace) (kube_cronjob_status_last_successful_time";
    let mutations: Vec<(&str, serde_json::Value)> = vec![
        ("none", rules.clone()),
        (
            "margin a minute longer",
            mutate_cron(&rules, "CronJobLate", &|r| {
                replace_in_expr(r, late, "> 25260 ")
            }),
        ),
        (
            "margin a minute shorter",
            mutate_cron(&rules, "CronJobLate", &|r| {
                replace_in_expr(r, late, "> 25140 ")
            }),
        ),
        (
            "suspended jobs late too",
            mutate_cron(&rules, "CronJobLate", &|r| {
                let expr = r["expr"].as_str().unwrap();
                let cut = expr.find(" unless ").unwrap();
                r["expr"] = expr[..cut].to_string().into();
            }),
        ),
        (
            "late for a minute more",
            mutate_cron(&rules, "CronJobLate", &|r| r["for"] = "11m".into()),
        ),
        (
            "failed for a minute less",
            mutate_cron(&rules, "CronJobFailed", &|r| r["for"] = "4m".into()),
        ),
        (
            "failures older than the last success",
            mutate_cron(&rules, "CronJobFailed", &|r| {
                replace_in_expr(
                    r,
                    success,
                    " or max by (namespace) (kube_cronjob_status_last_successful_time",
                );
                let expr = r["expr"].as_str().unwrap().to_string();
                // Keep only the failures: `A or B or (A unless B)` becomes `A`.
                r["expr"] = expr[..expr.find(" or max by").unwrap()].to_string().into();
            }),
        ),
    ];
    let scratch = tempfile::tempdir().unwrap();
    let mut survivors = Vec::new();
    for (i, (name, mutated)) in mutations.iter().enumerate() {
        let rules_file = scratch.path().join(format!("{i}.rules.yaml"));
        fs::write(&rules_file, serde_json::to_string(mutated).unwrap()).unwrap();
        let mut file = tests.clone();
        file["rule_files"] = serde_json::json!([rules_file.to_str().unwrap()]);
        let test_file = scratch.path().join(format!("{i}.test.yaml"));
        fs::write(&test_file, serde_json::to_string(&file).unwrap()).unwrap();
        let out = promtool_test(&promtool, &test_file);
        match (i, out.status.success()) {
            (0, false) => panic!(
                "the unmutated cron rules fail their tests:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ),
            (0, true) => {}
            (_, true) => survivors.push(*name),
            (_, false) => {}
        }
    }
    assert!(
        survivors.is_empty(),
        "mutations the generated cron tests miss: {survivors:?}"
    );
}
