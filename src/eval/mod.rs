//! Evaluation: scores the model's predictions on a labelled set against the
//! spec's metrics (`shared/spec/labels.md`, "Metrics"), scores the keyword
//! baseline on the same replies, and writes `report.json`, a self-contained
//! `report.html` and a terminal summary.
//!
//! * [`metrics`](crate::eval::metrics): the arithmetic, as pure functions over plain inputs.
//! * [`baseline`](crate::eval::baseline): the keyword baseline the model is measured against.
//! * [`report`](crate::eval::report): the HTML report with inline SVG plots.
//!
//! Flow: the CLI loads the data and runs the model, then calls
//! [`evaluate`](crate::eval::evaluate), [`write_report`](crate::eval::write_report)
//! and [`summary_table`](crate::eval::summary_table).

pub mod baseline;
pub mod facts;
pub mod metrics;
pub mod report;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::{Label, LabelledReply, Prediction};

pub use baseline::KeywordBaseline;
use metrics::{CLASS_NAMES, ReliabilityBin, RoutingMetrics};

/// Number of equal-width bins for ECE and the reliability diagram (spec: 10).
pub const ECE_BINS: usize = 10;

/// Most misclassified replies listed in the report.
pub const MAX_WORST_ERRORS: usize = 20;

/// Characters of the body shown for each listed error.
pub const EXCERPT_CHARS: usize = 200;

/// Settings of one evaluation run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalOptions {
    /// Scores that count as uncertain for routing (edges included, as in
    /// [`crate::rules::RuleConfig::uncertainty_band`]): a reply with any
    /// label score inside it goes to a human.
    pub uncertainty_band: (f32, f32),
    /// Name of the evaluated model, shown in the report.
    pub model_name: String,
    /// Path of the labelled data, shown in the report.
    pub data_path: String,
}

impl Default for EvalOptions {
    /// The rule table's default band ([`crate::rules::DEFAULT_UNCERTAINTY_BAND`]),
    /// model name `model`, empty data path.
    fn default() -> Self {
        Self {
            uncertainty_band: crate::rules::DEFAULT_UNCERTAINTY_BAND,
            model_name: "model".to_string(),
            data_path: String::new(),
        }
    }
}

/// Why an evaluation or report could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// Nothing to evaluate.
    #[error("no labelled replies to evaluate")]
    Empty,
    /// Predictions do not line up with the data one to one.
    #[error("{predictions} predictions for {data} labelled replies")]
    LengthMismatch {
        /// Number of labelled replies.
        data: usize,
        /// Number of predictions.
        predictions: usize,
    },
    /// A prediction is out of order or for another reply.
    #[error("prediction {index} is for reply {found:?}, expected {expected:?}")]
    IdMismatch {
        /// Position in the data.
        index: usize,
        /// The labelled reply's id.
        expected: String,
        /// The prediction's id.
        found: String,
    },
    /// A prediction lacks the score of one label, so calibration is undefined.
    #[error("prediction for {id:?} has no score for {label}")]
    MissingScore {
        /// Reply id.
        id: String,
        /// The label without a score.
        label: Label,
    },
    /// A score is not a probability.
    #[error("prediction for {id:?} has score {score} for {label}, outside [0, 1]")]
    BadScore {
        /// Reply id.
        id: String,
        /// The label.
        label: Label,
        /// The offending score.
        score: f32,
    },
    /// The uncertainty band is not a sub-interval of [0, 1].
    #[error("uncertainty band ({low}, {high}) must satisfy 0 <= low <= high <= 1")]
    BadBand {
        /// Lower edge.
        low: f32,
        /// Upper edge.
        high: f32,
    },
    /// Reading or writing a report file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Serialising `report.json` failed.
    #[error("cannot serialise the report: {0}")]
    Json(#[from] serde_json::Error),
    /// A case of the fact test set is malformed.
    #[error("bad fact case {0}")]
    BadCase(String),
    /// Rendering the HTML or a plot failed.
    #[error("cannot render the report: {0}")]
    Render(String),
}

/// Everything an evaluation found, as written to `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// When the report was made (RFC 3339, UTC).
    pub generated_at: String,
    /// What was evaluated on.
    pub dataset: DatasetInfo,
    /// The uncertainty band used for routing.
    pub uncertainty_band: (f32, f32),
    /// The evaluated model.
    pub model: SystemMetrics,
    /// The keyword baseline on the same replies.
    pub baseline: SystemMetrics,
    /// The model's worst misclassified replies, worst first (at most
    /// [`MAX_WORST_ERRORS`]); ranked by [`metrics::score_error`].
    pub worst_errors: Vec<ErrorCase>,
    /// Role facts and draft correctness on the fact test set, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facts: Option<facts::FactsReport>,
}

/// The labelled data set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    /// Path as given by the caller.
    pub path: String,
    /// Number of replies.
    pub count: usize,
    /// Replies per language (`en` when the data gives none).
    pub languages: BTreeMap<String, usize>,
}

/// All metrics of one system (model or baseline) on the data set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemMetrics {
    /// Model name (`keyword-baseline` for the baseline).
    pub name: String,
    /// The four labels then `other` (= predicted set empty vs gold set empty).
    pub per_label: Vec<LabelMetrics>,
    /// Mean F1 of the five classes; a class with no support and no
    /// predictions counts as 0.
    pub macro_f1: f64,
    /// Share of replies whose predicted set equals the gold set.
    pub exact_set_accuracy: f64,
    /// Expected calibration error of the per-label scores (10 bins).
    pub ece: f64,
    /// The bins behind `ece`.
    pub reliability: Vec<ReliabilityBin>,
    /// Macro-F1 within each language, over the classes that occur in that
    /// language's gold or predicted sets ([`metrics::macro_f1_present`]).
    pub per_language_macro_f1: BTreeMap<String, f64>,
    /// Label co-occurrence confusion table.
    pub confusion: ConfusionTable,
    /// Draft precision and automation rate under the real rule table
    /// ([`routed_to_draft`]).
    pub routing: RoutingMetrics,
}

impl SystemMetrics {
    /// The headline numbers as (name, what it means, value), in the order the
    /// summary table and the HTML report show them.
    pub fn headline(&self) -> [(&'static str, &'static str, f64); 5] {
        [
            (
                "macro-F1",
                "mean F1 of the four labels and other",
                self.macro_f1,
            ),
            (
                "exact-set accuracy",
                "predicted set equals gold set",
                self.exact_set_accuracy,
            ),
            (
                "ECE",
                "expected calibration error, 10 bins; lower is better",
                self.ece,
            ),
            (
                "draft precision",
                "drafted replies whose labels are all right",
                self.routing.draft_precision,
            ),
            (
                "automation rate",
                "share of replies answered without a human",
                self.routing.automation_rate,
            ),
        ]
    }
}

/// Precision, recall, F1 and counts of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelMetrics {
    /// Label name, or `other`.
    pub label: String,
    /// tp / (tp + fp), 0 when never predicted.
    pub precision: f64,
    /// tp / (tp + fn), 0 when never gold.
    pub recall: f64,
    /// Harmonic mean of precision and recall, 0 when both are 0.
    pub f1: f64,
    /// Replies with this class in the gold set (tp + fn).
    pub support: u64,
    /// Replies with this class in the predicted set (tp + fp).
    pub predicted: u64,
    /// The raw counts.
    pub counts: metrics::Counts,
}

/// Label co-occurrence confusion table; see [`metrics::confusion`] for the
/// exact definition (each reply adds 1 to every (gold class, predicted class)
/// pair of its gold × predicted classes, an empty set being `other`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfusionTable {
    /// Class names of rows (gold) and columns (predicted), `other` last.
    pub labels: Vec<String>,
    /// `counts[gold][predicted]`.
    pub counts: Vec<Vec<u64>>,
}

/// One misclassified reply, for analysts to read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorCase {
    /// Reply id.
    pub id: String,
    /// Reply language.
    pub lang: String,
    /// Gold labels (empty = other).
    pub gold: Vec<Label>,
    /// Predicted labels (empty = other).
    pub predicted: Vec<Label>,
    /// The model's scores.
    pub scores: BTreeMap<Label, f32>,
    /// Σ |score − gold indicator| over the four labels; the ranking key.
    pub error: f64,
    /// The first [`EXCERPT_CHARS`] characters of the body, unescaped.
    pub body_excerpt: String,
}

/// Score `predictions` (same order and ids as `data`) and the keyword baseline
/// on the same data.
///
/// Checks that predictions line up with the data one to one, that every
/// prediction scores all four labels within [0, 1], and that the band lies in
/// [0, 1]; an empty data set is an error.
pub fn evaluate(
    data: &[LabelledReply],
    predictions: &[Prediction],
    opts: &EvalOptions,
) -> Result<EvalReport, EvalError> {
    let (low, high) = opts.uncertainty_band;
    if !(0.0..=1.0).contains(&low) || !(0.0..=1.0).contains(&high) || low > high {
        return Err(EvalError::BadBand { low, high });
    }
    if data.is_empty() {
        return Err(EvalError::Empty);
    }
    if data.len() != predictions.len() {
        return Err(EvalError::LengthMismatch {
            data: data.len(),
            predictions: predictions.len(),
        });
    }
    for (index, (d, p)) in data.iter().zip(predictions).enumerate() {
        if d.reply.id != p.id {
            return Err(EvalError::IdMismatch {
                index,
                expected: d.reply.id.clone(),
                found: p.id.clone(),
            });
        }
    }

    let baseline = KeywordBaseline::new();
    let baseline_predictions: Vec<Prediction> =
        data.iter().map(|d| baseline.predict(&d.reply)).collect();

    let mut languages = BTreeMap::new();
    for d in data {
        *languages.entry(d.language().to_string()).or_insert(0) += 1;
    }

    let model_scores = score_rows(predictions)?;
    let model = score_system(&opts.model_name, data, predictions, &model_scores, opts);
    let baseline_scores = score_rows(&baseline_predictions)?;
    let baseline = score_system(
        baseline::BASELINE_NAME,
        data,
        &baseline_predictions,
        &baseline_scores,
        opts,
    );

    Ok(EvalReport {
        generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        dataset: DatasetInfo {
            path: opts.data_path.clone(),
            count: data.len(),
            languages,
        },
        uncertainty_band: opts.uncertainty_band,
        model,
        baseline,
        worst_errors: worst_errors(data, predictions, &model_scores),
        facts: None,
    })
}

/// Each prediction's scores in [`Label::ALL`] order, checked to be complete
/// and within [0, 1].
fn score_rows(predictions: &[Prediction]) -> Result<Vec<[f32; 4]>, EvalError> {
    predictions
        .iter()
        .map(|p| {
            let mut row = [0.0f32; 4];
            for label in Label::ALL {
                let score = *p
                    .scores
                    .get(&label)
                    .ok_or_else(|| EvalError::MissingScore {
                        id: p.id.clone(),
                        label,
                    })?;
                if !(0.0..=1.0).contains(&score) {
                    return Err(EvalError::BadScore {
                        id: p.id.clone(),
                        label,
                        score,
                    });
                }
                row[label.index()] = score;
            }
            Ok(row)
        })
        .collect()
}

/// Whether the rule table ([`crate::rules::decide`]) answers each reply
/// with a draft, given its prediction. A labelled set has no ledger, so each
/// reply is decided as if it answered our reminder for an ordinary invoice:
/// open, 10 days past due, below the high-value threshold, its client owned
/// by a partner. What the rules then decide depends only on the reply and
/// its labels, scores, evidence and facts — as it does in production for
/// most invoices.
pub fn routed_to_draft(
    data: &[LabelledReply],
    predictions: &[Prediction],
    band: (f32, f32),
) -> Vec<bool> {
    use crate::domain::{Client, Engagement, Invoice, ParsedMessage};
    use crate::rules::{Case, Route, RuleConfig, decide};
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
    let cfg = RuleConfig {
        uncertainty_band: band,
        ..RuleConfig::default()
    };
    let client = Client {
        id: "EVAL".into(),
        name: "Evaluation client".into(),
        domains: Vec::new(),
        contacts: Vec::new(),
        partner: "Engagement Partner".into(),
        partner_email: "partner@ourfirm.example".into(),
        language: None,
    };
    let engagement = Engagement {
        id: "EVAL-E".into(),
        client_id: client.id.clone(),
        name: "Evaluation engagement".into(),
        partner: client.partner.clone(),
        partner_email: client.partner_email.clone(),
        po_number: None,
        hours_cap: None,
        rate_card: Vec::new(),
    };
    let invoice = Invoice {
        number: "EVAL-1".into(),
        client_id: client.id.clone(),
        engagement_id: Some(engagement.id.clone()),
        issue_date: today - chrono::Days::new(40),
        due_date: today - chrono::Days::new(10),
        amount: "1000.00".parse().unwrap(),
        currency: "USD".into(),
        po_number: None,
        status: crate::domain::InvoiceStatus::Open,
        reminder_message_ids: Vec::new(),
        paid_date: None,
    };
    data.iter()
        .zip(predictions)
        .map(|(reply, prediction)| {
            let message = ParsedMessage {
                from: Some(reply.reply.from.clone()),
                subject: reply.reply.subject.clone(),
                date: reply.reply.date.clone(),
                body: reply.reply.body.clone(),
                ..ParsedMessage::default()
            };
            let prepared = crate::text::prepare(reply.reply.clone());
            let case = Case {
                prediction: Some(prediction),
                client: Some(&client),
                engagement: Some(&engagement),
                invoice: Some(&invoice),
                ..Case::new(&message, &prepared, today)
            };
            decide(&case, &cfg).route == Route::Draft
        })
        .collect()
}

/// All metrics of one system, from already validated inputs.
fn score_system(
    name: &str,
    data: &[LabelledReply],
    predictions: &[Prediction],
    scores: &[[f32; 4]],
    opts: &EvalOptions,
) -> SystemMetrics {
    let gold: Vec<Vec<Label>> = data.iter().map(|d| d.labels.clone()).collect();
    let pred: Vec<Vec<Label>> = predictions.iter().map(|p| p.labels.clone()).collect();
    let langs: Vec<&str> = data.iter().map(|d| d.language()).collect();

    let per_label = metrics::class_counts(&gold, &pred)
        .into_iter()
        .zip(CLASS_NAMES)
        .map(|(counts, name)| {
            let prf = metrics::prf(counts);
            LabelMetrics {
                label: name.to_string(),
                precision: prf.precision,
                recall: prf.recall,
                f1: prf.f1,
                support: counts.tp + counts.fn_,
                predicted: counts.tp + counts.fp,
                counts,
            }
        })
        .collect();
    let reliability = metrics::reliability_bins(&gold, scores, ECE_BINS);
    SystemMetrics {
        name: name.to_string(),
        per_label,
        macro_f1: metrics::macro_f1(&gold, &pred),
        exact_set_accuracy: metrics::exact_set_accuracy(&gold, &pred),
        ece: metrics::ece(&reliability),
        reliability,
        per_language_macro_f1: metrics::grouped_macro_f1(&langs, &gold, &pred),
        confusion: ConfusionTable {
            labels: CLASS_NAMES.iter().map(|s| s.to_string()).collect(),
            counts: metrics::confusion(&gold, &pred)
                .iter()
                .map(|row| row.to_vec())
                .collect(),
        },
        routing: metrics::routing(
            &gold,
            &pred,
            &routed_to_draft(data, predictions, opts.uncertainty_band),
        ),
    }
}

/// The model's misclassified replies (predicted set ≠ gold set), worst
/// [`metrics::score_error`] first, ties by id, at most [`MAX_WORST_ERRORS`].
fn worst_errors(
    data: &[LabelledReply],
    predictions: &[Prediction],
    scores: &[[f32; 4]],
) -> Vec<ErrorCase> {
    let mut cases: Vec<ErrorCase> = data
        .iter()
        .zip(predictions)
        .zip(scores)
        .filter(|((d, p), _)| !metrics::same_set(&d.labels, &p.labels))
        .map(|((d, p), s)| ErrorCase {
            id: d.reply.id.clone(),
            lang: d.language().to_string(),
            gold: d.labels.clone(),
            predicted: p.labels.clone(),
            scores: p.scores.clone(),
            error: metrics::score_error(&d.labels, s),
            body_excerpt: d.reply.body.chars().take(EXCERPT_CHARS).collect(),
        })
        .collect();
    cases.sort_by(|a, b| b.error.total_cmp(&a.error).then_with(|| a.id.cmp(&b.id)));
    cases.truncate(MAX_WORST_ERRORS);
    cases
}

/// Write report.json and report.html into `dir` (created if missing).
pub fn write_report(report: &EvalReport, dir: &Path) -> Result<(), EvalError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| EvalError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let json_path = dir.join("report.json");
    let json = serde_json::to_string_pretty(report)?;
    std::fs::write(&json_path, json + "\n").map_err(io(&json_path))?;
    let html_path = dir.join("report.html");
    let html = report::render_html(report)?;
    std::fs::write(&html_path, html).map_err(io(&html_path))?;
    Ok(())
}

/// A plain-text table (model vs baseline, per label P/R/F1, macro-F1,
/// exact-set accuracy, ECE, draft precision, automation rate) for the
/// terminal and the README.
pub fn summary_table(report: &EvalReport) -> String {
    let (m, b) = (&report.model, &report.baseline);
    let label_w = 22;
    // Each system gets three 6-wide columns; the name heads the group.
    let group_w = (3 * 7 - 1)
        .max(m.name.chars().count())
        .max(b.name.chars().count());
    let mut out = String::new();
    let langs: Vec<String> = report
        .dataset
        .languages
        .iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect();
    let _ = writeln!(
        out,
        "{} replies from {} ({}); uncertainty band ({}, {})",
        report.dataset.count,
        if report.dataset.path.is_empty() {
            "<unnamed>"
        } else {
            &report.dataset.path
        },
        langs.join(", "),
        report.uncertainty_band.0,
        report.uncertainty_band.1,
    );
    let _ = writeln!(
        out,
        "{:label_w$}  {:<group_w$}  {:<group_w$}  {:>7}",
        "", m.name, b.name, ""
    );
    let prf_head = format!("{:>6} {:>6} {:>6}", "P", "R", "F1");
    let _ = writeln!(
        out,
        "{:label_w$}  {prf_head:<group_w$}  {prf_head:<group_w$}  {:>7}",
        "label", "support"
    );
    let rule = "-".repeat(label_w + 2 * (group_w + 2) + 7);
    let _ = writeln!(out, "{rule}");
    for (lm, lb) in m.per_label.iter().zip(&b.per_label) {
        let cells =
            |l: &LabelMetrics| format!("{:>6.3} {:>6.3} {:>6.3}", l.precision, l.recall, l.f1);
        let _ = writeln!(
            out,
            "{:label_w$}  {:<group_w$}  {:<group_w$}  {:>7}",
            lm.label,
            cells(lm),
            cells(lb),
            lm.support
        );
    }
    let _ = writeln!(out, "{rule}");
    for ((name, _, vm), (_, _, vb)) in m.headline().into_iter().zip(b.headline()) {
        let _ = writeln!(
            out,
            "{name:label_w$}  {:<group_w$}  {:<group_w$}",
            format!("{vm:>20.3}"),
            format!("{vb:>20.3}"),
        );
    }
    if let Some(f) = &report.facts {
        out.push_str(&facts_table(f));
    }
    // Padding leaves trailing blanks on some lines; drop them.
    out.lines()
        .map(|l| l.trim_end().to_string() + "\n")
        .collect()
}

/// The fact test set's figures as plain text: per-role precision and
/// recall, then draft correctness and automation.
pub fn facts_table(f: &facts::FactsReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\nrole facts on {} ({} replies)", f.path, f.cases);
    let _ = writeln!(
        out,
        "{:22}  {:>6} {:>6} {:>5} {:>5} {:>5}",
        "role", "P", "R", "tp", "fp", "fn"
    );
    for (role, s) in &f.roles {
        let _ = writeln!(
            out,
            "{role:22}  {:>6.3} {:>6.3} {:>5} {:>5} {:>5}",
            s.precision, s.recall, s.true_positives, s.false_positives, s.false_negatives
        );
    }
    let _ = writeln!(
        out,
        "draft correctness       {:.3} ({} of {} drafts right); automation {:.3} ({} of {}); drafts for scope disputes {}",
        f.draft_correctness,
        f.correct_drafts,
        f.drafted,
        f.automation_rate,
        f.automated,
        f.cases,
        f.forbidden_drafts
    );
    out
}
