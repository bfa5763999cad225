//! How one scalar is spelled: plain, single-quoted, double-quoted or as a `|` block.
//!
//! The rules are the ones serde-saphyr 2.1 applies with YAML 1.1 compatibility on
//! (its default), so that a string stays a string for YAML 1.1 readers (Kubernetes,
//! Helm): every spelling such a reader would take for a boolean, null, number or
//! timestamp is double-quoted, and so is anything a plain scalar cannot carry. Each
//! string is decided in one pass over its bytes; the trap-word checks run only for
//! the few strings whose first byte or length can make one.

use std::cell::Cell;
use std::fmt::Write as _;

/// Bytes that can change a plain scalar's decision: controls, `#`, `:`, the flow
/// indicators `,[]{}` (keys only) and every non-ASCII byte. Letters, digits, space
/// and the rest of ASCII punctuation are decided by the first and last byte alone.
const fn special_bytes() -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = b < 0x20 || b >= 0x7F;
        b += 1;
    }
    let mut i = 0;
    let marks = b"#:,[]{}";
    while i < marks.len() {
        table[marks[i] as usize] = true;
        i += 1;
    }
    table
}

static SPECIAL: [bool; 256] = special_bytes();

/// A character a plain or single-quoted scalar cannot carry: C0/C1 controls, DEL,
/// the byte-order mark, the line/paragraph separators and the two non-characters.
pub(crate) fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{FEFF}' | '\u{2028}' | '\u{2029}' | '\u{FFFE}' | '\u{FFFF}'
        )
}

/// Whether `s` can be written as a plain scalar in value position.
pub(crate) fn plain_value(s: &str) -> bool {
    plain(s, false)
}

/// [`plain_key`] for a struct's field name, remembered per thread by the name's
/// address and length (which together say which `&'static str` it is): the same few
/// hundred names are written hundreds of thousands of times in a large tree, and
/// deciding afresh cost about as much as the rest of writing them.
pub(crate) fn plain_field(name: &'static str) -> bool {
    const SLOTS: usize = 512;
    thread_local! {
        static SEEN: [Cell<(usize, usize, bool)>; SLOTS] =
            const { [const { Cell::new((0, 0, false)) }; SLOTS] };
    }
    let at = name.as_ptr() as usize;
    let slot = ((at >> 2) ^ name.len()) % SLOTS;
    SEEN.with(|seen| {
        let cell = &seen[slot];
        match cell.get() {
            (ptr, len, plain) if ptr == at && len == name.len() => plain,
            _ => {
                let plain = plain_key(name);
                cell.set((at, name.len(), plain));
                plain
            }
        }
    })
}

/// Whether `s` can be written as a plain mapping key: stricter than a value (no `:`
/// at all, no flow indicators) and checked against YAML 1.2's numbers as well.
pub(crate) fn plain_key(s: &str) -> bool {
    // `plain` already ruled out YAML 1.1's readings; YAML 1.2 adds no word, only
    // number spellings, and those start with a digit, a sign, `.` or `_`.
    let number_like = s.starts_with(|c: char| c.is_ascii_digit() || "+-._".contains(c));
    plain(s, true) && !(number_like && is_ambiguous(s, true))
}

fn plain(s: &str, key: bool) -> bool {
    let bytes = s.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if first.is_ascii_whitespace() || last.is_ascii_whitespace() || bad_start(bytes) {
        return false;
    }
    if may_be_ambiguous(first, bytes.len()) && is_ambiguous(s, false) {
        return false;
    }
    if starts_with_document_marker(bytes) {
        return false;
    }
    body_is_plain(s, key)
}

/// The first-byte rules: YAML indicators, and `-`/`?` alone or before white space.
fn bad_start(bytes: &[u8]) -> bool {
    match bytes {
        [b'-' | b'?'] => true,
        [b'-' | b'?', next, ..] => next.is_ascii_whitespace(),
        [first, ..] => matches!(
            first,
            b',' | b':'
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'#'
                | b'&'
                | b'*'
                | b'!'
                | b'|'
                | b'>'
                | b'\''
                | b'"'
                | b'%'
                | b'@'
                | b'`'
        ),
        [] => true,
    }
}

/// The one pass: controls, `: `, ` #` and, for keys, any `:` or flow indicator;
/// then a trailing `:`. Non-ASCII text takes a second, per-character pass (its
/// separators, and Unicode white space before `#` or after a final `:`).
fn body_is_plain(s: &str, key: bool) -> bool {
    let bytes = s.as_bytes();
    // 16-byte blocks with no special byte are passed over at once (all ASCII, and
    // not ending in `:`); the byte-by-byte rules start at the first block that has one.
    let (blocks, rest) = bytes.as_chunks::<16>();
    let clean = blocks
        .iter()
        .take_while(|block| !has_special(block))
        .count();
    if clean == blocks.len() {
        let mut last = [b'a'; 16];
        last[..rest.len()].copy_from_slice(rest);
        if !has_special(&last) {
            return true;
        }
    }
    let start = 16 * clean;
    let mut ascii = true;
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        if !SPECIAL[usize::from(b)] {
            continue;
        }
        let plain = match b {
            b'#' => i == 0 || bytes[i - 1] != b' ',
            b':' => !key && bytes.get(i + 1) != Some(&b' '),
            b',' | b'[' | b']' | b'{' | b'}' => !key,
            0x80.. => {
                ascii = false;
                true
            }
            _ => false,
        };
        if !plain {
            return false;
        }
    }
    if ascii {
        return bytes.last() != Some(&b':');
    }
    non_ascii_is_plain(s)
}

/// Whether `block` holds a byte of `SPECIAL`: the same set as arithmetic, without
/// branches or a table, which the compiler turns into a few vector compares.
fn has_special(block: &[u8; 16]) -> bool {
    block.iter().fold(false, |any, &b| {
        any | !(0x20..0x7F).contains(&b)
            | (b == b'#')
            | (b == b':')
            | (b == b',')
            | (b == b'[')
            | (b == b']')
            | (b == b'{')
            | (b == b'}')
    })
}

fn non_ascii_is_plain(s: &str) -> bool {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if needs_escape(c) || (c.is_whitespace() && chars.peek() == Some(&'#')) {
            return false;
        }
    }
    !s.trim_end().ends_with(':')
}

/// Whether `is_ambiguous` can hold: numbers and timestamps start with a digit, a sign,
/// `.` or `_`; every trap word is at most five bytes and starts with one of a few
/// letters (`null`, `true`, `false`, `nan`, `inf`, `yes`, `no`, `on`, `off`, ...).
fn may_be_ambiguous(first: u8, len: usize) -> bool {
    let word = len <= 5
        && matches!(
            first.to_ascii_lowercase(),
            b'n' | b't' | b'f' | b'i' | b'y' | b'o' | b'~' | b'<' | b'='
        );
    word || matches!(first, b'0'..=b'9' | b'+' | b'-' | b'.' | b'_')
}

fn starts_with_document_marker(bytes: &[u8]) -> bool {
    match bytes {
        [b'-', b'-', b'-', rest @ ..] | [b'.', b'.', b'.', rest @ ..] => {
            rest.first().is_none_or(u8::is_ascii_whitespace)
        }
        _ => false,
    }
}

/// A string a YAML reader could resolve to something other than a string.
pub(crate) fn is_ambiguous(s: &str, yaml_12: bool) -> bool {
    const WORDS: [&str; 9] = [
        "null", "true", "false", "nan", "inf", "+inf", "-inf", "", "~",
    ];
    const YAML11_BOOLS: [&str; 8] = ["yes", "no", "y", "n", "on", "off", "true", "false"];
    // No word starts with a digit: a quantity, a port or a checksum is a number or a
    // timestamp, or a string.
    if s.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return is_numeric(s, yaml_12) || (!yaml_12 && is_timestamp(s));
    }
    if WORDS.iter().any(|w| s.eq_ignore_ascii_case(w)) || is_numeric(s, yaml_12) {
        return true;
    }
    !yaml_12
        && (YAML11_BOOLS.iter().any(|w| s.eq_ignore_ascii_case(w))
            || is_timestamp(s)
            || s == "<<"
            || s == "=")
}

fn strip_sign(s: &str) -> &str {
    s.strip_prefix(['+', '-']).unwrap_or(s)
}

/// Number syntax (no value is built, so an overflowing spelling still counts).
/// YAML 1.1 readers also take base 60 (`1:20`), `_` anywhere in the digits and
/// an empty integer part or extra dots in the fraction.
fn is_numeric(s: &str, yaml_12: bool) -> bool {
    if !matches!(
        s.bytes().next(),
        Some(b'0'..=b'9' | b'+' | b'-' | b'.' | b'_')
    ) {
        return false;
    }
    let unsigned = strip_sign(s);
    if unsigned.eq_ignore_ascii_case(".inf") || unsigned.eq_ignore_ascii_case(".nan") {
        return true;
    }
    if !yaml_12 {
        if is_sexagesimal(s) {
            return true;
        }
        if radix(unsigned).is_some_and(|(r, digits)| digit_run(digits, r, false)) {
            return true;
        }
    }
    if !yaml_12 && s.contains('_') {
        // YAML 1.1 readers drop underscores before resolving a number.
        let without: String = s.chars().filter(|&c| c != '_').collect();
        return is_numeric_body(&without, yaml_12);
    }
    is_numeric_body(s, yaml_12)
}

fn is_numeric_body(s: &str, yaml_12: bool) -> bool {
    let unsigned = strip_sign(s);
    if let Some((r, digits)) = radix(unsigned) {
        // Lowercase 0b/0o without a sign may carry a sign after the prefix (Go YAML).
        let digits = if !yaml_12 && (s.starts_with("0b") || s.starts_with("0o")) {
            strip_sign(digits)
        } else {
            digits
        };
        return digit_run(digits, r, true);
    }
    let mantissa = match unsigned.find(['e', 'E']) {
        Some(at) => {
            if !digit_run(strip_sign(&unsigned[at + 1..]), 10, true) {
                return false;
            }
            &unsigned[..at]
        }
        None => unsigned,
    };
    let Some((whole, fraction)) = mantissa.split_once('.') else {
        return digit_run(mantissa, 10, true);
    };
    if !whole.is_empty() && !digit_run(whole, 10, true) {
        return false;
    }
    if !yaml_12 {
        fraction.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    } else if fraction.is_empty() {
        !whole.is_empty()
    } else {
        digit_run(fraction, 10, true)
    }
}

fn radix(s: &str) -> Option<(u32, &str)> {
    match s.as_bytes() {
        [b'0', b'b' | b'B', ..] => Some((2, &s[2..])),
        [b'0', b'o' | b'O', ..] => Some((8, &s[2..])),
        [b'0', b'x' | b'X', ..] => Some((16, &s[2..])),
        _ => None,
    }
}

/// Non-empty digits of `radix`; `_` only between two digits when `strict`.
fn digit_run(s: &str, radix: u32, strict: bool) -> bool {
    let is_digit = |b: u8| char::from(b).is_digit(radix);
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && (0..bytes.len()).all(|i| {
            let b = bytes[i];
            is_digit(b)
                || (b == b'_'
                    && (!strict
                        || (i > 0
                            && is_digit(bytes[i - 1])
                            && bytes.get(i + 1).is_some_and(|&n| is_digit(n)))))
        })
}

/// YAML 1.1 base 60: `1:20`, `-1:20:30.5`; later parts are 0..59 in one or two digits.
fn is_sexagesimal(s: &str) -> bool {
    let unsigned = strip_sign(s);
    let (integer, fraction) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let Some((head, rest)) = integer.split_once(':') else {
        return false;
    };
    let head_ok = match head.as_bytes().first() {
        Some(d) => d.is_ascii_digit() && (fraction.is_some() || *d != b'0'),
        None => false,
    };
    let digits_or_underscore = |p: &str| p.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    head_ok
        && digits_or_underscore(head)
        && rest.split(':').all(|part| match part.as_bytes() {
            [d] => d.is_ascii_digit(),
            [t, u] => matches!(t, b'0'..=b'5') && u.is_ascii_digit(),
            _ => false,
        })
        && fraction.is_none_or(digits_or_underscore)
}

/// Takes `min..=max` ASCII digits off the front of `s`.
fn take_digits(s: &mut &str, min: usize, max: usize) -> bool {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    let ok = (min..=max).contains(&n);
    if ok {
        *s = &s[n..];
    }
    ok
}

fn take(s: &mut &str, c: char) -> bool {
    match s.strip_prefix(c) {
        Some(rest) => {
            *s = rest;
            true
        }
        None => false,
    }
}

/// YAML 1.1 timestamp syntax (no calendar check): `2024-1-2`, `2024-01-02T10:00:00Z`,
/// `2024-01-02 10:00:00.5 +01:00`.
fn is_timestamp(mut s: &str) -> bool {
    let date = take_digits(&mut s, 4, 4)
        && take(&mut s, '-')
        && take_digits(&mut s, 1, 2)
        && take(&mut s, '-')
        && take_digits(&mut s, 1, 2);
    if !date {
        return false;
    }
    if s.is_empty() {
        return true;
    }
    if !take(&mut s, 'T') && !take(&mut s, 't') {
        let rest = s.trim_start_matches([' ', '\t']);
        if rest.len() == s.len() {
            return false;
        }
        s = rest;
    }
    let time = take_digits(&mut s, 1, 2)
        && take(&mut s, ':')
        && take_digits(&mut s, 1, 2)
        && take(&mut s, ':')
        && take_digits(&mut s, 1, 2);
    if !time {
        return false;
    }
    if take(&mut s, '.') || take(&mut s, ',') {
        take_digits(&mut s, 0, usize::MAX);
    }
    s = s.trim_start_matches([' ', '\t']);
    if s.is_empty() || s == "Z" {
        return true;
    }
    if !(take(&mut s, '+') || take(&mut s, '-')) || !take_digits(&mut s, 1, 2) {
        return false;
    }
    if take(&mut s, ':') && !take_digits(&mut s, 2, 2) {
        return false;
    }
    s.is_empty()
}

/// Whether a multi-line string can be a `|` block: tab and line feed aside, only
/// printable characters, and none that readers mishandle (CR, NEL, LS, PS, BOM).
pub(crate) fn block_safe(s: &str) -> bool {
    let printable = |b: &u8| matches!(b, b'\n' | b'\t' | 0x20..=0x7E);
    if s.bytes().all(|b| printable(&b)) {
        return true;
    }
    s.chars().all(|c| match c {
        '\n' | '\t' => true,
        '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}' => false,
        c => matches!(
            u32::from(c),
            0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x1_0000..=0x10_FFFF
        ),
    })
}

/// Appends `s` double-quoted, with YAML's escapes.
pub(crate) fn push_double_quoted(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        // ASCII is decided by its byte (its only controls are below 0x20 and DEL);
        // other characters are decoded.
        let (c, len) = match bytes[i] {
            b @ 0x20..0x7F if b != b'"' && b != b'\\' => {
                i += 1;
                continue;
            }
            b @ ..0x80 => (char::from(b), 1),
            _ => {
                let c = s[i..].chars().next().unwrap_or_default();
                if !needs_escape(c) && c != '\u{85}' {
                    i += c.len_utf8();
                    continue;
                }
                (c, c.len_utf8())
            }
        };
        out.push_str(&s[start..i]);
        push_escape(out, c);
        i += len;
        start = i;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

fn push_escape(out: &mut String, c: char) {
    let named = match c {
        '\\' => "\\\\",
        '"' => "\\\"",
        '\0' => "\\0",
        '\u{7}' => "\\a",
        '\u{8}' => "\\b",
        '\t' => "\\t",
        '\n' => "\\n",
        '\u{b}' => "\\v",
        '\u{c}' => "\\f",
        '\r' => "\\r",
        '\u{1b}' => "\\e",
        '\u{FEFF}' => "\\uFEFF",
        '\u{85}' => "\\N",
        '\u{2028}' => "\\L",
        '\u{2029}' => "\\P",
        _ => "",
    };
    if !named.is_empty() {
        out.push_str(named);
    } else if u32::from(c) <= 0xFF {
        let _ = write!(out, "\\x{:02X}", u32::from(c));
    } else {
        let _ = write!(out, "\\u{:04X}", u32::from(c));
    }
}

/// Appends a finite or special float as YAML writes it: shortest round-trip digits,
/// always with a `.` or an exponent sign (`1.0`, `1.5e+20`), `.inf`, `-.inf`, `.nan`.
pub(crate) fn push_float<F: zmij::Float>(out: &mut String, f: F, nan: bool, inf: Option<bool>) {
    if nan {
        out.push_str(".nan");
        return;
    }
    match inf {
        Some(true) => return out.push_str(".inf"),
        Some(false) => return out.push_str("-.inf"),
        None => {}
    }
    let mut buf = zmij::Buffer::new();
    let s = buf.format_finite(f);
    match s.find(['e', 'E']) {
        Some(at) => {
            let (mantissa, exp) = (&s[..at], &s[at + 1..]);
            out.push_str(mantissa);
            if !mantissa.contains('.') {
                out.push_str(".0");
            }
            out.push_str(&s[at..=at]);
            if !exp.starts_with(['+', '-']) {
                out.push('+');
            }
            out.push_str(exp);
        }
        None => {
            out.push_str(s);
            if !s.contains('.') {
                out.push_str(".0");
            }
        }
    }
}

/// Appends the comment text of a `# comment`: characters a comment cannot hold
/// (line breaks, controls other than tab) become spaces.
pub(crate) fn push_comment(out: &mut String, comment: &str) {
    for c in comment.chars() {
        let blank = c != '\t' && (needs_escape(c) || c == '\u{85}');
        out.push(if blank { ' ' } else { c });
    }
}

/// Standard base64 with padding, for `!!binary`.
pub(crate) fn push_base64(out: &mut String, bytes: &[u8]) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_test_and_the_byte_table_name_the_same_bytes() {
        for b in 0..=u8::MAX {
            let mut block = [b'a'; 16];
            block[usize::from(b) % 16] = b;
            assert_eq!(
                has_special(&block),
                SPECIAL[usize::from(b)],
                "byte {b:#04x}"
            );
        }
    }

    /// The rules byte by byte from the start, without the block fast path.
    fn body_is_plain_bytewise(s: &str, key: bool) -> bool {
        let bytes = s.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            let plain = match b {
                b'#' => i == 0 || bytes[i - 1] != b' ',
                b':' => !key && bytes.get(i + 1) != Some(&b' '),
                b',' | b'[' | b']' | b'{' | b'}' => !key,
                0x80.. => return non_ascii_is_plain(s),
                b if b < 0x20 || b == 0x7F => false,
                _ => true,
            };
            if !plain {
                return false;
            }
        }
        bytes.last() != Some(&b':')
    }

    #[test]
    fn a_special_byte_is_seen_wherever_it_falls_against_the_blocks() {
        let specials = [
            " #", "#", ": ", ":", ",", "[", "]", "{", "}", "\t", "\n", "\u{7f}", "é", "\u{2028}",
            " \u{a0}#", "a:", "\u{85}",
        ];
        for len in [0, 1, 14, 15, 16, 17, 31, 32, 33, 47, 48, 64] {
            for at in 0..=len {
                for special in specials {
                    let s = format!("{}{special}{}", "x".repeat(at), "y".repeat(len - at));
                    for key in [false, true] {
                        assert_eq!(
                            body_is_plain(&s, key),
                            body_is_plain_bytewise(&s, key),
                            "{s:?} key={key}"
                        );
                    }
                }
                let plain = "z".repeat(len);
                assert!(body_is_plain(&plain, true) && body_is_plain(&plain, false));
            }
        }
    }

    #[test]
    fn trap_words_and_numbers_are_not_plain() {
        for s in [
            "yes",
            "No",
            "ON",
            "off",
            "y",
            "n",
            "true",
            "null",
            "~",
            "0755",
            "1e3",
            ".inf",
            "-.NaN",
            "0x1F",
            "1_000",
            "1:20",
            "2024-01-02",
            "<<",
            "=",
            "",
            "+1",
            "0o7",
            "1.10",
            "._5",
        ] {
            assert!(!plain_value(s), "{s:?} must be quoted");
        }
    }

    #[test]
    fn ordinary_strings_are_plain() {
        for s in [
            "nginx:1.27",
            "a b",
            "http://x/y#frag",
            "-v",
            "?q",
            "été",
            "yes!",
            "1.2.3a",
        ] {
            assert!(plain_value(s), "{s:?} should be plain");
        }
    }

    #[test]
    fn keys_refuse_colons_and_flow_indicators_values_do_not() {
        for s in ["a:b", "a,b", "a[0]", "x{y}"] {
            assert!(plain_value(s), "{s:?} as a value");
            assert!(!plain_key(s), "{s:?} as a key");
        }
    }

    #[test]
    fn a_field_name_is_plain_exactly_when_the_same_key_is_every_time_asked() {
        const ONION: &str = "onion";
        // "on" and "onion" start at one address: the remembered answer of one must not
        // be given for the other.
        let on: &'static str = &ONION[..2];
        assert_eq!(on.as_ptr(), ONION.as_ptr());
        let names: [&'static str; 9] = [
            "apiVersion",
            on,
            ONION,
            "",
            "y",
            "a: b",
            "-",
            "true",
            "matchLabels",
        ];
        for _ in 0..3 {
            for name in names {
                assert_eq!(plain_field(name), plain_key(name), "{name:?}");
            }
        }
        assert!(!plain_field(on) && plain_field(ONION));
    }

    #[test]
    fn escapes_use_yaml_names_and_hex() {
        let mut out = String::new();
        push_double_quoted(&mut out, "a\"\\\n\u{7f}\u{2028}\u{fffe}\u{85}");
        assert_eq!(out, r#""a\"\\\n\x7F\L\uFFFE\N""#);
    }

    #[test]
    fn base64_pads() {
        let mut out = String::new();
        push_base64(&mut out, b"ab");
        push_base64(&mut out, b"abc");
        assert_eq!(out, "YWI=YWJj");
    }
}
