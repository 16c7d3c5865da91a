//! Organisers through the HTTP interface: passwordless sign-in, sessions, CSRF,
//! the second factor, roles, drafts to publication, the audit log, and the
//! attacks on each (session fixation, CSRF, another organiser's letter,
//! enumeration through sign-in answers).

use std::collections::HashMap;

use reqwest::header::{COOKIE, SET_COOKIE};
use time::Duration;
use undersign::clock::Clock;
use undersign::domain::EmailAddress;
use undersign::organisers::totp::TotpSecret;

use crate::helpers::{LETTER, Mail, TestApp, read_outbox};

/// A browser: keeps cookies the way one does (by name), follows nothing.
pub(crate) struct Browser<'a> {
    pub(crate) app: &'a TestApp,
    pub(crate) cookies: HashMap<String, String>,
}

pub(crate) struct Page {
    pub(crate) status: u16,
    pub(crate) location: Option<String>,
    pub(crate) body: String,
}

impl Page {
    /// The value of the first hidden field `name` on the page.
    /// The text of the element with this id (one without children).
    pub(crate) fn text_of(&self, id: &str) -> String {
        let marker = format!("id=\"{id}\">");
        let start =
            self.body.find(&marker).unwrap_or_else(|| panic!("no #{id} in {}", self.body)) + marker.len();
        let end = self.body[start..].find('<').unwrap() + start;
        self.body[start..end].to_owned()
    }

    pub(crate) fn field(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker).unwrap_or_else(|| panic!("no field {name} in {}", self.body))
            + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_owned()
    }
}

impl<'a> Browser<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Self {
        Self { app, cookies: HashMap::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn read(&mut self, response: reqwest::Response) -> Page {
        for value in response.headers().get_all(SET_COOKIE) {
            let value = value.to_str().unwrap();
            let (pair, attributes) = value.split_once(';').unwrap_or((value, ""));
            let (name, content) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), content.to_owned());
            }
        }
        let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
        Page { status: response.status().as_u16(), location, body: response.text().await.unwrap() }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let response = self
            .app
            .client
            .get(self.app.url(path))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    pub(crate) async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let response = self
            .app
            .client
            .post(self.app.url(path))
            .header(COOKIE, self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    /// The CSRF token of the organiser pages (from the overview's sign-out form).
    pub(crate) async fn csrf(&mut self) -> String {
        let page = self.get("/organise").await;
        assert_eq!(page.status, 200, "{:?}", page.location);
        page.field("csrf")
    }
}

fn sign_in_link(mail: &Mail) -> String {
    mail.text
        .split_whitespace()
        .find(|w| w.contains("/sign-in/"))
        .unwrap_or_else(|| panic!("no sign-in link in {:?}", mail.subject))
        .to_owned()
}

/// Mails to `to`, waiting until at least `n` arrived.
pub(crate) async fn mails_to(app: &TestApp, to: &str, n: usize) -> Vec<Mail> {
    for _ in 0..200 {
        let mails: Vec<Mail> = read_outbox(&app.outbox_dir()).into_iter().filter(|m| m.to == to).collect();
        if mails.len() >= n {
            return mails;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("expected {n} mails to {to}");
}

/// Asks for a link, opens it and presses its button; returns where it led.
pub(crate) async fn sign_in(browser: &mut Browser<'_>, email: &str) -> Page {
    let links = |app: &TestApp| -> Vec<String> {
        read_outbox(&app.outbox_dir())
            .into_iter()
            .filter(|m| m.to == email && m.text.contains("/sign-in/"))
            .map(|m| sign_in_link(&m))
            .collect()
    };
    let before = links(browser.app).len();
    let sent = browser.post("/sign-in", &[("email", email)]).await;
    assert_eq!(sent.status, 200);
    let mut link = None;
    for _ in 0..200 {
        if let Some(new) = links(browser.app).get(before) {
            link = Some(new.clone());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let link = link.expect("a sign-in mail");
    let path = link.trim_start_matches(&browser.app.address).to_owned();
    let page = browser.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("method=\"post\""), "the link's page only shows a button");
    let nonce = page.field("nonce");
    browser.post(&path, &[("nonce", &nonce)]).await
}

pub(crate) async fn make_admin(app: &TestApp, email: &str) {
    undersign::organisers::create_admin(app.state(), &EmailAddress::parse(email).unwrap()).await.unwrap();
}

/// An admin with a second factor, signed in; returns the browser and the secret.
pub(crate) async fn signed_in_admin<'a>(app: &'a TestApp, email: &str) -> (Browser<'a>, TotpSecret) {
    make_admin(app, email).await;
    let mut browser = Browser::new(app);
    let landed = sign_in(&mut browser, email).await;
    assert_eq!(
        landed.location.as_deref(),
        Some("/organise/two-factor"),
        "admins set up a second factor first"
    );
    assert_eq!(browser.get("/organise").await.location.as_deref(), Some("/organise/two-factor"));
    let (totp, enrolled) = enrol_second_factor(&mut browser, None).await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.body);
    assert!(enrolled.body.contains("<code>"), "recovery codes are shown once");
    let csrf = enrolled.field("csrf");
    let kept = browser.post("/organise/two-factor/kept", &[("csrf", &csrf), ("kept", "yes")]).await;
    assert_eq!(kept.location.as_deref(), Some("/organise"));
    (browser, totp)
}

/// Asks for a key, reads it off the page and answers with a code from it (and,
/// when replacing, `current`); the key and the page that answered.
pub(crate) async fn enrol_second_factor(
    browser: &mut Browser<'_>,
    current: Option<&str>,
) -> (TotpSecret, Page) {
    let csrf = browser.get("/organise/two-factor").await.field("csrf");
    assert_eq!(browser.post("/organise/two-factor/start", &[("csrf", &csrf)]).await.status, 303);
    let page = browser.get("/organise/two-factor").await;
    assert!(page.body.contains("src=\"data:image/svg+xml;base64,"), "a QR code drawn here");
    let secret = page.text_of("totp-secret");
    assert!(!page.body.contains("name=\"secret\""), "the secret is never posted back");
    let totp = TotpSecret::from_bytes(totp_rs::Secret::Encoded(secret).to_bytes().unwrap());
    let code = totp.code_at(browser.app.clock.now().unix_timestamp() as u64);
    let mut form = vec![("csrf", csrf.as_str()), ("code", code.as_str())];
    if let Some(current) = current {
        form.push(("current", current));
    }
    let enrolled = browser.post("/organise/two-factor", &form).await;
    (totp, enrolled)
}

/// An organiser invited by an admin to publish, signed in.
pub(crate) async fn signed_in_organiser<'a>(
    app: &'a TestApp,
    admin: &mut Browser<'_>,
    email: &str,
) -> Browser<'a> {
    let csrf = admin.csrf().await;
    let invited = admin.post("/organise/organisers", &[("csrf", &csrf), ("email", email)]).await;
    assert_eq!(invited.status, 200, "{}", invited.body);
    let welcome = mails_to(app, email, 1).await;
    assert!(welcome[0].text.contains("/sign-in"), "{}", welcome[0].text);
    let mut browser = Browser::new(app);
    let landed = sign_in(&mut browser, email).await;
    assert_eq!(landed.location.as_deref(), Some("/organise"));
    browser
}

fn draft_form<'a>(csrf: &'a str, slug: &'a str, title: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("slug", slug),
        ("title", title),
        ("addressee", "To the Minister"),
        ("community", "teachers"),
        ("language", "en"),
        ("body", "We, teachers, *ask*.\n\n<script>alert(1)</script>"),
        ("closes_on", ""),
        ("target", "500"),
    ]
}

/// Writes and publishes a letter; returns its management path.
pub(crate) async fn publish_letter(browser: &mut Browser<'_>, slug: &str) -> String {
    let csrf = browser.csrf().await;
    let created = browser.post("/organise/drafts", &draft_form(&csrf, slug, "Teachers ask")).await;
    assert_eq!(created.status, 303, "{}", created.body);
    let draft = created.location.unwrap();
    let published = browser.post(&format!("{draft}/publish"), &[("csrf", &csrf)]).await;
    assert_eq!(published.status, 303, "{}", published.body);
    published.location.unwrap()
}

#[tokio::test]
async fn an_organiser_signs_in_with_a_link_that_works_once() {
    let app = TestApp::spawn().await;
    let (mut admin, _) = signed_in_admin(&app, "admin@example.org").await;
    let mut browser = signed_in_organiser(&app, &mut admin, "olga@example.org").await;
    let overview = browser.get("/organise").await;
    assert_eq!(overview.status, 200);
    assert!(overview.body.contains("olga@example.org"));

    // The same link again, in another browser: spent.
    let mail = mails_to(&app, "olga@example.org", 2).await.pop().unwrap();
    let path = sign_in_link(&mail).trim_start_matches(&app.address).to_owned();
    let mut other = Browser::new(&app);
    let page = other.get(&path).await;
    let reused = other.post(&path, &[("nonce", &page.field("nonce"))]).await;
    assert_eq!(reused.status, 410);
    assert!(!other.cookies.contains_key("undersign_session"));
}

#[tokio::test]
async fn organiser_pages_are_never_cached_and_the_session_cookie_is_guarded() {
    let app = TestApp::spawn().await;
    make_admin(&app, "admin@example.org").await;
    app.client.post(app.url("/sign-in")).form(&[("email", "admin@example.org")]).send().await.unwrap();
    let mail = mails_to(&app, "admin@example.org", 1).await.pop().unwrap();
    let path = sign_in_link(&mail).trim_start_matches(&app.address).to_owned();
    let mut browser = Browser::new(&app);
    let page = browser.get(&path).await;
    let response = app
        .client
        .post(app.url(&path))
        .header(COOKIE, browser.cookie_header())
        .form(&[("nonce", page.field("nonce"))])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store");
    let cookie = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("undersign_session="))
        .expect("a session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain HTTP in tests: {cookie}");
    assert!(!cookie.contains("Max-Age") && !cookie.contains("Expires"), "ends with the browser: {cookie}");
}

#[tokio::test]
async fn sign_in_answers_the_same_for_unknown_addresses_and_mails_only_accounts() {
    let app = TestApp::spawn().await;
    make_admin(&app, "admin@example.org").await;
    let known =
        app.client.post(app.url("/sign-in")).form(&[("email", "admin@example.org")]).send().await.unwrap();
    let unknown =
        app.client.post(app.url("/sign-in")).form(&[("email", "nobody@example.org")]).send().await.unwrap();
    assert_eq!(known.status(), unknown.status());
    assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap(), "no message tells them apart");
    // Both did the same database write (what keeps their timing alike).
    let requests = app.sql_count("SELECT count(*) FROM sign_in_requests").await;
    assert_eq!(requests, 2);
    mails_to(&app, "admin@example.org", 1).await;
    // Only an account gets a mail job, and nobody@ has none: every job there is
    // or was is the admin's (jobs are written before the answer, links when sent).
    assert_eq!(app.sql_count("SELECT count(*) FROM accounts").await, 1, "no account was made for nobody@");
    assert_eq!(
        app.sql_count("SELECT count(*) FROM mail_jobs WHERE attempts = 0").await,
        0,
        "no job waits to be sent"
    );
    assert_eq!(app.sql_count("SELECT count(*) FROM sign_in_links").await, 1, "one link, the admin's");
    assert!(read_outbox(&app.outbox_dir()).iter().all(|m| m.to != "nobody@example.org"));

    // A mistyped address is a form error, in the reader's language.
    let bad = app
        .client
        .post(app.url("/sign-in?lang=ru"))
        .form(&[("email", "not-an-address")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("адрес"));
}

#[tokio::test]
async fn sign_in_mails_are_capped_per_address_but_the_answer_stays_the_same() {
    let app = TestApp::spawn().await;
    make_admin(&app, "admin@example.org").await;
    for _ in 0..8 {
        let response = app
            .client
            .post(app.url("/sign-in"))
            .form(&[("email", "admin@example.org")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    mails_to(&app, "admin@example.org", 5).await;
    assert_eq!(app.sql_count("SELECT count(*) FROM sign_in_requests").await, 8);
    // Jobs are written before each answer and get their link when claimed: five
    // links and no unclaimed job means five mails, never a sixth.
    assert_eq!(app.sql_count("SELECT count(*) FROM sign_in_links").await, 5, "five sign-in mails an hour");
    assert_eq!(app.sql_count("SELECT count(*) FROM mail_jobs WHERE attempts = 0").await, 0);
    // An hour later the address gets mail again.
    app.clock.advance(Duration::minutes(61));
    app.client.post(app.url("/sign-in")).form(&[("email", "admin@example.org")]).send().await.unwrap();
    mails_to(&app, "admin@example.org", 6).await;
}

#[tokio::test]
async fn a_sign_in_link_expires_after_fifteen_minutes() {
    let app = TestApp::spawn().await;
    make_admin(&app, "admin@example.org").await;
    app.client.post(app.url("/sign-in")).form(&[("email", "admin@example.org")]).send().await.unwrap();
    let mail = mails_to(&app, "admin@example.org", 1).await.pop().unwrap();
    let path = sign_in_link(&mail).trim_start_matches(&app.address).to_owned();
    app.clock.advance(Duration::minutes(16));
    let mut browser = Browser::new(&app);
    let page = browser.get(&path).await;
    assert_eq!(browser.post(&path, &[("nonce", &page.field("nonce"))]).await.status, 410);
}

#[tokio::test]
async fn the_link_button_only_works_in_the_browser_that_opened_the_link() {
    // Login CSRF: another site cannot post someone's browser into an account.
    let app = TestApp::spawn().await;
    make_admin(&app, "admin@example.org").await;
    app.client.post(app.url("/sign-in")).form(&[("email", "admin@example.org")]).send().await.unwrap();
    let mail = mails_to(&app, "admin@example.org", 1).await.pop().unwrap();
    let path = sign_in_link(&mail).trim_start_matches(&app.address).to_owned();
    let mut attacker = Browser::new(&app);
    let nonce = attacker.get(&path).await.field("nonce");
    let mut victim = Browser::new(&app);
    let forged = victim.post(&path, &[("nonce", &nonce)]).await;
    assert_eq!(forged.status, 403);
    assert!(!victim.cookies.contains_key("undersign_session"));
    // The link was not spent by the forgery: its owner still signs in.
    let own = attacker.post(&path, &[("nonce", &nonce)]).await;
    assert_eq!(own.status, 303);
}

#[tokio::test]
async fn a_session_id_planted_before_sign_in_is_never_promoted() {
    let app = TestApp::spawn().await;
    make_admin(&app, "admin@example.org").await;
    let mut browser = Browser::new(&app);
    let planted = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    browser.cookies.insert("undersign_session".into(), planted.into());
    assert_eq!(browser.get("/organise").await.location.as_deref(), Some("/sign-in"));
    sign_in(&mut browser, "admin@example.org").await;
    let session = browser.cookies["undersign_session"].clone();
    assert_ne!(session, planted, "sign-in rotates the session");
    let mut fixer = Browser::new(&app);
    fixer.cookies.insert("undersign_session".into(), planted.into());
    assert_eq!(fixer.get("/organise").await.location.as_deref(), Some("/sign-in"));
}

#[tokio::test]
async fn signing_in_again_ends_the_old_session_and_signing_out_ends_the_new_one() {
    let app = TestApp::spawn().await;
    let (mut admin, secret) = signed_in_admin(&app, "admin@example.org").await;
    let first = admin.cookies["undersign_session"].clone();
    app.clock.advance(Duration::seconds(60));
    let landed = sign_in(&mut admin, "admin@example.org").await;
    assert_eq!(landed.location.as_deref(), Some("/organise/second-factor"));
    let mut stale = Browser::new(&app);
    stale.cookies.insert("undersign_session".into(), first);
    assert_eq!(stale.get("/organise").await.location.as_deref(), Some("/sign-in"));

    let page = admin.get("/organise/second-factor").await;
    let code = secret.code_at(app.clock.now().unix_timestamp() as u64);
    let passed =
        admin.post("/organise/second-factor", &[("csrf", &page.field("csrf")), ("code", &code)]).await;
    assert_eq!(passed.location.as_deref(), Some("/organise"));
    let csrf = admin.csrf().await;
    let session = admin.cookies["undersign_session"].clone();
    let out = admin.post("/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    let mut after = Browser::new(&app);
    after.cookies.insert("undersign_session".into(), session);
    assert_eq!(after.get("/organise").await.location.as_deref(), Some("/sign-in"));
}

#[tokio::test]
async fn a_session_ends_after_two_idle_hours() {
    let app = TestApp::spawn().await;
    let (mut admin, _) = signed_in_admin(&app, "admin@example.org").await;
    app.clock.advance(Duration::minutes(119));
    assert_eq!(admin.get("/organise").await.status, 200);
    app.clock.advance(Duration::minutes(121));
    assert_eq!(admin.get("/organise").await.location.as_deref(), Some("/sign-in"));
}

#[tokio::test]
async fn the_second_factor_is_asked_for_and_each_code_works_once() {
    let app = TestApp::spawn().await;
    let (mut admin, secret) = signed_in_admin(&app, "admin@example.org").await;
    app.clock.advance(Duration::seconds(90));
    sign_in(&mut admin, "admin@example.org").await;
    // Without the code, nothing behind it opens.
    assert_eq!(admin.get("/organise/drafts/new").await.location.as_deref(), Some("/organise/second-factor"));
    let csrf = admin.get("/organise/second-factor").await.field("csrf");
    let wrong = admin.post("/organise/second-factor", &[("csrf", &csrf), ("code", "000000")]).await;
    assert_eq!(wrong.status, 400);
    let code = secret.code_at(app.clock.now().unix_timestamp() as u64);
    assert_eq!(admin.post("/organise/second-factor", &[("csrf", &csrf), ("code", &code)]).await.status, 303);

    // The same code in another sign-in within its 30 seconds: refused (replay).
    let mut second = Browser::new(&app);
    sign_in(&mut second, "admin@example.org").await;
    let csrf = second.get("/organise/second-factor").await.field("csrf");
    let replay = second.post("/organise/second-factor", &[("csrf", &csrf), ("code", &code)]).await;
    assert_eq!(replay.status, 400);
}

#[tokio::test]
async fn a_recovery_code_passes_the_second_factor_once() {
    let app = TestApp::spawn().await;
    make_admin(&app, "admin@example.org").await;
    let mut browser = Browser::new(&app);
    sign_in(&mut browser, "admin@example.org").await;
    let (_, enrolled) = enrol_second_factor(&mut browser, None).await;
    let start = enrolled.body.find("<code>").unwrap() + "<code>".len();
    let recovery = enrolled.body[start..start + 11].to_owned();

    for attempt in 0..2 {
        let mut again = Browser::new(&app);
        sign_in(&mut again, "admin@example.org").await;
        let csrf = again.get("/organise/second-factor").await.field("csrf");
        let typed = recovery.to_uppercase();
        let result = again.post("/organise/second-factor", &[("csrf", &csrf), ("code", &typed)]).await;
        assert_eq!(result.status, if attempt == 0 { 303 } else { 400 }, "attempt {attempt}");
    }
}

#[tokio::test]
async fn forms_without_the_sessions_csrf_token_change_nothing() {
    let app = TestApp::spawn().await;
    let (mut admin, _) = signed_in_admin(&app, "admin@example.org").await;
    let mut organiser = signed_in_organiser(&app, &mut admin, "olga@example.org").await;
    let manage = publish_letter(&mut organiser, "teachers-ask").await;

    let forged = organiser.post(&format!("{manage}/close"), &[("csrf", "forged")]).await;
    assert_eq!(forged.status, 403);
    assert!(forged.body.contains("Nothing was done"));
    let missing = organiser.post("/organise/drafts", &draft_form("", "other-letter", "Other")).await;
    assert_eq!(missing.status, 403);
    // Another session's token is not this session's.
    let admins_token = admin.csrf().await;
    assert_eq!(organiser.post(&format!("{manage}/close"), &[("csrf", &admins_token)]).await.status, 403);
    assert_eq!(app.letter_json("teachers-ask").await["status"], "published");
    assert!(!organiser.get("/organise").await.body.contains("other-letter"), "no draft was made");
}

#[tokio::test]
async fn a_draft_is_edited_previewed_and_published_then_on_the_home_page() {
    let app = TestApp::spawn_empty().await;
    let (mut admin, _) = signed_in_admin(&app, "admin@example.org").await;
    let mut organiser = signed_in_organiser(&app, &mut admin, "olga@example.org").await;
    let csrf = organiser.csrf().await;

    // Mistakes come back in the form, all at once, with the input kept.
    let mut bad = draft_form(&csrf, "Bad Slug", "");
    bad.retain(|(k, _)| *k != "target");
    bad.push(("target", "many"));
    let refused = organiser.post("/organise/drafts", &bad).await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("Use 3 to 64 lower-case latin letters"));
    assert!(refused.body.contains("Please fill this in."));
    assert!(refused.body.contains("Enter a whole number"));
    assert!(refused.body.contains("To the Minister"), "input is kept");

    let created =
        organiser.post("/organise/drafts", &draft_form(&csrf, "teachers-ask", "Teachers ask")).await;
    let draft = created.location.unwrap();
    let mut edited = draft_form(&csrf, "teachers-ask", "Teachers ask the Minister");
    edited.retain(|(k, _)| *k != "body");
    edited.push(("body", "We, teachers, **ask**.\n\n<script>alert(1)</script>"));
    assert_eq!(organiser.post(&draft, &edited).await.status, 303);
    let preview = organiser.get(&draft).await;
    assert!(preview.body.contains("<strong>ask</strong>"), "the preview renders Markdown");
    assert!(preview.body.contains("&lt;script&gt;"), "and shows HTML as text");
    assert!(!preview.body.contains("<script>alert"));
    assert_eq!(app.get("/letters/teachers-ask").await.status(), 404, "a draft is not public");

    let published = organiser.post(&format!("{draft}/publish"), &[("csrf", &csrf)]).await;
    assert_eq!(published.location.as_deref(), Some("/organise/letters/teachers-ask"));
    let home = app.get_text("/").await;
    assert!(home.contains("Teachers ask the Minister"), "{home}");
    let page = app.get_text("/letters/teachers-ask").await;
    assert!(page.contains("Target: 500"));
    assert_eq!(app.count("teachers-ask").await, 0);
    // The draft is gone; the letter is theirs to manage.
    assert_eq!(organiser.get(&draft).await.status, 404);
    let manage = organiser.get("/organise/letters/teachers-ask").await;
    assert!(manage.body.contains("letter published"), "{}", manage.body);
    assert!(manage.body.contains("olga@example.org"));
    // Drafts have no letter yet: their history is in the instance's audit log.
    let audit = admin.get("/organise/audit").await.body;
    assert!(audit.contains("draft created") && audit.contains("draft edited"), "{audit}");
}

#[tokio::test]
async fn an_organiser_cannot_see_or_touch_another_organisers_letter_or_draft() {
    let app = TestApp::spawn().await;
    let (mut admin, _) = signed_in_admin(&app, "admin@example.org").await;
    let mut olga = signed_in_organiser(&app, &mut admin, "olga@example.org").await;
    let mut ivan = signed_in_organiser(&app, &mut admin, "ivan@example.org").await;
    let manage = publish_letter(&mut olga, "olgas-letter").await;
    let csrf = olga.csrf().await;
    let draft =
        olga.post("/organise/drafts", &draft_form(&csrf, "olgas-draft", "Draft")).await.location.unwrap();

    let ivans_csrf = ivan.csrf().await;
    assert_eq!(ivan.get(&manage).await.status, 404);
    assert_eq!(ivan.get(&format!("{manage}/addresses")).await.status, 404);
    assert_eq!(ivan.post(&format!("{manage}/close"), &[("csrf", &ivans_csrf)]).await.status, 404);
    assert_eq!(ivan.get(&draft).await.status, 404);
    assert_eq!(ivan.post(&format!("{draft}/publish"), &[("csrf", &ivans_csrf)]).await.status, 404);
    let overwrite = ivan.post(&draft, &draft_form(&ivans_csrf, "olgas-draft", "Hijacked")).await;
    assert_eq!(overwrite.status, 404);
    assert_eq!(ivan.get("/organise/audit").await.status, 403, "the whole log is for admins");
    assert_eq!(app.letter_json("olgas-letter").await["status"], "published");
    assert!(olga.get(&draft).await.body.contains("value=\"Draft\""));
    // The same for someone with no account at all.
    assert_eq!(app.get(&manage).await.headers()["location"], "/sign-in");
}

#[tokio::test]
async fn a_moderator_who_is_not_an_organiser_cannot_read_addresses_and_reading_is_audited() {
    let app = TestApp::spawn().await;
    let (mut admin, _) = signed_in_admin(&app, "admin@example.org").await;
    let mut olga = signed_in_organiser(&app, &mut admin, "olga@example.org").await;
    let manage = publish_letter(&mut olga, "teachers-ask").await;
    app.sign_and_confirm("teachers-ask", "Анна Петрова", "anna@example.org", true).await;

    let csrf = olga.csrf().await;
    let invited = olga
        .post(
            &format!("{manage}/members"),
            &[("csrf", &csrf), ("email", "mod@example.org"), ("role", "moderator")],
        )
        .await;
    assert_eq!(invited.status, 200);
    assert!(invited.body.contains("Invited"));
    let invitation = mails_to(&app, "mod@example.org", 1).await.pop().unwrap();
    assert!(invitation.subject.contains("Teachers ask"), "{}", invitation.subject);
    assert!(invitation.text.contains("moderator"));

    let mut moderator = Browser::new(&app);
    sign_in(&mut moderator, "mod@example.org").await;
    let page = moderator.get(&manage).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("/addresses"), "no link to what they may not read");
    assert!(!page.body.contains("olga@example.org"), "nor the members' addresses");
    assert_eq!(moderator.get(&format!("{manage}/addresses")).await.status, 403);
    let mcsrf = moderator.csrf().await;
    assert_eq!(moderator.post(&format!("{manage}/close"), &[("csrf", &mcsrf)]).await.status, 403);
    assert_eq!(moderator.get("/organise/drafts/new").await.status, 403, "moderators write no letters");
    // Admins manage every letter but read no signer's address unless organiser.
    assert_eq!(admin.get(&manage).await.status, 200);
    assert_eq!(admin.get(&format!("{manage}/addresses")).await.status, 403);

    assert!(!olga.get(&manage).await.body.contains("addresses read"));
    let addresses = olga.get(&format!("{manage}/addresses")).await;
    assert_eq!(addresses.status, 200);
    assert!(addresses.body.contains("anna@example.org"));
    let audit = olga.get(&manage).await.body;
    assert!(audit.contains("addresses read"), "{audit}");
    assert!(audit.contains("role given"));
    assert!(
        audit.contains("1 addresses, after signature #0") && audit.contains("moderator — account #"),
        "{audit}"
    );
    // The details are messages, not English sentences: in Russian they read Russian.
    let russian = olga.get(&format!("{manage}?lang=ru")).await.body;
    assert!(russian.contains("адресов: 1, после подписи №0"), "{russian}");
    assert!(russian.contains("модератор — учётная запись №"));
    assert!(!russian.contains("addresses after"));
}

#[tokio::test]
async fn a_closed_letter_takes_no_signatures_and_says_so() {
    let app = TestApp::spawn().await;
    let (mut admin, _) = signed_in_admin(&app, "admin@example.org").await;
    let mut olga = signed_in_organiser(&app, &mut admin, "olga@example.org").await;
    let manage = publish_letter(&mut olga, "teachers-ask").await;
    let csrf = olga.csrf().await;
    // Closing is asked for on a page of its own that says what it does.
    let overview = olga.get(&manage).await.body;
    assert!(!overview.contains(&format!("action=\"{manage}/close\"")), "no one-click close");
    assert!(overview.contains(&format!("class=\"button danger\" href=\"{manage}/close\"")), "a danger link");
    let ask = olga.get(&format!("{manage}/close")).await.body;
    assert!(ask.contains("Closing cannot be undone") && ask.contains("Nobody can sign any more"), "{ask}");
    let unticked = olga.post(&format!("{manage}/close"), &[("csrf", &csrf)]).await;
    assert_eq!(unticked.status, 400, "not without ticking the box");
    assert_eq!(app.letter_json("teachers-ask").await["status"], "published", "nothing changed");
    let closed = olga.post(&format!("{manage}/close"), &[("csrf", &csrf), ("understood", "yes")]).await;
    assert_eq!(closed.status, 303);
    assert_eq!(app.letter_json("teachers-ask").await["status"], "closed");
    let after = olga.get(&manage).await.body;
    assert!(after.contains("letter closed"));
    assert!(
        after.contains("signature form is final") && !after.contains(&format!("action=\"{manage}/form\""))
    );
    let form_change = olga
        .post(
            &format!("{manage}/form"),
            &[
                ("csrf", &csrf),
                ("title", "required"),
                ("affiliation", "optional"),
                ("city", "optional"),
                ("country", "optional"),
                ("orcid", "hidden"),
            ],
        )
        .await;
    assert_eq!(form_change.status, 409, "a closed letter's form cannot change");
    let form = crate::helpers::valid_form("late@example.org");
    assert_eq!(app.sign_form("teachers-ask", &crate::helpers::pairs(&form)).await.status(), 409);
    // The letter the test server started with is untouched.
    assert_eq!(app.letter_json(LETTER).await["status"], "published");
}

#[tokio::test]
async fn every_organiser_form_is_refused_without_the_sessions_csrf_token() {
    let app = TestApp::spawn().await;
    let (mut admin, _) = signed_in_admin(&app, "admin@example.org").await;
    let manage = publish_letter(&mut admin, "teachers-ask").await;
    let csrf = admin.csrf().await;
    let draft =
        admin.post("/organise/drafts", &draft_form(&csrf, "a-draft", "A draft")).await.location.unwrap();
    let campaign = admin
        .post(
            "/organise/campaigns",
            &[("csrf", &csrf), ("slug", "a-case"), ("title", "A case"), ("summary", "S.")],
        )
        .await
        .location
        .unwrap();
    let routes = [
        "/organise/drafts".to_owned(),
        draft.clone(),
        format!("{draft}/publish"),
        format!("{manage}/close"),
        format!("{manage}/members"),
        format!("{manage}/versions"),
        format!("{manage}/translations"),
        format!("{manage}/form"),
        format!("{manage}/moderation/approve"),
        format!("{manage}/moderation/strike"),
        format!("{manage}/moderation/bulk-strike"),
        "/organise/organisers".to_owned(),
        "/organise/two-factor".to_owned(),
        "/organise/two-factor/start".to_owned(),
        "/organise/two-factor/kept".to_owned(),
        "/organise/campaigns".to_owned(),
        campaign.clone(),
        format!("{campaign}/letters"),
        format!("{campaign}/timeline"),
        format!("{campaign}/timeline/1/hidden"),
        format!("{campaign}/related"),
        format!("{campaign}/organisers"),
        "/organise/second-factor".to_owned(),
        "/sign-out".to_owned(),
    ];
    for route in &routes {
        for token in ["", "forged"] {
            let refused =
                admin.post(route, &[("csrf", token), ("email", "x@example.org"), ("reason", "r")]).await;
            assert_eq!(refused.status, 403, "POST {route} with csrf {token:?}");
        }
    }
    // Nothing happened: the letter is open, the draft unpublished, the session alive.
    assert_eq!(app.letter_json("teachers-ask").await["status"], "published");
    assert_eq!(admin.get(&draft).await.status, 200);
}

#[tokio::test]
async fn a_draft_is_its_authors_alone_even_for_another_admin() {
    let app = TestApp::spawn().await;
    let (mut first, _) = signed_in_admin(&app, "first@example.org").await;
    let csrf = first.csrf().await;
    let draft = first.post("/organise/drafts", &draft_form(&csrf, "private-words", "Not ready")).await;
    assert_eq!(draft.status, 303);
    let draft = draft.location.unwrap();
    assert!(first.get("/organise").await.body.contains("Not ready"), "the author sees it");

    let (mut second, _) = signed_in_admin(&app, "second@example.org").await;
    let overview = second.get("/organise").await.body;
    assert!(!overview.contains("Not ready"), "another admin does not list it");
    assert_eq!(second.get(&draft).await.status, 404, "nor open it");
    let csrf = second.csrf().await;
    assert_eq!(second.post(&draft, &draft_form(&csrf, "private-words", "Changed")).await.status, 404);
    assert_eq!(second.post(&format!("{draft}/publish"), &[("csrf", &csrf)]).await.status, 404);
    assert_eq!(app.get("/letters/private-words").await.status(), 404, "nothing was published");
}

#[tokio::test]
async fn sign_in_requests_are_limited_per_network_and_the_page_says_how_many_links_come() {
    let app = TestApp::spawn().await;
    make_admin(&app, "olga@example.org").await;
    let page = app.get_text("/sign-in").await;
    assert!(page.contains("At most 5 links an hour"), "the page says the cap");
    assert!(page.contains("undersign admin sign-in-link"), "and the way back");
    let ask = |email: &'static str| {
        let request = app.client.post(app.url("/sign-in")).form(&[("email", email)]);
        async move { request.send().await.unwrap() }
    };
    let known = ask("olga@example.org").await;
    let unknown = ask("nobody@example.org").await;
    assert_eq!((known.status(), unknown.status()), (reqwest::StatusCode::OK, reqwest::StatusCode::OK));
    let (known, unknown) = (known.text().await.unwrap(), unknown.text().await.unwrap());
    assert_eq!(known, unknown, "the same answer for an account and a stranger");
    assert!(known.contains("wait until the hour is over"));
    for _ in 2..undersign::organisers::SIGN_IN_REQUESTS_PER_HOUR_PER_NETWORK {
        assert_eq!(ask("olga@example.org").await.status(), 200);
    }
    let refused = ask("olga@example.org").await;
    assert_eq!(refused.status(), 429, "the network asked too often, whatever the address");
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(ask("somebody-else@example.org").await.status(), 429);
}

#[tokio::test]
async fn a_newcomer_organises_the_demo_letters_through_the_outbox() {
    let app = TestApp::spawn_empty().await;
    undersign::demo::load(app.state()).await.unwrap();
    let page = app.get_text("/sign-in").await;
    assert!(page.contains(undersign::demo::ORGANISER_EMAIL), "the demo says whom to sign in as");
    let mut organiser = Browser::new(&app);
    sign_in(&mut organiser, undersign::demo::ORGANISER_EMAIL).await;
    let landed = organiser.get("/organise").await.body;
    assert!(landed.contains("demo-teachers") && landed.contains("demo-scientists"), "{landed}");
    let queue = organiser.get("/organise/letters/demo-teachers/moderation").await;
    assert_eq!(queue.status, 200);
    assert!(queue.body.contains("the name mixes alphabets"), "something to moderate");
    let manage = organiser.get("/organise/letters/demo-teachers").await;
    assert!(
        manage.body.contains("action=\"/organise/letters/demo-teachers/form\""),
        "the form can be shaped"
    );
}

#[tokio::test]
async fn a_second_factor_is_replaced_only_with_a_current_code_and_the_client_cannot_choose_its_secret() {
    let app = TestApp::spawn().await;
    let (mut admin, old) = signed_in_admin(&app, "admin@example.org").await;
    // A client that posts a secret of its own choosing gets nowhere.
    let chosen = TotpSecret::from_bytes(vec![7; 20]);
    let csrf = admin.csrf().await;
    let code = chosen.code_at(app.clock.now().unix_timestamp() as u64);
    let forced = admin
        .post("/organise/two-factor", &[("csrf", &csrf), ("secret", &chosen.base32()), ("code", &code)])
        .await;
    assert_eq!(forced.status, 400, "no key was asked for in this session");

    // Replacing without proving the current factor changes nothing.
    app.clock.advance(time::Duration::seconds(31));
    let (_, refused) = enrol_second_factor(&mut admin, Some("000000")).await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("nothing was changed"), "{}", refused.body);
    app.clock.advance(time::Duration::seconds(31));
    let current = old.code_at(app.clock.now().unix_timestamp() as u64);
    let (new, replaced) = enrol_second_factor(&mut admin, Some(&current)).await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert!(replaced.body.contains("download=\"undersign-recovery-codes.txt\""), "codes to download");
    assert!(replaced.body.contains("I have kept these codes"));
    let csrf = replaced.field("csrf");
    let not_kept = admin.post("/organise/two-factor/kept", &[("csrf", &csrf)]).await;
    assert_eq!(not_kept.status, 400, "asked to confirm they kept them");

    // The next sign-in wants a code from the new key, not the old one.
    let mut again = Browser::new(&app);
    sign_in(&mut again, "admin@example.org").await;
    let csrf = again.get("/organise/second-factor").await.field("csrf");
    app.clock.advance(time::Duration::seconds(31));
    let now = app.clock.now().unix_timestamp() as u64;
    let old_code =
        again.post("/organise/second-factor", &[("csrf", &csrf), ("code", &old.code_at(now))]).await;
    assert_eq!(old_code.status, 400, "the replaced key no longer works");
    let new_code =
        again.post("/organise/second-factor", &[("csrf", &csrf), ("code", &new.code_at(now))]).await;
    assert_eq!(new_code.status, 303);
}
