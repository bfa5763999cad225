//! Bounds on every minijinja evaluation pave runs: policy expressions and messages,
//! and module templates.
//!
//! Templates are input, so a hostile or careless one (`{% for i in range(100000) %}`
//! nested twice, a macro calling itself, a string multiplied in a loop) must end
//! with a diagnostic instead of running for hours or exhausting memory. Three
//! limits apply to each single evaluation:
//!
//! - **fuel**: minijinja charges roughly one unit per executed instruction and stops
//!   with `OutOfFuel` when the budget is spent ([`FUEL`]);
//! - **recursion**: macro and loop recursion deeper than [`RECURSION`] is an error,
//!   well before the thread's stack would overflow;
//! - **output**: a rendered template longer than [`MAX_OUTPUT`] bytes stops;
//! - **range**: `range(...)` yields at most [`MAX_RANGE`] numbers. Fuel meters the
//!   template's own instructions, not the work of built-in filters, so
//!   `range(n) | select('in', range(n) | list)` would run n² steps unmetered.

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use minijinja::{Environment, Error, ErrorKind, Expression, Template, UndefinedBehavior, Value};

/// Fuel for one evaluation. The largest real use measured is 25 units (a built-in
/// module's template; the baseline pack's longest expression or message uses under
/// 20); a loop costs a few units per iteration, so nested loops of 10,000 iterations
/// each would need hundreds of millions. 100,000 is 4,000 times the largest real
/// use, room for loops over thousands of items, and runs out within milliseconds.
pub(crate) const FUEL: u64 = 100_000;

/// Deepest macro or loop recursion: far beyond what a message needs, and shallow
/// enough for the 2 MiB stack of a worker thread.
pub(crate) const RECURSION: usize = 100;

/// Longest rendered text, in bytes: a message, a field path or a module value is a
/// line or a paragraph; 1 MiB is thousands of times more.
pub(crate) const MAX_OUTPUT: usize = 1 << 20;

/// Most numbers one `range(...)` yields (minijinja's own limit is 100,000).
pub(crate) const MAX_RANGE: i64 = 10_000;

/// Which bound an evaluation hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exceeded {
    Fuel,
    Recursion,
    Output,
    Range,
}

impl Exceeded {
    /// What happened, for a diagnostic's message.
    pub(crate) fn describe(self) -> String {
        match self {
            Exceeded::Fuel => format!("evaluation ran out of its budget of {FUEL} steps"),
            Exceeded::Recursion => format!("recursion deeper than {RECURSION} levels"),
            Exceeded::Output => format!("output longer than {MAX_OUTPUT} bytes"),
            Exceeded::Range => format!("a `range(...)` of more than {MAX_RANGE} numbers"),
        }
    }

    /// How to get below the bound.
    pub(crate) fn help(self) -> &'static str {
        match self {
            Exceeded::Fuel => {
                "a loop runs too long (nested `range(...)` loops?): loop over the data itself and keep templates small"
            }
            Exceeded::Recursion => "a macro or a recursive loop calls itself too deeply",
            Exceeded::Output => "the template writes too much text; keep its output short",
            Exceeded::Range => "loop over the data itself instead of over long ranges",
        }
    }
}

/// A serde value as a minijinja value: how policy and module contexts are built.
pub(crate) fn value<T: serde::Serialize>(value: T) -> Value {
    Value::from(minijinja::value::Serde(value))
}

/// The one minijinja environment pave evaluates input with (policies add their
/// functions to it): strict, so undefined names are errors, with every bound set.
pub(crate) fn environment<'s>() -> Environment<'s> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    env.set_recursion_limit(RECURSION);
    env.add_function("range", bounded_range);
    // Python's string and dict methods (`.startswith()`, `.lower()`, `.split()`,
    // `.items()`), as Jinja users expect; each is one bounded call, under the watchdog.
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    env
}

/// The detail of the error a too long range raises; [`exceeded`] recognises it.
const RANGE_DETAIL: &str = "range exceeds pave's bound";

/// `range(stop)`, `range(start, stop)`, `range(start, stop, step)` with [`MAX_RANGE`].
fn bounded_range(lower: i64, upper: Option<i64>, step: Option<i64>) -> Result<Value, Error> {
    let (start, stop) = match upper {
        Some(upper) => (lower, upper),
        None => (0, lower),
    };
    let step = step.unwrap_or(1);
    if step == 0 {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "cannot create range with step of 0",
        ));
    }
    // i128: no overflow for any pair of i64 bounds.
    let (span, stride) = (i128::from(stop) - i128::from(start), i128::from(step));
    let count = if span.signum() == stride.signum() {
        (span.abs() + stride.abs() - 1) / stride.abs()
    } else {
        0
    };
    if count > i128::from(MAX_RANGE) {
        return Err(Error::new(ErrorKind::InvalidOperation, RANGE_DETAIL));
    }
    let numbers = (0..count as i64).map(move |i| start + i * step);
    Ok(Value::from_iter(numbers))
}

/// Renders `template` with the output bound; any other bound is the environment's.
pub(crate) fn render(template: &Template, ctx: &Value) -> Result<String, Failure> {
    let mut out = Capped::default();
    let result = template.render_captured_to(ctx, &mut out).map(drop);
    match (result, out.overflowed) {
        (_, true) => Err(Failure::Exceeded(Exceeded::Output)),
        (Err(e), false) => Err(Failure::from(e)),
        (Ok(()), false) => String::from_utf8(out.bytes)
            .map_err(|e| Failure::Error(Error::new(ErrorKind::InvalidOperation, e.to_string()))),
    }
}

/// Compiles and renders a template source with every bound.
pub(crate) fn render_str(env: &Environment, source: &str, ctx: &Value) -> Result<String, Failure> {
    let template = env.template_from_str(source).map_err(Failure::Error)?;
    render(&template, ctx)
}

/// Renders a template source in [`environment`] with every bound, compiling it only
/// the first time this text is seen (see [`Compiled`]). The same result and the same
/// errors as [`render_str`] with a fresh [`environment`].
pub(crate) fn render_template(source: &str, ctx: &Value) -> Result<String, Failure> {
    match compiled_template(source) {
        Some(env) => {
            let template = env.get_template(STRING_NAME).map_err(Failure::Error)?;
            render(&template, ctx)
        }
        // A template that does not compile reports as it always has.
        None => render_str(&environment(), source, ctx),
    }
}

/// An expression compiled in [`environment`], only the first time this text is seen
/// (see [`Compiled`]); a syntax error is returned, and compiled again if asked again.
pub(crate) fn expression(source: &str) -> Result<Arc<Expression<'static, 'static>>, Error> {
    if let Some(known) = compiled().expressions.get(source) {
        return Ok(Arc::clone(known));
    }
    let expression = Arc::new(EXPRESSION_ENV.compile_expression_owned(source.to_string())?);
    let mut cache = compiled();
    cache.make_room();
    cache
        .expressions
        .insert(source.to_string(), Arc::clone(&expression));
    Ok(expression)
}

/// The name minijinja gives a template compiled from a string.
const STRING_NAME: &str = "<string>";

/// Module templates and expressions, compiled once per text: a module's templates are
/// the same for every need of every service, and parsing them was most of evaluating
/// them. Keyed by the text alone (every one is compiled in [`environment`]), so the
/// cache holds across platforms in one process; it starts over past [`Compiled::KEPT`]
/// texts. Evaluating one is unchanged: fuel, recursion and output are counted per
/// evaluation.
#[derive(Default)]
struct Compiled {
    /// Each template in an environment of its own, as its only template, named like a
    /// template compiled from a string, so that its errors read the same.
    templates: HashMap<String, Arc<Environment<'static>>>,
    expressions: HashMap<String, Arc<Expression<'static, 'static>>>,
}

impl Compiled {
    const KEPT: usize = 4096;

    fn make_room(&mut self) {
        if self.templates.len() + self.expressions.len() >= Self::KEPT {
            self.templates.clear();
            self.expressions.clear();
        }
    }
}

static COMPILED: LazyLock<Mutex<Compiled>> = LazyLock::new(Mutex::default);

/// The environment cached expressions are compiled in, and refer to.
static EXPRESSION_ENV: LazyLock<Environment<'static>> = LazyLock::new(environment);

fn compiled() -> MutexGuard<'static, Compiled> {
    COMPILED.lock().unwrap_or_else(|e| e.into_inner())
}

/// The environment holding `source` compiled, or `None` when it does not compile.
fn compiled_template(source: &str) -> Option<Arc<Environment<'static>>> {
    if let Some(known) = compiled().templates.get(source) {
        return Some(Arc::clone(known));
    }
    let mut env = environment();
    env.add_template_owned(STRING_NAME, source.to_string())
        .ok()?;
    let env = Arc::new(env);
    let mut cache = compiled();
    cache.make_room();
    cache.templates.insert(source.to_string(), Arc::clone(&env));
    Some(env)
}

/// Why an evaluation failed: a bound, or an ordinary error in the template.
#[derive(Debug)]
pub(crate) enum Failure {
    Exceeded(Exceeded),
    Error(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        match exceeded(&e) {
            Some(bound) => Failure::Exceeded(bound),
            None => Failure::Error(e),
        }
    }
}

/// The bound an error reports, if it is one.
pub(crate) fn exceeded(e: &Error) -> Option<Exceeded> {
    match e.kind() {
        ErrorKind::OutOfFuel => Some(Exceeded::Fuel),
        // minijinja reports recursion as an invalid operation; its detail is stable.
        ErrorKind::InvalidOperation => match e.detail() {
            Some(d) if d.contains("recursion limit") => Some(Exceeded::Recursion),
            Some(RANGE_DETAIL) => Some(Exceeded::Range),
            _ => None,
        },
        _ => None,
    }
}

/// A writer that refuses to grow past [`MAX_OUTPUT`].
#[derive(Default)]
struct Capped {
    bytes: Vec<u8>,
    overflowed: bool,
}

impl io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.bytes.len() + buf.len() > MAX_OUTPUT {
            self.overflowed = true;
            return Err(io::Error::other("template output too long"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn run(source: &str) -> Result<String, Failure> {
        render_str(&environment(), source, &Value::from(()))
    }

    fn bound(source: &str) -> Option<Exceeded> {
        match run(source) {
            Err(Failure::Exceeded(b)) => Some(b),
            _ => None,
        }
    }

    #[test]
    fn a_cached_template_renders_and_fails_as_a_fresh_one() {
        let ctx = value(serde_json::json!({ "name": "cart", "n": 3 }));
        let fresh = |src: &str| render_str(&environment(), src, &ctx);
        let text = |r: Result<String, Failure>| match r {
            Ok(s) => s,
            Err(Failure::Error(e)) => format!("error: {e}"),
            Err(Failure::Exceeded(b)) => format!("exceeded: {b:?}"),
        };
        // Unique texts, so no other test has compiled them.
        let source = "{{ name }}-{{ n * 7 }} (cached template test)";
        assert_eq!(
            text(render_template(source, &ctx)),
            "cart-21 (cached template test)"
        );
        let first = compiled_template(source).unwrap();
        assert!(Arc::ptr_eq(&first, &compiled_template(source).unwrap()));
        assert_eq!(text(render_template(source, &ctx)), text(fresh(source)));
        for broken in [
            "{{ missing_name }} (cached template test)",
            "{{ name | no_such_filter }} (cached template test)",
            "{% if name %}unclosed (cached template test)",
            "{% for i in range(100000) %}{% endfor %} (cached template test)",
        ] {
            let cached = text(render_template(broken, &ctx));
            assert!(
                cached.starts_with("error") || cached.starts_with("exceeded"),
                "{cached}"
            );
            assert_eq!(
                cached,
                text(fresh(broken)),
                "the same error as a fresh compile"
            );
            assert_eq!(text(render_template(broken, &ctx)), cached, "and again");
        }
        assert!(
            compiled_template("{% if x %} (cached template test)").is_none(),
            "a syntax error is not kept"
        );
    }

    #[test]
    fn a_cached_evaluation_gets_its_own_fuel() {
        // Over a fifth of the fuel (20,000 to 30,000 units): six runs of one cached
        // template would run out if the fuel were shared.
        let source = "{% for i in range(9000) %}{% endfor %}ok (fuel test)";
        for _ in 0..6 {
            let out = render_template(source, &Value::from(()));
            assert!(matches!(out, Ok(ref s) if s == "ok (fuel test)"));
        }
        let looped =
            "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}";
        assert!(matches!(
            render_template(looped, &Value::from(())),
            Err(Failure::Exceeded(Exceeded::Fuel))
        ));
    }

    #[test]
    fn a_cached_expression_evaluates_and_fails_as_a_fresh_one() {
        let ctx = value(serde_json::json!({ "sizes": [1, 2, 3] }));
        let source = "sizes | sum + 1000";
        let value = expression(source).unwrap().eval(&ctx).unwrap();
        assert_eq!(value, Value::from(1006));
        assert!(Arc::ptr_eq(
            &expression(source).unwrap(),
            &expression(source).unwrap()
        ));
        let env = environment();
        let fresh = env.compile_expression("sizes |").unwrap_err().to_string();
        assert_eq!(expression("sizes |").unwrap_err().to_string(), fresh);
        let fresh = env
            .compile_expression("nope.x")
            .unwrap()
            .eval(&ctx)
            .unwrap_err();
        let cached = expression("nope.x").unwrap().eval(&ctx).unwrap_err();
        assert_eq!(cached.to_string(), fresh.to_string());
    }

    #[test]
    fn nested_loops_run_out_of_fuel_quickly() {
        let start = Instant::now();
        let source =
            "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}";
        assert_eq!(bound(source), Some(Exceeded::Fuel));
        assert!(start.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn ranges_are_bounded_and_count_like_python() {
        let env = environment();
        let eval = |src: &str| env.compile_expression(src).unwrap().eval(());
        let listed = |src: &str| eval(src).unwrap().to_string();
        assert_eq!(listed("range(3) | list"), "[0, 1, 2]");
        assert_eq!(listed("range(1, 7, 2) | list"), "[1, 3, 5]");
        assert_eq!(listed("range(5, 0, -2) | list"), "[5, 3, 1]");
        assert_eq!(listed("range(3, 1) | list"), "[]");
        assert_eq!(listed("range(10000) | length"), "10000");
        let too_long = eval("range(100000) | select('in', range(100000) | list) | list");
        assert_eq!(exceeded(&too_long.unwrap_err()), Some(Exceeded::Range));
        assert!(exceeded(&eval("range(1, 2, 0)").unwrap_err()).is_none());
    }

    #[test]
    fn deep_recursion_is_an_error_not_a_stack_overflow() {
        let source = "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}";
        // A worker thread's stack, as under rayon.
        let b = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || bound(source))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(b, Some(Exceeded::Recursion));
    }

    #[test]
    fn long_output_stops_at_the_bound() {
        assert_eq!(
            bound("{% for i in range(30) %}{{ 'x' * 100000 }}{% endfor %}"),
            Some(Exceeded::Output)
        );
    }

    #[test]
    fn real_templates_stay_within_the_bounds() {
        let out = run("{% for i in range(50) %}{{ i }},{% endfor %}").unwrap();
        assert!(out.starts_with("0,1,2,"));
        assert!(matches!(run("{{ nope }}"), Err(Failure::Error(_))));
    }
}
