//! Restarts keep everything.

use crate::helpers::{LETTER, TestApp, pairs, valid_form};

#[tokio::test]
async fn a_restart_keeps_signatures_counts_and_pending_links() {
    let app = TestApp::spawn().await;
    app.sign_and_confirm(LETTER, "Before Restart", "before@example.org", true).await;
    let form = valid_form("pending@example.org");
    app.sign_form(LETTER, &pairs(&form)).await;
    let pending_link = app.wait_for_mails(2).await[1].confirmation_link();

    let app = app.restart().await;
    assert_eq!(app.count(LETTER).await, 1);
    assert!(app.get_text(&format!("/letters/{LETTER}")).await.contains("Before Restart"));
    let pending_link = pending_link.replace(pending_link.split("/confirm/").next().unwrap(), &app.address);
    app.confirm(&pending_link).await;
    assert_eq!(app.count(LETTER).await, 2, "a link mailed before the restart still works");
}
