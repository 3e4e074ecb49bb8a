//! Shared fixture of the web tests: a fresh SQLite store with a ledger of
//! two clients owned by two partners, items ingested through the real
//! pipeline with a keyword classifier, one user per role, and helpers to
//! sign in and call the router.
#![allow(dead_code)]

use std::path::Path;

use ar_triage::classify::{ClassifierHandle, ClassifyError, FixedScores, Model};
use ar_triage::domain::{Evidence, Label, Prediction, PreparedReply, User, UserRole};
use ar_triage::http::{AppState, WebConfig, auth};
use ar_triage::ingest::maildir::MaildirSource;
use ar_triage::ledger_csv::{Ledger, read_clients, read_engagements, read_invoices};
use ar_triage::pipeline::{Classifier, IngestOptions, Pipeline};
use ar_triage::store::{NewUser, Store, StoredItem};
use tokio::sync::watch;

pub const CLIENTS: &str = "client_id,name,domains,contacts,partner,partner_email
ACME,Acme Corp,acme.example,ap@acme.example,Dana Reyes,dana@ourfirm.example
BOLT,Bolt Ltd,bolt.example,ap@bolt.example,Lee Park,lee@ourfirm.example
";
pub const ENGAGEMENTS: &str =
    "engagement_id,client_id,name,partner,partner_email,po_number,hours_cap,rate_card
E-1,ACME,Data platform,Dana Reyes,dana@ourfirm.example,PO-1,120,Senior Consultant=175.00 USD
E-2,BOLT,Audit,Lee Park,lee@ourfirm.example,PO-9,80,Manager=200.00 USD
";
pub const INVOICES: &str = "invoice_number,client_id,engagement_id,issue_date,due_date,amount,currency,po_number,status,reminder_message_ids
INV-1,ACME,E-1,2026-10-01,2026-10-31,8400,USD,PO-1,open,
INV-2,ACME,E-1,2026-10-05,2026-11-04,1200,USD,PO-1,open,
INV-7,BOLT,E-2,2026-10-06,2026-11-05,2000,USD,PO-9,open,
";

/// Every user's password in the fixture.
pub const PASSWORD: &str = "correct horse battery";

/// Scores by what the body says: "out of scope" is a dispute, "will pay"
/// a payment promise, anything else unsure. The keyword is the evidence.
pub struct Keyed;

impl Model for Keyed {
    fn predict(&self, replies: &[PreparedReply]) -> Result<Vec<Prediction>, ClassifyError> {
        let mut out = Vec::new();
        for r in replies {
            let b = &r.reply.body;
            let (scores, key) = if b.contains("out of scope") {
                (
                    [0.05, 0.05, 0.95, 0.05],
                    Some((Label::ScopeDispute, "out of scope")),
                )
            } else if b.contains("will pay") {
                (
                    [0.05, 0.05, 0.05, 0.95],
                    Some((Label::PaymentScheduled, "will pay")),
                )
            } else {
                ([0.3, 0.05, 0.05, 0.05], None)
            };
            let mut p = FixedScores { scores }.predict(std::slice::from_ref(r))?;
            if let Some((label, word)) = key
                && let Some(at) = b.find(word)
            {
                let start = b[..at].chars().count();
                p[0].evidence.insert(
                    label,
                    vec![Evidence {
                        text: word.into(),
                        start,
                        end: start + word.chars().count(),
                        weight: 0.6,
                        facts: Default::default(),
                    }],
                );
            }
            out.extend(p);
        }
        Ok(out)
    }
    fn name(&self) -> String {
        "keyed 1".into()
    }
}

/// A plain-text reply from `from` (an address of a ledger client).
pub fn eml(mid: &str, from: &str, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "Message-ID: <{mid}>\nFrom: Jo <{from}>\nTo: ar@ourfirm.example\nSubject: {subject}\n\
         Date: Mon, 16 Nov 2026 09:00:00 +0000\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
    )
    .into_bytes()
}

/// The fixture's world.
pub struct Web {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub state: AppState,
}

/// The standard messages: a dispute for each client, a promise to pay
/// for ACME (drafted), and an unsure reply.
pub fn standard_messages() -> Vec<(String, Vec<u8>)> {
    vec![
        (
            "acme-dispute".into(),
            eml(
                "acme-dispute@acme.example",
                "ap@acme.example",
                "Re: INV-1",
                "The data migration on INV-1 was out of scope; we will not pay those 40 hours.",
            ),
        ),
        (
            "bolt-dispute".into(),
            eml(
                "bolt-dispute@bolt.example",
                "ap@bolt.example",
                "Re: INV-7",
                "The fieldwork on INV-7 was out of scope of the audit.",
            ),
        ),
        (
            "acme-promise".into(),
            eml(
                "acme-promise@acme.example",
                "ap@acme.example",
                "Re: INV-2",
                "We will pay INV-2 on 27 November 2026.",
            ),
        ),
        (
            "acme-unsure".into(),
            eml(
                "acme-unsure@acme.example",
                "ap@acme.example",
                "Re: INV-1",
                "Thanks, noted.",
            ),
        ),
    ]
}

/// A world with `messages` ingested and one user per role: `collector`,
/// `dana` and `lee` (partners of ACME and BOLT), `analyst`, `admin`.
pub async fn world(messages: Vec<(String, Vec<u8>)>) -> Web {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("web.db").display());
    let store = Store::connect(&url).await.unwrap();
    world_on(store, dir, messages).await
}

/// [`world`] on a store of the caller's (PostgreSQL), `dir` for the inbox.
pub async fn world_on(
    store: Store,
    dir: tempfile::TempDir,
    messages: Vec<(String, Vec<u8>)>,
) -> Web {
    let ledger = Ledger {
        clients: read_clients(CLIENTS.as_bytes(), "clients.csv").unwrap(),
        engagements: read_engagements(ENGAGEMENTS.as_bytes(), "engagements.csv").unwrap(),
        invoices: read_invoices(INVOICES.as_bytes(), "invoices.csv").unwrap(),
        invoice_lines: Default::default(),
    };
    store.import_ledger(&ledger).await.unwrap();
    ingest(&store, &dir.path().join("inbox"), messages).await;
    let hash = auth::hash_password(PASSWORD).unwrap();
    for (name, role, partner) in [
        ("collector", UserRole::Collector, None),
        ("dana", UserRole::Partner, Some("dana@ourfirm.example")),
        ("lee", UserRole::Partner, Some("lee@ourfirm.example")),
        ("analyst", UserRole::Analyst, None),
        ("admin", UserRole::Admin, None),
    ] {
        store
            .add_user(&NewUser {
                name,
                role,
                partner_email: partner,
                password_hash: &hash,
            })
            .await
            .unwrap();
    }
    let state = AppState::new(store.clone(), None, WebConfig::default());
    Web { dir, store, state }
}

/// A pipeline over `store` with the keyword model.
pub fn keyed_pipeline(store: &Store) -> Pipeline {
    Pipeline::new(
        store.clone(),
        Classifier::Ready(ClassifierHandle::spawn(Keyed)),
    )
}

/// Ingests `messages` from a Maildir at `root` with the keyword model.
pub async fn ingest(store: &Store, root: &Path, messages: Vec<(String, Vec<u8>)>) {
    ingest_with(&keyed_pipeline(store), root, messages).await;
}

/// Ingests `messages` from a Maildir at `root` with `pipeline`.
pub async fn ingest_with(pipeline: &Pipeline, root: &Path, messages: Vec<(String, Vec<u8>)>) {
    for d in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    for (name, bytes) in messages {
        std::fs::write(root.join("new").join(name), bytes).unwrap();
    }
    let (_keep, stop) = watch::channel(false);
    let opts = IngestOptions {
        once: true,
        ..IngestOptions::default()
    };
    pipeline
        .run(&mut MaildirSource::open(root).unwrap(), &opts, stop)
        .await
        .unwrap();
}

impl Web {
    /// The same world served with `pipeline` (reclassify, model metrics).
    pub fn with_pipeline(self, pipeline: Pipeline) -> Web {
        let state = AppState::new(self.store.clone(), Some(pipeline), WebConfig::default());
        Web { state, ..self }
    }

    /// The item stored for Message-ID `mid`.
    pub async fn item(&self, mid: &str) -> StoredItem {
        self.store
            .items(&Default::default())
            .await
            .unwrap()
            .into_iter()
            .find(|i| i.message_id.as_deref() == Some(mid))
            .unwrap_or_else(|| panic!("no item for {mid}"))
    }

    /// The user named `name`.
    pub async fn user(&self, name: &str) -> User {
        self.store
            .users()
            .await
            .unwrap()
            .into_iter()
            .find(|u| u.name == name)
            .unwrap()
    }

    /// A bearer token for `name`.
    pub async fn token(&self, name: &str) -> String {
        let u = self.user(name).await;
        let t = auth::random_token();
        self.store
            .add_api_token(u.id, &auth::token_hash(&t), "test")
            .await
            .unwrap();
        t
    }
}
