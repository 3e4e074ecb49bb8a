//! What the pages and the API show of a stored message: the body cut into
//! pieces (the client's own lines, quoted history, evidence marks), each
//! piece plain text that the templates escape. Mail is never rendered as
//! HTML: an HTML body is shown as the text it was converted to on ingest.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::{Evidence, Label};
use crate::ingest::reader::{ReadMessage, Reader};

/// A run of body text with one look.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Piece {
    /// The text (never markup: templates escape it).
    pub text: String,
    /// False for the client's own new lines, true for quoted history,
    /// signatures and forwarded text.
    pub quoted: bool,
    /// The label whose evidence this piece is, if any.
    pub evidence: Option<Label>,
    /// That evidence's weight (score drop without it).
    pub weight: Option<f32>,
}

/// A stored message as shown.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct MessageView {
    /// Sender display name.
    pub from_name: Option<String>,
    /// The Date header (RFC 3339).
    pub date: Option<String>,
    /// Recipients.
    pub to: Vec<String>,
    /// True when the body was converted from HTML.
    pub from_html: bool,
    /// The body, cut into pieces.
    pub pieces: Vec<Piece>,
    /// Problems met parsing it.
    pub problems: Vec<String>,
}

/// Cuts the body of a message read as ingest read it into pieces by the
/// client text's lines and the evidence spans (character offsets in the
/// body).
pub fn message_view(read: ReadMessage, evidence: &BTreeMap<Label, Vec<Evidence>>) -> MessageView {
    let ReadMessage {
        parsed,
        reply: prepared,
        ..
    } = read;
    let body: Vec<char> = prepared.reply.body.chars().collect();
    let n = body.len();
    let mut own = vec![false; n];
    for s in &prepared.segments {
        for flag in own.iter_mut().take(s.end.min(n)).skip(s.start) {
            *flag = true;
        }
    }
    // The strongest evidence wins where spans of several labels overlap.
    let mut mark: Vec<Option<(Label, f32)>> = vec![None; n];
    for (label, spans) in evidence {
        for e in spans {
            for m in mark.iter_mut().take(e.end.min(n)).skip(e.start) {
                if m.is_none_or(|(_, w)| w < e.weight) {
                    *m = Some((*label, e.weight));
                }
            }
        }
    }
    let mut pieces: Vec<Piece> = Vec::new();
    for (i, c) in body.iter().enumerate() {
        let quoted = !own[i];
        let ev = mark[i];
        match pieces.last_mut() {
            Some(p) if p.quoted == quoted && p.evidence == ev.map(|e| e.0) => p.text.push(*c),
            _ => pieces.push(Piece {
                text: c.to_string(),
                quoted,
                evidence: ev.map(|e| e.0),
                weight: ev.map(|e| e.1),
            }),
        }
    }
    MessageView {
        from_name: parsed.from_name,
        date: parsed.date,
        to: parsed.to,
        from_html: parsed.body_from_html,
        pieces,
        problems: parsed.problems,
    }
}

/// Reads `raw` with `reader` (in a reader child when the service reads
/// sandboxed, so a message that crashes a parser cannot take the web down)
/// and builds its [`message_view`] on a blocking thread: a large message
/// takes long enough that it must not hold up the runtime's workers.
pub async fn read_view(
    reader: &Reader,
    raw: &[u8],
    evidence: BTreeMap<Label, Vec<Evidence>>,
) -> Result<MessageView, crate::http::HttpError> {
    let read = reader.read("view", raw).await;
    tokio::task::spawn_blocking(move || message_view(read, &evidence))
        .await
        .map_err(|e| crate::http::HttpError::Internal(format!("reading the message: {e}")))
}

/// The body of a raw message as ingest read it.
pub async fn read_body(reader: &Reader, raw: &[u8]) -> String {
    reader.read("relabel", raw).await.parsed.body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_lines_quoted_history_and_evidence_are_separate_pieces() {
        let raw = b"From: a@b.example\r\nSubject: Re: INV-1\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\nIt is with our CFO <b>now</b>.\r\n\r\nOn Fri, Ana wrote:\r\n> Please pay INV-1.\r\n";
        let body = "It is with our CFO <b>now</b>.";
        let start = 0;
        let mut ev = BTreeMap::new();
        ev.insert(
            Label::ApprovalPending,
            vec![Evidence {
                text: body.into(),
                start,
                end: body.chars().count(),
                weight: 0.5,
                facts: Default::default(),
            }],
        );
        let v = message_view(crate::ingest::reader::read_message("view", raw), &ev);
        assert_eq!(v.pieces[0].text, body);
        assert_eq!(v.pieces[0].evidence, Some(Label::ApprovalPending));
        assert!(!v.pieces[0].quoted);
        let quoted: String = v
            .pieces
            .iter()
            .filter(|p| p.quoted)
            .map(|p| p.text.as_str())
            .collect();
        assert!(quoted.contains("> Please pay INV-1."), "{quoted:?}");
        let all: String = v.pieces.iter().map(|p| p.text.as_str()).collect();
        assert!(all.starts_with(body));
    }
}
