//! `pave policies`: the policies in force, with their severity in each environment.

use std::path::Path;

use super::{Exit, Output, environment_names, stop};
use crate::diag::{self, Diagnostic};
use crate::policy::{self, PolicySet};
use crate::source::SourceMap;

/// Prints the policies in force: id, scope, severity in each environment, waivable, description.
pub fn policies(root: &Path, output: Output) -> Exit {
    let mut sources = SourceMap::default();
    let (inputs, mut diags) = crate::load::load(root, &mut sources);
    let (model, resolve_diags) = crate::resolve::resolve(&inputs, &sources);
    diags.extend(resolve_diags);
    let Some(model) = model else {
        diag::sort(&mut diags, &sources);
        return stop(&diags, &sources, output);
    };
    let envs: Vec<String> = environment_names(&model)
        .into_iter()
        .map(str::to_string)
        .collect();
    let services: Vec<String> = model.services.iter().map(|s| s.name.clone()).collect();
    let (set, set_diags) = policy::collect(&inputs, &envs, &services);
    if set_diags.iter().any(Diagnostic::is_error) {
        return stop(&set_diags, &sources, output);
    }
    print!("{}", table(&set, &envs));
    Exit::Ok
}

fn table(set: &PolicySet, envs: &[String]) -> String {
    let width = set
        .policies
        .iter()
        .map(|p| p.id.len())
        .max()
        .unwrap_or(2)
        .max(2);
    let mut out = format!("{:<width$}  {:<10}", "id", "scope");
    for env in envs {
        out.push_str(&format!("  {env:<8}"));
    }
    out.push_str("  waivable  description\n");
    for p in &set.policies {
        let scope = match p.scope {
            policy::Scope::Service => "service",
            policy::Scope::Kubernetes => "kubernetes",
        };
        out.push_str(&format!("{:<width$}  {scope:<10}", p.id));
        for env in envs {
            out.push_str(&format!("  {:<8}", set.level(p, env).as_str()));
        }
        let waivable = if p.waivable { "yes" } else { "no" };
        out.push_str(&format!("  {waivable:<8}  {}\n", p.description));
    }
    out
}
