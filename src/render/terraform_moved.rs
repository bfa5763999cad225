//! Terraform `moved` blocks for renamed services and needs (`renamed_from`).
//!
//! A renamed service or need gets new Terraform labels (`terraform::ident`), so
//! without a `moved` block Terraform would destroy what the old address holds and
//! create it again, empty. The moves are read off the service's own Terraform body:
//! every `module` and `resource` block whose label is the need's label (or the
//! service's, for the IAM role), or begins with it and `_`, moves from the same label
//! built from the old names. So every address a move names exists in the new
//! configuration, and a resource pave adds per need later is moved without a change
//! here. Data sources are read again, never moved (Terraform refuses to move them).
//!
//! Terraform allows one source per destination, so a history is one chain, oldest
//! first: the service's previous names (need under its oldest name), then the need's.
//! That covers a state created under the oldest names and renamed in any steps in
//! that order, in particular one change that renames both.

use hcl::{Block, Body};

use std::collections::HashMap;

use super::terraform::{ident, need_labels};
use crate::hcl_writer::reference;
use crate::resolve::ResolvedService;

/// The `moved` blocks of service `s`, whose Terraform body (without moves) is `body`.
pub(crate) fn blocks(s: &ResolvedService, body: &Body) -> Vec<Block> {
    let mut out = Vec::new();
    let services = chain(&s.name, &s.renamed_from);
    let needs = need_labels(s);
    let service = ident(&[&s.name]);
    for block in body.blocks() {
        let Some((kind, label)) = address(block) else {
            continue;
        };
        let owner = need_of(&label, &needs)
            .map(|(i, rest)| (Some(&s.module_needs[i]), rest))
            .or_else(|| suffix(&label, &service).map(|rest| (None, rest)));
        let Some((need, rest)) = owner else { continue };
        let labels: Vec<String> = match need {
            Some(n) => need_chain(&services, &chain(&n.name, &n.renamed_from))
                .iter()
                .map(|(service, need)| format!("{}{rest}", ident(&[service, need])))
                .collect(),
            None => services
                .iter()
                .map(|service| format!("{}{rest}", ident(&[service])))
                .collect(),
        };
        for pair in labels.windows(2) {
            out.push(moved(&kind, &pair[0], &pair[1]));
        }
    }
    out
}

/// The first need (by index) whose label `label` is or begins with, and the rest:
/// the labels a need's blocks may have are `label` cut at a joint, so each cut is
/// looked up instead of trying every need (which made a service with many needs
/// quadratic).
fn need_of<'a>(label: &'a str, needs: &HashMap<String, usize>) -> Option<(usize, &'a str)> {
    let cuts = label
        .char_indices()
        .filter(|&(_, c)| c == '_')
        .map(|(at, _)| at)
        .chain([label.len()]);
    cuts.filter_map(|at| {
        let rest = suffix(label, &label[..at])?;
        needs.get(&label[..at]).map(|&i| (i, rest))
    })
    .min_by_key(|&(i, _)| i)
}

/// The names along a history, oldest first, ending with the current name.
fn chain<'a>(name: &'a str, renamed_from: &'a [String]) -> Vec<&'a str> {
    renamed_from
        .iter()
        .rev()
        .map(String::as_str)
        .chain([name])
        .collect()
}

/// The (service, need) pairs a need's state passes through, oldest first: the
/// service's renames under the need's oldest name, then the need's renames.
fn need_chain<'a>(services: &[&'a str], needs: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    let (Some(first_need), Some(current)) = (needs.first(), services.last()) else {
        return Vec::new();
    };
    let mut pairs: Vec<(&str, &str)> = services.iter().map(|s| (*s, *first_need)).collect();
    pairs.extend(needs.iter().skip(1).map(|n| (*current, *n)));
    pairs
}

/// `label` is `id` or `id_<rest>`: the rest (with its `_`). A need's label also
/// begins with its service's label and `_`, so needs are tried before the service.
fn suffix<'a>(label: &'a str, id: &str) -> Option<&'a str> {
    let rest = label.strip_prefix(id)?;
    // `__` is a `_` inside the next name (`api_db__x` is need `db_x`), not a joint.
    let joint = rest.starts_with('_') && !rest.starts_with("__");
    (rest.is_empty() || joint).then_some(rest)
}

/// A block's address kind and label: `module.<label>` or `<type>.<label>`.
fn address(block: &Block) -> Option<(String, String)> {
    let labels = block.labels();
    match (block.identifier(), labels) {
        ("module", [label]) => Some(("module".into(), label.as_str().into())),
        ("resource", [kind, label]) => Some((kind.as_str().into(), label.as_str().into())),
        _ => None,
    }
}

fn moved(kind: &str, from: &str, to: &str) -> Block {
    Block::builder("moved")
        .add_attribute(("from", reference(&format!("{kind}.{from}"))))
        .add_attribute(("to", reference(&format!("{kind}.{to}"))))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_history_is_one_chain_service_renames_first() {
        let service_history = ["api".to_string(), "old".to_string()];
        let services = chain("core", &service_history);
        assert_eq!(services, ["old", "api", "core"]);
        let need_history = ["db".to_string()];
        let needs = chain("primary", &need_history);
        assert_eq!(
            need_chain(&services, &needs),
            [
                ("old", "db"),
                ("api", "db"),
                ("core", "db"),
                ("core", "primary")
            ]
        );
        assert_eq!(need_chain(&["api"], &["db"]), [("api", "db")]);
    }

    #[test]
    fn suffixes_match_whole_label_parts_only() {
        assert_eq!(suffix("api_db", "api_db"), Some(""));
        assert_eq!(suffix("api_db_password", "api_db"), Some("_password"));
        assert_eq!(suffix("api_dbx", "api_db"), None);
        assert_eq!(suffix("api_db__x", "api_db"), None);
        assert_eq!(suffix("api-jobs_queue", "api"), None);
    }
}
