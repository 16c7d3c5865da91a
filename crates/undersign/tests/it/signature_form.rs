//! Each letter's signature form: fields shown, optional or required;
//! organisations beside people or not, counted apart; verified affiliations by
//! institutional domain (suffix matching done right); a closed letter's last word.

use crate::helpers::{TestApp, read_outbox};
use crate::organisers::{publish_letter, signed_in_admin, signed_in_organiser};

const SLUG: &str = "teachers-ask";

#[tokio::test]
async fn the_organisers_form_rules_apply_to_the_page_and_to_every_signature() {
    let app = TestApp::spawn_empty().await;
    let (mut admin, _) = signed_in_admin(&app, "admin@example.org").await;
    let mut olga = signed_in_organiser(&app, &mut admin, "olga@example.org").await;
    let manage = publish_letter(&mut olga, SLUG).await;
    let csrf = olga.csrf().await;
    let form = [
        ("csrf", csrf.as_str()),
        ("title", "optional"),
        ("affiliation", "required"),
        ("city", "optional"),
        ("country", "hidden"),
        ("orcid", "hidden"),
        ("verified_domains", "msu.ru\nhse.ru"),
    ];
    let saved = olga.post(&format!("{manage}/form"), &form).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let bad = olga
        .post(
            &format!("{manage}/form"),
            &[
                ("csrf", csrf.as_str()),
                ("title", "optional"),
                ("affiliation", "optional"),
                ("city", "optional"),
                ("country", "optional"),
                ("orcid", "optional"),
                ("verified_domains", "msu"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("msu is not a mail domain"));

    let page = app.get_text(&format!("/letters/{SLUG}")).await;
    assert!(
        !page.contains("name=\"orcid\"") && !page.contains("name=\"country\""),
        "hidden fields are not shown"
    );
    assert!(page.contains("name=\"affiliation\" type=\"text\" value=\"\" autocomplete=\"organization\" maxlength=\"200\" required"));
    assert!(!page.contains("name=\"organisation\""), "people only");

    let missing = app
        .sign_form(
            SLUG,
            &[
                ("name", "Anna Ivanova"),
                ("email", "anna@example.org"),
                ("show_name", "true"),
                ("consent", "true"),
            ],
        )
        .await;
    assert_eq!(missing.status(), 400);
    let organisation = app
        .sign_form(
            SLUG,
            &[
                ("name", "Bookstore Falanster"),
                ("email", "shop@example.org"),
                ("affiliation", "Falanster"),
                ("organisation", "true"),
                ("show_name", "true"),
                ("consent", "true"),
            ],
        )
        .await;
    assert_eq!(organisation.status(), 400);
    assert!(organisation.text().await.unwrap().contains("This letter is signed by people only."));

    for (name, email) in [("Anna Ivanova", "anna@cs.msu.ru"), ("Boris Petrov", "boris@evilmsu.ru")] {
        let before = read_outbox(&app.outbox_dir()).len();
        let signed = app
            .sign_form(
                SLUG,
                &[
                    ("name", name),
                    ("email", email),
                    ("affiliation", "MSU"),
                    ("country", "ignored"),
                    ("show_name", "true"),
                    ("consent", "true"),
                ],
            )
            .await;
        assert_eq!(signed.status(), 303);
        let link = app.wait_for_mails(before + 1).await[before].confirmation_link();
        app.confirm(&link).await;
    }
    assert_eq!(app.count(SLUG).await, 2);
    let list = app.get_text(&format!("/letters/{SLUG}/signatures")).await;
    assert_eq!(list.matches("verified: msu.ru").count(), 1, "cs.msu.ru is msu.ru; evilmsu.ru is not");
    assert!(!list.contains("ignored"), "a hidden field's value is dropped");
    let record = app.get_text(&format!("/letters/{SLUG}/log/records/1")).await;
    assert!(record.contains(r#"\"verified_domain\":\"msu.ru\""#), "{record}");
}

#[tokio::test]
async fn organisations_are_counted_apart_from_people_and_a_closed_letter_shows_its_final_count() {
    let app = TestApp::spawn().await;
    let letter = crate::helpers::LETTER;
    app.sign_and_confirm(letter, "Anna Ivanova", "anna@example.org", true).await;
    let before = read_outbox(&app.outbox_dir()).len();
    let signed = app
        .sign_form(
            letter,
            &[
                ("name", "Bookstore Falanster"),
                ("email", "shop@example.org"),
                ("title", "bookstore"),
                ("city", "Moscow"),
                ("organisation", "true"),
                ("pledge", "Closed on 17 February in solidarity"),
                ("show_name", "true"),
                ("consent", "true"),
            ],
        )
        .await;
    assert_eq!(signed.status(), 303);
    app.confirm(&app.wait_for_mails(before + 1).await[before].confirmation_link()).await;
    assert_eq!(app.count(letter).await, 2);
    let page = app.get_text(&format!("/letters/{letter}")).await;
    assert!(page.contains("1 person · 1 organisation"), "{page}");
    assert!(page.contains("Closed on 17 February in solidarity"));

    let slug = undersign::domain::Slug::parse(letter).unwrap();
    undersign::publishing::close_letter(app.state(), &slug).await.unwrap();
    let closed = app.get_text(&format!("/letters/{letter}")).await;
    assert!(closed.contains("Final count: 2, in the signed checkpoint of 3 log entries."), "{closed}");
    assert!(closed.contains(&format!("/letters/{letter}/verify")));
}

#[tokio::test]
async fn a_letter_closes_by_itself_once_its_closing_day_is_over() {
    use undersign::clock::Clock;
    let app = TestApp::spawn_empty().await;
    let today = app.clock.now().date();
    let draft = undersign::domain::LetterDraft {
        slug: undersign::domain::Slug::parse("closing-letter").unwrap(),
        title: "Closing letter".into(),
        addressee: "To the court".into(),
        community: undersign::domain::Community::parse("teachers").unwrap(),
        language: undersign::domain::LetterLanguage::parse("en").unwrap(),
        body: "We ask.".into(),
        organisations: false,
        campaign: None,
        pull_quote: None,
        closes_on: Some(today),
        target: None,
    };
    undersign::publishing::publish_letter(app.state(), &draft).await.unwrap();
    assert!(app.get_text("/letters/closing-letter").await.contains("Signatures close after"));
    undersign::maintenance::run_once(app.state()).await.unwrap();
    assert_eq!(app.letter_json("closing-letter").await["status"], "published", "open all of its last day");
    app.clock.advance(time::Duration::days(1));
    undersign::maintenance::run_once(app.state()).await.unwrap();
    assert_eq!(app.letter_json("closing-letter").await["status"], "closed");
    let form = crate::helpers::valid_form("late@example.org");
    assert_eq!(app.sign_form("closing-letter", &crate::helpers::pairs(&form)).await.status(), 409);
    let audit = app.state().store.audit_entries(None, 10).await.unwrap();
    let detail = audit
        .iter()
        .find(|e| e.action == "letter_closed" && e.account.is_none())
        .map(|e| e.detail.clone())
        .expect("the automatic close is in the audit log");
    assert_eq!(
        detail,
        undersign::organisers::detail("closing-day-passed", &[]),
        "a message, for every language"
    );
}
