//! The web service through its router (`app()` + `oneshot`, no port):
//! sign-in with CSRF and a failure limit, roles and partner scoping in the
//! pages and the API alike, draft actions, relabels stored as corrections,
//! assignment and outcomes audited with the user, escaping of hostile mail,
//! the security headers, health, readiness, metrics and the OpenAPI
//! document.

mod common;

use ar_triage::classify::{ClassifierHandle, ClassifyError, FixedScores, Model, WorkerOptions};
use ar_triage::domain::{Prediction, PreparedReply};
use ar_triage::pipeline::{Classifier, Pipeline};
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use common::pg::PgSchema;
use common::web::{PASSWORD, Web, eml, standard_messages, world, world_on};
use http_body_util::BodyExt;
use tower::ServiceExt;

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

async fn call(w: &Web, req: Request<Body>) -> Answer {
    let res = ar_triage::http::app(w.state.clone())
        .oneshot(req)
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

fn bearer(
    method: Method,
    path: &str,
    token: &str,
    json: Option<serde_json::Value>,
) -> Request<Body> {
    let b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    match json {
        Some(j) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(j.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    }
}

/// A draft action through the API with a bearer token.
async fn draft_call(w: &Web, token: &str, id: i64, action: &str) -> Answer {
    call(
        w,
        bearer(
            Method::POST,
            &format!("/api/v1/items/{id}/draft"),
            token,
            Some(serde_json::json!({ "action": action })),
        ),
    )
    .await
}

fn form(path: &str, cookie: &str, fields: &[(&str, &str)]) -> Request<Body> {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

/// The value of `name`'s hidden field in an HTML form.
fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let i = html.find(&key).unwrap_or_else(|| panic!("no {name} field")) + key.len();
    html[i..].split('"').next().unwrap().to_string()
}

fn set_cookie(a: &Answer, name: &str) -> Option<String> {
    a.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_string())
}

/// Signs in through the form; the session cookie and the CSRF token of
/// its pages.
async fn sign_in(w: &Web, name: &str) -> (String, String) {
    let page = call(w, get("/login")).await;
    let login = set_cookie(&page, "art_login").unwrap();
    let a = call(
        w,
        form(
            "/login",
            &login,
            &[
                ("name", name),
                ("password", PASSWORD),
                ("csrf", &hidden(&page.body, "csrf")),
            ],
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let session = set_cookie(&a, "art_session").unwrap();
    let cookie = session.clone();
    assert!(
        a.headers.get_all(header::SET_COOKIE).iter().any(|v| v
            .to_str()
            .unwrap()
            .contains("HttpOnly")
            && v.to_str().unwrap().contains("SameSite=Strict")),
    );
    let page = call(
        w,
        Request::get("/")
            .header(header::COOKIE, &session)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let landing = page.headers[header::LOCATION].to_str().unwrap().to_string();
    let page = call(
        w,
        Request::get(&landing)
            .header(header::COOKIE, &session)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{landing}: {}", page.body);
    (cookie, hidden(&page.body, "csrf"))
}

fn with_cookie(path: &str, cookie: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn signing_in_needs_the_forms_token_the_right_password_and_few_failures() {
    let w = world(standard_messages()).await;
    // Pages need a session.
    let a = call(&w, get("/queue")).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(a.headers[header::LOCATION], "/login");
    let page = call(&w, get("/login")).await;
    let login = set_cookie(&page, "art_login").unwrap();
    let token = hidden(&page.body, "csrf");
    // Without the form's token: refused, however right the password.
    let a = call(
        &w,
        form(
            "/login",
            "",
            &[
                ("name", "collector"),
                ("password", PASSWORD),
                ("csrf", &token),
            ],
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = call(
        &w,
        form(
            "/login",
            &login,
            &[
                ("name", "collector"),
                ("password", "wrong password"),
                ("csrf", &token),
            ],
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(a.body.contains("Wrong user name or password"));
    assert!(set_cookie(&a, "art_session").is_none());
    // Four more failures lock the name, even for the right password.
    for _ in 0..4 {
        call(
            &w,
            form(
                "/login",
                &login,
                &[
                    ("name", "collector"),
                    ("password", "nope nope"),
                    ("csrf", &token),
                ],
            ),
        )
        .await;
    }
    let a = call(
        &w,
        form(
            "/login",
            &login,
            &[
                ("name", "collector"),
                ("password", PASSWORD),
                ("csrf", &token),
            ],
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    // Another user is not locked.
    let (cookie, _) = sign_in(&w, "admin").await;
    assert_eq!(
        call(&w, with_cookie("/queue", &cookie)).await.status,
        StatusCode::OK
    );
    // A session token the store never issued signs nobody in.
    let a = call(&w, with_cookie("/queue", "art_session=00ff")).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_partner_sees_only_their_own_clients_in_the_pages_and_the_api() {
    a_partner_sees_only_their_own_clients_in_the_pages_and_the_api_on(
        &world(standard_messages()).await,
    )
    .await;
}

async fn a_partner_sees_only_their_own_clients_in_the_pages_and_the_api_on(w: &Web) {
    let acme = w.item("acme-dispute@acme.example").await;
    let bolt = w.item("bolt-dispute@bolt.example").await;
    assert_eq!(acme.queue, "partner");
    assert_eq!(bolt.queue, "partner");
    let dana = w.token("dana").await;
    let list = call(w, bearer(Method::GET, "/api/v1/items", &dana, None)).await;
    assert_eq!(list.status, StatusCode::OK);
    let ids: Vec<i64> = list.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert!(ids.contains(&acme.id));
    assert!(!ids.contains(&bolt.id), "{ids:?}");
    assert!(ids.len() >= 2, "dana sees every ACME item: {ids:?}");
    let a = call(
        w,
        bearer(
            Method::GET,
            &format!("/api/v1/items/{}", bolt.id),
            &dana,
            None,
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let missing = call(w, bearer(Method::GET, "/api/v1/items/99999", &dana, None)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        a.body, missing.body,
        "another partner's item looks like a missing one"
    );
    let a = call(
        w,
        bearer(
            Method::GET,
            &format!("/api/v1/items/{}", acme.id),
            &dana,
            None,
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.json()["message"]["pieces"].as_array().is_some());
    // The pages agree.
    let (cookie, csrf) = sign_in(w, "dana").await;
    let p = call(w, with_cookie("/partner", &cookie)).await;
    assert!(p.body.contains(&format!("/items/{}", acme.id)));
    assert!(!p.body.contains(&format!("/items/{}\"", bolt.id)));
    assert_eq!(
        call(w, with_cookie(&format!("/items/{}", bolt.id), &cookie))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Outcomes: only on their own escalations, audited with their name.
    let a = call(
        w,
        form(
            &format!("/items/{}/outcome", bolt.id),
            &cookie,
            &[("csrf", &csrf), ("outcome", "credit")],
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let a = call(
        w,
        form(
            &format!("/items/{}/outcome", acme.id),
            &cookie,
            &[
                ("csrf", &csrf),
                ("outcome", "credit"),
                ("note", "10 h credited"),
            ],
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let trail = w.store.item_audit(acme.id).await.unwrap();
    let last: serde_json::Value = serde_json::from_str(&trail.last().unwrap().content).unwrap();
    assert_eq!(last["data"]["action"], "outcome");
    assert_eq!(last["data"]["by"], "dana");
    assert_eq!(last["data"]["outcome"], "credit");
    assert_eq!(last["data"]["note"], "10 h credited");
    // A partner approves no drafts.
    let promise = w.item("acme-promise@acme.example").await;
    let a = draft_call(w, &dana, promise.id, "approve").await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn analysts_read_reports_and_corrections_but_act_on_no_item() {
    let w = world(standard_messages()).await;
    let promise = w.item("acme-promise@acme.example").await;
    assert_eq!(promise.draft_state.as_deref(), Some("awaiting_approval"));
    let t = w.token("analyst").await;
    for (m, path, body) in [
        (
            Method::POST,
            format!("/api/v1/items/{}/draft", promise.id),
            Some(serde_json::json!({"action": "approve"})),
        ),
        (
            Method::POST,
            format!("/api/v1/items/{}/relabel", promise.id),
            Some(serde_json::json!({"labels": []})),
        ),
        (Method::GET, "/api/v1/items".to_string(), None),
        (Method::GET, "/api/v1/users".to_string(), None),
    ] {
        let a = call(&w, bearer(m.clone(), &path, &t, body)).await;
        assert!(
            a.status == StatusCode::FORBIDDEN || a.status == StatusCode::NOT_FOUND,
            "{m} {path}: {}",
            a.status
        );
    }
    assert_eq!(
        w.item("acme-promise@acme.example")
            .await
            .draft_state
            .as_deref(),
        Some("awaiting_approval")
    );
    assert_eq!(
        call(&w, bearer(Method::GET, "/api/v1/kpis", &t, None))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        call(&w, bearer(Method::GET, "/api/v1/corrections", &t, None))
            .await
            .status,
        StatusCode::OK
    );
    let (cookie, _) = sign_in(&w, "analyst").await;
    let page = call(&w, with_cookie("/analyst", &cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Corrections"));
    assert_eq!(
        call(&w, with_cookie("/queue", &cookie)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_collector_works_drafts_and_items_and_every_action_is_audited_with_the_user() {
    a_collector_works_drafts_and_items_and_every_action_is_audited_with_the_user_on(
        &world(standard_messages()).await,
    )
    .await;
}

async fn a_collector_works_drafts_and_items_and_every_action_is_audited_with_the_user_on(w: &Web) {
    let promise = w.item("acme-promise@acme.example").await;
    let unsure = w.item("acme-unsure@acme.example").await;
    let (cookie, csrf) = sign_in(w, "collector").await;
    // The item page shows the draft in its editor.
    let page = call(w, with_cookie(&format!("/items/{}", promise.id), &cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<textarea name=\"body\""));
    // A form without the session's token does nothing.
    let a = call(
        w,
        form(
            &format!("/items/{}/draft", promise.id),
            &cookie,
            &[("csrf", "forged"), ("action", "approve")],
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.item("acme-promise@acme.example")
            .await
            .draft_state
            .as_deref(),
        Some("awaiting_approval")
    );
    // Approving an edited text saves the edit first, then approves it.
    let edited =
        "Dear Jo,\n\nThank you: we note payment of INV-2 on 27 November 2026.\n\nKind regards";
    let a = call(
        w,
        form(
            &format!("/items/{}/draft", promise.id),
            &cookie,
            &[("csrf", &csrf), ("action", "approve"), ("body", edited)],
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let after = w.item("acme-promise@acme.example").await;
    assert_eq!(after.draft_state.as_deref(), Some("approved"));
    assert_eq!(after.draft.unwrap()["body"], edited);
    let actions: Vec<serde_json::Value> = w
        .store
        .item_audit(promise.id)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.kind == "human_action")
        .map(|r| serde_json::from_str::<serde_json::Value>(&r.content).unwrap()["data"].clone())
        .collect();
    assert_eq!(actions.len(), 2, "{actions:?}");
    assert_eq!(actions[0]["action"], "edit");
    assert_eq!(actions[0]["after"], edited);
    assert_eq!(actions[1]["action"], "approve");
    assert!(actions.iter().all(|a| a["by"] == "collector"));
    // Relabel: a correction with who, when, before and after.
    let a = call(
        w,
        form(
            &format!("/items/{}/relabel", unsure.id),
            &cookie,
            &[
                ("csrf", &csrf),
                ("label", "approval_pending"),
                ("label", "po_mismatch"),
            ],
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let corrections = w.store.corrections(None).await.unwrap();
    assert_eq!(corrections.len(), 1);
    let c = &corrections[0];
    assert_eq!(c.by, "collector");
    assert_eq!(c.item, unsure.id);
    assert_eq!(
        c.new_labels,
        vec![
            ar_triage::domain::Label::ApprovalPending,
            ar_triage::domain::Label::PoMismatch
        ]
    );
    assert!(c.body.contains("Thanks, noted."));
    let exported = c.as_labelled();
    assert_eq!(exported.labels, c.new_labels);
    assert_eq!(
        w.item("acme-unsure@acme.example").await.labels,
        c.new_labels,
        "the item keeps the person's labels"
    );
    // Assign to a user, then resolve.
    let a = call(
        w,
        form(
            &format!("/items/{}/assign", unsure.id),
            &cookie,
            &[("csrf", &csrf), ("assignee", "admin")],
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let a = call(
        w,
        form(
            &format!("/items/{}/assign", unsure.id),
            &cookie,
            &[("csrf", &csrf), ("assignee", "nobody-here")],
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        w.item("acme-unsure@acme.example").await.assignee.as_deref(),
        Some("admin")
    );
    let a = call(
        w,
        form(
            &format!("/items/{}/resolve", unsure.id),
            &cookie,
            &[("csrf", &csrf)],
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert!(
        w.item("acme-unsure@acme.example")
            .await
            .resolved_at
            .is_some()
    );
    let kinds: Vec<String> = w
        .store
        .item_audit(unsure.id)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.kind == "human_action")
        .map(|r| {
            let v: serde_json::Value = serde_json::from_str(&r.content).unwrap();
            format!(
                "{} by {}",
                v["data"]["action"].as_str().unwrap(),
                v["data"]["by"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "relabel by collector",
            "assign by collector",
            "close by collector"
        ]
    );
    // The API refuses cookie-authenticated writes without the CSRF header.
    let req = Request::post(format!("/api/v1/items/{}/resolve", promise.id))
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(w, req).await.status, StatusCode::FORBIDDEN);
    assert!(w.store.verify_audit().await.unwrap().problem.is_none());
}

#[tokio::test]
async fn the_api_lists_with_filters_and_cursor_pages_and_answers_bad_input_clearly() {
    the_api_lists_with_filters_and_cursor_pages_and_answers_bad_input_clearly_on(
        &world(standard_messages()).await,
    )
    .await;
}

async fn the_api_lists_with_filters_and_cursor_pages_and_answers_bad_input_clearly_on(w: &Web) {
    let t = w.token("collector").await;
    let mut seen = Vec::new();
    let mut cursor: Option<i64> = None;
    loop {
        let path = match cursor {
            Some(c) => format!("/api/v1/items?limit=1&cursor={c}"),
            None => "/api/v1/items?limit=1".to_string(),
        };
        let page = call(w, bearer(Method::GET, &path, &t, None)).await.json();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 1);
        seen.extend(items.iter().map(|i| i["id"].as_i64().unwrap()));
        match page["next_cursor"].as_i64() {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert!(seen.windows(2).all(|p| p[0] < p[1]));
    let disputes = call(
        w,
        bearer(Method::GET, "/api/v1/items?label=scope_dispute", &t, None),
    )
    .await
    .json();
    assert_eq!(disputes["items"].as_array().unwrap().len(), 2);
    let bolt = call(
        w,
        bearer(Method::GET, "/api/v1/items?client=BOLT", &t, None),
    )
    .await
    .json();
    assert_eq!(bolt["items"].as_array().unwrap().len(), 1);
    let unsure = call(
        w,
        bearer(Method::GET, "/api/v1/items?max_score=0.5", &t, None),
    )
    .await
    .json();
    assert_eq!(unsure["items"].as_array().unwrap().len(), 1);
    for bad in [
        "/api/v1/items?label=urgent",
        "/api/v1/items?limit=0",
        "/api/v1/items?max_score=2",
    ] {
        let a = call(w, bearer(Method::GET, bad, &t, None)).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(a.json()["error"].as_str().unwrap().len() > 5);
    }
    let promise = w.item("acme-promise@acme.example").await;
    let a = draft_call(w, &t, promise.id, "launch").await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let a = draft_call(w, &t, promise.id, "reject").await;
    assert_eq!(a.status, StatusCode::OK);
    // Acting twice on one draft is a clear 4xx, not a 500.
    let a = draft_call(w, &t, promise.id, "approve").await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        a.json()["error"]
            .as_str()
            .unwrap()
            .contains("not awaiting approval")
    );
    let a = call(w, bearer(Method::GET, "/api/v1/items", "not-a-token", None)).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn hostile_mail_is_shown_as_escaped_text_under_a_strict_policy() {
    let hostile = "<script>alert(1)</script> <img src=x onerror=alert(2)> {{ 7*7 }} out of scope";
    let html_mail = "Message-ID: <html@acme.example>\nFrom: \"<svg onload=alert(3)>\" <ap@acme.example>\n\
        To: ar@ourfirm.example\nSubject: =?utf-8?b?PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==?=\n\
        Date: Mon, 16 Nov 2026 09:00:00 +0000\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n\
        <p>We will pay <b>INV-2</b> soon.</p><script>alert(5)</script><a href=\"javascript:alert(6)\">x</a>\n";
    let mut messages = standard_messages();
    messages.push((
        "hostile".into(),
        eml(
            "hostile@acme.example",
            "ap@acme.example",
            "<i>Re</i> INV-1",
            hostile,
        ),
    ));
    messages.push(("html".into(), html_mail.as_bytes().to_vec()));
    let w = world(messages).await;
    let (cookie, _) = sign_in(&w, "admin").await;
    let mut pages = vec!["/queue".to_string(), "/partner".to_string()];
    for mid in ["hostile@acme.example", "html@acme.example"] {
        pages.push(format!("/items/{}", w.item(mid).await.id));
    }
    for p in &pages {
        let a = call(&w, with_cookie(p, &cookie)).await;
        assert_eq!(a.status, StatusCode::OK, "{p}");
        let csp = a.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert_eq!(a.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        for raw in [
            "<script>alert",
            "<img src=x",
            "<svg onload",
            "href=\"javascript:",
            "<i>Re</i>",
            ">49<",
        ] {
            assert!(!a.body.contains(raw), "{p} carries {raw:?} unescaped");
        }
        assert!(
            !a.body.contains(" 49 "),
            "{p}: a template string in mail was evaluated"
        );
    }
    let item = call(
        &w,
        with_cookie(
            &format!("/items/{}", w.item("hostile@acme.example").await.id),
            &cookie,
        ),
    )
    .await;
    assert!(
        item.body
            .contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
            || item.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the client's words are shown, escaped"
    );
    assert!(item.body.contains("{{ 7*7 }}"));
    let html = call(
        &w,
        with_cookie(
            &format!("/items/{}", w.item("html@acme.example").await.id),
            &cookie,
        ),
    )
    .await;
    assert!(html.body.contains("shown as the text it was converted to"));
}

#[tokio::test]
async fn health_readiness_metrics_and_every_api_route_in_the_openapi_document() {
    let w = world(standard_messages()).await;
    assert_eq!(call(&w, get("/healthz")).await.status, StatusCode::OK);
    let r = call(&w, get("/readyz")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("database: ok"));
    let m = call(&w, get("/metrics")).await;
    assert!(
        m.body
            .contains("ar_triage_items{queue=\"partner\",status=\"new\"} 2"),
        "{}",
        m.body
    );
    assert!(m.body.contains("ar_triage_http_requests_total"));
    let doc = call(&w, get("/api/v1/openapi.json")).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let routes = ar_triage::http::api::routes();
    assert!(routes.len() >= 14);
    for r in &routes {
        assert!(
            doc["paths"][r.path][r.method].is_object(),
            "{} {} is missing from the document",
            r.method,
            r.path
        );
        // The router really serves it: without credentials it answers
        // 401, never 404 or 405.
        if r.path == "/openapi.json" {
            continue;
        }
        let path = format!("/api/v1{}", r.path.replace("{id}", "1"));
        let method = if r.method == "get" {
            Method::GET
        } else {
            Method::POST
        };
        let a = call(
            &w,
            Request::builder()
                .method(method)
                .uri(&path)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{} {path}", r.method);
    }
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    assert_eq!(documented, routes.len());
}

#[tokio::test]
async fn admins_add_users_and_others_cannot() {
    let w = world(standard_messages()).await;
    let (cookie, csrf) = sign_in(&w, "admin").await;
    let a = call(
        &w,
        form(
            "/admin/users",
            &cookie,
            &[
                ("csrf", &csrf),
                ("name", "ruth"),
                ("role", "partner"),
                ("partner_email", "ruth@ourfirm.example"),
                ("password", "long enough pw"),
            ],
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.contains("Added ruth (partner)"));
    let a = call(
        &w,
        form(
            "/admin/users",
            &cookie,
            &[
                ("csrf", &csrf),
                ("name", "ruth"),
                ("role", "collector"),
                ("password", "long enough pw"),
            ],
        ),
    )
    .await;
    assert!(a.body.contains("exists"));
    let a = call(
        &w,
        form(
            "/admin/users",
            &cookie,
            &[
                ("csrf", &csrf),
                ("name", "x"),
                ("role", "partner"),
                ("password", "long enough pw"),
            ],
        ),
    )
    .await;
    assert!(
        a.body.contains("partner needs"),
        "a partner without an address owns nothing"
    );
    let t = w.token("collector").await;
    let a = call(
        &w,
        bearer(
            Method::POST,
            "/api/v1/users",
            &t,
            Some(serde_json::json!({"name": "eve", "role": "admin", "password": "0123456789"})),
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(
        w.store
            .users()
            .await
            .unwrap()
            .iter()
            .all(|u| u.name != "eve")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scoping_actions_and_paging_work_the_same_on_postgres() {
    let Some(pg) = PgSchema::create().await else {
        return;
    };
    let w = world_on(
        pg.store.clone(),
        tempfile::tempdir().unwrap(),
        standard_messages(),
    )
    .await;
    a_partner_sees_only_their_own_clients_in_the_pages_and_the_api_on(&w).await;
    the_api_lists_with_filters_and_cursor_pages_and_answers_bad_input_clearly_on(&w).await;
    drop(w);
    pg.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_relabels_and_assignment_work_the_same_on_postgres() {
    let Some(pg) = PgSchema::create().await else {
        return;
    };
    let w = world_on(
        pg.store.clone(),
        tempfile::tempdir().unwrap(),
        standard_messages(),
    )
    .await;
    a_collector_works_drafts_and_items_and_every_action_is_audited_with_the_user_on(&w).await;
    drop(w);
    pg.drop().await;
}

/// A model that holds every call until its gate opens, answering
/// `approval_pending` for everything.
struct Gated {
    gate: std::sync::Arc<(std::sync::Mutex<bool>, std::sync::Condvar)>,
    entered: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Model for Gated {
    fn predict(&self, replies: &[PreparedReply]) -> Result<Vec<Prediction>, ClassifyError> {
        self.entered
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let (open, cv) = &*self.gate;
        let mut o = open.lock().unwrap();
        while !*o {
            o = cv.wait(o).unwrap();
        }
        let mut out = FixedScores {
            scores: [0.9, 0.05, 0.05, 0.05],
        }
        .predict(replies)?;
        for p in &mut out {
            p.model = self.name();
        }
        Ok(out)
    }
    fn name(&self) -> String {
        "gated 2".into()
    }
}

async fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    for _ in 0..500 {
        if ok() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("timed out waiting until {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reclassifying_uses_the_current_model_and_a_full_model_queue_answers_429() {
    let w = world(standard_messages()).await;
    let gate = std::sync::Arc::new((std::sync::Mutex::new(false), std::sync::Condvar::new()));
    let entered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let handle = ClassifierHandle::spawn_with(
        Gated {
            gate: gate.clone(),
            entered: entered.clone(),
        },
        WorkerOptions { queue: 1 },
    );
    let pipeline = Pipeline::new(w.store.clone(), Classifier::Ready(handle.clone()));
    let w = w.with_pipeline(pipeline);
    let unsure = w.item("acme-unsure@acme.example").await;
    assert!(unsure.labels.is_empty());
    let token = w.token("collector").await;
    let path = format!("/api/v1/items/{}/reclassify", unsure.id);
    let send = |w: &Web| {
        let app = ar_triage::http::app(w.state.clone());
        let req = bearer(Method::POST, &path, &token, None);
        tokio::spawn(async move { app.oneshot(req).await.unwrap().status() })
    };
    // One request on the model, one waiting in its queue of one...
    let first = send(&w);
    wait_until("the model holds the first request", || {
        entered.load(std::sync::atomic::Ordering::SeqCst) == 1
    })
    .await;
    let second = send(&w);
    wait_until("the second request waits", || handle.health().queued == 1).await;
    // ...and the next is turned away at once, with a clear message.
    let busy = call(&w, bearer(Method::POST, &path, &token, None)).await;
    assert_eq!(busy.status, StatusCode::TOO_MANY_REQUESTS, "{}", busy.body);
    assert!(busy.json()["error"].as_str().unwrap().contains("busy"));
    {
        let (open, cv) = &*gate;
        *open.lock().unwrap() = true;
        cv.notify_all();
    }
    assert_eq!(first.await.unwrap(), StatusCode::OK);
    assert_eq!(second.await.unwrap(), StatusCode::OK);

    // The item now carries the current model's reading, and the audit log
    // says who asked and what changed.
    let now = w.item("acme-unsure@acme.example").await;
    assert_eq!(now.labels, vec![ar_triage::domain::Label::ApprovalPending]);
    let detail = call(
        &w,
        bearer(
            Method::GET,
            &format!("/api/v1/items/{}", unsure.id),
            &token,
            None,
        ),
    )
    .await
    .json();
    let audit = detail["audit"].to_string();
    assert!(
        audit.contains("reclassify") && audit.contains("collector"),
        "{audit}"
    );
    assert!(audit.contains("gated 2"), "{audit}");

    // Metrics show the model calls.
    let m = call(&w, get("/metrics")).await.body;
    assert!(m.contains("ar_triage_classify_seconds_count 2"), "{m}");
    assert!(m.contains("ar_triage_model_busy_total 1"), "{m}");
}

#[tokio::test]
async fn reclassifying_never_applies_a_decisions_effects_twice_nor_reroutes_worked_items() {
    let w = world(standard_messages()).await;
    let pipeline = common::web::keyed_pipeline(&w.store);
    let w = w.with_pipeline(pipeline);
    let promise = w.item("acme-promise@acme.example").await;
    assert_eq!(promise.draft_state.as_deref(), Some("awaiting_approval"));
    let promises_before = w.store.open_promises("INV-2").await.unwrap().len();
    assert_eq!(promises_before, 1);
    let token = w.token("collector").await;
    assert_eq!(
        draft_call(&w, &token, promise.id, "approve").await.status,
        StatusCode::OK
    );

    let r = call(
        &w,
        bearer(
            Method::POST,
            &format!("/api/v1/items/{}/reclassify", promise.id),
            &token,
            None,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    assert_eq!(j["rerouted"], false, "{j}");
    assert_eq!(j["rule"], promise.rule.clone().unwrap().as_str());
    let after = w.item("acme-promise@acme.example").await;
    assert_eq!(after.draft_state.as_deref(), Some("approved"));
    assert_eq!(after.draft, promise.draft);
    assert_eq!(w.store.open_promises("INV-2").await.unwrap().len(), 1);

    // The page's button does the same for an item nobody has worked: it is
    // routed again, and its ledger effects stay as they were.
    let dispute = w.item("acme-dispute@acme.example").await;
    let invoices_before = w.store.load_ledger().await.unwrap().invoices;
    let (cookie, csrf) = sign_in(&w, "collector").await;
    let r = call(
        &w,
        form(
            &format!("/items/{}/reclassify", dispute.id),
            &cookie,
            &[("csrf", &csrf)],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        w.store.load_ledger().await.unwrap().invoices,
        invoices_before
    );
    let page = call(&w, with_cookie(&format!("/items/{}", dispute.id), &cookie)).await;
    assert!(page.body.contains("reclassify"), "{}", page.body);

    // Without CSRF, by an analyst (who sees no items) or on another
    // partner's item, nothing happens.
    let r = call(
        &w,
        form(
            &format!("/items/{}/reclassify", dispute.id),
            &cookie,
            &[("csrf", "x")],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let analyst = w.token("analyst").await;
    let path = format!("/api/v1/items/{}/reclassify", dispute.id);
    let r = call(&w, bearer(Method::POST, &path, &analyst, None)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let lee = w.token("lee").await;
    let r = call(&w, bearer(Method::POST, &path, &lee, None)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_a_model_reclassifying_answers_503() {
    let w = world(standard_messages()).await;
    let item = w.item("acme-unsure@acme.example").await;
    let token = w.token("collector").await;
    let r = call(
        &w,
        bearer(
            Method::POST,
            &format!("/api/v1/items/{}/reclassify", item.id),
            &token,
            None,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("without a model")
    );
}

#[tokio::test]
async fn metrics_report_model_latency_ingest_lag_and_errors_of_the_pipeline() {
    let w = world(Vec::new()).await;
    let pipeline = common::web::keyed_pipeline(&w.store);
    let mut broken = eml("broken@acme.example", "ap@acme.example", "Re: INV-1", "x");
    broken.truncate(40);
    let mut messages = standard_messages();
    messages.push(("broken".into(), broken));
    common::web::ingest_with(&pipeline, &w.dir.path().join("inbox2"), messages).await;
    let w = w.with_pipeline(pipeline);
    let m = call(&w, get("/metrics")).await.body;
    assert!(m.contains("ar_triage_items_stored_total 5"), "{m}");
    assert!(
        m.contains("# TYPE ar_triage_classify_seconds histogram"),
        "{m}"
    );
    assert!(
        m.contains("ar_triage_classify_seconds_bucket{le=\"+Inf\"} 1\n"),
        "{m}"
    );
    // Lag is measured from the Maildir file's time: every stored message
    // counts.
    assert!(m.contains("ar_triage_ingest_lag_seconds_count 5"), "{m}");
    assert!(m.contains("ar_triage_parse_problems_total 1"), "{m}");
    assert!(m.contains("ar_triage_fetch_errors_total 0"), "{m}");
    let last = m
        .lines()
        .find_map(|l| l.strip_prefix("ar_triage_last_stored_timestamp_seconds "))
        .unwrap();
    assert!(last.parse::<u64>().unwrap() > 1_700_000_000, "{m}");
}

#[tokio::test]
async fn the_analyst_view_charts_kpis_by_week_and_the_outbox_lists_approved_drafts() {
    let w = world(standard_messages()).await;
    let (cookie, _) = sign_in(&w, "analyst").await;
    let page = call(&w, with_cookie("/analyst", &cookie)).await;
    assert!(
        page.body.contains("src=\"/analyst/kpis/rates.svg\""),
        "{}",
        page.body
    );
    for chart in ["rates.svg", "volume.svg"] {
        let r = call(&w, with_cookie(&format!("/analyst/kpis/{chart}"), &cookie)).await;
        assert_eq!(r.status, StatusCode::OK, "{chart}");
        assert_eq!(r.headers[header::CONTENT_TYPE], "image/svg+xml");
        assert!(r.body.starts_with("<svg"), "{chart}");
        // The fixture's replies are of the week of Monday 16 November.
        assert!(r.body.contains("16 Nov"), "{chart}: {}", r.body);
        assert!(!r.body.contains("<script"));
    }
    let r = call(&w, with_cookie("/analyst/kpis/other.svg", &cookie)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let (dana, _) = sign_in(&w, "dana").await;
    let r = call(&w, with_cookie("/analyst/kpis/rates.svg", &dana)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The outbox: nothing until a draft is approved.
    let (collector, _) = sign_in(&w, "collector").await;
    let page = call(&w, with_cookie("/outbox", &collector)).await;
    assert!(
        page.body.contains("No approved draft is waiting."),
        "{}",
        page.body
    );
    let promise = w.item("acme-promise@acme.example").await;
    let token = w.token("collector").await;
    assert_eq!(
        draft_call(&w, &token, promise.id, "approve").await.status,
        StatusCode::OK
    );
    let page = call(&w, with_cookie("/outbox", &collector)).await;
    assert!(
        page.body
            .contains(&format!("href=\"/items/{}\"", promise.id)),
        "{}",
        page.body
    );
    assert!(page.body.contains("approved, not sent yet"));
    let r = call(&w, with_cookie("/outbox", &dana)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// Checks `body` against the OpenAPI document's 200 schema of `method path`.
fn conforms(doc: &serde_json::Value, method: &str, path: &str, body: &serde_json::Value) {
    let schema =
        &doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"];
    let mut root = serde_json::json!({"components": doc["components"].clone()});
    match schema {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                root[k] = v.clone();
            }
        }
        other => panic!("{method} {path} documents no answer: {other}"),
    }
    let v = jsonschema::validator_for(&root)
        .unwrap_or_else(|e| panic!("{method} {path}: the schema does not compile: {e}"));
    let errors: Vec<String> = v
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{method} {path}: {errors:?}\n{body}");
}

#[tokio::test]
async fn every_answer_matches_the_schema_the_openapi_document_gives_for_it() {
    let mut messages = standard_messages();
    messages.push(stranger_sow());
    let w = world(messages).await;
    let pipeline = common::web::keyed_pipeline(&w.store);
    let w = w.with_pipeline(pipeline);
    let doc = call(&w, get("/api/v1/openapi.json")).await.json();
    let collector = w.token("collector").await;
    let admin = w.token("admin").await;
    let dana = w.token("dana").await;
    let promise = w.item("acme-promise@acme.example").await.id;
    let dispute = w.item("acme-dispute@acme.example").await.id;
    let unsure = w.item("acme-unsure@acme.example").await.id;
    let held_sow = w.item("stranger-sow@elsewhere.example").await.id;
    let id = |p: &str, i: i64| p.replace("{id}", &i.to_string()).replace("{position}", "0");
    let calls: Vec<(&str, &str, i64, &str, Option<serde_json::Value>)> = vec![
        ("get", "/items", 0, &collector, None),
        ("get", "/items/{id}", promise, &collector, None),
        (
            "post",
            "/items/{id}/draft",
            promise,
            &collector,
            Some(serde_json::json!({"action": "edit", "body": "Thank you."})),
        ),
        (
            "post",
            "/items/{id}/relabel",
            unsure,
            &collector,
            Some(serde_json::json!({"labels": ["approval_pending"]})),
        ),
        (
            "post",
            "/items/{id}/assign",
            unsure,
            &collector,
            Some(serde_json::json!({"assignee": "collector"})),
        ),
        ("post", "/items/{id}/reclassify", unsure, &collector, None),
        (
            "post",
            "/items/{id}/documents/{position}",
            held_sow,
            &collector,
            Some(serde_json::json!({"accept": true})),
        ),
        ("post", "/items/{id}/resolve", unsure, &collector, None),
        (
            "post",
            "/items/{id}/outcome",
            dispute,
            &dana,
            Some(serde_json::json!({"outcome": "credit", "note": "agreed"})),
        ),
        ("get", "/kpis", 0, &admin, None),
        ("get", "/corrections", 0, &admin, None),
        ("get", "/users", 0, &admin, None),
        ("get", "/me", 0, &dana, None),
        (
            "post",
            "/users",
            0,
            &admin,
            Some(
                serde_json::json!({"name": "newbie", "role": "collector", "password": "long enough pw"}),
            ),
        ),
        (
            "post",
            "/tokens",
            0,
            &admin,
            Some(serde_json::json!({"label": "ci"})),
        ),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (method, path, item, token, body) in calls {
        let m = if method == "get" {
            Method::GET
        } else {
            Method::POST
        };
        let r = call(
            &w,
            bearer(m, &format!("/api/v1{}", id(path, item)), token, body),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{method} {path}: {}", r.body);
        conforms(&doc, method, path, &r.json());
        seen.insert((method, path));
    }
    // Every route with a typed answer was called.
    for r in ar_triage::http::api::routes() {
        let typed = doc["paths"][r.path][r.method]["responses"]["200"]["content"]["application/json"]
            ["schema"]
            .is_object();
        assert_eq!(
            typed,
            seen.contains(&(r.method, r.path)),
            "{} {}: typed answer {typed}, called {}",
            r.method,
            r.path,
            seen.contains(&(r.method, r.path))
        );
    }
    // The request bodies and query parameters are documented too.
    let draft = &doc["paths"]["/items/{id}/draft"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"]["$ref"];
    assert_eq!(draft, "#/components/schemas/DraftRequest");
    let names: Vec<&str> = doc["paths"]["/items"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for q in [
        "queue",
        "label",
        "client",
        "status",
        "max_score",
        "open",
        "draft_state",
        "cursor",
        "limit",
    ] {
        assert!(names.contains(&q), "{q} missing from {names:?}");
    }
    assert!(!names.contains(&"after"), "{names:?}");
    let reclassify = &doc["paths"]["/items/{id}/reclassify"]["post"]["responses"];
    assert!(reclassify["429"].is_object() && reclassify["503"].is_object());
}

/// A reply with a SOW attached, about ACME's INV-1, from a sender not on
/// record for ACME.
fn stranger_sow() -> (String, Vec<u8>) {
    let sow = "Message-ID: <stranger-sow@elsewhere.example>\nFrom: Max <max@elsewhere.example>\nTo: ar@ourfirm.example\n\
         Subject: Re: INV-1\nDate: Mon, 16 Nov 2026 09:00:00 +0000\nMIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain\n\n\
         Our statement of work is attached.\n--b1\n\
         Content-Type: text/plain; name=\"sow-new.txt\"\nContent-Disposition: attachment; filename=\"sow-new.txt\"\n\n\
         Statement of Work\nClient: Acme Corp\nHours cap: 500 hours\nIn scope: <script>alert(1)</script> everything\n--b1--\n";
    ("stranger-sow".into(), sow.as_bytes().to_vec())
}

/// POSTs `json` to `path` with `token`.
async fn post_json(w: &Web, path: &str, token: &str, json: serde_json::Value) -> Answer {
    call(w, bearer(Method::POST, path, token, Some(json))).await
}

/// A SOW from a sender not on record is shown as held, prominently, with
/// buttons for those who may decide; an analyst and the other client's
/// partner may not, a collector accepts it through the page, and the API
/// rejects it again.
#[tokio::test]
async fn a_held_sow_is_accepted_or_rejected_by_those_who_may() {
    let w = world(vec![stranger_sow()]).await;
    let item = w.item("stranger-sow@elsewhere.example").await;
    assert_eq!(
        item.attachments[0].document,
        Some(ar_triage::domain::DocumentState::Held)
    );
    let path = format!("/api/v1/items/{}/documents/0", item.id);
    for who in ["analyst", "lee"] {
        let t = w.token(who).await;
        let a = post_json(&w, &path, &t, serde_json::json!({"accept": true})).await;
        assert!(
            a.status == StatusCode::FORBIDDEN || a.status == StatusCode::NOT_FOUND,
            "{who}: {}",
            a.status
        );
    }
    assert!(w.store.client_documents("ACME").await.unwrap().is_empty());

    let (cookie, _) = sign_in(&w, "collector").await;
    let page = call(&w, with_cookie(&format!("/items/{}", item.id), &cookie)).await;
    assert!(
        page.body.contains("Not used as the client&#x27;s document")
            || page.body.contains("Not used as the client's document"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Accept as the client"));
    assert!(
        !page.body.contains("<script>alert(1)"),
        "the document's text is escaped"
    );
    let done = call(
        &w,
        form(
            &format!("/items/{}/documents/0", item.id),
            &cookie,
            &[
                ("csrf", &hidden(&page.body, "csrf")),
                ("decision", "accept"),
            ],
        ),
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(w.store.client_documents("ACME").await.unwrap().len(), 1);

    let t = w.token("dana").await;
    let a = post_json(&w, &path, &t, serde_json::json!({"accept": false})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(v["state"], "rejected");
    assert!(w.store.client_documents("ACME").await.unwrap().is_empty());
    let missing = format!("/api/v1/items/{}/documents/3", item.id);
    let a = post_json(&w, &missing, &t, serde_json::json!({"accept": true})).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "no such attachment");
}
