//! The audit log is a hash chain: `ar-triage audit verify` passes on an
//! untouched log and names the first row that was changed or deleted
//! behind ar-triage's back (exit status 1).

use std::path::Path;
use std::process::Command;

use ar_triage::store::{AuditEntry, Store};
use sqlx::Connection;

async fn store_with_rows(dir: &Path, n: usize) -> (Store, String) {
    let url = format!("sqlite://{}", dir.join("audit.db").display());
    let store = Store::connect(&url).await.unwrap();
    for i in 0..n {
        store
            .audit(&[AuditEntry {
                kind: "human_action".into(),
                item: Some(i as i64 + 1),
                data: serde_json::json!({"action": "approve", "by": format!("person {i}")}),
            }])
            .await
            .unwrap();
    }
    (store, url)
}

fn verify(db: &str) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ar-triage"))
        .args(["audit", "verify", "--db", db])
        .env_remove("AR_TRIAGE_DATABASE_URL")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

async fn tamper(url: &str, sql: &str) {
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    let done = sqlx::query(sql).execute(&mut conn).await.unwrap();
    assert_eq!(done.rows_affected(), 1, "{sql}");
    conn.close().await.unwrap();
}

#[tokio::test]
async fn an_untouched_log_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let (store, db) = store_with_rows(dir.path(), 5).await;
    let report = store.verify_audit().await.unwrap();
    assert_eq!(report.rows, 5);
    assert_eq!(report.problem, None);
    let rows = store.audit_rows().await.unwrap();
    assert_eq!(
        rows.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    assert_eq!(report.head, rows[4].hash);
    for w in rows.windows(2) {
        assert_eq!(w[1].prev_hash, w[0].hash);
    }
    store.close().await;
    let (code, out) = verify(&db);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("audit log intact: 5 rows"), "{out}");
}

#[tokio::test]
async fn a_changed_row_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let (store, db) = store_with_rows(dir.path(), 5).await;
    store.close().await;
    tamper(
        &db,
        "UPDATE audit_log SET content = replace(content, 'person 2', 'someone else') WHERE seq = 3",
    )
    .await;
    let store = Store::connect(&db).await.unwrap();
    let problem = store.verify_audit().await.unwrap().problem.unwrap();
    assert_eq!((problem.seq, problem.kind), (3, "changed"));
    store.close().await;
    let (code, out) = verify(&db);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("row 3"), "{out}");
}

#[tokio::test]
async fn a_changed_row_with_a_recomputed_hash_is_found_at_the_next_row() {
    let dir = tempfile::tempdir().unwrap();
    let (store, db) = store_with_rows(dir.path(), 5).await;
    let rows = store.audit_rows().await.unwrap();
    store.close().await;
    let forged = rows[1].content.replace("person 1", "someone else");
    let hash = ar_triage::store::audit::chain_hash(&rows[1].prev_hash, &forged);
    tamper(
        &db,
        &format!("UPDATE audit_log SET content = '{forged}', hash = '{hash}' WHERE seq = 2"),
    )
    .await;
    let store = Store::connect(&db).await.unwrap();
    let problem = store.verify_audit().await.unwrap().problem.unwrap();
    assert_eq!((problem.seq, problem.kind), (3, "changed"));
}

#[tokio::test]
async fn a_deleted_middle_row_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let (store, db) = store_with_rows(dir.path(), 5).await;
    store.close().await;
    tamper(&db, "DELETE FROM audit_log WHERE seq = 2").await;
    let store = Store::connect(&db).await.unwrap();
    let problem = store.verify_audit().await.unwrap().problem.unwrap();
    assert_eq!((problem.seq, problem.kind), (3, "deleted"));
    store.close().await;
    let (code, out) = verify(&db);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("deleted"), "{out}");
}

#[tokio::test]
async fn a_deleted_first_row_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let (store, db) = store_with_rows(dir.path(), 3).await;
    store.close().await;
    tamper(&db, "DELETE FROM audit_log WHERE seq = 1").await;
    let store = Store::connect(&db).await.unwrap();
    let problem = store.verify_audit().await.unwrap().problem.unwrap();
    assert_eq!((problem.seq, problem.kind), (2, "deleted"));
}

#[tokio::test]
async fn rows_appended_after_a_check_keep_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = store_with_rows(dir.path(), 2).await;
    let head = store.verify_audit().await.unwrap().head;
    store
        .audit(&[
            AuditEntry::new("send", serde_json::json!({"n": 1})),
            AuditEntry::new("send", serde_json::json!({"n": 2})),
        ])
        .await
        .unwrap();
    let rows = store.audit_rows().await.unwrap();
    assert_eq!(rows[2].prev_hash, head);
    assert_eq!(store.verify_audit().await.unwrap().problem, None);
}

fn verify_anchored(db: &str, anchor: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ar-triage"))
        .args(["audit", "verify", "--db", db, "--anchor"])
        .arg(anchor)
        .env_remove("AR_TRIAGE_DATABASE_URL")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test]
async fn deleting_the_last_rows_is_found_against_an_anchor_kept_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let (store, db) = store_with_rows(dir.path(), 4).await;
    let anchor = dir.path().join("audit.anchor");
    let (code, out) = verify_anchored(&db, &anchor);
    assert_eq!(code, 0, "{out}");
    let rows = store.audit_rows().await.unwrap();
    assert_eq!(
        std::fs::read_to_string(&anchor).unwrap().trim(),
        format!("4 {}", rows[3].hash)
    );
    // Appending moves the anchor forward.
    store
        .audit(&[AuditEntry::new("send", serde_json::json!({"n": 5}))])
        .await
        .unwrap();
    assert_eq!(verify_anchored(&db, &anchor).0, 0);
    assert!(std::fs::read_to_string(&anchor).unwrap().starts_with("5 "));
    store.close().await;

    // The last two rows go: the chain alone still looks whole, the anchor does not.
    tamper(&db, "DELETE FROM audit_log WHERE seq = 5").await;
    tamper(&db, "DELETE FROM audit_log WHERE seq = 4").await;
    assert_eq!(verify(&db).0, 0);
    let (code, out) = verify_anchored(&db, &anchor);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("anchored row 5 is gone"), "{out}");
    // A failed check leaves the anchor as it was.
    assert!(std::fs::read_to_string(&anchor).unwrap().starts_with("5 "));
}

/// The code never changes or removes audit rows: no UPDATE or DELETE of
/// `audit_log` anywhere in the sources.
#[test]
fn no_code_updates_or_deletes_audit_rows() {
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    let mut files = 0;
    while let Some(p) = stack.pop() {
        for e in std::fs::read_dir(&p).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                files += 1;
                let text = std::fs::read_to_string(&path).unwrap().to_ascii_lowercase();
                let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
                for bad in ["update audit_log", "delete from audit_log"] {
                    assert!(!flat.contains(bad), "{} has {bad}", path.display());
                }
            }
        }
    }
    assert!(files > 10);
}
