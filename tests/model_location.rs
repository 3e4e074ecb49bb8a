//! Where the binary looks for the model, seen from outside the checkout: a
//! run from a temporary folder with a model folder that is not there says so
//! in plain words at start; `ingest --require-model` and `classify` exit
//! non-zero, plain `ingest` warns once and goes on.

use std::path::Path;
use std::process::{Command, Output};

/// `ar-triage ARGS` run in `cwd`, with `AR_TRIAGE_MODELS` as given and the
/// user's own config file out of reach (HOME and XDG_CONFIG_HOME in `cwd`).
fn ar_triage(cwd: &Path, models_env: Option<&Path>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ar-triage"));
    cmd.args(args)
        .current_dir(cwd)
        .env("HOME", cwd.join("home"))
        .env("XDG_CONFIG_HOME", cwd.join("xdg"))
        .env("AR_TRIAGE_LOG", "warn")
        .env_remove("AR_TRIAGE_MODELS")
        .env_remove("AR_TRIAGE_DATABASE_URL");
    if let Some(m) = models_env {
        cmd.env("AR_TRIAGE_MODELS", m);
    }
    cmd.output().unwrap()
}

/// A temporary folder outside the checkout with an empty Maildir `inbox/`.
fn outside() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        !dir.path().starts_with(env!("CARGO_MANIFEST_DIR")),
        "the test folder must lie outside the checkout"
    );
    for d in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(dir.path().join("inbox").join(d)).unwrap();
    }
    dir
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn ingest_require_model_stops_with_a_plain_message() {
    let dir = outside();
    let bogus = dir.path().join("no-such-models");
    let out = ar_triage(
        dir.path(),
        Some(&bogus),
        &[
            "ingest",
            "--maildir",
            "inbox",
            "--once",
            "--require-model",
            "--db",
            "sqlite://t.db",
        ],
    );
    let err = stderr(&out);
    assert!(!out.status.success(), "must fail; stderr: {err}");
    assert!(err.contains("cannot load the reply classifier"), "{err}");
    assert!(
        err.contains(&bogus.display().to_string()),
        "names the folder: {err}"
    );
    assert!(
        err.contains("from AR_TRIAGE_MODELS"),
        "says why it looked there: {err}"
    );
    assert!(err.contains("no such folder"), "{err}");
    assert!(
        !dir.path().join("t.db").exists(),
        "it stops before storing anything"
    );
}

#[test]
fn ingest_without_a_model_warns_once_and_stores_unclassified() {
    let dir = outside();
    let bogus = dir.path().join("no-such-models");
    std::fs::write(
        dir.path().join("inbox/new/1.eml"),
        "From: ap@client.example\r\nTo: ar@ourfirm.example\r\nSubject: RE: Invoice INV-1\r\n\
         Message-ID: <one@client.example>\r\nDate: Mon, 23 Nov 2026 10:14:00 +0000\r\n\r\n\
         We will pay on Friday.\r\n",
    )
    .unwrap();
    let out = ar_triage(
        dir.path(),
        Some(&bogus),
        &[
            "ingest",
            "--maildir",
            "inbox",
            "--once",
            "--db",
            "sqlite://t.db",
        ],
    );
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert_eq!(
        err.matches("cannot load the reply classifier").count(),
        1,
        "one warning at start: {err}"
    );
    assert!(err.contains("unclassified"), "{err}");
    assert!(err.contains("--require-model"), "says how to refuse: {err}");

    let items = ar_triage(
        dir.path(),
        None,
        &["items", "--format", "jsonl", "--db", "sqlite://t.db"],
    );
    let text = String::from_utf8_lossy(&items.stdout);
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 1, "{text}");
    assert_eq!(rows[0]["rule"], "unclassified");
}

#[test]
fn classify_names_the_config_file_it_followed() {
    let dir = outside();
    let cfg = dir.path().join("xdg/ar-triage/config.toml");
    std::fs::create_dir_all(cfg.parent().unwrap()).unwrap();
    std::fs::write(&cfg, "models = \"elsewhere\"\n").unwrap();
    std::fs::write(dir.path().join("in.jsonl"), "").unwrap();
    let out = ar_triage(dir.path(), None, &["classify", "--input", "in.jsonl"]);
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains(
            &dir.path()
                .join("xdg/ar-triage/elsewhere")
                .display()
                .to_string()
        ),
        "the config's relative path is taken from its folder: {err}"
    );
    assert!(err.contains(&format!("from {}", cfg.display())), "{err}");
}

#[test]
fn classify_outside_the_checkout_finds_the_checkouts_models_by_itself() {
    let dir = outside();
    std::fs::write(
        dir.path().join("in.jsonl"),
        serde_json::json!({"id": "a", "subject": "RE: Invoice INV-1", "from": "ap@client.example",
            "body": "This is scheduled for our payment run on the 15th."})
        .to_string()
            + "\n",
    )
    .unwrap();
    let out = ar_triage(
        dir.path(),
        None,
        &["classify", "--input", "in.jsonl", "--no-explain"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let row: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    assert_eq!(row["id"], "a");
    assert!(
        row["model"]
            .as_str()
            .unwrap()
            .starts_with("ar-triage-reply-classifier")
    );
}
