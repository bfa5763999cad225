//! The blast-radius report of `diff` and `check`: a short text summary before the file
//! diffs, JSON data (`diff --format json`) or Markdown for a pull-request comment
//! (`diff --format markdown`). The findings (E0420–E0425) are diagnostics, decided in
//! `emit::assess`; this module only lays the report out.

use std::fmt::Write;

use serde::Serialize;

use crate::diag::Diagnostic;
use crate::inventory::{BlastRadius, EnvBlast, Located, TerraformResource};

/// How `diff` prints: the file diffs with a summary, or only the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Report {
    #[default]
    Text,
    Json,
    Markdown,
}

const UNKNOWN: &str = "the previous manifest records no inventory (it was written by an older pave), so what this change removes is unknown; the next build records it";

/// The summary section printed before the diffs; empty when nothing happens.
pub(crate) fn text(blast: &BlastRadius) -> String {
    if !blast.known {
        return format!("blast radius: {UNKNOWN}\n\n");
    }
    if blast.is_empty() {
        return String::new();
    }
    let mut out = String::from("blast radius:\n");
    for (env, b) in &blast.environments {
        let _ = writeln!(out, "  {env}{}: {}", protected(b), counts(b));
        for r in stateful(b) {
            let _ = writeln!(out, "    destroys {}", what(r));
        }
        for m in &b.moved {
            let _ = writeln!(
                out,
                "    moves {} to {}",
                m.from.item.address, m.to.item.address
            );
        }
        for h in &b.hosts_changing_hands {
            let _ = writeln!(out, "    host {} moves from {} to {}", h.host, h.from, h.to);
        }
    }
    out.push('\n');
    out
}

/// The report as JSON: the blast radius and the findings about it.
pub(crate) fn json(blast: &BlastRadius, findings: &[Diagnostic]) -> String {
    #[derive(Serialize)]
    struct Finding<'a> {
        code: &'a str,
        severity: &'a str,
        message: &'a str,
    }
    #[derive(Serialize)]
    struct Document<'a> {
        #[serde(flatten)]
        blast: &'a BlastRadius,
        findings: Vec<Finding<'a>>,
    }
    let document = Document {
        blast,
        findings: findings
            .iter()
            .map(|d| Finding {
                code: d.code.as_str(),
                severity: d.severity.as_str(),
                message: &d.message,
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

/// The report as Markdown, for a pull-request comment.
pub(crate) fn markdown(blast: &BlastRadius, findings: &[Diagnostic]) -> String {
    let mut out = String::from("## pave: blast radius\n\n");
    if !blast.known {
        let _ = writeln!(out, "Unknown: {UNKNOWN}.");
        return out;
    }
    if blast.is_empty() {
        out.push_str(
            "No infrastructure is added, removed or moved, and no hostname changes hands.\n",
        );
        return out;
    }
    out.push_str("| environment | Terraform added | removed | stateful removed | moved | Kubernetes objects removed | hosts changing hands |\n");
    out.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (env, b) in &blast.environments {
        let _ = writeln!(
            out,
            "| {env}{} | {} | {} | {} | {} | {} | {} |",
            protected(b),
            b.added.len(),
            b.removed.len(),
            stateful(b).count(),
            b.moved.len(),
            b.kubernetes_removed.len(),
            b.hosts_changing_hands.len()
        );
    }
    out.push('\n');
    for (env, b) in &blast.environments {
        let _ = writeln!(out, "### {env}\n");
        let list = |out: &mut String, title: &str, items: Vec<String>| {
            if !items.is_empty() {
                let _ = writeln!(out, "{title}:\n");
                for item in items {
                    let _ = writeln!(out, "- {item}");
                }
                out.push('\n');
            }
        };
        list(
            &mut out,
            "**Destroys data**",
            stateful(b).map(what).collect(),
        );
        let tf = |rs: &[Located<TerraformResource>]| {
            rs.iter()
                .map(|r| format!("`{}` ({})", r.item.address, r.service))
                .collect()
        };
        list(&mut out, "Terraform removed", tf(&b.removed));
        list(&mut out, "Terraform added", tf(&b.added));
        let moved = b.moved.iter();
        let moved = moved.map(|m| format!("`{}` → `{}`", m.from.item.address, m.to.item.address));
        list(&mut out, "Moved (state kept)", moved.collect());
        let objects = b.kubernetes_removed.iter().map(|o| {
            let ns = o
                .item
                .namespace
                .as_deref()
                .map(|n| format!("{n}/"))
                .unwrap_or_default();
            format!("{} `{ns}{}` ({})", o.item.kind, o.item.name, o.service)
        });
        list(&mut out, "Kubernetes objects removed", objects.collect());
        let hosts = b.hosts_changing_hands.iter();
        let hosts = hosts.map(|h| format!("`{}`: {} → {}", h.host, h.from, h.to));
        list(&mut out, "Hosts changing hands", hosts.collect());
    }
    if !findings.is_empty() {
        out.push_str("### Findings\n\n");
        for d in findings {
            let _ = writeln!(
                out,
                "- **{}** {}: {}",
                d.severity.as_str(),
                d.code,
                d.message
            );
        }
    }
    // One newline at the end, whatever section came last.
    let end = out.trim_end().len();
    out.truncate(end);
    out.push('\n');
    out
}

fn protected(b: &EnvBlast) -> &'static str {
    if b.protected { " (protected)" } else { "" }
}

fn counts(b: &EnvBlast) -> String {
    format!(
        "{} Terraform resource(s) added, {} removed ({} stateful), {} moved; {} Kubernetes object(s) removed; {} host(s) changing hands",
        b.added.len(),
        b.removed.len(),
        stateful(b).count(),
        b.moved.len(),
        b.kubernetes_removed.len(),
        b.hosts_changing_hands.len()
    )
}

fn stateful(b: &EnvBlast) -> impl Iterator<Item = &Located<TerraformResource>> {
    b.removed.iter().filter(|r| r.item.stateful)
}

/// `postgres `shop-prod-api-db` of api/db (module.api_db)`.
fn what(r: &Located<TerraformResource>) -> String {
    let kind = r.item.module.as_deref().unwrap_or("resource");
    let name = r
        .item
        .physical
        .as_deref()
        .map(|p| format!(" `{p}`"))
        .unwrap_or_default();
    let need = r.item.need.as_deref().unwrap_or("-");
    format!(
        "{kind}{name} of {}/{need} (`{}`)",
        r.service, r.item.address
    )
}
