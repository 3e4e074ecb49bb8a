//! The only module with SQL: migrations and queries for SQLite and PostgreSQL.
//!
//! [`Store::connect`] takes a URL: `sqlite://path.db` (the file is created if
//! missing and runs in WAL mode with full fsync, so a committed item survives
//! a crash; a bare path means the same) or `postgres://user@host/db`.
//! Migrations live per dialect in `migrations/sqlite/` and
//! `migrations/postgres/` — the same tables, columns and constraints — and
//! run on connect. Every query is written once in SQL both dialects accept
//! (`$1` placeholders, `ON CONFLICT`, `RETURNING`) and runs on whichever pool
//! the URL chose.
//!
//! Exactly-once ingestion rests on two things here: the unique `dedup_key`
//! of `messages` (`mid:<Message-ID>`, or `sha256:<hash of the bytes>` when
//! the Message-ID is missing or was already used by different bytes) and one
//! transaction per message holding the message, its attachments, its item
//! and the source checkpoint ([`Store::insert_message`]). The same
//! transaction holds the rules' decision on the item (route, rule, draft,
//! escalation packet, promise to pay, invoice status) and its rows of the
//! append-only, hash-chained audit log ([`audit`]); people's actions on
//! drafts and items, and promises coming due, write theirs likewise.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

mod attempts;
/// The append-only, hash-chained audit log.
pub mod audit;
mod decisions;
mod inbound;
mod items;
mod kpis;
mod ledger;
mod messages;
mod sending;
mod users;
mod work;

pub use audit::{AuditAnchor, AuditEntry, AuditProblem, AuditReport, AuditRow};
pub use decisions::{DraftAction, DraftOutcome, DraftToSend, SentRecord};
pub use inbound::{Claimed, QueueDepth};
pub use items::{ItemAttachment, ItemFilter, StoredItem};
pub use ledger::ImportCounts;
pub use messages::{ItemDecision, NewItem, NewMessage, Stored, content_hash};
pub use sending::{InterruptedSend, SendClaim};
pub use users::{NewUser, Session};
pub use work::{Correction, Outcome, Reclassified};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL is not one the store understands.
    #[error("database URL {0}: expected sqlite://PATH or postgres://USER@HOST/DB")]
    BadUrl(String),
    /// The database could not be opened or reached.
    #[error("opening database {url}: {source}")]
    Connect {
        /// The URL, password removed.
        url: String,
        /// The cause.
        source: sqlx::Error,
    },
    /// Applying the migrations failed.
    #[error("migrating the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    /// A JSON column could not be written or read back.
    #[error("database JSON column: {0}")]
    Json(#[from] serde_json::Error),
    /// No such row (an item id that does not exist).
    #[error("not found: {0}")]
    NotFound(String),
    /// The request does not fit the stored state (acting on a draft that is
    /// not awaiting approval).
    #[error("{0}")]
    Invalid(String),
    /// The row exists already (a user name taken).
    #[error("{0}")]
    Conflict(String),
    /// A stored value is not what the schema promises.
    #[error("database holds an unexpected value: {0}")]
    Corrupt(String),
}

/// What a failed store call means for the message in hand, so the poller
/// knows whether to wait, to stop, or to set that one message aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Likely to pass when tried again shortly: a lock held too long, a
    /// lost or refused connection, a pool timeout, a serialisation failure.
    Transient,
    /// The database takes no writes (read-only, disk full, file gone):
    /// nothing can be stored until a person fixes it.
    Unwritable,
    /// Something about this call's data: trying again fails the same way.
    Deterministic,
}

impl StoreError {
    /// Whether trying again may help ([`FailureKind`]).
    pub fn kind(&self) -> FailureKind {
        match self {
            StoreError::Connect { source, .. } | StoreError::Sql(source) => sql_kind(source),
            StoreError::Migrate(_) | StoreError::BadUrl(_) => FailureKind::Unwritable,
            StoreError::Json(_)
            | StoreError::NotFound(_)
            | StoreError::Invalid(_)
            | StoreError::Conflict(_)
            | StoreError::Corrupt(_) => FailureKind::Deterministic,
        }
    }
}

fn sql_kind(e: &sqlx::Error) -> FailureKind {
    use sqlx::Error as E;
    match e {
        E::Io(_) | E::Tls(_) | E::Protocol(_) | E::PoolTimedOut | E::PoolClosed => {
            FailureKind::Transient
        }
        E::WorkerCrashed | E::BeginFailed => FailureKind::Transient,
        E::Database(db) => {
            if let Some(e) = db.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
                let code: i64 = sqlx::error::DatabaseError::code(e)
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(0);
                // Primary result codes: BUSY, LOCKED; READONLY, IOERR,
                // CORRUPT, FULL, CANTOPEN.
                match code & 0xff {
                    5 | 6 => FailureKind::Transient,
                    8 | 10 | 11 | 13 | 14 => FailureKind::Unwritable,
                    _ => FailureKind::Deterministic,
                }
            } else {
                let code = db.code().unwrap_or_default();
                match code.as_ref() {
                    "40001" | "40P01" | "55P03" | "57P01" | "57P02" | "57P03" => {
                        FailureKind::Transient
                    }
                    "25006" | "53100" => FailureKind::Unwritable,
                    c if c.starts_with("08") => FailureKind::Transient,
                    c if c.starts_with("53") || c.starts_with("58") => FailureKind::Unwritable,
                    _ => FailureKind::Deterministic,
                }
            }
        }
        _ => FailureKind::Deterministic,
    }
}

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone)]
enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the store's pool, whichever dialect it
/// is: the body is compiled once per dialect, so the same SQL text serves both.
/// The second form also binds `$begin` to the statement that opens a write
/// transaction: SQLite's `BEGIN IMMEDIATE` takes the write lock up front, so
/// concurrent writers wait for each other (busy timeout) instead of failing
/// when a read turns into a write.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite($pool) => $body,
            $crate::store::Backend::Postgres($pool) => $body,
        }
    };
    ($store:expr, |$pool:ident, $begin:ident| $body:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite($pool) => {
                let $begin = "BEGIN IMMEDIATE";
                $body
            }
            $crate::store::Backend::Postgres($pool) => {
                let $begin = "BEGIN";
                $body
            }
        }
    };
}
pub(crate) use on_pool;

/// Writes checkpoint `$cp` (replacing the value under its key) with
/// `$exec` (a pool, or `&mut *tx` inside a transaction), stamped `$ts`.
macro_rules! write_checkpoint {
    ($exec:expr, $cp:expr, $ts:expr) => {{
        let cp: &$crate::domain::message::Checkpoint = $cp;
        sqlx::query(
            "INSERT INTO checkpoints (key, value, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind($crate::store::clean(&cp.key))
        .bind($crate::store::clean(&cp.value))
        .bind($ts)
        .execute($exec)
        .await?;
    }};
}
pub(crate) use write_checkpoint;

/// Writes a promise the rules moved on, inside `$tx`, if it is still open
/// in the store; evaluates to whether it was written.
macro_rules! write_promise {
    ($tx:expr, $promise:expr, $ts:expr) => {{
        let t: &$crate::domain::TrackedPromise = $promise;
        sqlx::query(
            "UPDATE promises SET state = $1, data = $2, updated_at = $3 WHERE id = $4 AND state = 'open'",
        )
        .bind(t.promise.state.as_str())
        .bind($crate::store::clean(&serde_json::to_string(&t.promise)?))
        .bind($ts)
        .bind(t.id)
        .execute(&mut *$tx)
        .await?
        .rows_affected()
            > 0
    }};
}
pub(crate) use write_promise;

/// A connection pool to the ar-triage database, migrated.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    url: String,
}

/// `url` with any password replaced by `***`, for logs and errors.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// True for a PostgreSQL schema name that is safe to splice into SQL.
fn valid_schema(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 63
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `url`:
    /// `sqlite://PATH`, `sqlite:PATH`, a bare file path, or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        Self::connect_with_schema(url, None).await
    }

    /// Like [`Store::connect`]; for PostgreSQL, `schema` (lower-case letters,
    /// digits, `_`) is created if missing and used as the search path, so
    /// several independent stores can share one database (tests, tenants).
    pub async fn connect_with_schema(url: &str, schema: Option<&str>) -> Result<Store, StoreError> {
        let redacted = redact_url(url);
        let connect_err = |source| StoreError::Connect {
            url: redacted.clone(),
            source,
        };
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut opts = PgConnectOptions::from_str(url).map_err(connect_err)?;
            if let Some(schema) = schema {
                if !valid_schema(schema) {
                    return Err(StoreError::BadUrl(format!(
                        "{redacted} (schema {schema:?} must be lower-case letters, digits and _)"
                    )));
                }
                let setup = PgPoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts.clone())
                    .await
                    .map_err(connect_err)?;
                sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                    .execute(&setup)
                    .await?;
                setup.close().await;
                opts = opts.options([("search_path", schema)]);
            }
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await
                .map_err(connect_err)?;
            POSTGRES_MIGRATIONS.run(&pool).await?;
            return Ok(Store {
                backend: Backend::Postgres(pool),
                url: redacted,
            });
        }
        let sqlite_url = if url.starts_with("sqlite:") {
            url.to_string()
        } else if url.contains("://") || url.is_empty() {
            return Err(StoreError::BadUrl(redacted));
        } else {
            format!("sqlite://{url}")
        };
        let opts = SqliteConnectOptions::from_str(&sqlite_url)
            .map_err(connect_err)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await
            .map_err(connect_err)?;
        SQLITE_MIGRATIONS.run(&pool).await?;
        Ok(Store {
            backend: Backend::Sqlite(pool),
            url: redacted,
        })
    }

    /// The database URL, password removed.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `sqlite` or `postgres`.
    pub fn dialect(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Refreshes the query planner's statistics (`ANALYZE`). PostgreSQL's
    /// autovacuum does this on its own some time after a bulk load; until
    /// then a table it has never analysed is planned as if nearly empty
    /// (a filtered list of 10,000 items took 40 ms instead of 1).
    pub async fn analyze(&self) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query("ANALYZE").execute(pool).await?;
            Ok(())
        })
    }

    /// Closes the pool, waiting for connections to finish (SQLite then
    /// checkpoints its WAL).
    pub async fn close(&self) {
        on_pool!(self, |pool| pool.close().await)
    }
}

/// Current time as RFC 3339 UTC, seconds precision: the store's timestamps.
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Text as PostgreSQL accepts it (no NUL characters), the same for SQLite so
/// both dialects store identical values.
pub(crate) fn clean(s: &str) -> String {
    if s.contains('\0') {
        s.replace('\0', "")
    } else {
        s.to_string()
    }
}

/// The name of the person acting, cleaned; empty is refused.
pub(crate) fn actor(by: &str) -> Result<String, StoreError> {
    let by = clean(by.trim());
    if by.is_empty() {
        return Err(StoreError::Invalid(
            "the person acting must be named (--by NAME)".into(),
        ));
    }
    Ok(by)
}

/// The audit entry of a person's action on `item`.
pub(crate) fn human_action(item: i64, data: serde_json::Value) -> AuditEntry {
    AuditEntry {
        kind: "human_action".into(),
        item: Some(item),
        data,
    }
}

/// Reads a `YYYY-MM-DD` text column as a day.
pub(crate) fn date_column(value: &str, column: &str) -> Result<chrono::NaiveDate, StoreError> {
    chrono::NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("{column} {value:?} is not a YYYY-MM-DD date")))
}

/// Reads a two-decimal amount column (`"8400.00"`).
pub(crate) fn amount_column(value: &str) -> Result<rust_decimal::Decimal, StoreError> {
    crate::domain::Money::decimal_number(value.trim())
        .ok_or_else(|| StoreError::Corrupt(format!("amount {value:?} is not a decimal amount")))
}

/// Reads an invoice status column.
pub(crate) fn status_column(value: &str) -> Result<crate::domain::InvoiceStatus, StoreError> {
    value
        .parse()
        .map_err(|e: crate::domain::ledger::UnknownStatus| StoreError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_passwords() {
        assert_eq!(
            redact_url("postgres://ar:s3cret@db.internal:5432/ar"),
            "postgres://ar:***@db.internal:5432/ar"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(redact_url("sqlite://a.db"), "sqlite://a.db");
    }

    #[test]
    fn schema_names_are_plain_identifiers() {
        assert!(valid_schema("t_1a2b"));
        assert!(!valid_schema("x; DROP TABLE items"));
        assert!(!valid_schema("1abc"));
        assert!(!valid_schema(""));
    }
}
