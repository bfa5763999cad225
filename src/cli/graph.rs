//! `pave graph`: services (workers and cron jobs marked), their needs and routes,
//! as a Mermaid flowchart, Graphviz dot, or JSON data (nodes and edges).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{Exit, Output};
use crate::resolve::Model;

/// Node key -> label. A key is unique by construction: a service's name, a need's
/// `<service>/<need>`, a route's `route:<service>` (names hold neither `/` nor `:`).
type Nodes = BTreeMap<String, String>;
/// Node key -> what it is: `service`, `module` or `route`.
type Kinds = BTreeMap<String, &'static str>;
/// Node key -> the id the renderings use.
type Ids = BTreeMap<String, String>;
/// (from, to, label).
type Edges = BTreeSet<(String, String, String)>;

/// What `pave graph` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    Mermaid,
    Dot,
    Json,
}

/// `pave graph`: services, their needs and routes, as Mermaid, Graphviz dot or JSON.
pub fn graph(root: &Path, format: GraphFormat, output: Output) -> Exit {
    super::with_model(root, output, |_, model| {
        let (nodes, edges, kinds) = nodes_and_edges(model);
        let ids = node_ids(&nodes);
        let text = match format {
            GraphFormat::Dot => dot_text(&nodes, &edges, &ids),
            GraphFormat::Mermaid => mermaid_text(&nodes, &edges, &ids),
            GraphFormat::Json => json_text(&nodes, &edges, &kinds, &ids),
        };
        print!("{text}");
        Exit::Ok
    })
}

/// The graph as data: `{ nodes: [{ id, kind, label }], edges: [{ from, to, label }] }`,
/// with the ids the Mermaid and dot renderings use.
fn json_text(nodes: &Nodes, edges: &Edges, kinds: &Kinds, ids: &Ids) -> String {
    let nodes: Vec<_> = nodes
        .iter()
        .map(|(key, label)| {
            serde_json::json!({
                "id": ids[key],
                "kind": kinds.get(key).copied().unwrap_or("service"),
                "label": label,
            })
        })
        .collect();
    let edges: Vec<_> = edges
        .iter()
        .map(|(a, b, label)| serde_json::json!({ "from": id_of(ids, a), "to": id_of(ids, b), "label": label }))
        .collect();
    let doc = serde_json::json!({ "nodes": nodes, "edges": edges });
    // A value built from strings cannot fail to serialize.
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    )
}

fn nodes_and_edges(model: &Model) -> (Nodes, Edges, Kinds) {
    let mut nodes = Nodes::new();
    let mut edges = Edges::new();
    let mut kinds = Kinds::new();
    for s in &model.services {
        // Workers and cron jobs say so; a web service, the default, stays unmarked.
        let label = match s.is_web() {
            true => format!("{} ({})", s.name, s.owner),
            false => format!("{} ({}, {})", s.name, s.owner, s.workload.as_str()),
        };
        nodes.insert(s.name.clone(), label);
        kinds.insert(s.name.clone(), "service");
        for n in &s.service_needs {
            edges.insert((s.name.clone(), n.service.clone(), n.name.clone()));
        }
        for m in &s.module_needs {
            let id = format!("{}/{}", s.name, m.name);
            nodes.insert(id.clone(), format!("{} {}", m.kind, m.name));
            kinds.insert(id.clone(), "module");
            edges.insert((s.name.clone(), id, m.kind.clone()));
        }
        if let Some(route) = &s.route {
            let id = format!("route:{}", s.name);
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
            kinds.insert(id.clone(), "route");
            edges.insert((id, s.name.clone(), "route".into()));
        }
    }
    (nodes, edges, kinds)
}

/// The id of each node: its key with `-`, `/` and `:` as `_` (`cart_sessions`,
/// `route_frontend`), and `_2`, `_3`... after an id another node already has (a
/// service `cart-sessions` beside cart's need `sessions` had one id, so the two drew
/// as one node: found by an independent review). Keys in order, so ids are stable.
fn node_ids(nodes: &Nodes) -> Ids {
    let mut used = BTreeSet::new();
    let mut ids = Ids::new();
    for key in nodes.keys() {
        let base = key.replace(['-', '/', ':'], "_");
        let mut id = base.clone();
        let mut n = 2;
        while !used.insert(id.clone()) {
            id = format!("{base}_{n}");
            n += 1;
        }
        ids.insert(key.clone(), id);
    }
    ids
}

/// The id of an edge's end: a node's, or (a service need naming a service that is no
/// node, which resolve does not allow) its key spelled as an id.
fn id_of(ids: &Ids, key: &str) -> String {
    ids.get(key)
        .cloned()
        .unwrap_or_else(|| key.replace(['-', '/', ':'], "_"))
}

fn dot_text(nodes: &Nodes, edges: &Edges, ids: &Ids) -> String {
    let mut out = String::from("digraph platform {\n  rankdir=LR;\n");
    for (n, label) in nodes {
        out.push_str(&format!(
            "  {} [label=\"{}\"];\n",
            ids[n],
            label.replace('"', "'")
        ));
    }
    for (a, b, label) in edges {
        out.push_str(&format!(
            "  {} -> {} [label=\"{label}\"];\n",
            id_of(ids, a),
            id_of(ids, b)
        ));
    }
    out.push_str("}\n");
    out
}

fn mermaid_text(nodes: &Nodes, edges: &Edges, ids: &Ids) -> String {
    let mut out = String::from("flowchart LR\n");
    for (n, label) in nodes {
        out.push_str(&format!("  {}[\"{}\"]\n", ids[n], label.replace('"', "'")));
    }
    for (a, b, label) in edges {
        out.push_str(&format!(
            "  {} -->|{label}| {}\n",
            id_of(ids, a),
            id_of(ids, b)
        ));
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
        let ids = node_ids(&nodes);
        assert_eq!(
            mermaid_text(&nodes, &edges, &ids),
            "flowchart LR\n  api_x[\"api-x (team)\"]\n  api_x -->|postgres| db\n"
        );
        assert_eq!(
            dot_text(&nodes, &edges, &ids),
            "digraph platform {\n  rankdir=LR;\n  api_x [label=\"api-x (team)\"];\n  api_x -> db [label=\"postgres\"];\n}\n"
        );
    }
}
