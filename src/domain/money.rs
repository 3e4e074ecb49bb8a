//! Money as the ledger and the fact extractor write it (`"8400.00"`,
//! `"8400.00 USD"`), held in minor units so rules compare amounts exactly.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

/// An amount in minor units (cents) with its ISO currency when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// Amount in hundredths of the currency unit.
    pub minor: i128,
    /// ISO 4217 code, `None` when the text did not say.
    pub currency: Option<String>,
}

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
        let (negative, number) = match number.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, number),
        };
        let number = number.replace(',', "");
        let (whole, frac) = match number.split_once('.') {
            Some((w, f)) => (w, f),
            None => (number.as_str(), ""),
        };
        if whole.is_empty()
            || whole.len() > 30
            || frac.len() > 2
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
        {
            return None;
        }
        let mut minor: i128 = whole.parse::<i128>().ok()?.checked_mul(100)?;
        let cents = match frac.len() {
            0 => 0,
            1 => frac.parse::<i128>().ok()? * 10,
            _ => frac.parse::<i128>().ok()?,
        };
        minor = minor.checked_add(cents)?;
        Some(Money {
            minor: if negative { -minor } else { minor },
            currency,
        })
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

    /// Compares two amounts of the same currency; `None` when the currencies
    /// differ or one is unknown, since rules never convert.
    pub fn compare(&self, other: &Money) -> Option<Ordering> {
        match (&self.currency, &other.currency) {
            (Some(a), Some(b)) if a == b => Some(self.minor.cmp(&other.minor)),
            _ => None,
        }
    }

    /// Sum of two amounts of the same currency.
    pub fn checked_add(&self, other: &Money) -> Option<Money> {
        self.compare(other)?;
        Some(Money {
            minor: self.minor.checked_add(other.minor)?,
            currency: self.currency.clone(),
        })
    }

    /// The normalised form the fact extractor writes: `"8400.00 USD"`.
    pub fn normalised(&self) -> String {
        let digits = self.decimal();
        match &self.currency {
            Some(c) => format!("{digits} {c}"),
            None => digits,
        }
    }

    /// `"8400.00"`, without currency or grouping.
    fn decimal(&self) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl fmt::Display for Money {
    /// How drafts write money: `USD 8,400.00` (currency first, thousands
    /// grouped), which the fact extractor reads back to the same value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        let whole = (abs / 100).to_string();
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        match &self.currency {
            Some(c) => write!(f, "{c} {sign}{grouped}.{:02}", abs % 100),
            None => write!(f, "{sign}{grouped}.{:02}", abs % 100),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let m = Money::parse("8400.00 USD").expect("money");
        assert_eq!(m.minor, 840_000);
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
        assert_eq!(a.checked_add(&a).map(|m| m.minor), Some(2000));
    }
}
