//! Users, browser sessions and API tokens. Passwords arrive here already
//! hashed (argon2, by the HTTP layer) and tokens as sha256 hashes: the
//! database never holds a secret that signs anybody in.

use sqlx::Row;

use super::{Store, StoreError, clean, now, on_pool};
use crate::domain::{User, UserRole};

/// A user to add.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    /// Login name (unique).
    pub name: &'a str,
    /// Role.
    pub role: UserRole,
    /// For partners: the partner address of the clients they own.
    pub partner_email: Option<&'a str>,
    /// The password's argon2 PHC string.
    pub password_hash: &'a str,
}

/// A signed-in browser session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Who.
    pub user: User,
    /// The token every form of this session must carry.
    pub csrf: String,
}

/// Reads a [`User`] from a row with `id`, `name`, `role` and
/// `partner_email` (a macro: each dialect has its own row type).
macro_rules! user_of {
    ($r:expr) => {{
        let r = $r;
        let role: String = r.try_get("role")?;
        Ok::<User, StoreError>(User {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            role: role
                .parse()
                .map_err(|e: crate::domain::UnknownRole| StoreError::Corrupt(e.to_string()))?,
            partner_email: r.try_get("partner_email")?,
        })
    }};
}

impl Store {
    /// Adds a user; a taken name is [`StoreError::Conflict`].
    pub async fn add_user(&self, u: &NewUser<'_>) -> Result<User, StoreError> {
        let name = clean(u.name.trim());
        if name.is_empty() || name.len() > 100 {
            return Err(StoreError::Invalid(
                "a user name is 1 to 100 characters".into(),
            ));
        }
        if u.role == UserRole::Partner && u.partner_email.is_none_or(|e| !e.contains('@')) {
            return Err(StoreError::Invalid(
                "a partner needs --partner-email: the address the ledger names as the clients' partner"
                    .into(),
            ));
        }
        let partner = u.partner_email.map(|e| clean(e.trim()).to_lowercase());
        on_pool!(self, |pool| {
            let taken = sqlx::query("SELECT 1 AS x FROM users WHERE name = $1")
                .bind(&name)
                .fetch_optional(pool)
                .await?;
            if taken.is_some() {
                return Err(StoreError::Conflict(format!("user {name:?} exists")));
            }
            let r = sqlx::query(
                "INSERT INTO users (name, role, partner_email, password_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(&name)
            .bind(u.role.as_str())
            .bind(partner.as_deref())
            .bind(u.password_hash)
            .bind(now())
            .fetch_one(pool)
            .await?;
            Ok(User {
                id: r.try_get("id")?,
                name: name.clone(),
                role: u.role,
                partner_email: partner.clone(),
            })
        })
    }

    /// Replaces a user's password hash; false when there is no such user.
    pub async fn set_password(&self, name: &str, password_hash: &str) -> Result<bool, StoreError> {
        on_pool!(self, |pool| {
            Ok(
                sqlx::query("UPDATE users SET password_hash = $1 WHERE name = $2")
                    .bind(password_hash)
                    .bind(name.trim())
                    .execute(pool)
                    .await?
                    .rows_affected()
                    > 0,
            )
        })
    }

    /// Every user, by name.
    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        on_pool!(self, |pool| {
            let rows = sqlx::query(
                "SELECT id, name, role, partner_email FROM users WHERE disabled = 0 ORDER BY name",
            )
            .fetch_all(pool)
            .await?;
            rows.iter().map(|r| user_of!(r)).collect()
        })
    }

    /// A user and their password hash, for signing in.
    pub async fn credentials(&self, name: &str) -> Result<Option<(User, String)>, StoreError> {
        on_pool!(self, |pool| {
            let row = sqlx::query(
                "SELECT id, name, role, partner_email, password_hash FROM users \
                 WHERE name = $1 AND disabled = 0",
            )
            .bind(name.trim())
            .fetch_optional(pool)
            .await?;
            row.map(|r| Ok((user_of!(&r)?, r.try_get("password_hash")?)))
                .transpose()
        })
    }

    /// Starts a session for `user` that ends at `expires_at` (RFC 3339).
    pub async fn create_session(
        &self,
        user: i64,
        token_hash: &str,
        csrf: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                .bind(now())
                .execute(pool)
                .await?;
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(user)
            .bind(csrf)
            .bind(now())
            .bind(expires_at)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// The unexpired session whose token hashes to `token_hash`.
    pub async fn session(&self, token_hash: &str) -> Result<Option<Session>, StoreError> {
        on_pool!(self, |pool| {
            let row = sqlx::query(
                "SELECT u.id, u.name, u.role, u.partner_email, s.csrf FROM sessions s \
                 JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
            )
            .bind(token_hash)
            .bind(now())
            .fetch_optional(pool)
            .await?;
            row.map(|r| {
                Ok(Session {
                    user: user_of!(&r)?,
                    csrf: r.try_get("csrf")?,
                })
            })
            .transpose()
        })
    }

    /// Ends a session (sign out).
    pub async fn end_session(&self, token_hash: &str) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Records an API token (its hash) for `user`.
    pub async fn add_api_token(
        &self,
        user: i64,
        token_hash: &str,
        label: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO api_tokens (token_hash, user_id, label, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(token_hash)
            .bind(user)
            .bind(clean(label))
            .bind(now())
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// The user an API token (by hash) belongs to.
    pub async fn token_user(&self, token_hash: &str) -> Result<Option<User>, StoreError> {
        on_pool!(self, |pool| {
            let row = sqlx::query(
                "SELECT u.id, u.name, u.role, u.partner_email FROM api_tokens t \
                 JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND u.disabled = 0",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?;
            row.map(|r| user_of!(&r)).transpose()
        })
    }
}
