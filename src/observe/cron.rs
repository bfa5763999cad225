//! A cron job's run alerts and their promtool unit tests, from kube-state-metrics
//! (selected by namespace and CronJob name, like the contract's other
//! kube-state-metrics alerts):
//!
//! - `CronJobFailed`: a Job the CronJob owns (`kube_job_owner`) failed
//!   (`kube_job_failed{condition="true"}`, or a failed pod in `kube_job_status_failed`)
//!   and started after the CronJob's last success, so it is the latest outcome. A
//!   failure older than a success stays in the Job history but no longer alerts.
//! - `CronJobLate`: no success (`kube_cronjob_status_last_successful_time`, or the
//!   CronJob's creation before the first) for the schedule's longest gap between runs
//!   plus `monitoring.alerts.cron_late.margin`; a suspended CronJob is not late.
//!
//! The tests' expectations are computed here from the model (the period from
//! `resolve/cron.rs`, the margin and `for` from the platform), never read from the
//! rules: a rule whose threshold or `for` differs fails them.

use super::rules::{AlertSpec, RuleGroup, alert_rule, annotations, base_labels};
use super::unit_tests::{AlertRuleTest, ExpectedAlert, InputSeries, UnitTest};
use crate::duration::format_ms;
use crate::resolve::{Cron, Platform, ResolvedService};

const FAILED: &str = "CronJobFailed";
const LATE: &str = "CronJobLate";

/// The seconds without a success after which the job is late: period plus margin.
pub(crate) fn late_after_seconds(p: &Platform, cron: &Cron) -> u64 {
    cron.period_minutes * 60 + p.observability.alerts["cron_late"].threshold / 1000
}

/// The `{name}-cron` group: the two alerts, each unless its environment drops it.
pub(super) fn cron_group(p: &Platform, env: &str, s: &ResolvedService, cron: &Cron) -> RuleGroup {
    let o = &p.observability;
    let (ns, name) = (&s.namespace, &s.name);
    let cronjob = format!("namespace=\"{ns}\",cronjob=\"{name}\"");
    let owned = format!(
        "max by (namespace) (kube_job_status_start_time{{namespace=\"{ns}\"}} * on (namespace, job_name) group_left () kube_job_owner{{namespace=\"{ns}\",owner_kind=\"CronJob\",owner_name=\"{name}\"}} and on (namespace, job_name) (kube_job_failed{{namespace=\"{ns}\",condition=\"true\"}} == 1 or kube_job_status_failed{{namespace=\"{ns}\"}} > 0))"
    );
    let success =
        format!("max by (namespace) (kube_cronjob_status_last_successful_time{{{cronjob}}})");
    let late_after = late_after_seconds(p, cron);
    let failed = AlertSpec {
        name: FAILED,
        urgency: o.alerts["cron_failed"].severity,
        expr: format!(
            "{owned} > on (namespace) {success} or ({owned} unless on (namespace) {success})"
        ),
        for_ms: o.alerts["cron_failed"].for_ms,
        summary: failed_summary(env, s),
        description: failed_description(s),
    };
    let late = AlertSpec {
        name: LATE,
        urgency: o.alerts["cron_late"].severity,
        expr: format!(
            "time() - max by (namespace) (kube_cronjob_status_last_successful_time{{{cronjob}}} or kube_cronjob_created{{{cronjob}}}) > {late_after} unless on (namespace) (kube_cronjob_spec_suspend{{{cronjob}}} == 1)"
        ),
        for_ms: o.alerts["cron_late"].for_ms,
        summary: late_summary(env, s),
        description: late_description(s, cron, late_after),
    };
    RuleGroup {
        name: format!("{name}-cron"),
        interval: None,
        rules: [failed, late]
            .into_iter()
            .filter_map(|a| alert_rule(p, env, s, a))
            .collect(),
    }
}

fn failed_summary(env: &str, s: &ResolvedService) -> String {
    format!("{} in {env}: the latest run failed", s.name)
}

fn failed_description(s: &ResolvedService) -> String {
    format!(
        "A Job of the CronJob {} in namespace {} failed after its last success; `kubectl -n {} get jobs` lists it.",
        s.name, s.namespace, s.namespace
    )
}

fn late_summary(env: &str, s: &ResolvedService) -> String {
    format!("{} in {env}: no successful run in time", s.name)
}

fn late_description(s: &ResolvedService, cron: &Cron, late_after: u64) -> String {
    format!(
        "The CronJob {} (schedule `{}`) has not succeeded for over {}: its schedule's longest gap between runs plus the margin.",
        s.name,
        cron.schedule,
        format_ms(late_after * 1000)
    )
}

/// The unit tests of both alerts (those the environment keeps).
pub(super) fn cron_tests(
    p: &Platform,
    env: &str,
    s: &ResolvedService,
    cron: &Cron,
) -> Vec<UnitTest> {
    let mut tests = Vec::new();
    if let Some(severity) = p
        .observability
        .urgency_in(env, p.observability.alerts["cron_failed"].severity)
    {
        tests.push(failed_test(p, env, s, severity.label()));
    }
    if let Some(severity) = p
        .observability
        .urgency_in(env, p.observability.alerts["cron_late"].severity)
    {
        tests.extend(late_tests(p, env, s, cron, severity.label()));
    }
    tests
}

/// The first whole minute after `ms`, or `ms` itself on a minute: the first
/// evaluation (every minute) at which `for` has passed.
fn minutes_up(ms: u64) -> u64 {
    ms.div_ceil(60_000)
}

fn expected(
    p: &Platform,
    env: &str,
    s: &ResolvedService,
    alert: &str,
    severity: &str,
    summary: String,
    description: String,
) -> ExpectedAlert {
    let mut labels = base_labels(env, s);
    labels.insert("severity".into(), severity.into());
    ExpectedAlert {
        exp_labels: labels,
        exp_annotations: annotations(p, env, s, alert, summary, description),
    }
}

fn check(minute: u64, alertname: &'static str, fires: Option<&ExpectedAlert>) -> AlertRuleTest {
    AlertRuleTest {
        eval_time: format!("{minute}m"),
        alertname,
        exp_alerts: fires.into_iter().cloned().collect(),
    }
}

/// A Job fails at minute 20 after a success at time 0; a later Job succeeds five
/// minutes after the alert fires. Checked: the minute before it fires, the minute
/// it fires, and after the success.
fn failed_test(p: &Platform, env: &str, s: &ResolvedService, severity: &str) -> UnitTest {
    let ns = &s.namespace;
    let job = format!("{}-failed", s.name);
    let failed_at = 20;
    let fires = failed_at + minutes_up(p.observability.alerts["cron_failed"].for_ms);
    let succeeded_at = fires + 5;
    let end = succeeded_at + 2;
    let job_labels = format!("namespace=\"{ns}\",job_name=\"{job}\"");
    let series = |series: String, values: String| InputSeries { series, values };
    let input_series = vec![
        series(
            format!(
                "kube_job_owner{{{job_labels},owner_kind=\"CronJob\",owner_name=\"{}\",owner_is_controller=\"true\"}}",
                s.name
            ),
            format!("1x{end}"),
        ),
        series(
            format!("kube_job_status_start_time{{{job_labels}}}"),
            format!("600x{end}"),
        ),
        series(
            format!("kube_job_failed{{{job_labels},condition=\"true\"}}"),
            format!("0x{} 1x{}", failed_at - 1, end - failed_at),
        ),
        series(
            format!("kube_job_status_failed{{{job_labels},reason=\"BackoffLimitExceeded\"}}"),
            format!("0x{} 1x{}", failed_at - 1, end - failed_at),
        ),
        series(
            format!(
                "kube_cronjob_status_last_successful_time{{namespace=\"{ns}\",cronjob=\"{}\"}}",
                s.name
            ),
            format!(
                "0x{} {}x{}",
                succeeded_at - 1,
                succeeded_at * 60,
                end - succeeded_at
            ),
        ),
    ];
    let alert = expected(
        p,
        env,
        s,
        FAILED,
        severity,
        failed_summary(env, s),
        failed_description(s),
    );
    UnitTest {
        name: format!(
            "{} cron: a failed run alerts until a later run succeeds",
            s.name
        ),
        interval: "1m".to_string(),
        input_series,
        alert_rule_test: vec![
            check(fires - 1, FAILED, None),
            check(fires, FAILED, Some(&alert)),
            check(end, FAILED, None),
        ],
    }
}

/// The last success lies `late_after` seconds minus ten minutes before time 0, so
/// the job turns late after minute 10 and the test stays short whatever the
/// period. Checked: the minute before and the minute it fires; a suspended job
/// never fires.
fn late_tests(
    p: &Platform,
    env: &str,
    s: &ResolvedService,
    cron: &Cron,
    severity: &str,
) -> Vec<UnitTest> {
    let late_after = late_after_seconds(p, cron);
    let last_success = 600_i64 - i64::try_from(late_after).unwrap_or(i64::MAX);
    // `time() - last_success > late_after` holds from the first minute after 10.
    let late_from = 11;
    let fires = late_from + minutes_up(p.observability.alerts["cron_late"].for_ms);
    let end = fires + 2;
    let cronjob = format!("namespace=\"{}\",cronjob=\"{}\"", s.namespace, s.name);
    let alert = expected(
        p,
        env,
        s,
        LATE,
        severity,
        late_summary(env, s),
        late_description(s, cron, late_after),
    );
    let scenario = |suspended: bool| {
        let mut input_series = vec![
            InputSeries {
                series: format!("kube_cronjob_status_last_successful_time{{{cronjob}}}"),
                values: format!("{last_success}+0x{end}"),
            },
            InputSeries {
                series: format!("kube_cronjob_spec_suspend{{{cronjob}}}"),
                values: format!("{}x{end}", u8::from(suspended)),
            },
        ];
        input_series.sort_by(|a, b| a.series.cmp(&b.series));
        let firing = (!suspended).then_some(&alert);
        UnitTest {
            name: match suspended {
                false => format!("{} cron: no success for the period plus the margin", s.name),
                true => format!("{} cron: a suspended job is never late", s.name),
            },
            interval: "1m".to_string(),
            input_series,
            alert_rule_test: vec![
                check(fires - 1, LATE, None),
                check(fires, LATE, firing),
                check(end, LATE, firing),
            ],
        }
    };
    vec![scenario(false), scenario(true)]
}

#[cfg(test)]
mod tests {
    use super::minutes_up;

    #[test]
    fn for_rounds_up_to_the_next_evaluation() {
        assert_eq!(minutes_up(0), 0);
        assert_eq!(minutes_up(300_000), 5);
        assert_eq!(minutes_up(90_000), 2);
    }
}
