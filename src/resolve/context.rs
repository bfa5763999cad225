//! What resolving one environment reads besides the service files: the platform,
//! the environment, module definitions, and which inputs already failed on their own.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde_json::{Value, json};

use super::module::ModuleDef;
use super::resolved::{Environment, Platform};
use crate::load::Document;
use crate::source::{FileId, SourceMap};

pub(crate) struct EnvContext<'a> {
    pub(crate) platform: &'a Platform,
    pub(crate) pdoc: &'a Document,
    pub(crate) env: &'a Environment,
    pub(crate) namespace_pattern: Option<&'a str>,
    pub(crate) modules: &'a BTreeMap<String, ModuleDef>,
    /// Services whose files have errors of their own.
    pub(crate) broken: &'a BTreeSet<String>,
    /// Module types whose module files have errors of their own.
    pub(crate) broken_modules: &'a BTreeSet<String>,
    /// Files `files.<path>.from` refers to, as `load` read them.
    pub(crate) referenced: &'a BTreeMap<String, FileId>,
    pub(crate) sources: &'a SourceMap,
    /// [`EnvContext::platform_view`] as a template value, converted by the first need
    /// that reads it and shared by every other (of every environment): converting the
    /// whole platform file for each need cost more than evaluating its module.
    pub(crate) platform_template: &'a OnceLock<minijinja::Value>,
}

impl EnvContext<'_> {
    /// The text of a file `from` names, when `load` read it.
    pub(crate) fn referenced(&self, path: &str) -> Option<&str> {
        let file = self.referenced.get(path)?;
        Some(&self.sources.file(*file).text)
    }

    /// The platform file as written, with `name` set to the platform's resolved name
    /// (what module templates see as `platform`).
    pub(crate) fn platform_view(&self) -> Value {
        let mut map = self.pdoc.value.as_object().cloned().unwrap_or_default();
        map.insert("name".into(), Value::from(self.platform.name.clone()));
        Value::Object(map)
    }

    /// [`EnvContext::platform_view`] as a template value, converted once.
    pub(crate) fn platform_template(&self) -> minijinja::Value {
        let convert = || crate::template_budget::value(self.platform_view());
        self.platform_template.get_or_init(convert).clone()
    }
}

/// An environment as templates and policies see it (`env` in module templates and
/// policy expressions): one shape for both, so they read the same names.
pub(crate) fn environment_view(e: &Environment) -> Value {
    json!({
        "name": e.name, "cluster": e.cluster, "domain": e.domain, "cloud": e.cloud,
        "region": e.region, "account": e.account, "protected": e.protected,
        "network": e.network.as_ref().map(|n| json!({
            "vpc_id": n.vpc_id, "subnet_ids": n.subnet_ids,
            "client_security_group_id": n.client_security_group_id,
        })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_view_shows_the_network_templates_read() {
        let env = Environment {
            name: "prod".into(),
            cluster: None,
            domain: None,
            cloud: None,
            region: None,
            account: None,
            assume_role: None,
            eks_cluster: None,
            protected: false,
            ci_role: None,
            network: Some(crate::resolve::resolved::Network {
                vpc_id: "vpc-1".into(),
                subnet_ids: vec!["subnet-a".into(), "subnet-b".into()],
                client_security_group_id: "sg-1".into(),
            }),
            argocd_cluster: None,
            keda_operator: "keda/keda-operator".into(),
            pods: Default::default(),
        };
        assert_eq!(
            environment_view(&env)["network"],
            json!({ "vpc_id": "vpc-1", "subnet_ids": ["subnet-a", "subnet-b"], "client_security_group_id": "sg-1" })
        );
    }

    #[test]
    fn environment_view_lists_every_field_and_null_for_unset_ones() {
        let env = Environment {
            name: "prod".into(),
            cluster: Some("eks-prod".into()),
            domain: None,
            cloud: Some("aws".into()),
            region: Some("eu-west-1".into()),
            account: None,
            assume_role: None,
            eks_cluster: None,
            protected: true,
            ci_role: None,
            network: None,
            argocd_cluster: None,
            keda_operator: "keda/keda-operator".into(),
            pods: Default::default(),
        };
        let view = environment_view(&env);
        assert_eq!(
            view,
            json!({
                "name": "prod", "cluster": "eks-prod", "domain": null, "cloud": "aws",
                "region": "eu-west-1", "account": null, "protected": true, "network": null,
            })
        );
    }
}
