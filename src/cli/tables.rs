//! The fixed-width and block tables that `items`, `drafts` and `kpis` print
//! with `--format table`: plain functions from stored data to text, so a web
//! page or a test can produce the same text.

use crate::kpis::Kpis;
use crate::store::StoredItem;

/// `s` cut to `width` characters, with `…` when cut; line breaks become spaces.
fn cell(s: &str, width: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= width {
        flat
    } else {
        let mut t: String = flat.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The fixed-width table of `items --format table`: one row per item, then
/// a count per queue.
pub fn items_table(items: &[StoredItem]) -> String {
    const COLUMNS: [(&str, usize); 9] = [
        ("ID", 6),
        ("STATUS", 11),
        ("ROUTE", 11),
        ("RULE", 21),
        ("CLIENT", 10),
        ("INVOICE", 12),
        ("LABELS", 30),
        ("SUBJECT", 32),
        ("REASON", 60),
    ];
    let rows: Vec<[String; 9]> = items
        .iter()
        .map(|i| {
            [
                i.id.to_string(),
                i.status.clone(),
                i.route.clone().unwrap_or_else(|| "-".into()),
                i.rule.clone().unwrap_or_else(|| "-".into()),
                i.client.clone().unwrap_or_else(|| "-".into()),
                i.invoice.clone().unwrap_or_else(|| "-".into()),
                if i.labels.is_empty() {
                    if i.scores.is_empty() { "-" } else { "other" }.to_string()
                } else {
                    i.labels
                        .iter()
                        .map(|l| l.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                },
                i.subject.clone(),
                i.reason.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let widths: Vec<usize> = COLUMNS
        .iter()
        .enumerate()
        .map(|(c, (head, cap))| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
                .clamp(head.len(), *cap)
        })
        .collect();
    let line = |cells: Vec<String>| -> String {
        let mut l = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{:<w$}", cell(c, *w), w = *w))
            .collect::<Vec<_>>()
            .join("  ");
        l.truncate(l.trim_end().len());
        l.push('\n');
        l
    };
    let mut out = line(COLUMNS.iter().map(|(h, _)| h.to_string()).collect());
    for r in rows {
        out.push_str(&line(r.to_vec()));
    }
    let mut queues: std::collections::BTreeMap<&str, usize> = Default::default();
    for i in items {
        *queues.entry(i.queue.as_str()).or_default() += 1;
    }
    out.push_str(&format!(
        "{} items{}\n",
        items.len(),
        if queues.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                queues
                    .iter()
                    .map(|(q, n)| format!("{n} {q}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    ));
    out
}

/// The text of `drafts --format table`: one block per draft with its
/// headers and body, then a count.
pub fn drafts_table(items: &[StoredItem]) -> String {
    let mut out = String::new();
    for i in items {
        let Some(d) = &i.draft else { continue };
        let field = |k: &str| d.get(k).and_then(|v| v.as_str()).unwrap_or("-").to_string();
        out.push_str(&format!(
            "── item {} · {} · {} · rule {} · tone {} · {}\n",
            i.id,
            i.client.as_deref().unwrap_or("-"),
            i.invoice.as_deref().unwrap_or("-"),
            i.rule.as_deref().unwrap_or("-"),
            field("tone"),
            i.draft_state.as_deref().unwrap_or("-"),
        ));
        out.push_str(&format!(
            "To: {}\nSubject: {}\n",
            field("to"),
            field("subject")
        ));
        if let Some(irt) = d.get("in_reply_to").and_then(|v| v.as_str()) {
            out.push_str(&format!("In-Reply-To: <{irt}>\n"));
        }
        if let Some(f) = &i.follow_up {
            out.push_str(&format!("Follow-up: {f}\n"));
        }
        if let Some(at) = &i.sent_at {
            out.push_str(&format!(
                "Sent: {at} as <{}>\n",
                i.sent_message_id.as_deref().unwrap_or("-")
            ));
        }
        out.push('\n');
        out.push_str(field("body").trim_end());
        out.push_str("\n\n");
    }
    out.push_str(&format!("{} drafts\n", items.len()));
    out
}

/// The text of `kpis --format table`.
pub fn kpis_table(k: &Kpis) -> String {
    let pct = |r: &crate::kpis::Rate| match r.rate {
        Some(x) => format!("{:.1} % ({}/{})", x * 100.0, r.numerator, r.denominator),
        None => format!("- (0/{})", r.denominator),
    };
    let hours = |h: Option<f64>| h.map_or("-".to_string(), |h| format!("{h:.1} h"));
    let days = |d: Option<f64>| d.map_or("-".to_string(), |d| format!("{d:.1} days"));
    let mut out = format!(
        "window                       {} .. {}\n",
        k.window.from.map_or("-".into(), |d| d.to_string()),
        k.window.to.map_or("-".into(), |d| d.to_string())
    );
    out.push_str(&format!("items                        {}\n", k.items));
    out.push_str(&format!(
        "dispute rate (scope, PO)     {}\n",
        pct(&k.dispute_rate)
    ));
    out.push_str(&format!(
        "resolution time p50 / p90    {} / {} ({} resolved, {} open)\n",
        hours(k.resolution.p50_hours),
        hours(k.resolution.p90_hours),
        k.resolution.resolved,
        k.resolution.unresolved
    ));
    out.push_str(&format!(
        "promise-kept rate            {} ({} open)\n",
        pct(&k.promise_kept_rate),
        k.promises_open
    ));
    out.push_str(&format!(
        "automation rate (drafted)    {}\n",
        pct(&k.automation_rate)
    ));
    let acc = &k.draft_acceptance;
    out.push_str(&format!(
        "drafts approved unedited     {}\ndrafts approved edited       {}\ndrafts rejected              {}\ndrafts awaiting approval     {}\n",
        pct(&acc.approved_unedited),
        pct(&acc.approved_edited),
        pct(&acc.rejected),
        acc.awaiting
    ));
    out.push_str(&format!(
        "open queues                  {}\n",
        if k.queues.is_empty() {
            "-".to_string()
        } else {
            k.queues
                .iter()
                .map(|(q, n)| format!("{q} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    ));
    for d in &k.dso {
        out.push_str(&format!(
            "DSO {}                      {} → {} without reported payments (effect {}; billed {:.2}, receivable {:.2}, reported {:.2}, {} days)\n",
            d.currency,
            days(d.dso_days),
            days(d.dso_without_reported_days),
            days(d.effect_days),
            d.billed,
            d.receivable,
            d.reported,
            d.period_days
        ));
    }
    out
}
