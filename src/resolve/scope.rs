//! The placeholder vocabulary: which `${...}` names exist for one service in one
//! environment, and what each stands for.

use std::collections::BTreeMap;

use super::messages;
use super::module::{ModuleNeed, NeedOutput};
use super::resolved::Environment;

/// The environment fields a placeholder can read, besides `env.name`.
const ENV_FIELDS: [&str; 5] = ["domain", "region", "cluster", "account", "cloud"];
/// The outputs of a need served by another service of the platform.
pub(crate) const SERVICE_NEED_OUTPUTS: [&str; 3] = ["url", "host", "port"];

/// What `${needs.<name>.*}` can resolve to.
pub(crate) enum NeedOutputs {
    Service {
        host: String,
        port: u16,
    },
    Module(Box<ModuleNeed>),
    /// A need whose own errors are reported: its outputs expand to nothing, so that
    /// the values reading them do not report a second, misleading error.
    Broken,
}

/// What one placeholder stands for: text, or a key of a need's secret.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Expansion {
    Text(String),
    Secret { need: String, key: String },
}

/// Why a placeholder did not resolve: a message and a help line (worded in `messages`).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Unresolved(pub String, pub String);

/// The values placeholders of one service in one environment resolve to.
pub(crate) struct Scope<'a> {
    pub(crate) platform_name: &'a str,
    pub(crate) env: &'a Environment,
    pub(crate) service_name: &'a str,
    pub(crate) service_owner: &'a str,
    pub(crate) needs: BTreeMap<String, NeedOutputs>,
    /// Expanding a need's inputs, which cannot read the outputs of needs.
    pub(crate) in_need_inputs: bool,
}

impl Scope<'_> {
    pub(crate) fn lookup(&self, path: &str) -> Result<Expansion, Unresolved> {
        match path.split('.').collect::<Vec<_>>().as_slice() {
            ["needs", need, output] => self.need_output(need, output),
            _ => self.lookup_text(path).map(Expansion::Text),
        }
    }

    fn lookup_text(&self, path: &str) -> Result<String, Unresolved> {
        let env = self.env;
        match path.split('.').collect::<Vec<_>>().as_slice() {
            ["service", "name"] => Ok(self.service_name.to_string()),
            ["service", "owner"] => Ok(self.service_owner.to_string()),
            ["env", "name"] => Ok(env.name.clone()),
            ["env", field] if ENV_FIELDS.contains(field) => env_field(env, field)
                .cloned()
                .ok_or_else(|| messages::env_field_missing(&env.name, field)),
            ["platform", "name"] => Ok(self.platform_name.to_string()),
            _ => Err(messages::unknown_placeholder(path, &self.known())),
        }
    }

    fn need_output(&self, need: &str, output: &str) -> Result<Expansion, Unresolved> {
        if self.in_need_inputs {
            return Err(messages::need_output_in_need_inputs(need, output));
        }
        match self.needs.get(need) {
            Some(NeedOutputs::Broken) => Ok(Expansion::Text(String::new())),
            Some(NeedOutputs::Service { host, port }) => match output {
                "host" => Ok(Expansion::Text(host.clone())),
                "port" => Ok(Expansion::Text(port.to_string())),
                "url" => Ok(Expansion::Text(format!("http://{host}:{port}"))),
                _ => Err(messages::service_need_has_no_output(need, output)),
            },
            Some(NeedOutputs::Module(module)) => match module.outputs.get(output) {
                Some(NeedOutput::Value(v)) => Ok(Expansion::Text(v.clone())),
                Some(NeedOutput::Secret(key)) => Ok(Expansion::Secret {
                    need: need.to_string(),
                    key: key.clone(),
                }),
                None => {
                    let names: Vec<&str> = module.outputs.keys().map(String::as_str).collect();
                    Err(messages::module_need_has_no_output(
                        need,
                        &module.kind,
                        output,
                        &names,
                    ))
                }
            },
            None => {
                let names: Vec<&str> = self.needs.keys().map(String::as_str).collect();
                Err(messages::no_such_need(need, &names))
            }
        }
    }

    /// Every placeholder this scope resolves, for "did you mean" hints.
    pub(crate) fn known(&self) -> Vec<String> {
        let mut known: Vec<String> = vec!["service.name".into(), "service.owner".into()];
        known.push("env.name".into());
        known.extend(ENV_FIELDS.map(|f| format!("env.{f}")));
        known.push("platform.name".into());
        for (need, outputs) in &self.needs {
            match outputs {
                NeedOutputs::Service { .. } => {
                    known.extend(SERVICE_NEED_OUTPUTS.map(|o| format!("needs.{need}.{o}")))
                }
                NeedOutputs::Module(m) => {
                    known.extend(m.outputs.keys().map(|o| format!("needs.{need}.{o}")))
                }
                NeedOutputs::Broken => {}
            }
        }
        known
    }
}

/// The optional environment field `${env.<field>}` reads.
fn env_field<'e>(env: &'e Environment, field: &str) -> Option<&'e String> {
    match field {
        "domain" => env.domain.as_ref(),
        "region" => env.region.as_ref(),
        "cluster" => env.cluster.as_ref(),
        "account" => env.account.as_ref(),
        "cloud" => env.cloud.as_ref(),
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn staging() -> Environment {
        Environment {
            name: "staging".into(),
            cluster: None,
            domain: Some("staging.example.com".into()),
            cloud: None,
            region: Some("eu-west-1".into()),
            account: None,
            assume_role: None,
            eks_cluster: None,
            protected: false,
            ci_role: None,
            network: None,
            argocd_cluster: None,
            keda_operator: "keda/keda-operator".into(),
            pods: Default::default(),
        }
    }

    pub(crate) fn scope(env: &Environment) -> Scope<'_> {
        let mut needs = BTreeMap::new();
        needs.insert(
            "web".to_string(),
            NeedOutputs::Service {
                host: "web.web.svc.cluster.local".into(),
                port: 8080,
            },
        );
        needs.insert("db".to_string(), NeedOutputs::Broken);
        Scope {
            platform_name: "acme",
            env,
            service_name: "api",
            service_owner: "team-core",
            needs,
            in_need_inputs: false,
        }
    }

    fn text(s: &str) -> Result<Expansion, Unresolved> {
        Ok(Expansion::Text(s.into()))
    }

    #[test]
    fn service_env_and_platform_names_resolve() {
        let env = staging();
        let scope = scope(&env);
        assert_eq!(scope.lookup("service.name"), text("api"));
        assert_eq!(scope.lookup("service.owner"), text("team-core"));
        assert_eq!(scope.lookup("env.name"), text("staging"));
        assert_eq!(scope.lookup("env.domain"), text("staging.example.com"));
        assert_eq!(scope.lookup("platform.name"), text("acme"));
    }

    #[test]
    fn an_unset_environment_field_says_where_to_set_it() {
        let env = staging();
        let Err(Unresolved(message, help)) = scope(&env).lookup("env.account") else {
            panic!("env.account is unset");
        };
        assert_eq!(message, "environment `staging` has no `account`");
        assert_eq!(
            help,
            "set `environments.staging.account` in the platform file"
        );
    }

    #[test]
    fn service_need_outputs_resolve() {
        let env = staging();
        let scope = scope(&env);
        assert_eq!(
            scope.lookup("needs.web.host"),
            text("web.web.svc.cluster.local")
        );
        assert_eq!(scope.lookup("needs.web.port"), text("8080"));
        assert_eq!(
            scope.lookup("needs.web.url"),
            text("http://web.web.svc.cluster.local:8080")
        );
    }

    #[test]
    fn a_broken_need_expands_to_nothing() {
        let env = staging();
        assert_eq!(scope(&env).lookup("needs.db.anything"), text(""));
    }

    #[test]
    fn unknown_names_suggest_the_nearest_known_one() {
        let env = staging();
        let scope = scope(&env);
        let Err(Unresolved(message, help)) = scope.lookup("env.regoin") else {
            panic!("env.regoin is unknown");
        };
        assert_eq!(message, "unknown placeholder `${env.regoin}`");
        assert_eq!(help, "did you mean `${env.region}`?");
        let Err(Unresolved(message, _)) = scope.lookup("needs.web.hots") else {
            panic!("hots is no output");
        };
        assert_eq!(message, "need `web` has no output `hots`");
        let Err(Unresolved(message, _)) = scope.lookup("needs.cache.host") else {
            panic!("cache is no need");
        };
        assert_eq!(message, "this service has no need `cache`");
    }

    #[test]
    fn need_inputs_cannot_read_needs() {
        let env = staging();
        let mut scope = scope(&env);
        scope.in_need_inputs = true;
        assert!(scope.lookup("needs.web.host").is_err());
        assert_eq!(scope.lookup("service.name"), text("api"));
    }

    #[test]
    fn the_vocabulary_lists_fixed_names_then_need_outputs() {
        let env = staging();
        let known = scope(&env).known();
        assert_eq!(
            known,
            [
                "service.name",
                "service.owner",
                "env.name",
                "env.domain",
                "env.region",
                "env.cluster",
                "env.account",
                "env.cloud",
                "platform.name",
                "needs.web.url",
                "needs.web.host",
                "needs.web.port",
            ]
        );
    }
}
