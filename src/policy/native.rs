//! Built-in policies decided without a template where the typed object says it
//! plainly: the `meta.*` policies select every rendered object (about a dozen per
//! service and environment) and read only its kind, labels and namespace, which
//! converting the object's metadata to a template value and running the expression
//! cost far more than reading.
//!
//! A native check only ever skips work: it answers "no finding" (the `when` excludes
//! the object, or the assertion holds) or leaves the object to the template, which
//! decides and writes the message. It applies to a policy whose `when` and `assert`
//! are exactly the text it implements, wherever that policy comes from, so a pack
//! that changes the text gets the template. `tests` compare both on objects that
//! pass and objects that fail.

use super::pack::PolicyDef;
use crate::render::RenderedObject;

/// `true` when the policy certainly finds nothing on the object.
pub(super) type NoFinding = fn(&RenderedObject) -> bool;

struct Native {
    id: &'static str,
    when: Option<&'static str>,
    assert: &'static str,
    check: NoFinding,
}

const NATIVE: &[Native] = &[
    Native {
        id: "meta.ownership",
        when: Some(r#"object.kind != "Namespace""#),
        assert: r#"label(object, "pave/owner") != "" and label(object, "app.kubernetes.io/name") != """#,
        check: ownership,
    },
    Native {
        id: "meta.namespace",
        when: Some(r#"object.kind != "Namespace""#),
        assert: r#"dig(object, "metadata.namespace", "default") != "default""#,
        check: namespace,
    },
];

/// The native check of `p`, when its `when` and `assert` are the text one implements.
pub(super) fn check_for(p: &PolicyDef) -> Option<NoFinding> {
    NATIVE
        .iter()
        .find(|n| {
            n.id == p.id
                && p.when.as_ref().map(|w| w.text.as_str()) == n.when
                && p.assert.text == n.assert
        })
        .map(|n| n.check)
}

/// `meta.ownership`: a Namespace is excluded; any other object has both labels,
/// not empty.
fn ownership(o: &RenderedObject) -> bool {
    if o.kind == "Namespace" {
        return true;
    }
    let Some(typed) = &o.typed else { return false };
    let labels = &typed.metadata().labels;
    let set = |key: &str| labels.get(key).is_some_and(|v| !v.is_empty());
    set("pave/owner") && set("app.kubernetes.io/name")
}

/// `meta.namespace`: a Namespace is excluded; any other object names a namespace
/// other than `default` (none means `default`).
fn namespace(o: &RenderedObject) -> bool {
    if o.kind == "Namespace" {
        return true;
    }
    let Some(typed) = &o.typed else { return false };
    typed
        .metadata()
        .namespace
        .as_deref()
        .is_some_and(|ns| ns != "default")
}
