//! Raw email bytes → [`ParsedMessage`]: the headers that matter, a readable
//! body, attachments with their facts, whether it is an automatic reply, and
//! what was wrong with it.
//!
//! mail-parser reads every message (all the charsets it knows, base64 and
//! quoted-printable, RFC 2047 encoded words, nested messages). On top of it:
//!
//! * **Body**: the text/plain parts; when there are none (or they are blank)
//!   the HTML parts, converted to readable text with html2text
//!   (`body_from_html`). Line ends are `\n`.
//! * **Forwards**: every `message/rfc822` part (a client forwarding their AP
//!   portal's rejection, their bank's payment advice) is appended to the body
//!   under a `---------- Forwarded message ----------` line with its From,
//!   Date, Subject and To, and its attachments join the message's.
//! * **Attachments**: read by [`super::attachments::read_attachment`]; inline
//!   images of HTML signatures and S/MIME or PGP signatures are skipped.
//! * **Automatic replies**: [`super::auto_reply::detect_auto_reply`].
//! * **Problems**: never a panic and never a lost message. What went wrong is
//!   listed in `problems`, one clear sentence each, used as the reason of the
//!   human queue: `empty message`, `message too large: N bytes` (headers are
//!   kept, the body is not parsed), `unparseable headers: …`, `no From
//!   header`, `unparseable Date header: …`, `missing body`, `truncated MIME:
//!   …` (a boundary never closed), `broken MIME: …` (no boundary, or one that
//!   never appears; the parts are recovered when a boundary can be found in
//!   the body), `undecodable charset: …` (text that does not decode in its
//!   declared charset is read as Windows-1252), `wrong charset label: …`
//!   (UTF-8 declared as a single-byte charset is read as UTF-8), `broken
//!   transfer encoding: …`, and `unreadable attachment "name": …`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::LazyLock;

use chrono::{FixedOffset, NaiveDate, SecondsFormat, TimeZone};
use mail_parser::{
    Address, Encoding, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType,
};

use super::attachments::{html_text, read_attachment, tidy_lines, windows_1252};
use super::auto_reply::detect_auto_reply;
use crate::domain::{Attachment, ParsedMessage};

/// Messages larger than this (25 MiB) keep their headers only.
pub const MAX_MESSAGE_BYTES: usize = 25 * 1024 * 1024;

/// The line that starts a forwarded message in the body.
pub const FORWARD_MARKER: &str = "---------- Forwarded message ----------";

/// Forwards inside forwards are followed this deep.
const MAX_FORWARD_DEPTH: usize = 8;

/// More `multipart/*` and `message/*` parts than this and a message is not
/// handed to the MIME parser (which recurses once per level): only its
/// headers are read. Real mail has a handful; thousands are an attack that
/// would overflow the stack and abort the process.
pub const MAX_CONTAINER_PARTS: usize = 100;

/// Content-Type headers that open a nested part, folded lines included.
static RE_CONTAINER: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(r"(?i)content-type:[ \t]*(?:\r?\n[ \t]+)?(?:multipart|message)/")
        .unwrap_or_else(|e| panic!("bad built-in pattern: {e}"))
});

/// How many nested containers the raw message opens, counted up to one
/// past [`MAX_CONTAINER_PARTS`] (linear, no parsing).
fn container_parts(bytes: &[u8]) -> usize {
    RE_CONTAINER
        .find_iter(bytes)
        .take(MAX_CONTAINER_PARTS + 1)
        .count()
}

/// Parse raw message bytes. Never panics; gets as much as it can out of a
/// broken message and records what went wrong in `problems`.
pub fn parse_message(bytes: &[u8]) -> crate::domain::ParsedMessage {
    parse_message_timed(bytes).0
}

/// [`parse_message`], and how much of its time went into reading
/// attachments (PDF, DOCX, text): the pipeline reports the two apart.
pub fn parse_message_timed(bytes: &[u8]) -> (ParsedMessage, std::time::Duration) {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        let parsed = ParsedMessage {
            problems: vec!["empty message".to_string()],
            ..ParsedMessage::default()
        };
        return (parsed, std::time::Duration::ZERO);
    }
    match catch_unwind(AssertUnwindSafe(|| parse_unguarded(bytes))) {
        Ok(parsed) => parsed,
        Err(_) => (
            ParsedMessage {
                problems: vec![
                    "unparseable message: the MIME parser failed on it (the raw message is kept)"
                        .to_string(),
                ],
                ..ParsedMessage::default()
            },
            std::time::Duration::ZERO,
        ),
    }
}

/// The headers of `bytes` alone, with `problem` as the first problem: what
/// is kept of a message whose body could not be read (the reader crashed or
/// ran out of time). The header parser does not descend into the MIME tree.
pub fn parse_headers_only(bytes: &[u8], problem: String) -> ParsedMessage {
    let mut out = ParsedMessage {
        problems: vec![problem],
        ..ParsedMessage::default()
    };
    let head = &bytes[..bytes.len().min(MAX_HEADER_BYTES)];
    let _ = catch_unwind(AssertUnwindSafe(|| read_headers_only(head, &mut out)));
    out
}

/// Headers past this many bytes are not read by [`parse_headers_only`].
const MAX_HEADER_BYTES: usize = 256 * 1024;

fn read_headers_only(bytes: &[u8], out: &mut ParsedMessage) {
    if let Some(msg) = MessageParser::new().parse_headers(bytes) {
        read_headers(&msg, out);
        out.auto_reply = auto_reply_of(&msg, &out.subject, "");
    }
}

fn parse_unguarded(bytes: &[u8]) -> (ParsedMessage, std::time::Duration) {
    let none = std::time::Duration::ZERO;
    let mut out = ParsedMessage::default();
    let header_problem = check_header_block(bytes);
    let parser = MessageParser::new();

    let too_large = bytes.len() > MAX_MESSAGE_BYTES;
    let too_deep = !too_large && container_parts(bytes) > MAX_CONTAINER_PARTS;
    if too_large || too_deep {
        read_headers_only(bytes, &mut out);
        out.problems.extend(header_problem);
        out.problems.push(if too_large {
            format!("message too large: {} bytes", bytes.len())
        } else {
            format!(
                "message nested too deep: more than {MAX_CONTAINER_PARTS} multipart or message parts; \
                 only its headers were read (the raw message is kept)"
            )
        });
        return (out, none);
    }

    if !starts_with_header(bytes) && looks_binary(&bytes[..bytes.len().min(512)]) {
        out.problems.push(format!(
            "unparseable headers: binary data, not an email ({} bytes)",
            bytes.len()
        ));
        return (out, none);
    }

    let Some(msg) = parser.parse(bytes) else {
        out.problems.push(
            header_problem
                .unwrap_or_else(|| "unparseable headers: no header fields found".to_string()),
        );
        if !looks_binary(bytes) {
            out.body = tidy_lines(&String::from_utf8_lossy(bytes));
        }
        return (out, none);
    };
    read_headers(&msg, &mut out);
    if let Some(p) = header_problem {
        out.problems.insert(0, p);
    }

    let mut body = Body::default();
    read_body(&msg, 0, &mut body);
    out.body = normalise_newlines(&body.text);
    out.body_from_html = body.from_html;
    out.attachments = body.attachments;
    out.problems.extend(body.problems);

    if out.body.trim().is_empty() && out.attachments.is_empty() {
        out.problems.push("missing body".to_string());
    }
    out.auto_reply = auto_reply_of(&msg, &out.subject, &out.body);
    (out, body.attachment_time)
}

// ---------------------------------------------------------------------------
// Headers
// ---------------------------------------------------------------------------

/// Checks the raw header block line by line: every line must be a field
/// (`Name: value`) or a folded continuation. Returns the first bad line.
fn check_header_block(bytes: &[u8]) -> Option<String> {
    let mut bad = 0usize;
    let mut first_bad = None;
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.is_empty() {
            break;
        }
        let ok = if line[0] == b' ' || line[0] == b'\t' {
            i > 0
        } else if i == 0 && line.starts_with(b"From ") {
            true // an mbox separator line
        } else {
            match line.iter().position(|&b| b == b':') {
                Some(colon) => colon > 0 && line[..colon].iter().all(|&b| (33..=126).contains(&b)),
                None => false,
            }
        };
        if !ok {
            bad += 1;
            first_bad.get_or_insert((i + 1, line));
        }
        if i > 10_000 {
            break;
        }
    }
    let (number, line) = first_bad?;
    let shown: String = String::from_utf8_lossy(line).chars().take(60).collect();
    Some(if bad == 1 {
        format!("unparseable headers: line {number} is not a header field ({shown:?})")
    } else {
        format!(
            "unparseable headers: {bad} lines are not header fields, the first is line {number} ({shown:?})"
        )
    })
}

/// Whether the first line is a header field (or an mbox `From ` line).
fn starts_with_header(bytes: &[u8]) -> bool {
    let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    line.starts_with(b"From ")
        || line.iter().position(|&b| b == b':').is_some_and(|colon| {
            colon > 0 && line[..colon].iter().all(|&b| (33..=126).contains(&b))
        })
}

fn read_headers(msg: &Message<'_>, out: &mut ParsedMessage) {
    out.message_id = msg
        .message_id()
        .map(clean_id)
        .filter(|id| !id.is_empty())
        .or_else(|| {
            // mail-parser drops ids it cannot read as msg-id; keep a usable one.
            msg.header_raw("Message-ID")
                .map(clean_id)
                .filter(|id| !id.is_empty() && !id.contains(char::is_whitespace))
        });
    out.in_reply_to = id_list(msg.in_reply_to());
    out.references = id_list(msg.references());

    let from = msg.from().and_then(first_address);
    match from {
        Some((address, name)) => {
            out.from = Some(address);
            out.from_name = name;
        }
        None => {
            let raw = msg.header_raw("From").map(str::trim).unwrap_or("");
            if raw.is_empty() {
                out.problems.push("no From header".to_string());
            } else {
                let shown: String = raw.chars().take(60).collect();
                out.problems
                    .push(format!("no sender address in the From header ({shown:?})"));
            }
            if let Some((address, name)) = msg.sender().and_then(first_address) {
                out.from = Some(address);
                out.from_name = name;
            }
        }
    }
    if let Some(to) = msg.to() {
        out.to = addresses(to);
    }
    out.subject = msg
        .subject()
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    out.auth_failures = auth_failures(msg);
    out.date = msg.date().and_then(rfc3339);
    if out.date.is_none()
        && let Some(raw) = msg.header_raw("Date")
        && !raw.trim().is_empty()
    {
        let shown: String = raw.trim().chars().take(60).collect();
        out.problems
            .push(format!("unparseable Date header ({shown:?})"));
    }
}

/// `dmarc=fail`, `dkim=fail`, `spf=fail` (and `permerror`) results in any
/// `Authentication-Results` header. Only failures count: a forged header
/// can claim a pass, but cannot remove the receiving server's fail.
fn auth_failures(msg: &Message<'_>) -> Vec<String> {
    static RE_RESULT: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"(?i)\b(dmarc|dkim|spf)\s*=\s*(fail|permerror)\b")
            .unwrap_or_else(|e| panic!("bad built-in pattern: {e}"))
    });
    let mut out: Vec<String> = Vec::new();
    for (name, value) in msg.headers_raw() {
        if !name.eq_ignore_ascii_case("Authentication-Results") {
            continue;
        }
        for c in RE_RESULT.captures_iter(value) {
            let r = format!(
                "{}={}",
                c[1].to_ascii_lowercase(),
                c[2].to_ascii_lowercase()
            );
            if !out.contains(&r) {
                out.push(r);
            }
        }
    }
    out
}

/// A Message-ID without angle brackets or surrounding space.
fn clean_id(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_string()
}

fn id_list(value: &HeaderValue<'_>) -> Vec<String> {
    let ids: Vec<String> = match value {
        HeaderValue::Text(t) => vec![clean_id(t)],
        HeaderValue::TextList(list) => list.iter().map(|t| clean_id(t)).collect(),
        _ => Vec::new(),
    };
    ids.into_iter().filter(|id| !id.is_empty()).collect()
}

/// The first address of a header, lower-cased, with its display name.
fn first_address(addr: &Address<'_>) -> Option<(String, Option<String>)> {
    let all: Vec<_> = match addr {
        Address::List(list) => list.iter().collect(),
        Address::Group(groups) => groups.iter().flat_map(|g| g.addresses.iter()).collect(),
    };
    all.into_iter().find_map(|a| {
        let address = a.address.as_deref()?.trim().to_lowercase();
        if address.is_empty() {
            return None;
        }
        let name = a
            .name
            .as_deref()
            .map(|n| n.trim().trim_matches('"').trim().to_string())
            .filter(|n| !n.is_empty() && n.to_lowercase() != address);
        Some((address, name))
    })
}

fn addresses(addr: &Address<'_>) -> Vec<String> {
    let all: Vec<_> = match addr {
        Address::List(list) => list.iter().collect(),
        Address::Group(groups) => groups.iter().flat_map(|g| g.addresses.iter()).collect(),
    };
    all.into_iter()
        .filter_map(|a| a.address.as_deref())
        .map(|a| a.trim().to_lowercase())
        .filter(|a| !a.is_empty())
        .collect()
}

/// An RFC 3339 timestamp for a valid Date header, `Z` for UTC.
fn rfc3339(d: &mail_parser::DateTime) -> Option<String> {
    if !d.is_valid() {
        return None;
    }
    let offset = (i32::from(d.tz_hour) * 3600 + i32::from(d.tz_minute) * 60)
        * if d.tz_before_gmt { -1 } else { 1 };
    let tz = FixedOffset::east_opt(offset)?;
    let naive = NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))?
        .and_hms_opt(u32::from(d.hour), u32::from(d.minute), u32::from(d.second))?;
    let dt = tz.from_local_datetime(&naive).single()?;
    Some(dt.to_rfc3339_opts(SecondsFormat::Secs, true))
}

// ---------------------------------------------------------------------------
// Body, forwards and attachments
// ---------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Body {
    text: String,
    from_html: bool,
    attachments: Vec<Attachment>,
    problems: Vec<String>,
    /// Time spent in [`read_attachment`].
    attachment_time: std::time::Duration,
}

impl Body {
    fn append(&mut self, text: &str) {
        let text = text.trim_matches(['\r', '\n']);
        if text.trim().is_empty() {
            return;
        }
        if !self.text.is_empty() {
            self.text.push_str("\n\n");
        }
        self.text.push_str(text);
    }

    fn problem(&mut self, depth: usize, problem: String) {
        let problem = if depth == 0 {
            problem
        } else {
            format!("forwarded message: {problem}")
        };
        if !self.problems.contains(&problem) {
            self.problems.push(problem);
        }
    }
}

/// Reads a message's text, then its attachments and forwards, into `body`.
fn read_body(msg: &Message<'_>, depth: usize, body: &mut Body) {
    check_structure(msg, depth, body);

    if let Some(recovered) = recover_boundary(msg) {
        let parser = MessageParser::new();
        if let Some(inner) = parser.parse(&recovered)
            && matches!(
                inner.parts.first().map(|p| &p.body),
                Some(PartType::Multipart(_))
            )
        {
            read_body(&inner, depth, body);
            return;
        }
    }

    let mut texts = Vec::new();
    let mut from_html = false;
    for part in msg
        .text_body
        .iter()
        .filter_map(|&id| msg.parts.get(id as usize))
    {
        match &part.body {
            PartType::Text(t) => {
                let text = normalise_newlines(&part_text(msg, part, t, depth, body));
                texts.push(unflow(part, &text));
            }
            PartType::Html(h) => {
                texts.push(html_text(&part_text(msg, part, h, depth, body)));
                from_html = true;
            }
            _ => {}
        }
    }
    if texts.iter().all(|t| t.trim().is_empty()) {
        texts.clear();
        for part in msg
            .html_body
            .iter()
            .filter_map(|&id| msg.parts.get(id as usize))
        {
            if let PartType::Html(h) = &part.body {
                texts.push(html_text(&part_text(msg, part, h, depth, body)));
                from_html = true;
            }
        }
    }
    for t in &texts {
        body.append(t);
    }
    if from_html && texts.iter().any(|t| !t.trim().is_empty()) {
        body.from_html = true;
    }

    let body_ids: Vec<u32> = msg
        .text_body
        .iter()
        .chain(&msg.html_body)
        .copied()
        .collect();
    let bodies: String = body_ids
        .iter()
        .filter_map(|&id| msg.parts.get(id as usize))
        .filter_map(|p| p.text_contents())
        .collect();
    for (index, &id) in msg.attachments.iter().enumerate() {
        let Some(part) = msg.parts.get(id as usize) else {
            continue;
        };
        if body_ids.contains(&id) {
            continue;
        }
        match &part.body {
            PartType::Message(nested) => read_forward(nested, depth, body),
            PartType::Multipart(_) => {}
            PartType::Binary(bytes) | PartType::InlineBinary(bytes) => {
                if is_message_type(part) {
                    body.problem(
                        depth,
                        format!(
                            "unreadable forwarded message {:?}: it could not be parsed",
                            attachment_name(part, index)
                        ),
                    );
                }
                if skip_part(part, &bodies) {
                    continue;
                }
                push_attachment(part, index, bytes, depth, body);
            }
            PartType::Text(t) | PartType::Html(t) => {
                if is_multipart_type(part) {
                    // A multipart whose boundary failed (reported by
                    // check_structure): its raw text is better than nothing.
                    if body.text.trim().is_empty() {
                        body.append(&normalise_newlines(t));
                    }
                    continue;
                }
                if let Some(cte) = damaged_encoding(part) {
                    let bytes = raw_body(msg, part)
                        .map(|raw| lenient_decode(cte, raw))
                        .unwrap_or_default();
                    let ct = content_type(part);
                    let is_body_text = part.attachment_name().is_none()
                        && (ct == "text/plain" || ct == "text/html");
                    if is_body_text {
                        let text = decode_charset(charset_label(part).as_deref(), &bytes);
                        let text = if ct == "text/html" {
                            html_text(&text)
                        } else {
                            normalise_newlines(&text)
                        };
                        body.append(&text);
                    } else if !skip_part(part, &bodies) {
                        push_attachment(part, index, &bytes, depth, body);
                    }
                    continue;
                }
                // A text attachment is decoded by read_attachment (UTF-8,
                // UTF-16 or Windows-1252) unless it names a charset
                // mail-parser decoded: files often come without one.
                let label = charset_label(part);
                let bytes = match label.as_deref() {
                    Some(l) if is_known_charset(l) && !matches!(l, "utf-8" | "utf8") => {
                        t.as_bytes().to_vec()
                    }
                    _ => raw_content(msg, part).unwrap_or_else(|| t.as_bytes().to_vec()),
                };
                push_attachment(part, index, &bytes, depth, body);
            }
        }
    }
}

fn push_attachment(
    part: &MessagePart<'_>,
    index: usize,
    bytes: &[u8],
    depth: usize,
    body: &mut Body,
) {
    let name = attachment_name(part, index);
    let started = std::time::Instant::now();
    let att = read_attachment(&name, &content_type(part), bytes);
    body.attachment_time += started.elapsed();
    if let Some(reason) = &att.facts.unreadable {
        let reason = reason.strip_prefix("unreadable: ").unwrap_or(reason);
        body.problem(depth, format!("unreadable attachment {name:?}: {reason}"));
    }
    body.attachments.push(att);
}

/// Appends a forwarded message (headers and text) to the body and its
/// attachments to the message's.
fn read_forward(nested: &Message<'_>, depth: usize, body: &mut Body) {
    if depth + 1 > MAX_FORWARD_DEPTH {
        body.problem(
            depth,
            format!("forwarded messages nested more than {MAX_FORWARD_DEPTH} deep were not read"),
        );
        return;
    }
    let mut head = ParsedMessage::default();
    read_headers(nested, &mut head);
    let mut inner = Body::default();
    read_body(nested, depth + 1, &mut inner);

    let mut text = String::from(FORWARD_MARKER);
    let from = match (&head.from_name, &head.from) {
        (Some(name), Some(addr)) => format!("{name} <{addr}>"),
        (None, Some(addr)) => addr.clone(),
        (Some(name), None) => name.clone(),
        (None, None) => String::new(),
    };
    if !from.is_empty() {
        text.push_str(&format!("\nFrom: {from}"));
    }
    if let Some(date) = &head.date {
        text.push_str(&format!("\nDate: {date}"));
    }
    if !head.subject.is_empty() {
        text.push_str(&format!("\nSubject: {}", head.subject));
    }
    if !head.to.is_empty() {
        text.push_str(&format!("\nTo: {}", head.to.join(", ")));
    }
    text.push_str("\n\n");
    text.push_str(&normalise_newlines(&inner.text));
    // Text before the forward keeps its place; the forward goes after it.
    if !body.text.is_empty() {
        body.text.push_str("\n\n");
    }
    body.text.push_str(text.trim_end());
    body.attachments.extend(inner.attachments);
    for p in inner.problems {
        if !body.problems.contains(&p) {
            body.problems.push(p);
        }
    }
    if inner.from_html {
        body.from_html = true;
    }
}

fn is_message_type(part: &MessagePart<'_>) -> bool {
    part.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("message")
            && ct.subtype().is_some_and(|s| {
                s.eq_ignore_ascii_case("rfc822") || s.eq_ignore_ascii_case("global")
            })
    })
}

fn is_multipart_type(part: &MessagePart<'_>) -> bool {
    part.content_type()
        .is_some_and(|ct| ct.ctype().eq_ignore_ascii_case("multipart"))
}

/// Images the message's text shows inline (`cid:` references: signature
/// logos) and cryptographic signatures are not documents. `bodies` is the
/// message's text and HTML.
fn skip_part(part: &MessagePart<'_>, bodies: &str) -> bool {
    let ct = content_type(part);
    if matches!(
        ct.as_str(),
        "application/pkcs7-signature"
            | "application/x-pkcs7-signature"
            | "application/pgp-signature"
    ) {
        return true;
    }
    ct.starts_with("image/")
        && part.content_id().is_some_and(|id| {
            let id = id.trim().trim_start_matches('<').trim_end_matches('>');
            !id.is_empty() && bodies.contains(&format!("cid:{id}"))
        })
}

/// `type/subtype` in lower case; `text/plain` when missing (RFC 2045's
/// default).
fn content_type(part: &MessagePart<'_>) -> String {
    match part.content_type() {
        Some(ct) => match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub).to_lowercase(),
            None => ct.ctype().to_lowercase(),
        },
        None => "text/plain".to_string(),
    }
}

/// The attachment's file name, or `attachment-N.<ext>` from its type.
fn attachment_name(part: &MessagePart<'_>, index: usize) -> String {
    if let Some(name) = part
        .attachment_name()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        // Keep the last path component only ("C:\Users\x\SOW.pdf").
        let name = name.rsplit(['/', '\\']).next().unwrap_or(name);
        return name.to_string();
    }
    let ext = match content_type(part).as_str() {
        "application/pdf" => "pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "text/plain" => "txt",
        "text/csv" => "csv",
        "text/html" => "html",
        "message/rfc822" => "eml",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        _ => "bin",
    };
    format!("attachment-{}.{ext}", index + 1)
}

// ---------------------------------------------------------------------------
// MIME structure and charsets
// ---------------------------------------------------------------------------

/// Reports multiparts without a boundary, with a boundary that never
/// appears, or whose closing boundary is missing (a truncated message).
fn check_structure(msg: &Message<'_>, depth: usize, body: &mut Body) {
    let raw = msg.raw_message();
    for part in &msg.parts {
        let Some(ct) = part.content_type() else {
            continue;
        };
        if !ct.ctype().eq_ignore_ascii_case("multipart") {
            continue;
        }
        let kind = format!("multipart/{}", ct.subtype().unwrap_or("mixed")).to_lowercase();
        match ct.attribute("boundary") {
            None => body.problem(
                depth,
                format!("broken MIME: {kind} has no boundary parameter"),
            ),
            Some(b) if !matches!(part.body, PartType::Multipart(_)) => body.problem(
                depth,
                format!("broken MIME: the {kind} boundary {b:?} never appears in the message"),
            ),
            Some(b) => {
                let closing = format!("--{b}--");
                if !contains(raw, closing.as_bytes()) {
                    body.problem(
                        depth,
                        format!(
                            "truncated MIME: the {kind} part is never closed (no {closing:?} line)"
                        ),
                    );
                }
            }
        }
    }
    for part in &msg.parts {
        if let Some(cte) = damaged_encoding(part) {
            let name = part
                .attachment_name()
                .map(|n| format!(" {n:?}"))
                .unwrap_or_default();
            body.problem(
                depth,
                format!(
                    "broken transfer encoding: damaged {cte} in the {} part{name}; the readable lines were kept",
                    content_type(part)
                ),
            );
        }
    }
}

/// Whether `needle` occurs in `haystack`, searched from the end (where a
/// closing boundary normally is).
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).rev().any(|w| w == needle)
}

/// When the top-level multipart has no usable boundary, rebuilds the body
/// with the boundary its first `--` line shows, so its parts can be read.
fn recover_boundary(msg: &Message<'_>) -> Option<Vec<u8>> {
    let root = msg.parts.first()?;
    if !is_multipart_type(root) || matches!(root.body, PartType::Multipart(_)) {
        return None;
    }
    let raw = msg.raw_message();
    let start = root.offset_body as usize;
    let body = raw.get(start..)?;
    let boundary = body
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .find(|l| l.len() > 2 && l.starts_with(b"--") && !l.ends_with(b"--"))?
        .get(2..)?
        .to_vec();
    let boundary = String::from_utf8(boundary).ok()?;
    if boundary.contains(['"', '\\']) || boundary.trim().is_empty() {
        return None;
    }
    let subtype = root
        .content_type()
        .and_then(|ct| ct.subtype())
        .unwrap_or("mixed")
        .to_lowercase();
    let mut rebuilt = format!(
        "MIME-Version: 1.0\r\nContent-Type: multipart/{subtype}; boundary=\"{boundary}\"\r\n\r\n"
    )
    .into_bytes();
    rebuilt.extend_from_slice(body);
    Some(rebuilt)
}

/// The text of a text part, checked against its charset label: text that
/// does not decode as UTF-8 (declared, undeclared, or an unknown charset) is
/// read again as Windows-1252; UTF-8 labelled as a single-byte charset is
/// read as UTF-8. Both are reported.
fn part_text(
    msg: &Message<'_>,
    part: &MessagePart<'_>,
    text: &str,
    depth: usize,
    body: &mut Body,
) -> String {
    let label = charset_label(part);
    let kind = content_type(part);
    if text.contains('\u{FFFD}') {
        let raw = raw_content(msg, part);
        if raw
            .as_deref()
            .is_some_and(|r| contains(r, "\u{FFFD}".as_bytes()))
        {
            // The sender's own replacement characters.
            return text.to_string();
        }
        let read_as_utf8 = label
            .as_deref()
            .is_none_or(|l| matches!(l, "utf-8" | "utf8") || !is_known_charset(l));
        if read_as_utf8 && let Some(raw) = raw {
            let why = match label.as_deref() {
                Some(l) if !is_known_charset(l) => {
                    format!("a {kind} part has the unknown charset {l:?} and is not UTF-8")
                }
                Some(l) => format!("a {kind} part labelled {l:?} is not valid UTF-8"),
                None => format!("a {kind} part without a charset is not valid UTF-8"),
            };
            body.problem(
                depth,
                format!("undecodable charset: {why}; read as windows-1252"),
            );
            return windows_1252(&raw);
        }
        let count = text.chars().filter(|&c| c == '\u{FFFD}').count();
        let shown = label.as_deref().unwrap_or("no charset");
        body.problem(
            depth,
            format!(
                "undecodable charset: {count} characters of a {kind} part labelled {shown:?} could not be decoded"
            ),
        );
        return text.to_string();
    }
    if let Some(l) = label.as_deref()
        && is_single_byte(l)
        && looks_like_mojibake(text)
        && let Some(raw) = raw_content(msg, part)
        && let Ok(utf8) = String::from_utf8(raw)
    {
        body.problem(
            depth,
            format!("wrong charset label: a {kind} part labelled {l:?} is UTF-8; read as utf-8"),
        );
        return utf8;
    }
    text.to_string()
}

/// The part's declared charset, lower-cased.
fn charset_label(part: &MessagePart<'_>) -> Option<String> {
    part.content_type()
        .and_then(|ct| ct.attribute("charset"))
        .map(|c| c.trim().to_lowercase())
        .filter(|c| !c.is_empty())
}

/// A part's bytes after undoing its transfer encoding.
fn raw_content(msg: &Message<'_>, part: &MessagePart<'_>) -> Option<Vec<u8>> {
    let raw = msg
        .raw_message()
        .get(part.offset_body as usize..part.offset_end as usize)?;
    match part.encoding {
        Encoding::Base64 => mail_parser::decoders::base64::base64_decode(raw),
        Encoding::QuotedPrintable => {
            mail_parser::decoders::quoted_printable::quoted_printable_decode(raw)
        }
        Encoding::None => Some(raw.to_vec()),
    }
}

/// The raw (still transfer-encoded) body of a part.
fn raw_body<'m>(msg: &'m Message<'_>, part: &MessagePart<'_>) -> Option<&'m [u8]> {
    msg.raw_message()
        .get(part.offset_body as usize..part.offset_end as usize)
}

/// The declared transfer encoding of a part mail-parser could not decode.
fn damaged_encoding(part: &MessagePart<'_>) -> Option<&'static str> {
    if !part.is_encoding_problem || is_multipart_type(part) || is_message_type(part) {
        return None;
    }
    let cte = part.content_transfer_encoding()?.trim().to_lowercase();
    match cte.as_str() {
        "base64" => Some("base64"),
        "quoted-printable" => Some("quoted-printable"),
        _ => None,
    }
}

/// Decodes damaged base64 line by line (lines that do not decode are
/// dropped) or damaged quoted-printable escape by escape (bad escapes are
/// kept as written).
fn lenient_decode(cte: &str, raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    if cte == "base64" {
        for line in raw.split(|&b| b == b'\n') {
            let line = line.trim_ascii();
            if line.is_empty() || line.starts_with(b"--") {
                continue;
            }
            if let Some(decoded) = mail_parser::decoders::base64::base64_decode(line) {
                out.extend_from_slice(&decoded);
            }
        }
        return out;
    }
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b == b'=' {
            let next = raw.get(i + 1..(i + 3).min(raw.len())).unwrap_or_default();
            if next.starts_with(b"\r\n") {
                i += 3;
                continue;
            }
            if next.starts_with(b"\n") {
                i += 2;
                continue;
            }
            if let [h, l] = next
                && let (Some(h), Some(l)) = (hex(*h), hex(*l))
            {
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

/// Bytes in a declared charset: mail-parser's decoder when it knows the
/// charset, else UTF-8, else Windows-1252.
fn decode_charset(label: Option<&str>, bytes: &[u8]) -> String {
    if let Some(decode) = label
        .filter(|l| !matches!(*l, "utf-8" | "utf8"))
        .and_then(|l| mail_parser::decoders::charsets::map::charset_decoder(l.as_bytes()))
    {
        return decode(bytes);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => windows_1252(bytes),
    }
}

/// Undoes `format=flowed` (RFC 3676): a line ending in a space goes on in
/// the next line of the same quote depth; `DelSp=yes` drops that space.
fn unflow(part: &MessagePart<'_>, text: &str) -> String {
    let Some(ct) = part.content_type() else {
        return text.to_string();
    };
    if !ct
        .attribute("format")
        .is_some_and(|f| f.eq_ignore_ascii_case("flowed"))
    {
        return text.to_string();
    }
    let delsp = ct
        .attribute("delsp")
        .is_some_and(|d| d.eq_ignore_ascii_case("yes"));
    let depth = |l: &str| l.chars().take_while(|&c| c == '>').count();
    let mut out = String::with_capacity(text.len());
    let mut open: Option<usize> = None;
    for line in text.split('\n') {
        let d = depth(line);
        let content = &line[d..];
        let content = content.strip_prefix(' ').unwrap_or(content);
        let joins = open == Some(d);
        if !joins {
            if open.is_some() {
                out.push('\n');
            }
            out.push_str(&">".repeat(d));
            if d > 0 {
                out.push(' ');
            }
        }
        let flowed = content.ends_with(' ') && content != "-- ";
        if flowed {
            out.push_str(if delsp {
                &content[..content.len() - 1]
            } else {
                content
            });
            open = Some(d);
        } else {
            out.push_str(content);
            out.push('\n');
            open = None;
        }
    }
    if out.ends_with('\n') && !text.ends_with('\n') {
        out.pop();
    }
    out
}

fn is_known_charset(label: &str) -> bool {
    mail_parser::decoders::charsets::map::charset_decoder(label.as_bytes()).is_some()
        || matches!(label, "utf-8" | "utf8")
}

fn is_single_byte(label: &str) -> bool {
    label.starts_with("iso-8859")
        || label.starts_with("windows-125")
        || label.starts_with("cp125")
        || matches!(
            label,
            "us-ascii" | "ascii" | "latin1" | "latin-1" | "iso_8859-1"
        )
}

/// UTF-8 read as a single-byte charset: a lead byte (Ã, Â, â, Ð…) followed
/// by a continuation byte shown as a Latin-1 or Windows-1252 character.
fn looks_like_mojibake(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(2).any(|w| {
        ('\u{C2}'..='\u{F4}').contains(&w[0])
            && (('\u{80}'..='\u{BF}').contains(&w[1])
                || "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ".contains(w[1]))
    })
}

fn looks_binary(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(4096)];
    let odd = sample
        .iter()
        .filter(|&&b| b == 0 || (b < 32 && !matches!(b, b'\n' | b'\r' | b'\t')))
        .count();
    odd * 20 > sample.len()
}

fn normalise_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

// ---------------------------------------------------------------------------
// Automatic replies
// ---------------------------------------------------------------------------

fn auto_reply_of(msg: &Message<'_>, subject: &str, body: &str) -> Option<String> {
    let headers: Vec<(&str, &str)> = msg.headers_raw().collect();
    detect_auto_reply(&headers, subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_authentication_results_are_kept_and_passes_are_not() {
        let raw = b"Authentication-Results: mx.ourfirm.example; spf=pass smtp.mailfrom=acme.example;\r\n dkim=fail header.d=acme.example; DMARC=fail (p=reject)\r\nAuthentication-Results: relay.example; dkim=pass\r\nFrom: ap@acme.example\r\nSubject: INV-1\r\n\r\nPaid.\r\n";
        assert_eq!(
            parse_message(raw).auth_failures,
            vec!["dkim=fail", "dmarc=fail"]
        );
        let clean = b"Authentication-Results: mx.ourfirm.example; spf=pass; dkim=pass; dmarc=pass\r\nFrom: ap@acme.example\r\nSubject: INV-1\r\n\r\nPaid.\r\n";
        assert!(parse_message(clean).auth_failures.is_empty());
    }

    fn email(headers: &str, body: &str) -> Vec<u8> {
        format!(
            "From: Dana <dana@acme.example>\nTo: collections@ourfirm.example\n\
             Date: Tue, 17 Nov 2026 09:14:03 -0600\nMessage-ID: <t-1@acme.example>\n{headers}\n{body}"
        )
        .into_bytes()
    }

    #[test]
    fn auto_reply_headers() {
        type Headers<'a> = &'a [(&'a str, &'a str)];
        let cases: &[(Headers<'_>, Option<&str>)] = &[
            (
                &[("Auto-Submitted", " auto-replied")],
                Some("Auto-Submitted: auto-replied"),
            ),
            (
                &[("auto-submitted", "auto-generated; owner-email=\"x@y\"")],
                Some("Auto-Submitted: auto-generated"),
            ),
            (&[("Auto-Submitted", "no")], None),
            (&[("X-Autoreply", "yes")], Some("X-Autoreply: yes")),
            (&[("X-Autoreply", "no")], None),
            (
                &[("X-Autorespond", "Out of office")],
                Some("X-Autorespond: Out of office"),
            ),
            (&[("Precedence", "bulk")], Some("Precedence: bulk")),
            (&[("Precedence", "JUNK")], Some("Precedence: junk")),
            (
                &[("Precedence", "auto_reply")],
                Some("Precedence: auto_reply"),
            ),
            (&[("Precedence", "list")], None),
            (
                &[
                    (
                        "X-MS-Exchange-Generated-Message-Source",
                        "Mailbox Rules Agent",
                    ),
                    ("X-Auto-Response-Suppress", "All"),
                ],
                Some("X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent"),
            ),
            // Outlook asks others not to auto-reply on many ordinary messages.
            (&[("X-Auto-Response-Suppress", "All")], None),
        ];
        for (headers, want) in cases {
            let got = detect_auto_reply(headers, "RE: INV-2031", "Approved, paying Friday.");
            assert_eq!(got.as_deref(), *want, "{headers:?}");
        }
    }

    #[test]
    fn parse_reports_auto_replies_from_the_message() {
        let bytes = email(
            "Subject: Abwesenheitsnotiz: Zahlungserinnerung\nAuto-Submitted: auto-replied\n",
            "Ich bin nicht im Büro.\n",
        );
        let parsed = parse_message(&bytes);
        assert_eq!(
            parsed.auto_reply.as_deref(),
            Some("Auto-Submitted: auto-replied")
        );
        assert!(parsed.problems.is_empty());
    }

    #[test]
    fn format_flowed_paragraphs_are_joined() {
        let bytes = email(
            "Subject: RE: INV-2041\nContent-Type: text/plain; charset=utf-8; format=flowed\n",
            "INV-2041 will be paid \non the 30th of November.\n\n> Dear customer, \n> invoice INV-2041 is open.\n-- \nBjörn\n",
        );
        let parsed = parse_message(&bytes);
        assert_eq!(
            parsed.body,
            "INV-2041 will be paid on the 30th of November.\n\n> Dear customer, invoice INV-2041 is open.\n-- \nBjörn"
        );
    }

    #[test]
    fn text_in_the_wrong_charset_is_recovered_and_reported() {
        let mut bytes = email(
            "Subject: AW: Rechnung\nContent-Type: text/plain; charset=utf-8\n",
            "",
        );
        bytes.extend_from_slice(b"Gr\xfc\xdfe, die Rechnung ist freigegeben.\n");
        let parsed = parse_message(&bytes);
        assert_eq!(parsed.body, "Grüße, die Rechnung ist freigegeben.");
        assert_eq!(
            parsed.problems,
            [
                "undecodable charset: a text/plain part labelled \"utf-8\" is not valid UTF-8; read as windows-1252"
            ]
        );

        let mut bytes = email(
            "Subject: RE\nContent-Type: text/plain; charset=us-ascii\n",
            "",
        );
        bytes.extend_from_slice("Réglée le 20 novembre.\n".as_bytes());
        let parsed = parse_message(&bytes);
        assert_eq!(parsed.body, "Réglée le 20 novembre.");
        assert!(
            parsed.problems[0].starts_with("wrong charset label"),
            "{:?}",
            parsed.problems
        );
    }

    #[test]
    fn damaged_quoted_printable_keeps_what_it_can() {
        assert_eq!(
            lenient_decode("quoted-printable", b"caf=E9 =ZZ ok=\nnext =3D x"),
            b"caf\xe9 =ZZ oknext = x"
        );
        assert_eq!(
            lenient_decode("base64", b"SGVsbG8s\n!!!! junk\nIHdvcmxk\n--boundary--"),
            b"Hello, world"
        );
    }

    #[test]
    fn addresses_ids_and_dates_are_normalised() {
        let bytes = b"From: \"Whitfield, Dana\" <Dana.Whitfield@ACME.example>\n\
            To: undisclosed: A@X.example, b@y.example;, c@z.example\n\
            Subject: =?utf-8?Q?Zahlung_f=C3=BCr_INV-1?=\n\
            Date: Tue, 17 Nov 2026 23:14:03 -0130\n\
            Message-ID: plain-id@acme.example\n\
            In-Reply-To: <r-1@ourfirm.example>\n\
            References: <r-0@ourfirm.example> <r-1@ourfirm.example>\n\nok\n";
        let parsed = parse_message(bytes);
        assert_eq!(parsed.from.as_deref(), Some("dana.whitfield@acme.example"));
        assert_eq!(parsed.from_name.as_deref(), Some("Whitfield, Dana"));
        assert_eq!(parsed.to, ["a@x.example", "b@y.example", "c@z.example"]);
        assert_eq!(parsed.subject, "Zahlung für INV-1");
        assert_eq!(parsed.date.as_deref(), Some("2026-11-17T23:14:03-01:30"));
        assert_eq!(parsed.message_id.as_deref(), Some("plain-id@acme.example"));
        assert_eq!(parsed.in_reply_to, ["r-1@ourfirm.example"]);
        assert_eq!(
            parsed.references,
            ["r-0@ourfirm.example", "r-1@ourfirm.example"]
        );
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    }

    #[test]
    fn signature_logos_are_skipped_but_photos_are_kept() {
        let bytes = email(
            "Subject: RE: INV-2031\nContent-Type: multipart/related; boundary=\"r\"\n",
            "--r\nContent-Type: text/html; charset=utf-8\n\n\
             <p>Paid, photo of the cheque attached.</p><img src=\"cid:logo@x\">\n\
             --r\nContent-Type: image/png\nContent-ID: <logo@x>\n\
             Content-Disposition: inline; filename=\"logo.png\"\n\
             Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n\
             --r\nContent-Type: image/jpeg\nContent-ID: <photo@x>\n\
             Content-Disposition: inline; filename=\"IMG_0412.jpeg\"\n\
             Content-Transfer-Encoding: base64\n\n/9j/4AAQ\n--r--\n",
        );
        let parsed = parse_message(&bytes);
        assert!(parsed.body_from_html);
        assert_eq!(parsed.body, "Paid, photo of the cheque attached.");
        let names: Vec<&str> = parsed
            .attachments
            .iter()
            .map(|a| a.filename.as_str())
            .collect();
        assert_eq!(names, ["IMG_0412.jpeg"]);
    }

    #[test]
    fn whitespace_only_message_is_empty() {
        assert_eq!(parse_message(b"\r\n \n").problems, ["empty message"]);
        assert_eq!(parse_message(b"").problems, ["empty message"]);
    }

    #[test]
    fn forwards_nested_too_deep_are_cut_off() {
        let mut msg = String::from("From: x@deep.example\nSubject: bottom\n\nthe bottom\n");
        for level in 0..12 {
            msg = format!(
                "From: l{level}@deep.example\nSubject: level {level}\n\
                 Content-Type: multipart/mixed; boundary=\"b{level}\"\n\n\
                 --b{level}\nContent-Type: text/plain\n\nforwarding {level}\n\
                 --b{level}\nContent-Type: message/rfc822\n\n{msg}\n--b{level}--\n"
            );
        }
        let parsed = parse_message(msg.as_bytes());
        assert!(parsed.body.starts_with("forwarding 11"));
        assert_eq!(
            parsed.body.matches(FORWARD_MARKER).count(),
            MAX_FORWARD_DEPTH
        );
        assert!(
            parsed
                .problems
                .iter()
                .any(|p| p.ends_with("forwarded messages nested more than 8 deep were not read")),
            "{:?}",
            parsed.problems
        );
    }

    /// Damaged copies of the corpus (cut short, bytes flipped) never make
    /// the MIME parser fail: each still gives a message, with its problems.
    /// A message nested in itself tens of thousands of times, as
    /// `message/rfc822` parts or as multiparts, made at test time.
    fn nested(depth: usize, multipart: bool) -> Vec<u8> {
        let mut m = String::from("From: ap@client.example\r\nSubject: nested\r\n");
        for i in 0..depth {
            if multipart {
                m.push_str(&format!(
                    "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"
                ));
            } else {
                m.push_str("Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n");
            }
        }
        m.push_str("Content-Type: text/plain\r\n\r\nPaid today.\r\n");
        m.into_bytes()
    }

    #[test]
    fn deeply_nested_messages_do_not_overflow_the_stack() {
        for multipart in [false, true] {
            let parsed = parse_message(&nested(30_000, multipart));
            assert!(
                parsed
                    .problems
                    .iter()
                    .any(|p| p.contains("nested too deep")),
                "{multipart}: {:?}",
                parsed.problems
            );
            assert_eq!(parsed.from.as_deref(), Some("ap@client.example"));
        }
        // Ordinary nesting is read as before.
        let parsed = parse_message(&nested(3, false));
        assert!(
            !parsed
                .problems
                .iter()
                .any(|p| p.contains("nested too deep")),
            "{:?}",
            parsed.problems
        );
    }

    #[test]
    fn damaged_messages_are_parsed_not_crashed() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        names.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|e| e == "eml"));
        names.sort();
        assert!(names.len() >= 20);
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for path in names {
            let good = std::fs::read(&path).unwrap_or_default();
            for round in 0..12 {
                let mut bytes = good.clone();
                if round % 2 == 0 {
                    let cut = (next() as usize) % bytes.len().max(1);
                    bytes.truncate(cut);
                } else {
                    for _ in 0..8 {
                        let i = (next() as usize) % bytes.len().max(1);
                        if let Some(b) = bytes.get_mut(i) {
                            *b = next() as u8;
                        }
                    }
                }
                let parsed = parse_message(&bytes);
                assert!(
                    !parsed.problems.iter().any(|p| p.contains("parser failed")),
                    "{} round {round}: {:?}",
                    path.display(),
                    parsed.problems
                );
            }
        }
    }
}
