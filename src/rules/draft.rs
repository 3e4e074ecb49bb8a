//! Deterministic reply drafts: minijinja templates over named facts.
//!
//! A draft is a greeting, an opening in the chosen [`Tone`], one section per
//! label or request the reply raises, and a closing, each a template of
//! `src/rules/templates/<lang>/`. The rules choose the templates; templates
//! hold no logic, so the variables a template names ([`minijinja::Template::undeclared_variables`])
//! are exactly the facts the draft states, and each is looked up in a bag of
//! facts with their sources ([`FactUse`]): the ledger, the reply, the SOW
//! facts or the configuration. A variable missing from the bag is an error,
//! never an empty string (undefined variables are strict), and a fact the
//! reply did not give selects a template that asks for it instead.
//!
//! **Languages.** Every template exists in English, German, French, Spanish,
//! Dutch and Portuguese (`templates/en/`, `de/`, `fr/`, `es/`, `nl/`, `pt/`,
//! all embedded at build time; a missing file is a build error). Each
//! language's template states exactly the facts of the English one — the
//! same variables — worded as a native accounts-receivable clerk writes them,
//! with the formal address (Sie, vous, usted, u, the formal third person in
//! Portuguese) in every tone. The draft's language is the client's ledger
//! language, else the language of the client's own text in the reply, else
//! English ([`super::lang::choose`]); it is recorded on
//! [`Draft::language`], while [`Draft::templates`] keeps the bare template
//! names. Dates are written in the draft's language (`15. Dezember 2026`,
//! [`Lang::format_date`]), so a fact's value is the text the draft shows;
//! money keeps its one form (`USD 8,400.00`) everywhere, and the config's
//! `sender_name` and `remit_to` are quoted as configured.
//!
//! Drafts are plain text: nothing is HTML-escaped. Reply-derived values are
//! passed to templates as values, never as template source, so `{{ … }}` in
//! a client's name or PO number is printed as written; line breaks in them
//! become spaces.
//!
//! Threading: the subject gets one `Re: ` unless it already starts with a
//! reply prefix (`Re:`, `RE:`, `AW:`, `SV:`, `Antw:`, `RES:`, …), whatever
//! the draft's language; `In-Reply-To` is the reply's Message-ID and
//! `References` its References (or In-Reply-To) followed by its Message-ID.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use chrono::NaiveDate;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use regex::Regex;

use super::analysis::{Analysis, ContactFinding, PoFinding};
use super::lang::{self, Lang};
use super::{Case, Draft, FactUse, Route, RuleConfig, Tone};
use crate::domain::Label;
use crate::text::cues::one_line;

/// Declares [`TEMPLATE_NAMES`] and embeds every template of every language
/// at build time: a template missing from a language's folder is a build
/// error.
macro_rules! templates {
    (@lang $lang:literal; $($name:literal),*) => {
        [$((
            concat!($lang, "/", $name),
            include_str!(concat!("templates/", $lang, "/", $name, ".j2")),
        )),*]
    };
    ($($name:literal),* $(,)?) => {
        /// The names of every draft template, for tests and documentation;
        /// each language of [`Lang::ALL`] has all of them.
        pub const TEMPLATE_NAMES: [&str; 27] = [$($name),*];

        /// Template sources per language, in the order of [`Lang::ALL`]:
        /// (`<lang>/<name>`, source).
        const TEMPLATES: [[(&str, &str); 27]; 6] = [
            templates!(@lang "en"; $($name),*),
            templates!(@lang "de"; $($name),*),
            templates!(@lang "fr"; $($name),*),
            templates!(@lang "es"; $($name),*),
            templates!(@lang "nl"; $($name),*),
            templates!(@lang "pt"; $($name),*),
        ];
    };
}

templates!(
    "greeting_named",
    "greeting_plain",
    "opening_friendly",
    "opening_firm",
    "opening_formal",
    "closing_friendly",
    "closing_firm",
    "closing_formal",
    "po_new",
    "po_change_order",
    "po_missing",
    "po_exhausted",
    "po_quantity",
    "approval_pending",
    "approval_dated",
    "payment_scheduled",
    "payment_ask_date",
    "payment_ask_amount",
    "payment_ask_both",
    "payment_reported",
    "payment_partial_planned",
    "payment_partial_ask_rest",
    "payment_partial_reported",
    "invoice_copy",
    "contact_change",
    "contact_ask",
    "bank_details",
);

/// The environment's key of template `name` in `lang`: `de/po_new`.
fn template_key(lang: Lang, name: &str) -> String {
    format!("{}/{name}", lang.code())
}

/// The template environment: plain text, strict about undefined variables,
/// every template under its `<lang>/<name>` key.
static ENV: LazyLock<Result<Environment<'static>, String>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    for (key, source) in TEMPLATES.iter().flatten() {
        env.add_template(key, source)
            .map_err(|e| format!("template {key}: {e}"))?;
    }
    Ok(env)
});

/// One section of a draft, chosen by the rules; its template names the facts it states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Section {
    PoNew { po: String, source: String },
    PoChangeOrder { po: String, source: String },
    PoMissing,
    PoExhausted,
    PoQuantity { po: String, source: String },
    ApprovalPending,
    ApprovalDated,
    PaymentScheduled,
    PaymentAskDate,
    PaymentAskAmount,
    PaymentAskBoth,
    PaymentReported,
    PaymentPartialPlanned,
    PaymentPartialAskRest,
    PaymentPartialReported,
    InvoiceCopy,
    ContactChange { email: String, source: String },
    ContactAsk,
    BankDetails,
}

impl Section {
    /// The section's template.
    pub(crate) fn template(&self) -> &'static str {
        match self {
            Section::PoNew { .. } => "po_new",
            Section::PoChangeOrder { .. } => "po_change_order",
            Section::PoMissing => "po_missing",
            Section::PoExhausted => "po_exhausted",
            Section::PoQuantity { .. } => "po_quantity",
            Section::ApprovalPending => "approval_pending",
            Section::ApprovalDated => "approval_dated",
            Section::PaymentScheduled => "payment_scheduled",
            Section::PaymentAskDate => "payment_ask_date",
            Section::PaymentAskAmount => "payment_ask_amount",
            Section::PaymentAskBoth => "payment_ask_both",
            Section::PaymentReported => "payment_reported",
            Section::PaymentPartialPlanned => "payment_partial_planned",
            Section::PaymentPartialAskRest => "payment_partial_ask_rest",
            Section::PaymentPartialReported => "payment_partial_reported",
            Section::InvoiceCopy => "invoice_copy",
            Section::ContactChange { .. } => "contact_change",
            Section::ContactAsk => "contact_ask",
            Section::BankDetails => "bank_details",
        }
    }

    /// The rule of the table the section answers (for auto-send).
    pub(crate) fn rule(&self) -> &'static str {
        match self {
            Section::PoNew { .. }
            | Section::PoChangeOrder { .. }
            | Section::PoMissing
            | Section::PoExhausted
            | Section::PoQuantity { .. } => "po_mismatch",
            Section::ApprovalPending | Section::ApprovalDated => "approval_pending",
            Section::PaymentScheduled
            | Section::PaymentAskDate
            | Section::PaymentAskAmount
            | Section::PaymentAskBoth
            | Section::PaymentPartialPlanned
            | Section::PaymentPartialAskRest => "payment_scheduled",
            Section::PaymentReported | Section::PaymentPartialReported => "payment_reported",
            Section::InvoiceCopy
            | Section::ContactChange { .. }
            | Section::ContactAsk
            | Section::BankDetails => "request",
        }
    }

    /// True for sections that press for payment (they take the tone tier).
    fn chases(&self) -> bool {
        matches!(
            self.rule(),
            "po_mismatch" | "approval_pending" | "payment_scheduled"
        )
    }
}

/// The sections a draft for this analysis holds, in order: a payment
/// report's thanks (and no chaser), or else the PO, approval and payment
/// sections; then requests. Fails when a request needs a fact nothing can
/// supply. Scope disputes get no draft: the partner answers them.
pub(crate) fn plan(a: &Analysis, cfg: &RuleConfig) -> Result<Vec<Section>, String> {
    let mut out = Vec::new();
    match &a.paid {
        Some(p) if p.full => out.push(Section::PaymentReported),
        Some(p) => {
            if p.amount.is_some() && a.balance_date.is_some() {
                out.push(Section::PaymentPartialReported);
            }
        }
        None => {
            if let Some(po) = &a.po {
                out.push(match po {
                    PoFinding::New {
                        po,
                        source,
                        change_order: false,
                    } => Section::PoNew {
                        po: po.clone(),
                        source: source.clone(),
                    },
                    PoFinding::New {
                        po,
                        source,
                        change_order: true,
                    } => Section::PoChangeOrder {
                        po: po.clone(),
                        source: source.clone(),
                    },
                    PoFinding::Exhausted {
                        po: Some((po, source)),
                    } => Section::PoQuantity {
                        po: po.clone(),
                        source: source.clone(),
                    },
                    PoFinding::Exhausted { po: None } => Section::PoExhausted,
                    PoFinding::Missing | PoFinding::Several(_) => Section::PoMissing,
                });
            }
            if a.labels.contains(&Label::ApprovalPending) {
                out.push(if a.approval.is_some() {
                    Section::ApprovalDated
                } else {
                    Section::ApprovalPending
                });
            }
            if let Some(p) = &a.promise {
                out.push(match (p.date.is_some(), p.amount.is_some()) {
                    (true, true) if p.partial && a.balance_date.is_some() => {
                        Section::PaymentPartialPlanned
                    }
                    (true, true) if p.partial => Section::PaymentPartialAskRest,
                    (true, true) => Section::PaymentScheduled,
                    (false, true) => Section::PaymentAskDate,
                    (true, false) => Section::PaymentAskAmount,
                    (false, false) => Section::PaymentAskBoth,
                });
            }
        }
    }
    // A section that asks for a day, in a reply that names a day to come
    // with no word for what it is: the day asked for may be that one.
    let asks_day = out.iter().any(|s| {
        matches!(
            s,
            Section::ApprovalPending
                | Section::PaymentAskDate
                | Section::PaymentAskBoth
                | Section::PaymentPartialAskRest
        )
    });
    if asks_day && !a.unplaced_days.is_empty() {
        return Err(format!(
            "the reply names {} without saying what it is; the draft would ask for a day",
            a.unplaced_days.join(", ")
        ));
    }
    // "Send us a valid PO" to a reply that names an identifier of a PO's
    // shape without a word for it: that may be the PO.
    if out.iter().any(|s| matches!(s, Section::PoMissing)) && !a.unplaced_ids.is_empty() {
        return Err(format!(
            "the reply names {} without saying it is the PO; the draft would ask for one",
            a.unplaced_ids.join(", ")
        ));
    }
    if a.requests.invoice_copy {
        out.push(Section::InvoiceCopy);
    }
    match &a.requests.contact {
        Some(ContactFinding::Address { email, source }) => out.push(Section::ContactChange {
            email: email.clone(),
            source: source.clone(),
        }),
        Some(ContactFinding::Unclear) => out.push(Section::ContactAsk),
        None => {}
    }
    if a.requests.bank {
        if cfg.remit_to.as_deref().is_none_or(|r| r.trim().is_empty()) {
            return Err("bank details requested and no remit_to configured".to_string());
        }
        out.push(Section::BankDetails);
    }
    Ok(out)
}

/// Renders the draft for `sections`. Fails (and the reply goes to a person)
/// when a template names a fact the bag does not hold.
pub(crate) fn compose(
    case: &Case<'_>,
    cfg: &RuleConfig,
    a: &Analysis,
    sections: &[Section],
    route: Route,
) -> Result<Draft, String> {
    let env = ENV.as_ref().map_err(Clone::clone)?;
    let msg = case.message;
    let language = lang::choose(case.client, case.reply.language).lang;
    let bag = fact_bag(case, cfg, a, sections, language);
    let chasing = route != Route::Partner && sections.iter().any(Section::chases);
    let mut tone = if chasing { a.tone() } else { Tone::Friendly };
    if tone != Tone::Friendly
        && !(bag.contains_key("due_date") && bag.contains_key("invoice_amount"))
    {
        tone = Tone::Friendly;
    }
    let greeting = if bag.contains_key("contact_name") {
        "greeting_named"
    } else {
        "greeting_plain"
    };
    let (opening, closing) = match tone {
        Tone::Friendly => ("opening_friendly", "closing_friendly"),
        Tone::Firm => ("opening_firm", "closing_firm"),
        Tone::Formal => ("opening_formal", "closing_formal"),
    };
    let mut names: Vec<&str> = vec![greeting, opening];
    names.extend(sections.iter().map(Section::template));
    names.push(closing);

    let mut parts = Vec::with_capacity(names.len());
    let mut used: Vec<FactUse> = Vec::new();
    for name in &names {
        let key = template_key(language, name);
        let tmpl = env
            .get_template(&key)
            .map_err(|e| format!("template {key}: {e}"))?;
        let vars: BTreeSet<String> = tmpl.undeclared_variables(false).into_iter().collect();
        let mut ctx = BTreeMap::new();
        for var in &vars {
            let fact = bag
                .get(var.as_str())
                .ok_or_else(|| format!("template {key} needs the fact {var}, which is missing"))?;
            ctx.insert(var.clone(), fact.value.clone());
            if !used.iter().any(|u| u.name == fact.name) {
                used.push(fact.clone());
            }
        }
        let text = tmpl
            .render(&ctx)
            .map_err(|e| format!("template {key}: {e}"))?;
        parts.push(text.trim().to_string());
    }
    let mut body = parts.join("\n\n");
    body.push('\n');
    let (in_reply_to, references) = threading(msg);
    Ok(Draft {
        to: msg.from.as_deref().map(one_line).filter(|s| !s.is_empty()),
        subject: reply_subject(&msg.subject, case.invoice.map(|i| i.number.as_str())),
        body,
        in_reply_to,
        references,
        facts_used: used,
        templates: names.iter().map(|n| n.to_string()).collect(),
        language: language.code().to_string(),
        tone,
        attach_invoices: if sections.contains(&Section::InvoiceCopy) {
            case.invoice
                .map(|i| vec![i.number.clone()])
                .unwrap_or_default()
        } else {
            Vec::new()
        },
        auto_send: false,
    })
}

/// Every fact a template may state, by template variable name, with dates
/// written in `lang`.
fn fact_bag(
    case: &Case<'_>,
    cfg: &RuleConfig,
    a: &Analysis,
    sections: &[Section],
    lang: Lang,
) -> BTreeMap<&'static str, FactUse> {
    let mut bag = BTreeMap::new();
    let mut put = |name: &'static str, value: String, source: String| {
        if !value.trim().is_empty() {
            bag.insert(
                name,
                FactUse {
                    name: name.to_string(),
                    value,
                    source,
                },
            );
        }
    };
    if let Some(inv) = case.invoice {
        put(
            "invoice_number",
            one_line(&inv.number),
            "ledger:invoice.number".into(),
        );
        put(
            "due_date",
            lang.format_date(inv.due_date),
            "ledger:invoice.due_date".into(),
        );
        put(
            "issue_date",
            lang.format_date(inv.issue_date),
            "ledger:invoice.issue_date".into(),
        );
    }
    if let Some(m) = &a.invoice_money {
        put(
            "invoice_amount",
            m.to_string(),
            "ledger:invoice.amount".into(),
        );
    }
    if let Some(name) = case
        .message
        .from_name
        .as_deref()
        .and_then(crate::text::names::salutation_name)
    {
        put("contact_name", one_line(&name), "reply:From".into());
    }
    put(
        "sender_name",
        one_line(&cfg.sender_name),
        "config:sender_name".into(),
    );
    if let Some(r) = &cfg.remit_to {
        let text: String = r.replace("\r\n", "\n").replace('\r', "\n");
        put(
            "remit_to",
            text.trim().to_string(),
            "config:remit_to".into(),
        );
    }
    if let Some((name, _)) = &a.partner {
        put("partner_name", name.value.clone(), name.source.clone());
    }
    if let Some(d) = &a.approval {
        put("approval_date", lang.format_date(d.date), d.source.clone());
    }
    if let Some(p) = &a.promise {
        if let Some(f) = &p.date {
            let value = match p.promise.date {
                Some(d) => lang.format_date(d),
                None => f.value.clone(),
            };
            put("promise_date", value, f.source.clone());
        }
        if let Some(f) = &p.amount {
            put("promise_amount", f.value.clone(), f.source.clone());
        }
    }
    if let Some(f) = &a.balance_date {
        put("balance_date", lang.format_date(f.date), f.source.clone());
    }
    if let Some(p) = a.paid.as_ref().filter(|p| !p.full)
        && let Some(m) = &p.amount
    {
        put("paid_amount", m.to_string(), p.source.clone());
    }
    for s in sections {
        match s {
            Section::PoNew { po, source }
            | Section::PoChangeOrder { po, source }
            | Section::PoQuantity { po, source } => put("new_po", po.clone(), source.clone()),
            Section::ContactChange { email, source } => {
                put("new_contact", email.clone(), source.clone());
            }
            _ => {}
        }
    }
    bag
}

/// A date in English, `15 December 2026` (the value of a promise's
/// `promise_date` fact; drafts write dates in their own language with
/// [`Lang::format_date`]).
pub(crate) fn render_date(d: NaiveDate) -> String {
    Lang::En.format_date(d)
}

static RE_REPLY_PREFIX: LazyLock<Result<Regex, regex::Error>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:re|aw|sv|vs|antw|antwort|ref|réf|rép|rif|res|r|odp|ynt)\s*(?:\[\d+\]|\(\d+\))?\s*:",
    )
});

/// The subject of a reply to a message with `subject`: one `Re: ` in front
/// unless it already starts with a reply prefix in any common language;
/// `Re: Invoice <number>` when the subject is empty. Line breaks are removed
/// (no header injection).
pub fn reply_subject(subject: &str, invoice_number: Option<&str>) -> String {
    let s = one_line(subject);
    if s.is_empty() {
        return match invoice_number {
            Some(n) => format!("Re: Invoice {}", one_line(n)),
            None => "Re:".to_string(),
        };
    }
    let already = RE_REPLY_PREFIX.as_ref().is_ok_and(|re| re.is_match(&s));
    if already { s } else { format!("Re: {s}") }
}

/// `In-Reply-To` and `References` for a reply to `msg` (RFC 5322 §3.6.4).
fn threading(msg: &crate::domain::ParsedMessage) -> (Option<String>, Vec<String>) {
    let clean = |id: &str| one_line(id).trim_matches(['<', '>']).to_string();
    let in_reply_to = msg
        .message_id
        .as_deref()
        .map(clean)
        .filter(|s| !s.is_empty());
    let parents = if msg.references.is_empty() {
        &msg.in_reply_to
    } else {
        &msg.references
    };
    let mut refs: Vec<String> = Vec::new();
    for id in parents.iter().map(|i| clean(i)).chain(in_reply_to.clone()) {
        if !id.is_empty() && !refs.contains(&id) {
            refs.push(id);
        }
    }
    (in_reply_to, refs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variables(lang: Lang, name: &str) -> BTreeSet<String> {
        let env = ENV.as_ref().expect("templates parse");
        let tmpl = env
            .get_template(&template_key(lang, name))
            .unwrap_or_else(|e| panic!("{lang}/{name}: {e}"));
        tmpl.undeclared_variables(false).into_iter().collect()
    }

    #[test]
    fn every_language_has_every_template_and_nothing_else() {
        let env = ENV.as_ref().expect("templates parse");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules/templates");
        let list = |path: &std::path::Path| -> BTreeSet<String> {
            std::fs::read_dir(path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
                .map(|e| {
                    let e = e.expect("directory entry");
                    e.file_name().to_string_lossy().into_owned()
                })
                .collect()
        };
        let langs: BTreeSet<String> = Lang::ALL.iter().map(|l| l.code().to_string()).collect();
        assert_eq!(list(&dir), langs, "one folder per language, nothing else");
        let files: BTreeSet<String> = TEMPLATE_NAMES.iter().map(|n| format!("{n}.j2")).collect();
        for (i, lang) in Lang::ALL.into_iter().enumerate() {
            assert_eq!(list(&dir.join(lang.code())), files, "{lang}");
            for (j, name) in TEMPLATE_NAMES.into_iter().enumerate() {
                assert_eq!(TEMPLATES[i][j].0, template_key(lang, name));
                assert!(env.get_template(&template_key(lang, name)).is_ok());
                assert!(!TEMPLATES[i][j].1.trim().is_empty(), "{lang}/{name} empty");
            }
        }
    }

    /// Templates hold no logic: each language states exactly the facts the
    /// English template states.
    #[test]
    fn every_language_declares_the_english_variables() {
        for name in TEMPLATE_NAMES {
            let english = variables(Lang::En, name);
            assert!(
                !english.is_empty() || name == "greeting_plain" || name == "contact_ask",
                "{name} states no fact"
            );
            for lang in Lang::ALL {
                assert_eq!(variables(lang, name), english, "{lang}/{name}");
            }
        }
    }

    #[test]
    fn templates_are_plain_substitutions() {
        for (key, source) in TEMPLATES.iter().flatten() {
            assert!(!source.contains("{%"), "{key}: no statements");
            assert!(!source.contains("{#"), "{key}: no comments");
            assert!(!source.contains('|'), "{key}: no filters");
        }
    }

    #[test]
    fn subjects() {
        assert_eq!(reply_subject("Invoice INV-1", None), "Re: Invoice INV-1");
        assert_eq!(
            reply_subject("RE: Invoice INV-1", None),
            "RE: Invoice INV-1"
        );
        assert_eq!(reply_subject("AW: Rechnung 7", None), "AW: Rechnung 7");
        assert_eq!(reply_subject("Re[2]: x", None), "Re[2]: x");
        assert_eq!(reply_subject("Fwd: x", None), "Re: Fwd: x");
        assert_eq!(reply_subject("Regarding x", None), "Re: Regarding x");
        assert_eq!(reply_subject("  ", Some("INV-9")), "Re: Invoice INV-9");
        assert_eq!(reply_subject("a\r\nBcc: x@y", None), "Re: a Bcc: x@y");
    }
}
