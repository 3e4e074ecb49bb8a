//! The server-rendered pages: sign-in, the collector queue, the item page,
//! the partner's escalations, the analyst view and user admin. Every
//! form carries the session's CSRF token; every value is escaped by the
//! templates (minijinja auto-escaping for `.html`).

use std::collections::BTreeMap;

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::{Environment, Value, context};
use serde::Deserialize;

use super::auth::{self, Authed, LOGIN_COOKIE, SESSION_COOKIE};
use super::error::HttpError;
use super::{AppState, view};
use crate::domain::{Action, Label, User, UserRole};
use crate::store::{DraftAction, ItemFilter, NewUser, StoredItem};

/// Items per queue page.
pub const PAGE_SIZE: i64 = 50;

/// The page templates, compiled in.
pub fn templates() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, src) in [
        ("base.html", include_str!("templates/base.html")),
        ("login.html", include_str!("templates/login.html")),
        ("error.html", include_str!("templates/error.html")),
        ("queue.html", include_str!("templates/queue.html")),
        ("outbox.html", include_str!("templates/outbox.html")),
        ("item.html", include_str!("templates/item.html")),
        ("packet.html", include_str!("templates/packet.html")),
        ("partner.html", include_str!("templates/partner.html")),
        ("analyst.html", include_str!("templates/analyst.html")),
        ("users.html", include_str!("templates/users.html")),
    ] {
        env.add_template(name, src)
            .unwrap_or_else(|e| panic!("template {name} does not compile: {e}"));
    }
    env
}

/// A page failed: sign-in pages redirect, the rest answer an error page.
pub struct PageError(HttpError);

impl From<HttpError> for PageError {
    fn from(e: HttpError) -> Self {
        PageError(e)
    }
}

impl From<crate::store::StoreError> for PageError {
    fn from(e: crate::store::StoreError) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.0, HttpError::Unauthorized) {
            return Redirect::to("/login").into_response();
        }
        let status = self.0.status();
        let body = templates()
            .get_template("error.html")
            .and_then(|t| {
                t.render(context! {
                    status => status.as_u16(),
                    message => self.0.public_message(),
                })
            })
            .unwrap_or_else(|_| "error".to_string());
        (status, Html(body)).into_response()
    }
}

/// The signed-in user of a page (forms check CSRF themselves).
pub struct PageUser(pub Authed);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        match auth::authenticate(parts, state).await? {
            Some(a) if a.csrf.is_some() => Ok(PageUser(a)),
            _ => Err(HttpError::Unauthorized.into()),
        }
    }
}

fn render(state: &AppState, name: &str, ctx: Value) -> Result<Response, PageError> {
    state
        .templates()
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .map(|b| Html(b).into_response())
        .map_err(|e| HttpError::Internal(format!("rendering {name}: {e}")).into())
}

fn me(a: &Authed) -> Value {
    Value::from_serialize(&a.user)
}

/// The routes of the pages and their assets.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/queue", get(queue))
        .route("/items/{id}", get(item_page))
        .route("/items/{id}/draft", post(draft_form))
        .route("/items/{id}/relabel", post(relabel_form))
        .route("/items/{id}/assign", post(assign_form))
        .route("/items/{id}/resolve", post(resolve_form))
        .route("/items/{id}/documents/{position}", post(document_form))
        .route("/items/{id}/reclassify", post(reclassify_form))
        .route("/items/{id}/outcome", post(outcome_form))
        .route("/outbox", get(outbox))
        .route("/partner", get(partner))
        .route("/analyst", get(analyst))
        .route("/analyst/report.html", get(report_html))
        .route("/analyst/kpis/{chart}", get(kpi_chart))
        .route("/admin/users", get(users_page).post(add_user_form))
        .route("/assets/app.css", get(css))
        .route("/assets/app.js", get(js))
}

async fn css() -> Response {
    (
        [(CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("assets/app.css"),
    )
        .into_response()
}

async fn js() -> Response {
    (
        [(CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("assets/app.js"),
    )
        .into_response()
}

async fn home(user: Result<PageUser, PageError>) -> Response {
    let Ok(PageUser(a)) = user else {
        return Redirect::to("/login").into_response();
    };
    Redirect::to(landing(&a.user)).into_response()
}

/// Where a role starts.
fn landing(u: &User) -> &'static str {
    match u.role {
        UserRole::Collector | UserRole::Admin => "/queue",
        UserRole::Partner => "/partner",
        UserRole::Analyst => "/analyst",
    }
}

fn login_form(state: &AppState, error: Option<&str>, name: &str) -> Result<Response, PageError> {
    let token = auth::random_token();
    let mut res = render(
        state,
        "login.html",
        context! { login_csrf => token, error => error, name => name },
    )?;
    if let Ok(v) =
        auth::set_cookie(LOGIN_COOKIE, &token, 3600, state.config().secure_cookies).parse()
    {
        res.headers_mut().append(SET_COOKIE, v);
    }
    Ok(res)
}

async fn login_page(State(state): State<AppState>) -> Result<Response, PageError> {
    login_form(&state, None, "")
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
    #[serde(default)]
    csrf: String,
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    // The login form's token must match its cookie (no cross-site sign-in).
    let cookie_token = auth::cookie_in(&headers, LOGIN_COOKIE).unwrap_or_default();
    if f.csrf.is_empty() || !auth::same_secret(cookie_token, &f.csrf) {
        return Err(HttpError::Csrf.into());
    }
    match auth::sign_in(&state, &f.name, &f.password).await {
        Ok((user, token)) => {
            let mut res = Redirect::to(landing(&user)).into_response();
            let secure = state.config().secure_cookies;
            let max_age = state.config().session_hours * 3600;
            for c in [
                auth::set_cookie(SESSION_COOKIE, &token, max_age, secure),
                auth::set_cookie(LOGIN_COOKIE, "", 0, secure),
            ] {
                if let Ok(v) = c.parse() {
                    res.headers_mut().append(SET_COOKIE, v);
                }
            }
            Ok(res)
        }
        Err(HttpError::Unauthorized) => {
            let mut res = login_form(&state, Some("Wrong user name or password."), &f.name)?;
            *res.status_mut() = StatusCode::UNAUTHORIZED;
            Ok(res)
        }
        Err(HttpError::TooMany(m)) => {
            let mut res = login_form(&state, Some(&m), &f.name)?;
            *res.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

/// A form that carries only the CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    PageUser(a): PageUser,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    a.check_csrf(&f.csrf)?;
    if let Some(token) = auth::cookie_in(&headers, SESSION_COOKIE) {
        state.store().end_session(&auth::token_hash(token)).await?;
    }
    let mut res = Redirect::to("/login").into_response();
    if let Ok(v) = auth::set_cookie(SESSION_COOKIE, "", 0, state.config().secure_cookies).parse() {
        res.headers_mut().append(SET_COOKIE, v);
    }
    Ok(res)
}

/// The queue's filters, as the query string gives them.
#[derive(Debug, Default, Deserialize, serde::Serialize, schemars::JsonSchema)]
pub struct QueueQuery {
    /// `drafts`, `collections` or `partner`.
    #[serde(default)]
    pub queue: Option<String>,
    /// A label name.
    #[serde(default)]
    pub label: Option<String>,
    /// A client id.
    #[serde(default)]
    pub client: Option<String>,
    /// An item status.
    #[serde(default)]
    pub status: Option<String>,
    /// Only items whose highest score is below this (the unsure ones).
    #[serde(default)]
    pub max_score: Option<String>,
    /// `1`: only unresolved items.
    #[serde(default)]
    pub open: Option<String>,
    /// Only items whose draft is in this state (`awaiting_approval`,
    /// `approved`, `rejected`).
    #[serde(default)]
    pub draft_state: Option<String>,
    /// The last id of the previous page (the API's `cursor` sets it).
    #[serde(default)]
    #[schemars(skip)]
    pub after: Option<i64>,
}

fn blank(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

impl QueueQuery {
    /// The store filter for this query as `user` may see it.
    pub fn filter(&self, user: &User, limit: i64) -> Result<ItemFilter, HttpError> {
        let label = blank(&self.label);
        if let Some(l) = &label {
            l.parse::<Label>()
                .map_err(|_| HttpError::BadRequest(format!("unknown label {l:?}")))?;
        }
        Ok(ItemFilter {
            queue: blank(&self.queue),
            status: blank(&self.status),
            draft_state: blank(&self.draft_state),
            client: blank(&self.client),
            label,
            partner_email: user.partner_scope(),
            after: self.after,
            open: blank(&self.open).map(|v| v == "1" || v == "true"),
            limit: Some(limit),
            ..ItemFilter::default()
        })
    }

    /// The score bound, if one was given.
    pub fn max_score(&self) -> Result<Option<f32>, HttpError> {
        blank(&self.max_score)
            .map(|v| {
                v.parse::<f32>()
                    .ok()
                    .filter(|x| (0.0..=1.0).contains(x))
                    .ok_or_else(|| HttpError::BadRequest(format!("max_score {v:?} is not 0..1")))
            })
            .transpose()
    }
}

/// A page of items matching `q` for `user`, and the cursor of the next
/// page. The score bound is applied here, reading on until the page is
/// full, so pages stay full and cursors stay exact.
pub async fn page_of_items(
    state: &AppState,
    user: &User,
    q: &QueueQuery,
    size: i64,
) -> Result<(Vec<StoredItem>, Option<i64>), HttpError> {
    let max_score = q.max_score()?;
    let mut filter = q.filter(user, size + 1)?;
    let mut out: Vec<StoredItem> = Vec::new();
    loop {
        let batch = state.store().items(&filter).await?;
        let fetched = batch.len() as i64;
        let last = batch.last().map(|i| i.id);
        for i in batch {
            let top = i.scores.values().copied().fold(0.0f32, f32::max);
            if max_score.is_none_or(|m| top < m) {
                out.push(i);
            }
        }
        if out.len() as i64 > size || fetched < size + 1 {
            break;
        }
        filter.after = last;
    }
    let next = if out.len() as i64 > size {
        out.truncate(size as usize);
        out.last().map(|i| i.id)
    } else {
        None
    };
    Ok((out, next))
}

/// Label chips of an item: every scored label, highest first.
fn chips(i: &StoredItem) -> Vec<Value> {
    let mut v: Vec<(Label, f32)> = i.scores.iter().map(|(l, s)| (*l, *s)).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    v.into_iter()
        .filter(|(l, s)| i.labels.contains(l) || *s >= 0.2)
        .map(|(l, s)| context! { label => l.as_str(), score => s, predicted => i.labels.contains(&l) })
        .collect()
}

fn age_days(received_at: &str) -> Option<i64> {
    let t = chrono::DateTime::parse_from_rfc3339(received_at).ok()?;
    Some((chrono::Utc::now() - t.with_timezone(&chrono::Utc)).num_days())
}

fn label_names() -> Vec<&'static str> {
    Label::ALL.iter().map(|l| l.as_str()).collect()
}

async fn queue(
    State(state): State<AppState>,
    PageUser(a): PageUser,
    Query(q): Query<QueueQuery>,
) -> Result<Response, PageError> {
    a.require(Action::WorkItems)?;
    let (items, next) = page_of_items(&state, &a.user, &q, PAGE_SIZE).await?;
    let rows: Vec<Value> = items
        .iter()
        .map(|i| {
            let mut v = serde_json::to_value(i).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert(
                    "chips".into(),
                    serde_json::to_value(chips(i)).unwrap_or_default(),
                );
                o.insert("age_days".into(), age_days(&i.received_at).into());
            }
            Value::from_serialize(&v)
        })
        .collect();
    let next = next.map(|after| {
        let mut query = filter_pairs(&q);
        query.push(("after".into(), after.to_string()));
        format!(
            "/queue?{}",
            query
                .iter()
                .map(|(k, v)| format!("{k}={}", url_escape(v)))
                .collect::<Vec<_>>()
                .join("&")
        )
    });
    render(
        &state,
        "queue.html",
        context! {
            me => me(&a), csrf => a.csrf, items => rows, next => next,
            labels => label_names(),
            f => context! {
                queue => blank(&q.queue), label => blank(&q.label), client => blank(&q.client),
                status => blank(&q.status), max_score => blank(&q.max_score),
                open => blank(&q.open).is_some(),
            },
        },
    )
}

/// The outbox: approved drafts, the ones `ar-triage send` has still to
/// deliver first, then those it sent (newest first within each).
async fn outbox(
    State(state): State<AppState>,
    PageUser(a): PageUser,
) -> Result<Response, PageError> {
    a.require(Action::WorkItems)?;
    let mut items = state
        .store()
        .items(&ItemFilter {
            draft_state: Some("approved".into()),
            partner_email: a.user.partner_scope(),
            ..ItemFilter::default()
        })
        .await?;
    items.reverse();
    let (waiting, sent): (Vec<StoredItem>, Vec<StoredItem>) =
        items.into_iter().partition(|i| i.sent_at.is_none());
    render(
        &state,
        "outbox.html",
        context! {
            me => me(&a), csrf => a.csrf,
            waiting => Value::from_serialize(&waiting), sent => Value::from_serialize(&sent),
        },
    )
}

/// The query's non-empty filters as pairs (the cursor left out).
fn filter_pairs(q: &QueueQuery) -> Vec<(String, String)> {
    [
        ("queue", &q.queue),
        ("label", &q.label),
        ("client", &q.client),
        ("status", &q.status),
        ("max_score", &q.max_score),
        ("open", &q.open),
        ("draft_state", &q.draft_state),
    ]
    .into_iter()
    .filter_map(|(k, v)| blank(v).map(|v| (k.to_string(), v)))
    .collect()
}

/// Percent-encodes a query value.
fn url_escape(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// One line of an item's audit trail.
fn audit_summary(content: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(content).unwrap_or_default();
    let d = &v["data"];
    let text = |k: &str| d.get(k).and_then(|x| x.as_str()).map(str::to_string);
    let mut parts: Vec<String> = Vec::new();
    if let Some(a) = text("action") {
        parts.push(a);
    }
    if let Some(b) = text("by") {
        parts.push(format!("by {b}"));
    }
    for k in ["route", "rule", "reason", "state", "outcome", "note"] {
        if let Some(x) = text(k) {
            parts.push(format!("{k} {x}"));
        }
    }
    if let (Some(b), Some(a)) = (d.get("before"), d.get("after"))
        && !b.is_string()
    {
        parts.push(format!("{b} → {a}"));
    }
    if let Some(l) = d.get("labels") {
        parts.push(format!("labels {l}"));
    }
    parts.join(" · ")
}

/// The item `id` as `a` may see it, with everything its page shows.
async fn item_context(state: &AppState, a: &Authed, id: i64) -> Result<Value, HttpError> {
    a.require(Action::ReadItems)?;
    let item = a.check_item(state.store().item(id).await?)?;
    let raw = state.store().item_raw(id).await?.unwrap_or_default();
    let view = view::read_view(&state.reader(), &raw, item.evidence.clone()).await?;
    let audit: Vec<Value> = state
        .store()
        .item_audit(id)
        .await?
        .iter()
        .map(|r| context! { at => r.at, kind => r.kind, summary => audit_summary(&r.content) })
        .collect();
    let users = if a.user.role.may(Action::WorkItems) {
        state.store().users().await?
    } else {
        Vec::new()
    };
    let chips = chips(&item);
    Ok(context! {
        me => me(a), csrf => a.csrf, item => Value::from_serialize(&item), view => Value::from_serialize(&view),
        audit => audit, users => Value::from_serialize(&users), chips => chips, labels => label_names(),
        may_draft => a.user.role.may(Action::ActOnDrafts),
        may_work => a.user.role.may(Action::WorkItems),
        may_outcome => a.user.role.may(Action::RecordOutcome),
        may_documents => a.user.role.may(Action::AcceptDocuments),
        model => state.model_name(),
    })
}

async fn item_page(
    State(state): State<AppState>,
    PageUser(a): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let ctx = item_context(&state, &a, id).await?;
    render(&state, "item.html", ctx)
}

fn back_to(id: i64) -> Response {
    Redirect::to(&format!("/items/{id}")).into_response()
}

/// The draft editor's form.
#[derive(Debug, Deserialize)]
pub struct DraftForm {
    #[serde(default)]
    csrf: String,
    action: String,
    #[serde(default)]
    body: Option<String>,
}

/// `approve`, `edit` or `reject`.
pub fn draft_action(name: &str) -> Result<DraftAction, HttpError> {
    match name {
        "approve" => Ok(DraftAction::Approve),
        "edit" => Ok(DraftAction::Edit),
        "reject" => Ok(DraftAction::Reject),
        other => Err(HttpError::BadRequest(format!(
            "action {other:?}: expected approve, edit or reject"
        ))),
    }
}

/// Checks that `a` may see item `id` (404 otherwise) and do `action`.
pub async fn may_act(
    state: &AppState,
    a: &Authed,
    id: i64,
    action: Action,
) -> Result<StoredItem, HttpError> {
    let item = a.check_item(state.store().item(id).await?)?;
    a.require(action)?;
    Ok(item)
}

async fn draft_form(
    State(state): State<AppState>,
    PageUser(a): PageUser,
    Path(id): Path<i64>,
    Form(f): Form<DraftForm>,
) -> Result<Response, PageError> {
    a.check_csrf(&f.csrf)?;
    let item = may_act(&state, &a, id, Action::ActOnDrafts).await?;
    let action = draft_action(&f.action)?;
    // The editor always posts the text: approving an edited text saves it.
    let current = item
        .draft
        .as_ref()
        .and_then(|d| d.get("body"))
        .and_then(|b| b.as_str())
        .unwrap_or_default()
        .to_string();
    if let Some(body) = f.body.as_deref().map(|b| b.replace("\r\n", "\n"))
        && action != DraftAction::Edit
        && body.trim_end() != current.trim_end()
    {
        state
            .store()
            .draft_action(id, DraftAction::Edit, &a.user.name, Some(&body))
            .await?;
    }
    let body = f.body.map(|b| b.replace("\r\n", "\n"));
    state
        .store()
        .draft_action(id, action, &a.user.name, body.as_deref())
        .await?;
    Ok(back_to(id))
}

/// The relabel form: the chosen labels (none: `other`).
#[derive(Debug, Deserialize)]
pub struct RelabelForm {
    csrf: String,
    #[serde(default)]
    label: Vec<String>,
}

/// Parses label names.
pub fn parse_labels(names: &[String]) -> Result<Vec<Label>, HttpError> {
    names
        .iter()
        .filter(|n| n.as_str() != crate::domain::OTHER)
        .map(|n| {
            n.parse::<Label>()
                .map_err(|_| HttpError::BadRequest(format!("unknown label {n:?}")))
        })
        .collect()
}

/// Relabels item `id` as `a`: a correction with the reply's body.
pub async fn relabel(
    state: &AppState,
    a: &Authed,
    id: i64,
    labels: &[Label],
) -> Result<crate::store::Correction, HttpError> {
    may_act(state, a, id, Action::WorkItems).await?;
    let raw = state.store().item_raw(id).await?.unwrap_or_default();
    let body = view::read_body(&state.reader(), &raw).await;
    Ok(state
        .store()
        .relabel(id, &a.user.name, labels, &body)
        .await?)
}

async fn relabel_form(
    State(state): State<AppState>,
    PageUser(a): PageUser,
    Path(id): Path<i64>,
    axum_extra_form: RawForm,
) -> Result<Response, PageError> {
    let f: RelabelForm = axum_extra_form.parse()?;
    a.check_csrf(&f.csrf)?;
    let labels = parse_labels(&f.label)?;
    relabel(&state, &a, id, &labels).await?;
    Ok(back_to(id))
}

/// A url-encoded body whose repeated keys (`label=a&label=b`) become lists.
pub struct RawForm(Vec<(String, String)>);

impl<S: Send + Sync> axum::extract::FromRequest<S> for RawForm {
    type Rejection = PageError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, PageError> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| HttpError::BadRequest(e.to_string()))?;
        Ok(RawForm(form_urlencoded_parse(&bytes).map_err(|e| {
            HttpError::BadRequest(format!("form: {e}"))
        })?))
    }
}

impl RawForm {
    fn parse(self) -> Result<RelabelForm, PageError> {
        let mut csrf = String::new();
        let mut label = Vec::new();
        for (k, v) in self.0 {
            match k.as_str() {
                "csrf" => csrf = v,
                "label" => label.push(v),
                _ => {}
            }
        }
        Ok(RelabelForm { csrf, label })
    }
}

fn form_urlencoded_parse(bytes: &[u8]) -> Result<Vec<(String, String)>, String> {
    Ok(form_urlencoded::parse(bytes).into_owned().collect())
}

/// The assign form.
#[derive(Debug, Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    assignee: String,
}

async fn assign_form(
    State(state): State<AppState>,
    PageUser(a): PageUser,
    Path(id): Path<i64>,
    Form(f): Form<AssignForm>,
) -> Result<Response, PageError> {
    a.check_csrf(&f.csrf)?;
    may_act(&state, &a, id, Action::WorkItems).await?;
    let who = Some(f.assignee.trim()).filter(|s| !s.is_empty());
    state.store().assign(id, &a.user.name, who).await?;
    Ok(back_to(id))
}

/// Accepts or rejects the held SOW or change order at `position` of item
/// `id`'s message, as `a` (collectors; partners for their clients).
pub async fn decide_document(
    state: &AppState,
    a: &Authed,
    id: i64,
    position: i64,
    accept: bool,
) -> Result<crate::domain::DocumentState, HttpError> {
    may_act(state, a, id, Action::AcceptDocuments).await?;
    Ok(state
        .store()
        .decide_document(id, position, accept, &a.user.name)
        .await?)
}

/// The form of a document decision: `decision` is `accept` or `reject`.
#[derive(Debug, Deserialize)]
pub struct DocumentForm {
    csrf: String,
    decision: String,
}

async fn document_form(
    State(state): State<AppState>,
    PageUser(a): PageUser,
    Path((id, position)): Path<(i64, i64)>,
    Form(f): Form<DocumentForm>,
) -> Result<Response, PageError> {
    a.check_csrf(&f.csrf)?;
    let accept = match f.decision.as_str() {
        "accept" => true,
        "reject" => false,
        other => {
            return Err(HttpError::BadRequest(format!(
                "decision {other:?}: expected accept or reject"
            ))
            .into());
        }
    };
    decide_document(&state, &a, id, position, accept).await?;
    Ok(back_to(id))
}

/// Reads item `id` again with the current model as `a`
/// ([`crate::pipeline::Pipeline::reclassify`]); 429 when the model's queue
/// is full, 503 without a model.
pub async fn reclassify(
    state: &AppState,
    a: &Authed,
    id: i64,
) -> Result<crate::store::Reclassified, HttpError> {
    may_act(state, a, id, Action::WorkItems).await?;
    let pipeline = state.pipeline().ok_or_else(|| {
        HttpError::Unavailable(
            "this service runs without a model: nothing to reclassify with".into(),
        )
    })?;
    Ok(pipeline.reclassify(id, &a.user.name).await?)
}

async fn reclassify_form(
    State(state): State<AppState>,
    PageUser(a): PageUser,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    a.check_csrf(&f.csrf)?;
    reclassify(&state, &a, id).await?;
    Ok(back_to(id))
}

async fn resolve_form(
    State(state): State<AppState>,
    PageUser(a): PageUser,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    a.check_csrf(&f.csrf)?;
    may_act(&state, &a, id, Action::WorkItems).await?;
    state.store().close_item(id, &a.user.name).await?;
    Ok(back_to(id))
}

/// The dispute outcome form.
#[derive(Debug, Deserialize)]
pub struct OutcomeForm {
    #[serde(default)]
    csrf: String,
    outcome: String,
    #[serde(default)]
    note: String,
}

async fn outcome_form(
    State(state): State<AppState>,
    PageUser(a): PageUser,
    Path(id): Path<i64>,
    Form(f): Form<OutcomeForm>,
) -> Result<Response, PageError> {
    a.check_csrf(&f.csrf)?;
    may_act(&state, &a, id, Action::RecordOutcome).await?;
    let outcome = f.outcome.parse()?;
    state
        .store()
        .record_outcome(id, &a.user.name, outcome, &f.note)
        .await?;
    Ok(back_to(id))
}

async fn partner(
    State(state): State<AppState>,
    PageUser(a): PageUser,
) -> Result<Response, PageError> {
    a.require(Action::RecordOutcome)?;
    let items = state
        .store()
        .items(&ItemFilter {
            queue: Some("partner".into()),
            partner_email: a.user.partner_scope(),
            ..ItemFilter::default()
        })
        .await?;
    render(
        &state,
        "partner.html",
        context! {
            me => me(&a), csrf => a.csrf, items => Value::from_serialize(&items),
            may_outcome => true,
        },
    )
}

/// Leaf values of a JSON tree as `path → text`, for a plain table.
fn flatten(prefix: &str, v: &serde_json::Value, out: &mut BTreeMap<String, String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, x, out);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), x, out);
            }
        }
        serde_json::Value::Null => {}
        serde_json::Value::Number(n) => {
            let text = n
                .as_f64()
                .filter(|f| f.fract() != 0.0)
                .map(|f| format!("{f:.3}"))
                .unwrap_or_else(|| n.to_string());
            out.insert(prefix.to_string(), text);
        }
        other => {
            out.insert(
                prefix.to_string(),
                other.to_string().trim_matches('"').to_string(),
            );
        }
    }
}

/// The analyst view's data: the latest report's headline numbers (model
/// and baseline side by side), corrections and KPIs.
pub async fn analyst_data(state: &AppState) -> Result<serde_json::Value, HttpError> {
    let report = match &state.config().reports {
        Some(dir) => match std::fs::read_to_string(dir.join("report.json")) {
            Ok(text) => serde_json::from_str::<crate::eval::EvalReport>(&text).ok(),
            Err(_) => None,
        },
        None => None,
    };
    let report = report.map(|r| {
        let mut metrics = BTreeMap::new();
        for ((name, _, m), (_, _, b)) in r.model.headline().iter().zip(r.baseline.headline().iter()) {
            metrics.insert(name.to_string(), format!("{m:.3} (baseline {b:.3})"));
        }
        serde_json::json!({
            "model": r.model.name, "data": format!("{} ({} replies)", r.dataset.path, r.dataset.count),
            "generated_at": r.generated_at, "metrics": metrics,
        })
    });
    let corrections = state.store().corrections(None).await?;
    // How the current model did on the replies people corrected: the
    // corrections of items it labelled itself (all of them when the
    // service runs without a model).
    let current = state.model_name();
    let judged: Vec<_> = corrections
        .iter()
        .filter(|c| current.is_none() || c.model == current)
        .collect();
    let agreed = judged
        .iter()
        .filter(|c| c.old_labels == c.new_labels)
        .count();
    let total = corrections.len();
    let recent: Vec<_> = corrections.iter().rev().take(20).collect();
    let today = chrono::Utc::now().date_naive();
    let inputs = state.store().kpi_inputs().await?;
    let k = crate::kpis::compute_kpis(&inputs, crate::kpis::KpiWindow::default(), today);
    let mut kpis = BTreeMap::new();
    let k = serde_json::to_value(&k).map_err(|e| HttpError::Internal(format!("KPIs: {e}")))?;
    flatten("", &k, &mut kpis);
    Ok(serde_json::json!({
        "report": report,
        "corrections": {
            "total": total, "judged": judged.len(), "agreed": agreed,
            "model": current,
            "agreement": if judged.is_empty() { 0.0 } else { agreed as f64 / judged.len() as f64 },
            "recent": recent,
        },
        "kpis": kpis,
    }))
}

async fn analyst(
    State(state): State<AppState>,
    PageUser(a): PageUser,
) -> Result<Response, PageError> {
    a.require(Action::ReadReports)?;
    let data = analyst_data(&state).await?;
    let report_html = state
        .config()
        .reports
        .as_ref()
        .is_some_and(|d| d.join("report.html").is_file());
    render(
        &state,
        "analyst.html",
        context! {
            me => me(&a), csrf => a.csrf, report => Value::from_serialize(&data["report"]),
            corrections => Value::from_serialize(&data["corrections"]),
            kpis => Value::from_serialize(&data["kpis"]), report_html => report_html,
        },
    )
}

/// Weeks the KPI charts cover at most.
pub const CHART_WEEKS: usize = 12;

/// A KPI chart over the last [`CHART_WEEKS`] weeks: `rates.svg` or
/// `volume.svg`.
async fn kpi_chart(
    State(state): State<AppState>,
    PageUser(a): PageUser,
    Path(chart): Path<String>,
) -> Result<Response, PageError> {
    a.require(Action::ReadReports)?;
    let draw = match chart.as_str() {
        "rates.svg" => super::charts::rates_svg,
        "volume.svg" => super::charts::volume_svg,
        _ => return Err(HttpError::NotFound.into()),
    };
    let inputs = state.store().kpi_inputs().await?;
    let weeks = crate::kpis::weekly_kpis(&inputs, CHART_WEEKS, chrono::Utc::now().date_naive());
    let svg = draw(&weeks).map_err(|e| HttpError::Internal(e.to_string()))?;
    Ok((
        [
            (CONTENT_TYPE, "image/svg+xml"),
            // Opened on its own, the picture still runs nothing.
            (
                CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
        ],
        svg,
    )
        .into_response())
}

/// The eval report's own HTML, served sandboxed: no script, no origin.
async fn report_html(
    State(state): State<AppState>,
    PageUser(a): PageUser,
) -> Result<Response, PageError> {
    a.require(Action::ReadReports)?;
    let dir = state.config().reports.clone().ok_or(HttpError::NotFound)?;
    let html = std::fs::read_to_string(dir.join("report.html")).map_err(|_| HttpError::NotFound)?;
    Ok((
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:",
            ),
        ],
        html,
    )
        .into_response())
}

async fn users_page(
    State(state): State<AppState>,
    PageUser(a): PageUser,
) -> Result<Response, PageError> {
    a.require(Action::ManageUsers)?;
    users_view(&state, &a, None).await
}

async fn users_view(
    state: &AppState,
    a: &Authed,
    flash: Option<String>,
) -> Result<Response, PageError> {
    let users = state.store().users().await?;
    let roles: Vec<&str> = UserRole::ALL.iter().map(|r| r.as_str()).collect();
    render(
        state,
        "users.html",
        context! { me => me(a), csrf => a.csrf, users => Value::from_serialize(&users), roles => roles, flash => flash },
    )
}

/// The add-user form.
#[derive(Debug, Deserialize)]
pub struct AddUserForm {
    #[serde(default)]
    csrf: String,
    name: String,
    role: String,
    #[serde(default)]
    partner_email: String,
    password: String,
}

/// Adds a user (admin only); passwords shorter than ten characters are refused.
pub async fn add_user(
    state: &AppState,
    name: &str,
    role: &str,
    partner_email: Option<&str>,
    password: &str,
) -> Result<User, HttpError> {
    let role: UserRole = role
        .parse()
        .map_err(|e: crate::domain::UnknownRole| HttpError::BadRequest(e.to_string()))?;
    if password.chars().count() < 10 {
        return Err(HttpError::BadRequest(
            "a password has at least ten characters".into(),
        ));
    }
    let hash = auth::hash_password_blocking(password.to_string()).await?;
    Ok(state
        .store()
        .add_user(&NewUser {
            name,
            role,
            partner_email: partner_email.filter(|e| !e.trim().is_empty()),
            password_hash: &hash,
        })
        .await?)
}

async fn add_user_form(
    State(state): State<AppState>,
    PageUser(a): PageUser,
    Form(f): Form<AddUserForm>,
) -> Result<Response, PageError> {
    a.check_csrf(&f.csrf)?;
    a.require(Action::ManageUsers)?;
    let flash = match add_user(
        &state,
        &f.name,
        &f.role,
        Some(&f.partner_email),
        &f.password,
    )
    .await
    {
        Ok(u) => format!("Added {} ({}).", u.name, u.role),
        Err(e @ (HttpError::BadRequest(_) | HttpError::Conflict(_))) => e.to_string(),
        Err(e) => return Err(e.into()),
    };
    users_view(&state, &a, Some(flash)).await
}
