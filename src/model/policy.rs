//! Policy files as written: a pack (`policies/*.yaml`, or a built-in pack such as
//! `src/policy/baseline.yaml`) and the platform file's `policies` block.
//!
//! Expressions and templates stay text here; `policy` compiles them and points at
//! them through the document, so nothing in this module knows about spans.

use indexmap::IndexMap;
use serde::Deserialize;

/// How strongly a policy is enforced in one environment (ordered: `Off` < `Error`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Level {
    Off,
    Warning,
    Error,
}

impl Level {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// What a policy looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Scope {
    /// The resolved service in one environment.
    Service,
    /// Each rendered Kubernetes object.
    Kubernetes,
}

/// A policy pack file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PackFile {
    #[serde(default)]
    pub(crate) policies: Vec<PolicyFile>,
    #[serde(default)]
    pub(crate) exceptions: Vec<ExceptionFile>,
}

/// One policy of a pack.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PolicyFile {
    pub(crate) id: String,
    pub(crate) description: String,
    pub(crate) severity: Level,
    pub(crate) scope: Scope,
    #[serde(default)]
    pub(crate) kinds: Vec<String>,
    pub(crate) when: Option<Expression>,
    pub(crate) assert: Expression,
    pub(crate) message: Option<String>,
    pub(crate) field: Option<String>,
    pub(crate) waivable: Option<bool>,
}

/// A minijinja expression, or a literal boolean (`when: false`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub(crate) enum Expression {
    Literal(bool),
    Text(String),
}

impl Expression {
    /// The expression as minijinja compiles it (`true` for a literal `true`).
    pub(crate) fn text(&self) -> String {
        match self {
            Expression::Literal(b) => b.to_string(),
            Expression::Text(text) => text.clone(),
        }
    }
}

/// A governed waiver, in a pack or in the platform file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExceptionFile {
    pub(crate) policy: String,
    #[serde(default)]
    pub(crate) services: Vec<String>,
    #[serde(default)]
    pub(crate) environments: Vec<String>,
    pub(crate) reason: String,
    /// `YYYY-MM-DD`; an impossible date is reported by the policy stage.
    pub(crate) expires: String,
}

/// The platform file's `policies` block.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PoliciesFile {
    /// Built-in packs by name; absent means the baseline.
    pub(crate) packs: Option<Vec<String>>,
    /// Policy id -> its level, in the order written.
    #[serde(default)]
    pub(crate) rules: IndexMap<String, Rule>,
    #[serde(default)]
    pub(crate) exceptions: Vec<ExceptionFile>,
}

/// `policies.rules.<id>`: one level, or one per environment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub(crate) enum Rule {
    All(Level),
    PerEnv(IndexMap<String, Level>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_pack_decodes_typed() {
        let pack: PackFile = serde_json::from_value(json!({
            "policies": [{
                "id": "replicas.min", "description": "d", "severity": "warning",
                "scope": "kubernetes", "kinds": ["Deployment"], "when": false,
                "assert": "object.spec.replicas >= 2", "waivable": false,
            }],
            "exceptions": [{ "policy": "replicas.min", "reason": "r", "expires": "2027-01-01" }],
        }))
        .unwrap();
        let p = &pack.policies[0];
        assert_eq!((p.severity, p.scope), (Level::Warning, Scope::Kubernetes));
        assert_eq!(
            p.when.as_ref().map(Expression::text).as_deref(),
            Some("false")
        );
        assert_eq!(p.assert.text(), "object.spec.replicas >= 2");
        assert_eq!(pack.exceptions[0].expires, "2027-01-01");
    }

    #[test]
    fn the_builtin_baseline_decodes() {
        let text = include_str!("../policy/baseline.yaml");
        let (doc, diags) = crate::load::parse_yaml(crate::source::FileId(0), text);
        assert!(diags.is_empty());
        let pack: PackFile = serde_json::from_value(doc.unwrap().value).unwrap();
        assert!(!pack.policies.is_empty());
    }

    #[test]
    fn an_unknown_severity_or_scope_does_not_decode() {
        let policy = |severity: &str, scope: &str| {
            serde_json::from_value::<PolicyFile>(json!({
                "id": "a", "description": "d", "severity": severity, "scope": scope, "assert": true,
            }))
        };
        assert!(policy("error", "service").is_ok());
        assert!(policy("fatal", "service").is_err());
        assert!(policy("error", "cluster").is_err());
    }

    #[test]
    fn a_rule_is_one_level_or_one_per_environment() {
        let rules: PoliciesFile = serde_json::from_value(json!({
            "rules": { "a": "off", "b": { "prod": "error", "dev": "warning" } },
        }))
        .unwrap();
        assert_eq!(rules.rules["a"], Rule::All(Level::Off));
        let Rule::PerEnv(levels) = &rules.rules["b"] else {
            panic!("per-environment levels: {:?}", rules.rules["b"])
        };
        assert_eq!(levels.keys().collect::<Vec<_>>(), ["prod", "dev"]);
    }
}
