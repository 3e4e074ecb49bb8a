//! The analyst-facing HTML report: one self-contained file (inline CSS and
//! SVG, no scripts, fonts or links to fetch) with the headline numbers, the
//! per-label table, plots made with `plotters`, the confusion tables as shaded
//! HTML tables, per-language macro-F1 and the model's worst errors.
//!
//! Every string that comes from data (ids, bodies, language codes, model
//! names) goes through minijinja's HTML autoescaping; the only raw insertions
//! are the SVG plots, whose text `plotters` escapes itself.

use minijinja::Environment;
use plotters::prelude::*;
use serde::Serialize;

use super::metrics::{CLASS_NAMES, N_CLASSES};
use super::{EvalError, EvalReport, LabelMetrics, SystemMetrics};
use crate::domain::{Label, OTHER};

/// Colour of the model in plots.
const MODEL_COLOUR: RGBColor = RGBColor(31, 119, 180);
/// Colour of the baseline in plots.
const BASELINE_COLOUR: RGBColor = RGBColor(255, 127, 14);

/// Render the whole report as one HTML document.
pub fn render_html(report: &EvalReport) -> Result<String, EvalError> {
    let view = View::new(report)?;
    let mut env = Environment::new();
    // The `.html` name turns on HTML autoescaping.
    env.add_template("report.html", TEMPLATE)
        .map_err(|e| EvalError::Render(e.to_string()))?;
    env.get_template("report.html")
        .and_then(|t| t.render(&view))
        .map_err(|e| EvalError::Render(e.to_string()))
}

/// Everything the template shows, already formatted.
#[derive(Serialize)]
struct View {
    generated_at: String,
    data_path: String,
    count: usize,
    languages: String,
    band: String,
    model_name: String,
    baseline_name: String,
    headline: Vec<HeadlineRow>,
    per_label: Vec<LabelRow>,
    f1_svg: String,
    reliability_svg: String,
    confusions: Vec<ConfusionView>,
    per_language: Vec<LanguageRow>,
    errors: Vec<ErrorRow>,
}

#[derive(Serialize)]
struct HeadlineRow {
    name: &'static str,
    help: &'static str,
    model: String,
    baseline: String,
}

#[derive(Serialize)]
struct LabelRow {
    label: String,
    support: u64,
    model: [String; 3],
    baseline: [String; 3],
}

#[derive(Serialize)]
struct ConfusionView {
    name: String,
    columns: Vec<&'static str>,
    rows: Vec<ConfusionRow>,
}

#[derive(Serialize)]
struct ConfusionRow {
    label: &'static str,
    cells: Vec<ConfusionCell>,
}

#[derive(Serialize)]
struct ConfusionCell {
    count: u64,
    /// Background opacity: the cell's share of its row, as a CSS number.
    alpha: String,
    /// True when the background is dark enough to need white text.
    dark: bool,
    diagonal: bool,
}

#[derive(Serialize)]
struct LanguageRow {
    lang: String,
    count: usize,
    model: String,
    baseline: String,
}

#[derive(Serialize)]
struct ErrorRow {
    id: String,
    lang: String,
    gold: String,
    predicted: String,
    scores: String,
    excerpt: String,
}

fn f3(x: f64) -> String {
    format!("{x:.3}")
}

fn label_set(labels: &[Label]) -> String {
    if labels.is_empty() {
        OTHER.to_string()
    } else {
        labels
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl View {
    fn new(r: &EvalReport) -> Result<Self, EvalError> {
        let (m, b) = (&r.model, &r.baseline);
        let headline = m
            .headline()
            .into_iter()
            .zip(b.headline())
            .map(|((name, help, vm), (_, _, vb))| HeadlineRow {
                name,
                help,
                model: f3(vm),
                baseline: f3(vb),
            })
            .collect();
        let prf = |l: &LabelMetrics| [f3(l.precision), f3(l.recall), f3(l.f1)];
        let per_label = m
            .per_label
            .iter()
            .zip(&b.per_label)
            .map(|(lm, lb)| LabelRow {
                label: lm.label.clone(),
                support: lm.support,
                model: prf(lm),
                baseline: prf(lb),
            })
            .collect();
        let per_language = r
            .dataset
            .languages
            .iter()
            .map(|(lang, &count)| LanguageRow {
                lang: lang.clone(),
                count,
                model: m
                    .per_language_macro_f1
                    .get(lang)
                    .copied()
                    .map_or_else(String::new, f3),
                baseline: b
                    .per_language_macro_f1
                    .get(lang)
                    .copied()
                    .map_or_else(String::new, f3),
            })
            .collect();
        let errors = r
            .worst_errors
            .iter()
            .map(|e| ErrorRow {
                id: e.id.clone(),
                lang: e.lang.clone(),
                gold: label_set(&e.gold),
                predicted: label_set(&e.predicted),
                scores: e
                    .scores
                    .iter()
                    .map(|(l, s)| format!("{l} {s:.2}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                excerpt: e.body_excerpt.clone(),
            })
            .collect();
        Ok(View {
            generated_at: r.generated_at.clone(),
            data_path: r.dataset.path.clone(),
            count: r.dataset.count,
            languages: r
                .dataset
                .languages
                .iter()
                .map(|(l, n)| format!("{l} {n}"))
                .collect::<Vec<_>>()
                .join(", "),
            band: format!("({}, {})", r.uncertainty_band.0, r.uncertainty_band.1),
            model_name: m.name.clone(),
            baseline_name: b.name.clone(),
            headline,
            per_label,
            f1_svg: f1_bars_svg(m, b)?,
            reliability_svg: reliability_svg(m, b)?,
            confusions: vec![confusion_view(m), confusion_view(b)],
            per_language,
            errors,
        })
    }
}

/// Shade each cell by its share of the row, so rows of rare labels read as
/// clearly as rows of common ones.
fn confusion_view(s: &SystemMetrics) -> ConfusionView {
    let rows = s
        .confusion
        .counts
        .iter()
        .zip(CLASS_NAMES)
        .enumerate()
        .map(|(g, (row, label))| {
            let total: u64 = row.iter().sum();
            let cells = row
                .iter()
                .enumerate()
                .map(|(p, &count)| {
                    let share = super::metrics::ratio(count as f64, total as f64);
                    ConfusionCell {
                        count,
                        alpha: format!("{:.2}", 0.85 * share),
                        dark: share > 0.55,
                        diagonal: g == p,
                    }
                })
                .collect();
            ConfusionRow { label, cells }
        })
        .collect();
    ConfusionView {
        name: s.name.clone(),
        columns: CLASS_NAMES.to_vec(),
        rows,
    }
}

fn plot_err<E: std::fmt::Display>(e: E) -> EvalError {
    EvalError::Render(format!("plot: {e}"))
}

/// Grouped bars: per-class F1, model next to baseline.
fn f1_bars_svg(m: &SystemMetrics, b: &SystemMetrics) -> Result<String, EvalError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (820, 380)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        // Integer x coordinates: class i spans [20i, 20i + 20), its name sits
        // at the centre, the model's bar left of it and the baseline's right.
        const SLOT: i32 = 20;
        let centres: Vec<i32> = (0..N_CLASSES as i32).map(|i| i * SLOT + SLOT / 2).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption("F1 per label", ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(48)
            .build_cartesian_2d(
                (0..N_CLASSES as i32 * SLOT).with_key_points(centres),
                // Head-room above 1.0 for the legend.
                0.0..1.35f64,
            )
            .map_err(plot_err)?;
        let tick = |y: &f64| {
            if *y <= 1.0 + 1e-9 {
                format!("{y:.1}")
            } else {
                String::new()
            }
        };
        let name_of = |x: &i32| {
            let i = usize::try_from(x / SLOT).unwrap_or(usize::MAX);
            CLASS_NAMES
                .get(i)
                .map_or_else(String::new, |s| s.to_string())
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .x_label_formatter(&name_of)
            .y_label_formatter(&tick)
            .y_desc("F1")
            .y_labels(7)
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(plot_err)?;
        for (system, colour, offset) in [(m, MODEL_COLOUR, 2), (b, BASELINE_COLOUR, SLOT / 2)] {
            chart
                .draw_series(system.per_label.iter().zip(0..).map(|(l, i)| {
                    let x0 = i * SLOT + offset;
                    Rectangle::new([(x0, 0.0), (x0 + SLOT / 2 - 2, l.f1)], colour.filled())
                }))
                .map_err(plot_err)?
                .label(system.name.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// Reliability diagram: mean score vs observed fraction positive per
/// non-empty bin, for both systems, with the diagonal of perfect calibration.
fn reliability_svg(m: &SystemMetrics, b: &SystemMetrics) -> Result<String, EvalError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (520, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Reliability (per-label scores)", ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(52)
            .build_cartesian_2d(0.0..1.0f64, 0.0..1.0f64)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("mean predicted score")
            .y_desc("fraction positive")
            .x_labels(6)
            .y_labels(6)
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(plot_err)?;
        let grey = BLACK.mix(0.45);
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, 0.0), (1.0, 1.0)],
                6,
                4,
                grey.stroke_width(1),
            ))
            .map_err(plot_err)?
            .label("perfect calibration")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], grey));
        for (system, colour) in [(m, MODEL_COLOUR), (b, BASELINE_COLOUR)] {
            let points: Vec<(f64, f64)> = system
                .reliability
                .iter()
                .filter(|bin| bin.count > 0)
                .map(|bin| (bin.mean_score, bin.fraction_positive))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))
                .map_err(plot_err)?
                .label(format!("{} (ECE {:.3})", system.name, system.ece))
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 14, y)], colour.stroke_width(2))
                });
            chart
                .draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 4, colour.filled())),
                )
                .map_err(plot_err)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

const TEMPLATE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ar-triage evaluation: {{ model_name }}</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.5rem; margin-bottom: .2rem; }
  h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
  .meta { color: #555; font-size: .9rem; }
  table { border-collapse: collapse; margin: .6rem 0; font-size: .92rem; }
  th, td { border: 1px solid #ddd; padding: .3rem .55rem; text-align: right; vertical-align: top; }
  th { background: #f5f5f5; }
  td.name, th.name { text-align: left; }
  .model { color: rgb(31, 119, 180); }
  .baseline { color: rgb(200, 95, 0); }
  .help { color: #666; font-size: .85rem; text-align: left; }
  .plots { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
  .plots svg { max-width: 100%; height: auto; border: 1px solid #eee; }
  td.diag { font-weight: bold; }
  td.darkcell { color: #fff; }
  .excerpt { white-space: pre-wrap; text-align: left; font-family: ui-monospace, monospace; font-size: .8rem; max-width: 480px; }
  .confusions { display: flex; flex-wrap: wrap; gap: 2rem; }
  p.note { color: #555; font-size: .88rem; max-width: 60rem; }
</style>
</head>
<body>
<h1>ar-triage evaluation</h1>
<p class="meta">Model <b class="model">{{ model_name }}</b> vs <b class="baseline">{{ baseline_name }}</b>
on {{ count }} replies from <code>{{ data_path }}</code> ({{ languages }}).
Uncertainty band {{ band }}. Generated {{ generated_at }}.</p>

<h2>Headline</h2>
<table>
<tr><th class="name">metric</th><th class="model">{{ model_name }}</th><th class="baseline">{{ baseline_name }}</th><th class="name">what it means</th></tr>
{% for row in headline %}<tr><td class="name">{{ row.name }}</td><td>{{ row.model }}</td><td>{{ row.baseline }}</td><td class="help">{{ row.help }}</td></tr>
{% endfor %}</table>
<p class="note">Routing runs the service's rule table on each reply and its prediction, as if the reply answered
our reminder for an ordinary open invoice (10 days past due, below the high-value threshold, partner on record);
a reply with a label score inside the uncertainty band (edges included) goes to a person. Draft precision = drafted replies whose predicted set equals the gold set / drafted;
automation rate = drafted / all replies. Undefined ratios (nothing predicted, nothing drafted) count as 0.</p>

<h2>Per label</h2>
<table>
<tr><th class="name" rowspan="2">label</th><th colspan="3" class="model">{{ model_name }}</th><th colspan="3" class="baseline">{{ baseline_name }}</th><th rowspan="2">support</th></tr>
<tr><th>P</th><th>R</th><th>F1</th><th>P</th><th>R</th><th>F1</th></tr>
{% for row in per_label %}<tr><td class="name">{{ row.label }}</td>{% for v in row.model %}<td>{{ v }}</td>{% endfor %}{% for v in row.baseline %}<td>{{ v }}</td>{% endfor %}<td>{{ row.support }}</td></tr>
{% endfor %}</table>
<p class="note"><code>other</code> is scored as its own class: predicted set empty vs gold set empty.
Precision, recall or F1 whose denominator is zero is 0.</p>

<div class="plots">
{{ f1_svg|safe }}
{{ reliability_svg|safe }}
</div>
<p class="note">Reliability: every (reply, label) pair of the four labels is one prediction with its score as
confidence; points are the non-empty of 10 equal-width bins. Points below the diagonal are over-confident.</p>

<h2>Confusion (label co-occurrence)</h2>
<p class="note">Rows are gold labels, columns predicted labels, an empty set counting as <code>other</code>.
Each reply adds 1 to every (gold label, predicted label) pair of its gold set × predicted set, so a correct
two-label reply also adds to two off-diagonal cells. Shading is the cell's share of its row.</p>
<div class="confusions">
{% for c in confusions %}<div>
<h3 class="{{ 'model' if loop.first else 'baseline' }}">{{ c.name }}</h3>
<table>
<tr><th class="name">gold \ predicted</th>{% for col in c.columns %}<th>{{ col }}</th>{% endfor %}</tr>
{% for row in c.rows %}<tr><td class="name">{{ row.label }}</td>{% for cell in row.cells %}<td class="{{ 'diag' if cell.diagonal }} {{ 'darkcell' if cell.dark }}" style="background-color: rgba(31, 119, 180, {{ cell.alpha }})">{{ cell.count }}</td>{% endfor %}</tr>
{% endfor %}</table>
</div>
{% endfor %}</div>

<h2>Per language (macro-F1)</h2>
<p class="note">Within a language, macro-F1 averages the labels that occur there (in the gold or the predicted
sets), so a language whose replies all carry one label is not capped at 1/5.</p>
<table>
<tr><th class="name">language</th><th>replies</th><th class="model">{{ model_name }}</th><th class="baseline">{{ baseline_name }}</th></tr>
{% for row in per_language %}<tr><td class="name">{{ row.lang }}</td><td>{{ row.count }}</td><td>{{ row.model }}</td><td>{{ row.baseline }}</td></tr>
{% endfor %}</table>

<h2>Worst errors of {{ model_name }}</h2>
{% if errors %}<p class="note">Misclassified replies (predicted set ≠ gold set), ranked by Σ|score − gold| over the four labels.
The excerpt is the first 200 characters of the body.</p>
<table>
<tr><th class="name">id</th><th class="name">lang</th><th class="name">gold</th><th class="name">predicted</th><th class="name">scores</th><th class="name">body</th></tr>
{% for e in errors %}<tr><td class="name"><code>{{ e.id }}</code></td><td class="name">{{ e.lang }}</td><td class="name">{{ e.gold }}</td><td class="name">{{ e.predicted }}</td><td class="name">{{ e.scores }}</td><td class="excerpt">{{ e.excerpt }}</td></tr>
{% endfor %}</table>
{% else %}<p>No misclassified replies.</p>
{% endif %}
</body>
</html>
"#;
