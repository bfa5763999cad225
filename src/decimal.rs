//! Exact decimal numbers for thresholds that end up in PromQL.
//!
//! An SLO of 99.9 has an error budget of exactly 0.001, and a burn-rate threshold of
//! 14.4 × 0.001 is exactly 0.0144. Floating point would print 0.014400000000000001;
//! these numbers are kept as an integer and a decimal scale instead.
//!
//! Arithmetic never overflows silently: every operation is checked. Division rounds
//! to at most [`MAX_SCALE`] decimals, so chained divisions stay small; resolve bounds
//! the inputs (objectives, budget shares, the SLO period), which keeps every value
//! pave computes far inside `i128`. Should an operation still overflow, it saturates
//! at the largest representable value instead of wrapping or panicking.

use std::cmp::Ordering;
use std::fmt;

/// `units × 10^-scale`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Decimal {
    units: i128,
    scale: u32,
}

/// Digits kept after the decimal point when a division does not terminate.
const MAX_SCALE: u32 = 12;

impl Decimal {
    pub(crate) const ZERO: Decimal = Decimal { units: 0, scale: 0 };

    pub(crate) fn from_int(n: i64) -> Decimal {
        Decimal {
            units: n.into(),
            scale: 0,
        }
    }

    /// Parses `12`, `-0.25`, `99.95`; no exponents.
    pub(crate) fn parse(text: &str) -> Option<Decimal> {
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
        let units = whole
            .bytes()
            .chain(fraction.bytes())
            .try_fold(0i128, |n, d| {
                n.checked_mul(10)?.checked_add(i128::from(d - b'0'))
            })?;
        let d = Decimal {
            units: if negative { -units } else { units },
            scale: fraction.len() as u32,
        };
        Some(d.normalized())
    }

    /// From a JSON number as written (serde_json prints the shortest round-trip form).
    pub(crate) fn from_json(value: &serde_json::Value) -> Option<Decimal> {
        match value {
            serde_json::Value::Number(n) => Decimal::parse(&n.to_string()),
            serde_json::Value::String(s) => Decimal::parse(s),
            _ => None,
        }
    }

    fn normalized(mut self) -> Decimal {
        // Every value pave computes fits in 64 bits: strip zeros with the machine's
        // division there (an `i128` remainder is a library call, and the unit-test
        // simulation normalizes a sum every simulated minute).
        if let Ok(mut units) = i64::try_from(self.units) {
            while self.scale > 0 && units % 10 == 0 {
                units /= 10;
                self.scale -= 1;
            }
            self.units = units.into();
            return self;
        }
        while self.scale > 0 && self.units % 10 == 0 {
            self.units /= 10;
            self.scale -= 1;
        }
        self
    }

    fn rescale(self, scale: u32) -> Option<i128> {
        10i128
            .checked_pow(scale - self.scale)
            .and_then(|p| self.units.checked_mul(p))
    }

    /// The value at the end of `i128` with the sign of `negative`: what an overflowing
    /// operation gives instead of wrapping (see the module header).
    fn saturated(negative: bool) -> Decimal {
        Decimal {
            units: if negative { i128::MIN + 1 } else { i128::MAX },
            scale: 0,
        }
    }

    /// The integer part (towards minus infinity) and the fraction's digits padded to 40
    /// places, which order like the number itself.
    fn whole_and_fraction(self) -> (i128, String) {
        let Some(pow) = 10i128.checked_pow(self.scale) else {
            return (if self.units < 0 { -1 } else { 0 }, String::new());
        };
        let whole = self.units.div_euclid(pow);
        let fraction = self.units.rem_euclid(pow);
        (
            whole,
            format!(
                "{fraction:0>width$}{:0<pad$}",
                "",
                width = self.scale as usize,
                pad = 40usize.saturating_sub(self.scale as usize)
            ),
        )
    }

    pub(crate) fn plus(self, other: Decimal) -> Decimal {
        let scale = self.scale.max(other.scale);
        let sum = self
            .rescale(scale)
            .zip(other.rescale(scale))
            .and_then(|(a, b)| a.checked_add(b));
        match sum {
            Some(units) => Decimal { units, scale }.normalized(),
            None => Decimal::saturated(self.units < 0 && other.units < 0),
        }
    }

    pub(crate) fn minus(self, other: Decimal) -> Decimal {
        self.plus(Decimal {
            units: -other.units,
            scale: other.scale,
        })
    }

    pub(crate) fn times(self, other: Decimal) -> Decimal {
        match self.units.checked_mul(other.units) {
            Some(units) => Decimal {
                units,
                scale: self.scale + other.scale,
            }
            .normalized(),
            None => Decimal::saturated((self.units < 0) != (other.units < 0)),
        }
    }

    /// Division, exact when it terminates within [`MAX_SCALE`] decimals, else rounded
    /// half up to that many; `None` when dividing by zero or when the quotient does not
    /// fit.
    pub(crate) fn checked_div(self, other: Decimal) -> Option<Decimal> {
        if other.units == 0 {
            return None;
        }
        // self / other = (a / 10^sa) / (b / 10^sb) = (a * 10^(sb + k - sa) / b) / 10^k
        let k = MAX_SCALE;
        let shift = (other.scale + k) as i64 - self.scale as i64;
        let (numerator, denominator) = match shift >= 0 {
            true => (
                self.units.checked_mul(10i128.checked_pow(shift as u32)?)?,
                other.units,
            ),
            false => (
                self.units,
                other
                    .units
                    .checked_mul(10i128.checked_pow((-shift) as u32)?)?,
            ),
        };
        let quotient = numerator / denominator;
        let remainder = numerator % denominator;
        let rounded = if remainder.unsigned_abs() * 2 >= denominator.unsigned_abs() {
            let away = if (numerator < 0) != (denominator < 0) {
                -1
            } else {
                1
            };
            quotient.checked_add(away)?
        } else {
            quotient
        };
        Some(
            Decimal {
                units: rounded,
                scale: k,
            }
            .normalized(),
        )
    }

    /// The value as a whole number of `10^-scale` units: `None` when `scale` has fewer
    /// decimals than the value or the number does not fit.
    pub(crate) fn units_at(self, scale: u32) -> Option<i128> {
        let own = self.normalized();
        match scale >= own.scale {
            true => own.rescale(scale),
            false => None,
        }
    }

    /// `units × 10^-scale`.
    pub(crate) fn from_units(units: i128, scale: u32) -> Decimal {
        Decimal { units, scale }.normalized()
    }

    /// Digits after the decimal point, trailing zeros removed (`99.950` has 2).
    pub(crate) fn decimals(self) -> u32 {
        self.normalized().scale
    }

    pub(crate) fn is_positive(self) -> bool {
        self.units > 0
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Decimal) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Decimal {}

impl std::hash::Hash for Decimal {
    /// Equal values hash alike: `1.50` and `1.5` are one value, hashed in lowest terms.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let own = self.normalized();
        (own.units, own.scale).hash(state);
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Decimal) -> Ordering {
        if self.scale == other.scale {
            return self.units.cmp(&other.units);
        }
        let scale = self.scale.max(other.scale);
        match (self.rescale(scale), other.rescale(scale)) {
            (Some(a), Some(b)) => a.cmp(&b),
            // Rescaling overflows only for very large numbers: their whole parts differ.
            _ => self.whole_and_fraction().cmp(&other.whole_and_fraction()),
        }
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Written without allocating: rule and test generation print tens of thousands.
        let n = self.normalized();
        let mut buffer = [0u8; 39];
        let digits = decimal_digits(n.units.unsigned_abs(), &mut buffer);
        if n.units < 0 {
            f.write_str("-")?;
        }
        let scale = n.scale as usize;
        if scale == 0 {
            return f.write_str(digits);
        }
        match digits.len().checked_sub(scale) {
            Some(whole) if whole > 0 => {
                f.write_str(&digits[..whole])?;
                f.write_str(".")?;
                f.write_str(&digits[whole..])
            }
            _ => {
                f.write_str("0.")?;
                for _ in digits.len()..scale {
                    f.write_str("0")?;
                }
                f.write_str(digits)
            }
        }
    }
}

/// `n`'s decimal digits, written at the end of `buffer` (39 bytes hold `u128::MAX`).
pub(crate) fn decimal_digits(n: u128, buffer: &mut [u8; 39]) -> &str {
    let mut at = buffer.len();
    // The 128-bit division is a library call: only the digits above 64 bits take it.
    let mut high = n;
    while u64::try_from(high).is_err() {
        at -= 1;
        buffer[at] = b'0' + (high % 10) as u8;
        high /= 10;
    }
    let mut low = u64::try_from(high).unwrap_or_default();
    loop {
        at -= 1;
        buffer[at] = b'0' + (low % 10) as u8;
        low /= 10;
        if low == 0 {
            break;
        }
    }
    std::str::from_utf8(&buffer[at..]).unwrap_or_default()
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
    fn arithmetic_near_the_limits_neither_panics_nor_wraps() {
        let huge = d("99999999999999999999.999999999999999999");
        let tiny = d("0.000000000000000001");
        assert!(huge.times(huge) > huge, "saturates upwards");
        assert!(huge.times(d("-1")).times(huge) < d("0"), "keeps the sign");
        assert!(huge.plus(huge) > huge);
        assert_eq!(
            d("10").checked_div(tiny).unwrap().to_string(),
            "10000000000000000000"
        );
        // 1e20 / 1e-18 needs 10^50 on the way: it does not fit, so the division says so.
        assert_eq!(d("100000000000000000000").checked_div(tiny), None);
        // The quotient is rounded to 12 decimals, so chained divisions stay small.
        let third = d("1").checked_div(d("3")).unwrap();
        let back = d("2592000000").checked_div(third).unwrap();
        assert_eq!(back.to_string(), "7776000000.007776");
        assert_eq!(
            d("-1").checked_div(d("3")).unwrap().to_string(),
            "-0.333333333333"
        );
        assert_eq!(
            d("2").checked_div(d("-3")).unwrap().to_string(),
            "-0.666666666667"
        );
        assert!(huge > d("12345678901234567890"));
        assert!(d("-12345678901234567890.5") < d("-12345678901234567890.25"));
    }

    #[test]
    fn prints_what_it_parses() {
        for text in [
            "0",
            "12",
            "-12",
            "0.001",
            "-0.5",
            "100.25",
            "10",
            "0.000000000000000001",
            "-99999999999999999999.999999999999999999",
            "18446744073709551616",
            "1844674407370955161.6",
        ] {
            assert_eq!(d(text).to_string(), text);
        }
        assert_eq!(d("1.500").to_string(), "1.5");
        assert_eq!(d("-0").to_string(), "0");
        assert_eq!(d(".5").to_string(), "0.5");
        assert_eq!(Decimal::parse(&"9".repeat(40)), None);
        assert_eq!(Decimal::parse("1.2.3"), None);
        assert_eq!(Decimal::parse("1e3"), None);
    }

    #[test]
    fn compares_across_scales() {
        assert_eq!(d("0.250"), d("0.25"));
        assert!(d("1") > d("0.999"));
        assert_eq!(d("5").to_string(), "5");
        assert_eq!(Decimal::parse("1e3"), None);
    }
}
