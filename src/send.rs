//! Sending approved drafts: each becomes an RFC 5322 message in the client's
//! thread and goes to an outbox Maildir or an SMTP server.
//!
//! A draft is sent only once a person approved it (or its rule allows
//! auto-send, [`crate::rules::RuleConfig::auto_send`]). The message carries
//! the draft's `Re:` subject, `In-Reply-To` and `References`, our From
//! address, and a Message-ID derived from the item and the exact text
//! (`<ar-triage.<item>.<hash>@<our domain>>`), so sending the same approved
//! draft twice produces the same Message-ID: the outbox Maildir keeps one
//! file per Message-ID, and a mail client that receives a duplicate over
//! SMTP can tell. An invoice-copy draft attaches `<invoice>.pdf` from the
//! configured invoice directory; when the file is missing the draft is not
//! sent and the failure says why.
//!
//! lettre's types stay inside this module.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::{Digest, Sha256};

use crate::domain::Draft;
use crate::store::{SentRecord, Store, StoreError, redact_url};

/// Why a draft could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The draft has no usable recipient address.
    #[error("no recipient: {0}")]
    Recipient(String),
    /// Our own From address is not an address.
    #[error(
        "--from {0:?} is not an email address (\"Name <ar@firm.example>\" or \"ar@firm.example\")"
    )]
    From(String),
    /// The invoice PDF an invoice-copy draft must carry is not there.
    #[error("invoice copy {invoice}: {reason}")]
    Attachment {
        /// The invoice number.
        invoice: String,
        /// What is wrong.
        reason: String,
    },
    /// The message could not be built.
    #[error("building the message: {0}")]
    Build(String),
    /// Writing to the outbox failed.
    #[error("outbox {dir}: {source}")]
    Outbox {
        /// The outbox directory.
        dir: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The SMTP URL is not one lettre understands.
    #[error("SMTP URL: {0}")]
    SmtpUrl(String),
    /// The SMTP server refused the message or could not be reached.
    #[error("SMTP: {0}")]
    Smtp(String),
    /// The store could not list approved drafts or record what was sent;
    /// this stops a [`deliver_approved`] run.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What every sent message shares.
#[derive(Debug, Clone)]
pub struct SendConfig {
    /// Our From mailbox (`Accounts Receivable <ar@ourfirm.example>`).
    pub from: String,
    /// Where invoice PDFs live, as `<invoice number>.pdf`, for drafts that
    /// send an invoice copy.
    pub invoice_dir: Option<PathBuf>,
}

/// A message ready for delivery.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The item whose draft it is.
    pub item: i64,
    /// Its Message-ID, without angle brackets.
    pub message_id: String,
    /// The recipient address.
    pub to: String,
    /// The subject.
    pub subject: String,
    /// The message as sent (RFC 5322 bytes).
    pub bytes: Vec<u8>,
    envelope: lettre::address::Envelope,
}

/// Where approved drafts go.
pub enum Transport {
    /// A Maildir: each message lands in `new/`, named after its Message-ID,
    /// for a mail client or an MTA to pick up.
    Outbox(PathBuf),
    /// An SMTP server (`smtp://host:port`, `smtps://…`, credentials in the URL).
    Smtp {
        /// The transport.
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// The URL without its password, for reports.
        url: String,
    },
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Transport {
    /// An outbox Maildir at `dir` (created with `tmp/`, `new/`, `cur/` when missing).
    pub fn outbox(dir: &Path) -> Result<Transport, SendError> {
        for sub in ["tmp", "new", "cur"] {
            std::fs::create_dir_all(dir.join(sub)).map_err(|source| SendError::Outbox {
                dir: dir.display().to_string(),
                source,
            })?;
        }
        Ok(Transport::Outbox(dir.to_path_buf()))
    }

    /// An SMTP transport from a URL: `smtp://host:port` (plain, upgraded
    /// with STARTTLS when `?tls=required`), `smtps://host:port` (TLS),
    /// `smtp://user:password@host:port` to log in.
    pub fn smtp(url: &str) -> Result<Transport, SendError> {
        refuse_plain_credentials(url)?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| SendError::SmtpUrl(e.to_string()))?
            .timeout(Some(std::time::Duration::from_secs(60)))
            .build();
        Ok(Transport::Smtp {
            transport,
            url: redact_url(url),
        })
    }

    /// `outbox:<dir>` or the SMTP URL without its password.
    pub fn describe(&self) -> String {
        match self {
            Transport::Outbox(dir) => format!("outbox:{}", dir.display()),
            Transport::Smtp { url, .. } => url.clone(),
        }
    }

    /// Where a message with `message_id` was delivered, when this transport
    /// can tell: an outbox file in `new/` or `cur/`. `None` for SMTP, which
    /// keeps no record we can read.
    pub fn find_delivered(&self, message_id: &str) -> Option<String> {
        let Transport::Outbox(dir) = self else {
            return None;
        };
        let name = outbox_name(message_id);
        ["new", "cur"].iter().find_map(|sub| {
            std::fs::read_dir(dir.join(sub))
                .ok()?
                .filter_map(Result::ok)
                .find(|e| {
                    let f = e.file_name();
                    let f = f.to_string_lossy();
                    f == name || f.starts_with(&format!("{name}:"))
                })
                .map(|e| e.path().display().to_string())
        })
    }

    /// Delivers `msg`; returns where it went (a file or the SMTP reply).
    pub async fn deliver(&self, msg: &Outgoing) -> Result<String, SendError> {
        match self {
            Transport::Outbox(dir) => {
                let io = |source| SendError::Outbox {
                    dir: dir.display().to_string(),
                    source,
                };
                let name = outbox_name(&msg.message_id);
                let tmp = dir.join("tmp").join(&name);
                let new = dir.join("new").join(&name);
                std::fs::write(&tmp, &msg.bytes).map_err(io)?;
                std::fs::rename(&tmp, &new).map_err(io)?;
                Ok(new.display().to_string())
            }
            Transport::Smtp { transport, .. } => {
                let resp = transport
                    .send_raw(&msg.envelope, &msg.bytes)
                    .await
                    .map_err(|e| SendError::Smtp(e.to_string()))?;
                Ok(format!(
                    "SMTP {} {}",
                    resp.code(),
                    resp.message().collect::<Vec<_>>().join(" ")
                ))
            }
        }
    }
}

/// An `smtp://` URL that logs in to a host that is not loopback must ask
/// for STARTTLS (`?tls=required`): a password never crosses the network
/// in the clear.
fn refuse_plain_credentials(url: &str) -> Result<(), SendError> {
    let Some(rest) = url.strip_prefix("smtp://") else {
        return Ok(());
    };
    let (authority, query) = match rest.split_once('/') {
        Some((a, q)) => (a, q),
        None => rest.split_once('?').unwrap_or((rest, "")),
    };
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return Ok(());
    };
    if userinfo.is_empty() || query.contains("tls=required") {
        return Ok(());
    }
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.split_once(']').map(|(h, _)| h))
        .unwrap_or_else(|| host.split(':').next().unwrap_or(host));
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback {
        return Ok(());
    }
    Err(SendError::SmtpUrl(format!(
        "refusing to log in to {host} without TLS: use smtps://… or add ?tls=required"
    )))
}

/// The outbox file name of a message: its Message-ID, with anything but
/// letters, digits and `.-_@` replaced.
fn outbox_name(message_id: &str) -> String {
    message_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Builds the message for `item`'s approved `draft`.
pub fn build(item: i64, draft: &Draft, cfg: &SendConfig) -> Result<Outgoing, SendError> {
    let from = Mailbox::from_str(cfg.from.trim()).map_err(|_| SendError::From(cfg.from.clone()))?;
    let to_raw = draft
        .to
        .as_deref()
        .ok_or_else(|| SendError::Recipient("the reply had no From address".into()))?;
    let to = Mailbox::from_str(to_raw.trim())
        .map_err(|e| SendError::Recipient(format!("{to_raw:?}: {e}")))?;
    let domain = from.email.domain().to_string();
    let mut h = Sha256::new();
    for part in [
        to.email.to_string().as_str(),
        draft.subject.as_str(),
        draft.body.as_str(),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let digest = h.finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let message_id = format!("ar-triage.{item}.{hex}@{domain}");

    let mut builder = Message::builder()
        .from(from.clone())
        .to(to.clone())
        .subject(draft.subject.clone())
        .message_id(Some(format!("<{message_id}>")))
        .date_now();
    if let Some(parent) = &draft.in_reply_to {
        builder = builder.in_reply_to(format!("<{parent}>"));
    }
    if !draft.references.is_empty() {
        let refs: Vec<String> = draft.references.iter().map(|r| format!("<{r}>")).collect();
        builder = builder.references(refs.join(" "));
    }
    let text = SinglePart::plain(draft.body.clone());
    let message = if draft.attach_invoices.is_empty() {
        builder.singlepart(text)
    } else {
        let mut parts = MultiPart::mixed().singlepart(text);
        for number in &draft.attach_invoices {
            let (name, bytes) = invoice_pdf(number, cfg.invoice_dir.as_deref())?;
            parts = parts.singlepart(
                Attachment::new(name).body(
                    bytes,
                    ContentType::parse("application/pdf")
                        .map_err(|e| SendError::Build(e.to_string()))?,
                ),
            );
        }
        builder.multipart(parts)
    }
    .map_err(|e| SendError::Build(e.to_string()))?;
    let envelope = message.envelope().clone();
    Ok(Outgoing {
        item,
        message_id,
        to: to.email.to_string(),
        subject: draft.subject.clone(),
        bytes: message.formatted(),
        envelope,
    })
}

/// `<dir>/<number>.pdf`, read; the number must be a plain file name.
fn invoice_pdf(number: &str, dir: Option<&Path>) -> Result<(String, Vec<u8>), SendError> {
    let err = |reason: String| SendError::Attachment {
        invoice: number.to_string(),
        reason,
    };
    let dir = dir.ok_or_else(|| {
        err("the draft sends a copy of the invoice and no invoice directory is configured (--invoice-dir)".into())
    })?;
    if number.is_empty()
        || number.starts_with('.')
        || !number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(err("not a plain file name".into()));
    }
    let name = format!("{number}.pdf");
    let path = dir.join(&name);
    let bytes = std::fs::read(&path).map_err(|e| err(format!("{}: {e}", path.display())))?;
    Ok((name, bytes))
}

/// How a [`deliver_approved`] run behaves.
#[derive(Debug, Clone)]
pub struct DeliverOptions {
    /// What every message shares (From, invoice directory).
    pub config: SendConfig,
    /// Build each message and report it, but deliver and record nothing.
    pub dry_run: bool,
}

/// What happened to one approved draft in a [`deliver_approved`] run.
#[derive(Debug)]
pub enum SendOutcome {
    /// Dry run: this message would be sent.
    WouldSend {
        /// The item whose draft it is.
        item: i64,
        /// Its subject.
        subject: String,
        /// The recipient address.
        to: String,
        /// Its Message-ID, without angle brackets.
        message_id: String,
    },
    /// Dry run: the draft could not become a message.
    CannotSend {
        /// The item whose draft it is.
        item: i64,
        /// Why.
        error: SendError,
    },
    /// Delivered and recorded in the store and the audit log.
    Sent {
        /// The item whose draft it is.
        item: i64,
        /// Its subject.
        subject: String,
        /// The recipient address.
        to: String,
        /// Its Message-ID, without angle brackets.
        message_id: String,
        /// What the transport said (the file written, the SMTP reply).
        delivered: String,
    },
    /// Not delivered; the failure is recorded (audited) and the draft stays
    /// approved, so a later run tries again.
    Failed {
        /// The item whose draft it is.
        item: i64,
        /// Why.
        error: SendError,
    },
    /// Another `send` run holds this draft now; it delivers it.
    Held {
        /// The item whose draft it is.
        item: i64,
    },
    /// An earlier run claimed this draft and died before it recorded the
    /// outcome, and the transport cannot tell whether it went out (SMTP):
    /// it is not sent again until a person settles it
    /// ([`Store::settle_interrupted_send`]).
    Interrupted {
        /// The item whose draft it is.
        item: i64,
        /// The Message-ID it may have gone out with.
        message_id: String,
    },
}

/// How long a `send` run's claim on a draft lasts: well past the SMTP
/// timeout (60 s), so a live run never loses a claim it still works on.
pub const SEND_LEASE: std::time::Duration = std::time::Duration::from_secs(300);

/// The result of a [`deliver_approved`] run.
#[derive(Debug)]
pub struct SendReport {
    /// The transport, described without passwords (`outbox:<dir>`, an SMTP URL).
    pub via: String,
    /// Whether it was a dry run.
    pub dry_run: bool,
    /// One outcome per approved, unsent draft, in item order.
    pub outcomes: Vec<SendOutcome>,
}

impl SendReport {
    /// Drafts delivered.
    pub fn sent(&self) -> usize {
        self.count(|o| matches!(o, SendOutcome::Sent { .. }))
    }

    /// Drafts that could not be delivered, or whose interrupted send waits
    /// for a person (dry runs never count here).
    pub fn failed(&self) -> usize {
        self.count(|o| {
            matches!(
                o,
                SendOutcome::Failed { .. } | SendOutcome::Interrupted { .. }
            )
        })
    }

    fn count(&self, f: impl Fn(&SendOutcome) -> bool) -> usize {
        self.outcomes.iter().filter(|o| f(o)).count()
    }
}

/// Walks every approved, unsent draft in `store`, builds its message,
/// delivers it through `transport` and records the result: a sent message in
/// the item and the audit log, a failure in the audit log (the draft stays
/// approved for the next run). With [`DeliverOptions::dry_run`] it only builds.
///
/// `on_each` sees every outcome as it happens, so a caller can report
/// progress while a slow SMTP server works; the same outcomes come back in
/// the [`SendReport`]. A draft that cannot be built or delivered does not stop
/// the run; a store failure does ([`SendError::Store`]), after the drafts
/// before it were handled.
pub async fn deliver_approved(
    store: &Store,
    transport: &Transport,
    opts: &DeliverOptions,
    mut on_each: impl FnMut(&SendOutcome),
) -> Result<SendReport, SendError> {
    let via = transport.describe();
    let mut outcomes = Vec::new();
    for d in store.drafts_to_send().await? {
        let built = build(d.item, &d.draft, &opts.config);
        let outcome = if opts.dry_run {
            match built {
                Ok(m) => SendOutcome::WouldSend {
                    item: d.item,
                    subject: m.subject,
                    to: m.to,
                    message_id: m.message_id,
                },
                Err(error) => SendOutcome::CannotSend {
                    item: d.item,
                    error,
                },
            }
        } else {
            match built {
                Ok(m) => deliver_claimed(store, transport, &via, &d, m).await?,
                Err(error) => {
                    tracing::warn!(item = d.item, "not sent: {error}");
                    store
                        .record_send_failure(d.item, &via, &error.to_string())
                        .await?;
                    SendOutcome::Failed {
                        item: d.item,
                        error,
                    }
                }
            }
        };
        on_each(&outcome);
        outcomes.push(outcome);
    }
    Ok(SendReport {
        via,
        dry_run: opts.dry_run,
        outcomes,
    })
}

/// Claims `d`, delivers `m` and records the outcome. A claim left by a run
/// that died is resolved by its Message-ID: found delivered in the outbox,
/// it is recorded sent; not found in an outbox, it is delivered; over SMTP,
/// which cannot tell, it waits for a person.
async fn deliver_claimed(
    store: &Store,
    transport: &Transport,
    via: &str,
    d: &crate::store::DraftToSend,
    mut m: Outgoing,
) -> Result<SendOutcome, SendError> {
    let runner = format!("send pid {}", std::process::id());
    let Some(claim) = store
        .claim_send(d.item, &runner, &m.message_id, SEND_LEASE)
        .await?
    else {
        return Ok(SendOutcome::Held { item: d.item });
    };
    let found = match &claim.interrupted {
        Some(earlier) => match transport.find_delivered(earlier) {
            Some(path) => Some((earlier.clone(), path)),
            None if matches!(transport, Transport::Outbox(_)) => None,
            None => {
                store.release_send(d.item).await?;
                tracing::warn!(item = d.item, message_id = %earlier, "an earlier send was interrupted and may have delivered it: not sent again");
                return Ok(SendOutcome::Interrupted {
                    item: d.item,
                    message_id: earlier.clone(),
                });
            }
        },
        None => None,
    };
    let delivered = match found {
        Some((earlier, path)) => {
            m.message_id = earlier;
            Ok(format!("{path} (delivered by an interrupted run)"))
        }
        None => transport.deliver(&m).await,
    };
    match delivered {
        Ok(delivered) => {
            store
                .record_sent(
                    d.item,
                    &SentRecord {
                        message_id: &m.message_id,
                        to: &m.to,
                        subject: &m.subject,
                        body: &d.draft.body,
                        transport: via,
                        delivered: &delivered,
                    },
                )
                .await?;
            Ok(SendOutcome::Sent {
                item: d.item,
                subject: m.subject,
                to: m.to,
                message_id: m.message_id,
                delivered,
            })
        }
        Err(error) => {
            tracing::warn!(item = d.item, "not sent: {error}");
            store
                .record_send_failure(d.item, via, &error.to_string())
                .await?;
            Ok(SendOutcome::Failed {
                item: d.item,
                error,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Tone;

    fn draft() -> Draft {
        Draft {
            to: Some("Priya Nair <priya.nair@brightwater.example>".into()),
            subject: "Re: Invoice INV-2031".into(),
            body: "Dear Priya,\n\nThank you.\n".into(),
            in_reply_to: Some("reply-1@brightwater.example".into()),
            references: vec![
                "reminder-1@ourfirm.example".into(),
                "reply-1@brightwater.example".into(),
            ],
            facts_used: Vec::new(),
            templates: Vec::new(),
            tone: Tone::Friendly,
            attach_invoices: Vec::new(),
            auto_send: false,
            language: "en".into(),
        }
    }

    fn cfg() -> SendConfig {
        SendConfig {
            from: "Accounts Receivable <ar@ourfirm.example>".into(),
            invoice_dir: None,
        }
    }

    #[test]
    fn messages_thread_and_have_stable_ids() {
        let a = build(7, &draft(), &cfg()).unwrap();
        let text = String::from_utf8(a.bytes.clone()).unwrap();
        assert!(
            text.contains("In-Reply-To: <reply-1@brightwater.example>"),
            "{text}"
        );
        assert!(
            text.contains("References: <reminder-1@ourfirm.example> <reply-1@brightwater.example>")
        );
        assert!(text.contains("Subject: Re: Invoice INV-2031"));
        assert!(a.message_id.starts_with("ar-triage.7."));
        assert!(a.message_id.ends_with("@ourfirm.example"));
        assert_eq!(a.to, "priya.nair@brightwater.example");
        let b = build(7, &draft(), &cfg()).unwrap();
        assert_eq!(a.message_id, b.message_id);
        let mut edited = draft();
        edited.body.push_str("PS\n");
        assert_ne!(build(7, &edited, &cfg()).unwrap().message_id, a.message_id);
    }

    #[test]
    fn bad_addresses_and_missing_invoices_are_errors_not_guesses() {
        let mut d = draft();
        d.to = None;
        assert!(matches!(build(1, &d, &cfg()), Err(SendError::Recipient(_))));
        d.to = Some("not an address".into());
        assert!(matches!(build(1, &d, &cfg()), Err(SendError::Recipient(_))));
        let bad_from = SendConfig {
            from: "AR".into(),
            invoice_dir: None,
        };
        assert!(matches!(
            build(1, &draft(), &bad_from),
            Err(SendError::From(_))
        ));
        let mut copy = draft();
        copy.attach_invoices = vec!["INV-2031".into()];
        assert!(matches!(
            build(1, &copy, &cfg()),
            Err(SendError::Attachment { .. })
        ));
        let dir = tempfile::tempdir().unwrap();
        let with_dir = SendConfig {
            invoice_dir: Some(dir.path().to_path_buf()),
            ..cfg()
        };
        assert!(matches!(
            build(1, &copy, &with_dir),
            Err(SendError::Attachment { .. })
        ));
        std::fs::write(dir.path().join("INV-2031.pdf"), b"%PDF-1.4 test").unwrap();
        let sent = build(1, &copy, &with_dir).unwrap();
        let text = String::from_utf8_lossy(&sent.bytes);
        assert!(text.contains("filename=\"INV-2031.pdf\""), "{text}");
        copy.attach_invoices = vec!["../secrets".into()];
        assert!(matches!(
            build(1, &copy, &with_dir),
            Err(SendError::Attachment { .. })
        ));
    }

    #[test]
    fn header_injection_in_subject_is_not_a_new_header() {
        let mut d = draft();
        d.subject = "Re: x\r\nBcc: evil@example.com".into();
        let sent = build(2, &d, &cfg()).unwrap();
        let text = String::from_utf8_lossy(&sent.bytes);
        assert!(!text.contains("\r\nBcc: evil@example.com"), "{text}");
    }

    #[test]
    fn credentials_never_go_in_the_clear_to_another_host() {
        for url in [
            "smtp://ar:secret@mail.example:587",
            "smtp://ar:secret@10.0.0.5:25/",
            "smtp://ar:secret@mail.example:587?tls=opportunistic",
        ] {
            let e = refuse_plain_credentials(url).unwrap_err();
            assert!(e.to_string().contains("without TLS"), "{url}: {e}");
        }
        for url in [
            "smtp://ar:secret@mail.example:587?tls=required",
            "smtps://ar:secret@mail.example:465",
            "smtp://ar:secret@127.0.0.1:2525",
            "smtp://ar:secret@localhost:25",
            "smtp://ar:secret@[::1]:25",
            "smtp://mail.example:25",
        ] {
            assert!(refuse_plain_credentials(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn passwords_are_not_printed() {
        let described = |url: &str| Transport::smtp(url).unwrap().describe();
        assert_eq!(
            described("smtps://ar:secret@mail.example:465"),
            "smtps://ar:***@mail.example:465"
        );
        assert_eq!(described("smtp://127.0.0.1:2525"), "smtp://127.0.0.1:2525");
    }
}
