//! SLO resolution: objectives (percent) and the latency threshold, checked against
//! what the Prometheus rules can express.

use serde_json::{Number, Value};

use super::messages;
use super::resolved::{LatencySlo, Observability, Slo};
use crate::decimal::Decimal;
use crate::diag::Diagnostic;
use crate::model::service::SloSpec;
use crate::source::Span;

/// The lowest objective pave accepts, in percent. Objectives are percentages; a value
/// below this is almost always a ratio written by mistake (`0.999` for `99.9`), and
/// burn-rate alerts on a budget of half the requests or more would never fire.
pub(crate) const MIN_OBJECTIVE: i64 = 50;
/// The most decimals an objective may have (`99.999999`): more is no longer a number
/// Prometheus rules and people read the same way.
pub(crate) const MAX_OBJECTIVE_DECIMALS: u32 = 6;

/// Where the service's SLO fields were written, and where the buckets are defined.
pub(crate) struct SloSpans<'a> {
    pub(crate) span_of: &'a dyn Fn(&str) -> Span,
    pub(crate) buckets: Option<Span>,
}

/// A service's SLOs. Every unusable part is reported (an objective and a threshold
/// can both be wrong); a part that is wrong is left out.
pub(crate) fn resolve_slo(
    spec: Option<&SloSpec>,
    observability: &Observability,
    spans: &SloSpans,
    diags: &mut Vec<Diagnostic>,
) -> Option<Slo> {
    let spec = spec?;
    let span_of = spans.span_of;
    let availability = spec
        .availability
        .as_ref()
        .and_then(|n| objective(n, "/slo/availability", span_of, diags));
    let latency = spec.latency.as_ref().and_then(|latency| {
        // The schema allows only durations here; one that does not parse makes no rule.
        let ms = crate::duration::parse_ms(&latency.threshold)?;
        let threshold = Decimal::from_int(ms as i64).checked_div(Decimal::from_int(1000))?;
        let target = objective(&latency.target, "/slo/latency/target", span_of, diags);
        let in_buckets = check_bucket(threshold, observability, spans, diags);
        Some(LatencySlo {
            threshold,
            target: target?,
        })
        .filter(|_| in_buckets)
    });
    Some(Slo {
        availability,
        latency,
    })
}

/// Whether `threshold` (seconds) is a bucket of the latency histogram; reports it when not.
fn check_bucket(
    threshold: Decimal,
    observability: &Observability,
    spans: &SloSpans,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let buckets = &observability.buckets;
    if buckets.contains(&threshold) {
        return true;
    }
    let listed: Vec<String> = buckets.iter().map(|b| format!("{b}s")).collect();
    let nearest = buckets.iter().min_by_key(|b| distance(**b, threshold));
    diags.push(messages::latency_not_a_bucket(
        (spans.span_of)("/slo/latency/threshold"),
        spans.buckets,
        &threshold.to_string(),
        &observability.duration_metric,
        &listed,
        nearest.map(|b| as_duration(*b)),
    ));
    false
}

fn distance(a: Decimal, b: Decimal) -> Decimal {
    match a > b {
        true => a.minus(b),
        false => b.minus(a),
    }
}

/// Seconds written as a duration: `0.25` -> `250ms`.
fn as_duration(seconds: Decimal) -> String {
    let ms = seconds
        .times(Decimal::from_int(1000))
        .to_string()
        .parse::<f64>()
        .unwrap_or(0.0);
    crate::duration::format_ms(ms as u64)
}

/// An SLO objective (percent) at `pointer`, or an error when it is there but broken:
/// out of range, too precise, or not representable as a decimal (`1e-16`). A value
/// that would make no rule must never be dropped without a word.
fn objective(
    value: &Number,
    pointer: &str,
    span_of: &dyn Fn(&str) -> Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<Decimal> {
    let parsed = usable_objective(value);
    if parsed.is_none() {
        let field = pointer.trim_start_matches('/').replace('/', ".");
        diags.push(match as_percentage(value) {
            Some(percent) => messages::objective_is_a_fraction(span_of(pointer), &field, &percent),
            None => messages::unusable_objective(
                span_of(pointer),
                &field,
                MIN_OBJECTIVE,
                MAX_OBJECTIVE_DECIMALS,
            ),
        });
    }
    parsed
}

/// `0.999` as the percentage `99.9` its author meant, when the value is a fraction
/// that makes a usable objective once multiplied by 100.
fn as_percentage(value: &Number) -> Option<String> {
    let fraction = value.as_f64().filter(|f| *f > 0.0 && *f < 1.0)?;
    // Rounded to the objective's precision: 0.999 * 100 is 99.89999999999999 in f64.
    let scale = 10f64.powi(MAX_OBJECTIVE_DECIMALS as i32);
    let percent = (fraction * 100.0 * scale).round() / scale;
    let text = percent.to_string();
    let number: Number = serde_json::from_str(&text).ok()?;
    usable_objective(&number).map(|_| text)
}

/// The objective as a decimal, when pave can alert on it.
fn usable_objective(value: &Number) -> Option<Decimal> {
    Decimal::from_json(&Value::Number(value.clone())).filter(|d| {
        *d >= Decimal::from_int(MIN_OBJECTIVE)
            && *d < Decimal::from_int(100)
            && d.decimals() <= MAX_OBJECTIVE_DECIMALS
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::service::LatencySloSpec;
    use crate::source::FileId;

    fn number(text: &str) -> Number {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn a_fraction_is_read_back_as_the_percentage_meant() {
        assert_eq!(as_percentage(&number("0.999")).as_deref(), Some("99.9"));
        assert_eq!(as_percentage(&number("0.9995")).as_deref(), Some("99.95"));
        // Below 50 % as a percentage too, or not a fraction: no suggestion.
        assert_eq!(as_percentage(&number("0.3")), None);
        assert_eq!(as_percentage(&number("1")), None);
        assert_eq!(as_percentage(&number("99.9")), None);
    }

    fn observability() -> Observability {
        Observability {
            enabled: true,
            requests_metric: "http_requests_total".into(),
            duration_metric: "http_request_duration_seconds_bucket".into(),
            buckets: ["0.1", "0.25", "1"]
                .iter()
                .filter_map(|b| Decimal::parse(b))
                .collect(),
            runbooks: None,
            dashboard_url: None,
            dashboard_labels: Default::default(),
            dashboards_per_service: false,
            alerts: Default::default(),
            slo_period_ms: 28 * 86_400_000,
            windows: Vec::new(),
            min_events: 100,
            severity: Default::default(),
        }
    }

    fn spec(availability: &str, threshold: &str, target: &str) -> SloSpec {
        SloSpec {
            availability: Some(number(availability)),
            latency: Some(LatencySloSpec {
                threshold: threshold.into(),
                target: number(target),
            }),
        }
    }

    fn resolve(spec: &SloSpec) -> (Option<Slo>, Vec<Diagnostic>) {
        let span_of = |_: &str| Span::new(FileId(0), 0, 1);
        let spans = SloSpans {
            span_of: &span_of,
            buckets: None,
        };
        let mut diags = Vec::new();
        let slo = resolve_slo(Some(spec), &observability(), &spans, &mut diags);
        (slo, diags)
    }

    #[test]
    fn objectives_are_percentages_from_50_to_below_100_with_6_decimals() {
        for ok in ["50", "99.9", "99.999999", "99.950"] {
            assert!(usable_objective(&number(ok)).is_some(), "{ok}");
        }
        for bad in ["49.99", "100", "0.999", "99.9999999", "1e-16"] {
            assert!(usable_objective(&number(bad)).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_usable_slo_resolves_in_seconds_and_percent() {
        let (slo, diags) = resolve(&spec("99.9", "250ms", "95"));
        assert!(diags.is_empty());
        let expected = Slo {
            availability: Decimal::parse("99.9"),
            latency: Some(LatencySlo {
                threshold: Decimal::parse("0.25").unwrap(),
                target: Decimal::from_int(95),
            }),
        };
        assert_eq!(slo, Some(expected));
    }

    #[test]
    fn a_bad_target_and_a_threshold_off_the_buckets_are_both_reported() {
        let (slo, diags) = resolve(&spec("0.999", "300ms", "100"));
        let codes: Vec<&str> = diags.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["E0516", "E0516", "E0514"]);
        assert_eq!(
            diags[2].help.as_deref(),
            Some("use a bucket boundary, e.g. `250ms`")
        );
        assert_eq!(
            slo,
            Some(Slo {
                availability: None,
                latency: None
            })
        );
    }
}
