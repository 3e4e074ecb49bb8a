//! Ledger tables: clients (with domains and contacts), engagements, invoices
//! (with the Message-IDs of our reminders and their billed lines).
//!
//! An import is the ledger's word, but not over our own decisions: a
//! contact a person approved from a reply (`contacts.source = 'reply'`) is
//! kept, and an invoice status a decision set (`payment_reported`,
//! `disputed`) is replaced only when the ledger's own status for the
//! invoice changed since the last import (`invoices.ledger_status`).

use std::collections::{BTreeMap, HashMap};

use sqlx::Row;

use super::{Store, StoreError, amount_column, clean, date_column, on_pool, status_column};
use crate::domain::ledger::ReminderState;
use crate::domain::money;
use crate::domain::{Client, Engagement, Invoice, InvoiceLine, Ledger, Promise};

/// What one ledger import wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Clients inserted or updated.
    pub clients: usize,
    /// Engagements inserted or updated.
    pub engagements: usize,
    /// Invoices inserted or updated.
    pub invoices: usize,
    /// Reminder Message-IDs now on record for those invoices.
    pub reminders: usize,
    /// Invoice lines written (each listed invoice's lines are replaced).
    pub invoice_lines: usize,
}

impl Store {
    /// What the reminder rule (`rules::reminder::chase`) needs
    /// beyond the ledger, by invoice number: paused flags, the follow-up day
    /// of the latest open promise, and unresolved items.
    pub async fn reminder_states(&self) -> Result<BTreeMap<String, ReminderState>, StoreError> {
        on_pool!(self, |pool| {
            let mut out: BTreeMap<String, ReminderState> = BTreeMap::new();
            for r in sqlx::query("SELECT number, reminders_paused FROM invoices")
                .fetch_all(pool)
                .await?
            {
                let paused: i64 = r.try_get("reminders_paused")?;
                out.entry(r.try_get("number")?).or_default().paused = paused != 0;
            }
            for r in sqlx::query(
                "SELECT invoice_number, data FROM promises WHERE state = 'open' ORDER BY id",
            )
            .fetch_all(pool)
            .await?
            {
                let data: String = r.try_get("data")?;
                let p: Promise = serde_json::from_str(&data)?;
                out.entry(r.try_get("invoice_number")?)
                    .or_default()
                    .promise_follow_up = Some(p.follow_up);
            }
            for r in sqlx::query(
                "SELECT id, invoice_number FROM items WHERE resolved_at IS NULL \
                 AND invoice_number IS NOT NULL ORDER BY id",
            )
            .fetch_all(pool)
            .await?
            {
                out.entry(r.try_get("invoice_number")?)
                    .or_default()
                    .unresolved_items
                    .push(r.try_get("id")?);
            }
            Ok(out)
        })
    }

    /// Upserts the whole ledger in one transaction: rows are matched by id,
    /// changed values replaced; a client's domains and contacts and an
    /// invoice's reminder ids become exactly those given. Nothing is deleted
    /// that the ledger does not mention.
    pub async fn import_ledger(&self, ledger: &Ledger) -> Result<ImportCounts, StoreError> {
        let mut counts = ImportCounts::default();
        on_pool!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            for c in &ledger.clients {
                sqlx::query(
                    "INSERT INTO clients (id, name, partner, partner_email, language) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, partner = excluded.partner, \
                     partner_email = excluded.partner_email, language = excluded.language",
                )
                .bind(clean(&c.id))
                .bind(clean(&c.name))
                .bind(clean(&c.partner))
                .bind(clean(&c.partner_email))
                .bind(c.language.as_deref().map(clean))
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM client_domains WHERE client_id = $1")
                    .bind(clean(&c.id))
                    .execute(&mut *tx)
                    .await?;
                for d in &c.domains {
                    sqlx::query(
                        "INSERT INTO client_domains (client_id, domain) VALUES ($1, $2) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(clean(&c.id))
                    .bind(clean(d))
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query("DELETE FROM contacts WHERE client_id = $1 AND source = 'ledger'")
                    .bind(clean(&c.id))
                    .execute(&mut *tx)
                    .await?;
                for e in &c.contacts {
                    sqlx::query(
                        "INSERT INTO contacts (client_id, email, source) VALUES ($1, $2, 'ledger') \
                         ON CONFLICT (client_id, email) DO UPDATE SET source = 'ledger'",
                    )
                    .bind(clean(&c.id))
                    .bind(clean(e))
                    .execute(&mut *tx)
                    .await?;
                }
                counts.clients += 1;
            }
            for e in &ledger.engagements {
                sqlx::query(
                    "INSERT INTO engagements (id, client_id, name, partner, partner_email, po_number, hours_cap, rate_card) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (id) DO UPDATE SET client_id = excluded.client_id, name = excluded.name, \
                     partner = excluded.partner, partner_email = excluded.partner_email, \
                     po_number = excluded.po_number, hours_cap = excluded.hours_cap, rate_card = excluded.rate_card",
                )
                .bind(clean(&e.id))
                .bind(clean(&e.client_id))
                .bind(clean(&e.name))
                .bind(clean(&e.partner))
                .bind(clean(&e.partner_email))
                .bind(e.po_number.as_deref().map(clean))
                .bind(e.hours_cap.as_deref().map(clean))
                .bind(serde_json::to_string(&e.rate_card)?)
                .execute(&mut *tx)
                .await?;
                counts.engagements += 1;
            }
            for i in &ledger.invoices {
                sqlx::query(
                    "INSERT INTO invoices (number, client_id, engagement_id, issue_date, due_date, amount, currency, po_number, status, ledger_status, paid_date) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) \
                     ON CONFLICT (number) DO UPDATE SET client_id = excluded.client_id, \
                     engagement_id = excluded.engagement_id, issue_date = excluded.issue_date, \
                     due_date = excluded.due_date, amount = excluded.amount, currency = excluded.currency, \
                     po_number = excluded.po_number, \
                     status = CASE WHEN COALESCE(invoices.ledger_status, '') = excluded.ledger_status \
                     THEN invoices.status ELSE excluded.status END, \
                     ledger_status = excluded.ledger_status, paid_date = excluded.paid_date",
                )
                .bind(clean(&i.number))
                .bind(clean(&i.client_id))
                .bind(i.engagement_id.as_deref().map(clean))
                .bind(i.issue_date.to_string())
                .bind(i.due_date.to_string())
                .bind(money::plain(i.amount))
                .bind(clean(&i.currency))
                .bind(i.po_number.as_deref().map(clean))
                .bind(i.status.as_str())
                .bind(i.paid_date.map(|d| d.to_string()))
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM reminders WHERE invoice_number = $1")
                    .bind(clean(&i.number))
                    .execute(&mut *tx)
                    .await?;
                for id in &i.reminder_message_ids {
                    sqlx::query(
                        "INSERT INTO reminders (message_id, invoice_number) VALUES ($1, $2) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(clean(id))
                    .bind(clean(&i.number))
                    .execute(&mut *tx)
                    .await?;
                    counts.reminders += 1;
                }
                counts.invoices += 1;
            }
            for (number, lines) in &ledger.invoice_lines {
                sqlx::query("DELETE FROM invoice_lines WHERE invoice_number = $1")
                    .bind(clean(number))
                    .execute(&mut *tx)
                    .await?;
                for (pos, l) in lines.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO invoice_lines (invoice_number, position, description, role, hours, unit, rate, amount, source) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(clean(number))
                    .bind(pos as i64)
                    .bind(clean(&l.description))
                    .bind(l.role.as_deref().map(clean))
                    .bind(l.hours.as_deref().map(clean))
                    .bind(l.unit.as_deref().map(clean))
                    .bind(l.rate.as_deref().map(clean))
                    .bind(l.amount.as_deref().map(clean))
                    .bind(clean(&l.source))
                    .execute(&mut *tx)
                    .await?;
                    counts.invoice_lines += 1;
                }
            }
            tx.commit().await?;
        });
        Ok(counts)
    }

    /// The whole ledger as stored, sorted by id: what replies are linked against.
    pub async fn load_ledger(&self) -> Result<Ledger, StoreError> {
        on_pool!(self, |pool| {
            let mut domains: HashMap<String, Vec<String>> = HashMap::new();
            for r in sqlx::query(
                "SELECT client_id, domain FROM client_domains ORDER BY client_id, domain",
            )
            .fetch_all(pool)
            .await?
            {
                domains
                    .entry(r.try_get("client_id")?)
                    .or_default()
                    .push(r.try_get("domain")?);
            }
            let mut contacts: HashMap<String, Vec<String>> = HashMap::new();
            for r in sqlx::query("SELECT client_id, email FROM contacts ORDER BY client_id, email")
                .fetch_all(pool)
                .await?
            {
                contacts
                    .entry(r.try_get("client_id")?)
                    .or_default()
                    .push(r.try_get("email")?);
            }
            let mut reminders: HashMap<String, Vec<String>> = HashMap::new();
            for r in sqlx::query(
                "SELECT invoice_number, message_id FROM reminders ORDER BY invoice_number, message_id",
            )
            .fetch_all(pool)
            .await?
            {
                reminders
                    .entry(r.try_get("invoice_number")?)
                    .or_default()
                    .push(r.try_get("message_id")?);
            }
            let mut ledger = Ledger::default();
            for r in sqlx::query(
                "SELECT id, name, partner, partner_email, language FROM clients ORDER BY id",
            )
            .fetch_all(pool)
            .await?
            {
                let id: String = r.try_get("id")?;
                ledger.clients.push(Client {
                    domains: domains.remove(&id).unwrap_or_default(),
                    contacts: contacts.remove(&id).unwrap_or_default(),
                    name: r.try_get("name")?,
                    partner: r.try_get("partner")?,
                    partner_email: r.try_get("partner_email")?,
                    language: r.try_get("language")?,
                    id,
                });
            }
            for r in sqlx::query(
                "SELECT id, client_id, name, partner, partner_email, po_number, hours_cap, rate_card \
                 FROM engagements ORDER BY id",
            )
            .fetch_all(pool)
            .await?
            {
                let rate_card: String = r.try_get("rate_card")?;
                ledger.engagements.push(Engagement {
                    id: r.try_get("id")?,
                    client_id: r.try_get("client_id")?,
                    name: r.try_get("name")?,
                    partner: r.try_get("partner")?,
                    partner_email: r.try_get("partner_email")?,
                    po_number: r.try_get("po_number")?,
                    hours_cap: r.try_get("hours_cap")?,
                    rate_card: serde_json::from_str(&rate_card)?,
                });
            }
            for r in sqlx::query(
                "SELECT number, client_id, engagement_id, issue_date, due_date, amount, currency, po_number, status, paid_date \
                 FROM invoices ORDER BY number",
            )
            .fetch_all(pool)
            .await?
            {
                let number: String = r.try_get("number")?;
                ledger.invoices.push(Invoice {
                    reminder_message_ids: reminders.remove(&number).unwrap_or_default(),
                    client_id: r.try_get("client_id")?,
                    engagement_id: r.try_get("engagement_id")?,
                    issue_date: date_column(r.try_get("issue_date")?, "issue_date")?,
                    due_date: date_column(r.try_get("due_date")?, "due_date")?,
                    amount: amount_column(r.try_get("amount")?)?,
                    currency: r.try_get("currency")?,
                    po_number: r.try_get("po_number")?,
                    status: status_column(r.try_get("status")?)?,
                    paid_date: r
                        .try_get::<Option<&str>, _>("paid_date")?
                        .map(|d| date_column(d, "paid_date"))
                        .transpose()?,
                    number,
                });
            }
            for r in sqlx::query(
                "SELECT invoice_number, description, role, hours, unit, rate, amount, source \
                 FROM invoice_lines ORDER BY invoice_number, position",
            )
            .fetch_all(pool)
            .await?
            {
                ledger
                    .invoice_lines
                    .entry(r.try_get("invoice_number")?)
                    .or_default()
                    .push(InvoiceLine {
                        description: r.try_get("description")?,
                        role: r.try_get("role")?,
                        hours: r.try_get("hours")?,
                        unit: r.try_get("unit")?,
                        rate: r.try_get("rate")?,
                        amount: r.try_get("amount")?,
                        source: r.try_get("source")?,
                    });
            }
            Ok(ledger)
        })
    }
}
