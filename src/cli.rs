//! The command line: subcommands, their options, and what each one runs.
//!
//! Every subcommand builds its own explicit options from the parsed flags and
//! calls into the library; nothing here holds state between commands.

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use crate::classify::bert::pick_device;
use crate::classify::{ModelPaths, PredictOptions, ReplyClassifier, predict};
use crate::domain::Reply;
use crate::eval::{EvalOptions, evaluate, summary_table, write_report};
use crate::jsonl::{InputLine, data_files, parse_input_line, read_labelled};
use crate::train::{TrainConfig, train};

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
}

/// Where the models are.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Folder holding `all-MiniLM-L6-v2/` (from scripts/fetch-model) and `ar-triage/` (trained).
    #[arg(long, env = "AR_TRIAGE_MODELS", default_value = "models")]
    pub models: PathBuf,
    /// Run the model on the first CUDA GPU when built with `--features cuda`.
    #[arg(long)]
    pub gpu: bool,
}

impl ModelArgs {
    fn load(&self) -> Result<ReplyClassifier> {
        let device = pick_device(self.gpu);
        ReplyClassifier::load(&ModelPaths::under(&self.models), &device).with_context(|| {
            format!(
                "loading the classifier from {} (run scripts/fetch-model first)",
                self.models.display()
            )
        })
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
    /// Scores strictly inside this band (low,high) count as uncertain for routing.
    #[arg(long, default_value = "0.35,0.65", value_parser = parse_band)]
    pub band: (f32, f32),
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
        Command::Bench(a) => bench(a),
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
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn bench(a: BenchArgs) -> Result<i32> {
    let t_load = Instant::now();
    let clf = a.model.load()?;
    let load_s = t_load.elapsed().as_secs_f64();
    let mut replies: Vec<Reply> = Vec::new();
    let text = std::fs::read_to_string(&a.data)
        .with_context(|| format!("reading {}", a.data.display()))?;
    for (n, line) in text.lines().enumerate() {
        if let InputLine::Reply(r) = parse_input_line(line, n + 1) {
            replies.push(r);
        }
    }
    if let Some(limit) = a.limit {
        replies.truncate(limit);
    }
    if replies.is_empty() {
        bail!("no replies in {}", a.data.display());
    }
    let opts = PredictOptions {
        explain: a.explain,
        ..Default::default()
    };
    // Warm-up on a few replies so lazy initialisation is not timed.
    predict(&clf, &replies[..replies.len().min(4)], &opts)?;
    let t = Instant::now();
    for chunk in replies.chunks(CHUNK) {
        predict(&clf, chunk, &opts)?;
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "bench: classify{} on {}",
        if a.explain { " (with evidence)" } else { "" },
        a.data.display()
    );
    println!("  replies         {}", replies.len());
    println!("  model load      {load_s:.2} s");
    println!("  wall            {secs:.2} s");
    println!(
        "  throughput      {:.1} replies/s",
        replies.len() as f64 / secs
    );
    match peak_rss_kib() {
        Some(kib) => println!("  peak RSS        {:.1} MiB", kib as f64 / 1024.0),
        None => println!("  peak RSS        unknown (no /proc/self/status)"),
    }
    Ok(0)
}
