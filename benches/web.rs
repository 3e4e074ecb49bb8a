//! Web latency at 10,000 items: the API's list (first page, a deep cursor
//! page, a filtered page) and item detail, and the queue and item pages,
//! each called through the router (`app()` + `oneshot`, no network) on a
//! SQLite store. Run with `cargo bench --bench web`; prints p50 and p99 per
//! request kind, asserts nothing about speed.
//!
//! `AR_TRIAGE_BENCH_ITEMS` changes the number of items (10,000),
//! `AR_TRIAGE_BENCH_DB` runs on another database URL (PostgreSQL: a fresh
//! schema is not made; use an empty database).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ar_triage::domain::message::RawMessage;
use ar_triage::domain::{Evidence, Label, UserRole};
use ar_triage::http::{AppState, WebConfig, app, auth};
use ar_triage::ledger_csv::{Ledger, read_clients, read_engagements, read_invoices};
use ar_triage::store::{AuditEntry, ItemDecision, NewItem, NewMessage, NewUser, Store};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

const CLIENTS: &str = "client_id,name,domains,contacts,partner,partner_email
ACME,Acme Corp,acme.example,ap@acme.example,Dana Reyes,dana@ourfirm.example
BOLT,Bolt Ltd,bolt.example,ap@bolt.example,Lee Park,lee@ourfirm.example
";
const ENGAGEMENTS: &str =
    "engagement_id,client_id,name,partner,partner_email,po_number,hours_cap,rate_card
E-1,ACME,Data platform,Dana Reyes,dana@ourfirm.example,PO-1,120,Senior Consultant=175.00 USD
E-2,BOLT,Audit,Lee Park,lee@ourfirm.example,PO-9,80,Manager=200.00 USD
";

/// 200 invoices, alternating clients.
fn invoices() -> String {
    let mut s = String::from(
        "invoice_number,client_id,engagement_id,issue_date,due_date,amount,currency,po_number,status,reminder_message_ids\n",
    );
    for i in 0..200u32 {
        let (c, e, po) = if i.is_multiple_of(2) {
            ("ACME", "E-1", "PO-1")
        } else {
            ("BOLT", "E-2", "PO-9")
        };
        s.push_str(&format!(
            "INV-{i},{c},{e},2026-10-01,2026-10-31,{}.00,USD,{po},open,\n",
            1000 + i * 10
        ));
    }
    s
}

const REPLIES: [(&str, Option<Label>); 4] = [
    (
        "Thanks for the reminder. The invoice is sitting with our CFO for sign-off; we expect approval next week.",
        Some(Label::ApprovalPending),
    ),
    (
        "Your invoice quotes the wrong PO. Please reissue it against PO-7781 so our AP team can process it.",
        Some(Label::PoMismatch),
    ),
    (
        "The 40 hours of data migration were out of scope of the SOW; we will not pay that part.",
        Some(Label::ScopeDispute),
    ),
    (
        "Payment is scheduled for 15 December 2026 in our next payment run.",
        Some(Label::PaymentScheduled),
    ),
];

fn message(i: usize) -> (RawMessage, NewItem, String) {
    let (body, label) = REPLIES[i % REPLIES.len()];
    let inv = format!("INV-{}", i % 200);
    let from = if i.is_multiple_of(2) {
        "ap@acme.example"
    } else {
        "ap@bolt.example"
    };
    let bytes = format!(
        "Message-ID: <bench-{i}@example>\nFrom: AP <{from}>\nTo: ar@ourfirm.example\nSubject: Re: {inv}\n\
         Date: Mon, 16 Nov 2026 09:00:00 +0000\nContent-Type: text/plain; charset=utf-8\n\n{body}\n\n\
         On Fri, AR wrote:\n> Please pay {inv}.\n"
    )
    .into_bytes();
    let labels: Vec<Label> = label.into_iter().collect();
    let scores: BTreeMap<Label, f32> = Label::ALL
        .into_iter()
        .map(|l| (l, if Some(l) == label { 0.91 } else { 0.04 }))
        .collect();
    let evidence: BTreeMap<Label, Vec<Evidence>> = label
        .map(|l| {
            let n = body.chars().count().min(60);
            (
                l,
                vec![Evidence {
                    text: body.chars().take(n).collect(),
                    start: 0,
                    end: n,
                    weight: 0.5,
                    facts: Default::default(),
                }],
            )
        })
        .into_iter()
        .collect();
    let (route, queue, rule) = match label {
        Some(Label::ScopeDispute) => ("partner", "partner", "scope_dispute"),
        Some(Label::PoMismatch) => ("draft", "drafts", "po_mismatch"),
        _ => ("collections", "collections", "unclear"),
    };
    let draft = (route == "draft").then(|| {
        serde_json::json!({"to": from, "subject": format!("Re: {inv}"),
            "body": format!("Dear AP,\n\nThank you: we will reissue {inv}.\n"), "facts_used": []})
    });
    let item = NewItem {
        client: Some(if i.is_multiple_of(2) { "ACME" } else { "BOLT" }.into()),
        invoice: Some(inv.clone()),
        labels,
        scores,
        evidence,
        model: Some("bench 1".into()),
        status: "new".into(),
        queue: queue.into(),
        reason: Some(format!("{rule} on invoice {inv}")),
        decision: Some(ItemDecision {
            route: route.into(),
            rule: rule.into(),
            draft,
            ..ItemDecision::default()
        }),
        audit: vec![AuditEntry::new(
            "ingest",
            serde_json::json!({"source": "bench", "n": i}),
        )],
        ..NewItem::default()
    };
    let raw = RawMessage {
        source: "bench".into(),
        source_ref: format!("bench-{i}"),
        bytes,
        checkpoint: None,
        arrived: None,
    };
    (raw, item, inv)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

async fn measure(state: &AppState, name: &str, paths: &[String], auth: (&str, &str)) {
    let mut times = Vec::with_capacity(paths.len());
    let mut bytes = 0usize;
    for p in paths {
        let req = Request::get(p)
            .header(auth.0, auth.1)
            .body(Body::empty())
            .unwrap();
        let t = Instant::now();
        let res = app(state.clone()).oneshot(req).await.unwrap();
        let status = res.status();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        times.push(t.elapsed());
        assert_eq!(
            status,
            StatusCode::OK,
            "{p}: {}",
            String::from_utf8_lossy(&body)
        );
        bytes += body.len();
    }
    times.sort();
    println!(
        "  {name:<28} p50 {:>7.2} ms   p99 {:>7.2} ms   ({} requests, {:.0} KiB each)",
        percentile(&times, 50.0).as_secs_f64() * 1e3,
        percentile(&times, 99.0).as_secs_f64() * 1e3,
        times.len(),
        bytes as f64 / times.len() as f64 / 1024.0
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::var("AR_TRIAGE_BENCH_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("AR_TRIAGE_BENCH_DB")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let store = Store::connect(&url).await.unwrap();
    let ledger = Ledger {
        clients: read_clients(CLIENTS.as_bytes(), "clients.csv").unwrap(),
        engagements: read_engagements(ENGAGEMENTS.as_bytes(), "engagements.csv").unwrap(),
        invoices: read_invoices(invoices().as_bytes(), "invoices.csv").unwrap(),
        invoice_lines: Default::default(),
    };
    store.import_ledger(&ledger).await.unwrap();
    let t = Instant::now();
    for i in 0..n {
        let (raw, item, _) = message(i);
        store
            .insert_message(&NewMessage {
                raw: &raw,
                message_id: Some(&format!("bench-{i}@example")),
                from: Some(if i.is_multiple_of(2) {
                    "ap@acme.example"
                } else {
                    "ap@bolt.example"
                }),
                subject: &format!("Re: INV-{}", i % 200),
                sent_at: Some("2026-11-16T09:00:00Z"),
                attachments: &[],
                item: &item,
            })
            .await
            .unwrap();
    }
    // What autovacuum does some time after a bulk load.
    store.analyze().await.unwrap();
    let load = t.elapsed();
    let hash = auth::hash_password("bench password 1").unwrap();
    let mut tokens = BTreeMap::new();
    for (name, role, partner) in [
        ("collector", UserRole::Collector, None),
        ("dana", UserRole::Partner, Some("dana@ourfirm.example")),
    ] {
        let u = store
            .add_user(&NewUser {
                name,
                role,
                partner_email: partner,
                password_hash: &hash,
            })
            .await
            .unwrap();
        let token = auth::random_token();
        store
            .add_api_token(u.id, &auth::token_hash(&token), "bench")
            .await
            .unwrap();
        let session = auth::random_token();
        store
            .create_session(
                u.id,
                &auth::token_hash(&session),
                &auth::random_token(),
                "2999-01-01T00:00:00Z",
            )
            .await
            .unwrap();
        tokens.insert(
            name,
            (format!("Bearer {token}"), format!("art_session={session}")),
        );
    }
    let state = AppState::new(store.clone(), None, WebConfig::default());
    println!(
        "bench web: {n} items on {} (loaded in {:.1} s)",
        store.dialect(),
        load.as_secs_f64()
    );
    let rounds = 300;
    // A fixed spread of ids and cursors, the same on every run.
    let ids: Vec<usize> = (0..rounds).map(|k| 1 + (k * 7919) % n).collect();
    let api = |name: &str| ("authorization", tokens[name].0.clone());
    let page = |name: &str| (header::COOKIE.as_str(), tokens[name].1.clone());
    let (ak, av) = api("collector");
    let (pk, pv) = page("collector");
    // Warm-up: the connection pool, prepared statements, templates.
    measure(
        &state,
        "warm-up",
        &vec!["/api/v1/items".to_string(); 20],
        (ak, &av),
    )
    .await;
    let first: Vec<String> = vec!["/api/v1/items?limit=50".into(); rounds];
    measure(&state, "API list, first page", &first, (ak, &av)).await;
    let deep: Vec<String> = ids
        .iter()
        .map(|i| format!("/api/v1/items?limit=50&cursor={}", i.saturating_sub(60)))
        .collect();
    measure(&state, "API list, cursor page", &deep, (ak, &av)).await;
    let filtered: Vec<String> =
        vec!["/api/v1/items?limit=50&label=scope_dispute&open=1&client=ACME".into(); rounds];
    measure(&state, "API list, filtered", &filtered, (ak, &av)).await;
    let detail: Vec<String> = ids.iter().map(|i| format!("/api/v1/items/{i}")).collect();
    measure(&state, "API item detail", &detail, (ak, &av)).await;
    let queue: Vec<String> = vec!["/queue".into(); rounds];
    measure(&state, "queue page", &queue, (pk, &pv)).await;
    let item_pages: Vec<String> = ids.iter().map(|i| format!("/items/{i}")).collect();
    measure(&state, "item page", &item_pages, (pk, &pv)).await;
    let (dk, dv) = api("dana");
    measure(&state, "API list, partner's scope", &first, (dk, &dv)).await;
    store.close().await;
}
