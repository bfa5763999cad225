//! What applies to one service (`pave policies --service`): per environment, each
//! policy in force with whether its `when` selects the service, whether the service
//! passes it, and the exception that waives it. Evaluated by the same compiled run as
//! the policy stage, so what this shows is what `build` enforces.

use super::{
    Diagnostic, Inputs, Level, Model, PolicyDef, PolicySet, RenderedObject, ResolvedService, Scope,
    ServiceValues, SourceMap, Verdict, selects, waiver, with_run,
};
use crate::policy::ExceptionDef;

/// The policies in force in one environment, as they apply to the service.
pub(crate) struct Applies<'a> {
    pub(crate) env: String,
    pub(crate) rows: Vec<Row<'a>>,
}

/// One policy in force (not `off`) for the service in one environment.
pub(crate) struct Row<'a> {
    pub(crate) policy: &'a PolicyDef,
    pub(crate) level: Level,
    pub(crate) outcome: Outcome,
    /// The exception that waives it here, even when it passes or is expired.
    pub(crate) waiver: Option<&'a ExceptionDef>,
}

/// What a policy says about the service in one environment.
// Ordered by weight: combining keeps the heaviest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Outcome {
    /// Its `when` selects nothing of the service (for kubernetes scope: none of its
    /// objects of the policy's kinds).
    Excluded,
    Pass,
    Fail,
    /// The policy could not be evaluated; the diagnostic says why.
    Error,
}

impl Outcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Excluded => "excluded",
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Error => "error",
        }
    }
}

/// Evaluates every policy of `set` for `service` in each of `envs` (environments the
/// service is not deployed to are left out); returns the evaluation errors too.
pub(crate) fn for_service<'a>(
    set: &'a PolicySet,
    inputs: &Inputs,
    model: &Model,
    objects: &[RenderedObject],
    sources: &SourceMap,
    service: &str,
    envs: &[String],
) -> (Vec<Applies<'a>>, Vec<Diagnostic>) {
    let values = ServiceValues::new(model);
    let ((applies, mut errors), compile_errors) =
        with_run(set, inputs, model, &values, sources, |run| {
            let mut errors = Vec::new();
            let applies = envs
                .iter()
                .filter_map(|env| {
                    let s = model
                        .services
                        .iter()
                        .find(|s| &s.env == env && s.name == service)?;
                    let own: Vec<&RenderedObject> = objects
                        .iter()
                        .filter(|o| {
                            o.scope.env.as_deref() == Some(env.as_str())
                                && o.scope.service.as_deref() == Some(service)
                        })
                        .collect();
                    let rows = rows(run, set, s, &own, &mut errors);
                    Some(Applies {
                        env: env.clone(),
                        rows,
                    })
                })
                .collect::<Vec<_>>();
            (applies, errors)
        });
    errors.extend(compile_errors);
    // A broken expression fails the same way in every environment: report it once.
    let mut seen = std::collections::HashSet::new();
    errors.retain(|d| seen.insert((d.code, d.primary_span())));
    (applies, errors)
}

/// The rows of one environment: every policy not `off` there.
fn rows<'a>(
    run: &super::Run,
    set: &'a PolicySet,
    s: &ResolvedService,
    objects: &[&RenderedObject],
    errors: &mut Vec<Diagnostic>,
) -> Vec<Row<'a>> {
    let service_ctx = run.service_context(s);
    let object_ctxs = run.object_contexts(&s.env, Some(s), objects);
    set.policies
        .iter()
        .enumerate()
        .filter(|(_, p)| set.level(p, &s.env) != Level::Off)
        .map(|(i, p)| {
            let verdicts: Vec<_> = match p.scope {
                Scope::Service => vec![run.verdict(i, &service_ctx, None)],
                Scope::Kubernetes => objects
                    .iter()
                    .zip(&object_ctxs)
                    .filter(|(o, _)| selects(p, &o.kind))
                    .map(|(_, ctx)| run.verdict(i, ctx, None))
                    .collect(),
            };
            Row {
                policy: p,
                level: set.level(p, &s.env),
                outcome: combine(verdicts, errors),
                waiver: waiver(set, p, Some(&s.name), &s.env).map(|w| &set.exceptions[w]),
            }
        })
        .collect()
}

/// One outcome from the verdicts on the service or each of its objects: any error or
/// failure counts, and a policy that selects none of them is excluded.
fn combine(
    verdicts: Vec<Option<Result<Verdict, Diagnostic>>>,
    errors: &mut Vec<Diagnostic>,
) -> Outcome {
    let mut outcome = Outcome::Excluded;
    for v in verdicts {
        let this = match v {
            // A policy that did not compile was reported by `with_run`.
            None => Outcome::Error,
            Some(Err(d)) => {
                errors.push(d);
                Outcome::Error
            }
            Some(Ok(Verdict::Excluded)) => Outcome::Excluded,
            Some(Ok(Verdict::Passed)) => Outcome::Pass,
            Some(Ok(Verdict::Failed)) => Outcome::Fail,
        };
        outcome = outcome.max(this);
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::parse_yaml;
    use crate::policy::{Date, Options, check, collect};

    const PLATFORM: &str = "platform: t
environments:
  dev: {}
  prod: { protected: true }
registries: [ghcr.io/t]
secrets: { store: vault }
policies:
  exceptions:
    - policy: image.digest-in-prod
      services: [api]
      environments: [prod]
      reason: digests come with the next CI
      expires: 2027-06-01
";

    // Tier 1 without an SLO, a tag in prod: fails `slo.required-for-tier`, and
    // `image.digest-in-prod` (waived).
    const SERVICE: &str = "name: api
owner: team-a
tier: 1
image: ghcr.io/t/api:1.0.0
replicas: 2
route: { host: api.example.com }
";

    /// What applies to `api`, and the ids `check` reports as violated in each env.
    #[test]
    fn applicability_agrees_with_the_policy_stage() {
        let mut sources = SourceMap::default();
        let mut parse = |name: &str, text: &str| {
            let id = sources.add(name.to_string(), text.to_string());
            parse_yaml(id, text).0.unwrap()
        };
        let inputs = Inputs {
            platform: Some(parse("platform.yaml", PLATFORM)),
            services: vec![parse("services/api.yaml", SERVICE)],
            builtin_packs: vec![(
                "baseline".into(),
                parse("baseline.yaml", include_str!("baseline.yaml")),
            )],
            ..Inputs::default()
        };
        let (model, diags) = crate::resolve::resolve(&inputs, &sources);
        let model = model.unwrap_or_else(|| panic!("{diags:?}"));
        let objects = crate::render::render(&model, None, None).0.objects;
        let envs = vec!["dev".to_string(), "prod".to_string()];
        let (set, _) = collect(&inputs, &envs, &["api".to_string()]);
        let (applies, errors) =
            for_service(&set, &inputs, &model, &objects, &sources, "api", &envs);
        assert!(errors.is_empty(), "{errors:?}");
        let outcome = |env: usize, id: &str| {
            let r = applies[env]
                .rows
                .iter()
                .find(|r| r.policy.id == id)
                .unwrap();
            (r.outcome, r.waiver.map(|e| e.reason.as_str()))
        };
        assert_eq!(
            outcome(0, "image.digest-in-prod"),
            (Outcome::Excluded, None)
        );
        assert_eq!(
            outcome(1, "image.digest-in-prod"),
            (Outcome::Fail, Some("digests come with the next CI"))
        );
        assert_eq!(outcome(1, "slo.required-for-tier"), (Outcome::Fail, None));
        assert_eq!(outcome(1, "image.tag-pinned"), (Outcome::Pass, None));
        // Every unwaived failure shown is one the stage reports, and no other.
        let shown: std::collections::BTreeSet<&str> = applies
            .iter()
            .flat_map(|a| &a.rows)
            .filter(|r| r.outcome == Outcome::Fail && r.waiver.is_none())
            .map(|r| r.policy.id.as_str())
            .collect();
        let options = Options {
            today: Date::parse("2027-01-01").unwrap(),
            expiring_within: None,
        };
        let reported: std::collections::BTreeSet<String> =
            check(&inputs, &model, &objects, &sources, options)
                .iter()
                .filter(|d| d.code == crate::diag::Code::E0301)
                .filter_map(|d| d.rule.as_ref().map(|r| r.id.clone()))
                .collect();
        let reported: std::collections::BTreeSet<&str> =
            reported.iter().map(String::as_str).collect();
        assert_eq!(shown, reported);
    }
}
