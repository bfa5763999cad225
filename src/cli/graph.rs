//! `pave graph`: services (workers and cron jobs marked), their needs and routes,
//! as a Mermaid flowchart or Graphviz dot.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{Exit, Output};
use crate::resolve::Model;

/// Node id -> label.
type Nodes = BTreeMap<String, String>;
/// (from, to, label).
type Edges = BTreeSet<(String, String, String)>;

/// `pave graph`: services, their needs and routes, as Mermaid or Graphviz dot.
pub fn graph(root: &Path, dot: bool, output: Output) -> Exit {
    super::with_model(root, output, |_, model| {
        let (nodes, edges) = nodes_and_edges(model);
        let text = if dot {
            dot_text(&nodes, &edges)
        } else {
            mermaid_text(&nodes, &edges)
        };
        print!("{text}");
        Exit::Ok
    })
}

fn nodes_and_edges(model: &Model) -> (Nodes, Edges) {
    let mut nodes = Nodes::new();
    let mut edges = Edges::new();
    for s in &model.services {
        // Workers and cron jobs say so; a web service, the default, stays unmarked.
        let label = match s.is_web() {
            true => format!("{} ({})", s.name, s.owner),
            false => format!("{} ({}, {})", s.name, s.owner, s.workload.as_str()),
        };
        nodes.insert(s.name.clone(), label);
        for n in &s.service_needs {
            edges.insert((s.name.clone(), n.service.clone(), n.name.clone()));
        }
        for m in &s.module_needs {
            let id = format!("{}_{}", s.name, m.name).replace('-', "_");
            nodes.insert(id.clone(), format!("{} {}", m.kind, m.name));
            edges.insert((s.name.clone(), id, m.kind.clone()));
        }
        if let Some(route) = &s.route {
            let id = format!("route_{}", s.name).replace('-', "_");
            let domain = model
                .platform
                .environments
                .iter()
                .find(|e| e.name == s.env)
                .and_then(|e| e.domain.clone())
                .unwrap_or_default();
            // Routes of every environment draw as one node: the domain is a placeholder.
            let host = route.host.replace(&format!(".{domain}"), ".<domain>");
            nodes.insert(id.clone(), format!("https://{host}{}", route.path));
            edges.insert((id, s.name.clone(), "route".into()));
        }
    }
    (nodes, edges)
}

fn node_id(name: &str) -> String {
    name.replace('-', "_")
}

fn dot_text(nodes: &Nodes, edges: &Edges) -> String {
    let mut out = String::from("digraph platform {\n  rankdir=LR;\n");
    for (n, label) in nodes {
        out.push_str(&format!(
            "  {} [label=\"{}\"];\n",
            node_id(n),
            label.replace('"', "'")
        ));
    }
    for (a, b, label) in edges {
        out.push_str(&format!(
            "  {} -> {} [label=\"{label}\"];\n",
            node_id(a),
            node_id(b)
        ));
    }
    out.push_str("}\n");
    out
}

fn mermaid_text(nodes: &Nodes, edges: &Edges) -> String {
    let mut out = String::from("flowchart LR\n");
    for (n, label) in nodes {
        out.push_str(&format!(
            "  {}[\"{}\"]\n",
            node_id(n),
            label.replace('"', "'")
        ));
    }
    for (a, b, label) in edges {
        out.push_str(&format!("  {} -->|{label}| {}\n", node_id(a), node_id(b)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_draw_the_same_nodes_and_edges() {
        let nodes: Nodes = [("api-x".to_string(), "api-x (team)".to_string())].into();
        let edges: Edges = [("api-x".into(), "db".into(), "postgres".into())].into();
        assert_eq!(
            mermaid_text(&nodes, &edges),
            "flowchart LR\n  api_x[\"api-x (team)\"]\n  api_x -->|postgres| db\n"
        );
        assert_eq!(
            dot_text(&nodes, &edges),
            "digraph platform {\n  rankdir=LR;\n  api_x [label=\"api-x (team)\"];\n  api_x -> db [label=\"postgres\"];\n}\n"
        );
    }
}
