//! Prometheus rule groups: a service's own (its SLOs' error budgets, or a cron job's
//! run alerts) and its environment's, written once for every service.
//!
//! The environment's SLO rules ([`platform_groups`]): the SLIs' counters recorded
//! per window, summed by `env`, `namespace`, `job` (and `le`), and their ratios; then
//! every SLO's burn rate per window, the ratio over its budget, joined to the SLO's
//! budget recording ([`SLO_BUDGET`], in its service's rules) for who it is; then the
//! SLO alerts, one rule each (a burn alert per urgency, `page` and `ticket`, whose
//! window pairs are joined with `or`, with factors as exact decimals). Every ratio is
//! a ratio of sums (traffic-weighted, never an average of ratios), and Prometheus'
//! rule count grows with the SLOs (one budget each), not with SLOs × windows.
//!
//! The environment's contract alerts ([`contract_groups`]) join the series they
//! watch to one info recording per service the same way.
//!
//! Environment safety: every series pave selects carries `env` (the ServiceMonitor's
//! relabeling adds it), every selector matches it and every recording rule keeps it,
//! so rules of several environments can share one Prometheus. kube-state-metrics
//! series are selected by namespace, which names one environment.
//!
//! Cost: rates over windows of a day or more read days of raw samples, so they live
//! in a second group evaluated every [`LONG_INTERVAL`] instead of every evaluation
//! interval (as Pyrra does); the alerts reading them see a rate at most that old.
//! The SLO period's rates (30d, read only by the budget remaining) are averaged from
//! the recorded hourly rates instead of read raw ([`derived_recordings`]): a month
//! of one series per service rather than of every raw series.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::ENV_LABEL;
use crate::decimal::Decimal;
use crate::duration::format_ms;
use crate::resolve::{BurnWindow, Platform, ResolvedService, Urgency, Workload};

/// A rule group, as Prometheus and the PrometheusRule CRD spell it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RuleGroup {
    pub(crate) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) interval: Option<String>,
    pub(crate) rules: Vec<Rule>,
}

/// A recording or alerting rule.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Rule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) record: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) alert: Option<String>,
    pub(crate) expr: String,
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    pub(crate) for_: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) annotations: BTreeMap<String, String>,
}

/// Windows at least this long are recorded in the slower group.
pub(crate) const LONG_WINDOW_MS: u64 = 86_400_000;

/// The evaluation interval of the long-window group: well under Prometheus' 5-minute
/// lookback, so a reader never finds the recorded ratio stale between two writes.
const LONG_INTERVAL: &str = "2m";

/// The burn alert of the window pairs of one urgency.
pub(crate) fn burn_alert(u: Urgency) -> &'static str {
    match u {
        Urgency::Page => "SLOFastBurn",
        Urgency::Ticket => "SLOSlowBurn",
    }
}

/// One SLO of a service: its id, what it measures and its error budget.
pub(crate) struct SloSpec {
    pub(crate) name: &'static str,
    pub(crate) id: String,
    /// Percent.
    pub(crate) objective: Decimal,
    /// The SLI this SLO reads, and so the platform recordings it needs.
    pub(crate) kind: SliKind,
}

impl SloSpec {
    pub(crate) fn budget(&self) -> Decimal {
        Decimal::from_int(100)
            .minus(self.objective)
            .checked_div(Decimal::from_int(100))
            .unwrap_or(Decimal::ZERO)
    }
}

/// What an SLO measures; each kind has its platform recordings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum SliKind {
    /// The non-5xx share of the requests counter.
    Availability,
    /// The share of the latency histogram under a threshold (a bucket).
    Latency,
}

impl SliKind {
    /// The SLO's name, its `slo_name` label: one SLO of each kind per service.
    pub(crate) fn name(self) -> &'static str {
        match self {
            SliKind::Availability => "availability",
            SliKind::Latency => "latency",
        }
    }
}

/// The recorded request rate by `env`, `namespace`, `job`; the window follows.
const REQUESTS: &str = "env_namespace_job:slo_requests:rate";
/// The recorded 5xx rate by `env`, `namespace`, `job` (0, not absent, while a
/// service has traffic but no 5xx series).
const ERRORS: &str = "env_namespace_job:slo_requests_errors:rate";
/// The recorded latency bucket rates by `env`, `namespace`, `job`, `le`.
const BUCKETS: &str = "env_namespace_job_le:slo_request_duration_buckets:rate";
/// The recorded share of 5xx requests by `env`, `namespace`, `job` (0 with traffic
/// but no 5xx series yet, not absent).
const ERROR_RATIO: &str = "env_namespace_job:slo_requests_errors:ratio_rate";
/// The recorded share of requests within each bucket by `env`, `namespace`, `job`,
/// `le`: each bucket's rate over the `+Inf` bucket's.
const WITHIN_RATIO: &str = "env_namespace_job_le:slo_requests_within_le:ratio_rate";

/// The recorded error budget of each SLO (1 − objective, e.g. `vector(0.001)`): one
/// series per SLO in its service's rules, labelled with who it is (`env`, `namespace`,
/// `job`, `service`, `team`, `pave_platform`), which SLO (`slo_id`, `slo_name`,
/// `slo_objective` in percent, `slo_service`) and for latency its bucket (`le`). The environment's rules join it
/// to the SLI ratios, so every SLO's burn rate and alerts come from rules written once
/// per environment.
pub(crate) const SLO_BUDGET: &str = "pave:slo_error_budget:ratio";
/// Each SLO's burn rate over a window (its error ratio over its budget), labelled as
/// its budget without `le`; the window follows.
pub(crate) const BURN_RATE: &str = "slo:burn_rate:ratio_rate";
/// Each SLO's budget left over the SLO period (1 − the period's burn rate).
pub(crate) const BUDGET_REMAINING: &str = "slo:error_budget_remaining:ratio";

/// The latency threshold of a service's latency SLO (0 without one).
pub(crate) fn latency_threshold(s: &ResolvedService) -> Decimal {
    s.slo
        .as_ref()
        .and_then(|x| x.latency.as_ref())
        .map_or(Decimal::ZERO, |l| l.threshold)
}

/// The SLOs a service declares.
pub(crate) fn slos(s: &ResolvedService) -> Vec<SloSpec> {
    let Some(slo) = &s.slo else { return Vec::new() };
    let mut out = Vec::new();
    if let Some(objective) = slo.availability {
        out.push(SloSpec {
            name: "availability",
            id: format!("{}-availability", s.name),
            objective,
            kind: SliKind::Availability,
        });
    }
    if let Some(latency) = &slo.latency {
        out.push(SloSpec {
            name: "latency",
            id: format!("{}-latency", s.name),
            objective: latency.target,
            kind: SliKind::Latency,
        });
    }
    out
}

/// The SLI recordings of one environment, written once for every service in it: per
/// window of the table (and the SLO period), the rates each SLI kind in use divides,
/// summed by the labels that identify a service's series, and their ratios (so each
/// alert reads one recorded series per window instead of dividing two). Long windows are in their
/// own group, evaluated every [`LONG_INTERVAL`]; the period's rates are averaged from
/// a shorter window's ([`period_base`]). Empty when no service of `env` has
/// an SLO (a cron job's SLO reads no metrics).
pub(crate) fn platform_groups(
    p: &Platform,
    env: &str,
    services: &[&ResolvedService],
) -> Vec<RuleGroup> {
    let kinds: BTreeSet<SliKind> = services
        .iter()
        .filter(|s| s.env == env && has_slo_rules(s))
        .flat_map(|s| slos(s).into_iter().map(|slo| slo.kind))
        .collect();
    if kinds.is_empty() {
        return Vec::new();
    }
    let o = &p.observability;
    let base = period_base(p);
    let table: BTreeSet<u64> = o
        .windows
        .iter()
        .flat_map(|w| [w.short_ms, w.long_ms])
        .collect();
    let (mut short, mut long) = (Vec::new(), Vec::new());
    for w in windows(p) {
        let mut rules = match base.filter(|_| w == o.slo_period_ms) {
            Some(base) => derived_recordings(&kinds, env, w, base),
            None => window_recordings(p, &kinds, env, w),
        };
        // Rules of a group run in order: these read this evaluation's ratios.
        if table.contains(&w) {
            let record = format!("{BURN_RATE}{}", format_ms(w));
            rules.push(recording(record, slo_burn(p, &kinds, env, w)));
        }
        if w == o.slo_period_ms {
            let expr = format!("1 - ({})", slo_burn(p, &kinds, env, w));
            rules.push(recording(BUDGET_REMAINING.into(), expr));
        }
        match w >= LONG_WINDOW_MS {
            true => long.extend(rules),
            false => short.extend(rules),
        }
    }
    let mut groups = vec![RuleGroup {
        name: PLATFORM_GROUP.into(),
        interval: None,
        rules: short,
    }];
    if !long.is_empty() {
        groups.push(RuleGroup {
            name: format!("{PLATFORM_GROUP}-long"),
            interval: Some(LONG_INTERVAL.into()),
            rules: long,
        });
    }
    let alerts = slo_alerts(p, env, &kinds);
    if !alerts.is_empty() {
        groups.push(RuleGroup {
            name: SLO_ALERT_GROUP.into(),
            interval: None,
            rules: alerts,
        });
    }
    groups
}

/// The name of the environment's SLO alert group.
const SLO_ALERT_GROUP: &str = "pave-slo-alerts";

/// This platform's series of this environment: another pave platform may share the
/// Prometheus and the environment's name.
fn own(p: &Platform, env: &str) -> String {
    format!("{ENV_LABEL}=\"{env}\",{PLATFORM_LABEL}=\"{}\"", p.name)
}

/// The budget recordings of one SLO kind, one per service even while an old one
/// lingers (its team changed and Prometheus restarted before marking the old series
/// stale): two would make the joins of the environment many-to-many, an error that
/// silences every SLO of it.
fn budgets(p: &Platform, env: &str, kind: SliKind) -> String {
    let budget = format!(
        "{SLO_BUDGET}{{{},slo_name=\"{}\"}}",
        own(p, env),
        kind.name()
    );
    freshest(&budget, "namespace, job")
}

/// One series of `series` per group of `by`, the most recently written: a lingering
/// old series (labels changed, Prometheus restarted before marking it stale) is not
/// written any more, so the current one wins, with its labels and value.
fn freshest(series: &str, by: &str) -> String {
    format!("({series} and topk by ({by}) (1, timestamp({series})))")
}

/// What the burn rates take from the budget recordings: who the SLO is. Never
/// `dashboard_url`: the alerts read it from the budget when they fire
/// ([`dashboard_lookup`]), so it is not part of their identity.
const SLO_CARRIED: &str =
    "pave_platform, service, slo_id, slo_name, slo_objective, slo_service, team";

/// `expr` with `le` as Prometheus 2 writes it: Prometheus 3 writes classic bucket
/// boundaries as floats (`1` becomes `1.0`), so a latency SLO's bucket is found under
/// either. A series that changes spelling is first marked with `pave_le_spelling`,
/// so one with both spellings (for a window after an upgrade) stays two distinct
/// series, which the caller's sum adds, instead of an error that would stop every
/// recording reading them.
fn plain_le(expr: &str) -> String {
    format!(
        "label_replace(label_replace({expr}, \"pave_le_spelling\", \"$1\", \"le\", \"(.+\\\\.0)\"), \"le\", \"$1\", \"le\", \"(.+)\\\\.0\")"
    )
}

/// Every SLO's burn rate over `w`: its service's recorded error ratio (for latency,
/// one minus the share within the SLO's bucket, matched on `le`) over its budget,
/// labelled by joining the budget recording. `job` stays, for the alerts' guard.
fn slo_burn(p: &Platform, kinds: &BTreeSet<SliKind>, env: &str, w: u64) -> String {
    let window = format_ms(w);
    let e = format!("{ENV_LABEL}=\"{env}\"");
    let carried = SLO_CARRIED;
    let mut parts = Vec::new();
    if kinds.contains(&SliKind::Availability) {
        parts.push(format!(
            "{ERROR_RATIO}{window}{{{e}}} / on (env, namespace, job) group_left ({carried}) {}",
            budgets(p, env, SliKind::Availability)
        ));
    }
    if kinds.contains(&SliKind::Latency) {
        parts.push(format!(
            "max without (le) ((1 - {WITHIN_RATIO}{window}{{{e}}}) / on (env, namespace, job, le) group_left ({carried}) {})",
            budgets(p, env, SliKind::Latency)
        ));
    }
    parts.join(" or ")
}

/// The requests of each SLO kind's SLI over `window`, per second, labelled with the
/// kind (`slo_name`): the requests counter for availability, the histogram's `+Inf`
/// bucket for latency.
fn events(kinds: &BTreeSet<SliKind>, env: &str, window: &str) -> String {
    let e = format!("{ENV_LABEL}=\"{env}\"");
    let named = |expr: String, kind: SliKind| {
        format!(
            "label_replace({expr}, \"slo_name\", \"{}\", \"\", \"\")",
            kind.name()
        )
    };
    let mut parts = Vec::new();
    if kinds.contains(&SliKind::Availability) {
        parts.push(named(
            format!("{REQUESTS}{window}{{{e}}}"),
            SliKind::Availability,
        ));
    }
    if kinds.contains(&SliKind::Latency) {
        parts.push(named(
            format!("sum without (le) ({BUCKETS}{window}{{{e},le=\"+Inf\"}})"),
            SliKind::Latency,
        ));
    }
    parts.join(" or ")
}

/// The recordings of one window, from the raw series: the request and 5xx rates
/// and their ratio, the bucket rates and each bucket's share.
fn window_recordings(p: &Platform, kinds: &BTreeSet<SliKind>, env: &str, w: u64) -> Vec<Rule> {
    let o = &p.observability;
    let by = "sum by (env, namespace, job)";
    let window = format_ms(w);
    let e = format!("{ENV_LABEL}=\"{env}\"");
    let mut rules = Vec::new();
    if kinds.contains(&SliKind::Availability) {
        let m = &o.requests_metric;
        rules.push(recording(
            format!("{REQUESTS}{window}"),
            format!("{by} (rate({m}{{{e}}}[{window}]))"),
        ));
        // Rules of a group run in order: this reads this evaluation's request rate.
        // 0 rather than absent while a service has no 5xx series, so an average
        // over time of this recording counts those hours as error-free.
        rules.push(recording(
            format!("{ERRORS}{window}"),
            format!(
                "{by} (rate({m}{{{e},code=~\"5..\"}}[{window}])) or 0 * {REQUESTS}{window}{{{e}}}"
            ),
        ));
        rules.push(error_ratio(&window, &e));
    }
    if kinds.contains(&SliKind::Latency) {
        rules.push(recording(
            format!("{BUCKETS}{window}"),
            format!(
                "sum by (env, namespace, job, le) ({})",
                plain_le(&format!("rate({}{{{e}}}[{window}])", o.duration_metric))
            ),
        ));
        rules.push(within_ratio(&window, &e));
    }
    rules
}

/// The SLO period's recordings, from the `base` window's: each rate is the average
/// of the base window's recorded rate over the period, so Prometheus reads a month of
/// one recorded series per service (and bucket) instead of a month of every raw
/// series (every code, instance and path). Numerator and denominator are averaged
/// alike, so the ratio stays traffic-weighted. The oldest and newest `base` of the
/// period weigh less (a request counts in every base window that holds it), an
/// error of base / period in the budget remaining (1h of 30d: 0.14%).
fn derived_recordings(kinds: &BTreeSet<SliKind>, env: &str, w: u64, base: u64) -> Vec<Rule> {
    let (window, from) = (format_ms(w), format_ms(base));
    let e = format!("{ENV_LABEL}=\"{env}\"");
    let average = |name: &str| {
        recording(
            format!("{name}{window}"),
            format!("avg_over_time({name}{from}{{{e}}}[{window}])"),
        )
    };
    let mut rules = Vec::new();
    if kinds.contains(&SliKind::Availability) {
        rules.extend([average(REQUESTS), average(ERRORS), error_ratio(&window, &e)]);
    }
    if kinds.contains(&SliKind::Latency) {
        rules.extend([average(BUCKETS), within_ratio(&window, &e)]);
    }
    rules
}

/// The window the SLO period's rates are averaged from: the shortest long window of
/// the table (1h by default: short enough to blur little, recorded every evaluation
/// anyway, and holding several samples at the unit tests' coarsest step). `None`
/// when the period is itself a pair's long window, whose low-traffic guard needs the
/// raw count of events (an average of rates overstates it for a service younger than
/// the window), or when no long window is shorter than a day.
fn period_base(p: &Platform) -> Option<u64> {
    let o = &p.observability;
    if o.windows.iter().any(|w| w.long_ms == o.slo_period_ms) {
        return None;
    }
    o.windows
        .iter()
        .map(|w| w.long_ms)
        .min()
        .filter(|base| *base < LONG_WINDOW_MS && *base < o.slo_period_ms)
}

/// The 5xx share of one window: the recorded 5xx rate over the recorded request rate.
fn error_ratio(window: &str, e: &str) -> Rule {
    recording(
        format!("{ERROR_RATIO}{window}"),
        format!("{ERRORS}{window}{{{e}}} / {REQUESTS}{window}{{{e}}}"),
    )
}

/// Each bucket's share of one window: its recorded rate over the `+Inf` bucket's.
fn within_ratio(window: &str, e: &str) -> Rule {
    recording(
        format!("{WITHIN_RATIO}{window}"),
        format!(
            "{BUCKETS}{window}{{{e}}} / ignoring (le) group_left () {BUCKETS}{window}{{{e},le=\"+Inf\"}}"
        ),
    )
}

/// The name of the platform's SLI recording group (`-long` for the slow one).
const PLATFORM_GROUP: &str = "pave-slo-sli";

/// A recording rule without labels of its own: it keeps its expression's.
fn recording(record: String, expr: String) -> Rule {
    Rule {
        record: Some(record),
        alert: None,
        expr,
        for_: None,
        labels: BTreeMap::new(),
        annotations: BTreeMap::new(),
    }
}

/// The burn factor of a window pair: budget% × period / long window.
pub(crate) fn factor(w: &BurnWindow, period_ms: u64) -> Decimal {
    let period = Decimal::from_int(period_ms as i64);
    let long = Decimal::from_int(w.long_ms as i64);
    w.budget_percent
        .times(period)
        .checked_div(long.times(Decimal::from_int(100)))
        .unwrap_or(Decimal::ZERO)
}

/// The error-ratio threshold of a window pair for an SLO.
pub(crate) fn threshold(w: &BurnWindow, period_ms: u64, slo: &SloSpec) -> Decimal {
    factor(w, period_ms).times(slo.budget())
}

/// A window pair's name, `long/short`: the value of the alert's `slo_window` label.
pub(crate) fn pair_name(w: &BurnWindow) -> String {
    format!("{}/{}", format_ms(w.long_ms), format_ms(w.short_ms))
}

/// How long the budget lasts at a window pair's burn rate, rounded to minutes.
pub(crate) fn exhaustion(w: &BurnWindow, period_ms: u64) -> String {
    let f = factor(w, period_ms);
    let ms = Decimal::from_int(period_ms as i64)
        .checked_div(f)
        .unwrap_or(Decimal::ZERO);
    let minutes: u64 = ms
        .checked_div(Decimal::from_int(60_000))
        .map(|m| m.to_string())
        .and_then(|m| m.split('.').next().and_then(|x| x.parse().ok()))
        .unwrap_or(0);
    format_ms(minutes * 60_000)
}

/// The window pairs of one urgency, in table order, and the alert's `for`: the
/// shortest of theirs, since one alert stands for every pair.
pub(crate) fn pairs_of(p: &Platform, u: Urgency) -> (Vec<&BurnWindow>, u64) {
    let rows: Vec<&BurnWindow> = p
        .observability
        .windows
        .iter()
        .filter(|w| w.severity == u)
        .collect();
    let for_ms = rows.iter().map(|w| w.for_ms).min().unwrap_or(0);
    (rows, for_ms)
}

/// Every rule group of a service with metrics; none when metrics are off. A cron job
/// gets its run alerts instead, from kube-state-metrics, with or without metrics:
/// its pods live for one run, so `up` and replica alerts would only misfire.
pub(crate) fn rule_groups(p: &Platform, env: &str, s: &ResolvedService) -> Vec<RuleGroup> {
    if let Workload::Cron(cron) = &s.workload {
        return vec![super::cron::cron_group(p, env, s, cron)];
    }
    if s.metrics.is_none() {
        return Vec::new();
    }
    let specs = slos(s);
    match specs.is_empty() {
        true => Vec::new(),
        false => vec![budget_group(p, s, &specs)],
    }
}

/// Whether the service has any rules, its own ([`rule_groups`]: a cron job's run
/// alerts, which need no metrics of its own, or its SLOs) or in its environment's
/// contract file ([`contract_groups`]: a service with metrics). CI asks this without
/// building the rules.
pub(crate) fn has_rules(s: &ResolvedService) -> bool {
    matches!(s.workload, Workload::Cron(_)) || s.metrics.is_some()
}

/// Whether the service's SLOs are alerted on by its environment's SLO rules
/// ([`platform_groups`]): a service with metrics, not a cron job, with an SLO.
pub(crate) fn has_slo_rules(s: &ResolvedService) -> bool {
    s.metrics.is_some() && !matches!(s.workload, Workload::Cron(_)) && !slos(s).is_empty()
}

/// Whether the service may get generated unit tests: a cron job's run alerts, or SLO
/// alerts over its metrics (see `unit_tests`).
pub(crate) fn may_have_unit_tests(s: &ResolvedService) -> bool {
    matches!(s.workload, Workload::Cron(_)) || (s.slo.is_some() && s.metrics.is_some())
}

/// `env`, `namespace`, `service` and `team`: on every alert, so a namespaced
/// AlertmanagerConfig and team routes can match them.
pub(crate) fn base_labels(env: &str, s: &ResolvedService) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("env".to_string(), env.to_string()),
        ("namespace".to_string(), s.namespace.clone()),
        ("service".to_string(), s.name.clone()),
        ("team".to_string(), s.owner.clone()),
    ])
}

/// The summary, description and links of an alert.
pub(crate) fn annotations(
    p: &Platform,
    env: &str,
    s: &ResolvedService,
    alert: &str,
    summary: String,
    description: String,
) -> BTreeMap<String, String> {
    let dashboard = super::dashboard_url(p, env, s);
    links(p, alert, summary, description, dashboard)
}

/// An alert's annotations: its summary and description, the runbook (the alert's
/// name in kebab case under `monitoring.runbooks`) and the dashboard.
fn links(
    p: &Platform,
    alert: &str,
    summary: String,
    description: String,
    dashboard: Option<String>,
) -> BTreeMap<String, String> {
    let mut a = BTreeMap::from([
        ("summary".to_string(), summary),
        ("description".to_string(), description),
    ]);
    if let Some(base) = &p.observability.runbooks {
        a.insert(
            "runbook_url".into(),
            format!("{}/{}", base.trim_end_matches('/'), kebab(alert)),
        );
    }
    if let Some(url) = dashboard {
        a.insert("dashboard_url".into(), url);
    }
    a
}

/// `SLOFastBurn` -> `slo-fast-burn`.
fn kebab(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let boundary = i > 0
            && c.is_uppercase()
            && (chars[i - 1].is_lowercase() || chars.get(i + 1).is_some_and(|n| n.is_lowercase()));
        if boundary {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// An alerting rule of `urgency`, or nothing when the environment drops it.
pub(super) struct AlertSpec {
    pub(super) name: &'static str,
    pub(super) urgency: Urgency,
    pub(super) expr: String,
    pub(super) for_ms: u64,
    pub(super) summary: String,
    pub(super) description: String,
}

impl AlertSpec {
    /// The alerting rule, with `labels` and a link to `dashboard`.
    fn into_rule(
        self,
        p: &Platform,
        labels: BTreeMap<String, String>,
        dashboard: Option<String>,
    ) -> Rule {
        let annotations = links(p, self.name, self.summary, self.description, dashboard);
        Rule {
            record: None,
            alert: Some(self.name.to_string()),
            expr: self.expr,
            for_: Some(format_ms(self.for_ms)),
            labels,
            annotations,
        }
    }
}

pub(super) fn alert_rule(
    p: &Platform,
    env: &str,
    s: &ResolvedService,
    a: AlertSpec,
) -> Option<Rule> {
    let urgency = p.observability.urgency_in(env, a.urgency)?;
    let mut labels = base_labels(env, s);
    labels.insert("severity".into(), urgency.label().into());
    let dashboard = super::dashboard_url(p, env, s);
    Some(a.into_rule(p, labels, dashboard))
}

/// The services of `env` the contract alerts watch: those with metrics that run a
/// Deployment (a cron job has its own run alerts).
fn watched<'s>(env: &str, services: &[&'s ResolvedService]) -> Vec<&'s ResolvedService> {
    services
        .iter()
        .copied()
        .filter(|s| s.env == env && s.metrics.is_some() && !matches!(s.workload, Workload::Cron(_)))
        .collect()
}

/// The recorded series naming each watched service: value 1, labelled with what
/// joins it to its series (`namespace`, `job`) and what its alerts carry (`service`,
/// `team`). One per service, in the environment's contract file.
const SERVICE_INFO: &str = "pave:service_info";
/// The same for each service whose autoscaler can max out, by the HPA's name.
const AUTOSCALER_INFO: &str = "pave:service_autoscaler_info";

/// The environment's contract alerts, once for every service instead of once per
/// service: each alert joins the series it watches to [`SERVICE_INFO`] (by `namespace`
/// and `job`, or the main container's or Deployment's name, which is the service's),
/// which gives the alert its `service` and `team`. A platform-wide change to a
/// contract alert is one rule per environment, and Prometheus evaluates a handful of
/// rules instead of five per service. Empty when no service of `env` is watched.
///
/// Two groups: the info recordings, then the alerts (rules of a group run in order;
/// across groups the alerts read the previous evaluation's info, which never changes).
pub(crate) fn contract_groups(
    p: &Platform,
    env: &str,
    services: &[&ResolvedService],
) -> Vec<RuleGroup> {
    let watched = watched(env, services);
    if watched.is_empty() || !p.observability.enabled {
        return Vec::new();
    }
    let info = watched.iter().flat_map(|s| service_info(p, s)).collect();
    let autoscaled = watched.iter().any(|s| autoscaler_name(s).is_some());
    vec![
        RuleGroup {
            name: format!("{CONTRACT_GROUP}-services"),
            interval: None,
            rules: info,
        },
        RuleGroup {
            name: CONTRACT_GROUP.into(),
            interval: None,
            rules: contract_specs(p, env, autoscaled)
                .into_iter()
                .filter_map(|a| platform_alert(p, env, a))
                .collect(),
        },
    ]
}

/// The name of the environment's contract groups (`-services` for the info one).
const CONTRACT_GROUP: &str = "pave-contract";

/// The HPA of a service whose autoscaler can max out: at min = max it always runs at
/// its maximum, with nothing to say. KEDA scales a queue-scaled worker through an
/// HPA of its own, `keda-hpa-<name>`.
fn autoscaler_name(s: &ResolvedService) -> Option<String> {
    s.autoscale.filter(|a| a.min < a.max)?;
    Some(match s.queue_scaler {
        Some(_) => format!("keda-hpa-{}", s.name),
        None => s.name.clone(),
    })
}

/// A service's info recordings: [`SERVICE_INFO`], and [`AUTOSCALER_INFO`] when its
/// autoscaler can max out. With per-service dashboards, the dashboard's URL rides on
/// the service's info (its uid is not always the service's name), where the alerts'
/// links look it up ([`dashboard_lookup`]).
fn service_info(p: &Platform, s: &ResolvedService) -> Vec<Rule> {
    let mut labels = info_labels(p, s);
    let mut out = vec![info_rule(SERVICE_INFO, labels.clone())];
    if let Some(hpa) = autoscaler_name(s) {
        labels.remove("job");
        labels.remove(DASHBOARD_LABEL);
        labels.insert("horizontalpodautoscaler".into(), hpa);
        out.push(info_rule(AUTOSCALER_INFO, labels));
    }
    out
}

/// The labels of a service's info and of its SLOs' budgets: what joins them to its
/// series (`namespace`, `job`), what its alerts carry (`env`, `service`, `team`),
/// whose they are (`pave_platform`) and, with per-service dashboards, the link the
/// alerts look up when they fire (`dashboard_url`).
pub(super) fn info_labels(p: &Platform, s: &ResolvedService) -> BTreeMap<String, String> {
    let mut labels = base_labels(&s.env, s);
    labels.insert("job".into(), s.name.clone());
    labels.insert(PLATFORM_LABEL.into(), p.name.clone());
    if p.observability.dashboards_per_service
        && let Some(url) = super::dashboard_url(p, &s.env, s)
    {
        labels.insert(DASHBOARD_LABEL.into(), url);
    }
    labels
}

/// The info label naming the platform, which the alerts select on: two pave platforms
/// may share a Prometheus and an environment's name.
const PLATFORM_LABEL: &str = "pave_platform";

/// The info label carrying a service's own dashboard URL (per-service dashboards).
const DASHBOARD_LABEL: &str = "dashboard_url";

fn info_rule(record: &str, labels: BTreeMap<String, String>) -> Rule {
    Rule {
        record: Some(record.into()),
        alert: None,
        expr: "vector(1)".into(),
        for_: None,
        labels,
        annotations: BTreeMap::new(),
    }
}

/// The contract alerts of an environment, as platform-wide rules; `autoscaled` when a
/// watched service's autoscaler can max out.
fn contract_specs(p: &Platform, env: &str, autoscaled: bool) -> Vec<AlertSpec> {
    let o = &p.observability;
    let e = format!("{ENV_LABEL}=\"{env}\"");
    let own = own(p, env);
    // What every alert takes from the info; the dashboard's link is looked up when the
    // alert fires ([`dashboard_lookup`]).
    let carried = "env, service, team";
    // One info per service even while an old one lingers (a team changed and
    // Prometheus restarted before marking the old series stale): two would make every
    // join of the environment many-to-many, an error that silences all its alerts.
    let info = |metric: &str, by: &str| {
        freshest(&format!("{metric}{{{own}}}"), &format!("namespace, {by}"))
    };
    // The info with the service's name under another label, to join on it.
    let info_as = |label: &str| {
        format!(
            "label_replace({}, \"{label}\", \"$1\", \"job\", \"(.+)\")",
            info(SERVICE_INFO, "job")
        )
    };
    let (svc, ns) = ("{{ $labels.service }}", "{{ $labels.namespace }}");
    let mut specs = Vec::new();
    let mut alert =
        |key: &str, alert: &'static str, expr: String, summary: String, description: String| {
            let setting = &o.alerts[key];
            specs.push(AlertSpec {
                name: alert,
                urgency: setting.severity,
                expr,
                for_ms: setting.for_ms,
                summary,
                description,
            });
        };
    alert(
        "target_down",
        "ServiceTargetDown",
        format!(
            "up{{{e}}} * on (namespace, job) group_left ({carried}) {} == 0",
            info(SERVICE_INFO, "job")
        ),
        format!("{svc} in {env}: a metrics target is down"),
        format!(
            "Prometheus cannot scrape a pod of {svc} in namespace {ns}; the pod may be down or its metrics endpoint broken."
        ),
    );
    alert(
        "metrics_absent",
        "ServiceMetricsAbsent",
        absent_targets(p, &own, &e),
        format!("{svc} in {env}: no metrics targets"),
        format!(
            "Prometheus has no scrape target for {svc} in namespace {ns}: check the ServiceMonitor (and its `env` relabeling) and the pods."
        ),
    );
    // A container in back-off is waiting most of the time, and its restart count
    // settles under the 5-minute back-off cap: the waiting reason (as the
    // kubernetes-mixin reads it) catches that; the restart count catches fast loops.
    // kube-state-metrics series carry no `env`: the namespace (and the main
    // container's name, the service's) say whose they are.
    let restarts = o.alerts["crash_looping"].threshold;
    alert(
        "crash_looping",
        "ServiceCrashLooping",
        format!(
            "(max by (namespace, pod, container) (max_over_time(kube_pod_container_status_waiting_reason{{reason=\"CrashLoopBackOff\"}}[5m])) >= 1 or max by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total[15m])) > {restarts}) * on (namespace, container) group_left ({carried}) {}",
            info_as("container")
        ),
        format!("{svc} in {env}: a container is crash looping"),
        format!(
            "A container of {svc} is waiting in CrashLoopBackOff or restarted more than {restarts} times in 15 minutes."
        ),
    );
    alert(
        "replicas_unavailable",
        "ServiceReplicasUnavailable",
        format!(
            "(max by (namespace, deployment) (kube_deployment_status_replicas_unavailable) > 0) * on (namespace, deployment) group_left ({carried}) {}",
            info_as("deployment")
        ),
        format!("{svc} in {env}: replicas are unavailable"),
        "The Deployment {{ $labels.deployment }} has unavailable replicas.".into(),
    );
    if autoscaled {
        // Several kube-state-metrics replicas each export both series: `max by`
        // keeps one per autoscaler (matching them across replicas would be
        // many-to-many, an error that silences the alert), and one alert per
        // autoscaler rather than per replica, whose labels change when it restarts.
        let hpa = "max by (namespace, horizontalpodautoscaler)";
        alert(
            "hpa_maxed_out",
            "ServiceAutoscalerMaxedOut",
            format!(
                "({hpa} (kube_horizontalpodautoscaler_status_current_replicas) >= {hpa} (kube_horizontalpodautoscaler_spec_max_replicas)) * on (namespace, horizontalpodautoscaler) group_left ({carried}) {}",
                info(AUTOSCALER_INFO, "horizontalpodautoscaler")
            ),
            format!("{svc} in {env}: the autoscaler is at its maximum"),
            format!(
                "The autoscaler of {svc} has run at its maximum replicas for a while; raise `autoscale.max` or find the load."
            ),
        );
    }
    specs
}

/// A platform-wide contract alert: its series give `namespace`, `service` and `team`;
/// the rule adds `env` and the environment's severity, and links the runbook and the
/// service's dashboard through templates.
fn platform_alert(p: &Platform, env: &str, a: AlertSpec) -> Option<Rule> {
    let o = &p.observability;
    let urgency = o.urgency_in(env, a.urgency)?;
    let labels = BTreeMap::from([
        ("env".to_string(), env.to_string()),
        ("severity".to_string(), urgency.label().to_string()),
    ]);
    let dashboard = o
        .dashboard_url
        .as_deref()
        .filter(|_| o.enabled)
        .map(|base| match o.dashboards_per_service {
            true => dashboard_lookup(p, env),
            false => format!(
                "{}/d/{}?var-service={{{{ $labels.service }}}}",
                base.trim_end_matches('/'),
                super::environment_dashboard_uid(p, env)
            ),
        });
    Some(a.into_rule(p, labels, dashboard))
}

/// The infos of services with no `up` series: the alert is the info itself, so with
/// per-service dashboards its `dashboard_url` is dropped, as every other alert lacks
/// it ([`dashboard_lookup`]); `max` keeps one alert when an info with an old URL
/// lingers beside the current one.
fn absent_targets(p: &Platform, own: &str, e: &str) -> String {
    let absent = format!("{SERVICE_INFO}{{{own}}} unless on (namespace, job) up{{{e}}}");
    match p.observability.dashboards_per_service {
        true => format!("max without ({DASHBOARD_LABEL}) ({absent})"),
        false => absent,
    }
}

/// With per-service dashboards, an environment-wide alert's link to its service's
/// dashboard: a template that reads the `dashboard_url` label of the service's info or
/// SLO budget recordings when the alert fires. The uid may be hashed (Grafana's limit
/// is 40 characters), so a template cannot rebuild it from the alert's labels; and as
/// an alert label, a changed Grafana URL would change every alert's identity (firing
/// alerts resolved and raised again, silences no longer matching).
fn dashboard_lookup(p: &Platform, env: &str) -> String {
    let recordings = format!(
        "{{__name__=~\"{SERVICE_INFO}|{SLO_BUDGET}\",{},service=\"%s\"}}",
        own(p, env)
    );
    format!(
        "{{{{ with query (printf `max by ({DASHBOARD_LABEL}) ({recordings})` $labels.service) }}}}{{{{ . | first | label \"{DASHBOARD_LABEL}\" }}}}{{{{ end }}}}"
    )
}

/// Every window the table uses, long and short, and the period, shortest first.
pub(crate) fn windows(p: &Platform) -> Vec<u64> {
    let mut all: Vec<u64> = p
        .observability
        .windows
        .iter()
        .flat_map(|w| [w.short_ms, w.long_ms])
        .collect();
    // The whole period too, for the budget remaining.
    all.push(p.observability.slo_period_ms);
    all.sort_unstable();
    all.dedup();
    all
}

/// A service's SLO budgets: one [`SLO_BUDGET`] recording per SLO, which the
/// environment's rules ([`platform_groups`]) join for its burn rates and alerts.
fn budget_group(p: &Platform, s: &ResolvedService, specs: &[SloSpec]) -> RuleGroup {
    RuleGroup {
        name: format!("{}-slo", s.name),
        interval: None,
        rules: specs.iter().map(|slo| budget_rule(p, s, slo)).collect(),
    }
}

/// One SLO's budget recording: its budget as the value, who it is as labels (those of
/// the service's info, the SLO's, and for latency its bucket as Prometheus 2 writes
/// it).
fn budget_rule(p: &Platform, s: &ResolvedService, slo: &SloSpec) -> Rule {
    let mut labels = info_labels(p, s);
    labels.extend([
        ("slo_id".to_string(), slo.id.clone()),
        ("slo_name".to_string(), slo.name.to_string()),
        ("slo_objective".to_string(), slo.objective.to_string()),
        ("slo_service".to_string(), s.name.clone()),
    ]);
    if slo.kind == SliKind::Latency {
        labels.insert("le".into(), latency_threshold(s).to_string());
    }
    let mut rule = info_rule(SLO_BUDGET, labels);
    rule.expr = format!("vector({})", slo.budget());
    rule
}

/// What an SLO's rules are apart from whose they are: its budget recording for a
/// stand-in service with the same SLO and platform, but a fixed name, namespace, team
/// and latency bucket (every other rule is the environment's). Two SLOs of an
/// environment with the same shape are alerted on by the same rules with the same
/// budget, so the unit tests of one prove the thresholds of both; each still tests
/// that its own series and labels reach the alert. Debug builds check the cheap key
/// of `unit_tests::shared_thresholds` against it.
pub(crate) fn slo_shape(p: &Platform, s: &ResolvedService, slo: &SloSpec) -> String {
    let mut stand_in = s.clone();
    stand_in.name = "shape".into();
    stand_in.namespace = "shape".into();
    stand_in.owner = "shape".into();
    if let Some(latency) = stand_in.slo.as_mut().and_then(|x| x.latency.as_mut()) {
        latency.threshold = Decimal::from_int(1);
    }
    let spec = slos(&stand_in).into_iter().find(|x| x.name == slo.name);
    let rule = spec.map(|spec| budget_rule(p, &stand_in, &spec));
    format!("{}:{rule:?}", slo.name)
}

/// The environment's SLO alerts, each once for every SLO of the environment: the burn
/// alerts of each urgency over the recorded burn rates, and the alerts for series an
/// SLI cannot do without. Each carries the SLO's labels (its burn rates' or budget's).
fn slo_alerts(p: &Platform, env: &str, kinds: &BTreeSet<SliKind>) -> Vec<Rule> {
    let mut specs: Vec<AlertSpec> = [Urgency::Page, Urgency::Ticket]
        .into_iter()
        .filter_map(|u| burn_alert_spec(p, env, kinds, u))
        .collect();
    specs.extend(absent_alerts(p, env, kinds));
    specs
        .into_iter()
        .filter_map(|a| platform_alert(p, env, a))
        .collect()
}

/// One pair's condition: both windows' burn rates above the pair's factor and enough
/// requests in the long window (its rate times its length: what `increase` computes);
/// `slo_window` names the pair. `job` is dropped so the alert carries the labels of
/// every alert.
fn pair_condition(p: &Platform, env: &str, kinds: &BTreeSet<SliKind>, w: &BurnWindow) -> String {
    let o = &p.observability;
    let f = factor(w, o.slo_period_ms);
    let (long, short) = (format_ms(w.long_ms), format_ms(w.short_ms));
    let own = own(p, env);
    format!(
        "label_replace(max without (job) ({BURN_RATE}{long}{{{own}}} > {f} and on (namespace, job, slo_id) {BURN_RATE}{short}{{{own}}} > {f} and on (namespace, job, slo_name) ({}) * {} >= {min}), \"slo_window\", \"{pair}\", \"\", \"\")",
        events(kinds, env, &long),
        w.long_ms / 1000,
        min = o.min_events,
        pair = pair_name(w),
    )
}

/// The burn alert of one urgency: its pairs joined with `or` on the SLO, the first
/// (fastest) firing pair winning, so one burn raises one alert per SLO and urgency.
fn burn_alert_spec(
    p: &Platform,
    env: &str,
    kinds: &BTreeSet<SliKind>,
    u: Urgency,
) -> Option<AlertSpec> {
    let (rows, for_ms) = pairs_of(p, u);
    if rows.is_empty() {
        return None;
    }
    let expr = rows
        .iter()
        .map(|w| pair_condition(p, env, kinds, w))
        .collect::<Vec<_>>()
        .join(" or on (namespace, slo_id) ");
    let (svc, slo) = ("{{ $labels.service }}", "{{ $labels.slo_name }}");
    Some(AlertSpec {
        name: burn_alert(u),
        urgency: u,
        expr,
        for_ms,
        summary: burn_summary(env, svc, slo),
        description: burn_description(
            p,
            u,
            (svc, slo, "{{ $labels.slo_objective }}"),
            "{{ $labels.slo_window }}",
        ),
    })
}

/// The burn alert's summary, for `service` and `slo` (templates in the rule).
pub(crate) fn burn_summary(env: &str, service: &str, slo: &str) -> String {
    format!("{service} in {env}: {slo} SLO error budget burning too fast")
}

/// The burn alert's description; `(service, slo, objective)` and `firing` (the pair)
/// are templates in the rule and the expected values in the unit tests.
pub(crate) fn burn_description(
    p: &Platform,
    u: Urgency,
    who: (&str, &str, &str),
    firing: &str,
) -> String {
    burn_pairs(p, u).describe(who, firing)
}

/// What a burn alert's description says of its urgency's window pairs: the SLO period,
/// and each pair's factor and time to the budget's exhaustion. The platform's, the
/// same for every SLO (the unit tests write it once per service, not per alert).
pub(crate) struct BurnPairs {
    period: String,
    pairs: String,
}

pub(crate) fn burn_pairs(p: &Platform, u: Urgency) -> BurnPairs {
    let o = &p.observability;
    let (rows, _) = pairs_of(p, u);
    let pairs: Vec<String> = rows
        .iter()
        .map(|w| {
            format!(
                "{} above {}x (budget gone in {})",
                pair_name(w),
                factor(w, o.slo_period_ms),
                exhaustion(w, o.slo_period_ms)
            )
        })
        .collect();
    BurnPairs {
        period: format_ms(o.slo_period_ms),
        pairs: pairs.join("; "),
    }
}

impl BurnPairs {
    /// The description of `(service, slo, objective)` burning over the `firing` pair.
    pub(crate) fn describe(
        &self,
        (service, slo, objective): (&str, &str, &str),
        firing: &str,
    ) -> String {
        format!(
            "The {slo} SLO of {service} ({objective}% over {}) burns its error budget too fast over the {firing} windows. Pairs: {}.",
            self.period, self.pairs
        )
    }
}

/// No data for an SLO (its SLI's requests over the table's shortest window are not
/// recorded), and for a latency SLO no bucket at its threshold while the histogram
/// exists (the ratio would be empty and no burn alert could fire).
fn absent_alerts(p: &Platform, env: &str, kinds: &BTreeSet<SliKind>) -> Vec<AlertSpec> {
    let shortest = windows(p).first().copied().unwrap_or(300_000);
    let for_ms = shortest.max(600_000);
    let window = format_ms(shortest);
    let (svc, slo) = ("{{ $labels.service }}", "{{ $labels.slo_name }}");
    let budgets_of_every_kind = freshest(
        &format!("{SLO_BUDGET}{{{}}}", own(p, env)),
        "namespace, job, slo_name",
    );
    let mut out = vec![AlertSpec {
        name: "SLOMetricsAbsent",
        urgency: Urgency::Ticket,
        expr: format!(
            "max without (job, le) ({budgets_of_every_kind} unless on (namespace, job, slo_name) ({}))",
            events(kinds, env, &window)
        ),
        for_ms,
        summary: format!("{svc} in {env}: no data for the {slo} SLO"),
        description: format!(
            "The series the {slo} SLO of {svc} is computed from are absent, so its burn-rate alerts cannot fire."
        ),
    }];
    if kinds.contains(&SliKind::Latency) {
        let e = format!("{ENV_LABEL}=\"{env}\"");
        let le = "{{ $labels.le }}";
        out.push(AlertSpec {
            name: "SLOLatencyBucketAbsent",
            urgency: Urgency::Ticket,
            expr: format!(
                "max without (job) ({} unless on (namespace, job, le) {BUCKETS}{window}{{{e}}} and on (namespace, job) {BUCKETS}{window}{{{e},le=\"+Inf\"}})",
                budgets(p, env, SliKind::Latency),
            ),
            for_ms,
            summary: format!("{svc} in {env}: no histogram bucket at the latency SLO's {le}s"),
            description: format!(
                "{svc} exposes its latency histogram without a bucket at le={le}, the latency SLO's threshold, so the SLO cannot be computed: add the bucket to the application's histogram."
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_matchers() {
        assert_eq!(kebab("SLOFastBurn"), "slo-fast-burn");
        assert_eq!(kebab("ServiceTargetDown"), "service-target-down");
    }

    #[test]
    fn workbook_table_factors() {
        let w = |long: &str, budget: &str| BurnWindow {
            severity: Urgency::Page,
            tier: "x".into(),
            long_ms: crate::duration::parse_ms(long).unwrap(),
            short_ms: 1,
            budget_percent: Decimal::parse(budget).unwrap(),
            for_ms: 0,
        };
        let month = crate::duration::parse_ms("30d").unwrap();
        assert_eq!(factor(&w("1h", "2"), month).to_string(), "14.4");
        assert_eq!(factor(&w("6h", "5"), month).to_string(), "6");
        assert_eq!(factor(&w("1d", "10"), month).to_string(), "3");
        assert_eq!(factor(&w("3d", "10"), month).to_string(), "1");
        assert_eq!(exhaustion(&w("1h", "2"), month), "2d2h");
        let four_weeks = crate::duration::parse_ms("28d").unwrap();
        assert_eq!(factor(&w("1h", "2"), four_weeks).to_string(), "13.44");
    }
}
