//! Reading a raw message (MIME tree, attachments, client text, facts) where
//! a crash costs only that message.
//!
//! A stack overflow or an allocation failure aborts a Rust process and
//! cannot be caught, and a reader that loops holds its thread for good. So
//! the risky work, [`read_message`], can run in child processes: the
//! `ar-triage` binary re-executed as `ar-triage read-worker`, which limits
//! its own address space (`RLIMIT_AS`) and CPU time before it reads
//! anything, and answers one message at a time over its stdin and stdout.
//! The parent gives each message a wall-clock budget and kills the child
//! past it. A child that dies or is killed costs the message in hand only:
//! it comes back as a [`ReadFailure`] (`timeout`, `too_large`, `crashed`),
//! the message is stored from its headers alone with that reason, and the
//! next message gets a fresh child.
//!
//! [`Reader::InProcess`] reads on a blocking thread of this process instead
//! (tests, library use, platforms without `setrlimit`): the parsers' own
//! guards still apply, a crash does not stay contained.
//!
//! Frames on the pipes: a request is `u32` id length, id, `u64` message
//! length, message (little-endian); an answer is a status byte (`0` read,
//! `1` the reader panicked), a `u64` length and that many bytes (the JSON of
//! [`ReadMessage`], or the panic's text).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

use crate::domain::{ParsedMessage, PreparedReply, Reply};
use crate::ingest::parse::{parse_headers_only, parse_message_timed};

/// A message read: parsed, and its reply prepared for the classifier, the
/// rules and the drafts. Two reads are equal when what they read is; how
/// long each took is not compared.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadMessage {
    /// Headers, body, attachments (text and facts) and problems.
    pub parsed: ParsedMessage,
    /// The client's own text, its sentences, language and facts.
    pub reply: PreparedReply,
    /// Where the reading spent its time.
    #[serde(default)]
    pub timings: ReadTimings,
}

impl PartialEq for ReadMessage {
    fn eq(&self, other: &Self) -> bool {
        self.parsed == other.parsed && self.reply == other.reply
    }
}

/// Seconds reading one message took, by stage, measured where it was read
/// (in the reader child or thread), for the pipeline's stage split.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ReadTimings {
    /// MIME parsing, headers and body text, attachments excluded.
    pub parse_s: f64,
    /// Reading attachments (PDF, DOCX, text) and their facts.
    pub attachments_s: f64,
    /// The client's own text, sentences, language and facts.
    pub extraction_s: f64,
}

/// Reads `bytes` (the message `id`) in this thread: parse, then prepare the
/// reply. What a reader child runs for each message.
pub fn read_message(id: &str, bytes: &[u8]) -> ReadMessage {
    let started = std::time::Instant::now();
    let (parsed, attachments) = parse_message_timed(bytes);
    let parsing = started.elapsed();
    let reply = crate::text::prepare(Reply::of_message(id, &parsed));
    let timings = ReadTimings {
        parse_s: parsing.saturating_sub(attachments).as_secs_f64(),
        attachments_s: attachments.as_secs_f64(),
        extraction_s: (started.elapsed() - parsing).as_secs_f64(),
    };
    ReadMessage {
        parsed,
        reply,
        timings,
    }
}

/// Why a reader child gave no answer for a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadFailure {
    /// It ran past the wall-clock budget and was killed.
    #[error("timeout: reading the message took longer than {0} s")]
    Timeout(u64),
    /// It ran out of its memory limit.
    #[error("too_large: reading the message needed more than {0} MiB")]
    TooLarge(u64),
    /// It died (a signal, a stack overflow) or panicked.
    #[error("crashed: {0}")]
    Crashed(String),
    /// No child could be started.
    #[error("the reader process could not start: {0}")]
    Spawn(String),
}

/// Limits of each reader child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderLimits {
    /// Address space a child may map (`RLIMIT_AS`), in bytes.
    pub memory_bytes: u64,
    /// CPU seconds a child may use over its life (`RLIMIT_CPU`): a backstop
    /// for a child whose parent is gone; the wall budget acts first.
    pub cpu_seconds: u64,
    /// Wall-clock budget of one message.
    pub wall: Duration,
    /// Messages a child reads before it is replaced (so its CPU limit and
    /// any memory it kept never accumulate).
    pub messages_per_child: u32,
    /// Children reading at once.
    pub children: usize,
}

impl Default for ReaderLimits {
    /// 512 MiB of address space (the largest message, 25 MiB, with its
    /// attachments read needs well under half), 20 s a message, one child
    /// per core.
    fn default() -> Self {
        Self {
            memory_bytes: 512 * 1024 * 1024,
            cpu_seconds: 3600,
            wall: Duration::from_secs(20),
            messages_per_child: 500,
            children: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
        }
    }
}

/// How the pipeline and the web read stored and incoming messages.
#[derive(Clone, Default)]
pub enum Reader {
    /// On a blocking thread of this process.
    #[default]
    InProcess,
    /// In reader children, under limits.
    Sandboxed(Arc<ReaderPool>),
}

impl Reader {
    /// Reader children running `exe read-worker` under `limits`.
    pub fn sandboxed(exe: impl Into<PathBuf>, limits: ReaderLimits) -> Self {
        Self::Sandboxed(Arc::new(ReaderPool::new(exe, limits)))
    }

    /// Reads message `id`. Never fails: a message the reader could not read
    /// comes back from its headers alone (read by a parser that does not
    /// descend into the MIME tree), with the reason first in its problems,
    /// so it is stored for a person with the raw bytes kept.
    pub async fn read(&self, id: &str, bytes: &[u8]) -> ReadMessage {
        match self.try_read(id, bytes).await {
            Ok(r) => r,
            Err(why) => unreadable(id, bytes, &why.to_string()),
        }
    }

    /// Reads message `id`, or says why it could not.
    pub async fn try_read(&self, id: &str, bytes: &[u8]) -> Result<ReadMessage, ReadFailure> {
        match self {
            Reader::InProcess => {
                let (id, bytes) = (id.to_string(), bytes.to_vec());
                tokio::task::spawn_blocking(move || read_message(&id, &bytes))
                    .await
                    .map_err(|e| ReadFailure::Crashed(format!("the reading thread failed: {e}")))
            }
            Reader::Sandboxed(pool) => pool.read(id, bytes).await,
        }
    }
}

impl ReadMessage {
    /// Message `id` read from its headers alone (by a parser that does not
    /// descend into the MIME tree), with `problem` as its first problem:
    /// what is kept of a message that must not, or could not, be read.
    pub fn from_headers(id: &str, bytes: &[u8], problem: String) -> ReadMessage {
        let parsed = parse_headers_only(bytes, problem);
        let reply = crate::text::prepare(Reply::of_message(id, &parsed));
        ReadMessage {
            parsed,
            reply,
            timings: ReadTimings::default(),
        }
    }
}

/// The message read from its headers alone, with `why` the body was not.
fn unreadable(id: &str, bytes: &[u8], why: &str) -> ReadMessage {
    ReadMessage::from_headers(
        id,
        bytes,
        format!("unreadable message: {why}; only its headers were read (the raw message is kept)"),
    )
}

/// Reader children, each answering one message at a time; idle ones are
/// kept for the next message.
pub struct ReaderPool {
    exe: PathBuf,
    limits: ReaderLimits,
    idle: Mutex<Vec<Child>>,
    slots: tokio::sync::Semaphore,
}

/// One reader child.
struct Child {
    process: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    stdout: tokio::io::BufReader<tokio::process::ChildStdout>,
    /// The last lines it wrote to stderr (it is dead when they matter).
    stderr: Arc<Mutex<Vec<String>>>,
    stderr_done: tokio::task::JoinHandle<()>,
    served: u32,
}

/// Lines of a child's stderr kept to explain its death.
const STDERR_TAIL: usize = 20;

enum Answer {
    Read(Box<ReadMessage>),
    Panicked(String),
}

impl ReaderPool {
    /// A pool of children running `exe read-worker` under `limits`; none
    /// start until a message needs one.
    pub fn new(exe: impl Into<PathBuf>, limits: ReaderLimits) -> Self {
        let children = limits.children.max(1);
        Self {
            exe: exe.into(),
            limits,
            idle: Mutex::new(Vec::new()),
            slots: tokio::sync::Semaphore::new(children),
        }
    }

    /// The limits children run under.
    pub fn limits(&self) -> &ReaderLimits {
        &self.limits
    }

    fn spawn(&self) -> Result<Child, ReadFailure> {
        let mut cmd = tokio::process::Command::new(&self.exe);
        cmd.arg("read-worker")
            .arg("--memory-bytes")
            .arg(self.limits.memory_bytes.to_string())
            .arg("--cpu-seconds")
            .arg(self.limits.cpu_seconds.to_string())
            .env("AR_TRIAGE_LOG", "warn")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        let mut process = cmd
            .spawn()
            .map_err(|e| ReadFailure::Spawn(format!("{}: {e}", self.exe.display())))?;
        let (Some(stdin), Some(stdout), Some(err)) = (
            process.stdin.take(),
            process.stdout.take(),
            process.stderr.take(),
        ) else {
            return Err(ReadFailure::Spawn("the child's pipes are missing".into()));
        };
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let tail = stderr.clone();
        let pid = process.id().unwrap_or(0);
        let stderr_done = tokio::spawn(async move {
            let mut lines = tokio::io::BufReader::new(err).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                tracing::warn!(reader = pid, "{line}");
                let mut t = lock(&tail);
                if t.len() == STDERR_TAIL {
                    t.remove(0);
                }
                t.push(line);
            }
        });
        Ok(Child {
            process,
            stdin,
            stdout: tokio::io::BufReader::new(stdout),
            stderr,
            stderr_done,
            served: 0,
        })
    }

    /// Reads one message in a child, within the wall budget.
    pub async fn read(&self, id: &str, bytes: &[u8]) -> Result<ReadMessage, ReadFailure> {
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|_| ReadFailure::Spawn("the reader pool is closed".into()))?;
        let idle = lock(&self.idle).pop();
        let mut child = match idle {
            Some(c) => c,
            None => self.spawn()?,
        };
        let answer = tokio::time::timeout(self.limits.wall, child.exchange(id, bytes)).await;
        match answer {
            Ok(Ok(answer)) => {
                child.served += 1;
                if child.served < self.limits.messages_per_child {
                    lock(&self.idle).push(child);
                } else {
                    child.retire().await;
                }
                match answer {
                    Answer::Read(r) => Ok(*r),
                    Answer::Panicked(why) => Err(ReadFailure::Crashed(format!("panic: {why}"))),
                }
            }
            Ok(Err(_io)) => Err(child.death(&self.limits).await),
            Err(_elapsed) => {
                let _ = child.process.kill().await;
                Err(ReadFailure::Timeout(self.limits.wall.as_secs().max(1)))
            }
        }
    }
}

impl Child {
    async fn exchange(&mut self, id: &str, bytes: &[u8]) -> std::io::Result<Answer> {
        let mut head = Vec::with_capacity(12 + id.len());
        head.extend_from_slice(&(id.len() as u32).to_le_bytes());
        head.extend_from_slice(id.as_bytes());
        head.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        self.stdin.write_all(&head).await?;
        self.stdin.write_all(bytes).await?;
        self.stdin.flush().await?;
        let status = self.stdout.read_u8().await?;
        let len = self.stdout.read_u64_le().await?;
        let mut body = vec![0; usize::try_from(len).map_err(std::io::Error::other)?];
        self.stdout.read_exact(&mut body).await?;
        match status {
            0 => serde_json::from_slice(&body)
                .map(|r| Answer::Read(Box::new(r)))
                .map_err(std::io::Error::other),
            _ => Ok(Answer::Panicked(
                String::from_utf8_lossy(&body).into_owned(),
            )),
        }
    }

    /// Closes its stdin (it ends its loop) and lets it go.
    async fn retire(self) {
        let Child {
            mut process, stdin, ..
        } = self;
        drop(stdin);
        if tokio::time::timeout(Duration::from_secs(2), process.wait())
            .await
            .is_err()
        {
            let _ = process.kill().await;
        }
    }

    /// Why a child that stopped answering died, from its exit status and
    /// the last lines it wrote.
    async fn death(mut self, limits: &ReaderLimits) -> ReadFailure {
        let status = match tokio::time::timeout(Duration::from_secs(5), self.process.wait()).await {
            Ok(Ok(s)) => Some(s),
            _ => {
                let _ = self.process.kill().await;
                None
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(1), &mut self.stderr_done).await;
        let tail = lock(&self.stderr).join("\n");
        if tail.contains("memory allocation of") || tail.contains("out of memory") {
            return ReadFailure::TooLarge(limits.memory_bytes / (1024 * 1024));
        }
        if tail.contains("overflowed its stack") {
            return ReadFailure::Crashed("stack overflow".into());
        }
        ReadFailure::Crashed(match status {
            Some(s) => describe_exit(s),
            None => "it stopped answering".into(),
        })
    }
}

fn describe_exit(s: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = s.signal() {
            return match sig {
                6 => "aborted (SIGABRT)".into(),
                9 => "killed (SIGKILL)".into(),
                11 => "segmentation fault (SIGSEGV)".into(),
                24 => "CPU time limit (SIGXCPU)".into(),
                n => format!("signal {n}"),
            };
        }
    }
    format!("exit status {}", s.code().unwrap_or(-1))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Limits a reader child sets on itself before it reads anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildLimits {
    /// `RLIMIT_AS` in bytes.
    pub memory_bytes: u64,
    /// `RLIMIT_CPU` in seconds.
    pub cpu_seconds: u64,
}

/// Errors of a reader child's own loop.
#[derive(Debug, thiserror::Error)]
pub enum WorkerLoopError {
    /// A limit could not be set.
    #[error("setting the reader's {what} limit: {source}")]
    Limit {
        /// Which limit.
        what: &'static str,
        /// The cause.
        source: std::io::Error,
    },
    /// The pipes failed (the parent is gone).
    #[error("reader pipes: {0}")]
    Io(#[from] std::io::Error),
}

/// The loop of `ar-triage read-worker` (after [`ChildLimits::apply`]):
/// answers each request on `input` with [`read_message`] on `output`, until
/// `input` ends. A panic answers status `1` with its text and the loop goes
/// on; an abort ends the process, which is the point.
pub fn serve_reader(mut input: impl Read, mut output: impl Write) -> Result<(), WorkerLoopError> {
    loop {
        let mut n = [0u8; 4];
        match input.read_exact(&mut n) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        let mut id = vec![0; u32::from_le_bytes(n) as usize];
        input.read_exact(&mut id)?;
        let mut len = [0u8; 8];
        input.read_exact(&mut len)?;
        let len = usize::try_from(u64::from_le_bytes(len)).map_err(std::io::Error::other)?;
        let mut bytes = Vec::new();
        bytes
            .try_reserve_exact(len)
            .map_err(std::io::Error::other)?;
        input.by_ref().take(len as u64).read_to_end(&mut bytes)?;
        let id = String::from_utf8_lossy(&id).into_owned();
        let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            serde_json::to_vec(&read_message(&id, &bytes))
        }));
        let (status, body) = match answer {
            Ok(Ok(json)) => (0u8, json),
            Ok(Err(e)) => (
                1,
                format!("the answer could not be written: {e}").into_bytes(),
            ),
            Err(panic) => (
                1,
                panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".into())
                    .into_bytes(),
            ),
        };
        output.write_all(&[status])?;
        output.write_all(&(body.len() as u64).to_le_bytes())?;
        output.write_all(&body)?;
        output.flush()?;
    }
}

impl ChildLimits {
    /// Sets the limits on this process (soft and hard, so the reader
    /// cannot raise them again). A no-op where there is no `setrlimit`.
    pub fn apply(self) -> Result<(), WorkerLoopError> {
        #[cfg(unix)]
        {
            use rlimit::Resource;
            Resource::AS
                .set(self.memory_bytes, self.memory_bytes)
                .map_err(|source| WorkerLoopError::Limit {
                    what: "memory",
                    source,
                })?;
            Resource::CPU
                .set(self.cpu_seconds, self.cpu_seconds)
                .map_err(|source| WorkerLoopError::Limit {
                    what: "CPU",
                    source,
                })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &[u8] = b"From: Ana <ana@client.example>\r\nSubject: Re: INV-1\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\nThe invoice is with our CFO for approval.\r\n";

    /// The child's loop answers each request in order with what an
    /// in-process read gives, and ends cleanly when its input ends.
    #[test]
    fn the_loop_answers_each_request_like_an_in_process_read() {
        let mut input = Vec::new();
        for id in ["a", "b"] {
            input.extend_from_slice(&(id.len() as u32).to_le_bytes());
            input.extend_from_slice(id.as_bytes());
            input.extend_from_slice(&(MSG.len() as u64).to_le_bytes());
            input.extend_from_slice(MSG);
        }
        let mut output = Vec::new();
        serve_reader(&input[..], &mut output).unwrap();
        let mut rest = &output[..];
        for id in ["a", "b"] {
            assert_eq!(rest[0], 0, "status of {id}");
            let len = u64::from_le_bytes(rest[1..9].try_into().unwrap()) as usize;
            let got: ReadMessage = serde_json::from_slice(&rest[9..9 + len]).unwrap();
            assert_eq!(got, read_message(id, MSG));
            rest = &rest[9 + len..];
        }
        assert!(rest.is_empty());
    }

    /// A message no reader could read is kept from its headers, with the
    /// reason first among its problems.
    #[test]
    fn an_unreadable_message_keeps_its_headers_and_the_reason() {
        let r = unreadable("x", MSG, "crashed: stack overflow");
        assert_eq!(r.parsed.subject, "Re: INV-1");
        assert_eq!(r.parsed.from.as_deref(), Some("ana@client.example"));
        assert!(r.parsed.body.is_empty());
        assert!(
            r.parsed.problems[0].contains("crashed: stack overflow"),
            "{:?}",
            r.parsed.problems
        );
    }
}
