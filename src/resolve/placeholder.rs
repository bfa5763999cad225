//! `${...}` placeholders in string values: parsing and expansion.
//!
//! A placeholder is `${scope.name}` or `${needs.<need>.<output>}`; `$${` writes a
//! literal `${`. Expansion reports each unknown placeholder with its byte range
//! inside the string, so the diagnostic can point at the placeholder itself.

use std::ops::Range;

/// One piece of a string value: literal text or a placeholder path.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Piece<'a> {
    Text(&'a str),
    /// The dotted path inside `${...}`, and the byte range of the whole `${...}`.
    Placeholder(&'a str, Range<usize>),
}

/// A `${` without its closing `}`.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Unclosed(pub usize);

pub(super) fn parse(s: &str) -> Result<Vec<Piece<'_>>, Unclosed> {
    let mut pieces = Vec::new();
    let mut rest = 0;
    // Only `$` can start a placeholder or an escape, and `$` is ASCII, so jumping from
    // one `$` to the next keeps every index on a char boundary and the scan linear.
    let mut from = 0;
    while let Some(found) = s[from..].find('$') {
        let i = from + found;
        if s[i..].starts_with("$${") {
            if rest < i {
                pieces.push(Piece::Text(&s[rest..i]));
            }
            pieces.push(Piece::Text(&s[i + 1..i + 3]));
            from = i + 3;
            rest = from;
        } else if s[i..].starts_with("${") {
            let Some(close) = s[i..].find('}') else {
                return Err(Unclosed(i));
            };
            if rest < i {
                pieces.push(Piece::Text(&s[rest..i]));
            }
            pieces.push(Piece::Placeholder(
                s[i + 2..i + close].trim(),
                i..i + close + 1,
            ));
            from = i + close + 1;
            rest = from;
        } else {
            from = i + 1;
        }
    }
    if rest < s.len() {
        pieces.push(Piece::Text(&s[rest..]));
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_text_and_placeholders() {
        let got = parse("http://${needs.api.host}:8080/").unwrap();
        assert_eq!(
            got,
            vec![
                Piece::Text("http://"),
                Piece::Placeholder("needs.api.host", 7..24),
                Piece::Text(":8080/"),
            ]
        );
    }

    #[test]
    fn double_dollar_escapes() {
        let got = parse("a$${b}c").unwrap();
        assert_eq!(
            got,
            vec![Piece::Text("a"), Piece::Text("${"), Piece::Text("b}c")]
        );
    }

    #[test]
    fn multibyte_text_around_placeholders_stays_whole() {
        let got = parse("é${service.name}ü 🚀 日本$${x}").unwrap();
        assert_eq!(
            got,
            vec![
                Piece::Text("é"),
                Piece::Placeholder("service.name", 2..17),
                Piece::Text("ü 🚀 日本"),
                Piece::Text("${"),
                Piece::Text("x}"),
            ]
        );
        assert_eq!(parse("café"), Ok(vec![Piece::Text("café")]));
        assert_eq!(parse("日${x"), Err(Unclosed(3)));
    }

    #[test]
    fn unclosed_is_reported_with_its_offset() {
        assert_eq!(parse("x ${env.name"), Err(Unclosed(2)));
    }
}
