//! The command line: subcommands, their options, and what each one runs.
//!
//! Every subcommand builds its own explicit options from the parsed flags and
//! calls into the library; nothing here holds state between commands.

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

use crate::classify::bert::pick_device;
use crate::classify::{
    ModelSearch, PredictOptions, ReplyClassifier, load_classifier, predict, predict_prepared,
};
use crate::domain::Reply;
use crate::eval::{EvalOptions, evaluate, facts, summary_table, write_report};
use crate::ingest::Inbox;
use crate::ingest::imap::{DEFAULT_PASSWORD_ENV, ImapSource, TlsMode};
use crate::ingest::maildir::MaildirSource;
use crate::jsonl::{InputLine, data_files, parse_input_line, read_labelled};
use crate::kpis::{KpiWindow, compute_kpis};
use crate::ledger_csv::{Ledger, LedgerFiles};
use crate::pipeline::{Classifier, IngestOptions, ModelPolicy, Pipeline};
use crate::reminders::{InvoiceChase, ReminderOptions, reminder_run};
use crate::rules::RuleConfig;
use crate::rules::reminder::Chase;
use crate::send::{DeliverOptions, SendConfig, SendOutcome, Transport, deliver_approved};
use crate::store::{AuditAnchor, DraftAction, ItemFilter, Store, redact_url};
use crate::train::{TrainConfig, train};

/// `bench`: model and pipeline figures.
mod bench;
/// Table renderers of `--format table`.
mod tables;

pub use tables::{drafts_table, items_table, kpis_table};

/// ar-triage: reads client replies to invoice reminders, labels them and routes them.
#[derive(Debug, Parser)]
#[command(name = "ar-triage", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Label replies from a spec-format JSONL file ('-' for stdin).
    Classify(ClassifyArgs),
    /// Score the model and the keyword baseline on a labelled set; write report.json and report.html.
    Eval(EvalArgs),
    /// Train the classifier from labelled JSONL files.
    Train(TrainArgs),
    /// Print throughput (replies/s) and peak memory of classify on a labelled or unlabelled set.
    Bench(BenchArgs),
    /// Manage the ledger of clients, engagements and invoices that replies are linked to.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Read an inbox (Maildir or IMAP), classify each reply and store it as an item, exactly once.
    Ingest(IngestArgs),
    /// List stored items (with route, rule, reason and draft), as JSON Lines or a table.
    Items(ItemsArgs),
    /// List drafts awaiting approval, or approve / edit / reject one.
    Drafts(DraftsArgs),
    /// Send every approved, unsent draft to an outbox Maildir or an SMTP server.
    Send(SendArgs),
    /// Invoices a reminder may go to today, and why the other open ones are held back.
    Reminders(RemindersArgs),
    /// Close an item a person dealt with outside ar-triage (it counts as resolved).
    Close(CloseArgs),
    /// The audit log: verify its hash chain.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Collections KPIs: dispute rate, resolution time, promise-kept rate, automation, drafts, queues, DSO effect.
    Kpis(KpisArgs),
    /// One of several workers on one database: polls the mailbox while it holds the mailbox's lease, and processes queued messages it claims.
    Worker(WorkerArgs),
    /// Run the service: the web UI and API, and the inbox poller and pipeline when an inbox is given, in one process.
    Serve(ServeArgs),
    /// Manage the people who sign in to the web UI.
    #[command(subcommand)]
    User(UserCommand),
    /// People's relabels of items, for retraining.
    #[command(subcommand)]
    Corrections(CorrectionsCommand),
    /// Internal: a reader child (ingest and serve start these), reading messages from stdin under limits.
    #[command(hide = true)]
    ReadWorker(ReadWorkerArgs),
}

/// Options of the internal `read-worker`.
#[derive(Debug, Args)]
pub struct ReadWorkerArgs {
    /// Address space the child may map (RLIMIT_AS).
    #[arg(long)]
    pub memory_bytes: u64,
    /// CPU seconds over the child's life (RLIMIT_CPU).
    #[arg(long)]
    pub cpu_seconds: u64,
}

/// How ingest reads each message: in reader children under limits, or in
/// this process.
#[derive(Debug, Args)]
pub struct ReaderArgs {
    /// Read messages in this process instead of in reader child processes (a crash in a parser then stops ingest).
    #[arg(long)]
    pub no_sandbox: bool,
    /// Seconds a message may take to be read (MIME, attachments, facts) before its reader is killed and it is stored with reason `timeout`.
    #[arg(long, default_value_t = 20)]
    pub read_timeout: u64,
    /// MiB of address space a reader child may map; a message needing more is stored with reason `too_large`.
    #[arg(long, default_value_t = 512)]
    pub read_memory_mb: u64,
}

impl ReaderArgs {
    /// The reader these options ask for; children run this same binary.
    pub fn reader(&self) -> Result<crate::ingest::reader::Reader> {
        use crate::ingest::reader::{Reader, ReaderLimits};
        if self.no_sandbox || !cfg!(unix) {
            return Ok(Reader::InProcess);
        }
        let exe =
            std::env::current_exe().context("finding this binary to start reader children")?;
        Ok(Reader::sandboxed(
            exe,
            ReaderLimits {
                memory_bytes: self.read_memory_mb.max(64) * 1024 * 1024,
                wall: std::time::Duration::from_secs(self.read_timeout.max(1)),
                ..ReaderLimits::default()
            },
        ))
    }
}

/// Options of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Mark cookies Secure: set when users reach the service over TLS (a proxy in front terminates it).
    #[arg(long)]
    pub secure_cookies: bool,
    /// Folder of the latest `eval` report (report.json, report.html) for the analyst view.
    #[arg(long, value_name = "DIR")]
    pub reports: Option<PathBuf>,
    /// Hours a browser session lasts.
    #[arg(long, default_value_t = 12)]
    pub session_hours: i64,
    /// The inbox and pipeline (without --maildir or --imap, only the web runs).
    #[command(flatten)]
    pub ingest: IngestArgs,
}

/// Options of `worker`.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// This worker's name in claims and leases (default: host name and process id); unique among live workers.
    #[arg(long)]
    pub worker_id: Option<String>,
    /// Seconds a claim on a message, or the mailbox lease, lasts without renewal: how soon a dead worker's work is taken over.
    #[arg(long, default_value_t = 30)]
    pub lease: u64,
    /// Milliseconds an idle worker waits before it looks at the queue again.
    #[arg(long, default_value_t = 1000)]
    pub queue_poll_ms: u64,
    /// The mailbox to poll while this worker holds its lease (without --maildir or --imap, the worker only processes the queue), the database (PostgreSQL for workers on several machines), model and rules.
    #[command(flatten)]
    pub ingest: IngestArgs,
}

/// Subcommands of `user`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from $AR_TRIAGE_PASSWORD or the first line of stdin.
    Add(UserAddArgs),
}

/// Options of `user add`.
#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// Login name.
    #[arg(long)]
    pub name: String,
    /// collector, partner, analyst or admin.
    #[arg(long)]
    pub role: String,
    /// For partners: the address the ledger names as their clients' partner.
    #[arg(long)]
    pub partner_email: Option<String>,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
}

/// Subcommands of `corrections`.
#[derive(Debug, Subcommand)]
pub enum CorrectionsCommand {
    /// Write every relabel as spec-format JSONL (the person's labels as gold), for `train --extra`.
    Export(CorrectionsExportArgs),
}

/// Options of `corrections export`.
#[derive(Debug, Args)]
pub struct CorrectionsExportArgs {
    /// Output file ('-' for stdout).
    #[arg(long, default_value = "-")]
    pub out: String,
    /// Only corrections made at or after this time (RFC 3339 or YYYY-MM-DD).
    #[arg(long)]
    pub since: Option<String>,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
}

/// Settings of the rule table (the rest keep their defaults, see `src/rules`).
#[derive(Debug, Args)]
pub struct RuleArgs {
    /// Invoices at or above this amount (in their own currency) go to the collections queue.
    #[arg(long, env = "AR_TRIAGE_HIGH_VALUE", default_value = "50000.00")]
    pub high_value: String,
    /// Scores in LOW,HIGH (edges included) are too unsure to act on: collections queue.
    #[arg(long, env = "AR_TRIAGE_UNCERTAINTY_BAND", default_value = "0.25,0.65", value_parser = parse_band)]
    pub uncertainty_band: (f32, f32),
    /// Days after the reply to check a promise to pay that names no date.
    #[arg(long, env = "AR_TRIAGE_PROMISE_FOLLOW_UP_DAYS", default_value_t = 7)]
    pub promise_follow_up_days: u32,
    /// Who signs drafts.
    #[arg(
        long,
        env = "AR_TRIAGE_SENDER_NAME",
        default_value = "Accounts Receivable"
    )]
    pub sender_name: String,
    /// Our payment instructions, quoted when a client asks for bank details (without them such requests go to a person).
    #[arg(long, env = "AR_TRIAGE_REMIT_TO")]
    pub remit_to: Option<String>,
}

impl RuleArgs {
    /// The rule configuration these flags describe.
    pub fn config(&self) -> Result<RuleConfig> {
        if crate::rules::Money::parse(&self.high_value).is_none() {
            bail!("--high-value {:?} is not an amount", self.high_value);
        }
        Ok(RuleConfig {
            high_value_threshold: self.high_value.trim().to_string(),
            uncertainty_band: self.uncertainty_band,
            default_promise_follow_up_days: self.promise_follow_up_days,
            sender_name: self.sender_name.clone(),
            remit_to: self.remit_to.clone(),
            ..RuleConfig::default()
        })
    }
}

/// Where the models are.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Folder holding `ar-triage/` (trained) and `all-MiniLM-L6-v2/` (from scripts/fetch-model).
    /// Without it: $AR_TRIAGE_MODELS, then `models = "DIR"` in ~/.config/ar-triage/config.toml
    /// (or under $XDG_CONFIG_HOME), then `models/` next to the executable or a folder above it,
    /// then the checkout's `models/`, then ./models.
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
    /// Run the model on the first CUDA GPU when built with `--features cuda`.
    #[arg(long)]
    pub gpu: bool,
}

impl ModelArgs {
    /// The model-folder search these flags and this process's environment describe.
    fn search(&self) -> ModelSearch {
        ModelSearch::from_process(self.models.clone())
    }

    /// The classifier, or a plain error naming where it looked.
    fn load(&self) -> Result<ReplyClassifier> {
        let (model, _) = load_classifier(&self.search(), &pick_device(self.gpu))
            .map_err(|e| anyhow::Error::msg(e.explain()))?;
        Ok(model)
    }
}

/// Options of `classify`.
#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// Input JSONL (`id`, `subject`, `from`, `body`, optional `date`); '-' for stdin.
    #[arg(long, default_value = "-")]
    pub input: String,
    /// Output JSONL, one line per input line in the same order; '-' for stdout.
    #[arg(long, default_value = "-")]
    pub output: String,
    /// Skip evidence spans (faster).
    #[arg(long)]
    pub no_explain: bool,
    /// Model location.
    #[command(flatten)]
    pub model: ModelArgs,
}

/// Options of `eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Labelled JSONL file (or folder of them).
    #[arg(long, default_value = "evals/test.jsonl")]
    pub data: PathBuf,
    /// Output folder for report.json and report.html.
    #[arg(long, default_value = "eval-out")]
    pub out: PathBuf,
    /// Scores inside this band (low,high; edges included) count as uncertain for routing, as in `ingest`.
    #[arg(long, default_value = "0.25,0.65", value_parser = parse_band)]
    pub band: (f32, f32),
    /// Fact test set (replies with gold role facts and a ledger): adds per-role precision and recall and draft correctness to the report.
    #[arg(long)]
    pub facts: Option<PathBuf>,
    /// Model location.
    #[command(flatten)]
    pub model: ModelArgs,
}

/// Options of `train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Folder of labelled JSONL files.
    #[arg(long, default_value = "training-data")]
    pub data: PathBuf,
    /// More labelled JSONL files to train on, e.g. people's corrections from `corrections export` (repeatable).
    #[arg(long, value_name = "FILE")]
    pub extra: Vec<PathBuf>,
    /// Output folder for the trained classifier.
    #[arg(long, default_value = "models/ar-triage")]
    pub out: PathBuf,
    /// Base encoder folder.
    #[arg(long, default_value = "models/all-MiniLM-L6-v2")]
    pub base: PathBuf,
    /// Random seed (split, initialisation, shuffling, dropout).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Passes over the data.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Train encoder layers from this index up (0 = all six).
    #[arg(long)]
    pub trained_from_layer: Option<usize>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Options of `bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// JSONL file of replies.
    #[arg(long, default_value = "evals/test.jsonl")]
    pub data: PathBuf,
    /// Also compute evidence spans, as `classify` does by default.
    #[arg(long)]
    pub explain: bool,
    /// Use only the first N replies.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Throughput runs over all replies; the median is reported.
    #[arg(long, default_value_t = 3)]
    pub repeats: usize,
    /// Replies classified one at a time for the latency percentiles (0: none).
    #[arg(long, default_value_t = 100)]
    pub latency_replies: usize,
    /// Also time fixed-shape batches of these token counts (e.g. 32,128,256).
    #[arg(long, value_delimiter = ',')]
    pub fixed_tokens: Vec<usize>,
    /// Sequences per fixed-shape batch.
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
    /// With `--explain`: sentences occluded per predicted label (0: all).
    #[arg(long, default_value_t = 2)]
    pub occlude_per_label: usize,
    /// With `--explain`: a label's later sentences are occluded only with
    /// at least this fraction of its first one's logit share.
    #[arg(long, default_value_t = 0.5)]
    pub close_share: f32,
    /// With `--explain`: also explain every reply with every sentence
    /// occluded and report how often the strongest sentence agrees.
    #[arg(long)]
    pub agreement: bool,
    /// Write every figure as JSON here as well.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write the texts the model reads (client text after extraction), one
    /// JSON string per line, so another implementation can time the same.
    #[arg(long)]
    pub texts_out: Option<PathBuf>,
    /// Write the base encoder's embeddings of the texts here (JSON) and
    /// time nothing: the parity half of `scripts/bench-vs-torch`.
    #[arg(long)]
    pub embeddings_out: Option<PathBuf>,
    /// Instead of the model alone, time the whole pipeline (raw message to
    /// stored decision, explanations on) over the demo inbox and
    /// `tests/corpus/`, with the time split by stage.
    #[arg(long)]
    pub pipeline: bool,
    /// Instead of inference, time training steps as `train` runs them
    /// (the top layers and the head, forward, backward, AdamW) on batches
    /// of `--train-batch` sequences of `--train-tokens` tokens.
    #[arg(long)]
    pub train_step: bool,
    /// With `--train-step`: tokens per sequence.
    #[arg(long, default_value_t = 128)]
    pub train_tokens: usize,
    /// With `--train-step`: sequences per step (the shipped model trained on 16).
    #[arg(long, default_value_t = 16)]
    pub train_batch: usize,
    /// With `--train-step`: timed steps, after two warm-up steps.
    #[arg(long, default_value_t = 10)]
    pub train_steps: usize,
    /// With `--pipeline`: times the messages go through, each time into a
    /// fresh database.
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// With `--pipeline`: folders whose messages (`*.eml`, or files in a
    /// `new/` folder) are ingested.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "examples/demo/inbox/new,tests/corpus"
    )]
    pub messages: Vec<PathBuf>,
    /// With `--pipeline`: the ledger folder (clients.csv, engagements.csv,
    /// invoices.csv, invoice_lines.csv) imported into each database.
    #[arg(long, default_value = "examples/demo/ledger")]
    pub ledger: PathBuf,
    /// How messages are read (with `--pipeline`).
    #[command(flatten)]
    pub reader: ReaderArgs,
    /// Model location.
    #[command(flatten)]
    pub model: ModelArgs,
}

fn parse_band(s: &str) -> Result<(f32, f32), String> {
    let (a, b) = s
        .split_once(',')
        .ok_or_else(|| "expected LOW,HIGH".to_string())?;
    let lo: f32 = a.trim().parse().map_err(|e| format!("{e}"))?;
    let hi: f32 = b.trim().parse().map_err(|e| format!("{e}"))?;
    if !(0.0..=1.0).contains(&lo) || !(lo..=1.0).contains(&hi) {
        return Err("band must satisfy 0 <= LOW <= HIGH <= 1".into());
    }
    Ok((lo, hi))
}

/// Runs a parsed command; the returned code is the process exit status.
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Classify(a) => classify(a),
        Command::Eval(a) => eval(a),
        Command::Train(a) => train_cmd(a),
        Command::Bench(a) => bench::bench(a),
        Command::Ledger(LedgerCommand::Import(a)) => ledger_import(a),
        Command::Ingest(a) => ingest(a),
        Command::Worker(a) => worker(a),
        Command::Items(a) => items(a),
        Command::Drafts(a) => drafts(a),
        Command::Send(a) => send(a),
        Command::Reminders(a) => reminders(a),
        Command::Close(a) => close(a),
        Command::Audit(AuditCommand::Verify(a)) => audit_verify(a),
        Command::Kpis(a) => kpis(a),
        Command::Serve(a) => serve(a),
        Command::User(UserCommand::Add(a)) => user_add(a),
        Command::Corrections(CorrectionsCommand::Export(a)) => corrections_export(a),
        Command::ReadWorker(a) => read_worker(a),
    }
}

/// Replies classified per model call in `classify`: large enough for good
/// batching, small enough that output streams.
const CHUNK: usize = 64;

fn classify(a: ClassifyArgs) -> Result<i32> {
    let clf = a.model.load()?;
    let opts = PredictOptions {
        explain: !a.no_explain,
        ..Default::default()
    };
    let input: Box<dyn BufRead> = if a.input == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let f = std::fs::File::open(&a.input).with_context(|| format!("opening {}", a.input))?;
        Box::new(std::io::BufReader::new(f))
    };
    let output: Box<dyn Write> = if a.output == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        let f =
            std::fs::File::create(&a.output).with_context(|| format!("creating {}", a.output))?;
        Box::new(f)
    };
    let mut out = BufWriter::new(output);
    let mut pending: Vec<InputLine> = Vec::new();
    let mut failed = 0usize;
    let mut total = 0usize;
    let mut flush =
        |pending: &mut Vec<InputLine>, out: &mut BufWriter<Box<dyn Write>>| -> Result<()> {
            let replies: Vec<Reply> = pending
                .iter()
                .filter_map(|l| match l {
                    InputLine::Reply(r) => Some(r.clone()),
                    InputLine::Invalid { .. } => None,
                })
                .collect();
            let mut preds = predict(&clf, &replies, &opts)?.into_iter();
            for line in pending.drain(..) {
                let json = match line {
                    InputLine::Reply(_) => {
                        serde_json::to_string(&preds.next().context("prediction count mismatch")?)?
                    }
                    InputLine::Invalid { id, error } => {
                        failed += 1;
                        serde_json::json!({ "id": id, "error": error }).to_string()
                    }
                };
                writeln!(out, "{json}")?;
            }
            out.flush()?;
            Ok(())
        };
    for (n, line) in input.lines().enumerate() {
        let line = line.with_context(|| format!("reading line {}", n + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        total += 1;
        pending.push(parse_input_line(&line, n + 1));
        if pending.len() >= CHUNK {
            flush(&mut pending, &mut out)?;
        }
    }
    flush(&mut pending, &mut out)?;
    if failed > 0 {
        tracing::warn!(failed, total, "some input lines could not be classified");
        return Ok(1);
    }
    Ok(0)
}

fn read_all_labelled(path: &Path) -> Result<Vec<crate::domain::LabelledReply>> {
    let mut data = Vec::new();
    for f in data_files(path)? {
        data.extend(read_labelled(&f)?);
    }
    if data.is_empty() {
        bail!("no labelled replies in {}", path.display());
    }
    Ok(data)
}

fn eval(a: EvalArgs) -> Result<i32> {
    let clf = a.model.load()?;
    let data = read_all_labelled(&a.data)?;
    let replies: Vec<Reply> = data.iter().map(|d| d.reply.clone()).collect();
    let opts = PredictOptions {
        explain: false,
        ..Default::default()
    };
    let preds = predict(&clf, &replies, &opts)?;
    let report = evaluate(
        &data,
        &preds,
        &EvalOptions {
            uncertainty_band: a.band,
            model_name: clf.meta().display_name(),
            data_path: a.data.display().to_string(),
        },
    )?;
    let mut report = report;
    if let Some(path) = &a.facts {
        let cases = facts::read_cases(path)?;
        let prepared: Vec<_> = cases.iter().map(facts::FactCase::prepare).collect();
        let preds = predict_prepared(&clf, &prepared, &PredictOptions::default())?;
        let cfg = RuleConfig {
            uncertainty_band: a.band,
            ..RuleConfig::default()
        };
        report.facts = Some(facts::score(
            &path.display().to_string(),
            &cases,
            &prepared,
            &preds,
            &cfg,
        )?);
    }
    write_report(&report, &a.out)?;
    println!("{}", summary_table(&report));
    println!(
        "wrote {} and {}",
        a.out.join("report.json").display(),
        a.out.join("report.html").display()
    );
    Ok(0)
}

fn train_cmd(a: TrainArgs) -> Result<i32> {
    let defaults = TrainConfig::default();
    let cfg = TrainConfig {
        data: a.data,
        extra: a.extra,
        base_model: a.base,
        out: a.out,
        seed: a.seed.unwrap_or(defaults.seed),
        epochs: a.epochs.unwrap_or(defaults.epochs),
        trained_from_layer: a.trained_from_layer.unwrap_or(defaults.trained_from_layer),
        progress: !a.quiet,
        ..defaults
    };
    let record = train(&cfg)?;
    println!(
        "trained {} on {} replies ({} validation) in {:.0}s; best epoch {}; validation {:?}",
        record.version,
        record.n_train,
        record.n_val,
        record.seconds,
        record.best_epoch,
        record.validation
    );
    println!("wrote {}", cfg.out.display());
    Ok(0)
}

/// Peak resident memory of this process in KiB (Linux `VmHWM`), if known.
pub(crate) fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Where the database is. `Debug` hides a password in the URL.
#[derive(Args)]
pub struct DbArgs {
    /// Database URL: `sqlite://PATH` (created if missing) or `postgres://USER@HOST/DB`.
    #[arg(
        long,
        env = "AR_TRIAGE_DATABASE_URL",
        default_value = "sqlite://ar-triage.db",
        hide_env_values = true
    )]
    pub db: String,
}

impl std::fmt::Debug for DbArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbArgs")
            .field("db", &redact_url(&self.db))
            .finish()
    }
}

impl DbArgs {
    async fn open(&self) -> Result<Store> {
        Ok(Store::connect(&self.db).await?)
    }
}

/// Subcommands of `ledger`.
#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Import (upsert) clients, invoices and engagements from CSV files.
    Import(LedgerImportArgs),
}

/// Options of `ledger import`. The CSV formats are described in `src/ledger.rs`.
#[derive(Debug, Args)]
pub struct LedgerImportArgs {
    /// clients.csv: client_id,name,domains,contacts,partner,partner_email[,language] (';' separates list values).
    #[arg(long)]
    pub clients: PathBuf,
    /// invoices.csv: invoice_number,client_id,engagement_id,issue_date,due_date,amount,currency,po_number,status,reminder_message_ids.
    #[arg(long)]
    pub invoices: PathBuf,
    /// engagements.csv: engagement_id,client_id,name,partner,partner_email,po_number,hours_cap,rate_card.
    #[arg(long)]
    pub engagements: Option<PathBuf>,
    /// invoice_lines.csv: invoice_number,description,role,hours,unit,rate,amount (the billed lines a scope dispute's escalation packet quotes).
    #[arg(long)]
    pub invoice_lines: Option<PathBuf>,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
}

/// Options of `ingest`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").args(["maildir", "imap"])))]
pub struct IngestArgs {
    /// A Maildir (new/, cur/, tmp/): reads new/ and moves each message to cur/ once stored. A folder without new/ is read as a folder of .eml files (recursively) and left as it is.
    #[arg(long, value_name = "DIR")]
    pub maildir: Option<PathBuf>,
    /// An IMAP mailbox: imap://USER@HOST[:PORT]/MAILBOX (plain, loopback only) or imaps://… (TLS).
    #[arg(long, value_name = "URL")]
    pub imap: Option<String>,
    /// Stop when the inbox has nothing more, instead of waiting for new mail.
    #[arg(long)]
    pub once: bool,
    /// Environment variable holding the IMAP password.
    #[arg(long, value_name = "VAR", default_value = DEFAULT_PASSWORD_ENV)]
    pub password_env: String,
    /// Use TLS even for an imap:// URL (port 993 unless given).
    #[arg(long)]
    pub tls: bool,
    /// Trust only the CA certificates in this PEM file for IMAP TLS (implies --tls; AR_TRIAGE_IMAP_CA does the same for imaps://).
    #[arg(long, value_name = "PEM")]
    pub tls_ca: Option<PathBuf>,
    /// Allow plain-text IMAP to a host that is not loopback (the password crosses the network unencrypted).
    #[arg(long, conflicts_with_all = ["tls", "tls_ca"])]
    pub allow_plain: bool,
    /// Seconds between polls when the server offers no IDLE (and for Maildir).
    #[arg(long, default_value_t = 30)]
    pub poll: u64,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
    /// Model location; without a loadable model, items go to the collections queue
    /// as `unclassified` (a warning says so at start) unless --require-model.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Stop with an error when the model cannot be loaded, instead of storing
    /// every reply as `unclassified`.
    #[arg(long)]
    pub require_model: bool,
    /// Rule settings.
    #[command(flatten)]
    pub rules: RuleArgs,
    /// How messages are read.
    #[command(flatten)]
    pub reader: ReaderArgs,
}

/// Output formats of `items`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ItemsFormat {
    /// One JSON object per line.
    Jsonl,
    /// A fixed-width table for reading.
    Table,
}

/// Options of `items`.
#[derive(Debug, Args)]
pub struct ItemsArgs {
    /// Only items in this queue: drafts (route draft), collections, partner.
    #[arg(long)]
    pub queue: Option<String>,
    /// Only items with this status (new, auto_reply, needs_human, resolved).
    #[arg(long)]
    pub status: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ItemsFormat::Table)]
    pub format: ItemsFormat,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn ledger_import(a: LedgerImportArgs) -> Result<i32> {
    let ledger = Ledger::load(&LedgerFiles {
        clients: &a.clients,
        invoices: &a.invoices,
        engagements: a.engagements.as_deref(),
        invoice_lines: a.invoice_lines.as_deref(),
    })?;
    runtime()?.block_on(async {
        let store = a.db.open().await?;
        let counts = store.import_ledger(&ledger).await?;
        println!(
            "imported {} clients, {} engagements, {} invoices ({} reminder ids, {} invoice lines) into {}",
            counts.clients,
            counts.engagements,
            counts.invoices,
            counts.reminders,
            counts.invoice_lines,
            store.url()
        );
        store.close().await;
        Ok(0)
    })
}

/// The model of an ingesting command, loaded as `--require-model` says.
fn ingest_classifier(a: &IngestArgs) -> Result<crate::pipeline::LoadedClassifier> {
    let policy = if a.require_model {
        ModelPolicy::Require
    } else {
        ModelPolicy::FallBack
    };
    let loaded = Classifier::load(&a.model.search(), a.model.gpu, policy)
        .map_err(|e| anyhow::Error::msg(e.explain()))?;
    if let Some(e) = &loaded.unavailable {
        tracing::warn!(
            "{}\nEvery reply will be stored as `unclassified` in the collections queue. \
             Fix the model folder, or pass --require-model to stop instead.",
            e.explain()
        );
    }
    Ok(loaded)
}

/// What an ingesting command (`ingest`, `serve`, `worker`) sets up: rule
/// settings, how messages are read, and the model, loaded before the
/// runtime starts.
struct IngestSetup {
    rules: RuleConfig,
    reader: crate::ingest::reader::Reader,
    loaded: crate::pipeline::LoadedClassifier,
}

impl IngestSetup {
    fn new(a: &IngestArgs) -> Result<Self> {
        Ok(Self {
            rules: a.rules.config()?,
            reader: a.reader.reader()?,
            loaded: ingest_classifier(a)?,
        })
    }

    /// Opens the database `a` names and the pipeline writing to it.
    async fn open(self, a: &IngestArgs) -> Result<(Store, Pipeline)> {
        let store = a.db.open().await?;
        let pipeline = Pipeline::new(store.clone(), self.loaded.classifier)
            .with_rules(self.rules)
            .with_reader(self.reader)
            .with_thresholds(self.loaded.thresholds);
        Ok((store, pipeline))
    }
}

/// Opens the inbox `a` names (`--maildir` or `--imap`), if any.
async fn open_inbox(a: &IngestArgs) -> Result<Option<Inbox>> {
    if let Some(dir) = &a.maildir {
        Ok(Some(Inbox::Maildir(MaildirSource::open(dir)?)))
    } else if let Some(url) = &a.imap {
        let password = std::env::var(&a.password_env).with_context(|| {
            format!(
                "the IMAP password is read from ${} (set it, or name another variable with --password-env)",
                a.password_env
            )
        })?;
        let tls = match (&a.tls_ca, a.tls, a.allow_plain) {
            (Some(ca), _, _) => TlsMode::CaFile(ca.clone()),
            (None, true, _) => TlsMode::Required,
            (None, false, true) => TlsMode::InsecurePlain,
            (None, false, false) => TlsMode::Auto,
        };
        let source = ImapSource::connect(url, &password, tls).await?;
        Ok(Some(Inbox::Imap(Box::new(source))))
    } else {
        Ok(None)
    }
}

/// The ingest options `a` asks for.
fn ingest_options(a: &IngestArgs) -> IngestOptions {
    IngestOptions {
        once: a.once,
        poll: std::time::Duration::from_secs(a.poll.max(1)),
        ..IngestOptions::default()
    }
}

/// Polls the inbox `a` names through `pipeline` until it is empty
/// (`--once`) or `stop`.
async fn poll_inbox(
    a: &IngestArgs,
    pipeline: &Pipeline,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Result<crate::pipeline::IngestReport> {
    let Some(mut source) = open_inbox(a).await? else {
        bail!("give --maildir DIR or --imap URL");
    };
    Ok(pipeline.run(&mut source, &ingest_options(a), stop).await?)
}

fn read_worker(a: ReadWorkerArgs) -> Result<i32> {
    use crate::ingest::reader::{ChildLimits, serve_reader};
    ChildLimits {
        memory_bytes: a.memory_bytes,
        cpu_seconds: a.cpu_seconds,
    }
    .apply()?;
    serve_reader(std::io::stdin().lock(), std::io::stdout().lock())?;
    Ok(0)
}

fn ingest(a: IngestArgs) -> Result<i32> {
    if a.maildir.is_none() && a.imap.is_none() {
        bail!("give --maildir DIR or --imap URL");
    }
    let setup = IngestSetup::new(&a)?;
    runtime()?.block_on(async {
        let (store, pipeline) = setup.open(&a).await?;
        let stop = crate::shutdown::stop_on_signal();
        let report = poll_inbox(&a, &pipeline, stop).await?;
        println!(
            "ingested {} messages into {}: {} new items ({} drafts, {} collections, {} partner), {} already stored{}",
            report.fetched,
            store.url(),
            report.stored,
            report.drafts,
            report.collections,
            report.partner,
            report.duplicates,
            if report.ack_failures > 0 {
                format!(
                    ", {} not acknowledged to the source (see the log)",
                    report.ack_failures
                )
            } else {
                String::new()
            }
        );
        store.close().await;
        Ok(0)
    })
}

fn worker(a: WorkerArgs) -> Result<i32> {
    use crate::spool::{WorkerOptions, spool, work};
    let setup = IngestSetup::new(&a.ingest)?;
    let opts = WorkerOptions {
        id: a
            .worker_id
            .clone()
            .unwrap_or_else(WorkerOptions::default_id),
        lease: std::time::Duration::from_secs(a.lease.max(1)),
        queue_poll: std::time::Duration::from_millis(a.queue_poll_ms.max(10)),
        once: a.ingest.once,
        ingest: ingest_options(&a.ingest),
    };
    runtime()?.block_on(async {
        let (store, pipeline) = setup.open(&a.ingest).await?;
        let stop = crate::shutdown::stop_on_signal();
        let inbox = open_inbox(&a.ingest).await?;
        tracing::info!(worker = %opts.id, db = %store.url(), "worker started");
        let (polled, worked) = match inbox {
            // With --once the mailbox is drained first, then the queue.
            Some(mut inbox) if opts.once => {
                let polled = spool(&store, &mut inbox, &opts, stop.clone()).await;
                (Some(polled), work(&pipeline, &opts, stop).await)
            }
            // Either half failing for good (a database that takes no
            // writes) stops the worker; unfinished claims run out.
            Some(mut inbox) => match tokio::try_join!(
                spool(&store, &mut inbox, &opts, stop.clone()),
                work(&pipeline, &opts, stop)
            ) {
                Ok((polled, worked)) => (Some(Ok(polled)), Ok(worked)),
                Err(e) => (Some(Err(e)), Ok(Default::default())),
            },
            None => (None, work(&pipeline, &opts, stop).await),
        };
        let polled = polled.transpose()?;
        let worked = worked?;
        println!(
            "worker {}: {}processed {} messages: {} new items ({} drafts, {} collections, {} partner), {} already stored",
            opts.id,
            match polled {
                Some(p) if p.took_over > 0 => format!(
                    "polled the mailbox and queued {} of {} messages fetched; ",
                    p.queued, p.fetched
                ),
                Some(_) => "stood by while another worker polled the mailbox; ".to_string(),
                None => String::new(),
            },
            worked.fetched,
            worked.stored,
            worked.drafts,
            worked.collections,
            worked.partner,
            worked.duplicates,
        );
        store.close().await;
        Ok(0)
    })
}

fn serve(a: ServeArgs) -> Result<i32> {
    let setup = IngestSetup::new(&a.ingest)?;
    runtime()?.block_on(async {
        let (store, pipeline) = setup.open(&a.ingest).await?;
        let stop = crate::shutdown::stop_on_signal();
        let cfg = crate::http::WebConfig {
            secure_cookies: a.secure_cookies,
            reports: a.reports.clone(),
            session_hours: a.session_hours,
        };
        let state = crate::http::AppState::new(store.clone(), Some(pipeline.clone()), cfg);
        let listener = tokio::net::TcpListener::bind(a.listen)
            .await
            .with_context(|| format!("listening on {}", a.listen))?;
        let web = tokio::spawn(crate::http::serve(state, listener, stop.clone()));
        let inbox = a.ingest.maildir.is_some() || a.ingest.imap.is_some();
        println!(
            "ar-triage serving on http://{}/ ({}); stop with Ctrl-C",
            a.listen,
            if inbox {
                "polling the inbox"
            } else {
                "no inbox given: web only"
            }
        );
        if inbox {
            // A poller that fails leaves the web running; the log says why.
            match poll_inbox(&a.ingest, &pipeline, stop.clone()).await {
                Ok(r) => tracing::info!(
                    fetched = r.fetched,
                    stored = r.stored,
                    "inbox poller finished"
                ),
                Err(e) => tracing::error!("inbox poller stopped: {e:#}"),
            }
        }
        web.await.context("web server task")??;
        store.close().await;
        Ok(0)
    })
}

fn read_password() -> Result<String> {
    if let Ok(p) = std::env::var("AR_TRIAGE_PASSWORD") {
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn user_add(a: UserAddArgs) -> Result<i32> {
    let password = read_password()?;
    if password.chars().count() < 10 {
        bail!("a password has at least ten characters");
    }
    let role: crate::domain::UserRole = a.role.parse()?;
    let hash = crate::http::auth::hash_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    runtime()?.block_on(async {
        let store = a.db.open().await?;
        let user = store
            .add_user(&crate::store::NewUser {
                name: &a.name,
                role,
                partner_email: a.partner_email.as_deref(),
                password_hash: &hash,
            })
            .await?;
        store.close().await;
        println!("added {} ({})", user.name, user.role);
        Ok(0)
    })
}

fn corrections_export(a: CorrectionsExportArgs) -> Result<i32> {
    let list = runtime()?.block_on(async {
        let store = a.db.open().await?;
        let list = store.corrections(a.since.as_deref()).await?;
        store.close().await;
        anyhow::Ok(list)
    })?;
    let output: Box<dyn Write> = if a.out == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(std::fs::File::create(&a.out).with_context(|| format!("creating {}", a.out))?)
    };
    let mut out = BufWriter::new(output);
    for c in &list {
        writeln!(out, "{}", serde_json::to_string(&c.as_labelled())?)?;
    }
    out.flush()?;
    eprintln!("exported {} corrections", list.len());
    Ok(0)
}

fn items(a: ItemsArgs) -> Result<i32> {
    let list = runtime()?.block_on(async {
        let store = a.db.open().await?;
        let list = store
            .items(&ItemFilter {
                queue: a.queue.clone(),
                status: a.status.clone(),
                draft_state: None,
                ..ItemFilter::default()
            })
            .await?;
        store.close().await;
        anyhow::Ok(list)
    })?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    let written = match a.format {
        ItemsFormat::Jsonl => list.iter().try_for_each(|item| -> Result<()> {
            writeln!(out, "{}", serde_json::to_string(item)?)?;
            Ok(())
        }),
        ItemsFormat::Table => write!(out, "{}", items_table(&list)).map_err(Into::into),
    };
    match written.and_then(|()| out.flush().map_err(Into::into)) {
        Ok(()) => Ok(0),
        // `items | head` closing the pipe early is not an error.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(0)
        }
        Err(e) => Err(e),
    }
}

/// Options of `drafts`: without a subcommand, list the drafts.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DraftsArgs {
    /// Approve, edit or reject a draft.
    #[command(subcommand)]
    pub action: Option<DraftCommand>,
    /// Which drafts to list: awaiting_approval, approved, rejected.
    #[arg(long, default_value = "awaiting_approval")]
    pub state: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ItemsFormat::Table)]
    pub format: ItemsFormat,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
}

/// What a person does with a draft. Approved drafts are `approved` and
/// `send` delivers them.
#[derive(Debug, Subcommand)]
pub enum DraftCommand {
    /// Accept the draft as it stands.
    Approve(DraftActionArgs),
    /// Replace the draft's body with the text of --body-file (it still awaits approval).
    Edit(DraftActionArgs),
    /// Drop the draft.
    Reject(DraftActionArgs),
}

/// Options of `drafts approve|edit|reject`.
#[derive(Debug, Args)]
pub struct DraftActionArgs {
    /// The item id (`items` / `drafts` list it).
    pub id: i64,
    /// Who acts (recorded in the audit log).
    #[arg(long)]
    pub by: String,
    /// The new body (`edit` only; '-' for stdin).
    #[arg(long)]
    pub body_file: Option<String>,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
}

/// Options of `send`: where approved drafts go (exactly one of `--outbox`, `--smtp`).
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("transport").required(true).args(["outbox", "smtp"])))]
pub struct SendArgs {
    /// A Maildir to deliver into (created when missing): one file per message in new/.
    #[arg(long, env = "AR_TRIAGE_OUTBOX")]
    pub outbox: Option<PathBuf>,
    /// An SMTP server: smtp://HOST:PORT, smtp://HOST:PORT?tls=required (STARTTLS),
    /// smtps://HOST:PORT; smtp://USER:PASSWORD@HOST:PORT to log in.
    #[arg(long, env = "AR_TRIAGE_SMTP", hide_env_values = true)]
    pub smtp: Option<String>,
    /// Our From address ("Accounts Receivable <ar@ourfirm.example>").
    #[arg(long, env = "AR_TRIAGE_FROM")]
    pub from: String,
    /// Directory of invoice PDFs (<invoice number>.pdf) for invoice-copy drafts.
    #[arg(long, env = "AR_TRIAGE_INVOICE_DIR")]
    pub invoice_dir: Option<PathBuf>,
    /// List what would be sent without sending or recording anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Settle an interrupted send (a run died after it may have delivered): record item ITEM as sent, after checking the recipient got it.
    #[arg(long, value_name = "ITEM", conflicts_with_all = ["retry", "dry_run"])]
    pub mark_sent: Option<i64>,
    /// Settle an interrupted send: item ITEM did not go out, so this run delivers it again.
    #[arg(long, value_name = "ITEM", conflicts_with = "dry_run")]
    pub retry: Option<i64>,
    /// Who settles an interrupted send (the audit log records it).
    #[arg(long, default_value = "cli")]
    pub by: String,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
}

/// Options of `reminders`.
#[derive(Debug, Args)]
pub struct RemindersArgs {
    /// The day to decide for (YYYY-MM-DD); today without it.
    #[arg(long)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Also list the invoices held back, with the reason.
    #[arg(long)]
    pub all: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ItemsFormat::Table)]
    pub format: ItemsFormat,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
}

/// Options of `close`.
#[derive(Debug, Args)]
pub struct CloseArgs {
    /// The item id.
    pub id: i64,
    /// Who closes it (recorded in the audit log).
    #[arg(long)]
    pub by: String,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
}

/// Subcommands of `audit`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain; exit 1 and name the first changed or deleted row when it is broken.
    Verify(AuditVerifyArgs),
}

/// Options of `audit verify`.
#[derive(Debug, Args)]
pub struct AuditVerifyArgs {
    /// A file outside the database holding the head seen last time (`<seq> <hash>`):
    /// it must still be in the chain (catches deleted last rows); on success the
    /// file is updated to the current head. Created when missing.
    #[arg(long)]
    pub anchor: Option<PathBuf>,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
}

/// Output formats of `kpis`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KpisFormat {
    /// One JSON object.
    Json,
    /// Lines for reading.
    Table,
}

/// Options of `kpis`.
#[derive(Debug, Args)]
pub struct KpisArgs {
    /// First day (YYYY-MM-DD), included.
    #[arg(long)]
    pub from: Option<chrono::NaiveDate>,
    /// Last day (YYYY-MM-DD), included; DSO uses today without it.
    #[arg(long)]
    pub to: Option<chrono::NaiveDate>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = KpisFormat::Table)]
    pub format: KpisFormat,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
}

fn drafts(a: DraftsArgs) -> Result<i32> {
    if let Some(cmd) = a.action {
        return draft_action(cmd);
    }
    let list = runtime()?.block_on(async {
        let store = a.db.open().await?;
        let list = store
            .items(&ItemFilter {
                draft_state: Some(a.state.clone()),
                ..ItemFilter::default()
            })
            .await?;
        store.close().await;
        anyhow::Ok(list)
    })?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    match a.format {
        ItemsFormat::Jsonl => {
            for i in &list {
                let line = serde_json::json!({
                    "id": i.id, "client": i.client, "invoice": i.invoice, "rule": i.rule,
                    "state": i.draft_state, "reason": i.reason, "follow_up": i.follow_up,
                    "sent_at": i.sent_at, "draft": i.draft,
                });
                writeln!(out, "{line}")?;
            }
        }
        ItemsFormat::Table => write!(out, "{}", drafts_table(&list))?,
    }
    out.flush()?;
    Ok(0)
}

fn draft_action(cmd: DraftCommand) -> Result<i32> {
    let (action, a) = match cmd {
        DraftCommand::Approve(a) => (DraftAction::Approve, a),
        DraftCommand::Edit(a) => (DraftAction::Edit, a),
        DraftCommand::Reject(a) => (DraftAction::Reject, a),
    };
    let body = match (&a.body_file, action) {
        (Some(_), DraftAction::Approve | DraftAction::Reject) => {
            bail!("--body-file goes with edit only")
        }
        (None, DraftAction::Edit) => bail!("edit needs --body-file FILE"),
        (Some(f), _) if f == "-" => {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
            Some(s)
        }
        (Some(f), _) => Some(std::fs::read_to_string(f).with_context(|| format!("reading {f}"))?),
        (None, _) => None,
    };
    runtime()?.block_on(async {
        let store = a.db.open().await?;
        let outcome = store
            .draft_action(a.id, action, &a.by, body.as_deref())
            .await;
        store.close().await;
        let outcome = outcome?;
        println!(
            "item {}: draft {} by {} ({})",
            outcome.item,
            match action {
                DraftAction::Approve => "approved",
                DraftAction::Edit => "edited",
                DraftAction::Reject => "rejected",
            },
            a.by.trim(),
            outcome.state
        );
        if action == DraftAction::Approve {
            println!("`ar-triage send` delivers it");
        }
        Ok(0)
    })
}

fn send(a: SendArgs) -> Result<i32> {
    let transport = match (&a.outbox, &a.smtp) {
        (Some(dir), _) => Transport::outbox(dir)?,
        (None, Some(url)) => Transport::smtp(url)?,
        (None, None) => bail!("pass --outbox DIR or --smtp URL"),
    };
    let opts = DeliverOptions {
        config: SendConfig {
            from: a.from.clone(),
            invoice_dir: a.invoice_dir.clone(),
        },
        dry_run: a.dry_run,
    };
    runtime()?.block_on(async {
        let store = a.db.open().await?;
        if let Some(item) = a.mark_sent {
            let id = store
                .settle_interrupted_send(item, &a.by, crate::store::InterruptedSend::WasSent)
                .await?;
            println!("item {item}: recorded as sent as <{id}>");
        }
        if let Some(item) = a.retry {
            store
                .settle_interrupted_send(item, &a.by, crate::store::InterruptedSend::Retry)
                .await?;
            println!("item {item}: will be sent again");
        }
        let report = deliver_approved(&store, &transport, &opts, print_send_outcome).await;
        store.close().await;
        let report = report?;
        if !report.dry_run {
            println!(
                "{} sent, {} failed via {}",
                report.sent(),
                report.failed(),
                report.via
            );
        }
        Ok(if report.failed() > 0 { 1 } else { 0 })
    })
}

/// One line of `send` output per draft, printed as it is handled.
fn print_send_outcome(outcome: &SendOutcome) {
    match outcome {
        SendOutcome::WouldSend {
            item,
            subject,
            to,
            message_id,
        } => println!("item {item}: would send {subject:?} to {to} as <{message_id}>"),
        SendOutcome::CannotSend { item, error } => println!("item {item}: cannot send: {error}"),
        SendOutcome::Sent {
            item,
            subject,
            to,
            message_id,
            delivered,
        } => println!("item {item}: sent {subject:?} to {to} as <{message_id}> ({delivered})"),
        SendOutcome::Failed { item, error } => println!("item {item}: NOT sent: {error}"),
        SendOutcome::Held { item } => println!("item {item}: another send run is delivering it"),
        SendOutcome::Interrupted { item, message_id } => println!(
            "item {item}: NOT sent: an earlier send was interrupted and may have delivered it as \
             <{message_id}>; check, then run send with --mark-sent {item} or --retry {item}"
        ),
    }
}

fn reminders(a: RemindersArgs) -> Result<i32> {
    let opts = ReminderOptions {
        today: a.as_of.unwrap_or_else(|| chrono::Utc::now().date_naive()),
        include_closed: a.all,
    };
    let run = runtime()?.block_on(async {
        let store = a.db.open().await?;
        let run = reminder_run(&store, opts).await;
        store.close().await;
        anyhow::Ok(run?)
    })?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    for InvoiceChase {
        invoice: inv,
        verdict,
    } in &run.invoices
    {
        if matches!(verdict, Chase::Held { .. }) && !a.all {
            continue;
        }
        match a.format {
            ItemsFormat::Jsonl => {
                let mut line = serde_json::json!({
                    "invoice": inv.number, "client": inv.client_id, "amount": crate::domain::money::plain(inv.amount),
                    "currency": inv.currency, "due_date": inv.due_date,
                });
                if let (Some(o), Ok(serde_json::Value::Object(v))) =
                    (line.as_object_mut(), serde_json::to_value(verdict))
                {
                    o.extend(v);
                }
                writeln!(out, "{line}")?;
            }
            ItemsFormat::Table => {
                let what = match verdict {
                    Chase::Due { days_overdue } => format!("DUE, {days_overdue} days overdue"),
                    Chase::Held { reason } => format!("held: {reason}"),
                };
                writeln!(
                    out,
                    "{:<12} {:<10} {:>12} {} due {}  {what}",
                    inv.number, inv.client_id, inv.amount, inv.currency, inv.due_date
                )?;
            }
        }
    }
    if a.format == ItemsFormat::Table {
        writeln!(
            out,
            "{} invoices to remind on {}, {} held back",
            run.due(),
            run.today,
            run.held()
        )?;
    }
    out.flush()?;
    Ok(0)
}

fn close(a: CloseArgs) -> Result<i32> {
    runtime()?.block_on(async {
        let store = a.db.open().await?;
        let r = store.close_item(a.id, &a.by).await;
        store.close().await;
        r?;
        println!("item {} closed by {}", a.id, a.by.trim());
        Ok(0)
    })
}

fn audit_verify(a: AuditVerifyArgs) -> Result<i32> {
    let anchor =
        match &a.anchor {
            Some(path) if path.exists() => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                Some(AuditAnchor::parse(&text).with_context(|| {
                    format!("{} does not hold \"<seq> <hash>\"", path.display())
                })?)
            }
            _ => None,
        };
    let report = runtime()?.block_on(async {
        let store = a.db.open().await?;
        let r = store.verify_audit_anchored(anchor.as_ref()).await;
        store.close().await;
        anyhow::Ok(r?)
    })?;
    match &report.problem {
        None => {
            println!(
                "audit log intact: {} rows, head {}",
                report.rows, report.head
            );
            if let Some(path) = &a.anchor
                && report.rows > 0
            {
                let head = AuditAnchor {
                    seq: report.rows as i64,
                    hash: report.head.clone(),
                };
                std::fs::write(path, format!("{head}\n"))
                    .with_context(|| format!("writing {}", path.display()))?;
                println!("anchor {} now holds row {}", path.display(), head.seq);
            }
            Ok(0)
        }
        Some(p) => {
            println!(
                "audit log BROKEN at row {} ({}): {}",
                p.seq, p.kind, p.detail
            );
            Ok(1)
        }
    }
}

fn kpis(a: KpisArgs) -> Result<i32> {
    let today = chrono::Utc::now().date_naive();
    let k = runtime()?.block_on(async {
        let store = a.db.open().await?;
        let inputs = store.kpi_inputs().await;
        store.close().await;
        let window = KpiWindow {
            from: a.from,
            to: a.to,
        };
        anyhow::Ok(compute_kpis(&inputs?, window, today))
    })?;
    match a.format {
        KpisFormat::Json => println!("{}", serde_json::to_string_pretty(&k)?),
        KpisFormat::Table => print!("{}", kpis_table(&k)),
    }
    Ok(0)
}
