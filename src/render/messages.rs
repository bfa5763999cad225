//! The wording of the render stage's diagnostics. Rendering a resolved model cannot
//! fail on any input; these report a bug in pave instead of crashing on it.

use crate::diag::{Code, Diagnostic};
use crate::output::WriteError;

const REPORT: &str = "this is a bug in pave: please report it with the sources that produce it";

/// A writer refused a value pave built (E0411).
pub(crate) fn unwritable(path: &str, error: &WriteError) -> Diagnostic {
    Diagnostic::error(
        Code::E0411,
        format!("`{path}` could not be generated: {error}"),
    )
    .help(REPORT)
}

/// The Kubernetes objects a service's Helm values come from are missing, or its
/// Deployment has no container (E0412).
pub(crate) fn missing_objects(values: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0412,
        format!(
            "`{values}` could not be generated: the service's Kubernetes objects are missing or its Deployment has no container"
        ),
    )
    .help(REPORT)
}

/// CI is on without an install source, which resolve reports first (E0411).
pub(crate) fn ci_without_install(root: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0411,
        format!("`{root}` could not be generated: CI has no `targets.ci.install`"),
    )
    .help(REPORT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unwritable_names_the_file_and_the_writer() {
        let error = WriteError {
            format: "HCL",
            message: "bad".into(),
        };
        let d = unwritable("out/terraform/dev/a.tf", &error);
        assert_eq!(d.code, Code::E0411);
        assert!(d.message.contains("`out/terraform/dev/a.tf`"));
        assert!(d.message.contains("HCL output: bad"));
    }
}
