//! Secret wiring: the `secrets` a service reads from the secret store, and the
//! environment variables that read a module need's secret outputs (the Kubernetes
//! Secret External Secrets writes, read through `secretKeyRef`).

use std::collections::HashSet;

use super::expand::{Expanded, Wiring};
use super::resolved::{SecretEnv, SecretRef};
use crate::model::service::ServiceSpec;

/// The environment variable a need's secret key is read into: `PAVE_DB_HOST`.
pub(crate) fn secret_var(need: &str, key: &str) -> String {
    let clean = |s: &str| {
        s.chars()
            .map(|c| match c.is_ascii_alphanumeric() {
                true => c.to_ascii_uppercase(),
                false => '_',
            })
            .collect::<String>()
    };
    format!("PAVE_{}_{}", clean(need), clean(key))
}

/// The Kubernetes Secret External Secrets writes a module need's secret outputs into.
pub(crate) fn need_secret_name(service: &str, need: &str) -> String {
    format!("{service}-{}", need.replace('_', "-"))
}

/// `NAME: {ref: path#key}` of the service's `secrets`, in the order written.
pub(crate) fn secret_refs(spec: &ServiceSpec) -> Vec<SecretRef> {
    spec.secrets
        .iter()
        .map(|(name, s)| {
            let (path, key) = s.reference.split_once('#').unwrap_or((&s.reference, ""));
            SecretRef {
                env_name: name.clone(),
                path: path.into(),
                key: key.into(),
            }
        })
        .collect()
}

/// The environment of a pod once secret outputs are wired in.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct WiredEnv {
    /// Plain variables (the ConfigMap), in the order written.
    pub(crate) env_vars: Vec<(String, String)>,
    /// Variables read from a need's Kubernetes Secret.
    pub(crate) secret_env: Vec<SecretEnv>,
    /// Variables whose values embed secret variables as `$(VAR)`.
    pub(crate) dependent_env: Vec<(String, String)>,
}

/// Moves environment variables that read a need's secret out of the ConfigMap: a value
/// that is one secret output becomes a `secretKeyRef`; a longer string becomes a
/// dependent variable (`$(PAVE_DB_HOST)`) after the helper variables it reads, which
/// come first, each once.
pub(crate) fn wire(env_vars: Vec<(String, String)>, wiring: Wiring) -> WiredEnv {
    let mut helpers: Vec<SecretEnv> = Vec::new();
    let mut direct: Vec<SecretEnv> = Vec::new();
    let mut dependent_env = Vec::new();
    // Collected, then removed in one pass: one `retain` per variable would make
    // a file with many secret-reading variables quadratic.
    let mut moved: HashSet<String> = HashSet::new();
    for (pointer, expanded) in wiring {
        let env_name = pointer
            .strip_prefix("/env/")
            .map(|n| n.replace("~1", "/").replace("~0", "~"));
        match (env_name, expanded) {
            (Some(name), Expanded::Secret(secret)) => {
                direct.push(SecretEnv {
                    name: name.clone(),
                    ..secret
                });
                moved.insert(name);
            }
            (Some(name), expanded) => {
                moved.insert(name.clone());
                dependent_env.push((name, expanded.text()));
                helpers.extend(secrets_of(expanded));
            }
            (None, expanded) => helpers.extend(secrets_of(expanded)),
        }
    }
    let mut seen: HashSet<String> = HashSet::new();
    let mut secret_env: Vec<SecretEnv> = helpers
        .into_iter()
        .filter(|h| seen.insert(h.name.clone()))
        .collect();
    secret_env.extend(direct);
    WiredEnv {
        env_vars: env_vars
            .into_iter()
            .filter(|(n, _)| !moved.contains(n))
            .collect(),
        secret_env,
        dependent_env,
    }
}

/// The secret variables an expanded string reads.
fn secrets_of(expanded: Expanded) -> Vec<SecretEnv> {
    match expanded {
        Expanded::Text(_) => Vec::new(),
        Expanded::Secret(secret) => vec![secret],
        Expanded::Embedded { secrets, .. } => secrets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(name: &str, key: &str) -> SecretEnv {
        SecretEnv {
            name: name.into(),
            secret: "api-db".into(),
            key: key.into(),
        }
    }

    #[test]
    fn secret_names_are_derived_from_need_and_key() {
        assert_eq!(secret_var("main_db", "pass-word"), "PAVE_MAIN_DB_PASS_WORD");
        assert_eq!(need_secret_name("api", "main_db"), "api-main-db");
    }

    #[test]
    fn a_whole_secret_becomes_a_secret_key_ref_and_leaves_the_config_map() {
        let env = vec![
            ("PASSWORD".into(), "$(PAVE_DB_PASSWORD)".into()),
            ("LOG".into(), "info".into()),
        ];
        let wiring = vec![(
            "/env/PASSWORD".to_string(),
            Expanded::Secret(secret("PAVE_DB_PASSWORD", "password")),
        )];
        let wired = wire(env, wiring);
        assert_eq!(wired.env_vars, [("LOG".to_string(), "info".to_string())]);
        assert_eq!(wired.secret_env, [secret("PASSWORD", "password")]);
        assert!(wired.dependent_env.is_empty());
    }

    #[test]
    fn an_embedding_string_becomes_dependent_after_its_helpers_each_once() {
        let url = Expanded::Embedded {
            text: "pg://$(PAVE_DB_PASSWORD)@h".into(),
            secrets: vec![secret("PAVE_DB_PASSWORD", "password")],
        };
        let arg = Expanded::Secret(secret("PAVE_DB_PASSWORD", "password"));
        let wiring = vec![("/env/URL".to_string(), url), ("/args/0".to_string(), arg)];
        let wired = wire(vec![("URL".into(), "x".into())], wiring);
        assert!(wired.env_vars.is_empty());
        assert_eq!(
            wired.dependent_env,
            [("URL".to_string(), "pg://$(PAVE_DB_PASSWORD)@h".to_string())]
        );
        assert_eq!(wired.secret_env, [secret("PAVE_DB_PASSWORD", "password")]);
    }
}
