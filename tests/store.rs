//! The store on both dialects: every case runs on a fresh SQLite file
//! (`sqlite::…`) and on a fresh schema of the PostgreSQL server at
//! `AR_TRIAGE_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`,
//! `postgres::…`). Without a server the PostgreSQL cases print a notice and
//! pass, except under CI (`CI` set), where they fail.

use std::collections::BTreeMap;

use ar_triage::domain::{
    Attachment, AttachmentFacts, AttachmentKind, Client, Engagement, Facts, Invoice, InvoiceLine,
    Label, SourcedFact,
};
use ar_triage::ingest::{Checkpoint, RawMessage};
use ar_triage::ledger_csv::Ledger;
use ar_triage::store::{ItemFilter, NewItem, NewMessage, Store, Stored};
mod common;
use common::pg::PgSchema;

async fn sqlite_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = Store::connect(&url).await.unwrap();
    (dir, store)
}

/// Runs each case on SQLite and on PostgreSQL.
macro_rules! store_cases {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let (_dir, store) = super::sqlite_store().await;
                    super::$case(&store).await;
                    store.close().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(pg) = super::PgSchema::create().await else { return };
                    super::$case(&pg.store).await;
                    pg.drop().await;
                }
            )*
        }
    };
}

store_cases!(
    ledger_import_upserts_by_id,
    same_message_twice_is_stored_once,
    reused_message_id_with_other_bytes_is_kept,
    missing_message_id_dedups_on_content,
    raw_bytes_come_back_exactly,
    checkpoint_is_written_with_the_message,
    items_list_with_filters_and_attachments,
    concurrent_writers_store_a_message_once,
    concurrent_writers_keep_both_messages_reusing_a_message_id,
    queue_claims_are_exclusive_expire_and_finish,
    concurrent_claims_take_each_queued_message_once,
    one_poller_holds_a_mailbox_until_its_lease_runs_out,
);

fn raw(source_ref: &str, bytes: &[u8], checkpoint: Option<(&str, &str)>) -> RawMessage {
    RawMessage {
        source: "test:inbox".into(),
        source_ref: source_ref.into(),
        bytes: bytes.to_vec(),
        checkpoint: checkpoint.map(|(k, v)| Checkpoint {
            key: k.into(),
            value: v.into(),
        }),
        arrived: None,
    }
}

fn item(status: &str, queue: &str, reason: Option<&str>) -> NewItem {
    NewItem {
        status: status.into(),
        queue: queue.into(),
        reason: reason.map(str::to_string),
        ..NewItem::default()
    }
}

async fn put(store: &Store, raw: &RawMessage, mid: Option<&str>, item: &NewItem) -> Stored {
    store
        .insert_message(&NewMessage {
            raw,
            message_id: mid,
            from: Some("ap@acme.example"),
            subject: "Re: INV-1",
            sent_at: Some("2026-11-02T10:00:00Z"),
            attachments: &[],
            item,
        })
        .await
        .unwrap()
}

fn ledger_v1() -> Ledger {
    Ledger {
        clients: vec![
            Client {
                id: "C-1".into(),
                name: "Acme".into(),
                domains: vec!["acme.example".into(), "ap.acme.example".into()],
                contacts: vec!["ap@acme.example".into()],
                partner: "Dana".into(),
                partner_email: "dana@ourfirm.example".into(),
                language: Some("de".into()),
            },
            Client {
                id: "C-2".into(),
                name: "Globex".into(),
                domains: vec!["globex.example".into()],
                contacts: vec![],
                partner: "Sam".into(),
                partner_email: "sam@ourfirm.example".into(),
                language: None,
            },
        ],
        engagements: vec![Engagement {
            id: "E-1".into(),
            client_id: "C-1".into(),
            name: "ERP rollout".into(),
            partner: "Dana".into(),
            partner_email: "dana@ourfirm.example".into(),
            po_number: Some("PO-77".into()),
            hours_cap: Some("120".into()),
            rate_card: vec![
                ("Senior Consultant".into(), "150.00 USD".into()),
                ("Analyst".into(), "95.00 USD".into()),
            ],
        }],
        invoices: vec![
            Invoice {
                number: "INV-1".into(),
                client_id: "C-1".into(),
                engagement_id: Some("E-1".into()),
                issue_date: "2026-10-01".parse().unwrap(),
                due_date: "2026-10-31".parse().unwrap(),
                amount: "8400.00".parse().unwrap(),
                currency: "USD".into(),
                po_number: Some("PO-77".into()),
                status: "open".parse().unwrap(),
                reminder_message_ids: vec![
                    "r1@ourfirm.example".into(),
                    "r2@ourfirm.example".into(),
                ],
                paid_date: None,
            },
            Invoice {
                number: "INV-2".into(),
                client_id: "C-2".into(),
                engagement_id: None,
                issue_date: "2026-10-02".parse().unwrap(),
                due_date: "2026-11-01".parse().unwrap(),
                amount: "1200.00".parse().unwrap(),
                currency: "EUR".into(),
                po_number: None,
                status: "open".parse().unwrap(),
                reminder_message_ids: vec![],
                paid_date: None,
            },
        ],
        invoice_lines: [(
            "INV-1".to_string(),
            vec![
                InvoiceLine {
                    description: "ERP configuration".into(),
                    role: Some("Senior Consultant".into()),
                    hours: Some("40".into()),
                    unit: Some("hour".into()),
                    rate: Some("150.00 USD".into()),
                    amount: Some("6000.00 USD".into()),
                    source: "ledger:invoice_lines.csv line 2".into(),
                },
                InvoiceLine {
                    description: "Travel".into(),
                    amount: Some("2400.00 USD".into()),
                    source: "ledger:invoice_lines.csv line 3".into(),
                    ..InvoiceLine::default()
                },
            ],
        )]
        .into(),
    }
}

async fn ledger_import_upserts_by_id(store: &Store) {
    let v1 = ledger_v1();
    let counts = store.import_ledger(&v1).await.unwrap();
    assert_eq!(
        (
            counts.clients,
            counts.engagements,
            counts.invoices,
            counts.reminders,
            counts.invoice_lines
        ),
        (2, 1, 2, 2, 2)
    );
    assert_eq!(store.load_ledger().await.unwrap(), v1);

    // A second import changes C-1 and INV-1, adds INV-3, and mentions
    // neither C-2 nor INV-2, which stay as they were.
    let mut c1 = v1.clients[0].clone();
    c1.name = "Acme Corporation".into();
    c1.domains = vec!["acme-corp.example".into()];
    c1.contacts = vec![];
    let mut inv1 = v1.invoices[0].clone();
    inv1.status = "paid".parse().unwrap();
    inv1.reminder_message_ids = vec!["r3@ourfirm.example".into()];
    let inv3 = Invoice {
        number: "INV-3".into(),
        ..v1.invoices[1].clone()
    };
    let v2 = Ledger {
        clients: vec![c1.clone()],
        engagements: vec![],
        invoices: vec![inv1.clone(), inv3.clone()],
        invoice_lines: Default::default(),
    };
    store.import_ledger(&v2).await.unwrap();
    let got = store.load_ledger().await.unwrap();
    assert_eq!(got.clients, vec![c1, v1.clients[1].clone()]);
    assert_eq!(got.engagements, v1.engagements);
    assert_eq!(got.invoices, vec![inv1, v1.invoices[1].clone(), inv3]);
    // An import without lines leaves the lines on record.
    assert_eq!(got.invoice_lines, v1.invoice_lines);
}

async fn same_message_twice_is_stored_once(store: &Store) {
    let bytes = b"Message-ID: <a@x>\r\nSubject: hi\r\n\r\nbody\r\n";
    let it = item("new", "triage", None);
    let first = put(store, &raw("1", bytes, None), Some("a@x"), &it).await;
    let Stored::Inserted { message, .. } = first else {
        panic!("first delivery not inserted: {first:?}")
    };
    let again = put(store, &raw("2", bytes, None), Some("a@x"), &it).await;
    assert_eq!(again, Stored::Duplicate { message });
    assert_eq!(store.count_messages().await.unwrap(), 1);
    assert_eq!(store.count_items().await.unwrap(), 1);
    assert_eq!(store.find_by_hash(bytes).await.unwrap(), Some(message));
}

async fn reused_message_id_with_other_bytes_is_kept(store: &Store) {
    let it = item("new", "triage", None);
    let a = put(
        store,
        &raw("1", b"Message-ID: <same@x>\n\none", None),
        Some("same@x"),
        &it,
    )
    .await;
    let b = put(
        store,
        &raw("2", b"Message-ID: <same@x>\n\ntwo", None),
        Some("same@x"),
        &it,
    )
    .await;
    assert!(matches!(a, Stored::Inserted { .. }), "{a:?}");
    assert!(matches!(b, Stored::Inserted { .. }), "{b:?}");
    // Each of the two is still deduplicated on its own.
    let b2 = put(
        store,
        &raw("3", b"Message-ID: <same@x>\n\ntwo", None),
        Some("same@x"),
        &it,
    )
    .await;
    let a2 = put(
        store,
        &raw("4", b"Message-ID: <same@x>\n\none", None),
        Some("same@x"),
        &it,
    )
    .await;
    assert!(matches!(b2, Stored::Duplicate { .. }), "{b2:?}");
    assert!(matches!(a2, Stored::Duplicate { .. }), "{a2:?}");
    assert_eq!(store.count_items().await.unwrap(), 2);
    let items = store.items(&ItemFilter::default()).await.unwrap();
    assert!(
        items
            .iter()
            .all(|i| i.message_id.as_deref() == Some("same@x"))
    );
}

async fn missing_message_id_dedups_on_content(store: &Store) {
    let it = item("needs_human", "human", Some("malformed: no Message-ID"));
    let lf = b"From: a@b\nSubject: x\n\nline one\nline two\n";
    let crlf = b"From: a@b\r\nSubject: x\r\n\r\nline one\r\nline two\r\n";
    let other = b"From: a@b\nSubject: x\n\nline one\nline 2\n";
    assert!(matches!(
        put(store, &raw("1", lf, None), None, &it).await,
        Stored::Inserted { .. }
    ));
    // The same message over IMAP has CRLF line ends: still the same message.
    assert!(matches!(
        put(store, &raw("2", crlf, None), None, &it).await,
        Stored::Duplicate { .. }
    ));
    assert!(matches!(
        put(store, &raw("3", other, None), None, &it).await,
        Stored::Inserted { .. }
    ));
    // An empty Message-ID counts as missing.
    assert!(matches!(
        put(store, &raw("4", other, None), Some("  "), &it).await,
        Stored::Duplicate { .. }
    ));
    assert_eq!(store.count_messages().await.unwrap(), 2);
}

async fn raw_bytes_come_back_exactly(store: &Store) {
    let mut bytes = b"Subject: caf\xe9\r\n\r\n".to_vec();
    bytes.extend([0u8, 1, 2, 0xff, 0xfe, b'\r', b'\n']);
    bytes.extend(std::iter::repeat_n(b'x', 300_000));
    let Stored::Inserted { message, .. } = put(
        store,
        &raw("1", &bytes, None),
        None,
        &item("new", "triage", None),
    )
    .await
    else {
        panic!("not inserted")
    };
    assert_eq!(store.raw_message(message).await.unwrap(), Some(bytes));
    assert_eq!(store.raw_message(message + 1000).await.unwrap(), None);
}

async fn checkpoint_is_written_with_the_message(store: &Store) {
    let key = "imap://collector@127.0.0.1:1143/INBOX";
    assert_eq!(store.checkpoint(key).await.unwrap(), None);
    let it = item("new", "triage", None);
    put(
        store,
        &raw("7/1", b"Message-ID: <c1@x>\n\n1", Some((key, "7:1"))),
        Some("c1@x"),
        &it,
    )
    .await;
    assert_eq!(store.checkpoint(key).await.unwrap().as_deref(), Some("7:1"));
    put(
        store,
        &raw("7/2", b"Message-ID: <c2@x>\n\n2", Some((key, "7:2"))),
        Some("c2@x"),
        &it,
    )
    .await;
    assert_eq!(store.checkpoint(key).await.unwrap().as_deref(), Some("7:2"));
    // A duplicate still moves the checkpoint (a re-scan after a UIDVALIDITY change).
    let dup = put(
        store,
        &raw("8/1", b"Message-ID: <c1@x>\n\n1", Some((key, "8:1"))),
        Some("c1@x"),
        &it,
    )
    .await;
    assert!(matches!(dup, Stored::Duplicate { .. }));
    assert_eq!(store.checkpoint(key).await.unwrap().as_deref(), Some("8:1"));
    store
        .save_checkpoint(&Checkpoint {
            key: key.into(),
            value: "8:5".into(),
        })
        .await
        .unwrap();
    assert_eq!(store.checkpoint(key).await.unwrap().as_deref(), Some("8:5"));
    assert_eq!(store.checkpoint("other").await.unwrap(), None);
}

async fn items_list_with_filters_and_attachments(store: &Store) {
    let sow = Attachment {
        filename: "SOW-acme.pdf".into(),
        content_type: "application/pdf".into(),
        size: 1234,
        kind: AttachmentKind::Sow,
        // PostgreSQL text cannot hold NUL; the store drops it on both dialects.
        text: Some("Statement of Work\0 PO-77".into()),
        facts: AttachmentFacts {
            po_numbers: vec![SourcedFact {
                value: "PO-77".into(),
                page: Some(1),
                line: 4,
            }],
            ..AttachmentFacts::default()
        },
    };
    let remittance = Attachment {
        filename: "remit.csv".into(),
        content_type: "text/csv".into(),
        size: 10,
        kind: AttachmentKind::Remittance,
        text: None,
        facts: AttachmentFacts {
            unreadable: Some("unreadable: empty file".into()),
            ..AttachmentFacts::default()
        },
    };
    let classified = NewItem {
        client: Some("C-1".into()),
        invoice: Some("INV-1".into()),
        candidates: vec!["INV-1".into()],
        labels: vec![Label::ScopeDispute],
        scores: Label::ALL
            .into_iter()
            .map(|l| (l, if l == Label::ScopeDispute { 0.9 } else { 0.05 }))
            .collect(),
        evidence: BTreeMap::new(),
        facts: Facts {
            hours: vec!["40".into()],
            ..Facts::default()
        },
        model: Some("fixed".into()),
        status: "new".into(),
        queue: "triage".into(),
        reason: None,
        ..NewItem::default()
    };
    let r1 = raw("a", b"Message-ID: <i1@x>\n\n1", None);
    store
        .insert_message(&NewMessage {
            raw: &r1,
            message_id: Some("i1@x"),
            from: Some("ap@acme.example"),
            subject: "Re: INV-1 \0hours",
            sent_at: Some("2026-11-02T10:00:00Z"),
            attachments: &[sow, remittance],
            item: &classified,
        })
        .await
        .unwrap();
    let r2 = raw("b", b"no headers at all", None);
    store
        .insert_message(&NewMessage {
            raw: &r2,
            message_id: None,
            from: None,
            subject: "",
            sent_at: None,
            attachments: &[],
            item: &item("needs_human", "human", Some("malformed: no From header")),
        })
        .await
        .unwrap();
    let r3 = raw("c", b"Message-ID: <i3@x>\n\nooo", None);
    put(
        store,
        &r3,
        Some("i3@x"),
        &item(
            "auto_reply",
            "human",
            Some("auto_reply: Auto-Submitted: auto-replied"),
        ),
    )
    .await;

    let all = store.items(&ItemFilter::default()).await.unwrap();
    assert_eq!(all.len(), 3);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id), "oldest first");
    let first = &all[0];
    assert_eq!(first.message_id.as_deref(), Some("i1@x"));
    assert_eq!(first.source, "test:inbox");
    assert_eq!(first.received_at, "2026-11-02T10:00:00Z");
    assert_eq!(first.subject, "Re: INV-1 hours");
    assert_eq!(first.labels, vec![Label::ScopeDispute]);
    assert_eq!(first.scores.len(), 4);
    assert_eq!(first.facts.hours, vec!["40"]);
    assert_eq!(first.attachments.len(), 2);
    assert_eq!(first.attachments[0].kind, AttachmentKind::Sow);
    assert_eq!(first.attachments[0].facts.po_numbers[0].value, "PO-77");
    assert_eq!(first.attachments[1].kind, AttachmentKind::Remittance);
    assert!(first.attachments[1].facts.unreadable.is_some());
    let second = &all[1];
    assert_eq!(second.message_id, None);
    assert_eq!(second.from, None);
    assert!(
        !second.received_at.is_empty(),
        "falls back to the time stored"
    );
    assert!(second.attachments.is_empty());

    let json = serde_json::to_value(first).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "id",
        "message_id",
        "source",
        "received_at",
        "from",
        "subject",
        "client",
        "invoice",
        "labels",
        "scores",
        "evidence",
        "facts",
        "attachments",
        "status",
        "queue",
        "reason",
    ] {
        assert!(keys.contains(&k), "jsonl line lacks {k}: {json}");
    }
    assert_eq!(json["attachments"][0]["kind"], "sow");
    assert_eq!(json["scores"]["scope_dispute"], 0.9f32 as f64);

    let human = store
        .items(&ItemFilter {
            queue: Some("human".into()),
            status: None,
            ..ItemFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        human.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![all[1].id, all[2].id]
    );
    let auto = store
        .items(&ItemFilter {
            queue: Some("human".into()),
            status: Some("auto_reply".into()),
            ..ItemFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(auto.len(), 1);
    assert_eq!(
        auto[0].reason.as_deref(),
        Some("auto_reply: Auto-Submitted: auto-replied")
    );
    let none = store
        .items(&ItemFilter {
            queue: Some("nope".into()),
            status: None,
            ..ItemFilter::default()
        })
        .await
        .unwrap();
    assert!(none.is_empty());
}

async fn concurrent_writers_store_a_message_once(store: &Store) {
    let mut tasks = Vec::new();
    for w in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            for m in 0..5 {
                let bytes = format!("Message-ID: <m{m}@x>\n\nbody {m}");
                let r = raw(&format!("w{w}-{m}"), bytes.as_bytes(), None);
                outcomes.push(
                    put(
                        &store,
                        &r,
                        Some(&format!("m{m}@x")),
                        &item("new", "triage", None),
                    )
                    .await,
                );
            }
            outcomes
        }));
    }
    let mut inserted = 0;
    for t in tasks {
        for o in t.await.unwrap() {
            if matches!(o, Stored::Inserted { .. }) {
                inserted += 1;
            }
        }
    }
    assert_eq!(
        inserted, 5,
        "each of the 5 messages inserted by exactly one writer"
    );
    assert_eq!(store.count_messages().await.unwrap(), 5);
    assert_eq!(store.count_items().await.unwrap(), 5);
}

/// Two messages with one Message-ID and different bytes, each written by
/// several writers at once: the writer that loses the race on the
/// Message-ID key stores its message under its content hash, so both are
/// kept (on PostgreSQL the loser's INSERT used to find the key taken and
/// call its own, different message a duplicate).
async fn concurrent_writers_keep_both_messages_reusing_a_message_id(store: &Store) {
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(8));
    let mut tasks = Vec::new();
    for w in 0..8 {
        let (store, barrier) = (store.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            for m in 0..10 {
                // All eight writers at the same Message-ID at once.
                barrier.wait().await;
                let bytes = format!("Message-ID: <r{m}@x>\n\nbody {m}, variant {}", w % 2);
                let r = raw(&format!("w{w}-{m}"), bytes.as_bytes(), None);
                put(
                    &store,
                    &r,
                    Some(&format!("r{m}@x")),
                    &item("new", "triage", None),
                )
                .await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        store.count_messages().await.unwrap(),
        20,
        "both variants of each Message-ID"
    );
    assert_eq!(store.count_items().await.unwrap(), 20);
    for m in 0..10 {
        for v in 0..2 {
            let bytes = format!("Message-ID: <r{m}@x>\n\nbody {m}, variant {v}");
            assert!(
                store
                    .find_by_hash(bytes.as_bytes())
                    .await
                    .unwrap()
                    .is_some(),
                "r{m} variant {v} lost"
            );
        }
    }
}

async fn queue_claims_are_exclusive_expire_and_finish(store: &Store) {
    use std::time::Duration;
    let long = Duration::from_secs(60);
    for i in 0..5 {
        let cp = (i == 4).then_some(("imap:test", "7:5"));
        let r = raw(&format!("q{i}"), format!("queued {i}").as_bytes(), cp);
        assert!(store.enqueue(&r).await.unwrap(), "q{i} queued");
    }
    assert!(
        !store
            .enqueue(&raw("again", b"queued 2", None))
            .await
            .unwrap(),
        "same bytes, one row"
    );
    assert_eq!(
        store.checkpoint("imap:test").await.unwrap().as_deref(),
        Some("7:5"),
        "checkpoint saved with the message"
    );

    let a = store.claim_inbound("a", 3, long).await.unwrap();
    let refs = |c: &[ar_triage::store::Claimed]| {
        c.iter()
            .map(|c| c.raw.source_ref.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(refs(&a), ["q0", "q1", "q2"], "oldest first");
    assert_eq!(a[1].raw.bytes, b"queued 1");
    assert!(
        a.iter()
            .all(|c| c.claims == 1 && c.raw.checkpoint.is_none())
    );
    let b = store.claim_inbound("b", 10, long).await.unwrap();
    assert_eq!(
        refs(&b),
        ["q3", "q4"],
        "held messages are not claimed again"
    );
    assert!(store.claim_inbound("c", 10, long).await.unwrap().is_empty());
    let depth = store.queue_depth().await.unwrap();
    assert_eq!((depth.waiting, depth.claimed), (0, 5));

    assert_eq!(store.release_inbound("b").await.unwrap(), 2);
    assert_eq!(
        refs(&store.claim_inbound("c", 10, long).await.unwrap()),
        ["q3", "q4"]
    );
    assert_eq!(store.renew_inbound("c", long).await.unwrap(), 2);
    // What a worker still holds when it claims again (its finishing
    // failed) comes back to it.
    let again = store.claim_inbound("c", 10, long).await.unwrap();
    assert_eq!(refs(&again), ["q3", "q4"]);
    assert!(again.iter().all(|c| c.claims == 3), "b, c, and c again");

    // A claim whose lease ran out is a dead worker's: taken over.
    assert_eq!(store.renew_inbound("a", Duration::ZERO).await.unwrap(), 3);
    tokio::time::sleep(Duration::from_millis(5)).await;
    let d = store.claim_inbound("d", 10, long).await.unwrap();
    assert_eq!(refs(&d), ["q0", "q1", "q2"]);
    assert!(d.iter().all(|c| c.claims == 2), "counted as a second claim");

    for c in d.iter().chain(&b) {
        store.finish_inbound(&c.raw.bytes).await.unwrap();
    }
    assert_eq!(store.queue_depth().await.unwrap(), Default::default());
    assert!(
        store.enqueue(&raw("q0", b"queued 0", None)).await.unwrap(),
        "a finished row is gone"
    );
}

async fn concurrent_claims_take_each_queued_message_once(store: &Store) {
    use std::time::Duration;
    for i in 0..120 {
        store
            .enqueue(&raw(
                &format!("c{i}"),
                format!("claim {i}").as_bytes(),
                None,
            ))
            .await
            .unwrap();
    }
    let mut tasks = Vec::new();
    for w in 0..6 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let batch = store
                    .claim_inbound(&format!("w{w}"), 7, Duration::from_secs(60))
                    .await
                    .unwrap();
                if batch.is_empty() {
                    return got;
                }
                for c in batch {
                    // As a worker does once the message is stored.
                    store.finish_inbound(&c.raw.bytes).await.unwrap();
                    got.push(c.raw.source_ref);
                }
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let distinct: std::collections::BTreeSet<_> = all.iter().cloned().collect();
    assert_eq!(all.len(), 120, "no message claimed twice");
    assert_eq!(distinct.len(), 120, "every message claimed");
}

async fn one_poller_holds_a_mailbox_until_its_lease_runs_out(store: &Store) {
    use std::time::Duration;
    let long = Duration::from_secs(60);
    assert!(
        store
            .hold_mailbox("imap://ap@x/INBOX", "a", long)
            .await
            .unwrap()
    );
    assert!(
        !store
            .hold_mailbox("imap://ap@x/INBOX", "b", long)
            .await
            .unwrap(),
        "b stands by"
    );
    assert!(
        store
            .hold_mailbox("maildir:/other", "b", long)
            .await
            .unwrap(),
        "leases are per mailbox"
    );
    assert!(
        store
            .hold_mailbox("imap://ap@x/INBOX", "a", long)
            .await
            .unwrap(),
        "the holder renews"
    );
    assert_eq!(
        store
            .mailbox_holder("imap://ap@x/INBOX")
            .await
            .unwrap()
            .as_deref(),
        Some("a")
    );
    store
        .release_mailbox("imap://ap@x/INBOX", "b")
        .await
        .unwrap();
    assert!(
        !store
            .hold_mailbox("imap://ap@x/INBOX", "b", long)
            .await
            .unwrap(),
        "only the holder releases"
    );
    store
        .release_mailbox("imap://ap@x/INBOX", "a")
        .await
        .unwrap();
    assert!(
        store
            .hold_mailbox("imap://ap@x/INBOX", "b", Duration::ZERO)
            .await
            .unwrap(),
        "released: b takes it"
    );
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert_eq!(
        store.mailbox_holder("imap://ap@x/INBOX").await.unwrap(),
        None,
        "b's lease ran out"
    );
    assert!(
        store
            .hold_mailbox("imap://ap@x/INBOX", "c", long)
            .await
            .unwrap(),
        "a standby takes over"
    );
    assert!(
        !store
            .hold_mailbox("imap://ap@x/INBOX", "b", long)
            .await
            .unwrap()
    );
}
