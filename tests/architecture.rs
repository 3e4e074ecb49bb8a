//! The crate's layering, checked from the source: which top-level module may
//! use which (`use crate::…` and inline `crate::…` paths in code, comments
//! ignored). A new arrow fails this test until the table below says it is
//! meant; the forbidden ones of the architecture (README, "Architecture")
//! fail it with their reason.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every arrow the layout allows: module → modules it may use. `domain`
/// uses nothing of ours.
const ALLOWED: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("text", &["domain"]),
    ("jsonl", &["domain"]),
    ("ledger_csv", &["domain"]),
    ("ingest", &["domain", "text"]),
    ("classify", &["domain", "text"]),
    ("rules", &["domain", "text"]),
    ("store", &["domain"]),
    ("send", &["domain", "store"]),
    ("reminders", &["domain", "rules", "store"]),
    ("shutdown", &[]),
    ("metrics", &[]),
    (
        "pipeline",
        &[
            "domain", "text", "ingest", "classify", "rules", "store", "metrics",
        ],
    ),
    ("spool", &["ingest", "pipeline", "store"]),
    ("eval", &["domain", "text", "ingest", "rules"]),
    ("kpis", &["domain"]),
    (
        "http",
        &[
            "domain", "text", "ingest", "store", "pipeline", "eval", "kpis", "metrics",
        ],
    ),
    ("train", &["domain", "text", "classify", "jsonl"]),
    ("bench", &["domain", "text", "classify"]),
    (
        "cli",
        &[
            "domain",
            "text",
            "ingest",
            "classify",
            "rules",
            "store",
            "pipeline",
            "spool",
            "send",
            "reminders",
            "shutdown",
            "eval",
            "train",
            "jsonl",
            "ledger_csv",
            "kpis",
            "http",
            "bench",
            "metrics",
        ],
    ),
];

/// Arrows that would undo the architecture, with why.
const FORBIDDEN: &[(&str, &str, &str)] = &[
    (
        "store",
        "rules",
        "the store writes what the rules decided; it runs no rule",
    ),
    (
        "store",
        "classify",
        "the store holds rows, never tensors or models",
    ),
    (
        "store",
        "ingest",
        "the store takes domain types, not a source's",
    ),
    (
        "rules",
        "classify",
        "rules are pure functions of the prepared reply and prediction",
    ),
    (
        "rules",
        "store",
        "rules return decisions and effects as data; the pipeline stores them",
    ),
    ("text", "classify", "reading text is not model code"),
    ("classify", "rules", "the model labels; the rules decide"),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`src/rules/route.rs` →
/// `rules`, `src/pipeline.rs` → `pipeline`); `None` for `lib.rs`/`main.rs`.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_string())
}

/// The code of a line, without a `//` comment (doc comments included).
fn code_of(line: &str) -> &str {
    match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    }
}

/// Top-level modules named after `crate::` in `code`, braces included
/// (`use crate::{domain::X, text};`).
fn crate_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            let mut depth = 0usize;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.push(std::mem::take(&mut item));
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    item.push(c);
                }
            }
            out.push(item);
        } else {
            out.push(after.to_string());
        }
        rest = after;
    }
    out.into_iter()
        .map(|p| {
            p.trim()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|m| !m.is_empty() && m != "self")
        .collect()
}

/// module → (used module → first `file:line` that uses it).
fn arrows() -> BTreeMap<String, BTreeMap<String, String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(
        files.len() > 20,
        "read the crate's sources ({} files)",
        files.len()
    );
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for file in files {
        let Some(module) = module_of(&src, &file) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("source is UTF-8");
        // Statements may wrap: join each `use` over its lines first.
        let code: Vec<&str> = text.lines().map(code_of).collect();
        for (n, line) in code.iter().enumerate() {
            let mut stmt = line.to_string();
            if stmt.contains("crate::{") && !stmt.contains('}') {
                for more in code.iter().skip(n + 1) {
                    stmt.push_str(more);
                    if more.contains('}') {
                        break;
                    }
                }
            }
            for used in crate_paths(&stmt) {
                if used != module {
                    out.entry(module.clone())
                        .or_default()
                        .entry(used)
                        .or_insert_with(|| format!("{}:{}", file.display(), n + 1));
                }
            }
        }
    }
    out
}

#[test]
fn parser_reads_plain_grouped_and_inline_paths() {
    assert_eq!(crate_paths("use crate::domain::Label;"), ["domain"]);
    assert_eq!(
        crate_paths("use crate::{domain::{A, B}, text, self};"),
        ["domain", "text"]
    );
    assert_eq!(
        crate_paths("let x = crate::text::prepare(r); crate::rules::decide(c)"),
        ["text", "rules"]
    );
    assert_eq!(code_of("use crate::x; // crate::store"), "use crate::x; ");
    assert!(crate_paths(code_of("/// see [`crate::store`]")).is_empty());
}

#[test]
fn no_forbidden_dependency() {
    let arrows = arrows();
    let mut problems = Vec::new();
    for (from, to, why) in FORBIDDEN {
        if let Some(at) = arrows.get(*from).and_then(|m| m.get(*to)) {
            problems.push(format!("{from} uses {to} ({at}): {why}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_dependency_is_an_allowed_arrow() {
    let allowed: BTreeMap<&str, BTreeSet<&str>> = ALLOWED
        .iter()
        .map(|(m, to)| (*m, to.iter().copied().collect()))
        .collect();
    let arrows = arrows();
    assert!(
        arrows
            .get("pipeline")
            .is_some_and(|m| m.contains_key("rules")),
        "the scan sees the pipeline's use of the rules"
    );
    let mut problems = Vec::new();
    for (from, uses) in &arrows {
        let Some(ok) = allowed.get(from.as_str()) else {
            problems.push(format!("module {from} is not in the architecture table"));
            continue;
        };
        for (to, at) in uses {
            if !ok.contains(to.as_str()) {
                problems.push(format!("{from} → {to} is not an allowed arrow ({at})"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
