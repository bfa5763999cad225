//! The shape of the `.gitlab-ci.yml` pave writes, as typed values ([`GitlabCi`],
//! [`GitlabJob`]), checked against GitLab's keyword reference.
//!
//! Field order is the order keys are written; `None` and empty fields are left out.

use indexmap::IndexMap;
use serde::Serialize;

/// A whole `.gitlab-ci.yml`: the stages, the pipeline's rules, then the jobs by name.
#[derive(Debug, Serialize)]
pub(crate) struct GitlabCi {
    pub(crate) stages: Vec<&'static str>,
    pub(crate) workflow: GitlabWorkflow,
    #[serde(flatten)]
    pub(crate) jobs: IndexMap<String, GitlabJob>,
}

/// `workflow:`: the default auto-cancel setting, and rules that change it per pipeline.
#[derive(Debug, Serialize)]
pub(crate) struct GitlabWorkflow {
    pub(crate) auto_cancel: AutoCancel,
    pub(crate) rules: Vec<WorkflowRule>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct AutoCancel {
    pub(crate) on_new_commit: &'static str,
}

/// One `workflow: rules:` entry. A pipeline that matches no entry is not created, so
/// pave's list always ends with `when: always`.
#[derive(Debug, Serialize)]
pub(crate) struct WorkflowRule {
    #[serde(rename = "if", skip_serializing_if = "Option::is_none")]
    pub(crate) condition: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) when: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) auto_cancel: Option<AutoCancel>,
}

/// One GitLab CI job.
#[derive(Debug, Default, Serialize)]
pub(crate) struct GitlabJob {
    pub(crate) stage: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) image: Option<Image>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) services: Vec<Service>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) needs: Vec<Need>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) environment: Option<Environment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) resource_group: Option<String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub(crate) id_tokens: IndexMap<&'static str, IdToken>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub(crate) variables: IndexMap<&'static str, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cache: Option<Cache>,
    pub(crate) script: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) artifacts: Option<Artifacts>,
    pub(crate) rules: Vec<Rule>,
}

/// A job's image: a name, or a name with its entrypoint cleared so GitLab's shell
/// runs the script (images whose entrypoint is a program, like `terraform`).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum Image {
    Name(String),
    WithEntrypoint {
        name: String,
        entrypoint: Vec<&'static str>,
    },
}

/// A service container, reachable from the job under `alias`.
#[derive(Debug, Serialize)]
pub(crate) struct Service {
    pub(crate) name: &'static str,
    pub(crate) alias: &'static str,
}

/// A job this one waits for; `optional` when the other job may not be in the pipeline
/// (its rules did not match).
#[derive(Debug, Serialize)]
pub(crate) struct Need {
    pub(crate) job: String,
    pub(crate) artifacts: bool,
    pub(crate) optional: bool,
}

/// The environment a job deploys to.
#[derive(Debug, Serialize)]
pub(crate) struct Environment {
    pub(crate) name: String,
    pub(crate) action: &'static str,
}

/// An OIDC ID token GitLab puts into the job's variable of the same name.
#[derive(Debug, Serialize)]
pub(crate) struct IdToken {
    pub(crate) aud: &'static str,
}

#[derive(Debug, Serialize)]
pub(crate) struct Cache {
    pub(crate) key: String,
    pub(crate) paths: Vec<&'static str>,
}

/// What a job keeps: files for later jobs, and reports GitLab shows on the merge request.
#[derive(Debug, Serialize)]
pub(crate) struct Artifacts {
    pub(crate) paths: Vec<String>,
    /// `false`: only project members may download them (a plan holds secrets).
    pub(crate) public: bool,
    pub(crate) expire_in: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reports: Option<Reports>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Reports {
    pub(crate) terraform: String,
}

/// One entry of a job's `rules:`: when it runs, optionally only on changes; `when`
/// and `interruptible` apply to pipelines this entry matches.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Rule {
    #[serde(rename = "if")]
    pub(crate) condition: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) changes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) when: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) interruptible: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml_writer::to_yaml;

    #[test]
    fn a_gitlab_file_lists_jobs_after_the_stages() {
        let mut jobs = IndexMap::new();
        jobs.insert(
            "rules".to_string(),
            GitlabJob {
                stage: "check",
                image: Some(Image::WithEntrypoint {
                    name: "prom/prometheus".into(),
                    entrypoint: vec![""],
                }),
                script: vec!["promtool check rules x".into()],
                rules: vec![Rule {
                    condition: "$A",
                    interruptible: Some(true),
                    ..Rule::default()
                }],
                ..GitlabJob::default()
            },
        );
        let file = GitlabCi {
            stages: vec!["check"],
            workflow: GitlabWorkflow {
                auto_cancel: AutoCancel {
                    on_new_commit: "none",
                },
                rules: vec![WorkflowRule {
                    condition: None,
                    when: Some("always"),
                    auto_cancel: None,
                }],
            },
            jobs,
        };
        let expected = "stages:\n- check\nworkflow:\n  auto_cancel:\n    on_new_commit: none\n  rules:\n  - when: always\nrules:\n  stage: check\n  image:\n    name: prom/prometheus\n    entrypoint:\n    - \"\"\n  script:\n  - promtool check rules x\n  rules:\n  - if: $A\n    interruptible: true\n";
        assert_eq!(to_yaml(&file).unwrap(), expected);
    }
}
