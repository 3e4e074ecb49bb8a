//! ar-triage reads client replies to invoice reminders, labels them with a
//! local transformer and decides what happens next.
//!
//! # A guided tour
//!
//! Follow one message through the crate:
//!
//! 1. An inbox [`ingest::Source`] (Maildir or IMAP) hands out a
//!    [`domain::message::RawMessage`]; [`ingest::parse`] turns its bytes
//!    into a [`domain::ParsedMessage`] (mail-parser stays inside `ingest`),
//!    reading attachments on the way ([`ingest::attachments`]).
//! 2. [`text::prepare`] reads the reply **once**: the client's own words
//!    (quotes, signatures, disclaimers cut), their sentences, language and
//!    facts, as a [`domain::PreparedReply`]. Nothing downstream reads the
//!    body again.
//! 3. [`ingest::link`] ties it to a client and invoice of the
//!    [`domain::Ledger`].
//! 4. [`classify`] labels the prepared reply on the model thread
//!    ([`classify::ClassifierHandle`]): calibrated scores and evidence.
//! 5. [`rules::decide`] — pure functions, no I/O — returns a
//!    [`rules::Decision`]: route, draft, escalation packet, promise, ledger
//!    effects, all as data.
//! 6. [`store`] writes what was decided, in one transaction; it runs no
//!    rule of its own.
//!
//! [`pipeline`] is that loop. [`send`], [`reminders`], [`eval`] and
//! [`train`] are library functions the thin [`cli`] (and later the web
//! service) call. [`domain`] is the vocabulary every module shares and
//! depends on nothing of ours. `tests/architecture.rs` checks these arrows.
//!
//! Without the default `service` feature the crate is only [`domain`],
//! [`text`] and the parsing half of [`ingest`] (MIME, attachments,
//! auto-replies): what the fuzz targets in `fuzz/` build, without the
//! model, the store or the web service.
//!
//! One line per module:

// Helpers that only the service modules call are dead without them.
#![cfg_attr(not(feature = "service"), allow(dead_code))]

/// Benchmarks that print figures: model throughput, latency and fixed shapes, base embeddings for parity.
#[cfg(feature = "service")]
pub mod bench;
/// The reply classifier: the candle encoder, scoring, calibration, explanations, the model thread and finding the model folder.
#[cfg(feature = "service")]
pub mod classify;
/// The command line: arguments, dispatch and tables; no business logic.
#[cfg(feature = "service")]
pub mod cli;
/// The shared vocabulary (replies, facts, ledger, money, promises, decisions): data and pure functions, no I/O.
pub mod domain;
/// Metrics of the label spec, the keyword baseline and the HTML/JSON report.
#[cfg(feature = "service")]
pub mod eval;
/// The web service: pages, the JSON API, sign-in and roles, health and metrics (axum).
#[cfg(feature = "service")]
pub mod http;
/// Inbox sources (Maildir, IMAP), MIME parsing, auto-replies, attachments and linking.
pub mod ingest;
/// JSON Lines reading and writing for spec-format reply files.
#[cfg(feature = "service")]
pub mod jsonl;
/// Collections KPIs (dispute rate, resolution time, promises kept, automation, DSO effect): pure figures from stored inputs.
#[cfg(feature = "service")]
pub mod kpis;
/// Reading the ledger's CSV files (clients, engagements, invoices, lines).
#[cfg(feature = "service")]
pub mod ledger_csv;
/// Counters and histograms of a running pipeline (model latency, ingest lag, errors), rendered for `/metrics`.
#[cfg(feature = "service")]
pub mod metrics;
/// Source → parse → prepare → link → classify → decide → store, exactly once per message.
#[cfg(feature = "service")]
pub mod pipeline;
/// A reminder run: each ledger invoice with its due or held verdict for a day.
#[cfg(feature = "service")]
pub mod reminders;
/// Routing, reply drafts, escalation packets and promises to pay: pure rules that return decisions as data.
#[cfg(feature = "service")]
pub mod rules;
/// Sending approved drafts: RFC 5322 messages to an outbox Maildir or SMTP.
#[cfg(feature = "service")]
pub mod send;
/// A stop flag set by SIGINT or SIGTERM, so long runs end after the work in hand.
#[cfg(feature = "service")]
pub mod shutdown;
/// Many workers on one database: one poller per mailbox by lease, a queue workers claim with expiring leases.
#[cfg(feature = "service")]
pub mod spool;
/// The only module with SQL: migrations and queries for SQLite and PostgreSQL.
#[cfg(feature = "service")]
pub mod store;
/// Reading the client's words once: client text, sentences, language, facts.
pub mod text;
/// Training the classifier head and top encoder layers from `training-data/`.
#[cfg(feature = "service")]
pub mod train;
