//! File-level checks of service files before resolution: names, file stems,
//! duplicates, and `environments` blocks that name environments the platform has.

use std::collections::BTreeMap;

use super::resolved::Platform;
use super::{ServiceInput, is_dns_label, messages, suggest_label};
use crate::diag::Diagnostic;
use crate::load::Document;
use crate::source::SourceMap;

/// File-level checks: names, file stems, duplicates, environment blocks.
/// Names a service may not have: a service's Terraform file is
/// `terraform/<env>/<service>.tf`, beside pave's own files of these names.
const RESERVED_NAMES: [&str; 4] = ["eks", "outputs", "providers", "versions"];

pub(crate) fn check_services<'a>(
    docs: &[&'a Document],
    platform: &Platform,
    sources: &SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Vec<ServiceInput<'a>> {
    let mut first_by_name: BTreeMap<String, &Document> = BTreeMap::new();
    let mut out = Vec::new();
    let env_names = platform.environment_names();
    for doc in docs {
        let name = doc.value["name"].as_str().unwrap_or_default().to_string();
        let name_span = doc.span("/name");
        let mut ok = true;
        if !is_dns_label(&name) {
            ok = false;
            diags.push(messages::service_name_not_label(
                name_span,
                &name,
                &suggest_label(&name),
            ));
        }
        if RESERVED_NAMES.contains(&name.as_str()) {
            ok = false;
            diags.push(messages::reserved_service_name(name_span, &name));
        }
        let file_name = &sources.file(doc.file).name;
        let stem = crate::load::score::service_stem(file_name);
        if stem != name {
            diags.push(messages::file_stem_mismatch(
                name_span, &name, file_name, stem,
            ));
        }
        match first_by_name.get(&name) {
            Some(first) => {
                ok = false;
                diags.push(messages::duplicate_service(
                    name_span,
                    first.span("/name"),
                    &name,
                ));
            }
            None => {
                first_by_name.insert(name.clone(), doc);
            }
        }
        if let Some(envs) = doc.value.get("environments").and_then(|e| e.as_object()) {
            for key in envs.keys().filter(|k| !env_names.contains(&k.as_str())) {
                let at = doc.key_span(&crate::load::pointer_push("/environments", key));
                diags.push(messages::unknown_environment(at, key, &env_names));
            }
        }
        if ok {
            out.push(ServiceInput { doc, name });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}
