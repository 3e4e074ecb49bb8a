//! Shared fixture of the rules tests: one client, engagement and invoice of
//! the ledger, and a reply to our reminder, each field settable per test.
#![allow(dead_code)]

pub mod pg;
pub mod web;

use std::collections::BTreeMap;

use ar_triage::domain::{
    Attachment, Client, Engagement, Evidence, Facts, Invoice, Label, ParsedMessage, Prediction,
    Reply,
};
use ar_triage::rules::{Case, Decision, InvoiceLine, RuleConfig, decide};
use chrono::NaiveDate;

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

/// Everything a case borrows, owned, so each test changes only what it
/// is about.
pub struct World {
    pub message: ParsedMessage,
    /// Labels with their scores; unlisted labels score 0.02.
    pub scores: Vec<(Label, f32)>,
    /// Evidence spans: (label, text that occurs in the body).
    pub evidence: Vec<(Label, String)>,
    pub classified: bool,
    pub client: Client,
    pub engagement: Option<Engagement>,
    pub invoice: Option<Invoice>,
    pub link_problem: Option<String>,
    pub lines: Vec<InvoiceLine>,
    pub documents: Vec<Attachment>,
    pub today: NaiveDate,
    pub broken_promises: u32,
    pub cfg: RuleConfig,
}

impl World {
    /// A reply from Northwind's AP to our reminder for INV-2031 (USD
    /// 8,400.00, due 2026-11-10), read on 2026-11-23, the reply's date.
    pub fn new(body: &str) -> World {
        World {
            message: ParsedMessage {
                message_id: Some("reply-77@northwind.example".to_string()),
                in_reply_to: vec!["rem-2031-2@ourfirm.example".to_string()],
                references: vec![
                    "rem-2031-1@ourfirm.example".to_string(),
                    "rem-2031-2@ourfirm.example".to_string(),
                ],
                from: Some("maria.lopez@northwind.example".to_string()),
                from_name: Some("Maria Lopez".to_string()),
                to: vec!["ar@ourfirm.example".to_string()],
                subject: "RE: Invoice INV-2031 reminder".to_string(),
                date: Some("2026-11-23T10:14:00+00:00".to_string()),
                body: body.to_string(),
                ..ParsedMessage::default()
            },
            scores: Vec::new(),
            evidence: Vec::new(),
            classified: true,
            client: Client {
                id: "C-001".to_string(),
                name: "Northwind Traders".to_string(),
                domains: vec!["northwind.example".to_string()],
                contacts: vec!["maria.lopez@northwind.example".to_string()],
                partner: "Priya Raman".to_string(),
                partner_email: "priya.raman@ourfirm.example".to_string(),
                language: None,
            },
            engagement: Some(Engagement {
                id: "E-001".to_string(),
                client_id: "C-001".to_string(),
                name: "ERP rollout".to_string(),
                partner: "Jonas Berg".to_string(),
                partner_email: "jonas.berg@ourfirm.example".to_string(),
                po_number: Some("4500012".to_string()),
                hours_cap: Some("120".to_string()),
                rate_card: vec![("Senior Consultant".to_string(), "150.00 USD".to_string())],
            }),
            invoice: Some(Invoice {
                number: "INV-2031".to_string(),
                client_id: "C-001".to_string(),
                engagement_id: Some("E-001".to_string()),
                issue_date: "2026-10-11".parse().unwrap(),
                due_date: "2026-11-10".parse().unwrap(),
                amount: "8400.00".parse().unwrap(),
                currency: "USD".to_string(),
                po_number: Some("4500012".to_string()),
                status: "open".parse().unwrap(),
                reminder_message_ids: vec!["rem-2031-2@ourfirm.example".to_string()],
                paid_date: None,
            }),
            link_problem: None,
            lines: Vec::new(),
            documents: Vec::new(),
            today: day(2026, 11, 23),
            broken_promises: 0,
            cfg: RuleConfig::default(),
        }
    }

    /// The reply carries `label` at `score`, with the whole body as evidence.
    pub fn label(mut self, label: Label, score: f32) -> World {
        self.scores.push((label, score));
        let body = self.message.body.clone();
        self.evidence.push((label, body));
        self
    }

    /// The reply carries `label` at 0.95 with `span` (a piece of the body)
    /// as its evidence.
    pub fn label_with(mut self, label: Label, span: &str) -> World {
        assert!(
            self.message.body.contains(span),
            "evidence {span:?} not in body"
        );
        self.scores.push((label, 0.95));
        self.evidence.push((label, span.to_string()));
        self
    }

    pub fn prediction(&self) -> Prediction {
        let body = &self.message.body;
        let mut evidence: BTreeMap<Label, Vec<Evidence>> = BTreeMap::new();
        for (label, text) in &self.evidence {
            let byte = body.find(text.as_str()).expect("evidence in body");
            let start = body[..byte].chars().count();
            evidence.entry(*label).or_default().push(Evidence {
                text: text.clone(),
                start,
                end: start + text.chars().count(),
                weight: 0.5,
                facts: Facts::default(),
            });
        }
        let score = |l: Label| {
            self.scores
                .iter()
                .find(|(x, _)| *x == l)
                .map_or(0.02, |(_, s)| *s)
        };
        Prediction {
            id: "r-1".to_string(),
            labels: self
                .scores
                .iter()
                .filter(|(_, s)| *s > 0.5)
                .map(|(l, _)| *l)
                .collect(),
            scores: Label::ALL.into_iter().map(|l| (l, score(l))).collect(),
            evidence,
            facts: Facts::default(),
            model: "fixed-scores".to_string(),
        }
    }

    pub fn decide(&self) -> Decision {
        let prediction = self.prediction();
        let reply = ar_triage::text::prepare(Reply::of_message("r-1", &self.message));
        let case = Case {
            prediction: self.classified.then_some(&prediction),
            unclassified_reason: (!self.classified).then_some("model not loaded"),
            client: Some(&self.client),
            engagement: self.engagement.as_ref(),
            invoice: self.invoice.as_ref(),
            link_problem: self.link_problem.as_deref(),
            invoice_lines: &self.lines,
            documents: &self.documents,
            broken_promises: self.broken_promises,
            ..Case::new(&self.message, &reply, self.today)
        };
        decide(&case, &self.cfg)
    }

    pub fn invoice_mut(&mut self) -> &mut Invoice {
        self.invoice.as_mut().expect("fixture has an invoice")
    }
}
