//! The shapes of the GitHub Actions files pave writes, as typed values
//! ([`Workflow`], [`Job`], [`Step`]); GitLab CI's are in `gitlab_file`.
//!
//! Field order is the order keys are written; `None` and empty fields are left out.
//! Maps whose order matters (jobs, `with:` inputs) are `IndexMap`s in insertion order.

use indexmap::IndexMap;
use serde::Serialize;

use super::pins::Action;

/// A GitHub Actions workflow file.
#[derive(Debug, Serialize)]
pub(crate) struct Workflow {
    pub(crate) name: String,
    pub(crate) on: Triggers,
    pub(crate) permissions: Permissions,
    pub(crate) concurrency: Concurrency,
    pub(crate) jobs: IndexMap<String, Job>,
}

/// `on:`: the events that run a workflow.
#[derive(Debug, Serialize)]
pub(crate) struct Triggers {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) push: Option<PathFilter>,
    pub(crate) pull_request: PathFilter,
}

/// An event, restricted to changes under `paths` when there are any.
#[derive(Debug, Default, Clone, Serialize)]
pub(crate) struct PathFilter {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) paths: Vec<String>,
}

/// Least-privilege `permissions:` of a workflow or a job.
#[derive(Debug, Serialize)]
pub(crate) struct Permissions {
    pub(crate) contents: Access,
    #[serde(rename = "pull-requests", skip_serializing_if = "Option::is_none")]
    pub(crate) pull_requests: Option<Access>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) packages: Option<Access>,
    /// `write` lets a job request an OIDC token (cloud roles without stored keys).
    #[serde(rename = "id-token", skip_serializing_if = "Option::is_none")]
    pub(crate) id_token: Option<Access>,
}

impl Permissions {
    /// Read the repository, nothing else.
    pub(crate) fn read_contents() -> Permissions {
        Permissions {
            contents: Access::Read,
            pull_requests: None,
            packages: None,
            id_token: None,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Access {
    Read,
    Write,
}

/// A `concurrency:` group; `cancel_in_progress` is an expression, so only some
/// events (pave's: pull requests) cancel the run they supersede.
#[derive(Debug, Serialize)]
pub(crate) struct Concurrency {
    pub(crate) group: &'static str,
    #[serde(rename = "cancel-in-progress")]
    pub(crate) cancel_in_progress: &'static str,
}

/// One job of a workflow.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Job {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) needs: Option<String>,
    #[serde(rename = "if", skip_serializing_if = "Option::is_none")]
    pub(crate) condition: Option<String>,
    pub(crate) runs_on: &'static str,
    /// The image the job's steps run in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) container: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) permissions: Option<Permissions>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub(crate) outputs: IndexMap<String, String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub(crate) env: IndexMap<&'static str, &'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) defaults: Option<Defaults>,
    pub(crate) steps: Vec<Step>,
}

/// `defaults:` of a job: where its `run` steps run.
#[derive(Debug, Serialize)]
pub(crate) struct Defaults {
    pub(crate) run: RunDefaults,
}

#[derive(Debug, Serialize)]
pub(crate) struct RunDefaults {
    #[serde(rename = "working-directory")]
    pub(crate) working_directory: String,
}

/// One step: an action (`uses` with `with` inputs) or a shell command (`run`).
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Step {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<&'static str>,
    #[serde(rename = "if", skip_serializing_if = "Option::is_none")]
    pub(crate) condition: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) working_directory: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) uses: Option<Action>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub(crate) with: IndexMap<&'static str, String>,
    /// Values a `run` script reads as `"$NAME"`: input text never becomes shell code.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub(crate) env: IndexMap<&'static str, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) run: Option<String>,
}

impl Step {
    /// A step that runs an action with its inputs, in order.
    pub(crate) fn uses(action: Action, with: &[(&'static str, String)]) -> Step {
        Step {
            uses: Some(action),
            with: with.iter().cloned().collect(),
            ..Step::default()
        }
    }

    /// A named shell step.
    pub(crate) fn run(name: impl Into<String>, command: impl Into<String>) -> Step {
        Step {
            name: Some(name.into()),
            run: Some(command.into()),
            ..Step::default()
        }
    }

    pub(crate) fn named(mut self, name: impl Into<String>) -> Step {
        self.name = Some(name.into());
        self
    }

    pub(crate) fn when(mut self, condition: &'static str) -> Step {
        self.condition = Some(condition);
        self
    }

    pub(crate) fn with_env(mut self, env: &[(&'static str, String)]) -> Step {
        self.env = env.iter().cloned().collect();
        self
    }
}

/// The `filters` input of `dorny/paths-filter`: named lists of globs, which the action
/// reads as YAML text. Globs are single-quoted, `'` doubled, so any path stays one glob.
#[derive(Debug, Default)]
pub(crate) struct PathsFilters(pub Vec<(String, Vec<String>)>);

impl PathsFilters {
    pub(crate) fn to_text(&self) -> String {
        let mut text = String::new();
        for (name, globs) in &self.0 {
            text.push_str(name);
            text.push_str(":\n");
            for glob in globs {
                text.push_str("  - '");
                text.push_str(&glob.replace('\'', "''"));
                text.push_str("'\n");
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml_writer::to_yaml;

    #[test]
    fn a_workflow_serializes_in_field_order_without_empty_fields() {
        let mut jobs = IndexMap::new();
        jobs.insert(
            "check".to_string(),
            Job {
                runs_on: "ubuntu-24.04",
                steps: vec![
                    Step::uses(super::super::pins::CHECKOUT, &[]),
                    Step::run("Check", "pave check").with_env(&[("A", "a".into())]),
                ],
                ..Job::default()
            },
        );
        let workflow = Workflow {
            name: "pave check".into(),
            on: Triggers {
                push: None,
                pull_request: PathFilter::default(),
            },
            permissions: Permissions::read_contents(),
            concurrency: Concurrency {
                group: "g",
                cancel_in_progress: "${{ false }}",
            },
            jobs,
        };
        let expected = "name: pave check\n\"on\":\n  pull_request: {}\npermissions:\n  contents: read\nconcurrency:\n  group: g\n  cancel-in-progress: ${{ false }}\njobs:\n  check:\n    runs-on: ubuntu-24.04\n    steps:\n    - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n    - name: Check\n      env:\n        A: a\n      run: pave check\n";
        assert_eq!(to_yaml(&workflow).unwrap(), expected);
    }

    #[test]
    fn paths_filters_quote_every_glob() {
        let filters = PathsFilters(vec![
            ("dev".into(), vec!["out/terraform/dev/**".into()]),
            ("prod".into(), vec!["a'b/**".into()]),
        ]);
        assert_eq!(
            filters.to_text(),
            "dev:\n  - 'out/terraform/dev/**'\nprod:\n  - 'a''b/**'\n"
        );
    }
}
