//! Signing in: argon2 password hashes, session cookies (HttpOnly,
//! SameSite=Strict, Secure behind TLS) holding a random token whose sha256
//! is all the database keeps, a CSRF token per session that every form and
//! every cookie-authenticated API write must carry, bearer tokens for API
//! clients, and a limit on failed logins per user name.
//!
//! What a signed-in user may then do is decided by
//! [`crate::domain::UserRole::may`] and [`crate::domain::User::sees_client`],
//! called through [`Authed::require`] and [`Authed::check_item`] only.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::AppState;
use super::error::HttpError;
use crate::domain::{Action, User};
use crate::store::StoredItem;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "art_session";
/// Name of the cookie that pairs with the login form's CSRF field.
pub const LOGIN_COOKIE: &str = "art_login";
/// Header an API write authenticated by cookie carries its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The argon2id PHC string of `password`.
pub fn hash_password(password: &str) -> Result<String, HttpError> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HttpError::Internal(format!("hashing a password: {e}")))
}

/// [`hash_password`] off the async runtime (argon2 takes tens of
/// milliseconds on purpose).
pub async fn hash_password_blocking(password: String) -> Result<String, HttpError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| HttpError::Internal(format!("hashing a password: {e}")))?
}

/// Checks `name`'s `password` (at most [`LoginLimiter::MAX_FAILURES`]
/// failures per window) and starts a session: the user and the cookie's
/// token. A wrong name or password is [`HttpError::Unauthorized`], the same
/// for both, and costs the same time.
pub async fn sign_in(
    state: &AppState,
    name: &str,
    password: &str,
) -> Result<(User, String), HttpError> {
    if !state.limiter().allowed(name) {
        return Err(HttpError::TooMany(
            "too many failed sign-ins for this user; wait 15 minutes".into(),
        ));
    }
    let found = state.store().credentials(name).await?;
    // Unknown names are checked against a fixed hash, so timing does not
    // tell which names exist.
    let hash = found
        .as_ref()
        .map(|(_, h)| h.clone())
        .unwrap_or_else(|| state.dummy_hash().to_string());
    let pw = password.to_string();
    let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &hash))
        .await
        .map_err(|e| HttpError::Internal(format!("checking a password: {e}")))?;
    let user = match (found, ok) {
        (Some((user, _)), true) => user,
        _ => {
            state.limiter().failed(name);
            return Err(HttpError::Unauthorized);
        }
    };
    state.limiter().succeeded(name);
    let token = random_token();
    let expires = chrono::Utc::now() + chrono::Duration::hours(state.config().session_hours);
    state
        .store()
        .create_session(
            user.id,
            &token_hash(&token),
            &random_token(),
            &expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        )
        .await?;
    Ok((user, token))
}

/// Whether `password` matches the PHC string `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A new random token: 32 bytes from the OS, hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// The sha256 of a token, hex: what the database stores.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Equal strings, compared in time that depends only on their lengths.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The value of cookie `name` in the request's Cookie headers.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    cookie_in(&parts.headers, name)
}

/// The value of cookie `name` in `headers`.
pub fn cookie_in<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value for `name` (`max_age` 0 removes it).
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Failed sign-ins per user name: more than [`LoginLimiter::MAX_FAILURES`]
/// within [`LoginLimiter::WINDOW`] and that name is refused until the
/// window ends, whatever the password.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginLimiter {
    /// Failed attempts allowed per window.
    pub const MAX_FAILURES: u32 = 5;
    /// The window.
    pub const WINDOW: Duration = Duration::from_secs(15 * 60);

    /// Whether `name` may try now.
    pub fn allowed(&self, name: &str) -> bool {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let key = name.trim().to_lowercase();
        match map.get(&key) {
            Some((_, since)) if since.elapsed() > Self::WINDOW => {
                map.remove(&key);
                true
            }
            Some((n, _)) => *n < Self::MAX_FAILURES,
            None => true,
        }
    }

    /// Records a failed attempt for `name`.
    pub fn failed(&self, name: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (_, since)| since.elapsed() <= Self::WINDOW);
        }
        let e = map
            .entry(name.trim().to_lowercase())
            .or_insert((0, Instant::now()));
        e.0 += 1;
    }

    /// Forgets the failures of `name` (after a good sign-in).
    pub fn succeeded(&self, name: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&name.trim().to_lowercase());
    }
}

/// A signed-in user, by session cookie or bearer token.
#[derive(Debug, Clone)]
pub struct Authed {
    /// Who.
    pub user: User,
    /// The session's CSRF token; `None` for bearer tokens, which browsers
    /// never send on their own.
    pub csrf: Option<String>,
}

impl Authed {
    /// Forbidden unless the user's role may do `action`.
    pub fn require(&self, action: Action) -> Result<(), HttpError> {
        if self.user.role.may(action) {
            Ok(())
        } else {
            Err(HttpError::Forbidden)
        }
    }

    /// `item` if this user may see it; not found otherwise, so a partner
    /// cannot tell another partner's items from missing ones.
    pub fn check_item(&self, item: Option<StoredItem>) -> Result<StoredItem, HttpError> {
        match item {
            Some(i) if self.user.sees_client(i.partner_email.as_deref()) => Ok(i),
            _ => Err(HttpError::NotFound),
        }
    }

    /// For a form post: the session's CSRF token must come with it.
    pub fn check_csrf(&self, token: &str) -> Result<(), HttpError> {
        match &self.csrf {
            Some(mine) if same_secret(mine, token) => Ok(()),
            Some(_) => Err(HttpError::Csrf),
            None => Ok(()),
        }
    }
}

/// The user a request is signed in as, if any.
pub async fn authenticate(parts: &Parts, state: &AppState) -> Result<Option<Authed>, HttpError> {
    let store = state.store();
    if let Some(h) = parts.headers.get(AUTHORIZATION) {
        let token = h
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(HttpError::Unauthorized)?;
        let user = store
            .token_user(&token_hash(token.trim()))
            .await?
            .ok_or(HttpError::Unauthorized)?;
        return Ok(Some(Authed { user, csrf: None }));
    }
    let Some(token) = cookie(parts, SESSION_COOKIE) else {
        return Ok(None);
    };
    Ok(store.session(&token_hash(token)).await?.map(|s| Authed {
        user: s.user,
        csrf: Some(s.csrf),
    }))
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, HttpError> {
        let authed = authenticate(parts, state)
            .await?
            .ok_or(HttpError::Unauthorized)?;
        // API writes by cookie carry the CSRF token in a header.
        if authed.csrf.is_some() && !matches!(parts.method, Method::GET | Method::HEAD) {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            authed.check_csrf(sent)?;
        }
        Ok(authed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct horsE", &h));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn failed_logins_lock_the_name() {
        let l = LoginLimiter::default();
        for _ in 0..LoginLimiter::MAX_FAILURES {
            assert!(l.allowed("Ana"));
            l.failed("ana");
        }
        assert!(!l.allowed("ANA "));
        assert!(l.allowed("bo"));
        l.succeeded("ana");
        assert!(l.allowed("ana"));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = random_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token());
        assert_ne!(token_hash(&a), a);
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
    }
}
