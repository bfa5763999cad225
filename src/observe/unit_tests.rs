//! `promtool test rules` files proving each SLO's burn-rate alerts.
//!
//! For every window pair: traffic just above its threshold (×1.1) and just below it
//! (×0.9), so a threshold 20% off fails; a burn that stops, so only the long window
//! is still above the threshold (removing the short-window condition fails); and one
//! quiet scenario under `min_events`. The tests of pairs whose long window is longer
//! than 1h are sampled and evaluated every 10 minutes, in a second test file
//! (`<service>.long.test.yaml`, `evaluation_interval: 10m`). Traffic otherwise
//! carries at least twice `min_events` requests a minute, so the low-traffic guard
//! never hides a burn.
//!
//! What each test expects is simulated here from the model, minute by minute, as
//! Prometheus evaluates it (window ratios from counters, the first firing pair of an
//! urgency naming the alert, `for` counted from when that pair started): never read
//! back from the rules. Each alert is checked the evaluation before it fires and the
//! one it fires at, which pins `for` (to the minute in the one-minute file).
//!
//! The tests load the environment's SLO rules (the platform file: recordings, burn
//! rates and alerts) with the service's budgets, evaluated first, so they prove the
//! two together.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock, Mutex};

use serde::Serialize;

use super::rules::{
    BurnPairs, RuleGroup, SloSpec, annotations, burn_alert, burn_pairs, burn_summary, info_labels,
    latency_threshold, pair_name, pairs_of, slo_shape, slos, threshold,
};
use super::selector;
use crate::decimal::Decimal;
use crate::duration::format_ms;
use crate::resolve::{BurnWindow, Platform, ResolvedService, Urgency, Workload};

#[derive(Debug, Serialize)]
pub(crate) struct UnitTestFile {
    pub(crate) rule_files: Vec<String>,
    pub(crate) evaluation_interval: String,
    /// The rule file's order: long-window recordings before the alerts reading them
    /// (promtool otherwise orders groups by name).
    pub(crate) group_eval_order: Vec<String>,
    pub(crate) tests: Vec<UnitTest>,
}

#[derive(Debug, Serialize)]
pub(crate) struct UnitTest {
    pub(crate) name: String,
    /// The input series' sample interval (`1m`, or coarser for days-long tests).
    pub(crate) interval: String,
    pub(crate) input_series: Vec<InputSeries>,
    pub(crate) alert_rule_test: Vec<AlertRuleTest>,
}

#[derive(Debug, Serialize)]
pub(crate) struct InputSeries {
    pub(crate) series: String,
    pub(crate) values: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct AlertRuleTest {
    pub(crate) eval_time: String,
    pub(crate) alertname: &'static str,
    pub(crate) exp_alerts: Vec<ExpectedAlert>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ExpectedAlert {
    pub(crate) exp_labels: BTreeMap<String, String>,
    pub(crate) exp_annotations: BTreeMap<String, String>,
}

/// Requests per minute in the synthetic traffic, unless `min_events` asks for more.
const PER_MINUTE: i64 = 1000;

/// The tests of pairs whose long window is above this are sampled and evaluated
/// every [`COARSE_STEP`] minutes: promtool evaluates every rule at every step, so
/// hours of one-minute steps take it tens of seconds per service.
const FINE_MAX_MS: u64 = 3_600_000;

/// Minutes between samples and evaluations of the coarse tests: a third of the
/// shortest short window they cover (30m), so every window holds several samples.
const COARSE_STEP: u64 = 10;

/// The longest long window that gets a stopped-burn test. Cost grows with the
/// window: the 3d pair keeps its threshold tests only.
const STOPPED_BURN_MAX_MS: u64 = 86_400_000;

/// Synthetic traffic: phases of (minutes, error ratio) at `per_minute` requests,
/// sampled every `step` minutes (each phase a multiple of it).
struct Traffic {
    per_minute: Decimal,
    phases: Vec<(u64, Decimal)>,
    step: u64,
}

impl Traffic {
    fn minutes(&self) -> u64 {
        self.phases.iter().map(|(m, _)| m).sum()
    }

    /// Cumulative (bad, total) requests at every `step`-th minute, from 0: promtool
    /// samples and evaluates only then (each phase is a multiple of `step`).
    fn counters(&self) -> Vec<(Decimal, Decimal)> {
        let every = Decimal::from_int(self.step as i64);
        let total = self.per_minute.times(every);
        let mut out = vec![(Decimal::ZERO, Decimal::ZERO)];
        for (minutes, ratio) in &self.phases {
            let bad = self.per_minute.times(*ratio).times(every);
            for _ in 0..minutes / self.step {
                let (b, n) = out[out.len() - 1];
                out.push((b.plus(bad), n.plus(total)));
            }
        }
        out
    }

    /// The counter's values in promtool's expanding notation, one segment per phase.
    fn values(&self, pick: impl Fn(Decimal, Decimal) -> Decimal) -> String {
        let mut segments = Vec::new();
        let mut at = Decimal::ZERO;
        let every = Decimal::from_int(self.step as i64);
        for (i, (minutes, ratio)) in self.phases.iter().enumerate() {
            let step = pick(self.per_minute.times(*ratio), self.per_minute).times(every);
            let samples = minutes / self.step;
            // The first segment includes the value at minute 0.
            let (start, count) = match i {
                0 => (at, samples),
                _ => (at.plus(step), samples - 1),
            };
            segments.push(format!("{start}+{step}x{count}"));
            at = start.plus(step.times(Decimal::from_int(count as i64)));
        }
        segments.join(" ")
    }
}

/// A scenario's name and traffic.
struct Scenario {
    name: String,
    traffic: Traffic,
    /// Traffic just above the threshold of its urgency's first pair: what an SLO whose
    /// thresholds another SLO's tests prove is still tested with, so its own series,
    /// selectors and labels are shown to reach the alert.
    wiring: bool,
}

/// The SLOs of an environment whose thresholds another SLO's tests prove: SLO id ->
/// the name of the service whose SLO of the same shape comes first in `services` and
/// gets every threshold test. An SLO absent here gets them all. Without this, 1,000
/// services with the same objective would each carry the same threshold matrix,
/// about 40 KB of tests per service and environment.
///
/// The shape is the SLO's kind and objective: with the platform and environment
/// fixed, nothing else of a service reaches its rules but who it is (name,
/// namespace, team, the latency bucket), which its own wiring tests prove. Debug
/// builds (every test) check that claim on the rules themselves ([`slo_shape`]), so
/// once a new per-service input reaches the rules, any test with two SLOs of one key
/// that differ in it fails until the input joins the key.
pub(crate) fn shared_thresholds(
    p: &Platform,
    services: &[&ResolvedService],
) -> BTreeMap<String, String> {
    type Shape = (&'static str, Decimal);
    let mut first: BTreeMap<Shape, (&ResolvedService, SloSpec)> = BTreeMap::new();
    let mut covered = BTreeMap::new();
    for s in services {
        if matches!(s.workload, Workload::Cron(_)) || s.metrics.is_none() {
            continue;
        }
        for spec in slos(s) {
            match first.get(&(spec.name, spec.objective)) {
                None => {
                    first.insert((spec.name, spec.objective), (s, spec));
                }
                Some((rep, rep_spec)) => {
                    debug_assert_eq!(
                        slo_shape(p, s, &spec),
                        slo_shape(p, rep, rep_spec),
                        "{} and {} share a shape key but not their rules",
                        spec.id,
                        rep_spec.id
                    );
                    covered.insert(spec.id, rep.name.clone());
                }
            }
        }
    }
    covered
}

/// The unit tests of a service: one file evaluated every minute and, for the pairs
/// of long windows, one evaluated every [`COARSE_STEP`] minutes (promtool
/// evaluates every rule at every step, so a day at one minute costs seconds of CPU
/// per test). Empty when it has no SLO or its environment raises no burn alert.
/// `rule_files` are the rule files' paths relative to the test file, the platform's
/// SLI recordings (`platform`, evaluated first) before the service's. An SLO named in
/// `shared` (see [`shared_thresholds`]) gets only its wiring scenarios.
pub(crate) fn unit_tests(
    p: &Platform,
    env: &str,
    s: &ResolvedService,
    rule_files: &[String],
    (platform, own): (&[RuleGroup], &[RuleGroup]),
    shared: &BTreeMap<String, String>,
) -> Vec<(TestFileKind, UnitTestFile)> {
    // The groups the tests evaluate, in order: the platform's, then the service's own
    // (`rule_groups(p, env, s)`, which the caller has written already).
    // The service's budgets first, so the environment's rules join them from the first
    // evaluation on.
    let order = || -> Vec<String> { own.iter().chain(platform).map(|g| g.name.clone()).collect() };
    if let Workload::Cron(cron) = &s.workload {
        let tests = super::cron::cron_tests(p, env, s, cron);
        if tests.is_empty() {
            return Vec::new();
        }
        return vec![(
            TestFileKind::Fine,
            UnitTestFile {
                rule_files: rule_files.to_vec(),
                evaluation_interval: "1m".into(),
                group_eval_order: order(),
                tests,
            },
        )];
    }
    let specs = slos(s);
    let urgencies: Vec<Urgency> = [Urgency::Page, Urgency::Ticket]
        .into_iter()
        .filter(|u| !pairs_of(p, *u).0.is_empty() && p.observability.urgency_in(env, *u).is_some())
        .collect();
    if specs.is_empty() || s.metrics.is_none() || urgencies.is_empty() {
        return Vec::new();
    }
    let described: Vec<(Urgency, BurnPairs)> =
        urgencies.iter().map(|u| (*u, burn_pairs(p, *u))).collect();
    let (mut fine, mut coarse) = (Vec::new(), Vec::new());
    for spec in &specs {
        let proven_by = shared.get(&spec.id);
        let mut alerts = Expected::new(p, (env, s, spec), &described);
        for scenario in scenarios(p, spec) {
            if proven_by.is_some() && !scenario.wiring {
                continue;
            }
            let checks = checks(&mut alerts, &urgencies, &scenario.traffic);
            let name = match proven_by {
                None => format!("{} {} SLO: {}", s.name, spec.name, scenario.name),
                Some(other) => format!(
                    "{} {} SLO: {} (the other thresholds are tested with {other}'s SLO of the same shape)",
                    s.name, spec.name, scenario.name
                ),
            };
            let test = UnitTest {
                name,
                interval: format!("{}m", scenario.traffic.step),
                input_series: series(p, s, spec, &scenario.traffic),
                alert_rule_test: checks,
            };
            match scenario.traffic.step {
                1 => fine.push(test),
                _ => coarse.push(test),
            }
        }
    }
    let groups = order();
    [
        (TestFileKind::Fine, fine, 1),
        (TestFileKind::Coarse, coarse, COARSE_STEP),
    ]
    .into_iter()
    .filter(|(_, tests, _)| !tests.is_empty())
    .map(|(kind, tests, step)| {
        let file = UnitTestFile {
            rule_files: rule_files.to_vec(),
            evaluation_interval: format!("{step}m"),
            group_eval_order: groups.clone(),
            tests,
        };
        (kind, file)
    })
    .collect()
}

/// Which of a service's two test files: evaluated every minute, or every
/// [`COARSE_STEP`] minutes (the pairs of long windows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TestFileKind {
    Fine,
    Coarse,
}

impl TestFileKind {
    /// The file name's suffix after the service's name: a service name has no `.`.
    pub(crate) fn suffix(self) -> &'static str {
        match self {
            TestFileKind::Fine => ".test.yaml",
            TestFileKind::Coarse => ".long.test.yaml",
        }
    }
}

/// Requests a minute: [`PER_MINUTE`], or twice `min_events` when that is more, so the
/// guard passes from the first evaluation on.
fn per_minute(p: &Platform) -> Decimal {
    let min = p.observability.min_events.saturating_mul(2);
    Decimal::from_int(PER_MINUTE.max(i64::try_from(min).unwrap_or(i64::MAX)))
}

/// Minutes after which every alert whose condition holds from the start has fired.
fn settle_minutes(p: &Platform) -> u64 {
    let longest_for = [Urgency::Page, Urgency::Ticket]
        .into_iter()
        .map(|u| pairs_of(p, u).1)
        .max()
        .unwrap_or(0);
    longest_for.div_ceil(60_000) + 10
}

fn scenarios(p: &Platform, spec: &SloSpec) -> Vec<Scenario> {
    let o = &p.observability;
    let n = per_minute(p);
    let settle = settle_minutes(p);
    let one = Decimal::from_int(1);
    // Long enough for the pair's own urgency to fire (its `for` plus a margin): every
    // evaluation step costs promtool the whole rule set.
    let constant = |ratio: Decimal, w: &BurnWindow| Traffic {
        per_minute: n,
        phases: vec![(
            (pairs_of(p, w.severity).1.div_ceil(60_000) + 10).next_multiple_of(step_of(w)),
            ratio.min(one),
        )],
        step: step_of(w),
    };
    let mut out = Vec::new();
    for w in &o.windows {
        let t = threshold(w, o.slo_period_ms, spec);
        let pair = pair_name(w);
        let first_of_urgency = pairs_of(p, w.severity)
            .0
            .first()
            .is_some_and(|f| std::ptr::eq(*f, w));
        out.push(Scenario {
            name: format!("just above the {pair} threshold"),
            traffic: constant(t.times(Decimal::parse("1.1").unwrap_or(one)), w),
            wiring: first_of_urgency,
        });
        out.push(Scenario {
            name: format!("just below the {pair} threshold"),
            traffic: constant(t.times(Decimal::parse("0.9").unwrap_or(one)), w),
            wiring: false,
        });
        if let Some(traffic) = stopped_burn(p, w, t, n) {
            out.push(Scenario {
                name: format!("a burn that stopped, only the {pair} long window above"),
                traffic,
                wiring: false,
            });
        }
    }
    // Under `min_events` over the whole test: a total burn raises nothing.
    let quiet = Decimal::from_int(o.min_events as i64)
        .checked_div(Decimal::from_int(4 * settle as i64))
        .unwrap_or(Decimal::ZERO);
    out.push(Scenario {
        name: "every request failing, fewer than min_events".into(),
        traffic: Traffic {
            per_minute: quiet,
            phases: vec![(settle, one)],
            step: 1,
        },
        wiring: false,
    });
    out
}

/// Minutes between the samples and evaluations of a pair's tests.
fn step_of(w: &BurnWindow) -> u64 {
    match w.long_ms > FINE_MAX_MS {
        true => COARSE_STEP,
        false => 1,
    }
}

/// A burn of the pair's long window that stopped long enough ago for its short window
/// (and the alert's `for`) to pass: the long window is still at twice the threshold.
fn stopped_burn(p: &Platform, w: &BurnWindow, t: Decimal, n: Decimal) -> Option<Traffic> {
    if w.long_ms > STOPPED_BURN_MAX_MS {
        return None;
    }
    let step = step_of(w);
    let (_, for_ms) = pairs_of(p, w.severity);
    let gap = ((w.short_ms + for_ms) / 60_000 + 2).next_multiple_of(step);
    let end = w.long_ms / 60_000;
    if !end.is_multiple_of(step) {
        return None;
    }
    let burn = end.checked_sub(gap).filter(|b| *b > 0)?;
    let ratio = t
        .times(Decimal::from_int(2 * end as i64))
        .checked_div(Decimal::from_int(burn as i64))?
        .min(Decimal::from_int(1));
    // The long window's ratio at the end must still clear the threshold.
    let long_ratio = ratio
        .times(Decimal::from_int(burn as i64))
        .checked_div(Decimal::from_int(end as i64))?;
    (long_ratio > t).then_some(Traffic {
        per_minute: n,
        phases: vec![(burn, ratio), (gap, Decimal::ZERO)],
        step,
    })
}

/// The input series: the requests counter split by code, or the latency histogram's
/// threshold bucket (good requests) and `+Inf` bucket (all requests).
fn series(p: &Platform, s: &ResolvedService, spec: &SloSpec, t: &Traffic) -> Vec<InputSeries> {
    let sel = selector(s);
    let bad = t.values(|bad, _| bad);
    let good = t.values(|bad, all| all.minus(bad));
    let all = t.values(|_, all| all);
    match spec.name {
        "availability" => {
            let m = &p.observability.requests_metric;
            vec![
                InputSeries {
                    series: format!("{m}{{{sel},code=\"500\"}}"),
                    values: bad,
                },
                InputSeries {
                    series: format!("{m}{{{sel},code=\"200\"}}"),
                    values: good,
                },
            ]
        }
        _ => {
            let m = &p.observability.duration_metric;
            // The series' `le` is written as Prometheus 3 writes it (`1.0` for 1); the
            // rules read it as Prometheus 2 writes it too (`1`).
            let threshold = latency_threshold(s).to_string();
            let le = match threshold.contains('.') {
                true => format!("le=\"{threshold}\""),
                false => format!("le=\"{threshold}.0\""),
            };
            vec![
                InputSeries {
                    series: format!("{m}{{{sel},{le}}}"),
                    values: good,
                },
                InputSeries {
                    series: format!("{m}{{{sel},le=\"+Inf\"}}"),
                    values: all,
                },
            ]
        }
    }
}

/// The bad and total requests over a window ending at `minute`, from the samples
/// inside it (every `step` minutes, both ends included); `None` before two samples
/// exist.
fn window(
    counters: &[(Decimal, Decimal)],
    minute: u64,
    window_ms: u64,
    step: u64,
) -> Option<(Decimal, Decimal)> {
    let (from, to) = window_samples(minute, window_ms, step)?;
    let (b0, n0) = counters[from];
    let (b1, n1) = counters[to];
    Some((b1.minus(b0), n1.minus(n0)))
}

/// The indices of the first and last samples of a window ending at `minute`; `None`
/// before two samples exist.
fn window_samples(minute: u64, window_ms: u64, step: u64) -> Option<(usize, usize)> {
    let minutes = window_ms / 60_000;
    let from = minute.saturating_sub(minutes).div_ceil(step);
    let to = minute / step;
    (to > from).then_some((from as usize, to as usize))
}

/// The counters of a scenario as whole numbers at one scale: the simulation asks
/// for two windows per pair at every step, and integer arithmetic, being exact too,
/// decides exactly what the [`Decimal`] arithmetic decides at a fraction of its cost.
/// `None` if a number would not fit, and then the simulation uses [`Decimal`]s.
struct Scaled {
    /// Cumulative (bad, total) requests at every sample, in `10^-scale` units.
    counters: Vec<(i128, i128)>,
    scale: u32,
    /// `min_events` in the same units.
    min: i128,
}

impl Scaled {
    fn of(t: &Traffic, min: Decimal) -> Option<Scaled> {
        let every = Decimal::from_int(t.step as i64);
        let total = t.per_minute.times(every);
        let bad: Vec<Decimal> = t
            .phases
            .iter()
            .map(|(_, ratio)| t.per_minute.times(*ratio).times(every))
            .collect();
        let scale = bad.iter().chain([&total]).map(|d| d.decimals()).max()?;
        let total_units = total.units_at(scale)?;
        let mut counters = Vec::with_capacity((t.minutes() / t.step) as usize + 1);
        let (mut b, mut n) = (0i128, 0i128);
        counters.push((b, n));
        for ((minutes, _), bad) in t.phases.iter().zip(bad) {
            let bad_units = bad.units_at(scale)?;
            for _ in 0..minutes / t.step {
                b = b.checked_add(bad_units)?;
                n = n.checked_add(total_units)?;
                counters.push((b, n));
            }
        }
        Some(Scaled {
            counters,
            scale,
            min: min.units_at(scale)?,
        })
    }

    fn window(&self, minute: u64, window_ms: u64, step: u64) -> Option<(i128, i128)> {
        let (from, to) = window_samples(minute, window_ms, step)?;
        let (b0, n0) = self.counters[from];
        let (b1, n1) = self.counters[to];
        Some((b1 - b0, n1 - n0))
    }

    /// [`above`] on integers: `bad × 10^s > threshold_units × requests`, with `s` the
    /// threshold's decimals (both counts share one scale, so it cancels).
    fn above(&self, window: Option<(i128, i128)>, threshold: Decimal) -> bool {
        let Some((bad, requests)) = window else {
            return false;
        };
        let s = threshold.decimals();
        let exact = threshold.units_at(s).and_then(|units| {
            let left = bad.checked_mul(10i128.checked_pow(s)?)?;
            Some(requests > 0 && left > units.checked_mul(requests)?)
        });
        exact.unwrap_or_else(|| {
            let at = |units| Decimal::from_units(units, self.scale);
            above(Some((at(bad), at(requests))), threshold)
        })
    }

    /// [`firing_pair`] on integers.
    fn firing_pair(&self, pairs: &[PairCheck], step: u64, minute: u64) -> Option<usize> {
        pairs.iter().position(|c| {
            let long = self.window(minute, c.window.long_ms, step);
            let short = self.window(minute, c.window.short_ms, step);
            long.is_some_and(|(_, requests)| requests >= self.min)
                && self.above(long, c.threshold)
                && self.above(short, c.threshold)
        })
    }
}

/// Whether a window's error ratio is above `threshold`: `bad / requests > threshold`,
/// compared as `bad > threshold × requests` (no division; no requests, no ratio).
fn above(window: Option<(Decimal, Decimal)>, threshold: Decimal) -> bool {
    window
        .is_some_and(|(bad, requests)| requests > Decimal::ZERO && bad > threshold.times(requests))
}

/// One window pair of an urgency with its threshold, computed once per scenario
/// rather than at every simulated minute.
struct PairCheck<'a> {
    window: &'a BurnWindow,
    threshold: Decimal,
}

/// The firing pair of an urgency at `minute` (its index in `pairs`): the first whose
/// windows are above its threshold with at least `min` requests in the long window.
fn firing_pair(
    pairs: &[PairCheck],
    min: Decimal,
    (counters, step): (&[(Decimal, Decimal)], u64),
    minute: u64,
) -> Option<usize> {
    pairs.iter().position(|c| {
        let long = window(counters, minute, c.window.long_ms, step);
        let short = window(counters, minute, c.window.short_ms, step);
        long.is_some_and(|(_, requests)| requests >= min)
            && above(long, c.threshold)
            && above(short, c.threshold)
    })
}

/// The pair an urgency's alert fires for at each minute (`None`: not firing), with
/// `for` counted from when that pair became the firing one; evaluated every `step`
/// minutes, as the test file's `evaluation_interval` has promtool do.
/// What [`timeline`] returns: the urgency's pair names, and at each minute the index
/// of the pair firing (indices, so a long scenario does not copy a name per minute).
struct Timeline {
    names: Vec<String>,
    firing: Firing,
}

/// At each minute, the index of the pair firing, if any; shared between the
/// scenarios that run the same simulation.
type Firing = Arc<[Option<usize>]>;

fn timeline(p: &Platform, spec: &SloSpec, u: Urgency, t: &Traffic) -> Timeline {
    let o = &p.observability;
    let (windows, for_ms) = pairs_of(p, u);
    let pairs: Vec<PairCheck> = windows
        .iter()
        .map(|w| PairCheck {
            window: w,
            threshold: threshold(w, o.slo_period_ms, spec),
        })
        .collect();
    let names: Vec<String> = windows.iter().map(|w| pair_name(w)).collect();
    let min = Decimal::from_int(o.min_events as i64);
    let for_minutes = for_ms.div_ceil(60_000);
    let firing = Simulation::of(&pairs, min, for_minutes, t)
        .run_once(|| simulate(&pairs, min, for_minutes, t));
    Timeline { names, firing }
}

/// Simulates what fires at each minute of `t` (see [`Timeline`]).
fn simulate(pairs: &[PairCheck], min: Decimal, for_minutes: u64, t: &Traffic) -> Firing {
    let scaled = Scaled::of(t, min);
    let counters = match scaled {
        Some(_) => Vec::new(),
        None => t.counters(),
    };
    let mut state: Option<(usize, u64)> = None;
    let mut last: Option<usize> = None;
    (0..=t.minutes())
        .map(|minute| {
            // promtool evaluates every `step` minutes: between two, nothing changes.
            if minute.is_multiple_of(t.step) {
                let pair = match &scaled {
                    Some(scaled) => scaled.firing_pair(pairs, t.step, minute),
                    None => firing_pair(pairs, min, (&counters, t.step), minute),
                };
                state = match (pair, state.take()) {
                    (Some(pair), Some((old, since))) if pair == old => Some((old, since)),
                    (Some(pair), _) => Some((pair, minute)),
                    (None, _) => None,
                };
                last = state
                    .filter(|(_, since)| minute - since >= for_minutes)
                    .map(|(pair, _)| pair);
            }
            last
        })
        .collect()
}

/// Everything [`simulate`] reads, as a key: each pair's windows and threshold, the
/// minimum of requests, `for`, and the traffic. Every service whose SLO has the same
/// objective runs the same scenarios (its wiring scenarios, at least), so most
/// simulations of a large platform repeat one already run.
#[derive(PartialEq, Eq, Hash)]
struct Simulation {
    pairs: Vec<(u64, u64, Decimal)>,
    min: Decimal,
    for_minutes: u64,
    per_minute: Decimal,
    phases: Vec<(u64, Decimal)>,
    step: u64,
}

/// Simulations already run, by what they read. A simulation is a pure function of its
/// key, so the results are the same whichever thread ran it first. Bounded: a long
/// process compiling many platforms starts over past [`Simulation::KEPT`] keys.
static SIMULATED: LazyLock<Mutex<HashMap<Simulation, Firing>>> = LazyLock::new(Mutex::default);

impl Simulation {
    const KEPT: usize = 4096;

    fn of(pairs: &[PairCheck], min: Decimal, for_minutes: u64, t: &Traffic) -> Simulation {
        Simulation {
            pairs: pairs
                .iter()
                .map(|c| (c.window.long_ms, c.window.short_ms, c.threshold))
                .collect(),
            min,
            for_minutes,
            per_minute: t.per_minute,
            phases: t.phases.clone(),
            step: t.step,
        }
    }

    /// The result of this simulation: the one already run, else `run`'s (kept).
    fn run_once(self, run: impl FnOnce() -> Firing) -> Firing {
        let known = || SIMULATED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(done) = known().get(&self) {
            return Arc::clone(done);
        }
        // Run outside the lock: another thread may run the same one meanwhile, and
        // both get the same result.
        let firing = run();
        let mut cache = known();
        if cache.len() >= Self::KEPT {
            cache.clear();
        }
        cache.insert(self, Arc::clone(&firing));
        firing
    }
}

/// The checks of one scenario: for each urgency, the evaluation before and the one its
/// alert first fires at, and the end; what fires then comes from the simulation.
fn checks(alerts: &mut Expected, urgencies: &[Urgency], t: &Traffic) -> Vec<AlertRuleTest> {
    let lines: Vec<(Urgency, Timeline)> = urgencies
        .iter()
        .map(|u| (*u, timeline(alerts.p, alerts.spec, *u, t)))
        .collect();
    let mut minutes = vec![t.minutes()];
    for (_, line) in &lines {
        if let Some(first) = line.firing.iter().position(Option::is_some) {
            minutes.extend([(first as u64).saturating_sub(t.step), first as u64]);
        }
    }
    minutes.sort_unstable();
    minutes.dedup();
    let mut out = Vec::new();
    for minute in minutes {
        for (u, line) in &lines {
            let exp_alerts = line.firing[minute as usize]
                .iter()
                .map(|&pair| alerts.of(*u, &line.names[pair]))
                .collect();
            out.push(AlertRuleTest {
                eval_time: format_ms(minute * 60_000),
                alertname: burn_alert(*u),
                exp_alerts,
            });
        }
    }
    out
}

/// The alerts one SLO raises, each written once: every scenario of the SLO expects
/// the same few (one per urgency and pair), and writing one (labels, and a
/// description that computes each pair's factor) costs far more than a copy.
struct Expected<'a> {
    p: &'a Platform,
    env: &'a str,
    s: &'a ResolvedService,
    spec: &'a SloSpec,
    /// Each urgency's pairs as the descriptions give them.
    described: &'a [(Urgency, BurnPairs)],
    written: Vec<(Urgency, String, ExpectedAlert)>,
}

impl<'a> Expected<'a> {
    fn new(
        p: &'a Platform,
        (env, s, spec): (&'a str, &'a ResolvedService, &'a SloSpec),
        described: &'a [(Urgency, BurnPairs)],
    ) -> Self {
        Expected {
            p,
            env,
            s,
            spec,
            described,
            written: Vec::new(),
        }
    }

    /// The alert urgency `u` raises for `pair`.
    fn of(&mut self, u: Urgency, pair: &str) -> ExpectedAlert {
        let known = self
            .written
            .iter()
            .find(|(wu, wp, _)| *wu == u && wp == pair);
        if let Some((_, _, alert)) = known {
            return alert.clone();
        }
        let alert = self.write(u, pair);
        self.written.push((u, pair.to_string(), alert.clone()));
        alert
    }

    /// The alert urgency `u` raises for `pair`: the SLO's labels, the pair, the
    /// environment's severity, and the annotations written for that pair.
    fn write(&self, u: Urgency, pair: &str) -> ExpectedAlert {
        let (p, env, s, spec) = (self.p, self.env, self.s, self.spec);
        // The budget recording's labels without `job`, `le` and `dashboard_url`, as the
        // burn rates carry them.
        let mut labels = info_labels(p, s);
        labels.remove("job");
        labels.remove("dashboard_url");
        labels.extend([
            ("slo_id".to_string(), spec.id.clone()),
            ("slo_name".to_string(), spec.name.to_string()),
            ("slo_objective".to_string(), spec.objective.to_string()),
            ("slo_service".to_string(), s.name.clone()),
            ("slo_window".to_string(), pair.to_string()),
        ]);
        let severity = p.observability.urgency_in(env, u).unwrap_or(u);
        labels.insert("severity".into(), severity.label().into());
        let alert = burn_alert(u);
        let objective = spec.objective.to_string();
        let description = match self.described.iter().find(|(du, _)| *du == u) {
            Some((_, pairs)) => pairs.describe((&s.name, spec.name, &objective), pair),
            None => burn_pairs(p, u).describe((&s.name, spec.name, &objective), pair),
        };
        ExpectedAlert {
            exp_labels: labels,
            exp_annotations: annotations(
                p,
                env,
                s,
                alert,
                burn_summary(env, &s.name, spec.name),
                description,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    fn pair(long_m: u64, short_m: u64) -> BurnWindow {
        BurnWindow {
            severity: Urgency::Page,
            tier: "t".into(),
            long_ms: long_m * 60_000,
            short_ms: short_m * 60_000,
            budget_percent: d("2"),
            for_ms: 0,
        }
    }

    /// The integer simulation decides what the decimal one decides, at every minute,
    /// for traffic around the thresholds, with fractional rates, coarse steps, the
    /// `min_events` guard, and numbers too large for integers at one scale.
    #[test]
    fn the_integer_windows_decide_as_the_decimal_windows() {
        let windows = [pair(60, 5), pair(360, 30), pair(1440, 120)];
        let mut integer_paths = 0;
        for threshold in ["0.0144", "0.006", "0.001", "0.5"] {
            let pairs: Vec<PairCheck> = windows
                .iter()
                .map(|w| PairCheck {
                    window: w,
                    threshold: d(threshold),
                })
                .collect();
            for per_minute in ["1000", "0.3125", "7", "100000000000000000000"] {
                for ratio in ["0.01584", "0.01296", "1", "0", "0.0066", "0.00099"] {
                    for (step, phases) in [
                        (1, vec![(90, d(ratio))]),
                        (1, vec![(40, d(ratio)), (25, Decimal::ZERO)]),
                        (10, vec![(1500, d(ratio)), (200, Decimal::ZERO)]),
                    ] {
                        let t = Traffic {
                            per_minute: d(per_minute),
                            phases,
                            step,
                        };
                        let counters = t.counters();
                        for min in [0, 100, 1_000_000] {
                            let min = Decimal::from_int(min);
                            let Some(scaled) = Scaled::of(&t, min) else {
                                continue;
                            };
                            integer_paths += 1;
                            for minute in (0..=t.minutes()).step_by(step as usize) {
                                assert_eq!(
                                    scaled.firing_pair(&pairs, step, minute),
                                    firing_pair(&pairs, min, (&counters, step), minute),
                                    "{threshold} {per_minute} {ratio} step {step} min {min} at {minute}"
                                );
                            }
                        }
                    }
                }
            }
        }
        assert!(integer_paths > 200, "{integer_paths}");
    }

    /// A simulation already run is reused only for exactly what it read: another
    /// threshold, window, minimum, `for` or traffic runs again, and gets its own answer.
    #[test]
    fn a_simulation_is_reused_only_for_the_same_inputs() {
        let windows = [pair(60, 5), pair(360, 30)];
        let checks = |threshold: &str| -> Vec<PairCheck> {
            windows
                .iter()
                .map(|w| PairCheck {
                    window: w,
                    threshold: d(threshold),
                })
                .collect()
        };
        let traffic = |ratio: &str| Traffic {
            // A rate no other test uses, so the first run here is a miss.
            per_minute: d("977"),
            phases: vec![(30, Decimal::ZERO), (90, d(ratio))],
            step: 1,
        };
        let run = |pairs: &[PairCheck], min: i64, for_minutes: u64, t: &Traffic| {
            let min = Decimal::from_int(min);
            let ran = std::cell::Cell::new(false);
            let firing = Simulation::of(pairs, min, for_minutes, t).run_once(|| {
                ran.set(true);
                simulate(pairs, min, for_minutes, t)
            });
            assert_eq!(firing, simulate(pairs, min, for_minutes, t));
            (firing, ran.get())
        };
        let (first, ran) = run(&checks("0.0144"), 100, 2, &traffic("0.5"));
        assert!(ran);
        assert!(first.iter().any(Option::is_some), "the scenario fires");
        let (again, ran) = run(&checks("0.0144"), 100, 2, &traffic("0.50"));
        assert!(!ran, "0.50 is 0.5: the same simulation");
        assert!(Arc::ptr_eq(&first, &again));
        let others = [
            run(&checks("0.6"), 100, 2, &traffic("0.5")),
            run(&checks("0.0144"), 100_000, 2, &traffic("0.5")),
            run(&checks("0.0144"), 100, 3, &traffic("0.5")),
            run(&checks("0.0144"), 100, 2, &traffic("0.01")),
        ];
        for (firing, ran) in others {
            assert!(ran, "another input runs again");
            assert_ne!(firing, first, "and its answer differs here");
        }
        let longer = [pair(120, 5), pair(360, 30)];
        let pairs: Vec<PairCheck> = longer
            .iter()
            .map(|w| PairCheck {
                window: w,
                threshold: d("0.0144"),
            })
            .collect();
        let (_, ran) = run(&pairs, 100, 2, &traffic("0.5"));
        assert!(ran, "another window runs again");
    }
}
