//! Reading the ledger (clients, contacts, engagements, invoices and their
//! lines) from the firm's CSV exports; the store keeps what is read.
//!
//! `ar-triage ledger import` reads three CSV files (a header row is required,
//! columns may come in any order, surrounding spaces are trimmed, and `;`
//! separates the values of a list column):
//!
//! * **clients.csv**: `client_id,name,domains,contacts,partner,partner_email[,language]`
//!   — `domains` are the client's email domains (`acme.example;acme-corp.example`),
//!   `contacts` the known sender addresses (AP mailboxes, project leads),
//!   `language` (optional column) the ISO 639-1 code drafts to the client are
//!   written in (`de`); empty means the reply's language decides.
//! * **invoices.csv**: `invoice_number,client_id,engagement_id,issue_date,due_date,amount,currency,po_number,status,reminder_message_ids`
//!   — dates `YYYY-MM-DD`; `amount` a decimal number (`8400`, `8,400.00`),
//!   stored with two places; `currency` an ISO code; `status` one of `open`,
//!   `paid`, `payment_reported`, `disputed`, `void`; `reminder_message_ids`
//!   the Message-IDs of the reminders we sent for the invoice (angle
//!   brackets optional), matched against a reply's `In-Reply-To`/`References`.
//!   `engagement_id` and `po_number` may be empty. An optional `paid_date`
//!   column gives the day a paid invoice's cash was posted (the KPIs' DSO as
//!   of a past day uses it).
//! * **engagements.csv** (optional): `engagement_id,client_id,name,partner,partner_email,po_number,hours_cap,rate_card`
//!   — `rate_card` like `Senior Consultant=150.00 USD;Analyst=95.00 USD`;
//!   `po_number` and `hours_cap` may be empty.
//! * **invoice_lines.csv** (optional): `invoice_number,description,role,hours,unit,rate,amount`
//!   — the billed lines of each invoice, in order; only `invoice_number` and
//!   `description` are required. `role` names a rate-card role, `hours` a
//!   decimal quantity, `unit` `hour` (default) or `day`, `rate` and `amount`
//!   decimal amounts, optionally followed by a currency code (the invoice's
//!   currency otherwise). The escalation packet of a scope dispute quotes
//!   these lines and compares them with the SOW (rate billed vs rate card,
//!   hours billed vs cap). Importing lines for an invoice replaces its lines.
//!
//! Every row is checked (required fields, dates, amounts, references to
//! clients and engagements) and an error names the file and line. Importing
//! again updates what changed: rows are upserted by their id.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::Path;

use serde::Deserialize;

use chrono::NaiveDate;

pub use crate::domain::ledger::Ledger;
use crate::domain::money::{self, Money};
use crate::domain::{Client, Engagement, Invoice, InvoiceLine, InvoiceStatus};

/// Errors reading ledger CSV files.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The file could not be opened or read.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The CSV itself is broken (bad quoting, wrong number of fields).
    #[error("{file}: {source}")]
    Csv {
        /// The file.
        file: String,
        /// The cause, with its line.
        source: csv::Error,
    },
    /// A row has a missing or invalid value.
    #[error("{file} line {line}: {message}")]
    Row {
        /// The file.
        file: String,
        /// 1-based line of the row (the header is line 1).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A required column is missing from the header row.
    #[error("{file}: missing column {column:?} (expected header: {expected})")]
    MissingColumn {
        /// The file.
        file: String,
        /// The missing column.
        column: String,
        /// The full expected header.
        expected: String,
    },
}

impl Ledger {
    /// Reads the ledger files; `engagements` and `invoice_lines` are
    /// optional. Invoices and engagements must name clients of `clients`;
    /// invoices must name engagements of `engagements` when that file is
    /// given; every line must name an invoice of `invoices`.
    pub fn load(files: &LedgerFiles<'_>) -> Result<Ledger, LedgerError> {
        let clients_v = read_clients(open(files.clients)?, &files.clients.display().to_string())?;
        let engagements_v = match files.engagements {
            Some(p) => read_engagements(open(p)?, &p.display().to_string())?,
            None => Vec::new(),
        };
        let invoices_v =
            read_invoices(open(files.invoices)?, &files.invoices.display().to_string())?;
        let invoice_lines = match files.invoice_lines {
            Some(p) => {
                let name = p.display().to_string();
                let lines = numbered_invoice_lines(open(p)?, &name)?;
                attach_lines(lines, &invoices_v, &name)?
            }
            None => BTreeMap::new(),
        };
        let ledger = Ledger {
            clients: clients_v,
            engagements: engagements_v,
            invoices: invoices_v,
            invoice_lines,
        };
        ledger.check_references(
            &files.invoices.display().to_string(),
            files
                .engagements
                .map(|p| p.display().to_string())
                .as_deref(),
            files.engagements.is_some(),
        )?;
        Ok(ledger)
    }

    /// Checks that every invoice and engagement names a known client, and
    /// (when `check_engagements`) that every invoice's engagement exists.
    /// Errors point at the offending row (line = index + 2).
    pub fn check_references(
        &self,
        invoices_file: &str,
        engagements_file: Option<&str>,
        check_engagements: bool,
    ) -> Result<(), LedgerError> {
        let clients: HashSet<&str> = self.clients.iter().map(|c| c.id.as_str()).collect();
        let engagements: HashSet<&str> = self.engagements.iter().map(|e| e.id.as_str()).collect();
        for (i, e) in self.engagements.iter().enumerate() {
            if !clients.contains(e.client_id.as_str()) {
                return Err(LedgerError::Row {
                    file: engagements_file.unwrap_or("engagements").to_string(),
                    line: i as u64 + 2,
                    message: format!("unknown client_id {:?}", e.client_id),
                });
            }
        }
        for (i, inv) in self.invoices.iter().enumerate() {
            let row_err = |message: String| LedgerError::Row {
                file: invoices_file.to_string(),
                line: i as u64 + 2,
                message,
            };
            if !clients.contains(inv.client_id.as_str()) {
                return Err(row_err(format!("unknown client_id {:?}", inv.client_id)));
            }
            if check_engagements
                && let Some(eid) = &inv.engagement_id
                && !engagements.contains(eid.as_str())
            {
                return Err(row_err(format!("unknown engagement_id {eid:?}")));
            }
        }
        Ok(())
    }
}

/// The files one `ledger import` reads; see the module docs for their columns.
#[derive(Debug, Clone, Copy)]
pub struct LedgerFiles<'a> {
    /// clients.csv (required).
    pub clients: &'a Path,
    /// invoices.csv (required).
    pub invoices: &'a Path,
    /// engagements.csv.
    pub engagements: Option<&'a Path>,
    /// invoice_lines.csv.
    pub invoice_lines: Option<&'a Path>,
}

fn open(path: &Path) -> Result<std::fs::File, LedgerError> {
    std::fs::File::open(path).map_err(|source| LedgerError::Io {
        file: path.display().to_string(),
        source,
    })
}

/// Splits a `;`-separated list, trimming and dropping empty values.
fn list(s: &str) -> Vec<String> {
    s.split(';')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// Reads `path`'s rows into `T`, checking the header first so a missing
/// column is reported by name.
fn rows<T: for<'de> Deserialize<'de>>(
    reader: impl Read,
    file: &str,
    required: &[&str],
    all: &str,
) -> Result<Vec<(u64, T)>, LedgerError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(reader);
    let headers = rdr
        .headers()
        .map_err(|source| LedgerError::Csv {
            file: file.to_string(),
            source,
        })?
        .clone();
    for column in required {
        if !headers.iter().any(|h| h == *column) {
            return Err(LedgerError::MissingColumn {
                file: file.to_string(),
                column: column.to_string(),
                expected: all.to_string(),
            });
        }
    }
    let mut out = Vec::new();
    for record in rdr.records() {
        let record = record.map_err(|source| LedgerError::Csv {
            file: file.to_string(),
            source,
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        let row: T = record
            .deserialize(Some(&headers))
            .map_err(|e| LedgerError::Row {
                file: file.to_string(),
                line,
                message: e.to_string(),
            })?;
        out.push((line, row));
    }
    Ok(out)
}

#[derive(Deserialize)]
struct ClientRow {
    client_id: String,
    name: String,
    #[serde(default)]
    domains: String,
    #[serde(default)]
    contacts: String,
    #[serde(default)]
    partner: String,
    #[serde(default)]
    partner_email: String,
    #[serde(default)]
    language: Option<String>,
}

/// Header of clients.csv (`language` may be left out).
pub const CLIENTS_HEADER: &str = "client_id,name,domains,contacts,partner,partner_email,language";
/// Header of invoice_lines.csv.
pub const INVOICE_LINES_HEADER: &str = "invoice_number,description,role,hours,unit,rate,amount";
/// Header of invoices.csv.
pub const INVOICES_HEADER: &str = "invoice_number,client_id,engagement_id,issue_date,due_date,amount,currency,po_number,status,reminder_message_ids";
/// Header of engagements.csv.
pub const ENGAGEMENTS_HEADER: &str =
    "engagement_id,client_id,name,partner,partner_email,po_number,hours_cap,rate_card";

fn row_error(file: &str, line: u64, message: impl Into<String>) -> LedgerError {
    LedgerError::Row {
        file: file.to_string(),
        line,
        message: message.into(),
    }
}

fn check_unique<'a>(
    seen: &mut HashSet<String>,
    id: &'a str,
    what: &str,
    file: &str,
    line: u64,
) -> Result<&'a str, LedgerError> {
    if id.is_empty() {
        return Err(row_error(file, line, format!("empty {what}")));
    }
    if !seen.insert(id.to_string()) {
        return Err(row_error(file, line, format!("duplicate {what} {id:?}")));
    }
    Ok(id)
}

/// Reads clients.csv (see the module docs). `file` names the source in errors.
pub fn read_clients(reader: impl Read, file: &str) -> Result<Vec<Client>, LedgerError> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (line, r) in rows::<ClientRow>(reader, file, &["client_id", "name"], CLIENTS_HEADER)? {
        check_unique(&mut seen, &r.client_id, "client_id", file, line)?;
        let domains = list(&r.domains)
            .into_iter()
            .map(|d| d.trim_start_matches('@').to_lowercase())
            .collect();
        let contacts: Vec<String> = list(&r.contacts)
            .into_iter()
            .map(|c| c.to_lowercase())
            .collect();
        if let Some(bad) = contacts.iter().find(|c| !c.contains('@')) {
            return Err(row_error(
                file,
                line,
                format!("contact {bad:?} is not an email address"),
            ));
        }
        let language = non_empty(r.language).map(|l| l.to_lowercase());
        if let Some(l) = &language
            && (l.len() != 2 || !l.chars().all(|c| c.is_ascii_lowercase()))
        {
            return Err(row_error(
                file,
                line,
                format!("language {l:?} is not an ISO 639-1 code like \"de\""),
            ));
        }
        out.push(Client {
            id: r.client_id,
            name: r.name,
            domains,
            contacts,
            partner: r.partner,
            partner_email: r.partner_email.to_lowercase(),
            language,
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct InvoiceRow {
    invoice_number: String,
    client_id: String,
    #[serde(default)]
    engagement_id: Option<String>,
    issue_date: String,
    due_date: String,
    amount: String,
    currency: String,
    #[serde(default)]
    po_number: Option<String>,
    #[serde(default)]
    status: String,
    #[serde(default)]
    reminder_message_ids: String,
    #[serde(default)]
    paid_date: Option<String>,
}

/// Normalises a decimal amount to two places without floating point:
/// `"8,400"` → `"8400.00"`, `"-12.5"` → `"-12.50"`. More than two decimal
/// places, or anything that is not a number, is an error.
pub fn normalise_amount(s: &str) -> Result<String, String> {
    let cleaned: String = s
        .chars()
        .filter(|c| !matches!(c, ',' | '_' | ' ' | '\u{a0}'))
        .collect();
    Money::decimal_number(&cleaned)
        .map(money::plain)
        .ok_or_else(|| format!("amount {s:?} is not a number with at most two decimals"))
}

fn check_date(s: &str, what: &str, file: &str, line: u64) -> Result<NaiveDate, LedgerError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| row_error(file, line, format!("{what} {s:?} is not a YYYY-MM-DD date")))
}

/// Reads invoices.csv (see the module docs). `file` names the source in errors.
pub fn read_invoices(reader: impl Read, file: &str) -> Result<Vec<Invoice>, LedgerError> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let required = [
        "invoice_number",
        "client_id",
        "issue_date",
        "due_date",
        "amount",
        "currency",
    ];
    for (line, r) in rows::<InvoiceRow>(reader, file, &required, INVOICES_HEADER)? {
        check_unique(&mut seen, &r.invoice_number, "invoice_number", file, line)?;
        if r.client_id.is_empty() {
            return Err(row_error(file, line, "empty client_id"));
        }
        let amount = normalise_amount(&r.amount)
            .ok()
            .and_then(|a| Money::decimal_number(&a))
            .ok_or_else(|| {
                row_error(
                    file,
                    line,
                    format!(
                        "amount {:?} is not a number with at most two decimals",
                        r.amount
                    ),
                )
            })?;
        let currency = r.currency.to_uppercase();
        if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(row_error(
                file,
                line,
                format!("currency {:?} is not an ISO code", r.currency),
            ));
        }
        let status = if r.status.is_empty() {
            InvoiceStatus::Open
        } else {
            r.status.parse().map_err(|_| {
                let all: Vec<&str> = InvoiceStatus::ALL.iter().map(|s| s.as_str()).collect();
                row_error(
                    file,
                    line,
                    format!("status {:?} is not one of {}", r.status, all.join(", ")),
                )
            })?
        };
        out.push(Invoice {
            number: r.invoice_number,
            client_id: r.client_id,
            engagement_id: non_empty(r.engagement_id),
            issue_date: check_date(&r.issue_date, "issue_date", file, line)?,
            due_date: check_date(&r.due_date, "due_date", file, line)?,
            amount,
            currency,
            po_number: non_empty(r.po_number),
            status,
            reminder_message_ids: list(&r.reminder_message_ids)
                .into_iter()
                .map(|id| id.trim_start_matches('<').trim_end_matches('>').to_string())
                .filter(|id| !id.is_empty())
                .collect(),
            paid_date: non_empty(r.paid_date)
                .map(|d| check_date(&d, "paid_date", file, line))
                .transpose()?,
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct EngagementRow {
    engagement_id: String,
    client_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    partner: String,
    #[serde(default)]
    partner_email: String,
    #[serde(default)]
    po_number: Option<String>,
    #[serde(default)]
    hours_cap: Option<String>,
    #[serde(default)]
    rate_card: String,
}

/// Parses a rate card `Senior Consultant=150.00 USD;Analyst=95.00 USD` into
/// `(role, "150.00 USD")` pairs.
pub fn parse_rate_card(s: &str) -> Result<Vec<(String, String)>, String> {
    list(s)
        .into_iter()
        .map(|entry| {
            let (role, rate) = entry
                .split_once('=')
                .ok_or_else(|| format!("rate card entry {entry:?} is not ROLE=RATE"))?;
            let (role, rate) = (role.trim(), rate.trim());
            if role.is_empty() || rate.is_empty() {
                return Err(format!("rate card entry {entry:?} is not ROLE=RATE"));
            }
            let mut parts = rate.split_whitespace();
            let value = parts.next().unwrap_or_default();
            let value = normalise_amount(value)?;
            let rate = match parts.next() {
                Some(cur) => format!("{value} {}", cur.to_uppercase()),
                None => value,
            };
            Ok((role.to_string(), rate))
        })
        .collect()
}

/// Reads engagements.csv (see the module docs). `file` names the source in errors.
pub fn read_engagements(reader: impl Read, file: &str) -> Result<Vec<Engagement>, LedgerError> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (line, r) in rows::<EngagementRow>(
        reader,
        file,
        &["engagement_id", "client_id"],
        ENGAGEMENTS_HEADER,
    )? {
        check_unique(&mut seen, &r.engagement_id, "engagement_id", file, line)?;
        if r.client_id.is_empty() {
            return Err(row_error(file, line, "empty client_id"));
        }
        let rate_card = parse_rate_card(&r.rate_card).map_err(|m| row_error(file, line, m))?;
        out.push(Engagement {
            id: r.engagement_id,
            client_id: r.client_id,
            name: r.name,
            partner: r.partner,
            partner_email: r.partner_email.to_lowercase(),
            po_number: non_empty(r.po_number),
            hours_cap: non_empty(r.hours_cap),
            rate_card,
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct InvoiceLineRow {
    invoice_number: String,
    description: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    hours: Option<String>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    rate: Option<String>,
    #[serde(default)]
    amount: Option<String>,
}

/// A decimal amount with an optional currency code after it
/// (`"175"`, `"175.00 usd"`), normalised to `("175.00", Some("USD"))`.
fn amount_with_currency(s: &str) -> Result<(String, Option<String>), String> {
    let mut parts = s.split_whitespace();
    let value = normalise_amount(parts.next().unwrap_or_default())?;
    let currency = parts.next().map(str::to_uppercase);
    if let Some(c) = &currency
        && (c.len() != 3 || !c.chars().all(|x| x.is_ascii_alphabetic()))
    {
        return Err(format!("currency {c:?} in {s:?} is not an ISO code"));
    }
    if parts.next().is_some() {
        return Err(format!("{s:?} is not AMOUNT [CURRENCY]"));
    }
    Ok((value, currency))
}

/// Reads invoice_lines.csv (see the module docs) into `(invoice number,
/// line)` pairs in file order; a line's `source` names the file and line.
/// Rates and amounts without a currency get the invoice's when the lines are
/// attached to the ledger.
pub fn read_invoice_lines(
    reader: impl Read,
    file: &str,
) -> Result<Vec<(String, InvoiceLine)>, LedgerError> {
    Ok(numbered_invoice_lines(reader, file)?
        .into_iter()
        .map(|(_, number, line)| (number, line))
        .collect())
}

/// [`read_invoice_lines`] with each row's line number, for errors that
/// point at the row.
fn numbered_invoice_lines(
    reader: impl Read,
    file: &str,
) -> Result<Vec<(u64, String, InvoiceLine)>, LedgerError> {
    let mut out = Vec::new();
    let base = Path::new(file)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.to_string());
    for (line, r) in rows::<InvoiceLineRow>(
        reader,
        file,
        &["invoice_number", "description"],
        INVOICE_LINES_HEADER,
    )? {
        if r.invoice_number.is_empty() {
            return Err(row_error(file, line, "empty invoice_number"));
        }
        if r.description.is_empty() {
            return Err(row_error(file, line, "empty description"));
        }
        let hours = match non_empty(r.hours) {
            Some(h) => {
                let n = h.replace(',', ".");
                if n.parse::<f64>().map_or(true, |v| !v.is_finite() || v < 0.0) {
                    return Err(row_error(
                        file,
                        line,
                        format!("hours {h:?} is not a number"),
                    ));
                }
                Some(n)
            }
            None => None,
        };
        let unit = match non_empty(r.unit).map(|u| u.to_lowercase()) {
            None => None,
            Some(u) if matches!(u.as_str(), "hour" | "hours" | "h") => Some("hour".to_string()),
            Some(u) if matches!(u.as_str(), "day" | "days" | "d") => Some("day".to_string()),
            Some(u) => {
                return Err(row_error(
                    file,
                    line,
                    format!("unit {u:?} is not hour or day"),
                ));
            }
        };
        let money = |v: Option<String>, what: &str| -> Result<Option<String>, LedgerError> {
            match non_empty(v) {
                None => Ok(None),
                Some(v) => {
                    let (value, cur) = amount_with_currency(&v)
                        .map_err(|m| row_error(file, line, format!("{what}: {m}")))?;
                    Ok(Some(match cur {
                        Some(c) => format!("{value} {c}"),
                        None => value,
                    }))
                }
            }
        };
        out.push((
            line,
            r.invoice_number,
            InvoiceLine {
                description: r.description,
                role: non_empty(r.role),
                hours,
                rate: money(r.rate, "rate")?,
                unit,
                amount: money(r.amount, "amount")?,
                source: format!("ledger:{base} line {line}"),
            },
        ));
    }
    Ok(out)
}

/// Groups lines by invoice, checking each names an invoice of `invoices` and
/// giving currency-less rates and amounts the invoice's currency.
fn attach_lines(
    lines: Vec<(u64, String, InvoiceLine)>,
    invoices: &[Invoice],
    file: &str,
) -> Result<BTreeMap<String, Vec<InvoiceLine>>, LedgerError> {
    let mut out: BTreeMap<String, Vec<InvoiceLine>> = BTreeMap::new();
    for (line, number, mut l) in lines {
        let Some(inv) = invoices.iter().find(|i| i.number == number) else {
            return Err(row_error(
                file,
                line,
                format!("unknown invoice_number {number:?}"),
            ));
        };
        for v in [&mut l.rate, &mut l.amount].into_iter().flatten() {
            if !v.contains(' ') {
                v.push(' ');
                v.push_str(&inv.currency);
            }
        }
        out.entry(number).or_default().push(l);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_keep_two_places_without_floats() {
        assert_eq!(normalise_amount("8400").unwrap(), "8400.00");
        assert_eq!(normalise_amount("8,400.5").unwrap(), "8400.50");
        assert_eq!(normalise_amount("-12.05").unwrap(), "-12.05");
        assert_eq!(normalise_amount("007.10").unwrap(), "7.10");
        assert!(normalise_amount("12.345").is_err());
        assert!(normalise_amount("twelve").is_err());
        assert!(normalise_amount("").is_err());
    }

    #[test]
    fn rate_cards_split_roles_and_rates() {
        assert_eq!(
            parse_rate_card("Senior Consultant=150 usd; Analyst = 95.00 USD;").unwrap(),
            vec![
                ("Senior Consultant".to_string(), "150.00 USD".to_string()),
                ("Analyst".to_string(), "95.00 USD".to_string())
            ]
        );
        assert!(parse_rate_card("Analyst 95").is_err());
    }

    #[test]
    fn clients_lists_are_split_and_lower_cased() {
        let csv = "client_id,name,domains,contacts,partner,partner_email\n\
                   C-1, Acme ,Acme.example;@ap.acme.example,AP@Acme.example; ,Dana,Dana@Firm.example\n";
        let c = read_clients(csv.as_bytes(), "clients.csv").unwrap();
        assert_eq!(c[0].name, "Acme");
        assert_eq!(c[0].domains, vec!["acme.example", "ap.acme.example"]);
        assert_eq!(c[0].contacts, vec!["ap@acme.example"]);
        assert_eq!(c[0].partner_email, "dana@firm.example");
        assert_eq!(c[0].language, None);
    }

    #[test]
    fn client_language_is_an_iso_code() {
        let csv = "client_id,name,language\nC-1,Acme,DE\nC-2,Globex,\n";
        let c = read_clients(csv.as_bytes(), "clients.csv").unwrap();
        assert_eq!(c[0].language.as_deref(), Some("de"));
        assert_eq!(c[1].language, None);
        let bad = "client_id,name,language\nC-1,Acme,German\n";
        assert_eq!(
            read_clients(bad.as_bytes(), "clients.csv")
                .unwrap_err()
                .to_string(),
            "clients.csv line 2: language \"german\" is not an ISO 639-1 code like \"de\""
        );
    }

    #[test]
    fn invoice_lines_are_read_checked_and_given_the_invoice_currency() {
        let invoices = "invoice_number,client_id,issue_date,due_date,amount,currency\n\
                        INV-1,C-1,2026-10-01,2026-10-31,9000,EUR\n";
        let inv = read_invoices(invoices.as_bytes(), "invoices.csv").unwrap();
        let csv = "invoice_number,description,role,hours,unit,rate,amount\n\
                   INV-1,Workshops,Senior Consultant,40,hours,175,7000\n\
                   INV-1,Travel,,,,,2000.00 usd\n";
        let lines = numbered_invoice_lines(csv.as_bytes(), "ledger/invoice_lines.csv").unwrap();
        let by = attach_lines(lines, &inv, "invoice_lines.csv").unwrap();
        let l = &by["INV-1"];
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].role.as_deref(), Some("Senior Consultant"));
        assert_eq!(l[0].hours.as_deref(), Some("40"));
        assert_eq!(l[0].unit.as_deref(), Some("hour"));
        assert_eq!(l[0].rate.as_deref(), Some("175.00 EUR"));
        assert_eq!(l[0].amount.as_deref(), Some("7000.00 EUR"));
        assert_eq!(l[0].source, "ledger:invoice_lines.csv line 2");
        assert_eq!(l[1].amount.as_deref(), Some("2000.00 USD"));
        assert_eq!(l[1].hours, None);

        let unknown = "invoice_number,description\nINV-1,a\nINV-9,b\n";
        let lines = numbered_invoice_lines(unknown.as_bytes(), "invoice_lines.csv").unwrap();
        assert_eq!(
            attach_lines(lines, &inv, "invoice_lines.csv")
                .unwrap_err()
                .to_string(),
            "invoice_lines.csv line 3: unknown invoice_number \"INV-9\""
        );
        let bad = "invoice_number,description,hours\nINV-1,a,forty\n";
        assert!(read_invoice_lines(bad.as_bytes(), "invoice_lines.csv").is_err());
        let bad_unit = "invoice_number,description,unit\nINV-1,a,week\n";
        assert!(read_invoice_lines(bad_unit.as_bytes(), "invoice_lines.csv").is_err());
    }

    #[test]
    fn bad_rows_name_file_and_line() {
        let csv = "invoice_number,client_id,engagement_id,issue_date,due_date,amount,currency,po_number,status,reminder_message_ids\n\
                   INV-1,C-1,,2026-10-01,2026-10-31,100,USD,,open,\n\
                   INV-2,C-1,,2026-10-01,31/10/2026,100,USD,,open,\n";
        let err = read_invoices(csv.as_bytes(), "invoices.csv").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invoices.csv line 3: due_date \"31/10/2026\" is not a YYYY-MM-DD date"
        );
        let missing = "invoice_number,client_id\nINV-1,C-1\n";
        assert!(matches!(
            read_invoices(missing.as_bytes(), "invoices.csv").unwrap_err(),
            LedgerError::MissingColumn { column, .. } if column == "issue_date"
        ));
    }

    #[test]
    fn invoices_strip_angle_brackets_from_reminder_ids() {
        let csv = "invoice_number,client_id,engagement_id,issue_date,due_date,amount,currency,po_number,status,reminder_message_ids\n\
                   INV-1,C-1,E-1,2026-10-01,2026-10-31,\"1,250\",eur,PO-9,,<r1@firm.example>;r2@firm.example\n";
        let i = &read_invoices(csv.as_bytes(), "invoices.csv").unwrap()[0];
        assert_eq!(money::plain(i.amount), "1250.00");
        assert_eq!(i.currency, "EUR");
        assert_eq!(i.status, "open");
        assert_eq!(i.engagement_id.as_deref(), Some("E-1"));
        assert_eq!(
            i.reminder_message_ids,
            vec!["r1@firm.example", "r2@firm.example"]
        );
        assert_eq!(i.paid_date, None);
    }

    #[test]
    fn paid_dates_are_optional_dates() {
        let csv = "invoice_number,client_id,issue_date,due_date,amount,currency,status,paid_date\n\
                   INV-1,C-1,2026-10-01,2026-10-31,100,USD,paid,2026-11-05\n\
                   INV-2,C-1,2026-10-01,2026-10-31,100,USD,open,\n";
        let v = read_invoices(csv.as_bytes(), "invoices.csv").unwrap();
        assert_eq!(v[0].paid_date, "2026-11-05".parse().ok());
        assert_eq!(v[1].paid_date, None);
        let bad = "invoice_number,client_id,issue_date,due_date,amount,currency,paid_date\n\
                   INV-1,C-1,2026-10-01,2026-10-31,100,USD,5 Nov\n";
        assert!(read_invoices(bad.as_bytes(), "invoices.csv").is_err());
    }
}
