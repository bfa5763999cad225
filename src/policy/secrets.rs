//! The plaintext-secret detector behind `sec.no-plaintext-secrets`: a secret in `env`,
//! `command` or `args` lands in a ConfigMap, a Deployment and the Helm values.
//!
//! Two independent signals, each precise enough to stand alone:
//!
//! - **the value's shape**, whatever the name: a URL whose user info has a password,
//!   a JWT, a PEM private key, a token with a well-known vendor prefix, and (in `env`
//!   only) a long high-entropy token;
//! - **the name** (an env variable, or a `--flag` in `command`/`args`) ends with a
//!   secret word, and the value looks like a literal: not empty, not a boolean, not a
//!   number or duration, not a URL without a password, not a file path, not a
//!   reference (`$(VAR)`, `${...}`).
//!
//! Secret outputs of module needs (`${needs.db.url}`) never reach plain `env`: they
//! become `secretKeyRef`s or `$(PAVE_...)` references before policies run.

/// Last words of a name that mark a secret (`DB_PASS`, `STRIPE_SK`, `BASIC_AUTH`).
const SECRET_WORDS: [&str; 11] = [
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "SK",
    "AUTH",
];

/// Last two words of a name that mark a secret (`SECRET_KEY`, `SECRET_KEY_BASE`).
const SECRET_PAIRS: [(&str, &str); 8] = [
    ("API", "KEY"),
    ("PRIVATE", "KEY"),
    ("SECRET", "KEY"),
    ("ACCESS", "KEY"),
    ("SIGNING", "KEY"),
    ("ENCRYPTION", "KEY"),
    ("MASTER", "KEY"),
    ("KEY", "BASE"),
];

/// Secret words that also count glued to the end of a name (`DBPASSWORD`, `GHTOKEN`);
/// shorter words would match ordinary names (`BYPASS`, `OAUTH`).
const GLUED_SUFFIXES: [&str; 5] = ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY"];

/// Vendor token prefixes, each with the least length a real token has.
const PREFIXES: [(&str, usize); 15] = [
    ("AKIA", 20),
    ("ASIA", 20),
    ("ghp_", 40),
    ("gho_", 40),
    ("ghu_", 40),
    ("ghs_", 40),
    ("ghr_", 40),
    ("github_pat_", 40),
    ("glpat-", 26),
    ("sk_live_", 20),
    ("rk_live_", 20),
    ("sk_test_", 20),
    ("rk_test_", 20),
    ("AIza", 39),
    ("xox", 15),
];

/// Whether an env variable holds a plaintext secret.
pub(super) fn env_var(name: &str, value: &str) -> bool {
    secret_shape(value) || high_entropy(value) || (secret_name(name) && literal(value))
}

/// The indexes of `command`/`args` items that hold a plaintext secret: secret-shaped
/// items, `--name=value` with a secret name, and the item after a bare `--name`.
pub(super) fn arguments(items: &[String]) -> Vec<usize> {
    let mut found = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let flagged = match flag(item) {
            Some((name, Some(value))) => secret_name(name) && literal(value),
            _ => false,
        };
        let after_bare_flag = i > 0
            && !item.starts_with('-')
            && matches!(flag(&items[i - 1]), Some((name, None)) if secret_name(name))
            && literal(item);
        if flagged || after_bare_flag || secret_shape(item) {
            found.push(i);
        }
    }
    found
}

/// `--db-password=x` -> (`db-password`, Some(`x`)); `--token` -> (`token`, None).
fn flag(item: &str) -> Option<(&str, Option<&str>)> {
    let body = item.strip_prefix("--").or_else(|| item.strip_prefix('-'))?;
    if body.is_empty() || body.starts_with('-') {
        return None;
    }
    Some(match body.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (body, None),
    })
}

/// A name whose last word (or last two words) is a secret word. Words are split on
/// `_`, `-` and `.`, in any case.
pub(super) fn secret_name(name: &str) -> bool {
    // The last two words, without an uppercased copy of the name (every env variable
    // of every service is asked).
    let mut words = name.rsplit(['_', '-', '.']).filter(|w| !w.is_empty());
    let Some(last) = words.next() else {
        return false;
    };
    let before = words.next();
    let is = |word: &str, secret: &str| word.eq_ignore_ascii_case(secret);
    let pair = before.is_some_and(|before| {
        SECRET_PAIRS
            .iter()
            .any(|(first, second)| is(before, first) && is(last, second))
    });
    let glued = |suffix: &str| {
        last.len() >= suffix.len()
            && last.is_char_boundary(last.len() - suffix.len())
            && is(&last[last.len() - suffix.len()..], suffix)
    };
    pair || SECRET_WORDS.iter().any(|w| is(last, w)) || GLUED_SUFFIXES.iter().any(|s| glued(s))
}

/// A value that could be a literal secret: not empty, a boolean, a number or
/// duration, a URL without a password, a file path or a reference.
fn literal(value: &str) -> bool {
    let v = value.trim();
    let boolean = [
        "true", "false", "yes", "no", "on", "off", "enabled", "disabled", "null", "none",
    ]
    .iter()
    .any(|b| v.eq_ignore_ascii_case(b));
    let reference = v.contains("$(") || v.contains("${");
    let path = v.starts_with('/') || v.starts_with("./") || v.starts_with("~/");
    let url = v.contains("://") && !url_password(v);
    !(v.is_empty() || boolean || number(v) || reference || path || url)
}

/// `12`, `-3.5`, `30s`, `1h`, `512Mi`: digits with an optional decimal part and a
/// short unit.
fn number(v: &str) -> bool {
    let digits = v.trim_start_matches(['+', '-']);
    let unit_at = digits
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(digits.len());
    let (n, unit) = digits.split_at(unit_at);
    let units = [
        "", "ms", "s", "m", "h", "d", "k", "K", "M", "G", "Ki", "Mi", "Gi", "%",
    ];
    !n.is_empty() && n.parse::<f64>().is_ok() && units.contains(&unit)
}

/// A value shaped like a secret whatever its name.
pub(super) fn secret_shape(value: &str) -> bool {
    let pem = value.contains("-----BEGIN") && value.contains("PRIVATE KEY-----");
    pem || url_password(value) || tokens(value).any(|t| jwt(t) || vendor_token(t))
}

/// The whitespace-, quote- and `=`-separated words of a value.
fn tokens(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '=' | ',' | ';'))
        .filter(|t| !t.is_empty())
}

/// A URL (anywhere in the value) whose user info has a non-empty password that is
/// not a reference: `postgres://app:pw@host/db`.
fn url_password(value: &str) -> bool {
    value.match_indices("://").any(|(at, _)| {
        let rest = &value[at + 3..];
        let authority = rest
            .split(['/', '?', '#', ' ', '\n'])
            .next()
            .unwrap_or_default();
        let Some((userinfo, _host)) = authority.rsplit_once('@') else {
            return false;
        };
        match userinfo.split_once(':') {
            Some((_, password)) => {
                !password.is_empty() && !password.starts_with("$(") && !password.starts_with("${")
            }
            None => false,
        }
    })
}

/// `eyJ...` `.` `eyJ...` `.` signature: a JSON header and payload in base64url.
fn jwt(token: &str) -> bool {
    // Most words are not: decided before splitting (every env value's words are asked).
    if !token.starts_with("eyJ") {
        return false;
    }
    let parts: Vec<&str> = token.split('.').collect();
    let b64 = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
    };
    parts.len() == 3
        && parts[0].starts_with("eyJ")
        && parts[1].starts_with("eyJ")
        && parts[0].len() >= 10
        && parts[1].len() >= 10
        && parts.iter().all(|p| b64(p))
}

/// A token with a well-known vendor prefix and the length of a real one.
fn vendor_token(token: &str) -> bool {
    PREFIXES.iter().any(|(prefix, min)| {
        token.len() >= *min
            && token.starts_with(prefix)
            && token[prefix.len()..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
            && (*prefix != "xox" || slack(token))
            && (!prefix.starts_with('A')
                || token[prefix.len()..].chars().any(|c| c.is_ascii_digit()))
    })
}

/// Slack tokens: `xoxb-`, `xoxa-`, `xoxp-`, `xoxr-`, `xoxs-`.
fn slack(token: &str) -> bool {
    matches!(
        token.as_bytes().get(3..5),
        Some([b'b' | b'a' | b'p' | b'r' | b's', b'-'])
    )
}

/// A token of 24+ characters from a base64/hex alphabet with at least 4.0 bits of
/// Shannon entropy per character: how generated credentials look, unlike words or URLs.
pub(super) fn high_entropy(value: &str) -> bool {
    let token_chars = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '_' | '-'));
    if value.len() < 24 || !token_chars {
        return false;
    }
    // Token characters are ASCII: one count per byte value.
    let mut counts = [0usize; 128];
    for b in value.bytes() {
        counts[usize::from(b & 0x7f)] += 1;
    }
    let n = value.len() as f64;
    let entropy: f64 = counts
        .iter()
        .filter(|&&k| k > 0)
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum();
    let classes = [
        value.chars().any(|c| c.is_ascii_lowercase()),
        value.chars().any(|c| c.is_ascii_uppercase()),
        value.chars().any(|c| c.is_ascii_digit()),
    ];
    entropy >= 4.0 && classes.iter().filter(|x| **x).count() >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Env variables that must be reported.
    const POSITIVE: &[(&str, &str)] = &[
        ("DB_PASS", "hunter2"),
        ("DB_PASSWORD", "hunter2"),
        ("DBPASSWORD", "hunter2"),
        ("SMTP_PASSWD", "correct horse"),
        ("MYSQL_PWD", "s3cret"),
        ("SECRET_KEY", "django-insecure-abc"),
        ("SECRET_KEY_BASE", "deadbeefcafe"),
        ("STRIPE_SK", "not-a-real-key"),
        ("GITHUB_TOKEN", "x"),
        ("api-key", "abc123"),
        ("SENDGRID_APIKEY", "abc123"),
        ("GOOGLE_PRIVATE_KEY", "abc"),
        ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG"),
        ("GCP_CREDENTIALS", "{\"type\": \"service_account\"}"),
        ("BASIC_AUTH", "admin:admin"),
        ("CLIENT_SECRET", "abc"),
        ("DATABASE_URL", "postgres://app:pw@db.internal/app"),
        ("REDIS", "redis://:pw@cache:6379/0"),
        ("CALLBACK", "see https://user:pass@example.com/hook"),
        (
            "SESSION",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        ),
        (
            "HEADER",
            "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhcGkifQ.sig_nature",
        ),
        ("KEY", "-----BEGIN RSA PRIVATE KEY-----\nMIIE"),
        ("KEY_PEM", "-----BEGIN PRIVATE KEY-----"),
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
        ("GH", "ghp_0123456789abcdefghijABCDEFGHIJ012345"),
        ("GH_FINE", "github_pat_11ABCDEFG0123456789_abcdefghijklmnop"),
        ("STRIPE", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
        ("STRIPE_RESTRICTED", "rk_live_4eC39HqLyjWDarjtT1zdp7dc"),
        ("SLACK", "xoxb-123456789012-abcdefABCDEF"),
        ("GITLAB", "glpat-abcdefghij0123456789"),
        ("X", "AKfj38Hd92kLs0qPzX7vB4nM1wQe"),
    ];

    /// Env variables that must not be reported.
    const NEGATIVE: &[(&str, &str)] = &[
        ("PASSWORD_MIN_LENGTH", "12"),
        ("TOKEN_URL", "https://auth.example.com/token"),
        ("SECRET_NAME", "db-creds"),
        ("AUTH_ENABLED", "true"),
        ("DB_PASSWORD", ""),
        ("DB_PASSWORD", "  "),
        ("API_TOKEN", "false"),
        ("TOKEN_TTL", "3600"),
        ("SESSION_TOKEN", "30m"),
        ("DB_PASSWORD_FILE", "/run/secrets/db"),
        ("DB_PASSWORD", "/run/secrets/db-password"),
        ("DB_PASSWORD", "$(PAVE_DB_PASSWORD)"),
        ("DB_URL", "postgres://app@db.internal/app"),
        ("AUTH_URL", "https://auth.example.com"),
        ("OAUTH_TOKEN", "https://auth.example.com/oauth/token"),
        ("ORDERS_URL", "http://orders.orders.svc.cluster.local:8080"),
        ("DB_URL", "postgres://app:$(PAVE_DB_PASSWORD)@db/app"),
        ("LOG_LEVEL", "info"),
        ("TOKENIZER", "words"),
        ("BYPASS", "cache"),
        ("PASSPORT_STRATEGY", "local"),
        ("CACHE_KEY_PREFIX", "checkout-service-cache-v2"),
        ("SECRET_REF", "vault/db#password"),
        ("KEY", "AKIA"),
        ("IMAGE", "ghcr.io/acme/api:1.0.0"),
        ("TOKEN_LIMIT", "512Mi"),
        ("GREETING", "hello world"),
        ("PUBLIC_KEY", "-----BEGIN PUBLIC KEY-----"),
    ];

    #[test]
    fn every_positive_example_is_reported() {
        let missed: Vec<_> = POSITIVE.iter().filter(|(n, v)| !env_var(n, v)).collect();
        assert!(missed.is_empty(), "missed: {missed:?}");
        assert!(POSITIVE.len() >= 20);
    }

    #[test]
    fn no_negative_example_is_reported() {
        let wrong: Vec<_> = NEGATIVE.iter().filter(|(n, v)| env_var(n, v)).collect();
        assert!(wrong.is_empty(), "false positives: {wrong:?}");
        assert!(NEGATIVE.len() >= 20);
    }

    #[test]
    fn secret_names_are_matched_in_any_case_and_never_split_a_character() {
        for name in [
            "db_password",
            "Db.Pass",
            "stripe-sk",
            "ghToken",
            "Secret_Key",
            "x-api-key",
        ] {
            assert!(secret_name(name), "{name}");
        }
        for name in [
            "bypass",
            "oauth",
            "key",
            "",
            "__",
            "é",
            "éTOKENé",
            "passé",
            "ÉTOKEN_É",
        ] {
            assert!(!secret_name(name), "{name}");
        }
        assert!(secret_name("éTOKEN") && secret_name("passé_secret"));
    }

    fn args(items: &[&str]) -> Vec<usize> {
        arguments(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn secret_flags_and_shapes_in_arguments_are_reported() {
        assert_eq!(args(&["--db-password=hunter2"]), [0]);
        assert_eq!(args(&["serve", "--token=abc", "--port=8080"]), [1]);
        assert_eq!(args(&["--secret-key=abc"]), [0]);
        assert_eq!(args(&["-password=abc"]), [0]);
        assert_eq!(args(&["--db-password", "hunter2", "--verbose"]), [1]);
        assert_eq!(args(&["--dsn", "postgres://u:p@h/db"]), [1]);
        assert_eq!(
            args(&["--header=Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhcGkifQ.sig"]),
            [0]
        );
    }

    #[test]
    fn ordinary_arguments_are_not_reported() {
        assert!(args(&["--password-file=/run/secrets/db"]).is_empty());
        assert!(args(&["--password-min-length=12"]).is_empty());
        assert!(args(&["--token-url=https://auth.example.com/token"]).is_empty());
        assert!(args(&["--db-password=$(PAVE_DB_PASSWORD)"]).is_empty());
        assert!(args(&["--auth", "--listen", ":8080"]).is_empty());
        assert!(args(&["--secret-name=db-creds", "--tls=true"]).is_empty());
        assert!(args(&["-c", "exec /app/server"]).is_empty());
        assert!(args(&["--"]).is_empty());
    }
}
