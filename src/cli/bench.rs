//! `ar-triage bench`: figures printed, nothing asserted. The model alone
//! (throughput, latency, fixed shapes, evidence agreement; measured by
//! [`crate::bench::model`]), or the whole pipeline from raw message to
//! stored decision with its time split by stage.

use std::time::Instant;

use anyhow::{Context, Result, bail};

use super::{BenchArgs, peak_rss_kib, runtime};
use crate::bench::message_files;
use crate::classify::bert::Kernels;
use crate::classify::{PredictOptions, locate_models};
use crate::domain::{PreparedReply, Reply};
use crate::ingest::maildir::MaildirSource;
use crate::jsonl::{InputLine, parse_input_line};
use crate::ledger_csv::{Ledger, LedgerFiles};
use crate::pipeline::{Classifier, IngestOptions, ModelPolicy, Pipeline};
use crate::store::Store;
use crate::text;

/// `ar-triage bench`: the model alone, or with `--pipeline` the whole
/// pipeline.
pub(super) fn bench(a: BenchArgs) -> Result<i32> {
    if a.pipeline {
        return pipeline_bench(&a);
    }
    if a.train_step {
        return train_step_bench(&a);
    }
    use crate::bench::model as mb;
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
    let prepared: Vec<PreparedReply> = replies.into_iter().map(text::prepare).collect();
    let inputs: Vec<String> = prepared.iter().map(PreparedReply::model_input).collect();
    if let Some(path) = &a.texts_out {
        let mut out = String::new();
        for t in &inputs {
            out.push_str(&serde_json::to_string(t)?);
            out.push('\n');
        }
        std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &a.embeddings_out {
        let paths = locate_models(&a.model.search())
            .map_err(|e| anyhow::Error::msg(e.to_string()))?
            .paths();
        let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        let emb = mb::base_embeddings(&paths, &refs, Kernels::Fused)?;
        std::fs::write(path, serde_json::to_string(&emb)?)
            .with_context(|| format!("writing {}", path.display()))?;
        println!(
            "bench: {} embeddings written to {}",
            emb.len(),
            path.display()
        );
        return Ok(0);
    }

    let t_load = Instant::now();
    let clf = a.model.load()?;
    let load_s = t_load.elapsed().as_secs_f64();
    let opts = PredictOptions {
        explain: a.explain,
        occlude_per_label: (a.occlude_per_label > 0).then_some(a.occlude_per_label),
        close_share: a.close_share,
        ..Default::default()
    };
    let throughput = mb::throughput(&clf, &prepared, &opts, a.repeats)?;
    let n_lat = a.latency_replies.min(prepared.len());
    let latency = (n_lat > 0)
        .then(|| mb::latency(&clf, &prepared[..n_lat], &opts))
        .transpose()?;
    let fixed: Vec<mb::FixedShape> = a
        .fixed_tokens
        .iter()
        .map(|&t| mb::fixed_shape(&clf, t, a.batch, a.repeats))
        .collect::<Result<_, _>>()?;
    let rss_mib = peak_rss_kib().map(|k| k as f64 / 1024.0);
    // After the peak RSS is read: the full-occlusion run is not what is timed.
    let agreement = (a.explain && a.agreement)
        .then(|| mb::explain_agreement(&clf, &prepared, &opts))
        .transpose()?;

    println!(
        "bench: classify{} on {}",
        if a.explain { " (with evidence)" } else { "" },
        a.data.display()
    );
    println!("  replies         {}", throughput.replies);
    println!(
        "  threads         {}",
        candle_core::utils::get_num_threads()
    );
    println!("  model load      {load_s:.2} s");
    let walls: Vec<String> = throughput
        .wall_s
        .iter()
        .map(|s| format!("{s:.2}"))
        .collect();
    println!("  wall            {} s", walls.join(" / "));
    println!(
        "  throughput      {:.1} replies/s (median of {})",
        throughput.replies_per_s,
        walls.len()
    );
    if let Some(l) = &latency {
        println!(
            "  latency         p50 {:.1} ms, p99 {:.1} ms (one reply at a time, {} replies)",
            l.p50_ms, l.p99_ms, l.replies
        );
    }
    for f in &fixed {
        println!(
            "  fixed {:>3} tok   {:.1} sequences/s (batch {})",
            f.tokens, f.sequences_per_s, f.batch
        );
    }
    if let Some(g) = &agreement {
        println!(
            "  evidence        strongest sentence as with every sentence occluded: {}/{} ({:.1} %)",
            g.same_top,
            g.explained,
            g.share * 100.0
        );
    }
    match rss_mib {
        Some(m) => println!("  peak RSS        {m:.1} MiB"),
        None => println!("  peak RSS        unknown (no /proc/self/status)"),
    }
    if let Some(path) = &a.json {
        let figures = serde_json::json!({
            "data": a.data.display().to_string(),
            "threads": candle_core::utils::get_num_threads(),
            "model_load_s": load_s,
            "throughput": throughput,
            "latency": latency,
            "fixed": fixed,
            "peak_rss_mib": rss_mib,
            "evidence_agreement": agreement,
        });
        std::fs::write(path, serde_json::to_string_pretty(&figures)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(0)
}

/// `bench --train-step`: the median training step at one fixed shape.
fn train_step_bench(a: &BenchArgs) -> Result<i32> {
    let paths = locate_models(&a.model.search())
        .map_err(|e| anyhow::Error::msg(e.to_string()))?
        .paths();
    let tok = crate::classify::tokenize::TextTokenizer::load(
        &paths.base.join("tokenizer.json"),
        Default::default(),
    )?;
    let window = crate::bench::model::filler_window(&tok, a.train_tokens)?;
    let t = crate::train::time_steps(&paths.base, &window, a.train_batch, a.train_steps)?;
    println!(
        "bench: training step, {} sequences of {} tokens, layers {}.. trained",
        t.batch, t.tokens, t.trained_from_layer
    );
    println!(
        "  threads         {}",
        candle_core::utils::get_num_threads()
    );
    println!(
        "  step            {:.1} ms (median of {})",
        t.step_ms_p50, t.steps
    );
    println!("  throughput      {:.1} sequences/s", t.sequences_per_s);
    if let Some(path) = &a.json {
        std::fs::write(path, serde_json::to_string_pretty(&t)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(0)
}

/// `bench --pipeline`: every message of `a.messages` through the real
/// pipeline (reader children, the model thread with explanations, the
/// rules, SQLite), `a.rounds` times, each into a fresh database with the
/// ledger imported; prints messages per second and the stage split.
fn pipeline_bench(a: &BenchArgs) -> Result<i32> {
    let mut files = Vec::new();
    for dir in &a.messages {
        message_files(dir, &mut files).with_context(|| format!("reading {}", dir.display()))?;
    }
    files.sort();
    if files.is_empty() {
        bail!("no messages under {:?}", a.messages);
    }
    let ledger_dir = &a.ledger;
    let ledger = Ledger::load(&LedgerFiles {
        clients: &ledger_dir.join("clients.csv"),
        invoices: &ledger_dir.join("invoices.csv"),
        engagements: Some(&ledger_dir.join("engagements.csv")),
        invoice_lines: Some(&ledger_dir.join("invoice_lines.csv")),
    })?;
    let reader = a.reader.reader()?;
    let loaded = Classifier::load(&a.model.search(), a.model.gpu, ModelPolicy::Require)
        .map_err(|e| anyhow::Error::msg(e.explain()))?;
    let work = std::env::temp_dir().join(format!("ar-triage-bench-{}", std::process::id()));
    let rounds = a.rounds.max(1);
    let mut stage_s = vec![0f64; crate::metrics::Stage::ALL.len()];
    let mut wall_s = Vec::with_capacity(rounds);
    let mut stored = 0;
    runtime()?.block_on(async {
        for round in 0..rounds {
            let dir = work.join(format!("round-{round}"));
            for sub in ["new", "cur", "tmp"] {
                std::fs::create_dir_all(dir.join("inbox").join(sub))?;
            }
            for (i, f) in files.iter().enumerate() {
                std::fs::copy(f, dir.join("inbox/new").join(format!("{i:05}.bench")))
                    .with_context(|| format!("copying {}", f.display()))?;
            }
            let store =
                Store::connect(&format!("sqlite://{}", dir.join("bench.db").display())).await?;
            store.import_ledger(&ledger).await?;
            let pipeline = Pipeline::new(store.clone(), loaded.classifier.clone())
                .with_reader(reader.clone())
                .with_thresholds(loaded.thresholds.clone());
            let mut source = MaildirSource::open(dir.join("inbox"))?;
            let (_keep, stop) = tokio::sync::watch::channel(false);
            let started = Instant::now();
            let report = pipeline
                .run(&mut source, &IngestOptions::default(), stop)
                .await?;
            wall_s.push(started.elapsed().as_secs_f64());
            stored += report.stored;
            for (acc, (_, s)) in stage_s.iter_mut().zip(pipeline.metrics().stages.seconds()) {
                *acc += s;
            }
            store.close().await;
        }
        anyhow::Ok(())
    })?;
    let _ = std::fs::remove_dir_all(&work);
    let messages = files.len() * rounds;
    let wall: f64 = wall_s.iter().sum();
    println!(
        "bench: pipeline, raw message to stored decision ({} reader, explanations on)",
        if a.reader.no_sandbox {
            "in-process"
        } else {
            "sandboxed"
        }
    );
    println!(
        "  messages        {messages} ({} files x {rounds} rounds), {stored} items stored",
        files.len()
    );
    println!(
        "  threads         {}",
        candle_core::utils::get_num_threads()
    );
    println!("  wall            {wall:.2} s");
    println!("  throughput      {:.1} messages/s", messages as f64 / wall);
    println!("  stage           seconds  ms/message  share (summed over messages)");
    let total: f64 = stage_s.iter().sum();
    for (stage, s) in crate::metrics::Stage::ALL.iter().zip(&stage_s) {
        println!(
            "    {:<13} {s:>8.2}  {:>10.2}  {:>5.1} %",
            stage.name(),
            s * 1e3 / messages as f64,
            if total > 0.0 { s / total * 100.0 } else { 0.0 }
        );
    }
    if let Some(kib) = peak_rss_kib() {
        println!(
            "  peak RSS        {:.1} MiB (this process; readers are children)",
            kib as f64 / 1024.0
        );
    }
    if let Some(path) = &a.json {
        let stages: serde_json::Map<String, serde_json::Value> = crate::metrics::Stage::ALL
            .iter()
            .zip(&stage_s)
            .map(|(st, s)| (st.name().to_string(), serde_json::json!(s)))
            .collect();
        let figures = serde_json::json!({
            "messages": messages,
            "rounds": rounds,
            "stored": stored,
            "wall_s": wall_s,
            "messages_per_s": messages as f64 / wall,
            "stage_seconds": stages,
            "sandboxed": !a.reader.no_sandbox,
        });
        std::fs::write(path, serde_json::to_string_pretty(&figures)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(0)
}
