//! The Terraform target: `<output>/terraform/<env>/` per environment, with
//! `versions.tf` (required versions, providers and the S3 state backend),
//! `providers.tf`, one `<service>.tf` per service with module needs (the module calls,
//! the `random_password`s of secrets a module generates, the need's secret outputs
//! in Secrets Manager or Vault, pave's security groups, and an IAM role for
//! the service account when a module asks for permissions), `eks.tf` when a role
//! needs the cluster's OIDC issuer, and `outputs.tf`; plus `atlantis.yaml` at the
//! repository root when the platform asks for it.
//!
//! Everything is built as hcl-rs values and formatted by `hcl_writer`, never from
//! string templates.

use std::collections::HashMap;

use hcl::expr::Expression;
use hcl::{Attribute, Block, Body, Object, ObjectKey};
use serde::Serialize;

use super::{RenderCx, TargetOutput, messages, yaml_file};
use crate::diag::Diagnostic;
use crate::hcl_writer::{call, parse_expression, reference, template, to_expression, to_tf};
use crate::inventory::Inventory;
use crate::model::module::GenerateFile;
use crate::output::{Artifact, Layout, Scope, WriteError};
use crate::resolve::module::{Argument, ModuleNeed, SecretSource, SecurityGroup};
use crate::resolve::{Environment, ResolvedService, SecretBackend, TerraformTarget};

/// The AWS provider's version constraint; the built-in modules' pins need 5.x.
const AWS_PROVIDER: &str = "~> 5.0";
/// The Vault provider's constraint: `vault_kv_secret_v2` with `data_json`.
const VAULT_PROVIDER: &str = "~> 5.0";
/// The random provider's constraint: `random_password` with `length`, `special` and
/// `override_special`, all there since 3.0 (the elasticache module needs >= 3.0 too).
const RANDOM_PROVIDER: &str = "~> 3.0";
/// `use_lockfile` (S3-native state locking) is GA from Terraform 1.11.
const TERRAFORM_VERSION: &str = ">= 1.11.0";

/// The Terraform folders; enabled only when `targets.terraform` is set.
pub(crate) fn render(cx: &RenderCx) -> Result<TargetOutput, Diagnostic> {
    let model = cx.model;
    let Some(target) = &model.platform.targets.terraform else {
        return Ok(TargetOutput::default());
    };
    let mut out = Vec::new();
    let mut inventory = Inventory::new();
    for env in &model.platform.environments {
        let services: Vec<&ResolvedService> = model
            .services
            .iter()
            .filter(|s| s.env == env.name && !s.module_needs.is_empty())
            .collect();
        let dir = cx.layout.terraform_dir(&env.name);
        let mut file = |name: &str, body: Body, service: Option<&str>| {
            let path = format!("{dir}/{name}");
            let text = to_tf(&body).map_err(|e| messages::unwritable(&path, &e))?;
            out.push(Artifact {
                path,
                bytes: text.into_bytes(),
                scope: Scope {
                    env: Some(env.name.clone()),
                    service: service.map(str::to_string),
                },
            });
            Ok::<(), Diagnostic>(())
        };
        let backend = &model.platform.secret_backend;
        // The vault provider only where Terraform writes to Vault.
        let vault = matches!(backend, SecretBackend::Vault { .. })
            && services
                .iter()
                .any(|s| s.module_needs.iter().any(|n| !n.secrets.is_empty()));
        let random = services
            .iter()
            .any(|s| s.module_needs.iter().any(|n| !n.generate.is_empty()));
        file(
            "versions.tf",
            versions(&model.platform.name, env, target, (vault, random)),
            None,
        )?;
        file(
            "providers.tf",
            providers(&model.platform.name, env, vault),
            None,
        )?;
        if services.iter().any(|s| s.role.is_some()) {
            file("eks.tf", eks(env), None)?;
        }
        let recovery = recovery_window(model.platform.secret_recovery_days, env);
        for s in &services {
            let path = format!("{dir}/{}.tf", s.name);
            let body =
                service(env, s, backend, recovery).map_err(|e| messages::unwritable(&path, &e))?;
            let services = &mut inventory.entry(env.name.clone()).or_default().services;
            services.entry(s.name.clone()).or_default().terraform =
                super::inventory::terraform(s, &body);
            file(&format!("{}.tf", s.name), body, Some(&s.name))?;
        }
        file("outputs.tf", outputs(&services, backend), None)?;
    }
    Ok(TargetOutput {
        inventory,
        ..TargetOutput::files(out)
    })
}

fn attr(key: &str, value: impl Into<Expression>) -> Attribute {
    Attribute::new(key, value.into())
}

fn object(entries: Vec<(&str, Expression)>) -> Expression {
    let mut map = Object::new();
    for (k, v) in entries {
        map.insert(ObjectKey::from(hcl::Identifier::sanitized(k)), v);
    }
    Expression::Object(map)
}

/// The Terraform label of a service (`checkout`) or of a service's need
/// (`checkout_db`), injective by construction so two needs never share a module:
/// `-` is kept (labels allow it), `_` inside a name is doubled, the names are joined
/// by a single `_` (names begin and end with a letter or digit, so a joining `_` never
/// touches another `_`), and a label that would begin with a digit gets a leading `_`.
/// Service `api` with need `jobs-queue` is `api_jobs-queue`; service `api-jobs` with
/// need `queue` is `api-jobs_queue`.
pub(crate) fn ident(parts: &[&str]) -> String {
    let label = parts
        .iter()
        .map(|p| p.replace('_', "__"))
        .collect::<Vec<_>>()
        .join("_");
    match label.starts_with(|c: char| c.is_ascii_digit()) {
        true => format!("_{label}"),
        false => label,
    }
}

/// Each module need's label (`ident` of service and need) and the need's index in
/// `module_needs`, the first need for a label: finding a block's need is then one
/// lookup per block instead of a pass over every need.
pub(crate) fn need_labels(s: &ResolvedService) -> HashMap<String, usize> {
    let mut labels = HashMap::with_capacity(s.module_needs.len());
    for (i, need) in s.module_needs.iter().enumerate() {
        labels.entry(ident(&[&s.name, &need.name])).or_insert(i);
    }
    labels
}

/// Days Secrets Manager keeps a deleted secret: the platform's setting, else none in
/// an unprotected environment (a need removed and added again can re-create its
/// secret at once) and AWS's default of 30 in a protected one.
fn recovery_window(setting: Option<u8>, env: &Environment) -> u8 {
    setting.unwrap_or(if env.protected { 30 } else { 0 })
}

/// `terraform` settings: versions, providers and the S3 backend. Every environment's
/// state lives in the one bucket, in the bucket's region, reached with the backend's
/// own role (not an environment's), and is locked with an S3 lock file.
fn versions(
    platform: &str,
    env: &Environment,
    target: &TerraformTarget,
    (vault, random): (bool, bool),
) -> Body {
    let provider = |source: &str, version: &str| {
        object(vec![("source", source.into()), ("version", version.into())])
    };
    let mut required = Block::builder("required_providers")
        .add_attribute(attr("aws", provider("hashicorp/aws", AWS_PROVIDER)));
    if vault {
        required =
            required.add_attribute(attr("vault", provider("hashicorp/vault", VAULT_PROVIDER)));
    }
    if random {
        required = required.add_attribute(attr(
            "random",
            provider("hashicorp/random", RANDOM_PROVIDER),
        ));
    }
    let mut terraform = Block::builder("terraform")
        .add_attribute(attr("required_version", TERRAFORM_VERSION))
        .add_block(required.build());
    if let Some(bucket) = &target.bucket {
        // A bucket without a region is reported by resolve (E0552).
        let region = target.region.clone().unwrap_or_default();
        let mut backend = Block::builder("backend")
            .add_label("s3")
            .add_attribute(attr("bucket", bucket.as_str()))
            .add_attribute(attr(
                "key",
                format!("{platform}/{}/terraform.tfstate", env.name),
            ))
            .add_attribute(attr("region", region))
            .add_attribute(attr("encrypt", true))
            .add_attribute(attr("use_lockfile", true));
        if let Some(role) = &target.assume_role {
            // The S3 backend takes `assume_role` as an attribute, not a block.
            backend = backend.add_attribute(attr(
                "assume_role",
                object(vec![("role_arn", role.as_str().into())]),
            ));
        }
        terraform = terraform.add_block(backend.build());
    }
    Body::builder().add_block(terraform.build()).build()
}

fn providers(platform: &str, env: &Environment, vault: bool) -> Body {
    let tags = object(vec![
        ("environment", env.name.as_str().into()),
        ("managed-by", "pave".into()),
        ("platform", platform.into()),
    ]);
    let mut aws = Block::builder("provider")
        .add_label("aws")
        .add_attribute(attr("region", env.region.clone().unwrap_or_default()));
    if let Some(account) = &env.account {
        aws = aws.add_attribute(attr(
            "allowed_account_ids",
            Expression::Array(vec![account.as_str().into()]),
        ));
    }
    if let Some(role) = &env.assume_role {
        aws = aws.add_block(
            Block::builder("assume_role")
                .add_attribute(attr("role_arn", role.as_str()))
                .build(),
        );
    }
    aws = aws.add_block(
        Block::builder("default_tags")
            .add_attribute(attr("tags", tags))
            .build(),
    );
    let mut body = Body::builder().add_block(aws.build());
    if vault {
        // Address and token come from VAULT_ADDR / VAULT_TOKEN (or the CI's login).
        body = body.add_block(Block::builder("provider").add_label("vault").build());
    }
    body.build()
}

/// The cluster's OIDC issuer, which IAM roles for service accounts trust, and the
/// partition their ARNs are in (`aws`, `aws-cn`, `aws-us-gov`).
fn eks(env: &Environment) -> Body {
    let cluster = Block::builder("data")
        .add_labels(["aws_eks_cluster", "this"])
        .add_attribute(attr("name", env.eks_cluster.clone().unwrap_or_default()))
        .build();
    let partition = Block::builder("data")
        .add_labels(["aws_partition", "current"])
        .build();
    let issuer = reference("data.aws_eks_cluster.this.identity[0].oidc[0].issuer");
    let locals = Block::builder("locals")
        .add_attribute(attr(
            "oidc_issuer",
            call("replace", vec![issuer, "https://".into(), "".into()]),
        ))
        .build();
    Body::builder()
        .add_block(partition)
        .add_block(cluster)
        .add_block(locals)
        .build()
}

fn service(
    env: &Environment,
    s: &ResolvedService,
    backend: &SecretBackend,
    recovery: u8,
) -> Result<Body, WriteError> {
    let mut body = Body::builder();
    let tags = || object(vec![("service", s.name.as_str().into())]);
    for need in &s.module_needs {
        let id = ident(&[&s.name, &need.name]);
        let mut arguments = need
            .arguments
            .iter()
            .map(|(name, value)| Ok((name.clone(), argument(&id, value)?)))
            .collect::<Result<indexmap::IndexMap<String, Expression>, WriteError>>()?;
        if let Some(group) = &need.security_group {
            // Changing the description replaces the group: a rename keeps the state names.
            let (service, need_name) = state_names(s, need);
            let what = format!("{need_name} of {service}");
            for block in security_group_blocks(&id, &what, group, tags()) {
                body = body.add_block(block);
            }
            let group_id = reference(&format!("aws_security_group.{id}.id"));
            arguments.insert(group.argument.clone(), Expression::Array(vec![group_id]));
        }
        for (name, how) in &need.generate {
            body = body.add_block(random_password(&generated_label(&id, name), how));
        }
        let mut call_block = Block::builder("module")
            .add_label(id.as_str())
            .add_attribute(attr("source", need.source.as_str()))
            .add_attribute(attr("version", need.version.as_str()));
        for (name, value) in arguments {
            call_block = call_block.add_attribute(attr(&name, value));
        }
        call_block = call_block.add_attribute(attr("tags", tags()));
        body = body.add_block(call_block.build());
        if need.secrets.is_empty() {
            continue;
        }
        for block in copied_secrets(&id, need) {
            body = body.add_block(block);
        }
        for block in store_blocks(&id, need, (backend, recovery), tags()) {
            body = body.add_block(block);
        }
    }
    if let Some(role) = &s.role {
        for block in role_blocks(env, s, role) {
            body = body.add_block(block);
        }
    }
    let body = body.build();
    let moves = super::terraform_moved::blocks(s, &body);
    Ok(Body::builder()
        .add_structures(body.into_inner())
        .add_blocks(moves)
        .build())
}

/// The service and need names a need's resources were created under (`renamed_from`).
fn state_names<'a>(s: &'a ResolvedService, need: &'a ModuleNeed) -> (&'a str, &'a str) {
    (
        crate::resolve::state_name(&s.name, &s.renamed_from),
        crate::resolve::state_name(&need.name, &need.renamed_from),
    )
}

/// A security group in the environment's VPC that admits only the client security
/// group, on the engine port. `name_prefix` plus create-before-destroy lets a change
/// that replaces the group (another VPC) apply without a name clash.
fn security_group_blocks(
    id: &str,
    what: &str,
    group: &SecurityGroup,
    tags: Expression,
) -> Vec<Block> {
    let lifecycle = Block::builder("lifecycle")
        .add_attribute(attr("create_before_destroy", true))
        .build();
    let sg = Block::builder("resource")
        .add_labels(["aws_security_group", id])
        .add_attribute(attr("name_prefix", group.name_prefix.as_str()))
        .add_attribute(attr(
            "description",
            format!("{what}: clients on port {}", group.port),
        ))
        .add_attribute(attr("vpc_id", group.vpc_id.as_str()))
        .add_attribute(attr("tags", tags))
        .add_block(lifecycle)
        .build();
    let ingress = Block::builder("resource")
        .add_labels(["aws_vpc_security_group_ingress_rule", id])
        .add_attribute(attr(
            "security_group_id",
            reference(&format!("aws_security_group.{id}.id")),
        ))
        .add_attribute(attr("referenced_security_group_id", group.client.as_str()))
        .add_attribute(attr("ip_protocol", "tcp"))
        .add_attribute(attr("from_port", i64::from(group.port)))
        .add_attribute(attr("to_port", i64::from(group.port)))
        .add_attribute(attr("description", "The cluster's workloads"))
        .build();
    vec![sg, ingress]
}

/// The label of the `random_password` holding a need's generated secret `name`:
/// generated names have no `_`, so labels stay injective.
pub(crate) fn generated_label(id: &str, name: &str) -> String {
    format!("{id}_{name}")
}

/// A generated secret: letters, digits and the module's special characters only (no
/// special characters when it allows none). It lives in the Terraform state, so it
/// changes only when rotated: `terraform apply -replace=random_password.<label>`.
fn random_password(label: &str, how: &GenerateFile) -> Block {
    let mut block = Block::builder("resource")
        .add_labels(["random_password", label])
        .add_attribute(attr("length", i64::from(how.length)))
        .add_attribute(attr("special", !how.special.is_empty()));
    if !how.special.is_empty() {
        block = block.add_attribute(attr("override_special", how.special.as_str()));
    }
    block.build()
}

/// The label of the data source reading a managed secret named by a module output.
fn copy_label(id: &str, output: &str) -> String {
    format!("{id}_{output}")
}

/// One data source per managed secret the need's outputs copy keys of (the
/// RDS-managed master user secret): its ARN is a module output, known after apply.
fn copied_secrets(id: &str, need: &ModuleNeed) -> Vec<Block> {
    let mut seen: Vec<&str> = Vec::new();
    for (_, from) in &need.secrets {
        if let SecretSource::Copy { output, .. } = from
            && !seen.contains(&output.as_str())
        {
            seen.push(output);
        }
    }
    seen.into_iter()
        .map(|output| {
            Block::builder("data")
                .add_labels(["aws_secretsmanager_secret_version", &copy_label(id, output)])
                .add_attribute(attr(
                    "secret_id",
                    reference(&format!("module.{id}.{output}")),
                ))
                .build()
        })
        .collect()
}

/// The need's secret where the store reads it: a Secrets Manager secret named by
/// its path, or a Vault KV v2 secret at the same path under the mount (ESO's Vault
/// provider prepends the mount and `data/` to `remoteRef.key`).
fn store_blocks(
    id: &str,
    need: &ModuleNeed,
    (backend, recovery): (&SecretBackend, u8),
    tags: Expression,
) -> Vec<Block> {
    let values: Vec<(&str, Expression)> = need
        .secrets
        .iter()
        .map(|(key, from)| (key.as_str(), secret_value(id, from)))
        .collect();
    let json = call("jsonencode", vec![object(values)]);
    match backend {
        SecretBackend::AwsSecretsManager => vec![
            Block::builder("resource")
                .add_labels(["aws_secretsmanager_secret", id])
                .add_attribute(attr("name", need.secret_path.as_str()))
                .add_attribute(attr("recovery_window_in_days", recovery))
                .add_attribute(attr("tags", tags))
                .build(),
            Block::builder("resource")
                .add_labels(["aws_secretsmanager_secret_version", id])
                .add_attribute(attr(
                    "secret_id",
                    reference(&format!("aws_secretsmanager_secret.{id}.id")),
                ))
                .add_attribute(attr("secret_string", json))
                .build(),
        ],
        SecretBackend::Vault { mount } => vec![
            Block::builder("resource")
                .add_labels(["vault_kv_secret_v2", id])
                .add_attribute(attr("mount", mount.as_str()))
                .add_attribute(attr("name", need.secret_path.as_str()))
                .add_attribute(attr("data_json", json))
                .build(),
        ],
    }
}

/// A module argument: data as an HCL literal (so `${` in a string stays text), a
/// `{ tf: ... }` expression as the expression it is.
fn argument(id: &str, value: &Argument) -> Result<Expression, WriteError> {
    match value {
        Argument::Value(v) => to_expression(v),
        Argument::Generated(name) => Ok(generated(id, name)),
        Argument::Expression(text) => parse_expression(text).map_err(|message| WriteError {
            format: "HCL",
            message,
        }),
    }
}

/// The value of a need's generated secret.
fn generated(id: &str, name: &str) -> Expression {
    reference(&format!(
        "random_password.{}.result",
        generated_label(id, name)
    ))
}

/// What Terraform writes into one key of a need's secret.
fn secret_value(id: &str, from: &SecretSource) -> Expression {
    match from {
        SecretSource::Output(output) => reference(&format!("module.{id}.{output}")),
        SecretSource::Format(format) => slots(id, format),
        SecretSource::Generated(name) => generated(id, name),
        SecretSource::Copy { output, property } => {
            let label = copy_label(id, output);
            let text = reference(&format!(
                "data.aws_secretsmanager_secret_version.{label}.secret_string"
            ));
            Expression::from(hcl::expr::Traversal::new(
                call("jsondecode", vec![text]),
                [hcl::expr::TraversalOperator::Index(Expression::from(
                    property.as_str(),
                ))],
            ))
        }
    }
}

/// A string with `{output}` slots as an HCL expression: one slot alone is a reference,
/// anything else a template with `${module.<id>.<output>}` interpolations.
fn slots(id: &str, format: &str) -> Expression {
    if let Some(output) = format.strip_prefix('{').and_then(|f| f.strip_suffix('}'))
        && !output.contains(['{', '}'])
    {
        return reference(&format!("module.{id}.{output}"));
    }
    let mut raw = String::new();
    let mut rest = format;
    while let Some(open) = rest.find('{') {
        raw.push_str(&escape_literal(&rest[..open]));
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        raw.push_str(&format!(
            "${{module.{id}.{}}}",
            &rest[open + 1..open + close]
        ));
        rest = &rest[open + close + 1..];
    }
    raw.push_str(&escape_literal(rest));
    template(&raw)
}

/// A trust statement: the cluster's OIDC provider may issue this role to `subject`.
fn web_identity_trust(account: &str, subject: &str) -> Expression {
    let issuer = |suffix: &str| template(&format!("${{local.oidc_issuer}}{suffix}"));
    let mut condition = Object::new();
    condition.insert(
        ObjectKey::Expression(issuer(":sub")),
        Expression::from(subject),
    );
    condition.insert(
        ObjectKey::Expression(issuer(":aud")),
        Expression::from("sts.amazonaws.com"),
    );
    object(vec![
        ("Effect", "Allow".into()),
        ("Action", "sts:AssumeRoleWithWebIdentity".into()),
        (
            "Principal",
            object(vec![(
                "Federated",
                template(&format!(
                    "arn:${{data.aws_partition.current.partition}}:iam::{account}:oidc-provider/${{local.oidc_issuer}}"
                )),
            )]),
        ),
        (
            "Condition",
            object(vec![("StringEquals", Expression::Object(condition))]),
        ),
    ])
}

/// Literal text inside a quoted template: quotes, backslashes and template markers escaped.
fn escape_literal(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace("${", "$${")
        .replace("%{", "%%{")
}

/// An IAM role the service account assumes (IRSA), with the modules' statements.
fn role_blocks(env: &Environment, s: &ResolvedService, role: &str) -> Vec<Block> {
    let id = ident(&[&s.name]);
    let account = env.account.clone().unwrap_or_default();
    let mut trusted = vec![web_identity_trust(
        &account,
        &format!("system:serviceaccount:{}:{}", s.namespace, s.name),
    )];
    // KEDA reads a scaled worker's queue as the workload (`identityOwner: workload`): it
    // assumes this role with its own service account's web identity.
    if s.queue_scaler.is_some() {
        let operator = env.keda_operator.replacen('/', ":", 1);
        trusted.push(web_identity_trust(
            &account,
            &format!("system:serviceaccount:{operator}"),
        ));
    }
    let trust = object(vec![
        ("Version", "2012-10-17".into()),
        ("Statement", Expression::Array(trusted)),
    ]);
    let statements: Vec<Expression> = s
        .module_needs
        .iter()
        .flat_map(|n| {
            let need_id = ident(&[&s.name, &n.name]);
            n.iam.iter().map(move |(actions, resources)| {
                object(vec![
                    ("Effect", "Allow".into()),
                    (
                        "Action",
                        Expression::Array(actions.iter().map(|a| a.as_str().into()).collect()),
                    ),
                    (
                        "Resource",
                        Expression::Array(resources.iter().map(|r| slots(&need_id, r)).collect()),
                    ),
                ])
            })
        })
        .collect();
    let policy = object(vec![
        ("Version", "2012-10-17".into()),
        ("Statement", Expression::Array(statements)),
    ]);
    let tags = object(vec![("service", s.name.as_str().into())]);
    vec![
        Block::builder("resource")
            .add_labels(["aws_iam_role", id.as_str()])
            .add_attribute(attr("name", role))
            .add_attribute(attr("assume_role_policy", call("jsonencode", vec![trust])))
            .add_attribute(attr("tags", tags))
            .build(),
        Block::builder("resource")
            .add_labels(["aws_iam_role_policy", id.as_str()])
            .add_attribute(attr("name", "needs"))
            .add_attribute(attr("role", reference(&format!("aws_iam_role.{id}.id"))))
            .add_attribute(attr("policy", call("jsonencode", vec![policy])))
            .build(),
    ]
}

fn outputs(services: &[&ResolvedService], backend: &SecretBackend) -> Body {
    let mut body = Body::builder();
    for s in services {
        for need in s.module_needs.iter().filter(|n| !n.secrets.is_empty()) {
            let id = ident(&[&s.name, &need.name]);
            let (label, value) = match backend {
                SecretBackend::AwsSecretsManager => (
                    format!("{id}_secret_arn"),
                    format!("aws_secretsmanager_secret.{id}.arn"),
                ),
                SecretBackend::Vault { .. } => (
                    format!("{id}_secret_path"),
                    format!("vault_kv_secret_v2.{id}.path"),
                ),
            };
            body = body.add_block(
                Block::builder("output")
                    .add_label(label)
                    .add_attribute(attr(
                        "description",
                        format!(
                            "Secret holding the outputs of `{}` of {}",
                            need.name, s.name
                        ),
                    ))
                    .add_attribute(attr("value", reference(&value)))
                    .build(),
            );
        }
        if s.role.is_some() {
            let id = ident(&[&s.name]);
            body = body.add_block(
                Block::builder("output")
                    .add_label(format!("{id}_role_arn"))
                    .add_attribute(attr(
                        "description",
                        format!("IAM role of the {} service account", s.name),
                    ))
                    .add_attribute(attr("value", reference(&format!("aws_iam_role.{id}.arn"))))
                    .build(),
            );
        }
    }
    body.build()
}

#[derive(Serialize)]
struct AtlantisFile {
    version: u8,
    automerge: bool,
    parallel_plan: bool,
    projects: Vec<AtlantisProject>,
}

#[derive(Serialize)]
struct AtlantisProject {
    name: String,
    dir: String,
    workspace: &'static str,
    autoplan: Autoplan,
}

#[derive(Serialize)]
struct Autoplan {
    enabled: bool,
    when_modified: Vec<&'static str>,
}

/// One Atlantis project per environment directory, on the default workspace (the
/// backend keys state by directory, not by workspace).
pub(crate) fn atlantis(cx: &RenderCx) -> Result<Artifact, Diagnostic> {
    let model = cx.model;
    let file = AtlantisFile {
        version: 3,
        automerge: false,
        parallel_plan: true,
        projects: model
            .platform
            .environments
            .iter()
            .map(|e| AtlantisProject {
                name: e.name.clone(),
                dir: cx.layout.terraform_dir(&e.name),
                workspace: "default",
                autoplan: Autoplan {
                    enabled: true,
                    when_modified: vec!["*.tf"],
                },
            })
            .collect(),
    };
    yaml_file(Layout::ATLANTIS.to_string(), Scope::default(), &file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ci_terraform_satisfies_required_version() {
        let minor = |v: &str| -> (u32, u32) {
            let mut parts = v.trim_start_matches(">= ").split('.');
            let mut next = || parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
            (next(), next())
        };
        let required = minor(TERRAFORM_VERSION);
        assert_eq!(required, (1, 11));
        // GitHub's setup-terraform and GitLab's image both run this version.
        assert!(minor(crate::render::ci::terraform::TERRAFORM_VERSION) >= required);
    }

    #[test]
    fn labels_are_injective_and_readable() {
        assert_eq!(ident(&["api", "jobs-queue"]), "api_jobs-queue");
        assert_eq!(ident(&["api-jobs", "queue"]), "api-jobs_queue");
        assert_eq!(ident(&["api", "jobs_queue"]), "api_jobs__queue");
        assert_eq!(ident(&["api_jobs", "queue"]), "api__jobs_queue");
        assert_eq!(ident(&["9s", "db"]), "_9s_db");
        assert!(hcl::Identifier::new(ident(&["9s-a", "b_c"])).is_ok());
    }

    #[test]
    fn a_copied_key_reads_the_managed_secret_json() {
        let from = SecretSource::Copy {
            output: "db_instance_master_user_secret_arn".into(),
            property: "password".into(),
        };
        let text = hcl::format::to_string(&secret_value("a_db", &from)).unwrap();
        assert_eq!(
            text,
            "jsondecode(data.aws_secretsmanager_secret_version.a_db_db_instance_master_user_secret_arn.secret_string)[\"password\"]"
        );
    }

    #[test]
    fn a_generated_secret_is_a_random_password_read_by_argument_and_secret() {
        let how = GenerateFile {
            length: 32,
            special: "!#-".into(),
        };
        let body = Body::builder()
            .add_block(random_password(&generated_label("a_db", "password"), &how))
            .build();
        assert_eq!(
            to_tf(&body).unwrap(),
            "resource \"random_password\" \"a_db_password\" {\n  length           = 32\n  special          = true\n  override_special = \"!#-\"\n}\n"
        );
        let none = GenerateFile {
            length: 16,
            special: String::new(),
        };
        let text = to_tf(
            &Body::builder()
                .add_block(random_password("x", &none))
                .build(),
        )
        .unwrap();
        assert!(text.contains("special = false") && !text.contains("override_special"));
        let read = |e: Expression| hcl::format::to_string(&e).unwrap();
        let argument = argument("a_db", &Argument::Generated("password".into())).unwrap();
        assert_eq!(read(argument), "random_password.a_db_password.result");
        let secret = secret_value("a_db", &SecretSource::Generated("password".into()));
        assert_eq!(read(secret), "random_password.a_db_password.result");
    }

    #[test]
    fn format_slots_become_references_or_templates() {
        let text = |e: Expression| hcl::format::to_string(&e).unwrap();
        assert_eq!(text(slots("a_db", "{host}")), "module.a_db.host");
        assert_eq!(
            text(slots("a_db", "pg://{endpoint}/{name}")),
            "\"pg://${module.a_db.endpoint}/${module.a_db.name}\""
        );
        assert_eq!(text(slots("a_db", "{arn}/*")), "\"${module.a_db.arn}/*\"");
    }
}
