//! What the pipeline counts while it runs (stored, duplicates, errors by
//! kind), how long the model takes and how late mail is ingested, in a
//! form `/metrics` renders as Prometheus text.
//!
//! One [`PipelineMetrics`] is shared (behind an `Arc`) by every clone of a
//! pipeline and by the web service that reports it; counters are atomics,
//! so recording never blocks.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// A Prometheus histogram with fixed bucket bounds (in seconds).
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    /// Observations at or below each bound (not cumulative; summed when
    /// rendered).
    buckets: Vec<AtomicU64>,
    count: AtomicU64,
    /// Sum of observations in microseconds.
    sum_micros: AtomicU64,
}

impl Histogram {
    /// A histogram over `bounds`, ascending.
    pub fn new(bounds: &'static [f64]) -> Histogram {
        Histogram {
            bounds,
            buckets: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum_micros: AtomicU64::new(0),
        }
    }

    /// Records one observation of `seconds` (negative counts as 0).
    pub fn observe(&self, seconds: f64) {
        let s = if seconds.is_finite() {
            seconds.max(0.0)
        } else {
            0.0
        };
        if let Some(i) = self.bounds.iter().position(|b| s <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add((s * 1e6).min(u64::MAX as f64) as u64, Ordering::Relaxed);
    }

    /// How many observations were recorded.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Appends the histogram as Prometheus text under `name`.
    pub fn render(&self, name: &str, help: &str, out: &mut String) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (b, n) in self.bounds.iter().zip(&self.buckets) {
            cumulative += n.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{b}\"}} {cumulative}");
        }
        let count = self.count();
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(
            out,
            "{name}_sum {}",
            self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(out, "{name}_count {count}");
    }
}

/// Seconds a model call may take, from a short reply on a GPU to a full
/// batch on a small CPU.
const CLASSIFY_BOUNDS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Seconds from a message reaching the mailbox to its item being stored.
const LAG_BOUNDS: &[f64] = &[
    1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 14400.0, 86400.0, 604800.0,
];

/// The stages a message passes through, as the stage split names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// MIME parsing, headers and body text (attachments excluded).
    Parse,
    /// Reading attachments and their facts.
    Attachments,
    /// The client's own text, sentences, language and facts.
    Extraction,
    /// Linking to a client and invoice.
    Link,
    /// The model: labels, scores and evidence.
    Model,
    /// The rules: route, draft, effects.
    Rules,
    /// Writing the item (and the reads the decision needs).
    Store,
}

impl Stage {
    /// Every stage, in pipeline order.
    pub const ALL: [Stage; 7] = [
        Stage::Parse,
        Stage::Attachments,
        Stage::Extraction,
        Stage::Link,
        Stage::Model,
        Stage::Rules,
        Stage::Store,
    ];

    /// Its name in `/metrics` and in `bench --pipeline`.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Parse => "parse",
            Stage::Attachments => "attachments",
            Stage::Extraction => "extraction",
            Stage::Link => "link",
            Stage::Model => "model",
            Stage::Rules => "rules",
            Stage::Store => "store",
        }
    }
}

/// Time spent per stage, summed over messages (reading runs in parallel
/// reader children and the model on its own thread, so the stages can add
/// up to more than the wall time).
#[derive(Debug, Default)]
pub struct StageTimes {
    micros: [AtomicU64; 7],
}

impl StageTimes {
    /// Adds `seconds` to `stage`.
    pub fn add(&self, stage: Stage, seconds: f64) {
        let i = Stage::ALL.iter().position(|s| *s == stage).unwrap_or(0);
        let us = (seconds.max(0.0) * 1e6).min(u64::MAX as f64) as u64;
        self.micros[i].fetch_add(us, Ordering::Relaxed);
    }

    /// Seconds per stage, in pipeline order.
    pub fn seconds(&self) -> Vec<(Stage, f64)> {
        Stage::ALL
            .iter()
            .zip(&self.micros)
            .map(|(s, m)| (*s, m.load(Ordering::Relaxed) as f64 / 1e6))
            .collect()
    }
}

/// The pipeline's counters and histograms.
#[derive(Debug)]
pub struct PipelineMetrics {
    /// Seconds per call to the model thread (a batch of replies).
    pub classify_seconds: Histogram,
    /// Seconds from a message's arrival in the mailbox (the Maildir file's
    /// time, IMAP's INTERNALDATE, else its Date header) to its item being
    /// stored.
    pub ingest_lag_seconds: Histogram,
    /// Items stored.
    pub stored: AtomicU64,
    /// Messages skipped as already stored.
    pub duplicates: AtomicU64,
    /// Fetches from the source that failed (retried after the poll interval).
    pub fetch_errors: AtomicU64,
    /// Replies stored unclassified because the model failed or is missing.
    pub classify_errors: AtomicU64,
    /// Messages stored with parsing or attachment problems.
    pub parse_problems: AtomicU64,
    /// Stored messages the source could not be told about.
    pub ack_failures: AtomicU64,
    /// Store errors: retried, quarantining a message, or stopping a run.
    pub store_errors: AtomicU64,
    /// Messages stored as `quarantined` (earlier runs died on them, or
    /// storing them failed) without being read again.
    pub quarantined: AtomicU64,
    /// Requests turned away because the model's queue was full (429).
    pub model_busy: AtomicU64,
    /// Unix time of the last item stored (0: none yet).
    pub last_stored_unix: AtomicU64,
    /// Time per stage, summed over messages.
    pub stages: StageTimes,
}

impl Default for PipelineMetrics {
    fn default() -> Self {
        PipelineMetrics {
            classify_seconds: Histogram::new(CLASSIFY_BOUNDS),
            ingest_lag_seconds: Histogram::new(LAG_BOUNDS),
            stored: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            fetch_errors: AtomicU64::new(0),
            classify_errors: AtomicU64::new(0),
            parse_problems: AtomicU64::new(0),
            ack_failures: AtomicU64::new(0),
            store_errors: AtomicU64::new(0),
            quarantined: AtomicU64::new(0),
            model_busy: AtomicU64::new(0),
            last_stored_unix: AtomicU64::new(0),
            stages: StageTimes::default(),
        }
    }
}

/// Adds one to a counter.
pub fn inc(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl PipelineMetrics {
    /// Appends every figure as Prometheus text.
    pub fn render(&self, out: &mut String) {
        self.classify_seconds.render(
            "ar_triage_classify_seconds",
            "Seconds per call to the model thread (one batch of replies).",
            out,
        );
        self.ingest_lag_seconds.render(
            "ar_triage_ingest_lag_seconds",
            "Seconds from a message's arrival in the mailbox to its item being stored.",
            out,
        );
        for (name, help, v) in [
            (
                "ar_triage_items_stored_total",
                "Items stored by the pipeline.",
                &self.stored,
            ),
            (
                "ar_triage_duplicates_total",
                "Messages skipped as already stored.",
                &self.duplicates,
            ),
            (
                "ar_triage_fetch_errors_total",
                "Fetches from the inbox that failed.",
                &self.fetch_errors,
            ),
            (
                "ar_triage_classify_errors_total",
                "Replies stored unclassified because the model failed or is missing.",
                &self.classify_errors,
            ),
            (
                "ar_triage_parse_problems_total",
                "Messages stored with parsing or attachment problems.",
                &self.parse_problems,
            ),
            (
                "ar_triage_ack_failures_total",
                "Stored messages the inbox could not be told about.",
                &self.ack_failures,
            ),
            (
                "ar_triage_store_errors_total",
                "Store errors: retried, quarantining a message, or stopping an ingest run.",
                &self.store_errors,
            ),
            (
                "ar_triage_quarantined_total",
                "Messages stored as quarantined without being read again.",
                &self.quarantined,
            ),
            (
                "ar_triage_model_busy_total",
                "Requests turned away because the model's queue was full.",
                &self.model_busy,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                v.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP ar_triage_stage_seconds_total Seconds spent per pipeline stage, summed over messages.\n\
             # TYPE ar_triage_stage_seconds_total counter"
        );
        for (stage, secs) in self.stages.seconds() {
            let _ = writeln!(
                out,
                "ar_triage_stage_seconds_total{{stage=\"{}\"}} {secs}",
                stage.name()
            );
        }
        let _ = writeln!(
            out,
            "# HELP ar_triage_last_stored_timestamp_seconds Unix time of the last item stored (0: none).\n\
             # TYPE ar_triage_last_stored_timestamp_seconds gauge\n\
             ar_triage_last_stored_timestamp_seconds {}",
            self.last_stored_unix.load(Ordering::Relaxed)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_renders_cumulative_buckets_sum_and_count() {
        let h = Histogram::new(&[0.1, 1.0]);
        for s in [0.05, 0.5, 0.5, 3.0, -1.0] {
            h.observe(s);
        }
        let mut out = String::new();
        h.render("t_seconds", "test", &mut out);
        assert!(out.contains("t_seconds_bucket{le=\"0.1\"} 2\n"), "{out}");
        assert!(out.contains("t_seconds_bucket{le=\"1\"} 4\n"), "{out}");
        assert!(out.contains("t_seconds_bucket{le=\"+Inf\"} 5\n"), "{out}");
        assert!(out.contains("t_seconds_sum 4.05\n"), "{out}");
        assert!(out.contains("t_seconds_count 5\n"), "{out}");
    }

    #[test]
    fn stage_times_add_up_and_render_per_stage() {
        let m = PipelineMetrics::default();
        m.stages.add(Stage::Model, 0.25);
        m.stages.add(Stage::Model, 0.5);
        m.stages.add(Stage::Store, 0.125);
        let secs = m.stages.seconds();
        assert_eq!(secs.len(), Stage::ALL.len());
        assert_eq!(secs[4], (Stage::Model, 0.75));
        let mut out = String::new();
        m.render(&mut out);
        assert!(
            out.contains("ar_triage_stage_seconds_total{stage=\"model\"} 0.75\n"),
            "{out}"
        );
        assert!(
            out.contains("ar_triage_stage_seconds_total{stage=\"store\"} 0.125\n"),
            "{out}"
        );
        assert!(
            out.contains("ar_triage_stage_seconds_total{stage=\"parse\"} 0\n"),
            "{out}"
        );
    }
}
