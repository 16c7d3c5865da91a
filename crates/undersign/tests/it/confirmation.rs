//! Confirmation links: single use, POST only, 7 days.

use time::Duration;

use crate::helpers::{LETTER, TestApp, pairs, valid_form};

async fn pending_link(app: &TestApp, email: &str) -> String {
    let form = valid_form(email);
    assert_eq!(app.sign_form(LETTER, &pairs(&form)).await.status(), 303);
    app.wait_for_mails(1).await[0].confirmation_link()
}

#[tokio::test]
async fn following_the_link_twice_with_get_never_confirms() {
    let app = TestApp::spawn().await;
    let link = pending_link(&app, "scanner@example.org").await;
    let path = link.trim_start_matches(&app.address).to_owned();
    for _ in 0..2 {
        let page = app.get_text(&path).await;
        assert!(page.contains("method=\"post\""));
    }
    assert_eq!(app.count(LETTER).await, 0);
}

#[tokio::test]
async fn confirming_twice_counts_once() {
    let app = TestApp::spawn().await;
    let link = pending_link(&app, "twice@example.org").await;
    app.confirm(&link).await;
    let second = app.confirm(&link).await;
    assert!(second.contains("already confirmed"), "{second}");
    assert_eq!(app.count(LETTER).await, 1);
    let page = app.get_text(link.trim_start_matches(&app.address)).await;
    assert!(page.contains("already confirmed"));
}

#[tokio::test]
async fn a_link_older_than_seven_days_has_expired() {
    let app = TestApp::spawn().await;
    let link = pending_link(&app, "late@example.org").await;
    app.clock.advance(Duration::days(7) + Duration::minutes(1));
    let get = app.get(link.trim_start_matches(&app.address)).await;
    assert_eq!(get.status(), 410);
    assert!(get.text().await.unwrap().contains("This link has expired"));
    let post = app.client.post(&link).send().await.unwrap();
    assert_eq!(post.status(), 410);
    assert_eq!(app.count(LETTER).await, 0);
}

#[tokio::test]
async fn signing_again_while_pending_sends_a_fresh_link_and_the_old_one_stops_working() {
    let app = TestApp::spawn().await;
    let first = pending_link(&app, "lost-mail@example.org").await;
    let form = valid_form("lost-mail@example.org");
    app.sign_form(LETTER, &pairs(&form)).await;
    let mails = app.wait_for_mails(2).await;
    let second = mails[1].confirmation_link();
    assert_ne!(first, second);
    assert_eq!(app.client.post(&first).send().await.unwrap().status(), 404);
    app.confirm(&second).await;
    assert_eq!(app.count(LETTER).await, 1);
}

#[tokio::test]
async fn unknown_or_malformed_tokens_are_a_plain_404() {
    let app = TestApp::spawn().await;
    for token in ["nonsense", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "%C3%A9t%C3%A9"] {
        assert_eq!(app.get(&format!("/confirm/{token}")).await.status(), 404, "{token}");
        let post = app.client.post(app.url(&format!("/confirm/{token}"))).send().await.unwrap();
        assert_eq!(post.status(), 404, "{token}");
    }
}
