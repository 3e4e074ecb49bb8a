//! IMAP source: reads one mailbox of an IMAP server (TLS, or plain text on
//! loopback), waits with IDLE where the server offers it, and resumes from a
//! UIDVALIDITY/UID checkpoint.
//!
//! # Addresses
//!
//! `imap://user@host[:port]/MAILBOX` (plain text, port 143) or
//! `imaps://user@host[:port]/MAILBOX` (TLS from the first byte, port 993).
//! The user and mailbox may be percent-encoded (`%40` for `@`); an empty
//! mailbox means `INBOX`; non-ASCII mailbox names are sent in IMAP's
//! modified UTF-7. A password in the URL is refused: it would end up in shell
//! histories and logs. The caller reads it from the environment
//! ([`DEFAULT_PASSWORD_ENV`] by convention) and passes it to
//! [`ImapSource::connect`]; it is never logged or printed (the `Debug` of
//! every type here redacts it, and the `LOGIN` command that the IMAP crate
//! traces carries a placeholder that only the socket layer replaces).
//!
//! # Trust
//!
//! See [`TlsMode`]: TLS is verified against the system's CA bundle, or only
//! against the certificates in a PEM file ([`CA_ENV`] or
//! [`TlsMode::CaFile`]) for a server with a private CA. Plain text is allowed
//! to loopback addresses only, unless [`TlsMode::InsecurePlain`] says so.
//!
//! # Exactly once
//!
//! Each message is fetched with `BODY.PEEK[]` and carries the checkpoint
//! `"<uidvalidity>:<uid>"`, which the pipeline stores in the same
//! transaction as the item; the next [`Source::fetch`] asks only for higher
//! UIDs. When the mailbox's UIDVALIDITY differs from the checkpoint's, UIDs
//! mean nothing any more and the whole mailbox is read again from UID 1; the
//! store's Message-ID/hash dedup turns the messages already stored into
//! no-ops. [`Source::ack`] changes nothing on the server: the mailbox is
//! only read (messages stay unread for the collector's own mail client), and
//! the stored checkpoint is the one record of progress.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use async_imap::{Client, Session};
use futures::StreamExt;
use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::{Checkpoint, RawMessage, Source, SourceError};

/// The environment variable the CLI reads the IMAP password from unless told
/// otherwise (`--password-env`).
pub const DEFAULT_PASSWORD_ENV: &str = "AR_TRIAGE_IMAP_PASSWORD";

/// The environment variable naming a PEM file of CA certificates to trust
/// instead of the system's, for servers with a private or self-signed CA
/// (read by [`TlsMode::Auto`] and [`TlsMode::Required`]).
pub const CA_ENV: &str = "AR_TRIAGE_IMAP_CA";

/// Messages larger than this are fetched only up to this size (and a warning
/// logged), so one oversized message can neither exhaust memory nor stop
/// the poller. Mail servers refuse messages far smaller than this.
pub const MAX_MESSAGE_BYTES: u32 = 256 * 1024 * 1024;

/// How long connecting, the TLS handshake, logging in and each protocol step
/// may take before the connection is given up (and re-opened next time).
const STEP_TIMEOUT: Duration = Duration::from_secs(120);

/// The most messages one fetch hands out.
const BATCH_MESSAGES: usize = 200;
/// The most bytes (by `RFC822.SIZE`, capped at the message limit) one fetch
/// hands out; the first message always goes.
const BATCH_BYTES: u64 = 64 * 1024 * 1024;

/// The oldest UIDs of `sizes` that fit one batch ([`BATCH_MESSAGES`],
/// [`BATCH_BYTES`]), at least one.
fn first_batch(sizes: BTreeMap<u32, u32>) -> BTreeMap<u32, u32> {
    let mut total = 0u64;
    let mut out = BTreeMap::new();
    for (uid, size) in sizes {
        let cost = u64::from(size.min(MAX_MESSAGE_BYTES));
        if !out.is_empty() && (out.len() == BATCH_MESSAGES || total + cost > BATCH_BYTES) {
            break;
        }
        total += cost;
        out.insert(uid, size);
    }
    out
}

/// How many UIDs one `UID FETCH` names (servers limit command lines).
const FETCH_BATCH: usize = 500;

/// The longest single IDLE (RFC 2177 asks clients to re-issue it within 29
/// minutes); a longer poll interval returns early, which callers allow.
const MAX_IDLE: Duration = Duration::from_secs(29 * 60);

/// The system CA bundles tried, in order, when no CA file is given (Debian
/// and Ubuntu, Fedora and RHEL, openSUSE, Alpine and macOS).
const SYSTEM_CA_FILES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// How the connection is secured.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// As the URL says: `imaps://` is TLS verified against the certificates
    /// in the PEM file named by [`CA_ENV`] if set, else the system's CA
    /// bundle (`SSL_CERT_FILE` or the usual paths); `imap://` is plain text,
    /// allowed only to a loopback address.
    #[default]
    Auto,
    /// TLS whatever the scheme (so `imap://host` means port 993), trusted as
    /// in [`TlsMode::Auto`].
    Required,
    /// TLS whatever the scheme, trusting only the CA certificates in this
    /// PEM file (and not the system's).
    CaFile(PathBuf),
    /// Plain text even to a host that is not loopback: the password and the
    /// mail cross the network unencrypted. Refused for `imaps://`.
    InsecurePlain,
}

/// A parsed `imap://` or `imaps://` address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapUrl {
    /// `true` for `imaps://` (TLS from the first byte).
    pub implicit_tls: bool,
    /// The login name, percent-decoded.
    pub user: String,
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// The port, if the URL gives one.
    pub port: Option<u16>,
    /// The mailbox name, percent-decoded (`INBOX` when the URL names none).
    pub mailbox: String,
}

impl ImapUrl {
    /// Parses `imap[s]://user@host[:port][/MAILBOX]`; refuses a password in
    /// the URL, queries and fragments.
    pub fn parse(url: &str) -> Result<Self, SourceError> {
        let bad = |why: &str| SourceError::Config(format!("IMAP URL {url:?}: {why}"));
        let (implicit_tls, rest) = if let Some(rest) = strip_prefix_ci(url, "imaps://") {
            (true, rest)
        } else if let Some(rest) = strip_prefix_ci(url, "imap://") {
            (false, rest)
        } else {
            return Err(bad("must start with imap:// or imaps://"));
        };
        if rest.contains(['?', '#']) {
            return Err(bad("queries and fragments are not supported"));
        }
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let Some((userinfo, hostport)) = authority.rsplit_once('@') else {
            return Err(bad("no user name (imap://user@host/MAILBOX)"));
        };
        if userinfo.contains(':') {
            // Say nothing about what follows the colon: it is a password.
            return Err(SourceError::Config(
                "IMAP URL: a password in the URL is refused; pass it in an environment variable"
                    .to_string(),
            ));
        }
        if userinfo.contains(';') {
            return Err(bad("authentication parameters (;AUTH=) are not supported"));
        }
        let user = percent_decode(userinfo).ok_or_else(|| bad("bad percent-encoding in user"))?;
        if user.is_empty() {
            return Err(bad("empty user name"));
        }
        let (host, port) = if let Some(bracketed) = hostport.strip_prefix('[') {
            let Some((host, after)) = bracketed.split_once(']') else {
                return Err(bad("unclosed [ in host"));
            };
            let port = match after {
                "" => None,
                _ => Some(
                    after
                        .strip_prefix(':')
                        .ok_or_else(|| bad("junk after ]"))?
                        .to_string(),
                ),
            };
            (host.to_string(), port)
        } else {
            match hostport.rsplit_once(':') {
                Some((host, port)) => (host.to_string(), Some(port.to_string())),
                None => (hostport.to_string(), None),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let port = match port {
            None => None,
            Some(p) => Some(
                p.parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| bad("bad port"))?,
            ),
        };
        let mailbox = percent_decode(path.trim_end_matches('/'))
            .ok_or_else(|| bad("bad percent-encoding in mailbox"))?;
        if mailbox.contains(['\r', '\n', '\0']) {
            return Err(bad("line breaks in the mailbox name"));
        }
        let mailbox = if mailbox.is_empty() {
            "INBOX".to_string()
        } else {
            mailbox
        };
        Ok(Self {
            implicit_tls,
            user,
            host,
            port,
            mailbox,
        })
    }

    /// Whether the host is a loopback address (`localhost`, 127.0.0.0/8, ::1).
    pub fn is_loopback(&self) -> bool {
        self.host.eq_ignore_ascii_case("localhost")
            || self.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

/// The password, kept out of every `Debug` and `Display`.
#[derive(Clone)]
struct Password(String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Everything needed to (re-)open a connection.
struct Endpoint {
    url: ImapUrl,
    port: u16,
    password: Password,
    /// `Some` when the connection is TLS.
    tls: Option<(TlsConnector, ServerName<'static>)>,
    /// The mailbox name as sent on the wire (modified UTF-7).
    wire_mailbox: String,
}

/// An IMAP mailbox as a [`Source`]. One connection, re-opened when it
/// drops; see the module documentation for addresses, trust and the
/// checkpoint.
pub struct ImapSource {
    endpoint: Endpoint,
    name: String,
    key: String,
    session: Option<Session<Wire>>,
    idle: bool,
    /// UIDVALIDITY and highest UID handed out (or known to be stored).
    seen: Option<(u32, u32)>,
}

impl fmt::Debug for ImapSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapSource")
            .field("name", &self.name)
            .field("tls", &self.endpoint.tls.is_some())
            .field("password", &self.endpoint.password)
            .field("connected", &self.session.is_some())
            .field("idle", &self.idle)
            .field("seen", &self.seen)
            .finish()
    }
}

impl ImapSource {
    /// Connects and logs in to the server named by `url`, and selects the
    /// mailbox, so that a wrong address, password, certificate or mailbox
    /// fails here rather than in the first poll.
    pub async fn connect(url: &str, password: &str, tls: TlsMode) -> Result<Self, SourceError> {
        let url = ImapUrl::parse(url)?;
        if password.contains(['\r', '\n', '\0']) {
            return Err(SourceError::Config(
                "the IMAP password contains a line break or NUL".to_string(),
            ));
        }
        let use_tls = match &tls {
            TlsMode::Auto => url.implicit_tls,
            TlsMode::Required | TlsMode::CaFile(_) => true,
            TlsMode::InsecurePlain if url.implicit_tls => {
                return Err(SourceError::Config(
                    "plain text was asked for an imaps:// URL".to_string(),
                ));
            }
            TlsMode::InsecurePlain => false,
        };
        if !use_tls && !url.is_loopback() && tls != TlsMode::InsecurePlain {
            return Err(SourceError::Config(format!(
                "refusing plain-text IMAP to {} (not loopback): use imaps:// or allow plain text explicitly",
                url.host
            )));
        }
        let tls = if use_tls {
            let roots = match &tls {
                TlsMode::CaFile(path) => pem_roots(path)?,
                _ => match std::env::var_os(CA_ENV).filter(|v| !v.is_empty()) {
                    Some(path) => pem_roots(Path::new(&path))?,
                    None => system_roots()?,
                },
            };
            let server_name = ServerName::try_from(url.host.clone()).map_err(|e| {
                SourceError::Config(format!("{} is not a valid TLS server name: {e}", url.host))
            })?;
            Some((tls_connector(roots)?, server_name))
        } else {
            None
        };
        let port = url.port.unwrap_or(if use_tls { 993 } else { 143 });
        let host = if url.host.contains(':') {
            format!("[{}]", url.host)
        } else {
            url.host.clone()
        };
        let name = format!(
            "{}://{}@{}:{}/{}",
            if use_tls { "imaps" } else { "imap" },
            url.user,
            host,
            port,
            url.mailbox
        );
        // Independent of port and transport, so that moving the same
        // mailbox to TLS does not re-read it.
        let key = format!("imap://{}@{}/{}", url.user, url.host, url.mailbox);
        let wire_mailbox = encode_mailbox(&url.mailbox);
        let mut source = Self {
            endpoint: Endpoint {
                url,
                port,
                password: Password(password.to_string()),
                tls,
                wire_mailbox,
            },
            name,
            key,
            session: None,
            idle: false,
            seen: None,
        };
        let mut session = source.open().await?;
        step("SELECT", session.select(&source.endpoint.wire_mailbox)).await?;
        drain(&mut session);
        source.session = Some(session);
        tracing::info!(source = %source.name, idle = source.idle, "IMAP mailbox connected");
        Ok(source)
    }

    /// Whether the server offers IDLE, so that [`Source::wait`] wakes as
    /// soon as a message arrives instead of polling.
    pub fn supports_idle(&self) -> bool {
        self.idle
    }

    /// Opens a connection and logs in.
    async fn open(&mut self) -> Result<Session<Wire>, SourceError> {
        let ep = &self.endpoint;
        let addr = (ep.url.host.as_str(), ep.port);
        let tcp = tokio::time::timeout(STEP_TIMEOUT, TcpStream::connect(addr))
            .await
            .map_err(|_| SourceError::Imap(format!("connecting to {}: timed out", self.name)))?
            .map_err(|e| SourceError::Imap(format!("connecting to {}: {e}", self.name)))?;
        let transport = match &ep.tls {
            Some((connector, server_name)) => {
                let tls =
                    tokio::time::timeout(STEP_TIMEOUT, connector.connect(server_name.clone(), tcp))
                        .await
                        .map_err(|_| {
                            SourceError::Imap(format!("TLS with {}: timed out", self.name))
                        })?
                        .map_err(|e| SourceError::Imap(format!("TLS with {}: {e}", self.name)))?;
                Transport::Tls(Box::new(tls))
            }
            None => Transport::Plain(tcp),
        };
        let placeholder = format!("ARTRIAGEPASSWORD{:016x}", rand::random::<u64>());
        let wire = Wire {
            transport,
            secret: Some(Secret {
                // The crate sends the password as a quoted string.
                placeholder: quote(&placeholder).into_bytes(),
                value: quote(&ep.password.0).into_bytes(),
            }),
            pending: None,
        };
        let mut client = Client::new(wire);
        let greeting = tokio::time::timeout(STEP_TIMEOUT, client.read_response())
            .await
            .map_err(|_| SourceError::Imap(format!("{}: no greeting", self.name)))?
            .map_err(|e| SourceError::Imap(format!("{}: reading the greeting: {e}", self.name)))?;
        if greeting.is_none() {
            return Err(SourceError::Imap(format!(
                "{}: the server closed the connection before its greeting",
                self.name
            )));
        }
        let (mut session, caps) = tokio::time::timeout(
            STEP_TIMEOUT,
            client.login_with_capabilities(&ep.url.user, &placeholder),
        )
        .await
        .map_err(|_| SourceError::Imap(format!("{}: login timed out", self.name)))?
        .map_err(|(e, _)| {
            SourceError::Imap(format!(
                "{}: login as {} failed: {e}",
                self.name, ep.url.user
            ))
        })?;
        self.idle = match caps {
            Some(caps) if !caps.is_empty() => caps.has_str("IDLE"),
            _ => step("CAPABILITY", session.capabilities())
                .await?
                .has_str("IDLE"),
        };
        Ok(session)
    }

    /// SELECTs the mailbox and returns the messages after `from` (or all of
    /// them when UIDVALIDITY changed).
    async fn fetch_from(
        &mut self,
        session: &mut Session<Wire>,
        from: Option<(u32, u32)>,
    ) -> Result<Vec<RawMessage>, SourceError> {
        let mailbox = step("SELECT", session.select(&self.endpoint.wire_mailbox)).await?;
        let validity = mailbox.uid_validity.ok_or_else(|| {
            SourceError::Imap(format!("{}: the server reports no UIDVALIDITY", self.name))
        })?;
        let start = match from {
            Some((v, uid)) if v == validity => uid.saturating_add(1),
            Some((v, _)) => {
                tracing::warn!(
                    source = %self.name,
                    old = v,
                    new = validity,
                    "UIDVALIDITY changed: reading the whole mailbox again (stored messages are skipped)"
                );
                1
            }
            None => 1,
        };
        self.seen = Some((validity, start - 1));
        drain(session);
        if mailbox.exists == 0 || mailbox.uid_next.is_some_and(|next| next <= start) {
            return Ok(Vec::new());
        }

        // Sizes first: UIDs to fetch, and which are too large to fetch whole.
        let mut sizes = BTreeMap::new();
        let mut arrived = BTreeMap::new();
        {
            let mut stream = step(
                "UID FETCH",
                session.uid_fetch(format!("{start}:*"), "(UID RFC822.SIZE INTERNALDATE)"),
            )
            .await?;
            while let Some(item) = next_item(&mut stream).await? {
                // `start:*` names the highest UID even when it is below
                // `start`; unsolicited FETCHes may lack a UID.
                if let Some(uid) = item.uid.filter(|uid| *uid >= start) {
                    sizes.insert(uid, item.size.unwrap_or(0));
                    if let Some(t) = item.internal_date() {
                        arrived.insert(uid, t.with_timezone(&chrono::Utc));
                    }
                }
            }
        }
        drain(session);
        if sizes.is_empty() {
            return Ok(Vec::new());
        }
        // A backlog is handed out in bounded batches, oldest first: the
        // pipeline stores (and checkpoints) each before it fetches the next,
        // so memory does not grow with the backlog.
        let sizes = first_batch(sizes);
        let whole: Vec<u32> = sizes
            .iter()
            .filter(|(_, size)| **size <= MAX_MESSAGE_BYTES)
            .map(|(uid, _)| *uid)
            .collect();
        let partial: Vec<(u32, u32)> = sizes
            .iter()
            .filter(|(_, size)| **size > MAX_MESSAGE_BYTES)
            .map(|(uid, size)| (*uid, *size))
            .collect();
        let mut bodies = BTreeMap::new();
        // Bounded command lines, however fragmented the UIDs.
        for chunk in whole.chunks(FETCH_BATCH) {
            fetch_bodies(session, &uid_set(chunk), "(UID BODY.PEEK[])", &mut bodies).await?;
        }
        for (uid, size) in partial {
            tracing::warn!(
                source = %self.name,
                uid,
                size,
                limit = MAX_MESSAGE_BYTES,
                "message larger than the limit: keeping only its beginning"
            );
            let query = format!("(UID BODY.PEEK[]<0.{MAX_MESSAGE_BYTES}>)");
            fetch_bodies(session, &uid.to_string(), &query, &mut bodies).await?;
        }
        drain(session);

        let mut out = Vec::with_capacity(sizes.len());
        for uid in sizes.keys() {
            let Some(bytes) = bodies.remove(uid) else {
                // Stop here rather than skip: the checkpoint must not pass a
                // message that was not handed out. It is asked for again next
                // time (and is gone from the listing if it was expunged).
                tracing::warn!(
                    source = %self.name,
                    uid,
                    "the server sent no body for this message; retrying it at the next poll"
                );
                break;
            };
            out.push(RawMessage {
                source: self.name.clone(),
                source_ref: format!("{validity}/{uid}"),
                bytes,
                checkpoint: Some(Checkpoint {
                    key: self.key.clone(),
                    value: format!("{validity}:{uid}"),
                }),
                arrived: arrived.get(uid).copied(),
            });
            self.seen = Some((validity, *uid));
        }
        Ok(out)
    }

    /// Returns once the mailbox may have new messages: at once when it
    /// already has some beyond those handed out, else after IDLE reports a
    /// change or `poll` passes. Gives the session back when it is still good.
    async fn idle_once(
        &mut self,
        mut session: Session<Wire>,
        poll: Duration,
    ) -> Result<Session<Wire>, SourceError> {
        let mailbox = step("SELECT", session.select(&self.endpoint.wire_mailbox)).await?;
        if let Some((validity, high)) = self.seen {
            if mailbox.uid_validity != Some(validity) {
                return Ok(session);
            }
            let query = format!("UID {}:*", high.saturating_add(1));
            let newer = step("UID SEARCH", session.uid_search(query)).await?;
            if newer.iter().any(|uid| *uid > high) {
                return Ok(session);
            }
        }
        drain(&mut session);
        let mut handle = session.idle();
        step("IDLE", handle.init()).await?;
        let outcome = {
            // RFC 2177: re-issue IDLE at least every 29 minutes.
            let idle_for = poll.min(MAX_IDLE);
            let (wait, stop) = handle.wait_with_timeout(idle_for);
            let outcome = tokio::time::timeout(idle_for, wait).await;
            drop(stop);
            outcome
        };
        if let Ok(Err(e)) = outcome {
            return Err(SourceError::Imap(format!("IDLE: {e}")));
        }
        let mut session = step("DONE", handle.done()).await?;
        drain(&mut session);
        Ok(session)
    }
}

impl Source for ImapSource {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn checkpoint_key(&self) -> Option<String> {
        Some(self.key.clone())
    }

    /// Messages with UIDs above the checkpoint's (all of them when there is
    /// no checkpoint, or when UIDVALIDITY changed), oldest first. A dropped
    /// connection is re-opened and the fetch tried once more.
    async fn fetch(&mut self, checkpoint: Option<&str>) -> Result<Vec<RawMessage>, SourceError> {
        let from = checkpoint.and_then(|value| {
            let parsed = parse_checkpoint(value);
            if parsed.is_none() {
                tracing::warn!(
                    source = %self.name,
                    checkpoint = value,
                    "unreadable IMAP checkpoint: reading the whole mailbox (stored messages are skipped)"
                );
            }
            parsed
        });
        let (mut session, reused) = match self.session.take() {
            Some(session) => (session, true),
            None => (self.open().await?, false),
        };
        match self.fetch_from(&mut session, from).await {
            Ok(messages) => {
                self.session = Some(session);
                Ok(messages)
            }
            Err(e) if reused => {
                tracing::info!(source = %self.name, error = %e, "IMAP fetch failed; reconnecting");
                drop(session);
                let mut session = self.open().await?;
                let messages = self.fetch_from(&mut session, from).await?;
                self.session = Some(session);
                Ok(messages)
            }
            Err(e) => Err(e),
        }
    }

    /// Nothing to do: the mailbox is only read, and the checkpoint stored
    /// with the item records the progress.
    async fn ack(&mut self, _msg: &RawMessage) -> Result<(), SourceError> {
        Ok(())
    }

    /// Returns at once when the mailbox already holds messages beyond those
    /// handed out (or its UIDVALIDITY changed); else IDLE for up to `poll`
    /// (at most 29 minutes) when the server offers it, or a sleep of `poll`.
    /// A connection that drops during IDLE ends the wait and is re-opened by
    /// the next fetch; a failed re-connect here sleeps `poll`, so an
    /// unreachable server is never polled in a busy loop. Never fails.
    async fn wait(&mut self, poll: Duration) -> Result<(), SourceError> {
        let session = match self.session.take() {
            Some(session) => session,
            None => match self.open().await {
                Ok(session) => session,
                Err(e) => {
                    tracing::warn!(source = %self.name, error = %e, "IMAP reconnect failed; retrying after the poll interval");
                    tokio::time::sleep(poll).await;
                    return Ok(());
                }
            },
        };
        if !self.idle {
            self.session = Some(session);
            tokio::time::sleep(poll).await;
            return Ok(());
        }
        match self.idle_once(session, poll).await {
            Ok(session) => self.session = Some(session),
            Err(e) => {
                tracing::warn!(source = %self.name, error = %e, "IMAP connection lost while waiting; reconnecting at the next fetch");
            }
        }
        Ok(())
    }
}

/// Runs one protocol step with [`STEP_TIMEOUT`], naming it in the error.
async fn step<T>(
    what: &str,
    fut: impl Future<Output = async_imap::error::Result<T>>,
) -> Result<T, SourceError> {
    match tokio::time::timeout(STEP_TIMEOUT, fut).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(SourceError::Imap(format!("{what}: {e}"))),
        Err(_) => Err(SourceError::Imap(format!("{what}: timed out"))),
    }
}

/// The next FETCH response, with [`STEP_TIMEOUT`] per response.
async fn next_item<S>(stream: &mut S) -> Result<Option<async_imap::types::Fetch>, SourceError>
where
    S: futures::Stream<Item = async_imap::error::Result<async_imap::types::Fetch>> + Unpin,
{
    match tokio::time::timeout(STEP_TIMEOUT, stream.next()).await {
        Ok(Some(Ok(item))) => Ok(Some(item)),
        Ok(Some(Err(e))) => Err(SourceError::Imap(format!("UID FETCH: {e}"))),
        Ok(None) => Ok(None),
        Err(_) => Err(SourceError::Imap("UID FETCH: timed out".to_string())),
    }
}

/// `UID FETCH uids query`, collecting each message's body by UID.
async fn fetch_bodies(
    session: &mut Session<Wire>,
    uids: &str,
    query: &str,
    bodies: &mut BTreeMap<u32, Vec<u8>>,
) -> Result<(), SourceError> {
    let mut stream = step("UID FETCH", session.uid_fetch(uids, query)).await?;
    while let Some(item) = next_item(&mut stream).await? {
        if let (Some(uid), Some(body)) = (item.uid, item.body()) {
            bodies.insert(uid, body.to_vec());
        }
    }
    Ok(())
}

/// Discards the untagged responses (EXISTS, EXPUNGE, flag changes) the
/// crate queued: every fetch and wait asks the server afresh.
fn drain(session: &mut Session<Wire>) {
    while session.unsolicited_responses.try_recv().is_ok() {}
}

/// `"<uidvalidity>:<uid>"` → numbers.
fn parse_checkpoint(value: &str) -> Option<(u32, u32)> {
    let (validity, uid) = value.trim().split_once(':')?;
    Some((validity.parse().ok()?, uid.parse().ok()?))
}

/// Sorted UIDs as an IMAP sequence set: `1:3,7,9:10`.
fn uid_set(uids: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < uids.len() {
        let first = uids[i];
        let mut last = first;
        while i + 1 < uids.len() && uids[i + 1] == last.saturating_add(1) {
            i += 1;
            last = uids[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if first == last {
            out.push_str(&first.to_string());
        } else {
            out.push_str(&format!("{first}:{last}"));
        }
        i += 1;
    }
    out
}

/// An IMAP quoted string (RFC 3501 §4.3).
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for ch in value.chars() {
        if ch == '"' || ch == '\\' {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('"');
    out
}

/// A mailbox name in IMAP's modified UTF-7 (RFC 3501 §5.1.3): printable
/// ASCII as is (`&` as `&-`), other characters as UTF-16 in modified base64
/// between `&` and `-`.
pub fn encode_mailbox(name: &str) -> String {
    fn flush(out: &mut String, run: &mut Vec<u16>) {
        if run.is_empty() {
            return;
        }
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
        let bytes: Vec<u8> = run.iter().flat_map(|unit| unit.to_be_bytes()).collect();
        out.push('&');
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                chunk.get(1).copied().unwrap_or(0),
                chunk.get(2).copied().unwrap_or(0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            let digits = chunk.len() + 1;
            for k in 0..digits {
                let index = (n >> (18 - 6 * k)) & 0x3f;
                out.push(char::from(ALPHABET[index as usize]));
            }
        }
        out.push('-');
        run.clear();
    }
    let mut out = String::with_capacity(name.len());
    let mut run = Vec::new();
    for ch in name.chars() {
        if (' '..='~').contains(&ch) {
            flush(&mut out, &mut run);
            if ch == '&' {
                out.push_str("&-");
            } else {
                out.push(ch);
            }
        } else {
            let mut units = [0u16; 2];
            run.extend_from_slice(ch.encode_utf16(&mut units));
        }
    }
    flush(&mut out, &mut run);
    out
}

/// `%XX` decoding to UTF-8; `None` for a bad escape or invalid UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// The CA certificates in a PEM file, as trust roots.
fn pem_roots(path: &Path) -> Result<RootCertStore, SourceError> {
    let bytes = std::fs::read(path).map_err(|source| SourceError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let mut roots = RootCertStore::empty();
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&bytes)
        .filter_map(Result::ok)
        .collect();
    let (added, _ignored) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(SourceError::Config(format!(
            "{}: no usable CA certificate in this PEM file",
            path.display()
        )));
    }
    Ok(roots)
}

/// The system's CA bundle: `SSL_CERT_FILE`, else the first usual path.
fn system_roots() -> Result<RootCertStore, SourceError> {
    if let Some(path) = std::env::var_os("SSL_CERT_FILE").filter(|v| !v.is_empty()) {
        return pem_roots(Path::new(&path));
    }
    for path in SYSTEM_CA_FILES {
        let path = Path::new(path);
        if path.is_file() {
            return pem_roots(path);
        }
    }
    Err(SourceError::Config(format!(
        "no system CA bundle found; set {CA_ENV} or SSL_CERT_FILE to a PEM file of trusted CAs"
    )))
}

fn tls_connector(roots: RootCertStore) -> Result<TlsConnector, SourceError> {
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| SourceError::Config(format!("TLS configuration: {e}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

/// The byte stream under the IMAP client: TCP, or TLS over TCP.
enum Transport {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// The password's stand-in in the `LOGIN` command and its quoted value.
struct Secret {
    placeholder: Vec<u8>,
    value: Vec<u8>,
}

/// A write being replaced: the bytes to send, how many are sent, and how
/// many of the caller's bytes they stand for.
struct PendingWrite {
    bytes: Vec<u8>,
    written: usize,
    consumed: usize,
}

/// The transport, plus the one substitution that keeps the password out of
/// the IMAP crate's trace log: the crate is given a random placeholder as
/// the password, and the first write containing it goes out with the real
/// (quoted) password instead. Later writes pass through untouched.
struct Wire {
    transport: Transport,
    secret: Option<Secret>,
    pending: Option<PendingWrite>,
}

impl fmt::Debug for Wire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wire")
            .field(
                "transport",
                &match self.transport {
                    Transport::Plain(_) => "plain",
                    Transport::Tls(_) => "tls",
                },
            )
            .finish_non_exhaustive()
    }
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_flush(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

impl AsyncRead for Wire {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().transport).poll_read(cx, buf)
    }
}

impl AsyncWrite for Wire {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.pending.is_none()
            && let Some(secret) = &this.secret
            && let Some(at) = find(buf, &secret.placeholder)
        {
            let mut bytes = Vec::with_capacity(buf.len() + secret.value.len());
            bytes.extend_from_slice(&buf[..at]);
            bytes.extend_from_slice(&secret.value);
            bytes.extend_from_slice(&buf[at + secret.placeholder.len()..]);
            this.pending = Some(PendingWrite {
                bytes,
                written: 0,
                consumed: buf.len(),
            });
            this.secret = None;
        }
        if let Some(pending) = &mut this.pending {
            // The caller repeats the same `buf` until it is reported written.
            while pending.written < pending.bytes.len() {
                match Pin::new(&mut this.transport)
                    .poll_write(cx, &pending.bytes[pending.written..])
                {
                    Poll::Ready(Ok(0)) => {
                        this.pending = None;
                        return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                    }
                    Poll::Ready(Ok(n)) => pending.written += n,
                    Poll::Ready(Err(e)) => {
                        this.pending = None;
                        return Poll::Ready(Err(e));
                    }
                    Poll::Pending => return Poll::Pending,
                }
            }
            let consumed = pending.consumed;
            this.pending = None;
            return Poll::Ready(Ok(consumed));
        }
        Pin::new(&mut this.transport).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().transport).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().transport).poll_shutdown(cx)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backlog_is_handed_out_in_bounded_batches_oldest_first() {
        let many: BTreeMap<u32, u32> = (1..=1000).map(|u| (u, 1000)).collect();
        let b = first_batch(many);
        assert_eq!(b.len(), BATCH_MESSAGES);
        assert_eq!(b.keys().next(), Some(&1));
        let big: BTreeMap<u32, u32> = (10..20).map(|u| (u, 20 * 1024 * 1024)).collect();
        assert_eq!(
            first_batch(big).keys().copied().collect::<Vec<_>>(),
            vec![10, 11, 12]
        );
        let huge: BTreeMap<u32, u32> = [(7, u32::MAX)].into_iter().collect();
        assert_eq!(first_batch(huge).len(), 1, "one message always goes");
    }

    #[test]
    fn urls_parse_with_defaults_and_percent_encoding() {
        let url = ImapUrl::parse("imap://collector@127.0.0.1:1143/INBOX").unwrap();
        assert_eq!(
            url,
            ImapUrl {
                implicit_tls: false,
                user: "collector".into(),
                host: "127.0.0.1".into(),
                port: Some(1143),
                mailbox: "INBOX".into(),
            }
        );
        let url = ImapUrl::parse("IMAPS://ar%40firm.example@mail.firm.example/Clients%2FReplies")
            .unwrap();
        assert!(url.implicit_tls);
        assert_eq!(url.user, "ar@firm.example");
        assert_eq!(url.port, None);
        assert_eq!(url.mailbox, "Clients/Replies");
        assert_eq!(ImapUrl::parse("imap://u@h").unwrap().mailbox, "INBOX");
        let v6 = ImapUrl::parse("imap://u@[::1]:1143/").unwrap();
        assert_eq!((v6.host.as_str(), v6.port), ("::1", Some(1143)));
        assert!(v6.is_loopback());
        assert!(
            ImapUrl::parse("imap://u@localhost/x")
                .unwrap()
                .is_loopback()
        );
        assert!(!ImapUrl::parse("imap://u@10.0.0.1/x").unwrap().is_loopback());
    }

    #[test]
    fn bad_urls_are_refused_and_a_password_is_never_echoed() {
        for bad in [
            "http://u@h/INBOX",
            "imap://h/INBOX",
            "imap://@h/INBOX",
            "imap://u@/INBOX",
            "imap://u@h:0/INBOX",
            "imap://u@h:99999/INBOX",
            "imap://u@h/INBOX?x",
            "imap://u@h/%zz",
            "imap://u@h/%+1",
            "imap://u@h/a%0Ab",
            "imap://u;AUTH=*@h/",
        ] {
            assert!(
                matches!(ImapUrl::parse(bad), Err(SourceError::Config(_))),
                "{bad}"
            );
        }
        let err = ImapUrl::parse("imap://u:hunter2@h/INBOX").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[tokio::test]
    async fn plain_text_is_refused_off_loopback_and_tls_mismatch_is_refused() {
        let err = ImapSource::connect("imap://u@192.0.2.1/INBOX", "pw", TlsMode::Auto)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("plain-text"), "{err}");
        let err = ImapSource::connect("imaps://u@127.0.0.1/INBOX", "pw", TlsMode::InsecurePlain)
            .await
            .unwrap_err();
        assert!(matches!(err, SourceError::Config(_)), "{err}");
        let err = ImapSource::connect("imap://u@127.0.0.1/INBOX", "a\r\nb", TlsMode::Auto)
            .await
            .unwrap_err();
        assert!(matches!(err, SourceError::Config(_)), "{err}");
    }

    #[test]
    fn mailbox_names_use_modified_utf7() {
        assert_eq!(encode_mailbox("INBOX.Replies"), "INBOX.Replies");
        assert_eq!(encode_mailbox("R&D"), "R&-D");
        assert_eq!(encode_mailbox("Entrées"), "Entr&AOk-es");
        // RFC 3501 §5.1.3's example.
        assert_eq!(
            encode_mailbox("~peter/mail/台北/日本語"),
            "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
        );
        // A character outside the BMP (a surrogate pair).
        assert_eq!(encode_mailbox("😀"), "&2D3eAA-");
    }

    #[test]
    fn uid_sets_compress_runs() {
        assert_eq!(uid_set(&[1, 2, 3, 5, 7, 8]), "1:3,5,7:8");
        assert_eq!(uid_set(&[4]), "4");
        assert_eq!(uid_set(&[u32::MAX - 1, u32::MAX]), "4294967294:4294967295");
    }

    #[test]
    fn checkpoints_round_trip_and_junk_is_rejected() {
        assert_eq!(parse_checkpoint("1795423761:42"), Some((1795423761, 42)));
        assert_eq!(parse_checkpoint("42"), None);
        assert_eq!(parse_checkpoint("a:b"), None);
        assert_eq!(parse_checkpoint("1:-3"), None);
    }

    #[test]
    fn quoting_escapes_quotes_and_backslashes() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[tokio::test]
    async fn the_login_placeholder_is_replaced_on_the_wire_only_once() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            let tcp = TcpStream::connect(addr).await.unwrap();
            let mut wire = Wire {
                transport: Transport::Plain(tcp),
                secret: Some(Secret {
                    placeholder: b"\"PLACEHOLDER\"".to_vec(),
                    value: quote("s3cr\"t").into_bytes(),
                }),
                pending: None,
            };
            assert!(!format!("{wire:?}").contains("s3cr"));
            wire.write_all(b"a1 LOGIN \"u\" \"PLACEHOLDER\"\r\n")
                .await
                .unwrap();
            wire.write_all(b"a2 NOOP \"PLACEHOLDER\"\r\n")
                .await
                .unwrap();
            wire.shutdown().await.unwrap();
        });
        let (mut server, _) = listener.accept().await.unwrap();
        let mut got = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut server, &mut got)
            .await
            .unwrap();
        client.await.unwrap();
        assert_eq!(
            String::from_utf8(got).unwrap(),
            "a1 LOGIN \"u\" \"s3cr\\\"t\"\r\na2 NOOP \"PLACEHOLDER\"\r\n"
        );
    }
}
