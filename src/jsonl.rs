//! Reading spec-format JSON Lines files (one reply a line).
//!
//! Labelled files used for training and evaluation must be clean: the first
//! bad line is an error naming its file and line. Input to `classify` is
//! read leniently instead: every line yields either a reply or a per-line
//! error, so one broken line does not stop a run.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use crate::domain::{LabelledReply, Reply};

/// Errors of reading a labelled JSONL file.
#[derive(Debug, thiserror::Error)]
pub enum JsonlError {
    /// The file could not be opened or read.
    #[error("reading {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A line is not a valid labelled reply.
    #[error("{path}:{line}: {message}")]
    Line {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
}

/// Reads every labelled reply of one file; blank lines are skipped.
pub fn read_labelled(path: &Path) -> Result<Vec<LabelledReply>, JsonlError> {
    let file = std::fs::File::open(path).map_err(|source| JsonlError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut out = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|source| JsonlError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let row: LabelledReply = serde_json::from_str(&line).map_err(|e| JsonlError::Line {
            path: path.to_path_buf(),
            line: n + 1,
            message: e.to_string(),
        })?;
        out.push(row);
    }
    Ok(out)
}

/// The `*.jsonl` files of a directory in name order, or the path itself when
/// it is a file.
pub fn data_files(path: &Path) -> Result<Vec<PathBuf>, JsonlError> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path).map_err(|source| JsonlError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    Ok(files)
}

/// One input line of `classify`: a reply, or why the line was rejected.
#[derive(Debug, Clone, PartialEq)]
pub enum InputLine {
    /// A usable reply.
    Reply(Reply),
    /// The line's id (or `line N` when none could be read) and the reason.
    Invalid {
        /// The id from the line if it had one, else `line N`.
        id: String,
        /// What is wrong with it.
        error: String,
    },
}

/// Parses one `classify` input line (1-based `line_no` names lines without an id).
/// The spec's `labels` field, if present, is ignored.
pub fn parse_input_line(line: &str, line_no: usize) -> InputLine {
    let value: serde_json::Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => {
            return InputLine::Invalid {
                id: format!("line {line_no}"),
                error: format!("not valid JSON: {e}"),
            };
        }
    };
    let id = match value.get("id") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => format!("line {line_no}"),
    };
    if !value.get("body").is_some_and(serde_json::Value::is_string) {
        return InputLine::Invalid {
            id,
            error: "missing string field `body`".into(),
        };
    }
    let text = |k: &str| {
        value
            .get(k)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    InputLine::Reply(Reply {
        id,
        subject: text("subject"),
        from: text("from"),
        body: text("body"),
        date: value
            .get("date")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_lines_name_their_id_or_number() {
        assert!(matches!(
            parse_input_line("{nope", 3),
            InputLine::Invalid { id, .. } if id == "line 3"
        ));
        assert!(matches!(
            parse_input_line(r#"{"id": "a1", "subject": "x"}"#, 1),
            InputLine::Invalid { id, error } if id == "a1" && error.contains("body")
        ));
        let InputLine::Reply(r) =
            parse_input_line(r#"{"id": 7, "body": "Paid.", "labels": ["x"]}"#, 1)
        else {
            panic!("expected a reply");
        };
        assert_eq!((r.id.as_str(), r.body.as_str()), ("7", "Paid."));
    }
}
