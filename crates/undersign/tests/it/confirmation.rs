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
async fn confirming_twice_counts_once_and_the_page_stays_the_receipt() {
    let app = TestApp::spawn().await;
    let link = pending_link(&app, "twice@example.org").await;
    let first = app.confirm(&link).await;
    let second = app.confirm(&link).await;
    for page in [&first, &second] {
        assert!(page.contains("<h1>Your signature is confirmed</h1>"), "{page}");
        assert!(page.contains("You are signer number 1 of this letter."));
        assert!(!page.contains("already"), "a second press is no warning");
        assert!(!page.contains("Confirm your signature"));
    }
    assert_eq!(app.count(LETTER).await, 1);
}

#[tokio::test]
async fn a_link_older_than_seven_days_has_expired_and_says_what_to_do() {
    let app = TestApp::spawn().await;
    let link = pending_link(&app, "late@example.org").await;
    app.clock.advance(Duration::days(7) + Duration::minutes(1));
    let get = app.get(link.trim_start_matches(&app.address)).await;
    assert_eq!(get.status(), 410);
    let page = get.text().await.unwrap();
    assert!(page.contains("valid for 7 days") && page.contains("Sign the letter again"), "{page}");
    assert!(page.contains(&format!("href=\"/letters/{LETTER}#sign\"")));
    let post = app.client.post(&link).send().await.unwrap();
    assert_eq!(post.status(), 303, "the button leads back to the page that explains");
    assert_eq!(app.count(LETTER).await, 0);
}

#[tokio::test]
async fn every_link_sent_for_a_pending_signature_works_and_counts_once() {
    let app = TestApp::spawn().await;
    let first = pending_link(&app, "lost-mail@example.org").await;
    let form = valid_form("lost-mail@example.org");
    app.sign_form(LETTER, &pairs(&form)).await;
    let mails = app.wait_for_mails(2).await;
    let second = mails[1].confirmation_link();
    assert_ne!(first, second);
    // The signer opens the first mail they see: the older one.
    let page = app.get_text(first.trim_start_matches(&app.address)).await;
    assert!(page.contains("Confirm your signature") && page.contains("method=\"post\""), "{page}");
    app.confirm(&first).await;
    // The newer link is now a receipt for the same signature.
    let page = app.confirm(&second).await;
    assert!(page.contains("Your signature is confirmed") && page.contains("signer number 1 "), "{page}");
    assert_eq!(app.count(LETTER).await, 1);
}

#[tokio::test]
async fn unknown_or_malformed_tokens_get_a_page_that_explains() {
    let app = TestApp::spawn().await;
    for token in ["nonsense", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "%C3%A9t%C3%A9"] {
        let get = app.get(&format!("/confirm/{token}")).await;
        assert_eq!(get.status(), 404, "{token}");
        let page = get.text().await.unwrap();
        assert!(page.contains("This link no longer confirms a signature"), "{page}");
        assert!(page.contains("the whole link"), "says what may have gone wrong");
        let post = app.client.post(app.url(&format!("/confirm/{token}"))).send().await.unwrap();
        assert_eq!(post.status(), 303, "{token}");
    }
}

#[tokio::test]
async fn the_confirm_page_shows_exactly_what_will_be_public() {
    let app = TestApp::spawn().await;
    let mut form = valid_form("shown@example.org");
    form.retain(|(k, _)| *k != "title");
    form.push(("title", "Professor of physics".to_owned()));
    assert_eq!(app.sign_form(LETTER, &pairs(&form)).await.status(), 303);
    let hidden = [
        ("name", "Hidden Signer"),
        ("email", "hidden@example.org"),
        ("show_name", "false"),
        ("city", "Penza"),
        ("consent", "true"),
    ];
    assert_eq!(app.sign_form(LETTER, &hidden).await.status(), 303);
    let mails = app.wait_for_mails(2).await;
    let shown = app.get_text(mails[0].confirmation_link().trim_start_matches(&app.address)).await;
    let name = form.iter().find(|(k, _)| *k == "name").unwrap().1.clone();
    assert!(
        shown.contains("What will be public")
            && shown.contains(&name)
            && shown.contains("Professor of physics")
    );
    assert!(shown.find("What will be public") < shown.find("Confirm my signature"), "before the button");
    assert!(!shown.contains("shown@example.org"), "the address is not among them");
    let withheld = app.get_text(mails[1].confirmation_link().trim_start_matches(&app.address)).await;
    assert!(withheld.contains("Your name will not be shown"), "{withheld}");
    assert!(!withheld.contains("Hidden Signer") && withheld.contains("Penza"));
}

#[tokio::test]
async fn the_receipt_goes_from_confirmed_to_in_the_log_to_withdrawn_and_never_contradicts_itself() {
    let app = TestApp::spawn().await;
    let link = pending_link(&app, "changes-mind@example.org").await;
    let path = link.trim_start_matches(&app.address).to_owned();
    app.confirm(&link).await;
    assert_eq!(app.count(LETTER).await, 1);
    let in_log = app.get_text(&path).await;
    assert!(
        in_log.contains("<h1>Your signature is confirmed</h1>") && in_log.contains("entry 1 in this letter"),
        "{in_log}"
    );
    assert!(in_log.contains(&format!("/letters/{LETTER}/verify")), "the receipt explains the proof");
    assert!(!in_log.contains("http-equiv=\"refresh\""), "nothing left to wait for");

    let withdraw =
        app.client.post(format!("{link}/withdraw")).form(&[("erase", "false")]).send().await.unwrap();
    assert_eq!(withdraw.status(), 303);
    let waiting = app.get_text(&path).await;
    assert!(waiting.contains("<h1>Your signature is withdrawn</h1>"), "{waiting}");
    assert!(waiting.contains("next daily batch, by "));
    assert!(!waiting.contains("Withdraw my signature"), "nothing left to withdraw");
    // Pressing the old confirm button again changes nothing and says so plainly.
    let again = app.confirm(&link).await;
    assert!(
        again.contains("<h1>Your signature is withdrawn</h1>") && !again.contains("being added"),
        "{again}"
    );

    app.clock.advance(Duration::days(1) + Duration::minutes(1));
    for _ in 0..100 {
        if app.letter_json(LETTER).await["log_size"] == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let done = app.get_text(&path).await;
    assert!(done.contains("The withdrawal is entry 2 in the letter"), "{done}");
    assert_eq!(app.count(LETTER).await, 0);
}
