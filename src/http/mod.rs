//! The web service: the UI for collectors, partners, analysts and admins,
//! the JSON API under `/api/v1`, health, readiness and metrics, in one
//! axum router ([`app`]) over the store.
//!
//! Every page is rendered on the server from templates that escape what
//! they print (minijinja, HTML auto-escaping); mail is shown as text, never
//! as HTML; each response carries a Content-Security-Policy that allows no
//! inline script, so nothing an email contains can run in the app's origin.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::watch;

pub mod api;
pub mod auth;
pub mod charts;
pub mod error;
pub mod openapi;
pub mod pages;
pub mod view;

pub use error::HttpError;

use crate::pipeline::{Classifier, Pipeline};
use crate::store::Store;

/// How the service runs.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (the service is reached over TLS, through a
    /// proxy that terminates it).
    pub secure_cookies: bool,
    /// Folder of the latest `ar-triage eval` report (`report.json`,
    /// `report.html`) the analyst view shows.
    pub reports: Option<PathBuf>,
    /// Hours a browser session lasts.
    pub session_hours: i64,
}

/// Counters behind `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Requests answered.
    pub requests: AtomicU64,
    /// Requests answered with a 5xx status.
    pub server_errors: AtomicU64,
    /// Requests answered with a 4xx status.
    pub client_errors: AtomicU64,
}

struct Inner {
    store: Store,
    /// The pipeline of this process (its model, rules and counters), for
    /// reclassifying, readiness and metrics; `None` where the service runs
    /// without one.
    pipeline: Option<Pipeline>,
    cfg: WebConfig,
    templates: minijinja::Environment<'static>,
    limiter: auth::LoginLimiter,
    metrics: Metrics,
    /// A hash of a random password, checked for unknown user names so a
    /// sign-in takes as long whether the name exists or not.
    dummy_hash: String,
}

/// What every handler shares: the store, the model, templates, limits.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl AppState {
    /// State over `store`; `pipeline` is the process's pipeline (its model
    /// reclassifies items, its counters go to `/metrics`, its model's
    /// thread decides readiness), `None` where the service runs without
    /// one.
    pub fn new(store: Store, pipeline: Option<Pipeline>, cfg: WebConfig) -> AppState {
        AppState(Arc::new(Inner {
            store,
            pipeline,
            cfg: WebConfig {
                session_hours: if cfg.session_hours > 0 {
                    cfg.session_hours
                } else {
                    12
                },
                ..cfg
            },
            templates: pages::templates(),
            limiter: auth::LoginLimiter::default(),
            metrics: Metrics::default(),
            dummy_hash: auth::hash_password(&auth::random_token()).unwrap_or_default(),
        }))
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.0.store
    }

    /// How stored messages are read for display: the pipeline's reader
    /// (reader children when sandboxed), else in this process.
    pub fn reader(&self) -> crate::ingest::reader::Reader {
        self.0
            .pipeline
            .as_ref()
            .map(|p| p.reader().clone())
            .unwrap_or_default()
    }

    /// The configuration.
    pub fn config(&self) -> &WebConfig {
        &self.0.cfg
    }

    fn templates(&self) -> &minijinja::Environment<'static> {
        &self.0.templates
    }

    fn limiter(&self) -> &auth::LoginLimiter {
        &self.0.limiter
    }

    fn dummy_hash(&self) -> &str {
        &self.0.dummy_hash
    }

    fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    /// The process's pipeline, if it has one.
    pub fn pipeline(&self) -> Option<&Pipeline> {
        self.0.pipeline.as_ref()
    }

    /// The loaded model's name and version, if one is loaded.
    pub fn model_name(&self) -> Option<String> {
        match self.pipeline().map(Pipeline::classifier) {
            Some(Classifier::Ready(h)) => Some(h.name().to_string()),
            _ => None,
        }
    }

    /// Whether the model is loaded and its thread alive (`None`: this
    /// service runs without one).
    fn model_ready(&self) -> Option<Result<(), String>> {
        self.pipeline().map(|p| match p.classifier() {
            Classifier::Ready(h) if h.is_alive() => Ok(()),
            Classifier::Ready(_) => Err("the model thread has stopped".to_string()),
            Classifier::Unavailable(why) => Err(why.clone()),
        })
    }
}

/// The Content-Security-Policy of every page: scripts and styles only from
/// this origin's files, no inline script, no plugins, no framing.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
    connect-src 'self'; form-action 'self'; frame-src 'self'; frame-ancestors 'self'; \
    base-uri 'none'; object-src 'none'";

async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let m = state.metrics();
    m.requests.fetch_add(1, Ordering::Relaxed);
    if res.status().is_server_error() {
        m.server_errors.fetch_add(1, Ordering::Relaxed);
    } else if res.status().is_client_error() {
        m.client_errors.fetch_add(1, Ordering::Relaxed);
    }
    let h = res.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<AppState>) -> Response {
    let db = state.store().count_items().await;
    let model = state.model_ready();
    let mut lines = vec![match &db {
        Ok(_) => "database: ok".to_string(),
        Err(e) => format!("database: {e}"),
    }];
    if let Some(m) = &model {
        lines.push(match m {
            Ok(()) => "model: ok".to_string(),
            Err(e) => format!("model: {e}"),
        });
    }
    let ok = db.is_ok() && model.as_ref().is_none_or(|m| m.is_ok());
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, lines.join("\n") + "\n").into_response()
}

async fn metrics(State(state): State<AppState>) -> Result<Response, HttpError> {
    let queues = state.store().items_by_queue().await?;
    let m = state.metrics();
    let mut out = String::new();
    out.push_str(
        "# HELP ar_triage_items Stored items by queue and status.\n# TYPE ar_triage_items gauge\n",
    );
    for (queue, status, n) in queues {
        out.push_str(&format!(
            "ar_triage_items{{queue=\"{}\",status=\"{}\"}} {n}\n",
            label_value(&queue),
            label_value(&status)
        ));
    }
    for (name, help, v) in [
        (
            "ar_triage_http_requests_total",
            "HTTP requests answered.",
            &m.requests,
        ),
        (
            "ar_triage_http_client_errors_total",
            "HTTP requests answered 4xx.",
            &m.client_errors,
        ),
        (
            "ar_triage_http_server_errors_total",
            "HTTP requests answered 5xx.",
            &m.server_errors,
        ),
    ] {
        out.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}\n",
            v.load(Ordering::Relaxed)
        ));
    }
    if let Some(p) = state.pipeline() {
        p.metrics().render(&mut out);
    }
    if let Some(m) = state.model_ready() {
        out.push_str(&format!(
            "# HELP ar_triage_model_ready 1 when the model thread serves.\n# TYPE ar_triage_model_ready gauge\nar_triage_model_ready {}\n",
            u8::from(m.is_ok())
        ));
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response())
}

/// A Prometheus label value, escaped.
fn label_value(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The whole router: pages, `/api/v1`, `/healthz`, `/readyz`, `/metrics`.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(pages::router())
        .nest("/api/v1", api::router())
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .with_state(state)
}

/// Serves [`app`] on `listener` (bound by the caller, who so knows its
/// address, port 0 included) until `stop` turns true; requests in flight
/// finish first.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    tracing::info!("serving on http://{}", listener.local_addr()?);
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async move {
            while !*stop.borrow() {
                if stop.changed().await.is_err() {
                    break;
                }
            }
        })
        .await
}
