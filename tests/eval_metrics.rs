//! Evaluation metrics against numbers worked out by hand, the keyword
//! baseline on clear cases, and the written report.
//!
//! Label shorthand in the comments: A = approval_pending, P = po_mismatch,
//! S = scope_dispute, Y = payment_scheduled, O = other (empty set).
//! Per-label score rows are written in that order: [A, P, S, Y].

use std::collections::BTreeMap;

use ar_triage::domain::{Facts, Label, LabelledReply, Prediction, Reply};
use ar_triage::eval::baseline::{BASELINE_NAME, HIT_SCORE, MISS_SCORE};
use ar_triage::eval::metrics::{self, Counts, OTHER_INDEX};
use ar_triage::eval::{
    EvalError, EvalOptions, EvalReport, KeywordBaseline, evaluate, summary_table, write_report,
};

use Label::{ApprovalPending as A, PaymentScheduled as Y, PoMismatch as P, ScopeDispute as S};

const EPS: f64 = 1e-6;

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < EPS,
        "expected {expected}, got {actual}"
    );
}

/// Fixture F, six replies (gold → predicted):
///
/// | reply | gold  | predicted |
/// |-------|-------|-----------|
/// | r1    | {Y}   | {Y}       |
/// | r2    | {A}   | {A, Y}    |
/// | r3    | {S,Y} | {Y}       |
/// | r4    | O     | O         |
/// | r5    | {P}   | O         |
/// | r6    | O     | {A}       |
fn fixture_f() -> (Vec<Vec<Label>>, Vec<Vec<Label>>) {
    let gold = vec![vec![Y], vec![A], vec![S, Y], vec![], vec![P], vec![]];
    let pred = vec![vec![Y], vec![A, Y], vec![Y], vec![], vec![], vec![A]];
    (gold, pred)
}

#[test]
fn per_label_counts_and_prf_including_other() {
    let (gold, pred) = fixture_f();
    let c = metrics::class_counts(&gold, &pred);
    // A: gold in r2; predicted in r2, r6 → tp 1 (r2), fp 1 (r6), fn 0.
    assert_eq!(
        c[A.index()],
        Counts {
            tp: 1,
            fp: 1,
            fn_: 0
        }
    );
    // P: gold in r5, never predicted → tp 0, fp 0, fn 1.
    assert_eq!(
        c[P.index()],
        Counts {
            tp: 0,
            fp: 0,
            fn_: 1
        }
    );
    // S: gold in r3, never predicted → fn 1.
    assert_eq!(
        c[S.index()],
        Counts {
            tp: 0,
            fp: 0,
            fn_: 1
        }
    );
    // Y: gold in r1, r3; predicted in r1, r2, r3 → tp 2, fp 1 (r2), fn 0.
    assert_eq!(
        c[Y.index()],
        Counts {
            tp: 2,
            fp: 1,
            fn_: 0
        }
    );
    // O: gold empty in r4, r6; predicted empty in r4, r5 → tp 1 (r4), fp 1 (r5), fn 1 (r6).
    assert_eq!(
        c[OTHER_INDEX],
        Counts {
            tp: 1,
            fp: 1,
            fn_: 1
        }
    );

    // A: P = 1/2, R = 1/1, F1 = 2·0.5·1 / 1.5 = 2/3.
    let a = metrics::prf(c[A.index()]);
    close(a.precision, 0.5);
    close(a.recall, 1.0);
    close(a.f1, 2.0 / 3.0);
    // P: never predicted → precision 0/0 := 0; recall 0/1 = 0; F1 (0+0) := 0.
    let p = metrics::prf(c[P.index()]);
    close(p.precision, 0.0);
    close(p.recall, 0.0);
    close(p.f1, 0.0);
    // Y: P = 2/3, R = 2/2 = 1, F1 = 2·(2/3)·1 / (5/3) = 0.8.
    let y = metrics::prf(c[Y.index()]);
    close(y.precision, 2.0 / 3.0);
    close(y.recall, 1.0);
    close(y.f1, 0.8);
    // O: P = 1/2, R = 1/2, F1 = 0.5.
    let o = metrics::prf(c[OTHER_INDEX]);
    close(o.precision, 0.5);
    close(o.recall, 0.5);
    close(o.f1, 0.5);
}

#[test]
fn macro_f1_and_exact_set_accuracy() {
    let (gold, pred) = fixture_f();
    // F1: A 2/3, P 0, S 0, Y 0.8, O 0.5 → (0.666667 + 0.8 + 0.5) / 5 = 0.393333.
    close(
        metrics::macro_f1(&gold, &pred),
        (2.0 / 3.0 + 0.8 + 0.5) / 5.0,
    );
    // Exact matches: r1 and r4 → 2/6.
    close(metrics::exact_set_accuracy(&gold, &pred), 2.0 / 6.0);
}

#[test]
fn label_sets_compare_as_sets() {
    // Order and repeats do not matter: {Y, A} = {A, Y, A}.
    let gold = vec![vec![Y, A]];
    let pred = vec![vec![A, Y, A]];
    close(metrics::exact_set_accuracy(&gold, &pred), 1.0);
    close(
        metrics::prf(metrics::class_counts(&gold, &pred)[A.index()]).f1,
        1.0,
    );
}

#[test]
fn per_language_macro_f1_averages_the_classes_present() {
    let (gold, pred) = fixture_f();
    let langs = ["en", "en", "en", "de", "de", "de"];
    let by_lang = metrics::grouped_macro_f1(&langs, &gold, &pred);
    // en = r1..r3: A tp 1 → F1 1; S fn 1 → 0; Y tp 2 (r1, r3), fp 1 (r2) →
    // P 2/3, R 1, F1 0.8; P and O occur in neither set there and are left out.
    // Macro = (1 + 0 + 0.8) / 3 = 0.6.
    close(by_lang["en"], 0.6);
    // de = r4..r6: A fp 1 (r6) → 0; P fn 1 (r5) → 0; O tp 1, fp 1, fn 1 → 0.5;
    // S and Y absent. Macro = 0.5 / 3.
    close(by_lang["de"], 0.5 / 3.0);
    assert_eq!(by_lang.len(), 2);
    // A language where every reply is {Y} and is predicted {Y}: 1, not 1/5.
    let one = metrics::grouped_macro_f1(&["es", "es"], &[vec![Y], vec![Y]], &[vec![Y], vec![Y]]);
    close(one["es"], 1.0);
    // Nothing occurs at all (no replies): 0.
    close(metrics::macro_f1_present(&[], &[]), 0.0);
}

#[test]
fn confusion_counts_every_gold_predicted_pair() {
    let (gold, pred) = fixture_f();
    let t = metrics::confusion(&gold, &pred);
    let (a, p, s, y, o) = (A.index(), P.index(), S.index(), Y.index(), OTHER_INDEX);
    // r1 (Y,Y); r2 (A,A) (A,Y); r3 (S,Y) (Y,Y); r4 (O,O); r5 (P,O); r6 (O,A).
    let mut expected = [[0u64; 5]; 5];
    expected[y][y] = 2;
    expected[a][a] = 1;
    expected[a][y] = 1;
    expected[s][y] = 1;
    expected[o][o] = 1;
    expected[p][o] = 1;
    expected[o][a] = 1;
    assert_eq!(t, expected);
    // Eight pairs in all: 1 + 2 + 2 + 1 + 1 + 1.
    assert_eq!(t.iter().flatten().sum::<u64>(), 8);
}

#[test]
fn confusion_of_a_correct_two_label_reply_leaves_the_diagonal() {
    // Gold {A, Y}, predicted {A, Y}: the product {A, Y}² adds to (A,A) (A,Y) (Y,A) (Y,Y).
    let t = metrics::confusion(&[vec![A, Y]], &[vec![Y, A]]);
    let (a, y) = (A.index(), Y.index());
    assert_eq!([t[a][a], t[a][y], t[y][a], t[y][y]], [1, 1, 1, 1]);
    assert_eq!(t.iter().flatten().sum::<u64>(), 4);
}

#[test]
fn ece_worked_example() {
    // Three replies, 12 (reply, label) pairs:
    //   g1 {Y}: [0.05, 0.05, 0.15, 0.95]
    //   g2 {A}: [0.85, 0.05, 0.15, 0.75]
    //   g3 O:   [0.55, 0.05, 0.05, 0.05]
    // Bins (width 0.1):
    //   [0.0,0.1): six 0.05 scores (g1 A, g1 P, g2 P, g3 P, g3 S, g3 Y), all negative
    //              → mean 0.05, fraction positive 0, gap 0.05
    //   [0.1,0.2): g1 S, g2 S → mean 0.15, fraction 0, gap 0.15
    //   [0.5,0.6): g3 A 0.55 negative → gap 0.55
    //   [0.7,0.8): g2 Y 0.75 negative → gap 0.75
    //   [0.8,0.9): g2 A 0.85 positive → gap 0.15
    //   [0.9,1.0]: g1 Y 0.95 positive → gap 0.05
    // ECE = (6·0.05 + 2·0.15 + 0.55 + 0.75 + 0.15 + 0.05) / 12 = 2.1 / 12 = 0.175.
    let gold = vec![vec![Y], vec![A], vec![]];
    let scores = [
        [0.05, 0.05, 0.15, 0.95],
        [0.85, 0.05, 0.15, 0.75],
        [0.55, 0.05, 0.05, 0.05],
    ];
    let bins = metrics::reliability_bins(&gold, &scores, 10);
    assert_eq!(bins.len(), 10);
    let counts: Vec<u64> = bins.iter().map(|b| b.count).collect();
    assert_eq!(counts, vec![6, 2, 0, 0, 0, 1, 0, 1, 1, 1]);
    close(bins[0].mean_score, 0.05);
    close(bins[0].fraction_positive, 0.0);
    close(bins[1].mean_score, 0.15);
    close(bins[8].fraction_positive, 1.0);
    close(bins[9].mean_score, 0.95);
    close(bins[9].fraction_positive, 1.0);
    close(bins[3].mean_score, 0.0); // empty bin
    close(bins[3].lower, 0.3);
    close(bins[3].upper, 0.4);
    close(metrics::ece(&bins), 0.175);
}

#[test]
fn ece_within_one_mixed_bin() {
    // Two replies, gold {A} and O. A scores 0.62 (positive) and 0.68 (negative)
    // share bin [0.6,0.7): mean 0.65, fraction positive 1/2, gap 0.15. The six
    // other scores are 0.0 and negative: bin [0.0,0.1), gap 0.
    // ECE = 2/8 · 0.15 + 6/8 · 0 = 0.0375.
    let gold = vec![vec![A], vec![]];
    let scores = [[0.62, 0.0, 0.0, 0.0], [0.68, 0.0, 0.0, 0.0]];
    let bins = metrics::reliability_bins(&gold, &scores, 10);
    assert_eq!((bins[0].count, bins[6].count), (6, 2));
    close(bins[6].mean_score, 0.65);
    close(bins[6].fraction_positive, 0.5);
    close(metrics::ece(&bins), 0.0375);
}

#[test]
fn ece_puts_one_in_the_last_bin_and_perfect_scores_cost_nothing() {
    // gold {S, Y} [0.0, 0.0, 0.6, 1.0] and O [0.0, 0.0, 0.0, 0.8]:
    //   five 0.0 negatives → gap 0; 1.0 positive → last bin, gap 0;
    //   0.6 positive → |0.6 − 1| = 0.4; 0.8 negative → |0.8 − 0| = 0.8.
    // ECE = (0.4 + 0.8) / 8 = 0.15.
    let gold = vec![vec![S, Y], vec![]];
    let scores = [[0.0, 0.0, 0.6, 1.0], [0.0, 0.0, 0.0, 0.8]];
    let bins = metrics::reliability_bins(&gold, &scores, 10);
    let counts: Vec<u64> = bins.iter().map(|b| b.count).collect();
    assert_eq!(counts, vec![5, 0, 0, 0, 0, 0, 1, 0, 1, 1]);
    close(metrics::ece(&bins), 0.15);
    // Perfect scores only: ECE 0.
    let perfect = metrics::reliability_bins(&[vec![A]], &[[1.0, 0.0, 0.0, 0.0]], 10);
    close(metrics::ece(&perfect), 0.0);
}

#[test]
fn routing_worked_example() {
    // Band (0.40, 0.60), edges included, six replies decided by the rule table:
    //   r1 gold {Y} pred {Y}     [0.1, 0.1, 0.1, 0.9]   → payment draft, correct
    //   r2 gold {A} pred {Y}     [0.2, 0.1, 0.1, 0.8]   → payment draft, wrong
    //   r3 gold {S,Y} pred {S,Y} [0.1, 0.1, 0.9, 0.9]   → partner (scope dispute)
    //   r4 gold {Y} pred {Y}     [0.5, 0.1, 0.1, 0.9]   → collections (0.5 inside the band)
    //   r5 gold O pred O         [0.1, 0.1, 0.1, 0.1]   → collections (a plain acknowledgement)
    //   r6 gold {P} pred {P}     [0.35, 0.9, 0.1, 0.65] → PO draft, correct (outside the band)
    // drafted 3, correct 2 → draft precision 2/3, automation rate 3/6 = 0.5.
    let band = (0.40, 0.60);
    let gold = vec![vec![Y], vec![A], vec![S, Y], vec![Y], vec![], vec![P]];
    let pred = vec![vec![Y], vec![Y], vec![S, Y], vec![Y], vec![], vec![P]];
    let scores = [
        [0.1, 0.1, 0.1, 0.9],
        [0.2, 0.1, 0.1, 0.8],
        [0.1, 0.1, 0.9, 0.9],
        [0.5, 0.1, 0.1, 0.9],
        [0.1, 0.1, 0.1, 0.1],
        [0.35, 0.9, 0.1, 0.65],
    ];
    let bodies = [
        "We will pay it on 30 November.",
        "Waiting for Sam to approve, then we pay.",
        "We pay on Friday but the 12 workshop hours were never agreed.",
        "Paying next week.",
        "Thanks, received.",
        "Please reissue it against PO 4500123.",
    ];
    let data: Vec<LabelledReply> = bodies
        .iter()
        .zip(&gold)
        .enumerate()
        .map(|(i, (b, g))| LabelledReply {
            reply: Reply {
                id: format!("r{}", i + 1),
                subject: "Re: Invoice reminder".into(),
                from: "ap@client.example".into(),
                body: b.to_string(),
                date: None,
            },
            labels: g.clone(),
            lang: None,
            notes: None,
        })
        .collect();
    let predictions: Vec<Prediction> = pred
        .iter()
        .zip(&scores)
        .enumerate()
        .map(|(i, (p, s))| Prediction {
            id: format!("r{}", i + 1),
            labels: p.clone(),
            scores: Label::ALL.into_iter().map(|l| (l, s[l.index()])).collect(),
            evidence: Default::default(),
            facts: Default::default(),
            model: "test".into(),
        })
        .collect();
    let drafted = ar_triage::eval::routed_to_draft(&data, &predictions, band);
    assert_eq!(drafted, vec![true, true, false, false, false, true]);
    let r = metrics::routing(&gold, &pred, &drafted);
    assert_eq!((r.total, r.drafted, r.drafted_correct), (6, 3, 2));
    close(r.draft_precision, 2.0 / 3.0);
    close(r.automation_rate, 0.5);
}

#[test]
fn zero_division_cases_are_zero() {
    // No replies at all.
    let none: Vec<Vec<Label>> = vec![];
    close(metrics::macro_f1(&none, &none), 0.0);
    close(metrics::exact_set_accuracy(&none, &none), 0.0);
    close(
        metrics::ece(&metrics::reliability_bins(&none, &[], 10)),
        0.0,
    );
    let r = metrics::routing(&none, &none, &[]);
    close(r.draft_precision, 0.0);
    close(r.automation_rate, 0.0);
    // Nothing drafted: every reply is O, so precision is 0/0 := 0, automation 0/2 = 0.
    let others = vec![vec![], vec![]];
    let r = metrics::routing(&others, &others, &[false, false]);
    assert_eq!(r.drafted, 0);
    close(r.draft_precision, 0.0);
    close(r.automation_rate, 0.0);
    // All O and right: O has F1 1, the four labels (no support, never predicted) 0 → 1/5.
    close(metrics::macro_f1(&others, &others), 0.2);
    // A class predicted but never gold: recall 0/0 := 0, precision 0/1 = 0, F1 0.
    let c = metrics::class_counts(&[vec![]], &[vec![P]]);
    assert_eq!(
        c[P.index()],
        Counts {
            tp: 0,
            fp: 1,
            fn_: 0
        }
    );
    let p = metrics::prf(c[P.index()]);
    assert_eq!((p.precision, p.recall, p.f1), (0.0, 0.0, 0.0));
}

// ---------------------------------------------------------------- baseline

fn reply(id: &str, body: &str) -> Reply {
    Reply {
        id: id.to_string(),
        subject: "RE: Invoice INV-2031 reminder".to_string(),
        from: "ap@client.example".to_string(),
        body: body.to_string(),
        date: None,
    }
}

fn baseline_labels(body: &str) -> Vec<Label> {
    KeywordBaseline::new().predict(&reply("b", body)).labels
}

#[test]
fn baseline_fires_on_clear_english_cases() {
    assert_eq!(
        baseline_labels("Hi, the invoice is sitting with our CFO for sign-off."),
        vec![A]
    );
    assert_eq!(
        baseline_labels("Our system rejected it, PO 4500012 is closed."),
        vec![P]
    );
    assert_eq!(
        baseline_labels("Data migration was out of scope per the SOW."),
        vec![S]
    );
    assert_eq!(
        baseline_labels("Paid today by wire, remittance attached."),
        vec![Y]
    );
    assert_eq!(
        baseline_labels("Can you resend it as a PDF?"),
        Vec::<Label>::new()
    );
}

#[test]
fn baseline_fires_on_clear_german_french_spanish_cases() {
    assert_eq!(
        baseline_labels("Die Rechnung wurde heute überwiesen."),
        vec![Y]
    );
    assert_eq!(
        baseline_labels("Die Freigabe durch den Projektleiter steht noch aus."),
        vec![A]
    );
    assert_eq!(
        baseline_labels("Nous contestons les heures : la migration était hors périmètre."),
        vec![S]
    );
    assert_eq!(
        baseline_labels("Falta la orden de compra en la factura."),
        vec![P]
    );
    assert_eq!(
        baseline_labels("De factuur wacht nog op goedkeuring."),
        vec![A]
    );
    assert_eq!(
        baseline_labels("O pagamento está agendado para sexta-feira."),
        vec![Y]
    );
}

#[test]
fn baseline_scores_and_name() {
    let p = KeywordBaseline::new().predict(&reply("r-9", "We will pay on Friday."));
    assert_eq!(p.id, "r-9");
    assert_eq!(p.model, BASELINE_NAME);
    assert_eq!(p.model, "keyword-baseline");
    assert_eq!(p.scores.len(), 4);
    assert_eq!(p.scores[&Y], HIT_SCORE);
    for l in [A, P, S] {
        assert_eq!(p.scores[&l], MISS_SCORE);
    }
}

#[test]
fn baseline_ignores_our_quoted_reminder() {
    let quote = "> Dear client, invoice INV-2031 is overdue. Please pay it or tell us\n\
                 > whether it awaits approval, a purchase order (PO) or is in dispute.\n\
                 > Payment was scheduled for 1 March.";
    let body = format!("Thanks, noted.\n\nOn Mon, 3 Mar 2025, billing@us.example wrote:\n{quote}");
    let p = KeywordBaseline::new().predict(&reply("q", &body));
    assert!(p.labels.is_empty(), "fired on the quote: {:?}", p.labels);
    assert!(p.scores.values().all(|&s| s == MISS_SCORE));
    // The same words unquoted do fire: the test above can fail.
    let unquoted = quote.replace("> ", "");
    assert_eq!(baseline_labels(&unquoted), vec![A, P, S, Y]);
}

// ---------------------------------------------------------------- evaluate + report

fn labelled(id: &str, lang: Option<&str>, body: &str, labels: Vec<Label>) -> LabelledReply {
    LabelledReply {
        reply: reply(id, body),
        labels,
        lang: lang.map(str::to_string),
        notes: None,
    }
}

fn prediction(id: &str, labels: Vec<Label>, scores: [f32; 4]) -> Prediction {
    Prediction {
        id: id.to_string(),
        labels,
        scores: Label::ALL.into_iter().zip(scores).collect(),
        evidence: BTreeMap::new(),
        facts: Facts::default(),
        model: "test-model".to_string(),
    }
}

/// Fixture F as data: r1–r3 English (r1 without a lang field), r4–r6 German.
/// Scores and their Σ|score − gold| (the worst-error key):
///   r1 [0.1, 0.1, 0.1, 0.9] correct
///   r2 [0.8, 0.1, 0.1, 0.6] wrong, 0.2 + 0.1 + 0.1 + 0.6 = 1.0
///   r3 [0.1, 0.1, 0.4, 0.9] wrong, 0.1 + 0.1 + 0.6 + 0.1 = 0.9
///   r4 [0.1, 0.1, 0.1, 0.1] correct
///   r5 [0.1, 0.2, 0.1, 0.1] wrong, 0.1 + 0.8 + 0.1 + 0.1 = 1.1
///   r6 [0.9, 0.1, 0.1, 0.1] wrong, 0.9 + 0.1 + 0.1 + 0.1 = 1.2
fn fixture_data(r5_body: &str) -> (Vec<LabelledReply>, Vec<Prediction>) {
    let (gold, pred) = fixture_f();
    let rows: [(&str, Option<&str>, &str, [f32; 4]); 6] = [
        (
            "r1",
            None,
            "Scheduled for our payment run on the 15th.",
            [0.1, 0.1, 0.1, 0.9],
        ),
        (
            "r2",
            Some("en"),
            "Sarah approves these and she is out until the 12th.",
            [0.8, 0.1, 0.1, 0.6],
        ),
        (
            "r3",
            Some("en"),
            "We'll pay the rest, but we count 32 hours, not 40.",
            [0.1, 0.1, 0.4, 0.9],
        ),
        (
            "r4",
            Some("de"),
            "Ich bin bis Montag nicht im Büro.",
            [0.1; 4],
        ),
        ("r5", Some("de"), r5_body, [0.1, 0.2, 0.1, 0.1]),
        (
            "r6",
            Some("de"),
            "Bitte senden Sie Rechnungen künftig an ap@kunde.example.",
            [0.9, 0.1, 0.1, 0.1],
        ),
    ];
    let data = rows
        .iter()
        .zip(&gold)
        .map(|((id, lang, body, _), g)| labelled(id, *lang, body, g.clone()))
        .collect();
    let preds = rows
        .iter()
        .zip(&pred)
        .map(|((id, _, _, s), p)| prediction(id, p.clone(), *s))
        .collect();
    (data, preds)
}

fn options() -> EvalOptions {
    EvalOptions {
        // The band the routing figures below were worked out for.
        uncertainty_band: (0.40, 0.60),
        model_name: "test-model".to_string(),
        data_path: "evals/test.jsonl".to_string(),
    }
}

#[test]
fn evaluate_scores_the_model_and_the_baseline() {
    let (data, preds) = fixture_data("Die Bestellnummer fehlt auf der Rechnung.");
    let report = evaluate(&data, &preds, &options()).unwrap();

    assert_eq!(report.dataset.count, 6);
    assert_eq!(report.dataset.path, "evals/test.jsonl");
    assert_eq!(
        report.dataset.languages,
        BTreeMap::from([("de".into(), 3), ("en".into(), 3)])
    );
    assert_eq!(report.uncertainty_band, (0.40, 0.60));

    let m = &report.model;
    assert_eq!(m.name, "test-model");
    let names: Vec<&str> = m.per_label.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(
        names,
        [
            "approval_pending",
            "po_mismatch",
            "scope_dispute",
            "payment_scheduled",
            "other"
        ]
    );
    // Same numbers as the hand-worked tests on fixture F.
    close(m.macro_f1, (2.0 / 3.0 + 0.8 + 0.5) / 5.0);
    close(m.exact_set_accuracy, 2.0 / 6.0);
    close(m.per_label[4].precision, 0.5);
    assert_eq!((m.per_label[4].support, m.per_label[4].predicted), (2, 2));
    assert_eq!((m.per_label[3].support, m.per_label[3].predicted), (2, 3));
    close(m.per_language_macro_f1["en"], 0.6);
    close(m.per_language_macro_f1["de"], 0.5 / 3.0);
    assert_eq!(m.confusion.labels.len(), 5);
    assert_eq!(m.confusion.counts[Y.index()][Y.index()], 2);
    assert_eq!(m.confusion.counts[OTHER_INDEX][A.index()], 1);
    assert_eq!(m.reliability.iter().map(|b| b.count).sum::<u64>(), 24);
    close(m.ece, metrics::ece(&m.reliability));
    // Routing by the rule table, band [0.40, 0.60]: r1 drafted and right; r2
    // (0.6) and r3 (0.4) are in the band (edges included); r4 and r5 predict
    // O and ask for nothing; r6 gets an approval draft, wrong → 1/2 and 2/6.
    assert_eq!((m.routing.drafted, m.routing.drafted_correct), (2, 1));
    close(m.routing.draft_precision, 0.5);
    close(m.routing.automation_rate, 2.0 / 6.0);

    // Worst errors: r6 (1.2), r5 (1.1), r2 (1.0), r3 (0.9).
    let ids: Vec<&str> = report.worst_errors.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["r6", "r5", "r2", "r3"]);
    close(report.worst_errors[0].error, 1.2);
    assert_eq!(report.worst_errors[0].gold, Vec::<Label>::new());
    assert_eq!(report.worst_errors[0].predicted, vec![A]);

    // The baseline sees the same gold data: r1 "payment run"/"scheduled" → Y,
    // r2 "approves" → A, r3 "pay" → Y, r5 "Bestellnummer" → P, r4 and r6 nothing.
    let b = &report.baseline;
    assert_eq!(b.name, "keyword-baseline");
    let support = |s: &ar_triage::eval::SystemMetrics| -> Vec<u64> {
        s.per_label.iter().map(|l| l.support).collect()
    };
    assert_eq!(support(b), support(m));
    close(b.exact_set_accuracy, 5.0 / 6.0);
}

#[test]
fn evaluate_rejects_misaligned_or_incomplete_predictions() {
    let (data, preds) = fixture_data("x");
    let opts = options();
    assert!(matches!(
        evaluate(&data, &preds[..5], &opts),
        Err(EvalError::LengthMismatch {
            data: 6,
            predictions: 5
        })
    ));
    let mut swapped = preds.clone();
    swapped.swap(0, 1);
    assert!(matches!(
        evaluate(&data, &swapped, &opts),
        Err(EvalError::IdMismatch { index: 0, .. })
    ));
    let mut missing = preds.clone();
    missing[2].scores.remove(&S);
    assert!(matches!(
        evaluate(&data, &missing, &opts),
        Err(EvalError::MissingScore { label: S, .. })
    ));
    let mut bad = preds.clone();
    bad[3].scores.insert(P, 1.5);
    assert!(matches!(
        evaluate(&data, &bad, &opts),
        Err(EvalError::BadScore { .. })
    ));
    let band = EvalOptions {
        uncertainty_band: (0.7, 0.3),
        ..options()
    };
    assert!(matches!(
        evaluate(&data, &preds, &band),
        Err(EvalError::BadBand { .. })
    ));
    assert!(matches!(evaluate(&[], &[], &opts), Err(EvalError::Empty)));
}

#[test]
fn write_report_writes_json_and_escaped_html() {
    let planted = "<script>alert('x')</script> Die Bestellnummer fehlt & die PO ist abgelaufen.";
    let (data, preds) = fixture_data(planted);
    let report = evaluate(&data, &preds, &options()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("eval-out");
    write_report(&report, &out).unwrap();

    let json = std::fs::read_to_string(out.join("report.json")).unwrap();
    let back: EvalReport = serde_json::from_str(&json).unwrap();
    // serde_json may lose a float's last bit through text: compare counts
    // exactly and rates to within EPS.
    assert_eq!(back.dataset, report.dataset);
    assert_eq!(back.model.confusion, report.model.confusion);
    assert_eq!(back.baseline.name, "keyword-baseline");
    close(back.model.macro_f1, report.model.macro_f1);
    close(back.model.ece, report.model.ece);
    let ids =
        |r: &EvalReport| -> Vec<String> { r.worst_errors.iter().map(|e| e.id.clone()).collect() };
    assert_eq!(ids(&back), ids(&report));
    let raw: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(raw["model"]["per_label"][4]["label"], "other");
    assert_eq!(raw["model"]["per_label"][4]["counts"]["fn"], 1);

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg"), "no inline SVG plot");
    // r5 is among the worst errors, so its body is shown, escaped.
    assert!(html.contains("<code>r5</code>"));
    assert!(
        !html.contains("<script"),
        "planted script tag was not escaped"
    );
    assert!(html.contains("&lt;script&gt;"));
    assert!(html.contains("&amp; die PO"));
    // Self-contained: nothing fetched from elsewhere.
    assert!(!html.contains("<link"));
    assert!(!html.contains("src=\"http"));
    assert!(html.contains("keyword-baseline"));
}

#[test]
fn summary_table_lists_both_systems() {
    let (data, preds) = fixture_data("Die Bestellnummer fehlt.");
    let report = evaluate(&data, &preds, &options()).unwrap();
    let table = summary_table(&report);
    for needle in [
        "test-model",
        "keyword-baseline",
        "approval_pending",
        "po_mismatch",
        "scope_dispute",
        "payment_scheduled",
        "other",
        "macro-F1",
        "exact-set accuracy",
        "ECE",
        "draft precision",
        "automation rate",
        "0.393",
    ] {
        assert!(table.contains(needle), "summary lacks {needle:?}:\n{table}");
    }
}
