//! Expansion of `${...}` placeholders: in one string, and in every string of a value
//! tree, reporting each placeholder that does not resolve at the placeholder itself.

use std::collections::BTreeSet;
use std::ops::Range;

use serde_json::Value;

use super::messages;
use super::placeholder::{self, Piece};
use super::resolved::SecretEnv;
use super::scope::{Expansion, Scope, Unresolved};
use super::secrets::{need_secret_name, secret_var};
use crate::diag::Diagnostic;
use crate::load::pointer_push;
use crate::source::{SourceMap, Span};

/// A string after expansion. Secret outputs become `$(VAR)` references to environment
/// variables read from the need's Kubernetes Secret.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Expanded {
    /// No secret output: final text.
    Text(String),
    /// The string was exactly one secret placeholder.
    Secret(SecretEnv),
    /// Text that embeds secret outputs as `$(VAR)`.
    Embedded {
        text: String,
        secrets: Vec<SecretEnv>,
    },
}

impl Expanded {
    /// The text the string becomes (`$(VAR)` for a secret output).
    pub(crate) fn text(&self) -> String {
        match self {
            Expanded::Text(text) | Expanded::Embedded { text, .. } => text.clone(),
            Expanded::Secret(secret) => format!("$({})", secret.name),
        }
    }
}

/// A placeholder that did not resolve, with its byte range in the string.
pub(crate) type Unresolvable = Vec<(Range<usize>, Unresolved)>;

/// What a `$` of the text around secret outputs means where the string ends up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dollars {
    /// Kept as written: in `command` and `args` Kubernetes expands `$(VAR)` whether or
    /// not pave wires a secret in, so the author's `$(VAR)` means the same either way.
    AsWritten,
    /// Literal: an `env` value is plain text in the ConfigMap until it embeds a secret
    /// output and becomes a dependent variable, where Kubernetes would expand `$(VAR)`
    /// and reduce `$$` to `$`. Every `$` of the text is then doubled, so the value
    /// reads the same as it would in the ConfigMap.
    Literal,
}

/// Expands a string, or returns every placeholder that did not resolve.
pub(crate) fn expand(s: &str, scope: &Scope) -> Result<Expanded, Unresolvable> {
    expand_as(s, scope, Dollars::AsWritten)
}

/// Expands a string; text around embedded secret outputs is escaped as `dollars`
/// says. A string with no secret output is final text either way.
pub(crate) fn expand_as(
    s: &str,
    scope: &Scope,
    dollars: Dollars,
) -> Result<Expanded, Unresolvable> {
    let pieces = placeholder::parse(s)
        .map_err(|u| vec![(u.0..s.len(), messages::unclosed_placeholder())])?;
    let single = pieces.len() == 1;
    let mut out = String::with_capacity(s.len());
    // The same text as a dependent variable's value, used only if a secret is embedded.
    let mut dependent = String::with_capacity(s.len());
    let literal = |text: &str, out: &mut String, dependent: &mut String| {
        out.push_str(text);
        match dollars {
            Dollars::AsWritten => dependent.push_str(text),
            Dollars::Literal => dependent.push_str(&text.replace('$', "$$")),
        }
    };
    let mut secrets: Vec<SecretEnv> = Vec::new();
    let mut errors = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Text(t) => literal(t, &mut out, &mut dependent),
            Piece::Placeholder(path, range) => match scope.lookup(path) {
                Ok(Expansion::Text(v)) => literal(&v, &mut out, &mut dependent),
                Ok(Expansion::Secret { need, key }) => {
                    let secret = SecretEnv {
                        name: secret_var(&need, &key),
                        secret: need_secret_name(scope.service_name, &need),
                        key,
                    };
                    let reference = format!("$({})", secret.name);
                    out.push_str(&reference);
                    dependent.push_str(&reference);
                    secrets.push(secret);
                }
                Err(e) => errors.push((range, e)),
            },
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(match (single, secrets.len()) {
        (_, 0) => Expanded::Text(out),
        (true, 1) => Expanded::Secret(secrets.remove(0)),
        _ => Expanded::Embedded {
            text: dependent,
            secrets,
        },
    })
}

/// Strings that read a need's secret, by pointer: wired into the pod by `secrets::wire`.
pub(crate) type Wiring = Vec<(String, Expanded)>;

/// Expands every string of a value tree against one scope.
pub(crate) struct Expander<'a> {
    pub(crate) scope: &'a Scope<'a>,
    /// The span a pointer of the tree was written at.
    pub(crate) span_of: &'a dyn Fn(&str) -> Span,
    pub(crate) sources: &'a SourceMap,
}

impl Expander<'_> {
    /// Expands `value` (at `pointer`) in place; top-level `name`, `owner` and `needs`
    /// are not expanded (they are names, and needs expand their inputs on their own).
    pub(crate) fn tree(
        &self,
        value: &mut Value,
        pointer: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Wiring {
        self.tree_and_failures(value, pointer, diags).0
    }

    /// [`Self::tree`], plus the pointers of the strings that did not expand (each
    /// reported): checks of the expanded value skip them, one mistake being one error.
    pub(crate) fn tree_and_failures(
        &self,
        value: &mut Value,
        pointer: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> (Wiring, BTreeSet<String>) {
        let mut walked = (Wiring::new(), BTreeSet::new());
        self.walk(value, pointer, diags, &mut walked);
        walked
    }

    fn walk(
        &self,
        value: &mut Value,
        pointer: &str,
        diags: &mut Vec<Diagnostic>,
        walked: &mut (Wiring, BTreeSet<String>),
    ) {
        match value {
            Value::String(s) => self.string(s, pointer, diags, walked),
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    self.walk(item, &pointer_push(pointer, &i.to_string()), diags, walked);
                }
            }
            Value::Object(map) => {
                for (key, item) in map.iter_mut() {
                    if pointer.is_empty() && matches!(key.as_str(), "name" | "owner" | "needs") {
                        continue;
                    }
                    self.walk(item, &pointer_push(pointer, key), diags, walked);
                }
            }
            _ => {}
        }
    }

    fn string(
        &self,
        s: &mut String,
        pointer: &str,
        diags: &mut Vec<Diagnostic>,
        (wiring, failed): &mut (Wiring, BTreeSet<String>),
    ) {
        let dollars = match pointer.starts_with("/env/") {
            true => Dollars::Literal,
            false => Dollars::AsWritten,
        };
        match expand_as(s, self.scope, dollars) {
            Ok(Expanded::Text(text)) => *s = text,
            // Kubernetes expands `$(VAR)` only in env values, command and args.
            Ok(expanded) if is_wired(pointer) => {
                *s = expanded.text();
                wiring.push((pointer.to_string(), expanded));
            }
            Ok(_) => diags.push(messages::secret_output_outside_env((self.span_of)(pointer))),
            Err(errors) => {
                failed.insert(pointer.to_string());
                unresolved(self.sources, (self.span_of)(pointer), s, errors, diags)
            }
        }
    }
}

/// Whether a value at `pointer` may read a secret output through `$(VAR)`.
fn is_wired(pointer: &str) -> bool {
    ["/env/", "/command/", "/args/"]
        .iter()
        .any(|p| pointer.starts_with(p))
}

/// One E0501 per placeholder of `value` (written at `span`) that did not resolve.
pub(crate) fn unresolved(
    sources: &SourceMap,
    span: Span,
    value: &str,
    errors: Unresolvable,
    diags: &mut Vec<Diagnostic>,
) {
    for (range, why) in errors {
        let at = sub_span(sources.snippet(span), span, value, range);
        diags.push(messages::unresolved_placeholder(at, why));
    }
}

/// The span of `range` of `value` inside the source span of the scalar that holds it
/// (`written` is that span's text). Quotes, escapes and line folding only ever make
/// the written text longer than the value, so the search starts at the value's own
/// offset: a repeated placeholder is found at its own place, and many placeholders in
/// one long string cost linear time.
fn sub_span(written: &str, span: Span, value: &str, range: Range<usize>) -> Span {
    let mut from = range.start.min(written.len());
    while !written.is_char_boundary(from) {
        from -= 1;
    }
    let needle = &value[range];
    let found = written[from..]
        .find(needle)
        .map(|i| from + i)
        .or_else(|| written.find(needle));
    match found {
        Some(i) => Span::new(span.file, span.start + i, span.start + i + needle.len()),
        None => span,
    }
}

/// Env values become strings in the output; a number written there keeps the text its
/// author wrote (`VERSION: 1.10` stays `"1.10"`, not `"1.1"`), read from its span.
pub(crate) fn keep_number_text(
    value: &mut Value,
    span_at: &dyn Fn(&str) -> Option<Span>,
    sources: &SourceMap,
) {
    let Some(Value::Object(env)) = value.get_mut("env") else {
        return;
    };
    for (key, v) in env.iter_mut() {
        let Value::Number(n) = v else { continue };
        let span = span_at(&pointer_push("/env", key));
        if let Some(text) = span.and_then(|span| written_number(sources.snippet(span), n)) {
            *v = Value::String(text);
        }
    }
}

/// The source text of a number, when it is exactly that number's spelling; `None`
/// when the span holds anything else (then the number prints as it parsed).
fn written_number(text: &str, n: &serde_json::Number) -> Option<String> {
    let text = text.trim();
    let parsed: f64 = text.parse().ok()?;
    let number = n.as_f64()?;
    (parsed == number || (parsed.is_nan() && number.is_nan())).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::resolve::module::{ModuleNeed, NeedOutput};
    use crate::resolve::scope::NeedOutputs;
    use crate::resolve::scope::tests::{scope, staging};
    use crate::source::FileId;

    fn text(s: &str) -> Result<Expanded, Unresolvable> {
        Ok(Expanded::Text(s.into()))
    }

    #[test]
    fn embedded_placeholders_expand_inside_text() {
        let env = staging();
        let scope = scope(&env);
        assert_eq!(expand("${service.name}", &scope), text("api"));
        assert_eq!(
            expand("https://${service.name}.${env.domain}/x", &scope),
            text("https://api.staging.example.com/x")
        );
        assert_eq!(expand("cost $${literal}", &scope), text("cost ${literal}"));
        assert_eq!(expand("no placeholder", &scope), text("no placeholder"));
    }

    #[test]
    fn every_unknown_placeholder_is_reported_with_its_range() {
        let env = staging();
        let Err(errors) = expand("${nope}-${service.name}-${env.nah}", &scope(&env)) else {
            panic!("two unknown placeholders");
        };
        let ranges: Vec<Range<usize>> = errors.into_iter().map(|(r, _)| r).collect();
        assert_eq!(ranges, [0..7, 24..34]);
    }

    #[test]
    fn an_unclosed_placeholder_runs_to_the_end() {
        let env = staging();
        let Err(errors) = expand("a ${service.name", &scope(&env)) else {
            panic!("unclosed");
        };
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, 2..16);
    }

    fn with_secret_need(env: &crate::resolve::resolved::Environment) -> Scope<'_> {
        let mut scope = scope(env);
        let mut outputs = BTreeMap::new();
        outputs.insert(
            "password".to_string(),
            NeedOutput::Secret("password".into()),
        );
        outputs.insert("host".to_string(), NeedOutput::Value("db.internal".into()));
        let need = ModuleNeed {
            name: "main_db".into(),
            kind: "postgres".into(),
            source: String::new(),
            version: String::new(),
            arguments: Default::default(),
            renamed_from: Vec::new(),
            secret_path: String::new(),
            secrets: Vec::new(),
            composed: Vec::new(),
            outputs: outputs.into_iter().collect(),
            iam: Vec::new(),
            security_group: None,
            in_network: false,
            stateful: true,
            generate: Default::default(),
        };
        scope
            .needs
            .insert("main_db".into(), NeedOutputs::Module(Box::new(need)));
        scope
    }

    #[test]
    fn a_whole_secret_placeholder_is_one_secret() {
        let env = staging();
        let scope = with_secret_need(&env);
        let secret = SecretEnv {
            name: "PAVE_MAIN_DB_PASSWORD".into(),
            secret: "api-main-db".into(),
            key: "password".into(),
        };
        let whole = expand("${needs.main_db.password}", &scope);
        assert_eq!(whole, Ok(Expanded::Secret(secret.clone())));
        assert_eq!(
            whole.map(|e| e.text()),
            Ok("$(PAVE_MAIN_DB_PASSWORD)".to_string())
        );
        assert_eq!(
            expand(
                "postgres://u:${needs.main_db.password}@${needs.main_db.host}",
                &scope
            ),
            Ok(Expanded::Embedded {
                text: "postgres://u:$(PAVE_MAIN_DB_PASSWORD)@db.internal".into(),
                secrets: vec![secret],
            })
        );
    }

    #[test]
    fn a_dollar_around_an_embedded_secret_stays_literal_in_an_env_value() {
        let env = staging();
        let scope = with_secret_need(&env);
        let value = "opts=$(LOG_FORMAT) cost=$$5 url=${needs.main_db.password} $";
        let Ok(Expanded::Embedded { text, .. }) = expand_as(value, &scope, Dollars::Literal) else {
            panic!("one embedded secret")
        };
        // Kubernetes reduces `$$` to `$` and expands only `$(PAVE_MAIN_DB_PASSWORD)`.
        assert_eq!(
            text,
            "opts=$$(LOG_FORMAT) cost=$$$$5 url=$(PAVE_MAIN_DB_PASSWORD) $$"
        );
        // A substituted value is literal text too.
        let Ok(Expanded::Embedded { text, .. }) = expand_as(
            "${service.name}$(X):${needs.main_db.password}",
            &scope,
            Dollars::Literal,
        ) else {
            panic!("one embedded secret")
        };
        assert_eq!(text, "api$$(X):$(PAVE_MAIN_DB_PASSWORD)");
        // In args Kubernetes expands `$(VAR)` anyway: kept as written.
        let Ok(Expanded::Embedded { text, .. }) = expand_as(value, &scope, Dollars::AsWritten)
        else {
            panic!("one embedded secret")
        };
        assert_eq!(
            text,
            "opts=$(LOG_FORMAT) cost=$$5 url=$(PAVE_MAIN_DB_PASSWORD) $"
        );
    }

    #[test]
    fn a_value_without_a_secret_is_not_escaped() {
        let env = staging();
        let scope = with_secret_need(&env);
        let value = "opts=$(LOG_FORMAT) cost=$$5 host=${needs.main_db.host}";
        assert_eq!(
            expand_as(value, &scope, Dollars::Literal),
            Ok(Expanded::Text(
                "opts=$(LOG_FORMAT) cost=$$5 host=db.internal".into()
            ))
        );
    }

    #[test]
    fn sub_span_finds_the_placeholder_in_quoted_text() {
        let span = Span::new(FileId(0), 100, 120);
        let written = "\"a ${x} b ${x}\"";
        // The second `${x}` of the value (bytes 9..13) is the second one written.
        assert_eq!(
            sub_span(written, span, "a ${x} b ${x}", 9..13),
            Span::new(FileId(0), 110, 114)
        );
        assert_eq!(
            sub_span(written, span, "a ${x} b ${x}", 2..6),
            Span::new(FileId(0), 103, 107)
        );
    }

    #[test]
    fn written_numbers_keep_their_spelling() {
        let n = serde_json::Number::from_f64(1.1).unwrap();
        assert_eq!(written_number(" 1.10 ", &n), Some("1.10".into()));
        assert_eq!(written_number("\"x\"", &n), None);
    }
}
