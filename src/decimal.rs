//! Exact decimal numbers for thresholds that end up in PromQL.
//!
//! An SLO of 99.9 has an error budget of exactly 0.001, and a burn-rate threshold of
//! 14.4 × 0.001 is exactly 0.0144. Floating point would print 0.014400000000000001;
//! these numbers are kept as an integer and a decimal scale instead.

use std::cmp::Ordering;
use std::fmt;

/// `units × 10^-scale`.
#[derive(Clone, Copy, Debug)]
pub struct Decimal {
    units: i128,
    scale: u32,
}

/// Digits kept after the decimal point when a division does not terminate.
const MAX_SCALE: u32 = 12;

impl Decimal {
    pub const ZERO: Decimal = Decimal { units: 0, scale: 0 };

    pub fn from_int(n: i64) -> Decimal {
        Decimal {
            units: n.into(),
            scale: 0,
        }
    }

    /// Parses `12`, `-0.25`, `99.95`; no exponents.
    pub fn parse(text: &str) -> Option<Decimal> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        if !whole
            .chars()
            .chain(fraction.chars())
            .all(|c| c.is_ascii_digit())
            || fraction.len() > 18
        {
            return None;
        }
        let units: i128 = format!("{whole}{fraction}").parse().ok()?;
        let d = Decimal {
            units: if negative { -units } else { units },
            scale: fraction.len() as u32,
        };
        Some(d.normalized())
    }

    /// From a JSON number as written (serde_json prints the shortest round-trip form).
    pub fn from_json(value: &serde_json::Value) -> Option<Decimal> {
        match value {
            serde_json::Value::Number(n) => Decimal::parse(&n.to_string()),
            serde_json::Value::String(s) => Decimal::parse(s),
            _ => None,
        }
    }

    fn normalized(mut self) -> Decimal {
        while self.scale > 0 && self.units % 10 == 0 {
            self.units /= 10;
            self.scale -= 1;
        }
        self
    }

    fn rescale(self, scale: u32) -> i128 {
        self.units * 10i128.pow(scale - self.scale)
    }

    pub fn plus(self, other: Decimal) -> Decimal {
        let scale = self.scale.max(other.scale);
        Decimal {
            units: self.rescale(scale) + other.rescale(scale),
            scale,
        }
        .normalized()
    }

    pub fn minus(self, other: Decimal) -> Decimal {
        self.plus(Decimal {
            units: -other.units,
            scale: other.scale,
        })
    }

    pub fn times(self, other: Decimal) -> Decimal {
        Decimal {
            units: self.units * other.units,
            scale: self.scale + other.scale,
        }
        .normalized()
    }

    /// Division, exact when it terminates within 12 decimals, else rounded half up.
    pub fn checked_div(self, other: Decimal) -> Option<Decimal> {
        if other.units == 0 {
            return None;
        }
        // self / other = (a / 10^sa) / (b / 10^sb) = a * 10^(sb + k) / b / 10^(sa + k)
        let k = MAX_SCALE;
        let numerator = self.units * 10i128.pow(other.scale + k);
        let quotient = numerator / other.units;
        let remainder = numerator % other.units;
        let rounded = if (remainder * 2).abs() >= other.units.abs() {
            quotient + quotient.signum().max(1)
        } else {
            quotient
        };
        Some(
            Decimal {
                units: rounded,
                scale: self.scale + k,
            }
            .normalized(),
        )
    }

    pub fn is_positive(self) -> bool {
        self.units > 0
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Decimal) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Decimal {}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Decimal) -> Ordering {
        let scale = self.scale.max(other.scale);
        self.rescale(scale).cmp(&other.rescale(scale))
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.normalized();
        let sign = if n.units < 0 { "-" } else { "" };
        let digits = n.units.abs().to_string();
        if n.scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let scale = n.scale as usize;
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (whole, fraction) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{whole}.{fraction}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    #[test]
    fn burn_rate_thresholds_are_exact() {
        let budget = d("100").minus(d("99.9")).checked_div(d("100")).unwrap();
        assert_eq!(budget.to_string(), "0.001");
        assert_eq!(d("14.4").times(budget).to_string(), "0.0144");
        let factor = d("2").times(d("720")).checked_div(d("100")).unwrap();
        assert_eq!(factor.to_string(), "14.4");
        assert_eq!(d("0.02").times(d("672")).to_string(), "13.44");
        assert_eq!(
            d("1").checked_div(d("3")).unwrap().to_string(),
            "0.333333333333"
        );
    }

    #[test]
    fn compares_across_scales() {
        assert_eq!(d("0.250"), d("0.25"));
        assert!(d("1") > d("0.999"));
        assert_eq!(d("5").to_string(), "5");
        assert_eq!(Decimal::parse("1e3"), None);
    }
}
