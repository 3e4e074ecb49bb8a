//! The fact test set (`evals/facts.jsonl`) and its scores: per-role
//! precision and recall of the role facts a reply is read to have, and
//! **draft correctness**, the share of drafts that are right by the rules of
//! `shared/spec/facts.md` ("When a draft is right").
//!
//! Each case carries its own gold ledger (the client and the invoices the
//! reply is about). The reply is linked, prepared, labelled by the model
//! and decided by the real rule table, exactly as `ingest` would, and every
//! draft that comes out is judged:
//!
//! 1. its labels are the gold labels, and the reply is no scope dispute;
//! 2. a gold promise date (or its arrival date) is named, and no date is
//!    named but the client's dates, the invoice's own dates and the day
//!    after a stated date; a payment already made need not restate its date;
//! 3. a new PO given to reissue against is in the draft, which asks for none;
//! 4. a gold approval date is named;
//! 5. a partial amount is restated;
//! 6. nothing the client gave is asked for (a date, an amount, a PO).
//!
//! A draft failing any of these is wrong, with the reasons listed per case.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::EvalError;
use crate::domain::{
    Client, FactKind, Invoice, InvoiceStatus, Label, Ledger, Money, ParsedMessage, Prediction,
    PreparedReply, Reply, Role, Route,
};
use crate::ingest::link::Linker;
use crate::rules::{Case, Decision, RuleConfig, decide};
use crate::text::cues::normalise_id;
use crate::text::facts::find_facts;

/// One case of the fact test set: a reply, its gold labels and role facts,
/// and the ledger it is answered from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FactCase {
    /// Case id.
    pub id: String,
    /// Language of the client's text.
    #[serde(default)]
    pub lang: Option<String>,
    /// The reply's Date header.
    pub date: String,
    /// The sender.
    #[serde(default)]
    pub from: String,
    /// The subject.
    #[serde(default)]
    pub subject: String,
    /// The whole body, quoted history included.
    pub body: String,
    /// Gold labels (`other` or none for the empty set).
    pub labels: Vec<String>,
    /// The client and the invoices the reply is about.
    pub ledger: CaseLedger,
    /// Gold role facts.
    pub facts: GoldFacts,
    /// True when the client's date contradicts itself.
    #[serde(default)]
    pub conflict: bool,
    /// Writer's notes.
    #[serde(default)]
    pub notes: Option<String>,
}

/// The gold ledger of one case.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseLedger {
    /// The client.
    pub client: CaseClient,
    /// The invoices the reply concerns.
    pub invoices: Vec<CaseInvoice>,
}

/// A client of a case's ledger.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseClient {
    /// Client id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Mail domains.
    #[serde(default)]
    pub domains: Vec<String>,
    /// Contact addresses.
    #[serde(default)]
    pub contacts: Vec<String>,
    /// Owning partner.
    #[serde(default)]
    pub partner: String,
    /// The partner's address.
    #[serde(default)]
    pub partner_email: String,
    /// The ledger's language for the client (`en-GB`, `de`, …).
    #[serde(default)]
    pub language: Option<String>,
}

/// An invoice of a case's ledger.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseInvoice {
    /// Invoice number.
    pub number: String,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// Amount, a plain decimal.
    pub amount: String,
    /// ISO currency.
    pub currency: String,
    /// The PO on the invoice.
    #[serde(default)]
    pub po_number: Option<String>,
}

/// The gold role facts of a case.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GoldFacts {
    /// Pay, paid or run days.
    #[serde(default)]
    pub promise_date: Vec<String>,
    /// Arrival days.
    #[serde(default)]
    pub arrival_date: Vec<String>,
    /// Days the rest is paid.
    #[serde(default)]
    pub balance_date: Vec<String>,
    /// Amounts, `"2100.00 GBP"`.
    #[serde(default)]
    pub promise_amount: Vec<String>,
    /// Part of what is owed.
    #[serde(default)]
    pub partial: bool,
    /// The PO to use.
    #[serde(default)]
    pub new_po: Vec<String>,
    /// POs named as wrong or closed.
    #[serde(default)]
    pub old_po: Vec<String>,
    /// Approval days.
    #[serde(default)]
    pub approval_date: Vec<String>,
    /// What the client asks for.
    #[serde(default)]
    pub asks: Vec<String>,
}

impl GoldFacts {
    /// The gold values of one role.
    pub fn of(&self, role: Role) -> &[String] {
        match role {
            Role::PromiseDate => &self.promise_date,
            Role::ArrivalDate => &self.arrival_date,
            Role::BalanceDate => &self.balance_date,
            Role::PromiseAmount => &self.promise_amount,
            Role::NewPo => &self.new_po,
            Role::OldPo => &self.old_po,
            Role::ApprovalDate => &self.approval_date,
        }
    }
}

/// Counts and scores of one role.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RoleScore {
    /// Values found that are gold.
    pub true_positives: usize,
    /// Values found that are not.
    pub false_positives: usize,
    /// Gold values not found.
    pub false_negatives: usize,
    /// tp / (tp + fp); 1 when nothing was found.
    pub precision: f64,
    /// tp / (tp + fn); 1 when there is nothing to find.
    pub recall: f64,
}

impl RoleScore {
    fn finish(mut self) -> RoleScore {
        let (tp, fp, fn_) = (
            self.true_positives as f64,
            self.false_positives as f64,
            self.false_negatives as f64,
        );
        self.precision = if tp + fp == 0.0 { 1.0 } else { tp / (tp + fp) };
        self.recall = if tp + fn_ == 0.0 {
            1.0
        } else {
            tp / (tp + fn_)
        };
        self
    }
}

/// One case whose facts or draft went wrong, and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactFailure {
    /// Case id.
    pub id: String,
    /// Role facts missed or wrongly found: `promise_date: found 2025-09-19, gold 2025-09-18`.
    pub facts: Vec<String>,
    /// Why the draft is wrong, when there is one and it is.
    pub draft: Vec<String>,
    /// The route and rule the case got.
    pub decision: String,
}

/// Everything the fact test set measured, as written to `facts.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactsReport {
    /// Path of the set.
    pub path: String,
    /// Number of cases.
    pub cases: usize,
    /// Per role (`promise_date`, …, `partial`, `asks`).
    pub roles: BTreeMap<String, RoleScore>,
    /// Cases that got a draft.
    pub drafted: usize,
    /// Cases whose draft goes to the drafts queue (automation).
    pub automated: usize,
    /// Drafts judged right.
    pub correct_drafts: usize,
    /// correct_drafts / drafted.
    pub draft_correctness: f64,
    /// automated / cases.
    pub automation_rate: f64,
    /// Scope disputes or automated messages that got a draft (must be 0).
    pub forbidden_drafts: usize,
    /// The cases that went wrong.
    pub failures: Vec<FactFailure>,
}

/// Reads a fact test set; the first bad line is an error naming it.
pub fn read_cases(path: &Path) -> Result<Vec<FactCase>, EvalError> {
    let text = std::fs::read_to_string(path).map_err(|source| EvalError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let case: FactCase = serde_json::from_str(line)
            .map_err(|e| EvalError::BadCase(format!("{}:{}: {e}", path.display(), n + 1)))?;
        out.push(case);
    }
    Ok(out)
}

impl FactCase {
    /// The gold labels as a set; `other` is the empty set.
    pub fn gold_labels(&self) -> Result<Vec<Label>, EvalError> {
        let mut out = Vec::new();
        for l in &self.labels {
            if l == crate::domain::OTHER {
                continue;
            }
            out.push(
                l.parse::<Label>()
                    .map_err(|e| EvalError::BadCase(format!("{}: {e}", self.id)))?,
            );
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// The case's ledger in the domain's shape.
    pub fn ledger(&self) -> Result<Ledger, EvalError> {
        let c = &self.ledger.client;
        let client = Client {
            id: c.id.clone(),
            name: c.name.clone(),
            domains: c.domains.clone(),
            contacts: c.contacts.clone(),
            partner: c.partner.clone(),
            partner_email: c.partner_email.clone(),
            language: c.language.clone(),
        };
        let mut invoices = Vec::new();
        for i in &self.ledger.invoices {
            invoices.push(Invoice {
                number: i.number.clone(),
                client_id: c.id.clone(),
                engagement_id: None,
                issue_date: i.issue_date,
                due_date: i.due_date,
                amount: i.amount.parse::<Decimal>().map_err(|e| {
                    EvalError::BadCase(format!("{}: amount {:?}: {e}", self.id, i.amount))
                })?,
                currency: i.currency.clone(),
                po_number: i.po_number.clone(),
                status: InvoiceStatus::Open,
                reminder_message_ids: Vec::new(),
                paid_date: None,
            });
        }
        Ok(Ledger {
            clients: vec![client],
            invoices,
            ..Ledger::default()
        })
    }

    /// The case as a parsed message.
    pub fn message(&self) -> ParsedMessage {
        let (from, from_name) = sender(&self.from);
        ParsedMessage {
            from,
            from_name,
            subject: self.subject.clone(),
            date: Some(self.date.clone()),
            body: self.body.clone(),
            to: vec!["ar@ourfirm.example".to_string()],
            message_id: Some(format!("<{}@facts.eval>", self.id)),
            ..ParsedMessage::default()
        }
    }

    /// The case's reply, prepared the way `ingest` prepares it.
    pub fn prepare(&self) -> PreparedReply {
        let reply = Reply::of_message(&self.id, &self.message());
        crate::text::prepare_with(reply, self.ledger.client.language.as_deref())
    }
}

/// A case's `from` ("Ortiz, Carmen <c.ortiz@halcyonrail.example>", as a
/// mail client shows it) read the way ingest reads a From header: the
/// address lower-cased and the display name apart, so sender trust, contact
/// matching and salutations see what they see on real mail. The name is
/// quoted first, as a sending client quotes a `Last, First` name.
fn sender(from: &str) -> (Option<String>, Option<String>) {
    let header = match from.rsplit_once('<') {
        Some((name, address)) if !name.trim().is_empty() => {
            let name = name.trim().trim_matches('"').replace(['"', '\\'], "");
            format!("From: \"{name}\" <{address}\r\n\r\n")
        }
        _ => format!("From: {from}\r\n\r\n"),
    };
    let parsed = crate::ingest::parse::parse_headers_only(header.as_bytes(), String::new());
    match parsed.from {
        Some(address) => (Some(address), parsed.from_name),
        None => (Some(from.trim().to_lowercase()), None),
    }
}

/// Scores the role facts and drafts of `cases`; `prepared` and
/// `predictions` are those of each case, in order.
pub fn score(
    path: &str,
    cases: &[FactCase],
    prepared: &[PreparedReply],
    predictions: &[Prediction],
    cfg: &RuleConfig,
) -> Result<FactsReport, EvalError> {
    let mut roles: BTreeMap<String, RoleScore> = BTreeMap::new();
    let (mut drafted, mut automated, mut correct, mut forbidden) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for ((case, reply), prediction) in cases.iter().zip(prepared).zip(predictions) {
        let gold_labels = case.gold_labels()?;
        let mut fact_errors = Vec::new();
        let currency = case.ledger.invoices.first().map(|i| i.currency.as_str());
        for role in Role::ALL {
            let found: Vec<String> = reply
                .roles
                .facts
                .iter()
                .filter(|f| f.role == role && f.confidence >= crate::domain::RoleFacts::CONFIDENT)
                .map(|f| match (role, currency) {
                    (Role::PromiseAmount, Some(c)) => {
                        let written: String = case
                            .body
                            .chars()
                            .skip(f.span.start)
                            .take(f.span.len())
                            .collect();
                        Money::parse(&f.value).map_or_else(
                            || key(role, &f.value),
                            |m| m.in_dollar_of(&written, c).to_string(),
                        )
                    }
                    _ => key(role, &f.value),
                })
                .collect();
            let gold: Vec<String> = case.facts.of(role).iter().map(|v| key(role, v)).collect();
            let s = roles.entry(role.as_str().to_string()).or_default();
            count(s, &found, &gold, role.as_str(), &mut fact_errors);
        }
        let partial_found: Vec<String> = reply
            .roles
            .partial
            .then(|| "yes".to_string())
            .into_iter()
            .collect();
        let partial_gold: Vec<String> = case
            .facts
            .partial
            .then(|| "yes".to_string())
            .into_iter()
            .collect();
        count(
            roles.entry("partial".into()).or_default(),
            &partial_found,
            &partial_gold,
            "partial",
            &mut fact_errors,
        );
        let asks_found: Vec<String> = reply
            .roles
            .asks
            .iter()
            .map(|a| a.as_str().to_string())
            .collect();
        count(
            roles.entry("asks".into()).or_default(),
            &asks_found,
            &case.facts.asks,
            "asks",
            &mut fact_errors,
        );

        let ledger = case.ledger()?;
        let decision = decide_case(case, reply, prediction, &ledger, cfg);
        let mut draft_errors = Vec::new();
        if let Some(draft) = &decision.draft {
            drafted += 1;
            if decision.route == Route::Draft {
                automated += 1;
            }
            if gold_labels.contains(&Label::ScopeDispute) {
                forbidden += 1;
            }
            draft_errors = judge(case, &gold_labels, prediction, &ledger, draft);
            if draft_errors.is_empty() {
                correct += 1;
            }
        }
        if !fact_errors.is_empty() || !draft_errors.is_empty() {
            failures.push(FactFailure {
                id: case.id.clone(),
                facts: fact_errors,
                draft: draft_errors,
                decision: format!(
                    "{} / {}: {}",
                    decision.route.as_str(),
                    decision.rule,
                    decision.reason
                ),
            });
        }
    }
    let roles = roles.into_iter().map(|(k, v)| (k, v.finish())).collect();
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Ok(FactsReport {
        path: path.to_string(),
        cases: cases.len(),
        roles,
        drafted,
        automated,
        correct_drafts: correct,
        draft_correctness: ratio(correct, drafted),
        automation_rate: ratio(automated, cases.len()),
        forbidden_drafts: forbidden,
        failures,
    })
}

/// A value compared the way its role is: POs whatever their separators,
/// amounts as money, dates as written.
fn key(role: Role, v: &str) -> String {
    match role {
        Role::NewPo | Role::OldPo => normalise_id(v),
        Role::PromiseAmount => {
            Money::parse(v).map_or_else(|| v.trim().to_string(), |m| m.to_string())
        }
        _ => v.trim().to_string(),
    }
}

/// Adds one case's found and gold values to a role's counts, noting
/// mismatches.
fn count(
    s: &mut RoleScore,
    found: &[String],
    gold: &[String],
    name: &str,
    errors: &mut Vec<String>,
) {
    let found: BTreeSet<&String> = found.iter().collect();
    let gold: BTreeSet<&String> = gold.iter().collect();
    let tp = found.intersection(&gold).count();
    s.true_positives += tp;
    s.false_positives += found.len() - tp;
    s.false_negatives += gold.len() - tp;
    if found != gold {
        errors.push(format!("{name}: found {found:?}, gold {gold:?}"));
    }
}

/// Links, and decides, one case as `ingest` would.
fn decide_case(
    case: &FactCase,
    reply: &PreparedReply,
    prediction: &Prediction,
    ledger: &Ledger,
    cfg: &RuleConfig,
) -> Decision {
    let message = case.message();
    let link = Linker::new(ledger).link(&message);
    let invoice = link
        .invoice
        .as_deref()
        .and_then(|n| ledger.invoices.iter().find(|i| i.number == n));
    let client = ledger.clients.first();
    let today = reply.reference.unwrap_or_default();
    let link_problem = link.reason();
    let c = Case {
        prediction: Some(prediction),
        client,
        invoice,
        link_problem: link_problem.as_deref(),
        ..Case::new(&message, reply, today)
    };
    decide(&c, cfg)
}

/// Why a draft is wrong by the rules of the spec; empty when it is right.
fn judge(
    case: &FactCase,
    gold_labels: &[Label],
    prediction: &Prediction,
    ledger: &Ledger,
    draft: &crate::domain::Draft,
) -> Vec<String> {
    let mut why = Vec::new();
    let mut predicted = prediction.labels.clone();
    predicted.sort();
    predicted.dedup();
    if predicted != gold_labels {
        why.push(format!("labels {predicted:?}, gold {gold_labels:?}"));
    }
    if gold_labels.contains(&Label::ScopeDispute) {
        why.push("a draft for a scope dispute".into());
    }
    let reference = crate::text::facts::parse_email_date(&case.date);
    let lang = draft.language.as_str();
    let body = &draft.body;
    let stated: BTreeSet<NaiveDate> = find_facts(body, reference, Some(lang))
        .into_iter()
        .filter(|f| f.kind == FactKind::Date)
        .filter_map(|f| NaiveDate::parse_from_str(&f.value, "%Y-%m-%d").ok())
        .collect();
    let dates = |v: &[String]| -> Vec<NaiveDate> {
        v.iter()
            .filter_map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .collect()
    };
    let g = &case.facts;
    let promise = dates(&g.promise_date);
    let arrival = dates(&g.arrival_date);
    let approval = dates(&g.approval_date);
    let balance = dates(&g.balance_date);
    let past = !promise.is_empty() && reference.is_some_and(|r| promise.iter().all(|d| *d <= r));
    if !promise.is_empty() && !past && !promise.iter().chain(&arrival).any(|d| stated.contains(d)) {
        why.push(format!(
            "does not name the promise date {:?}",
            g.promise_date
        ));
    }
    let mut allowed: BTreeSet<NaiveDate> = BTreeSet::new();
    for d in promise
        .iter()
        .chain(&arrival)
        .chain(&approval)
        .chain(&balance)
    {
        allowed.insert(*d);
        if let Some(next) = d.checked_add_days(Days::new(1)) {
            allowed.insert(next);
        }
    }
    for i in &ledger.invoices {
        allowed.insert(i.issue_date);
        allowed.insert(i.due_date);
    }
    for d in stated.difference(&allowed) {
        why.push(format!("names a date the client did not give: {d}"));
    }
    let templates: BTreeSet<&str> = draft.templates.iter().map(String::as_str).collect();
    let reissue = g.asks.iter().any(|a| a == "reissue") || !g.old_po.is_empty();
    if !g.new_po.is_empty() && reissue {
        let norm_body = normalise_id(body);
        if !g
            .new_po
            .iter()
            .any(|p| norm_body.contains(&normalise_id(p)))
        {
            why.push(format!("does not contain the new PO {:?}", g.new_po));
        }
    }
    if !g.new_po.is_empty() && templates.contains("po_missing") {
        why.push("asks for a PO the client gave".into());
    }
    for d in &approval {
        if !stated.contains(d) {
            why.push(format!("does not name the approval date {d}"));
        }
    }
    if g.partial && !g.promise_amount.is_empty() {
        let found: BTreeSet<String> = find_facts(body, reference, Some(lang))
            .into_iter()
            .filter(|f| f.kind == FactKind::Amount)
            .filter_map(|f| Money::parse(&f.value).map(|m| m.to_string()))
            .collect();
        let gold: Vec<String> = g
            .promise_amount
            .iter()
            .map(|a| key(Role::PromiseAmount, a))
            .collect();
        if !gold.iter().any(|a| found.contains(a)) {
            why.push(format!(
                "does not restate the partial amount {:?}",
                g.promise_amount
            ));
        }
    }
    if !promise.is_empty()
        && (templates.contains("payment_ask_date") || templates.contains("payment_ask_both"))
    {
        why.push("asks for a date the client gave".into());
    }
    if !g.promise_amount.is_empty()
        && (templates.contains("payment_ask_amount") || templates.contains("payment_ask_both"))
    {
        why.push("asks for an amount the client gave".into());
    }
    if !approval.is_empty() && templates.contains("approval_pending") {
        why.push("asks for the approval date the client gave".into());
    }
    why
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_sender_is_read_as_a_from_header() {
        assert_eq!(
            sender("Ortiz, Carmen <C.Ortiz@HalcyonRail.example>"),
            (
                Some("c.ortiz@halcyonrail.example".to_string()),
                Some("Ortiz, Carmen".to_string())
            )
        );
        assert_eq!(
            sender("Jürgen Hoffmann <j.hoffmann@brenner-antriebe.example>"),
            (
                Some("j.hoffmann@brenner-antriebe.example".to_string()),
                Some("Jürgen Hoffmann".to_string())
            )
        );
        assert_eq!(
            sender("ap@acme.example"),
            (Some("ap@acme.example".to_string()), None)
        );
    }

    #[test]
    fn role_scores_count_sets() {
        let mut s = RoleScore::default();
        let mut errors = Vec::new();
        count(
            &mut s,
            &["a".into(), "b".into()],
            &["b".into(), "c".into()],
            "x",
            &mut errors,
        );
        let s = s.finish();
        assert_eq!(
            (s.true_positives, s.false_positives, s.false_negatives),
            (1, 1, 1)
        );
        assert!((s.precision - 0.5).abs() < 1e-9 && (s.recall - 0.5).abs() < 1e-9);
        assert_eq!(errors.len(), 1);
        let empty = RoleScore::default().finish();
        assert_eq!((empty.precision, empty.recall), (1.0, 1.0));
    }

    #[test]
    fn po_and_amount_keys_ignore_form() {
        assert_eq!(key(Role::NewPo, "PO-2231"), key(Role::NewPo, "po 2231"));
        assert_eq!(
            key(Role::PromiseAmount, "2100.00 GBP"),
            key(Role::PromiseAmount, "2100 GBP")
        );
    }

    fn case(body: &str, gold_date: &str) -> FactCase {
        let line = serde_json::json!({
            "id": "c1",
            "date": "Wed, 10 Sep 2025 09:00:00 +0100",
            "from": "Ann Lee <ann@client.example>",
            "subject": "RE: Invoice INV-2207",
            "body": body,
            "labels": ["payment_scheduled"],
            "ledger": {
                "client": {"id": "c", "name": "Client Ltd", "domains": ["client.example"],
                           "contacts": ["ann@client.example"], "partner": "P", "partner_email": "p@us.example",
                           "language": "en-GB"},
                "invoices": [{"number": "INV-2207", "issue_date": "2025-07-15", "due_date": "2025-08-14",
                              "amount": "6240.00", "currency": "GBP", "po_number": null}]
            },
            "facts": {"promise_date": [gold_date]}
        });
        serde_json::from_value(line).expect("a valid case")
    }

    fn prediction() -> Prediction {
        Prediction {
            id: "c1".into(),
            labels: vec![Label::PaymentScheduled],
            scores: Label::ALL
                .iter()
                .map(|&l| {
                    (
                        l,
                        if l == Label::PaymentScheduled {
                            0.95
                        } else {
                            0.02
                        },
                    )
                })
                .collect(),
            evidence: BTreeMap::new(),
            facts: Default::default(),
            model: "test".into(),
        }
    }

    #[test]
    fn a_draft_naming_the_clients_date_is_right_and_another_date_is_not() {
        let body = "Invoice INV-2207 goes out in our payment run on Thursday 18 September.";
        let right = case(body, "2025-09-18");
        let wrong = case(body, "2025-09-19");
        let cases = [right, wrong];
        let prepared: Vec<PreparedReply> = cases.iter().map(FactCase::prepare).collect();
        let preds = [prediction(), prediction()];
        let r = score("t", &cases, &prepared, &preds, &RuleConfig::default()).expect("scores");
        assert_eq!((r.drafted, r.correct_drafts), (2, 1), "{:#?}", r.failures);
        let failed = &r.failures[0];
        assert!(
            failed
                .draft
                .iter()
                .any(|d| d.contains("does not name the promise date"))
        );
        assert!(
            failed
                .draft
                .iter()
                .any(|d| d.contains("names a date the client did not give"))
        );
        let p = &r.roles["promise_date"];
        assert_eq!(
            (p.true_positives, p.false_positives, p.false_negatives),
            (1, 1, 1)
        );
    }
}
