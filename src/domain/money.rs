//! Money as the ledger, the fact extractor and the drafts write it
//! (`"8400.00"`, `"8400.00 USD"`, `USD 8,400.00`): an exact decimal with two
//! places and the ISO currency when known. This is the crate's one amount
//! parser: the ledger import, the rules and the fact extractor all end here.

use std::cmp::Ordering;
use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An exact amount (two decimal places) with its ISO currency when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// The amount, scale 2 (`8400.00`).
    #[serde(with = "decimal_text")]
    pub amount: Decimal,
    /// ISO 4217 code, `None` when the text did not say.
    pub currency: Option<String>,
}

/// Most digits before the decimal point an amount may have (a decimal holds
/// 28 significant digits; two are the cents).
const MAX_WHOLE_DIGITS: usize = 26;

impl Money {
    /// Parses `"8400.00"`, `"8400.00 USD"`, `"8400 USD"`, `"8,400.5"` (a
    /// comma as a thousands separator only). Returns `None` for anything
    /// else, never panics.
    pub fn parse(s: &str) -> Option<Money> {
        let mut parts = s.split_whitespace();
        let number = parts.next()?;
        let currency = parts.next().map(str::to_ascii_uppercase);
        if parts.next().is_some()
            || currency
                .as_deref()
                .is_some_and(|c| c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_alphabetic()))
        {
            return None;
        }
        Some(Money {
            amount: Money::decimal_number(&number.replace(',', ""))?,
            currency,
        })
    }

    /// Reads a plain decimal number (`"-8400.5"`, `"0012"`): digits, at most
    /// two decimals, an optional leading minus; no separators, no currency.
    /// The ledger and the fact extractor normalise their own formats to this.
    pub fn decimal_number(number: &str) -> Option<Decimal> {
        let (negative, number) = match number.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, number),
        };
        let (whole, frac) = match number.split_once('.') {
            Some((w, f)) => (w, f),
            None => (number, ""),
        };
        if whole.is_empty() {
            return None;
        }
        let whole = whole.trim_start_matches('0');
        if whole.len() > MAX_WHOLE_DIGITS
            || frac.len() > 2
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
        {
            return None;
        }
        let digits = format!("{}{frac:0<2}", if whole.is_empty() { "0" } else { whole });
        let minor: i128 = digits.parse().ok()?;
        let amount =
            Decimal::try_from_i128_with_scale(if negative { -minor } else { minor }, 2).ok()?;
        Some(amount)
    }

    /// Parses a ledger amount (`"8400.00"`) with the ledger's currency.
    pub fn with_currency(amount: &str, currency: &str) -> Option<Money> {
        let mut m = Money::parse(amount)?;
        let code = currency.trim().to_ascii_uppercase();
        match &m.currency {
            Some(c) if *c != code => return None,
            _ => m.currency = (!code.is_empty()).then_some(code),
        }
        Some(m)
    }

    /// The same amount in `currency` when it has none of its own.
    pub fn or_currency(mut self, currency: &str) -> Money {
        if self.currency.is_none() && !currency.trim().is_empty() {
            self.currency = Some(currency.trim().to_ascii_uppercase());
        }
        self
    }

    /// An amount written with a bare `$` was read as US dollars; for an
    /// invoice in another dollar (`AUD`, `CAD`, `NZD`, `SGD`, `HKD`) or in
    /// pesos (`MXN`, written `$` too) it is that currency. `written` is the
    /// text that stated the amount: `US$`, `USD` or `U$S` in it keep the
    /// US dollar.
    pub fn in_dollar_of(mut self, written: &str, invoice_currency: &str) -> Money {
        let other = invoice_currency.trim().to_ascii_uppercase();
        let us_written = ["US", "USD", "U$S"]
            .iter()
            .any(|w| written.to_ascii_uppercase().contains(w));
        if self.currency.as_deref() == Some("USD")
            && written.contains('$')
            && !us_written
            && ["AUD", "CAD", "NZD", "SGD", "HKD", "MXN"].contains(&other.as_str())
        {
            self.currency = Some(other);
        }
        self
    }

    /// Compares two amounts of the same currency; `None` when the currencies
    /// differ or one is unknown, since rules never convert.
    pub fn compare(&self, other: &Money) -> Option<Ordering> {
        match (&self.currency, &other.currency) {
            (Some(a), Some(b)) if a == b => Some(self.amount.cmp(&other.amount)),
            _ => None,
        }
    }

    /// Sum of two amounts of the same currency.
    pub fn checked_add(&self, other: &Money) -> Option<Money> {
        self.compare(other)?;
        Some(Money {
            amount: self.amount.checked_add(other.amount)?,
            currency: self.currency.clone(),
        })
    }

    /// The amount in hundredths of the currency unit (`840000` for
    /// `8400.00`), for sums that must stay integers.
    pub fn minor(&self) -> i128 {
        let mut a = self.amount.round_dp(2);
        a.rescale(2);
        a.mantissa()
    }

    /// The normalised form the fact extractor writes: `"8400.00 USD"`.
    pub fn normalised(&self) -> String {
        let digits = plain(self.amount);
        match &self.currency {
            Some(c) => format!("{digits} {c}"),
            None => digits,
        }
    }
}

/// `"8400.00"`: two places, no grouping, `-` for negative amounts (never
/// `-0.00`).
pub fn plain(amount: Decimal) -> String {
    let mut a = amount.round_dp(2);
    if a.is_zero() {
        a = Decimal::ZERO;
    }
    a.rescale(2);
    a.to_string()
}

impl fmt::Display for Money {
    /// How drafts write money: `USD 8,400.00` (currency first, thousands
    /// grouped), which the fact extractor reads back to the same value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = plain(self.amount);
        let (sign, digits) = match text.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", text.as_str()),
        };
        let (whole, cents) = digits.split_once('.').unwrap_or((digits, "00"));
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        match &self.currency {
            Some(c) => write!(f, "{c} {sign}{grouped}.{cents}"),
            None => write!(f, "{sign}{grouped}.{cents}"),
        }
    }
}

/// Amounts travel in JSON as their plain text (`"8400.00"`), never as a
/// float.
pub(crate) mod decimal_text {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes an amount as its plain text.
    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::plain(*d))
    }

    /// Reads an amount from its plain text.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let text = String::deserialize(d)?;
        super::Money::decimal_number(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not an amount")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(minor: i64) -> Decimal {
        Decimal::new(minor, 2)
    }

    #[test]
    fn parses_and_prints() {
        let m = Money::parse("8400.00 USD").expect("money");
        assert_eq!(m.amount, dec(840_000));
        assert_eq!(m.to_string(), "USD 8,400.00");
        assert_eq!(m.normalised(), "8400.00 USD");
        assert_eq!(
            Money::with_currency("1234567.5", "eur")
                .expect("money")
                .to_string(),
            "EUR 1,234,567.50"
        );
        assert_eq!(Money::parse("12.345"), None);
        assert_eq!(Money::parse("abc"), None);
        assert_eq!(Money::parse("10 US DOLLARS"), None);
        assert_eq!(Money::with_currency("10.00 EUR", "USD"), None);
        let a = Money::parse("10.00 USD").expect("money");
        let b = Money::parse("10.00 EUR").expect("money");
        assert_eq!(a.compare(&b), None);
        assert_eq!(a.checked_add(&a).map(|m| m.amount), Some(dec(2000)));
    }

    #[test]
    fn plain_numbers() {
        assert_eq!(Money::decimal_number("0012"), Some(dec(1200)));
        assert_eq!(Money::decimal_number("-12.5"), Some(dec(-1250)));
        assert_eq!(Money::decimal_number(".5"), None);
        assert_eq!(Money::decimal_number("-"), None);
        assert_eq!(Money::decimal_number("1e5"), None);
        assert_eq!(Money::decimal_number(&"9".repeat(40)), None);
        assert_eq!(plain(dec(-0)), "0.00");
        assert_eq!(plain(dec(-5)), "-0.05");
        let m = Money::parse("-1234.5 EUR").expect("money");
        assert_eq!(m.to_string(), "EUR -1,234.50");
        let json = serde_json::to_string(&m).expect("json");
        assert_eq!(json, r#"{"amount":"-1234.50","currency":"EUR"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).expect("back"), m);
    }
}
