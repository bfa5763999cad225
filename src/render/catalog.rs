//! The catalog target: the platform's services as Backstage catalog entities
//! (`backstage.io/v1alpha1`), under `<output>/catalog/`:
//!
//! - `<service>.yaml`: the service's `Component` (owner, lifecycle, the platform as
//!   its system, what it depends on), followed by one `Resource` per module need,
//!   named `<service>-<need>`;
//! - `_location.yaml`: the platform's `System` and one `Location` listing every
//!   service file (its `_` cannot start a service name, so it never collides), the one
//!   file to register in Backstage.
//!
//! A service is one entity although it runs in several environments: its needs are
//! the union over environments, its links name each environment's dashboard. Services
//! declare no APIs, so no component has `providesApis`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::RenderCx;
use crate::diag::Diagnostic;
use crate::observe::dashboard_url;
use crate::output::{Artifact, Scope};
use crate::resolve::{Catalog, Platform, ResolvedService, catalog_resource_name};
use crate::yaml_writer::to_yaml;

const API_VERSION: &str = "backstage.io/v1alpha1";

/// The file holding the System and the Location.
pub(crate) const INDEX_FILE: &str = "_location.yaml";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entity<S: Serialize> {
    api_version: &'static str,
    kind: &'static str,
    metadata: EntityMeta,
    spec: S,
}

#[derive(Serialize, Default)]
struct EntityMeta {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    links: Vec<Link>,
}

#[derive(Serialize)]
struct Link {
    url: String,
    title: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ComponentSpec {
    #[serde(rename = "type")]
    kind: &'static str,
    lifecycle: String,
    owner: String,
    system: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    depends_on: Vec<String>,
}

#[derive(Serialize)]
struct ResourceSpec {
    #[serde(rename = "type")]
    kind: String,
    owner: String,
    system: String,
}

#[derive(Serialize)]
struct SystemSpec {
    owner: String,
}

/// No `type`: Backstage then reads the targets the way it read this file (`url` or
/// `file`), relative to it.
#[derive(Serialize)]
struct LocationSpec {
    targets: Vec<String>,
}

pub(crate) fn render(cx: &RenderCx) -> Result<Vec<Artifact>, Diagnostic> {
    let model = cx.model;
    let Some(catalog) = &model.platform.targets.catalog else {
        return Ok(Vec::new());
    };
    // Every environment's copy of each service, in environment order.
    let mut by_name: BTreeMap<&str, Vec<&ResolvedService>> = BTreeMap::new();
    for s in &model.services {
        by_name.entry(s.name.as_str()).or_default().push(s);
    }
    let dir = cx.layout.catalog_dir();
    let mut out = Vec::new();
    for (name, copies) in &by_name {
        let file = model.service_files.get(*name).map(String::as_str);
        let docs = service_entities(&model.platform, catalog, copies, file)?;
        let path = format!("{dir}/{name}.yaml");
        out.push(artifact(path, service_scope_any(name), &docs)?);
    }
    let targets = by_name.keys().map(|n| format!("./{n}.yaml")).collect();
    out.push(index(&model.platform, catalog, &dir, targets)?);
    Ok(out)
}

/// A catalog file belongs to the service in every environment.
fn service_scope_any(name: &str) -> Scope {
    Scope {
        env: None,
        service: Some(name.to_string()),
    }
}

/// Several YAML documents in one file, separated by `---`.
fn artifact(path: String, scope: Scope, docs: &[String]) -> Result<Artifact, Diagnostic> {
    Ok(Artifact {
        bytes: docs.join("---\n").into_bytes(),
        path,
        scope,
    })
}

fn yaml<T: Serialize>(path: &str, value: &T) -> Result<String, Diagnostic> {
    to_yaml(value).map_err(|e| super::messages::unwritable(path, &e))
}

/// The Component of one service (all its environments) and its module needs' Resources.
fn service_entities(
    platform: &Platform,
    catalog: &Catalog,
    copies: &[&ResolvedService],
    file: Option<&str>,
) -> Result<Vec<String>, Diagnostic> {
    let Some(first) = copies.first() else {
        return Ok(Vec::new());
    };
    let path = format!("catalog/{}.yaml", first.name);
    let mut depends: BTreeSet<String> = BTreeSet::new();
    let mut resources: BTreeMap<String, String> = BTreeMap::new();
    for s in copies {
        for need in &s.service_needs {
            depends.insert(format!("component:{}", need.service));
        }
        for need in &s.module_needs {
            let name = catalog_resource_name(&s.name, &need.name);
            depends.insert(format!("resource:{name}"));
            resources.entry(name).or_insert_with(|| need.kind.clone());
        }
    }
    let component = Entity {
        api_version: API_VERSION,
        kind: "Component",
        metadata: EntityMeta {
            name: first.name.clone(),
            description: first.description.clone(),
            annotations: annotations(platform, copies, file),
            links: links(platform, copies),
        },
        spec: ComponentSpec {
            kind: "service",
            lifecycle: catalog.lifecycle.clone(),
            owner: first.owner.clone(),
            system: platform.name.clone(),
            depends_on: depends.into_iter().collect(),
        },
    };
    let mut docs = vec![yaml(&path, &component)?];
    for (name, kind) in resources {
        let resource = Entity {
            api_version: API_VERSION,
            kind: "Resource",
            metadata: EntityMeta {
                name,
                ..EntityMeta::default()
            },
            spec: ResourceSpec {
                kind,
                owner: first.owner.clone(),
                system: platform.name.clone(),
            },
        };
        docs.push(yaml(&path, &resource)?);
    }
    Ok(docs)
}

/// Where the service is defined and how Backstage finds its objects and dashboard.
fn annotations(
    platform: &Platform,
    copies: &[&ResolvedService],
    file: Option<&str>,
) -> BTreeMap<String, String> {
    let mut a = BTreeMap::new();
    let Some(last) = copies.last() else {
        return a;
    };
    if let Some(file) = file {
        a.insert("pave.dev/service-file".into(), file.to_string());
    }
    // The Kubernetes plugin finds the service's objects by the labels pave writes.
    a.insert(
        "backstage.io/kubernetes-label-selector".into(),
        format!(
            "app.kubernetes.io/name={},app.kubernetes.io/part-of={}",
            last.name, platform.name
        ),
    );
    // The Grafana plugin embeds the dashboard of the last (production) environment.
    if let Some(url) = dashboard(platform, last) {
        a.insert("grafana/overview-dashboard".into(), url);
    }
    a
}

/// The Grafana dashboard of `s` in its environment, when dashboards have a base URL.
fn dashboard(platform: &Platform, s: &ResolvedService) -> Option<String> {
    dashboard_url(platform, &s.env, s)
}

/// Each environment's dashboard and the runbooks, as links on the entity page.
fn links(platform: &Platform, copies: &[&ResolvedService]) -> Vec<Link> {
    let mut links: Vec<Link> = copies
        .iter()
        .filter_map(|s| {
            dashboard(platform, s).map(|url| Link {
                url,
                title: format!("Dashboard ({})", s.env),
            })
        })
        .collect();
    if let Some(runbooks) = &platform.observability.runbooks {
        links.push(Link {
            url: runbooks.clone(),
            title: "Runbooks".into(),
        });
    }
    links
}

/// `_location.yaml`: the System all components belong to, and the Location listing
/// every service file.
fn index(
    platform: &Platform,
    catalog: &Catalog,
    dir: &str,
    targets: Vec<String>,
) -> Result<Artifact, Diagnostic> {
    let path = format!("{dir}/{INDEX_FILE}");
    let system = Entity {
        api_version: API_VERSION,
        kind: "System",
        metadata: EntityMeta {
            name: platform.name.clone(),
            ..EntityMeta::default()
        },
        spec: SystemSpec {
            owner: catalog.owner.clone(),
        },
    };
    let location = Entity {
        api_version: API_VERSION,
        kind: "Location",
        metadata: EntityMeta {
            name: platform.name.clone(),
            description: Some(format!("The services of the {} platform", platform.name)),
            ..EntityMeta::default()
        },
        spec: LocationSpec { targets },
    };
    let docs = [yaml(&path, &location)?, yaml(&path, &system)?];
    artifact(path, Scope::default(), &docs)
}
