//! A fresh schema on the PostgreSQL test server per test (default
//! `postgres://postgres@127.0.0.1:5432/test`, or `AR_TRIAGE_TEST_POSTGRES_URL`).
//! Without a server the test is skipped with a notice, except under CI,
//! where it fails.

use std::time::Duration;

use ar_triage::store::Store;
use sqlx::Connection;

const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A store on a fresh schema of the test server.
pub struct PgSchema {
    pub url: String,
    pub schema: String,
    pub store: Store,
}

impl PgSchema {
    pub async fn create() -> Option<PgSchema> {
        let url = std::env::var("AR_TRIAGE_TEST_POSTGRES_URL").unwrap_or(DEFAULT_PG.into());
        let probe =
            tokio::time::timeout(Duration::from_secs(5), sqlx::PgConnection::connect(&url)).await;
        match probe {
            Ok(Ok(conn)) => {
                let _ = conn.close().await;
            }
            failed => {
                let why = match failed {
                    Ok(Err(e)) => e.to_string(),
                    _ => "timed out".to_string(),
                };
                if std::env::var_os("CI").is_some() {
                    panic!("no PostgreSQL server at {url} under CI: {why}");
                }
                eprintln!("skipping a PostgreSQL test: no server at {url} ({why})");
                return None;
            }
        }
        let schema = format!("t_{:016x}", rand::random::<u64>());
        let store = Store::connect_with_schema(&url, Some(&schema))
            .await
            .unwrap();
        Some(PgSchema { url, schema, store })
    }

    /// The URL the command line uses to reach this schema.
    pub fn cli_url(&self) -> String {
        let sep = if self.url.contains('?') { '&' } else { '?' };
        format!("{}{sep}options[search_path]={}", self.url, self.schema)
    }

    pub async fn drop(self) {
        self.store.close().await;
        if let Ok(mut conn) = sqlx::PgConnection::connect(&self.url).await {
            let _ = sqlx::query(&format!("DROP SCHEMA {} CASCADE", self.schema))
                .execute(&mut conn)
                .await;
        }
    }
}
