//! The IMAP source against a real Dovecot (`scripts/dovecot start`: plain
//! IMAP on 127.0.0.1:1143, IMAPS on 127.0.0.1:1993 with a test CA).
//!
//! Each test appends its messages over IMAP into a mailbox of its own. When
//! no Dovecot answers, the tests print a notice and pass, except in CI
//! (`CI=true`), where they fail: CI must run them.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use ar_triage::ingest::imap::{ImapSource, TlsMode};
use ar_triage::ingest::{RawMessage, Source, SourceError};
use async_imap::Session;
use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::AbortHandle;
use tracing_subscriber::util::SubscriberInitExt as _;

const HOST: &str = "127.0.0.1";
const IMAP_PORT: u16 = 1143;
const IMAPS_PORT: u16 = 1993;
const USER: &str = "collector";
const PASSWORD: &str = "collector-pass";

/// Longest a step that should finish at once may take before the test fails
/// instead of hanging. Not a performance bound.
const HANG_GUARD: Duration = Duration::from_secs(60);
/// A poll interval no test waits out: a `wait` that returns under the hang
/// guard was woken by the server, not by its timer.
const NEVER: Duration = Duration::from_secs(3600);

/// Whether Dovecot answers; panics in CI when it does not.
fn dovecot_running() -> bool {
    let up = [IMAP_PORT, IMAPS_PORT].iter().all(|port| {
        std::net::TcpStream::connect_timeout(
            &(HOST.parse::<std::net::IpAddr>().unwrap(), *port).into(),
            Duration::from_secs(2),
        )
        .is_ok()
    });
    if up {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!(
            "no Dovecot on {HOST}:{IMAP_PORT}/{IMAPS_PORT} and CI=true: `scripts/dovecot start` must run before the tests"
        );
    }
    // Straight to stderr: the test harness hides `eprintln!` of passing tests.
    let _ = writeln!(
        std::io::stderr(),
        "NOTICE: skipping IMAP test: no Dovecot on {HOST}:{IMAP_PORT}/{IMAPS_PORT} (run `scripts/dovecot start`)"
    );
    false
}

macro_rules! require_dovecot {
    () => {
        if !dovecot_running() {
            return;
        }
    };
}

fn tls_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/dovecot/tls")
        .join(name)
}

/// A second connection that plays the mail server's other clients: it
/// creates mailboxes and appends messages.
async fn admin() -> Session<TcpStream> {
    let tcp = TcpStream::connect((HOST, IMAP_PORT)).await.unwrap();
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await.unwrap().unwrap();
    client
        .login(USER, PASSWORD)
        .await
        .map_err(|(e, _)| e)
        .unwrap()
}

/// A new, empty mailbox for one test.
async fn fresh_mailbox(admin: &mut Session<TcpStream>) -> String {
    let name = format!("t{:016x}", rand::random::<u64>());
    admin.create(&name).await.unwrap();
    name
}

/// A message with CRLF line ends and 8-bit (latin-1) body bytes, distinct
/// per `tag`.
fn message(tag: &str) -> Vec<u8> {
    let mut m = format!(
        "From: AP Team <ap@client.example>\r\n\
         To: collector@firm.example\r\n\
         Subject: Re: Invoice INV-{tag}\r\n\
         Message-ID: <{tag}@client.example>\r\n\
         Date: Mon, 2 Mar 2026 10:00:00 +0000\r\n\
         Content-Type: text/plain; charset=iso-8859-1\r\n\
         Content-Transfer-Encoding: 8bit\r\n\
         \r\n\
         Payment is scheduled for the 15th.\r\n"
    )
    .into_bytes();
    m.extend_from_slice(b"Gr\xfc\xdfe, Fran\xe7ois\r\n");
    m
}

async fn append(admin: &mut Session<TcpStream>, mailbox: &str, msg: &[u8]) {
    admin.append(mailbox, None, None, msg).await.unwrap();
}

fn url(scheme: &str, host: &str, port: u16, mailbox: &str) -> String {
    format!("{scheme}://{USER}@{host}:{port}/{mailbox}")
}

async fn plain_source(port: u16, mailbox: &str) -> ImapSource {
    ImapSource::connect(&url("imap", HOST, port, mailbox), PASSWORD, TlsMode::Auto)
        .await
        .unwrap()
}

fn checkpoint(msg: &RawMessage) -> String {
    msg.checkpoint.as_ref().unwrap().value.clone()
}

/// `(uidvalidity, uid)` from a message's `source_ref`.
fn position(msg: &RawMessage) -> (u32, u32) {
    let (v, u) = msg.source_ref.split_once('/').unwrap();
    (v.parse().unwrap(), u.parse().unwrap())
}

async fn guarded<T>(fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(HANG_GUARD, fut)
        .await
        .expect("IMAP step hung")
}

#[tokio::test]
async fn fetch_returns_every_message_with_its_exact_bytes_and_checkpoint() {
    require_dovecot!();
    let mut admin = admin().await;
    let mailbox = fresh_mailbox(&mut admin).await;
    let sent: Vec<Vec<u8>> = ["a1", "a2", "a3"].iter().map(|t| message(t)).collect();
    for m in &sent {
        append(&mut admin, &mailbox, m).await;
    }
    let mut source = plain_source(IMAP_PORT, &mailbox).await;
    assert!(source.supports_idle(), "Dovecot offers IDLE");

    let got = guarded(source.fetch(None)).await.unwrap();
    assert_eq!(got.len(), 3);
    let key = source.checkpoint_key().unwrap();
    let validity = position(&got[0]).0;
    for (i, (msg, bytes)) in got.iter().zip(&sent).enumerate() {
        assert_eq!(
            &msg.bytes, bytes,
            "message {i} differs from what was appended"
        );
        assert_eq!(msg.source, source.name());
        let (v, uid) = position(msg);
        assert_eq!(v, validity);
        let cp = msg.checkpoint.as_ref().unwrap();
        assert_eq!(cp.key, key);
        assert_eq!(cp.value, format!("{v}:{uid}"));
        // INTERNALDATE: when the server took the message, moments ago.
        let arrived = msg.arrived.expect("the server's INTERNALDATE");
        assert!(
            (chrono::Utc::now() - arrived).num_minutes().abs() < 10,
            "{arrived}"
        );
    }
    let uids: Vec<u32> = got.iter().map(|m| position(m).1).collect();
    assert!(
        uids.windows(2).all(|w| w[0] < w[1]),
        "oldest first: {uids:?}"
    );

    // `ack` leaves the mailbox as it was: still three messages, none fetched
    // twice from one checkpoint.
    for msg in &got {
        source.ack(msg).await.unwrap();
    }
    let again = guarded(source.fetch(Some(&checkpoint(&got[2]))))
        .await
        .unwrap();
    assert!(again.is_empty());
    let all = guarded(source.fetch(None)).await.unwrap();
    assert_eq!(all.len(), 3);
}

#[tokio::test]
async fn a_restart_from_the_checkpoint_fetches_only_newer_messages() {
    require_dovecot!();
    let mut admin = admin().await;
    let mailbox = fresh_mailbox(&mut admin).await;
    for tag in ["b1", "b2"] {
        append(&mut admin, &mailbox, &message(tag)).await;
    }
    let mut first = plain_source(IMAP_PORT, &mailbox).await;
    let got = guarded(first.fetch(None)).await.unwrap();
    assert_eq!(got.len(), 2);
    let stored = checkpoint(&got[1]);
    drop(first);

    for tag in ["b3", "b4"] {
        append(&mut admin, &mailbox, &message(tag)).await;
    }
    // A new process: a new connection, only the stored checkpoint.
    let mut second = plain_source(IMAP_PORT, &mailbox).await;
    let got = guarded(second.fetch(Some(&stored))).await.unwrap();
    let bytes: Vec<Vec<u8>> = got.iter().map(|m| m.bytes.clone()).collect();
    assert_eq!(bytes, vec![message("b3"), message("b4")]);

    // Nothing new: nothing fetched (IMAP's `n:*` names the last message even
    // when n is past it).
    let latest = checkpoint(&got[1]);
    assert!(
        guarded(second.fetch(Some(&latest)))
            .await
            .unwrap()
            .is_empty()
    );

    // The newest message expunged: the checkpoint's message is not handed
    // out again.
    let (_, last_uid) = position(&got[1]);
    admin.select(&mailbox).await.unwrap();
    let flagged: Vec<_> = admin
        .uid_store(last_uid.to_string(), "+FLAGS (\\Deleted)")
        .await
        .unwrap()
        .collect()
        .await;
    assert!(flagged.iter().all(Result::is_ok));
    let expunged: Vec<_> = admin.expunge().await.unwrap().collect().await;
    assert_eq!(expunged.len(), 1);
    assert!(
        guarded(second.fetch(Some(&latest)))
            .await
            .unwrap()
            .is_empty()
    );
    let before_last = checkpoint(&got[0]);
    assert!(
        guarded(second.fetch(Some(&before_last)))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_uidvalidity_change_reads_the_whole_mailbox_again() {
    require_dovecot!();
    let mut admin = admin().await;
    let mailbox = fresh_mailbox(&mut admin).await;
    for tag in ["c1", "c2", "c3"] {
        append(&mut admin, &mailbox, &message(tag)).await;
    }
    let mut source = plain_source(IMAP_PORT, &mailbox).await;
    let got = guarded(source.fetch(None)).await.unwrap();
    assert_eq!(got.len(), 3);
    let stored = checkpoint(&got[2]);
    let (old_validity, _) = position(&got[2]);

    // The mailbox is re-created under the same name: new UIDVALIDITY, UIDs
    // from 1 again, all below the checkpoint's UID 3.
    admin.delete(&mailbox).await.unwrap();
    admin.create(&mailbox).await.unwrap();
    for tag in ["c1", "c4"] {
        append(&mut admin, &mailbox, &message(tag)).await;
    }
    let got = guarded(source.fetch(Some(&stored))).await.unwrap();
    let bytes: Vec<Vec<u8>> = got.iter().map(|m| m.bytes.clone()).collect();
    assert_eq!(bytes, vec![message("c1"), message("c4")]);
    let (new_validity, first_uid) = position(&got[0]);
    assert_ne!(new_validity, old_validity);
    assert_eq!(first_uid, 1);
    assert_eq!(checkpoint(&got[1]), format!("{new_validity}:2"));
}

#[tokio::test]
async fn idle_wakes_the_wait_when_a_message_is_appended() {
    require_dovecot!();
    let mut admin = admin().await;
    let mailbox = fresh_mailbox(&mut admin).await;
    append(&mut admin, &mailbox, &message("d1")).await;
    let proxy = Proxy::start().await;
    let mut source = plain_source(proxy.port, &mailbox).await;
    let got = guarded(source.fetch(None)).await.unwrap();
    assert_eq!(got.len(), 1);
    let stored = checkpoint(&got[0]);

    let mut idling = proxy.idling.clone();
    let before = *idling.borrow();
    let waiter = tokio::spawn(async move {
        source.wait(NEVER).await.unwrap();
        source
    });
    // Append only once the server has accepted IDLE, so that only IDLE can
    // wake the wait.
    guarded(idling.wait_for(|n| *n > before)).await.unwrap();
    append(&mut admin, &mailbox, &message("d2")).await;
    let mut source = guarded(waiter).await.unwrap();

    let got = guarded(source.fetch(Some(&stored))).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].bytes, message("d2"));
}

#[tokio::test]
async fn wait_returns_at_once_when_messages_arrived_before_it() {
    require_dovecot!();
    let mut admin = admin().await;
    let mailbox = fresh_mailbox(&mut admin).await;
    let mut source = plain_source(IMAP_PORT, &mailbox).await;
    assert!(guarded(source.fetch(None)).await.unwrap().is_empty());
    // Arrives between the fetch and the wait: must not wait for the next one.
    append(&mut admin, &mailbox, &message("e1")).await;
    guarded(source.wait(NEVER)).await.unwrap();
    let got = guarded(source.fetch(None)).await.unwrap();
    assert_eq!(got.len(), 1);

    // An IDLE that times out leaves a working connection, and is re-issued.
    guarded(source.wait(Duration::from_millis(200)))
        .await
        .unwrap();
    guarded(source.wait(Duration::from_millis(200)))
        .await
        .unwrap();
    append(&mut admin, &mailbox, &message("e2")).await;
    let got = guarded(source.fetch(Some(&checkpoint(&got[0]))))
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].bytes, message("e2"));
}

#[tokio::test]
async fn a_dropped_connection_is_reopened() {
    require_dovecot!();
    let mut admin = admin().await;
    let mailbox = fresh_mailbox(&mut admin).await;
    append(&mut admin, &mailbox, &message("f1")).await;
    let proxy = Proxy::start().await;
    let mut source = plain_source(proxy.port, &mailbox).await;
    let got = guarded(source.fetch(None)).await.unwrap();
    let stored = checkpoint(&got[0]);

    // Dropped between polls: the next fetch reconnects.
    proxy.drop_connections();
    append(&mut admin, &mailbox, &message("f2")).await;
    let got = guarded(source.fetch(Some(&stored))).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].bytes, message("f2"));
    let stored = checkpoint(&got[0]);

    // Dropped during IDLE: the wait ends instead of hanging, and the next
    // fetch reconnects.
    let mut idling = proxy.idling.clone();
    let before = *idling.borrow();
    let waiter = tokio::spawn(async move {
        source.wait(NEVER).await.unwrap();
        source
    });
    guarded(idling.wait_for(|n| *n > before)).await.unwrap();
    proxy.drop_connections();
    let mut source = guarded(waiter).await.unwrap();
    append(&mut admin, &mailbox, &message("f3")).await;
    let got = guarded(source.fetch(Some(&stored))).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].bytes, message("f3"));
}

#[tokio::test]
async fn tls_with_the_test_ca_works_and_an_unrelated_ca_is_refused() {
    require_dovecot!();
    let mut admin = admin().await;
    let mailbox = fresh_mailbox(&mut admin).await;
    append(&mut admin, &mailbox, &message("g1")).await;

    for host in [HOST, "localhost"] {
        let mut source = ImapSource::connect(
            &url("imaps", host, IMAPS_PORT, &mailbox),
            PASSWORD,
            TlsMode::CaFile(tls_file("ca.pem")),
        )
        .await
        .unwrap();
        assert!(source.name().starts_with("imaps://"));
        let got = guarded(source.fetch(None)).await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].bytes, message("g1"));
    }

    let err = ImapSource::connect(
        &url("imaps", HOST, IMAPS_PORT, &mailbox),
        PASSWORD,
        TlsMode::CaFile(tls_file("other-ca.pem")),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, SourceError::Imap(_)), "{err}");
    assert!(err.to_string().contains("certificate"), "{err}");

    // TLS to the plain port does not silently fall back to plain text.
    let err = ImapSource::connect(
        &url("imap", HOST, IMAP_PORT, &mailbox),
        PASSWORD,
        TlsMode::CaFile(tls_file("ca.pem")),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, SourceError::Imap(_)), "{err}");
}

#[tokio::test]
async fn a_wrong_password_fails_and_the_password_is_never_shown() {
    require_dovecot!();
    let mut admin = admin().await;
    let mailbox = fresh_mailbox(&mut admin).await;
    let wrong = "not-the-password-7f3a";
    let err = ImapSource::connect(
        &url("imap", HOST, IMAP_PORT, &mailbox),
        wrong,
        TlsMode::Auto,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, SourceError::Imap(_)), "{err}");
    assert!(!format!("{err} {err:?}").contains(wrong));

    let source = plain_source(IMAP_PORT, &mailbox).await;
    let shown = format!("{source:?} {}", source.name());
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(shown.contains("redacted"), "{shown}");

    // A missing mailbox fails at connect, not at the first poll.
    let err = ImapSource::connect(
        &url("imap", HOST, IMAP_PORT, &format!("{mailbox}-missing")),
        PASSWORD,
        TlsMode::Auto,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, SourceError::Imap(_)), "{err}");
}

#[tokio::test]
async fn a_non_ascii_mailbox_name_is_sent_in_modified_utf7() {
    require_dovecot!();
    let mut admin = admin().await;
    let stem = format!("t{:016x}", rand::random::<u64>());
    // "<stem>é" in modified UTF-7, written by hand.
    let wire_name = format!("{stem}&AOk-");
    admin.create(&wire_name).await.unwrap();
    append(&mut admin, &wire_name, &message("h1")).await;
    let mut source = plain_source(IMAP_PORT, &format!("{stem}%C3%A9")).await;
    let got = guarded(source.fetch(None)).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].bytes, message("h1"));
    assert!(source.name().ends_with(&format!("/{stem}é")));
}

/// A TCP proxy in front of Dovecot's plain port that can cut every
/// connection through it and counts the IDLE commands the server accepted.
struct Proxy {
    port: u16,
    /// Number of `+ idling` continuations the server sent.
    idling: watch::Receiver<usize>,
    connections: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    async fn start() -> Self {
        let listener = TcpListener::bind((HOST, 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (idle_tx, idling) = watch::channel(0usize);
        let idle_tx = Arc::new(idle_tx);
        let connections: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let conns = connections.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect((HOST, IMAP_PORT)).await else {
                    continue;
                };
                let (mut client_rx, mut client_tx) = client.into_split();
                let (mut server_rx, mut server_tx) = server.into_split();
                let up = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut client_rx, &mut server_tx).await;
                });
                let idle_tx = idle_tx.clone();
                let down = tokio::spawn(async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    let mut tail: Vec<u8> = Vec::new();
                    loop {
                        let n = match server_rx.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        tail.extend_from_slice(&buf[..n]);
                        let hits = tail.windows(8).filter(|w| w == b"+ idling").count();
                        if hits > 0 {
                            idle_tx.send_modify(|count| *count += hits);
                        }
                        let keep = tail.len().min(7);
                        tail.drain(..tail.len() - keep);
                        if client_tx.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                });
                let mut list = conns.lock().unwrap();
                list.push(up.abort_handle());
                list.push(down.abort_handle());
            }
        });
        Self {
            port,
            idling,
            connections,
        }
    }

    /// Cuts every connection made so far (both directions closed).
    fn drop_connections(&self) {
        for handle in self.connections.lock().unwrap().drain(..) {
            handle.abort();
        }
    }
}

/// A log sink for the test below.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_password_stays_out_of_even_trace_logs() {
    require_dovecot!();
    let mut admin = admin().await;
    let mailbox = fresh_mailbox(&mut admin).await;
    // The IMAP crate traces every command it sends, LOGIN included; the
    // binary forwards such `log` records to its tracing output. The
    // subscriber is this thread's only (the test runs on a current-thread
    // runtime), so the LOGINs of tests running beside it in other threads,
    // which use the password unredacted, are not captured.
    let logs = Captured::default();
    let sink = logs.clone();
    let _guard = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .finish()
        .set_default();
    let mut source = plain_source(IMAP_PORT, &mailbox).await;
    guarded(source.fetch(None)).await.unwrap();
    let logs = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(logs.contains("LOGIN"), "the LOGIN command was not traced");
    assert!(!logs.contains(PASSWORD), "the password was logged");
}

#[tokio::test]
async fn a_large_mailbox_is_fetched_completely_in_order_in_bounded_batches() {
    require_dovecot!();
    let mut admin = admin().await;
    let mailbox = fresh_mailbox(&mut admin).await;
    // More than one UID FETCH batch, with gaps in the UIDs.
    let tags: Vec<String> = (0..620).map(|i| format!("k{i}")).collect();
    for tag in &tags {
        append(&mut admin, &mailbox, &message(tag)).await;
    }
    admin.select(&mailbox).await.unwrap();
    let doomed: Vec<String> = (10..=620)
        .step_by(10)
        .map(|uid: u32| uid.to_string())
        .collect();
    let doomed = doomed.join(",");
    let deleted: Vec<_> = admin
        .uid_store(doomed, "+FLAGS (\\Deleted)")
        .await
        .unwrap()
        .collect()
        .await;
    assert!(deleted.iter().all(Result::is_ok));
    let expunged: Vec<_> = admin.expunge().await.unwrap().collect().await;
    assert!(!expunged.is_empty());
    let mut source = plain_source(IMAP_PORT, &mailbox).await;
    // Fetched in bounded batches, each resuming from the last one's
    // checkpoint as the pipeline does once it has stored them.
    let mut got = Vec::new();
    let mut checkpoint: Option<String> = None;
    let mut batches = Vec::new();
    loop {
        let batch = guarded(source.fetch(checkpoint.as_deref())).await.unwrap();
        let Some(last) = batch.last() else { break };
        checkpoint = last.checkpoint.as_ref().map(|c| c.value.clone());
        batches.push(batch.len());
        got.extend(batch);
    }
    assert!(
        batches.len() > 1 && batches.iter().all(|n| *n <= 200),
        "{batches:?}"
    );
    let uids: Vec<u32> = got.iter().map(|m| position(m).1).collect();
    let expected: Vec<u32> = (1..=620).filter(|uid| uid % 10 != 0).collect();
    assert!(expected.len() > 500, "more than one UID FETCH batch");
    assert_eq!(uids, expected);
    for msg in &got {
        let (_, uid) = position(msg);
        assert_eq!(msg.bytes, message(&tags[uid as usize - 1]));
    }
}
