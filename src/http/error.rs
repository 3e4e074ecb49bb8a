//! One error type for every handler, mapped to a status in one place: 4xx
//! answers say what was wrong with the request; 5xx answers are generic and
//! the detail goes to the log.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::store::StoreError;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The request is malformed or does not fit the item's state.
    #[error("{0}")]
    BadRequest(String),
    /// Not signed in, or the token is unknown.
    #[error("sign in first")]
    Unauthorized,
    /// Signed in, but the role may not do this.
    #[error("your role may not do this")]
    Forbidden,
    /// No such thing, or not one this user may see.
    #[error("not found")]
    NotFound,
    /// The thing exists already.
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts, or the model's queue is full.
    #[error("{0}")]
    TooMany(String),
    /// A form without its session's CSRF token.
    #[error("the form has expired; reload the page and try again")]
    Csrf,
    /// A dependency is not there (no model loaded).
    #[error("{0}")]
    Unavailable(String),
    /// Anything else: logged, answered generically.
    #[error("internal error")]
    Internal(String),
}

impl HttpError {
    /// The status the error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            HttpError::BadRequest(_) => StatusCode::UNPROCESSABLE_ENTITY,
            HttpError::Unauthorized => StatusCode::UNAUTHORIZED,
            HttpError::Forbidden | HttpError::Csrf => StatusCode::FORBIDDEN,
            HttpError::NotFound => StatusCode::NOT_FOUND,
            HttpError::Conflict(_) => StatusCode::CONFLICT,
            HttpError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            HttpError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            HttpError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The text a user may see: the detail of 5xx errors stays in the log.
    pub fn public_message(&self) -> String {
        match self {
            HttpError::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                "internal error; the details are in the server log".to_string()
            }
            other => other.to_string(),
        }
    }
}

impl From<StoreError> for HttpError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => HttpError::NotFound,
            StoreError::Invalid(m) => HttpError::BadRequest(m),
            StoreError::Conflict(m) => HttpError::Conflict(m),
            other => HttpError::Internal(other.to_string()),
        }
    }
}

impl From<crate::pipeline::ReclassifyError> for HttpError {
    fn from(e: crate::pipeline::ReclassifyError) -> Self {
        use crate::pipeline::ReclassifyError as R;
        match e {
            R::Busy => HttpError::TooMany(e.to_string()),
            R::NoModel(_) => HttpError::Unavailable(e.to_string()),
            R::Model(m) => HttpError::Internal(m),
            R::Store(s) => s.into(),
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let status = self.status();
        (
            status,
            Json(serde_json::json!({"error": self.public_message()})),
        )
            .into_response()
    }
}
