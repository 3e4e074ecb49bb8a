//! ar-triage reads client replies to invoice reminders, labels them with a
//! local transformer and decides what happens next.
//!
//! A guided tour, one line per module:

/// The reply classifier: pre-processing, the candle encoder, scoring and explanations.
pub mod classify;
/// The command line: subcommands and their options.
pub mod cli;
/// Replies, labels, scores, evidence and facts: plain data shared by all modules.
pub mod domain;
/// Metrics of the label spec, the keyword baseline and the HTML/JSON report.
pub mod eval;
/// Inbox sources (Maildir, IMAP), MIME parsing, attachments and linking.
pub mod ingest;
/// JSON Lines reading and writing for spec-format reply files.
pub mod jsonl;
/// Reading the ledger's CSV files (clients, engagements, invoices, lines).
pub mod ledger_csv;
/// Source → parse → link → classify → store, exactly once per message.
pub mod pipeline;
/// A reminder run: each ledger invoice with its due or held verdict for a day.
pub mod reminders;
/// Routing, reply drafts and promises to pay: pure rules over a labelled reply.
pub mod rules;
/// Sending approved drafts: RFC 5322 messages to an outbox Maildir or SMTP.
pub mod send;
/// A stop flag set by SIGINT or SIGTERM, so long runs end after the work in hand.
pub mod shutdown;
/// The only module with SQL: migrations and queries for SQLite and PostgreSQL.
pub mod store;
/// Reading the client's words once: client text, sentences, language, facts.
pub mod text;
/// Training the classifier head and top encoder layers from `training-data/`.
pub mod train;
