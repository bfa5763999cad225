//! The platform file's `allow_destroy` entries: governed permissions to destroy a
//! stateful resource in a protected environment. Here each entry is read with the
//! spans of its target and expiry, and a target naming no environment is reported
//! (E0423); expiry is checked where the destruction is (`emit::blast`), against the
//! same date `--today` sets for policy exceptions.

use super::messages;
use super::resolved::{AllowDestroy, Platform};
use crate::diag::Diagnostic;
use crate::document::{Document, pointer_push};
use crate::model::platform::PlatformFile;

/// The entries as resolved; one naming an unknown environment is reported and left out.
pub(crate) fn entries(
    file: &PlatformFile,
    platform: &Platform,
    pdoc: &Document,
    diags: &mut Vec<Diagnostic>,
) -> Vec<AllowDestroy> {
    let known = platform.environment_names();
    file.allow_destroy
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let at = pointer_push("/allow_destroy", &i.to_string());
            let target_span = pdoc.span(&pointer_push(&at, "target"));
            // The schema admits only `env/service/need`.
            let env = e.target.split('/').next().unwrap_or_default();
            if !known.contains(&env) {
                diags.push(messages::allow_destroy_unknown_env(
                    target_span,
                    env,
                    &known,
                ));
                return None;
            }
            Some(AllowDestroy {
                target: e.target.clone(),
                reason: e.reason.clone(),
                expires: e.expires.clone(),
                target_span,
                expires_span: pdoc.span(&pointer_push(&at, "expires")),
            })
        })
        .collect()
}
