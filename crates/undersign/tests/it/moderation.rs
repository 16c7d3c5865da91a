//! Moderation through the HTTP interface: the queue with its reasons, keeping,
//! releasing and striking (the strike is a leaf of the log, with its reason, and
//! the count drops), bulk strikes after a preview, and readers' reports.

use crate::helpers::TestApp;
use crate::organisers::{Browser, publish_letter, sign_in, signed_in_admin, signed_in_organiser};

const SLUG: &str = "teachers-ask";

/// The letter's count once it equals `expected` (strikes integrate within a second).
async fn count_becomes(app: &TestApp, expected: u64) {
    for _ in 0..100 {
        if app.count(SLUG).await == expected {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the count of {SLUG} stayed at {} instead of {expected}", app.count(SLUG).await);
}

/// A letter by an organiser, with a moderator invited; returns both browsers.
async fn letter_with_moderator(app: &TestApp) -> (Browser<'_>, Browser<'_>, String) {
    let (mut admin, _) = signed_in_admin(app, "admin@example.org").await;
    let mut organiser = signed_in_organiser(app, &mut admin, "olga@example.org").await;
    let manage = publish_letter(&mut organiser, SLUG).await;
    let csrf = organiser.csrf().await;
    let invited = organiser
        .post(
            &format!("{manage}/members"),
            &[("csrf", &csrf), ("email", "mod@example.org"), ("role", "moderator")],
        )
        .await;
    assert_eq!(invited.status, 200);
    let mut moderator = Browser::new(app);
    sign_in(&mut moderator, "mod@example.org").await;
    (organiser, moderator, format!("{manage}/moderation"))
}

/// The id the queue's forms carry for the signature shown as `#seq`.
fn queued_id(queue: &str, seq: u64) -> String {
    let at = queue.find(&format!("<strong>#{seq} ")).expect("in the queue");
    let item = &queue[at..];
    let marker = "name=\"signature\" value=\"";
    let start = item.find(marker).unwrap() + marker.len();
    item[start..start + item[start..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn a_moderator_strikes_a_duplicate_with_a_public_reason_and_the_log_and_count_show_it() {
    let app = TestApp::spawn().await;
    let (_, mut moderator, queue_path) = letter_with_moderator(&app).await;
    app.sign_and_confirm(SLUG, "Иван Петров", "ivan@example.org", true).await;
    app.sign_and_confirm(SLUG, "Ivan Petrov", "ivan.p@example.net", true).await;
    assert_eq!(app.count(SLUG).await, 2);

    let queue = moderator.get(&queue_path).await;
    assert_eq!(queue.status, 200);
    assert!(queue.body.contains("the same name signed before (#1)"), "{}", queue.body);
    let id = queued_id(&queue.body, 2);
    let csrf = queue.field("csrf");

    let no_reason = moderator
        .post(&format!("{queue_path}/strike"), &[("csrf", &csrf), ("signature", &id), ("reason", " ")])
        .await;
    assert_eq!(no_reason.status, 400);
    assert!(no_reason.body.contains("A strike needs a public reason."));
    assert_eq!(app.count(SLUG).await, 2, "nothing was struck");

    let reason = "Not signed by the person named";
    let unsure = moderator
        .post(&format!("{queue_path}/strike"), &[("csrf", &csrf), ("signature", &id), ("reason", reason)])
        .await;
    assert_eq!(unsure.status, 400, "a strike needs the 'I am sure' box");
    assert!(unsure.body.contains("Nothing was struck"));
    assert!(queue.body.contains("class=\"danger\""), "strike looks destructive");
    assert!(queue.body.contains("class=\"secondary\""), "keep does not");
    let struck = moderator
        .post(
            &format!("{queue_path}/strike"),
            &[("csrf", &csrf), ("signature", &id), ("reason", reason), ("sure", "yes")],
        )
        .await;
    assert_eq!(struck.status, 303);
    count_becomes(&app, 1).await;
    let json = app.letter_json(SLUG).await;
    let last = json["log_size"].as_u64().unwrap() - 1;
    let record = app.get_text(&format!("/letters/{SLUG}/log/records/{last}")).await;
    assert!(record.contains(reason), "the strike leaf carries the reason: {record}");
    let letter =
        app.state().store.letter(&undersign::domain::Slug::parse(SLUG).unwrap()).await.unwrap().unwrap();
    let leaf = app.state().store.log_leaves(letter.id, last, last + 1).await.unwrap().remove(0);
    assert!(String::from_utf8_lossy(&leaf).contains("kind strike"), "a strike leaf");
    let list = app.get_text(&format!("/letters/{SLUG}/signatures")).await;
    assert!(
        list.contains("Иван Петров") && !list.contains("Ivan Petrov"),
        "the struck one is no longer listed"
    );
    assert!(!moderator.get(&queue_path).await.body.contains("Ivan Petrov"), "decided: out of the queue");
}

#[tokio::test]
async fn a_held_signature_is_released_into_the_count_or_kept_out() {
    let app = TestApp::spawn().await;
    let (_, mut moderator, queue_path) = letter_with_moderator(&app).await;
    let slug = undersign::domain::Slug::parse(SLUG).unwrap();
    undersign::publishing::watch_name(app.state(), &slug, "Vladimir Putin").await.unwrap();
    app.sign_and_confirm(SLUG, "Владимир Путин", "vp@example.org", true).await;
    app.sign_and_confirm(SLUG, "Anna Ivanova", "anna@example.org", true).await;
    assert_eq!(app.count(SLUG).await, 1, "the watched name is held");

    let queue = moderator.get(&queue_path).await;
    assert!(queue.body.contains("the name is on the watch list"));
    assert!(queue.body.contains("Release into the count"));
    let id = queued_id(&queue.body, 1);
    let released = moderator
        .post(&format!("{queue_path}/approve"), &[("csrf", &queue.field("csrf")), ("signature", &id)])
        .await;
    assert_eq!(released.status, 303);
    count_becomes(&app, 2).await;
    assert!(app.get_text(&format!("/letters/{SLUG}/signatures")).await.contains("Владимир Путин"));
    // Deciding twice changes nothing.
    let again = moderator
        .post(&format!("{queue_path}/approve"), &[("csrf", &queue.field("csrf")), ("signature", &id)])
        .await;
    assert_eq!(again.status, 303);
    count_becomes(&app, 2).await;
}

#[tokio::test]
async fn a_burst_is_struck_in_bulk_after_a_preview_that_must_still_hold() {
    let app = TestApp::spawn_with(|config| config.limits.burst_flag_per_10_minutes = 3).await;
    let (_, mut moderator, queue_path) = letter_with_moderator(&app).await;
    for i in 0..5 {
        app.sign_and_confirm(SLUG, &format!("Signer Number{i}"), &format!("s{i}@example.org"), true).await;
    }
    assert_eq!(app.count(SLUG).await, 5);
    let queue = moderator.get(&queue_path).await;
    let start = queue.body.find("moderation?kind=burst&amp;detail=").expect("a burst rule is offered");
    let href = &queue.body[start..start + queue.body[start..].find('"').unwrap()];
    let preview = moderator.get(&format!("/organise/letters/{SLUG}/{}", href.replace("&amp;", "&"))).await;
    assert_eq!(preview.status, 200);
    assert!(preview.body.contains("3 signatures"), "the third to fifth: {}", preview.body);
    let (csrf, kind, detail, digest) =
        (preview.field("csrf"), preview.field("kind"), preview.field("detail"), preview.field("digest"));

    // Another signature of the burst arrives after the preview: nothing happens.
    app.sign_and_confirm(SLUG, "Signer Number5", "s5@example.org", true).await;
    let form = [
        ("csrf", csrf.as_str()),
        ("kind", &kind),
        ("detail", &detail),
        ("digest", &digest),
        ("reason", "A burst of fakes"),
    ];
    let outdated = moderator.post(&format!("{queue_path}/bulk-strike"), &form).await;
    assert_eq!(outdated.status, 409);
    assert!(outdated.body.contains("4 signatures"), "the new preview: {}", outdated.body);
    assert_eq!(app.count(SLUG).await, 6);

    let digest = outdated.field("digest");
    let form = [
        ("csrf", csrf.as_str()),
        ("kind", &kind),
        ("detail", &detail),
        ("digest", &digest),
        ("reason", "A burst of fakes"),
    ];
    let done = moderator.post(&format!("{queue_path}/bulk-strike"), &form).await;
    assert_eq!(done.status, 200);
    assert!(done.body.contains("4 signatures struck."), "{}", done.body);
    count_becomes(&app, 2).await;
}

#[tokio::test]
async fn a_readers_report_reaches_the_queue_with_its_note() {
    let app = TestApp::spawn().await;
    let (_, mut moderator, queue_path) = letter_with_moderator(&app).await;
    app.sign_and_confirm(SLUG, "Anna Ivanova", "anna@example.org", true).await;
    let list = app.get_text(&format!("/letters/{SLUG}/signatures")).await;
    assert!(list.contains(&format!("/letters/{SLUG}/signatures/1/report")));
    let form = app.get_text(&format!("/letters/{SLUG}/signatures/1/report")).await;
    assert!(form.contains("method=\"post\""));
    assert!(form.contains("#1 Anna Ivanova"), "the page names whom the reader reports");
    let sent = app
        .client
        .post(app.url(&format!("/letters/{SLUG}/signatures/1/report")))
        .form(&[("note", "That is me and I did not sign. Reach me at the university.")])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    assert!(sent.text().await.unwrap().contains("The moderators will look at it."));
    let missing = app
        .client
        .post(app.url(&format!("/letters/{SLUG}/signatures/99/report")))
        .form(&[("note", "")])
        .send()
        .await
        .unwrap();
    let status = missing.status();
    assert_eq!(status, 404, "{}", missing.text().await.unwrap());

    let queue = moderator.get(&queue_path).await;
    assert!(queue.body.contains("reported by a reader: That is me and I did not sign."), "{}", queue.body);
    let id = queued_id(&queue.body, 1);
    moderator
        .post(&format!("{queue_path}/approve"), &[("csrf", &queue.field("csrf")), ("signature", &id)])
        .await;
    assert!(moderator.get(&queue_path).await.body.contains("Nothing is waiting."));
    assert_eq!(app.count(SLUG).await, 1, "kept");
    app.sign_and_confirm(SLUG, "Hidden Signer", "hidden@example.org", false).await;
    let withheld = app.get(&format!("/letters/{SLUG}/signatures/2/report")).await;
    assert_eq!(withheld.status(), 404, "a withheld name is neither reportable nor learnt this way");
}

#[tokio::test]
async fn moderating_needs_a_role_on_that_letter() {
    let app = TestApp::spawn().await;
    let (_, _, queue_path) = letter_with_moderator(&app).await;
    app.sign_and_confirm(SLUG, "Anna Ivanova", "anna@example.org", true).await;
    let mut stranger = Browser::new(&app);
    assert_eq!(stranger.get(&queue_path).await.location.as_deref(), Some("/sign-in"));
    // A moderator of another letter, signed in, sees nothing here.
    let slug = undersign::domain::Slug::parse(crate::helpers::LETTER).unwrap();
    let other = app.state().store.letter(&slug).await.unwrap().unwrap();
    let email = undersign::domain::EmailAddress::parse("other-mod@example.org").unwrap();
    let lookup = app.state().keys.account_lookup(&email);
    let sealed = app.state().keys.account_key().seal_email(&email, &lookup).unwrap();
    let now = undersign::clock::Clock::now(app.clock.as_ref());
    let (account, _) =
        app.state().store.ensure_account(&lookup, &sealed, false, Default::default(), now).await.unwrap();
    let entry = undersign::organisers::audit(None, Some(other.id), "role_granted", "test", now);
    app.state()
        .store
        .grant_role(other.id, account, undersign::storage::organisers::Role::Moderator, false, entry)
        .await
        .unwrap();
    sign_in(&mut stranger, "other-mod@example.org").await;
    assert_eq!(stranger.get(&queue_path).await.status, 404);
    let csrf = stranger.csrf().await;
    let strike = stranger
        .post(&format!("{queue_path}/strike"), &[("csrf", &csrf), ("signature", "1"), ("reason", "no")])
        .await;
    assert_eq!(strike.status, 404);
    assert_eq!(app.count(SLUG).await, 1);
}

#[tokio::test]
async fn the_person_named_asks_for_removal_through_an_address_they_confirm() {
    let app = TestApp::spawn().await;
    let (_, mut moderator, queue_path) = letter_with_moderator(&app).await;
    app.sign_and_confirm(SLUG, "Anna Ivanova", "prankster@example.org", true).await;
    let report = format!("/letters/{SLUG}/signatures/1/report");
    let bad = app
        .client
        .post(app.url(&report))
        .form(&[("note", ""), ("email", "not an address")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let sent = app
        .client
        .post(app.url(&report))
        .form(&[("note", "I never signed this."), ("email", "anna.ivanova@uni.example.org")])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    assert!(sent.text().await.unwrap().contains("We sent a link to the address you gave."));
    let mail = loop {
        let found = crate::helpers::read_outbox(&app.outbox_dir())
            .into_iter()
            .find(|m| m.to == "anna.ivanova@uni.example.org");
        if let Some(mail) = found {
            break mail;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    };
    assert!(mail.text.contains("Anna Ivanova"), "{}", mail.text);
    let link = mail.text.split_whitespace().find(|w| w.contains("/removal/")).unwrap().to_owned();
    let path = link.trim_start_matches(&app.address).to_owned();

    let page = app.get_text(&path).await;
    assert!(page.contains("method=\"post\""), "opening the link changes nothing");
    assert!(!moderator.get(&queue_path).await.body.contains("asks for removal"));
    let confirmed = app.client.post(app.url(&path)).send().await.unwrap();
    assert_eq!(confirmed.status(), 200);
    assert!(confirmed.text().await.unwrap().contains("your address was not kept"));
    let queue = moderator.get(&queue_path).await.body;
    assert!(
        queue.contains("the person named asks for removal (confirmed by e-mail): I never signed this."),
        "{queue}"
    );
    assert_eq!(app.get(&format!("{path}x")).await.status(), 404);
}

#[tokio::test]
async fn the_report_form_cannot_flood_an_address_with_removal_mail() {
    let app = TestApp::spawn_with(|config| config.limits.mails_per_address_per_day = 1).await;
    app.sign_and_confirm(crate::helpers::LETTER, "Anna Ivanova", "anna@example.org", true).await;
    let report = format!("/letters/{}/signatures/1/report", crate::helpers::LETTER);
    for _ in 0..3 {
        let sent = app
            .client
            .post(app.url(&report))
            .form(&[("note", ""), ("email", "victim@example.org")])
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 200, "the answer stays the same");
    }
    // One request queued; the others were over the address's allowance.
    let requests = app.sql_count("SELECT count(*) FROM removal_requests").await;
    assert_eq!(requests, 1, "one mail a day, as for confirmations");
}

#[tokio::test]
async fn an_unconfirmed_removal_request_is_deleted_with_its_address_when_its_link_expires() {
    let app = TestApp::spawn().await;
    app.sign_and_confirm(crate::helpers::LETTER, "Anna Ivanova", "anna@example.org", true).await;
    let report = format!("/letters/{}/signatures/1/report", crate::helpers::LETTER);
    app.client
        .post(app.url(&report))
        .form(&[("note", ""), ("email", "someone@example.org")])
        .send()
        .await
        .unwrap();
    let sent_sql = "SELECT count(*) FROM removal_requests WHERE state = 'sent'";
    for _ in 0..100 {
        if app.sql_count(sent_sql).await == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(app.sql_count(sent_sql).await, 1, "the link went out");
    app.clock.advance(time::Duration::days(3));
    undersign::maintenance::run_once(app.state()).await.unwrap();
    let left = app.sql_count("SELECT count(*) FROM removal_requests").await;
    assert_eq!(left, 0, "nothing of the requester is kept");
}

#[tokio::test]
async fn the_queue_marks_letters_of_another_alphabet_hidden_in_a_name() {
    let app = TestApp::spawn().await;
    let (_, mut moderator, queue_path) = letter_with_moderator(&app).await;
    // "Иван" with a Latin "a": looks the same, is not.
    app.sign_and_confirm(SLUG, "Ивaн Петров", "ivan@example.org", true).await;
    let queue = moderator.get(&queue_path).await;
    assert!(queue.body.contains("the name mixes alphabets"), "{}", queue.body);
    assert!(queue.body.contains("Ив<mark class=\"foreign\""), "{}", queue.body);
    assert!(queue.body.contains(">a</mark>н Петров"));
}
