//! Need wiring: what each entry of a service's `needs` stands for. A service need
//! becomes a host and port in the target's namespace; a module need expands its
//! inputs and is evaluated by its module (`module.rs`).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::aws_names::{self, NameKind};
use super::context::{EnvContext, environment_view};
use super::expand::Expander;
use super::messages;
use super::module::{self, ModuleDef, ModuleNeed, SecurityGroup};
use super::renames;
use super::resolved::{Platform, ServiceNeed};
use super::scope::{NeedOutputs, Scope};
use crate::diag::Diagnostic;
use crate::load::pointer_push;
use crate::model::module::NetworkFile;
use crate::source::{SourceMap, Span};

/// What a service need reads of the service it names.
pub(crate) struct Peer<'a> {
    pub(crate) namespace: &'a str,
    pub(crate) port: u16,
    /// `worker` or `cron` for a service without a Service to connect to; `None` for web.
    pub(crate) serviceless: Option<&'a str>,
    /// Its `renamed_from` as written, read only to help a need still naming an old name.
    pub(crate) renamed_from: Option<&'a Value>,
}

/// The service whose needs are wired, in one environment.
pub(crate) struct NeedCx<'a> {
    pub(crate) ctx: &'a EnvContext<'a>,
    pub(crate) service: &'a str,
    /// The name the service's state lives under (`renames::state_name`).
    pub(crate) state_name: &'a str,
    pub(crate) owner: &'a str,
    pub(crate) namespace: &'a str,
    /// Every service of the environment that resolved far enough to be needed.
    pub(crate) peers: &'a BTreeMap<&'a str, Peer<'a>>,
    pub(crate) span_of: &'a dyn Fn(&str) -> Span,
    /// The span of the key at a pointer, where the service file wrote one.
    pub(crate) key_of: &'a dyn Fn(&str) -> Option<Span>,
    pub(crate) sources: &'a SourceMap,
}

/// A service's needs: what `${needs.*}` resolves to, and the services it calls.
pub(crate) struct Needs {
    pub(crate) outputs: BTreeMap<String, NeedOutputs>,
    pub(crate) services: Vec<ServiceNeed>,
}

/// Wires every need of `needs` (the layered `needs` mapping). A need that cannot be
/// wired is reported and left out, or kept as `Broken` when its own errors are reported.
pub(crate) fn resolve_needs(
    cx: &NeedCx,
    needs: &Map<String, Value>,
    diags: &mut Vec<Diagnostic>,
) -> Needs {
    let mut out = Needs {
        outputs: BTreeMap::new(),
        services: Vec::new(),
    };
    renames::check_needs(needs, cx.span_of, diags);
    for (need, spec) in needs {
        let need_ptr = pointer_push("/needs", need);
        let outputs = match (spec.get("service"), spec.get("type")) {
            (Some(Value::String(target)), _) => service_need(cx, need, target, &need_ptr, diags)
                .map(|(outputs, wired)| {
                    out.services.extend(wired);
                    outputs
                }),
            (None, None) => {
                diags.push(messages::incomplete_need((cx.span_of)(&need_ptr), need));
                Some(NeedOutputs::Broken)
            }
            (_, Some(Value::String(kind))) => module_need(cx, need, kind, spec, &need_ptr, diags),
            // Other shapes are schema errors, reported before resolution.
            _ => Some(NeedOutputs::Broken),
        };
        if let Some(outputs) = outputs {
            out.outputs.insert(need.clone(), outputs);
        }
    }
    out
}

/// A need served by another service of the platform: its outputs, and the need
/// itself when the service exists (a broken one resolves to empty outputs).
fn service_need(
    cx: &NeedCx,
    need: &str,
    target: &str,
    need_ptr: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<(NeedOutputs, Option<ServiceNeed>)> {
    if let Some(peer) = cx.peers.get(target) {
        if let Some(kind) = peer.serviceless {
            let at = (cx.span_of)(&pointer_push(need_ptr, "service"));
            diags.push(messages::need_on_serviceless(at, need, target, kind));
            return None;
        }
        let host = format!("{target}.{}.svc.cluster.local", peer.namespace);
        let wired = ServiceNeed {
            name: need.to_string(),
            service: target.to_string(),
            namespace: peer.namespace.to_string(),
        };
        return Some((
            NeedOutputs::Service {
                host,
                port: peer.port,
            },
            Some(wired),
        ));
    }
    if cx.ctx.broken.contains(target) {
        // The target's own errors are reported; resolve on without it.
        let outputs = NeedOutputs::Service {
            host: String::new(),
            port: 0,
        };
        return Some((outputs, None));
    }
    let names: Vec<&str> = cx.peers.keys().copied().collect();
    let at = (cx.span_of)(&pointer_push(need_ptr, "service"));
    let renamed_to = cx.peers.iter().find_map(|(name, peer)| {
        let history = super::renames::history(peer.renamed_from);
        history.iter().any(|old| old == target).then_some(*name)
    });
    diags.push(messages::unknown_need_service(
        at, need, target, &names, renamed_to,
    ));
    // Reported at `service`: placeholders reading this need resolve to nothing.
    Some((NeedOutputs::Broken, None))
}

/// A need served by a module: its inputs expanded, then evaluated by the module.
fn module_need(
    cx: &NeedCx,
    need: &str,
    kind: &str,
    spec: &Value,
    need_ptr: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<NeedOutputs> {
    let ctx = cx.ctx;
    let Some(module) = ctx.modules.get(kind) else {
        if ctx.broken_modules.contains(kind) {
            // The module file's own errors are reported; resolve on without it.
            return Some(NeedOutputs::Broken);
        }
        let known: Vec<&str> = ctx.modules.keys().map(String::as_str).collect();
        let at = (cx.span_of)(&pointer_push(need_ptr, "type"));
        diags.push(messages::unknown_module_type(at, kind, &known));
        // Reported at `type`: placeholders reading this need resolve to nothing.
        return Some(NeedOutputs::Broken);
    };
    let before = diags.len();
    check_network(cx, module, need, need_ptr, diags);
    let inputs = expand_inputs(cx, spec, need_ptr, diags);
    if diags.len() > before {
        // Evaluating the module on inputs that did not expand would report again.
        return Some(NeedOutputs::Broken);
    }
    let renamed_from = renames::history(spec.get("renamed_from"));
    let need = (need, renamed_from.as_slice());
    Some(evaluate(cx, module, need, &inputs, need_ptr, diags))
}

/// A module whose resources live in a VPC needs the environment's network: its
/// templates read `env.network`, and pave's security group is created in it.
fn check_network(
    cx: &NeedCx,
    module: &ModuleDef,
    need: &str,
    need_ptr: &str,
    diags: &mut Vec<Diagnostic>,
) {
    let ctx = cx.ctx;
    if module.network.is_none() || ctx.env.network.is_some() {
        return;
    }
    let env_at = ctx
        .pdoc
        .key_span(&pointer_push("/environments", &ctx.env.name));
    diags.push(messages::need_without_network(
        (cx.span_of)(need_ptr),
        env_at,
        need,
        &module.kind,
        &ctx.env.name,
    ));
}

/// The need's inputs with placeholders expanded, so no `${...}` reaches Terraform.
fn expand_inputs(
    cx: &NeedCx,
    spec: &Value,
    need_ptr: &str,
    diags: &mut Vec<Diagnostic>,
) -> Map<String, Value> {
    let scope = Scope {
        platform_name: &cx.ctx.platform.name,
        env: cx.ctx.env,
        service_name: cx.service,
        service_owner: cx.owner,
        needs: BTreeMap::new(),
        in_need_inputs: true,
    };
    let expander = Expander {
        scope: &scope,
        span_of: cx.span_of,
        sources: cx.sources,
    };
    let mut inputs = spec.as_object().cloned().unwrap_or_default();
    // A rename is about the need, not an input of its module.
    inputs.remove("renamed_from");
    for (key, value) in inputs.iter_mut().filter(|(k, _)| *k != "type") {
        // Inputs cannot read needs, so they hold no secret output to wire.
        expander.tree(value, &pointer_push(need_ptr, key), diags);
    }
    inputs
}

/// Evaluates the module for the need (its name and previous names, newest first).
/// Templates see `service.state_name` and `need.state_name`, and the secret path is
/// built from them, so a renamed service or need keeps its resources' names.
fn evaluate(
    cx: &NeedCx,
    module: &ModuleDef,
    (need, renamed_from): (&str, &[String]),
    inputs: &Map<String, Value>,
    need_ptr: &str,
    diags: &mut Vec<Diagnostic>,
) -> NeedOutputs {
    let ctx = cx.ctx;
    let state_name = renames::state_name(need, renamed_from);
    let need_ctx = module::NeedContext {
        service: json!({
            "name": cx.service, "owner": cx.owner, "namespace": cx.namespace,
            "state_name": cx.state_name,
        }),
        env: environment_view(ctx.env),
        platform: ctx.platform_template(),
        need,
        state_name,
        renamed_from: renamed_from.to_vec(),
        secret_path: format!(
            "{}/{}/{}/{state_name}",
            ctx.platform.name, ctx.env.name, cx.state_name
        ),
        security_group: security_group(cx, module, state_name),
    };
    let at = |p: &str| (cx.span_of)(&format!("{need_ptr}{p}"));
    match module::resolve_need(module, inputs, need_ctx, &at) {
        Ok(resolved) => {
            let key = (cx.key_of)(need_ptr).unwrap_or_else(|| (cx.span_of)(need_ptr));
            check_names(&resolved, key, diags);
            NeedOutputs::Module(Box::new(resolved))
        }
        Err(errors) => {
            diags.extend(errors);
            NeedOutputs::Broken
        }
    }
}

/// The security group pave creates for a need, when its module asks for one and the
/// environment has a network (a missing network is reported by `check_network`); its
/// name carries the platform prefix like every physical name.
/// Named after the state names: changing a group's name replaces it, so a rename keeps it.
fn security_group(cx: &NeedCx, module: &ModuleDef, need_state: &str) -> Option<SecurityGroup> {
    let Some(NetworkFile::WithSecurityGroup { security_group }) = &module.network else {
        return None;
    };
    let (platform, env) = (&cx.ctx.platform.name, cx.ctx.env);
    let network = env.network.as_ref()?;
    Some(SecurityGroup {
        name_prefix: format!("{platform}-{}-{}-{need_state}-", env.name, cx.state_name),
        port: security_group.port,
        argument: security_group.argument.clone(),
        vpc_id: network.vpc_id.clone(),
        client: network.client_security_group_id.clone(),
    })
}

/// The AWS names a module need builds (the registry module's physical names and the
/// secret its outputs are written to), each checked against its rules at the need.
fn check_names(need: &ModuleNeed, at: Span, diags: &mut Vec<Diagnostic>) {
    let mut names: Vec<(NameKind, String, String)> =
        aws_names::module_names(&need.source, &need.arguments)
            .into_iter()
            .map(|(kind, arg, name)| {
                let from = format!(
                    "it is the `{arg}` argument of module `{}` ({}) for this need",
                    need.kind, need.source
                );
                (kind, name, from)
            })
            .collect();
    if let Some(group) = &need.security_group {
        let from = "it is the `name_prefix` of the security group pave creates for this need, `<platform>-<environment>-<service>-<need>-`".to_string();
        names.push((
            NameKind::SecurityGroupPrefix,
            group.name_prefix.clone(),
            from,
        ));
    }
    if !need.secrets.is_empty() {
        let from = "it is `<platform>/<environment>/<service>/<need>`".to_string();
        names.push((NameKind::Secret, need.secret_path.clone(), from));
    }
    for (kind, name, from) in names {
        let problems = aws_names::problems(kind, &name);
        if !problems.is_empty() {
            diags.push(messages::aws_name_invalid(
                at, kind, &name, &problems, &from,
            ));
        }
    }
}

/// The needs served by modules, in need-name order.
pub(crate) fn module_needs(outputs: BTreeMap<String, NeedOutputs>) -> Vec<ModuleNeed> {
    outputs
        .into_values()
        .filter_map(|n| match n {
            NeedOutputs::Module(m) => Some(*m),
            NeedOutputs::Service { .. } | NeedOutputs::Broken => None,
        })
        .collect()
}

/// Secret outputs reach the pod through the secret store: reported when there is none.
pub(crate) fn check_store(
    platform: &Platform,
    needs: &[ModuleNeed],
    at: Span,
    diags: &mut Vec<Diagnostic>,
) {
    if platform.secret_store.is_none() && needs.iter().any(|n| !n.secrets.is_empty()) {
        diags.push(messages::module_needs_without_store(at));
    }
}

/// The IAM role the service account assumes, when a module asks for permissions.
pub(crate) fn role(
    platform: &str,
    env: &str,
    service: &str,
    needs: &[ModuleNeed],
) -> Option<String> {
    needs
        .iter()
        .any(|n| !n.iam.is_empty())
        .then(|| format!("{platform}-{env}-{service}"))
}

/// The role name is `<platform>-<environment>-<service>`; IAM allows 64 characters.
pub(crate) fn check_role_name(role: Option<&str>, at: Span, diags: &mut Vec<Diagnostic>) {
    let Some(role) = role else { return };
    let problems = aws_names::problems(NameKind::IamRole, role);
    if !problems.is_empty() {
        let from = "it is `<platform>-<environment>-<service>`, the role of the service account";
        diags.push(messages::aws_name_invalid(
            at,
            NameKind::IamRole,
            role,
            &problems,
            from,
        ));
    }
}
