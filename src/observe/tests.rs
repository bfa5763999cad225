//! The rule groups and unit tests of small repositories: the base platform of the
//! diagnostics cases with one service, resolved end to end.

use std::fs;

use super::rules::{Rule, RuleGroup, contract_groups, platform_groups, rule_groups};
use super::unit_tests;
use crate::resolve::{Model, ResolvedService};
use crate::source::SourceMap;

const PLATFORM: &str = include_str!("../../tests/diagnostics/_base/platform.yaml");

const API: &str = "name: api
owner: team-core
image: ghcr.io/acme/api:1.0.0
metrics: true
autoscale: { min: 3, max: 3, cpu: 70 }
slo: { availability: 99.9, latency: { threshold: 250ms, target: 99 } }
";

/// The model of the base platform plus `extra` (platform YAML appended) with `api`.
pub(crate) fn model(extra: &str, api: &str) -> Model {
    let repo = tempfile::tempdir().unwrap();
    fs::create_dir_all(repo.path().join("services")).unwrap();
    fs::write(
        repo.path().join("platform.yaml"),
        format!("{PLATFORM}{extra}"),
    )
    .unwrap();
    fs::write(repo.path().join("services/api.yaml"), api).unwrap();
    let mut sources = SourceMap::default();
    let (inputs, diags) = crate::load::load(repo.path(), &mut sources);
    assert!(diags.is_empty(), "{diags:?}");
    let (model, diags) = crate::resolve::resolve(&inputs, &sources);
    assert!(diags.is_empty(), "{diags:?}");
    model.unwrap()
}

fn api<'m>(m: &'m Model, env: &str) -> &'m ResolvedService {
    m.services
        .iter()
        .find(|s| s.env == env && s.name == "api")
        .unwrap()
}

fn alerts(groups: &[RuleGroup]) -> Vec<&Rule> {
    groups
        .iter()
        .flat_map(|g| &g.rules)
        .filter(|r| r.alert.is_some())
        .collect()
}

fn names(groups: &[RuleGroup]) -> Vec<&str> {
    alerts(groups)
        .iter()
        .filter_map(|r| r.alert.as_deref())
        .collect()
}

#[test]
fn every_selector_matches_and_every_alert_carries_the_environment() {
    let m = model("", API);
    for env in ["dev", "prod"] {
        let s = api(&m, env);
        // A service's own rules are its SLOs' budgets: they select nothing.
        let groups = rule_groups(&m.platform, env, s);
        for rule in groups.iter().flat_map(|g| &g.rules) {
            assert!(rule.expr.starts_with("vector(0.0"), "{rule:?}");
            assert_eq!(rule.labels["env"], env);
            assert_eq!(rule.labels["pave_platform"], m.platform.name);
        }
        // The platform's rules keep `env` (and the labels naming a service).
        let platform = platform_groups(&m.platform, env, &[s]);
        let own = format!("{{env=\"{env}\",pave_platform=\"{}\"", m.platform.name);
        for rule in platform.iter().flat_map(|g| &g.rules) {
            // Every selector of a rule, rates, ratios and budgets alike.
            let selectors = rule.expr.match_indices('{').count();
            let of_env = rule.expr.matches(&format!("{{env=\"{env}\"")).count();
            assert!(selectors > 0 && of_env == selectors, "{rule:?}");
            let record = rule.record.as_deref().unwrap_or("");
            // A rate sums by the labels naming a service, or averages a recording
            // that did (the period's); an SLO's series join its budget for its labels.
            let keeps_labels = rule.expr.starts_with("sum by (env, namespace, job")
                || rule.expr.starts_with("avg_over_time(env_namespace_job")
                || record.starts_with("env_namespace_job") && record.contains(":ratio_rate");
            let per_slo = record.starts_with("slo:")
                && rule.expr.contains(&format!("group_left (pave_platform, service, slo_id, slo_name, slo_objective, slo_service, team) (pave:slo_error_budget:ratio{own}"));
            // An alert reads only this platform's SLOs of this environment.
            let alert = rule.alert.is_some() && rule.expr.contains(&own);
            assert!(keeps_labels || per_slo || alert, "{rule:?}");
            if rule.alert.is_some() {
                assert_eq!(rule.labels["env"], env);
                assert!(rule.labels.contains_key("severity"), "{rule:?}");
            }
        }
    }
}

#[test]
fn one_page_and_one_ticket_alert_per_environment_with_severity_per_environment() {
    let m = model("", API);
    let prod = platform_groups(&m.platform, "prod", &[api(&m, "prod")]);
    let burns: Vec<&Rule> = alerts(&prod)
        .into_iter()
        .filter(|r| {
            r.alert
                .as_deref()
                .is_some_and(|a| a.starts_with("SLO") && a.ends_with("Burn"))
        })
        .collect();
    // One fast (page) and one slow (ticket) alert for every SLO of the environment.
    assert_eq!(burns.len(), 2);
    let severity = |rules: &[RuleGroup], alert: &str| -> Vec<String> {
        alerts(rules)
            .iter()
            .filter(|r| r.alert.as_deref() == Some(alert))
            .map(|r| r.labels["severity"].clone())
            .collect()
    };
    assert_eq!(severity(&prod, "SLOFastBurn"), ["critical"]);
    assert_eq!(severity(&prod, "SLOSlowBurn"), ["warning"]);
    let contract = |env: &str| contract_groups(&m.platform, env, &[api(&m, env)]);
    assert_eq!(
        severity(&contract("prod"), "ServiceTargetDown"),
        ["critical"]
    );
    // dev is unprotected: pages become tickets.
    let dev = platform_groups(&m.platform, "dev", &[api(&m, "dev")]);
    assert_eq!(severity(&dev, "SLOFastBurn"), ["warning"]);
    assert_eq!(severity(&contract("dev"), "ServiceTargetDown"), ["warning"]);
    let fast = burns[0];
    // Two pairs, joined on the SLO: one SLO's firing pair never hides another's.
    assert_eq!(
        fast.expr.matches(" or on (namespace, slo_id) ").count(),
        1,
        "{}",
        fast.expr
    );
    assert!(
        fast.expr
            .contains("slo:burn_rate:ratio_rate1h{env=\"prod\"")
            && fast
                .expr
                .contains(" > 14.4 and on (namespace, job, slo_id) slo:burn_rate:ratio_rate5m{")
            && fast.expr.contains("env_namespace_job:slo_requests:rate1h{")
            && fast.expr.contains(" * 3600 >= 100"),
        "{}",
        fast.expr
    );
}

#[test]
fn recordings_are_per_environment_and_window_not_per_service() {
    let m = model("", API);
    let s = api(&m, "prod");
    let platform = platform_groups(&m.platform, "prod", &[s]);
    let windows = super::rules::windows(&m.platform).len();
    let recorded: usize = platform
        .iter()
        .flat_map(|g| &g.rules)
        .filter(|r| r.record.is_some())
        .count();
    // Availability: requests and 5xx rates and their ratio; latency: bucket rates and
    // each bucket's share; per window. Every SLO's burn rate per window of the table
    // (not the period), and its budget left over the period.
    assert_eq!(recorded, 5 * windows + (windows - 1) + 1);
    // The long windows are evaluated less often, in their own group.
    assert_eq!(platform[1].interval.as_deref(), Some("2m"));
    assert!(platform[1].rules.iter().all(|r| {
        r.record
            .as_deref()
            .is_some_and(|n| n.ends_with('d') || n == "slo:error_budget_remaining:ratio")
    }));
    assert_eq!(platform[2].name, "pave-slo-alerts");
    // The period's rates are averaged from the shortest long window's recordings
    // (1h): none of them reads a raw series.
    let period: Vec<&Rule> = platform[1]
        .rules
        .iter()
        .filter(|r| r.record.as_deref().is_some_and(|n| n.ends_with("30d")))
        .collect();
    assert_eq!(period.len(), 5);
    for r in &period {
        assert!(
            !r.expr.contains("_total") && !r.expr.contains("_bucket{"),
            "{}",
            r.expr
        );
    }
    assert!(period[0].expr.starts_with("avg_over_time(") && period[0].expr.contains("rate1h"));
    // The service keeps one recording per SLO, its budget: a count independent of
    // windows, and no alert of its own.
    let own = rule_groups(&m.platform, "prod", s);
    let records: Vec<&str> = own
        .iter()
        .flat_map(|g| &g.rules)
        .filter_map(|r| r.record.as_deref())
        .collect();
    assert_eq!(
        records,
        ["pave:slo_error_budget:ratio", "pave:slo_error_budget:ratio"]
    );
    assert!(alerts(&own).is_empty());
    // Without an SLO in the environment there is nothing to record.
    let plain = model("", &API.replace("slo: {", "# slo: {"));
    assert!(platform_groups(&plain.platform, "prod", &[api(&plain, "prod")]).is_empty());
}

/// A period that is also a pair's long window is read raw: the pair's low-traffic
/// guard needs the window's count of requests, which an average of hourly rates
/// overstates for a service younger than the window.
#[test]
fn a_period_that_a_pair_alerts_on_is_recorded_from_raw_series() {
    let m = model("monitoring:\n  slo: { period: 3d }\n", API);
    let platform = platform_groups(&m.platform, "prod", &[api(&m, "prod")]);
    let rules: Vec<&Rule> = platform.iter().flat_map(|g| &g.rules).collect();
    let requests = rules
        .iter()
        .find(|r| r.record.as_deref() == Some("env_namespace_job:slo_requests:rate3d"))
        .unwrap();
    assert!(
        requests.expr.contains("rate(http_requests_total{"),
        "{}",
        requests.expr
    );
    assert!(!rules.iter().any(|r| r.expr.contains("avg_over_time")));
}

#[test]
fn an_environment_without_alerts_keeps_its_recordings() {
    let m = model(
        "monitoring:\n  severity:\n    dev: none\n    prod: { ticket: none }\n",
        API,
    );
    let dev = rule_groups(&m.platform, "dev", api(&m, "dev"));
    assert!(alerts(&dev).is_empty());
    assert!(alerts(&platform_groups(&m.platform, "dev", &[api(&m, "dev")])).is_empty());
    assert!(
        dev.iter()
            .flat_map(|g| &g.rules)
            .any(|r| r.record.is_some())
    );
    assert!(
        unit_tests(
            &m.platform,
            "dev",
            api(&m, "dev"),
            &[],
            (&[], &dev),
            &Default::default()
        )
        .is_empty()
    );
    assert!(alerts(&contract_groups(&m.platform, "dev", &[api(&m, "dev")])).is_empty());
    let mut prod = platform_groups(&m.platform, "prod", &[api(&m, "prod")]);
    prod.extend(contract_groups(&m.platform, "prod", &[api(&m, "prod")]));
    let prod_names = names(&prod);
    assert!(prod_names.contains(&"SLOFastBurn") && prod_names.contains(&"ServiceTargetDown"));
    assert!(!prod_names.contains(&"SLOSlowBurn") && !prod_names.contains(&"ServiceCrashLooping"));
}

#[test]
fn contract_alerts_read_what_keeps_firing() {
    let m = model("", API);
    let mut groups = platform_groups(&m.platform, "prod", &[api(&m, "prod")]);
    groups.extend(contract_groups(&m.platform, "prod", &[api(&m, "prod")]));
    let by_name = |n: &str| {
        alerts(&groups)
            .into_iter()
            .find(|r| r.alert.as_deref() == Some(n))
    };
    let crash = by_name("ServiceCrashLooping").unwrap();
    assert!(
        crash
            .expr
            .contains("kube_pod_container_status_waiting_reason{")
    );
    assert!(crash.expr.contains("reason=\"CrashLoopBackOff\""));
    // min = max: the autoscaler is always at its maximum.
    assert!(by_name("ServiceAutoscalerMaxedOut").is_none());
    let bucket = by_name("SLOLatencyBucketAbsent").unwrap();
    // The SLO's bucket (`le` as Prometheus 2 writes it, which the bucket recordings
    // keep) is missing while the histogram's `+Inf` bucket is recorded.
    assert!(
        bucket.expr.contains("unless on (namespace, job, le) env_namespace_job_le:slo_request_duration_buckets:rate5m{env=\"prod\"} and on (namespace, job) env_namespace_job_le:slo_request_duration_buckets:rate5m{env=\"prod\",le=\"+Inf\"}"),
        "{}",
        bucket.expr
    );
    let scaling = model("", &API.replace("min: 3", "min: 2"));
    let groups = contract_groups(&scaling.platform, "prod", &[api(&scaling, "prod")]);
    assert!(names(&groups).contains(&"ServiceAutoscalerMaxedOut"));
}

/// A contract alert links the dashboard of the service it names: the environment
/// dashboard with the service chosen by template, or with per-service dashboards (whose
/// uid is not always the name) the URL the service's info carries, looked up by a
/// template when the alert fires: never an alert label.
#[test]
fn contract_alerts_link_the_dashboard_of_the_service_they_name() {
    let url = "monitoring:\n  dashboards: { url: https://grafana.example.com/ }\n";
    let m = model(url, API);
    let groups = contract_groups(&m.platform, "prod", &[api(&m, "prod")]);
    let down = alerts(&groups)[0];
    let link = &down.annotations["dashboard_url"];
    assert!(
        link.ends_with("?var-service={{ $labels.service }}"),
        "{link}"
    );
    assert!(!groups[0].rules[0].labels.contains_key("dashboard_url"));
    let own =
        "monitoring:\n  dashboards: { url: https://grafana.example.com/, per_service: true }\n";
    let m = model(own, API);
    let s = api(&m, "prod");
    let groups = contract_groups(&m.platform, "prod", &[s]);
    assert_eq!(
        groups[0].rules[0].labels.get("dashboard_url"),
        super::dashboard_url(&m.platform, "prod", s).as_ref()
    );
    for alert in alerts(&groups) {
        // Every alert carries the info's labels but the link: joined, or the info
        // itself without it (absent). The link is looked up when the alert fires.
        let joined = alert.expr.contains("group_left (env, service, team) ");
        let absent = alert
            .expr
            .starts_with("max without (dashboard_url) (pave:service_info");
        assert!(joined || absent, "{}", alert.expr);
        assert!(
            !alert
                .expr
                .contains("group_left (env, service, team, dashboard_url)")
        );
        assert!(!alert.labels.contains_key("dashboard_url"));
        let link = &alert.annotations["dashboard_url"];
        assert!(
            link.starts_with("{{ with query (printf `max by (dashboard_url) ({__name__=~\"pave:service_info|pave:slo_error_budget:ratio\",env=\"prod\",pave_platform=\""),
            "{link}"
        );
        assert!(
            link.ends_with("$labels.service) }}{{ . | first | label \"dashboard_url\" }}{{ end }}"),
            "{link}"
        );
    }
}

/// The contract alerts are the environment's, once for every service: a service's own
/// rules hold none, and each service with metrics adds one info recording (and one
/// for an autoscaler that can max out) that the alerts join to give them `service`
/// and `team`. Every alert selects its environment's info only, so two environments'
/// rules on one Prometheus never join each other's services.
#[test]
fn contract_alerts_are_per_environment_and_join_each_service_info() {
    let m = model("", &API.replace("min: 3", "min: 2"));
    let s = api(&m, "prod");
    assert!(!names(&rule_groups(&m.platform, "prod", s)).contains(&"ServiceTargetDown"));
    let groups = contract_groups(&m.platform, "prod", &[s, api(&m, "dev")]);
    let info: Vec<&Rule> = groups[0].rules.iter().collect();
    assert_eq!(info.len(), 2, "{info:?}");
    assert_eq!(info[0].record.as_deref(), Some("pave:service_info"));
    assert_eq!(info[0].labels["service"], "api");
    assert_eq!(info[0].labels["job"], "api");
    assert_eq!(info[0].labels["team"], "team-core");
    assert_eq!(info[0].labels["env"], "prod");
    assert_eq!(info[1].labels["horizontalpodautoscaler"], "api");
    for rule in alerts(&groups) {
        assert!(rule.expr.contains("pave:service"), "{}", rule.expr);
        assert!(!rule.expr.contains("env=\"dev\""), "{}", rule.expr);
        for info in rule.expr.match_indices("pave:service") {
            let rest = &rule.expr[info.0..];
            let selector = &rest[..rest.find('}').unwrap()];
            assert!(selector.contains("{env=\"prod\""), "{}", rule.expr);
        }
        assert_eq!(rule.labels["env"], "prod");
        assert!(rule.annotations["summary"].starts_with("{{ $labels.service }} in prod"));
    }
    // Without a service with metrics, no contract.
    let plain = model(
        "",
        &API.replace("metrics: true", "metrics: false")
            .replace("slo: {", "# slo: {"),
    );
    assert!(contract_groups(&plain.platform, "prod", &[api(&plain, "prod")]).is_empty());
}

#[test]
fn generated_traffic_respects_min_events() {
    let m = model("monitoring:\n  slo: { min_events: 100000 }\n", API);
    let own = rule_groups(&m.platform, "prod", api(&m, "prod"));
    let files = unit_tests(
        &m.platform,
        "prod",
        api(&m, "prod"),
        &[],
        (&[], &own),
        &Default::default(),
    );
    let tests: Vec<&super::unit_tests::UnitTest> =
        files.iter().flat_map(|(_, f)| &f.tests).collect();
    // Requests a minute: a sample's step over the test's sampling interval.
    let per_minute = |values: &str, interval: &str| -> f64 {
        let step: f64 = values
            .split('+')
            .nth(1)
            .unwrap()
            .split('x')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        step / interval.trim_end_matches('m').parse::<f64>().unwrap()
    };
    for test in tests.iter().filter(|t| !t.name.contains("min_events")) {
        let total: f64 = test
            .input_series
            .iter()
            .map(|s| per_minute(&s.values, &test.interval))
            .sum();
        // Latency traffic lists the +Inf bucket (all requests) and a good-request bucket.
        assert!(total >= 200_000.0, "{}: {total}", test.name);
    }
    let quiet = tests
        .iter()
        .find(|t| t.name.contains("min_events"))
        .unwrap();
    assert!(
        quiet
            .alert_rule_test
            .iter()
            .all(|c| c.exp_alerts.is_empty())
    );
}

/// The dashboard JSON of `board` as a value, through the writer the renderer uses.
fn board_json(board: &super::dashboard::Dashboard) -> serde_json::Value {
    serde_json::from_str(&super::dashboard::to_json(board).unwrap()).unwrap()
}

#[test]
fn the_environment_dashboard_serves_every_service_through_variables() {
    let m = model("", API);
    let services: Vec<&ResolvedService> = m.services.iter().filter(|s| s.env == "prod").collect();
    let board = board_json(&super::dashboard::environment(
        &m.platform,
        "prod",
        &services,
    ));
    let variables = board["templating"]["list"].as_array().unwrap();
    let names: Vec<&str> = variables
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["datasource", "service", "namespaces", "slo"]);
    assert_eq!(variables[1]["type"], "custom");
    assert_eq!(variables[1]["query"], "api");
    assert_eq!(variables[3]["type"], "query");
    assert_eq!(variables[3]["includeAll"], true);
    let panels = board["panels"].as_array().unwrap();
    let rows: Vec<&serde_json::Value> = panels.iter().filter(|p| p["type"] == "row").collect();
    assert_eq!(rows[0]["repeat"], "slo");
    assert!(rows[1].get("repeat").is_none());
    // Every query reads the chosen service, never a service's name.
    for panel in panels.iter().filter(|p| p["type"] != "row") {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            assert!(
                expr.contains("$service") && !expr.contains("\"api\""),
                "{expr}"
            );
        }
    }
    // Ids are unique and the SLO panels sit below their row.
    let mut ids: Vec<u64> = panels.iter().map(|p| p["id"].as_u64().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len(), panels.len());
    let row_y = rows[0]["gridPos"]["y"].as_u64().unwrap();
    let after = panels
        .iter()
        .skip_while(|p| p["type"] != "row")
        .nth(1)
        .unwrap();
    assert_eq!(after["gridPos"]["y"].as_u64().unwrap(), row_y + 1);
}

#[test]
fn dashboard_uids_fit_grafanas_limit_and_stay_stable() {
    let m = model("", API);
    let uid = super::environment_dashboard_uid(&m.platform, "prod");
    assert!(uid.starts_with("pave-") && uid.ends_with("-prod"), "{uid}");
    let mut long = m.platform.clone();
    long.name = "a-platform-name-that-is-long-enough-to-overflow".into();
    let clipped = super::environment_dashboard_uid(&long, "production");
    assert_eq!(clipped.len(), 40, "{clipped}");
    assert_eq!(
        clipped,
        super::environment_dashboard_uid(&long, "production")
    );
    assert_ne!(
        clipped,
        super::environment_dashboard_uid(&long, "production-2")
    );
}

#[test]
fn links_name_the_environment_dashboard_and_the_service() {
    let with_url = "monitoring:\n  dashboards: { url: \"https://grafana.example/\" }\n";
    let m = model(with_url, API);
    let url = super::dashboard_url(&m.platform, "prod", api(&m, "prod")).unwrap();
    let uid = super::environment_dashboard_uid(&m.platform, "prod");
    assert_eq!(
        url,
        format!("https://grafana.example/d/{uid}?var-service=api")
    );
    let per_service =
        "monitoring:\n  dashboards: { url: \"https://grafana.example\", per_service: true }\n";
    let m = model(per_service, API);
    let url = super::dashboard_url(&m.platform, "prod", api(&m, "prod")).unwrap();
    assert_eq!(url, "https://grafana.example/d/pave-prod-api");
}

/// Every recorded series a dashboard queries (environment and per-service, `slo:*` and
/// the platform's `env_namespace_job*` recordings) is one the rules record: a renamed
/// or dropped recording fails here, where a query parser alone would not notice.
#[test]
fn dashboards_query_only_series_the_rules_record() {
    let m = model("", API);
    let services: Vec<&ResolvedService> = m.services.iter().filter(|s| s.env == "prod").collect();
    let mut recorded: Vec<String> = platform_groups(&m.platform, "prod", &services)
        .iter()
        .chain(&rule_groups(&m.platform, "prod", services[0]))
        .flat_map(|g| &g.rules)
        .filter_map(|r| r.record.clone())
        .collect();
    recorded.sort();
    let boards = [
        super::dashboard::environment(&m.platform, "prod", &services),
        super::dashboard::dashboard(&m.platform, "prod", services[0]),
    ];
    let mut queried = 0;
    for board in boards.iter().map(board_json) {
        for panel in board["panels"].as_array().unwrap() {
            for target in panel["targets"].as_array().into_iter().flatten() {
                let expr = target["expr"].as_str().unwrap();
                for name in recorded_names(expr) {
                    assert!(
                        recorded.binary_search(&name).is_ok(),
                        "{name} in `{expr}` is not recorded: {recorded:?}"
                    );
                    queried += 1;
                }
            }
        }
    }
    assert!(queried >= 4, "only {queried} recorded series queried");
}

/// The recording-rule names (they contain `:`) an expression reads.
fn recorded_names(expr: &str) -> Vec<String> {
    expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|t| t.contains(':') && t.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .map(String::from)
        .collect()
}

#[test]
fn slos_of_one_shape_share_their_threshold_tests_and_each_keeps_its_wiring() {
    let m = model("", API);
    let first = api(&m, "prod");
    let mut second = first.clone();
    second.name = "web".into();
    second.namespace = "web".into();
    second.owner = "team-web".into();
    // Another bucket is wiring (its series), not a threshold.
    if let Some(latency) = second.slo.as_mut().and_then(|x| x.latency.as_mut()) {
        latency.threshold = crate::decimal::Decimal::parse("0.5").unwrap();
    }
    let shared = super::shared_thresholds(&m.platform, &[first, &second]);
    let expected = [("web-availability", "api"), ("web-latency", "api")];
    let expected = expected.map(|(a, b)| (a.to_string(), b.to_string()));
    assert_eq!(shared, expected.into_iter().collect());

    let tests = |s: &ResolvedService| -> Vec<super::unit_tests::UnitTest> {
        let own = rule_groups(&m.platform, "prod", s);
        unit_tests(&m.platform, "prod", s, &[], (&[], &own), &shared)
            .into_iter()
            .flat_map(|(_, f)| f.tests)
            .collect()
    };
    let full = tests(first);
    let wiring = tests(&second);
    assert!(
        full.len() > 2 * wiring.len(),
        "{} {}",
        full.len(),
        wiring.len()
    );
    // Per SLO, the first pair of each urgency, traffic just above its threshold.
    assert_eq!(wiring.len(), 4);
    for t in &wiring {
        assert!(t.name.contains("just above the"), "{}", t.name);
        assert!(t.name.contains("tested with api's SLO"), "{}", t.name);
        assert!(
            t.input_series
                .iter()
                .all(|s| s.series.contains("job=\"web\""))
        );
        let fired: Vec<_> = t
            .alert_rule_test
            .iter()
            .flat_map(|c| &c.exp_alerts)
            .collect();
        assert!(!fired.is_empty(), "{}", t.name);
        assert!(fired.iter().all(|a| a.exp_labels["service"] == "web"));
    }
    assert!(t_has_bucket(&wiring, "le=\"0.5\""));

    // Another objective is another threshold: both get every test.
    let mut third = second.clone();
    third.slo.as_mut().unwrap().availability = crate::decimal::Decimal::parse("99.5");
    let shared = super::shared_thresholds(&m.platform, &[first, &third]);
    assert_eq!(shared.keys().collect::<Vec<_>>(), ["web-latency"]);
}

fn t_has_bucket(tests: &[super::unit_tests::UnitTest], le: &str) -> bool {
    tests
        .iter()
        .flat_map(|t| &t.input_series)
        .any(|s| s.series.contains(le))
}
