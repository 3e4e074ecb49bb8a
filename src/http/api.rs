//! The JSON API under `/api/v1`: everything the pages do, for API clients
//! (bearer tokens) and for scripts in a signed-in browser (session cookie
//! plus the `x-csrf-token` header on writes). Permissions are the pages'
//! ([`super::auth::Authed`]); a partner asking for another partner's item
//! gets 404.

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::auth::{self, Authed};
use super::error::HttpError;
use super::pages::{self, QueueQuery};
use super::{AppState, view};
use crate::domain::{Action, User};
use crate::kpis::{KpiWindow, Kpis, compute_kpis};
use crate::store::{AuditRow, Correction, DraftOutcome, Reclassified, StoredItem};

/// Largest page the API hands out.
pub const MAX_LIMIT: i64 = 200;

/// Writes a type's JSON Schema into the document's components and answers
/// the schema (a reference to it) to use in place.
pub type SchemaOf = fn(&mut schemars::SchemaGenerator) -> schemars::Schema;

fn schema<T: schemars::JsonSchema>(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
    g.subschema_for::<T>()
}

/// One route of the API: method, path (axum syntax), what it does, what it
/// reads and answers, and its handler. [`router`] and the OpenAPI document
/// ([`super::openapi::document`]) are both built from this table, so
/// neither can list a route the other lacks, and the schemas are those of
/// the very types the handler reads and writes.
pub struct ApiRoute {
    /// `get` or `post`.
    pub method: &'static str,
    /// Path under `/api/v1`.
    pub path: &'static str,
    /// One line for the document.
    pub summary: &'static str,
    /// The handler.
    pub handler: axum::routing::MethodRouter<AppState>,
    /// The JSON body it reads, if any.
    pub request: Option<SchemaOf>,
    /// The query string it reads: an object whose properties are the
    /// parameters.
    pub query: Option<SchemaOf>,
    /// The JSON it answers 200 with.
    pub response: SchemaOf,
    /// Statuses it may answer besides 200 and the ones every route may
    /// (401, 403, 404, 422).
    pub also: &'static [u16],
}

impl ApiRoute {
    /// It reads a JSON body of type `T`.
    fn reads<T: schemars::JsonSchema>(mut self) -> Self {
        self.request = Some(schema::<T>);
        self
    }

    /// It reads query parameters, the fields of `T`.
    fn query<T: schemars::JsonSchema>(mut self) -> Self {
        self.query = Some(schema::<T>);
        self
    }

    /// It answers a `T`.
    fn answers<T: schemars::JsonSchema>(mut self) -> Self {
        self.response = schema::<T>;
        self
    }

    /// It may also answer these statuses.
    fn or(mut self, statuses: &'static [u16]) -> Self {
        self.also = statuses;
        self
    }
}

/// A route answering any JSON until [`ApiRoute::answers`] says what.
fn route(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    handler: axum::routing::MethodRouter<AppState>,
) -> ApiRoute {
    ApiRoute {
        method,
        path,
        summary,
        handler,
        request: None,
        query: None,
        response: schema::<serde_json::Value>,
        also: &[],
    }
}

/// The API's routes, in the order the document lists them.
pub fn routes() -> Vec<ApiRoute> {
    vec![
        route(
            "get",
            "/items",
            "List items (filters: queue, label, client, status, max_score, open, draft_state; cursor pagination).",
            get(list_items),
        )
        .query::<ListQuery>()
        .answers::<ItemPage>(),
        route(
            "get",
            "/items/{id}",
            "One item with its message (client text, quoted history, evidence) and audit trail.",
            get(item),
        )
        .answers::<ItemDetail>(),
        route(
            "post",
            "/items/{id}/draft",
            "Approve, edit or reject the item's draft.",
            post(draft),
        )
        .reads::<DraftRequest>()
        .answers::<DraftOutcome>()
        .or(&[409]),
        route(
            "post",
            "/items/{id}/relabel",
            "Relabel the item; stored as a correction.",
            post(relabel),
        )
        .reads::<RelabelRequest>()
        .answers::<Correction>(),
        route(
            "post",
            "/items/{id}/assign",
            "Assign the item to a user (or to nobody).",
            post(assign),
        )
        .reads::<AssignRequest>()
        .answers::<Done>(),
        route(
            "post",
            "/items/{id}/documents/{position}",
            "Accept (`accept: true`) or reject a held SOW or change order of the item's message as a client document (collectors, and partners for their clients).",
            post(document),
        )
        .reads::<DocumentRequest>()
        .answers::<DocumentDecided>()
        .or(&[400]),
        route(
            "post",
            "/items/{id}/resolve",
            "Resolve the item.",
            post(resolve),
        )
        .answers::<Done>(),
        route(
            "post",
            "/items/{id}/reclassify",
            "Read the item again with the current model (429 while the model's queue is full, 503 without a model).",
            post(reclassify),
        )
        .answers::<Reclassified>()
        .or(&[429, 503]),
        route(
            "post",
            "/items/{id}/outcome",
            "Record a partner's outcome of an escalated dispute.",
            post(outcome),
        )
        .reads::<OutcomeRequest>()
        .answers::<Done>(),
        route(
            "get",
            "/kpis",
            "Collections KPIs over a window of days (`from`, `to`; all days when left out).",
            get(kpis),
        )
        .query::<KpiQuery>()
        .answers::<Kpis>(),
        route(
            "get",
            "/reports/latest",
            "The latest eval report (report.json).",
            get(report),
        ),
        route(
            "get",
            "/corrections",
            "Every correction (relabel) made.",
            get(corrections),
        )
        .answers::<Vec<Correction>>(),
        route("get", "/users", "Users (admin).", get(users)).answers::<Vec<User>>(),
        route("post", "/users", "Add a user (admin).", post(add_user))
            .reads::<NewUserRequest>()
            .answers::<User>()
            .or(&[409]),
        route("get", "/me", "The signed-in user.", get(whoami)).answers::<User>(),
        route(
            "post",
            "/tokens",
            "Create an API token for the signed-in user (shown once).",
            post(new_token),
        )
        .reads::<TokenRequest>()
        .answers::<NewToken>(),
        route("get", "/openapi.json", "This document.", get(openapi)),
    ]
}

/// The API's router: the [`routes`] table; two methods on one path merge.
pub fn router() -> Router<AppState> {
    routes()
        .into_iter()
        .fold(Router::new(), |r, a| r.route(a.path, a.handler))
}

/// The list query: the queue page's filters plus `cursor` and `limit`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct ListQuery {
    #[serde(flatten)]
    filters: QueueQuery,
    /// The `next_cursor` of the previous page.
    #[serde(default)]
    cursor: Option<i64>,
    /// Items per page (default 50, at most [`MAX_LIMIT`]).
    #[serde(default)]
    limit: Option<i64>,
}

/// A page of items.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ItemPage {
    /// The items, oldest first.
    pub items: Vec<StoredItem>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<i64>,
}

async fn list_items(
    State(state): State<AppState>,
    a: Authed,
    Query(mut q): Query<ListQuery>,
) -> Result<Json<ItemPage>, HttpError> {
    a.require(Action::ReadItems)?;
    let limit = q.limit.unwrap_or(pages::PAGE_SIZE);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(HttpError::BadRequest(format!(
            "limit must be 1 to {MAX_LIMIT}"
        )));
    }
    q.filters.after = q.cursor;
    let (items, next_cursor) = pages::page_of_items(&state, &a.user, &q.filters, limit).await?;
    Ok(Json(ItemPage { items, next_cursor }))
}

/// An item with its message as shown and its audit trail.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ItemDetail {
    /// The item.
    pub item: StoredItem,
    /// The message: client text, quoted history, evidence marks.
    pub message: view::MessageView,
    /// The item's audit rows.
    pub audit: Vec<AuditRow>,
}

async fn item(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
) -> Result<Json<ItemDetail>, HttpError> {
    a.require(Action::ReadItems)?;
    let item = a.check_item(state.store().item(id).await?)?;
    let raw = state.store().item_raw(id).await?.unwrap_or_default();
    Ok(Json(ItemDetail {
        message: view::read_view(&state.reader(), &raw, item.evidence.clone()).await?,
        audit: state.store().item_audit(id).await?,
        item,
    }))
}

/// A draft action.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct DraftRequest {
    /// `approve`, `edit` or `reject`.
    pub action: String,
    /// The new text, for `edit`.
    #[serde(default)]
    pub body: Option<String>,
}

async fn draft(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
    Json(r): Json<DraftRequest>,
) -> Result<Json<DraftOutcome>, HttpError> {
    pages::may_act(&state, &a, id, Action::ActOnDrafts).await?;
    let action = pages::draft_action(&r.action)?;
    Ok(Json(
        state
            .store()
            .draft_action(id, action, &a.user.name, r.body.as_deref())
            .await?,
    ))
}

/// New labels for an item (empty: `other`).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct RelabelRequest {
    /// Label names.
    pub labels: Vec<String>,
}

async fn relabel(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
    Json(r): Json<RelabelRequest>,
) -> Result<Json<Correction>, HttpError> {
    let labels = pages::parse_labels(&r.labels)?;
    Ok(Json(pages::relabel(&state, &a, id, &labels).await?))
}

/// Who should work an item (`null`: nobody).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct AssignRequest {
    /// A user name.
    pub assignee: Option<String>,
}

/// The answer of actions that return nothing else.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Done {
    /// The item acted on.
    pub item: i64,
    /// What was done.
    pub done: String,
}

async fn assign(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
    Json(r): Json<AssignRequest>,
) -> Result<Json<Done>, HttpError> {
    pages::may_act(&state, &a, id, Action::WorkItems).await?;
    state
        .store()
        .assign(id, &a.user.name, r.assignee.as_deref())
        .await?;
    Ok(Json(Done {
        item: id,
        done: "assign".into(),
    }))
}

/// A person's decision on a held SOW or change order.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct DocumentRequest {
    /// True: use it as the client's document; false: never.
    pub accept: bool,
}

/// What [`DocumentRequest`] changed.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DocumentDecided {
    /// The item.
    pub item: i64,
    /// The attachment's position in the message.
    pub position: i64,
    /// The document's state now.
    pub state: crate::domain::DocumentState,
}

async fn document(
    State(state): State<AppState>,
    a: Authed,
    Path((id, position)): Path<(i64, i64)>,
    Json(r): Json<DocumentRequest>,
) -> Result<Json<DocumentDecided>, HttpError> {
    let state_now = pages::decide_document(&state, &a, id, position, r.accept).await?;
    Ok(Json(DocumentDecided {
        item: id,
        position,
        state: state_now,
    }))
}

async fn resolve(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
) -> Result<Json<Done>, HttpError> {
    pages::may_act(&state, &a, id, Action::WorkItems).await?;
    state.store().close_item(id, &a.user.name).await?;
    Ok(Json(Done {
        item: id,
        done: "resolve".into(),
    }))
}

async fn reclassify(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
) -> Result<Json<Reclassified>, HttpError> {
    Ok(Json(pages::reclassify(&state, &a, id).await?))
}

/// A partner's decision on a dispute.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct OutcomeRequest {
    /// `accept`, `credit` or `reject`.
    pub outcome: String,
    /// A note for the audit log.
    #[serde(default)]
    pub note: String,
}

async fn outcome(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
    Json(r): Json<OutcomeRequest>,
) -> Result<Json<Done>, HttpError> {
    pages::may_act(&state, &a, id, Action::RecordOutcome).await?;
    let outcome = r.outcome.parse()?;
    state
        .store()
        .record_outcome(id, &a.user.name, outcome, &r.note)
        .await?;
    Ok(Json(Done {
        item: id,
        done: format!("outcome {}", r.outcome.trim()),
    }))
}

/// The days the KPIs cover, both included (open-ended when left out).
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct KpiQuery {
    /// First day, `YYYY-MM-DD`.
    #[serde(default)]
    pub from: Option<chrono::NaiveDate>,
    /// Last day, `YYYY-MM-DD`.
    #[serde(default)]
    pub to: Option<chrono::NaiveDate>,
}

async fn kpis(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<KpiQuery>,
) -> Result<Json<Kpis>, HttpError> {
    a.require(Action::ReadReports)?;
    let inputs = state.store().kpi_inputs().await?;
    let window = KpiWindow {
        from: q.from,
        to: q.to,
    };
    Ok(Json(compute_kpis(
        &inputs,
        window,
        chrono::Utc::now().date_naive(),
    )))
}

async fn report(
    State(state): State<AppState>,
    a: Authed,
) -> Result<Json<serde_json::Value>, HttpError> {
    a.require(Action::ReadReports)?;
    let dir = state.config().reports.clone().ok_or(HttpError::NotFound)?;
    let text = std::fs::read_to_string(dir.join("report.json")).map_err(|_| HttpError::NotFound)?;
    serde_json::from_str(&text)
        .map(Json)
        .map_err(|e| HttpError::Internal(format!("report.json: {e}")))
}

async fn corrections(
    State(state): State<AppState>,
    a: Authed,
) -> Result<Json<Vec<Correction>>, HttpError> {
    a.require(Action::ReadReports)?;
    Ok(Json(state.store().corrections(None).await?))
}

async fn users(State(state): State<AppState>, a: Authed) -> Result<Json<Vec<User>>, HttpError> {
    a.require(Action::ManageUsers)?;
    Ok(Json(state.store().users().await?))
}

/// A user to add.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct NewUserRequest {
    /// Login name.
    pub name: String,
    /// `collector`, `partner`, `analyst` or `admin`.
    #[schemars(with = "crate::domain::UserRole")]
    pub role: String,
    /// For partners.
    #[serde(default)]
    pub partner_email: Option<String>,
    /// At least ten characters.
    pub password: String,
}

async fn add_user(
    State(state): State<AppState>,
    a: Authed,
    Json(r): Json<NewUserRequest>,
) -> Result<Json<User>, HttpError> {
    a.require(Action::ManageUsers)?;
    Ok(Json(
        pages::add_user(
            &state,
            &r.name,
            &r.role,
            r.partner_email.as_deref(),
            &r.password,
        )
        .await?,
    ))
}

async fn whoami(a: Authed) -> Json<User> {
    Json(a.user)
}

/// A token request.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct TokenRequest {
    /// What the token is for (shown to admins).
    pub label: String,
}

/// A new API token: shown once, stored hashed.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NewToken {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
}

async fn new_token(
    State(state): State<AppState>,
    a: Authed,
    Json(r): Json<TokenRequest>,
) -> Result<Json<NewToken>, HttpError> {
    let token = auth::random_token();
    state
        .store()
        .add_api_token(a.user.id, &auth::token_hash(&token), &r.label)
        .await?;
    Ok(Json(NewToken { token }))
}

async fn openapi() -> Json<serde_json::Value> {
    Json(super::openapi::document())
}
