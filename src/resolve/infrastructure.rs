//! What Terraform for module needs requires of the platform file, checked once every
//! service is resolved (only then is it known which environments need infrastructure).

use super::messages;
use super::resolved::{Platform, ResolvedService};
use crate::diag::Diagnostic;
use crate::load::Document;

/// What Terraform for module needs requires of the platform file: a state bucket and a
/// region per environment, and for IAM roles the cluster and the account.
pub(crate) fn check_infrastructure(
    platform: &Platform,
    pdoc: &Document,
    services: &[ResolvedService],
    diags: &mut Vec<Diagnostic>,
) {
    let Some(target) = &platform.targets.terraform else {
        return;
    };
    let lock_table = "/targets/terraform/backend/lock_table";
    if pdoc.index.get(lock_table).is_some() {
        diags.push(messages::lock_table_unused(pdoc.key_span(lock_table)));
    }
    let needing: Vec<&ResolvedService> = services
        .iter()
        .filter(|s| !s.module_needs.is_empty())
        .collect();
    let Some(first) = needing.first() else { return };
    let need_span = |s: &ResolvedService| s.provenance.get("/needs").and_then(|o| o.span);
    if target.bucket.is_none() {
        let at = need_span(first).map(|span| (span, first.name.as_str()));
        diags.push(messages::no_state_bucket(at));
    } else if target.region.is_none() {
        let backend = "/targets/terraform/backend";
        diags.push(messages::state_bucket_without_region(
            pdoc.key_span(backend),
        ));
    }
    for env in &platform.environments {
        let in_env: Vec<&&ResolvedService> = needing.iter().filter(|s| s.env == env.name).collect();
        let env_span = pdoc.key_span(&crate::load::pointer_push("/environments", &env.name));
        let mut missing = Vec::new();
        if !in_env.is_empty() && env.region.is_none() {
            missing.push("region");
        }
        if in_env.iter().any(|s| s.role.is_some()) {
            missing.extend(env.account.is_none().then_some("account"));
            // `eks_cluster` defaults to `cluster`.
            missing.extend(env.eks_cluster.is_none().then_some("eks_cluster"));
        }
        if !missing.is_empty() {
            diags.push(messages::environment_lacks_infrastructure(
                env_span, &env.name, &missing,
            ));
        }
    }
}

/// E0510 when two needs name their resources alike: modules name a need's resources
/// `<platform>-<env>-<service>-<need>` (state names), so service `catalog`'s need
/// `q-a` and service `catalog-q`'s need `a` would both make `shop-dev-catalog-q-a`,
/// the second apply failing on (or worse, adopting) the first's resource. Once per
/// clash, at the later need; environments share service and need names, so the
/// first environment's clashes are all of them.
/// Stands for the service's own `secrets` among the names of its needs' Secrets.
const OWN_SECRETS: &str = "";

pub(crate) fn check_resource_names(services: &[ResolvedService], diags: &mut Vec<Diagnostic>) {
    let Some(env) = services.first().map(|s| s.env.as_str()) else {
        return;
    };
    let mut named: std::collections::BTreeMap<String, (&str, &str)> = Default::default();
    for s in services.iter().filter(|s| s.env == env) {
        // A need's Kubernetes objects (its ExternalSecret and Secret) are named
        // `<service>-<need>` with `_` as `-`: `d-b` and `d_b` would be one object.
        let mut objects: std::collections::BTreeMap<String, &str> = Default::default();
        // The service's own secrets are synced into `<service>-secrets`: a need named
        // `secrets` would write the same Secret.
        let own_secret = format!("{}-secrets", s.name);
        if !s.secrets.is_empty() {
            objects.insert(own_secret.clone(), OWN_SECRETS);
        }
        let service = crate::resolve::state_name(&s.name, &s.renamed_from);
        for n in &s.module_needs {
            let object = crate::resolve::need_secret_name(&s.name, &n.name);
            match objects.get(&object) {
                Some(&first) if first != n.name => {
                    let at = s
                        .provenance
                        .get(&crate::load::pointer_push("/needs", &n.name))
                        .and_then(|o| o.span);
                    diags.push(match first == OWN_SECRETS {
                        true => messages::need_named_like_own_secrets(at, &s.name, &object),
                        false => {
                            messages::need_objects_clash(at, &s.name, (&n.name, first), &object)
                        }
                    });
                    continue;
                }
                Some(_) => {}
                None => {
                    objects.insert(object, &n.name);
                }
            }
            let need = crate::resolve::state_name(&n.name, &n.renamed_from);
            let joined = format!("{service}-{need}");
            match named.get(&joined) {
                Some(&(first_service, first_need)) if first_service != s.name => {
                    let at = s
                        .provenance
                        .get(&crate::load::pointer_push("/needs", &n.name))
                        .and_then(|o| o.span);
                    diags.push(messages::resource_names_clash(
                        at,
                        (&s.name, &n.name),
                        (first_service, first_need),
                        &joined,
                    ));
                }
                Some(_) => {}
                None => {
                    named.insert(joined, (&s.name, &n.name));
                }
            }
        }
    }
}
