//! Corrections and translations: a published text never changes under its
//! signers. A translation is the same letter and count in another language; a
//! correction is a new version with a diff, its earlier signers are told by mail
//! and may re-confirm; each signature shows the version it stands on.

use crate::helpers::{Mail, TestApp, read_outbox};
use crate::organisers::{publish_letter, signed_in_admin, signed_in_organiser};

const SLUG: &str = "teachers-ask";

/// The size of the letter's log once it reaches `size`.
async fn log_size_becomes(app: &TestApp, size: u64) {
    for _ in 0..100 {
        if app.letter_json(SLUG).await["log_size"].as_u64() == Some(size) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the log of {SLUG} did not reach {size} entries");
}

async fn new_version_mails(app: &TestApp, n: usize) -> Vec<Mail> {
    for _ in 0..200 {
        let mails: Vec<Mail> = read_outbox(&app.outbox_dir())
            .into_iter()
            .filter(|m| m.subject.contains("has a new version"))
            .collect();
        if mails.len() >= n {
            return mails;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("expected {n} new-version mails");
}

#[tokio::test]
async fn a_translation_is_the_same_letter_and_count_in_another_language() {
    let app = TestApp::spawn_empty().await;
    let (mut admin, _) = signed_in_admin(&app, "admin@example.org").await;
    let mut olga = signed_in_organiser(&app, &mut admin, "olga@example.org").await;
    let manage = publish_letter(&mut olga, SLUG).await;
    app.sign_and_confirm(SLUG, "Anna Ivanova", "anna@example.org", true).await;
    log_size_becomes(&app, 2).await;

    let csrf = olga.csrf().await;
    let form = [
        ("csrf", csrf.as_str()),
        ("language", "ru"),
        ("title", "Учителя просят"),
        ("addressee", "Министру"),
        ("body", "Мы, учителя, *просим*."),
    ];
    let published = olga.post(&format!("{manage}/translations"), &form).await;
    assert_eq!(published.status, 303, "{}", published.body);
    log_size_becomes(&app, 3).await;
    assert_eq!(app.count(SLUG).await, 1, "a text leaf counts no one");
    assert_eq!(app.letter_json(SLUG).await["translations"], serde_json::json!(["ru"]));

    let page = app.get_text(&format!("/letters/{SLUG}")).await;
    assert!(page.contains("?text=ru"), "the page offers the translation");
    let russian = app.get_text(&format!("/letters/{SLUG}?text=ru")).await;
    assert!(russian.contains("Учителя просят") && russian.contains("<em>просим</em>"));
    assert!(russian.contains("This is a translation."));
    assert!(russian.contains("Anna Ivanova"), "same signatures");
    let unknown = app.get_text(&format!("/letters/{SLUG}?text=de")).await;
    assert!(unknown.contains("Teachers ask"), "an unknown translation shows the letter itself");

    let again = olga.post(&format!("{manage}/translations"), &form).await;
    assert_eq!(again.status, 400);
    assert!(again.body.contains("already has a text in that language"));
    let json = app.letter_json(SLUG).await;
    let leaf = json["log_size"].as_u64().unwrap() - 1;
    let record = app.get_text(&format!("/letters/{SLUG}/log/records/{leaf}")).await;
    assert!(record.contains("Учителя просят") && record.contains(r#"\"language\":\"ru\""#), "{record}");
}

#[tokio::test]
async fn a_correction_is_a_new_version_its_signers_are_told_and_may_reconfirm() {
    let app = TestApp::spawn_empty().await;
    let (mut admin, _) = signed_in_admin(&app, "admin@example.org").await;
    let mut olga = signed_in_organiser(&app, &mut admin, "olga@example.org").await;
    let manage = publish_letter(&mut olga, SLUG).await;
    app.sign_and_confirm(SLUG, "Anna Ivanova", "anna@example.org", true).await;
    app.sign_and_confirm(SLUG, "Boris Petrov", "boris@example.org", true).await;
    log_size_becomes(&app, 3).await;

    let csrf = olga.csrf().await;
    let unchanged = olga
        .post(
            &format!("{manage}/versions"),
            &[
                ("csrf", csrf.as_str()),
                ("title", "Teachers ask"),
                ("addressee", "To the Minister"),
                ("body", "We, teachers, *ask*.\n\n<script>alert(1)</script>"),
            ],
        )
        .await;
    assert_eq!(unchanged.status, 400, "{}", unchanged.body);
    assert!(unchanged.body.contains("changes nothing"));

    let corrected = olga
        .post(
            &format!("{manage}/versions"),
            &[
                ("csrf", csrf.as_str()),
                ("title", "Teachers ask"),
                ("addressee", "To the Minister of Education"),
                ("body", "We, teachers, *ask* for a fair trial."),
            ],
        )
        .await;
    assert_eq!(corrected.status, 303, "{}", corrected.body);
    log_size_becomes(&app, 4).await;
    assert_eq!(app.count(SLUG).await, 2, "nobody's signature moved or dropped");
    assert_eq!(app.letter_json(SLUG).await["version"], 2);

    let page = app.get_text(&format!("/letters/{SLUG}")).await;
    assert!(page.contains("Version 2") && page.contains("for a fair trial"));
    let versions = app.get_text(&format!("/letters/{SLUG}/versions")).await;
    assert!(versions.contains("<ins>") && versions.contains("for a fair trial"), "{versions}");
    assert!(versions.contains("<del>"), "the removed script text shows as removed");
    let list = app.get_text(&format!("/letters/{SLUG}/signatures")).await;
    assert_eq!(list.matches("(signed version 1)").count(), 2);

    let mails = new_version_mails(&app, 2).await;
    let to_anna = mails.iter().find(|m| m.to == "anna@example.org").expect("Anna is told");
    let link = to_anna.text.split_whitespace().find(|w| w.contains("/reconfirm/")).unwrap().to_owned();
    let path = link.trim_start_matches(&app.address).to_owned();
    let shown = app.get_text(&path).await;
    assert!(shown.contains("You signed version 1") && shown.contains("method=\"post\""));
    assert!(shown.contains("<ins>"), "the diff from what they signed");
    assert_eq!(
        app.get_text(&format!("/letters/{SLUG}/signatures")).await.matches("(signed version 1)").count(),
        2,
        "opening changes nothing"
    );
    let confirmed = app.client.post(app.url(&path)).send().await.unwrap();
    assert_eq!(confirmed.status(), 200);
    assert!(confirmed.text().await.unwrap().contains("now stands on version 2"));
    let list = app.get_text(&format!("/letters/{SLUG}/signatures")).await;
    assert_eq!(list.matches("(signed version 1)").count(), 1, "Boris did not re-confirm");

    // A new signer signs version 2 and gets no such mail.
    app.sign_and_confirm(SLUG, "Vera Smirnova", "vera@example.org", true).await;
    let letter =
        app.state().store.letter(&undersign::domain::Slug::parse(SLUG).unwrap()).await.unwrap().unwrap();
    let due = undersign::organisers::texts::queue_notices(app.state(), letter.id).await.unwrap();
    assert_eq!(due, 0, "everyone was told once; Vera signed the new version");
    assert_eq!(app.count(SLUG).await, 3, "once in the log");
    let record = app.get_text(&format!("/letters/{SLUG}/log/records/3")).await;
    assert!(record.contains(r#"\"version\":2"#), "{record}");
}

#[tokio::test]
async fn a_correction_keeps_each_translation_marked_as_being_updated_and_diffs_the_words() {
    let app = TestApp::spawn_empty().await;
    let (mut admin, _) = signed_in_admin(&app, "admin@example.org").await;
    let mut olga = signed_in_organiser(&app, &mut admin, "olga@example.org").await;
    let manage = publish_letter(&mut olga, SLUG).await;
    let csrf = olga.csrf().await;
    let translation = [
        ("csrf", csrf.as_str()),
        ("language", "ru"),
        ("title", "Учителя просят"),
        ("addressee", "Министру"),
        ("body", "Мы, учителя, *просим*."),
    ];
    assert_eq!(olga.post(&format!("{manage}/translations"), &translation).await.status, 303);
    let correction = [
        ("csrf", csrf.as_str()),
        ("title", "Teachers ask"),
        ("addressee", "To the Minister"),
        ("body", "We, *doctors*, ask for a [fair](https://example.org/fair) trial."),
    ];
    let corrected = olga.post(&format!("{manage}/versions"), &correction).await;
    assert_eq!(corrected.status, 303, "{}", corrected.body);
    log_size_becomes(&app, 3).await;

    // The Russian page still shows Russian, and says whose version it is.
    let russian = app.get_text(&format!("/letters/{SLUG}?text=ru")).await;
    assert!(
        russian.contains("Учителя просят") && russian.contains("<em>просим</em>"),
        "never another language"
    );
    assert!(russian.contains("This is the translation of version 1") && russian.contains("being updated"));
    assert!(russian.contains(&format!("href=\"/letters/{SLUG}/versions\"")), "with what changed");
    let page = app.get_text(&format!("/letters/{SLUG}")).await;
    assert!(
        page.contains("Русский</a> <span class=\"hint\">(translation of version 1, being updated)"),
        "{page}"
    );

    // The versions page names the language and diffs the words a reader sees.
    let versions = app.get_text(&format!("/letters/{SLUG}/versions")).await;
    assert!(versions.contains("Русский"), "a language's name, not a bare code");
    assert!(
        versions.contains("doctors") && !versions.contains("*doctors*"),
        "the rendered words, not Markdown"
    );
    assert!(!versions.contains("](https://example.org/fair)"));
}
