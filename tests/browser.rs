//! The web UI in a real browser: Debian's headless Chromium driven over
//! WebDriver by chromedriver (`scripts/chromium start`), against the service
//! on a loopback port.
//!
//! - a collector signs in, opens a drafted reply, sees its evidence
//!   highlighted, edits and approves the draft, and finds it in the outbox;
//! - a partner sees their own client's dispute and reaches neither the
//!   other partner's dispute page nor its API item;
//! - mail whose subject, sender name and body hold `<script>`, event
//!   handlers, SVG and `javascript:` links (plain text and HTML) is shown as
//!   text on every page, and nothing in it runs.
//!
//! Screenshots of the main pages go to `target/screenshots/`; with
//! `AR_TRIAGE_UPDATE_SCREENSHOTS=1` they are also copied to
//! `tests/screenshots/`, the ones the README shows.
//!
//! Without chromedriver the tests print a notice and pass, except under
//! `CI=true`, where they fail.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::web::{PASSWORD, Web, eml, standard_messages, world};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::sync::watch;

/// Where chromedriver listens (`scripts/chromium`).
fn webdriver_url() -> String {
    std::env::var("AR_TRIAGE_WEBDRIVER").unwrap_or_else(|_| "http://127.0.0.1:9515".into())
}

/// Whether chromedriver answers; panics in CI when it does not.
fn webdriver_running() -> bool {
    let url = webdriver_url();
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let up = std::net::TcpStream::connect_timeout(
        &addr
            .parse()
            .unwrap_or_else(|e| panic!("AR_TRIAGE_WEBDRIVER {url:?}: {e}")),
        Duration::from_secs(2),
    )
    .is_ok();
    if up {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!(
            "no chromedriver at {url} and CI=true: `scripts/chromium start` must run before the tests"
        );
    }
    eprintln!(
        "NOTICE: skipping browser test: no chromedriver at {url} (run `scripts/chromium start`)"
    );
    false
}

macro_rules! require_webdriver {
    () => {
        if !webdriver_running() {
            return;
        }
    };
}

/// The service on a loopback port over a fixture world.
struct Site {
    web: Web,
    base: String,
    _stop: watch::Sender<bool>,
}

async fn site(messages: Vec<(String, Vec<u8>)>) -> Site {
    let web = world(messages).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop_tx, stop) = watch::channel(false);
    tokio::spawn(ar_triage::http::serve(web.state.clone(), listener, stop));
    Site {
        web,
        base,
        _stop: stop_tx,
    }
}

/// A fresh headless Chromium (its own profile, so its own cookies).
async fn browser() -> Client {
    let mut caps = serde_json::Map::new();
    let mut args = vec![
        "--headless=new",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1360,1000",
    ];
    // Chromium's sandbox does not start as root (CI runs as root).
    if is_root() {
        args.push("--no-sandbox");
    }
    caps.insert("goog:chromeOptions".into(), json!({ "args": args }));
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&webdriver_url())
        .await
        .unwrap_or_else(|e| panic!("starting Chromium through {}: {e}", webdriver_url()))
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

impl Site {
    /// Signs `name` in through the form; returns the page it landed on.
    async fn sign_in(&self, c: &Client, name: &str) -> String {
        c.goto(&format!("{}/login", self.base)).await.unwrap();
        for (field, value) in [("name", name), ("password", PASSWORD)] {
            c.find(Locator::Css(&format!("input[name={field}]")))
                .await
                .unwrap()
                .send_keys(value)
                .await
                .unwrap();
        }
        click_then(
            c,
            Locator::Css("form.login button[type=submit]"),
            "header .who",
        )
        .await;
        path_of(c).await
    }

    async fn open(&self, c: &Client, path: &str) {
        c.goto(&format!("{}{path}", self.base)).await.unwrap();
    }
}

async fn path_of(c: &Client) -> String {
    let u = c.current_url().await.unwrap();
    u.path().to_string()
}

async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// Saves a screenshot of the page as `name`.png.
async fn screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), &png).unwrap();
    if std::env::var("AR_TRIAGE_UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1") {
        let keep = root.join("tests/screenshots");
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::write(keep.join(format!("{name}.png")), &png).unwrap();
    }
}

/// Clicks what `target` finds and waits for the page to show `then` (CSS).
async fn click_then(c: &Client, target: Locator<'_>, then: &str) {
    c.find(target)
        .await
        .unwrap_or_else(|e| panic!("nothing to click: {e}"))
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css(then))
        .await
        .unwrap_or_else(|e| panic!("no {then} after the click: {e}"));
}

/// Runs `script` in the page and returns its value.
async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collector_edits_and_approves_a_draft_and_finds_it_in_the_outbox() {
    require_webdriver!();
    let s = site(standard_messages()).await;
    let item = s.web.item("acme-promise@acme.example").await;
    assert_eq!(item.draft_state.as_deref(), Some("awaiting_approval"));
    let c = browser().await;

    c.goto(&format!("{}/login", s.base)).await.unwrap();
    screenshot(&c, "login").await;
    assert_eq!(s.sign_in(&c, "collector").await, "/queue");
    screenshot(&c, "queue").await;

    // The queue lists the reply; j moves to the first row, Enter opens it.
    let row = c
        .find(Locator::XPath(&format!(
            "//table[@data-nav]//tr[@data-href='/items/{}']",
            item.id
        )))
        .await
        .unwrap();
    assert!(row.text().await.unwrap().contains("INV-2"));
    click_then(
        &c,
        Locator::Css(&format!("a[href='/items/{}']", item.id)),
        "section.mail pre.body",
    )
    .await;
    assert_eq!(path_of(&c).await, format!("/items/{}", item.id));

    // The model's evidence is marked in place, in the client's own text,
    // with a highlight the browser actually paints.
    let ev = c
        .find(Locator::Css("pre.body span.ev.ev-payment_scheduled"))
        .await
        .unwrap();
    assert_eq!(ev.text().await.unwrap(), "will pay");
    let look = js(
        &c,
        "const e = document.querySelector('pre.body span.ev');
         const own = document.querySelector('pre.body span.own:not(.ev)');
         return [getComputedStyle(e).backgroundColor,
                 own ? getComputedStyle(own).backgroundColor : null,
                 e.classList.contains('own')];",
    )
    .await;
    assert_ne!(
        look[0],
        json!("rgba(0, 0, 0, 0)"),
        "evidence is not highlighted: {look}"
    );
    assert_ne!(look[0], look[1], "evidence looks like the rest: {look}");
    assert_eq!(look[2], json!(true), "evidence is not in the client's text");
    screenshot(&c, "item").await;

    // Each fact the draft states is listed by name with its source.
    let facts = text_of(&c, "ul.facts-used").await;
    assert!(facts.contains("(ledger:invoice.amount)"), "{facts}");
    for line in facts.lines() {
        let name = line.split(':').next().unwrap_or("");
        assert!(!name.trim().is_empty(), "a fact without its name: {facts}");
    }

    // Edit the draft in its editor and approve it.
    let editor = c
        .find(Locator::Css("form[action$='/draft'] textarea[name=body]"))
        .await
        .unwrap();
    let before = editor.prop("value").await.unwrap().unwrap_or_default();
    assert!(before.contains("INV-2"), "{before}");
    editor.clear().await.unwrap();
    let edited = "Thank you: we have noted that INV-2 will be paid on 27 November 2026.\n\nKind regards,\nAccounts receivable";
    editor.send_keys(edited).await.unwrap();
    click_then(
        &c,
        Locator::Css("button[name=action][value=approve]"),
        "pre.draft-body",
    )
    .await;
    assert!(text_of(&c, ".card.draft h3").await.contains("approved"));
    assert!(
        text_of(&c, "pre.draft-body")
            .await
            .contains("will be paid on 27 November 2026")
    );
    let audit = text_of(&c, "ol.audit").await;
    assert!(
        audit.contains("edit") && audit.contains("by collector"),
        "{audit}"
    );
    assert!(audit.contains("approve"), "{audit}");

    // The store has the edited text, approved by this user.
    let stored = s.web.item("acme-promise@acme.example").await;
    assert_eq!(stored.draft_state.as_deref(), Some("approved"));
    let body = stored.draft.as_ref().unwrap()["body"].as_str().unwrap();
    assert_eq!(body.trim_end(), edited);

    // The outbox shows it waiting for `send`.
    click_then(&c, Locator::LinkText("Outbox"), "table.outbox").await;
    let waiting = text_of(&c, "section.card:first-of-type table.outbox tbody").await;
    assert!(waiting.contains("INV-2"), "{waiting}");
    assert!(waiting.contains("not sent yet"), "{waiting}");
    c.find(Locator::Css(&format!(
        "table.outbox a[href='/items/{}']",
        item.id
    )))
    .await
    .unwrap();
    screenshot(&c, "outbox").await;

    // The KPI charts draw in the page (SVG from this origin, allowed by
    // the policy).
    click_then(&c, Locator::LinkText("Model & KPIs"), ".charts img").await;
    let drawn = js(
        &c,
        "return Promise.all(Array.from(document.querySelectorAll('.charts img')).map(i =>
            i.decode().then(() => i.naturalWidth, () => 0)));",
    )
    .await;
    assert_eq!(drawn, json!([760, 760]), "the charts did not draw");
    screenshot(&c, "analyst").await;
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_reaches_only_their_own_clients_disputes() {
    require_webdriver!();
    let s = site(standard_messages()).await;
    let own = s.web.item("acme-dispute@acme.example").await;
    let other = s.web.item("bolt-dispute@bolt.example").await;
    assert_eq!(own.queue, "partner");
    assert_eq!(other.queue, "partner");
    let c = browser().await;

    assert_eq!(s.sign_in(&c, "dana").await, "/partner");
    let page = text_of(&c, "main").await;
    assert!(page.contains("INV-1"), "{page}");
    assert!(!page.contains("INV-7"), "dana sees BOLT's dispute: {page}");
    c.find(Locator::Css(&format!("a[href='/items/{}']", own.id)))
        .await
        .unwrap();
    c.find(Locator::Css("div.packet form[action$='/outcome']"))
        .await
        .unwrap();
    screenshot(&c, "partner").await;

    // The other partner's dispute is not found, in the UI and in the API
    // with the same session.
    s.open(&c, &format!("/items/{}", other.id)).await;
    let page = text_of(&c, "main").await;
    assert!(page.contains("404"), "{page}");
    assert!(
        !page.contains("INV-7") && !page.contains("fieldwork"),
        "{page}"
    );
    let statuses = js(
        &c,
        &format!(
            "return Promise.all([
                fetch('/api/v1/items/{}').then(r => r.status),
                fetch('/api/v1/items/{}').then(r => r.status)]);",
            other.id, own.id
        ),
    )
    .await;
    assert_eq!(statuses, json!([404, 200]));
    let listed = js(
        &c,
        "return fetch('/api/v1/items').then(r => r.json()).then(j => j.items.map(i => i.invoice));",
    )
    .await;
    assert!(!listed.to_string().contains("INV-7"), "{listed}");
    assert!(listed.to_string().contains("INV-1"), "{listed}");
    c.close().await.unwrap();
}

/// Markup that must stay text: every way a page could be made to run it.
const HOSTILE: &str = "<script>window.__pwned = 'script'; alert(1)</script>\n\
<img src=x onerror=\"window.__pwned = 'img'\">\n\
<svg onload=\"window.__pwned = 'svg'\"><script>window.__pwned = 'svg-script'</script></svg>\n\
<a href=\"javascript:window.__pwned = 'link'\">open the statement</a> \
<a href=\"data:text/html,<script>alert(2)</script>\">data link</a>\n\
<style>body { display: none }</style><iframe src=\"javascript:alert(3)\"></iframe>\n\
{{ 7 * 7 }} ${7 * 7} {% raw %}</textarea></pre><script>window.__pwned = 'break-out'</script>\n\
Also, the data migration was out of scope on INV-1.";

fn hostile_messages() -> Vec<(String, Vec<u8>)> {
    let plain = eml(
        "hostile-plain@acme.example",
        "ap@acme.example",
        "Re: INV-1 <script>window.__pwned='subject'</script><img src=x onerror=alert(4)>",
        HOSTILE,
    );
    let html_body = format!(
        "<html><head><script>window.__pwned='head'</script></head>\
         <body onload=\"window.__pwned='body'\"><p>We will pay INV-2 on 27 November 2026.</p>\
         <p>{}</p></body></html>",
        HOSTILE.replace('\n', "<br>")
    );
    let html = format!(
        "Message-ID: <hostile-html@acme.example>\nFrom: \"<img src=x onerror=alert(5)>\" <ap@acme.example>\n\
         To: ar@ourfirm.example\nSubject: Re: INV-2 \"><svg onload=alert(6)>\n\
         Date: Mon, 16 Nov 2026 10:00:00 +0000\nMIME-Version: 1.0\n\
         Content-Type: text/html; charset=utf-8\n\n{html_body}\n"
    )
    .into_bytes();
    let mut all = standard_messages();
    all.push(("hostile-plain".into(), plain));
    all.push(("hostile-html".into(), html));
    all
}

/// Asserts that nothing from mail ran or became live markup on the page.
async fn assert_inert(c: &Client, page: &str) {
    if let Ok(text) = c.get_alert_text().await {
        panic!("{page}: an alert opened: {text:?}");
    }
    let v = js(
        c,
        "return {
            pwned: window.__pwned === undefined ? null : String(window.__pwned),
            scripts: Array.from(document.scripts).map(s => s.getAttribute('src') || 'inline'),
            handlers: Array.from(document.querySelectorAll('*')).filter(e =>
                Array.from(e.attributes).some(a => a.name.startsWith('on'))).map(e => e.tagName),
            svg: document.querySelectorAll('svg, iframe:not(.report), img:not([src^=\"/\"]), style').length,
            links: Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))
                .filter(h => !h.startsWith('/') && !h.startsWith('#')),
            hidden: getComputedStyle(document.body).display,
        };",
    )
    .await;
    assert_eq!(v["pwned"], Value::Null, "{page}: mail script ran: {v}");
    assert_eq!(v["scripts"], json!(["/assets/app.js"]), "{page}: {v}");
    assert_eq!(v["handlers"], json!([]), "{page}: {v}");
    assert_eq!(v["svg"], json!(0), "{page}: {v}");
    assert_eq!(v["links"], json!([]), "{page}: {v}");
    assert_ne!(v["hidden"], json!("none"), "{page}: mail CSS applied: {v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_mail_is_shown_as_text_and_nothing_in_it_runs() {
    require_webdriver!();
    let s = site(hostile_messages()).await;
    let plain = s.web.item("hostile-plain@acme.example").await;
    let html = s.web.item("hostile-html@acme.example").await;
    let c = browser().await;
    s.sign_in(&c, "admin").await;

    for path in ["/queue", "/outbox", "/partner", "/analyst", "/admin/users"] {
        s.open(&c, path).await;
        assert_inert(&c, path).await;
    }
    // The subject's markup is in the queue as text.
    s.open(&c, "/queue").await;
    let queue = text_of(&c, "table.items").await;
    assert!(
        queue.contains("<script>window.__pwned='subject'</script>"),
        "{queue}"
    );

    let page = format!("/items/{}", plain.id);
    s.open(&c, &page).await;
    assert_inert(&c, &page).await;
    let body = text_of(&c, "pre.body").await;
    assert!(
        body.contains("<script>window.__pwned = 'script'; alert(1)</script>"),
        "{body}"
    );
    assert!(body.contains("javascript:window.__pwned"), "{body}");
    assert!(
        body.contains("{{ 7 * 7 }}"),
        "template text was evaluated: {body}"
    );
    assert!(
        text_of(&c, "h2")
            .await
            .contains("<img src=x onerror=alert(4)>")
    );
    screenshot(&c, "hostile").await;

    let page = format!("/items/{}", html.id);
    s.open(&c, &page).await;
    assert_inert(&c, &page).await;
    assert!(
        text_of(&c, "section.mail")
            .await
            .contains("shown as the text")
    );
    assert!(text_of(&c, "pre.body").await.contains("We will pay INV-2"));
    // Drafts quote nothing from the mail that could run either: the
    // editor holds text.
    if let Ok(editor) = c.find(Locator::Css("textarea[name=body]")).await {
        let v = editor.prop("value").await.unwrap().unwrap_or_default();
        assert!(!v.contains("<script"), "{v}");
    }

    // The API returns the same strings as JSON data, never as HTML.
    let ct = js(
        &c,
        &format!(
            "return fetch('/api/v1/items/{}').then(r => r.headers.get('content-type'));",
            plain.id
        ),
    )
    .await;
    assert!(
        ct.as_str().unwrap_or("").starts_with("application/json"),
        "{ct}"
    );
    c.close().await.unwrap();
}
