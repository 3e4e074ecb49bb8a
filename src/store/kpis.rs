//! Reading what the collections KPIs are computed from (`kpis::compute_kpis`).

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Store, StoreError, on_pool};
use crate::domain::kpi::{KpiInputs, KpiItem};

fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl Store {
    /// Everything the KPIs read, from the database.
    pub async fn kpi_inputs(&self) -> Result<KpiInputs, StoreError> {
        let invoices = self.load_ledger().await?.invoices;
        on_pool!(self, |pool| {
            let rows = sqlx::query(
                "SELECT i.id, i.invoice_number, i.labels, i.created_at, i.resolved_at, i.route, i.queue, \
                 i.draft_state, i.rule, m.received_at, \
                 (SELECT COUNT(*) FROM draft_actions d WHERE d.item_id = i.id AND d.action = 'edit') AS edits \
                 FROM items i JOIN messages m ON m.id = i.message_id ORDER BY i.id",
            )
            .fetch_all(pool)
            .await?;
            let mut items = Vec::with_capacity(rows.len());
            for r in rows {
                let created: String = r.try_get("created_at")?;
                let ingested = parse_ts(&created)
                    .ok_or_else(|| StoreError::Corrupt(format!("item created_at {created:?}")))?;
                let received: String = r.try_get("received_at")?;
                let received = parse_ts(&received)
                    .map(|t| t.date_naive())
                    .unwrap_or_else(|| ingested.date_naive());
                let resolved: Option<String> = r.try_get("resolved_at")?;
                let labels: String = r.try_get("labels")?;
                let edits: i64 = r.try_get("edits")?;
                items.push(KpiItem {
                    id: r.try_get("id")?,
                    invoice: r.try_get("invoice_number")?,
                    labels: serde_json::from_str(&labels)?,
                    received,
                    ingested,
                    resolved: resolved.as_deref().and_then(parse_ts),
                    route: r.try_get("route")?,
                    queue: r.try_get("queue")?,
                    draft_state: r.try_get("draft_state")?,
                    edited: edits > 0,
                    rule: r.try_get("rule")?,
                });
            }
            let mut promises = Vec::new();
            for r in sqlx::query("SELECT data FROM promises ORDER BY id")
                .fetch_all(pool)
                .await?
            {
                let data: String = r.try_get("data")?;
                promises.push(serde_json::from_str(&data)?);
            }
            Ok(KpiInputs {
                invoices,
                items,
                promises,
            })
        })
    }
}
