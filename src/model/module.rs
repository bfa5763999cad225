//! A module file as written (`modules/<type>/module.yaml`, or a built-in module):
//! what a need of this `type` means on the platform.
//!
//! Two parts are arbitrary JSON by design and stay `serde_json::Value`: `inputs` (JSON
//! Schema properties, compiled into a validator) and `terraform.inputs` (module
//! arguments: any data, with templates in its strings).

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The module file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ModuleFile {
    /// The need type services write (`postgres`).
    #[serde(rename = "type")]
    pub(crate) kind: String,
    /// Free text for people reading the module; pave does not use it.
    #[serde(rename = "description")]
    pub(crate) _description: Option<serde::de::IgnoredAny>,
    /// Input name -> its JSON Schema, in the order written.
    #[serde(default)]
    pub(crate) inputs: Map<String, Value>,
    pub(crate) terraform: TerraformModuleFile,
    pub(crate) outputs: IndexMap<String, OutputFile>,
    #[serde(default)]
    pub(crate) iam: Vec<IamStatementFile>,
    /// Whether the module's resources live in the environment's network.
    pub(crate) network: Option<NetworkFile>,
    /// Destroying its resources loses data: removing one is reported, and refused in
    /// a protected environment unless allowed.
    #[serde(default)]
    pub(crate) stateful: bool,
    /// Secrets Terraform generates per need (name -> how), in the order written:
    /// passed to the module as `{ generated: <name> }` and delivered by an output
    /// `{ secret: <key>, generated: <name> }`.
    #[serde(default)]
    pub(crate) generate: IndexMap<String, GenerateFile>,
}

/// A secret Terraform generates (`random_password`): it lives in the Terraform state
/// and changes only when the resource is replaced.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GenerateFile {
    /// Characters in the secret.
    pub(crate) length: u16,
    /// The special characters it may hold besides letters and digits (empty: none),
    /// so a service's forbidden characters are left out.
    #[serde(default)]
    pub(crate) special: String,
}

/// `network`: `required`, or with a security group pave creates for the module.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub(crate) enum NetworkFile {
    /// `required`: the module reads `env.network` itself.
    Required(Required),
    WithSecurityGroup {
        security_group: SecurityGroupFile,
    },
}

/// The one word `required`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Required {
    Required,
}

/// A security group in the environment's VPC admitting only the client security group.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SecurityGroupFile {
    /// The engine port clients connect to.
    pub(crate) port: u16,
    /// The module argument that takes a list of security group IDs.
    pub(crate) argument: String,
}

/// `terraform`: the Terraform module a need becomes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TerraformModuleFile {
    pub(crate) source: String,
    pub(crate) version: String,
    /// Argument name -> value or template, in the order written.
    #[serde(default)]
    pub(crate) inputs: Map<String, Value>,
}

/// One output: a plain value, or a key of the need's secret that Terraform fills.
/// The schema's `oneOf` admits exactly these shapes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub(crate) enum OutputFile {
    /// `value`: a template over the need's context.
    Value { value: String },
    /// `secret` + `from`: a Terraform module output.
    SecretFrom { secret: String, from: String },
    /// `secret` + `format`: a string with `{output}` slots.
    SecretFormat { secret: String, format: String },
    /// `secret` + `from_secret` + `property`: one key of a Secrets Manager secret whose
    /// ARN is a module output (the RDS-managed master user secret).
    SecretCopy {
        secret: String,
        from_secret: String,
        property: String,
    },
    /// `secret` + `compose`: assembled by the ExternalSecret from the need's other
    /// secret keys (`{key}` slots), so no secret value passes through pave.
    SecretCompose { secret: String, compose: String },
    /// `secret` + `generated`: a secret of the module's `generate` block.
    SecretGenerated { secret: String, generated: String },
}

/// An IAM statement the service's workload role needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IamStatementFile {
    pub(crate) actions: Vec<String>,
    /// ARNs with `{output}` slots.
    pub(crate) resources: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_module_file_decodes_typed() {
        let m: ModuleFile = serde_json::from_value(json!({
            "type": "postgres",
            "inputs": { "size": { "type": "string", "default": "small" }, "storage": { "type": "integer" } },
            "terraform": { "source": "terraform-aws-modules/rds/aws", "version": "~> 6.10",
                           "inputs": { "identifier": "{{ service.name }}", "multi_az": true } },
            "outputs": {
                "host": { "value": "{{ need.name }}.db" },
                "password": { "secret": "password", "from": "db_password" },
                "url": { "secret": "url", "format": "postgres://{address}" },
            },
            "iam": [{ "actions": ["rds:Connect"], "resources": ["{arn}"] }],
        }))
        .unwrap();
        assert_eq!(m.kind, "postgres");
        assert_eq!(m.inputs.keys().collect::<Vec<_>>(), ["size", "storage"]);
        assert_eq!(m.terraform.inputs["multi_az"], json!(true));
        let outputs: Vec<&OutputFile> = m.outputs.values().collect();
        assert_eq!(
            outputs,
            [
                &OutputFile::Value {
                    value: "{{ need.name }}.db".into()
                },
                &OutputFile::SecretFrom {
                    secret: "password".into(),
                    from: "db_password".into()
                },
                &OutputFile::SecretFormat {
                    secret: "url".into(),
                    format: "postgres://{address}".into()
                },
            ]
        );
        assert_eq!(m.iam[0].actions, ["rds:Connect"]);
    }

    #[test]
    fn the_builtin_modules_decode() {
        for (name, text) in crate::load::BUILTIN_MODULES {
            let (doc, diags) = crate::load::parse_yaml(crate::source::FileId(0), text);
            assert!(diags.is_empty(), "{name}");
            let decoded = serde_json::from_value::<ModuleFile>(doc.unwrap().value);
            assert!(decoded.is_ok(), "{name}: {decoded:?}");
        }
    }
}
